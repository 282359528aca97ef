# SPDX-License-Identifier: Apache-2.0
"""AAMI EC57-style beat-by-beat matching of QRS detections (docs/frontend.md).

A detection matches a reference beat when they are at most ``tol`` samples
apart (150 ms = 54 samples at 360 Hz; the boundary is included).  Matching is
one-to-one: reference beats and detections are taken in time order and each
reference beat is paired with the nearest still-unpaired detection within the
tolerance (ties go to the earlier detection); a greedy pass over sorted lists
is optimal here because the beats of one record are farther apart than twice
the tolerance in all but pathological cases, and it is what the test cases
pin down.  Unmatched reference beats are false negatives, unmatched
detections false positives.

The whole record is scored (EC57 lets the first 5 minutes be used for
learning and excluded; we do not exclude them).  Reference beats are the
annotations whose symbol is in ``golden.data.BEAT_SYMBOLS``.  Optionally
(``exclude``) reference beats and detections inside ventricular flutter or
fibrillation episodes (from a ``[`` to the next ``]`` annotation, ends
included; in MIT-BIH only record 207 has them) are dropped before matching,
as EC57 leaves VF episodes out of the QRS detection figures; the tables
report both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import BEAT_SYMBOLS

TOL_S = 0.150


class MatchInputError(ValueError):
    """Sample index arrays that are not one-dimensional, sorted integers."""


@dataclass(frozen=True)
class Match:
    tp: int
    fn: int
    fp: int

    @property
    def se(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def ppv(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    def __add__(self, other: "Match") -> "Match":
        return Match(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp)


def tolerance(fs) -> int:
    return int(round(TOL_S * fs))


def _idx(a, name) -> np.ndarray:
    a = np.asarray(a)
    if a.size == 0:
        return a.astype(np.int64).reshape(0)
    if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
        raise MatchInputError(f"{name} must be a 1-D integer array, got {a.dtype} {a.shape}")
    a = a.astype(np.int64)
    if np.any(np.diff(a) < 0):
        raise MatchInputError(f"{name} must be sorted")
    return a


def _drop(a: np.ndarray, exclude) -> np.ndarray:
    keep = np.ones(a.size, dtype=bool)
    for lo, hi in exclude:
        keep &= ~((a >= lo) & (a <= hi))
    return a[keep]


def _pair(ref, det, tol: int, exclude=()):
    ref, det = _idx(ref, "ref"), _idx(det, "det")
    if not isinstance(tol, (int, np.integer)) or isinstance(tol, bool) or tol < 0:
        raise MatchInputError(f"tol must be a non-negative integer number of samples, got {tol!r}")
    ref, det = _drop(ref, exclude), _drop(det, exclude)
    used = np.zeros(det.size, dtype=bool)
    pr, pd = [], []
    j0 = 0
    for r in ref.tolist():
        while j0 < det.size and det[j0] < r - tol:
            j0 += 1
        best, best_dist = -1, tol + 1
        j = j0
        while j < det.size and det[j] <= r + tol:
            if not used[j] and abs(int(det[j]) - r) < best_dist:
                best, best_dist = j, abs(int(det[j]) - r)
            j += 1
        if best >= 0:
            used[best] = True
            pr.append(r)
            pd.append(int(det[best]))
    tp = len(pr)
    m = Match(tp=tp, fn=int(ref.size) - tp, fp=int(det.size) - tp)
    return m, np.asarray(pr, np.int64), np.asarray(pd, np.int64)


def match(ref, det, tol: int, exclude=()) -> Match:
    """Match sorted reference beat samples ``ref`` to sorted detections ``det``.

    ``exclude``: (first, last) sample pairs; beats and detections inside are dropped.
    """
    return _pair(ref, det, tol, exclude)[0]


def match_pairs(ref, det, tol: int, exclude=()):
    """:func:`match` and the matched pairs: ``(Match, ref_samples, det_samples)``, one entry per
    true positive (reference beat sample, the detection's sample), in reference order."""
    return _pair(ref, det, tol, exclude)


def reference_beats(ann_sample, ann_symbol) -> np.ndarray:
    """The sorted sample indices of the beat annotations."""
    sym = np.asarray(ann_symbol)
    keep = np.isin(sym, np.asarray(BEAT_SYMBOLS))
    return np.sort(np.asarray(ann_sample, dtype=np.int64)[keep])


def vf_intervals(ann_sample, ann_symbol) -> tuple[tuple[int, int], ...]:
    """(first, last) samples of the ventricular flutter/fibrillation episodes ``[`` .. ``]``."""
    out, start = [], None
    for t, sym in zip(np.asarray(ann_sample).tolist(), np.asarray(ann_symbol).tolist()):
        if sym == "[" and start is None:
            start = t
        elif sym == "]" and start is not None:
            out.append((start, t))
            start = None
    if start is not None:
        out.append((start, int(np.asarray(ann_sample).max())))
    return tuple(out)
