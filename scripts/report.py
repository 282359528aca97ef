#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make report: figures from the benches' own result files, one static HTML page.

Reads only what the benches and the coverage run wrote (never a typed number;
the published figures drawn beside ours come from docs/paper_figures.json, each
with its citation) and writes PNGs plus build/report/index.html, each figure
with the command that produced its input.  A missing input is listed as
"not run yet: <command>", never an error.

Inputs (build/bench/results/, one file per bench run; RUN = block, or
block_split_mode for snn_if, snn_eprop and pipeline):

* RUN.json -- the bench's JSON summary line (what ``make bench`` prints last);
* RUN.npz  -- per-beat arrays (scripts/bench.py writes them beside RUN.json):
  ``cycles`` (int, engine cycles of every beat; -1 not read), ``lower_bound``
  (float, that beat's cycle bound), ``label`` and ``pred`` (int, true and RTL
  class of every beat; -1 unscored); the confusion matrix is counted from
  label/pred when present (else taken from the JSON);
* snn_eprop_intra_infer_trace.npz -- the TRACE=1 run's membranes of one beat
  from the engine's trace port: ``u``/``z`` [T, 64], ``y`` [T, 4], ``record``,
  ``sample``, ``label``, ``pred``;
* encoder trace: the encoder bench's kept run files
  (build/bench/<sim>/encoder_runs/<record>.in/.out, ``--keep``): the stream
  words and the RTL's trace port (references) and spike stream of each sample;
* build/cov/summary.json -- written by ``make cov``.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "build" / "bench" / "results"
OUT = ROOT / "build" / "report"
PAPER = ROOT / "docs" / "paper_figures.json"

#: the bench runs the report looks for: run name -> the command that writes it
RUNS = {
    "encoder": "make bench B=encoder BEATS=2000",
    "snn_if_intra_screen": "make bench B=snn_if SPLIT=intra MODE=screen BEATS=all",
    "snn_if_intra_cascade": "make bench B=snn_if SPLIT=intra MODE=cascade BEATS=all",
    "snn_if_inter_screen": "make bench B=snn_if SPLIT=inter MODE=screen BEATS=all",
    "snn_eprop_intra_infer": "make bench B=snn_eprop SPLIT=intra MODE=infer BEATS=2000",
    "snn_eprop_inter_learn": "make bench B=snn_eprop SPLIT=inter MODE=learn RECORDS=232,213,233,200",
    "pipeline_intra_infer": "make bench B=pipeline SPLIT=intra RECORDS=208,232,119 TRACE=0",
}


def command_of(js: dict, fallback: str) -> str:
    """The make command that reproduces a bench run, from the run's own JSON."""
    b = js.get("block")
    if not b:
        return fallback
    parts = [f"make bench B={b}"]
    if b in ("snn_if", "snn_eprop", "pipeline"):
        parts += [f"SPLIT={js.get('split')}", f"MODE={js.get('mode')}"]
    recs = js.get("records")
    if b == "pipeline" or (b == "snn_eprop" and js.get("mode") == "learn"):
        if isinstance(recs, list):
            parts.append("RECORDS=" + ",".join(str(r) for r in recs))
    else:
        parts.append(f"BEATS={js.get('beats')}")
    if "trace" in js:
        parts.append(f"TRACE={js['trace']}")
    parts.append(f"SIM={js.get('sim', 'verilator')} SEED={js.get('seed', 1)}")
    return " ".join(parts)


def _rel(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


class Page:
    def __init__(self, out: Path):
        self.out = out
        self.items = []            # (section, title, png or None, command, note)

    def figure(self, section, title, fig, name, command, note=""):
        path = self.out / f"{name}.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        self.items.append((section, title, path.name, command, note))
        print(f"[report] {_rel(path)}")

    def missing(self, section, title, command, why=""):
        self.items.append((section, title, None, command, why))
        print(f"[report] not run yet: {title}: {command}" + (f" ({why})" if why else ""))

    def write(self):
        h = ["<!doctype html><html><head><meta charset='utf-8'><title>ECG hardware report</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "figure{display:inline-block;margin:8px;vertical-align:top;max-width:520px}"
             "img{max-width:520px}code{background:#eee;padding:1px 4px}"
             ".missing{color:#a00}</style></head><body>",
             "<h1>ECG classification hardware: results report</h1>",
             "<p>Every figure is drawn by <code>make report</code> (scripts/report.py) from the files "
             "the benches wrote; the command under each figure produced its input. Published figures "
             "come from docs/paper_figures.json with their citations.</p>"]
        sections = []
        for it in self.items:
            if it[0] not in sections:
                sections.append(it[0])
        for s in sections:
            h.append(f"<h2>{html.escape(s)}</h2>")
            for sec, title, png, cmd, note in self.items:
                if sec != s:
                    continue
                if png:
                    h.append(f"<figure><img src='{png}' alt='{html.escape(title)}'><figcaption>"
                             f"<b>{html.escape(title)}</b><br><code>{html.escape(cmd)}</code>"
                             + (f"<br>{html.escape(note)}" if note else "") + "</figcaption></figure>")
                else:
                    h.append(f"<p class='missing'><b>{html.escape(title)}</b>: not run yet: "
                             f"<code>{html.escape(cmd)}</code>" + (f" ({html.escape(note)})" if note else "")
                             + "</p>")
        h.append("</body></html>")
        (self.out / "index.html").write_text("\n".join(h) + "\n")
        print(f"[report] {_rel(self.out / 'index.html')}: "
              f"{sum(1 for i in self.items if i[2])} figures, {sum(1 for i in self.items if not i[2])} not run yet")


def load_run(name):
    f = RESULTS / f"{name}.json"
    if not f.exists():
        return None, None
    js = json.loads(f.read_text())
    z = RESULTS / f"{name}.npz"
    arr = dict(np.load(z)) if z.exists() else None
    return js, arr


def per_class(conf):
    c = np.asarray(conf, dtype=np.float64)
    tp = np.diag(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        sens = tp / c.sum(1)
        ppv = tp / c.sum(0)
    return sens, ppv


def confusion_of(arr, k):
    """The k x k confusion matrix (rows label, columns RTL decision) of the per-beat arrays'
    scored beats (label and pred both >= 0)."""
    lab, pred = np.asarray(arr["label"], np.int64), np.asarray(arr["pred"], np.int64)
    m = (lab >= 0) & (pred >= 0)
    c = np.zeros((k, k), np.int64)
    np.add.at(c, (lab[m], pred[m]), 1)
    return c


def fig_confusion(page, name, js, arr, cmd):
    acc = js.get("rtl_accuracy") or js.get("rtl_two_stage_accuracy") or {}
    conf = acc.get("confusion")
    sec = "Confusion matrices and per-class figures (RTL decisions)"
    title = f"{name}: confusion matrix"
    note = ""
    if arr is not None and "label" in arr and "pred" in arr:
        k = len(conf) if conf is not None else int(max(np.max(arr["label"]), np.max(arr["pred"]), 0)) + 1
        c = confusion_of(arr, k)
        note = f"drawn from {name}.npz (label, pred of every beat)"
        if conf is not None:
            note += ("; equal to the run's JSON confusion" if np.array_equal(c, np.asarray(conf))
                     else "; DIFFERS from the run's JSON confusion")
    elif conf is None:
        page.missing(sec, title, cmd, "neither per-beat label/pred in the run's .npz nor a confusion in its JSON")
        return
    else:
        c = np.asarray(conf)
        note = "from the run's JSON confusion (no per-beat label/pred in its .npz)"
    classes = acc.get("classes") or (["N", "S", "V", "F"] if js.get("block") in ("snn_eprop", "pipeline")
                                     and len(c) == 4 else [str(k) for k in range(len(c))])
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    ax.imshow(c / np.maximum(c.sum(1, keepdims=True), 1), cmap="Blues", vmin=0, vmax=1)
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            ax.text(j, i, str(int(c[i, j])), ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("RTL decision")
    ax.set_ylabel("label")
    ax.set_title(f"{name} ({int(c.sum())} beats)")
    page.figure(sec, title, fig, f"{name}_confusion", cmd, note)

    sens, ppv = per_class(c)
    paper = json.loads(PAPER.read_text()) if PAPER.exists() else {}
    pp = paper.get(js.get("block"), {}).get(js.get("mode"), {})
    if pp.get("split") not in (None, js.get("split")):
        pp = {}
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    k = np.arange(len(classes))
    ax.bar(k - 0.2, np.nan_to_num(sens), 0.4, label="sensitivity (RTL)")
    ax.bar(k + 0.2, np.nan_to_num(ppv), 0.4, label="PPV (RTL)")
    acc_rtl = float(np.trace(c) / c.sum()) if c.sum() else float("nan")
    ax.axhline(acc_rtl, color="k", lw=1, ls="-", label=f"accuracy (RTL) {100 * acc_rtl:.2f} %")
    note = ""
    if "accuracy" in pp:
        ax.axhline(pp["accuracy"], color="r", lw=1, ls="--", label=f"accuracy (paper) {100 * pp['accuracy']:.2f} %")
        note = "paper: " + pp.get("source", "")
    ax.set_xticks(k, classes)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title(f"{name}: per-class sensitivity / PPV")
    page.figure(sec, f"{name}: sensitivity / PPV", fig, f"{name}_sens_ppv", cmd,
                note or "the repository quotes no per-class figure of the paper")


def fig_cycles(page, name, js, arr, cmd):
    sec = "Cycles per beat"
    title = f"{name}: cycles per beat"
    mean, mx = js.get("cycles_per_beat_mean"), js.get("cycles_per_beat_max")
    if mean is None:
        page.missing(sec, title, cmd, "the run's JSON has no cycles_per_beat_mean")
        return
    lb = js.get("cycles_per_beat_lower_bound", js.get("cycles_per_beat_lower_bound_mean"))
    paper = js.get("paper_cycles_per_beat_mean", js.get("paper_cycles_per_beat"))
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    if arr is not None and "cycles" in arr:
        cyc = np.asarray(arr["cycles"])
        cyc = cyc[cyc >= 0]                     # -1: the beat's cycles were not read
        ax.hist(cyc, bins=50, color="C0", label=f"RTL ({len(cyc)} beats)")
        if "lower_bound" in arr:
            lbv = np.asarray(arr["lower_bound"], np.float64)
            ax.hist(lbv[np.isfinite(lbv)], bins=50, histtype="step", color="k", label="lower bound")
        ax.set_xlabel("cycles per beat")
        ax.set_ylabel("beats")
        note = ""
    else:
        vals = [("RTL mean", mean), ("RTL max", mx)]
        if lb is not None:
            vals.append(("lower bound (mean)", lb))
        ax.bar([v[0] for v in vals], [v[1] for v in vals], color=["C0", "C0", "k"][:len(vals)])
        ax.set_ylabel("cycles per beat")
        note = (f"summary only: the histogram needs {name}.npz with a per-beat 'cycles' array "
                f"(and 'lower_bound') in build/bench/results/")
    hist = arr is not None and "cycles" in arr
    if paper and hist and len(cyc) and paper > 10 * cyc.max():
        # a line at the paper's figure would squash the histogram to one bar: named instead
        ax.plot([], [], color="r", ls="--", lw=1, label=f"paper {paper} (off scale)")
        note += f" Paper {paper} cycles per beat (from the run's JSON), {paper / cyc.mean():.0f} x the RTL mean."
    elif paper:
        line = ax.axhline if not hist else ax.axvline
        line(paper, color="r", ls="--", lw=1, label=f"paper {paper}")
        note += f" Paper {paper} cycles per beat (dashed, from the run's JSON)."
        if arr is None or "cycles" not in arr:
            ax.set_yscale("log")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    ax.set_title(title)
    page.figure(sec, title, fig, f"{name}_cycles", cmd, note.strip())


def fig_learning(page, name, js, cmd):
    sec = "Patient adaptation (on-chip learning)"
    title = f"{name}: per-record accuracy with and without learning"
    per = js.get("per_record")
    if not per:
        page.missing(sec, title, cmd, "the run's JSON has no per_record")
        return
    recs = [str(p["record"]) for p in per]
    w = [p["acc_with_learning"] or 0 for p in per]
    wo = [p["acc_without_learning"] or 0 for p in per]
    k = np.arange(len(recs))
    fig, ax = plt.subplots(figsize=(max(4.8, 0.6 * len(recs)), 3.4))
    ax.bar(k - 0.2, wo, 0.4, label="without learning (golden)")
    ax.bar(k + 0.2, w, 0.4, label="with learning (RTL)")
    ax.set_xticks(k, recs)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("DS2 record (test part after minute 5)")
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title, fontsize=9)
    page.figure(sec, title, fig, f"{name}_per_record", cmd)


def _hex_signed(v, bits):
    v = int(v, 16)
    return v - (1 << bits) if v >= 1 << (bits - 1) else v


def fig_encoder_trace(page, js):
    sec = "Encoder over one real beat (RTL trace port)"
    title = "encoder: spike raster and references over one beat"
    cmd = "python scripts/bench.py --block encoder --beats 200 --keep"
    runs = sorted((ROOT / "build" / "bench").glob("*/encoder_runs/*.out"))
    if not runs:
        page.missing(sec, title, cmd, "no kept encoder run files build/bench/<sim>/encoder_runs/*.out")
        return
    out = runs[0]
    inp = out.with_suffix(".in")
    L = 250
    try:
        words = [int(w, 16) for w in inp.read_text().split()][:L]
        x = np.array([_hex_signed(f"{w & 0xFFFF:x}", 16) for w in words])
        t = [ln.split() for ln in out.read_text().splitlines() if ln.startswith("T ")][:L]
        s = [ln.split() for ln in out.read_text().splitlines() if ln.startswith("S ")][:L]
        ref_s = np.array([_hex_signed(e[3], 12) for e in t])
        ref_l = np.array([_hex_signed(e[4], 12) for e in t])
        spk = np.array([int(e[3], 16) for e in s])
        if not (len(x) == len(t) == len(s) == L):
            raise ValueError(f"{len(x)} words, {len(t)} trace entries, {len(s)} spikes")
    except (OSError, ValueError, IndexError) as exc:
        page.missing(sec, title, cmd, f"{_rel(out)} unreadable: {exc}")
        return
    fig, (a0, a1) = plt.subplots(2, 1, figsize=(7, 4.6), sharex=True, gridspec_kw={"height_ratios": [3, 1.4]})
    i = np.arange(L)
    a0.plot(i, x, color="0.3", lw=1, label="ECG stream word (ADC code)")
    a0.step(i, ref_s, where="post", color="C0", lw=1, label="ref_s (small gap)")
    a0.step(i, ref_l, where="post", color="C1", lw=1, label="ref_l (large gap)")
    a0.legend(fontsize=7)
    a0.set_ylabel("ADC code")
    names = ["s_rise", "s_fall", "l_rise", "l_fall"]
    for b in range(4):
        on = np.flatnonzero(spk >> b & 1)
        a1.vlines(on, b + 0.1, b + 0.9, color=f"C{b}")
    a1.set_yticks(np.arange(4) + 0.5, names)
    a1.set_xlabel("sample in the beat (R peak at 100)")
    a0.set_title(f"record {out.stem}, first beat of the run: {int((spk > 0).sum())} samples with a spike")
    page.figure(sec, title, fig, "encoder_raster", cmd + "   (file " + _rel(out) + ")",
                "references and spikes as the RTL's trace port and spike stream gave them")


def fig_membranes(page):
    sec = "e-prop engine over one real beat (RTL trace port)"
    title = "membranes of a few neurons over one real beat"
    run = "snn_eprop_intra_infer"
    cmd = "make bench B=snn_eprop SPLIT=intra MODE=infer BEATS=200 TRACE=1"
    f = RESULTS / f"{run}_trace.npz"
    js = RESULTS / f"{run}.json"
    if js.exists():
        cmd = command_of(json.loads(js.read_text()), cmd)
    if not f.exists():
        page.missing(sec, title, cmd, f"needs build/bench/results/{f.name} with 'u' [T, 64] (membranes of one "
                     "beat from the trace port), 'record' and 'sample' (written by a TRACE=1 run)")
        return
    z = dict(np.load(f))
    try:
        u = np.asarray(z["u"])
        if u.ndim != 2 or u.shape[1] != 64:
            raise ValueError(f"'u' has shape {u.shape}, expected [T, 64]")
        rec, smp = int(z["record"]), int(z["sample"])
    except (KeyError, ValueError) as exc:
        page.missing(sec, title, cmd, f"{_rel(f)} unreadable: {exc}")
        return
    spk = np.asarray(z["z"]) if "z" in z else None
    # the six hidden neurons whose membranes move most over the beat
    show = np.argsort(-(u.max(0) - u.min(0)), kind="stable")[:6]
    y = np.asarray(z["y"]) if "y" in z else None
    fig, axs = plt.subplots(2 if y is not None else 1, 1, figsize=(7, 5 if y is not None else 3),
                            sharex=True, squeeze=False)
    t = np.arange(u.shape[0])
    a0 = axs[0, 0]
    for n, j in enumerate(show):
        a0.plot(t, u[:, j], color=f"C{n}", lw=1, label=f"hidden {j}")
        if spk is not None:
            on = np.flatnonzero(spk[:, j])
            a0.plot(on, u[on, j], "v", color=f"C{n}", ms=4)
    a0.set_ylabel("hidden membrane u (s16)")
    a0.legend(fontsize=6, ncol=3)
    names = ["N", "S", "V", "F"]
    if y is not None:
        a1 = axs[1, 0]
        for k in range(y.shape[1]):
            a1.plot(t, y[:, k], lw=1, label=f"output {names[k] if k < 4 else k}")
        a1.set_ylabel("output membrane y (s16)")
        a1.legend(fontsize=6, ncol=4)
    axs[-1, 0].set_xlabel("timestep (5 samples each)")
    lab = f", label {names[int(z['label'])]}" if "label" in z and 0 <= int(z["label"]) < 4 else ""
    prd = f", RTL class {names[int(z['pred'])]}" if "pred" in z and 0 <= int(z["pred"]) < 4 else ""
    a0.set_title(f"record {rec}, R peak at sample {smp}{lab}{prd}", fontsize=9)
    page.figure(sec, title, fig, "eprop_membranes", cmd + "   (file " + _rel(f) + ")",
                "membranes (before reset; triangles: spikes) as the e-prop engine's trace port gave them, "
                "every value equal to the golden model")


def fig_coverage(page):
    sec = "Coverage"
    title = "coverage per module (line / branch / toggle)"
    f = ROOT / "build" / "cov" / "summary.json"
    if not f.exists():
        page.missing(sec, title, "make cov")
        return
    s = json.loads(f.read_text())
    mods = sorted(s)
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(mods) + 1.2))
    k = np.arange(len(mods))
    for j, kind in enumerate(("line", "branch", "toggle")):
        ax.barh(k + (j - 1) * 0.27, [s[m].get(kind, {}).get("pct", 0) for m in mods], 0.27, label=kind)
    ax.set_yticks(k, mods, fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% covered")
    ax.legend(fontsize=7)
    page.figure(sec, title, fig, "coverage", "make cov")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(OUT), help="output directory (default build/report)")
    ap.add_argument("--results", default=None, help="bench results (default build/bench/results)")
    a = ap.parse_args(argv)
    global RESULTS
    if a.results:
        RESULTS = Path(a.results)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):          # never show a figure of an earlier run's inputs
        old.unlink()
    page = Page(out)
    for name, default_cmd in RUNS.items():
        js, arr = load_run(name)
        if js is None:
            page.missing("Bench runs", name, default_cmd,
                         f"no build/bench/results/{name}.json")
            continue
        cmd = command_of(js, default_cmd)
        if name != "encoder":
            fig_confusion(page, name, js, arr, cmd)
        fig_cycles(page, name, js, arr, cmd)
        if js.get("mode") == "learn":
            fig_learning(page, name, js, cmd)
    fig_encoder_trace(page, None)
    fig_membranes(page)
    fig_coverage(page)
    page.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
