// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "cnn_regs.vh"

// cnn_core -- the layer sequencer and datapath of cnn_engine, see docs/cnn_rtl.md
// "Architecture".  Started by `start` with a checked descriptor (stable while busy).
//   Issue stage: one (g, t, ci, k) step per cycle: the input byte address (channel-major, padded
//     positions read as 0) and the weight row W_BASE + (g*CIN + ci)*K + k; CONV1D/DENSE columns
//     (one t of one group) are issued at least 2*N_MAC cycles apart so that the serializer is free.
//   Stages 1-2: the registered ACT and W RAM reads; stage 3: the byte and the weight row
//     registered; stage 4: N_MAC products int8 x int8 registered; stage 5: N_MAC int32
//     accumulators; the last tap of a column copies them into the serializer, which hands one
//     lane every 2 cycles to cnn_requant (bias, M, S from the quant RAM; its one multiplier takes
//     2 cycles an item) while the next column accumulates.
//   MAXPOOL: the running maximum at stage 3, one element per window; ADD: the pair (a, b) of
//     each element read on consecutive cycles and sent to cnn_requant (MA, MB, S).
//   `done` is high in the cycle the last byte is written (busy falls at its edge).
// Counters (cleared by start): cycles = cycles with busy high; macs = sum over issued
// CONV1D/DENSE steps of the lanes with co < COUT; stalls = busy cycles without a MAC issued
// (CONV1D, DENSE) or without a byte written (MAXPOOL, ADD).

module cnn_core #(
    parameter N_MAC = 3,
    parameter AAW   = 13,               // activation byte address bits
    parameter WAW   = 12,               // weight row address bits
    parameter QAW   = 9,                // quant word address bits
    parameter ACT_BYTES = 8192,         // the memories and the largest CIN / COUT: they size the
    parameter W_ROWS    = 4096,         // loop counters (a legal layer never needs more bits)
    parameter MAX_CH    = 256
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             start,

    input  wire [2:0]       kind,
    input  wire [15:0]      cin,
    input  wire [15:0]      cout,
    input  wire [15:0]      len_in,
    input  wire [15:0]      kernel,
    input  wire [15:0]      stride,
    input  wire [15:0]      dil,
    input  wire             relu,
    input  wire [AAW-1:0]   src_a,
    input  wire [AAW-1:0]   src_b,
    input  wire [AAW-1:0]   dst,
    input  wire [WAW-1:0]   w_base,
    input  wire [QAW-1:0]   q_base,
    input  wire [16:0]      len_out,
    input  wire [31:0]      pad_left,
    input  wire [16:0]      groups,
    input  wire [16:0]      add_len,     // ADD: CIN*LEN_IN elements

    output wire             busy,
    output wire             done,
    /*verilator coverage_off*/
    output wire [31:0]      cnt_cycles,     // see cyc_reg
    output wire [31:0]      cnt_macs,
    output wire [31:0]      cnt_stalls,
    /*verilator coverage_on*/

    // activation RAM (4 bytes per word), latency 2
    output wire             act_re,
    output wire [AAW-3:0]   act_raddr,
    input  wire [31:0]      act_rdata,
    output wire [3:0]       act_we,
    output wire [AAW-3:0]   act_waddr,
    output wire [31:0]      act_wdata,
    // weight RAM (one row of N_MAC bytes), latency 2
    output wire             w_re,
    output wire [WAW-1:0]   w_raddr,
    input  wire [8*N_MAC-1:0] w_rdata,
    // quant RAM banks (even and odd words), latency 2
    output wire             q_re,
    output wire [QAW-2:0]   qe_raddr,
    output wire [QAW-2:0]   qo_raddr,
    input  wire [31:0]      qe_rdata,
    input  wire [31:0]      qo_rdata
);

localparam [2:0] K_DENSE = `CNN_KIND_DENSE;
localparam [2:0] K_MAXP  = `CNN_KIND_MAXPOOL;
localparam [2:0] K_ADD   = `CNN_KIND_ADD;
localparam integer NM_I  = N_MAC;
localparam integer NM1_I = N_MAC - 1;
localparam [16:0] NM_L   = NM_I[16:0];
// counter widths: channels and groups (ci, g, the group's first channel, the serializer's
// channel) reach MAX_CH + N_MAC; output columns t < LEN_OUT <= ACT_BYTES (ADD: CIN*LEN_IN <=
// ACT_BYTES); taps k < K <= W_ROWS (CONV1D) or <= LEN_IN <= ACT_BYTES (MAXPOOL)
localparam integer CHW_R = $clog2(MAX_CH + 16) + 1;
localparam integer CHW   = (CHW_R > 17) ? 17 : CHW_R;
localparam integer TLW   = $clog2(ACT_BYTES + 1);
localparam integer KMX   = (ACT_BYTES > W_ROWS) ? ACT_BYTES : W_ROWS;
localparam integer KCW_R = $clog2(KMX + 1);
localparam integer KCW   = (KCW_R > 16) ? 16 : KCW_R;
localparam integer ONE_I = 1;
localparam [CHW-1:0] CH_ONE = ONE_I[CHW-1:0];
localparam [CHW-1:0] CH_NM  = NM_I[CHW-1:0];
localparam [TLW-1:0] T_ONE  = ONE_I[TLW-1:0];
localparam [KCW-1:0] K_ONE  = ONE_I[KCW-1:0];
localparam integer GAP_I = 2*N_MAC - 1;
localparam [4:0]  GAP_L  = GAP_I[4:0];     // columns issued at least 2*N_MAC cycles apart
localparam [3:0]  LANE_L = NM1_I[3:0];     // the serializer's last lane

wire is_dense = kind == K_DENSE;
wire is_mp    = kind == K_MAXP;
wire is_add   = kind == K_ADD;
wire is_mac   = !is_mp && !is_add;           // CONV1D or DENSE (kind is checked)

// effective loop bounds (minus one), steps and the first position, registered at start (the
// descriptor does not change while busy; this keeps the checker's results off the issue path)
wire [15:0] e_k   = is_dense ? 16'd1 : is_add ? 16'd2 : kernel;
wire [15:0] e_ci  = is_mac ? cin : 16'd1;
wire [16:0] e_lo  = is_add ? add_len : len_out;
wire [16:0] e_g   = is_add ? 17'd1 : groups;
wire [15:0] s_str = (is_dense || is_add) ? 16'd1 : stride;
wire [15:0] s_dil = is_dense ? 16'd1 : is_add ? 16'd0 : is_mp ? 16'd1 : dil;
wire [15:0] s_len = is_dense ? 16'd1 : len_in;
wire [33:0] pos0  = -{2'd0, pad_left};
reg  [KCW-1:0] k_m2;           // bound - 2: the step before the last
reg  [CHW-1:0] ci_m2;
reg  [TLW-1:0] lo_m2;
reg  [CHW-1:0] g_m2;
wire [15:0] k_m2_w  = e_k - 16'd2;
wire [15:0] ci_m2_w = e_ci - 16'd2;
wire [16:0] lo_m2_w = e_lo - 17'd2;
wire [16:0] g_m2_w  = e_g - 17'd2;
wire unused_m2 = ^{k_m2_w, ci_m2_w, lo_m2_w, g_m2_w};
reg         k_one;             // bound == 1
reg         ci_one;
reg         lo_one;
reg  [15:0] e_str;
reg  [15:0] e_dil;
reg  [15:0] e_len;
reg  [33:0] pos0_reg;
always @(posedge clk) begin
    if (start) begin
        k_m2     <= k_m2_w[KCW-1:0];
        ci_m2    <= ci_m2_w[CHW-1:0];
        lo_m2    <= lo_m2_w[TLW-1:0];
        g_m2     <= g_m2_w[CHW-1:0];
        k_one    <= e_k == 16'd1;
        ci_one   <= e_ci == 16'd1;
        lo_one   <= e_lo == 17'd1;
        e_str    <= s_str;
        e_dil    <= s_dil;
        e_len    <= s_len;
        pos0_reg <= pos0;
    end
end

// ---------------------------------------------------------------------------------------------
// Issue stage
// ---------------------------------------------------------------------------------------------
reg         run_reg;            // issuing
reg         busy_reg;
reg  [KCW-1:0] k_reg;
reg  [CHW-1:0] ci_reg;
reg  [TLW-1:0] t_reg;
reg  [CHW-1:0] g_reg;
reg  [33:0] pos_reg;
reg  [33:0] post_reg;           // position of tap 0 of the current column
reg  [AAW-1:0] arow_reg;        // SRC + ci*LEN_IN (MAXPOOL: SRC + c*LEN_IN)
reg  [AAW-1:0] argp_reg;        // MAXPOOL: SRC + c*LEN_IN of the current channel
reg  [WAW-1:0] wr_reg;
reg  [WAW-1:0] wgrp_reg;        // first row of the current group
reg  [4:0]  gap_reg;
reg  [CHW-1:0] cob_reg;         // first channel of the current group (MACS)
// the 32-bit counters: their upper bits need 2^16..2^31 cycles to toggle (excluded from toggle
// coverage; their values are compared exactly after every layer of every test)
/*verilator coverage_off*/
reg  [31:0] cyc_reg;
reg  [31:0] mac_reg;
reg  [31:0] stall_reg;
/*verilator coverage_on*/

// "last" flags kept in registers, updated with their counters (no comparator on the issue path)
reg  kl_reg;
reg  cl_reg;
reg  tl_reg;
reg  gl_reg;
wire k_last  = kl_reg;
wire ci_last = cl_reg;
wire t_last  = tl_reg;
wire g_last  = gl_reg;
wire i_first = k_reg == {KCW{1'b0}} && ci_reg == {CHW{1'b0}};
wire i_col   = k_last && ci_last;
wire i_grp   = i_col && t_last;
wire i_lay   = i_grp && g_last;
wire issue   = run_reg && (!is_mac || !i_first || gap_reg == 5'd0);

wire        pos_ok = is_add || (!pos_reg[33] && pos_reg[32:16] == 17'd0 && pos_reg[15:0] < e_len);
wire [AAW-1:0] a_addr = ((is_add && k_reg[0]) ? src_b : arow_reg) + pos_reg[AAW-1:0];

// the RAMs read every cycle of a layer (a read without an issue is ignored by the tags): no
// enable path from the issue logic to the block RAMs
assign act_re    = 1'b1;
assign act_raddr = a_addr[AAW-1:2];
assign w_re      = 1'b1;
assign w_raddr   = wr_reg;

// lanes with co < COUT in the current group
wire [31:0] cob_32  = {{(32-CHW){1'b0}}, cob_reg};
wire [16:0] co_left = {1'b0, cout} - cob_32[16:0];
wire [16:0] n_act   = (co_left >= NM_L) ? NM_L : co_left;

// tags: issued, position valid, byte select, first, column last, group last, layer last, ADD b
localparam TW = 9;
reg [TW-1:0] t1_reg;
reg [TW-1:0] t2_reg;
reg [TW-1:0] t3_reg;
reg [TW-1:0] t4_reg;
wire [TW-1:0] t0 = {issue, pos_ok, a_addr[1:0], i_first, i_col, i_grp, i_lay, k_reg[0]};
// fields
`define CNN_T_V(t)   t[8]
`define CNN_T_OK(t)  t[7]
`define CNN_T_B(t)   t[6:5]
`define CNN_T_F(t)   t[4]
`define CNN_T_C(t)   t[3]
`define CNN_T_G(t)   t[2]
`define CNN_T_L(t)   t[1]
`define CNN_T_P(t)   t[0]

always @(posedge clk) begin
    if (rst) begin
        run_reg  <= 1'b0;
        gap_reg  <= 5'd0;
    end else if (start) begin
        run_reg  <= 1'b1;
        gap_reg  <= 5'd0;
    end else begin
        if (issue && i_lay) begin
            run_reg <= 1'b0;
        end
        if (issue && i_first) begin
            gap_reg <= GAP_L;
        end else if (gap_reg != 5'd0) begin
            gap_reg <= gap_reg - 5'd1;
        end
    end
end

always @(posedge clk) begin
    if (start) begin
        k_reg    <= {KCW{1'b0}};
        ci_reg   <= {CHW{1'b0}};
        t_reg    <= {TLW{1'b0}};
        g_reg    <= {CHW{1'b0}};
        pos_reg  <= pos0;
        post_reg <= pos0;
        arow_reg <= src_a;
        argp_reg <= src_a;
        wr_reg   <= w_base;
        wgrp_reg <= w_base;
        cob_reg  <= {CHW{1'b0}};
        kl_reg   <= e_k == 16'd1;
        cl_reg   <= e_ci == 16'd1;
        tl_reg   <= e_lo == 17'd1;
        gl_reg   <= e_g == 17'd1;
    end else if (issue) begin
        if (!k_last) begin
            k_reg   <= k_reg + K_ONE;
            kl_reg  <= k_reg == k_m2;
            pos_reg <= pos_reg + {18'd0, e_dil};
        end else begin
            k_reg  <= {KCW{1'b0}};
            kl_reg <= k_one;
            if (!ci_last) begin
                ci_reg   <= ci_reg + CH_ONE;
                cl_reg   <= ci_reg == ci_m2;
                arow_reg <= arow_reg + e_len[AAW-1:0];
                pos_reg  <= post_reg;
            end else begin
                ci_reg <= {CHW{1'b0}};
                cl_reg <= ci_one;
                if (!t_last) begin
                    t_reg    <= t_reg + T_ONE;
                    tl_reg   <= t_reg == lo_m2;
                    post_reg <= post_reg + {18'd0, e_str};
                    pos_reg  <= post_reg + {18'd0, e_str};
                    arow_reg <= argp_reg;
                end else begin
                    t_reg    <= {TLW{1'b0}};
                    tl_reg   <= lo_one;
                    g_reg    <= g_reg + CH_ONE;
                    gl_reg   <= g_reg == g_m2;
                    post_reg <= pos0_reg;
                    pos_reg  <= pos0_reg;
                    cob_reg  <= cob_reg + CH_NM;
                    if (is_mp) begin
                        argp_reg <= argp_reg + e_len[AAW-1:0];
                        arow_reg <= argp_reg + e_len[AAW-1:0];
                    end else begin
                        arow_reg <= argp_reg;
                    end
                end
            end
        end
        if (i_grp) begin
            wr_reg   <= wr_reg + {{(WAW-1){1'b0}}, 1'b1};
            wgrp_reg <= wr_reg + {{(WAW-1){1'b0}}, 1'b1};
        end else if (i_col) begin
            wr_reg   <= wgrp_reg;
        end else begin
            wr_reg   <= wr_reg + {{(WAW-1){1'b0}}, 1'b1};
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Stages 1..5
// ---------------------------------------------------------------------------------------------
reg  [7:0]          x_reg;
reg  [8*N_MAC-1:0]  w_reg;
reg  [16*N_MAC-1:0] pr_reg;
reg  [32*N_MAC-1:0] acc_reg;
reg  [32*N_MAC-1:0] hold_reg;
reg                 ser_reg;    // the serializer holds a column
reg                 ph_reg;     // 0: the item is presented, 1: its second cycle (cnn_requant's
                                // multiplier takes two cycles per CONV1D/DENSE item)
wire                s_adv = ser_reg && ph_reg;   // move to the next lane

wire [7:0] x_byte = act_rdata[8*`CNN_T_B(t2_reg) +: 8];

always @(posedge clk) begin
    if (rst) begin
        t1_reg <= {TW{1'b0}};
        t2_reg <= {TW{1'b0}};
        t3_reg <= {TW{1'b0}};
        t4_reg <= {TW{1'b0}};
    end else begin
        t1_reg <= t0;
        t2_reg <= t1_reg;
        t3_reg <= t2_reg;
        t4_reg <= t3_reg;
    end
end

genvar l;
generate
    for (l = 0; l < N_MAC; l = l + 1) begin : g_lane
        wire signed [7:0]  xs  = x_reg;
        wire signed [7:0]  ws  = w_reg[8*l +: 8];
        wire signed [15:0] prs = pr_reg[16*l +: 16];
        wire        [31:0] sum = (`CNN_T_F(t4_reg) ? 32'd0 : acc_reg[32*l +: 32]) + {{16{prs[15]}}, prs};
        always @(posedge clk) begin
            pr_reg[16*l +: 16] <= xs * ws;
            if (`CNN_T_V(t4_reg)) begin
                acc_reg[32*l +: 32] <= sum;
            end
        end
        // the serializer: loaded by the last tap of a column, shifted by one lane per item
        wire [31:0] nxt;
        if (l < N_MAC - 1) begin : g_shift
            assign nxt = hold_reg[32*(l+1) +: 32];
        end else begin : g_end
            assign nxt = hold_reg[32*l +: 32];
        end
        always @(posedge clk) begin
            if (`CNN_T_V(t4_reg) && `CNN_T_C(t4_reg) && is_mac) begin
                hold_reg[32*l +: 32] <= sum;
            end else if (s_adv) begin
                hold_reg[32*l +: 32] <= nxt;
            end
        end
    end
endgenerate

always @(posedge clk) begin
    x_reg <= `CNN_T_OK(t2_reg) ? x_byte : 8'd0;
    w_reg <= w_rdata;
end

// serializer control
reg  [3:0]  lane_reg;
reg         sgrp_reg;           // the column is the last of its group
reg         slay_reg;           // the column is the last of the layer
reg  [CHW-1:0] sco_reg;         // channel of the item
reg  [CHW-1:0] scob_reg;        // first channel of the group
reg  [AAW-1:0] soa_reg;         // output address of the item
reg  [AAW-1:0] scol_reg;        // output address of lane 0 of the column
wire load    = `CNN_T_V(t4_reg) && `CNN_T_C(t4_reg) && is_mac;
wire s_lastl = lane_reg == LANE_L;

always @(posedge clk) begin
    if (rst) begin
        ser_reg <= 1'b0;
        ph_reg  <= 1'b0;
    end else if (load) begin
        ser_reg <= 1'b1;
        ph_reg  <= 1'b0;
    end else begin
        if (s_adv && s_lastl) begin
            ser_reg <= 1'b0;
        end
        ph_reg <= ser_reg && !ph_reg;
    end
end

always @(posedge clk) begin
    if (start) begin
        scob_reg <= {CHW{1'b0}};
        scol_reg <= dst;
    end else if (s_adv && s_lastl) begin
        if (sgrp_reg) begin
            scob_reg <= sco_reg + CH_ONE;
            scol_reg <= soa_reg + {{(AAW-1){1'b0}}, 1'b1};
        end else begin
            scol_reg <= scol_reg + {{(AAW-1){1'b0}}, 1'b1};
        end
    end
    if (load) begin
        lane_reg <= 4'd0;
        sgrp_reg <= `CNN_T_G(t4_reg);
        slay_reg <= `CNN_T_L(t4_reg);
        // a load in the cycle of the previous column's last item: that item's updates first
        if (s_adv && s_lastl && sgrp_reg) begin
            sco_reg <= sco_reg + CH_ONE;
            soa_reg <= soa_reg + {{(AAW-1){1'b0}}, 1'b1};
        end else if (s_adv && s_lastl) begin
            sco_reg <= scob_reg;
            soa_reg <= scol_reg + {{(AAW-1){1'b0}}, 1'b1};
        end else begin
            sco_reg <= scob_reg;
            soa_reg <= scol_reg;
        end
    end else if (s_adv) begin
        lane_reg <= lane_reg + 4'd1;
        sco_reg  <= sco_reg + CH_ONE;
        soa_reg  <= soa_reg + len_out[AAW-1:0];
    end
end

// ADD: the output address of the element
reg [AAW-1:0] aoa_reg;
always @(posedge clk) begin
    if (start) begin
        aoa_reg <= dst;
    end else if (is_add && `CNN_T_V(t3_reg) && `CNN_T_P(t3_reg)) begin
        aoa_reg <= aoa_reg + {{(AAW-1){1'b0}}, 1'b1};
    end
end

// requant input: the serializer (CONV1D, DENSE) or stage 3 (ADD)
wire           rq_valid  = is_add ? `CNN_T_V(t3_reg) : ser_reg && !ph_reg;
wire [31:0]    rq_v      = is_add ? {{24{x_reg[7]}}, x_reg} : hold_reg[31:0];
wire [31:0]    sco2      = {{(31-CHW){1'b0}}, sco_reg, 1'b0};
wire [QAW-1:0] rq_qa     = is_add ? q_base : q_base + sco2[QAW-1:0];
wire [AAW-1:0] rq_oa     = is_add ? aoa_reg : soa_reg;
wire           rq_we     = is_add ? `CNN_T_P(t3_reg) : (sco2[17:1] < {1'b0, cout});
wire           rq_last   = is_add ? `CNN_T_L(t3_reg) : (slay_reg && s_lastl);
wire           rq_owe;
wire [AAW-1:0] rq_oaddr;
wire [7:0]     rq_odata;
wire           rq_olast;
wire unused_sco = ^{sco2[31:QAW], cob_32[31:17], t4_reg[7:5], t4_reg[0]};

cnn_requant #(.QAW(QAW), .AAW(AAW)) u_requant (
    .clk(clk), .rst(rst),
    .in_valid(rq_valid), .in_v(rq_v), .in_qa(rq_qa), .in_oa(rq_oa), .in_we(rq_we),
    .in_add(is_add), .in_second(`CNN_T_P(t3_reg)), .in_relu(relu), .in_last(rq_last),
    .qe_raddr(qe_raddr), .qo_raddr(qo_raddr), .q_re(q_re), .qe_rdata(qe_rdata), .qo_rdata(qo_rdata),
    .out_we(rq_owe), .out_addr(rq_oaddr), .out_data(rq_odata), .out_last(rq_olast)
);

// MAXPOOL: running maximum at stage 3, one byte per window
reg  [7:0]     mx_reg;
reg            mwe_reg;
reg            mlast_reg;
reg  [7:0]     mdat_reg;
reg  [AAW-1:0] maddr_reg;
reg  [AAW-1:0] moa_reg;
wire signed [7:0] xs3 = x_reg;
wire signed [7:0] mxs = mx_reg;
wire [7:0]     mx_next = (`CNN_T_F(t3_reg) || xs3 > mxs) ? x_reg : mx_reg;
wire           mp_out  = is_mp && `CNN_T_V(t3_reg) && `CNN_T_C(t3_reg);

always @(posedge clk) begin
    if (rst) begin
        mwe_reg   <= 1'b0;
        mlast_reg <= 1'b0;
    end else begin
        mwe_reg   <= mp_out;
        mlast_reg <= mp_out && `CNN_T_L(t3_reg);
    end
end

always @(posedge clk) begin
    if (`CNN_T_V(t3_reg)) begin
        mx_reg <= mx_next;
    end
    mdat_reg  <= (relu && mx_next[7]) ? 8'd0 : mx_next;
    maddr_reg <= moa_reg;
    if (start) begin
        moa_reg <= dst;
    end else if (mp_out) begin
        moa_reg <= moa_reg + {{(AAW-1){1'b0}}, 1'b1};
    end
end

// output write port
wire           o_we   = is_mp ? mwe_reg : rq_owe;
wire [AAW-1:0] o_addr = is_mp ? maddr_reg : rq_oaddr;
wire [7:0]     o_data = is_mp ? mdat_reg : rq_odata;
wire           o_last = is_mp ? mlast_reg : rq_olast;

assign act_we    = {4{o_we}} & (4'b0001 << o_addr[1:0]);
assign act_waddr = o_addr[AAW-1:2];
assign act_wdata = {4{o_data}};

// busy, done, counters
wire fin = busy_reg && o_last;
// MACS: the lanes of the step issued in the previous cycle (0 when none), added a cycle later so
// that the lane count (COUT - the group's first channel, at most N_MAC) is off the counter's
// adder path; the last step is issued long before DONE, so the count is complete at DONE
reg  [4:0] mac_inc;
wire unused_nact = ^n_act[16:5];
always @(posedge clk) begin
    if (rst || start) begin
        mac_inc <= 5'd0;
    end else begin
        mac_inc <= (is_mac && issue) ? n_act[4:0] : 5'd0;
    end
end
always @(posedge clk) begin
    if (rst) begin
        busy_reg  <= 1'b0;
        cyc_reg   <= 32'd0;
        mac_reg   <= 32'd0;
        stall_reg <= 32'd0;
    end else if (start) begin
        busy_reg  <= 1'b1;
        cyc_reg   <= 32'd0;
        mac_reg   <= 32'd0;
        stall_reg <= 32'd0;
    end else if (busy_reg) begin
        if (fin) begin
            busy_reg <= 1'b0;
        end
        cyc_reg <= cyc_reg + 32'd1;
        mac_reg <= mac_reg + {27'd0, mac_inc};
        if (is_mac ? !issue : !o_we) begin
            stall_reg <= stall_reg + 32'd1;
        end
    end
end

assign busy       = busy_reg;
assign done       = fin;
assign cnt_cycles = cyc_reg;
assign cnt_macs   = mac_reg;
assign cnt_stalls = stall_reg;

`undef CNN_T_V
`undef CNN_T_OK
`undef CNN_T_B
`undef CNN_T_F
`undef CNN_T_C
`undef CNN_T_G
`undef CNN_T_L
`undef CNN_T_P

endmodule

`resetall
