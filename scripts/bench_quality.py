# SPDX-License-Identifier: Apache-2.0
"""`make bench B=quality`: real beat windows through the signal-quality gate RTL, every value compared.

    make bench B=quality [BEATS=N|all] [SIM=verilator|icarus] [SEED=n] [IDLE_PCT=..] [BP_PCT=..]
    QUALITY_NOISE=ma:12,pl:6 make bench B=quality ...    windows cut from noisy records

Seeded random beats of all 48 records (one simulation per record), the 250-sample window at the
annotated R peak (R at index 100, the encoder's window), through verif/quality/tb_qual_gate_bench.v:
every beat's hf, amp, flat, rail and reason mask compared with golden/quality.py, the result's
latency (exactly 3 cycles after the beat's last sample when the output is free: checked on every
beat without back-pressure) and the absence of status pulses. ``QUALITY_NOISE``: a comma list of
``kind:snr`` conditions of golden/noise.py (noise seed 15, as ``make quality``); record k of the
selection is corrupted whole with condition k mod the list's length before its windows are cut.
A block module of scripts/bench.py (registry: bench_core.blocks()).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from pathlib import Path

import numpy as np

from bench_core import BUILD, run_dir, write_frame_words, BenchError, build, log, run_jobs, run_sim, summary, with_arrays
from golden import data as D
from golden import formats as F
from golden import noise as N
from golden import quality as Q

BLOCK = "quality"
MODES = (None,)
USES = ("idle_pct",)
CORRUPT = "hf + 1"
LATENCY = 3          # docs/quality_rtl.md
NOISE_SEED = 15


def WHOLE_RECORDS(a):
    return False


def noise_conditions() -> list:
    """QUALITY_NOISE parsed: [(kind, snr_db), ...] or [] for clean windows."""
    text = os.environ.get("QUALITY_NOISE", "").strip()
    if not text:
        return []
    out = []
    for part in text.split(","):
        kind, sep, snr = part.strip().partition(":")
        if not sep or kind not in N.KINDS:
            raise BenchError(f"QUALITY_NOISE: {part.strip()!r} is not kind:snr with kind one of "
                             f"{', '.join(N.KINDS)}")
        try:
            v = float(snr)
        except ValueError:
            raise BenchError(f"QUALITY_NOISE: SNR {snr!r} of {part.strip()!r} is not a number") from None
        if not -20 <= v <= 60:
            raise BenchError(f"QUALITY_NOISE: SNR {v:g} dB outside -20..60")
        out.append((kind, v))
    return out


write_words = write_frame_words      # the encoder's frame convention (bench_core)


def parse_out(path: Path):
    q, last, e, d = [], [], [], None
    for line in path.read_text().splitlines():
        k = line[:1]
        if k == "Q":
            q.append([int(v) for v in line[2:].split()])
        elif k == "L":
            last.append(int(line[2:]))
        elif k in "EX":
            e.append(line)
        elif k == "D":
            d = tuple(int(v) for v in line[2:].split())
    return q, last, e, d


def check_chunk(win: np.ndarray, out: Path, corrupt: bool, check_latency: bool):
    """(bad beats, values compared, cycles per beat, latencies, first error) of one record's run."""
    n = len(win)
    exp = Q.beats_quality(win)
    hf = exp.hf + (1 if corrupt else 0)
    want = np.stack([hf, exp.amp, exp.flat, exp.rail, exp.reasons.astype(np.int64)], 1)
    q, last, e, d = parse_out(out)
    errors, bad = [], np.zeros(n, dtype=bool)
    compared = 0
    if e:
        errors.append(f"unexpected status/timeout lines: {e[:3]}")
        bad[:] = True
    if d is None:
        errors.append("bench did not finish (no D line)")
        bad[:] = True
    cyc = lat = np.zeros(0, np.int64)
    if len(q) != n or len(last) != n:
        errors.append(f"{len(q)} results and {len(last)} beat ends, expected {n}")
        bad[:] = True
    else:
        a = np.asarray(q, np.int64)
        ok = (a[:, 1:] == want).all(1)
        bad |= ~ok
        compared += a[:, 1:].size
        lat = a[:, 0] - np.asarray(last, np.int64)
        if check_latency and (lat != LATENCY).any():
            k = int(np.flatnonzero(lat != LATENCY)[0])
            errors.append(f"beat {k}: result {int(lat[k])} cycles after its last sample, contract {LATENCY}")
            bad |= lat != LATENCY
        cyc = np.diff(np.concatenate([[d[1] - 1 if d else 0], np.asarray(last, np.int64)]))
    if bad.any() and not errors:
        k = int(np.flatnonzero(bad)[0])
        got = q[k][1:] if k < len(q) else None
        errors.append(f"beat {k}: RTL (hf, amp, flat, rail, reasons) {got}, model {want[k].tolist()}")
    return bad, compared, cyc, lat, (errors[0] if errors else None)


def run(a):
    conds = noise_conditions()
    bs = D.load_beats(pre=F.ENC_R_INDEX, post=F.ENC_BEAT_LEN - F.ENC_R_INDEX)
    if a.beats == "all":
        sel = np.arange(len(bs))
    else:
        rng = np.random.default_rng(a.seed)
        sel = np.sort(rng.choice(len(bs), size=min(int(a.beats), len(bs)), replace=False))
    recs = [int(r) for r in np.unique(bs.record[sel])]
    cond_of = {r: (conds[k % len(conds)] if conds else None) for k, r in enumerate(recs)}
    log(f"quality: {len(sel)} beats from {len(recs)} records, sim {a.sim}, noise "
        f"{os.environ.get('QUALITY_NOISE') or 'none'}, idle {a.idle_pct}% bp {a.bp_pct}%")
    exe = build(a.sim, "tb_qual_gate_bench", "rtl/quality/qual_gate.f", "verif/quality/tb_qual_gate_bench.v")
    work = run_dir(a, "quality")

    def windows(r, idx):
        if cond_of[r] is None:
            return bs.x[idx]
        kind, snr = cond_of[r]
        rec = D.read_record(str(r))
        s, _ = N.add_noise(rec.signal, snr, kind, seed=NOISE_SEED, record=str(r))
        b = D.extract_beats(dataclasses.replace(rec, signal=s), bs.pre, bs.post)
        pos = {int(v): k for k, v in enumerate(b.sample.tolist())}
        return b.x[[pos[int(v)] for v in bs.sample[idx]]]

    def one(r):
        idx = sel[bs.record[sel] == r]
        win = windows(r, idx)
        inp, out = work / f"{r}.in", work / f"{r}.out"
        write_words(inp, win)
        t0 = time.time()
        run_sim(exe + [f"+in={inp}", f"+out={out}", f"+seed={a.seed}", f"+idle_pct={a.idle_pct}",
                       f"+bp_pct={a.bp_pct}"], work, str(r))
        dt = time.time() - t0
        bad, comp, cyc, lat, err = check_chunk(win, out, a.corrupt_model, a.bp_pct == 0)
        reasons = Q.beats_quality(win).reasons
        if not a.keep:
            inp.unlink()
            out.unlink()
        return r, idx, bad, comp, cyc, err, dt, lat, reasons

    t0 = time.time()
    results = []
    done = 0
    for res in run_jobs(one, recs, a.jobs):
        results.append(res)
        done += len(res[1])
        mism = sum(int(x[2].sum()) for x in results)
        log(f"{len(results)}/{len(recs)} records, {done}/{len(sel)} beats, {mism} mismatching beats"
            + (f"  (record {res[0]}: {res[5]})" if res[5] else ""))
    wall = time.time() - t0
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    sim_time = sum(x[6] for x in results)
    bad = np.concatenate([x[2] for x in results])
    idx = np.concatenate([x[1] for x in results])
    cyc = np.concatenate([x[4] for x in results])
    lat = np.concatenate([x[7] for x in results])
    reasons = np.concatenate([x[8] for x in results])
    counts = {name: int(((reasons & bit) != 0).sum()) for bit, name in sorted(Q.REASONS.items())}
    counts["unreadable"] = int((reasons != 0).sum())
    res = summary(
        block="quality", sim=a.sim, beats=int(len(idx)), records=len(recs),
        mismatches=int(bad.sum()), values_compared=int(sum(x[3] for x in results)),
        cycles_per_beat_mean=round(float(cyc.mean()), 2) if len(cyc) else None,
        cycles_per_beat_max=int(cyc.max()) if len(cyc) else None,
        cycles_per_beat_lower_bound=F.ENC_BEAT_LEN,
        latency_cycles_max=int(lat.max()) if len(lat) else None,
        beats_per_second=round(len(idx) / sim_time * a.jobs, 1) if sim_time else None,
        beats_per_second_end_to_end=round(len(idx) / wall, 1),
        wall_seconds=round(wall, 1), idle_pct=a.idle_pct, bp_pct=a.bp_pct, seed=a.seed,
        noise=os.environ.get("QUALITY_NOISE") or None, gate_verdicts=counts,
    )
    if len(cyc) == len(idx):
        with_arrays(res, cycles=cyc.astype(np.int64), lower_bound=np.full(len(idx), float(F.ENC_BEAT_LEN)))
    return res
