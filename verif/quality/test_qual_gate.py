# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the signal-quality gate (rtl/quality/qual_gate.v) against golden/quality.py.

Beat windows (250 samples, R at 100) are streamed into ``s_axis`` with random idle cycles; the
input monitor feeds the predictor, which applies the gate's frame rules (tlast on sample 249; a
short frame is discarded, a long one cut at 249 and its tail dropped; samples saturated to
-1024..1023) and runs ``golden.quality.beat_quality`` on every well-formed window. The scoreboard
compares, exactly and in order,

* ``qual``  every result on m_qual: the reason mask and hf, amp, flat, rail,
* ``stat``  every stat_sat / stat_len_err pulse (one cycle after the sample's handshake).

Windows: real MIT-BIH beats (golden/data.py), the same beats with golden/noise.py muscle (``ma``)
and mains (``pl``) noise at 12 and 6 dB (added to a 3 s excerpt around the beat, SNR against that
excerpt), and constructed windows for FLAT, CLIP and LOWAMP and the edges of every comparison
(run 35/36, 2/3 rail samples, amp 19/20, (hf << 4) equal to and one above HF_T * amp).
m_qual is back-pressured at random (BP_PCT) and, in the back-pressure test, for long stretches.

Tests: QualRegressionTest, QualBackpressureTest, QualResetTest (reset at random points and with a
result in flight), QualBadInputTest (short and long frames, out-of-range samples),
QualCorruptModelTest (the model's hf + 1: must fail with ScoreboardError).
"""

from __future__ import annotations

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from pyuvm import ConfigDB, uvm_env, uvm_factory, uvm_monitor, uvm_analysis_port, uvm_sequencer
from pyuvm import uvm_subscriber, uvm_test

from golden import data as D
from golden import formats as F
from golden import noise as N
from golden import quality as Q
from verif.common.beats import BeatItem, BeatSequence, select_beats
from verif.common.clocking import Knobs, reset, start_clock, wait_quiet
from verif.common.coverage import CoverageCollector
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.stream import ReadyDriver, StreamMonitor, StreamSourceDriver, StreamWord, _bit

QUAL_FIELDS = ["m_qual_hf", "m_qual_amp", "m_qual_flat", "m_qual_rail"]
NOISE_CASES = (("ma", 12), ("ma", 6), ("pl", 12), ("pl", 6))
NOISE_RECORDS = ("100", "119", "208", "105", "203", "232")
EXCERPT_HALF = 540                      # 3 s excerpt around the R peak for the noise (>= 2 s needed)


# --------------------------------------------------------------------------- model side
class QualPredictor(uvm_subscriber):
    """The gate's frame rules and golden/quality.py on every accepted input word."""

    def build_phase(self):
        self.sb = None
        self.cov = None
        self.reset()

    def reset(self):
        self.idx, self.drop, self.buf = 0, False, []
        if self.sb is not None:
            self.sb.flush()

    def model(self, window: np.ndarray) -> Q.Quality:
        return Q.beat_quality(window)

    def write(self, w: StreamWord):
        if self.drop:
            if w.last:
                self.drop = False
            return
        x = min(max(int(w.data), Q.X_MIN), Q.X_MAX)
        sat = int(x != int(w.data))
        last_idx = self.idx == Q.BEAT_LEN - 1
        len_err = int(bool(w.last) != last_idx)
        if sat or len_err:
            self.sb.expect("stat", (sat, len_err))
            if self.cov is not None:
                if sat:
                    self.cov.sample("event", "saturated_sample")
                if len_err:
                    self.cov.sample("event", "frame_too_long" if last_idx else "frame_too_short")
        self.buf.append(x)
        if last_idx or w.last:
            if last_idx and w.last:
                q = self.model(np.asarray(self.buf, dtype=np.int64))
                self.sb.expect("qual", StreamWord(data=q.reasons, extras=(
                    ("m_qual_hf", q.hf), ("m_qual_amp", q.amp), ("m_qual_flat", q.flat), ("m_qual_rail", q.rail))))
                if self.cov is not None:
                    self.cov.on_result(q)
            self.drop = last_idx and not w.last
            self.idx, self.buf = 0, []
        else:
            self.idx += 1


class CorruptedPredictor(QualPredictor):
    """The golden model with hf one too high: used only to prove the scoreboard fails."""

    def model(self, window):
        q = super().model(window)
        return Q.Quality(q.readable, q.reasons, q.hf + 1, q.amp, q.flat, q.rail)


class StatMonitor(uvm_monitor):
    """Publishes (stat_sat, stat_len_err) in every cycle (outside reset) where either is high."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.dut = ConfigDB().get(self, "", "dut")

    async def run_phase(self):
        d = self.dut
        while True:
            await FallingEdge(d.clk)
            if _bit(d.rst):
                continue
            s, e = _bit(d.stat_sat), _bit(d.stat_len_err)
            if s or e:
                self.ap.write((s, e))


class QualScoreboard(ExactScoreboard):
    CHANNELS = ("qual", "stat")
    REQUIRED = ("qual",)

    def describe(self, channel, item):
        if channel == "qual":
            ex = dict(item.extras)
            return (f"reasons={item.data:04b} {Q.reason_names(item.data) if 0 <= item.data < 16 else '?'} "
                    f"hf={ex.get('m_qual_hf')} amp={ex.get('m_qual_amp')} flat={ex.get('m_qual_flat')} "
                    f"rail={ex.get('m_qual_rail')}")
        return f"stat_sat={item[0]} stat_len_err={item[1]}"


class QualCoverage(CoverageCollector):
    """Reason bits, readable beats, window kinds, comparison edges, stalls and resets."""

    def build_phase(self):
        super().build_phase()
        for name in ("reason", "window", "event"):
            self.coverpoint(name)
        self.env = None

    def on_item(self, item):
        self.sample("window", item.meta.get("kind", "clean"))

    def on_result(self, q: Q.Quality):
        if q.readable:
            self.sample("reason", "readable")
        for n in q.names:
            self.sample("reason", n)
        if (q.hf << Q.HF_SHIFT) == Q.HF_T * q.amp:
            self.sample("event", "noise_equal")
        if q.amp == Q.AMP_MIN - 1 or q.amp == Q.AMP_MIN:
            self.sample("event", f"amp_{q.amp}")
        if q.flat in (Q.FLAT_RUN - 1, Q.FLAT_RUN):
            self.sample("event", f"flat_{q.flat}")
        if q.rail in (Q.RAIL_MAX, Q.RAIL_MAX + 1):
            self.sample("event", f"rail_{q.rail}")

    def extract_phase(self):
        e = self.env
        if e is None:
            return
        if e.in_mon.stall_cycles:
            self.sample("event", "input_stalled", e.in_mon.stall_cycles)
        if e.qual_mon.stall_cycles:
            self.sample("event", "result_backpressure", e.qual_mon.stall_cycles)
        if e.driver.frames_abandoned:
            self.sample("event", "reset_mid_beat", e.driver.frames_abandoned)


class _Fwd(uvm_subscriber):
    def write(self, item):
        self.fn(item)


# ------------------------------------------------------------------------------ env
class QualEnv(uvm_env):
    def build_phase(self):
        cdb = ConfigDB()
        dut = cdb.get(self, "", "dut")
        knobs: Knobs = cdb.get(self, "", "knobs")
        cdb.set(self, "*", "dut", dut)
        cdb.set(self, "*", "clk", dut.clk)
        cdb.set(self, "*", "rst", dut.rst)
        cdb.set(self, "driver", "prefix", "s_axis")
        cdb.set(self, "driver", "idle_pct", knobs.idle_pct)
        cdb.set(self, "driver", "rng", knobs.rng("driver"))
        cdb.set(self, "in_mon", "prefix", "s_axis")
        cdb.set(self, "in_mon", "signed", True)
        cdb.set(self, "qual_ready", "prefix", "m_qual")
        cdb.set(self, "qual_ready", "ready_name", "m_qual_ready")
        cdb.set(self, "qual_ready", "bp_pct", knobs.bp_pct)
        cdb.set(self, "qual_ready", "rng", knobs.rng("qual_ready"))
        cdb.set(self, "qual_mon", "prefix", "m_qual")
        cdb.set(self, "qual_mon", "data_name", "m_qual_reasons")
        cdb.set(self, "qual_mon", "valid_name", "m_qual_valid")
        cdb.set(self, "qual_mon", "ready_name", "m_qual_ready")
        cdb.set(self, "qual_mon", "extras", QUAL_FIELDS)

        self.seqr = uvm_sequencer("seqr", self)
        self.driver = StreamSourceDriver("driver", self)
        self.in_mon = StreamMonitor("in_mon", self)
        self.qual_ready = ReadyDriver("qual_ready", self)
        self.qual_mon = StreamMonitor("qual_mon", self)
        self.stat_mon = StatMonitor("stat_mon", self)
        self.predictor = QualPredictor.create("predictor", self)
        self.sb = QualScoreboard("sb", self)
        self.cov = QualCoverage("cov", self)
        self.item_fwd = _Fwd("item_fwd", self)

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.predictor.sb = self.sb
        self.predictor.cov = self.cov
        self.cov.env = self
        self.in_mon.ap.connect(self.predictor.analysis_export)
        self.in_mon.reset_listeners.append(self.predictor.reset)
        self.qual_mon.ap.connect(self.sb.export("qual"))
        self.stat_mon.ap.connect(self.sb.export("stat"))
        self.item_fwd.fn = self.cov.on_item
        self.driver.ap.connect(self.item_fwd.analysis_export)


# ------------------------------------------------------------------------ stimulus
def _item(name, window, kind, meta=None):
    w = np.asarray(window, dtype=np.int64)
    if w.shape != (Q.BEAT_LEN,):
        raise ValueError(f"{name}: a window has {Q.BEAT_LEN} samples, got {w.shape}")
    it = BeatItem(name, w, **(meta or {}))
    it.meta["kind"] = kind
    return it


def clean_items(per_record, seed, records=None):
    bs, labels = select_beats(per_record, seed, records=records)
    return [_item(f"beat_{bs.record[i]}_{bs.sample[i]}", bs.x[i], "clean",
                  dict(record=bs.record[i], sample=bs.sample[i], symbol=bs.symbol[i], aami=labels[i]))
            for i in range(len(bs))]


def noisy_items(records, seed, cases=NOISE_CASES):
    """One beat per record and noise case: golden/noise.py add_noise on the 3 s excerpt around the
    beat (seeded by the record and R sample), the 250-sample window taken from the noisy excerpt."""
    bs, labels = select_beats(len(cases), seed, records=records)
    out = []
    recs = {}
    for i in range(len(bs)):
        name = str(bs.record[i])
        rec = recs.setdefault(name, D.read_record(name))
        r = int(bs.sample[i])
        if r - EXCERPT_HALF < 0 or r + EXCERPT_HALF > rec.sig_len:
            continue
        k = sum(1 for it in out if it.meta["record"] == int(bs.record[i]))
        kind, snr = cases[k % len(cases)]
        y, _ = N.add_noise(rec.signal[r - EXCERPT_HALF:r + EXCERPT_HALF], snr, kind, seed=seed,
                           record=f"{name}_{r}")
        w = y[EXCERPT_HALF - Q.R_IDX:EXCERPT_HALF - Q.R_IDX + Q.BEAT_LEN]
        out.append(_item(f"beat_{name}_{r}_{kind}{snr}", w, f"{kind}{snr}",
                         dict(record=bs.record[i], sample=r, symbol=bs.symbol[i], aami=labels[i])))
    return out


def _plateaus():
    """0/1 plateaus of 30 samples: no run reaches FLAT_RUN, hf 2 per edge, little amplitude."""
    return (np.arange(Q.BEAT_LEN) // 30) % 2


def constructed_items(base: np.ndarray):
    """Windows that fire FLAT, CLIP and LOWAMP and sit on each comparison's edge; every one is
    checked here against the measure it was built for (a wrong construction is an error)."""
    base = np.asarray(base, dtype=np.int64)
    want = []                                                # (name, window, {measure: value})

    flat = np.full(Q.BEAT_LEN, 37, np.int64)
    want.append(("flat_all", flat, {"flat": Q.BEAT_LEN, "amp": 0, "hf": 0}))
    for run in (Q.FLAT_RUN - 1, Q.FLAT_RUN):
        w = _plateaus() * 3 + np.arange(Q.BEAT_LEN) * 2      # strictly rising: every run 1
        w[160:160 + run] = w[160]
        want.append((f"flat_{run}", w, {"flat": run}))
    w = base.copy()
    w[170:170 + Q.FLAT_RUN + 4] = w[170]
    want.append(("flat_real", w, {}))

    want.append(("clip_many", np.clip(base * 8, Q.X_MIN, Q.X_MAX), {}))
    for n in (Q.RAIL_MAX, Q.RAIL_MAX + 1):                    # n rail samples: one low, n - 1 high
        w = _plateaus() * 5 + 100
        w[200:200 + n - 1] = Q.X_MAX
        w[20] = Q.X_MIN
        want.append((f"rail_{n}", w, {"rail": n}))
    want.append(("rails_all", np.where(np.arange(Q.BEAT_LEN) % 2, Q.X_MAX, Q.X_MIN), {"rail": Q.BEAT_LEN}))

    # large hf: +-a alternating gives |d2| = 4a at every centre (hf bits 17 and 18 of the result)
    for a in (317, 512):
        w = np.where(np.arange(Q.BEAT_LEN) % 2, a, -a)
        want.append((f"alternating_{a}", w, {"hf": Q.HF_TERMS * 4 * a, "amp": 2 * a}))
    want.append(("lowamp_real", np.floor_divide(base, 32), {}))
    for amp in (Q.AMP_MIN - 1, Q.AMP_MIN):
        w = _plateaus().copy()
        w[Q.R_IDX] = amp                                      # plateau 1 at R: max amp, min 0
        want.append((f"amp_{amp}", w, {"amp": amp}))

    # NOISE edge: (hf << HF_SHIFT) == HF_T * amp, and one above. Plateau edges outside the QRS give
    # hf0; a step of h at sample 20 (inside a plateau) adds 2h and shifts the QRS region alike.
    amp = 4 * 10
    target = (Q.HF_T * amp) >> Q.HF_SHIFT
    if (target << Q.HF_SHIFT) != Q.HF_T * amp:
        raise ValueError("noise edge: HF_T * amp must be a multiple of 2^HF_SHIFT; choose another amp")
    p = _plateaus()
    hf0 = Q.beat_quality(p).hf
    if (target - hf0) % 2 or target < hf0:
        raise ValueError(f"noise edge: cannot reach hf={target} from {hf0} with a step")
    w = p.copy()
    w[20:] += (target - hf0) // 2
    w[Q.R_IDX] += amp - 1
    want.append(("noise_equal", w, {"hf": target, "amp": amp}))
    w2 = w.copy()
    w2[0] += 1                                                # centre 1 gains |d2| = 1
    want.append(("noise_above", w2, {"hf": target + 1, "amp": amp}))

    items = []
    for name, w, expect in want:
        q = Q.beat_quality(w)
        for k, v in expect.items():
            if getattr(q, k) != v:
                raise ValueError(f"constructed window {name}: {k}={getattr(q, k)}, built for {v}")
        items.append(_item(name, w, "constructed"))
    return items


# ----------------------------------------------------------------------------- tests
class QualBaseTest(uvm_test):
    IDLE_PCT = 20
    BP_PCT = 30
    REQUIRE = {}

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(self.IDLE_PCT, self.BP_PCT, 1)
        self.logger.info(f"knobs: {self.knobs}")
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", self.knobs)
        self.env = QualEnv("env", self)

    def end_of_elaboration_phase(self):
        # the model's constants must be the ones the DUT was built with
        d = self.dut
        for port, const in (("BEAT_LEN", Q.BEAT_LEN), ("QRS_LO", Q.QRS_LO), ("QRS_HI", Q.QRS_HI),
                            ("HF_SHIFT", Q.HF_SHIFT), ("HF_T", Q.HF_T), ("LOWAMP_T", Q.AMP_MIN),
                            ("FLAT_RUN", Q.FLAT_RUN), ("RAIL_MAX", Q.RAIL_MAX), ("HF_W", F.QUAL_HF.width),
                            ("AMP_W", F.QUAL_AMP.width)):
            got = int(getattr(d, port).value)
            if got != const:
                raise ValueError(f"qual_gate parameter {port}={got} differs from golden/quality.py ({const})")
        for name, req in self.REQUIRE.items():
            self.env.cov.required[name] = set(req)
        self.env.cov.enforce = True

    def items(self):
        return clean_items(1, self.knobs.seed, records=self.knobs.records)

    async def stimulus(self, seq):
        await seq.start(self.env.seqr)

    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        start_clock(d)
        d.s_axis_tvalid.value = 0
        d.s_axis_tdata.value = 0
        d.s_axis_tlast.value = 0
        await reset(d.clk, d.rst)
        items = self.items()
        self.logger.info(f"streaming {len(items)} windows")
        await self.stimulus(BeatSequence("seq", items))
        await self.drain()
        self.drop_objection()

    async def drain(self):
        d = self.dut
        await wait_quiet(d.clk, lambda: _bit(d.s_axis_tvalid) or _bit(d.m_qual_valid), 20, 100000,
                         "qual_gate")


@pyuvm.test()
class QualRegressionTest(QualBaseTest):
    """One real beat of every record (all AAMI classes), the noisy beats, the constructed windows;
    20 % idle input, 30 % back-pressure. Every reason bit and readable beats must be seen."""

    REQUIRE = {"reason": ("readable", "noise", "low_amplitude", "flat", "clipped"),
               "window": ("clean", "ma12", "ma6", "pl12", "pl6", "constructed"),
               "event": ("noise_equal", f"amp_{Q.AMP_MIN - 1}", f"amp_{Q.AMP_MIN}",
                         f"flat_{Q.FLAT_RUN - 1}", f"flat_{Q.FLAT_RUN}",
                         f"rail_{Q.RAIL_MAX}", f"rail_{Q.RAIL_MAX + 1}", "result_backpressure")}

    def items(self):
        clean = clean_items(1, self.knobs.seed, records=self.knobs.records)
        noisy = noisy_items(self.knobs.records or NOISE_RECORDS, self.knobs.seed)
        built = constructed_items(clean[0].samples)
        rng = self.knobs.rng("order")
        items = clean + noisy + built
        rng.shuffle(items)
        return items


@pyuvm.test()
class QualBackpressureTest(QualBaseTest):
    """Heavy idle and back-pressure, and the consumer away for longer than two beats: the output
    and hold registers fill, the input stalls, and every result arrives intact and in order."""

    IDLE_PCT = 30
    BP_PCT = 70
    REQUIRE = {"event": ("input_stalled", "result_backpressure", "both_results_waiting")}

    def items(self):
        return (clean_items(1, self.knobs.seed, records=self.knobs.records or D.DS2[:8])
                + noisy_items(self.knobs.records or NOISE_RECORDS[:2], self.knobs.seed))

    async def stimulus(self, seq):
        d = self.dut
        task = cocotb.start_soon(seq.start(self.env.seqr))
        rng = self.knobs.rng("pause")
        while not task.done():
            await ClockCycles(d.clk, rng.randrange(100, 600))
            self.env.qual_ready.paused = True
            for _ in range(rng.randrange(700, 1400)):
                await FallingEdge(d.clk)
                if _bit(d.m_qual_valid) and _bit(d.s_axis_tvalid) and not _bit(d.s_axis_tready):
                    self.env.cov.sample("event", "both_results_waiting")
            self.env.qual_ready.paused = False
        await task


@pyuvm.test()
class QualResetTest(QualBaseTest):
    """Resets at random points inside beats, and with a result in flight (between the last
    sample's handshake and the output handshake): what was in flight is dropped, and every beat
    after each reset matches the model."""

    REQUIRE = {"event": ("reset_mid_beat", "reset_result_in_flight")}
    RESETS = 4

    def items(self):
        return clean_items(1, self.knobs.seed, records=self.knobs.records or D.DS1[:16])

    async def stimulus(self, seq):
        d = self.dut
        rng = self.knobs.rng("resets")
        task = cocotb.start_soon(seq.start(self.env.seqr))
        for _ in range(self.RESETS):
            await ClockCycles(d.clk, rng.randrange(200, 700))
            if task.done():
                break
            await reset(d.clk, d.rst, cycles=rng.randrange(1, 4))
        # a reset while a finished beat is still inside the gate
        for _ in range(20000):
            if task.done():
                break
            await FallingEdge(d.clk)
            if _bit(d.s_axis_tvalid) and _bit(d.s_axis_tready) and _bit(d.s_axis_tlast):
                await ClockCycles(d.clk, 1 + rng.randrange(2))
                self.env.qual_ready.paused = True
                await reset(d.clk, d.rst, cycles=1)
                self.env.qual_ready.paused = False
                self.env.cov.sample("event", "reset_result_in_flight")
                break
        await task


@pyuvm.test()
class QualBadInputTest(QualBaseTest):
    """Frames cut short and running past 250 samples give no result and a stat_len_err pulse;
    samples beyond -1024..1023 saturate to the rails (counted in rail) with a stat_sat pulse; the
    real beats between them are gated normally."""

    REQUIRE = {"event": ("frame_too_short", "frame_too_long", "saturated_sample")}

    def items(self):
        good = clean_items(1, self.knobs.seed, records=self.knobs.records or ("100", "119", "208", "233"))
        rng = self.knobs.rng("bad")
        short = _item("short", good[0].samples, "bad")
        cut = rng.randrange(40, Q.BEAT_LEN - 1)
        short.words = short.words[:cut] + [(short.words[cut][0], 1)]
        long_ = _item("long", good[1].samples, "bad")
        extra = [(int(v), 0) for v in good[2].samples[:rng.randrange(5, 120)]]
        long_.words = [(v, 0) for v, _ in long_.words] + extra + [(0, 1)]
        sat = _item("saturated", good[2].samples, "bad")
        for k, v in ((10, 32767), (30, -32768), (100, 1024), (120, -1025), (200, 1023), (210, 5000)):
            sat.words[k] = (v, sat.words[k][1])
        one = _item("one_word", good[3].samples, "bad")
        one.words = [(one.words[0][0], 1)]
        return [good[0], short, good[1], long_, good[2], sat, good[3], one, good[0]]


LATENCY = 3      # cycles from the handshake of sample BEAT_LEN-1 to m_qual_valid (docs/quality_rtl.md)


@pyuvm.test()
class QualLatencyTest(QualBaseTest):
    """No idle input, no back-pressure: the beats go in back to back at one sample per clock
    (s_axis_tready never low) and every result is valid exactly LATENCY cycles after the handshake
    of its beat's last sample."""

    IDLE_PCT = 0
    BP_PCT = 0

    def items(self):
        return clean_items(1, self.knobs.seed, records=self.knobs.records or ("100", "201", "203", "232"))

    async def stimulus(self, seq):
        d = self.dut
        task = cocotb.start_soon(seq.start(self.env.seqr))
        cycle, last_at, lat, words, first_word, last_word = 0, [], [], 0, None, None
        prev_valid = 0
        while not task.done() or len(lat) < len(last_at) or not last_at:
            await FallingEdge(d.clk)
            cycle += 1
            if _bit(d.s_axis_tvalid):
                if not _bit(d.s_axis_tready):
                    raise AssertionError(f"s_axis_tready low at cycle {cycle} with no back-pressure")
                words += 1
                first_word = cycle if first_word is None else first_word
                last_word = cycle
                if _bit(d.s_axis_tlast):
                    last_at.append(cycle)
            v = _bit(d.m_qual_valid)
            if v and not prev_valid:
                if len(lat) >= len(last_at):
                    raise AssertionError(f"a result at cycle {cycle} with no finished beat before it")
                lat.append(cycle - last_at[len(lat)])
            prev_valid = v
            if cycle > 100000:
                raise AssertionError("no result within 100000 cycles")
        await task
        if any(x != LATENCY for x in lat):
            raise AssertionError(f"result latencies {lat}, documented {LATENCY}")
        if last_word - first_word + 1 != words:
            raise AssertionError(f"{words} samples took {last_word - first_word + 1} cycles (not one per clock)")
        self.logger.info(f"{len(lat)} beats, latency {LATENCY} cycles each, {words} samples in {words} cycles")


@pyuvm.test(expect_error=ScoreboardError)
class QualCorruptModelTest(QualBaseTest):
    """Must FAIL with a scoreboard error: the golden model is replaced by one whose hf is one too
    high. If this test ever passes, the scoreboard cannot see a wrong model."""

    def build_phase(self):
        uvm_factory().set_type_override_by_type(QualPredictor, CorruptedPredictor)
        super().build_phase()

    def items(self):
        return clean_items(1, self.knobs.seed, records=("100", "105", "119"))
