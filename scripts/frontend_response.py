# SPDX-License-Identifier: Apache-2.0
"""Magnitude responses of the front-end filters quoted in docs/frontend.md.

    .venv/bin/python scripts/frontend_response.py

Evaluates the transfer functions of golden/frontend.py (notch in both mains
modes, the two 8-sample moving sums, the baseline removal) from its constants;
the floor shifts are left out (they are not linear).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from golden import frontend as FE  # noqa: E402


def z_inv(f: np.ndarray) -> np.ndarray:
    return np.exp(-2j * np.pi * np.asarray(f, dtype=np.float64) / FE.FS)


def notch(f, mains):
    z = z_inv(f)
    c = FE.notch_coefficient(mains)
    return (256 - c * z + 256 * z ** 2) / 256


def lowpass(f):
    z = z_inv(f)
    k = np.arange(FE.LP_LEN)
    return (np.sum(z[..., None] ** k, axis=-1) / FE.LP_LEN) ** 2


def baseline(f):
    z = z_inv(f)
    k = np.arange(FE.BASE_LEN)
    return z ** FE.BASE_DELAY - np.sum(z[..., None] ** k, axis=-1) / FE.BASE_LEN


def db(h) -> str:
    a = np.abs(h)
    return "null" if a < 1e-12 else f"{20 * np.log10(a):.1f}"


def main() -> int:
    for mains in (60, 50):
        c = FE.notch_coefficient(mains)
        f0 = np.degrees(np.arccos(c / 512)) * FE.FS / 360
        print(f"notch, {mains} Hz mode (C = {c}): zero at {f0:.3f} Hz; dB at " + ", ".join(
            f"{f:g} Hz {db(notch(f, mains))}" for f in (0, 10, 20, 30, 50, 60, 90, 180)))
    grid = np.linspace(0.01, 180, 180001)
    mag = np.abs(lowpass(grid))
    print(f"low-pass: -3 dB at {grid[np.argmax(mag < 10 ** (-3 / 20))]:.1f} Hz; dB at " + ", ".join(
        f"{f:g} Hz {db(lowpass(f))}" for f in (20, 25, 50, 60)))
    print("baseline removal: dB at " + ", ".join(
        f"{f:g} Hz {db(baseline(f))}" for f in (0.05, 0.2, 0.5, 1, 2, 5)))
    hi = np.abs(baseline(np.linspace(2, 180, 17801)))
    print(f"baseline removal, 2..180 Hz: {20 * np.log10(hi.min()):.1f} .. {20 * np.log10(hi.max()):.1f} dB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
