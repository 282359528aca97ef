# SPDX-License-Identifier: Apache-2.0
"""The AXI4-Lite agent checked against a tiny slave (axil_fault_slave.v): with the correct slave
(FAULT = 0) random writes and reads, with the response-delay knob on, read back exactly what a
register model predicts and the protocol checker stays silent; with a broken slave
(FAULT = 1..4, one rule broken each) the checker must raise AxilProtocolError (expect_error)."""
from __future__ import annotations

import cocotb
import pyuvm
from cocotb.triggers import ClockCycles
from pyuvm import ConfigDB, uvm_env, uvm_sequencer, uvm_subscriber, uvm_test

from verif.common.axil import AxilItem, AxilListSeq, AxilMasterDriver, AxilMonitor, AxilProtocolError
from verif.common.clocking import Knobs, reset, start_clock

RESP_DELAY = 6


class RegModel(uvm_subscriber):
    """Four 32-bit registers: every completed read must return the last write to its word."""

    def build_phase(self):
        self.regs = [0] * 4
        self.compared = 0

    def write(self, acc):
        w = (acc.addr >> 2) & 3
        if acc.write:
            self.regs[w] = acc.data
        else:
            assert acc.data == self.regs[w], f"read of word {w}: 0x{acc.data:08x}, model 0x{self.regs[w]:08x}"
            self.compared += 1


class CheckEnv(uvm_env):
    def build_phase(self):
        dut = ConfigDB().get(self, "", "dut")
        for n, v in (("dut", dut), ("clk", dut.clk), ("rst", dut.rst)):
            ConfigDB().set(self, "*", n, v)
        self.seqr = uvm_sequencer("seqr", self)
        self.drv = AxilMasterDriver("drv", self)
        self.mon = AxilMonitor("mon", self)
        self.model = RegModel("model", self)

    def connect_phase(self):
        self.drv.seq_item_port.connect(self.seqr.seq_item_export)
        self.mon.ap.connect(self.model.analysis_export)


class AxilCheckerTest(uvm_test):
    """200 random accesses with delayed responses; exact read-back; checker silent."""

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(0, 0, 1)
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env.drv", "resp_delay", RESP_DELAY)
        ConfigDB().set(self, "env.drv", "knobs", self.knobs)
        self.env = CheckEnv("env", self)

    async def run_phase(self):
        self.raise_objection()
        clk = start_clock(self.dut)
        for n in ("awvalid", "wvalid", "arvalid", "bready", "rready"):
            getattr(self.dut, f"s_axil_{n}").value = 0
        await reset(clk, self.dut.rst)
        rng = self.knobs.rng("axil_check")
        items = []
        for _ in range(200):
            a = rng.randrange(4) << 2
            items.append(AxilItem(write=True, addr=a, data=rng.getrandbits(32)) if rng.random() < 0.5
                         else AxilItem(write=False, addr=a))
        await AxilListSeq("seq", items).start(self.env.seqr)
        await ClockCycles(clk, 8)
        self.drop_objection()

    def check_phase(self):
        env = self.env
        assert env.mon.accesses == 200, f"monitor saw {env.mon.accesses} of 200 accesses"
        assert env.model.compared > 50, f"only {env.model.compared} reads compared"
        assert env.drv.resp_stall_cycles > 200 and env.mon.resp_stall_cycles == env.drv.resp_stall_cycles, (
            f"response back-pressure not applied: driver {env.drv.resp_stall_cycles}, "
            f"monitor {env.mon.resp_stall_cycles} stalled cycles")


@pyuvm.test()
class AxilCheckerGoodSlaveTest(AxilCheckerTest):
    pass


@pyuvm.test(expect_error=AxilProtocolError)
class AxilCheckerBrokenSlaveTest(AxilCheckerTest):
    """Run on FAULT = 1..4: must fail with AxilProtocolError."""
