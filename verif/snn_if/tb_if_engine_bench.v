// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// tb_if_engine_bench -- plain-Verilog bulk benchmark for if_engine that runs unchanged on Icarus
// (iverilog -g2012) and Verilator (--binary --timing); scripts/bench.py --block snn_if builds it
// and compares its output files with golden/snn_if.py.  The weight banks are preloaded through
// the engine's INIT_BANK0..3 parameters ($readmemh of the golden/params/snn_if/*.hex images,
// passed down from this module's parameters of the same names, set at build time).  The mode
// (screen or cascade) and the screen bank are written to CTRL over AXI4-Lite before the first
// beat.  The bench streams an input file into s_beat one beat per line (never loading the file),
// drives random idle cycles on s_beat and back-pressure on m_dec from its own xorshift32
// generator (identical on both simulators for the same +seed), and writes every observable event
// to two output files in the cycle it happens.  After every decision it reads the five
// statistics registers over AXI4-Lite (m_dec_ready is held low until those reads are done).
//
// Parameters: TRACE_EN (0/1, the DUT's) and INIT_BANK0..3 (paths of the bank images).
// Plusargs: +in=<path> +out=<path> (required) +trc=<path> (required with TRACE_EN=1)
//   +mode=<0|1> (CTRL.MODE: 0 screen, 1 cascade; default 0) +bank=<0..3> (CTRL.BANK, the screen
//   bank; default 0) +seed=<n> (default 1) +idle_pct=<0..99> (chance that a cycle withholds
//   s_beat_valid, default 0) +bp_pct=<0..99> (chance per cycle that m_dec_ready is low, default 0)
//   +stats=<0|1> (read the statistics after every decision, default 1) +progress=<n> (print
//   "PROGRESS <beats>" every n decisions, default 0 = never) +stall_limit=<n> (abort after n
//   cycles without any beat or decision handshake, default 200000).
// Input file: one beat per line, "<tag 4h> <inputs 131h>": the engine's 2*N_IN-bit input word
// (bit s = input s; pass t = bits [t*N_IN +: N_IN] = {RR bits, slots}), MSB first.
// Trace file (+trc): one fixed-width line per trc_valid cycle, 18 hex digits and a newline:
//   <kind 2h><index 4h><step 4h><value 8h>
// Output file (+out), hex unless noted:
//   A <w|r> <addr 2h> <resp 1h> <data 8h>       configuration access (CTRL write, then reads of
//                                               ID, INFO, CTRL, STATUS), at its response
//   D <class 1h> <vout0 4h> <vout1 4h> <tag 4h> <stages 1h> <mode 1h> <bank 1h>
//     <in_cycle 8h> <out_cycle 8h> <wait 8h>    m_dec handshake: the decision, the cycles of the
//                                               beat's s_beat handshake and of this handshake,
//                                               the cycles m_dec_valid waited for m_dec_ready
//   S <beats 8h> <cycles 8h> <events 8h> <sat_last 8h> <sat_total 8h> <resp 1h>
//                                               BEATS_DONE, CYCLES_LAST, EVENTS_LAST, SAT_LAST,
//                                               SAT_TOTAL read after the decision before it
//                                               (resp: OR of the five read responses)
//   E <what> <cycle dec>                        protocol error seen by the bench
//   F <last_out_cycle dec> <first_in_cycle dec> <beats_in dec> <beats_out dec>   end of run
//   X timeout <cycle dec>                       stall watchdog fired (then $finish)
// Cycle n is the n-th rising edge after reset release (the first edge with rst low is cycle 0);
// a handshake is reported with the cycle of the edge at which it completes.  Reset is held for 4
// edges.  The bench ends when the input file is exhausted, every beat has been decided, the
// AXI4-Lite reads are done and the trace port has been quiet for 32 cycles.
//
// Shared with the other benches: clock, reset, plusargs, files, random numbers, trace lines and
// the watchdog (verif/common/tb_bench.vh) and the AXI4-Lite master (verif/common/
// tb_axil_master.vh); with tb_eprop_bench the whole bench process: register sequences, beat
// driver, handshake checks, A/S/E/F lines and end of run (verif/common/tb_engine_bench.vh).
// This file keeps the DUT, its plusargs and CTRL word, the input line and the D line.

module tb_if_engine_bench #(
    parameter TRACE_EN   = 1,
    parameter INIT_BANK0 = "",
    parameter INIT_BANK1 = "",
    parameter INIT_BANK2 = "",
    parameter INIT_BANK3 = ""
);

localparam N_SLOTS      = 2 * `ECG_SNN_N_IN;
localparam V_W          = `ECG_SNN_VMEM_W;
localparam TAG_W        = 16;

`include "tb_bench.vh"
`include "tb_axil_master.vh"

// ---------------------------------------------------------------------------------------------
// DUT
// ---------------------------------------------------------------------------------------------

reg  [N_SLOTS-1:0] s_beat_slots = {N_SLOTS{1'b0}};
reg  [TAG_W-1:0]   s_beat_tag = {TAG_W{1'b0}};
reg                s_beat_valid = 1'b0;
wire               s_beat_ready;
wire [1:0]         m_dec_class;
wire [V_W-1:0]     m_dec_vout0;
wire [V_W-1:0]     m_dec_vout1;
wire [TAG_W-1:0]   m_dec_tag;
wire [1:0]         m_dec_stages;
wire               m_dec_mode;
wire [1:0]         m_dec_bank;
wire               m_dec_valid;
reg                m_dec_ready = 1'b0;
wire               trc_valid;
wire [7:0]         trc_kind;
wire [15:0]        trc_index;
wire [15:0]        trc_step;
wire [31:0]        trc_value;

if_engine #(
    .TAG_W      (TAG_W),
    .AXIL_ADDR_W(8),
    .TRACE_EN   (TRACE_EN),
    .INIT_BANK0 (INIT_BANK0),
    .INIT_BANK1 (INIT_BANK1),
    .INIT_BANK2 (INIT_BANK2),
    .INIT_BANK3 (INIT_BANK3)
) dut_inst (
    .clk            (clk),
    .rst            (rst),
    .s_beat_slots   (s_beat_slots),
    .s_beat_tag     (s_beat_tag),
    .s_beat_valid   (s_beat_valid),
    .s_beat_ready   (s_beat_ready),
    .m_dec_class    (m_dec_class),
    .m_dec_vout0    (m_dec_vout0),
    .m_dec_vout1    (m_dec_vout1),
    .m_dec_tag      (m_dec_tag),
    .m_dec_stages   (m_dec_stages),
    .m_dec_mode     (m_dec_mode),
    .m_dec_bank     (m_dec_bank),
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

reg [31:0] arg_mode;
reg [31:0] arg_bank;

initial begin
    bench_plusargs(32'd200000, 1'b1);
    if (!$value$plusargs("mode=%d", arg_mode)) arg_mode = 32'd0;
    if (!$value$plusargs("bank=%d", arg_bank)) arg_bank = 32'd0;
    if (arg_mode > 32'd1 || arg_bank > 32'd3) begin
        $display("ERROR: +mode must be 0..1 and +bank 0..3");
        $finish;
    end
    ctrl_value = {26'd0, arg_bank[1:0], 3'd0, arg_mode[0]};
    bench_open_files(TRACE_EN != 0);
end

// ---------------------------------------------------------------------------------------------
// The bench's part of the engine bench process (verif/common/tb_engine_bench.vh)
// ---------------------------------------------------------------------------------------------

reg  [TAG_W-1:0]   in_tag;
reg  [N_SLOTS-1:0] in_slots;

task eng_dec_line;
    begin
        $fdisplay(fd_out, "D %h %h %h %h %h %h %h %h %h %h", m_dec_class, m_dec_vout0, m_dec_vout1,
                  m_dec_tag, m_dec_stages, m_dec_mode, m_dec_bank, in_cycle, cycle, dec_wait);
    end
endtask

task eng_load_beat;
    output ok;
    begin
        code = $fscanf(fd_in, "%h %h\n", in_tag, in_slots);
        ok = code == 2;
        if (ok) begin
            s_beat_tag   <= in_tag;
            s_beat_slots <= in_slots;
        end
    end
endtask

task eng_end_dump;
    begin
    end
endtask

endmodule

`resetall
