# SPDX-License-Identifier: Apache-2.0
"""Tests of the CNN network side: beats (golden/cnn_data.py), the image format
(golden/cnn_model.py), the export arithmetic and a smoke run of scripts/train_cnn.py, the
committed images' accuracy as scripts/eval_cnn.py reports it, and the onnxruntime cross-check
(scripts/cnn_onnx_check.py) with a corrupted graph that must fail it."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from golden import cnn as G
from golden import cnn_data as C
from golden import cnn_model as M
from golden.metrics import class_metrics, confusion

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import cnn_onnx_check as K  # noqa: E402
import eval_cnn as EV  # noqa: E402
import train_cnn as T  # noqa: E402


# ---------------------------------------------------------------- beats
def test_window_puts_the_r_peak_at_index_62():
    # a narrow pulse at the 360 Hz R peak lands on index 62 of the 125 Hz beat
    x = np.zeros((3, C.PRE_360 + C.POST_360))
    x[0, C.PRE_360] = 1000.0
    x[1, C.PRE_360 - 36:C.PRE_360 + 37] = np.hanning(73) * 500      # wider bump, same centre
    x[2] = 7.0                                                      # a constant stays constant
    b = C.resample_beats(x)
    assert b.shape == (3, C.BEAT_LEN)
    assert int(np.argmax(b[0])) == C.R_INDEX and int(np.argmax(b[1])) == C.R_INDEX
    assert np.abs(b[2] - 7.0).max() < 1e-3          # the FIR keeps the level (ripple only)


def test_quantize_input_by_hand():
    b = np.zeros((2, C.BEAT_LEN))
    b[0, :] = 100.0                       # baseline (median) 100 is removed
    b[0, 10] = 100 + 12.5                 # 2.5 steps: half to even -> 2
    b[0, 11] = 100 + 17.5                 # 3.5 -> 4
    b[0, 12] = 100 + 5 * 200              # 200 steps: saturates at 127
    b[0, 13] = 100 - 5 * 129              # -129: saturates at -128
    b[0, 14] = 100 - 5 * 128              # -128 exactly
    b[1, :] = np.arange(C.BEAT_LEN) * 5.0  # median 93 * 5 = 465
    q = C.quantize_input(b)
    assert q.dtype == np.int8
    assert q[0, 10] == 2 and q[0, 11] == 4 and q[0, 12] == 127 and q[0, 13] == -128
    assert q[0, 14] == -128 and (q[0, :10] == 0).all()
    assert q[1, 0] == -93 and q[1, 93] == 0 and q[1, -1] == 93


def test_data_errors_are_named():
    with pytest.raises(C.CnnDataError):
        C.resample_beats(np.zeros((2, 100)))
    with pytest.raises(C.CnnDataError):
        C.quantize_input(np.zeros((2, 186)))
    with pytest.raises(C.CnnDataError):
        C.split_indices(C.load_cnn_beats(records=("100",)), "random")


def test_real_beats_and_splits():
    bt = C.load_cnn_beats(records=("100", "102", "208"))
    assert bt.x.dtype == np.int8 and bt.x.shape[1] == C.BEAT_LEN
    assert set(np.unique(bt.y)) <= set(range(5)) and (bt.y == 4).any()   # 102 is paced: Q
    # the median sample is the baseline: 0 after quantization in nearly every beat
    assert np.mean(np.median(bt.x, axis=1) == 0) > 0.99
    tr, te = C.split_indices(bt, "intra")
    assert len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == len(bt)
    a, b = C.split_indices(bt, "inter")
    assert (bt.record[a] == 208).all() and (bt.record[b] == 100).all()   # 102 in neither


# ---------------------------------------------------------------- export arithmetic
@pytest.mark.parametrize("r", [1e-9, 3.1e-5, 0.00123, 0.5, 0.7771, 1.0, 3.0, 65535.0])
def test_requant_ms_approximates_the_ratio(r):
    m, s = T.requant_ms(r)
    assert 1 <= m <= 65535 and 0 <= s <= 47
    assert m % 2 == 1 or s == 0
    # as close as a 16-bit multiplier allows at the largest usable shift
    assert abs(m / 2 ** s - r) <= 2 ** -16 * r + 2 ** -48


def test_requant_ms_errors():
    for bad in (0.0, -1.0, 70000.0, 1e-16):
        with pytest.raises(ValueError):
            T.requant_ms(bad)


def test_arch_fits_the_default_memories():
    t = T.resource_totals(T.layer_shapes())
    convs = [d for d in T.layer_shapes() if d["kind"] == "conv1d"]
    assert len(convs) == 8 and all(d["cout"] == 16 for d in convs)
    assert sum(d["kind"] == "dense" for d in T.layer_shapes()) == 2
    assert t["w_rows"] <= T.W_ROWS and t["q_words"] <= T.Q_WORDS
    assert t["act_bytes_pair"] <= T.ACT_BYTES
    # the rows are golden/cnn.py's count for the same descriptors
    rows = sum(G.weight_rows(G.Descriptor(G.CONV1D if d["kind"] == "conv1d" else G.DENSE,
                                          d["cin"], d["cout"], d["len_in"], d["kernel"]), T.N_MAC)
               for d in T.layer_shapes() if d["kind"] != "maxpool")
    assert rows == t["w_rows"]


# ---------------------------------------------------------------- image format
@pytest.fixture(scope="module")
def intra_image():
    return M.load_image("intra")


def test_image_check_names_the_problem(intra_image):
    def bad(path, value):
        im = copy.deepcopy(intra_image)
        obj = im
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value
        with pytest.raises(M.CnnImageError):
            M.check_image(im)

    bad(["layers", 0, "w", 0, 0, 0], 128)
    bad(["layers", 0, "S", 0], 48)
    bad(["layers", 0, "M", 0], 65536)
    bad(["layers", 0, "bias", 0], 1 << 30)
    bad(["layers", 0, "pad"], "mirror")
    bad(["layers", 1, "cin"], 15)
    bad(["layers", 2, "dilation"], 2)
    bad(["layers", 0, "kind"], "conv2d")
    with pytest.raises(M.CnnImageError):
        M.load_image(ROOT / "no_such_image.json")
    with pytest.raises(M.CnnImageError):
        M.logits(intra_image, np.zeros((2, 100), np.int8))


def test_image_descriptors_match_golden(intra_image):
    """Every layer's LEN_OUT by the image's rule equals golden/cnn.py's, and run_network's
    output shapes follow the descriptors."""
    net = M.to_layers(intra_image)
    outs = G.run_network(net, np.zeros(C.BEAT_LEN, np.int8))
    for d, o in zip(intra_image["layers"], outs):
        assert o.shape == (d["cout"], M.len_out(d))


# ---------------------------------------------------------------- training smoke run
def test_smoke_training(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_cnn.py"), "--smoke",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    im = M.load_image(tmp_path / "intra.json")
    assert im["smoke"] and im["split"] == "intra" and im["training"]["epochs"] == 1
    assert "val_acc_integer" in im["training"]
    # the image runs on the integer model and the float weights load
    x = C.load_cnn_beats(records=("100",)).x[:5]
    assert M.predict(im, x).shape == (5,)
    net = T.load_float(tmp_path / "intra_float.npz")
    assert T.predict(net, x).shape == (5,)


# ---------------------------------------------------------------- committed images
@pytest.mark.parametrize("split", C.SPLITS)
def test_committed_accuracy_equals_eval_report(split, tmp_path):
    """eval_cnn.py's figures on 150 fixed held-out beats, recomputed here from golden/cnn.py's
    run_network layer by layer (not through cnn_model.predict)."""
    js = tmp_path / "eval.json"
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "eval_cnn.py"), "--split", split,
                          "--beats", "150", "--no-float", "--json", str(js)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    rep = json.loads(js.read_text())
    im = M.load_image(split)
    assert not im["smoke"] and (ROOT / "golden" / "params" / "cnn" / f"{split}.json").stat().st_size < 100_000
    bt = C.load_cnn_beats()
    idx = EV.held_out(bt, split, 150)
    _, te = C.split_indices(bt, split)
    assert len(idx) == 150 and np.isin(idx, te).all()
    net = M.to_layers(im)
    pred = []
    for xb in bt.x[idx]:
        logit = G.run_network(net, xb)[-1][:, 0].astype(np.int64)
        pred.append(int(np.flatnonzero(logit == logit.max())[0]))
    m = class_metrics(confusion(bt.y[idx], np.array(pred), C.N_CLASSES))
    assert rep["integer"]["confusion"] == m["confusion"].tolist()
    assert rep["integer"]["acc"] == m["acc"] and rep["integer"]["macro_f1"] == m["macro_f1"]
    assert rep["integer"]["beats"] == 150


# ---------------------------------------------------------------- onnxruntime cross-check
def test_onnx_cross_check_on_held_out_beats():
    res = K.check("intra", 20, log=lambda *a: None)
    t = res["totals"]
    assert res["ok"], res
    assert t["diff_i_iso"] == t["diff_i_chain"] == t["acc_i_vs_golden"] == 0
    assert t["q_vs_f32_model"] == 0 and t["diff_q_iso_other"] == 0
    assert t["elements"] == 20 * sum(d["cout"] * M.len_out(d) for d in M.load_image("intra")["layers"])


def test_onnx_cross_check_fails_on_a_corrupted_graph(intra_image):
    """expect-fail: one weight changed in the ONNX graph (not in the golden image) is caught
    by the integer-graph comparison, and one M changed is caught in the requantization."""
    x = C.load_cnn_beats(records=("208",)).x[:8]
    gold = M.run_layers(intra_image, x)

    # the busiest output channel of layer 3 and its busiest input channel (not a dead channel)
    co = int(np.abs(gold[3].astype(np.int64)).sum(axis=(0, 2)).argmax())
    ci = int(np.abs(gold[2].astype(np.int64)).sum(axis=(0, 2)).argmax())

    def flip_weight(d):                   # one weight of layer 3 to the far end of int8
        d["w"][co][ci][2] = -127 if d["w"][co][ci][2] >= 0 else 127

    def double_scale(d):                  # every channel of layer 9 requantized with S - 1
        d["S"] = [s - 1 if s > 0 else s + 1 for s in d["S"]]

    for layer, change in ((3, flip_weight), (9, double_scale)):
        sess = K.session(K.build(intra_image["layers"], "integer", layer)[0])
        assert (sess.run(None, {"x": gold[layer - 1]})[0] == gold[layer]).all()
        layers = copy.deepcopy(intra_image["layers"])
        change(layers[layer])
        sess = K.session(K.build(layers, "integer", layer)[0])
        assert (sess.run(None, {"x": gold[layer - 1]})[0] != gold[layer]).sum() > 0, change.__name__
