# SPDX-License-Identifier: Apache-2.0
"""RR unit: the beat-timing inputs of the IF screen (docs/rr.md).

Bit-exact model of ``rtl/rr/rr_unit.v``.  Per beat the host gives the pre-RR
interval in samples (R peak of this beat minus R peak of the previous beat of
the same record) and whether the beat is the first of a record.  The unit
keeps a running average A of the interval in u11.4 (``RR_AVG``):

* first beat of a record (or after reset): rr = RR_INIT (0.8 s), A = rr << 4;
* second beat: rr = sat11(delta), A seeded with rr << 4 (ratio 1);
* later beats: rr is compared with the average of the previous intervals,
  then folded in: A <- A + (((rr << 4) - A) >> RR_AVG_SHIFT) (floor shift).

Output bits, comparisons only (no division):
ratio bit m = (rr << 8) >= RR_RATIO_K[m] * A   (rr / avg >= K/16), m = 0..7;
absolute bit 8 + m = rr >= RR_ABS[m]           (0.5, 0.7, 1.0 s), m = 0..2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import formats as F
from .checks import int_array, int_scalar

RR_INIT = F.RR_INIT                 # 288 samples (0.8 s)
RR_AVG_SHIFT = F.RR_AVG_SHIFT       # 3
RR_RATIO_K = F.RR_RATIO_K           # (11, 12, 13, 14, 15, 17, 19, 22) sixteenths
RR_ABS = F.RR_ABS                   # (180, 252, 360) samples
N_RR = F.SNN_N_RR                   # 11


@dataclass(frozen=True)
class RRState:
    n: int = 0          # beats since the restart, saturating at 2
    avg: int = 0        # RR_AVG (u11.4)


def step(st: RRState, first: bool, delta: int):
    """One beat -> (new state, bits uint8[N_RR], rr).  ``delta`` >= 0 is the
    host's interval in samples; it is ignored on a first beat."""
    delta = int_scalar(delta, "delta (RR interval in samples)", 0)
    first = bool(first) or st.n == 0
    rr = RR_INIT if first else int(F.RR_INTERVAL.saturate(int(delta)))
    avg = (rr << 4) if (first or st.n == 1) else st.avg
    bits = np.zeros(N_RR, dtype=np.uint8)
    for m, k in enumerate(RR_RATIO_K):
        bits[m] = (rr << 8) >= k * avg
    for m, a in enumerate(RR_ABS):
        bits[len(RR_RATIO_K) + m] = rr >= a
    new_avg = int(F.RR_AVG.saturate(avg + (((rr << 4) - avg) >> RR_AVG_SHIFT)))
    return RRState(n=1 if first else 2, avg=new_avg), bits, rr


def host_inputs(record, sample):
    """(first, delta) per beat as the host derives them from the beats' records and
    R-peak samples (BeatSet order: records contiguous, beats in time order)."""
    record = int_array(record, "record", ndim=1)
    sample = int_array(sample, "sample", 0, shape=(len(record),))
    first = np.ones(len(sample), dtype=bool)
    first[1:] = record[1:] != record[:-1]
    delta = np.zeros(len(sample), dtype=np.int64)
    delta[1:] = sample[1:] - sample[:-1]
    delta[first] = 0
    return first, delta


def rr_bits(record, sample) -> np.ndarray:
    """uint8[N, N_RR] for beats in BeatSet order; the unit restarts at every new record."""
    first, delta = host_inputs(record, sample)
    out = np.zeros((len(first), N_RR), dtype=np.uint8)
    st = RRState()
    for n in range(len(first)):
        st, out[n], _ = step(st, first[n], int(delta[n]))
    return out


_TABLE: dict | None = None


def rr_bits_for(record, sample) -> np.ndarray:
    """RR bits of arbitrary beats (by record and R-peak sample; any subset/order of the database, e.g. a
    test's selection), looked up in the table of the whole database: each beat
    gets the bits the RR unit produces when its whole record streams through."""
    global _TABLE
    from . import data as D
    if _TABLE is None:
        full = D.load_beats()
        bits = rr_bits(full.record, full.sample)
        _TABLE = {(int(r), int(s)): b for r, s, b in zip(full.record, full.sample, bits)}
    if len(record) == 0:
        return np.zeros((0, N_RR), np.uint8)
    try:
        return np.stack([_TABLE[(int(r), int(s))] for r, s in zip(record, sample)])
    except KeyError as e:
        raise KeyError(f"beat {e.args[0]} is not in the database's beat table") from None
