# SPDX-License-Identifier: Apache-2.0
"""scripts/eval_detector.py: the EC57 table of our detector, clean and under seeded noise."""
import json
import sys
from pathlib import Path

import pytest

from golden import data, ec57, noise
from golden import frontend as FE

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import eval_detector  # noqa: E402


def test_noise_sweep_scores_the_noisy_record(tmp_path):
    out = tmp_path / "d.json"
    assert eval_detector.main(["--detectors", "ours", "--records", "105", "--noise", "ma",
                               "--snrs", "6", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [(r["noise"], r["snr_db"]) for r in rows] == [(None, None), ("ma", 6.0)]
    rec = data.read_record("105")
    ref = ec57.reference_beats(rec.ann_sample, rec.ann_symbol)
    vf = ec57.vf_intervals(rec.ann_sample, rec.ann_symbol)
    x, _ = noise.add_noise(rec.signal, 6, "ma", seed=15, record="105")
    want = ec57.match(ref, FE.run(x, rec.fs, 60).peaks, ec57.tolerance(rec.fs), exclude=vf)
    assert (rows[1]["tp"], rows[1]["fn"], rows[1]["fp"]) == (want.tp, want.fn, want.fp)
    clean = ec57.match(ref, FE.run(rec.signal, rec.fs, 60).peaks, ec57.tolerance(rec.fs), exclude=vf)
    assert (rows[0]["tp"], rows[0]["fp"]) == (clean.tp, clean.fp)
    assert (want.fn, want.fp) != (clean.fn, clean.fp)        # the noise reached the detector


@pytest.mark.parametrize("argv, words", [
    (["--noise", "hum", "--records", "100"], "unknown noise kind 'hum'"),
    (["--noise", "ma", "--snrs", "12,x", "--records", "100"], "--snrs must be"),
])
def test_noise_sweep_bad_arguments(argv, words, capsys):
    with pytest.raises(SystemExit) as e:
        eval_detector.main(["--detectors", "ours"] + argv)
    assert words in str(e.value)


def test_unknown_record_is_refused(capsys):
    with pytest.raises(SystemExit):
        eval_detector.main(["--detectors", "ours", "--records", "100,999"])
    assert "unknown MIT-BIH records ['999']" in capsys.readouterr().err
