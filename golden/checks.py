# SPDX-License-Identifier: Apache-2.0
"""Argument checks shared by the public entry points of the golden models.

Every model takes integer codes only: a float, NaN, inf or an object array is a
TypeError, a value outside the declared range or a wrong shape is a ValueError,
and every message names the argument.  Nothing is rounded, truncated or wrapped
on the way in (the formats of golden/formats.py do that, explicitly, inside the
models).  A missing entry of a parameter file is a :class:`ParamsError` naming
the file and the key path.
"""

from __future__ import annotations

import numbers

import numpy as np


class ParamsError(ValueError, KeyError):
    """A parameter file lacks an entry (a ValueError, and a KeyError for old callers)."""

    def __str__(self):          # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


def int_scalar(v, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """``v`` as a Python int; bool, float and anything non-integral are refused."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(v).__name__} {v!r}")
    v = int(v)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{name}={v} outside {lo}..{hi}")
    return v


def int_array(x, name: str, lo: int | None = None, hi: int | None = None,
              shape: tuple | None = None, ndim: int | None = None) -> np.ndarray:
    """``x`` as an integer array (its own dtype, bool as uint8; no copy of a
    large input) after checking dtype, shape and range.

    ``shape`` may hold None for a free dimension.  Booleans count as 0/1
    integers (bit arrays); floats (NaN and inf included) are refused even when
    integral, so millivolts can never be taken for ADC codes.
    """
    a = np.asarray(x)
    if a.dtype.kind not in "biu":
        raise TypeError(f"{name} must be an integer array, got dtype {a.dtype}"
                        + (" (NaN/inf present)" if a.dtype.kind in "fc" and not np.all(np.isfinite(a))
                           else ""))
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {a.shape}")
    if shape is not None and (a.ndim != len(shape)
                              or any(s is not None and s != d for s, d in zip(shape, a.shape))):
        want = "[" + ", ".join("N" if s is None else str(s) for s in shape) + "]"
        raise ValueError(f"{name} must have shape {want}, got {a.shape}")
    if a.dtype.kind == "b":
        a = a.astype(np.uint8)
    if a.size:
        if lo is not None and int(a.min()) < lo:
            raise ValueError(f"{name}: value {int(a.min())} outside {lo}..{hi}")
        if hi is not None and int(a.max()) > hi:
            raise ValueError(f"{name}: value {int(a.max())} outside {lo}..{hi}")
    return a


def entry(d, where: str, *keys):
    """d[k0][k1]... with a ParamsError naming ``where`` and the missing key path."""
    cur = d
    for i, k in enumerate(keys):
        if not isinstance(cur, dict) or k not in cur:
            path = "".join(f"[{kk!r}]" for kk in keys[:i + 1])
            raise ParamsError(f"{where}: missing entry {path}")
        cur = cur[k]
    return cur
