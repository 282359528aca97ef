// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// if_axil_regs -- AXI4-Lite slave of the IF engine: control, status and the windowed weight
// memory port, see docs/snn_if_rtl.md (address map and error responses).  One access at a time
// per channel; a write and a read never execute in the same cycle (the write wins).
//   write: s_axil_awready = s_axil_wready = 1 in the cycle both AW and W are valid and no write
//          response is pending; the write takes effect at that edge and bvalid rises one cycle
//          later (latency 1).
//   read:  arready in the cycle arvalid is high, no read is in flight and no write executes;
//          the register is sampled MEM_LAT cycles later and rvalid rises one cycle after that
//          (latency MEM_LAT + 1, every register).  MEM_RDATA0 reads the memory word at MEM_ADDR
//          through the memory's read port (read latency MEM_LAT) in the cycle of the AR
//          handshake.
// Errors: unmapped offsets -> DECERR; writes to read-only registers, reads of write-only
// registers, wstrb != 4'b1111 on a writable register, MEM_ADDR writes with WORD >= IMAGE_WORDS,
// every write while busy and MEM_RDATA reads while busy -> SLVERR.  An erroneous access has no
// effect and reads as 0.

module if_axil_regs #(
    // AXI4-Lite address width (the map needs 7 bits)
    parameter ADDR_W      = 8,
    // memory word width (four 32-bit data registers)
    parameter WORD_W      = 128,
    // words per bank image
    parameter IMAGE_WORDS = 2918,
    // number of banks (the cascade needs 4)
    parameter BANKS       = 4,
    // physical memory address width
    parameter MEM_AW      = $clog2(BANKS * IMAGE_WORDS),
    // value of the read-only ID register (the engine's four-character name)
    parameter [31:0] ID   = 32'h4946_4531,
    // widths of the statistics inputs
    parameter CNT_W       = 32,
    parameter CYC_W       = 15,
    parameter EV_W        = 19,
    parameter SAT_W       = 11,
    // read latency of the memory port (1, or 2 for if_weight_mem with OUT_REG = 1)
    parameter MEM_LAT     = 1
) (
    input  wire              clk,
    input  wire              rst,

    input  wire [ADDR_W-1:0] s_axil_awaddr,
    // protection attributes are ignored (no secure/privileged registers): excluded from toggle
    // coverage, like every other signal that cannot matter
    /*verilator coverage_off*/
    input  wire [2:0]        s_axil_awprot,
    /*verilator coverage_on*/
    input  wire              s_axil_awvalid,
    output wire              s_axil_awready,
    input  wire [31:0]       s_axil_wdata,
    input  wire [3:0]        s_axil_wstrb,
    input  wire              s_axil_wvalid,
    output wire              s_axil_wready,
    output wire [1:0]        s_axil_bresp,
    output wire              s_axil_bvalid,
    input  wire              s_axil_bready,
    input  wire [ADDR_W-1:0] s_axil_araddr,
    /*verilator coverage_off*/
    input  wire [2:0]        s_axil_arprot,
    /*verilator coverage_on*/
    input  wire              s_axil_arvalid,
    output wire              s_axil_arready,
    output wire [31:0]       s_axil_rdata,
    output wire [1:0]        s_axil_rresp,
    output wire              s_axil_rvalid,
    input  wire              s_axil_rready,

    // engine side
    // value of the read-only INFO register: a constant of the instantiating module, a port
    // rather than a parameter so that every build shares one module (and one coverage record);
    // constant, so excluded from toggle coverage
    /*verilator coverage_off*/
    input  wire [31:0]       info,
    /*verilator coverage_on*/
    input  wire              busy,          // a beat is in flight (handshake to decision taken)
    input  wire              dec_valid,     // a decision waits in the output register
    // STATUS[31:16], engine-defined (the e-prop engine's configuration errors, 0 in the IF
    // engine): constant in most builds, so excluded from toggle coverage; the read value is
    // compared in the e-prop tests
    /*verilator coverage_off*/
    input  wire [15:0]       status_hi,
    /*verilator coverage_on*/
    // the wrapping CNT_W-bit counters: their upper bits need 2**31 events to toggle (excluded
    // from toggle coverage, as their registers in if_engine; their values are compared exactly)
    /*verilator coverage_off*/
    input  wire [CNT_W-1:0]  stat_beats,
    input  wire [CNT_W-1:0]  stat_sat_total,
    /*verilator coverage_on*/
    input  wire [CYC_W-1:0]  stat_cycles,
    input  wire [EV_W-1:0]   stat_events,
    input  wire [SAT_W-1:0]  stat_sat_last,
    output wire              ctrl_mode,     // 0 screen, 1 cascade
    output wire [1:0]        ctrl_bank,     // bank of the screen mode
    output wire              clr_stats,     // CMD.CLR_STATS written (combinational pulse)

    // memory port (used only while !busy)
    output wire              mem_we,
    output wire [MEM_AW-1:0] mem_waddr,
    output wire [WORD_W-1:0] mem_wdata,
    output wire              mem_re,
    output wire [MEM_AW-1:0] mem_raddr,
    input  wire [WORD_W-1:0] mem_rdata
);

`ifndef SYNTHESIS
initial begin
    if (ADDR_W < 7 || ADDR_W > 32) begin
        $error("if_axil_regs: ADDR_W=%0d must be 7..32", ADDR_W);
        $finish;
    end
    if (WORD_W != 128) begin
        $error("if_axil_regs: WORD_W=%0d must be 128 (four data registers)", WORD_W);
        $finish;
    end
    if (BANKS != 4) begin
        $error("if_axil_regs: BANKS=%0d must be 4", BANKS);
        $finish;
    end
    if (IMAGE_WORDS < 2 || IMAGE_WORDS > 65535) begin
        $error("if_axil_regs: IMAGE_WORDS=%0d must be 2..65535", IMAGE_WORDS);
        $finish;
    end
    if (CNT_W > 32 || CYC_W > 32 || EV_W > 32 || SAT_W > 32) begin
        $error("if_axil_regs: statistics wider than 32 bits");
        $finish;
    end
    if (MEM_LAT < 1 || MEM_LAT > 2) begin
        $error("if_axil_regs: MEM_LAT=%0d must be 1 or 2", MEM_LAT);
        $finish;
    end
end
`endif

localparam [1:0] RESP_OKAY   = 2'b00;
localparam [1:0] RESP_SLVERR = 2'b10;
localparam [1:0] RESP_DECERR = 2'b11;

// register word offsets (byte offset / 4)
localparam [4:0] R_ID          = 5'd0;   // 0x00 RO
localparam [4:0] R_INFO        = 5'd1;   // 0x04 RO
localparam [4:0] R_CTRL        = 5'd2;   // 0x08 RW
localparam [4:0] R_CMD         = 5'd3;   // 0x0C WO
localparam [4:0] R_STATUS      = 5'd4;   // 0x10 RO
localparam [4:0] R_BEATS       = 5'd5;   // 0x14 RO
localparam [4:0] R_CYCLES      = 5'd6;   // 0x18 RO
localparam [4:0] R_EVENTS      = 5'd7;   // 0x1C RO
localparam [4:0] R_SAT_LAST    = 5'd8;   // 0x20 RO
localparam [4:0] R_SAT_TOTAL   = 5'd9;   // 0x24 RO
localparam [4:0] R_MEM_ADDR    = 5'd10;  // 0x28 RW
localparam [4:0] R_WDATA0      = 5'd12;  // 0x30..0x3C WO
localparam [4:0] R_WDATA3      = 5'd15;
localparam [4:0] R_RDATA0      = 5'd16;  // 0x40..0x4C RO
localparam [4:0] R_RDATA3      = 5'd19;

localparam [31:0] ID_VALUE = ID;                          // "IFE1" (if_engine), "EPR1" (eprop_engine)

localparam        WORD_AW   = $clog2(IMAGE_WORDS);           // MEM_ADDR.WORD bits kept
localparam integer       LAST_I      = IMAGE_WORDS - 1;
localparam integer       IMAGE_I     = IMAGE_WORDS;
localparam [15:0]        LAST_WORD   = LAST_I[15:0];
localparam [WORD_AW-1:0] LAST_WORD_W = LAST_I[WORD_AW-1:0];
localparam [MEM_AW-1:0]  IMAGE_WORDS_M = IMAGE_I[MEM_AW-1:0];

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

reg              ctrl_mode_reg;
reg  [1:0]       ctrl_bank_reg;
reg  [WORD_AW-1:0] word_reg;               // MEM_ADDR.WORD
reg  [1:0]       mbank_reg;                // MEM_ADDR.BANK
reg  [95:0]      wstage_reg;               // MEM_WDATA0..2
reg  [WORD_W-1:32] rbuf_reg;               // lanes 1..3 of the word fetched by MEM_RDATA0
reg              bvalid_reg;
reg  [1:0]       bresp_reg;
reg              rd_pend_reg;              // read accepted in the previous cycle
wire             rd_samp;                  // read data sampled this cycle
wire             rd_busy;                  // a read between its AR handshake and rvalid
reg  [4:0]       rd_sel_reg;
reg  [1:0]       rd_resp_reg;
reg              rvalid_reg;
reg  [1:0]       rresp_reg;
reg  [31:0]      rdata_reg;

// ---------------------------------------------------------------------------------------------
// Address decode
// ---------------------------------------------------------------------------------------------

wire wr_go = s_axil_awvalid && s_axil_wvalid && !bvalid_reg;
wire rd_go = s_axil_arvalid && !rd_busy && !rvalid_reg && !wr_go;

assign s_axil_awready = wr_go;
assign s_axil_wready  = wr_go;
assign s_axil_arready = rd_go;

// offsets above the map (any upper address bit set) are unmapped
wire        aw_hi  = |s_axil_awaddr[ADDR_W-1:7];
wire        ar_hi  = |s_axil_araddr[ADDR_W-1:7];
wire [4:0]  aw_reg = s_axil_awaddr[6:2];
wire [4:0]  ar_reg = s_axil_araddr[6:2];

// aw/ar offset bits [1:0] select bytes of a 32-bit register: they are ignored
wire unused_addr_lsb = ^{s_axil_awaddr[1:0], s_axil_araddr[1:0], s_axil_awprot, s_axil_arprot};

reg [1:0] wr_resp;
reg [1:0] rd_resp;

always @* begin
    if (aw_hi) begin
        wr_resp = RESP_DECERR;
    end else begin
        case (aw_reg)
            R_CTRL, R_CMD, R_MEM_ADDR, R_WDATA0, R_WDATA0 + 5'd1, R_WDATA0 + 5'd2, R_WDATA3: begin
                if (busy || s_axil_wstrb != 4'b1111) begin
                    wr_resp = RESP_SLVERR;
                end else if (aw_reg == R_MEM_ADDR && s_axil_wdata[15:0] > LAST_WORD) begin
                    wr_resp = RESP_SLVERR;
                end else begin
                    wr_resp = RESP_OKAY;
                end
            end
            R_ID, R_INFO, R_STATUS, R_BEATS, R_CYCLES, R_EVENTS, R_SAT_LAST, R_SAT_TOTAL,
            R_RDATA0, R_RDATA0 + 5'd1, R_RDATA0 + 5'd2, R_RDATA3: begin
                wr_resp = RESP_SLVERR;                          // read-only
            end
            default: begin
                wr_resp = RESP_DECERR;
            end
        endcase
    end
end

always @* begin
    if (ar_hi) begin
        rd_resp = RESP_DECERR;
    end else begin
        case (ar_reg)
            R_ID, R_INFO, R_CTRL, R_STATUS, R_BEATS, R_CYCLES, R_EVENTS, R_SAT_LAST, R_SAT_TOTAL,
            R_MEM_ADDR: begin
                rd_resp = RESP_OKAY;
            end
            R_RDATA0, R_RDATA0 + 5'd1, R_RDATA0 + 5'd2, R_RDATA3: begin
                rd_resp = busy ? RESP_SLVERR : RESP_OKAY;
            end
            R_CMD, R_WDATA0, R_WDATA0 + 5'd1, R_WDATA0 + 5'd2, R_WDATA3: begin
                rd_resp = RESP_SLVERR;                          // write-only
            end
            default: begin
                rd_resp = RESP_DECERR;
            end
        endcase
    end
end

wire wr_ok = wr_go && wr_resp == RESP_OKAY;
wire rd_ok = rd_go && rd_resp == RESP_OKAY;

// ---------------------------------------------------------------------------------------------
// Memory window: physical address = bank * IMAGE_WORDS + word; auto-increment after MEM_WDATA3
// writes and MEM_RDATA3 reads, wrapping from the last word of a bank to word 0 of the next bank
// ---------------------------------------------------------------------------------------------

// phys_reg = bank * IMAGE_WORDS + word, kept beside MEM_ADDR (the memory address then comes
// straight from a register): set with a MEM_ADDR write, + 1 with the auto-increment (the banks
// are contiguous), 0 after the last word of bank 3
wire [1:0]        a_bank    = s_axil_wdata[17:16];
wire [MEM_AW-1:0] bank_base = (a_bank == 2'd0) ? {MEM_AW{1'b0}} :
                              (a_bank == 2'd1) ? IMAGE_WORDS_M :
                              (a_bank == 2'd2) ? {IMAGE_WORDS_M[MEM_AW-2:0], 1'b0} :
                              IMAGE_WORDS_M + {IMAGE_WORDS_M[MEM_AW-2:0], 1'b0};
wire [MEM_AW-1:0] phys_set  = bank_base + {{(MEM_AW-WORD_AW){1'b0}}, s_axil_wdata[WORD_AW-1:0]};
reg  [MEM_AW-1:0] phys_reg;
wire [MEM_AW-1:0] phys      = phys_reg;

wire commit = wr_ok && aw_reg == R_WDATA3;
wire fetch  = rd_ok && ar_reg == R_RDATA0;
wire step   = commit || (rd_ok && ar_reg == R_RDATA3);

assign mem_we    = commit;
assign mem_waddr = phys;
assign mem_wdata = {s_axil_wdata, wstage_reg};
assign mem_re    = fetch;
assign mem_raddr = phys;

// ---------------------------------------------------------------------------------------------
// Read data mux (sampled MEM_LAT cycles after the AR handshake)
// ---------------------------------------------------------------------------------------------

reg [31:0] rd_value;

always @* begin
    rd_value = 32'd0;
    case (rd_sel_reg)
        R_ID:        rd_value = ID_VALUE;
        R_INFO:      rd_value = info;
        R_CTRL:      rd_value = {26'd0, ctrl_bank_reg, 3'd0, ctrl_mode_reg};
        R_STATUS:    rd_value = {status_hi, 14'd0, dec_valid, busy};
        R_BEATS:     rd_value = {{(32-CNT_W){1'b0}}, stat_beats};
        R_CYCLES:    rd_value = {{(32-CYC_W){1'b0}}, stat_cycles};
        R_EVENTS:    rd_value = {{(32-EV_W){1'b0}}, stat_events};
        R_SAT_LAST:  rd_value = {{(32-SAT_W){1'b0}}, stat_sat_last};
        R_SAT_TOTAL: rd_value = {{(32-CNT_W){1'b0}}, stat_sat_total};
        R_MEM_ADDR:  rd_value = {14'd0, mbank_reg, {(16-WORD_AW){1'b0}}, word_reg};
        R_RDATA0:    rd_value = mem_rdata[31:0];
        R_RDATA0 + 5'd1: rd_value = rbuf_reg[63:32];
        R_RDATA0 + 5'd2: rd_value = rbuf_reg[95:64];
        R_RDATA3:    rd_value = rbuf_reg[127:96];
        default:     rd_value = 32'd0;
    endcase
end

// MEM_LAT = 2: one more cycle between the AR handshake and the sample, for every register
generate
if (MEM_LAT == 2) begin : gen_lat2
    reg rd_dly_reg;
    always @(posedge clk) begin
        if (rst) begin
            rd_dly_reg <= 1'b0;
        end else begin
            rd_dly_reg <= rd_pend_reg;
        end
    end
    assign rd_samp = rd_dly_reg;
    assign rd_busy = rd_pend_reg || rd_dly_reg;
end else begin : gen_lat1
    assign rd_samp = rd_pend_reg;
    assign rd_busy = rd_pend_reg;
end
endgenerate

// ---------------------------------------------------------------------------------------------
// Sequential logic
// ---------------------------------------------------------------------------------------------

// data registers without reset
always @(posedge clk) begin
    if (wr_ok && aw_reg == R_WDATA0) begin
        wstage_reg[31:0] <= s_axil_wdata;
    end
    if (wr_ok && aw_reg == R_WDATA0 + 5'd1) begin
        wstage_reg[63:32] <= s_axil_wdata;
    end
    if (wr_ok && aw_reg == R_WDATA0 + 5'd2) begin
        wstage_reg[95:64] <= s_axil_wdata;
    end
    if (rd_samp && rd_sel_reg == R_RDATA0 && rd_resp_reg == RESP_OKAY) begin
        rbuf_reg <= mem_rdata[WORD_W-1:32];
    end
end

always @(posedge clk) begin
    if (rst) begin
        ctrl_mode_reg <= 1'b0;
        ctrl_bank_reg <= 2'd0;
        word_reg      <= {WORD_AW{1'b0}};
        mbank_reg     <= 2'd0;
        phys_reg      <= {MEM_AW{1'b0}};
        bvalid_reg    <= 1'b0;
        bresp_reg     <= RESP_OKAY;
        rd_pend_reg   <= 1'b0;
        rd_sel_reg    <= 5'd0;
        rd_resp_reg   <= RESP_OKAY;
        rvalid_reg    <= 1'b0;
        rresp_reg     <= RESP_OKAY;
        rdata_reg     <= 32'd0;
    end else begin
        // write channel
        if (wr_go) begin
            bvalid_reg <= 1'b1;
            bresp_reg  <= wr_resp;
        end else if (s_axil_bready) begin
            bvalid_reg <= 1'b0;
        end
        if (wr_ok && aw_reg == R_CTRL) begin
            ctrl_mode_reg <= s_axil_wdata[0];
            ctrl_bank_reg <= s_axil_wdata[5:4];
        end

        // memory address: an explicit write, or the auto-increment
        if (wr_ok && aw_reg == R_MEM_ADDR) begin
            word_reg  <= s_axil_wdata[WORD_AW-1:0];
            mbank_reg <= a_bank;
            phys_reg  <= phys_set;
        end else if (step) begin
            if (word_reg == LAST_WORD_W) begin
                word_reg  <= {WORD_AW{1'b0}};
                mbank_reg <= mbank_reg + 2'd1;
            end else begin
                word_reg  <= word_reg + {{(WORD_AW-1){1'b0}}, 1'b1};
            end
            phys_reg <= (word_reg == LAST_WORD_W && mbank_reg == 2'd3) ? {MEM_AW{1'b0}} :
                        phys_reg + {{(MEM_AW-1){1'b0}}, 1'b1};
        end

        // read channel
        rd_pend_reg <= rd_go;
        if (rd_go) begin
            rd_sel_reg  <= ar_hi ? 5'd31 : ar_reg;
            rd_resp_reg <= rd_resp;
        end
        if (rd_samp) begin
            rvalid_reg <= 1'b1;
            rresp_reg  <= rd_resp_reg;
            rdata_reg  <= (rd_resp_reg == RESP_OKAY) ? rd_value : 32'd0;
        end else if (s_axil_rready) begin
            rvalid_reg <= 1'b0;
        end
    end
end

assign s_axil_bresp  = bresp_reg;
assign s_axil_bvalid = bvalid_reg;
assign s_axil_rdata  = rdata_reg;
assign s_axil_rresp  = rresp_reg;
assign s_axil_rvalid = rvalid_reg;

assign ctrl_mode = ctrl_mode_reg;
assign ctrl_bank = ctrl_bank_reg;
// CMD.CLR_STATS acts at the edge of the write, like every other register write
assign clr_stats = wr_ok && aw_reg == R_CMD && s_axil_wdata[0];

endmodule

`resetall
