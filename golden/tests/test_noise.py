# SPDX-License-Identifier: Apache-2.0
"""The seeded noise generator (golden/noise.py): SNR as defined, band limits, seeds, errors."""

import numpy as np
import pytest

from golden import data as D
from golden import noise as N

FS = 360


@pytest.fixture(scope="module")
def clean():
    return D.read_record("100").signal[:FS * 60]


def band_fraction(v, lo, hi, fs=FS):
    p = np.abs(np.fft.rfft(v)) ** 2
    f = np.fft.rfftfreq(v.size, 1 / fs)
    return float(p[(f >= lo) & (f <= hi)].sum() / p.sum())


@pytest.mark.parametrize("kind", N.KINDS)
@pytest.mark.parametrize("snr", [24, 18, 12, 6, 0])
def test_realised_snr_is_the_requested_one(clean, kind, snr):
    """Before rounding the scale gives the SNR exactly; rounding to ADC units adds about
    1/12 unit^2 of power: within 0.2 dB at 24 dB on this record for the random kinds.  The mains
    sinusoid repeats every 6 samples at 360 Hz, so its rounding error is not random: at 24 dB
    (an amplitude of about 4 ADC units here) the realised SNR is 0.65 dB off, hence 1 dB for pl.
    `add_noise` reports the realised SNR, which is what figures quote."""
    y, info = N.add_noise(clean, snr, kind, seed=3, record="100")
    assert y.dtype == np.int16 and y.shape == clean.shape
    assert info["saturated"] == 0
    e = y.astype(np.float64) - clean
    realised = 10 * np.log10(N.signal_power(clean) / np.mean(e * e))
    assert realised == pytest.approx(info["snr_realised_db"], abs=1e-9)
    assert abs(realised - snr) < (1.0 if kind == "pl" else 0.2)
    assert info["noise_rms"] == pytest.approx(np.sqrt(N.signal_power(clean) / 10 ** (snr / 10)))


@pytest.mark.parametrize("kind,lo,hi,least", [
    ("bw", 0.0, 2.0, 0.995),      # baseline wander below 0.5 Hz (rectangular-window leakage)
    ("ma", 15.0, 160.0, 0.999),   # muscle band 20..150 Hz (Butterworth skirts)
    ("em", 0.0, 12.0, 0.95),      # electrode motion below 12 Hz (the Hann-tapered step leaks a little)
    ("pl", 59.0, 61.0, 0.999),    # 60 Hz mains (no harmonic below 0.45 fs at 360 Hz)
])
def test_band_limits(kind, lo, hi, least):
    v = N.noise(kind, FS * 60, seed=5, record="x")
    assert np.mean(v) == pytest.approx(0, abs=1e-12) and np.mean(v * v) == pytest.approx(1)
    assert band_fraction(v, lo, hi) >= least


def test_mains_50_has_its_third_harmonic():
    v = N.noise("pl", FS * 60, seed=5, record="x", mains=50)
    assert band_fraction(v, 49, 51) + band_fraction(v, 149, 151) >= 0.999
    assert 0.02 < band_fraction(v, 149, 151) < 0.06       # (0.2)^2 of the fundamental's power


def test_seeds_repeat_and_differ():
    a = N.noise("all", FS * 10, seed=1, record="100")
    assert np.array_equal(a, N.noise("all", FS * 10, seed=1, record="100"))
    assert not np.allclose(a, N.noise("all", FS * 10, seed=2, record="100"))
    assert not np.allclose(a, N.noise("all", FS * 10, seed=1, record="101"))


def test_saturation_is_counted():
    x = np.full(FS * 4, 1000, dtype=np.int16)
    x[::90] = 900
    y, info = N.add_noise(x, 0, "ma", seed=1)
    assert y.max() == N.ADC_MAX and info["saturated"] == int(np.sum(y == N.ADC_MAX) + np.sum(y == N.ADC_MIN))


@pytest.mark.parametrize("call,err", [
    (lambda x: N.add_noise(x, 12, "emg"), N.UnknownKind),
    (lambda x: N.add_noise(x, float("nan"), "ma"), N.BadSnr),
    (lambda x: N.add_noise(x, 90, "ma"), N.BadSnr),
    (lambda x: N.add_noise(x, True, "ma"), N.BadSnr),
    (lambda x: N.add_noise(x, 12, "ma", fs=0), N.BadRate),
    (lambda x: N.add_noise(x, 12, "pl", mains=55), N.BadMains),
    (lambda x: N.add_noise(x.astype(float), 12, "ma"), N.BadSignal),
    (lambda x: N.add_noise(x[:100], 12, "ma"), N.BadSignal),
    (lambda x: N.add_noise(np.zeros(FS * 4, dtype=np.int16), 12, "ma"), N.BadSignal),
])
def test_bad_arguments_are_named(clean, call, err):
    with pytest.raises(err):
        call(clean)
    assert issubclass(err, N.NoiseError) and issubclass(err, ValueError)
