# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the event-driven IF engine (rtl/snn_if/if_engine.v).

Stimulus: weight banks written over AXI4-Lite (random int8 banks built with
golden.snn_if.SnnParams + pack_bank, or the trained images when they exist),
beats on ``s_beat`` (real MIT-BIH beats encoded by golden.encoder, and random
slot patterns), back-pressure on ``m_dec``.

Model side: the predictor is fed only by monitors -- the beat input monitor,
the decision output monitor (for the handshake times that define "busy") and
the AXI4-Lite monitor (every write it sees updates a register model and a
mirror of the weight memory; the golden model runs on the banks unpacked from
that mirror).  For every beat it calls golden.snn_if (run_beat, which is built
on step(), or cascade()) and posts the expectations; the scoreboard compares,
exactly and in order,

* ``trc_h1`` / ``trc_h2`` / ``trc_out``  every membrane before and after firing,
  spike count and saturation flag of every neuron after every pass,
* ``trc_stage``  the output membranes and class of every stage (bank run),
* ``trc_beat``   the saturations, synaptic events and engine cycles of every
  beat (the cycles against the analytical formula of docs/snn_if_rtl.md),
* ``dec``        every decision (class / severity, output membranes, tag,
  stages run, mode, bank),
* ``axil_wr`` / ``axil_rd``  the response of every AXI4-Lite access and the
  data of every read (register model, status history, memory mirror),
* ``latency``    (cycle test, TRACE_EN=0) the cycles from the beat handshake to
  the decision handshake, against the formula.

Tests: regression, cascade, back-pressure/idle, reset in the middle of beats,
bad AXI accesses, configuration (full load and read-back), stress (maximal
beats, every counter bit), cycle count (TRACE_EN=0), trained banks over
AXI4-Lite and preloaded with $readmemh (both skipped while
golden/params/snn_if does not exist), and an expect_error test with a
corrupted model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from pyuvm import (ConfigDB, uvm_component, uvm_driver, uvm_env, uvm_factory, uvm_sequence,
                   uvm_sequence_item, uvm_sequencer, uvm_subscriber, uvm_test)

from golden import data as D
from golden import encoder as E
from golden import formats as F
from golden import rr as RR
from golden import snn_if as G
from verif.common.axil import AxilAccess, AxilListSeq, AxilMasterDriver, AxilMonitor
from verif.common.axil_regs import (REG, RW_REGS, STAT_REGS, WO_REGS, AxilRegsModel, describe_access,
                                    rd_item, wr_item)
from verif.common.beats import select_beats
from verif.common.clocking import Knobs, reset, start_clock, wait_quiet
from verif.common.coverage import CoverageCollector
from verif.common.fwd import Fwd
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.snn import (M16, TRC_BEAT, TRC_CYC, TRC_H1, TRC_H2, TRC_OUT, TRC_STAGE, int_to_slots,
                              slots_to_int, stage_cycles, stage_overhead, trace_records)
from verif.common.statemon import StateMonitor, StateSample
from verif.common.stream import ReadyDriver, StreamMonitor, StreamWord, _bit, insert_idle, offer

# trace kinds of this block (docs/snn_if_rtl.md "Trace port"; verif/common/snn.py) -> channels
KIND_CHANNEL = {TRC_H1: "trc_h1", TRC_H2: "trc_h2", TRC_OUT: "trc_out", TRC_STAGE: "trc_stage",
                TRC_BEAT: "trc_beat", TRC_CYC: "trc_beat"}

DEC_EXTRAS = ["m_dec_vout0", "m_dec_vout1", "m_dec_tag", "m_dec_stages", "m_dec_mode", "m_dec_bank"]
VMAX, VMIN = F.SNN_VMEM.max_code, F.SNN_VMEM.min_code

TRAINED = G.PARAMS_DIR / "snn_if.json"


# ------------------------------------------------------------------------------------------
# Geometry and the analytical cycle count
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Geometry:
    """Read from the DUT's parameters (never retyped), checked against the golden model."""

    n_in: int
    n_h1: int
    n_h2: int
    n_out: int
    lanes: int
    banks: int
    tag_w: int
    addr_w: int
    trace: int

    @staticmethod
    def from_dut(dut) -> "Geometry":
        g = Geometry(*(int(getattr(dut, n).value) for n in (
            "N_IN", "N_H1", "N_H2", "N_OUT", "LANES", "BANKS", "TAG_W", "AXIL_ADDR_W", "TRACE_EN")))
        gold = (G.N_IN, G.N_H1, G.N_H2, G.N_OUT, G.LANES, len(G.BANKS))
        if (g.n_in, g.n_h1, g.n_h2, g.n_out, g.lanes, g.banks) != gold:
            raise AssertionError(f"DUT geometry {g} differs from golden.snn_if {gold}")
        return g

    @property
    def stage_overhead(self) -> int:
        """Fixed cycles of one bank run (verif/common/snn.py)."""
        return stage_overhead(self.n_h1, self.n_h2, self.n_out, self.lanes)

    def stage_cycles(self, run: G.BeatRun) -> int:
        """Cycles of one bank run: overhead + per pass G1*S1 + G2*S2 + S3."""
        return stage_cycles(run, self.n_h1, self.n_h2, self.n_out, self.lanes)

    def info(self) -> int:
        return (self.trace << 28) | (self.lanes << 20) | (self.banks << 16) | G.IMAGE_WORDS


# ------------------------------------------------------------------------------------------
# Stimulus: beats
# ------------------------------------------------------------------------------------------
class SnnBeatItem(uvm_sequence_item):
    """One beat: 500 slot bits, a tag and where it came from (for coverage)."""

    def __init__(self, name="beat", slots=None, tag=0, meta=None):
        super().__init__(name)
        self.slots = np.asarray(slots, dtype=np.uint8)
        self.tag = int(tag)
        self.meta = dict(meta or {})

    def __str__(self):
        return f"{self.get_name()} tag={self.tag} spikes={int(self.slots.sum())} {self.meta}"


class SnnBeatSeq(uvm_sequence):
    def __init__(self, name="beats", items=None):
        super().__init__(name)
        self.items = list(items or [])

    async def body(self):
        for it in self.items:
            await self.start_item(it)
            await self.finish_item(it)


class BeatDriver(uvm_driver):
    """Drives s_beat_slots/s_beat_tag/s_beat_valid (idle insertion before each
    beat); abandons the beat on reset; publishes every item it sent."""

    def build_phase(self):
        cdb = ConfigDB()
        self.dut = cdb.get(self, "", "dut")
        self.clk = cdb.get(self, "", "clk")
        self.rst = cdb.get(self, "", "rst")
        self.idle_pct = cdb.get(self, "", "idle_pct")
        self.rng = cdb.get(self, "", "rng")
        self.ap = pyuvm.uvm_analysis_port("ap", self)
        d = self.dut
        self.slots, self.tag, self.valid, self.ready = d.s_beat_slots, d.s_beat_tag, d.s_beat_valid, d.s_beat_ready
        self.sent = 0
        self.idle_cycles = 0
        self.abandoned = 0
        self.waits = 0            # cycles a beat waited for s_beat_ready

    def start_of_simulation_phase(self):
        self.valid.value = 0

    async def run_phase(self):
        while True:
            item = await self.seq_item_port.get_next_item()
            await self._send(item)
            self.ap.write(item)
            self.seq_item_port.item_done()

    async def _send(self, item):
        self.idle_cycles += await insert_idle(self.clk, self.valid, self.rng, self.idle_pct)
        self.slots.value = slots_to_int(item.slots)
        self.tag.value = item.tag
        self.valid.value = 1
        accepted, waits = await offer(self.clk, self.rst, self.valid, self.ready)
        if not accepted:
            self.abandoned += 1
            return
        self.waits += waits
        self.valid.value = 0
        self.sent += 1


# ------------------------------------------------------------------------------------------
# Model side
# ------------------------------------------------------------------------------------------
@dataclass
class BeatRec:
    h: int                       # cycle of the s_beat handshake
    slots: np.ndarray
    tag: int
    no: int                      # beats accepted since reset before this one
    o: int | None = None         # cycle of the m_dec handshake
    stats: tuple = ()            # (cycles, events, saturations) predicted
    cycles: int = 0


class IfPredictor(AxilRegsModel, uvm_component):
    """Register model (if_axil_regs: 4 banks of weight memory) + memory mirror + golden
    model, fed by the monitors."""

    ID_VALUE = 0x49464531                   # "IFE1"
    IMAGE_WORDS = G.IMAGE_WORDS

    def build_phase(self):
        self.sb = None
        self.cov = None
        self.geo: Geometry | None = None
        self.check_latency = False
        self.mem = [[None] * G.IMAGE_WORDS for _ in range(len(G.BANKS))]
        self._pcache: dict[int, G.SnnParams] = {}
        self.cycle = 0
        self.predicted = []          # (BeatRec, mode, runs, banks, class) of every beat, for tests
        self.init_regs()
        self.reset_model()

    # ------------------------------------------------------------------ state
    def reset_model(self):
        self.reset_regs()
        self.ctrl_mode, self.ctrl_bank = 0, 0
        self.beats: list[BeatRec] = []
        self.pending: list[BeatRec] = []
        self.beat_no = 0

    def on_reset(self):
        self.sb.flush()
        if self.cov is not None and any(r.o is None for r in self.beats):
            self.cov.sample("event", "reset_mid_beat")
        self.reset_model()

    def busy(self, c: int) -> bool:
        """A beat is in flight in cycle c: accepted before c, its decision not taken before c."""
        return any(r.h < c and (r.o is None or r.o >= c) for r in self.beats)

    def params(self, b: int) -> G.SnnParams:
        if b not in self._pcache:
            words = self.mem[b]
            missing = [i for i, w in enumerate(words) if w is None]
            if missing:
                raise AssertionError(f"bank {b} used but {len(missing)} words were never written "
                                     f"(first {missing[0]})")
            self._pcache[b] = G.unpack_bank(words, name=f"bank{b}")
        return self._pcache[b]

    # ------------------------------------------------------------------ beats
    def on_beat(self, w: StreamWord):
        rec = BeatRec(h=w.cycle, slots=int_to_slots(w.data, 2 * G.N_IN), tag=dict(w.extras)["s_beat_tag"],
                      no=self.beat_no)
        self.beat_no += 1
        self.beats.append(rec)
        self.pending.append(rec)

    async def run_phase(self):
        # beats are predicted one falling edge after their handshake, when every AXI4-Lite
        # write executed up to the handshake cycle (which applies to the beat) has been seen
        while True:
            await FallingEdge(cocotb.top.clk)
            self.cycle += 1
            while self.pending and self.pending[0].h < self.cycle:
                self.predict(self.pending.pop(0))

    def predict(self, rec: BeatRec):
        mode, bank = self.ctrl_mode, self.ctrl_bank
        if mode == 0:
            runs = [G.run_beat(rec.slots, self.params(bank))]
            banks = [bank]
            out_cls = runs[0].cls
        else:
            sev, n, _, runs = G.cascade(rec.slots, {G.BANKS[b]: self.params(b) for b in (1, 2, 3)})
            banks = [1, 2, 3][:n]
            out_cls = sev
        geo = self.geo
        sat = sum(r.sat for r in runs)
        ev = sum(r.events for r in runs)
        cyc = sum(geo.stage_cycles(r) for r in runs)
        rec.stats, rec.cycles = (cyc, ev, sat), cyc
        if geo.trace:
            for rec_trc in trace_records(rec.no, runs, banks, cyc):
                self.sb.expect(KIND_CHANNEL[rec_trc.kind], rec_trc)
        v3 = runs[-1].v3
        self.sb.expect("dec", StreamWord(data=out_cls, extras=(
            ("m_dec_vout0", int(v3[0]) & M16), ("m_dec_vout1", int(v3[1]) & M16), ("m_dec_tag", rec.tag),
            ("m_dec_stages", len(runs)), ("m_dec_mode", mode), ("m_dec_bank", banks[-1]))))
        self.predicted.append((rec, mode, runs, banks, out_cls))
        if self.cov is not None:
            self.cov.on_prediction(rec, mode, runs, banks, out_cls)

    def on_dec(self, w: StreamWord):
        rec = next((r for r in self.beats if r.o is None), None)
        if rec is None:
            return                      # an unexpected decision: the scoreboard reports it
        rec.o = w.cycle
        self.count_beat(rec.o + 1, *rec.stats)
        if self.check_latency:
            self.sb.expect("latency", rec.cycles + 1)
            self.sb.export("latency").write(rec.o - rec.h)
        # forget beats that can no longer matter for busy()
        self.beats = [r for r in self.beats if r.o is None or r.o > self.cycle - 16]

    # ------------------------------------------------------------------ if_axil_regs hooks
    def info_value(self) -> int:
        return self.geo.info()

    def write_ctrl(self, value: int, c: int) -> None:
        self.ctrl_mode, self.ctrl_bank = value & 1, (value >> 4) & 3

    def ctrl_value(self, c: int) -> int:
        return self.ctrl_mode | self.ctrl_bank << 4

    def commit_word(self, bank: int, word: int, data: int) -> None:
        self.mem[bank][word] = data
        self._pcache.pop(bank, None)

    def fetch_word(self, bank: int, word: int) -> int:
        w = self.mem[bank][word]
        if w is None:
            raise AssertionError(f"test reads memory word {bank}:{word} never written")
        return w

    def dec_valid_at(self, c: int, busy: bool, actual: int) -> int:
        # DEC_VALID rises at a time the handshakes do not define: only predictable when idle
        return (actual >> 1) & 1 if busy else 0


class CorruptedPredictor(IfPredictor):
    """theta1 of every bank off by one: used only to prove the scoreboard fails."""

    def params(self, b):
        p = super().params(b)
        return G.SnnParams(w1=p.w1, w2=p.w2, w3=p.w3, b1=p.b1, b2=p.b2, b3=p.b3,
                           theta1=p.theta1 + 1, theta2=p.theta2, name=p.name + "_corrupt")


class IfScoreboard(ExactScoreboard):
    CHANNELS = ("dec", "trc_h1", "trc_h2", "trc_out", "trc_stage", "trc_beat", "trc_other",
                "axil_wr", "axil_rd", "latency")
    REQUIRED = ("dec", "axil_wr")

    def describe(self, channel, item):
        if channel.startswith("trc") and isinstance(item, StateSample):
            st = item.step
            where = f"beat {st >> 4} stage {st >> 2 & 3} pass {st >> 1 & 1}"
            if item.kind in (TRC_H1, TRC_H2, TRC_OUT):
                vpre, vpost = F.SNN_VMEM.wrap(item.value & M16), F.SNN_VMEM.wrap(item.value >> 16)
                return (f"kind {item.kind} neuron {item.index & 0xFF} {where}: v_pre={vpre} v_post={vpost} "
                        f"count={item.index >> 8 & 3} sat={item.index >> 10 & 1}")
            if item.kind == TRC_STAGE:
                return (f"stage end {where}: bank={item.index & 3} class={item.index >> 8 & 1} "
                        f"v_out=({F.SNN_VMEM.wrap(item.value & M16)}, {F.SNN_VMEM.wrap(item.value >> 16)})")
            if item.kind == TRC_BEAT:
                return f"beat stats {where}: saturations={item.index} synaptic events={item.value}"
            if item.kind == TRC_CYC:
                return f"beat cycles {where}: {item.value}"
            return repr(item)
        if channel == "dec":
            ex = dict(item.extras)
            return (f"class={item.data} v_out=({F.SNN_VMEM.wrap(ex['m_dec_vout0'])}, "
                    f"{F.SNN_VMEM.wrap(ex['m_dec_vout1'])}) tag={ex['m_dec_tag']} stages={ex['m_dec_stages']} "
                    f"mode={ex['m_dec_mode']} bank={ex['m_dec_bank']}")
        if channel.startswith("axil"):
            return describe_access(item)
        return repr(item)


class IfCoverage(CoverageCollector):
    """Classes, severities and cascade paths, saturation, 2-spike counts, empty
    passes, ties, back-pressure, resets and every kind of AXI4-Lite answer."""

    def build_phase(self):
        super().build_phase()
        for name in ("screen_class", "severity", "bank", "event", "axil", "spikes_per_beat", "aami_class"):
            self.coverpoint(name)
        self.env = None

    def on_item(self, item):
        m = item.meta
        if m.get("aami", -1) >= 0:
            self.sample("aami_class", D.AAMI5_CLASSES[m["aami"]])

    def on_prediction(self, rec, mode, runs, banks, out_cls):
        n = int(rec.slots.sum())
        self.sample("spikes_per_beat", "0" if n == 0 else "1-19" if n < 20 else "20-39" if n < 40
                    else "40-249" if n < 250 else "250+")
        if mode == 0:
            self.sample("screen_class", out_cls)
            self.sample("bank", banks[0])
        else:
            self.sample("severity", f"sev{out_cls}_stages{len(runs)}")
        for r in runs:
            if r.v3[0] == r.v3[1]:
                self.sample("event", "tie")
            for t, st in enumerate(r.steps):
                if st.l1.events == 0:
                    self.sample("event", "empty_pass")
                if st.l2.events == 0:
                    self.sample("event", "no_h1_spike")
                if st.l3.events == 0:
                    self.sample("event", "no_h2_spike")
                for name, lo in (("h1", st.l1), ("h2", st.l2), ("out", st.l3)):
                    if np.any(lo.sat & (lo.v_pre == VMAX)):
                        self.sample("event", f"sat_pos_{name}")
                    if np.any(lo.sat & (lo.v_pre == VMIN)):
                        self.sample("event", f"sat_neg_{name}")
                    if np.any(lo.count == 2):
                        self.sample("event", f"count2_{name}")
                    if np.any(lo.count == 1):
                        self.sample("event", f"count1_{name}")

    def extract_phase(self):
        e = self.env
        if e is None:
            return
        if e.dec_mon.stall_cycles:
            self.sample("event", "dec_backpressure", e.dec_mon.stall_cycles)
        if e.in_mon.stall_cycles:
            self.sample("event", "beat_waiting", e.in_mon.stall_cycles)
        if e.beat_drv.idle_cycles:
            self.sample("event", "input_idle", e.beat_drv.idle_cycles)
        if e.beat_drv.abandoned:
            self.sample("event", "beat_abandoned_by_reset", e.beat_drv.abandoned)


class TraceRouter(uvm_subscriber):
    """Sends each trace entry to the scoreboard channel of its kind."""

    def write(self, s: StateSample):
        self.sb.export(KIND_CHANNEL.get(s.kind, "trc_other")).write(s)


class AxilRouter(uvm_subscriber):
    def write(self, a: AxilAccess):
        self.sb.export("axil_wr" if a.write else "axil_rd").write(a)


# ------------------------------------------------------------------------------------------
# Environment
# ------------------------------------------------------------------------------------------
class IfEnv(uvm_env):
    def build_phase(self):
        cdb = ConfigDB()
        dut = cdb.get(self, "", "dut")
        knobs: Knobs = cdb.get(self, "", "knobs")
        cdb.set(self, "*", "dut", dut)
        cdb.set(self, "*", "clk", dut.clk)
        cdb.set(self, "*", "rst", dut.rst)
        cdb.set(self, "beat_drv", "idle_pct", knobs.idle_pct)
        cdb.set(self, "beat_drv", "rng", knobs.rng("beat_drv"))
        cdb.set(self, "in_mon", "prefix", "s_beat")
        cdb.set(self, "in_mon", "data_name", "s_beat_slots")
        cdb.set(self, "in_mon", "valid_name", "s_beat_valid")
        cdb.set(self, "in_mon", "ready_name", "s_beat_ready")
        cdb.set(self, "in_mon", "extras", ["s_beat_tag"])
        cdb.set(self, "dec_ready", "prefix", "m_dec")
        cdb.set(self, "dec_ready", "ready_name", "m_dec_ready")
        cdb.set(self, "dec_ready", "bp_pct", knobs.bp_pct)
        cdb.set(self, "dec_ready", "rng", knobs.rng("dec_ready"))
        cdb.set(self, "dec_mon", "prefix", "m_dec")
        cdb.set(self, "dec_mon", "data_name", "m_dec_class")
        cdb.set(self, "dec_mon", "valid_name", "m_dec_valid")
        cdb.set(self, "dec_mon", "ready_name", "m_dec_ready")
        cdb.set(self, "dec_mon", "extras", DEC_EXTRAS)

        self.seqr = uvm_sequencer("seqr", self)
        self.axil_seqr = uvm_sequencer("axil_seqr", self)
        self.beat_drv = BeatDriver("beat_drv", self)
        self.in_mon = StreamMonitor("in_mon", self)
        self.dec_ready = ReadyDriver("dec_ready", self)
        self.dec_mon = StreamMonitor("dec_mon", self)
        self.state_mon = StateMonitor("state_mon", self)
        self.axil_drv = AxilMasterDriver("axil_drv", self)
        self.axil_mon = AxilMonitor("axil_mon", self)
        self.predictor = IfPredictor.create("predictor", self)
        self.sb = IfScoreboard("sb", self)
        self.cov = IfCoverage("cov", self)
        self.trace_router = TraceRouter("trace_router", self)
        self.axil_router = AxilRouter("axil_router", self)
        self.fwd = {n: Fwd(f"fwd_{n}", self) for n in ("beat", "dec", "req", "done", "item")}

    def connect_phase(self):
        p = self.predictor
        self.beat_drv.seq_item_port.connect(self.seqr.seq_item_export)
        self.axil_drv.seq_item_port.connect(self.axil_seqr.seq_item_export)
        p.sb, p.cov = self.sb, self.cov
        self.cov.env = self
        self.trace_router.sb = self.sb
        self.axil_router.sb = self.sb
        for name, fn in (("beat", p.on_beat), ("dec", p.on_dec), ("req", p.on_axil_req),
                         ("done", p.on_axil_done), ("item", self.cov.on_item)):
            self.fwd[name].fn = fn
        self.in_mon.ap.connect(self.fwd["beat"].analysis_export)
        self.in_mon.reset_listeners.append(p.on_reset)
        self.dec_mon.ap.connect(self.fwd["dec"].analysis_export)
        self.dec_mon.ap.connect(self.sb.export("dec"))
        self.state_mon.ap.connect(self.trace_router.analysis_export)
        self.axil_mon.req_ap.connect(self.fwd["req"].analysis_export)
        self.axil_mon.ap.connect(self.fwd["done"].analysis_export)
        self.axil_mon.ap.connect(self.axil_router.analysis_export)
        self.beat_drv.ap.connect(self.fwd["item"].analysis_export)


# ------------------------------------------------------------------------------------------
# Weight banks for the tests
# ------------------------------------------------------------------------------------------
def random_bank(rng: np.random.Generator, name: str, th1=None, th2=None, n_sat=3, b3=(0, 0),
                w3_zero=False, hidden_bias=None) -> G.SnnParams:
    """Random int8 weights; thresholds and biases chosen so that hidden neurons
    fire 0, 1 and 2 spikes with real beats (about 13 input spikes per pass);
    ``n_sat`` neurons per hidden layer get biases big enough to saturate the
    membrane up and as many down."""
    th1 = int(th1 if th1 is not None else rng.integers(200, 700))
    th2 = int(th2 if th2 is not None else rng.integers(300, 1800))
    w1 = rng.integers(-128, 128, (G.N_H1, G.N_IN))
    w2 = rng.integers(-128, 128, (G.N_H2, G.N_H1))
    w3 = np.zeros((G.N_OUT, G.N_H2), dtype=np.int64) if w3_zero else rng.integers(-128, 128, (G.N_OUT, G.N_H2))
    b1 = rng.integers(-th1 // 2, th1 // 2 + 1, G.N_H1)
    b2 = rng.integers(-th2 // 2, th2 // 2 + 1, G.N_H2)
    for b in (b1, b2):
        idx = rng.permutation(len(b))[:2 * n_sat]
        b[idx[:n_sat]] = rng.integers(17000, F.SNN_BIAS.max_code + 1, n_sat)
        b[idx[n_sat:]] = rng.integers(F.SNN_BIAS.min_code, -17000, n_sat)
    if hidden_bias is not None:
        b1[:] = hidden_bias
        b2[:] = hidden_bias
    return G.SnnParams(w1=w1, w2=w2, w3=w3, b1=b1, b2=b2, b3=np.asarray(b3, dtype=np.int64),
                       theta1=th1, theta2=th2, name=name)


def with_b3(p: G.SnnParams, b3) -> G.SnnParams:
    return G.SnnParams(w1=p.w1, w2=p.w2, w3=p.w3, b1=p.b1, b2=p.b2, b3=np.asarray(b3, dtype=np.int64),
                       theta1=p.theta1, theta2=p.theta2, name=p.name)


def calibrate(p: G.SnnParams, slots: np.ndarray) -> G.SnnParams:
    """Shift the output bias of class 1 so that about half of ``slots`` go to
    each class (argmax is invariant to a common shift)."""
    if len(slots) == 0:
        return p
    r = G.run_beats(np.asarray(slots), with_b3(p, (0, 0)))
    d = r.v_out[:, 1].astype(np.int64) - r.v_out[:, 0]
    delta = int(np.clip(-np.median(d) // (2 * G.PASSES), -8000, 8000))
    return with_b3(p, (0, delta))


def real_beats(per_record, seed, records=None, classes=None):
    """Real MIT-BIH beats -> (engine inputs [N, 2*N_IN]: the encoder's slots and the
    RR unit's bits of each pass, metadata list)."""
    bs, labels = select_beats(per_record, seed, records=records, classes=classes)
    slots = G.screen_inputs(E.encode_beats(bs.x, E.default_config()).slots, RR.rr_bits_for(bs.record, bs.sample))
    meta = [dict(kind="real", record=int(bs.record[i]), sample=int(bs.sample[i]), aami=int(labels[i]))
            for i in range(len(bs))]
    return slots, meta


def random_slots(rng: np.random.Generator, n: int, densities=(0.0, 0.01, 0.03, 0.1, 0.3, 0.6, 1.0)):
    out, meta = [], []
    for i in range(n):
        p = densities[i % len(densities)]
        out.append((rng.random(2 * G.N_IN) < p).astype(np.uint8))
        meta.append(dict(kind="random", density=p))
    return np.asarray(out), meta


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------
class IfBaseTest(uvm_test):
    """Common flow: reset, configuration over AXI4-Lite, beats, drain, final status."""

    IDLE_PCT = 10
    BP_PCT = 10
    REQUIRE: dict = {}
    AXIL_RESP_DELAY = 0             # bready/rready held low 1 + 0..N cycles (0: off)

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(self.IDLE_PCT, self.BP_PCT, 1)
        self.logger.info(f"knobs: {self.knobs}")
        self.rng = np.random.default_rng(self.knobs.seed)
        self.tag_rng = self.knobs.rng("tags")
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", self.knobs)
        # response back-pressure of the AXI4-Lite master (verif/common/axil.py, resp_delay)
        ConfigDB().set(self, "env.axil_drv", "resp_delay", self.AXIL_RESP_DELAY)
        self.env = IfEnv("env", self)

    def end_of_elaboration_phase(self):
        self.geo = Geometry.from_dut(self.dut)
        self.env.predictor.geo = self.geo
        req = ["dec", "axil_wr", "axil_rd"]
        if self.geo.trace:
            req += ["trc_h1", "trc_h2", "trc_out", "trc_stage", "trc_beat"]
        self.env.sb.REQUIRED = tuple(req)
        for name, bins in self.REQUIRE.items():
            self.env.cov.required[name] = set(self.env.cov.required.get(name, set())) | set(bins)
        self.env.cov.enforce = True

    # ----------------------------------------------------------------- helpers
    wr = staticmethod(wr_item)
    rd = staticmethod(rd_item)

    async def axil(self, items):
        await AxilListSeq("axil", items).start(self.env.axil_seqr)
        return items

    async def load_bank(self, b: int, p: G.SnnParams):
        items = [self.wr("MEM_ADDR", b << 16)]
        for w in G.pack_bank(p):
            items += [self.wr(f"WDATA{k}", (w >> (32 * k)) & 0xFFFFFFFF) for k in range(4)]
        await self.axil(items)

    async def readback(self, b: int, start: int, n: int):
        items = [self.wr("MEM_ADDR", b << 16 | start)]
        for _ in range(n):
            items += [self.rd(f"RDATA{k}") for k in range(4)]
        await self.axil(items)

    async def set_ctrl(self, mode: int, bank: int = 0):
        await self.axil([self.wr("CTRL", mode | bank << 4)])

    async def read_status(self):
        await self.axil([self.rd(r) for r in ("STATUS",) + STAT_REGS + ("CTRL", "MEM_ADDR", "ID", "INFO")])

    def beat_items(self, slots, meta):
        return [SnnBeatItem(f"beat{i}", s, self.tag_rng.randrange(1 << self.geo.tag_w), m)
                for i, (s, m) in enumerate(zip(slots, meta))]

    async def send(self, items):
        await SnnBeatSeq("beats", items).start(self.env.seqr)

    async def drain(self, quiet=8, limit=400000):
        """Until no beat is in flight and the decision output is empty."""
        d = self.dut
        await wait_quiet(d.clk, lambda: _bit(d.s_beat_valid) or not _bit(d.s_beat_ready) or _bit(d.m_dec_valid),
                         quiet, limit, "the engine", edge=RisingEdge)

    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        start_clock(d)
        d.s_beat_valid.value = 0
        d.s_beat_slots.value = 0
        d.s_beat_tag.value = 0
        await reset(d.clk, d.rst)
        await self.body()
        await self.drain()
        await self.read_status()
        await ClockCycles(d.clk, 4)
        self.drop_objection()

    async def body(self):
        raise NotImplementedError


@pyuvm.test()
class IfRegressionTest(IfBaseTest):
    """Four random banks over AXI4-Lite (read back in part), real beats from all
    48 records (every AAMI class) and random slot patterns in screen mode on
    every bank, then cascade mode."""

    REQUIRE = {"screen_class": (0, 1), "bank": (0, 1, 2, 3),
               "aami_class": D.AAMI5_CLASSES,
               "spikes_per_beat": ("0", "1-19", "20-39", "40-249", "250+"),
               "event": ("sat_pos_h1", "sat_neg_h1", "sat_pos_h2", "sat_neg_h2", "sat_pos_out",
                         "count2_h1", "count2_h2", "count1_h1", "count1_h2", "empty_pass", "tie",
                         "dec_backpressure", "input_idle"),
               "axil": ("ok_wr", "ok_mem_wr", "ok_mem_rd", "ok_rd", "status_idle")}

    def end_of_elaboration_phase(self):
        if self.knobs.records:
            self.REQUIRE = {k: v for k, v in self.REQUIRE.items() if k != "aami_class"}
        super().end_of_elaboration_phase()

    async def body(self):
        rslots, rmeta = real_beats(self.knobs.beats_per_record, self.knobs.seed, records=self.knobs.records)
        if not self.knobs.records:      # one beat per record rarely draws the rare class Q (paced)
            qslots, qmeta = real_beats(1, self.knobs.seed, records=("102", "104", "107", "217"), classes=["Q"])
            rslots, rmeta = np.concatenate([rslots, qslots]), rmeta + qmeta
        xslots, xmeta = random_slots(self.rng, 14)
        b0 = calibrate(random_bank(self.rng, "r0"), rslots)
        b1 = calibrate(random_bank(self.rng, "r1", th1=int(self.rng.integers(9000, 16384)),
                                   th2=int(self.rng.integers(1, 40))), rslots)
        b2 = calibrate(random_bank(self.rng, "r2", n_sat=10), rslots)
        b3 = random_bank(self.rng, "r3", w3_zero=True, b3=(F.SNN_BIAS.max_code, F.SNN_BIAS.max_code))
        banks = [b0, b1, b2, b3]
        for b, p in enumerate(banks):
            await self.load_bank(b, p)
        for b in range(4):
            await self.readback(b, 0, 6)
            await self.readback(b, G.IMAGE_WORDS - 6, 6)     # the thresholds and biases
        await self.read_status()

        items = self.beat_items(rslots, rmeta) + self.beat_items(xslots, xmeta)
        self.logger.info(f"bank 0, screen: {len(items)} beats ({len(rslots)} real)")
        await self.send(items)
        for b in (1, 2, 3):
            await self.drain()
            await self.set_ctrl(0, b)
            pick = self.rng.permutation(len(rslots))[:6]
            await self.send(self.beat_items(rslots[pick], [rmeta[i] for i in pick])
                            + self.beat_items(xslots[b::5], xmeta[b::5]))
            await self.read_status()
        await self.drain()
        await self.set_ctrl(1)
        pick = self.rng.permutation(len(rslots))[:10]
        await self.send(self.beat_items(rslots[pick], [rmeta[i] for i in pick]))


@pyuvm.test()
class IfCascadeTest(IfBaseTest):
    """Severity cascade: bank 1, then bank 2 only for abnormal beats, then bank 3;
    the banks are calibrated on the beats so that every path occurs."""

    REQUIRE = {"severity": ("sev0_stages1", "sev1_stages2", "sev2_stages3", "sev3_stages3")}

    def cascade_banks(self, slots):
        p1 = calibrate(random_bank(self.rng, "sev1"), slots)
        r1 = G.run_beats(slots, p1)
        s2 = slots[r1.cls == 1]
        p2 = calibrate(random_bank(self.rng, "sev2"), s2)
        r2 = G.run_beats(s2, p2) if len(s2) else None
        s3 = s2[r2.cls == 1] if r2 is not None else s2
        p3 = calibrate(random_bank(self.rng, "sev3"), s3)
        return p1, p2, p3

    async def body(self):
        rslots, rmeta = real_beats(1, self.knobs.seed, records=self.knobs.records or D.MITDB_RECORDS[::2])
        xslots, xmeta = random_slots(self.rng, 8, densities=(0.02, 0.05, 0.1, 0.3))
        slots = np.concatenate([rslots, xslots])
        for b, p in zip((1, 2, 3), self.cascade_banks(slots)):
            await self.load_bank(b, p)
        await self.set_ctrl(1)
        await self.send(self.beat_items(slots, rmeta + xmeta))


@pyuvm.test()
class IfBackpressureTest(IfBaseTest):
    """Heavy idle insertion and back-pressure on the decision, long pauses of the
    consumer, and status reads while beats are in flight."""

    IDLE_PCT = 30
    BP_PCT = 70
    REQUIRE = {"event": ("dec_backpressure", "input_idle", "beat_waiting"),
               "axil": ("status_busy", "status_idle")}

    async def body(self):
        rslots, rmeta = real_beats(1, self.knobs.seed, records=self.knobs.records or D.DS2[:16])
        await self.load_bank(0, calibrate(random_bank(self.rng, "bp"), rslots))
        task = cocotb.start_soon(self.send(self.beat_items(rslots, rmeta)))
        rng = self.knobs.rng("pause")
        while not task.done():
            await ClockCycles(self.dut.clk, rng.randrange(100, 900))
            self.env.dec_ready.paused = True
            await self.axil([self.rd(r) for r in ("STATUS", "BEATS", "CYCLES", "SAT_TOTAL")])
            await ClockCycles(self.dut.clk, rng.randrange(200, 1500))
            self.env.dec_ready.paused = False
        await task


@pyuvm.test()
class IfResetTest(IfBaseTest):
    """Resets at random moments inside beats (scan, update, trace dump, decision
    waiting): the beat is lost, CTRL/MEM_ADDR/statistics return to their reset
    values, the weight memory keeps its contents, and every later beat matches."""

    IDLE_PCT = 5
    BP_PCT = 30
    REQUIRE = {"event": ("reset_mid_beat",)}
    RESETS = 6

    async def body(self):
        rslots, rmeta = real_beats(1, self.knobs.seed, records=self.knobs.records or D.DS1[:20])
        xslots, xmeta = random_slots(self.rng, 6, densities=(0.1, 0.5))
        await self.load_bank(0, calibrate(random_bank(self.rng, "rst0"), rslots))
        await self.load_bank(1, calibrate(random_bank(self.rng, "rst1"), rslots))
        d = self.dut
        rng = self.knobs.rng("resets")
        items = self.beat_items(np.concatenate([rslots, xslots]), rmeta + xmeta)
        chunk = max(1, len(items) // self.RESETS)
        for k in range(self.RESETS):
            await self.set_ctrl(0, 1)               # reset must bring CTRL back to bank 0
            task = cocotb.start_soon(self.send(items[k * chunk:(k + 1) * chunk]))
            await ClockCycles(d.clk, rng.randrange(150, 1500))
            self.logger.info("asserting reset in the middle of a beat")
            await reset(d.clk, d.rst, cycles=rng.randrange(1, 4))
            await task
            await self.drain()
            await self.read_status()
        await self.send(items[-4:])


@pyuvm.test()
class IfBadAxiTest(IfBaseTest):
    """Every defined AXI4-Lite error: unmapped offsets (DECERR), writes to
    read-only and reads of write-only registers, partial strobes, an illegal
    memory word address, writes and memory reads while a beat is processed
    (SLVERR, no effect: CTRL, MEM_ADDR and the memory are read back, and the
    beats still match the model)."""

    AXIL_RESP_DELAY = 8

    IDLE_PCT = 0
    BP_PCT = 0
    REQUIRE = {"axil": ("decerr_wr", "decerr_rd", "slverr_ro", "slverr_wo", "slverr_busy_wr",
                        "slverr_busy_rd", "slverr_strb", "slverr_word", "ok_clear", "status_busy")}

    async def body(self):
        rslots, rmeta = real_beats(1, self.knobs.seed, records=("100", "119", "208", "233"))
        await self.load_bank(0, calibrate(random_bank(self.rng, "bad0"), rslots))
        rng = self.knobs.rng("bad")
        wr, rd = self.wr, self.rd
        # unmapped offsets (the gap at 0x2C, 0x50..0x7C, and everything with address bit 7)
        unm = [0x2C, 0x50, 0x7C] + [rng.randrange(0x80, 1 << self.geo.addr_w) for _ in range(8)]
        items = []
        for a in unm:
            items += [wr(a, rng.getrandbits(32)), rd(a)]
        for r in REG:
            if r not in RW_REGS:
                items.append(wr(r, rng.getrandbits(32)))          # read-only
            if r in WO_REGS:
                items.append(rd(r))                              # write-only
        items += [wr("CTRL", 0x31, strb=0x1), rd("CTRL"),           # partial strobe: no effect
                  wr("MEM_ADDR", G.IMAGE_WORDS), wr("MEM_ADDR", 0xFFFF | 3 << 16), rd("MEM_ADDR"),
                  wr("MEM_ADDR", 5 | 0xABC << 18), rd("MEM_ADDR"),   # reserved bits ignored
                  rd(REG["ID"] | 2), rd(REG["INFO"] | 1),          # byte offsets ignored
                  wr(REG["CTRL"] | 3, 0x20), rd(REG["CTRL"] | 1), wr(REG["CTRL"] | 2, 0), rd("CTRL")]
        await self.axil(items)
        await self.readback(0, 0, 2)

        # accesses while a beat is in flight: a dense beat keeps the engine busy
        dense = np.ones((1, 2 * G.N_IN), dtype=np.uint8)
        task = cocotb.start_soon(self.send(self.beat_items(
            np.concatenate([dense, rslots[:1]]), [dict(kind="dense")] + rmeta[:1])))
        while _bit(self.dut.s_beat_ready):
            await RisingEdge(self.dut.clk)
        await self.axil([wr("CTRL", 1), wr("CMD", 1), wr("MEM_ADDR", 7), wr("WDATA0", 1), wr("WDATA3", 2),
                         rd("RDATA0"), rd("RDATA3"), rd("STATUS"), rd("CTRL"), rd("MEM_ADDR")])
        await task
        await self.drain()
        await self.readback(0, 0, 2)                              # memory unchanged
        await self.read_status()
        await self.axil([wr("CMD", 1)])                           # clear the statistics
        await self.read_status()
        await self.send(self.beat_items(rslots[1:], rmeta[1:]))


@pyuvm.test()
class IfConfigTest(IfBaseTest):
    """Configuration path: all four banks written and read back word by word
    over AXI4-Lite, the auto-increment wrapping from one bank into the next and
    from bank 3 to bank 0, then one beat per bank."""

    IDLE_PCT = 0
    BP_PCT = 0
    REQUIRE = {"axil": ("ok_mem_wr", "ok_mem_rd")}

    async def body(self):
        full = int(os.environ.get("SNN_FULL_READBACK", "1"))
        banks = [random_bank(self.rng, f"cfg{b}") for b in range(4)]
        # one continuous stream through all banks: MEM_ADDR wraps into the next bank by itself
        items = [self.wr("MEM_ADDR", 0)]
        for p in banks:
            for w in G.pack_bank(p):
                items += [self.wr(f"WDATA{k}", (w >> (32 * k)) & 0xFFFFFFFF) for k in range(4)]
        await self.axil(items + [self.rd("MEM_ADDR")])
        for b in range(4):
            if full:
                await self.readback(b, 0, G.IMAGE_WORDS)
            else:
                await self.readback(b, 0, 16)
                await self.readback(b, G.IMAGE_WORDS - 40, 40)
        await self.readback(3, G.IMAGE_WORDS - 1, 2)              # wraps to bank 0, word 0
        await self.axil([self.rd("MEM_ADDR")])
        rslots, rmeta = real_beats(1, self.knobs.seed, records=("101", "207", "208", "217"))
        for b in range(4):
            await self.drain()
            await self.set_ctrl(0, b)
            await self.send(self.beat_items(rslots[b:b + 1], rmeta[b:b + 1]))


@pyuvm.test()
class IfStressTest(IfBaseTest):
    """Maximal beats: every slot set, every hidden neuron saturating and firing
    twice in both passes of all three cascade stages (the largest cycle, event
    and saturation counts: every bit of the statistics registers toggles), and
    extreme weights (+127 / -128) on every lane."""

    IDLE_PCT = 0
    BP_PCT = 0
    REQUIRE = {"severity": ("sev3_stages3",)}

    async def body(self):
        rng = self.rng
        for b in (1, 2, 3):
            p = random_bank(rng, f"stress{b}", hidden_bias=20000, b3=(-20000, 20000))
            w1 = np.where(rng.random(p.w1.shape) < 0.5, 127, -128)
            p = G.SnnParams(w1=w1, w2=p.w2, w3=p.w3, b1=p.b1, b2=p.b2, b3=p.b3, theta1=p.theta1,
                            theta2=p.theta2, name=p.name)
            await self.load_bank(b, p)
        await self.set_ctrl(1)
        dense = np.ones((2, 2 * G.N_IN), dtype=np.uint8)
        dense[1, G.N_IN:] = 0                                      # second: pass 1 empty
        await self.send(self.beat_items(dense, [dict(kind="dense")] * 2))
        await self.drain()
        await self.read_status()
        await self.set_ctrl(0, 1)
        await self.send(self.beat_items(dense[:1], [dict(kind="dense")]))


@pyuvm.test()
class IfCycleTest(IfBaseTest):
    """Cycle count against the analytical formula: with TRACE_EN=0, no idle and
    no back-pressure, the decision handshake comes exactly N+1 cycles after the
    beat handshake (N from docs/snn_if_rtl.md), and CYCLES_LAST reads N after
    every beat; reports the cycles per beat on real beats."""

    IDLE_PCT = 0
    BP_PCT = 0

    def end_of_elaboration_phase(self):
        super().end_of_elaboration_phase()
        if self.geo.trace == 0:
            self.env.predictor.check_latency = True
            self.env.sb.REQUIRED = self.env.sb.REQUIRED + ("latency",)

    async def body(self):
        rslots, rmeta = real_beats(1, self.knobs.seed, records=self.knobs.records)
        xslots, xmeta = random_slots(self.rng, 7)
        p0 = calibrate(random_bank(self.rng, "cyc0"), rslots)
        await self.load_bank(0, p0)
        items = self.beat_items(rslots, rmeta) + self.beat_items(xslots, xmeta)
        for it in items[:6]:                       # CYCLES_LAST after single beats
            await self.send([it])
            await self.drain()
            await self.axil([self.rd("CYCLES"), self.rd("EVENTS")])
        await self.send(items[6:])                 # back to back
        await self.drain()
        pred = [(r, runs) for r, mode, runs, _, _ in self.env.predictor.predicted if mode == 0]
        cyc = np.array([r.cycles for r, runs in pred[:len(rslots)]])
        ev = np.array([sum(x.events for x in runs) for r, runs in pred[:len(rslots)]])
        lb = ev / self.geo.lanes
        self.logger.info(f"cycles per beat on {len(cyc)} real beats (random bank): mean {cyc.mean():.1f}, "
                         f"min {cyc.min()}, max {cyc.max()}; lower bound events/LANES mean {lb.mean():.1f}; "
                         f"overhead per stage {self.geo.stage_overhead}")


@pyuvm.test(skip=not TRAINED.exists())
class IfTrainedTest(IfBaseTest):
    """The trained images (golden/params/snn_if) loaded unchanged over AXI4-Lite,
    real MIT-BIH beats in screen mode (binary bank) and cascade mode."""

    IDLE_PCT = 5
    BP_PCT = 5
    REQUIRE = {"screen_class": (0, 1)}

    async def body(self):
        split = os.environ.get("SNN_SPLIT", "intra")
        banks = G.load_split(split)
        for b, name in enumerate(G.BANKS):
            await self.load_bank(b, banks[name])
        rslots, rmeta = real_beats(self.knobs.beats_per_record, self.knobs.seed, records=self.knobs.records)
        await self.send(self.beat_items(rslots, rmeta))
        await self.drain()
        await self.set_ctrl(1)
        await self.send(self.beat_items(rslots[::2], rmeta[::2]))
        await self.drain()
        pred = self.env.predictor.predicted
        for mode in (0, 1):
            cyc = np.array([r.cycles for r, m, *_ in pred if m == mode])
            if len(cyc):
                self.logger.info(f"trained {split}, mode {mode}: cycles per beat mean {cyc.mean():.1f}, "
                                 f"min {cyc.min()}, max {cyc.max()} over {len(cyc)} beats")


@pyuvm.test(skip=not TRAINED.exists())
class IfInitTest(IfBaseTest):
    """Runs on the build with INIT_BANK0..3 = the trained intra images
    ($readmemh, the FPGA-bitstream path; TESTS entry ``snn_if_init``): nothing
    is written over AXI4-Lite.  The model's memory mirror starts from the same
    files (the known initial contents); the images are read back over AXI4-Lite
    and real beats run in screen and cascade mode."""

    IDLE_PCT = 5
    BP_PCT = 5
    REQUIRE = {"axil": ("ok_mem_rd",)}

    def end_of_elaboration_phase(self):
        super().end_of_elaboration_phase()
        for b, name in enumerate(G.BANKS):
            self.env.predictor.mem[b] = G.read_hex(G.PARAMS_DIR / G.hex_name("intra", name))

    async def body(self):
        for b in range(len(G.BANKS)):
            await self.readback(b, 0, 4)
            await self.readback(b, G.IMAGE_WORDS - 12, 12)        # biases and thresholds
        rslots, rmeta = real_beats(1, self.knobs.seed, records=self.knobs.records or D.MITDB_RECORDS[::3])
        await self.send(self.beat_items(rslots, rmeta))
        await self.drain()
        await self.set_ctrl(1)
        await self.send(self.beat_items(rslots, rmeta))
        await self.drain()
        # the write port of this build (its own module and coverage record): all-ones and
        # all-zeros words at physical words 0, 8191 (bank 2 word 2355) and 11671 (bank 3 word
        # 2917) toggle every address and data bit both ways; read back
        ones, items = 0xFFFFFFFF, []
        for b, word, data in ((0, 0, ones), (2, 2355, 0), (3, G.IMAGE_WORDS - 1, ones), (0, 0, 0)):
            items += [self.wr("MEM_ADDR", b << 16 | word)] + [self.wr(f"WDATA{k}", data) for k in range(4)]
            items += [self.wr("MEM_ADDR", b << 16 | word)] + [self.rd(f"RDATA{k}") for k in range(4)]
        await self.axil(items)


@pyuvm.test(expect_error=ScoreboardError)
class IfCorruptModelTest(IfBaseTest):
    """Must FAIL with a scoreboard error: the model's theta1 is off by one."""

    def build_phase(self):
        uvm_factory().set_type_override_by_type(IfPredictor, CorruptedPredictor)
        super().build_phase()

    async def body(self):
        rslots, rmeta = real_beats(1, self.knobs.seed, records=("100", "119"))
        await self.load_bank(0, calibrate(random_bank(self.rng, "bad"), rslots))
        await self.send(self.beat_items(rslots, rmeta))
