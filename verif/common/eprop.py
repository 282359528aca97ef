# SPDX-License-Identifier: Apache-2.0
"""e-prop engine helpers shared by the testbenches and benches that contain an ``eprop_engine``.

* the beat word <-> network inputs conversion (the engine reads ``{RR bits, 500 slots}``,
  the stage-2 data of ecg_stage1_top);
* the engine's cycle count (docs/eprop_rtl.md "Cycles per beat"), from the golden
  model's per-step results;
* every trace record the engine emits for a beat (docs/eprop_rtl.md "Trace port"),
  predicted from golden.eprop.run_beat with ``record=True``.

Pure functions of golden.eprop results; no cocotb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden import eprop as P
from golden import formats as F

TRC_VMEM, TRC_YMEM, TRC_TRACE, TRC_LSIG, TRC_ERR, TRC_DW, TRC_BEAT, TRC_CYC = (
    F.TRACE_KINDS[f"TRC_EPROP_{k}"] for k in ("VMEM", "YMEM", "TRACE", "LSIG", "ERR", "DW", "BEAT", "CYCLES"))

N_SLOTS = F.ENC_SLOTS                # 500
N_RR = F.SNN_N_RR                    # 11
BEAT_BITS = N_SLOTS + N_RR           # 511: {RR bits, slots}
S_SLOTS = 2 * 190                    # S-channel slots (samples 30..219)
CFG_CYCLES = 4                       # bias + CFG words at the start of a beat
UPD_CYCLES = P.GROUPS + 1            # 4 groups of 16 hidden neurons, two stages (U1, U2)
LSIG_CYCLES = P.N_REC // 4 + 1       # 16 W_out words + 1
DEC_CYCLES = 1
STEP_END = 0x26                      # trace step field of the beat-level records (38)


def beat_word(slots, rr) -> int:
    """slots uint8[500] + RR bits uint8[11] -> the 511-bit beat word (bit s = slot s,
    bit 500 + m = RR bit m)."""
    bits = np.concatenate([np.asarray(slots, np.uint8), np.asarray(rr, np.uint8)])
    if bits.shape != (BEAT_BITS,) or np.any(bits > 1):
        raise ValueError(f"beat word needs 500 slots + 11 RR bits of 0/1, got {bits.shape}")
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def inputs_from_slots(slots, rr) -> np.ndarray:
    """slots uint8[..., 500] + RR bits uint8[..., 11] -> network inputs uint8[..., 38, 32], the
    mapping the RTL implements (docs/eprop.md 1.1): input 4m + c of step t is channel c of
    sample 30 + 5t + m; S rise/fall of sample 30 + k are slots 2k, 2k + 1, L rise/fall of
    sample 70 + k slots 380 + 2k, 381 + 2k; then the bias and the RR bits."""
    slots = np.asarray(slots, np.uint8)
    rr = np.asarray(rr, np.uint8)
    lead = slots.shape[:-1]
    x = np.zeros(lead + (P.T, P.N_IN), np.uint8)
    s = slots[..., :S_SLOTS].reshape(lead + (P.T, P.SPS, 2))
    x[..., 0:P.N_ECG:4] = s[..., 0]
    x[..., 1:P.N_ECG:4] = s[..., 1]
    lch = slots[..., S_SLOTS:N_SLOTS].reshape(lead + (12, P.SPS, 2))      # steps 8..19
    x[..., 8:20, 2:P.N_ECG:4] = lch[..., 0]
    x[..., 8:20, 3:P.N_ECG:4] = lch[..., 1]
    x[..., P.N_ECG] = 1
    x[..., P.N_ECG + 1:] = rr[..., None, :]
    return x


@dataclass
class BeatExpect:
    run: P.BeatRun            # golden run (record=True)
    cycles: int
    events: int
    records: np.ndarray | None   # int64 [n, 4]: kind, index, step, value, in emission order


def _u(v, bits):
    return int(v) & ((1 << bits) - 1)


def step_cycles(o: P.StepOut, x_t, z_prev, lwin: bool) -> int:
    """Engine cycles of one timestep (docs/eprop_rtl.md): INT (words + 1), UPD 5, OUT
    (words + 1), YUPD 1; in the learning window ERR 1 and, when the error is not zero,
    LSIG 17 and ACC (words + 1)."""
    w_int = P.GROUPS * (int(np.sum(x_t)) + int(np.sum(z_prev)))
    w_out = o.words_inf - w_int
    c = (w_int + 1) + UPD_CYCLES + (w_out + 1) + 1
    if lwin:
        c += 1
        if np.any(o.err):
            c += LSIG_CYCLES + o.words_learn + 1
    return c


def inference_cycles(words_inf):
    """Cycles of an inference beat: CFG 4 + per step (INT, UPD, OUT, YUPD) 7 + the weight words
    read + DEC 1 (the sum of :func:`step_cycles` without a learning window), which is
    golden.eprop.cycles_inference."""
    c = CFG_CYCLES + P.T * (2 + UPD_CYCLES + 1) + np.asarray(words_inf) + DEC_CYCLES
    assert np.array_equal(c, P.cycles_inference(words_inf)), "golden cycle constants differ from the RTL's"
    return c


def apply_words(cfg: P.EpropCfg) -> list:
    """Weight words the end of a learning beat writes, in order."""
    out = []
    if cfg.learn_mask & 1:
        out += list(range(P.ADDR_WIN, P.ADDR_WREC))
    if cfg.learn_mask & 2:
        out += list(range(P.ADDR_WREC, P.ADDR_WOUT))
    if cfg.learn_mask & 4:
        out += list(range(P.ADDR_WOUT, P.ADDR_BOUT))
    return out


def _lanes(mat, words, base, kind):
    """Per applied word and lane, the value of ``mat`` (a weight or delta matrix) in the
    image's lane layout."""
    out = []
    for a in words:
        if kind == "out":
            m = np.arange(P.LANES) // P.N_OUT
            k = np.arange(P.LANES) % P.N_OUT
            out.append(mat[k, 4 * (a - base) + m])
        else:
            i, q = divmod(a - base, P.GROUPS)
            out.append(mat[q * P.LANES:(q + 1) * P.LANES, i])
    return np.concatenate(out) if out else np.zeros(0, np.int64)


_IDX_N = np.arange(P.N_REC)
_IDX_K = np.arange(P.N_OUT)
_IDX_T = np.arange(P.N_PRE + P.N_REC)


def expect_refused(beat_no: int, trace: bool = True) -> BeatExpect:
    """A beat the engine refuses for an illegal configuration (docs/eprop_rtl.md
    "Configuration errors"): no step and no learning; class 0, outputs 0; the bias and CFG
    reads and the decision cycle are its cycles; only the end-of-beat trace records."""
    r = P.BeatRun(cls=0, y=np.zeros(P.N_OUT, np.int64), spikes=0, words_inf=0, words_learn=0, sat=0)
    cyc = CFG_CYCLES + DEC_CYCLES
    step = ((beat_no & 0x3FF) << 6) | STEP_END
    recs = np.asarray([[TRC_BEAT, 0, step, 0], [TRC_CYC, 0, step, cyc]], np.int64) if trace else None
    return BeatExpect(run=r, cycles=cyc, events=0, records=recs)


def expect_beat(beat_no: int, x, p: P.EpropParams, label: int | None = None,
                acc: P.LearnAcc | None = None, trace: bool = True) -> BeatExpect:
    """Golden run of one beat and what the engine shows for it: the cycle and event counts
    and (``trace``) every trace record.  ``label`` selects learning (the engine learns a
    beat when it is labelled and CTRL.LEARN is 1)."""
    r = P.run_beat(x, p, label=label, acc=acc, record=True)
    cfg = p.cfg
    step0 = (beat_no & 0x3FF) << 6
    parts = []
    cyc = CFG_CYCLES
    z_prev = np.zeros(P.N_REC, np.int64)

    def rec(kind, idx, step, val):
        parts.append(np.stack([np.full(len(idx), kind), idx, np.full(len(idx), step), val], axis=1))

    for t, o in enumerate(r.steps):
        lwin = label is not None and t >= cfg.t_err
        cyc += step_cycles(o, x[t], z_prev, lwin)
        z_prev = o.z
        if trace:
            st = step0 | t
            rec(TRC_VMEM, _IDX_N, st, (o.h << 17) | (o.z << 16) | (o.u & 0xFFFF))
            rec(TRC_YMEM, _IDX_K, st, o.y & 0xFFFF)
            rec(TRC_TRACE, _IDX_T, st, np.concatenate([o.zbar, o.zhat]))
            if lwin:
                rec(TRC_ERR, _IDX_K, st, o.err & 0xFF)
                rec(TRC_LSIG, _IDX_N, st, ((o.g & 0xFF) << 18) | (o.lsig & 0x3FFFF))
    cyc += DEC_CYCLES
    if label is not None:
        words = apply_words(cfg)
        cyc += len(words) + 1
        if trace and words:
            w_new, dl = [], []
            for mat_w, mat_d, base, kind, lo, hi in (
                    (r.params.w_in, r.deltas["w_in"], P.ADDR_WIN, "in", P.ADDR_WIN, P.ADDR_WREC),
                    (r.params.w_rec, r.deltas["w_rec"], P.ADDR_WREC, "rec", P.ADDR_WREC, P.ADDR_WOUT),
                    (r.params.w_out, r.deltas["w_out"], P.ADDR_WOUT, "out", P.ADDR_WOUT, P.ADDR_BOUT)):
                ws = [a for a in words if lo <= a < hi]
                w_new.append(_lanes(mat_w, ws, base, kind))
                dl.append(_lanes(mat_d, ws, base, kind))
            idx = (np.repeat(np.asarray(words), P.LANES) << 4) | np.tile(np.arange(P.LANES), len(words))
            rec(TRC_DW, idx, step0 | STEP_END,
                ((np.concatenate(w_new) & 0xFF) << 24) | (np.concatenate(dl) & 0xFFFFFF))
    if trace:
        rec(TRC_BEAT, np.zeros(1, np.int64), step0 | STEP_END, np.asarray([r.cls << 16 | r.spikes]))
        rec(TRC_CYC, np.zeros(1, np.int64), step0 | STEP_END, np.asarray([cyc]))
    recs = np.concatenate(parts).astype(np.int64) if trace else None
    return BeatExpect(run=r, cycles=cyc, events=r.words_inf + r.words_learn, records=recs)


def acc_words(acc: P.LearnAcc) -> list:
    """The accumulator memory as the engine holds it: 400 words of 16 x 24-bit lanes, the
    lane layout of the weight image (docs/eprop.md 7.2)."""
    out = []
    m24 = (1 << 24) - 1
    for i in range(P.N_IN):
        for q in range(P.GROUPS):
            out.append(sum((int(v) & m24) << (24 * l) for l, v in enumerate(acc.a_in[q * 16:(q + 1) * 16, i])))
    for i in range(P.N_REC):
        for q in range(P.GROUPS):
            out.append(sum((int(v) & m24) << (24 * l) for l, v in enumerate(acc.a_rec[q * 16:(q + 1) * 16, i])))
    for a in range(P.N_REC // 4):
        lanes = acc.a_out[:, 4 * a:4 * a + 4].T.reshape(-1)
        out.append(sum((int(v) & m24) << (24 * l) for l, v in enumerate(lanes)))
    return out


# ------------------------------------------------------------------------------------------
# Boundary coverage: the arithmetic corners of docs/eprop.md that real beats rarely reach
# ------------------------------------------------------------------------------------------
# bin -> what it means (docs/verification.md "Boundary bins of the e-prop engine")
BOUNDARY_BINS = {
    **{f"{m}_clip_{s}": f"APPLY: W - delta of {m} beyond {'+' if s == 'pos' else '-'}{P.WMAX} (delta != 0), "
                        f"written as {'+' if s == 'pos' else '-'}{P.WMAX}"
       for m in ("w_in", "w_rec", "w_out") for s in ("pos", "neg")},
    "trace_sat_respike": f"a presynaptic trace at {F.EPROP_TRACE.max_code} whose source spikes again, "
                         f"leak + tr_inc above {F.EPROP_TRACE.max_code}: held at {F.EPROP_TRACE.max_code}",
    "residual_carried": "a learning beat starts from the non-zero residual the previous learning beat's "
                        "APPLY left in the accumulators (not written over AXI4-Lite)",
    "residual_in_delta": "an applied delta that differs from the beat's own accumulation >> lr: the "
                         "carried residual moved a weight",
}
_MATS = (("w_in", "a_in", "lr_in", 0), ("w_rec", "a_rec", "lr_rec", 1), ("w_out", "a_out", "lr_out", 2))


def boundary_hits(x, p: P.EpropParams, run: P.BeatRun, acc_in: P.LearnAcc | None = None,
                  residual: bool = False) -> dict:
    """Hits of every :data:`BOUNDARY_BINS` bin in one golden beat (``run`` from
    :func:`golden.eprop.run_beat` with ``record=True``; ``p`` the params it ran with; ``acc_in``
    the accumulators it started from and ``residual`` whether they are the residual of the
    previous learning beat).  Counts: weights, (step, source) pairs, accumulator entries."""
    if run.steps is None:
        raise ValueError("boundary_hits needs run_beat(..., record=True)")
    x = np.asarray(x, np.int64)
    cfg = p.cfg
    hits = dict.fromkeys(BOUNDARY_BINS, 0)
    tmax = F.EPROP_TRACE.max_code
    zbar = np.zeros(P.N_PRE, np.int64)
    z = np.zeros(P.N_REC, np.int64)
    for t, o in enumerate(run.steps):
        s_pre = np.concatenate([x[t], z])
        over = P.leak(zbar, cfg.k_h) + cfg.tr_inc * s_pre > tmax
        hits["trace_sat_respike"] += int(np.sum((zbar == tmax) & (s_pre == 1) & over))
        zbar, z = o.zbar, o.z
    if run.params is None:                       # inference: no APPLY
        return hits
    a0 = P.LearnAcc.zeros() if acc_in is None else acc_in
    for wn, an, lrn, bit in _MATS:
        if not cfg.learn_mask >> bit & 1:
            continue
        w, d, lr = getattr(p, wn), run.deltas[wn], getattr(cfg, lrn)
        raw = w - d
        hits[f"{wn}_clip_pos"] += int(np.sum((d != 0) & (raw > P.WMAX)))
        hits[f"{wn}_clip_neg"] += int(np.sum((d != 0) & (raw < -P.WMAX)))
        if residual:
            r = getattr(a0, an)
            own = getattr(run.acc, an) + (d << lr) - r        # what this beat accumulated
            hits["residual_carried"] += int(np.count_nonzero(r))
            hits["residual_in_delta"] += int(np.sum((own >> lr) != d))
    return hits


def boundary_stimulus(rng: np.random.Generator, base: P.EpropParams, n_beats: int, density=(0.55, 0.9),
                      preload: bool = True, lr_hid=(4, 8), lr_out=(1, 4), tr_inc=(48, 160)):
    """A constrained-random directed stimulus for the boundary bins: ``base`` with weights
    preloaded near the clip (``preload``: every W_out weight and a quarter of W_in / W_rec at
    +-(100..127)), large learning rates (lr_in, lr_rec from ``lr_hid``, lr_out from
    ``lr_out``, inclusive; not 0, so a residual stays), tr_inc from ``tr_inc`` (48..160: a
    trace saturates within a few spikes) and output biases with one class far below y_neg and
    one far above y_pos (errors of both signs in every learning beat); ``n_beats`` beats of
    dense random slots (each slot set with a probability drawn from ``density``) and random RR
    bits.  -> (params, slots uint8[n, 500], RR bits uint8[n, 11], labels [n]): the label of
    each beat is the low class, so the labelled and unlabelled errors have opposite signs.
    The keyword ranges exist to take one ingredient away (the unit tests show which bins
    then stay empty)."""
    def near_clip(shape, frac):
        mag = rng.integers(100, P.WMAX + 1, shape)
        sign = np.where(rng.random(shape) < 0.5, -1, 1)
        return np.where(rng.random(shape) < frac, sign * mag, 0)

    def pick(rg, name):
        lo, hi = (int(v) for v in rg)
        if not 0 <= lo <= hi:
            raise ValueError(f"boundary_stimulus: {name} range {rg} is not lo <= hi, both >= 0")
        return int(rng.integers(lo, hi + 1))

    q = base.copy()
    for wn, frac in (("w_in", 0.25), ("w_rec", 0.25), ("w_out", 1.0)) if preload else ():
        w = getattr(q, wn)
        pre = near_clip(w.shape, frac)
        setattr(q, wn, np.where(pre != 0, pre, w).astype(np.int64))
    lo, hi = rng.permutation(P.N_OUT)[:2]
    b = rng.integers(-512, 513, P.N_OUT)
    b[lo], b[hi] = -int(rng.integers(4000, 8000)), int(rng.integers(4000, 8000))
    q.b_out = b.astype(np.int64)
    q = P.with_cfg(q, tr_inc=pick(tr_inc, "tr_inc"), lr_in=pick(lr_hid, "lr_hid"), lr_rec=pick(lr_hid, "lr_hid"),
                   lr_out=pick(lr_out, "lr_out"), learn_mask=0b111)
    q.name = f"{base.name}+boundary"
    dens = rng.uniform(*density, n_beats)
    slots = (rng.random((n_beats, N_SLOTS)) < dens[:, None]).astype(np.uint8)
    rr = rng.integers(0, 2, (n_beats, N_RR)).astype(np.uint8)
    return q.check(), slots, rr, np.full(n_beats, lo, np.int64)
