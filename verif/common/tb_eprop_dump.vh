// SPDX-License-Identifier: Apache-2.0
// tb_eprop_dump.vh -- the end-of-run dump of an e-prop engine's memories, shared by the benches
// that end with one (verif/eprop/tb_eprop_bench.v: the engine itself; verif/system/
// tb_pipeline_bench.v: stage 2 of ecg_pipeline_top), so that scripts/bench_eprop.py and
// scripts/bench_pipeline.py compare the same M lines with the golden weights and accumulators.
// A macro, not a task, because the engine instance is a different hierarchical path in each.
//
//   `TB_EPROP_DUMP(ENG)  a statement: for every word 0..402 (the weight image's IMAGE_WORDS),
//       M <word 3h> <weights 32h> <acc 96h>
//   to fd_out (tb_bench.vh): the weight memory word and the three accumulator slices
//   {slice 2, slice 1, slice 0}, 0 where the word's valid bit is clear.  ENG is the hierarchical
//   path of the eprop_engine instance (e.g. dut_inst).

`ifndef TB_EPROP_DUMP_VH
`define TB_EPROP_DUMP_VH

`define TB_EPROP_DUMP(ENG) \
    begin : eprop_dump \
        integer mi; \
        for (mi = 0; mi < 403; mi = mi + 1) begin \
            $fdisplay(fd_out, "M %h %h %h", mi[8:0], ENG.wmem_inst.gen_flat.mem_reg[mi], \
                      ENG.avld_reg[mi] ? {ENG.gen_acc[2].amem_inst.gen_flat.mem_reg[mi], \
                                          ENG.gen_acc[1].amem_inst.gen_flat.mem_reg[mi], \
                                          ENG.gen_acc[0].amem_inst.gen_flat.mem_reg[mi]} : 384'd0); \
        end \
    end

`endif
