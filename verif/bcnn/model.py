# SPDX-License-Identifier: Apache-2.0
"""The golden model's view of bcnn_engine's observable values, shared by the cocotb testbench
(verif/bcnn/test_bcnn_engine.py) and the bench (scripts/bench_bcnn.py).

Trace port (docs/bcnn_rtl.md "Trace port"): per beat, kind TRC_BCNN_CONV1..4 one record per
(filter = index, position = step) with value {bit (16), sum (15:0)}; TRC_BCNN_POOL two
records per pooled position (step 0: channels 31:0, step 1: 63:32); TRC_BCNN_SCORE one per
class; TRC_BCNN_BEAT one (index = class, step = tag, value = cycles).  The records of one kind
come in beat order (the units run one beat after another), so a kind's record stream splits
into beats by its count per beat; within a beat every (index, step) must appear exactly once.
"""

from __future__ import annotations

import numpy as np

from golden import bcnn as G
from golden import formats as F

KIND = {k: F.TRACE_KINDS[f"TRC_BCNN_{k}"] for k in
        ("CONV1", "CONV2", "CONV3", "CONV4", "POOL", "SCORE", "BEAT")}
CONV_SHAPES = tuple((G.CONV_COUT[i], G.CONV_LOUT[i]) for i in range(4))
M32 = 0xFFFFFFFF


def beat_words(x: np.ndarray, tags) -> np.ndarray:
    """[B * 180] stream words {tlast, tag[15:0], sample[7:0]} of beats x [B, 180]."""
    x = G.check_beats(x)
    b = x.shape[0]
    last = np.zeros((b, G.L_IN), np.int64)
    last[:, -1] = 1
    tag = (np.asarray(tags, np.int64) & 0xFFFF)[:, None]
    return ((last << 24) | (tag << 8) | (x & 0xFF)).reshape(-1)


def beat_lines(x: np.ndarray, tags) -> str:
    return "".join(f"{w:07x}\n" for w in beat_words(x, tags))


def conv_value(s: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ((np.asarray(b, np.int64) << 16) | (np.asarray(s, np.int64) & 0xFFFF)).astype(np.int64)


def pool_words(p4: np.ndarray) -> np.ndarray:
    """[B, 64, 78] pooled bits -> [B, 78, 2] the two 32-bit halves of each pooled word."""
    w = G.pack_channels(p4)[..., 0].astype(np.uint64)          # [B, 78]
    return np.stack([(w & np.uint64(M32)).astype(np.int64),
                     (w >> np.uint64(32)).astype(np.int64)], axis=-1)


def expected(run: G.Run) -> dict:
    """kind -> int64 array [B, index, step] of the expected trace values (BEAT excluded)."""
    out = {}
    for u, (s, b) in enumerate(((run.s1, run.b1), (run.d2, run.b2), (run.d3, run.b3),
                                (run.d4, run.b4))):
        out[KIND[f"CONV{u + 1}"]] = conv_value(s, b)
    out[KIND["POOL"]] = pool_words(run.p4)
    out[KIND["SCORE"]] = (run.scores.astype(np.int64) & M32)[:, :, None]
    return out


def shapes(n_classes: int) -> dict:
    sh = {KIND[f"CONV{u + 1}"]: CONV_SHAPES[u] for u in range(4)}
    sh[KIND["POOL"]] = (G.L_POOL, 2)
    sh[KIND["SCORE"]] = (n_classes, 1)
    sh[KIND["BEAT"]] = (1, 1)
    return sh


class TraceError(AssertionError):
    pass


def split_trace(kind, index, step, value, n_beats: int, n_classes: int) -> dict:
    """The RTL's records -> kind -> int64 [B, index, step] (and BEAT -> [B, 3] class, tag,
    cycles); TraceError when a kind has the wrong number of records, a record lies outside
    its kind's range or an (index, step) appears twice in one beat."""
    kind, index, step, value = (np.asarray(a, np.int64) for a in (kind, index, step, value))
    out = {}
    for k, (ni, ns) in shapes(n_classes).items():
        sel = kind == k
        n = int(sel.sum())
        if n != n_beats * ni * ns:
            raise TraceError(f"trace kind {k}: {n} records, expected {n_beats} x {ni * ns}")
        if k == KIND["BEAT"]:
            out[k] = np.stack([index[sel], step[sel], value[sel]], axis=1)
            continue
        i, s, v = index[sel], step[sel], value[sel]
        if i.size and (i.max() >= ni or s.max() >= ns):
            raise TraceError(f"trace kind {k}: index/step outside {ni} x {ns}")
        beat = np.repeat(np.arange(n_beats), ni * ns)
        flat = beat * ni * ns + i * ns + s
        cnt = np.bincount(flat, minlength=n_beats * ni * ns)
        if np.any(cnt != 1):
            bad = int(np.flatnonzero(cnt != 1)[0])
            raise TraceError(f"trace kind {k}: beat {bad // (ni * ns)} entry "
                             f"{(bad % (ni * ns)) // ns},{bad % ns} appears {cnt[bad]} times")
        arr = np.zeros(n_beats * ni * ns, np.int64)
        arr[flat] = v
        out[k] = arr.reshape(n_beats, ni, ns)
    extra = ~np.isin(kind, list(shapes(n_classes)))
    if extra.any():
        raise TraceError(f"trace kinds {sorted(set(kind[extra].tolist()))} are not BCNN kinds")
    return out


def compare_trace(got: dict, exp: dict, beat_ids=None) -> tuple[int, int, list]:
    """(mismatches, values compared, first messages) of split_trace output against expected()."""
    mism, values, msgs = 0, 0, []
    for k, e in exp.items():
        g = got[k]
        e = e.reshape(g.shape) if e.ndim == g.ndim else e
        d = g != e
        mism += int(d.sum())
        values += int(e.size)
        for b, i, s in np.argwhere(d)[:3]:
            bid = b if beat_ids is None else beat_ids[b]
            msgs.append(f"beat {bid} kind {k} index {i} step {s}: RTL {g[b, i, s]:#x}, "
                        f"model {e[b, i, s]:#x}")
    return mism, values, msgs


def emission(kind: int, n_pes: int, n_classes: int):
    """(index, step) arrays of one beat's records of ``kind`` in the order the engine emits
    them: conv units session by session (PE p of a session computes filter f0 + p; conv1
    sessions hold min(8, 128 / n_pes) filters per PE, one slot after the other), position by
    position, PE by PE; pooled words position by position (halves 0, 1); scores class by class."""
    if kind == KIND["POOL"]:
        j = np.repeat(np.arange(G.L_POOL), 2)
        return j, np.tile([0, 1], G.L_POOL)
    if kind == KIND["SCORE"]:
        return np.arange(n_classes), np.zeros(n_classes, np.int64)
    u = kind - KIND["CONV1"]
    cout, lout = CONV_SHAPES[u]
    groups = cout // n_pes                      # conv1: sessions x slots, also f0 = g * n_pes
    g = np.arange(groups)[:, None, None]
    x = np.arange(lout)[None, :, None]
    p = np.arange(n_pes)[None, None, :]
    idx = np.broadcast_to(g * n_pes + p, (groups, lout, n_pes)).reshape(-1)
    step = np.broadcast_to(x, (groups, lout, n_pes)).reshape(-1)
    return idx, step
