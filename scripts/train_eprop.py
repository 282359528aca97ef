#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Offline pretraining of the e-prop recurrent LIF network (docs/eprop.md).

    .venv/bin/python scripts/train_eprop.py --model intra           # -> golden/params/eprop/intra.hex
    .venv/bin/python scripts/train_eprop.py --model ds1             # -> golden/params/eprop/ds1.hex
    .venv/bin/python scripts/train_eprop.py --model ds1 --no-rr --epochs 12 --out build/eprop/norr
    .venv/bin/python scripts/train_eprop.py --smoke                 # few hundred beats, 1 epoch, temp dir

BPTT with a surrogate gradient through a forward pass that IS the integer
network: every tensor holds integers (float32 is exact for them: |values| <
2^24), weights are fake-quantised to int8 (round, clip +-127, straight-through),
leaks are floor shifts (straight-through slope 1 - 2^-k), membranes saturate to
16 bits and spikes are (u >= theta) with the LUT pseudo-derivative as gradient.
So the exported model loses nothing in conversion; the export is checked against
golden.eprop.run_beats on the validation beats (identical predictions required).

Class-weighted cross entropy on the final output membranes (logit = y * 2^s with
a learned scale s that does not change the argmax).  Fixed seed.  The epoch
with the best validation score (accuracy + macro-F1)/2 is kept; validation is a
seeded 10 % of the training beats, never test beats.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golden import data as D  # noqa: E402
from golden import encoder as E  # noqa: E402
from golden import eprop as P  # noqa: E402
from golden import formats as F  # noqa: E402
from golden.metrics import class_metrics, confusion  # noqa: E402

SMOKE_RECORDS = ("100", "105", "207", "208", "209", "232")


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
def load_data(smoke: bool, n_aug: int, seed: int, shift: int = 2, gain: float = 0.1,
              noise: float = 3.0, log=print):
    """Beats, labels, sideband and a pool of encodings [1 + n_aug, N, 250] (nibbles).
    pool[0] is the plain encoding the hardware sees."""
    recs = SMOKE_RECORDS if smoke else None
    bs = D.load_beats(records=recs)
    cfg = E.default_config()
    pool = np.zeros((1 + n_aug, len(bs), F.ENC_BEAT_LEN), dtype=np.uint8)
    pool[0] = E.encode_beats(bs.x, cfg).spk
    if n_aug:
        xw = np.pad(bs.x, ((0, 0), (shift, shift)), mode="edge").astype(np.float64)
        rng = np.random.default_rng(seed + 17)
        cols = np.arange(F.ENC_BEAT_LEN)[None, :]
        for k in range(n_aug):
            sh = rng.integers(0, 2 * shift + 1, len(bs))[:, None]
            x = np.take_along_axis(xw, sh + cols, axis=1)
            x = x * rng.uniform(1 - gain, 1 + gain, (len(bs), 1)) + rng.normal(0, noise, x.shape)
            x = np.clip(np.round(x), F.STREAM_SAMPLE.min_code, F.STREAM_SAMPLE.max_code)
            pool[1 + k] = E.encode_beats(x.astype(np.int64), cfg).spk
    sb = P.rr_sideband(bs.record, bs.sample)
    log(f"data: {len(bs)} beats, {n_aug} augmented re-encodings")
    return bs, pool, sb


def model_indices(bs, model: str, seed: int):
    """(train, test) beat indices with an N/S/V/F label (Q excluded)."""
    y = D.nsvf_labels(bs.symbol)
    if model == "intra":
        tr, te = D.intra_patient_split(bs, seed=seed)
    elif model == "ds1":
        tr, te = D.inter_patient_split(bs)
    else:
        raise ValueError(model)
    return tr[y[tr] >= 0], te[y[te] >= 0]


def carve_val(idx, frac: float, seed: int):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(idx))
    nv = max(1, int(round(frac * len(idx))))
    return np.sort(idx[perm[nv:]]), np.sort(idx[perm[:nv]])


# ---------------------------------------------------------------------------
# The integer network in torch
# ---------------------------------------------------------------------------
class SpikeFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, theta, h_shift, lut, gamma):
        ctx.save_for_backward(u, lut)
        ctx.theta, ctx.h_shift, ctx.gamma = theta, h_shift, gamma
        return (u >= theta).to(u.dtype)

    @staticmethod
    def backward(ctx, g):
        u, lut = ctx.saved_tensors
        idx = torch.clamp(torch.floor(torch.abs(u - ctx.theta) / (1 << ctx.h_shift)), max=7).long()
        return g * lut[idx] * (ctx.gamma / 16.0 / ctx.theta), None, None, None, None


def q_ste(w, lo=-P.WMAX, hi=P.WMAX):
    return w + (torch.clamp(torch.round(w), lo, hi) - w).detach()


def leak_ste(v, k):
    exact = v - torch.floor(v / (1 << k))
    approx = v * (1.0 - 2.0 ** -k)
    return approx + (exact - approx).detach()


def sat_ste(v, fmt):
    return v + (torch.clamp(v, fmt.min_code, fmt.max_code) - v).detach()


class EpropNet(torch.nn.Module):
    def __init__(self, cfg: P.EpropCfg, seed: int):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.cfg = cfg
        self.w_in = torch.nn.Parameter(torch.randn(P.N_REC, P.N_IN, generator=g) * 40.0)
        self.w_rec = torch.nn.Parameter(torch.randn(P.N_REC, P.N_REC, generator=g) * 15.0)
        self.w_out = torch.nn.Parameter(torch.randn(P.N_OUT, P.N_REC, generator=g) * 20.0)
        self.b_out = torch.nn.Parameter(torch.zeros(P.N_OUT))
        self.log_scale = torch.nn.Parameter(torch.tensor(-9.0))
        self.register_buffer("lut", torch.tensor(cfg.lut, dtype=torch.float32))

    def qweights(self):
        return (q_ste(self.w_in), q_ste(self.w_rec), q_ste(self.w_out),
                q_ste(self.b_out, F.EPROP_BIAS.min_code, F.EPROP_BIAS.max_code))

    def forward(self, x, gamma: float = 0.5):
        """x [B, T, 32] (0/1) -> final output membranes [B, 4], hidden spikes [B]."""
        c = self.cfg
        w_in, w_rec, w_out, b = self.qweights()
        bsz = x.shape[0]
        v = x.new_zeros(bsz, P.N_REC)
        z = x.new_zeros(bsz, P.N_REC)
        y = x.new_zeros(bsz, P.N_OUT)
        spikes = x.new_zeros(bsz)
        cur_in = x @ w_in.t()                                   # [B, T, 64], exact
        for t in range(P.T):
            u = sat_ste(leak_ste(v, c.k_h) + cur_in[:, t] + z @ w_rec.t(), F.EPROP_VMEM)
            z = SpikeFn.apply(u, float(c.theta), c.h_shift, self.lut, gamma)
            v = u - c.theta * z
            y = sat_ste(leak_ste(y, c.k_o) + z @ w_out.t() + b, F.EPROP_YMEM)
            spikes = spikes + z.sum(1)
        return y, spikes

    def export(self, name: str) -> P.EpropParams:
        with torch.no_grad():
            w_in, w_rec, w_out, b = (t.detach().numpy().astype(np.int64) for t in self.qweights())
        return P.EpropParams(w_in, w_rec, w_out, b, self.cfg, name).check()


def class_weights(y):
    cnt = np.bincount(y, minlength=P.N_OUT).astype(np.float64)
    w = np.where(cnt > 0, (cnt.sum() / np.maximum(cnt, 1)) ** 0.5, 0.0)
    return torch.tensor(w / w[cnt > 0].mean(), dtype=torch.float32)


def predict(net, x, bs=2048):
    outs = []
    with torch.no_grad():
        for s in range(0, len(x), bs):
            y, _ = net(torch.from_numpy(x[s:s + bs].astype(np.float32)))
            ym = y.max(1, keepdim=True).values
            outs.append(torch.argmax((y == ym).to(torch.int8), 1).numpy())   # first max = ties low
    return np.concatenate(outs) if outs else np.zeros(0, np.int64)


def score(cm):
    m = class_metrics(cm)
    return 0.5 * (m["acc"] + m["macro_f1"]), m


def tune_bias(net, xs, y, log=print, steps=(512, 256, 128, 64, 32)):
    """Coordinate search of integer offsets added to b_out[1..3] (b_out[0] fixed) on the
    validation beats, maximising (accuracy + macro-F1)/2: the class weighting of the loss buys
    sensitivity, this buys back accuracy where the validation data says so."""
    with torch.no_grad():
        base = net.b_out.detach().clone()
    off = [0] * P.N_OUT
    best, _ = score(confusion(y, predict(net, xs), P.N_OUT))
    for st in steps:
        for k in range(1, P.N_OUT):
            for sgn in (+1, -1):
                while True:
                    trial = list(off)
                    trial[k] += sgn * st
                    with torch.no_grad():
                        net.b_out.copy_(base + torch.tensor(trial, dtype=torch.float32))
                    sc, _ = score(confusion(y, predict(net, xs), P.N_OUT))
                    if sc > best + 1e-9:
                        best, off = sc, trial
                    else:
                        break
    with torch.no_grad():
        net.b_out.copy_(base + torch.tensor(off, dtype=torch.float32))
    log(f"  bias offsets {off}: validation score {best:.4f}")
    return off


def train(name, pool, sb, y_all, tr, va, args, log=print):
    cfg = P.EpropCfg()
    torch.manual_seed(args.seed)
    net = EpropNet(cfg, args.seed)
    xs_va = P.beat_inputs(pool[0, va], sb[va], use_rr=not args.no_rr)
    y_va = y_all[va]
    cw = class_weights(y_all[tr])
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps_per_epoch = -(-len(tr) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.15)
    rng = np.random.default_rng(args.seed + 3)
    best = (-1.0, None, None, -1)
    hist = []
    for ep in range(args.epochs):
        t0 = time.time()
        perm = rng.permutation(tr)
        tot = n = 0
        net.train()
        for s in range(0, len(perm), args.batch):
            idx = perm[s:s + args.batch]
            k = rng.integers(0, pool.shape[0], len(idx))
            xb = P.beat_inputs(pool[k, idx], sb[idx], use_rr=not args.no_rr)
            xb = torch.from_numpy(xb.astype(np.float32))
            yb = torch.from_numpy(y_all[idx])
            yout, spk = net(xb, args.gamma)
            logits = yout * torch.exp(net.log_scale)
            loss = torch.nn.functional.cross_entropy(logits, yb, weight=cw)
            rate = spk.mean() / (P.T * P.N_REC)
            loss = loss + args.rate_reg * torch.relu(rate - args.rate_max) ** 2
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), args.clip)
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
            n += len(idx)
        net.eval()
        pv = predict(net, xs_va)
        sc, m = score(confusion(y_va, pv, P.N_OUT))
        hist.append({"epoch": ep, "loss": tot / max(n, 1), "val_acc": m["acc"], "val_f1": m["macro_f1"]})
        log(f"  {name} epoch {ep + 1}/{args.epochs}: loss {tot / max(n, 1):.4f}  val acc {m['acc']:.4f} "
            f"f1 {m['macro_f1']:.4f} sens {np.round(m['sens'], 3).tolist()}  rate {float(rate):.3f}  "
            f"{time.time() - t0:.0f} s")
        if sc > best[0]:
            best = (sc, {k: v.detach().clone() for k, v in net.state_dict().items()}, m, ep)
    net.load_state_dict(best[1])
    offsets = tune_bias(net, xs_va, y_va, log) if args.tune_bias else [0] * P.N_OUT
    p = net.export(name)
    m_fin = class_metrics(confusion(y_va, predict(net, xs_va), P.N_OUT))
    info = {"best_epoch": best[3] + 1, "bias_offsets": offsets,
            "val_acc_final": m_fin["acc"], "val_macro_f1_final": m_fin["macro_f1"], "val_acc": best[2]["acc"], "val_macro_f1": best[2]["macro_f1"],
            "val_sens": [float(v) for v in best[2]["sens"]], "history": hist,
            "n_train": int(len(tr)), "n_val": int(len(va)),
            "class_counts": np.bincount(y_all[tr], minlength=4).tolist(),
            "class_weights": [float(v) for v in cw]}
    # the golden integer model must reproduce the torch forward exactly
    r = P.run_beats(xs_va, p)
    pv = predict(net, xs_va)
    if not np.array_equal(r.cls, pv):
        raise AssertionError(f"{name}: golden model and torch forward disagree on "
                             f"{int((r.cls != pv).sum())} validation beats")
    info["golden_equals_torch_on_val"] = True
    # on-chip learning targets from the validation outputs (docs/eprop.md "Learning mode")
    yl = r.y[np.arange(len(y_va)), y_va]
    info["val_y_label_median"] = int(np.median(yl))
    info["val_y_other_median"] = int(np.median(np.delete(r.y, 0, 1)))
    info["val_spikes_per_beat"] = float(r.spikes.mean())
    info["val_words_inf_mean"] = float(r.words_inf.mean())
    info["val_sat_beats"] = int((r.sat > 0).sum())
    return p, info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="intra", choices=P.MODELS)
    ap.add_argument("--smoke", action="store_true", help="few hundred beats, one epoch, temp dir")
    ap.add_argument("--out", default=None, help="output dir (default golden/params/eprop; smoke: temp dir)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--epochs", type=int, default=None, help="default: intra 20, ds1 24 (smoke 1)")
    ap.add_argument("--aug", type=int, default=None, help="augmented re-encodings (default 2, smoke 0)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.5, help="Adam max lr (one-cycle) in integer weight units; "
                                                         "2.0 diverged (runaway firing)")
    ap.add_argument("--gamma", type=float, default=0.5, help="surrogate gradient height")
    ap.add_argument("--clip", type=float, default=100.0)
    ap.add_argument("--rate-reg", type=float, default=10.0)
    ap.add_argument("--rate-max", type=float, default=0.15, help="mean hidden spikes/neuron/step above which "
                                                                 "the rate penalty acts")
    ap.add_argument("--no-tune-bias", dest="tune_bias", action="store_false")
    ap.add_argument("--no-rr", action="store_true", help="train without the RR sideband bits")
    ap.add_argument("--val-frac", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else {"intra": 20, "ds1": 24}[args.model]
    if args.aug is None:
        args.aug = 0 if args.smoke else 2
    torch.set_num_threads(args.threads)
    out = Path(args.out) if args.out else (Path(tempfile.mkdtemp(prefix="eprop_smoke_")) if args.smoke
                                           else P.PARAMS_DIR)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    log = lambda s: print(s, flush=True)  # noqa: E731
    bs, pool, sb = load_data(args.smoke, args.aug, args.seed, log=log)
    y_all = D.nsvf_labels(bs.symbol)
    tr_all, te = model_indices(bs, args.model, args.seed)
    if args.smoke:
        rng = np.random.default_rng(args.seed)
        tr_all = np.sort(rng.choice(tr_all, min(len(tr_all), 400), replace=False))
    tr, va = carve_val(tr_all, args.val_frac, args.seed + 1)
    log(f"{args.model}: {len(tr)} training, {len(va)} validation beats ({'no RR' if args.no_rr else 'RR'})")
    p, info = train(args.model, pool, sb, y_all, tr, va, args, log=log)
    info.update({
        "command": " ".join([".venv/bin/python scripts/train_eprop.py"]
                            + list(sys.argv[1:] if argv is None else argv)),
        "seed": args.seed, "smoke": bool(args.smoke), "use_rr": not args.no_rr,
        "training": {"method": "BPTT through the exact integer forward (STE fake-quant, LUT surrogate)",
                     "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "gamma": args.gamma,
                     "augmentation": {"copies": args.aug, "shift": 2, "gain": 0.1, "noise_adc": 3.0},
                     "rate_reg": args.rate_reg, "rate_max": args.rate_max, "val_frac": args.val_frac,
                     "loss": "class-weighted CE on y[T-1] * 2^s, weights (N/n_c)^0.5",
                     "torch": torch.__version__, "numpy": np.__version__,
                     "python": platform.python_version(), "threads": args.threads,
                     "wall_seconds": round(time.time() - t_start, 1)},
        "ranges": {k: [int(getattr(p, k).min()), int(getattr(p, k).max())]
                   for k in ("w_in", "w_rec", "w_out", "b_out")},
    })
    P.save_model(p, args.model, out, meta=info)
    q = P.load_model(args.model, out)
    assert np.array_equal(q.w_rec, p.w_rec) and q.cfg == p.cfg
    log(f"wrote {out}/{args.model}.hex and eprop.json in {time.time() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
