+incdir+rtl/common
rtl/snn_if/if_ffs.v
rtl/snn_if/if_weight_mem.v
rtl/snn_if/if_axil_regs.v
rtl/eprop/eprop_engine.v
