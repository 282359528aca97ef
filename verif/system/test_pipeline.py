"""The flagship: real MIT-BIH beats through the whole two-stage pipeline (rtl/system/ecg_pipeline_top.v).

Encoder -> RR unit -> IF screen -> Click wake-up path and clock gate -> e-prop network on
gclk_stage2.  The beats are contiguous runs of real beats of several records, streamed as
250-sample frames with their true pre-RR intervals, so the RR unit sees natural sequences.

Model side: an input monitor collects every accepted sample and the frame sideband (tag,
RR sideband, learn, label) at sample 0; at every frame end the predictor runs the golden
encoder (golden/encoder.py), the RR unit (golden/rr.py), the screen (golden/snn_if.py) and,
for every beat that goes to stage 2 (screen class abnormal, or wake_all high), the e-prop
network (golden/eprop.py via verif/common/eprop.py) with the weights and accumulators the
model holds -- learning a labelled beat when stage 2's CTRL.LEARN was written to 1.  The
model's stage-2 weights come from the image the test loaded (preloaded or written over the
stage-2 AXI4-Lite port).  Compared exactly, in order:

* every stage-1 decision on m_dec (class, tag, abnormal flag; its membranes and the IF
  engine's trace are the subject of verif/system and verif/snn_if),
* every stage-2 decision on m_dec2 (class, the 4 output membranes, tag, learned),
* every trace record of the e-prop engine: every hidden membrane, spike and pseudo-
  derivative, output membrane, presynaptic and readout trace of every step; in learning
  beats every output error, learning signal and postsynaptic factor of the learning window
  and every applied weight lane with its delta; the class, spikes and cycles of every beat
  (the cycles against docs/eprop_rtl.md's formula),
* the statistics of both stages at the end (beats, abnormal decisions, wake-ups; stage 2's
  BEATS_DONE over its AXI4-Lite port),
* after a learning run, the whole stage-2 weight memory and all 400 accumulator words,
  read back over the stage-2 AXI4-Lite port, bit for bit.

Tests: PipelineInferenceTest (intra models, screen-woken beats), PipelineLearnTest (ds1
image written over AXI4-Lite, a calibration run with wake_all and labels, then inference),
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
from verif.common.clocking import reset, start_clock
from verif.common.stream import _bit, _uint

ICARUS = cocotb.SIM_NAME.lower().startswith("icarus")
M16 = 0xFFFF
REG_ID, REG_CTRL, REG_BEATS, REG_MEM_ADDR = 0x00, 0x08, 0x14, 0x28
REG_WDATA0, REG_RDATA0 = 0x30, 0x40
EPR_ID = 0x45505231
BEAT_LEN = 250


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

    def __init__(self, dut, seed: int, eprop: P.EpropParams, screen: G.SnnParams, bp_pct: int = 20):
        self.dut = dut
        self.rng = random.Random(seed)
        self.bp_pct = bp_pct
        self.enc_cfg = E.default_config()
        self.screen = screen
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
    async def drive(self, bs, y, sel, learn=None, wake_all=0):
        """Send beats bs[sel] as frames; learn[k] True marks a labelled learning beat."""
        d = self.dut
        first, delta = pre_rr(bs)
        prev_rec = None
        tw = self.tag_w
        # signals change only just after a rising edge (a change at a falling edge would be
        # taken at the next rising edge and again at the one after)
        await RisingEdge(d.clk)
        d.wake_all.value = wake_all
        for k, i in enumerate(sel):
            rec = int(bs.record[i])
            f = int(first[i]) or rec != prev_rec or (k > 0 and sel[k - 1] != i - 1)
            prev_rec = rec
            lab = int(y[i]) if learn is not None and learn[k] else 0
            lrn = int(learn is not None and bool(learn[k]))
            user = int((lrn << (tw + 19)) | (lab << (tw + 17)) | (int(f) << (tw + 16)) | (int(delta[i]) << tw)
                       | (int(i) & ((1 << tw) - 1)))
            for s, v in enumerate(bs.x[i]):
                d.s_axis_tdata.value = int(v) & M16
                d.s_axis_tlast.value = int(s == len(bs.x[i]) - 1)
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
            d.m_dec_ready.value = 1
            d.m_dec2_ready.value = int(self.rng.randrange(100) >= self.bp_pct)
            await RisingEdge(d.clk)

    # --------------------------------------------------------------- monitors
    async def monitor(self):
        d = self.dut
        samples, user0 = [], None
        while True:
            await FallingEdge(d.clk)
            if _bit(d.rst):
                continue
            if _bit(d.s_axis_tvalid) and _bit(d.s_axis_tready):
                if not samples:
                    user0 = _uint(d.s_axis_tuser)
                samples.append(d.s_axis_tdata.value.to_signed())
                if _bit(d.s_axis_tlast):
                    self.predict(np.asarray(samples, np.int64), user0, _bit(d.wake_all))
                    samples = []
            if _bit(d.m_dec_valid) and _bit(d.m_dec_ready):
                self.got_dec.append((_uint(d.m_dec_class), _uint(d.m_dec_tag), _bit(d.m_dec_abnormal)))
            if _bit(d.m_dec2_valid) and _bit(d.m_dec2_ready):
                self.got_dec2.append((_uint(d.m_dec2_class), _uint(d.m_dec2_y), _uint(d.m_dec2_tag),
                                      _bit(d.m_dec2_learned)))
            if _bit(d.ep_trc_valid):
                self.got_trc.append((_uint(d.ep_trc_kind), _uint(d.ep_trc_index), _uint(d.ep_trc_step),
                                     _uint(d.ep_trc_value)))

    async def count_gclk(self):
        while True:
            await RisingEdge(self.dut.gclk_stage2)
            self.gclk_edges += 1

    # -------------------------------------------------------------- predictor
    def predict(self, x, user, wake_all):
        tw = self.tag_w
        tag = user & ((1 << tw) - 1)
        delta = (user >> tw) & M16
        first = (user >> (tw + 16)) & 1
        label = (user >> (tw + 17)) & 3
        learn = (user >> (tw + 19)) & 1
        if len(x) != BEAT_LEN:
            self.errors.append(f"frame of {len(x)} samples sent")
            return
        self.frames += 1
        slots = E.encode_beats(x[None, :], self.enc_cfg).slots[0]
        self.rr_state, rr, _ = RR.step(self.rr_state, bool(first), int(delta))
        rr = np.asarray(rr, np.uint8)
        cls = int(G.run_beats(G.screen_inputs(slots[None], rr[None]), self.screen).cls[0])
        self.exp_dec.append((cls, tag, int(cls != 0)))
        if cls != 0 or wake_all:
            xin = VE.inputs_from_slots(slots, rr)
            lab = label if (learn and self.ctrl_learn) else None
            e = VE.expect_beat(self.n_stage2, xin, self.p, label=lab, acc=self.acc)
            self.n_stage2 += 1
            if lab is not None:
                self.p, self.acc = e.run.params, e.run.acc
            y = sum((int(v) & M16) << (16 * k) for k, v in enumerate(e.run.y))
            self.exp_dec2.append((e.run.cls, y, tag, int(learn and self.ctrl_learn)))
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
async def axil_write(dut, p, addr, data, timeout=200):
    s = lambda n: getattr(dut, f"{p}_axil_{n}")  # noqa: E731
    s("awaddr").value, s("wdata").value, s("wstrb").value = addr, data, 0xF
    s("awvalid").value, s("wvalid").value, s("bready").value = 1, 1, 1
    for _ in range(timeout):
        await FallingEdge(dut.clk)
        hs = _bit(s("awready"))
        await RisingEdge(dut.clk)
        if hs:
            break
    else:
        raise AssertionError(f"{p} AXI write {addr:#x}: no awready")
    s("awvalid").value, s("wvalid").value = 0, 0
    for _ in range(timeout):
        await FallingEdge(dut.clk)
        if _bit(s("bvalid")):
            resp = _uint(s("bresp"))
            await RisingEdge(dut.clk)
            s("bready").value = 0
            return resp
    raise AssertionError(f"{p} AXI write {addr:#x}: no bvalid")


async def axil_read(dut, p, addr, timeout=200):
    s = lambda n: getattr(dut, f"{p}_axil_{n}")  # noqa: E731
    s("araddr").value, s("arvalid").value, s("rready").value = addr, 1, 1
    for _ in range(timeout):
        await FallingEdge(dut.clk)
        hs = _bit(s("arready"))
        await RisingEdge(dut.clk)
        if hs:
            break
    else:
        raise AssertionError(f"{p} AXI read {addr:#x}: no arready")
    s("arvalid").value = 0
    for _ in range(timeout):
        await FallingEdge(dut.clk)
        if _bit(s("rvalid")):
            v, resp = _uint(s("rdata")), _uint(s("rresp"))
            await RisingEdge(dut.clk)
            s("rready").value = 0
            return v, resp
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
async def setup(dut, seed, eprop, screen, bp_pct=20):
    start_clock(dut)
    env = Env(dut, seed, eprop, screen, bp_pct)
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
    if _uint(d.stat_abnormal) != sum(x[2] for x in env.exp_dec):
        env.errors.append(f"stat_abnormal {_uint(d.stat_abnormal)}")
    n1 = env.compare("stage-1 decision", env.exp_dec, env.got_dec)
    n2 = env.compare("stage-2 decision", env.exp_dec2, env.got_dec2)
    n3 = env.compare("e-prop trace", env.exp_trc, env.got_trc)
    d._log.info(f"pipeline: {env.frames} beats, {n1} stage-1 decisions, {n2} stage-2 decisions, "
                f"{n3} e-prop trace records compared; {env.gclk_edges} gated edges")
    if n2 < expect_stage2:
        env.errors.append(f"only {n2} beats reached stage 2 (the test needs >= {expect_stage2})")


def fail_if(env):
    if env.errors:
        raise AssertionError(f"{len(env.errors)} error(s): " + " | ".join(env.errors[:4]))


def models(corrupt=False):
    p = P.load_model("intra")
    if corrupt:
        p = P.with_cfg(p, theta=p.cfg.theta + 1)
    return p, G.load_bank("intra", "binary")


@cocotb.test()
async def PipelineInferenceTest(dut):
    """Beats from abnormal-rich records, intra models preloaded, stage 2 woken by the screen."""
    p, scr = models()
    env = await setup(dut, 1, p, scr)
    recs = [208, 119] if ICARUS else [208, 232, 119, 200, 233, 213]
    bs, y, sel = beat_runs(recs, 3 if ICARUS else 8, 1, "intra_test")
    await env.drive(bs, y, sel)
    await finish(env, expect_stage2=1 if ICARUS else 10)
    fail_if(env)


@cocotb.test()
async def PipelineLearnTest(dut):
    """The ds1 image written over stage 2's AXI4-Lite port; calibration (wake_all, labelled
    learning beats, CTRL.LEARN = 1) then inference; weights and accumulators read back."""
    _, scr = models()
    p = P.load_model("ds1")
    env = await setup(dut, 2, P.load_model("intra"), scr)
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


@cocotb.test(expect_fail=True)
async def PipelineCorruptModelTest(dut):
    """The same as the inference test with a wrong e-prop model (theta + 1): must fail."""
    p, scr = models(corrupt=True)
    env = await setup(dut, 1, p, scr)
    bs, y, sel = beat_runs([208], 3, 1, "intra_test")
    await env.drive(bs, y, sel)
    await finish(env, expect_stage2=1)
    fail_if(env)
