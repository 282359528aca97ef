#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent cross-check of the integer CNN: onnxruntime against golden/cnn.py, every layer.

    .venv/bin/python scripts/cnn_onnx_check.py --split intra                 # every intra test beat
    .venv/bin/python scripts/cnn_onnx_check.py --split inter                 # all of DS2
    .venv/bin/python scripts/cnn_onnx_check.py --split intra --beats 500     # 500 evenly spaced

The committed image (golden/params/cnn/<split>.json) is written as two ONNX graphs (opset 21),
run by onnxruntime's CPU provider (one thread, graph optimizations off, so the nodes run as written):

* ``qlinear``: the int8 operators users deploy.  CONV1D is ``QLinearConv`` with x_scale =
  y_scale = 1, zero points 0 and the per-output-channel weight scale ``M[c] / 2^S[c]`` (exact in
  float32), int32 bias; DENSE is a ``QLinearConv`` of kernel 1 on the channel-major flatten
  (``Reshape`` to [N, CIN, 1]: QLinearMatMul has no bias input); ReLU is ``Clip(0, 127)`` on int8;
  MAXPOOL is ``MaxPool`` on int8.  onnxruntime requantizes as
  ``saturate(round_half_to_even(float(acc) * scale))``; golden/cnn.py (the contract) rounds half
  up, so the two differ exactly where ``acc * M / 2^S`` is k + 1/2 with k even and the result
  is not clipped away (*exact ties*), and where the float32 product float(acc) * scale rounds
  onto or across a half-way point (*float32 near-ties*: acc * M needs more than 24 bits).  Each
  difference is classified from the exact accumulators of the second graph's ConvInteger /
  MatMulInteger (compared with golden/cnn.py's own accumulators on the first chunk of beats);
  the script also checks that QLinearConv equals that float32 model everywhere.  Anything else is *other* and fails the check.
* ``integer``: ``ConvInteger`` / ``MatMulInteger`` (int32 accumulators), ``Add`` bias,
  the contract's requantization in int64 (``Mul`` M, ``Add`` 2^(S-1) + 2^48, ``Cast`` uint64,
  ``BitShift`` right S, ``Sub`` 2^(48-S): an exact floor of (p + 2^(S-1)) / 2^S), ``Clip`` to
  int8 (and 0 for ReLU), ``MaxPool`` on int8.  This configuration must agree exactly.

Each graph runs twice: *isolated* (every layer fed golden/cnn.py's input of that layer, so a
difference does not propagate) and *chained* (the whole network from the beat, onnxruntime's own
outputs feeding the next layer; decisions compared too).  Exit status 1 if the integer graph
differs anywhere, or if the qlinear graph has a difference that is neither kind.
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
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from golden import cnn_data as C  # noqa: E402
from golden import cnn_model as M  # noqa: E402

OPSET = 21
BIG = 1 << 48          # offset making p + 2^(S-1) non-negative (|p| < 2^47) and divisible by 2^S


def _pads(d):
    k, dil = d["kernel"], d["dilation"]
    total = 0 if d["pad"] == "valid" else (k - 1) * dil
    left = {"valid": 0, "same": total // 2, "causal": total}[d["pad"]]
    return [left, total - left]


class _G:
    """A small graph builder: unique names, initializers, nodes."""

    def __init__(self, prefix: str):
        self.p, self.n, self.inits, self.nodes = prefix, 0, [], []

    def name(self, s):
        self.n += 1
        return f"{self.p}{s}_{self.n}"

    def const(self, a, s="c"):
        nm = self.name(s)
        self.inits.append(numpy_helper.from_array(np.asarray(a), nm))
        return nm

    def op(self, kind, inputs, s=None, **attrs):
        out = self.name(s or kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out


def _clip8(g: _G, v, relu: bool, dtype):
    lo = g.const(np.array(0 if relu else -128, dtype))
    hi = g.const(np.array(127, dtype))
    return g.op("Clip", [v, lo, hi])


def layer_qlinear(g: _G, d: dict, x: str) -> str:
    """One layer as QLinearConv / MaxPool / Clip on int8."""
    if d["kind"] == "maxpool":
        y = g.op("MaxPool", [x], kernel_shape=[d["kernel"]], strides=[d["stride"]])
        return _clip8(g, y, True, np.int8) if d["relu"] else y
    w = np.asarray(d["w"], dtype=np.int8)
    ws = (np.asarray(d["M"], np.float64) / 2.0 ** np.asarray(d["S"], np.float64)).astype(np.float32)
    assert np.array_equal(ws.astype(np.float64) * 2.0 ** np.asarray(d["S"]), np.asarray(d["M"]))
    if d["kind"] == "dense":
        x = g.op("Reshape", [x, g.const(np.array([0, -1, 1], np.int64))])
        attrs = dict(kernel_shape=[1])
    else:
        attrs = dict(kernel_shape=[d["kernel"]], strides=[d["stride"]],
                     dilations=[d["dilation"]], pads=_pads(d))
    one, z8 = g.const(np.array(1.0, np.float32)), g.const(np.array(0, np.int8))
    y = g.op("QLinearConv", [x, one, z8, g.const(w, "w"), g.const(ws, "ws"),
                             g.const(np.zeros(len(ws), np.int8)), one, z8,
                             g.const(np.asarray(d["bias"], np.int32), "b")], **attrs)
    return _clip8(g, y, True, np.int8) if d["relu"] else y


def layer_integer(g: _G, d: dict, x: str, acc_out: list | None = None) -> str:
    """One layer as ConvInteger / MatMulInteger and exact int64 requantization."""
    if d["kind"] == "maxpool":
        y = g.op("MaxPool", [x], kernel_shape=[d["kernel"]], strides=[d["stride"]])
        return _clip8(g, y, True, np.int8) if d["relu"] else y
    w = np.asarray(d["w"], dtype=np.int8)
    z8 = g.const(np.array(0, np.int8))
    cout = w.shape[0]
    if d["kind"] == "dense":
        xf = g.op("Reshape", [x, g.const(np.array([0, -1], np.int64))])
        acc = g.op("MatMulInteger", [xf, g.const(np.ascontiguousarray(w[:, :, 0].T), "wt"), z8, z8])
        shape = (cout,)
    else:
        acc = g.op("ConvInteger", [x, g.const(w, "w"), z8, z8], kernel_shape=[d["kernel"]],
                   strides=[d["stride"]], dilations=[d["dilation"]], pads=_pads(d))
        shape = (cout, 1)
    acc = g.op("Add", [acc, g.const(np.asarray(d["bias"], np.int32).reshape(shape), "b")])
    if acc_out is not None:
        acc_out.append((acc, [None, cout] if d["kind"] == "dense" else [None, cout, None]))
    s = np.asarray(d["S"], np.int64)
    m = np.asarray(d["M"], np.int64)
    half = np.where(s > 0, np.left_shift(1, np.maximum(s - 1, 0)), 0)
    p = g.op("Mul", [g.op("Cast", [acc], to=TensorProto.INT64), g.const(m.reshape(shape), "m")])
    q = g.op("Add", [p, g.const((half + BIG).reshape(shape).astype(np.int64), "half")])
    r = g.op("BitShift", [g.op("Cast", [q], to=TensorProto.UINT64),
                          g.const(s.astype(np.uint64).reshape(shape), "s")], direction="RIGHT")
    r = g.op("Sub", [g.op("Cast", [r], to=TensorProto.INT64),
                     g.const((BIG >> s).reshape(shape).astype(np.int64), "big")])
    y = _clip8(g, r, bool(d["relu"]), np.int64)
    y = g.op("Cast", [y], to=TensorProto.INT8)
    if d["kind"] == "dense":
        y = g.op("Unsqueeze", [y, g.const(np.array([2], np.int64))])
    return y


def _shape_of(d, out: bool):
    if out:
        return [None, d["cout"], 1 if d["kind"] == "dense" else M.len_out(d)]
    return [None, d["cin"], d["len_in"]] if d["kind"] != "dense" else None


def build(layers: list, flavour: str, isolated_layer: int | None = None):
    """ONNX model of the whole network (outputs: every layer, and for 'integer' every
    accumulator) or of one layer (isolated_layer = i)."""
    g = _G(flavour[0])
    idx = range(len(layers)) if isolated_layer is None else [isolated_layer]
    first = layers[idx[0]]
    in_shape = [None, 1, C.BEAT_LEN] if isolated_layer is None or isolated_layer == 0 else None
    if in_shape is None:
        prev = layers[isolated_layer - 1]
        in_shape = _shape_of(prev, True)
    x = "x"
    outs, accs = [], []
    for i in idx:
        d = layers[i]
        x = layer_qlinear(g, d, x) if flavour == "qlinear" else layer_integer(g, d, x, accs)
        x = g.op("Identity", [x], s=f"out{i}")
        outs.append((x, d))
    outputs = [helper.make_tensor_value_info(n, TensorProto.INT8, _shape_of(d, True))
               for n, d in outs]
    outputs += [helper.make_tensor_value_info(a, TensorProto.INT32, shp) for a, shp in accs]
    graph = helper.make_graph(g.nodes, f"cnn_{flavour}",
                              [helper.make_tensor_value_info("x", TensorProto.INT8, in_shape)],
                              outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="scripts/cnn_onnx_check.py")
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model, len(outs)


def session(model):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def float32_model(acc, d) -> np.ndarray:
    """What onnxruntime's QLinearConv computes from exact accumulators, as documented above:
    saturate(round_half_to_even(float32(acc) * float32(M / 2^S))), then the ReLU clip."""
    acc = np.asarray(acc, np.int64).reshape(len(acc), d["cout"], -1)
    ws = (np.asarray(d["M"], np.float64) / 2.0 ** np.asarray(d["S"], np.float64)).astype(np.float32)
    v = acc.astype(np.float32) * ws[None, :, None]
    return np.clip(np.rint(v), 0 if d["relu"] else -128, 127).astype(np.int64)


def tie_mask(acc, d) -> np.ndarray:
    acc = np.asarray(acc, np.int64).reshape(len(acc), d["cout"], -1)
    m = np.asarray(d["M"], np.int64)[None, :, None]
    s = np.asarray(d["S"], np.int64)[None, :, None]
    p = acc * m
    rem = p - np.left_shift(np.right_shift(p, s), s)
    return (s > 0) & (rem == np.where(s > 0, np.left_shift(1, np.maximum(s - 1, 0)), 0))


def check(split: str, n: int | None, chunk: int = 1000, params_dir=None, log=print) -> dict:
    from eval_cnn import held_out
    image = M.load_image(split, params_dir)
    layers = image["layers"]
    beats = C.load_cnn_beats()
    idx = held_out(beats, split, n)
    nl = len(layers)
    net = M.to_layers(image)
    full = {f: session(build(layers, f)[0]) for f in ("qlinear", "integer")}
    iso = {f: [session(build(layers, f, i)[0]) for i in range(nl)] for f in ("qlinear", "integer")}
    keys = ("elements", "diff_q_iso", "diff_q_iso_tie", "diff_q_iso_f32", "diff_q_iso_other", "q_vs_f32_model",
            "ties", "diff_q_chain", "diff_i_iso", "diff_i_chain", "acc_i_vs_golden", "acc_compared")
    st = {k: np.zeros(nl, np.int64) for k in keys}
    dec = {"q_chain": 0, "i_chain": 0, "beats_q_any_diff": 0}
    t0 = time.time()
    for c0 in range(0, len(idx), chunk):
        x = beats.x[idx[c0:c0 + chunk]]
        gold = M.run_layers(image, x)
        xin = x[:, None, :]
        q_chain = full["qlinear"].run(None, {"x": xin})[:nl]
        i_all = full["integer"].run(None, {"x": xin})
        i_chain = i_all[:nl]
        any_q = np.zeros(len(x), bool)
        for i, d in enumerate(layers):
            g_out = gold[i]
            g_in = xin if i == 0 else gold[i - 1]
            st["elements"][i] += g_out.size
            qi = iso["qlinear"][i].run(None, {"x": g_in})[0]
            ii_all = iso["integer"][i].run(None, {"x": g_in})
            ii = ii_all[0]
            dq = qi != g_out
            st["diff_q_iso"][i] += dq.sum()
            st["diff_i_iso"][i] += (ii != g_out).sum()
            st["diff_q_chain"][i] += (q_chain[i] != g_out).sum()
            st["diff_i_chain"][i] += (i_chain[i] != g_out).sum()
            any_q |= (q_chain[i] != g_out).reshape(len(x), -1).any(axis=1)
            if d["kind"] != "maxpool":
                acc = np.asarray(ii_all[1], np.int64).reshape(len(x), d["cout"], -1)
                if c0 == 0:          # the accumulators themselves: golden/cnn.py's, first chunk
                    g_acc = _golden_acc(net[i], g_in)
                    st["acc_i_vs_golden"][i] += (acc != g_acc).sum()
                    st["acc_compared"][i] += acc.size
                g_acc = acc          # exact int32 accumulators of ConvInteger / MatMulInteger
                tie = tie_mask(g_acc, d).reshape(dq.shape)
                st["ties"][i] += tie.sum()
                f32 = float32_model(g_acc, d).reshape(qi.shape)
                st["diff_q_iso_tie"][i] += (dq & tie).sum()
                st["diff_q_iso_f32"][i] += (dq & ~tie & (qi == f32)).sum()
                st["diff_q_iso_other"][i] += (dq & ~tie & (qi != f32)).sum()
                st["q_vs_f32_model"][i] += (qi != f32).sum()
            else:
                st["diff_q_iso_other"][i] += dq.sum()
        cls = M.decide(gold[-1][:, :, 0])
        dec["q_chain"] += int((M.decide(q_chain[-1][:, :, 0]) != cls).sum())
        dec["i_chain"] += int((M.decide(i_chain[-1][:, :, 0]) != cls).sum())
        dec["beats_q_any_diff"] += int(any_q.sum())
        log(f"  {min(c0 + chunk, len(idx))} / {len(idx)} beats ({time.time() - t0:.0f} s)")
    res = {"split": split, "beats": int(len(idx)), "beats_subset": n,
           "onnx": onnx.__version__, "onnxruntime": ort.__version__, "opset": OPSET,
           "layers": [dict(kind=d["kind"], **{k: int(st[k][i]) for k in keys})
                      for i, d in enumerate(layers)],
           "decisions_differing": dec}
    tot = {k: int(st[k].sum()) for k in keys}
    res["totals"] = tot
    res["ok"] = bool(tot["diff_i_iso"] == tot["diff_i_chain"] == tot["acc_i_vs_golden"] == 0
                     and tot["acc_compared"] > 0
                     and tot["diff_q_iso_other"] == 0 and tot["q_vs_f32_model"] == 0
                     and dec["i_chain"] == 0)
    return res


def _golden_acc(layer, x_in):
    """golden/cnn.py's int32 accumulators of one conv/dense layer for a batch of inputs."""
    from golden import cnn as G
    out = []
    for xb in x_in:
        if layer.kind == G.DENSE:
            out.append(G.dense_acc(xb, layer.weight, layer.bias)[:, None])
        else:
            out.append(G.conv1d_acc(xb, layer.weight, layer.bias, layer.stride, layer.dilation,
                                    layer.pad))
    return np.stack(out).astype(np.int64)


def report(res: dict, log=print) -> None:
    log(f"split {res['split']}: {res['beats']} held-out beats; onnx {res['onnx']}, onnxruntime "
        f"{res['onnxruntime']}, opset {res['opset']}")
    log("| layer | kind | elements | integer graph diffs (isolated / chained) | QLinear diffs, "
        "isolated (exact ties / float32 near-ties / other) | QLinear vs float32 model | exact ties "
        "| QLinear diffs, chained |")
    log("|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(res["layers"]):
        log(f"| {i} | {r['kind']} | {r['elements']:,} | {r['diff_i_iso']} / {r['diff_i_chain']} | "
            f"{r['diff_q_iso']} ({r['diff_q_iso_tie']} / {r['diff_q_iso_f32']} / "
            f"{r['diff_q_iso_other']}) | {r['q_vs_f32_model']} | {r['ties']:,} | "
            f"{r['diff_q_chain']:,} |")
    t, d = res["totals"], res["decisions_differing"]
    log(f"totals: {t['elements']:,} elements; integer graph {t['diff_i_iso']} / {t['diff_i_chain']} "
        f"differences, accumulators {t['acc_i_vs_golden']} differences of {t['acc_compared']:,} "
        f"compared; QLinear isolated "
        f"{t['diff_q_iso']} differences ({t['diff_q_iso_tie']} exact ties, {t['diff_q_iso_f32']} "
        f"float32 near-ties, {t['diff_q_iso_other']} other; {t['ties']:,} exact ties in all), "
        f"QLinear vs its float32 model {t['q_vs_f32_model']}; chained {t['diff_q_chain']:,} "
        f"differences in {d['beats_q_any_diff']} beats; decisions differing: QLinear "
        f"{d['q_chain']}, integer {d['i_chain']}")
    log("OK" if res["ok"] else "FAILED")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="intra", choices=C.SPLITS)
    ap.add_argument("--beats", type=int, default=None, help="N evenly spaced held-out beats")
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
