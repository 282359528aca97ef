# SPDX-License-Identifier: Apache-2.0
"""Your own recording (golden/recording.py, scripts/classify_recording.py): loading WFDB and CSV
exactly, resampling, every named error, and the annotation-free chain's invariants."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from golden import data as D
from golden import ec57
from golden import encoder as E
from golden import eprop as P
from golden import noise as N
from golden import recording as REC
from verif.common import eprop as VE

ROOT = Path(__file__).resolve().parents[2]


def _mitdb(name):
    return D.mitdb_dir() / name


def _csv(path, x, header="MLII", fmt="%.4f"):
    np.savetxt(path, x, fmt=fmt, header=header, comments="")
    return path


def test_wfdb_record_loads_to_the_database_codes():
    rec = REC.load_recording(_mitdb("100"))
    ref = D.read_record("100").signal.astype(np.int64)
    assert rec.channel == "MLII" and rec.fs_in == 360 and not rec.resampled and rec.saturated == 0
    assert np.array_equal(rec.signal.astype(np.int64), ref - int(np.median(ref)))
    assert np.array_equal(REC.load_recording(str(_mitdb("100")) + ".hea").signal, rec.signal)
    assert REC.load_recording(_mitdb("100"), channel="V5").channel == "V5"


def test_csv_in_mv_and_in_codes_equal_the_record(tmp_path):
    r = D.read_record("119")
    x = r.signal[:360 * 30].astype(np.int64)
    want = x - int(np.median(x))
    a = REC.load_recording(_csv(tmp_path / "a.csv", x / r.adc_gain), fs=360)
    b = REC.load_recording(_csv(tmp_path / "b.csv", x, header="ecg", fmt="%d"), fs=360, units="adc")
    c = REC.load_recording(_csv(tmp_path / "c.csv", x * 5.0, header="uv"), fs=360, units="uV")
    for rec in (a, b, c):
        assert np.array_equal(rec.signal.astype(np.int64), want)
    # two columns, no header: chosen by index
    np.savetxt(tmp_path / "d.csv", np.stack([np.zeros(len(x)), x / 200.0], 1), fmt="%.4f", delimiter=",")
    assert np.array_equal(REC.load_recording(tmp_path / "d.csv", fs=360, channel=1).signal.astype(np.int64), want)


def test_decisions_do_not_depend_on_the_offset():
    """The chain is offset-invariant: the WFDB loader's median shift changes no decision."""
    x = D.read_record("208").signal[:360 * 120]
    a = REC.classify_signal(x)
    b = REC.classify_signal(x + 37)
    for f in ("sample", "rr", "quality", "stage1", "severity", "stage2"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f


def test_chain_invariants_on_a_real_record():
    rec = D.read_record("208")
    x = rec.signal[:360 * 300]
    bt = REC.classify_signal(x)
    ref = ec57.reference_beats(rec.ann_sample, rec.ann_symbol)
    ref = ref[ref < len(x)]
    m = ec57.match(ref, bt.sample, ec57.tolerance(360))
    assert m.tp >= 0.99 * len(ref) and m.fp <= 0.01 * len(bt)
    assert ((bt.stage2 >= 0) == (bt.stage1 != 0)).all()
    assert bt.stage1.sum() > 0.2 * len(bt)                    # 208: a third of its beats are V/F
    dec = bt.decision
    assert all((d == "unreadable") == (q != 0) for d, q in zip(dec, bt.quality))
    # the golden inputs of stage 2 are the pipeline's slot mapping (verif/common/eprop.py)
    win = x[bt.sample[:, None] + np.arange(-100, 150)[None, :]]
    enc = E.encode_beats(win, E.default_config())
    sb = np.concatenate([np.ones((len(bt), 1), np.uint8), bt.rr_bits], 1)
    assert np.array_equal(P.beat_inputs(enc.spk, sb), VE.inputs_from_slots(bt.slots, bt.rr_bits))
    rows = bt.rows()
    assert len(rows) == len(bt) and rows[1]["rr_ms"] == round(1000 * (bt.sample[1] - bt.sample[0]) / 360, 1)


def test_resampled_recording_still_finds_the_beats(tmp_path):
    rec = D.read_record("100")
    x = rec.signal[:360 * 120] / rec.adc_gain
    y = resample_poly(x, 25, 36)                             # 250 Hz
    r = REC.load_recording(_csv(tmp_path / "r250.csv", y, fmt="%.5f"), fs=250)
    assert r.resampled and abs(len(r.signal) - 360 * 120) <= 2
    bt = REC.classify_signal(r.signal)
    ref = ec57.reference_beats(rec.ann_sample, rec.ann_symbol)
    ref = ref[ref < 360 * 120]
    m = ec57.match(ref, bt.sample, ec57.tolerance(360))
    assert m.tp >= len(ref) - 2 and m.fp <= 2


def test_noise_makes_beats_unreadable_never_normal_by_default():
    x = D.read_record("119").signal[:360 * 120]
    y, _ = N.add_noise(x, 0, "ma", seed=15, record="119")
    bt = REC.classify_signal(y)
    dec = bt.decision
    assert dec.count("unreadable") >= 0.9 * len(dec)
    assert REC.classify_signal(x).decision.count("unreadable") <= 2


@pytest.mark.parametrize("make,kw,err,words", [
    (lambda p: p / "missing.csv", {"fs": 360}, REC.UnreadableFile, "no such file"),
    (lambda p: p / "nothing", {}, REC.UnreadableFile, "neither a .csv"),
    (lambda p: _write(p / "t.csv", "a\nb\n"), {"fs": 360}, REC.UnreadableFile, "not a number"),
    (lambda p: _write(p / "e.csv", ""), {"fs": 360}, REC.UnreadableFile, "empty"),
    (lambda p: _write(p / "h.csv", "MLII\n"), {"fs": 360}, REC.UnreadableFile, "no data"),
    (lambda p: _sig(p, 360 * 20), {}, REC.BadRate, "sampling rate is needed"),
    (lambda p: _sig(p, 360 * 20), {"fs": "fast"}, REC.BadRate, "must be a number"),
    (lambda p: _sig(p, 360 * 20), {"fs": 50}, REC.BadRate, "outside 100..2000"),
    (lambda p: _sig(p, 360 * 20), {"fs": 360, "channel": 3}, REC.BadChannel, "channel 3 does not exist"),
    (lambda p: _sig(p, 360 * 20), {"fs": 360, "channel": "V1"}, REC.BadChannel, "no channel named 'V1'"),
    (lambda p: _sig(p, 360 * 20), {"fs": 360, "units": "mmHg"}, REC.BadUnits, "units must be one of"),
    (lambda p: _sig(p, 360 * 5), {"fs": 360}, REC.TooShort, "at least 10 s"),
    (lambda p: _sig(p, 360 * 20, scale=0.01), {"fs": 360}, REC.FlatSignal, "no ECG"),
    (lambda p: _sig(p, 360 * 20, clip=0.3), {"fs": 360}, REC.ClippedSignal, "extreme value"),
    (lambda p: _sig(p, 360 * 20), {"fs": 360, "units": "V"}, REC.ClippedSignal, "saturate"),
    (lambda p: _write(p / "n.csv", "MLII\n" + "0.1\n" * 4000 + "nan\n" + "0.2\n" * 4000),
     {"fs": 360}, REC.UnreadableFile, "sample 4000 is not a finite"),
    (lambda p: _mitdb("100"), {"fs": 250}, REC.BadRate, "header says 360"),
    (lambda p: _mitdb("100"), {"channel": "V2"}, REC.BadChannel, "no channel named 'V2'"),
])
def test_named_errors(tmp_path, make, kw, err, words):
    with pytest.raises(err, match=words.replace("(", r"\(").replace(".", r"\.")):
        REC.load_recording(make(tmp_path), **kw)


def _write(path, text):
    path.write_text(text)
    return path


def _sig(p, n, scale=1.0, clip=None):
    x = D.read_record("100").signal[:n] / 200.0 * scale
    if clip is not None:
        x = np.clip(x, -clip, clip)
    return _csv(p / f"s{n}_{scale}_{clip}.csv", x)


def test_model_and_mains_errors():
    with pytest.raises(REC.BadModel, match="inter, intra"):
        REC.load_models("ds2")
    x = D.read_record("100").signal[:360 * 20]
    with pytest.raises(ValueError, match="50 or 60"):
        REC.classify_signal(x, mains=55)


def test_classify_command_golden(tmp_path):
    x = D.read_record("208").signal[:360 * 60] / 200.0
    src = _csv(tmp_path / "r.csv", x)
    out = tmp_path / "beats.json"
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "classify_recording.py"), str(src), "--fs", "360",
                        "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    summ = json.loads(r.stdout.strip().splitlines()[-1])
    doc = json.loads(out.read_text())
    bt = REC.classify_signal(REC.load_recording(src, fs=360).signal)
    assert summ["beats"] == len(bt) == len(doc["beats"]) and summ["decided_by"] == "golden"
    assert [b["decision"] for b in doc["beats"]] == bt.decision
    assert [b["stage2"] for b in doc["beats"]] == [REC.STAGE2[c] if c >= 0 else "" for c in bt.stage2]
    bad = subprocess.run([sys.executable, str(ROOT / "scripts" / "classify_recording.py"), str(src)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "BadRate" in bad.stderr and "sampling rate is needed" in bad.stderr
