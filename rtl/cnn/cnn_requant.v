// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "cnn_regs.vh"

// cnn_requant -- the shared output unit of cnn_engine (docs/cnn_rtl.md "Requantization"): one
// DSP48 multiplier, latency 8 from an item at the input to its byte at the output registers.
//   CONV1D / DENSE item (at most one every 2 cycles): v = the int32 accumulator of one lane,
//     qa = Q_BASE + 2*co.  Reads bias = Q[qa] and M|S = Q[qa+1] (the two quant banks: even and
//     odd words, read in the same cycle), vb = int32(v + bias) (wrapping), p = vb*M computed over
//     two cycles on one 18 x 17 multiplier (vb[16:0] unsigned, then vb[31:17] signed; p =
//     hi*2^17 + lo), r = (p + 2^(S-1)) >> S = floor(p / 2^S) + p[S-1] (S = 0: r = p; S >= 48:
//     r = 0), y = clamp(r, -128, 127), ReLU; written when `we`.
//   ADD items come in pairs on consecutive cycles (first: v = a, second: v = b; qa = Q_BASE):
//     p = a*MA + b*MB (int8 x int16, one cycle each), then the same rounding shift, clamp, ReLU;
//     the second item writes.
// The shift keeps only what the int8 clamp needs: the 9 bits floor(p / 2^S) mod 2^9, the
// rounding bit p[S-1], and whether the bits of p above S+8 all equal its sign.

module cnn_requant #(
    parameter QAW = 9,                 // quant word address bits
    parameter AAW = 13                 // activation byte address bits
) (
    input  wire           clk,
    input  wire           rst,

    input  wire           in_valid,
    input  wire [31:0]    in_v,
    input  wire [QAW-1:0] in_qa,
    input  wire [AAW-1:0] in_oa,
    input  wire           in_we,        // write the result (lane with co < COUT; ADD second)
    input  wire           in_add,       // ADD item
    input  wire           in_second,    // ADD: second item of the pair
    input  wire           in_relu,
    input  wire           in_last,      // last item of the layer

    // quant RAM banks (word w in bank w[0] at index w >> 1), latency 2
    output wire [QAW-2:0] qe_raddr,
    output wire [QAW-2:0] qo_raddr,
    output wire           q_re,
    input  wire [31:0]    qe_rdata,
    input  wire [31:0]    qo_rdata,

    output wire           out_we,
    output wire [AAW-1:0] out_addr,
    output wire [7:0]     out_data,
    output wire           out_last
);

// control tags through the pipeline: valid, we, add, second, relu, last, qa[0]
localparam TW = 7;
localparam NST = 8;

// qa even: bias in the even bank at qa/2, M|S in the odd bank at qa/2;
// qa odd:  bias in the odd bank at (qa-1)/2, M|S in the even bank at (qa+1)/2
wire [QAW-1:0] qa_p1 = in_qa + {{(QAW-1){1'b0}}, 1'b1};
assign qe_raddr = qa_p1[QAW-1:1];
assign qo_raddr = in_qa[QAW-1:1];
assign q_re     = 1'b1;          // read every cycle (an invalid item's words are ignored)

reg [TW-1:0]  tag_reg [1:NST];
reg [AAW-1:0] oa_reg  [1:NST];
reg [31:0]    v1_reg;
reg [31:0]    v2_reg;

reg  signed [17:0] op_reg;       // multiplier operand: vb[16:0] (unsigned), vb[31:17], or ADD a / b
reg  signed [16:0] m_reg;
reg         [14:0] vbh_reg;      // vb[31:17], the second cycle's operand
reg         [5:0]  s3_reg;
reg         [5:0]  s4_reg;
reg         [5:0]  s5_reg;
reg         [5:0]  s6_reg;
reg  signed [34:0] p4_reg;
reg  signed [34:0] p5_reg;
reg  signed [48:0] sum_reg;
reg         [8:0]  q7_reg;       // floor(p / 2^S) mod 2^9
reg                rb7_reg;      // p[S-1] (0 when S = 0)
reg                in7_reg;      // floor(p / 2^S) in -256..255 (or S >= 48)
reg                sg7_reg;      // sign of p
reg         [7:0]  y_reg;

// stage 2: the quant words of this item
wire        t2_odd = tag_reg[2][0];
wire [31:0] w_bias = t2_odd ? qo_rdata : qe_rdata;     // word qa
wire [31:0] w_ms   = t2_odd ? qe_rdata : qo_rdata;     // word qa + 1
wire        t2_add = tag_reg[2][4];
wire        t2_sec = tag_reg[2][3];
wire [31:0] vb_next = t2_add ? v2_reg : v2_reg + w_bias;
wire [15:0] ma_w    = w_bias[`CNN_QA_MA_LSB +: `CNN_QA_MA_W];
wire [15:0] mb_w    = w_bias[`CNN_QA_MB_LSB +: `CNN_QA_MB_W];
wire [16:0] m_next  = !t2_add ? {1'b0, w_ms[`CNN_QW_M_LSB +: `CNN_QW_M_W]} :
                      t2_sec ? {mb_w[15], mb_w} : {ma_w[15], ma_w};
wire [5:0]  s_next  = t2_add ? {1'b0, w_ms[`CNN_QA_S_LSB +: `CNN_QA_S_W]} : w_ms[`CNN_QW_S_LSB +: `CNN_QW_S_W];
wire unused_qw = ^{w_ms[31:22], qa_p1[0]};
// ADD: v = a or b, an int8 sign-extended: its low 18 bits are the whole value
wire [17:0] op_lo   = t2_add ? vb_next[17:0] : {1'b0, vb_next[16:0]};

// stage 3: the first cycle of a CONV1D / DENSE item (its second one follows at stage 4)
wire        t3_mac  = tag_reg[3][6] && !tag_reg[3][4];
wire [17:0] op_next = t3_mac ? {{3{vbh_reg[14]}}, vbh_reg} : op_lo;

// stage 5: p (CONV1D / DENSE: p4 holds hi, p5 lo; ADD: p5 the product of the item)
wire        t5_add  = tag_reg[5][4];
wire        t5_sec  = tag_reg[5][3];
wire signed [48:0] sum_x = t5_add ? {{14{p5_reg[34]}}, p5_reg} : {p4_reg[31:0], 17'd0};
wire signed [48:0] sum_y = t5_add ? (t5_sec ? sum_reg : 49'sd0) : {{14{p5_reg[34]}}, p5_reg};
wire unused_p4 = ^p4_reg[34:32];

// stage 6: the window of the shift; stage 7: round, clamp and ReLU
// {p, 0} >>> S, bits 9..0: floor(p / 2^S) mod 2^9 and p[S-1] (0 when S = 0)
wire signed [49:0] p_x2   = {sum_reg, 1'b0};
wire        [49:0] sh_win = p_x2 >>> s6_reg;                 // only the low 10 bits are used
// floor(p / 2^S) is in -256..255 when the bits of p at S+8 .. 48 all equal the sign: a thermometer mask from S
reg  [48:0] hi_mask;
integer j;
always @* begin
    for (j = 0; j < 49; j = j + 1) begin
        hi_mask[j] = (j >= 8) && (j - 8 >= s6_reg);
    end
end
wire        sg_next = sum_reg[48];
wire        in_next = (s6_reg >= 6'd48) || !(|(hi_mask & (sum_reg ^ {49{sg_next}})));
// S >= 48: r = 0 (p is then in the sign's 49 bits: floor is 0 or -1, with the rounding bit 0)
wire [8:0]  q_next  = (s6_reg >= 6'd48) ? 9'd0 : sh_win[9:1];
wire        rb_next = (s6_reg >= 6'd48) ? 1'b0 : sh_win[0];
wire unused_sh = ^sh_win[49:10];

wire [9:0]  r10     = {q7_reg[8], q7_reg} + {9'd0, rb7_reg};
wire        t7_relu = tag_reg[7][2];
wire        hi_sat  = in7_reg ? (!r10[9] && (|r10[8:7])) : !sg7_reg;
wire        lo_sat  = in7_reg ? (r10[9] && !(&r10[8:7])) : sg7_reg;
wire [7:0]  y_sat   = hi_sat ? 8'h7f : lo_sat ? 8'h80 : r10[7:0];
wire [7:0]  y_next  = (t7_relu && y_sat[7]) ? 8'h00 : y_sat;

integer i;
always @(posedge clk) begin
    if (rst) begin
        for (i = 1; i <= NST; i = i + 1) begin
            tag_reg[i] <= {TW{1'b0}};
        end
    end else begin
        tag_reg[1] <= {in_valid, in_valid && in_we, in_add, in_second, in_relu, in_valid && in_last, in_qa[0]};
        for (i = 2; i <= NST; i = i + 1) begin
            tag_reg[i] <= tag_reg[i-1];
        end
    end
end

always @(posedge clk) begin
    oa_reg[1] <= in_oa;
    for (i = 2; i <= NST; i = i + 1) begin
        oa_reg[i] <= oa_reg[i-1];
    end
    v1_reg  <= in_v;
    v2_reg  <= v1_reg;
    op_reg  <= op_next;
    vbh_reg <= vb_next[31:17];
    m_reg   <= t3_mac ? m_reg : m_next;
    s3_reg  <= t3_mac ? s3_reg : s_next;
    p4_reg  <= op_reg * m_reg;
    s4_reg  <= s3_reg;
    p5_reg  <= p4_reg;
    s5_reg  <= s4_reg;
    sum_reg <= sum_x + sum_y;
    s6_reg  <= s5_reg;
    q7_reg  <= q_next;
    rb7_reg <= rb_next;
    in7_reg <= in_next;
    sg7_reg <= sg_next;
    y_reg   <= y_next;
end

assign out_we   = tag_reg[NST][5];
assign out_addr = oa_reg[NST];
assign out_data = y_reg;
assign out_last = tag_reg[NST][1];

endmodule

`resetall
