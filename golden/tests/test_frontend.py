# SPDX-License-Identifier: Apache-2.0
"""Front end and detector golden model (golden/frontend.py) and EC57 matcher (golden/ec57.py)."""

import numpy as np
import pytest

from golden import data as D
from golden import ec57
from golden import frontend as FE


def stepped(x, mains):
    st = FE.init_state(mains)
    fs, bs, peaks, emitted = [], [], [], []
    for n, v in enumerate(x.tolist()):
        f, b, p = FE.step(st, v)
        fs.append(f)
        bs.append(b)
        peaks.extend(p)
        emitted.extend([n] * len(p))
    order = np.argsort(peaks, kind="stable")
    return (np.asarray(fs), np.asarray(bs), np.asarray(peaks, dtype=np.int64)[order],
            np.asarray(emitted, dtype=np.int64)[order], st)


@pytest.mark.parametrize("rec,mains", [("100", 60), ("203", 50), ("207", 60)])
def test_step_equals_vectorised_on_record(rec, mains):
    x = D.read_record(rec).signal[:12000]
    f, b, peaks, emitted, st = stepped(x, mains)
    r = FE.run(x, 360, mains)
    assert len(r.peaks) >= 20          # the segment exercises the detector
    np.testing.assert_array_equal(f, r.f)
    np.testing.assert_array_equal(b, r.b)
    np.testing.assert_array_equal(peaks, r.peaks)
    np.testing.assert_array_equal(emitted, r.emitted)
    assert st.m == int(r.m[-1])


def sixty_hz(n, a=700, b=-300):
    """An integer sequence with only 60 Hz content at 360 Hz: a, b, b-a, -a, -b, a-b, ..."""
    period = np.array([a, b, b - a, -a, -b, a - b], dtype=np.int64)
    return np.resize(period, n)


def test_notch_nulls_60hz_exactly():
    x = sixty_hz(4000)
    f, base, b, d, m = FE.filters(x, 60)
    assert np.any(f[:16] != 0)                      # the transient is there
    assert np.all(f[16:] == 0)                      # notch (2) + two 8-sums (14)
    assert np.all(b[16 + FE.BASE_LEN:] == 0)
    assert np.all(m[16 + 4 + FE.MWI_LEN:] == 0)
    assert FE.detect(x).size == 0


@pytest.mark.parametrize("mains,c", [(50, None), (60, 257)])
def test_notch_expect_fail_detuned(mains, c, monkeypatch):
    # the same check must fail for the 50 Hz coefficient and for a corrupted 60 Hz one
    if c is not None:
        monkeypatch.setattr(FE, "NOTCH_C60", c)
    f = FE.filters(sixty_hz(4000), mains)[0]
    assert np.any(f[16:] != 0)


def test_matcher_boundary_and_one_to_one():
    tol = ec57.tolerance(360)
    assert tol == 54
    assert ec57.match([1000], [1054], tol) == ec57.Match(1, 0, 0)
    assert ec57.match([1000], [946], tol) == ec57.Match(1, 0, 0)
    assert ec57.match([1000], [1055], tol) == ec57.Match(0, 1, 1)
    assert ec57.match([1000], [945], tol) == ec57.Match(0, 1, 1)
    # one detection cannot serve two beats
    assert ec57.match([1000, 1100], [1050], tol) == ec57.Match(1, 1, 0)
    # two detections for one beat: one extra
    assert ec57.match([1000], [990, 1010], tol) == ec57.Match(1, 0, 1)
    # the nearest free detection is taken, leaving the other for the next beat
    assert ec57.match([1000, 1060], [1040, 1062], tol) == ec57.Match(2, 0, 0)
    assert ec57.match([1000, 1040], [1000, 1041], tol) == ec57.Match(2, 0, 0)
    m = ec57.match([100, 400, 700], [101, 702, 900], tol)
    assert (m.tp, m.fn, m.fp) == (2, 1, 1) and m.se == 2 / 3 and m.ppv == 2 / 3
    # excluded span: its beats and detections do not count
    assert ec57.match([100, 400, 700], [101, 450, 702], tol, exclude=((300, 500),)) == ec57.Match(2, 0, 0)


def test_matcher_bad_input():
    with pytest.raises(ec57.MatchInputError):
        ec57.match([5, 1], [1], 54)
    with pytest.raises(ec57.MatchInputError):
        ec57.match([1.5], [1], 54)
    with pytest.raises(ec57.MatchInputError):
        ec57.match([1], [1], -1)


def test_reference_beats_and_vf_intervals():
    sample = np.array([10, 20, 30, 40, 50, 60, 70])
    symbol = np.array(["+", "N", "[", "!", "]", "V", "~"])
    np.testing.assert_array_equal(ec57.reference_beats(sample, symbol), [20, 60])
    assert ec57.vf_intervals(sample, symbol) == ((30, 50),)


def synthetic_train(seed=1, n_beats=120):
    rng = np.random.default_rng(seed)
    rr = rng.integers(230, 340, size=n_beats)
    apex = 400 + np.cumsum(rr)
    n = int(apex[-1] + 400)
    t = np.arange(n)
    y = 80 * np.sin(2 * np.pi * t / (360 * 4.0))            # baseline wander, 0.25 Hz
    for k, a in enumerate(apex):
        amp = 500 + 60 * (k % 3)
        y += amp * np.exp(-0.5 * ((t - a) / 4.0) ** 2)        # QRS, sigma 11 ms
        y += 90 * np.exp(-0.5 * ((t - a - 90) / 18.0) ** 2)   # T wave 250 ms later
    y += rng.normal(0, 6, size=n)
    return np.clip(np.round(y), -1024, 1023).astype(np.int64), apex


def test_detector_finds_every_synthetic_beat():
    x, apex = synthetic_train()
    peaks = FE.detect(x)
    assert ec57.match(apex, peaks, 54) == ec57.Match(len(apex), 0, 0)
    assert np.max(np.abs(peaks - apex)) <= 2      # refined to the filtered maximum


def test_bad_input_named_errors():
    with pytest.raises(FE.SampleTypeError):
        FE.detect(np.zeros(100, dtype=np.float64))
    with pytest.raises(FE.SampleRangeError):
        FE.detect(np.array([0, 1024, 0]))
    with pytest.raises(FE.SampleRangeError):
        FE.detect(np.array([0, -1025, 0]))
    with pytest.raises(FE.SampleRateError):
        FE.detect(np.zeros(100, dtype=np.int64), fs=250)
    with pytest.raises(FE.MainsError):
        FE.detect(np.zeros(100, dtype=np.int64), mains=55)
    st = FE.init_state()
    with pytest.raises(FE.SampleTypeError):
        FE.step(st, 1.0)
    with pytest.raises(FE.SampleRangeError):
        FE.step(st, 2000)


@pytest.mark.parametrize("mains", [50, 60])
def test_register_widths_hold_at_full_scale(mains):
    # full-scale steps, alternations and seeded noise: every stage stays inside its stated width
    rng = np.random.default_rng(7)
    x = np.concatenate([np.full(400, 1023), np.full(400, -1024), np.resize([1023, -1024], 400),
                        np.resize([1023, -1024, -1024], 600), rng.integers(-1024, 1024, 4000)])
    f, base, b, d, m = FE.filters(x, mains)
    assert np.abs(f).max() <= 3364 and np.abs(base).max() < 2 ** 12
    assert -2 ** 13 <= b.min() and b.max() < 2 ** 13
    assert -2 ** 15 <= d.min() and d.max() < 2 ** 15
    assert 0 <= m.min() and m.max() < 2 ** 26
    assert np.any(d * d > FE.Q_MAX) and m.max() <= FE.MWI_LEN * FE.Q_MAX   # saturation exercised


@pytest.mark.parametrize("rec,start", [("203", 60 * 360), ("232", 0)])
def test_decision_trace_matches_run_and_logs_every_peak(rec, start):
    """decision_trace (the RTL's decision log) is run() with logging on: the same peaks in
    emission order; one QRS/search-back entry per peak, at its emission sample and position."""
    x = D.read_record(rec).signal[start:start + 20 * 360]
    r = FE.run(x)
    res, dec = FE.decision_trace(x)
    np.testing.assert_array_equal(res.peaks, r.peaks)        # emission order is sorted
    np.testing.assert_array_equal(res.emitted, r.emitted)
    acc = np.isin(dec.code, (FE.DEC_QRS, FE.DEC_SEARCHBACK))
    np.testing.assert_array_equal(dec.n[acc], res.emitted)
    np.testing.assert_array_equal(dec.pos[acc], res.peaks)
    kinds = FE.peak_kinds(dec)
    assert len(kinds) == len(res.peaks)
    assert (kinds == FE.KIND_SEARCHBACK).any() and (kinds == FE.KIND_LEARNING).any()
    assert (dec.code == FE.DEC_TWAVE).any() or (dec.code == FE.DEC_NOISE).any()
    assert (np.diff(dec.n) >= 0).all()
    # a corrupted coefficient changes the filters (the benches' --corrupt-model)
    f_bad = FE.filters(x, 60, FE.NOTCH_C60 + 1)[0]
    assert (f_bad != r.f).any()


def test_peak_rr_saturates_and_starts_at_zero():
    rr = FE.peak_rr([10, 300, 300 + 70000, 300 + 70100])
    assert rr.tolist() == [0, 290, FE.RR_MAX, 100]
    assert FE.peak_rr([]).tolist() == []


def test_constants_come_from_formats():
    from golden import formats as F
    assert FE.NOTCH_C50 == F.FE_CONSTANTS["FE_NOTCH_C50"] and FE.Q_MAX == F.FE_Q.max_code
    assert (FE.X_MIN, FE.X_MAX) == (-1024, 1023) and FE.SETTLE == F.FE_CONSTANTS["FE_SETTLE"]
