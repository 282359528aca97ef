# SPDX-License-Identifier: Apache-2.0
"""`make classify RTL=1`: a user's recording through the front-end RTL, the pipeline top and the
quality gate, every front-end value, every stage-1/stage-2 decision and every quality measure
compared with the golden chain; the check
fails on a corrupted model (exit 3, "RTL mismatch"), never silently."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from golden import data as D

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    x = D.read_record("208").signal[:360 * 40] / 200.0        # 40 s of 208: N, V and F beats
    p = tmp_path_factory.mktemp("rec") / "r208.csv"
    np.savetxt(p, x, fmt="%.4f", header="MLII", comments="")
    return p


def _classify(path, *extra):
    out = path.with_suffix(".json")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "classify_recording.py"), str(path), "--fs", "360",
                        "--rtl", "--out", str(out), *extra], capture_output=True, text=True, cwd=ROOT, timeout=900)
    return r, (json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else None)


def test_classify_rtl_matches_golden(recording):
    r, s = _classify(recording)
    assert r.returncode == 0, r.stderr[-2000:]
    rtl = s["rtl"]
    assert rtl["mismatches"] == 0 and rtl["errors"] == []
    assert rtl["frontend"]["peaks"] == s["peaks_detected"] and rtl["frontend"]["values_compared"] > 0
    assert rtl["pipeline"]["beats"] == s["beats"] > 40 and rtl["pipeline"]["stage2_beats"] > 5
    assert rtl["quality"]["beats"] == s["beats"] and rtl["quality"]["values_compared"] == 5 * s["beats"]
    assert s["quality_source"].startswith("rtl")
    assert s["decided_by"].startswith("rtl")


def test_classify_rtl_detects_corrupted_model(recording):
    r, s = _classify(recording, "--corrupt-model")
    assert r.returncode == 3, r.stderr[-2000:]
    assert "RTL mismatch" in r.stderr and s["rtl"]["pipeline"]["stage2_mismatches"] > 0
