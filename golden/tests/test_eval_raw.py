# SPDX-License-Identifier: Apache-2.0
"""The raw-stream evaluation (scripts/eval_raw.py): EC57 pairs, and missed / extra detections
scored as errors, never dropped."""
import sys
from pathlib import Path

import numpy as np
import pytest

from golden import ec57

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import eval_raw  # noqa: E402


def test_match_pairs_agrees_with_match_and_is_one_to_one():
    rng = np.random.default_rng(7)
    ref = np.sort(rng.choice(100_000, 400, replace=False))
    det = np.sort(np.concatenate([ref[::2] + rng.integers(-60, 61, ref[::2].size),
                                  rng.choice(100_000, 50, replace=False)]))
    det = np.unique(det)
    m, pr, pd = ec57.match_pairs(ref, det, 54)
    assert m == ec57.match(ref, det, 54)
    assert pr.size == pd.size == m.tp
    assert np.all(np.abs(pr - pd) <= 54)
    assert np.unique(pr).size == pr.size and np.unique(pd).size == pd.size
    assert set(pr.tolist()) <= set(ref.tolist()) and set(pd.tolist()) <= set(det.tolist())


def _rows(*spec):
    return [tuple(r) for r in spec]


def test_score_counts_missed_and_extra_as_errors():
    # rows: (scored, label, stage1, stage2, quality); -1 scored = extra detection
    res = [{"rows": _rows((1, 0, 0, 0, 0), (1, 0, 0, 0, 0), (1, 2, 1, 2, 0), (1, 1, 0, 0, 0),
                          (1, 3, 0, 0, 1),        # F beat called normal but unreadable
                          (0, 2, 1, 2, 0),        # a training beat: not scored
                          (-1, -1, 1, 1, 0), (-1, -1, 0, 0, 0)),
            "missed_labels": [2, 0]}]
    s = eval_raw.score(res, "inter")
    assert s["scored_ref_beats"] == 7 and s["missed"] == 2
    assert s["extra_detections"] == 2 and s["extra_called_abnormal"] == 1 and s["unreadable"] == 1
    cm1 = np.array(s["screen_confusion_with_missed"])
    assert cm1.tolist() == [[2, 0, 1], [2, 1, 1]]
    assert s["screen_se_abn"] == pytest.approx(1 / 4)
    assert s["screen_ppv_abn"] == pytest.approx(1 / 2)           # the extra beat called abnormal is an FP
    assert s["gated_se_abn"] == pytest.approx(2 / 4)             # the unreadable F beat counts as flagged
    cm4 = np.array(s["two_stage_confusion_with_missed"])
    assert cm4.sum() == 7 and cm4[2, 4] == 1 and cm4[0, 4] == 1
    assert s["two_stage_acc"] == pytest.approx(3 / 7)
    # intra: extra detections cannot be assigned to the test split, so they are not FPs
    assert eval_raw.score(res, "intra")["screen_ppv_abn"] == pytest.approx(1.0)


def test_raw_stream_on_a_ds2_record_tracks_the_reference_peaks():
    # record 232 through the whole golden chain from its raw signal: every scored reference beat is
    # accounted for (matched or missed), and the figures equal those at the reference peaks within
    # what the detector's misses and the window shift can move.
    bs = eval_raw.D.load_beats()
    test = eval_raw.D.inter_patient_split(bs)[1]
    scored = {int(s) for r, s in zip(bs.record[test], bs.sample[test]) if int(r) == 232}
    models = eval_raw.REC.load_models("inter")
    r = eval_raw.record_eval("232", models, "inter", scored)
    s = eval_raw.score([r], "inter")
    n_lab = int((eval_raw.D.nsvf_labels(bs.symbol[test][bs.record[test] == 232]) >= 0).sum())
    assert s["scored_ref_beats"] == n_lab
    assert r["tp"] + r["fn"] == r["ref"] and r["tp"] + r["fp"] == r["det"]
    ref = eval_raw.reference_chain("inter", models, ["232"])
    assert ref["beats"] == n_lab
    assert abs(s["screen_acc"] - ref["screen_acc"]) < 0.02
