// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// if_ffs -- find-first-set (lowest set bit) over a W-bit vector, combinational, see
// docs/snn_if_rtl.md.  dec = in - 1 (one carry chain) gives both the vector without its lowest
// set bit (rest = in & dec) and that bit alone (onehot = in & ~dec); the index is the one-hot
// vector encoded by IDX_W OR-reductions (bit b of idx = OR of the one-hot bits whose position
// has bit b set).  `any` is 0, `idx` 0 and `rest` 0 when no bit is set.  Latency: none.

module if_ffs #(
    // width of the searched vector
    parameter W     = 250,
    // width of the index output (2**IDX_W >= W)
    parameter IDX_W = 8
) (
    input  wire [W-1:0]     in,
    output wire             any,
    output wire [IDX_W-1:0] idx,
    output wire [W-1:0]     rest      // in without its lowest set bit
);

`ifndef SYNTHESIS
initial begin
    if (W < 2 || (1 << IDX_W) < W) begin
        $error("if_ffs: W=%0d must be >= 2 and fit IDX_W=%0d index bits", W, IDX_W);
        $finish;
    end
end
`endif

// positions whose index has bit b set (elaboration only: no run-time coverage)
/*verilator coverage_off*/
function [W-1:0] mask;
    input integer b;
    integer       i;
    begin
        for (i = 0; i < W; i = i + 1) begin
            mask[i] = ((i >> b) & 1) == 1;
        end
    end
endfunction
/*verilator coverage_on*/

wire [W-1:0] dec    = in - {{(W-1){1'b0}}, 1'b1};
wire [W-1:0] onehot = in & ~dec;

genvar b;
generate
for (b = 0; b < IDX_W; b = b + 1) begin : gen_bit
    localparam [W-1:0] MASK = mask(b);
    assign idx[b] = |(onehot & MASK);
end
endgenerate

assign any  = |in;
assign rest = in & dec;

endmodule

`resetall
