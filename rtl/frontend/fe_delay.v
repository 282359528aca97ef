// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// fe_delay -- a DEPTH-sample delay line with a zero initial state, written so that synthesis maps
// the storage to block or distributed RAM (one write port, one synchronous read port, no reset on
// the array).  On every push, din is stored and dout is the value pushed DEPTH pushes earlier, or
// 0 while fewer than DEPTH values have been pushed since reset: the fill counter masks whatever
// the (unreset) array held before, so a reset mid-stream restarts the line from zeros.
// dout is valid in every cycle (it is what the next push will return) and comes from a register:
// the RAM reads the two slots after the oldest in every cycle (addresses from the pointer
// register only), and a push moves the new oldest into dout, so the RAM's outputs drive only a
// register (block RAM clock-to-out stays off the datapath) and a read never meets the write of
// the same cycle (DEPTH >= 3).  Latency: none
// beyond the DEPTH pushes; throughput one push per clock.

module fe_delay #(
    // word width
    parameter W     = 16,
    // delay in pushes (>= 3)
    parameter DEPTH = 8,
    // address width
    parameter AW    = $clog2(DEPTH)
) (
    input  wire         clk,
    input  wire         rst,
    input  wire         push,
    input  wire [W-1:0] din,
    output wire [W-1:0] dout
);

`ifndef SYNTHESIS
initial begin
    if (DEPTH < 3) begin
        $error("fe_delay: DEPTH=%0d must be >= 3", DEPTH);
        $finish;
    end
    if (AW != $clog2(DEPTH)) begin
        $error("fe_delay: AW=%0d must be clog2(DEPTH)=%0d", AW, $clog2(DEPTH));
        $finish;
    end
end
`endif

localparam integer      LAST_I = DEPTH - 1;
localparam [AW-1:0]     LAST   = LAST_I[AW-1:0];
localparam integer      FILL_W = AW + 1;
localparam integer      DEPTH_I = DEPTH;
localparam [FILL_W-1:0] FULL   = DEPTH_I[FILL_W-1:0];

reg [W-1:0]      mem [0:DEPTH-1];
reg [AW-1:0]     ptr_reg;                         // oldest slot = the next one written
reg [FILL_W-1:0] fill_reg;                        // pushes since reset, saturating at DEPTH
reg [W-1:0]      rda_reg;                         // mem[ptr + 1], read every cycle
reg [W-1:0]      rdb_reg;                         // mem[ptr + 2], read every cycle
reg              push_q;                          // a push in the previous cycle
reg [W-1:0]      dout_reg;                        // the oldest value (0 until DEPTH pushes)

wire [AW-1:0]     ptr_inc   = (ptr_reg == LAST) ? {AW{1'b0}} : ptr_reg + 1'b1;
wire [AW-1:0]     ptr_inc2  = (ptr_inc == LAST) ? {AW{1'b0}} : ptr_inc + 1'b1;
wire [FILL_W-1:0] fill_next = (push && fill_reg != FULL) ? fill_reg + 1'b1 : fill_reg;

// the two slots after the oldest are read in every cycle, from addresses that do not depend on
// this cycle's push (so the stall logic stays off the RAM address); a push then moves the new
// oldest into dout_reg: slot ptr + 1 read a cycle ago, ptr + 2 if the pointer moved since
always @(posedge clk) begin
    if (push) begin
        mem[ptr_reg] <= din;
    end
    rda_reg <= mem[ptr_inc];
    rdb_reg <= mem[ptr_inc2];
end

always @(posedge clk) begin
    if (rst) begin
        ptr_reg  <= {AW{1'b0}};
        fill_reg <= {FILL_W{1'b0}};
        push_q   <= 1'b0;
        dout_reg <= {W{1'b0}};
    end else begin
        ptr_reg  <= push ? ptr_inc : ptr_reg;
        fill_reg <= fill_next;
        push_q   <= push;
        if (push) begin
            dout_reg <= (fill_next != FULL) ? {W{1'b0}} : push_q ? rdb_reg : rda_reg;
        end
    end
end

assign dout = dout_reg;

endmodule

`resetall
