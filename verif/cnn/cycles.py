# SPDX-License-Identifier: Apache-2.0
"""The cycle counters of ``cnn_engine`` (rtl/cnn/), as docs/cnn_rtl.md "Cycle formula" derives
them from the pipeline: what the CYCLES and STALLS registers read after a legal layer.

CONV1D / DENSE (DENSE with LEN_IN = K = 1): C = ceil(COUT/N_MAC) * LEN_OUT output columns of
CK = CIN*K taps, one tap per cycle, columns issued P = max(CK, 2*N_MAC) cycles apart (the
serializer hands the N_MAC accumulators of a column to the requant unit one every 2 cycles: its
one DSP multiplier takes two cycles per item):

    CYCLES = (C - 1)*P + CK + 2*N_MAC + CONV_TAIL
    STALLS = CYCLES - C*CK                       (cycles without a MAC issued)

MAXPOOL: one input byte per cycle, CIN*LEN_OUT windows of K:  CYCLES = CIN*LEN_OUT*K + POOL_TAIL,
STALLS = CYCLES - CIN*LEN_OUT (cycles without a byte written).
ADD: two input bytes per element (a, then b), E = CIN*LEN_IN elements:  CYCLES = 2*E + ADD_TAIL,
STALLS = CYCLES - E.

The tails are the pipeline depths after the last issue: 2 RAM read stages, the input register,
the product, the accumulator and the serializer for CONV1D/DENSE, then the 8 stages of
cnn_requant (CONV_TAIL 11 after the serializer's N_MAC items, 2 cycles each; ADD_TAIL 11); MAXPOOL 4 (RAM,
register, maximum, write register).
"""

from __future__ import annotations

from golden import cnn

CONV_TAIL = 11
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
        return (cols - 1) * max(ck, 2 * n_mac) + ck + 2 * n_mac + CONV_TAIL
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


# the paper's network as scripts/train_cnn.py builds it (ARCH there): 187-sample beats, 8 'same'
# convolutions of 16 filters (K 5, 5, 5, 5, 3, 3, 3, 3) with 4 max-poolings 2/2, dense 176 -> 20 -> 5
PAPER_ARCH = (("conv1d", 16, 5), ("conv1d", 16, 5), ("maxpool", 2, 2),
              ("conv1d", 16, 5), ("conv1d", 16, 5), ("maxpool", 2, 2),
              ("conv1d", 16, 3), ("conv1d", 16, 3), ("maxpool", 2, 2),
              ("conv1d", 16, 3), ("conv1d", 16, 3), ("maxpool", 2, 2),
              ("dense", 20), ("dense", 5))


def network_descriptors(arch=PAPER_ARCH, beat_len: int = 187) -> list:
    """The layer descriptors of a plain chain (addresses irrelevant to the cycle count)."""
    c, length, out = 1, beat_len, []
    for layer in arch:
        if layer[0] == "conv1d":
            d = cnn.Descriptor(cnn.CONV1D, c, layer[1], length, layer[2], 1, 1, cnn.SAME, True, dst=4096)
            c = layer[1]
        elif layer[0] == "maxpool":
            d = cnn.Descriptor(cnn.MAXPOOL, c, c, length, layer[1], layer[2], dst=4096)
        else:
            d = cnn.Descriptor(cnn.DENSE, c * length, layer[1], relu=True, dst=4096)
            c = layer[1]
        length = cnn.len_out(d)
        out.append(d)
    return out


def main() -> None:
    """Compute cycles per beat of the paper's network against the MAC bound, for several N_MAC."""
    descs = network_descriptors()
    macs = sum(cnn.macs(d) for d in descs)
    print(f"paper network: {len(descs)} layers, {macs} MACs per beat")
    print("N_MAC  cycles/beat  maxpool  MAC bound (MACs/N_MAC)  ratio  ms at 100 MHz")
    for n in (1, 2, 3, 4, 8, 16):
        caps = cnn.Caps(n_mac=n, w_rows=4096 if n <= 4 else 2048)
        cyc = [cycles(d, n, caps) for d in descs]
        pool = sum(c for c, d in zip(cyc, descs) if d.kind == cnn.MAXPOOL)
        print(f"{n:5d}  {sum(cyc):11d}  {pool:7d}  {macs / n:22.0f}  {sum(cyc) / (macs / n):5.3f}  {sum(cyc) / 1e5:.3f}")


if __name__ == "__main__":
    main()
