# SPDX-License-Identifier: Apache-2.0
"""`make bench B=snn_if`: the held-out beats through the IF engine RTL, every value compared.

    make bench B=snn_if SPLIT=intra|inter MODE=screen|cascade [BEATS=N|all] [SIM=..] [TRACE=1|0]
    SNN_PARAMS=golden/params/snn_if_robust make bench B=snn_if SPLIT=.. MODE=screen ...

``SNN_PARAMS`` (a bank directory other than golden/params/snn_if): its binary banks, its encoder
gaps and its windows (``training.windows`` of its JSON: ``filtered`` = the front end's output b
cut at the R peaks, golden/frontend.filtered_windows; docs/noise_models.md); only MODE=screen when
the directory holds no cascade banks.

The intra-patient test split (or DS2) of scripts/eval_snn_if.py, one simulation per record
through verif/snn_if/tb_if_engine_bench.v with the split's trained banks preloaded: every
trace entry (TRACE=1), decision and statistics read compared with golden/snn_if.py; the
accuracy is computed from the RTL's decisions.  A block module of scripts/bench.py.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import bench_core as C
from bench_core import BUILD, build, log, run_jobs, run_sim, summary, with_arrays
from golden import data as D
from golden import encoder as G
from golden import formats as F
from golden import frontend as FE
from golden import rr as RR
from golden import snn_if as S
from golden.metrics import class_metrics, confusion
from verif.common import snn as VS

ROOT = C.ROOT
BLOCK = "snn_if"
MODES = ("screen", "cascade")
USES = ("split", "trace", "idle_pct")
CORRUPT = "theta1 + 1 in every bank"


def WHOLE_RECORDS(a):
    return False


# ----------------------------------------------------------------------------- snn_if
# The IF-SNN engine (rtl/snn_if/if_engine.v, docs/snn_if_rtl.md), preloaded with the
# trained banks of one split through INIT_BANK0..3 (bank b = golden.snn_if.BANKS[b]).
SNN_TB = "verif/snn_if/tb_if_engine_bench.v"
SNN_TOP = "tb_if_engine_bench"
SNN_ID = 0x49464531                                    # "IFE1"
SNN_TRC = {k: F.TRACE_KINDS[f"TRC_SNN_{k}"] for k in ("H1", "H2", "OUT", "STAGE", "BEAT", "CYCLES")}
SNN_UPD = S.WORD_BITS // F.SNN_BIAS.width              # neurons updated per cycle (8)
# fixed cycles of one bank run: START, per pass the bias words of the three update phases and
# two pipeline drains, the final drain, DECIDE (docs/snn_if_rtl.md "Cycles per beat"); the one
# cycle model the cocotb testbenches use
SNN_STAGE_OVERHEAD = VS.stage_overhead()
SNN_PASS_ENTRIES = S.N_H1 + S.N_H2 + S.N_OUT           # trace entries per pass (one per neuron)
SNN_STAGE_ENTRIES = S.PASSES * SNN_PASS_ENTRIES + 1    # ... per bank run, with the stage entry
SNN_TRACE_STALL = S.PASSES * SNN_PASS_ENTRIES          # trace-dump stall cycles per bank run
SNN_CASCADE_BANKS = ("sev1", "sev2", "sev3")
PAPER_CYCLES_MEAN, PAPER_CYCLES_MAX = 9000, 68000      # 90 us / 680 us at 100 MHz
M16 = 0xFFFF
def snn_slots_lines(slots: np.ndarray, tags: np.ndarray) -> str:
    """Bench input: '<tag 4h> <inputs 131h>' per beat: the engine's 2*N_IN-bit input word
    (bit s = input s of the two passes), zero-padded to whole hex digits, MSB first."""
    n = len(slots)
    pad = -slots.shape[1] % 4
    slots = np.concatenate([slots.astype(np.uint8), np.zeros((n, pad), np.uint8)], axis=1)
    nib = slots.reshape(n, -1, 4) @ np.array([1, 2, 4, 8], dtype=np.uint8)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nib[:, ::-1]]
    rows = [d.tobytes().decode() for d in digits]
    return "".join(f"{int(t) & M16:04x} {r}\n" for t, r in zip(tags, rows))


@dataclasses.dataclass
class SnnExpect:
    """The golden model's view of N beats in one mode."""

    runs: list              # BatchRun per stage slot (screen: binary; cascade: sev1..3)
    bank_ids: tuple         # hardware bank of each stage slot
    stages: np.ndarray      # [N] bank runs of each beat
    cls: np.ndarray         # [N] decision: screen class / severity
    v3: np.ndarray          # [N, 2] output membranes of the last stage run
    bank: np.ndarray        # [N] bank of the last stage run
    cycles: np.ndarray      # [N] engine cycles (docs/snn_if_rtl.md formula), all stages
    events: np.ndarray      # [N] synaptic events, all stages
    sat: np.ndarray         # [N] saturating adds, all stages
    stage_cls: np.ndarray   # [N, stage slots] class of each stage slot's bank


def snn_expect(slots: np.ndarray, banks: dict, mode: str) -> SnnExpect:
    n = len(slots)
    if mode == "screen":
        names = ("binary",)
    else:
        names = SNN_CASCADE_BANKS
    bank_ids = tuple(S.BANKS.index(b) for b in names)
    runs = [S.run_beats(slots, banks[b]) for b in names]
    stage_cls = np.stack([r.cls for r in runs], axis=1)
    if mode == "screen":
        stages = np.ones(n, dtype=np.int64)
        cls = runs[0].cls
    else:
        go2 = runs[0].cls == 1
        go3 = go2 & (runs[1].cls == 1)
        stages = 1 + go2.astype(np.int64) + go3.astype(np.int64)
        c = S.cascade_beats(slots, banks)               # the golden cascade control itself
        cls = c.severity
        assert np.array_equal(c.stages, stages)
    g1, g2 = S.N_H1 // S.LANES, S.N_H2 // S.LANES
    g3 = -(-S.N_OUT // S.LANES)
    cyc = np.zeros(n, dtype=np.int64)
    ev = np.zeros(n, dtype=np.int64)
    sat = np.zeros(n, dtype=np.int64)
    for s, r in enumerate(runs):
        on = stages > s
        c = (SNN_STAGE_OVERHEAD + g1 * r.in_spikes.sum(1) + g2 * (r.c1 > 0).sum((1, 2))
             + g3 * (r.c2 > 0).sum((1, 2)))
        cyc += np.where(on, c, 0)
        ev += np.where(on, r.events, 0)
        sat += np.where(on, r.sat1.sum((1, 2)) + r.sat2.sum((1, 2)) + r.sat3.sum((1, 2)), 0)
    last = stages - 1
    v3 = np.stack([r.v_out for r in runs], axis=1)[np.arange(n), last]
    bank = np.asarray(bank_ids)[last]
    return SnnExpect(runs=runs, bank_ids=bank_ids, stages=stages, cls=cls, v3=v3, bank=bank,
                     cycles=cyc, events=ev, sat=sat, stage_cls=stage_cls)


def snn_trace_expect(e: SnnExpect, lo: int, hi: int):
    """Expected trace entries of beats lo..hi-1 (beat number = position in the run):
    (kind, index, step, value) arrays in port order, and the entries per beat."""
    m = hi - lo
    nst = len(e.runs)
    beat_no = (np.arange(lo, hi, dtype=np.int64) & 0xFFF) << 4
    width = nst * SNN_STAGE_ENTRIES + 2
    kind = np.zeros((m, width), dtype=np.int64)
    index = np.zeros_like(kind)
    step = np.zeros_like(kind)
    value = np.zeros_like(kind)
    for s, r in enumerate(e.runs):
        kk, ii, ss, vv = [], [], [], []
        for t in range(S.PASSES):
            st = beat_no[:, None] | s << 2 | t << 1
            for k, v_post, v_pre, cnt, sat, nn in (
                    (SNN_TRC["H1"], r.v1, r.v1_pre, r.c1, r.sat1, S.N_H1),
                    (SNN_TRC["H2"], r.v2, r.v2_pre, r.c2, r.sat2, S.N_H2),
                    (SNN_TRC["OUT"], r.v3, r.v3, None, r.sat3, S.N_OUT)):
                vp, vq, sa = v_post[lo:hi, t], v_pre[lo:hi, t], sat[lo:hi, t].astype(np.int64)
                c = cnt[lo:hi, t].astype(np.int64) if cnt is not None else 0
                kk.append(np.full((m, nn), k))
                ii.append(np.arange(nn)[None, :] | c << 8 | sa << 10)
                ss.append(np.broadcast_to(st, (m, nn)))
                vv.append((vp & M16) << 16 | (vq & M16))
        v3 = r.v3[lo:hi, -1]
        kk.append(np.full((m, 1), SNN_TRC["STAGE"]))
        ii.append((e.bank_ids[s] | r.cls[lo:hi] << 8)[:, None])
        ss.append((beat_no | s << 2 | 2)[:, None])
        vv.append(((v3[:, 1] & M16) << 16 | (v3[:, 0] & M16))[:, None])
        sl = slice(s * SNN_STAGE_ENTRIES, (s + 1) * SNN_STAGE_ENTRIES)
        kind[:, sl], index[:, sl], step[:, sl], value[:, sl] = (np.concatenate(x, axis=1) for x in (kk, ii, ss, vv))
    stp = beat_no | (e.stages[lo:hi] - 1) << 2 | 2
    kind[:, -2], index[:, -2], step[:, -2], value[:, -2] = SNN_TRC["BEAT"], e.sat[lo:hi], stp, e.events[lo:hi]
    kind[:, -1], index[:, -1], step[:, -1], value[:, -1] = SNN_TRC["CYCLES"], 0, stp, e.cycles[lo:hi]
    col = np.arange(width)[None, :]
    mask = (col < (e.stages[lo:hi] * SNN_STAGE_ENTRIES)[:, None]) | (col >= nst * SNN_STAGE_ENTRIES)
    return (kind[mask], index[mask], step[mask], value[mask]), e.stages[lo:hi] * SNN_STAGE_ENTRIES + 2


parse_snn_trace = C.parse_trace


def parse_snn_out(path: Path):
    a, d, st, e, f = [], [], [], [], None
    for line in path.read_text().splitlines():
        k, rest = line[:1], line[2:].split()
        if k == "A":
            a.append((rest[0], int(rest[1], 16), int(rest[2], 16), int(rest[3], 16)))
        elif k == "D":
            d.append([int(x, 16) for x in rest])
        elif k == "S":
            st.append([int(x, 16) for x in rest])
        elif k in "EX":
            e.append(line)
        elif k == "F":
            f = tuple(int(x) for x in rest)
    return a, np.array(d, dtype=np.int64).reshape(-1, 10), np.array(st, dtype=np.int64).reshape(-1, 6), e, f


def check_snn_chunk(e: SnnExpect, tags: np.ndarray, mode: str, trace: bool, out: Path, trc: Path,
                    chunk: int = 512):
    """Compare one run (one record's beats) with the golden model.  Returns
    (bad_beats, values_compared, rtl_class, rtl_stages, rtl_cycles, rtl_events,
    handshake_latency, first_error); the RTL arrays are empty (class -1) when lines are missing."""
    n = len(tags)
    errors = []
    bad = np.zeros(n, dtype=bool)
    compared = 0
    a, d, st, ev, fin = parse_snn_out(out)
    if ev:
        errors.append(f"bench errors/timeout: {ev[:3]}")
        bad[:] = True
    if fin is None or fin[2:] != (n, n):
        errors.append(f"bench did not finish with {n} beats in and out (F line {fin})")
        bad[:] = True
    # configuration accesses: CTRL write, ID, INFO, CTRL, STATUS reads, all OKAY
    ctrl = 1 if mode == "cascade" else 0
    info = (int(trace) << 28) | (S.LANES << 20) | (len(S.BANKS) << 16) | S.IMAGE_WORDS
    exp_a = [("w", 0x08, 0, ctrl), ("r", 0x00, 0, SNN_ID), ("r", 0x04, 0, info), ("r", 0x08, 0, ctrl),
             ("r", 0x10, 0, 0)]
    compared += 2 * len(exp_a)
    if a != exp_a:
        errors.append(f"configuration accesses {a}, expected {exp_a}")
        bad[:] = True
    rtl_cls = np.full(n, -1, dtype=np.int64)
    rtl_stages = np.zeros(n, dtype=np.int64)
    rtl_cyc = np.zeros(0, dtype=np.int64)
    rtl_ev = np.zeros(0, dtype=np.int64)
    lat = np.zeros(0, dtype=np.int64)
    # decisions: class, vout0, vout1, tag, stages, mode, bank, handshake latency
    if len(d) != n:
        errors.append(f"{len(d)} decisions, expected {n}")
        bad[:] = True
    else:
        rtl_cls, rtl_stages = d[:, 0].copy(), d[:, 4].copy()
        lat = d[:, 8] - d[:, 7]
        stall = SNN_TRACE_STALL * e.stages if trace else 0
        ok = ((d[:, 0] == e.cls) & (d[:, 1] == e.v3[:, 0] & M16) & (d[:, 2] == e.v3[:, 1] & M16)
              & (d[:, 3] == tags & M16) & (d[:, 4] == e.stages) & (d[:, 5] == ctrl) & (d[:, 6] == e.bank)
              & (lat - d[:, 9] == e.cycles + 1 + stall))
        bad |= ~ok
        compared += 8 * n
    # statistics registers read after every decision
    if len(st) != n:
        errors.append(f"{len(st)} statistics reads, expected {n}")
        bad[:] = True
    else:
        ok = ((st[:, 0] == np.arange(1, n + 1)) & (st[:, 1] == e.cycles) & (st[:, 2] == e.events)
              & (st[:, 3] == e.sat) & (st[:, 4] == np.cumsum(e.sat)) & (st[:, 5] == 0))
        bad |= ~ok
        compared += 6 * n
        rtl_cyc, rtl_ev = st[:, 1].copy(), st[:, 2].copy()
    # trace: every entry, in port order
    if trace:
        got = parse_snn_trace(trc)
        offs = np.concatenate([[0], np.cumsum(e.stages * SNN_STAGE_ENTRIES + 2)])
        if got is None:
            errors.append("malformed trace file")
            bad[:] = True
        else:
            total = len(got[0])
            if total != offs[-1]:
                errors.append(f"{total} trace entries, expected {offs[-1]}")
            for lo in range(0, n, chunk):
                hi = min(n, lo + chunk)
                a0, a1 = offs[lo], min(offs[hi], total)
                if a1 <= a0:                 # the trace ended before this beat
                    bad[lo:] = True
                    break
                exp, _ = snn_trace_expect(e, lo, hi)
                diff = np.zeros(a1 - a0, dtype=bool)
                for g, x in zip(got, exp):
                    diff |= g[a0:a1] != x[:a1 - a0]
                compared += 4 * (a1 - a0)
                beat_of = np.searchsorted(offs[lo:hi + 1], np.arange(a0, a1), "right") - 1 + lo
                bad[beat_of[diff]] = True
                if a1 < offs[hi]:            # short trace: the beat it ends in and all later ones
                    bad[beat_of[-1]:] = True
                    break
            if total > offs[-1]:
                bad[-1] = True
    if bad.any() and not errors:
        errors.append(f"beat {int(np.flatnonzero(bad)[0])} of the run differs from the golden model")
    return bad, compared, rtl_cls, rtl_stages, rtl_cyc, rtl_ev, lat, (errors[0] if errors else None)


def snn_metrics(mode: str, pred: np.ndarray, labels: dict, idx: np.ndarray) -> dict:
    """Accuracy figures of decisions ``pred`` of beats ``idx`` (the metric functions of
    golden/metrics.py, as scripts/eval_snn_if.py)."""
    def r(x):
        return None if not np.isfinite(x) else round(float(x), 6)
    if mode == "screen":
        yb = labels["binary"][idx]
        m = yb >= 0                      # AAMI Q excluded, as eval_snn_if.py
        cm = confusion(yb[m], pred[m], 2)
        c = class_metrics(cm)
        return {"binary_acc": r(c["acc"]), "abnormal_sens": r(c["sens"][1]), "abnormal_ppv": r(c["ppv"][1]),
                "confusion": cm.tolist(), "classes": list(D.BINARY_CLASSES), "beats_scored": int(m.sum()),
                "wake_frac": r(pred[m].mean()), "wake_frac_all": r(pred.mean())}
    ys = labels["severity"][idx]
    cm = confusion(ys, pred, 4)
    c = class_metrics(cm)
    return {"severity_acc": r(c["acc"]), "macro_f1": r(c["macro_f1"]),
            "sens": [r(v) for v in c["sens"]], "ppv": [r(v) for v in c["ppv"]],
            "confusion": cm.tolist(), "classes": list(D.SEVERITY_CLASSES), "beats_scored": int(len(ys))}


def run(a):
    if a.mode not in ("screen", "cascade"):
        raise SystemExit("snn_if: MODE must be screen or cascade")
    import os
    params_dir = Path(os.environ.get("SNN_PARAMS") or S.PARAMS_DIR).resolve()
    if not (params_dir / "snn_if.json").is_file():
        raise C.BenchError(f"SNN_PARAMS: {params_dir} holds no snn_if.json")
    meta = S.load_meta(params_dir)
    own = params_dir.resolve() != S.PARAMS_DIR.resolve()
    full = all((params_dir / S.hex_name(a.split, b)).is_file() for b in S.BANKS)
    if own and not full and a.mode != "screen":
        raise C.BenchError(f"SNN_PARAMS: {params_dir} has no cascade banks for {a.split}; MODE=screen only")
    filtered = meta.get("training", {}).get("windows") == "filtered"
    enc = meta.get("encoder") or {}
    enc_cfg = (G.EncoderConfig(delta_s=int(enc["delta_s"]), delta_l=int(enc["delta_l"])) if own and enc
               else G.default_config())
    records = None
    if meta.get("smoke"):
        sys.path.insert(0, str(ROOT / "scripts"))
        from train_snn_if import SMOKE_RECORDS
        records = SMOKE_RECORDS
    # the beats and split of scripts/eval_snn_if.py (the banks were trained on the other part)
    bs = D.load_beats(records=records)
    split_idx = (D.intra_patient_split(bs, seed=int(meta.get("seed", 2025)))[1] if a.split == "intra"
                 else D.inter_patient_split(bs)[1])
    if a.beats == "all":
        sel = split_idx
    else:
        rng = np.random.default_rng(a.seed)
        sel = np.sort(rng.choice(split_idx, size=min(int(a.beats), len(split_idx)), replace=False))
    t_enc = time.time()
    # the engine's input words: the slots of the golden encoder (golden/params/encoder.json),
    # proven equal to the encoder RTL, and the RR unit's bits (golden/rr.py, proven equal to
    # rtl/rr/rr_unit.v by verif/rr) of each beat, computed over its whole record in time order
    win = bs.x[sel]
    if filtered:       # the front end's b stream at the same R peaks (the RTL's m_axis_b)
        win = win.copy()
        for r in np.unique(bs.record[sel]):
            k = np.flatnonzero(bs.record[sel] == r)
            sig = D.read_record(str(int(r))).signal.astype(np.int64)
            win[k] = FE.filtered_windows(sig, bs.sample[sel][k], bs.pre, bs.post)
    slots = S.screen_inputs(G.encode_beats(win, enc_cfg).slots,
                            RR.rr_bits(bs.record, bs.sample)[sel])
    t_enc = time.time() - t_enc
    labels = {"binary": D.binary_labels(bs.symbol), "severity": D.severity_labels(bs.symbol)}
    banks = (S.load_split(a.split, params_dir) if full
             else {"binary": S.load_bank(a.split, "binary", params_dir)})
    # the model the RTL output is compared with (deliberately wrong with --corrupt-model)
    model_banks = ({k: dataclasses.replace(p, theta1=p.theta1 + 1) for k, p in banks.items()}
                   if a.corrupt_model else banks)
    trace = bool(a.trace)
    recs = list(np.unique(bs.record[sel]))
    log(f"snn_if: {len(sel)} beats of the {a.split} test split from {len(recs)} records, mode {a.mode}, "
        f"sim {a.sim}, TRACE_EN={int(trace)}, idle {a.idle_pct}% bp {a.bp_pct}% "
        f"(encoded in {t_enc:.1f} s)")
    hexes = {f"INIT_BANK{b}": f'"{(params_dir if (full or n == "binary") else S.PARAMS_DIR) / S.hex_name(a.split, n)}"'
             for b, n in enumerate(S.BANKS)}
    t_build = time.time()
    exe = build(a.sim, SNN_TOP, "rtl/snn_if/if_engine.f", SNN_TB, params={"TRACE_EN": int(trace), **hexes},
                tag=f"{SNN_TOP}_{a.split}_t{int(trace)}" + ("_" + params_dir.name if own else ""))
    log(f"built in {time.time() - t_build:.0f} s")
    (BUILD / a.sim).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"snn_if_{a.split}_{a.mode}_", dir=BUILD / a.sim))
    mode_bit = 1 if a.mode == "cascade" else 0

    def one(r):
        pos = np.flatnonzero(bs.record[sel] == r)
        idx = sel[pos]
        inp, out, trc = work / f"{r}.in", work / f"{r}.out", work / f"{r}.trc"
        inp.write_text(snn_slots_lines(slots[pos], idx))
        t0 = time.time()
        cmd = exe + [f"+in={inp}", f"+out={out}", f"+trc={trc}", f"+mode={mode_bit}", "+bank=0",
                     f"+seed={a.seed}", f"+idle_pct={a.idle_pct}", f"+bp_pct={a.bp_pct}"]
        run_sim(cmd, work, r)
        dt = time.time() - t0
        trc_bytes = trc.stat().st_size if trace and trc.exists() else 0
        e = snn_expect(slots[pos], model_banks, a.mode)
        res = check_snn_chunk(e, idx, a.mode, trace, out, trc)
        if not a.keep:
            for f in (inp, out, trc):
                f.unlink(missing_ok=True)
        return (r, pos, *res, dt, trc_bytes)

    t0 = time.time()
    results = []
    done_beats = 0
    for res in run_jobs(one, recs, a.jobs):
        results.append(res)
        done_beats += len(res[1])
        mism = sum(int(x[2].sum()) for x in results)
        log(f"{len(results)}/{len(recs)} records, {done_beats}/{len(sel)} beats, {mism} mismatching beats"
            + (f"  (record {res[0]}: {res[9]})" if res[9] else ""))
    wall = time.time() - t0
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    sim_time = sum(x[10] for x in results)
    trc_bytes = sum(x[11] for x in results)

    def cat(k):
        return np.concatenate([x[k] for x in results])
    pos, bad, cyc, ev, lat = cat(1), cat(2), cat(6), cat(7), cat(8)
    pred = np.full(len(sel), -1, dtype=np.int64)
    pred[pos] = cat(4)
    stages = np.zeros(len(sel), dtype=np.int64)
    stages[pos] = cat(5)
    res = summary(
        block="snn_if", sim=a.sim, split=a.split, mode=a.mode, trace=int(trace),
        beats=int(len(sel)), records=len(recs),
        mismatches=int(bad.sum()), values_compared=int(sum(x[3] for x in results)),
        trace_entries=int(trc_bytes // 19),
        cycles_per_beat_mean=round(float(cyc.mean()), 2) if len(cyc) else None,
        cycles_per_beat_max=int(cyc.max()) if len(cyc) else None,
        cycles_per_beat_lower_bound_mean=round(float(ev.mean()) / S.LANES, 2) if len(ev) else None,
        cycles_per_beat_lower_bound_max=round(float(ev.max()) / S.LANES, 2) if len(ev) else None,
        paper_cycles_per_beat_mean=PAPER_CYCLES_MEAN, paper_cycles_per_beat_max=PAPER_CYCLES_MAX,
        handshake_latency_mean=round(float(lat.mean()), 2) if len(lat) else None,
        handshake_latency_max=int(lat.max()) if len(lat) else None,
        synaptic_events_per_beat_mean=round(float(ev.mean()), 1) if len(ev) else None,
        beats_per_second=round(len(sel) / sim_time * a.jobs, 1) if sim_time else None,
        beats_per_second_end_to_end=round(len(sel) / wall, 1),
        wall_seconds=round(wall, 1),
        trace_bytes=int(trc_bytes),
        idle_pct=a.idle_pct, bp_pct=a.bp_pct, seed=a.seed,
        params=str(params_dir.relative_to(ROOT) if params_dir.is_relative_to(ROOT) else params_dir),
        windows="filtered" if filtered else "raw", delta_s=enc_cfg.delta_s, delta_l=enc_cfg.delta_l,
        rtl_accuracy=None,
    )
    if (pred >= 0).all():
        res["rtl_accuracy"] = acc = snn_metrics(a.mode, pred, labels, sel)
        if a.mode == "cascade":
            acc["stages_hist"] = np.bincount(stages, minlength=4)[1:].tolist()
            acc["stage1_abnormal_frac"] = round(float((stages >= 2).mean()), 6)
        # the same decisions from the (uncorrupted) integer golden model on the same beats
        gold = (S.run_beats(slots, banks["binary"]).cls if a.mode == "screen"
                else S.cascade_beats(slots, banks).severity)
        res["rtl_decisions_equal_golden"] = bool(np.array_equal(gold, pred))
    # per-beat arrays in the order of the selected beats: the RTL's statistics-register cycles,
    # the beat's bound (synaptic events / lanes), the label (binary or severity; -1 unscored,
    # AAMI Q in screen mode) and the RTL decision (-1: none read)
    lab = (labels["binary"] if a.mode == "screen" else labels["severity"])[sel]
    arrays = {"label": lab.astype(np.int64), "pred": pred}
    if len(cyc) == len(sel):
        arrays["cycles"] = np.full(len(sel), -1, dtype=np.int64)
        arrays["cycles"][pos] = cyc
        arrays["lower_bound"] = np.full(len(sel), np.nan)
        arrays["lower_bound"][pos] = ev / S.LANES
    return with_arrays(res, **arrays)
