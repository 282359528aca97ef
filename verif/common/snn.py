# SPDX-License-Identifier: Apache-2.0
"""IF-engine helpers shared by the testbenches that contain an ``if_engine``.

The engine has its own testbench (verif/snn_if) and sits inside the system top
(verif/system).  Both need

* the beat word <-> slot-array conversions (slot ``s`` is bit ``s``);
* the analytical cycle count of docs/snn_if_rtl.md ("Cycles per beat"), which
  the engine's statistics, its trace and the latency checks are compared with;
* the engine's trace records of a beat, predicted from the golden model's
  per-pass results (docs/snn_if_rtl.md "Trace port").

Pure functions of golden.snn_if results; no cocotb.
"""

from __future__ import annotations

import numpy as np

from golden import formats as F
from golden import snn_if as G
from verif.common.statemon import StateSample

# trace kinds of the engine (docs/snn_if_rtl.md "Trace port"), from the one definition
TRC_H1, TRC_H2, TRC_OUT, TRC_STAGE, TRC_BEAT, TRC_CYC = (F.TRACE_KINDS[f"TRC_SNN_{k}"] for k in (
    "H1", "H2", "OUT", "STAGE", "BEAT", "CYCLES"))

M16 = 0xFFFF


def slots_to_int(slots) -> int:
    """Slot bits -> the beat word (slot s is bit s)."""
    return int.from_bytes(np.packbits(np.asarray(slots, dtype=np.uint8), bitorder="little").tobytes(), "little")


def int_to_slots(v: int, n: int) -> np.ndarray:
    raw = np.frombuffer(int(v).to_bytes(-(-n // 8), "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n].astype(np.int64)


def update_width(lanes: int = G.LANES) -> int:
    """Biases per memory word = neurons updated per cycle."""
    return 8 * lanes // F.SNN_BIAS.width


# Cycles from the issue of a layer's last update to the first issue of the scan that reads its
# spike counts: the memory pipeline R -> M -> F -> M2 -> X1 -> X2 (F: the fabric register of the
# block-RAM row) writes the counts at the end of X2 (docs/snn_if_rtl.md "Memory pipeline"; DRAIN
# in rtl/snn_if/if_engine.v).
PIPE_DRAIN = 6


def stage_overhead(n_h1: int = G.N_H1, n_h2: int = G.N_H2, n_out: int = G.N_OUT, lanes: int = G.LANES,
                   drain: int = PIPE_DRAIN) -> int:
    """Fixed cycles of one bank run: START, per pass the update phases (one
    cycle per bias word) and two drains of ``drain`` cycles, the final drain
    (``drain - 1`` cycles: DECIDE reads the output membranes the cycle after
    X2 writes them) and DECIDE (85 with the default geometry)."""
    upd = update_width(lanes)
    u = sum(-(-n // upd) for n in (n_h1, n_h2, n_out))
    return 1 + G.PASSES * (u + 2 * drain) + (drain - 1) + 1


def stage_cycles(run: G.BeatRun, n_h1: int = G.N_H1, n_h2: int = G.N_H2, n_out: int = G.N_OUT,
                 lanes: int = G.LANES) -> int:
    """Cycles of one bank run: overhead + per pass G1*S1 + G2*S2 + S3 (S1 input
    spikes, S2 / S3 hidden-1 / hidden-2 neurons that fired)."""
    c = stage_overhead(n_h1, n_h2, n_out, lanes)
    for st in run.steps:
        s1 = st.l1.events // n_h1
        s2 = st.l2.events // n_h2
        s3 = st.l3.events // n_out
        c += (n_h1 // lanes) * s1 + (n_h2 // lanes) * s2 + s3
    return c


def beat_cycles(runs) -> int:
    """Engine cycles of a beat: the sum over the stages (bank runs) it took."""
    return sum(stage_cycles(r) for r in runs)


def trace_records(beat_no: int, runs, banks, cycles: int) -> list[StateSample]:
    """Every trace record the engine (TRACE_EN=1) emits for one beat, in order:
    per stage and pass every hidden-1, hidden-2 and output neuron, the stage
    result, then the beat's saturations/events and its cycle count."""
    out = []
    step0 = (beat_no & 0xFFF) << 4
    for si, (r, b) in enumerate(zip(runs, banks)):
        for t, st in enumerate(r.steps):
            step = step0 | si << 2 | t << 1
            for kind, lo in ((TRC_H1, st.l1), (TRC_H2, st.l2), (TRC_OUT, st.l3)):
                for n in range(len(lo.v)):
                    out.append(StateSample(
                        valid=1, kind=kind, index=n | int(lo.count[n]) << 8 | int(lo.sat[n]) << 10,
                        step=step, value=(int(lo.v[n]) & M16) << 16 | (int(lo.v_pre[n]) & M16)))
        out.append(StateSample(valid=1, kind=TRC_STAGE, index=b | r.cls << 8, step=step0 | si << 2 | 2,
                               value=(int(r.v3[1]) & M16) << 16 | (int(r.v3[0]) & M16)))
    last = step0 | (len(runs) - 1) << 2 | 2
    out.append(StateSample(valid=1, kind=TRC_BEAT, index=sum(r.sat for r in runs), step=last,
                           value=sum(r.events for r in runs)))
    out.append(StateSample(valid=1, kind=TRC_CYC, index=0, step=last, value=cycles))
    return out
