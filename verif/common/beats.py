# SPDX-License-Identifier: Apache-2.0
"""Real MIT-BIH beats as pyuvm sequence items.

:func:`select_beats` draws beats by record, AAMI class, split and seed from the
golden data layer (golden/data.py); :class:`BeatItem` carries one beat (its
samples and where it came from) and renders it as stream words;
:class:`BeatSequence` sends a list of items.  Testbenches of every block use
these, so the same seed always streams the same beats.
"""

from __future__ import annotations

import numpy as np
from pyuvm import uvm_sequence

from golden import data as D
from verif.common.stream import StreamItem

SPLITS = ("all", "intra_train", "intra_test", "ds1", "ds2", "adapt", "adapt_test")


def split_indices(beats: D.BeatSet, split: str, seed: int = 2025) -> np.ndarray:
    if split == "all":
        return np.arange(len(beats))
    if split in ("intra_train", "intra_test"):
        tr, te = D.intra_patient_split(beats, seed=seed)
        return tr if split == "intra_train" else te
    if split in ("ds1", "ds2"):
        a, b = D.inter_patient_split(beats)
        return a if split == "ds1" else b
    if split in ("adapt", "adapt_test"):
        a, b = D.adaptation_split(beats)
        return a if split == "adapt" else b
    raise ValueError(f"unknown split {split!r}; choose one of {SPLITS}")


def select_beats(per_record: int, seed: int, records=None, split: str = "all",
                 classes=None, pre: int = 100, post: int = 150, split_seed: int = 2025):
    """Pick ``per_record`` beats from each record (all 48 by default).

    Within a record, one beat of each AAMI class present is taken first,
    rarest class (over the whole database) first, so rare classes are
    exercised even with one or two beats per record; then the rest at random.
    ``classes`` (AAMI names) restricts the choice.  Returns (BeatSet subset,
    AAMI labels).
    """
    beats = D.load_beats(records=None, pre=pre, post=post)
    idx = split_indices(beats, split, split_seed)
    labels = D.aami5_labels(beats.symbol)
    rng = np.random.default_rng(seed)
    recs = [int(r) for r in (records or D.MITDB_RECORDS)]
    allowed = None if classes is None else {D.AAMI5_CLASSES.index(c) for c in classes}
    counts = np.bincount(labels[labels >= 0], minlength=len(D.AAMI5_CLASSES))
    rarity = {c: counts[c] if c >= 0 else 1 << 40 for c in range(-1, len(D.AAMI5_CLASSES))}
    chosen = []
    for r in recs:
        cand = idx[beats.record[idx] == r]
        if allowed is not None:
            cand = cand[np.isin(labels[cand], list(allowed))]
        if len(cand) == 0:
            continue
        cand = rng.permutation(cand)
        first = []
        for c in sorted(np.unique(labels[cand]), key=lambda c: rarity[int(c)]):
            first.append(cand[labels[cand] == c][0])
        rest = [i for i in cand if i not in set(first)]
        pick = (first + rest)[:per_record]
        chosen.extend(sorted(pick))
    chosen = np.asarray(chosen, dtype=np.int64)
    return beats.subset(chosen), labels[chosen]


class BeatItem(StreamItem):
    """One beat: ``samples`` (int array) plus record, R-peak sample, symbol, class."""

    def __init__(self, name="beat", samples=None, record=0, sample=0, symbol="?", aami=-1, side=None):
        samples = np.asarray(samples if samples is not None else [], dtype=np.int64)
        words = [(int(v), int(i == len(samples) - 1)) for i, v in enumerate(samples)]
        super().__init__(name, words=words, meta=dict(record=int(record), sample=int(sample),
                                                       symbol=str(symbol), aami=int(aami)),
                         side=side)
        self.samples = samples

    @staticmethod
    def from_beatset(bs: D.BeatSet, labels, i: int, side=None) -> "BeatItem":
        return BeatItem(f"beat_{bs.record[i]}_{bs.sample[i]}", bs.x[i], bs.record[i],
                        bs.sample[i], bs.symbol[i], labels[i], side=side)


class BeatSequence(uvm_sequence):
    """Sends the items given at construction, in order."""

    def __init__(self, name="beat_seq", items=None):
        super().__init__(name)
        self.items = list(items or [])

    async def body(self):
        for item in self.items:
            await self.start_item(item)
            await self.finish_item(item)
