# SPDX-License-Identifier: Apache-2.0
"""`make bench B=encoder`: real beats through the spike encoder RTL, every value compared.

    make bench B=encoder [BEATS=N|all] [SIM=verilator|icarus] [SEED=n] [IDLE_PCT=..] [BP_PCT=..]

Seeded random beats of all 48 records (one simulation per record) through
verif/encoder/tb_spike_encoder_bench.v: every trace entry (index, step, ref_s, ref_l after
every sample), every spike-stream element and every beat register compared with
golden/encoder.py.  A block module of scripts/bench.py (registry: bench_core.blocks()).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

from bench_core import BUILD, run_dir, write_frame_words, build, log, run_jobs, run_sim, summary, with_arrays
from golden import data as D
from golden import encoder as G
from golden import formats as F

BLOCK = "encoder"
MODES = (None,)
USES = ("idle_pct",)
CORRUPT = "Delta_S + 1"


def WHOLE_RECORDS(a):
    return False


write_words = write_frame_words      # the encoder's frame convention (bench_core)


# ---------------------------------------------------------------------------- encoder
def parse_encoder_out(path: Path):
    t, s, b, e, d = [], [], [], [], None
    for line in path.read_text().splitlines():
        k = line[:1]
        if k == "T":
            t.append(line[2:])
        elif k == "S":
            s.append(line[2:])
        elif k == "B":
            b.append(line[2:].split())
        elif k == "E" or k == "X":
            e.append(line)
        elif k == "D":
            d = tuple(int(v) for v in line[2:].split())
    return t, s, b, e, d


def check_encoder_chunk(beats: np.ndarray, cfg: G.EncoderConfig, out: Path):
    """Compare one record's run with the golden model.  Returns
    (bad_beats, values_compared, beat_cycles, first_error)."""
    n, L = beats.shape
    exp = G.encode_beats(beats, cfg)
    t, s, b, e, d = parse_encoder_out(out)
    errors = []
    bad = np.zeros(n, dtype=bool)
    compared = 0
    if e:
        errors.append(f"unexpected status/timeout lines: {e[:3]}")
        bad[:] = True
    if d is None:
        errors.append("bench did not finish (no D line)")
        bad[:] = True
    # trace: index, step, ref_s, ref_l after every sample
    if len(t) != n * L:
        errors.append(f"{len(t)} trace entries, expected {n * L}")
        bad[:] = True
    else:
        a = np.array([[int(x, 16) for x in line.split()] for line in t], dtype=np.int64).reshape(n, L, 4)
        idx_ok = (a[..., 0] == np.arange(L)[None, :]).all(1)
        step_ok = (a[..., 1] == (np.arange(n) & 0xFFFF)[:, None]).all(1)
        rs = np.where(a[..., 2] >= 2048, a[..., 2] - 4096, a[..., 2])
        rl = np.where(a[..., 3] >= 2048, a[..., 3] - 4096, a[..., 3])
        ok = idx_ok & step_ok & (rs == exp.ref_s).all(1) & (rl == exp.ref_l).all(1)
        bad |= ~ok
        compared += a.size
    # spike stream: tuser = {err, index}, tlast, 4 spike bits
    if len(s) != n * L:
        errors.append(f"{len(s)} spike-stream elements, expected {n * L}")
        bad[:] = True
    else:
        a = np.array([[int(x, 16) for x in line.split()] for line in s], dtype=np.int64).reshape(n, L, 3)
        ok = ((a[..., 0] == np.arange(L)[None, :]).all(1)
              & (a[..., 1] == (np.arange(L) == L - 1)[None, :]).all(1)
              & (a[..., 2] == exp.spk).all(1))
        bad |= ~ok
        compared += a.size
    # beat registers
    cycles = np.zeros(0)
    if len(b) != n:
        errors.append(f"{len(b)} beat registers, expected {n}")
        bad[:] = True
    else:
        nspk = np.array([int(x[1]) for x in b])
        slots = np.array([[int(c, 16) for c in x[2]] for x in b], dtype=np.uint8)   # 125 nibbles, MSB first
        bits = ((slots[:, :, None] >> np.array([3, 2, 1, 0])[None, None, :]) & 1).reshape(n, -1)[:, ::-1]
        ok = (nspk == exp.nspk) & (bits[:, :exp.slots.shape[1]] == exp.slots).all(1)
        bad |= ~ok
        compared += n * (1 + exp.slots.shape[1])
        bc = np.array([int(x[0]) for x in b])
        first_in = d[1] if d else 0
        cycles = np.diff(np.concatenate([[first_in], bc]))
    if bad.any() and not errors:
        errors.append(f"beat {int(np.flatnonzero(bad)[0])} differs from the golden model")
    return bad, compared, cycles, (errors[0] if errors else None)


def run(a):
    params = G.load_params()
    cfg = G.EncoderConfig(delta_s=params["delta_s"], delta_l=params["delta_l"])
    # the model the RTL output is compared with (deliberately wrong with --corrupt-model)
    model_cfg = G.EncoderConfig(delta_s=cfg.delta_s + (1 if a.corrupt_model else 0), delta_l=cfg.delta_l)
    bs = D.load_beats(pre=F.ENC_R_INDEX, post=F.ENC_BEAT_LEN - F.ENC_R_INDEX)
    labels = D.aami5_labels(bs.symbol)
    if a.beats == "all":
        sel = np.arange(len(bs))
    else:
        k = int(a.beats)
        rng = np.random.default_rng(a.seed)
        sel = np.sort(rng.choice(len(bs), size=min(k, len(bs)), replace=False))
    recs = [r for r in np.unique(bs.record[sel])]
    log(f"encoder: {len(sel)} beats from {len(recs)} records, sim {a.sim}, "
        f"delta_s={cfg.delta_s} delta_l={cfg.delta_l}, idle {a.idle_pct}% bp {a.bp_pct}%")
    exe = build(a.sim, "tb_spike_encoder_bench", "rtl/encoder/spike_encoder.f",
                "verif/encoder/tb_spike_encoder_bench.v")
    work = run_dir(a, "encoder")

    def one(r):
        idx = sel[bs.record[sel] == r]
        inp, out = work / f"{r}.in", work / f"{r}.out"
        write_words(inp, bs.x[idx])
        t0 = time.time()
        cmd = exe + [f"+in={inp}", f"+out={out}", f"+delta_s={cfg.delta_s}", f"+delta_l={cfg.delta_l}",
                     f"+seed={a.seed}", f"+idle_pct={a.idle_pct}", f"+bp_pct={a.bp_pct}"]
        run_sim(cmd, work, r)
        dt = time.time() - t0
        bad, comp, cyc, err = check_encoder_chunk(bs.x[idx], model_cfg, out)
        if not a.keep:
            inp.unlink()
            out.unlink()
        return r, idx, bad, comp, cyc, err, dt

    t0 = time.time()
    results = []
    done_beats = 0
    for res in run_jobs(one, recs, a.jobs):
        results.append(res)
        done_beats += len(res[1])
        mism = sum(int(x[2].sum()) for x in results)
        log(f"{len(results)}/{len(recs)} records, {done_beats}/{len(sel)} beats, {mism} mismatching beats"
            + (f"  (record {res[0]}: {res[5]})" if res[5] else ""))
    wall = time.time() - t0
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    sim_time = sum(x[6] for x in results)
    bad = np.concatenate([x[2] for x in results])
    idx = np.concatenate([x[1] for x in results])
    cyc = np.concatenate([x[4] for x in results])
    nspk = G.encode_beats(bs.x[idx], cfg).nspk
    per_class = {c: round(float(nspk[labels[idx] == i].mean()), 2)
                 for i, c in enumerate(D.AAMI5_CLASSES) if (labels[idx] == i).any()}
    res = summary(
        block="encoder", sim=a.sim, beats=int(len(idx)), records=len(recs),
        mismatches=int(bad.sum()), values_compared=int(sum(x[3] for x in results)),
        cycles_per_beat_mean=round(float(cyc.mean()), 2) if len(cyc) else None,
        cycles_per_beat_max=int(cyc.max()) if len(cyc) else None,
        cycles_per_beat_lower_bound=F.ENC_BEAT_LEN,
        beats_per_second=round(len(idx) / sim_time * a.jobs, 1) if sim_time else None,
        sim_cycles_per_second=round(float(cyc.sum()) / sim_time, 0) if sim_time else None,
        beats_per_second_end_to_end=round(len(idx) / wall, 1),
        wall_seconds=round(wall, 1),
        idle_pct=a.idle_pct, bp_pct=a.bp_pct, seed=a.seed,
        delta_s=cfg.delta_s, delta_l=cfg.delta_l,
        spikes_per_beat_mean=round(float(nspk.mean()), 2),
        spikes_per_beat_by_class=per_class,
    )
    if len(cyc) == len(idx):        # every record's beat registers were read: one entry per beat
        with_arrays(res, cycles=cyc.astype(np.int64),
                    lower_bound=np.full(len(idx), float(F.ENC_BEAT_LEN)))
    return res
