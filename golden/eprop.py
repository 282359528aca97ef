# SPDX-License-Identifier: Apache-2.0
"""Bit-exact golden model of the e-prop recurrent LIF network (second stage).

The arithmetic contract is docs/eprop.md; every number format is a
:class:`golden.formats.FixedFormat` named ``EPROP_*``.  Pure Python + integer
numpy, no cocotb.

* :func:`beat_inputs` / :func:`rr_sideband` -- the network's time series: the
  encoder's 4-bit per-sample spike nibbles grouped 5 samples per timestep
  (38 steps x 20 inputs) plus a 12-bit sideband (bias + RR bits) that is held
  for the whole beat.
* :func:`step` -- one timestep, event driven (loops over the sources that spiked
  and, in learning mode, over the presynaptic traces that are non-zero, as the
  16-lane RTL does), returning every intermediate value.
* :func:`run_beat` -- a whole beat on top of :func:`step` (inference or
  learning), optionally with every intermediate for the scoreboard.
* :func:`apply_updates` -- the end-of-beat weight application (floor shift,
  residual carried in the accumulator, saturation at +-127).
* :func:`run_beats` -- inference vectorised over many beats (matrix products
  over beats); :func:`learn_beats` -- learning over a record's beats in order,
  vectorised over neurons and synapses (outer products).
* :func:`pack_image` / :func:`unpack_image` / :func:`save_model` /
  :func:`load_model` -- the memory image (``.hex``, 16 x int8 per 128-bit
  word) and the JSON of scalar parameters in ``golden/params/eprop/``.

Integer sums are exact.  Where the vectorised path uses float64 matrix
products for speed, every operand and partial sum is an integer below 2**53,
so the result is the exact integer (checked against the event-driven path in
golden/tests/test_eprop.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from golden import formats as F
from golden.checks import ParamsError, entry, int_array, int_scalar
from golden.memimage import read_hex, write_hex  # noqa: F401  (re-exported)
from golden.memimage import pack_lanes as _pack_lanes
from golden.memimage import unpack_lanes as _unpack_lanes
from golden import rr as RR

T = F.EPROP_T                      # 38 timesteps
SPS = F.EPROP_SAMPLES_PER_STEP     # 5 samples per timestep
N_ECG = F.EPROP_N_ECG              # 20
N_SB = F.EPROP_N_SB                # 12
N_IN = F.EPROP_N_IN                # 32
N_REC = F.EPROP_N_REC              # 64
N_OUT = F.EPROP_N_OUT              # 4
N_PRE = N_IN + N_REC               # 96 presynaptic sources of a hidden neuron
LANES = F.EPROP_LANES              # 16
GROUPS = N_REC // LANES            # 4 words per presynaptic source
S_START = F.ENC_S_START            # first encoded sample (30)
WMAX = 127                         # learning and export saturate weights at +-127

PARAMS_DIR = Path(__file__).resolve().parent / "params" / "eprop"
MODELS = ("intra", "ds1")

VMEM, YMEM, CUR, TRACE = F.EPROP_VMEM, F.EPROP_YMEM, F.EPROP_CUR, F.EPROP_TRACE
ERR, LSIG, GPOST, ACC = F.EPROP_ERR, F.EPROP_LSIG, F.EPROP_GPOST, F.EPROP_ACC

# --------------------------------------------------------------------------
# RR sideband (docs/eprop.md "RR sideband"; the RR unit itself is golden/rr.py)
# --------------------------------------------------------------------------
def rr_sideband(record, sample) -> np.ndarray:
    """Sideband bits uint8[N, 12] for beats in record order (BeatSet order:
    records contiguous, beats in time order): bit 0 = the always-on bias input,
    bits 1..11 = the RR unit's 11 bits (golden/rr.py, rtl/rr/rr_unit.v; the unit
    restarts at every change of record)."""
    bits = RR.rr_bits(record, sample)
    return np.concatenate([np.ones((len(bits), 1), dtype=np.uint8), bits], axis=1)


def beat_inputs(spk, sideband=None, use_rr: bool = True) -> np.ndarray:
    """Encoder nibbles uint8[N, 250] (+ sideband [N, 12]) -> inputs uint8[N, T, 32].

    Input i < 20 of step t is bit (i % 4) of the nibble of sample
    30 + 5t + i // 4 (bit 0 s_rise, 1 s_fall, 2 l_rise, 3 l_fall).  Inputs
    20..31 are the sideband, the same at every step.  ``use_rr=False`` keeps
    only the bias bit (the no-RR variant).
    """
    spk = int_array(spk, "spk (encoder nibbles)", 0, 15, ndim=2).astype(np.uint8)
    if spk.shape[1] < S_START + T * SPS:
        raise ValueError(f"spk must have at least {S_START + T * SPS} samples per beat, got shape {spk.shape}")
    n = spk.shape[0]
    seg = spk[:, S_START:S_START + T * SPS].reshape(n, T, SPS)
    bits = (seg[..., None] >> np.arange(4, dtype=np.uint8)) & 1        # [N, T, 5, 4]
    x = np.zeros((n, T, N_IN), dtype=np.uint8)
    x[:, :, :N_ECG] = bits.reshape(n, T, N_ECG)
    sb = np.zeros((n, N_SB), dtype=np.uint8) if sideband is None else \
        int_array(sideband, "sideband", 0, 1, shape=(n, N_SB)).astype(np.uint8)
    if sideband is None or not use_rr:
        sb[:, 1:] = 0
        sb[:, 0] = 1
    x[:, :, N_ECG:] = sb[:, None, :]
    return x


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------
DEFAULT_LUT = (15, 13, 11, 9, 7, 5, 3, 1)
LR_MAX = 20                    # learning-rate shifts 0..LR_MAX (the accumulator is 24 bits)


@dataclass(frozen=True)
class EpropCfg:
    """Scalar configuration (SPI registers / CFG words of the image)."""
    theta: int = 256           # EPROP_THETA
    k_h: int = 4               # hidden leak shift and zbar filter shift (alpha = 1 - 2^-k_h)
    k_o: int = 5               # output leak shift and zhat filter shift (kappa = 1 - 2^-k_o)
    h_shift: int = 5           # LUT index = min(|u - theta| >> h_shift, 7)
    lut: tuple = DEFAULT_LUT   # EPROP_HLUT x 8
    tr_inc: int = 16           # trace increment per presynaptic spike
    e_shift: int = 6           # err = sat8((y - y*) >> e_shift)
    g_shift: int = 8           # g = sat8((L * h) >> g_shift)
    y_pos: int = 4096          # target of the labelled class (reached or exceeded: no error)
    y_neg: int = 0             # target of the other classes (reached or below: no error)
    t_err: int = 30            # error / learning window: steps t_err .. T-1
    lr_in: int = 12            # accumulator shifts at the end of the beat (weight step = ACC >> lr)
    lr_rec: int = 12
    lr_out: int = 10
    learn_mask: int = 0b111    # bit 0 W_in, bit 1 W_rec, bit 2 W_out

    def check(self):
        for k, v in asdict(self).items():
            if k == "lut":
                if not isinstance(v, (tuple, list)):
                    raise TypeError(f"e-prop configuration lut must be a tuple of {F.EPROP_LUT_SIZE} integers")
                for i, e in enumerate(v):
                    int_scalar(e, f"e-prop configuration lut[{i}]")
            else:
                int_scalar(v, f"e-prop configuration {k}")
        bad = []
        if not 1 <= self.theta <= F.EPROP_THETA.max_code:
            bad.append("theta")
        for k in ("k_h", "k_o", "h_shift", "e_shift", "g_shift"):
            if not 0 <= getattr(self, k) <= 15:
                bad.append(k)
        if self.k_h < 1 or self.k_o < 1:
            bad.append("k_h/k_o >= 1")
        if len(self.lut) != F.EPROP_LUT_SIZE or any(not 0 <= v <= F.EPROP_HLUT.max_code for v in self.lut):
            bad.append("lut")
        if not 0 <= self.tr_inc <= TRACE.max_code:
            bad.append("tr_inc")
        for k in ("y_pos", "y_neg"):
            if not YMEM.contains(getattr(self, k)):
                bad.append(k)
        if not 0 <= self.t_err <= T:
            bad.append("t_err")
        for k in ("lr_in", "lr_rec", "lr_out"):
            if not 0 <= getattr(self, k) <= LR_MAX:
                bad.append(k)
        if not 0 <= self.learn_mask <= 7:
            bad.append("learn_mask")
        if bad:
            raise ValueError(f"illegal e-prop configuration: {', '.join(bad)}")
        return self


@dataclass
class EpropParams:
    w_in: np.ndarray    # int64 [64, 32]  W_in[j, i]
    w_rec: np.ndarray   # int64 [64, 64]  W_rec[j, i]  (i presynaptic hidden neuron)
    w_out: np.ndarray   # int64 [4, 64]   W_out[k, j]
    b_out: np.ndarray   # int64 [4]
    cfg: EpropCfg = field(default_factory=EpropCfg)
    name: str = ""

    def copy(self) -> "EpropParams":
        return EpropParams(self.w_in.copy(), self.w_rec.copy(), self.w_out.copy(),
                           self.b_out.copy(), self.cfg, self.name)

    def check(self):
        for nm, a, shp in (("w_in", self.w_in, (N_REC, N_IN)), ("w_rec", self.w_rec, (N_REC, N_REC)),
                           ("w_out", self.w_out, (N_OUT, N_REC))):
            if a.shape != shp:
                raise ValueError(f"{nm}: shape {a.shape}, expected {shp}")
            if np.asarray(a).dtype.kind not in "iu":
                raise TypeError(f"{nm}: weights must be integers, got dtype {np.asarray(a).dtype}")
            if not np.all(F.EPROP_WEIGHT.contains(a)):
                raise ValueError(f"{nm}: weights outside int8")
        if np.asarray(self.b_out).dtype.kind not in "iu":
            raise TypeError(f"b_out: biases must be integers, got dtype {np.asarray(self.b_out).dtype}")
        if self.b_out.shape != (N_OUT,) or not np.all(F.EPROP_BIAS.contains(self.b_out)):
            raise ValueError("b_out: shape or range")
        self.cfg.check()
        return self


def lut_h(u, cfg: EpropCfg):
    """Pseudo-derivative h = LUT[min(|u - theta| >> h_shift, 7)] (u the pre-reset membrane)."""
    idx = np.minimum(np.abs(np.asarray(u, np.int64) - cfg.theta) >> cfg.h_shift, F.EPROP_LUT_SIZE - 1)
    return np.asarray(cfg.lut, dtype=np.int64)[idx]


def leak(v, k):
    """v - (v >> k), arithmetic (floor) shift."""
    v = np.asarray(v, dtype=np.int64)
    return v - (v >> k)


def trace_update(tr, s, k, inc):
    """zbar <- sat_u8(zbar - (zbar >> k) + inc * s)."""
    return TRACE.saturate(leak(tr, k) + inc * np.asarray(s, np.int64))


def error_of(y, label: int, cfg: EpropCfg):
    """One-sided output error err_k = sat8((y_k - y*_k) >> e_shift) (docs/eprop.md)."""
    y = np.asarray(y, dtype=np.int64)
    tgt = np.full(y.shape, cfg.y_neg, dtype=np.int64)
    tgt[..., label] = cfg.y_pos
    d = y - tgt
    is_lab = np.zeros(y.shape, dtype=bool)
    is_lab[..., label] = True
    d = np.where(is_lab, np.minimum(d, 0), np.maximum(d, 0))
    return ERR.saturate(d >> cfg.e_shift)


# --------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------
@dataclass
class LearnAcc:
    """Weight-change accumulators; persist across beats (the carried residual)."""
    a_in: np.ndarray    # int64 [64, 32]
    a_rec: np.ndarray   # int64 [64, 64]
    a_out: np.ndarray   # int64 [4, 64]

    @staticmethod
    def zeros() -> "LearnAcc":
        return LearnAcc(np.zeros((N_REC, N_IN), np.int64), np.zeros((N_REC, N_REC), np.int64),
                        np.zeros((N_OUT, N_REC), np.int64))

    def copy(self) -> "LearnAcc":
        return LearnAcc(self.a_in.copy(), self.a_rec.copy(), self.a_out.copy())


@dataclass
class EpropState:
    t: int
    v: np.ndarray       # int64 [64] membrane after reset
    z: np.ndarray       # int64 [64] spikes of the previous step (0/1)
    y: np.ndarray       # int64 [4] output membranes
    zbar: np.ndarray    # int64 [96] presynaptic traces: inputs 0..31, hidden 32..95 (alpha filter)
    zhat: np.ndarray    # int64 [64] hidden traces for the readout (kappa filter)
    acc: LearnAcc


def init_state(acc: LearnAcc | None = None) -> EpropState:
    """Start of a beat: every neuron state is zero; the accumulators carry over."""
    return EpropState(t=0, v=np.zeros(N_REC, np.int64), z=np.zeros(N_REC, np.int64),
                      y=np.zeros(N_OUT, np.int64), zbar=np.zeros(N_PRE, np.int64),
                      zhat=np.zeros(N_REC, np.int64), acc=LearnAcc.zeros() if acc is None else acc)


@dataclass
class StepOut:
    t: int
    cur: np.ndarray     # [64] synaptic current I (exact)
    u: np.ndarray       # [64] membrane before reset (saturated)
    z: np.ndarray       # [64] spikes of this step
    v: np.ndarray       # [64] membrane after reset
    h: np.ndarray       # [64] pseudo-derivative
    y: np.ndarray       # [4] output membranes
    zbar: np.ndarray    # [96]
    zhat: np.ndarray    # [64]
    err: np.ndarray     # [4] (zeros outside learning)
    lsig: np.ndarray    # [64] learning signal L
    g: np.ndarray       # [64] postsynaptic factor
    sat_u: int          # number of hidden membranes that saturated
    sat_y: int
    words_inf: int      # 128-bit weight words read for inference this step
    words_learn: int    # accumulator words read-modify-written this step


def step(state: EpropState, x_t, p: EpropParams, label: int | None = None):
    """One timestep, event driven.  ``label`` (0..3) selects learning mode.

    Order: leak, integrate (inputs x_t and the previous step's spikes), saturate,
    fire against theta, subtract theta; pseudo-derivative from the pre-reset
    membrane; presynaptic traces; output neurons; in learning mode with
    t >= t_err the error, learning signal and accumulation.
    """
    cfg = p.cfg
    x_t = int_array(x_t, "x_t (input bits of one step)", 0, 1, shape=(N_IN,))
    if label is not None:
        label = int_scalar(label, "label", 0, N_OUT - 1)
    t = state.t
    if t >= T:
        raise ValueError(f"beat already has {T} steps")
    # --- hidden layer: event driven over sources that spiked
    cur = np.zeros(N_REC, np.int64)
    words = 0
    for i in np.flatnonzero(x_t):
        cur += p.w_in[:, i]
        words += GROUPS
    for i in np.flatnonzero(state.z):
        cur += p.w_rec[:, i]
        words += GROUPS
    CUR.fit(cur)
    exact = leak(state.v, cfg.k_h) + cur
    u = VMEM.saturate(exact)
    sat_u = int(np.sum(u != exact))
    z = (u >= cfg.theta).astype(np.int64)
    v = u - cfg.theta * z
    h = lut_h(u, cfg)
    # --- traces: zbar of the signals that entered this step, zhat of this step's spikes
    s_pre = np.concatenate([x_t, state.z])
    zbar = trace_update(state.zbar, s_pre, cfg.k_h, cfg.tr_inc)
    zhat = trace_update(state.zhat, z, cfg.k_o, cfg.tr_inc)
    # --- output layer: event driven over this step's spikes (one word per 4 hidden neurons)
    ycur = p.b_out.astype(np.int64).copy()
    for j in np.flatnonzero(z):
        ycur += p.w_out[:, j]
    words += len(np.unique(np.flatnonzero(z) // (LANES // N_OUT)))
    yex = leak(state.y, cfg.k_o) + ycur
    y = YMEM.saturate(yex)
    sat_y = int(np.sum(y != yex))
    # --- learning
    err = np.zeros(N_OUT, np.int64)
    lsig = np.zeros(N_REC, np.int64)
    g = np.zeros(N_REC, np.int64)
    acc = state.acc
    wl = 0
    if label is not None and t >= cfg.t_err:
        err = error_of(y, label, cfg)
        lsig = LSIG.fit(p.w_out.T @ err)
        g = GPOST.saturate((lsig * h) >> cfg.g_shift)
        acc = acc.copy()
        m_in, m_rec, m_out = (cfg.learn_mask >> b & 1 for b in range(3))
        if np.any(g) and (m_in or m_rec):
            # one RMW of 16 accumulators per (source with zbar != 0 of an enabled matrix,
            # lane group with g != 0)
            gg = np.flatnonzero(np.any(g.reshape(GROUPS, LANES) != 0, axis=1))
            srcs = np.flatnonzero(zbar)
            srcs = srcs[((srcs < N_IN) & bool(m_in)) | ((srcs >= N_IN) & bool(m_rec))]
            for i in srcs:
                for q in gg:
                    sl = slice(q * LANES, (q + 1) * LANES)
                    if i < N_IN:
                        acc.a_in[sl, i] = ACC.fit(acc.a_in[sl, i] + g[sl] * zbar[i])
                    else:
                        acc.a_rec[sl, i - N_IN] = ACC.fit(acc.a_rec[sl, i - N_IN] + g[sl] * zbar[i])
                    wl += 1
        if np.any(err) and m_out:
            for j in np.flatnonzero(zhat):
                acc.a_out[:, j] = ACC.fit(acc.a_out[:, j] + err * zhat[j])
            wl += len(np.unique(np.flatnonzero(zhat) // (LANES // N_OUT)))
    new = EpropState(t=t + 1, v=v, z=z, y=y, zbar=zbar, zhat=zhat, acc=acc)
    out = StepOut(t=t, cur=cur, u=u, z=z, v=v, h=h, y=y, zbar=zbar, zhat=zhat, err=err,
                  lsig=lsig, g=g, sat_u=sat_u, sat_y=sat_y, words_inf=words, words_learn=wl)
    return new, out


def argmax_low(y) -> int:
    """argmax with ties to the lowest index."""
    y = np.asarray(y)
    return int(np.flatnonzero(y == y.max())[0])


def _apply_one(w, a, lr):
    d = a >> lr
    return F.EPROP_WEIGHT.saturate(np.clip(w - d, -WMAX, WMAX)), a - (d << lr), d


def apply_updates(p: EpropParams, acc: LearnAcc):
    """End of a learning beat: for every enabled matrix, delta = ACC >> lr (floor),
    ACC <- ACC - (delta << lr) (the residual, 0 <= ACC < 2^lr, is carried),
    W <- clip(W - delta, -127, 127).  Disabled matrices keep W and ACC.
    Returns (new params, new accumulators, dict of deltas)."""
    cfg = p.cfg
    q = p.copy()
    na = acc.copy()
    deltas = {}
    for bit, wn, an, lr in ((0, "w_in", "a_in", cfg.lr_in), (1, "w_rec", "a_rec", cfg.lr_rec),
                            (2, "w_out", "a_out", cfg.lr_out)):
        if cfg.learn_mask >> bit & 1:
            w, a, d = _apply_one(getattr(p, wn), getattr(acc, an), lr)
            setattr(q, wn, w)
            setattr(na, an, a)
            deltas[wn] = d
        else:
            deltas[wn] = np.zeros_like(getattr(p, wn))
    return q, na, deltas


@dataclass
class BeatRun:
    cls: int
    y: np.ndarray                  # [4] final output membranes
    spikes: int                    # hidden spikes of the beat
    words_inf: int
    words_learn: int
    sat: int
    steps: list | None = None      # StepOut per timestep (record=True)
    params: EpropParams | None = None   # after the update (learning)
    acc: LearnAcc | None = None
    deltas: dict | None = None


def run_beat(x, p: EpropParams, label: int | None = None, acc: LearnAcc | None = None,
             record: bool = False) -> BeatRun:
    """One beat x uint8[T, 32] through :func:`step`.  In learning mode (``label``
    given) the weights are updated at the end of the beat (:func:`apply_updates`)."""
    x = int_array(x, "x (input bits of one beat)", 0, 1, shape=(T, N_IN))
    st = init_state(acc.copy() if acc is not None else None)
    steps = [] if record else None
    spikes = wi = wl = sat = 0
    for t in range(T):
        st, o = step(st, x[t], p, label)
        spikes += int(o.z.sum())
        wi += o.words_inf
        wl += o.words_learn
        sat += o.sat_u + o.sat_y
        if record:
            steps.append(o)
    r = BeatRun(cls=argmax_low(st.y), y=st.y, spikes=spikes, words_inf=wi, words_learn=wl,
                sat=sat, steps=steps)
    if label is not None:
        r.params, r.acc, r.deltas = apply_updates(p, st.acc)
    return r


# --------------------------------------------------------------------------
# Vectorised paths
# --------------------------------------------------------------------------
def _mm(a, b):
    """Exact integer matrix product through float64 BLAS (all |values| << 2^53)."""
    return np.rint(np.asarray(a, np.float64) @ np.asarray(b, np.float64)).astype(np.int64)


@dataclass
class BatchRun:
    cls: np.ndarray        # [N]
    y: np.ndarray          # [N, 4] final output membranes
    spikes: np.ndarray     # [N] hidden spikes per beat
    in_spikes: np.ndarray  # [N] ECG input spikes per beat
    words_inf: np.ndarray  # [N] weight words read (inference)
    sat: np.ndarray        # [N] saturations (hidden + output)
    u: np.ndarray | None = None    # [N, T, 64] (record=True)
    z: np.ndarray | None = None    # [N, T, 64]
    yt: np.ndarray | None = None   # [N, T, 4]


def run_beats(x, p: EpropParams, chunk: int = 4096, record: bool = False) -> BatchRun:
    """Inference over beats x uint8[N, T, 32] (bits 0/1), vectorised over beats."""
    x = int_array(x, "x (input bits of the beats)", 0, 1, shape=(None, T, N_IN))
    n = x.shape[0]
    cfg = p.cfg
    out = BatchRun(cls=np.zeros(n, np.int64), y=np.zeros((n, N_OUT), np.int64),
                   spikes=np.zeros(n, np.int64), in_spikes=x[:, :, :N_ECG].sum((1, 2)).astype(np.int64),
                   words_inf=np.zeros(n, np.int64), sat=np.zeros(n, np.int64))
    if record:
        out.u = np.zeros((n, T, N_REC), np.int64)
        out.z = np.zeros((n, T, N_REC), np.int8)
        out.yt = np.zeros((n, T, N_OUT), np.int64)
    win = p.w_in.T
    wrec = p.w_rec.T
    wout = p.w_out.T
    for s in range(0, n, chunk):
        xb = x[s:s + chunk].astype(np.int64)
        m = xb.shape[0]
        v = np.zeros((m, N_REC), np.int64)
        z = np.zeros((m, N_REC), np.int64)
        y = np.zeros((m, N_OUT), np.int64)
        for t in range(T):
            cur = _mm(xb[:, t], win) + _mm(z, wrec)
            words = (xb[:, t].sum(1) + z.sum(1)) * GROUPS
            ex = leak(v, cfg.k_h) + cur
            u = VMEM.saturate(ex)
            out.sat[s:s + m] += (u != ex).sum(1)
            z = (u >= cfg.theta).astype(np.int64)
            v = u - cfg.theta * z
            yex = leak(y, cfg.k_o) + _mm(z, wout) + p.b_out[None, :]
            y = YMEM.saturate(yex)
            out.sat[s:s + m] += (y != yex).sum(1)
            words += (z.reshape(m, N_REC // 4, 4).sum(2) > 0).sum(1)
            out.words_inf[s:s + m] += words
            out.spikes[s:s + m] += z.sum(1)
            if record:
                out.u[s:s + m, t], out.z[s:s + m, t], out.yt[s:s + m, t] = u, z, y
        out.y[s:s + m] = y
        ym = y.max(1, keepdims=True)
        out.cls[s:s + m] = np.argmax(y == ym, axis=1)
    return out


def classify(x, p: EpropParams) -> np.ndarray:
    return run_beats(x, p).cls


@dataclass
class LearnRun:
    params: EpropParams
    acc: LearnAcc
    cls: np.ndarray        # [N] class decided during each learning beat (before its update)
    words_learn: np.ndarray
    n_changed: np.ndarray  # [N] weights changed at the end of each beat


def learn_beats(x, labels, p: EpropParams, acc: LearnAcc | None = None) -> LearnRun:
    """Learning mode over beats in order (one record), vectorised over neurons and
    synapses: the same arithmetic as :func:`run_beat` with ``label``."""
    cfg = p.cfg
    x = int_array(x, "x (input bits of the beats)", 0, 1, shape=(None, T, N_IN))
    labels = int_array(labels, "labels", 0, N_OUT - 1, shape=(x.shape[0],))
    p = p.copy()
    acc = LearnAcc.zeros() if acc is None else acc.copy()
    n = x.shape[0]
    cls = np.zeros(n, np.int64)
    wls = np.zeros(n, np.int64)
    nch = np.zeros(n, np.int64)
    lut = np.asarray(cfg.lut, np.int64)
    m_in, m_rec, m_out = (cfg.learn_mask >> k & 1 for k in range(3))
    for b in range(n):
        xb = x[b].astype(np.int64)
        lab = int(labels[b])
        if not 0 <= lab < N_OUT:
            raise ValueError(f"beat {b}: label {lab} outside 0..3")
        v = np.zeros(N_REC, np.int64)
        z = np.zeros(N_REC, np.int64)
        y = np.zeros(N_OUT, np.int64)
        zbar = np.zeros(N_PRE, np.int64)
        zhat = np.zeros(N_REC, np.int64)
        wl = 0
        for t in range(T):
            s_pre = np.concatenate([xb[t], z])
            cur = p.w_in @ xb[t] + p.w_rec @ z
            u = VMEM.saturate(leak(v, cfg.k_h) + cur)
            zn = (u >= cfg.theta).astype(np.int64)
            v = u - cfg.theta * zn
            zbar = TRACE.saturate(leak(zbar, cfg.k_h) + cfg.tr_inc * s_pre)
            zhat = TRACE.saturate(leak(zhat, cfg.k_o) + cfg.tr_inc * zn)
            y = YMEM.saturate(leak(y, cfg.k_o) + p.w_out @ zn + p.b_out)
            z = zn
            if t >= cfg.t_err and cfg.learn_mask:
                err = error_of(y, lab, cfg)
                if np.any(err):
                    h = lut[np.minimum(np.abs(u - cfg.theta) >> cfg.h_shift, 7)]
                    g = GPOST.saturate(((p.w_out.T @ err) * h) >> cfg.g_shift)
                    if np.any(g) and (m_in or m_rec):
                        ng = int(np.any(g.reshape(GROUPS, LANES) != 0, 1).sum())
                        if m_in:
                            acc.a_in += np.outer(g, zbar[:N_IN])
                            wl += int(np.count_nonzero(zbar[:N_IN])) * ng
                        if m_rec:
                            acc.a_rec += np.outer(g, zbar[N_IN:])
                            wl += int(np.count_nonzero(zbar[N_IN:])) * ng
                    if m_out:
                        acc.a_out += np.outer(err, zhat)
                        wl += int((zhat.reshape(-1, 4).sum(1) > 0).sum())
        cls[b] = argmax_low(y)
        wls[b] = wl
        q, acc, _ = apply_updates(p, acc)
        nch[b] = int((q.w_in != p.w_in).sum() + (q.w_rec != p.w_rec).sum() + (q.w_out != p.w_out).sum())
        p = q
    ACC.fit(acc.a_in), ACC.fit(acc.a_rec), ACC.fit(acc.a_out)
    return LearnRun(params=p, acc=acc, cls=cls, words_learn=wls, n_changed=nch)


# --------------------------------------------------------------------------
# Cycle model (docs/eprop.md "Cycles")
# --------------------------------------------------------------------------
CYC_STEP_OVERHEAD = GROUPS + 4      # RTL: update of 64 neurons in 16 lanes (4, two stages: + 1) + 2 pipeline drains + output update
CYC_BEAT_OVERHEAD = 5               # RTL: bias and CFG words (4) + decision (1)
CYC_APPLY = (N_REC * N_PRE + N_OUT * N_REC) // LANES   # end-of-beat weight application: 400 words


def cycles_inference(words_inf):
    """Cycles of one inference beat on the RTL engine (docs/eprop_rtl.md): one 128-bit weight
    word per cycle plus the fixed per-step and per-beat cycles."""
    return np.asarray(words_inf) + T * CYC_STEP_OVERHEAD + CYC_BEAT_OVERHEAD


# --------------------------------------------------------------------------
# Memory image
# --------------------------------------------------------------------------
WORD_BITS = 8 * LANES
ADDR_WIN = 0                               # i*4 + n/16  (i input 0..31)
ADDR_WREC = ADDR_WIN + N_IN * GROUPS       # 128: 128 + i*4 + n/16 (i presyn hidden)
ADDR_WOUT = ADDR_WREC + N_REC * GROUPS     # 384: 384 + j/4, lane 4*(j%4) + k
ADDR_BOUT = ADDR_WOUT + N_REC // 4         # 400: 16-bit lanes 0..3
ADDR_CFG0 = ADDR_BOUT + 1                  # 401
ADDR_CFG1 = ADDR_CFG0 + 1                  # 402
IMAGE_WORDS = ADDR_CFG1 + 1                # 403

CFG0_FIELDS = ("theta", "y_pos", "y_neg", "tr_inc", "t_err", "learn_mask", "lut_lo", "lut_hi")
CFG1_FIELDS = ("k_h", "k_o", "h_shift", "e_shift", "g_shift", "lr_in", "lr_rec", "lr_out")






def _lut_pack(lut):
    w = _pack_lanes(lut, 4)
    return w & 0xFFFF, w >> 16


def pack_image(p: EpropParams) -> list:
    p.check()
    c = p.cfg
    words = [0] * IMAGE_WORDS
    for i in range(N_IN):
        for q in range(GROUPS):
            words[ADDR_WIN + i * GROUPS + q] = _pack_lanes(p.w_in[q * LANES:(q + 1) * LANES, i], 8)
    for i in range(N_REC):
        for q in range(GROUPS):
            words[ADDR_WREC + i * GROUPS + q] = _pack_lanes(p.w_rec[q * LANES:(q + 1) * LANES, i], 8)
    for a in range(N_REC // 4):
        words[ADDR_WOUT + a] = _pack_lanes(p.w_out[:, 4 * a:4 * a + 4].T.reshape(-1), 8)
    words[ADDR_BOUT] = _pack_lanes(p.b_out, 16)
    lo, hi = _lut_pack(c.lut)
    words[ADDR_CFG0] = _pack_lanes([c.theta, c.y_pos, c.y_neg, c.tr_inc, c.t_err, c.learn_mask, lo, hi], 16)
    words[ADDR_CFG1] = _pack_lanes([getattr(c, f) for f in CFG1_FIELDS], 16)
    return words


# What the engine checks at the start of every beat (docs/eprop_rtl.md "Configuration errors"):
# bit k of the mask set <=> field CFG_ERR_FIELDS[k] of the bias / CFG words is illegal.  A beat
# read with a non-zero mask is refused (class 0, outputs 0, no learning, flagged).
CFG_ERR_FIELDS = ("b_out_pad", "theta", "tr_inc", "t_err", "learn_mask",
                  "k_h", "k_o", "h_shift", "e_shift", "g_shift", "lr_in", "lr_rec", "lr_out")


def cfg_errors(bias_word: int, cfg0: int, cfg1: int) -> int:
    """The configuration-error mask of the words at ADDR_BOUT, ADDR_CFG0, ADDR_CFG1 (0: legal).
    The same ranges as :meth:`EpropCfg.check` and the bias check of :func:`unpack_image`,
    on the raw 16-bit lanes."""
    c0 = [(cfg0 >> (16 * k)) & 0xFFFF for k in range(8)]
    c1 = [(cfg1 >> (16 * k)) & 0xFFFF for k in range(8)]
    bad = {
        "b_out_pad": bias_word >> (16 * N_OUT) != 0,
        "theta": not 1 <= c0[0] <= F.EPROP_THETA.max_code,
        "tr_inc": c0[3] > TRACE.max_code,
        "t_err": c0[4] > T,
        "learn_mask": c0[5] > 7,
        "k_h": not 1 <= c1[0] <= 15,
        "k_o": not 1 <= c1[1] <= 15,
        "h_shift": c1[2] > 15,
        "e_shift": c1[3] > 15,
        "g_shift": c1[4] > 15,
        "lr_in": c1[5] > LR_MAX,
        "lr_rec": c1[6] > LR_MAX,
        "lr_out": c1[7] > LR_MAX,
    }
    return sum(1 << k for k, f in enumerate(CFG_ERR_FIELDS) if bad[f])


def describe_cfg_errors(mask: int) -> str:
    return ", ".join(f for k, f in enumerate(CFG_ERR_FIELDS) if mask >> k & 1) or "none"


def image_cfg_errors(words) -> int:
    return cfg_errors(int(words[ADDR_BOUT]), int(words[ADDR_CFG0]), int(words[ADDR_CFG1]))


def unpack_image(words, name: str = "") -> EpropParams:
    if len(words) != IMAGE_WORDS:
        raise ValueError(f"e-prop image {name!r}: {len(words)} words, expected {IMAGE_WORDS}")
    w_in = np.zeros((N_REC, N_IN), np.int64)
    w_rec = np.zeros((N_REC, N_REC), np.int64)
    w_out = np.zeros((N_OUT, N_REC), np.int64)
    for i in range(N_IN):
        for q in range(GROUPS):
            w_in[q * LANES:(q + 1) * LANES, i] = _unpack_lanes(words[ADDR_WIN + i * GROUPS + q], 8, LANES)
    for i in range(N_REC):
        for q in range(GROUPS):
            w_rec[q * LANES:(q + 1) * LANES, i] = _unpack_lanes(words[ADDR_WREC + i * GROUPS + q], 8, LANES)
    for a in range(N_REC // 4):
        w_out[:, 4 * a:4 * a + 4] = _unpack_lanes(words[ADDR_WOUT + a], 8, LANES).reshape(4, N_OUT).T
    b_out = _unpack_lanes(words[ADDR_BOUT], 16, N_OUT)
    if words[ADDR_BOUT] >> (16 * N_OUT):
        raise ValueError(f"e-prop image {name!r}: unused lanes of the bias word are not zero")
    c0 = _unpack_lanes(words[ADDR_CFG0], 16, 8, signed=False)
    c0s = _unpack_lanes(words[ADDR_CFG0], 16, 8, signed=True)
    c1 = _unpack_lanes(words[ADDR_CFG1], 16, 8, signed=False)
    lut = tuple(int(v) for v in _unpack_lanes(int(c0[6]) | (int(c0[7]) << 16), 4, 8, signed=False))
    cfg = EpropCfg(theta=int(c0[0]), y_pos=int(c0s[1]), y_neg=int(c0s[2]), tr_inc=int(c0[3]),
                   t_err=int(c0[4]), learn_mask=int(c0[5]), lut=lut,
                   **{f: int(v) for f, v in zip(CFG1_FIELDS, c1)})
    return EpropParams(w_in, w_rec, w_out, b_out, cfg, name).check()






def save_model(p: EpropParams, name: str, params_dir=PARAMS_DIR, meta: dict | None = None) -> None:
    """Write <name>.hex and merge the scalar configuration (+ meta) into eprop.json."""
    d = Path(params_dir)
    d.mkdir(parents=True, exist_ok=True)
    write_hex(d / f"{name}.hex", pack_image(p),
              comment=f"e-prop model {name}: {IMAGE_WORDS} words of 128 bits, layout docs/eprop.md")
    jpath = d / "eprop.json"
    js = json.loads(jpath.read_text()) if jpath.exists() else {"models": {}}
    entry = js["models"].get(name, {})
    entry.update(meta or {})
    entry["cfg"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(p.cfg).items()}
    js["models"][name] = entry
    jpath.write_text(json.dumps(js, indent=1, sort_keys=True) + "\n")


def load_meta(params_dir=PARAMS_DIR) -> dict:
    return json.loads((Path(params_dir) / "eprop.json").read_text())


def load_model(name: str, params_dir=PARAMS_DIR) -> EpropParams:
    """A model from its image; the JSON's cfg must agree with the CFG words."""
    d = Path(params_dir)
    p = unpack_image(read_hex(d / f"{name}.hex"), name=name)
    js = dict(entry(load_meta(d), str(d / "eprop.json"), "models", name, "cfg"))
    js["lut"] = tuple(entry(js, str(d / "eprop.json"), "lut"))
    missing = set(EpropCfg.__dataclass_fields__) - set(js)
    if missing:
        raise ParamsError(f"{d / 'eprop.json'}: models[{name!r}]['cfg'] lacks {sorted(missing)}")
    unknown = set(js) - set(EpropCfg.__dataclass_fields__)
    if unknown:
        raise ValueError(f"{d / 'eprop.json'}: models[{name!r}]['cfg'] has unknown entries {sorted(unknown)}")
    if EpropCfg(**js) != p.cfg:
        raise ValueError(f"{name}: configuration in eprop.json differs from the image CFG words")
    return p


def with_cfg(p: EpropParams, **kw) -> EpropParams:
    q = p.copy()
    q.cfg = replace(p.cfg, **kw).check()
    return q
