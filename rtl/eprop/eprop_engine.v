// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// eprop_engine -- the second stage: a recurrent LIF network (32 inputs -> 64 hidden -> 4 leaky
// outputs) with on-chip e-prop learning, bit-exact to golden/eprop.py.  Arithmetic contract:
// docs/eprop.md; this implementation (phases, cycle formula, memory map, trace port):
// docs/eprop_rtl.md.
//
// A beat {RR bits, 500 slots} accepted on s_beat runs 38 timesteps.  Each step is event driven
// on one 128-bit weight word per cycle (16 lanes):
//   INT   one word per (source that spiked, group of 16 hidden neurons): current accumulators
//   UPD   5 cycles, 16 neurons per cycle in two stages: leak, integrate, saturate (U1), then
//         fire, reset by subtraction, pseudo-derivative, readout trace (U2, one cycle later;
//         membranes in a 4-word neuron memory); in the fourth cycle the 96 presynaptic traces
//   OUT   one W_out word per quad of hidden neurons with a spike; YUPD: the 4 leaky outputs
//   learning beats, steps t >= t_err: ERR (one-sided error), LSIG (16 W_out words: learning
//         signal and postsynaptic factor of 4 neurons per cycle), ACC (one read-modify-write of
//         16 weight-change accumulators per (source with a trace, lane group with g != 0) and per
//         quad with a readout trace)
// After step 37: DEC (argmax, ties to the lowest class); on a learning beat APPLY writes every
// enabled weight word (delta = ACC >> lr, residual kept, +-127 clip), one word per cycle.
// Configuration (CFG0, CFG1, output biases) is read from the image at the start of every beat.
// The weight-change accumulators are cleared by rst (a valid bit per word).

module eprop_engine #(
    // beat tag width
    parameter TAG_W       = 16,
    // AXI4-Lite address width
    parameter AXIL_ADDR_W = 8,
    // width of the wrapping statistics counters
    parameter CNT_W       = 32,
    // 1: drive the trace port (verification); 0: tie it off
    parameter TRACE_EN    = 0,
    // optional $readmemh image of the weight memory (golden/eprop.py write_hex; "" = none)
    parameter INIT_IMAGE  = ""
) (
    input  wire                     clk,
    input  wire                     rst,            // synchronous, active high

    // beat in: {RR bits [510:500], slots [499:0]} (stage2_data of ecg_stage1_top), tag, and
    // learn/label: a labelled beat learns when CTRL.LEARN is 1
    input  wire [`ECG_ENC_SLOTS+`ECG_SNN_N_RR-1:0] s_beat_data,
    input  wire [TAG_W-1:0]         s_beat_tag,
    input  wire                     s_beat_learn,
    input  wire [1:0]               s_beat_label,
    input  wire                     s_beat_valid,
    output wire                     s_beat_ready,

    // decision out (registered valid): class N/S/V/F = 0..3, the output membranes {y3,y2,y1,y0},
    // tag, whether the beat learned (weights were updated before m_dec_valid rose), and whether
    // it was refused for an illegal configuration (class 0, outputs 0, no learning; STATUS
    // names the fields)
    output wire [1:0]               m_dec_class,
    output wire [4*`ECG_EPROP_YMEM_W-1:0] m_dec_y,
    output wire [TAG_W-1:0]         m_dec_tag,
    output wire                     m_dec_learned,
    output wire                     m_dec_cfg_err,
    output wire                     m_dec_valid,
    input  wire                     m_dec_ready,

    // AXI4-Lite configuration / status slave (if_axil_regs; map in docs/eprop_rtl.md)
    input  wire [AXIL_ADDR_W-1:0]   s_axil_awaddr,
    /*verilator coverage_off*/
    input  wire [2:0]               s_axil_awprot,          // ignored
    /*verilator coverage_on*/
    input  wire                     s_axil_awvalid,
    output wire                     s_axil_awready,
    input  wire [31:0]              s_axil_wdata,
    input  wire [3:0]               s_axil_wstrb,
    input  wire                     s_axil_wvalid,
    output wire                     s_axil_wready,
    output wire [1:0]               s_axil_bresp,
    output wire                     s_axil_bvalid,
    input  wire                     s_axil_bready,
    input  wire [AXIL_ADDR_W-1:0]   s_axil_araddr,
    /*verilator coverage_off*/
    input  wire [2:0]               s_axil_arprot,          // ignored
    /*verilator coverage_on*/
    input  wire                     s_axil_arvalid,
    output wire                     s_axil_arready,
    output wire [31:0]              s_axil_rdata,
    output wire [1:0]               s_axil_rresp,
    output wire                     s_axil_rvalid,
    input  wire                     s_axil_rready,

    // trace port (TRACE_EN = 1): every hidden membrane, spike and pseudo-derivative, output
    // membrane, presynaptic and readout trace of every step; in the learning window every error,
    // learning signal and postsynaptic factor; every weight lane written at the end of a
    // learning beat; the class, spikes and cycles of every beat.  Kinds TRC_EPROP_*, packing in
    // docs/eprop_rtl.md.  Verification infrastructure, excluded from toggle coverage.
    /*verilator coverage_off*/
    output wire                     trc_valid,
    output wire [7:0]               trc_kind,
    output wire [15:0]              trc_index,
    output wire [15:0]              trc_step,
    output wire [31:0]              trc_value
    /*verilator coverage_on*/
);

// ---------------------------------------------------------------------------------------------
// Geometry and formats (golden/eprop.py)
// ---------------------------------------------------------------------------------------------

localparam T      = `ECG_EPROP_T;                   // 38 timesteps
localparam NREC   = `ECG_EPROP_N_REC;               // 64 hidden neurons
localparam NIN    = `ECG_EPROP_N_IN;                // 32 inputs (20 ECG + 12 sideband)
localparam NOUT   = `ECG_EPROP_N_OUT;               // 4 outputs
localparam LANES  = `ECG_EPROP_LANES;               // 16
localparam NPRE   = NIN + NREC;                     // 96 presynaptic sources
localparam SLOTS  = `ECG_ENC_SLOTS;                 // 500
localparam N_RR   = `ECG_SNN_N_RR;                  // 11
localparam S_BITS = 2 * 190;                        // S-channel slots 0..379
localparam L_BITS = SLOTS - S_BITS;                 // L-channel slots 380..499
localparam W_W    = `ECG_EPROP_WEIGHT_W;            // 8
localparam V_W    = `ECG_EPROP_VMEM_W;              // 16
localparam Y_W    = `ECG_EPROP_YMEM_W;              // 16
localparam CUR_W  = `ECG_EPROP_CUR_W;               // 17
localparam TR_W   = `ECG_EPROP_TRACE_W;             // 8
localparam H_W    = `ECG_EPROP_HLUT_W;              // 4
localparam E_W    = `ECG_EPROP_ERR_W;               // 8
localparam L_W    = `ECG_EPROP_LSIG_W;              // 18
localparam G_W    = `ECG_EPROP_GPOST_W;             // 8
localparam A_W    = `ECG_EPROP_ACC_W;               // 24
localparam TH_W   = `ECG_EPROP_THETA_W;             // 15
localparam WORD_W = W_W * LANES;                    // 128
localparam ACC_WORD = A_W * LANES;                  // 384 = three 128-bit slices
localparam YC_W   = 18;                             // output current: |b| + 64 * 128 < 2^17

localparam A_WIN  = 0;                              // image word addresses (docs/eprop.md 7.1)
localparam A_WREC = 128;
localparam A_WOUT = 384;
localparam A_BOUT = 400;
localparam IMAGE_WORDS = 403;                      // + CFG0 (401), CFG1 (402)
localparam WA     = 9;                              // word address bits
localparam BANKS  = 4;                              // AXI window: bank 0 weights, 1..3 ACC slices
localparam MEM_AW = $clog2(BANKS * IMAGE_WORDS);    // 11

localparam CYC_W  = 16;                             // per-beat statistics (bounds in the doc)
localparam EV_W   = 16;
localparam SAT_W  = 12;
localparam SPK_W  = 12;                             // hidden spikes of a beat <= 38 * 64
localparam CE_W   = 13;                             // configuration-error fields (golden CFG_ERR_FIELDS)
localparam LR_MAX = 20;                             // legal learning-rate shifts 0..20 (golden LR_MAX)

localparam [EV_W-1:0]  EV_ONE  = 1;
localparam [CNT_W-1:0] CNT_ONE = 1;
localparam [31:0] INFO = {3'd0, TRACE_EN[0], 8'd16, 4'd4, 16'd403};
localparam [31:0] ID   = 32'h4550_5231;             // "EPR1"

`ifndef SYNTHESIS
initial begin
    if (LANES != 16 || NREC != 64 || NIN != 32 || NOUT != 4 || T != 38 || W_W != 8 ||
        N_RR + 1 != `ECG_EPROP_N_SB || `ECG_EPROP_N_ECG != 20 || SLOTS != 500) begin
        $error("eprop_engine: geometry differs from docs/eprop.md");
        $finish;
    end
    if (TAG_W < 1 || TAG_W > 16 || CNT_W < 1 || CNT_W > 32) begin
        $error("eprop_engine: TAG_W=%0d must be 1..16, CNT_W=%0d 1..32", TAG_W, CNT_W);
        $finish;
    end
    if (TRACE_EN != 0 && TRACE_EN != 1) begin
        $error("eprop_engine: TRACE_EN=%0d must be 0 or 1", TRACE_EN);
        $finish;
    end
end
`endif

// ---------------------------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------------------------

localparam [3:0] S_IDLE  = 4'd0;      // waiting for a beat
localparam [3:0] S_CFG   = 4'd1;      // read the bias and CFG words (4 cycles)
localparam [3:0] S_INT   = 4'd2;      // input + recurrent weight words -> current accumulators
localparam [3:0] S_UPD   = 4'd3;      // 4 groups of 16 hidden neurons
localparam [3:0] S_OUT   = 4'd4;      // W_out words of the quads that spiked
localparam [3:0] S_YUPD  = 4'd5;      // output membranes
localparam [3:0] S_ERR   = 4'd6;      // learning: output error
localparam [3:0] S_LSIG  = 4'd7;      // learning: L and g, 16 W_out words
localparam [3:0] S_ACC   = 4'd8;      // learning: accumulator read-modify-writes
localparam [3:0] S_TRC   = 4'd9;      // trace: dump the step (not counted)
localparam [3:0] S_DEC   = 4'd10;     // argmax
localparam [3:0] S_APPLY = 4'd11;     // learning: weight application
localparam [3:0] S_DW    = 4'd12;     // trace: dump one applied word (not counted)
localparam [3:0] S_TRB   = 4'd13;     // trace: beat and cycle records (not counted)
localparam [3:0] S_DONE  = 4'd14;     // decision in the output register

localparam [7:0] K_VMEM  = `ECG_TRC_EPROP_VMEM;
localparam [7:0] K_YMEM  = `ECG_TRC_EPROP_YMEM;
localparam [7:0] K_TRACE = `ECG_TRC_EPROP_TRACE;
localparam [7:0] K_LSIG  = `ECG_TRC_EPROP_LSIG;
localparam [7:0] K_ERR   = `ECG_TRC_EPROP_ERR;
localparam [7:0] K_DW    = `ECG_TRC_EPROP_DW;
localparam [7:0] K_BEAT  = `ECG_TRC_EPROP_BEAT;
localparam [7:0] K_CYC   = `ECG_TRC_EPROP_CYCLES;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

// saturate a signed value to 16 bits
function [15:0] sat16;
    input signed [19:0] x;
    begin
        if (x > 20'sd32767) begin
            sat16 = 16'h7FFF;
        end else if (x < -20'sd32768) begin
            sat16 = 16'h8000;
        end else begin
            sat16 = x[15:0];
        end
    end
endfunction

// saturate a signed value to 8 bits
function [7:0] sat8;
    input signed [23:0] x;
    begin
        if (x > 24'sd127) begin
            sat8 = 8'h7F;
        end else if (x < -24'sd128) begin
            sat8 = 8'h80;
        end else begin
            sat8 = x[7:0];
        end
    end
endfunction

// trace filter: sat_u8(tr - (tr >> k) + (s ? inc : 0))
function [7:0] trace_upd;
    input [7:0] tr;
    input [3:0] k;
    input       s;
    input [7:0] inc;
    reg   [9:0] x;
    begin
        x = {2'b00, tr} - {2'b00, tr >> k} + (s ? {2'b00, inc} : 10'd0);
        trace_upd = (x > 10'd255) ? 8'hFF : x[7:0];
    end
endfunction

// the 32 inputs of a step: 5 samples x {s_rise, s_fall, l_rise, l_fall}, then the sideband
function [NIN-1:0] xvec;
    input [S_BITS-1:0] s;
    input [L_BITS-1:0] l;
    input              lact;
    input [N_RR:0]     sb;
    integer            m;
    begin
        for (m = 0; m < 5; m = m + 1) begin
            xvec[4 * m]     = s[2 * m];
            xvec[4 * m + 1] = s[2 * m + 1];
            xvec[4 * m + 2] = lact & l[2 * m];
            xvec[4 * m + 3] = lact & l[2 * m + 1];
        end
        xvec[NIN-1:20] = sb;
    end
endfunction

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

reg  [3:0]          state_reg;
reg  [3:0]          ret_reg;                // state after a trace dump
reg  [5:0]          t_reg;                  // timestep
reg  [5:0]          trc_t_reg;              // step being dumped
reg  [8:0]          cnt_reg;                // phase counter
reg  [1:0]          q_reg;                  // group of the source being fetched (INT)

reg  [S_BITS-1:0]   s_reg;                  // S slots of the steps to come (shifted by 10)
reg  [L_BITS-1:0]   l_reg;                  // L slots of the steps to come (from step 8)
reg  [N_RR:0]       sb_reg;                 // {RR bits, bias}
reg  [TAG_W-1:0]    tag_reg;
reg                 learn_reg;
reg  [1:0]          label_reg;
reg  [9:0]          beat_no_reg;            // beats taken since reset (trace step field)

// configuration of the beat (image words 400..402)
reg  [TH_W-1:0]     theta_reg;
reg  [15:0]         ypos_reg, yneg_reg;
reg  [7:0]          trinc_reg;
reg  [5:0]          terr_reg;
reg  [2:0]          lmask_reg;
reg  [31:0]         lut_reg;
reg  [3:0]          kh_reg, ko_reg, hsh_reg, esh_reg, gsh_reg;
reg  [4:0]          lrin_reg, lrrec_reg, lrout_reg;
reg  [4*16-1:0]     bout_reg;

// neuron state
reg  [NREC*CUR_W-1:0] cur_reg;              // synaptic current of the step
reg  [NREC-1:0]     zp_reg;                 // spikes of the previous step
reg  [NREC-1:0]     zn_reg;                 // spikes of this step
reg  [NPRE*TR_W-1:0] zbar_reg;              // presynaptic traces (inputs 0..31, hidden 32..95)
reg  [NREC*TR_W-1:0] zhat_reg;              // readout traces
reg  [NREC*H_W-1:0] h_reg;                  // pseudo-derivatives of the step
reg                 pu_v_reg;               // UPD stage U2 active (group pu_q_reg)
reg  [1:0]          pu_q_reg;
reg  [LANES*V_W-1:0] pu_u_reg;              // U1 result: saturated membranes before reset
reg  [LANES-1:0]    pu_sat_reg;             //            the lanes that saturated
reg  [NREC*G_W-1:0] g_reg;                  // postsynaptic factors of the step
reg  [NOUT*Y_W-1:0] y_reg;                  // output membranes
reg  [NOUT*YC_W-1:0] ycur_reg;              // output current of the step
reg  [NOUT*E_W-1:0] err_reg;
reg                 errnz_reg;

reg  [NPRE-1:0]     pend_reg;               // INT: sources not yet visited
reg  [15:0]         qdone_reg;              // OUT / ACC: W_out quads visited
reg  [NPRE-1:0]     adone_reg;              // ACC: sources visited
reg  [3:0]          gdone_reg;              // ACC: groups of the current source visited

// memory pipeline: a read issued in cycle c returns its word in cycle c + 1
reg                 rd_v_reg;
reg  [1:0]          rd_q_reg;               // INT: group
reg  [3:0]          rd_a_reg;               // OUT / LSIG / ACC(out): quad
reg                 rd_kind_reg;            // ACC: 0 W_in/W_rec accumulators, 1 W_out
reg  [6:0]          rd_src_reg;             // ACC: source
reg  [WA-1:0]       rd_addr_reg;            // ACC / APPLY: word being read
reg  [WA-1:0]       ap_addr_reg;            // APPLY: next word to read
reg                 ap_more_reg;

// per-beat statistics
reg  [CYC_W-1:0]    cyc_reg;
reg  [EV_W-1:0]     ev_reg;
reg  [SAT_W-1:0]    sat_reg;
reg  [SPK_W-1:0]    spk_reg;

// accumulator valid bits (rst clears the accumulators)
reg  [IMAGE_WORDS-1:0] avld_reg;
reg                 avld_rd_reg;

// decision
reg  [1:0]          dec_class_reg;
reg  [4*16-1:0]     dec_y_reg;
reg  [TAG_W-1:0]    dec_tag_reg;
reg                 dec_learned_reg;
reg                 dec_cfgerr_reg;
reg  [CE_W-1:0]     cfgerr_reg;             // configuration errors of this beat (S_CFG)
reg  [CE_W-1:0]     cfgerr_last_reg;        // of the last decided beat (STATUS[28:16])
reg                 dec_valid_reg;
reg  [CYC_W-1:0]    out_cyc_reg;
reg  [EV_W-1:0]     out_ev_reg;
reg  [SAT_W-1:0]    out_sat_reg;

reg  [CYC_W-1:0]    cycles_last_reg;
reg  [EV_W-1:0]     events_last_reg;
reg  [SAT_W-1:0]    sat_last_reg;
/*verilator coverage_off*/
reg  [CNT_W-1:0]    beats_done_reg;
reg  [CNT_W-1:0]    sat_total_reg;
/*verilator coverage_on*/

// ---------------------------------------------------------------------------------------------
// Configuration slave and memories
// ---------------------------------------------------------------------------------------------

wire              busy = state_reg != S_IDLE;
wire              ctrl_learn;
wire [1:0]        ctrl_rsvd;
wire              clr_stats;
wire              axi_we, axi_re;
wire [MEM_AW-1:0] axi_waddr, axi_raddr;
wire [WORD_W-1:0] axi_wdata;
reg  [WORD_W-1:0] axi_rdata;

if_axil_regs #(
    .ADDR_W      (AXIL_ADDR_W),
    .WORD_W      (WORD_W),
    .IMAGE_WORDS (IMAGE_WORDS),
    .BANKS       (BANKS),
    .MEM_AW      (MEM_AW),
    .ID          (ID),
    .CNT_W       (CNT_W),
    .CYC_W       (CYC_W),
    .EV_W        (EV_W),
    .SAT_W       (SAT_W)
) regs_inst (
    .clk            (clk),
    .rst            (rst),
    .s_axil_awaddr  (s_axil_awaddr),
    .s_axil_awprot  (s_axil_awprot),
    .s_axil_awvalid (s_axil_awvalid),
    .s_axil_awready (s_axil_awready),
    .s_axil_wdata   (s_axil_wdata),
    .s_axil_wstrb   (s_axil_wstrb),
    .s_axil_wvalid  (s_axil_wvalid),
    .s_axil_wready  (s_axil_wready),
    .s_axil_bresp   (s_axil_bresp),
    .s_axil_bvalid  (s_axil_bvalid),
    .s_axil_bready  (s_axil_bready),
    .s_axil_araddr  (s_axil_araddr),
    .s_axil_arprot  (s_axil_arprot),
    .s_axil_arvalid (s_axil_arvalid),
    .s_axil_arready (s_axil_arready),
    .s_axil_rdata   (s_axil_rdata),
    .s_axil_rresp   (s_axil_rresp),
    .s_axil_rvalid  (s_axil_rvalid),
    .s_axil_rready  (s_axil_rready),
    .info           (INFO),
    .busy           (busy),
    .dec_valid      (dec_valid_reg),
    .status_hi      ({{(16-CE_W){1'b0}}, cfgerr_last_reg}),
    .stat_beats     (beats_done_reg),
    .stat_sat_total (sat_total_reg),
    .stat_cycles    (cycles_last_reg),
    .stat_events    (events_last_reg),
    .stat_sat_last  (sat_last_reg),
    .ctrl_mode      (ctrl_learn),
    .ctrl_bank      (ctrl_rsvd),
    .clr_stats      (clr_stats),
    .mem_we         (axi_we),
    .mem_waddr      (axi_waddr),
    .mem_wdata      (axi_wdata),
    .mem_re         (axi_re),
    .mem_raddr      (axi_raddr),
    .mem_rdata      (axi_rdata)
);

// AXI window: physical word = bank * 403 + word; bank 0 the weight image, bank b = 1..3 the
// 128-bit slice b-1 of the accumulator word (lanes of 24 bits, slice 0 = bits [127:0])
localparam [MEM_AW-1:0] M1 = IMAGE_WORDS;
localparam [MEM_AW-1:0] M2 = 2 * IMAGE_WORDS;
localparam [MEM_AW-1:0] M3 = 3 * IMAGE_WORDS;

function [1:0] bank_of;
    input [MEM_AW-1:0] a;
    begin
        bank_of = (a < M1) ? 2'd0 : (a < M2) ? 2'd1 : (a < M3) ? 2'd2 : 2'd3;
    end
endfunction

function [MEM_AW-1:0] word_of;
    input [MEM_AW-1:0] a;
    begin
        word_of = (a < M1) ? a : (a < M2) ? a - M1 : (a < M3) ? a - M2 : a - M3;
    end
endfunction

wire [1:0]    axi_wbank = bank_of(axi_waddr);
wire [MEM_AW-1:0] axi_wword_f = word_of(axi_waddr);     // < 403: the upper bits are 0
wire [WA-1:0] axi_wword = axi_wword_f[WA-1:0];
wire [1:0]    axi_rbank = bank_of(axi_raddr);
wire [MEM_AW-1:0] axi_rword_f = word_of(axi_raddr);
wire [WA-1:0] axi_rword = axi_rword_f[WA-1:0];
reg  [1:0]    axi_rbank_reg;
wire unused_hi = ^{axi_wword_f[MEM_AW-1:WA], axi_rword_f[MEM_AW-1:WA]};

// engine-side memory requests (combinational, from the FSM below)
reg               e_w_re;
reg  [WA-1:0]     e_w_raddr;
reg               e_w_we;
reg  [WA-1:0]     e_w_waddr;
reg  [WORD_W-1:0] e_w_wdata;
reg               e_a_re;
reg  [WA-1:0]     e_a_raddr;
reg               e_a_we;
reg  [WA-1:0]     e_a_waddr;
reg  [ACC_WORD-1:0] e_a_wdata;
reg               e_v_we;
reg  [1:0]        e_v_waddr;
reg  [LANES*V_W-1:0] e_v_wdata;
reg  [1:0]        e_v_raddr;

wire              w_re    = busy ? e_w_re : (axi_re && axi_rbank == 2'd0);
wire [WA-1:0]     w_raddr = busy ? e_w_raddr : axi_rword;
wire              w_we    = busy ? e_w_we : (axi_we && axi_wbank == 2'd0);
wire [WA-1:0]     w_waddr = busy ? e_w_waddr : axi_wword;
wire [WORD_W-1:0] w_wdata = busy ? e_w_wdata : axi_wdata;
wire [WORD_W-1:0] w_rdata;

if_weight_mem #(
    .WORD_W      (WORD_W),
    .IMAGE_WORDS (IMAGE_WORDS),
    .BANKS       (1),
    .ADDR_W      (WA),
    .INIT_BANK0  (INIT_IMAGE)
) wmem_inst (
    .clk   (clk),
    .we    (w_we),
    .waddr (w_waddr),
    .wdata (w_wdata),
    .re    (w_re),
    .raddr (w_raddr),
    .oce   (1'b1),
    .rdata (w_rdata)
);

// accumulators: three 128-bit slices of one 384-bit word; an AXI write to a slice of a word that
// is not valid writes zeros to the other two slices
wire              axi_awr     = !busy && axi_we && axi_wbank != 2'd0;
wire              axi_wvld    = avld_reg[axi_wword];
wire              a_re        = busy ? e_a_re : (axi_re && axi_rbank != 2'd0);
wire [WA-1:0]     a_raddr     = busy ? e_a_raddr : axi_rword;
wire [WA-1:0]     a_waddr     = busy ? e_a_waddr : axi_wword;
wire [ACC_WORD-1:0] a_rdata_raw;
wire [ACC_WORD-1:0] a_rdata   = avld_rd_reg ? a_rdata_raw : {ACC_WORD{1'b0}};

genvar gs;
generate
for (gs = 0; gs < 3; gs = gs + 1) begin : gen_acc
    wire sl_axi = axi_awr && (axi_wbank == gs + 1 || !axi_wvld);
    wire we     = busy ? e_a_we : sl_axi;
    wire [WORD_W-1:0] wd = busy ? e_a_wdata[gs*WORD_W +: WORD_W] :
                           (axi_wbank == gs + 1) ? axi_wdata : {WORD_W{1'b0}};
    if_weight_mem #(
        .WORD_W      (WORD_W),
        .IMAGE_WORDS (IMAGE_WORDS),
        .BANKS       (1),
        .ADDR_W      (WA)
    ) amem_inst (
        .clk   (clk),
        .we    (we),
        .waddr (a_waddr),
        .wdata (wd),
        .re    (a_re),
        .raddr (a_raddr),
        .oce   (1'b1),
        .rdata (a_rdata_raw[gs*WORD_W +: WORD_W])
    );
end
endgenerate

always @* begin
    case (axi_rbank_reg)
        2'd0:    axi_rdata = w_rdata;
        2'd1:    axi_rdata = a_rdata[0 +: WORD_W];
        2'd2:    axi_rdata = a_rdata[WORD_W +: WORD_W];
        default: axi_rdata = a_rdata[2*WORD_W +: WORD_W];
    endcase
end

// hidden membranes: 4 words of 16 lanes x 16 bits, registered read
wire [LANES*V_W-1:0] v_rdata;

if_weight_mem #(
    .WORD_W      (LANES * V_W),
    .IMAGE_WORDS (4),
    .BANKS       (1),
    .ADDR_W      (2)
) vmem_inst (
    .clk   (clk),
    .we    (e_v_we),
    .waddr (e_v_waddr),
    .wdata (e_v_wdata),
    .re    (1'b1),
    .raddr (e_v_raddr),
    .oce   (1'b1),
    .rdata (v_rdata)
);

// ---------------------------------------------------------------------------------------------
// Combinational datapath
// ---------------------------------------------------------------------------------------------

wire        lact = t_reg >= 6'd8 && t_reg <= 6'd19;
wire [NIN-1:0] x_t = xvec(s_reg, l_reg, lact, sb_reg);

// the inputs of the next step (after the shifts at the end of this one)
wire [S_BITS-1:0] s_nx = s_reg >> 10;
wire [L_BITS-1:0] l_nx = (t_reg >= 6'd8) ? (l_reg >> 10) : l_reg;
wire        lact_nx = t_reg >= 6'd7 && t_reg <= 6'd18;
wire [NIN-1:0] x_nx = xvec(s_nx, l_nx, lact_nx, sb_reg);

// INT: lowest pending source
wire       src_any;
wire [6:0] src_idx;
wire [NPRE-1:0] src_rest;
if_ffs #(.W(NPRE), .IDX_W(7)) ffs_src (.in(pend_reg), .any(src_any), .idx(src_idx), .rest(src_rest));

// quads of hidden neurons with a spike (OUT) / with a readout trace (ACC)
reg [15:0] zq, hq;
integer    qi;
always @* begin
    for (qi = 0; qi < 16; qi = qi + 1) begin
        zq[qi] = |zn_reg[4*qi +: 4];
        hq[qi] = |zhat_reg[32*qi +: 32];
    end
end

wire        acc_out_on = errnz_reg && lmask_reg[2];
wire [15:0] oq_pend = (state_reg == S_ACC) ? (hq & ~qdone_reg & {16{acc_out_on}}) : (zq & ~qdone_reg);
wire       oq_any;
wire [3:0] oq_idx;
wire [15:0] oq_rest;
if_ffs #(.W(16), .IDX_W(4)) ffs_quad (.in(oq_pend), .any(oq_any), .idx(oq_idx), .rest(oq_rest));

// ACC: groups with g != 0, sources with a trace of an enabled matrix
reg [3:0] gmask;
reg [NPRE-1:0] zbnz;
integer gi;
always @* begin
    for (gi = 0; gi < 4; gi = gi + 1) begin
        gmask[gi] = |g_reg[gi*LANES*G_W +: LANES*G_W];
    end
    for (gi = 0; gi < NPRE; gi = gi + 1) begin
        zbnz[gi] = |zbar_reg[gi*TR_W +: TR_W] && (gi < NIN ? lmask_reg[0] : lmask_reg[1]);
    end
end
wire [NPRE-1:0] as_pend = zbnz & ~adone_reg & {NPRE{gmask != 4'd0}};
wire       as_any;
wire [6:0] as_idx;
wire [NPRE-1:0] as_rest;
if_ffs #(.W(NPRE), .IDX_W(7)) ffs_asrc (.in(as_pend), .any(as_any), .idx(as_idx), .rest(as_rest));
wire [3:0] ag_pend = gmask & ~gdone_reg;
wire       ag_any;
wire [1:0] ag_idx;
wire [3:0] ag_rest;
if_ffs #(.W(4), .IDX_W(2)) ffs_agrp (.in(ag_pend), .any(ag_any), .idx(ag_idx), .rest(ag_rest));
wire unused_ffs = ^{src_rest[0], oq_rest, as_rest, ag_any};

// UPD: stage U1 on the 16 lanes of group cnt_reg[1:0] (cycles 0..3), stage U2 on the group of
// the previous cycle (cycles 1..4: pu_v_reg)
wire [1:0]  uq = cnt_reg[1:0];
wire        u1_on = state_reg == S_UPD && !cnt_reg[2];

// Group, quad and source selections as explicit multiplexers with constant part-selects
// (a variable part-select such as x[(q*LANES + l)*W +: W] becomes a barrel shifter over the
// whole vector in synthesis; these are 4:1, 16:1 and 96:1 multiplexers)
reg [LANES*CUR_W-1:0] cur_int_g;   // currents of group rd_q_reg (INT)
reg [LANES*CUR_W-1:0] cur_upd_g;   // currents of group uq (UPD)
reg [LANES*TR_W-1:0]  zhat_upd_g;  // readout traces of group pu_q_reg (UPD stage U2)
reg [LANES*G_W-1:0]   g_acc_g;     // postsynaptic factors of group rd_q_reg (ACC)
reg [4*H_W-1:0]       h_quad;      // pseudo-derivatives of quad rd_a_reg (LSIG)
reg [4*TR_W-1:0]      zhat_quad;   // readout traces of quad rd_a_reg (ACC)
reg [3:0]             zn_quad;     // spikes of quad rd_a_reg (OUT)
reg [TR_W-1:0]        zbar_src;    // presynaptic trace of source rd_src_reg (ACC)
integer si;
always @* begin
    cur_int_g  = {LANES*CUR_W{1'b0}};
    cur_upd_g  = {LANES*CUR_W{1'b0}};
    zhat_upd_g = {LANES*TR_W{1'b0}};
    g_acc_g    = {LANES*G_W{1'b0}};
    h_quad     = {4*H_W{1'b0}};
    zhat_quad  = {4*TR_W{1'b0}};
    zn_quad    = 4'd0;
    zbar_src   = {TR_W{1'b0}};
    for (si = 0; si < 4; si = si + 1) begin
        if (rd_q_reg == si[1:0]) begin
            cur_int_g = cur_reg[si*LANES*CUR_W +: LANES*CUR_W];
            g_acc_g   = g_reg[si*LANES*G_W +: LANES*G_W];
        end
        if (uq == si[1:0]) begin
            cur_upd_g  = cur_reg[si*LANES*CUR_W +: LANES*CUR_W];
        end
        if (pu_q_reg == si[1:0]) begin
            zhat_upd_g = zhat_reg[si*LANES*TR_W +: LANES*TR_W];
        end
    end
    for (si = 0; si < NREC / 4; si = si + 1) begin
        if (rd_a_reg == si[3:0]) begin
            h_quad    = h_reg[si*4*H_W +: 4*H_W];
            zhat_quad = zhat_reg[si*4*TR_W +: 4*TR_W];
            zn_quad   = zn_reg[si*4 +: 4];
        end
    end
    for (si = 0; si < NPRE; si = si + 1) begin
        if (rd_src_reg == si[6:0]) begin
            zbar_src = zbar_reg[si*TR_W +: TR_W];
        end
    end
end

// INT: the currents of group rd_q_reg plus the 16 weights of the word read
reg [LANES*CUR_W-1:0] cur_int_nx;
integer il;
always @* begin
    for (il = 0; il < LANES; il = il + 1) begin
        cur_int_nx[il*CUR_W +: CUR_W] = cur_int_g[il*CUR_W +: CUR_W] +
            {{(CUR_W-W_W){w_rdata[il*W_W + W_W - 1]}}, w_rdata[il*W_W +: W_W]};
    end
end
// UPD stage U1: leak, integrate, saturate (registered in pu_u_reg, the saturation flags in
// pu_sat_reg)
reg  [LANES*V_W-1:0] u1_u;         // before reset (saturated)
reg  [LANES-1:0]     u1_sat;
integer ul;
reg signed [16:0] u_vin, u_vl;
reg signed [19:0] u_ex;
always @* begin
    for (ul = 0; ul < LANES; ul = ul + 1) begin
        u_vin = (t_reg == 6'd0) ? 17'sd0 : {v_rdata[ul*V_W + V_W - 1], v_rdata[ul*V_W +: V_W]};
        u_vl  = u_vin - (u_vin >>> kh_reg);
        u_ex  = {{3{u_vl[16]}}, u_vl} +
                {{3{cur_upd_g[ul*CUR_W + CUR_W - 1]}}, cur_upd_g[ul*CUR_W +: CUR_W]};
        u1_u[ul*V_W +: V_W] = sat16(u_ex);
        u1_sat[ul] = {{4{u1_u[ul*V_W + V_W - 1]}}, u1_u[ul*V_W +: V_W]} != u_ex;
    end
end

// UPD stage U2: fire, reset by subtraction, pseudo-derivative, readout trace
reg  [LANES*V_W-1:0] upd_v;        // membranes after reset
wire [LANES*V_W-1:0] upd_u = pu_u_reg;  // before reset (saturated)
reg  [LANES-1:0]     upd_z;
reg  [LANES*H_W-1:0] upd_h;
reg  [LANES*TR_W-1:0] upd_zhat;
reg  [4:0]           upd_sat;
reg  [4:0]           upd_spk;
reg        [15:0] u_u;
reg signed [17:0] u_diff;
reg        [17:0] u_abs, u_idx;
reg        [2:0]  u_hi;
reg               u_z;
always @* begin
    upd_sat = 5'd0;
    upd_spk = 5'd0;
    for (ul = 0; ul < LANES; ul = ul + 1) begin
        u_u   = upd_u[ul*V_W +: V_W];
        u_z   = $signed(u_u) >= $signed({1'b0, theta_reg});
        u_diff = {{2{u_u[15]}}, u_u} - {3'd0, theta_reg};
        u_abs  = u_diff[17] ? -u_diff : u_diff;
        u_idx  = u_abs >> hsh_reg;
        u_hi   = (u_idx > 18'd7) ? 3'd7 : u_idx[2:0];
        upd_z[ul] = u_z;
        upd_v[ul*V_W +: V_W] = u_z ? (u_u - {1'b0, theta_reg}) : u_u;
        upd_h[ul*H_W +: H_W] = lut_reg[u_hi*4 +: 4];
        upd_zhat[ul*TR_W +: TR_W] = trace_upd(zhat_upd_g[ul*TR_W +: TR_W], ko_reg, u_z, trinc_reg);
        if (pu_sat_reg[ul]) begin
            upd_sat = upd_sat + 5'd1;
        end
        if (u_z) begin
            upd_spk = upd_spk + 5'd1;
        end
    end
end

// presynaptic traces of the step: s = {z of the previous step, x}
reg [NPRE*TR_W-1:0] zbar_nx;
integer zi;
always @* begin
    for (zi = 0; zi < NPRE; zi = zi + 1) begin
        zbar_nx[zi*TR_W +: TR_W] = trace_upd(zbar_reg[zi*TR_W +: TR_W], kh_reg,
                                             zi < NIN ? x_t[zi % NIN] : zp_reg[(zi - NIN) % NREC], trinc_reg);
    end
end

// OUT: contribution of the W_out word of quad rd_a (lane 4m+k = W_out[k, 4a+m])
reg [NOUT*YC_W-1:0] oadd;
reg [YC_W-1:0]      oa;
integer ok, om;
always @* begin
    for (ok = 0; ok < NOUT; ok = ok + 1) begin
        oa = {YC_W{1'b0}};
        for (om = 0; om < 4; om = om + 1) begin
            if (zn_quad[om]) begin
                oa = oa + {{(YC_W-W_W){w_rdata[(4*om+ok)*W_W + W_W - 1]}}, w_rdata[(4*om+ok)*W_W +: W_W]};
            end
        end
        oadd[ok*YC_W +: YC_W] = oa;
    end
end

// YUPD: output membranes
reg [NOUT*Y_W-1:0] y_nx;
reg [2:0]          y_sat;
reg signed [19:0]  y_ex;
reg signed [16:0]  y_old;
integer yk;
always @* begin
    y_sat = 3'd0;
    for (yk = 0; yk < NOUT; yk = yk + 1) begin
        y_old = {y_reg[yk*Y_W + Y_W - 1], y_reg[yk*Y_W +: Y_W]};
        y_ex  = {{3{y_old[16]}}, y_old} - {{3{y_old[16]}}, y_old >>> ko_reg} +
                {{2{ycur_reg[yk*YC_W + YC_W - 1]}}, ycur_reg[yk*YC_W +: YC_W]};
        y_nx[yk*Y_W +: Y_W] = sat16(y_ex);
        if ({{4{y_nx[yk*Y_W + Y_W - 1]}}, y_nx[yk*Y_W +: Y_W]} != y_ex) begin
            y_sat = y_sat + 3'd1;
        end
    end
end

// ERR: one-sided error of the labelled class and the others
reg [NOUT*E_W-1:0] err_nx;
reg signed [17:0]  e_d;
reg signed [23:0]  e_dx;
integer ek;
always @* begin
    for (ek = 0; ek < NOUT; ek = ek + 1) begin
        e_d = {{2{y_reg[ek*Y_W + Y_W - 1]}}, y_reg[ek*Y_W +: Y_W]} -
              ((label_reg == ek[1:0]) ? {{2{ypos_reg[15]}}, ypos_reg} : {{2{yneg_reg[15]}}, yneg_reg});
        if (label_reg == ek[1:0]) begin
            e_d = (e_d > 18'sd0) ? 18'sd0 : e_d;
        end else begin
            e_d = (e_d < 18'sd0) ? 18'sd0 : e_d;
        end
        e_dx = {{6{e_d[17]}}, e_d};
        e_dx = e_dx >>> esh_reg;
        err_nx[ek*E_W +: E_W] = sat8(e_dx);
    end
end

// LSIG: learning signal and postsynaptic factor of the 4 neurons of quad rd_a
reg [4*L_W-1:0] ls_l;
reg [4*G_W-1:0] ls_g;
reg signed [L_W-1:0] ls_acc;
reg signed [23:0]    ls_p;
reg [H_W-1:0]        ls_h;
integer lm, lk;
always @* begin
    for (lm = 0; lm < 4; lm = lm + 1) begin
        ls_acc = {L_W{1'b0}};
        for (lk = 0; lk < NOUT; lk = lk + 1) begin
            ls_acc = ls_acc + $signed(w_rdata[(4*lm+lk)*W_W +: W_W]) * $signed(err_reg[lk*E_W +: E_W]);
        end
        ls_h = h_quad[lm*H_W +: H_W];
        ls_p = ls_acc * $signed({1'b0, ls_h});
        ls_p = ls_p >>> gsh_reg;
        ls_l[lm*L_W +: L_W] = ls_acc;
        ls_g[lm*G_W +: G_W] = sat8(ls_p);
    end
end

// ACC: 16 lanes of accumulator + product
reg [ACC_WORD-1:0] acc_nx;
reg signed [A_W-1:0] ac_old;
reg signed [16:0]    ac_p;
reg [TR_W-1:0]       ac_zb;
integer al;
always @* begin
    ac_zb = zbar_src;
    for (al = 0; al < LANES; al = al + 1) begin
        ac_old = a_rdata[al*A_W +: A_W];
        if (!rd_kind_reg) begin
            ac_p = $signed(g_acc_g[al*G_W +: G_W]) * $signed({1'b0, ac_zb});
        end else begin
            ac_p = $signed(err_reg[(al % 4)*E_W +: E_W]) *
                   $signed({1'b0, zhat_quad[(al / 4)*TR_W +: TR_W]});
        end
        acc_nx[al*A_W +: A_W] = ac_old + {{(A_W-17){ac_p[16]}}, ac_p};
    end
end

// APPLY: delta = ACC >> lr, residual, W - delta clipped to +-127
reg [4:0]            ap_lr;
reg [WORD_W-1:0]     ap_w;
reg [ACC_WORD-1:0]   ap_acc;
reg [LANES*A_W-1:0]  ap_d;
reg signed [A_W-1:0] ap_a, ap_dl;
reg signed [A_W:0]   ap_wn;
integer pl;
always @* begin
    ap_lr = (rd_addr_reg < A_WREC[WA-1:0]) ? lrin_reg :
            (rd_addr_reg < A_WOUT[WA-1:0]) ? lrrec_reg : lrout_reg;
    for (pl = 0; pl < LANES; pl = pl + 1) begin
        ap_a  = a_rdata[pl*A_W +: A_W];
        ap_dl = ap_a >>> ap_lr;
        ap_d[pl*A_W +: A_W] = ap_dl;
        ap_acc[pl*A_W +: A_W] = ap_a - (ap_dl <<< ap_lr);
        ap_wn = {{(A_W-W_W+1){w_rdata[pl*W_W + W_W - 1]}}, w_rdata[pl*W_W +: W_W]} - {ap_dl[A_W-1], ap_dl};
        ap_w[pl*W_W +: W_W] = (ap_wn > 25'sd127) ? 8'd127 : (ap_wn < -25'sd127) ? 8'h81 : ap_wn[7:0];
    end
end

// APPLY: the next enabled word after ap_addr
reg [WA-1:0] ap_next;
reg          ap_has_next;
always @* begin
    ap_next = ap_addr_reg + 9'd1;
    ap_has_next = 1'b1;
    if (ap_addr_reg == A_WREC[WA-1:0] - 9'd1) begin
        ap_next = lmask_reg[1] ? A_WREC[WA-1:0] : A_WOUT[WA-1:0];
        ap_has_next = lmask_reg[1] || lmask_reg[2];
    end else if (ap_addr_reg == A_WOUT[WA-1:0] - 9'd1) begin
        ap_has_next = lmask_reg[2];
    end else if (ap_addr_reg == A_BOUT[WA-1:0] - 9'd1) begin
        ap_has_next = 1'b0;
    end
end
wire [WA-1:0] ap_first = lmask_reg[0] ? A_WIN[WA-1:0] : lmask_reg[1] ? A_WREC[WA-1:0] : A_WOUT[WA-1:0];

// DEC: argmax of y, ties to the lowest class
reg [1:0] am;
integer ai;
always @* begin
    am = 2'd0;
    for (ai = 1; ai < NOUT; ai = ai + 1) begin
        if ($signed(y_reg[ai*Y_W +: Y_W]) > $signed(y_reg[am*Y_W +: Y_W])) begin
            am = ai[1:0];
        end
    end
end

// Configuration check at every beat start (golden cfg_errors, docs/eprop_rtl.md): the bias word
// is in w_rdata at S_CFG count 1, CFG0 at 2, CFG1 at 3; bit k = field CFG_ERR_FIELDS[k] illegal
localparam [15:0] T_MAX  = T;
localparam [15:0] LR_LIM = LR_MAX;
reg [CE_W-1:0] ce_now;
always @* begin
    ce_now = {CE_W{1'b0}};
    if (state_reg == S_CFG && cnt_reg == 9'd1) begin
        ce_now[0]  = |w_rdata[127:16*NOUT];                              // bias word: unused lanes
    end
    if (state_reg == S_CFG && cnt_reg == 9'd2) begin
        ce_now[1]  = w_rdata[15:0] == 16'd0 || w_rdata[15];              // theta 1..32767
        ce_now[2]  = |w_rdata[63:56];                                    // tr_inc 0..255
        ce_now[3]  = w_rdata[79:64] > T_MAX;                             // t_err 0..38
        ce_now[4]  = |w_rdata[95:83];                                    // learn_mask 0..7
    end
    if (state_reg == S_CFG && cnt_reg == 9'd3) begin
        ce_now[5]  = w_rdata[15:0] == 16'd0 || w_rdata[15:0] > 16'd15;   // k_h 1..15
        ce_now[6]  = w_rdata[31:16] == 16'd0 || w_rdata[31:16] > 16'd15; // k_o 1..15
        ce_now[7]  = w_rdata[47:32] > 16'd15;                            // h_shift 0..15
        ce_now[8]  = w_rdata[63:48] > 16'd15;                            // e_shift
        ce_now[9]  = w_rdata[79:64] > 16'd15;                            // g_shift
        ce_now[10] = w_rdata[95:80] > LR_LIM;                            // lr_in 0..20
        ce_now[11] = w_rdata[111:96] > LR_LIM;                           // lr_rec
        ce_now[12] = w_rdata[127:112] > LR_LIM;                          // lr_out
    end
end
wire [CE_W-1:0] ce_beat = cfgerr_reg | ce_now;

wire lwin = learn_reg && t_reg >= terr_reg;     // learning window of this step
wire last_step = t_reg == T - 1;

// end of the step's last phase
reg step_end;
always @* begin
    step_end = 1'b0;
    case (state_reg)
        S_YUPD:  step_end = !lwin;
        S_ERR:   step_end = err_nx == {NOUT*E_W{1'b0}};
        S_ACC:   step_end = !as_any && !oq_any;
        default: step_end = 1'b0;
    endcase
end

// cycles counted by the statistic: everything but the trace dumps and, with TRACE_EN, the
// cycles APPLY spends waiting for a word before dumping it
wire counted = state_reg != S_IDLE && state_reg != S_DONE && state_reg != S_TRC &&
               state_reg != S_DW && state_reg != S_TRB &&
               !(TRACE_EN != 0 && state_reg == S_APPLY && rd_v_reg);
wire [CYC_W-1:0] cyc_nx = cyc_reg + {{(CYC_W-1){1'b0}}, counted};

// ---------------------------------------------------------------------------------------------
// Memory requests
// ---------------------------------------------------------------------------------------------

always @* begin
    e_w_re    = 1'b0;
    e_w_raddr = {WA{1'b0}};
    e_w_we    = 1'b0;
    e_w_waddr = rd_addr_reg;
    e_w_wdata = ap_w;
    e_a_re    = 1'b0;
    e_a_raddr = {WA{1'b0}};
    e_a_we    = 1'b0;
    e_a_waddr = rd_addr_reg;
    e_a_wdata = acc_nx;
    e_v_we    = pu_v_reg;                       // U2 writes its group back
    e_v_waddr = pu_q_reg;
    e_v_wdata = upd_v;
    e_v_raddr = 2'd0;
    case (state_reg)
        S_CFG: begin
            e_w_re    = cnt_reg < 9'd3;
            e_w_raddr = A_BOUT[WA-1:0] + cnt_reg[WA-1:0];
        end
        S_INT: begin
            e_w_re    = src_any;
            e_w_raddr = {src_idx, q_reg};
            e_v_raddr = 2'd0;
        end
        S_UPD: begin
            e_v_raddr = uq + 2'd1;
        end
        S_OUT: begin
            e_w_re    = oq_any;
            e_w_raddr = A_WOUT[WA-1:0] + {5'd0, oq_idx};
        end
        S_LSIG: begin
            e_w_re    = cnt_reg < 9'd16;
            e_w_raddr = A_WOUT[WA-1:0] + cnt_reg[WA-1:0];
        end
        S_ACC: begin
            e_a_we    = rd_v_reg;
            e_a_waddr = rd_addr_reg;
            e_a_wdata = acc_nx;
            if (as_any) begin
                e_a_re    = 1'b1;
                e_a_raddr = {as_idx, ag_idx};
            end else if (oq_any) begin
                e_a_re    = 1'b1;
                e_a_raddr = A_WOUT[WA-1:0] + {5'd0, oq_idx};
            end
        end
        S_APPLY: begin
            e_w_we    = rd_v_reg;
            e_a_we    = rd_v_reg;
            e_a_wdata = ap_acc;
            if (ap_more_reg && (TRACE_EN == 0 || !rd_v_reg)) begin
                e_w_re    = 1'b1;
                e_w_raddr = ap_addr_reg;
                e_a_re    = 1'b1;
                e_a_raddr = ap_addr_reg;
            end
        end
        default: begin
        end
    endcase
end

// ---------------------------------------------------------------------------------------------
// Trace records (TRACE_EN = 1)
// ---------------------------------------------------------------------------------------------

reg [NREC*V_W-1:0]  utr_reg;                // u (before reset) of the step, for the trace
reg [NREC*L_W-1:0]  ltr_reg;                // learning signals of the step, for the trace
reg [LANES*A_W-1:0] dwd_reg;                // deltas of the applied word
reg [WORD_W-1:0]    dww_reg;                // new weights of the applied word
reg [WA-1:0]        dwa_reg;                // its address

reg                 trc_valid_reg;
reg  [7:0]          trc_kind_reg;
reg  [15:0]         trc_index_reg;
reg  [15:0]         trc_step_reg;
reg  [31:0]         trc_value_reg;

reg        lwin_trc_reg;                    // the dumped step was in the learning window
wire [8:0] trc_n = lwin_trc_reg ? 9'd296 : 9'd228;  // records of a step dump

reg [7:0]  tk;
reg [15:0] tix;
reg [31:0] tval;
reg [8:0]  tj;
reg [8:0]  tz;
always @* begin
    tk   = K_VMEM;
    tix  = 16'd0;
    tval = 32'd0;
    tj   = 9'd0;
    tz   = 9'd0;
    if (state_reg == S_TRC) begin
        if (cnt_reg < 9'd64) begin
            tj   = cnt_reg;
            tk   = K_VMEM;
            tval = {11'd0, h_reg[tj[5:0]*H_W +: H_W], zn_reg[tj[5:0]], utr_reg[tj[5:0]*V_W +: V_W]};
        end else if (cnt_reg < 9'd68) begin
            tj   = cnt_reg - 9'd64;
            tk   = K_YMEM;
            tval = {16'd0, y_reg[tj[1:0]*Y_W +: Y_W]};
        end else if (cnt_reg < 9'd164) begin
            tj   = cnt_reg - 9'd68;
            tk   = K_TRACE;
            tval = {24'd0, zbar_reg[tj[6:0]*TR_W +: TR_W]};
        end else if (cnt_reg < 9'd228) begin
            tj   = cnt_reg - 9'd68;
            tz   = cnt_reg - 9'd164;            // readout trace of hidden neuron 0..63
            tk   = K_TRACE;
            tval = {24'd0, zhat_reg[tz[5:0]*TR_W +: TR_W]};
        end else if (cnt_reg < 9'd232) begin
            tj   = cnt_reg - 9'd228;
            tk   = K_ERR;
            tval = {24'd0, err_reg[tj[1:0]*E_W +: E_W]};
        end else begin
            tj   = cnt_reg - 9'd232;
            tk   = K_LSIG;
            tval = {6'd0, g_reg[tj[5:0]*G_W +: G_W], ltr_reg[tj[5:0]*L_W +: L_W]};
        end
        tix = {7'd0, tj};
    end else if (state_reg == S_DW) begin
        tk   = K_DW;
        tix  = {3'd0, dwa_reg, cnt_reg[3:0]};
        tval = {dww_reg[cnt_reg[3:0]*W_W +: W_W], dwd_reg[cnt_reg[3:0]*A_W +: A_W]};
    end else if (state_reg == S_TRB) begin
        tk   = cnt_reg[0] ? K_CYC : K_BEAT;
        tix  = 16'd0;
        tval = cnt_reg[0] ? {{(32-CYC_W){1'b0}}, cyc_reg} : {14'd0, dec_class_reg, {(16-SPK_W){1'b0}}, spk_reg};
    end
end

// ---------------------------------------------------------------------------------------------
// Sequential logic
// ---------------------------------------------------------------------------------------------

integer j;

// datapath registers without reset (cleared at the start of every beat where needed)
always @(posedge clk) begin
    case (state_reg)
        S_IDLE: begin
            if (s_beat_valid) begin
                s_reg   <= s_beat_data[S_BITS-1:0];
                l_reg   <= s_beat_data[SLOTS-1:S_BITS];
                sb_reg  <= {s_beat_data[SLOTS +: N_RR], 1'b1};
                tag_reg <= s_beat_tag;
                label_reg <= s_beat_label;
                cur_reg  <= {NREC*CUR_W{1'b0}};
                zp_reg   <= {NREC{1'b0}};
                zn_reg   <= {NREC{1'b0}};
                zbar_reg <= {NPRE*TR_W{1'b0}};
                zhat_reg <= {NREC*TR_W{1'b0}};
                y_reg    <= {NOUT*Y_W{1'b0}};
                g_reg    <= {NREC*G_W{1'b0}};
                err_reg  <= {NOUT*E_W{1'b0}};
            end
        end
        S_CFG: begin
            if (cnt_reg == 9'd1) begin
                bout_reg <= w_rdata[63:0];
            end
            if (cnt_reg == 9'd2) begin
                theta_reg <= w_rdata[TH_W-1:0];
                ypos_reg  <= w_rdata[31:16];
                yneg_reg  <= w_rdata[47:32];
                trinc_reg <= w_rdata[55:48];
                terr_reg  <= w_rdata[69:64];
                lmask_reg <= w_rdata[82:80];
                lut_reg   <= {w_rdata[127:112], w_rdata[111:96]};
            end
            if (cnt_reg == 9'd3) begin
                kh_reg    <= w_rdata[3:0];
                ko_reg    <= w_rdata[19:16];
                hsh_reg   <= w_rdata[35:32];
                esh_reg   <= w_rdata[51:48];
                gsh_reg   <= w_rdata[67:64];
                lrin_reg  <= w_rdata[84:80];
                lrrec_reg <= w_rdata[100:96];
                lrout_reg <= w_rdata[116:112];
                pend_reg  <= {zp_reg, x_t};
            end
        end
        S_INT: begin
            if (rd_v_reg) begin
                for (j = 0; j < 4; j = j + 1) begin
                    if (rd_q_reg == j[1:0]) begin
                        cur_reg[j*LANES*CUR_W +: LANES*CUR_W] <= cur_int_nx;
                    end
                end
            end
            if (src_any && q_reg == 2'd3) begin
                pend_reg <= src_rest;
            end
        end
        S_UPD: begin
            for (j = 0; j < 4; j = j + 1) begin
                if (u1_on && uq == j[1:0]) begin
                    cur_reg[j*LANES*CUR_W +: LANES*CUR_W] <= {LANES*CUR_W{1'b0}};
                end
            end
            if (cnt_reg == 9'd3) begin
                zbar_reg <= zbar_nx;
                for (j = 0; j < NOUT; j = j + 1) begin
                    ycur_reg[j*YC_W +: YC_W] <= {{(YC_W-16){bout_reg[j*16 + 15]}}, bout_reg[j*16 +: 16]};
                end
            end
        end
        S_OUT: begin
            if (rd_v_reg) begin
                for (j = 0; j < NOUT; j = j + 1) begin
                    ycur_reg[j*YC_W +: YC_W] <= ycur_reg[j*YC_W +: YC_W] + oadd[j*YC_W +: YC_W];
                end
            end
        end
        S_YUPD: begin
            y_reg <= y_nx;
        end
        S_ERR: begin
            err_reg <= err_nx;
            g_reg   <= {NREC*G_W{1'b0}};
            if (TRACE_EN != 0) begin
                ltr_reg <= {NREC*L_W{1'b0}};
            end
        end
        S_LSIG: begin
            if (rd_v_reg) begin
                for (j = 0; j < NREC / 4; j = j + 1) begin
                    if (rd_a_reg == j[3:0]) begin
                        g_reg[j*4*G_W +: 4*G_W] <= ls_g;
                        if (TRACE_EN != 0) begin
                            ltr_reg[j*4*L_W +: 4*L_W] <= ls_l;
                        end
                    end
                end
            end
        end
        S_APPLY: begin
            if (rd_v_reg && TRACE_EN != 0) begin
                dwd_reg <= ap_d;
                dww_reg <= ap_w;
                dwa_reg <= rd_addr_reg;
            end
        end
        default: begin
        end
    endcase
    // UPD stage U2: the group of the previous cycle
    if (pu_v_reg) begin
        for (j = 0; j < 4; j = j + 1) begin
            if (pu_q_reg == j[1:0]) begin
                zn_reg[j*LANES +: LANES] <= upd_z;
                h_reg[j*LANES*H_W +: LANES*H_W] <= upd_h;
                zhat_reg[j*LANES*TR_W +: LANES*TR_W] <= upd_zhat;
                if (TRACE_EN != 0) begin
                    utr_reg[j*LANES*V_W +: LANES*V_W] <= upd_u;
                end
            end
        end
    end
    // end of a step: the inputs of the next one
    if (step_end) begin
        zp_reg <= zn_reg;
        s_reg  <= s_nx;
        l_reg  <= l_nx;
        pend_reg <= {zn_reg, x_nx};
    end
end

// UPD pipeline registers of stage U1 (no reset: pu_v_reg qualifies them)
always @(posedge clk) begin
    pu_u_reg   <= u1_u;
    pu_sat_reg <= u1_sat;
    pu_q_reg   <= uq;
end

wire [3:0] after_step = last_step ? S_DEC : S_INT;

// control registers
always @(posedge clk) begin
    if (rst) begin
        state_reg     <= S_IDLE;
        ret_reg       <= S_IDLE;
        t_reg         <= 6'd0;
        trc_t_reg     <= 6'd0;
        cnt_reg       <= 9'd0;
        q_reg         <= 2'd0;
        learn_reg     <= 1'b0;
        beat_no_reg   <= 10'd0;
        errnz_reg     <= 1'b0;
        qdone_reg     <= 16'd0;
        adone_reg     <= {NPRE{1'b0}};
        gdone_reg     <= 4'd0;
        rd_v_reg      <= 1'b0;
        pu_v_reg      <= 1'b0;
        rd_q_reg      <= 2'd0;
        rd_a_reg      <= 4'd0;
        rd_kind_reg   <= 1'b0;
        rd_src_reg    <= 7'd0;
        rd_addr_reg   <= {WA{1'b0}};
        ap_addr_reg   <= {WA{1'b0}};
        ap_more_reg   <= 1'b0;
        cyc_reg       <= {CYC_W{1'b0}};
        ev_reg        <= {EV_W{1'b0}};
        sat_reg       <= {SAT_W{1'b0}};
        spk_reg       <= {SPK_W{1'b0}};
        avld_reg      <= {IMAGE_WORDS{1'b0}};
        avld_rd_reg   <= 1'b0;
        axi_rbank_reg <= 2'd0;
        dec_class_reg <= 2'd0;
        dec_y_reg     <= 64'd0;
        dec_tag_reg   <= {TAG_W{1'b0}};
        dec_learned_reg <= 1'b0;
        dec_cfgerr_reg <= 1'b0;
        cfgerr_reg    <= {CE_W{1'b0}};
        cfgerr_last_reg <= {CE_W{1'b0}};
        dec_valid_reg <= 1'b0;
        out_cyc_reg   <= {CYC_W{1'b0}};
        out_ev_reg    <= {EV_W{1'b0}};
        out_sat_reg   <= {SAT_W{1'b0}};
        cycles_last_reg <= {CYC_W{1'b0}};
        events_last_reg <= {EV_W{1'b0}};
        sat_last_reg  <= {SAT_W{1'b0}};
        beats_done_reg <= {CNT_W{1'b0}};
        sat_total_reg <= {CNT_W{1'b0}};
        lwin_trc_reg  <= 1'b0;
        trc_valid_reg <= 1'b0;
        trc_kind_reg  <= 8'd0;
        trc_index_reg <= 16'd0;
        trc_step_reg  <= 16'd0;
        trc_value_reg <= 32'd0;
    end else begin
        cyc_reg <= cyc_nx;
        if (a_re) begin
            avld_rd_reg <= avld_reg[a_raddr];
        end
        if (axi_re) begin
            axi_rbank_reg <= axi_rbank;
        end
        if (axi_awr) begin
            avld_reg[axi_wword] <= 1'b1;
        end
        rd_v_reg <= 1'b0;
        pu_v_reg <= u1_on;
        trc_valid_reg <= 1'b0;

        case (state_reg)
            S_IDLE: begin
                if (s_beat_valid) begin
                    state_reg <= S_CFG;
                    cnt_reg   <= 9'd0;
                    t_reg     <= 6'd0;
                    q_reg     <= 2'd0;
                    learn_reg <= s_beat_learn && ctrl_learn;
                    cyc_reg   <= {CYC_W{1'b0}};
                    ev_reg    <= {EV_W{1'b0}};
                    sat_reg   <= {SAT_W{1'b0}};
                    spk_reg   <= {SPK_W{1'b0}};
                    qdone_reg <= 16'd0;
                    cfgerr_reg <= {CE_W{1'b0}};
                end
            end
            S_CFG: begin
                cnt_reg    <= cnt_reg + 9'd1;
                cfgerr_reg <= ce_beat;
                if (cnt_reg == 9'd3) begin
                    if (ce_beat != {CE_W{1'b0}}) begin
                        state_reg <= S_DEC;         // refused: no step, no learning, outputs 0
                        learn_reg <= 1'b0;
                    end else begin
                        state_reg <= S_INT;
                    end
                end
            end
            S_INT: begin
                if (src_any) begin
                    rd_v_reg <= 1'b1;
                    rd_q_reg <= q_reg;
                    q_reg    <= q_reg + 2'd1;
                    ev_reg   <= ev_reg + EV_ONE;
                end else begin
                    state_reg <= S_UPD;
                    cnt_reg   <= 9'd0;
                end
            end
            S_UPD: begin
                cnt_reg <= cnt_reg + 9'd1;
                if (pu_v_reg) begin
                    sat_reg <= sat_reg + {{(SAT_W-5){1'b0}}, upd_sat};
                    spk_reg <= spk_reg + {{(SPK_W-5){1'b0}}, upd_spk};
                end
                if (cnt_reg == 9'd4) begin
                    state_reg <= S_OUT;
                    qdone_reg <= 16'd0;
                end
            end
            S_OUT: begin
                if (oq_any) begin
                    rd_v_reg  <= 1'b1;
                    rd_a_reg  <= oq_idx;
                    qdone_reg[oq_idx] <= 1'b1;
                    ev_reg    <= ev_reg + EV_ONE;
                end else begin
                    state_reg <= S_YUPD;
                end
            end
            S_YUPD: begin
                sat_reg <= sat_reg + {{(SAT_W-3){1'b0}}, y_sat};
                if (lwin) begin
                    state_reg <= S_ERR;
                end
            end
            S_ERR: begin
                errnz_reg <= err_nx != {NOUT*E_W{1'b0}};
                if (err_nx != {NOUT*E_W{1'b0}}) begin
                    state_reg <= S_LSIG;
                    cnt_reg   <= 9'd0;
                end
            end
            S_LSIG: begin
                cnt_reg <= cnt_reg + 9'd1;
                if (cnt_reg < 9'd16) begin
                    rd_v_reg <= 1'b1;
                    rd_a_reg <= cnt_reg[3:0];
                end else begin
                    state_reg <= S_ACC;
                    qdone_reg <= 16'd0;
                    adone_reg <= {NPRE{1'b0}};
                    gdone_reg <= 4'd0;
                end
            end
            S_ACC: begin
                if (rd_v_reg) begin
                    avld_reg[rd_addr_reg] <= 1'b1;
                end
                if (as_any) begin
                    rd_v_reg    <= 1'b1;
                    rd_kind_reg <= 1'b0;
                    rd_src_reg  <= as_idx;
                    rd_q_reg    <= ag_idx;
                    rd_addr_reg <= {as_idx, ag_idx};
                    ev_reg      <= ev_reg + EV_ONE;
                    if (ag_rest == 4'd0) begin
                        adone_reg[as_idx] <= 1'b1;
                        gdone_reg <= 4'd0;
                    end else begin
                        gdone_reg[ag_idx] <= 1'b1;
                    end
                end else if (oq_any) begin
                    rd_v_reg    <= 1'b1;
                    rd_kind_reg <= 1'b1;
                    rd_a_reg    <= oq_idx;
                    rd_addr_reg <= A_WOUT[WA-1:0] + {5'd0, oq_idx};
                    qdone_reg[oq_idx] <= 1'b1;
                    ev_reg      <= ev_reg + EV_ONE;
                end
            end
            S_TRC: begin
                cnt_reg <= cnt_reg + 9'd1;
                trc_valid_reg <= 1'b1;
                trc_kind_reg  <= tk;
                trc_index_reg <= tix;
                trc_step_reg  <= {beat_no_reg, trc_t_reg};
                trc_value_reg <= tval;
                if (cnt_reg == trc_n - 9'd1) begin
                    state_reg <= ret_reg;
                end
            end
            S_DEC: begin
                dec_class_reg   <= am;
                dec_y_reg       <= y_reg;
                dec_tag_reg     <= tag_reg;
                dec_learned_reg <= learn_reg;
                dec_cfgerr_reg  <= cfgerr_reg != {CE_W{1'b0}};
                if (learn_reg) begin
                    state_reg   <= S_APPLY;
                    ap_addr_reg <= ap_first;
                    ap_more_reg <= lmask_reg != 3'd0;
                end else begin
                    state_reg <= (TRACE_EN != 0) ? S_TRB : S_DONE;
                    dec_valid_reg <= TRACE_EN == 0;
                    out_cyc_reg <= cyc_nx;
                    out_ev_reg  <= ev_reg;
                    out_sat_reg <= sat_reg;
                    cnt_reg     <= 9'd0;
                end
            end
            S_APPLY: begin
                // a word read in the previous cycle is written in this one (e_*_we)
                if (rd_v_reg) begin
                    avld_reg[rd_addr_reg] <= 1'b1;
                end
                if (TRACE_EN != 0 && rd_v_reg) begin
                    state_reg <= S_DW;              // dump it, then read the next
                    cnt_reg   <= 9'd0;
                end else if (ap_more_reg) begin
                    rd_v_reg    <= 1'b1;
                    rd_addr_reg <= ap_addr_reg;
                    ap_addr_reg <= ap_next;
                    ap_more_reg <= ap_has_next;
                end else begin
                    state_reg     <= (TRACE_EN != 0) ? S_TRB : S_DONE;
                    dec_valid_reg <= TRACE_EN == 0;
                    out_cyc_reg   <= cyc_nx;
                    out_ev_reg    <= ev_reg;
                    out_sat_reg   <= sat_reg;
                    cnt_reg       <= 9'd0;
                end
            end
            S_DW: begin
                cnt_reg <= cnt_reg + 9'd1;
                trc_valid_reg <= 1'b1;
                trc_kind_reg  <= tk;
                trc_index_reg <= tix;
                trc_step_reg  <= {beat_no_reg, 6'd38};
                trc_value_reg <= tval;
                if (cnt_reg == 9'd15) begin
                    state_reg <= S_APPLY;
                end
            end
            S_TRB: begin
                cnt_reg <= cnt_reg + 9'd1;
                trc_valid_reg <= 1'b1;
                trc_kind_reg  <= tk;
                trc_index_reg <= tix;
                trc_step_reg  <= {beat_no_reg, 6'd38};
                trc_value_reg <= tval;
                if (cnt_reg == 9'd1) begin
                    state_reg     <= S_DONE;
                    dec_valid_reg <= 1'b1;
                end
            end
            S_DONE: begin
                if (m_dec_ready) begin
                    state_reg       <= S_IDLE;
                    dec_valid_reg   <= 1'b0;
                    beat_no_reg     <= beat_no_reg + 10'd1;
                    beats_done_reg  <= beats_done_reg + CNT_ONE;
                    cycles_last_reg <= out_cyc_reg;
                    events_last_reg <= out_ev_reg;
                    sat_last_reg    <= out_sat_reg;
                    sat_total_reg   <= sat_total_reg + {{(CNT_W-SAT_W){1'b0}}, out_sat_reg};
                    cfgerr_last_reg <= cfgerr_reg;
                end
            end
            default: begin
                state_reg <= S_IDLE;
            end
        endcase

        // end of a step (from YUPD, ERR or ACC)
        if (step_end) begin
            t_reg     <= t_reg + 6'd1;
            trc_t_reg <= t_reg;
            lwin_trc_reg <= lwin;
            q_reg     <= 2'd0;
            if (TRACE_EN != 0) begin
                state_reg <= S_TRC;
                ret_reg   <= after_step;
                cnt_reg   <= 9'd0;
            end else begin
                state_reg <= after_step;
            end
        end

        if (clr_stats) begin
            beats_done_reg <= {CNT_W{1'b0}};
            sat_total_reg  <= {CNT_W{1'b0}};
            cycles_last_reg <= {CYC_W{1'b0}};
            events_last_reg <= {EV_W{1'b0}};
            sat_last_reg   <= {SAT_W{1'b0}};
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

assign s_beat_ready  = state_reg == S_IDLE;
assign m_dec_class   = dec_class_reg;
assign m_dec_y       = dec_y_reg;
assign m_dec_tag     = dec_tag_reg;
assign m_dec_learned = dec_learned_reg;
assign m_dec_cfg_err = dec_cfgerr_reg;
assign m_dec_valid   = dec_valid_reg;

assign trc_valid = (TRACE_EN != 0) && trc_valid_reg;
assign trc_kind  = (TRACE_EN != 0) ? trc_kind_reg : 8'd0;
assign trc_index = (TRACE_EN != 0) ? trc_index_reg : 16'd0;
assign trc_step  = (TRACE_EN != 0) ? trc_step_reg : 16'd0;
assign trc_value = (TRACE_EN != 0) ? trc_value_reg : 32'd0;

wire unused = ^{unused_hi, unused_ffs, ctrl_rsvd, tz[8:6]};

endmodule

`resetall
