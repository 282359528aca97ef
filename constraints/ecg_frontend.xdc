# ecg_frontend -- timing constraints for out-of-context Vivado runs.
# 100 MHz system clock on the single clock port; all I/O is synchronous to it.
create_clock -period 10.000 -name clk [get_ports clk]
