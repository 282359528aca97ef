// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// qual_gate -- per-beat signal-quality gate, bit-exact with golden/quality.py (docs/quality_rtl.md).
// Takes the 250-sample beat window (R peak at index ECG_ENC_R_INDEX) on s_axis, one signed sample
// per clock, with the spike encoder's frame convention: tlast on sample BEAT_LEN-1; a frame with
// tlast earlier is discarded, a frame without tlast on sample BEAT_LEN-1 is cut there and the rest
// up to its tlast dropped (stat_len_err pulses for both; neither gives a result). Samples are
// saturated to FE_X (s11, -1024..1023: the ADC range; stat_sat pulses) on entry. Per well-formed
// beat it computes
//   hf   = sum of |x[n+1] - 2 x[n] + x[n-1]| over the centres n = 1 .. BEAT_LEN-2 outside
//          [QRS_LO, QRS_HI)                                                (QUAL_HF, u21)
//   amp  = max - min of x over [QRS_LO, QRS_HI)                            (QUAL_AMP, u12)
//   flat = the longest run of equal consecutive samples (1 .. BEAT_LEN)
//   rail = the number of samples at -1024 or 1023
//   reasons = NOISE ((hf << HF_SHIFT) > HF_T * amp) | LOWAMP (amp < LOWAMP_T)
//             | FLAT (flat >= FLAT_RUN) | CLIP (rail > RAIL_MAX)           (QUAL_R_* bits)
// and offers them on m_qual (valid/ready; the payload is held until the handshake).
// Pipeline: stage A (the sample's handshake cycle) forms the second difference from the sample
// and a register holding x[n-1] - 2 x[n], updates min/max, the current run and the rail count;
// stage B (the next cycle) accumulates |d2| into hf and the run into the longest run, and on the
// beat's last sample copies the finished measures into a hold register; the output register
// takes them from there with the reason mask (comparisons on the hold register). amp = max - min
// and the NOISE threshold HF_T * amp are registered every cycle from min/max, which stop changing
// at sample QRS_HI-1, so both are final when the window's last sample arrives (QRS_HI <= BEAT_LEN-2). Latency: m_qual_valid rises 3 cycles after the cycle in which sample
// BEAT_LEN-1 is accepted, when m_qual is free. Throughput: one sample per clock, BEAT_LEN cycles
// per beat. Back-pressure: two results can wait (output and hold register); while both are
// full s_axis_tready is low, so no result is ever overwritten.

module qual_gate #(
    // width of the stream sample word s_axis_tdata (signed; saturated on entry)
    parameter DATA_W   = `ECG_STREAM_SAMPLE_W,
    // width of the internal sample (signed): the ADC range, whose ends are the rails
    parameter X_W      = `ECG_FE_X_W,
    // samples per well-formed beat window (the sample index is 8 bits, so at most 256)
    parameter BEAT_LEN = `ECG_ENC_BEAT_LEN,
    // QRS region [QRS_LO, QRS_HI): amp over it, its centres left out of hf
    parameter QRS_LO   = `ECG_QUAL_QRS_LO,
    parameter QRS_HI   = `ECG_QUAL_QRS_HI,
    // NOISE: (hf << HF_SHIFT) > HF_T * amp
    parameter HF_SHIFT = `ECG_QUAL_HF_SHIFT,
    parameter HF_T     = `ECG_QUAL_HF_T,
    // LOWAMP: amp < LOWAMP_T
    parameter LOWAMP_T = `ECG_QUAL_LOWAMP_T,
    // FLAT: flat >= FLAT_RUN
    parameter FLAT_RUN = `ECG_QUAL_FLAT_RUN,
    // CLIP: rail > RAIL_MAX
    parameter RAIL_MAX = `ECG_QUAL_RAIL_MAX,
    // widths of hf and amp (formats QUAL_HF, QUAL_AMP)
    parameter HF_W     = `ECG_QUAL_HF_W,
    parameter AMP_W    = `ECG_QUAL_AMP_W,
    // width of flat and rail (counts 0 .. BEAT_LEN)
    parameter CNT_W    = $clog2(BEAT_LEN + 1)
) (
    input  wire                clk,
    input  wire                rst,

    // sample stream in (signed samples, tlast on sample BEAT_LEN-1)
    input  wire [DATA_W-1:0]   s_axis_tdata,
    input  wire                s_axis_tvalid,
    output wire                s_axis_tready,
    input  wire                s_axis_tlast,

    // one result per well-formed beat
    output wire [HF_W-1:0]     m_qual_hf,
    output wire [AMP_W-1:0]    m_qual_amp,
    output wire [CNT_W-1:0]    m_qual_flat,
    output wire [CNT_W-1:0]    m_qual_rail,
    output wire [3:0]          m_qual_reasons,
    output wire                m_qual_valid,
    input  wire                m_qual_ready,

    // status: one-cycle pulses, one cycle after the sample's handshake
    output wire                stat_sat,
    output wire                stat_len_err
);

// ---------------------------------------------------------------------------------------------
// Parameter checks
// ---------------------------------------------------------------------------------------------

`ifndef SYNTHESIS
initial begin
    if (BEAT_LEN < 3 || BEAT_LEN > 256) begin
        $error("qual_gate: BEAT_LEN=%0d must be 3..256 (8-bit sample index)", BEAT_LEN);
        $finish;
    end
    // QRS_HI <= BEAT_LEN - 2: amp and HF_T * amp are registered from min/max while the last
    // samples of the window arrive, so they are final when the beat's last sample is
    if (QRS_LO < 0 || QRS_LO >= QRS_HI || QRS_HI > BEAT_LEN - 2) begin
        $error("qual_gate: QRS region [%0d, %0d) must satisfy 0 <= QRS_LO < QRS_HI <= BEAT_LEN-2=%0d",
               QRS_LO, QRS_HI, BEAT_LEN - 2);
        $finish;
    end
    if (X_W < 2 || DATA_W <= X_W) begin
        $error("qual_gate: need X_W >= 2 and DATA_W > X_W (got %0d, %0d)", X_W, DATA_W);
        $finish;
    end
    // |d2| <= 4 * 2^(X_W-1) - 2, at most BEAT_LEN - 2 terms
    if ((BEAT_LEN - 2) * (4 * (2 ** (X_W - 1)) - 2) >= 2 ** HF_W) begin
        $error("qual_gate: HF_W=%0d cannot hold %0d terms of up to %0d", HF_W, BEAT_LEN - 2,
               4 * (2 ** (X_W - 1)) - 2);
        $finish;
    end
    if (AMP_W < X_W) begin
        $error("qual_gate: AMP_W=%0d must be >= X_W=%0d (amp <= 2^X_W - 1)", AMP_W, X_W);
        $finish;
    end
    if (CNT_W < $clog2(BEAT_LEN + 1)) begin
        $error("qual_gate: CNT_W=%0d cannot count to BEAT_LEN=%0d", CNT_W, BEAT_LEN);
        $finish;
    end
    if (HF_SHIFT < 0 || HF_T < 1 || LOWAMP_T < 0 || LOWAMP_T >= 2 ** AMP_W || FLAT_RUN < 1
        || FLAT_RUN >= 2 ** CNT_W || RAIL_MAX < 0 || RAIL_MAX >= 2 ** CNT_W) begin
        $error("qual_gate: thresholds out of range (HF_SHIFT=%0d HF_T=%0d LOWAMP_T=%0d FLAT_RUN=%0d RAIL_MAX=%0d)",
               HF_SHIFT, HF_T, LOWAMP_T, FLAT_RUN, RAIL_MAX);
        $finish;
    end
end
`endif

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

localparam D2_W  = X_W + 2;                                   // x[n+1] - 2 x[n] + x[n-1], signed
localparam HFT_W = $clog2(HF_T + 1);                          // bits of HF_T
localparam CMP_W = (HF_W + HF_SHIFT > HFT_W + AMP_W) ? HF_W + HF_SHIFT : HFT_W + AMP_W;

localparam integer IDX_LAST_I = BEAT_LEN - 1;
// sample i closes the centre n = i - 1, counted in hf when i >= 2 and (i <= QRS_LO or i > QRS_HI)
localparam integer HF_A_END_I = QRS_LO + 1;                   // samples 2 .. QRS_LO
localparam integer HF_B_BEG_I = QRS_HI + 1;                   // samples QRS_HI+1 .. BEAT_LEN-1

localparam [7:0] IDX_LAST   = IDX_LAST_I[7:0];
localparam [8:0] HF_A_END   = HF_A_END_I[8:0];
localparam [8:0] HF_B_BEG   = HF_B_BEG_I[8:0];
localparam [8:0] QRS_BEG    = QRS_LO[8:0];
localparam [8:0] QRS_END    = QRS_HI[8:0];

localparam [X_W-1:0]   X_MAX = {1'b0, {(X_W-1){1'b1}}};
localparam [X_W-1:0]   X_MIN = {1'b1, {(X_W-1){1'b0}}};
localparam [CNT_W-1:0] CNT_ONE = {{(CNT_W-1){1'b0}}, 1'b1};

localparam [HFT_W-1:0] HF_T_C     = HF_T[HFT_W-1:0];
localparam [AMP_W-1:0] LOWAMP_T_C = LOWAMP_T[AMP_W-1:0];
localparam [CNT_W-1:0] FLAT_RUN_C = FLAT_RUN[CNT_W-1:0];
localparam [CNT_W-1:0] RAIL_MAX_C = RAIL_MAX[CNT_W-1:0];
localparam [3:0]       R_NOISE    = `ECG_QUAL_R_NOISE;
localparam [3:0]       R_LOWAMP   = `ECG_QUAL_R_LOWAMP;
localparam [3:0]       R_FLAT     = `ECG_QUAL_R_FLAT;
localparam [3:0]       R_CLIP     = `ECG_QUAL_R_CLIP;

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

// framing
reg  [7:0]          idx_reg;                                  // index of the next sample
reg                 drop_reg;                                 // dropping an over-long frame's tail
// stage A (data registers need no reset: a frame loads each before it is used)
reg  signed [X_W-1:0]  p1_reg;                                // x[i-1]
reg  signed [D2_W-1:0] t_reg;                                 // x[i-2] - 2 x[i-1]
reg  signed [X_W-1:0]  min_reg, max_reg;                      // over the QRS region so far
reg  [CNT_W-1:0]    run_reg;                                  // current run of equal samples
reg  [CNT_W-1:0]    rail_reg;                                 // rail samples so far
reg  [D2_W-2:0]     d2abs_reg;                                // |d2| of the last sample
reg                 d2_en_reg;                                // ... counted in hf
reg                 a_valid_reg;                              // stage A holds a sample
reg                 a_first_reg;                              // ... sample 0 of a frame
reg                 a_done_reg;                               // ... the last sample of a good beat
// amp and its NOISE threshold, registered every cycle from min/max (final 2 cycles after the
// region's last sample, long before the window's last: QRS_HI <= BEAT_LEN - 2)
reg  [AMP_W-1:0]    amp_reg;
reg  [CMP_W-1:0]    thr_reg;                                  // HF_T * amp_reg
// stage B
reg  [HF_W-1:0]     hf_reg;                                   // hf so far (before d2abs_reg)
reg  [CNT_W-1:0]    best_reg;                                 // longest run so far (before run_reg)
// hold register: a finished beat waiting for the output register
reg                 h_valid_reg;
reg  [HF_W-1:0]     h_hf_reg;
reg  [AMP_W-1:0]    h_amp_reg;
reg  [CMP_W-1:0]    h_thr_reg;
reg  [CNT_W-1:0]    h_flat_reg;
reg  [CNT_W-1:0]    h_rail_reg;
// output register
reg                 m_valid_reg;
reg  [HF_W-1:0]     m_hf_reg;
reg  [AMP_W-1:0]    m_amp_reg;
reg  [CNT_W-1:0]    m_flat_reg;
reg  [CNT_W-1:0]    m_rail_reg;
reg  [3:0]          m_reasons_reg;
// status
reg                 stat_sat_reg;
reg                 stat_len_err_reg;

// ---------------------------------------------------------------------------------------------
// Input stage: handshake, saturation, position in the frame
// ---------------------------------------------------------------------------------------------

wire out_free = !m_valid_reg || m_qual_ready;                 // output register free this cycle

// the input stalls only while the hold register waits for a full, unread output register; then
// the next beat's last sample cannot overwrite it (it is at least BEAT_LEN - 1 samples away)
assign s_axis_tready = !(h_valid_reg && !out_free);

wire in_fire   = s_axis_tvalid && s_axis_tready;
wire elem_fire = in_fire && !drop_reg;                        // a sample of the frame

wire                    in_neg = s_axis_tdata[DATA_W-1];
wire [DATA_W-X_W-1:0]   in_hi  = s_axis_tdata[DATA_W-2:X_W-1];
wire                    in_sat = in_neg ? !(&in_hi) : |in_hi;
wire signed [X_W-1:0]   x      = in_sat ? (in_neg ? X_MIN : X_MAX) : s_axis_tdata[X_W-1:0];

wire idx_first = idx_reg == 8'd0;
wire idx_last  = idx_reg == IDX_LAST;
wire beat_done = elem_fire && idx_last && s_axis_tlast;       // well-formed beat complete
wire len_err   = elem_fire && (s_axis_tlast ^ idx_last);      // short frame or missing tlast

wire [8:0] idx9   = {1'b0, idx_reg};
wire hf_in  = idx9 >= 9'd2 && (idx9 < HF_A_END || idx9 >= HF_B_BEG);
wire qrs_in = idx9 >= QRS_BEG && idx9 < QRS_END;
wire qrs_first = idx9 == QRS_BEG;

// ---------------------------------------------------------------------------------------------
// Stage A: second difference, min/max, run, rails
// ---------------------------------------------------------------------------------------------

wire signed [D2_W-1:0] x_d2  = {{2{x[X_W-1]}}, x};
wire signed [D2_W-1:0] p1_d2 = {{2{p1_reg[X_W-1]}}, p1_reg};
wire signed [D2_W-1:0] d2    = x_d2 + t_reg;                  // x[i] - 2 x[i-1] + x[i-2]
// |d2| <= 4 * 2^(X_W-1) - 2 fits D2_W-1 bits, so the negation is taken in those bits
wire [D2_W-2:0]        d2_abs = d2[D2_W-1] ? ~d2[D2_W-2:0] + {{(D2_W-2){1'b0}}, 1'b1} : d2[D2_W-2:0];
wire is_rail = x == X_MIN || x == X_MAX;

always @(posedge clk) begin
    if (elem_fire) begin
        p1_reg    <= x;
        t_reg     <= p1_d2 - (x_d2 <<< 1);
        d2abs_reg <= d2_abs;
        if (qrs_first || (qrs_in && x < min_reg)) begin
            min_reg <= x;
        end
        if (qrs_first || (qrs_in && x > max_reg)) begin
            max_reg <= x;
        end
        run_reg  <= (!idx_first && x == p1_reg) ? run_reg + CNT_ONE : CNT_ONE;
        rail_reg <= (idx_first ? {CNT_W{1'b0}} : rail_reg) + {{(CNT_W-1){1'b0}}, is_rail};
    end
end

// ---------------------------------------------------------------------------------------------
// Stage B: accumulate hf and the longest run; finish a beat into the hold register
// ---------------------------------------------------------------------------------------------

wire [HF_W-1:0]  hf_sum   = hf_reg + (d2_en_reg ? {{(HF_W-D2_W+1){1'b0}}, d2abs_reg} : {HF_W{1'b0}});
wire [CNT_W-1:0] best_sum = (run_reg > best_reg) ? run_reg : best_reg;
// max - min is 0 .. 2^X_W - 1 (max >= min once the QRS region is seen), exact modulo 2^X_W
wire [X_W-1:0]   amp_x    = max_reg - min_reg;

always @(posedge clk) begin
    amp_reg <= {{(AMP_W-X_W){1'b0}}, amp_x};
    thr_reg <= {{(CMP_W-AMP_W){1'b0}}, amp_reg} * {{(CMP_W-HFT_W){1'b0}}, HF_T_C};
end

always @(posedge clk) begin
    if (a_valid_reg) begin
        // a frame's first sample has no d2 term and a run of 1
        hf_reg   <= a_first_reg ? {HF_W{1'b0}} : hf_sum;
        best_reg <= a_first_reg ? CNT_ONE : best_sum;
    end
    if (a_done_reg) begin
        h_hf_reg   <= hf_sum;
        h_amp_reg  <= amp_reg;
        h_thr_reg  <= thr_reg;
        h_flat_reg <= best_sum;
        h_rail_reg <= rail_reg;
    end
end

// ---------------------------------------------------------------------------------------------
// Output register: the reason mask from the hold register
// ---------------------------------------------------------------------------------------------

wire [CMP_W-1:0] hf_scaled = {{(CMP_W-HF_W){1'b0}}, h_hf_reg} << HF_SHIFT;
wire [3:0] reasons = ((hf_scaled > h_thr_reg)      ? R_NOISE  : 4'd0)
                   | ((h_amp_reg < LOWAMP_T_C)     ? R_LOWAMP : 4'd0)
                   | ((h_flat_reg >= FLAT_RUN_C)   ? R_FLAT   : 4'd0)
                   | ((h_rail_reg > RAIL_MAX_C)    ? R_CLIP   : 4'd0);

wire m_load = h_valid_reg && out_free;

always @(posedge clk) begin
    if (m_load) begin
        m_hf_reg      <= h_hf_reg;
        m_amp_reg     <= h_amp_reg;
        m_flat_reg    <= h_flat_reg;
        m_rail_reg    <= h_rail_reg;
        m_reasons_reg <= reasons;
    end
end

// ---------------------------------------------------------------------------------------------
// Control registers (synchronous reset: a beat in flight is discarded)
// ---------------------------------------------------------------------------------------------

always @(posedge clk) begin
    if (rst) begin
        idx_reg          <= 8'd0;
        drop_reg         <= 1'b0;
        a_valid_reg      <= 1'b0;
        a_first_reg      <= 1'b0;
        a_done_reg       <= 1'b0;
        d2_en_reg        <= 1'b0;
        h_valid_reg      <= 1'b0;
        m_valid_reg      <= 1'b0;
        stat_sat_reg     <= 1'b0;
        stat_len_err_reg <= 1'b0;
    end else begin
        if (drop_reg) begin
            if (in_fire && s_axis_tlast) begin
                drop_reg <= 1'b0;
            end
        end else if (elem_fire) begin
            idx_reg  <= (s_axis_tlast || idx_last) ? 8'd0 : idx_reg + 8'd1;
            drop_reg <= idx_last && !s_axis_tlast;
        end
        a_valid_reg      <= elem_fire;
        a_first_reg      <= elem_fire && idx_first;
        a_done_reg       <= beat_done;
        d2_en_reg        <= elem_fire && hf_in;
        // a_done_reg finds the hold register free (see s_axis_tready)
        h_valid_reg      <= a_done_reg || (h_valid_reg && !out_free);
        m_valid_reg      <= m_load || (m_valid_reg && !m_qual_ready);
        stat_sat_reg     <= elem_fire && in_sat;
        stat_len_err_reg <= len_err;
    end
end

assign m_qual_hf      = m_hf_reg;
assign m_qual_amp     = m_amp_reg;
assign m_qual_flat    = m_flat_reg;
assign m_qual_rail    = m_rail_reg;
assign m_qual_reasons = m_reasons_reg;
assign m_qual_valid   = m_valid_reg;

assign stat_sat       = stat_sat_reg;
assign stat_len_err   = stat_len_err_reg;

endmodule

`resetall
