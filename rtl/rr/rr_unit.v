// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "ecg_formats.vh"

// rr_unit -- beat-timing inputs of the IF screen (golden/rr.py, docs/rr.md).  Per beat the
// host gives the pre-RR interval in samples (`in_delta`, the R peak of this beat minus the R peak
// of the previous beat of the same record) and `in_first` (this is the first beat of a record).
// The unit keeps a running average A of the interval (u11.4) and emits 11 bits, from comparisons
// only (no division, no multiplier: K * A is a sum of shifted copies of A):
//   ratio bit m  = (rr << 8) >= RATIO_K[m] * A     (rr / avg >= K[m]/16), m = 0..7
//   absolute bit = rr >= ABS[m]                     (0.5 s, 0.7 s, 1.0 s), m = 0..2
// where rr = sat11(in_delta).  The first beat of a record (in_first, or the first beat after
// reset) uses rr = RR_INIT and A = RR_INIT << 4; the second seeds A with its own rr (ratio 1);
// from the third on, rr is compared with the average of the previous intervals and then folded
// in: A <- sat15(A + (((rr << 4) - A) >>> RR_AVG_SHIFT)).
// Latency: `out_bits` is combinational from the inputs and the state, valid in the cycle of the
// beat's `in_adv` strobe (the IF engine samples it with the beat's slots); the state advances at
// the rising edge that ends that cycle.

module rr_unit #(
    // host interval width (saturated to RR_INTERVAL inside)
    parameter DELTA_W = 16
) (
    input  wire               clk,
    input  wire               rst,        // synchronous, active high: the next beat is a first beat
    input  wire               in_adv,     // one beat is consumed this cycle
    input  wire               in_first,   // first beat of a record (restart)
    input  wire [DELTA_W-1:0] in_delta,   // pre-RR interval in samples (ignored on a first beat)
    output wire [`ECG_SNN_N_RR-1:0] out_bits   // {abs[2:0], ratio[7:0]}: bit m = golden bit m
);

localparam RR_W   = `ECG_RR_INTERVAL_W;   // 11
localparam A_W    = `ECG_RR_AVG_W;        // 15 (u11.4)
localparam N_RAT  = `ECG_RR_N_RATIO;
localparam N_ABS  = `ECG_RR_N_ABS;
localparam [RR_W-1:0] RR_MAX = {RR_W{1'b1}};
localparam [RR_W-1:0] INIT   = `ECG_RR_INIT;

`ifndef SYNTHESIS
initial begin
    if (DELTA_W < RR_W || N_RAT != 8 || N_ABS != 3 || N_RAT + N_ABS != `ECG_SNN_N_RR ||
        `ECG_RR_RATIO_K7 > 31) begin
        $error("rr_unit: DELTA_W=%0d must be >= %0d; the header must define 8 ratio (K < 32) + 3 absolute bits",
               DELTA_W, RR_W);
        $finish;
    end
end
`endif

// state: beats seen since the restart (0, 1, 2 = two or more) and the average
reg  [1:0]     n_reg;
reg  [A_W-1:0] avg_reg;

wire           first  = in_first || (n_reg == 2'd0);
wire [RR_W-1:0] rr_sat = (in_delta > {{(DELTA_W-RR_W){1'b0}}, RR_MAX}) ? RR_MAX : in_delta[RR_W-1:0];
wire [RR_W-1:0] rr     = first ? INIT : rr_sat;
// (coverage_off: zero-padded copies of rr and avg, whose padding bits are constant; the
// copied bits are the toggles of rr and avg)
/*verilator coverage_off*/
wire [A_W-1:0]  rr16   = {rr, 4'd0};
/*verilator coverage_on*/
// seed: on the first and second beat of a record the average is rr itself (A = rr << 4); the
// comparisons and the update below are written for A = avg_reg and the seed case is selected at
// their outputs, so the n_reg decode runs beside the carry chains instead of in front of them
wire            seed   = first || (n_reg == 2'd1);

// comparisons: rr << 8 (19 bits) against K * A (15 + 5 bits)
/*verilator coverage_off*/
wire [RR_W+7:0] lhs = {rr, 8'd0};
wire [A_W+4:0]  avg_x = {5'd0, avg_reg};
/*verilator coverage_on*/
// K * A as a sum of shifted copies of A (K is a constant: a few adders, no multiplier)
function [A_W+4:0] mul_k;
    input [A_W+4:0] a;
    input integer   k;
    integer         b;
    begin
        mul_k = {(A_W+5){1'b0}};
        for (b = 0; b < 5; b = b + 1) begin
            if (((k >> b) & 1) == 1) begin
                mul_k = mul_k + (a << b);
            end
        end
    end
endfunction

// with A = rr << 4 (seed) the comparison (rr << 8) >= K * (rr << 4) is rr * 16 >= K * rr: true
// when K <= 16 or rr = 0, a constant per bit apart from the rr = 0 case
wire             rr_zero = (rr == {RR_W{1'b0}});
wire [N_RAT-1:0] ratio_run;
wire [N_RAT-1:0] ratio_seed;
assign ratio_run[0] = {1'b0, lhs} >= mul_k(avg_x, `ECG_RR_RATIO_K0);
assign ratio_run[1] = {1'b0, lhs} >= mul_k(avg_x, `ECG_RR_RATIO_K1);
assign ratio_run[2] = {1'b0, lhs} >= mul_k(avg_x, `ECG_RR_RATIO_K2);
assign ratio_run[3] = {1'b0, lhs} >= mul_k(avg_x, `ECG_RR_RATIO_K3);
assign ratio_run[4] = {1'b0, lhs} >= mul_k(avg_x, `ECG_RR_RATIO_K4);
assign ratio_run[5] = {1'b0, lhs} >= mul_k(avg_x, `ECG_RR_RATIO_K5);
assign ratio_run[6] = {1'b0, lhs} >= mul_k(avg_x, `ECG_RR_RATIO_K6);
assign ratio_run[7] = {1'b0, lhs} >= mul_k(avg_x, `ECG_RR_RATIO_K7);
assign ratio_seed[0] = rr_zero || (`ECG_RR_RATIO_K0 <= 16);
assign ratio_seed[1] = rr_zero || (`ECG_RR_RATIO_K1 <= 16);
assign ratio_seed[2] = rr_zero || (`ECG_RR_RATIO_K2 <= 16);
assign ratio_seed[3] = rr_zero || (`ECG_RR_RATIO_K3 <= 16);
assign ratio_seed[4] = rr_zero || (`ECG_RR_RATIO_K4 <= 16);
assign ratio_seed[5] = rr_zero || (`ECG_RR_RATIO_K5 <= 16);
assign ratio_seed[6] = rr_zero || (`ECG_RR_RATIO_K6 <= 16);
assign ratio_seed[7] = rr_zero || (`ECG_RR_RATIO_K7 <= 16);
wire [N_RAT-1:0] ratio = seed ? ratio_seed : ratio_run;
wire [N_ABS-1:0] absb;
assign absb[0] = rr >= `ECG_RR_ABS0;
assign absb[1] = rr >= `ECG_RR_ABS1;
assign absb[2] = rr >= `ECG_RR_ABS2;
assign out_bits = {absb, ratio};

// A + (((rr << 4) - A) >>> SHIFT): a step towards rr << 4 that never passes it, so the result
// lies between A and rr << 4 and fits u11.4 (RR_AVG's saturation never acts)
// (seed: A = rr << 4 gives a zero step, so the new average is rr << 4 itself)
wire signed [A_W+1:0] diff    = $signed({2'b00, rr16}) - $signed({2'b00, avg_reg});
wire signed [A_W+1:0] step    = diff >>> `ECG_RR_AVG_SHIFT;
/*verilator coverage_off*/
wire signed [A_W+1:0] run_avg = $signed({2'b00, avg_reg}) + step;
wire signed [A_W+1:0] new_avg = seed ? $signed({2'b00, rr16}) : run_avg;
wire [1:0] unused_new_avg_msbs = new_avg[A_W+1:A_W];    // always 0 (see above)
/*verilator coverage_on*/

always @(posedge clk) begin
    if (rst) begin
        n_reg   <= 2'd0;
        avg_reg <= {A_W{1'b0}};
    end else if (in_adv) begin
        n_reg   <= first ? 2'd1 : 2'd2;
        avg_reg <= new_avg[A_W-1:0];
    end
end

endmodule

`resetall
