// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
// axil_fault_slave -- a four-register AXI4-Lite slave for verifying the testbench's AXI4-Lite
// protocol checker (verif/common/axil.py AxilMonitor), not part of any design.  FAULT = 0 is a
// correct slave (one access at a time, registered responses that wait for their ready).  Each
// other value breaks exactly one rule, so a test can show that the checker catches it:
//   1  rvalid dropped after one cycle without rready      2  bvalid dropped without bready
//   3  a second B response after the handshake            4  rdata changes while R is stalled
module axil_fault_slave #(
    parameter FAULT = 0                     // which rule to break (0 = none)
) (
    input  wire        clk,
    input  wire        rst,
    input  wire [3:0]  s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [3:0]  s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready
);
    initial begin
        if (FAULT < 0 || FAULT > 4) begin
            $error("axil_fault_slave: FAULT must be 0..4");
            $finish;
        end
    end

    reg [31:0] regs_q [0:3];
    reg        bvalid_q = 1'b0, rvalid_q = 1'b0, extra_b_q = 1'b0;
    reg [31:0] rdata_q = 32'd0;
    reg        stalled_q = 1'b0;            // the response waited one cycle already

    wire wr_go = s_axil_awvalid && s_axil_wvalid && !bvalid_q && !extra_b_q;
    wire rd_go = s_axil_arvalid && !rvalid_q;
    assign s_axil_awready = wr_go;
    assign s_axil_wready  = wr_go;
    assign s_axil_arready = rd_go;
    assign s_axil_bvalid  = bvalid_q || extra_b_q;
    assign s_axil_bresp   = 2'b00;
    assign s_axil_rvalid  = rvalid_q;
    assign s_axil_rdata   = rdata_q;
    assign s_axil_rresp   = 2'b00;

    integer i;
    always @(posedge clk) begin
        extra_b_q <= 1'b0;
        if (wr_go) begin
            regs_q[s_axil_awaddr[3:2]] <= s_axil_wdata;
            bvalid_q <= 1'b1;
            stalled_q <= 1'b0;
        end else if (bvalid_q) begin
            if (s_axil_bready) begin
                bvalid_q  <= 1'b0;
                extra_b_q <= (FAULT == 3);
            end else if (FAULT == 2 && stalled_q) begin
                bvalid_q <= 1'b0;
            end
            stalled_q <= !s_axil_bready;
        end
        if (rd_go) begin
            rdata_q  <= regs_q[s_axil_araddr[3:2]];
            rvalid_q <= 1'b1;
            stalled_q <= 1'b0;
        end else if (rvalid_q) begin
            if (s_axil_rready) rvalid_q <= 1'b0;
            else if (FAULT == 1 && stalled_q) rvalid_q <= 1'b0;
            else if (FAULT == 4) rdata_q <= rdata_q + 32'd1;
            stalled_q <= !s_axil_rready;
        end
        if (rst) begin
            bvalid_q  <= 1'b0;
            rvalid_q  <= 1'b0;
            extra_b_q <= 1'b0;
            stalled_q <= 1'b0;
            for (i = 0; i < 4; i = i + 1) regs_q[i] <= 32'd0;
        end
    end

    wire unused = &{1'b0, s_axil_awprot, s_axil_arprot, s_axil_wstrb, s_axil_awaddr[1:0], s_axil_araddr[1:0]};
endmodule
`resetall
