# SPDX-License-Identifier: Apache-2.0
"""Tests of the binary-CNN golden model (golden/bcnn.py), its data (golden/ecgid.py),
its training/export (scripts/train_bcnn.py) and the committed images.

The independent computation is torch ``conv1d`` on +-1 float32 weights and activations
(scripts/train_bcnn.py ``folded_forward``), exact at these ranges."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from golden import bcnn as G
from golden import data as D
from golden import ecgid as E

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

torch = pytest.importorskip("torch")
import train_bcnn as T  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _no_download(monkeypatch):
    monkeypatch.delenv(D.ENV_DOWNLOAD, raising=False)


def random_params(seed: int, n_classes: int = 7) -> G.BcnnParams:
    """A net with random weights and random batch norms (a third of the gammas negative,
    a few zero) folded into integer parameters."""
    torch.manual_seed(seed)
    net = T.BcnnNet(n_classes)
    with torch.no_grad():
        for i, bn in enumerate(net.bn):
            c = bn.num_features
            g = torch.empty(c).uniform_(0.2, 1.0) * torch.where(torch.rand(c) < 0.33, -1.0, 1.0)
            g[:2] = 0.0
            bn.weight.copy_(g)
            r = G.sum_range(i)
            bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.uniform_(-0.1 * r, 0.1 * r)
            bn.running_var.uniform_(0.01 * r * r / 100 + 1, 0.05 * r * r + 1)
        for w in list(net.w) + [net.wfc]:
            w.uniform_(-1, 1)
        net.bfc.uniform_(-40, 40)
    net.eval()
    return T.fold(net), net


@pytest.fixture(scope="module")
def ecgid():
    return E.load_ecgid()


def _beats(ecgid, n=24, seed=0):
    b = ecgid[0]
    idx = np.random.default_rng(seed).choice(len(b), n, replace=False)
    return b.x[idx]


# ---------------------------------------------------------------------------
# Golden layers against the independent torch computation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2])
def test_every_unit_equals_torch_conv1d(ecgid, seed):
    p, _ = random_params(seed)
    x = np.concatenate([_beats(ecgid, 20, seed),
                        np.full((1, 180), 127, np.int8), np.full((1, 180), -127, np.int8)])
    r = G.run(x, p, chunk=5)
    f = T.folded_forward(p, x)
    sums = (r.s1, r.d2, r.d3, r.d4)
    bits = (r.b1, r.b2, r.b3, r.b4)
    for i in range(4):
        np.testing.assert_array_equal(sums[i], f[f"s{i + 1}"].astype(np.int64))
        np.testing.assert_array_equal(bits[i].astype(np.int64) * 2 - 1, f[f"a{i + 1}"])
        assert 0.02 < bits[i].mean() < 0.98        # both bit values occur
    np.testing.assert_array_equal(r.p4.astype(np.int64) * 2 - 1, f["p4"])
    np.testing.assert_array_equal(r.scores, f["scores"].astype(np.int64))
    np.testing.assert_array_equal(r.cls, np.argmax(f["scores"], axis=1))
    s, c = G.classify(x, p)
    np.testing.assert_array_equal(s, r.scores)
    np.testing.assert_array_equal(c, r.cls)


def test_popcount_formulation_equals_signed_dot():
    """d = 2 * popcount(XNOR) - n equals the +-1 dot product, word boundaries included."""
    p, _ = random_params(3)
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, (3, 128, 30)).astype(np.uint8)
    d, _ = G.conv_bin(a, 1, p)
    pm = a.astype(np.int64) * 2 - 1
    win = np.lib.stride_tricks.sliding_window_view(pm, G.K, axis=2)  # [B, C, L, K]
    ref = np.einsum("bclk,fck->bfl", win, p.w[1].astype(np.int64))
    np.testing.assert_array_equal(d, ref)


def test_corrupted_weight_is_caught(ecgid):
    """Expect-fail check of the comparison: one flipped conv3 weight changes conv3 sums."""
    p, _ = random_params(4)
    x = _beats(ecgid, 4, 4)
    w3 = p.w[2].copy()
    w3[5, 17, 3] *= -1
    bad = G.BcnnParams((p.w[0], p.w[1], w3, p.w[3]), p.t, p.flip, p.wfc, p.bfc)
    r = G.run(x, bad)
    f = T.folded_forward(p, x)
    np.testing.assert_array_equal(r.d2, f["s2"].astype(np.int64))
    assert not np.array_equal(r.d3, f["s3"].astype(np.int64))
    assert np.array_equal(r.d3[:, np.arange(128) != 5], f["s3"][:, np.arange(128) != 5])


def test_pool_after_threshold_equals_float_pool_of_bn(ecgid):
    """The unfolded float net pools the batch-norm output, then takes the sign; the integer
    model thresholds (with the flip of negative gammas), then ORs: identical bits."""
    p, net = random_params(5)
    assert any(np.any(f == 1) for f in p.flip)
    x = _beats(ecgid, 16, 5)
    with torch.no_grad():
        acts = net.features(torch.as_tensor(x, dtype=torch.float32))
    r = G.run(x, p)
    for i, b in enumerate((r.b1, r.b2, r.b3, r.p4)):
        np.testing.assert_array_equal(b.astype(np.int64) * 2 - 1, acts[i].numpy())


# ---------------------------------------------------------------------------
# Threshold folding
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("layer", [0, 1, 3])
def test_fold_threshold_exhaustive(layer):
    rng = np.random.default_rng(layer)
    r = G.sum_range(layer)
    n = 64
    gamma = rng.uniform(0.1, 2, n) * rng.choice([-1, 1], n)
    gamma[:4] = 0.0
    beta = rng.uniform(-1, 1, n)
    beta[:4] = (0.5, -0.5, 0.0, -1e-9)
    mean = rng.uniform(-r, r, n)
    var = rng.uniform(0.5, r, n)
    # tau exactly an integer (beta = 0, integer mean), both gamma signs: s = tau gives BN = 0,
    # which is +1 for either sign.
    beta[4:8], mean[4:8] = 0.0, (3.0, -5.0, 3.0, -5.0)
    gamma[4:8] = (1.0, 1.0, -1.0, -1.0)
    # tau far outside the sum range (clamping).
    mean[8], beta[8], gamma[8] = 10 * r, 0.0, 1.0
    mean[9], beta[9], gamma[9] = 10 * r, 0.0, -1.0
    t, flip = G.fold_threshold(gamma, beta, mean, var, 1e-5, layer)
    s = np.arange(-r, r + 1)[:, None]
    bn = gamma * (s - mean) / np.sqrt(var + 1e-5) + beta
    want = (bn >= 0).astype(np.uint8)
    got = (s >= t).astype(np.uint8) ^ flip
    np.testing.assert_array_equal(got, want)
    assert np.all(flip[gamma < 0] == 1) and np.all(flip[gamma >= 0] == 0)
    assert t.min() >= -r and t.max() <= r + 1
    assert np.all(want[:, 0] == 1) and np.all(want[:, 1] == 0)      # gamma 0: constant


# ---------------------------------------------------------------------------
# Argmax ties
# ---------------------------------------------------------------------------

def test_argmax_ties_lowest():
    s = np.array([[3, 7, 7, 1], [5, 5, 5, 5], [-2, -9, -2, -3], [0, 1, 2, 2]])
    np.testing.assert_array_equal(G.argmax_low(s), [1, 0, 0, 2])


def test_tie_between_identical_classes_goes_to_lower(ecgid):
    p, _ = random_params(6, n_classes=5)
    wfc = p.wfc.copy()
    bfc = p.bfc.copy()
    wfc[3] = wfc[1]
    bfc[3] = bfc[1] = 10 ** 4        # classes 1 and 3 tie above every other score
    q = G.BcnnParams(p.w, p.t, p.flip, wfc, bfc)
    s, c = G.classify(_beats(ecgid, 6, 6), q)
    assert np.all(s[:, 1] == s[:, 3]) and np.all(c == 1)


# ---------------------------------------------------------------------------
# Memory image
# ---------------------------------------------------------------------------

def test_image_round_trip_and_size(tmp_path):
    p, _ = random_params(7, n_classes=50)
    words = G.pack_image(p)
    # the paper's 57,200 bytes for 50 classes plus our 3 words of header and checksum
    assert 8 * len(words) == 57200 + 3 * 8
    G.write_hex(tmp_path / "x.hex", words, "test")
    q = G.unpack_image(G.read_hex(tmp_path / "x.hex"))
    for a, b in zip(p.w + p.t + p.flip, q.w + q.t + q.flip):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(p.wfc, q.wfc)
    np.testing.assert_array_equal(p.bfc, q.bfc)
    off = G.section_offsets(50)
    # conv2 filter 0, tap 0, channels 0..63 = word off["conv2"], bit c = channel c
    w0 = words[off["conv2"]]
    assert [(w0 >> c) & 1 for c in range(64)] == list((p.w[1][0, :64, 0] > 0).astype(int))
    w1 = words[off["conv2"] + 1]                     # tap 0, channels 64..127
    assert [(w1 >> c) & 1 for c in range(64)] == list((p.w[1][0, 64:, 0] > 0).astype(int))
    tw = words[off["conv2"] + 14]                    # threshold word of filter 0
    assert G._sfield(tw) == p.t[1][0] and (tw >> 32) & 1 == p.flip[1][0]


def _corrupt(words, i, v):
    w = list(words)
    w[i] = v
    chk = 0
    for x in w[:-1]:
        chk ^= x
    w[-1] = chk
    return w


def test_malformed_images_are_named():
    p, _ = random_params(8, n_classes=3)
    w = G.pack_image(p)
    off = G.section_offsets(3)
    cases = {
        "magic": _corrupt(w, 0, w[0] ^ (1 << 40)),
        "N_CLASSES": _corrupt(w, 0, (w[0] & ~0xFFFF) | (G.N_CLASSES_MAX + 1)),
        "word count": _corrupt(w, 1, w[1] + 1),
        "checksum": w[:-1] + [w[-1] ^ 1],
        "above tap 6": _corrupt(w, off["conv1"], w[off["conv1"]] | (1 << 9)),
        "reserved bits": _corrupt(w, off["conv1"] + 1, w[off["conv1"] + 1] | (1 << 40)),
        "thresholds": _corrupt(w, off["conv2"] + 14, 5000),
    }
    for what, bad in cases.items():
        with pytest.raises(G.ImageError, match=what):
            G.unpack_image(bad)
    with pytest.raises(G.ImageError, match="words given"):
        G.unpack_image(w[:-2])


def test_hex_reader_rejects_short_words(tmp_path):
    f = tmp_path / "bad.hex"
    f.write_text("// c\n0123456789abcdef\n123\n")
    with pytest.raises(G.ImageError, match="16 digits"):
        G.read_hex(f)


def test_beats_out_of_range_rejected():
    p, _ = random_params(9, n_classes=2)
    with pytest.raises(ValueError, match="-127, 127"):
        G.run(np.full((1, 180), -128), p)
    with pytest.raises(ValueError, match="shape"):
        G.run(np.zeros((1, 179), np.int8), p)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def test_ecgid_defective_span_skipped(ecgid):
    beats, rep = ecgid
    assert rep["defective_records"] == len(D.ECGID_DEFECTIVE) == 11
    assert rep["defective_frames_skipped"] == sum(D.ECGID_DEFECTIVE.values())
    assert rep["annotated_r"] == 3100
    for rel, n in D.ECGID_DEFECTIVE.items():
        i = beats.records.index(rel)
        assert tuple(beats.span[i]) == (n, 10000)
        r = beats.r[beats.record == i]
        assert r.size > 0 and np.all(r - E.WIN_PRE * 500 / 300 >= n)


def test_ecgid_windows_are_the_resampled_signal(ecgid):
    """Recompute one beat from the record with scipy and the documented quantisation."""
    from scipy.signal import resample_poly
    beats, _ = ecgid
    k = int(np.flatnonzero(beats.record == beats.records.index("Person_13/rec_2"))[3])
    rec = D.read_ecgid_record("Person_13/rec_2", verify=False, channel=1)
    y = resample_poly(rec.signal[2048:].astype(np.float64), 3, 5)
    c = int(round((beats.r[k] - 2048) * 3 / 5))
    w = y[c - 60:c + 120]
    d = w - np.median(w)
    want = np.clip(np.rint(127 * d / np.abs(d).max()), -127, 127)
    np.testing.assert_array_equal(beats.x[k], want.astype(np.int8))
    assert np.abs(beats.x).max() == 127


def test_defect_span_mismatch_is_named(monkeypatch):
    monkeypatch.setitem(D.ECGID_DEFECTIVE, "Person_01/rec_1", 1024)
    with pytest.raises(E.DefectSpanMismatch, match="Person_01/rec_1"):
        E.read_ecgid("Person_01/rec_1")


def test_malformed_ecgid_record_is_named(tmp_path):
    db = D.ecgiddb_dir()
    dst = tmp_path / "Person_01"
    dst.mkdir()
    for ext in (".hea", ".dat", ".atr"):
        shutil.copyfile(db / "Person_01" / ("rec_1" + ext), dst / ("rec_1" + ext))
    hea = dst / "rec_1.hea"
    good = hea.read_text()
    hea.write_text(good.replace("# ECG date: 07.12.2004", "# ECG date: 31.13.2004"))
    with pytest.raises(E.DateMalformed, match="bad ECG date"):
        E.ecgid_date("Person_01/rec_1", tmp_path)
    hea.write_text(good.replace("rec_1 2 500 10000", "rec_1 2 fivehundred 10000"))
    with pytest.raises(D.HeaderMalformed):
        E.read_ecgid("Person_01/rec_1", tmp_path)
    hea.write_text(good)
    (dst / "rec_1.dat").write_bytes((dst / "rec_1.dat").read_bytes()[:1000])
    with pytest.raises(D.SignalTruncated):
        E.read_ecgid("Person_01/rec_1", tmp_path)


def test_protocols(ecgid):
    beats, _ = ecgid
    tr, te, cl = E.split(beats, "within")
    assert len(cl) == 90 and not set(tr) & set(te)
    lo, hi = E._win_bounds(beats)
    cut = beats.span[beats.record, 0] + E.WITHIN_FRAC * np.diff(beats.span, axis=1)[beats.record, 0]
    assert np.all(hi[tr] <= cut[tr]) and np.all(lo[te] >= cut[te])
    tr, te, cl = E.split(beats, "cross")
    assert len(cl) == 89 and "Person_74" not in [beats.subjects[c] for c in cl]
    assert not set(beats.record[tr]) & set(beats.record[te])
    for rt in np.unique(beats.record[te]):
        person = E._person(beats.records[rt])
        key = (E.ecgid_date(beats.records[rt]), E._rec_number(beats.records[rt]))
        for q in np.unique(beats.record[tr]):
            if E._person(beats.records[q]) == person:
                assert (E.ecgid_date(beats.records[q]), E._rec_number(beats.records[q])) < key
    g = E.groups_of_three(beats, te)
    assert np.all(beats.record[te][g] == beats.record[te][g[:, :1]])
    assert np.all(np.diff(beats.r[te][g], axis=1) > 0)
    with pytest.raises(E.ProtocolError, match="unknown protocol"):
        E.split(beats, "random")
    with pytest.raises(E.ProtocolError, match="ECG-ID only"):
        E.split(E.IdBeats(beats.x[:0], beats.subject[:0], beats.record[:0], beats.r[:0],
                          ("100",), ("100",), np.zeros((1, 2), np.int64), 360, "mitdb"),
                "cross")


def test_mitdb_subjects():
    b = E.load_mitdb()
    assert len(b.subjects) == 47 and "202" not in b.subjects
    s201 = b.subjects.index("201")
    recs = {b.records[r] for r in np.unique(b.record[b.subject == s201])}
    assert recs == {"201", "202"}
    tr, te, cl = E.split(b, "within")
    assert len(cl) == 47 and not set(tr) & set(te)
    n = np.bincount(b.record[te], minlength=48)
    assert n.max() == E.MITDB_TEST_PER_RECORD
    for rr in range(48):      # the test beats are the first ones after the cut
        r_te = b.r[te][b.record[te] == rr]
        later = b.r[(b.record == rr) & (b.r > r_te.max())]
        assert r_te.size == min(E.MITDB_TEST_PER_RECORD, r_te.size + later.size)


# ---------------------------------------------------------------------------
# Training smoke run and the committed images
# ---------------------------------------------------------------------------

def test_training_smoke_exports_loadable_image(tmp_path):
    assert T.main(["--db", "ecgid", "--protocol", "within", "--epochs", "1", "--subjects", "4",
                   "--max-train", "48", "--out", str(tmp_path)]) == 0
    p, meta = G.load("ecgid", "within", tmp_path)
    assert p.n_classes == meta["n_classes"] == 4
    assert meta["classes"] == ["Person_01", "Person_02", "Person_03", "Person_04"]
    b, _ = E.load_ecgid()
    _, te, _ = E.split(b, "within")
    x = b.x[te[np.isin(b.subject[te], [0, 1, 2, 3])][:16]]
    s, _ = G.classify(x, p)
    np.testing.assert_array_equal(s, T.folded_forward(p, x)["scores"].astype(np.int64))


def test_validation_carve_out_is_the_later_part_of_each_record():
    b, _ = E.load_ecgid()
    tr, te, _ = E.split(b, "within")
    kept, val = T.carve_val(b, tr, 0.2)
    assert np.intersect1d(kept, val).size == 0
    assert np.array_equal(np.sort(np.concatenate([kept, val])), np.sort(tr))
    assert np.intersect1d(val, te).size == 0
    for r in np.unique(b.record[val])[:20]:
        k, v = kept[b.record[kept] == r], val[b.record[val] == r]
        assert b.r[k].max() < b.r[v].min()          # validation beats come later in time
        n = k.size + v.size
        assert v.size == max(1, int(round(0.2 * n)))
    k0, v0 = T.carve_val(b, tr, 0.0)
    assert v0.size == 0 and np.array_equal(k0, tr)


def test_shift_augmentation_moves_the_window_and_keeps_int8():
    import torch
    x = torch.where(torch.arange(180) >= 90, 100.0, -100.0).repeat(256, 1)
    y = T._augment(x, torch.Generator().manual_seed(3), shift=4)
    assert y.shape == x.shape
    assert float(y.abs().max()) <= G.IN_MAX and torch.equal(y, torch.round(y))
    step = (y >= 0).to(torch.int64).argmax(dim=1)        # first non-negative sample
    assert bool(((step >= 86) & (step <= 94)).all())     # moved by at most 4 samples
    assert set(step.tolist()) == set(range(86, 95))      # every shift -4..4 occurs
    y0 = T._augment(x, torch.Generator().manual_seed(3), shift=0)
    assert bool(((y0 >= 0).to(torch.int64).argmax(dim=1) == 90).all())


def test_training_with_validation_keeps_the_best_epoch(tmp_path):
    assert T.main(["--db", "ecgid", "--protocol", "within", "--epochs", "2", "--subjects", "4",
                   "--max-train", "64", "--val-frac", "0.25", "--shift", "3",
                   "--out", str(tmp_path)]) == 0
    p, meta = G.load("ecgid", "within", tmp_path)
    assert meta["val_beats"] > 0 and meta["kept_epoch"] in (1, 2)
    accs = [h["val_acc"] for h in meta["history"]]
    assert meta["val_acc_integer"] == max(accs)
    assert accs[meta["kept_epoch"] - 1] == max(accs)
    assert "--val-frac 0.25" in meta["command"] and "--shift 3" in meta["command"]


COMMITTED = sorted(G.PARAMS_DIR.glob("*.hex")) if G.PARAMS_DIR.is_dir() else []


@pytest.mark.parametrize("hexfile", COMMITTED, ids=[h.stem for h in COMMITTED])
def test_committed_image_matches_torch_on_test_beats(hexfile):
    db, protocol = hexfile.stem.split("_")
    p, meta = G.load(db, protocol)
    b = E.load(db)
    _, te, cl = E.split(b, protocol)
    assert [b.subjects[c] for c in cl] == meta["classes"]
    x = b.x[te[np.linspace(0, te.size - 1, 48).astype(np.int64)]]
    r = G.run(x, p)
    f = T.folded_forward(p, x)
    np.testing.assert_array_equal(r.s1, f["s1"].astype(np.int64))
    np.testing.assert_array_equal(r.d4, f["s4"].astype(np.int64))
    np.testing.assert_array_equal(r.scores, f["scores"].astype(np.int64))
