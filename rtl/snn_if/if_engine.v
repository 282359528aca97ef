// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// if_engine -- event-driven integrate-and-fire SNN engine (DESIGN.md 3.2), bit-exact to
// golden/snn_if.py, see docs/snn_if_rtl.md.  A beat (2*N_IN slots, timestep t = slots
// [t*N_IN +: N_IN]) accepted on s_beat runs through N_IN -> N_H1 -> N_H2 -> N_OUT non-leaky IF
// layers, two passes, with the weights of one bank of the block-RAM weight memory (pack_bank
// layout).  Per pass and layer a find-first-set scan visits only the sources that spiked and
// fetches their weight words (LANES int8 weights per word, one word per cycle, LANES adders;
// a hidden source with count 2 adds the weight shifted left); then an update phase reads one
// bias word per cycle and updates UPD (8) neurons (saturating add of (I+b)<<1, firing against
// theta / 2*theta).  The output layer's membranes decide (argmax, ties -> class 0).  Screen mode
// runs the bank CTRL.BANK; cascade mode runs bank 1, then bank 2 only if abnormal, then bank 3
// only if abnormal again (golden cascade()).  The decision (class or severity, output membranes,
// tag, stages run) leaves through the registered m_dec source.  Configuration, status and the
// weight memory are on the AXI4-Lite slave (if_axil_regs).  Timing (TRACE_EN=0 or trace
// stalls excluded): a stage (one bank run) takes 85 + sum over both passes of
// (G1*S1 + G2*S2 + S3) cycles (S1 input spikes, S2 / S3 hidden-1 / hidden-2 neurons that
// fired, G1 = N_H1/LANES, G2 = N_H2/LANES); m_dec_valid rises that many cycles (summed over
// the stages run) after the edge of the s_beat handshake, and the next beat is accepted one
// cycle after the decision is taken.  With TRACE_EN=1 the engine stalls while the trace port
// dumps a layer (one neuron per cycle), which the cycle statistic does not count.

module if_engine #(
    // input slots per pass, neurons of hidden layer 1, hidden layer 2 and the output layer
    parameter N_IN        = `ECG_SNN_N_IN,
    parameter N_H1        = `ECG_SNN_N_H1,
    parameter N_H2        = `ECG_SNN_N_H2,
    parameter N_OUT       = `ECG_SNN_N_OUT,
    // int8 weights per memory word = parallel accumulation adders
    parameter LANES       = `ECG_SNN_LANES,
    // weight banks (binary screen + three cascade stages)
    parameter BANKS       = 4,
    // beat tag width
    parameter TAG_W       = 16,
    // AXI4-Lite address width
    parameter AXIL_ADDR_W = 8,
    // width of the wrapping statistics counters BEATS_DONE and SAT_TOTAL
    parameter CNT_W       = 32,
    // 1: drive the trace port (verification); 0: tie it off (synthesis removes the logic)
    parameter TRACE_EN    = 0,
    // optional $readmemh images preloading banks 0..3 ("" = none)
    parameter INIT_BANK0  = "",
    parameter INIT_BANK1  = "",
    parameter INIT_BANK2  = "",
    parameter INIT_BANK3  = ""
) (
    input  wire                     clk,
    input  wire                     rst,            // synchronous, active high

    // beat in: slot s is bit s (the encoder's m_beat_slots), a tag travels with it
    input  wire [2*N_IN-1:0]        s_beat_slots,
    input  wire [TAG_W-1:0]         s_beat_tag,
    input  wire                     s_beat_valid,
    output wire                     s_beat_ready,

    // decision out (registered valid): class (screen 0/1, cascade severity 0..3), the output
    // membranes of the last stage run, tag, stages run, mode, bank of the last stage
    output wire [1:0]               m_dec_class,
    output wire [`ECG_SNN_VMEM_W-1:0] m_dec_vout0,
    output wire [`ECG_SNN_VMEM_W-1:0] m_dec_vout1,
    output wire [TAG_W-1:0]         m_dec_tag,
    output wire [1:0]               m_dec_stages,
    output wire                     m_dec_mode,
    output wire [1:0]               m_dec_bank,
    output wire                     m_dec_valid,
    input  wire                     m_dec_ready,

    // AXI4-Lite configuration / status slave
    input  wire [AXIL_ADDR_W-1:0]   s_axil_awaddr,
    /*verilator coverage_off*/
    input  wire [2:0]               s_axil_awprot,          // ignored
    /*verilator coverage_on*/
    input  wire                     s_axil_awvalid,
    output wire                     s_axil_awready,
    input  wire [31:0]              s_axil_wdata,
    input  wire [3:0]               s_axil_wstrb,
    input  wire                     s_axil_wvalid,
    output wire                     s_axil_wready,
    output wire [1:0]               s_axil_bresp,
    output wire                     s_axil_bvalid,
    input  wire                     s_axil_bready,
    input  wire [AXIL_ADDR_W-1:0]   s_axil_araddr,
    /*verilator coverage_off*/
    input  wire [2:0]               s_axil_arprot,          // ignored
    /*verilator coverage_on*/
    input  wire                     s_axil_arvalid,
    output wire                     s_axil_arready,
    output wire [31:0]              s_axil_rdata,
    output wire [1:0]               s_axil_rresp,
    output wire                     s_axil_rvalid,
    input  wire                     s_axil_rready,

    // trace port (TRACE_EN = 1): every membrane (before and after firing), spike count and
    // saturation flag of every neuron after every pass, the result of every stage and the
    // statistics of every beat.  Verification infrastructure (tied off in synthesis); its
    // constant/upper bits cannot toggle, so it is excluded from toggle coverage; its values are
    // compared exactly.  Kinds and packing: docs/snn_if_rtl.md.
    /*verilator coverage_off*/
    output wire                     trc_valid,
    output wire [7:0]               trc_kind,
    output wire [15:0]              trc_index,
    output wire [15:0]              trc_step,
    output wire [31:0]              trc_value
    /*verilator coverage_on*/
);

// ---------------------------------------------------------------------------------------------
// Geometry (golden/snn_if.py memory image layout)
// ---------------------------------------------------------------------------------------------

localparam PASSES = `ECG_SNN_PASSES;
localparam W_W    = `ECG_SNN_WEIGHT_W;              // weight
localparam B_W    = `ECG_SNN_BIAS_W;                // bias (16-bit lanes)
localparam TH_W   = `ECG_SNN_THETA_W;               // threshold
localparam V_W    = `ECG_SNN_VMEM_W;                // membrane
localparam SUM_W  = `ECG_SNN_ACC_W;                 // exact pre-saturation sum
localparam C_W    = `ECG_SNN_COUNT_W;               // spike count
localparam WORD_W = W_W * LANES;                    // memory word
localparam UPD    = WORD_W / B_W;                   // biases per word = neurons updated per cycle

localparam G1 = N_H1 / LANES;                       // weight words per input slot
localparam G2 = N_H2 / LANES;                       // weight words per hidden-1 neuron
localparam U1 = (N_H1 + UPD - 1) / UPD;             // bias words per layer
localparam U2 = (N_H2 + UPD - 1) / UPD;
localparam U3 = (N_OUT + UPD - 1) / UPD;

localparam A_W1    = 0;
localparam A_W2    = A_W1 + N_IN * G1;              // 2349
localparam A_W3    = A_W2 + N_H1 * G2;              // 2925
localparam A_B1    = A_W3 + N_H2;                   // 2989
localparam A_B2    = A_B1 + U1;                     // 3007
localparam A_B3    = A_B2 + U2;                     // 3015
localparam A_PARAM = A_B3 + U3;                     // 3016
localparam IMAGE_WORDS = A_PARAM + 1;               // 3017

localparam MEM_AW = $clog2(BANKS * IMAGE_WORDS);
localparam SRC_W  = $clog2(N_IN);                   // source index
localparam IDX_W  = $clog2(U1 + 1);                 // group / update-slice index
localparam G1_AW  = $clog2(G1);                     // accumulator word address
localparam U1_AW  = $clog2(U1);                     // membrane word addresses
localparam U2_AW  = $clog2(U2);
localparam UPD_AW = $clog2(UPD);

// the highest and lowest set bit of a constant (src * G is computed as shifts and adds); used
// only at elaboration, so they have no run-time coverage
/*verilator coverage_off*/
function integer msb_pos;
    input integer c;
    integer       i;
    begin
        msb_pos = 0;
        for (i = 0; i < 31; i = i + 1) begin
            if (((c >> i) & 1) == 1) begin
                msb_pos = i;
            end
        end
    end
endfunction

function integer lsb_pos;
    input integer c;
    integer       i;
    begin
        lsb_pos = 0;
        for (i = 30; i >= 0; i = i - 1) begin
            if (((c >> i) & 1) == 1) begin
                lsb_pos = i;
            end
        end
    end
endfunction

/*verilator coverage_on*/

localparam G1_S1  = msb_pos(G1);
localparam G1_S0  = lsb_pos(G1);
localparam G1_TWO = (G1 != (1 << G1_S1)) ? 1 : 0;
localparam G2_S1  = msb_pos(G2);
localparam G2_S0  = lsb_pos(G2);
localparam G2_TWO = (G2 != (1 << G2_S1)) ? 1 : 0;
// |I| <= SRC_MAX * 2**(W_W-1): an input source counts once (0/1), a hidden source up to twice
localparam SRC_MAX = (N_IN > 2 * N_H1) ? N_IN : 2 * N_H1;
localparam CUR_W  = 1 + $clog2(SRC_MAX * (1 << (W_W - 1)) + 1);

// per-beat statistics: exact widths so that a maximal beat toggles every bit
// memory pipeline: request (R) -> block-RAM read (M) -> the fabric register of the block-RAM row
// (F, if_weight_mem OUT_REG = 1) -> registered read data (M2) -> execute 1 (X1: accumulate;
// update: exact sum) -> execute 2 (X2: update: saturation, firing, writes).
// DRAIN = cycles from the issue of a layer's last update to the first issue of a scan that reads
// its spike counts (the count bits are written at the end of X2)
localparam DRAIN     = 6;
localparam OVH_STAGE = 1 + PASSES * (U1 + U2 + U3 + 2 * DRAIN) + (DRAIN - 1) + 1;  // 85: fixed cycles per stage
localparam EV_MAX  = 3 * PASSES * (N_IN * N_H1 + N_H1 * N_H2 + N_H2 * N_OUT);
localparam CYC_MAX = 3 * (OVH_STAGE + PASSES * (G1 * N_IN + G2 * N_H1 + N_H2));
localparam SAT_MAX = 3 * PASSES * (N_H1 + N_H2 + N_OUT);
localparam EV_W  = $clog2(EV_MAX + 1);
localparam CYC_W = $clog2(CYC_MAX + 1);
localparam SAT_W = $clog2(SAT_MAX + 1);

localparam [0:0]  INFO_TRC   = TRACE_EN;
localparam [7:0]  INFO_LANES = LANES;
localparam [3:0]  INFO_BANKS = BANKS;
localparam [15:0] INFO_WORDS = IMAGE_WORDS;
localparam [31:0] INFO = {3'd0, INFO_TRC, INFO_LANES, INFO_BANKS, INFO_WORDS};

// ---------------------------------------------------------------------------------------------
// Parameter checks
// ---------------------------------------------------------------------------------------------

`ifndef SYNTHESIS
initial begin
    if (PASSES != 2) begin
        $error("if_engine: SNN_PASSES=%0d must be 2", PASSES);
        $finish;
    end
    if (LANES != 16 || B_W != 16 || W_W != 8) begin
        $error("if_engine: the memory image needs LANES=16 int8 weights and 16-bit biases");
        $finish;
    end
    if (N_H1 % LANES != 0 || N_H2 % LANES != 0 || N_OUT != 2) begin
        $error("if_engine: N_H1=%0d and N_H2=%0d must be multiples of LANES=%0d, N_OUT=%0d must be 2",
               N_H1, N_H2, LANES, N_OUT);
        $finish;
    end
    if (N_IN > 512 || N_IN < N_H1 || N_H1 < N_H2 || N_H2 < N_OUT || N_H2 < LANES) begin
        $error("if_engine: need 512 >= N_IN >= N_H1 >= N_H2 >= N_OUT and N_H2 >= LANES");
        $finish;
    end
    if (UPD * 2 != LANES || (1 << UPD_AW) != UPD || G1_AW + 1 > IDX_W || U2 < 2) begin
        $error("if_engine: the update width (%0d biases per word) must be LANES/2, a power of 2", UPD);
        $finish;
    end
    if (G1 != (1 << G1_S1) + G1_TWO * (1 << G1_S0) || G2 != (1 << G2_S1) + G2_TWO * (1 << G2_S0)) begin
        $error("if_engine: G1=%0d and G2=%0d must have at most two bits set (shift-add address)", G1, G2);
        $finish;
    end
    if (U1 + 1 > (1 << IDX_W) || G1 > U1) begin
        $error("if_engine: index width");
        $finish;
    end
    if (BANKS != 4) begin
        $error("if_engine: BANKS=%0d must be 4 (screen + three cascade stages)", BANKS);
        $finish;
    end
    if (TAG_W < 1 || TAG_W > 16) begin
        $error("if_engine: TAG_W=%0d must be 1..16", TAG_W);
        $finish;
    end
    if (CNT_W < 1 || CNT_W > 32) begin
        $error("if_engine: CNT_W=%0d must be 1..32", CNT_W);
        $finish;
    end
    if (TRACE_EN != 0 && TRACE_EN != 1) begin
        $error("if_engine: TRACE_EN=%0d must be 0 or 1", TRACE_EN);
        $finish;
    end
end
`endif

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

localparam [2:0] ST_IDLE   = 3'd0;    // waiting for a beat (s_beat_ready)
localparam [2:0] ST_START  = 3'd1;    // latch mode/bank, fetch the threshold word
localparam [2:0] ST_SCAN   = 3'd2;    // one weight word of one spiking source per cycle
localparam [2:0] ST_UPD    = 3'd3;    // one bias word (UPD neurons) per cycle
localparam [2:0] ST_WAIT   = 3'd4;    // pipeline drain before a scan that needs the counts
localparam [2:0] ST_DECIDE = 3'd5;    // argmax; cascade: next stage or done
localparam [2:0] ST_DONE   = 3'd6;    // decision in the output register

localparam [1:0] L1 = 2'd0;           // hidden layer 1 (sources: input slots)
localparam [1:0] L2 = 2'd1;           // hidden layer 2 (sources: hidden-1 neurons)
localparam [1:0] L3 = 2'd2;           // output layer   (sources: hidden-2 neurons)

localparam [1:0] OP_NONE  = 2'd0;     // memory pipeline operations
localparam [1:0] OP_PARAM = 2'd1;     // threshold word: thetas, initial membranes
localparam [1:0] OP_ACC   = 2'd2;     // weight word: LANES accumulations
localparam [1:0] OP_UPD   = 2'd3;     // bias word: UPD neuron updates

localparam [MEM_AW-1:0] M_IMAGE = IMAGE_WORDS;
localparam [MEM_AW-1:0] M_W1    = A_W1;
localparam [MEM_AW-1:0] M_W2    = A_W2;
localparam [MEM_AW-1:0] M_W3    = A_W3;
localparam [MEM_AW-1:0] M_B1    = A_B1;
localparam [MEM_AW-1:0] M_B2    = A_B2;
localparam [MEM_AW-1:0] M_B3    = A_B3;
localparam [MEM_AW-1:0] M_PARAM = A_PARAM;

localparam integer GL1_I = G1 - 1;
localparam integer GL2_I = G2 - 1;
localparam integer UL1_I = U1 - 1;
localparam integer UL2_I = U2 - 1;
localparam integer UL3_I = U3 - 1;
localparam [IDX_W-1:0] GL1 = GL1_I[IDX_W-1:0];    // last weight group of a source
localparam [IDX_W-1:0] GL2 = GL2_I[IDX_W-1:0];
localparam [IDX_W-1:0] UL1 = UL1_I[IDX_W-1:0];    // last update slice of a layer
localparam [IDX_W-1:0] UL2 = UL2_I[IDX_W-1:0];
localparam [IDX_W-1:0] UL3 = UL3_I[IDX_W-1:0];

localparam integer WAIT_SCAN_I = DRAIN - 1;
localparam integer WAIT_DEC_I  = DRAIN - 2;
localparam [2:0] WAIT_SCAN = WAIT_SCAN_I[2:0];      // last drain cycle before the next scan
localparam [2:0] WAIT_DEC  = WAIT_DEC_I[2:0];       // last drain cycle before DECIDE

localparam [EV_W-1:0] FAN1 = N_H1;    // synaptic events per spiking source
localparam [EV_W-1:0] FAN2 = N_H2;
localparam [EV_W-1:0] FAN3 = N_OUT;

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

wire run;                                               // 0 while the trace port dumps a layer

reg  [2:0]        state_reg, state_next;
reg  [1:0]        layer_reg, layer_next;                // layer being scanned / updated
reg               pass_reg, pass_next;
reg  [1:0]        stage_reg, stage_next;                // bank run of the beat (cascade 0..2)
reg               mode_reg, mode_next;                  // latched CTRL.MODE
reg  [1:0]        bank_reg, bank_next;                  // bank of the current stage
reg  [MEM_AW-1:0] bank_base_reg, bank_base_next;
reg  [2:0]        wait_reg, wait_next;

reg  [N_IN-1:0]   pend_reg, pend_next;                  // sources of the scan not yet visited
reg  [N_IN-1:0]   pflag_reg;                            // count 2 of each of these sources
reg  [SRC_W-1:0]  src_reg, src_next;                    // source being fetched
reg  [IDX_W-1:0]  grp_reg, grp_next;                    // its weight word (group of LANES)
reg               dbl_reg, dbl_next;                    // its count is 2
reg  [IDX_W-1:0]  upd_reg, upd_next;                    // update slice

reg  [2*N_IN-1:0] slots_reg;                            // the beat (no reset: loaded per beat)
reg  [TAG_W-1:0]  tag_reg;

reg  [CYC_W-1:0]  cyc_reg, cyc_next;                    // per-beat statistics
reg  [EV_W-1:0]   ev_reg, ev_next;
reg  [SAT_W-1:0]  sat_reg;

// memory pipeline: request (R) -> memory read (M) -> row register (F) -> M2 -> X1 -> X2
reg  [1:0]        rq_op_reg, rq_op_next;
reg  [1:0]        rq_layer_reg, rq_layer_next;
reg               rq_pass_reg, rq_pass_next;
reg  [IDX_W-1:0]  rq_idx_reg, rq_idx_next;
reg               rq_dbl_reg, rq_dbl_next;
reg               rq_last_reg, rq_last_next;
reg  [MEM_AW-1:0] rq_addr_reg, rq_addr_next;
reg  [1:0]        m_op_reg;                             // M: the block RAM outputs its word
reg  [1:0]        m_layer_reg;
reg               m_pass_reg;
reg  [IDX_W-1:0]  m_idx_reg;
reg               m_dbl_reg;
reg               m_last_reg;
reg  [1:0]        f_op_reg;                             // F: the row register holds the word
reg  [1:0]        f_layer_reg;
reg               f_pass_reg;
reg  [IDX_W-1:0]  f_idx_reg;
reg               f_dbl_reg;
reg               f_last_reg;
reg  [1:0]        x_op_reg;                             // X1
reg  [1:0]        x_layer_reg;
reg               x_pass_reg;
reg  [IDX_W-1:0]  x_idx_reg;
reg               x_dbl_reg;
reg               x_last_reg;
reg  [WORD_W-1:0] x_word_reg;                           // M2 register: the memory word of X1
reg  [1:0]        y_op_reg;                             // X2 (update operations only)
reg  [1:0]        y_layer_reg;
reg               y_pass_reg;
reg  [IDX_W-1:0]  y_idx_reg;
reg               y_last_reg;

reg  [TH_W-1:0]   theta1_reg, theta2_reg;

wire              y_upd;                                // X2 executes an update
wire [UPD-1:0]    u_fired;                              // its neurons: count > 0
wire [UPD-1:0]    u_two;                                //              count == 2
integer           s;

// decision output and the statistics of the beat it belongs to
reg  [1:0]        m_dec_class_reg;
reg  [V_W-1:0]    m_dec_vout0_reg, m_dec_vout1_reg;
reg  [TAG_W-1:0]  m_dec_tag_reg;
reg  [1:0]        m_dec_stages_reg;
reg               m_dec_mode_reg;
reg  [1:0]        m_dec_bank_reg;
reg               m_dec_valid_reg;
reg  [CYC_W-1:0]  out_cyc_reg;
reg  [EV_W-1:0]   out_ev_reg;
reg  [SAT_W-1:0]  out_sat_reg;

// status registers (updated when the decision is taken)
reg  [CYC_W-1:0]  cycles_last_reg;
reg  [EV_W-1:0]   events_last_reg;
reg  [SAT_W-1:0]  sat_last_reg;
/*verilator coverage_off*/
reg  [CNT_W-1:0]  beats_done_reg;                       // wrapping counters: upper bits cannot
                                                        // toggle in a test (values compared)
reg  [CNT_W-1:0]  sat_total_reg;
/*verilator coverage_on*/

// ---------------------------------------------------------------------------------------------
// Configuration slave and weight memory
// ---------------------------------------------------------------------------------------------

wire              busy = state_reg != ST_IDLE;
wire              ctrl_mode;
wire [1:0]        ctrl_bank;
wire              clr_stats;
wire              axi_we, axi_re;
wire [MEM_AW-1:0] axi_waddr, axi_raddr;
wire [WORD_W-1:0] axi_wdata;
wire [WORD_W-1:0] mem_rdata;

if_axil_regs #(
    .ADDR_W      (AXIL_ADDR_W),
    .WORD_W      (WORD_W),
    .IMAGE_WORDS (IMAGE_WORDS),
    .BANKS       (BANKS),
    .MEM_AW      (MEM_AW),
    .CNT_W       (CNT_W),
    .CYC_W       (CYC_W),
    .EV_W        (EV_W),
    .SAT_W       (SAT_W),
    .MEM_LAT     (2)
) regs_inst (
    .clk            (clk),
    .rst            (rst),
    .s_axil_awaddr  (s_axil_awaddr),
    .s_axil_awprot  (s_axil_awprot),
    .s_axil_awvalid (s_axil_awvalid),
    .s_axil_awready (s_axil_awready),
    .s_axil_wdata   (s_axil_wdata),
    .s_axil_wstrb   (s_axil_wstrb),
    .s_axil_wvalid  (s_axil_wvalid),
    .s_axil_wready  (s_axil_wready),
    .s_axil_bresp   (s_axil_bresp),
    .s_axil_bvalid  (s_axil_bvalid),
    .s_axil_bready  (s_axil_bready),
    .s_axil_araddr  (s_axil_araddr),
    .s_axil_arprot  (s_axil_arprot),
    .s_axil_arvalid (s_axil_arvalid),
    .s_axil_arready (s_axil_arready),
    .s_axil_rdata   (s_axil_rdata),
    .s_axil_rresp   (s_axil_rresp),
    .s_axil_rvalid  (s_axil_rvalid),
    .s_axil_rready  (s_axil_rready),
    .info           (INFO),
    .busy           (busy),
    .dec_valid      (m_dec_valid_reg),
    .status_hi      (16'd0),
    .stat_beats     (beats_done_reg),
    .stat_cycles    (cycles_last_reg),
    .stat_events    (events_last_reg),
    .stat_sat_last  (sat_last_reg),
    .stat_sat_total (sat_total_reg),
    .ctrl_mode      (ctrl_mode),
    .ctrl_bank      (ctrl_bank),
    .clr_stats      (clr_stats),
    .mem_we         (axi_we),
    .mem_waddr      (axi_waddr),
    .mem_wdata      (axi_wdata),
    .mem_re         (axi_re),
    .mem_raddr      (axi_raddr),
    .mem_rdata      (mem_rdata)
);

// the engine owns the read port while busy; AXI4-Lite reads of the memory are refused then.  The
// memory reads at every cycle but the trace stalls (the block-RAM clock enables then depend on
// registers only: idle, the address is MEM_ADDR's and a MEM_RDATA0 fetch finds its word read;
// busy, a word read without a request is not used)
wire              mem_re    = !busy || run;
wire              unused_axi_re = axi_re;
wire [MEM_AW-1:0] mem_raddr = busy ? rq_addr_reg : axi_raddr;

if_weight_mem #(
    .WORD_W      (WORD_W),
    .IMAGE_WORDS (IMAGE_WORDS),
    .BANKS       (BANKS),
    .ADDR_W      (MEM_AW),
    .INIT_BANK0  (INIT_BANK0),
    .INIT_BANK1  (INIT_BANK1),
    .INIT_BANK2  (INIT_BANK2),
    .INIT_BANK3  (INIT_BANK3),
    .OUT_REG     (1)
) mem_inst (
    .clk   (clk),
    .we    (axi_we),
    .waddr (axi_waddr),
    .wdata (axi_wdata),
    .re    (mem_re),
    .raddr (mem_raddr),
    .oce   (run),
    .rdata (mem_rdata)
);

// ---------------------------------------------------------------------------------------------
// Neuron state, organised in words of the datapath width (distributed RAM in synthesis):
//   gen_lane[k].acc_mem  LANES lane memories of G1 synaptic currents: neuron n is entry
//                  n / LANES of lane n % LANES (a "word" = entry a of every lane); shared by the
//                  layers (layer 2 uses words 0..G2-1, the output layer lanes 0..N_OUT-1 of word
//                  0); a word not written since the stage began reads as zero (acc_ok_reg), and
//                  an update zeroes the half it consumes
//   v1_mem, v2_mem U1 / U2 words of UPD membranes; neuron n is lane n % UPD of word n / UPD
//   v3_reg         the output membranes
// The spike counts of a hidden layer are not kept apart: X2 writes count > 0 / count == 2 of
// each neuron straight into the next scan's source set pend_reg / pflag_reg (empty while the
// layer updates), so every scan starts from registers.
// ---------------------------------------------------------------------------------------------

reg  [G1-1:0]          acc_ok_reg;
reg  [UPD*V_W-1:0]     v1_mem [0:U1-1];
reg  [UPD*V_W-1:0]     v2_mem [0:U2-1];
reg  [N_OUT*V_W-1:0]   v3_reg;

wire [N_OUT*V_W-1:0]   v3_flat = v3_reg;

// ---------------------------------------------------------------------------------------------
// Scan: find-first-set over the sources of the layer being scanned
// ---------------------------------------------------------------------------------------------

// a scan is entered from START (layer 1, pass 0), from the last update of the output layer in
// pass 0 (layer 1, pass 1) and from the last drain cycle after layer 1 / layer 2 (next layer).
// Its source set is in pend_reg by then: the input slots of pass 0 are loaded with the beat
// (and at DECIDE for the next cascade stage), those of pass 1 when the output layer's update of
// pass 0 begins, the hidden neurons that fired by X2 (below)
wire upd_last = (layer_reg == L1) ? (upd_reg == UL1) :
                (layer_reg == L2) ? (upd_reg == UL2) : (upd_reg == UL3);

reg       entry;
reg [1:0] entry_layer;
reg       entry_pass;

always @* begin
    entry       = 1'b0;
    entry_layer = L1;
    entry_pass  = 1'b0;
    case (state_reg)
        ST_START: begin
            entry = 1'b1;
        end
        ST_UPD: begin
            if (upd_last && layer_reg == L3 && !pass_reg) begin
                entry      = 1'b1;
                entry_pass = 1'b1;
            end
        end
        ST_WAIT: begin
            if (layer_reg != L3 && wait_reg == WAIT_SCAN) begin
                entry       = 1'b1;
                entry_layer = layer_reg + 2'd1;
                entry_pass  = pass_reg;
            end
        end
        default: begin
            entry = 1'b0;
        end
    endcase
end

wire [1:0]       src_layer = entry ? entry_layer : layer_reg;
wire             ffs_any;
wire [SRC_W-1:0] ffs_idx;
wire [N_IN-1:0]  ffs_rest;                                  // the visited source leaves the set
wire             ffs_dbl;                                   // its count is 2

if_ffs_tree #(
    .W     (N_IN),
    .IDX_W (SRC_W)
) ffs_inst (
    .in      (pend_reg),
    .flag    (pflag_reg),
    .any     (ffs_any),
    .idx     (ffs_idx),
    .rest    (ffs_rest),
    .flag_at (ffs_dbl)
);


// ---------------------------------------------------------------------------------------------
// Control: requests into the memory pipeline, one per cycle
// ---------------------------------------------------------------------------------------------

wire signed [V_W-1:0] vout0 = v3_flat[V_W-1:0];
wire signed [V_W-1:0] vout1 = v3_flat[2*V_W-1:V_W];
wire                  cls   = vout1 > vout0;               // argmax, ties -> class 0

// first word of bank b (b * IMAGE_WORDS)
function [MEM_AW-1:0] bank_base;
    input [1:0] b;
    begin
        case (b)
            2'd0:    bank_base = {MEM_AW{1'b0}};
            2'd1:    bank_base = M_IMAGE;
            2'd2:    bank_base = {M_IMAGE[MEM_AW-2:0], 1'b0};
            default: bank_base = M_IMAGE + {M_IMAGE[MEM_AW-2:0], 1'b0};
        endcase
    end
endfunction

// words of the current source before it: src * G, as at most two shifts and an add (G1 = 9,
// G2 = 4; checked above), so no multiplier is inferred
wire [MEM_AW-1:0] src_ext = {{(MEM_AW-SRC_W){1'b0}}, src_reg};

reg [MEM_AW-1:0] lay_wbase;                                // weight base / words per source
reg [MEM_AW-1:0] src_words;
reg [MEM_AW-1:0] lay_bbase;
reg [IDX_W-1:0]  grp_last;

always @* begin
    case (layer_reg)
        L1: begin
            lay_wbase = M_W1;
            src_words = (src_ext << G1_S1) + (G1_TWO ? (src_ext << G1_S0) : {MEM_AW{1'b0}});
            lay_bbase = M_B1;
            grp_last  = GL1;
        end
        L2: begin
            lay_wbase = M_W2;
            src_words = (src_ext << G2_S1) + (G2_TWO ? (src_ext << G2_S0) : {MEM_AW{1'b0}});
            lay_bbase = M_B2;
            grp_last  = GL2;
        end
        default: begin
            lay_wbase = M_W3;
            src_words = src_ext;
            lay_bbase = M_B3;
            grp_last  = {IDX_W{1'b0}};
        end
    endcase
end

// the two transitions that depend on inputs are applied in the register update below, so that
// the next-state logic depends on registers only
wire beat_load = state_reg == ST_IDLE && s_beat_valid;     // s_beat handshake
wire dec_take  = state_reg == ST_DONE && m_dec_ready;      // m_dec handshake

reg take;                                                  // visit the source ffs found
reg dec_load;                                              // final decision -> output register

always @* begin
    state_next     = state_reg;
    layer_next     = layer_reg;
    pass_next      = pass_reg;
    stage_next     = stage_reg;
    mode_next      = mode_reg;
    bank_next      = bank_reg;
    bank_base_next = bank_base_reg;
    wait_next      = wait_reg;
    src_next       = src_reg;
    grp_next       = grp_reg;
    dbl_next       = dbl_reg;
    upd_next       = upd_reg;
    cyc_next       = cyc_reg;
    ev_next        = ev_reg;

    rq_op_next    = OP_NONE;
    rq_layer_next = layer_reg;
    rq_pass_next  = pass_reg;
    rq_idx_next   = {IDX_W{1'b0}};
    rq_dbl_next   = 1'b0;
    rq_last_next  = 1'b0;
    rq_addr_next  = rq_addr_reg;

    take      = 1'b0;
    dec_load  = 1'b0;

    if (state_reg != ST_IDLE && state_reg != ST_DONE) begin
        cyc_next = cyc_reg + {{(CYC_W-1){1'b0}}, 1'b1};
    end

    case (state_reg)
        ST_IDLE: begin
            state_next = ST_IDLE;                          // -> ST_START on beat_load
        end
        ST_START: begin
            // CTRL as written up to the cycle of the beat handshake (later writes are refused)
            mode_next      = (stage_reg == 2'd0) ? ctrl_mode : mode_reg;
            bank_next      = mode_next ? stage_reg + 2'd1 : ctrl_bank;
            bank_base_next = bank_base(bank_next);
            rq_op_next     = OP_PARAM;
            rq_addr_next   = bank_base_next + M_PARAM;
        end
        ST_SCAN: begin
            rq_op_next   = OP_ACC;
            rq_idx_next  = grp_reg;
            rq_dbl_next  = dbl_reg;
            rq_addr_next = bank_base_reg + lay_wbase + src_words + {{(MEM_AW-IDX_W){1'b0}}, grp_reg};
            if (grp_reg == grp_last) begin
                if (ffs_any) begin
                    take = 1'b1;
                end else begin
                    state_next = ST_UPD;
                    upd_next   = {IDX_W{1'b0}};
                end
            end else begin
                grp_next = grp_reg + {{(IDX_W-1){1'b0}}, 1'b1};
            end
        end
        ST_UPD: begin
            rq_op_next   = OP_UPD;
            rq_idx_next  = upd_reg;
            rq_last_next = upd_last;
            rq_addr_next = bank_base_reg + lay_bbase + {{(MEM_AW-IDX_W){1'b0}}, upd_reg};
            upd_next     = upd_reg + {{(IDX_W-1){1'b0}}, 1'b1};
            if (upd_last && !(layer_reg == L3 && !pass_reg)) begin
                state_next = ST_WAIT;
                wait_next  = 3'd0;
            end
        end
        ST_WAIT: begin
            wait_next = wait_reg + 3'd1;
            if (layer_reg == L3 && wait_reg == WAIT_DEC) begin
                state_next = ST_DECIDE;
            end
        end
        ST_DECIDE: begin
            // the sources of the next stage's pass 0 are loaded (pend_next below)
            if (mode_reg && cls && stage_reg != 2'd2) begin
                stage_next = stage_reg + 2'd1;
                state_next = ST_START;
            end else begin
                dec_load   = 1'b1;
                state_next = ST_DONE;
            end
        end
        ST_DONE: begin
            state_next = ST_DONE;                          // -> ST_IDLE on dec_take
        end
        /*verilator coverage_off*/
        default: begin
            state_next = ST_IDLE;                          // unused encoding 7: recover
        end
        /*verilator coverage_on*/
    endcase

    if (entry) begin
        layer_next = entry_layer;
        pass_next  = entry_pass;
        if (ffs_any) begin
            take       = 1'b1;
            state_next = ST_SCAN;
        end else begin
            state_next = ST_UPD;                           // no source spiked: update only
            upd_next   = {IDX_W{1'b0}};
        end
    end

    if (take) begin
        src_next  = ffs_idx;
        grp_next  = {IDX_W{1'b0}};
        dbl_next  = ffs_dbl && src_layer != L1;            // an input source never counts twice
        ev_next   = ev_next + ((src_layer == L1) ? FAN1 : (src_layer == L2) ? FAN2 : FAN3);
    end
end

// The next source set.  A source found (take) leaves the set (ffs_rest).  When the output
// layer's scan of pass 0 is over (or had no source), its update begins and the input slots of
// pass 1 become the set; at DECIDE the slots of the next stage's pass 0 are loaded, whether or
// not there is one (the set is unused until the next START or beat), so that the class does not
// select them.  Written so that ffs_any only gates the slots of pass 1: where a source could be
// taken (take_try) and none is, the set is empty and so is ffs_rest.  The count-2 flags
// (pflag_reg) need no clearing with a load: dbl is never set for an input source.
wire take_try = entry || (state_reg == ST_SCAN && grp_reg == grp_last);
wire l3_ends  = layer_next == L3 && !pass_next && (state_reg != ST_SCAN || grp_reg == grp_last);

always @* begin
    pend_next = take_try ? (ffs_rest | (slots_reg[2*N_IN-1:N_IN] & {N_IN{l3_ends && !ffs_any}})) :
                l3_ends ? slots_reg[2*N_IN-1:N_IN] :
                (state_reg == ST_DECIDE) ? slots_reg[N_IN-1:0] : pend_reg;
end

assign s_beat_ready = state_reg == ST_IDLE;

always @(posedge clk) begin
    if (run && beat_load) begin
        slots_reg <= s_beat_slots;
        tag_reg   <= s_beat_tag;
    end
end

always @(posedge clk) begin
    if (rst) begin
        state_reg     <= ST_IDLE;
        layer_reg     <= L1;
        pass_reg      <= 1'b0;
        stage_reg     <= 2'd0;
        mode_reg      <= 1'b0;
        bank_reg      <= 2'd0;
        bank_base_reg <= {MEM_AW{1'b0}};
        wait_reg      <= 3'd0;
        pend_reg      <= {N_IN{1'b0}};
        src_reg       <= {SRC_W{1'b0}};
        grp_reg       <= {IDX_W{1'b0}};
        dbl_reg       <= 1'b0;
        upd_reg       <= {IDX_W{1'b0}};
        cyc_reg       <= {CYC_W{1'b0}};
        ev_reg        <= {EV_W{1'b0}};
        rq_op_reg     <= OP_NONE;
        rq_layer_reg  <= L1;
        rq_pass_reg   <= 1'b0;
        rq_idx_reg    <= {IDX_W{1'b0}};
        rq_dbl_reg    <= 1'b0;
        rq_last_reg   <= 1'b0;
        rq_addr_reg   <= {MEM_AW{1'b0}};
        m_op_reg      <= OP_NONE;
        m_layer_reg   <= L1;
        m_pass_reg    <= 1'b0;
        m_idx_reg     <= {IDX_W{1'b0}};
        m_dbl_reg     <= 1'b0;
        m_last_reg    <= 1'b0;
        f_op_reg      <= OP_NONE;
        f_layer_reg   <= L1;
        f_pass_reg    <= 1'b0;
        f_idx_reg     <= {IDX_W{1'b0}};
        f_dbl_reg     <= 1'b0;
        f_last_reg    <= 1'b0;
        x_op_reg      <= OP_NONE;
        x_layer_reg   <= L1;
        x_pass_reg    <= 1'b0;
        x_idx_reg     <= {IDX_W{1'b0}};
        x_dbl_reg     <= 1'b0;
        x_last_reg    <= 1'b0;
        y_op_reg      <= OP_NONE;
        y_layer_reg   <= L1;
        y_pass_reg    <= 1'b0;
        y_idx_reg     <= {IDX_W{1'b0}};
        y_last_reg    <= 1'b0;
    end else if (run) begin
        state_reg     <= beat_load ? ST_START : dec_take ? ST_IDLE : state_next;
        layer_reg     <= layer_next;
        pass_reg      <= pass_next;
        stage_reg     <= beat_load ? 2'd0 : stage_next;
        mode_reg      <= mode_next;
        bank_reg      <= bank_next;
        bank_base_reg <= bank_base_next;
        wait_reg      <= wait_next;
        pend_reg      <= beat_load ? s_beat_slots[N_IN-1:0] : pend_next;
        // X2 of a hidden layer: the neurons of word y_idx that fired are sources of the next scan
        for (s = 0; s < U1; s = s + 1) begin
            if (y_upd && y_layer_reg == L1 && y_idx_reg == s[IDX_W-1:0]) begin
                pend_reg[s*UPD +: UPD] <= u_fired;
            end
        end
        for (s = 0; s < U2; s = s + 1) begin
            if (y_upd && y_layer_reg == L2 && y_idx_reg == s[IDX_W-1:0]) begin
                pend_reg[s*UPD +: UPD] <= u_fired;
            end
        end
        src_reg       <= src_next;
        grp_reg       <= grp_next;
        dbl_reg       <= dbl_next;
        upd_reg       <= upd_next;
        cyc_reg       <= beat_load ? {CYC_W{1'b0}} : cyc_next;
        ev_reg        <= beat_load ? {EV_W{1'b0}} : ev_next;
        rq_op_reg     <= rq_op_next;
        rq_layer_reg  <= rq_layer_next;
        rq_pass_reg   <= rq_pass_next;
        rq_idx_reg    <= rq_idx_next;
        rq_dbl_reg    <= rq_dbl_next;
        rq_last_reg   <= rq_last_next;
        rq_addr_reg   <= rq_addr_next;
        m_op_reg      <= rq_op_reg;
        m_layer_reg   <= rq_layer_reg;
        m_pass_reg    <= rq_pass_reg;
        m_idx_reg     <= rq_idx_reg;
        m_dbl_reg     <= rq_dbl_reg;
        m_last_reg    <= rq_last_reg;
        f_op_reg      <= m_op_reg;
        f_layer_reg   <= m_layer_reg;
        f_pass_reg    <= m_pass_reg;
        f_idx_reg     <= m_idx_reg;
        f_dbl_reg     <= m_dbl_reg;
        f_last_reg    <= m_last_reg;
        x_op_reg      <= f_op_reg;
        x_layer_reg   <= f_layer_reg;
        x_pass_reg    <= f_pass_reg;
        x_idx_reg     <= f_idx_reg;
        x_dbl_reg     <= f_dbl_reg;
        x_last_reg    <= f_last_reg;
        y_op_reg      <= (x_op_reg == OP_UPD) ? OP_UPD : OP_NONE;
        y_layer_reg   <= x_layer_reg;
        y_pass_reg    <= x_pass_reg;
        y_idx_reg     <= x_idx_reg;
        y_last_reg    <= x_last_reg;
    end
end

// M2: the memory output (the row registers behind the row multiplexer) registered (no reset:
// qualified by x_op_reg); the block RAMs and the row registers hold while the engine stalls
// (re and oce follow run), and so does this
always @(posedge clk) begin
    if (run) begin
        x_word_reg <= mem_rdata;
    end
end

// ---------------------------------------------------------------------------------------------
// Execute stage 1 (X1): the memory word of the request four cycles earlier is in x_word_reg,
// the current word it uses in acc_cur_reg (read in M2); accumulations add and write the current
// lanes here, updates read the currents and the membranes and register the exact sums
// (if_neuron_update stage 1)
// ---------------------------------------------------------------------------------------------

wire x_init = run && x_op_reg == OP_PARAM;
wire x_acc  = run && x_op_reg == OP_ACC;
wire x_upd  = run && x_op_reg == OP_UPD;

// thresholds in 16-bit lanes 0 and 1 of the parameter word (bits above TH_W ignored)
wire [TH_W-1:0] p_theta1 = x_word_reg[TH_W-1:0];
wire [TH_W-1:0] p_theta2 = x_word_reg[B_W +: TH_W];

wire unused_param = ^{x_word_reg[B_W-1:TH_W], x_word_reg[2*B_W-1:B_W+TH_W]};

always @(posedge clk) begin
    if (x_init) begin
        theta1_reg <= p_theta1;
        theta2_reg <= p_theta2;
    end
end

// accumulator word: ACC uses word x_idx (a weight group), UPD word x_idx / 2, half x_idx[0].
// The lane memories are read one stage early, in M2 (address from f_*, beside the memory word
// that x_word_reg takes), into acc_cur_reg, so X1 adds to a register and writes the lane
// memories (the read-modify-write spans two cycles). When X1 writes the word M2 reads (the next
// source's first weight word after a one-word group, the output layer's word 0 every cycle, the
// two halves of an update word), M2 takes X1's new word instead (forward); a word not written
// since the stage began, or read while X1 starts a new stage (x_init), reads as zero
wire [G1_AW-1:0]       acc_addr = (x_op_reg == OP_UPD) ? x_idx_reg[G1_AW:1] : x_idx_reg[G1_AW-1:0];
wire                   acc_half = x_idx_reg[0];
wire [G1_AW-1:0]       f_acc_addr = (f_op_reg == OP_UPD) ? f_idx_reg[G1_AW:1] : f_idx_reg[G1_AW-1:0];
wire                   acc_wr   = x_acc || x_upd;
wire                   acc_fwd  = acc_wr && f_acc_addr == acc_addr;
wire                   f_acc_ok = !x_init && acc_ok_reg[f_acc_addr];
reg  [LANES*CUR_W-1:0] acc_cur_reg;                        // M2 register: the word's currents
wire [LANES*CUR_W-1:0] acc_word = acc_cur_reg;
wire [LANES*CUR_W-1:0] acc_new;                            // X1's new word (written, forwarded)
wire [LANES*CUR_W-1:0] acc_rd;                             // M2's read (0 if not written)
wire [LANES-1:0]       acc_lane_en;

// accumulation: lane k of the weight word adds to lane k of the accumulator word (LANES shared
// adders; the output layer uses lanes < N_OUT only); an update zeroes the half it reads
genvar k;
generate
for (k = 0; k < LANES; k = k + 1) begin : gen_lane
    localparam [0:0] HI = (k >= UPD) ? 1'b1 : 1'b0;

    reg  [CUR_W-1:0] acc_mem [0:G1-1];

    wire [W_W-1:0]   w        = x_word_reg[k*W_W +: W_W];
    wire [CUR_W-1:0] w_ext    = {{(CUR_W-W_W){w[W_W-1]}}, w};
    wire [CUR_W-1:0] addend   = x_dbl_reg ? {w_ext[CUR_W-2:0], 1'b0} : w_ext;
    wire [CUR_W-1:0] lane_cur = acc_cur_reg[k*CUR_W +: CUR_W];
    wire [CUR_W-1:0] lane_new = (x_op_reg == OP_UPD) ? ((HI == acc_half) ? {CUR_W{1'b0}} : lane_cur) :
                                acc_lane_en[k] ? lane_cur + addend : lane_cur;

    always @(posedge clk) begin
        if (acc_wr) begin
            acc_mem[acc_addr] <= lane_new;
        end
    end

    assign acc_lane_en[k] = (x_layer_reg != L3) || (k < N_OUT);
    assign acc_new[k*CUR_W +: CUR_W] = lane_new;
    assign acc_rd[k*CUR_W +: CUR_W]  = f_acc_ok ? acc_mem[f_acc_addr] : {CUR_W{1'b0}};
end
endgenerate

// no reset: qualified by x_op_reg like x_word_reg; holds while the engine stalls
always @(posedge clk) begin
    if (run) begin
        acc_cur_reg <= acc_fwd ? acc_new : acc_rd;
    end
end

always @(posedge clk) begin
    if (x_init) begin
        acc_ok_reg <= {G1{1'b0}};                          // a new stage: every current is zero
    end else if (acc_wr) begin
        acc_ok_reg[acc_addr] <= 1'b1;
    end
end

// update: lane k updates neuron upd*UPD+k of the layer with bias lane k; in pass 0 the
// membrane read is replaced by its initial value (hidden theta >> 1, output 0).  X1 reads the
// membrane word x_idx and registers the sums; X2 (y_*, one cycle later) writes the new
// membranes, counts and saturations of word y_idx.  Consecutive updates of a layer use
// different words, and the next read of a word written in X2 comes a pass (or a stage) later,
// so no forwarding is needed
wire [UPD*V_W-1:0] u_pre;
wire [UPD*V_W-1:0] u_post;
wire [UPD*C_W-1:0] u_count;
wire [UPD-1:0]     u_sat;
wire [UPD-1:0]     u_lane_en;

wire [TH_W-1:0]    x_theta = (x_layer_reg == L1) ? theta1_reg : theta2_reg;
wire [UPD*V_W-1:0] v1_word = v1_mem[x_idx_reg[U1_AW-1:0]];
wire [UPD*V_W-1:0] v2_word = v2_mem[x_idx_reg[U2_AW-1:0]];

generate
for (k = 0; k < UPD; k = k + 1) begin : gen_upd
    wire [CUR_W-1:0] cur = acc_half ? acc_word[(UPD+k)*CUR_W +: CUR_W] : acc_word[k*CUR_W +: CUR_W];
    wire [V_W-1:0]   v3_sel;

    if (k < N_OUT) begin : gen_out_lane
        assign v3_sel = v3_reg[k*V_W +: V_W];
    end else begin : gen_no_out_lane
        assign v3_sel = {V_W{1'b0}};
    end

    wire [V_W-1:0] v_reg_sel = (x_layer_reg == L1) ? v1_word[k*V_W +: V_W] :
                               (x_layer_reg == L2) ? v2_word[k*V_W +: V_W] : v3_sel;
    wire [V_W-1:0] v_init    = (x_layer_reg == L3) ? {V_W{1'b0}} : {{(V_W-TH_W+1){1'b0}}, x_theta[TH_W-1:1]};
    wire [V_W-1:0] v_sel     = x_pass_reg ? v_reg_sel : v_init;

    if_neuron_update #(
        .V_W   (V_W),
        .CUR_W (CUR_W),
        .B_W   (B_W),
        .TH_W  (TH_W),
        .SUM_W (SUM_W),
        .C_W   (C_W)
    ) upd_inst (
        .clk     (clk),
        .en      (run),
        .v       (v_sel),
        .cur     (cur),
        .bias    (x_word_reg[k*B_W +: B_W]),
        .theta   (x_theta),
        .fire_en (x_layer_reg != L3),
        .v_pre   (u_pre[k*V_W +: V_W]),
        .v_post  (u_post[k*V_W +: V_W]),
        .count   (u_count[k*C_W +: C_W]),
        .sat     (u_sat[k])
    );

    assign u_lane_en[k] = (y_layer_reg != L3) || (k < N_OUT);
    assign u_fired[k]   = |u_count[k*C_W +: C_W];
    assign u_two[k]     = u_count[k*C_W + 1];
end
endgenerate

// ---------------------------------------------------------------------------------------------
// Execute stage 2 (X2): saturation and firing of the sums registered in X1, and the writes
// ---------------------------------------------------------------------------------------------

assign y_upd = run && y_op_reg == OP_UPD;

always @(posedge clk) begin
    if (y_upd && y_layer_reg == L1) begin
        v1_mem[y_idx_reg[U1_AW-1:0]] <= u_post;
    end
end

always @(posedge clk) begin
    if (y_upd && y_layer_reg == L2) begin
        v2_mem[y_idx_reg[U2_AW-1:0]] <= u_post;
    end
end

always @(posedge clk) begin
    if (y_upd && y_layer_reg == L3) begin
        v3_reg <= u_post[N_OUT*V_W-1:0];
    end
end

// the count-2 flags of the next scan's sources (pend_reg, written with them above); an input
// source never counts twice (dbl_next), so a load of input slots leaves the flags as they are
always @(posedge clk) begin
    if (run && beat_load) begin
        pflag_reg <= {N_IN{1'b0}};
    end else begin
        for (s = 0; s < U1; s = s + 1) begin
            if (y_upd && y_layer_reg == L1 && y_idx_reg == s[IDX_W-1:0]) begin
                pflag_reg[s*UPD +: UPD] <= u_two;
            end
        end
        for (s = 0; s < U2; s = s + 1) begin
            if (y_upd && y_layer_reg == L2 && y_idx_reg == s[IDX_W-1:0]) begin
                pflag_reg[s*UPD +: UPD] <= u_two;
            end
        end
    end
end

// saturating adds of this update cycle
reg [SAT_W-1:0] u_sat_n;
integer         q;

always @* begin
    u_sat_n = {SAT_W{1'b0}};
    for (q = 0; q < UPD; q = q + 1) begin
        u_sat_n = u_sat_n + {{(SAT_W-1){1'b0}}, u_sat[q] && u_lane_en[q]};
    end
end

always @(posedge clk) begin
    if (rst) begin
        sat_reg <= {SAT_W{1'b0}};
    end else if (run) begin
        if (beat_load) begin
            sat_reg <= {SAT_W{1'b0}};
        end else if (y_upd) begin
            sat_reg <= sat_reg + u_sat_n;
        end
    end
end

// ---------------------------------------------------------------------------------------------
// Decision output and statistics
// ---------------------------------------------------------------------------------------------

always @(posedge clk) begin
    if (run && dec_load) begin
        m_dec_class_reg  <= mode_reg ? stage_reg + {1'b0, cls} : {1'b0, cls};
        m_dec_vout0_reg  <= vout0;
        m_dec_vout1_reg  <= vout1;
        m_dec_tag_reg    <= tag_reg;
        m_dec_stages_reg <= stage_reg + 2'd1;
        m_dec_mode_reg   <= mode_reg;
        m_dec_bank_reg   <= bank_reg;
        out_cyc_reg      <= cyc_next;                      // includes this DECIDE cycle
        out_ev_reg       <= ev_reg;
        out_sat_reg      <= sat_reg;
    end
end


always @(posedge clk) begin
    if (rst) begin
        m_dec_valid_reg <= 1'b0;
        beats_done_reg  <= {CNT_W{1'b0}};
        cycles_last_reg <= {CYC_W{1'b0}};
        events_last_reg <= {EV_W{1'b0}};
        sat_last_reg    <= {SAT_W{1'b0}};
        sat_total_reg   <= {CNT_W{1'b0}};
    end else begin
        if (run && dec_load) begin
            m_dec_valid_reg <= 1'b1;
        end else if (m_dec_ready) begin
            m_dec_valid_reg <= 1'b0;
        end
        // clr_stats is only accepted while idle, dec_take only happens while busy
        if (clr_stats) begin
            beats_done_reg  <= {CNT_W{1'b0}};
            cycles_last_reg <= {CYC_W{1'b0}};
            events_last_reg <= {EV_W{1'b0}};
            sat_last_reg    <= {SAT_W{1'b0}};
            sat_total_reg   <= {CNT_W{1'b0}};
        end else if (dec_take) begin
            beats_done_reg  <= beats_done_reg + {{(CNT_W-1){1'b0}}, 1'b1};
            cycles_last_reg <= out_cyc_reg;
            events_last_reg <= out_ev_reg;
            sat_last_reg    <= out_sat_reg;
            sat_total_reg   <= sat_total_reg + {{(CNT_W-SAT_W){1'b0}}, out_sat_reg};
        end
    end
end

assign m_dec_class  = m_dec_class_reg;
assign m_dec_vout0  = m_dec_vout0_reg;
assign m_dec_vout1  = m_dec_vout1_reg;
assign m_dec_tag    = m_dec_tag_reg;
assign m_dec_stages = m_dec_stages_reg;
assign m_dec_mode   = m_dec_mode_reg;
assign m_dec_bank   = m_dec_bank_reg;
assign m_dec_valid  = m_dec_valid_reg;

// ---------------------------------------------------------------------------------------------
// Trace port
// ---------------------------------------------------------------------------------------------

/*verilator coverage_off*/
generate
if (TRACE_EN != 0) begin : gen_trace
    // trace kinds: golden/formats.py TRACE_KINDS, generated into ecg_formats.vh
    localparam [7:0] K_H1    = `ECG_TRC_SNN_H1;       // hidden-1 neuron after a pass
    localparam [7:0] K_H2    = `ECG_TRC_SNN_H2;       // hidden-2 neuron after a pass
    localparam [7:0] K_OUT   = `ECG_TRC_SNN_OUT;      // output neuron after a pass
    localparam [7:0] K_STAGE = `ECG_TRC_SNN_STAGE;    // end of a stage (bank run)
    localparam [7:0] K_BEAT  = `ECG_TRC_SNN_BEAT;     // beat statistics: saturations, synaptic events
    localparam [7:0] K_CYC   = `ECG_TRC_SNN_CYCLES;   // beat statistics: engine cycles

    // per neuron of the layer just updated: {saturated, count, v_pre} (trace only); a layer's
    // dump always follows its own update, so one buffer serves the three layers
    reg [C_W+V_W:0] tbuf [0:N_H1-1];

    reg        dump_reg;                  // dumping a layer: the engine stalls
    reg [1:0]  dump_layer_reg;
    reg        dump_pass_reg;
    reg [7:0]  dump_idx_reg;
    reg [1:0]  fin_reg;                   // beat statistics entries pending
    reg [11:0] beat_cnt_reg;              // beats accepted since reset
    reg [11:0] beat_no_reg;               // number of the beat in flight
    reg        trc_valid_reg;
    reg [7:0]  trc_kind_reg;
    reg [15:0] trc_index_reg;
    reg [15:0] trc_step_reg;
    reg [31:0] trc_value_reg;
    integer    t;

    always @(posedge clk) begin
        if (y_upd) begin
            for (t = 0; t < UPD; t = t + 1) begin
                tbuf[y_idx_reg*UPD + t] <= {u_sat[t], u_count[t*C_W +: C_W], u_pre[t*V_W +: V_W]};
            end
        end
    end

    localparam [7:0] NL1 = N_H1 - 1;
    localparam [7:0] NL2 = N_H2 - 1;
    localparam [7:0] NL3 = N_OUT - 1;
    wire [7:0] n_last = (dump_layer_reg == L1) ? NL1 : (dump_layer_reg == L2) ? NL2 : NL3;

    // neuron dump_idx: the membrane after firing is read back from its storage (word
    // dump_idx / UPD, lane dump_idx % UPD), the rest from the buffer
    wire [7-UPD_AW:0]  d_word   = dump_idx_reg[7:UPD_AW];
    wire [UPD_AW-1:0]  d_lane   = dump_idx_reg[UPD_AW-1:0];
    wire [UPD*V_W-1:0] d_post_w = (dump_layer_reg == L1) ? v1_mem[d_word[U1_AW-1:0]] :
                                  (dump_layer_reg == L2) ? v2_mem[d_word[U2_AW-1:0]] :
                                  {{((UPD-N_OUT)*V_W){1'b0}}, v3_reg};
    wire [C_W+V_W:0]   d_rec    = tbuf[dump_idx_reg];
    wire [V_W-1:0]     d_post   = d_post_w[d_lane*V_W +: V_W];

    always @(posedge clk) begin
        if (rst) begin
            dump_reg       <= 1'b0;
            dump_layer_reg <= L1;
            dump_pass_reg  <= 1'b0;
            dump_idx_reg   <= 8'd0;
            fin_reg        <= 2'd0;
            beat_cnt_reg   <= 12'd0;
            beat_no_reg    <= 12'd0;
            trc_valid_reg  <= 1'b0;
            trc_kind_reg   <= 8'd0;
            trc_index_reg  <= 16'd0;
            trc_step_reg   <= 16'd0;
            trc_value_reg  <= 32'd0;
        end else begin
            trc_valid_reg <= 1'b0;
            if (beat_load && run) begin
                beat_no_reg  <= beat_cnt_reg;
                beat_cnt_reg <= beat_cnt_reg + 12'd1;
            end
            if (dump_reg) begin
                trc_valid_reg <= 1'b1;
                trc_kind_reg  <= (dump_layer_reg == L1) ? K_H1 : (dump_layer_reg == L2) ? K_H2 : K_OUT;
                trc_index_reg <= {5'd0, d_rec[C_W+V_W:V_W], dump_idx_reg};
                trc_step_reg  <= {beat_no_reg, stage_reg, dump_pass_reg, 1'b0};
                trc_value_reg <= {d_post, d_rec[V_W-1:0]};
                dump_idx_reg  <= dump_idx_reg + 8'd1;
                if (dump_idx_reg == n_last) begin
                    dump_reg <= 1'b0;
                end
            end else if (y_upd && y_last_reg) begin
                dump_reg       <= 1'b1;                    // stall from the next cycle
                dump_layer_reg <= y_layer_reg;
                dump_pass_reg  <= y_pass_reg;
                dump_idx_reg   <= 8'd0;
            end else if (run && state_reg == ST_DECIDE) begin
                trc_valid_reg <= 1'b1;
                trc_kind_reg  <= K_STAGE;
                trc_index_reg <= {7'd0, cls, 6'd0, bank_reg};
                trc_step_reg  <= {beat_no_reg, stage_reg, 2'b10};
                trc_value_reg <= {vout1, vout0};
                if (dec_load) begin
                    fin_reg <= 2'd1;
                end
            end else if (fin_reg == 2'd1) begin
                trc_valid_reg <= 1'b1;
                trc_kind_reg  <= K_BEAT;
                trc_index_reg <= {{(16-SAT_W){1'b0}}, out_sat_reg};
                trc_step_reg  <= {beat_no_reg, stage_reg, 2'b10};
                trc_value_reg <= {{(32-EV_W){1'b0}}, out_ev_reg};
                fin_reg       <= 2'd2;
            end else if (fin_reg == 2'd2) begin
                trc_valid_reg <= 1'b1;
                trc_kind_reg  <= K_CYC;
                trc_index_reg <= 16'd0;
                trc_step_reg  <= {beat_no_reg, stage_reg, 2'b10};
                trc_value_reg <= {{(32-CYC_W){1'b0}}, out_cyc_reg};
                fin_reg       <= 2'd0;
            end
        end
    end

    assign run       = !dump_reg;
    assign trc_valid = trc_valid_reg;
    assign trc_kind  = trc_kind_reg;
    assign trc_index = trc_index_reg;
    assign trc_step  = trc_step_reg;
    assign trc_value = trc_value_reg;
end else begin : gen_no_trace
    assign run       = 1'b1;
    assign trc_valid = 1'b0;
    assign trc_kind  = 8'd0;
    assign trc_index = 16'd0;
    assign trc_step  = 16'd0;
    assign trc_value = 32'd0;
end
endgenerate
/*verilator coverage_on*/

wire unused_trace_only = ^{y_last_reg, y_pass_reg, u_pre};

endmodule

`resetall
