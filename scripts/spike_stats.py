#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Spikes per beat of the adaptive two-gap encoder, per AAMI class, beside a
plain one-gap level-crossing (send-on-delta) encoder over all 250 samples.

The encoder paper (Diware et al., DATE 2025) argues that dropping the tails and
re-encoding only the QRS complex with a large gap gives fewer spikes than a
level-crossing encoder.  This script measures it on every MIT-BIH beat with the
committed gaps (golden/params/encoder.json): the baseline runs at Delta_S (the
same fine resolution) and at Delta_L (the same coarse resolution).  All numbers
come from the bit-exact golden model, which `make bench B=encoder BEATS=all`
shows equal to the RTL on every beat.

    make spikes            (or: python scripts/spike_stats.py [--json])
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golden import data as D  # noqa: E402
from golden import encoder as G  # noqa: E402
from golden import formats as F  # noqa: E402


def stats(v):
    return {"mean": round(float(v.mean()), 2), "std": round(float(v.std()), 2),
            "p5": int(np.percentile(v, 5)), "median": int(np.median(v)), "p95": int(np.percentile(v, 95)),
            "max": int(v.max())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    a = ap.parse_args()
    cfg = G.default_config()
    bs = D.load_beats(pre=F.ENC_R_INDEX, post=F.ENC_BEAT_LEN - F.ENC_R_INDEX)
    lab = D.aami5_labels(bs.symbol)
    enc = G.encode_beats(bs.x, cfg)
    s_part = enc.slots[:, :2 * F.ENC_S_LEN].sum(1)
    l_part = enc.slots[:, 2 * F.ENC_S_LEN:].sum(1)
    lc_s = G.level_crossing_spikes(bs.x, cfg.delta_s)
    lc_l = G.level_crossing_spikes(bs.x, cfg.delta_l)
    lcm_s = G.level_crossing_spikes(bs.x, cfg.delta_s, every_level=True)
    rows = {}
    for i, c in [(-2, "all")] + list(enumerate(D.AAMI5_CLASSES)):
        m = np.ones(len(bs), bool) if i == -2 else lab == i
        rows[c] = {"beats": int(m.sum()), "two_gap": stats(enc.nspk[m]), "s_channel": stats(s_part[m]),
                   "l_channel": stats(l_part[m]), f"level_crossing_gap{cfg.delta_s}": stats(lc_s[m]),
                   f"level_crossing_gap{cfg.delta_l}": stats(lc_l[m]),
                   f"level_crossing_every_level_gap{cfg.delta_s}": stats(lcm_s[m])}
    out = {"delta_s": cfg.delta_s, "delta_l": cfg.delta_l, "slots_per_beat": F.ENC_SLOTS, "classes": rows}
    if a.json:
        print(json.dumps(out))
        return 0
    print(f"Spikes per beat, all {len(bs)} MIT-BIH beats (48 records), Delta_S={cfg.delta_s}, "
          f"Delta_L={cfg.delta_l} ADC units (200/mV)")
    hdr = f"{'class':6s} {'beats':>7s} | {'two-gap (ours)':>22s} | {'S part':>6s} {'L part':>6s} | " \
          f"{'LC gap ' + str(cfg.delta_s):>22s} | {'LC gap ' + str(cfg.delta_l):>22s} | " \
          f"{'LC-grid gap ' + str(cfg.delta_s):>22s}"
    print(hdr)
    print("-" * len(hdr))
    for c, r in rows.items():
        def f(s):
            return f"{s['mean']:6.1f} ({s['p5']:3d}-{s['p95']:3d})"
        print(f"{c:6s} {r['beats']:7d} | {f(r['two_gap']):>22s} | {r['s_channel']['mean']:6.1f} "
              f"{r['l_channel']['mean']:6.1f} | {f(r[f'level_crossing_gap{cfg.delta_s}']):>22s} | "
              f"{f(r[f'level_crossing_gap{cfg.delta_l}']):>22s} | "
              f"{f(r[f'level_crossing_every_level_gap{cfg.delta_s}']):>22s}")
    print("\nmean (5th-95th percentile) over all 250 samples of each beat, reference loaded from sample 0."
          "\nLC      = one-gap send-on-delta, at most one spike per sample (the rule of one channel of ours)."
          "\nLC-grid = classic level crossing on a fixed grid, one spike per level crossed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
