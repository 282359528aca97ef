// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// ecg_pipeline_top -- the whole two-stage classifier, see docs/system.md "Pipeline": the first
// stage (ecg_stage1_top: spike encoder, RR unit, IF screen, Click wake-up path and clock gate)
// and, behind the gated clock gclk_stage2, the e-prop network (eprop_engine).  Every beat gets a
// stage-1 decision on m_dec (normal / abnormal); every beat the screen calls abnormal -- and,
// while wake_all is high (calibration), every beat -- is handed to stage 2, which classifies it
// (N, S, V, F) on m_dec2 and, for a labelled beat with CTRL.LEARN = 1 in stage 2, learns from it.
//
// Frame sideband on s_axis_tuser, sampled with sample 0 of every frame:
//   {learn, label[1:0], rr_first, rr_delta[15:0], tag[TAG_W-1:0]}
// learn/label travel with the tag through stage 1 (its tag is {learn, label, tag}).
//
// Stage 2 runs entirely on gclk_stage2 (no edge while it has nothing to do).  Its beat handshake
// takes the wake-up path's bundled data (stage2_data = {RR bits, slots}); the decision handshake
// on m_dec2 toggles the two-phase acknowledge stage2_done, after which the gate closes.  m_dec2
// and the stage-2 AXI4-Lite slave are therefore in the gclk_stage2 domain: its edges are edges
// of clk, so a clk-domain master sees an ordinary synchronous slave, and the gate is held open
// while the master uses the port (an AW/W/AR request is valid, or a response is outstanding).

module ecg_pipeline_top #(
    // host beat tag width (stage 1 carries 3 more bits: learn and label)
    parameter TAG_W        = 12,
    parameter AXIL_ADDR_W  = 8,
    parameter CNT_W        = 32,
    // 1: drive the three trace ports (verification); 0: tie them to zero
    parameter TRACE_EN     = 0,
    // synthesis form of the stage-2 clock gate: 0 latch, 1 Xilinx BUFGCE, 2 Lattice ECP5 DCCA
    parameter GATE_KIND    = 0,
    // optional $readmemh images: IF-engine banks 0..3 and the e-prop weight image
    parameter INIT_BANK0   = "",
    parameter INIT_BANK1   = "",
    parameter INIT_BANK2   = "",
    parameter INIT_BANK3   = "",
    parameter INIT_EPROP   = ""
) (
    input  wire                         clk,
    input  wire                         rst,            // synchronous, active high

    input  wire [`ECG_ENC_DELTA_W-1:0]  cfg_delta_s,
    input  wire [`ECG_ENC_DELTA_W-1:0]  cfg_delta_l,
    // calibration: beats taken by the screen while high go to stage 2 whatever their class
    input  wire                         wake_all,

    input  wire [`ECG_STREAM_SAMPLE_W-1:0] s_axis_tdata,
    input  wire                         s_axis_tvalid,
    output wire                         s_axis_tready,
    input  wire                         s_axis_tlast,
    input  wire [TAG_W+19:0]            s_axis_tuser,   // {learn, label, rr_first, rr_delta, tag}

    // stage-1 decision, every well-formed beat (ecg_stage1_top's m_dec; tag without learn/label)
    output wire [1:0]                   m_dec_class,
    output wire [`ECG_SNN_VMEM_W-1:0]   m_dec_vout0,
    output wire [`ECG_SNN_VMEM_W-1:0]   m_dec_vout1,
    output wire [TAG_W-1:0]             m_dec_tag,
    output wire                         m_dec_abnormal,
    output wire [1:0]                   m_dec_stages,
    output wire                         m_dec_mode,
    output wire [1:0]                   m_dec_bank,
    output wire                         m_dec_valid,
    input  wire                         m_dec_ready,

    // stage-2 decision (gclk_stage2 domain), every beat handed to stage 2: class N/S/V/F,
    // output membranes {y3,y2,y1,y0}, tag, learned, refused for an illegal configuration
    output wire [1:0]                   m_dec2_class,
    output wire [4*`ECG_EPROP_YMEM_W-1:0] m_dec2_y,
    output wire [TAG_W-1:0]             m_dec2_tag,
    output wire                         m_dec2_learned,
    output wire                         m_dec2_cfg_err,
    output wire                         m_dec2_valid,
    input  wire                         m_dec2_ready,

    // AXI4-Lite slave of the IF engine (clk)
    input  wire [AXIL_ADDR_W-1:0]       s1_axil_awaddr,
    /*verilator coverage_off*/
    input  wire [2:0]                   s1_axil_awprot,
    /*verilator coverage_on*/
    input  wire                         s1_axil_awvalid,
    output wire                         s1_axil_awready,
    input  wire [31:0]                  s1_axil_wdata,
    input  wire [3:0]                   s1_axil_wstrb,
    input  wire                         s1_axil_wvalid,
    output wire                         s1_axil_wready,
    output wire [1:0]                   s1_axil_bresp,
    output wire                         s1_axil_bvalid,
    input  wire                         s1_axil_bready,
    input  wire [AXIL_ADDR_W-1:0]       s1_axil_araddr,
    /*verilator coverage_off*/
    input  wire [2:0]                   s1_axil_arprot,
    /*verilator coverage_on*/
    input  wire                         s1_axil_arvalid,
    output wire                         s1_axil_arready,
    output wire [31:0]                  s1_axil_rdata,
    output wire [1:0]                   s1_axil_rresp,
    output wire                         s1_axil_rvalid,
    input  wire                         s1_axil_rready,

    // AXI4-Lite slave of the e-prop engine (gclk_stage2 domain, held awake while in use)
    input  wire [AXIL_ADDR_W-1:0]       s2_axil_awaddr,
    /*verilator coverage_off*/
    input  wire [2:0]                   s2_axil_awprot,
    /*verilator coverage_on*/
    input  wire                         s2_axil_awvalid,
    output wire                         s2_axil_awready,
    input  wire [31:0]                  s2_axil_wdata,
    input  wire [3:0]                   s2_axil_wstrb,
    input  wire                         s2_axil_wvalid,
    output wire                         s2_axil_wready,
    output wire [1:0]                   s2_axil_bresp,
    output wire                         s2_axil_bvalid,
    input  wire                         s2_axil_bready,
    input  wire [AXIL_ADDR_W-1:0]       s2_axil_araddr,
    /*verilator coverage_off*/
    input  wire [2:0]                   s2_axil_arprot,
    /*verilator coverage_on*/
    input  wire                         s2_axil_arvalid,
    output wire                         s2_axil_arready,
    output wire [31:0]                  s2_axil_rdata,
    output wire [1:0]                   s2_axil_rresp,
    output wire                         s2_axil_rvalid,
    input  wire                         s2_axil_rready,

    // observation: the gated clock, the Click signals, encoder status, statistics
    output wire                         gclk_stage2,
    output wire                         stage2_valid,
    output wire                         hs_fire,
    output wire                         hs_gate_en,
    output wire                         stat_sat,
    output wire                         stat_len_err,
    output wire                         stat_cfg_err,
    /*verilator coverage_off*/
    output wire [CNT_W-1:0]             stat_beats,
    output wire [CNT_W-1:0]             stat_abnormal,
    output wire [CNT_W-1:0]             stat_dropped,
    output wire [CNT_W-1:0]             stat_wakeups,
    output wire [CNT_W-1:0]             stat_gclk_edges,
    output wire [CNT_W-1:0]             stat_stall_cycles,

    // trace ports (TRACE_EN = 1): encoder, IF engine (clk) and e-prop engine (gclk_stage2)
    output wire                         enc_trc_valid,
    output wire [7:0]                   enc_trc_kind,
    output wire [15:0]                  enc_trc_index,
    output wire [15:0]                  enc_trc_step,
    output wire [31:0]                  enc_trc_value,
    output wire                         snn_trc_valid,
    output wire [7:0]                   snn_trc_kind,
    output wire [15:0]                  snn_trc_index,
    output wire [15:0]                  snn_trc_step,
    output wire [31:0]                  snn_trc_value,
    output wire                         ep_trc_valid,
    output wire [7:0]                   ep_trc_kind,
    output wire [15:0]                  ep_trc_index,
    output wire [15:0]                  ep_trc_step,
    output wire [31:0]                  ep_trc_value
    /*verilator coverage_on*/
);

localparam TAG1_W = TAG_W + 3;                      // stage-1 tag: {learn, label, tag}
localparam S2_W   = `ECG_ENC_SLOTS + `ECG_SNN_N_RR;

`ifndef SYNTHESIS
initial begin
    if (TAG_W < 1 || TAG1_W > 16) begin
        $error("ecg_pipeline_top: TAG_W=%0d must be 1..13 (stage 1 carries 3 more bits)", TAG_W);
        $finish;
    end
end
`endif

// ---------------------------------------------------------------------------------------------
// Stage 1
// ---------------------------------------------------------------------------------------------

wire [TAG1_W+16:0] s1_tuser = {s_axis_tuser[TAG_W+16], s_axis_tuser[TAG_W +: 16],
                               s_axis_tuser[TAG_W+17 +: 3], s_axis_tuser[TAG_W-1:0]};
wire [TAG1_W-1:0]  s1_dec_tag;
wire               stage2_rst;
wire [S2_W-1:0]    stage2_data;
wire [TAG1_W-1:0]  stage2_tag;
wire               stage2_done;
wire               s2_cfg_wake;
wire               hs_req_in, hs_ack_in, hs_req_out, hs_ack_out;

ecg_stage1_top #(
    .TAG_W       (TAG1_W),
    .AXIL_ADDR_W (AXIL_ADDR_W),
    .CNT_W       (CNT_W),
    .TRACE_EN    (TRACE_EN),
    .GATE_KIND   (GATE_KIND),
    .INIT_BANK0  (INIT_BANK0),
    .INIT_BANK1  (INIT_BANK1),
    .INIT_BANK2  (INIT_BANK2),
    .INIT_BANK3  (INIT_BANK3)
) stage1_inst (
    .clk               (clk),
    .rst               (rst),
    .cfg_delta_s       (cfg_delta_s),
    .cfg_delta_l       (cfg_delta_l),
    .s_axis_tdata      (s_axis_tdata),
    .s_axis_tvalid     (s_axis_tvalid),
    .s_axis_tready     (s_axis_tready),
    .s_axis_tlast      (s_axis_tlast),
    .s_axis_tuser      (s1_tuser),
    .m_dec_class       (m_dec_class),
    .m_dec_vout0       (m_dec_vout0),
    .m_dec_vout1       (m_dec_vout1),
    .m_dec_tag         (s1_dec_tag),
    .m_dec_abnormal    (m_dec_abnormal),
    .m_dec_stages      (m_dec_stages),
    .m_dec_mode        (m_dec_mode),
    .m_dec_bank        (m_dec_bank),
    .m_dec_valid       (m_dec_valid),
    .m_dec_ready       (m_dec_ready),
    .s_axil_awaddr     (s1_axil_awaddr),
    .s_axil_awprot     (s1_axil_awprot),
    .s_axil_awvalid    (s1_axil_awvalid),
    .s_axil_awready    (s1_axil_awready),
    .s_axil_wdata      (s1_axil_wdata),
    .s_axil_wstrb      (s1_axil_wstrb),
    .s_axil_wvalid     (s1_axil_wvalid),
    .s_axil_wready     (s1_axil_wready),
    .s_axil_bresp      (s1_axil_bresp),
    .s_axil_bvalid     (s1_axil_bvalid),
    .s_axil_bready     (s1_axil_bready),
    .s_axil_araddr     (s1_axil_araddr),
    .s_axil_arprot     (s1_axil_arprot),
    .s_axil_arvalid    (s1_axil_arvalid),
    .s_axil_arready    (s1_axil_arready),
    .s_axil_rdata      (s1_axil_rdata),
    .s_axil_rresp      (s1_axil_rresp),
    .s_axil_rvalid     (s1_axil_rvalid),
    .s_axil_rready     (s1_axil_rready),
    .gclk_stage2       (gclk_stage2),
    .stage2_rst        (stage2_rst),
    .stage2_data       (stage2_data),
    .stage2_tag        (stage2_tag),
    .stage2_valid      (stage2_valid),
    .stage2_done       (stage2_done),
    .stage2_cfg_wake   (s2_cfg_wake),
    .wake_all          (wake_all),
    .hs_req_in         (hs_req_in),
    .hs_ack_in         (hs_ack_in),
    .hs_req_out        (hs_req_out),
    .hs_ack_out        (hs_ack_out),
    .hs_fire           (hs_fire),
    .hs_gate_en        (hs_gate_en),
    .stat_sat          (stat_sat),
    .stat_len_err      (stat_len_err),
    .stat_cfg_err      (stat_cfg_err),
    .stat_beats        (stat_beats),
    .stat_abnormal     (stat_abnormal),
    .stat_dropped      (stat_dropped),
    .stat_wakeups      (stat_wakeups),
    .stat_gclk_edges   (stat_gclk_edges),
    .stat_stall_cycles (stat_stall_cycles),
    .enc_trc_valid     (enc_trc_valid),
    .enc_trc_kind      (enc_trc_kind),
    .enc_trc_index     (enc_trc_index),
    .enc_trc_step      (enc_trc_step),
    .enc_trc_value     (enc_trc_value),
    .snn_trc_valid     (snn_trc_valid),
    .snn_trc_kind      (snn_trc_kind),
    .snn_trc_index     (snn_trc_index),
    .snn_trc_step      (snn_trc_step),
    .snn_trc_value     (snn_trc_value)
);

assign m_dec_tag = s1_dec_tag[TAG_W-1:0];
wire unused_s1 = ^{s1_dec_tag[TAG1_W-1:TAG_W], hs_req_in, hs_ack_in, hs_req_out, hs_ack_out};

// ---------------------------------------------------------------------------------------------
// Stage-2 configuration port: keep the gate open while the master uses it (clk domain; the
// handshakes happen at gated edges, which are clk edges)
// ---------------------------------------------------------------------------------------------

axil_wake s2_wake_inst (
    .clk     (clk),
    .rst     (rst),
    .awvalid (s2_axil_awvalid),
    .awready (s2_axil_awready),
    .wvalid  (s2_axil_wvalid),
    .arvalid (s2_axil_arvalid),
    .arready (s2_axil_arready),
    .bvalid  (s2_axil_bvalid),
    .bready  (s2_axil_bready),
    .rvalid  (s2_axil_rvalid),
    .rready  (s2_axil_rready),
    .wake    (s2_cfg_wake)
);

// ---------------------------------------------------------------------------------------------
// Stage 2 (gclk_stage2)
// ---------------------------------------------------------------------------------------------

reg  taken_reg;                                     // the outstanding beat was taken
reg  done_reg;                                      // two-phase acknowledge
wire ep_beat_ready;
wire ep_dec_valid;
wire ep_beat_valid = stage2_valid && !taken_reg;

always @(posedge gclk_stage2) begin
    if (stage2_rst) begin
        taken_reg <= 1'b0;
        done_reg  <= 1'b0;
    end else begin
        if (ep_dec_valid && m_dec2_ready) begin
            taken_reg <= 1'b0;
            done_reg  <= !done_reg;
        end else if (ep_beat_valid && ep_beat_ready) begin
            taken_reg <= 1'b1;
        end
    end
end

assign stage2_done = done_reg;

eprop_engine #(
    .TAG_W       (TAG_W),
    .AXIL_ADDR_W (AXIL_ADDR_W),
    .CNT_W       (CNT_W),
    .TRACE_EN    (TRACE_EN),
    .INIT_IMAGE  (INIT_EPROP)
) stage2_inst (
    .clk            (gclk_stage2),
    .rst            (stage2_rst),
    .s_beat_data    (stage2_data),
    .s_beat_tag     (stage2_tag[TAG_W-1:0]),
    .s_beat_learn   (stage2_tag[TAG_W+2]),
    .s_beat_label   (stage2_tag[TAG_W +: 2]),
    .s_beat_valid   (ep_beat_valid),
    .s_beat_ready   (ep_beat_ready),
    .m_dec_class    (m_dec2_class),
    .m_dec_y        (m_dec2_y),
    .m_dec_tag      (m_dec2_tag),
    .m_dec_learned  (m_dec2_learned),
    .m_dec_cfg_err  (m_dec2_cfg_err),
    .m_dec_valid    (ep_dec_valid),
    .m_dec_ready    (m_dec2_ready),
    .s_axil_awaddr  (s2_axil_awaddr),
    .s_axil_awprot  (s2_axil_awprot),
    .s_axil_awvalid (s2_axil_awvalid),
    .s_axil_awready (s2_axil_awready),
    .s_axil_wdata   (s2_axil_wdata),
    .s_axil_wstrb   (s2_axil_wstrb),
    .s_axil_wvalid  (s2_axil_wvalid),
    .s_axil_wready  (s2_axil_wready),
    .s_axil_bresp   (s2_axil_bresp),
    .s_axil_bvalid  (s2_axil_bvalid),
    .s_axil_bready  (s2_axil_bready),
    .s_axil_araddr  (s2_axil_araddr),
    .s_axil_arprot  (s2_axil_arprot),
    .s_axil_arvalid (s2_axil_arvalid),
    .s_axil_arready (s2_axil_arready),
    .s_axil_rdata   (s2_axil_rdata),
    .s_axil_rresp   (s2_axil_rresp),
    .s_axil_rvalid  (s2_axil_rvalid),
    .s_axil_rready  (s2_axil_rready),
    .trc_valid      (ep_trc_valid),
    .trc_kind       (ep_trc_kind),
    .trc_index      (ep_trc_index),
    .trc_step       (ep_trc_step),
    .trc_value      (ep_trc_value)
);

assign m_dec2_valid = ep_dec_valid;

endmodule

`resetall
