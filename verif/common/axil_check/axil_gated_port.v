// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
// axil_gated_port -- verification wrapper, not part of any design: the AXI4-Lite slave
// axil_fault_slave (FAULT = 0, a correct slave) on a gated clock, kept awake by the RTL's
// axil_wake exactly as ecg_pipeline_top does for its stage-2 port (gate open while axil_wake's
// wake is high, and during rst so that the slave sees its reset).  The fault input breaks the
// wake-up logic's view of the port, so a test can show that the AXI4-Lite checker catches a gate
// that closes before the response handshake (a stale response left in the slave); it is an input,
// constant during a run, so one build serves every test:
//   fault = 0  correct
//   fault = 1  axil_wake sees bready high: the gate closes once bvalid rises, before the master's bready
//   fault = 2  axil_wake sees rready high: the same for R
// gclk is an output so that a test can count the slave's edges.
module axil_gated_port (
    input  wire        clk,
    input  wire        rst,
    input  wire [1:0]  fault,               // which view to break (0 = none)
    output wire        gclk,
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
    wire wake;

    axil_wake wake_inst (
        .clk     (clk),
        .rst     (rst),
        .awvalid (s_axil_awvalid),
        .awready (s_axil_awready),
        .wvalid  (s_axil_wvalid),
        .arvalid (s_axil_arvalid),
        .arready (s_axil_arready),
        .bvalid  (s_axil_bvalid),
        .bready  (s_axil_bready || (fault == 2'd1)),
        .rvalid  (s_axil_rvalid),
        .rready  (s_axil_rready || (fault == 2'd2)),
        .wake    (wake)
    );

    clock_gate #(
        .GATE_KIND (0)
    ) gate_inst (
        .clk  (clk),
        .en   (wake || rst),
        .gclk (gclk)
    );

    axil_fault_slave #(
        .FAULT (0)
    ) slave_inst (
        .clk            (gclk),
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
        .s_axil_rready  (s_axil_rready)
    );
endmodule
`resetall
