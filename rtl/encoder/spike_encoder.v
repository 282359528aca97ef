// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// spike_encoder -- adaptive multi-threshold (send-on-delta) spike encoder, see docs/encoder.md.
// Accepts one signed ECG sample per clock on s_axis, saturates it to SAMPLE_W bits and runs two
// independent send-on-delta channels on it: S (gap cfg_delta_s) over samples S_START ..
// S_START+S_LEN-1 and L (gap cfg_delta_l) over L_START .. L_START+L_LEN-1, each with a reference
// level loaded from the sample just before its region and re-centred on every sample that fires.
// Every accepted sample of a frame gives one element {l_fall, l_rise, s_fall, s_rise} on the
// spike stream m_axis_spk (tuser = {err, index}); the spikes of a well-formed beat are also
// collected in two shift registers and copied into the double-buffered SLOTS-bit beat register
// m_beat_* (slot 2k/2k+1 = S rise/fall of sample S_START+k, slot 2*S_LEN+2k/+1 = L rise/fall of
// sample L_START+k, plus the spike count). Frames with tlast before index BEAT_LEN-1 are
// discarded; frames without tlast on index BEAT_LEN-1 are cut there (err=1) and the rest up to
// the next tlast is accepted and dropped. Latency: the spike element, the trace record and the
// stat_sat / stat_len_err pulses appear one cycle after the sample's handshake; the beat register
// is valid one cycle after the handshake of sample BEAT_LEN-1 (or one cycle after the previous
// beat is read, in which case the input stalls meanwhile). Throughput: one sample per clock,
// BEAT_LEN cycles per beat, when the consumers are ready.

module spike_encoder #(
    // width of the stream sample word s_axis_tdata (signed; saturated on entry)
    parameter DATA_W   = `ECG_STREAM_SAMPLE_W,
    // width of the internal sample and of the reference levels (signed, ENC_REF == ECG_SAMPLE)
    parameter SAMPLE_W = `ECG_SAMPLE_W,
    // width of the unsigned threshold gaps cfg_delta_s / cfg_delta_l
    parameter DELTA_W  = `ECG_ENC_DELTA_W,
    // samples per well-formed beat (the sample index is 8 bits, so at most 256)
    parameter BEAT_LEN = `ECG_ENC_BEAT_LEN,
    // first sample index encoded by the S channel (its reference is loaded from S_START-1)
    parameter S_START  = `ECG_ENC_S_START,
    // number of samples encoded by the S channel
    parameter S_LEN    = `ECG_ENC_S_LEN,
    // first sample index encoded by the L channel (its reference is loaded from L_START-1)
    parameter L_START  = `ECG_ENC_L_START,
    // number of samples encoded by the L channel
    parameter L_LEN    = `ECG_ENC_L_LEN,
    // slots per beat: a rise and a fall slot per encoded sample and channel
    parameter SLOTS    = 2*S_LEN + 2*L_LEN,
    // width of the spike count: rise and fall are exclusive, so a beat holds at most
    // S_LEN + L_LEN spikes
    parameter NSPK_W   = $clog2(S_LEN + L_LEN + 1),
    // 1: drive the trace port; 0: tie it to zero (synthesis removes the logic)
    parameter TRACE_EN = 0
) (
    input  wire                clk,
    input  wire                rst,

    // threshold gaps, sampled on the handshake of sample 0 of every beat (0 -> 1, stat_cfg_err)
    input  wire [DELTA_W-1:0]  cfg_delta_s,
    input  wire [DELTA_W-1:0]  cfg_delta_l,

    // sample stream in (signed samples, tlast on the last sample of a frame)
    input  wire [DATA_W-1:0]   s_axis_tdata,
    input  wire                s_axis_tvalid,
    output wire                s_axis_tready,
    input  wire                s_axis_tlast,

    // spike stream out: tdata = {l_fall, l_rise, s_fall, s_rise}, tuser = {err, index}
    output wire [3:0]          m_axis_spk_tdata,
    output wire [8:0]          m_axis_spk_tuser,
    output wire                m_axis_spk_tvalid,
    input  wire                m_axis_spk_tready,
    output wire                m_axis_spk_tlast,

    // beat register out: slot s is bit s; nspk = number of ones
    output wire [SLOTS-1:0]    m_beat_slots,
    output wire [NSPK_W-1:0]   m_beat_nspk,
    output wire                m_beat_valid,
    input  wire                m_beat_ready,

    // status: one-cycle pulses with the spike element, and a sticky configuration error
    output wire                stat_sat,
    output wire                stat_len_err,
    output wire                stat_cfg_err,

    // trace port (TRACE_EN = 1), one record per spike element.  It is verification
    // infrastructure (tied off in synthesis) and its constant/upper bits (kind, index[15:8],
    // the high bits of the 16-bit frame counter) cannot toggle in any test of practical
    // length, so it is excluded from toggle coverage; its values are compared exactly.
    /*verilator coverage_off*/
    output wire                trc_valid,
    output wire [7:0]          trc_kind,
    output wire [15:0]         trc_index,
    output wire [15:0]         trc_step,
    output wire [31:0]         trc_value
    /*verilator coverage_on*/
);

// ---------------------------------------------------------------------------------------------
// Parameter checks
// ---------------------------------------------------------------------------------------------

`ifndef SYNTHESIS
initial begin
    if (BEAT_LEN < 2 || BEAT_LEN > 256) begin
        $error("spike_encoder: BEAT_LEN=%0d must be 2..256 (8-bit sample index)", BEAT_LEN);
        $finish;
    end
    if (S_START < 1 || S_LEN < 1 || S_START + S_LEN > BEAT_LEN) begin
        $error("spike_encoder: S region %0d+%0d must satisfy S_START >= 1, S_LEN >= 1, S_START+S_LEN <= BEAT_LEN=%0d",
               S_START, S_LEN, BEAT_LEN);
        $finish;
    end
    if (L_START < 1 || L_LEN < 1 || L_START + L_LEN > BEAT_LEN) begin
        $error("spike_encoder: L region %0d+%0d must satisfy L_START >= 1, L_LEN >= 1, L_START+L_LEN <= BEAT_LEN=%0d",
               L_START, L_LEN, BEAT_LEN);
        $finish;
    end
    if (SLOTS != 2*S_LEN + 2*L_LEN) begin
        $error("spike_encoder: SLOTS=%0d must be 2*S_LEN+2*L_LEN=%0d", SLOTS, 2*S_LEN + 2*L_LEN);
        $finish;
    end
    if (SAMPLE_W < 2 || SAMPLE_W > 16 || DATA_W <= SAMPLE_W) begin
        $error("spike_encoder: need 2 <= SAMPLE_W <= 16 (trace halves) and DATA_W > SAMPLE_W (got %0d, %0d)",
               SAMPLE_W, DATA_W);
        $finish;
    end
    if (DELTA_W < 1) begin
        $error("spike_encoder: DELTA_W=%0d must be >= 1", DELTA_W);
        $finish;
    end
    if (TRACE_EN != 0 && TRACE_EN != 1) begin
        $error("spike_encoder: TRACE_EN=%0d must be 0 or 1", TRACE_EN);
        $finish;
    end
end
`endif

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

localparam S_W   = 2*S_LEN;                                   // S shift register bits
localparam L_W   = 2*L_LEN;                                   // L shift register bits
localparam CMP_W = (SAMPLE_W > DELTA_W) ? SAMPLE_W + 1 : DELTA_W + 1; // comparator width
localparam TW    = CMP_W + 1;                                          // ref +- delta

localparam integer IDX_LAST_I    = BEAT_LEN - 1;             // index of the last sample
localparam integer S_IDX_LOAD_I  = S_START - 1;              // S reference load index
localparam integer S_IDX_END_I   = S_START + S_LEN;          // first index after the S region
localparam integer L_IDX_LOAD_I  = L_START - 1;              // L reference load index
localparam integer L_IDX_END_I   = L_START + L_LEN;          // first index after the L region
localparam integer S_IDX_FIRST_I = S_START;                  // first S-encoded index
localparam integer L_IDX_FIRST_I = L_START;                  // first L-encoded index

// the same as sample-index-width constants (9 bits for the region ends, which may be 256)
localparam [7:0] IDX_LAST    = IDX_LAST_I[7:0];
localparam [7:0] S_IDX_LOAD  = S_IDX_LOAD_I[7:0];
localparam [7:0] S_IDX_FIRST = S_IDX_FIRST_I[7:0];
localparam [8:0] S_IDX_END   = S_IDX_END_I[8:0];
localparam [7:0] L_IDX_LOAD  = L_IDX_LOAD_I[7:0];
localparam [7:0] L_IDX_FIRST = L_IDX_FIRST_I[7:0];
localparam [8:0] L_IDX_END   = L_IDX_END_I[8:0];

// a region that ends on the last sample shifts in that sample's spikes in the very cycle the beat
// completes, so the beat register must take the shift register's next value instead of its Q
localparam S_ENDS_LAST = (S_START + S_LEN == BEAT_LEN) ? 1 : 0;
localparam L_ENDS_LAST = (L_START + L_LEN == BEAT_LEN) ? 1 : 0;

localparam [SAMPLE_W-1:0] SAMPLE_MAX = {1'b0, {(SAMPLE_W-1){1'b1}}};
localparam [SAMPLE_W-1:0] SAMPLE_MIN = {1'b1, {(SAMPLE_W-1){1'b0}}};
localparam [DELTA_W-1:0]  DELTA_ONE  = {{(DELTA_W-1){1'b0}}, 1'b1};
localparam [7:0]          TRC_KIND   = `ECG_TRC_ENC_STATE;   // trace record kind

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

reg  [7:0]          idx_reg, idx_next;                        // index of the next sample
reg                 drop_reg, drop_next;                      // dropping an over-long frame's tail
reg  [DELTA_W-1:0]  delta_s_reg, delta_s_next;                // gaps held for the beat
reg  [DELTA_W-1:0]  delta_l_reg, delta_l_next;
reg  [SAMPLE_W-1:0] ref_s_reg, ref_s_next;                    // reference levels
reg  [SAMPLE_W-1:0] ref_l_reg, ref_l_next;
reg  [S_W-1:0]      s_shift_reg, s_shift_next;                // spike collection (no reset needed:
reg  [L_W-1:0]      l_shift_reg, l_shift_next;                //  a beat overwrites every bit)
reg  [NSPK_W-1:0]   nspk_reg, nspk_next;                      // spikes of the beat so far
reg  signed [TW-1:0] thr_s_hi_reg, thr_s_lo_reg;              // ref_s +- delta_s
reg  signed [TW-1:0] thr_l_hi_reg, thr_l_lo_reg;              // ref_l +- delta_l
reg                 beat_pending_reg, beat_pending_next;      // completed beat waiting for m_beat

reg  [3:0]          m_axis_spk_tdata_reg, m_axis_spk_tdata_next;
reg  [8:0]          m_axis_spk_tuser_reg, m_axis_spk_tuser_next;
reg                 m_axis_spk_tvalid_reg, m_axis_spk_tvalid_next;
reg                 m_axis_spk_tlast_reg, m_axis_spk_tlast_next;

reg  [SLOTS-1:0]    m_beat_slots_reg, m_beat_slots_next;      // data only, qualified by valid
reg  [NSPK_W-1:0]   m_beat_nspk_reg, m_beat_nspk_next;
reg                 m_beat_valid_reg, m_beat_valid_next;

reg                 stat_sat_reg, stat_sat_next;
reg                 stat_len_err_reg, stat_len_err_next;
reg                 stat_cfg_err_reg, stat_cfg_err_next;

// ---------------------------------------------------------------------------------------------
// Input stage: handshake, saturation, position in the frame
// ---------------------------------------------------------------------------------------------

assign s_axis_tready = (!m_axis_spk_tvalid_reg || m_axis_spk_tready) && !beat_pending_reg;

wire in_fire   = s_axis_tvalid && s_axis_tready;              // sample accepted
wire elem_fire = in_fire && !drop_reg;                        // ... and it makes a spike element

wire                      in_neg = s_axis_tdata[DATA_W-1];
wire [DATA_W-SAMPLE_W-1:0] in_hi = s_axis_tdata[DATA_W-2:SAMPLE_W-1];
wire                      in_sat = in_neg ? !(&in_hi) : |in_hi;
wire [SAMPLE_W-1:0]       x      = in_sat ? (in_neg ? SAMPLE_MIN : SAMPLE_MAX)
                                          : s_axis_tdata[SAMPLE_W-1:0];

wire idx_first = idx_reg == 8'd0;
wire idx_last  = idx_reg == IDX_LAST;
wire out_tlast = s_axis_tlast || idx_last;
wire out_err   = s_axis_tlast ^ idx_last;                     // short frame or missing tlast
wire beat_done = elem_fire && idx_last && s_axis_tlast;       // well-formed beat complete

wire s_load = idx_reg == S_IDX_LOAD;
wire l_load = idx_reg == L_IDX_LOAD;
wire s_in   = idx_reg >= S_IDX_FIRST && {1'b0, idx_reg} < S_IDX_END;
wire l_in   = idx_reg >= L_IDX_FIRST && {1'b0, idx_reg} < L_IDX_END;

// ---------------------------------------------------------------------------------------------
// The four comparators: d = x - ref; rise = d >= delta; fall = -d >= delta
// ---------------------------------------------------------------------------------------------


// x - ref >= delta  <=>  x >= ref + delta;   ref - x >= delta  <=>  x <= ref - delta.
// The two thresholds per level are registers kept equal to ref +- delta (thr_*_next below), so
// a comparison is one carry chain from x instead of a subtraction followed by a comparison.
// TW = CMP_W + 1 holds every ref + delta and ref - delta exactly.
wire signed [TW-1:0] x_thr = {{(TW-SAMPLE_W){x[SAMPLE_W-1]}}, x};

wire s_rise = s_in && (x_thr >= thr_s_hi_reg);
wire s_fall = s_in && (x_thr <= thr_s_lo_reg);
wire l_rise = l_in && (x_thr >= thr_l_hi_reg);
wire l_fall = l_in && (x_thr <= thr_l_lo_reg);
wire s_spk  = s_rise || s_fall;
wire l_spk  = l_rise || l_fall;

// shift registers shift right by two: after a beat, sample START+k's {fall, rise} is at [2k+1:2k]
wire [S_W-1:0] s_shift_in;
wire [L_W-1:0] l_shift_in;

generate
if (S_LEN > 1) begin : gen_s_shift
    assign s_shift_in = {s_fall, s_rise, s_shift_reg[S_W-1:2]};
end else begin : gen_s_shift_one
    assign s_shift_in = {s_fall, s_rise};
end
if (L_LEN > 1) begin : gen_l_shift
    assign l_shift_in = {l_fall, l_rise, l_shift_reg[L_W-1:2]};
end else begin : gen_l_shift_one
    assign l_shift_in = {l_fall, l_rise};
end
endgenerate

// ---------------------------------------------------------------------------------------------
// Next-state logic
// ---------------------------------------------------------------------------------------------

wire beat_out_free = !m_beat_valid_reg || m_beat_ready;      // beat register free this cycle
wire beat_have     = beat_done || beat_pending_reg;          // a completed beat to hand over
wire beat_load     = beat_have && beat_out_free;

always @* begin
    idx_next          = idx_reg;
    drop_next         = drop_reg;
    delta_s_next      = delta_s_reg;
    delta_l_next      = delta_l_reg;
    ref_s_next        = ref_s_reg;
    ref_l_next        = ref_l_reg;
    s_shift_next      = s_shift_reg;
    l_shift_next      = l_shift_reg;
    nspk_next         = nspk_reg;
    stat_cfg_err_next = stat_cfg_err_reg;

    if (drop_reg) begin
        if (in_fire && s_axis_tlast) begin
            drop_next = 1'b0;
        end
    end else if (elem_fire) begin
        idx_next  = out_tlast ? 8'd0 : idx_reg + 8'd1;
        drop_next = idx_last && !s_axis_tlast;

        if (idx_first) begin
            delta_s_next = (cfg_delta_s == {DELTA_W{1'b0}}) ? DELTA_ONE : cfg_delta_s;
            delta_l_next = (cfg_delta_l == {DELTA_W{1'b0}}) ? DELTA_ONE : cfg_delta_l;
            if (cfg_delta_s == {DELTA_W{1'b0}} || cfg_delta_l == {DELTA_W{1'b0}}) begin
                stat_cfg_err_next = 1'b1;
            end
        end

        if (s_load || s_spk) begin
            ref_s_next = x;
        end
        if (l_load || l_spk) begin
            ref_l_next = x;
        end
        if (s_in) begin
            s_shift_next = s_shift_in;
        end
        if (l_in) begin
            l_shift_next = l_shift_in;
        end
        nspk_next = (idx_first ? {NSPK_W{1'b0}} : nspk_reg) + {{(NSPK_W-1){1'b0}}, s_spk}
                    + {{(NSPK_W-1){1'b0}}, l_spk};
    end

    beat_pending_next = beat_have && !beat_out_free;

    m_beat_slots_next = m_beat_slots_reg;
    m_beat_nspk_next  = m_beat_nspk_reg;
    m_beat_valid_next = m_beat_valid_reg && !m_beat_ready;
    if (beat_load) begin
        m_beat_slots_next = {(L_ENDS_LAST != 0) ? l_shift_next : l_shift_reg,
                             (S_ENDS_LAST != 0) ? s_shift_next : s_shift_reg};
        m_beat_nspk_next  = nspk_next;
        m_beat_valid_next = 1'b1;
    end

    m_axis_spk_tdata_next  = m_axis_spk_tdata_reg;
    m_axis_spk_tuser_next  = m_axis_spk_tuser_reg;
    m_axis_spk_tlast_next  = m_axis_spk_tlast_reg;
    m_axis_spk_tvalid_next = m_axis_spk_tvalid_reg && !m_axis_spk_tready;
    if (elem_fire) begin
        m_axis_spk_tdata_next  = {l_fall, l_rise, s_fall, s_rise};
        m_axis_spk_tuser_next  = {out_err, idx_reg};
        m_axis_spk_tlast_next  = out_tlast;
        m_axis_spk_tvalid_next = 1'b1;
    end

    stat_sat_next     = elem_fire && in_sat;
    stat_len_err_next = elem_fire && out_err;
end

// thresholds of the next cycle: ref_next +- delta_next, with both candidates of ref_next (x or the
// held reference) summed beside the comparisons and selected after them
wire signed [TW-1:0] ref_s_tw  = {{(TW-SAMPLE_W){ref_s_reg[SAMPLE_W-1]}}, ref_s_reg};
wire signed [TW-1:0] ref_l_tw  = {{(TW-SAMPLE_W){ref_l_reg[SAMPLE_W-1]}}, ref_l_reg};
wire signed [TW-1:0] dlt_s_tw  = {{(TW-DELTA_W){1'b0}}, delta_s_next};
wire signed [TW-1:0] dlt_l_tw  = {{(TW-DELTA_W){1'b0}}, delta_l_next};
wire                 s_take_x  = elem_fire && !drop_reg && (s_load || s_spk);
wire                 l_take_x  = elem_fire && !drop_reg && (l_load || l_spk);
wire signed [TW-1:0] thr_s_hi_x = x_thr + dlt_s_tw;
wire signed [TW-1:0] thr_s_lo_x = x_thr - dlt_s_tw;
wire signed [TW-1:0] thr_l_hi_x = x_thr + dlt_l_tw;
wire signed [TW-1:0] thr_l_lo_x = x_thr - dlt_l_tw;
wire signed [TW-1:0] thr_s_hi_r = ref_s_tw + dlt_s_tw;
wire signed [TW-1:0] thr_s_lo_r = ref_s_tw - dlt_s_tw;
wire signed [TW-1:0] thr_l_hi_r = ref_l_tw + dlt_l_tw;
wire signed [TW-1:0] thr_l_lo_r = ref_l_tw - dlt_l_tw;

localparam signed [TW-1:0] THR_ONE = {{(TW-1){1'b0}}, 1'b1};   // reset: ref 0, delta 1

always @(posedge clk) begin
    if (rst) begin
        thr_s_hi_reg <= THR_ONE;
        thr_s_lo_reg <= -THR_ONE;
        thr_l_hi_reg <= THR_ONE;
        thr_l_lo_reg <= -THR_ONE;
    end else begin
        thr_s_hi_reg <= s_take_x ? thr_s_hi_x : thr_s_hi_r;
        thr_s_lo_reg <= s_take_x ? thr_s_lo_x : thr_s_lo_r;
        thr_l_hi_reg <= l_take_x ? thr_l_hi_x : thr_l_hi_r;
        thr_l_lo_reg <= l_take_x ? thr_l_lo_x : thr_l_lo_r;
    end
end

// shift registers and beat data: no reset
always @(posedge clk) begin
    s_shift_reg      <= s_shift_next;
    l_shift_reg      <= l_shift_next;
    m_beat_slots_reg <= m_beat_slots_next;
end

always @(posedge clk) begin
    if (rst) begin
        idx_reg               <= 8'd0;
        drop_reg              <= 1'b0;
        delta_s_reg           <= DELTA_ONE;
        delta_l_reg           <= DELTA_ONE;
        ref_s_reg             <= {SAMPLE_W{1'b0}};
        ref_l_reg             <= {SAMPLE_W{1'b0}};
        nspk_reg              <= {NSPK_W{1'b0}};
        beat_pending_reg      <= 1'b0;
        m_axis_spk_tdata_reg  <= 4'd0;
        m_axis_spk_tuser_reg  <= 9'd0;
        m_axis_spk_tvalid_reg <= 1'b0;
        m_axis_spk_tlast_reg  <= 1'b0;
        m_beat_nspk_reg       <= {NSPK_W{1'b0}};
        m_beat_valid_reg      <= 1'b0;
        stat_sat_reg          <= 1'b0;
        stat_len_err_reg      <= 1'b0;
        stat_cfg_err_reg      <= 1'b0;
    end else begin
        idx_reg               <= idx_next;
        drop_reg              <= drop_next;
        delta_s_reg           <= delta_s_next;
        delta_l_reg           <= delta_l_next;
        ref_s_reg             <= ref_s_next;
        ref_l_reg             <= ref_l_next;
        nspk_reg              <= nspk_next;
        beat_pending_reg      <= beat_pending_next;
        m_axis_spk_tdata_reg  <= m_axis_spk_tdata_next;
        m_axis_spk_tuser_reg  <= m_axis_spk_tuser_next;
        m_axis_spk_tvalid_reg <= m_axis_spk_tvalid_next;
        m_axis_spk_tlast_reg  <= m_axis_spk_tlast_next;
        m_beat_nspk_reg       <= m_beat_nspk_next;
        m_beat_valid_reg      <= m_beat_valid_next;
        stat_sat_reg          <= stat_sat_next;
        stat_len_err_reg      <= stat_len_err_next;
        stat_cfg_err_reg      <= stat_cfg_err_next;
    end
end

assign m_axis_spk_tdata  = m_axis_spk_tdata_reg;
assign m_axis_spk_tuser  = m_axis_spk_tuser_reg;
assign m_axis_spk_tvalid = m_axis_spk_tvalid_reg;
assign m_axis_spk_tlast  = m_axis_spk_tlast_reg;

assign m_beat_slots = m_beat_slots_reg;
assign m_beat_nspk  = m_beat_nspk_reg;
assign m_beat_valid = m_beat_valid_reg;

assign stat_sat     = stat_sat_reg;
assign stat_len_err = stat_len_err_reg;
assign stat_cfg_err = stat_cfg_err_reg;

// ---------------------------------------------------------------------------------------------
// Trace port
// ---------------------------------------------------------------------------------------------

/*verilator coverage_off*/
generate
if (TRACE_EN != 0) begin : gen_trace
    reg        trc_valid_reg;
    reg [7:0]  trc_index_reg;
    reg [15:0] trc_step_reg;
    reg [31:0] trc_value_reg;
    reg [15:0] frame_cnt_reg;                          // frames ended since reset

    always @(posedge clk) begin
        if (rst) begin
            trc_valid_reg <= 1'b0;
            trc_index_reg <= 8'd0;
            trc_step_reg  <= 16'd0;
            trc_value_reg <= 32'd0;
            frame_cnt_reg <= 16'd0;
        end else begin
            trc_valid_reg <= elem_fire;
            if (elem_fire) begin
                trc_index_reg <= idx_reg;
                trc_step_reg  <= frame_cnt_reg;
                trc_value_reg <= {{(16-SAMPLE_W){ref_l_next[SAMPLE_W-1]}}, ref_l_next,
                                  {(16-SAMPLE_W){ref_s_next[SAMPLE_W-1]}}, ref_s_next};
                if (out_tlast) begin
                    frame_cnt_reg <= frame_cnt_reg + 16'd1;
                end
            end
        end
    end

    assign trc_valid = trc_valid_reg;
    assign trc_kind  = TRC_KIND;
    assign trc_index = {8'd0, trc_index_reg};
    assign trc_step  = trc_step_reg;
    assign trc_value = trc_value_reg;
end else begin : gen_no_trace
    assign trc_valid = 1'b0;
    assign trc_kind  = 8'd0;
    assign trc_index = 16'd0;
    assign trc_step  = 16'd0;
    assign trc_value = 32'd0;
end
endgenerate
/*verilator coverage_on*/

endmodule

`resetall
