#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Classify your own ECG recording, beat by beat (issue 15 item 6; docs/recording.md).

    make classify REC=<record.hea | record base | file.csv> [FS=Hz] [CHANNEL=name|index]
        [UNITS=mV|uV|V|adc] [MAINS=60|50] [MODEL=inter|intra] [OUT=file.csv|file.json] [RTL=1 [SIM=..]]

No annotation is used: the integer front end finds the R peaks, every beat gets a 250-sample
window of the raw signal, the signal-quality gate's verdict, the IF screen's class (stage 1), the
severity cascade's class and, for the beats stage 1 calls abnormal, the e-prop network's N/S/V/F
class (stage 2). One row per beat (time, RR, quality, decision, stage 1, severity, stage 2) goes
to OUT (CSV, or JSON when OUT ends in .json), and a summary to stdout. A beat the gate marks
unreadable has decision ``unreadable``, never ``normal``.

By default the golden models decide. RTL=1 (``--rtl``) runs the same recording through the RTL:
the whole signal through the front end (``ecg_frontend``, every filter value, decision and peak
compared with golden/frontend.py), then the detected beats through the two-stage pipeline top
(``ecg_pipeline_top``: encoder, RR unit, IF screen, wake-up path, e-prop engine), every stage-1
and stage-2 decision compared with the golden chain, and the same windows through the quality
gate (``qual_gate``, every measure and reason compared); the decisions and the quality column
written are the RTL's, and any difference ends the command with exit status 3 and "RTL
mismatch". (The severity cascade runs in the IF engine but the pipeline top reports only the
screen: that column is the golden model's, said so in the JSON.) Exit status 2: the recording or an argument is unusable (the message names why).
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from golden import frontend as FE  # noqa: E402
from golden import recording as REC  # noqa: E402

COLUMNS = ("beat", "sample", "time_s", "rr_ms", "quality", "decision", "stage1", "severity", "stage2")


def rtl_run(x, beats: REC.Beats, mains: int, model: str, sim: str, corrupt: bool = False):
    """Front end, quality gate and pipeline RTL on the recording; returns (rtl stage1, rtl stage2,
    rtl quality reasons, report)."""
    from bench_core import BUILD, build, run_sim
    import bench_frontend as BF
    import bench_quality as BQ
    import bench_pipeline as BP
    from golden import encoder as E
    from golden import eprop as P
    from golden import rr as RR
    from golden import snn_if as S

    rep = {"sim": sim, "errors": []}
    (BUILD / sim).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="classify_", dir=BUILD / sim))
    try:
        # 1. the front end: the whole signal, every value
        exe = build(sim, "tb_ecg_frontend_bench", "rtl/frontend/ecg_frontend.f",
                    "verif/frontend/tb_ecg_frontend_bench.v")
        xi = np.asarray(x, np.int64)
        inp, out, trc = work / "fe.in", work / "fe.out", work / "fe.trc"
        inp.write_text("\n".join(f"{v:04x}" for v in (xi & 0xFFFF)) + "\n")
        t0 = time.time()
        run_sim(exe + [f"+in={inp}", f"+out={out}", f"+trc={trc}", f"+mains={mains}", "+seed=1",
                       "+idle_pct=0", "+bp_pct=0"], work, "recording")
        c = BF.check_record(xi, out, trc, corrupt=False, mains=mains)
        rep["frontend"] = {"samples": c["samples"], "peaks": int(len(c["peaks"])), "mismatches": c["mismatches"],
                           "values_compared": c["compared"], "seconds": round(time.time() - t0, 1)}
        if c["error"]:
            rep["errors"].append(f"front end: {c['error']}")
        rtl_peaks = np.sort(c["peaks"])
        keep = (rtl_peaks - REC.PRE >= 0) & (rtl_peaks + REC.POST <= len(xi))
        if not np.array_equal(rtl_peaks[keep], beats.sample):
            rep["errors"].append("front end: the RTL's beats differ from the golden detector's")
        # 2. the pipeline top: every detected beat as a frame, its detected RR on the sideband
        split, ep_name = REC.MODELS[model]
        ep = P.load_model(ep_name)
        if corrupt:
            ep = P.with_cfg(ep, theta=ep.cfg.theta + 1)
        rep["corrupted_model"] = bool(corrupt)
        enc = E.load_params()
        hexes = {f"INIT_BANK{b}": f'"{S.PARAMS_DIR / S.hex_name(split, n)}"' for b, n in enumerate(S.BANKS)}
        exe2 = build(sim, BP.TOP, BP.FILELIST, BP.TB, params={
            "TRACE_EN": 0, **hexes, "INIT_EPROP": f'"{P.PARAMS_DIR / (ep_name + ".hex")}"',
            "DELTA_S": enc["delta_s"], "DELTA_L": enc["delta_l"]}, tag=f"{BP.TOP}_{split}_t0")
        n = len(beats)
        win = xi[beats.sample[:, None] + np.arange(-REC.PRE, REC.POST)[None, :]]
        first, delta = RR.host_inputs(np.zeros(n, np.int64), beats.sample)
        tw = BP.TAG_W
        user = ((first.astype(np.int64) << (tw + 16)) | (delta.astype(np.int64) << tw)
                | (np.arange(n) & ((1 << tw) - 1)))
        inp, out = work / "p.in", work / "p.out"
        inp.write_text(BP.stream_lines(win, user, np.zeros(n, np.int64)))
        t0 = time.time()
        run_sim(exe2 + [f"+in={inp}", f"+out={out}", f"+trc={work / 'p.trc'}", "+learn=0", "+seed=1",
                        "+bp_pct=0"], work, "recording")
        d1, d2, _last, _mem, _fin, errs = BP.parse(out)
        rep["errors"] += [f"pipeline testbench: {e}" for e in errs[:3]]
        s1 = np.array([t[0] for t in d1], np.int64)
        s2 = np.full(len(s1), -1, np.int64)
        ab = np.flatnonzero(s1 != 0)
        for k, b in enumerate(ab[:len(d2)]):
            s2[b] = d2[k][0]
        bad1 = int((s1 != beats.stage1).sum()) if len(s1) == n else n
        want2 = beats.stage2
        if corrupt:        # the expected side with e-prop theta + 1 (the RTL keeps the shipped image)
            from verif.common import eprop as VE
            want2 = np.full(n, -1, np.int64)
            gab = np.flatnonzero(beats.stage1 != 0)
            if gab.size:
                want2[gab] = P.classify(VE.inputs_from_slots(beats.slots[gab], beats.rr_bits[gab]), ep)
        bad2 = int((s2 != want2).sum()) if len(s1) == n else n
        if len(d1) != n:
            rep["errors"].append(f"pipeline: {len(d1)} stage-1 decisions for {n} beats")
        if len(d2) != len(ab):
            rep["errors"].append(f"pipeline: {len(d2)} stage-2 decisions for {len(ab)} abnormal beats")
        rep["pipeline"] = {"beats": n, "stage2_beats": int(len(ab)), "stage1_mismatches": bad1,
                           "stage2_mismatches": bad2, "seconds": round(time.time() - t0, 1)}
        # 3. the quality gate (rtl/quality/qual_gate.v) on the same windows: hf, amp, flat, rail,
        #    reasons of every beat and its 3-cycle latency
        exe3 = build(sim, "tb_qual_gate_bench", "rtl/quality/qual_gate.f", "verif/quality/tb_qual_gate_bench.v")
        inp, out = work / "q.in", work / "q.out"
        BQ.write_words(inp, win)
        t0 = time.time()
        run_sim(exe3 + [f"+in={inp}", f"+out={out}", "+seed=1", "+idle_pct=0", "+bp_pct=0"], work, "recording")
        qbad, qcomp, _cyc, _lat, qerr = BQ.check_chunk(win, out, False, True)
        qres = BQ.parse_out(out)[0]
        qrtl = (np.array([r[5] for r in qres], np.int64) if len(qres) == n else beats.quality.astype(np.int64))
        if qerr:
            rep["errors"].append(f"quality gate: {qerr}")
        rep["quality"] = {"beats": n, "mismatches": int(qbad.sum()), "values_compared": int(qcomp),
                          "seconds": round(time.time() - t0, 1)}
        rep["mismatches"] = (c["mismatches"] + bad1 + bad2 + (0 if len(d2) == len(ab) else 1)
                             + int(qbad.sum()))
        return ((s1 if len(s1) == n else beats.stage1), (s2 if len(s1) == n else beats.stage2), qrtl, rep)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("recording", help="WFDB record (.hea or base name) or CSV file")
    ap.add_argument("--fs", default=None, help="sampling rate in Hz (CSV: required; WFDB: from the header)")
    ap.add_argument("--channel", default=None, help="channel name or index (default MLII/II/ECG, else the first)")
    ap.add_argument("--units", default="mV", help="CSV units: mV (default), uV, V, adc (codes at 200 per mV)")
    ap.add_argument("--mains", type=int, default=60, help="mains frequency for the notch: 60 (default) or 50")
    ap.add_argument("--model", default="inter", help="inter (DS1-trained, default) or intra")
    ap.add_argument("--out", default=None, help="per-beat table: .csv (default <name>_beats.csv) or .json")
    ap.add_argument("--rtl", action="store_true", help="decide through the RTL (front end and pipeline top)")
    ap.add_argument("--sim", default="verilator", choices=("verilator", "icarus"))
    ap.add_argument("--corrupt-model", action="store_true",
                    help="(with --rtl) e-prop theta + 1 in the golden model the RTL is compared with: "
                         "proves the comparison can fail")
    a = ap.parse_args(argv)
    if a.corrupt_model and not a.rtl:
        ap.error("--corrupt-model needs --rtl")
    t0 = time.time()
    try:
        if a.mains not in (50, 60):
            raise REC.RecordingError(f"mains must be 50 or 60 Hz, got {a.mains}")
        rec = REC.load_recording(a.recording, fs=a.fs, channel=a.channel, units=a.units)
        beats = REC.classify_signal(rec.signal, mains=a.mains, model=a.model)
    except (REC.RecordingError, FE.FrontEndError) as e:
        print(f"classify: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    rows = beats.rows()
    summary = {"block": "classify", "recording": str(a.recording), "name": rec.name, "fs_in": rec.fs_in,
               "channel": rec.channel, "units_in": rec.units_in, "seconds": round(rec.seconds, 1),
               "resampled": rec.resampled, "saturated_samples": rec.saturated, "notes": rec.notes,
               "model": a.model, "mains": a.mains, "decided_by": "golden",
               "peaks_detected": beats.peaks_detected, "beats": len(beats), "skipped_edge": beats.skipped_edge}
    status = 0
    if a.rtl:
        s1, s2, q, rep = rtl_run(rec.signal, beats, a.mains, a.model, a.sim, corrupt=a.corrupt_model)
        summary.update(decided_by=f"rtl ({a.sim})", rtl=rep, quality_source=f"rtl ({a.sim})",
                       severity_source="golden")
        for k, r in enumerate(rows):
            r["stage1"] = REC.STAGE1[s1[k]]
            r["stage2"] = REC.STAGE2[s2[k]] if s2[k] >= 0 else ""
            r["quality"] = "ok" if not q[k] else "+".join(REC.Q.reason_names(q[k]))
            r["decision"] = "unreadable" if q[k] else r["stage1"]
        if rep["mismatches"] or rep["errors"]:
            print(f"classify: RTL mismatch: {rep['mismatches']} values differ from the golden model; "
                  f"{'; '.join(rep['errors'][:3])}", file=sys.stderr)
            status = 3
    dec = [r["decision"] for r in rows]
    summary["decisions"] = {k: dec.count(k) for k in ("normal", "abnormal", "unreadable")}
    st2 = [r["stage2"] for r in rows if r["stage2"]]
    summary["stage2"] = {k: st2.count(k) for k in REC.STAGE2}
    hr = beats.rr[beats.rr > 0]
    summary["heart_rate_bpm_median"] = round(60 * REC.FS / float(np.median(hr)), 1) if len(hr) else None
    out = Path(a.out) if a.out else Path(f"{rec.name}_beats.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".json":
        out.write_text(json.dumps({"summary": summary, "beats": rows}, allow_nan=False) + "\n")
    else:
        with out.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=COLUMNS)
            w.writeheader()
            for r in rows:
                w.writerow({k: ("" if r[k] is None else r[k]) for k in COLUMNS})
    summary["out"] = str(out)
    summary["wall_seconds"] = round(time.time() - t0, 1)
    print(f"{rec.name}: {rec.seconds:.0f} s at {rec.fs_in:g} Hz{' (resampled)' if rec.resampled else ''}, "
          f"{len(beats)} beats: {summary['decisions']['normal']} normal, {summary['decisions']['abnormal']} "
          f"abnormal, {summary['decisions']['unreadable']} unreadable; stage 2 {summary['stage2']}; "
          f"decided by {summary['decided_by']}; table in {out}")
    print(json.dumps(summary, allow_nan=False))
    return status


if __name__ == "__main__":
    sys.exit(main())
