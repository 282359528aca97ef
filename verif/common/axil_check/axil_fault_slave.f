verif/common/axil_check/axil_fault_slave.v
