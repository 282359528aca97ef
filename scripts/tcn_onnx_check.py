#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent cross-check of the int8 CNN+TCN: onnxruntime against golden/cnn.py, every layer.

    .venv/bin/python scripts/tcn_onnx_check.py --split intra               # every intra test beat
    .venv/bin/python scripts/tcn_onnx_check.py --split inter               # all of DS2
    .venv/bin/python scripts/tcn_onnx_check.py --split inter --beats 500   # 500 evenly spaced

scripts/cnn_onnx_check.py's approach (its graph builders are reused for CONV1D, DENSE and
MAXPOOL) extended to the TCN's layers: causal dilated and strided convolutions (ONNX ``pads``
[left, right] = [(K-1)*D, 0], ``dilations``, ``strides``), the residual ADD and the graph's
skip connections (each layer reads the output of the layer its ``src``/``src_b`` names).

* ``integer`` graph, which must agree exactly: ConvInteger / MatMulInteger, the contract's
  requantization in int64 (docs/cnn.md), and ADD as ``Cast`` int64, ``Mul`` MA and MB, ``Add``,
  the same exact round-half-up shift, ``Clip`` (0 with ReLU), ``Cast`` int8.
* ``qlinear`` graph, the int8 operators users deploy: QLinearConv as in cnn_onnx_check.py, and
  ADD as ``DequantizeLinear(a, MA/2^S) + DequantizeLinear(b, MB/2^S)`` in float32, then
  ``QuantizeLinear`` (scale 1, zero point 0: round half to even, saturate) and the ReLU clip.
  Its differences from the contract are classified as in cnn_onnx_check.py; for ADD, a*MA and
  b*MB (|.| < 2^22) and their sum are exact in float32, so the only possible difference is an
  *exact tie* ((a*MA + b*MB) mod 2^S = 2^(S-1), rounded to even instead of up).

Each graph runs isolated (every layer fed golden/cnn.py's own inputs of that layer) and chained
(the whole network from the window; decisions compared).  Exit status 1 on any integer-graph
difference, or any QLinear difference that is neither kind.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import onnx  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

import cnn_onnx_check as CO  # noqa: E402
from golden import cnn as G  # noqa: E402
from golden import tcn_data as T  # noqa: E402
from golden import tcn_model as TM  # noqa: E402

OPSET = CO.OPSET
BIG = CO.BIG


def cnn_style(image: dict) -> list:
    """The image's layers as the dicts cnn_onnx_check.py's builders read (kernel, cin, cout,
    len_in, w [cout][cin][K] also for dense), with the shapes the network gives them."""
    net = TM.to_layers(image)
    out, shapes = [], []
    for i, (layer, d) in enumerate(zip(net, image["layers"])):
        a, b = G.layer_sources(net, i)
        sa = TM.input_shape(image) if a == -1 else shapes[a]
        desc = layer.descriptor(sa)
        e = dict(d, kind=d["kind"], cin=desc.cin, cout=desc.cout, len_in=desc.len_in,
                 kernel=desc.kernel, stride=desc.stride, dilation=desc.dilation,
                 pad={G.VALID: "valid", G.SAME: "same", G.CAUSAL: "causal"}[desc.pad],
                 relu=bool(layer.relu), a=a, b=b, len_out=G.len_out(desc),
                 in_ch=TM.input_shape(image)[0])
        if d["kind"] == "dense":
            e["w"] = np.asarray(d["w"], np.int64)[:, :, None].tolist()
        out.append(e)
        shapes.append((desc.cout, G.len_out(desc)))
    return out


def _out_shape(d):
    return [None, d["cout"], 1 if d["kind"] == "dense" else d["len_out"]]


def _in_shape(layers, j):
    return [None, layers[0]["in_ch"], T.WIN_LEN] if j == -1 else _out_shape(layers[j])


def add_integer(g, d, a, b):
    ma, mb, s = int(d["ma"]), int(d["mb"]), int(d["shift"])
    p = g.op("Add", [g.op("Mul", [g.op("Cast", [a], to=TensorProto.INT64), g.const(np.array(ma, np.int64))]),
                     g.op("Mul", [g.op("Cast", [b], to=TensorProto.INT64), g.const(np.array(mb, np.int64))])])
    half = (1 << (s - 1)) if s > 0 else 0
    q = g.op("Add", [p, g.const(np.array(half + BIG, np.int64))])
    r = g.op("BitShift", [g.op("Cast", [q], to=TensorProto.UINT64), g.const(np.array(s, np.uint64))],
             direction="RIGHT")
    r = g.op("Sub", [g.op("Cast", [r], to=TensorProto.INT64), g.const(np.array(BIG >> s, np.int64))])
    return g.op("Cast", [CO._clip8(g, r, bool(d["relu"]), np.int64)], to=TensorProto.INT8)


def add_qlinear(g, d, a, b):
    s = int(d["shift"])
    sa = np.array(d["ma"] / 2.0 ** s, np.float32)
    sb = np.array(d["mb"] / 2.0 ** s, np.float32)
    assert float(sa) * 2.0 ** s == d["ma"] and float(sb) * 2.0 ** s == d["mb"]
    z8 = g.const(np.array(0, np.int8))
    fa = g.op("DequantizeLinear", [a, g.const(sa), z8])
    fb = g.op("DequantizeLinear", [b, g.const(sb), z8])
    y = g.op("QuantizeLinear", [g.op("Add", [fa, fb]), g.const(np.array(1.0, np.float32)), z8])
    return CO._clip8(g, y, True, np.int8) if d["relu"] else y


def build(layers: list, flavour: str, isolated_layer: int | None = None):
    """ONNX model of the whole network (every layer an output; 'integer' also every accumulator)
    or of one layer fed its golden inputs (``x`` and, for ADD, ``x_b``)."""
    g = CO._G(flavour[0])
    accs, outs = [], []
    if isolated_layer is None:
        names = {-1: "x"}
        inputs = [helper.make_tensor_value_info("x", TensorProto.INT8, _in_shape(layers, -1))]
        idx = range(len(layers))
    else:
        d = layers[isolated_layer]
        names = {d["a"]: "x"}
        inputs = [helper.make_tensor_value_info("x", TensorProto.INT8, _in_shape(layers, d["a"]))]
        if d["kind"] == "add":
            names[d["b"]] = "x_b" if d["b"] != d["a"] else "x"
            if d["b"] != d["a"]:
                inputs.append(helper.make_tensor_value_info("x_b", TensorProto.INT8,
                                                            _in_shape(layers, d["b"])))
        idx = [isolated_layer]
    for i in idx:
        d = layers[i]
        a = names[d["a"]]
        if d["kind"] == "add":
            y = (add_qlinear if flavour == "qlinear" else add_integer)(g, d, a, names[d["b"]])
        elif flavour == "qlinear":
            y = CO.layer_qlinear(g, d, a)
        else:
            y = CO.layer_integer(g, d, a, accs)
        names[i] = g.op("Identity", [y], s=f"out{i}")
        outs.append((names[i], d))
    outputs = [helper.make_tensor_value_info(n, TensorProto.INT8, _out_shape(d)) for n, d in outs]
    outputs += [helper.make_tensor_value_info(a, TensorProto.INT32, shp) for a, shp in accs]
    graph = helper.make_graph(g.nodes, f"tcn_{flavour}", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="scripts/tcn_onnx_check.py")
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model


def add_tie_mask(a, b, d) -> np.ndarray:
    """Elements of an ADD where a*MA + b*MB is exactly half-way between two integers at 2^S."""
    s = int(d["shift"])
    if s == 0:
        return np.zeros(np.shape(a), bool)
    p = np.asarray(a, np.int64) * int(d["ma"]) + np.asarray(b, np.int64) * int(d["mb"])
    return (p & ((1 << s) - 1)) == (1 << (s - 1))


def add_float32_model(a, b, d) -> np.ndarray:
    s = int(d["shift"])
    sa, sb = np.float32(d["ma"] / 2.0 ** s), np.float32(d["mb"] / 2.0 ** s)
    v = np.asarray(a).astype(np.float32) * sa + np.asarray(b).astype(np.float32) * sb
    return np.clip(np.rint(v), 0 if d["relu"] else -128, 127).astype(np.int64)


def check(split: str, n: int | None, chunk: int = 500, params_dir=None, image=None, log=print) -> dict:
    from eval_tcn import held_out
    image = image if image is not None else TM.load_image(split, params_dir)
    layers = cnn_style(image)
    net = TM.to_layers(image)
    w = T.load_tcn_windows(channels=TM.input_shape(image)[0])
    idx = held_out(w, split, n)
    nl = len(layers)
    full = {f: CO.session(build(layers, f)) for f in ("qlinear", "integer")}
    iso = {f: [CO.session(build(layers, f, i)) for i in range(nl)] for f in ("qlinear", "integer")}
    keys = ("elements", "diff_q_iso", "diff_q_iso_tie", "diff_q_iso_f32", "diff_q_iso_other",
            "q_vs_f32_model", "ties", "diff_q_chain", "diff_i_iso", "diff_i_chain",
            "acc_i_vs_golden", "acc_compared")
    st = {k: np.zeros(nl, np.int64) for k in keys}
    dec = {"q_chain": 0, "i_chain": 0, "beats_q_any_diff": 0}
    t0 = time.time()
    for c0 in range(0, len(idx), chunk):
        x = w.x[idx[c0:c0 + chunk]]
        gold = TM.run_layers(net, x)
        xin = x
        q_chain = full["qlinear"].run(None, {"x": xin})[:nl]
        i_chain = full["integer"].run(None, {"x": xin})[:nl]
        any_q = np.zeros(len(x), bool)
        for i, d in enumerate(layers):
            g_out = gold[i]
            feed = {"x": xin if d["a"] == -1 else gold[d["a"]]}
            if d["kind"] == "add" and d["b"] != d["a"]:
                feed["x_b"] = xin if d["b"] == -1 else gold[d["b"]]
            st["elements"][i] += g_out.size
            qi = iso["qlinear"][i].run(None, feed)[0]
            ii_all = iso["integer"][i].run(None, feed)
            dq = qi != g_out
            st["diff_q_iso"][i] += dq.sum()
            st["diff_i_iso"][i] += (ii_all[0] != g_out).sum()
            st["diff_q_chain"][i] += (q_chain[i] != g_out).sum()
            st["diff_i_chain"][i] += (i_chain[i] != g_out).sum()
            any_q |= (q_chain[i] != g_out).reshape(len(x), -1).any(axis=1)
            if d["kind"] in ("conv1d", "dense"):
                acc = np.asarray(ii_all[1], np.int64).reshape(len(x), d["cout"], -1)
                if c0 == 0:
                    g_acc = CO._golden_acc(net[i], feed["x"])
                    st["acc_i_vs_golden"][i] += (acc != g_acc.reshape(acc.shape)).sum()
                    st["acc_compared"][i] += acc.size
                tie = CO.tie_mask(acc, d).reshape(dq.shape)
                f32 = CO.float32_model(acc, d).reshape(qi.shape)
            elif d["kind"] == "add":
                fb = feed.get("x_b", feed["x"])
                tie = add_tie_mask(feed["x"], fb, d)
                f32 = add_float32_model(feed["x"], fb, d)
            else:
                tie = np.zeros(dq.shape, bool)
                f32 = g_out.astype(np.int64)
            st["ties"][i] += tie.sum()
            st["diff_q_iso_tie"][i] += (dq & tie).sum()
            st["diff_q_iso_f32"][i] += (dq & ~tie & (qi == f32)).sum()
            st["diff_q_iso_other"][i] += (dq & ~tie & (qi != f32)).sum()
            st["q_vs_f32_model"][i] += (qi != f32).sum()
        cls = TM.decide(gold[-1][:, :, 0])
        dec["q_chain"] += int((TM.decide(q_chain[-1][:, :, 0]) != cls).sum())
        dec["i_chain"] += int((TM.decide(i_chain[-1][:, :, 0]) != cls).sum())
        dec["beats_q_any_diff"] += int(any_q.sum())
        log(f"  {min(c0 + chunk, len(idx))} / {len(idx)} windows ({time.time() - t0:.0f} s)")
    tot = {k: int(st[k].sum()) for k in keys}
    res = {"split": split, "beats": int(len(idx)), "beats_subset": n,
           "onnx": onnx.__version__, "onnxruntime": CO.ort.__version__, "opset": OPSET,
           "layers": [dict(kind=d["kind"], name=d["name"], **{k: int(st[k][i]) for k in keys})
                      for i, d in enumerate(layers)],
           "decisions_differing": dec, "totals": tot}
    res["ok"] = bool(tot["diff_i_iso"] == tot["diff_i_chain"] == tot["acc_i_vs_golden"] == 0
                     and tot["acc_compared"] > 0 and tot["diff_q_iso_other"] == 0
                     and tot["q_vs_f32_model"] == 0 and dec["i_chain"] == 0)
    return res


def report(res: dict, log=print) -> None:
    log(f"split {res['split']}: {res['beats']} held-out windows; onnx {res['onnx']}, onnxruntime "
        f"{res['onnxruntime']}, opset {res['opset']}")
    log("| layer | name | kind | elements | integer graph diffs (isolated / chained) | QLinear diffs, "
        "isolated (exact ties / float32 near-ties / other) | QLinear vs float32 model | exact ties "
        "| QLinear diffs, chained |")
    log("|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(res["layers"]):
        log(f"| {i} | {r['name']} | {r['kind']} | {r['elements']:,} | {r['diff_i_iso']} / {r['diff_i_chain']} | "
            f"{r['diff_q_iso']} ({r['diff_q_iso_tie']} / {r['diff_q_iso_f32']} / {r['diff_q_iso_other']}) | "
            f"{r['q_vs_f32_model']} | {r['ties']:,} | {r['diff_q_chain']:,} |")
    t, d = res["totals"], res["decisions_differing"]
    log(f"totals: {t['elements']:,} elements; integer graph {t['diff_i_iso']} / {t['diff_i_chain']} "
        f"differences, accumulators {t['acc_i_vs_golden']} of {t['acc_compared']:,} compared; QLinear "
        f"isolated {t['diff_q_iso']} ({t['diff_q_iso_tie']} exact ties, {t['diff_q_iso_f32']} float32 "
        f"near-ties, {t['diff_q_iso_other']} other; {t['ties']:,} exact ties in all), QLinear vs its "
        f"float32 model {t['q_vs_f32_model']}; chained {t['diff_q_chain']:,} differences in "
        f"{d['beats_q_any_diff']} windows; decisions differing: QLinear {d['q_chain']}, integer {d['i_chain']}")
    log("OK" if res["ok"] else "FAILED")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="intra", choices=T.SPLITS)
    ap.add_argument("--beats", type=int, default=None, help="N evenly spaced held-out windows")
    ap.add_argument("--params-dir", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if args.beats is not None and args.beats < 1:
        ap.error("--beats must be >= 1")
    res = check(args.split, args.beats, params_dir=args.params_dir)
    report(res)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
