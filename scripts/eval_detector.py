# SPDX-License-Identifier: Apache-2.0
"""EC57 detection table on MIT-BIH: our integer detector beside wfdb's XQRS and GQRS.

    ECG_DATA_DIR=/work/shared/data .venv/bin/python scripts/eval_detector.py \
        [--detectors ours,xqrs,gqrs] [--records 100,101] [--mains 60] [--per-record]
        [--json build/eval_detector.json] [--noise ma,pl,em,bw,all --snrs 24,18,12,6,0 [--noise-seed 15]]

Every detector is scored by golden/ec57.py (150 ms, one-to-one, whole record,
MLII or channel 0 as golden.data.read_record picks).  Peers are given the
record in mV (ADC codes / adc_gain).  Rows: DS1 (de Chazal train), DS2 (test),
the paced records and all 48, plus Pan and Tompkins 1985 (published figures).

``--noise KINDS --snrs DBS``: instead, every record corrupted whole by ``golden/noise.add_noise``
(each kind at each SNR, noise seed 15 as ``make quality``; SNR defined in docs/noise.md) and the
detectors scored on it: one table row per detector, kind and SNR (all records, VF episodes
excluded, as the clean table's headline), the clean record first.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from golden import data, ec57  # noqa: E402
from golden import frontend as FE  # noqa: E402
from golden import noise as N  # noqa: E402

ALL48 = tuple(sorted(data.DS1 + data.DS2 + data.PACED))
LATENCY: list = []                  # ours: emission sample - refined R peak, every detection
PAN_TOMPKINS_1985 = (99.75, 99.54)   # Se, +P on MIT-BIH (Pan and Tompkins, IEEE TBME 1985)


def detect(name: str, rec, mains: int) -> np.ndarray:
    if name == "ours":
        r = FE.run(rec.signal, rec.fs, mains)
        LATENCY.extend((r.emitted - r.peaks).tolist())
        return r.peaks
    from wfdb import processing
    sig = rec.signal.astype(np.float64) / rec.adc_gain
    if name == "xqrs":
        return np.sort(np.asarray(processing.xqrs_detect(sig, fs=rec.fs, verbose=False), dtype=np.int64))
    if name == "gqrs":
        return np.sort(np.asarray(processing.gqrs_detect(sig=sig, fs=rec.fs), dtype=np.int64))
    raise SystemExit(f"unknown detector {name!r}")


def pct(v: float) -> str:
    return f"{100 * v:.2f}"


def noise_sweep(a, dets, recs) -> int:
    kinds = [k for k in a.noise.split(",") if k]
    for k in kinds:
        if k not in N.KINDS:
            raise SystemExit(f"eval_detector: unknown noise kind {k!r} (one of {', '.join(N.KINDS)})")
    try:
        snrs = [float(v) for v in a.snrs.split(",") if v]
    except ValueError:
        raise SystemExit(f"eval_detector: --snrs must be comma-separated numbers, got {a.snrs!r}")
    recs_data = {r: data.read_record(r) for r in recs}
    conds = [(None, None)] + [(k, s) for k in kinds for s in snrs]
    out = []
    print("| detector | noise | SNR dB | records | beats | TP | FN | FP | Se % | +P % |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, snr in conds:
        for d in dets:
            tot = None
            for r, rec in recs_data.items():
                x = rec.signal
                if kind is not None:
                    x, _ = N.add_noise(rec.signal, snr, kind, fs=rec.fs, seed=a.noise_seed, record=r,
                                       mains=a.mains)
                ref = ec57.reference_beats(rec.ann_sample, rec.ann_symbol)
                vf = ec57.vf_intervals(rec.ann_sample, rec.ann_symbol)
                noisy = rec if kind is None else _with_signal(rec, x)
                m = ec57.match(ref, detect(d, noisy, a.mains), ec57.tolerance(rec.fs), exclude=vf)
                tot = m if tot is None else tot + m
            print(f"| {d} | {kind or 'clean'} | {'-' if snr is None else f'{snr:g}'} | {len(recs)} | "
                  f"{tot.tp + tot.fn} | {tot.tp} | {tot.fn} | {tot.fp} | {pct(tot.se)} | {pct(tot.ppv)} |",
                  flush=True)
            out.append({"detector": d, "noise": kind, "snr_db": snr, "tp": tot.tp, "fn": tot.fn,
                        "fp": tot.fp, "se": tot.se, "ppv": tot.ppv})
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({"noise_seed": a.noise_seed, "rows": out}, indent=1))
    return 0


def _with_signal(rec, x):
    import dataclasses
    return dataclasses.replace(rec, signal=x)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--detectors", default="ours,xqrs,gqrs")
    ap.add_argument("--records", default=",".join(ALL48))
    ap.add_argument("--mains", type=int, default=60)
    ap.add_argument("--per-record", action="store_true")
    ap.add_argument("--json", default=None)
    ap.add_argument("--noise", default=None, help="comma-separated noise kinds (golden/noise.py)")
    ap.add_argument("--snrs", default="24,18,12,6,0")
    ap.add_argument("--noise-seed", type=int, default=15)
    a = ap.parse_args(argv)
    dets = [d for d in a.detectors.split(",") if d]
    recs = [r for r in a.records.split(",") if r]
    bad = [r for r in recs if r not in data.MITDB_RECORDS]
    if bad:
        ap.error(f"unknown MIT-BIH records {bad}")
    if a.noise is not None:
        return noise_sweep(a, dets, recs)
    res: dict[str, dict[str, ec57.Match]] = {d: {} for d in dets}
    resx: dict[str, dict[str, ec57.Match]] = {d: {} for d in dets}
    secs = {d: 0.0 for d in dets}
    for r in recs:
        rec = data.read_record(r)
        ref = ec57.reference_beats(rec.ann_sample, rec.ann_symbol)
        tol = ec57.tolerance(rec.fs)
        vf = ec57.vf_intervals(rec.ann_sample, rec.ann_symbol)
        line = [r]
        for d in dets:
            t = time.time()
            peaks = detect(d, rec, a.mains)
            secs[d] += time.time() - t
            m = ec57.match(ref, peaks, tol)
            res[d][r] = m
            resx[d][r] = ec57.match(ref, peaks, tol, exclude=vf)
            line.append(f"{d} TP {m.tp} FN {m.fn} FP {m.fp} Se {pct(m.se)} +P {pct(m.ppv)}")
        if a.per_record:
            print(" | ".join(line), flush=True)
    groups = (("DS1", data.DS1), ("DS2", data.DS2), ("paced", data.PACED), ("all", recs))
    out = {}
    for title, table in (("whole records", res), ("whole records, VF/VFL episodes excluded", resx)):
        print(f"\n{title}\n")
        print("| detector | set | records | beats | TP | FN | FP | Se % | +P % |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for d in dets:
            o = out.setdefault(title, {}).setdefault(d, {})
            for g, members in groups:
                ms = [table[d][r] for r in members if r in table[d]]
                if not ms:
                    continue
                tot = sum(ms[1:], ms[0])
                print(f"| {d} | {g} | {len(ms)} | {tot.tp + tot.fn} | {tot.tp} | {tot.fn} | {tot.fp} "
                      f"| {pct(tot.se)} | {pct(tot.ppv)} |")
                o[g] = {"records": len(ms), "tp": tot.tp, "fn": tot.fn, "fp": tot.fp,
                        "se": tot.se, "ppv": tot.ppv}
            o["per_record"] = {r: [m.tp, m.fn, m.fp] for r, m in table[d].items()}
            o["seconds"] = secs[d]
    print(f"| Pan & Tompkins 1985 (published) | MIT-BIH | 48 | | | | | "
          f"{PAN_TOMPKINS_1985[0]:.2f} | {PAN_TOMPKINS_1985[1]:.2f} |")
    if LATENCY:
        lat = np.asarray(LATENCY)
        print(f"\nours, samples from the R peak to its emission: min {lat.min()} median "
              f"{int(np.median(lat))} p99 {int(np.percentile(lat, 99))} max {lat.max()} "
              f"({(lat > 150).sum()} of {lat.size} above 150, i.e. search-back)")
    print("\nseconds: " + ", ".join(f"{d} {s:.1f}" for d, s in secs.items()))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
