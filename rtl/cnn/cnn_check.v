// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "cnn_regs.vh"

// cnn_check -- the descriptor checker of cnn_engine, see docs/cnn_rtl.md "Descriptor checker".
// Recomputes, whenever `kick` is high (a descriptor register was written, or reset), the layer
// geometry and the error code of the descriptor registers with one shift-add multiplier and one
// restoring divider (16 iterations each, no DSP, 122 cycles): DIL*(K-1), LEN_OUT, CIN*K, CIN*LEN_IN,
// COUT*LEN_OUT, ceil(COUT/N_MAC) and the weight rows used, then the error code in the contract's
// order.  `busy` is high from the cycle after a kick for 122 cycles; a kick while busy
// restarts the computation.  The outputs hold while the descriptor does not change.
//   len_out  -- LEN_OUT of the descriptor registers, 0 when undefined or < 1 (golden len_out)
//   err      -- the first error code that applies, 0 when the descriptor is legal
//   pad_left -- CONV1D left padding (0 for the other kinds)
//   groups   -- output-channel groups (CONV1D, DENSE: ceil(COUT/N_MAC); MAXPOOL, ADD: CIN)

module cnn_check #(
    parameter N_MAC     = 3,
    parameter ACT_BYTES = 8192,
    parameter W_ROWS    = 4096,
    parameter Q_WORDS   = 512,
    parameter MAX_CH    = 256
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        kick,

    input  wire [2:0]  kind,
    input  wire [15:0] cin,
    input  wire [15:0] cout,
    input  wire [15:0] len_in,
    input  wire [15:0] kernel,
    input  wire [15:0] stride,
    input  wire [15:0] dil,
    input  wire [1:0]  pad,
    input  wire [15:0] src_a,
    input  wire [15:0] src_b,
    input  wire [15:0] dst,
    input  wire [15:0] w_base,
    input  wire [15:0] q_base,

    output wire        busy,
    output wire [3:0]  err,
    output wire [16:0] len_out,
    output wire [31:0] pad_left,
    output wire [16:0] groups,
    output wire [16:0] add_len
);

localparam [2:0] K_CONV = `CNN_KIND_CONV1D;
localparam [2:0] K_DENSE = `CNN_KIND_DENSE;
localparam [2:0] K_MAXP = `CNN_KIND_MAXPOOL;
localparam [2:0] K_ADD = `CNN_KIND_ADD;

localparam integer ACT_I = ACT_BYTES;
localparam integer WR_I  = W_ROWS;
localparam integer QW_I  = Q_WORDS;
localparam integer MC_I  = MAX_CH;
localparam integer NM1_I = N_MAC - 1;
localparam integer NM_I  = N_MAC;
localparam integer AMT_I = `CNN_ACC_MAX_TERMS;
localparam [18:0] ACT_L = ACT_I[18:0];
localparam [18:0] WR_L  = WR_I[18:0];
localparam [18:0] QW_L  = QW_I[18:0];
localparam [15:0] MC_L  = MC_I[15:0];
localparam [15:0] NM1_L = NM1_I[15:0];
localparam [15:0] NM_L  = NM_I[15:0];
localparam [17:0] AMT_L = AMT_I[17:0];
localparam [17:0] SAT_L = 18'h20000;     // products saturate here: above every limit they meet

// steps of the sequence
localparam [2:0] ST_DK   = 3'd0;   // dk     = DIL * (K - 1)
localparam [2:0] ST_LO   = 3'd1;   // lo     = num / STRIDE
localparam [2:0] ST_CK   = 3'd2;   // ck     = CIN * K
localparam [2:0] ST_SRC  = 3'd3;   // src_sz = CIN * LEN_IN
localparam [2:0] ST_DST  = 3'd4;   // dst_sz = COUT * LEN_OUT
localparam [2:0] ST_GRP  = 3'd5;   // grp    = (min(COUT, MAX_CH) + N_MAC - 1) / N_MAC
localparam [2:0] ST_ROWS = 3'd6;   // rows   = grp * ck
localparam [2:0] ST_END  = 3'd7;

// DENSE: LEN_IN, K, STRIDE, DILATION, PAD taken as 1, 1, 1, 1, 0
wire        is_dense = kind == K_DENSE;
wire        is_conv  = kind == K_CONV;
wire        is_mp    = kind == K_MAXP;
wire        is_add   = kind == K_ADD;
// registered every cycle (the sequence starts one cycle after a kick, when they have caught
// up): the descriptor registers' decode stays off the multiplier's operand path
reg  [15:0] e_len;
reg  [15:0] e_k;
reg  [15:0] e_str;
reg  [15:0] e_dil;
reg  [1:0]  e_pad;
reg  [15:0] k_m1;
reg  [15:0] grp_num;
wire [15:0] cout_c = (cout > MC_L) ? MC_L : cout;
always @(posedge clk) begin
    e_len   <= is_dense ? 16'd1 : len_in;
    e_k     <= is_dense ? 16'd1 : kernel;
    e_str   <= is_dense ? 16'd1 : stride;
    e_dil   <= is_dense ? 16'd1 : dil;
    e_pad   <= is_dense ? 2'd0 : pad;
    k_m1    <= (is_dense ? 16'd1 : kernel) - 16'd1;
    grp_num <= cout_c + NM1_L;
end

reg         run_reg;
reg  [2:0]  step_reg;
reg  [4:0]  it_reg;
reg  [16:0] ma_reg;        // multiplicand
reg  [15:0] mb_reg;        // multiplier bits, MSB first
reg  [32:0] mp_reg;        // product
reg  [15:0] dn_reg;        // dividend bits, MSB first
reg  [16:0] dr_reg;        // remainder
reg  [15:0] dq_reg;        // quotient
reg  [31:0] dk_reg;
reg  [16:0] lo_reg;
reg  [17:0] ck_reg;        // products saturated at SAT_L
reg  [17:0] src_reg;
reg  [17:0] dst_reg;
reg  [15:0] grp_reg;
reg  [17:0] rows_reg;
reg  [3:0]  err_reg;
reg  [15:0] lq_reg;        // the ST_LO quotient (LEN_OUT - 1), turned into LEN_OUT a cycle later

// numerator (LEN_OUT - 1) * STRIDE of the kind, whether it is >= 0, and whether LEN_OUT is
// defined: valid CONV1D LEN_IN - 1 - DIL*(K-1), same/causal LEN_IN - 1, MAXPOOL LEN_IN - K
wire [16:0] len_m1   = {1'b0, e_len} - 17'd1;
wire [16:0] num_v    = len_m1 - {1'b0, dk_reg[15:0]};
wire        neg_v    = len_m1[16] || (|dk_reg[31:16]) || num_v[16];
wire [16:0] num_mp   = {1'b0, len_in} - {1'b0, kernel};
wire [15:0] num      = is_mp ? num_mp[15:0] : (e_pad == `CNN_PAD_VALID) ? num_v[15:0] : len_m1[15:0];
wire        lo_pos   = is_mp ? !num_mp[16] : (e_pad == `CNN_PAD_VALID) ? !neg_v : !len_m1[16];
wire        lo_def   = is_dense || (!e1 && kernel != 16'd0 && stride != 16'd0 && dil != 16'd0 &&
                                   !(is_conv && pad == 2'd3));
wire [16:0] lo_value = !lo_def ? 17'd0 :
                       is_add ? {1'b0, len_in} :
                       is_dense ? 17'd1 :
                       !lo_pos ? 17'd0 : {1'b0, lq_reg} + 17'd1;

// one multiply / divide iteration
wire [32:0] mp_next = {mp_reg[31:0], 1'b0} + (mb_reg[15] ? {16'd0, ma_reg} : 33'd0);
wire [16:0] dr_sh   = {dr_reg[15:0], dn_reg[15]};
wire [17:0] mp_sat  = (|mp_next[32:17]) ? SAT_L : mp_next[17:0];

// operands of each step
reg  [16:0] op_a;
reg  [15:0] op_b;
always @* begin
    op_a = 17'd0;
    op_b = 16'd0;
    case (step_reg)
        ST_DK:   begin op_a = {1'b0, e_dil};   op_b = k_m1;           end
        ST_LO:   begin op_a = 17'd0;           op_b = num;            end
        ST_CK:   begin op_a = {1'b0, e_k};     op_b = cin;            end
        ST_SRC:  begin op_a = {1'b0, e_len};   op_b = cin;            end
        ST_DST:  begin op_a = lo_reg;          op_b = cout;           end
        ST_GRP:  begin op_a = 17'd0;           op_b = grp_num;        end
        ST_ROWS: begin op_a = ck_reg[16:0];    op_b = grp_reg;        end
        default: begin op_a = 17'd0;           op_b = 16'd0;          end
    endcase
end

// the divider of ST_GRP divides by N_MAC, the one of ST_LO by STRIDE
wire [16:0] dv_den   = (step_reg == ST_GRP) ? {1'b0, NM_L} : {1'b0, e_str};
wire        dg_ge    = dr_sh >= dv_den;
wire [16:0] dg_next  = dg_ge ? dr_sh - dv_den : dr_sh;
wire [15:0] dq_fin   = {dq_reg[14:0], dg_ge};     // quotient after the 16th iteration

// ---------------------------------------------------------------------------------------------
// Error code (combinational on the finished results, registered at the end of the sequence)
// ---------------------------------------------------------------------------------------------
wire e1 = kind > K_ADD;
wire e2 = (pad == 2'd3 && !is_dense) || (is_mp && pad != 2'd0);
wire e3 = e_k == 16'd0 || e_str == 16'd0 || e_dil == 16'd0 || cin == 16'd0 || cout == 16'd0 ||
          e_len == 16'd0;
wire e4 = cin > MC_L || cout > MC_L || ((is_mp || is_add) && cout != cin) || (is_mp && dil != 16'd1);
wire e5 = ck_reg > AMT_L;
wire e6 = lo_reg == 17'd0;
// (saturated products keep every comparison exact: a saturated end is past every RAM)
wire [18:0] a_end = {3'd0, src_a} + {1'b0, src_reg};
wire [18:0] b_end = {3'd0, src_b} + {1'b0, src_reg};
wire [18:0] d_end = {3'd0, dst} + {1'b0, dst_reg};
wire [18:0] d_beg = {3'd0, dst};
wire e7 = a_end > ACT_L || (is_add && b_end > ACT_L) || d_end > ACT_L;
wire e8 = (d_beg < a_end && {3'd0, src_a} < d_end) ||
          (is_add && d_beg < b_end && {3'd0, src_b} < d_end);
wire e9 = (is_conv || is_dense) && {3'd0, w_base} + {1'b0, rows_reg} > WR_L;
wire [18:0] q_end = {3'd0, q_base} + ((is_conv || is_dense) ? {2'd0, cout, 1'b0} : 19'd2);
wire e10 = (is_conv || is_dense || is_add) && q_end > QW_L;

// the ten conditions are registered first, the priority encoder acts a cycle later
reg  [10:1] ef_reg;
wire [3:0] err_value = ef_reg[1] ? 4'd1 : ef_reg[2] ? 4'd2 : ef_reg[3] ? 4'd3 : ef_reg[4] ? 4'd4 :
                       ef_reg[5] ? 4'd5 : ef_reg[6] ? 4'd6 : ef_reg[7] ? 4'd7 : ef_reg[8] ? 4'd8 :
                       ef_reg[9] ? 4'd9 : ef_reg[10] ? 4'd10 : 4'd0;

always @(posedge clk) begin
    if (rst) begin
        run_reg  <= 1'b1;
        step_reg <= ST_DK;
        it_reg   <= 5'd31;
        err_reg  <= 4'd0;
        lo_reg   <= 17'd0;
    end else if (kick) begin
        run_reg  <= 1'b1;
        step_reg <= ST_DK;
        it_reg   <= 5'd31;                      // one cycle for the registered decode
    end else if (run_reg) begin
        if (it_reg == 5'd31) begin
            it_reg <= 5'd0;
        end else if (it_reg == 5'd0) begin
            // load the step's operands
            ma_reg <= op_a;
            mb_reg <= op_b;
            dn_reg <= op_b;
            mp_reg <= 33'd0;
            dr_reg <= 17'd0;
            dq_reg <= 16'd0;
            it_reg <= 5'd1;
            if (step_reg == ST_END) begin
                ef_reg <= {e10, e9, e8, e7, e6, e5, e4, e3, e2, e1};
            end
        end else if (step_reg == ST_END) begin
            err_reg <= err_value;
            run_reg <= 1'b0;
        end else begin
            mp_reg <= mp_next;
            mb_reg <= {mb_reg[14:0], 1'b0};
            dn_reg <= {dn_reg[14:0], 1'b0};
            dr_reg <= dg_next;
            dq_reg <= {dq_reg[14:0], dg_ge};
            if (it_reg == 5'd16) begin
                it_reg <= 5'd0;
                step_reg <= step_reg + 3'd1;
            end else begin
                it_reg <= it_reg + 5'd1;
            end
        end
        // results of the step just finished: mp_next / dq of the 16th iteration
        if (step_reg == ST_CK && it_reg == 5'd0) begin
            lo_reg <= lo_value;
        end
        if (it_reg == 5'd16) begin
            case (step_reg)
                ST_DK:   dk_reg   <= mp_next[31:0];
                ST_CK:   ck_reg   <= mp_sat;
                ST_SRC:  src_reg  <= mp_sat;
                ST_DST:  dst_reg  <= mp_sat;
                ST_ROWS: rows_reg <= mp_sat;
                ST_LO:   lq_reg   <= dq_fin;
                ST_GRP:  grp_reg  <= dq_fin;
                default: ;
            endcase
        end
    end
end

assign busy     = run_reg;
wire unused_regs = ^{mp_reg[32], dr_reg[16], dq_reg[15]};
assign err      = err_reg;
assign len_out  = lo_reg;
assign pad_left = (!is_conv) ? 32'd0 : (pad == `CNN_PAD_SAME) ? {1'b0, dk_reg[31:1]} :
                  (pad == `CNN_PAD_CAUSAL) ? dk_reg : 32'd0;
assign groups   = (is_mp || is_add) ? {1'b0, cin} : {1'b0, grp_reg};
assign add_len  = src_reg[16:0];
wire unused_ck = ck_reg[17];

endmodule

`resetall
