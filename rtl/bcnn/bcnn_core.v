// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// bcnn_core -- the compute part of bcnn_engine (docs/bcnn_rtl.md "Dataflow"): N_PES processing
// elements, their weight buffer (two halves, one filter session each), the parameter
// controller that fills one half while the execution controller runs the other, the feature
// maps A and B (ping-pong: conv1 -> A -> conv2 -> B -> conv3 -> A -> conv4 -> B -> FC) and the FC
// unit.  A session is one group of N_PES filters of a unit, PE p computing filter
// f0 + p: for conv1 C1_FPP filters per PE (C1_FPP = min(8, 128 / N_PES)), the PEs sharing the
// broadcast 7-sample window, one output position per cycle; for conv2..conv4 one filter per PE,
// the PEs sharing the broadcast map word, one output per 14 (conv2, conv4) or 7 (conv3) cycles.
// The sessions of a beat follow the image order (conv1, conv2 groups, conv3 groups, conv4
// groups), and the parameter controller runs one session ahead, across beats too: the next
// beat's conv1 filters are loaded while conv4's last group runs.  Everything advances only with
// en (the engine's trace stall), but the result handshake.

module bcnn_core #(
    parameter N_PES         = 32,
    parameter N_CLASSES_MAX = `ECG_BCNN_N_CLASSES_MAX,
    parameter TAG_W         = 16,
    parameter PMA           = 14,
    parameter BRA           = 12
) (
    input  wire                         clk,
    input  wire                         rst,
    input  wire                         en,
    input  wire                         flush,        // the image changed: drop the loaded halves
    input  wire                         img_ok,
    input  wire [7:0]                   n_cls,
    input  wire [31:0]                  tick,

    // beats in the sample buffer
    input  wire                         beat_avail,
    input  wire [TAG_W-1:0]             beat_tag,
    input  wire                         smp_half,
    output wire                         smp_done,     // the beat's samples are no longer needed
    output wire                         smp_re,
    output wire [8:0]                   smp_raddr,
    input  wire [7:0]                   smp_rdata,

    // one parameter word per cycle (latency 2)
    output wire                         pc_re,
    output wire [PMA-1:0]               pc_addr,
    input  wire [63:0]                  pc_rdata,
    // the four banks for the FC (latency 2)
    output wire                         bk_re,
    output wire [4*BRA-1:0]             bk_row,
    input  wire [4*64-1:0]              bk_rdata,

    output wire                         busy,

    output wire                         res_valid,
    input  wire                         res_ready,
    output wire [7:0]                   res_cls,
    output wire [`ECG_BCNN_SCORE_W-1:0] res_best,
    output wire [`ECG_BCNN_SCORE_W-1:0] res_second,
    output wire [TAG_W-1:0]             res_tag,
    output wire [31:0]                  res_cycles,
    output wire                         res_new,

    // trace sources: the PE outputs of one position, the FC events
    output wire                         ex_tv,
    output wire [1:0]                   ex_unit,
    output wire [6:0]                   ex_f0,
    output wire [7:0]                   ex_x,
    output wire [N_PES*`ECG_BCNN_SUM_W-1:0] ex_sums,
    output wire [N_PES-1:0]             ex_bits,
    output wire                         fc_ev_pool,
    output wire                         fc_ev_one,
    output wire [7:0]                   fc_ev_kind,
    output wire [15:0]                  fc_ev_index,
    output wire [31:0]                  fc_ev_value0,
    output wire [31:0]                  fc_ev_value1
);

localparam SW     = `ECG_BCNN_SUM_W;
localparam C1_FPP = (128 / N_PES > 8) ? 8 : 128 / N_PES;     // conv1 filters per PE and session
localparam C1S    = 128 / (N_PES * C1_FPP);                   // conv1 sessions
localparam G2     = 64 / N_PES;
localparam G3     = 128 / N_PES;
localparam G4     = 64 / N_PES;
localparam NBE    = N_PES / 8;                                 // output bytes per position
localparam integer C1S_I = C1S;
localparam integer G2_I = G2;
localparam integer G3_I = G3;
localparam integer G4_I = G4;
localparam integer FPP_I = C1_FPP;
localparam integer NPES_I = N_PES;
localparam [6:0] NPES7 = NPES_I[6:0];

function [5:0] ngrp;
    input [1:0] u;
    begin
        case (u)
            2'd0:    ngrp = C1S_I[5:0];
            2'd1:    ngrp = G2_I[5:0];
            2'd2:    ngrp = G3_I[5:0];
            default: ngrp = G4_I[5:0];
        endcase
    end
endfunction

function [3:0] wt_of;            // words per filter in the image (weights + threshold)
    input [1:0] u;
    begin
        case (u)
            2'd0:    wt_of = 4'd2;
            2'd2:    wt_of = 4'd8;
            default: wt_of = 4'd15;
        endcase
    end
endfunction

function [7:0] lout_of;
    input [1:0] u;
    begin
        case (u)
            2'd1:    lout_of = 8'd168;
            2'd2:    lout_of = 8'd162;
            default: lout_of = 8'd156;
        endcase
    end
endfunction

// ---------------------------------------------------------------------------------------------
// Parameter controller: loads session (p_unit, p_grp) into half p_half, one word per cycle in
// the cycles the FC leaves the banks free (the FC is on the critical path, the loads are not)
// ---------------------------------------------------------------------------------------------
reg  [1:0]     p_unit_reg;
reg  [5:0]     p_grp_reg;
reg  [2:0]     p_slot_reg;
reg  [3:0]     p_wif_reg;
reg  [6:0]     p_pe_reg;
reg            p_half_reg;
reg  [PMA-1:0] p_addr_reg;
reg            p_load_reg;
reg  [1:0]     full_reg;         // loaded halves the execution has not finished
reg            pw1_v, pw2_v;     // a word in flight to the weight buffer
reg            pw1_l, pw2_l;     // ... the session's last
reg  [4:0]     pw1_a, pw2_a;
reg  [6:0]     pw1_p, pw2_p;

wire       p_last_wif  = p_wif_reg == wt_of(p_unit_reg) - 4'd1;
wire       p_last_pe   = p_pe_reg == NPES7 - 7'd1;
wire       p_last_slot = (p_unit_reg != 2'd0) || (p_slot_reg == FPP_I[2:0] - 3'd1);
wire       p_last      = p_last_wif && p_last_pe && p_last_slot;
wire [4:0] p_waddr     = (p_unit_reg == 2'd0) ? {p_half_reg, p_slot_reg, p_wif_reg[0]} :
                         {p_half_reg, p_last_wif ? 4'hF : p_wif_reg};
wire       p_start     = img_ok && !flush && !p_load_reg && !pw1_v && !pw2_v && full_reg != 2'd2;
wire       sess_end;
wire       fc_issue;         // the FC reads the four banks this cycle (it has priority)
wire       p_go        = p_load_reg && !fc_issue;
wire       load_done   = pw2_v && pw2_l;

always @(posedge clk) begin
    if (rst || flush) begin
        p_unit_reg <= 2'd0;
        p_grp_reg  <= 6'd0;
        p_slot_reg <= 3'd0;
        p_wif_reg  <= 4'd0;
        p_pe_reg   <= 7'd0;
        p_half_reg <= 1'b0;
        p_addr_reg <= `ECG_BCNN_OFF_CONV1;
        p_load_reg <= 1'b0;
        full_reg   <= 2'd0;
        pw1_v      <= 1'b0;
        pw2_v      <= 1'b0;
    end else if (en) begin
        pw1_v <= p_go;
        pw1_l <= p_last;
        pw1_a <= p_waddr;
        pw1_p <= p_pe_reg;
        pw2_v <= pw1_v;
        pw2_l <= pw1_l;
        pw2_a <= pw1_a;
        pw2_p <= pw1_p;
        if (load_done && !sess_end) begin
            full_reg <= full_reg + 2'd1;
        end else if (sess_end && !load_done) begin
            full_reg <= full_reg - 2'd1;
        end
        if (p_start) begin
            p_load_reg <= 1'b1;
        end
        if (p_go) begin
            p_addr_reg <= p_addr_reg + {{(PMA-1){1'b0}}, 1'b1};
            if (p_last_wif) begin
                p_wif_reg <= 4'd0;
                if (p_last_pe) begin
                    p_pe_reg <= 7'd0;
                    if (p_last_slot) begin
                        p_slot_reg <= 3'd0;
                        p_load_reg <= 1'b0;
                        p_half_reg <= ~p_half_reg;
                        if (p_grp_reg == ngrp(p_unit_reg) - 6'd1) begin
                            p_grp_reg  <= 6'd0;
                            p_unit_reg <= p_unit_reg + 2'd1;
                            if (p_unit_reg == 2'd3) begin
                                p_addr_reg <= `ECG_BCNN_OFF_CONV1;
                            end
                        end else begin
                            p_grp_reg <= p_grp_reg + 6'd1;
                        end
                    end else begin
                        p_slot_reg <= p_slot_reg + 3'd1;
                    end
                end else begin
                    p_pe_reg <= p_pe_reg + 7'd1;
                end
            end else begin
                p_wif_reg <= p_wif_reg + 4'd1;
            end
        end
    end
end

assign pc_re   = p_go;
assign pc_addr = p_addr_reg;

// the weight buffer: 32 words (two halves of 16) of N_PES x 64 bits, PE p in bits 64p +: 64
wire [N_PES*8-1:0]  wb_we;
wire [N_PES*64-1:0] wb_rdata;
wire                wb_re;
wire [4:0]          wb_raddr;
genvar gp;
generate
    for (gp = 0; gp < N_PES; gp = gp + 1) begin : gen_wbwe
        assign wb_we[8*gp +: 8] = {8{pw2_v && en && pw2_p == gp}};
    end
endgenerate

bcnn_ram #(.WIDTH(N_PES * 64), .DEPTH(32)) u_wbuf (
    .clk(clk), .en(en),
    .we(wb_we), .waddr(pw2_a), .wdata({N_PES{pc_rdata}}),
    .re(wb_re), .raddr(wb_raddr), .rdata(wb_rdata)
);

// ---------------------------------------------------------------------------------------------
// Execution controller
// ---------------------------------------------------------------------------------------------
localparam [2:0] E_WAIT = 3'd0, E_PRE0 = 3'd1, E_PRE1 = 3'd2, E_RUN = 3'd3, E_GAP = 3'd4;

reg  [2:0]        e_st_reg;
reg  [1:0]        e_unit_reg;
reg  [5:0]        e_grp_reg;
reg  [2:0]        e_slot_reg;
reg               e_half_reg;
reg  [3:0]        e_i_reg;
reg  [7:0]        e_x_reg;
reg  [8:0]        e_xb_reg;
reg  [7:0]        e_n_reg;
reg  [6:0]        e_f0_reg;
reg  [1:0]        e_gap_reg;
reg  [TAG_W-1:0]  bm_tag_reg;
reg  [31:0]       bm_start_reg;
reg  [TAG_W-1:0]  c4_tag_reg;
reg  [31:0]       c4_start_reg;
reg               c4_tog_reg;
reg  [6:0]        p_avail_reg;
reg  [N_PES-1:0]  prev_reg;

wire        fc_ptog;
wire        fc_pfree = c4_tog_reg == fc_ptog;
wire [3:0]  wpf      = wt_of(e_unit_reg) - 4'd2;      // index of the last weight word
wire        e_lastg  = e_grp_reg == ngrp(e_unit_reg) - 6'd1;
wire        e_cond   = (e_unit_reg == 2'd0 && e_grp_reg == 6'd0) ? beat_avail :
                       (e_unit_reg == 2'd1 && e_grp_reg == 6'd0) ? fc_pfree : 1'b1;
wire        e_start  = e_st_reg == E_WAIT && full_reg != 2'd0 && !flush && e_cond;
wire        run_bin  = e_st_reg == E_RUN && e_unit_reg != 2'd0;
wire        run_c1   = e_st_reg == E_RUN && e_unit_reg == 2'd0;
wire        bin_end  = run_bin && e_i_reg == wpf && e_x_reg == lout_of(e_unit_reg) - 8'd1;
wire        slot_end = run_c1 && e_n_reg == 8'd179;
wire        c1_end   = slot_end && e_slot_reg == FPP_I[2:0] - 3'd1;
assign      sess_end = en && (bin_end || c1_end);
assign      smp_done = en && c1_end && e_grp_reg == C1S_I[5:0] - 6'd1;

// issue-stage flags and their pipeline: d1 .. d5
wire        i_bacc  = run_bin;
wire        i_first = e_i_reg == 4'd0;
wire        i_bfin  = run_bin && e_i_reg == wpf;
wire        i_shift = run_c1;
wire        i_c1v   = run_c1 && e_n_reg >= 8'd6;
wire        i_thr   = e_st_reg == E_PRE1;
wire        i_c1w   = e_st_reg == E_PRE0;
wire [7:0]  i_x     = (e_unit_reg == 2'd0) ? e_n_reg - 8'd6 : e_x_reg;
wire        i_lastg = e_lastg;

localparam MW = 2 + 7 + 8 + 1;               // meta: unit, f0, x, last group
wire [MW-1:0] i_meta = {e_unit_reg, e_f0_reg, i_x, i_lastg};
reg  [4:0]    bacc_d, first_d, bfin_d, shift_d, c1v_d, thr_d, c1w_d;
wire          unused_d = ^{first_d[4:2], bfin_d[4], shift_d[4:2], thr_d[4:2], c1w_d[4:2], bacc_d[4:2]};
reg  [MW-1:0] meta_d1, meta_d2, meta_d3, meta_d4, meta_d5;

always @(posedge clk) begin
    if (rst || flush) begin
        bacc_d  <= 5'd0;
        bfin_d  <= 5'd0;
        shift_d <= 5'd0;
        c1v_d   <= 5'd0;
        thr_d   <= 5'd0;
        c1w_d   <= 5'd0;
        first_d <= 5'd0;
    end else if (en) begin
        bacc_d  <= {bacc_d[3:0], i_bacc};
        first_d <= {first_d[3:0], i_first};
        bfin_d  <= {bfin_d[3:0], i_bfin};
        shift_d <= {shift_d[3:0], i_shift};
        c1v_d   <= {c1v_d[3:0], i_c1v};
        thr_d   <= {thr_d[3:0], i_thr};
        c1w_d   <= {c1w_d[3:0], i_c1w};
    end
end

always @(posedge clk) begin
    if (en) begin
        meta_d1 <= i_meta;
        meta_d2 <= meta_d1;
        meta_d3 <= meta_d2;
        meta_d4 <= meta_d3;
        meta_d5 <= meta_d4;
    end
end

// the output stage: PE sums and bits of one position (binary d4, conv1 d5)
wire        out_v   = bfin_d[3] || c1v_d[4];
wire [MW-1:0] o_meta = c1v_d[4] ? meta_d5 : meta_d4;
wire [1:0]  o_unit  = o_meta[MW-1 -: 2];
wire [6:0]  o_f0    = o_meta[MW-3 -: 7];
wire [7:0]  o_x     = o_meta[8:1];
wire        o_lastg = o_meta[0];

wire [N_PES-1:0] bits;
wire [N_PES*SW-1:0] sums;

always @(posedge clk) begin
    if (rst || flush) begin
        e_st_reg    <= E_WAIT;
        e_unit_reg  <= 2'd0;
        e_grp_reg   <= 6'd0;
        e_slot_reg  <= 3'd0;
        e_half_reg  <= 1'b0;
        e_f0_reg    <= 7'd0;
        e_i_reg     <= 4'd0;
        e_x_reg     <= 8'd0;
        e_xb_reg    <= 9'd0;
        e_n_reg     <= 8'd0;
        e_gap_reg   <= 2'd0;
        p_avail_reg <= 7'd0;
        if (rst) begin
            c4_tog_reg <= 1'b0;
        end
    end else if (en) begin
        case (e_st_reg)
            E_WAIT: begin
                if (e_start) begin
                    if (e_unit_reg == 2'd0 && e_grp_reg == 6'd0) begin
                        bm_tag_reg   <= beat_tag;
                        bm_start_reg <= tick;
                    end
                    if (e_unit_reg == 2'd3 && e_lastg) begin
                        c4_tog_reg   <= ~c4_tog_reg;
                        c4_tag_reg   <= bm_tag_reg;
                        c4_start_reg <= bm_start_reg;
                        p_avail_reg  <= 7'd0;
                    end
                    e_slot_reg <= 3'd0;
                    e_st_reg   <= (e_unit_reg == 2'd0) ? E_PRE0 : E_PRE1;
                end
            end
            E_PRE0: e_st_reg <= E_PRE1;
            E_PRE1: begin
                e_i_reg  <= 4'd0;
                e_x_reg  <= 8'd0;
                e_xb_reg <= 9'd0;
                e_n_reg  <= 8'd0;
                e_st_reg <= E_RUN;
            end
            E_RUN: begin
                if (e_unit_reg == 2'd0) begin
                    e_n_reg <= e_n_reg + 8'd1;
                    if (slot_end) begin
                        e_f0_reg <= e_f0_reg + NPES7;
                        if (c1_end) begin
                            e_half_reg <= ~e_half_reg;
                            e_gap_reg  <= 2'd0;
                            e_st_reg   <= E_GAP;
                            if (e_lastg) begin
                                e_grp_reg  <= 6'd0;
                                e_unit_reg <= 2'd1;
                                e_f0_reg   <= 7'd0;
                            end else begin
                                e_grp_reg <= e_grp_reg + 6'd1;
                            end
                        end else begin
                            e_slot_reg <= e_slot_reg + 3'd1;
                            e_st_reg   <= E_PRE0;
                        end
                    end
                end else begin
                    if (e_i_reg == wpf) begin
                        e_i_reg  <= 4'd0;
                        e_x_reg  <= e_x_reg + 8'd1;
                        e_xb_reg <= e_xb_reg + ((e_unit_reg == 2'd2) ? 9'd1 : 9'd2);
                        if (bin_end) begin
                            e_half_reg <= ~e_half_reg;
                            e_st_reg   <= E_WAIT;
                            if (e_lastg) begin
                                e_grp_reg  <= 6'd0;
                                e_unit_reg <= e_unit_reg + 2'd1;
                                e_f0_reg   <= 7'd0;
                            end else begin
                                e_grp_reg <= e_grp_reg + 6'd1;
                                e_f0_reg  <= e_f0_reg + NPES7;
                            end
                        end
                    end else begin
                        e_i_reg <= e_i_reg + 4'd1;
                    end
                end
            end
            default: begin  // E_GAP: conv1's last outputs pass the threshold before the next load
                e_gap_reg <= e_gap_reg + 2'd1;
                if (e_gap_reg == 2'd1) begin
                    e_st_reg <= E_WAIT;
                end
            end
        endcase
        // conv4: a pooled word of the last group is complete
        if (out_v && o_unit == 2'd3 && o_x[0] && o_lastg) begin
            p_avail_reg <= o_x[7:1] + 7'd1;
        end
    end
end

assign smp_re    = i_shift;
assign smp_raddr = {smp_half, e_n_reg};

// weight buffer read: conv1 taps / thresholds at 2 slot (+1), binary thresholds at 15
assign wb_re    = i_bacc || i_thr || i_c1w;
assign wb_raddr = (e_st_reg == E_PRE0) ? {e_half_reg, e_slot_reg, 1'b0} :
                  (e_st_reg == E_PRE1) ? ((e_unit_reg == 2'd0) ? {e_half_reg, e_slot_reg, 1'b1} :
                                                                {e_half_reg, 4'hF}) :
                  {e_half_reg, e_i_reg};

// ---------------------------------------------------------------------------------------------
// Feature maps A (conv1 / conv3 out: 2 words per position) and B (conv2 out, pooled conv4 out)
// ---------------------------------------------------------------------------------------------
wire [63:0] o_data  = (o_unit == 2'd3) ? {(64 / N_PES){bits | prev_reg}} : {(64 / N_PES){bits}};
wire [7:0]  o_be    = {{(8 - NBE){1'b0}}, {NBE{1'b1}}} << o_f0[5:3];
wire        wa_v    = en && out_v && (o_unit == 2'd0 || o_unit == 2'd2);
wire        wb_v    = en && out_v && (o_unit == 2'd1 || (o_unit == 2'd3 && o_x[0]));
wire [8:0]  wa_addr = {o_x, o_f0[6]};
wire [7:0]  wbm_addr = (o_unit == 2'd3) ? {1'b0, o_x[7:1]} : o_x;

always @(posedge clk) begin
    if (en && out_v && o_unit == 2'd3 && !o_x[0]) begin
        prev_reg <= bits;
    end
end

wire        ma_re    = i_bacc && e_unit_reg != 2'd2;
wire [8:0]  ma_raddr = e_xb_reg + {5'd0, e_i_reg};
wire [63:0] ma_rdata;
wire        fc_pm_re;
wire [7:0]  fc_pm_raddr;
wire        mb_re    = fc_pm_re || (i_bacc && e_unit_reg == 2'd2);
wire [7:0]  mb_raddr = fc_pm_re ? fc_pm_raddr : ma_raddr[7:0];
wire [63:0] mb_rdata;

bcnn_ram #(.WIDTH(64), .DEPTH(512)) u_map_a (
    .clk(clk), .en(en),
    .we(o_be & {8{wa_v}}), .waddr(wa_addr), .wdata(o_data),
    .re(ma_re), .raddr(ma_raddr), .rdata(ma_rdata)
);

bcnn_ram #(.WIDTH(64), .DEPTH(256)) u_map_b (
    .clk(clk), .en(en),
    .we(o_be & {8{wb_v}}), .waddr(wbm_addr), .wdata(o_data),
    .re(mb_re), .raddr(mb_raddr), .rdata(mb_rdata)
);

// ---------------------------------------------------------------------------------------------
// Processing elements
// ---------------------------------------------------------------------------------------------
reg  [55:0] win_reg;             // conv1 window: sample x + k in bits 8k +: 8
always @(posedge clk) begin
    if (en && shift_d[1]) begin
        win_reg <= {smp_rdata, win_reg[55:8]};
    end
end

wire [63:0] bcast   = (meta_d2[MW-1 -: 2] == 2'd2) ? mb_rdata : ma_rdata;
wire [1:0]  fin_u   = meta_d3[MW-1 -: 2];
wire [10:0] n_terms = (fin_u == 2'd2) ? 11'd448 : 11'd896;
wire        pe_acc  = bacc_d[1] || c1v_d[2];
wire        pe_mode = c1v_d[2] || c1v_d[3];
wire        pe_fin  = bfin_d[2] || c1v_d[3];

generate
    for (gp = 0; gp < N_PES; gp = gp + 1) begin : gen_pe
        bcnn_pe #(.N_OPS(64)) u_pe (
            .clk(clk), .en(en),
            .w(wb_rdata[64*gp +: 64]), .a(bcast), .win(win_reg),
            .mode_c1(pe_mode), .acc_en(pe_acc), .acc_first(first_d[1]), .fin(pe_fin),
            .n_terms(n_terms), .thr_ld(thr_d[1]), .c1w_ld(c1w_d[1]),
            .sum(sums[SW*gp +: SW]), .bit_out(bits[gp])
        );
    end
endgenerate

// ---------------------------------------------------------------------------------------------
// FC
// ---------------------------------------------------------------------------------------------
wire fc_busy;
bcnn_fc #(.N_CLASSES_MAX(N_CLASSES_MAX), .TAG_W(TAG_W), .BRA(BRA)) u_fc (
    .clk(clk), .rst(rst), .en(en),
    .n_cls(n_cls), .tick(tick),
    .beat_go(c4_tog_reg != fc_ptog), .beat_tag(c4_tag_reg), .beat_start(c4_start_reg),
    .p_avail(p_avail_reg), .p_taken(fc_ptog),
    .pm_re(fc_pm_re), .pm_raddr(fc_pm_raddr), .pm_rdata(mb_rdata),
    .grant(1'b1), .bk_re(fc_issue), .bk_row(bk_row), .bk_rdata(bk_rdata),
    .busy(fc_busy),
    .res_valid(res_valid), .res_ready(res_ready), .res_cls(res_cls), .res_best(res_best),
    .res_second(res_second), .res_tag(res_tag), .res_cycles(res_cycles), .res_new(res_new),
    .ev_pool(fc_ev_pool), .ev_one(fc_ev_one), .ev_kind(fc_ev_kind), .ev_index(fc_ev_index),
    .ev_value0(fc_ev_value0), .ev_value1(fc_ev_value1)
);

assign bk_re = fc_issue;

assign busy = p_load_reg || pw1_v || pw2_v || e_st_reg != E_WAIT || e_unit_reg != 2'd0 ||
              e_grp_reg != 6'd0 || (|{bacc_d, c1v_d, thr_d, c1w_d}) || fc_busy;

assign ex_tv   = out_v;
assign ex_unit = o_unit;
assign ex_f0   = o_f0;
assign ex_x    = o_x;
assign ex_sums = sums;
assign ex_bits = bits;

endmodule

`resetall
