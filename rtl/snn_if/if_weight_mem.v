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
// OUT_REG = 1 builds the array as rows of ROW_WORDS words (one block-RAM row each in synthesis:
// 2048 x 9 DP16KD on the ECP5), registers every row's output in the fabric before the row
// multiplexer and so has read latency 2: the row registers and the registered row index load
// at every edge at which oce is high, so rdata holds mem[raddr] of a read (re high at edge e)
// from the first edge after e at which oce was high, until the next such edge after a read.
// It also registers the write port: a write (we high at edge e) takes effect at edge e + 1, so
// a read at edge e + 1 of the word written at e returns the old word.  Every row reads at every
// read (no row decode in front of the block-RAM clock enables).
// The block RAM's own output register is not used (Yosys synth_ecp5 maps none), and its
// clock-to-out and the route across the rows then end in a register (docs/timing.md).  With
// OUT_REG = 1 the INIT_BANK images preload in simulation only.
// OUT_REG = 0: one array, latency 1, oce unused.

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
    parameter INIT_BANK3  = "",
    // 1: a fabric register per row output, read latency 2; 0: latency 1
    parameter OUT_REG     = 0,
    // words per row (OUT_REG = 1)
    parameter ROW_WORDS   = 2048
) (
    input  wire              clk,

    input  wire              we,
    input  wire [ADDR_W-1:0] waddr,
    input  wire [WORD_W-1:0] wdata,

    input  wire              re,
    input  wire [ADDR_W-1:0] raddr,
    // OUT_REG = 1: enable of the row output registers (hold them while the reader stalls)
    input  wire              oce,
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
    if (OUT_REG != 0 && (ROW_WORDS != (1 << $clog2(ROW_WORDS)) || ROW_WORDS >= (1 << ADDR_W))) begin
        $error("if_weight_mem: ROW_WORDS=%0d must be a power of two below 2**ADDR_W", ROW_WORDS);
        $finish;
    end
end
`endif

generate
if (OUT_REG == 0) begin : gen_flat

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

wire unused_oce = oce;

end else begin : gen_rows

localparam ROW_AW = $clog2(ROW_WORDS);
localparam RI_W   = ADDR_W - ROW_AW;                     // row index bits
localparam ROWS   = (DEPTH + ROW_WORDS - 1) / ROW_WORDS;

reg               we_reg;                               // the registered write port (no
                                                        // write at the first edge)
initial begin
    we_reg = 1'b0;
end
reg  [ADDR_W-1:0] waddr_reg;
reg  [WORD_W-1:0] wdata_reg;
wire [RI_W-1:0]   wrow = waddr_reg[ADDR_W-1:ROW_AW];
wire [RI_W-1:0]   rrow = raddr[ADDR_W-1:ROW_AW];
reg  [RI_W-1:0]   rrow1_reg;                            // row of the word in the block RAMs
wire [ROWS*WORD_W-1:0] q_sel;                           // the row registers, 0 unless selected

genvar r;
for (r = 0; r < ROWS; r = r + 1) begin : gen_row
    localparam [RI_W-1:0] RI = r;
    /*verilator coverage_off*/
    reg [WORD_W-1:0] row_mem [0:ROW_WORDS-1];
    /*verilator coverage_on*/
    reg [WORD_W-1:0] out_reg;                           // the block RAM's read register
    reg [WORD_W-1:0] q_reg;                             // the fabric register of the row
    reg              sel_reg;                           // q_reg holds the word read last

`ifndef SYNTHESIS
    // simulation preload: the bank images as one array, copied into the row (the rows do not
    // align with the banks, and $readmemh fills a range of one array from the start of a file);
    // synthesis with OUT_REG = 1 does not preload
    reg [WORD_W-1:0] init_reg [0:DEPTH-1];
    integer i;
    initial begin
        if (INIT_BANK0 != "" || INIT_BANK1 != "" || INIT_BANK2 != "" || INIT_BANK3 != "") begin
            if (INIT_BANK0 != "") begin
                $readmemh(INIT_BANK0, init_reg, 0, IMAGE_WORDS - 1);
            end
            if (INIT_BANK1 != "" && BANKS > 1) begin
                $readmemh(INIT_BANK1, init_reg, IMAGE_WORDS, 2 * IMAGE_WORDS - 1);
            end
            if (INIT_BANK2 != "" && BANKS > 2) begin
                $readmemh(INIT_BANK2, init_reg, 2 * IMAGE_WORDS, 3 * IMAGE_WORDS - 1);
            end
            if (INIT_BANK3 != "" && BANKS > 3) begin
                $readmemh(INIT_BANK3, init_reg, 3 * IMAGE_WORDS, 4 * IMAGE_WORDS - 1);
            end
            for (i = 0; i < ROW_WORDS && r * ROW_WORDS + i < DEPTH; i = i + 1) begin
                row_mem[i] = init_reg[r * ROW_WORDS + i];
            end
        end
    end
`endif

    always @(posedge clk) begin
        if (we_reg && wrow == RI) begin
            row_mem[waddr_reg[ROW_AW-1:0]] <= wdata_reg;
        end
        if (re) begin
            out_reg <= row_mem[raddr[ROW_AW-1:0]];
        end
        if (oce) begin
            q_reg       <= out_reg;
            sel_reg     <= rrow1_reg == RI;
        end
    end

    assign q_sel[r*WORD_W +: WORD_W] = q_reg & {WORD_W{sel_reg}};
end

always @(posedge clk) begin
    we_reg    <= we;
    waddr_reg <= waddr;
    wdata_reg <= wdata;
    if (re) begin
        rrow1_reg <= rrow;
    end
end

// the row multiplexer: an AND-OR over the one-hot row index (two LUT levels)
reg [WORD_W-1:0] rdata_mux;
integer k;
always @* begin
    rdata_mux = {WORD_W{1'b0}};
    for (k = 0; k < ROWS; k = k + 1) begin
        rdata_mux = rdata_mux | q_sel[k*WORD_W +: WORD_W];
    end
end

assign rdata = rdata_mux;

end
endgenerate

endmodule

`resetall
