+incdir+rtl/common
rtl/frontend/fe_delay.v
rtl/frontend/fe_filters.v
rtl/frontend/fe_detector.v
rtl/frontend/fe_axil_regs.v
rtl/frontend/ecg_frontend.v
