// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "cnn_regs.vh"

// cnn_requant -- the shared output unit of cnn_engine (docs/cnn_rtl.md "Requantization"): one
// item per cycle, fully pipelined, latency 8 from an item at the input to its byte at the
// output registers.
//   CONV1D / DENSE item: v = the int32 accumulator of one lane, qa = Q_BASE + 2*co.  Reads
//     bias = Q[qa] and M|S = Q[qa+1] (the two quant banks: even and odd words, read in the same
//     cycle), vb = int32(v + bias) (wrapping), p = vb*M, r = (p + 2^(S-1)) >> S (S = 0: r = p;
//     S >= 48: r = 0), y = clamp(r, -128, 127), ReLU; written when `we`.
//   ADD items come in pairs on consecutive cycles (first: v = a, second: v = b; qa = Q_BASE):
//     p = a*MA + (b*MB + 2^(S-1)) summed over the pair, then shift, clamp, ReLU; the second
//     item writes.

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

// stage 3 operands
reg  signed [31:0] vb_reg;
reg  signed [16:0] m_reg;
reg         [5:0]  s3_reg;
reg         [5:0]  s4_reg;
reg         [5:0]  s5_reg;
reg         [5:0]  s6_reg;
reg  signed [48:0] p4_reg;
reg  signed [48:0] p5_reg;
reg  signed [49:0] sum_reg;
reg  signed [49:0] sh_reg;
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

// stage 5: rounding constant (S = 0: none; S >= 48 handled at the shift)
wire [49:0] half    = (s5_reg == 6'd0) ? 50'd0 : (50'd1 << (s5_reg - 6'd1));
wire        t5_add  = tag_reg[5][4];
wire        t5_sec  = tag_reg[5][3];
wire signed [49:0] p5_ext = {p5_reg[48], p5_reg};
wire signed [49:0] addend = (t5_add && t5_sec) ? sum_reg : $signed(half);

// stage 6: shift; stage 7: clamp and ReLU
wire signed [49:0] sh_next = (s6_reg >= 6'd48) ? 50'sd0 : (sum_reg >>> s6_reg);
wire        t7_relu = tag_reg[7][2];
wire        hi_sat  = !sh_reg[49] && (|sh_reg[48:7]);
wire        lo_sat  = sh_reg[49] && !(&sh_reg[48:7]);
wire [7:0]  y_sat   = hi_sat ? 8'h7f : lo_sat ? 8'h80 : sh_reg[7:0];
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
    vb_reg  <= vb_next;
    m_reg   <= m_next;
    s3_reg  <= s_next;
    p4_reg  <= vb_reg * m_reg;
    s4_reg  <= s3_reg;
    p5_reg  <= p4_reg;
    s5_reg  <= s4_reg;
    sum_reg <= p5_ext + addend;
    s6_reg  <= s5_reg;
    sh_reg  <= sh_next;
    y_reg   <= y_next;
end

assign out_we   = tag_reg[NST][5];
assign out_addr = oa_reg[NST];
assign out_data = y_reg;
assign out_last = tag_reg[NST][1];

endmodule

`resetall
