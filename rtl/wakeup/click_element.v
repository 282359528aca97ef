// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// click_element -- two-phase bundled-data Click controller (Peeters et al., 2010), in its
// synchronous-equivalent form, see docs/wakeup.md.  Every transition of req_in is a request;
// fire = !rst && (req_in != phase) && (ack_out == phase), i.e. "a new request is pending and the
// receiver has acknowledged the previous one", which is the Click's fire function
// (a_req & !b_ack & !phase) | (!a_req & b_ack & phase).  The phase flip-flop drives
// ack_in = req_out = phase and flips when fire is high.  MODELLING CHOICE: the phase flip-flop
// (and the data register the owner enables with fire) is clocked by the system clock clk with
// fire as its enable, instead of being clocked by fire itself as in the asynchronous original.
// Why: (1) req_in is launched by clk and ack_out by the gated clock derived from clk, so both
// only change just after a rising edge of clk and there is no asynchrony to exploit; (2) the
// asynchronous fire is a self-resetting pulse one flip-flop delay wide, which in zero-delay
// simulation is a zero-width glitch on Icarus and Verilator alike (it rises and falls in the same
// time step), so the falling-edge-sampling harness could never see or count it, and on an FPGA it
// would be a LUT-generated clock for 500+ flip-flops that static timing cannot close; (3) the
// repository's single reset convention (synchronous, active high, on clk) cannot reset a
// flip-flop clocked by fire.  The req/ack/fire semantics are unchanged: fire is a one-cycle
// enable pulse instead of a clock pulse, and it is never high during rst.  Latency: fire is
// combinational, high in the cycle in which req_in differs from phase while ack_out equals it;
// ack_in/req_out toggle at the next rising edge of clk (one cycle).

module click_element (
    input  wire clk,
    input  wire rst,       // synchronous, active high: phase <= 0 (ack_in = req_out = 0), no fire

    input  wire req_in,    // request from the sender: every transition is a new request
    output wire ack_in,    // acknowledge to the sender (= phase)
    output wire req_out,   // request to the receiver (= phase): data register valid on a transition
    input  wire ack_out,   // acknowledge from the receiver: a transition closes the cycle
    output wire fire       // one-cycle enable pulse: flips phase and loads the data register
);

reg phase_reg;

assign fire = !rst && (req_in != phase_reg) && (ack_out == phase_reg);

always @(posedge clk) begin
    if (rst) begin
        phase_reg <= 1'b0;
    end else if (fire) begin
        phase_reg <= !phase_reg;
    end
end

assign ack_in  = phase_reg;
assign req_out = phase_reg;

endmodule

`resetall
