// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// clock_gate -- glitch-free clock gate (integrated-clock-gate style), see docs/wakeup.md.  The
// enable is captured by a latch that is transparent while clk is low and opaque while clk is
// high, and gclk = clk & en_latched: en may change at any time during the cycle, but the latch
// output only changes while clk is low, when the AND gate's output is low anyway, so gclk has
// only whole clock pulses and no glitch.  Latency: en sampled in cycle n (at the end of the low
// phase, i.e. just before rising edge n+1) decides whether gclk has rising edge n+1; an en that
// is low for a whole low phase suppresses the following rising edge entirely.  Simulation (both
// simulators) always uses this latch model.  In synthesis (SYNTHESIS defined) GATE_KIND picks the
// target's form: 0 the latch + AND gate (ASIC flows, Yosys synth_xilinx); 1 a Xilinx 7-series
// BUFGCE global clock buffer (Vivado); 2 a Lattice ECP5 DCCA clock buffer with clock enable
// (Yosys synth_ecp5 + nextpnr, which reject the latch).  Both buffers switch their output only
// while the clock is low, the same rising-edge-granular, glitch-free behaviour as the latch.

module clock_gate #(
    // synthesis form of the gate: 0 latch + AND, 1 Xilinx BUFGCE, 2 Lattice ECP5 DCCA
    // (simulation always uses the latch model)
    parameter GATE_KIND = 0
) (
    input  wire clk,     // free-running clock
    input  wire en,      // enable, launched by clk (sampled while clk is low)
    output wire gclk     // gated clock: clk's rising edges that follow a low phase with en = 1
);

`ifndef SYNTHESIS
initial begin
    if (GATE_KIND < 0 || GATE_KIND > 2) begin
        $error("clock_gate: GATE_KIND=%0d must be 0 (latch), 1 (BUFGCE) or 2 (DCCA)", GATE_KIND);
        $finish;
    end
end
`endif

`ifdef SYNTHESIS
localparam MAP_KIND = GATE_KIND;
`else
localparam MAP_KIND = 0;                                // simulation: always the latch model
`endif

generate
if (MAP_KIND == 1) begin : gen_bufgce
`ifdef SYNTHESIS
    BUFGCE bufgce_inst (
        .I  (clk),
        .CE (en),
        .O  (gclk)
    );
`endif
end else if (MAP_KIND == 2) begin : gen_dcca
`ifdef SYNTHESIS
    DCCA dcca_inst (
        .CLKI (clk),
        .CE   (en),
        .CLKO (gclk)
    );
`endif
end else begin : gen_latch
    reg en_latched;                                     // the ICG latch (no reset: it follows en
                                                        //  within the first low phase)

    // level-sensitive latch, transparent while clk is low (intentional latch, see waivers.vlt)
    always @* begin
        if (!clk) begin
            en_latched = en;
        end
    end

    assign gclk = clk & en_latched;
end
endgenerate

endmodule

`resetall
