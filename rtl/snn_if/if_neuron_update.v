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
// Purely combinational (latency 0); the engine instantiates UPD_LANES of these.

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
    input  wire [V_W-1:0]   v,          // membrane before the pass
    input  wire [CUR_W-1:0] cur,        // sum of the weights of the sources that spiked
    input  wire [B_W-1:0]   bias,
    input  wire [TH_W-1:0]  theta,
    input  wire             fire_en,    // 1: hidden layer (fires), 0: output layer
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

wire signed [SUM_W-1:0] v_ext    = {{(SUM_W-V_W){v[V_W-1]}}, v};
wire signed [SUM_W-1:0] cur_ext  = {{(SUM_W-CUR_W){cur[CUR_W-1]}}, cur};
wire signed [SUM_W-1:0] bias_ext = {{(SUM_W-B_W){bias[B_W-1]}}, bias};
wire signed [SUM_W-1:0] drive    = cur_ext + bias_ext;
wire signed [SUM_W-1:0] exact    = v_ext + {drive[SUM_W-2:0], 1'b0};

wire over  = exact > V_MAX;
wire under = exact < V_MIN;

assign v_pre = over ? V_MAX[V_W-1:0] : under ? V_MIN[V_W-1:0] : exact[V_W-1:0];
assign sat   = over || under;

// firing: compare with theta and 2*theta (both positive, below 2**(V_W-1))
wire signed [V_W:0] pre_ext = {v_pre[V_W-1], v_pre};
wire signed [V_W:0] th1     = {{(V_W-TH_W+1){1'b0}}, theta};
wire signed [V_W:0] th2     = {{(V_W-TH_W){1'b0}}, theta, 1'b0};

wire ge1 = fire_en && (pre_ext >= th1);
wire ge2 = fire_en && (pre_ext >= th2);

wire [V_W:0] sub = ge2 ? th2 : ge1 ? th1 : {(V_W+1){1'b0}};
wire [V_W:0] post_ext = pre_ext - sub;

assign v_post = post_ext[V_W-1:0];
assign count  = {ge2, ge1 && !ge2};

// drive fits SUM_W-1 bits (its top bit is a sign copy); the top bit of the subtraction is the sign extension of a value that fits V_W bits
wire unused_hi = ^{post_ext[V_W], drive[SUM_W-1]};

endmodule

`resetall
