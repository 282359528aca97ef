#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""CNN+TCN for the CNN IP: teacher -> distilled student -> channel-pruned -> int8 QAT (docs/tcn.md).

    .venv/bin/python scripts/train_tcn.py --split intra --seed 2025   # -> golden/params/tcn/intra*
    .venv/bin/python scripts/train_tcn.py --split inter --seed 2025   # -> golden/params/tcn/inter*
    .venv/bin/python scripts/train_tcn.py --smoke --out <dir>         # 7 records, tiny, seconds

Input: 500-sample int8 windows at 125 Hz ending 0.992 s after the R peak of the beat being
classified (golden/tcn_data.py; 3 s of history: the preceding beats and their RR intervals),
the ECG and (``--channels 2``, the default) the R-peak marks of the beats in the window.

Network (every layer a kind the CNN IP executes, docs/cnn_contract.md):

    conv0   cin -> c0, k7, causal, ReLU                      500 samples (125 Hz)
    pool0   max 2/2                                         250
    conv1   c0 -> C, k5, stride 2, causal, ReLU             125
    pool1   max 2/2                                          62 (15.6 Hz: 64 ms per step)
    block i (dilation 1, 2, 4, 8):
      bi_a  C -> h_i, k3, dilation d, causal, ReLU
      bi_b  h_i -> C, k3, dilation d, causal (signed)
      bi_add  relu(requant(stream * MA + bi_b * MB) >> S)   (both branches to one scale)
    pool2   max 4/4                                          15 (256 ms per step)
    dense   C*15 -> 5 (the int8 logits; argmax; C*15 <= 256 = the IP's MAX_CH)

The TCN's receptive field: 1 + 2*(3-1)*(1+2+4+8) = 61 steps of 64 ms = 3.9 s at the TCN's
rate, 4.0 s with the front end: the whole window, so the last step sees the beat and the
beats before it.

Steps, each seeded and measured on the held-out beats (after model selection on the
validation beats only):

1. teacher: float, wide (c0 16, C 32, h 32), cross entropy;
2. student: float, the IP size (c0 8, C 16, h 16), trained from scratch with knowledge
   distillation from the teacher (KL of the temperature-T softmaxes * T^2, weight alpha, plus
   (1 - alpha) * cross entropy);
3. pruned: structured channel pruning of the student (L1 norm of each output filter: c0 and
   every block's inner channels per layer; the residual stream's channels jointly over every
   layer that writes it: conv1 and each bi_b), then fine-tuned with distillation;
4. int8: quantization-aware fine-tuning of the pruned network (fake quant with straight-
   through estimators: weights per output channel, one scale per activation, the ADD's two
   branches at the export's MA/2^S and MB/2^S), exported to an image that golden/cnn.py runs
   bit-exactly (golden/tcn_model.py), checked on the validation beats.

Training beats per epoch: every non-N training beat plus a fresh seeded draw of ``--n-per-epoch``
N beats (balanced toward the rare classes; said in the image).  Validation: a seeded 10 % of the
training beats (beat level, as golden/cnn_data's CNN); selection by validation accuracy (intra)
or validation macro-F1 over the classes with >= 10 validation beats (inter).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import platform
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as Fn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golden import tcn_data as T  # noqa: E402
from golden import tcn_model as TM  # noqa: E402
from golden.metrics import class_metrics, confusion  # noqa: E402

PARAMS_DIR = ROOT / "golden" / "params" / "tcn"
SMOKE_RECORDS = ("100", "105", "107", "207", "208", "209", "232")
IN_SCALE = 1.0 / 32
ACT_PCT = 99.99
DILATIONS = (1, 2, 4, 8)
TEACHER = dict(c0=16, c=32, inner=(32, 32, 32, 32))
STUDENT = dict(c0=8, c=16, inner=(16, 16, 16, 16))
#: kept channels after pruning: c0 8 -> 6, the stream 16 -> 12, each block's inner 16 -> 10
PRUNED = dict(c0=6, c=12, inner=(10, 10, 10, 10))
DEFAULT_CW_POWER = {"intra": 0.0, "inter": 0.5}
N_CLASSES = T.N_CLASSES


# ---------------------------------------------------------------------------
# The network as a list of IP layers
# ---------------------------------------------------------------------------
def layer_specs(arch: dict, len_in: int = T.WIN_LEN) -> list:
    """IP layers of the network: dicts with kind, name, shapes and (for add) src/src_b
    (arch: widths c0, c, inner and cin, the input channels, default 2)."""
    out = []
    L = len_in

    def conv(name, cin, cout, k, stride=1, dil=1, relu=True):
        nonlocal L
        lo = (L + (k - 1) * dil - dil * (k - 1) - 1) // stride + 1
        out.append(dict(kind="conv1d", name=name, cin=cin, cout=cout, len_in=L, len_out=lo,
                        kernel=k, stride=stride, dilation=dil, pad="causal", relu=relu, src=None))
        L = lo

    def pool(name, c, k=2):
        nonlocal L
        lo = (L - k) // k + 1
        out.append(dict(kind="maxpool", name=name, cin=c, cout=c, len_in=L, len_out=lo,
                        kernel=k, stride=k, dilation=1, pad="valid", relu=False, src=None))
        L = lo

    c0, c = arch["c0"], arch["c"]
    conv("conv0", arch.get("cin", 2), c0, 7)
    pool("pool0", c0)
    conv("conv1", c0, c, 5, stride=2)
    pool("pool1", c)
    stream = len(out) - 1
    for i, (d, h) in enumerate(zip(DILATIONS, arch["inner"])):
        conv(f"b{i}_a", c, h, 3, dil=d, relu=True)
        conv(f"b{i}_b", h, c, 3, dil=d, relu=False)
        out.append(dict(kind="add", name=f"b{i}_add", cin=c, cout=c, len_in=L, len_out=L,
                        kernel=1, stride=1, dilation=1, pad="valid", relu=True, src=stream,
                        src_b=len(out) - 1))
        stream = len(out) - 1
    pool("pool2", c, 4)
    out.append(dict(kind="dense", name="dense", cin=c * L, cout=N_CLASSES, len_in=1, len_out=1,
                    kernel=1, stride=1, dilation=1, pad="valid", relu=False, src=None))
    return out


def receptive_field(specs) -> int:
    """Receptive field (input samples) of one output step of the last residual ADD (the TCN's
    last layer), through every conv and pool before it."""
    last = max(i for i, d in enumerate(specs) if d["kind"] == "add")
    rf, jump = 1, 1
    for d in specs[:last + 1]:
        if d["kind"] == "conv1d":
            rf += (d["kernel"] - 1) * d["dilation"] * jump
            jump *= d["stride"]
        elif d["kind"] == "maxpool":
            rf += (d["kernel"] - 1) * jump
            jump *= d["stride"]
    return rf


def ste_round(x):
    return x + (torch.round(x) - x).detach()


def fq_act(x, scale, lo):
    return torch.clamp(ste_round(x / scale), lo, 127.0) * scale


def w_scale(w):
    return (w.detach().abs().amax(dim=tuple(range(1, w.dim()))) / 127.0).clamp_min(1e-8)


def fq_weight(w):
    s = w_scale(w)
    shape = (-1,) + (1,) * (w.dim() - 1)
    return torch.clamp(ste_round(w / s.view(shape)), -127.0, 127.0) * s.view(shape), s


def requant_ms(r: float):
    """M (1..65535), S (0..47) with M / 2^S closest to r at the largest usable S, M odd or S 0."""
    if not r > 0:
        raise ValueError(f"requant ratio must be > 0, got {r}")
    S = 47
    while S > 0 and round(r * 2 ** S) > 65535:
        S -= 1
    M = int(round(r * 2 ** S))
    if not 1 <= M <= 65535:
        raise ValueError(f"requant ratio {r} outside what M <= 65535, S <= 47 represent")
    while S > 0 and M % 2 == 0:
        M //= 2
        S -= 1
    return M, S


def add_ms(ra: float, rb: float):
    """MA, MB (int16, > 0) and S (0..31) with MA/2^S ~ ra, MB/2^S ~ rb at the largest S."""
    S = 31
    while S > 0 and max(round(ra * 2 ** S), round(rb * 2 ** S)) > 32767:
        S -= 1
    ma, mb = int(round(ra * 2 ** S)), int(round(rb * 2 ** S))
    if max(ma, mb) > 32767 or min(ma, mb) < 1:
        raise ValueError(f"add ratios {ra}, {rb} not representable with int16 and S <= 31")
    return ma, mb, S


class TcnNet(torch.nn.Module):
    def __init__(self, arch: dict, seed: int, dropout: float = 0.1):
        super().__init__()
        torch.manual_seed(seed)
        self.arch = {"cin": int(arch.get("cin", 2)), "c0": int(arch["c0"]), "c": int(arch["c"]),
                     "inner": tuple(int(v) for v in arch["inner"])}
        self.specs = layer_specs(self.arch)
        self.mods = torch.nn.ModuleDict()
        for d in self.specs:
            if d["kind"] == "conv1d":
                self.mods[d["name"]] = torch.nn.Conv1d(d["cin"], d["cout"], d["kernel"],
                                                       stride=d["stride"], dilation=d["dilation"])
            elif d["kind"] == "dense":
                self.mods[d["name"]] = torch.nn.Linear(d["cin"], d["cout"])
        self.nq = sum(d["kind"] in ("conv1d", "dense", "add") for d in self.specs)
        self.register_buffer("act_scale", torch.ones(self.nq))
        self.register_buffer("seen", torch.zeros(self.nq, dtype=torch.bool))
        self.dropout = dropout
        self.quant = False
        self.calibrate = False
        self.momentum = 0.9

    def _cal(self, qi, z):
        with torch.no_grad():
            v = torch.quantile(z.detach().abs().flatten()[:200_000].float(), ACT_PCT / 100)
            v = max(float(v), 1e-6) / 127.0
            if not bool(self.seen[qi]):
                self.act_scale[qi] = v
                self.seen[qi] = True
            else:
                self.act_scale[qi] = self.momentum * self.act_scale[qi] + (1 - self.momentum) * v

    def forward(self, x):
        """x: int8 codes as float [B, C, L] -> logits [B, 5] (float, at the logits' scale)."""
        outs, scales = [], []
        h0 = x * IN_SCALE
        qi = 0
        for i, d in enumerate(self.specs):
            src = i - 1 if d.get("src") is None else d["src"]
            h = h0 if src == -1 else outs[src]
            s_in = IN_SCALE if src == -1 else scales[src]
            if d["kind"] == "maxpool":
                outs.append(Fn.max_pool1d(h, d["kernel"], d["stride"]))
                scales.append(s_in)
                continue
            if d["kind"] == "add":
                b, s_b = outs[d["src_b"]], scales[d["src_b"]]
                z = h + b
                if d["relu"]:
                    z = torch.relu(z)
                if self.calibrate:
                    self._cal(qi, z)
                if self.quant:
                    s_out = float(self.act_scale[qi])
                    ma, mb, sh = add_ms(s_in / s_out, s_b / s_out)
                    codes = h / s_in * (ma / 2 ** sh) + b / s_b * (mb / 2 ** sh)
                    z = torch.clamp(ste_round(codes), 0.0 if d["relu"] else -128.0, 127.0) * s_out
                    scales.append(s_out)
                else:
                    scales.append(1.0)
                outs.append(z)
                qi += 1
                continue
            m = self.mods[d["name"]]
            if d["kind"] == "dense":
                h = h.flatten(1)
                if self.training and self.dropout:
                    h = Fn.dropout(h, self.dropout)
            if self.quant:
                w, sw = fq_weight(m.weight)
                bs = s_in * sw
                bias = torch.clamp(ste_round(m.bias / bs), -(2 ** 30) + 1, 2 ** 30 - 1) * bs
            else:
                w, bias = m.weight, m.bias
            if d["kind"] == "conv1d":
                pl = (d["kernel"] - 1) * d["dilation"]
                z = Fn.conv1d(Fn.pad(h, (pl, 0)), w, bias, stride=d["stride"], dilation=d["dilation"])
            else:
                z = Fn.linear(h, w, bias)
            if d["relu"]:
                z = torch.relu(z)
            if self.calibrate:
                self._cal(qi, z)
            if self.quant:
                s_out = float(self.act_scale[qi])
                z = fq_act(z, s_out, 0.0 if d["relu"] else -128.0)
                scales.append(s_out)
            else:
                scales.append(1.0)
            outs.append(z)
            qi += 1
        return outs[-1]


def n_params(net: TcnNet) -> int:
    return sum(int(p.numel()) for n, p in net.named_parameters())


def export_layers(net: TcnNet) -> list:
    """The image's layers: int8 weights, int32 biases, M/S per channel, ADD MA/MB/S."""
    layers, scales = [], []
    qi = 0
    for i, d in enumerate(net.specs):
        src = i - 1 if d.get("src") is None else d["src"]
        s_in = IN_SCALE if src == -1 else scales[src]
        e = dict(kind=d["kind"], name=d["name"], relu=bool(d["relu"]), src=d.get("src"))
        if d["kind"] == "maxpool":
            e.update(kernel=d["kernel"], stride=d["stride"])
            scales.append(s_in)
        elif d["kind"] == "add":
            s_out = float(net.act_scale[qi])
            ma, mb, sh = add_ms(s_in / s_out, scales[d["src_b"]] / s_out)
            e.update(src_b=d["src_b"], ma=ma, mb=mb, shift=sh, scale_out=s_out)
            scales.append(s_out)
            qi += 1
        else:
            m = net.mods[d["name"]]
            w = m.weight.detach().double()
            sw = w.abs().amax(dim=tuple(range(1, w.dim()))).clamp_min(1e-8 * 127) / 127.0
            shape = (-1,) + (1,) * (w.dim() - 1)
            wq = torch.clamp(torch.round(w / sw.view(shape)), -127, 127).to(torch.int64)
            bq = torch.clamp(torch.round(m.bias.detach().double() / (s_in * sw)),
                             -(2 ** 30) + 1, 2 ** 30 - 1).to(torch.int64)
            s_out = float(net.act_scale[qi])
            ms = [requant_ms(float(s_in * sw[c]) / s_out) for c in range(d["cout"])]
            e.update(w=wq.tolist(), bias=bq.tolist(), M=[a for a, _ in ms], S=[b for _, b in ms],
                     scale_out=s_out)
            if d["kind"] == "conv1d":
                e.update(stride=d["stride"], dilation=d["dilation"], pad=d["pad"])
            scales.append(s_out)
            qi += 1
        layers.append(e)
    return layers


# ---------------------------------------------------------------------------
# Structured pruning
# ---------------------------------------------------------------------------
def _l1(w):
    return w.detach().abs().flatten(1).sum(1)


def prune(net: TcnNet, keep: dict, seed: int) -> TcnNet:
    """A smaller TcnNet with the channels of largest L1 filter norm kept (``keep``: widths)."""
    M = net.mods
    k0 = torch.sort(torch.topk(_l1(M["conv0"].weight), keep["c0"]).indices).values
    writers = ["conv1"] + [f"b{i}_b" for i in range(len(DILATIONS))]
    imp = sum(_l1(M[n].weight) / _l1(M[n].weight).mean() for n in writers)
    ks = torch.sort(torch.topk(imp, keep["c"]).indices).values
    ki = [torch.sort(torch.topk(_l1(M[f"b{i}_a"].weight), keep["inner"][i]).indices).values
          for i in range(len(DILATIONS))]
    small = TcnNet(dict(keep, cin=net.arch["cin"]), seed, net.dropout)
    S = small.mods
    with torch.no_grad():
        def cp(name, rows, cols):
            w = M[name].weight[rows]
            S[name].weight.copy_(w[:, cols] if cols is not None else w)
            S[name].bias.copy_(M[name].bias[rows])
        cp("conv0", k0, None)
        cp("conv1", ks, k0)
        for i in range(len(DILATIONS)):
            cp(f"b{i}_a", ki[i], ks)
            cp(f"b{i}_b", ks, ki[i])
        L = net.specs[-1]["cin"] // net.arch["c"]
        w = M["dense"].weight.view(N_CLASSES, net.arch["c"], L)[:, ks, :]
        S["dense"].weight.copy_(w.reshape(N_CLASSES, -1))
        S["dense"].bias.copy_(M["dense"].bias)
    return small


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------
def class_weights(y, power: float, k=N_CLASSES, cap=10.0):
    n = np.bincount(y, minlength=k).astype(np.float64)
    w = np.where(n > 0, (n.max() / np.maximum(n, 1)) ** power, 0.0)
    return np.minimum(w, cap)


@torch.no_grad()
def torch_logits(net, x, bs=1024):
    net.eval()
    out = [net(torch.from_numpy(x[i:i + bs].astype(np.float32))) for i in range(0, len(x), bs)]
    return torch.cat(out).numpy() if out else np.zeros((0, N_CLASSES), np.float32)


def metrics_of(y, p) -> dict:
    m = class_metrics(confusion(y, p, N_CLASSES))
    return dict(acc=m["acc"], macro_f1=m["macro_f1"],
                sens=[None if np.isnan(v) else float(v) for v in m["sens"]],
                ppv=[None if np.isnan(v) else float(v) for v in m["ppv"]],
                confusion=m["confusion"].tolist())


def selection_score(split: str, y, p) -> float:
    """Validation criterion: accuracy (intra); macro-F1 over classes with >= 10 beats (inter)."""
    if split == "intra":
        return float((y == p).mean())
    cm = confusion(y, p, N_CLASSES)
    keep = cm.sum(1) >= 10
    tp = np.diag(cm).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se, pp = tp / cm.sum(1), tp / cm.sum(0)
        f1 = np.nan_to_num(np.where(se + pp > 0, 2 * se * pp / (se + pp), 0.0))
    return float(f1[keep].mean())


def epoch_indices(tr, y, n_per_epoch: int, rng) -> np.ndarray:
    """Every non-N training beat and a fresh draw of n_per_epoch N beats, shuffled."""
    n_idx = tr[y[tr] == 0]
    rest = tr[y[tr] != 0]
    take = n_idx if len(n_idx) <= n_per_epoch else rng.choice(n_idx, n_per_epoch, replace=False)
    return rng.permutation(np.concatenate([rest, take]))


def augment(xb: np.ndarray, rng) -> np.ndarray:
    """Training only: ECG gain 0.9..1.1 and a shift of -2..2 samples of every channel (edge
    samples repeated).  xb [B, C, L]."""
    g = np.ones((len(xb), xb.shape[1], 1))
    g[:, 0, 0] = rng.uniform(0.9, 1.1, len(xb))
    sh = rng.integers(-2, 3, len(xb))
    x = xb.astype(np.float32) * g
    L = x.shape[2]
    idx = np.clip(np.arange(L)[None, None, :] - sh[:, None, None], 0, L - 1)
    x = np.take_along_axis(x, np.broadcast_to(idx, x.shape), axis=2)
    return np.clip(np.round(x), -128, 127).astype(np.float32)


def fit(net: TcnNet, w: T.TcnWindows, tr, va, args, epochs: int, lr: float, tag: str,
        teacher: TcnNet | None = None, log=print):
    """Train ``net`` (CE, or KD from ``teacher``); keep the best validation epoch."""
    rng = np.random.default_rng([args.seed, zlib.crc32(tag.encode())])   # not hash(): salted per process
    cw = torch.tensor(class_weights(w.y[tr], args.cw_power), dtype=torch.float32)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=args.wd)
    steps = math.ceil(len(epoch_indices(tr, w.y, args.n_per_epoch, np.random.default_rng(0)))
                      / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps * epochs, 1),
                                                pct_start=0.2)
    if teacher is not None:
        teacher.eval()
    best = (-1.0, copy.deepcopy(net.state_dict()), -1)
    hist = []
    for ep in range(epochs):
        t0 = time.time()
        idx_all = epoch_indices(tr, w.y, args.n_per_epoch, rng)
        net.train()
        tot = 0.0
        for bi in range(steps):
            idx = idx_all[bi * args.batch:(bi + 1) * args.batch]
            if len(idx) == 0:
                break
            xb = torch.from_numpy(augment(w.x[idx], rng))
            yb = torch.from_numpy(w.y[idx])
            out = net(xb)
            ce = Fn.cross_entropy(out, yb, weight=cw)
            if teacher is not None:
                with torch.no_grad():
                    tl = teacher(xb)
                kd = Fn.kl_div(Fn.log_softmax(out / args.kd_t, 1), Fn.softmax(tl / args.kd_t, 1),
                               reduction="batchmean") * args.kd_t ** 2
                loss = args.kd_alpha * kd + (1 - args.kd_alpha) * ce
            else:
                loss = ce
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach()) * len(idx)
        p = torch_logits(net, w.x[va]).argmax(1)
        score = selection_score(args.split, w.y[va], p)
        acc = float((p == w.y[va]).mean())
        hist.append(dict(epoch=ep, loss=round(tot / len(idx_all), 5), val_acc=acc, val_score=score,
                         seconds=round(time.time() - t0, 1)))
        log(f"{tag} epoch {ep:2d} loss {tot / len(idx_all):.4f} val acc {100 * acc:.2f} % "
            f"score {score:.4f} ({time.time() - t0:.0f} s)")
        if score > best[0]:
            best = (score, copy.deepcopy(net.state_dict()), ep)
    net.load_state_dict(best[1])
    return net, dict(best_epoch=best[2], val_score=best[0], history=hist)


def calibrate(net: TcnNet, w, tr, args, batches: int = 30):
    """Activation scales: EMA of the 99.99th percentile over float forward passes."""
    rng = np.random.default_rng(args.seed + 7)
    net.eval()
    net.quant, net.calibrate = False, True
    with torch.no_grad():
        for _ in range(batches):
            idx = rng.choice(tr, min(args.batch, len(tr)), replace=False)
            net(torch.from_numpy(w.x[idx].astype(np.float32)))
    net.calibrate = False


def stage_row(name, net: TcnNet, y, x_test, extra=None) -> dict:
    specs = net.specs
    macs = sum(d["cout"] * d["cin"] * d["kernel"] * d["len_out"] for d in specs
               if d["kind"] in ("conv1d", "dense"))
    row = dict(stage=name, arch=dict(net.arch, inner=list(net.arch["inner"])), params=n_params(net),
               bytes_float32=4 * n_params(net), macs=macs)
    row["test"] = metrics_of(y, torch_logits(net, x_test).argmax(1))
    if extra:
        row.update(extra)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="intra", choices=T.SPLITS)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--epochs", default="8,8,4,4",
                    help="epochs of teacher, student, pruned fine-tuning, QAT (default 8,8,4,4)")
    ap.add_argument("--n-per-epoch", type=int, default=12000,
                    help="N beats drawn per epoch (every S/V/F/Q training beat is used)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--wd", type=float, default=1e-5)
    ap.add_argument("--kd-t", type=float, default=4.0)
    ap.add_argument("--kd-alpha", type=float, default=0.7)
    ap.add_argument("--cw-power", type=float, default=None,
                    help="class weights (n_max / n_c) ** p over the training beats, capped at 10; "
                         "default intra 0, inter 0.5")
    ap.add_argument("--val-frac", type=float, default=0.1)
    ap.add_argument("--channels", type=int, default=2, choices=T.CHANNELS,
                    help="input channels: 1 the ECG, 2 the ECG and the R-peak marks (default)")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    ep = [int(v) for v in args.epochs.split(",")]
    if len(ep) != 4 or min(ep) < 1:
        ap.error("--epochs needs four positive integers")
    if args.cw_power is None:
        args.cw_power = DEFAULT_CW_POWER[args.split]
    out_dir = Path(args.out) if args.out else PARAMS_DIR
    t_start = time.time()
    log_lines = []

    def log(s):
        print(s, flush=True)
        log_lines.append(s)

    w = T.load_tcn_windows(records=SMOKE_RECORDS if args.smoke else None, channels=args.channels)
    arch = {k: dict(a, cin=args.channels) for k, a in (("teacher", TEACHER), ("student", STUDENT),
                                                       ("pruned", PRUNED))}
    tr, te = T.split_indices(w, args.split)
    rng = np.random.default_rng(args.seed)
    if args.smoke:
        tr = np.sort(rng.choice(tr, size=min(300, len(tr)), replace=False))
        te = np.sort(rng.choice(te, size=min(100, len(te)), replace=False))
        args.n_per_epoch = 100
    perm = np.random.default_rng(args.seed).permutation(len(tr))
    nv = max(1, int(round(args.val_frac * len(tr))))
    va, tr = np.sort(tr[perm[:nv]]), np.sort(tr[perm[nv:]])
    log(f"split {args.split}: train {len(tr)} {np.bincount(w.y[tr], minlength=5).tolist()}, "
        f"val {len(va)}, test {len(te)} {np.bincount(w.y[te], minlength=5).tolist()}")
    rows = []
    x_te, y_te = w.x[te], w.y[te]

    teacher, info_t = fit(TcnNet(arch["teacher"], args.seed), w, tr, va, args, ep[0], args.lr, "teacher", log=log)
    rows.append(stage_row("teacher", teacher, y_te, x_te, dict(training=info_t)))
    log(f"teacher: test acc {100 * rows[-1]['test']['acc']:.2f} %")
    student, info_s = fit(TcnNet(arch["student"], args.seed + 1), w, tr, va, args, ep[1], args.lr,
                          "student", teacher=teacher, log=log)
    rows.append(stage_row("student (KD)", student, y_te, x_te, dict(training=info_s)))
    log(f"student: test acc {100 * rows[-1]['test']['acc']:.2f} %")
    pruned = prune(student, PRUNED, args.seed + 2)
    p0 = metrics_of(y_te, torch_logits(pruned, x_te).argmax(1))
    log(f"pruned before fine-tuning: test acc {100 * p0['acc']:.2f} %")
    pruned, info_p = fit(pruned, w, tr, va, args, ep[2], args.lr / 3, "pruned", teacher=teacher, log=log)
    rows.append(stage_row("pruned (KD fine-tuned)", pruned, y_te, x_te,
                          dict(training=info_p, test_before_finetune=p0)))
    log(f"pruned: test acc {100 * rows[-1]['test']['acc']:.2f} %")

    qnet = copy.deepcopy(pruned)
    calibrate(qnet, w, tr, args)
    qnet.quant = True
    qnet, info_q = fit(qnet, w, tr, va, args, ep[3], args.lr / 10, "int8 QAT", teacher=teacher, log=log)
    qnet.eval()
    layers = export_layers(qnet)
    cmd = "python scripts/train_tcn.py " + " ".join(argv if argv is not None else sys.argv[1:])
    image = {
        "format": "tcn-image",
        "network": "CNN front end + 4 TCN residual blocks (dilations 1,2,4,8, causal), dense head",
        "split": args.split, "seed": args.seed, "command": cmd.strip(), "smoke": bool(args.smoke),
        "arch": dict(qnet.arch, inner=list(qnet.arch["inner"])),
        "input": {"len": T.WIN_LEN, "channels": args.channels, "fs_hz": T.FS, "r_index": T.R_INDEX,
                  "adc_units_per_lsb": T.INPUT_ADC_PER_LSB,
                  "r_mark": T.R_MARK if args.channels == 2 else None},
        "input_scale": IN_SCALE, "classes": list(T.CLASSES), "layers": layers,
    }
    net_int = TM.to_layers(image)
    p_int_va = TM.predict(net_int, w.x[va])
    p_fq_va = torch_logits(qnet, w.x[va]).argmax(1)
    image["training"] = {
        "epochs": ep, "batch": args.batch, "lr": args.lr, "weight_decay": args.wd,
        "kd_t": args.kd_t, "kd_alpha": args.kd_alpha, "cw_power": args.cw_power,
        "n_per_epoch": args.n_per_epoch, "train_beats": int(len(tr)), "val_beats": int(len(va)),
        "val_acc_integer": float((p_int_va == w.y[va]).mean()),
        "val_agree_integer_fake_quant": float((p_int_va == p_fq_va).mean()),
        "qat": info_q, "torch": torch.__version__, "python": platform.python_version(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{args.split}.json"
    TM.save_image(image, path)
    p_int = TM.predict(net_int, x_te)
    tot = TM.totals(net_int)
    rows.append(dict(stage="int8 (QAT, golden/cnn.py)", arch=image["arch"], params=tot["params"],
                     bytes_int8=tot["weight_bytes"] + tot["bias_bytes"], macs=tot["macs"],
                     test=metrics_of(y_te, p_int),
                     test_fake_quant=metrics_of(y_te, torch_logits(qnet, x_te).argmax(1)),
                     training=info_q))
    log(f"int8: test acc {100 * rows[-1]['test']['acc']:.2f} % (integer model); val agreement "
        f"integer / fake quant {100 * image['training']['val_agree_integer_fake_quant']:.2f} %")
    sd = {}
    for name, net in (("teacher", teacher), ("student", student), ("pruned", pruned), ("qat", qnet)):
        for k, v in net.state_dict().items():
            sd[f"{name}/{k}"] = v.detach().cpu().numpy()
    fdir = ROOT / "build" / "tcn" / "float" if out_dir == PARAMS_DIR else out_dir
    fdir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(fdir / f"{args.split}_float.npz", **sd)      # not committed (200 KB)
    report = dict(split=args.split, seed=args.seed, command=cmd.strip(), smoke=bool(args.smoke),
                  test_beats=int(len(te)), train_beats=int(len(tr)), val_beats=int(len(va)),
                  receptive_field_samples=receptive_field(layer_specs(arch["student"])),
                  channels=args.channels,
                  seconds=round(time.time() - t_start, 1), stages=rows, log=log_lines)
    (out_dir / f"{args.split}_compression.json").write_text(json.dumps(report, indent=1) + "\n")
    log(f"wrote {path} and {args.split}_compression.json in {time.time() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
