+incdir+rtl/common
+incdir+rtl/cnn
rtl/cnn/cnn_ram.v
rtl/cnn/cnn_check.v
rtl/cnn/cnn_requant.v
rtl/cnn/cnn_core.v
rtl/cnn/cnn_engine.v
