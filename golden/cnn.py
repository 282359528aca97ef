# SPDX-License-Identifier: Apache-2.0
"""Bit-exact integer model of the CNN multiply-add IP (``cnn_engine``), layer by layer.

The contract is docs/cnn_contract.md (arithmetic, descriptor, error codes); the register map and
every number of the interface come from golden/cnn_regmap.py.  docs/cnn.md explains the model.

Arithmetic (symmetric int8, zero point 0; numpy int64 inside, nothing in floating point):

* CONV1D: ``acc[co][t] = bias[co] + sum_{ci,k} w[co][ci][k] * x[ci][t*STRIDE + k*DILATION - pad_left]``,
  positions outside the input read as 0; pad_total = 0 (valid) or (K-1)*DILATION (same, causal),
  pad_left = pad_total//2 (same), pad_total (causal), 0 (valid).
* DENSE: CONV1D of a (CIN, 1) input with K = STRIDE = DILATION = 1, valid padding.
* the accumulator is int32 (two's complement, wrapping: exact whenever |bias| < 2^30, which the
  driver guarantees, because |sum| <= 65536 * 128 * 128 = 2^30);
* requantization per output channel: ``p = acc * M`` (M 0..65535), ``r = (p + 2^(S-1)) >> S``
  (S > 0; arithmetic shift: round half up, towards +inf) or ``r = p`` (S = 0),
  ``y = clamp(r, -128, 127)``, then ReLU ``max(y, 0)`` if the flag is set;
* MAXPOOL: the max of each window of K (valid, no dilation), ReLU optional, no requantization;
* ADD: ``y = clamp(round_shift(a*MA + b*MB, S), -128, 127)`` (MA, MB int16, S 0..31), ReLU optional.

Three layers of API:

* layer functions on arrays (:func:`conv1d_acc`, :func:`conv1d`, :func:`dense_acc`,
  :func:`dense`, :func:`requant`, :func:`maxpool`, :func:`add`, :func:`relu`), each validating
  its arguments with named errors (golden/checks.py), vectorised with integer numpy;
* the descriptor level of the IP: :class:`Descriptor` (the register values), :class:`Caps`,
  :func:`len_out`, :func:`check_descriptor` (the error codes in the contract's order),
  :func:`macs`, :func:`weight_rows`, :func:`run_descriptor` (a descriptor and its
  :class:`Operands`), and the constrained-random generators :func:`random_descriptor`,
  :func:`random_illegal_descriptor`, :func:`random_operands` used by the RTL testbench;
* networks: :class:`Layer` and :func:`run_network` (every layer's output).

``ref_*`` functions at the end are a slow, loop-based, pure-Python-integer second
implementation; the unit tests check the vectorised functions against them (and against torch).
"""

from __future__ import annotations

import dataclasses
import random as _random
from dataclasses import dataclass

import numpy as np

from golden import cnn_regmap as rm
from golden.checks import int_array, int_scalar

CONV1D, DENSE, MAXPOOL, ADD = (rm.KINDS[k] for k in ("CONV1D", "DENSE", "MAXPOOL", "ADD"))
VALID, SAME, CAUSAL = (rm.PADS[k] for k in ("VALID", "SAME", "CAUSAL"))
KIND_NAMES = {v: k for k, v in rm.KINDS.items()}
PAD_NAMES = {v: k for k, v in rm.PADS.items()}
ERR = dict(rm.ERRORS)
ERROR_NAMES = dict(rm.ERROR_NAMES)

INT8_MIN, INT8_MAX = -128, 127
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
M_MAX = (1 << rm.QUANT["QW_M"].width) - 1             # 65535
S_FIELD_MAX = (1 << rm.QUANT["QW_S"].width) - 1       # 63: the field; the contract's range is 0..47
S_MAX = rm.LIMITS["S_MAX"]
ADD_S_MAX = rm.LIMITS["ADD_S_MAX"]
ACC_MAX_TERMS = rm.LIMITS["ACC_MAX_TERMS"]
BIAS_ABS_LIMIT = rm.LIMITS["BIAS_ABS_LIMIT"]
MUL16_MIN, MUL16_MAX = -(1 << 15), (1 << 15) - 1


def error_name(code: int) -> str:
    """The name of an error code (``"OK"`` for 0)."""
    code = int_scalar(code, "error code", 0)
    if code not in ERROR_NAMES:
        raise ValueError(f"error code {code} is not one of {sorted(ERROR_NAMES)}")
    return ERROR_NAMES[code]


# ------------------------------------------------------------------------------------------
# Scalar helpers: padding, lengths, rounding
# ------------------------------------------------------------------------------------------
def pad_amounts(kernel: int, dilation: int, pad: int) -> tuple[int, int]:
    """(pad_left, pad_right) of a CONV1D."""
    kernel = int_scalar(kernel, "kernel", 1)
    dilation = int_scalar(dilation, "dilation", 1)
    pad = int_scalar(pad, "pad", VALID, CAUSAL)
    total = 0 if pad == VALID else (kernel - 1) * dilation
    left = {VALID: 0, SAME: total // 2, CAUSAL: total}[pad]
    return left, total - left


def conv_len_out(len_in: int, kernel: int, stride: int, dilation: int, pad: int) -> int:
    """LEN_OUT of a CONV1D (may be < 1: the receptive field is longer than the padded input)."""
    len_in = int_scalar(len_in, "len_in", 0)
    stride = int_scalar(stride, "stride", 1)
    left, right = pad_amounts(kernel, dilation, pad)
    num = len_in + left + right - dilation * (kernel - 1) - 1
    return num // stride + 1 if num >= 0 else 0


def pool_len_out(len_in: int, kernel: int, stride: int) -> int:
    """LEN_OUT of a MAXPOOL (0 when the window is longer than the input)."""
    len_in = int_scalar(len_in, "len_in", 0)
    kernel = int_scalar(kernel, "kernel", 1)
    stride = int_scalar(stride, "stride", 1)
    return (len_in - kernel) // stride + 1 if len_in >= kernel else 0


def wrap32(v):
    """Two's-complement int32 wrap of integer values (the accumulator)."""
    a = np.asarray(v, dtype=np.int64)
    out = ((a + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
    return int(out) if np.ndim(out) == 0 else out


def round_shift(p, s):
    """``(p + 2^(s-1)) >> s`` for s > 0 (arithmetic: round half up, towards +inf), ``p`` for s = 0.

    ``p`` int64 values with |p| < 2^62, ``s`` 0..63 (broadcast against ``p``)."""
    p = np.asarray(p, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64)
    half = np.where(s > 0, np.left_shift(np.int64(1), np.maximum(s - 1, 0)), 0)
    return np.right_shift(p + half, s)


def relu(y):
    """max(y, 0) of int8 values."""
    y = int_array(y, "y", INT8_MIN, INT8_MAX)
    return np.maximum(y, 0).astype(np.int8)


def _sat8(r, relu_flag: bool) -> np.ndarray:
    y = np.clip(r, INT8_MIN, INT8_MAX)
    if relu_flag:
        y = np.maximum(y, 0)
    return y.astype(np.int8)


def _flag(v, name: str) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    return bool(int_scalar(v, name, 0, 1))


# ------------------------------------------------------------------------------------------
# Layer functions
# ------------------------------------------------------------------------------------------
def conv1d_acc(x, w, bias, stride: int = 1, dilation: int = 1, pad: int = VALID) -> np.ndarray:
    """The int32 accumulators (COUT, LEN_OUT) of a CONV1D, as int64 values.

    x (CIN, LEN_IN) int8; w (COUT, CIN, K) int8; bias (COUT,) int32."""
    x = int_array(x, "x", INT8_MIN, INT8_MAX, ndim=2)
    w = int_array(w, "w", INT8_MIN, INT8_MAX, ndim=3)
    cin, length = x.shape
    cout, wcin, kernel = w.shape
    if wcin != cin or cin == 0 or cout == 0 or kernel == 0 or length == 0:
        raise ValueError(f"w must have shape [COUT>0, CIN={cin}, K>0] for x of shape {x.shape}, "
                         f"got {w.shape}")
    bias = int_array(bias, "bias", INT32_MIN, INT32_MAX, shape=(cout,))
    stride = int_scalar(stride, "stride", 1)
    dilation = int_scalar(dilation, "dilation", 1)
    pad = int_scalar(pad, "pad", VALID, CAUSAL)
    if cin * kernel > ACC_MAX_TERMS:
        raise ValueError(f"CIN*K = {cin}*{kernel} > {ACC_MAX_TERMS} (ACC_RANGE)")
    lo = conv_len_out(length, kernel, stride, dilation, pad)
    if lo < 1:
        raise ValueError(f"receptive field {dilation * (kernel - 1) + 1} longer than the padded "
                         f"input (LEN_IN {length}, pad {PAD_NAMES[pad]}): RECEPTIVE")
    left, right = pad_amounts(kernel, dilation, pad)
    xp = np.zeros((cin, left + length + right), dtype=np.int64)
    xp[:, left:left + length] = x
    w64 = w.astype(np.int64)
    acc = np.repeat(bias.astype(np.int64)[:, None], lo, axis=1)
    span = (lo - 1) * stride + 1
    for k in range(kernel):                      # one integer matrix product per tap
        acc += w64[:, :, k] @ xp[:, k * dilation:k * dilation + span:stride]
    return wrap32(acc)


def requant(acc, m, s, relu_flag: bool = False) -> np.ndarray:
    """int8 outputs of int32 accumulators: per output channel (axis 0) multiplier ``m`` and shift ``s``.

    acc (COUT, ...) int32; m (COUT,) 0..65535; s (COUT,) 0..63 (the contract uses 0..47; 48..63
    give 0 because |acc*M| < 2^47)."""
    acc = int_array(acc, "acc", INT32_MIN, INT32_MAX)
    if acc.ndim < 1 or acc.shape[0] == 0:
        raise ValueError(f"acc must have a non-empty channel axis 0, got shape {acc.shape}")
    cout = acc.shape[0]
    m = int_array(m, "m", 0, M_MAX, shape=(cout,)).astype(np.int64)
    s = int_array(s, "s", 0, S_FIELD_MAX, shape=(cout,)).astype(np.int64)
    bshape = (cout,) + (1,) * (acc.ndim - 1)
    p = acc.astype(np.int64) * m.reshape(bshape)
    return _sat8(round_shift(p, s.reshape(bshape)), _flag(relu_flag, "relu"))


def requant_detail(acc, m, s) -> np.ndarray:
    """The unclamped rounded values r (before saturation and ReLU); r < -128 or r > 127 saturates."""
    acc = int_array(acc, "acc", INT32_MIN, INT32_MAX)
    cout = acc.shape[0]
    m = int_array(m, "m", 0, M_MAX, shape=(cout,)).astype(np.int64)
    s = int_array(s, "s", 0, S_FIELD_MAX, shape=(cout,)).astype(np.int64)
    bshape = (cout,) + (1,) * (acc.ndim - 1)
    return round_shift(acc.astype(np.int64) * m.reshape(bshape), s.reshape(bshape))


def conv1d(x, w, bias, m, s, stride: int = 1, dilation: int = 1, pad: int = VALID,
           relu_flag: bool = False) -> np.ndarray:
    """A CONV1D layer: int8 (COUT, LEN_OUT)."""
    return requant(conv1d_acc(x, w, bias, stride, dilation, pad), m, s, relu_flag)


def dense_acc(x, w, bias) -> np.ndarray:
    """The int32 accumulators (COUT,) of a DENSE layer: x (CIN,) or any shape flattened
    channel-major (a (C, L) map is its C*L features); w (COUT, CIN)."""
    x = int_array(x, "x", INT8_MIN, INT8_MAX).reshape(-1)
    w = int_array(w, "w", INT8_MIN, INT8_MAX, ndim=2)
    if w.shape[1] != x.size:
        raise ValueError(f"w must have shape [COUT, CIN={x.size}], got {w.shape}")
    return conv1d_acc(x[:, None], w[:, :, None], bias)[:, 0]


def dense(x, w, bias, m, s, relu_flag: bool = False) -> np.ndarray:
    """A DENSE layer: int8 (COUT,)."""
    return requant(dense_acc(x, w, bias), m, s, relu_flag)


def maxpool(x, kernel: int, stride: int, relu_flag: bool = False) -> np.ndarray:
    """A MAXPOOL layer: x (C, LEN_IN) int8 -> (C, LEN_OUT) int8 (valid windows, no dilation)."""
    x = int_array(x, "x", INT8_MIN, INT8_MAX, ndim=2)
    kernel = int_scalar(kernel, "kernel", 1)
    stride = int_scalar(stride, "stride", 1)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must be a non-empty (C, LEN_IN) map, got shape {x.shape}")
    lo = pool_len_out(x.shape[1], kernel, stride)
    if lo < 1:
        raise ValueError(f"maxpool window {kernel} longer than the input ({x.shape[1]}): RECEPTIVE")
    idx = (np.arange(lo) * stride)[:, None] + np.arange(kernel)[None, :]
    return _sat8(x.astype(np.int64)[:, idx].max(axis=2), _flag(relu_flag, "relu"))


def add(a, b, ma: int, mb: int, s: int, relu_flag: bool = False) -> np.ndarray:
    """An ADD layer: clamp(round_shift(a*MA + b*MB, S)) of two int8 maps of one shape."""
    a = int_array(a, "a", INT8_MIN, INT8_MAX)
    b = int_array(b, "b", INT8_MIN, INT8_MAX)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"a and b must have one non-empty shape, got {a.shape} and {b.shape}")
    ma = int_scalar(ma, "ma", MUL16_MIN, MUL16_MAX)
    mb = int_scalar(mb, "mb", MUL16_MIN, MUL16_MAX)
    s = int_scalar(s, "s", 0, ADD_S_MAX)
    r = round_shift(a.astype(np.int64) * ma + b.astype(np.int64) * mb, s)
    return _sat8(r, _flag(relu_flag, "relu"))


# ------------------------------------------------------------------------------------------
# The IP's descriptor
# ------------------------------------------------------------------------------------------
_DESC_FIELDS = ("kind", "cin", "cout", "len_in", "kernel", "stride", "dilation", "pad", "relu",
                "src_a", "src_b", "dst", "w_base", "q_base")
_REG_OF = {"kind": "KIND", "cin": "CIN", "cout": "COUT", "len_in": "LEN_IN", "kernel": "KERNEL",
           "stride": "STRIDE", "dilation": "DILATION", "pad": "PAD", "relu": "FLAGS",
           "src_a": "SRC_A", "src_b": "SRC_B", "dst": "DST", "w_base": "W_BASE", "q_base": "Q_BASE"}


@dataclass(frozen=True)
class Caps:
    """The parameters of a ``cnn_engine`` instance (CAPS register, plus MAX_CH)."""

    n_mac: int = rm.DEFAULTS["N_MAC"]
    act_bytes: int = rm.DEFAULTS["ACT_BYTES"]
    w_rows: int = rm.DEFAULTS["W_ROWS"]
    q_words: int = rm.DEFAULTS["Q_WORDS"]
    max_ch: int = rm.DEFAULTS["MAX_CH"]

    def __post_init__(self):
        int_scalar(self.n_mac, "n_mac", 1, 255)
        int_scalar(self.max_ch, "max_ch", 1, (1 << rm.REG["CIN"].width) - 1)
        for name, span in (("act_bytes", rm.WINDOW["ACT"].span),
                           ("w_rows", rm.WINDOW["W"].span // (4 * rm.words_per_row(self.n_mac))),
                           ("q_words", rm.WINDOW["Q"].span // 4)):
            v = int_scalar(getattr(self, name), name, 1, span)
            if v & (v - 1):
                raise ValueError(f"{name}={v} is not a power of two")

    @property
    def word(self) -> int:
        """The CAPS register value."""
        return rm.caps_word(self.n_mac, self.act_bytes, self.w_rows, self.q_words)

    @classmethod
    def from_word(cls, word: int, max_ch: int = rm.DEFAULTS["MAX_CH"]) -> "Caps":
        word = int_scalar(word, "CAPS", 0, 0xFFFFFFFF)
        f = {fl.name: fl.get(word) for fl in rm.REG["CAPS"].fields}
        for k in ("LOG2_ACT", "LOG2_W", "LOG2_Q"):
            if f[k] > 20:
                raise ValueError(f"CAPS 0x{word:08x}: {k} = {f[k]} is not a memory size")
        return cls(f["N_MAC"], 1 << f["LOG2_ACT"], 1 << f["LOG2_W"], 1 << f["LOG2_Q"], max_ch)


@dataclass(frozen=True)
class Descriptor:
    """The descriptor registers of one layer (any values the registers can hold: an illegal
    descriptor is representable, :func:`check_descriptor` tells its error code)."""

    kind: int
    cin: int
    cout: int
    len_in: int = 1
    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    pad: int = VALID
    relu: bool = False
    src_a: int = 0
    src_b: int = 0
    dst: int = 0
    w_base: int = 0
    q_base: int = 0

    def __post_init__(self):
        for f in _DESC_FIELDS:
            reg = rm.REG[_REG_OF[f]]
            v = getattr(self, f)
            if f == "relu":
                object.__setattr__(self, f, _flag(v, "relu"))
            else:
                object.__setattr__(self, f, int_scalar(v, f, 0, (1 << reg.width) - 1))

    def registers(self) -> dict:
        """{register name: value} of the 14 descriptor registers."""
        out = {}
        for f in _DESC_FIELDS:
            v = getattr(self, f)
            out[_REG_OF[f]] = rm.FLAGS["RELU"] if (f == "relu" and v) else int(v)
        return out

    @classmethod
    def from_registers(cls, regs: dict) -> "Descriptor":
        kw = {f: regs[_REG_OF[f]] for f in _DESC_FIELDS}
        kw["relu"] = bool(kw["relu"] & rm.FLAGS["RELU"])
        return cls(**kw)

    def effective(self) -> "Descriptor":
        """The descriptor as checked and executed: DENSE takes LEN_IN, KERNEL, STRIDE, DILATION,
        PAD as 1, 1, 1, 1, valid."""
        if self.kind != DENSE:
            return self
        return dataclasses.replace(self, len_in=1, kernel=1, stride=1, dilation=1, pad=VALID)

    def __str__(self):
        kind = KIND_NAMES.get(self.kind, f"KIND{self.kind}")
        pad = PAD_NAMES.get(self.pad, f"PAD{self.pad}")
        return (f"{kind} {self.cin}->{self.cout} len {self.len_in} K{self.kernel} S{self.stride} "
                f"D{self.dilation} {pad}{' relu' if self.relu else ''} a@{self.src_a} b@{self.src_b} "
                f"dst@{self.dst} w@{self.w_base} q@{self.q_base}")


def len_out(desc: Descriptor) -> int:
    """LEN_OUT as the IP computes it (the LEN_OUT register): 0 when undefined or below 1."""
    d = desc.effective()
    if d.kind == DENSE:
        return 1
    if d.kind > ADD or 0 in (d.kernel, d.stride, d.dilation):
        return 0
    if d.kind == ADD:
        return d.len_in
    if d.kind == MAXPOOL:
        return pool_len_out(d.len_in, d.kernel, d.stride)
    if d.pad > CAUSAL:
        return 0
    return conv_len_out(d.len_in, d.kernel, d.stride, d.dilation, d.pad)


def weight_rows(desc: Descriptor, n_mac: int) -> int:
    """Weight RAM rows a CONV1D/DENSE layer uses: ceil(COUT/N_MAC)*CIN*K (0 for MAXPOOL/ADD)."""
    d = desc.effective()
    if d.kind not in (CONV1D, DENSE):
        return 0
    return -(-d.cout // int_scalar(n_mac, "n_mac", 1)) * d.cin * d.kernel


def quant_words(desc: Descriptor) -> int:
    """Quant RAM words a layer uses: 2*COUT (CONV1D/DENSE), 2 (ADD), 0 (MAXPOOL)."""
    return {CONV1D: 2 * desc.cout, DENSE: 2 * desc.cout, ADD: 2}.get(desc.kind, 0)


def macs(desc: Descriptor) -> int:
    """The MACS counter of a legal layer: lane-MACs with co < COUT, padded taps included
    (COUT*LEN_OUT*CIN*K for CONV1D, COUT*CIN for DENSE, 0 for MAXPOOL and ADD)."""
    d = desc.effective()
    if d.kind not in (CONV1D, DENSE):
        return 0
    return d.cout * len_out(d) * d.cin * d.kernel


def mac_bound_cycles(desc: Descriptor, n_mac: int) -> int:
    """Cycles of a layer at one MAC per lane per cycle: ceil(COUT/N_MAC)*LEN_OUT*CIN*K
    (CONV1D/DENSE); one cycle per output element for MAXPOOL and ADD."""
    d = desc.effective()
    if d.kind in (CONV1D, DENSE):
        return weight_rows(d, n_mac) * len_out(d)
    return d.cout * len_out(d)


def _regions(d: Descriptor, lo: int):
    n_in = d.cin * d.len_in
    srcs = [(d.src_a, n_in)] + ([(d.src_b, n_in)] if d.kind == ADD else [])
    return srcs, (d.dst, d.cout * lo)


def check_descriptor(desc: Descriptor, caps: Caps = Caps()) -> int:
    """The IP's error code for START with this descriptor: 0 (accepted) or the first of
    BAD_KIND .. Q_RANGE that applies, in the contract's order."""
    if not isinstance(desc, Descriptor):
        raise TypeError(f"desc must be a Descriptor, got {type(desc).__name__}")
    if not isinstance(caps, Caps):
        raise TypeError(f"caps must be a Caps, got {type(caps).__name__}")
    d = desc.effective()
    if d.kind > ADD:
        return ERR["BAD_KIND"]
    if d.pad > CAUSAL or (d.kind == MAXPOOL and d.pad != VALID):
        return ERR["BAD_PAD"]
    if 0 in (d.kernel, d.stride, d.dilation, d.cin, d.cout, d.len_in):
        return ERR["ZERO_PARAM"]
    if (d.cin > caps.max_ch or d.cout > caps.max_ch
            or (d.kind in (MAXPOOL, ADD) and d.cout != d.cin)
            or (d.kind == MAXPOOL and d.dilation != 1)):
        return ERR["CH_RANGE"]
    if d.cin * d.kernel > ACC_MAX_TERMS:
        return ERR["ACC_RANGE"]
    lo = len_out(d)
    if lo < 1:
        return ERR["RECEPTIVE"]
    srcs, (dst, n_out) = _regions(d, lo)
    if any(a + n > caps.act_bytes for a, n in srcs) or dst + n_out > caps.act_bytes:
        return ERR["ACT_RANGE"]
    if any(a < dst + n_out and dst < a + n for a, n in srcs):
        return ERR["OVERLAP"]
    if d.kind in (CONV1D, DENSE) and d.w_base + weight_rows(d, caps.n_mac) > caps.w_rows:
        return ERR["W_RANGE"]
    if d.kind != MAXPOOL and d.q_base + quant_words(d) > caps.q_words:
        return ERR["Q_RANGE"]
    return ERR["OK"]


# ------------------------------------------------------------------------------------------
# A descriptor with its operands
# ------------------------------------------------------------------------------------------
@dataclass
class Operands:
    """What a layer reads besides its descriptor: input maps, weights and quantization.

    a (CIN, LEN_IN) int8 (DENSE: (CIN, 1)); b (ADD only); weight (COUT, CIN, K) int8 (DENSE:
    K = 1); bias, m, s (COUT,) (CONV1D, DENSE); ma, mb, shift (ADD)."""

    a: np.ndarray
    b: np.ndarray | None = None
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    m: np.ndarray | None = None
    s: np.ndarray | None = None
    ma: int = 0
    mb: int = 0
    shift: int = 0


def _need(v, what: str, desc: Descriptor):
    if v is None:
        raise ValueError(f"{KIND_NAMES[desc.kind]} layer needs operand {what}")
    return v


def run_descriptor(desc: Descriptor, ops: Operands, caps: Caps = Caps(), detail: bool = False):
    """The output map (COUT, LEN_OUT) int8 of a legal descriptor on its operands; with
    ``detail`` also the unclamped rounded values r (CONV1D/DENSE/ADD; None for MAXPOOL), from
    which saturation at either end can be read (r < -128, r > 127)."""
    code = check_descriptor(desc, caps)
    if code:
        raise ValueError(f"descriptor {desc} is refused with {error_name(code)} ({code})")
    d = desc.effective()
    shape_in = (d.cin, d.len_in)
    a = int_array(ops.a, "a", INT8_MIN, INT8_MAX, shape=shape_in)
    r = None
    if d.kind in (CONV1D, DENSE):
        w = int_array(_need(ops.weight, "weight", d), "weight", INT8_MIN, INT8_MAX,
                      shape=(d.cout, d.cin, d.kernel))
        acc = conv1d_acc(a, w, _need(ops.bias, "bias", d), d.stride, d.dilation, d.pad)
        y = requant(acc, _need(ops.m, "m", d), _need(ops.s, "s", d), d.relu)
        if detail:
            r = requant_detail(acc, ops.m, ops.s)
    elif d.kind == MAXPOOL:
        y = maxpool(a, d.kernel, d.stride, d.relu)
    else:
        b = int_array(_need(ops.b, "b", d), "b", INT8_MIN, INT8_MAX, shape=shape_in)
        y = add(a, b, ops.ma, ops.mb, ops.shift, d.relu)
        if detail:
            r = round_shift(a.astype(np.int64) * ops.ma + b.astype(np.int64) * ops.mb, ops.shift)
    return (y, r) if detail else y


# ------------------------------------------------------------------------------------------
# Constrained-random descriptors and operands (the RTL testbench's layer-level test)
# ------------------------------------------------------------------------------------------
def _ri(rng, lo: int, hi: int) -> int:
    """A uniform integer lo..hi from a random.Random or a numpy Generator."""
    if hasattr(rng, "integers"):
        return int(rng.integers(lo, hi + 1))
    return rng.randint(lo, hi)


def _rf(rng) -> float:
    return float(rng.random())


def _pick(rng, seq):
    return seq[_ri(rng, 0, len(seq) - 1)]


def _check_rng(rng):
    if not (hasattr(rng, "integers") or isinstance(rng, _random.Random)):
        raise TypeError(f"rng must be a random.Random or a numpy Generator, got {type(rng).__name__}")


def _place(rng, sizes: list, act_bytes: int):
    """Non-overlapping random byte addresses for regions of the given sizes, or None."""
    total = sum(sizes)
    if total > act_bytes:
        return None
    order = list(range(len(sizes)))
    for i in range(len(order) - 1, 0, -1):           # Fisher-Yates with our rng
        j = _ri(rng, 0, i)
        order[i], order[j] = order[j], order[i]
    slack = act_bytes - total
    cuts = sorted(_ri(rng, 0, slack) for _ in range(len(sizes) + 1))
    gaps = [cuts[0]] + [cuts[i + 1] - cuts[i] for i in range(len(sizes) - 1)]
    addr, at = [0] * len(sizes), 0
    for g, i in zip(gaps, order):
        at += g
        addr[i] = at
        at += sizes[i]
    return addr


def random_descriptor(rng, caps: Caps = Caps(), kind: int | None = None, legal: bool = True) -> Descriptor:
    """A random descriptor.  Legal ones (``check_descriptor == 0``) are small enough for the
    default memories and a quick simulation and cover every kind, every padding, stride > 1,
    dilation > 1, COUT below, equal to and above N_MAC, and, for DENSE, junk in the ignored
    fields; ``legal=False`` draws an error code 1..10 and calls
    :func:`random_illegal_descriptor`."""
    _check_rng(rng)
    if not isinstance(caps, Caps):
        raise TypeError(f"caps must be a Caps, got {type(caps).__name__}")
    if not legal:
        codes = [c for c in range(1, len(ERROR_NAMES)) if kind is None or _code_fits_kind(c, kind)]
        return random_illegal_descriptor(rng, caps, _pick(rng, codes), kind=kind)
    if kind is not None:
        kind = int_scalar(kind, "kind", CONV1D, ADD)
    k = kind if kind is not None else _ri(rng, CONV1D, ADD)
    for _ in range(1000):
        cin = _pick(rng, [1, 1, 2, 3, 4, 5, 8, _ri(rng, 1, 16)])
        cout = _pick(rng, [1, 2, caps.n_mac, caps.n_mac + 1, 2 * caps.n_mac + 1, _ri(rng, 1, 12)])
        cout = max(1, min(cout, caps.max_ch))
        cin = max(1, min(cin, caps.max_ch))
        len_in = _pick(rng, [1, 2, 5, _ri(rng, 1, 24), _ri(rng, 8, 48)])
        kern = _pick(rng, [1, 2, 3, 5, _ri(rng, 1, 7)])
        stride = _pick(rng, [1, 1, 2, 3])
        dil = _pick(rng, [1, 1, 2, 3, 4])
        pad = _ri(rng, VALID, CAUSAL)
        relu = _rf(rng) < 0.4
        if k == DENSE:
            cin = _pick(rng, [1, 3, 8, _ri(rng, 1, 64), _ri(rng, 64, 200)])
            # the ignored fields carry junk (any register value) now and then
            junk = _rf(rng) < 0.5
            len_in = _ri(rng, 0, 70) if junk else 1
            kern = _ri(rng, 0, 9) if junk else 1
            stride = _ri(rng, 0, 5) if junk else 1
            dil = _ri(rng, 0, 5) if junk else 1
            pad = _ri(rng, 0, 3) if junk else VALID
        elif k == MAXPOOL:
            cout, pad, dil = cin, VALID, 1
            kern = _pick(rng, [1, 2, 3, _ri(rng, 1, 5)])
        elif k == ADD:
            cout = cin
            kern, stride, dil, pad = _ri(rng, 1, 4), _ri(rng, 1, 4), _ri(rng, 1, 4), _ri(rng, 0, 2)
        d = Descriptor(k, cin, cout, len_in, kern, stride, dil, pad, relu)
        e = d.effective()
        lo = len_out(e)
        if lo < 1:
            continue
        n_in, n_out = e.cin * e.len_in, e.cout * lo
        sizes = [n_in, n_out] + ([n_in] if k == ADD else [])
        addr = _place(rng, sizes, caps.act_bytes)
        if addr is None:
            continue
        src_b = addr[2] if k == ADD else _ri(rng, 0, caps.act_bytes - 1)
        if k == ADD and _rf(rng) < 0.15:
            src_b = addr[0]                         # a + a: the two sources may coincide
        rows = weight_rows(e, caps.n_mac)
        w_base = _ri(rng, 0, caps.w_rows - rows) if k in (CONV1D, DENSE) else _ri(rng, 0, caps.w_rows)
        qn = quant_words(e)
        q_base = _ri(rng, 0, caps.q_words - qn) if qn else _ri(rng, 0, caps.q_words)
        d = dataclasses.replace(d, src_a=addr[0], dst=addr[1], src_b=src_b, w_base=w_base, q_base=q_base)
        if check_descriptor(d, caps) == 0:
            return d
    raise RuntimeError(f"no legal descriptor of kind {kind} fits caps {caps}")


def _code_fits_kind(code: int, kind: int) -> bool:
    """Whether error ``code`` can be produced with layer ``kind`` (kind > 3 only BAD_KIND)."""
    if kind > ADD:
        return code == ERR["BAD_KIND"]
    if code == ERR["BAD_KIND"]:
        return False
    if code in (ERR["BAD_PAD"], ERR["ACC_RANGE"]):
        return kind != DENSE                    # DENSE takes PAD = 0 and K = 1
    if code == ERR["RECEPTIVE"]:
        return kind in (CONV1D, MAXPOOL)
    if code == ERR["W_RANGE"]:
        return kind in (CONV1D, DENSE)
    if code == ERR["Q_RANGE"]:
        return kind != MAXPOOL
    return True


def random_illegal_descriptor(rng, caps: Caps = Caps(), code: int = 1, kind: int | None = None) -> Descriptor:
    """A random descriptor whose error code is ``code`` (1..10): a legal one with one
    constraint broken so that ``code`` is the first that applies."""
    _check_rng(rng)
    code = int_scalar(code, "code", 1, len(ERROR_NAMES) - 1)
    kinds = [k for k in (CONV1D, DENSE, MAXPOOL, ADD) if _code_fits_kind(code, k)]
    if kind is not None:
        if not _code_fits_kind(code, kind):
            raise ValueError(f"error {error_name(code)} cannot be produced by kind {kind}")
        kinds = [kind]
    name = error_name(code)
    hi16 = (1 << 16) - 1
    for _ in range(2000):
        if name == "BAD_KIND":
            base = random_descriptor(rng, caps)
            d = dataclasses.replace(base, kind=_ri(rng, ADD + 1, (1 << rm.REG["KIND"].width) - 1))
            return d
        k = _pick(rng, kinds)
        d = random_descriptor(rng, caps, kind=k)
        rep = {}
        if name == "BAD_PAD":
            rep["pad"] = 3 if (k != MAXPOOL or _rf(rng) < 0.3) else _ri(rng, SAME, 3)
        elif name == "ZERO_PARAM":
            fields = ["cin", "cout"] + ([] if k == DENSE else ["len_in", "kernel", "stride", "dilation"])
            rep[_pick(rng, fields)] = 0
        elif name == "CH_RANGE":
            ways = ["cin_big"] + (["cout_big"] if k in (CONV1D, DENSE) else ["cout_ne"]) \
                + (["dilation"] if k == MAXPOOL else [])
            way = _pick(rng, ways)
            if way == "cin_big":
                rep["cin"] = _ri(rng, caps.max_ch + 1, hi16)
            elif way == "cout_big":
                rep["cout"] = _ri(rng, caps.max_ch + 1, hi16)
            elif way == "cout_ne":
                rep["cout"] = d.cin - 1 if (d.cin > 1 and _rf(rng) < 0.3) else d.cin + _ri(rng, 1, 4)
            else:
                rep["dilation"] = _ri(rng, 2, 8)
        elif name == "ACC_RANGE":
            cin = _ri(rng, max(1, ACC_MAX_TERMS // hi16 + 1), caps.max_ch)
            kern = _ri(rng, ACC_MAX_TERMS // cin + 1, min(hi16, ACC_MAX_TERMS // cin + 40))
            rep.update(cin=cin, kernel=kern)
            if k in (MAXPOOL, ADD):
                rep["cout"] = cin
        elif name == "RECEPTIVE":
            if k == MAXPOOL:
                rep["kernel"] = d.len_in + _ri(rng, 1, 5)
            else:
                rep["pad"] = VALID
                dil = _ri(rng, 1, 4)
                rep["dilation"] = dil
                rep["kernel"] = (d.len_in + dil - 1) // dil + 1 + _ri(rng, 0, 3)
        elif name == "ACT_RANGE":
            e = d.effective()
            which = _ri(rng, 0, 2)
            n_in, n_out = e.cin * e.len_in, e.cout * len_out(e)
            if which == 0:
                rep["src_a"] = _ri(rng, caps.act_bytes - n_in + 1, hi16)
            elif which == 1 and k == ADD:
                rep["src_b"] = _ri(rng, caps.act_bytes - n_in + 1, hi16)
            else:
                rep["dst"] = _ri(rng, caps.act_bytes - n_out + 1, hi16)
        elif name == "OVERLAP":
            e = d.effective()
            n_in, n_out = e.cin * e.len_in, e.cout * len_out(e)
            src = d.src_b if (k == ADD and _rf(rng) < 0.5) else d.src_a
            rep["dst"] = _ri(rng, max(0, src - n_out + 1), src + n_in - 1)
        elif name == "W_RANGE":
            rows = weight_rows(d, caps.n_mac)
            rep["w_base"] = _ri(rng, caps.w_rows - rows + 1, min(hi16, caps.w_rows + 64))
        elif name == "Q_RANGE":
            qn = quant_words(d)
            rep["q_base"] = _ri(rng, caps.q_words - qn + 1, min(hi16, caps.q_words + 64))
        try:
            bad = dataclasses.replace(d, **rep)
        except ValueError:
            continue
        if check_descriptor(bad, caps) == code:
            return bad
    raise RuntimeError(f"could not draw a descriptor refused with {name} for caps {caps}")


def _rand_int8(rng, shape, extreme: float) -> np.ndarray:
    n = int(np.prod(shape))
    v = [_ri(rng, INT8_MIN, INT8_MAX) for _ in range(n)]
    for i in range(n):
        u = _rf(rng)
        if u < extreme / 2:
            v[i] = INT8_MIN
        elif u < extreme:
            v[i] = INT8_MAX
    return np.array(v, dtype=np.int8).reshape(shape)


def _scale_for(amax: int, target: int) -> tuple[int, int]:
    """(M, S) with M * amax / 2^S close to ``target`` (M 1..65535, S 0..47)."""
    amax = max(1, int(amax))
    best = (1, 0)
    for s in range(S_MAX + 1):
        m = (target * (1 << s) + amax // 2) // amax
        if 1 <= m <= M_MAX:
            best = (m, s)
        elif m > M_MAX:
            break
    return best


def random_operands(rng, desc: Descriptor, caps: Caps = Caps()) -> Operands:
    """Random operands for a legal descriptor, drawn so that outputs saturate at -128 and at
    127 in a good share of layers (multipliers and shifts are chosen from the accumulators'
    range: some channels overdriven 2-8x, some fitted, some with S = 0 or S = 47)."""
    _check_rng(rng)
    code = check_descriptor(desc, caps)
    if code:
        raise ValueError(f"descriptor {desc} is refused with {error_name(code)} ({code})")
    d = desc.effective()
    extreme = _pick(rng, [0.0, 0.05, 0.3])
    a = _rand_int8(rng, (d.cin, d.len_in), extreme)
    if d.kind == MAXPOOL:
        return Operands(a)
    if d.kind == ADD:
        b = a.copy() if d.src_b == d.src_a else _rand_int8(rng, (d.cin, d.len_in), extreme)
        ma = _pick(rng, [_ri(rng, MUL16_MIN, MUL16_MAX), _ri(rng, -300, 300), MUL16_MIN, MUL16_MAX, 1])
        mb = _pick(rng, [_ri(rng, MUL16_MIN, MUL16_MAX), _ri(rng, -300, 300), MUL16_MIN, MUL16_MAX, 0])
        amax = 128 * (abs(ma) + abs(mb))
        s = max(0, min(ADD_S_MAX, amax.bit_length() - 7 - _ri(rng, -1, 3)))
        if _rf(rng) < 0.1:
            s = _pick(rng, [0, ADD_S_MAX])
        return Operands(a, b, ma=ma, mb=mb, shift=s)
    w = _rand_int8(rng, (d.cout, d.cin, d.kernel), extreme)
    bias_mode = _rf(rng)
    if bias_mode < 0.1:
        bias = [_pick(rng, [-(BIAS_ABS_LIMIT - 1), BIAS_ABS_LIMIT - 1]) for _ in range(d.cout)]
    else:
        span = _pick(rng, [0, 100, 1 << 12, 1 << 16])
        bias = [_ri(rng, -span, span) for _ in range(d.cout)]
    bias = np.array(bias, dtype=np.int64)
    acc = conv1d_acc(a, w, bias, d.stride, d.dilation, d.pad)
    m, s = [], []
    for co in range(d.cout):
        mode = _ri(rng, 0, 9)
        amax = int(np.abs(acc[co]).max())
        if mode <= 3:                             # overdriven: saturates where |acc| is large
            mm, ss = _scale_for(amax, 127 * _pick(rng, [2, 4, 8]))
        elif mode <= 6:                           # fitted into the int8 range
            mm, ss = _scale_for(amax, _ri(rng, 40, 127))
        elif mode == 7:                           # S = 0: r = acc * M
            mm, ss = _ri(rng, 0, 3), 0
        elif mode == 8:                           # the largest shift
            mm, ss = _ri(rng, 0, M_MAX), S_MAX
        else:                                     # anything
            mm, ss = _ri(rng, 0, M_MAX), _ri(rng, 0, S_MAX)
        m.append(mm)
        s.append(ss)
    return Operands(a, None, w, bias, np.array(m, dtype=np.int64), np.array(s, dtype=np.int64))


# ------------------------------------------------------------------------------------------
# Networks
# ------------------------------------------------------------------------------------------
@dataclass
class Layer:
    """One layer of a quantized network.

    kind      CONV1D, DENSE, MAXPOOL or ADD
    weight    CONV1D (COUT, CIN, K) int8; DENSE (COUT, CIN) int8 (CIN = the flattened input)
    bias      (COUT,) int32 with |bias| < 2^30; m (COUT,) 0..65535; s (COUT,) 0..47
    kernel, stride, dilation, pad   CONV1D (kernel from the weights); MAXPOOL kernel and stride
    relu      the RELU flag
    ma, mb, shift   ADD: y = clamp(round_shift(a*ma + b*mb, shift))
    src       index of the layer whose output is input a (None: the previous layer; -1: the
              network input); src_b: ADD's input b (required, same convention)
    name      free text for reports
    """

    kind: int
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    m: np.ndarray | None = None
    s: np.ndarray | None = None
    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    pad: int = VALID
    relu: bool = False
    ma: int = 0
    mb: int = 0
    shift: int = 0
    src: int | None = None
    src_b: int | None = None
    name: str = ""

    def __post_init__(self):
        self.kind = int_scalar(self.kind, "kind", CONV1D, ADD)
        self.relu = _flag(self.relu, "relu")
        self.stride = int_scalar(self.stride, "stride", 1)
        self.dilation = int_scalar(self.dilation, "dilation", 1)
        self.pad = int_scalar(self.pad, "pad", VALID, CAUSAL)
        if self.kind in (CONV1D, DENSE):
            nd = 3 if self.kind == CONV1D else 2
            if self.weight is None:
                raise ValueError(f"{KIND_NAMES[self.kind]} layer {self.name!r} needs weight")
            self.weight = int_array(self.weight, "weight", INT8_MIN, INT8_MAX, ndim=nd).astype(np.int8)
            cout = self.weight.shape[0]
            for f, lo, hi in (("bias", -(BIAS_ABS_LIMIT - 1), BIAS_ABS_LIMIT - 1), ("m", 0, M_MAX),
                              ("s", 0, S_MAX)):
                v = getattr(self, f)
                if v is None:
                    raise ValueError(f"{KIND_NAMES[self.kind]} layer {self.name!r} needs {f}")
                setattr(self, f, int_array(v, f, lo, hi, shape=(cout,)).astype(np.int64))
            if self.kind == CONV1D:
                self.kernel = self.weight.shape[2]
            else:
                self.kernel, self.stride, self.dilation, self.pad = 1, 1, 1, VALID
        elif self.kind == MAXPOOL:
            self.kernel = int_scalar(self.kernel, "kernel", 1)
            if self.dilation != 1 or self.pad != VALID:
                raise ValueError(f"MAXPOOL layer {self.name!r}: dilation must be 1 and pad valid")
        else:
            self.ma = int_scalar(self.ma, "ma", MUL16_MIN, MUL16_MAX)
            self.mb = int_scalar(self.mb, "mb", MUL16_MIN, MUL16_MAX)
            self.shift = int_scalar(self.shift, "shift", 0, ADD_S_MAX)
            if self.src_b is None:
                raise ValueError(f"ADD layer {self.name!r} needs src_b (the index of its second input)")

    def out_shape(self, in_shape: tuple) -> tuple:
        """(COUT, LEN_OUT) of the output map for an input map of ``in_shape`` (C, L)."""
        return (self.descriptor(in_shape).cout, len_out(self.descriptor(in_shape)))

    def descriptor(self, in_shape: tuple, **addresses) -> Descriptor:
        """The descriptor of this layer on an input map of shape (C, L); ``addresses`` are
        src_a, src_b, dst, w_base, q_base (default 0)."""
        c, length = (int(v) for v in in_shape)
        if self.kind == DENSE:
            cin = c * length
            if self.weight.shape[1] != cin:
                raise ValueError(f"DENSE layer {self.name!r} has {self.weight.shape[1]} inputs, "
                                 f"its input map has {c}x{length} = {cin}")
            return Descriptor(DENSE, cin, self.weight.shape[0], relu=self.relu, **addresses)
        if self.kind == CONV1D:
            if self.weight.shape[1] != c:
                raise ValueError(f"CONV1D layer {self.name!r} has CIN {self.weight.shape[1]}, "
                                 f"its input map has {c} channels")
            cout = self.weight.shape[0]
        else:
            cout = c
        return Descriptor(self.kind, c, cout, length, self.kernel, self.stride, self.dilation,
                          self.pad, self.relu, **addresses)

    def operands(self, a, b=None) -> Operands:
        """The operands of this layer for input map(s) a (and b for ADD)."""
        a = np.asarray(a)
        if self.kind == DENSE:
            return Operands(a.reshape(-1, 1), None, self.weight[:, :, None], self.bias, self.m, self.s)
        if self.kind == CONV1D:
            return Operands(a, None, self.weight, self.bias, self.m, self.s)
        if self.kind == MAXPOOL:
            return Operands(a)
        return Operands(a, b, ma=self.ma, mb=self.mb, shift=self.shift)

    def apply(self, a, b=None) -> np.ndarray:
        """The output map (COUT, LEN_OUT) int8 of this layer."""
        a = int_array(a, "input", INT8_MIN, INT8_MAX, ndim=2)
        if self.kind == CONV1D:
            return conv1d(a, self.weight, self.bias, self.m, self.s, self.stride, self.dilation,
                          self.pad, self.relu)
        if self.kind == DENSE:
            return dense(a, self.weight, self.bias, self.m, self.s, self.relu)[:, None]
        if self.kind == MAXPOOL:
            return maxpool(a, self.kernel, self.stride, self.relu)
        if b is None:
            raise ValueError(f"ADD layer {self.name!r} needs its second input")
        return add(a, b, self.ma, self.mb, self.shift, self.relu)


def network_input(x) -> np.ndarray:
    """A network input as a (C, L) int8 map (a 1-D beat is one channel)."""
    x = int_array(x, "x", INT8_MIN, INT8_MAX)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"x must be a non-empty (L,) beat or (C, L) map, got shape {x.shape}")
    return x.astype(np.int8)


def layer_sources(net: list, i: int) -> tuple[int, int | None]:
    """(index of input a, index of input b or None) of layer i; -1 is the network input."""
    layer = net[i]
    a = i - 1 if layer.src is None else int(layer.src)
    b = None if layer.kind != ADD else int(layer.src_b)
    for name, j in (("src", a), ("src_b", b)):
        if j is not None and not -1 <= j < i:
            raise ValueError(f"layer {i} ({layer.name!r}): {name}={j} must name an earlier layer "
                             f"(-1 = the network input)")
    return a, b


def run_network(net: list, x) -> list[np.ndarray]:
    """Every layer's output map (C, L) int8, in order (the last is the logits map (classes, 1))."""
    if not net or not all(isinstance(layer, Layer) for layer in net):
        raise TypeError("net must be a non-empty list of Layer")
    outs: list[np.ndarray] = []
    x = network_input(x)

    def value(j):
        return x if j == -1 else outs[j]

    for i, layer in enumerate(net):
        a, b = layer_sources(net, i)
        outs.append(layer.apply(value(a), None if b is None else value(b)))
    return outs


# ------------------------------------------------------------------------------------------
# Reference loops (tests only): pure Python integers, no numpy arithmetic
# ------------------------------------------------------------------------------------------
def _wrap32_int(v: int) -> int:
    return ((v + (1 << 31)) % (1 << 32)) - (1 << 31)


def ref_round_shift(p: int, s: int) -> int:
    return p if s == 0 else (p + (1 << (s - 1))) >> s


def ref_conv1d_acc(x, w, bias, stride=1, dilation=1, pad=VALID) -> list:
    x = [[int(v) for v in row] for row in np.asarray(x).tolist()]
    w = np.asarray(w).tolist()
    cin, length = len(x), len(x[0])
    kernel = len(w[0][0])
    total = 0 if pad == VALID else (kernel - 1) * dilation
    left = 0 if pad == VALID else (total // 2 if pad == SAME else total)
    lo = (length + total - dilation * (kernel - 1) - 1) // stride + 1
    out = []
    for co in range(len(w)):
        row = []
        for t in range(lo):
            acc = int(bias[co])
            for ci in range(cin):
                for k in range(kernel):
                    pos = t * stride + k * dilation - left
                    if 0 <= pos < length:
                        acc += int(w[co][ci][k]) * x[ci][pos]
            row.append(_wrap32_int(acc))
        out.append(row)
    return out


def ref_requant(acc, m, s, relu_flag=False) -> list:
    out = []
    for co, row in enumerate(acc):
        r = [ref_round_shift(int(v) * int(m[co]), int(s[co])) for v in row]
        y = [min(127, max(-128, v)) for v in r]
        out.append([max(0, v) for v in y] if relu_flag else y)
    return out


def ref_maxpool(x, kernel, stride, relu_flag=False) -> list:
    out = []
    for row in np.asarray(x).tolist():
        lo = (len(row) - kernel) // stride + 1
        y = [max(row[t * stride:t * stride + kernel]) for t in range(lo)]
        out.append([max(0, v) for v in y] if relu_flag else y)
    return out


def ref_add(a, b, ma, mb, s, relu_flag=False) -> list:
    out = []
    for ra, rb in zip(np.asarray(a).tolist(), np.asarray(b).tolist()):
        y = [min(127, max(-128, ref_round_shift(va * ma + vb * mb, s))) for va, vb in zip(ra, rb)]
        out.append([max(0, v) for v in y] if relu_flag else y)
    return out


def ref_layer(layer: Layer, a, b=None) -> list:
    """One layer by the reference loops (a (C, L) input map; DENSE flattens it)."""
    if layer.kind == CONV1D:
        acc = ref_conv1d_acc(a, layer.weight, layer.bias, layer.stride, layer.dilation, layer.pad)
        return ref_requant(acc, layer.m, layer.s, layer.relu)
    if layer.kind == DENSE:
        flat = [[v] for v in np.asarray(a).reshape(-1).tolist()]
        acc = ref_conv1d_acc(flat, np.asarray(layer.weight)[:, :, None], layer.bias)
        return ref_requant(acc, layer.m, layer.s, layer.relu)
    if layer.kind == MAXPOOL:
        return ref_maxpool(a, layer.kernel, layer.stride, layer.relu)
    return ref_add(a, b, layer.ma, layer.mb, layer.shift, layer.relu)


def ref_run_network(net: list, x) -> list:
    outs = []
    x = network_input(x).tolist()
    for i, layer in enumerate(net):
        a, b = layer_sources(net, i)
        outs.append(ref_layer(layer, x if a == -1 else outs[a],
                              None if b is None else (x if b == -1 else outs[b])))
    return outs

