rtl/wakeup/clock_gate.v
rtl/system/axil_wake.v
verif/common/axil_check/axil_fault_slave.v
verif/common/axil_check/axil_gated_port.v
