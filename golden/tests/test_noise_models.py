# SPDX-License-Identifier: Apache-2.0
"""Noise-robust screen (docs/noise_models.md): windows cut from the front end's filtered output,
the noise-augmented training option, and the exported robust bank."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from golden import data as D
from golden import encoder as E
from golden import frontend as FE
from golden import rr as RR
from golden import snn_if as G

ROOT = Path(__file__).resolve().parents[2]
ROBUST = ROOT / "golden" / "params" / "snn_if_robust"
sys.path.insert(0, str(ROOT / "scripts"))


# --------------------------------------------------------------------------- filtered windows

def test_filtered_windows_are_the_streaming_b():
    """Every window equals the per-sample model's b stream (the RTL's m_axis_b) 136 samples on."""
    rec = D.read_record("208")
    x = rec.signal.astype(np.int64)
    st = FE.init_state(60)
    b = np.array([FE.step(st, v)[1] for v in x[:9000].tolist()])
    r = np.asarray(rec.ann_sample)
    r = r[(r >= 100) & (r + FE.B_DELAY + 150 <= 9000)]
    assert len(r) >= 20
    w = FE.filtered_windows(x, r, 100, 150)
    assert w.shape == (len(r), 250) and w.dtype == np.int16
    for k, p in enumerate(r.tolist()):
        np.testing.assert_array_equal(w[k], b[p + 136 - 100:p + 136 + 150])
    assert FE.B_DELAY == 136


def test_filtered_window_keeps_the_peak_at_pre():
    """A symmetric pulse centred at input sample c peaks at index pre of its filtered window."""
    x = np.zeros(3000, dtype=np.int64)
    c = 1500
    x[c - 10:c + 11] = 600 - 60 * np.abs(np.arange(-10, 11))
    w = FE.filtered_windows(x, [c], 100, 150)[0]
    assert int(np.argmax(w)) == 100
    # the raw window of the same pulse peaks at the same index
    assert int(np.argmax(x[c - 100:c + 150])) == 100


def test_filtered_window_at_the_record_end_is_flushed():
    """The last beat's window needs 136 samples past the end: the held last sample supplies them."""
    rec = D.read_record("100")
    x = rec.signal.astype(np.int64)
    p = len(x) - 150
    w = FE.filtered_windows(x, [p], 100, 150)[0]
    held = np.concatenate([x, np.full(FE.B_DELAY, x[-1])])
    np.testing.assert_array_equal(w, FE.filters(held)[2][p + 36:p + 286])
    np.testing.assert_array_equal(FE.filtered_stream(x), FE.filters(held)[2])


def test_filtered_window_errors():
    x = np.zeros(1000, dtype=np.int64)
    with pytest.raises(FE.WindowError, match="leaves the record"):
        FE.filtered_windows(x, [50], 100, 150)
    with pytest.raises(FE.WindowError, match="leaves the record"):
        FE.filtered_windows(x, [900], 100, 150)
    with pytest.raises(FE.WindowError, match="empty record"):
        FE.filtered_windows(np.zeros(0, np.int64), [], 100, 150)
    with pytest.raises(FE.WindowError, match="pre >= 0"):
        FE.filtered_windows(x, [500], -1, 150)
    with pytest.raises(FE.SampleTypeError):
        FE.filtered_windows(x.astype(float), [500], 100, 150)
    with pytest.raises(FE.SampleRangeError):
        FE.filtered_windows(np.full(1000, 2000), [500], 100, 150)


# --------------------------------------------------------------------------- training option

def test_noisy_copies_are_seeded():
    import train_snn_if as T
    sig = {n: D.read_record(n).signal.astype(np.int64) for n in ("100", "208")}
    a, da = T._noisy(sig, 0, ("ma", "em", "all"), (6.0, 30.0), 17)
    b, db = T._noisy(sig, 0, ("ma", "em", "all"), (6.0, 30.0), 17)
    c, dc = T._noisy(sig, 1, ("ma", "em", "all"), (6.0, 30.0), 17)
    for n in sig:
        np.testing.assert_array_equal(a[n], b[n])
        assert not np.array_equal(a[n], c[n])
        assert not np.array_equal(a[n], sig[n])
        assert da[n] == db[n] and da[n][0] in ("ma", "em", "all") and 6.0 <= da[n][1] <= 30.0


def test_smoke_training_filtered_noise_aug(tmp_path):
    """--smoke with filtered windows and one noisy copy: exported, loadable, recorded in the JSON."""
    import train_snn_if as T
    args = ["--smoke", "--windows", "filtered", "--noise-aug", "1", "--enc-deltas", "20,76", "--splits", "intra",
            "--banks", "binary", "--out", str(tmp_path)]
    assert T.main(args) == 0
    meta = json.loads((tmp_path / "snn_if.json").read_text())
    tr = meta["training"]
    assert meta["smoke"] and meta["seed"] == 2025 and "--noise-aug 1" in meta["command"]
    assert tr["windows"] == "filtered" and meta["encoder"] == {"delta_s": 20, "delta_l": 76}
    na = tr["noise_augmentation"]
    assert na["copies"] == 1 and na["noise_seed"] == 17 and na["snr_db"] == [6.0, 30.0]
    assert sorted(na["drawn"][0]) == sorted(T.SMOKE_RECORDS)
    p = G.load_bank("intra", "binary", tmp_path)
    assert G.pack_bank(p) == G.read_hex(tmp_path / "intra_binary.hex")
    assert set(meta["models"]["intra"]) == {"binary"}
    bs = D.load_beats(records=("208",))
    sig = D.read_record("208").signal.astype(np.int64)
    slots = G.screen_inputs(E.encode_beats(FE.filtered_windows(sig, bs.sample[:40], 100, 150),
                                           E.EncoderConfig(20, 76)).slots,
                            RR.rr_bits(bs.record, bs.sample)[:40])
    r = G.run_beats(slots, p)
    assert set(np.unique(r.cls)) <= {0, 1} and r.events.min() > 0


@pytest.mark.parametrize("args,msg", [
    (["--noise-aug", "1", "--noise-seed", "15"], "evaluation/calibration seed"),
    (["--noise-aug", "1", "--noise-kinds", "xx"], "unknown kind"),
    (["--noise-aug", "1", "--noise-snr", "6"], "LO,HI"),
    (["--noise-aug", "1", "--noise-snr", "30,6"], "LO,HI"),
    (["--noise-aug", "-1"], ">= 0"),
    (["--windows", "smooth"], "invalid choice"),
    (["--enc-deltas", "0,76"], "two legal gaps"),
    (["--enc-deltas", "20"], "two legal gaps"),
])
def test_training_option_errors(args, msg, capsys):
    import train_snn_if as T
    with pytest.raises(SystemExit) as e:
        T.main(["--smoke"] + args)
    assert e.value.code == 2 and msg in capsys.readouterr().err


# --------------------------------------------------------------------------- the robust bank

# classes of the first 40 beats of record 208 (bigeminy: normal and ventricular beats, training and
# test beats of the intra split alike) under golden/params/snn_if_robust/intra_binary.hex at export
EXPECTED_208 = [1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0,
                1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0]
EXPECTED_208_RIGHT = 39          # agreeing with the annotations (all 40 have a binary label; beat 29,
                                 # a ventricular beat, is called normal)
EXPECTED_208_ABN = 23


def _robust_slots(record, n):
    bs = D.load_beats(records=(record,))
    sig = D.read_record(record).signal.astype(np.int64)
    x = FE.filtered_windows(sig, bs.sample[:n], bs.pre, bs.post)
    slots = G.screen_inputs(E.encode_beats(x, E.EncoderConfig(20, 76)).slots, RR.rr_bits(bs.record, bs.sample)[:n])
    return slots, D.binary_labels(bs.symbol[:n])


def test_robust_bank_metadata():
    meta = G.load_meta(ROBUST)
    tr = meta["training"]
    assert meta["seed"] == 2025 and not meta["smoke"]
    assert tr["windows"] == "filtered"
    assert tr["noise_augmentation"]["noise_seed"] == 17 and tr["noise_augmentation"]["copies"] >= 1
    assert tr["noise_augmentation"]["noise_seed"] not in (15, 16)
    assert meta["command"].startswith(".venv/bin/python scripts/train_snn_if.py ")
    assert "--windows filtered" in meta["command"] and "--out golden/params/snn_if_robust" in meta["command"]
    assert meta["encoder"] == {"delta_s": 20, "delta_l": 76}
    assert set(meta["models"]) == {"intra", "inter"}
    assert all(set(meta["models"][s]) == {"binary"} for s in meta["models"])
    assert sorted(p.name for p in ROBUST.iterdir()) == ["inter_binary.hex", "intra_binary.hex", "snn_if.json"]


def test_robust_bank_runs_on_real_beats():
    """Record 208 (normal and ventricular beats): the event-driven per-beat model equals the
    vectorised one, and the classes are the ones the exported bank gave when it was made."""
    p = G.load_bank("intra", "binary", ROBUST)
    assert G.pack_bank(p) == G.read_hex(ROBUST / "intra_binary.hex")       # strict layout
    for w in (p.w1, p.w2, p.w3):
        assert -128 <= w.min() and w.max() <= 127
    slots, y = _robust_slots("208", 40)
    r = G.run_beats(slots, p)
    for k in range(len(slots)):
        b = G.run_beat(slots[k].reshape(-1), p)
        assert b.cls == r.cls[k] and b.events == r.events[k]
        np.testing.assert_array_equal(b.v3, r.v3[k, -1])
    assert r.sat_any.sum() == 0
    assert r.cls.tolist() == EXPECTED_208
    assert int((r.cls == y)[y >= 0].sum()) == EXPECTED_208_RIGHT and int((y == 1).sum()) == EXPECTED_208_ABN


@pytest.mark.parametrize("split", ["intra", "inter"])
def test_robust_bank_heldout_confusion_matches_its_json(split):
    """The held-out beats (intra test split, DS2) on clean filtered windows: the golden model
    reproduces the confusion matrix recorded at export."""
    meta = G.load_meta(ROBUST)
    p = G.load_bank(split, "binary", ROBUST)
    bs = D.load_beats()
    te = (D.intra_patient_split(bs, seed=meta["seed"])[1] if split == "intra" else D.inter_patient_split(bs)[1])
    x = np.zeros((len(bs), bs.pre + bs.post), np.int16)
    for n in D.MITDB_RECORDS:
        sel = np.flatnonzero(bs.record == int(n))
        x[sel] = FE.filtered_windows(D.read_record(n).signal.astype(np.int64), bs.sample[sel], bs.pre, bs.post)
    y = D.binary_labels(bs.symbol[te])
    m = y >= 0
    slots = G.screen_inputs(E.encode_beats(x[te][m], E.EncoderConfig(20, 76)).slots,
                            RR.rr_bits(bs.record, bs.sample)[te][m])
    cls = G.run_beats(slots, p).cls
    cm = np.zeros((2, 2), np.int64)
    np.add.at(cm, (y[m], cls), 1)
    assert cm.tolist() == meta["results"][split]["binary"]["confusion"]


def test_robust_bank_corrupted_image_is_refused(tmp_path):
    """A threshold changed in the image no longer matches the JSON; a non-zero unused lane is
    refused by the strict layout check."""
    words = G.read_hex(ROBUST / "intra_binary.hex")
    (tmp_path / "snn_if.json").write_text((ROBUST / "snn_if.json").read_text())
    bad = list(words)
    bad[G.ADDR_PARAM] += 1                      # theta1 + 1
    G.write_hex(tmp_path / "intra_binary.hex", bad, "corrupted")
    with pytest.raises(ValueError, match="thresholds in the JSON"):
        G.load_bank("intra", "binary", tmp_path)
    bad = list(words)
    bad[G.ADDR_PARAM] |= 1 << 40
    G.write_hex(tmp_path / "intra_binary.hex", bad, "corrupted")
    with pytest.raises(ValueError, match="unused lanes of the parameter word"):
        G.load_bank("intra", "binary", tmp_path)


def test_gate_bench_filtered_windows_with_robust_bank():
    """scripts/quality_gate.py --windows filtered --params <robust>: on two records the JSON
    names the windows and banks, and the filtered windows remove the mains noise the raw ones
    suffer from."""
    def run(*extra):
        r = subprocess.run([sys.executable, str(ROOT / "scripts" / "quality_gate.py"), "--records", "119,208",
                            "--kinds", "pl", "--snrs", "6", "--splits", "intra", "--no-cascade", *extra],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout.strip().splitlines()[-1])
    raw = run()
    filt = run("--windows", "filtered", "--params", "golden/params/snn_if_robust")
    assert raw["windows"] == "raw" and raw["params"] == "golden/params/snn_if"
    assert filt["windows"] == "filtered" and filt["params"] == "golden/params/snn_if_robust"
    # the gate judges the raw windows in both runs
    assert filt["intra"]["pl6"]["unreadable"] == raw["intra"]["pl6"]["unreadable"]
    assert raw["intra"]["pl6"]["se_abn"] < 0.2 and filt["intra"]["pl6"]["se_abn"] > 0.8
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "quality_gate.py"), "--params", "/nonexistent"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and "no snn_if.json" in r.stderr
