# SPDX-License-Identifier: Apache-2.0
"""Beats for the 1D-CNN of Fradi et al. 2024: 187 samples at 125 Hz, int8.

The paper used the widely distributed preprocessed MIT-BIH set (187-sample
beats at 125 Hz).  This module cuts the equivalent beats from the MIT-BIH
records themselves, with documented arithmetic, so every beat traces back to
an annotated R peak of a record.

Window
======
At 360 Hz, :func:`golden.data.load_beats` cuts ``signal[r - 288 : r + 504]``
(792 samples, the R peak at index 288; beats whose window does not fit inside
the record are skipped).  ``scipy.signal.resample_poly(x, 25, 72)`` (its
default Kaiser-windowed FIR) takes it to 125 Hz: 275 samples, the R peak at
index 100 exactly (288 * 25 / 72 = 100).  The beat is samples
``100 - R_INDEX .. 100 - R_INDEX + 186`` of that: **R peak at index 62,
62 samples (0.496 s) before it and 124 samples (0.992 s) after it**.  The 38
and 50 extra 125 Hz samples on either side of the kept part keep the
resampling filter's edge transients out of the beat.

Normalisation and int8 quantization
===================================
Baseline: the median of the 187 resampled samples is subtracted (per beat).
Fixed input scale: **one int8 step is** :data:`INPUT_ADC_PER_LSB` **= 5 ADC
units = 25 uV** (MIT-BIH: 200 units per mV), so the int8 range -128..127
covers -3.2 .. +3.175 mV around the baseline.  ``q = clamp(round_half_even(
(x - median) / 5), -128, 127)``: values outside the range saturate (about
1.5 % of the beats reach a rail at their R or S wave).  No per-beat
amplitude normalisation: the network sees amplitudes in a fixed unit.

Classes and splits
==================
Five AAMI classes (:func:`golden.data.aami5_labels`: N, S, V, F, Q).
``intra``: :func:`golden.data.intra_patient_split` (seed 2025, 20 % test)
over the beats of all 48 records, as the other intra-patient models of this
repository do and as the paper's data set does (its Q class is mostly the
paced beats of records 102, 104, 107 and 217).  ``inter``:
:func:`golden.data.inter_patient_split`, de Chazal DS1 (train) / DS2 (test),
paced records in neither.

Results are cached in ``<repo>/build/cache/cnn_beats_<hash>.npz`` (keyed by
the window constants and the underlying beat cache key).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from golden import data as D

#: Output beat: length, sampling frequency, R-peak index.
BEAT_LEN = 187
FS_CNN = 125
R_INDEX = 62

#: Resampling 360 Hz -> 125 Hz (rational factor 25/72).
UP, DOWN = 25, 72

#: Window cut at 360 Hz before resampling (R peak at index PRE_360).
PRE_360 = 288
POST_360 = 504

#: R-peak index in the resampled window (PRE_360 * UP / DOWN, exact).
_R_RESAMPLED = PRE_360 * UP // DOWN

#: int8 input quantization: ADC units per int8 step (5 units = 25 uV at 200 units/mV).
INPUT_ADC_PER_LSB = 5
INPUT_UV_PER_LSB = 25.0

N_CLASSES = 5
CLASSES = D.AAMI5_CLASSES
SPLITS = ("intra", "inter")
INTRA_SEED = 2025

_CACHE_VERSION = 1

assert PRE_360 * UP % DOWN == 0, "the R peak must fall on a 125 Hz sample"
assert _R_RESAMPLED - R_INDEX >= 0
assert _R_RESAMPLED - R_INDEX + BEAT_LEN <= -(-(PRE_360 + POST_360) * UP // DOWN)


class CnnDataError(ValueError):
    """Bad arguments to the CNN data functions."""


def resample_beats(x360) -> np.ndarray:
    """360 Hz windows ``[N, PRE_360 + POST_360]`` -> float64 187-sample beats
    ``[N, BEAT_LEN]`` at 125 Hz (R peak at :data:`R_INDEX`), baseline not removed."""
    x = np.asarray(x360)
    if x.ndim != 2 or x.shape[1] != PRE_360 + POST_360:
        raise CnnDataError(f"need windows of shape [N, {PRE_360 + POST_360}] "
                           f"(R peak at {PRE_360}), got {x.shape}")
    y = resample_poly(x.astype(np.float64), UP, DOWN, axis=1)
    lo = _R_RESAMPLED - R_INDEX
    return y[:, lo:lo + BEAT_LEN]


def quantize_input(beats) -> np.ndarray:
    """Float beats (ADC units) -> int8: median removed, 5 ADC units per step,
    round half to even, saturated to -128..127."""
    b = np.asarray(beats, dtype=np.float64)
    if b.ndim != 2 or b.shape[1] != BEAT_LEN:
        raise CnnDataError(f"need beats of shape [N, {BEAT_LEN}], got {b.shape}")
    d = b - np.median(b, axis=1, keepdims=True)
    return np.clip(np.rint(d / INPUT_ADC_PER_LSB), -128, 127).astype(np.int8)


@dataclass
class CnnBeats:
    """int8 beats with their labels and provenance."""

    x: np.ndarray        # int8 [N, 187]
    y: np.ndarray        # int64 [N] AAMI5 class 0..4
    record: np.ndarray   # int16 [N]
    sample: np.ndarray   # int64 [N] R-peak sample at 360 Hz

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def subset(self, idx) -> "CnnBeats":
        idx = np.asarray(idx)
        return CnnBeats(self.x[idx], self.y[idx], self.record[idx], self.sample[idx])


def load_cnn_beats(records=None, cache: bool = True, cache_dir=None) -> CnnBeats:
    """int8 CNN beats of the MIT-BIH records (default all 48), in load_beats order.

    Every beat annotation (golden.data.BEAT_SYMBOLS) has an AAMI5 class, so no
    beat is dropped apart from those load_beats skips at the record ends."""
    records = tuple(str(r) for r in (D.MITDB_RECORDS if records is None else records))
    bs = D.load_beats(records=records, pre=PRE_360, post=POST_360, cache=cache,
                      cache_dir=cache_dir)
    path = None
    if cache:
        db = D.mitdb_dir().resolve()
        key = json.dumps({"version": _CACHE_VERSION, "beats": D._cache_key(
            records, PRE_360, POST_360, db), "up": UP, "down": DOWN, "r": R_INDEX,
            "len": BEAT_LEN, "lsb": INPUT_ADC_PER_LSB})
        cdir = Path(cache_dir) if cache_dir is not None else D.REPO_ROOT / "build" / "cache"
        path = cdir / f"cnn_beats_{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"
        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z["key"]) == key and z["x"].shape == (len(bs), BEAT_LEN):
                    return CnnBeats(z["x"], D.aami5_labels(bs.symbol), bs.record, bs.sample)
        except Exception:
            pass
    x = quantize_input(resample_beats(bs.x))
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                np.savez(f, key=np.array(key), x=x)
            os.replace(tmp, path)
        except OSError:
            pass
    y = D.aami5_labels(bs.symbol)
    if (y < 0).any():
        raise CnnDataError("a beat without an AAMI5 class")
    return CnnBeats(x, y, bs.record, bs.sample)


def split_indices(beats: CnnBeats, split: str):
    """(train, test) index arrays: ``intra`` seeded random 80/20 over all beats,
    ``inter`` DS1 / DS2 (paced records excluded)."""
    if split == "intra":
        return D.intra_patient_split(beats, seed=INTRA_SEED)
    if split == "inter":
        return D.inter_patient_split(beats)
    raise CnnDataError(f"split must be one of {SPLITS}, got {split!r}")
