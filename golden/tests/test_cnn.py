# SPDX-License-Identifier: Apache-2.0
"""golden/cnn.py: the layer functions against torch (float64 on integers: exact below 2^53) and
against the loop-based reference; rounding and saturation boundaries against an independent
rational computation; every error code of check_descriptor; the random generators."""

import dataclasses
import random
import warnings
from fractions import Fraction
from math import floor

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from golden import cnn
from golden import cnn_regmap as rm

torch.set_num_threads(1)
CAPS = cnn.Caps()


def _int8(rng, shape):
    return rng.integers(-128, 128, size=shape).astype(np.int8)


def _torch_conv_acc(x, w, bias, stride, dilation, pad):
    """The accumulators by torch: explicit zero padding, conv1d in float64 (exact here)."""
    k = w.shape[2]
    total = 0 if pad == cnn.VALID else (k - 1) * dilation
    left = {cnn.VALID: 0, cnn.SAME: total // 2, cnn.CAUSAL: total}[pad]
    xt = torch.tensor(x, dtype=torch.float64)[None]
    xt = F.pad(xt, (left, total - left))
    y = F.conv1d(xt, torch.tensor(w, dtype=torch.float64), torch.tensor(bias, dtype=torch.float64),
                 stride=stride, dilation=dilation)[0]
    return y.numpy().astype(np.int64)


def _rational_requant(acc, m, s, relu=False):
    """y from the definition with exact rationals: floor(acc*M / 2^S + 1/2), clamp, ReLU."""
    r = int(acc) * int(m) if s == 0 else floor(Fraction(int(acc) * int(m), 1 << s) + Fraction(1, 2))
    y = min(127, max(-128, r))
    return max(0, y) if relu else y


# ------------------------------------------------------------------------------ conv1d / dense
@pytest.mark.parametrize("pad", [cnn.VALID, cnn.SAME, cnn.CAUSAL])
@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, 1), (1, 3), (3, 2)])
def test_conv1d_acc_equals_torch_and_reference(pad, stride, dilation):
    rng = np.random.default_rng(100 + 10 * pad + 3 * stride + dilation)
    for _ in range(6):
        cin, cout, k = rng.integers(1, 6), rng.integers(1, 9), rng.integers(1, 6)
        length = int(rng.integers(dilation * (k - 1) + 1, 40))
        x, w = _int8(rng, (cin, length)), _int8(rng, (cout, cin, k))
        bias = rng.integers(-(1 << 29), 1 << 29, size=cout)
        acc = cnn.conv1d_acc(x, w, bias, stride, dilation, pad)
        assert acc.shape == (cout, cnn.conv_len_out(length, k, stride, dilation, pad))
        np.testing.assert_array_equal(acc, _torch_conv_acc(x, w, bias, stride, dilation, pad))
        np.testing.assert_array_equal(acc, cnn.ref_conv1d_acc(x, w, bias, stride, dilation, pad))


def test_same_and_causal_keep_the_length_at_stride_1():
    rng = np.random.default_rng(5)
    for pad in (cnn.SAME, cnn.CAUSAL):
        for k, d in ((1, 1), (2, 1), (3, 2), (4, 3), (5, 1)):
            x = _int8(rng, (2, 17))
            assert cnn.conv1d_acc(x, _int8(rng, (3, 2, k)), [0, 0, 0], 1, d, pad).shape == (3, 17)


@pytest.mark.parametrize("k,dilation", [(2, 1), (3, 1), (4, 1), (4, 3), (5, 2), (6, 1)])
def test_same_padding_equals_torch_padding_same(k, dilation):
    """Odd pad_total: the extra zero goes right, as torch's padding="same"."""
    rng = np.random.default_rng(30 + 7 * k + dilation)
    x, w = _int8(rng, (2, 15)), _int8(rng, (3, 2, k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # torch: "may require a zero-padded copy"
        want = F.conv1d(torch.tensor(x, dtype=torch.float64)[None], torch.tensor(w, dtype=torch.float64),
                        padding="same", dilation=dilation)[0].numpy()
    np.testing.assert_array_equal(cnn.conv1d_acc(x, w, [0, 0, 0], 1, dilation, cnn.SAME), want)


def test_causal_output_depends_on_the_past_only():
    rng = np.random.default_rng(6)
    x, w = _int8(rng, (2, 30)), _int8(rng, (4, 2, 3))
    y1 = cnn.conv1d_acc(x, w, [1, 2, 3, 4], 1, 4, cnn.CAUSAL)
    x2 = x.copy()
    x2[:, 20:] = _int8(rng, (2, 10))
    y2 = cnn.conv1d_acc(x2, w, [1, 2, 3, 4], 1, 4, cnn.CAUSAL)
    np.testing.assert_array_equal(y1[:, :20], y2[:, :20])
    assert not np.array_equal(y1[:, 20:], y2[:, 20:])


def test_extreme_accumulator_is_exact():
    """CIN*K = 65536 terms of (-128)*(-128) plus the largest bias: 2^30 + 2^30 - 1 < 2^31."""
    x = np.full((256, 256), -128, dtype=np.int8)
    w = np.full((1, 256, 256), -128, dtype=np.int8)
    acc = cnn.conv1d_acc(x, w, [cnn.BIAS_ABS_LIMIT - 1])
    assert int(acc[0, 0]) == (1 << 30) + (1 << 30) - 1 == cnn.INT32_MAX
    with pytest.raises(ValueError, match="ACC_RANGE"):
        cnn.conv1d_acc(x[:, :1].repeat(257, axis=1), np.zeros((1, 256, 257), np.int8), [0])


def test_accumulator_wraps_as_int32_for_an_over_range_bias():
    x = np.full((1, 1), 127, np.int8)
    w = np.full((1, 1, 1), 127, np.int8)
    acc = cnn.conv1d_acc(x, w, [cnn.INT32_MAX])
    assert int(acc[0, 0]) == cnn.INT32_MAX + 127 * 127 - (1 << 32)
    assert acc[0, 0] == cnn.ref_conv1d_acc(x, w, [cnn.INT32_MAX])[0][0]


def test_dense_equals_torch_linear_on_a_flattened_map():
    rng = np.random.default_rng(7)
    x = _int8(rng, (4, 9))
    w = _int8(rng, (5, 36))
    bias = rng.integers(-1000, 1000, size=5)
    acc = cnn.dense_acc(x, w, bias)
    want = F.linear(torch.tensor(x.reshape(-1), dtype=torch.float64), torch.tensor(w, dtype=torch.float64),
                    torch.tensor(bias, dtype=torch.float64)).numpy().astype(np.int64)
    np.testing.assert_array_equal(acc, want)
    m, s = rng.integers(0, 65536, size=5), rng.integers(0, 48, size=5)
    np.testing.assert_array_equal(cnn.dense(x, w, bias, m, s, True),
                                  [row[0] for row in cnn.ref_requant(acc[:, None], m, s, True)])


# ------------------------------------------------------------------------------ requant
def test_requant_equals_the_rational_definition_on_random_values():
    rng = np.random.default_rng(8)
    acc = rng.integers(cnn.INT32_MIN, cnn.INT32_MAX, size=(48, 40), endpoint=True)
    m = rng.integers(0, 65536, size=48)
    s = np.arange(48)
    for relu in (False, True):
        y = cnn.requant(acc, m, s, relu)
        want = [[_rational_requant(acc[c, t], m[c], s[c], relu) for t in range(40)] for c in range(48)]
        np.testing.assert_array_equal(y, want)
        np.testing.assert_array_equal(y, cnn.ref_requant(acc, m, s, relu))


@pytest.mark.parametrize("s", [1, 2, 7, 16, 30, 31, 45, 46])
def test_requant_ties_round_towards_plus_infinity(s):
    """p = acc*M = (2j+1) * 2^(s-1): exactly half-way; j and -j-1 cover both signs."""
    m = 1 << min(15, s - 1)
    unit = 1 << (s - 1 - min(15, s - 1))
    accs = [(2 * j + 1) * unit for j in (-5, -2, -1, 0, 1, 4)
            if cnn.INT32_MIN <= (2 * j + 1) * unit <= cnn.INT32_MAX]
    assert len(accs) >= 2
    y = cnn.requant(np.array(accs)[None, :], [m], [s])
    np.testing.assert_array_equal(y[0], [_rational_requant(a, m, s) for a in accs])
    # half-way values go up: -0.5 -> 0, 0.5 -> 1, -1.5 -> -1
    assert list(cnn.requant([[-unit, unit]], [m], [s])[0]) == [0, 1]
    if 3 * unit <= cnn.INT32_MAX:
        assert cnn.requant([[-3 * unit]], [m], [s])[0, 0] == -1


def test_requant_just_off_the_tie_and_negative_values():
    s = 10
    half = 1 << (s - 1)
    accs = [half - 1, half, half + 1, -half - 1, -half, -half + 1, -(3 * half) - 1, -(3 * half) + 1]
    y = cnn.requant(np.array(accs)[None, :], [1], [s])
    np.testing.assert_array_equal(y[0], [_rational_requant(a, 1, s) for a in accs])


def test_requant_shift_zero_is_the_product():
    acc = np.array([[-3, -1, 0, 1, 2, 63, 64, -64, -65]])
    np.testing.assert_array_equal(cnn.requant(acc, [2], [0])[0], np.clip(acc[0] * 2, -128, 127))


def test_requant_shift_47_at_the_largest_products():
    """|acc*M| < 2^47: with S = 47 r is -1, 0 or 1, and the tie 2^46 rounds up."""
    m = 65535
    accs = [cnn.INT32_MIN, cnn.INT32_MAX, -(1 << 30), 1 << 30, -1, 0, 1]
    y = cnn.requant(np.array(accs)[None, :], [m], [47])
    np.testing.assert_array_equal(y[0], [_rational_requant(a, m, 47) for a in accs])
    # the only tie at S = 47: p = -2^46 = INT32_MIN * 2^15, which rounds up to 0 (not -1)
    y = cnn.requant([[cnn.INT32_MIN, cnn.INT32_MIN + 1]], [1 << 15], [47])
    assert list(y[0]) == [_rational_requant(cnn.INT32_MIN, 1 << 15, 47),
                          _rational_requant(cnn.INT32_MIN + 1, 1 << 15, 47)] == [0, 0]
    assert cnn.requant([[cnn.INT32_MIN]], [(1 << 15) + 1], [47])[0, 0] == -1


def test_requant_saturates_at_both_ends():
    accs = [126, 127, 128, 129, 10 ** 6, -127, -128, -129, -130, -(10 ** 6)]
    y = cnn.requant(np.array(accs)[None, :], [1], [0])
    np.testing.assert_array_equal(y[0], np.clip(accs, -128, 127))
    assert y.dtype == np.int8 and y.min() == -128 and y.max() == 127
    np.testing.assert_array_equal(cnn.requant(np.array(accs)[None, :], [1], [0], True)[0],
                                  np.clip(accs, 0, 127))


def test_requant_shifts_48_to_63_give_zero():
    acc = np.array([[cnn.INT32_MIN, -1, 0, cnn.INT32_MAX]] * 16)
    y = cnn.requant(acc, [65535] * 16, list(range(48, 64)))
    assert not y.any()
    np.testing.assert_array_equal(y, cnn.ref_requant(acc, [65535] * 16, list(range(48, 64))))


# ------------------------------------------------------------------------------ maxpool, add
@pytest.mark.parametrize("k,stride", [(1, 1), (2, 2), (3, 1), (3, 2), (4, 3)])
def test_maxpool_equals_torch(k, stride):
    rng = np.random.default_rng(20 + k + stride)
    x = _int8(rng, (5, 23))
    y = cnn.maxpool(x, k, stride)
    want = F.max_pool1d(torch.tensor(x, dtype=torch.float64)[None], k, stride)[0].numpy()
    np.testing.assert_array_equal(y, want)
    np.testing.assert_array_equal(cnn.maxpool(x, k, stride, True), np.maximum(want, 0))
    np.testing.assert_array_equal(y, cnn.ref_maxpool(x, k, stride))


def test_add_equals_the_rational_definition():
    rng = np.random.default_rng(9)
    for ma, mb, s in ((1, 1, 0), (-32768, 32767, 15), (300, -7, 3), (32767, 32767, 31), (5, 3, 1)):
        a, b = _int8(rng, (3, 11)), _int8(rng, (3, 11))
        for relu in (False, True):
            y = cnn.add(a, b, ma, mb, s, relu)
            want = [[_rational_requant(int(a[c, t]) * ma + int(b[c, t]) * mb, 1, s, relu)
                     for t in range(11)] for c in range(3)]
            np.testing.assert_array_equal(y, want)
            np.testing.assert_array_equal(y, cnn.ref_add(a, b, ma, mb, s, relu))


# ------------------------------------------------------------------------------ named errors
@pytest.mark.parametrize("call,exc,match", [
    (lambda: cnn.conv1d_acc(np.zeros((2, 5)), np.zeros((1, 2, 1), np.int8), [0]), TypeError, "x must be an integer"),
    (lambda: cnn.conv1d_acc(np.full((2, 5), 128), np.zeros((1, 2, 1), np.int8), [0]), ValueError, "x: value 128"),
    (lambda: cnn.conv1d_acc(np.zeros((2, 5), np.int8), np.zeros((1, 3, 1), np.int8), [0]), ValueError, "CIN=2"),
    (lambda: cnn.conv1d_acc(np.zeros((2, 5), np.int8), np.zeros((1, 2, 1), np.int8), [0, 0]), ValueError, "bias must have shape"),
    (lambda: cnn.conv1d_acc(np.zeros((2, 5), np.int8), np.zeros((1, 2, 1), np.int8), [0], stride=0), ValueError, "stride=0"),
    (lambda: cnn.conv1d_acc(np.zeros((2, 5), np.int8), np.zeros((1, 2, 1), np.int8), [0], pad=3), ValueError, "pad=3"),
    (lambda: cnn.conv1d_acc(np.zeros((1, 5), np.int8), np.zeros((1, 1, 4), np.int8), [0], dilation=2), ValueError, "RECEPTIVE"),
    (lambda: cnn.requant([[1]], [65536], [0]), ValueError, "m: value 65536"),
    (lambda: cnn.requant([[1]], [1], [64]), ValueError, "s: value 64"),
    (lambda: cnn.requant([[1 << 31]], [1], [0]), ValueError, "acc: value"),
    (lambda: cnn.add(np.zeros((1, 2), np.int8), np.zeros((1, 3), np.int8), 1, 1, 0), ValueError, "one non-empty shape"),
    (lambda: cnn.add(np.zeros((1, 2), np.int8), np.zeros((1, 2), np.int8), 1, 1, 32), ValueError, "s=32"),
    (lambda: cnn.add(np.zeros((1, 2), np.int8), np.zeros((1, 2), np.int8), 40000, 1, 0), ValueError, "ma=40000"),
    (lambda: cnn.maxpool(np.zeros((1, 2), np.int8), 3, 1), ValueError, "RECEPTIVE"),
    (lambda: cnn.Descriptor(0, 1, 1, len_in=1 << 16), ValueError, "len_in=65536"),
    (lambda: cnn.Descriptor(0, 1.0, 1), TypeError, "cin must be an integer"),
    (lambda: cnn.Descriptor(8, 1, 1), ValueError, "kind=8"),
    (lambda: cnn.Caps(act_bytes=3000), ValueError, "not a power of two"),
    (lambda: cnn.Layer(cnn.CONV1D, np.zeros((1, 1, 1), np.int8), [1 << 30], [1], [0]), ValueError, "bias"),
    (lambda: cnn.Layer(cnn.CONV1D, np.zeros((1, 1, 1), np.int8), [0], [1], [48]), ValueError, "s: value 48"),
    (lambda: cnn.Layer(cnn.ADD), ValueError, "needs src_b"),
])
def test_bad_input_gets_a_named_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ------------------------------------------------------------------------------ descriptors
def _legal(kind=cnn.CONV1D, **kw):
    base = dict(kind=kind, cin=4, cout=5, len_in=20, kernel=3, stride=1, dilation=1, pad=cnn.VALID,
                src_a=0, src_b=200, dst=400, w_base=0, q_base=0)
    if kind in (cnn.MAXPOOL, cnn.ADD):
        base["cout"] = 4
    base.update(kw)
    return cnn.Descriptor(**base)


@pytest.mark.parametrize("kind", [cnn.CONV1D, cnn.DENSE, cnn.MAXPOOL, cnn.ADD])
def test_a_legal_descriptor_of_every_kind(kind):
    assert cnn.check_descriptor(_legal(kind), CAPS) == 0


E = cnn.ERR


@pytest.mark.parametrize("desc,code", [
    (_legal(kind=4), E["BAD_KIND"]),
    (_legal(kind=7, cin=0, pad=3), E["BAD_KIND"]),                     # first that applies
    (_legal(pad=3), E["BAD_PAD"]),
    (_legal(cnn.MAXPOOL, pad=cnn.SAME), E["BAD_PAD"]),
    (_legal(cnn.ADD, pad=3, cin=0), E["BAD_PAD"]),
    (_legal(kernel=0), E["ZERO_PARAM"]),
    (_legal(stride=0), E["ZERO_PARAM"]),
    (_legal(dilation=0), E["ZERO_PARAM"]),
    (_legal(cin=0), E["ZERO_PARAM"]),
    (_legal(cout=0), E["ZERO_PARAM"]),
    (_legal(len_in=0), E["ZERO_PARAM"]),
    (_legal(cnn.ADD, kernel=0), E["ZERO_PARAM"]),
    (_legal(cin=257), E["CH_RANGE"]),
    (_legal(cout=257), E["CH_RANGE"]),
    (_legal(cnn.DENSE, cin=257), E["CH_RANGE"]),
    (_legal(cnn.MAXPOOL, cout=5), E["CH_RANGE"]),
    (_legal(cnn.ADD, cout=3), E["CH_RANGE"]),
    (_legal(cnn.MAXPOOL, dilation=2), E["CH_RANGE"]),
    (_legal(cin=256, kernel=257), E["ACC_RANGE"]),
    (_legal(cnn.MAXPOOL, cin=256, cout=256, kernel=257, len_in=1), E["ACC_RANGE"]),
    (_legal(kernel=11, dilation=2, len_in=20), E["RECEPTIVE"]),
    (_legal(cnn.MAXPOOL, kernel=21), E["RECEPTIVE"]),
    (_legal(src_a=8192 - 79), E["ACT_RANGE"]),
    (_legal(dst=8192 - 89), E["ACT_RANGE"]),
    (_legal(cnn.ADD, src_b=8192 - 79), E["ACT_RANGE"]),
    (_legal(dst=79), E["OVERLAP"]),
    (_legal(dst=0, src_a=89), E["OVERLAP"]),
    (_legal(cin=256, cout=1, kernel=256, len_in=1, pad=cnn.SAME, dst=300), E["W_RANGE"]),  # CIN*K = 65536 passes
    (_legal(cnn.ADD, dst=250), E["OVERLAP"]),
    (_legal(w_base=4096 - 23), E["W_RANGE"]),
    (_legal(cnn.DENSE, cin=4, w_base=4096 - 7), E["W_RANGE"]),
    (_legal(q_base=512 - 9), E["Q_RANGE"]),
    (_legal(cnn.ADD, q_base=511), E["Q_RANGE"]),
])
def test_every_error_code(desc, code):
    assert cnn.check_descriptor(desc, CAPS) == code, (str(desc), cnn.error_name(code))


@pytest.mark.parametrize("desc", [
    _legal(src_a=8192 - 80),                        # the source ends exactly at ACT_BYTES
    _legal(dst=8192 - 90),                          # LEN_OUT 18 * COUT 5 = 90
    _legal(dst=80),                                 # adjacent to the source
    _legal(w_base=4096 - 24),                       # ceil(5/3) * 4 * 3 = 24 rows
    _legal(q_base=512 - 10),
    _legal(cnn.ADD, q_base=510),
    _legal(cnn.MAXPOOL, w_base=65535, q_base=65535),   # MAXPOOL uses neither RAM
    _legal(cnn.ADD, w_base=65535, src_b=0),         # ADD: no weights; a + a
    _legal(cnn.DENSE, len_in=0, kernel=0, stride=0, dilation=0, pad=3, cin=200, dst=300),
    _legal(kernel=5, dilation=4, len_in=17),        # receptive field exactly LEN_IN
    _legal(dst=0, src_a=90),                        # the destination ends where the source begins
])
def test_boundaries_that_are_accepted(desc):
    assert cnn.check_descriptor(desc, CAPS) == 0, str(desc)


def test_len_out_formula_and_undefined_cases():
    assert cnn.len_out(_legal(len_in=20, kernel=3)) == 18
    assert cnn.len_out(_legal(len_in=20, kernel=3, pad=cnn.SAME)) == 20
    assert cnn.len_out(_legal(len_in=20, kernel=3, stride=2, dilation=3, pad=cnn.CAUSAL)) == 10
    assert cnn.len_out(_legal(cnn.MAXPOOL, len_in=20, kernel=3, stride=2)) == 9
    assert cnn.len_out(_legal(cnn.ADD, len_in=20)) == 20
    assert cnn.len_out(_legal(cnn.DENSE, len_in=0, kernel=0)) == 1
    for bad in (_legal(kind=5), _legal(pad=3), _legal(kernel=0), _legal(stride=0),
                _legal(kernel=30), _legal(cnn.MAXPOOL, kernel=21)):
        assert cnn.len_out(bad) == 0, str(bad)


def test_len_out_equals_the_torch_output_length():
    rng = np.random.default_rng(11)
    for _ in range(60):
        k, s, d, p = (int(v) for v in (rng.integers(1, 6), rng.integers(1, 4), rng.integers(1, 4),
                                       rng.integers(0, 3)))
        length = int(rng.integers(1, 30))
        desc = _legal(len_in=length, kernel=k, stride=s, dilation=d, pad=p)
        lo = cnn.len_out(desc)
        if lo >= 1:
            assert _torch_conv_acc(np.zeros((4, length), np.int8), np.zeros((1, 4, k), np.int8),
                                   [0], s, d, p).shape[1] == lo
        else:
            assert cnn.check_descriptor(desc, CAPS) == E["RECEPTIVE"]


def test_descriptor_registers_round_trip():
    d = _legal(cnn.ADD, relu=True, src_b=777)
    regs = d.registers()
    assert set(regs) == {r.name for r in rm.DESC_REGS}
    assert regs["FLAGS"] == rm.FLAGS["RELU"] and regs["KIND"] == cnn.ADD
    assert cnn.Descriptor.from_registers(regs) == d


def test_caps_word_round_trip():
    c = cnn.Caps(n_mac=5, act_bytes=4096, w_rows=2048, q_words=256)
    w = c.word
    assert w & 0xFF == 5 and (w >> 8) & 0xFF == 12 and (w >> 16) & 0xFF == 11 and w >> 24 == 8
    assert cnn.Caps.from_word(w) == c


def test_weight_rows_and_macs():
    d = _legal(cout=7, cin=3, kernel=4, len_in=10)
    assert cnn.weight_rows(d, 3) == 3 * 3 * 4 and cnn.weight_rows(d, 8) == 12
    assert cnn.macs(d) == 7 * 7 * 3 * 4
    assert cnn.macs(_legal(cnn.DENSE, cin=30, cout=6)) == 180
    assert cnn.macs(_legal(cnn.MAXPOOL)) == 0 and cnn.weight_rows(_legal(cnn.ADD), 3) == 0


# ------------------------------------------------------------------------------ generators
@pytest.mark.parametrize("make_rng", [random.Random, np.random.default_rng])
def test_random_legal_descriptors_cover_the_space(make_rng):
    rng = make_rng(3)
    seen = set()
    for _ in range(400):
        d = cnn.random_descriptor(rng, CAPS)
        assert cnn.check_descriptor(d, CAPS) == 0, str(d)
        ops = cnn.random_operands(rng, d, CAPS)
        y, r = cnn.run_descriptor(d, ops, CAPS, detail=True)
        e = d.effective()
        assert y.shape == (e.cout, cnn.len_out(e)) and y.dtype == np.int8
        seen.add(("kind", d.kind))
        if d.kind == cnn.CONV1D:
            seen.add(("pad", d.pad))
            seen |= {("dilation>1",)} if d.dilation > 1 else set()
            seen |= {("stride>1",)} if d.stride > 1 else set()
            seen |= {("cout%n_mac",)} if d.cout % CAPS.n_mac else set()
        if d.kind == cnn.DENSE and (d.len_in, d.kernel, d.pad) != (1, 1, 0):
            seen.add(("dense junk",))
        if r is not None:
            seen |= {("sat_lo", d.kind)} if (r < -128).any() else set()
            seen |= {("sat_hi", d.kind)} if (r > 127).any() else set()
        if d.relu:
            seen.add(("relu", d.kind))
    want = ({("kind", k) for k in range(4)} | {("pad", p) for p in range(3)}
            | {("dilation>1",), ("stride>1",), ("cout%n_mac",), ("dense junk",)}
            | {(e, k) for e in ("sat_lo", "sat_hi") for k in (cnn.CONV1D, cnn.DENSE, cnn.ADD)}
            | {("relu", k) for k in range(4)})
    assert want <= seen, want - seen


@pytest.mark.parametrize("code", range(1, 11))
def test_random_illegal_descriptors_have_their_code(code):
    rng = random.Random(code)
    kinds = set()
    for _ in range(40):
        d = cnn.random_illegal_descriptor(rng, CAPS, code)
        assert cnn.check_descriptor(d, CAPS) == code, str(d)
        kinds.add(d.kind)
    assert len(kinds) >= (1 if code in (E["BAD_KIND"],) else 2)


def test_random_descriptor_illegal_flag_and_fixed_kind():
    rng = random.Random(4)
    codes = {cnn.check_descriptor(cnn.random_descriptor(rng, CAPS, legal=False), CAPS) for _ in range(200)}
    assert codes == set(range(1, 11))
    assert {cnn.random_descriptor(rng, CAPS, kind=cnn.ADD).kind for _ in range(10)} == {cnn.ADD}
    with pytest.raises(TypeError, match="rng"):
        cnn.random_descriptor(3, CAPS)
    with pytest.raises(ValueError, match="cannot be produced"):
        cnn.random_illegal_descriptor(rng, CAPS, E["RECEPTIVE"], kind=cnn.DENSE)


def test_run_descriptor_refuses_an_illegal_descriptor():
    with pytest.raises(ValueError, match="OVERLAP"):
        cnn.run_descriptor(_legal(dst=10), cnn.Operands(np.zeros((4, 20), np.int8)), CAPS)


# ------------------------------------------------------------------------------ networks
def _small_net(rng):
    def q(cout):
        return dict(bias=rng.integers(-2000, 2000, size=cout), m=rng.integers(1, 4000, size=cout),
                    s=rng.integers(8, 16, size=cout))
    return [
        cnn.Layer(cnn.CONV1D, _int8(rng, (4, 1, 5)), pad=cnn.SAME, relu=True, **q(4)),
        cnn.Layer(cnn.CONV1D, _int8(rng, (4, 4, 3)), dilation=2, pad=cnn.CAUSAL, **q(4)),
        cnn.Layer(cnn.ADD, ma=300, mb=-200, shift=8, src=0, src_b=1, relu=True),
        cnn.Layer(cnn.MAXPOOL, kernel=2, stride=2),
        cnn.Layer(cnn.CONV1D, _int8(rng, (6, 4, 3)), stride=2, **q(6)),
        cnn.Layer(cnn.DENSE, _int8(rng, (8, 6 * 7)), relu=True, **q(8)),
        cnn.Layer(cnn.DENSE, _int8(rng, (5, 8)), **q(5)),
    ]


def test_run_network_equals_the_reference_loops_and_the_layer_functions():
    rng = np.random.default_rng(12)
    net = _small_net(rng)
    for _ in range(4):
        x = _int8(rng, 32)
        outs = cnn.run_network(net, x)
        ref = cnn.ref_run_network(net, x)
        assert [o.shape for o in outs] == [(4, 32), (4, 32), (4, 32), (4, 16), (6, 7), (8, 1), (5, 1)]
        for o, r in zip(outs, ref):
            np.testing.assert_array_equal(o, r)
        # layer 2 by the layer function, from layers 0 and 1
        np.testing.assert_array_equal(outs[2], cnn.add(outs[0], outs[1], 300, -200, 8, True))
        # every layer through its descriptor and operands
        shapes = [(1, 32)] + [o.shape for o in outs]
        for i, layer in enumerate(net):
            a, b = cnn.layer_sources(net, i)
            src = [x[None]] + outs
            d = layer.descriptor(shapes[a + 1], src_b=2000, dst=4000)
            y = cnn.run_descriptor(d, layer.operands(src[a + 1], None if b is None else src[b + 1]), CAPS)
            np.testing.assert_array_equal(y, outs[i])


def test_reference_catches_a_corrupted_model():
    """The comparison above can fail: one weight changed changes the output."""
    rng = np.random.default_rng(13)
    net = _small_net(rng)
    x = _int8(rng, 32)
    bad = [dataclasses.replace(layer) for layer in net]
    w = bad[4].weight.copy()
    w[0] = np.clip(-w[0].astype(np.int64), -128, 127)
    bad[4] = dataclasses.replace(bad[4], weight=w)
    outs = cnn.run_network(net, x)
    bad_outs = cnn.ref_run_network(bad, x)
    np.testing.assert_array_equal(outs[3], bad_outs[3])
    assert any(not np.array_equal(o, r) for o, r in zip(outs[4:], bad_outs[4:]))


def test_network_sources_are_checked():
    rng = np.random.default_rng(14)
    net = _small_net(rng)
    net[2] = cnn.Layer(cnn.ADD, ma=1, mb=1, src=0, src_b=5)
    with pytest.raises(ValueError, match="src_b=5 must name an earlier layer"):
        cnn.run_network(net, _int8(rng, 32))
    with pytest.raises(ValueError, match="CIN=4"):
        cnn.run_network([cnn.Layer(cnn.DENSE, _int8(rng, (2, 5)), [0, 0], [1, 1], [0, 0])], _int8(rng, 4))
