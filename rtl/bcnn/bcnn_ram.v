// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// bcnn_ram -- one memory of bcnn_engine (a parameter bank, a feature map, the sample buffer,
// the PE weight buffer), see docs/bcnn_rtl.md: DEPTH words of WIDTH bits, one synchronous write
// port with one enable per byte and one synchronous read port with a read enable and two
// registers (latency 2: rdata holds mem[raddr] of the read two edges earlier until the next read
// reaches it), written so that synthesis infers simple-dual-port block RAM with its output
// register.  A read and a write of the same word in one cycle return the old word.  The contents
// are not reset (they start cleared, as FPGA block RAM does); INIT_FILE ("" = none) preloads word
// i with word INIT_OFFSET + INIT_STRIDE * i of a $readmemh file of up to INIT_WORDS words (the
// parameter banks take every fourth word of one image).

module bcnn_ram #(
    parameter WIDTH       = 64,               // bits per word (a multiple of 8)
    parameter DEPTH       = 512,              // words
    parameter ADDR_W      = $clog2(DEPTH),
    parameter INIT_FILE   = "",               // $readmemh image ("" = none)
    parameter INIT_WORDS  = 1,                // words the file may hold
    parameter INIT_STRIDE = 1,                // word i <- file word INIT_OFFSET + INIT_STRIDE * i
    parameter INIT_OFFSET = 0
) (
    input  wire                   clk,
    input  wire                   en,         // advance the read pipeline (0: trace stall)

    input  wire [WIDTH/8-1:0]     we,         // one enable per byte
    input  wire [ADDR_W-1:0]      waddr,
    input  wire [WIDTH-1:0]       wdata,

    input  wire                   re,
    input  wire [ADDR_W-1:0]      raddr,
    output wire [WIDTH-1:0]       rdata
);

`ifndef SYNTHESIS
initial begin
    if ((1 << ADDR_W) < DEPTH || DEPTH < 2 || WIDTH % 8 != 0) begin
        $error("bcnn_ram: ADDR_W=%0d, DEPTH=%0d, WIDTH=%0d: illegal", ADDR_W, DEPTH, WIDTH);
        $finish;
    end
end
`endif

// the array is excluded from toggle coverage: data contents, every value compared by the tests
/*verilator coverage_off*/
reg [WIDTH-1:0] mem_reg [0:DEPTH-1];
/*verilator coverage_on*/
reg [WIDTH-1:0] q0_reg;
reg [WIDTH-1:0] q1_reg;

integer i;
generate
    if (INIT_FILE != "") begin : gen_init
        /*verilator coverage_off*/
        reg [WIDTH-1:0] img_reg [0:INIT_WORDS-1];
        /*verilator coverage_on*/
        initial begin
            for (i = 0; i < INIT_WORDS; i = i + 1) begin
                img_reg[i] = {WIDTH{1'b0}};
            end
            $readmemh(INIT_FILE, img_reg);
            for (i = 0; i < DEPTH; i = i + 1) begin
                if (INIT_OFFSET + INIT_STRIDE * i < INIT_WORDS) begin
                    mem_reg[i] = img_reg[INIT_OFFSET + INIT_STRIDE * i];
                end else begin
                    mem_reg[i] = {WIDTH{1'b0}};
                end
            end
            q0_reg = {WIDTH{1'b0}};
            q1_reg = {WIDTH{1'b0}};
        end
    end else begin : gen_clear
        initial begin
            for (i = 0; i < DEPTH; i = i + 1) begin
                mem_reg[i] = {WIDTH{1'b0}};
            end
            q0_reg = {WIDTH{1'b0}};
            q1_reg = {WIDTH{1'b0}};
        end
    end
endgenerate

integer b;
always @(posedge clk) begin
    for (b = 0; b < WIDTH / 8; b = b + 1) begin
        if (we[b]) begin
            mem_reg[waddr][8*b +: 8] <= wdata[8*b +: 8];
        end
    end
end

always @(posedge clk) begin
    if (en) begin
        if (re) begin
            q0_reg <= mem_reg[raddr];
        end
        q1_reg <= q0_reg;
    end
end

assign rdata = q1_reg;

endmodule

`resetall
