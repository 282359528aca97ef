# SPDX-License-Identifier: Apache-2.0
"""Multi-beat windows for the CNN+TCN (docs/tcn.md): 4 s of ECG at 125 Hz ending 0.992 s after
the R peak of the beat being classified, int8.

The beats are exactly those of golden/cnn_data.py (``golden.data.load_beats(pre=288,
post=504)``: same order, labels and splits), so every figure of the TCN sits beside the paper
CNN's on the same held-out beats.  Only the window around each beat differs:

Window
======
Each record's lead (MLII, V5 in 102/104: golden.data.read_record) is resampled as a whole from
360 Hz to 125 Hz with ``scipy.signal.resample_poly(x, 25, 72)`` (the same filter as the CNN's
beats).  The R peak at 360 Hz sample ``r`` falls on the 125 Hz sample ``ri = (r*25 + 36) // 72``
(round half up).  The window is the 125 Hz samples ``ri - R_INDEX .. ri - R_INDEX + WIN_LEN - 1``:
:data:`WIN_LEN` = 500 samples (4.0 s), the R peak at :data:`R_INDEX` = 375 (3.0 s of history
before it, 0.992 s after it: the same end as the CNN's 187-sample beat).  Positions before the
record's first sample or past its last repeat the record's first or last sample (edge padding;
it concerns only the beats in the first 3 s of a record).

Three seconds of history hold the two preceding beats down to 40 beats per minute (RR 1.5 s),
and the 0.992 s after the R peak hold the next beat above 60 bpm, so the network sees the RR
intervals before the beat and (usually) after it, as RR features do.

Normalisation and int8 quantization
===================================
The median of the 500 window samples is subtracted (baseline), then the CNN's fixed scale:
**one int8 step = 5 ADC units = 25 uV**, round half to even, saturated to -128..127
(:func:`golden.cnn_data.quantize_input`'s arithmetic on the longer window).

R-peak channel
==============
With ``channels=2`` the window has a second input channel: :data:`R_MARK` (127) at the 125 Hz
sample of every beat annotation of the record that falls inside the window (this beat's R peak
at :data:`R_INDEX`, the preceding ones and the next one when it is less than 0.992 s away),
0 elsewhere: the rhythm as an impulse train, the information RR-interval features carry (taken,
as they are in the inter-patient literature and as the windows themselves, from the MIT-BIH
beat annotations; a deployed system takes them from its R-peak detector).

Results are cached in ``<repo>/build/cache/tcn_windows_<hash>.npz``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from golden import cnn_data as C
from golden import data as D

#: Window: length and R-peak index at 125 Hz.
WIN_LEN = 500
R_INDEX = 375
FS = C.FS_CNN
UP, DOWN = C.UP, C.DOWN
INPUT_ADC_PER_LSB = C.INPUT_ADC_PER_LSB
#: Value of the R-peak channel at an annotated beat.
R_MARK = 127
CHANNELS = (1, 2)

N_CLASSES = C.N_CLASSES
CLASSES = C.CLASSES
SPLITS = C.SPLITS

_CACHE_VERSION = 2


class TcnDataError(ValueError):
    """Bad arguments to the TCN data functions."""


def r_index_125(sample360) -> np.ndarray:
    """The 125 Hz sample of 360 Hz R-peak samples: (r*25 + 36) // 72 (round half up)."""
    r = np.asarray(sample360, dtype=np.int64)
    if r.size and r.min() < 0:
        raise TcnDataError("R-peak samples must be >= 0")
    return (r * UP + DOWN // 2) // DOWN


def resample_record(signal) -> np.ndarray:
    """A whole 360 Hz record lead (ADC units) -> float64 at 125 Hz (resample_poly 25/72)."""
    x = np.asarray(signal)
    if x.ndim != 1 or x.size == 0:
        raise TcnDataError(f"need a non-empty 1-D signal, got shape {x.shape}")
    return resample_poly(x.astype(np.float64), UP, DOWN)


def cut_windows(sig125, r125) -> np.ndarray:
    """Float windows [N, WIN_LEN] of a 125 Hz record around R peaks ``r125`` (edge padding)."""
    sig = np.asarray(sig125, dtype=np.float64)
    r = np.asarray(r125, dtype=np.int64)
    if sig.ndim != 1 or sig.size == 0:
        raise TcnDataError(f"need a non-empty 1-D 125 Hz signal, got shape {sig.shape}")
    if r.size and (r.min() < 0 or r.max() >= sig.size):
        raise TcnDataError(f"R peaks must lie inside the record (0..{sig.size - 1})")
    idx = r[:, None] - R_INDEX + np.arange(WIN_LEN)[None, :]
    return sig[np.clip(idx, 0, sig.size - 1)]


def quantize_windows(win) -> np.ndarray:
    """Float windows (ADC units) -> int8: median removed, 5 ADC units per step, half to even,
    saturated."""
    w = np.asarray(win, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != WIN_LEN:
        raise TcnDataError(f"need windows of shape [N, {WIN_LEN}], got {w.shape}")
    d = w - np.median(w, axis=1, keepdims=True)
    return np.clip(np.rint(d / INPUT_ADC_PER_LSB), -128, 127).astype(np.int8)


def r_peak_channel(r125_beats, r125_all) -> np.ndarray:
    """int8 [N, WIN_LEN]: R_MARK where a beat annotation (125 Hz samples ``r125_all``, sorted)
    falls in the window of each beat ``r125_beats``, 0 elsewhere."""
    rb = np.asarray(r125_beats, dtype=np.int64)
    ra = np.sort(np.asarray(r125_all, dtype=np.int64))
    out = np.zeros((len(rb), WIN_LEN), dtype=np.int8)
    lo = np.searchsorted(ra, rb - R_INDEX, side="left")
    hi = np.searchsorted(ra, rb - R_INDEX + WIN_LEN, side="left")
    for i, (a, b) in enumerate(zip(lo, hi)):
        out[i, ra[a:b] - rb[i] + R_INDEX] = R_MARK
    return out


@dataclass
class TcnWindows:
    """int8 windows with the CNN beats' labels and provenance."""

    x: np.ndarray        # int8 [N, channels, WIN_LEN] (channel 1: the R-peak marks)
    y: np.ndarray        # int64 [N] AAMI5 class
    record: np.ndarray   # int16 [N]
    sample: np.ndarray   # int64 [N] R-peak sample at 360 Hz

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def subset(self, idx) -> "TcnWindows":
        idx = np.asarray(idx)
        return TcnWindows(self.x[idx], self.y[idx], self.record[idx], self.sample[idx])


def load_tcn_windows(records=None, channels: int = 2, cache: bool = True, cache_dir=None) -> TcnWindows:
    """The TCN windows of the MIT-BIH records (default all 48), in the CNN beats' order:
    x [N, channels, WIN_LEN]; channels 1 (the ECG) or 2 (and the R-peak marks)."""
    if channels not in CHANNELS:
        raise TcnDataError(f"channels must be one of {CHANNELS}, got {channels!r}")
    records = tuple(str(r) for r in (D.MITDB_RECORDS if records is None else records))
    bs = D.load_beats(records=records, pre=C.PRE_360, post=C.POST_360, cache=cache,
                      cache_dir=cache_dir)
    y = D.aami5_labels(bs.symbol)
    if (y < 0).any():
        raise TcnDataError("a beat without an AAMI5 class")
    path = key = None
    if cache:
        db = D.mitdb_dir().resolve()
        key = json.dumps({"version": _CACHE_VERSION, "beats": D._cache_key(
            records, C.PRE_360, C.POST_360, db), "up": UP, "down": DOWN, "r": R_INDEX,
            "len": WIN_LEN, "lsb": INPUT_ADC_PER_LSB})
        cdir = Path(cache_dir) if cache_dir is not None else D.REPO_ROOT / "build" / "cache"
        path = cdir / f"tcn_windows_{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"
        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z["key"]) == key and z["x"].shape == (len(bs), 2, WIN_LEN):
                    return TcnWindows(z["x"][:, :channels].copy(), y, bs.record, bs.sample)
        except Exception:
            pass
    x = np.zeros((len(bs), 2, WIN_LEN), dtype=np.int8)
    for name in records:
        sel = np.flatnonzero(bs.record == D._record_number(name))
        if sel.size == 0:
            continue
        rec = D.read_record(name)
        sig = resample_record(rec.signal)
        rb = r_index_125(bs.sample[sel])
        x[sel, 0] = quantize_windows(cut_windows(sig, rb))
        beats = np.isin(np.asarray(rec.ann_symbol, dtype=str), D.BEAT_SYMBOLS)
        x[sel, 1] = r_peak_channel(rb, r_index_125(np.asarray(rec.ann_sample)[beats]))
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                np.savez(f, key=np.array(key), x=x)
            os.replace(tmp, path)
        except OSError:
            pass
    return TcnWindows(x[:, :channels].copy(), y, bs.record, bs.sample)


def split_indices(w: TcnWindows, split: str):
    """(train, test) index arrays, identical to golden/cnn_data.split_indices on the same beats."""
    return C.split_indices(w, split)
