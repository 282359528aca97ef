# SPDX-License-Identifier: Apache-2.0
"""Classification metrics shared by the evaluation and bench scripts.

``scripts/eval_snn_if.py`` (the integer golden model) and ``scripts/bench.py
--block snn_if`` (the decisions of the RTL) compute their accuracy figures with
these same functions, so the two are comparable number for number.
"""

from __future__ import annotations

import numpy as np


def confusion(y, p, k: int) -> np.ndarray:
    """k x k confusion matrix: rows true class ``y``, columns predicted ``p``."""
    y = np.asarray(y, dtype=np.int64)
    p = np.asarray(p, dtype=np.int64)
    if y.shape != p.shape:
        raise ValueError(f"labels {y.shape} and predictions {p.shape} differ in shape")
    if y.size and (y.min() < 0 or y.max() >= k or p.min() < 0 or p.max() >= k):
        raise ValueError(f"labels/predictions outside 0..{k - 1}")
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (y, p), 1)
    return m


def class_metrics(cm) -> dict:
    """Accuracy, per-class sensitivity (recall) and PPV (precision), macro-F1.

    A class with no true (no predicted) beats has sensitivity (PPV) NaN and F1 0.
    """
    cm = np.asarray(cm)
    tp = np.diag(cm).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        sens = tp / cm.sum(1)
        ppv = tp / cm.sum(0)
        f1 = np.where(sens + ppv > 0, 2 * sens * ppv / (sens + ppv), 0.0)
    f1 = np.nan_to_num(f1)
    return {"acc": float(tp.sum() / max(cm.sum(), 1)), "sens": sens, "ppv": ppv,
            "macro_f1": float(f1.mean()), "confusion": cm}
