#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Identification figures of a committed binary-CNN image, from the integer model.

    .venv/bin/python scripts/eval_bcnn.py --db ecgid --protocol within
    .venv/bin/python scripts/eval_bcnn.py --db ecgid --protocol cross
    .venv/bin/python scripts/eval_bcnn.py --db mitdb --protocol within
    .venv/bin/python scripts/eval_bcnn.py --detector          ECG-ID R-peak agreement only

Every held-out beat of the protocol (golden/ecgid.py) goes through golden/bcnn.py;
every unit's sums and activations and the FC scores are also computed by the float
torch model with the folded parameters (scripts/train_bcnn.py folded_forward, torch
``conv1d`` on +-1 values) and must be identical on every beat (the run fails otherwise).  Figures:

* beat level: rank-1 and rank-5 identification;
* 3 beats: consecutive, non-overlapping triples of one record (golden.ecgid.groups_of_three):
  the sum of the 3 beats' FC scores, argmax (ties lowest: the issue's decision), and the
  majority vote of the 3 beat decisions (no majority: the score-sum decision);
* 1:1 verification: a claim of identity c is accepted when ``score_c - max_{j != c} score_j``
  reaches a threshold; genuine claims are the true class, impostor claims every other
  class; the equal error rate where false acceptance = false rejection;
* per-class sensitivity and PPV (mean, min), the worst-identified persons, the top
  confusions; the full confusion matrix goes to ``build/bcnn/<db>_<protocol>_confusion.csv``
  and all figures to ``build/bcnn/<db>_<protocol>_eval.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from golden import bcnn as G  # noqa: E402
from golden import ecgid as E  # noqa: E402

OUT = ROOT / "build" / "bcnn"


def rank_k(scores: np.ndarray, y: np.ndarray, k: int) -> float:
    """Fraction whose true class is among the k best scores (ties: lower index first)."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(order == y[:, None], axis=1)))


def majority3(cls3: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """[G, 3] beat decisions -> the value at least two share, else ``fallback``."""
    a, b, c = cls3[:, 0], cls3[:, 1], cls3[:, 2]
    return np.where((a == b) | (a == c), a, np.where(b == c, b, fallback))


def eer(scores: np.ndarray, y: np.ndarray) -> dict:
    """Equal error rate of margin-threshold verification (module docstring)."""
    n, m = scores.shape
    s = scores.astype(np.int64)
    top2 = np.sort(s, axis=1)[:, -2:]
    best_other = np.where(s == top2[:, 1:2], top2[:, 0:1], top2[:, 1:2])
    margin = s - best_other                                    # [n, m] per claimed class
    # best_other for the (unique) maximum is the runner-up; for a tie both margins are 0.
    gen = margin[np.arange(n), y]
    mask = np.ones_like(margin, bool)
    mask[np.arange(n), y] = False
    imp = margin[mask]
    th = np.unique(np.concatenate([gen, imp]))
    gs, is_ = np.sort(gen), np.sort(imp)
    frr = np.searchsorted(gs, th, side="left") / gs.size       # genuine below threshold
    far = 1.0 - np.searchsorted(is_, th, side="left") / is_.size   # impostor >= threshold
    i = int(np.argmin(np.abs(far - frr)))
    return {"eer": float((far[i] + frr[i]) / 2), "threshold": int(th[i]),
            "far": float(far[i]), "frr": float(frr[i]),
            "genuine": int(gs.size), "impostor": int(is_.size)}


def per_class(cm: np.ndarray, names) -> dict:
    tp = np.diag(cm).astype(np.float64)
    sens = tp / np.maximum(1, cm.sum(1))
    col = cm.sum(0)
    ppv = np.where(col > 0, tp / np.maximum(1, col), np.nan)
    worst = np.argsort(sens, kind="stable")[:5]
    return {"sensitivity_mean": float(sens.mean()), "sensitivity_min": float(sens.min()),
            "ppv_mean": float(np.nanmean(ppv)), "ppv_min": float(np.nanmin(ppv)),
            "classes_never_predicted": int(np.sum(col == 0)),
            "worst": [{"class": names[k], "sensitivity": float(sens[k]),
                       "beats": int(cm[k].sum())} for k in worst]}


def top_confusions(cm: np.ndarray, names, n: int = 8) -> list:
    off = cm.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None, kind="stable")[:n]
    return [{"true": names[i], "predicted": names[j], "beats": int(off[i, j])}
            for i, j in zip(*np.unravel_index(flat, off.shape)) if off[i, j] > 0]


def evaluate(db: str, protocol: str, params_dir=G.PARAMS_DIR, check_torch: bool = True,
             log=print) -> dict:
    t0 = time.time()
    p, meta = G.load(db, protocol, params_dir)
    beats = E.load(db)
    train, test, classes = E.split(beats, protocol)
    names = [beats.subjects[c] for c in classes]
    if names != meta["classes"]:
        raise G.ImageError(f"image {db}_{protocol}: class list differs from the protocol's")
    y = E.labels(beats, test, classes)
    res = {"db": db, "protocol": protocol, "n_classes": p.n_classes,
           "persons": len(classes), "train_beats": int(train.size),
           "train_beats_used": meta["train_beats"], "test_beats": int(test.size),
           "image_bytes": 8 * G.image_words(p.n_classes)}
    scores = np.zeros((test.size, p.n_classes), np.int64)
    if check_torch:
        import torch
        import train_bcnn as T
        torch.set_num_threads(1)
    same = values = 0
    for i in range(0, test.size, 256):
        xb = beats.x[test[i:i + 256]]
        if not check_torch:
            scores[i:i + 256] = G.classify(xb, p)[0]
            continue
        r = G.run(xb, p)
        f = T.folded_forward(p, xb)
        ok = np.ones(len(xb), bool)
        pairs = [(r.s1, f["s1"]), (r.d2, f["s2"]), (r.d3, f["s3"]), (r.d4, f["s4"]),
                 (r.b1 * 2.0 - 1, f["a1"]), (r.b2 * 2.0 - 1, f["a2"]),
                 (r.b3 * 2.0 - 1, f["a3"]), (r.b4 * 2.0 - 1, f["a4"]),
                 (r.p4 * 2.0 - 1, f["p4"]), (r.scores, f["scores"])]
        for a, b in pairs:
            ok &= np.all((a == b).reshape(len(xb), -1), axis=1)
            values += a.size
        same += int(ok.sum())
        scores[i:i + 256] = r.scores
        print(f"  {min(i + 256, test.size)}/{test.size} beats compared", file=sys.stderr,
              flush=True)
    if check_torch:
        res["torch_folded_identical_beats"] = same
        res["torch_folded_values_compared"] = values
        if same != test.size:
            raise SystemExit(f"FAIL: the folded float torch model differs from the integer "
                             f"model on {test.size - same} of {test.size} beats")
    cls = G.argmax_low(scores)
    res["beat_rank1"] = float(np.mean(cls == y))
    res["beat_rank5"] = rank_k(scores, y, 5)
    g3 = E.groups_of_three(beats, test)
    ys = y[g3[:, 0]]
    assert np.all(y[g3] == ys[:, None])
    s3 = scores[g3].sum(axis=1)
    c3 = G.argmax_low(s3)
    res["triples"] = int(g3.shape[0])
    res["three_beat_score_sum_rank1"] = float(np.mean(c3 == ys))
    res["three_beat_score_sum_rank5"] = rank_k(s3, ys, 5)
    res["three_beat_majority_rank1"] = float(np.mean(majority3(cls[g3], c3) == ys))
    res["verification_beat"] = eer(scores, y)
    res["verification_three_beat"] = eer(s3, ys)
    cm = np.zeros((p.n_classes, p.n_classes), np.int64)
    np.add.at(cm, (y, cls), 1)
    res["per_class"] = per_class(cm, names)
    res["top_confusions"] = top_confusions(cm, names)
    if protocol == "cross":
        rec_test = beats.record[test]
        later = np.zeros(test.size, bool)
        for r in np.unique(rec_test):
            person = E._person(beats.records[r])
            d_test = E.ecgid_date(beats.records[r])
            d_train = [E.ecgid_date(beats.records[q]) for q in np.unique(beats.record[train])
                       if E._person(beats.records[q]) == person]
            later[rec_test == r] = d_test > max(d_train)
        res["cross_test_on_later_day"] = {
            "persons": int(len({beats.subject[test][k] for k in np.flatnonzero(later)})),
            "beats": int(later.sum()),
            "beat_rank1": float(np.mean(cls[later] == y[later])) if later.any() else None,
            "beats_same_day": int((~later).sum()),
            "beat_rank1_same_day": float(np.mean(cls[~later] == y[~later])) if (~later).any() else None}
    OUT.mkdir(parents=True, exist_ok=True)
    np.savetxt(OUT / f"{db}_{protocol}_confusion.csv", cm, fmt="%d", delimiter=",",
               header="rows true, columns predicted: " + " ".join(names))
    res["seconds"] = round(time.time() - t0, 1)
    res["command"] = f"python scripts/eval_bcnn.py --db {db} --protocol {protocol}"
    (OUT / f"{db}_{protocol}_eval.json").write_text(json.dumps(res, indent=1) + "\n")
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=E.DBS)
    ap.add_argument("--protocol", choices=E.PROTOCOLS)
    ap.add_argument("--detector", action="store_true", help="ECG-ID detector agreement only")
    ap.add_argument("--no-torch-check", action="store_true",
                    help="skip the torch cross-check (integer model only)")
    ap.add_argument("--params-dir", default=str(G.PARAMS_DIR))
    a = ap.parse_args(argv)
    if a.detector:
        _, rep = E.load_ecgid()
        print(json.dumps(rep, indent=1))
        return 0
    if not a.db or not a.protocol:
        ap.error("--db and --protocol are required (or --detector)")
    res = evaluate(a.db, a.protocol, Path(a.params_dir), check_torch=not a.no_torch_check)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
