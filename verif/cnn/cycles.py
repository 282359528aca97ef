# SPDX-License-Identifier: Apache-2.0
"""The cycle counters of ``cnn_engine`` (rtl/cnn/), as docs/cnn_rtl.md "Cycle formula" derives
them from the pipeline: what the CYCLES and STALLS registers read after a legal layer.

CONV1D / DENSE (DENSE with LEN_IN = K = 1): C = ceil(COUT/N_MAC) * LEN_OUT output columns of
CK = CIN*K taps, one tap per cycle, columns issued P = max(CK, N_MAC) cycles apart (the
serializer hands the N_MAC accumulators of a column to the requant unit one per cycle):

    CYCLES = (C - 1)*P + CK + N_MAC + CONV_TAIL
    STALLS = CYCLES - C*CK                       (cycles without a MAC issued)

MAXPOOL: one input byte per cycle, CIN*LEN_OUT windows of K:  CYCLES = CIN*LEN_OUT*K + POOL_TAIL,
STALLS = CYCLES - CIN*LEN_OUT (cycles without a byte written).
ADD: two input bytes per element (a, then b), E = CIN*LEN_IN elements:  CYCLES = 2*E + ADD_TAIL,
STALLS = CYCLES - E.

The tails are the pipeline depths after the last issue: 2 RAM read stages, the input register,
the product, the accumulator and the serializer for CONV1D/DENSE, then the 8 stages of
cnn_requant (CONV_TAIL 12 after the serializer's N_MAC items; ADD_TAIL 11); MAXPOOL 4 (RAM,
register, maximum, write register).
"""

from __future__ import annotations

from golden import cnn

CONV_TAIL = 12
POOL_TAIL = 4
ADD_TAIL = 11


def _check(desc: cnn.Descriptor, n_mac: int, caps: cnn.Caps | None):
    if not isinstance(desc, cnn.Descriptor):
        raise TypeError(f"desc must be a golden.cnn.Descriptor, got {type(desc).__name__}")
    if not isinstance(n_mac, int) or not 1 <= n_mac <= 16:
        raise ValueError(f"n_mac must be an int 1..16, got {n_mac!r}")
    caps = caps or cnn.Caps(n_mac=n_mac)
    code = cnn.check_descriptor(desc, caps)
    if code:
        raise ValueError(f"descriptor {desc} is refused ({cnn.error_name(code)}): no cycle count")
    return desc.effective()


def cycles(desc: cnn.Descriptor, n_mac: int, caps: cnn.Caps | None = None) -> int:
    """CYCLES of a legal layer on an N_MAC-lane engine."""
    d = _check(desc, n_mac, caps)
    lo = cnn.len_out(d)
    if d.kind in (cnn.CONV1D, cnn.DENSE):
        ck = d.cin * d.kernel
        cols = -(-d.cout // n_mac) * lo
        return (cols - 1) * max(ck, n_mac) + ck + n_mac + CONV_TAIL
    if d.kind == cnn.MAXPOOL:
        return d.cin * lo * d.kernel + POOL_TAIL
    return 2 * d.cin * d.len_in + ADD_TAIL


def stalls(desc: cnn.Descriptor, n_mac: int, caps: cnn.Caps | None = None) -> int:
    """STALLS of a legal layer: CYCLES minus the MAC-issue cycles (CONV1D, DENSE) or minus the
    bytes written (MAXPOOL, ADD)."""
    d = _check(desc, n_mac, caps)
    lo = cnn.len_out(d)
    busy = cycles(desc, n_mac, caps)
    if d.kind in (cnn.CONV1D, cnn.DENSE):
        return busy - -(-d.cout // n_mac) * lo * d.cin * d.kernel
    return busy - d.cout * lo
