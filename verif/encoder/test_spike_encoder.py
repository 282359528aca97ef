# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the spike encoder (rtl/encoder/spike_encoder.v).

Real MIT-BIH beats are streamed into ``s_axis``; the input monitor feeds the
golden model (golden/encoder.py, sample by sample); the scoreboard compares,
exactly and in order,

* ``spk``   every element of the per-sample spike stream (4 spike bits, index,
            error flag, tlast),
* ``state`` every trace-port entry: the reference levels of both threshold
            windows after every sample, the frame counter, and the status
            pulses/flags (saturation, length error, sticky config error),
* ``beat``  every 500-slot beat register and its spike count.

Tests: regression over all 48 records, back-pressure stress, reset in the
middle of beats, malformed input (wrong frame lengths, out-of-range samples, an
illegal zero gap), and an expect_fail test proving the scoreboard catches a
corrupted model.
"""

from __future__ import annotations

import cocotb
import pyuvm
from cocotb.triggers import ClockCycles, RisingEdge
from pyuvm import (ConfigDB, uvm_env, uvm_factory, uvm_sequencer, uvm_subscriber, uvm_test)

from golden import data as D
from golden import encoder as G
from golden import formats as F
from verif.common.beats import BeatItem, BeatSequence, select_beats
from verif.common.clocking import Knobs, reset, start_clock
from verif.common.coverage import CoverageCollector
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.statemon import StateMonitor, StateSample
from verif.common.stream import ReadyDriver, StreamMonitor, StreamSourceDriver, StreamWord

STATUS_PULSES = ["stat_sat", "stat_len_err"]
STATUS_LEVELS = ["stat_cfg_err"]


# --------------------------------------------------------------------------- model side
class EncoderPredictor(uvm_subscriber):
    """Feeds every accepted input word (from the input monitor) to the golden
    model and posts the expected outputs to the scoreboard."""

    def build_phase(self):
        self.sb = None
        self.cov = None
        self.state = G.EncoderState()
        self.geometry = {}

    def model_config(self, delta_s, delta_l) -> G.EncoderConfig:
        return G.EncoderConfig(delta_s=delta_s, delta_l=delta_l, substitute_zero=True, **self.geometry)

    def reset(self):
        self.state = G.EncoderState()
        self.sb.flush()

    def write(self, w: StreamWord):
        ex = dict(w.extras)
        cfg = self.model_config(ex["cfg_delta_s"], ex["cfg_delta_l"])
        self.state, o = G.step(self.state, w.data, bool(w.last), cfg)
        if self.cov is not None:
            self.cov.on_model(o, self.state)
        if not o.emitted:
            return
        self.sb.expect("spk", StreamWord(data=o.spk, last=int(o.last), user=(int(o.err) << 8) | o.index))
        value = ((o.ref_l & 0xFFFF) << 16) | (o.ref_s & 0xFFFF)
        status = (("stat_sat", int(o.sat)), ("stat_len_err", int(o.len_err)),
                  ("stat_cfg_err", int(self.state.cfg_err)))
        self.sb.expect("state", StateSample(valid=1, kind=F.TRACE_KINDS["TRC_ENC_STATE"], index=o.index,
                                            step=o.step, value=value, status=status))
        if o.beat is not None:
            self.sb.expect("beat", StreamWord(data=o.beat.as_int(), extras=(("m_beat_nspk", o.beat.nspk),)))


class CorruptedPredictor(EncoderPredictor):
    """The golden model with Delta_S off by one: used only to prove the
    scoreboard fails (expect_fail test)."""

    def model_config(self, delta_s, delta_l):
        return super().model_config(min(delta_s + 1, F.ENC_DELTA.max_code), delta_l)


class EncoderScoreboard(ExactScoreboard):
    CHANNELS = ("spk", "state", "beat")
    REQUIRED = ("spk", "state", "beat")

    def describe(self, channel, item):
        if channel == "spk":
            return (f"index={item.user & 0xFF} err={item.user >> 8} last={item.last} "
                    f"s_rise={item.data & 1} s_fall={item.data >> 1 & 1} "
                    f"l_rise={item.data >> 2 & 1} l_fall={item.data >> 3 & 1}")
        if channel == "state":
            rs = F.ENC_REF.wrap(item.value & 0xFFF)
            rl = F.ENC_REF.wrap(item.value >> 16 & 0xFFF)
            return (f"kind={item.kind} index={item.index} step={item.step} ref_s={rs} ref_l={rl} "
                    f"raw=0x{item.value:08x} status={dict(item.status)}")
        if channel == "beat":
            ones = [i for i in range(F.ENC_SLOTS) if item.data >> i & 1]
            return f"nspk={dict(item.extras).get('m_beat_nspk')} slots={ones}"
        return repr(item)


class EncoderCoverage(CoverageCollector):
    """Classes and records offered, spike counts, and every corner the
    encoder's contract defines."""

    def build_phase(self):
        super().build_phase()
        for name in ("aami_class", "record", "spikes_per_beat", "event"):
            self.coverpoint(name)     # each test states the bins it must hit (REQUIRE)
        self.env = None

    def on_item(self, item):
        m = item.meta
        if m.get("aami", -1) >= 0:
            self.sample("aami_class", D.AAMI5_CLASSES[m["aami"]])
        if m.get("record"):
            self.sample("record", str(m["record"]))

    def on_model(self, o: G.SampleOut, state):
        if o.sat:
            self.sample("event", "saturated_sample")
        if o.len_err:
            self.sample("event", "frame_too_short" if not o.index == F.ENC_BEAT_LEN - 1 else "frame_too_long")
        if state.cfg_err:
            self.sample("event", "cfg_zero_gap")
        if o.beat is not None:
            n = o.beat.nspk
            self.sample("spikes_per_beat", "0-9" if n < 10 else "10-19" if n < 20 else "20-39" if n < 40 else "40+")
        if o.emitted and o.spk:
            for bit, name in ((0, "s_rise"), (1, "s_fall"), (2, "l_rise"), (3, "l_fall")):
                if o.spk >> bit & 1:
                    self.sample("event", name)

    def extract_phase(self):
        e = self.env
        if e is not None:
            if e.in_mon.stall_cycles:
                self.sample("event", "input_stalled", e.in_mon.stall_cycles)
            if e.spk_mon.stall_cycles:
                self.sample("event", "spk_backpressure", e.spk_mon.stall_cycles)
            if e.beat_mon.stall_cycles:
                self.sample("event", "beat_waiting", e.beat_mon.stall_cycles)
            if e.in_mon.resets_seen > 1:
                self.sample("event", "reset_mid_run", e.in_mon.resets_seen - 1)
            if e.driver.frames_abandoned:
                self.sample("event", "reset_mid_beat", e.driver.frames_abandoned)


class _Fwd(uvm_subscriber):
    def write(self, item):
        self.fn(item)


# ------------------------------------------------------------------------------ env
class EncoderEnv(uvm_env):
    def build_phase(self):
        cdb = ConfigDB()
        dut = cdb.get(self, "", "dut")
        knobs: Knobs = cdb.get(self, "", "knobs")
        clk, rst = dut.clk, dut.rst
        for path in ("*",):
            cdb.set(self, path, "dut", dut)
            cdb.set(self, path, "clk", clk)
            cdb.set(self, path, "rst", rst)
        cdb.set(self, "driver", "prefix", "s_axis")
        cdb.set(self, "driver", "idle_pct", knobs.idle_pct)
        cdb.set(self, "driver", "rng", knobs.rng("driver"))
        cdb.set(self, "in_mon", "prefix", "s_axis")
        cdb.set(self, "in_mon", "signed", True)
        cdb.set(self, "in_mon", "extras", ["cfg_delta_s", "cfg_delta_l"])
        cdb.set(self, "spk_ready", "prefix", "m_axis_spk")
        cdb.set(self, "spk_ready", "bp_pct", knobs.bp_pct)
        cdb.set(self, "spk_ready", "rng", knobs.rng("spk_ready"))
        cdb.set(self, "beat_ready", "ready_name", "m_beat_ready")
        cdb.set(self, "beat_ready", "prefix", "m_beat")
        cdb.set(self, "beat_ready", "bp_pct", knobs.bp_pct)
        cdb.set(self, "beat_ready", "rng", knobs.rng("beat_ready"))
        cdb.set(self, "spk_mon", "prefix", "m_axis_spk")
        cdb.set(self, "beat_mon", "prefix", "m_beat")
        cdb.set(self, "beat_mon", "data_name", "m_beat_slots")
        cdb.set(self, "beat_mon", "valid_name", "m_beat_valid")
        cdb.set(self, "beat_mon", "ready_name", "m_beat_ready")
        cdb.set(self, "beat_mon", "extras", ["m_beat_nspk"])
        cdb.set(self, "state_mon", "pulses", STATUS_PULSES)
        cdb.set(self, "state_mon", "levels", STATUS_LEVELS)

        self.seqr = uvm_sequencer("seqr", self)
        self.driver = StreamSourceDriver("driver", self)
        self.in_mon = StreamMonitor("in_mon", self)
        self.spk_ready = ReadyDriver("spk_ready", self)
        self.beat_ready = ReadyDriver("beat_ready", self)
        self.spk_mon = StreamMonitor("spk_mon", self)
        self.beat_mon = StreamMonitor("beat_mon", self)
        self.state_mon = StateMonitor("state_mon", self)
        self.predictor = EncoderPredictor.create("predictor", self)
        self.sb = EncoderScoreboard("sb", self)
        self.cov = EncoderCoverage("cov", self)
        self.item_fwd = _Fwd("item_fwd", self)

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.predictor.sb = self.sb
        self.predictor.cov = self.cov
        self.cov.env = self
        self.in_mon.ap.connect(self.predictor.analysis_export)
        self.in_mon.reset_listeners.append(self.predictor.reset)
        self.spk_mon.ap.connect(self.sb.export("spk"))
        self.state_mon.ap.connect(self.sb.export("state"))
        self.beat_mon.ap.connect(self.sb.export("beat"))
        self.item_fwd.fn = self.cov.on_item
        self.driver.ap.connect(self.item_fwd.analysis_export)


# ----------------------------------------------------------------------------- tests
class EncoderBaseTest(uvm_test):
    """Streams `self.items()` through the encoder with the knobs of the run."""

    IDLE_PCT = 10
    BP_PCT = 10
    BEATS_PER_RECORD = 2
    REQUIRE = {}        # coverpoint -> bins this test must hit

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(self.IDLE_PCT, self.BP_PCT, self.BEATS_PER_RECORD)
        self.logger.info(f"knobs: {self.knobs}")
        self.params = G.load_params()
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", self.knobs)
        self.env = EncoderEnv("env", self)

    def end_of_elaboration_phase(self):
        # the golden model's geometry is read from the DUT, never retyped
        d = self.dut
        self.env.predictor.geometry = dict(
            beat_len=int(d.BEAT_LEN.value), s_start=int(d.S_START.value), s_len=int(d.S_LEN.value),
            l_start=int(d.L_START.value), l_len=int(d.L_LEN.value))
        for name, req in self.REQUIRE.items():
            self.env.cov.required[name] = set(self.env.cov.required.get(name, set())) | set(req)
        self.env.cov.enforce = True

    def config_side(self):
        return {"cfg_delta_s": self.params["delta_s"], "cfg_delta_l": self.params["delta_l"]}

    def items(self):
        bs, labels = select_beats(self.knobs.beats_per_record, self.knobs.seed, records=self.knobs.records)
        side = self.config_side()
        return [BeatItem.from_beatset(bs, labels, i, side=side) for i in range(len(bs))]

    async def stimulus(self, seq):
        await seq.start(self.env.seqr)

    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        start_clock(d)
        d.s_axis_tvalid.value = 0
        d.cfg_delta_s.value = self.params["delta_s"]
        d.cfg_delta_l.value = self.params["delta_l"]
        await reset(d.clk, d.rst)
        items = self.items()
        self.logger.info(f"streaming {len(items)} beats")
        await self.stimulus(BeatSequence("seq", items))
        await self.drain()
        self.drop_objection()

    async def drain(self, idle_cycles=40, limit=200000):
        """Wait until every output has been consumed (nothing left in flight)."""
        d = self.dut
        quiet = 0
        for _ in range(limit):
            await RisingEdge(d.clk)
            busy = int(d.m_axis_spk_tvalid.value) or int(d.m_beat_valid.value) or int(d.s_axis_tvalid.value)
            quiet = 0 if busy else quiet + 1
            if quiet >= idle_cycles:
                return
        raise AssertionError("the encoder did not drain its outputs")


@pyuvm.test()
class EncoderRegressionTest(EncoderBaseTest):
    """Beats from every one of the 48 records (every AAMI class), light
    idle insertion and back-pressure."""

    REQUIRE = {"aami_class": D.AAMI5_CLASSES, "record": tuple(str(r) for r in D.MITDB_RECORDS),
               "spikes_per_beat": ("0-9", "10-19", "20-39", "40+"),
               "event": ("s_rise", "s_fall", "l_rise", "l_fall")}

    def end_of_elaboration_phase(self):
        if self.knobs.records:      # a user-restricted run cannot cover every record
            self.REQUIRE = {}
        super().end_of_elaboration_phase()


@pyuvm.test()
class EncoderBackpressureTest(EncoderBaseTest):
    """Heavy idle insertion and back-pressure on both outputs: nothing may be
    lost, the beat register's stall path must be exercised."""

    IDLE_PCT = 30
    BP_PCT = 70
    REQUIRE = {"event": ("input_stalled", "spk_backpressure", "beat_waiting", "beat_register_full")}

    def items(self):
        bs, labels = select_beats(1, self.knobs.seed, records=self.knobs.records or D.DS2[:12])
        return [BeatItem.from_beatset(bs, labels, i, side=self.config_side()) for i in range(len(bs))]

    async def stimulus(self, seq):
        """Besides random back-pressure, the beat consumer goes away for long
        stretches, so a second beat completes while the first is unread: the
        input must stall (beat_pending) and both beats must arrive intact."""
        d = self.dut
        task = cocotb.start_soon(seq.start(self.env.seqr))
        rng = self.knobs.rng("pause")
        while not task.done():
            await ClockCycles(d.clk, rng.randrange(200, 1500))
            self.env.beat_ready.paused = True
            await ClockCycles(d.clk, rng.randrange(1500, 3000))
            if int(d.m_beat_valid.value) and not int(d.s_axis_tready.value) and int(d.s_axis_tvalid.value):
                self.env.cov.sample("event", "beat_register_full")
            self.env.beat_ready.paused = False
        await task


@pyuvm.test()
class EncoderResetTest(EncoderBaseTest):
    """Resets asserted at random points inside beats; the encoder must recover
    and every beat after each reset must match the model."""

    REQUIRE = {"event": ("reset_mid_beat",)}
    RESETS = 6

    def items(self):
        bs, labels = select_beats(1, self.knobs.seed, records=self.knobs.records or D.DS1[:16])
        return [BeatItem.from_beatset(bs, labels, i, side=self.config_side()) for i in range(len(bs))]

    async def stimulus(self, seq):
        rng = self.knobs.rng("resets")
        task = cocotb.start_soon(seq.start(self.env.seqr))
        d = self.dut
        for _ in range(self.RESETS):
            await ClockCycles(d.clk, rng.randrange(300, 900))
            if task.done():
                break
            self.logger.info("asserting reset in the middle of a beat")
            await reset(d.clk, d.rst, cycles=rng.randrange(1, 4))
        await task


@pyuvm.test()
class EncoderGapSweepTest(EncoderBaseTest):
    """Gaps over the whole legal range (every bit of both gap registers, the
    extremes 1 and 2047), changed at random moments, also in the middle of
    beats: the encoder must use the gaps sampled with sample 0 of each beat."""

    GAPS = (1, 2, 2047, 0x555, 0x2AA, 0x400, 0x3FF, 7, 26, 101, 64, 300)

    def items(self):
        bs, labels = select_beats(1, self.knobs.seed, records=self.knobs.records or D.MITDB_RECORDS[::3])
        rng = self.knobs.rng("gaps")
        return [BeatItem.from_beatset(bs, labels, i, side={"cfg_delta_s": rng.choice(self.GAPS),
                                                          "cfg_delta_l": rng.choice(self.GAPS)})
                for i in range(len(bs))]

    async def stimulus(self, seq):
        d = self.dut
        task = cocotb.start_soon(seq.start(self.env.seqr))
        rng = self.knobs.rng("gap_pokes")
        while not task.done():
            await ClockCycles(d.clk, rng.randrange(20, 200))
            d.cfg_delta_s.value = rng.choice(self.GAPS)
            d.cfg_delta_l.value = rng.choice(self.GAPS)
        await task


@pyuvm.test()
class EncoderBadInputTest(EncoderBaseTest):
    """Frames of the wrong length, out-of-range samples and a zero gap, mixed
    with real beats: each has the documented outcome and the stream resyncs."""

    REQUIRE = {"event": ("frame_too_short", "frame_too_long", "saturated_sample", "cfg_zero_gap")}

    def items(self):
        bs, labels = select_beats(1, self.knobs.seed, records=self.knobs.records or ("100", "119", "208", "233"))
        side = self.config_side()
        good = [BeatItem.from_beatset(bs, labels, i, side=side) for i in range(len(bs))]
        rng = self.knobs.rng("bad")
        out = []
        # a frame cut short (tlast at a random index) and one that runs past 250
        short = BeatItem.from_beatset(bs, labels, 0, side=side)
        cut = rng.randrange(40, F.ENC_BEAT_LEN - 1)
        short.words = short.words[:cut] + [(short.words[cut][0], 1)]
        long_ = BeatItem.from_beatset(bs, labels, 1, side=side)
        extra = [(int(v), 0) for v in bs.x[2][:rng.randrange(5, 120)]]
        long_.words = [(d_, 0) for d_, _ in long_.words] + extra + [(0, 1)]
        # out-of-range samples inside the QRS window (saturate to +/-2047/-2048)
        sat = BeatItem.from_beatset(bs, labels, 2, side=side)
        for k, v in ((95, 32767), (100, -32768), (105, 3000), (110, -2049), (120, 2047)):
            sat.words[k] = (v, sat.words[k][1])
        zero_s = BeatItem.from_beatset(bs, labels, 3, side={"cfg_delta_s": 0, "cfg_delta_l": side["cfg_delta_l"]})
        zero_l = BeatItem.from_beatset(bs, labels, 1, side={"cfg_delta_s": side["cfg_delta_s"], "cfg_delta_l": 0})
        return [good[0], short, good[1], long_, good[2], sat, good[3], zero_s, good[0], zero_l, good[2]]

    async def stimulus(self, seq):
        """After the bad input, a reset must clear the sticky configuration
        error, and a good beat afterwards must be encoded normally."""
        await seq.start(self.env.seqr)
        await self.drain()
        assert int(self.dut.stat_cfg_err.value) == 1, "stat_cfg_err must stay set until reset"
        await reset(self.dut.clk, self.dut.rst)
        assert int(self.dut.stat_cfg_err.value) == 0, "reset must clear stat_cfg_err"
        bs, labels = select_beats(1, self.knobs.seed, records=("101",))
        await BeatSequence("after_reset", [BeatItem.from_beatset(bs, labels, 0, side=self.config_side())]
                           ).start(self.env.seqr)


@pyuvm.test(expect_error=ScoreboardError)
class EncoderCorruptModelTest(EncoderBaseTest):
    """Must FAIL with a scoreboard error (expect_error, the strict form of
    expect_fail): the golden model is replaced by one with Delta_S + 1.  If
    this test ever passes, the scoreboard cannot see a wrong model; if it
    fails for any other reason, it is reported as a failure."""

    def build_phase(self):
        uvm_factory().set_type_override_by_type(EncoderPredictor, CorruptedPredictor)
        super().build_phase()

    def items(self):
        bs, labels = select_beats(1, self.knobs.seed, records=("100", "105", "119"))
        return [BeatItem.from_beatset(bs, labels, i, side=self.config_side()) for i in range(len(bs))]
