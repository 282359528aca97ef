# SPDX-License-Identifier: Apache-2.0
"""Driver of the CNN multiply-add IP (``cnn_engine``, rtl/cnn/), the one a board would use.

    from driver.cnn_ip import CnnIp, MemoryBus
    ip = CnnIp(MemoryBus())                 # or CnnIp(PynqBus(base)) on a board,
    outs = ip.run_network(net, beat)        # CocotbBus(...) in a cocotb test

``CnnIp`` is plain blocking Python over any object with ``read32(addr)``/``write32(addr, data)``;
``regs`` holds the generated register constants (golden/cnn_regmap.py).  docs/cnn.md describes
the API.
"""

from driver.cnn_ip.backends import CocotbBus, PynqBus
from driver.cnn_ip.driver import BusError, CnnIp, CnnIpError, CnnIpNotFound, LayerResult, Plan
from driver.cnn_ip.memory_bus import MemoryBus

__all__ = ["BusError", "CnnIp", "CnnIpError", "CnnIpNotFound", "CocotbBus", "LayerResult",
           "MemoryBus", "Plan", "PynqBus"]
