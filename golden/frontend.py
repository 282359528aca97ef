# SPDX-License-Identifier: Apache-2.0
"""Streaming integer front end and R-peak detector (docs/frontend.md, issue 15).

Bit-exact golden model for the RTL front end.  Input: one lead of ADC codes
relative to the ADC zero, s11 (``-1024 .. 1023``), at 360 Hz (MIT-BIH MLII as
``golden.data.read_record`` gives it).  Integer arithmetic only; every
register width is stated beside it and either saturates or is bounded by the
input range (bounds derived in the comments and in docs/frontend.md).

Filter chain (n = sample index, zero initial state):

1. mains notch, run-time coefficient C (``NOTCH_C60 = 256`` or ``NOTCH_C50 = 329``)
   ``u[n] = 256 x[n] - C x[n-1] + 256 x[n-2]``                       s21
   zeros at exp(+-j w0), 2 cos w0 = C / 256: exactly 60 Hz for C = 256
   (2 cos(pi/3) = 1); 50.016 Hz for C = 329 (no integer FIR can null 50 Hz
   at 360 Hz without also nulling 10 Hz, see docs/frontend.md).
2. muscle low-pass, two cascaded 8-sample moving sums, then a floor shift
   ``s1 = sum_{k<8} u[n-k]`` (s24), ``s2 = sum_{k<8} s1[n-k]`` (s27),
   ``f[n] = s2[n] >> 14`` (s13; DC gain 1 in 60 Hz mode, 183/256 in 50 Hz mode).
3. baseline removal, 256-sample (711 ms) moving average subtracted from the
   centre sample: ``a = sum_{k<256} f[n-k]`` (s21), ``base = a >> 8`` (s13),
   ``b[n] = f[n-128] - base[n]`` (s14).  ``b`` is the front-end output stream.

Detector (Pan-Tompkins family, on f):

* derivative ``d[n] = 2 f[n] + f[n-1] - f[n-3] - 2 f[n-4]`` (s16),
* squaring saturated to u20: ``q = min(d*d, 2**20 - 1)``,
* moving-window integration over 54 samples (150 ms): ``m = sum_{k<54} q[n-k]`` (u26),
* peaks of m: the running maximum since the last valley; a peak is declared
  when no larger value has come for ``PEAK_HOLD`` = 72 samples (200 ms),
  which also enforces the 200 ms refractory period,
* adaptive thresholds: ``TH1 = NPK + ((SPK - NPK) >> 2)``, ``TH2 = TH1 >> 1``,
  ``SPK += (p - SPK) >> 3`` on a QRS, ``NPK += (p - NPK) >> 3`` on noise
  (u26); m peaks before ``SETTLE`` = 74 samples (the filters' start-up
  transient) are ignored; learning over the first ``LEARN`` = 720 samples (2 s) sets
  ``SPK = max(m) >> 1`` and ``NPK = (sum m) >> 13`` and then classifies the
  peaks found during learning,
* T-wave rule: a peak above TH1 within 360 ms of the last QRS whose largest
  |d| is below half that of the last QRS is noise,
* a QRS updates SPK with ``min(p, 2 * SPK)``; while overdue (no QRS for the
  search-back time) every noise peak halves SPK,
* search-back: when no QRS has come for ``RR_avg * 53 / 32`` (1.66 RR) the
  largest noise peak at least 360 ms after the last QRS is taken as a QRS if
  it is above TH2 (``SPK += (p - SPK) >> 2``),
* RR average u16.3: ``A += rr - (A >> 3)``, RR_avg = A >> 3.
* the R-peak position is refined to the maximum of ``|f[k] - base|`` for k in
  ``[i - REF_BACK, i - REF_FWD]`` (i = the peak of m, base = base[i]; the
  first maximum wins), reported in input-sample time ``k - F_DELAY`` (the
  filters' group delay, 8 samples).

Latency: a QRS whose m-peak is at i is emitted at sample i + 72 (or at the
search-back moment; peaks found during learning at sample 720); see
:data:`LATENCY` and docs/frontend.md.

``step(state, x)`` processes one sample and returns the refined R-peak
indices emitted at that sample; :func:`run` does a whole record with the
filters vectorised (numpy cumulative sums) and the same decision logic
(``_Detector``); the two are equal (golden/tests/test_frontend.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from golden import formats as _F

_C = _F.FE_CONSTANTS         # the one definition (golden/formats.py -> rtl/common/ecg_formats.vh)
FS = 360                     # Hz, the only rate accepted
X_MIN, X_MAX = _F.FE_X.min_code, _F.FE_X.max_code   # s11 ADC codes relative to ADC zero
NOTCH_C60 = _C["FE_NOTCH_C60"]     # 2 cos(2 pi 60 / 360) * 256 = 256 exactly
NOTCH_C50 = _C["FE_NOTCH_C50"]     # round(2 cos(2 pi 50 / 360) * 256) = round(329.11)
NOTCH_GAIN_SHIFT = _C["FE_NOTCH_SHIFT"]   # the notch taps are scaled by 2**8
LP_LEN = _C["FE_LP_LEN"]           # each of the two moving sums
LP_SHIFT = _C["FE_LP_SHIFT"]       # 8 (notch) + 3 + 3 (two sums of 8)
BASE_LEN = _C["FE_BASE_LEN"]       # baseline moving average (711 ms)
BASE_SHIFT = _C["FE_BASE_SHIFT"]
BASE_DELAY = _C["FE_BASE_DELAY"]   # centre sample of the baseline window
Q_MAX = _F.FE_Q.max_code           # squaring saturates to u20
MWI_LEN = _C["FE_MWI_LEN"]         # 150 ms
PEAK_HOLD = _C["FE_PEAK_HOLD"]     # 200 ms: a peak is final when nothing larger comes within it
LEARN = _C["FE_LEARN"]             # 2 s learning
LEARN_MAX = _C["FE_LEARN_MAX"]     # peaks buffered during learning
LEARN_NPK_SHIFT = _C["FE_LEARN_NPK_SHIFT"]   # NPK = (sum m over learning) >> 13
TWAVE_WIN = _C["FE_TWAVE_WIN"]     # 360 ms
T_DSHIFT = _C["FE_T_DSHIFT"]       # T wave: largest |d| below last QRS's >> T_DSHIFT
SPK_CLIP = _C["FE_SPK_CLIP"]       # a peak updates SPK with at most SPK << SPK_CLIP (0: no clip)
OD_SHIFT = _C["FE_OD_SHIFT"]       # overdue (no QRS for the search-back time): SPK >>= OD_SHIFT per noise peak
TH_NUM = _C["FE_TH_NUM"]           # TH1 = NPK + (SPK - NPK) * TH_NUM / 16
SEARCHBACK_NUM = _C["FE_SEARCHBACK_NUM"]     # search back after RR_avg * 53 / 32 (1.656 RR)
SEARCHBACK_SHIFT = _C["FE_SEARCHBACK_SHIFT"]
RR_INIT = _C["FE_RR_INIT"]         # 0.8 s, the RR average before two QRS
RR_AVG_SHIFT = _C["FE_RR_AVG_SHIFT"]
RR_MAX = _F.FE_RR.max_code         # RR intervals saturate to u16
REF_BACK = _C["FE_REF_BACK"]       # refinement window on f, relative to the m peak
REF_FWD = _C["FE_REF_FWD"]
SETTLE = 2 + 2 * (LP_LEN - 1) + 4 + MWI_LEN   # 74: m peaks before this are start-up transient
F_DELAY = _C["FE_F_DELAY"]         # group delay of f behind x: notch 1 + two 8-sums 3.5 + 3.5
FBUF = PEAK_HOLD + REF_BACK + 1   # f samples kept for the refinement
assert SETTLE == _C["FE_SETTLE"], "FE_SETTLE in golden/formats.py disagrees with the filter lengths"
#: samples from the m peak to the emission of a threshold detection
LATENCY = PEAK_HOLD


class FrontEndError(ValueError):
    """Base of the front-end input errors."""


class SampleTypeError(FrontEndError, TypeError):
    """The samples are not integers (e.g. a float array)."""


class SampleRangeError(FrontEndError):
    """A sample lies outside the s11 ADC range -1024..1023."""


class SampleRateError(FrontEndError):
    """The sampling rate is not 360 Hz."""


class MainsError(FrontEndError):
    """The mains frequency is neither 50 nor 60 Hz."""


def notch_coefficient(mains: int) -> int:
    if mains == 60:
        return NOTCH_C60
    if mains == 50:
        return NOTCH_C50
    raise MainsError(f"mains must be 50 or 60 Hz, got {mains!r}")


def _check_fs(fs) -> None:
    if fs != FS:
        raise SampleRateError(f"sampling rate must be {FS} Hz, got {fs!r}; resample first")


def _check_samples(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise SampleTypeError(f"samples must be integer ADC codes, got dtype {a.dtype}")
    if a.ndim != 1:
        raise SampleTypeError(f"samples must be one-dimensional, got shape {a.shape}")
    if a.size and (int(a.min()) < X_MIN or int(a.max()) > X_MAX):
        bad = int(a.min()) if int(a.min()) < X_MIN else int(a.max())
        raise SampleRangeError(f"sample {bad} outside the s11 range {X_MIN}..{X_MAX}")
    return a.astype(np.int64)


def _check_sample(x) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise SampleTypeError(f"sample must be an integer ADC code, got {type(x).__name__} {x!r}")
    x = int(x)
    if x < X_MIN or x > X_MAX:
        raise SampleRangeError(f"sample {x} outside the s11 range {X_MIN}..{X_MAX}")
    return x


# Detector decisions, as logged by decision_trace() and carried by the RTL's trace port
# (TRC_FE_DEC: step = flags << 8 | code, value = the peak level p; docs/frontend_rtl.md).
DEC_LEARN_BUF = 1      # m peak declared during learning, buffered for classification at LEARN
DEC_LEARN_DROP = 2     # m peak declared during learning and ignored (before SETTLE or buffer full)
DEC_QRS = 3            # above TH1 and not a T wave: a QRS
DEC_TWAVE = 4          # above TH1 but rejected by the T-wave rule: noise
DEC_NOISE = 5          # at most TH1: noise
DEC_SEARCHBACK = 6     # the search-back candidate taken as a QRS
DEC_F_OVERDUE = 1      # flag: this noise peak halved SPK (no QRS for the search-back time)
DEC_F_LEARN = 2        # flag: a learning-phase peak classified at sample LEARN
#: peak-stream kinds (the RTL's m_axis_pk_tuser)
KIND_THRESHOLD, KIND_SEARCHBACK, KIND_LEARNING = 0, 1, 2


class _Detector:
    """Decision logic, one sample at a time (shared by :func:`step` and :func:`run`).

    Inputs per sample n: m[n] (u26), |d[n]| (u15), f[n] (s13), base[n] (s13).
    Registers (all integers): the peak tracker (pk u26, pk_i, pk_dmax u15,
    valid), the running max |d| since the last declaration (u15), SPK/NPK
    (u26), the last QRS (index, |d| max), the RR accumulator (u19 = u16.3),
    the search-back candidate, the learning max/sum (u26 / u36) and buffer,
    and a ring of the last FBUF f samples.
    """

    __slots__ = ("n", "pk", "pk_i", "pk_dmax", "valid", "dmax", "spk", "npk",
                 "last_i", "last_dmax", "n_qrs", "rr_acc", "sb_p", "sb_i", "sb_dmax",
                 "sb_pos", "lmax", "lsum", "lbuf", "fbuf", "pk_base", "events", "_from_lbuf")

    def __init__(self):
        self.n = 0
        self.pk = 0
        self.pk_i = -1
        self.pk_dmax = 0
        self.pk_base = 0
        self.valid = False
        self.dmax = 0
        self.spk = 0
        self.npk = 0
        self.last_i = -1
        self.last_dmax = 0
        self.n_qrs = 0
        self.rr_acc = RR_INIT << RR_AVG_SHIFT
        self.sb_p = 0
        self.sb_i = -1
        self.sb_dmax = 0
        self.sb_pos = 0
        self.lmax = 0
        self.lsum = 0
        self.lbuf = []
        self.fbuf = [0] * FBUF
        self.events = None        # a list: every decision is logged (decision_trace)
        self._from_lbuf = False

    def _refine(self, i: int, base: int) -> int:
        # called when the peak at i is declared (n = i + PEAK_HOLD): the ring holds
        # f[n - FBUF + 1 .. n], which covers k in [i - REF_BACK, i - REF_FWD]
        best_k, best_v = i - REF_BACK, -1
        for k in range(i - REF_BACK, i - REF_FWD + 1):
            if k < 0:
                continue
            v = abs(self.fbuf[k % FBUF] - base)
            if v > best_v:
                best_v, best_k = v, k
        return max(best_k - F_DELAY, 0)

    def _accept(self, p, i, dmax, pos, out, shift):
        p_in = p
        if self.n_qrs >= 1:
            rr = min(i - self.last_i, RR_MAX)
            if self.n_qrs == 1:
                self.rr_acc = rr << RR_AVG_SHIFT
            else:
                self.rr_acc += rr - (self.rr_acc >> RR_AVG_SHIFT)
        self.n_qrs = min(self.n_qrs + 1, 2)
        if SPK_CLIP and self.spk > 0:
            p = min(p, self.spk << SPK_CLIP)
        self.spk += (p - self.spk) >> shift
        self.last_i, self.last_dmax = i, dmax
        self.sb_p, self.sb_i = 0, -1
        out.append(pos)
        if self.events is not None:
            code = DEC_SEARCHBACK if shift == 2 else DEC_QRS
            self.events.append((self.n, code, p_in, DEC_F_LEARN if self._from_lbuf else 0, pos))

    def _classify(self, p, i, dmax, pos, out):
        th1 = self.npk + (((self.spk - self.npk) * TH_NUM) >> 4)
        since = i - self.last_i if self.last_i >= 0 else RR_MAX
        if p > th1 and not (since < TWAVE_WIN and dmax < (self.last_dmax >> T_DSHIFT)):
            self._accept(p, i, dmax, pos, out, 3)
            return
        if self.events is not None:
            twave = p > th1
            od = OD_SHIFT and self.last_i >= 0 and self.n - self.last_i > self._sb_limit()
            self.events.append((self.n, DEC_TWAVE if twave else DEC_NOISE, p,
                                (DEC_F_OVERDUE if od else 0) | (DEC_F_LEARN if self._from_lbuf else 0),
                                pos))
        self.npk += (p - self.npk) >> 3
        if OD_SHIFT and self.last_i >= 0 and self.n - self.last_i > self._sb_limit():
            self.spk >>= OD_SHIFT
        if since >= TWAVE_WIN and p > self.sb_p:
            self.sb_p, self.sb_i, self.sb_dmax, self.sb_pos = p, i, dmax, pos

    def _sb_limit(self) -> int:
        return ((self.rr_acc >> RR_AVG_SHIFT) * SEARCHBACK_NUM) >> SEARCHBACK_SHIFT

    def _th2(self) -> int:
        return (self.npk + (((self.spk - self.npk) * TH_NUM) >> 4)) >> 1

    def tick(self, m: int, dabs: int, f: int, base: int) -> list:
        n = self.n
        out = []
        self.fbuf[n % FBUF] = f
        self.dmax = max(self.dmax, dabs)
        declared = None
        if m > self.pk:
            self.pk, self.pk_i, self.valid, self.pk_base = m, n, True, base
        elif self.valid and n - self.pk_i >= PEAK_HOLD:
            declared = (self.pk, self.pk_i, self.dmax, self._refine(self.pk_i, self.pk_base))
            self.pk, self.pk_i, self.valid, self.dmax = m, n, False, 0
        elif not self.valid:
            self.pk, self.pk_i = m, n     # follow the falling edge down to the valley
        if n < LEARN:
            self.lmax = max(self.lmax, m)
            self.lsum += m
            if declared is not None and declared[1] >= SETTLE and len(self.lbuf) < LEARN_MAX:
                self.lbuf.append(declared)
                if self.events is not None:
                    self.events.append((n, DEC_LEARN_BUF, declared[0], 0, declared[3]))
            elif declared is not None and self.events is not None:
                self.events.append((n, DEC_LEARN_DROP, declared[0], 0, declared[3]))
        else:
            if n == LEARN:
                self.spk = self.lmax >> 1
                self.npk = self.lsum >> LEARN_NPK_SHIFT
                self._from_lbuf = True
                for pd in self.lbuf:
                    self._classify(*pd, out)
                self._from_lbuf = False
                self.lbuf = []
            if declared is not None:
                self._classify(*declared, out)
            if self.last_i >= 0 and self.sb_i >= 0 and self.sb_p > self._th2():
                if n - self.last_i > self._sb_limit():
                    self._accept(self.sb_p, self.sb_i, self.sb_dmax, self.sb_pos, out, 2)
        self.n = n + 1
        return out


@dataclass
class FrontEndState:
    """Explicit state of :func:`step`: filter delay lines and the detector registers."""

    c: int = NOTCH_C60
    x1: int = 0                        # x[n-1], x[n-2]
    x2: int = 0
    u_line: list = field(default_factory=lambda: [0] * LP_LEN)    # u[n-1..n-8]
    s1: int = 0                        # sum of u over 8
    s1_line: list = field(default_factory=lambda: [0] * LP_LEN)
    s2: int = 0
    f_line: list = field(default_factory=lambda: [0] * BASE_LEN)  # f[n-1..n-256]
    a: int = 0                         # sum of f over 256
    q_line: list = field(default_factory=lambda: [0] * MWI_LEN)
    m: int = 0                         # sum of q over 54
    det: _Detector = field(default_factory=_Detector)


def init_state(mains: int = 60) -> FrontEndState:
    return FrontEndState(c=notch_coefficient(mains))


def step(state: FrontEndState, x) -> tuple[int, int, tuple[int, ...]]:
    """One input sample: returns (f[n], b[n], refined R peaks emitted now); updates ``state``."""
    x = _check_sample(x)
    s = state
    u = (x << NOTCH_GAIN_SHIFT) - s.c * s.x1 + (s.x2 << NOTCH_GAIN_SHIFT)
    s.x2, s.x1 = s.x1, x
    s.s1 += u - s.u_line[-1]
    s.u_line = [u] + s.u_line[:-1]
    s.s2 += s.s1 - s.s1_line[-1]
    s.s1_line = [s.s1] + s.s1_line[:-1]
    f = s.s2 >> LP_SHIFT
    s.a += f - s.f_line[-1]
    base = s.a >> BASE_SHIFT
    b = s.f_line[BASE_DELAY - 1] - base
    d = 2 * f + s.f_line[0] - s.f_line[2] - 2 * s.f_line[3]
    s.f_line = [f] + s.f_line[:-1]
    q = min(d * d, Q_MAX)
    s.m += q - s.q_line[-1]
    s.q_line = [q] + s.q_line[:-1]
    peaks = s.det.tick(s.m, abs(d), f, base)
    return f, b, tuple(peaks)


def _msum(v: np.ndarray, n: int) -> np.ndarray:
    c = np.cumsum(v)
    out = c.copy()
    out[n:] -= c[:-n]
    return out


def _delay(v: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros_like(v)
    out[k:] = v[:len(v) - k]
    return out


@dataclass
class Result:
    f: np.ndarray        # s13 low-passed signal
    b: np.ndarray        # s14 baseline-removed output stream
    m: np.ndarray        # u26 moving-window integral
    peaks: np.ndarray    # refined R-peak sample indices (sorted)
    emitted: np.ndarray  # the sample at which each peak was emitted


def filters(x, mains: int = 60, c: int | None = None):
    """Vectorised filter chain: (f, base, b, d, m) as int64 arrays.  ``c``: a notch
    coefficient other than the mains setting's (the benches' corrupted model)."""
    c = notch_coefficient(mains) if c is None else int(c)
    x = _check_samples(x)
    u = (x << NOTCH_GAIN_SHIFT) - c * _delay(x, 1) + (_delay(x, 2) << NOTCH_GAIN_SHIFT)
    s2 = _msum(_msum(u, LP_LEN), LP_LEN)
    f = s2 >> LP_SHIFT
    base = _msum(f, BASE_LEN) >> BASE_SHIFT
    b = _delay(f, BASE_DELAY) - base
    d = 2 * f + _delay(f, 1) - _delay(f, 3) - 2 * _delay(f, 4)
    q = np.minimum(d * d, Q_MAX)
    m = _msum(q, MWI_LEN)
    return f, base, b, d, m


def run(x, fs=FS, mains: int = 60) -> Result:
    """Whole record: filters vectorised, the detector logic sample by sample."""
    _check_fs(fs)
    f, base, b, d, m = filters(x, mains)
    det = _Detector()
    peaks, emitted = [], []
    dabs = np.abs(d)
    for n, (mn, dn, fn, bn) in enumerate(zip(m.tolist(), dabs.tolist(), f.tolist(), base.tolist())):
        for p in det.tick(mn, dn, fn, bn):
            peaks.append(p)
            emitted.append(n)
    order = np.argsort(peaks, kind="stable")
    return Result(f=f, b=b, m=m, peaks=np.asarray(peaks, dtype=np.int64)[order],
                  emitted=np.asarray(emitted, dtype=np.int64)[order])


def detect(x, fs=FS, mains: int = 60) -> np.ndarray:
    """Refined R-peak sample indices of a whole record."""
    return run(x, fs, mains).peaks


@dataclass
class Decisions:
    """Every detector decision of a record, in order (decision_trace)."""

    n: np.ndarray        # sample at which the decision was taken
    code: np.ndarray     # DEC_* code
    p: np.ndarray        # the peak level (m) the decision was about
    flags: np.ndarray    # DEC_F_* flags
    pos: np.ndarray      # the peak's refined position (input-sample time)


def decision_trace(x, fs=FS, mains: int = 60, c: int | None = None) -> tuple[Result, Decisions]:
    """:func:`run` plus the log of every detector decision (the same _Detector, logging on);
    ``c`` as in :func:`filters`."""
    _check_fs(fs)
    f, base, b, d, m = filters(x, mains, c)
    det = _Detector()
    det.events = []
    peaks, emitted = [], []
    dabs = np.abs(d)
    for n, (mn, dn, fn, bn) in enumerate(zip(m.tolist(), dabs.tolist(), f.tolist(), base.tolist())):
        for p in det.tick(mn, dn, fn, bn):
            peaks.append(p)
            emitted.append(n)
    ev = np.asarray(det.events, dtype=np.int64).reshape(-1, 5)
    res = Result(f=f, b=b, m=m, peaks=np.asarray(peaks, dtype=np.int64),
                 emitted=np.asarray(emitted, dtype=np.int64))
    return res, Decisions(n=ev[:, 0], code=ev[:, 1], p=ev[:, 2], flags=ev[:, 3], pos=ev[:, 4])


def peak_kinds(dec: Decisions) -> np.ndarray:
    """KIND_* of every emitted peak, in emission order."""
    acc = (dec.code == DEC_QRS) | (dec.code == DEC_SEARCHBACK)
    kind = np.where(dec.code == DEC_SEARCHBACK, KIND_SEARCHBACK,
                    np.where(dec.flags & DEC_F_LEARN, KIND_LEARNING, KIND_THRESHOLD))
    return kind[acc]


def peak_rr(peaks) -> np.ndarray:
    """RR interval of every peak (emission order): the refined position minus the previous
    peak's, saturated to u16 (FE_RR); 0 for the first peak after a reset."""
    p = np.asarray(peaks, dtype=np.int64)
    rr = np.zeros(len(p), dtype=np.int64)
    if len(p) > 1:
        rr[1:] = np.minimum(np.diff(p), RR_MAX)
    return rr


#: samples by which the output stream b lags the input x: the low-pass group delay (8) plus the
#: baseline window's centre (128); a symmetric pulse centred at input sample c peaks in b at c + 136
B_DELAY = F_DELAY + BASE_DELAY


class WindowError(FrontEndError):
    """A beat window of the filtered stream falls outside the record."""


def filtered_windows(x, peaks, pre: int, post: int, mains: int = 60) -> np.ndarray:
    """Beat windows cut from the front end's output stream b instead of the raw samples.

    Row k is ``b[p_k + B_DELAY - pre : p_k + B_DELAY + post]`` for the input-time R peak p_k, so
    the R peak sits at index ``pre`` as in a raw window ``x[p_k - pre : p_k + post]``.  The record
    is followed by B_DELAY copies of its last sample (holding the input flushes the filters), so
    every peak whose raw window lies inside the record has a filtered one.  b is s14 (the encoder
    saturates its input to 12 bits, as in the RTL).  Returns int16 [len(peaks), pre + post]."""
    x = _check_samples(x)
    if x.size == 0:
        raise WindowError("empty record: no beat windows")
    pre, post = int(pre), int(post)
    if pre < 0 or post < 0 or pre + post == 0:
        raise WindowError(f"need pre >= 0, post >= 0, pre + post > 0 (got {pre}, {post})")
    p = np.asarray(peaks, dtype=np.int64).reshape(-1)
    if p.size and (int(p.min()) - pre < 0 or int(p.max()) + post > x.size):
        bad = int(p.min()) if int(p.min()) - pre < 0 else int(p.max())
        raise WindowError(f"peak {bad}: window -{pre}..+{post} leaves the record (0..{x.size - 1})")
    b = filtered_stream(x, mains)
    idx = p[:, None] + B_DELAY + np.arange(-pre, post, dtype=np.int64)[None, :]
    return b[idx].astype(np.int16)


def filtered_stream(x, mains: int = 60) -> np.ndarray:
    """The output stream b of a whole record followed by B_DELAY copies of its last sample
    (len(x) + B_DELAY values): b[p + B_DELAY] is the filtered signal at input sample p."""
    x = _check_samples(x)
    if x.size == 0:
        raise WindowError("empty record: no filtered stream")
    return filters(np.concatenate([x, np.full(B_DELAY, x[-1], dtype=np.int64)]), mains)[2]
