# SPDX-License-Identifier: Apache-2.0
"""Tests of the e-prop golden model (golden/eprop.py) against docs/eprop.md.

Hand-computed cases for every arithmetic rule, the step-wise (event-driven)
path against the vectorised paths on real beats in both modes, the memory
image, the RR sideband, the committed models, and a smoke training run.
"""

import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from golden import data as D
from golden import encoder as E
from golden import eprop as P
from golden import rr as RR
from golden import formats as F

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def real():
    bs = D.load_beats(records=("208", "232"))        # N, S (232), V and F (208) beats
    enc = E.encode_beats(bs.x, E.default_config())
    sb = P.rr_sideband(bs.record, bs.sample)
    x = P.beat_inputs(enc.spk, sb)
    y = D.nsvf_labels(bs.symbol)
    m = y >= 0
    # a spread of classes: take every 25th labelled beat plus all F and S of the first part
    idx = np.flatnonzero(m)
    pick = np.unique(np.concatenate([idx[::25][:80], idx[y[idx] == 1][:10], idx[y[idx] == 3][:10]]))
    return x[pick], y[pick]


def busy_params(seed=1, **cfg):
    """Random weights that make the hidden layer spike a lot (and saturate now and then)."""
    rng = np.random.default_rng(seed)
    w_in = rng.integers(-60, 128, (P.N_REC, P.N_IN))
    w_rec = rng.integers(-80, 90, (P.N_REC, P.N_REC))
    w_out = rng.integers(-127, 128, (P.N_OUT, P.N_REC))
    b_out = rng.integers(-300, 300, P.N_OUT)
    w_rec[:4] = -128          # driven far below zero by the others' spikes: negative saturation
    b_out[0] = 1500           # output 0 saturates at +32767 (leak 1/32: fixed point 48000)
    c = dict(y_pos=3000, y_neg=-500, lr_in=6, lr_rec=6, lr_out=4, t_err=20)
    c.update(cfg)
    return P.EpropParams(w_in, w_rec, w_out, b_out, P.EpropCfg(**c)).check()


def one_hot_params(**cfg):
    z = np.zeros
    return P.EpropParams(z((P.N_REC, P.N_IN), np.int64), z((P.N_REC, P.N_REC), np.int64),
                         z((P.N_OUT, P.N_REC), np.int64), z(P.N_OUT, np.int64), P.EpropCfg(**cfg))


# ---------------------------------------------------------------- arithmetic by hand
def test_leak_floor_shift():
    assert P.leak(17, 4) == 16          # 17 - 1
    assert P.leak(15, 4) == 15          # 15 >> 4 = 0: small positive values do not decay
    assert P.leak(-1, 4) == 0           # -1 >> 4 = -1 (floor)
    assert P.leak(-17, 4) == -15        # -17 - (-2)
    assert P.leak(32767, 4) == 32767 - 2047


def test_integrate_fire_reset_subtract():
    p = one_hot_params(theta=256)
    p.w_in[0, 3] = 100
    p.w_in[1, 3] = 127
    p.w_in[1, 4] = 29              # neuron 1 gets exactly theta at step 0
    p.w_in[2, 3] = -128
    x = np.zeros(P.N_IN, np.int64)
    x[3] = x[4] = 1
    st = P.init_state()
    st, o = P.step(st, x, p)
    assert o.cur[:3].tolist() == [100, 156, -128]
    p.w_in[1, 4] = 129 - 0         # not int8: check() must reject it
    with pytest.raises(ValueError):
        p.check()
    p.w_in[1, 4] = 127
    st = P.init_state()
    st, o = P.step(st, x, p)
    assert o.u[1] == 254 and o.z[1] == 0
    st2, o2 = P.step(st, x, p)
    # u = leak(254, 4) + 254 = 254 - 15 + 254 = 493 >= 256 -> fire, v = 493 - 256
    assert o2.u[1] == 493 and o2.z[1] == 1 and o2.v[1] == 237
    # neuron 0: 100 then 100 - 6 + 100 = 194, no spike; neuron 2: -128, then -128 + 8 - 128
    assert o2.u[0] == 194 and o2.u[2] == -248
    # the spike of step 1 enters the recurrent current of step 2 through W_rec[:, 1]
    p.w_rec[5, 1] = 77
    st3, o3 = P.step(st2, np.zeros(P.N_IN, np.int64), p)
    assert o3.cur[5] == 77


def test_threshold_is_inclusive_and_saturation():
    p = one_hot_params(theta=300)
    st = P.init_state()
    st.v[0], st.v[1], st.v[2] = 316, 32000, -32000     # leak(316)=297; +3 -> 300 fires
    p.w_in[0, 0], p.w_in[1, 0], p.w_in[2, 0] = 3, 127, -128
    p.w_in[1, 1], p.w_in[2, 1] = 127, -128
    x = np.zeros(P.N_IN, np.int64)
    x[0] = x[1] = 1
    for i in range(2, 2 + 20):      # 22 inputs: +2794 / -2816 on neurons 1, 2
        p.w_in[1, i], p.w_in[2, i] = 127, -128
        x[i] = 1
    st, o = P.step(st, x, p)
    assert o.u[0] == 300 and o.z[0] == 1 and o.v[0] == 0
    # 32000 - 2000 + 127*22 = 32794 -> saturates at 32767, fires, v = 32767 - 300
    assert o.u[1] == 32767 and o.z[1] == 1 and o.v[1] == 32467
    # -32000 + 2000 - 128*22 = -32816 -> -32768
    assert o.u[2] == -32768 and o.z[2] == 0 and o.v[2] == -32768
    assert o.sat_u == 2


def test_output_neuron_leak_bias_and_saturation():
    p = one_hot_params(theta=1, k_o=5)
    p.w_in[7, 0] = 5                     # neuron 7 fires every step
    p.w_out[:, 7] = [127, -128, 0, 10]
    p.b_out[:] = [0, 0, 100, -3]
    x = np.zeros(P.N_IN, np.int64)
    x[0] = 1
    st = P.init_state()
    st.y[:] = [32760, -32760, 64, -64]
    st, o = P.step(st, x, p)
    assert o.z[7] == 1
    # leak: 32760 - 1023 + 127; -32760 + 1024 - 128; 64 - 2 + 100; -64 + 2 + 10 - 3
    assert o.y.tolist() == [31864, -31864, 162, -55]
    st.y[:] = [32767, -32768, 0, 0]
    p.b_out[:] = [32767, -32768, 0, 0]
    st, o = P.step(st, x, p)
    assert o.y[0] == 32767 and o.y[1] == -32768 and o.sat_y == 2


def test_pseudo_derivative_lut():
    cfg = P.EpropCfg(theta=256, h_shift=5, lut=(15, 13, 11, 9, 7, 5, 3, 1))
    u = np.array([256, 287, 225, 288, 224, 480, 32767, -32768, 0])
    # |u - 256| >> 5 = 0, 0, 0 (31>>5), 1, 1, 7, ..., 8 -> clipped to 7
    assert P.lut_h(u, cfg).tolist() == [15, 15, 15, 13, 13, 1, 1, 1, 1]
    cfg2 = P.EpropCfg(theta=100, h_shift=3, lut=(1, 2, 3, 4, 5, 6, 7, 8))
    assert P.lut_h([100, 108, 91, 116, 140], cfg2).tolist() == [1, 2, 2, 3, 6]


def test_trace_filter():
    assert P.trace_update(0, 1, 4, 16) == 16
    assert P.trace_update(16, 0, 4, 16) == 15
    assert P.trace_update(15, 0, 4, 16) == 15          # 15 >> 4 = 0
    assert P.trace_update(255, 1, 4, 16) == 255        # 255 - 15 + 16 = 256 saturates
    assert P.trace_update(100, 1, 5, 16) == 100 - 3 + 16
    # zbar tracks the signal that entered this step: input bits and the previous step's spikes
    p = one_hot_params(theta=1)
    p.w_in[9, 0] = 1
    x = np.zeros(P.N_IN, np.int64)
    x[0] = 1
    st = P.init_state()
    st, o = P.step(st, x, p)
    assert o.zbar[0] == 16 and o.zbar[P.N_IN + 9] == 0 and o.zhat[9] == 16
    st, o = P.step(st, np.zeros(P.N_IN, np.int64), p)
    assert o.zbar[0] == 15 and o.zbar[P.N_IN + 9] == 16 and o.zhat[9] == 16 - 0


def test_error_one_sided_targets():
    cfg = P.EpropCfg(y_pos=4096, y_neg=0, e_shift=6)
    y = np.array([5000, 100, -50, 0])
    assert P.error_of(y, 0, cfg).tolist() == [0, 1, 0, 0]
    # label 1: (100 - 4096) >> 6 = floor(-62.44) = -63; class 0: 5000 >> 6 = 78
    assert P.error_of(y, 1, cfg).tolist() == [78, -63, 0, 0]
    y = np.array([32767, -32768, 0, 0])
    assert P.error_of(y, 1, cfg).tolist() == [127, -128, 0, 0]     # saturated to s8


def test_learning_signal_and_accumulation_by_hand():
    p = one_hot_params(theta=256, h_shift=5, t_err=0, y_pos=1000, y_neg=0, e_shift=0, g_shift=4,
                       tr_inc=16)
    p.w_in[0, 0] = 250          # neuron 0: u = 250 -> h = LUT[6>>5=0] = 15, no spike
    p.w_out[:, 0] = [10, -20, 30, 127]
    p.b_out[:] = [5, 0, 0, 0]   # y = [5, 0, 0, 0] after step 0
    x = np.zeros(P.N_IN, np.int64)
    x[0] = 1
    st = P.init_state()
    st, o = P.step(st, x, p, label=1)
    # err: class 1 -> min(0 - 1000, 0) = -1000 -> sat8 -> -128; class 0: 5; others 0
    assert o.err.tolist() == [5, -128, 0, 0]
    # L_0 = 10*5 + (-20)*(-128) = 2610; g_0 = sat8((2610*15) >> 4) = sat8(2446) = 127
    assert o.lsig[0] == 2610 and o.h[0] == 15 and o.g[0] == 127
    # neuron 1 has u = 0 -> h = LUT[7] = 1; L_1 = 0 (W_out[:,1] = 0) -> g = 0
    assert o.g[1] == 0
    # acc_in[0, 0] += g_0 * zbar_0 = 127 * 16; zhat = 0 (no spike) -> acc_out unchanged
    assert st.acc.a_in[0, 0] == 127 * 16 and st.acc.a_in[1, 0] == 0
    assert not st.acc.a_out.any()
    # outside the error window nothing accumulates
    q = P.with_cfg(p, t_err=5)
    st2, o2 = P.step(P.init_state(), x, q, label=1)
    assert not o2.err.any() and not st2.acc.a_in.any()


def test_negative_g_saturates_low():
    p = one_hot_params(theta=256, t_err=0, y_pos=0, y_neg=0, e_shift=0, g_shift=0)
    p.w_in[0, 0] = 256
    p.w_out[0, 0] = 127
    p.b_out[0] = 127
    x = np.zeros(P.N_IN, np.int64)
    x[0] = 1
    st, o = P.step(P.init_state(), x, p, label=1)
    # neuron 0 fires: y0 = 127 + 127 = 254 -> err0 = 127; L0 = 127*127 -> g0 = sat8(+) = 127
    assert o.err[0] == 127 and o.g[0] == 127
    p.w_out[0, 0] = -128
    p.b_out[0] = 300
    st, o = P.step(P.init_state(), x, p, label=1)
    assert o.err[0] == 127 and o.lsig[0] == -128 * 127 and o.g[0] == -128
    # readout accumulation: a_out[k, j] += err_k * zhat_j = 127 * 16
    assert st.acc.a_out[0, 0] == 127 * 16


def test_weight_application_rounding_residual_saturation():
    p = one_hot_params(lr_in=2, lr_rec=3, lr_out=0, learn_mask=0b111)
    p.w_in[0, 0], p.w_in[0, 1], p.w_in[0, 2], p.w_in[0, 3] = 126, -127, 10, 0
    p.w_rec[0, 0] = 5
    p.w_out[0, 0] = 127
    acc = P.LearnAcc.zeros()
    acc.a_in[0, :4] = [-5, 7, 3, -4]
    acc.a_rec[0, 0] = -9
    acc.a_out[0, 0] = -1
    q, a, d = P.apply_updates(p, acc)
    # -5 >> 2 = -2, residual -5 + 8 = 3; W = 126 + 2 -> 127 (clip)
    # 7 >> 2 = 1, residual 3; W = -127 - 1 -> -127 (never -128)
    # 3 >> 2 = 0, residual 3; -4 >> 2 = -1, residual 0
    assert d["w_in"][0, :4].tolist() == [-2, 1, 0, -1]
    assert a.a_in[0, :4].tolist() == [3, 3, 3, 0]
    assert q.w_in[0, :4].tolist() == [127, -127, 10, 1]
    assert (a.a_in >= 0).all() and (a.a_in < 4).all()
    # -9 >> 3 = -2, residual 7, W 5 -> 7; lr_out = 0: the whole accumulator is applied
    assert q.w_rec[0, 0] == 7 and a.a_rec[0, 0] == 7
    assert q.w_out[0, 0] == 127 and a.a_out[0, 0] == 0          # 127 + 1 -> clip
    # a disabled matrix keeps its weights and its accumulator
    q2, a2, _ = P.apply_updates(P.with_cfg(p, learn_mask=0b001), acc)
    assert q2.w_rec[0, 0] == 5 and a2.a_rec[0, 0] == -9 and q2.w_out[0, 0] == 127
    # the residual carries: 4 beats of -1 at lr 2 give exactly one step of -1
    w = P.with_cfg(p, learn_mask=0b001)
    acc = P.LearnAcc.zeros()
    applied = 0
    for _ in range(4):
        acc.a_in[5, 5] += 3
        w, acc, d = P.apply_updates(w, acc)
        applied += int(d["w_in"][5, 5])
    assert applied == 3 and acc.a_in[5, 5] == 0


def test_argmax_ties_low():
    assert P.argmax_low([3, 7, 7, 1]) == 1
    assert P.argmax_low([-5, -5, -5, -5]) == 0


def test_rejects_illegal_inputs():
    p = one_hot_params()
    with pytest.raises(ValueError):
        P.step(P.init_state(), np.full(P.N_IN, 2), p)
    with pytest.raises(ValueError):
        P.step(P.init_state(), np.zeros(P.N_IN, np.int64), p, label=4)
    with pytest.raises(ValueError):
        P.EpropCfg(theta=0).check()
    with pytest.raises(ValueError):
        P.EpropCfg(lut=(16, 0, 0, 0, 0, 0, 0, 0)).check()
    st = P.init_state()
    st.t = P.T
    with pytest.raises(ValueError):
        P.step(st, np.zeros(P.N_IN, np.int64), p)


# ---------------------------------------------------------------- inputs and RR
def test_beat_inputs_mapping():
    spk = np.zeros((1, F.ENC_BEAT_LEN), np.uint8)
    spk[0, 30] = 0b0001          # t 0, g 0, s_rise -> input 0
    spk[0, 36] = 0b1000          # t 1, g 1, l_fall -> input 7
    spk[0, 219] = 0b0010         # t 37, g 4, s_fall -> input 17
    spk[0, 29] = spk[0, 220] = 0b1111   # outside 30..219: ignored
    sb = np.zeros((1, P.N_SB), np.uint8)
    sb[0, :3] = 1
    x = P.beat_inputs(spk, sb)
    assert x.shape == (1, P.T, P.N_IN)
    ecg = np.argwhere(x[0, :, :P.N_ECG])
    assert ecg.tolist() == [[0, 0], [1, 7], [37, 17]]
    assert (x[0, :, P.N_ECG:P.N_ECG + 3] == 1).all() and not x[0, :, P.N_ECG + 3:].any()
    x2 = P.beat_inputs(spk, sb, use_rr=False)
    assert (x2[0, :, P.N_ECG] == 1).all() and not x2[0, :, P.N_ECG + 1:].any()


def test_rr_sideband_by_hand():
    rec = np.array([1, 1, 1, 1, 1, 2, 2])
    smp = np.array([1000, 1300, 1600, 1800, 2400, 50, 150])
    sb = P.rr_sideband(rec, smp)
    assert (sb[:, 0] == 1).all()
    ratio = sb[:, 1:9]
    absb = sb[:, 9:12]
    # beat 0: rr = 288, A = 4608, ratio 1: bits k <= 16 set (11..15), abs 288 >= 180, 252
    assert ratio[0].tolist() == [1, 1, 1, 1, 1, 0, 0, 0] and absb[0].tolist() == [1, 1, 0]
    # beat 1: rr = 300 seeds A = 4800; beat 2: rr 300, A = 4800
    assert ratio[1].tolist() == ratio[2].tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    # beat 3: rr = 200, A = 4800: (200 << 8) = 51200 < 11 * 4800 = 52800 -> all ratio bits 0
    assert ratio[3].tolist() == [0] * 8 and absb[3].tolist() == [1, 0, 0]
    # A after beat 3: 4800 + ((3200 - 4800) >> 3) = 4600; beat 4: rr 600:
    # 153600 >= 22 * 4600 = 101200 -> all ratio bits 1; abs all 1
    assert ratio[4].tolist() == [1] * 8 and absb[4].tolist() == [1, 1, 1]
    # a new record restarts the RR unit: beat 0 and 1 of record 2 read ratio 1
    assert ratio[5].tolist() == ratio[6].tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    assert absb[6].tolist() == [0, 0, 0]             # rr = 100
    # the sideband's RR bits are the RR unit's (golden/rr.py, tested in test_rr.py)
    assert (sb[:, 1:] == RR.rr_bits(rec, smp)).all()


# ---------------------------------------------------------------- step-wise vs vectorised
def test_stepwise_equals_vectorised_inference(real):
    x, _ = real
    p = busy_params()
    r = P.run_beats(x, p, chunk=37, record=True)
    sat_total = 0
    for b in range(len(x)):
        rb = P.run_beat(x[b], p, record=True)
        assert rb.cls == r.cls[b]
        assert rb.y.tolist() == r.y[b].tolist()
        assert rb.spikes == r.spikes[b] and rb.words_inf == r.words_inf[b] and rb.sat == r.sat[b]
        assert np.array_equal(np.stack([o.u for o in rb.steps]), r.u[b])
        assert np.array_equal(np.stack([o.y for o in rb.steps]), r.yt[b])
        sat_total += rb.sat
    assert r.spikes.mean() > 100          # the case is not trivial
    assert sat_total > 0                  # saturation exercised


@pytest.mark.parametrize("mask", [0b111, 0b100])
def test_stepwise_equals_vectorised_learning(real, mask):
    x, y = real
    p = busy_params(seed=2, learn_mask=mask)
    n = 25 if mask == 0b111 else 10
    lr = P.learn_beats(x[:n], y[:n], p)
    q, acc = p, None
    changed = 0
    for b in range(n):
        rb = P.run_beat(x[b], q, label=int(y[b]), acc=acc)
        assert rb.cls == lr.cls[b] and rb.words_learn == lr.words_learn[b]
        changed += int((rb.params.w_in != q.w_in).sum() + (rb.params.w_rec != q.w_rec).sum()
                       + (rb.params.w_out != q.w_out).sum())
        q, acc = rb.params, rb.acc
    assert changed == lr.n_changed.sum() > 0
    for k in ("w_in", "w_rec", "w_out"):
        assert np.array_equal(getattr(q, k), getattr(lr.params, k)), k
    for k in ("a_in", "a_rec", "a_out"):
        assert np.array_equal(getattr(acc, k), getattr(lr.acc, k)), k
    if mask == 0b100:      # disabled matrices neither accumulate nor change
        assert not acc.a_in.any() and not acc.a_rec.any()
        assert np.array_equal(q.w_in, p.w_in) and np.array_equal(q.w_rec, p.w_rec)
        return
    # saturation at +-127 reached by learning, -128 never produced
    allw = np.concatenate([q.w_in.ravel(), q.w_rec.ravel(), q.w_out.ravel()])
    assert allw.min() >= -127 and allw.max() <= 127 and (np.abs(allw) == 127).any()


def test_inference_mode_changes_nothing(real):
    x, y = real
    p = busy_params()
    r = P.run_beat(x[0], p)
    assert r.params is None
    lr = P.learn_beats(x[:3], y[:3], P.with_cfg(p, learn_mask=0))
    assert np.array_equal(lr.params.w_rec, p.w_rec) and lr.n_changed.sum() == 0


# ---------------------------------------------------------------- memory image
def test_image_layout_and_round_trip(tmp_path):
    p = busy_params(seed=3, lut=(15, 14, 9, 8, 4, 2, 1, 0), y_neg=-1234)
    p.w_in[0, 0], p.w_in[63, 31] = -128, 127
    p.b_out[:] = [-32768, 32767, 0, -1]
    words = P.pack_image(p)
    assert len(words) == P.IMAGE_WORDS == 403
    # documented addresses / lanes
    lane = lambda w, k: ((w >> (8 * k)) & 0xFF) - (256 if (w >> (8 * k)) & 0x80 else 0)  # noqa: E731
    assert lane(words[3 * 4 + 1], 1) == p.w_in[17, 3]
    assert lane(words[P.ADDR_WREC + 10 * 4 + 3], 15) == p.w_rec[63, 10]
    assert lane(words[P.ADDR_WOUT + 1], 4 * 1 + 2) == p.w_out[2, 5]
    assert words[P.ADDR_CFG0] & 0xFFFF == p.cfg.theta
    f = tmp_path / "m.hex"
    P.write_hex(f, words, "test image")
    assert all(len(line) == 32 for line in f.read_text().splitlines() if not line.startswith("//"))
    q = P.unpack_image(P.read_hex(f))
    for k in ("w_in", "w_rec", "w_out", "b_out"):
        assert np.array_equal(getattr(p, k), getattr(q, k)), k
    assert q.cfg == p.cfg
    P.save_model(p, "ds1", tmp_path, meta={"note": "x"})
    r = P.load_model("ds1", tmp_path)
    assert r.cfg == p.cfg and np.array_equal(r.w_in, p.w_in)
    bad = list(words)
    bad[P.ADDR_BOUT] |= 1 << 100
    with pytest.raises(ValueError):
        P.unpack_image(bad)
    with pytest.raises(ValueError):
        P.unpack_image(words[:-1])


# ---------------------------------------------------------------- committed models
@pytest.mark.parametrize("name", P.MODELS)
def test_committed_models(name, real):
    path = P.PARAMS_DIR / f"{name}.hex"
    if not path.exists():
        pytest.skip(f"{path} not trained yet")
    p = P.load_model(name)
    meta = P.load_meta()["models"][name]
    assert not meta.get("smoke")
    assert path.stat().st_size < 20_000
    for k in ("w_in", "w_rec", "w_out"):
        a = getattr(p, k)
        assert a.min() >= -127 and a.max() <= 127
    x, y = real
    if not meta.get("use_rr", True):
        x = x.copy()
        x[:, :, P.N_ECG + 1:] = 0
    r = P.run_beats(x, p)
    # records 208/232 are in the intra training split and in DS1/DS2: a loose sanity bound
    assert (r.cls == y).mean() > 0.5
    assert r.sat.sum() == 0 or meta.get("val_sat_beats", 0) > 0
    assert r.words_inf.max() + P.T * P.CYC_STEP_OVERHEAD + P.CYC_BEAT_OVERHEAD <= 25_000


# ---------------------------------------------------------------- smoke training
def test_smoke_training(tmp_path):
    t0 = time.time()
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_eprop.py"), "--smoke",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert time.time() - t0 < 60
    p = P.load_model("intra", tmp_path)
    assert P.load_meta(tmp_path)["models"]["intra"]["golden_equals_torch_on_val"]
    assert p.w_rec.shape == (P.N_REC, P.N_REC)


def test_cfg_errors_agree_with_the_loader():
    """cfg_errors (what the engine checks at every beat start) flags a field exactly when the
    loader (EpropCfg.check, the bias-word check) rejects the image; single-lane corruptions of
    the bias and CFG words with boundary and random values."""
    w = P.pack_image(P.load_model("intra"))
    assert P.image_cfg_errors(w) == 0
    rng = random.Random(7)
    flagged = set()
    for _ in range(3000):
        ww = list(w)
        a = rng.choice([P.ADDR_BOUT, P.ADDR_CFG0, P.ADDR_CFG1])
        lane = rng.randrange(8)
        v = rng.choice([0, 1, 7, 8, 15, 16, 20, 21, 31, 38, 39, 255, 256, 0x7FFF, 0x8000, 0xFFFF,
                        rng.randrange(1 << 16)])
        ww[a] = (ww[a] & ~(0xFFFF << (16 * lane))) | (v << (16 * lane))
        mask = P.image_cfg_errors(ww)
        try:
            P.unpack_image(ww)
            accepted = True
        except ValueError as e:
            accepted = False
            for k, f in enumerate(P.CFG_ERR_FIELDS):
                if mask >> k & 1 and f != "b_out_pad":
                    assert f in str(e), (f, str(e))
        assert accepted == (mask == 0), (a, lane, v, P.describe_cfg_errors(mask))
        flagged |= {f for k, f in enumerate(P.CFG_ERR_FIELDS) if mask >> k & 1}
    assert flagged == set(P.CFG_ERR_FIELDS)
