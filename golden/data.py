# SPDX-License-Identifier: Apache-2.0
"""Data layer: validated access to MIT-BIH Arrhythmia and ECG-ID records, beats,
class groupings and train/test splits.

Databases
=========
* MIT-BIH Arrhythmia Database (PhysioNet ``mitdb``): 48 two-channel records,
  360 Hz, WFDB format 212 (11-bit samples, 200 ADC units per mV, ADC zero
  1024), reference beat annotations in ``.atr``.
* ECG-ID Database (PhysioNet ``ecgiddb``): 310 records ``Person_NN/rec_M``,
  500 Hz, format 16, two signals (``ECG I`` raw and ``ECG I filtered``), ten
  automatically detected R peaks (``N``) and T peaks (``t``) per record.
  Eleven records of the release have their first 1024 or 2048 frames set to
  -1 so their header checksums do not match (see ``ECGID_DEFECTIVE``); they
  raise :class:`ChecksumMismatch` unless read with ``verify=False``.

Location: :func:`data_root` is ``$ECG_DATA_DIR`` if set, else
``<repo>/../shared/data``.  With ``ECG_DATA_DOWNLOAD=1`` (or ``download=True``)
a missing database folder is fetched with ``wfdb.dl_database``.

Validation
==========
Every record is checked before wfdb's output is trusted, and each failure
raises a subclass of :class:`DataError` whose message names the record path
and the numbers involved:

* header, signal (``.dat``) or annotation (``.atr``) file missing ->
  :class:`RecordNotFound`;
* header unparsable by our own strict reading of the record and signal lines
  or by ``wfdb.rdheader``, or nonsensical (fs <= 0, sig_len <= 0, a format
  other than 212/16, several samples per frame, ...) -> :class:`HeaderMalformed`
  (wfdb alone silently accepts e.g. a non-numeric sampling frequency);
* ``.dat`` shorter than the header promises (format 212: 3 bytes per 2
  samples; format 16: 2 bytes per sample) -> :class:`SignalTruncated`;
* with ``verify=True``, a signal whose checksum (sum of its digital samples
  modulo 65536, read as a signed 16-bit number: the WFDB header definition)
  differs from the header's -> :class:`ChecksumMismatch`;
* an annotation sample < 0 or >= sig_len -> :class:`AnnotationOutOfRange`.

Preprocessing
=============
None on the host apart from subtracting the header's ADC zero: ``Record.signal``
is the chosen lead's DIGITAL samples minus ``adc_zero`` as ``np.int16``
(MIT-BIH: 11-bit values in [-1024, 1023], 200 ADC units per mV; ECG-ID:
adc zero 0, 200 units per mV).  No filtering, resampling, baseline removal or
normalisation: whatever the hardware needs it does itself, and the golden
models reproduce it bit-exactly.

Lead choice (MIT-BIH): the lead named ``lead`` (default ``MLII``) when the
record has it, else channel 0 (records 102 and 104 have no MLII and give V5;
record 114 has MLII in channel 1).

Beats
=====
:func:`extract_beats` takes every annotation whose symbol is in
:data:`BEAT_SYMBOLS` (``N L R e j A a J S V E F / f Q``; rhythm, noise and
other non-beat annotations are ignored) and cuts ``signal[r-pre : r+post]``,
so the window has ``W = pre + post`` samples with the R peak at index ``pre``.
Beats whose window would extend past either end of the record (``r - pre <
0`` or ``r + post > sig_len``) are SKIPPED, not padded, so the first/last beat
of a record may be missing.  :func:`load_beats` concatenates the records in
the order given (default :data:`MITDB_RECORDS`), each in time order, and
caches the result as ``<repo>/build/cache/beats_<hash>.npz``.

Class groupings
===============
Each ``*_labels(symbols)`` returns an ``int64`` array, ``-1`` for symbols that
are not in the grouping (non-beat symbols are always ``-1``).

* AAMI five classes (ANSI/AAMI EC57, as used by de Chazal et al. 2004),
  ``AAMI5_CLASSES = ('N','S','V','F','Q')``:
  N = {N, L, R, e, j} (normal, bundle branch block, escape beats),
  S = {A, a, J, S} (supraventricular ectopic), V = {V, E} (ventricular
  ectopic), F = {F} (fusion of ventricular and normal), Q = {/, f, Q}
  (paced, fusion of paced and normal, unclassifiable).
* ``NSVF_CLASSES = ('N','S','V','F')``: the AAMI classes without Q (Q beats
  -> -1), the usual choice since paced records are excluded.
* Severity grouping of Diware et al., DATE 2025,
  ``SEVERITY_CLASSES = ('Normal','Mild','Moderate','Severe')``:
  Normal = {N, /}, Mild = {L, R, e, j}, Moderate = {A, a, J, S, E},
  Severe = {F, V, f, Q}.
* ``BINARY_CLASSES = ('normal','abnormal')``: normal = AAMI N, abnormal =
  AAMI S, V or F; AAMI Q -> -1.

Splits
======
All return sorted ``int64`` index arrays into a :class:`BeatSet`.

* :func:`intra_patient_split`: seeded random beat-level permutation
  (``np.random.default_rng(seed)``); the first ``round(test_frac*N)`` indices
  of the permutation are the test set, the rest the training set.
* :func:`inter_patient_split`: de Chazal et al. (IEEE TBME 2004) DS1 (train) /
  DS2 (test) by record; the paced records 102, 104, 107, 217 are in neither.
* :func:`adaptation_split`: DS2 beats only; beats whose R peak lies in the
  first ``minutes`` minutes of their record are for on-chip learning
  (adaptation), the rest for test.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

# wfdb 4.3 triggers pandas deprecation warnings when imported; they are not ours.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import wfdb

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

#: Repository root (the parent of ``golden/``).
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Environment variables.
ENV_DATA_DIR = "ECG_DATA_DIR"
ENV_DOWNLOAD = "ECG_DATA_DOWNLOAD"

#: The 48 MIT-BIH Arrhythmia records, in the order of the database's RECORDS file.
MITDB_RECORDS = (
    "100", "101", "102", "103", "104", "105", "106", "107", "108", "109",
    "111", "112", "113", "114", "115", "116", "117", "118", "119",
    "121", "122", "123", "124",
    "200", "201", "202", "203", "205", "207", "208", "209", "210",
    "212", "213", "214", "215", "217", "219", "220", "221", "222", "223",
    "228", "230", "231", "232", "233", "234",
)

#: Records with paced rhythm (excluded from the de Chazal split).
PACED = ("102", "104", "107", "217")

#: de Chazal et al. 2004 inter-patient split: DS1 (training), DS2 (test).
DS1 = ("101", "106", "108", "109", "112", "114", "115", "116", "118", "119",
       "122", "124", "201", "203", "205", "207", "208", "209", "215", "220",
       "223", "230")
DS2 = ("100", "103", "105", "111", "113", "117", "121", "123", "200", "202",
       "210", "212", "213", "214", "219", "221", "222", "228", "231", "232",
       "233", "234")

#: MIT-BIH sampling frequency (Hz).
FS_MITDB = 360

#: ECG-ID records whose first frames are -1 in the release (record -> number
#: of leading frames affected), from ``ecgiddb/SOURCE.md``.  Their header
#: checksums do not match the data.
ECGID_DEFECTIVE = {
    "Person_13/rec_2": 2048, "Person_15/rec_1": 1024, "Person_24/rec_5": 2048,
    "Person_25/rec_4": 2048, "Person_26/rec_3": 2048, "Person_27/rec_3": 2048,
    "Person_28/rec_4": 2048, "Person_32/rec_6": 2048, "Person_44/rec_1": 1024,
    "Person_72/rec_3": 2048, "Person_83/rec_1": 1024,
}

#: MIT-BIH beat annotation symbols (all other symbols are non-beat annotations).
BEAT_SYMBOLS = tuple("NLRejAaJSVEF/fQ")

AAMI5_CLASSES = ("N", "S", "V", "F", "Q")
NSVF_CLASSES = ("N", "S", "V", "F")
SEVERITY_CLASSES = ("Normal", "Mild", "Moderate", "Severe")
BINARY_CLASSES = ("normal", "abnormal")

# Symbol sets of each grouping, in class-index order.
_AAMI5_GROUPS = (
    ("N", "L", "R", "e", "j"),   # N
    ("A", "a", "J", "S"),        # S
    ("V", "E"),                  # V
    ("F",),                      # F
    ("/", "f", "Q"),             # Q
)
_SEVERITY_GROUPS = (
    ("N", "/"),                  # Normal
    ("L", "R", "e", "j"),        # Mild
    ("A", "a", "J", "S", "E"),   # Moderate
    ("F", "V", "f", "Q"),        # Severe
)

# Signal formats we can size-check and their storage: bytes per sample.
_BYTES_PER_SAMPLE = {"212": 1.5, "16": 2.0}

# Bump when the cache layout or the beat extraction changes.
_CACHE_VERSION = 2      # 2: keyed on the SHA-1 of the record files, not size/mtime


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

class DataError(Exception):
    """Base class of every data-layer error."""


class DataDirNotFound(DataError):
    """The data directory or a database folder does not exist (or download failed)."""


class RecordNotFound(DataError):
    """A record's header, signal or annotation file is missing."""


class HeaderMalformed(DataError):
    """A header cannot be parsed or holds nonsensical fields."""


class SignalTruncated(DataError):
    """A signal file is shorter than the header says."""


class ChecksumMismatch(DataError):
    """A signal's checksum differs from the header's checksum field."""


class AnnotationOutOfRange(DataError):
    """An annotation lies outside the signal."""


# ---------------------------------------------------------------------------
# Data location and download
# ---------------------------------------------------------------------------

_DOWNLOAD_HELP = (
    "Set {env} to a folder holding mitdb/ and ecgiddb/, or download the "
    "databases from PhysioNet: set {dl}=1 (the next access fetches them with "
    "wfdb.dl_database), or run "
    "python -c \"import golden.data as d; d.download_mitdb('<dir>/mitdb')\"."
).format(env=ENV_DATA_DIR, dl=ENV_DOWNLOAD)


def _default_root() -> Path:
    """The data root we would use, whether it exists or not."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return REPO_ROOT.parent / "shared" / "data"


def data_root() -> Path:
    """Folder holding ``mitdb/`` and ``ecgiddb/``.

    ``$ECG_DATA_DIR`` if set, else ``<repo>/../shared/data``.  Raises
    :class:`DataDirNotFound` if that folder does not exist.
    """
    root = _default_root()
    if not root.is_dir():
        source = (f"from environment variable {ENV_DATA_DIR}"
                  if os.environ.get(ENV_DATA_DIR)
                  else f"default <repo>/../shared/data; {ENV_DATA_DIR} is not set")
        raise DataDirNotFound(
            f"data directory {root} does not exist ({source}). {_DOWNLOAD_HELP}")
    return root.resolve()


def _download_wanted(download: bool | None) -> bool:
    if download is not None:
        return bool(download)
    return os.environ.get(ENV_DOWNLOAD, "").strip().lower() in ("1", "true", "yes")


def _download(db: str, target_dir: Path) -> Path:
    """Fetch PhysioNet database ``db`` into ``target_dir``; wrap failures."""
    target_dir = Path(target_dir)
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        wfdb.dl_database(db, str(target_dir))
    except Exception as exc:  # network, permissions, ... : report the cause
        raise DataDirNotFound(
            f"download of PhysioNet database '{db}' into {target_dir} failed: "
            f"{type(exc).__name__}: {exc}") from exc
    return target_dir


def download_mitdb(target_dir) -> Path:
    """Download the MIT-BIH Arrhythmia Database into ``target_dir`` (wfdb.dl_database)."""
    return _download("mitdb", Path(target_dir))


def download_ecgiddb(target_dir) -> Path:
    """Download the ECG-ID Database into ``target_dir`` (wfdb.dl_database)."""
    return _download("ecgiddb", Path(target_dir))


def _db_dir(db: str, data_dir, download: bool | None) -> Path:
    """``<root>/<db>``, downloading it if missing and a download is wanted."""
    want = _download_wanted(download)
    if data_dir is not None:
        root = Path(data_dir)
    elif want:
        root = _default_root()          # may not exist yet: we create it
    else:
        root = data_root()
    path = root / db
    if path.is_dir():
        return path.resolve()
    if want:
        return _download(db, path).resolve()
    raise DataDirNotFound(
        f"database folder {path} does not exist (PhysioNet '{db}'). "
        f"{_DOWNLOAD_HELP}")


def mitdb_dir(data_dir=None, download: bool | None = None) -> Path:
    """``<data_root>/mitdb`` (``data_dir`` overrides the root)."""
    return _db_dir("mitdb", data_dir, download)


def ecgiddb_dir(data_dir=None, download: bool | None = None) -> Path:
    """``<data_root>/ecgiddb`` (``data_dir`` overrides the root)."""
    return _db_dir("ecgiddb", data_dir, download)


def ecgid_records(db_dir=None) -> tuple[str, ...]:
    """Names ``Person_NN/rec_M`` of all ECG-ID records (from its RECORDS file)."""
    db = Path(db_dir) if db_dir is not None else ecgiddb_dir()
    listing = db / "RECORDS"
    if not listing.is_file():
        raise RecordNotFound(f"ECG-ID record list {listing} does not exist")
    return tuple(line.strip() for line in listing.read_text().splitlines()
                 if line.strip())


# ---------------------------------------------------------------------------
# Record reading and validation
# ---------------------------------------------------------------------------

@dataclass
class Record:
    """One lead of one record, in digital units relative to the ADC zero."""

    name: str
    fs: float                 # sampling frequency (Hz); an int when integral
    signal: np.ndarray        # np.int16 [sig_len]: d_signal - adc_zero
    lead: str                 # signal name of the chosen lead
    adc_gain: float           # ADC units per mV
    sig_len: int
    ann_sample: np.ndarray    # np.int64 annotation sample indices
    ann_symbol: np.ndarray    # annotation symbols (str)


# Strict shapes of the header fields we rely on (WFDB header syntax).
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RE_FS = re.compile(rf"^({_NUM})(?:/{_NUM})?(?:\({_NUM}\))?$")
_RE_INT = re.compile(r"^[-+]?\d+$")
_RE_FMT = re.compile(r"^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$")


def _check_header_text(hea: Path, rec: str) -> dict:
    """Our own strict reading of the record line and the signal lines.

    wfdb's parser falls back to defaults on some bad input (e.g. a
    non-numeric sampling frequency silently becomes 250 Hz and the length
    None), so the fields the data layer depends on are checked here first.
    Returns {'n_sig', 'fs', 'sig_len'}.
    """
    def bad(problem: str) -> HeaderMalformed:
        return HeaderMalformed(f"record {rec}: header {hea}: {problem}")

    try:
        text = hea.read_bytes().decode("ascii")
    except UnicodeDecodeError as exc:
        raise bad(f"not ASCII text ({exc})") from exc
    except OSError as exc:
        raise bad(f"cannot be read ({exc})") from exc
    # Drop comment lines and blank lines (header lines may end in CRLF).
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise bad("no record line (file is empty or only comments)")

    tok = lines[0].split()

    def bad_rl(problem: str) -> HeaderMalformed:
        return bad(f"record line '{lines[0]}': {problem}")

    if len(tok) < 4:
        raise bad_rl(f"has {len(tok)} fields; need at least 4 (name, number of "
                     "signals, sampling frequency, number of samples)")
    if "/" in tok[0]:
        raise bad_rl("multi-segment records are not supported")
    if not _RE_INT.match(tok[1]) or int(tok[1]) < 1:
        raise bad_rl(f"number of signals '{tok[1]}' is not a positive integer")
    n_sig = int(tok[1])
    m = _RE_FS.match(tok[2])
    if not m:
        raise bad_rl(f"sampling frequency '{tok[2]}' is not a number")
    fs = float(m.group(1))
    if not (math.isfinite(fs) and fs > 0):
        raise bad_rl(f"sampling frequency {tok[2]} is not > 0")
    if not _RE_INT.match(tok[3]):
        raise bad_rl(f"number of samples per signal '{tok[3]}' is not an integer")
    sig_len = int(tok[3])
    if sig_len <= 0:
        raise bad_rl(f"number of samples per signal {sig_len} is not > 0")

    sig_lines = lines[1:1 + n_sig]
    if len(sig_lines) < n_sig:
        raise bad(f"record line announces {n_sig} signals but only "
                  f"{len(sig_lines)} signal lines follow")
    for i, line in enumerate(sig_lines):
        st = line.split()
        if len(st) < 2:
            raise bad(f"signal {i} line '{line}' has no format field")
        fm = _RE_FMT.match(st[1])
        if not fm:
            raise bad(f"signal {i} format field '{st[1]}' is not valid")
        if fm.group(1) not in _BYTES_PER_SAMPLE:
            raise bad(f"signal {i} has unsupported format {fm.group(1)} "
                      f"(supported: {', '.join(_BYTES_PER_SAMPLE)})")
        # ADC resolution, ADC zero, initial value, checksum, block size.
        for pos, what in ((3, "ADC resolution"), (4, "ADC zero"),
                          (5, "initial value"), (6, "checksum"), (7, "block size")):
            if len(st) > pos and not _RE_INT.match(st[pos]):
                raise bad(f"signal {i} {what} '{st[pos]}' is not an integer")
    return {"n_sig": n_sig, "fs": fs, "sig_len": sig_len}


def _read_header(path: Path, rec: str):
    """Check and parse ``<path>.hea``; returns the wfdb header object."""
    hea = path.with_name(path.name + ".hea")
    if not hea.is_file():
        raise RecordNotFound(f"record {rec}: header file {hea} does not exist")
    mine = _check_header_text(hea, rec)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h = wfdb.rdheader(str(path))
    except Exception as exc:
        raise HeaderMalformed(
            f"record {rec}: header {hea}: wfdb.rdheader failed: "
            f"{type(exc).__name__}: {exc}") from exc

    def bad(problem: str) -> HeaderMalformed:
        return HeaderMalformed(f"record {rec}: header {hea}: {problem}")

    # Cross-check wfdb's reading against ours, then the per-signal fields.
    if h.n_sig != mine["n_sig"]:
        raise bad(f"wfdb reads {h.n_sig} signals, the record line says {mine['n_sig']}")
    if h.fs is None or float(h.fs) != mine["fs"]:
        raise bad(f"wfdb reads fs={h.fs}, the record line says {mine['fs']}")
    if h.sig_len != mine["sig_len"]:
        raise bad(f"wfdb reads sig_len={h.sig_len}, the record line says {mine['sig_len']}")
    for i in range(h.n_sig):
        if h.fmt[i] not in _BYTES_PER_SAMPLE:
            raise bad(f"signal {i} has unsupported format {h.fmt[i]}")
        if (h.samps_per_frame[i] or 1) != 1:
            raise bad(f"signal {i} has {h.samps_per_frame[i]} samples per frame; only 1 is supported")
        if h.skew[i]:
            raise bad(f"signal {i} has skew {h.skew[i]}; skew is not supported")
        if not h.file_name[i] or h.file_name[i] == "-":
            raise bad(f"signal {i} has no signal file name")
        if h.adc_zero[i] is None:
            raise bad(f"signal {i} has no ADC zero")
    return h


def _check_signal_files(path: Path, rec: str, h) -> None:
    """Each signal file must exist and be at least as long as the header says."""
    hea = path.with_name(path.name + ".hea")
    files: dict[str, list[int]] = {}
    for i, fname in enumerate(h.file_name):
        files.setdefault(fname, []).append(i)
    for fname, sigs in files.items():
        dat = path.parent / fname
        if not dat.is_file():
            raise RecordNotFound(
                f"record {rec}: signal file {dat} (named in {hea}) does not exist")
        fmts = {h.fmt[i] for i in sigs}
        if len(fmts) != 1:
            raise HeaderMalformed(
                f"record {rec}: header {hea}: signals {sigs} share {fname} "
                f"but have different formats {sorted(fmts)}")
        fmt = fmts.pop()
        offsets = {h.byte_offset[i] or 0 for i in sigs}
        offset = max(offsets)
        n_samples = len(sigs) * h.sig_len
        expected = offset + math.ceil(n_samples * _BYTES_PER_SAMPLE[fmt])
        actual = dat.stat().st_size
        if actual < expected:
            raise SignalTruncated(
                f"record {rec}: signal file {dat} is truncated: expected at least "
                f"{expected} bytes ({len(sigs)} signals x {h.sig_len} samples, "
                f"format {fmt}), got {actual} bytes "
                f"({actual / expected:.1%} of the header's length)")


def _checksums(d_signal: np.ndarray) -> np.ndarray:
    """WFDB checksum of each column: sum mod 65536 read as signed 16-bit."""
    s = d_signal.astype(np.int64).sum(axis=0) % 65536
    return np.where(s >= 32768, s - 65536, s).astype(np.int64)


def _read_validated(path: Path, rec: str, verify: bool):
    """Validate and read record ``path``: (header, d_signal, ann_sample, ann_symbol)."""
    h = _read_header(path, rec)
    _check_signal_files(path, rec, h)
    atr = path.with_name(path.name + ".atr")
    if not atr.is_file():
        raise RecordNotFound(f"record {rec}: annotation file {atr} does not exist")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = wfdb.rdrecord(str(path), physical=False)
    except Exception as exc:
        raise DataError(f"record {rec}: wfdb.rdrecord({path}) failed: "
                        f"{type(exc).__name__}: {exc}") from exc
    d = np.asarray(r.d_signal)
    if d.ndim != 2 or d.shape != (h.sig_len, h.n_sig):
        raise SignalTruncated(
            f"record {rec}: wfdb decoded signal shape {d.shape}, header says "
            f"({h.sig_len}, {h.n_sig})")

    if verify:
        computed = _checksums(d)
        bad = [(i, h.sig_name[i], h.checksum[i], int(computed[i]))
               for i in range(h.n_sig)
               if h.checksum[i] is not None and int(h.checksum[i]) != int(computed[i])]
        if bad:
            detail = "; ".join(f"signal {i} ({name}): header {hc}, computed {cc}"
                               for i, name, hc, cc in bad)
            raise ChecksumMismatch(
                f"record {rec}: checksum mismatch in {len(bad)} of {h.n_sig} "
                f"signals (header checksum field vs sum of the digital samples "
                f"mod 65536): {detail}")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ann = wfdb.rdann(str(path), "atr")
    except Exception as exc:
        raise DataError(f"record {rec}: wfdb.rdann({atr}) failed: "
                        f"{type(exc).__name__}: {exc}") from exc
    sample = np.asarray(ann.sample, dtype=np.int64)
    symbol = np.asarray(ann.symbol, dtype=str)
    if symbol.shape != sample.shape:
        raise DataError(f"record {rec}: {atr} has {sample.size} samples but "
                        f"{symbol.size} symbols")
    out = np.flatnonzero((sample < 0) | (sample >= h.sig_len))
    if out.size:
        k = out[0]
        raise AnnotationOutOfRange(
            f"record {rec}: {out.size} annotation(s) in {atr} lie outside the "
            f"signal of {h.sig_len} samples (valid 0..{h.sig_len - 1}): first is "
            f"annotation #{k} '{symbol[k]}' at sample {sample[k]}")
    return h, d, sample, symbol


def _make_record(rec: str, h, d: np.ndarray, idx: int,
                 sample: np.ndarray, symbol: np.ndarray) -> Record:
    """Build a :class:`Record` from channel ``idx`` of the digital signal."""
    rel = d[:, idx].astype(np.int64) - int(h.adc_zero[idx])
    if rel.size and (rel.min() < -32768 or rel.max() > 32767):
        raise DataError(f"record {rec}: signal {idx} minus ADC zero does not fit int16 "
                        f"(range {rel.min()}..{rel.max()})")
    fs = float(h.fs)
    return Record(
        name=rec,
        fs=int(fs) if fs.is_integer() else fs,
        signal=rel.astype(np.int16),
        lead=str(h.sig_name[idx]),
        adc_gain=float(h.adc_gain[idx]),
        sig_len=int(h.sig_len),
        ann_sample=sample,
        ann_symbol=symbol,
    )


def read_record(name, db_dir=None, lead: str = "MLII", verify: bool = True) -> Record:
    """Read and validate MIT-BIH record ``name`` (e.g. ``'100'``).

    Uses the lead named ``lead`` if the record has it, else channel 0.
    ``db_dir`` is the folder holding the record files (default
    :func:`mitdb_dir`).  Raises a :class:`DataError` subclass on any problem.
    """
    name = str(name)
    db = Path(db_dir) if db_dir is not None else mitdb_dir()
    path = db / name
    h, d, sample, symbol = _read_validated(path, str(path), verify)
    names = list(h.sig_name)
    idx = names.index(lead) if lead in names else 0
    return _make_record(name, h, d, idx, sample, symbol)


def read_ecgid_record(rel, db_dir=None, verify: bool = True, channel: int = 0) -> Record:
    """Read and validate ECG-ID record ``rel`` (e.g. ``'Person_13/rec_2'``).

    ``channel`` 0 is ``ECG I`` (raw), 1 is ``ECG I filtered``.  With
    ``verify=True`` the 11 defective records of the release (see
    :data:`ECGID_DEFECTIVE`) raise :class:`ChecksumMismatch`.
    """
    rel = str(rel)
    db = Path(db_dir) if db_dir is not None else ecgiddb_dir()
    path = db / rel
    h, d, sample, symbol = _read_validated(path, str(path), verify)
    if not 0 <= channel < h.n_sig:
        raise ValueError(f"record {path}: channel {channel} not in 0..{h.n_sig - 1}")
    return _make_record(rel, h, d, channel, sample, symbol)


# ---------------------------------------------------------------------------
# Beats
# ---------------------------------------------------------------------------

@dataclass
class BeatSet:
    """N beat windows with their record, R-peak sample and annotation symbol."""

    x: np.ndarray        # np.int16 [N, pre+post], R peak at column `pre`
    record: np.ndarray   # np.int16 [N] record number (MIT-BIH: int(name))
    sample: np.ndarray   # np.int64 [N] R-peak sample index in the record
    symbol: np.ndarray   # '<U1' [N] annotation symbol
    pre: int
    post: int

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def subset(self, idx) -> "BeatSet":
        """Beats selected by an index array or boolean mask."""
        idx = np.asarray(idx)
        return BeatSet(x=self.x[idx], record=self.record[idx],
                       sample=self.sample[idx], symbol=self.symbol[idx],
                       pre=self.pre, post=self.post)


def _empty_beats(pre: int, post: int) -> BeatSet:
    return BeatSet(x=np.zeros((0, pre + post), np.int16),
                   record=np.zeros(0, np.int16), sample=np.zeros(0, np.int64),
                   symbol=np.zeros(0, "<U1"), pre=pre, post=post)


def _record_number(name: str) -> int:
    """int16 record id: MIT-BIH '100' -> 100; ECG-ID 'Person_13/rec_2' -> 1302; else -1."""
    if name.isdigit():
        return int(name)
    m = re.fullmatch(r"Person_(\d+)/rec_(\d+)", name)
    if m and int(m.group(2)) < 100:
        return int(m.group(1)) * 100 + int(m.group(2))
    return -1


def extract_beats(rec: Record, pre: int, post: int) -> BeatSet:
    """Windows ``signal[r-pre : r+post]`` around every beat annotation of ``rec``.

    Only annotations whose symbol is in :data:`BEAT_SYMBOLS` are used; beats
    whose window does not lie fully inside the signal (``r - pre < 0`` or
    ``r + post > len(signal)``) are skipped.
    """
    pre, post = int(pre), int(post)
    if pre < 0 or post < 0 or pre + post == 0:
        raise ValueError(f"need pre >= 0, post >= 0, pre + post > 0 (got {pre}, {post})")
    n = rec.signal.shape[0]
    r = np.asarray(rec.ann_sample, dtype=np.int64)
    sym = np.asarray(rec.ann_symbol, dtype=str)
    keep = np.isin(sym, BEAT_SYMBOLS) & (r - pre >= 0) & (r + post <= n)
    r, sym = r[keep], sym[keep]
    # Gather all windows at once: row k is signal[r[k]-pre : r[k]+post].
    cols = np.arange(-pre, post, dtype=np.int64)
    x = rec.signal[r[:, None] + cols[None, :]].astype(np.int16)
    return BeatSet(x=x.reshape(len(r), pre + post),
                   record=np.full(len(r), _record_number(rec.name), np.int16),
                   sample=r, symbol=sym.astype("<U1"), pre=pre, post=post)


def _concat(sets: Sequence[BeatSet], pre: int, post: int) -> BeatSet:
    if not sets:
        return _empty_beats(pre, post)
    return BeatSet(x=np.concatenate([s.x for s in sets]),
                   record=np.concatenate([s.record for s in sets]),
                   sample=np.concatenate([s.sample for s in sets]),
                   symbol=np.concatenate([s.symbol for s in sets]).astype("<U1"),
                   pre=pre, post=post)


def _cache_key(records: Sequence[str], pre: int, post: int, db: Path) -> str:
    """Cache key: records, window, data path, and the SHA-1 of each input file's
    bytes (about 2 MB per record).  Content, not size/mtime: a file corrupted in
    place with its old time stamp must miss the cache and meet read_record's
    checks (checksum, truncation) instead of being served stale beats."""
    stats = []
    for name in records:
        for ext in (".hea", ".dat", ".atr"):
            try:
                stats.append(hashlib.sha1((db / (name + ext)).read_bytes()).hexdigest())
            except OSError:
                stats.append(None)
    return json.dumps({"version": _CACHE_VERSION, "records": list(records),
                       "pre": pre, "post": post, "data": str(db), "files": stats})


def _load_cache(path: Path, key: str, pre: int, post: int) -> BeatSet | None:
    """The cached BeatSet, or None if missing, unreadable or for another key."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["key"]) != key:
                return None
            bs = BeatSet(x=z["x"], record=z["record"], sample=z["sample"],
                         symbol=z["symbol"], pre=pre, post=post)
    except Exception:
        return None
    n = len(bs.x)
    ok = (bs.x.ndim == 2 and bs.x.shape[1] == pre + post and bs.x.dtype == np.int16
          and bs.record.shape == (n,) and bs.record.dtype == np.int16
          and bs.sample.shape == (n,) and bs.sample.dtype == np.int64
          and bs.symbol.shape == (n,) and bs.symbol.dtype == np.dtype("<U1"))
    return bs if ok else None


def _save_cache(path: Path, key: str, bs: BeatSet) -> None:
    """Write atomically (temporary file + rename) so readers never see half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, key=np.array(key), x=bs.x, record=bs.record,
                     sample=bs.sample, symbol=bs.symbol)
        os.replace(tmp, path)
    except OSError as exc:
        warnings.warn(f"could not write beat cache {path}: {exc}")


def load_beats(records: Iterable[str] | None = None, pre: int = 100, post: int = 150,
               db_dir=None, cache: bool = True, cache_dir=None) -> BeatSet:
    """Beats of several MIT-BIH records (default all 48), concatenated.

    Order: records in the order given, beats in time order within a record.
    With ``cache=True`` the result is stored in ``cache_dir`` (default
    ``<repo>/build/cache``) keyed by the records, ``pre``, ``post``, the data
    path and the SHA-1 of the data files' contents; an unreadable cache is rebuilt.
    """
    records = tuple(str(r) for r in (MITDB_RECORDS if records is None else records))
    pre, post = int(pre), int(post)
    db = (Path(db_dir) if db_dir is not None else mitdb_dir()).resolve()
    path = key = None
    if cache:
        key = _cache_key(records, pre, post, db)
        digest = hashlib.sha1(key.encode()).hexdigest()[:16]
        cdir = Path(cache_dir) if cache_dir is not None else REPO_ROOT / "build" / "cache"
        path = cdir / f"beats_{digest}.npz"
        hit = _load_cache(path, key, pre, post)
        if hit is not None:
            return hit
    beats = _concat([extract_beats(read_record(r, db_dir=db), pre, post)
                     for r in records], pre, post)
    if cache:
        _save_cache(path, key, beats)
    return beats


# ---------------------------------------------------------------------------
# Class groupings
# ---------------------------------------------------------------------------

def _group_labels(symbols, groups) -> np.ndarray:
    sym = np.asarray(symbols, dtype=str)
    labels = np.full(sym.shape, -1, dtype=np.int64)
    for k, members in enumerate(groups):
        labels[np.isin(sym, members)] = k
    return labels


def aami5_labels(symbols) -> np.ndarray:
    """AAMI EC57 classes N=0, S=1, V=2, F=3, Q=4; other symbols -1."""
    return _group_labels(symbols, _AAMI5_GROUPS)


def nsvf_labels(symbols) -> np.ndarray:
    """AAMI classes without Q: N=0, S=1, V=2, F=3; Q and others -1."""
    return _group_labels(symbols, _AAMI5_GROUPS[:4])


def severity_labels(symbols) -> np.ndarray:
    """Diware et al. (DATE 2025) Normal=0, Mild=1, Moderate=2, Severe=3; others -1."""
    return _group_labels(symbols, _SEVERITY_GROUPS)


def binary_labels(symbols) -> np.ndarray:
    """normal=0 (AAMI N), abnormal=1 (AAMI S, V, F); Q and others -1."""
    aami = aami5_labels(symbols)
    out = np.full(aami.shape, -1, dtype=np.int64)
    out[aami == 0] = 0
    out[(aami >= 1) & (aami <= 3)] = 1
    return out


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------

def _record_ids(names: Iterable[str]) -> np.ndarray:
    return np.array([int(n) for n in names], dtype=np.int64)


def intra_patient_split(beats: BeatSet, seed: int = 2025, test_frac: float = 0.2):
    """Random beat-level split: (train_idx, test_idx), sorted int64 arrays."""
    if not 0.0 <= test_frac <= 1.0:
        raise ValueError(f"test_frac must be in [0, 1], got {test_frac}")
    n = len(beats)
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(round(test_frac * n))
    test = np.sort(perm[:n_test]).astype(np.int64)
    train = np.sort(perm[n_test:]).astype(np.int64)
    return train, test


def inter_patient_split(beats: BeatSet):
    """de Chazal DS1/DS2 by record, paced records excluded: (ds1_idx, ds2_idx)."""
    rec = beats.record.astype(np.int64)
    paced = np.isin(rec, _record_ids(PACED))
    ds1 = np.flatnonzero(np.isin(rec, _record_ids(DS1)) & ~paced).astype(np.int64)
    ds2 = np.flatnonzero(np.isin(rec, _record_ids(DS2)) & ~paced).astype(np.int64)
    return ds1, ds2


def adaptation_split(beats: BeatSet, minutes: float = 5, fs: float = FS_MITDB):
    """DS2 beats split by time: (adapt_idx, test_idx).

    Beats with R-peak sample < ``minutes*60*fs`` are for on-chip learning
    (adaptation), the later ones for test.
    """
    in_ds2 = np.isin(beats.record.astype(np.int64), _record_ids(DS2))
    early = beats.sample < minutes * 60 * fs
    adapt = np.flatnonzero(in_ds2 & early).astype(np.int64)
    test = np.flatnonzero(in_ds2 & ~early).astype(np.int64)
    return adapt, test
