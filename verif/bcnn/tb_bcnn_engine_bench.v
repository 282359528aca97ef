// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// tb_bcnn_engine_bench -- plain-Verilog bulk bench for bcnn_engine on Icarus and Verilator
// (scripts/bench_bcnn.py).  The image is preloaded with INIT_IMAGE ($readmemh); the engine checks
// it after reset and then runs every beat of the input file; the AXI4-Lite port is idle.
// Input file: one sample per line, hex of the 25-bit word {tlast, tag[15:0], sample[7:0]}.
// Output file (decimal):
//   R <class> <best> <second> <tag> <cycles>    m_res handshake (scores signed)
//   D <cycle of the last result> <beats>        end
//   X timeout <cycle>                           stall watchdog fired (then $finish)
// Trace file (TRACE_EN = 1, +trc=): every trace-port record (verif/common/tb_bench.vh format).
// Plusargs of verif/common/tb_bench.vh: +seed, +idle_pct (cycles withholding s_axis_tvalid),
// +bp_pct (cycles with m_res_ready low), +progress, +stall_limit (default 2,000,000 cycles
// without a result or an input handshake).

module tb_bcnn_engine_bench;

`include "tb_bench.vh"

parameter N_PES         = 32;
parameter N_CLASSES_MAX = 128;
parameter TRACE_EN      = 0;
parameter INIT_IMAGE    = "";

localparam SCW = 25;

reg  [7:0]      s_axis_tdata = 8'd0;
reg  [15:0]     s_axis_tuser = 16'd0;
reg             s_axis_tlast = 1'b0;
reg             s_axis_tvalid = 1'b0;
wire            s_axis_tready;
wire [7:0]      m_res_class;
wire [SCW-1:0]  m_res_best;
wire [SCW-1:0]  m_res_second;
wire [15:0]     m_res_tag;
wire [31:0]     m_res_cycles;
wire            m_res_valid;
reg             m_res_ready = 1'b1;
wire            awready, wready, bvalid, arready, rvalid;
wire [1:0]      bresp, rresp;
wire [31:0]     rdata;
wire            trc_valid;
wire [7:0]      trc_kind;
wire [15:0]     trc_index;
wire [15:0]     trc_step;
wire [31:0]     trc_value;

bcnn_engine #(
    .N_PES(N_PES), .N_CLASSES_MAX(N_CLASSES_MAX), .TAG_W(16), .TRACE_EN(TRACE_EN),
    .INIT_IMAGE(INIT_IMAGE)
) dut_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_axis_tdata), .s_axis_tuser(s_axis_tuser), .s_axis_tlast(s_axis_tlast),
    .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
    .m_res_class(m_res_class), .m_res_best(m_res_best), .m_res_second(m_res_second),
    .m_res_tag(m_res_tag), .m_res_cycles(m_res_cycles), .m_res_valid(m_res_valid),
    .m_res_ready(m_res_ready),
    .s_axil_awaddr(18'd0), .s_axil_awprot(3'd0), .s_axil_awvalid(1'b0), .s_axil_awready(awready),
    .s_axil_wdata(32'd0), .s_axil_wstrb(4'd0), .s_axil_wvalid(1'b0), .s_axil_wready(wready),
    .s_axil_bresp(bresp), .s_axil_bvalid(bvalid), .s_axil_bready(1'b1),
    .s_axil_araddr(18'd0), .s_axil_arprot(3'd0), .s_axil_arvalid(1'b0), .s_axil_arready(arready),
    .s_axil_rdata(rdata), .s_axil_rresp(rresp), .s_axil_rvalid(rvalid), .s_axil_rready(1'b1),
    .trc_valid(trc_valid), .trc_kind(trc_kind), .trc_index(trc_index), .trc_step(trc_step),
    .trc_value(trc_value)
);

initial begin
    bench_plusargs(32'd2000000, 1'b1);
    bench_open_files(TRACE_EN != 0);
end

reg  [31:0] sent = 32'd0;          // beats sent (tlast handshakes)
reg  [31:0] got = 32'd0;           // results
reg  [31:0] last_res = 32'd0;
reg  [31:0] word;
reg  [31:0] r_idle;
reg  [31:0] r_bp;
reg         have = 1'b0;           // a word is loaded into s_axis
reg         moved;

always @(posedge clk) begin
    if (!rst) begin
        moved = 1'b0;
        // ---- monitor ------------------------------------------------------------------------
        if (trc_valid) begin
            if (trc_kind < 8'd48 || trc_kind > 8'd54) begin
                $display("ERROR: trc_kind %0d at cycle %0d", trc_kind, cycle);
            end
            bench_trace(trc_kind, trc_index, trc_step, trc_value);
        end
        if (m_res_valid && m_res_ready) begin
            $fdisplay(fd_out, "R %0d %0d %0d %0d %0d", m_res_class, $signed(m_res_best),
                      $signed(m_res_second), m_res_tag, m_res_cycles);
            got = got + 32'd1;
            last_res = cycle;
            moved = 1'b1;
            bench_progress(got);
        end
        if (s_axis_tvalid && s_axis_tready) begin
            moved = 1'b1;
            if (s_axis_tlast) sent = sent + 32'd1;
            have = 1'b0;
        end
        // ---- drivers ------------------------------------------------------------------------
        if (!have && !eof) begin
            code = $fscanf(fd_in, "%h\n", word);
            if (code == 1) begin
                have = 1'b1;
                s_axis_tdata <= word[7:0];
                s_axis_tuser <= word[23:8];
                s_axis_tlast <= word[24];
            end else begin
                eof = 1'b1;
            end
        end
        bench_draw(r_idle);
        s_axis_tvalid <= have && r_idle >= idle_pct;
        bench_draw(r_bp);
        m_res_ready <= r_bp >= bp_pct;
        bench_watch(1'b0, moved);
        if (eof && !have && got == sent && cycle - last_res > 32'd64) begin
            $fdisplay(fd_out, "D %0d %0d", last_res, got);
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
