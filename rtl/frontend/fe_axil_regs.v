// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// fe_axil_regs -- AXI4-Lite slave of the raw-stream front end (docs/frontend_rtl.md, register
// map), with the handshake timing of if_axil_regs: a write takes effect at the edge where AW and
// W are both valid (awready = wready = 1 in that cycle) and bvalid rises one cycle later; a read
// is accepted when arvalid is high, no read is in flight and no write executes, the register is
// sampled in the next cycle and rvalid rises one cycle after that.
// Errors: unmapped offsets -> DECERR; writes to read-only registers, reads of the write-only CMD
// and wstrb != 4'b1111 on CTRL/CMD -> SLVERR.  An erroneous access has no effect and reads as 0.

module fe_axil_regs #(
    // AXI4-Lite address width (the map needs 6 bits)
    parameter ADDR_W = 8,
    // value of the read-only ID register ("FEN1")
    parameter [31:0] ID = 32'h4645_4e31
) (
    input  wire              clk,
    input  wire              rst,

    input  wire [ADDR_W-1:0] s_axil_awaddr,
    // protection attributes are ignored: excluded from toggle coverage
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

    // front-end side
    // INFO: constant geometry of the instantiating module (excluded from toggle coverage)
    /*verilator coverage_off*/
    input  wire [31:0]       info,
    /*verilator coverage_on*/
    input  wire [5:0]        status,        // STATUS[5:0]
    // the 32-bit counters' upper bits need 2^31 events to toggle (values compared exactly)
    /*verilator coverage_off*/
    input  wire [31:0]       stat_samples,
    input  wire [31:0]       stat_peaks,
    input  wire [31:0]       stat_sat,
    input  wire [31:0]       stat_last_peak,
    /*verilator coverage_on*/
    input  wire [15:0]       stat_rr_avg,
    input  wire [25:0]       stat_spk,
    input  wire [25:0]       stat_npk,
    output wire              ctrl_mains50,  // CTRL.MAINS50 (applied at the next restart)
    output wire              cmd_restart,   // CMD.RESTART written (one-cycle pulse)
    output wire              cmd_clr_stats  // CMD.CLR_STATS written (one-cycle pulse)
);

`ifndef SYNTHESIS
initial begin
    if (ADDR_W < 6 || ADDR_W > 32) begin
        $error("fe_axil_regs: ADDR_W=%0d must be 6..32", ADDR_W);
        $finish;
    end
end
`endif

localparam [1:0] RESP_OKAY   = 2'b00;
localparam [1:0] RESP_SLVERR = 2'b10;
localparam [1:0] RESP_DECERR = 2'b11;

// register word offsets (byte offset / 4)
localparam [3:0] R_ID        = 4'd0;   // 0x00 RO
localparam [3:0] R_INFO      = 4'd1;   // 0x04 RO
localparam [3:0] R_CTRL      = 4'd2;   // 0x08 RW
localparam [3:0] R_CMD       = 4'd3;   // 0x0C WO
localparam [3:0] R_STATUS    = 4'd4;   // 0x10 RO
localparam [3:0] R_SAMPLES   = 4'd5;   // 0x14 RO
localparam [3:0] R_PEAKS     = 4'd6;   // 0x18 RO
localparam [3:0] R_SAT       = 4'd7;   // 0x1C RO
localparam [3:0] R_RR_AVG    = 4'd8;   // 0x20 RO
localparam [3:0] R_SPK       = 4'd9;   // 0x24 RO
localparam [3:0] R_NPK       = 4'd10;  // 0x28 RO
localparam [3:0] R_LAST_PEAK = 4'd11;  // 0x2C RO
localparam [3:0] R_NONE      = 4'd15;  // an unmapped read (reads as 0)

reg        mains50_reg;
reg        bvalid_reg;
reg  [1:0] bresp_reg;
reg        rd_pend_reg;
reg  [3:0] rd_sel_reg;
reg  [1:0] rd_resp_reg;
reg        rvalid_reg;
reg  [1:0] rresp_reg;
reg [31:0] rdata_reg;

wire wr_go = s_axil_awvalid && s_axil_wvalid && !bvalid_reg;
wire rd_go = s_axil_arvalid && !rd_pend_reg && !rvalid_reg && !wr_go;

assign s_axil_awready = wr_go;
assign s_axil_wready  = wr_go;
assign s_axil_arready = rd_go;

wire       aw_hi  = |s_axil_awaddr[ADDR_W-1:6];
wire       ar_hi  = |s_axil_araddr[ADDR_W-1:6];
wire [3:0] aw_reg = s_axil_awaddr[5:2];
wire [3:0] ar_reg = s_axil_araddr[5:2];
wire       unused_in = ^{s_axil_awaddr[1:0], s_axil_araddr[1:0], s_axil_awprot, s_axil_arprot,
                         s_axil_wdata[31:2]};

reg [1:0] wr_resp;
reg [1:0] rd_resp;

always @* begin
    if (aw_hi) begin
        wr_resp = RESP_DECERR;
    end else begin
        case (aw_reg)
            R_CTRL, R_CMD: begin
                wr_resp = (s_axil_wstrb != 4'b1111) ? RESP_SLVERR : RESP_OKAY;
            end
            R_ID, R_INFO, R_STATUS, R_SAMPLES, R_PEAKS, R_SAT, R_RR_AVG, R_SPK, R_NPK,
            R_LAST_PEAK: begin
                wr_resp = RESP_SLVERR;
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
            R_ID, R_INFO, R_CTRL, R_STATUS, R_SAMPLES, R_PEAKS, R_SAT, R_RR_AVG, R_SPK, R_NPK,
            R_LAST_PEAK: begin
                rd_resp = RESP_OKAY;
            end
            R_CMD: begin
                rd_resp = RESP_SLVERR;
            end
            default: begin
                rd_resp = RESP_DECERR;
            end
        endcase
    end
end

wire wr_ok = wr_go && wr_resp == RESP_OKAY;

reg [31:0] rd_value;

always @* begin
    case (rd_sel_reg)
        R_ID:        rd_value = ID;
        R_INFO:      rd_value = info;
        R_CTRL:      rd_value = {31'd0, mains50_reg};
        R_STATUS:    rd_value = {26'd0, status};
        R_SAMPLES:   rd_value = stat_samples;
        R_PEAKS:     rd_value = stat_peaks;
        R_SAT:       rd_value = stat_sat;
        R_RR_AVG:    rd_value = {16'd0, stat_rr_avg};
        R_SPK:       rd_value = {6'd0, stat_spk};
        R_NPK:       rd_value = {6'd0, stat_npk};
        R_LAST_PEAK: rd_value = stat_last_peak;
        default:     rd_value = 32'd0;
    endcase
end

always @(posedge clk) begin
    if (rst) begin
        mains50_reg <= 1'b0;
        bvalid_reg  <= 1'b0;
        bresp_reg   <= RESP_OKAY;
        rd_pend_reg <= 1'b0;
        rd_sel_reg  <= R_NONE;
        rd_resp_reg <= RESP_OKAY;
        rvalid_reg  <= 1'b0;
        rresp_reg   <= RESP_OKAY;
        rdata_reg   <= 32'd0;
    end else begin
        if (wr_go) begin
            bvalid_reg <= 1'b1;
            bresp_reg  <= wr_resp;
        end else if (s_axil_bready) begin
            bvalid_reg <= 1'b0;
        end
        if (wr_ok && aw_reg == R_CTRL) begin
            mains50_reg <= s_axil_wdata[0];
        end

        rd_pend_reg <= rd_go;
        if (rd_go) begin
            rd_sel_reg  <= ar_hi ? R_NONE : ar_reg;
            rd_resp_reg <= rd_resp;
        end
        if (rd_pend_reg) begin
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

assign ctrl_mains50  = mains50_reg;
assign cmd_restart   = wr_ok && aw_reg == R_CMD && s_axil_wdata[0];
assign cmd_clr_stats = wr_ok && aw_reg == R_CMD && s_axil_wdata[1];

endmodule

`resetall
