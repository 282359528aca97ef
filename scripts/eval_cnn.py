#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Accuracy of the trained CNN images on the held-out beats (docs/cnn.md, "Training and accuracy").

    .venv/bin/python scripts/eval_cnn.py --split intra            # intra-patient test split
    .venv/bin/python scripts/eval_cnn.py --split inter            # DS1 -> DS2
    .venv/bin/python scripts/eval_cnn.py --split intra --beats 300 --json build/cnn/eval.json

The decisions are the bit-exact integer model's (golden/cnn.py run_network on the committed image
golden/params/cnn/<split>.json, argmax of the int8 logits, lowest class on ties).  Beside it: the
torch model the image was exported from, with fake quantization (float scales) and in plain float
(no quantization), from golden/params/cnn/<split>_float.npz.  ``--beats N`` takes N held-out beats
evenly spaced over the test split (a fixed subset).  Metrics: golden/metrics.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from golden import cnn_data as C  # noqa: E402
from golden import cnn_model as M  # noqa: E402
from golden.metrics import class_metrics, confusion  # noqa: E402


def held_out(beats: C.CnnBeats, split: str, n: int | None) -> np.ndarray:
    """Test indices of the split; with ``n``, n of them evenly spaced (fixed, no randomness)."""
    _, te = C.split_indices(beats, split)
    if n is None or n >= len(te):
        return te
    if n < 1:
        raise ValueError(f"--beats must be >= 1, got {n}")
    return te[np.linspace(0, len(te) - 1, n).round().astype(np.int64)]


def metrics_dict(y, p) -> dict:
    m = class_metrics(confusion(y, p, C.N_CLASSES))
    return {"beats": int(len(y)), "acc": m["acc"], "macro_f1": m["macro_f1"],
            "sens": [None if np.isnan(v) else float(v) for v in m["sens"]],
            "ppv": [None if np.isnan(v) else float(v) for v in m["ppv"]],
            "confusion": m["confusion"].tolist()}


def torch_predict(net, x, quant: bool) -> np.ndarray:
    import train_cnn as T
    net.quant = quant
    return T.predict(net, x)


def evaluate(split: str, n: int | None = None, params_dir=None, with_float: bool = True,
             log=print) -> dict:
    image = M.load_image(split, params_dir)
    beats = C.load_cnn_beats()
    idx = held_out(beats, split, n)
    x, y = beats.x[idx], beats.y[idx]
    t0 = time.time()
    lg = M.logits(image, x)
    p_int = M.decide(lg)
    res = {"split": split, "image": str(M.image_path(split, params_dir).relative_to(ROOT))
           if params_dir is None else str(M.image_path(split, params_dir)),
           "test_set": "intra-patient test split (seed 2025, 20 %)" if split == "intra"
           else "DS2 (de Chazal), paced records excluded",
           "beats_subset": n, "indices_sha": _sha(idx),
           "integer": metrics_dict(y, p_int),
           "integer_seconds": round(time.time() - t0, 1),
           "logit_ties": int(((lg == lg.max(axis=1, keepdims=True)).sum(axis=1) > 1).sum()),
           "saturated_inputs": int(((x == 127) | (x == -128)).any(axis=1).sum())}
    if with_float:
        import train_cnn as T
        fpath = Path(params_dir or M.PARAMS_DIR) / f"{split}_float.npz"
        net = T.load_float(fpath)
        torch.set_num_threads(1)
        p_fq = torch_predict(net, x, True)
        p_fl = torch_predict(net, x, False)
        res["fake_quant"] = metrics_dict(y, p_fq)
        res["float"] = metrics_dict(y, p_fl)
        res["agree_integer_fake_quant"] = int((p_fq == p_int).sum())
    return res


def _sha(idx) -> str:
    import hashlib
    return hashlib.sha1(np.asarray(idx, dtype=np.int64).tobytes()).hexdigest()[:12]


def _pct(v):
    return "-" if v is None else f"{100 * v:.2f}"


def report(res: dict, log=print) -> None:
    i = res["integer"]
    log(f"split {res['split']}: {res['test_set']}, {i['beats']} beats, image {res['image']}")
    rows = [("integer model (golden/cnn.py)", i)]
    if "fake_quant" in res:
        rows += [("torch fake-quant", res["fake_quant"]), ("torch float", res["float"])]
    log("| model | accuracy | macro-F1 | " + " | ".join(f"sens {c} / PPV {c}" for c in C.CLASSES) + " |")
    log("|---|---|---|" + "---|" * len(C.CLASSES))
    for name, m in rows:
        cells = " | ".join(f"{_pct(s)} / {_pct(p)}" for s, p in zip(m["sens"], m["ppv"]))
        log(f"| {name} | {100 * m['acc']:.2f} % | {m['macro_f1']:.3f} | {cells} |")
    log("confusion (integer model; rows true, columns predicted " + " ".join(C.CLASSES) + "):")
    log("| true \\ pred | " + " | ".join(C.CLASSES) + " |")
    log("|---|" + "---|" * len(C.CLASSES))
    for c, row in zip(C.CLASSES, i["confusion"]):
        log(f"| {c} | " + " | ".join(f"{v:,}" for v in row) + " |")
    if "agree_integer_fake_quant" in res:
        log(f"integer vs fake-quant decisions: {res['agree_integer_fake_quant']} of {i['beats']} agree")
    log(f"beats with tied top logits: {res['logit_ties']}; beats with a saturated input sample: "
        f"{res['saturated_inputs']}; integer model {res['integer_seconds']} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="intra", choices=C.SPLITS)
    ap.add_argument("--beats", type=int, default=None, help="N evenly spaced held-out beats")
    ap.add_argument("--params-dir", default=None, help="default golden/params/cnn")
    ap.add_argument("--no-float", dest="with_float", action="store_false",
                    help="integer model only (no torch)")
    ap.add_argument("--json", default=None, help="write the figures to this file")
    args = ap.parse_args(argv)
    if args.beats is not None and args.beats < 1:
        ap.error("--beats must be >= 1")
    res = evaluate(args.split, args.beats, args.params_dir, args.with_float)
    report(res)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
