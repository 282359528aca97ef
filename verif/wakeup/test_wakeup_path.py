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
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cocotb
import pyuvm
from cocotb.triggers import ClockCycles, Event, FallingEdge, RisingEdge
from pyuvm import (ConfigDB, uvm_analysis_port, uvm_component, uvm_env, uvm_factory, uvm_monitor,
                   uvm_sequence, uvm_sequencer, uvm_subscriber, uvm_test)

from verif.common.clocking import Knobs, reset, start_clock
from verif.common.coverage import CoverageCollector
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.stream import StreamItem, StreamMonitor, StreamSourceDriver, StreamWord, _bit


# =============================================================================== reference model
# Pure Python, no cocotb: one step per clk cycle (sample = the falling edge of the cycle).

@dataclass(frozen=True)
class HsIn:
    """DUT inputs seen at one sample."""
    rst: int
    s_valid: int
    done: int           # stage2_done = the Click's ack_out


@dataclass(frozen=True)
class HsOut:
    """DUT outputs at one sample (read from the DUT, or predicted by the model)."""
    ready: int
    req_in: int
    ack_in: int
    req_out: int
    ack_out: int
    fire: int
    valid: int
    gate_en: int
    stage2_rst: int
    wakeups: int
    gclk_edges: int
    stalls: int
    edge: int           # gated-clock rising edges at the rising edge that opened this cycle


@dataclass(frozen=True)
class HsState:
    """Registers after a rising edge of clk."""
    req_in: int = 0     # sender's two-phase request
    phase: int = 0      # Click phase = ack_in = req_out
    rst_d: int = 1      # rst one cycle later
    srst: int = 1       # stage2_rst
    edge: int = 1       # did the gate pass this rising edge (enable latched in the low phase)
    wakeups: int = 0
    gclk_edges: int = 0
    stalls: int = 0


def hs_outputs(s: HsState, i: HsIn) -> HsOut:
    ready = int(s.req_in == s.phase and s.phase == i.done and not i.rst and not s.srst)
    req_in = s.req_in ^ (i.s_valid & ready)
    fire = int(not i.rst and req_in != s.phase and i.done == s.phase)
    valid = s.phase ^ i.done
    gate_en = int((valid and not i.rst) or s.rst_d)
    return HsOut(ready=ready, req_in=req_in, ack_in=s.phase, req_out=s.phase, ack_out=i.done,
                 fire=fire, valid=valid, gate_en=gate_en, stage2_rst=s.srst, wakeups=s.wakeups,
                 gclk_edges=s.gclk_edges, stalls=s.stalls, edge=s.edge)


def hs_step(s: HsState, i: HsIn, cnt_w: int) -> tuple[HsState, HsOut]:
    """Outputs at this sample, and the registers after the next rising edge."""
    o = hs_outputs(s, i)
    m = (1 << cnt_w) - 1
    if i.rst:
        nxt = HsState(req_in=0, phase=0, wakeups=0, gclk_edges=0, stalls=0)
    else:
        nxt = HsState(req_in=o.req_in, phase=s.phase ^ o.fire,
                      wakeups=(s.wakeups + o.fire) & m,
                      gclk_edges=(s.gclk_edges + int(o.valid and not s.rst_d)) & m,
                      stalls=(s.stalls + int(i.s_valid and not o.ready)) & m)
    nxt = replace(nxt, rst_d=i.rst, srst=int(i.rst or s.rst_d), edge=o.gate_en)
    return nxt, o


# ======================================================================== windows of the time line

TOGGLES = ("req_in", "ack_in", "req_out", "ack_out")        # two-phase signals: event = transition
LEVELS = ("valid", "gate_en", "ready", "stage2_rst")         # levels: event = <name>_on / _off
LAUNCH = frozenset({"accept", "fire", "req_in"})             # events that start a wake-up


@dataclass(frozen=True)
class Window:
    """One stretch of the time line and everything that happened in it."""
    kind: str           # wakeup | aborted (by reset) | idle | reset
    length: int         # samples (a wake-up: from its handshake sample to its acknowledge sample)
    edges: int          # gated-clock rising edges in it
    events: tuple       # ((offset, (event, ...)), ...), offset from the window's first sample
    counters: tuple     # (stat_wakeups, stat_gclk_edges, stat_stall_cycles) at its last sample
    start: int = 0      # cycle number (not compared)
    back_to_back: bool = False   # (not compared) a wake-up launched at the previous one's ack
    rst_at_end: bool = False     # (not compared) reset asserted at the acknowledge sample

    def key(self):
        return (self.kind, self.length, self.edges, self.events, self.counters)


def sample_events(prev: HsOut | None, o: HsOut, accept: int, unstable: int) -> list[str]:
    ev = []
    if prev is not None:
        for n in TOGGLES:
            if getattr(o, n) != getattr(prev, n):
                ev.append(n)
        for n in LEVELS:
            if getattr(o, n) != getattr(prev, n):
                ev.append(n + ("_on" if getattr(o, n) else "_off"))
    if o.fire:
        ev.append("fire")
    if accept:
        ev.append("accept")
    ev.extend(["gclk"] * o.edge)
    if unstable:
        ev.append("unstable")
    return ev


class WindowBuilder:
    """Cuts a stream of samples (DUT outputs or model outputs) into windows.

    A wake-up is outstanding from the sample after its handshake up to the
    sample in which stage2_done toggles (the launch events of the handshake
    sample itself - accept, req_in, fire - open it, at offset 0).  A reset
    window runs from the first sample with rst to the first sample with
    neither rst nor stage2_rst; everything else is idle.  Every sample, and so
    every gated edge, belongs to exactly one window."""

    def __init__(self):
        self.prev: HsOut | None = None
        self._open("reset", None)           # armed in the initial reset; starts at its first sample

    def _open(self, kind, c, b2b=False):
        self.state = kind
        self.win = dict(kind=kind, start=c, length=0, edges=0, events={}, counters=None, b2b=b2b,
                        rst_at_end=False)

    def _add(self, c, names, o: HsOut, count_edges=True):
        w = self.win
        if w["start"] is None:
            w["start"] = c
        off = c - w["start"]
        if names:
            w["events"].setdefault(off, []).extend(names)
        if count_edges:
            w["edges"] += o.edge
        w["length"] = off + 1
        w["counters"] = (o.wakeups, o.gclk_edges, o.stalls)

    def _close(self, out: list, kind=None):
        w = self.win
        if w["length"] > 0:
            out.append(Window(kind=kind or w["kind"], length=w["length"], edges=w["edges"],
                              events=tuple((k, tuple(sorted(v))) for k, v in sorted(w["events"].items())),
                              counters=w["counters"], start=w["start"], back_to_back=w["b2b"],
                              rst_at_end=w["rst_at_end"]))

    def feed(self, c: int, o: HsOut, rst: int, accept: int, unstable: int = 0) -> list[Window]:
        ev = sample_events(self.prev, o, accept, unstable)
        launch = [e for e in ev if accept and e in LAUNCH]
        rest = [e for e in ev if not (accept and e in LAUNCH)]
        out: list[Window] = []
        if self.state == "reset":
            if rst or o.stage2_rst:
                self._add(c, rest + launch, o)
            else:
                self._add(c, rest, o)
                self._close(out)
                if accept:
                    self._open("wakeup", c)
                    self._add(c, launch, o, count_edges=False)
                else:
                    self._open("idle", c + 1)
        elif self.state == "idle":
            if rst:
                self._close(out)
                self._open("reset", c)
                self._add(c, rest + launch, o)
            else:
                self._add(c, rest, o)
                if accept:
                    self._close(out)
                    self._open("wakeup", c)
                    self._add(c, launch, o, count_edges=False)
        else:   # wakeup
            acked = self.prev is not None and o.ack_out != self.prev.ack_out and not o.valid
            if acked:
                self._add(c, rest, o)
                self.win["rst_at_end"] = bool(rst)
                self._close(out)
                if accept:
                    self._open("wakeup", c, b2b=True)
                    self._add(c, launch, o, count_edges=False)
                elif rst or o.stage2_rst:
                    self._open("reset", c + 1)
                else:
                    self._open("idle", c + 1)
            elif rst:
                self._close(out, kind="aborted")
                self._open("reset", c)
                self._add(c, rest + launch, o)
            else:
                self._add(c, rest + launch, o)     # a launch here would be a bug: keep it visible
        self.prev = o
        return out

    def finish(self) -> list[Window]:
        out: list[Window] = []
        self._close(out)
        self._open("idle", 1 << 60)
        return out


# ===================================================================================== items

@dataclass(frozen=True)
class Delivery:
    """A beat as stage 2 received it."""
    tag: int
    data: int

    def key(self):
        return (self.tag, self.data)


@dataclass(frozen=True)
class Sample:
    c: int
    inp: HsIn
    out: HsOut
    accept: int
    unstable: int
    end: bool = False


@dataclass
class Beat:
    """One beat of the first stage's screen: normal (no request) or abnormal (a request)."""
    abnormal: bool
    gap: int            # idle cycles before it (for a normal beat: its whole duration)
    data: int = 0
    tag: int = 0


# =================================================================================== components

class WakeupMonitor(uvm_monitor):
    """Samples the DUT at every falling edge of clk and publishes a :class:`Sample`
    (inputs, outputs, gated edges since the previous sample, stability of the
    stage-2 inputs across those edges).  Counts gclk_stage2's rising edges in a
    coroutine of its own.  Publishing starts in the third cycle of the initial
    reset (from then on the model's state is fully defined)."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.dut = ConfigDB().get(self, "", "dut")
        self.gclk_total = 0
        self.gclk_at_arm = None
        self.armed = False
        self.finished = False
        self.cycle = 0
        self.unstable = 0

    async def _count_gclk(self):
        while True:
            await RisingEdge(self.dut.gclk_stage2)
            self.gclk_total += 1

    def finish(self):
        """End of test: close the open windows (called between samples)."""
        if not self.finished:
            self.finished = True
            self.ap.write(Sample(self.cycle, None, None, 0, 0, end=True))

    async def run_phase(self):
        d = self.dut
        cocotb.start_soon(self._count_gclk())
        rst_run, last, prev_stab = 0, 0, None
        while True:
            await FallingEdge(d.clk)
            self.cycle += 1
            e = self.gclk_total - last
            last = self.gclk_total
            rst = _bit(d.rst)
            if not self.armed:
                rst_run = rst_run + 1 if rst else 0
                if rst_run < 3:
                    continue
                self.armed = True
                self.gclk_at_arm = self.gclk_total - e
            if self.finished:
                continue
            inp = HsIn(rst=rst, s_valid=_bit(d.s_axis_tvalid), done=_bit(d.stage2_done))
            out = HsOut(ready=_bit(d.s_axis_tready), req_in=_bit(d.hs_req_in), ack_in=_bit(d.hs_ack_in),
                        req_out=_bit(d.hs_req_out), ack_out=_bit(d.hs_ack_out), fire=_bit(d.hs_fire),
                        valid=_bit(d.stage2_valid), gate_en=_bit(d.hs_gate_en),
                        stage2_rst=_bit(d.stage2_rst), wakeups=_uint(d.stat_wakeups),
                        gclk_edges=_uint(d.stat_gclk_edges), stalls=_uint(d.stat_stall_cycles), edge=e)
            # stage-2 inputs must not change at a gated edge (only stage2_valid may, through
            # stage 2's own stage2_done): compare the values on both sides of the edge
            stab = (str(d.stage2_data.value), str(d.stage2_tag.value), out.stage2_rst, out.req_out)
            unstable = int(e > 0 and prev_stab is not None and stab != prev_stab)
            self.unstable += unstable
            prev_stab = stab
            accept = int(inp.s_valid and out.ready and not rst)
            self.ap.write(Sample(self.cycle, inp, out, accept, unstable))


def _uint(h) -> int:
    try:
        return h.value.to_unsigned()
    except ValueError:
        return -1


class Stage2Responder(uvm_component):
    """Stands in for stage 2.  Runs on gclk_stage2 only.  At each gated edge,
    like a flip-flop of stage 2 would: with stage2_rst it returns stage2_done
    to 0 and abandons its beat; otherwise, idle with stage2_valid high, it
    captures stage2_data/stage2_tag and draws a wait W; after W further gated
    edges (at once if W = 0) it toggles stage2_done and publishes the beat.
    ``done_next`` is set when the next gated edge will toggle stage2_done."""

    def build_phase(self):
        cdb = ConfigDB()
        self.dut = cdb.get(self, "", "dut")
        self.rng = cdb.get(self, "", "rng")
        self.wait_fn = cdb.get(self, "", "wait_fn")
        self.ap = uvm_analysis_port("ap", self)          # Delivery
        self.svc_ap = uvm_analysis_port("svc_ap", self)  # gated edges the beat needed (W + 1)
        self.edges = 0
        self.reset_edges = 0
        self.stray_edges = 0            # an edge with nothing to do: the gate was open for nothing
        self.delivered = 0
        self.abandoned = 0
        self.waits: list[int] = []
        self.done_next = Event()
        self.out_of_reset = False       # like stage 2's flip-flops: meaningless before a reset

    def start_of_simulation_phase(self):
        self.dut.stage2_done.value = 0

    async def run_phase(self):
        d = self.dut
        done, busy, left, beat, w = 0, False, 0, None, 0
        while True:
            await RisingEdge(d.gclk_stage2)
            self.edges += 1
            if _bit(d.stage2_rst):
                self.reset_edges += 1
                self.out_of_reset = True
                if busy:
                    self.abandoned += 1
                busy, done = False, 0
                self.done_next.clear()
            elif not self.out_of_reset:
                pass
            elif busy:
                left -= 1
                if left == 0:
                    busy = False
                    done ^= 1
                    self._deliver(beat, w)
            elif _bit(d.stage2_valid):
                beat = Delivery(tag=d.stage2_tag.value.to_unsigned(), data=d.stage2_data.value.to_unsigned())
                w = self.wait_fn(self.rng)
                if w == 0:
                    done ^= 1
                    self._deliver(beat, w)
                else:
                    busy, left = True, w
            else:
                self.stray_edges += 1
            if busy and left == 1:
                self.done_next.set()
            d.stage2_done.value = done

    def _deliver(self, beat, w):
        self.delivered += 1
        self.waits.append(w)
        self.done_next.clear()
        self.svc_ap.write(w + 1)
        self.ap.write(beat)


class HandshakePredictor(uvm_subscriber):
    """Runs the reference model on the inputs the monitor saw and posts the
    expected windows; retracts the expected delivery of a request a reset
    abandoned."""

    def build_phase(self):
        self.sb = None
        self.cnt_w = 32
        self.state = HsState()
        self.windows = WindowBuilder()

    def model_inputs(self, inp: HsIn) -> HsIn:
        return inp

    def write(self, s: Sample):
        if s.end:
            for w in self.windows.finish():
                self.sb.expect("window", w)
            return
        self.state, o = hs_step(self.state, self.model_inputs(s.inp), self.cnt_w)
        for w in self.windows.feed(s.c, o, s.inp.rst, int(s.inp.s_valid and o.ready)):
            self.sb.expect("window", w)
            if w.kind == "aborted":
                self.sb.retract("delivery", w)


class CorruptedPredictor(HandshakePredictor):
    """The reference model sees stage2_done one cycle late: it predicts one gated
    edge too many per wake-up.  Used only to prove that the scoreboard fails."""

    def build_phase(self):
        super().build_phase()
        self.done_d = 0

    def model_inputs(self, inp):
        late, self.done_d = self.done_d, inp.done
        return replace(inp, done=late)


class WindowRecorder(uvm_subscriber):
    """The actual side: cuts the DUT's own outputs into windows (``ap``) and
    publishes the gated edges of every completed wake-up (``svc_ap``)."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.svc_ap = uvm_analysis_port("svc_ap", self)
        self.cov = None
        self.windows = WindowBuilder()
        self.completed: list[Window] = []

    def write(self, s: Sample):
        ws = self.windows.finish() if s.end else self.windows.feed(s.c, s.out, s.inp.rst, s.accept, s.unstable)
        for w in ws:
            if w.kind == "wakeup":
                self.completed.append(w)
                self.svc_ap.write(w.edges)
            if self.cov is not None:
                self.cov.on_window(w)
            self.ap.write(w)


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
        # properties that hold whatever the model says
        if actual.kind == "idle" and (actual.edges or actual.events):
            self._error(f"[window] gated clock not silent while no request was outstanding: "
                        f"{self.describe(channel, actual)}")
        if actual.kind == "wakeup" and actual.edges < 1:
            self._error(f"[window] a wake-up completed without a gated edge: {self.describe(channel, actual)}")
        # (stall cycles may count again in the cycles after rst, while stage2_rst holds ready low)
        if actual.kind == "reset" and actual.counters[:2] != (0, 0):
            self._error(f"[window] counters not cleared by reset: {self.describe(channel, actual)}")
        if any("unstable" in names for _, names in actual.events):
            self._error(f"[window] a stage-2 input changed at a gated edge: {self.describe(channel, actual)}")

    def describe(self, channel, item):
        if channel == "window":
            ev = "; ".join(f"+{k}:{','.join(v)}" for k, v in item.events[:24])
            more = f" ... ({len(item.events)} cycles with events)" if len(item.events) > 24 else ""
            return (f"{item.kind}@{item.start} len={item.length} edges={item.edges} "
                    f"counters={item.counters} [{ev}{more}]")
        if channel == "delivery":
            return f"tag=0x{item.tag:04x} data=0x{item.data:x}"[:90]
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


class _Fwd(uvm_subscriber):
    def write(self, item):
        self.fn(item)


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
        self.svc_fwd = _Fwd("svc_fwd", self)

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.predictor.sb = self.sb
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

    def check_phase(self):
        """Edge totals: responder (on gclk) == monitor == sum over the windows."""
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
        quiet = 0
        for _ in range(limit):
            await FallingEdge(d.clk)
            busy = _bit(d.stage2_valid) or _bit(d.s_axis_tvalid) or _bit(d.rst) or _bit(d.stage2_rst)
            quiet = 0 if busy else quiet + 1
            if quiet >= quiet_cycles:
                return
        raise AssertionError("the wake-up path did not drain (stage 2 never acknowledged?)")

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

    async def _until(self, cond, limit=20000):
        d = self.dut
        for _ in range(limit):
            await FallingEdge(d.clk)
            if cond():
                return True
        return False

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
                ok = await self._until(lambda: _bit(d.s_axis_tvalid) and _bit(d.s_axis_tready) and not _bit(d.rst))
                if ok and mode == "launch+1":
                    await ClockCycles(d.clk, 1)
                elif ok and mode == "service":
                    await ClockCycles(d.clk, rng.randint(3, 6))
            elif mode == "ack":
                await self.env.responder.done_next.wait()
                ok = True
            else:
                ok = await self._until(lambda: _bit(d.s_axis_tready) and not _bit(d.stage2_valid))
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
