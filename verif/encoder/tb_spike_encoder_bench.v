// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// tb_spike_encoder_bench -- plain-Verilog bulk benchmark for spike_encoder (TRACE_EN=1) that runs
// unchanged on Icarus (iverilog -g2012) and Verilator (--binary --timing). It streams an input
// file into the DUT one line per accepted word (never loading the file), drives random idle
// cycles and back-pressure from its own xorshift32 generator (identical on both simulators for
// the same +seed), and writes every observable event to an output file in the cycle it happens.
//
// Plusargs: +in=<path> (required) +out=<path> (required) +delta_s=<n> +delta_l=<n> (decimal,
//   default 1) +seed=<n> (default 1) +idle_pct=<0..99> (chance that a cycle withholds
//   s_axis_tvalid, default 0) +bp_pct=<0..99> (chance per cycle that m_axis_spk_tready and,
//   independently, m_beat_ready are low, default 0) +progress=<n> (print "PROGRESS <beats>"
//   every n beats, default 0 = never) +stall_limit=<n> (abort after n cycles without any
//   handshake, default 100000).
// Input file: one stream word per line, hex of the 17-bit value {tlast, data[15:0]}.
// Output file (hex unless noted; field widths are the natural widths of the values):
//   T <index 4h> <step 4h> <ref_s 3h> <ref_l 3h>           trc_valid cycle
//   S <tuser 3h> <tlast 1h> <tdata 1h>                     m_axis_spk handshake
//   B <cycle dec> <nspk dec> <slots 125h, MSB first>       m_beat handshake
//   E sat|len|cfg <cycle dec>                              stat_sat / stat_len_err pulse,
//                                                          rising edge of stat_cfg_err
//   D <last_cycle dec> <first_in_cycle dec>                end: cycle of the last output
//                                                          handshake, cycle of the first input
//                                                          handshake (so (D1-D2)/beats is the
//                                                          cycles per beat)
//   X timeout <cycle dec>                                  stall watchdog fired (then $finish)
// Lines of one cycle come in the order T, S, B, E. Cycle n is the n-th rising edge after reset
// release (the first edge with rst low is cycle 0); a signal is reported at the edge at which it
// is sampled, i.e. a pulse driven by the DUT at edge n is reported with cycle n+1, the same
// cycle as a handshake completing at that edge. Reset is held for 4 edges. The bench ends when the
// input file is exhausted and no DUT output has been valid for 300 cycles.
//
// Clock, reset, plusargs, files, random numbers and the watchdog: verif/common/tb_bench.vh.

module tb_spike_encoder_bench;

`include "tb_bench.vh"

localparam DRAIN_CYCLES = 300;         // quiet cycles after EOF before the bench ends

// ---------------------------------------------------------------------------------------------
// DUT
// ---------------------------------------------------------------------------------------------

reg  [10:0] cfg_delta_s = 11'd1;
reg  [10:0] cfg_delta_l = 11'd1;
reg  [15:0] s_axis_tdata = 16'd0;
reg         s_axis_tvalid = 1'b0;
wire        s_axis_tready;
reg         s_axis_tlast = 1'b0;
wire [3:0]  m_axis_spk_tdata;
wire [8:0]  m_axis_spk_tuser;
wire        m_axis_spk_tvalid;
reg         m_axis_spk_tready = 1'b1;
wire        m_axis_spk_tlast;
wire [499:0] m_beat_slots;
wire [7:0]  m_beat_nspk;
wire        m_beat_valid;
reg         m_beat_ready = 1'b1;
wire        stat_sat;
wire        stat_len_err;
wire        stat_cfg_err;
wire        trc_valid;
wire [7:0]  trc_kind;
wire [15:0] trc_index;
wire [15:0] trc_step;
wire [31:0] trc_value;

spike_encoder #(
    .TRACE_EN(1)
) dut_inst (
    .clk(clk),
    .rst(rst),
    .cfg_delta_s(cfg_delta_s),
    .cfg_delta_l(cfg_delta_l),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .m_axis_spk_tdata(m_axis_spk_tdata),
    .m_axis_spk_tuser(m_axis_spk_tuser),
    .m_axis_spk_tvalid(m_axis_spk_tvalid),
    .m_axis_spk_tready(m_axis_spk_tready),
    .m_axis_spk_tlast(m_axis_spk_tlast),
    .m_beat_slots(m_beat_slots),
    .m_beat_nspk(m_beat_nspk),
    .m_beat_valid(m_beat_valid),
    .m_beat_ready(m_beat_ready),
    .stat_sat(stat_sat),
    .stat_len_err(stat_len_err),
    .stat_cfg_err(stat_cfg_err),
    .trc_valid(trc_valid),
    .trc_kind(trc_kind),
    .trc_index(trc_index),
    .trc_step(trc_step),
    .trc_value(trc_value)
);

// ---------------------------------------------------------------------------------------------
// Plusargs and files
// ---------------------------------------------------------------------------------------------

reg [31:0] arg_delta_s;
reg [31:0] arg_delta_l;

initial begin
    bench_plusargs(32'd100000, 1'b1);
    if (!$value$plusargs("delta_s=%d", arg_delta_s)) arg_delta_s = 32'd1;
    if (!$value$plusargs("delta_l=%d", arg_delta_l)) arg_delta_l = 32'd1;
    if (arg_delta_s > 32'd2047 || arg_delta_l > 32'd2047) begin
        $display("ERROR: +delta_s and +delta_l must be 0..2047");
        $finish;
    end
    cfg_delta_s = arg_delta_s[10:0];
    cfg_delta_l = arg_delta_l[10:0];
    bench_open_files(1'b0);
end

// ---------------------------------------------------------------------------------------------
// Driver and monitor (one process, so the line order within a cycle is fixed)
// ---------------------------------------------------------------------------------------------

reg  [31:0] first_in_cycle = 32'd0;
reg         seen_in = 1'b0;
reg  [31:0] last_out_cycle = 32'd0;
reg  [31:0] beats = 32'd0;
reg         cfg_err_q = 1'b0;
reg  [31:0] word;
reg  [31:0] r_idle;
reg  [31:0] r_spk;
reg  [31:0] r_beat;

always @(posedge clk) begin
    if (!rst) begin
        // ---- monitor: values sampled at this edge -----------------------------------------
        if (trc_valid) begin
            if (trc_kind != 8'd1) begin
                $display("ERROR: trc_kind %0d at cycle %0d", trc_kind, cycle);
            end
            $fdisplay(fd_out, "T %h %h %h %h", trc_index, trc_step, trc_value[11:0], trc_value[27:16]);
        end
        if (m_axis_spk_tvalid && m_axis_spk_tready) begin
            $fdisplay(fd_out, "S %h %h %h", m_axis_spk_tuser, m_axis_spk_tlast, m_axis_spk_tdata);
            last_out_cycle = cycle;
        end
        if (m_beat_valid && m_beat_ready) begin
            $fdisplay(fd_out, "B %0d %0d %h", cycle, m_beat_nspk, m_beat_slots);
            last_out_cycle = cycle;
            beats = beats + 32'd1;
            bench_progress(beats);
        end
        if (stat_sat) begin
            $fdisplay(fd_out, "E sat %0d", cycle);
        end
        if (stat_len_err) begin
            $fdisplay(fd_out, "E len %0d", cycle);
        end
        if (stat_cfg_err && !cfg_err_q) begin
            $fdisplay(fd_out, "E cfg %0d", cycle);
        end
        cfg_err_q = stat_cfg_err;

        if (s_axis_tvalid && s_axis_tready && !seen_in) begin
            seen_in = 1'b1;
            first_in_cycle = cycle;
        end

        // ---- random draws: always three per cycle, so the sequence never depends on state --
        bench_draw(r_idle);
        bench_draw(r_spk);
        bench_draw(r_beat);

        // ---- driver ----------------------------------------------------------------------
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
        m_axis_spk_tready <= r_spk >= bp_pct;
        m_beat_ready      <= r_beat >= bp_pct;

        // ---- end of run and watchdog -----------------------------------------------------
        bench_watch(eof && !s_axis_tvalid && !m_axis_spk_tvalid && !m_beat_valid && !trc_valid,
                    (s_axis_tvalid && s_axis_tready) || (m_axis_spk_tvalid && m_axis_spk_tready)
                        || (m_beat_valid && m_beat_ready));
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
