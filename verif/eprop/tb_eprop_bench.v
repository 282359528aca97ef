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
//   D <class 1h> <y 16h> <tag 4h> <learned 1h> <in_cycle 8h> <out_cycle 8h> <wait 8h>
//                                               m_dec handshake ({y3,y2,y1,y0})
//   S <beats 8h> <cycles 8h> <events 8h> <sat_last 8h> <sat_total 8h> <resp 1h>
//   M <word 3h> <weights 32h> <acc 96h>         the memories at the end of the run, words 0..402
//   E <what> <cycle dec> / F ... / X timeout    as in tb_if_engine_bench
// Cycle n is the n-th rising edge after reset release.

module tb_eprop_bench #(
    parameter TRACE_EN   = 1,
    parameter INIT_IMAGE = ""
);

localparam N_SLOTS      = `ECG_ENC_SLOTS + `ECG_SNN_N_RR;
localparam TAG_W        = 16;
localparam DRAIN_CYCLES = 32;          // quiet cycles after the last decision before the end

// AXI4-Lite register offsets (docs/eprop_rtl.md "Address map")
localparam [7:0] A_ID     = 8'h00;
localparam [7:0] A_INFO   = 8'h04;
localparam [7:0] A_CTRL   = 8'h08;
localparam [7:0] A_STATUS = 8'h10;
localparam [7:0] A_BEATS  = 8'h14;     // BEATS_DONE, then CYCLES_LAST .. SAT_TOTAL every 4 bytes

// ---------------------------------------------------------------------------------------------
// Clock, reset, DUT
// ---------------------------------------------------------------------------------------------

reg clk = 1'b0;
always #5 clk = ~clk;

reg       rst = 1'b1;
reg [2:0] rst_cnt = 3'd0;

reg  [N_SLOTS-1:0] s_beat_slots = {N_SLOTS{1'b0}};
reg  [TAG_W-1:0]   s_beat_tag = {TAG_W{1'b0}};
reg  [2:0]         s_beat_ctl = 3'd0;
reg                s_beat_valid = 1'b0;
wire               s_beat_ready;
wire [1:0]         m_dec_class;
wire [63:0]        m_dec_y;
wire [TAG_W-1:0]   m_dec_tag;
wire               m_dec_learned;
wire               m_dec_valid;
reg                m_dec_ready = 1'b0;
reg  [7:0]         s_axil_awaddr = 8'd0;
reg                s_axil_awvalid = 1'b0;
wire               s_axil_awready;
reg  [31:0]        s_axil_wdata = 32'd0;
reg  [3:0]         s_axil_wstrb = 4'd0;
reg                s_axil_wvalid = 1'b0;
wire               s_axil_wready;
wire [1:0]         s_axil_bresp;
wire               s_axil_bvalid;
reg  [7:0]         s_axil_araddr = 8'd0;
reg                s_axil_arvalid = 1'b0;
wire               s_axil_arready;
wire [31:0]        s_axil_rdata;
wire [1:0]         s_axil_rresp;
wire               s_axil_rvalid;
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
    .m_dec_valid    (m_dec_valid),
    .m_dec_ready    (m_dec_ready),
    .s_axil_awaddr  (s_axil_awaddr),
    .s_axil_awprot  (3'd0),
    .s_axil_awvalid (s_axil_awvalid),
    .s_axil_awready (s_axil_awready),
    .s_axil_wdata   (s_axil_wdata),
    .s_axil_wstrb   (s_axil_wstrb),
    .s_axil_wvalid  (s_axil_wvalid),
    .s_axil_wready  (s_axil_wready),
    .s_axil_bresp   (s_axil_bresp),
    .s_axil_bvalid  (s_axil_bvalid),
    .s_axil_bready  (1'b1),
    .s_axil_araddr  (s_axil_araddr),
    .s_axil_arprot  (3'd0),
    .s_axil_arvalid (s_axil_arvalid),
    .s_axil_arready (s_axil_arready),
    .s_axil_rdata   (s_axil_rdata),
    .s_axil_rresp   (s_axil_rresp),
    .s_axil_rvalid  (s_axil_rvalid),
    .s_axil_rready  (1'b1),
    .trc_valid      (trc_valid),
    .trc_kind       (trc_kind),
    .trc_index      (trc_index),
    .trc_step       (trc_step),
    .trc_value      (trc_value)
);

// ---------------------------------------------------------------------------------------------
// Plusargs and files
// ---------------------------------------------------------------------------------------------

reg [8*1024-1:0] in_path;
reg [8*1024-1:0] out_path;
reg [8*1024-1:0] trc_path;
integer          fd_in;
integer          fd_out;
integer          fd_trc;
reg [31:0]       arg_learn;
reg [31:0]       arg_seed;
reg [31:0]       idle_pct;
reg [31:0]       bp_pct;
reg [31:0]       stats_en;
reg [31:0]       progress;
reg [31:0]       stall_limit;
reg [31:0]       rng;
reg [31:0]       ctrl_value;

function [31:0] xorshift32;
    input [31:0] v;
    reg   [31:0] t;
    begin
        t = v ^ (v << 13);
        t = t ^ (t >> 17);
        xorshift32 = t ^ (t << 5);
    end
endfunction

initial begin
    fd_trc = 0;
    if (!$value$plusargs("in=%s", in_path)) begin
        $display("ERROR: +in=<path> is required");
        $finish;
    end
    if (!$value$plusargs("out=%s", out_path)) begin
        $display("ERROR: +out=<path> is required");
        $finish;
    end
    if (!$value$plusargs("learn=%d", arg_learn)) arg_learn = 32'd0;
    if (!$value$plusargs("seed=%d", arg_seed)) arg_seed = 32'd1;
    if (!$value$plusargs("idle_pct=%d", idle_pct)) idle_pct = 32'd0;
    if (!$value$plusargs("bp_pct=%d", bp_pct)) bp_pct = 32'd0;
    if (!$value$plusargs("stats=%d", stats_en)) stats_en = 32'd1;
    if (!$value$plusargs("progress=%d", progress)) progress = 32'd0;
    if (!$value$plusargs("stall_limit=%d", stall_limit)) stall_limit = 32'd200000;
    if (idle_pct > 32'd99 || bp_pct > 32'd99) begin
        $display("ERROR: +idle_pct and +bp_pct must be 0..99");
        $finish;
    end
    if (arg_learn > 32'd1) begin
        $display("ERROR: +learn must be 0..1");
        $finish;
    end
    ctrl_value = {31'd0, arg_learn[0]};
    rng = arg_seed ^ 32'h9e3779b9;
    if (rng == 32'd0) rng = 32'h1;
    rng = xorshift32(xorshift32(xorshift32(rng)));
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
    if (TRACE_EN != 0) begin
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

// ---------------------------------------------------------------------------------------------
// AXI4-Lite accesses of the bench: two fixed sequences
//   configuration (SEQ_CFG): write CTRL, read ID, INFO, CTRL, STATUS
//   statistics (SEQ_STAT):   read BEATS_DONE, CYCLES_LAST, EVENTS_LAST, SAT_LAST, SAT_TOTAL
// ---------------------------------------------------------------------------------------------

localparam SEQ_CFG  = 1'b0;
localparam SEQ_STAT = 1'b1;
localparam SEQ_LEN  = 3'd5;

localparam [2:0] AX_IDLE  = 3'd0;      // next access of the sequence (if any) starts
localparam [2:0] AX_WADDR = 3'd1;      // AW+W valid, waiting for awready
localparam [2:0] AX_WRESP = 3'd2;      // waiting for bvalid
localparam [2:0] AX_RADDR = 3'd3;      // AR valid, waiting for arready
localparam [2:0] AX_RDATA = 3'd4;      // waiting for rvalid

function [7:0] seq_addr;
    input       seq;
    input [2:0] i;
    begin
        if (seq == SEQ_STAT) begin
            seq_addr = A_BEATS + {3'd0, i, 2'd0};
        end else begin
            case (i)
                3'd0:    seq_addr = A_CTRL;        // the write
                3'd1:    seq_addr = A_ID;
                3'd2:    seq_addr = A_INFO;
                3'd3:    seq_addr = A_CTRL;
                default: seq_addr = A_STATUS;
            endcase
        end
    end
endfunction

// ---------------------------------------------------------------------------------------------
// Driver and monitor (one process, so the line order within a cycle is fixed)
// ---------------------------------------------------------------------------------------------

reg  [31:0] cycle = 32'd0;             // index of the current edge after reset release
reg  [31:0] first_in_cycle = 32'd0;
reg         seen_in = 1'b0;
reg  [31:0] in_cycle = 32'd0;          // s_beat handshake of the beat in flight
reg  [31:0] last_out_cycle = 32'd0;
reg  [31:0] beats_in = 32'd0;
reg  [31:0] beats_out = 32'd0;
reg  [31:0] beats_mark = 32'd0;        // decisions at the last PROGRESS line
reg  [31:0] dec_wait = 32'd0;          // cycles the pending decision waited for m_dec_ready
reg  [31:0] quiet = 32'd0;             // cycles with nothing left to do after EOF
reg  [31:0] stall = 32'd0;             // cycles without a beat or decision handshake
reg         eof = 1'b0;
reg         cfg_done = 1'b0;
reg         ax_seq = SEQ_CFG;
reg  [2:0]  ax_i = 3'd0;               // access of the sequence
reg  [2:0]  ax_left = SEQ_LEN;         // accesses left (the configuration starts at once)
reg  [2:0]  ax_st = AX_IDLE;
reg  [31:0] st_val [0:4];              // statistics read after the last decision
reg  [1:0]  st_resp = 2'd0;
reg  [TAG_W-1:0]   in_tag;
reg  [N_SLOTS-1:0] in_slots;
reg  [3:0]         in_ctl;
integer            mi;
integer     code;
reg  [31:0] r_idle;
reg  [31:0] r_bp;

always @(posedge clk) begin
    if (rst_cnt != 3'd4) begin
        rst_cnt <= rst_cnt + 3'd1;
    end
    rst <= rst_cnt < 3'd3;

    if (!rst) begin
        // ---- monitor: values sampled at this edge -----------------------------------------
        if (trc_valid) begin
            if (fd_trc != 0) begin
                $fwrite(fd_trc, "%h%h%h%h\n", trc_kind, trc_index, trc_step, trc_value);
            end else begin
                $fdisplay(fd_out, "E trace_without_file %0d", cycle);
            end
        end
        if (m_dec_valid && m_dec_ready) begin
            $fdisplay(fd_out, "D %h %h %h %h %h %h %h", m_dec_class, m_dec_y, m_dec_tag, m_dec_learned,
                      in_cycle, cycle, dec_wait);
            if (beats_out == beats_in) begin
                $fdisplay(fd_out, "E decision_without_beat %0d", cycle);
            end
            last_out_cycle = cycle;
            beats_out = beats_out + 32'd1;
            dec_wait = 32'd0;
            if (stats_en != 32'd0) begin
                if (ax_left != 3'd0) begin
                    $fdisplay(fd_out, "E decision_during_reads %0d", cycle);
                end
                ax_seq  = SEQ_STAT;
                ax_i    = 3'd0;
                ax_left = SEQ_LEN;
                st_resp = 2'd0;
            end
            if (progress != 32'd0 && beats_out - beats_mark >= progress) begin
                beats_mark = beats_out;
                $display("PROGRESS %0d", beats_out);
                $fflush;
            end
        end else if (m_dec_valid) begin
            dec_wait = dec_wait + 32'd1;
        end
        if (s_beat_valid && s_beat_ready) begin
            if (!seen_in) begin
                seen_in = 1'b1;
                first_in_cycle = cycle;
            end
            if (beats_in != beats_out) begin
                $fdisplay(fd_out, "E beat_while_busy %0d", cycle);
            end
            in_cycle = cycle;
            beats_in = beats_in + 32'd1;
        end

        // ---- AXI4-Lite master: responses sampled at this edge, then the next request -------
        case (ax_st)
            AX_WADDR: begin
                if (s_axil_awready) begin
                    if (!s_axil_wready) begin
                        $fdisplay(fd_out, "E awready_without_wready %0d", cycle);
                    end
                    s_axil_awvalid <= 1'b0;
                    s_axil_wvalid  <= 1'b0;
                    ax_st = AX_WRESP;
                end
            end
            AX_WRESP: begin
                if (s_axil_bvalid) begin
                    $fdisplay(fd_out, "A w %h %h %h", seq_addr(ax_seq, ax_i), s_axil_bresp, ctrl_value);
                    ax_i    = ax_i + 3'd1;
                    ax_left = ax_left - 3'd1;
                    ax_st   = AX_IDLE;
                end
            end
            AX_RADDR: begin
                if (s_axil_arready) begin
                    s_axil_arvalid <= 1'b0;
                    ax_st = AX_RDATA;
                end
            end
            AX_RDATA: begin
                if (s_axil_rvalid) begin
                    if (ax_seq == SEQ_CFG) begin
                        $fdisplay(fd_out, "A r %h %h %h", seq_addr(ax_seq, ax_i), s_axil_rresp, s_axil_rdata);
                    end else begin
                        st_val[ax_i] = s_axil_rdata;
                        st_resp = st_resp | s_axil_rresp;
                    end
                    ax_i    = ax_i + 3'd1;
                    ax_left = ax_left - 3'd1;
                    ax_st   = AX_IDLE;
                    if (ax_left == 3'd0) begin
                        if (ax_seq == SEQ_CFG) begin
                            cfg_done = 1'b1;
                        end else begin
                            $fdisplay(fd_out, "S %h %h %h %h %h %h", st_val[0], st_val[1], st_val[2],
                                      st_val[3], st_val[4], st_resp);
                        end
                    end
                end
            end
            default: ;
        endcase
        if (ax_st == AX_IDLE && ax_left != 3'd0) begin
            if (ax_seq == SEQ_CFG && ax_i == 3'd0) begin
                s_axil_awaddr  <= seq_addr(ax_seq, ax_i);
                s_axil_wdata   <= ctrl_value;
                s_axil_wstrb   <= 4'hF;
                s_axil_awvalid <= 1'b1;
                s_axil_wvalid  <= 1'b1;
                ax_st = AX_WADDR;
            end else begin
                s_axil_araddr  <= seq_addr(ax_seq, ax_i);
                s_axil_arvalid <= 1'b1;
                ax_st = AX_RADDR;
            end
        end

        // ---- random draws: always two per cycle, so the sequence never depends on state ----
        rng = xorshift32(rng);
        r_idle = rng % 32'd100;
        rng = xorshift32(rng);
        r_bp = rng % 32'd100;

        // ---- beat driver -------------------------------------------------------------------
        if (!s_beat_valid || s_beat_ready) begin
            s_beat_valid <= 1'b0;
            if (cfg_done && !eof && r_idle >= idle_pct) begin
                code = $fscanf(fd_in, "%h %h %h\n", in_tag, in_ctl, in_slots);
                if (code == 3) begin
                    s_beat_tag   <= in_tag;
                    s_beat_ctl   <= in_ctl[2:0];
                    s_beat_slots <= in_slots;
                    s_beat_valid <= 1'b1;
                end else begin
                    eof = 1'b1;
                end
            end
        end
        // the statistics of a decision are read before the next decision is taken
        m_dec_ready <= (r_bp >= bp_pct) && (ax_left == 3'd0);

        // ---- end of run and watchdog -------------------------------------------------------
        if (eof && !s_beat_valid && beats_out == beats_in && ax_left == 3'd0 && !m_dec_valid
                && !trc_valid) begin
            quiet = quiet + 32'd1;
        end else begin
            quiet = 32'd0;
        end
        if ((s_beat_valid && s_beat_ready) || (m_dec_valid && m_dec_ready) || !cfg_done) begin
            stall = 32'd0;
        end else begin
            stall = stall + 32'd1;
        end
        if (quiet >= DRAIN_CYCLES) begin
            for (mi = 0; mi < 403; mi = mi + 1) begin
                $fdisplay(fd_out, "M %h %h %h", mi[8:0], dut_inst.wmem_inst.mem_reg[mi],
                          dut_inst.avld_reg[mi] ? {dut_inst.gen_acc[2].amem_inst.mem_reg[mi],
                                                   dut_inst.gen_acc[1].amem_inst.mem_reg[mi],
                                                   dut_inst.gen_acc[0].amem_inst.mem_reg[mi]} : 384'd0);
            end
            $fdisplay(fd_out, "F %0d %0d %0d %0d", last_out_cycle, first_in_cycle, beats_in, beats_out);
            $fclose(fd_out);
            if (fd_trc != 0) $fclose(fd_trc);
            $fclose(fd_in);
            $finish;
        end
        if (stall >= stall_limit) begin
            $display("ERROR: no handshake for %0d cycles at cycle %0d", stall, cycle);
            $fdisplay(fd_out, "X timeout %0d", cycle);
            $fclose(fd_out);
            if (fd_trc != 0) $fclose(fd_trc);
            $fclose(fd_in);
            $finish;
        end

        cycle = cycle + 32'd1;
    end
end

endmodule

`resetall
