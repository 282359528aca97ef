// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// ecg_stage1_top -- the first stage of the ECG classifier and its wake-up path, see
// docs/system.md.  A stream of signed ECG samples (frames of BEAT_LEN samples, tlast on the last,
// a host beat tag and the beat's RR sideband in s_axis_tuser, sampled with sample 0 of every frame)
// enters the spike encoder
// (spike_encoder); every well-formed beat's 500-slot register goes over the beat link, with its
// tag, to the event-driven IF engine (if_engine), whose two passes read {RR bits, 250 slots}: the
// RR unit (rr_unit) turns the beat's sideband into 11 timing bits as the engine takes the beat.  A
// copy of slots, RR bits and tag is kept in the
// in-flight register until the beat's decision has been handed on.  Every decision leaves on
// m_dec (class or severity, output membranes, tag, abnormal flag); an abnormal one (screen class
// 1, or cascade severity >= 1) also hands the in-flight slots and tag to the wake-up path
// (wakeup_path), whose Click element and clock gate wake the second stage on gclk_stage2.  Frames
// the encoder discards for a wrong length discard their tag too: the tag queue follows the
// encoder's per-sample spike stream (consumed here, tready tied high), whose tlast element says
// whether the frame ended well formed (err = 0: the tag joins the beat) or not (err = 1: the tag is
// dropped).  The engine's decision is a fork to m_dec and the wake-up path: the engine is released
// only when both took it, so a slow stage 2 or m_dec consumer holds the engine, which holds the
// beat link, which fills the encoder's double buffer and stalls s_axis (nothing is lost).
// Latency (TRACE_EN = 0, consumers ready): the engine takes a beat at the rising edge after the
// handshake of the beat's last sample (edge e+1 if that handshake is edge e, engine idle);
// m_dec_valid rises N cycles later (N = the engine's cycle count, docs/snn_if_rtl.md), the
// decision and wake-up handshakes are at edge e+N+2, gclk_stage2's first edge at e+N+3.  The
// engine is free for the next beat one cycle after the decision handshake, so back-to-back beats
// take N+2 cycles each (the encoder's 250 cycles per beat overlap with the engine).

module ecg_stage1_top #(
    // beat tag width (s_axis_tuser -> m_dec_tag, stage2_tag)
    parameter TAG_W       = 16,
    // AXI4-Lite address width of the IF engine's slave
    parameter AXIL_ADDR_W = 8,
    // width of the wrapping statistics counters (this module's and the wake-up path's)
    parameter CNT_W       = 32,
    // 1: drive both trace ports (encoder and engine, verification); 0: tie them to zero
    parameter TRACE_EN    = 0,
    // synthesis form of the stage-2 clock gate: 0 latch, 1 Xilinx BUFGCE, 2 Lattice ECP5 DCCA
    parameter GATE_KIND   = 0,
    // 1: a one-entry wake-up queue (528 flip-flops with TAG_W = 16) takes a waking decision while stage 2 still
    // serves the previous beat, so the engine goes on (docs/system.md "Release timing"); 0: no
    // queue, a waking decision waits until stage 2 has finished the previous beat
    parameter WAKE_QUEUE  = 1,
    // optional $readmemh images preloading the engine's weight banks 0..3 ("" = none)
    parameter INIT_BANK0  = "",
    parameter INIT_BANK1  = "",
    parameter INIT_BANK2  = "",
    parameter INIT_BANK3  = ""
) (
    input  wire                         clk,
    input  wire                         rst,            // synchronous, active high

    // encoder threshold gaps, sampled with sample 0 of every beat (0 -> 1, stat_cfg_err)
    input  wire [`ECG_ENC_DELTA_W-1:0]  cfg_delta_s,
    input  wire [`ECG_ENC_DELTA_W-1:0]  cfg_delta_l,

    // sample stream in: signed samples, tlast on the last sample of a frame, tuser (sampled with
    // sample 0 of the frame) = {rr_first, rr_delta[15:0], tag[TAG_W-1:0]}: rr_first = first beat
    // of a record, rr_delta = pre-RR interval in samples (docs/rr.md), tag = host beat tag
    input  wire [`ECG_STREAM_SAMPLE_W-1:0] s_axis_tdata,
    input  wire                         s_axis_tvalid,
    output wire                         s_axis_tready,
    input  wire                         s_axis_tlast,
    input  wire [TAG_W+16:0]            s_axis_tuser,

    // decision out, one per well-formed beat: class (screen 0/1, cascade severity 0..3), the
    // output membranes of the last stage run, tag, abnormal (class != 0: the beat woke stage 2),
    // stages run, mode, bank of the last stage
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

    // AXI4-Lite slave of the IF engine (mode, bank, weights, statistics; docs/snn_if_rtl.md)
    input  wire [AXIL_ADDR_W-1:0]       s_axil_awaddr,
    /*verilator coverage_off*/
    input  wire [2:0]                   s_axil_awprot,          // ignored by the engine
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
    input  wire [2:0]                   s_axil_arprot,          // ignored by the engine
    /*verilator coverage_on*/
    input  wire                         s_axil_arvalid,
    output wire                         s_axil_arready,
    output wire [31:0]                  s_axil_rdata,
    output wire [1:0]                   s_axil_rresp,
    output wire                         s_axil_rvalid,
    input  wire                         s_axil_rready,

    // stage-2 port (the gclk_stage2 domain; docs/wakeup.md)
    output wire                         gclk_stage2,    // gated clock: no edge while idle
    output wire                         stage2_rst,     // stage 2's synchronous reset
    output wire [`ECG_ENC_SLOTS+`ECG_SNN_N_RR-1:0] stage2_data,  // {RR bits, slots} of the abnormal beat
    output wire [TAG_W-1:0]             stage2_tag,     // and its tag
    output wire                         stage2_valid,   // a beat is outstanding
    input  wire                         stage2_done,    // two-phase acknowledge
    input  wire                         stage2_cfg_wake, // stage 2's configuration port is in use:
                                                         // the gate opens (docs/wakeup.md)
    // calibration: while high when the engine takes a beat, that beat is handed to stage 2
    // whatever its class (m_dec_abnormal still reports the class); 0 in normal operation
    input  wire                         wake_all,

    // Click element and gate enable of the wake-up path (testbench and debugging)
    output wire                         hs_req_in,
    output wire                         hs_ack_in,
    output wire                         hs_req_out,
    output wire                         hs_ack_out,
    output wire                         hs_fire,
    output wire                         hs_gate_en,

    // encoder status: one-cycle pulses (a sample saturated, a frame had the wrong length) and
    // the sticky zero-gap flag
    output wire                         stat_sat,
    output wire                         stat_len_err,
    output wire                         stat_cfg_err,

    // statistics, cleared by rst, wrapping.  Excluded from toggle coverage (as in wakeup_path):
    // the upper bits of 32-bit counters cannot toggle in a test; their values are compared.
    /*verilator coverage_off*/
    output wire [CNT_W-1:0]             stat_beats,         // beats taken by the engine
    output wire [CNT_W-1:0]             stat_abnormal,      // abnormal decisions delivered
    output wire [CNT_W-1:0]             stat_dropped,       // frames discarded (wrong length)
    output wire [CNT_W-1:0]             stat_wakeups,       // wake-up path: beats handed to stage 2
    output wire [CNT_W-1:0]             stat_gclk_edges,    // wake-up path: gated edges for beats
    output wire [CNT_W-1:0]             stat_stall_cycles,  // wake-up path: requests held back

    // trace ports (TRACE_EN = 1): the encoder's (kind TRC_ENC_STATE, one record per spike
    // element) and the engine's (kinds TRC_SNN_*), side by side, unchanged (both can be valid in
    // the same cycle: the encoder works on the next beat while the engine runs).  Verification
    // infrastructure, tied off in synthesis, excluded from toggle coverage, compared exactly.
    output wire                         enc_trc_valid,
    output wire [7:0]                   enc_trc_kind,
    output wire [15:0]                  enc_trc_index,
    output wire [15:0]                  enc_trc_step,
    output wire [31:0]                  enc_trc_value,
    output wire                         snn_trc_valid,
    output wire [7:0]                   snn_trc_kind,
    output wire [15:0]                  snn_trc_index,
    output wire [15:0]                  snn_trc_step,
    output wire [31:0]                  snn_trc_value
    /*verilator coverage_on*/
);

// ---------------------------------------------------------------------------------------------
// Parameter checks
// ---------------------------------------------------------------------------------------------

localparam SLOTS = `ECG_ENC_SLOTS;                  // encoder beat register width
localparam N_RR  = `ECG_SNN_N_RR;                   // RR bits appended to each engine pass
localparam HALF  = SLOTS / 2;                       // slots per pass
localparam FU_W  = TAG_W + 17;                      // frame sideband {rr_first, rr_delta, tag}

`ifndef SYNTHESIS
initial begin
    if (SLOTS + 2 * N_RR != 2 * `ECG_SNN_N_IN) begin
        $error("ecg_stage1_top: encoder slots %0d + 2 x %0d RR bits != engine input 2*N_IN = %0d",
               SLOTS, N_RR, 2 * `ECG_SNN_N_IN);
        $finish;
    end
    if (TAG_W < 1 || TAG_W > 16) begin
        $error("ecg_stage1_top: TAG_W=%0d must be 1..16 (the engine's tag)", TAG_W);
        $finish;
    end
    if (CNT_W < 1 || CNT_W > 32) begin
        $error("ecg_stage1_top: CNT_W=%0d must be 1..32", CNT_W);
        $finish;
    end
    if (TRACE_EN != 0 && TRACE_EN != 1) begin
        $error("ecg_stage1_top: TRACE_EN=%0d must be 0 or 1", TRACE_EN);
        $finish;
    end
    if (WAKE_QUEUE != 0 && WAKE_QUEUE != 1) begin
        $error("ecg_stage1_top: WAKE_QUEUE=%0d must be 0 or 1", WAKE_QUEUE);
        $finish;
    end
end
`endif

localparam [CNT_W-1:0] CNT_ONE = {{(CNT_W-1){1'b0}}, 1'b1};

// ---------------------------------------------------------------------------------------------
// Spike encoder
// ---------------------------------------------------------------------------------------------

wire [3:0]       enc_spk_tdata;                     // spike stream: only tlast / err are used
wire [8:0]       enc_spk_tuser;                     // {err, index}
wire             enc_spk_tvalid;
wire             enc_spk_tlast;
wire [SLOTS-1:0] enc_beat_slots;                    // beat link (encoder side)
wire [7:0]       enc_beat_nspk;
wire             enc_beat_valid;
wire             enc_beat_ready;

spike_encoder #(
    .TRACE_EN (TRACE_EN)
) enc_inst (
    .clk               (clk),
    .rst               (rst),
    .cfg_delta_s       (cfg_delta_s),
    .cfg_delta_l       (cfg_delta_l),
    .s_axis_tdata      (s_axis_tdata),
    .s_axis_tvalid     (s_axis_tvalid),
    .s_axis_tready     (s_axis_tready),
    .s_axis_tlast      (s_axis_tlast),
    .m_axis_spk_tdata  (enc_spk_tdata),
    .m_axis_spk_tuser  (enc_spk_tuser),
    .m_axis_spk_tvalid (enc_spk_tvalid),
    .m_axis_spk_tready (1'b1),                      // observed, never held: one element per cycle
    .m_axis_spk_tlast  (enc_spk_tlast),
    .m_beat_slots      (enc_beat_slots),
    .m_beat_nspk       (enc_beat_nspk),
    .m_beat_valid      (enc_beat_valid),
    .m_beat_ready      (enc_beat_ready),
    .stat_sat          (stat_sat),
    .stat_len_err      (stat_len_err),
    .stat_cfg_err      (stat_cfg_err),
    .trc_valid         (enc_trc_valid),
    .trc_kind          (enc_trc_kind),
    .trc_index         (enc_trc_index),
    .trc_step          (enc_trc_step),
    .trc_value         (enc_trc_value)
);

// the spike bits and the sample index are not needed here (the engine reads the beat register)
wire unused_spk = ^{enc_spk_tdata, enc_spk_tuser[7:0], enc_beat_nspk};

// ---------------------------------------------------------------------------------------------
// Tags: captured with sample 0 of every frame, queued per well-formed beat
// ---------------------------------------------------------------------------------------------
// A frame is the run of accepted samples up to one with tlast (the encoder's definition), so the
// sample after a tlast (or the first after reset) is sample 0.  The encoder's spike element with
// tlast comes one cycle after the handshake of the frame's last sample (index BEAT_LEN-1, or an
// earlier tlast); with err = 0 the frame became a beat and its tag joins the beat-tag queue, with
// err = 1 the frame was discarded and so is its tag.  The queue holds the tags of the beats in
// the encoder's two beat buffers (output register and pending beat): at most 2.  Its head goes
// with the beat on the link; when the queue is empty, the tag of the beat that completes in this
// very cycle is taken straight from the frame-tag register (bypass).

wire in_fire  = s_axis_tvalid && s_axis_tready;
wire spk_end  = enc_spk_tvalid && enc_spk_tlast;    // a frame ended (tready is tied high)
wire spk_err  = enc_spk_tuser[8];
wire beat_end = spk_end && !spk_err;                // ... as a well-formed beat

reg              sof_reg;                           // the next accepted sample is sample 0
reg  [FU_W-1:0]  ftag_reg;                          // sideband of the frame being received
reg  [FU_W-1:0]  btag0_reg, btag1_reg;              // beat-sideband queue (0 = head)
reg  [1:0]       btag_cnt_reg;                      // entries in the queue (0..2)

wire             btag_any  = btag_cnt_reg != 2'd0;
wire             tag_avail = btag_any || beat_end;
wire [FU_W-1:0]  link_user = btag_any ? btag0_reg : ftag_reg;
wire [TAG_W-1:0] link_tag  = link_user[TAG_W-1:0];

// beat link: the engine takes the encoder's beat with its tag
wire eng_beat_ready;
wire link_valid = enc_beat_valid && tag_avail;
wire link_fire  = link_valid && eng_beat_ready;

assign enc_beat_ready = eng_beat_ready && tag_avail;

always @(posedge clk) begin
    if (in_fire && sof_reg) begin
        ftag_reg <= s_axis_tuser;
    end
end

always @(posedge clk) begin
    if (rst) begin
        sof_reg      <= 1'b1;
        btag_cnt_reg <= 2'd0;
    end else begin
        if (in_fire) begin
            sof_reg <= s_axis_tlast;
        end
        // push beat_end (tag ftag_reg), pop link_fire; both at once with an empty queue = bypass
        if (beat_end && !link_fire) begin
            btag_cnt_reg <= btag_cnt_reg + 2'd1;
        end else if (link_fire && !beat_end) begin
            btag_cnt_reg <= btag_cnt_reg - 2'd1;
        end
    end
end

// (a push into a full queue cannot happen: with two beats buffered the encoder's input is stalled,
// so no frame can end before the link takes one)
always @(posedge clk) begin
    if (link_fire) begin
        btag0_reg <= (btag_cnt_reg == 2'd2) ? btag1_reg : ftag_reg;
    end else if (beat_end) begin
        if (btag_any) begin
            btag1_reg <= ftag_reg;
        end else begin
            btag0_reg <= ftag_reg;
        end
    end
end

// ---------------------------------------------------------------------------------------------
// RR unit: the beat's timing bits, combinational in the cycle the engine takes the beat
// ---------------------------------------------------------------------------------------------

wire [N_RR-1:0] rr_bits;

rr_unit #(
    .DELTA_W (16)
) rr_inst (
    .clk      (clk),
    .rst      (rst),
    .in_adv   (link_fire),
    .in_first (link_user[FU_W-1]),
    .in_delta (link_user[TAG_W +: 16]),
    .out_bits (rr_bits)
);

// engine input: pass t = {RR bits, slots[250t +: 250]}
wire [2*(HALF+N_RR)-1:0] eng_beat_in = {rr_bits, enc_beat_slots[SLOTS-1:HALF], rr_bits, enc_beat_slots[HALF-1:0]};

// ---------------------------------------------------------------------------------------------
// In-flight beat: slots and tag of the beat the engine runs, for the wake-up path
// ---------------------------------------------------------------------------------------------
// Loaded at the link handshake (data only, qualified by the engine's decision).  The engine takes
// no new beat before its decision handshake, which waits for the wake-up side (the wake-up path
// itself, or the wake-up queue, which copies the register), so the register cannot change while a
// waking decision has not been taken.

reg [SLOTS+N_RR-1:0] flight_slots_reg;            // {RR bits, slots}
reg [TAG_W-1:0] flight_tag_reg;
reg             flight_wake_reg;                  // wake_all when the engine took the beat

always @(posedge clk) begin
    if (link_fire) begin
        flight_slots_reg <= {rr_bits, enc_beat_slots};
        flight_tag_reg   <= link_tag;
        flight_wake_reg  <= wake_all;
    end
end

// ---------------------------------------------------------------------------------------------
// IF engine
// ---------------------------------------------------------------------------------------------

wire [1:0]                 eng_dec_class;
wire [`ECG_SNN_VMEM_W-1:0] eng_dec_vout0;
wire [`ECG_SNN_VMEM_W-1:0] eng_dec_vout1;
wire [TAG_W-1:0]           eng_dec_tag;
wire [1:0]                 eng_dec_stages;
wire                       eng_dec_mode;
wire [1:0]                 eng_dec_bank;
wire                       eng_dec_valid;
wire                       eng_dec_ready;

if_engine #(
    .TAG_W       (TAG_W),
    .AXIL_ADDR_W (AXIL_ADDR_W),
    .TRACE_EN    (TRACE_EN),
    .INIT_BANK0  (INIT_BANK0),
    .INIT_BANK1  (INIT_BANK1),
    .INIT_BANK2  (INIT_BANK2),
    .INIT_BANK3  (INIT_BANK3)
) eng_inst (
    .clk            (clk),
    .rst            (rst),
    .s_beat_slots   (eng_beat_in),
    .s_beat_tag     (link_tag),
    .s_beat_valid   (link_valid),
    .s_beat_ready   (eng_beat_ready),
    .m_dec_class    (eng_dec_class),
    .m_dec_vout0    (eng_dec_vout0),
    .m_dec_vout1    (eng_dec_vout1),
    .m_dec_tag      (eng_dec_tag),
    .m_dec_stages   (eng_dec_stages),
    .m_dec_mode     (eng_dec_mode),
    .m_dec_bank     (eng_dec_bank),
    .m_dec_valid    (eng_dec_valid),
    .m_dec_ready    (eng_dec_ready),
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
    .trc_valid      (snn_trc_valid),
    .trc_kind       (snn_trc_kind),
    .trc_index      (snn_trc_index),
    .trc_step       (snn_trc_step),
    .trc_value      (snn_trc_value)
);

// ---------------------------------------------------------------------------------------------
// Decision fork: m_dec (every beat) and the wake-up path (abnormal beats)
// ---------------------------------------------------------------------------------------------
// Each side takes the engine's decision once; a side that took it early is marked sent and waits
// for the other.  The engine's decision handshake happens when both sides have it; until then the
// engine holds (back-pressure).  The wake-up side of a waking decision is the wake-up queue in
// front of the wake-up path (WAKE_QUEUE = 1): the decision goes straight to the wake-up path when
// the queue is empty and the path is ready (the same cycles as without a queue), else into the
// queue when it is empty or is emptied into the path in this cycle.  So the wake-up side holds up
// to two beats not yet acknowledged by stage 2 (one in stage 2, one queued), and the engine
// takes its next beat while stage 2 still serves the previous one.  The wake-up path's request
// comes from the queue first (order kept).  All valids come from registers only.

wire dec_abn = eng_dec_class != 2'd0;               // screen class 1, or cascade severity >= 1

reg  dec_sent_reg;                                  // m_dec took this decision already
reg  wake_sent_reg;                                 // the wake-up side took this beat already

wire dec_wake = dec_abn || flight_wake_reg;        // the beat goes to stage 2

reg                  wq_valid_reg;                  // wake-up queue: a beat waits for the path
reg [SLOTS+N_RR-1:0] wq_slots_reg;                  // (data: no reset, qualified by wq_valid_reg)
reg [TAG_W-1:0]      wq_tag_reg;

wire fork_wake = eng_dec_valid && dec_wake && !wake_sent_reg;   // the wake-up side is still owed it

// the wake-up path's request: the queued beat, else the decision itself
wire                  wake_tvalid = wq_valid_reg || fork_wake;
wire                  wake_tready;
wire [SLOTS+N_RR-1:0] wake_tdata  = wq_valid_reg ? wq_slots_reg : flight_slots_reg;
wire [TAG_W-1:0]      wake_tuser  = wq_valid_reg ? wq_tag_reg : flight_tag_reg;

wire fork_direct = fork_wake && !wq_valid_reg && wake_tready;               // straight into the path
wire fork_queue  = (WAKE_QUEUE != 0) && fork_wake && !fork_direct
                   && (!wq_valid_reg || wake_tready);                       // into the queue
wire fork_take   = fork_direct || fork_queue;

assign eng_dec_ready = (dec_sent_reg || m_dec_ready) && (!dec_wake || wake_sent_reg || fork_take);

wire eng_dec_fire = eng_dec_valid && eng_dec_ready;

always @(posedge clk) begin
    if (rst) begin
        dec_sent_reg  <= 1'b0;
        wake_sent_reg <= 1'b0;
        wq_valid_reg  <= 1'b0;
    end else begin
        if (eng_dec_fire) begin
            dec_sent_reg  <= 1'b0;
            wake_sent_reg <= 1'b0;
        end else begin
            if (m_dec_valid && m_dec_ready) begin
                dec_sent_reg <= 1'b1;
            end
            if (fork_take) begin
                wake_sent_reg <= 1'b1;
            end
        end
        if (fork_queue) begin
            wq_valid_reg <= 1'b1;
        end else if (wq_valid_reg && wake_tready) begin
            wq_valid_reg <= 1'b0;
        end
    end
end

always @(posedge clk) begin
    if (fork_queue) begin
        wq_slots_reg <= flight_slots_reg;
        wq_tag_reg   <= flight_tag_reg;
    end
end

assign m_dec_class    = eng_dec_class;
assign m_dec_vout0    = eng_dec_vout0;
assign m_dec_vout1    = eng_dec_vout1;
assign m_dec_tag      = eng_dec_tag;
assign m_dec_abnormal = dec_abn;
assign m_dec_stages   = eng_dec_stages;
assign m_dec_mode     = eng_dec_mode;
assign m_dec_bank     = eng_dec_bank;
assign m_dec_valid    = eng_dec_valid && !dec_sent_reg;

// ---------------------------------------------------------------------------------------------
// Wake-up path
// ---------------------------------------------------------------------------------------------

wakeup_path #(
    .DATA_W     (SLOTS + N_RR),
    .TAG_W      (TAG_W),
    .CNT_W      (CNT_W),
    .GATE_KIND  (GATE_KIND)
) wake_inst (
    .clk               (clk),
    .rst               (rst),
    .s_axis_tdata      (wake_tdata),
    .s_axis_tuser      (wake_tuser),
    .s_axis_tvalid     (wake_tvalid),
    .s_axis_tready     (wake_tready),
    .gclk_stage2       (gclk_stage2),
    .stage2_rst        (stage2_rst),
    .stage2_data       (stage2_data),
    .stage2_tag        (stage2_tag),
    .stage2_valid      (stage2_valid),
    .stage2_done       (stage2_done),
    .cfg_wake          (stage2_cfg_wake),
    .hs_req_in         (hs_req_in),
    .hs_ack_in         (hs_ack_in),
    .hs_req_out        (hs_req_out),
    .hs_ack_out        (hs_ack_out),
    .hs_fire           (hs_fire),
    .hs_gate_en        (hs_gate_en),
    .stat_wakeups      (stat_wakeups),
    .stat_gclk_edges   (stat_gclk_edges),
    .stat_stall_cycles (stat_stall_cycles)
);

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

/*verilator coverage_off*/
reg [CNT_W-1:0] beats_reg;
reg [CNT_W-1:0] abnormal_reg;
reg [CNT_W-1:0] dropped_reg;
/*verilator coverage_on*/

always @(posedge clk) begin
    if (rst) begin
        beats_reg    <= {CNT_W{1'b0}};
        abnormal_reg <= {CNT_W{1'b0}};
        dropped_reg  <= {CNT_W{1'b0}};
    end else begin
        if (link_fire) begin
            beats_reg <= beats_reg + CNT_ONE;
        end
        if (eng_dec_fire && dec_abn) begin
            abnormal_reg <= abnormal_reg + CNT_ONE;
        end
        if (spk_end && spk_err) begin
            dropped_reg <= dropped_reg + CNT_ONE;
        end
    end
end

assign stat_beats    = beats_reg;
assign stat_abnormal = abnormal_reg;
assign stat_dropped  = dropped_reg;

endmodule

`resetall
