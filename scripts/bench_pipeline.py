# SPDX-License-Identifier: Apache-2.0
"""`make bench B=pipeline`: whole MIT-BIH records through the whole two-stage pipeline RTL.

    make bench B=pipeline SPLIT=intra RECORDS=208,232 [SIM=..] [TRACE=1|0]
    make bench B=pipeline SPLIT=inter MODE=learn RECORDS=232 [SIM=..] [TRACE=1|0]

Every beat of each record (Q beats too), in time order with its true pre-RR interval, streams
as a 250-sample frame into ecg_pipeline_top (verif/system/tb_pipeline_bench.v): encoder, RR
unit, IF screen, Click wake-up path and clock gate, e-prop engine on gclk_stage2.  SPLIT=intra
uses the intra banks and image and scores the intra-patient test beats of the records;
SPLIT=inter uses the inter banks and the ds1 image and scores DS2 beats.  MODE=learn
(patient adaptation): the record's first 5 minutes run with wake_all = 1 and their N/S/V/F
beats labelled as learning beats (stage 2's CTRL.LEARN = 1), then the rest with wake_all = 0,
so only the beats the screen calls abnormal reach stage 2; scored on the beats after minute 5.

Compared exactly with the golden chain (golden/encoder.py, golden/rr.py, golden/snn_if.py,
golden/eprop.py): every stage-1 decision (class, tag, abnormal), every stage-2 decision (class,
4 output membranes, tag, learned), with TRACE=1 every e-prop trace record, and the stage-2
weights and accumulators at the end.  Prints cycles: per beat from the handshake of the last
sample to the stage-1 decision and (woken beats) to the stage-2 decision, and the run's cycles
per beat.  A block module of scripts/bench.py (registry: bench_core.blocks()).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from golden import data as D
from golden import encoder as G
from golden import eprop as P
from golden import rr as RR
from golden import snn_if as S
from golden.metrics import class_metrics, confusion
from verif.common import eprop as VE

from bench_core import BUILD, build, log, parse_trace, run_jobs, run_sim, summary, with_arrays

BLOCK = "pipeline"
MODES = ("infer", "learn")
USES = ("split", "trace")          # no idle knob: the testbench back-pressures only (BP_PCT)
CORRUPT = "theta + 1 in the e-prop model"


def WHOLE_RECORDS(a):
    return True

TB = "verif/system/tb_pipeline_bench.v"
TOP = "tb_pipeline_bench"
FILELIST = "rtl/system/ecg_pipeline_top.f"
TAG_W = 12
PAPER_CYCLES_TWO_STAGE = 87_000


def stream_lines(x, user, wake) -> str:
    """One line per sample: '<wake> <tuser 8h> <{tlast, sample} 5h>'; a barrier line '2 0 0'
    where wake_all changes."""
    out = []
    prev = wake[0] if len(wake) else 0
    for b in range(len(x)):
        if wake[b] != prev:
            out.append("2 0 0\n")
            prev = wake[b]
        n = x.shape[1]
        for s in range(n):
            w = (int(x[b, s]) & 0xFFFF) | ((s == n - 1) << 16)
            out.append(f"{int(wake[b])} {int(user[b]) if s == 0 else 0:08x} {w:05x}\n")
    return "".join(out)


def parse(path: Path):
    d1, d2, last, mem, fin, err = [], [], [], {}, None, []
    for line in path.read_text().splitlines():
        f = line.split()
        if f[0] == "D1":
            d1.append((int(f[1], 16), int(f[2], 16), int(f[3], 16), int(f[4])))
        elif f[0] == "D2":
            # class, y, tag, learned, cycle, cfg_err
            d2.append((int(f[1], 16), int(f[2], 16), int(f[3], 16), int(f[4], 16), int(f[5]), int(f[6])))
        elif f[0] == "L":
            last.append(int(f[1]))
        elif f[0] == "M":
            mem[int(f[1], 16)] = (int(f[2], 16), int(f[3], 16))
        elif f[0] == "F":
            fin = tuple(int(v) for v in f[1:])
        elif f[0] in ("X", "A") and not (f[0] == "A" and f[1] == "0"):
            err.append(line)
    return d1, d2, last, mem, fin, err


def run(a):
    build_dir = BUILD
    trace = bool(a.trace)
    learn = a.mode == "learn"
    if learn and a.split != "inter":
        raise SystemExit("pipeline MODE=learn is patient adaptation: SPLIT=inter")
    split = "intra" if a.split == "intra" else "inter"
    model = "intra" if split == "intra" else "ds1"
    bs = D.load_beats()
    y = D.nsvf_labels(bs.symbol)
    if split == "intra":
        scored = np.zeros(len(bs), bool)
        scored[D.intra_patient_split(bs, seed=2025)[1]] = True
        default = [208, 232, 119]
    else:
        scored = np.zeros(len(bs), bool)
        scored[D.inter_patient_split(bs)[1]] = True
        default = [232, 213, 233]
    if learn:
        scored &= bs.sample >= 5 * 60 * D.FS_MITDB
    recs = default if a.records is None else a.records
    first, delta = RR.host_inputs(bs.record, bs.sample)
    rr_all = RR.rr_bits(bs.record, bs.sample)
    banks = S.load_split(split)
    screen = banks["binary"]
    p0 = P.load_model(model)
    model_p = P.with_cfg(p0, theta=p0.cfg.theta + 1) if a.corrupt_model else p0
    enc = G.load_params()
    log(f"pipeline: {len(recs)} whole records {recs}, split {split}, model {model}, mode {a.mode}, "
        f"sim {a.sim}, TRACE_EN={int(trace)}")
    t_build = time.time()
    hexes = {f"INIT_BANK{b}": f'"{S.PARAMS_DIR / S.hex_name(split, n)}"' for b, n in enumerate(S.BANKS)}
    exe = build(a.sim, TOP, FILELIST, TB, params={
        "TRACE_EN": int(trace), **hexes, "INIT_EPROP": f'"{P.PARAMS_DIR / (model + ".hex")}"',
        "DELTA_S": enc["delta_s"], "DELTA_L": enc["delta_l"]}, tag=f"{TOP}_{split}_t{int(trace)}")
    log(f"built in {time.time() - t_build:.0f} s")
    (build_dir / a.sim).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pipeline_", dir=build_dir / a.sim))

    def one(r):
        idx = np.flatnonzero(bs.record == r)
        n = len(idx)
        early = bs.sample[idx] < 5 * 60 * D.FS_MITDB
        wake = (early if learn else np.zeros(n, bool)).astype(np.int64)
        lab_ok = (y[idx] >= 0) & (wake == 1)
        labels = np.where(lab_ok, np.maximum(y[idx], 0), 0)
        user = ((lab_ok.astype(np.int64) << (TAG_W + 19)) | (labels << (TAG_W + 17))
                | (first[idx].astype(np.int64) << (TAG_W + 16)) | (delta[idx].astype(np.int64) << TAG_W)
                | (np.arange(n) & ((1 << TAG_W) - 1)))
        inp, out, trc = work / f"{r}.in", work / f"{r}.out", work / f"{r}.trc"
        inp.write_text(stream_lines(bs.x[idx], user, wake))
        t0 = time.time()
        cmd = exe + [f"+in={inp}", f"+out={out}", f"+trc={trc}", f"+learn={int(learn)}", f"+seed={a.seed}",
                     f"+bp_pct={a.bp_pct}"]
        run_sim(cmd, work, r)
        dt = time.time() - t0
        # ---- golden chain
        slots = G.encode_beats(bs.x[idx], G.default_config()).slots
        rr = rr_all[idx]
        s_cls = S.run_beats(S.screen_inputs(slots, rr), screen).cls
        woken = (s_cls != 0) | (wake == 1)
        p, acc = model_p.copy(), P.LearnAcc.zeros()
        exp2, recs_t = [], []
        xs = VE.inputs_from_slots(slots, rr)
        k2 = 0
        for b in np.flatnonzero(woken):
            lab = int(labels[b]) if lab_ok[b] else None
            e = VE.expect_beat(k2, xs[b], p, label=lab, acc=acc, trace=trace)
            k2 += 1
            if lab is not None:
                p, acc = e.run.params, e.run.acc
            yv = sum((int(v) & 0xFFFF) << (16 * k) for k, v in enumerate(e.run.y))
            exp2.append((e.run.cls, yv, int(b) & ((1 << TAG_W) - 1), int(lab is not None), 0))  # legal image: cfg_err 0
            if trace:
                recs_t.append(e.records)
        d1, d2, last, mem, fin, errs = parse(out)
        errors = list(errs)
        exp1 = [(int(c), int(b) & ((1 << TAG_W) - 1), int(c != 0)) for b, c in enumerate(s_cls)]
        got1 = [t[:3] for t in d1]
        got2 = [t[:4] + t[5:6] for t in d2]
        bad1 = sum(e != g for e, g in zip(exp1, got1)) + abs(len(exp1) - len(got1))
        bad2 = sum(e != g for e, g in zip(exp2, got2)) + abs(len(exp2) - len(got2))
        if bad1:
            errors.append(f"{bad1} stage-1 decisions differ ({len(got1)} of {len(exp1)})")
        if bad2:
            errors.append(f"{bad2} stage-2 decisions differ ({len(got2)} of {len(exp2)})")
        values = 3 * len(exp1) + 5 * len(exp2)
        bad_t = 0
        if trace:
            g = parse_trace(trc)
            want = np.concatenate(recs_t) if recs_t else np.zeros((0, 4), np.int64)
            values += want.size
            if g is None or not np.array_equal(np.stack(g, axis=1) if g is not None else None, want):
                bad_t = 1
                errors.append(f"e-prop trace differs ({0 if g is None else len(g[0])} vs {len(want)} records)")
        w_want = P.pack_image(p)
        a_want = VE.acc_words(acc) + [0] * (P.IMAGE_WORDS - P.ADDR_BOUT)
        bad_m = sum(mem.get(i, (None, None)) != (w_want[i], a_want[i]) for i in range(P.IMAGE_WORDS))
        values += 2 * P.IMAGE_WORDS * P.LANES
        if bad_m:
            errors.append(f"{bad_m} stage-2 memory words differ at the end")
        # ---- cycles: last-sample handshake -> stage-1 decision; -> stage-2 decision (woken beats)
        lat1 = np.array([d1[b][3] - last[b] for b in range(min(len(d1), len(last)))], np.int64)
        wb = np.flatnonzero(woken)
        lat2 = np.array([d2[k][4] - last[wb[k]] for k in range(min(len(d2), len(wb)))], np.int64)
        # cycles per beat: between consecutive stage-1 decisions of the record
        cyc = np.diff(np.array([t[3] for t in d1], np.int64))
        if not a.keep:
            for f in (inp, out, trc):
                f.unlink(missing_ok=True)
        trc_bytes = 0
        pred = np.where(s_cls == 0, 0, -1)
        for k, b in enumerate(wb):
            if k < len(d2):
                pred[b] = d2[k][0] if s_cls[b] != 0 else 0   # calibration beats the screen calls normal stay N
        return dict(record=r, n=n, bad=bad1 + bad2 + bad_t + bad_m, errors=errors, values=values,
                    lat1=lat1, lat2=lat2, cycles=fin[0] if fin else 0, woken=int(woken.sum()),
                    gedges=fin[4] if fin else 0, idx=idx, pred=pred, dt=dt, learn=int(lab_ok.sum()), cyc=cyc,
                    trc_bytes=trc_bytes)

    t0 = time.time()
    res_l = []
    for res in run_jobs(one, recs, a.jobs):
        res_l.append(res)
        log(f"record {res['record']}: {res['n']} beats, {res['woken']} to stage 2, "
            f"{res['bad']} mismatches {res['errors'][:2]}")
    wall = time.time() - t0
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    idx = np.concatenate([r["idx"] for r in res_l])
    pred = np.concatenate([r["pred"] for r in res_l])
    lat1 = np.concatenate([r["lat1"] for r in res_l])
    lat2 = np.concatenate([r["lat2"] for r in res_l])
    m = scored[idx] & (y[idx] >= 0)
    n_beats = int(sum(r["n"] for r in res_l))
    cyc = np.concatenate([r["cyc"] for r in res_l])
    sim_time = sum(r["dt"] for r in res_l)
    out = summary(
        block="pipeline", sim=a.sim, split=split, mode=a.mode, model=model,
        trace=int(trace), records=recs, beats=n_beats,
        mismatches=int(sum(r["bad"] for r in res_l)),
        errors=[e for r in res_l for e in r["errors"]][:10],
        values_compared=int(sum(r["values"] for r in res_l)),
        stage2_beats=int(sum(r["woken"] for r in res_l)),
        learning_beats=int(sum(r["learn"] for r in res_l)),
        woken_frac=round(sum(r["woken"] for r in res_l) / max(n_beats, 1), 4),
        latency_stage1_mean=round(float(lat1.mean()), 1) if len(lat1) else None,
        latency_stage1_max=int(lat1.max()) if len(lat1) else None,
        latency_stage2_mean=round(float(lat2.mean()), 1) if len(lat2) else None,
        latency_stage2_max=int(lat2.max()) if len(lat2) else None,
        cycles_per_beat_mean=round(float(cyc.mean()), 1) if len(cyc) else None,
        cycles_per_beat_max=int(cyc.max()) if len(cyc) else None,
        cycles_per_beat_run=round(sum(r["cycles"] for r in res_l) / max(n_beats, 1), 1),
        beats_per_second=round(n_beats / sim_time * a.jobs, 1) if sim_time else None,
        paper_cycles_two_stage=PAPER_CYCLES_TWO_STAGE,
        gated_edges=int(sum(r["gedges"] for r in res_l)),
        wall_seconds=round(wall, 1), seed=a.seed, bp_pct=a.bp_pct,
    )
    if m.any() and (pred[m] >= 0).all():
        mt = class_metrics(confusion(y[idx][m], pred[m], 4))
        out["rtl_two_stage_accuracy"] = {
            "n": int(m.sum()), "acc": round(float(mt["acc"]), 6), "macro_f1": round(float(mt["macro_f1"]), 6),
            "sens": [None if not np.isfinite(v) else round(float(v), 6) for v in mt["sens"]],
            "ppv": [None if not np.isfinite(v) else round(float(v), 6) for v in mt["ppv"]],
            "confusion": mt["confusion"].tolist()}
    # per-beat arrays (every streamed beat, in record then time order): the label (N/S/V/F,
    # -1 where not scored: before minute 5, outside the split or not N/S/V/F) and the two-stage
    # RTL decision (-1: no stage-2 decision read).  No per-beat cycles: the bench measures the
    # intervals between consecutive decisions, not the cycles of each beat.
    return with_arrays(out, label=np.where(m, y[idx], -1).astype(np.int64), pred=pred.astype(np.int64))
