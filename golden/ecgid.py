# SPDX-License-Identifier: Apache-2.0
"""Identification data for the binary CNN (ECG-ID-BNet, de Melo et al., Sensors 2022).

Beats of two databases as 180-sample int8 windows at 300 Hz, labelled by person:

ECG-ID (``ecgiddb``)
    310 records of 20 s, 500 Hz, lead I; the FILTERED signal (channel 1) is used.
    R peaks are detected on the host with wfdb's ``processing.XQRS`` on the filtered
    lead at 500 Hz (in mV: digital / adc_gain; thresholds :data:`XQRS_THR_INIT`,
    :data:`XQRS_THR_MIN`); the 10 annotated R peaks per record
    (``N``, themselves from an automatic detector) are only used to report the
    detector's agreement (:func:`detector_agreement`).  The 11 defective records of
    the release (``golden.data.ECGID_DEFECTIVE``) have their first 1,024 or 2,048
    frames set to -1: that leading span is SKIPPED (checked to be all -1, else
    :class:`DefectSpanMismatch`), detection and windows use the rest of the record.
MIT-BIH (``mitdb``)
    48 records, 360 Hz, MLII (records 102 and 104 have no MLII: V5, as
    ``golden.data.read_record`` does); 47 subjects, since records 201 and 202 are
    the same person (subject 201).  Beats at the reference beat annotations
    (``golden.data.BEAT_SYMBOLS``, every beat type).

Window (both databases)
    The record's valid span is resampled to 300 Hz (the source's rate) with
    ``scipy.signal.resample_poly`` (ECG-ID up 3 / down 5, MIT-BIH up 5 / down 6,
    scipy's default Kaiser window), an R peak at sample ``r`` of the original rate
    moves to ``round((r - start) * up / down)``.  The window is
    ``y[r300 - 60 : r300 + 120]`` (180 samples, 0.2 s before the R peak, 0.4 s
    after; the R peak at index ``WIN_PRE = 60``).  Beats whose window leaves the
    valid span are skipped.
Quantisation (host side; the RTL receives the int8 samples)
    per beat: ``d = w - median(w)``, ``m = max|d|``,
    ``q = clip(rint(127 * d / m), -127, 127)`` as int8 (float64 arithmetic, numpy's
    round-half-to-even); a flat window (``m == 0``) is skipped and counted.  The
    first network unit adds or subtracts these integers.

Protocols (:func:`split`)
    ``within``: every record is cut in time at ``start + WITHIN_FRAC * (end - start)``
    of its valid span (original sample rate); beats whose whole window lies before
    the cut train, beats whose whole window lies after it test, a window crossing
    the cut is in neither; MIT-BIH tests the first :data:`MITDB_TEST_PER_RECORD` beats
    of each record after the cut.  ``cross`` (ECG-ID only): persons with at least two
    records; records ordered by (recording date from the ``# ECG date:`` header
    comment, record number); the last one tests, all earlier ones train.

Results are cached in ``<repo>/build/cache/bcnn_<db>_<hash>.npz`` keyed on the
record files' SHA-1 and :data:`_CACHE_VERSION`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from golden import data as gd

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import wfdb.processing as wproc

#: Target sampling rate (Hz) and window geometry (samples at 300 Hz).
FS = 300
WIN_PRE = 60
WIN_POST = 120
WIN = WIN_PRE + WIN_POST
#: int8 quantisation range of an input sample.
Q_MAX = 127
#: ECG-ID: rate, channel used (1 = "ECG I filtered"), resampling ratio.
FS_ECGID = 500
ECGID_CHANNEL = 1
ECGID_UPDOWN = (3, 5)
#: MIT-BIH resampling ratio 360 -> 300 Hz.
MITDB_UPDOWN = (5, 6)
#: Records 201 and 202 are one person: the subject of 202 is 201.
MITDB_SAME_PERSON = {"202": "201"}
#: Fraction of a record's valid span that trains in the within-record protocol.
WITHIN_FRAC = 0.5
#: MIT-BIH within-record protocol: the test beats of a record are the first
#: MITDB_TEST_PER_RECORD beats after the cut (consecutive, so 3-beat decisions are
#: made on consecutive beats), which keeps every test beat affordable in RTL simulation.
MITDB_TEST_PER_RECORD = 300
#: Detector agreement tolerance (50 ms at 500 Hz).
MATCH_TOL = 25
#: XQRS thresholds (mV).  wfdb's defaults (0.13, 0) leave XQRS without a single
#: detection on some low-amplitude records (Person_11/rec_1, Person_14/rec_2, ...):
#: 2,927 of 3,054 usable annotated R peaks matched; with these 3,034.
XQRS_THR_INIT = 0.05
XQRS_THR_MIN = 0.01
#: Value of the corrupted leading frames of the defective ECG-ID records.
DEFECT_VALUE = -1

DBS = ("ecgid", "mitdb")
PROTOCOLS = ("within", "cross")

_CACHE_VERSION = 2


class DefectSpanMismatch(gd.DataError):
    """A record listed as defective does not hold the documented -1 span."""


class DateMalformed(gd.HeaderMalformed):
    """An ECG-ID header has no (or an unparsable) ``# ECG date: dd.mm.yyyy`` comment."""


class ProtocolError(ValueError):
    """An unknown database/protocol pair, or a protocol leaving a class without beats."""


@dataclass
class IdBeats:
    """N quantised beat windows with their person and record."""

    x: np.ndarray          # int8 [N, 180], R peak at column WIN_PRE
    subject: np.ndarray    # int64 [N] class index 0..n_subjects-1
    record: np.ndarray     # int64 [N] index into `records`
    r: np.ndarray          # int64 [N] R-peak sample in the record (original rate)
    records: tuple         # record names
    subjects: tuple        # subject names (class index -> name)
    span: np.ndarray       # int64 [n_records, 2] valid span (start, end) per record
    fs_src: int            # original sampling rate
    db: str = "ecgid"      # "ecgid" or "mitdb"

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def subset(self, idx) -> "IdBeats":
        idx = np.asarray(idx)
        return IdBeats(self.x[idx], self.subject[idx], self.record[idx], self.r[idx],
                       self.records, self.subjects, self.span, self.fs_src, self.db)


# ---------------------------------------------------------------------------
# ECG-ID record helpers
# ---------------------------------------------------------------------------

def _person(rel: str) -> str:
    m = re.fullmatch(r"(Person_\d+)/rec_(\d+)", rel)
    if not m:
        raise gd.HeaderMalformed(f"ECG-ID record name {rel!r} is not Person_NN/rec_M")
    return m.group(1)


def _rec_number(rel: str) -> int:
    _person(rel)
    return int(rel.rsplit("_", 1)[1])


def ecgid_date(rel: str, db_dir=None) -> _dt.date:
    """Recording date of ECG-ID record ``rel`` from its ``# ECG date: dd.mm.yyyy`` comment."""
    db = Path(db_dir) if db_dir is not None else gd.ecgiddb_dir()
    hea = db / (rel + ".hea")
    if not hea.is_file():
        raise gd.RecordNotFound(f"record {db / rel}: header {hea} does not exist")
    m = re.search(r"^#\s*ECG date:\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$",
                  hea.read_text(errors="replace"), re.M)
    if not m:
        raise DateMalformed(f"record {db / rel}: header {hea} has no '# ECG date: dd.mm.yyyy' line")
    try:
        return _dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError as exc:
        raise DateMalformed(f"record {db / rel}: header {hea}: bad ECG date ({exc})") from exc


def ecgid_valid_span(rel: str, rec: gd.Record) -> tuple[int, int]:
    """(start, end) of the usable samples: the defective records lose their -1 span."""
    n_bad = gd.ECGID_DEFECTIVE.get(rel, 0)
    if n_bad:
        lead = rec.signal[:n_bad]
        if lead.size != n_bad or np.any(lead != DEFECT_VALUE) or rec.signal[n_bad] == DEFECT_VALUE:
            raise DefectSpanMismatch(
                f"record {rel}: documented as {n_bad} leading frames of {DEFECT_VALUE}, "
                f"found {int(np.sum(lead == DEFECT_VALUE))} of {lead.size} such frames "
                f"(and frame {n_bad} = {int(rec.signal[n_bad]) if rec.signal.size > n_bad else 'missing'})")
    return n_bad, int(rec.sig_len)


def read_ecgid(rel: str, db_dir=None):
    """The filtered lead of ``rel`` (defective records without checksum check) and its span."""
    verify = rel not in gd.ECGID_DEFECTIVE
    rec = gd.read_ecgid_record(rel, db_dir=db_dir, verify=verify, channel=ECGID_CHANNEL)
    if rec.fs != FS_ECGID:
        raise gd.HeaderMalformed(f"record {rel}: fs {rec.fs} Hz, expected {FS_ECGID}")
    return rec, ecgid_valid_span(rel, rec)


def detect_r(rec: gd.Record, span: tuple[int, int]) -> np.ndarray:
    """XQRS R-peak sample indices (record coordinates) inside ``span``."""
    a, b = span
    sig = rec.signal[a:b].astype(np.float64) / rec.adc_gain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conf = wproc.XQRS.Conf(qrs_thr_init=XQRS_THR_INIT, qrs_thr_min=XQRS_THR_MIN)
        x = wproc.XQRS(sig=sig, fs=rec.fs, conf=conf)
        x.detect(verbose=False)
    return np.asarray(x.qrs_inds, dtype=np.int64) + a


def match_peaks(ref: np.ndarray, det: np.ndarray, tol: int = MATCH_TOL):
    """Greedy nearest matching: (matched mask over ref, offsets det - ref of the matched)."""
    ref = np.asarray(ref, np.int64)
    det = np.sort(np.asarray(det, np.int64))
    used = np.zeros(det.size, bool)
    hit = np.zeros(ref.size, bool)
    off = []
    for i, r in enumerate(ref):
        if det.size == 0:
            break
        d = np.abs(det - r)
        d[used] = np.iinfo(np.int64).max
        j = int(np.argmin(d))
        if d[j] <= tol:
            used[j] = True
            hit[i] = True
            off.append(int(det[j] - r))
    return hit, np.asarray(off, np.int64)


# ---------------------------------------------------------------------------
# Windows and quantisation
# ---------------------------------------------------------------------------

def quantize(w: np.ndarray) -> np.ndarray | None:
    """int8 window of one beat (module docstring), None for a flat window."""
    w = np.asarray(w, np.float64)
    d = w - np.median(w)
    m = float(np.max(np.abs(d)))
    if m == 0.0:
        return None
    return np.clip(np.rint(Q_MAX * d / m), -Q_MAX, Q_MAX).astype(np.int8)


def windows(sig: np.ndarray, span: tuple[int, int], r: np.ndarray, updown):
    """(int8 windows, kept R peaks, flat count) of the R peaks ``r`` in ``sig[span]``."""
    a, b = span
    up, down = updown
    y = resample_poly(np.asarray(sig[a:b], np.float64), up, down)
    out, kept, flat = [], [], 0
    for rr in np.asarray(r, np.int64):
        c = int(round((int(rr) - a) * up / down))
        if c - WIN_PRE < 0 or c + WIN_POST > y.size:
            continue
        q = quantize(y[c - WIN_PRE:c + WIN_POST])
        if q is None:
            flat += 1
            continue
        out.append(q)
        kept.append(int(rr))
    x = np.stack(out) if out else np.zeros((0, WIN), np.int8)
    return x, np.asarray(kept, np.int64), flat


# ---------------------------------------------------------------------------
# Whole databases (cached)
# ---------------------------------------------------------------------------

def _files_key(db: Path, names, exts) -> list:
    out = []
    for n in names:
        for e in exts:
            p = db / (n + e)
            out.append(hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else None)
    return out


def _cache_path(tag: str, key: str) -> Path:
    return gd.REPO_ROOT / "build" / "cache" / f"bcnn_{tag}_{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"


def _load(path: Path, key: str):
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["key"]) != key:
                return None
            return {k: z[k] for k in z.files if k != "key"}
    except Exception:
        return None


def _save(path: Path, key: str, arrays: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, key=np.array(key), **arrays)
    os.replace(tmp, path)


def load_ecgid(db_dir=None, cache: bool = True) -> tuple[IdBeats, dict]:
    """All ECG-ID beats and the detector report (see :func:`detector_agreement`)."""
    db = (Path(db_dir) if db_dir is not None else gd.ecgiddb_dir()).resolve()
    names = gd.ecgid_records(db)
    key = json.dumps({"v": _CACHE_VERSION, "db": str(db), "win": [WIN_PRE, WIN_POST, FS],
                      "files": _files_key(db, names, (".hea", ".dat", ".atr"))})
    path = _cache_path("ecgid", key)
    z = _load(path, key) if cache else None
    if z is None:
        xs, subj, reci, rs, spans, rows = [], [], [], [], [], []
        persons = sorted({_person(n) for n in names})
        for i, rel in enumerate(names):
            rec, span = read_ecgid(rel, db)
            det = detect_r(rec, span)
            x, kept, flat = windows(rec.signal, span, det, ECGID_UPDOWN)
            ann = rec.ann_sample[rec.ann_symbol == "N"]
            inside = ann >= span[0]
            hit, off = match_peaks(ann[inside], det)
            rows.append([len(ann), int(inside.sum()), int(hit.sum()), det.size,
                         x.shape[0], flat, span[0]])
            xs.append(x)
            subj.append(np.full(len(kept), persons.index(_person(rel)), np.int64))
            reci.append(np.full(len(kept), i, np.int64))
            rs.append(kept)
            spans.append(span)
            if off.size:
                rows[-1].append(off.tolist())
        offsets = np.concatenate([np.asarray(r[7], np.int64) for r in rows if len(r) > 7]) \
            if any(len(r) > 7 for r in rows) else np.zeros(0, np.int64)
        z = {"x": np.concatenate(xs), "subject": np.concatenate(subj),
             "record": np.concatenate(reci), "r": np.concatenate(rs),
             "span": np.asarray(spans, np.int64),
             "rows": np.asarray([r[:7] for r in rows], np.int64), "offsets": offsets,
             "names": np.asarray(names), "persons": np.asarray(persons)}
        if cache:
            _save(path, key, z)
    beats = IdBeats(z["x"], z["subject"], z["record"], z["r"],
                    tuple(str(n) for n in z["names"]), tuple(str(p) for p in z["persons"]),
                    z["span"], FS_ECGID)
    return beats, _report(z["rows"], z["offsets"], beats.records)


def _report(rows: np.ndarray, offsets: np.ndarray, names) -> dict:
    """Detector agreement: annotated R peaks matched within MATCH_TOL samples."""
    defect = [i for i, n in enumerate(names) if n in gd.ECGID_DEFECTIVE]
    return {
        "records": len(names),
        "annotated_r": int(rows[:, 0].sum()),
        "annotated_in_skipped_span": int((rows[:, 0] - rows[:, 1]).sum()),
        "annotated_usable": int(rows[:, 1].sum()),
        "matched": int(rows[:, 2].sum()),
        "match_tol_ms": MATCH_TOL * 1000 // FS_ECGID,
        "sensitivity_usable": float(rows[:, 2].sum() / max(1, rows[:, 1].sum())),
        "offset_median_samples": float(np.median(offsets)) if offsets.size else None,
        "offset_abs_max_samples": int(np.abs(offsets).max()) if offsets.size else None,
        "detections": int(rows[:, 3].sum()),
        "beats": int(rows[:, 4].sum()),
        "flat_windows": int(rows[:, 5].sum()),
        "defective_records": len(defect),
        "defective_frames_skipped": int(rows[defect, 6].sum()) if defect else 0,
        "records_fully_matched": int(np.sum(rows[:, 2] == rows[:, 1])),
    }


def load_mitdb(db_dir=None, cache: bool = True) -> IdBeats:
    """All MIT-BIH beats, 47 subjects (202 -> 201)."""
    db = (Path(db_dir) if db_dir is not None else gd.mitdb_dir()).resolve()
    names = gd.MITDB_RECORDS
    key = json.dumps({"v": _CACHE_VERSION, "db": str(db), "win": [WIN_PRE, WIN_POST, FS],
                      "files": _files_key(db, names, (".hea", ".dat", ".atr"))})
    path = _cache_path("mitdb", key)
    z = _load(path, key) if cache else None
    if z is None:
        subjects = sorted({MITDB_SAME_PERSON.get(n, n) for n in names})
        xs, subj, reci, rs, spans = [], [], [], [], []
        for i, n in enumerate(names):
            rec = gd.read_record(n, db_dir=db)
            span = (0, int(rec.sig_len))
            r = rec.ann_sample[np.isin(rec.ann_symbol, gd.BEAT_SYMBOLS)]
            x, kept, _flat = windows(rec.signal, span, r, MITDB_UPDOWN)
            xs.append(x)
            subj.append(np.full(len(kept), subjects.index(MITDB_SAME_PERSON.get(n, n)), np.int64))
            reci.append(np.full(len(kept), i, np.int64))
            rs.append(kept)
            spans.append(span)
        z = {"x": np.concatenate(xs), "subject": np.concatenate(subj),
             "record": np.concatenate(reci), "r": np.concatenate(rs),
             "span": np.asarray(spans, np.int64), "names": np.asarray(names),
             "persons": np.asarray(subjects)}
        if cache:
            _save(path, key, z)
    return IdBeats(z["x"], z["subject"], z["record"], z["r"],
                   tuple(str(n) for n in z["names"]), tuple(str(p) for p in z["persons"]),
                   z["span"], gd.FS_MITDB, "mitdb")


def load(db: str) -> IdBeats:
    if db == "ecgid":
        return load_ecgid()[0]
    if db == "mitdb":
        return load_mitdb()
    raise ProtocolError(f"unknown database {db!r}; expected one of {DBS}")


# ---------------------------------------------------------------------------
# Protocols
# ---------------------------------------------------------------------------

def _win_bounds(beats: IdBeats, idx=None):
    """Window (start, end) of each beat in original-rate samples of its record."""
    r = beats.r if idx is None else beats.r[idx]
    pre = WIN_PRE * beats.fs_src / FS
    post = WIN_POST * beats.fs_src / FS
    return r - pre, r + post


def split(beats: IdBeats, protocol: str, db_dir=None):
    """(train_idx, test_idx, classes): index arrays and the subject of each class.

    ``classes`` lists the subject indices (of ``beats.subjects``) that are classes
    of the protocol, in order: class k is subject ``classes[k]``.
    """
    if protocol == "within":
        a = beats.span[beats.record, 0].astype(np.float64)
        b = beats.span[beats.record, 1].astype(np.float64)
        cut = a + WITHIN_FRAC * (b - a)
        lo, hi = _win_bounds(beats)
        train = np.flatnonzero(hi <= cut)
        test = np.flatnonzero(lo >= cut)
        if beats.db == "mitdb":
            keep = []
            for rr in np.unique(beats.record[test]):
                pos = test[beats.record[test] == rr]
                keep.append(pos[np.argsort(beats.r[pos], kind="stable")][:MITDB_TEST_PER_RECORD])
            test = np.sort(np.concatenate(keep))
        classes = np.unique(beats.subject)
    elif protocol == "cross":
        if beats.db != "ecgid":
            raise ProtocolError("the cross-session protocol exists for ECG-ID only")
        by_person: dict[int, list[int]] = {}
        for i, n in enumerate(beats.records):
            by_person.setdefault(beats.subjects.index(_person(n)), []).append(i)
        test_rec, train_rec = [], []
        for p, recs in sorted(by_person.items()):
            if len(recs) < 2:
                continue
            order = sorted(recs, key=lambda i: (ecgid_date(beats.records[i], db_dir),
                                                _rec_number(beats.records[i])))
            test_rec.append(order[-1])
            train_rec.extend(order[:-1])
        train = np.flatnonzero(np.isin(beats.record, train_rec))
        test = np.flatnonzero(np.isin(beats.record, test_rec))
        classes = np.unique(beats.subject[test])
    else:
        raise ProtocolError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
    missing = sorted(set(classes.tolist()) - set(beats.subject[train].tolist()))
    if missing:
        raise ProtocolError(f"protocol {protocol}: subjects {[beats.subjects[m] for m in missing]} "
                            f"have no training beats")
    return train.astype(np.int64), test.astype(np.int64), classes.astype(np.int64)


def labels(beats: IdBeats, idx, classes) -> np.ndarray:
    """Class index (0..len(classes)-1) of each beat ``idx``."""
    lut = np.full(len(beats.subjects), -1, np.int64)
    lut[np.asarray(classes)] = np.arange(len(classes))
    y = lut[beats.subject[idx]]
    if np.any(y < 0):
        raise ProtocolError("beats of subjects outside the protocol's classes")
    return y


def groups_of_three(beats: IdBeats, idx) -> np.ndarray:
    """[G, 3] positions into ``idx``: consecutive, non-overlapping triples of beats of one
    record in time order (a record's 1 or 2 leftover beats form no triple)."""
    idx = np.asarray(idx)
    out = []
    rec = beats.record[idx]
    for rr in np.unique(rec):
        pos = np.flatnonzero(rec == rr)
        pos = pos[np.argsort(beats.r[idx][pos], kind="stable")]
        for k in range(0, pos.size - 2, 3):
            out.append(pos[k:k + 3])
    return np.asarray(out, np.int64).reshape(-1, 3)
