verif/common/stream_check/stream_fault_source.v
