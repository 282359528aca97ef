// SPDX-License-Identifier: Apache-2.0
// bcnn_popcount.vh -- popcount64: the number of ones of a 64-bit word as a six-level adder tree
// (2-, 3-, 4-, 5-, 6-, 7-bit partial sums), included inside bcnn_pe and bcnn_fc.
function [6:0] popcount64;
    input [63:0] v;
    reg   [63:0] l1;      // 32 x 2 bits
    reg   [47:0] l2;      // 16 x 3
    reg   [31:0] l3;      //  8 x 4
    reg   [19:0] l4;      //  4 x 5
    reg   [11:0] l5;      //  2 x 6
    integer q;
    begin
        for (q = 0; q < 32; q = q + 1) l1[2*q +: 2] = {1'b0, v[2*q]} + {1'b0, v[2*q+1]};
        for (q = 0; q < 16; q = q + 1) l2[3*q +: 3] = {1'b0, l1[4*q +: 2]} + {1'b0, l1[4*q+2 +: 2]};
        for (q = 0; q < 8; q = q + 1)  l3[4*q +: 4] = {1'b0, l2[6*q +: 3]} + {1'b0, l2[6*q+3 +: 3]};
        for (q = 0; q < 4; q = q + 1)  l4[5*q +: 5] = {1'b0, l3[8*q +: 4]} + {1'b0, l3[8*q+4 +: 4]};
        for (q = 0; q < 2; q = q + 1)  l5[6*q +: 6] = {1'b0, l4[10*q +: 5]} + {1'b0, l4[10*q+5 +: 5]};
        popcount64 = {1'b0, l5[5:0]} + {1'b0, l5[11:6]};
    end
endfunction
