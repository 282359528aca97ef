// SPDX-License-Identifier: Apache-2.0
`default_nettype none
// if_axil_regs_props -- formal properties of rtl/snn_if/if_axil_regs.v as an AXI4-Lite slave,
// kept out of the RTL: this wrapper instantiates the slave with every input free, assumes a
// legal master (valid held with a stable payload until ready, reset at the start) and asserts
// the slave's side of the bus:
//   * B and R: a valid without its ready stays high with a stable payload until the handshake;
//   * no response without an accepted request (counted per channel), so no second response;
//   * at most one write and one read outstanding (the slave's documented behaviour);
//   * every accepted access is answered: a response is valid within RESP_MAX cycles of the
//     access being complete (bounded liveness; the engine-side inputs are unconstrained).
// Run by scripts/formal.sh (make formal) with SymbiYosys; the .sby files give the depth.
module if_axil_regs_props #(
    parameter ADDR_W      = 8,
    parameter IMAGE_WORDS = 2918,
    parameter [31:0] ID   = 32'h4946_4531,
    parameter MEM_LAT     = 1,              // read latency of the memory port (2: IF engine)
    parameter RESP_MAX    = 4               // cycles from a complete access to its response
) (
    input wire              clk,
    input wire              rst,
    input wire [ADDR_W-1:0] s_axil_awaddr,
    input wire [2:0]        s_axil_awprot,
    input wire              s_axil_awvalid,
    input wire [31:0]       s_axil_wdata,
    input wire [3:0]        s_axil_wstrb,
    input wire              s_axil_wvalid,
    input wire              s_axil_bready,
    input wire [ADDR_W-1:0] s_axil_araddr,
    input wire [2:0]        s_axil_arprot,
    input wire              s_axil_arvalid,
    input wire              s_axil_rready,
    input wire [31:0]       info,
    input wire              busy,
    input wire              dec_valid,
    input wire [15:0]       status_hi,
    input wire [31:0]       stat_beats,
    input wire [31:0]       stat_sat_total,
    input wire [14:0]       stat_cycles,
    input wire [18:0]       stat_events,
    input wire [10:0]       stat_sat_last,
    input wire [127:0]      mem_rdata
);
    localparam MEM_AW = $clog2(4 * IMAGE_WORDS);
    wire awready, wready, bvalid, arready, rvalid;
    wire [1:0] bresp, rresp;
    wire [31:0] rdata;
    wire ctrl_mode, clr_stats, mem_we, mem_re;
    wire [1:0] ctrl_bank;
    wire [MEM_AW-1:0] mem_waddr, mem_raddr;
    wire [127:0] mem_wdata;

    if_axil_regs #(.ADDR_W(ADDR_W), .IMAGE_WORDS(IMAGE_WORDS), .ID(ID), .MEM_LAT(MEM_LAT)) dut (
        .clk(clk), .rst(rst),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot), .s_axil_awvalid(s_axil_awvalid),
        .s_axil_awready(awready), .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
        .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(wready), .s_axil_bresp(bresp),
        .s_axil_bvalid(bvalid), .s_axil_bready(s_axil_bready), .s_axil_araddr(s_axil_araddr),
        .s_axil_arprot(s_axil_arprot), .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(arready),
        .s_axil_rdata(rdata), .s_axil_rresp(rresp), .s_axil_rvalid(rvalid), .s_axil_rready(s_axil_rready),
        .info(info), .busy(busy), .dec_valid(dec_valid), .status_hi(status_hi),
        .stat_beats(stat_beats), .stat_sat_total(stat_sat_total), .stat_cycles(stat_cycles),
        .stat_events(stat_events), .stat_sat_last(stat_sat_last),
        .ctrl_mode(ctrl_mode), .ctrl_bank(ctrl_bank), .clr_stats(clr_stats),
        .mem_we(mem_we), .mem_waddr(mem_waddr), .mem_wdata(mem_wdata), .mem_re(mem_re),
        .mem_raddr(mem_raddr), .mem_rdata(mem_rdata));

    reg past_ok = 1'b0;                     // a previous cycle exists and was out of reset
    always @(posedge clk) past_ok <= !rst;

    // the environment: reset first, then a legal master
    initial assume (rst);
    always @(posedge clk) if (past_ok && !rst) begin
        if ($past(s_axil_awvalid && !awready)) assume (s_axil_awvalid && $stable(s_axil_awaddr));
        if ($past(s_axil_wvalid && !wready))   assume (s_axil_wvalid && $stable(s_axil_wdata) && $stable(s_axil_wstrb));
        if ($past(s_axil_arvalid && !arready)) assume (s_axil_arvalid && $stable(s_axil_araddr));
    end

    // accepted requests and responses, per channel, since reset
    reg [3:0] n_aw = 0, n_w = 0, n_b = 0, n_ar = 0, n_r = 0;
    always @(posedge clk) begin
        if (rst) begin
            n_aw <= 0; n_w <= 0; n_b <= 0; n_ar <= 0; n_r <= 0;
        end else begin
            n_aw <= n_aw + (s_axil_awvalid && awready);
            n_w  <= n_w  + (s_axil_wvalid && wready);
            n_b  <= n_b  + (bvalid && s_axil_bready);
            n_ar <= n_ar + (s_axil_arvalid && arready);
            n_r  <= n_r  + (rvalid && s_axil_rready);
        end
    end
    wire [3:0] n_wr = (n_aw < n_w) ? n_aw : n_w;   // complete write requests
    wire wr_pend = (n_wr != n_b);
    wire rd_pend = (n_ar != n_r);

    // cycles a complete access has waited without its response valid
    reg [3:0] b_wait = 0, r_wait = 0;
    always @(posedge clk) begin
        b_wait <= (rst || !wr_pend || bvalid) ? 4'd0 : b_wait + 4'd1;
        r_wait <= (rst || !rd_pend || rvalid) ? 4'd0 : r_wait + 4'd1;
    end

    always @(posedge clk) if (!rst) begin
        // no response without a request (hence no second response to one access)
        if (bvalid) assert (wr_pend);
        if (rvalid) assert (rd_pend);
        // one access per direction outstanding, requests never run ahead of responses by more
        assert (n_aw - n_b <= 1 && n_w - n_b <= 1);
        assert (n_ar - n_r <= 1);
        // every accepted access is answered
        assert (b_wait <= RESP_MAX);
        assert (r_wait <= RESP_MAX);
        if (past_ok) begin
            // a response waits with a stable payload for its ready
            if ($past(bvalid && !s_axil_bready)) assert (bvalid && $stable(bresp));
            if ($past(rvalid && !s_axil_rready)) assert (rvalid && $stable(rdata) && $stable(rresp));
        end
    end
    // a response valid right after reset would have no request
    always @(posedge clk) if (!rst && !past_ok) assert (!bvalid && !rvalid);
endmodule
