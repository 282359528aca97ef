# SPDX-License-Identifier: Apache-2.0
"""The signal-quality gate (golden/quality.py): each measure against a plain-loop reference, each
reason on a beat built to trip it, the gate on real MIT-BIH beats clean and noisy, every error."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from golden import data as D
from golden import formats as F
from golden import noise as N
from golden import quality as Q

ROOT = Path(__file__).resolve().parents[2]


def _reference(w):
    """The gate by its written definition, one sample at a time (no numpy vector ops)."""
    w = [int(v) for v in w]
    hf = 0
    for n in range(1, len(w) - 1):
        if n < F.QUAL_CONSTANTS["QUAL_QRS_LO"] or n >= F.QUAL_CONSTANTS["QUAL_QRS_HI"]:
            hf += abs(w[n + 1] - 2 * w[n] + w[n - 1])
    q = w[F.QUAL_CONSTANTS["QUAL_QRS_LO"]:F.QUAL_CONSTANTS["QUAL_QRS_HI"]]
    amp = max(q) - min(q)
    flat = best = 1
    for n in range(1, len(w)):
        flat = flat + 1 if w[n] == w[n - 1] else 1
        best = max(best, flat)
    rail = sum(1 for v in w if v in (-1024, 1023))
    r = 0
    if hf * 16 > F.QUAL_CONSTANTS["QUAL_HF_T"] * amp:
        r |= 1
    if amp < F.QUAL_CONSTANTS["QUAL_LOWAMP_T"]:
        r |= 2
    if best >= F.QUAL_CONSTANTS["QUAL_FLAT_RUN"]:
        r |= 4
    if rail > F.QUAL_CONSTANTS["QUAL_RAIL_MAX"]:
        r |= 8
    return hf, amp, best, rail, r


def _beat(amp=400, seed=0, noise=1.0):
    """A synthetic beat: a QRS triangle at 100 on a slow T wave, small noise (never flat)."""
    t = np.arange(250)
    x = amp * np.maximum(0, 1 - np.abs(t - 100) / 12.0) + 0.15 * amp * np.exp(-((t - 170) / 20.0) ** 2)
    x += np.random.default_rng(seed).normal(0, noise, 250)
    return np.rint(x).astype(np.int16)


@pytest.fixture(scope="module")
def beats():
    return D.load_beats(records=("100", "119", "208", "203"))


def test_measures_match_reference_on_real_and_noisy_beats(beats):
    rng = np.random.default_rng(3)
    pick = rng.choice(len(beats), 150, replace=False)
    x = beats.x[pick].astype(np.int64)
    noisy = np.clip(x + rng.normal(0, 25, x.shape).round().astype(np.int64), -1024, 1023)
    for arr in (x, noisy):
        q = Q.beats_quality(arr)
        for k in range(len(arr)):
            assert (int(q.hf[k]), int(q.amp[k]), int(q.flat[k]), int(q.rail[k]), int(q.reasons[k])) \
                == _reference(arr[k])
            assert bool(q.readable[k]) == (q.reasons[k] == 0)
    assert Q.beats_quality(noisy).readable.sum() < Q.beats_quality(x).readable.sum()


def test_each_reason_trips_alone():
    ok = Q.beat_quality(_beat())
    assert ok.readable and ok.reasons == 0 and ok.names == ()
    # noise: out-of-QRS HF residue
    b = _beat().astype(np.int64)
    b[:60] += np.tile([30, -30], 30)
    q = Q.beat_quality(b)
    assert q.names == ("noise",) and not q.readable
    # low amplitude
    q = Q.beat_quality(_beat(amp=12, noise=0.6))
    assert "low_amplitude" in q.names
    # flat run of exactly QUAL_FLAT_RUN samples trips, one fewer does not
    run = F.QUAL_CONSTANTS["QUAL_FLAT_RUN"]
    b = _beat()
    b[180:180 + run] = b[180]
    assert Q.beat_quality(b).names == ("flat",)
    b = _beat()
    b[180:180 + run - 1] = b[180]
    b[180 + run - 1] = b[180] + 1
    assert Q.beat_quality(b).reasons & Q.R_FLAT == 0
    # clipping: RAIL_MAX samples at the rails are tolerated, one more is not
    b = _beat(amp=1400).astype(np.int64)
    top = np.flatnonzero(b >= 1023)
    b = np.clip(b, -1024, 1023)
    assert len(top) > Q.RAIL_MAX
    assert "clipped" in Q.beat_quality(b).names
    b = _beat().astype(np.int64)
    b[[5, 200]] = [-1024, 1023]
    assert Q.beat_quality(b).reasons & Q.R_CLIP == 0


def test_noise_threshold_is_exact_at_the_boundary():
    """(hf << 4) > T * amp: hf * 16 == T * amp is readable, one more unit of hf is not."""
    A = 400
    assert (Q.HF_T * A) % 64 == 0
    per_bump = Q.HF_T * A // 16 // 4 // 5           # an isolated bump of height h adds 4 h to hf
    for extra in (0, 1):
        w = np.zeros(250, np.int64)
        w[100] = A                                  # amp = A; its second differences lie in the QRS region
        for p in (160, 170, 180, 190, 200):
            w[p] = per_bump
        w[249] = extra                              # centre 248 adds |w[249]| to hf
        q = Q.beat_quality(w)
        assert q.amp == A and q.hf == Q.HF_T * A // 16 + extra
        assert bool(q.reasons & Q.R_NOISE) == (extra == 1)


def test_clean_database_is_readable_and_noise_is_not(beats):
    q = Q.beats_quality(beats.x)
    assert q.counts()["unreadable"] <= 0.005 * len(beats)
    rec = D.read_record("119")
    y, _ = N.add_noise(rec.signal, 0, "ma", seed=15, record="119")
    qn = Q.signal_quality(y, beats.sample[beats.record == 119])
    assert qn.counts()["noise"] >= 0.95 * len(qn)
    yb, _ = N.add_noise(rec.signal, 0, "bw", seed=15, record="119")
    qb = Q.signal_quality(yb, beats.sample[beats.record == 119])
    assert qb.counts()["unreadable"] <= 0.01 * len(qb)          # baseline wander is harmless


def test_signal_quality_equals_windows(beats):
    rec = D.read_record("208")
    sel = beats.record == 208
    a = Q.signal_quality(rec.signal, beats.sample[sel])
    b = Q.beats_quality(beats.x[sel])
    assert np.array_equal(a.reasons, b.reasons) and np.array_equal(a.hf, b.hf)


def test_errors():
    with pytest.raises(Q.QualityError, match="shape"):
        Q.beats_quality(np.zeros((3, 249), np.int16))
    with pytest.raises(Q.QualityError, match="integer"):
        Q.beats_quality(np.zeros((1, 250), np.float32))
    with pytest.raises(Q.QualityError, match="1023"):
        Q.beats_quality(np.full((1, 250), 1024, np.int32))
    with pytest.raises(Q.QualityError, match="one window"):
        Q.beat_quality(np.zeros((2, 250), np.int16))
    with pytest.raises(Q.QualityError, match="whole 250-sample window"):
        Q.signal_quality(np.zeros(1000, np.int16), np.array([50]))
    with pytest.raises(Q.QualityError, match="whole 250-sample window"):
        Q.signal_quality(np.zeros(1000, np.int16), np.array([900]))
    with pytest.raises(Q.QualityError, match="integer sample"):
        Q.signal_quality(np.zeros(1000, np.int16), np.array([500.0]))
    with pytest.raises(Q.QualityError, match="0..15"):
        Q.reason_names(16)
    assert Q.reason_names(15) == ("noise", "low_amplitude", "flat", "clipped")
    assert len(Q.beats_quality(np.zeros((0, 250), np.int16))) == 0


def test_constants_are_in_the_generated_header():
    vh = (ROOT / "rtl" / "common" / "ecg_formats.vh").read_text()
    for k, v in F.QUAL_CONSTANTS.items():
        assert f"`define ECG_{k} {v}\n" in vh
    assert Q.HF_TERMS == 158 and 158 * 4 * 2047 <= F.QUAL_HF.max_code


def test_gate_bench_smoke():
    """scripts/quality_gate.py on two records: the gated figures follow from the counts."""
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "quality_gate.py"), "--records", "119,208",
                        "--kinds", "ma", "--snrs", "24,0", "--splits", "intra", "--no-cascade"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    line = json.loads(r.stdout.strip().splitlines()[-1])
    rows = line["intra"]
    assert set(rows) == {"clean", "ma24", "ma0"}
    clean, loud = rows["clean"], rows["ma0"]
    assert clean["unreadable"] < 0.01 and loud["unreadable"] > 0.95
    # the gate never lowers abnormal sensitivity; counting unreadable as flagged restores it at 0 dB
    for row in rows.values():
        assert row["se_abn_gated"] >= row["se_abn"]
        assert abs(row["se_abn_gated"] - (1 - row["abn_called_normal"])) < 1e-12
    assert loud["se_abn"] < 0.3 and loud["se_abn_gated"] > 0.95
    assert abs(loud["snr_realised_db"]) < 0.5


def test_gate_bench_bad_arguments():
    for args, msg in ((["--kinds", "xx"], "unknown noise kind"), (["--splits", "both"], "unknown split"),
                      (["--snrs", "a,b"], "comma-separated numbers"), (["--records", "999"], "unknown MIT-BIH")):
        r = subprocess.run([sys.executable, str(ROOT / "scripts" / "quality_gate.py")] + args,
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert r.returncode != 0 and msg in (r.stderr + r.stdout), (args, r.stderr)
