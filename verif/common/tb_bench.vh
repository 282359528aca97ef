// SPDX-License-Identifier: Apache-2.0
// tb_bench.vh -- the plumbing every plain-Verilog bench testbench shares (verif/*/tb_*_bench.v,
// built by scripts/bench.py on Icarus and Verilator with -I verif/common).  Included once at the
// top of the bench module, before the DUT signals: the benches differ in their DUT, input-line
// format and output lines, but not in how they clock, reset, draw random numbers, read plusargs,
// open and close their files and give up, and these must stay identical across the benches so
// that one +seed means the same random sequence and one plusarg the same thing everywhere.
//
// Declares: clk (10 ns period); rst, held for 4 edges (the first edge with rst low is cycle 0,
//   so a bench's main process guards everything with `if (!rst)`); the file paths and handles
//   fd_in, fd_out, fd_trc (0 when no trace file is open); the common plusargs arg_seed, idle_pct,
//   bp_pct, progress, stall_limit; rng; and the run state cycle (index of the current edge after
//   reset release), quiet, stall, eof, beats_mark, code.
// Tasks (no timing controls: called from the bench's one clocked process, so the order of the
//   lines a cycle writes stays fixed):
//   bench_plusargs(stall_default, warm)  +seed (default 1), +idle_pct and +bp_pct (0..99, default
//                       0), +progress (default 0 = never), +stall_limit; seeds rng from +seed, then
//                       steps it three times when warm = 1 (tb_pipeline_bench seeds without those
//                       steps, kept so that its random sequences stay what they were)
//   bench_open_files(with_trc)  +in=<path> (read) and +out=<path> (write), both required; with
//                       with_trc = 1 also +trc=<path> (write), required
//   bench_draw(r)       the next random number, 0..99
//   bench_trace(...)    one trace-port record to the trace file: 18 hex digits and a newline,
//                       <kind 2h><index 4h><step 4h><value 8h>; "E trace_without_file <cycle>" to
//                       the output file when none is open
//   bench_progress(n)   "PROGRESS <n>" on stdout once n has grown by +progress since the last one
//   bench_watch(idle, moved)  quiet counts the cycles with idle set (reset otherwise), stall the
//                       cycles without moved (a handshake)
//   bench_finish        close the files, $finish
//   bench_timeout       the stall watchdog: ERROR on stdout, "X timeout <cycle>", bench_finish

// ---------------------------------------------------------------------------------------------
// Clock and reset
// ---------------------------------------------------------------------------------------------

reg clk = 1'b0;
always #5 clk = ~clk;

reg       rst = 1'b1;
reg [2:0] rst_cnt = 3'd0;

always @(posedge clk) begin
    if (rst_cnt != 3'd4) begin
        rst_cnt <= rst_cnt + 3'd1;
    end
    rst <= rst_cnt < 3'd3;
end

// ---------------------------------------------------------------------------------------------
// Plusargs, files, random numbers, run state
// ---------------------------------------------------------------------------------------------

reg [8*1024-1:0] in_path;
reg [8*1024-1:0] out_path;
reg [8*1024-1:0] trc_path;
integer          fd_in;
integer          fd_out;
integer          fd_trc;
reg [31:0]       arg_seed;
reg [31:0]       idle_pct;
reg [31:0]       bp_pct;
reg [31:0]       progress;
reg [31:0]       stall_limit;
reg [31:0]       rng;

reg  [31:0] cycle = 32'd0;             // index of the current edge after reset release
reg  [31:0] quiet = 32'd0;             // cycles with nothing left to do after EOF
reg  [31:0] stall = 32'd0;             // cycles without a handshake
reg  [31:0] beats_mark = 32'd0;        // count at the last PROGRESS line
reg         eof = 1'b0;                // the input file is exhausted
integer     code;                      // $fscanf result

function [31:0] xorshift32;
    input [31:0] v;
    reg   [31:0] t;
    begin
        t = v ^ (v << 13);
        t = t ^ (t >> 17);
        xorshift32 = t ^ (t << 5);
    end
endfunction

task bench_plusargs;
    input [31:0] stall_default;
    input        warm;
    begin
        if (!$value$plusargs("seed=%d", arg_seed)) arg_seed = 32'd1;
        if (!$value$plusargs("idle_pct=%d", idle_pct)) idle_pct = 32'd0;
        if (!$value$plusargs("bp_pct=%d", bp_pct)) bp_pct = 32'd0;
        if (!$value$plusargs("progress=%d", progress)) progress = 32'd0;
        if (!$value$plusargs("stall_limit=%d", stall_limit)) stall_limit = stall_default;
        if (idle_pct > 32'd99 || bp_pct > 32'd99) begin
            $display("ERROR: +idle_pct and +bp_pct must be 0..99");
            $finish;
        end
        rng = arg_seed ^ 32'h9e3779b9;
        if (rng == 32'd0) rng = 32'h1;
        if (warm) rng = xorshift32(xorshift32(xorshift32(rng)));
    end
endtask

task bench_open_files;
    input with_trc;
    begin
        fd_trc = 0;
        if (!$value$plusargs("in=%s", in_path)) begin
            $display("ERROR: +in=<path> is required");
            $finish;
        end
        if (!$value$plusargs("out=%s", out_path)) begin
            $display("ERROR: +out=<path> is required");
            $finish;
        end
        fd_in = $fopen(in_path, "r");
        if (fd_in == 0) begin
            $display("ERROR: cannot open input file %0s", in_path);
            $finish;
        end
        fd_out = $fopen(out_path, "w");
        if (fd_out == 0) begin
            $display("ERROR: cannot open output file %0s", out_path);
            $finish;
        end
        if (with_trc) begin
            if (!$value$plusargs("trc=%s", trc_path)) begin
                $display("ERROR: +trc=<path> is required with TRACE_EN=1");
                $finish;
            end
            fd_trc = $fopen(trc_path, "w");
            if (fd_trc == 0) begin
                $display("ERROR: cannot open trace file %0s", trc_path);
                $finish;
            end
        end
    end
endtask

// random draws: a bench makes the same number every cycle, so the sequence never depends on state
task bench_draw;
    output [31:0] r;
    begin
        rng = xorshift32(rng);
        r = rng % 32'd100;
    end
endtask

task bench_trace;
    input [7:0]  kind;
    input [15:0] index;
    input [15:0] step;
    input [31:0] value;
    begin
        if (fd_trc != 0) begin
            $fwrite(fd_trc, "%h%h%h%h\n", kind, index, step, value);
        end else begin
            $fdisplay(fd_out, "E trace_without_file %0d", cycle);
        end
    end
endtask

task bench_progress;
    input [31:0] n;
    begin
        if (progress != 32'd0 && n - beats_mark >= progress) begin
            beats_mark = n;
            $display("PROGRESS %0d", n);
            $fflush;
        end
    end
endtask

task bench_watch;
    input idle;
    input moved;
    begin
        if (idle) begin
            quiet = quiet + 32'd1;
        end else begin
            quiet = 32'd0;
        end
        if (moved) begin
            stall = 32'd0;
        end else begin
            stall = stall + 32'd1;
        end
    end
endtask

task bench_finish;
    begin
        $fclose(fd_out);
        if (fd_trc != 0) $fclose(fd_trc);
        $fclose(fd_in);
        $finish;
    end
endtask

task bench_timeout;
    begin
        $display("ERROR: no handshake for %0d cycles at cycle %0d", stall, cycle);
        $fdisplay(fd_out, "X timeout %0d", cycle);
        bench_finish;
    end
endtask
