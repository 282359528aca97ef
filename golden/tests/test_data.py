# SPDX-License-Identifier: Apache-2.0
"""Tests of golden/data.py on the real MIT-BIH and ECG-ID data and on broken copies.

Broken records are built in pytest's tmp_path from copies of MIT-BIH record
100; nothing is written into the data folders.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import warnings

import numpy as np
import pytest

import golden.data as d

with warnings.catch_warnings():   # wfdb 4.3 + pandas 3 warn at import
    warnings.simplefilter("ignore")
    import wfdb

# The 11 ECG-ID records whose first frames are -1 (table of ecgiddb/SOURCE.md),
# with the number of affected leading frames.
DEFECTIVE_ECGID = {
    "Person_13/rec_2": 2048, "Person_15/rec_1": 1024, "Person_24/rec_5": 2048,
    "Person_25/rec_4": 2048, "Person_26/rec_3": 2048, "Person_27/rec_3": 2048,
    "Person_28/rec_4": 2048, "Person_32/rec_6": 2048, "Person_44/rec_1": 1024,
    "Person_72/rec_3": 2048, "Person_83/rec_1": 1024,
}


@pytest.fixture(autouse=True)
def _no_download(monkeypatch):
    """Never touch the network from the tests."""
    monkeypatch.delenv(d.ENV_DOWNLOAD, raising=False)


@pytest.fixture(scope="module")
def mitdb() -> Path:
    return d.mitdb_dir()


@pytest.fixture(scope="module")
def all_beats() -> d.BeatSet:
    """Beats of all 48 records (built once, then served from build/cache)."""
    return d.load_beats()


def copy_record(src_dir: Path, dst_dir: Path, name: str = "100",
                exts=(".hea", ".dat", ".atr")) -> Path:
    """Copy the given files of a record into dst_dir; returns dst_dir / name."""
    for ext in exts:
        shutil.copyfile(src_dir / (name + ext), dst_dir / (name + ext))
    return dst_dir / name


def header_lines(path: Path) -> list[str]:
    """Header lines without their CRLF/LF endings."""
    return path.read_text().splitlines()


# ---------------------------------------------------------------------------
# Real MIT-BIH data
# ---------------------------------------------------------------------------

def test_record_100(mitdb):
    rec = d.read_record("100")
    assert rec.name == "100"
    assert rec.lead == "MLII" and rec.fs == 360 and rec.sig_len == 650000
    assert rec.adc_gain == 200.0
    assert rec.signal.dtype == np.int16 and rec.signal.shape == (650000,)
    # signal = digital samples minus the ADC zero (1024), nothing else.
    raw = wfdb.rdrecord(str(mitdb / "100"), physical=False).d_signal[:, 0]
    np.testing.assert_array_equal(rec.signal, raw - 1024)
    assert rec.ann_sample.dtype == np.int64
    assert len(rec.ann_sample) == len(rec.ann_symbol) == 2274

    beats = d.extract_beats(rec, 100, 150)
    n_beat_ann = int(np.isin(rec.ann_symbol, d.BEAT_SYMBOLS).sum())
    assert n_beat_ann == 2273
    # The first beat (sample 77) has no room for 100 samples before it.
    assert 2265 <= len(beats) <= n_beat_ann
    assert beats.x.shape == (len(beats), 250) and beats.x.dtype == np.int16
    assert set(beats.record.tolist()) == {100}
    # Every window is the signal around the R peak, R peak at index pre.
    for k in (0, 1000, len(beats) - 1):
        s = beats.sample[k]
        np.testing.assert_array_equal(beats.x[k], rec.signal[s - 100:s + 150])
        assert beats.x[k, 100] == rec.signal[s]
    assert beats.sample.min() >= 100 and beats.sample.max() + 150 <= 650000


def test_record_114_takes_mlii_from_channel_1(mitdb):
    rec = d.read_record("114")
    assert rec.lead == "MLII"
    raw = wfdb.rdrecord(str(mitdb / "114"), physical=False).d_signal
    np.testing.assert_array_equal(rec.signal, raw[:, 1] - 1024)


def test_record_102_falls_back_to_channel_0(mitdb):
    rec = d.read_record("102")
    assert rec.lead == "V5"
    raw = wfdb.rdrecord(str(mitdb / "102"), physical=False).d_signal
    np.testing.assert_array_equal(rec.signal, raw[:, 0] - 1024)


def test_record_list_matches_database(mitdb):
    assert tuple((mitdb / "RECORDS").read_text().split()) == d.MITDB_RECORDS
    assert len(d.MITDB_RECORDS) == 48
    assert set(d.DS1) | set(d.DS2) | set(d.PACED) == set(d.MITDB_RECORDS)
    assert len(d.DS1) == len(d.DS2) == 22


def test_load_beats_all_records(all_beats):
    b = all_beats
    assert len(b) > 100_000
    assert b.x.shape == (len(b), 250) and b.x.dtype == np.int16
    assert b.record.dtype == np.int16 and b.sample.dtype == np.int64
    assert b.symbol.dtype == np.dtype("<U1")
    assert set(b.record.tolist()) == {int(r) for r in d.MITDB_RECORDS}
    assert set(b.symbol.tolist()) <= set(d.BEAT_SYMBOLS)
    # Record order, then time order.
    order = np.array([d.MITDB_RECORDS.index(str(r)) for r in b.record])
    assert np.all(np.diff(order) >= 0)
    same = np.diff(order) == 0
    assert np.all(np.diff(b.sample)[same] > 0)


def test_load_beats_cache_hit_is_identical(all_beats):
    again = d.load_beats()
    for field in ("x", "record", "sample", "symbol"):
        a, b = getattr(all_beats, field), getattr(again, field)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert (again.pre, again.post) == (100, 150)


def test_load_beats_rebuilds_unreadable_cache(tmp_path, mitdb):
    fresh = d.load_beats(["100", "101"], pre=50, post=60, cache_dir=tmp_path)
    files = list(tmp_path.glob("beats_*.npz"))
    assert len(files) == 1
    files[0].write_bytes(b"this is not an npz file")
    rebuilt = d.load_beats(["100", "101"], pre=50, post=60, cache_dir=tmp_path)
    np.testing.assert_array_equal(fresh.x, rebuilt.x)
    np.testing.assert_array_equal(fresh.symbol, rebuilt.symbol)
    # The rebuilt cache is readable again and gives the same beats.
    cached = d.load_beats(["100", "101"], pre=50, post=60, cache_dir=tmp_path)
    np.testing.assert_array_equal(fresh.sample, cached.sample)
    # Uncached concatenation in the given order.
    direct = d.load_beats(["101", "100"], pre=50, post=60, cache=False)
    assert direct.record[0] == 101 and direct.record[-1] == 100
    assert len(direct) == len(fresh)


def test_beatset_subset(all_beats):
    sub = all_beats.subset(np.array([0, 5, 7]))
    assert len(sub) == 3 and sub.x.shape == (3, 250)
    np.testing.assert_array_equal(sub.sample, all_beats.sample[[0, 5, 7]])
    assert (sub.pre, sub.post) == (100, 150)
    mask = all_beats.record == 100
    assert len(all_beats.subset(mask)) == int(mask.sum())


# ---------------------------------------------------------------------------
# Class groupings
# ---------------------------------------------------------------------------

SYMS = np.array(list("NLRejAaJSVEF/fQ") + ["+", "~", "|"])


def test_aami5_labels():
    expect = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 4, 4, 4, -1, -1, -1]
    np.testing.assert_array_equal(d.aami5_labels(SYMS), expect)
    assert d.aami5_labels(SYMS).dtype == np.int64
    assert d.AAMI5_CLASSES == ("N", "S", "V", "F", "Q")


def test_nsvf_labels():
    expect = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, -1, -1, -1, -1, -1, -1]
    np.testing.assert_array_equal(d.nsvf_labels(SYMS), expect)


def test_severity_labels():
    # Normal={N,/}, Mild={L,R,e,j}, Moderate={A,a,J,S,E}, Severe={F,V,f,Q}
    expect = [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 2, 3, 0, 3, 3, -1, -1, -1]
    np.testing.assert_array_equal(d.severity_labels(SYMS), expect)
    assert d.SEVERITY_CLASSES == ("Normal", "Mild", "Moderate", "Severe")


def test_binary_labels():
    expect = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1]
    np.testing.assert_array_equal(d.binary_labels(list(SYMS)), expect)
    assert d.BINARY_CLASSES == ("normal", "abnormal")


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------

def test_intra_patient_split(all_beats):
    n = len(all_beats)
    train, test = d.intra_patient_split(all_beats, seed=2025, test_frac=0.2)
    assert train.dtype == test.dtype == np.int64
    assert len(test) == round(0.2 * n) and len(train) + len(test) == n
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    assert np.intersect1d(train, test).size == 0
    train2, test2 = d.intra_patient_split(all_beats, seed=2025, test_frac=0.2)
    np.testing.assert_array_equal(test, test2)
    np.testing.assert_array_equal(train, train2)
    _, test3 = d.intra_patient_split(all_beats, seed=7, test_frac=0.2)
    assert len(test3) == len(test) and not np.array_equal(test, test3)


def test_inter_patient_split(all_beats):
    ds1, ds2 = d.inter_patient_split(all_beats)
    assert ds1.dtype == ds2.dtype == np.int64
    assert np.intersect1d(ds1, ds2).size == 0
    r1 = set(all_beats.record[ds1].tolist())
    r2 = set(all_beats.record[ds2].tolist())
    assert r1 == {int(r) for r in d.DS1} and r2 == {int(r) for r in d.DS2}
    paced = {int(r) for r in d.PACED}
    assert not (r1 | r2) & paced
    # Every non-paced beat is in exactly one of the two sets.
    n_paced = int(np.isin(all_beats.record, list(paced)).sum())
    assert len(ds1) + len(ds2) == len(all_beats) - n_paced


def test_adaptation_split(all_beats):
    adapt, test = d.adaptation_split(all_beats, minutes=5, fs=360)
    limit = 5 * 60 * 360
    assert np.all(all_beats.sample[adapt] < limit)
    assert np.all(all_beats.sample[test] >= limit)
    _, ds2 = d.inter_patient_split(all_beats)
    np.testing.assert_array_equal(np.union1d(adapt, test), ds2)
    assert np.intersect1d(adapt, test).size == 0
    # Each DS2 record contributes beats to both parts.
    assert set(all_beats.record[adapt].tolist()) == {int(r) for r in d.DS2}
    assert set(all_beats.record[test].tolist()) == {int(r) for r in d.DS2}
    adapt1, _ = d.adaptation_split(all_beats, minutes=1)
    assert len(adapt1) < len(adapt)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def test_missing_data_dir(tmp_path, monkeypatch):
    missing = tmp_path / "no_such_dir"
    monkeypatch.setenv("ECG_DATA_DIR", str(missing))
    with pytest.raises(d.DataDirNotFound) as ei:
        d.data_root()
    msg = str(ei.value)
    assert str(missing) in msg and "ECG_DATA_DIR" in msg and "download" in msg
    with pytest.raises(d.DataDirNotFound):
        d.read_record("100")


def test_missing_database_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ECG_DATA_DIR", str(tmp_path))
    assert d.data_root() == tmp_path.resolve()
    with pytest.raises(d.DataDirNotFound) as ei:
        d.mitdb_dir()
    assert str(tmp_path / "mitdb") in str(ei.value)
    with pytest.raises(d.DataDirNotFound) as ei:
        d.ecgiddb_dir()
    assert str(tmp_path / "ecgiddb") in str(ei.value)


def test_download_failure_is_wrapped(tmp_path, monkeypatch):
    def fail(db, target):
        raise ConnectionError("network unreachable")
    monkeypatch.setattr(d.wfdb, "dl_database", fail)
    monkeypatch.setenv("ECG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ECG_DATA_DOWNLOAD", "1")
    with pytest.raises(d.DataDirNotFound) as ei:
        d.mitdb_dir()
    msg = str(ei.value)
    assert "mitdb" in msg and "ConnectionError" in msg and "network unreachable" in msg
    assert isinstance(ei.value.__cause__, ConnectionError)
    with pytest.raises(d.DataDirNotFound):
        d.download_mitdb(tmp_path / "x")


def test_missing_record(tmp_path):
    with pytest.raises(d.RecordNotFound) as ei:
        d.read_record("999", db_dir=tmp_path)
    msg = str(ei.value)
    assert str(tmp_path / "999") in msg and "999.hea" in msg and "does not exist" in msg


def test_missing_dat(tmp_path, mitdb):
    copy_record(mitdb, tmp_path, exts=(".hea", ".atr"))
    with pytest.raises(d.RecordNotFound) as ei:
        d.read_record("100", db_dir=tmp_path)
    msg = str(ei.value)
    assert str(tmp_path / "100") in msg and "100.dat" in msg


def test_missing_atr(tmp_path, mitdb):
    copy_record(mitdb, tmp_path, exts=(".hea", ".dat"))
    with pytest.raises(d.RecordNotFound) as ei:
        d.read_record("100", db_dir=tmp_path)
    assert "100.atr" in str(ei.value)


def test_truncated_dat(tmp_path, mitdb):
    copy_record(mitdb, tmp_path, exts=(".hea", ".atr"))
    (tmp_path / "100.dat").write_bytes((mitdb / "100.dat").read_bytes()[:100_000])
    with pytest.raises(d.SignalTruncated) as ei:
        d.read_record("100", db_dir=tmp_path)
    msg = str(ei.value)
    # 2 signals x 650000 samples x 1.5 bytes = 1,950,000 bytes expected.
    assert str(tmp_path / "100") in msg
    assert "1950000" in msg and "100000" in msg and "truncated" in msg


def test_header_garbage(tmp_path, mitdb):
    copy_record(mitdb, tmp_path, exts=(".dat", ".atr"))
    (tmp_path / "100.hea").write_text("this is not a WFDB header\n")
    with pytest.raises(d.HeaderMalformed) as ei:
        d.read_record("100", db_dir=tmp_path)
    msg = str(ei.value)
    assert str(tmp_path / "100") in msg and "record line" in msg


@pytest.mark.parametrize("field, value, problem", [
    (2, "abc", "sampling frequency 'abc' is not a number"),
    (2, "0", "sampling frequency 0 is not > 0"),
    (3, "0", "number of samples per signal 0 is not > 0"),
    (1, "x", "number of signals 'x'"),
])
def test_header_bad_record_line(tmp_path, mitdb, field, value, problem):
    copy_record(mitdb, tmp_path)
    lines = header_lines(tmp_path / "100.hea")
    tok = lines[0].split()
    tok[field] = value
    lines[0] = " ".join(tok)
    (tmp_path / "100.hea").write_text("\r\n".join(lines) + "\r\n")
    with pytest.raises(d.HeaderMalformed) as ei:
        d.read_record("100", db_dir=tmp_path)
    msg = str(ei.value)
    assert str(tmp_path / "100") in msg and problem in msg


def test_header_unsupported_format(tmp_path, mitdb):
    copy_record(mitdb, tmp_path)
    text = (tmp_path / "100.hea").read_text().replace("100.dat 212", "100.dat 80", 1)
    (tmp_path / "100.hea").write_text(text)
    with pytest.raises(d.HeaderMalformed) as ei:
        d.read_record("100", db_dir=tmp_path)
    assert "unsupported format 80" in str(ei.value)


def test_header_empty(tmp_path, mitdb):
    copy_record(mitdb, tmp_path, exts=(".dat", ".atr"))
    (tmp_path / "100.hea").write_text("")
    with pytest.raises(d.HeaderMalformed) as ei:
        d.read_record("100", db_dir=tmp_path)
    assert "empty" in str(ei.value)


def test_annotation_out_of_range(tmp_path, mitdb):
    """Record 100 cut to 300000 samples with a consistent header: only the
    annotations after the cut are wrong."""
    n = 300_000
    copy_record(mitdb, tmp_path, exts=(".atr",))
    # Format 212, 2 signals: 3 bytes per frame.
    (tmp_path / "100.dat").write_bytes((mitdb / "100.dat").read_bytes()[:3 * n])
    part = wfdb.rdrecord(str(mitdb / "100"), physical=False, sampto=n).d_signal
    sums = part.astype(np.int64).sum(axis=0) % 65536
    checks = [int(s - 65536 if s >= 32768 else s) for s in sums]
    lines = header_lines(mitdb / "100.hea")
    tok = lines[0].split()
    tok[3] = str(n)
    lines[0] = " ".join(tok)
    for i in (0, 1):
        tok = lines[1 + i].split()
        tok[6] = str(checks[i])
        lines[1 + i] = " ".join(tok)
    (tmp_path / "100.hea").write_text("\r\n".join(lines) + "\r\n")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ann = wfdb.rdann(str(mitdb / "100"), "atr")
    first_out = int(ann.sample[ann.sample >= n][0])
    with pytest.raises(d.AnnotationOutOfRange) as ei:
        d.read_record("100", db_dir=tmp_path)
    msg = str(ei.value)
    assert str(tmp_path / "100") in msg
    assert f"sample {first_out}" in msg and f"{n} samples" in msg


def test_checksum_mismatch(tmp_path, mitdb):
    copy_record(mitdb, tmp_path, exts=(".hea", ".atr"))
    data = bytearray((mitdb / "100.dat").read_bytes())
    data[999] ^= 0x01   # low byte of signal 0, frame 333
    (tmp_path / "100.dat").write_bytes(bytes(data))
    changed = wfdb.rdrecord(str(tmp_path / "100"), physical=False).d_signal
    s = int(changed[:, 0].astype(np.int64).sum() % 65536)
    computed = s - 65536 if s >= 32768 else s
    assert computed != -22131

    with pytest.raises(d.ChecksumMismatch) as ei:
        d.read_record("100", db_dir=tmp_path)
    msg = str(ei.value)
    assert str(tmp_path / "100") in msg
    assert "signal 0 (MLII): header -22131, computed " + str(computed) in msg
    assert "signal 1" not in msg   # the other signal is intact
    # Without verification the record loads.
    rec = d.read_record("100", db_dir=tmp_path, verify=False)
    assert rec.sig_len == 650000


# ---------------------------------------------------------------------------
# ECG-ID
# ---------------------------------------------------------------------------

def test_ecgid_defect_list_matches_source_md():
    """The hard-coded list equals the table in SOURCE.md and the module's copy."""
    text = (d.ecgiddb_dir() / "SOURCE.md").read_text()
    table = {m.group(1): int(m.group(2).replace(",", ""))
             for m in re.finditer(r"^\| (Person_\d+/rec_\d+) \| ([\d,]+) \|", text, re.M)}
    assert table == DEFECTIVE_ECGID
    assert d.ECGID_DEFECTIVE == DEFECTIVE_ECGID


def test_ecgid_all_records():
    names = d.ecgid_records()
    assert len(names) == 310
    failed = {}
    for rel in names:
        try:
            rec = d.read_ecgid_record(rel, verify=True)
        except d.ChecksumMismatch as exc:
            failed[rel] = str(exc)
            continue
        assert rec.fs == 500 and rec.sig_len == 10000 and rec.lead == "ECG I"
        assert rec.signal.dtype == np.int16 and rec.signal.shape == (10000,)
        assert len(rec.ann_sample) == 20
    assert set(failed) == set(DEFECTIVE_ECGID)
    # The message names the record and both checksums of each signal
    # (values from the table of SOURCE.md).
    msg = failed["Person_13/rec_2"]
    assert "Person_13/rec_2" in msg
    assert "header -11151, computed 20129" in msg and "header 434, computed -3300" in msg


def test_ecgid_defective_records_load_without_verify():
    db = d.ecgiddb_dir()
    for rel, n in DEFECTIVE_ECGID.items():
        assert wfdb.rdheader(str(db / rel)).adc_zero == [0, 0]
        for ch, lead in ((0, "ECG I"), (1, "ECG I filtered")):
            rec = d.read_ecgid_record(rel, verify=False, channel=ch)
            assert rec.lead == lead
            assert np.all(rec.signal[:n] == -1), rel
            assert not np.all(rec.signal[n:n + 1024] == -1), rel


def test_ecgid_beats():
    rec = d.read_ecgid_record("Person_01/rec_1")
    beats = d.extract_beats(rec, 100, 150)
    assert 1 <= len(beats) <= 10 and set(beats.symbol.tolist()) == {"N"}
    assert set(beats.record.tolist()) == {101}
