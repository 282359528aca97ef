# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the raw-stream front end (rtl/frontend/ecg_frontend.v) against
golden/frontend.py.

Sequence items are stretches of a raw sample stream: segments of real MIT-BIH records
(MLII ADC codes, the first tens of seconds of noisy records such as 105, 108 and 203),
out-of-range words, a flat stretch of more than 2^16 samples (RR saturation).  The stream
driver offers one word per cycle with random idle cycles; two ready drivers back-pressure
m_axis_b and m_axis_pk.  The input monitor publishes every accepted word; the predictor
steps the golden model (golden.frontend.step, with the decision log on) on it and enqueues
what the DUT must produce: b[n] with its index n, every R peak (position, RR, kind, emission
sample), and with TRACE_EN=1 every trace record (f, base, d, b, m of every sample and every
detector decision).  The scoreboard compares every output exactly, in order; an AXI4-Lite
register model predicts every read (ID, INFO, CTRL, STATUS, SAMPLES, PEAKS, SAT, RR_AVG, SPK,
NPK, LAST_PEAK) and every response (SLVERR/DECERR).  Out-of-range input words are saturated
to s11 and counted in SAT (docs/frontend_rtl.md), so the model is fed the clipped word.

Resets: a hardware reset in the middle of a record, and CMD.RESTART (with a new CTRL.MAINS50):
the model restarts from its initial state with the mains in force, expectations in flight are
flushed, and the next accepted word is sample 0.

Tests: FrontendRegressionTest (four noisy records, idle and back-pressure, a mid-record
reset, out-of-range words, register reads), FrontendMainsTest (50 Hz via CTRL and CMD.RESTART,
back to 60 Hz, CLR_STATS, the error responses), FrontendRrSatTest (a 66,000-sample flat stretch
between beats: RR saturates), FrontendThroughputTest (TRACE_EN=0: no idle, no back-pressure,
the detector's busy cycles equal the documented count per declaration), FrontendCorruptModelTest
(the model's notch coefficient + 1: must fail with ScoreboardError).
"""

from __future__ import annotations

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from pyuvm import (ConfigDB, uvm_analysis_port, uvm_component, uvm_env, uvm_monitor, uvm_sequence,
                   uvm_sequencer, uvm_subscriber, uvm_test)

from golden import data as D
from golden import formats as F
from golden import frontend as G
from verif.common.axil import DECERR, OKAY, SLVERR, AxilItem, AxilListSeq, AxilMasterDriver, AxilMonitor
from verif.common.clocking import Knobs, reset, start_clock
from verif.common.coverage import CoverageCollector
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.stream import ReadyDriver, StreamItem, StreamMonitor, StreamSourceDriver, _bit, _uint

# register byte offsets (docs/frontend_rtl.md)
REG = {"ID": 0x00, "INFO": 0x04, "CTRL": 0x08, "CMD": 0x0C, "STATUS": 0x10, "SAMPLES": 0x14,
       "PEAKS": 0x18, "SAT": 0x1C, "RR_AVG": 0x20, "SPK": 0x24, "NPK": 0x28, "LAST_PEAK": 0x2C}
RO = ("ID", "INFO", "STATUS", "SAMPLES", "PEAKS", "SAT", "RR_AVG", "SPK", "NPK", "LAST_PEAK")
ID_VALUE = 0x46454E31                          # "FEN1"
INFO_VALUE = (F.FE_CONSTANTS["FE_MWI_LEN"] << 24) | (F.FE_CONSTANTS["FE_PEAK_HOLD"] << 16) \
    | F.FE_CONSTANTS["FE_LEARN"]
K = F.TRACE_KINDS
M16 = 0xFFFF


class FeScoreboard(ExactScoreboard):
    CHANNELS = ("b", "pk", "trc", "axil")
    REQUIRED = ("b", "pk", "axil")

    def describe(self, channel, item):
        key = item.key() if hasattr(item, "key") else item
        if channel == "pk":
            v = key[0]
            return f"pos={v & 0xFFFFFFFF} rr={(v >> 32) & M16} emit={v >> 48} kind={key[2]}"
        return repr(key)


class Expect:
    """An expected transfer: compared through key() like the monitors' StreamWord."""

    def __init__(self, *key):
        self._k = key

    def key(self):
        return self._k


class TraceMonitor(uvm_monitor):
    """Publishes every trace-port record (kind, index, step, value) at the falling edge."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)

    async def run_phase(self):
        d = cocotb.top
        while True:
            await FallingEdge(d.clk)
            if not _bit(d.rst) and _bit(d.trc_valid):
                self.ap.write(Expect(_uint(d.trc_kind), _uint(d.trc_index), _uint(d.trc_step),
                                     _uint(d.trc_value)))


class FePredictor(uvm_component):
    """Golden model (fed from the input monitor) and register model."""

    def build_phase(self):
        self.corrupt = ConfigDB().get(self, "", "corrupt")
        self.ctrl = 0
        self.restart(60)

    def restart(self, mains):
        self.mains = mains
        self.st = G.init_state(mains)
        if self.corrupt:
            self.st.c += 1
        self.st.det.events = []
        self.nev = 0
        self.prev_pos = None
        self.peaks = 0
        self.sat = 0
        self.last_peak = 0

    # ---------------------------------------------------------------- stream
    def on_sample(self, w):
        raw = w.data - (1 << 16) if w.data >= 1 << 15 else w.data
        x = min(max(raw, G.X_MIN), G.X_MAX)
        self.sat += x != raw
        self.cov.sample("input_sat", int(x != raw))
        s = self.st
        n = s.det.n
        f, b, peaks = G.step(s, x)
        fl = s.f_line
        d = 2 * fl[0] + fl[1] - fl[3] - 2 * fl[4]
        base = s.a >> G.BASE_SHIFT
        self.cov.sample("q_sat", int(d * d > G.Q_MAX))
        self.sb.expect("b", Expect(b & M16, 0, n, ()))
        if self.trace:
            self.sb.expect("trc", Expect(K["TRC_FE_FILT"], n & M16, d & M16, ((f & M16) << 16) | (base & M16)))
            self.sb.expect("trc", Expect(K["TRC_FE_OUT"], n & M16, b & M16, s.m))
        new = s.det.events[self.nev:]
        self.nev = len(s.det.events)
        accepted = []
        for (en, code, p, flags, pos) in new:
            if self.trace:
                self.sb.expect("trc", Expect(K["TRC_FE_DEC"], en & M16, (flags << 8) | code, p))
            self.cov.sample("decision", code)
            self.cov.sample("overdue", flags & G.DEC_F_OVERDUE)
            if code in (G.DEC_QRS, G.DEC_SEARCHBACK):
                accepted.append(G.KIND_SEARCHBACK if code == G.DEC_SEARCHBACK
                                else G.KIND_LEARNING if flags & G.DEC_F_LEARN else G.KIND_THRESHOLD)
        assert len(accepted) == len(peaks)
        for pos, kind in zip(peaks, accepted):
            rr = 0 if self.prev_pos is None else min(pos - self.prev_pos, G.RR_MAX)
            self.prev_pos = pos
            self.cov.sample("kind", kind)
            self.cov.sample("rr_sat", int(rr == G.RR_MAX))
            self.sb.expect("pk", Expect((n << 48) | (rr << 32) | pos, 0, kind, ()))
            self.peaks += 1
            self.last_peak = pos

    def on_reset(self):
        self.cov.sample("reset_mid_record", int(self.st.det.n > 0))
        self.ctrl = 0
        self.restart(60)
        self.sb.flush()

    # ------------------------------------------------------------- registers
    def reg_value(self, name):
        det = self.st.det
        return {"ID": ID_VALUE, "INFO": INFO_VALUE, "CTRL": self.ctrl,
                "STATUS": (1 << 5) | ((self.mains == 50) << 2) | ((det.n < G.LEARN) << 1),
                "SAMPLES": det.n, "PEAKS": self.peaks, "SAT": self.sat,
                "RR_AVG": det.rr_acc >> G.RR_AVG_SHIFT, "SPK": det.spk, "NPK": det.npk,
                "LAST_PEAK": self.last_peak}[name]

    def on_axil_req(self, a):
        """An access in the cycle the slave executes it (the datapath is quiet then)."""
        off = a.addr
        name = {v: k for k, v in REG.items()}.get(off & ~3) if off < 0x40 else None
        if a.write:
            if name in ("CTRL", "CMD"):
                resp = OKAY if a.strb == 0xF else SLVERR
            elif name in RO:
                resp = SLVERR
            else:
                resp = DECERR
            if resp == OKAY and name == "CTRL":
                self.ctrl = a.data & 1
            if resp == OKAY and name == "CMD":
                if a.data & 1:
                    self.cov.sample("restart", 1)
                    self.restart(50 if self.ctrl else 60)
                if a.data & 2:
                    self.peaks = self.sat = self.last_peak = 0
            self.cov.sample("axil_resp", resp)
            self.sb.expect("axil", Expect(1, a.addr, a.data, a.strb, resp))
        else:
            if name in RO or name == "CTRL":
                resp, data = OKAY, self.reg_value(name)
            elif name == "CMD":
                resp, data = SLVERR, 0
            else:
                resp, data = DECERR, 0
            self.cov.sample("axil_resp", resp)
            self.sb.expect("axil", Expect(0, a.addr, data, a.strb, resp))


class _Sub(uvm_subscriber):
    def __init__(self, name, parent, fn):
        super().__init__(name, parent)
        self.fn = fn

    def write(self, t):
        self.fn(t)


class FeEnv(uvm_env):
    def build_phase(self):
        cdb = ConfigDB()
        d = cocotb.top
        knobs = cdb.get(self, "", "knobs")
        for path, prefix in (("src", "s_axis"), ("in_mon", "s_axis"), ("b_mon", "m_axis_b"),
                             ("pk_mon", "m_axis_pk"), ("b_rdy", "m_axis_b"), ("pk_rdy", "m_axis_pk")):
            cdb.set(self, path, "dut", d)
            cdb.set(self, path, "prefix", prefix)
            cdb.set(self, path, "clk", d.clk)
            cdb.set(self, path, "rst", d.rst)
            cdb.set(self, path, "idle_pct", knobs.idle_pct)
            cdb.set(self, path, "bp_pct", knobs.bp_pct)
            cdb.set(self, path, "rng", knobs.rng(path))
        for path in ("axil_drv", "axil_mon"):
            cdb.set(self, path, "dut", d)
            cdb.set(self, path, "clk", d.clk)
            cdb.set(self, path, "rst", d.rst)
            cdb.set(self, path, "knobs", knobs)
        self.seqr = uvm_sequencer("seqr", self)
        self.src = StreamSourceDriver("src", self)
        self.in_mon = StreamMonitor("in_mon", self)
        self.b_mon = StreamMonitor("b_mon", self)
        self.pk_mon = StreamMonitor("pk_mon", self)
        self.b_rdy = ReadyDriver("b_rdy", self)
        self.pk_rdy = ReadyDriver("pk_rdy", self)
        self.trc_mon = TraceMonitor("trc_mon", self)
        self.axil_seqr = uvm_sequencer("axil_seqr", self)
        self.axil_drv = AxilMasterDriver("axil_drv", self)
        self.axil_mon = AxilMonitor("axil_mon", self)
        self.pred = FePredictor("pred", self)
        self.sb = FeScoreboard("sb", self)
        self.cov = CoverageCollector("cov", self)
        self.sub_in = _Sub("sub_in", self, lambda w: self.pred.on_sample(w))
        self.sub_req = _Sub("sub_req", self, lambda a: self.pred.on_axil_req(a))

    def connect_phase(self):
        self.src.seq_item_port.connect(self.seqr.seq_item_export)
        self.axil_drv.seq_item_port.connect(self.axil_seqr.seq_item_export)
        self.pred.sb, self.pred.cov = self.sb, self.cov
        self.pred.trace = int(cocotb.top.TRACE_EN.value) == 1
        self.in_mon.ap.connect(self.sub_in.analysis_export)
        self.in_mon.reset_listeners.append(self.pred.on_reset)
        self.b_mon.ap.connect(self.sb.export("b"))
        self.pk_mon.ap.connect(self.sb.export("pk"))
        self.trc_mon.ap.connect(self.sb.export("trc"))
        self.axil_mon.req_ap.connect(self.sub_req.analysis_export)
        self.axil_mon.ap.connect(self.sb.export("axil"))


class WordSeq(uvm_sequence):
    def __init__(self, name, words):
        super().__init__(name)
        self.words = words

    async def body(self):
        it = StreamItem("stretch", words=[(int(w) & M16, 0) for w in self.words])
        await self.start_item(it)
        await self.finish_item(it)


def record_segment(name: str, seconds: float, start_s: float = 0.0) -> np.ndarray:
    x = D.read_record(name).signal
    a = int(start_s * G.FS)
    return np.asarray(x[a:a + int(seconds * G.FS)], dtype=np.int64)


# (record, start in s) of the regression's 12 s stretches: in each the golden model takes a
# search-back and applies the T-wave rule (found with golden.frontend.decision_trace)
SEGMENTS = (("203", 60), ("232", 0), ("108", 1680), ("105", 1200))


class FeBaseTest(uvm_test):
    CORRUPT = False
    IDLE_PCT = 10
    BP_PCT = 20
    REQUIRE: dict = {}

    def build_phase(self):
        self.knobs = Knobs.from_env(self.IDLE_PCT, self.BP_PCT)
        self.logger.info(f"knobs: {self.knobs}")
        ConfigDB().set(None, "*", "knobs", self.knobs)
        ConfigDB().set(None, "*", "corrupt", self.CORRUPT)
        self.env = FeEnv("env", self)

    def end_of_elaboration_phase(self):
        cov = self.env.cov
        for name, bins in self.REQUIRE.items():
            cov.coverpoint(name, required=bins)
        cov.enforce = True
        if int(cocotb.top.TRACE_EN.value) == 1:
            self.env.sb.REQUIRED = self.env.sb.REQUIRED + ("trc",)

    async def axil(self, *items):
        await AxilListSeq("axil", list(items)).start(self.env.axil_seqr)
        return items

    async def stream(self, words):
        await WordSeq("words", words).start(self.env.seqr)

    async def drain(self, quiet=120):
        """Until nothing is valid on the outputs and the datapath has been idle for ``quiet``."""
        d = cocotb.top
        n = 0
        for _ in range(200000):
            await FallingEdge(d.clk)
            busy = _bit(d.m_axis_b_tvalid) or _bit(d.m_axis_pk_tvalid) or _bit(d.trc_valid) \
                or _bit(d.s_axis_tvalid)
            n = 0 if busy else n + 1
            if n >= quiet:
                await RisingEdge(d.clk)
                return
        raise AssertionError("the front end never drained")

    async def read_all(self):
        await self.axil(*[AxilItem("r", write=False, addr=REG[r]) for r in RO + ("CTRL",)])

    async def start(self):
        d = cocotb.top
        start_clock(d)
        d.s_axis_tvalid.value = 0
        d.s_axil_awprot.value = 0
        d.s_axil_arprot.value = 0
        await reset(d.clk, d.rst)
        await ClockCycles(d.clk, 2)


@pyuvm.test()
class FrontendRegressionTest(FeBaseTest):
    """12 s of four records (noisy 105, 108, 203 and 232, from where the golden model takes a
    search-back and applies the T-wave rule), idle and back-pressure, a reset in the middle of
    108, out-of-range words and a full-scale square wave (q saturates), register reads after
    each stretch."""

    SECONDS = 12
    REQUIRE = {"decision": (G.DEC_LEARN_BUF, G.DEC_QRS, G.DEC_TWAVE, G.DEC_NOISE, G.DEC_SEARCHBACK),
               "kind": (G.KIND_THRESHOLD, G.KIND_SEARCHBACK, G.KIND_LEARNING),
               "q_sat": (0, 1), "input_sat": (0, 1), "reset_mid_record": (1,), "overdue": (0, 1)}

    async def run_phase(self):
        self.raise_objection()
        d = cocotb.top
        await self.start()
        segs = [(r, 0) for r in self.knobs.records] if self.knobs.records else SEGMENTS
        for r, start in segs:
            x = record_segment(r, self.SECONDS, start)
            if r == "108":
                # a reset in the middle of the record: the rest of the stretch is abandoned,
                # the record restarts from its first sample
                task = cocotb.start_soon(self.stream(x))
                await ClockCycles(d.clk, len(x))
                await reset(d.clk, d.rst)
                await task
                await ClockCycles(d.clk, 3)
            await self.stream(x)
            await self.drain()
            await self.read_all()
            await reset(d.clk, d.rst)
            await ClockCycles(d.clk, 2)
        # out-of-range words inside a real stretch: saturated to s11, counted in SAT
        x = record_segment("203", 6, 60).copy()
        rng = np.random.default_rng(self.knobs.seed)
        pos = rng.choice(len(x), 40, replace=False)
        x[pos] = rng.choice([1024, 1500, 32767, -1025, -2000, -32768], 40)
        sq = np.where((np.arange(320) // 16) % 2 == 0, 1500, -1500)     # clipped to s11
        x = np.concatenate([x[:1000], sq, x[1000:]])
        await self.stream(x)
        await self.drain()
        await self.read_all()
        self.drop_objection()


@pyuvm.test()
class FrontendMainsTest(FeBaseTest):
    """50 Hz through CTRL.MAINS50 and CMD.RESTART, then back to 60 Hz; CMD.CLR_STATS; a stretch
    starting just before a beat with the peak stream stopped over the learning phase; a flat
    start; every error response of the register map."""

    REQUIRE = {"restart": (1,), "axil_resp": (OKAY, SLVERR, DECERR), "kind": (G.KIND_THRESHOLD,)}

    async def run_phase(self):
        self.raise_objection()
        d = cocotb.top
        await self.start()
        rnd = self.knobs.rng("wdata")

        def hi():            # CTRL and CMD ignore bits 31:2 (random here)
            return rnd.randrange(1 << 30) << 2

        x = record_segment("100", 8)
        for mains in (50, 60):
            await self.axil(AxilItem("w", addr=REG["CTRL"], data=int(mains == 50) | hi()),
                            AxilItem("w", addr=REG["CMD"], data=1 | hi()))
            await self.stream(x)
            await self.drain()
            await self.read_all()
        await self.axil(AxilItem("w", addr=REG["CMD"], data=2 | hi()))
        await self.read_all()
        # a stretch that starts 5 samples before a beat (the refinement window of its m peak
        # starts before sample 0), with the peak stream stopped over the learning phase: the
        # classifications at sample 720 wait for the peak register
        rec = D.read_record("100")
        beat = int(rec.ann_sample[3])
        await self.axil(AxilItem("w", addr=REG["CMD"], data=1 | hi()))
        self.env.pk_rdy.paused = True
        task = cocotb.start_soon(self.stream(np.asarray(rec.signal[beat - 5:beat - 5 + 4 * G.FS])))
        await ClockCycles(d.clk, 3000)
        self.env.pk_rdy.paused = False
        await task
        await self.drain()
        await self.read_all()
        # a flat start: no learning peak is buffered (SPK = NPK = 0 at sample 720)
        await self.axil(AxilItem("w", addr=REG["CMD"], data=1 | hi()))
        await self.stream(np.concatenate([np.zeros(800, dtype=np.int64), record_segment("100", 3)]))
        await self.drain()
        await self.read_all()
        await self.axil(AxilItem("w", addr=REG["SAMPLES"], data=5),        # read-only
                        AxilItem("w", addr=REG["CTRL"], data=1, strb=0x1),  # partial strobe
                        AxilItem("w", addr=0x30, data=1),                   # unmapped
                        AxilItem("w", addr=0x80, data=1),                   # above the map
                        AxilItem("r", write=False, addr=REG["CMD"]),        # write-only
                        AxilItem("r", write=False, addr=0x3C),
                        AxilItem("r", write=False, addr=0xC4),
                        AxilItem("w", addr=0x43, data=1),                   # above the map
                        AxilItem("w", addr=REG["CMD"], data=2, strb=0xE),   # partial strobe
                        AxilItem("w", addr=REG["CTRL"] | 3, data=hi()),     # byte offset ignored
                        AxilItem("r", write=False, addr=REG["SAMPLES"] | 1),
                        AxilItem("r", write=False, addr=REG["LAST_PEAK"] | 2),
                        AxilItem("r", write=False, addr=0x41))
        await self.read_all()
        self.drop_objection()


@pyuvm.test()
class FrontendRrSatTest(FeBaseTest):
    """A full-scale square wave over the learning phase, beats, a flat stretch of 66,000 samples,
    beats again: the RR interval saturates to u16."""

    IDLE_PCT = 0
    BP_PCT = 10
    REQUIRE = {"rr_sat": (0, 1)}

    async def run_phase(self):
        self.raise_objection()
        await self.start()
        a = record_segment("100", 8)
        # 2.5 s of a full-scale 15 Hz square wave first: the learning phase sees m near its
        # top (2^25.4), so SPK, NPK, the learning sum and the thresholds use their upper bits
        sq = np.where((np.arange(900) // 12) % 2 == 0, 1023, -1024)
        await self.stream(sq)
        await self.drain()
        await self.read_all()           # SPK, NPK near the top of their range
        x = np.concatenate([a, np.zeros(66000, dtype=np.int64), a])
        await self.stream(x)
        await self.drain()
        await self.read_all()
        self.drop_objection()


@pyuvm.test()
class FrontendThroughputTest(FeBaseTest):
    """TRACE_EN=0, no idle and no back-pressure: one sample per clock except at the detector's
    declarations; the detector's busy cycles equal the documented count (docs/frontend_rtl.md)."""

    IDLE_PCT = 0
    BP_PCT = 0

    async def run_phase(self):
        self.raise_objection()
        d = cocotb.top
        await self.start()
        x = record_segment("203", 20)
        busy = [0]

        async def count():
            while True:
                await FallingEdge(d.clk)
                busy[0] += _bit(d.detector_inst.busy)

        task = cocotb.start_soon(count())
        await self.stream(x)
        await self.drain()
        task.cancel()
        _, dec = G.decision_trace(x)
        want = expected_busy_cycles(dec, len(x))
        self.logger.info(f"{len(x)} samples, detector busy {busy[0]} cycles, documented {want}")
        if busy[0] != want:
            raise ScoreboardError(f"detector busy {busy[0]} cycles, documented count {want}")
        await self.read_all()
        self.drop_objection()


def expected_busy_cycles(dec: G.Decisions, n_samples: int) -> int:
    """Cycles the detector is out of ST_IN over a record (docs/frontend_rtl.md, cycles per
    sample).  A declaration of the m peak at i happens at sample n = i + PEAK_HOLD; its scan
    reads k = max(i - 50, 0) .. i - 5 and takes reads + 4 cycles (1 without a read), ST_POST 1,
    and after learning ST_CLS1, ST_CLS2, ST_GAP1, ST_GAP2, ST_SB 5 more; sample LEARN costs
    ST_LINIT, ST_GAP1, ST_GAP2, 4 per buffered learning peak and ST_SB; every search-back QRS
    costs ST_SBACC."""
    declared = np.isin(dec.code, (G.DEC_LEARN_BUF, G.DEC_LEARN_DROP)) | (
        np.isin(dec.code, (G.DEC_QRS, G.DEC_TWAVE, G.DEC_NOISE)) & ((dec.flags & G.DEC_F_LEARN) == 0))
    total = 0
    for n in dec.n[declared]:
        i = int(n) - G.PEAK_HOLD
        reads = max(i - G.REF_FWD - max(i - G.REF_BACK, 0) + 1, 0)
        total += (reads + 4 if reads else 1) + 1 + (5 if n >= G.LEARN else 0)
    if n_samples > G.LEARN:
        nbuf = int(np.count_nonzero(dec.code == G.DEC_LEARN_BUF))
        total += 3 + 4 * nbuf + 1
        if (dec.n[declared] == G.LEARN).any():
            total -= 1        # the declaration's ST_SB is the sample's one ST_SB
    return total + int(np.count_nonzero(dec.code == G.DEC_SEARCHBACK))


@pyuvm.test(expect_error=ScoreboardError)
class FrontendCorruptModelTest(FeBaseTest):
    """The model's notch coefficient is one too large: must fail."""

    CORRUPT = True

    async def run_phase(self):
        self.raise_objection()
        await self.start()
        await self.stream(record_segment("100", 3))
        await self.drain()
        self.drop_objection()
