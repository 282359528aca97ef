# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the RR unit (rtl/rr/rr_unit.v) against golden/rr.py.

Sequence items are beats: (first, delta) as the host derives them from real
MIT-BIH records (every beat of the chosen records, in time order), plus
synthetic edge cases (intervals beyond the 11-bit range up to 0xFFFF, zero,
first-of-record flags in the middle of a record).  The driver presents one
beat per `in_adv` strobe with random idle cycles between beats.  The input
monitor samples (first, delta) at every strobe and feeds the predictor, which
steps the golden model; the output monitor samples `out_bits` in the same
cycle.  The scoreboard compares the 11 bits of every beat exactly.  A reset
in the middle of a record restarts both models (the monitor sees it).

Tests: RrRegressionTest (all beats of the chosen records + edge cases + a
mid-record reset), RrCorruptModelTest (model's ratio constant changed: must
fail with ScoreboardError).
"""

from __future__ import annotations

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from pyuvm import (ConfigDB, uvm_analysis_port, uvm_component, uvm_driver, uvm_env, uvm_sequence,
                   uvm_sequence_item, uvm_sequencer, uvm_subscriber, uvm_test)

from golden import data as D
from golden import rr as RR
from verif.common.clocking import Knobs, reset, start_clock
from verif.common.coverage import CoverageCollector
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.stream import _bit, _uint

REAL_RECORDS = ("100", "119", "201", "208", "232")   # N, V bigeminy, AF/S, F, long pauses


class RrItem(uvm_sequence_item):
    def __init__(self, name="rr", first=False, delta=0, reset_before=False):
        super().__init__(name)
        self.first, self.delta, self.reset_before = bool(first), int(delta), bool(reset_before)

    def __str__(self):
        return f"first={int(self.first)} delta={self.delta}"


class RrSeq(uvm_sequence):
    def __init__(self, name="rr_seq", items=()):
        super().__init__(name)
        self.items = list(items)

    async def body(self):
        for it in self.items:
            await self.start_item(it)
            await self.finish_item(it)


class RrDriver(uvm_driver):
    """One beat per strobe; idle cycles in between (knob IDLE_PCT, default 50 %)."""

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = ConfigDB().get(self, "", "knobs")
        self.rnd = self.knobs.rng("rr_drv")

    async def run_phase(self):
        d = self.dut
        d.in_adv.value = 0
        while True:
            it = await self.seq_item_port.get_next_item()
            if it.reset_before:
                await reset(d.clk, d.rst, 3)
            while self.rnd.randrange(100) < self.knobs.idle_pct:
                await RisingEdge(d.clk)
            d.in_first.value = int(it.first)
            d.in_delta.value = it.delta
            d.in_adv.value = 1
            await RisingEdge(d.clk)
            d.in_adv.value = 0
            d.in_first.value = self.rnd.randrange(2)     # don't-care between strobes
            d.in_delta.value = self.rnd.randrange(1 << 16)
            self.seq_item_port.item_done()


class RrMonitor(uvm_component):
    """Samples inputs (ap_in) and outputs (ap_out) at every strobe, at the falling edge."""

    def build_phase(self):
        self.ap_in = uvm_analysis_port("ap_in", self)
        self.ap_out = uvm_analysis_port("ap_out", self)
        self.ap_rst = uvm_analysis_port("ap_rst", self)

    async def run_phase(self):
        d = cocotb.top
        was_rst = False
        while True:
            await FallingEdge(d.clk)
            if _bit(d.rst):
                if not was_rst:
                    self.ap_rst.write(True)
                was_rst = True
                continue
            was_rst = False
            if _bit(d.in_adv):
                self.ap_in.write((_bit(d.in_first), _uint(d.in_delta)))
                self.ap_out.write(_uint(d.out_bits))


class RrPredictor(uvm_component):
    """Golden model fed from the input monitor."""

    def build_phase(self):
        self.st = RR.RRState()
        self.corrupt = ConfigDB().get(self, "", "corrupt")

    def on_reset(self):
        self.st = RR.RRState()

    def on_beat(self, first, delta):
        self.st, bits, rr = RR.step(self.st, first, delta)
        if self.corrupt and rr == 300:          # a corrupted model: one bit of one interval
            bits = bits.copy()
            bits[4] ^= 1
        word = int(sum(int(b) << i for i, b in enumerate(bits)))
        self.sb.expect("bits", word)
        self.cov.sample("first", int(first))
        self.cov.sample("saturated", int(delta > RR.F.RR_INTERVAL.max_code and not first))
        for i, b in enumerate(bits):
            self.cov.sample(f"bit{i}", int(b))


class _Sub(uvm_subscriber):
    def __init__(self, name, parent, fn):
        super().__init__(name, parent)
        self.fn = fn

    def write(self, t):
        self.fn(t)


class RrScoreboard(ExactScoreboard):
    CHANNELS = ("bits",)
    REQUIRED = ("bits",)

    def describe(self, channel, item):
        return f"{item:011b}"


class RrEnv(uvm_env):
    def build_phase(self):
        self.seqr = uvm_sequencer("seqr", self)
        self.drv = RrDriver("drv", self)
        self.mon = RrMonitor("mon", self)
        self.pred = RrPredictor("pred", self)
        self.sb = RrScoreboard("sb", self)
        self.cov = CoverageCollector("cov", self)
        self.sub_in = _Sub("sub_in", self, lambda t: self.pred.on_beat(*t))
        self.sub_rst = _Sub("sub_rst", self, lambda t: (self.pred.on_reset(), self.sb.flush()))

    def connect_phase(self):
        self.drv.seq_item_port.connect(self.seqr.seq_item_export)
        self.pred.sb, self.pred.cov = self.sb, self.cov
        self.mon.ap_in.connect(self.sub_in.analysis_export)
        self.mon.ap_rst.connect(self.sub_rst.analysis_export)
        self.mon.ap_out.connect(self.sb.export("bits"))
        self.cov.coverpoint("first", required=(0, 1))
        self.cov.coverpoint("saturated", required=(0, 1))
        for i in range(RR.N_RR):
            self.cov.coverpoint(f"bit{i}", required=(0, 1))
        self.cov.enforce = True


def real_items(records):
    bs = D.load_beats(records=records)
    first, delta = RR.host_inputs(bs.record, bs.sample)
    return [RrItem(first=f, delta=int(d)) for f, d in zip(first, delta)]


def edge_items(rng: np.random.Generator):
    items = [RrItem(first=True), RrItem(delta=300)]
    # beyond the 11-bit range, at the limits, and zero
    for d in (2047, 2048, 4095, 0xFFFF, 0, 1, 65534, 180, 179, 252, 251, 360, 359):
        items.append(RrItem(delta=d))
    # a run of intervals at and beyond the range drives the average to its top, then back
    items += [RrItem(delta=d) for d in [2047] * 60 + [0xFFFF] * 5 + [200] * 40]
    # random intervals, a restart in the middle, premature and compensatory pauses
    for _ in range(200):
        items.append(RrItem(first=bool(rng.random() < 0.05), delta=int(rng.integers(100, 700))))
    return items


class RrBaseTest(uvm_test):
    CORRUPT = False

    def build_phase(self):
        self.knobs = Knobs.from_env(idle_pct=50)
        ConfigDB().set(None, "*", "knobs", self.knobs)
        ConfigDB().set(None, "*", "corrupt", self.CORRUPT)
        self.env = RrEnv("env", self)

    async def run_phase(self):
        self.raise_objection()
        d = cocotb.top
        start_clock(d)
        d.in_adv.value = 0
        d.in_first.value = 0
        d.in_delta.value = 0
        await reset(d.clk, d.rst)
        rng = np.random.default_rng(self.knobs.seed)
        items = []
        for r in (self.knobs.records or REAL_RECORDS):
            its = real_items([r])
            if r == REAL_RECORDS[1]:
                its[len(its) // 2].reset_before = True      # reset in the middle of a record
            items += its
        items += edge_items(rng)
        self.logger.info(f"{len(items)} beats")
        await RrSeq("seq", items).start(self.env.seqr)
        await ClockCycles(d.clk, 4)
        self.drop_objection()


@pyuvm.test()
class RrRegressionTest(RrBaseTest):
    """Every beat of 5 records + edge cases + a mid-record reset, compared bit for bit."""


@pyuvm.test(expect_error=ScoreboardError)
class RrCorruptModelTest(RrBaseTest):
    """The model's ratio bit 4 is flipped on intervals of 300 samples: must fail."""
    CORRUPT = True
