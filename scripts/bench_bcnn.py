# SPDX-License-Identifier: Apache-2.0
"""`make bench B=bcnn`: held-out beats of ECG-ID or MIT-BIH through the binary-CNN RTL.

    make bench B=bcnn DATASET=ecgid|mitdb PROTOCOL=record|session [BEATS=N|all] [SIM=..] [TRACE=1|0]
    BCNN_N_PES=8|16 make bench B=bcnn ...      (the engine with another N_PES; default 32)

PROTOCOL=record is the within-record split of scripts/eval_bcnn.py (``within``), session the
ECG-ID cross-record/cross-session split (``cross``).  The committed image of the protocol is
preloaded (INIT_IMAGE) into verif/bcnn/tb_bcnn_engine_bench.v; the beats run in chunks, one
simulation each.  Compared exactly with golden/bcnn.py: every result (class, best and
runner-up score, tag) and, with TRACE=1 (the default), every trace value of every beat (every
conv unit's sums and bits, the pooled words, every FC score, the result record's class, tag
and cycles).  The identification figures are computed from the RTL's own values with the
functions of scripts/eval_bcnn.py: beat rank-1 from the RTL's classes; rank-5, the 3-beat
score sum and the EER from the RTL's traced scores (TRACE=1 only).  BEATS=N takes the first N
test beats in the protocol's order (so the 3-beat triples inside them are whole).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import bench_core as C
import eval_bcnn as EV
from bench_core import BUILD, BenchError, build, log, run_jobs, run_sim, summary, with_arrays
from golden import bcnn as G
from golden import ecgid as E
from verif.bcnn import model as M

BLOCK = "bcnn"
MODES = (None,)
USES = ("trace", "idle_pct", "dataset", "protocol")
CORRUPT = "threshold + 1 of conv3 filter 0"
DATASETS = ("ecgid", "mitdb")
PROTOCOLS = {"record": "within", "session": "cross"}
TB = "verif/bcnn/tb_bcnn_engine_bench.v"
TOP = "tb_bcnn_engine_bench"
FILELIST = "rtl/bcnn/bcnn_engine.f"
N_PES_DEFAULT = 32
CHUNK = 48
PAPER_CYCLES = 20480


def n_pes() -> int:
    """The engine's N_PES: 32, or $BCNN_N_PES (8, 16, 32, 64) for the scaling table."""
    v = os.environ.get("BCNN_N_PES", "") or str(N_PES_DEFAULT)
    if v not in ("8", "16", "32", "64"):
        raise BenchError(f"BCNN_N_PES must be 8, 16, 32 or 64, got {v!r}")
    return int(v)


def lower_bound(n: int) -> int:
    """The dataflow's lower bound (docs/bcnn_rtl.md "Cycles"): conv1 one position per PE and
    cycle, conv2..conv4 one 64-bit XNOR-popcount per PE and cycle."""
    return (128 * 174 // n + sum(G.CONV_COUT[i] * G.CONV_LOUT[i] * G.weight_words(i)
                                 for i in (1, 2, 3)) // n)


def WHOLE_RECORDS(a):
    return False


def corrupt(p: G.BcnnParams) -> G.BcnnParams:
    t = [x.copy() for x in p.t]
    t[2][0] += 1
    return G.BcnnParams(p.w, tuple(t), p.flip, p.wfc, p.bfc)


def run(a):
    ds = a.dataset or "ecgid"
    if ds not in DATASETS:
        raise BenchError(f"B=bcnn: DATASET must be ecgid or mitdb, got {ds!r}")
    prot = a.protocol or "record"
    if prot not in PROTOCOLS:
        raise BenchError(f"B=bcnn: PROTOCOL must be record or session, got {prot!r}")
    if ds == "mitdb" and prot == "session":
        raise BenchError("B=bcnn: PROTOCOL=session exists for DATASET=ecgid only (MIT-BIH has one "
                         "record per subject but 201/202)")
    protocol = PROTOCOLS[prot]
    trace = int(a.trace)
    npes = n_pes()
    bound = lower_bound(npes)
    p, meta = G.load(ds, protocol)
    beats = E.load(ds)
    _, test, classes = E.split(beats, protocol)
    y_all = E.labels(beats, test, classes)
    n = test.size if a.beats == "all" else min(int(a.beats), test.size)
    pos = np.arange(n)                                  # positions into test
    x = beats.x[test[pos]]
    model_p = corrupt(p) if a.corrupt_model else p
    hexp = G.PARAMS_DIR / f"{ds}_{protocol}.hex"
    exe = build(a.sim, TOP, FILELIST, TB,
                params={"N_PES": npes, "TRACE_EN": trace, "INIT_IMAGE": f'"{hexp}"'},
                tag=f"{TOP}_{ds}_{protocol}_t{trace}_p{npes}")
    work = Path(tempfile.mkdtemp(prefix="bcnn_", dir=BUILD))
    chunks = [pos[i:i + CHUNK] for i in range(0, n, CHUNK)]
    t0 = time.time()

    def one(ch):
        k = int(ch[0])
        d = work / f"c{k}"
        d.mkdir()
        (d / "in.txt").write_text(M.beat_lines(x[ch], ch))
        cmd = exe + [f"+in={d / 'in.txt'}", f"+out={d / 'out.txt'}", f"+seed={a.seed + k}",
                     f"+idle_pct={a.idle_pct}", f"+bp_pct={a.bp_pct}"]
        if trace:
            cmd.append(f"+trc={d / 'trc.txt'}")
        ts = time.time()
        run_sim(cmd, d, f"beats {k}..{int(ch[-1])}")
        return d, time.time() - ts

    res_rows, trc_scores, mism, values, msgs, sim_s = [], [], 0, 0, [], 0.0
    done = 0
    for ch, (d, secs) in zip(chunks, run_jobs(one, chunks, a.jobs)):
        sim_s += secs
        rows = [ln.split()[1:] for ln in (d / "out.txt").read_text().splitlines() if ln.startswith("R ")]
        r = np.array(rows, np.int64).reshape(-1, 5)
        ref = G.run(x[ch], model_p)
        cls, best, sec = G.best_two(ref.scores)
        if r.shape[0] != len(ch):
            raise BenchError(f"testbench error: {r.shape[0]} results for {len(ch)} beats ({d})")
        exp = np.stack([cls, best, sec, ch & 0xFFFF], axis=1)
        dm = r[:, :4] != exp
        mism += int(dm.sum())
        values += int(dm.size)
        for b, c in np.argwhere(dm)[:3]:
            msgs.append(f"beat {ch[b]} result field {c}: RTL {r[b, c]}, model {exp[b, c]}")
        if trace:
            parsed = C.parse_trace(d / "trc.txt")
            if parsed is None:
                raise BenchError(f"testbench error: malformed trace file {d / 'trc.txt'}")
            try:
                got = M.split_trace(*parsed, len(ch), p.n_classes)
            except M.TraceError as e:
                raise BenchError(f"trace of beats {ch[0]}..{ch[-1]}: {e}") from None
            mm, vv, ms = M.compare_trace(got, M.expected(ref), ch)
            beat_rec = got[M.KIND["BEAT"]]                 # class, tag, cycles
            bm = (beat_rec[:, 0] != r[:, 0]) | (beat_rec[:, 1] != r[:, 3]) | (beat_rec[:, 2] != r[:, 4])
            mism += mm + int(bm.sum())
            values += vv + 3 * len(ch)
            msgs += ms
            sc = got[M.KIND["SCORE"]][:, :, 0]
            trc_scores.append(np.where(sc >= 1 << 31, sc - (1 << 32), sc))
        res_rows.append(r)
        shutil.rmtree(d, ignore_errors=True)
        done += len(ch)
        log(f"{done}/{n} beats, {mism} mismatches")
    shutil.rmtree(work, ignore_errors=True)
    for m_ in msgs[:10]:
        log(m_)
    r = np.concatenate(res_rows)
    y = y_all[pos]
    cyc = r[:, 4]
    out = summary(block="bcnn", sim=a.sim, beats=int(n), mismatches=int(mism),
                  values_compared=int(values), cycles_per_beat_mean=float(cyc.mean()),
                  cycles_per_beat_max=int(cyc.max()), beats_per_second=round(n / max(sim_s, 1e-9), 3),
                  beats_per_second_end_to_end=round(n / (time.time() - t0), 3),
                  split=f"{ds}_{prot}", dataset=ds, protocol=prot, n_pes=npes, trace=trace,
                  cycles_lower_bound=bound, cycles_paper=PAPER_CYCLES,
                  n_classes=p.n_classes, beat_rank1=float(np.mean(r[:, 0] == y)))
    if trace:
        scores = np.concatenate(trc_scores)
        out["beat_rank5"] = EV.rank_k(scores, y, 5)
        g3 = E.groups_of_three(beats, test)
        g3 = g3[np.all(g3 < n, axis=1)]
        ys = y[g3[:, 0]]
        s3 = scores[g3].sum(axis=1)
        out["triples"] = int(g3.shape[0])
        if g3.shape[0]:
            out["three_beat_score_sum_rank1"] = float(np.mean(G.argmax_low(s3) == ys))
            out["three_beat_score_sum_rank5"] = EV.rank_k(s3, ys, 5)
            out["verification_three_beat_eer"] = EV.eer(s3, ys)["eer"]
        out["verification_beat_eer"] = EV.eer(scores, y)["eer"]
    out["command"] = (("" if npes == N_PES_DEFAULT else f"BCNN_N_PES={npes} ")
                      + f"make bench B=bcnn DATASET={ds} PROTOCOL={prot} BEATS={a.beats} SIM={a.sim}"
                      f" TRACE={trace}")
    return with_arrays(out, cycles=cyc, lower_bound=np.full(n, bound), label=y, pred=r[:, 0])
