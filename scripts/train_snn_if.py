#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Train the integrate-and-fire SNN banks (binary screen + severity cascade) and
export them as the engine's memory images.

    .venv/bin/python scripts/train_snn_if.py            full run -> golden/params/snn_if/
    .venv/bin/python scripts/train_snn_if.py --smoke    a few hundred beats, one epoch, temp dir
    .venv/bin/python scripts/train_snn_if.py --windows filtered --enc-deltas 20,76 --aug 4 \
        --noise-aug 4 --epochs 60 --qat-epochs 12 --noise-snr 6,30 --noise-seed 17 \
        --splits intra,inter --banks binary --out golden/params/snn_if_robust
                                                      the noise-robust screens (docs/noise_models.md)

Method (docs/snn_if.md "Training"):

1. Inputs are exactly what the hardware sees: the encoder's 500 slot bits
   (``golden.encoder.encode_beats`` with the committed gaps), two passes of 250.
   Training beats are augmented by re-encoding perturbed copies of the raw
   beat (shift +-3 samples, gain 0.9..1.1, white noise sigma 3 ADC units), so
   the network learns the jitter of send-on-delta spikes; validation and test
   beats are never augmented.
2. An ANN with QCFS activations (L = 4 levels = the 4 effective timesteps of the
   double presentation) written directly in spike-count units: threshold 1,
   hidden count n = clamp(floor(1/2 + 2 W.n_in + 4 b), 0, 4) (the 1/2 is the
   initial membrane theta/2), output 2 W.n + 4 b.  Class-weighted cross
   entropy (weights ~ frequency^-1/2).
3. Conversion: per layer theta = floor(127 / max|W|) (capped so 2*theta fits
   the membrane), integer weights round(W*theta), biases round(b*theta).  The
   output layer's scale is any positive integer (argmax is scale invariant);
   it is chosen so that the output membranes stay far from saturation.
4. Quantization-aware fine-tuning on the exact integer SNN (two passes,
   0/1/2 spikes, carry of the residue, membrane saturation) in the forward
   pass, the QCFS surrogate in the backward pass (straight-through).  The epoch
   with the best validation accuracy of the integer SNN is kept.
5. The output bias of class 1 is shifted by an integer chosen on the
   validation slice to maximise accuracy (the class weighting otherwise
   trades accuracy for sensitivity).
6. Export: one $readmemh image per bank (golden/snn_if.py layout), the JSON
   with thresholds, scales, formats and metadata, and the held-out metrics of
   the golden integer model.

Noise-robust variant (docs/noise_models.md): ``--windows filtered`` cuts every window (plain
and augmented) from the front end's output stream b (golden/frontend.py, notch + low-pass +
baseline removal) instead of the raw samples, and ``--noise-aug K`` adds K re-encodings in which
each record was first corrupted by golden/noise.py (per record and copy a kind drawn from
``--noise-kinds`` and an SNR uniform in ``--noise-snr``, noise seed ``--noise-seed``, record
name ``<name>/aug<k>``), then filtered, cut, shifted and scaled like the other copies.
``--enc-deltas S,L`` encodes with other gaps than golden/params/encoder.json (recorded in the
JSON's ``encoder``; scripts/choose_deltas.py --windows filtered gives 20,76 for filtered windows).

Never evaluated on its own training data: the intra-patient models train on
the intra split's training indices minus a 10 % validation slice and are
tested on its test indices; the inter-patient models train on DS1 (minus
validation) and are tested on DS2.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn.functional as Fn  # noqa: E402

from golden import data as D  # noqa: E402
from golden import encoder as E  # noqa: E402
from golden import formats as F  # noqa: E402
from golden import frontend as FE  # noqa: E402
from golden import noise as NZ  # noqa: E402
from golden import snn_if as G
from golden import rr as RR  # noqa: E402

VMIN, VMAX = F.SNN_VMEM.min_code, F.SNN_VMEM.max_code
THETA_MAX = min(F.SNN_THETA.max_code, VMAX // 2)
L_LEVELS = 2 * G.PASSES           # 4 effective timesteps -> counts 0..4
SMOKE_RECORDS = ("100", "105", "207", "208", "209")

TASKS = {
    # bank: (description, grouping, function symbols -> {0,1,-1})
    "binary": "AAMI N (0) vs S/V/F (1); Q excluded",
    "sev1": "severity Normal {N,/} (0) vs Mild/Moderate/Severe (1)",
    "sev2": "severity Mild {L,R,e,j} (0) vs Moderate/Severe (1); abnormal beats only",
    "sev3": "severity Moderate {A,a,J,S,E} (0) vs Severe {F,V,f,Q} (1)",
}


def task_labels(bank: str, symbols) -> np.ndarray:
    if bank == "binary":
        return D.binary_labels(symbols)
    sev = D.severity_labels(symbols)
    y = np.full(sev.shape, -1, dtype=np.int64)
    if bank == "sev1":
        y[sev >= 0] = (sev[sev >= 0] >= 1)
    elif bank == "sev2":
        y[sev >= 1] = (sev[sev >= 1] >= 2)
    elif bank == "sev3":
        y[sev >= 2] = (sev[sev >= 2] == 3)
    else:
        raise ValueError(bank)
    return y


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def _filtered(bs, signals, pre, post):
    """Windows [len(bs), pre + post] of the front end's output b at the beats' R peaks; a window
    reaching past either end of the (flushed) stream is edge-padded."""
    x = np.zeros((len(bs), pre + post), dtype=np.int64)
    cols = np.arange(-pre, post, dtype=np.int64)[None, :]
    for rec, sig in signals.items():
        sel = np.flatnonzero(bs.record == int(rec))
        b = FE.filtered_stream(sig)
        x[sel] = b[np.clip(bs.sample[sel, None] + FE.B_DELAY + cols, 0, len(b) - 1)]
    return x


def _noisy(signals, k, kinds, snr_range, noise_seed):
    """Copy k of every record under seeded noise: per record one kind and one SNR (drawn from
    default_rng([noise_seed, k, record])); returns ({record: samples}, {record: (kind, snr)})."""
    out, drawn = {}, {}
    for rec, sig in signals.items():
        rng = np.random.default_rng([noise_seed, k, int(rec)])
        kind = kinds[int(rng.integers(0, len(kinds)))]
        snr = float(rng.uniform(*snr_range))
        out[rec] = NZ.add_noise(sig, snr, kind, seed=noise_seed, record=f"{rec}/aug{k}")[0]
        drawn[rec] = (kind, round(snr, 2))
    return out, drawn


def load_data(smoke: bool, n_aug: int, seed: int, shift: int = 3, gain: float = 0.1,
              noise: float = 3.0, log=print, windows: str = "raw", noise_aug: int = 0,
              noise_kinds=NZ.KINDS, noise_snr=(6.0, 30.0), noise_seed: int = 17, cfg=None):
    """Beats, their slots, and a pool of augmented re-encodings.

    Returns (beats, pool) where pool is uint8 [1 + n_aug + noise_aug, N, 500]; pool[0] is
    the un-augmented encoding the hardware sees (raw or filtered windows)."""
    recs = SMOKE_RECORDS if smoke else None
    bs = D.load_beats(records=recs)
    cfg = E.default_config() if cfg is None else cfg
    pool = np.zeros((1 + n_aug + noise_aug, len(bs), F.ENC_SLOTS), dtype=np.uint8)
    signals = {}
    if windows == "filtered" or noise_aug:
        signals = {n: D.read_record(n).signal.astype(np.int64) for n in (recs or D.MITDB_RECORDS)}
    if windows == "filtered":
        xf = _filtered(bs, signals, bs.pre, bs.post)
        pool[0] = E.encode_beats(xf, cfg).slots
    else:
        pool[0] = E.encode_beats(bs.x, cfg).slots
    rng = np.random.default_rng(seed + 17)
    cols = np.arange(F.ENC_BEAT_LEN)[None, :]

    def jitter(xw, white):
        sh = rng.integers(0, 2 * shift + 1, len(bs))[:, None]
        x = np.take_along_axis(xw, sh + cols, axis=1)
        x = x * rng.uniform(1 - gain, 1 + gain, (len(bs), 1))
        if white:
            x = x + rng.normal(0, white, x.shape)
        x = np.clip(np.round(x), F.STREAM_SAMPLE.min_code, F.STREAM_SAMPLE.max_code)
        return E.encode_beats(x.astype(np.int64), cfg).slots

    if n_aug and windows == "filtered":
        xw = _filtered(bs, signals, bs.pre + shift, bs.post + shift).astype(np.float64)
        for k in range(n_aug):
            pool[1 + k] = jitter(xw, noise)
    elif n_aug:
        # wider windows for the shift; beats whose wider window leaves the
        # record (first/last beat) are edge-padded instead
        bw = D.load_beats(records=recs, pre=bs.pre + shift, post=bs.post + shift)
        key = {(int(r), int(s)): i for i, (r, s) in enumerate(zip(bw.record, bw.sample))}
        widx = np.array([key.get((int(r), int(s)), -1) for r, s in zip(bs.record, bs.sample)])
        xw = np.pad(bs.x, ((0, 0), (shift, shift)), mode="edge")
        ok = widx >= 0
        xw[ok] = bw.x[widx[ok]]
        xw = xw.astype(np.float64)
        for k in range(n_aug):
            pool[1 + k] = jitter(xw, noise)
    drawn = []
    for k in range(noise_aug):
        noisy, d = _noisy(signals, k, tuple(noise_kinds), noise_snr, noise_seed)
        drawn.append(d)
        if windows == "filtered":
            xw = _filtered(bs, noisy, bs.pre + shift, bs.post + shift)
        else:
            xw = _raw_wide(bs, noisy, bs.pre + shift, bs.post + shift)
        pool[1 + n_aug + k] = jitter(xw.astype(np.float64), 0.0)
        log(f"data: noisy copy {k}: " + ", ".join(f"{kd} {sn:.1f} dB" for kd, sn in list(d.values())[:4])
            + (" ..." if len(d) > 4 else ""))
    rr = RR.rr_bits(bs.record, bs.sample)
    pool = np.stack([G.screen_inputs(pool[k], rr) for k in range(pool.shape[0])])
    log(f"data: {len(bs)} beats ({windows} windows), {n_aug} augmented re-encodings, "
        f"{noise_aug} noisy ones, {rr.shape[1]} RR bits")
    return bs, pool, drawn


def _raw_wide(bs, signals, pre, post):
    """Raw windows [len(bs), pre + post] at the beats' R peaks, edge-padded at the record ends."""
    x = np.zeros((len(bs), pre + post), dtype=np.int64)
    cols = np.arange(-pre, post, dtype=np.int64)[None, :]
    for rec, sig in signals.items():
        sel = np.flatnonzero(bs.record == int(rec))
        x[sel] = sig[np.clip(bs.sample[sel, None] + cols, 0, len(sig) - 1)]
    return x


def splits(bs, seed: int):
    tr, te = D.intra_patient_split(bs, seed=seed)
    d1, d2 = D.inter_patient_split(bs)
    return {"intra": (tr, te), "inter": (d1, d2)}


def carve_val(idx, frac: float, seed: int):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(idx))
    nv = max(1, int(round(frac * len(idx))))
    return np.sort(idx[perm[nv:]]), np.sort(idx[perm[:nv]])


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------

def floor_ste(z):
    return z + (torch.floor(z) - z).detach()


def round_ste(z):
    return z + (torch.round(z) - z).detach()


class CountNet(torch.nn.Module):
    """The QCFS ANN in spike-count units (threshold 1 in every hidden layer)."""

    def __init__(self, drop: float = 0.2, in_drop: float = 0.1):
        super().__init__()
        self.w1 = torch.nn.Parameter(torch.empty(G.N_H1, G.N_IN))
        self.b1 = torch.nn.Parameter(torch.zeros(G.N_H1))
        self.w2 = torch.nn.Parameter(torch.empty(G.N_H2, G.N_H1))
        self.b2 = torch.nn.Parameter(torch.zeros(G.N_H2))
        self.w3 = torch.nn.Parameter(torch.empty(G.N_OUT, G.N_H2))
        self.b3 = torch.nn.Parameter(torch.zeros(G.N_OUT))
        for w in (self.w1, self.w2, self.w3):
            torch.nn.init.normal_(w, 0.0, 1.0 / np.sqrt(w.shape[1]))
        self.drop, self.in_drop = drop, in_drop

    @staticmethod
    def qcfs(z):
        """Spike count of the QCFS neuron: clamp(floor(z), 0, L) (z includes the 1/2 shift)."""
        return torch.clamp(floor_ste(z), 0.0, float(L_LEVELS))

    def forward(self, x, return_all=False):
        """x: [B, 2, 250] slot bits.  Returns the output in count units."""
        xs = x[:, 0] + x[:, 1]
        if self.training and self.in_drop:
            xs = Fn.dropout(xs, self.in_drop)
        n1 = self.qcfs(0.5 + 2 * xs @ self.w1.T + 4 * self.b1)
        if self.training and self.drop:
            n1 = Fn.dropout(n1, self.drop)
        n2 = self.qcfs(0.5 + 2 * n1 @ self.w2.T + 4 * self.b2)
        if self.training and self.drop:
            n2 = Fn.dropout(n2, self.drop)
        out = 2 * n2 @ self.w3.T + 4 * self.b3
        return (out, n1, n2) if return_all else out

    @torch.no_grad()
    def data_init(self, x):
        """Scale each layer so its pre-activation has std 2 and mean 1 on a batch."""
        xs = x[:, 0] + x[:, 1]
        z = 2 * xs @ self.w1.T
        self.w1.mul_(2.0 / (z.std(0) + 1e-6)[:, None])
        z = 2 * xs @ self.w1.T
        self.b1.copy_((1.0 - z.mean(0)) / 4)
        n1 = self.qcfs(0.5 + 2 * xs @ self.w1.T + 4 * self.b1)
        z = 2 * n1 @ self.w2.T
        self.w2.mul_(2.0 / (z.std(0) + 1e-6)[:, None])
        z = 2 * n1 @ self.w2.T
        self.b2.copy_((1.0 - z.mean(0)) / 4)


def int_scales(net: CountNet, x_sample):
    """theta1, theta2 and the output scale from the float weights."""
    def th(w):
        m = float(w.detach().abs().max())
        return int(max(1, min(THETA_MAX, np.floor(127.0 / max(m, 1e-9)))))
    t1, t2 = th(net.w1), th(net.w2)
    m3 = float(net.w3.detach().abs().max())
    s3 = max(1.0, np.floor(127.0 / max(m3, 1e-9)))
    with torch.no_grad():
        net.eval()
        out = net(x_sample).abs().max().item()
    # keep |output membrane| below a quarter of the range on the training data
    s3 = int(max(1, min(s3, np.floor(0.25 * VMAX / max(out, 1e-9)))))
    return t1, t2, s3


class IntSNN(torch.nn.Module):
    """Exact integer SNN forward (float tensors holding integers), STE backward."""

    def __init__(self, net: CountNet, t1: int, t2: int, s3: int):
        super().__init__()
        self.net, self.t1, self.t2, self.s3 = net, t1, t2, s3

    def qparams(self, ste: bool = True):
        r = round_ste if ste else torch.round
        n = self.net
        bmin, bmax = F.SNN_BIAS.min_code, F.SNN_BIAS.max_code
        q1 = torch.clamp(r(n.w1 * self.t1), -128, 127)
        q2 = torch.clamp(r(n.w2 * self.t2), -128, 127)
        q3 = torch.clamp(r(n.w3 * self.s3), -128, 127)
        qb1 = torch.clamp(r(n.b1 * self.t1), bmin, bmax)
        qb2 = torch.clamp(r(n.b2 * self.t2), bmin, bmax)
        qb3 = torch.clamp(r(n.b3 * self.s3), bmin, bmax)
        return q1, qb1, q2, qb2, q3, qb3

    def forward(self, x, bias_offset: int = 0):
        q1, qb1, q2, qb2, q3, qb3 = self.qparams()
        t1, t2 = float(self.t1), float(self.t2)
        with torch.no_grad():   # the exact two-pass integer dynamics
            v1 = torch.full((x.shape[0], G.N_H1), float(self.t1 >> 1))
            v2 = torch.full((x.shape[0], G.N_H2), float(self.t2 >> 1))
            v3 = torch.zeros((x.shape[0], G.N_OUT))
            qb3e = qb3.clone()
            qb3e[1] += bias_offset
            n1e = torch.zeros_like(v1)
            n2e = torch.zeros_like(v2)
            for t in range(G.PASSES):
                v1 = torch.clamp(v1 + 2 * (x[:, t] @ q1.T + qb1), VMIN, VMAX)
                c1 = (v1 >= t1).float() + (v1 >= 2 * t1).float()
                v1 = v1 - c1 * t1
                v2 = torch.clamp(v2 + 2 * (c1 @ q2.T + qb2), VMIN, VMAX)
                c2 = (v2 >= t2).float() + (v2 >= 2 * t2).float()
                v2 = v2 - c2 * t2
                v3 = torch.clamp(v3 + 2 * (c2 @ q3.T + qb3e), VMIN, VMAX)
                n1e += c1
                n2e += c2
        # surrogate (QCFS on the pass-summed input) carries the gradient
        xs = x[:, 0] + x[:, 1]
        s1 = torch.clamp((t1 / 2 + 2 * xs @ q1.T + 4 * qb1) / t1, 0.0, float(L_LEVELS))
        n1 = s1 + (n1e - s1).detach()
        s2 = torch.clamp((t2 / 2 + 2 * n1 @ q2.T + 4 * qb2) / t2, 0.0, float(L_LEVELS))
        n2 = s2 + (n2e - s2).detach()
        o = 2 * n2 @ q3.T + 4 * qb3
        o = o + (v3 - o).detach()
        return o / self.s3, v3

    def export(self, name: str, bias_offset: int = 0) -> G.SnnParams:
        with torch.no_grad():
            q1, qb1, q2, qb2, q3, qb3 = [a.numpy().astype(np.int64) for a in self.qparams(ste=False)]
        qb3 = qb3.copy()
        qb3[1] = F.SNN_BIAS.saturate(qb3[1] + bias_offset)
        return G.SnnParams(w1=q1, w2=q2, w3=q3, b1=qb1, b2=qb2, b3=qb3,
                           theta1=self.t1, theta2=self.t2, name=name)


# ---------------------------------------------------------------------------
# Training of one bank
# ---------------------------------------------------------------------------

def _class_weights(y):
    cnt = np.bincount(y, minlength=2).astype(np.float64)
    w = np.where(cnt > 0, (cnt.sum() / np.maximum(cnt, 1)) ** 0.5, 0.0)
    return torch.tensor(w / w[cnt > 0].mean(), dtype=torch.float32)


def _batch(pool, idx, rng, augment: bool):
    k = rng.integers(0, pool.shape[0], len(idx)) if augment else np.zeros(len(idx), dtype=np.int64)
    x = pool[k, idx].reshape(len(idx), G.PASSES, G.N_IN)
    return torch.from_numpy(x.astype(np.float32))


def _acc(pred, y):
    return float((pred == y).mean()) if len(y) else float("nan")


def best_offset(margin, y):
    """Integer d maximising accuracy of (margin + 4d > 0) on the validation set;
    ties -> the d of smallest magnitude.  margin = v_out[1] - v_out[0]."""
    if len(np.unique(y)) < 2:
        return 0
    lo = int(np.floor(-margin.max() / 4)) - 1
    hi = int(np.ceil(-margin.min() / 4)) + 1
    cand = np.unique(np.clip(np.concatenate([np.arange(-64, 65),
                                             np.ceil(-margin / 4).astype(np.int64),
                                             np.floor(-margin / 4).astype(np.int64)]), lo, hi))
    best, bd = -1.0, 0
    for d in sorted(cand, key=abs):
        a = _acc((margin + 4 * d > 0).astype(np.int64), y)
        if a > best + 1e-12:
            best, bd = a, int(d)
    return bd


def train_bank(name, pool, y_all, tr, va, args, log=print):
    """Train one bank; returns (IntSNN, float net copy, info dict, bias offset)."""
    seed = args.seed
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    ytr, yva = y_all[tr], y_all[va]
    cw = _class_weights(ytr)
    net = CountNet(drop=args.drop, in_drop=args.in_drop)
    init_idx = rng.choice(tr, min(len(tr), 4096), replace=False)
    net.data_init(_batch(pool, init_idx, rng, False))
    bsz = args.batch
    steps = max(1, (len(tr) + bsz - 1) // bsz)
    # small training sets (cascade stages 2 and 3) get more epochs, up to 3x
    scale = float(np.clip(args.ref_beats / max(len(tr), 1), 1.0, 3.0))
    epochs = int(round(args.epochs * scale))
    qat_epochs = int(round(args.qat_epochs * scale))
    t0 = time.time()

    # ---- phase 1: QCFS ANN ------------------------------------------------
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=epochs * steps,
                                                pct_start=0.2)
    xva = _batch(pool, va, rng, False)
    ema = [p.detach().clone() for p in net.parameters()] if args.ema else None
    for ep in range(epochs):
        net.train()
        perm = rng.permutation(tr)
        for i in range(0, len(perm), bsz):
            b = perm[i:i + bsz]
            loss = Fn.cross_entropy(net(_batch(pool, b, rng, True)), torch.from_numpy(ytr_map(y_all, b)),
                                    weight=cw)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if ema is not None:
                with torch.no_grad():
                    for e_, p_ in zip(ema, net.parameters()):
                        e_.mul_(args.ema).add_(p_.detach(), alpha=1 - args.ema)
    if ema is not None:     # evaluate and convert the exponential moving average of the weights
        with torch.no_grad():
            for e_, p_ in zip(ema, net.parameters()):
                p_.copy_(e_)
    net.eval()
    with torch.no_grad():
        ann_va = _acc(net(xva).argmax(1).numpy(), yva)
    ann_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    log(f"  {name}: ANN {epochs} epochs, val acc {ann_va:.4f} ({time.time() - t0:.0f} s)")

    # ---- conversion + phase 2: QAT on the exact integer SNN ---------------
    t1, t2, s3 = int_scales(net, _batch(pool, init_idx, rng, False))
    snn = IntSNN(net, t1, t2, s3)
    with torch.no_grad():
        conv_va = _acc(snn(xva)[1].argmax(1).numpy(), yva)
    best = (conv_va, -1, {k: v.detach().clone() for k, v in net.state_dict().items()})
    opt = torch.optim.AdamW(net.parameters(), lr=args.qat_lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, qat_epochs * steps))
    for ep in range(qat_epochs):
        net.train()
        perm = rng.permutation(tr)
        for i in range(0, len(perm), bsz):
            b = perm[i:i + bsz]
            out, _ = snn(_batch(pool, b, rng, True))
            loss = Fn.cross_entropy(out, torch.from_numpy(ytr_map(y_all, b)), weight=cw)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        net.eval()
        with torch.no_grad():
            a = _acc(snn(xva)[1].argmax(1).numpy(), yva)
        if a > best[0]:
            best = (a, ep, {k: v.detach().clone() for k, v in net.state_dict().items()})
    net.load_state_dict(best[2])
    net.eval()
    with torch.no_grad():
        v3 = snn(xva)[1].numpy()
    off = best_offset(v3[:, 1] - v3[:, 0], yva) if args.tune_offset else 0
    params = snn.export(name, off)
    va_int = _acc(G.run_beats(pool[0, va], params).cls, yva)
    info = {
        "n_train": int(len(tr)), "n_val": int(len(va)), "epochs_ann": epochs, "epochs_qat": qat_epochs,
        "train_class_counts": np.bincount(ytr, minlength=2).tolist(),
        "class_weights": [round(float(c), 4) for c in cw],
        "theta1": t1, "theta2": t2, "out_scale": s3, "bias_offset": off,
        "val_acc_ann": round(ann_va, 5), "val_acc_converted": round(conv_va, 5),
        "val_acc_qat_best_epoch": best[1], "val_acc_int": round(va_int, 5),
        "seconds": round(time.time() - t0, 1),
    }
    log(f"  {name}: theta {t1}/{t2} out scale {s3}; val int acc converted {conv_va:.4f}, "
        f"after QAT {best[0]:.4f} (epoch {best[1]}), offset {off} -> {va_int:.4f} "
        f"({info['seconds']:.0f} s)")
    fnet = CountNet()
    fnet.load_state_dict(ann_state)
    fnet.eval()
    return params, fnet, info


def ytr_map(y_all, b):
    return y_all[b].astype(np.int64)


# ---------------------------------------------------------------------------
# Metrics (shared with scripts/eval_snn_if.py)
# ---------------------------------------------------------------------------

def confusion(y, p, k):
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (y, p), 1)
    return m


def class_metrics(cm):
    tp = np.diag(cm).astype(np.float64)
    sens = np.divide(tp, cm.sum(1), out=np.full(len(tp), np.nan), where=cm.sum(1) > 0)
    ppv = np.divide(tp, cm.sum(0), out=np.full(len(tp), np.nan), where=cm.sum(0) > 0)
    f1 = np.where(np.isfinite(sens) & np.isfinite(ppv) & (sens + ppv > 0),
                  2 * sens * ppv / np.where(sens + ppv > 0, sens + ppv, 1), 0.0)
    return {"acc": float(tp.sum() / max(cm.sum(), 1)), "sens": sens.tolist(), "ppv": ppv.tolist(),
            "macro_f1": float(np.mean(f1)), "confusion": cm.tolist()}


@torch.no_grad()
def float_predict(net: CountNet, slots):
    x = torch.from_numpy(slots.reshape(len(slots), G.PASSES, G.N_IN).astype(np.float32))
    return net(x).argmax(1).numpy()


def float_cascade(nets, slots):
    p1, p2, p3 = (float_predict(nets[b], slots) for b in ("sev1", "sev2", "sev3"))
    return np.where(p1 == 0, 0, np.where(p2 == 0, 1, 2 + p3))


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a few hundred beats, one epoch, temp dir")
    ap.add_argument("--out", default=None, help="output directory (default golden/params/snn_if, "
                                                "smoke: a new temp dir)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--splits", default="intra,inter")
    ap.add_argument("--banks", default=",".join(G.BANKS))
    ap.add_argument("--epochs", type=int, default=None, help="ANN epochs (default 40, smoke 1)")
    ap.add_argument("--qat-epochs", type=int, default=None, help="QAT epochs (default 8, smoke 1)")
    ap.add_argument("--aug", type=int, default=None, help="augmented re-encodings (default 4, smoke 1)")
    ap.add_argument("--windows", choices=("raw", "filtered"), default="raw",
                    help="beat windows from the raw record (default) or the front end's output b")
    ap.add_argument("--noise-aug", type=int, default=0,
                    help="re-encodings of noisy records (golden/noise.py; default 0)")
    ap.add_argument("--noise-kinds", default=",".join(NZ.KINDS), help="kinds drawn for --noise-aug")
    ap.add_argument("--noise-snr", default="6,30", help="SNR range in dB for --noise-aug (uniform)")
    ap.add_argument("--noise-seed", type=int, default=17,
                    help="noise seed of --noise-aug (the evaluation uses 15, the gate calibration 16)")
    ap.add_argument("--enc-deltas", default=None,
                    help="encoder gaps S,L for the training inputs (default golden/params/encoder.json; "
                         "scripts/choose_deltas.py --windows filtered gives the filtered windows' 20,76); "
                         "recorded in the JSON, and the hardware must be programmed with them")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--qat-lr", type=float, default=3e-4)
    ap.add_argument("--drop", type=float, default=0.1)
    ap.add_argument("--in-drop", type=float, default=0.05)
    ap.add_argument("--ref-beats", type=int, default=30000,
                    help="training sets smaller than this get proportionally more epochs (<= 3x)")
    ap.add_argument("--val-frac", type=float, default=0.1)
    ap.add_argument("--ema", type=float, default=0.0, help="EMA decay of the ANN weights (0: off)")
    ap.add_argument("--no-tune-offset", dest="tune_offset", action="store_false")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: with 2 threads and any other busy process on a 2-core "
                         "machine, OpenMP spinning makes training ~40x slower)")
    args = ap.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 40
    if args.qat_epochs is None:
        args.qat_epochs = 1 if args.smoke else 8
    if args.aug is None:
        args.aug = 1 if args.smoke else 4
    if args.smoke:
        args.ref_beats = 0      # exactly one epoch per phase
    kinds = tuple(k for k in args.noise_kinds.split(",") if k)
    for k in kinds:
        if k not in NZ.KINDS:
            ap.error(f"--noise-kinds: unknown kind {k!r} (known: {', '.join(NZ.KINDS)})")
    try:
        snr_range = tuple(float(v) for v in args.noise_snr.split(","))
    except ValueError:
        ap.error(f"--noise-snr must be two numbers LO,HI, got {args.noise_snr!r}")
    if len(snr_range) != 2 or not -20 <= snr_range[0] <= snr_range[1] <= 60:
        ap.error(f"--noise-snr must be LO,HI with -20 <= LO <= HI <= 60, got {args.noise_snr!r}")
    if args.noise_aug < 0 or args.aug < 0:
        ap.error("--aug and --noise-aug must be >= 0")
    if args.noise_aug and not kinds:
        ap.error("--noise-kinds is empty")
    enc_cfg = E.default_config()
    if args.enc_deltas is not None:
        try:
            ds, dl = (int(v) for v in args.enc_deltas.split(","))
            enc_cfg = E.EncoderConfig(delta_s=ds, delta_l=dl)
        except ValueError as e:
            ap.error(f"--enc-deltas must be two legal gaps S,L, got {args.enc_deltas!r} ({e})")
    if args.noise_aug and args.noise_seed in (15, 16):
        ap.error(f"--noise-seed {args.noise_seed} is an evaluation/calibration seed (15, 16); use another")
    torch.set_num_threads(args.threads)
    out = Path(args.out) if args.out else (Path(tempfile.mkdtemp(prefix="snn_if_smoke_")) if args.smoke
                                           else G.PARAMS_DIR)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    log = lambda s: print(s, flush=True)  # noqa: E731
    bs, pool, drawn = load_data(args.smoke, args.aug, args.seed, log=log, windows=args.windows,
                                noise_aug=args.noise_aug, noise_kinds=kinds, noise_snr=snr_range,
                                noise_seed=args.noise_seed, cfg=enc_cfg)
    sp = splits(bs, args.seed)
    split_names = [s for s in args.splits.split(",") if s]
    bank_names = [b for b in args.banks.split(",") if b]
    sev = D.severity_labels(bs.symbol)
    ybin = D.binary_labels(bs.symbol)

    models, results = {}, {}
    for split in split_names:
        train_idx, test_idx = sp[split]
        if args.smoke:   # a few hundred beats
            rng = np.random.default_rng(args.seed)
            train_idx = np.sort(rng.choice(train_idx, min(len(train_idx), 400), replace=False))
            test_idx = np.sort(rng.choice(test_idx, min(len(test_idx), 200), replace=False))
        log(f"{split}: {len(train_idx)} training beats, {len(test_idx)} test beats")
        models[split], fnets, params = {}, {}, {}
        for bank in bank_names:
            y = task_labels(bank, bs.symbol)
            idx = train_idx[y[train_idx] >= 0]
            tr, va = carve_val(idx, args.val_frac, args.seed + 1)
            p, fnet, info = train_bank(f"{split}_{bank}", pool, y, tr, va, args, log=log)
            info["task"] = TASKS[bank]
            words = G.pack_bank(p)
            fname = G.hex_name(split, bank)
            G.write_hex(out / fname, words,
                        f"IF SNN bank {split}_{bank}: {TASKS[bank]}\n"
                        f"{G.IMAGE_WORDS} words x {G.WORD_BITS} bits, layout in docs/snn_if.md; "
                        f"theta1={p.theta1} theta2={p.theta2}\n"
                        f"generated by scripts/train_snn_if.py (seed {args.seed}, {args.windows} windows, "
                        f"{args.noise_aug} noisy copies, noise seed {args.noise_seed})")
            assert G.unpack_bank(G.read_hex(out / fname)).w1.tolist() == p.w1.tolist()
            info["hex"] = fname
            info["ranges"] = {k: [int(getattr(p, k).min()), int(getattr(p, k).max())]
                              for k in ("w1", "w2", "w3", "b1", "b2", "b3")}
            models[split][bank] = info
            fnets[bank], params[bank] = fnet, p
        # held-out metrics of the golden integer model (and of the float ANN)
        res = {}
        te_slots = pool[0, test_idx]
        if "binary" in params:
            m = ybin[test_idx] >= 0
            r = G.run_beats(te_slots[m], params["binary"])
            yb = ybin[test_idx][m]
            res["binary"] = class_metrics(confusion(yb, r.cls, 2))
            res["binary"]["float_acc"] = _acc(float_predict(fnets["binary"], te_slots[m]), yb)
            res["binary"]["wake_frac"] = float(r.cls.mean())
            res["binary"]["events_mean"] = float(r.events.mean())
            res["binary"]["events_max"] = int(r.events.max())
            res["binary"]["sat_beats"] = int(r.sat_any.sum())
            res["binary"]["n"] = int(m.sum())
            log(f"  {split} binary test: int acc {res['binary']['acc']:.4f}, "
                f"float ANN {res['binary']['float_acc']:.4f}")
        if all(b in params for b in ("sev1", "sev2", "sev3")):
            c = G.cascade_beats(te_slots, params)
            ys = sev[test_idx]
            res["cascade"] = class_metrics(confusion(ys, c.severity, 4))
            res["cascade"]["float_acc"] = _acc(float_cascade(fnets, te_slots), ys)
            res["cascade"]["events_mean"] = float(c.events.mean())
            res["cascade"]["events_max"] = int(c.events.max())
            res["cascade"]["n"] = int(len(ys))
            log(f"  {split} cascade test: int acc {res['cascade']['acc']:.4f}, "
                f"float ANN {res['cascade']['float_acc']:.4f}")
        results[split] = res

    meta = {
        "description": "IF SNN engine banks (binary screen, severity cascade); see docs/snn_if.md",
        "command": " ".join([".venv/bin/python scripts/train_snn_if.py"]
                            + list(sys.argv[1:] if argv is None else argv)),
        "seed": args.seed,
        "smoke": bool(args.smoke),
        "engine": {
            "n_in": G.N_IN, "n_h1": G.N_H1, "n_h2": G.N_H2, "n_out": G.N_OUT, "passes": G.PASSES,
            "threshold": "per layer", "init_membrane": "hidden theta>>1, output 0",
            "update": "v = sat_VMEM(v + ((I + b) << 1)); hidden: c = (v>=theta)+(v>=2*theta), "
                      "v -= c*theta; output: no firing; class = argmax(v_out), ties -> 0",
            "order": "for t in 0,1: layer 1 (slots of timestep t), layer 2 (layer-1 counts of t), "
                     "output (layer-2 counts of t)",
        },
        "formats": {f.name: {"width": f.width, "signed": f.signed, "min": f.min_code, "max": f.max_code,
                             "overflow": f.overflow, "doc": f.doc}
                    for f in F.FORMATS.values() if f.name.startswith("SNN_")},
        "layout": G.LAYOUT,
        "encoder": {"delta_s": enc_cfg.delta_s, "delta_l": enc_cfg.delta_l},
        "training": {
            "method": "QCFS ANN (L=4) in spike-count units -> per-layer integer thresholds -> "
                      "QAT on the exact integer SNN (STE) -> validation-chosen output bias offset",
            "windows": args.windows,
            "augmentation": {"copies": args.aug, "shift": 3, "gain": 0.1, "noise_adc": 3.0},
            "noise_augmentation": {"copies": args.noise_aug, "kinds": list(kinds),
                                   "snr_db": list(snr_range), "noise_seed": args.noise_seed,
                                   "record_name": "<record>/aug<k>", "shift": 3, "gain": 0.1,
                                   "drawn": [{r: list(v) for r, v in d.items()} for d in drawn]},
            "epochs_ann": args.epochs, "epochs_qat": args.qat_epochs, "batch": args.batch,
            "lr": args.lr, "qat_lr": args.qat_lr, "dropout": args.drop, "input_dropout": args.in_drop,
            "class_weights": "(N/n_c)^0.5 normalised", "val_frac": args.val_frac,
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "threads": args.threads, "wall_seconds": round(time.time() - t_start, 1),
        },
        "models": models,
        "results": results,
    }
    (out / "snn_if.json").write_text(json.dumps(meta, indent=1) + "\n")
    log(f"wrote {out} in {time.time() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
