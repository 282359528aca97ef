# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the wake-up path (rtl/wakeup/wakeup_path.v, docs/wakeup.md).

Stimulus: a sequence of beats as the first-stage screen would decide them: a
"normal" beat sends nothing (the gated clock must stay silent), an "abnormal"
beat is a request on ``s_axis`` (random 500-bit slot payload in tdata, random
16-bit tag in tuser), with random idle gaps, back-to-back requests and idle
insertion.  A responder stands in for stage 2: it runs on ``gclk_stage2`` ONLY
(it never looks at ``clk``), counts its edges, captures ``stage2_data`` /
``stage2_tag`` on its own clock, waits a random number of gated cycles and
toggles ``stage2_done``.

Checks (scoreboard, exact):

* ``delivery``  every payload and tag stage 2 captured, in order, against the
                accepted requests (input monitor -> predictor); requests
                abandoned by a reset are retracted by the reference model;
* ``window``    the time line is cut into windows - each wake-up (from the
                handshake to the acknowledge), each idle stretch, each reset -
                and for each the per-cycle sequence of handshake phases
                (req_in/ack_in/req_out/ack_out toggles, fire, stage2_valid,
                gate enable, ready, stage2_rst, every gated-clock edge), the
                number of gated edges and the three statistics counters are
                compared with a cycle-accurate reference model of the handshake
                fed with the DUT's observed inputs.  Independently of the model,
                every idle window must show exactly 0 gated edges and no
                signal change, and every completed wake-up at least one edge;
* ``service``   the gated edges of each completed wake-up equal the 1 + W
                edges the responder needed (W = its random wait).

A separate test (``wakeup_click``, top level ``click_element``) drives a bare
Click element with two-phase traffic on both sides, so that requests arrive
while the receiver still holds the previous one and must wait (inside
wakeup_path that never happens: s_axis_tready waits for the acknowledge).

Every gated edge is attributed to exactly one window, so "no edge while no
request is outstanding" is checked over the whole run; the monitor also flags
any stage-2 input that changes at a gated edge (a hold race with the gated
clock).  The responder's and the monitor's edge totals must agree.

Timing: the monitor samples at falling edges of clk (the harness convention);
the responder acts at rising edges of gclk_stage2 and reads only signals the
design keeps constant across every gated edge, which is why Icarus (pre-edge
values at a RisingEdge trigger) and Verilator (post-edge values) agree.

The reference model, the windows, the monitor, the responder and the window
predictor/recorder live in verif/common/stage2.py: the system top's testbench
(verif/system) checks the same wake-up path inside ecg_stage1_top with them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cocotb
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from pyuvm import (ConfigDB, uvm_analysis_port, uvm_component, uvm_env, uvm_factory, uvm_monitor,
                   uvm_sequence, uvm_sequencer, uvm_subscriber, uvm_test)

from verif.common.clocking import Knobs, reset, start_clock, wait_quiet, wait_until
from verif.common.coverage import CoverageCollector
from verif.common.fwd import Fwd
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.stage2 import (Delivery, HandshakePredictor, Stage2Responder, WakeupMonitor, Window,
                                 WindowRecorder, describe_delivery, describe_window, window_errors)
from verif.common.stream import StreamItem, StreamMonitor, StreamSourceDriver, StreamWord, _bit



# ===================================================================================== items

@dataclass
class Beat:
    """One beat of the first stage's screen: normal (no request) or abnormal (a request)."""
    abnormal: bool
    gap: int            # idle cycles before it (for a normal beat: its whole duration)
    data: int = 0
    tag: int = 0



# =================================================================================== components

class CorruptedPredictor(HandshakePredictor):
    """The reference model sees stage2_done one cycle late: it predicts one gated
    edge too many per wake-up.  Used only to prove that the scoreboard fails."""

    def build_phase(self):
        super().build_phase()
        self.done_d = 0

    def model_inputs(self, inp):
        late, self.done_d = self.done_d, inp.done
        return replace(inp, done=late)



class DeliveryPredictor(uvm_subscriber):
    """Every request the input monitor saw accepted must reach stage 2 unchanged."""

    def build_phase(self):
        self.sb = None

    def write(self, w: StreamWord):
        self.sb.expect("delivery", Delivery(tag=w.user, data=w.data))


class WakeupScoreboard(ExactScoreboard):
    CHANNELS = ("delivery", "window", "service")
    REQUIRED = ("delivery", "window", "service")

    def build_phase(self):
        super().build_phase()
        self.retracted = 0

    def retract(self, channel, why):
        """A reset abandoned the newest request: it will never be delivered."""
        if not self.expected[channel]:
            self._error(f"[{channel}] reset abandoned a wake-up ({self.describe('window', why)}) "
                        f"but no request was waiting")
            return
        self.expected[channel].pop()
        self.retracted += 1

    def compare(self, channel, actual):
        super().compare(channel, actual)
        if channel != "window":
            return
        for msg in window_errors(actual):          # properties that hold whatever the model says
            self._error(f"[window] {msg}")

    def describe(self, channel, item):
        if channel == "window":
            return describe_window(item)
        if channel == "delivery":
            return describe_delivery(item)
        return repr(item)

    def check_phase(self):
        self.logger.info(f"{self.retracted} request(s) abandoned by reset (retracted)")
        super().check_phase()


class WakeupCoverage(CoverageCollector):
    def build_phase(self):
        super().build_phase()
        for name in ("beat", "window", "edges_per_wakeup", "idle_len", "event"):
            self.coverpoint(name)

    def on_window(self, w: Window):
        self.sample("window", w.kind)
        if w.kind == "wakeup":
            e = w.edges
            self.sample("edges_per_wakeup", "1" if e == 1 else "2-4" if e <= 4 else "5-16" if e <= 16 else "17+")
            if w.back_to_back:
                self.sample("event", "back_to_back")
            if w.rst_at_end:
                self.sample("event", "reset_at_ack")
        elif w.kind == "idle":
            n = w.length
            self.sample("idle_len", "1-9" if n < 10 else "10-99" if n < 100 else "100-999" if n < 1000 else "1000+")
        elif w.kind == "aborted":
            self.sample("event", "reset_mid_service" if w.edges else "reset_before_first_edge")
        elif w.kind == "reset":
            self.sample("event", "reset_window")


# ======================================================================================= sequence

class WakeupSequence(uvm_sequence):
    """Plays a list of :class:`Beat`: waits each beat's gap, sends the abnormal ones."""

    def __init__(self, name="wakeup_seq", beats=None, clk=None, cov=None):
        super().__init__(name)
        self.beats = list(beats or [])
        self.clk = clk
        self.cov = cov

    async def body(self):
        for b in self.beats:
            if b.gap:
                await ClockCycles(self.clk, b.gap)
            if self.cov is not None:
                self.cov.sample("beat", "abnormal" if b.abnormal else "normal")
            if not b.abnormal:
                continue
            item = StreamItem(f"beat_{b.tag:04x}", words=[(b.data, 1)], side={"s_axis_tuser": b.tag},
                              meta=dict(tag=b.tag))
            await self.start_item(item)
            await self.finish_item(item)


# ============================================================================================ env

class WakeupEnv(uvm_env):
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
        cdb.set(self, "responder", "rng", knobs.rng("responder"))
        self.seqr = uvm_sequencer("seqr", self)
        self.driver = StreamSourceDriver("driver", self)
        self.in_mon = StreamMonitor("in_mon", self)
        self.hs_mon = WakeupMonitor("hs_mon", self)
        self.responder = Stage2Responder("responder", self)
        self.predictor = HandshakePredictor.create("predictor", self)
        self.deliv_pred = DeliveryPredictor("deliv_pred", self)
        self.recorder = WindowRecorder("recorder", self)
        self.sb = WakeupScoreboard("sb", self)
        self.cov = WakeupCoverage("cov", self)
        self.svc_fwd = Fwd("svc_fwd", self)

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.predictor.sb = self.sb
        self.predictor.on_aborted = lambda w: self.sb.retract("delivery", w)
        self.recorder.cov = self.cov
        self.recorder.ap.connect(self.sb.export("window"))
        self.recorder.svc_ap.connect(self.sb.export("service"))
        self.deliv_pred.sb = self.sb
        self.in_mon.ap.connect(self.deliv_pred.analysis_export)
        self.hs_mon.ap.connect(self.predictor.analysis_export)    # model first: expect before actual
        self.hs_mon.ap.connect(self.recorder.analysis_export)
        self.responder.ap.connect(self.sb.export("delivery"))
        self.svc_fwd.fn = lambda n: self.sb.expect("service", n)
        self.responder.svc_ap.connect(self.svc_fwd.analysis_export)

    def extract_phase(self):
        """Edge totals: responder (on gclk) == monitor == sum over the windows.
        (extract_phase: it runs before every check_phase, so these errors reach
        the scoreboard before its verdict; check_phase runs bottom-up, i.e.
        after the scoreboard's.)"""
        m, r = self.hs_mon, self.responder
        seen = m.gclk_total - (m.gclk_at_arm or 0)
        if r.stray_edges:
            self.sb._error(f"stage 2 got {r.stray_edges} gated edge(s) with nothing outstanding and no reset")
        if r.edges != m.gclk_total:
            self.sb._error(f"responder counted {r.edges} gated edges, the monitor {m.gclk_total}")
        self.logger.info(f"gated edges: {seen} since arming ({r.edges - r.reset_edges} for beats, "
                         f"{r.reset_edges} for resets); {r.delivered} beats delivered, "
                         f"{r.abandoned} abandoned by reset; {m.cycle} clk cycles")


# ========================================================================================== tests

class WakeupBaseTest(uvm_test):
    """Plays ``self.plan()`` through the wake-up path with the responder's waits
    from ``self.wait_time``."""

    IDLE_PCT = 10
    N_BEATS = 240
    P_ABNORMAL = 0.45
    GAP = (0, 40)           # idle cycles before a beat (random)
    P_LONG_GAP = 0.05
    LONG_GAP = (300, 1500)
    P_ZERO_GAP = 0.25
    WAIT = (0, 12)          # responder's extra gated cycles per beat
    P_ZERO_WAIT = 0.2
    REQUIRE = {}

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(self.IDLE_PCT, 0)
        self.logger.info(f"knobs: {self.knobs}")
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", self.knobs)
        ConfigDB().set(self, "env.responder", "wait_fn", self.wait_time)
        self.env = WakeupEnv("env", self)

    def end_of_elaboration_phase(self):
        d = self.dut
        self.data_w, self.tag_w = len(d.s_axis_tdata), len(d.s_axis_tuser)
        self.env.predictor.cnt_w = len(d.stat_wakeups)
        for name, req in self.REQUIRE.items():
            self.env.cov.required[name] = set(self.env.cov.required.get(name, set())) | set(req)
        self.env.cov.enforce = True

    def wait_time(self, rng) -> int:
        return 0 if rng.random() < self.P_ZERO_WAIT else rng.randint(*self.WAIT)

    def gap(self, rng) -> int:
        r = rng.random()
        if r < self.P_ZERO_GAP:
            return 0
        if r < self.P_ZERO_GAP + self.P_LONG_GAP:
            return rng.randint(*self.LONG_GAP)
        return rng.randint(*self.GAP)

    def plan(self) -> list[Beat]:
        rng = self.knobs.rng("plan")
        beats = []
        for _ in range(self.N_BEATS):
            ab = rng.random() < self.P_ABNORMAL
            beats.append(Beat(abnormal=ab, gap=self.gap(rng) if ab else rng.randint(1, 250),
                              data=rng.getrandbits(self.data_w), tag=rng.getrandbits(self.tag_w)))
        return beats

    async def stimulus(self, seq):
        await seq.start(self.env.seqr)

    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        d.rst.value = 1
        d.s_axis_tvalid.value = 0
        d.s_axis_tdata.value = 0
        d.s_axis_tuser.value = 0
        start_clock(d)
        await ClockCycles(d.clk, 6)
        d.rst.value = 0
        beats = self.plan()
        self.logger.info(f"{sum(b.abnormal for b in beats)} abnormal and "
                         f"{sum(not b.abnormal for b in beats)} normal beats")
        await self.stimulus(WakeupSequence("seq", beats, d.clk, self.env.cov))
        await self.drain()
        self.env.hs_mon.finish()
        self.drop_objection()

    async def drain(self, quiet_cycles=64, limit=100000):
        """Until nothing is outstanding for quiet_cycles cycles (a final idle window)."""
        d = self.dut
        await wait_quiet(d.clk, lambda: _bit(d.stage2_valid) or _bit(d.s_axis_tvalid) or _bit(d.rst)
                         or _bit(d.stage2_rst), quiet_cycles, limit,
                         "the wake-up path (stage 2 never acknowledged?)")

    def extract_phase(self):
        if self.env.in_mon.stall_cycles:
            self.env.cov.sample("event", "stalled", self.env.in_mon.stall_cycles)


@pyuvm.test()
class WakeupRegressionTest(WakeupBaseTest):
    """Normal and abnormal beats, random payloads and tags, random idle gaps
    (none, short, long), back-to-back requests, idle insertion, random service
    times of stage 2."""

    REQUIRE = {"beat": ("normal", "abnormal"), "window": ("wakeup", "idle"),
               "edges_per_wakeup": ("1", "2-4", "5-16"), "idle_len": ("1-9", "10-99", "100-999"),
               "event": ("back_to_back", "stalled")}


@pyuvm.test()
class WakeupBackToBackTest(WakeupBaseTest):
    """Every beat abnormal with no gap and no idle insertion: each request waits
    with tvalid high and is accepted in the very cycle stage 2 acknowledges the
    previous one.  Throughput must be exactly one beat per W + 2 cycles."""

    IDLE_PCT = 0
    N_BEATS = 300
    P_ABNORMAL = 1.0
    P_ZERO_GAP = 1.0
    P_LONG_GAP = 0.0
    WAIT = (0, 3)
    P_ZERO_WAIT = 0.4
    REQUIRE = {"event": ("back_to_back", "stalled"), "edges_per_wakeup": ("1", "2-4")}

    def check_phase(self):
        ws = self.env.recorder.completed
        waits = self.env.responder.waits
        b2b = sum(w.back_to_back for w in ws)
        span = ws[-1].start + ws[-1].length - 1 - ws[0].start if ws else 0
        expect = sum(w + 2 for w in waits)
        self.logger.info(f"{len(ws)} wake-ups, {b2b} back-to-back, {span} cycles from the first "
                         f"handshake to the last acknowledge (analytical: sum(W + 2) = {expect})")
        if len(ws) != self.N_BEATS or b2b != self.N_BEATS - 1 or span != expect:
            raise ScoreboardError(f"throughput: {len(ws)} wake-ups, {b2b} back-to-back, {span} cycles; "
                                  f"expected {self.N_BEATS}, {self.N_BEATS - 1}, {expect}")


@pyuvm.test()
class WakeupIdleTest(WakeupBaseTest):
    """Long runs of normal beats (thousands of cycles without a request) between
    single abnormal ones: the gated clock must have exactly 0 edges in every
    one of those stretches."""

    N_BEATS = 60
    P_ABNORMAL = 0.3
    REQUIRE = {"idle_len": ("1000+",), "beat": ("normal", "abnormal")}

    def plan(self):
        rng = self.knobs.rng("plan_idle")
        return [Beat(abnormal=rng.random() < self.P_ABNORMAL, gap=rng.randint(500, 4000),
                     data=rng.getrandbits(self.data_w), tag=rng.getrandbits(self.tag_w))
                for _ in range(self.N_BEATS)]


@pyuvm.test()
class WakeupResetTest(WakeupBaseTest):
    """Resets of 1 to 4 cycles at chosen points of the handshake: in the cycle
    after a handshake (before stage 2's first gated edge), while stage 2 works,
    in the very cycle stage 2 acknowledges, and while idle.  Defined recovery
    (docs/wakeup.md): the beat in flight is abandoned, stage 2 gets exactly as
    many gated edges as rst had cycles, each with stage2_rst high, then the path
    is idle with all handshake signals at 0 and the counters cleared, and the
    next beats are delivered intact."""

    N_BEATS = 200
    P_ABNORMAL = 0.7
    WAIT = (2, 10)
    P_ZERO_WAIT = 0.05
    RESETS = 24
    REQUIRE = {"event": ("reset_before_first_edge", "reset_mid_service", "reset_at_ack", "reset_window"),
               "window": ("wakeup", "aborted", "idle", "reset")}

    async def stimulus(self, seq):
        d = self.dut
        rng = self.knobs.rng("resets")
        task = cocotb.start_soon(seq.start(self.env.seqr))
        modes = ["launch", "launch+1", "service", "ack", "idle"]
        for k in range(self.RESETS):
            if task.done():
                break
            mode = modes[k % len(modes)]
            n = rng.randint(1, 4)
            if mode in ("launch", "launch+1", "service"):
                ok = await wait_until(d.clk, lambda: _bit(d.s_axis_tvalid) and _bit(d.s_axis_tready) and not _bit(d.rst))
                if ok and mode == "launch+1":
                    await ClockCycles(d.clk, 1)
                elif ok and mode == "service":
                    await ClockCycles(d.clk, rng.randint(3, 6))
            elif mode == "ack":
                await self.env.responder.done_next.wait()
                ok = True
            else:
                ok = await wait_until(d.clk, lambda: _bit(d.s_axis_tready) and not _bit(d.stage2_valid))
            if not ok:
                break
            self.logger.info(f"reset ({mode}, {n} cycles)")
            await reset(d.clk, d.rst, cycles=n)
            await ClockCycles(d.clk, rng.randint(5, 60))
        await task


@pyuvm.test(expect_error=ScoreboardError)
class WakeupCorruptModelTest(WakeupBaseTest):
    """Must FAIL with a scoreboard error (expect_error): the reference model is
    replaced by one that sees stage2_done a cycle late.  If this test passes
    the scoreboard cannot see a wrong model."""

    N_BEATS = 40

    def build_phase(self):
        uvm_factory().set_type_override_by_type(HandshakePredictor, CorruptedPredictor)
        super().build_phase()


# ====================================================================== Click element on its own
# Inside wakeup_path, s_axis_tready already waits for stage 2's acknowledge, so the Click never
# sees a request before the previous cycle is acknowledged.  This unit test (top level
# click_element) drives both sides of a bare Click with the two-phase rules only, so requests do
# arrive early and the Click must hold them until ack_out catches up.

@dataclass(frozen=True)
class ClickSample:
    c: int
    rst: int
    req_in: int
    ack_out: int
    ack_in: int
    req_out: int
    fire: int


class ClickAgent(uvm_component):
    """Sender and receiver of a bare Click.  The sender toggles req_in only when
    ack_in == req_in (its previous request was taken), the receiver toggles
    ack_out only when req_out != ack_out (a request is waiting for it), each
    after a random number of cycles.  Both are flip-flops on clk reset by rst:
    decisions from the falling-edge sample, written after the next rising edge."""

    def build_phase(self):
        cdb = ConfigDB()
        self.dut = cdb.get(self, "", "dut")
        self.rng = cdb.get(self, "", "rng")
        self.max_delay = cdb.get(self, "", "max_delay")

    def start_of_simulation_phase(self):
        self.dut.req_in.value = 0
        self.dut.ack_out.value = 0

    async def run_phase(self):
        d, rng = self.dut, self.rng
        req, ack, s_wait, r_wait = 0, 0, None, None
        while True:
            await FallingEdge(d.clk)
            if _bit(d.rst):
                req, ack, s_wait, r_wait = 0, 0, None, None
            else:
                if req == _bit(d.ack_in):
                    s_wait = rng.randint(0, self.max_delay) if s_wait is None else s_wait - 1
                    if s_wait <= 0:
                        req, s_wait = req ^ 1, None
                if _bit(d.req_out) != ack:
                    r_wait = rng.randint(0, self.max_delay) if r_wait is None else r_wait - 1
                    if r_wait <= 0:
                        ack, r_wait = ack ^ 1, None
            await RisingEdge(d.clk)
            d.req_in.value = req
            d.ack_out.value = ack


class ClickMonitor(uvm_monitor):
    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.dut = ConfigDB().get(self, "", "dut")

    async def run_phase(self):
        d, c = self.dut, 0
        while True:
            await FallingEdge(d.clk)
            c += 1
            self.ap.write(ClickSample(c, _bit(d.rst), _bit(d.req_in), _bit(d.ack_out), _bit(d.ack_in),
                                      _bit(d.req_out), _bit(d.fire)))


class ClickPredictor(uvm_subscriber):
    """The Click's function: fire = !rst && req_in != phase && ack_out == phase;
    ack_in = req_out = phase, flipped by fire, cleared by rst.  Expects every
    fire (its cycle) and every phase transition (cycle, new phase)."""

    def build_phase(self):
        self.sb = None
        self.cov = None
        self.phase = None           # unknown until the first reset
        self.waiting = 0

    def write(self, s: ClickSample):
        if self.phase is None:
            if not s.rst:
                return
            self.phase = self.shown = 0
            return                  # the first reset cycle: the flip-flop is still unknown
        if self.phase != self.shown:        # the phase flip-flop changed at this cycle's edge
            self.sb.expect("phase", ("phase", s.c, self.phase))
            self.shown = self.phase
        fire = int(not s.rst and s.req_in != self.phase and s.ack_out == self.phase)
        if fire:
            self.sb.expect("fire", ("fire", s.c))
            if self.cov is not None:
                self.cov.sample("click", "fire_after_wait" if self.waiting else "fire_at_once")
        pending = not s.rst and s.req_in != self.phase and not fire
        self.waiting = self.waiting + 1 if pending else 0
        if s.rst and self.cov is not None and s.req_in != self.phase:
            self.cov.sample("click", "reset_with_request_waiting")
        self.phase = 0 if s.rst else self.phase ^ fire


class ClickRecorder(uvm_subscriber):
    def build_phase(self):
        self.ap_fire = uvm_analysis_port("ap_fire", self)
        self.ap_phase = uvm_analysis_port("ap_phase", self)
        self.prev = None
        self.armed = False

    def write(self, s: ClickSample):
        if not self.armed:
            self.armed = bool(s.rst)
            self.prev = s
            return
        if s.fire:
            self.ap_fire.write(("fire", s.c))
        if s.req_out != self.prev.req_out or s.ack_in != s.req_out:
            self.ap_phase.write(("phase", s.c, s.req_out) if s.ack_in == s.req_out
                                else ("ack_in != req_out", s.c, s.ack_in, s.req_out))
        self.prev = s


class ClickScoreboard(ExactScoreboard):
    CHANNELS = ("fire", "phase")
    REQUIRED = ("fire", "phase")


class ClickEnv(uvm_env):
    def build_phase(self):
        cdb = ConfigDB()
        dut = cdb.get(self, "", "dut")
        knobs: Knobs = cdb.get(self, "", "knobs")
        cdb.set(self, "*", "dut", dut)
        cdb.set(self, "agent", "rng", knobs.rng("click"))
        self.agent = ClickAgent("agent", self)
        self.mon = ClickMonitor("mon", self)
        self.predictor = ClickPredictor("predictor", self)
        self.recorder = ClickRecorder("recorder", self)
        self.sb = ClickScoreboard("sb", self)
        self.cov = CoverageCollector("cov", self)

    def connect_phase(self):
        self.predictor.sb = self.sb
        self.predictor.cov = self.cov
        self.mon.ap.connect(self.predictor.analysis_export)
        self.mon.ap.connect(self.recorder.analysis_export)
        self.recorder.ap_fire.connect(self.sb.export("fire"))
        self.recorder.ap_phase.connect(self.sb.export("phase"))


@pyuvm.test()
class ClickElementTest(uvm_test):
    """Bare Click element (top level click_element): random two-phase traffic on
    both sides, requests arriving while the receiver still holds the previous
    one, and resets with a request waiting."""

    CYCLES = 6000
    MAX_DELAY = 4

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env()
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", self.knobs)
        ConfigDB().set(self, "env.agent", "max_delay", self.MAX_DELAY)
        self.env = ClickEnv("env", self)

    def end_of_elaboration_phase(self):
        self.env.cov.coverpoint("click", ("fire_at_once", "fire_after_wait", "reset_with_request_waiting"))
        self.env.cov.enforce = True

    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        d.rst.value = 1
        start_clock(d)
        await ClockCycles(d.clk, 3)
        d.rst.value = 0
        rng = self.knobs.rng("click_resets")
        done = 0
        while done < self.CYCLES:
            n = rng.randint(100, 800)
            await ClockCycles(d.clk, n)
            done += n
            await reset(d.clk, d.rst, cycles=rng.randint(1, 3))
        await ClockCycles(d.clk, 20)
        self.drop_objection()
