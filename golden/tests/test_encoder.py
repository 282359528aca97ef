# SPDX-License-Identifier: Apache-2.0
"""Unit tests of the encoder golden model (docs/encoder.md)."""

import numpy as np
import pytest

from golden import data as D
from golden import encoder as G
from golden import formats as F


@pytest.fixture(scope="module")
def beats():
    bs = D.load_beats()
    rng = np.random.default_rng(7)
    return bs.subset(np.sort(rng.choice(len(bs), 3000, replace=False)))


def test_vectorised_equals_stepwise_on_real_beats(beats):
    """The bulk model used by the benchmark equals the sample-by-sample model
    used by the scoreboard, value by value, over back-to-back beats."""
    cfg = G.default_config()
    sub = beats.x[:300]
    vec = G.encode_beats(sub, cfg)
    st = G.EncoderState()
    for k in range(len(sub)):
        st, spk, rs, rl, beat = G.encode_beat(sub[k], cfg, st)
        np.testing.assert_array_equal(spk, vec.spk[k])
        np.testing.assert_array_equal(rs, vec.ref_s[k])
        np.testing.assert_array_equal(rl, vec.ref_l[k])
        np.testing.assert_array_equal(beat.slots, vec.slots[k])
        assert beat.nspk == vec.nspk[k] == int(beat.slots.sum())


def test_rule_by_hand():
    cfg = G.EncoderConfig(delta_s=10, delta_l=50)
    x = np.zeros(F.ENC_BEAT_LEN, dtype=np.int64)
    x[29] = 5            # S reference load
    x[30] = 15           # +10 -> S rise, ref_s = 15
    x[31] = 6            # -9  -> nothing
    x[32] = 5            # -10 -> S fall, ref_s = 5
    x[69] = 0            # L reference load (S: -5 from 5, nothing)
    x[70:] = 0
    x[100] = 60          # S rise (+60 from 0... ref_s is 5 -> d=55) and L rise (d=60)
    x[101] = 0           # S fall, L fall
    _, spk, rs, rl, beat = G.encode_beat(x, cfg)
    assert spk[30] == 1 << G.S_RISE and rs[30] == 15
    assert spk[31] == 0 and rs[31] == 15
    assert spk[32] == 1 << G.S_FALL and rs[32] == 5
    assert spk[100] == (1 << G.S_RISE) | (1 << G.L_RISE) and rl[100] == 60
    assert spk[101] == (1 << G.S_FALL) | (1 << G.L_FALL) and rl[101] == 0 and rs[101] == 0
    # slot positions: S sample i -> 2*(i-30) (+1 falling); L sample j -> 380 + 2*(j-70)
    on = set(np.flatnonzero(beat.slots))
    assert on == {0, 5, 140, 143, 380 + 60, 380 + 63}
    assert beat.nspk == len(on)


def test_outside_regions_silent_and_refs_persist():
    cfg = G.EncoderConfig(delta_s=1, delta_l=1)
    x = np.arange(F.ENC_BEAT_LEN) * 3
    st, spk, rs, _, _ = G.encode_beat(x, cfg)
    assert not spk[:30].any() and not spk[220:].any()
    assert rs[219] == x[219] and (rs[220:] == x[219]).all()
    _, _, rs2, rl2, _ = G.encode_beat(x, cfg, st)
    assert (rs2[:29] == x[219]).all() and (rl2[:69] == x[129]).all()


def test_saturation_and_wrap():
    st = G.EncoderState()
    cfg = G.default_config()
    _, o = G.step(st, 32767, False, cfg)
    assert o.sat
    _, o = G.step(st, 2047, False, cfg)
    assert not o.sat
    _, o = G.step(st, -2049, False, cfg)
    assert o.sat
    with pytest.raises(ValueError, match="word=65541 outside -32768..32767"):
        G.step(st, 0x1_0005, False, cfg)        # not a 16-bit stream word: refused, never wrapped


def test_frame_length_errors():
    cfg = G.default_config()
    st = G.EncoderState()
    for i in range(10):
        st, o = G.step(st, 0, i == 9, cfg)
    assert o.err and o.last and o.beat is None and st.index == 0 and st.frame == 1
    for i in range(F.ENC_BEAT_LEN):
        st, o = G.step(st, 0, False, cfg)
    assert o.err and o.last and o.beat is None and st.dropping
    st, o = G.step(st, 0, False, cfg)
    assert not o.emitted and st.dropping
    st, o = G.step(st, 0, True, cfg)
    assert not o.emitted and not st.dropping and st.index == 0
    for i in range(F.ENC_BEAT_LEN):
        st, o = G.step(st, 0, i == F.ENC_BEAT_LEN - 1, cfg)
    assert not o.err and o.beat is not None and st.frame == 3


def test_zero_gap():
    with pytest.raises(ValueError, match="delta_s=0 is illegal"):
        G.EncoderConfig(delta_s=0, delta_l=5)
    with pytest.raises(ValueError, match="outside"):
        G.EncoderConfig(delta_s=2048, delta_l=5)
    cfg = G.EncoderConfig(delta_s=0, delta_l=5, substitute_zero=True)
    st, o = G.step(G.EncoderState(), 0, False, cfg)
    assert st.cfg_err and st.delta_s == 1


def test_level_crossing_baseline(beats):
    n = G.level_crossing_spikes(beats.x[:50], 26)
    assert n.shape == (50,) and (n > 0).all()


def test_params_committed():
    p = G.load_params()
    assert 1 <= p["delta_s"] < p["delta_l"]
