// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// bcnn_pe -- one processing element of bcnn_engine (docs/bcnn_rtl.md "Processing element"):
// N_OPS = 64 XNOR-popcounts per cycle for the binary units (conv2..conv4: the weight word of its
// filter against the broadcast feature-map word, popcount accumulated over the 14 or 7 words of
// one output), or one whole conv1 output per cycle (the 7 taps of its filter against the
// broadcast 7-sample window, each sample added or subtracted: no multiplier).  A finish strobe
// turns the accumulator into the unit's sum (binary: d = 2 * popcount - n) and the output bit
// (sum >= T) XOR flip; the threshold word of the filter is latched by thr_ld (T saturated to
// BCNN_SUM, which changes no bit since |sum| <= 896), the conv1 taps by c1w_ld.  Every register
// advances only with en (the engine's trace stall).  Latency: acc_en at edge e -> acc at e;
// fin at a later edge -> sum/bit valid after it.

module bcnn_pe #(
    parameter N_OPS = 64                       // XNOR-popcount lanes (a map word)
) (
    input  wire                        clk,
    input  wire                        en,         // advance (0: trace stall)

    input  wire [N_OPS-1:0]            w,          // this PE's weight-buffer word
    input  wire [N_OPS-1:0]            a,          // broadcast feature-map word
    input  wire [7*`ECG_BCNN_SAMPLE_W-1:0] win,    // conv1 window: sample k in bits 8k+7:8k
    input  wire                        mode_c1,    // 1: conv1 (window), 0: binary (XNOR)
    input  wire                        acc_en,     // accumulate this cycle's word / window
    input  wire                        acc_first,  // binary: start a new sum with this word
    input  wire                        fin,        // produce sum and bit from the accumulator
    input  wire [10:0]                 n_terms,    // binary: terms of one sum (896 / 448)
    input  wire                        thr_ld,     // latch the threshold word w
    input  wire                        c1w_ld,     // latch the conv1 taps w[6:0]

    output wire [`ECG_BCNN_SUM_W-1:0]  sum,        // the unit's pre-threshold sum
    output wire                        bit_out     // the unit's output bit
);

localparam SW = `ECG_BCNN_SUM_W;
localparam XW = `ECG_BCNN_SAMPLE_W;
localparam PW = $clog2(N_OPS + 1);

reg  [SW-1:0] acc_reg;
reg  [SW-1:0] thr_reg;
reg           flip_reg;
reg  [6:0]    c1w_reg;
reg  [SW-1:0] sum_reg;
reg           bit_reg;

// popcount of XNOR(w, a): a six-level adder tree
`include "bcnn_popcount.vh"
wire [PW-1:0] pc = popcount64(~(w ^ a));
integer i;

// conv1: sum over the 7 taps of +x or -x
reg signed [SW-1:0] s1;
reg signed [SW-1:0] xk;
always @* begin
    s1 = {SW{1'b0}};
    for (i = 0; i < 7; i = i + 1) begin
        xk = {{(SW-XW){win[XW*i+XW-1]}}, win[XW*i +: XW]};
        s1 = c1w_reg[i] ? s1 + xk : s1 - xk;
    end
end

// the threshold field saturated to BCNN_SUM
wire signed [31:0] t32 = w[31:0];
wire [SW-1:0] t_sat = (t32 > $signed(`ECG_BCNN_SUM_MAX)) ? `ECG_BCNN_SUM_MAX :
                      (t32 < $signed(`ECG_BCNN_SUM_MIN)) ? {1'b1, {(SW-1){1'b0}}} : w[SW-1:0];

wire [SW-1:0] d_bin = {acc_reg[SW-2:0], 1'b0} - {1'b0, n_terms};
wire [SW-1:0] d     = mode_c1 ? acc_reg : d_bin;

always @(posedge clk) begin
    if (en) begin
        if (acc_en) begin
            if (mode_c1) begin
                acc_reg <= s1;
            end else if (acc_first) begin
                acc_reg <= {{(SW-PW){1'b0}}, pc};
            end else begin
                acc_reg <= acc_reg + {{(SW-PW){1'b0}}, pc};
            end
        end
        if (thr_ld) begin
            thr_reg  <= t_sat;
            flip_reg <= w[`ECG_BCNN_FLIP_BIT];
        end
        if (c1w_ld) begin
            c1w_reg <= w[6:0];
        end
        if (fin) begin
            sum_reg <= d;
            bit_reg <= ($signed(d) >= $signed(thr_reg)) ^ flip_reg;
        end
    end
end

assign sum     = sum_reg;
assign bit_out = bit_reg;

wire unused_w = ^w[N_OPS-1:33];

endmodule

`resetall
