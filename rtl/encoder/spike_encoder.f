+incdir+rtl/common
rtl/encoder/spike_encoder.v
