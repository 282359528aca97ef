# SPDX-License-Identifier: Apache-2.0
"""The AXI4-Lite agent checked against a tiny slave (axil_fault_slave.v): with the correct slave
(FAULT = 0) random writes and reads, with the response-delay knob on, read back exactly what a
register model predicts and the protocol checker stays silent; with a broken slave
(FAULT = 1..4, one rule broken each) the checker must raise AxilProtocolError (expect_error).

The same accesses run on axil_gated_port.v: the correct slave on a gated clock kept awake by the RTL's
axil_wake (as ecg_pipeline_top's stage-2 port).  With FAULT = 0 the delayed responses must complete
and the gated clock must be silent once the port is idle (no stale response left); with the
wake-up logic broken (its fault input 1: it closes the gate before bready, 2: before rready) the slave
keeps a stale response and the checker must raise AxilProtocolError."""
from __future__ import annotations

import cocotb
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from pyuvm import ConfigDB, uvm_env, uvm_sequencer, uvm_subscriber, uvm_test

from verif.common.axil import AxilItem, AxilListSeq, AxilMasterDriver, AxilMonitor, AxilProtocolError
from verif.common.clocking import Knobs, reset, start_clock
from verif.common.stream import _bit

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
        await self.idle_check()
        self.drop_objection()

    async def idle_check(self):
        """Hook after the accesses (nothing on the plain slave)."""

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


class AxilGatedTest(AxilCheckerTest):
    """On axil_gated_port (its ``fault`` input = FAULT): the accesses of AxilCheckerTest, then
    64 idle cycles in which the slave's gated clock must have no edge and no response may be
    valid (nothing stale)."""

    FAULT = 0

    async def run_phase(self):
        self.dut.fault.value = self.FAULT
        self.edges = 0
        cocotb.start_soon(self.count_edges())
        await super().run_phase()

    async def count_edges(self):
        while True:
            await RisingEdge(self.dut.gclk)
            self.edges += 1

    async def idle_check(self):
        d = self.dut
        before = self.edges
        stale = 0
        for _ in range(64):
            await FallingEdge(d.clk)
            stale += _bit(d.s_axil_bvalid) + _bit(d.s_axil_rvalid)
        self.idle_edges, self.stale = self.edges - before, stale

    def check_phase(self):
        super().check_phase()
        assert self.edges > 200, f"the slave's gated clock had only {self.edges} edges"
        assert self.idle_edges == 0 and self.stale == 0, (
            f"idle port: {self.idle_edges} gated edges, {self.stale} cycles with a response valid")
        self.logger.info(f"gated slave: {self.edges} gated edges over the run, 0 in the 64 idle cycles at the end")


@pyuvm.test()
class AxilGatedPortTest(AxilGatedTest):
    pass


@pyuvm.test(expect_error=AxilProtocolError)
class AxilGatedStaleBTest(AxilGatedTest):
    """fault = 1: the gate closes before bready (stale B): must fail with AxilProtocolError."""

    FAULT = 1


@pyuvm.test(expect_error=AxilProtocolError)
class AxilGatedStaleRTest(AxilGatedTest):
    """fault = 2: the gate closes before rready (stale R): must fail with AxilProtocolError."""

    FAULT = 2
