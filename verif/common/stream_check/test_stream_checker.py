# SPDX-License-Identifier: Apache-2.0
"""The stream handshake checker of StreamMonitor against a tiny source (stream_fault_source.v):
with the correct source (its fault input 0) and random back-pressure the monitor sees exactly the words
0, 1, 2, ... (tlast on every 8th) and the checker stays silent; with a broken source (fault 1:
tvalid dropped without the handshake, 2: tdata changed while stalled) the checker must raise
StreamProtocolError (expect_error)."""
from __future__ import annotations

import cocotb
import pyuvm
from cocotb.triggers import ClockCycles
from pyuvm import ConfigDB, uvm_env, uvm_subscriber, uvm_test

from verif.common.clocking import Knobs, reset, start_clock
from verif.common.stream import ReadyDriver, StreamMonitor, StreamProtocolError

WORDS = 400
BP_PCT = 40


class SequenceCheck(uvm_subscriber):
    """Every transfer must be the next word of 0, 1, 2, ... with tlast on every 8th."""

    def build_phase(self):
        self.n = 0

    def write(self, w):
        want = (self.n & 0xFFFF, int(self.n % 8 == 7))
        assert (w.data, w.last) == want, f"transfer {self.n}: (data, last) {(w.data, w.last)}, expected {want}"
        self.n += 1


class StreamCheckEnv(uvm_env):
    def build_phase(self):
        dut = ConfigDB().get(self, "", "dut")
        knobs = ConfigDB().get(self, "", "knobs")
        for n, v in (("dut", dut), ("clk", dut.clk), ("rst", dut.rst), ("prefix", "m_axis")):
            ConfigDB().set(self, "*", n, v)
        ConfigDB().set(self, "ready", "bp_pct", BP_PCT)
        ConfigDB().set(self, "ready", "rng", knobs.rng("ready"))
        self.ready = ReadyDriver("ready", self)
        self.mon = StreamMonitor("mon", self)
        self.seq = SequenceCheck("seq", self)

    def connect_phase(self):
        self.mon.ap.connect(self.seq.analysis_export)


class StreamCheckerTest(uvm_test):
    """WORDS transfers under 40 % random back-pressure; exact sequence; checker silent."""

    def build_phase(self):
        self.dut = cocotb.top
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", Knobs.from_env(0, 0, 1))
        self.env = StreamCheckEnv("env", self)

    FAULT = 0

    async def run_phase(self):
        self.raise_objection()
        self.dut.fault.value = self.FAULT
        clk = start_clock(self.dut)
        await reset(clk, self.dut.rst)
        while self.env.seq.n < WORDS:
            await ClockCycles(clk, 16)
        self.drop_objection()

    def check_phase(self):
        m = self.env.mon
        assert self.env.seq.n >= WORDS, f"only {self.env.seq.n} transfers"
        assert m.rules.stalls_checked > 50, f"only {m.rules.stalls_checked} stalled cycles checked"
        self.logger.info(f"{self.env.seq.n} transfers in order, {m.rules.stalls_checked} stalled cycles checked")


@pyuvm.test()
class StreamCheckerGoodSourceTest(StreamCheckerTest):
    pass


@pyuvm.test(expect_error=StreamProtocolError)
class StreamCheckerDroppedValidTest(StreamCheckerTest):
    """fault = 1 (tvalid dropped without tready): must fail with StreamProtocolError."""

    FAULT = 1


@pyuvm.test(expect_error=StreamProtocolError)
class StreamCheckerChangedDataTest(StreamCheckerTest):
    """fault = 2 (tdata changed while stalled): must fail with StreamProtocolError."""

    FAULT = 2
