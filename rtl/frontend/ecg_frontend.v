// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// ecg_frontend -- the raw-stream front end of issue 15 (docs/frontend.md, docs/frontend_rtl.md):
// mains notch (50/60 Hz at run time), muscle low-pass, baseline removal and a Pan-Tompkins-family
// R-peak detector, bit-exact to golden/frontend.py.
// s_axis: one s11 ADC code per word (16-bit two's complement; codes outside -1024..1023 are
// saturated and counted in SAT).  m_axis_b: the baseline-removed sample b[n] (s14, sign-extended
// to 16 bits), tuser = n.  m_axis_pk: a detected R peak, tdata = {emit n (32), RR (16), position
// (32)}, tuser = kind (0 threshold, 1 search-back, 2 learning phase).  AXI4-Lite: ID, INFO, CTRL
// (MAINS50), CMD (RESTART, CLR_STATS), STATUS and statistics.  A reset (rst or CMD.RESTART) clears
// every delay line, sum and detector register and drops the outputs in flight; the next sample
// accepted is sample 0 of a new record, filtered with the CTRL.MAINS50 in force at the restart.
// Throughput: one sample per clock (TRACE_EN = 0) except at a declared m peak, where the detector
// holds s_axis_tready low for the refinement scan and the decisions (56 cycles; at most 123 at
// sample 720, see fe_detector); with TRACE_EN = 1 the trace FIFO limits it to one sample per two
// cycles.
// Latency: b[n] is on m_axis_b 7 cycles after the handshake of x[n] (b lags x by 136 samples);
// a threshold peak is on m_axis_pk 6 + 54 cycles after the handshake of the sample that declares
// it (PEAK_HOLD = 72 samples after its m peak), a search-back peak 6 + 2 (or 6 + 58) cycles after
// the sample at which it is taken.  The detector starts a sample only while the peak register
// is empty and the b FIFO (two entries) has room, so no ready input reaches the datapath's
// enable combinationally.

module ecg_frontend #(
    // width of s_axis_tdata (signed; saturated to FE_X)
    parameter DATA_W   = `ECG_STREAM_SAMPLE_W,
    // AXI4-Lite address width
    parameter AXIL_AW  = 8,
    // 1: drive the trace port; 0: tie it to zero (synthesis removes the logic)
    parameter TRACE_EN = 0
) (
    input  wire                clk,
    input  wire                rst,

    input  wire [DATA_W-1:0]   s_axis_tdata,
    input  wire                s_axis_tvalid,
    output wire                s_axis_tready,

    output wire [15:0]         m_axis_b_tdata,
    // the 32-bit sample indices (tuser here, position and emission sample in m_axis_pk_tdata)
    // and the 32-bit statistics counters below are excluded from toggle coverage: their upper
    // bits need more than 2^17 samples; their values are compared exactly
/*verilator coverage_off*/
    output wire [31:0]         m_axis_b_tuser,
/*verilator coverage_on*/
    output wire                m_axis_b_tvalid,
    input  wire                m_axis_b_tready,

/*verilator coverage_off*/
    output wire [79:0]         m_axis_pk_tdata,
/*verilator coverage_on*/
    output wire [1:0]          m_axis_pk_tuser,
    output wire                m_axis_pk_tvalid,
    input  wire                m_axis_pk_tready,

    input  wire [AXIL_AW-1:0]  s_axil_awaddr,
    input  wire [2:0]          s_axil_awprot,
    input  wire                s_axil_awvalid,
    output wire                s_axil_awready,
    input  wire [31:0]         s_axil_wdata,
    input  wire [3:0]          s_axil_wstrb,
    input  wire                s_axil_wvalid,
    output wire                s_axil_wready,
    output wire [1:0]          s_axil_bresp,
    output wire                s_axil_bvalid,
    input  wire                s_axil_bready,
    input  wire [AXIL_AW-1:0]  s_axil_araddr,
    input  wire [2:0]          s_axil_arprot,
    input  wire                s_axil_arvalid,
    output wire                s_axil_arready,
    output wire [31:0]         s_axil_rdata,
    output wire [1:0]          s_axil_rresp,
    output wire                s_axil_rvalid,
    input  wire                s_axil_rready,

    // trace port (TRACE_EN = 1): TRC_FE_FILT and TRC_FE_OUT for every sample, TRC_FE_DEC for
    // every detector decision.  Verification infrastructure (tied off in synthesis); its
    // constant and upper bits cannot toggle in a test of practical length, so it is excluded
    // from toggle coverage; its values are compared exactly.
    /*verilator coverage_off*/
    output wire                trc_valid,
    output wire [7:0]          trc_kind,
    output wire [15:0]         trc_index,
    output wire [15:0]         trc_step,
    output wire [31:0]         trc_value
    /*verilator coverage_on*/
);

`ifndef SYNTHESIS
initial begin
    if (DATA_W < `ECG_FE_X_W + 1 || DATA_W > 32) begin
        $error("ecg_frontend: DATA_W=%0d must be %0d..32", DATA_W, `ECG_FE_X_W + 1);
        $finish;
    end
    if (TRACE_EN != 0 && TRACE_EN != 1) begin
        $error("ecg_frontend: TRACE_EN=%0d must be 0 or 1", TRACE_EN);
        $finish;
    end
end
`endif

localparam X_W    = `ECG_FE_X_W;
localparam F_W    = `ECG_FE_F_W;
localparam B_W    = `ECG_FE_B_W;
localparam D_W    = `ECG_FE_D_W;
localparam DABS_W = `ECG_FE_DABS_W;
localparam M_W    = `ECG_FE_M_W;
localparam RR_W   = `ECG_FE_RR_W;

localparam integer       INFO_MWI   = `ECG_FE_MWI_LEN;
localparam integer       INFO_HOLD  = `ECG_FE_PEAK_HOLD;
localparam integer       INFO_LEARN = `ECG_FE_LEARN;
localparam [31:0]        INFO = {INFO_MWI[7:0], INFO_HOLD[7:0], INFO_LEARN[15:0]};
localparam [X_W-1:0]     X_MAX = {1'b0, {(X_W-1){1'b1}}};
localparam [X_W-1:0]     X_MIN = {1'b1, {(X_W-1){1'b0}}};

// ---------------------------------------------------------------------------------------------
// Registers block, restart
// ---------------------------------------------------------------------------------------------

wire        ctrl_mains50;
wire        cmd_restart;
wire        cmd_clr_stats;
reg         restart_reg;                      // CMD.RESTART, one cycle after the write
reg         mains50_reg;                      // the notch coefficient in force
wire        dp_rst = rst || restart_reg;      // reset of the whole datapath

/*verilator coverage_off*/
wire [31:0] det_n;
/*verilator coverage_on*/
wire        det_busy;
wire        det_learning;
wire [M_W-1:0]  det_spk;
wire [M_W-1:0]  det_npk;
wire [RR_W-1:0] det_rr_avg;
/*verilator coverage_off*/
reg  [31:0] peaks_reg;
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  [31:0] sat_reg;
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  [31:0] last_peak_reg;
/*verilator coverage_on*/

wire [5:0] status = {s_axis_tready, m_axis_pk_tvalid, m_axis_b_tvalid, mains50_reg,
                     det_learning, det_busy};

fe_axil_regs #(
    .ADDR_W(AXIL_AW)
) regs_inst (
    .clk(clk),
    .rst(rst),
    .s_axil_awaddr(s_axil_awaddr),
    .s_axil_awprot(s_axil_awprot),
    .s_axil_awvalid(s_axil_awvalid),
    .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata),
    .s_axil_wstrb(s_axil_wstrb),
    .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready),
    .s_axil_bresp(s_axil_bresp),
    .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr),
    .s_axil_arprot(s_axil_arprot),
    .s_axil_arvalid(s_axil_arvalid),
    .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata),
    .s_axil_rresp(s_axil_rresp),
    .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready),
    .info(INFO),
    .status(status),
    .stat_samples(det_n),
    .stat_peaks(peaks_reg),
    .stat_sat(sat_reg),
    .stat_last_peak(last_peak_reg),
    .stat_rr_avg(det_rr_avg),
    .stat_spk(det_spk),
    .stat_npk(det_npk),
    .ctrl_mains50(ctrl_mains50),
    .cmd_restart(cmd_restart),
    .cmd_clr_stats(cmd_clr_stats)
);

always @(posedge clk) begin
    if (rst) begin
        restart_reg <= 1'b0;
        mains50_reg <= 1'b0;
    end else begin
        restart_reg <= cmd_restart;
        if (restart_reg) begin
            mains50_reg <= ctrl_mains50;
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Input: saturation to s11
// ---------------------------------------------------------------------------------------------

wire                       in_neg = s_axis_tdata[DATA_W-1];
wire [DATA_W-X_W-1:0]      in_hi  = s_axis_tdata[DATA_W-2:X_W-1];
wire                       in_sat = in_neg ? !(&in_hi) : |in_hi;
wire [X_W-1:0]             x      = in_sat ? (in_neg ? X_MIN : X_MAX) : s_axis_tdata[X_W-1:0];

// ---------------------------------------------------------------------------------------------
// Filters and detector
// ---------------------------------------------------------------------------------------------

wire              f_valid;
wire [F_W-1:0]    f_f;
wire [F_W-1:0]    f_base;
wire [B_W-1:0]    f_b;
wire [D_W-1:0]    f_d;
wire [DABS_W-1:0] f_dabs;
wire [M_W-1:0]    f_m;

wire              det_ready;
wire              trc_ok;

// the b output: a two-entry FIFO, so that whether the datapath may move depends on registers only
/*verilator coverage_off*/
reg  [47:0]       bq_data [0:1];            // {n, b}
/*verilator coverage_on*/
reg               bq_rp_reg, bq_wp_reg;
reg  [1:0]        bq_cnt_reg;

wire pk_valid;
wire go      = !pk_valid && trc_ok;                 // the peak register is empty
wire b_free  = bq_cnt_reg != 2'd2;
wire fire    = f_valid && det_ready && b_free;      // a filtered sample enters the detector
wire f_en    = (!f_valid || fire) && !dp_rst;
wire in_fire = s_axis_tvalid && f_en;

assign s_axis_tready = f_en;

fe_filters filters_inst (
    .clk(clk),
    .rst(dp_rst),
    .en(f_en),
    .mains50(mains50_reg),
    .in_valid(s_axis_tvalid),
    .in_x(x),
    .out_valid(f_valid),
    .out_f(f_f),
    .out_base(f_base),
    .out_b(f_b),
    .out_d(f_d),
    .out_dabs(f_dabs),
    .out_m(f_m)
);

/*verilator coverage_off*/
wire [31:0]     pk_pos;
/*verilator coverage_on*/
wire [RR_W-1:0] pk_rr;
wire [1:0]      pk_kind;
/*verilator coverage_off*/
wire [31:0]     pk_emit;
/*verilator coverage_on*/
wire            dec_valid;
wire [2:0]      dec_code;
wire [1:0]      dec_flags;
wire [M_W-1:0]  dec_p;
/*verilator coverage_off*/
wire [31:0]     dec_n;
/*verilator coverage_on*/

fe_detector detector_inst (
    .clk(clk),
    .rst(dp_rst),
    .go(go),
    .in_valid(f_valid && b_free),
    .in_ready(det_ready),
    .in_m(f_m),
    .in_dabs(f_dabs),
    .in_f(f_f),
    .in_base(f_base),
    .n(det_n),
    .pk_valid(pk_valid),
    .pk_ready(m_axis_pk_tready),
    .pk_pos(pk_pos),
    .pk_rr(pk_rr),
    .pk_kind(pk_kind),
    .pk_emit(pk_emit),
    .dec_valid(dec_valid),
    .dec_code(dec_code),
    .dec_flags(dec_flags),
    .dec_p(dec_p),
    .dec_n(dec_n),
    .busy(det_busy),
    .learning(det_learning),
    .spk(det_spk),
    .npk(det_npk),
    .rr_avg(det_rr_avg)
);

// ---------------------------------------------------------------------------------------------
// Output b stream and statistics
// ---------------------------------------------------------------------------------------------

wire b_pop = bq_cnt_reg != 2'd0 && m_axis_b_tready;

always @(posedge clk) begin
    if (fire) begin
        bq_data[bq_wp_reg] <= {det_n, {{(16-B_W){f_b[B_W-1]}}, f_b}};
    end
end

always @(posedge clk) begin
    if (dp_rst) begin
        bq_rp_reg  <= 1'b0;
        bq_wp_reg  <= 1'b0;
        bq_cnt_reg <= 2'd0;
    end else begin
        bq_wp_reg  <= bq_wp_reg ^ fire;
        bq_rp_reg  <= bq_rp_reg ^ b_pop;
        bq_cnt_reg <= bq_cnt_reg + {1'b0, fire} - {1'b0, b_pop};
    end
end

wire pk_hs = pk_valid && m_axis_pk_tready;

always @(posedge clk) begin
    if (dp_rst || cmd_clr_stats) begin
        peaks_reg     <= 32'd0;
        sat_reg       <= 32'd0;
        last_peak_reg <= 32'd0;
    end else begin
        if (pk_hs) begin
            peaks_reg     <= peaks_reg + 32'd1;
            last_peak_reg <= pk_pos;
        end
        if (in_fire && in_sat) begin
            sat_reg <= sat_reg + 32'd1;
        end
    end
end

assign m_axis_b_tdata   = bq_data[bq_rp_reg][15:0];
assign m_axis_b_tuser   = bq_data[bq_rp_reg][47:16];
assign m_axis_b_tvalid  = bq_cnt_reg != 2'd0;
assign m_axis_pk_tdata  = {pk_emit, pk_rr, pk_pos};
assign m_axis_pk_tuser  = pk_kind;
assign m_axis_pk_tvalid = pk_valid;

// ---------------------------------------------------------------------------------------------
// Trace port: an 8-record FIFO taking DEC (a decision of the previous cycle), then FILT and OUT
// (the sample entering the detector); the datapath waits while fewer than 4 records are free
// ---------------------------------------------------------------------------------------------

/*verilator coverage_off*/
generate
if (TRACE_EN != 0) begin : gen_trace
    localparam [7:0] K_FILT = `ECG_TRC_FE_FILT;
    localparam [7:0] K_OUT  = `ECG_TRC_FE_OUT;
    localparam [7:0] K_DEC  = `ECG_TRC_FE_DEC;

    reg  [71:0] fifo [0:7];
    reg  [2:0]  wp_reg;
    reg  [2:0]  rp_reg;
    reg  [3:0]  cnt_reg;
    reg         trc_valid_reg;
    reg  [71:0] trc_rec_reg;

    wire [71:0] rec_dec  = {K_DEC, dec_n[15:0], 6'd0, dec_flags, 5'd0, dec_code, {(32-M_W){1'b0}}, dec_p};
    wire [71:0] rec_filt = {K_FILT, det_n[15:0], f_d,
                            {(16-F_W){f_f[F_W-1]}}, f_f, {(16-F_W){f_base[F_W-1]}}, f_base};
    wire [71:0] rec_out  = {K_OUT, det_n[15:0], {(16-B_W){f_b[B_W-1]}}, f_b,
                            {(32-M_W){1'b0}}, f_m};
    wire [2:0]  npush = {2'b00, dec_valid} + (fire ? 3'd2 : 3'd0);
    wire        pop   = cnt_reg != 4'd0;
    wire        unused_dec_n = ^dec_n[31:16];

    assign trc_ok = cnt_reg <= 4'd4;

    // the write slots as 3-bit values (they wrap; an index expression is not truncated)
    wire [2:0]  wp_filt = wp_reg + {2'b00, dec_valid};
    wire [2:0]  wp_out  = wp_filt + 3'd1;

    always @(posedge clk) begin
        if (dec_valid) begin
            fifo[wp_reg] <= rec_dec;
        end
        if (fire) begin
            fifo[wp_filt] <= rec_filt;
            fifo[wp_out]  <= rec_out;
        end
    end

    always @(posedge clk) begin
        if (dp_rst) begin
            wp_reg        <= 3'd0;
            rp_reg        <= 3'd0;
            cnt_reg       <= 4'd0;
            trc_valid_reg <= 1'b0;
            trc_rec_reg   <= 72'd0;
        end else begin
            wp_reg        <= wp_reg + npush;
            rp_reg        <= rp_reg + {2'b00, pop};
            cnt_reg       <= cnt_reg + {1'b0, npush} - {3'b000, pop};
            trc_valid_reg <= pop;
            if (pop) begin
                trc_rec_reg <= fifo[rp_reg];
            end
        end
    end

    assign trc_valid = trc_valid_reg;
    assign trc_kind  = trc_rec_reg[71:64];
    assign trc_index = trc_rec_reg[63:48];
    assign trc_step  = trc_rec_reg[47:32];
    assign trc_value = trc_rec_reg[31:0];
end else begin : gen_no_trace
    assign trc_ok    = 1'b1;
    assign trc_valid = 1'b0;
    assign trc_kind  = 8'd0;
    assign trc_index = 16'd0;
    assign trc_step  = 16'd0;
    assign trc_value = 32'd0;
    wire unused_trc = ^{dec_valid, dec_code, dec_flags, dec_p, dec_n, f_d};
end
endgenerate
/*verilator coverage_on*/

endmodule

`resetall
