# SPDX-License-Identifier: Apache-2.0
"""The flagship: real MIT-BIH beats through the whole two-stage pipeline (rtl/system/ecg_pipeline_top.v).

Encoder -> RR unit -> IF screen -> Click wake-up path and clock gate -> e-prop network on
gclk_stage2.  The beats are contiguous runs of real beats of several records, streamed as
250-sample frames with their true pre-RR intervals, so the RR unit sees natural sequences.

Model side: an input monitor passes every accepted sample (with the gaps on cfg_delta_s/l)
to the golden encoder (golden/encoder.py, sample by sample: malformed frames, saturated
samples and gap 0 behave as in the RTL); the frame sideband (tag, RR sideband, learn,
label) is taken at sample 0.  For every beat the encoder model completes, the predictor
runs the RR unit (golden/rr.py), the screen or the severity cascade with the bank stage 1's
CTRL selects (golden/snn_if.py) and,
for every beat that goes to stage 2 (screen class abnormal, or wake_all high), the e-prop
network (golden/eprop.py via verif/common/eprop.py) with the weights and accumulators the
model holds -- learning a labelled beat when stage 2's CTRL.LEARN was written to 1.  The
model's stage-2 weights come from the image the test loaded (preloaded or written over the
stage-2 AXI4-Lite port).  Compared exactly, in order:

* every stage-1 decision on m_dec (class, both output membranes, tag, abnormal flag,
  stages, mode, bank; the IF engine's trace is the subject of verif/system and
  verif/snn_if),
* every stage-2 decision on m_dec2 (class, the 4 output membranes, tag, learned),
* every trace record of the e-prop engine: every hidden membrane, spike and pseudo-
  derivative, output membrane, presynaptic and readout trace of every step; in learning
  beats every output error, learning signal and postsynaptic factor of the learning window
  and every applied weight lane with its delta; the class, spikes and cycles of every beat
  (the cycles against docs/eprop_rtl.md's formula),
* the statistics of both stages at the end (beats, abnormal decisions, wake-ups, dropped
  frames, the number of stat_sat and stat_len_err pulses, stat_cfg_err; stage 2's
  BEATS_DONE over its AXI4-Lite port),
* the response (and read data) of every AXI4-Lite access of the ports test,
* after a learning run, the whole stage-2 weight memory and all 400 accumulator words,
  read back over the stage-2 AXI4-Lite port, bit for bit.

Tests: PipelineInferenceTest (intra models, screen-woken beats), PipelineLearnTest (ds1
image written over AXI4-Lite, a calibration run with wake_all and labels, then inference),
PipelinePortsTest (both AXI4-Lite maps with their error responses, cascade and screen
bank over AXI, random wide tags with junk learn/label bits, back-pressure on both decision
streams, gap changes, saturated samples, a short and a long frame),
PipelineCorruptModelTest (a wrong e-prop model: must fail).
"""

from __future__ import annotations

import random

import cocotb
import numpy as np
from cocotb.triggers import FallingEdge, RisingEdge

from golden import data as D
from golden import encoder as E
from golden import eprop as P
from golden import rr as RR
from golden import snn_if as G
from verif.common import eprop as VE
from verif.common.axil import AxilProtocolWatch
from verif.common.axil_regs import REG, STAT_REGS
from verif.common.clocking import reset, start_clock
from verif.common.snn import beat_cycles
from verif.common.stream import StreamRuleWatch, _bit, _uint

ICARUS = cocotb.SIM_NAME.lower().startswith("icarus")
M16 = 0xFFFF
# both stages' AXI4-Lite slaves are if_axil_regs (one register map)
REG_ID, REG_INFO, REG_CTRL, REG_STATUS, REG_BEATS, REG_MEM_ADDR = (REG[n] for n in ("ID", "INFO", "CTRL", "STATUS",
                                                                                    "BEATS", "MEM_ADDR"))
REG_WDATA0, REG_RDATA0 = REG["WDATA0"], REG["RDATA0"]
STAT_ADDR = {n: REG[n] for n in STAT_REGS}
EPR_ID = 0x45505231
BEAT_LEN = 250
S1_ID = 0x49464531                     # "IFE1": stage 1's IF engine
OKAY, SLVERR, DECERR = 0, 2, 3
# m_dec fields compared for every stage-1 decision
DEC_FIELDS = ("m_dec_class", "m_dec_vout0", "m_dec_vout1", "m_dec_tag", "m_dec_abnormal", "m_dec_stages",
              "m_dec_mode", "m_dec_bank")


# ------------------------------------------------------------------------------------------
# Stimulus
# ------------------------------------------------------------------------------------------
def beat_runs(records, per_record: int, seed: int, split: str):
    """Contiguous runs of ``per_record`` beats (N/S/V/F) of each record, in time order, from
    the given split; each run has a V beat (else another abnormal one) as its second beat or
    at a third of its length."""
    bs = D.load_beats()
    y = D.nsvf_labels(bs.symbol)
    idx = (D.intra_patient_split(bs, seed=2025)[1] if split == "intra_test"
           else np.arange(len(bs)))
    rng = np.random.default_rng(seed)
    out = []
    for r in records:
        cand = idx[(bs.record[idx] == r) & (y[idx] >= 0)]
        ab = np.flatnonzero(y[cand] == 2)               # V beats: the screen wakes stage 2 for them
        ab = ab if len(ab) else np.flatnonzero(y[cand] > 0)
        start = int(rng.choice(ab)) if len(ab) else 0
        start = max(0, min(start - per_record // 3, len(cand) - per_record))
        out.extend(int(i) for i in cand[start:start + per_record])
    return bs, y, np.asarray(out, np.int64)


def pre_rr(bs):
    first, delta = RR.host_inputs(bs.record, bs.sample)
    return first, delta


class Env:
    """Drivers, monitors and the predictor of one test."""

    def __init__(self, dut, seed: int, eprop: P.EpropParams, banks: dict, bp_pct: int = 20, dec_bp_pct: int = 0):
        self.dut = dut
        self.rng = random.Random(seed)
        self.bp_pct = bp_pct
        self.dec_bp_pct = dec_bp_pct
        self.banks = banks                # stage 1's four IF banks (= its INIT_BANK0..3 images)
        self.s1_ctrl = (0, 0)             # stage 1's CTRL (mode, bank), as written by the test
        self.enc = E.EncoderState()       # the encoder, sample by sample
        self.frame_user = 0
        self.n_dropped = self.n_sat = self.n_len_err = 0
        self.got_sat = self.got_len_err = 0
        # statistics registers of both engines: (cycles, events, saturations) of the last beat, total saturations
        self.s1_last, self.s1_sat_total = (0, 0, 0), 0
        self.s2_last, self.s2_sat_total = (0, 0, 0), 0
        self.p = eprop.copy()             # the model's stage-2 weights (updated by learning)
        self.acc = P.LearnAcc.zeros()
        self.ctrl_learn = 0
        self.rr_state = RR.RRState()
        self.n_stage2 = 0
        # expectations and observations
        self.exp_dec, self.got_dec = [], []
        self.exp_dec2, self.got_dec2 = [], []
        self.exp_trc, self.got_trc = [], []
        self.frames = 0
        self.gclk_edges = 0
        self.errors: list[str] = []

    # ---------------------------------------------------------------- drivers
    async def drive(self, bs, y, sel, learn=None, wake_all=0, tags=None, junk_label=False, hook=None):
        """Send beats bs[sel] as frames; learn[k] True marks a labelled learning beat.

        tags: the frame tags (default: the beat index); junk_label: random learn/label bits on
        the beats that are not learning beats (CTRL.LEARN must keep the engine from learning);
        hook(k): an awaitable run before frame k (between frames: gap changes, malformed frames)."""
        d = self.dut
        first, delta = pre_rr(bs)
        prev_rec = None
        tw = self.tag_w
        # signals change only just after a rising edge (a change at a falling edge would be
        # taken at the next rising edge and again at the one after)
        await RisingEdge(d.clk)
        d.wake_all.value = wake_all
        for k, i in enumerate(sel):
            if hook is not None:
                await hook(k)
            rec = int(bs.record[i])
            f = int(first[i]) or rec != prev_rec or (k > 0 and sel[k - 1] != i - 1)
            prev_rec = rec
            lrn = int(learn is not None and bool(learn[k]))
            lab = int(y[i]) if lrn else 0
            if junk_label and not lrn:
                lrn, lab = self.rng.getrandbits(1), self.rng.getrandbits(2)
            tag = int(i) if tags is None else int(tags[k])
            user = int((lrn << (tw + 19)) | (lab << (tw + 17)) | (int(f) << (tw + 16)) | (int(delta[i]) << tw)
                       | (tag & ((1 << tw) - 1)))
            await self.send_frame(bs.x[i], user)

    async def send_frame(self, x, user, tlast_at=None):
        """One frame of samples x; tlast on sample tlast_at (default: the last one, -1: none).
        The sideband goes with sample 0; every other sample carries random junk there."""
        d = self.dut
        tw = self.tag_w
        last = len(x) - 1 if tlast_at is None else tlast_at
        for s, v in enumerate(x):
            d.s_axis_tdata.value = int(v) & M16
            d.s_axis_tlast.value = int(s == last)
            d.s_axis_tuser.value = user if s == 0 else self.rng.getrandbits(tw + 20)
            d.s_axis_tvalid.value = 1
            while True:
                await FallingEdge(d.clk)
                ok = _bit(d.s_axis_tready)
                await RisingEdge(d.clk)
                if ok:
                    break
        d.s_axis_tvalid.value = 0

    async def ready_driver(self):
        d = self.dut
        while True:
            d.m_dec_ready.value = int(self.rng.randrange(100) >= self.dec_bp_pct)
            d.m_dec2_ready.value = int(self.rng.randrange(100) >= self.bp_pct)
            await RisingEdge(d.clk)

    # --------------------------------------------------------------- monitors
    async def monitor(self):
        d = self.dut
        while True:
            await FallingEdge(d.clk)
            if _bit(d.rst):
                continue
            if _bit(d.s_axis_tvalid) and _bit(d.s_axis_tready):
                self.on_sample(d.s_axis_tdata.value.to_signed(), _bit(d.s_axis_tlast), _uint(d.s_axis_tuser),
                               _bit(d.wake_all), _uint(d.cfg_delta_s), _uint(d.cfg_delta_l))
            self.got_sat += _bit(d.stat_sat)
            self.got_len_err += _bit(d.stat_len_err)
            if _bit(d.m_dec_valid) and _bit(d.m_dec_ready):
                self.got_dec.append(tuple(_uint(getattr(d, n)) for n in DEC_FIELDS))
            if _bit(d.m_dec2_valid) and _bit(d.m_dec2_ready):
                self.got_dec2.append((_uint(d.m_dec2_class), _uint(d.m_dec2_y), _uint(d.m_dec2_tag),
                                      _bit(d.m_dec2_learned), _bit(d.m_dec2_cfg_err)))
            if _bit(d.ep_trc_valid):
                self.got_trc.append((_uint(d.ep_trc_kind), _uint(d.ep_trc_index), _uint(d.ep_trc_step),
                                     _uint(d.ep_trc_value)))

    async def count_gclk(self):
        while True:
            await RisingEdge(self.dut.gclk_stage2)
            self.gclk_edges += 1

    # -------------------------------------------------------------- predictor
    def on_sample(self, word, last, user, wake_all, delta_s, delta_l):
        """The encoder model, one accepted sample at a time (malformed frames, saturation and
        the gaps on cfg_delta_s/l at sample 0 included; docs/encoder.md)."""
        if self.enc.index == 0 and not self.enc.dropping:
            self.frame_user = user                       # sample 0 of a frame: its sideband
        cfg = E.EncoderConfig(delta_s=delta_s, delta_l=delta_l, substitute_zero=True)
        self.enc, o = E.step(self.enc, word, bool(last), cfg)
        if not o.emitted:
            return
        self.n_sat += int(o.sat)
        self.n_len_err += int(o.len_err)
        if o.last and o.err:
            self.n_dropped += 1
        if o.beat is not None:
            self.predict(o.beat.slots, self.frame_user, wake_all)

    def predict(self, slots, user, wake_all):
        tw = self.tag_w
        tag = user & ((1 << tw) - 1)
        delta = (user >> tw) & M16
        first = (user >> (tw + 16)) & 1
        label = (user >> (tw + 17)) & 3
        learn = (user >> (tw + 19)) & 1
        self.frames += 1
        self.rr_state, rr, _ = RR.step(self.rr_state, bool(first), int(delta))
        rr = np.asarray(rr, np.uint8)
        inp = G.screen_inputs(slots, rr).astype(np.int64)
        mode, bank = self.s1_ctrl
        if mode == 0:                                    # screen: one bank
            runs, banks = [G.run_beat(inp, self.banks[G.BANKS[bank]])], [bank]
            cls = runs[0].cls
        else:                                            # severity cascade over banks 1..3
            cls, n, _, runs = G.cascade(inp, {G.BANKS[b]: self.banks[G.BANKS[b]] for b in (1, 2, 3)})
            banks = [1, 2, 3][:n]
        sat1 = sum(r.sat for r in runs)
        self.s1_last = (beat_cycles(runs), sum(r.events for r in runs), sat1)
        self.s1_sat_total += sat1
        v3 = runs[-1].v3
        self.exp_dec.append((cls, int(v3[0]) & M16, int(v3[1]) & M16, tag, int(cls != 0), len(runs), mode,
                             banks[-1]))
        if cls != 0 or wake_all:
            xin = VE.inputs_from_slots(slots, rr)
            lab = label if (learn and self.ctrl_learn) else None
            e = VE.expect_beat(self.n_stage2, xin, self.p, label=lab, acc=self.acc)
            self.n_stage2 += 1
            self.s2_last = (e.cycles, e.events, e.run.sat)
            self.s2_sat_total += e.run.sat
            if lab is not None:
                self.p, self.acc = e.run.params, e.run.acc
            y = sum((int(v) & M16) << (16 * k) for k, v in enumerate(e.run.y))
            # the model's weights are a legal image (written by the test): never refused
            self.exp_dec2.append((e.run.cls, y, tag, int(learn and self.ctrl_learn), 0))
            self.exp_trc.extend(map(tuple, e.records.tolist()))

    # ------------------------------------------------------------------ checks
    def compare(self, name, exp, got):
        n = min(len(exp), len(got))
        bad = [k for k in range(n) if exp[k] != got[k]]
        if bad:
            k = bad[0]
            self.errors.append(f"[{name}] {len(bad)} mismatch(es); first #{k}: expected {exp[k]} got {got[k]}")
        if len(exp) != len(got):
            self.errors.append(f"[{name}] {len(exp)} expected, {len(got)} produced")
        return n

    @property
    def tag_w(self):
        return len(self.dut.m_dec_tag)


# ------------------------------------------------------------------------------------------
# AXI4-Lite master (one access at a time, on clk; stage 2's port is held awake by the top)
# ------------------------------------------------------------------------------------------
class RespDelay:
    """Response back-pressure of this test's AXI4-Lite master (the pipeline helpers' form of
    AxilMasterDriver's ``resp_delay``): with n > 0, bready / rready stay low until the response
    has waited 1 + a random 0..n cycles (one access in five 1 + 2n..4n, a long stall); n = 0 holds
    them high from the start of the access.  ``stalled`` counts the cycles a valid response
    waited for ready."""

    def __init__(self, n: int = 0, rng: random.Random | None = None):
        if n < 0:
            raise ValueError(f"resp_delay must be >= 0 cycles, got {n}")
        self.n, self.rng = n, rng or random.Random(1)
        self.stalled = 0

    def draw(self) -> int:
        if self.n == 0:
            return -1                     # ready from the start
        if self.rng.random() < 0.2:
            return self.rng.randint(2 * self.n, 4 * self.n)
        return self.rng.randint(0, self.n)


RESP = RespDelay(0)                       # set per test by setup()


async def axil_write(dut, p, addr, data, strb=0xF, timeout=200, hold=None):
    """One write on port p; returns bresp.  bready as RESP (or held low for ``hold`` cycles)."""
    if not _bit(dut.clk):                 # called at a falling edge: drive after the next rising edge
        await RisingEdge(dut.clk)
    s = lambda n: getattr(dut, f"{p}_axil_{n}")  # noqa: E731
    hold = RESP.draw() if hold is None else hold
    s("awaddr").value, s("wdata").value, s("wstrb").value = addr, data, strb
    s("awvalid").value, s("wvalid").value, s("bready").value = 1, 1, int(hold < 0)
    for _ in range(timeout):
        await FallingEdge(dut.clk)
        hs = _bit(s("awready"))
        await RisingEdge(dut.clk)
        if hs:
            break
    else:
        raise AssertionError(f"{p} AXI write {addr:#x}: no awready")
    s("awvalid").value, s("wvalid").value = 0, 0
    s("awaddr").value, s("wdata").value, s("wstrb").value = 0, 0, 0
    got = {}
    wait = hold
    ready_now = hold < 0
    for _ in range(timeout + max(0, 4 * hold)):
        await FallingEdge(dut.clk)
        hs = _bit(s("bvalid")) and ready_now
        if hs:
            got["resp"] = _uint(s("bresp"))
        elif _bit(s("bvalid")):
            RESP.stalled += 1
            wait -= 1
        await RisingEdge(dut.clk)
        if hs:
            s("bready").value = 0
            return got["resp"]
        if not ready_now and wait < 0:
            ready_now = True
            s("bready").value = 1
    raise AssertionError(f"{p} AXI write {addr:#x}: no bvalid")


async def axil_read(dut, p, addr, timeout=200, hold=None):
    """One read on port p; returns (rdata, rresp).  rready as RESP (or low for ``hold`` cycles)."""
    if not _bit(dut.clk):                 # called at a falling edge: drive after the next rising edge
        await RisingEdge(dut.clk)
    s = lambda n: getattr(dut, f"{p}_axil_{n}")  # noqa: E731
    hold = RESP.draw() if hold is None else hold
    ready_now = hold < 0
    s("araddr").value, s("arvalid").value, s("rready").value = addr, 1, int(ready_now)
    for _ in range(timeout):
        await FallingEdge(dut.clk)
        hs = _bit(s("arready"))
        await RisingEdge(dut.clk)
        if hs:
            break
    else:
        raise AssertionError(f"{p} AXI read {addr:#x}: no arready")
    s("arvalid").value, s("araddr").value = 0, 0
    wait = hold
    for _ in range(timeout + max(0, 4 * hold)):
        await FallingEdge(dut.clk)
        hs = _bit(s("rvalid")) and ready_now
        if hs:
            v, resp = _uint(s("rdata")), _uint(s("rresp"))
        elif _bit(s("rvalid")):
            RESP.stalled += 1
            wait -= 1
        await RisingEdge(dut.clk)
        if hs:
            s("rready").value = 0
            return v, resp
        if not ready_now and wait < 0:
            ready_now = True
            s("rready").value = 1
    raise AssertionError(f"{p} AXI read {addr:#x}: no rvalid")


async def write_image(dut, words):
    """The e-prop weight image into stage 2's bank 0 over AXI4-Lite."""
    assert await axil_write(dut, "s2", REG_MEM_ADDR, 0) == 0
    for w in words:
        for k in range(4):
            assert await axil_write(dut, "s2", REG_WDATA0 + 4 * k, (w >> (32 * k)) & 0xFFFFFFFF) == 0


async def read_words(dut, bank, n):
    assert await axil_write(dut, "s2", REG_MEM_ADDR, bank << 16) == 0
    out = []
    for _ in range(n):
        w = 0
        for k in range(4):
            v, resp = await axil_read(dut, "s2", REG_RDATA0 + 4 * k)
            assert resp == 0, f"MEM_RDATA{k} response {resp}"
            w |= v << (32 * k)
        out.append(w)
    return out


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------
async def setup(dut, seed, eprop, banks, bp_pct=20, dec_bp_pct=0, resp_delay=0):
    """Clock, reset, drivers and monitors; the AXI4-Lite protocol checker on both ports (s1 on
    clk, s2 in the gclk_stage2 domain, sampled on clk like every other signal: its edges are clk
    edges); resp_delay: the response back-pressure of this test's AXI4-Lite accesses (RespDelay)."""
    global RESP
    start_clock(dut)
    RESP = RespDelay(resp_delay, random.Random(f"{seed}:axil_resp"))
    env = Env(dut, seed, eprop, banks, bp_pct, dec_bp_pct)
    env.axil_watch = {p: AxilProtocolWatch(dut, f"{p}_axil", dut.clk, dut.rst) for p in ("s1", "s2")}
    # the stream handshake rules on both decision outputs (m_dec2 in the gclk_stage2 domain)
    env.stream_watch = [StreamRuleWatch(dut, "m_dec", dut.clk, dut.rst, valid="m_dec_valid", ready="m_dec_ready",
                                        data=list(DEC_FIELDS)),
                        StreamRuleWatch(dut, "m_dec2", dut.clk, dut.rst, valid="m_dec2_valid", ready="m_dec2_ready",
                                        data=["m_dec2_class", "m_dec2_y", "m_dec2_tag", "m_dec2_learned",
                                              "m_dec2_cfg_err"])]
    for w in (*env.axil_watch.values(), *env.stream_watch):
        cocotb.start_soon(w.run())
    enc = E.load_params()
    d = dut
    d.cfg_delta_s.value = enc["delta_s"]
    d.cfg_delta_l.value = enc["delta_l"]
    d.wake_all.value = 0
    d.s_axis_tvalid.value = 0
    d.s_axis_tlast.value = 0
    d.s_axis_tuser.value = 0
    d.s_axis_tdata.value = 0
    for p in ("s1", "s2"):
        for n in ("awvalid", "wvalid", "bready", "arvalid", "rready", "awprot", "arprot", "awaddr", "araddr",
                  "wdata", "wstrb"):
            getattr(d, f"{p}_axil_{n}").value = 0
    d.m_dec_ready.value = 1
    d.m_dec2_ready.value = 1
    await reset(d.clk, d.rst, 4)
    for _ in range(4):
        await RisingEdge(d.clk)
    cocotb.start_soon(env.monitor())
    cocotb.start_soon(env.count_gclk())
    cocotb.start_soon(env.ready_driver())
    v, resp = await axil_read(d, "s2", REG_ID)
    assert (v, resp) == (EPR_ID, 0), f"stage-2 ID {v:#x} resp {resp}"
    return env


async def drain(env, limit=3_000_000):
    d = env.dut
    quiet = 0
    for _ in range(limit):
        await FallingEdge(d.clk)
        busy = (_bit(d.stage2_valid) or _bit(d.m_dec_valid) or len(env.got_dec) < len(env.exp_dec)
                or len(env.got_dec2) < len(env.exp_dec2))
        quiet = 0 if busy else quiet + 1
        if quiet > 64:
            return
    raise AssertionError(f"pipeline did not drain: {env.frames} frames, stage-1 decisions {len(env.got_dec)}/"
                         f"{len(env.exp_dec)}, stage-2 {len(env.got_dec2)}/{len(env.exp_dec2)}, "
                         f"trace {len(env.got_trc)}/{len(env.exp_trc)}, stage2_valid {_bit(d.stage2_valid)}, "
                         f"stat_beats {_uint(d.stat_beats)} m_dec_valid {_bit(d.m_dec_valid)} "
                         f"stat_dropped {_uint(d.stat_dropped)}, "
                         f"errors {env.errors[:2]}")


async def finish(env, expect_stage2):
    d = env.dut
    await drain(env)
    v, resp = await axil_read(d, "s2", REG_BEATS)
    if (v, resp) != (env.n_stage2, 0):
        env.errors.append(f"stage-2 BEATS_DONE {v} (resp {resp}), model {env.n_stage2}")
    if _uint(d.stat_beats) != env.frames or _uint(d.stat_wakeups) != env.n_stage2:
        env.errors.append(f"stage-1 statistics beats {_uint(d.stat_beats)} wakeups {_uint(d.stat_wakeups)}; "
                          f"model {env.frames} / {env.n_stage2}")
    if _uint(d.stat_abnormal) != sum(x[4] for x in env.exp_dec):
        env.errors.append(f"stat_abnormal {_uint(d.stat_abnormal)}")
    got = (_uint(d.stat_dropped), env.got_sat, env.got_len_err, _bit(d.stat_cfg_err))
    want = (env.n_dropped, env.n_sat, env.n_len_err, int(env.enc.cfg_err))
    if got != want:
        env.errors.append(f"encoder status (stat_dropped, stat_sat pulses, stat_len_err pulses, stat_cfg_err) "
                          f"{got}, model {want}")
    n1 = env.compare("stage-1 decision", env.exp_dec, env.got_dec)
    n2 = env.compare("stage-2 decision", env.exp_dec2, env.got_dec2)
    n3 = env.compare("e-prop trace", env.exp_trc, env.got_trc)
    d._log.info(f"pipeline: {env.frames} beats, {n1} stage-1 decisions, {n2} stage-2 decisions, "
                f"{n3} e-prop trace records compared; {env.gclk_edges} gated edges")
    d._log.info("stream handshake checker silent: " + ", ".join(
        f"{sw.rules.name} {sw.transfers} transfers, {sw.rules.stalls_checked} stalled cycles" for sw in env.stream_watch))
    w = env.axil_watch
    d._log.info(f"AXI4-Lite protocol checker silent: s1 {w['s1'].writes} writes / {w['s1'].reads} reads, "
                f"s2 {w['s2'].writes} writes / {w['s2'].reads} reads; response delay {RESP.n}: "
                f"{RESP.stalled} cycles a response waited for ready (checker: "
                f"{w['s1'].resp_stall_cycles + w['s2'].resp_stall_cycles})")
    if RESP.stalled != w["s1"].resp_stall_cycles + w["s2"].resp_stall_cycles:
        env.errors.append(f"response back-pressure: the master counted {RESP.stalled} stalled cycles, the "
                          f"checkers {w['s1'].resp_stall_cycles + w['s2'].resp_stall_cycles}")
    if RESP.n and not RESP.stalled:
        env.errors.append("the response-delay knob was on but no response ever waited")
    if n2 < expect_stage2:
        env.errors.append(f"only {n2} beats reached stage 2 (the test needs >= {expect_stage2})")


def fail_if(env):
    if env.errors:
        raise AssertionError(f"{len(env.errors)} error(s): " + " | ".join(env.errors[:4]))


def models(corrupt=False):
    """The e-prop model and stage 1's four banks (= the INIT images of the build)."""
    p = P.load_model("intra")
    if corrupt:
        p = P.with_cfg(p, theta=p.cfg.theta + 1)
    return p, G.load_split("intra")


@cocotb.test()
async def PipelineInferenceTest(dut):
    """Beats from abnormal-rich records, intra models preloaded, stage 2 woken by the screen."""
    p, banks = models()
    env = await setup(dut, 1, p, banks)
    recs = [208, 119] if ICARUS else [208, 232, 119, 200, 233, 213]
    bs, y, sel = beat_runs(recs, 3 if ICARUS else 8, 1, "intra_test")
    await env.drive(bs, y, sel)
    await finish(env, expect_stage2=1 if ICARUS else 10)
    fail_if(env)


@cocotb.test()
async def PipelineLearnTest(dut):
    """The ds1 image written over stage 2's AXI4-Lite port; calibration (wake_all, labelled
    learning beats, CTRL.LEARN = 1) then inference; weights and accumulators read back."""
    _, banks = models()
    p = P.load_model("ds1")
    env = await setup(dut, 2, P.load_model("intra"), banks, resp_delay=4)
    await write_image(dut, P.pack_image(p))
    env.p = p.copy()
    assert await axil_write(dut, "s2", REG_CTRL, 1) == 0
    env.ctrl_learn = 1
    bs, y, sel = beat_runs([232] if ICARUS else [232, 213], 2 if ICARUS else 8, 2, "all")
    await env.drive(bs, y, sel, learn=np.ones(len(sel), bool), wake_all=1)
    await drain(env)
    bs2, y2, sel2 = beat_runs([233] if ICARUS else [233, 208], 2 if ICARUS else 6, 3, "all")
    await env.drive(bs2, y2, sel2)
    await finish(env, expect_stage2=len(sel))
    w = await read_words(dut, 0, P.IMAGE_WORDS)
    want = P.pack_image(env.p)
    bad_w = [i for i in range(P.IMAGE_WORDS) if w[i] != want[i]]
    accw = [0] * P.ADDR_BOUT
    for b in range(3):
        part = await read_words(dut, b + 1, P.ADDR_BOUT)
        accw = [a | (v << (128 * b)) for a, v in zip(accw, part)]
    want_a = VE.acc_words(env.acc)
    bad_a = [i for i in range(P.ADDR_BOUT) if accw[i] != want_a[i]]
    if bad_w or bad_a:
        env.errors.append(f"memories after learning differ: weight words {bad_w[:6]}, accumulator words {bad_a[:6]}")
    changed = sum(a != b for a, b in zip(want, P.pack_image(p)))
    dut._log.info(f"learning changed {changed} weight words; weights and accumulators read back and equal")
    if changed == 0:
        env.errors.append("the learning run changed no weight (the test would not show anything)")
    fail_if(env)


async def expect_access(env, p, write, addr, want_resp, data=0, strb=0xF, want_data=None):
    """One AXI4-Lite access on port p ("s1"/"s2"); its response (and read data) must be as given."""
    if write:
        resp, got = await axil_write(env.dut, p, addr, data, strb), None
    else:
        got, resp = await axil_read(env.dut, p, addr)
    if resp != want_resp or (want_data is not None and got != want_data):
        env.errors.append(f"{p} {'write' if write else 'read'} {addr:#04x} strb {strb:#x}: response {resp}"
                          f" data {got if got is None else hex(got)}; expected {want_resp}"
                          f"{'' if want_data is None else f' data {want_data:#x}'}")


async def port_checks(env):
    """Both AXI4-Lite ports of the top, while the pipeline is empty: IDs, stage 1's four INIT
    images read back through its memory window (3 words each), and the error responses of
    both (DECERR outside the map and for a hole in it, SLVERR for a partial strobe or a read of
    a write-only register)."""
    await expect_access(env, "s1", False, REG_ID, OKAY, want_data=S1_ID)
    for b, name in enumerate(G.BANKS):
        img = G.pack_bank(env.banks[name])
        for word in (0, len(img) // 2, len(img) - 1):
            await expect_access(env, "s1", True, REG_MEM_ADDR, OKAY, data=word | b << 16)
            for k in range(4):
                await expect_access(env, "s1", False, REG_RDATA0 + 4 * k, OKAY,
                                    want_data=(img[word] >> (32 * k)) & 0xFFFFFFFF)
    for p in ("s1", "s2"):
        await expect_access(env, p, True, 0xFF, DECERR, data=0xFFFFFFFF)      # outside the map
        await expect_access(env, p, False, 0xFF, DECERR)
        await expect_access(env, p, True, 0x2C, DECERR, data=1)               # a hole in the map
        await expect_access(env, p, False, 0x2C, DECERR)
        await expect_access(env, p, True, REG_CTRL, SLVERR, data=0xFFFFFFFF, strb=0x7)
        await expect_access(env, p, False, REG_WDATA0, SLVERR)
        # a staged WDATA0 is not committed (only WDATA3 writes a word): harmless
        await expect_access(env, p, True, REG_WDATA0, OKAY, data=0xFFFFFFFF)
    await expect_access(env, "s2", False, REG_ID, OKAY, want_data=EPR_ID)


async def check_registers(env, s1_mem_addr, s2_mem_addr):
    """Every readable register of both engines with the pipeline idle, against the model:
    ID, INFO, CTRL, STATUS (idle), the statistics of the last beat and the totals, MEM_ADDR;
    a write to a read-only register (SLVERR)."""
    s1_info = 1 << 28 | G.LANES << 20 | len(G.BANKS) << 16 | G.IMAGE_WORDS       # TRACE_EN=1 build
    s2_info = 1 << 28 | P.LANES << 20 | 4 << 16 | P.IMAGE_WORDS          # 4 banks: weights, 3 accumulator slices
    mode, bank = env.s1_ctrl
    s1 = {REG_ID: S1_ID, REG_INFO: s1_info, REG_CTRL: mode | bank << 4, REG_STATUS: 0, REG_MEM_ADDR: s1_mem_addr,
          STAT_ADDR["BEATS"]: env.frames, STAT_ADDR["CYCLES"]: env.s1_last[0], STAT_ADDR["EVENTS"]: env.s1_last[1],
          STAT_ADDR["SAT_LAST"]: env.s1_last[2], STAT_ADDR["SAT_TOTAL"]: env.s1_sat_total}
    s2 = {REG_ID: EPR_ID, REG_INFO: s2_info, REG_CTRL: env.ctrl_learn, REG_STATUS: 0, REG_MEM_ADDR: s2_mem_addr,
          STAT_ADDR["BEATS"]: env.n_stage2, STAT_ADDR["CYCLES"]: env.s2_last[0], STAT_ADDR["EVENTS"]: env.s2_last[1],
          STAT_ADDR["SAT_LAST"]: env.s2_last[2], STAT_ADDR["SAT_TOTAL"]: env.s2_sat_total}
    for p, regs in (("s1", s1), ("s2", s2)):
        for addr, want in regs.items():
            await expect_access(env, p, False, addr, OKAY, want_data=want)
        await expect_access(env, p, True, REG_ID, SLVERR, data=0)


async def gated_response_checks(env, hold=40):
    """The stage-2 port across clock gating, pipeline idle (stage2_valid low, the gate open only
    for the port): a write (CTRL.LEARN = 1, then 0) whose bready stays low for ``hold`` cycles
    after bvalid rose, and a read of CTRL whose rready does the same.  The gate must stay open
    until the response handshake (one gated edge in every cycle of the wait: the slave sees
    bready / rready), the response must complete once (the protocol checker), and afterwards no
    response may be left valid and the gated clock must be silent; the read-backs show the
    writes took effect exactly once."""
    d = env.dut
    if _bit(d.stage2_valid):
        raise AssertionError("gated_response_checks needs an idle pipeline")
    for learn in (1, 0):
        e0 = env.gclk_edges
        resp = await axil_write(d, "s2", REG_CTRL, learn, hold=hold)
        e1 = env.gclk_edges
        v, rresp = await axil_read(d, "s2", REG_CTRL, hold=hold)
        e2 = env.gclk_edges
        # from the falling edge after the handshake's completing edge: 48 idle cycles
        await FallingEdge(d.clk)
        stale, idle_edges = _bit(d.s2_axil_bvalid) + _bit(d.s2_axil_rvalid), env.gclk_edges
        for _ in range(47):
            await FallingEdge(d.clk)
            stale += _bit(d.s2_axil_bvalid) + _bit(d.s2_axil_rvalid)
        idle_edges = env.gclk_edges - idle_edges
        await RisingEdge(d.clk)                      # drivers write after a rising edge
        env.ctrl_learn = learn
        # write: AW/W handshake cycle + 1 + hold waiting cycles + the B handshake cycle; the gate
        # is open from the request's first cycle, so every one of them has a gated edge
        if (resp, v, rresp) != (OKAY, learn, OKAY) or stale or idle_edges:
            env.errors.append(f"s2 across gating: write CTRL={learn} resp {resp}, read-back {v} resp {rresp}; "
                              f"{stale} cycles with a response left valid and {idle_edges} gated edges while idle")
        if e1 - e0 < hold + 2 or e2 - e1 < hold + 2:
            env.errors.append(f"s2 across gating: only {e1 - e0} / {e2 - e1} gated edges for a write / read whose "
                              f"response waited {hold + 1} cycles (the gate closed before the handshake)")
        d._log.info(f"s2 across gating: CTRL={learn} written and read back with bready/rready low for {hold + 1} "
                    f"cycles: {e1 - e0} / {e2 - e1} gated edges, none and no response valid in the 48 idle "
                    f"cycles after")


async def set_mode(env, mode, bank):
    """Stage 1's CTRL (screen mode with a bank, or the severity cascade); read back."""
    await expect_access(env, "s1", True, REG_CTRL, OKAY, data=mode | bank << 4)
    await expect_access(env, "s1", False, REG_CTRL, OKAY, want_data=mode | bank << 4)
    env.s1_ctrl = (mode, bank)


@cocotb.test()
async def PipelinePortsTest(dut):
    """The rest of the top's ports, with every output still compared against the model:
    both AXI4-Lite maps and their error responses; the severity cascade and a non-default
    screen bank written over stage 1's port; random 12-bit tags with random learn/label bits
    while CTRL.LEARN = 0 (stage 2 must not learn); back-pressure on both decision streams;
    encoder gaps changed between frames (2047: a silent beat, 1: a dense one, 0 at the end:
    stat_cfg_err); out-of-range samples (stat_sat); a short and a long frame (dropped,
    stat_len_err, the neighbours' tags intact)."""
    p, banks = models()
    env = await setup(dut, 4, p, banks, bp_pct=30, dec_bp_pct=30, resp_delay=6)
    d = dut
    # stage 2's weights survive a reset: after the learning test (umbrella run) they are not
    # the INIT image any more, so the intra image is written again
    await write_image(dut, P.pack_image(p))
    await port_checks(env)
    await gated_response_checks(env)
    enc = E.load_params()
    bs, y, sel = beat_runs([208, 119, 233], 5, 4, "intra_test")
    tags = [env.rng.getrandbits(env.tag_w) for _ in sel]
    tags[0], tags[1] = (1 << env.tag_w) - 1, 0           # every tag bit both ways
    gaps = {3: (2047, 2047), 5: (1, 1), 6: (enc["delta_s"], enc["delta_l"])}

    async def between(k):
        if k in gaps:
            d.cfg_delta_s.value, d.cfg_delta_l.value = gaps[k]
        if k == 8:                                        # out-of-range samples in a real beat
            x = bs.x[sel[k - 1]].astype(np.int64).copy()
            x[::25] = 30000
            x[7::25] = -30000
            await env.send_frame(x, env.rng.getrandbits(env.tag_w + 16))
        if k == 10:                                       # short frame, then a long one
            await env.send_frame(bs.x[sel[k]][:100], env.rng.getrandbits(env.tag_w + 16))
            await env.send_frame(np.concatenate([bs.x[sel[k]], bs.x[sel[k]][:30]]),
                                 env.rng.getrandbits(env.tag_w + 16))

    await set_mode(env, 1, 0)                             # cascade
    await env.drive(bs, y, sel[:7], tags=tags[:7], junk_label=True, hook=between)
    await drain(env)
    await set_mode(env, 0, 2)                             # screen on bank 2 (sev2)
    await env.drive(bs, y, sel[7:11], tags=tags[7:11], junk_label=True, hook=lambda k: between(k + 7))
    await drain(env)
    await set_mode(env, 0, 0)                             # the binary screen again; gap 0 at the end
    await env.drive(bs, y, sel[11:14], tags=tags[11:14], junk_label=True)
    d.cfg_delta_s.value, d.cfg_delta_l.value = 0, 0
    await env.drive(bs, y, sel[14:], tags=tags[14:], junk_label=True)
    await finish(env, expect_stage2=3)
    # MEM_ADDR: stage 1's window wrapped from the last word of bank 3 to word 0 of bank 0 after
    # port_checks' last read; stage 2's stepped from the last weight word to word 0 of bank 1
    await check_registers(env, s1_mem_addr=0, s2_mem_addr=1 << 16)
    if not (env.n_dropped == 2 and env.n_sat > 0 and env.enc.cfg_err):
        env.errors.append(f"the corner stimulus did not happen: dropped {env.n_dropped}, saturated samples "
                          f"{env.n_sat}, cfg_err {env.enc.cfg_err}")
    modes = {x[5:] for x in env.exp_dec}
    dut._log.info(f"ports test: (stages, mode, bank) seen {sorted(modes)}")
    fail_if(env)


@cocotb.test(expect_fail=True)
async def PipelineCorruptModelTest(dut):
    """The same as the inference test with a wrong e-prop model (theta + 1): must fail."""
    p, banks = models(corrupt=True)
    env = await setup(dut, 1, p, banks)
    bs, y, sel = beat_runs([208], 3, 1, "intra_test")
    await env.drive(bs, y, sel)
    await finish(env, expect_stage2=1)
    fail_if(env)
