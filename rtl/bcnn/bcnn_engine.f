+incdir+rtl/common
+incdir+rtl/bcnn
rtl/bcnn/bcnn_ram.v
rtl/bcnn/bcnn_pe.v
rtl/bcnn/bcnn_check.v
rtl/bcnn/bcnn_fc.v
rtl/bcnn/bcnn_core.v
rtl/bcnn/bcnn_engine.v
