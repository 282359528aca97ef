# SPDX-License-Identifier: Apache-2.0
"""Memory images shared by the weight memories: 128-bit words of 8- or 16-bit
lanes, and the $readmemh text files the RTL loads (one word per line, address 0
first, `//` comments allowed, no `@` address directives)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

WORD_BITS = 128


def pack_lanes(vals, bits) -> int:
    """Lane k of the word = vals[k] (two's complement, `bits` wide), lane 0 lowest."""
    w = 0
    for k, v in enumerate(vals):
        w |= (int(v) & ((1 << bits) - 1)) << (bits * k)
    return w


def unpack_lanes(word: int, bits: int, n: int, signed: bool = True) -> np.ndarray:
    """The first n lanes of a word, sign-extended when `signed`."""
    out = np.zeros(n, dtype=np.int64)
    for k in range(n):
        v = (word >> (bits * k)) & ((1 << bits) - 1)
        if signed and v >= 1 << (bits - 1):
            v -= 1 << bits
        out[k] = v
    return out


def write_hex(path, words, comment: str = "") -> None:
    """$readmemh file: one 32-digit word per line, address 0 first."""
    digits = WORD_BITS // 4
    lines = [f"// {c}" for c in comment.splitlines() if c]
    lines += [f"{w:0{digits}x}" for w in words]
    Path(path).write_text("\n".join(lines) + "\n")


def read_hex(path) -> list:
    """Read a $readmemh file written by :func:`write_hex`: every word exactly
    32 hex digits (a short word would be zero-extended by $readmemh and shift
    every lane above it, so it is refused)."""
    words = []
    for ln, line in enumerate(Path(path).read_text().splitlines(), 1):
        s = line.split("//", 1)[0].strip()
        for tok in s.split():
            if tok.startswith("@"):
                raise ValueError(f"{path}:{ln}: address directives are not used in memory images")
            digits = WORD_BITS // 4
            if len(tok) != digits or any(c not in "0123456789abcdefABCDEF" for c in tok):
                raise ValueError(f"{path}:{ln}: {tok!r} is not a {WORD_BITS}-bit hex word "
                                 f"(exactly {digits} hex digits, got {len(tok)} characters)")
            w = int(tok, 16)
            words.append(w)
    return words
