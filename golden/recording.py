# SPDX-License-Identifier: Apache-2.0
"""Your own recording, end to end (issue 15 item 6; docs/recording.md).

``load_recording`` reads a WFDB record or a CSV file, checks it, resamples it to 360 Hz and
converts it to the repository's integer input: MIT-BIH-like ADC codes, 200 per mV, relative to
zero, saturated to -1024..1023. ``classify_signal`` is the golden chain from that raw integer
signal to per-beat decisions, with no annotation anywhere:

1. the integer front end and R-peak detector (``golden/frontend.py``);
2. a 250-sample window of the raw signal at every detected peak (R at 100), the RR unit's bits
   from the detected peaks (``golden/rr.py``);
3. the signal-quality gate on every window (``golden/quality.py``);
4. stage 1, the IF screen (normal / abnormal) and the severity cascade (``golden/snn_if.py``), on
   the spike encoder's slots (``golden/encoder.py``);
5. stage 2, the e-prop network's N / S / V / F class (``golden/eprop.py``), for the beats stage 1
   calls abnormal (the beats that wake the second stage in ``ecg_pipeline_top``).

The models: ``inter`` (default: the IF banks and e-prop network trained on de Chazal's DS1 only,
the honest choice for a person not in MIT-BIH) or ``intra`` (trained on 80 % of the beats of all
48 records). Every problem with the input raises a :class:`RecordingError` subclass naming it.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from . import encoder as E
from . import eprop as P
from . import formats as F
from . import frontend as FE
from . import quality as Q
from . import rr as RR
from . import snn_if as S

FS = FE.FS                     # 360 Hz
CODES_PER_MV = 200             # MIT-BIH's ADC gain
X_MIN, X_MAX = -1024, 1023
MIN_SECONDS = 10.0
FS_RANGE = (100.0, 2000.0)
CLIP_FRAC = 0.01               # more than 1 % of samples on one plateau or at the rails: clipped
FLAT_PTP = 20                  # whole-recording peak-to-peak below 0.1 mV: flat
UNITS = {"mV": 1.0, "uV": 1e-3, "V": 1e3, "adc": None}
MODELS = {"inter": ("inter", "ds1"), "intra": ("intra", "intra")}
STAGE1 = ("normal", "abnormal")
SEVERITY = ("Normal", "Mild", "Moderate", "Severe")
STAGE2 = ("N", "S", "V", "F")
PRE, POST = Q.R_IDX, Q.BEAT_LEN - Q.R_IDX


class RecordingError(ValueError):
    """A recording that cannot be classified, with the reason."""


class UnreadableFile(RecordingError):
    """The file is missing, not a WFDB record / CSV, or holds no usable numbers."""


class BadRate(RecordingError):
    """The sampling rate is missing, not a number, or outside 100..2000 Hz."""


class BadChannel(RecordingError):
    """The channel asked for does not exist."""


class BadUnits(RecordingError):
    """Units unknown, or the signal's physical units cannot be converted to mV."""


class TooShort(RecordingError):
    """Less than 10 s of signal."""


class FlatSignal(RecordingError):
    """No ECG: the signal hardly moves (peak-to-peak below 0.1 mV)."""


class ClippedSignal(RecordingError):
    """More than 1 % of the samples sit on the signal's extreme values or on the ADC rails."""


class BadModel(RecordingError):
    """Unknown model name."""


@dataclass
class Recording:
    """A recording ready for the chain: int16 codes (200 per mV) at 360 Hz."""

    name: str
    signal: np.ndarray
    fs_in: float
    channel: str
    units_in: str
    resampled: bool
    saturated: int             # samples saturated to -1024 / 1023 by the conversion
    notes: list = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return len(self.signal) / FS


def _resample(x: np.ndarray, fs: float) -> np.ndarray:
    from scipy.signal import resample_poly
    r = Fraction(FS / fs).limit_denominator(1000)
    if abs(float(r) * fs - FS) > 1e-6 * FS:
        raise BadRate(f"cannot resample {fs:g} Hz to {FS} Hz with a ratio of small integers")
    return resample_poly(x, r.numerator, r.denominator)


def _check_fs(fs) -> float:
    if fs is None:
        raise BadRate("a sampling rate is needed (FS=..., in Hz) for a CSV file")
    try:
        f = float(fs)
    except (TypeError, ValueError):
        raise BadRate(f"sampling rate must be a number in Hz, got {fs!r}") from None
    if not math.isfinite(f) or not FS_RANGE[0] <= f <= FS_RANGE[1]:
        raise BadRate(f"sampling rate {fs!r} Hz is outside {FS_RANGE[0]:g}..{FS_RANGE[1]:g} Hz")
    return f


def _plateau_frac(x: np.ndarray) -> float:
    return float(max((x == x.max()).mean(), (x == x.min()).mean()))


def from_physical(x_mv, fs, name: str = "signal", channel: str = "", units_in: str = "mV") -> Recording:
    """A signal in mV (float array) at ``fs`` Hz -> :class:`Recording` (checks, resampling, codes)."""
    fs = _check_fs(fs)
    x = np.asarray(x_mv, dtype=np.float64)
    if x.ndim != 1:
        raise UnreadableFile(f"{name}: one channel expected, got shape {x.shape}")
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise UnreadableFile(f"{name}: sample {int(bad[0])} is not a finite number")
    if len(x) < MIN_SECONDS * fs:
        raise TooShort(f"{name}: {len(x) / fs:.1f} s of signal; at least {MIN_SECONDS:g} s are needed")
    if _plateau_frac(x) > CLIP_FRAC:
        raise ClippedSignal(f"{name}: {100 * _plateau_frac(x):.1f} % of the samples sit on the signal's "
                            f"extreme value (clipped at the source?)")
    notes = []
    resampled = abs(fs - FS) > 1e-9
    if resampled:
        x = _resample(x, fs)
        notes.append(f"resampled {fs:g} -> {FS} Hz (scipy.signal.resample_poly)")
    codes = np.rint(x * CODES_PER_MV)
    codes -= np.median(codes)          # the chain expects codes about zero (MIT-BIH: relative to the ADC zero)
    codes = np.rint(codes)
    sat = int(((codes < X_MIN) | (codes > X_MAX)).sum())
    y = np.clip(codes, X_MIN, X_MAX).astype(np.int16)
    if int(y.max()) - int(y.min()) < FLAT_PTP:
        raise FlatSignal(f"{name}: peak-to-peak {(int(y.max()) - int(y.min())) / CODES_PER_MV:.3f} mV; "
                         f"no ECG (at least {FLAT_PTP / CODES_PER_MV:g} mV needed)")
    if sat > CLIP_FRAC * len(y):
        raise ClippedSignal(f"{name}: {100 * sat / len(y):.1f} % of the samples exceed +-5.12 mV and "
                            f"saturate (wrong units or gain?)")
    if sat:
        notes.append(f"{sat} samples saturated to -1024..1023 (+-5.12 mV)")
    return Recording(name=name, signal=y, fs_in=fs, channel=channel, units_in=units_in,
                     resampled=resampled, saturated=sat, notes=notes)


def _pick_channel(names, channel, what):
    names = [str(n) for n in names]
    if channel is None:
        for pref in ("MLII", "II", "ML2", "ECG"):
            if pref in names:
                return names.index(pref)
        return 0
    if isinstance(channel, int) or str(channel).lstrip("-").isdigit():
        k = int(channel)
        if not 0 <= k < len(names):
            raise BadChannel(f"{what}: channel {k} does not exist ({len(names)} channels: {', '.join(names)})")
        return k
    if channel not in names:
        raise BadChannel(f"{what}: no channel named {channel!r} (channels: {', '.join(names)})")
    return names.index(channel)


def _load_wfdb(path: Path, channel) -> Recording:
    import wfdb
    base = path.with_suffix("") if path.suffix == ".hea" else path
    try:
        rec = wfdb.rdrecord(str(base))
    except Exception as e:  # wfdb raises many kinds; name the file and the reason
        raise UnreadableFile(f"{base}: not a readable WFDB record ({type(e).__name__}: {e})") from None
    k = _pick_channel(rec.sig_name, channel, str(base))
    unit = str(rec.units[k]) if rec.units else "mV"
    if unit not in UNITS or UNITS[unit] is None:
        raise BadUnits(f"{base}: channel {rec.sig_name[k]!r} is in {unit!r}; mV, uV or V expected")
    x = rec.p_signal[:, k] * UNITS[unit]
    return from_physical(x, rec.fs, name=base.name, channel=str(rec.sig_name[k]), units_in=unit)


def _load_csv(path: Path, fs, channel, units) -> Recording:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise UnreadableFile(f"{path}: cannot read ({e})") from None
    rows = [r for r in csv.reader(text.splitlines()) if r and any(c.strip() for c in r)]
    if not rows:
        raise UnreadableFile(f"{path}: empty")

    def num(c):
        try:
            return float(c)
        except ValueError:
            return None
    header = None
    if any(num(c) is None for c in rows[0]):
        header, rows = [c.strip() for c in rows[0]], rows[1:]
    if not rows:
        raise UnreadableFile(f"{path}: a header and no data")
    width = len(rows[0])
    names = header if header is not None else [str(i) for i in range(width)]
    k = _pick_channel(names, channel, str(path))
    vals = np.empty(len(rows))
    for i, r in enumerate(rows):
        v = num(r[k]) if k < len(r) else None
        if v is None:
            raise UnreadableFile(f"{path}: line {i + 1 + (header is not None)}, column {k}: "
                                 f"{(r[k] if k < len(r) else '(missing)')!r} is not a number")
        vals[i] = v
    if units not in UNITS:
        raise BadUnits(f"units must be one of {', '.join(UNITS)}, got {units!r}")
    x = vals / CODES_PER_MV if UNITS[units] is None else vals * UNITS[units]
    return from_physical(x, fs, name=path.stem, channel=names[k], units_in=units)


def load_recording(path, fs=None, channel=None, units: str = "mV") -> Recording:
    """A WFDB record (``.hea`` path or record base name) or a CSV file -> :class:`Recording`.

    CSV: one sample per line, an optional header line, the column by ``channel`` (index or header
    name; default MLII/II/ECG if named, else the first); ``fs`` (Hz) is required and ``units`` one of
    mV (default), uV, V, or ``adc`` (integer codes at 200 per mV). WFDB: the rate and units come
    from the header; ``fs`` must be omitted or equal the header's."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        if not p.is_file():
            raise UnreadableFile(f"{p}: no such file")
        return _load_csv(p, fs, channel, units)
    hea = p if p.suffix == ".hea" else p.with_name(p.name + ".hea")
    if not hea.is_file():
        raise UnreadableFile(f"{p}: neither a .csv file nor a WFDB record ({hea} not found)")
    rec = _load_wfdb(p, channel)
    if fs is not None and abs(_check_fs(fs) - rec.fs_in) > 1e-9:
        raise BadRate(f"{p}: FS={fs} given but the header says {rec.fs_in:g} Hz")
    return rec


@dataclass
class Beats:
    """Per-beat decisions of :func:`classify_signal` (arrays of one length, time order)."""

    sample: np.ndarray       # int64 R-peak sample (360 Hz)
    rr: np.ndarray           # int64 RR interval in samples (0 for the first beat)
    quality: np.ndarray      # uint8 QUAL_R_* bit mask (0 = readable)
    stage1: np.ndarray       # int screen class 0 normal / 1 abnormal
    severity: np.ndarray     # int cascade severity 0..3
    stage2: np.ndarray       # int e-prop class 0..3 (N S V F), -1 where stage 1 said normal
    slots: np.ndarray        # uint8 [N, 500] encoder slots (for the RTL path)
    rr_bits: np.ndarray      # uint8 [N, 11]
    skipped_edge: int        # detected peaks without a whole window (start or end of the signal)
    peaks_detected: int

    def __len__(self) -> int:
        return int(len(self.sample))

    @property
    def decision(self) -> list:
        """'unreadable' where the gate says so, else the stage-1 class name."""
        return ["unreadable" if q else STAGE1[c] for q, c in zip(self.quality, self.stage1)]

    def rows(self) -> list[dict]:
        out = []
        for k in range(len(self)):
            out.append({
                "beat": k, "sample": int(self.sample[k]), "time_s": round(self.sample[k] / FS, 4),
                "rr_ms": round(1000 * self.rr[k] / FS, 1) if self.rr[k] else None,
                "quality": "ok" if not self.quality[k] else "+".join(Q.reason_names(self.quality[k])),
                "decision": self.decision[k],
                "stage1": STAGE1[self.stage1[k]], "severity": SEVERITY[self.severity[k]],
                "stage2": STAGE2[self.stage2[k]] if self.stage2[k] >= 0 else "",
            })
        return out


def load_models(model: str = "inter"):
    if model not in MODELS:
        raise BadModel(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    split, ep = MODELS[model]
    return S.load_split(split), P.load_model(ep)


def classify_signal(x, mains: int = 60, model: str = "inter", models=None) -> Beats:
    """Raw integer signal (360 Hz, codes at 200 per mV, -1024..1023) -> per-beat decisions."""
    banks, ep = load_models(model) if models is None else models
    x = np.asarray(x)
    peaks = FE.detect(x, FS, mains)          # validates x (named FrontEndError) and mains
    ok = (peaks - PRE >= 0) & (peaks + POST <= len(x))
    pk = peaks[ok]
    n = len(pk)
    cols = np.arange(-PRE, POST)
    win = x.astype(np.int16)[pk[:, None] + cols[None, :]] if n else np.zeros((0, Q.BEAT_LEN), np.int16)
    rec_id = np.zeros(n, np.int16)
    rrb = RR.rr_bits(rec_id, pk) if n else np.zeros((0, RR.N_RR), np.uint8)
    rr = np.zeros(n, np.int64)
    rr[1:] = np.diff(pk)
    q = Q.beats_quality(win)
    if n:
        enc = E.encode_beats(win, E.default_config())
        slots = S.screen_inputs(enc.slots, rrb)
        s1 = S.run_beats(slots, banks["binary"]).cls.astype(np.int64)
        sev = S.cascade_beats(slots, banks).severity.astype(np.int64)
        s2 = np.full(n, -1, np.int64)
        ab = np.flatnonzero(s1 != 0)
        if ab.size:
            sb = np.concatenate([np.ones((n, 1), np.uint8), rrb], axis=1)
            xin = P.beat_inputs(enc.spk[ab], sb[ab])
            s2[ab] = P.classify(xin, ep)
        eslots = enc.slots
    else:
        s1 = sev = s2 = np.zeros(0, np.int64)
        eslots = np.zeros((0, F.ENC_SLOTS), np.uint8)
    return Beats(sample=pk.astype(np.int64), rr=rr, quality=q.reasons, stage1=s1, severity=sev, stage2=s2,
                 slots=eslots, rr_bits=rrb, skipped_edge=int((~ok).sum()), peaks_detected=int(len(peaks)))


def classify_recording(path, fs=None, channel=None, units: str = "mV", mains: int = 60,
                       model: str = "inter") -> tuple[Recording, Beats]:
    """:func:`load_recording` then :func:`classify_signal`."""
    rec = load_recording(path, fs=fs, channel=channel, units=units)
    return rec, classify_signal(rec.signal, mains=mains, model=model)
