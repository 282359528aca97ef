// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// tb_eprop_bench -- plain-Verilog bulk benchmark for eprop_engine that runs unchanged on Icarus
// (iverilog -g2012) and Verilator (--binary --timing); scripts/bench.py --block snn_eprop builds
// it and compares its output files with golden/eprop.py (verif/common/eprop.py).  The weight
// memory is preloaded through the engine's INIT_IMAGE parameter ($readmemh of a
// golden/params/eprop/*.hex image).  CTRL.LEARN is written over AXI4-Lite before the first beat.
// The bench streams an input file into s_beat one beat per line, drives random idle cycles on
// s_beat and back-pressure on m_dec from its own xorshift32 generator (identical on both
// simulators for the same +seed), and writes every observable event to two output files in the
// cycle it happens.  After every decision it reads the five statistics registers over
// AXI4-Lite (m_dec_ready is held low until those reads are done).  At the end it writes the
// weight memory and the accumulators (words whose valid bit is clear read as 0).
//
// Parameters: TRACE_EN (0/1, the DUT's) and INIT_IMAGE (path of the weight image).
// Plusargs: +in=<path> +out=<path> (required) +trc=<path> (required with TRACE_EN=1)
//   +learn=<0|1> (CTRL.LEARN, default 0) +seed=<n> (default 1) +idle_pct=<0..99> +bp_pct=<0..99>
//   +stats=<0|1> (default 1) +progress=<n> +stall_limit=<n> (default 200000)
// Input file: one beat per line, "<tag 4h> <ctl 1h> <beat 128h>": ctl = {learn, label[1:0]},
// beat = the 511-bit {RR bits, slots} word, MSB first.
// Trace file (+trc): one line per trc_valid cycle: <kind 2h><index 4h><step 4h><value 8h>
// Output file (+out), hex unless noted:
//   A <w|r> <addr 2h> <resp 1h> <data 8h>       configuration access (CTRL write, then reads of
//                                               ID, INFO, CTRL, STATUS), at its response
//   D <class 1h> <y 16h> <tag 4h> <learned 1h> <in_cycle 8h> <out_cycle 8h> <wait 8h> <cfg_err 1h>
//                                               m_dec handshake ({y3,y2,y1,y0})
//   S <beats 8h> <cycles 8h> <events 8h> <sat_last 8h> <sat_total 8h> <resp 1h>
//   M <word 3h> <weights 32h> <acc 96h>         the memories at the end of the run, words 0..402
//   E <what> <cycle dec> / F ... / X timeout    as in tb_if_engine_bench
// Cycle n is the n-th rising edge after reset release.
//
// Shared with the other benches: clock, reset, plusargs, files, random numbers, trace lines and
// the watchdog (verif/common/tb_bench.vh) and the AXI4-Lite master (verif/common/
// tb_axil_master.vh); with tb_if_engine_bench the whole bench process: register sequences, beat
// driver, handshake checks, A/S/E/F lines and end of run (verif/common/tb_engine_bench.vh); with
// tb_pipeline_bench the M lines (verif/common/tb_eprop_dump.vh).  This file keeps the DUT, its
// plusargs and CTRL word, the input line and the D line.

module tb_eprop_bench #(
    parameter TRACE_EN   = 1,
    parameter INIT_IMAGE = ""
);

localparam N_SLOTS      = `ECG_ENC_SLOTS + `ECG_SNN_N_RR;
localparam TAG_W        = 16;

`include "tb_bench.vh"
`include "tb_axil_master.vh"
`include "tb_eprop_dump.vh"

// ---------------------------------------------------------------------------------------------
// DUT
// ---------------------------------------------------------------------------------------------

reg  [N_SLOTS-1:0] s_beat_slots = {N_SLOTS{1'b0}};
reg  [TAG_W-1:0]   s_beat_tag = {TAG_W{1'b0}};
reg  [2:0]         s_beat_ctl = 3'd0;
reg                s_beat_valid = 1'b0;
wire               s_beat_ready;
wire [1:0]         m_dec_class;
wire [63:0]        m_dec_y;
wire [TAG_W-1:0]   m_dec_tag;
wire               m_dec_learned;
wire               m_dec_cfg_err;
wire               m_dec_valid;
reg                m_dec_ready = 1'b0;
wire               trc_valid;
wire [7:0]         trc_kind;
wire [15:0]        trc_index;
wire [15:0]        trc_step;
wire [31:0]        trc_value;

eprop_engine #(
    .TAG_W      (TAG_W),
    .AXIL_ADDR_W(8),
    .TRACE_EN   (TRACE_EN),
    .INIT_IMAGE (INIT_IMAGE)
) dut_inst (
    .clk            (clk),
    .rst            (rst),
    .s_beat_data    (s_beat_slots),
    .s_beat_tag     (s_beat_tag),
    .s_beat_learn   (s_beat_ctl[2]),
    .s_beat_label   (s_beat_ctl[1:0]),
    .s_beat_valid   (s_beat_valid),
    .s_beat_ready   (s_beat_ready),
    .m_dec_class    (m_dec_class),
    .m_dec_y        (m_dec_y),
    .m_dec_tag      (m_dec_tag),
    .m_dec_learned  (m_dec_learned),
    .m_dec_cfg_err  (m_dec_cfg_err),
    .m_dec_valid    (m_dec_valid),
    .m_dec_ready    (m_dec_ready),
    `TB_AXIL_PORTS(s_axil_),
    .trc_valid      (trc_valid),
    .trc_kind       (trc_kind),
    .trc_index      (trc_index),
    .trc_step       (trc_step),
    .trc_value      (trc_value)
);

// the bench process: configuration and statistics over AXI4-Lite, beats in, decisions out
`include "tb_engine_bench.vh"

// ---------------------------------------------------------------------------------------------
// Plusargs and files
// ---------------------------------------------------------------------------------------------

reg [31:0] arg_learn;

initial begin
    bench_plusargs(32'd200000, 1'b1);
    if (!$value$plusargs("learn=%d", arg_learn)) arg_learn = 32'd0;
    if (arg_learn > 32'd1) begin
        $display("ERROR: +learn must be 0..1");
        $finish;
    end
    ctrl_value = {31'd0, arg_learn[0]};
    bench_open_files(TRACE_EN != 0);
end

// ---------------------------------------------------------------------------------------------
// The bench's part of the engine bench process (verif/common/tb_engine_bench.vh)
// ---------------------------------------------------------------------------------------------

reg  [TAG_W-1:0]   in_tag;
reg  [N_SLOTS-1:0] in_slots;
reg  [3:0]         in_ctl;

task eng_dec_line;
    begin
        $fdisplay(fd_out, "D %h %h %h %h %h %h %h %h", m_dec_class, m_dec_y, m_dec_tag, m_dec_learned,
                  in_cycle, cycle, dec_wait, m_dec_cfg_err);
    end
endtask

task eng_load_beat;
    output ok;
    begin
        code = $fscanf(fd_in, "%h %h %h\n", in_tag, in_ctl, in_slots);
        ok = code == 3;
        if (ok) begin
            s_beat_tag   <= in_tag;
            s_beat_ctl   <= in_ctl[2:0];
            s_beat_slots <= in_slots;
        end
    end
endtask

task eng_end_dump;
    begin
        `TB_EPROP_DUMP(dut_inst)
    end
endtask

endmodule

`resetall
