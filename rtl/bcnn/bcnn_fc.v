// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// bcnn_fc -- the fully connected unit and the decision of bcnn_engine (docs/bcnn_rtl.md "FC").
// It follows conv4's last filter group: pooled word j (64 channels of position j, map B) is read
// as soon as conv4 has written it (p_avail > j), then one pass over the classes reads the weight
// word j of four classes per cycle straight from the four parameter banks (class c's word j is
// at 3,202 + 79 c + j: four consecutive classes lie in four different banks) and adds the four
// XNOR-popcounts to the classes' accumulators; a pass lasts max(ceil(N/4), 3) cycles and issues
// only in cycles with grant (bcnn_core: always; the parameter controller yields to it).  Pass j = 78 reads the
// bias words and turns each accumulator into its score 2 * popcount - 4992 + bias
// (BCNN_SCORE).  Then one class per cycle: the argmax with ties to the lowest index and the
// runner-up (the largest score of every other class; BCNN_SCORE's minimum when N = 1), and the
// result (class, best, runner-up, tag, cycles) waits in the output register for m_res_ready.
// Trace events (registered, the engine stalls while they are emitted): the pooled word (two
// records), every score, the result.  All state advances only with en, but the result handshake.

module bcnn_fc #(
    parameter N_CLASSES_MAX = `ECG_BCNN_N_CLASSES_MAX,
    parameter TAG_W         = 16,
    parameter BRA           = 12                        // parameter-bank row address bits
) (
    input  wire                         clk,
    input  wire                         rst,
    input  wire                         en,

    input  wire [7:0]                   n_cls,          // N_CLASSES of the checked image
    input  wire [31:0]                  tick,           // engine cycle counter
    input  wire                         beat_go,        // conv4 of a new beat has begun its last group
    input  wire [TAG_W-1:0]             beat_tag,
    input  wire [31:0]                  beat_start,
    input  wire [6:0]                   p_avail,        // pooled words of that beat written
    output wire                         p_taken,        // toggles when the beat's 78 words are read

    output wire                         pm_re,          // pooled word read (map B)
    output wire [7:0]                   pm_raddr,
    input  wire [63:0]                  pm_rdata,

    input  wire                         grant,          // the banks are free this cycle
    output wire                         bk_re,
    output wire [4*BRA-1:0]             bk_row,         // row of bank b in bits BRA*b +: BRA
    input  wire [4*64-1:0]              bk_rdata,

    output wire                         busy,

    output wire                         res_valid,
    input  wire                         res_ready,
    output wire [7:0]                   res_cls,
    output wire [`ECG_BCNN_SCORE_W-1:0] res_best,
    output wire [`ECG_BCNN_SCORE_W-1:0] res_second,
    output wire [TAG_W-1:0]             res_tag,
    output wire [31:0]                  res_cycles,
    output wire                         res_new,        // a result entered the output register

    // trace events: ev_pool (records 0 and 1: pooled word, halves), ev_one (record 0: a score
    // or the result)
    output wire                         ev_pool,
    output wire                         ev_one,
    output wire [7:0]                   ev_kind,
    output wire [15:0]                  ev_index,
    output wire [31:0]                  ev_value0,
    output wire [31:0]                  ev_value1
);

localparam SW  = `ECG_BCNN_SCORE_W;
localparam MR  = (N_CLASSES_MAX + 3) / 4;              // accumulator rows
localparam MRA = (MR > 1) ? $clog2(MR) : 1;
localparam PMA = BRA + 2;
localparam [PMA-1:0] OFF_FC = `ECG_BCNN_OFF_FC;
localparam [PMA-1:0] FCW    = `ECG_BCNN_FC_WORDS;
localparam [PMA-1:0] FCW4   = 4 * `ECG_BCNN_FC_WORDS;
localparam [PMA-1:0] J_BIAS = 78;

localparam [2:0] F_IDLE = 3'd0, F_PWAIT = 3'd1, F_PR1 = 3'd2, F_PR2 = 3'd3, F_PASS = 3'd4,
                 F_DRAIN = 3'd5, F_ARG = 3'd6, F_RES = 3'd7;

reg  [2:0]          st_reg;
reg  [6:0]          j_reg;           // word of the pass (78: biases)
reg  [MRA:0]        m_reg;           // row issued in the pass
reg  [MRA:0]        m_end_reg;       // cycles of a pass: max(rows, 3)
reg  [PMA-1:0]      abase_reg;       // address of class 4m, word j
reg  [63:0]         p_reg;
reg                 ptog_reg;
reg  [TAG_W-1:0]    tag_reg;
reg  [31:0]         start_reg;
reg  [1:0]          dcnt_reg;
reg  [7:0]          c_reg;           // argmax: class read
reg                 av1_reg;         // argmax: a score arrives
reg  [7:0]          c1_reg;
reg  [7:0]          bcls_reg;
reg  [SW-1:0]       best_reg;
reg  [SW-1:0]       sec_reg;
reg                 first_reg;

// pipeline of a pass: issue (0) -> accumulator read (1) -> update (2)
reg                 v1_reg, v2_reg;
reg  [MRA-1:0]      r1_reg, r2_reg;
reg  [3:0]          l1_reg, l2_reg;     // lanes with a class < N
reg  [7:0]          b1_reg, b2_reg;     // bank of lane i in bits 2i +: 2
reg                 z1_reg, z2_reg;     // j == 0
reg                 y1_reg, y2_reg;     // j == 78 (biases)

/*verilator coverage_off*/
reg  [4*SW-1:0]     acc_mem [0:MR-1];
/*verilator coverage_on*/
reg  [4*SW-1:0]     acc_q;

reg                 rv_reg;
reg  [7:0]          rcls_reg;
reg  [SW-1:0]       rbest_reg;
reg  [SW-1:0]       rsec_reg;
reg  [TAG_W-1:0]    rtag_reg;
reg  [31:0]         rcyc_reg;
reg                 rnew_reg;

reg                 evp_reg;
reg                 ev1_reg;
reg  [7:0]          evk_reg;
reg  [15:0]         evi_reg;
reg  [31:0]         evv0_reg;
reg  [31:0]         evv1_reg;

wire [7:0]   rows8 = {2'b00, n_cls[7:2]} + {7'd0, n_cls[1:0] != 2'b00};
wire [MRA:0] rows  = rows8[MRA:0];

// lane addresses and their banks
wire [PMA-1:0] a0 = abase_reg;
wire [PMA-1:0] a1 = abase_reg + FCW;
wire [PMA-1:0] a2 = abase_reg + FCW + FCW;
wire [PMA-1:0] a3 = abase_reg + FCW + FCW + FCW;
wire [4*PMA-1:0] a_all = {a3, a2, a1, a0};
reg  [4*BRA-1:0] row_x;
integer b, i;
always @* begin
    row_x = {4*BRA{1'b0}};
    for (b = 0; b < 4; b = b + 1) begin
        for (i = 0; i < 4; i = i + 1) begin
            if (a_all[PMA*i +: 2] == b[1:0]) begin
                row_x[BRA*b +: BRA] = a_all[PMA*i + 2 +: BRA];
            end
        end
    end
end
wire [7:0] bank_of = {a3[1:0], a2[1:0], a1[1:0], a0[1:0]};
wire [7:0] m_ext = {{(7-MRA){1'b0}}, m_reg};
wire [7:0] c4 = {m_ext[5:0], 2'b00};
wire unused_mext = ^{m_ext[7:6], rows8};
wire [3:0] lanes = {(c4 + 8'd3) < n_cls, (c4 + 8'd2) < n_cls, (c4 + 8'd1) < n_cls, c4 < n_cls};

wire issue = st_reg == F_PASS && grant && m_reg < rows;
wire pass_step = st_reg == F_PASS && (m_reg >= rows || grant);

// the update of a row: popcounts or biases
`include "bcnn_popcount.vh"
reg [4*SW-1:0] upd;
reg [63:0]     wl;
reg [6:0]      pc;
reg [SW-1:0]   accl;
reg [SW-1:0]   bias;
always @* begin
    upd = acc_q;
    for (i = 0; i < 4; i = i + 1) begin
        wl = bk_rdata[64*b2_reg[2*i +: 2] +: 64];
        pc = popcount64(~(wl ^ p_reg));
        accl = acc_q[SW*i +: SW];
        bias = {{(SW-24){wl[23]}}, wl[23:0]};
        if (y2_reg) begin
            upd[SW*i +: SW] = {accl[SW-2:0], 1'b0} - `ECG_BCNN_N_FC_IN + bias;
        end else if (z2_reg) begin
            upd[SW*i +: SW] = {{(SW-7){1'b0}}, pc};
        end else begin
            upd[SW*i +: SW] = accl + {{(SW-7){1'b0}}, pc};
        end
    end
end

wire [SW-1:0] sc = acc_q[SW*c1_reg[1:0] +: SW];
wire          sc_gt_best = $signed(sc) > $signed(best_reg);
wire          sc_gt_sec  = $signed(sc) > $signed(sec_reg);
localparam [SW-1:0] SC_MIN = {1'b1, {(SW-1){1'b0}}};

always @(posedge clk) begin
    if (rst) begin
        st_reg   <= F_IDLE;
        ptog_reg <= 1'b0;
        v1_reg   <= 1'b0;
        v2_reg   <= 1'b0;
        av1_reg  <= 1'b0;
        evp_reg  <= 1'b0;
        ev1_reg  <= 1'b0;
    end else if (en) begin
        evp_reg <= 1'b0;
        ev1_reg <= 1'b0;
        // pass pipeline
        v1_reg <= issue;
        r1_reg <= m_reg[MRA-1:0];
        l1_reg <= lanes;
        b1_reg <= bank_of;
        z1_reg <= j_reg == 7'd0;
        y1_reg <= j_reg == 7'd78;
        v2_reg <= v1_reg;
        r2_reg <= r1_reg;
        l2_reg <= l1_reg;
        b2_reg <= b1_reg;
        z2_reg <= z1_reg;
        y2_reg <= y1_reg;
        if (v1_reg || st_reg == F_ARG) begin
            acc_q <= acc_mem[(st_reg == F_ARG) ? c_reg[MRA+1:2] : r1_reg];
        end
        if (v2_reg && l2_reg != 4'd0) begin
            acc_mem[r2_reg] <= upd;
        end
        // argmax pipeline: class c read, then compared
        av1_reg <= st_reg == F_ARG;
        c1_reg  <= c_reg;
        if (av1_reg) begin
            if (first_reg) begin
                best_reg <= sc;
                bcls_reg <= c1_reg;
                sec_reg  <= SC_MIN;
                first_reg <= 1'b0;
            end else if (sc_gt_best) begin
                best_reg <= sc;
                bcls_reg <= c1_reg;
                sec_reg  <= best_reg;
            end else if (sc_gt_sec) begin
                sec_reg <= sc;
            end
            ev1_reg  <= 1'b1;
            evk_reg  <= `ECG_TRC_BCNN_SCORE;
            evi_reg  <= {8'd0, c1_reg};
            evv0_reg <= {{(32-SW){sc[SW-1]}}, sc};
        end
        case (st_reg)
            F_IDLE: begin
                if (beat_go) begin
                    tag_reg   <= beat_tag;
                    start_reg <= beat_start;
                    j_reg     <= 7'd0;
                    st_reg    <= F_PWAIT;
                end
            end
            F_PWAIT: begin
                if (p_avail > j_reg) begin
                    st_reg <= F_PR1;
                end
            end
            F_PR1: st_reg <= F_PR2;
            F_PR2: begin
                p_reg     <= pm_rdata;
                evp_reg   <= 1'b1;
                evk_reg   <= `ECG_TRC_BCNN_POOL;
                evi_reg   <= {9'd0, j_reg};
                evv0_reg  <= pm_rdata[31:0];
                evv1_reg  <= pm_rdata[63:32];
                if (j_reg == 7'd77) begin
                    ptog_reg <= ~ptog_reg;
                end
                m_reg     <= {(MRA+1){1'b0}};
                m_end_reg <= (rows < 3) ? 3 : rows;
                abase_reg <= OFF_FC + {{(PMA-7){1'b0}}, j_reg};
                st_reg    <= F_PASS;
            end
            F_PASS: begin
                if (pass_step) begin
                    if (issue) begin
                        abase_reg <= abase_reg + FCW4;
                    end
                    if (m_reg + 1'b1 == m_end_reg) begin
                        if (j_reg == 7'd78) begin
                            dcnt_reg <= 2'd0;
                            st_reg   <= F_DRAIN;
                        end else if (j_reg == 7'd77) begin
                            j_reg     <= 7'd78;
                            m_reg     <= {(MRA+1){1'b0}};
                            abase_reg <= OFF_FC + J_BIAS;
                        end else begin
                            j_reg  <= j_reg + 7'd1;
                            st_reg <= F_PWAIT;
                        end
                    end else begin
                        m_reg <= m_reg + 1'b1;
                    end
                end
            end
            F_DRAIN: begin
                dcnt_reg <= dcnt_reg + 2'd1;
                if (dcnt_reg == 2'd2) begin
                    c_reg     <= 8'd0;
                    first_reg <= 1'b1;
                    st_reg    <= F_ARG;
                end
            end
            F_ARG: begin
                c_reg <= c_reg + 8'd1;
                if (c_reg + 8'd1 == n_cls) begin
                    st_reg <= F_RES;
                end
            end
            default: begin      // F_RES: the last score is compared in this cycle's edge
                if (!av1_reg && (!rv_reg || res_ready)) begin
                    ev1_reg  <= 1'b1;
                    evk_reg  <= `ECG_TRC_BCNN_BEAT;
                    evi_reg  <= {8'd0, bcls_reg};
                    evv0_reg <= tick - start_reg;
                    evv1_reg <= {{(32-TAG_W){1'b0}}, tag_reg};
                    st_reg   <= F_IDLE;
                end
            end
        endcase
    end
end

// the output register: filled in F_RES (with en), emptied by the handshake (always)
wire fill = en && st_reg == F_RES && !av1_reg && (!rv_reg || res_ready);
always @(posedge clk) begin
    if (rst) begin
        rv_reg   <= 1'b0;
        rnew_reg <= 1'b0;
    end else begin
        rnew_reg <= fill;
        if (fill) begin
            rv_reg    <= 1'b1;
            rcls_reg  <= bcls_reg;
            rbest_reg <= best_reg;
            rsec_reg  <= sec_reg;
            rtag_reg  <= tag_reg;
            rcyc_reg  <= tick - start_reg;
        end else if (res_ready) begin
            rv_reg <= 1'b0;
        end
    end
end

assign p_taken    = ptog_reg;
assign pm_re      = st_reg == F_PWAIT && p_avail > j_reg;
assign pm_raddr   = {1'b0, j_reg};
assign bk_re      = issue;
assign bk_row     = row_x;
assign busy       = st_reg != F_IDLE || v1_reg || v2_reg;
assign res_valid  = rv_reg;
assign res_cls    = rcls_reg;
assign res_best   = rbest_reg;
assign res_second = rsec_reg;
assign res_tag    = rtag_reg;
assign res_cycles = rcyc_reg;
assign res_new    = rnew_reg;
assign ev_pool    = evp_reg;
assign ev_one     = ev1_reg;
assign ev_kind    = evk_reg;
assign ev_index   = evi_reg;
assign ev_value0  = evv0_reg;
assign ev_value1  = evv1_reg;

endmodule

`resetall
