// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// fe_detector -- the R-peak detector of the front end, bit-exact to golden/frontend.py _Detector
// (docs/frontend.md "Detector"): a peak tracker on m with a 72-sample hold (refractory period),
// 2 s learning, adaptive thresholds SPK/NPK, the T-wave rule, overdue halving, search-back, and
// the refinement of the position to the largest abs(f[k] - base) over [i-50, i-5].
// One sample per clock (in_valid && in_ready) when no m peak is declared.  A declaration takes
// the refinement scan (one ring read per k, pipelined) and one cycle per decision, during which
// in_ready is low: ST_IN -> ST_SCAN (47 cycles for the 46-sample window) -> ST_POST -> ST_DCLS ->
// ST_SB, 51 cycles in all; at sample LEARN (720) ST_LINIT and one ST_LCLS cycle per buffered
// learning peak (at most 16) come before ST_DCLS (worst case 68 cycles for that sample).  Every
// state waits while go is low (the peak output register or the trace FIFO is full).
// Outputs: pk_valid (held until pk_ready: it is the peak stream's register) with a detected R peak (refined position in input time,
// RR since the previous peak, kind, the sample of emission); dec_valid pulses with every decision
// (code/flags as golden/frontend.py DEC_*, the peak level p, the sample n).

module fe_detector #(
    parameter F_W    = `ECG_FE_F_W,      // f and base
    parameter DABS_W = `ECG_FE_DABS_W,   // abs(d)
    parameter M_W    = `ECG_FE_M_W,      // m, SPK, NPK, peak levels
    parameter LSUM_W = `ECG_FE_LSUM_W,   // learning sum
    parameter RR_W   = `ECG_FE_RR_W,     // RR intervals (saturating)
    parameter RRA_W  = `ECG_FE_RRACC_W,  // RR accumulator
    parameter N_W    = 32                // sample index (wraps after 2^32 samples, 138 days)
) (
    input  wire              clk,
    input  wire              rst,
    input  wire              go,            // outputs can take a peak and a decision record
    input  wire              in_valid,
    output wire              in_ready,
    input  wire [M_W-1:0]    in_m,
    input  wire [DABS_W-1:0] in_dabs,
    input  wire [F_W-1:0]    in_f,
    input  wire [F_W-1:0]    in_base,
    output wire [N_W-1:0]    n,             // index of the next sample = samples done
    // detected R peak
    output wire              pk_valid,      // held until pk_ready (the output stream register)
    input  wire              pk_ready,
    output wire [N_W-1:0]    pk_pos,
    output wire [RR_W-1:0]   pk_rr,
    output wire [1:0]        pk_kind,
    output wire [N_W-1:0]    pk_emit,
    // decision (one-cycle pulse)
    output wire              dec_valid,
    output wire [7:0]        dec_code,
    output wire [7:0]        dec_flags,
    output wire [M_W-1:0]    dec_p,
    output wire [N_W-1:0]    dec_n,
    // status
    output wire              busy,
    output wire              learning,
    output wire [M_W-1:0]    spk,
    output wire [M_W-1:0]    npk,
    output wire [RR_W-1:0]   rr_avg
);

`ifndef SYNTHESIS
initial begin
    if (F_W != 13 || DABS_W != 15 || M_W != 26 || LSUM_W != 36 || RR_W != 16 || RRA_W != 19) begin
        $error("fe_detector: the widths are fixed by docs/frontend.md");
        $finish;
    end
    if (N_W < 16 || N_W > 32) begin
        $error("fe_detector: N_W=%0d must be 16..32", N_W);
        $finish;
    end
    if (`ECG_FE_PEAK_HOLD + `ECG_FE_REF_BACK + 1 > 128 || `ECG_FE_LEARN_MAX != 16
        || `ECG_FE_LEARN >= 1024 || `ECG_FE_TH_NUM != 4 || `ECG_FE_SPK_CLIP != 1
        || `ECG_FE_OD_SHIFT != 1 || `ECG_FE_T_DSHIFT != 1) begin
        $error("fe_detector: detector constants in ecg_formats.vh are not the ones built here");
        $finish;
    end
end
`endif

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

localparam integer PEAK_HOLD = `ECG_FE_PEAK_HOLD;
localparam integer LEARN     = `ECG_FE_LEARN;
localparam integer SETTLE    = `ECG_FE_SETTLE;
localparam integer TWAVE     = `ECG_FE_TWAVE_WIN;
localparam integer SB_NUM    = `ECG_FE_SEARCHBACK_NUM;
localparam integer SB_SHIFT  = `ECG_FE_SEARCHBACK_SHIFT;
localparam integer RR_INIT   = `ECG_FE_RR_INIT;
localparam integer RRA_SH    = `ECG_FE_RR_AVG_SHIFT;
localparam integer REF_BACK  = `ECG_FE_REF_BACK;
localparam integer REF_FWD   = `ECG_FE_REF_FWD;
localparam integer F_DELAY   = `ECG_FE_F_DELAY;
localparam integer NPK_SH    = `ECG_FE_LEARN_NPK_SHIFT;
localparam integer RB_AW     = 7;                         // f ring: 128 >= PEAK_HOLD+REF_BACK+1
localparam integer LI_W      = 10;                        // learning-phase indices (< LEARN)
localparam integer SN_W      = N_W + 1;                   // signed sample index (scan bounds)

localparam [6:0]      SB_NUM7  = SB_NUM[6:0];
localparam [N_W-1:0]  N_LEARN  = LEARN;
localparam [N_W-1:0]  N_HOLD   = PEAK_HOLD;
localparam [N_W-1:0]  N_SETTLE = SETTLE;
localparam [N_W-1:0]  N_TWAVE  = TWAVE;
localparam [N_W-1:0]  N_RRMAX  = {{(N_W-RR_W){1'b0}}, {RR_W{1'b1}}};
localparam integer    RRA_INIT_I = RR_INIT << RRA_SH;
localparam [RRA_W-1:0] RRA_INIT = RRA_INIT_I[RRA_W-1:0];
localparam [RR_W-1:0] RR_SAT   = {RR_W{1'b1}};

localparam [3:0] ST_IN    = 4'd0,   // accept a sample
                 ST_SCAN  = 4'd1,   // refinement scan of a declared peak
                 ST_POST  = 4'd2,   // position done: buffer (learning) or dispatch
                 ST_LINIT = 4'd3,   // sample LEARN: SPK, NPK from the learning statistics
                 ST_LCLS  = 4'd4,   // classify one buffered learning peak
                 ST_DCLS  = 4'd5,   // classify the declared peak
                 ST_SB    = 4'd6;   // search-back check, end of the sample

localparam [7:0] DEC_LEARN_BUF  = 8'd1,
                 DEC_LEARN_DROP = 8'd2,
                 DEC_QRS        = 8'd3,
                 DEC_TWAVE      = 8'd4,
                 DEC_NOISE      = 8'd5,
                 DEC_SEARCHBACK = 8'd6;
localparam [7:0] DEC_F_OVERDUE  = 8'd1,
                 DEC_F_LEARN    = 8'd2;
localparam [1:0] KIND_THRESHOLD = 2'd0,
                 KIND_SEARCHBACK = 2'd1,
                 KIND_LEARNING  = 2'd2;

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

reg  [3:0]          state_reg, state_next;
reg  [N_W-1:0]      n_reg, n_next;
// peak tracker
reg  [M_W-1:0]      pk_reg, pk_next;
reg  [N_W-1:0]      pki_reg, pki_next;
reg  [F_W-1:0]      pkb_reg, pkb_next;
reg                 pkv_reg, pkv_next;
reg  [DABS_W-1:0]   dmax_reg, dmax_next;
// declared peak
reg  [M_W-1:0]      dp_reg, dp_next;
reg  [N_W-1:0]      di_reg, di_next;
reg  [DABS_W-1:0]   ddm_reg, ddm_next;
reg  [F_W-1:0]      dbase_reg, dbase_next;
reg                 decl_reg, decl_next;          // a declared peak waits for classification
// refinement scan
reg  signed [SN_W-1:0] sk_reg, sk_next;           // next k to read
reg  signed [SN_W-1:0] shi_reg, shi_next;         // last k
reg  signed [SN_W-1:0] rk_reg, rk_next;           // k whose f is in the read register
reg                 rv_reg, rv_next;              // the read register holds f[rk]
reg  signed [SN_W-1:0] bk_reg, bk_next;           // best k so far
reg  [F_W:0]        bv_reg, bv_next;              // its abs(f - base)
reg                 bh_reg, bh_next;              // a best exists
reg  [N_W-1:0]      dpos_reg, dpos_next;          // refined position (input time)
// levels
reg  [M_W-1:0]      spk_reg, spk_next;
reg  [M_W-1:0]      npk_reg, npk_next;
reg  [N_W-1:0]      last_reg, last_next;          // last QRS (m-peak index)
reg                 lastv_reg, lastv_next;
reg  [DABS_W-1:0]   ldm_reg, ldm_next;            // its largest abs(d)
reg  [1:0]          nqrs_reg, nqrs_next;          // QRS count, saturating at 2
reg  [RRA_W-1:0]    rra_reg, rra_next;
// search-back candidate
reg  [M_W-1:0]      sbp_reg, sbp_next;
reg  [N_W-1:0]      sbi_reg, sbi_next;
reg                 sbv_reg, sbv_next;
reg  [DABS_W-1:0]   sbd_reg, sbd_next;
reg  [N_W-1:0]      sbpos_reg, sbpos_next;
// learning
reg  [M_W-1:0]      lmax_reg, lmax_next;
reg  [LSUM_W-1:0]   lsum_reg, lsum_next;
reg  [4:0]          lcnt_reg, lcnt_next;          // buffered learning peaks
reg  [3:0]          lidx_reg, lidx_next;          // the one classified next
// output peaks
reg  [N_W-1:0]      prev_reg, prev_next;          // previous emitted position
reg                 prevv_reg, prevv_next;

reg                 pk_valid_reg, pk_valid_next;
reg  [N_W-1:0]      pk_pos_reg, pk_pos_next;
reg  [RR_W-1:0]     pk_rr_reg, pk_rr_next;
reg  [1:0]          pk_kind_reg, pk_kind_next;
reg  [N_W-1:0]      pk_emit_reg, pk_emit_next;
reg                 dec_valid_reg, dec_valid_next;
reg  [7:0]          dec_code_reg, dec_code_next;
reg  [7:0]          dec_flags_reg, dec_flags_next;
reg  [M_W-1:0]      dec_p_reg, dec_p_next;
reg  [N_W-1:0]      dec_n_reg, dec_n_next;

// learning buffer (16 entries; indices and positions are < LEARN)
reg  [M_W-1:0]      lb_p   [0:15];
reg  [LI_W-1:0]     lb_i   [0:15];
reg  [DABS_W-1:0]   lb_d   [0:15];
reg  [LI_W-1:0]     lb_pos [0:15];
reg                 lb_we;

// f ring for the refinement (RAM, synchronous read)
reg  [F_W-1:0]      ring [0:(1<<RB_AW)-1];
reg  [F_W-1:0]      ring_q;
reg                 ring_we;
reg  [RB_AW-1:0]    ring_ra;

// ---------------------------------------------------------------------------------------------
// Shared arithmetic
// ---------------------------------------------------------------------------------------------

wire in_fire = (state_reg == ST_IN) && in_valid && go;
assign in_ready = (state_reg == ST_IN) && go;

// TH1 = NPK + ((SPK - NPK) * 4 >> 4) (floor), TH2 = TH1 >> 1
wire signed [M_W+1:0] dsn   = $signed({2'b00, spk_reg}) - $signed({2'b00, npk_reg});
wire signed [M_W+1:0] th1_s = $signed({2'b00, npk_reg}) + (dsn >>> 2);
wire [M_W-1:0]        th1   = th1_s[M_W-1:0];               // >= 0 and < 2^26 (SPK, NPK >= 0)
wire [M_W-1:0]        th2   = {1'b0, th1[M_W-1:1]};
wire                  unused_th = ^th1_s[M_W+1:M_W];
// search-back time RR_avg * 53 / 32
wire [RR_W-1:0]       rr_av = rra_reg[RRA_W-1:RRA_SH];
wire [RR_W+6:0]       sbl_p = rr_av * SB_NUM7;
wire [N_W-1:0]        sblim = {{(N_W-(RR_W+7-SB_SHIFT)){1'b0}}, sbl_p[RR_W+6:SB_SHIFT]};
wire                  unused_sbl = ^sbl_p[SB_SHIFT-1:0];
wire [N_W-1:0]        n_since = n_reg - last_reg;
wire                  overdue = lastv_reg && (n_since > sblim);
wire                  sb_take = lastv_reg && sbv_reg && (sbp_reg > th2) && overdue;

// operands of a classification: a buffered learning peak or the declared one
wire [3:0]       lr = lidx_reg;
wire             cls_lb   = state_reg == ST_LCLS;
wire [M_W-1:0]   cls_p    = cls_lb ? lb_p[lr] : dp_reg;
wire [N_W-1:0]   cls_i    = cls_lb ? {{(N_W-LI_W){1'b0}}, lb_i[lr]} : di_reg;
wire [DABS_W-1:0] cls_d   = cls_lb ? lb_d[lr] : ddm_reg;
wire [N_W-1:0]   cls_pos  = cls_lb ? {{(N_W-LI_W){1'b0}}, lb_pos[lr]} : dpos_reg;
wire [N_W-1:0]   since    = lastv_reg ? cls_i - last_reg : N_RRMAX;
wire             is_t     = (since < N_TWAVE) && (cls_d < {1'b0, ldm_reg[DABS_W-1:1]});
wire             is_qrs   = (cls_p > th1) && !is_t;

// an accepted QRS: the classified peak, or the search-back candidate
wire             acc_sb   = (state_reg != ST_LCLS) && (state_reg != ST_DCLS);
wire [M_W-1:0]   acc_p    = acc_sb ? sbp_reg : cls_p;
wire [N_W-1:0]   acc_i    = acc_sb ? sbi_reg : cls_i;
wire [N_W-1:0]   acc_rr_n = acc_i - last_reg;
wire [RR_W-1:0]  acc_rr   = (acc_rr_n > N_RRMAX) ? RR_SAT : acc_rr_n[RR_W-1:0];
wire [M_W:0]     spk2     = {spk_reg, 1'b0};
wire [M_W-1:0]   acc_pc   = (spk_reg != {M_W{1'b0}} && {1'b0, acc_p} > spk2) ? spk2[M_W-1:0] : acc_p;
wire signed [M_W+1:0] acc_dl = $signed({2'b00, acc_pc}) - $signed({2'b00, spk_reg});
wire signed [M_W+1:0] acc_s  = $signed({2'b00, spk_reg}) + (acc_sb ? (acc_dl >>> 2) : (acc_dl >>> 3));
wire [RRA_W:0]   rra_upd  = {1'b0, rra_reg} + {{(RRA_W+1-RR_W){1'b0}}, acc_rr}
                                           - {{(RRA_SH+1){1'b0}}, rra_reg[RRA_W-1:RRA_SH]};
wire signed [M_W+1:0] nz_dl = $signed({2'b00, cls_p}) - $signed({2'b00, npk_reg});
wire signed [M_W+1:0] nz_s  = $signed({2'b00, npk_reg}) + (nz_dl >>> 3);
wire             unused_ar = ^{acc_s[M_W+1:M_W], nz_s[M_W+1:M_W], rra_upd[RRA_W], spk2[M_W]};

// the refinement: abs(f[k] - base) of the word in the read register
wire signed [F_W:0] rdiff = $signed({ring_q[F_W-1], ring_q}) - $signed({dbase_reg[F_W-1], dbase_reg});
wire [F_W:0]        rabs  = rdiff[F_W] ? -rdiff : rdiff;
wire signed [SN_W-1:0] bpos = bk_reg - F_DELAY;

// the scan window of the peak in the tracker, for a declaration now
wire signed [SN_W-1:0] pki_s = $signed({1'b0, pki_reg});
wire signed [SN_W-1:0] lo_k  = pki_s - REF_BACK;

// ---------------------------------------------------------------------------------------------
// Next state
// ---------------------------------------------------------------------------------------------

// emit an accepted QRS (the caller sets the kind)
task do_accept;
    input [1:0] kind;
    begin
        if (nqrs_reg != 2'd0) begin
            rra_next = (nqrs_reg == 2'd1) ? {acc_rr, {RRA_SH{1'b0}}} : rra_upd[RRA_W-1:0];
        end
        nqrs_next  = (nqrs_reg == 2'd2) ? 2'd2 : nqrs_reg + 2'd1;
        spk_next   = acc_s[M_W-1:0];
        last_next  = acc_i;
        lastv_next = 1'b1;
        ldm_next   = acc_sb ? sbd_reg : cls_d;
        sbp_next   = {M_W{1'b0}};
        sbv_next   = 1'b0;
        pk_valid_next = 1'b1;
        pk_pos_next   = acc_sb ? sbpos_reg : cls_pos;
        pk_rr_next    = !prevv_reg ? {RR_W{1'b0}}
                      : ((pk_pos_next - prev_reg) > N_RRMAX) ? RR_SAT
                      : pk_pos_next[RR_W-1:0] - prev_reg[RR_W-1:0];
        pk_kind_next  = kind;
        pk_emit_next  = n_reg;
        prev_next     = pk_pos_next;
        prevv_next    = 1'b1;
        dec_valid_next = 1'b1;
        dec_code_next  = acc_sb ? DEC_SEARCHBACK : DEC_QRS;
        dec_flags_next = (kind == KIND_LEARNING) ? DEC_F_LEARN : 8'd0;
        dec_p_next     = acc_p;
        dec_n_next     = n_reg;
    end
endtask

task do_classify;
    begin
        if (is_qrs) begin
            do_accept(cls_lb ? KIND_LEARNING : KIND_THRESHOLD);
        end else begin
            npk_next = nz_s[M_W-1:0];
            if (overdue) begin
                spk_next = {1'b0, spk_reg[M_W-1:1]};
            end
            if (since >= N_TWAVE && cls_p > sbp_reg) begin
                sbp_next   = cls_p;
                sbi_next   = cls_i;
                sbv_next   = 1'b1;
                sbd_next   = cls_d;
                sbpos_next = cls_pos;
            end
            dec_valid_next = 1'b1;
            dec_code_next  = (cls_p > th1) ? DEC_TWAVE : DEC_NOISE;
            dec_flags_next = (overdue ? DEC_F_OVERDUE : 8'd0) | (cls_lb ? DEC_F_LEARN : 8'd0);
            dec_p_next     = cls_p;
            dec_n_next     = n_reg;
        end
    end
endtask

always @* begin
    state_next = state_reg;
    n_next     = n_reg;
    pk_next    = pk_reg;
    pki_next   = pki_reg;
    pkb_next   = pkb_reg;
    pkv_next   = pkv_reg;
    dmax_next  = dmax_reg;
    dp_next    = dp_reg;
    di_next    = di_reg;
    ddm_next   = ddm_reg;
    dbase_next = dbase_reg;
    decl_next  = decl_reg;
    sk_next    = sk_reg;
    shi_next   = shi_reg;
    rk_next    = rk_reg;
    rv_next    = 1'b0;
    bk_next    = bk_reg;
    bv_next    = bv_reg;
    bh_next    = bh_reg;
    dpos_next  = dpos_reg;
    spk_next   = spk_reg;
    npk_next   = npk_reg;
    last_next  = last_reg;
    lastv_next = lastv_reg;
    ldm_next   = ldm_reg;
    nqrs_next  = nqrs_reg;
    rra_next   = rra_reg;
    sbp_next   = sbp_reg;
    sbi_next   = sbi_reg;
    sbv_next   = sbv_reg;
    sbd_next   = sbd_reg;
    sbpos_next = sbpos_reg;
    lmax_next  = lmax_reg;
    lsum_next  = lsum_reg;
    lcnt_next  = lcnt_reg;
    lidx_next  = lidx_reg;
    prev_next  = prev_reg;
    prevv_next = prevv_reg;
    pk_valid_next = pk_valid_reg && !pk_ready;
    pk_pos_next   = pk_pos_reg;
    pk_rr_next    = pk_rr_reg;
    pk_kind_next  = pk_kind_reg;
    pk_emit_next  = pk_emit_reg;
    dec_valid_next = 1'b0;
    dec_code_next  = dec_code_reg;
    dec_flags_next = dec_flags_reg;
    dec_p_next     = dec_p_reg;
    dec_n_next     = dec_n_reg;
    lb_we   = 1'b0;
    ring_we = 1'b0;
    ring_ra = sk_reg[RB_AW-1:0];

    case (state_reg)
        ST_IN: begin
            if (in_fire) begin
                ring_we = 1'b1;
                // peak tracker (dmax includes this sample's abs(d) before any declaration)
                dmax_next = (in_dabs > dmax_reg) ? in_dabs : dmax_reg;
                if (in_m > pk_reg) begin
                    pk_next  = in_m;
                    pki_next = n_reg;
                    pkv_next = 1'b1;
                    pkb_next = in_base;
                end else if (pkv_reg && (n_reg - pki_reg >= N_HOLD)) begin
                    dp_next    = pk_reg;
                    di_next    = pki_reg;
                    ddm_next   = dmax_next;
                    dbase_next = pkb_reg;
                    decl_next  = 1'b1;
                    pk_next    = in_m;
                    pki_next   = n_reg;
                    pkv_next   = 1'b0;
                    dmax_next  = {DABS_W{1'b0}};
                    // scan k = max(i - 50, 0) .. i - 5, the first k starts as the best
                    sk_next    = (lo_k < 0) ? {SN_W{1'b0}} : lo_k;
                    shi_next   = pki_s - REF_FWD;
                    bk_next    = lo_k;
                    bh_next    = 1'b0;
                end else if (!pkv_reg) begin
                    pk_next  = in_m;
                    pki_next = n_reg;
                end
                if (n_reg < N_LEARN) begin
                    lmax_next = (in_m > lmax_reg) ? in_m : lmax_reg;
                    lsum_next = lsum_reg + {{(LSUM_W-M_W){1'b0}}, in_m};
                end
                if (decl_next) begin
                    state_next = ST_SCAN;
                end else if (n_reg == N_LEARN) begin
                    state_next = ST_LINIT;
                end else begin
                    if (n_reg > N_LEARN && sb_take) begin
                        do_accept(KIND_SEARCHBACK);
                    end
                    n_next = n_reg + 1'b1;
                end
            end
        end
        ST_SCAN: begin
            // issue f[sk] while sk <= hi; compare f[rk] one cycle later
            if (rv_reg) begin
                if (!bh_reg || rabs > bv_reg) begin
                    bk_next = rk_reg;
                    bv_next = rabs;
                    bh_next = 1'b1;
                end
            end
            if (sk_reg <= shi_reg) begin
                rk_next = sk_reg;
                rv_next = 1'b1;
                sk_next = sk_reg + 1'b1;
            end else if (!rv_reg) begin
                state_next = ST_POST;
            end
        end
        ST_POST: begin
            dpos_next = (bpos < 0) ? {N_W{1'b0}} : bpos[N_W-1:0];
            if (!go) begin
                state_next = ST_POST;
            end else if (n_reg < N_LEARN) begin
                dec_valid_next = 1'b1;
                dec_flags_next = 8'd0;
                dec_p_next     = dp_reg;
                dec_n_next     = n_reg;
                if (di_reg >= N_SETTLE && lcnt_reg != 5'd16) begin
                    lb_we          = 1'b1;
                    lcnt_next      = lcnt_reg + 5'd1;
                    dec_code_next  = DEC_LEARN_BUF;
                end else begin
                    dec_code_next  = DEC_LEARN_DROP;
                end
                decl_next  = 1'b0;
                n_next     = n_reg + 1'b1;
                state_next = ST_IN;
            end else if (n_reg == N_LEARN) begin
                state_next = ST_LINIT;
            end else begin
                state_next = ST_DCLS;
            end
        end
        ST_LINIT: begin
            spk_next  = lmax_reg >> 1;
            npk_next  = {{(M_W-(LSUM_W-NPK_SH)){1'b0}}, lsum_reg[LSUM_W-1:NPK_SH]};
            lidx_next = 4'd0;
            if (lcnt_reg != 5'd0) begin
                state_next = ST_LCLS;
            end else if (decl_reg) begin
                state_next = ST_DCLS;
            end else begin
                state_next = ST_SB;
            end
        end
        ST_LCLS: begin
            if (go) begin
                do_classify;
                lidx_next = lidx_reg + 4'd1;
                if ({1'b0, lidx_reg} == lcnt_reg - 5'd1) begin
                    lcnt_next  = 5'd0;
                    state_next = decl_reg ? ST_DCLS : ST_SB;
                end
            end
        end
        ST_DCLS: begin
            if (go) begin
                do_classify;
                decl_next  = 1'b0;
                state_next = ST_SB;
            end
        end
        ST_SB: begin
            if (go) begin
                if (sb_take) begin
                    do_accept(KIND_SEARCHBACK);
                end
                n_next     = n_reg + 1'b1;
                state_next = ST_IN;
            end
        end
        default: begin
            state_next = ST_IN;
        end
    endcase
end

// ---------------------------------------------------------------------------------------------
// Memories (no reset: the ring is read only inside the window already written since reset, and
// the learning buffer only below lcnt)
// ---------------------------------------------------------------------------------------------

always @(posedge clk) begin
    if (ring_we) begin
        ring[n_reg[RB_AW-1:0]] <= in_f;
    end
    ring_q <= ring[ring_ra];
end

always @(posedge clk) begin
    if (lb_we) begin
        lb_p[lcnt_reg[3:0]]   <= dp_reg;
        lb_i[lcnt_reg[3:0]]   <= di_reg[LI_W-1:0];
        lb_d[lcnt_reg[3:0]]   <= ddm_reg;
        lb_pos[lcnt_reg[3:0]] <= dpos_next[LI_W-1:0];
    end
end

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

always @(posedge clk) begin
    if (rst) begin
        state_reg <= ST_IN;
        n_reg     <= {N_W{1'b0}};
        pk_reg    <= {M_W{1'b0}};
        pki_reg   <= {N_W{1'b0}};
        pkb_reg   <= {F_W{1'b0}};
        pkv_reg   <= 1'b0;
        dmax_reg  <= {DABS_W{1'b0}};
        dp_reg    <= {M_W{1'b0}};
        di_reg    <= {N_W{1'b0}};
        ddm_reg   <= {DABS_W{1'b0}};
        dbase_reg <= {F_W{1'b0}};
        decl_reg  <= 1'b0;
        sk_reg    <= {SN_W{1'b0}};
        shi_reg   <= {SN_W{1'b0}};
        rk_reg    <= {SN_W{1'b0}};
        rv_reg    <= 1'b0;
        bk_reg    <= {SN_W{1'b0}};
        bv_reg    <= {(F_W+1){1'b0}};
        bh_reg    <= 1'b0;
        dpos_reg  <= {N_W{1'b0}};
        spk_reg   <= {M_W{1'b0}};
        npk_reg   <= {M_W{1'b0}};
        last_reg  <= {N_W{1'b0}};
        lastv_reg <= 1'b0;
        ldm_reg   <= {DABS_W{1'b0}};
        nqrs_reg  <= 2'd0;
        rra_reg   <= RRA_INIT;
        sbp_reg   <= {M_W{1'b0}};
        sbi_reg   <= {N_W{1'b0}};
        sbv_reg   <= 1'b0;
        sbd_reg   <= {DABS_W{1'b0}};
        sbpos_reg <= {N_W{1'b0}};
        lmax_reg  <= {M_W{1'b0}};
        lsum_reg  <= {LSUM_W{1'b0}};
        lcnt_reg  <= 5'd0;
        lidx_reg  <= 4'd0;
        prev_reg  <= {N_W{1'b0}};
        prevv_reg <= 1'b0;
        pk_valid_reg <= 1'b0;
        pk_pos_reg   <= {N_W{1'b0}};
        pk_rr_reg    <= {RR_W{1'b0}};
        pk_kind_reg  <= 2'd0;
        pk_emit_reg  <= {N_W{1'b0}};
        dec_valid_reg <= 1'b0;
        dec_code_reg  <= 8'd0;
        dec_flags_reg <= 8'd0;
        dec_p_reg     <= {M_W{1'b0}};
        dec_n_reg     <= {N_W{1'b0}};
    end else begin
        state_reg <= state_next;
        n_reg     <= n_next;
        pk_reg    <= pk_next;
        pki_reg   <= pki_next;
        pkb_reg   <= pkb_next;
        pkv_reg   <= pkv_next;
        dmax_reg  <= dmax_next;
        dp_reg    <= dp_next;
        di_reg    <= di_next;
        ddm_reg   <= ddm_next;
        dbase_reg <= dbase_next;
        decl_reg  <= decl_next;
        sk_reg    <= sk_next;
        shi_reg   <= shi_next;
        rk_reg    <= rk_next;
        rv_reg    <= rv_next;
        bk_reg    <= bk_next;
        bv_reg    <= bv_next;
        bh_reg    <= bh_next;
        dpos_reg  <= dpos_next;
        spk_reg   <= spk_next;
        npk_reg   <= npk_next;
        last_reg  <= last_next;
        lastv_reg <= lastv_next;
        ldm_reg   <= ldm_next;
        nqrs_reg  <= nqrs_next;
        rra_reg   <= rra_next;
        sbp_reg   <= sbp_next;
        sbi_reg   <= sbi_next;
        sbv_reg   <= sbv_next;
        sbd_reg   <= sbd_next;
        sbpos_reg <= sbpos_next;
        lmax_reg  <= lmax_next;
        lsum_reg  <= lsum_next;
        lcnt_reg  <= lcnt_next;
        lidx_reg  <= lidx_next;
        prev_reg  <= prev_next;
        prevv_reg <= prevv_next;
        pk_valid_reg <= pk_valid_next;
        pk_pos_reg   <= pk_pos_next;
        pk_rr_reg    <= pk_rr_next;
        pk_kind_reg  <= pk_kind_next;
        pk_emit_reg  <= pk_emit_next;
        dec_valid_reg <= dec_valid_next;
        dec_code_reg  <= dec_code_next;
        dec_flags_reg <= dec_flags_next;
        dec_p_reg     <= dec_p_next;
        dec_n_reg     <= dec_n_next;
    end
end

assign n         = n_reg;
assign pk_valid  = pk_valid_reg;
assign pk_pos    = pk_pos_reg;
assign pk_rr     = pk_rr_reg;
assign pk_kind   = pk_kind_reg;
assign pk_emit   = pk_emit_reg;
assign dec_valid = dec_valid_reg;
assign dec_code  = dec_code_reg;
assign dec_flags = dec_flags_reg;
assign dec_p     = dec_p_reg;
assign dec_n     = dec_n_reg;
assign busy      = state_reg != ST_IN;
assign learning  = n_reg < N_LEARN;
assign spk       = spk_reg;
assign npk       = npk_reg;
assign rr_avg    = rr_av;

endmodule

`resetall
