# SPDX-License-Identifier: Apache-2.0
"""Seeded, realistic ECG noise at a stated SNR, for the noise benchmarks (issue 15).

One generator for the whole repository, so every noise figure means the same thing.

Kinds (each generated with unit mean power, mean removed):

* ``bw`` baseline wander: four sinusoids, three between 0.05 and 0.5 Hz and one respiration
  term between 0.15 and 0.4 Hz, random amplitudes (uniform 0.5..1) and phases;
* ``ma`` muscle (EMG-like): white Gaussian noise band-limited to 20..150 Hz by a 4th-order
  Butterworth band-pass run forwards and backwards (``scipy.signal.sosfiltfilt``); the upper edge
  is lowered to 0.45 fs where 150 Hz is above that;
* ``pl`` power line: a sinusoid at the mains frequency (50 or 60 Hz) whose amplitude wanders by
  about 5 % (a 0.5 Hz low-passed random envelope) and whose phase is random, plus its third
  harmonic at a fifth of its amplitude where the harmonic is below 0.45 fs (at 360 Hz: 150 Hz for
  50 Hz mains; 180 Hz for 60 Hz mains is the Nyquist frequency, so no harmonic);
* ``em`` electrode-motion-like: about one burst per 10 s (at least one), each 0.5..3 s long, of
  0.5..10 Hz band-limited noise under a Hann taper, starting with a baseline step of random sign
  that decays with a 0.5 s time constant;
* ``all``: the four kinds summed with equal power.

**SNR definition.** ``SNR_dB = 10 log10(P_s / P_n)``, with ``P_s`` the mean power of the clean
signal about its median, ``mean((x - median(x))**2)`` over the whole excerpt, and ``P_n`` the
mean power of the noise as generated (unit power times the scale squared). The noise is scaled so
that this SNR is exactly the requested one before the sum is rounded to integer ADC units and
saturated to the 11-bit range -1024..1023; :func:`add_noise` reports the SNR realised after
rounding and saturation (``10 log10(P_s / mean((y - x)**2))``) and the number of saturated
samples, so a figure never hides clipping.

**Seeds.** The noise depends on (seed, record name, kind, length, fs, mains) only:
``numpy.random.default_rng([seed, crc32(record), kind index])``. The same call always returns
the same samples; ``all`` draws its four parts from the same seeds as the single kinds.

Errors: :class:`NoiseError` (a ``ValueError``) and its subclasses name the bad argument.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy import signal as sps

KINDS = ("bw", "ma", "pl", "em", "all")
ADC_MIN, ADC_MAX = -1024, 1023


class NoiseError(ValueError):
    """A bad argument to the noise generator."""


class UnknownKind(NoiseError):
    pass


class BadRate(NoiseError):
    pass


class BadSnr(NoiseError):
    pass


class BadSignal(NoiseError):
    pass


class BadMains(NoiseError):
    pass


def _check(kind, n, fs, mains) -> None:
    if kind not in KINDS:
        raise UnknownKind(f"noise kind {kind!r} unknown; use one of {', '.join(KINDS)}")
    if isinstance(fs, bool) or not isinstance(fs, (int, float, np.integer, np.floating)) or not np.isfinite(fs) \
            or fs < 100:
        raise BadRate(f"fs must be a finite sample rate >= 100 Hz, got {fs!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < int(2 * fs):
        raise BadSignal(f"the excerpt must hold at least 2 s ({int(2 * fs)} samples at {fs} Hz), got {n!r}")
    if mains not in (50, 60):
        raise BadMains(f"mains must be 50 or 60 (Hz), got {mains!r}")


def _unit(v: np.ndarray) -> np.ndarray:
    v = v - v.mean()
    p = float(np.mean(v * v))
    return v / np.sqrt(p)


def _rng(seed: int, record: str, kind: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(str(record).encode()), KINDS.index(kind)])


def _bw(rng, n, fs, mains):
    t = np.arange(n) / fs
    v = np.zeros(n)
    for lo, hi in ((0.05, 0.5), (0.05, 0.5), (0.05, 0.5), (0.15, 0.4)):
        f, a, ph = rng.uniform(lo, hi), rng.uniform(0.5, 1.0), rng.uniform(0, 2 * np.pi)
        v += a * np.sin(2 * np.pi * f * t + ph)
    return v


def _ma(rng, n, fs, mains):
    hi = min(150.0, 0.45 * fs)
    sos = sps.butter(4, [20.0, hi], btype="bandpass", fs=fs, output="sos")
    return sps.sosfiltfilt(sos, rng.standard_normal(n))


def _pl(rng, n, fs, mains):
    t = np.arange(n) / fs
    sos = sps.butter(2, 0.5, btype="lowpass", fs=fs, output="sos")
    env = sps.sosfiltfilt(sos, rng.standard_normal(n))
    env = 1.0 + 0.05 * env / max(float(np.std(env)), 1e-12)
    v = env * np.sin(2 * np.pi * mains * t + rng.uniform(0, 2 * np.pi))
    if 3 * mains < 0.45 * fs:
        v += 0.2 * env * np.sin(2 * np.pi * 3 * mains * t + rng.uniform(0, 2 * np.pi))
    return v


def _em(rng, n, fs, mains):
    sos = sps.butter(2, [0.5, 10.0], btype="bandpass", fs=fs, output="sos")
    v = np.zeros(n)
    bursts = max(1, int(rng.poisson(n / fs / 10.0)))
    for _ in range(bursts):
        ln = int(rng.uniform(0.5, 3.0) * fs)
        ln = min(ln, n)
        s0 = int(rng.integers(0, n - ln + 1))
        seg = sps.sosfiltfilt(sos, rng.standard_normal(ln + int(2 * fs)))[int(fs):int(fs) + ln]
        seg = seg / max(float(np.std(seg)), 1e-12)
        k = np.arange(ln)
        step = rng.choice((-1.0, 1.0)) * rng.uniform(1.0, 3.0) * np.exp(-k / (0.5 * fs))
        v[s0:s0 + ln] += (seg + step) * np.hanning(ln)
    return v


_GEN = {"bw": _bw, "ma": _ma, "pl": _pl, "em": _em}


def noise(kind: str, n: int, fs: float = 360, seed: int = 0, record: str = "", mains: int = 60) -> np.ndarray:
    """Unit-power noise of one kind, ``n`` samples at ``fs`` (float64, mean 0, mean square 1)."""
    _check(kind, n, fs, mains)
    if kind == "all":
        return _unit(sum(noise(k, n, fs, seed, record, mains) for k in KINDS[:-1]))
    return _unit(_GEN[kind](_rng(seed, record, kind), n, float(fs), mains))


def signal_power(x) -> float:
    """P_s of the SNR definition: the mean power of x about its median."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.mean((x - np.median(x)) ** 2))


def add_noise(x, snr_db: float, kind: str, fs: float = 360, seed: int = 0, record: str = "",
              mains: int = 60) -> tuple[np.ndarray, dict]:
    """``x`` (integer ADC units) plus ``kind`` noise at ``snr_db``: returns (int16 samples rounded
    half to even and saturated to -1024..1023, info) with info = {"snr_db": requested,
    "snr_realised_db": after rounding and saturation, "saturated": samples at the rails that were
    not there in x, "noise_rms": the scale in ADC units}."""
    xa = np.asarray(x)
    if xa.ndim != 1 or not np.issubdtype(xa.dtype, np.integer):
        raise BadSignal(f"x must be a 1-D integer array of ADC units, got {xa.dtype} with shape {xa.shape}")
    if isinstance(snr_db, bool) or not isinstance(snr_db, (int, float, np.integer, np.floating)) \
            or not np.isfinite(snr_db) or not -20 <= snr_db <= 60:
        raise BadSnr(f"snr_db must be a finite number in -20..60 dB, got {snr_db!r}")
    ps = signal_power(xa)
    if ps <= 0:
        raise BadSignal("x is constant: its power is 0, so no SNR can be defined")
    v = noise(kind, int(xa.size), fs, seed, record, mains)
    scale = np.sqrt(ps / 10.0 ** (snr_db / 10.0))
    yf = np.rint(xa.astype(np.float64) + scale * v)
    y = np.clip(yf, ADC_MIN, ADC_MAX).astype(np.int16)
    e = y.astype(np.float64) - xa
    rails = (y == ADC_MIN) | (y == ADC_MAX)
    was = (xa == ADC_MIN) | (xa == ADC_MAX)
    info = {"snr_db": float(snr_db), "snr_realised_db": float(10 * np.log10(ps / np.mean(e * e))),
            "saturated": int(np.sum(rails & ~was)), "noise_rms": float(scale)}
    return y, info
