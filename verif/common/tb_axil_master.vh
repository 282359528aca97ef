// SPDX-License-Identifier: Apache-2.0
// tb_axil_master.vh -- AXI4-Lite master of the plain-Verilog bench testbenches (tb_if_engine_bench,
// tb_cnn_engine_bench,
// tb_eprop_bench, tb_pipeline_bench), one access at a time.  Included in the bench module after
// tb_bench.vh and before the DUT, whose AXI4-Lite slave port is connected to the s_axil_*
// signals declared here with `TB_AXIL_PORTS.  The benches run
// everything in one clocked process (so the lines of one cycle are written in a fixed order),
// so this master is not a task that waits for handshakes: a bench starts an access with
// axil_write/axil_read and calls axil_step once every cycle, which samples the responses at
// that edge.
//
//   axil_write(addr, data)  AW and W driven valid together at this edge (wstrb all ones)
//   axil_read(addr)         AR driven valid at this edge
//   axil_step(done)         done = 1 at the edge the access completes (bvalid / rvalid), with
//                           axil_resp (and axil_rdata for a read); the master is idle again
//                           (axil_st == AXIL_IDLE), so the bench may start the next access in the
//                           same cycle.  "E awready_without_wready <cycle>" goes to the output
//                           file if the slave takes the address without the data.
// Only start an access while axil_st == AXIL_IDLE.  Uses fd_out and cycle of tb_bench.vh.
//
// Response back-pressure (plusarg +axil_resp_delay=N, default 4; 0 = bready and rready always
// high): bready / rready stay low until the access's response has waited 1 + a random 0..N
// cycles (one access in five 1 + 2N..4N, a long stall), then high for the handshake edge.  The
// draws come from this master's own xorshift32 generator seeded from +seed (default 1), so the
// bench's own random sequences (rng of tb_bench.vh) do not change with it.  axil_resp_stalls
// counts the cycles a valid response waited for its ready.
//
//   `TB_AXIL_PORTS(P)  the port connections of a DUT's AXI4-Lite slave port whose signals are
//                      named P<signal> (P = s_axil_, s2_axil_, ...) to this master; prot 0
//   `TB_AXIL_ADDR_W    address width (define before the include; default 8)

`ifndef TB_AXIL_ADDR_W
`define TB_AXIL_ADDR_W 8
`endif

reg  [`TB_AXIL_ADDR_W-1:0] s_axil_awaddr = {`TB_AXIL_ADDR_W{1'b0}};
reg         s_axil_awvalid = 1'b0;
wire        s_axil_awready;
reg  [31:0] s_axil_wdata = 32'd0;
reg  [3:0]  s_axil_wstrb = 4'd0;
reg         s_axil_wvalid = 1'b0;
wire        s_axil_wready;
wire [1:0]  s_axil_bresp;
wire        s_axil_bvalid;
reg         s_axil_bready;
reg  [`TB_AXIL_ADDR_W-1:0] s_axil_araddr = {`TB_AXIL_ADDR_W{1'b0}};
reg         s_axil_arvalid = 1'b0;
wire        s_axil_arready;
wire [31:0] s_axil_rdata;
wire [1:0]  s_axil_rresp;
wire        s_axil_rvalid;
reg         s_axil_rready;

localparam [2:0] AXIL_IDLE  = 3'd0;    // no access in flight
localparam [2:0] AXIL_WADDR = 3'd1;    // AW+W valid, waiting for awready
localparam [2:0] AXIL_WRESP = 3'd2;    // waiting for bvalid
localparam [2:0] AXIL_RADDR = 3'd3;    // AR valid, waiting for arready
localparam [2:0] AXIL_RDATA = 3'd4;    // waiting for rvalid

`ifndef TB_AXIL_PORTS
`define TB_AXIL_PORTS(P) \
    .P``awaddr (s_axil_awaddr), .P``awprot (3'd0), .P``awvalid (s_axil_awvalid), \
    .P``awready (s_axil_awready), .P``wdata (s_axil_wdata), .P``wstrb (s_axil_wstrb), \
    .P``wvalid (s_axil_wvalid), .P``wready (s_axil_wready), .P``bresp (s_axil_bresp), \
    .P``bvalid (s_axil_bvalid), .P``bready (s_axil_bready), .P``araddr (s_axil_araddr), \
    .P``arprot (3'd0), .P``arvalid (s_axil_arvalid), .P``arready (s_axil_arready), \
    .P``rdata (s_axil_rdata), .P``rresp (s_axil_rresp), .P``rvalid (s_axil_rvalid), \
    .P``rready (s_axil_rready)
`endif

reg  [2:0]  axil_st = AXIL_IDLE;
reg  [1:0]  axil_resp = 2'd0;          // response of the access that completed last
reg  [31:0] axil_rdata = 32'd0;        // data of the read that completed last

reg  [31:0] axil_resp_n;               // +axil_resp_delay
reg  [31:0] axil_rng;                  // this master's random generator
reg  [31:0] axil_wait = 32'd0;         // cycles the current response still waits for its ready
reg  [31:0] axil_resp_stalls = 32'd0;  // cycles a valid response waited for ready
reg  [31:0] axil_seed;

initial begin
    if (!$value$plusargs("axil_resp_delay=%d", axil_resp_n)) axil_resp_n = 32'd4;
    if (!$value$plusargs("seed=%d", axil_seed)) axil_seed = 32'd1;
    if (axil_resp_n > 32'd1000) begin
        $display("ERROR: +axil_resp_delay=%0d must be 0..1000", axil_resp_n);
        $finish;
    end
    axil_rng = axil_seed ^ 32'h5bd1e995;
    if (axil_rng == 32'd0) axil_rng = 32'h1;
    s_axil_bready = (axil_resp_n == 32'd0);
    s_axil_rready = (axil_resp_n == 32'd0);
end

// the response wait of the next access (called when it starts)
task axil_draw_wait;
    begin
        if (axil_resp_n != 32'd0) begin
            axil_rng = axil_rng ^ (axil_rng << 13);
            axil_rng = axil_rng ^ (axil_rng >> 17);
            axil_rng = axil_rng ^ (axil_rng << 5);
            if (axil_rng % 32'd5 == 32'd0) begin
                axil_rng = axil_rng ^ (axil_rng << 13);
                axil_rng = axil_rng ^ (axil_rng >> 17);
                axil_rng = axil_rng ^ (axil_rng << 5);
                axil_wait = 32'd2 * axil_resp_n + axil_rng % (32'd2 * axil_resp_n + 32'd1);
            end else begin
                axil_rng = axil_rng ^ (axil_rng << 13);
                axil_rng = axil_rng ^ (axil_rng >> 17);
                axil_rng = axil_rng ^ (axil_rng << 5);
                axil_wait = axil_rng % (axil_resp_n + 32'd1);
            end
        end
    end
endtask

// a response valid at this edge without its ready: count, and raise ready once it has waited
task axil_hold;
    output raise;
    begin
        axil_resp_stalls = axil_resp_stalls + 32'd1;
        raise = (axil_wait == 32'd0);
        if (axil_wait != 32'd0) axil_wait = axil_wait - 32'd1;
    end
endtask

reg axil_raise;

task axil_write;
    input [`TB_AXIL_ADDR_W-1:0] addr;
    input [31:0] data;
    begin
        s_axil_awaddr  <= addr;
        s_axil_wdata   <= data;
        s_axil_wstrb   <= 4'hF;
        s_axil_awvalid <= 1'b1;
        s_axil_wvalid  <= 1'b1;
        axil_draw_wait;
        axil_st = AXIL_WADDR;
    end
endtask

task axil_read;
    input [`TB_AXIL_ADDR_W-1:0] addr;
    begin
        s_axil_araddr  <= addr;
        s_axil_arvalid <= 1'b1;
        axil_draw_wait;
        axil_st = AXIL_RADDR;
    end
endtask

task axil_step;
    output done;
    begin
        done = 1'b0;
        case (axil_st)
            AXIL_WADDR: begin
                if (s_axil_awready) begin
                    if (!s_axil_wready) begin
                        $fdisplay(fd_out, "E awready_without_wready %0d", cycle);
                    end
                    s_axil_awvalid <= 1'b0;
                    s_axil_wvalid  <= 1'b0;
                    axil_st = AXIL_WRESP;
                end
            end
            AXIL_WRESP: begin
                if (s_axil_bvalid && s_axil_bready) begin
                    axil_resp = s_axil_bresp;
                    done      = 1'b1;
                    axil_st   = AXIL_IDLE;
                    if (axil_resp_n != 32'd0) s_axil_bready <= 1'b0;
                end else if (s_axil_bvalid) begin
                    axil_hold(axil_raise);
                    if (axil_raise) s_axil_bready <= 1'b1;
                end
            end
            AXIL_RADDR: begin
                if (s_axil_arready) begin
                    s_axil_arvalid <= 1'b0;
                    axil_st = AXIL_RDATA;
                end
            end
            AXIL_RDATA: begin
                if (s_axil_rvalid && s_axil_rready) begin
                    axil_resp  = s_axil_rresp;
                    axil_rdata = s_axil_rdata;
                    done       = 1'b1;
                    axil_st    = AXIL_IDLE;
                    if (axil_resp_n != 32'd0) s_axil_rready <= 1'b0;
                end else if (s_axil_rvalid) begin
                    axil_hold(axil_raise);
                    if (axil_raise) s_axil_rready <= 1'b1;
                end
            end
            default: ;
        endcase
    end
endtask
