# SPDX-License-Identifier: Apache-2.0
"""Per-beat signal-quality gate (issue 15 item 2; docs/quality.md).

A beat the classifiers cannot read must not be called normal. This module measures four cheap
integer quantities on the 250-sample beat window (R peak at index ``ENC_R_INDEX`` = 100, the same
window the encoder and the IF screen use) and marks the beat *unreadable* when any of them is out
of range. Every constant is in the one definition (``golden/formats.py`` ``QUAL_CONSTANTS``,
generated into ``rtl/common/ecg_formats.vh``); every quantity is an integer a small datapath can
compute in one pass over the window:

* ``hf``: the sum of ``|x[n+1] - 2 x[n] + x[n-1]|`` over the centres ``n`` outside the QRS region
  ``[QUAL_QRS_LO, QUAL_QRS_HI)``. A second difference passes muscle noise and mains almost
  unattenuated (gain 1 at 60 Hz, 360 Hz) and rejects baseline wander; outside the QRS a clean
  ECG has little of it.
* ``amp``: the peak-to-peak of ``x`` over the QRS region.
* ``flat``: the longest run of equal consecutive samples in the window.
* ``rail``: the number of samples at the ADC rails (-1024 or 1023).

Reasons (bit mask): NOISE when ``(hf << QUAL_HF_SHIFT) > QUAL_HF_T * amp``; LOWAMP when
``amp < QUAL_LOWAMP_T``; FLAT when ``flat >= QUAL_FLAT_RUN``; CLIP when ``rail > QUAL_RAIL_MAX``.
``QUAL_HF_T`` was chosen on the intra-patient *training* beats under seeded noise by
``scripts/quality_gate.py --calibrate``.

Bad input raises :class:`QualityError` (a ``ValueError``) naming the problem.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import formats as F

_C = F.QUAL_CONSTANTS
BEAT_LEN = F.ENC_BEAT_LEN                # 250
R_IDX = F.ENC_R_INDEX                    # 100
QRS_LO, QRS_HI = _C["QUAL_QRS_LO"], _C["QUAL_QRS_HI"]
HF_SHIFT, HF_T = _C["QUAL_HF_SHIFT"], _C["QUAL_HF_T"]
AMP_MIN, FLAT_RUN, RAIL_MAX = _C["QUAL_LOWAMP_T"], _C["QUAL_FLAT_RUN"], _C["QUAL_RAIL_MAX"]
R_NOISE, R_LOWAMP, R_FLAT, R_CLIP = (_C["QUAL_R_NOISE"], _C["QUAL_R_LOWAMP"], _C["QUAL_R_FLAT"],
                                     _C["QUAL_R_CLIP"])
REASONS = {R_NOISE: "noise", R_LOWAMP: "low_amplitude", R_FLAT: "flat", R_CLIP: "clipped"}
X_MIN, X_MAX = -1024, 1023

# centres n = 1 .. BEAT_LEN-2 of the second difference; those counted in hf
_CENTRES = np.arange(1, BEAT_LEN - 1)
_HF_MASK = (_CENTRES < QRS_LO) | (_CENTRES >= QRS_HI)
HF_TERMS = int(_HF_MASK.sum())            # 158 with the shipped constants (centres 1..63 and 154..248)


class QualityError(ValueError):
    """A malformed input to the quality gate."""


def reason_names(mask: int) -> tuple[str, ...]:
    """The names of the reason bits set in ``mask``, lowest bit first."""
    mask = int(mask)
    if mask < 0 or mask >= 16:
        raise QualityError(f"reason mask must be 0..15, got {mask}")
    return tuple(n for b, n in sorted(REASONS.items()) if mask & b)


@dataclass(frozen=True)
class Quality:
    """The gate's verdict on one beat."""

    readable: bool
    reasons: int          # bit mask of QUAL_R_*
    hf: int
    amp: int
    flat: int
    rail: int

    @property
    def names(self) -> tuple[str, ...]:
        return reason_names(self.reasons)


@dataclass(frozen=True)
class QualityBatch:
    """The gate on N beats (arrays of length N)."""

    readable: np.ndarray   # bool
    reasons: np.ndarray    # uint8 bit mask
    hf: np.ndarray         # int64
    amp: np.ndarray        # int64
    flat: np.ndarray       # int64
    rail: np.ndarray       # int64

    def __len__(self) -> int:
        return int(self.readable.shape[0])

    def __getitem__(self, k: int) -> Quality:
        return Quality(bool(self.readable[k]), int(self.reasons[k]), int(self.hf[k]), int(self.amp[k]),
                       int(self.flat[k]), int(self.rail[k]))

    def counts(self) -> dict:
        """Beats per reason (a beat may have several) and unreadable in all."""
        out = {n: int(((self.reasons & b) != 0).sum()) for b, n in sorted(REASONS.items())}
        out["unreadable"] = int((~self.readable).sum())
        out["beats"] = len(self)
        return out


def _windows(x) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != BEAT_LEN:
        raise QualityError(f"beat windows must have shape (N, {BEAT_LEN}) (R peak at {R_IDX}); "
                           f"got {np.asarray(x).shape}")
    if a.shape[0] and not np.issubdtype(a.dtype, np.integer):
        raise QualityError(f"beat windows must be integer ADC units, got dtype {a.dtype}")
    a = a.astype(np.int64)
    if a.size and (a.min() < X_MIN or a.max() > X_MAX):
        raise QualityError(f"samples must lie in {X_MIN}..{X_MAX} (11-bit ADC units); "
                           f"got {a.min()}..{a.max()}")
    return a


def _longest_run(a: np.ndarray) -> np.ndarray:
    """Longest run of equal consecutive samples per row (>= 1)."""
    n, m = a.shape
    if n == 0:
        return np.zeros(0, np.int64)
    same = np.diff(a, axis=1) == 0
    # run lengths via the positions where a run breaks
    best = np.ones(n, np.int64)
    cur = np.zeros(n, np.int64)
    for k in range(m - 1):
        cur = np.where(same[:, k], cur + 1, 0)
        np.maximum(best, cur + 1, out=best)
    return best


def beats_quality(windows) -> QualityBatch:
    """The gate on beat windows ``int[N, 250]`` (R peak at 100), exactly as the integer spec says."""
    a = _windows(windows)
    d2 = np.abs(a[:, 2:] - 2 * a[:, 1:-1] + a[:, :-2])
    hf = d2[:, _HF_MASK].sum(axis=1)
    q = a[:, QRS_LO:QRS_HI]
    amp = (q.max(axis=1) - q.min(axis=1)) if len(a) else np.zeros(0, np.int64)
    flat = _longest_run(a)
    rail = ((a == X_MIN) | (a == X_MAX)).sum(axis=1)
    assert (hf <= F.QUAL_HF.max_code).all() and (amp <= F.QUAL_AMP.max_code).all()
    reasons = (np.where((hf << HF_SHIFT) > HF_T * amp, R_NOISE, 0)
               | np.where(amp < AMP_MIN, R_LOWAMP, 0)
               | np.where(flat >= FLAT_RUN, R_FLAT, 0)
               | np.where(rail > RAIL_MAX, R_CLIP, 0)).astype(np.uint8)
    return QualityBatch(readable=reasons == 0, reasons=reasons, hf=hf.astype(np.int64),
                        amp=amp.astype(np.int64), flat=flat, rail=rail.astype(np.int64))


def beat_quality(window) -> Quality:
    """The gate on one 250-sample window."""
    a = np.asarray(window)
    if a.ndim != 1:
        raise QualityError(f"beat_quality takes one window of {BEAT_LEN} samples; got shape {a.shape}")
    return beats_quality(a[None, :])[0]


def signal_quality(signal, peaks) -> QualityBatch:
    """The gate on the beats of a signal at the given R-peak sample indices.

    Every peak needs a whole window (``R_IDX`` samples before, ``BEAT_LEN - R_IDX`` from the peak
    on) inside the signal; a peak too near either end raises :class:`QualityError`."""
    s = np.asarray(signal)
    if s.ndim != 1:
        raise QualityError(f"signal must be 1-D, got shape {s.shape}")
    p = np.asarray(peaks)
    if p.ndim != 1 or (p.size and not np.issubdtype(p.dtype, np.integer)):
        raise QualityError("peaks must be a 1-D array of integer sample indices")
    p = p.astype(np.int64)
    bad = (p - R_IDX < 0) | (p + BEAT_LEN - R_IDX > len(s))
    if bad.any():
        raise QualityError(f"peak at sample {int(p[bad][0])} has no whole {BEAT_LEN}-sample window in a "
                           f"signal of {len(s)} samples")
    cols = np.arange(-R_IDX, BEAT_LEN - R_IDX)
    return beats_quality(s[p[:, None] + cols[None, :]] if p.size else np.zeros((0, BEAT_LEN), s.dtype))
