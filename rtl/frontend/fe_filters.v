// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// fe_filters -- the front end's filter chain, bit-exact to golden/frontend.py filters() (see
// docs/frontend.md for the equations and docs/frontend_rtl.md for the pipeline):
//   u = 256 x - C x1 + 256 x2 (mains notch, C = 256 for 60 Hz or 329 for 50 Hz),
//   s1 = 8-sum of u, s2 = 8-sum of s1, f = s2 >> 14, a = 256-sum of f, base = a >> 8,
//   b = f[n-128] - base, d = 2 f + f1 - f3 - 2 f4, q = min(d*d, 2^20-1), m = 54-sum of q.
// Six register stages that all advance together on en (a stalled pipeline holds every stage);
// a stage's running sum and delay line move only when a valid sample passes it.  The delay lines
// of u, s1 (8), f (two of 128) and q (54) are fe_delay RAMs.  Latency: a sample accepted at
// edge t (in_valid && en) is on the outputs (out_valid) after edge t+5, i.e. six enabled edges
// with out_valid high from the sixth; throughput one sample per enabled clock.

module fe_filters #(
    parameter X_W    = `ECG_FE_X_W,      // input sample (signed)
    parameter U_W    = `ECG_FE_U_W,      // notch output
    parameter S1_W   = `ECG_FE_S1_W,     // first moving sum
    parameter S2_W   = `ECG_FE_S2_W,     // second moving sum
    parameter F_W    = `ECG_FE_F_W,      // low-passed signal f and base
    parameter A_W    = `ECG_FE_A_W,      // baseline sum
    parameter B_W    = `ECG_FE_B_W,      // baseline-removed output
    parameter D_W    = `ECG_FE_D_W,      // derivative
    parameter DABS_W = `ECG_FE_DABS_W,   // abs(d)
    parameter Q_W    = `ECG_FE_Q_W,      // squared derivative (saturating)
    parameter M_W    = `ECG_FE_M_W       // moving-window integral
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 en,         // advance every stage
    input  wire                 mains50,    // 1: C = 329 (50 Hz), 0: C = 256 (60 Hz)
    input  wire                 in_valid,
    input  wire [X_W-1:0]       in_x,
    output wire                 out_valid,
    output wire [F_W-1:0]       out_f,
    output wire [F_W-1:0]       out_base,
    output wire [B_W-1:0]       out_b,
    output wire [D_W-1:0]       out_d,
    output wire [DABS_W-1:0]    out_dabs,
    output wire [M_W-1:0]       out_m
);

`ifndef SYNTHESIS
initial begin
    if (X_W != 11 || U_W != 21 || S1_W != 24 || S2_W != 27 || F_W != 13 || A_W != 21
        || B_W != 14 || D_W != 16 || DABS_W != 15 || Q_W != 20 || M_W != 26) begin
        $error("fe_filters: the widths are fixed by docs/frontend.md (bounds from |x| <= 1024)");
        $finish;
    end
    if (`ECG_FE_LP_LEN != 8 || `ECG_FE_LP_SHIFT != 14 || `ECG_FE_BASE_LEN != 256
        || `ECG_FE_BASE_SHIFT != 8 || `ECG_FE_BASE_DELAY != 128 || `ECG_FE_MWI_LEN != 54
        || `ECG_FE_NOTCH_C60 != 256 || `ECG_FE_NOTCH_C50 != 329) begin
        $error("fe_filters: the filter geometry in ecg_formats.vh is not the one built here");
        $finish;
    end
end
`endif

localparam LP_LEN    = `ECG_FE_LP_LEN;
localparam LP_SHIFT  = `ECG_FE_LP_SHIFT;
localparam HALF_BASE = `ECG_FE_BASE_DELAY;        // the 256-line is two 128-lines in series
localparam BASE_SH   = `ECG_FE_BASE_SHIFT;
localparam MWI_LEN   = `ECG_FE_MWI_LEN;
localparam SQ_W      = 2 * DABS_W;                // abs(d)^2 < 2^30
localparam [Q_W-1:0] Q_MAX = {Q_W{1'b1}};

// ---------------------------------------------------------------------------------------------
// Stage 1: mains notch u = 256 x - C x1 + 256 x2, C x1 as shifts (329 = 256 + 64 + 8 + 1)
// ---------------------------------------------------------------------------------------------

reg                    v1_reg;
reg  signed [X_W-1:0]  x1_reg, x2_reg;                // x[n-1], x[n-2]
reg  signed [U_W-1:0]  cx1_reg;                       // C x[n-1], formed when x[n-1] arrived
reg  signed [U_W-1:0]  u_reg;

wire signed [X_W-1:0] x_s = in_x;
wire signed [U_W-1:0] x_e  = {{(U_W-X_W){x_s[X_W-1]}}, x_s};
wire signed [U_W-1:0] x2_e = {{(U_W-X_W){x2_reg[X_W-1]}}, x2_reg};
wire signed [U_W-1:0] cx   = mains50 ? ((x_e <<< 8) + (x_e <<< 6)) + ((x_e <<< 3) + x_e)
                                     : (x_e <<< 8);
wire signed [U_W-1:0] u_next = ((x_e + x2_e) <<< 8) - cx1_reg;

always @(posedge clk) begin
    if (rst) begin
        v1_reg  <= 1'b0;
        x1_reg  <= {X_W{1'b0}};
        x2_reg  <= {X_W{1'b0}};
        cx1_reg <= {U_W{1'b0}};
        u_reg   <= {U_W{1'b0}};
    end else if (en) begin
        v1_reg <= in_valid;
        if (in_valid) begin
            x1_reg  <= x_s;
            x2_reg  <= x1_reg;
            cx1_reg <= cx;
            u_reg   <= u_next;
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Stage 2: s1 = sum of u over 8
// ---------------------------------------------------------------------------------------------

wire push2 = en && v1_reg;
wire [U_W-1:0] u_d8;
reg                    v2_reg;
reg  signed [S1_W-1:0] s1_reg;

fe_delay #(.W(U_W), .DEPTH(LP_LEN)) u_line_inst (
    .clk(clk), .rst(rst), .push(push2), .din(u_reg), .dout(u_d8)
);

wire signed [U_W-1:0]  u_old = u_d8;
wire signed [S1_W-1:0] s1_next = s1_reg + {{(S1_W-U_W){u_reg[U_W-1]}}, u_reg}
                                        - {{(S1_W-U_W){u_old[U_W-1]}}, u_old};

always @(posedge clk) begin
    if (rst) begin
        v2_reg <= 1'b0;
        s1_reg <= {S1_W{1'b0}};
    end else if (en) begin
        v2_reg <= v1_reg;
        if (v1_reg) begin
            s1_reg <= s1_next;
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Stage 3: s2 = sum of s1 over 8
// ---------------------------------------------------------------------------------------------

wire push3 = en && v2_reg;
wire [S1_W-1:0] s1_d8;
reg                    v3_reg;
reg  signed [S2_W-1:0] s2_reg;

fe_delay #(.W(S1_W), .DEPTH(LP_LEN)) s1_line_inst (
    .clk(clk), .rst(rst), .push(push3), .din(s1_reg), .dout(s1_d8)
);

wire signed [S1_W-1:0] s1_old = s1_d8;
wire signed [S2_W-1:0] s2_next = s2_reg + {{(S2_W-S1_W){s1_reg[S1_W-1]}}, s1_reg}
                                        - {{(S2_W-S1_W){s1_old[S1_W-1]}}, s1_old};

always @(posedge clk) begin
    if (rst) begin
        v3_reg <= 1'b0;
        s2_reg <= {S2_W{1'b0}};
    end else if (en) begin
        v3_reg <= v2_reg;
        if (v2_reg) begin
            s2_reg <= s2_next;
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Stage 4: f = s2 >> 14; baseline a, base; derivative d
// ---------------------------------------------------------------------------------------------

wire signed [F_W-1:0] f = s2_reg[LP_SHIFT +: F_W];      // floor shift of a value inside s27
wire push4 = en && v3_reg;
wire [F_W-1:0] f_d128;                                   // f[n-128]
wire [F_W-1:0] f_d256;                                   // f[n-256]

fe_delay #(.W(F_W), .DEPTH(HALF_BASE)) f_line0_inst (
    .clk(clk), .rst(rst), .push(push4), .din(f), .dout(f_d128)
);

fe_delay #(.W(F_W), .DEPTH(HALF_BASE)) f_line1_inst (
    .clk(clk), .rst(rst), .push(push4), .din(f_d128), .dout(f_d256)
);

reg                    v4_reg;
reg  signed [F_W-1:0]  f1_reg, f2_reg, f3_reg, f4_reg;   // f[n-1] .. f[n-4]
reg  signed [A_W-1:0]  a_reg;
reg  signed [F_W-1:0]  f_q4, base_q4, f128_q4;
reg  signed [D_W-1:0]  d_q4;

wire signed [F_W-1:0] f128 = f_d128;
wire signed [F_W-1:0] f256 = f_d256;
wire signed [A_W-1:0] a_next = a_reg + {{(A_W-F_W){f[F_W-1]}}, f} - {{(A_W-F_W){f256[F_W-1]}}, f256};
wire signed [F_W-1:0] base_next = a_next[BASE_SH +: F_W];
wire signed [D_W-1:0] f_e  = {{(D_W-F_W){f[F_W-1]}}, f};
wire signed [D_W-1:0] f1_e = {{(D_W-F_W){f1_reg[F_W-1]}}, f1_reg};
wire signed [D_W-1:0] f3_e = {{(D_W-F_W){f3_reg[F_W-1]}}, f3_reg};
wire signed [D_W-1:0] f4_e = {{(D_W-F_W){f4_reg[F_W-1]}}, f4_reg};
wire signed [D_W-1:0] d_next = ((f_e - f4_e) <<< 1) + (f1_e - f3_e);

always @(posedge clk) begin
    if (rst) begin
        v4_reg  <= 1'b0;
        f1_reg  <= {F_W{1'b0}};
        f2_reg  <= {F_W{1'b0}};
        f3_reg  <= {F_W{1'b0}};
        f4_reg  <= {F_W{1'b0}};
        a_reg   <= {A_W{1'b0}};
        f_q4    <= {F_W{1'b0}};
        base_q4 <= {F_W{1'b0}};
        f128_q4 <= {F_W{1'b0}};
        d_q4    <= {D_W{1'b0}};
    end else if (en) begin
        v4_reg <= v3_reg;
        if (v3_reg) begin
            f1_reg  <= f;
            f2_reg  <= f1_reg;
            f3_reg  <= f2_reg;
            f4_reg  <= f3_reg;
            a_reg   <= a_next;
            f_q4    <= f;
            base_q4 <= base_next;
            f128_q4 <= f128;
            d_q4    <= d_next;
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Stage 5: b = f[n-128] - base; abs(d) and its square (the only general multiplier)
// ---------------------------------------------------------------------------------------------

wire signed [B_W-1:0] b4 = {f128_q4[F_W-1], f128_q4} - {base_q4[F_W-1], base_q4};

wire [D_W-1:0]    d_mag = d_q4[D_W-1] ? -d_q4 : d_q4;    // <= 20,184: fits DABS_W
wire [DABS_W-1:0] dabs4 = d_mag[DABS_W-1:0];
wire              unused_dmag = d_mag[D_W-1];
wire signed [2*D_W-1:0] sq4 = d_q4 * d_q4;                // < 2^29 (abs(d) <= 20,184)
wire              unused_sq = ^sq4[2*D_W-1:SQ_W];

reg                    v5_reg;
reg  signed [F_W-1:0]  f_q5, base_q5;
reg  signed [B_W-1:0]  b_q5;
reg  signed [D_W-1:0]  d_q5;
reg  [DABS_W-1:0]      dabs_q5;
reg  [SQ_W-1:0]        sq_q5;

always @(posedge clk) begin
    if (rst) begin
        v5_reg  <= 1'b0;
        f_q5    <= {F_W{1'b0}};
        base_q5 <= {F_W{1'b0}};
        b_q5    <= {B_W{1'b0}};
        d_q5    <= {D_W{1'b0}};
        dabs_q5 <= {DABS_W{1'b0}};
        sq_q5   <= {SQ_W{1'b0}};
    end else if (en) begin
        v5_reg <= v4_reg;
        if (v4_reg) begin
            f_q5    <= f_q4;
            base_q5 <= base_q4;
            b_q5    <= b4;
            d_q5    <= d_q4;
            dabs_q5 <= dabs4;
            sq_q5   <= sq4[SQ_W-1:0];            // d*d signed: no abs on the multiplier's path
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Stage 6: q = min(d^2, 2^20 - 1); m = sum of q over 54
// ---------------------------------------------------------------------------------------------

wire [Q_W-1:0] q = (|sq_q5[SQ_W-1:Q_W]) ? Q_MAX : sq_q5[Q_W-1:0];
wire push6 = en && v5_reg;
wire [Q_W-1:0] q_d54;

fe_delay #(.W(Q_W), .DEPTH(MWI_LEN)) q_line_inst (
    .clk(clk), .rst(rst), .push(push6), .din(q), .dout(q_d54)
);

reg                    v6_reg;
reg  signed [F_W-1:0]  f_q6, base_q6;
reg  signed [B_W-1:0]  b_q6;
reg  signed [D_W-1:0]  d_q6;
reg  [DABS_W-1:0]      dabs_q6;
reg  [M_W-1:0]         m_reg;

wire [M_W-1:0] m_next = m_reg + {{(M_W-Q_W){1'b0}}, q} - {{(M_W-Q_W){1'b0}}, q_d54};

always @(posedge clk) begin
    if (rst) begin
        v6_reg  <= 1'b0;
        f_q6    <= {F_W{1'b0}};
        base_q6 <= {F_W{1'b0}};
        b_q6    <= {B_W{1'b0}};
        d_q6    <= {D_W{1'b0}};
        dabs_q6 <= {DABS_W{1'b0}};
        m_reg   <= {M_W{1'b0}};
    end else if (en) begin
        v6_reg <= v5_reg;
        if (v5_reg) begin
            f_q6    <= f_q5;
            base_q6 <= base_q5;
            b_q6    <= b_q5;
            d_q6    <= d_q5;
            dabs_q6 <= dabs_q5;
            m_reg   <= m_next;
        end
    end
end

assign out_valid = v6_reg;
assign out_f     = f_q6;
assign out_base  = base_q6;
assign out_b     = b_q6;
assign out_d     = d_q6;
assign out_dabs  = dabs_q6;
assign out_m     = m_reg;

endmodule

`resetall
