#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Choose the encoder's threshold gaps Delta_S and Delta_L from training data.

Rule (documented in docs/encoder.md):
  Delta_S = round(median over DS1 beats of the peak-to-peak amplitude of the
            central 190 samples / LEVELS_S)   -- the S window resolves a typical
            beat into LEVELS_S = 16 levels;
  Delta_L = round(median over DS1 beats of the peak-to-peak amplitude of the
            60 QRS samples / LEVELS_L)        -- the L window re-encodes the QRS
            complex coarsely, LEVELS_L = 4 levels.
Only DS1 (the de Chazal training records) is used, so neither split's test
beats influence the encoder.  Writes golden/params/encoder.json (or prints with
--dry-run).  ``--windows filtered`` applies the same rule to windows cut from the front end's
output stream b (golden/frontend.filtered_windows; docs/noise_models.md) and only prints: those
gaps belong to the banks trained on filtered windows, recorded in their JSON, not to
golden/params/encoder.json.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golden import data as D  # noqa: E402
from golden import formats as F  # noqa: E402
from golden import frontend as FE  # noqa: E402

OUT = ROOT / "golden" / "params" / "encoder.json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--levels-s", type=int, default=16)
    ap.add_argument("--levels-l", type=int, default=4)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--windows", choices=("raw", "filtered"), default="raw",
                    help="windows from the raw record (default) or the front end's output b "
                         "(implies --dry-run)")
    a = ap.parse_args()
    bs = D.load_beats(pre=F.ENC_R_INDEX, post=F.ENC_BEAT_LEN - F.ENC_R_INDEX)
    ds1, _ = D.inter_patient_split(bs)
    x = bs.x[ds1].astype(np.int64)
    if a.windows == "filtered":
        xf = np.zeros_like(bs.x, dtype=np.int64)
        for n in D.MITDB_RECORDS:
            sel = np.flatnonzero(bs.record == int(n))
            xf[sel] = FE.filtered_windows(D.read_record(n).signal.astype(np.int64), bs.sample[sel],
                                          bs.pre, bs.post)
        x = xf[ds1]
    c = x[:, F.ENC_S_START:F.ENC_S_START + F.ENC_S_LEN]
    q = x[:, F.ENC_L_START:F.ENC_L_START + F.ENC_L_LEN]
    p2p_s = float(np.median(c.max(1) - c.min(1)))
    p2p_l = float(np.median(q.max(1) - q.min(1)))
    params = {
        "delta_s": int(round(p2p_s / a.levels_s)),
        "delta_l": int(round(p2p_l / a.levels_l)),
        "provenance": {
            "script": "scripts/choose_deltas.py",
            "data": "MIT-BIH DS1 (de Chazal training records), lead MLII"
                    + (", front-end output b" if a.windows == "filtered" else ""),
            "beats": int(len(ds1)),
            "median_p2p_central_adc": p2p_s,
            "median_p2p_qrs_adc": p2p_l,
            "levels_s": a.levels_s,
            "levels_l": a.levels_l,
            "units": "ADC units, 200 per mV",
        },
    }
    text = json.dumps(params, indent=2) + "\n"
    if a.dry_run or a.windows == "filtered":
        print(text)
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text)
        print(f"wrote {OUT.relative_to(ROOT)}: delta_s={params['delta_s']} delta_l={params['delta_l']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
