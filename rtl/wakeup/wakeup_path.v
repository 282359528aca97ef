// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// wakeup_path -- wake-up path from the first-stage screen to the second-stage network, see
// docs/wakeup.md.  An "abnormal beat" request accepted on s_axis (tdata = the beat's slots,
// tuser = a beat tag) toggles the Click element's req_in; fire loads the bundled-data register
// (stage2_data / stage2_tag) and flips the Click's phase, so req_out != ack_out: stage2_valid
// rises and the clock gate of stage 2 opens.  Stage 2 runs on gclk_stage2 and answers by toggling
// stage2_done (= the Click's ack_out, a two-phase level: one transition per beat, launched by
// gclk_stage2); that closes the cycle: stage2_valid falls and the gate closes.  s_axis_tready is
// high only while the cycle is complete (back-pressure: one beat in flight, nothing lost), and
// gclk_stage2 has no edge at all while no request is outstanding.  Latency (cycles of clk, the
// handshake completing at rising edge h): fire is high in the handshake cycle; stage2_data and
// stage2_valid are valid from edge h; gclk_stage2's first edge is edge h+1; if stage 2 toggles
// stage2_done right after gated edge d, stage2_valid falls and s_axis_tready rises in that cycle
// and gclk_stage2 has no edge at d+1; it delivered d-h edges.  Back-to-back beats: one every
// d-h+1 cycles (the service edges plus one).  Reset (rst, synchronous on clk) clears the
// handshake state (req_in = ack_in = req_out = 0) and the counters and abandons a beat in flight
// (the data register keeps its value but is no longer qualified by stage2_valid); stage 2 must use
// stage2_rst (rst delayed by one cycle and stretched by one cycle) as its synchronous reset: the
// gate gives it exactly as many edges with stage2_rst high as rst had cycles, during
// which stage 2 must return stage2_done to 0.  Every stage-2 input (stage2_data, stage2_tag,
// stage2_rst, and stage2_valid except through stage 2's own stage2_done) is constant across every
// edge of gclk_stage2, so the gated clock's insertion delay cannot cause a hold race.

module wakeup_path #(
    // payload bits: the beat slots of the spike encoder
    parameter DATA_W     = `ECG_ENC_SLOTS,
    // beat tag carried with the payload (s_axis_tuser -> stage2_tag)
    parameter TAG_W      = 16,
    // width of the statistics counters (they wrap around)
    parameter CNT_W      = 32,
    // synthesis form of the clock gate (rtl/wakeup/clock_gate.v): 0 latch, 1 Xilinx BUFGCE,
    // 2 Lattice ECP5 DCCA (simulation: always the latch gate)
    parameter GATE_KIND  = 0
) (
    input  wire              clk,
    input  wire              rst,                 // synchronous, active high

    // abnormal-beat requests from stage 1 (valid/ready sink)
    input  wire [DATA_W-1:0] s_axis_tdata,        // the beat's spike slots
    input  wire [TAG_W-1:0]  s_axis_tuser,        // the beat's tag
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,

    // stage 2 side: everything here belongs to the gclk_stage2 domain
    output wire              gclk_stage2,         // gated clock (no edge while idle)
    output wire              stage2_rst,          // stage 2's synchronous reset (see above)
    output wire [DATA_W-1:0] stage2_data,         // bundled data, valid while stage2_valid
    output wire [TAG_W-1:0]  stage2_tag,
    output wire              stage2_valid,        // req_out != ack_out: a beat is outstanding
    input  wire              stage2_done,         // two-phase ack: toggled once per finished beat
    input  wire              cfg_wake,            // opens the gate while stage 2's configuration
                                                  // port is in use (0 when stage 2 has none)

    // Click element signals, for the testbench and debugging
    output wire              hs_req_in,
    output wire              hs_ack_in,
    output wire              hs_req_out,
    output wire              hs_ack_out,
    output wire              hs_fire,
    output wire              hs_gate_en,          // clock gate enable before its latch

    // statistics, cleared by rst, wrapping.  Excluded from toggle coverage (here and their
    // registers below): the upper bits of a 32-bit counter need 2^31 events to toggle.  Their
    // values are compared exactly at the end of every window of the testbench, and the
    // wakeup_cnt_wrap test (CNT_W = 4) toggles every bit and checks the wrap-around.
    /*verilator coverage_off*/
    output wire [CNT_W-1:0]  stat_wakeups,        // beats handed to stage 2 (fire pulses)
    output wire [CNT_W-1:0]  stat_gclk_edges,     // gated edges given to beats (not to resets)
    output wire [CNT_W-1:0]  stat_stall_cycles    // cycles with s_axis_tvalid && !s_axis_tready
    /*verilator coverage_on*/
);

// ---------------------------------------------------------------------------------------------
// Parameter checks
// ---------------------------------------------------------------------------------------------

`ifndef SYNTHESIS
initial begin
    if (DATA_W < 1 || TAG_W < 1) begin
        $error("wakeup_path: DATA_W=%0d and TAG_W=%0d must be >= 1", DATA_W, TAG_W);
        $finish;
    end
    if (CNT_W < 1 || CNT_W > 64) begin
        $error("wakeup_path: CNT_W=%0d must be 1..64", CNT_W);
        $finish;
    end
    if (GATE_KIND < 0 || GATE_KIND > 2) begin
        $error("wakeup_path: GATE_KIND=%0d must be 0, 1 or 2", GATE_KIND);
        $finish;
    end
end
`endif

localparam [CNT_W-1:0] CNT_ONE = {{(CNT_W-1){1'b0}}, 1'b1};

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

reg               req_in_reg, req_in_next;        // sender side of the two-phase request
reg               rst_d_reg;                      // rst, one cycle later
reg               stage2_rst_reg;                 // rst | rst_d_reg, registered
reg  [DATA_W-1:0] data_reg;                       // bundled data (no reset: qualified by
reg  [TAG_W-1:0]  tag_reg;                        //  stage2_valid, loaded only by fire)
/*verilator coverage_off*/
reg  [CNT_W-1:0]  wakeups_reg, wakeups_next;      // statistics (see the port list)
reg  [CNT_W-1:0]  gclk_edges_reg, gclk_edges_next;
reg  [CNT_W-1:0]  stall_reg, stall_next;
/*verilator coverage_on*/

// ---------------------------------------------------------------------------------------------
// Handshake
// ---------------------------------------------------------------------------------------------

wire ack_in;
wire req_out;
wire fire;
wire ack_out = stage2_done;

// a new beat only when the sender's previous request was acknowledged (req_in == ack_in) and
// stage 2 has finished the previous beat (req_out == ack_out); never during (stage 2's) reset
assign s_axis_tready = (req_in_reg == ack_in) && (req_out == ack_out) && !rst && !stage2_rst_reg;

wire accept = s_axis_tvalid && s_axis_tready;
wire req_in = req_in_reg ^ accept;                // toggles in the handshake cycle

click_element click_inst (
    .clk     (clk),
    .rst     (rst),
    .req_in  (req_in),
    .ack_in  (ack_in),
    .req_out (req_out),
    .ack_out (ack_out),
    .fire    (fire)
);

assign stage2_valid = req_out ^ ack_out;

// open while a beat is outstanding; forced open for the cycles after rst so that stage 2 sees
// its reset (closed in the first rst cycle, so no gated edge ever sees the handshake reset); and
// open while the host uses stage 2's configuration port (cfg_wake; those edges are not counted
// in stat_gclk_edges, which counts the edges given to beats)
wire gate_en = ((stage2_valid || cfg_wake) && !rst) || rst_d_reg;

clock_gate #(
    .GATE_KIND  (GATE_KIND)
) clock_gate_inst (
    .clk  (clk),
    .en   (gate_en),
    .gclk (gclk_stage2)
);

// ---------------------------------------------------------------------------------------------
// Next-state logic
// ---------------------------------------------------------------------------------------------

always @* begin
    req_in_next     = req_in;
    wakeups_next    = wakeups_reg + (fire ? CNT_ONE : {CNT_W{1'b0}});
    // the gated edge that follows this cycle belongs to a beat, not to a reset
    gclk_edges_next = gclk_edges_reg + ((stage2_valid && !rst_d_reg) ? CNT_ONE : {CNT_W{1'b0}});
    stall_next      = stall_reg + ((s_axis_tvalid && !s_axis_tready) ? CNT_ONE : {CNT_W{1'b0}});
end

// bundled data: loaded by fire, no reset
always @(posedge clk) begin
    if (fire) begin
        data_reg <= s_axis_tdata;
        tag_reg  <= s_axis_tuser;
    end
end

// reset pipeline for stage 2 (is itself the reset: no reset term)
always @(posedge clk) begin
    rst_d_reg      <= rst;
    stage2_rst_reg <= rst || rst_d_reg;
end

always @(posedge clk) begin
    if (rst) begin
        req_in_reg     <= 1'b0;
        wakeups_reg    <= {CNT_W{1'b0}};
        gclk_edges_reg <= {CNT_W{1'b0}};
        stall_reg      <= {CNT_W{1'b0}};
    end else begin
        req_in_reg     <= req_in_next;
        wakeups_reg    <= wakeups_next;
        gclk_edges_reg <= gclk_edges_next;
        stall_reg      <= stall_next;
    end
end

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

assign stage2_rst  = stage2_rst_reg;
assign stage2_data = data_reg;
assign stage2_tag  = tag_reg;

assign hs_req_in  = req_in;
assign hs_ack_in  = ack_in;
assign hs_req_out = req_out;
assign hs_ack_out = ack_out;
assign hs_fire    = fire;
assign hs_gate_en = gate_en;

assign stat_wakeups      = wakeups_reg;
assign stat_gclk_edges   = gclk_edges_reg;
assign stat_stall_cycles = stall_reg;

endmodule

`resetall
