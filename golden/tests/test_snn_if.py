# SPDX-License-Identifier: Apache-2.0
"""Unit tests of the IF SNN golden model (docs/snn_if.md) and its exported banks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from golden import data as D
from golden import encoder as E
from golden import formats as F
from golden import rr as RR
from golden import snn_if as G

ROOT = Path(__file__).resolve().parents[2]
VMAX, VMIN = F.SNN_VMEM.max_code, F.SNN_VMEM.min_code


def bank(w1=None, w2=None, w3=None, b1=None, b2=None, b3=None, t1=10, t2=10, name="hand"):
    z = lambda *s: np.zeros(s, dtype=np.int64)  # noqa: E731
    return G.SnnParams(w1=z(G.N_H1, G.N_IN) if w1 is None else w1,
                       w2=z(G.N_H2, G.N_H1) if w2 is None else w2,
                       w3=z(G.N_OUT, G.N_H2) if w3 is None else w3,
                       b1=z(G.N_H1) if b1 is None else b1, b2=z(G.N_H2) if b2 is None else b2,
                       b3=z(G.N_OUT) if b3 is None else b3, theta1=t1, theta2=t2, name=name)


def random_bank(rng, name="rand"):
    return G.SnnParams(w1=rng.integers(-128, 128, (G.N_H1, G.N_IN)),
                       w2=rng.integers(-128, 128, (G.N_H2, G.N_H1)),
                       w3=rng.integers(-128, 128, (G.N_OUT, G.N_H2)),
                       b1=rng.integers(-200, 200, G.N_H1), b2=rng.integers(-400, 400, G.N_H2),
                       b3=rng.integers(-400, 400, G.N_OUT),
                       theta1=int(rng.integers(50, 400)), theta2=int(rng.integers(100, 2000)), name=name)


def beat(on0=(), on1=()):
    s = np.zeros(2 * G.N_IN, dtype=np.uint8)
    s[list(on0)] = 1
    s[[G.N_IN + i for i in on1]] = 1
    return s


@pytest.fixture(scope="module")
def real_slots():
    bs = D.load_beats()
    rng = np.random.default_rng(11)
    idx = np.sort(rng.choice(len(bs), 300, replace=False))
    return G.screen_inputs(E.encode_beats(bs.x[idx], E.default_config()).slots,
                           RR.rr_bits(bs.record, bs.sample)[idx])


# --------------------------------------------------------------------------- by hand

def test_initial_membrane_and_bias_double_presentation():
    b1 = np.zeros(G.N_H1, dtype=np.int64)
    b1[0] = 3
    p = bank(b1=b1, t1=11, t2=7)
    st = G.init_state(p)
    assert st.v1[0] == 5 and st.v2[0] == 3 and st.v3[0] == 0       # theta >> 1, output 0
    st, o = G.step(st, np.zeros(G.N_IN, dtype=np.uint8), p)
    # v = 5 + (0 + 3) << 1 = 11 >= theta 11 -> one spike, v = 0
    assert o.l1.v_pre[0] == 11 and o.l1.count[0] == 1 and st.v1[0] == 0
    assert o.l1.count[1] == 0 and st.v1[1] == 5                      # no bias, no input
    assert o.events == 0 + 1 * G.N_H2                                # one layer-1 spike x fan-out 64


def test_two_spike_case_and_residue():
    w1 = np.zeros((G.N_H1, G.N_IN), dtype=np.int64)
    w1[0, 7] = 13
    w1[0, 8] = -2
    p = bank(w1=w1, t1=10)
    st = G.init_state(p)                         # v = 5
    st, o = G.step(st, beat(on0=[7, 8])[:G.N_IN], p)
    # I = 11, v = 5 + 22 = 27 >= 20 -> 2 spikes, v = 7
    assert o.l1.current[0] == 11 and o.l1.v_pre[0] == 27
    assert o.l1.count[0] == 2 and st.v1[0] == 7
    st, o = G.step(st, np.zeros(G.N_IN, dtype=np.uint8), p)
    assert o.l1.count[0] == 0 and st.v1[0] == 7                     # residue kept, no leak
    assert o.l1.events == 0


def test_count_of_two_adds_weight_shifted():
    w1 = np.zeros((G.N_H1, G.N_IN), dtype=np.int64)
    w1[3, 0] = 30                                  # layer-1 neuron 3 fires 2 spikes
    w2 = np.zeros((G.N_H2, G.N_H1), dtype=np.int64)
    w2[5, 3] = -7
    w2[6, 3] = 9
    w3 = np.zeros((G.N_OUT, G.N_H2), dtype=np.int64)
    w3[1, 6] = 4
    w3[0, 5] = 1
    p = bank(w1=w1, w2=w2, w3=w3, t1=10, t2=100)
    st, o = G.step(G.init_state(p), beat(on0=[0])[:G.N_IN], p)
    assert o.l1.count[3] == 2
    assert o.l2.current[5] == -14 and o.l2.current[6] == 18        # w << 1
    assert o.l2.v_pre[6] == 50 + 36 and o.l2.count[6] == 0
    # output: I = 0 (no layer-2 spikes) -> v3 stays 0
    assert np.all(o.l3.v == 0)
    assert o.events == 1 * G.N_H1 + 1 * G.N_H2                       # 1 input spike, 1 active layer-1 neuron


def test_saturation_positive_and_negative():
    w1 = np.zeros((G.N_H1, G.N_IN), dtype=np.int64)
    w1[0, :] = 127
    w1[1, :] = -128
    t1 = F.SNN_THETA.max_code                      # 16383: 2*theta = 32766 fits
    p = bank(w1=w1, t1=t1)
    st = G.init_state(p)
    st, o = G.step(st, np.ones(G.N_IN, dtype=np.uint8), p)
    # neuron 0: 8191 + 2*31750 = 71691 -> saturates at 32767 -> 2 spikes, v = 1
    assert o.l1.sat[0] and o.l1.v_pre[0] == VMAX and o.l1.count[0] == 2 and st.v1[0] == 1
    # neuron 1: 8191 - 64000 -> saturates at -32768, no spike
    assert o.l1.sat[1] and o.l1.v_pre[1] == VMIN and o.l1.count[1] == 0 and st.v1[1] == VMIN
    assert not o.l1.sat[2]
    st, o = G.step(st, np.ones(G.N_IN, dtype=np.uint8), p)
    assert o.l1.v_pre[1] == VMIN and o.l1.sat[1]                    # stays pinned
    r = G.run_beat(np.ones(2 * G.N_IN, dtype=np.uint8), p)
    v = G.run_beats(np.ones((1, 2 * G.N_IN), dtype=np.uint8), p)
    assert r.sat == 4 and v.sat1.sum() == 4 and v.sat_any[0]


def test_output_saturation_and_argmax_ties():
    p = bank(b3=np.array([5, 5]))
    r = G.run_beat(beat(), p)
    assert r.v3.tolist() == [20, 20] and r.cls == 0                 # tie -> lower index
    p = bank(b3=np.array([5, 6]))
    assert G.run_beat(beat(), p).cls == 1
    # both outputs saturate: tie at VMAX -> class 0, even though class 1 "wanted" more
    big = F.SNN_BIAS.max_code
    p = bank(b3=np.array([big - 1, big]))
    r = G.run_beat(beat(), p)
    assert r.v3.tolist() == [VMAX, VMAX] and r.cls == 0
    assert G.run_beats(beat()[None], p).cls[0] == 0
    assert G.argmax_low([3, 3]) == 0 and G.argmax_low([2, 3]) == 1


def test_bad_inputs_rejected():
    p = bank()
    st = G.init_state(p)
    with pytest.raises(ValueError):
        G.step(st, np.full(G.N_IN, 2), p)                           # slots are bits
    with pytest.raises(ValueError):
        G.step(st, np.zeros(G.N_IN + 1, np.int64), p)
    st, _ = G.step(st, np.zeros(G.N_IN, np.int64), p)
    st, _ = G.step(st, np.zeros(G.N_IN, np.int64), p)
    with pytest.raises(ValueError):
        G.step(st, np.zeros(G.N_IN, np.int64), p)                     # only 2 passes per beat
    with pytest.raises(ValueError):
        bank(t1=0)
    with pytest.raises(ValueError):
        bank(t1=F.SNN_THETA.max_code + 1)
    w = np.zeros((G.N_H1, G.N_IN), dtype=np.int64)
    w[0, 0] = 128
    with pytest.raises(ValueError):
        bank(w1=w)
    with pytest.raises(ValueError):
        bank(w1=np.zeros((G.N_IN, G.N_H1), dtype=np.int64))


def _const_bank(cls, name):
    return bank(b3=np.array([0, 1]) if cls else np.array([1, 0]), name=name)


@pytest.mark.parametrize("c1,c2,c3,sev,stages", [
    (0, 1, 1, 0, 1), (1, 0, 1, 1, 2), (1, 1, 0, 2, 3), (1, 1, 1, 3, 3), (0, 0, 0, 0, 1)])
def test_cascade_routing(c1, c2, c3, sev, stages, real_slots):
    # every bank sees the same beat; events differ per bank only through the
    # weights, so make them distinguishable with layer-1 biases
    banks = {"sev1": _const_bank(c1, "s1"), "sev2": _const_bank(c2, "s2"), "sev3": _const_bank(c3, "s3")}
    slots = real_slots[:20]
    for s in slots:
        got_sev, got_stages, ev, runs = G.cascade(s, banks)
        assert (got_sev, got_stages, len(runs)) == (sev, stages, stages)
        assert ev == sum(r.events for r in runs) == stages * int(s.sum()) * G.N_H1
    c = G.cascade_beats(slots, banks)
    assert np.all(c.severity == sev) and np.all(c.stages == stages)
    assert np.array_equal(c.events, stages * slots.sum(1) * G.N_H1)


# --------------------------------------------------------------------------- vectorised == per-beat

def _compare(slots, p):
    v = G.run_beats(slots, p, chunk=128)
    for k, s in enumerate(slots):
        r = G.run_beat(s, p)
        for t, o in enumerate(r.steps):
            assert np.array_equal(o.l1.v, v.v1[k, t]) and np.array_equal(o.l1.v_pre, v.v1_pre[k, t])
            assert np.array_equal(o.l2.v, v.v2[k, t]) and np.array_equal(o.l2.v_pre, v.v2_pre[k, t])
            assert np.array_equal(o.l3.v, v.v3[k, t])
            assert np.array_equal(o.l1.count, v.c1[k, t]) and np.array_equal(o.l2.count, v.c2[k, t])
            assert np.array_equal(o.l1.sat, v.sat1[k, t]) and np.array_equal(o.l2.sat, v.sat2[k, t])
            assert np.array_equal(o.l3.sat, v.sat3[k, t])
        assert r.cls == v.cls[k] and r.events == v.events[k]
    return v


def test_vectorised_equals_per_beat_random_bank(real_slots):
    rng = np.random.default_rng(5)
    p = random_bank(rng)
    v = _compare(real_slots, p)
    # the random bank exercises firing, 2-spike counts and both classes
    assert (v.c1 == 2).any() and (v.c2 >= 1).any()
    # and saturation, with large weights and a small threshold
    b1 = p.b1.copy()
    b1[::2] = 12000                                  # half the neurons saturate, half do not
    p2 = G.SnnParams(w1=np.full((G.N_H1, G.N_IN), 127), w2=p.w2, w3=p.w3, b1=b1, b2=p.b2, b3=p.b3,
                     theta1=3, theta2=p.theta2)
    v2 = _compare(real_slots[:40], p2)
    assert v2.sat1.any()


@pytest.mark.skipif(not (G.PARAMS_DIR / "snn_if.json").exists(), reason="no exported banks")
def test_vectorised_equals_per_beat_exported_banks(real_slots):
    for split in G.SPLITS:
        _compare(real_slots[:150], G.load_bank(split, "binary"))
    _compare(real_slots[150:], G.load_bank("intra", "sev1"))


# --------------------------------------------------------------------------- memory image

def test_pack_unpack_roundtrip_extremes(tmp_path):
    rng = np.random.default_rng(3)
    p = random_bank(rng)
    w1 = p.w1.copy()
    w1[0, 0], w1[143, 249] = -128, 127
    b1 = p.b1.copy()
    b1[0], b1[143] = F.SNN_BIAS.min_code, F.SNN_BIAS.max_code
    p = G.SnnParams(w1=w1, w2=p.w2, w3=p.w3, b1=b1, b2=p.b2, b3=p.b3,
                    theta1=F.SNN_THETA.max_code, theta2=1)
    words = G.pack_bank(p)
    assert len(words) == G.IMAGE_WORDS and all(0 <= w < 1 << G.WORD_BITS for w in words)
    # documented addresses: input slot i's weights to neurons 16g..16g+15 at i*9+g, lane = n%16
    assert (words[G.ADDR_W1 + 0] & 0xFF) == (-128 & 0xFF)
    assert (words[G.ADDR_W1 + 249 * 9 + 8] >> (8 * 15)) & 0xFF == 127
    assert words[G.ADDR_W2 + 7 * 4 + 2] >> (8 * 3) & 0xFF == p.w2[35, 7] & 0xFF
    assert words[G.ADDR_B1] & 0xFFFF == F.SNN_BIAS.min_code & 0xFFFF
    assert words[G.ADDR_PARAM] == F.SNN_THETA.max_code | (1 << 16)
    G.write_hex(tmp_path / "b.hex", words, "comment line\nsecond")
    q = G.unpack_bank(G.read_hex(tmp_path / "b.hex"))
    for k in ("w1", "w2", "w3", "b1", "b2", "b3"):
        assert np.array_equal(getattr(p, k), getattr(q, k)), k
    assert (q.theta1, q.theta2) == (p.theta1, p.theta2)
    lines = (tmp_path / "b.hex").read_text().splitlines()
    assert lines[0].startswith("//") and all(len(x) == 32 for x in lines[2:])
    bad = list(words)
    bad[G.ADDR_W3] |= 1 << 100                        # unused lane of a w3 word
    with pytest.raises(ValueError):
        G.unpack_bank(bad)
    with pytest.raises(ValueError):
        G.unpack_bank(words[:-1])


@pytest.mark.skipif(not (G.PARAMS_DIR / "snn_if.json").exists(), reason="no exported banks")
def test_exported_artefacts():
    meta = G.load_meta()
    assert not meta["smoke"]
    total = 0
    for split in G.SPLITS:
        for b in G.BANKS:
            p = G.load_bank(split, b)
            m = meta["models"][split][b]
            assert p.w1.shape == (144, 261) and p.w2.shape == (64, 144) and p.w3.shape == (2, 64)
            assert 1 <= p.theta1 <= F.SNN_THETA.max_code and 1 <= p.theta2 <= F.SNN_THETA.max_code
            for k in ("w1", "w2", "w3"):
                a = getattr(p, k)
                assert a.min() >= -128 and a.max() <= 127 and m["ranges"][k] == [a.min(), a.max()]
            for k in ("b1", "b2", "b3"):
                assert np.all(F.SNN_BIAS.contains(getattr(p, k)))
            total += (G.PARAMS_DIR / G.hex_name(split, b)).stat().st_size
    total += (G.PARAMS_DIR / "snn_if.json").stat().st_size
    assert total < 1_000_000
    assert meta["layout"]["words"] == G.IMAGE_WORDS
    assert meta["formats"]["SNN_VMEM"]["width"] == F.SNN_VMEM.width
    for split in G.SPLITS:
        assert {"binary", "cascade"} <= set(meta["results"][split])


# --------------------------------------------------------------------------- smoke training

def test_smoke_training_end_to_end(tmp_path):
    """scripts/train_snn_if.py --smoke: a few hundred beats, one epoch, every
    bank exported and loadable (well under 60 s)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_snn_if as T
    assert T.main(["--smoke", "--out", str(tmp_path)]) == 0
    meta = json.loads((tmp_path / "snn_if.json").read_text())
    assert meta["smoke"] and meta["seed"] == 2025
    banks = G.load_split("intra", tmp_path)
    assert set(banks) == set(G.BANKS)
    assert {"binary", "cascade"} <= set(meta["results"]["inter"])
    bs = D.load_beats(records=T.SMOKE_RECORDS)
    slots = G.screen_inputs(E.encode_beats(bs.x[:50], E.default_config()).slots,
                            RR.rr_bits(bs.record, bs.sample)[:50])
    c = G.cascade_beats(slots, banks)
    assert c.severity.min() >= 0 and c.severity.max() <= 3
