# SPDX-License-Identifier: Apache-2.0
"""cocotb side of test_cnn_cocotb_bus.py: the blocking driver through CocotbBus in a real
cocotb scheduler (cocotb.task.bridge / resume), each access taking clock cycles, against the
MemoryBus register model; every layer compared with golden/cnn.py."""

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.task import bridge
from cocotb.triggers import RisingEdge

from driver.cnn_ip import CnnIp, CnnIpError, CocotbBus, MemoryBus
from golden import cnn
from golden.tests.test_cnn_driver import random_network

CYCLES_PER_ACCESS = 3


@cocotb.test()
async def cnn_bus_bridge(dut):
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    model = MemoryBus()
    edges = {"n": 0}

    async def access(write, addr, data):
        for _ in range(CYCLES_PER_ACCESS):
            await RisingEdge(dut.clk)
            edges["n"] += 1
        return model.access(write, addr, data)

    bus = CocotbBus(access)
    ip = await bridge(CnnIp)(bus)
    rng = np.random.default_rng(7)
    x = rng.integers(-128, 128, size=30).astype(np.int8)
    net = random_network(rng, x.size)
    outs = await bridge(ip.run_network)(net, x)
    want = cnn.run_network(net, x)
    assert len(outs) == len(net)
    for i, (o, w) in enumerate(zip(outs, want)):
        assert np.array_equal(o, w), f"layer {i}: {o} != {w}"
    assert bus.accesses == model.accesses > 100
    assert edges["n"] == CYCLES_PER_ACCESS * bus.accesses

    bad = cnn.Descriptor(cnn.CONV1D, 1, 1, 4, kernel=9)
    try:
        await bridge(ip.run_layer)(bad)
    except CnnIpError as e:
        assert e.name == "RECEPTIVE", e
    else:
        raise AssertionError("a refused START did not raise CnnIpError")
    dut._log.info(f"{bus.accesses} accesses over {edges['n']} clock edges, {len(net)} layers equal")
