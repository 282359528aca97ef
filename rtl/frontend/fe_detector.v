// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// fe_detector -- the R-peak detector of the front end, bit-exact to golden/frontend.py _Detector
// (docs/frontend.md "Detector"): a peak tracker on m with a 72-sample hold (refractory period),
// 2 s learning, adaptive thresholds SPK/NPK, the T-wave rule, overdue halving, search-back, and
// the refinement of the position to the largest abs(f[k] - base) over [i-50, i-5].
// One sample per clock (in_valid && in_ready) while no m peak is declared; in_ready is low while
// the detector works on a sample (busy), in these states (cycles):
//   declared m peak:  ST_SCAN (50: 46 ring reads, 3 pipeline stages, 1) -> ST_POST (1); during
//                     learning that is all (51); after it ST_CLS1, ST_CLS2, ST_GAP1, ST_GAP2,
//                     ST_SB follow (56 in all)
//   sample LEARN:     ST_LINIT, ST_GAP1, ST_GAP2, then per buffered learning peak (at most 16)
//                     ST_CLS1, ST_CLS2, ST_GAP1, ST_GAP2, then ST_SB (4 + 4 per peak, + 55 with
//                     a declaration: 123 at most)
//   search-back QRS:  ST_SBACC (1), from ST_IN or ST_SB
// The thresholds TH1/TH2, the search-back limit and the derived deadlines are registers updated
// from SPK/NPK/RR/last QRS every cycle; the two ST_GAP cycles let them settle after a change
// before the next decision reads them.  Every state waits while go is low (the peak output
// register or the trace FIFO is full).
// Outputs: pk_valid (held until pk_ready: it is the peak stream's register) with a detected R
// peak (refined position in input time, RR since the previous peak, kind, sample of emission);
// dec_valid pulses with every decision (code/flags as golden/frontend.py DEC_*, level p, n).

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
/*verilator coverage_off*/
    output wire [N_W-1:0]    n,             // index of the next sample = samples done
/*verilator coverage_on*/
    // detected R peak
    output wire              pk_valid,      // held until pk_ready (the output stream register)
    input  wire              pk_ready,
/*verilator coverage_off*/
    output wire [N_W-1:0]    pk_pos,
/*verilator coverage_on*/
    output wire [RR_W-1:0]   pk_rr,
    output wire [1:0]        pk_kind,
/*verilator coverage_off*/
    output wire [N_W-1:0]    pk_emit,
/*verilator coverage_on*/
    // decision (one-cycle pulse)
    output wire              dec_valid,
    output wire [2:0]        dec_code,      // golden/frontend.py DEC_* (1..6)
    output wire [1:0]        dec_flags,     // DEC_F_OVERDUE (bit 0), DEC_F_LEARN (bit 1)
    output wire [M_W-1:0]    dec_p,
/*verilator coverage_off*/
    output wire [N_W-1:0]    dec_n,
/*verilator coverage_on*/
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

localparam [6:0]       SB_NUM7  = SB_NUM[6:0];
localparam [N_W-1:0]   N_LEARN  = LEARN;
localparam [N_W-1:0]   N_HOLD   = PEAK_HOLD;
localparam [N_W-1:0]   N_SETTLE = SETTLE;
localparam [N_W-1:0]   N_TWAVE  = TWAVE;
localparam integer     RRA_INIT_I = RR_INIT << RRA_SH;
localparam [RRA_W-1:0] RRA_INIT = RRA_INIT_I[RRA_W-1:0];
localparam [RR_W-1:0]  RR_SAT   = {RR_W{1'b1}};

localparam [3:0] ST_IN    = 4'd0,   // accept a sample
                 ST_SCAN  = 4'd1,   // refinement scan of a declared peak
                 ST_POST  = 4'd2,   // position done: buffer (learning) or dispatch
                 ST_LINIT = 4'd3,   // sample LEARN: SPK, NPK from the learning statistics
                 ST_CLS1  = 4'd4,   // classify a peak: the comparisons
                 ST_CLS2  = 4'd5,   // classify a peak: the updates (a QRS or noise)
                 ST_GAP1  = 4'd6,   // thresholds and limits settle (two cycles)
                 ST_GAP2  = 4'd7,
                 ST_SB    = 4'd8,   // search-back check, end of the sample
                 ST_SBACC = 4'd9;   // the search-back candidate taken as a QRS, end of the sample

localparam [2:0] DEC_LEARN_BUF  = 3'd1,
                 DEC_LEARN_DROP = 3'd2,
                 DEC_QRS        = 3'd3,
                 DEC_TWAVE      = 3'd4,
                 DEC_NOISE      = 3'd5,
                 DEC_SEARCHBACK = 3'd6;
localparam [1:0] DEC_F_OVERDUE  = 2'd1,
                 DEC_F_LEARN    = 2'd2;
localparam [1:0] KIND_THRESHOLD  = 2'd0,
                 KIND_SEARCHBACK = 2'd1,
                 KIND_LEARNING   = 2'd2;

// ---------------------------------------------------------------------------------------------
// Registers.  The sample-index registers (N_W bits) and the learning buffer are excluded from
// toggle coverage: their upper bits need more than 2^17 samples (and entries 5..15 of the buffer
// more beats in 2 s than a heart gives) to toggle; their values are compared exactly (positions,
// emission samples and RR of every peak, the index of every trace record).
// ---------------------------------------------------------------------------------------------

reg  [3:0]          state_reg, state_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      n_reg, n_next;
/*verilator coverage_on*/
// peak tracker
reg  [M_W-1:0]      pk_reg, pk_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      pki_reg, pki_next;
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  [N_W-1:0]      pkdl_reg, pkdl_next;          // pki + PEAK_HOLD: declared when n reaches it
/*verilator coverage_on*/
reg  [F_W-1:0]      pkb_reg, pkb_next;
reg                 pkv_reg, pkv_next;
reg  [DABS_W-1:0]   dmax_reg, dmax_next;
// declared peak
reg  [M_W-1:0]      dp_reg, dp_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      di_reg, di_next;
/*verilator coverage_on*/
reg  [DABS_W-1:0]   ddm_reg, ddm_next;
reg  [F_W-1:0]      dbase_reg, dbase_next;
reg                 decl_reg, decl_next;          // a declared peak waits for classification
// refinement scan: issue k, RAM out (1), register (2), abs(f - base) (3), compare
/*verilator coverage_off*/
reg  signed [SN_W-1:0] sk_reg, sk_next;           // next k to read
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  signed [SN_W-1:0] shi_reg, shi_next;         // last k
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  signed [SN_W-1:0] rk1_reg, rk2_reg, rk3_reg; // k of each pipeline stage
/*verilator coverage_on*/
reg                 rv1_reg, rv2_reg, rv3_reg;    // the stage holds a k
reg                 rv1_next;
reg  [F_W-1:0]      rq2_reg;                      // f[rk2]
reg  [F_W:0]        rabs3_reg;                    // abs(f[rk3] - base)
/*verilator coverage_off*/
reg  signed [SN_W-1:0] bk_reg, bk_next;           // best k so far
/*verilator coverage_on*/
reg  [F_W:0]        bv_reg, bv_next;              // its abs(f - base)
reg                 bh_reg, bh_next;              // a best exists
/*verilator coverage_off*/
reg  [N_W-1:0]      dpos_reg, dpos_next;          // refined position (input time)
/*verilator coverage_on*/
// levels
reg  [M_W-1:0]      spk_reg, spk_next;
reg  [M_W-1:0]      npk_reg, npk_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      last_reg, last_next;          // last QRS (m-peak index)
/*verilator coverage_on*/
reg                 lastv_reg, lastv_next;
reg  [DABS_W-1:0]   ldm_reg, ldm_next;            // its largest abs(d)
reg  [1:0]          nqrs_reg, nqrs_next;          // QRS count, saturating at 2
reg  [RRA_W-1:0]    rra_reg, rra_next;
// derived every cycle from the levels (valid two cycles after a change)
reg  [M_W-1:0]      th1_reg, th2_reg;
/*verilator coverage_off*/
reg  [N_W-1:0]      sblim_reg;                    // RR_avg * 53 / 32
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  [N_W-1:0]      dl_reg;                       // last + sblim: overdue when n > dl
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  [N_W-1:0]      twin_reg;                     // last + TWAVE: T-wave window when i < twin
/*verilator coverage_on*/
// search-back candidate
reg  [M_W-1:0]      sbp_reg, sbp_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      sbi_reg, sbi_next;
/*verilator coverage_on*/
reg                 sbv_reg, sbv_next;
reg  [DABS_W-1:0]   sbd_reg, sbd_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      sbpos_reg, sbpos_next;
/*verilator coverage_on*/
// the peak being classified (ST_CLS1 -> ST_CLS2) or accepted (-> ST_SBACC)
reg  [M_W-1:0]      cp_reg, cp_next;              // p
reg  [M_W-1:0]      cpc_reg, cpc_next;            // p clipped to 2 SPK
/*verilator coverage_off*/
reg  [N_W-1:0]      ci_reg, ci_next;
/*verilator coverage_on*/
reg  [DABS_W-1:0]   cd_reg, cd_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      cpos_reg, cpos_next;
/*verilator coverage_on*/
reg  [RR_W-1:0]     crr_reg, crr_next;            // min(i - last, RR_MAX)
reg                 cqrs_reg, cqrs_next;          // above TH1 and not a T wave
reg                 cth1_reg, cth1_next;          // above TH1
reg                 cod_reg, cod_next;            // overdue
reg                 ccand_reg, ccand_next;        // a better search-back candidate
reg                 clb_reg, clb_next;            // a learning-phase peak
reg  [3:0]          after_reg, after_next;        // the state after ST_GAP2
// learning
reg  [M_W-1:0]      lmax_reg, lmax_next;
reg  [LSUM_W-1:0]   lsum_reg, lsum_next;
reg  [4:0]          lcnt_reg, lcnt_next;          // buffered learning peaks
reg  [4:0]          lidx_reg, lidx_next;          // the one classified next
reg                 uselb_reg;                    // lidx != lcnt: a learning peak is queued
// output peaks
/*verilator coverage_off*/
reg  [N_W-1:0]      prev_reg, prev_next;          // previous emitted position
/*verilator coverage_on*/
reg                 prevv_reg, prevv_next;

reg                 pk_valid_reg, pk_valid_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      pk_pos_reg, pk_pos_next;
/*verilator coverage_on*/
reg  [RR_W-1:0]     pk_rr_reg, pk_rr_next;
reg  [1:0]          pk_kind_reg, pk_kind_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      pk_emit_reg, pk_emit_next;
/*verilator coverage_on*/
reg                 dec_valid_reg, dec_valid_next;
reg  [2:0]          dec_code_reg, dec_code_next;
reg  [1:0]          dec_flags_reg, dec_flags_next;
reg  [M_W-1:0]      dec_p_reg, dec_p_next;
/*verilator coverage_off*/
reg  [N_W-1:0]      dec_n_reg, dec_n_next;
/*verilator coverage_on*/

// learning buffer (16 entries; indices and positions are < LEARN)
/*verilator coverage_off*/
reg  [M_W-1:0]      lb_p   [0:15];
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  [LI_W-1:0]     lb_i   [0:15];
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  [DABS_W-1:0]   lb_d   [0:15];
/*verilator coverage_on*/
/*verilator coverage_off*/
reg  [LI_W-1:0]     lb_pos [0:15];
/*verilator coverage_on*/
reg                 lb_we;

// f ring for the refinement (RAM, synchronous read)
reg  [F_W-1:0]      ring [0:(1<<RB_AW)-1];
reg  [F_W-1:0]      ring_q;
reg                 ring_we;

// ---------------------------------------------------------------------------------------------
// Derived levels (registered; see the header)
// ---------------------------------------------------------------------------------------------

// TH1 = NPK + ((SPK - NPK) * 4 >> 4) (floor), TH2 = TH1 >> 1
wire signed [M_W+1:0] dsn   = $signed({2'b00, spk_reg}) - $signed({2'b00, npk_reg});
wire signed [M_W+1:0] th1_s = $signed({2'b00, npk_reg}) + (dsn >>> 2);
wire [RR_W-1:0]       rr_av = rra_reg[RRA_W-1:RRA_SH];
wire [RR_W+6:0]       sbl_p = rr_av * SB_NUM7;
wire                  unused_der = ^{th1_s[M_W+1:M_W], sbl_p[SB_SHIFT-1:0]};

always @(posedge clk) begin
    th1_reg   <= th1_s[M_W-1:0];                            // >= 0 and < 2^26 (SPK, NPK >= 0)
    th2_reg   <= th1_s[M_W:1];
    sblim_reg <= {{(N_W-(RR_W+7-SB_SHIFT)){1'b0}}, sbl_p[RR_W+6:SB_SHIFT]};
    dl_reg    <= last_reg + sblim_reg;
    twin_reg  <= last_reg + N_TWAVE;
end

wire overdue = lastv_reg && (n_reg > dl_reg);
wire sb_take = lastv_reg && sbv_reg && (sbp_reg > th2_reg) && overdue;

// ---------------------------------------------------------------------------------------------
// Shared operands
// ---------------------------------------------------------------------------------------------

wire in_fire = (state_reg == ST_IN) && in_valid && go;
assign in_ready = (state_reg == ST_IN) && go;

// the peak entering ST_CLS1: a buffered learning peak or the declared one
wire [3:0]        lr     = lidx_reg[3:0];
wire              use_lb = uselb_reg;                  // lidx != lcnt, registered
wire [M_W-1:0]    q_p    = use_lb ? lb_p[lr] : dp_reg;
/*verilator coverage_off*/
wire [N_W-1:0]    q_i    = use_lb ? {{(N_W-LI_W){1'b0}}, lb_i[lr]} : di_reg;
/*verilator coverage_on*/
wire [DABS_W-1:0] q_d    = use_lb ? lb_d[lr] : ddm_reg;
/*verilator coverage_off*/
wire [N_W-1:0]    q_pos  = use_lb ? {{(N_W-LI_W){1'b0}}, lb_pos[lr]} : dpos_reg;
/*verilator coverage_on*/
wire              q_win  = lastv_reg && (q_i < twin_reg);             // since < TWAVE
wire              q_t    = q_win && (q_d < {1'b0, ldm_reg[DABS_W-1:1]});
wire              q_th1  = q_p > th1_reg;

// p clipped to 2 SPK, and min(i - last, RR_MAX), for a peak p at i (classified or search-back)
function [M_W-1:0] clip_p;
    input [M_W-1:0] p;
    input [M_W-1:0] spk_v;
    begin
        clip_p = (spk_v != {M_W{1'b0}} && {1'b0, p} > {spk_v, 1'b0}) ? {spk_v[M_W-2:0], 1'b0} : p;
    end
endfunction

function [RR_W-1:0] rr_of;
    input [N_W-1:0] d;
    begin
        rr_of = (|d[N_W-1:RR_W]) ? RR_SAT : d[RR_W-1:0];
    end
endfunction

// accept updates from the registered operands (shift 3 after a threshold, 2 after search-back)
wire signed [M_W+1:0] acc_dl  = $signed({2'b00, cpc_reg}) - $signed({2'b00, spk_reg});
wire signed [M_W+1:0] acc_s3  = $signed({2'b00, spk_reg}) + (acc_dl >>> 3);
wire signed [M_W+1:0] acc_s2  = $signed({2'b00, spk_reg}) + (acc_dl >>> 2);
wire [RRA_W:0]        rra_upd = {1'b0, rra_reg} + {{(RRA_W+1-RR_W){1'b0}}, crr_reg}
                                            - {{(RRA_SH+1){1'b0}}, rra_reg[RRA_W-1:RRA_SH]};
wire signed [M_W+1:0] nz_dl   = $signed({2'b00, cp_reg}) - $signed({2'b00, npk_reg});
wire signed [M_W+1:0] nz_s    = $signed({2'b00, npk_reg}) + (nz_dl >>> 3);
/*verilator coverage_off*/
wire [N_W-1:0]        prr_d   = cpos_reg - prev_reg;
/*verilator coverage_on*/
wire                  unused_ar = ^{acc_s3[M_W+1:M_W], acc_s2[M_W+1:M_W], nz_s[M_W+1:M_W], rra_upd[RRA_W]};

// the refinement: abs(f[k] - base)
wire signed [F_W:0]    rdiff = $signed({rq2_reg[F_W-1], rq2_reg}) - $signed({dbase_reg[F_W-1], dbase_reg});
wire [F_W:0]           rabs  = rdiff[F_W] ? -rdiff : rdiff;
/*verilator coverage_off*/
wire signed [SN_W-1:0] bpos  = bk_reg - F_DELAY;
/*verilator coverage_on*/

// the scan window of the peak in the tracker, for a declaration now
/*verilator coverage_off*/
wire signed [SN_W-1:0] pki_s = $signed({1'b0, pki_reg});
/*verilator coverage_on*/
/*verilator coverage_off*/
wire signed [SN_W-1:0] lo_k  = pki_s - REF_BACK;
/*verilator coverage_on*/

// ---------------------------------------------------------------------------------------------
// Next state
// ---------------------------------------------------------------------------------------------

// (the accept and the search-back load are written out where they are used: Icarus's @*
// does not see the signals a task reads)

always @* begin
    state_next = state_reg;
    n_next     = n_reg;
    pk_next    = pk_reg;
    pki_next   = pki_reg;
    pkdl_next  = pkdl_reg;
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
    rv1_next   = 1'b0;
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
    cp_next    = cp_reg;
    cpc_next   = cpc_reg;
    ci_next    = ci_reg;
    cd_next    = cd_reg;
    cpos_next  = cpos_reg;
    crr_next   = crr_reg;
    cqrs_next  = cqrs_reg;
    cth1_next  = cth1_reg;
    cod_next   = cod_reg;
    ccand_next = ccand_reg;
    clb_next   = clb_reg;
    after_next = after_reg;
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

    case (state_reg)
        ST_SCAN: begin
            // issue f[sk] while sk <= hi; three stages later compare abs(f[k] - base)
            if (rv3_reg) begin
                if (!bh_reg || rabs3_reg > bv_reg) begin
                    bk_next = rk3_reg;
                    bv_next = rabs3_reg;
                    bh_next = 1'b1;
                end
            end
            if (sk_reg <= shi_reg) begin
                rv1_next = 1'b1;
                sk_next  = sk_reg + 1'b1;
            end else if (!rv1_reg && !rv2_reg && !rv3_reg) begin
                state_next = ST_POST;
            end
        end
        ST_POST: begin
            dpos_next = (bpos < 0) ? {N_W{1'b0}} : bpos[N_W-1:0];
            if (n_reg < N_LEARN) begin
                if (go) begin
                    dec_valid_next = 1'b1;
                    dec_flags_next = 2'd0;
                    dec_p_next     = dp_reg;
                    dec_n_next     = n_reg;
                    if (di_reg >= N_SETTLE && lcnt_reg != 5'd16) begin
                        lb_we         = 1'b1;
                        lcnt_next     = lcnt_reg + 5'd1;
                        lidx_next     = lcnt_reg + 5'd1;     // lidx == lcnt: nothing queued
                        dec_code_next = DEC_LEARN_BUF;
                    end else begin
                        dec_code_next = DEC_LEARN_DROP;
                    end
                    decl_next  = 1'b0;
                    n_next     = n_reg + 1'b1;
                    state_next = ST_IN;
                end
            end else if (n_reg == N_LEARN) begin
                state_next = ST_LINIT;
            end else begin
                state_next = ST_CLS1;
            end
        end
        ST_LINIT: begin
            spk_next   = lmax_reg >> 1;
            npk_next   = {{(M_W-(LSUM_W-NPK_SH)){1'b0}}, lsum_reg[LSUM_W-1:NPK_SH]};
            lidx_next  = 5'd0;
            after_next = (lcnt_reg != 5'd0 || decl_reg) ? ST_CLS1 : ST_SB;
            state_next = ST_GAP1;
        end
        ST_CLS1: begin
            cp_next    = q_p;
            cpc_next   = clip_p(q_p, spk_reg);
            ci_next    = q_i;
            cd_next    = q_d;
            cpos_next  = q_pos;
            crr_next   = rr_of(q_i - last_reg);
            cqrs_next  = q_th1 && !q_t;
            cth1_next  = q_th1;
            cod_next   = overdue;
            ccand_next = !q_win && (q_p > sbp_reg);
            clb_next   = use_lb;
            if (use_lb) begin
                lidx_next = lidx_reg + 5'd1;
            end else begin
                decl_next = 1'b0;
            end
            state_next = ST_CLS2;
        end
        ST_CLS2: begin
            if (go) begin
                if (cqrs_reg) begin
                    if (nqrs_reg != 2'd0) begin
                        rra_next = (nqrs_reg == 2'd1) ? {crr_reg, {RRA_SH{1'b0}}} : rra_upd[RRA_W-1:0];
                    end
                    nqrs_next  = (nqrs_reg == 2'd2) ? 2'd2 : nqrs_reg + 2'd1;
                    spk_next   = acc_s3[M_W-1:0];
                    last_next  = ci_reg;
                    lastv_next = 1'b1;
                    ldm_next   = cd_reg;
                    sbp_next   = {M_W{1'b0}};
                    sbv_next   = 1'b0;
                    pk_valid_next = 1'b1;
                    pk_pos_next   = cpos_reg;
                    pk_rr_next    = prevv_reg ? rr_of(prr_d) : {RR_W{1'b0}};
                    pk_kind_next  = (clb_reg ? KIND_LEARNING : KIND_THRESHOLD);
                    pk_emit_next  = n_reg;
                    prev_next     = cpos_reg;
                    prevv_next    = 1'b1;
                    dec_valid_next = 1'b1;
                    dec_code_next  = DEC_QRS;
                    dec_flags_next = clb_reg ? DEC_F_LEARN : 2'd0;
                    dec_p_next     = cp_reg;
                    dec_n_next     = n_reg;
                end else begin
                    npk_next = nz_s[M_W-1:0];
                    if (cod_reg) begin
                        spk_next = {1'b0, spk_reg[M_W-1:1]};
                    end
                    if (ccand_reg) begin
                        sbp_next   = cp_reg;
                        sbi_next   = ci_reg;
                        sbv_next   = 1'b1;
                        sbd_next   = cd_reg;
                        sbpos_next = cpos_reg;
                    end
                    dec_valid_next = 1'b1;
                    dec_code_next  = cth1_reg ? DEC_TWAVE : DEC_NOISE;
                    dec_flags_next = (cod_reg ? DEC_F_OVERDUE : 2'd0) | (clb_reg ? DEC_F_LEARN : 2'd0);
                    dec_p_next     = cp_reg;
                    dec_n_next     = n_reg;
                end
                after_next = (lidx_reg != lcnt_reg || decl_reg) ? ST_CLS1 : ST_SB;
                state_next = ST_GAP1;
            end
        end
        ST_GAP1: begin
            state_next = ST_GAP2;
        end
        ST_GAP2: begin
            if (after_reg == ST_SB) begin
                lcnt_next = 5'd0;                 // the learning buffer is done with
                lidx_next = 5'd0;
            end
            state_next = after_reg;
        end
        ST_SB: begin
            if (go) begin
                if (sb_take) begin
                    cp_next   = sbp_reg;
                    cpc_next  = clip_p(sbp_reg, spk_reg);
                    ci_next   = sbi_reg;
                    cd_next   = sbd_reg;
                    cpos_next = sbpos_reg;
                    crr_next  = rr_of(sbi_reg - last_reg);
                    state_next = ST_SBACC;
                end else begin
                    n_next     = n_reg + 1'b1;
                    state_next = ST_IN;
                end
            end
        end
        ST_SBACC: begin
            // entered from ST_IN or ST_SB, both of which waited for go: the peak register is
            // empty and the trace FIFO has room for this decision
            if (nqrs_reg != 2'd0) begin
                rra_next = (nqrs_reg == 2'd1) ? {crr_reg, {RRA_SH{1'b0}}} : rra_upd[RRA_W-1:0];
            end
            nqrs_next  = (nqrs_reg == 2'd2) ? 2'd2 : nqrs_reg + 2'd1;
            spk_next   = acc_s2[M_W-1:0];
            last_next  = ci_reg;
            lastv_next = 1'b1;
            ldm_next   = cd_reg;
            sbp_next   = {M_W{1'b0}};
            sbv_next   = 1'b0;
            pk_valid_next = 1'b1;
            pk_pos_next   = cpos_reg;
            pk_rr_next    = prevv_reg ? rr_of(prr_d) : {RR_W{1'b0}};
            pk_kind_next  = KIND_SEARCHBACK;
            pk_emit_next  = n_reg;
            prev_next     = cpos_reg;
            prevv_next    = 1'b1;
            dec_valid_next = 1'b1;
            dec_code_next  = DEC_SEARCHBACK;
            dec_flags_next = 2'd0;
            dec_p_next     = cp_reg;
            dec_n_next     = n_reg;
            n_next     = n_reg + 1'b1;
            state_next = ST_IN;
        end
        default: begin              // ST_IN (and the unused state codes)
            if (in_fire) begin
                ring_we = 1'b1;
                // peak tracker (dmax includes this sample's abs(d) before any declaration)
                dmax_next = (in_dabs > dmax_reg) ? in_dabs : dmax_reg;
                if (in_m > pk_reg) begin
                    pk_next   = in_m;
                    pki_next  = n_reg;
                    pkdl_next = n_reg + N_HOLD;
                    pkv_next  = 1'b1;
                    pkb_next  = in_base;
                end else if (pkv_reg && n_reg >= pkdl_reg) begin
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
                end else if (n_reg > N_LEARN && sb_take) begin
                    cp_next   = sbp_reg;
                    cpc_next  = clip_p(sbp_reg, spk_reg);
                    ci_next   = sbi_reg;
                    cd_next   = sbd_reg;
                    cpos_next = sbpos_reg;
                    crr_next  = rr_of(sbi_reg - last_reg);
                    state_next = ST_SBACC;
                end else begin
                    n_next = n_reg + 1'b1;
                end
            end
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
    ring_q  <= ring[sk_reg[RB_AW-1:0]];
    rq2_reg <= ring_q;
    rabs3_reg <= rabs;
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
        pkdl_reg  <= {N_W{1'b0}};
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
        rk1_reg   <= {SN_W{1'b0}};
        rk2_reg   <= {SN_W{1'b0}};
        rk3_reg   <= {SN_W{1'b0}};
        rv1_reg   <= 1'b0;
        rv2_reg   <= 1'b0;
        rv3_reg   <= 1'b0;
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
        cp_reg    <= {M_W{1'b0}};
        cpc_reg   <= {M_W{1'b0}};
        ci_reg    <= {N_W{1'b0}};
        cd_reg    <= {DABS_W{1'b0}};
        cpos_reg  <= {N_W{1'b0}};
        crr_reg   <= {RR_W{1'b0}};
        cqrs_reg  <= 1'b0;
        cth1_reg  <= 1'b0;
        cod_reg   <= 1'b0;
        ccand_reg <= 1'b0;
        clb_reg   <= 1'b0;
        after_reg <= ST_IN;
        lmax_reg  <= {M_W{1'b0}};
        lsum_reg  <= {LSUM_W{1'b0}};
        lcnt_reg  <= 5'd0;
        lidx_reg  <= 5'd0;
        uselb_reg <= 1'b0;
        prev_reg  <= {N_W{1'b0}};
        prevv_reg <= 1'b0;
        pk_valid_reg <= 1'b0;
        pk_pos_reg   <= {N_W{1'b0}};
        pk_rr_reg    <= {RR_W{1'b0}};
        pk_kind_reg  <= 2'd0;
        pk_emit_reg  <= {N_W{1'b0}};
        dec_valid_reg <= 1'b0;
        dec_code_reg  <= 3'd0;
        dec_flags_reg <= 2'd0;
        dec_p_reg     <= {M_W{1'b0}};
        dec_n_reg     <= {N_W{1'b0}};
    end else begin
        state_reg <= state_next;
        n_reg     <= n_next;
        pk_reg    <= pk_next;
        pki_reg   <= pki_next;
        pkdl_reg  <= pkdl_next;
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
        rk1_reg   <= sk_reg;
        rk2_reg   <= rk1_reg;
        rk3_reg   <= rk2_reg;
        rv1_reg   <= rv1_next;
        rv2_reg   <= rv1_reg;
        rv3_reg   <= rv2_reg;
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
        cp_reg    <= cp_next;
        cpc_reg   <= cpc_next;
        ci_reg    <= ci_next;
        cd_reg    <= cd_next;
        cpos_reg  <= cpos_next;
        crr_reg   <= crr_next;
        cqrs_reg  <= cqrs_next;
        cth1_reg  <= cth1_next;
        cod_reg   <= cod_next;
        ccand_reg <= ccand_next;
        clb_reg   <= clb_next;
        after_reg <= after_next;
        lmax_reg  <= lmax_next;
        lsum_reg  <= lsum_next;
        lcnt_reg  <= lcnt_next;
        lidx_reg  <= lidx_next;
        uselb_reg <= lidx_next != lcnt_next;
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
