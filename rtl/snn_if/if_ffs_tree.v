// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// if_ffs_tree -- find-first-set (lowest set bit) over a W-bit vector in two levels, combinational,
// see docs/snn_if_rtl.md.  The same function as if_ffs, built for a short critical path on wide
// vectors (the IF engine's 250 sources): the vector is cut into groups of 2**GW_S bits; each group
// finds its lowest set bit alone (a GW-bit one-hot, its GW_S-bit index and the flag bit at that
// position), and in parallel a find-first-set over the NG group "any" bits selects the group.
// The index is {group index, the selected group's local index}, the flag is the selected group's
// flag, both as AND-OR selections, and rest = in without the found bit.  There is no W-bit
// carry chain, and the flag (e.g. "count is 2") needs no index-driven multiplexer after the
// encoder.  `any`, `idx`, `flag_at` are 0 and `rest` 0 when no bit is set.  Latency: none.

module if_ffs_tree #(
    // width of the searched vector
    parameter W     = 250,
    // width of the index output (2**IDX_W >= W)
    parameter IDX_W = 8,
    // log2 of the group width
    parameter GW_S  = 4
) (
    input  wire [W-1:0]     in,
    input  wire [W-1:0]     flag,     // a bit per position, returned at the found position
    output wire             any,
    output wire [IDX_W-1:0] idx,
    output wire [W-1:0]     rest,     // in without its lowest set bit
    output wire             flag_at   // flag[idx] (0 when no bit is set)
);

localparam integer GW = 1 << GW_S;                // group width
localparam integer NG = (W + GW - 1) / GW;        // groups
localparam integer PW = NG * GW;                  // padded width
localparam integer GI = IDX_W - GW_S;             // group index bits

`ifndef SYNTHESIS
initial begin
    if (W < 2 || (1 << IDX_W) < W || GW_S < 1 || GI < 1 || NG < 2) begin
        $error("if_ffs_tree: W=%0d, IDX_W=%0d, GW_S=%0d: need W >= 2 fitting IDX_W bits, 2 groups or more",
               W, IDX_W, GW_S);
        $finish;
    end
end
`endif

// positions 0..n-1 whose index has bit b set (elaboration only: no run-time coverage)
/*verilator coverage_off*/
function [PW-1:0] mask;
    input integer b;
    input integer n;
    integer       i;
    begin
        mask = {PW{1'b0}};
        for (i = 0; i < n; i = i + 1) begin
            mask[i] = ((i >> b) & 1) == 1;
        end
    end
endfunction
/*verilator coverage_on*/

wire [PW-1:0] in_p;
wire [PW-1:0] flag_p;
/* verilator lint_off UNUSEDSIGNAL */
wire [PW-1:0] g_lo;            // lowest set bit of every group (padding bits: constant 0, unused)
/* verilator lint_on UNUSEDSIGNAL */
wire [NG-1:0] g_any;           // group g has a set bit
wire [NG-1:0] g_flag;          // flag at group g's lowest set bit
wire [NG*GW_S-1:0] g_idx;      // group g's local index, GW_S bits per group

generate
if (PW > W) begin : gen_pad
    assign in_p   = {{(PW-W){1'b0}}, in};
    assign flag_p = {{(PW-W){1'b0}}, flag};
end else begin : gen_nopad
    assign in_p   = in;
    assign flag_p = flag;
end
endgenerate

// level 1: every group alone
genvar g, b;
generate
for (g = 0; g < NG; g = g + 1) begin : gen_grp
    wire [GW-1:0] x   = in_p[g*GW +: GW];
    wire [GW-1:0] dec = x - {{(GW-1){1'b0}}, 1'b1};
    wire [GW-1:0] lo  = x & ~dec;                  // lowest set bit of the group
    assign g_lo[g*GW +: GW] = lo;
    assign g_any[g]  = |x;
    assign g_flag[g] = |(lo & flag_p[g*GW +: GW]);
    for (b = 0; b < GW_S; b = b + 1) begin : gen_lidx
        localparam [PW-1:0] MASK = mask(b, GW);
        assign g_idx[g*GW_S + b] = |(lo & MASK[GW-1:0]);
    end
end
endgenerate

// level 2: the lowest group with a set bit
wire [NG-1:0] g_dec = g_any - {{(NG-1){1'b0}}, 1'b1};
wire [NG-1:0] g_sel = g_any & ~g_dec;

generate
for (b = 0; b < GI; b = b + 1) begin : gen_gidx
    localparam [PW-1:0] MASK = mask(b, NG);
    assign idx[GW_S + b] = |(g_sel & MASK[NG-1:0]);
end
for (b = 0; b < GW_S; b = b + 1) begin : gen_sidx
    wire [NG-1:0] col;                             // bit b of every group's local index
    for (g = 0; g < NG; g = g + 1) begin : gen_col
        assign col[g] = g_idx[g*GW_S + b];
    end
    assign idx[b] = |(g_sel & col);
end
for (b = 0; b < W; b = b + 1) begin : gen_rest            // clear the found bit
    assign rest[b] = in[b] & ~(g_lo[b] & g_sel[b / GW]);
end
endgenerate

assign any     = |g_any;
assign flag_at = |(g_sel & g_flag);

endmodule

`resetall
