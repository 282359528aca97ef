// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// tb_pipeline_bench -- plain-Verilog bulk benchmark of the whole two-stage pipeline
// (ecg_pipeline_top) on Icarus and Verilator; scripts/bench_pipeline.py builds it and compares
// its output with the golden chain (encoder, RR unit, IF screen, e-prop network).  The IF banks
// and the e-prop image are preloaded (INIT_BANK0..3, INIT_EPROP).  With +learn=1 the bench
// writes CTRL.LEARN = 1 over the stage-2 AXI4-Lite port before the first sample.
//
// Input file (+in): one sample per line, "<wake 1h> <tuser 8h> <word 5h>": word = {tlast, sample};
// tuser (used with sample 0 of a frame) = {learn, label[1:0], rr_first, rr_delta[15:0], tag[11:0]};
// wake drives wake_all.  A line "2 0 0" is a barrier: the bench stops sending until every frame
// sent has its stage-1 decision and stage 2 is idle (so wake_all changes between beats).
// Output file (+out):
//   D1 <class 1h> <tag 3h> <abnormal 1h> <cycle dec>           stage-1 decision handshake
//   D2 <class 1h> <y 16h> <tag 3h> <learned 1h> <cycle dec> <cfg_err dec>  stage-2 decision handshake
//   L <cycle dec>                                              handshake of a frame's last sample
//   M <word 3h> <weights 32h> <acc 96h>                        stage-2 memories at the end
//   A <resp 1h>                                                the CTRL write's response
//   F <cycles dec> <frames dec> <d1 dec> <d2 dec> <gclk edges dec>   end of run
//   X timeout <cycle dec>
// Trace file (+trc, TRACE_EN=1): the e-prop engine's trace records, "<kind 2h><index 4h>
// <step 4h><value 8h>" without spaces (the encoder's and IF engine's trace ports are not written).
// Plusargs: +seed=<n> +bp_pct=<0..99> (back-pressure on both decision ports) +learn=<0|1>
// +stall_limit=<n> (default 2000000 cycles without a handshake); +idle_pct and +progress (read
// by tb_bench.vh) are not used.
//
// Shared with the other benches: clock, reset, plusargs, files, random numbers, trace lines
// (verif/common/tb_bench.vh), the AXI4-Lite master on the stage-2 port (verif/common/
// tb_axil_master.vh) and, with tb_eprop_bench, the M lines (verif/common/tb_eprop_dump.vh).

module tb_pipeline_bench #(
    parameter TRACE_EN   = 1,
    parameter INIT_BANK0 = "",
    parameter INIT_BANK1 = "",
    parameter INIT_BANK2 = "",
    parameter INIT_BANK3 = "",
    parameter INIT_EPROP = "",
    // the encoder gaps (golden/params/encoder.json), given at build time
    parameter DELTA_S    = 1,
    parameter DELTA_L    = 1
);

localparam TAG_W = 12;
localparam DRAIN_CYCLES = 64;

`include "tb_bench.vh"
`include "tb_axil_master.vh"
`include "tb_eprop_dump.vh"

reg  [15:0]       s_axis_tdata = 16'd0;
reg               s_axis_tvalid = 1'b0;
wire              s_axis_tready;
reg               s_axis_tlast = 1'b0;
reg  [TAG_W+19:0] s_axis_tuser = {(TAG_W+20){1'b0}};
reg               wake_all = 1'b0;
wire [1:0]        m_dec_class;
wire [TAG_W-1:0]  m_dec_tag;
wire              m_dec_abnormal;
wire              m_dec_valid;
reg               m_dec_ready = 1'b0;
wire [1:0]        m_dec2_class;
wire [63:0]       m_dec2_y;
wire [TAG_W-1:0]  m_dec2_tag;
wire              m_dec2_learned;
wire              m_dec2_cfg_err;
wire              m_dec2_valid;
reg               m_dec2_ready = 1'b0;
wire              gclk_stage2;
wire              stage2_valid;
wire              ep_trc_valid;
wire [7:0]        ep_trc_kind;
wire [15:0]       ep_trc_index;
wire [15:0]       ep_trc_step;
wire [31:0]       ep_trc_value;

localparam integer DS_I = DELTA_S;
localparam integer DL_I = DELTA_L;
wire [`ECG_ENC_DELTA_W-1:0] delta_s = DS_I[`ECG_ENC_DELTA_W-1:0];
wire [`ECG_ENC_DELTA_W-1:0] delta_l = DL_I[`ECG_ENC_DELTA_W-1:0];

/* verilator lint_off PINCONNECTEMPTY */
ecg_pipeline_top #(
    .TAG_W      (TAG_W),
    .TRACE_EN   (TRACE_EN),
    .INIT_BANK0 (INIT_BANK0),
    .INIT_BANK1 (INIT_BANK1),
    .INIT_BANK2 (INIT_BANK2),
    .INIT_BANK3 (INIT_BANK3),
    .INIT_EPROP (INIT_EPROP)
) dut_inst (
    .clk (clk), .rst (rst),
    .cfg_delta_s (delta_s), .cfg_delta_l (delta_l),
    .wake_all (wake_all),
    .s_axis_tdata (s_axis_tdata), .s_axis_tvalid (s_axis_tvalid), .s_axis_tready (s_axis_tready),
    .s_axis_tlast (s_axis_tlast), .s_axis_tuser (s_axis_tuser),
    .m_dec_class (m_dec_class), .m_dec_vout0 (), .m_dec_vout1 (), .m_dec_tag (m_dec_tag),
    .m_dec_abnormal (m_dec_abnormal), .m_dec_stages (), .m_dec_mode (), .m_dec_bank (),
    .m_dec_valid (m_dec_valid), .m_dec_ready (m_dec_ready),
    .m_dec2_class (m_dec2_class), .m_dec2_y (m_dec2_y), .m_dec2_tag (m_dec2_tag),
    .m_dec2_learned (m_dec2_learned), .m_dec2_cfg_err (m_dec2_cfg_err), .m_dec2_valid (m_dec2_valid), .m_dec2_ready (m_dec2_ready),
    .s1_axil_awaddr (8'd0), .s1_axil_awprot (3'd0), .s1_axil_awvalid (1'b0), .s1_axil_awready (),
    .s1_axil_wdata (32'd0), .s1_axil_wstrb (4'd0), .s1_axil_wvalid (1'b0), .s1_axil_wready (),
    .s1_axil_bresp (), .s1_axil_bvalid (), .s1_axil_bready (1'b1), .s1_axil_araddr (8'd0),
    .s1_axil_arprot (3'd0), .s1_axil_arvalid (1'b0), .s1_axil_arready (), .s1_axil_rdata (),
    .s1_axil_rresp (), .s1_axil_rvalid (), .s1_axil_rready (1'b1),
    `TB_AXIL_PORTS(s2_axil_),
    .gclk_stage2 (gclk_stage2), .stage2_valid (stage2_valid), .hs_fire (), .hs_gate_en (),
    .stat_sat (), .stat_len_err (), .stat_cfg_err (), .stat_beats (), .stat_abnormal (),
    .stat_dropped (), .stat_wakeups (), .stat_gclk_edges (), .stat_stall_cycles (),
    .enc_trc_valid (), .enc_trc_kind (), .enc_trc_index (), .enc_trc_step (), .enc_trc_value (),
    .snn_trc_valid (), .snn_trc_kind (), .snn_trc_index (), .snn_trc_step (), .snn_trc_value (),
    .ep_trc_valid (ep_trc_valid), .ep_trc_kind (ep_trc_kind), .ep_trc_index (ep_trc_index),
    .ep_trc_step (ep_trc_step), .ep_trc_value (ep_trc_value)
);
/* verilator lint_on PINCONNECTEMPTY */

reg [31:0] arg_learn, r1, r2;
reg [3:0]  l_wake;
reg [31:0] l_user;
reg [19:0] l_word;

initial begin
    bench_plusargs(32'd2000000, 1'b0);
    if (!$value$plusargs("learn=%d", arg_learn)) arg_learn = 32'd0;
    bench_open_files(TRACE_EN != 0);
end

reg  [31:0] frames = 32'd0, d1 = 32'd0, d2 = 32'd0, gedges = 32'd0;
reg         barrier = 1'b0, cfg_done = 1'b0, ax_done;

always @(posedge gclk_stage2) begin
    if (!rst) begin
        gedges <= gedges + 32'd1;
    end
end

always @(posedge clk) begin
    if (!rst) begin
        // ---- monitors
        if (ep_trc_valid) begin
            bench_trace(ep_trc_kind, ep_trc_index, ep_trc_step, ep_trc_value);
        end
        if (m_dec_valid && m_dec_ready) begin
            $fdisplay(fd_out, "D1 %h %h %h %0d", m_dec_class, m_dec_tag, m_dec_abnormal, cycle);
            d1 = d1 + 32'd1;
        end
        if (m_dec2_valid && m_dec2_ready) begin
            $fdisplay(fd_out, "D2 %h %h %h %h %0d %0d", m_dec2_class, m_dec2_y, m_dec2_tag, m_dec2_learned, cycle,
                      m_dec2_cfg_err);
            d2 = d2 + 32'd1;
        end
        if (s_axis_tvalid && s_axis_tready && s_axis_tlast) begin
            $fdisplay(fd_out, "L %0d", cycle);
            frames = frames + 32'd1;
        end
        // ---- CTRL.LEARN over the stage-2 port (once, before the first sample)
        if (!cfg_done) begin
            if (arg_learn == 32'd0) begin
                cfg_done = 1'b1;
            end else if (cycle < 32'd8) begin
                // stage 2's reset (stage2_rst) ends 2 cycles after rst: a write before would be lost
            end else begin
                axil_step(ax_done);
                if (ax_done) begin
                    $fdisplay(fd_out, "A %h", axil_resp);
                    cfg_done = 1'b1;
                end else if (axil_st == AXIL_IDLE) begin
                    axil_write(8'h08, 32'd1);
                end
            end
        end
        // ---- random back-pressure (two draws per cycle)
        bench_draw(r1);
        bench_draw(r2);
        m_dec_ready  <= r1 >= bp_pct;
        m_dec2_ready <= r2 >= bp_pct;
        // ---- sample driver
        if (barrier && d1 == frames && !stage2_valid && !m_dec2_valid) begin
            barrier = 1'b0;
        end
        if (!s_axis_tvalid || s_axis_tready) begin
            s_axis_tvalid <= 1'b0;
            if (cfg_done && !eof && !barrier) begin
                code = $fscanf(fd_in, "%h %h %h\n", l_wake, l_user, l_word);
                if (code != 3) begin
                    eof = 1'b1;
                end else if (l_wake == 4'd2) begin
                    barrier = 1'b1;
                end else begin
                    wake_all      <= l_wake[0];
                    s_axis_tuser  <= l_user[TAG_W+19:0];
                    s_axis_tdata  <= l_word[15:0];
                    s_axis_tlast  <= l_word[16];
                    s_axis_tvalid <= 1'b1;
                end
            end
        end
        // ---- end and watchdog
        bench_watch(eof && !s_axis_tvalid && d1 == frames && !stage2_valid && !m_dec2_valid && !m_dec_valid,
                    (s_axis_tvalid && s_axis_tready) || (m_dec_valid && m_dec_ready)
                        || (m_dec2_valid && m_dec2_ready) || ep_trc_valid || barrier);
        if (quiet >= DRAIN_CYCLES || stall >= stall_limit) begin
            if (stall >= stall_limit) begin
                $fdisplay(fd_out, "X timeout %0d", cycle);
            end
            `TB_EPROP_DUMP(dut_inst.stage2_inst)
            $fdisplay(fd_out, "F %0d %0d %0d %0d %0d", cycle, frames, d1, d2, gedges);
            bench_finish;
        end
        cycle = cycle + 32'd1;
    end
end

endmodule

`resetall
