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
// simulators) always uses this latch model.  With USE_BUFGCE = 1 and SYNTHESIS defined the gate
// is instead a Xilinx BUFGCE global clock buffer, whose clock enable has the same
// rising-edge-granular, glitch-free behaviour (for Vivado; the open-source flow keeps the latch).

module clock_gate #(
    // 1: map to a Xilinx 7-series BUFGCE in synthesis; 0: latch + AND gate (always in simulation)
    parameter USE_BUFGCE = 0
) (
    input  wire clk,     // free-running clock
    input  wire en,      // enable, launched by clk (sampled while clk is low)
    output wire gclk     // gated clock: clk's rising edges that follow a low phase with en = 1
);

`ifndef SYNTHESIS
initial begin
    if (USE_BUFGCE != 0 && USE_BUFGCE != 1) begin
        $error("clock_gate: USE_BUFGCE=%0d must be 0 or 1", USE_BUFGCE);
        $finish;
    end
end
`endif

`ifdef SYNTHESIS
localparam MAP_BUFGCE = USE_BUFGCE;
`else
localparam MAP_BUFGCE = 0;                              // simulation: always the latch model
`endif

generate
if (MAP_BUFGCE != 0) begin : gen_bufgce
`ifdef SYNTHESIS
    BUFGCE bufgce_inst (
        .I  (clk),
        .CE (en),
        .O  (gclk)
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
