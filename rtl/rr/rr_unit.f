+incdir+rtl/common
rtl/rr/rr_unit.v
