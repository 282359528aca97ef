// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "cnn_regs.vh"

// cnn_engine -- the CNN multiply-add IP: an int8 layer engine (CONV1D, DENSE, MAXPOOL, ADD)
// behind an AXI4-Lite slave, see docs/cnn_contract.md (the interface) and docs/cnn_rtl.md (the
// architecture, cycle formula and memories).  The register map comes from rtl/cnn/cnn_regs.vh,
// generated from golden/cnn_regmap.py.
// AXI4-Lite: one access at a time per channel; a write and a read never start in the same cycle
// (the write wins).
//   write: awready = wready = 1 in the cycle AW and W are both valid, no B response is pending
//          and the write may execute; it takes effect at that edge, bvalid rises one cycle later.
//          While the descriptor checker recomputes (CHECK_CYCLES = 122 cycles after a descriptor
//          write) only descriptor writes are accepted: every other write waits.
//   read:  arready in the cycle arvalid is high, no read is in flight, no write starts and the
//          checker is idle; the RAM windows are read in that cycle, the value is sampled two
//          cycles later and rvalid rises one cycle after that (latency 3).
// Responses: unmapped offsets (and window offsets past a RAM's size) DECERR; writes to RO
// registers, register writes with WSTRB != 4'b1111, descriptor and window accesses while BUSY
// and START while BUSY SLVERR.  An erroneous access changes nothing and reads as 0.

module cnn_engine #(
    parameter N_MAC     = `CNN_DEF_N_MAC,      // MAC lanes (1..16; ceil(N_MAC/4) a power of 2)
    parameter ACT_BYTES = `CNN_DEF_ACT_BYTES,  // activation RAM bytes (power of 2, 64..65536)
    parameter W_ROWS    = `CNN_DEF_W_ROWS,     // weight rows (power of 2)
    parameter Q_WORDS   = `CNN_DEF_Q_WORDS,    // quant words (power of 2, >= 4)
    parameter MAX_CH    = `CNN_DEF_MAX_CH      // largest CIN / COUT
) (
    input  wire        clk,
    input  wire        rst,

    input  wire [`CNN_ADDR_W-1:0] s_axil_awaddr,
    // protection attributes are ignored: excluded from toggle coverage
    /*verilator coverage_off*/
    input  wire [2:0]  s_axil_awprot,
    /*verilator coverage_on*/
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [`CNN_ADDR_W-1:0] s_axil_araddr,
    /*verilator coverage_off*/
    input  wire [2:0]  s_axil_arprot,
    /*verilator coverage_on*/
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready,

    output wire        irq
);

localparam AAW = $clog2(ACT_BYTES);
localparam WAW = $clog2(W_ROWS);
localparam QAW = $clog2(Q_WORDS);
localparam WPR = (N_MAC + 3) / 4;                 // words per weight row
localparam WPB = $clog2(WPR);                     // their address bits
localparam NMB = 4 * WPR;                         // bytes of a padded row

`ifndef SYNTHESIS
initial begin
    if (N_MAC < 1 || N_MAC > 16 || (WPR & (WPR - 1)) != 0) begin
        $error("cnn_engine: N_MAC=%0d must be 1..16 with ceil(N_MAC/4) a power of 2", N_MAC);
        $finish;
    end
    if ((1 << AAW) != ACT_BYTES || AAW < 6 || AAW > 16) begin
        $error("cnn_engine: ACT_BYTES=%0d must be a power of 2 in 64..65536", ACT_BYTES);
        $finish;
    end
    if ((1 << WAW) != W_ROWS || W_ROWS < 2 || W_ROWS * WPR * 4 > `CNN_WIN_W_SPAN) begin
        $error("cnn_engine: W_ROWS=%0d must be a power of 2 that fits the W window", W_ROWS);
        $finish;
    end
    if ((1 << QAW) != Q_WORDS || Q_WORDS < 4 || Q_WORDS * 4 > `CNN_WIN_Q_SPAN) begin
        $error("cnn_engine: Q_WORDS=%0d must be a power of 2, >= 4, that fits the Q window", Q_WORDS);
        $finish;
    end
    if (MAX_CH < 1 || MAX_CH > 65535) begin
        $error("cnn_engine: MAX_CH=%0d must be 1..65535", MAX_CH);
        $finish;
    end
end
`endif

localparam [1:0] RESP_OKAY   = 2'b00;
localparam [1:0] RESP_SLVERR = 2'b10;
localparam [1:0] RESP_DECERR = 2'b11;

// register word indices (byte offset / 4)
localparam [19:0] O_ID = `CNN_REG_ID;
localparam [4:0] R_ID = O_ID[6:2];
localparam [19:0] O_CAPS = `CNN_REG_CAPS;
localparam [4:0] R_CAPS = O_CAPS[6:2];
localparam [19:0] O_CTRL = `CNN_REG_CTRL;
localparam [4:0] R_CTRL = O_CTRL[6:2];
localparam [19:0] O_STATUS = `CNN_REG_STATUS;
localparam [4:0] R_STATUS = O_STATUS[6:2];
localparam [19:0] O_CYCLES = `CNN_REG_CYCLES;
localparam [4:0] R_CYCLES = O_CYCLES[6:2];
localparam [19:0] O_MACS = `CNN_REG_MACS;
localparam [4:0] R_MACS = O_MACS[6:2];
localparam [19:0] O_STALLS = `CNN_REG_STALLS;
localparam [4:0] R_STALLS = O_STALLS[6:2];
localparam [19:0] O_LENOUT = `CNN_REG_LEN_OUT;
localparam [4:0] R_LENOUT = O_LENOUT[6:2];
localparam [19:0] O_KIND = `CNN_REG_KIND;
localparam [4:0] R_KIND = O_KIND[6:2];
localparam [19:0] O_CIN = `CNN_REG_CIN;
localparam [4:0] R_CIN = O_CIN[6:2];
localparam [19:0] O_COUT = `CNN_REG_COUT;
localparam [4:0] R_COUT = O_COUT[6:2];
localparam [19:0] O_LENIN = `CNN_REG_LEN_IN;
localparam [4:0] R_LENIN = O_LENIN[6:2];
localparam [19:0] O_KERNEL = `CNN_REG_KERNEL;
localparam [4:0] R_KERNEL = O_KERNEL[6:2];
localparam [19:0] O_STRIDE = `CNN_REG_STRIDE;
localparam [4:0] R_STRIDE = O_STRIDE[6:2];
localparam [19:0] O_DIL = `CNN_REG_DILATION;
localparam [4:0] R_DIL = O_DIL[6:2];
localparam [19:0] O_PAD = `CNN_REG_PAD;
localparam [4:0] R_PAD = O_PAD[6:2];
localparam [19:0] O_FLAGS = `CNN_REG_FLAGS;
localparam [4:0] R_FLAGS = O_FLAGS[6:2];
localparam [19:0] O_SRCA = `CNN_REG_SRC_A;
localparam [4:0] R_SRCA = O_SRCA[6:2];
localparam [19:0] O_SRCB = `CNN_REG_SRC_B;
localparam [4:0] R_SRCB = O_SRCB[6:2];
localparam [19:0] O_DST = `CNN_REG_DST;
localparam [4:0] R_DST = O_DST[6:2];
localparam [19:0] O_WBASE = `CNN_REG_W_BASE;
localparam [4:0] R_WBASE = O_WBASE[6:2];
localparam [19:0] O_QBASE = `CNN_REG_Q_BASE;
localparam [4:0] R_QBASE = O_QBASE[6:2];

localparam integer NMAC_I = N_MAC;
localparam integer AAW_I  = AAW;
localparam integer WAW_I  = WAW;
localparam integer QAW_I  = QAW;
localparam [31:0] CAPS_VALUE = {QAW_I[7:0], WAW_I[7:0], AAW_I[7:0], NMAC_I[7:0]};

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------
reg  [`CNN_REG_KIND_W-1:0]     kind_reg;
reg  [`CNN_REG_CIN_W-1:0]      cin_reg;
reg  [`CNN_REG_COUT_W-1:0]     cout_reg;
reg  [`CNN_REG_LEN_IN_W-1:0]   lenin_reg;
reg  [`CNN_REG_KERNEL_W-1:0]   kernel_reg;
reg  [`CNN_REG_STRIDE_W-1:0]   stride_reg;
reg  [`CNN_REG_DILATION_W-1:0] dil_reg;
reg  [`CNN_REG_PAD_W-1:0]      pad_reg;
reg  [`CNN_REG_FLAGS_W-1:0]    flags_reg;
reg  [`CNN_REG_SRC_A_W-1:0]    srca_reg;
reg  [`CNN_REG_SRC_B_W-1:0]    srcb_reg;
reg  [`CNN_REG_DST_W-1:0]      dst_reg;
reg  [`CNN_REG_W_BASE_W-1:0]   wbase_reg;
reg  [`CNN_REG_Q_BASE_W-1:0]   qbase_reg;
reg                            irqen_reg;
reg                            done_reg;
reg                            err_reg;
reg  [7:0]                     code_reg;
reg                            bvalid_reg;
reg  [1:0]                     bresp_reg;

wire        busy;                // a layer runs
wire        chk_busy;
wire [3:0]  chk_err;
wire [16:0] chk_lo;
wire [31:0] chk_padl;
wire [16:0] chk_grp;
wire [16:0] chk_alen;
wire        core_done;
// the layer counters (upper bits excluded from toggle coverage, see cnn_core's cyc_reg)
/*verilator coverage_off*/
wire [31:0] cnt_cycles;
wire [31:0] cnt_macs;
wire [31:0] cnt_stalls;
/*verilator coverage_on*/

// ---------------------------------------------------------------------------------------------
// Address decode
// ---------------------------------------------------------------------------------------------
// region: 0 registers, 1 ACT window, 2 W window, 3 Q window, 4 unmapped
localparam [2:0] A_REG = 3'd0, A_ACT = 3'd1, A_W = 3'd2, A_Q = 3'd3, A_NONE = 3'd4;

function [2:0] region;
    input [`CNN_ADDR_W-1:0] a;
    reg   [14:0] wword;
    begin
        wword = a[16:2];
        if (a[19:16] == 4'h0) begin
            region = ({4'd0, a[15:0]} <= `CNN_REG_Q_BASE) ? A_REG : A_NONE;
        end else if (a[19:16] == 4'h1) begin
            region = ({15'd0, a[15:0]} < ACT_BYTES) ? A_ACT : A_NONE;
        end else if (a[19:17] == 3'b001) begin
            region = (({17'd0, wword} >> WPB) < W_ROWS) ? A_W : A_NONE;
        end else if (a[19:16] == 4'h4) begin
            region = ({18'd0, a[15:2]} < Q_WORDS) ? A_Q : A_NONE;
        end else begin
            region = A_NONE;
        end
    end
endfunction

wire [2:0] aw_rgn = region(s_axil_awaddr);
wire [2:0] ar_rgn = region(s_axil_araddr);
wire [4:0] aw_reg = s_axil_awaddr[6:2];
wire [4:0] ar_reg = s_axil_araddr[6:2];
wire       aw_desc = aw_rgn == A_REG && aw_reg >= R_KIND;
wire       aw_start = aw_rgn == A_REG && aw_reg == R_CTRL && s_axil_wdata[`CNN_CTRL_START_BIT];

wire rd_pend;
wire wr_go = s_axil_awvalid && s_axil_wvalid && !bvalid_reg && (!chk_busy || aw_desc);
wire rd_go = s_axil_arvalid && !rd_pend && !wr_go && !chk_busy;

assign s_axil_awready = wr_go;
assign s_axil_wready  = wr_go;
assign s_axil_arready = rd_go;

wire unused_addr = ^{s_axil_awaddr[1:0], s_axil_araddr[1:0], s_axil_awprot, s_axil_arprot};

reg [1:0] wr_resp;
always @* begin
    case (aw_rgn)
        A_REG: begin
            if (aw_reg == R_ID || aw_reg == R_CAPS || aw_reg == R_CYCLES || aw_reg == R_MACS ||
                aw_reg == R_STALLS || aw_reg == R_LENOUT || s_axil_wstrb != 4'b1111) begin
                wr_resp = RESP_SLVERR;
            end else if (busy && (aw_desc || aw_start)) begin
                wr_resp = RESP_SLVERR;
            end else begin
                wr_resp = RESP_OKAY;
            end
        end
        A_ACT, A_W, A_Q: wr_resp = busy ? RESP_SLVERR : RESP_OKAY;
        default:         wr_resp = RESP_DECERR;
    endcase
end

reg [1:0] rd_resp;
always @* begin
    case (ar_rgn)
        A_REG:           rd_resp = RESP_OKAY;
        A_ACT, A_W, A_Q: rd_resp = busy ? RESP_SLVERR : RESP_OKAY;
        default:         rd_resp = RESP_DECERR;
    endcase
end

wire wr_ok = wr_go && wr_resp == RESP_OKAY;
wire rd_ok = rd_go && rd_resp == RESP_OKAY;
wire wr_rg = wr_ok && aw_rgn == A_REG;

// ---------------------------------------------------------------------------------------------
// START: checked descriptor (the checker is idle whenever a CTRL write executes)
// ---------------------------------------------------------------------------------------------
wire start_req = wr_rg && aw_reg == R_CTRL && s_axil_wdata[`CNN_CTRL_START_BIT];
wire start_ok  = start_req && chk_err == 4'd0;
wire kick      = wr_rg && aw_desc;

always @(posedge clk) begin
    if (rst) begin
        kind_reg   <= {`CNN_REG_KIND_W{1'b0}};
        cin_reg    <= {`CNN_REG_CIN_W{1'b0}};
        cout_reg   <= {`CNN_REG_COUT_W{1'b0}};
        lenin_reg  <= {`CNN_REG_LEN_IN_W{1'b0}};
        kernel_reg <= {`CNN_REG_KERNEL_W{1'b0}};
        stride_reg <= {`CNN_REG_STRIDE_W{1'b0}};
        dil_reg    <= {`CNN_REG_DILATION_W{1'b0}};
        pad_reg    <= {`CNN_REG_PAD_W{1'b0}};
        flags_reg  <= {`CNN_REG_FLAGS_W{1'b0}};
        srca_reg   <= {`CNN_REG_SRC_A_W{1'b0}};
        srcb_reg   <= {`CNN_REG_SRC_B_W{1'b0}};
        dst_reg    <= {`CNN_REG_DST_W{1'b0}};
        wbase_reg  <= {`CNN_REG_W_BASE_W{1'b0}};
        qbase_reg  <= {`CNN_REG_Q_BASE_W{1'b0}};
        irqen_reg  <= 1'b0;
        done_reg   <= 1'b0;
        err_reg    <= 1'b0;
        code_reg   <= 8'd0;
        bvalid_reg <= 1'b0;
        bresp_reg  <= RESP_OKAY;
    end else begin
        if (wr_go) begin
            bvalid_reg <= 1'b1;
            bresp_reg  <= wr_resp;
        end else if (s_axil_bready) begin
            bvalid_reg <= 1'b0;
        end
        if (wr_rg) begin
            case (aw_reg)
                R_KIND:   kind_reg   <= s_axil_wdata[`CNN_REG_KIND_W-1:0];
                R_CIN:    cin_reg    <= s_axil_wdata[`CNN_REG_CIN_W-1:0];
                R_COUT:   cout_reg   <= s_axil_wdata[`CNN_REG_COUT_W-1:0];
                R_LENIN:  lenin_reg  <= s_axil_wdata[`CNN_REG_LEN_IN_W-1:0];
                R_KERNEL: kernel_reg <= s_axil_wdata[`CNN_REG_KERNEL_W-1:0];
                R_STRIDE: stride_reg <= s_axil_wdata[`CNN_REG_STRIDE_W-1:0];
                R_DIL:    dil_reg    <= s_axil_wdata[`CNN_REG_DILATION_W-1:0];
                R_PAD:    pad_reg    <= s_axil_wdata[`CNN_REG_PAD_W-1:0];
                R_FLAGS:  flags_reg  <= s_axil_wdata[`CNN_REG_FLAGS_W-1:0];
                R_SRCA:   srca_reg   <= s_axil_wdata[`CNN_REG_SRC_A_W-1:0];
                R_SRCB:   srcb_reg   <= s_axil_wdata[`CNN_REG_SRC_B_W-1:0];
                R_DST:    dst_reg    <= s_axil_wdata[`CNN_REG_DST_W-1:0];
                R_WBASE:  wbase_reg  <= s_axil_wdata[`CNN_REG_W_BASE_W-1:0];
                R_QBASE:  qbase_reg  <= s_axil_wdata[`CNN_REG_Q_BASE_W-1:0];
                R_CTRL:   irqen_reg  <= s_axil_wdata[`CNN_CTRL_IRQ_EN_BIT];
                default: ;
            endcase
        end
        // DONE / ERR: START clears both, then refuses (ERR) or runs; W1C; the end of a layer
        if (start_req) begin
            done_reg <= 1'b0;
            err_reg  <= !start_ok;
            code_reg <= {4'd0, chk_err};
        end else begin
            if (core_done) begin
                done_reg <= 1'b1;
            end else if (wr_rg && aw_reg == R_STATUS && s_axil_wdata[`CNN_STATUS_DONE_BIT]) begin
                done_reg <= 1'b0;
            end
            if (wr_rg && aw_reg == R_STATUS && s_axil_wdata[`CNN_STATUS_ERR_BIT]) begin
                err_reg <= 1'b0;
            end
        end
    end
end

assign irq = done_reg && irqen_reg;

// ---------------------------------------------------------------------------------------------
// Memories: the engine owns the ports while BUSY, the AXI4-Lite windows otherwise
// ---------------------------------------------------------------------------------------------
wire [15:0]    aw_w16 = s_axil_awaddr[17:2];
wire [15:0]    ar_w16 = s_axil_araddr[17:2];
wire unused_w16 = ^{aw_w16, ar_w16};
wire           wr_act = wr_ok && aw_rgn == A_ACT;
wire           wr_w   = wr_ok && aw_rgn == A_W;
wire           wr_q   = wr_ok && aw_rgn == A_Q;

wire           c_act_re;
wire [AAW-3:0] c_act_raddr;
wire [3:0]     c_act_we;
wire [AAW-3:0] c_act_waddr;
wire [31:0]    c_act_wdata;
wire           c_w_re;
wire [WAW-1:0] c_w_raddr;
wire           c_q_re;
wire [QAW-2:0] c_qe_raddr;
wire [QAW-2:0] c_qo_raddr;
wire [31:0]    act_rdata;
wire [8*N_MAC-1:0] w_rdata;
wire [31:0]    qe_rdata;
wire [31:0]    qo_rdata;

cnn_ram #(.DEPTH(ACT_BYTES / 4), .NB(4)) u_act (
    .clk(clk),
    .we(busy ? c_act_we : (s_axil_wstrb & {4{wr_act}})),
    .waddr(busy ? c_act_waddr : aw_w16[AAW-3:0]),
    .wdata(busy ? c_act_wdata : s_axil_wdata),
    .re(busy ? c_act_re : (rd_ok && ar_rgn == A_ACT)),
    .raddr(busy ? c_act_raddr : ar_w16[AAW-3:0]),
    .rdata(act_rdata)
);

// weight row: lane l is byte l%4 of word l/4 of the row
wire [WAW-1:0] aw_row = aw_w16[WPB +: WAW];
wire [WAW-1:0] ar_row = ar_w16[WPB +: WAW];
wire [NMB-1:0] w_we_word;
wire [8*NMB-1:0] w_wd_word;
genvar j;
generate
    for (j = 0; j < WPR; j = j + 1) begin : g_wword
        wire sel;
        if (WPB == 0) begin : g_one
            assign sel = 1'b1;
        end else begin : g_many
            assign sel = aw_w16[WPB-1:0] == j;
        end
        assign w_we_word[4*j +: 4]  = s_axil_wstrb & {4{wr_w && sel}};
        assign w_wd_word[32*j +: 32] = s_axil_wdata;
    end
endgenerate
wire unused_wpad = ^{w_we_word, w_wd_word};

cnn_ram #(.DEPTH(W_ROWS), .NB(N_MAC)) u_w (
    .clk(clk),
    .we(busy ? {N_MAC{1'b0}} : w_we_word[N_MAC-1:0]),
    .waddr(aw_row),
    .wdata(w_wd_word[8*N_MAC-1:0]),
    .re(busy ? c_w_re : (rd_ok && ar_rgn == A_W)),
    .raddr(busy ? c_w_raddr : ar_row),
    .rdata(w_rdata)
);

// quant RAM: even and odd words in two banks (a CONV1D item reads bias and M|S together)
wire [QAW-2:0] aw_qi = aw_w16[QAW-1:1];
wire [QAW-2:0] ar_qi = ar_w16[QAW-1:1];
cnn_ram #(.DEPTH(Q_WORDS / 2), .NB(4)) u_qe (
    .clk(clk),
    .we(s_axil_wstrb & {4{wr_q && !aw_w16[0]}}),
    .waddr(aw_qi),
    .wdata(s_axil_wdata),
    .re(busy ? c_q_re : (rd_ok && ar_rgn == A_Q)),
    .raddr(busy ? c_qe_raddr : ar_qi),
    .rdata(qe_rdata)
);
cnn_ram #(.DEPTH(Q_WORDS / 2), .NB(4)) u_qo (
    .clk(clk),
    .we(s_axil_wstrb & {4{wr_q && aw_w16[0]}}),
    .waddr(aw_qi),
    .wdata(s_axil_wdata),
    .re(busy ? c_q_re : (rd_ok && ar_rgn == A_Q)),
    .raddr(busy ? c_qo_raddr : ar_qi),
    .rdata(qo_rdata)
);

// ---------------------------------------------------------------------------------------------
// Read channel: AR handshake (RAM read) -> two cycles -> sample -> rvalid
// ---------------------------------------------------------------------------------------------
reg        rp1_reg;
reg        rp2_reg;
reg [2:0]  rs1_reg;           // region
reg [2:0]  rs2_reg;
reg [4:0]  rr1_reg;           // register index / low word bits
reg [4:0]  rr2_reg;
reg [1:0]  re1_reg;           // response
reg [1:0]  re2_reg;
reg        rvalid_reg;
reg [1:0]  rresp_reg;
reg [31:0] rdata_reg;

assign rd_pend = rp1_reg || rp2_reg || rvalid_reg;

// the W window word: lanes 4j..4j+3 of the row, 0 beyond lane N_MAC-1
wire [8*NMB-1:0] w_row_pad = {{(8*(NMB-N_MAC)){1'b0}}, w_rdata};
localparam integer WPRM_I = WPR - 1;
localparam [1:0] WPR_MASK = WPRM_I[1:0];
wire [1:0]  w_j    = rr2_reg[1:0] & WPR_MASK;
wire [31:0] w_word = w_row_pad[32*w_j +: 32];

reg [31:0] rd_value;
always @* begin
    rd_value = 32'd0;
    case (rs2_reg)
        A_ACT: rd_value = act_rdata;
        A_W:   rd_value = w_word;
        A_Q:   rd_value = rr2_reg[0] ? qo_rdata : qe_rdata;
        A_REG: begin
            case (rr2_reg)
                R_ID:     rd_value = `CNN_ID_VALUE;
                R_CAPS:   rd_value = CAPS_VALUE;
                R_CTRL:   rd_value = {30'd0, irqen_reg, 1'b0};
                R_STATUS: rd_value = {16'd0, code_reg, 5'd0, err_reg, done_reg, busy};
                R_CYCLES: rd_value = cnt_cycles;
                R_MACS:   rd_value = cnt_macs;
                R_STALLS: rd_value = cnt_stalls;
                R_LENOUT: rd_value = {15'd0, chk_lo};
                R_KIND:   rd_value = {{(32-`CNN_REG_KIND_W){1'b0}}, kind_reg};
                R_CIN:    rd_value = {16'd0, cin_reg};
                R_COUT:   rd_value = {16'd0, cout_reg};
                R_LENIN:  rd_value = {16'd0, lenin_reg};
                R_KERNEL: rd_value = {16'd0, kernel_reg};
                R_STRIDE: rd_value = {16'd0, stride_reg};
                R_DIL:    rd_value = {16'd0, dil_reg};
                R_PAD:    rd_value = {30'd0, pad_reg};
                R_FLAGS:  rd_value = {31'd0, flags_reg};
                R_SRCA:   rd_value = {16'd0, srca_reg};
                R_SRCB:   rd_value = {16'd0, srcb_reg};
                R_DST:    rd_value = {16'd0, dst_reg};
                R_WBASE:  rd_value = {16'd0, wbase_reg};
                R_QBASE:  rd_value = {16'd0, qbase_reg};
                default:  rd_value = 32'd0;
            endcase
        end
        default: rd_value = 32'd0;
    endcase
end

always @(posedge clk) begin
    if (rst) begin
        rp1_reg    <= 1'b0;
        rp2_reg    <= 1'b0;
        rvalid_reg <= 1'b0;
        rresp_reg  <= RESP_OKAY;
        rdata_reg  <= 32'd0;
    end else begin
        rp1_reg <= rd_go;
        rp2_reg <= rp1_reg;
        if (rp2_reg) begin
            rvalid_reg <= 1'b1;
            rresp_reg  <= re2_reg;
            rdata_reg  <= (re2_reg == RESP_OKAY) ? rd_value : 32'd0;
        end else if (s_axil_rready) begin
            rvalid_reg <= 1'b0;
        end
    end
end

always @(posedge clk) begin
    if (rd_go) begin
        rs1_reg <= ar_rgn;
        rr1_reg <= (ar_rgn == A_REG) ? ar_reg : (ar_rgn == A_Q) ? {4'd0, ar_w16[0]} : {3'd0, ar_w16[1:0]};
        re1_reg <= rd_resp;
    end
    rs2_reg <= rs1_reg;
    rr2_reg <= rr1_reg;
    re2_reg <= re1_reg;
end

assign s_axil_bresp  = bresp_reg;
assign s_axil_bvalid = bvalid_reg;
assign s_axil_rdata  = rdata_reg;
assign s_axil_rresp  = rresp_reg;
assign s_axil_rvalid = rvalid_reg;

// ---------------------------------------------------------------------------------------------
// Checker and core
// ---------------------------------------------------------------------------------------------
cnn_check #(.N_MAC(N_MAC), .ACT_BYTES(ACT_BYTES), .W_ROWS(W_ROWS), .Q_WORDS(Q_WORDS),
            .MAX_CH(MAX_CH)) u_check (
    .clk(clk), .rst(rst), .kick(kick),
    .kind(kind_reg), .cin(cin_reg), .cout(cout_reg), .len_in(lenin_reg), .kernel(kernel_reg),
    .stride(stride_reg), .dil(dil_reg), .pad(pad_reg), .src_a(srca_reg), .src_b(srcb_reg),
    .dst(dst_reg), .w_base(wbase_reg), .q_base(qbase_reg),
    .busy(chk_busy), .err(chk_err), .len_out(chk_lo), .pad_left(chk_padl), .groups(chk_grp),
    .add_len(chk_alen)
);

cnn_core #(.N_MAC(N_MAC), .AAW(AAW), .WAW(WAW), .QAW(QAW), .ACT_BYTES(ACT_BYTES), .W_ROWS(W_ROWS),
           .MAX_CH(MAX_CH)) u_core (
    .clk(clk), .rst(rst), .start(start_ok),
    .kind(kind_reg), .cin(cin_reg), .cout(cout_reg), .len_in(lenin_reg), .kernel(kernel_reg),
    .stride(stride_reg), .dil(dil_reg), .relu(flags_reg[`CNN_FLAGS_RELU_BIT]),
    .src_a(srca_reg[AAW-1:0]), .src_b(srcb_reg[AAW-1:0]), .dst(dst_reg[AAW-1:0]),
    .w_base(wbase_reg[WAW-1:0]), .q_base(qbase_reg[QAW-1:0]),
    .len_out(chk_lo), .pad_left(chk_padl), .groups(chk_grp), .add_len(chk_alen),
    .busy(busy), .done(core_done),
    .cnt_cycles(cnt_cycles), .cnt_macs(cnt_macs), .cnt_stalls(cnt_stalls),
    .act_re(c_act_re), .act_raddr(c_act_raddr), .act_rdata(act_rdata),
    .act_we(c_act_we), .act_waddr(c_act_waddr), .act_wdata(c_act_wdata),
    .w_re(c_w_re), .w_raddr(c_w_raddr), .w_rdata(w_rdata),
    .q_re(c_q_re), .qe_raddr(c_qe_raddr), .qo_raddr(c_qo_raddr), .qe_rdata(qe_rdata),
    .qo_rdata(qo_rdata)
);

endmodule

`resetall
