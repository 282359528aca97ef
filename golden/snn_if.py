# SPDX-License-Identifier: Apache-2.0
"""Bit-exact golden model of the event-driven integrate-and-fire (IF) SNN engine.

The contract is docs/snn_if.md.  The engine reads the spike encoder's 500-slot
beat register as two timesteps ("passes") of 250 input slots, each followed by
the 11 bits of the RR unit (golden/rr.py), and runs a
261 -> 144 -> 64 -> 2 feed-forward network of non-leaky IF neurons with
integer weights, biases and thresholds.  The class is the argmax of the two
output membranes (ties -> the lower index).  The same engine with different
weight banks is the binary screen (AAMI N vs S/V/F) and the three stages of
the severity cascade.

The arithmetic of one pass ``t`` (0, 1), layer by layer (layer 1, then layer 2
from layer 1's counts of this pass, then the output layer from layer 2's)::

    I[n]  = sum over sources j with count c_j > 0 of  (W[n, j] << (c_j - 1))
            (layer 1: c_j = slot bit of input j in timestep t, so c_j is 0/1;
             hidden layers: c_j = spike count 0/1/2 of neuron j in this pass)
    u[n]  = (I[n] + b[n]) << 1                         (double presentation)
    v[n]  = sat_VMEM(v[n] + u[n])                      (exact sum, one saturation)
    hidden layers only:
        if   v[n] >= 2*theta: c[n] = 2, v[n] -= 2*theta
        elif v[n] >=   theta: c[n] = 1, v[n] -= theta
        else:                 c[n] = 0
    output layer: no firing, the membrane only accumulates.

Initial membranes: hidden layers ``theta >> 1`` (the QCFS half-threshold
shift), output layer 0.  Thresholds are per layer.

Three views of the same arithmetic live here:

* :func:`step` -- one pass, event-driven (it scans the input slots and adds
  the weight column of every source that spiked, exactly as the hardware
  fetches weights); exposes every current, membrane (before and after firing),
  spike count and saturation flag.
* :func:`run_beat` -- one beat built on :func:`step`.
* :func:`run_beats` -- vectorised over beats with integer matrix products; a
  unit test proves it equals :func:`run_beat`.

plus the severity cascade control (:func:`cascade`, :func:`cascade_beats`) and
the loaders of the exported memory images (:func:`load_bank`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from golden import formats as F
from golden.checks import entry, int_array, int_scalar
from golden.memimage import read_hex, write_hex  # noqa: F401  (re-exported)
from golden.memimage import pack_lanes as _pack_lanes
from golden.memimage import unpack_lanes as _unpack_lanes

N_IN = F.SNN_N_IN          # 250 input slots per pass
N_H1 = F.SNN_N_H1          # 144
N_H2 = F.SNN_N_H2          # 64
N_OUT = F.SNN_N_OUT        # 2
PASSES = F.SNN_PASSES      # 2
LANES = F.SNN_LANES        # 16 weights (int8) per 128-bit memory word
WORD_BITS = 8 * LANES

PARAMS_DIR = Path(__file__).resolve().parent / "params" / "snn_if"
PARAMS_JSON = PARAMS_DIR / "snn_if.json"

#: Banks of one split.  ``binary`` is the AAMI screen (N vs S/V/F); ``sev1``..
#: ``sev3`` are the severity cascade stages.
BANKS = ("binary", "sev1", "sev2", "sev3")
SPLITS = ("intra", "inter")


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SnnParams:
    """One weight bank.  Weight matrices are [destination, source]."""

    w1: np.ndarray        # [144, 250] SNN_WEIGHT
    w2: np.ndarray        # [64, 144]  SNN_WEIGHT
    w3: np.ndarray        # [2, 64]    SNN_WEIGHT
    b1: np.ndarray        # [144] SNN_BIAS
    b2: np.ndarray        # [64]  SNN_BIAS
    b3: np.ndarray        # [2]   SNN_BIAS
    theta1: int           # SNN_THETA, layer 1
    theta2: int           # SNN_THETA, layer 2
    name: str = ""

    def __post_init__(self):
        shapes = {"w1": (N_H1, N_IN), "w2": (N_H2, N_H1), "w3": (N_OUT, N_H2),
                  "b1": (N_H1,), "b2": (N_H2,), "b3": (N_OUT,)}
        for k, shp in shapes.items():
            a = np.asarray(getattr(self, k))
            if a.shape != shp:
                raise ValueError(f"bank {self.name!r}: {k} has shape {a.shape}, expected {shp}")
            if not np.issubdtype(a.dtype, np.integer):
                raise ValueError(f"bank {self.name!r}: {k} must be integer, got {a.dtype}")
            fmt = F.SNN_WEIGHT if k.startswith("w") else F.SNN_BIAS
            if not np.all(fmt.contains(a)):
                raise ValueError(f"bank {self.name!r}: {k} outside {fmt.name} "
                                 f"{fmt.min_code}..{fmt.max_code}")
            object.__setattr__(self, k, a.astype(np.int64))
        for k in ("theta1", "theta2"):
            th = int_scalar(getattr(self, k), f"bank {self.name!r}: {k}")
            if th < 1 or not F.SNN_THETA.contains(th):
                raise ValueError(f"bank {self.name!r}: {k}={th} outside 1..{F.SNN_THETA.max_code}")
            object.__setattr__(self, k, th)

    def thetas(self):
        return self.theta1, self.theta2


# ---------------------------------------------------------------------------
# Per-pass model (event-driven, the scoreboard's reference)
# ---------------------------------------------------------------------------

@dataclass
class SnnState:
    """Membranes of every neuron and the number of passes done in this beat."""

    v1: np.ndarray
    v2: np.ndarray
    v3: np.ndarray
    t: int = 0

    def copy(self) -> "SnnState":
        return SnnState(self.v1.copy(), self.v2.copy(), self.v3.copy(), self.t)


def screen_inputs(slots, rr) -> np.ndarray:
    """Engine input word(s): encoder slots uint8[..., 500] + RR bits uint8[..., N_RR]
    -> uint8[..., PASSES*N_IN].  Pass t = {slots[250t : 250t+250], rr} (the RR bits
    are presented in both passes, after the slots)."""
    slots = int_array(slots, "slots", 0, 1).astype(np.uint8, copy=False)
    rr = int_array(rr, "rr", 0, 1).astype(np.uint8, copy=False)
    n_sl = F.ENC_SLOTS_PER_STEP
    if slots.shape[-1] != PASSES * n_sl or rr.shape[-1] != F.SNN_N_RR or slots.shape[:-1] != rr.shape[:-1]:
        raise ValueError(f"slots {slots.shape} / rr {rr.shape} do not match "
                         f"[..., {PASSES * n_sl}] / [..., {F.SNN_N_RR}]")
    parts = []
    for t in range(PASSES):
        parts += [slots[..., t * n_sl:(t + 1) * n_sl], rr]
    return np.concatenate(parts, axis=-1)


def init_state(p: SnnParams) -> SnnState:
    """Membranes at the start of a beat: hidden theta>>1, output 0."""
    return SnnState(v1=np.full(N_H1, p.theta1 >> 1, dtype=np.int64),
                    v2=np.full(N_H2, p.theta2 >> 1, dtype=np.int64),
                    v3=np.zeros(N_OUT, dtype=np.int64), t=0)


@dataclass(frozen=True)
class LayerOut:
    """Everything one layer does in one pass (arrays over its neurons)."""

    current: np.ndarray   # I: sum of the weights of the sources that spiked (SNN_ACC)
    v_pre: np.ndarray     # membrane after the saturating add, before firing
    sat: np.ndarray       # bool: the add saturated
    count: np.ndarray     # spikes emitted 0/1/2 (all zero for the output layer)
    v: np.ndarray         # membrane after firing (what the register holds)
    events: int           # synaptic events = nonzero sources x fan-out


@dataclass(frozen=True)
class StepOut:
    t: int
    l1: LayerOut
    l2: LayerOut
    l3: LayerOut

    @property
    def events(self) -> int:
        return self.l1.events + self.l2.events + self.l3.events


def _layer_event_driven(v, w, b, src_counts, theta, fire: bool) -> LayerOut:
    """One layer, one pass: scan the sources, add the weight column of every
    source that spiked (shifted left once for a count of 2), then the
    double-presentation add, saturation and firing."""
    n_dst = w.shape[0]
    acc = np.zeros(n_dst, dtype=np.int64)
    nz = 0
    for j, c in enumerate(src_counts):
        if c == 0:
            continue
        if c not in (1, 2):
            raise ValueError(f"spike count {c} at source {j}: counts are 0, 1 or 2")
        acc += w[:, j] << (int(c) - 1)
        nz += 1
    # the current never overflows SNN_ACC (documented bound); assert it anyway
    assert np.all(F.SNN_ACC.contains(acc))
    exact = v + ((acc + b) << 1)
    v_pre = F.SNN_VMEM.saturate(exact)
    v_pre = np.asarray(v_pre, dtype=np.int64)
    sat = v_pre != exact
    if fire:
        count = (v_pre >= theta).astype(np.int64) + (v_pre >= 2 * theta).astype(np.int64)
        v_new = v_pre - count * theta
    else:
        count = np.zeros(n_dst, dtype=np.int64)
        v_new = v_pre.copy()
    return LayerOut(current=acc, v_pre=v_pre, sat=sat, count=count, v=v_new, events=nz * n_dst)


def step(state: SnnState, slots_t, p: SnnParams):
    """Advance one beat by one pass.

    ``slots_t``: the 250 slot bits of this timestep (0/1).  Returns
    ``(new_state, StepOut)``; ``state`` is not modified.
    """
    if state.t >= PASSES:
        raise ValueError(f"a beat has {PASSES} passes; reset the state (init_state) first")
    x = int_array(slots_t, "slots_t (input slots of one pass)", 0, 1, shape=(N_IN,)).astype(np.int64)
    l1 = _layer_event_driven(state.v1, p.w1, p.b1, x, p.theta1, True)
    l2 = _layer_event_driven(state.v2, p.w2, p.b2, l1.count, p.theta2, True)
    l3 = _layer_event_driven(state.v3, p.w3, p.b3, l2.count, None, False)
    new = SnnState(v1=l1.v, v2=l2.v, v3=l3.v, t=state.t + 1)
    return new, StepOut(t=state.t, l1=l1, l2=l2, l3=l3)


def argmax_low(v) -> int:
    """Index of the largest value; ties go to the lower index (class 0 wins a tie)."""
    v = np.asarray(v)
    return int(np.argmax(v))     # numpy returns the first maximum


@dataclass(frozen=True)
class BeatRun:
    steps: tuple          # StepOut per pass
    v3: np.ndarray        # final output membranes
    cls: int
    events: int
    sat: int              # number of saturating adds (neuron x pass) in this beat


def run_beat(slots, p: SnnParams) -> BeatRun:
    """One beat (500 slot bits: timestep t = slots[250t : 250t+250]) through :func:`step`."""
    slots = int_array(slots, "slots (one beat register)", 0, 1, shape=(PASSES * N_IN,))
    st = init_state(p)
    outs = []
    for t in range(PASSES):
        st, o = step(st, slots[t * N_IN:(t + 1) * N_IN], p)
        outs.append(o)
    sat = sum(int(o.l1.sat.sum() + o.l2.sat.sum() + o.l3.sat.sum()) for o in outs)
    return BeatRun(steps=tuple(outs), v3=st.v3, cls=argmax_low(st.v3),
                   events=sum(o.events for o in outs), sat=sat)


# ---------------------------------------------------------------------------
# Vectorised model (bulk evaluation and the bench comparison)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchRun:
    """N beats; arrays are [N, PASSES, neurons] unless noted."""

    v1: np.ndarray        # membranes after firing
    v2: np.ndarray
    v3: np.ndarray
    v1_pre: np.ndarray    # after the saturating add, before firing
    v2_pre: np.ndarray
    c1: np.ndarray        # spike counts 0/1/2 (uint8)
    c2: np.ndarray
    sat1: np.ndarray      # bool
    sat2: np.ndarray
    sat3: np.ndarray
    cls: np.ndarray       # [N] argmax of the final output membranes, ties -> 0
    events: np.ndarray    # [N] synaptic events per beat
    in_spikes: np.ndarray  # [N, PASSES] input spikes per pass

    @property
    def v_out(self) -> np.ndarray:
        return self.v3[:, -1]

    @property
    def sat_any(self) -> np.ndarray:
        """[N] True when any add of the beat saturated."""
        return (self.sat1.any(axis=(1, 2)) | self.sat2.any(axis=(1, 2))
                | self.sat3.any(axis=(1, 2)))


def _layer_vec(v, w, b, cnt, theta):
    """Vectorised layer: counts [N, src] (0/1/2) -> same quantities as LayerOut."""
    acc = cnt @ w.T                         # a count of 2 adds the weight twice == w << 1
    exact = v + ((acc + b[None, :]) << 1)
    vp = np.clip(exact, F.SNN_VMEM.min_code, F.SNN_VMEM.max_code)
    sat = vp != exact
    if theta is None:
        return vp, vp, sat, None
    c = (vp >= theta).astype(np.int64) + (vp >= 2 * theta).astype(np.int64)
    return vp - c * theta, vp, sat, c


def run_beats(slots, p: SnnParams, chunk: int = 8192) -> BatchRun:
    """Beats [N, 500] (slot bits) -> every membrane, count and the class."""
    slots = int_array(slots, "slots (beats)", 0, 1, shape=(None, PASSES * N_IN))
    n = slots.shape[0]
    out = {k: [] for k in ("v1", "v2", "v3", "v1_pre", "v2_pre", "c1", "c2",
                           "sat1", "sat2", "sat3")}
    for s0 in range(0, n, chunk):
        x = slots[s0:s0 + chunk].astype(np.int64).reshape(-1, PASSES, N_IN)
        m = x.shape[0]
        v1 = np.full((m, N_H1), p.theta1 >> 1, dtype=np.int64)
        v2 = np.full((m, N_H2), p.theta2 >> 1, dtype=np.int64)
        v3 = np.zeros((m, N_OUT), dtype=np.int64)
        per = {k: [] for k in out}
        for t in range(PASSES):
            v1, v1p, s1, c1 = _layer_vec(v1, p.w1, p.b1, x[:, t], p.theta1)
            v2, v2p, s2, c2 = _layer_vec(v2, p.w2, p.b2, c1, p.theta2)
            v3, _, s3, _ = _layer_vec(v3, p.w3, p.b3, c2, None)
            for k, a in zip(per, (v1, v2, v3, v1p, v2p, c1, c2, s1, s2, s3)):
                per[k].append(a)
        for k in out:
            out[k].append(np.stack(per[k], axis=1))
    r = {k: np.concatenate(v, axis=0) if v else np.zeros((0,)) for k, v in out.items()}
    x = slots.astype(np.int64).reshape(n, PASSES, N_IN)
    in_spk = x.sum(axis=2)
    events = (in_spk.sum(axis=1) * N_H1 + (r["c1"] > 0).sum(axis=(1, 2)) * N_H2
              + (r["c2"] > 0).sum(axis=(1, 2)) * N_OUT)
    vfin = r["v3"][:, -1]
    cls = np.argmax(vfin, axis=1)           # first maximum: ties -> lower index
    return BatchRun(v1=r["v1"], v2=r["v2"], v3=r["v3"], v1_pre=r["v1_pre"], v2_pre=r["v2_pre"],
                    c1=r["c1"].astype(np.uint8), c2=r["c2"].astype(np.uint8),
                    sat1=r["sat1"], sat2=r["sat2"], sat3=r["sat3"], cls=cls.astype(np.int64),
                    events=events.astype(np.int64), in_spikes=in_spk.astype(np.int64))


def classify(slots, p: SnnParams) -> np.ndarray:
    return run_beats(slots, p).cls


# ---------------------------------------------------------------------------
# Severity cascade control
# ---------------------------------------------------------------------------
# Stage 1 (bank sev1): Normal {N,/} (0) vs abnormal (1).  Abnormal beats go on.
# Stage 2 (bank sev2): Mild {L,R,e,j} (0) vs Moderate-or-Severe (1).  The latter go on.
# Stage 3 (bank sev3): Moderate {A,a,J,S,E} (0) vs Severe {F,V,f,Q} (1).
# Severity class out: Normal 0, Mild 1, Moderate 2, Severe 3 (golden.data.SEVERITY_CLASSES).

@dataclass(frozen=True)
class CascadeRun:
    severity: np.ndarray   # [N] 0..3
    stages: np.ndarray     # [N] number of stages run (1..3)
    events: np.ndarray     # [N] synaptic events summed over the stages run


def cascade(slots, banks: dict) -> tuple:
    """One beat through the cascade with the per-beat model.

    Returns ``(severity, stages_run, events, [BeatRun per stage])``.
    """
    runs = []
    r = run_beat(slots, banks["sev1"])
    runs.append(r)
    if r.cls == 0:
        return 0, 1, r.events, runs
    r2 = run_beat(slots, banks["sev2"])
    runs.append(r2)
    if r2.cls == 0:
        return 1, 2, r.events + r2.events, runs
    r3 = run_beat(slots, banks["sev3"])
    runs.append(r3)
    return 2 + r3.cls, 3, r.events + r2.events + r3.events, runs


def cascade_beats(slots, banks: dict) -> CascadeRun:
    """Vectorised cascade.  Every stage is evaluated on every beat for speed,
    but a stage's events are counted only for the beats routed to it."""
    slots = np.asarray(slots)
    r1 = run_beats(slots, banks["sev1"])
    r2 = run_beats(slots, banks["sev2"])
    r3 = run_beats(slots, banks["sev3"])
    go2 = r1.cls == 1
    go3 = go2 & (r2.cls == 1)
    sev = np.where(~go2, 0, np.where(~go3, 1, 2 + r3.cls))
    stages = 1 + go2.astype(np.int64) + go3.astype(np.int64)
    events = r1.events + np.where(go2, r2.events, 0) + np.where(go3, r3.events, 0)
    return CascadeRun(severity=sev.astype(np.int64), stages=stages, events=events)


# ---------------------------------------------------------------------------
# Memory image (the $readmemh layout, docs/snn_if.md "Memory image")
# ---------------------------------------------------------------------------
# One image per bank, 128-bit words (16 lanes).  Lane k is bits [8k+7:8k] for
# int8 weights and bits [16k+15:16k] (k < 8) for 16-bit fields.
W1_GROUPS = N_H1 // LANES               # 9 words per input slot
W2_GROUPS = N_H2 // LANES               # 4 words per layer-1 neuron
ADDR_W1 = 0
ADDR_W2 = ADDR_W1 + N_IN * W1_GROUPS    # 2349
ADDR_W3 = ADDR_W2 + N_H1 * W2_GROUPS    # 2925
ADDR_B1 = ADDR_W3 + N_H2                # 2989
B_PER_WORD = WORD_BITS // F.SNN_BIAS.width   # 8
ADDR_B2 = ADDR_B1 + -(-N_H1 // B_PER_WORD)   # 3007
ADDR_B3 = ADDR_B2 + -(-N_H2 // B_PER_WORD)   # 3015
ADDR_PARAM = ADDR_B3 + 1                     # 3016
IMAGE_WORDS = ADDR_PARAM + 1                 # 3017

LAYOUT = {
    "word_bits": WORD_BITS, "lanes": LANES, "words": IMAGE_WORDS,
    "w1": {"base": ADDR_W1, "addr": "base + i*9 + n//16", "lane": "n % 16",
           "meaning": "weight from input i (0..249 slots, 250..260 RR bits) to layer-1 neuron n (0..143), int8"},
    "w2": {"base": ADDR_W2, "addr": "base + j*4 + m//16", "lane": "m % 16",
           "meaning": "weight from layer-1 neuron j (0..143) to layer-2 neuron m (0..63), int8"},
    "w3": {"base": ADDR_W3, "addr": "base + m", "lane": "k (0..1); lanes 2..15 zero",
           "meaning": "weight from layer-2 neuron m (0..63) to output k, int8"},
    "b1": {"base": ADDR_B1, "addr": "base + n//8", "lane16": "n % 8",
           "meaning": "bias of layer-1 neuron n, s16 in 16-bit lane"},
    "b2": {"base": ADDR_B2, "addr": "base + m//8", "lane16": "m % 8", "meaning": "bias of layer-2 neuron m"},
    "b3": {"base": ADDR_B3, "addr": "base", "lane16": "k (0..1)", "meaning": "bias of output k"},
    "param": {"base": ADDR_PARAM, "lane16": "0: theta1, 1: theta2 (unsigned); others zero"},
}






def pack_bank(p: SnnParams) -> list:
    """SnnParams -> list of IMAGE_WORDS integers (128-bit words)."""
    words = [0] * IMAGE_WORDS
    for i in range(N_IN):
        for g in range(W1_GROUPS):
            words[ADDR_W1 + i * W1_GROUPS + g] = _pack_lanes(p.w1[g * LANES:(g + 1) * LANES, i], 8)
    for j in range(N_H1):
        for g in range(W2_GROUPS):
            words[ADDR_W2 + j * W2_GROUPS + g] = _pack_lanes(p.w2[g * LANES:(g + 1) * LANES, j], 8)
    for m in range(N_H2):
        words[ADDR_W3 + m] = _pack_lanes(p.w3[:, m], 8)
    bw = F.SNN_BIAS.width
    for base, b in ((ADDR_B1, p.b1), (ADDR_B2, p.b2), (ADDR_B3, p.b3)):
        for a in range(-(-len(b) // B_PER_WORD)):
            words[base + a] = _pack_lanes(b[a * B_PER_WORD:(a + 1) * B_PER_WORD], bw)
    words[ADDR_PARAM] = _pack_lanes([p.theta1, p.theta2], 16)
    return words


def unpack_bank(words, name: str = "", strict: bool = True) -> SnnParams:
    """Inverse of :func:`pack_bank`.

    ``strict`` (exported images): unused lanes must be zero.  With
    ``strict=False`` they are ignored, as the engine ignores them: lanes 2..15
    of a w3 word, lanes 2..7 of the parameter word and bits 15:14 of each
    threshold lane."""
    if len(words) != IMAGE_WORDS:
        raise ValueError(f"bank image {name!r}: {len(words)} words, expected {IMAGE_WORDS}")
    w1 = np.zeros((N_H1, N_IN), dtype=np.int64)
    w2 = np.zeros((N_H2, N_H1), dtype=np.int64)
    w3 = np.zeros((N_OUT, N_H2), dtype=np.int64)
    for i in range(N_IN):
        for g in range(W1_GROUPS):
            w1[g * LANES:(g + 1) * LANES, i] = _unpack_lanes(words[ADDR_W1 + i * W1_GROUPS + g], 8, LANES)
    for j in range(N_H1):
        for g in range(W2_GROUPS):
            w2[g * LANES:(g + 1) * LANES, j] = _unpack_lanes(words[ADDR_W2 + j * W2_GROUPS + g], 8, LANES)
    for m in range(N_H2):
        wd = words[ADDR_W3 + m]
        if strict and wd >> (8 * N_OUT):
            raise ValueError(f"bank image {name!r}: unused lanes of w3 word {m} are not zero")
        w3[:, m] = _unpack_lanes(wd, 8, N_OUT)
    bw = F.SNN_BIAS.width
    bs = []
    for base, n in ((ADDR_B1, N_H1), (ADDR_B2, N_H2), (ADDR_B3, N_OUT)):
        vals = []
        for a in range(-(-n // B_PER_WORD)):
            vals.append(_unpack_lanes(words[base + a], bw, B_PER_WORD))
        bs.append(np.concatenate(vals)[:n])
    pw = words[ADDR_PARAM]
    if strict and pw >> 32:
        raise ValueError(f"bank image {name!r}: unused lanes of the parameter word are not zero")
    th = _unpack_lanes(pw, 16, 2, signed=False)
    if not strict:
        th &= (1 << F.SNN_THETA.width) - 1
    return SnnParams(w1=w1, w2=w2, w3=w3, b1=bs[0], b2=bs[1], b3=bs[2],
                     theta1=int(th[0]), theta2=int(th[1]), name=name)






def hex_name(split: str, bank: str) -> str:
    return f"{split}_{bank}.hex"


def load_meta(params_dir=PARAMS_DIR) -> dict:
    return json.loads((Path(params_dir) / "snn_if.json").read_text())


def load_bank(split: str, bank: str, params_dir=PARAMS_DIR) -> SnnParams:
    """One exported bank from its memory image; the JSON's thresholds must agree."""
    if split not in SPLITS or bank not in BANKS:
        raise ValueError(f"unknown split/bank {split!r}/{bank!r}; splits {SPLITS}, banks {BANKS}")
    params_dir = Path(params_dir)
    p = unpack_bank(read_hex(params_dir / hex_name(split, bank)), name=f"{split}_{bank}")
    meta = load_meta(params_dir)
    where = str(params_dir / "snn_if.json")
    m = entry(meta, where, "models", split, bank)
    entry(m, where, "theta1"), entry(m, where, "theta2")
    if (m["theta1"], m["theta2"]) != (p.theta1, p.theta2):
        raise ValueError(f"{split}_{bank}: thresholds in the JSON {m['theta1'], m['theta2']} "
                         f"differ from the image {p.theta1, p.theta2}")
    return p


def load_split(split: str, params_dir=PARAMS_DIR) -> dict:
    return {b: load_bank(split, b, params_dir) for b in BANKS}
