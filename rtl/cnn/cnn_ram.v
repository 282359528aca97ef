// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// cnn_ram -- one memory of cnn_engine (activations, weights, quant words), see docs/cnn_rtl.md:
// DEPTH words of NB bytes, one synchronous write port with a write enable per byte and one
// synchronous read port with a read enable and two registers (the array read and an output
// register: latency 2, rdata holds mem[raddr] of the read two edges earlier until the next read
// reaches it), written so that synthesis infers simple-dual-port block RAM with its output
// register.  A read and a write of the same word in the same cycle return the old word.  The
// contents are not reset (they start cleared, as FPGA block RAM does).

module cnn_ram #(
    parameter DEPTH  = 2048,            // words
    parameter NB     = 4,               // bytes per word
    parameter ADDR_W = $clog2(DEPTH)
) (
    input  wire                clk,

    input  wire [NB-1:0]       we,      // one enable per byte
    input  wire [ADDR_W-1:0]   waddr,
    input  wire [8*NB-1:0]     wdata,

    input  wire                re,
    input  wire [ADDR_W-1:0]   raddr,
    output wire [8*NB-1:0]     rdata
);

`ifndef SYNTHESIS
initial begin
    if ((1 << ADDR_W) < DEPTH || DEPTH < 2) begin
        $error("cnn_ram: ADDR_W=%0d cannot address DEPTH=%0d words", ADDR_W, DEPTH);
        $finish;
    end
end
`endif

// the array is excluded from toggle coverage: data contents, every byte compared by the tests
/*verilator coverage_off*/
reg [8*NB-1:0] mem_reg [0:DEPTH-1];
/*verilator coverage_on*/
reg [8*NB-1:0] q0_reg;
reg [8*NB-1:0] q1_reg;

// FPGA block RAM powers up cleared: the simulation model starts the same (never reset)
integer i;
initial begin
    for (i = 0; i < DEPTH; i = i + 1) begin
        mem_reg[i] = {8*NB{1'b0}};
    end
    q0_reg = {8*NB{1'b0}};
    q1_reg = {8*NB{1'b0}};
end

always @(posedge clk) begin
    for (i = 0; i < NB; i = i + 1) begin
        if (we[i]) begin
            mem_reg[waddr][8*i +: 8] <= wdata[8*i +: 8];
        end
    end
end

always @(posedge clk) begin
    if (re) begin
        q0_reg <= mem_reg[raddr];
    end
    q1_reg <= q0_reg;
end

assign rdata = q1_reg;

endmodule

`resetall
