# SPDX-License-Identifier: Apache-2.0
"""The e-prop boundary bins (verif.common.eprop.BOUNDARY_BINS) without a simulator.

* each bin counted by hand on small constructed cases (the clip at both ends and not at
  -128 with a zero delta, the saturated trace re-spiking with and without the saturation
  being active, the carried residual moving a delta or not);
* the directed stimulus of ``eprop_boundary`` hits every bin on many seeds;
* with one ingredient of the stimulus taken away, exactly that ingredient's bins stay empty
  (so the bins measure what they claim, and the test fails by name without it);
* the coverage collector makes a missing required bin fatal, naming it.
"""

import numpy as np
import pytest

from golden import eprop as P
from verif.common import eprop as VE
from verif.common.coverage import CoverageCollector, CoverageHoleError

CLIP = tuple(b for b in VE.BOUNDARY_BINS if "_clip_" in b)
TRACE = ("trace_sat_respike",)
RESID = ("residual_carried", "residual_in_delta")


def _zero_params(**cfg) -> P.EpropParams:
    p = P.EpropParams(np.zeros((P.N_REC, P.N_IN), np.int64), np.zeros((P.N_REC, P.N_REC), np.int64),
                      np.zeros((P.N_OUT, P.N_REC), np.int64), np.zeros(P.N_OUT, np.int64), name="zero")
    return P.with_cfg(p, **cfg)


def _applied(p, acc_before, acc_in=None, residual=False):
    """boundary_hits of an APPLY only (no steps) from the accumulators before it."""
    q, na, d = P.apply_updates(p, acc_before)
    run = P.BeatRun(cls=0, y=np.zeros(P.N_OUT, np.int64), spikes=0, words_inf=0, words_learn=0, sat=0,
                    steps=[], params=q, acc=na, deltas=d)
    return VE.boundary_hits(np.zeros((0, P.N_IN)), p, run, acc_in, residual), q


def test_clip_by_hand():
    p = _zero_params(lr_out=2, lr_in=3)
    p.w_out[0, 0], p.w_out[1, 0], p.w_out[2, 0], p.w_out[3, 5] = 120, -120, -128, 127
    p.w_in[7, 3] = 126
    acc = P.LearnAcc.zeros()
    acc.a_out[0, 0] = -10 << 2          # delta -10: 130 -> +127
    acc.a_out[1, 0] = 10 << 2           # delta +10: -130 -> -127
    acc.a_out[3, 5] = -1 << 2           # delta -1: 128 -> +127
    acc.a_in[7, 3] = -(1 << 3)          # delta -1: 127, inside the range: no clip
    hits, q = _applied(p, acc)
    assert q.w_out[0, 0] == 127 and q.w_out[1, 0] == -127 and q.w_out[3, 5] == 127 and q.w_in[7, 3] == 127
    assert q.w_out[2, 0] == -127        # -128 with a zero delta is clipped too, but is not an update clip
    assert hits["w_out_clip_pos"] == 2 and hits["w_out_clip_neg"] == 1
    assert all(hits[b] == 0 for b in VE.BOUNDARY_BINS if b not in ("w_out_clip_pos", "w_out_clip_neg"))
    # a disabled matrix is not applied, so it cannot clip
    hits, _ = _applied(P.with_cfg(p, learn_mask=0b011), acc)
    assert hits["w_out_clip_pos"] == hits["w_out_clip_neg"] == 0


def test_residual_by_hand():
    p = _zero_params(lr_out=2, learn_mask=0b100)
    r = P.LearnAcc.zeros()
    r.a_out[0, 0], r.a_out[1, 1] = 3, 1          # residuals of the previous beat (0 <= r < 4)
    before = r.copy()
    before.a_out[0, 0] += 1                      # own 1: (3 + 1) >> 2 = 1, 1 >> 2 = 0: moved
    before.a_out[1, 1] += 4                      # own 4: (1 + 4) >> 2 = 1 = 4 >> 2: not moved
    hits, _ = _applied(p, before, acc_in=r, residual=True)
    assert hits["residual_carried"] == 2 and hits["residual_in_delta"] == 1
    hits, _ = _applied(p, before, acc_in=r, residual=False)    # written over AXI: not a residual
    assert hits["residual_carried"] == hits["residual_in_delta"] == 0
    # a residual in a disabled matrix does not count
    r2 = P.LearnAcc.zeros()
    r2.a_in[0, 0] = 5
    hits, _ = _applied(p, r2, acc_in=r2, residual=True)
    assert hits["residual_carried"] == 0


@pytest.mark.parametrize("tr_inc", [255, 64, 16])
def test_trace_respike_by_hand(tr_inc):
    """Input 0 spikes at two steps of three, input 5 once: the bin counts the steps where a
    spike arrives at a trace already at 255 (a plain-integer trace, k_h = 4, beside the model).
    A trace only reaches 255 when tr_inc > 255 >> k_h, which also saturates every re-spike;
    with tr_inc 16 it never gets there in 38 steps (52 spikes in a row are needed)."""
    p = _zero_params(tr_inc=tr_inc)
    x = np.zeros((P.T, P.N_IN), np.uint8)
    x[:, 0] = [int(k % 3 != 2) for k in range(P.T)]
    x[10, 5] = 1
    run = P.run_beat(x, p, record=True)
    tr, expect = 0, 0
    for k in range(P.T):
        expect += int(tr == 255 and x[k, 0] == 1)
        tr = min(255, tr - (tr >> 4) + tr_inc * int(x[k, 0]))
        assert run.steps[k].zbar[0] == tr
    hits = VE.boundary_hits(x, p, run)
    assert hits["trace_sat_respike"] == expect
    assert (expect > 10) if tr_inc > 16 else (expect == 0)
    assert all(v == 0 for b, v in hits.items() if b != "trace_sat_respike")


def _bins_over(n_beats, seeds, wmax=None, **kw):
    """Minimum over seeds of each bin's hits in the eprop_boundary flow (learn, infer, learn...);
    ``wmax``: the ds1 weights clipped to +-wmax first (the trained image has weights at the clip)."""
    base = P.load_model("ds1")
    if wmax is not None:
        for wn in ("w_in", "w_rec", "w_out"):
            setattr(base, wn, np.clip(getattr(base, wn), -wmax, wmax))
    low = dict.fromkeys(VE.BOUNDARY_BINS, None)
    for seed in seeds:
        q, slots, rr, lab = VE.boundary_stimulus(np.random.default_rng(seed), base, n_beats, **kw)
        learn = [1, 0] + [1] * (n_beats - 2)
        acc, res = None, False
        tot = dict.fromkeys(VE.BOUNDARY_BINS, 0)
        for b in range(n_beats):
            x = VE.inputs_from_slots(slots[b], rr[b])
            a_in = acc if learn[b] else None
            r = P.run_beat(x, q, label=int(lab[b]) if learn[b] else None, acc=a_in, record=True)
            for k, v in VE.boundary_hits(x, q, r, a_in, res and bool(learn[b])).items():
                tot[k] += v
            if learn[b]:
                q, acc, res = r.params, r.acc, True
        low = {k: tot[k] if low[k] is None else min(low[k], tot[k]) for k in tot}
    return low


def test_directed_stimulus_hits_every_bin():
    for n in (3, 4):                              # the Icarus and Verilator lengths of eprop_boundary
        low = _bins_over(n, range(12))
        assert all(v > 0 for v in low.values()), f"{n} beats: bins not hit on some seed: {low}"


@pytest.mark.parametrize("what,kw,empty", [
    ("weights inside +-100, lr 20", dict(wmax=100, preload=False, lr_hid=(20, 20), lr_out=(20, 20)), CLIP),
    ("tr_inc 16", dict(tr_inc=(16, 16)), TRACE),
    ("lr 0: no residual", dict(lr_hid=(0, 0), lr_out=(0, 0)), RESID),
])
def test_each_bin_needs_its_stimulus(what, kw, empty):
    hits = [_bins_over(4, [seed], **kw) for seed in range(4)]
    for seed, h in enumerate(hits):
        assert all(h[b] == 0 for b in empty), f"{what}, seed {seed}: {h}"
        # only the bins of the ingredient taken away are missing
        assert all(h[b] > 0 for b in VE.BOUNDARY_BINS if b not in empty), f"{what}, seed {seed}: {h}"


def test_missing_required_bin_is_fatal_by_name():
    cov = CoverageCollector("cov_unit", None)
    cov.build_phase()
    cov.coverpoint("boundary", required=VE.BOUNDARY_BINS)
    for b in VE.BOUNDARY_BINS:
        if b != "trace_sat_respike":
            cov.sample("boundary", b, 3)
    cov.check_phase()                             # not enforced: only reported
    cov.enforce = True
    with pytest.raises(CoverageHoleError) as ei:
        cov.check_phase()
    assert ei.value.missing == {"boundary": ["trace_sat_respike"]}
    assert "boundary: trace_sat_respike" in str(ei.value)
    cov.sample("boundary", "trace_sat_respike")
    cov.check_phase()                             # every bin hit: passes
