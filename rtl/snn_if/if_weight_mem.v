// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// if_weight_mem -- the weight/bias/threshold memory of the IF engine, see docs/snn_if_rtl.md:
// BANKS images of IMAGE_WORDS words of WORD_W bits (golden/snn_if.py pack_bank layout), bank b
// at physical words b*IMAGE_WORDS .. b*IMAGE_WORDS+IMAGE_WORDS-1.  One synchronous write port
// and one synchronous read port with a read enable and a registered output (latency 1: rdata
// holds mem[raddr] from the edge at which re was high until the next such edge), written so that
// synthesis infers simple-dual-port block RAM.  A read and a write of the same word in the same
// cycle return the old word (read-first).  The contents are not reset.  Optional $readmemh
// images (INIT_BANK0..3, the files golden/snn_if.py write_hex produces) preload the banks.

module if_weight_mem #(
    // memory word width (16 int8 lanes)
    parameter WORD_W      = 128,
    // words per bank image
    parameter IMAGE_WORDS = 2918,
    // number of banks
    parameter BANKS       = 4,
    // physical address width
    parameter ADDR_W      = $clog2(BANKS * IMAGE_WORDS),
    // optional $readmemh images of banks 0..3 ("" = none)
    parameter INIT_BANK0  = "",
    parameter INIT_BANK1  = "",
    parameter INIT_BANK2  = "",
    parameter INIT_BANK3  = ""
) (
    input  wire              clk,

    input  wire              we,
    input  wire [ADDR_W-1:0] waddr,
    input  wire [WORD_W-1:0] wdata,

    input  wire              re,
    input  wire [ADDR_W-1:0] raddr,
    output wire [WORD_W-1:0] rdata
);

localparam DEPTH = BANKS * IMAGE_WORDS;

`ifndef SYNTHESIS
initial begin
    if ((1 << ADDR_W) < DEPTH) begin
        $error("if_weight_mem: ADDR_W=%0d cannot address %0d words", ADDR_W, DEPTH);
        $finish;
    end
    if (BANKS < 1 || BANKS > 4) begin
        $error("if_weight_mem: BANKS=%0d must be 1..4", BANKS);
        $finish;
    end
end
`endif

// The array is excluded from toggle coverage: 1.5 Mbit of contents that the testbench writes and
// reads back word by word over AXI4-Lite (every word compared), not control logic.
/*verilator coverage_off*/
reg [WORD_W-1:0] mem_reg [0:DEPTH-1];
/*verilator coverage_on*/
reg [WORD_W-1:0] rdata_reg;

initial begin
    if (INIT_BANK0 != "") begin
        $readmemh(INIT_BANK0, mem_reg, 0, IMAGE_WORDS - 1);
    end
    if (INIT_BANK1 != "" && BANKS > 1) begin
        $readmemh(INIT_BANK1, mem_reg, IMAGE_WORDS, 2 * IMAGE_WORDS - 1);
    end
    if (INIT_BANK2 != "" && BANKS > 2) begin
        $readmemh(INIT_BANK2, mem_reg, 2 * IMAGE_WORDS, 3 * IMAGE_WORDS - 1);
    end
    if (INIT_BANK3 != "" && BANKS > 3) begin
        $readmemh(INIT_BANK3, mem_reg, 3 * IMAGE_WORDS, 4 * IMAGE_WORDS - 1);
    end
end

always @(posedge clk) begin
    if (we) begin
        mem_reg[waddr] <= wdata;
    end
    if (re) begin
        rdata_reg <= mem_reg[raddr];
    end
end

assign rdata = rdata_reg;

endmodule

`resetall
