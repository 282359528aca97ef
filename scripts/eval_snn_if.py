#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Evaluate the exported IF SNN banks with the golden integer model.

    .venv/bin/python scripts/eval_snn_if.py [--params DIR] [--splits intra,inter]

For each split (intra-patient test indices; de Chazal DS2) it runs the bit-exact
integer model of golden/snn_if.py -- never the float ANN -- on the held-out
beats and prints:

* binary screen (AAMI N vs S/V/F, Q excluded): accuracy, abnormal sensitivity
  and PPV, confusion matrix, fraction of beats flagged abnormal (= wakes the
  second stage), synaptic events per beat, membrane saturation;
* severity cascade (Normal/Mild/Moderate/Severe, every beat): accuracy,
  per-class sensitivity/PPV, macro-F1, confusion matrix, stages run, events;
* the float QCFS ANN accuracy recorded by the training script beside the
  integer SNN accuracy (the conversion loss).

Ends with one line of JSON.
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

from golden import data as D  # noqa: E402
from golden import encoder as E  # noqa: E402
from golden import rr as RR  # noqa: E402
from golden import snn_if as G  # noqa: E402
from golden.metrics import class_metrics, confusion  # noqa: E402

SEV = D.SEVERITY_CLASSES


def words_fetched(r: G.BatchRun) -> np.ndarray:
    """128-bit weight words read per beat (16 lanes): the cycle lower bound of a
    16-lane engine that reads one word per cycle."""
    return (r.in_spikes.sum(1) * G.W1_GROUPS + (r.c1 > 0).sum((1, 2)) * G.W2_GROUPS
            + (r.c2 > 0).sum((1, 2)) * 1)


def fmt_cm(cm, names):
    w = max(7, max(len(n) for n in names) + 1)
    head = " " * (w + 6) + "".join(f"{n:>{w}}" for n in names)
    rows = [f"    true {names[i]:<{w - 4}}" + "".join(f"{v:>{w}}" for v in cm[i]) for i in range(len(names))]
    return "\n".join(["    predicted ->", head] + rows)


def pct(x):
    return "  n/a" if not np.isfinite(x) else f"{100 * x:6.2f}%"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", default=str(G.PARAMS_DIR), help="directory of snn_if.json and the .hex images")
    ap.add_argument("--splits", default="intra,inter")
    args = ap.parse_args(argv)
    t0 = time.time()
    meta = G.load_meta(args.params)
    seed = int(meta.get("seed", 2025))
    if meta.get("smoke"):
        print("NOTE: these parameters come from a --smoke run (SMOKE_RECORDS only)")
    records = None
    if meta.get("smoke"):
        sys.path.insert(0, str(ROOT / "scripts"))
        from train_snn_if import SMOKE_RECORDS
        records = SMOKE_RECORDS
    bs = D.load_beats(records=records)
    slots = G.screen_inputs(E.encode_beats(bs.x, E.default_config()).slots, RR.rr_bits(bs.record, bs.sample))
    sp = {"intra": D.intra_patient_split(bs, seed=seed), "inter": D.inter_patient_split(bs)}
    ybin = D.binary_labels(bs.symbol)
    ysev = D.severity_labels(bs.symbol)
    summary = {}
    for split in [s for s in args.splits.split(",") if s]:
        banks = G.load_split(split, args.params)
        test = sp[split][1]
        name = {"intra": f"intra-patient test (seed {seed}, 20 %)", "inter": "inter-patient DS2"}[split]
        rec = meta.get("results", {}).get(split, {})
        print(f"\n=== {name}: {len(test)} beats ===")
        out = {}

        # ---- binary screen -------------------------------------------------
        m = ybin[test] >= 0
        r = G.run_beats(slots[test][m], banks["binary"])
        yb = ybin[test][m]
        cm = confusion(yb, r.cls, 2)
        cmx = class_metrics(cm)
        r_all = G.run_beats(slots[test], banks["binary"])
        fl = rec.get("binary", {}).get("float_acc", float("nan"))
        wf = words_fetched(r)
        sat_adds = int(r.sat1.sum() + r.sat2.sum() + r.sat3.sum())
        n_adds = r.sat1.size + r.sat2.size + r.sat3.size
        print(f"binary screen (AAMI N vs S/V/F, {len(yb)} beats, Q excluded)")
        print(f"  accuracy        integer SNN {pct(cmx['acc'])}   float QCFS ANN {pct(fl)}")
        print(f"  abnormal        sensitivity {pct(cmx['sens'][1])}   PPV {pct(cmx['ppv'][1])}")
        print(fmt_cm(cm, D.BINARY_CLASSES))
        print(f"  flagged abnormal (wakes stage 2): {pct(r.cls.mean())} of screened beats, "
              f"{pct(r_all.cls.mean())} of all test beats incl. Q")
        print(f"  synaptic events/beat mean {r.events.mean():.0f} max {r.events.max()}; "
              f"input spikes/beat {r.in_spikes.sum(1).mean():.1f}; "
              f"128-bit weight words/beat mean {wf.mean():.0f} max {wf.max()}")
        print(f"  membrane saturation: {int(r.sat_any.sum())} of {len(yb)} beats, "
              f"{sat_adds} of {n_adds} neuron-pass adds")
        out["binary"] = {"acc": cmx["acc"], "float_acc": fl, "sens_abn": float(cmx["sens"][1]),
                         "ppv_abn": float(cmx["ppv"][1]), "confusion": cm.tolist(),
                         "wake_frac": float(r.cls.mean()), "wake_frac_all": float(r_all.cls.mean()),
                         "events_mean": float(r.events.mean()), "events_max": int(r.events.max()),
                         "words_mean": float(wf.mean()), "words_max": int(wf.max()),
                         "sat_beats": int(r.sat_any.sum()), "sat_adds": sat_adds, "n": int(len(yb))}

        # ---- severity cascade ------------------------------------------------
        ys = ysev[test]
        c = G.cascade_beats(slots[test], banks)
        cm = confusion(ys, c.severity, 4)
        cmx = class_metrics(cm)
        fl = rec.get("cascade", {}).get("float_acc", float("nan"))
        sat = sum(int(G.run_beats(slots[test], banks[b]).sat_any.sum()) for b in ("sev1", "sev2", "sev3"))
        print(f"severity cascade ({len(ys)} beats)")
        print(f"  accuracy        integer SNN {pct(cmx['acc'])}   float QCFS ANN {pct(fl)}   "
              f"macro-F1 {cmx['macro_f1']:.4f}")
        for k, nme in enumerate(SEV):
            print(f"  {nme:<9} sensitivity {pct(cmx['sens'][k])}   PPV {pct(cmx['ppv'][k])}")
        print(fmt_cm(cm, SEV))
        st = np.bincount(c.stages, minlength=4)[1:]
        print(f"  stages run: 1 only {pct(st[0] / len(ys))}, 2 {pct(st[1] / len(ys))}, "
              f"3 {pct(st[2] / len(ys))}; events/beat mean {c.events.mean():.0f} max {c.events.max()}")
        print(f"  beats with a saturating add in any stage bank (all stages run): {sat}")
        out["cascade"] = {"acc": cmx["acc"], "float_acc": fl, "macro_f1": cmx["macro_f1"],
                          "sens": [float(v) for v in cmx["sens"]], "ppv": [float(v) for v in cmx["ppv"]],
                          "confusion": cm.tolist(), "stages": st.tolist(),
                          "events_mean": float(c.events.mean()), "events_max": int(c.events.max()),
                          "n": int(len(ys))}
        # consistency with what the training script recorded
        for task in ("binary", "cascade"):
            a = rec.get(task, {}).get("acc")
            if a is not None and abs(a - out[task]["acc"]) > 1e-12:
                print(f"  WARNING: {task} accuracy differs from snn_if.json ({a:.6f})")
        summary[split] = out
    print(f"\n({time.time() - t0:.0f} s)")
    line = {"block": "snn_if", "params": str(args.params)}
    for split, o in summary.items():
        line[split] = {
            "binary_acc": round(o["binary"]["acc"], 5), "binary_float_acc": round(o["binary"]["float_acc"], 5),
            "binary_sens_abn": round(o["binary"]["sens_abn"], 5), "binary_ppv_abn": round(o["binary"]["ppv_abn"], 5),
            "wake_frac": round(o["binary"]["wake_frac"], 5),
            "binary_events_mean": round(o["binary"]["events_mean"], 1), "binary_events_max": o["binary"]["events_max"],
            "binary_words_mean": round(o["binary"]["words_mean"], 1),
            "sat_beats": o["binary"]["sat_beats"],
            "cascade_acc": round(o["cascade"]["acc"], 5), "cascade_float_acc": round(o["cascade"]["float_acc"], 5),
            "cascade_macro_f1": round(o["cascade"]["macro_f1"], 5),
            "cascade_events_mean": round(o["cascade"]["events_mean"], 1),
            "cascade_events_max": o["cascade"]["events_max"],
        }
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
