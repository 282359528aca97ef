#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The signal-quality gate under seeded noise (issue 15 items 2 and 4; docs/quality.md).

    .venv/bin/python scripts/quality_gate.py [--splits intra,inter] [--kinds ma,pl,em,bw,all]
        [--snrs 24,18,12,6,0] [--seed 15] [--records 100,119] [--no-cascade] [--out FILE]
        [--windows raw|filtered] [--params DIR]
    .venv/bin/python scripts/quality_gate.py --calibrate [--seed 16]

Evaluation: for each split's held-out beats (intra-patient test split, seed 2025; de Chazal DS2)
the whole of every record is corrupted with ``golden/noise.add_noise`` (kind, SNR, seed; the SNR
definition is docs/noise.md), the beats are cut at the reference R peaks, and the bit-exact golden
encoder, RR unit and IF screen (that split's trained banks) classify them while
``golden/quality.py`` judges each one. Printed per condition: the fraction of beats the gate marks
unreadable, the screen's accuracy and abnormal sensitivity / PPV without the gate, the abnormal
sensitivity counting an unreadable beat as flagged (never as normal), the accuracy on the beats
the gate passes, the abnormal beats still called normal, and the cascade's accuracy with and
without the gate. Ends with one JSON line (also written to ``--out``).

``--windows filtered`` (docs/noise_models.md) cuts the windows the encoder sees from the front
end's output stream b (golden/frontend.py: mains notch, muscle low-pass, baseline removal; the
RTL's m_axis_b) of the noisy record, aligned by its 136-sample lag so the R peak stays at index
100, instead of from the raw samples; the quality gate still judges the raw windows it was
calibrated on. ``--params DIR`` takes the banks from another export directory (and the encoder
gaps they were trained with, from its JSON) (e.g.
golden/params/snn_if_robust, which holds the binary screens only: use it with ``--no-cascade``).

Calibration (``--calibrate``): the intra-patient *training* beats under muscle, mains, all and
electrode-motion noise at every level (a different noise seed, 16), binned by the gate's noise
ratio ``16 hf / amp``; prints the screen's abnormal sensitivity per bin and the threshold the rule
picks: the lower edge of the first 20-wide bin in which the screen finds fewer than 60 % of the
abnormal beats. ``QUAL_HF_T`` in golden/formats.py is that value.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golden import data as D  # noqa: E402
from golden import encoder as E  # noqa: E402
from golden import formats as F  # noqa: E402
from golden import frontend as FE  # noqa: E402
from golden import noise as N  # noqa: E402
from golden import quality as Q  # noqa: E402
from golden import rr as RR  # noqa: E402
from golden import snn_if as G  # noqa: E402
from golden.metrics import class_metrics, confusion  # noqa: E402

SE_FLOOR = 0.60
BIN = 20


class Bench:
    """The database's beats, RR bits and record signals, loaded once."""

    def __init__(self, records=None):
        self.bs = D.load_beats()
        self.rr = RR.rr_bits(self.bs.record, self.bs.sample)
        names = D.MITDB_RECORDS if records is None else tuple(records)
        for r in names:
            if r not in D.MITDB_RECORDS:
                raise SystemExit(f"quality_gate: unknown MIT-BIH record {r!r}")
        self.names = names
        self.recs = {n: D.read_record(n) for n in names}
        self.keep = np.isin(self.bs.record, np.array([int(n) for n in names], np.int16))

    def windows(self, kind, snr, seed, filtered=False):
        """Beat windows of the chosen records (in BeatSet order), noisy unless ``kind`` is None:
        (raw windows, the classifier's windows, info); the classifier's are the raw ones, or with
        ``filtered`` the front end's output stream b cut at the same R peaks."""
        x = np.zeros_like(self.bs.x)
        xc = np.zeros_like(self.bs.x) if filtered else x
        info = {"snr_realised_db": [], "saturated": 0}
        for n, rec in self.recs.items():
            s = rec.signal
            if kind is not None:
                s, inf = N.add_noise(s, snr, kind, seed=seed, record=n)
                info["snr_realised_db"].append(inf["snr_realised_db"])
                info["saturated"] += int(inf["saturated"])
            b = D.extract_beats(dataclasses.replace(rec, signal=s), self.bs.pre, self.bs.post)
            sel = np.flatnonzero(self.bs.record == int(n))
            if not np.array_equal(self.bs.sample[sel], b.sample):
                raise RuntimeError(f"record {n}: beat windows differ from the database's")
            x[sel] = b.x
            if filtered:
                xc[sel] = FE.filtered_windows(s.astype(np.int64), b.sample, self.bs.pre, self.bs.post)
        return x, xc, info


def _rel(path):
    """A path relative to the repository where it lies inside it (for the JSON)."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _num(v):
    """A float for the JSON; None where a ratio has no denominator (NaN)."""
    v = float(v)
    return None if v != v else v


def enc_config(params_dir=G.PARAMS_DIR):
    """The encoder gaps the banks of ``params_dir`` were trained with (their JSON)."""
    e = G.load_meta(params_dir)["encoder"]
    return E.EncoderConfig(delta_s=int(e["delta_s"]), delta_l=int(e["delta_l"]))


def screen(x, rr, banks, cascade=True, cfg=None):
    enc = E.encode_beats(x, E.default_config() if cfg is None else cfg)
    slots = G.screen_inputs(enc.slots, rr)
    cls = G.run_beats(slots, banks["binary"]).cls
    sev = G.cascade_beats(slots, banks).severity if cascade else None
    return cls, sev, enc.slots.reshape(len(x), -1).sum(1)


def evaluate(bench, split, kinds, snrs, seed, cascade=True, filtered=False, params_dir=G.PARAMS_DIR):
    bs = bench.bs
    idx = {"intra": D.intra_patient_split(bs, seed=int(G.load_meta().get("seed", 2025)))[1],
           "inter": D.inter_patient_split(bs)[1]}[split]
    idx = idx[bench.keep[idx]]
    if len(idx) == 0:
        raise SystemExit(f"quality_gate: no {split} test beats in records {','.join(bench.names)}")
    banks = (G.load_split(split, params_dir) if cascade
             else {"binary": G.load_bank(split, "binary", params_dir)})
    yb = D.binary_labels(bs.symbol[idx])
    ys = D.severity_labels(bs.symbol[idx])
    m = yb >= 0
    conds = [("clean", None, None)] + [(f"{k}{s:g}", k, s) for k in kinds for s in snrs]
    rows = {}
    for name, kind, snr in conds:
        xall, call, info = bench.windows(kind, snr, seed, filtered)
        x = xall[idx]
        q = Q.beats_quality(x)           # the gate judges the raw windows (its calibration)
        cls, sev, spikes = screen(call[idx], bench.rr[idx], banks, cascade, enc_config(params_dir))
        y, c, ok = yb[m], cls[m], q.readable[m]
        abn = y == 1
        cmx = class_metrics(confusion(y, c, 2))
        flagged = (c == 1) | ~ok                       # unreadable counted as flagged
        tp_g = int((flagged & abn).sum())
        row = {
            "beats": int(m.sum()), "abnormal": int(abn.sum()),
            "unreadable": float((~q.readable).mean()), "unreadable_abn": float((~ok[abn]).mean()),
            "reasons": q.counts(),
            "acc": _num(cmx["acc"]), "se_abn": _num(cmx["sens"][1]), "ppv_abn": _num(cmx["ppv"][1]),
            "se_abn_gated": tp_g / max(1, int(abn.sum())),
            "ppv_abn_gated": tp_g / max(1, int(flagged.sum())),
            "acc_readable": float((c[ok] == y[ok]).mean()) if ok.any() else None,
            "abn_called_normal": float(((c == 0) & ok & abn).sum() / max(1, int(abn.sum()))),
            "spikes_mean": float(spikes.mean()),
            "snr_realised_db": (float(np.mean(info["snr_realised_db"])) if info["snr_realised_db"] else None),
            "saturated_samples": info["saturated"],
        }
        if cascade:
            row["cascade_acc"] = float((sev == ys).mean())
            row["cascade_acc_readable"] = (float((sev[q.readable] == ys[q.readable]).mean())
                                           if q.readable.any() else None)
        rows[name] = row
        pr = {k: (float("nan") if v is None else v) for k, v in row.items()}
        print(f"  {name:<7} unreadable {100 * row['unreadable']:6.2f} %  acc {100 * pr['acc']:6.2f}  "
              f"abn Se {100 * pr['se_abn']:6.2f} PPV {100 * pr['ppv_abn']:6.2f}  | gated: Se "
              f"{100 * row['se_abn_gated']:6.2f} PPV {100 * row['ppv_abn_gated']:6.2f} acc(readable) "
              f"{100 * pr['acc_readable']:6.2f} abn->normal {100 * row['abn_called_normal']:5.2f} %"
              + (f"  cascade {100 * row['cascade_acc']:6.2f} / readable {100 * pr['cascade_acc_readable']:6.2f}"
                 if cascade else ""), flush=True)
    return rows


def calibrate(bench, seed):
    bs = bench.bs
    train = D.intra_patient_split(bs, seed=int(G.load_meta().get("seed", 2025)))[0]
    train = train[bench.keep[train]]
    banks = G.load_split("intra")
    yb = D.binary_labels(bs.symbol[train])
    R, C, Y = [], [], []
    for kind in ("ma", "pl", "all", "em"):
        for snr in (None, 24, 18, 12, 6, 0):
            if kind != "ma" and snr is None:
                continue
            xall, _, _ = bench.windows(None if snr is None else kind, snr, seed)
            x = xall[train]
            q = Q.beats_quality(x)
            cls, _, _ = screen(x, bench.rr[train], banks, cascade=False)
            R.append((q.hf << Q.HF_SHIFT) // np.maximum(q.amp, 1))
            C.append(cls)
            Y.append(yb)
            print(f"  {kind}{'' if snr is None else snr} done", flush=True)
    R, C, Y = np.concatenate(R), np.concatenate(C), np.concatenate(Y)
    k = Y >= 0
    R, C, Y = R[k], C[k], Y[k]
    pick = None
    bins = []
    for lo in range(0, 500, BIN):
        s = (R >= lo) & (R < lo + BIN)
        a = s & (Y == 1)
        se = float(((C == 1) & a).sum() / a.sum()) if a.sum() else None
        bins.append({"lo": lo, "beats": int(s.sum()), "abnormal": int(a.sum()), "se_abn": se})
        print(f"  ratio {lo:3d}..{lo + BIN - 1:<3d} beats {int(s.sum()):7d} abnormal {int(a.sum()):6d} "
              f"screen abnormal Se {'  -   ' if se is None else f'{100 * se:6.2f}'} %")
        if pick is None and a.sum() >= 200 and se is not None and se < SE_FLOOR:
            pick = lo
    print(f"rule: first {BIN}-wide bin with abnormal Se < {100 * SE_FLOOR:.0f} % (>= 200 abnormal beats) "
          f"-> QUAL_HF_T = {pick}; shipped QUAL_HF_T = {Q.HF_T}")
    return {"block": "quality_calibration", "seed": seed, "bins": bins, "pick": pick, "shipped": Q.HF_T}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", default="intra,inter")
    ap.add_argument("--kinds", default="ma,pl,em,bw,all")
    ap.add_argument("--snrs", default="24,18,12,6,0")
    ap.add_argument("--seed", type=int, default=None, help="noise seed (15 evaluation, 16 calibration)")
    ap.add_argument("--records", default=None, help="comma-separated MIT-BIH records (default: all 48)")
    ap.add_argument("--no-cascade", action="store_true", help="skip the severity cascade")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--out", default=None, help="also write the JSON here")
    ap.add_argument("--windows", choices=("raw", "filtered"), default="raw",
                    help="classifier windows cut from the raw record (default) or from the front "
                         "end's filtered output b (docs/noise_models.md)")
    ap.add_argument("--params", default=None,
                    help=f"bank directory (default {G.PARAMS_DIR.relative_to(ROOT)})")
    a = ap.parse_args(argv)
    kinds = [k for k in a.kinds.split(",") if k]
    for k in kinds:
        if k not in N.KINDS:
            ap.error(f"unknown noise kind {k!r} (known: {', '.join(N.KINDS)})")
    try:
        snrs = [float(s) for s in a.snrs.split(",") if s]
    except ValueError:
        ap.error(f"--snrs must be comma-separated numbers, got {a.snrs!r}")
    splits = [s for s in a.splits.split(",") if s]
    for s in splits:
        if s not in ("intra", "inter"):
            ap.error(f"unknown split {s!r} (intra, inter)")
    params_dir = G.PARAMS_DIR if a.params is None else Path(a.params)
    if not (params_dir / "snn_if.json").is_file():
        ap.error(f"--params {a.params}: no snn_if.json there")
    if a.calibrate and (a.windows != "raw" or a.params is not None):
        ap.error("--calibrate uses the committed banks on raw windows (QUAL_HF_T's definition)")
    t0 = time.time()
    bench = Bench(None if a.records is None else [r for r in a.records.split(",") if r])
    if a.calibrate:
        line = calibrate(bench, 16 if a.seed is None else a.seed)
    else:
        seed = 15 if a.seed is None else a.seed
        line = {"block": "quality", "seed": seed, "records": "all" if a.records is None else a.records,
                "windows": a.windows, "params": _rel(params_dir),
                "qual": {k: v for k, v in F.QUAL_CONSTANTS.items()}}
        for split in splits:
            print(f"=== {split}: {'intra-patient test split' if split == 'intra' else 'de Chazal DS2'}, "
                  f"noise seed {seed} ===")
            line[split] = evaluate(bench, split, kinds, snrs, seed, cascade=not a.no_cascade,
                                   filtered=a.windows == "filtered", params_dir=params_dir)
    print(f"({time.time() - t0:.0f} s)")
    text = json.dumps(line, allow_nan=False)
    print(text)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
