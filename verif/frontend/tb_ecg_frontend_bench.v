// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// tb_ecg_frontend_bench -- plain-Verilog bench for ecg_frontend (TRACE_EN=1) that runs unchanged
// on Icarus (iverilog -g2012) and Verilator (--binary --timing).  It streams a whole record into
// the DUT, one input line per accepted sample (never loading the file), drives random idle cycles
// and back-pressure on both output streams from tb_bench.vh's xorshift32 generator, and writes
// every output handshake and every trace record.
//
// Plusargs: +in=<path> +out=<path> +trc=<path> (all required) +mains=<50|60> (default 60; 50
//   writes CTRL.MAINS50 = 1 and CMD.RESTART before the first sample) +seed +idle_pct +bp_pct
//   (chance per cycle that m_axis_b_tready and, independently, m_axis_pk_tready are low)
//   +progress=<n> (PROGRESS every n samples) +stall_limit (default 100000) +axil_resp_delay.
// Input file: one sample per line, hex of the 16-bit two's-complement stream word.
// Output file (decimal unless noted):
//   B <b 4h> <n 8h>                          m_axis_b handshake (b sign-extended to 16 bits)
//   P <pos> <rr> <kind> <emit>               m_axis_pk handshake
//   R <samples> <peaks> <sat> <last_peak>    the SAMPLES, PEAKS, SAT and LAST_PEAK registers,
//                                            read over AXI4-Lite after the record
//   D <last_cycle> <first_in_cycle> <stall_cycles>   end: cycle of the last output handshake,
//                                            of the first input handshake, and the cycles in
//                                            which the DUT held s_axis_tready low while a sample
//                                            waited
//   E axil <resp> <cycle>                    an AXI4-Lite access that did not answer OKAY
//   X timeout <cycle>                        stall watchdog fired (then $finish)
// Trace file: tb_bench.vh's fixed-width records (bench_trace).
// The bench ends when the input file is exhausted, no output has been valid for 300 cycles and
// the register reads are done.

module tb_ecg_frontend_bench;

`include "tb_bench.vh"
`include "tb_axil_master.vh"

localparam DRAIN_CYCLES = 300;

reg  [15:0] s_axis_tdata = 16'd0;
reg         s_axis_tvalid = 1'b0;
wire        s_axis_tready;
wire [15:0] m_axis_b_tdata;
wire [31:0] m_axis_b_tuser;
wire        m_axis_b_tvalid;
reg         m_axis_b_tready = 1'b1;
wire [79:0] m_axis_pk_tdata;
wire [1:0]  m_axis_pk_tuser;
wire        m_axis_pk_tvalid;
reg         m_axis_pk_tready = 1'b1;
wire        trc_valid;
wire [7:0]  trc_kind;
wire [15:0] trc_index;
wire [15:0] trc_step;
wire [31:0] trc_value;

ecg_frontend #(
    .TRACE_EN(1)
) dut_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .m_axis_b_tdata(m_axis_b_tdata),
    .m_axis_b_tuser(m_axis_b_tuser),
    .m_axis_b_tvalid(m_axis_b_tvalid),
    .m_axis_b_tready(m_axis_b_tready),
    .m_axis_pk_tdata(m_axis_pk_tdata),
    .m_axis_pk_tuser(m_axis_pk_tuser),
    .m_axis_pk_tvalid(m_axis_pk_tvalid),
    .m_axis_pk_tready(m_axis_pk_tready),
    `TB_AXIL_PORTS(s_axil_),
    .trc_valid(trc_valid),
    .trc_kind(trc_kind),
    .trc_index(trc_index),
    .trc_step(trc_step),
    .trc_value(trc_value)
);

reg [31:0] arg_mains;

initial begin
    bench_plusargs(32'd100000, 1'b1);
    if (!$value$plusargs("mains=%d", arg_mains)) arg_mains = 32'd60;
    if (arg_mains != 32'd50 && arg_mains != 32'd60) begin
        $display("ERROR: +mains=%0d must be 50 or 60", arg_mains);
        $finish;
    end
    bench_open_files(1'b1);
end

// phases: 0 configure (50 Hz: CTRL, CMD.RESTART), 1 stream, 2 read registers, 3 done
reg  [2:0]  phase = 3'd0;
reg  [2:0]  acc = 3'd0;                // accesses of the current phase done
reg         axil_busy = 1'b0;
reg         axil_done;
reg  [31:0] reg_val [0:3];
reg  [31:0] first_in_cycle = 32'd0;
reg         seen_in = 1'b0;
reg  [31:0] last_out_cycle = 32'd0;
reg  [31:0] in_count = 32'd0;
reg  [31:0] stall_cycles = 32'd0;
reg  [31:0] word;
reg  [31:0] r_idle;
reg  [31:0] r_b;
reg  [31:0] r_pk;

always @(posedge clk) begin
    if (!rst) begin
        // ---- monitor ------------------------------------------------------------------------
        if (trc_valid) begin
            bench_trace(trc_kind, trc_index, trc_step, trc_value);
        end
        if (m_axis_b_tvalid && m_axis_b_tready) begin
            $fdisplay(fd_out, "B %h %h", m_axis_b_tdata, m_axis_b_tuser);
            last_out_cycle = cycle;
        end
        if (m_axis_pk_tvalid && m_axis_pk_tready) begin
            $fdisplay(fd_out, "P %0d %0d %0d %0d", m_axis_pk_tdata[31:0], m_axis_pk_tdata[47:32],
                      m_axis_pk_tuser, m_axis_pk_tdata[79:48]);
            last_out_cycle = cycle;
        end
        if (s_axis_tvalid && s_axis_tready) begin
            in_count = in_count + 32'd1;
            bench_progress(in_count);
            if (!seen_in) begin
                seen_in = 1'b1;
                first_in_cycle = cycle;
            end
        end
        if (s_axis_tvalid && !s_axis_tready && phase == 3'd1) begin
            stall_cycles = stall_cycles + 32'd1;
        end

        // ---- AXI4-Lite: configuration before, register reads after the record ---------------
        axil_done = 1'b0;
        if (axil_busy) begin
            axil_step(axil_done);
            if (axil_done) begin
                axil_busy = 1'b0;
                if (axil_resp != 2'd0) begin
                    $fdisplay(fd_out, "E axil %0d %0d", axil_resp, cycle);
                end
                if (phase == 3'd2) begin
                    reg_val[acc[1:0]] = axil_rdata;
                end
                acc = acc + 3'd1;
            end
        end
        if (!axil_busy && axil_st == AXIL_IDLE) begin
            if (phase == 3'd0) begin
                if (arg_mains == 32'd60 || acc == 3'd2) begin
                    phase = 3'd1;
                    acc = 3'd0;
                end else begin
                    axil_write(acc == 3'd0 ? 8'h08 : 8'h0C, 32'd1);
                    axil_busy = 1'b1;
                end
            end else if (phase == 3'd2) begin
                if (acc == 3'd4) begin
                    $fdisplay(fd_out, "R %0d %0d %0d %0d", reg_val[0], reg_val[1], reg_val[2], reg_val[3]);
                    $fdisplay(fd_out, "D %0d %0d %0d", last_out_cycle, first_in_cycle, stall_cycles);
                    bench_finish;
                end else begin
                    // SAMPLES 0x14, PEAKS 0x18, SAT 0x1C, LAST_PEAK 0x2C
                    axil_read(acc == 3'd0 ? 8'h14 : acc == 3'd1 ? 8'h18 : acc == 3'd2 ? 8'h1C : 8'h2C);
                    axil_busy = 1'b1;
                end
            end
        end

        // ---- random draws: three per cycle ----------------------------------------------------
        bench_draw(r_idle);
        bench_draw(r_b);
        bench_draw(r_pk);

        // ---- driver ---------------------------------------------------------------------------
        if (!s_axis_tvalid || s_axis_tready) begin
            s_axis_tvalid <= 1'b0;
            if (phase == 3'd1 && !eof && r_idle >= idle_pct) begin
                code = $fscanf(fd_in, "%h", word);
                if (code == 1) begin
                    s_axis_tdata  <= word[15:0];
                    s_axis_tvalid <= 1'b1;
                end else begin
                    eof = 1'b1;
                end
            end
        end
        m_axis_b_tready  <= r_b >= bp_pct;
        m_axis_pk_tready <= r_pk >= bp_pct;

        // ---- end of record and watchdog -----------------------------------------------------
        bench_watch(eof && !s_axis_tvalid && !m_axis_b_tvalid && !m_axis_pk_tvalid && !trc_valid,
                    (s_axis_tvalid && s_axis_tready) || (m_axis_b_tvalid && m_axis_b_tready)
                        || (m_axis_pk_tvalid && m_axis_pk_tready) || phase != 3'd1);
        if (phase == 3'd1 && quiet >= DRAIN_CYCLES) begin
            phase = 3'd2;
            acc = 3'd0;
        end
        if (stall >= stall_limit) begin
            bench_timeout;
        end

        cycle = cycle + 32'd1;
    end
end

endmodule

`resetall
