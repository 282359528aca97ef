"""RR-interval unit: the beat-timing inputs shared by the IF screen and the e-prop network.

Bit-exact model of the hardware RR unit (docs/rr.md).  Per record, beats in
time order; the unit keeps the previous R-peak sample and a running average
A of the pre-RR interval in u11.4 (``RR_AVG``):

* beat 0 of a record: rr = RR_INIT (0.8 s), A = rr << 4 (ratio 1);
* beat 1: rr = the real interval, A seeded with rr << 4 (ratio 1);
* later beats: rr (saturated to ``RR_INTERVAL``, u11) is compared with the
  average of the previous intervals, then folded into it:
  A <- sat(A + (((rr << 4) - A) >> RR_AVG_SHIFT)).

Output bits (no division, one small constant multiply per bit):
ratio bit m = (rr << 8) >= RR_RATIO_K[m] * A   (rr / avg >= K/16), m = 0..7;
absolute bit m = rr >= RR_ABS[m]                (0.5, 0.7, 1.0 s), m = 0..2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import formats as F

RR_INIT = 288
RR_AVG_SHIFT = 3
RR_RATIO_K = (11, 12, 13, 14, 15, 17, 19, 22)
RR_ABS = (180, 252, 360)
N_RR = len(RR_RATIO_K) + len(RR_ABS)      # 11


@dataclass
class RRState:
    n: int = 0          # beats seen in this record
    last_r: int = 0     # R-peak sample of the previous beat
    avg: int = 0        # RR_AVG (u11.4)


def rr_step(st: RRState, r_sample: int):
    """One beat -> (new state, bits uint8[N_RR], rr)."""
    if st.n == 0:
        rr, avg = RR_INIT, RR_INIT << 4
    else:
        rr = int(F.RR_INTERVAL.saturate(int(r_sample) - st.last_r))
        avg = (rr << 4) if st.n == 1 else st.avg
    bits = np.zeros(N_RR, dtype=np.uint8)
    for m, k in enumerate(RR_RATIO_K):
        bits[m] = (rr << 8) >= k * avg
    for m, a in enumerate(RR_ABS):
        bits[len(RR_RATIO_K) + m] = rr >= a
    new_avg = int(F.RR_AVG.saturate(avg + (((rr << 4) - avg) >> RR_AVG_SHIFT)))
    return RRState(n=st.n + 1, last_r=int(r_sample), avg=new_avg), bits, rr


def rr_bits(record, sample) -> np.ndarray:
    """uint8[N, N_RR] for beats in BeatSet order (records contiguous, time order);
    the unit restarts at every change of record."""
    record = np.asarray(record)
    sample = np.asarray(sample, dtype=np.int64)
    out = np.zeros((len(sample), N_RR), dtype=np.uint8)
    st = RRState()
    for n in range(len(sample)):
        if n == 0 or record[n] != record[n - 1]:
            st = RRState()
        st, out[n], _ = rr_step(st, int(sample[n]))
    return out


_TABLE: dict | None = None


def rr_bits_for(beats) -> np.ndarray:
    """RR bits of arbitrary beats (any subset/order of the database, e.g. a
    test's selection), looked up in the table of the whole database: each beat
    gets the bits the RR unit produces when its whole record streams through."""
    global _TABLE
    from . import data as D
    if _TABLE is None:
        full = D.load_beats()
        bits = rr_bits(full.record, full.sample)
        _TABLE = {(int(r), int(s)): b for r, s, b in zip(full.record, full.sample, bits)}
    try:
        return np.stack([_TABLE[(int(r), int(s))] for r, s in zip(beats.record, beats.sample)]) \
            if len(beats) else np.zeros((0, N_RR), np.uint8)
    except KeyError as e:
        raise KeyError(f"beat {e.args[0]} is not in the database's beat table") from None
