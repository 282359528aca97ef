# SPDX-License-Identifier: Apache-2.0
"""`make bench B=frontend`: whole MIT-BIH records through the front-end RTL, every value compared.

    make bench B=frontend [RECORDS=100,105|all] [SIM=verilator|icarus] [SEED=n] [IDLE_PCT=..] [BP_PCT=..]

Each record (MLII, or V5 for 102 and 104; 60 Hz mode, MIT-BIH's mains) is streamed whole
through verif/frontend/tb_ecg_frontend_bench.v (ecg_frontend, TRACE_EN=1), one simulation per
record.  Compared exactly with golden/frontend.py: f, base, d, b and m of every sample (trace
records TRC_FE_FILT/TRC_FE_OUT), every detector decision (TRC_FE_DEC), every b[n] on the output
stream with its sample index, every R peak (position, RR, kind, emission sample) and the SAMPLES,
PEAKS, SAT and LAST_PEAK registers.  The EC57 detection figures (golden/ec57.py, 150 ms, whole
records, and with VF/VFL episodes excluded) are computed from the RTL's own peaks.
FRONTEND_SECONDS=<s> in the environment streams only the first s seconds of each record (the
short runs of verif/test_checks.py; the reference beats are cut at the same sample).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np

from bench_core import BUILD, run_dir, build, log, parse_trace, run_jobs, run_sim, summary, with_arrays
from golden import data as D
from golden import ec57
from golden import formats as F
from golden import frontend as G

BLOCK = "frontend"
MODES = (None,)
USES = ("idle_pct",)
CORRUPT = "notch coefficient C + 1 (257 in 60 Hz mode)"
MAINS = 60                      # MIT-BIH was recorded with 60 Hz mains
DEFAULT_RECORDS = tuple(D.MITDB_RECORDS)


def WHOLE_RECORDS(a):
    return True


def seconds_limit() -> int:
    """FRONTEND_SECONDS (0 or unset: whole records)."""
    v = os.environ.get("FRONTEND_SECONDS", "0").strip() or "0"
    if not v.isdigit():
        raise SystemExit(f"FRONTEND_SECONDS must be a whole number of seconds, got {v!r}")
    return int(v)


def expected_trace(res: G.Result, base: np.ndarray, d: np.ndarray, dec: G.Decisions):
    """The trace records (kind, index, step, value) the RTL must write, in order: per sample
    TRC_FE_FILT then TRC_FE_OUT, then the decisions taken at that sample."""
    n = np.arange(len(res.f), dtype=np.int64)
    k = F.TRACE_KINDS
    m16 = 0xFFFF
    filt = (np.full_like(n, k["TRC_FE_FILT"]), n & m16, d & m16, ((res.f & m16) << 16) | (base & m16))
    out = (np.full_like(n, k["TRC_FE_OUT"]), n & m16, res.b & m16, res.m)
    dv = (np.full_like(dec.n, k["TRC_FE_DEC"]), dec.n & m16, (dec.flags << 8) | dec.code, dec.p)
    key_n = np.concatenate([n, n, dec.n])
    key_o = np.concatenate([np.zeros_like(n), np.ones_like(n), 2 + np.arange(len(dec.n))])
    order = np.lexsort((key_o, key_n))
    return tuple(np.concatenate([a, b, c])[order] for a, b, c in zip(filt, out, dv))


def parse_out(path: Path):
    b, p, r, d, e = [], [], None, None, []
    for line in path.read_text().splitlines():
        t = line[:1]
        if t == "B":
            b.append(line[2:])
        elif t == "P":
            p.append([int(v) for v in line[2:].split()])
        elif t == "R":
            r = [int(v) for v in line[2:].split()]
        elif t == "D":
            d = [int(v) for v in line[2:].split()]
        elif t in "EX":
            e.append(line)
    return b, np.asarray(p, dtype=np.int64).reshape(-1, 4), r, d, e


def check_record(x: np.ndarray, out: Path, trc: Path, corrupt: bool, mains: int = MAINS):
    """Compare one record's run with the golden model.  Returns a dict: mismatches, values
    compared, RTL peaks, cycles, first error."""
    c = G.notch_coefficient(mains) + (1 if corrupt else 0)
    xs = np.clip(x, G.X_MIN, G.X_MAX)
    res, dec = G.decision_trace(xs, mains=mains, c=c)
    _, base, _, d, _ = G.filters(xs, mains, c)
    nsat = int(np.count_nonzero(xs != x))
    b_lines, pk, regs, dline, errs = parse_out(out)
    errors = list(errs[:3])
    mism = 0
    comp = 0
    # trace: every f, base, d, b, m and every decision
    want = expected_trace(res, base, d, dec)
    got = parse_trace(trc)
    if got is None:
        errors.append("malformed trace file")
        mism += len(want[0])
    elif len(got[0]) != len(want[0]):
        errors.append(f"{len(got[0])} trace records, expected {len(want[0])}")
        mism += abs(len(got[0]) - len(want[0])) + 1
    else:
        bad = np.zeros(len(want[0]), dtype=bool)
        for g, w in zip(got, want):
            bad |= g != w
        mism += int(bad.sum())
        comp += 4 * len(want[0])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            errors.append(f"trace record {i} differs: RTL {[int(g[i]) for g in got]} model {[int(w[i]) for w in want]}")
    # b stream with its sample index
    nb = len(res.b)
    if len(b_lines) != nb:
        errors.append(f"{len(b_lines)} b samples, expected {nb}")
        mism += abs(len(b_lines) - nb) + 1
    else:
        a = np.array([[int(v, 16) for v in s.split()] for s in b_lines], dtype=np.int64).reshape(-1, 2)
        bv = np.where(a[:, 0] >= 1 << 15, a[:, 0] - (1 << 16), a[:, 0])
        bad = (bv != res.b) | (a[:, 1] != np.arange(nb))
        mism += int(bad.sum())
        comp += 2 * nb
        if bad.any() and not errors:
            errors.append(f"b[{int(np.flatnonzero(bad)[0])}] differs")
    # peaks: position, RR, kind, emission sample
    want_pk = np.stack([res.peaks, G.peak_rr(res.peaks), G.peak_kinds(dec), res.emitted], 1) \
        if len(res.peaks) else np.zeros((0, 4), dtype=np.int64)
    if pk.shape != want_pk.shape:
        errors.append(f"{len(pk)} peaks, expected {len(want_pk)}")
        mism += abs(len(pk) - len(want_pk)) + 1
    else:
        bad = (pk != want_pk).any(1)
        mism += int(bad.sum())
        comp += pk.size
        if bad.any() and not errors:
            i = int(np.flatnonzero(bad)[0])
            errors.append(f"peak {i} differs: RTL {pk[i].tolist()} model {want_pk[i].tolist()}")
    # registers after the record
    want_r = [nb, len(res.peaks), nsat, int(res.peaks[-1]) if len(res.peaks) else 0]
    if regs != want_r:
        errors.append(f"registers SAMPLES/PEAKS/SAT/LAST_PEAK {regs}, expected {want_r}")
        mism += 1
    comp += 4
    if dline is None:
        errors.append("bench did not finish (no D line)")
        mism += 1
    cycles = (dline[0] - dline[1]) if dline else None
    return dict(mismatches=mism, compared=comp, peaks=pk[:, 0].copy(), rr=pk[:, 1].copy(),
                kind=pk[:, 2].copy(), emit=pk[:, 3].copy(), cycles=cycles,
                stall=dline[2] if dline else None, samples=nb, error=errors[0] if errors else None)


def run(a):
    recs = list(DEFAULT_RECORDS if a.records is None else a.records)
    limit = seconds_limit() * G.FS
    log(f"frontend: {len(recs)} whole records, sim {a.sim}, mains {MAINS} Hz, "
        f"idle {a.idle_pct}% bp {a.bp_pct}%" + (", CORRUPTED model" if a.corrupt_model else ""))
    exe = build(a.sim, "tb_ecg_frontend_bench", "rtl/frontend/ecg_frontend.f",
                "verif/frontend/tb_ecg_frontend_bench.v")
    work = run_dir(a, "frontend")

    def one(r):
        rec = D.read_record(r)
        x = np.asarray(rec.signal, dtype=np.int64)
        if limit:
            x = x[:limit]
        inp, out, trc = work / f"{r}.in", work / f"{r}.out", work / f"{r}.trc"
        inp.write_text("\n".join(f"{v:04x}" for v in (x & 0xFFFF)) + "\n")
        t0 = time.time()
        run_sim(exe + [f"+in={inp}", f"+out={out}", f"+trc={trc}", f"+mains={MAINS}",
                       f"+seed={a.seed}", f"+idle_pct={a.idle_pct}", f"+bp_pct={a.bp_pct}"], work, r)
        dt = time.time() - t0
        c = check_record(x, out, trc, a.corrupt_model)
        ref = ec57.reference_beats(rec.ann_sample, rec.ann_symbol)
        ref = ref[ref < len(x)]
        tol = ec57.tolerance(rec.fs)
        det = np.sort(c["peaks"])
        c["ec57"] = ec57.match(ref, det, tol)
        c["ec57_vf"] = ec57.match(ref, det, tol, exclude=ec57.vf_intervals(rec.ann_sample, rec.ann_symbol))
        if not a.keep:
            for p in (inp, out, trc):
                p.unlink()
        return r, c, dt

    t0 = time.time()
    results = []
    for r, c, dt in run_jobs(one, recs, a.jobs):
        results.append((r, c, dt))
        mism = sum(x[1]["mismatches"] for x in results)
        log(f"{len(results)}/{len(recs)} records: {r} {c['samples']} samples {len(c['peaks'])} peaks "
            f"Se {100 * c['ec57'].se:.2f} +P {100 * c['ec57'].ppv:.2f}, {mism} mismatches"
            + (f"  ({c['error']})" if c["error"] else ""))
    wall = time.time() - t0
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    sim_time = sum(x[2] for x in results)
    tot = ec57.Match(0, 0, 0)
    totx = ec57.Match(0, 0, 0)
    per = {}
    for r, c, _ in results:
        tot, totx = tot + c["ec57"], totx + c["ec57_vf"]
        per[r] = dict(tp=c["ec57"].tp, fn=c["ec57"].fn, fp=c["ec57"].fp,
                      fp_vf_excluded=c["ec57_vf"].fp, mismatches=c["mismatches"])
    n_pk = sum(len(c["peaks"]) for _, c, _ in results)
    n_s = sum(c["samples"] for _, c, _ in results)
    cyc = [c["cycles"] for _, c, _ in results if c["cycles"] is not None]
    cpb = [c["cycles"] / max(len(c["peaks"]), 1) for _, c, _ in results if c["cycles"] is not None]
    res = summary(
        block="frontend", sim=a.sim, beats=int(n_pk), records=recs, samples=int(n_s),
        mismatches=int(sum(c["mismatches"] for _, c, _ in results)),
        values_compared=int(sum(c["compared"] for _, c, _ in results)),
        cycles_per_beat_mean=round(float(np.mean(cpb)), 1) if cpb else None,
        cycles_per_beat_max=round(float(np.max(cpb)), 1) if cpb else None,
        cycles_per_sample_trace=round(float(sum(cyc)) / n_s, 3) if cyc and n_s else None,
        beats_per_second=round(n_pk / sim_time * a.jobs, 1) if sim_time else None,
        samples_per_second=round(n_s / sim_time * a.jobs, 0) if sim_time else None,
        split=None, seconds_per_record=(limit // G.FS) or None,
        wall_seconds=round(wall, 1), idle_pct=a.idle_pct, bp_pct=a.bp_pct, seed=a.seed, mains=MAINS,
        ec57_whole=dict(tp=tot.tp, fn=tot.fn, fp=tot.fp, se=round(100 * tot.se, 2), ppv=round(100 * tot.ppv, 2)),
        ec57_vf_excluded=dict(tp=totx.tp, fn=totx.fn, fp=totx.fp,
                              se=round(100 * totx.se, 2), ppv=round(100 * totx.ppv, 2)),
        per_record=per,
    )
    if results:
        with_arrays(res,
                    record=np.concatenate([np.full(len(c["peaks"]), int(r)) for r, c, _ in results]),
                    pos=np.concatenate([c["peaks"] for _, c, _ in results]),
                    rr=np.concatenate([c["rr"] for _, c, _ in results]),
                    kind=np.concatenate([c["kind"] for _, c, _ in results]),
                    emit=np.concatenate([c["emit"] for _, c, _ in results]))
    return res
