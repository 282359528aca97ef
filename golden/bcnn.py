# SPDX-License-Identifier: Apache-2.0
"""Bit-exact golden model of the binary CNN (ECG-ID-BNet, de Melo et al., Sensors 2022).

The contract is docs/bcnn.md.  Network (the paper's Table 2), no padding, stride 1,
cross-correlation as torch's ``conv1d``: ``out[f, x] = sum_{c, k} w[f, c, k] * in[c, x + k]``.

=======  =========  ===========  ============  =====================================
unit     filters    input (c,x)  output (c,x)  arithmetic
=======  =========  ===========  ============  =====================================
conv1    128, k=7   (1, 180)     (128, 174)    s = sum_k (+x or -x), int8 samples
conv2    64, k=7    (128, 174)   (64, 168)     d = 2 * popcount(XNOR) - 896
conv3    128, k=7   (64, 168)    (128, 162)    d = 2 * popcount(XNOR) - 448
conv4    64, k=7    (128, 162)   (64, 156)     d = 2 * popcount(XNOR) - 896, then
                                 (64, 78)      pool: p[c, j] = b[c, 2j] OR b[c, 2j+1]
FC       N          4,992        N             score = 2 * popcount(XNOR) - 4992 + bias
=======  =========  ===========  ============  =====================================

Bits: an activation bit 1 is +1, 0 is -1; a weight bit 1 is +1, 0 is -1; so the
product of a weight and an activation is +1 exactly when XNOR(w, a) = 1 and a dot
product over n terms is ``2 * popcount(XNOR) - n``.

Threshold (batch norm folded, per filter, in the sum domain of the unit):
``bit = (sum >= T) XOR flip`` (``flip`` = 1 for a negative batch-norm gamma).

Order at conv4: threshold -> OR-pool.  The float model pools the batch-norm output
and then takes the sign; since ``sign`` (``y >= 0`` -> +1) is non-decreasing,
``sign(max(y0, y1)) = max(sign(y0), sign(y1))`` = OR of the two bits, whatever the
sign of gamma (the batch norm, decreasing for gamma < 0, is applied to each
element before the max).

FC input order: position-major, ``v[x * 64 + c] = p[c, x]``, so the 64 channels of a
pooled position form one 64-bit word.  Argmax of the integer scores, ties to the
lowest class index.

Memory image (64-bit words, :func:`pack_image` / :func:`unpack_image`, bit layout in
docs/bcnn.md): header, word count, per filter its weight words then one threshold
word, per class 78 weight words then one bias word, an XOR checksum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from golden import formats as F

#: Network geometry.
L_IN = 180
K = 7
CONV_CIN = (1, 128, 64, 128)
CONV_COUT = (128, 64, 128, 64)
CONV_LOUT = (174, 168, 162, 156)
POOL = 2
L_POOL = CONV_LOUT[3] // POOL          # 78
N_FC_IN = CONV_COUT[3] * L_POOL        # 4,992
#: Input samples: int8 in [-IN_MAX, IN_MAX] (golden/ecgid.py quantises to +-127).
IN_MAX = 127
#: Word width of the parameter memory and of the feature-map words.
WORD = 64
#: Image header (the formats live in golden/formats.py, shared with rtl/common/ecg_formats.vh).
IMG_MAGIC = F.BCNN_MAGIC                # "BCNN"
IMG_VERSION = F.BCNN_VERSION
#: The largest N_CLASSES an image may declare (the RTL's bound, parameter N_CLASSES_MAX).
N_CLASSES_MAX = F.BCNN_N_CLASSES_MAX
#: Threshold / bias word: signed 32-bit field [31:0], flip bit 32 (thresholds only).
THR_BITS = F.BCNN_THR.width
FLIP_BIT = F.BCNN_FLIP_BIT
#: FC bias range (BCNN_BIAS) and score format (BCNN_SCORE).
BIAS = F.BCNN_BIAS
SCORE = F.BCNN_SCORE

PARAMS_DIR = Path(__file__).resolve().parent / "params" / "bcnn"


class ImageError(ValueError):
    """A parameter image that is malformed (magic, version, size, checksum, fields);
    ``code`` is the engine's error code of golden.formats.BCNN_ERRORS (STATUS.CODE)."""

    def __init__(self, msg: str, code: str = "BCNN_ERR_RESERVED"):
        super().__init__(msg)
        self.code = F.BCNN_ERRORS[code]
        self.code_name = code


def n_terms(layer: int) -> int:
    """Terms of one sum of conv unit ``layer`` (0..3): c_in * K."""
    return CONV_CIN[layer] * K


def sum_range(layer: int) -> int:
    """Largest |sum| of conv unit ``layer``: 7 * 127 for conv1, c_in * 7 after it."""
    return K * IN_MAX if layer == 0 else n_terms(layer)


def weight_words(layer: int) -> int:
    """64-bit weight words per filter (conv 0..3) or per class (layer 4 = FC)."""
    if layer == 4:
        return N_FC_IN // WORD
    if layer == 0:
        return 1                      # the 7 taps in bits 6:0
    return K * (CONV_CIN[layer] // WORD)


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BcnnParams:
    """Integer parameters: weights +-1 (int8), thresholds and flips per filter, FC bias."""

    w: tuple          # 4 arrays int8 [c_out, c_in, K] of +-1
    t: tuple          # 4 arrays int64 [c_out]: threshold in the sum domain
    flip: tuple       # 4 arrays uint8 [c_out]: 1 -> bit = NOT(sum >= T)
    wfc: np.ndarray   # int8 [N, 4992] of +-1, input index x * 64 + c
    bfc: np.ndarray   # int64 [N]

    @property
    def n_classes(self) -> int:
        return int(self.wfc.shape[0])


def check_params(p: BcnnParams) -> BcnnParams:
    """Shapes, +-1 weights, thresholds inside [-R, R + 1], flips 0/1, bias in int32."""
    for i in range(4):
        w = np.asarray(p.w[i])
        if w.shape != (CONV_COUT[i], CONV_CIN[i], K):
            raise ImageError(f"conv{i + 1} weights have shape {w.shape}, "
                             f"expected {(CONV_COUT[i], CONV_CIN[i], K)}")
        if not np.all(np.abs(w) == 1):
            raise ImageError(f"conv{i + 1} weights must all be +1 or -1")
        t = np.asarray(p.t[i])
        r = sum_range(i)
        if t.shape != (CONV_COUT[i],) or t.min() < -r or t.max() > r + 1:
            raise ImageError(f"conv{i + 1} thresholds: shape {t.shape}, range "
                             f"{t.min()}..{t.max()}, allowed {-r}..{r + 1}", "BCNN_ERR_THRESHOLD")
        if np.asarray(p.flip[i]).shape != (CONV_COUT[i],) or not np.all(np.isin(p.flip[i], (0, 1))):
            raise ImageError(f"conv{i + 1} flips must be 0/1, one per filter")
    n = p.wfc.shape[0] if p.wfc.ndim == 2 else 0
    if p.wfc.ndim != 2 or p.wfc.shape[1] != N_FC_IN or not 1 <= n <= N_CLASSES_MAX:
        raise ImageError(f"FC weights have shape {p.wfc.shape}, expected (N, {N_FC_IN}) "
                         f"with 1 <= N <= {N_CLASSES_MAX}")
    if not np.all(np.abs(p.wfc) == 1):
        raise ImageError("FC weights must all be +1 or -1")
    b = np.asarray(p.bfc)
    if b.shape != (n,) or b.min() < BIAS.min_code or b.max() > BIAS.max_code:
        raise ImageError(f"FC bias: shape {b.shape}, must be ({n},) within BCNN_BIAS "
                         f"({BIAS.min_code}..{BIAS.max_code})", "BCNN_ERR_BIAS")
    return p


# ---------------------------------------------------------------------------
# Batch-norm folding
# ---------------------------------------------------------------------------

def fold_threshold(gamma, beta, mean, var, eps, layer: int):
    """(T, flip) per filter such that ``(s >= T) XOR flip == (BN(s) >= 0)`` for every
    integer sum ``s`` of unit ``layer``; ``BN(s) = gamma * (s - mean) / sqrt(var + eps) + beta``.

    gamma > 0: ``s >= tau`` with ``tau = mean - beta * sqrt(var + eps) / gamma``: T = ceil(tau).
    gamma < 0: ``s <= tau`` = NOT(``s >= floor(tau) + 1``): T = floor(tau) + 1, flip 1.
    gamma = 0: constant ``beta >= 0``: T = -R (always 1) or R + 1 (always 0).
    T is clamped into [-R, R + 1] (R = :func:`sum_range`), which changes no bit.
    """
    gamma, beta, mean, var = (np.asarray(a, np.float64) for a in (gamma, beta, mean, var))
    r = sum_range(layer)
    sd = np.sqrt(var + float(eps))
    t = np.zeros(gamma.shape, np.int64)
    flip = np.zeros(gamma.shape, np.uint8)
    pos, neg, zero = gamma > 0, gamma < 0, gamma == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = mean - beta * sd / gamma
    t[pos] = np.ceil(np.clip(tau[pos], -r - 1, r + 2)).astype(np.int64)
    t[neg] = np.floor(np.clip(tau[neg], -r - 2, r + 1)).astype(np.int64) + 1
    flip[neg] = 1
    t[zero] = np.where(beta[zero] >= 0, -r, r + 1)
    return np.clip(t, -r, r + 1), flip


# ---------------------------------------------------------------------------
# Bit packing (the RTL's word layout)
# ---------------------------------------------------------------------------

def pack_channels(bits: np.ndarray) -> np.ndarray:
    """[..., C, L] 0/1 -> [..., L, C // 64] uint64: word w of position x, bit b =
    channel 64 * w + b."""
    bits = np.asarray(bits, np.uint8)
    c = bits.shape[-2]
    if c % WORD:
        raise ValueError(f"{c} channels do not fill 64-bit words")
    b = np.swapaxes(bits, -1, -2).reshape(*bits.shape[:-2], bits.shape[-1], c // WORD, WORD)
    weights = np.left_shift(np.uint64(1), np.arange(WORD, dtype=np.uint64))
    return np.bitwise_or.reduce(b.astype(np.uint64) * weights, axis=-1)


def unpack_channels(words: np.ndarray, c: int) -> np.ndarray:
    """Inverse of :func:`pack_channels`: [..., L, C // 64] uint64 -> [..., C, L] uint8."""
    words = np.asarray(words, np.uint64)
    sh = np.arange(WORD, dtype=np.uint64)
    b = ((words[..., None] >> sh) & np.uint64(1)).astype(np.uint8)
    b = b.reshape(*words.shape[:-1], c)
    return np.swapaxes(b, -1, -2)


def _wbits(w) -> np.ndarray:
    return (np.asarray(w) > 0).astype(np.uint8)


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------

def _threshold(s: np.ndarray, t: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """[..., F, L] sums -> bits: (s >= T[f]) XOR flip[f]."""
    return ((s >= t[:, None]).astype(np.uint8) ^ flip[:, None].astype(np.uint8))


def conv1(x: np.ndarray, p: BcnnParams):
    """Unit 1 on int8 beats [B, 180]: (sums int64 [B, 128, 174], bits uint8 [B, 128, 174]).

    Each sum adds the 7 samples whose weight is +1 and subtracts the others (computed
    as an int64 product with the +-1 weights; every term is +x or -x, exact).
    """
    x = np.asarray(x, np.int64)
    win = np.lib.stride_tricks.sliding_window_view(x, K, axis=-1)   # [B, 174, 7]
    w = np.asarray(p.w[0][:, 0, :], np.int64)                        # [128, 7] of +-1
    s = np.swapaxes(win @ w.T, -1, -2)                               # [B, 128, 174]
    return s, _threshold(s, p.t[0], p.flip[0])


def conv_bin(bits: np.ndarray, layer: int, p: BcnnParams):
    """Binary unit ``layer`` (1..3) on bits [B, C_in, L]: (sums, bits), the sum
    ``d = 2 * popcount(XNOR(w, a)) - C_in * 7`` over 64-bit words."""
    words = pack_channels(bits)                                      # [B, L, Cw]
    lout = words.shape[1] - K + 1
    win = np.stack([words[:, k:k + lout] for k in range(K)], axis=2)  # [B, Lout, K, Cw]
    w = pack_channels(_wbits(p.w[layer]))                            # [F, K, Cw]
    n = n_terms(layer)
    out = np.empty((words.shape[0], CONV_COUT[layer], lout), np.int64)
    for f in range(CONV_COUT[layer]):
        xnor = ~(win ^ w[f][None, None])
        pc = np.bitwise_count(xnor).astype(np.int64).sum(axis=(2, 3))  # [B, Lout]
        out[:, f] = 2 * pc - n
    return out, _threshold(out, p.t[layer], p.flip[layer])


def pool_or(bits: np.ndarray) -> np.ndarray:
    """[B, C, 156] -> [B, C, 78]: OR of positions 2j and 2j + 1."""
    b = np.asarray(bits, np.uint8)
    return b[..., 0::2] | b[..., 1::2]


def fc(pooled: np.ndarray, p: BcnnParams) -> np.ndarray:
    """Scores int64 [B, N] = 2 * popcount(XNOR(w, v)) - 4992 + bias, v position-major."""
    v = pack_channels(pooled)                                        # [B, 78, 1]
    v = v.reshape(v.shape[0], -1)                                    # [B, 78] word x
    w = fc_words(p)                                                  # [N, 78]
    pc = np.bitwise_count(~(v[:, None, :] ^ w[None])).astype(np.int64).sum(-1)
    return 2 * pc - N_FC_IN + p.bfc[None].astype(np.int64)


def fc_words(p: BcnnParams) -> np.ndarray:
    """FC weights as [N, 78] uint64: word x of class j, bit c = weight of input x*64+c."""
    b = _wbits(p.wfc).reshape(p.n_classes, L_POOL, WORD)             # [N, x, c]
    return pack_channels(np.swapaxes(b, 1, 2)).reshape(p.n_classes, L_POOL)


def best_two(scores: np.ndarray):
    """(class, best score, runner-up score) per row, the engine's result stream: the class
    of :func:`argmax_low`, its score and the largest score of every other class (equal to
    the best on a tie); with one class the runner-up is BCNN_SCORE's minimum."""
    s = np.asarray(scores, np.int64)
    cls = argmax_low(s)
    best = s[np.arange(s.shape[0]), cls]
    if s.shape[1] == 1:
        return cls, best, np.full(s.shape[0], SCORE.min_code, np.int64)
    rest = s.copy()
    rest[np.arange(s.shape[0]), cls] = np.iinfo(np.int64).min
    return cls, best, rest.max(axis=1)


def argmax_low(scores: np.ndarray) -> np.ndarray:
    """Index of the largest score per row, ties to the lowest index."""
    return np.argmax(np.asarray(scores), axis=-1).astype(np.int64)   # numpy: first maximum


@dataclass
class Run:
    """Every unit's output for B beats (the RTL is compared at each)."""

    s1: np.ndarray      # int64 [B, 128, 174] conv1 sums
    b1: np.ndarray      # uint8 [B, 128, 174]
    d2: np.ndarray      # int64 [B, 64, 168]
    b2: np.ndarray
    d3: np.ndarray      # int64 [B, 128, 162]
    b3: np.ndarray
    d4: np.ndarray      # int64 [B, 64, 156]
    b4: np.ndarray      # uint8 [B, 64, 156] before pooling
    p4: np.ndarray      # uint8 [B, 64, 78] after OR-pooling
    scores: np.ndarray  # int64 [B, N]
    cls: np.ndarray     # int64 [B]


def check_beats(x) -> np.ndarray:
    """int8-range beats [B, 180] (or one [180]) as int64 [B, 180]."""
    a = np.asarray(x)
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2 or a.shape[1] != L_IN:
        raise ValueError(f"beats must have shape [B, {L_IN}], got {np.asarray(x).shape}")
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"beats must be integers, got {a.dtype}")
    if a.size and (a.min() < -IN_MAX or a.max() > IN_MAX):
        raise ValueError(f"beat samples must lie in [-{IN_MAX}, {IN_MAX}], got "
                         f"{a.min()}..{a.max()}")
    return a.astype(np.int64)


def run(x, p: BcnnParams, chunk: int = 16) -> Run:
    """All units on beats ``x`` [B, 180] (chunked to bound memory)."""
    x = check_beats(x)
    parts = []
    for i in range(0, x.shape[0], chunk):
        xb = x[i:i + chunk]
        s1, b1 = conv1(xb, p)
        d2, b2 = conv_bin(b1, 1, p)
        d3, b3 = conv_bin(b2, 2, p)
        d4, b4 = conv_bin(b3, 3, p)
        p4 = pool_or(b4)
        sc = fc(p4, p)
        parts.append(Run(s1, b1, d2, b2, d3, b3, d4, b4, p4, sc, argmax_low(sc)))
    if not parts:
        raise ValueError("no beats")
    return Run(*(np.concatenate([getattr(r, f) for r in parts])
                 for f in Run.__dataclass_fields__))


def classify(x, p: BcnnParams, chunk: int = 16):
    """(scores [B, N], class [B]) without keeping the feature maps."""
    x = check_beats(x)
    sc = []
    for i in range(0, x.shape[0], chunk):
        xb = x[i:i + chunk]
        _, b = conv1(xb, p)
        for layer in (1, 2, 3):
            _, b = conv_bin(b, layer, p)
        sc.append(fc(pool_or(b), p))
    s = np.concatenate(sc)
    return s, argmax_low(s)


# ---------------------------------------------------------------------------
# Memory image
# ---------------------------------------------------------------------------

_M32 = (1 << 32) - 1


def _sword(v: int, flip: int = 0) -> int:
    return (int(v) & _M32) | (int(flip) << FLIP_BIT)


def _sfield(word: int) -> int:
    v = word & _M32
    return v - (1 << 32) if v >> 31 else v


def image_words(n_classes: int) -> int:
    """Length of an image in 64-bit words."""
    return (2 + sum(CONV_COUT[i] * (weight_words(i) + 1) for i in range(4))
            + n_classes * (weight_words(4) + 1) + 1)


def section_offsets(n_classes: int) -> dict:
    """Word address of the first filter of each unit and of the checksum."""
    off, a = {}, 2
    for i in range(4):
        off[f"conv{i + 1}"] = a
        a += CONV_COUT[i] * (weight_words(i) + 1)
    off["fc"] = a
    a += n_classes * (weight_words(4) + 1)
    off["checksum"] = a
    return off


def pack_image(p: BcnnParams) -> list:
    """The parameter memory as a list of 64-bit ints (layout in docs/bcnn.md)."""
    check_params(p)
    n = p.n_classes
    words = [(IMG_MAGIC << 32) | (IMG_VERSION << 24) | n, image_words(n)]
    for i in range(4):
        if i == 0:
            wb = _wbits(p.w[0][:, 0, :])                              # [128, 7]
            ww = (wb.astype(np.uint64) << np.arange(K, dtype=np.uint64)).sum(-1)[:, None]
        else:
            ww = pack_channels(_wbits(p.w[i])).reshape(CONV_COUT[i], -1)  # [F, K*Cw], k-major
        for f in range(CONV_COUT[i]):
            words.extend(int(v) for v in ww[f])
            words.append(_sword(p.t[i][f], p.flip[i][f]))
    fw = fc_words(p)
    for j in range(n):
        words.extend(int(v) for v in fw[j])
        words.append(_sword(p.bfc[j]))
    chk = 0
    for w in words:
        chk ^= w
    words.append(chk)
    assert len(words) == image_words(n)
    return words


def unpack_image(words, name: str = "image") -> BcnnParams:
    """Parse and validate an image; :class:`ImageError` names what is wrong."""
    words = [int(w) for w in words]
    if len(words) < 3:
        raise ImageError(f"{name}: {len(words)} words, too short for a header", "BCNN_ERR_WORD_COUNT")
    h = words[0]
    if h >> 32 != IMG_MAGIC:
        raise ImageError(f"{name}: magic {h >> 32:#010x}, expected {IMG_MAGIC:#010x}", "BCNN_ERR_MAGIC")
    if (h >> 24) & 0xFF != IMG_VERSION or (h >> 16) & 0xFF:
        raise ImageError(f"{name}: version {(h >> 24) & 0xFF} (reserved {(h >> 16) & 0xFF}), "
                         f"expected {IMG_VERSION} (0)", "BCNN_ERR_VERSION")
    n = h & 0xFFFF
    if not 1 <= n <= N_CLASSES_MAX:
        raise ImageError(f"{name}: N_CLASSES {n} outside 1..{N_CLASSES_MAX}", "BCNN_ERR_N_CLASSES")
    if words[1] != image_words(n) or len(words) != image_words(n):
        raise ImageError(f"{name}: word count field {words[1]}, {len(words)} words given, "
                         f"{image_words(n)} expected for N_CLASSES {n}", "BCNN_ERR_WORD_COUNT")
    chk = 0
    for w in words[:-1]:
        chk ^= w
    if chk != words[-1]:
        raise ImageError(f"{name}: checksum {words[-1]:#018x}, computed {chk:#018x}", "BCNN_ERR_CHECKSUM")
    a = 2
    ws, ts, fl = [], [], []
    for i in range(4):
        nw = weight_words(i)
        wl, tl, fll = [], [], []
        for f in range(CONV_COUT[i]):
            blk = words[a:a + nw]
            tw = words[a + nw]
            a += nw + 1
            if tw >> (FLIP_BIT + 1):
                raise ImageError(f"{name}: conv{i + 1} filter {f}: threshold word reserved bits set")
            tl.append(_sfield(tw))
            fll.append((tw >> FLIP_BIT) & 1)
            if i == 0:
                if blk[0] >> K:
                    raise ImageError(f"{name}: conv1 filter {f}: weight bits above tap 6 set")
                wb = np.array([(blk[0] >> k) & 1 for k in range(K)], np.uint8)[None]
            else:
                arr = np.array(blk, np.uint64).reshape(K, -1)          # [K, Cw]
                wb = unpack_channels(arr, CONV_CIN[i])                 # [C, K]
            wl.append(wb.astype(np.int8) * 2 - 1)
        ws.append(np.stack(wl))
        ts.append(np.array(tl, np.int64))
        fl.append(np.array(fll, np.uint8))
    wfc, bfc = [], []
    for j in range(n):
        blk = np.array(words[a:a + L_POOL], np.uint64)
        bw = words[a + L_POOL]
        a += L_POOL + 1
        if bw >> 32:
            raise ImageError(f"{name}: FC class {j}: bias word reserved bits set")
        bits = unpack_channels(blk[:, None], WORD)                     # [64 c, 78 x]
        wfc.append((bits.T.reshape(-1).astype(np.int8) * 2 - 1))
        bfc.append(_sfield(bw))
    p = BcnnParams(tuple(ws), tuple(ts), tuple(fl), np.stack(wfc), np.array(bfc, np.int64))
    return check_params(p)


def write_hex(path, words, comment: str = "") -> None:
    """$readmemh file: one 16-digit word per line, address 0 first, // comments."""
    lines = [f"// {c}" for c in comment.splitlines() if c]
    lines += [f"{w:016x}" for w in words]
    Path(path).write_text("\n".join(lines) + "\n")


def read_hex(path) -> list:
    """Words of a file written by :func:`write_hex` (each exactly 16 hex digits)."""
    words = []
    for ln, line in enumerate(Path(path).read_text().splitlines(), 1):
        for tok in line.split("//", 1)[0].split():
            if len(tok) != 16 or any(c not in "0123456789abcdefABCDEF" for c in tok):
                raise ImageError(f"{path}:{ln}: {tok!r} is not a 64-bit hex word (16 digits)")
            words.append(int(tok, 16))
    return words


def image_name(db: str, protocol: str) -> str:
    return f"{db}_{protocol}"


def load(db: str, protocol: str, params_dir=PARAMS_DIR):
    """(params, meta) of the committed image ``<db>_<protocol>.hex`` and its JSON."""
    d = Path(params_dir)
    base = d / image_name(db, protocol)
    hexp, jsp = base.with_suffix(".hex"), base.with_suffix(".json")
    for f in (hexp, jsp):
        if not f.is_file():
            raise FileNotFoundError(f"parameter file {f} does not exist; train it with "
                                    f"python scripts/train_bcnn.py --db {db} --protocol {protocol}")
    meta = json.loads(jsp.read_text())
    p = unpack_image(read_hex(hexp), str(hexp))
    if p.n_classes != meta["n_classes"]:
        raise ImageError(f"{hexp}: N_CLASSES {p.n_classes}, JSON says {meta['n_classes']}")
    return p, meta
