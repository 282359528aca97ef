// SPDX-License-Identifier: Apache-2.0
// tb_engine_bench.vh -- the bench process shared by the two SNN engine benches
// (verif/snn_if/tb_if_engine_bench.v, verif/eprop/tb_eprop_bench.v).  Both engines have the same
// s_beat / m_dec handshake and the same AXI4-Lite register block (if_axil_regs; docs/snn_if_rtl.md
// "Address map", docs/eprop_rtl.md "Address map"), so their benches configure CTRL, read the
// statistics after every decision, drive idle cycles and back-pressure, check the handshakes and
// decide when the run is over in the same way; this file is that clocked process (one process,
// so the line order within a cycle is fixed).  What differs stays in the bench: the DUT, its
// plusargs and CTRL word, the input line, the D line and the end-of-run dump.
//
// Include after tb_bench.vh and tb_axil_master.vh and after the bench's DUT signals (the process
// drives s_beat_valid and m_dec_ready and samples s_beat_ready, m_dec_valid and the trc_* port).
// The bench sets ctrl_value (the CTRL word) in its initial block and defines three tasks, which
// the process calls:
//   eng_dec_line         write the D line of an m_dec handshake (may use in_cycle, the cycle of
//                        the beat's s_beat handshake, cycle and dec_wait)
//   eng_load_beat(ok)    read the next input line and drive the s_beat data signals; ok = 0 at
//                        the end of the file (s_beat_valid is the process's)
//   eng_end_dump         lines written at the end of the run, before the F line
//
// Per cycle (everything after reset release): the trace record (tb_bench.vh), the D line and the
// decision's bookkeeping, the s_beat handshake, the AXI4-Lite sequences below (over
// tb_axil_master.vh), two random draws (+idle_pct withholds s_beat_valid, +bp_pct lowers
// m_dec_ready), the next beat once the configuration is done, m_dec_ready (held low while
// statistics are being read: they are read before the next decision is taken), then the end of
// run (eof, every beat decided, the reads done and the trace port quiet for DRAIN_CYCLES) and
// the watchdog (+stall_limit cycles without a beat or decision handshake).
//
// AXI4-Lite sequences (the A and S lines of the output file):
//   configuration (SEQ_CFG, at once after reset): write CTRL, read ID, INFO, CTRL, STATUS;
//     one line per access at its response: A <w|r> <addr 2h> <resp 1h> <data 8h>
//   statistics (SEQ_STAT, after every decision with +stats=1, the default): read BEATS_DONE,
//     CYCLES_LAST, EVENTS_LAST, SAT_LAST, SAT_TOTAL; one line after the last:
//     S <beats 8h> <cycles 8h> <events 8h> <sat_last 8h> <sat_total 8h> <resp 1h (OR of the five)>
// Protocol errors seen: E beat_while_busy | decision_without_beat | decision_during_reads <cycle>.
// End of run: F <last_out_cycle dec> <first_in_cycle dec> <beats_in dec> <beats_out dec>.

// ---------------------------------------------------------------------------------------------
// Register map, sequences, state
// ---------------------------------------------------------------------------------------------

localparam DRAIN_CYCLES = 32;          // quiet cycles after the last decision before the end

// AXI4-Lite register offsets
localparam [7:0] A_ID     = 8'h00;
localparam [7:0] A_INFO   = 8'h04;
localparam [7:0] A_CTRL   = 8'h08;
localparam [7:0] A_STATUS = 8'h10;
localparam [7:0] A_BEATS  = 8'h14;     // BEATS_DONE, then CYCLES_LAST .. SAT_TOTAL every 4 bytes

localparam SEQ_CFG  = 1'b0;
localparam SEQ_STAT = 1'b1;
localparam SEQ_LEN  = 3'd5;

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

reg  [31:0] ctrl_value;                // CTRL, written first (set by the bench)
reg  [31:0] stats_en;                  // +stats=<0|1>: read the statistics after every decision
reg  [31:0] first_in_cycle = 32'd0;
reg         seen_in = 1'b0;
reg  [31:0] in_cycle = 32'd0;          // s_beat handshake of the beat in flight
reg  [31:0] last_out_cycle = 32'd0;
reg  [31:0] beats_in = 32'd0;
reg  [31:0] beats_out = 32'd0;
reg  [31:0] dec_wait = 32'd0;          // cycles the pending decision waited for m_dec_ready
reg         cfg_done = 1'b0;
reg         ax_seq = SEQ_CFG;
reg  [2:0]  ax_i = 3'd0;               // access of the sequence
reg  [2:0]  ax_left = SEQ_LEN;         // accesses left (the configuration starts at once)
reg         ax_done;
reg  [31:0] st_val [0:4];              // statistics read after the last decision
reg  [1:0]  st_resp = 2'd0;
reg  [31:0] r_idle;
reg  [31:0] r_bp;
reg         beat_ok;

initial begin
    if (!$value$plusargs("stats=%d", stats_en)) stats_en = 32'd1;
end

// ---------------------------------------------------------------------------------------------
// Steps of the process
// ---------------------------------------------------------------------------------------------

// an m_dec handshake, after its D line: count it, start the statistics reads
task eng_decision;
    begin
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
        bench_progress(beats_out);
    end
endtask

// an s_beat handshake
task eng_beat_in;
    begin
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
endtask

// responses sampled at this edge, then the next request of the sequence (if any)
task eng_axil_step;
    begin
        axil_step(ax_done);
        if (ax_done) begin
            if (ax_seq == SEQ_CFG && ax_i == 3'd0) begin
                $fdisplay(fd_out, "A w %h %h %h", seq_addr(ax_seq, ax_i), axil_resp, ctrl_value);
            end else if (ax_seq == SEQ_CFG) begin
                $fdisplay(fd_out, "A r %h %h %h", seq_addr(ax_seq, ax_i), axil_resp, axil_rdata);
            end else begin
                st_val[ax_i] = axil_rdata;
                st_resp = st_resp | axil_resp;
            end
            ax_i    = ax_i + 3'd1;
            ax_left = ax_left - 3'd1;
            if (ax_left == 3'd0) begin
                if (ax_seq == SEQ_CFG) begin
                    cfg_done = 1'b1;
                end else begin
                    $fdisplay(fd_out, "S %h %h %h %h %h %h", st_val[0], st_val[1], st_val[2],
                              st_val[3], st_val[4], st_resp);
                end
            end
        end
        if (axil_st == AXIL_IDLE && ax_left != 3'd0) begin
            if (ax_seq == SEQ_CFG && ax_i == 3'd0) begin
                axil_write(seq_addr(ax_seq, ax_i), ctrl_value);
            end else begin
                axil_read(seq_addr(ax_seq, ax_i));
            end
        end
    end
endtask

// ---------------------------------------------------------------------------------------------
// The process
// ---------------------------------------------------------------------------------------------

always @(posedge clk) begin
    if (!rst) begin
        // ---- monitor: values sampled at this edge -----------------------------------------
        if (trc_valid) begin
            bench_trace(trc_kind, trc_index, trc_step, trc_value);
        end
        if (m_dec_valid && m_dec_ready) begin
            eng_dec_line;
            eng_decision;
        end else if (m_dec_valid) begin
            dec_wait = dec_wait + 32'd1;
        end
        if (s_beat_valid && s_beat_ready) begin
            eng_beat_in;
        end

        // ---- AXI4-Lite: responses sampled at this edge, then the next request --------------
        eng_axil_step;

        // ---- random draws: always two per cycle, so the sequence never depends on state ----
        bench_draw(r_idle);
        bench_draw(r_bp);

        // ---- beat driver -------------------------------------------------------------------
        if (!s_beat_valid || s_beat_ready) begin
            s_beat_valid <= 1'b0;
            if (cfg_done && !eof && r_idle >= idle_pct) begin
                eng_load_beat(beat_ok);
                if (beat_ok) begin
                    s_beat_valid <= 1'b1;
                end else begin
                    eof = 1'b1;
                end
            end
        end
        // the statistics of a decision are read before the next decision is taken
        m_dec_ready <= (r_bp >= bp_pct) && (ax_left == 3'd0);

        // ---- end of run and watchdog -------------------------------------------------------
        bench_watch(eof && !s_beat_valid && beats_out == beats_in && ax_left == 3'd0 && !m_dec_valid
                        && !trc_valid,
                    (s_beat_valid && s_beat_ready) || (m_dec_valid && m_dec_ready) || !cfg_done);
        if (quiet >= DRAIN_CYCLES) begin
            eng_end_dump;
            $fdisplay(fd_out, "F %0d %0d %0d %0d", last_out_cycle, first_in_cycle, beats_in, beats_out);
            bench_finish;
        end
        if (stall >= stall_limit) begin
            bench_timeout;
        end

        cycle = cycle + 32'd1;
    end
end
