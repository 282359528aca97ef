# SPDX-License-Identifier: Apache-2.0
"""`make bench B=snn_eprop`: real beats through the e-prop engine RTL, every value compared.

    make bench B=snn_eprop SPLIT=intra|inter MODE=infer [BEATS=N|all] [SIM=..] [TRACE=1|0]
    make bench B=snn_eprop SPLIT=inter MODE=learn RECORDS=232,233,213 [SIM=..] [TRACE=1|0]

MODE=infer: held-out beats (intra-patient test split with the `intra` model, or DS2 with
the `ds1` model; N/S/V/F beats), one simulation per record.  MODE=learn (patient
adaptation, docs/eprop.md 9): per DS2 record, from the `ds1` image, the record's
labelled beats of the first 5 minutes are sent as learning beats (CTRL.LEARN = 1), then
every later N/S/V/F beat as an inference beat, in time order, in one simulation.

Compared with golden/eprop.py (verif/common/eprop.py), exactly: every decision (class,
the 4 output membranes, tag, learned flag), the statistics registers after every beat
(cycles against the cycle formula, weight/accumulator words, saturations), with TRACE=1
every trace record (membranes, spikes, pseudo-derivatives, outputs, traces, errors,
learning signals, postsynaptic factors, every applied weight lane with its delta), and at
the end of every run the whole weight memory and the 400 accumulator words bit for bit.
Accuracy is computed from the RTL's decisions.  A block module of scripts/bench.py (registry: bench_core.blocks()).
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
from golden.metrics import class_metrics, confusion
from verif.common import eprop as VE

from bench_core import BUILD, build, log, parse_trace, run_jobs, run_sim, summary, with_arrays

BLOCK = "snn_eprop"
MODES = ("infer", "learn")
USES = ("split", "trace", "idle_pct")
CORRUPT = "theta + 1"


def WHOLE_RECORDS(a):
    """MODE=learn streams whole DS2 records (RECORDS); MODE=infer draws BEATS."""
    return a.mode == "learn"

TB = "verif/eprop/tb_eprop_bench.v"
TOP = "tb_eprop_bench"
FILELIST = "rtl/eprop/eprop_engine.f"
PAPER_CYCLES_EPROP, PAPER_CYCLES_TWO_STAGE = 256_000, 87_000     # Mao et al. 2022
M16 = 0xFFFF


def beat_lines(words, ctl, tags) -> str:
    """'<tag 4h> <ctl 1h> <beat 128h>' per beat."""
    return "".join(f"{int(t) & M16:04x} {int(c):x} {w:0128x}\n" for w, c, t in zip(words, ctl, tags))


def parse_out(path: Path):
    a, d, st, m, e, f = [], [], [], {}, [], None
    for line in path.read_text().splitlines():
        k, rest = line[:1], line[2:].split()
        if k == "A":
            a.append((rest[0], int(rest[1], 16), int(rest[2], 16), int(rest[3], 16)))
        elif k == "D":
            d.append([int(x, 16) for x in rest])
        elif k == "S":
            st.append([int(x, 16) for x in rest])
        elif k == "M":
            m[int(rest[0], 16)] = (int(rest[1], 16), int(rest[2], 16))
        elif k in "EX":
            e.append(line)
        elif k == "F":
            f = tuple(int(x) for x in rest)
    return a, d, st, m, e, f


def s16(v):
    v &= M16
    return v - (1 << 16) if v >> 15 else v


def beat_membranes(g: np.ndarray, beat: int = 0):
    """The membranes of beat ``beat`` of a run as the RTL's trace port gave them (records
    ``g`` [n, 4]: kind, index, step, value; step = beat << 6 | t): ``u`` [T, 64] hidden
    membranes (before reset), ``z`` [T, 64] hidden spikes, ``y`` [T, 4] output membranes;
    None when the trace lacks one of them."""
    t = g[:, 2] & 0x3F
    on = (g[:, 2] >> 6) == (beat & 0x3FF)
    out = {}
    for name, kind, n in (("u", VE.TRC_VMEM, P.N_REC), ("y", VE.TRC_YMEM, P.N_OUT)):
        sel = on & (g[:, 0] == kind) & (t < P.T) & (g[:, 1] < n)
        cell = t[sel] * n + g[sel, 1]
        if len(cell) != P.T * n or len(np.unique(cell)) != P.T * n:    # each (step, neuron) once
            return None
        v = np.zeros(P.T * n, np.int64)
        v[cell] = g[sel, 3]
        out[name] = v.reshape(P.T, n)
    out["z"] = (out["u"] >> 16) & 1
    for name in ("u", "y"):
        w = out[name] & M16
        out[name] = np.where(w >> 15, w - (1 << 16), w)
    return out


def check_run(xs, labels, tags, p0: P.EpropParams, out: Path, trc: Path | None, parse_trace):
    """Compare one simulation (beats in order; labels[b] None = inference) with the golden
    model.  Returns (bad [n] bool, values compared, cls [n], cycles [n], events [n],
    errors list, final params, rtl cycles [n] (the statistics register; -1 not read),
    membranes of beat 0 from the RTL trace (beat_membranes) or None)."""
    n = len(xs)
    p, acc = p0.copy(), P.LearnAcc.zeros()
    exp = []
    if trc is None and all(lab is None for lab in labels) and n:
        # inference without the trace: the vectorised golden path (golden/tests/test_eprop.py
        # proves it equal to the step-wise one); an inference beat takes words + 38 x 7 + 5 cycles
        br = P.run_beats(np.asarray(xs), p)
        for b in range(n):
            r = P.BeatRun(cls=int(br.cls[b]), y=br.y[b], spikes=int(br.spikes[b]), words_inf=int(br.words_inf[b]),
                          words_learn=0, sat=int(br.sat[b]))
            exp.append(VE.BeatExpect(run=r, cycles=VE.inference_cycles(r.words_inf), events=r.words_inf,
                                     records=None))
    for b in range(len(exp), n):
        e = VE.expect_beat(b, xs[b], p, label=labels[b], acc=acc, trace=trc is not None)
        exp.append(e)
        if labels[b] is not None:
            p, acc = e.run.params, e.run.acc
    a, d, st, mem, errs, fin = parse_out(out)
    errors = list(errs)
    bad = np.zeros(n, bool)
    values = 0
    if len(d) != n:
        errors.append(f"{len(d)} decisions for {n} beats")
    if fin is None:
        errors.append("no F line (simulation did not finish)")
    sat_total = 0
    for b in range(min(n, len(d))):
        e = exp[b]
        cls, yv, tag, learned, cfg_err = d[b][0], d[b][1], d[b][2], d[b][3], d[b][7]
        y_rtl = [s16(yv >> (16 * k)) for k in range(4)]
        ok = (cls == e.run.cls and y_rtl == [int(v) for v in e.run.y] and tag == int(tags[b]) & M16
              and learned == int(labels[b] is not None) and cfg_err == 0)     # legal images: never refused
        values += 8
        if b < len(st):
            sat_total += e.run.sat
            want = [b + 1, e.cycles, e.events, e.run.sat, sat_total, 0]
            ok &= st[b] == want
            values += 6
        else:
            ok = False
        bad[b] = not ok
    membranes = None
    if trc is not None:
        got = parse_trace(trc)
        want = np.concatenate([e.records for e in exp]) if exp else np.zeros((0, 4), np.int64)
        if got is None:
            errors.append("malformed trace file")
            bad[:] = True
        else:
            g = np.stack(got, axis=1)
            membranes = beat_membranes(g, 0) if n else None
            values += want.size
            if g.shape != want.shape or not np.array_equal(g, want):
                # attribute the first difference to its beat (the step field holds beat_no)
                m = min(len(g), len(want))
                diff = np.flatnonzero((g[:m] != want[:m]).any(1))
                first = int(diff[0]) if len(diff) else m
                bi = int(want[min(first, len(want) - 1), 2] >> 6) if len(want) else 0
                errors.append(f"trace differs from record {first} (beat {bi}): rtl {g[first].tolist() if first < len(g) else None}"
                              f" golden {want[first].tolist() if first < len(want) else None}; "
                              f"{len(g)} vs {len(want)} records")
                bad[bi:] = True
    # memories at the end of the run: weights (CFG words included) and accumulators, bit for bit
    w_want = P.pack_image(p)
    a_want = VE.acc_words(acc) + [0] * (P.IMAGE_WORDS - P.ADDR_BOUT)
    if len(mem) != P.IMAGE_WORDS:
        errors.append(f"memory dump has {len(mem)} words")
        bad[:] = True
    else:
        wd = [i for i in range(P.IMAGE_WORDS) if mem[i][0] != w_want[i]]
        ad = [i for i in range(P.IMAGE_WORDS) if mem[i][1] != a_want[i]]
        values += 2 * P.IMAGE_WORDS * P.LANES
        if wd or ad:
            errors.append(f"memories differ after the run: weight words {wd[:8]}, accumulator words {ad[:8]}")
            bad[-1:] = True
    cls = np.array([x[0] for x in d[:n]] + [-1] * (n - len(d)), np.int64)
    cyc = np.array([e.cycles for e in exp], np.int64)
    ev = np.array([e.events for e in exp], np.int64)
    cyc_rtl = np.array([x[1] for x in st[:n]] + [-1] * (n - min(n, len(st))), np.int64)
    return bad, values, cls, cyc, ev, errors, p, cyc_rtl, membranes


def run(a):
    build_dir = BUILD
    trace = bool(a.trace)
    bs = D.load_beats()
    y = D.nsvf_labels(bs.symbol)
    rr = RR.rr_bits(bs.record, bs.sample)
    if a.mode == "learn":
        if a.split != "inter":
            raise SystemExit("MODE=learn is patient adaptation: SPLIT=inter (DS2 records)")
        model = "ds1"
        ad, te = D.adaptation_split(bs)
        ds2 = sorted({int(r) for r in bs.record[ad]})
        recs = ds2 if a.records is None else a.records
        if any(r not in ds2 for r in recs):
            raise SystemExit(f"RECORDS must be DS2 records: {ds2}")
        runs = []
        for r in recs:
            la = ad[(bs.record[ad] == r) & (y[ad] >= 0)]
            lt = te[(bs.record[te] == r) & (y[te] >= 0)]
            runs.append((r, np.concatenate([la, lt]), len(la)))
    else:
        model = "intra" if a.split == "intra" else "ds1"
        split_idx = (D.intra_patient_split(bs, seed=2025)[1] if a.split == "intra" else D.inter_patient_split(bs)[1])
        split_idx = split_idx[y[split_idx] >= 0]
        if a.beats == "all":
            sel = split_idx
        else:
            rng = np.random.default_rng(a.seed)
            sel = np.sort(rng.choice(split_idx, size=min(int(a.beats), len(split_idx)), replace=False))
        runs = [(int(r), sel[bs.record[sel] == r], 0) for r in np.unique(bs.record[sel])]
    p0 = P.load_model(model)
    model_p = P.with_cfg(p0, theta=p0.cfg.theta + 1) if a.corrupt_model else p0
    allidx = np.concatenate([r[1] for r in runs])
    n_all = len(allidx)
    log(f"snn_eprop: mode {a.mode}, split {a.split}, model {model}, {n_all} beats in {len(runs)} runs, "
        f"sim {a.sim}, TRACE_EN={int(trace)}")
    t_build = time.time()
    exe = build(a.sim, TOP, FILELIST, TB,
                params={"TRACE_EN": int(trace), "INIT_IMAGE": f'"{P.PARAMS_DIR / (model + ".hex")}"'},
                tag=f"{TOP}_{model}_t{int(trace)}")
    log(f"built in {time.time() - t_build:.0f} s")
    (build_dir / a.sim).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"snn_eprop_{a.mode}_", dir=build_dir / a.sim))

    def one(run):
        r, idx, n_learn = run
        slots = G.encode_beats(bs.x[idx], G.default_config()).slots
        words = [VE.beat_word(s, q) for s, q in zip(slots, rr[idx])]
        xs = VE.inputs_from_slots(slots, rr[idx])
        labels = [int(y[i]) if k < n_learn else None for k, i in enumerate(idx)]
        ctl = [4 | lab if lab is not None else 0 for lab in labels]
        inp, out, trc = work / f"{r}.in", work / f"{r}.out", work / f"{r}.trc"
        inp.write_text(beat_lines(words, ctl, idx))
        t0 = time.time()
        cmd = exe + [f"+in={inp}", f"+out={out}", f"+trc={trc}", f"+learn={int(a.mode == 'learn')}",
                     f"+seed={a.seed}", f"+idle_pct={a.idle_pct}", f"+bp_pct={a.bp_pct}"]
        run_sim(cmd, work, r)
        dt = time.time() - t0
        trc_bytes = trc.stat().st_size if trace and trc.exists() else 0
        res = check_run(xs, labels, idx, model_p, out, trc if trace else None, parse_trace)
        if not a.keep:
            for f in (inp, out, trc):
                f.unlink(missing_ok=True)
        return (r, idx, n_learn, res, dt, trc_bytes)

    t0 = time.time()
    results = []
    done = 0
    for res in run_jobs(one, runs, a.jobs):
        results.append(res)
        done += len(res[1])
        mism = sum(int(x[3][0].sum()) for x in results)
        log(f"{len(results)}/{len(runs)} runs, {done}/{n_all} beats, {mism} mismatching beats"
            + (f"  (record {res[0]}: {res[3][5][:3]})" if res[3][5] else ""))
    wall = time.time() - t0
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    sim_time = sum(x[4] for x in results)
    bad = np.concatenate([x[3][0] for x in results])
    cls = np.concatenate([x[3][2] for x in results])
    cyc = np.concatenate([x[3][3] for x in results])
    ev = np.concatenate([x[3][4] for x in results])
    errors = [e for x in results for e in x[3][5]]
    inf_mask = np.concatenate([np.arange(len(x[1])) >= x[2] for x in results])
    learn_mask = ~inf_mask
    res = summary(
        block="snn_eprop", sim=a.sim, split=a.split, mode=a.mode, model=model,
        trace=int(trace), beats=int(n_all), runs=len(runs),
        records=[x[0] for x in results],
        mismatches=int(bad.sum()) + (0 if not errors else 0), errors=errors[:10],
        values_compared=int(sum(x[3][1] for x in results)),
        trace_bytes=int(sum(x[5] for x in results)),
        cycles_per_beat_mean=round(float(cyc[inf_mask].mean()), 1) if inf_mask.any() else None,
        cycles_per_beat_max=int(cyc[inf_mask].max()) if inf_mask.any() else None,
        cycles_per_learning_beat_mean=round(float(cyc[learn_mask].mean()), 1) if learn_mask.any() else None,
        cycles_per_learning_beat_max=int(cyc[learn_mask].max()) if learn_mask.any() else None,
        words_per_beat_mean=round(float(ev[inf_mask].mean()), 1) if inf_mask.any() else None,
        paper_cycles_per_beat=PAPER_CYCLES_EPROP, goal_cycles_per_beat=PAPER_CYCLES_EPROP // 10,
        beats_per_second=round(n_all / sim_time * a.jobs, 1) if sim_time else None,
        wall_seconds=round(wall, 1),
        seed=a.seed, idle_pct=a.idle_pct, bp_pct=a.bp_pct,
    )
    if errors and not bad.any():
        res["mismatches"] = len(errors)
    yi = y[allidx]
    if inf_mask.any() and (cls[inf_mask] >= 0).all():
        m = class_metrics(confusion(yi[inf_mask], cls[inf_mask], 4))
        res["rtl_accuracy"] = {"n": int(inf_mask.sum()), "acc": round(float(m["acc"]), 6),
                               "macro_f1": round(float(m["macro_f1"]), 6),
                               "sens": [round(float(v), 6) for v in m["sens"]],
                               "ppv": [None if not np.isfinite(v) else round(float(v), 6) for v in m["ppv"]],
                               "confusion": m["confusion"].tolist()}
        if a.mode == "learn":
            # the same test beats without learning (golden model; the RTL runs of MODE=infer
            # show that the engine equals it)
            xt = VE.inputs_from_slots(G.encode_beats(bs.x[allidx[inf_mask]], G.default_config()).slots,
                                      rr[allidx[inf_mask]])
            base = P.run_beats(xt, p0).cls
            m0 = class_metrics(confusion(yi[inf_mask], base, 4))
            res["golden_without_learning"] = {"acc": round(float(m0["acc"]), 6),
                                              "macro_f1": round(float(m0["macro_f1"]), 6),
                                              "sens": [round(float(v), 6) for v in m0["sens"]]}
            per = []
            off = 0
            for x in results:
                n = len(x[1])
                msk = np.arange(n) >= x[2]
                yy = y[x[1]][msk]
                per.append({"record": x[0], "learn_beats": int(x[2]), "test_beats": int(msk.sum()),
                            "acc_with_learning": round(float((x[3][2][msk] == yy).mean()), 6) if msk.any() else None,
                            "acc_without_learning": round(float((base[off:off + int(msk.sum())] == yy).mean()), 6)
                            if msk.any() else None})
                off += int(msk.sum())
            res["per_record"] = per
    # per-beat arrays, every beat of the runs in order: the RTL's cycle register, the label
    # (N/S/V/F) of the inference beats (-1: learning beat) and the RTL decision
    rtl_cyc = np.concatenate([x[3][7] for x in results])
    with_arrays(res, cycles=rtl_cyc, label=np.where(inf_mask, y[allidx], -1).astype(np.int64),
                pred=cls.astype(np.int64))
    # the membranes of the first beat of the first run, as the RTL's trace port gave them
    # (only when that beat matched the golden model in every value)
    if results and len(results[0][1]) and results[0][3][8] is not None and not bad[0]:
        mem, b = results[0][3][8], int(results[0][1][0])
        with_arrays(res, "_trace", u=mem["u"], z=mem["z"], y=mem["y"], record=int(bs.record[b]),
                    sample=int(bs.sample[b]), label=int(y[b]), pred=int(results[0][3][2][0]))
    return res
