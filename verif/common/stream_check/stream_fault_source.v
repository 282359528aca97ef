// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
// stream_fault_source -- a valid/ready stream source for verifying the testbench's stream
// handshake checker (verif/common/stream.py StreamMonitor), not part of any design.  It sends
// the words 0, 1, 2, ... (tlast on every 8th), with one idle cycle after every 5th handshake.
// fault = 0 is a correct source (a stalled word is held with its payload).  Each other value
// breaks exactly one rule after a word has been stalled for two cycles (an input, constant during
// a run, so one build serves every test):
//   1  tvalid dropped for a cycle without the handshake      2  tdata changed while stalled
module stream_fault_source (
    input  wire        clk,
    input  wire        rst,
    input  wire [1:0]  fault,               // which rule to break (0 = none)
    output wire [15:0] m_axis_tdata,
    output wire        m_axis_tlast,
    output wire        m_axis_tvalid,
    input  wire        m_axis_tready
);
    reg [15:0] word_q;                      // the word on offer
    reg        valid_q;
    reg [2:0]  gap_q;                       // handshakes since the last idle cycle
    reg [1:0]  stall_q;                     // cycles the word has been stalled (saturating)
    reg [15:0] junk_q;                      // FAULT 2: what tdata shows instead

    assign m_axis_tdata  = (fault == 2'd2 && stall_q == 2'd2) ? junk_q : word_q;
    assign m_axis_tlast  = word_q[2:0] == 3'd7;
    assign m_axis_tvalid = valid_q;

    always @(posedge clk) begin
        if (rst) begin
            word_q  <= 16'd0;
            valid_q <= 1'b0;
            gap_q   <= 3'd0;
            stall_q <= 2'd0;
            junk_q  <= 16'hdead;
        end else if (!valid_q) begin
            valid_q <= 1'b1;                // after reset or an idle (or, FAULT 1, a dropped) cycle
        end else if (m_axis_tready) begin
            word_q  <= word_q + 16'd1;
            stall_q <= 2'd0;
            if (gap_q == 3'd4) begin
                gap_q   <= 3'd0;
                valid_q <= 1'b0;            // a legal idle cycle after a handshake
            end else begin
                gap_q <= gap_q + 3'd1;
            end
        end else begin
            if (stall_q != 2'd2) stall_q <= stall_q + 2'd1;
            if (fault == 2'd1 && stall_q == 2'd1) valid_q <= 1'b0;
            junk_q <= junk_q + 16'd1;
        end
    end
endmodule
`resetall
