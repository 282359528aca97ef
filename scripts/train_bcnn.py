#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Train the binary CNN (ECG-ID-BNet) for person identification and export its image.

    .venv/bin/python scripts/train_bcnn.py --db ecgid --protocol within --seed 1
    .venv/bin/python scripts/train_bcnn.py --db ecgid --protocol cross  --seed 1
    .venv/bin/python scripts/train_bcnn.py --db mitdb --protocol within --seed 1

writes ``golden/params/bcnn/<db>_<protocol>.hex`` (the parameter memory, 64-bit words,
golden/bcnn.py) and ``.json`` (metadata, class names, training log, held-out figures of
the integer model).

Method (docs/bcnn.md "Training"):

* The network of golden/bcnn.py in float: latent float weights binarised in the forward
  pass (``w >= 0`` -> +1, else -1), straight-through gradient clipped to |w| <= 1 (the
  latent weights are clipped to [-1, 1] after each step); batch norm after every conv
  unit; binary activations ``y >= 0`` -> +1 with the straight-through gradient of
  hardtanh (|y| <= 1); conv4 pools the batch-norm output (max, 2) before the sign; the
  FC has binary weights, a bias in units of the integer score, rounded to an integer in
  the forward pass (straight-through), and a learnt positive temperature:
  ``logits = exp(log_alpha) * (dot + round(b))``.
* Inputs are the int8 beats of golden/ecgid.py as floats.  Training beats are augmented
  (gain 0.85..1.15, white noise of sigma 2 quantisation steps, re-rounded and clipped to
  +-127 so they stay int8); test beats never.
* Adam, learning rate 3e-3 with cosine decay, batch 64, cross entropy; CPU, one thread,
  seeded (torch, numpy); a fixed number of epochs (no model selection on test beats).
* Export: batch norm folded into (T, flip) per filter (golden.bcnn.fold_threshold),
  the FC bias rounded to an integer.  The evaluation forward pass is the integer model
  (golden.bcnn), which equals :func:`folded_forward` (the float torch model with the
  folded parameters) exactly; the number of test beats on which the unfolded float
  network decides otherwise is reported.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as Fn  # noqa: E402

from golden import bcnn as G  # noqa: E402
from golden import ecgid as E  # noqa: E402

#: Default epochs per (database, protocol): each run stays near 15 min on the shared 2-core
#: machine (the cross-session training set is 1.5 times the within-record one).
EPOCHS = {("ecgid", "within"): 25, ("ecgid", "cross"): 12, ("mitdb", "within"): 6}
#: MIT-BIH: training beats per subject (evenly spaced over the training part).
MITDB_TRAIN_PER_SUBJECT = 200
#: MIT-BIH: validation beats per subject (exploration runs, --val-frac).
VAL_PER_SUBJECT = 100


class _SignSTE(torch.autograd.Function):
    """+1 for x >= 0, -1 otherwise; gradient passed where |x| <= 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


sign_ste = _SignSTE.apply


class BcnnNet(nn.Module):
    """Float training model of golden/bcnn.py."""

    def __init__(self, n_classes: int):
        super().__init__()
        self.w = nn.ParameterList(
            [nn.Parameter(torch.empty(G.CONV_COUT[i], G.CONV_CIN[i], G.K).uniform_(-0.1, 0.1))
             for i in range(4)])
        self.bn = nn.ModuleList([nn.BatchNorm1d(c) for c in G.CONV_COUT])
        self.wfc = nn.Parameter(torch.empty(n_classes, G.N_FC_IN).uniform_(-0.1, 0.1))
        self.bfc = nn.Parameter(torch.zeros(n_classes))
        self.log_alpha = nn.Parameter(torch.tensor(float(np.log(1.0 / np.sqrt(G.N_FC_IN)))))

    def features(self, x):
        """x float [B, 180] of int8 values -> the +-1 activations after every unit
        (the last one pooled): a list of 4 tensors."""
        h = x[:, None, :]
        acts = []
        for i in range(4):
            h = self.bn[i](Fn.conv1d(h, sign_ste(self.w[i])))
            if i == 3:
                h = Fn.max_pool1d(h, G.POOL)                  # pool the BN output, then sign
            h = sign_ste(h)
            acts.append(h)
        return acts

    def forward(self, x):
        """x float [B, 180] of int8 values -> logits [B, N]."""
        h = self.features(x)[-1]
        v = h.permute(0, 2, 1).reshape(h.shape[0], -1)        # position-major: x * 64 + c
        dot = v @ sign_ste(self.wfc).t()
        b = self.bfc + (torch.round(self.bfc) - self.bfc).detach()   # integer bias, STE
        return torch.exp(self.log_alpha) * (dot + b)

    def clip_(self):
        with torch.no_grad():
            for w in list(self.w) + [self.wfc]:
                w.clamp_(-1, 1)


def fold(net: BcnnNet) -> G.BcnnParams:
    """Integer parameters of a trained net (batch norm folded, FC bias rounded)."""
    ws, ts, fl = [], [], []
    with torch.no_grad():
        for i in range(4):
            w = torch.where(net.w[i] >= 0, 1, -1).to(torch.int8).numpy()
            bn = net.bn[i]
            t, f = G.fold_threshold(bn.weight.double().numpy(), bn.bias.double().numpy(),
                                    bn.running_mean.double().numpy(),
                                    bn.running_var.double().numpy(), bn.eps, i)
            ws.append(w)
            ts.append(t)
            fl.append(f)
        wfc = torch.where(net.wfc >= 0, 1, -1).to(torch.int8).numpy()
        bfc = np.rint(net.bfc.double().numpy()).astype(np.int64)
    return G.check_params(G.BcnnParams(tuple(ws), tuple(ts), tuple(fl), wfc, bfc))


def folded_forward(p: G.BcnnParams, x) -> dict:
    """The float torch model with folded parameters: torch ``conv1d`` on +-1 float32
    weights and activations (sums exact in float32: |sum| <= 4,992 + bias), threshold
    compare, max-pool of the +-1 activations, FC.  Returns every unit's sums and +-1
    activations as numpy arrays (the independent cross-check of golden/bcnn.py)."""
    out = {}
    with torch.no_grad():
        h = torch.as_tensor(np.asarray(x), dtype=torch.float32)[:, None, :]
        for i in range(4):
            s = Fn.conv1d(h, torch.as_tensor(p.w[i], dtype=torch.float32))
            t = torch.as_tensor(p.t[i], dtype=torch.float32)[None, :, None]
            fl = torch.as_tensor(p.flip[i], dtype=torch.bool)[None, :, None]
            a = torch.where((s >= t) ^ fl, 1.0, -1.0)
            out[f"s{i + 1}"] = s.numpy()
            out[f"a{i + 1}"] = a.numpy()
            h = a
        h = Fn.max_pool1d(h, G.POOL)
        out["p4"] = h.numpy()
        v = h.permute(0, 2, 1).reshape(h.shape[0], -1)
        sc = v @ torch.as_tensor(p.wfc, dtype=torch.float32).t() \
            + torch.as_tensor(p.bfc, dtype=torch.float32)
        out["scores"] = sc.numpy()
    return out


def float_predict(net: BcnnNet, x, chunk: int = 256) -> np.ndarray:
    """Argmax of the unfolded float network (eval mode), ties to the lowest index."""
    net.eval()
    res = []
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            res.append(net(torch.as_tensor(x[i:i + chunk], dtype=torch.float32)).numpy())
    return np.argmax(np.concatenate(res), axis=1)


def _augment(xb: torch.Tensor, gen: torch.Generator, shift: int = 0) -> torch.Tensor:
    """Gain 0.85..1.15, white noise of sigma 2 steps, and (shift > 0) a time shift of
    -shift..shift samples with the edge sample repeated, re-rounded and clipped to int8."""
    if shift:
        n_b, n_x = xb.shape
        sh = torch.randint(-shift, shift + 1, (n_b, 1), generator=gen)
        src = torch.clamp(torch.arange(n_x)[None, :] - sh, 0, n_x - 1)
        xb = torch.gather(xb, 1, src)
    g = 0.85 + 0.3 * torch.rand(xb.shape[0], 1, generator=gen)
    n = 2.0 * torch.randn(xb.shape, generator=gen)
    return torch.clamp(torch.round(xb * g + n), -G.IN_MAX, G.IN_MAX)


def carve_val(beats: E.IdBeats, train: np.ndarray, frac: float):
    """Per record, the last ``frac`` of its training beats in time order (at least one beat
    when the record has two or more) become validation beats; returns (train, val)."""
    if frac <= 0:
        return train, np.zeros(0, np.int64)
    keep, val = [], []
    for r in np.unique(beats.record[train]):
        idx = train[beats.record[train] == r]
        idx = idx[np.argsort(beats.r[idx], kind="stable")]
        nv = int(round(frac * idx.size)) if idx.size >= 2 else 0
        nv = max(nv, 1) if idx.size >= 2 else 0
        keep.append(idx[:idx.size - nv])
        val.append(idx[idx.size - nv:])
    return np.sort(np.concatenate(keep)), np.sort(np.concatenate(val))


def select_train(beats: E.IdBeats, train: np.ndarray, db: str, per_subject: int | None):
    """MIT-BIH: at most ``per_subject`` training beats per subject, evenly spaced in time."""
    if db != "mitdb" or not per_subject or train.size == 0:
        return train
    keep = []
    for s in np.unique(beats.subject[train]):
        idx = train[beats.subject[train] == s]
        if idx.size > per_subject:
            idx = idx[np.round(np.linspace(0, idx.size - 1, per_subject)).astype(np.int64)]
        keep.append(idx)
    return np.sort(np.concatenate(keep))


def train_net(x: np.ndarray, y: np.ndarray, n_classes: int, epochs: int, seed: int,
              batch: int = 64, lr: float = 3e-3, log=print, shift: int = 0,
              xv: np.ndarray | None = None, yv: np.ndarray | None = None
              ) -> tuple[BcnnNet, list, int]:
    """Train; with validation beats (xv, yv) the epoch of the best validation accuracy of
    the folded integer model is kept (ties to the later epoch), else the last epoch.
    Returns (net, history, kept epoch)."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = BcnnNet(n_classes)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * int(np.ceil(len(x) / batch))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, steps))
    xt = torch.as_tensor(x, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.int64)
    hist = []
    best = None
    for ep in range(epochs):
        net.train()
        t0 = time.time()
        perm = torch.randperm(len(xt), generator=gen)
        tot = correct = 0.0
        for k in range(0, len(xt), batch):
            idx = perm[k:k + batch]
            xb = _augment(xt[idx], gen, shift)
            logits = net(xb)
            loss = Fn.cross_entropy(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            net.clip_()
            tot += float(loss.detach()) * len(idx)
            correct += float((logits.argmax(1) == yt[idx]).sum())
        h = {"epoch": ep + 1, "loss": tot / len(xt), "train_acc": correct / len(xt),
             "seconds": round(time.time() - t0, 1)}
        msg = ""
        if xv is not None and len(xv):
            net.eval()
            _, cv = G.classify(xv, fold(net))
            h["val_acc"] = float(np.mean(cv == yv))
            msg = f" val acc {h['val_acc']:.4f}"
            if best is None or h["val_acc"] >= best[0]:
                best = (h["val_acc"], copy.deepcopy(net.state_dict()), ep + 1)
        hist.append(h)
        log(f"epoch {ep + 1}/{epochs}: loss {tot / len(xt):.4f} train acc "
            f"{correct / len(xt):.4f}{msg} ({time.time() - t0:.0f} s)")
    kept = epochs
    if best is not None:
        net.load_state_dict(best[1])
        kept = best[2]
    net.eval()
    return net, hist, kept


def export(p: G.BcnnParams, out_dir: Path, db: str, protocol: str, meta: dict) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / G.image_name(db, protocol)
    words = G.pack_image(p)
    G.write_hex(base.with_suffix(".hex"), words,
                f"bcnn parameter image {db}/{protocol}: {len(words)} x 64-bit words, "
                f"N_CLASSES {p.n_classes} (layout: docs/bcnn.md)")
    meta = dict(meta)
    meta.update(n_classes=p.n_classes, words=len(words), bytes=8 * len(words),
                offsets=G.section_offsets(p.n_classes),
                hex_sha256=hashlib.sha256(base.with_suffix(".hex").read_bytes()).hexdigest())
    base.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    return base


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=E.DBS, required=True)
    ap.add_argument("--protocol", choices=E.PROTOCOLS, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=None,
                    help="default: ecgid within 25, ecgid cross 12, mitdb within 6")
    ap.add_argument("--train-per-subject", type=int, default=MITDB_TRAIN_PER_SUBJECT,
                    help="MIT-BIH training beats per subject (0: all)")
    ap.add_argument("--subjects", type=int, default=0,
                    help="only the first N classes (smoke runs; 0: all)")
    ap.add_argument("--max-train", type=int, default=0, help="cap on training beats (smoke)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--shift", type=int, default=0,
                    help="time-shift augmentation of -N..N samples (0: none)")
    ap.add_argument("--val-frac", type=float, default=0.0,
                    help="per record, the last fraction of the training beats (time order) "
                         "held out for validation; the best validation epoch is kept (0: none, "
                         "the last epoch)")
    ap.add_argument("--out", default=str(G.PARAMS_DIR))
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    t_start = time.time()

    beats = E.load(a.db)
    train, test, classes = E.split(beats, a.protocol)
    if a.subjects:
        classes = classes[:a.subjects]
        train = train[np.isin(beats.subject[train], classes)]
        test = test[np.isin(beats.subject[test], classes)]
    if not 0 <= a.val_frac < 1:
        ap.error("--val-frac must be in [0, 1)")
    if a.shift < 0 or a.shift > 30:
        ap.error("--shift must be in 0..30")
    # The validation beats are carved from the whole training part first, so runs with
    # another --train-per-subject or --max-train validate on the same beats (MIT-BIH: at
    # most VAL_PER_SUBJECT of them per subject, evenly spaced).
    train, val = carve_val(beats, train, a.val_frac)
    val = select_train(beats, val, a.db, VAL_PER_SUBJECT)
    train = select_train(beats, train, a.db, a.train_per_subject)
    if a.max_train and train.size > a.max_train:
        train = train[np.round(np.linspace(0, train.size - 1, a.max_train)).astype(np.int64)]
    ytr = E.labels(beats, train, classes)
    yva = E.labels(beats, val, classes)
    epochs = a.epochs if a.epochs is not None else EPOCHS[(a.db, a.protocol)]
    print(f"bcnn {a.db}/{a.protocol} seed {a.seed}: {len(classes)} classes, "
          f"{train.size} training beats, {val.size} validation beats, {test.size} test beats, "
          f"{epochs} epochs", flush=True)
    net, hist, kept = train_net(beats.x[train], ytr, len(classes), epochs, a.seed,
                                batch=a.batch, lr=a.lr, log=lambda s: print(s, flush=True),
                                shift=a.shift, xv=beats.x[val], yv=yva)
    p = fold(net)

    # Held-out figures of the integer model (what the RTL must reproduce).  A run with
    # validation beats is an exploration run: it scores the validation beats only and never
    # looks at the test beats (the choice between runs is made on validation accuracy).
    explore = val.size > 0
    ev = val if explore else test
    yev = E.labels(beats, ev, classes)
    _, cls = G.classify(beats.x[ev], p)
    fl = float_predict(net, beats.x[ev])
    acc = float(np.mean(cls == yev))
    meta = {
        "db": a.db, "protocol": a.protocol, "seed": a.seed, "epochs": epochs,
        "classes": [beats.subjects[c] for c in classes],
        "train_beats": int(train.size), "val_beats": int(val.size), "test_beats": int(test.size),
        "kept_epoch": kept, "lr": a.lr, "batch": a.batch, "shift": a.shift,
        "val_frac": a.val_frac,
        "val_acc_integer": (hist[kept - 1].get("val_acc") if val.size else None),
        "scored_on": "validation" if explore else "test",
        "test_beat_acc_integer": None if explore else acc,
        ("val" if explore else "test") + "_beats_unfolded_float_disagrees": int(np.sum(fl != cls)),
        ("val" if explore else "test") + "_beat_acc_unfolded_float": float(np.mean(fl == yev)),
        "history": hist, "torch": torch.__version__, "python": platform.python_version(),
        "train_seconds": round(time.time() - t_start, 1),
        "command": f"python scripts/train_bcnn.py --db {a.db} --protocol {a.protocol} "
                   f"--seed {a.seed}" + ("" if a.epochs is None else f" --epochs {a.epochs}")
                   + ("" if a.lr == 3e-3 else f" --lr {a.lr}")
                   + ("" if a.batch == 64 else f" --batch {a.batch}")
                   + ("" if not a.shift else f" --shift {a.shift}")
                   + ("" if not a.val_frac else f" --val-frac {a.val_frac}")
                   + ("" if a.train_per_subject == MITDB_TRAIN_PER_SUBJECT or a.db != "mitdb"
                      else f" --train-per-subject {a.train_per_subject}"),
    }
    base = export(p, Path(a.out), a.db, a.protocol, meta)
    what = "validation" if explore else "test"
    print(f"{what} beat accuracy (integer model) {acc:.4f}; unfolded float disagrees on "
          f"{int(np.sum(fl != cls))} of {ev.size}; wrote {base}.hex/.json "
          f"({time.time() - t_start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
