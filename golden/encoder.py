# SPDX-License-Identifier: Apache-2.0
"""Bit-exact golden model of the adaptive multi-threshold spike encoder.

The contract is docs/encoder.md; the RTL is rtl/encoder/spike_encoder.v.  Two
views of the same arithmetic live here:

* :func:`step` -- one stream sample at a time, including frame-length errors,
  saturation, the zero-gap substitution and the state that survives between
  beats.  The cocotb scoreboard feeds it from the input monitor.
* :func:`encode_beats` -- whole well-formed beats, vectorised over beats with
  integer numpy.  The bulk benchmark uses it; a unit test proves it equals the
  sample-by-sample model on real beats.

All numbers are integers in the formats of golden/formats.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from golden import formats as F
from golden.checks import entry, int_array, int_scalar

# Bit positions inside one spike element (m_axis_spk_tdata).
S_RISE, S_FALL, L_RISE, L_FALL = 0, 1, 2, 3


@dataclass(frozen=True)
class EncoderConfig:
    """Gaps and geometry.  ``substitute_zero`` models the RTL's answer to an
    illegal gap of 0 (use 1 and flag it) instead of raising."""

    delta_s: int
    delta_l: int
    beat_len: int = F.ENC_BEAT_LEN
    s_start: int = F.ENC_S_START
    s_len: int = F.ENC_S_LEN
    l_start: int = F.ENC_L_START
    l_len: int = F.ENC_L_LEN
    substitute_zero: bool = False

    def __post_init__(self):
        for name in ("delta_s", "delta_l", "beat_len", "s_start", "s_len", "l_start", "l_len"):
            int_scalar(getattr(self, name), f"encoder {name}")
        for name in ("delta_s", "delta_l"):
            v = getattr(self, name)
            if not F.ENC_DELTA.contains(v):
                raise ValueError(f"encoder {name}={v} outside {F.ENC_DELTA.describe()} "
                                 f"range {F.ENC_DELTA.min_code}..{F.ENC_DELTA.max_code}")
            if v == 0 and not self.substitute_zero:
                raise ValueError(f"encoder {name}=0 is illegal: a gap must be >= 1 "
                                 f"(the RTL substitutes 1 and sets stat_cfg_err)")
        if self.s_start < 1 or self.l_start < 1:
            raise ValueError("encoder regions must start at index >= 1 (the reference is "
                             "loaded from the preceding sample)")
        if self.s_start + self.s_len > self.beat_len or self.l_start + self.l_len > self.beat_len:
            raise ValueError("encoder region extends past the end of the beat")
        if self.beat_len > 256:
            raise ValueError("beat_len > 256 does not fit the 8-bit sample index")

    @property
    def slots(self) -> int:
        return 2 * self.s_len + 2 * self.l_len


@dataclass
class EncoderState:
    """Everything the RTL keeps between samples (reset values as defaults)."""

    ref_s: int = 0
    ref_l: int = 0
    index: int = 0            # index of the next sample within the frame
    dropping: bool = False    # discarding samples up to the next tlast
    frame: int = 0            # frames ended since reset (16-bit wrap)
    delta_s: int = 1          # gaps latched at sample 0
    delta_l: int = 1
    cfg_err: bool = False     # sticky
    slots: np.ndarray = field(default_factory=lambda: np.zeros(F.ENC_SLOTS, dtype=np.uint8))
    nspk: int = 0

    def copy(self) -> "EncoderState":
        return replace(self, slots=self.slots.copy())


@dataclass(frozen=True)
class SampleOut:
    """What the RTL emits for one accepted sample (None fields: nothing emitted)."""

    emitted: bool             # a spike-stream element and a trace entry exist
    spk: int = 0              # {l_fall, l_rise, s_fall, s_rise}
    index: int = 0
    err: bool = False
    last: bool = False
    step: int = 0             # trace step (frame counter before this sample)
    ref_s: int = 0            # after the sample
    ref_l: int = 0
    sat: bool = False
    len_err: bool = False
    beat: "BeatOut | None" = None


@dataclass(frozen=True)
class BeatOut:
    slots: np.ndarray         # uint8[500], slot s is bit s of m_beat_slots
    nspk: int

    def as_int(self) -> int:
        return int("".join(str(int(b)) for b in self.slots[::-1]), 2)


def _channel(x: int, ref: int, delta: int, i: int, start: int, length: int):
    """One send-on-delta channel for one sample -> (rise, fall, new_ref, active)."""
    if i == start - 1:
        return 0, 0, x, False
    if start <= i < start + length:
        d = x - ref
        rise = int(d >= delta)
        fall = int(d <= -delta)
        return rise, fall, (x if (rise or fall) else ref), True
    return 0, 0, ref, False


def _stream_word(word, name):
    return int_scalar(word, name, F.STREAM_SAMPLE.min_code, F.STREAM_SAMPLE.max_code)


def step(state: EncoderState, word: int, last: bool, cfg: EncoderConfig):
    """Advance the encoder by one accepted stream word.

    ``word`` is the s_axis_tdata value as a signed integer of the 16-bit stream
    format (STREAM_SAMPLE); it is saturated to 12 bits (``sat``).  A value
    outside the stream format, or a non-integer, raises (it cannot be a
    stream word).  Returns ``(new_state, SampleOut)``; ``state`` is not modified.
    """
    s = state.copy()
    word = _stream_word(word, "word")
    x = F.ECG_SAMPLE.saturate(word)
    sat = x != word

    if s.dropping:
        if last:
            s.dropping = False
            s.index = 0
        return s, SampleOut(emitted=False)

    i = s.index
    if i == 0:
        ds, dl = cfg.delta_s, cfg.delta_l
        if ds == 0 or dl == 0:
            s.cfg_err = True
        s.delta_s, s.delta_l = max(ds, 1), max(dl, 1)
        s.nspk = 0

    srise, sfall, s.ref_s, s_act = _channel(x, s.ref_s, s.delta_s, i, cfg.s_start, cfg.s_len)
    lrise, lfall, s.ref_l, l_act = _channel(x, s.ref_l, s.delta_l, i, cfg.l_start, cfg.l_len)
    spk = srise | (sfall << 1) | (lrise << 2) | (lfall << 3)
    if s_act:
        k = i - cfg.s_start
        s.slots[2 * k], s.slots[2 * k + 1] = srise, sfall
    if l_act:
        k = i - cfg.l_start
        s.slots[2 * cfg.s_len + 2 * k], s.slots[2 * cfg.s_len + 2 * k + 1] = lrise, lfall
    s.nspk += srise + sfall + lrise + lfall

    at_end = i == cfg.beat_len - 1
    err = bool(last) != at_end
    out_last = bool(last) or at_end
    beat = None
    step_no = s.frame
    if out_last:
        if not err:
            beat = BeatOut(slots=s.slots[: cfg.slots].copy(), nspk=s.nspk)
        s.frame = (s.frame + 1) & 0xFFFF
        s.index = 0
        s.dropping = at_end and not last
    else:
        s.index = i + 1
    return s, SampleOut(emitted=True, spk=spk, index=i, err=err, last=out_last, step=step_no,
                        ref_s=s.ref_s, ref_l=s.ref_l, sat=sat, len_err=err, beat=beat)


def encode_beat(samples, cfg: EncoderConfig, state: EncoderState | None = None):
    """Encode one well-formed beat with :func:`step`.

    Returns ``(state, spk[beat_len], ref_s[beat_len], ref_l[beat_len], BeatOut)``.
    """
    samples = int_array(samples, "samples", F.STREAM_SAMPLE.min_code, F.STREAM_SAMPLE.max_code,
                        shape=(cfg.beat_len,))
    state = state or EncoderState()
    spk = np.zeros(cfg.beat_len, dtype=np.uint8)
    rs = np.zeros(cfg.beat_len, dtype=np.int64)
    rl = np.zeros(cfg.beat_len, dtype=np.int64)
    beat = None
    for i, w in enumerate(samples):
        state, o = step(state, int(w), i == cfg.beat_len - 1, cfg)
        spk[i], rs[i], rl[i] = o.spk, o.ref_s, o.ref_l
        beat = o.beat or beat
    return state, spk, rs, rl, beat


@dataclass(frozen=True)
class BeatsResult:
    """Vectorised encoding of N back-to-back well-formed beats after a reset."""

    spk: np.ndarray      # uint8 [N, beat_len]
    ref_s: np.ndarray    # int16 [N, beat_len], after each sample
    ref_l: np.ndarray    # int16 [N, beat_len]
    slots: np.ndarray    # uint8 [N, slots]
    nspk: np.ndarray     # int32 [N]
    sat: np.ndarray      # bool  [N, beat_len]


def _channel_vec(x, delta, start, length, n):
    """Vectorised channel over beats; returns rise/fall [n, length], ref trace [n, beat_len]."""
    ref = x[:, start - 1].copy()
    rise = np.zeros((n, length), dtype=np.uint8)
    fall = np.zeros((n, length), dtype=np.uint8)
    trace = np.zeros((n, x.shape[1]), dtype=np.int64)
    trace[:, start - 1] = ref
    for k in range(length):
        xi = x[:, start + k]
        d = xi - ref
        r = d >= delta
        f = d <= -delta
        rise[:, k], fall[:, k] = r, f
        ref = np.where(r | f, xi, ref)
        trace[:, start + k] = ref
    # after the region the reference holds; before the load it holds the
    # previous beat's final value (0 for the first beat after reset)
    trace[:, start + length:] = ref[:, None]
    prev = np.concatenate([[0], ref[:-1]])
    trace[:, : start - 1] = prev[:, None]
    return rise, fall, trace


def encode_beats(x, cfg: EncoderConfig) -> BeatsResult:
    """Encode beats x[N, beat_len] (stream words) streamed back to back after a reset.

    ``x`` must be integer ADC codes in the 16-bit stream format (the same words
    :func:`step` accepts): floats (millivolts, NaN, inf) raise TypeError, values
    outside STREAM_SAMPLE raise ValueError; in-range words beyond 12 bits
    saturate (``sat``), as in the RTL."""
    x = int_array(x, "x (beats of stream words)", F.STREAM_SAMPLE.min_code, F.STREAM_SAMPLE.max_code,
                  shape=(None, cfg.beat_len))
    n = x.shape[0]
    words = x
    xs = np.asarray(F.ECG_SAMPLE.saturate(words), dtype=np.int64).reshape(n, cfg.beat_len)
    sat = xs != np.asarray(words).reshape(n, cfg.beat_len)
    ds, dl = max(cfg.delta_s, 1), max(cfg.delta_l, 1)
    sr, sf, rs = _channel_vec(xs, ds, cfg.s_start, cfg.s_len, n)
    lr, lf, rl = _channel_vec(xs, dl, cfg.l_start, cfg.l_len, n)
    spk = np.zeros((n, cfg.beat_len), dtype=np.uint8)
    spk[:, cfg.s_start:cfg.s_start + cfg.s_len] |= sr | (sf << 1)
    spk[:, cfg.l_start:cfg.l_start + cfg.l_len] |= (lr << 2) | (lf << 3)
    slots = np.zeros((n, cfg.slots), dtype=np.uint8)
    slots[:, 0:2 * cfg.s_len:2], slots[:, 1:2 * cfg.s_len:2] = sr, sf
    o = 2 * cfg.s_len
    slots[:, o::2], slots[:, o + 1::2] = lr, lf
    return BeatsResult(spk=spk, ref_s=rs.astype(np.int16), ref_l=rl.astype(np.int16), slots=slots,
                       nspk=slots.sum(axis=1).astype(np.int32), sat=sat)


def level_crossing_spikes(x, delta: int, every_level: bool = False) -> np.ndarray:
    """Baselines for comparison, spikes per beat over all samples of each beat
    (reference loaded from sample 0):

    * ``every_level=False``: a plain one-gap send-on-delta encoder with the same
      rule as one channel of ours (at most one spike per sample, the window
      re-centres on the sample that fired);
    * ``every_level=True``: a classic level-crossing encoder on a fixed grid of
      levels ``delta`` apart, one spike per level crossed (a steep QRS slope
      crossing k levels in one sample gives k spikes).
    """
    x = np.asarray(x, dtype=np.int64)
    ref = x[:, 0].copy()
    count = np.zeros(x.shape[0], dtype=np.int64)
    for i in range(1, x.shape[1]):
        d = x[:, i] - ref
        if every_level:
            k = np.abs(d) // delta
            count += k
            ref = ref + np.sign(d) * k * delta
        else:
            fired = (d >= delta) | (d <= -delta)
            count += fired
            ref = np.where(fired, x[:, i], ref)
    return count


def slots_to_timesteps(slots: np.ndarray) -> np.ndarray:
    """[..., 500] slots -> [..., 2, 250]: the two SNN timesteps of one beat."""
    return slots.reshape(*slots.shape[:-1], F.ENC_TIMESTEPS, F.ENC_SLOTS_PER_STEP)


PARAMS_FILE = Path(__file__).resolve().parent / "params" / "encoder.json"


def load_params(path=PARAMS_FILE) -> dict:
    """The committed gaps chosen by scripts/choose_deltas.py."""
    p = json.loads(Path(path).read_text())
    for k in ("delta_s", "delta_l"):
        entry(p, str(path), k)
        if not isinstance(p[k], int) or isinstance(p[k], bool) or not 1 <= p[k] <= F.ENC_DELTA.max_code:
            raise ValueError(f"{path}: {k}={p.get(k)!r} is not a legal gap (1..{F.ENC_DELTA.max_code})")
    return p


def default_config() -> EncoderConfig:
    p = load_params()
    return EncoderConfig(delta_s=p["delta_s"], delta_l=p["delta_l"])
