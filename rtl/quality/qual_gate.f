+incdir+rtl/common
rtl/quality/qual_gate.v
