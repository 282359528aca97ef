// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// bcnn_engine -- the binary-CNN (XNOR-popcount) IP for ECG biometrics (ECG-ID-BNet, DESIGN.md
// 3.5, docs/bcnn.md for the arithmetic, docs/bcnn_rtl.md for this RTL), bit-exact to
// golden/bcnn.py.  A beat (180 int8 samples, tlast on the last, tuser = tag at tlast) enters the
// two-half sample buffer from s_axis; bcnn_core runs conv1..conv4 and the FC with N_PES
// processing elements and the parameter image in four block-RAM banks; the decision (class,
// best and runner-up score, tag, cycles) leaves on m_res.  The AXI4-Lite slave holds control,
// status, statistics and a window onto the image (64-bit word a at 0x20000 + 8a, low half
// first); INIT_IMAGE preloads it ($readmemh of a committed image).  After reset, and after
// CTRL.CHECK, bcnn_check validates the image: only a good image runs (STATUS.IMG_OK); a bad one
// leaves STATUS.ERR with the named code (BCNN_ERR_*) and nothing executes: beats wait in the
// sample buffer.  A malformed beat (tlast not on sample 179, a sample -128) is dropped and
// counted (BAD_BEATS, STATUS.BEAT_ERR).  Cycles per inference: docs/bcnn_rtl.md (about 14,500 at
// N_PES = 32); with TRACE_EN = 1 the engine stalls while the trace port emits (those cycles are
// not counted).
// AXI4-Lite: one access at a time per channel; a write and a read never start in the same cycle
// (the write wins).  write: awready = wready = 1 in the cycle AW and W are both valid and no B
// response is pending; bvalid one cycle later.  read: arready when arvalid, no read in flight and
// no write starts; rvalid three cycles later.  Responses: unmapped offsets DECERR; writes to RO
// registers, register writes with WSTRB != 4'b1111, CTRL.CHECK and window accesses while BUSY
// SLVERR.  An erroneous access changes nothing and reads as 0.

module bcnn_engine #(
    parameter N_PES         = 32,                          // processing elements: 8, 16, 32, 64
    parameter N_CLASSES_MAX = `ECG_BCNN_N_CLASSES_MAX,     // largest N_CLASSES an image may have
    parameter TAG_W         = 16,                          // beat tag width (1..16)
    parameter AXIL_ADDR_W   = 18,                          // AXI4-Lite address width (18)
    parameter TRACE_EN      = 0,                           // 1: drive the trace port
    parameter INIT_IMAGE    = ""                           // $readmemh image ("" = none)
) (
    input  wire                         clk,
    input  wire                         rst,               // synchronous, active high

    input  wire [7:0]                   s_axis_tdata,      // int8 sample
    input  wire [TAG_W-1:0]             s_axis_tuser,      // beat tag, taken with tlast
    input  wire                         s_axis_tlast,
    input  wire                         s_axis_tvalid,
    output wire                         s_axis_tready,

    output wire [7:0]                   m_res_class,
    output wire [`ECG_BCNN_SCORE_W-1:0] m_res_best,
    output wire [`ECG_BCNN_SCORE_W-1:0] m_res_second,
    output wire [TAG_W-1:0]             m_res_tag,
    output wire [31:0]                  m_res_cycles,
    output wire                         m_res_valid,
    input  wire                         m_res_ready,

    input  wire [AXIL_ADDR_W-1:0]       s_axil_awaddr,
    /*verilator coverage_off*/
    input  wire [2:0]                   s_axil_awprot,     // ignored
    /*verilator coverage_on*/
    input  wire                         s_axil_awvalid,
    output wire                         s_axil_awready,
    input  wire [31:0]                  s_axil_wdata,
    input  wire [3:0]                   s_axil_wstrb,
    input  wire                         s_axil_wvalid,
    output wire                         s_axil_wready,
    output wire [1:0]                   s_axil_bresp,
    output wire                         s_axil_bvalid,
    input  wire                         s_axil_bready,
    input  wire [AXIL_ADDR_W-1:0]       s_axil_araddr,
    /*verilator coverage_off*/
    input  wire [2:0]                   s_axil_arprot,     // ignored
    /*verilator coverage_on*/
    input  wire                         s_axil_arvalid,
    output wire                         s_axil_arready,
    output wire [31:0]                  s_axil_rdata,
    output wire [1:0]                   s_axil_rresp,
    output wire                         s_axil_rvalid,
    input  wire                         s_axil_rready,

    // trace port (TRACE_EN = 1): every conv sum and output bit, every pooled word, every FC
    // score and the result of every beat (kinds TRC_BCNN_*, docs/bcnn_rtl.md).  Verification
    // infrastructure, excluded from toggle coverage; its values are compared exactly.
    /*verilator coverage_off*/
    output wire                         trc_valid,
    output wire [7:0]                   trc_kind,
    output wire [15:0]                  trc_index,
    output wire [15:0]                  trc_step,
    output wire [31:0]                  trc_value
    /*verilator coverage_on*/
);

localparam PM_WORDS = `ECG_BCNN_FIXED_WORDS + `ECG_BCNN_FC_WORDS * N_CLASSES_MAX;
localparam PMA      = $clog2(PM_WORDS);
localparam BRA      = PMA - 2;
localparam BDEPTH   = (PM_WORDS + 3) / 4;
localparam SW       = `ECG_BCNN_SUM_W;
localparam NPE_W    = 1 + $clog2(N_PES);

`ifndef SYNTHESIS
initial begin
    if (N_PES != 8 && N_PES != 16 && N_PES != 32 && N_PES != 64) begin
        $error("bcnn_engine: N_PES=%0d must be 8, 16, 32 or 64", N_PES);
        $finish;
    end
    if (N_CLASSES_MAX < 1 || N_CLASSES_MAX > 128) begin
        $error("bcnn_engine: N_CLASSES_MAX=%0d must be 1..128", N_CLASSES_MAX);
        $finish;
    end
    if (TAG_W < 1 || TAG_W > 16 || AXIL_ADDR_W != 18) begin
        $error("bcnn_engine: TAG_W=%0d must be 1..16 and AXIL_ADDR_W=%0d 18", TAG_W, AXIL_ADDR_W);
        $finish;
    end
end
`endif

localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10, RESP_DECERR = 2'b11;

// register indices (byte offset / 4)
localparam [3:0] R_ID = 4'd0, R_CAPS = 4'd1, R_CTRL = 4'd2, R_STATUS = 4'd3, R_BEATS = 4'd4,
                 R_CYC_LAST = 4'd5, R_CYC_MAX = 4'd6, R_CYC_SUM = 4'd7, R_BAD = 4'd8,
                 R_BEATS_IN = 4'd9;
localparam [3:0] R_LAST = R_BEATS_IN;
localparam integer NPES_I = N_PES;
localparam integer NCM_I  = N_CLASSES_MAX;
localparam integer TREN_I = TRACE_EN;
localparam [31:0] CAPS_VALUE = {TREN_I[7:0], NCM_I[7:0], 8'd64, NPES_I[7:0]};

wire adv;                        // the engine advances (0: the trace port is emitting)
wire core_busy;
wire chk_busy;
wire busy_all = core_busy || chk_busy || !adv;

// ---------------------------------------------------------------------------------------------
// AXI4-Lite: decode
// ---------------------------------------------------------------------------------------------
wire        aw_win  = s_axil_awaddr[17];
wire        ar_win  = s_axil_araddr[17];
wire [13:0] aw_word = s_axil_awaddr[16:3];
wire [13:0] ar_word = s_axil_araddr[16:3];
wire [3:0]  aw_reg  = s_axil_awaddr[5:2];
wire [3:0]  ar_reg  = s_axil_araddr[5:2];
wire        aw_map  = aw_win ? ({18'd0, aw_word} < PM_WORDS) :
                      (s_axil_awaddr[16:6] == 11'd0 && aw_reg <= R_LAST);
wire        ar_map  = ar_win ? ({18'd0, ar_word} < PM_WORDS) :
                      (s_axil_araddr[16:6] == 11'd0 && ar_reg <= R_LAST);

reg        bvalid_reg;
reg [1:0]  bresp_reg;
wire       rd_pend;
wire       wr_go = s_axil_awvalid && s_axil_wvalid && !bvalid_reg;
wire       rd_go = s_axil_arvalid && !rd_pend && !wr_go;
assign s_axil_awready = wr_go;
assign s_axil_wready  = wr_go;
assign s_axil_arready = rd_go;

reg [1:0] wr_resp;
always @* begin
    if (!aw_map) begin
        wr_resp = RESP_DECERR;
    end else if (aw_win) begin
        wr_resp = busy_all ? RESP_SLVERR : RESP_OKAY;
    end else if (aw_reg != R_CTRL || s_axil_wstrb != 4'b1111) begin
        wr_resp = RESP_SLVERR;
    end else if (s_axil_wdata[0] && busy_all) begin
        wr_resp = RESP_SLVERR;
    end else begin
        wr_resp = RESP_OKAY;
    end
end
wire [1:0] rd_resp = !ar_map ? RESP_DECERR : (ar_win && busy_all) ? RESP_SLVERR : RESP_OKAY;

wire wr_ok    = wr_go && wr_resp == RESP_OKAY;
wire win_wr   = wr_ok && aw_win;
wire ctrl_wr  = wr_ok && !aw_win;
wire win_rd   = rd_go && rd_resp == RESP_OKAY && ar_win;

// ---------------------------------------------------------------------------------------------
// Image check, control and status
// ---------------------------------------------------------------------------------------------
reg        boot_reg;
reg        img_ok_reg;
reg        err_reg;
reg  [7:0] code_reg;
reg  [7:0] ncls_reg;
reg        beat_err_reg;
wire       chk_start = boot_reg || (ctrl_wr && s_axil_wdata[0]);
wire       clr_stats = ctrl_wr && s_axil_wdata[1];
wire       flush     = chk_start || win_wr;
wire       chk_done;
wire [7:0] chk_code;
wire [7:0] chk_ncls;
wire       chk_re;
wire [PMA-1:0] chk_addr;

always @(posedge clk) begin
    if (rst) begin
        boot_reg   <= 1'b1;
        img_ok_reg <= 1'b0;
        err_reg    <= 1'b0;
        code_reg   <= `ECG_BCNN_ERR_NONE;
        ncls_reg   <= 8'd0;
        bvalid_reg <= 1'b0;
        bresp_reg  <= RESP_OKAY;
    end else begin
        boot_reg <= 1'b0;
        if (wr_go) begin
            bvalid_reg <= 1'b1;
            bresp_reg  <= wr_resp;
        end else if (s_axil_bready) begin
            bvalid_reg <= 1'b0;
        end
        if (flush) begin
            img_ok_reg <= 1'b0;
        end
        if (chk_start) begin
            err_reg  <= 1'b0;
            code_reg <= `ECG_BCNN_ERR_NONE;
            ncls_reg <= 8'd0;
        end else if (chk_done) begin
            img_ok_reg <= chk_code == `ECG_BCNN_ERR_NONE;
            err_reg    <= chk_code != `ECG_BCNN_ERR_NONE;
            code_reg   <= chk_code;
            ncls_reg   <= chk_ncls;
        end
    end
end

bcnn_check #(.N_CLASSES_MAX(N_CLASSES_MAX), .PMA(PMA)) u_check (
    .clk(clk), .rst(rst), .start(chk_start),
    .re(chk_re), .raddr(chk_addr), .rdata(single_rdata),
    .busy(chk_busy), .done(chk_done), .code(chk_code), .n_classes(chk_ncls)
);

// ---------------------------------------------------------------------------------------------
// Parameter banks: word a in bank a % 4, row a / 4
// ---------------------------------------------------------------------------------------------
wire             pc_re;
wire [PMA-1:0]   pc_addr;
wire             bk_re;
wire [4*BRA-1:0] bk_row;
wire [4*64-1:0]  bk_rdata;
wire             s_re   = chk_re || win_rd || pc_re;
wire [PMA-1:0]   s_addr = chk_re ? chk_addr : win_rd ? ar_word[PMA-1:0] : pc_addr;
reg  [1:0]       sb1_reg, sb2_reg;
wire [63:0]      single_rdata = bk_rdata[64*sb2_reg +: 64];

always @(posedge clk) begin
    if (adv) begin
        sb1_reg <= s_addr[1:0];
        sb2_reg <= sb1_reg;
    end
end

wire [PMA-1:0] w_word = aw_word[PMA-1:0];
wire [7:0]     w_be   = s_axil_awaddr[2] ? {s_axil_wstrb, 4'd0} : {4'd0, s_axil_wstrb};
genvar gb;
generate
    for (gb = 0; gb < 4; gb = gb + 1) begin : gen_bank
        wire sel = s_re && s_addr[1:0] == gb;
        bcnn_ram #(.WIDTH(64), .DEPTH(BDEPTH), .ADDR_W(BRA), .INIT_FILE(INIT_IMAGE),
                   .INIT_WORDS(PM_WORDS), .INIT_STRIDE(4), .INIT_OFFSET(gb)) u_bank (
            .clk(clk), .en(adv),
            .we(w_be & {8{win_wr && w_word[1:0] == gb}}), .waddr(w_word[PMA-1:2]),
            .wdata({s_axil_wdata, s_axil_wdata}),
            .re(sel || bk_re), .raddr(sel ? s_addr[PMA-1:2] : bk_row[BRA*gb +: BRA]),
            .rdata(bk_rdata[64*gb +: 64])
        );
    end
endgenerate

// ---------------------------------------------------------------------------------------------
// Sample buffer: two halves of 256 bytes, a beat in each
// ---------------------------------------------------------------------------------------------
reg  [1:0]       rdy_reg;        // complete beats waiting or running
reg              rx_h_reg;
reg              ex_h_reg;
reg  [7:0]       cnt_reg;
reg              bad_reg;
reg  [TAG_W-1:0] tag0_reg, tag1_reg;
reg  [31:0]      bad_beats_reg;
reg  [31:0]      beats_in_reg;
wire             smp_done;
wire             smp_re;
wire [8:0]       smp_raddr;
wire [7:0]       smp_rdata;
wire             rx_go   = s_axis_tvalid && s_axis_tready;
wire             rx_bad  = bad_reg || cnt_reg >= 8'd180 || s_axis_tdata == 8'h80;
wire             rx_good = rx_go && s_axis_tlast && cnt_reg == 8'd179 && !rx_bad;

assign s_axis_tready = rdy_reg != 2'd2;

always @(posedge clk) begin
    if (rst) begin
        rdy_reg       <= 2'd0;
        rx_h_reg      <= 1'b0;
        ex_h_reg      <= 1'b0;
        cnt_reg       <= 8'd0;
        bad_reg       <= 1'b0;
        bad_beats_reg <= 32'd0;
        beats_in_reg  <= 32'd0;
        beat_err_reg  <= 1'b0;
    end else begin
        if (rx_good && !smp_done) begin
            rdy_reg <= rdy_reg + 2'd1;
        end else if (smp_done && !rx_good) begin
            rdy_reg <= rdy_reg - 2'd1;
        end
        if (smp_done) begin
            ex_h_reg <= ~ex_h_reg;
        end
        if (clr_stats) begin
            bad_beats_reg <= 32'd0;
            beats_in_reg  <= 32'd0;
            beat_err_reg  <= 1'b0;
        end
        if (rx_go) begin
            if (s_axis_tlast) begin
                cnt_reg <= 8'd0;
                bad_reg <= 1'b0;
                if (rx_good) begin
                    rx_h_reg <= ~rx_h_reg;
                    if (!clr_stats) beats_in_reg <= beats_in_reg + 32'd1;
                    if (rx_h_reg) tag1_reg <= s_axis_tuser;
                    else          tag0_reg <= s_axis_tuser;
                end else begin
                    if (!clr_stats) bad_beats_reg <= bad_beats_reg + 32'd1;
                    beat_err_reg <= 1'b1;
                end
            end else begin
                bad_reg <= rx_bad;
                if (cnt_reg < 8'd180) begin
                    cnt_reg <= cnt_reg + 8'd1;
                end
            end
        end
    end
end

bcnn_ram #(.WIDTH(8), .DEPTH(512)) u_smp (
    .clk(clk), .en(adv),
    .we(rx_go && cnt_reg < 8'd180), .waddr({rx_h_reg, cnt_reg}), .wdata(s_axis_tdata),
    .re(smp_re), .raddr(smp_raddr), .rdata(smp_rdata)
);

// ---------------------------------------------------------------------------------------------
// Core
// ---------------------------------------------------------------------------------------------
reg  [31:0] tick_reg;
always @(posedge clk) begin
    if (rst) begin
        tick_reg <= 32'd0;
    end else if (adv) begin
        tick_reg <= tick_reg + 32'd1;
    end
end

wire                  ex_tv;
wire [1:0]            ex_unit;
wire [6:0]            ex_f0;
wire [7:0]            ex_x;
wire [N_PES*SW-1:0]   ex_sums;
wire [N_PES-1:0]      ex_bits;
wire                  fc_ev_pool;
wire                  fc_ev_one;
wire [7:0]            fc_ev_kind;
wire [15:0]           fc_ev_index;
wire [31:0]           fc_ev_value0;
wire [31:0]           fc_ev_value1;
wire                  res_new;

bcnn_core #(.N_PES(N_PES), .N_CLASSES_MAX(N_CLASSES_MAX), .TAG_W(TAG_W), .PMA(PMA),
            .BRA(BRA)) u_core (
    .clk(clk), .rst(rst), .en(adv), .flush(flush), .img_ok(img_ok_reg), .n_cls(ncls_reg),
    .tick(tick_reg),
    .beat_avail(rdy_reg != 2'd0), .beat_tag(ex_h_reg ? tag1_reg : tag0_reg),
    .smp_half(ex_h_reg), .smp_done(smp_done),
    .smp_re(smp_re), .smp_raddr(smp_raddr), .smp_rdata(smp_rdata),
    .pc_re(pc_re), .pc_addr(pc_addr), .pc_rdata(single_rdata),
    .bk_re(bk_re), .bk_row(bk_row), .bk_rdata(bk_rdata),
    .busy(core_busy),
    .res_valid(m_res_valid), .res_ready(m_res_ready), .res_cls(m_res_class),
    .res_best(m_res_best), .res_second(m_res_second), .res_tag(m_res_tag),
    .res_cycles(m_res_cycles), .res_new(res_new),
    .ex_tv(ex_tv), .ex_unit(ex_unit), .ex_f0(ex_f0), .ex_x(ex_x), .ex_sums(ex_sums),
    .ex_bits(ex_bits),
    .fc_ev_pool(fc_ev_pool), .fc_ev_one(fc_ev_one), .fc_ev_kind(fc_ev_kind),
    .fc_ev_index(fc_ev_index), .fc_ev_value0(fc_ev_value0), .fc_ev_value1(fc_ev_value1)
);

// statistics
reg [31:0] beats_reg, cyc_last_reg, cyc_max_reg, cyc_sum_reg;
always @(posedge clk) begin
    if (rst || clr_stats) begin
        beats_reg    <= 32'd0;
        cyc_last_reg <= 32'd0;
        cyc_max_reg  <= 32'd0;
        cyc_sum_reg  <= 32'd0;
    end else if (res_new) begin
        beats_reg    <= beats_reg + 32'd1;
        cyc_last_reg <= m_res_cycles;
        cyc_sum_reg  <= cyc_sum_reg + m_res_cycles;
        if (m_res_cycles > cyc_max_reg) begin
            cyc_max_reg <= m_res_cycles;
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Trace port: the records of every source of this cycle, one per cycle, while the engine waits
// ---------------------------------------------------------------------------------------------
generate
    if (TRACE_EN != 0) begin : gen_trace
        localparam NS = N_PES + 2;
        reg  [NS-1:0] done_reg;
        reg           tv_reg;
        reg  [7:0]    tk_reg;
        reg  [15:0]   ti_reg;
        reg  [15:0]   ts_reg;
        reg  [31:0]   tval_reg;
        wire [NS-1:0] src  = {fc_ev_pool, fc_ev_pool || fc_ev_one, {N_PES{ex_tv}}};
        wire [NS-1:0] pend = src & ~done_reg;
        reg  [NPE_W:0] sel;
        integer s;
        always @* begin
            sel = {(NPE_W+1){1'b0}};
            for (s = NS - 1; s >= 0; s = s - 1) begin
                if (pend[s]) begin
                    sel = s[NPE_W:0];
                end
            end
        end
        wire [SW-1:0] psum = ex_sums[SW*sel[NPE_W-1:0] +: SW];
        assign adv = pend == {NS{1'b0}};
        always @(posedge clk) begin
            if (rst) begin
                done_reg <= {NS{1'b0}};
                tv_reg   <= 1'b0;
            end else begin
                tv_reg <= !adv;
                if (adv) begin
                    done_reg <= {NS{1'b0}};
                end else begin
                    done_reg <= done_reg | ({{(NS-1){1'b0}}, 1'b1} << sel);
                    if (sel < N_PES) begin
                        tk_reg   <= `ECG_TRC_BCNN_CONV1 + {6'd0, ex_unit};
                        ti_reg   <= {9'd0, ex_f0 + sel[6:0]};
                        ts_reg   <= {8'd0, ex_x};
                        tval_reg <= {15'd0, ex_bits[sel[NPE_W-1:0]], {(16-SW){psum[SW-1]}}, psum};
                    end else if (sel == N_PES) begin
                        tk_reg   <= fc_ev_kind;
                        ti_reg   <= fc_ev_index;
                        ts_reg   <= (fc_ev_kind == `ECG_TRC_BCNN_BEAT) ? fc_ev_value1[15:0] : 16'd0;
                        tval_reg <= fc_ev_value0;
                    end else begin
                        tk_reg   <= fc_ev_kind;
                        ti_reg   <= fc_ev_index;
                        ts_reg   <= 16'd1;
                        tval_reg <= fc_ev_value1;
                    end
                end
            end
        end
        assign trc_valid = tv_reg;
        assign trc_kind  = tk_reg;
        assign trc_index = ti_reg;
        assign trc_step  = ts_reg;
        assign trc_value = tval_reg;
    end else begin : gen_no_trace
        assign adv       = 1'b1;
        assign trc_valid = 1'b0;
        assign trc_kind  = 8'd0;
        assign trc_index = 16'd0;
        assign trc_step  = 16'd0;
        assign trc_value = 32'd0;
        wire unused_trc = ^{ex_tv, ex_unit, ex_f0, ex_x, ex_sums, ex_bits, fc_ev_pool, fc_ev_one,
                            fc_ev_kind, fc_ev_index, fc_ev_value0, fc_ev_value1};
    end
endgenerate

// ---------------------------------------------------------------------------------------------
// AXI4-Lite read channel: AR (bank read) -> two cycles -> sample -> rvalid
// ---------------------------------------------------------------------------------------------
reg        rp1_reg, rp2_reg;
reg        rw1_reg, rw2_reg;     // window
reg        rh1_reg, rh2_reg;     // high half
reg [3:0]  rr1_reg, rr2_reg;
reg [1:0]  re1_reg, re2_reg;
reg        rvalid_reg;
reg [1:0]  rresp_reg;
reg [31:0] rdata_reg;
assign rd_pend = rp1_reg || rp2_reg || rvalid_reg;

reg [31:0] rd_value;
always @* begin
    rd_value = 32'd0;
    if (rw2_reg) begin
        rd_value = rh2_reg ? single_rdata[63:32] : single_rdata[31:0];
    end else begin
        case (rr2_reg)
            R_ID:       rd_value = `ECG_BCNN_MAGIC;
            R_CAPS:     rd_value = CAPS_VALUE;
            R_STATUS:   rd_value = {8'd0, ncls_reg, code_reg, 3'd0, beat_err_reg, err_reg,
                                    busy_all, chk_busy, img_ok_reg};
            R_BEATS:    rd_value = beats_reg;
            R_CYC_LAST: rd_value = cyc_last_reg;
            R_CYC_MAX:  rd_value = cyc_max_reg;
            R_CYC_SUM:  rd_value = cyc_sum_reg;
            R_BAD:      rd_value = bad_beats_reg;
            R_BEATS_IN: rd_value = beats_in_reg;
            default:    rd_value = 32'd0;
        endcase
    end
end

always @(posedge clk) begin
    if (rst) begin
        rp1_reg    <= 1'b0;
        rp2_reg    <= 1'b0;
        rvalid_reg <= 1'b0;
        rresp_reg  <= RESP_OKAY;
        rdata_reg  <= 32'd0;
    end else begin
        rp1_reg <= rd_go;
        rp2_reg <= rp1_reg;
        if (rp2_reg) begin
            rvalid_reg <= 1'b1;
            rresp_reg  <= re2_reg;
            rdata_reg  <= (re2_reg == RESP_OKAY) ? rd_value : 32'd0;
        end else if (s_axil_rready) begin
            rvalid_reg <= 1'b0;
        end
    end
end

always @(posedge clk) begin
    if (rd_go) begin
        rw1_reg <= ar_win;
        rh1_reg <= s_axil_araddr[2];
        rr1_reg <= ar_reg;
        re1_reg <= rd_resp;
    end
    rw2_reg <= rw1_reg;
    rh2_reg <= rh1_reg;
    rr2_reg <= rr1_reg;
    re2_reg <= re1_reg;
end

assign s_axil_bresp  = bresp_reg;
assign s_axil_bvalid = bvalid_reg;
assign s_axil_rdata  = rdata_reg;
assign s_axil_rresp  = rresp_reg;
assign s_axil_rvalid = rvalid_reg;

wire unused_axil = ^{s_axil_awaddr[1:0], s_axil_araddr[1:0], s_axil_awprot, s_axil_arprot,
                     aw_word, ar_word};

endmodule

`resetall
