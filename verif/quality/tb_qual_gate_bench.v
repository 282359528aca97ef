// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// tb_qual_gate_bench -- plain-Verilog bulk benchmark for qual_gate, identical on Icarus
// (iverilog -g2012) and Verilator (--binary --timing). It streams an input file into the DUT one
// line per accepted word, drives random idle cycles and result back-pressure from the xorshift32
// generator of verif/common/tb_bench.vh (the same sequence on both simulators for the same
// +seed), and writes every result and status pulse to an output file in the cycle it happens.
//
// Plusargs: +in=<path> +out=<path> (required) +seed=<n> +idle_pct=<0..99> (chance that a cycle
//   withholds s_axis_tvalid) +bp_pct=<0..99> (chance per cycle that m_qual_ready is low)
//   +progress=<n> +stall_limit=<n> (verif/common/tb_bench.vh).
// Input file: one stream word per line, hex of the 17-bit value {tlast, data[15:0]}.
// Output file:
//   Q <cycle dec> <hf dec> <amp dec> <flat dec> <rail dec> <reasons dec>   m_qual handshake
//   L <cycle dec>                       the cycle the last sample of a beat was accepted
//   E sat|len <cycle dec>               stat_sat / stat_len_err pulse
//   D <last_cycle dec> <first_in_cycle dec>   end of run
//   X timeout <cycle dec>               stall watchdog fired
// Cycle numbering as tb_spike_encoder_bench: a pulse driven at edge n is reported with cycle n+1,
// the cycle of a handshake completing at an edge is that edge's number.

module tb_qual_gate_bench;

`include "tb_bench.vh"

localparam DRAIN_CYCLES = 50;

reg  [15:0] s_axis_tdata = 16'd0;
reg         s_axis_tvalid = 1'b0;
wire        s_axis_tready;
reg         s_axis_tlast = 1'b0;
wire [20:0] m_qual_hf;
wire [11:0] m_qual_amp;
wire [7:0]  m_qual_flat;
wire [7:0]  m_qual_rail;
wire [3:0]  m_qual_reasons;
wire        m_qual_valid;
reg         m_qual_ready = 1'b1;
wire        stat_sat;
wire        stat_len_err;

qual_gate dut_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .m_qual_hf(m_qual_hf),
    .m_qual_amp(m_qual_amp),
    .m_qual_flat(m_qual_flat),
    .m_qual_rail(m_qual_rail),
    .m_qual_reasons(m_qual_reasons),
    .m_qual_valid(m_qual_valid),
    .m_qual_ready(m_qual_ready),
    .stat_sat(stat_sat),
    .stat_len_err(stat_len_err)
);

initial begin
    bench_plusargs(32'd100000, 1'b1);
    bench_open_files(1'b0);
end

reg  [31:0] first_in_cycle = 32'd0;
reg         seen_in = 1'b0;
reg  [31:0] last_out_cycle = 32'd0;
reg  [31:0] beats = 32'd0;
reg  [31:0] word;
reg  [31:0] r_idle;
reg  [31:0] r_res;

always @(posedge clk) begin
    if (!rst) begin
        if (m_qual_valid && m_qual_ready) begin
            $fdisplay(fd_out, "Q %0d %0d %0d %0d %0d %0d", cycle, m_qual_hf, m_qual_amp, m_qual_flat,
                      m_qual_rail, m_qual_reasons);
            last_out_cycle = cycle;
            beats = beats + 32'd1;
            bench_progress(beats);
        end
        if (s_axis_tvalid && s_axis_tready && s_axis_tlast) begin
            $fdisplay(fd_out, "L %0d", cycle);
        end
        if (stat_sat) begin
            $fdisplay(fd_out, "E sat %0d", cycle);
        end
        if (stat_len_err) begin
            $fdisplay(fd_out, "E len %0d", cycle);
        end
        if (s_axis_tvalid && s_axis_tready && !seen_in) begin
            seen_in = 1'b1;
            first_in_cycle = cycle;
        end

        bench_draw(r_idle);
        bench_draw(r_res);

        if (!s_axis_tvalid || s_axis_tready) begin
            s_axis_tvalid <= 1'b0;
            if (!eof && r_idle >= idle_pct) begin
                code = $fscanf(fd_in, "%h", word);
                if (code == 1) begin
                    s_axis_tdata  <= word[15:0];
                    s_axis_tlast  <= word[16];
                    s_axis_tvalid <= 1'b1;
                end else begin
                    eof = 1'b1;
                end
            end
        end
        m_qual_ready <= r_res >= bp_pct;

        bench_watch(eof && !s_axis_tvalid && !m_qual_valid,
                    (s_axis_tvalid && s_axis_tready) || (m_qual_valid && m_qual_ready));
        if (quiet >= DRAIN_CYCLES) begin
            $fdisplay(fd_out, "D %0d %0d", last_out_cycle, first_in_cycle);
            bench_finish;
        end
        if (stall >= stall_limit) begin
            bench_timeout;
        end

        cycle = cycle + 32'd1;
    end
end

endmodule

`resetall
