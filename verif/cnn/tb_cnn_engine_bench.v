// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`define TB_AXIL_ADDR_W 20
`include "cnn_regs.vh"

// tb_cnn_engine_bench -- plain-Verilog bulk benchmark for cnn_engine, unchanged on Icarus
// (iverilog -g2012) and Verilator (--binary --timing); `make bench B=cnn` (scripts/bench_cnn.py)
// builds it.  It plays a transaction script that the host driver itself wrote: the Python driver
// driver/cnn_ip (CnnIp) runs the network over a recording bus (scripts/bench_cnn.py
// RecordingBus), every read32/write32 of the driver becomes one line, and this bench issues the
// accesses in that order through its AXI4-Lite master (verif/common/tb_axil_master.vh), writing
// every read's response and data to the output file.  scripts/bench_cnn.py then replays the same
// driver calls against those read values and compares everything with the golden model.
//
// Parameter: N_MAC (the DUT's; the other memory parameters are the defaults).
// Plusargs: +in=<path> +out=<path> (required) +seed=<n> (default 1) +axil_resp_delay=<n>
//   (response back-pressure of the master, default 4; tb_axil_master.vh) +progress=<n> (print
//   "PROGRESS <marks>" every n beat marks, default 0 = never) +stall_limit=<n> (abort after n
//   cycles in which no access completed other than a STATUS poll that still read BUSY, default
//   2000000).
// Input file: one access per line, "<op 1h> <addr 5h> <data 8h>":
//   0  write data at addr (AW and W together, WSTRB 4'hF)
//   1  read addr
//   2  the driver's DONE wait: read addr (STATUS) again until BUSY (bit 0) reads 0
//   3  mark: no access; data is the beat number (a boundary between the driver's calls)
// Output file (+out), hex unless noted:
//   R <resp 1h> <data 8h>                  a read (op 1) at its response
//   P <resp 1h> <data 8h> <polls dec>      a DONE wait (op 2): the first STATUS read with BUSY
//                                          low (or with a non-OKAY response), and the reads made
//   M <data 8h> <cycle dec>                a mark, with the cycle it was reached
//   E wresp <addr 5h> <resp 1h> <cycle dec> a write answered other than OKAY
//   E bad_op <op 1h> <cycle dec>           an input line with an unknown op (then the end)
//   E awready_without_wready <cycle dec>   (tb_axil_master.vh)
//   F <cycle dec> <lines dec>              end of run: the input file is exhausted
//   X timeout <cycle dec>                  stall watchdog fired (then $finish)
// Cycle n is the n-th rising edge after reset release; an access starts in the cycle the
// previous one completes, so the cycles between two marks are the RTL's layer cycles plus the
// bus cycles of the driver's accesses (with +axil_resp_delay=0: the slave's own latencies).

module tb_cnn_engine_bench #(
    parameter N_MAC = `CNN_DEF_N_MAC
);

`include "tb_bench.vh"
`include "tb_axil_master.vh"

// ---------------------------------------------------------------------------------------------
// DUT
// ---------------------------------------------------------------------------------------------

wire irq;

cnn_engine #(
    .N_MAC(N_MAC)
) dut_inst (
    .clk   (clk),
    .rst   (rst),
    `TB_AXIL_PORTS(s_axil_),
    .irq   (irq)
);

// ---------------------------------------------------------------------------------------------
// Plusargs and files
// ---------------------------------------------------------------------------------------------

initial begin
    bench_plusargs(32'd2000000, 1'b1);
    bench_open_files(1'b0);
end

// ---------------------------------------------------------------------------------------------
// The script player
// ---------------------------------------------------------------------------------------------

reg  [3:0]                 in_op;
reg  [`CNN_ADDR_W-1:0]     in_addr;
reg  [31:0]                in_data;
reg                        polling = 1'b0;  // a DONE wait in flight (its STATUS reads)
reg  [31:0]                polls = 32'd0;
reg  [3:0]                 cur_op = 4'd0;   // op of the access in flight
reg  [`CNN_ADDR_W-1:0]     cur_addr = {`CNN_ADDR_W{1'b0}};
reg  [31:0]                lines = 32'd0;
reg  [31:0]                marks = 32'd0;
reg                        done;
reg                        moved;
reg                        next;            // start the next line's access in this cycle

always @(posedge clk) begin
    if (!rst) begin
        moved = 1'b0;
        axil_step(done);
        if (done) begin
            case (cur_op)
                4'd0: begin
                    moved = 1'b1;
                    if (axil_resp != 2'd0) begin
                        $fdisplay(fd_out, "E wresp %h %h %0d", cur_addr, axil_resp, cycle);
                    end
                end
                4'd1: begin
                    moved = 1'b1;
                    $fdisplay(fd_out, "R %h %h", axil_resp, axil_rdata);
                end
                default: begin
                    polls = polls + 32'd1;
                    if (axil_resp != 2'd0 || !axil_rdata[`CNN_STATUS_BUSY_BIT]) begin
                        moved = 1'b1;
                        polling = 1'b0;
                        $fdisplay(fd_out, "P %h %h %0d", axil_resp, axil_rdata, polls);
                    end
                end
            endcase
        end
        // the next access: the DONE wait's next STATUS read, or the next line(s) of the script
        // (marks take no access, so every mark of a run of them is written in this cycle)
        next = axil_st == AXIL_IDLE && !eof;
        while (next) begin
            if (polling) begin
                axil_read(cur_addr);
                next = 1'b0;
            end else begin
                code = $fscanf(fd_in, "%h %h %h\n", in_op, in_addr, in_data);
                if (code != 3) begin
                    eof = 1'b1;
                    next = 1'b0;
                end else begin
                    lines = lines + 32'd1;
                    cur_op = in_op;
                    cur_addr = in_addr;
                    case (in_op)
                        4'd0: begin
                            axil_write(in_addr, in_data);
                            next = 1'b0;
                        end
                        4'd1: begin
                            axil_read(in_addr);
                            next = 1'b0;
                        end
                        4'd2: begin
                            polling = 1'b1;
                            polls = 32'd0;
                            axil_read(in_addr);
                            next = 1'b0;
                        end
                        4'd3: begin
                            marks = marks + 32'd1;
                            $fdisplay(fd_out, "M %h %0d", in_data, cycle);
                            bench_progress(marks);
                        end
                        default: begin
                            $fdisplay(fd_out, "E bad_op %h %0d", in_op, cycle);
                            $display("ERROR: input line %0d: unknown op %0d", lines, in_op);
                            eof = 1'b1;
                            next = 1'b0;
                        end
                    endcase
                end
            end
        end
        bench_watch(1'b0, moved || axil_st == AXIL_IDLE);
        if (eof && axil_st == AXIL_IDLE) begin
            $fdisplay(fd_out, "F %0d %0d", cycle, lines);
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
