+incdir+rtl/common
rtl/wakeup/click_element.v
rtl/wakeup/clock_gate.v
rtl/wakeup/wakeup_path.v
