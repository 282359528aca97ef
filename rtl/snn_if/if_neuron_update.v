// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// if_neuron_update -- the per-pass membrane update of one integrate-and-fire neuron, see
// docs/snn_if_rtl.md and golden/snn_if.py:
//     exact  = v + ((cur + bias) << 1)            (SUM_W bits, cannot overflow)
//     v_pre  = sat_VMEM(exact), sat = (v_pre != exact)
//     fire_en: count = (v_pre >= theta) + (v_pre >= 2*theta), v_post = v_pre - count*theta
//     else:    count = 0, v_post = v_pre           (output layer: accumulate only)
// Two pipeline stages, latency 1: the exact sum is computed from v, cur, bias and registered
// (with theta and fire_en) at a clock edge with en high; the outputs are the saturation and
// firing of that registered sum, so they hold the update of the inputs of the last enabled edge.
// The second stage needs no saturated value first: since 0 <= theta and 2*theta <= V_MAX,
// comparing the exact sum with theta / 2*theta gives the same count as comparing v_pre, and
// the two differences exact - theta, exact - 2*theta (computed in parallel, their signs are
// the comparisons) are v_post whenever the sum does not saturate.  Saturated high, a hidden
// neuron fires twice (v_post = V_MAX - 2*theta); saturated low it cannot fire (v_post = V_MIN).
// The engine instantiates UPD_LANES of these.

module if_neuron_update #(
    // membrane width (signed, saturating)
    parameter V_W     = `ECG_SNN_VMEM_W,
    // accumulated synaptic current width (signed)
    parameter CUR_W   = 17,
    // bias width (signed)
    parameter B_W     = `ECG_SNN_BIAS_W,
    // threshold width (unsigned, 2*theta must fit the membrane)
    parameter TH_W    = `ECG_SNN_THETA_W,
    // width of the exact sum before saturation (signed)
    parameter SUM_W   = `ECG_SNN_ACC_W,
    // spike count width
    parameter C_W     = `ECG_SNN_COUNT_W
) (
    input  wire             clk,
    input  wire             en,         // register the sum of these inputs at this edge

    // stage 1: the operands
    input  wire [V_W-1:0]   v,          // membrane before the pass
    input  wire [CUR_W-1:0] cur,        // sum of the weights of the sources that spiked
    input  wire [B_W-1:0]   bias,
    input  wire [TH_W-1:0]  theta,
    input  wire             fire_en,    // 1: hidden layer (fires), 0: output layer

    // stage 2: the update of the operands registered at the last enabled edge
    output wire [V_W-1:0]   v_pre,      // after the saturating add, before firing
    output wire [V_W-1:0]   v_post,     // after firing (the new membrane)
    output wire [C_W-1:0]   count,      // spikes emitted, 0..2
    output wire             sat         // the add saturated
);

`ifndef SYNTHESIS
initial begin
    // |v + 2*(cur + bias)| must fit SUM_W bits for every input (the golden model's SNN_ACC bound)
    if (CUR_W < 2 || CUR_W > SUM_W - 2 || B_W > SUM_W - 2 || V_W > SUM_W - 2 ||
        ((2 * ((1 << (CUR_W-1)) + (1 << (B_W-1)) + (1 << (V_W-2)))) > (1 << (SUM_W-1)))) begin
        $error("if_neuron_update: SUM_W=%0d too narrow for CUR_W=%0d, B_W=%0d, V_W=%0d",
               SUM_W, CUR_W, B_W, V_W);
        $finish;
    end
    if (TH_W > V_W - 2) begin
        $error("if_neuron_update: 2*theta (TH_W=%0d) must fit the V_W=%0d-bit membrane", TH_W, V_W);
        $finish;
    end
    if (C_W != 2) begin
        $error("if_neuron_update: C_W=%0d must be 2 (counts 0..2)", C_W);
        $finish;
    end
end
`endif

localparam signed [SUM_W-1:0] V_MAX = {{(SUM_W-V_W+1){1'b0}}, {(V_W-1){1'b1}}};
localparam signed [SUM_W-1:0] V_MIN = {{(SUM_W-V_W+1){1'b1}}, {(V_W-1){1'b0}}};

// ---- stage 1: the exact sum ----------------------------------------------------------------

wire signed [SUM_W-1:0] v_ext    = {{(SUM_W-V_W){v[V_W-1]}}, v};
wire signed [SUM_W-1:0] cur_ext  = {{(SUM_W-CUR_W){cur[CUR_W-1]}}, cur};
wire signed [SUM_W-1:0] bias_ext = {{(SUM_W-B_W){bias[B_W-1]}}, bias};
wire signed [SUM_W-1:0] drive    = cur_ext + bias_ext;
wire signed [SUM_W-1:0] exact    = v_ext + {drive[SUM_W-2:0], 1'b0};

reg  signed [SUM_W-1:0] exact_reg;
reg         [TH_W-1:0]  theta_reg;
reg                     fire_reg;

always @(posedge clk) begin
    if (en) begin
        exact_reg <= exact;
        theta_reg <= theta;
        fire_reg  <= fire_en;
    end
end

// ---- stage 2: saturation and firing --------------------------------------------------------

wire over  = exact_reg > V_MAX;
wire under = exact_reg < V_MIN;

assign v_pre = over ? V_MAX[V_W-1:0] : under ? V_MIN[V_W-1:0] : exact_reg[V_W-1:0];
assign sat   = over || under;

// exact - theta and exact - 2*theta, one bit wider than the sum (theta >= 0, 2*theta < 2**(V_W-1))
wire signed [SUM_W:0] x_ext = {exact_reg[SUM_W-1], exact_reg};
wire signed [SUM_W:0] th1   = {{(SUM_W-TH_W+1){1'b0}}, theta_reg};
wire signed [SUM_W:0] th2   = {{(SUM_W-TH_W){1'b0}}, theta_reg, 1'b0};
wire signed [SUM_W:0] d1    = x_ext - th1;
wire signed [SUM_W:0] d2    = x_ext - th2;

wire ge1 = fire_reg && !d1[SUM_W];          // v_pre >= theta
wire ge2 = fire_reg && !d2[SUM_W];          // v_pre >= 2*theta

// saturated high and firing: V_MAX - 2*theta = the low V_W-1 bits of 2*theta inverted
wire [V_W-1:0] th2_v   = {{(V_W-TH_W-1){1'b0}}, theta_reg, 1'b0};
wire [V_W-1:0] max_sub = {1'b0, ~th2_v[V_W-2:0]};

assign v_post = over  ? (fire_reg ? max_sub : V_MAX[V_W-1:0]) :
                under ? V_MIN[V_W-1:0] :
                ge2   ? d2[V_W-1:0] :
                ge1   ? d1[V_W-1:0] : exact_reg[V_W-1:0];
assign count  = {ge2, ge1 && !ge2};

// drive fits SUM_W-1 bits (its top bit is a sign copy); the differences are used only in their
// low V_W bits (when the sum does not saturate) and their sign
wire unused_hi = ^{drive[SUM_W-1], d1[SUM_W-1:V_W], d2[SUM_W-1:V_W], th2_v[V_W-1]};

endmodule

`resetall
