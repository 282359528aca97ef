// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// axil_wake -- keeps a gated clock awake while an AXI4-Lite master uses a slave that runs on it
// (ecg_pipeline_top's stage-2 port, docs/system.md "Pipeline").  Watches the port on the free
// clock clk: wake is high while an AW, W or AR request is valid (combinational, so the request's
// first cycle already opens the gate for the next edge) and while an accepted write has not had
// its B handshake or an accepted read its R handshake (wpend / rpend, set at the AW / AR
// handshake, cleared at the B / R handshake).  The response handshake clears its flag at the
// rising edge that completes it, which is a gated edge too (the flag was high in that cycle), so
// the slave always sees bready / rready and never keeps a stale response when the gate closes.
// One outstanding write and one outstanding read (the AXI4-Lite slaves of this repository).
// Latency: wake follows a request valid in the same cycle; it falls in the cycle after the
// response handshake (unless another request is valid).

module axil_wake (
    input  wire clk,
    input  wire rst,          // synchronous, active high
    input  wire awvalid,
    input  wire awready,
    input  wire wvalid,
    input  wire arvalid,
    input  wire arready,
    input  wire bvalid,
    input  wire bready,
    input  wire rvalid,
    input  wire rready,
    output wire wake
);

reg wpend_reg;                // AW taken, B not yet taken
reg rpend_reg;                // AR taken, R not yet taken

always @(posedge clk) begin
    if (rst) begin
        wpend_reg <= 1'b0;
        rpend_reg <= 1'b0;
    end else begin
        if (awvalid && awready) begin
            wpend_reg <= 1'b1;
        end else if (bvalid && bready) begin
            wpend_reg <= 1'b0;
        end
        if (arvalid && arready) begin
            rpend_reg <= 1'b1;
        end else if (rvalid && rready) begin
            rpend_reg <= 1'b0;
        end
    end
end

assign wake = awvalid || wvalid || arvalid || wpend_reg || rpend_reg;

endmodule

`resetall
