#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The CNN+TCN images on the held-out beats, beside the paper CNN (docs/tcn.md).

    .venv/bin/python scripts/eval_tcn.py --split intra          # intra-patient test split
    .venv/bin/python scripts/eval_tcn.py --split inter          # DS1 -> DS2
    .venv/bin/python scripts/eval_tcn.py --split inter --cnn    # and the paper CNN on the same beats
    .venv/bin/python scripts/eval_tcn.py --split intra --beats 200 --json build/tcn/eval.json

Decisions: the bit-exact integer model (golden/cnn.py ``run_network`` on the layers of
golden/params/tcn/<split>.json, argmax of the int8 logits, lowest class on ties): what the IP
computes.  Printed beside it: the compression table written by scripts/train_tcn.py
(<split>_compression.json: parameters, bytes, MACs and held-out figures of the teacher, the
distilled student, the pruned student and the int8 network), the IP resources (weight rows,
quant words, activation bytes under the driver's plan, cycles per window from
verif/cnn/cycles.py against the MAC bound), and with ``--cnn`` the paper CNN's integer model
(golden/params/cnn/<split>.json) on the same beats.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golden import cnn as G  # noqa: E402
from golden import tcn_data as T  # noqa: E402
from golden import tcn_model as TM  # noqa: E402
from golden.metrics import class_metrics, confusion  # noqa: E402

GOAL = "DS2: S sensitivity >= 80 % with S PPV >= 50 % and accuracy >= 95 %; intra >= 99 %"


def held_out(w: T.TcnWindows, split: str, n: int | None) -> np.ndarray:
    """Test indices; with ``n``, n of them evenly spaced over the test split (fixed)."""
    _, te = T.split_indices(w, split)
    if n is None or n >= len(te):
        return te
    if n < 1:
        raise ValueError(f"--beats must be >= 1, got {n}")
    return te[np.linspace(0, len(te) - 1, n).round().astype(np.int64)]


def metrics_dict(y, p) -> dict:
    m = class_metrics(confusion(y, p, T.N_CLASSES))
    return {"beats": int(len(y)), "acc": m["acc"], "macro_f1": m["macro_f1"],
            "sens": [None if np.isnan(v) else float(v) for v in m["sens"]],
            "ppv": [None if np.isnan(v) else float(v) for v in m["ppv"]],
            "confusion": m["confusion"].tolist()}


def resources(image: dict) -> dict:
    """What the int8 network needs of the IP (default caps), and its cycles per window."""
    from driver.cnn_ip import CnnIp, MemoryBus
    from verif.cnn import cycles as CY
    net = TM.to_layers(image)
    in_shape = TM.input_shape(image)
    caps = G.Caps()
    ip = CnnIp(MemoryBus(caps))
    plan = ip.plan_network(net, in_shape)
    tot = TM.totals(net, in_shape, n_mac=caps.n_mac)
    act_peak = 0
    sizes = [in_shape[0] * in_shape[1]] + [c * L for c, L in plan.shapes]
    addrs = [plan.in_addr] + [d.dst for d in plan.descs]
    act_peak = max(a + s for a, s in zip(addrs, sizes))
    cyc = [CY.cycles(d, caps.n_mac, caps) for d in plan.descs]
    bound = sum(G.mac_bound_cycles(d, caps.n_mac) for d in plan.descs
                if d.kind in (G.CONV1D, G.DENSE))
    per = []
    for layer, d, c, a in zip(net, plan.descs, cyc, addrs[1:]):
        per.append(dict(name=layer.name, kind=G.KIND_NAMES[d.kind], cin=d.cin, cout=d.cout,
                        len_in=d.len_in, len_out=G.len_out(d), kernel=d.kernel, stride=d.stride,
                        dilation=d.dilation, pad=G.PAD_NAMES[d.pad], macs=G.macs(d),
                        w_rows=G.weight_rows(d, caps.n_mac), cycles=c, dst=a))
    return {"per_layer": per, "layers": len(net), "params": tot["params"], "weight_bytes": tot["weight_bytes"],
            "bias_bytes": tot["bias_bytes"], "macs": tot["macs"],
            "w_rows": tot["w_rows"], "w_rows_cap": caps.w_rows, "q_words": tot["q_words"],
            "q_words_cap": caps.q_words, "resident": plan.resident,
            "act_bytes_used": int(act_peak), "act_bytes_cap": caps.act_bytes,
            "cycles": int(sum(cyc)), "cycles_conv_dense": int(sum(
                c for c, d in zip(cyc, plan.descs) if d.kind in (G.CONV1D, G.DENSE))),
            "cycles_pool_add": int(sum(c for c, d in zip(cyc, plan.descs)
                                       if d.kind in (G.MAXPOOL, G.ADD))),
            "mac_bound": int(bound), "n_mac": caps.n_mac,
            "ms_at_100mhz": sum(cyc) / 1e5}


def evaluate(split: str, n: int | None = None, params_dir=None, with_cnn: bool = False) -> dict:
    image = TM.load_image(split, params_dir)
    w = T.load_tcn_windows(channels=TM.input_shape(image)[0])
    idx = held_out(w, split, n)
    x, y = w.x[idx], w.y[idx]
    t0 = time.time()
    lg = TM.logits(image, x)
    p = TM.decide(lg)
    res = {"split": split, "test_set": "intra-patient test split (seed 2025, 20 %)" if split == "intra"
           else "DS2 (de Chazal), paced records excluded", "beats_subset": n,
           "indices_sha": hashlib.sha1(np.asarray(idx, np.int64).tobytes()).hexdigest()[:12],
           "integer": metrics_dict(y, p), "integer_seconds": round(time.time() - t0, 1),
           "logit_ties": int(((lg == lg.max(axis=1, keepdims=True)).sum(axis=1) > 1).sum()),
           "resources": resources(image)}
    comp = Path(params_dir or TM.PARAMS_DIR) / f"{split}_compression.json"
    if comp.is_file():
        res["compression"] = json.loads(comp.read_text())
    if with_cnn:
        from golden import cnn_data as C
        from golden import cnn_model as CM
        beats = C.load_cnn_beats()
        if not np.array_equal(beats.sample[idx], w.sample[idx]):
            raise RuntimeError("the CNN beats and the TCN windows are not the same beats")
        res["cnn"] = metrics_dict(y, CM.predict(CM.load_image(split), beats.x[idx]))
    return res


def _pct(v):
    return "-" if v is None else f"{100 * v:.2f}"


def _row(name, m):
    cells = " | ".join(f"{_pct(s)} / {_pct(q)}" for s, q in zip(m["sens"], m["ppv"]))
    return f"| {name} | {100 * m['acc']:.2f} % | {m['macro_f1']:.3f} | {cells} |"


def report(res: dict, log=print) -> None:
    i = res["integer"]
    log(f"split {res['split']}: {res['test_set']}, {i['beats']} beats")
    log("| model | accuracy | macro-F1 | " + " | ".join(f"sens / PPV {c}" for c in T.CLASSES) + " |")
    log("|---|---|---|" + "---|" * len(T.CLASSES))
    log(_row("CNN+TCN int8 (golden/cnn.py)", i))
    if "cnn" in res:
        log(_row("paper CNN int8 (golden/params/cnn)", res["cnn"]))
    log("confusion of the CNN+TCN int8 model (rows true, columns predicted):")
    log("| true \\ pred | " + " | ".join(T.CLASSES) + " |")
    log("|---|" + "---|" * len(T.CLASSES))
    for c, row in zip(T.CLASSES, i["confusion"]):
        log(f"| {c} | " + " | ".join(f"{v:,}" for v in row) + " |")
    if res["split"] == "inter":
        s_se, s_ppv = i["sens"][1], i["ppv"][1]
        ok = (s_se or 0) >= 0.8 and (s_ppv or 0) >= 0.5 and i["acc"] >= 0.95
        log(f"goal ({GOAL}): S sens {_pct(s_se)} %, S PPV {_pct(s_ppv)} %, accuracy "
            f"{100 * i['acc']:.2f} %: {'met' if ok else 'NOT met'}")
    else:
        log(f"goal ({GOAL}): accuracy {100 * i['acc']:.2f} %: "
            f"{'met' if i['acc'] >= 0.99 else 'NOT met'}")
    log(f"tied top logits: {res['logit_ties']} windows; integer model {res['integer_seconds']} s")
    r = res["resources"]
    log(f"IP (N_MAC {r['n_mac']}): {r['layers']} layers, {r['params']} parameters "
        f"({r['weight_bytes']} weight bytes + {r['bias_bytes']} bias bytes), weight rows "
        f"{r['w_rows']} / {r['w_rows_cap']}, quant words {r['q_words']} / {r['q_words_cap']} "
        f"(resident {r['resident']}), activation bytes {r['act_bytes_used']} / {r['act_bytes_cap']}")
    log("| # | layer | kind | cin -> cout | len in -> out | K / stride / dilation / pad | MACs | "
        "weight rows | cycles | ACT dst |")
    log("|---|---|---|---|---|---|---|---|---|---|")
    for j, q in enumerate(r["per_layer"]):
        log(f"| {j} | {q['name']} | {q['kind']} | {q['cin']} -> {q['cout']} | {q['len_in']} -> "
            f"{q['len_out']} | {q['kernel']} / {q['stride']} / {q['dilation']} / {q['pad']} | "
            f"{q['macs']:,} | {q['w_rows']} | {q['cycles']:,} | {q['dst']} |")
    log(f"cycles per window (verif/cnn/cycles.py) {r['cycles']:,} = conv/dense {r['cycles_conv_dense']:,} "
        f"+ pool/add {r['cycles_pool_add']:,}; MAC bound {r['macs']:,} / {r['n_mac']} = "
        f"{r['mac_bound']:,} (conv/dense {r['cycles_conv_dense'] / max(r['mac_bound'], 1):.3f}x); "
        f"{r['ms_at_100mhz']:.2f} ms at 100 MHz")
    comp = res.get("compression")
    if comp:
        log(f"compression steps (scripts/train_tcn.py, {comp['command']}; held-out {comp['test_beats']} beats):")
        log("| step | widths c0 / C / inner | parameters | bytes | MACs per beat | accuracy | "
            "macro-F1 | S sens / PPV | V sens / PPV |")
        log("|---|---|---|---|---|---|---|---|---|")
        for st in comp["stages"]:
            a = st["arch"]
            b = st.get("bytes_int8", st.get("bytes_float32"))
            kind = "int8" if "bytes_int8" in st else "float32"
            t = st["test"]
            log(f"| {st['stage']} | {a['c0']} / {a['c']} / {','.join(str(v) for v in a['inner'])} | "
                f"{st['params']:,} | {b:,} ({kind}) | {st['macs']:,} | {100 * t['acc']:.2f} % | "
                f"{t['macro_f1']:.3f} | {_pct(t['sens'][1])} / {_pct(t['ppv'][1])} | "
                f"{_pct(t['sens'][2])} / {_pct(t['ppv'][2])} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="intra", choices=T.SPLITS)
    ap.add_argument("--beats", type=int, default=None, help="N evenly spaced held-out beats")
    ap.add_argument("--params-dir", default=None, help="default golden/params/tcn")
    ap.add_argument("--cnn", action="store_true", help="also the paper CNN on the same beats")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if args.beats is not None and args.beats < 1:
        ap.error("--beats must be >= 1")
    res = evaluate(args.split, args.beats, args.params_dir, args.cnn)
    report(res)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
