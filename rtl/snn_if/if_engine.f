+incdir+rtl/common
rtl/snn_if/if_ffs_tree.v
rtl/snn_if/if_neuron_update.v
rtl/snn_if/if_weight_mem.v
rtl/snn_if/if_axil_regs.v
rtl/snn_if/if_engine.v
