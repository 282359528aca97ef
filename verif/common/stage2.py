# SPDX-License-Identifier: Apache-2.0
"""The stage-2 side of the wake-up path, shared by every testbench that has one.

The wake-up path (rtl/wakeup/wakeup_path.v, docs/wakeup.md) appears in its own
testbench (verif/wakeup) and inside the system top (verif/system); both use

* the cycle-accurate **reference model** of its handshake (``hs_step``), pure
  Python, one step per clk cycle;
* the **windows** of the time line (``WindowBuilder``): each wake-up (from the
  handshake to the acknowledge), each idle stretch and each reset, with the
  per-cycle handshake events, the gated-clock edges and the statistics
  counters, so the DUT and the model can be compared window by window, and the
  model-independent properties of a window (``window_errors``: an idle window
  has no gated edge and no event, ...);
* ``WakeupMonitor``: samples the handshake at every falling edge of clk and
  counts ``gclk_stage2``'s edges (the request side's valid/ready names are
  configurable: ``s_axis_tvalid``/``s_axis_tready`` on wakeup_path, internal
  wires in a top that contains one);
* ``Stage2Responder``: the stand-in for stage 2, clocked by ``gclk_stage2``
  only;
* ``HandshakePredictor`` / ``WindowRecorder``: the model side and the DUT side
  of the ``window`` scoreboard channel.

Timing: the monitor samples at falling edges of clk (the harness convention);
the responder acts at rising edges of gclk_stage2 and reads only signals the
design keeps constant across every gated edge, which is why Icarus (pre-edge
values at a RisingEdge trigger) and Verilator (post-edge values) agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cocotb
from cocotb.triggers import Event, FallingEdge, RisingEdge
from pyuvm import ConfigDB, uvm_analysis_port, uvm_component, uvm_monitor, uvm_subscriber

from verif.common.stream import _bit, cfg_get

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



# =================================================================================== components

class WakeupMonitor(uvm_monitor):
    """Samples the DUT at every falling edge of clk and publishes a :class:`Sample`
    (inputs, outputs, gated edges since the previous sample, stability of the
    stage-2 inputs across those edges).  Counts gclk_stage2's rising edges in a
    coroutine of its own.  Publishing starts in the third cycle of the initial
    reset (from then on the model's state is fully defined).

    Config: ``dut``; optional ``valid_name`` / ``ready_name``, the request
    handshake of the wake-up path (default ``s_axis_tvalid`` / ``s_axis_tready``,
    its own port names).  Every other signal has the wake-up path's port name
    (hs_*, stage2_*, stat_*, gclk_stage2, rst)."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.dut = ConfigDB().get(self, "", "dut")
        self.s_valid = getattr(self.dut, cfg_get(self, "valid_name", "s_axis_tvalid"))
        self.s_ready = getattr(self.dut, cfg_get(self, "ready_name", "s_axis_tready"))
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
            inp = HsIn(rst=rst, s_valid=_bit(self.s_valid), done=_bit(d.stage2_done))
            out = HsOut(ready=_bit(self.s_ready), req_in=_bit(d.hs_req_in), ack_in=_bit(d.hs_ack_in),
                        req_out=_bit(d.hs_req_out), ack_out=_bit(d.hs_ack_out), fire=_bit(d.hs_fire),
                        valid=_bit(d.stage2_valid), gate_en=_bit(d.hs_gate_en),
                        stage2_rst=_bit(d.stage2_rst), wakeups=_uint(d.stat_wakeups),
                        gclk_edges=_uint(d.stat_gclk_edges), stalls=_uint(d.stat_stall_cycles), edge=e)
            # stage-2 inputs must not change at a gated edge (only stage2_valid may, through
            # stage 2's own stage2_done): compare the values on both sides of the edge.  An edge
            # needs the gate enable of the low phase before it, i.e. the gate_en of the sample
            # before it (gate_en is launched by clk's rising edge), so the (wide) values are read
            # only in the samples just before (gate_en) and just after (e > 0) a gated edge.
            if e > 0 or out.gate_en:
                stab = (str(d.stage2_data.value), str(d.stage2_tag.value), out.stage2_rst, out.req_out)
                unstable = int(e > 0 and prev_stab is not None and stab != prev_stab)
                prev_stab = stab
            else:
                unstable, prev_stab = 0, None
            self.unstable += unstable
            accept = int(inp.s_valid and out.ready and not rst)
            self.ap.write(Sample(self.cycle, inp, out, accept, unstable))


def _uint(h) -> int:
    """Unsigned value; -1 for X/Z (a counter that reset has not reached yet)."""
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
        # the configuration wake-up and the calibration input of the tops that have them: unused
        # by these tests (stage 2 is this responder, which has no configuration port)
        for name in ("cfg_wake", "stage2_cfg_wake", "wake_all"):
            if hasattr(self.dut, name):
                getattr(self.dut, name).value = 0

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
    expected windows (scoreboard channel ``window``); calls ``on_aborted(w)``
    (if set) for every wake-up the model sees abandoned by a reset."""

    def build_phase(self):
        self.sb = None
        self.on_aborted = None
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
            if w.kind == "aborted" and self.on_aborted is not None:
                self.on_aborted(w)



class WindowRecorder(uvm_subscriber):
    """The actual side: cuts the DUT's own outputs into windows (``ap``) and
    publishes the gated edges of every completed wake-up (``svc_ap``)."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.svc_ap = uvm_analysis_port("svc_ap", self)
        self.cov = None
        self.windows = WindowBuilder()
        self.completed: list[Window] = []      # the completed wake-ups
        self.log: list[Window] = []            # every window, in order

    def write(self, s: Sample):
        ws = self.windows.finish() if s.end else self.windows.feed(s.c, s.out, s.inp.rst, s.accept, s.unstable)
        for w in ws:
            self.log.append(w)
            if w.kind == "wakeup":
                self.completed.append(w)
                self.svc_ap.write(w.edges)
            if self.cov is not None:
                self.cov.on_window(w)
            self.ap.write(w)



# ========================================================================= model-independent checks

def window_errors(w: Window) -> list[str]:
    """Properties every window of the DUT must have, whatever the model says."""
    err = []
    if w.kind == "idle" and (w.edges or w.events):
        err.append(f"gated clock not silent while no request was outstanding: {describe_window(w)}")
    if w.kind == "wakeup" and w.edges < 1:
        err.append(f"a wake-up completed without a gated edge: {describe_window(w)}")
    # (stall cycles may count again in the cycles after rst, while stage2_rst holds ready low)
    if w.kind == "reset" and w.counters[:2] != (0, 0):
        err.append(f"counters not cleared by reset: {describe_window(w)}")
    if any("unstable" in names for _, names in w.events):
        err.append(f"a stage-2 input changed at a gated edge: {describe_window(w)}")
    return err


def describe_window(w: Window) -> str:
    ev = "; ".join(f"+{k}:{','.join(v)}" for k, v in w.events[:24])
    more = f" ... ({len(w.events)} cycles with events)" if len(w.events) > 24 else ""
    return f"{w.kind}@{w.start} len={w.length} edges={w.edges} counters={w.counters} [{ev}{more}]"


def describe_delivery(d: Delivery) -> str:
    return f"tag=0x{d.tag:04x} data=0x{d.data:x}"[:90]
