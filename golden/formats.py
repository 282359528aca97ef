# SPDX-License-Identifier: Apache-2.0
"""One definition of every number format used by the hardware.

Each :class:`FixedFormat` names a width, a number of fraction bits, a
signedness, a rounding mode and an overflow mode.  The same objects

* generate the Verilog header ``rtl/common/ecg_formats.vh`` (through
  ``scripts/gen_formats.py``; ``make test`` fails when the committed header is
  not what the generator writes), and
* are imported by the golden models, which use :meth:`FixedFormat.saturate`
  and :meth:`FixedFormat.wrap` on integer numpy arrays in their inner loops and
  :meth:`FixedFormat.quantize` (through fxpmath) where real numbers enter.

Integers in this module are raw two's-complement codes: a value ``v`` of a
format with ``frac`` fraction bits stands for ``v / 2**frac``.

Module-level constants (``ENC_*``) are the encoder geometry shared by the RTL
parameters and the golden model; they are generated into the header too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROUNDINGS = ("trunc", "round_half_up", "round_half_even")
OVERFLOWS = ("saturate", "wrap", "error")


@dataclass(frozen=True)
class FixedFormat:
    """A fixed-point number format.

    name      -- identifier; the Verilog macros are ``ECG_<NAME>_W`` etc.
    width     -- total bits, sign bit included
    frac      -- fraction bits (0 for integers)
    signed    -- two's complement when True
    rounding  -- how real values are reduced to the grid (see ROUNDINGS)
    overflow  -- what happens outside the range (see OVERFLOWS)
    doc       -- one sentence for the generated header and the docs
    """

    name: str
    width: int
    frac: int
    signed: bool
    rounding: str
    overflow: str
    doc: str

    def __post_init__(self):
        if self.width < 1 or self.width > 62:
            raise ValueError(f"format {self.name}: width {self.width} outside 1..62")
        if not 0 <= self.frac <= self.width:
            raise ValueError(f"format {self.name}: frac {self.frac} outside 0..width")
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"format {self.name}: rounding {self.rounding!r} not in {ROUNDINGS}")
        if self.overflow not in OVERFLOWS:
            raise ValueError(f"format {self.name}: overflow {self.overflow!r} not in {OVERFLOWS}")

    # ------------------------------------------------------------------ range
    @property
    def min_code(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_code(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def contains(self, code) -> np.ndarray:
        code = np.asarray(code, dtype=np.int64)
        return (code >= self.min_code) & (code <= self.max_code)

    # ----------------------------------------------------- integer boundaries
    def saturate(self, code):
        """Clip integer codes to the range (the hardware's saturating path)."""
        out = np.clip(np.asarray(code, dtype=np.int64), self.min_code, self.max_code)
        return int(out) if np.ndim(out) == 0 else out

    def wrap(self, code):
        """Reduce integer codes modulo 2**width (the hardware's wrapping path)."""
        c = np.asarray(code, dtype=np.int64) & ((1 << self.width) - 1)
        if self.signed:
            c = np.where(c >= (1 << (self.width - 1)), c - (1 << self.width), c)
        return int(c) if np.ndim(c) == 0 else c

    def fit(self, code):
        """Apply this format's overflow mode to integer codes."""
        if self.overflow == "saturate":
            return self.saturate(code)
        if self.overflow == "wrap":
            return self.wrap(code)
        bad = ~self.contains(code)
        if np.any(bad):
            raise OverflowError(f"format {self.name}: code(s) outside "
                                f"[{self.min_code}, {self.max_code}]")
        return code

    # ------------------------------------------------------- real boundaries
    def quantize(self, value):
        """Real value(s) -> integer codes with this format's rounding and overflow.

        Uses fxpmath for the rounding/saturation so the host-side quantizers
        (training export) share one well-tested implementation.
        """
        from fxpmath import Fxp  # imported lazily: the inner loops never need it

        rmode = {"trunc": "floor", "round_half_up": "around", "round_half_even": "around"}[self.rounding]
        if self.rounding == "round_half_even":
            value = np.round(np.asarray(value, dtype=np.float64) * (1 << self.frac)) / (1 << self.frac)
        elif self.rounding == "round_half_up":
            value = np.floor(np.asarray(value, dtype=np.float64) * (1 << self.frac) + 0.5) / (1 << self.frac)
        ovf = "wrap" if self.overflow == "wrap" else "saturate"
        fx = Fxp(value, signed=self.signed, n_word=self.width, n_frac=self.frac,
                 overflow=ovf, rounding=rmode)
        codes = np.asarray(fx.val, dtype=np.int64)
        if self.overflow == "error":
            real_codes = np.floor(np.asarray(value, dtype=np.float64) * (1 << self.frac))
            if np.any(real_codes != codes):
                raise OverflowError(f"format {self.name}: value(s) outside range")
        return int(codes) if np.ndim(codes) == 0 else codes

    def to_real(self, code):
        return np.asarray(code, dtype=np.float64) / (1 << self.frac)

    def describe(self) -> str:
        s = "s" if self.signed else "u"
        return f"{s}{self.width - self.frac}.{self.frac}"


# --------------------------------------------------------------------------
# The formats.  Add new ones here; regenerate with `make formats`.
# --------------------------------------------------------------------------
FORMATS: dict[str, FixedFormat] = {}


def _fmt(*args, **kw) -> FixedFormat:
    f = FixedFormat(*args, **kw)
    if f.name in FORMATS:
        raise ValueError(f"format {f.name} defined twice")
    FORMATS[f.name] = f
    return f


# Stream word carrying one ECG sample into the encoder (host side).
STREAM_SAMPLE = _fmt("STREAM_SAMPLE", 16, 0, True, "trunc", "saturate",
                     "s_axis sample word: ADC digital value minus ADC zero, signed")
# The encoder's internal sample: the stream word saturated to 12 bits
# (MIT-BIH is 11-bit, so real data never saturates; other sources may).
ECG_SAMPLE = _fmt("ECG_SAMPLE", 12, 0, True, "trunc", "saturate",
                  "internal ECG sample (ADC units, 200 per mV on MIT-BIH), saturated on entry")
# Threshold gap of the send-on-delta encoder (Delta_S, Delta_L); 0 is illegal.
ENC_DELTA = _fmt("ENC_DELTA", 11, 0, False, "trunc", "error",
                 "encoder threshold gap in ADC units, 1..2047")
# Reference level of a sliding threshold window (same grid as ECG_SAMPLE).
ENC_REF = _fmt("ENC_REF", 12, 0, True, "trunc", "saturate",
               "encoder reference level; the thresholds are ENC_REF +/- ENC_DELTA")

# Encoder geometry (DESIGN.md 3.1): a 250-sample beat, R peak at index 100,
# 30 samples dropped at each end, 60 QRS samples re-encoded with the large gap.
ENC_BEAT_LEN = 250
ENC_R_INDEX = 100
ENC_S_START = 30
ENC_S_LEN = 190
ENC_L_START = 70
ENC_L_LEN = 60
ENC_SLOTS = 2 * ENC_S_LEN + 2 * ENC_L_LEN
ENC_TIMESTEPS = 2
ENC_SLOTS_PER_STEP = ENC_SLOTS // ENC_TIMESTEPS

# Integrate-and-fire SNN engine (DESIGN.md 3.2, docs/snn_if.md).  Weights are
# int8; the per-pass update is v <- sat_VMEM(v + ((I + b) << 1)) computed
# exactly in SNN_ACC; hidden neurons fire 0/1/2 spikes against theta / 2*theta.
SNN_WEIGHT = _fmt("SNN_WEIGHT", 8, 0, True, "round_half_even", "saturate",
                  "IF engine synaptic weight, two's complement")
SNN_BIAS = _fmt("SNN_BIAS", 16, 0, True, "round_half_even", "saturate",
                "IF engine per-neuron bias, added as (I + b) << 1 every pass")
SNN_THETA = _fmt("SNN_THETA", 14, 0, False, "round_half_even", "error",
                 "IF engine per-layer firing threshold, 1..16383 (2*theta fits SNN_VMEM)")
SNN_VMEM = _fmt("SNN_VMEM", 16, 0, True, "trunc", "saturate",
                "IF engine membrane potential register, saturating")
SNN_ACC = _fmt("SNN_ACC", 19, 0, True, "trunc", "error",
               "IF engine exact sum v + ((I + b) << 1) before saturation; cannot overflow")
SNN_COUNT = _fmt("SNN_COUNT", 2, 0, False, "trunc", "error",
                 "IF engine spikes of one neuron in one pass, 0..2")

# RR unit (golden/rr.py): beat-timing inputs appended to every pass of the screen
RR_INTERVAL = _fmt("RR_INTERVAL", 11, 0, False, "trunc", "saturate",
                   "pre-RR interval in samples (360 Hz), saturated at 2047")
RR_AVG = _fmt("RR_AVG", 15, 4, False, "trunc", "saturate",
              "running average of the pre-RR interval, u11.4")
RR_INIT = 288                   # pre-RR assumed for a record's first beat (0.8 s at 360 Hz)
RR_AVG_SHIFT = 3                # A <- A + (((rr << 4) - A) >> RR_AVG_SHIFT)
RR_RATIO_K = (11, 12, 13, 14, 15, 17, 19, 22)   # ratio bit m: rr / avg >= K[m] / 16
RR_ABS = (180, 252, 360)        # absolute bit m: rr >= RR_ABS[m] samples (0.5, 0.7, 1.0 s)
RR_CONSTANTS = {"RR_INIT": RR_INIT, "RR_AVG_SHIFT": RR_AVG_SHIFT,
                "RR_N_RATIO": len(RR_RATIO_K), "RR_N_ABS": len(RR_ABS),
                **{f"RR_RATIO_K{m}": k for m, k in enumerate(RR_RATIO_K)},
                **{f"RR_ABS{m}": a for m, a in enumerate(RR_ABS)}}
SNN_N_RR = len(RR_RATIO_K) + len(RR_ABS)   # 11 RR bits (golden/rr.py)
SNN_N_IN = ENC_SLOTS_PER_STEP + SNN_N_RR   # 261 inputs per pass: 250 slots, then the RR bits
SNN_N_H1 = 144
SNN_N_H2 = 64
SNN_N_OUT = 2
SNN_PASSES = 2
SNN_LANES = 16

SNN_CONSTANTS = {
    "SNN_N_RR": SNN_N_RR,
    "SNN_N_IN": SNN_N_IN,
    "SNN_N_H1": SNN_N_H1,
    "SNN_N_H2": SNN_N_H2,
    "SNN_N_OUT": SNN_N_OUT,
    "SNN_PASSES": SNN_PASSES,
    "SNN_LANES": SNN_LANES,
}

# e-prop recurrent LIF network (DESIGN.md 3.3, docs/eprop.md).  Weights int8
# saturating at +-127; membranes s16 saturating; every shift and LUT is a
# configuration scalar (golden/params/eprop/*.json, the CFG words of the image).
EPROP_WEIGHT = _fmt("EPROP_WEIGHT", 8, 0, True, "round_half_even", "saturate",
                    "e-prop weight (W_in, W_rec, W_out); learning saturates it at +-127, never -128")
EPROP_VMEM = _fmt("EPROP_VMEM", 16, 0, True, "trunc", "saturate",
                  "e-prop hidden membrane u = sat(v - (v >> K_H) + I), before and after reset")
EPROP_CUR = _fmt("EPROP_CUR", 17, 0, True, "trunc", "error",
                 "e-prop exact synaptic current sum(W_in x) + sum(W_rec z), |I| <= 96*128")
EPROP_THETA = _fmt("EPROP_THETA", 15, 0, False, "trunc", "error",
                   "e-prop firing threshold (one per network), 1..32767; reset subtracts it")
EPROP_YMEM = _fmt("EPROP_YMEM", 16, 0, True, "trunc", "saturate",
                  "e-prop leaky output membrane y = sat(y - (y >> K_O) + W_out z + b)")
EPROP_BIAS = _fmt("EPROP_BIAS", 16, 0, True, "round_half_even", "saturate",
                  "e-prop output bias, added to the output membrane every timestep")
EPROP_TRACE = _fmt("EPROP_TRACE", 8, 0, False, "trunc", "saturate",
                   "e-prop filtered presynaptic trace zbar = sat(zbar - (zbar >> K) + TR_INC*s)")
EPROP_HLUT = _fmt("EPROP_HLUT", 4, 0, False, "trunc", "error",
                  "e-prop pseudo-derivative h (units of 1/16), LUT[min(|u - theta| >> H_SHIFT, 7)]")
EPROP_ERR = _fmt("EPROP_ERR", 8, 0, True, "trunc", "saturate",
                 "e-prop output error sat((y - y*) >> E_SHIFT), one-sided (hinge) target")
EPROP_LSIG = _fmt("EPROP_LSIG", 18, 0, True, "trunc", "error",
                  "e-prop learning signal L_j = sum_k W_out[k,j] err_k, exact (|L| <= 4*128*128)")
EPROP_GPOST = _fmt("EPROP_GPOST", 8, 0, True, "trunc", "saturate",
                   "e-prop postsynaptic factor g_j = sat((L_j * h_j) >> G_SHIFT)")
EPROP_ACC = _fmt("EPROP_ACC", 24, 0, True, "trunc", "error",
                 "e-prop weight-change accumulator (g*zbar or err*zhat summed, residual carried); cannot overflow")
EPROP_SAMPLES_PER_STEP = 5      # encoder samples grouped into one timestep
EPROP_T = ENC_S_LEN // EPROP_SAMPLES_PER_STEP   # 38 timesteps (samples 30..219)
EPROP_N_ECG = 4 * EPROP_SAMPLES_PER_STEP         # 20 spike inputs per step (4-bit nibble per sample)
EPROP_N_SB = 12                 # sideband inputs: bias + 8 RR-ratio + 3 absolute-RR bits
EPROP_N_IN = EPROP_N_ECG + EPROP_N_SB            # 32
EPROP_N_REC = 64
EPROP_N_OUT = 4
EPROP_LANES = 16
EPROP_LUT_SIZE = 8

# Raw-stream front end and R-peak detector (golden/frontend.py, docs/frontend.md): all
# integers (no fraction bits); every width is bounded by |x| <= 1024 (docs/frontend.md).
FE_X = _fmt("FE_X", 11, 0, True, "trunc", "saturate",
            "front-end input: ADC code minus ADC zero, s11; the RTL saturates wider stream words")
FE_U = _fmt("FE_U", 21, 0, True, "trunc", "error", "mains notch output u = 256 x - C x1 + 256 x2")
FE_S1 = _fmt("FE_S1", 24, 0, True, "trunc", "error", "first 8-sample moving sum of u")
FE_S2 = _fmt("FE_S2", 27, 0, True, "trunc", "error", "second 8-sample moving sum")
FE_F = _fmt("FE_F", 13, 0, True, "trunc", "error", "low-passed signal f = s2 >> 14 (floor)")
FE_A = _fmt("FE_A", 21, 0, True, "trunc", "error", "256-sample sum of f")
FE_BASE = _fmt("FE_BASE", 13, 0, True, "trunc", "error", "baseline estimate a >> 8 (floor)")
FE_B = _fmt("FE_B", 14, 0, True, "trunc", "error", "baseline-removed output b = f[n-128] - base")
FE_D = _fmt("FE_D", 16, 0, True, "trunc", "error", "derivative 2f + f1 - f3 - 2f4")
FE_DABS = _fmt("FE_DABS", 15, 0, False, "trunc", "error", "abs(d) and its per-peak maximum")
FE_Q = _fmt("FE_Q", 20, 0, False, "trunc", "saturate", "squared derivative, min(d*d, 2**20-1)")
FE_M = _fmt("FE_M", 26, 0, False, "trunc", "error",
            "54-sample moving-window integral of q; also SPK, NPK, thresholds, peak levels")
FE_LSUM = _fmt("FE_LSUM", 36, 0, False, "trunc", "error", "sum of m over the 720 learning samples")
FE_RR = _fmt("FE_RR", 16, 0, False, "trunc", "saturate",
             "RR interval in samples (detector and peak stream), saturating")
FE_RRACC = _fmt("FE_RRACC", 19, 0, False, "trunc", "error", "RR accumulator A (u16.3 as an integer)")

FE_CONSTANTS = {
    "FE_NOTCH_C60": 256,     # 2 cos(2 pi 60/360) * 256, exact
    "FE_NOTCH_C50": 329,     # round(2 cos(2 pi 50/360) * 256)
    "FE_NOTCH_SHIFT": 8,
    "FE_LP_LEN": 8,
    "FE_LP_SHIFT": 14,
    "FE_BASE_LEN": 256,
    "FE_BASE_SHIFT": 8,
    "FE_BASE_DELAY": 128,
    "FE_MWI_LEN": 54,
    "FE_PEAK_HOLD": 72,
    "FE_LEARN": 720,
    "FE_LEARN_MAX": 16,
    "FE_LEARN_NPK_SHIFT": 13,
    "FE_TWAVE_WIN": 130,
    "FE_T_DSHIFT": 1,
    "FE_SPK_CLIP": 1,
    "FE_OD_SHIFT": 1,
    "FE_TH_NUM": 4,
    "FE_SEARCHBACK_NUM": 53,
    "FE_SEARCHBACK_SHIFT": 5,
    "FE_RR_INIT": 288,
    "FE_RR_AVG_SHIFT": 3,
    "FE_REF_BACK": 50,
    "FE_REF_FWD": 5,
    "FE_F_DELAY": 8,
    "FE_SETTLE": 74,         # 2 + 2 (LP_LEN - 1) + 4 + MWI_LEN
}

# Signal-quality gate (golden/quality.py, docs/quality.md): per-beat measures on the 250-sample
# window (R peak at ENC_R_INDEX).  hf = sum of |x[n+1] - 2 x[n] + x[n-1]| over the centres n outside
# [QUAL_QRS_LO, QUAL_QRS_HI); amp = max - min of x over [QUAL_QRS_LO, QUAL_QRS_HI).  A beat is
# unreadable when any reason bit is set:
#   QUAL_R_NOISE  (hf << QUAL_HF_SHIFT) > QUAL_HF_T * amp   (out-of-QRS high-frequency residue)
#   QUAL_R_LOWAMP amp < QUAL_LOWAMP_T                          (no QRS visible: 0.1 mV at 200/mV)
#   QUAL_R_FLAT   a run of QUAL_FLAT_RUN or more equal samples (lead off, dropout)
#   QUAL_R_CLIP   more than QUAL_RAIL_MAX samples at -1024 or 1023 (the ADC rails)
QUAL_HF = _fmt("QUAL_HF", 21, 0, False, "trunc", "error",
               "sum of |second difference| over the out-of-QRS centres (<= 158 * 8188)")
QUAL_AMP = _fmt("QUAL_AMP", 12, 0, False, "trunc", "error", "QRS-region peak-to-peak (<= 2047)")

QUAL_CONSTANTS = {
    "QUAL_QRS_LO": 64,       # R - 36 (100 ms before the R peak)
    "QUAL_QRS_HI": 154,      # R + 54 (150 ms after; covers wide ventricular QRS)
    "QUAL_HF_SHIFT": 4,
    "QUAL_HF_T": 100,        # chosen by `scripts/quality_gate.py --calibrate` (docs/quality.md)
    "QUAL_LOWAMP_T": 20,
    "QUAL_FLAT_RUN": 36,     # 100 ms at 360 Hz
    "QUAL_RAIL_MAX": 2,
    "QUAL_R_NOISE": 1,
    "QUAL_R_LOWAMP": 2,
    "QUAL_R_FLAT": 4,
    "QUAL_R_CLIP": 8,
}

EPROP_CONSTANTS = {
    "EPROP_SAMPLES_PER_STEP": EPROP_SAMPLES_PER_STEP,
    "EPROP_T": EPROP_T,
    "EPROP_N_ECG": EPROP_N_ECG,
    "EPROP_N_SB": EPROP_N_SB,
    "EPROP_N_IN": EPROP_N_IN,
    "EPROP_N_REC": EPROP_N_REC,
    "EPROP_N_OUT": EPROP_N_OUT,
    "EPROP_LANES": EPROP_LANES,
    "EPROP_LUT_SIZE": EPROP_LUT_SIZE,
}

# Binary CNN for ECG biometrics (docs/bcnn.md, docs/bcnn_rtl.md).  The parameter image is
# 64-bit words; a threshold word is [31:0] T (two's complement), [32] flip, [63:33] 0; a bias
# word [31:0] bias (two's complement), [63:32] 0; the header [63:32] magic, [31:24] version,
# [23:16] 0, [15:0] N_CLASSES.  Sums: conv1 +-889 (int8 samples +-127, 7 taps), the binary
# units 2*popcount(XNOR) - n, n = 896 / 448 / 896; the FC score 2*popcount - 4992 + bias.
BCNN_SAMPLE = _fmt("BCNN_SAMPLE", 8, 0, True, "round_half_even", "error",
                   "binary CNN input sample, int8 in -127..127 (-128 is refused)")
BCNN_SUM = _fmt("BCNN_SUM", 12, 0, True, "trunc", "error",
                "binary CNN pre-threshold sum of a conv unit (|s| <= 896); cannot overflow")
BCNN_THR = _fmt("BCNN_THR", 32, 0, True, "trunc", "error",
                "binary CNN threshold field [31:0] of a threshold word, within [-R, R + 1] of its unit")
BCNN_BIAS = _fmt("BCNN_BIAS", 24, 0, True, "round_half_even", "error",
                 "binary CNN FC bias, field [31:0] of a bias word sign-extended from 24 bits")
BCNN_SCORE = _fmt("BCNN_SCORE", 25, 0, True, "trunc", "error",
                  "binary CNN FC score 2*popcount(XNOR) - 4992 + bias; cannot overflow")
BCNN_MAGIC = 0x42434E4E        # "BCNN", header [63:32]
BCNN_VERSION = 1               # header [31:24]
BCNN_N_CLASSES_MAX = 128       # the largest N_CLASSES an image may declare (RTL parameter bound)
BCNN_FLIP_BIT = 32             # threshold word: the flip bit
BCNN_L_IN = 180                # samples per beat
BCNN_K = 7                     # taps of every conv unit
BCNN_L_POOL = 78               # pooled positions of conv4 = FC input words
BCNN_N_FC_IN = 4992            # FC inputs
BCNN_FIXED_WORDS = 3203        # image words besides the FC: 3,203 + 79 N_CLASSES in all
BCNN_FC_WORDS = 79             # FC words per class (78 weight words + the bias word)
BCNN_OFF_CONV = (2, 258, 1218, 2242)   # first word of conv1..conv4
BCNN_OFF_FC = 3202             # first word of the FC
BCNN_SUM_RANGE = (889, 896, 448, 896)  # R of conv1..conv4: T must lie in [-R, R + 1]
#: engine error codes (STATUS.CODE, docs/bcnn_rtl.md); the first one found in this order
BCNN_ERRORS = {
    "BCNN_ERR_NONE": 0,
    "BCNN_ERR_MAGIC": 1,        # header [63:32] is not BCNN_MAGIC
    "BCNN_ERR_VERSION": 2,      # header [31:24] is not BCNN_VERSION or [23:16] is not 0
    "BCNN_ERR_N_CLASSES": 3,    # N_CLASSES outside 1..the engine's N_CLASSES_MAX
    "BCNN_ERR_WORD_COUNT": 4,   # word 1 differs from 3,203 + 79 N_CLASSES
    "BCNN_ERR_CHECKSUM": 5,     # the last word differs from the XOR of every word before it
    "BCNN_ERR_RESERVED": 6,     # a reserved bit is set (conv1 weight 63:7, threshold 63:33, bias 63:32)
    "BCNN_ERR_THRESHOLD": 7,    # a threshold outside [-R, R + 1] of its unit
    "BCNN_ERR_BIAS": 8,         # an FC bias outside BCNN_BIAS
}
BCNN_CONSTANTS = {
    "BCNN_MAGIC": BCNN_MAGIC, "BCNN_VERSION": BCNN_VERSION,
    "BCNN_N_CLASSES_MAX": BCNN_N_CLASSES_MAX, "BCNN_FLIP_BIT": BCNN_FLIP_BIT,
    "BCNN_L_IN": BCNN_L_IN, "BCNN_K": BCNN_K, "BCNN_L_POOL": BCNN_L_POOL,
    "BCNN_N_FC_IN": BCNN_N_FC_IN, "BCNN_FIXED_WORDS": BCNN_FIXED_WORDS,
    "BCNN_FC_WORDS": BCNN_FC_WORDS, "BCNN_OFF_FC": BCNN_OFF_FC,
    **{f"BCNN_OFF_CONV{i + 1}": v for i, v in enumerate(BCNN_OFF_CONV)},
    **{f"BCNN_R{i + 1}": v for i, v in enumerate(BCNN_SUM_RANGE)},
    **BCNN_ERRORS,
}

CONSTANTS = {
    "ENC_BEAT_LEN": ENC_BEAT_LEN,
    "ENC_R_INDEX": ENC_R_INDEX,
    "ENC_S_START": ENC_S_START,
    "ENC_S_LEN": ENC_S_LEN,
    "ENC_L_START": ENC_L_START,
    "ENC_L_LEN": ENC_L_LEN,
    "ENC_SLOTS": ENC_SLOTS,
    "ENC_TIMESTEPS": ENC_TIMESTEPS,
    "ENC_SLOTS_PER_STEP": ENC_SLOTS_PER_STEP,
}

# Trace port kinds (uniform trace port, see docs/verification.md).
TRACE_KINDS = {
    "TRC_ENC_STATE": 1,   # encoder: {ref_l, ref_s} after one sample
    # IF-SNN engine (docs/snn_if_rtl.md, "Trace port")
    "TRC_SNN_H1": 16,     # hidden-1 neuron after a pass: {v_post, v_pre}
    "TRC_SNN_H2": 17,     # hidden-2 neuron after a pass
    "TRC_SNN_OUT": 18,    # output neuron after a pass
    "TRC_SNN_STAGE": 19,  # end of a cascade stage: {v_out1, v_out0}
    "TRC_SNN_BEAT": 20,   # after the final decision: synaptic events of the beat
    "TRC_SNN_CYCLES": 21, # engine cycles of the beat
    # e-prop network (docs/eprop.md, "Trace kinds"); index = neuron/synapse, step = timestep
    "TRC_EPROP_VMEM": 32,   # hidden neuron j at step t: {h(4), z(1), u(16)} -- u before reset
    "TRC_EPROP_YMEM": 33,   # output neuron k at step t: y after the update
    "TRC_EPROP_TRACE": 34,  # presynaptic trace i (0..95) at step t: {zbar}; 96+j: zhat_j
    "TRC_EPROP_LSIG": 35,   # hidden neuron j at step t (learning): {g_j(8), L_j(18)}
    "TRC_EPROP_ERR": 36,    # output k at step t (learning): err_k
    "TRC_EPROP_DW": 37,     # weight word lane at end of beat (learning): {w_new(8), delta(24)}
    "TRC_EPROP_BEAT": 38,   # end of beat: {class(2), spikes of the beat(16)}
    "TRC_EPROP_CYCLES": 39, # engine cycles of the beat
    # raw-stream front end (docs/frontend_rtl.md, "Trace port"); index = sample n[15:0]
    "TRC_FE_FILT": 56,      # every sample: step = d, value = {f, base} (16 bits each, sign-extended)
    "TRC_FE_OUT": 57,       # every sample: step = b (sign-extended), value = m
    "TRC_FE_DEC": 58,       # a detector decision: step = {flags, code}, value = the peak level p
    # binary CNN engine (docs/bcnn_rtl.md, "Trace port"); conv units: index = filter,
    # step = position, value = {bit (bit 16), sum (15:0, two's complement)}
    "TRC_BCNN_CONV1": 48,   # conv1 sum and output bit
    "TRC_BCNN_CONV2": 49,   # conv2
    "TRC_BCNN_CONV3": 50,   # conv3
    "TRC_BCNN_CONV4": 51,   # conv4, before pooling
    "TRC_BCNN_POOL": 52,    # pooled word x (index), step 0: channels 31:0, step 1: 63:32
    "TRC_BCNN_SCORE": 53,   # FC score of class index (value: two's complement)
    "TRC_BCNN_BEAT": 54,    # result: index = class, step = tag[15:0], value = cycles of the beat
}


def render_verilog_header() -> str:
    """The text of rtl/common/ecg_formats.vh."""
    lines = [
        "// SPDX-License-Identifier: Apache-2.0",
        "// ecg_formats.vh -- GENERATED by scripts/gen_formats.py from golden/formats.py.",
        "// Do not edit: change golden/formats.py and run `make formats`.",
        "`ifndef ECG_FORMATS_VH",
        "`define ECG_FORMATS_VH",
        "",
    ]
    for f in FORMATS.values():
        n = f"ECG_{f.name}" if not f.name.startswith("ECG_") else f.name
        lines.append(f"// {f.name}: {f.describe()} ({'signed' if f.signed else 'unsigned'}), "
                     f"rounding {f.rounding}, overflow {f.overflow} -- {f.doc}")
        lines.append(f"`define {n}_W {f.width}")
        lines.append(f"`define {n}_FRAC {f.frac}")
        lines.append(f"`define {n}_SIGNED {1 if f.signed else 0}")
        lines.append(f"`define {n}_MIN ({f.min_code})")
        lines.append(f"`define {n}_MAX ({f.max_code})")
        lines.append("")
    lines.append("// Encoder geometry")
    for k, v in CONSTANTS.items():
        lines.append(f"`define ECG_{k} {v}")
    lines.append("")
    lines.append("// RR unit (golden/rr.py, docs/rr.md)")
    for k, v in RR_CONSTANTS.items():
        lines.append(f"`define ECG_{k} {v}")
    lines.append("")
    lines.append("// IF SNN engine geometry")
    for k, v in SNN_CONSTANTS.items():
        lines.append(f"`define ECG_{k} {v}")
    lines.append("")
    lines.append("// Raw-stream front end (golden/frontend.py, docs/frontend.md)")
    for k, v in FE_CONSTANTS.items():
        lines.append(f"`define ECG_{k} {v}")
    lines.append("")
    lines.append("// Signal-quality gate (golden/quality.py, docs/quality.md)")
    for k, v in QUAL_CONSTANTS.items():
        lines.append(f"`define ECG_{k} {v}")
    lines.append("")
    lines.append("// e-prop network geometry")
    for k, v in EPROP_CONSTANTS.items():
        lines.append(f"`define ECG_{k} {v}")
    lines.append("")
    lines.append("// Binary CNN engine (docs/bcnn_rtl.md)")
    for k, v in BCNN_CONSTANTS.items():
        lines.append(f"`define ECG_{k} {v}")
    lines.append("")
    lines.append("// Trace port kinds")
    for k, v in TRACE_KINDS.items():
        lines.append(f"`define ECG_{k} {v}")
    lines.append("")
    lines.append("`endif")
    lines.append("")
    seen: dict[str, str] = {}
    for ln in lines:
        if ln.startswith("`define ") and ln != "`define ECG_FORMATS_VH":
            name = ln.split()[1]
            if name in seen:
                raise ValueError(f"ecg_formats.vh: macro {name} defined twice "
                                 f"({seen[name]!r} and {ln!r}); rename one in golden/formats.py")
            seen[name] = ln
    return "\n".join(lines)
