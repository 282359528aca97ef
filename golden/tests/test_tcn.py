# SPDX-License-Identifier: Apache-2.0
"""Tests of the CNN+TCN (docs/tcn.md): the windows (golden/tcn_data.py), the image format
(golden/tcn_model.py), the network and its pruning (scripts/train_tcn.py), a smoke training run,
the committed images through the driver (MemoryBus) and their accuracy as scripts/eval_tcn.py
reports it, and the onnxruntime cross-check (scripts/tcn_onnx_check.py) with corrupted graphs and
a corrupted model that must fail."""

import copy
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from driver.cnn_ip import CnnIp, MemoryBus
from golden import cnn as G
from golden import cnn_data as C
from golden import tcn_data as T
from golden import tcn_model as TM
from golden.metrics import class_metrics, confusion

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import eval_tcn as EV  # noqa: E402
import tcn_onnx_check as K  # noqa: E402
import train_tcn as TT  # noqa: E402

SPLITS = ("intra", "inter")


@pytest.fixture(scope="module")
def windows():
    return T.load_tcn_windows()


@pytest.fixture(scope="module")
def images():
    return {s: TM.load_image(s) for s in SPLITS}


# ---------------------------------------------------------------- windows
def test_r_index_rounding_by_hand():
    # 125 Hz sample of a 360 Hz sample r: (25 r + 36) // 72, round half up
    assert T.r_index_125([0, 1, 2, 288, 360, 1000]).tolist() == [0, 0, 1, 100, 125, 347]
    with pytest.raises(T.TcnDataError):
        T.r_index_125([-1])


def test_window_geometry_and_edge_padding():
    sig = np.arange(2000, dtype=np.float64)
    w = T.cut_windows(sig, [1000, 10])
    assert w.shape == (2, T.WIN_LEN)
    assert w[0, T.R_INDEX] == 1000 and w[0, 0] == 1000 - T.R_INDEX and w[0, -1] == 1000 + 124
    assert (w[1, :T.R_INDEX - 10] == 0).all() and w[1, T.R_INDEX] == 10   # first sample repeated
    assert T.WIN_LEN - 1 - T.R_INDEX == C.BEAT_LEN - 1 - C.R_INDEX       # same end as the CNN beat
    with pytest.raises(T.TcnDataError):
        T.cut_windows(sig, [2000])


def test_resampled_pulse_lands_on_the_r_index():
    sig = np.zeros(360 * 10)
    r = 360 * 5
    sig[r - 36:r + 37] = np.hanning(73) * 500
    w = T.cut_windows(T.resample_record(sig), T.r_index_125([r]))
    assert int(np.argmax(w[0])) == T.R_INDEX


def test_quantize_windows_by_hand():
    b = np.full((1, T.WIN_LEN), 100.0)
    b[0, 10] = 112.5                      # 2.5 steps -> 2 (half to even)
    b[0, 11] = 117.5                      # 3.5 -> 4
    b[0, 12] = 100 + 5 * 200              # saturates at 127
    b[0, 13] = 100 - 5 * 129              # saturates at -128
    q = T.quantize_windows(b)
    assert q.dtype == np.int8 and q[0, 10] == 2 and q[0, 11] == 4
    assert q[0, 12] == 127 and q[0, 13] == -128 and (q[0, :10] == 0).all()
    with pytest.raises(T.TcnDataError):
        T.quantize_windows(np.zeros((1, 10)))


def _x(windows, image, idx):
    """The windows in the image's input format (channel 0 the ECG; 1 the R-peak marks)."""
    return windows.x[idx, :TM.input_shape(image)[0]]


def test_r_peak_channel_by_hand():
    # beats at 125 Hz samples 400 and 700; annotations at 100, 390, 400, 700, 950
    ch = T.r_peak_channel([400, 700], [100, 390, 400, 700, 950])
    assert ch.dtype == np.int8 and ch.shape == (2, T.WIN_LEN)
    assert np.flatnonzero(ch[0]).tolist() == [100 - 400 + T.R_INDEX, T.R_INDEX - 10, T.R_INDEX]
    assert np.flatnonzero(ch[1]).tolist() == [T.R_INDEX - 310, T.R_INDEX - 300, T.R_INDEX]  # 950: past the end
    assert (ch[ch != 0] == T.R_MARK).all()
    with pytest.raises(T.TcnDataError):
        T.load_tcn_windows(records=["100"], channels=3)


def test_windows_are_the_cnn_beats(windows):
    beats = C.load_cnn_beats()
    assert windows.x.shape == (len(beats), 2, T.WIN_LEN) and windows.x.dtype == np.int8
    assert np.array_equal(windows.sample, beats.sample) and np.array_equal(windows.y, beats.y)
    assert np.array_equal(windows.record, beats.record)
    for s in SPLITS:
        for a, b in zip(T.split_indices(windows, s), C.split_indices(beats, s)):
            assert np.array_equal(a, b)
    # recomputed from the record for a few beats of record 208
    sel = np.flatnonzero(windows.record == 208)[[0, 5, 500]]
    from golden import data as D
    rec = D.read_record("208")
    sig = T.resample_record(rec.signal)
    exp = T.quantize_windows(T.cut_windows(sig, T.r_index_125(windows.sample[sel])))
    assert np.array_equal(windows.x[sel, 0], exp)
    # the R-peak channel: every beat annotation of the record inside the window, by a loop
    ann = [int(r) for r, s in zip(rec.ann_sample, rec.ann_symbol) if s in D.BEAT_SYMBOLS]
    for i in sel:
        r = int(T.r_index_125([windows.sample[i]])[0])
        marks = sorted({int(T.r_index_125([a])[0]) - r + T.R_INDEX for a in ann} & set(range(T.WIN_LEN)))
        assert np.flatnonzero(windows.x[i, 1]).tolist() == marks
        assert T.R_INDEX in marks


# ---------------------------------------------------------------- network
def test_receptive_field_is_the_window():
    # conv0 k7: 7; pool0: +1 (jump 2); conv1 k5/2: +8 (jump 4); pool1: +4 (jump 8);
    # 4 blocks of two k3 convs at dilation d: +2*2*d*8 each -> 20 + 32*(1+2+4+8) = 500
    for arch in (TT.TEACHER, TT.STUDENT, TT.PRUNED):
        assert TT.receptive_field(TT.layer_specs(arch)) == 500 == T.WIN_LEN
    # three seconds of history: two preceding beats down to 40 bpm
    assert T.R_INDEX / T.FS >= 2 * 1.5


def test_layer_specs_fit_the_ip():
    caps = G.Caps()
    for arch in (TT.STUDENT, TT.PRUNED):
        specs = TT.layer_specs(arch)
        assert {d["kind"] for d in specs} == {"conv1d", "maxpool", "add", "dense"}
        assert all(d["pad"] == "causal" for d in specs if d["kind"] == "conv1d")
        assert max(d["cin"] for d in specs) <= caps.max_ch        # the dense input too


def test_add_ms_and_requant_ms():
    ma, mb, s = TT.add_ms(0.75, 1.3)
    assert abs(ma / 2 ** s - 0.75) < 2 ** -14 and abs(mb / 2 ** s - 1.3) < 2 ** -14
    assert max(ma, mb) <= 32767 and s <= 31
    m, s = TT.requant_ms(0.001234)
    assert m <= 65535 and (m % 2 == 1 or s == 0) and abs(m / 2 ** s / 0.001234 - 1) < 1e-4
    with pytest.raises(ValueError):
        TT.add_ms(1e-12, 1.0)


def test_pruning_equals_the_student_with_the_dropped_channels_zeroed():
    torch.set_num_threads(1)
    big = TT.TcnNet(TT.STUDENT, 5)
    with torch.no_grad():
        for p in big.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    small = TT.prune(big, TT.PRUNED, 6)
    # rebuild the kept sets as prune() chooses them, zero everything else in a copy of big
    M = big.mods
    k0 = torch.topk(TT._l1(M["conv0"].weight), TT.PRUNED["c0"]).indices
    writers = ["conv1"] + [f"b{i}_b" for i in range(4)]
    ks = torch.topk(sum(TT._l1(M[n].weight) / TT._l1(M[n].weight).mean() for n in writers),
                    TT.PRUNED["c"]).indices
    ki = [torch.topk(TT._l1(M[f"b{i}_a"].weight), TT.PRUNED["inner"][i]).indices for i in range(4)]
    z = copy.deepcopy(big)
    with torch.no_grad():
        def drop(name, keep):
            mask = torch.ones(z.mods[name].weight.shape[0], dtype=torch.bool)
            mask[keep] = False
            z.mods[name].weight[mask] = 0
            z.mods[name].bias[mask] = 0
        drop("conv0", k0)
        for n in writers:
            drop(n, ks)
        for i in range(4):
            drop(f"b{i}_a", ki[i])
    x = torch.randint(-128, 128, (4, 2, T.WIN_LEN)).float()
    z.eval()
    small.eval()
    assert torch.allclose(z(x), small(x), atol=1e-5)
    assert TT.n_params(small) < TT.n_params(big)


def test_smoke_training_exports_a_seeded_image(tmp_path):
    # two runs with one seed (separate processes: no salted hash may enter) give the same image
    for d in ("a", "b"):
        r = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_tcn.py"), "--smoke",
                            "--epochs", "1,1,1,1", "--out", str(tmp_path / d)], capture_output=True,
                           text=True, cwd=ROOT)
        assert r.returncode == 0, r.stdout + r.stderr
    image = TM.load_image(tmp_path / "a" / "intra.json")
    assert image["layers"] == TM.load_image(tmp_path / "b" / "intra.json")["layers"]
    tmp_path = tmp_path / "a"
    rep = json.loads((tmp_path / "intra_compression.json").read_text())
    assert [s["stage"].split()[0] for s in rep["stages"]] == ["teacher", "student", "pruned", "int8"]
    assert rep["stages"][0]["params"] > rep["stages"][1]["params"] > rep["stages"][2]["params"]
    assert image["training"]["val_beats"] > 0


# ---------------------------------------------------------------- image format
def _tiny_image():
    rng = np.random.default_rng(3)
    conv = dict(kind="conv1d", relu=True, src=None, stride=1, dilation=2, pad="causal",
                w=rng.integers(-9, 9, (2, 1, 3)).tolist(), bias=[0, 0], M=[300, 300], S=[12, 12])
    conv2 = dict(conv, relu=False, w=rng.integers(-9, 9, (2, 2, 3)).tolist())
    add = dict(kind="add", relu=True, src=0, src_b=1, ma=100, mb=90, shift=7)
    pool = dict(kind="maxpool", relu=False, src=None, kernel=4, stride=4)
    dense = dict(kind="dense", relu=False, src=None, w=rng.integers(-9, 9, (5, 2 * 125)).tolist(),
                 bias=[0] * 5, M=[200] * 5, S=[12] * 5)
    return {"classes": list(T.CLASSES), "layers": [conv, conv2, add, pool, dense]}


def test_image_format_runs_and_refuses_bad_images():
    img = _tiny_image()
    net = TM.to_layers(img)
    assert [l.kind for l in net] == [G.CONV1D, G.CONV1D, G.ADD, G.MAXPOOL, G.DENSE]
    x = np.random.default_rng(0).integers(-128, 128, (3, T.WIN_LEN)).astype(np.int8)
    outs = TM.run_layers(img, x)
    for b in range(3):
        ref = G.ref_run_network(net, x[b])
        for o, r in zip(outs, ref):
            assert np.array_equal(o[b].reshape(-1), np.asarray(r).reshape(-1))
    bad = []
    b1 = copy.deepcopy(img); b1["layers"][1]["kind"] = "lstm"; bad.append(b1)
    b2 = copy.deepcopy(img); del b2["layers"][2]["src_b"]; bad.append(b2)
    b3 = copy.deepcopy(img); b3["layers"][2]["src_b"] = 3; bad.append(b3)        # a later layer
    b4 = copy.deepcopy(img); b4["layers"][0]["pad"] = "reflect"; bad.append(b4)
    b5 = copy.deepcopy(img); b5["layers"][4]["w"] = [[0] * 250] * 4; bad.append(b5)  # 4 outputs
    b6 = copy.deepcopy(img); b6["layers"][3]["kernel"] = 2; b6["layers"][3]["stride"] = 1
    bad.append(b6)                                                     # dense CIN 2*499 > MAX_CH
    b7 = copy.deepcopy(img); b7["layers"][1]["w"][0][0][0] = 200; bad.append(b7)   # not int8
    b8 = copy.deepcopy(img); b8["layers"][2]["src"] = -1; bad.append(b8)           # 1x500 + 2x500
    for b in bad:
        with pytest.raises(TM.TcnImageError):
            TM.check_image(b)
    with pytest.raises(TM.TcnImageError):
        TM.load_image(ROOT / "build" / "no_such_tcn_image.json")
    with pytest.raises(TM.TcnImageError):
        TM.logits(img, x.astype(np.int16))


# ---------------------------------------------------------------- committed images
@pytest.mark.parametrize("split", SPLITS)
def test_committed_image_fits_the_ip(images, split):
    r = EV.resources(images[split])
    assert r["w_rows"] <= r["w_rows_cap"] and r["q_words"] <= r["q_words_cap"] and r["resident"]
    assert r["act_bytes_used"] <= r["act_bytes_cap"]
    assert r["cycles_conv_dense"] >= r["mac_bound"]
    assert images[split]["split"] == split and not images[split]["smoke"]


@pytest.mark.parametrize("split", SPLITS)
def test_committed_image_through_the_driver_is_bit_exact(images, windows, split):
    net = TM.to_layers(images[split])
    _, te = T.split_indices(windows, split)
    picks = te[np.linspace(0, len(te) - 1, 4).round().astype(int)]
    for caps in (G.Caps(), G.Caps(n_mac=4)):
        ip = CnnIp(MemoryBus(caps))
        plan = ip.load_network(net, TM.input_shape(images[split]))
        for b in picks:
            x = _x(windows, images[split], b)
            outs = ip.run_network(net, x, plan)
            gold = G.run_network(net, x)
            assert len(outs) == len(gold) == len(net)
            for o, g in zip(outs, gold):
                assert o.dtype == np.int8 and np.array_equal(o, g)


def test_a_model_ignoring_dilation_differs_from_the_driver(images, windows):
    # expect-fail of the comparison above: a corrupted model must not match the driver's maps
    net = TM.to_layers(images["intra"])
    bad = [dataclasses.replace(l, dilation=1) if l.kind == G.CONV1D else l for l in net]
    ip = CnnIp(MemoryBus())
    x = _x(windows, images["intra"], T.split_indices(windows, "intra")[1][0])
    outs = ip.run_network(net, x)
    corrupt = G.run_network(bad, x)
    differing = [i for i, (o, c) in enumerate(zip(outs, corrupt)) if not np.array_equal(o, c)]
    first_dilated = min(i for i, l in enumerate(net) if l.kind == G.CONV1D and l.dilation > 1)
    assert differing and differing[0] == first_dilated


@pytest.mark.parametrize("split", SPLITS)
def test_committed_image_accuracy_as_eval_reports_it(images, windows, split):
    res = EV.evaluate(split, 150)
    idx = EV.held_out(windows, split, 150)
    net = TM.to_layers(images[split])
    p = np.array([int(np.argmax(G.run_network(net, _x(windows, images[split], i))[-1][:, 0]))
                  for i in idx])
    m = class_metrics(confusion(windows.y[idx], p, 5))
    assert res["integer"]["acc"] == m["acc"]
    assert res["integer"]["confusion"] == m["confusion"].tolist()


# ---------------------------------------------------------------- onnxruntime
def test_onnx_check_agrees_on_real_windows(images):
    res = K.check("inter", 12, image=images["inter"], log=lambda s: None)
    assert res["ok"], res["totals"]
    t = res["totals"]
    assert t["diff_i_iso"] == t["diff_i_chain"] == 0 and t["acc_compared"] > 0
    assert t["elements"] > 12 * 10000
    assert {l["kind"] for l in res["layers"]} == {"conv1d", "maxpool", "add", "dense"}


@pytest.mark.parametrize("what", ["add_ma", "dilation"])
def test_onnx_integer_graph_catches_a_corrupted_graph(images, windows, what):
    image = images["inter"]
    layers = K.cnn_style(image)
    i = next(j for j, d in enumerate(layers) if (d["kind"] == "add" if what == "add_ma"
                                                   else d["kind"] == "conv1d" and d["dilation"] > 1))
    if what == "add_ma":
        layers[i]["ma"] += 1 << 8
    else:
        layers[i]["dilation"] = 1
    sess = K.CO.session(K.build(layers, "integer"))
    x = _x(windows, image, T.split_indices(windows, "inter")[1][:8])
    gold = TM.run_layers(image, x)
    outs = sess.run(None, {"x": x})[:len(layers)]
    assert all(np.array_equal(outs[j], gold[j]) for j in range(i))
    assert not np.array_equal(outs[i], gold[i])
