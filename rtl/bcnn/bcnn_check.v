// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none
`include "ecg_formats.vh"

// bcnn_check -- the parameter-image checker of bcnn_engine (docs/bcnn_rtl.md "Image check"):
// after start it reads the image words 0, 1, 2, ... one per cycle (read latency 2) and checks
// what golden.bcnn.unpack_image checks: the header (magic, version and reserved byte, N_CLASSES
// in 1..N_CLASSES_MAX), the word count 3,203 + 79 N_CLASSES, the XOR checksum, the reserved bits
// of every conv1 weight word, threshold word and bias word, every threshold inside [-R, R + 1] of
// its unit and every FC bias inside BCNN_BIAS.  A header error ends the check at once; otherwise
// the whole image is read and the code is the first of CHECKSUM, RESERVED, THRESHOLD, BIAS that
// applies (golden's order).  done pulses once with code (0: the image is good) and n_classes.
// Duration: 6 cycles for a header error, else 3,205 + 79 N_CLASSES cycles.

module bcnn_check #(
    parameter N_CLASSES_MAX = `ECG_BCNN_N_CLASSES_MAX,
    parameter PMA           = 14                       // image word address bits
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            start,

    output wire            re,
    output wire [PMA-1:0]  raddr,
    input  wire [63:0]     rdata,                      // word raddr of two cycles earlier

    output wire            busy,
    output wire            done,
    output wire [7:0]      code,
    output wire [7:0]      n_classes
);

localparam [7:0] E_NONE = `ECG_BCNN_ERR_NONE;
localparam [7:0] E_MAGIC = `ECG_BCNN_ERR_MAGIC;
localparam [7:0] E_VER = `ECG_BCNN_ERR_VERSION;
localparam [7:0] E_NCL = `ECG_BCNN_ERR_N_CLASSES;
localparam [7:0] E_CNT = `ECG_BCNN_ERR_WORD_COUNT;
localparam [7:0] E_CHK = `ECG_BCNN_ERR_CHECKSUM;
localparam [7:0] E_RES = `ECG_BCNN_ERR_RESERVED;
localparam [7:0] E_THR = `ECG_BCNN_ERR_THRESHOLD;
localparam [7:0] E_BIAS = `ECG_BCNN_ERR_BIAS;
localparam [31:0] MAGIC = `ECG_BCNN_MAGIC;
localparam [7:0]  VER   = `ECG_BCNN_VERSION;

reg            busy_reg;
reg            done_reg;
reg  [7:0]     code_reg;
reg  [7:0]     ncl_reg;
reg  [PMA-1:0] ia_reg;          // issue address
reg            idone_reg;       // the checksum word has been issued
reg            iv1_reg;         // a read in flight, stage 1 / 2
reg            iv2_reg;
reg  [PMA-1:0] a1_reg;
reg  [PMA-1:0] a2_reg;          // address of rdata
reg  [PMA-1:0] last_reg;        // address of the checksum word (valid after word 0)
reg  [63:0]    xor_reg;
reg  [2:0]     sec_reg;         // section of word a2: 0..3 conv1..conv4, 4 FC
reg  [6:0]     wif_reg;         // word in filter / class
reg  [7:0]     flt_reg;         // filter / class within the section
reg            f_res_reg;
reg            f_thr_reg;
reg            f_bias_reg;

// words per filter (weights + threshold) and filters of each section
function [6:0] wt_of;
    input [2:0] s;
    begin
        case (s)
            3'd0:    wt_of = 7'd2;
            3'd1:    wt_of = 7'd15;
            3'd2:    wt_of = 7'd8;
            3'd3:    wt_of = 7'd15;
            default: wt_of = 7'd79;
        endcase
    end
endfunction

function [7:0] nf_of;
    input [2:0] s;
    begin
        case (s)
            3'd0:    nf_of = 8'd128;
            3'd1:    nf_of = 8'd64;
            3'd2:    nf_of = 8'd128;
            default: nf_of = 8'd64;
        endcase
    end
endfunction

function signed [31:0] r_of;
    input [2:0] s;
    begin
        case (s)
            3'd0:    r_of = `ECG_BCNN_R1;
            3'd1:    r_of = `ECG_BCNN_R2;
            3'd2:    r_of = `ECG_BCNN_R3;
            default: r_of = `ECG_BCNN_R4;
        endcase
    end
endfunction

wire [15:0]        w_ncl   = rdata[15:0];
// 79 n as shifts and adds (no multiplier): 64 n + 16 n - n
function [31:0] times79;
    input [15:0] n;
    begin
        times79 = {10'd0, n, 6'd0} + {12'd0, n, 4'd0} - {16'd0, n};
    end
endfunction

wire [31:0]        nw_calc = `ECG_BCNN_FIXED_WORDS + times79(w_ncl);
wire [31:0]        nw_have = `ECG_BCNN_FIXED_WORDS + times79({8'd0, ncl_reg});
wire signed [31:0] t_val   = rdata[31:0];
wire signed [31:0] r_cur   = r_of(sec_reg);
wire               t_bad   = (t_val < -r_cur) || (t_val > r_cur + 32'sd1);
wire               last_w  = wif_reg == wt_of(sec_reg) - 7'd1;
wire               b_bad   = rdata[31:23] != {9{rdata[23]}};
localparam integer NCM = N_CLASSES_MAX;
wire               issuing = busy_reg && !idone_reg && !start;

always @(posedge clk) begin
    if (rst) begin
        busy_reg <= 1'b0;
        done_reg <= 1'b0;
        code_reg <= E_NONE;
        ncl_reg  <= 8'd0;
        iv1_reg  <= 1'b0;
        iv2_reg  <= 1'b0;
        idone_reg <= 1'b1;
    end else begin
        done_reg <= 1'b0;
        iv1_reg  <= issuing;
        a1_reg   <= ia_reg;
        iv2_reg  <= iv1_reg && busy_reg && !start;
        a2_reg   <= a1_reg;
        if (start) begin
            busy_reg   <= 1'b1;
            idone_reg  <= 1'b0;
            ia_reg     <= {PMA{1'b0}};
            iv1_reg    <= 1'b0;
            last_reg   <= {PMA{1'b1}};
            xor_reg    <= 64'd0;
            sec_reg    <= 3'd0;
            wif_reg    <= 7'd0;
            flt_reg    <= 8'd0;
            f_res_reg  <= 1'b0;
            f_thr_reg  <= 1'b0;
            f_bias_reg <= 1'b0;
            ncl_reg    <= 8'd0;
        end else if (busy_reg) begin
            if (issuing) begin
                ia_reg <= ia_reg + {{(PMA-1){1'b0}}, 1'b1};
                if (ia_reg == last_reg) begin
                    idone_reg <= 1'b1;
                end
            end
            // check the word that arrives
            if (iv2_reg) begin
                if (a2_reg != last_reg) begin
                    xor_reg <= xor_reg ^ rdata;
                end
                if (a2_reg == {PMA{1'b0}}) begin
                    if (rdata[63:32] != MAGIC) begin
                        busy_reg <= 1'b0; done_reg <= 1'b1; code_reg <= E_MAGIC;
                    end else if (rdata[31:24] != VER || rdata[23:16] != 8'd0) begin
                        busy_reg <= 1'b0; done_reg <= 1'b1; code_reg <= E_VER;
                    end else if (w_ncl == 16'd0 || {16'd0, w_ncl} > NCM) begin
                        busy_reg <= 1'b0; done_reg <= 1'b1; code_reg <= E_NCL;
                    end else begin
                        last_reg <= nw_calc[PMA-1:0] - {{(PMA-1){1'b0}}, 1'b1};
                        ncl_reg  <= w_ncl[7:0];
                    end
                end else if (a2_reg == {{(PMA-1){1'b0}}, 1'b1}) begin
                    if (rdata != {32'd0, nw_have}) begin
                        busy_reg <= 1'b0; done_reg <= 1'b1; code_reg <= E_CNT;
                        ncl_reg  <= 8'd0;
                    end
                end else if (a2_reg == last_reg) begin
                    busy_reg <= 1'b0;
                    done_reg <= 1'b1;
                    if (rdata != xor_reg) begin
                        code_reg <= E_CHK;
                    end else if (f_res_reg) begin
                        code_reg <= E_RES;
                    end else if (f_thr_reg) begin
                        code_reg <= E_THR;
                    end else if (f_bias_reg) begin
                        code_reg <= E_BIAS;
                    end else begin
                        code_reg <= E_NONE;
                    end
                    if (rdata != xor_reg || f_res_reg || f_thr_reg || f_bias_reg) begin
                        ncl_reg <= 8'd0;
                    end
                end else begin
                    // a parameter word: its role from (section, word in filter)
                    if (sec_reg == 3'd4) begin
                        if (last_w && rdata[63:32] != 32'd0) f_res_reg <= 1'b1;
                        if (last_w && b_bad) f_bias_reg <= 1'b1;
                    end else begin
                        if (sec_reg == 3'd0 && !last_w && rdata[63:7] != 57'd0) f_res_reg <= 1'b1;
                        if (last_w && rdata[63:33] != 31'd0) f_res_reg <= 1'b1;
                        if (last_w && t_bad) f_thr_reg <= 1'b1;
                    end
                    if (last_w) begin
                        wif_reg <= 7'd0;
                        if (sec_reg != 3'd4 && flt_reg == nf_of(sec_reg) - 8'd1) begin
                            flt_reg <= 8'd0;
                            sec_reg <= sec_reg + 3'd1;
                        end else begin
                            flt_reg <= flt_reg + 8'd1;
                        end
                    end else begin
                        wif_reg <= wif_reg + 7'd1;
                    end
                end
            end
        end
    end
end

assign re        = issuing;
assign raddr     = ia_reg;
assign busy      = busy_reg;
assign done      = done_reg;
assign code      = code_reg;
assign n_classes = ncl_reg;

wire unused_nw = ^{nw_calc[31:PMA], w_ncl};

endmodule

`resetall
