#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The two-stage pipeline from the raw record stream, no annotation used (issue 15 item 5).

    .venv/bin/python scripts/eval_raw.py [--splits intra,inter] [--records 100,208] [--rtl [--sim ..]]
        [--json FILE]

Each record's whole MLII signal goes through ``golden.recording.classify_signal``: the integer
front end detects the R peaks, windows and RR intervals come from the detections, the quality gate
judges each window, the IF screen decides stage 1 and the e-prop network stage 2 (the beats the
screen calls abnormal). Only then are the reference annotations used, to score: every detection
is matched to a reference beat (AAMI EC57, 150 ms, one to one, golden/ec57.py) and takes its label.

* intra: the intra-patient models; scored are the reference beats of the intra-patient *test*
  split (seed 2025) and the detections matched to them; a test beat without a detection is
  *missed*. Detections matched to training beats are not scored; detections matched to no
  reference beat (*extra*) are counted, but cannot be assigned to a split.
* inter: the DS1-trained models on the 22 DS2 records; every reference beat is scored, every
  extra detection counts.

Printed per split, beside the same chain at the reference R peaks (the annotation-driven figures):
the screen's accuracy and abnormal sensitivity / PPV with missed beats as errors (a missed
abnormal beat is a false negative) and extra detections called abnormal as false positives;
the two-stage N/S/V/F accuracy, per-class sensitivity / PPV and confusion matrix with a *missed*
column; the beats the gate marks unreadable. ``--rtl`` also runs every record through the
front-end RTL and the pipeline top (scripts/classify_recording.rtl_run) and requires 0 mismatches.
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

from golden import data as D  # noqa: E402
from golden import ec57  # noqa: E402
from golden import recording as REC  # noqa: E402
from golden.metrics import class_metrics, confusion  # noqa: E402

NSVF = D.NSVF_CLASSES


def _pct(v):
    return "  -  " if v is None or v != v else f"{100 * v:6.2f}"


def record_eval(name, models, model_name, scored_samples, rtl_sim=None):
    """One record: detections, their labels, the chain at the detections and at the reference."""
    rec = D.read_record(name)
    x = rec.signal
    bt = REC.classify_signal(x, models=models)
    ref = ec57.reference_beats(rec.ann_sample, rec.ann_symbol)
    m, pr, pd = ec57.match_pairs(ref, bt.sample, ec57.tolerance(rec.fs))
    sym = dict(zip(np.asarray(rec.ann_sample, np.int64).tolist(), np.asarray(rec.ann_symbol).tolist()))
    d = pd - pr          # detection minus annotation, samples: a shifted fiducial shifts the window
    out = {"record": name, "ref": int(len(ref)), "det": int(len(bt)), "tp": int(m.tp), "fn": int(m.fn),
           "fp": int(m.fp), "offset_median": float(np.median(d)) if d.size else 0.0,
           "offset_over_3": float(np.mean(np.abs(d) > 3)) if d.size else 0.0}
    pos = {int(v): k for k, v in enumerate(bt.sample.tolist())}
    det_ref = {pos[int(d)]: int(r) for r, d in zip(pr, pd)}
    matched_ref = set(det_ref.values())
    rows = []   # (scored?, label nsvf, stage1, stage2-decision, quality) per detection
    for k in range(len(bt)):
        s = det_ref.get(k)
        if s is None:
            rows.append((-1, -1, int(bt.stage1[k]), int(bt.stage2[k]), int(bt.quality[k])))   # extra
        else:
            lab = D.nsvf_labels(np.array([sym[s]]))[0]
            rows.append((int(s in scored_samples), int(lab), int(bt.stage1[k]), int(bt.stage2[k]),
                         int(bt.quality[k])))
    missed = [int(D.nsvf_labels(np.array([sym[int(r)]]))[0]) for r in ref
              if int(r) not in matched_ref and int(r) in scored_samples]
    out["rows"] = rows
    out["missed_labels"] = missed
    if rtl_sim:
        from classify_recording import rtl_run
        _, _, _, rep = rtl_run(x, bt, 60, model_name, rtl_sim)
        out["rtl"] = {"mismatches": rep["mismatches"], "errors": rep["errors"][:3],
                      "fe_values": rep["frontend"]["values_compared"], "beats": rep["pipeline"]["beats"],
                      "quality_values": rep["quality"]["values_compared"]}
    return out


def score(results, split):
    """Screen and two-stage figures with missed beats as errors."""
    y1, p1, g1, y4, p4 = [], [], [], [], []
    unread = n_sc = extra = extra_abn = extra_gated = 0
    for r in results:
        for sc, lab, s1, s2, q in r["rows"]:
            if sc == -1:
                extra += 1
                extra_abn += int(s1 != 0)
                extra_gated += int(s1 != 0 or q != 0)
                continue
            if sc == 0 or lab < 0:
                continue
            n_sc += 1
            unread += int(q != 0)
            y1.append(int(lab != 0))
            p1.append(s1)
            g1.append(1 if q != 0 else s1)     # gated: unreadable counts as flagged
            y4.append(lab)
            p4.append(s2 if s1 != 0 else 0)
        for lab in r["missed_labels"]:
            if lab < 0:
                continue
            y1.append(int(lab != 0))
            p1.append(2)          # missed
            g1.append(2)
            y4.append(lab)
            p4.append(4)          # missed
    y1, p1, g1, y4, p4 = map(np.asarray, (y1, p1, g1, y4, p4))
    cm1 = np.zeros((2, 3), np.int64)
    np.add.at(cm1, (y1, p1), 1)
    cm4 = np.zeros((4, 5), np.int64)
    np.add.at(cm4, (y4, p4), 1)
    tp = int(cm1[1, 1])
    fp_all = int(cm1[0, 1]) + (extra_abn if split == "inter" else 0)
    gtp = int(((y1 == 1) & (g1 == 1)).sum())
    gfp = int(((y1 == 0) & (g1 == 1)).sum()) + (extra_gated if split == "inter" else 0)
    s = {
        "scored_ref_beats": int(len(y1)), "missed": int((p1 == 2).sum()), "extra_detections": extra,
        "extra_called_abnormal": extra_abn, "unreadable": unread,
        "screen_acc": float((y1 == p1).mean()), "screen_se_abn": tp / max(1, int(cm1[1].sum())),
        "screen_ppv_abn": tp / max(1, tp + fp_all), "screen_confusion_with_missed": cm1.tolist(),
        "gated_se_abn": gtp / max(1, int((y1 == 1).sum())), "gated_ppv_abn": gtp / max(1, gtp + gfp),
        "two_stage_acc": float((y4 == p4).mean()),
        "two_stage_sens": [float(cm4[k, k] / cm4[k].sum()) if cm4[k].sum() else None for k in range(4)],
        "two_stage_ppv": [float(cm4[k, k] / cm4[:, k].sum()) if cm4[:, k].sum() else None for k in range(4)],
        "two_stage_confusion_with_missed": cm4.tolist(),
    }
    f1 = []
    for k in range(4):     # missed beats count against sensitivity, as in two_stage_sens
        se, pp = s["two_stage_sens"][k], s["two_stage_ppv"][k]
        f1.append(0.0 if not se or not pp else 2 * se * pp / (se + pp))
    s["two_stage_macro_f1"] = float(np.mean(f1))
    return s


def reference_chain(split, models, records=None):
    """The same chain at the reference R peaks (annotation-driven), on the same scored beats."""
    from golden import encoder as E
    from golden import eprop as P
    from golden import rr as RR
    from golden import snn_if as S
    bs = D.load_beats()
    idx = (D.intra_patient_split(bs, seed=2025)[1] if split == "intra" else D.inter_patient_split(bs)[1])
    if records:
        idx = idx[np.isin(bs.record[idx], [int(r) for r in records])]
    rr = RR.rr_bits(bs.record, bs.sample)[idx]
    banks, ep = models
    enc = E.encode_beats(bs.x[idx], E.default_config())
    s1 = S.run_beats(S.screen_inputs(enc.slots, rr), banks["binary"]).cls
    y4 = D.nsvf_labels(bs.symbol[idx])
    sb = np.concatenate([np.ones((len(idx), 1), np.uint8), rr], 1)
    s2 = np.zeros(len(idx), np.int64)
    ab = np.flatnonzero(s1 != 0)
    s2[ab] = P.classify(P.beat_inputs(enc.spk[ab], sb[ab]), ep)
    k = y4 >= 0
    y1 = (y4[k] != 0).astype(int)
    cm1 = confusion(y1, s1[k], 2)
    c1 = class_metrics(cm1)
    c4 = class_metrics(confusion(y4[k], s2[k], 4))
    return {"beats": int(k.sum()), "screen_acc": float(c1["acc"]), "screen_se_abn": float(c1["sens"][1]),
            "screen_ppv_abn": float(c1["ppv"][1]), "two_stage_acc": float(c4["acc"]),
            "two_stage_macro_f1": float(c4["macro_f1"]),
            "two_stage_sens": [float(v) for v in c4["sens"]], "two_stage_ppv": [float(v) for v in c4["ppv"]]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", default="intra,inter")
    ap.add_argument("--records", default=None, help="comma-separated records (default: the split's)")
    ap.add_argument("--rtl", action="store_true")
    ap.add_argument("--sim", default="verilator", choices=("verilator", "icarus"))
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    t0 = time.time()
    bs = D.load_beats()
    line = {"block": "raw_pipeline"}
    status = 0
    for split in [s for s in a.splits.split(",") if s]:
        if split not in ("intra", "inter"):
            ap.error(f"unknown split {split!r}")
        model = "intra" if split == "intra" else "inter"
        models = REC.load_models(model)
        if split == "intra":
            test = D.intra_patient_split(bs, seed=2025)[1]
            recs = [r for r in D.MITDB_RECORDS]
        else:
            test = D.inter_patient_split(bs)[1]
            recs = sorted({f"{int(r)}" for r in bs.record[test]})
        if a.records:
            want = [r for r in a.records.split(",") if r]
            bad = [r for r in want if r not in recs]
            if bad:
                ap.error(f"records {bad} are not in the {split} split's records")
            recs = want
        scored = {}
        for i in test:
            scored.setdefault(str(int(bs.record[i])), set()).add(int(bs.sample[i]))
        res = []
        for r in recs:
            rr = record_eval(r, models, model, scored.get(r, set()), a.sim if a.rtl else None)
            res.append(rr)
            msg = (f"  {split} {r}: ref {rr['ref']} det {rr['det']} missed {rr['fn']} extra {rr['fp']}  "
                   f"R offset median {rr['offset_median']:+.0f}, |offset| > 3 samples {100 * rr['offset_over_3']:.1f} %")
            if a.rtl:
                msg += f"  RTL mismatches {rr['rtl']['mismatches']}"
                if rr["rtl"]["mismatches"] or rr["rtl"]["errors"]:
                    status = 3
            print(msg, flush=True)
        s = score(res, split)
        s["records"] = len(recs)
        s["detector"] = {"tp": sum(r["tp"] for r in res), "fn": sum(r["fn"] for r in res),
                         "fp": sum(r["fp"] for r in res)}
        s["offset_by_record"] = {r["record"]: [r["offset_median"], round(r["offset_over_3"], 4)] for r in res}
        if a.rtl:
            s["rtl_mismatches"] = sum(r["rtl"]["mismatches"] for r in res)
            s["rtl_sim"] = a.sim
        ref_chain = reference_chain(split, models, recs if a.records else None)
        s["at_reference_peaks"] = ref_chain
        line[split] = s
        print(f"=== {split}: {s['records']} records, {s['scored_ref_beats']} scored reference beats "
              f"(N/S/V/F), {s['missed']} missed, {s['extra_detections']} extra detections "
              f"({s['extra_called_abnormal']} called abnormal), {s['unreadable']} unreadable ===")
        print(f"  screen, from the raw stream:   acc {_pct(s['screen_acc'])}  abnormal Se {_pct(s['screen_se_abn'])}"
              f"  PPV {_pct(s['screen_ppv_abn'])}")
        print(f"  gated (unreadable = flagged):  abnormal Se {_pct(s['gated_se_abn'])}  PPV {_pct(s['gated_ppv_abn'])}")
        if ref_chain:
            print(f"  screen, at reference peaks:    acc {_pct(ref_chain['screen_acc'])}  abnormal Se "
                  f"{_pct(ref_chain['screen_se_abn'])}  PPV {_pct(ref_chain['screen_ppv_abn'])}")
        print(f"  two-stage, from the raw stream: acc {_pct(s['two_stage_acc'])}  macro-F1 "
              f"{s['two_stage_macro_f1']:.4f}  Se {' '.join(_pct(v) for v in s['two_stage_sens'])}  "
              f"PPV {' '.join(_pct(v) for v in s['two_stage_ppv'])}")
        if ref_chain:
            print(f"  two-stage, at reference peaks: acc {_pct(ref_chain['two_stage_acc'])}  macro-F1 "
                  f"{ref_chain['two_stage_macro_f1']:.4f}  Se {' '.join(_pct(v) for v in ref_chain['two_stage_sens'])}"
                  f"  PPV {' '.join(_pct(v) for v in ref_chain['two_stage_ppv'])}")
        print("  confusion (rows N S V F; columns N S V F missed):")
        for k, row in enumerate(s["two_stage_confusion_with_missed"]):
            print(f"    {NSVF[k]} " + " ".join(f"{v:7d}" for v in row))
    print(f"({time.time() - t0:.0f} s)")
    text = json.dumps(line, allow_nan=False)
    print(text)
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(text + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
