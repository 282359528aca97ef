# SPDX-License-Identifier: Apache-2.0
"""`make bench B=tcn`: held-out windows through the CNN IP's RTL running the CNN+TCN network
(docs/tcn.md), driven by the host driver, every layer's output map compared with the golden model.

    make bench B=tcn SPLIT=intra|inter [BEATS=N|all] [SIM=verilator|icarus] [SEED=n] [JOBS=n]
    CNN_N_MAC=4 make bench B=tcn ...        # the IP built with another N_MAC (default 3)

The int8 image of the split (golden/params/tcn/<split>.json, golden/tcn_model.py: 18 layers,
CONV1D with dilation and causal padding, MAXPOOL, the residual ADD, DENSE) runs on the 4 s
windows (golden/tcn_data.py: 2 x 500, the ECG and the R-peak marks) of the held-out beats of
its split (the intra test split or DS2, tcn_data.split_indices: the beats scripts/eval_tcn.py
scores); BEATS=N takes a seeded random choice of N of them, BEATS=all every one.

Everything but the network is B=cnn's (scripts/bench_cnn.py :func:`bench_network`): the
driver records its calls over RecordingBus, verif/cnn/tb_cnn_engine_bench.v plays them through
rtl/cnn/cnn_engine, the same driver calls are replayed on the RTL's reads and every byte of
every layer map, the four counters of every layer and the decision are compared with
golden/cnn.py and verif/cnn/cycles.py; the accuracy figures come from the RTL's decisions.
This module is only the network's description (:data:`TCN`).  A block module of
scripts/bench.py.
"""

from __future__ import annotations

import bench_cnn as NB
from bench_core import BenchError, summary, with_arrays
from golden import tcn_data, tcn_model

BLOCK = "tcn"
MODES = (None,)
USES = ("split",)
CORRUPT = NB.CORRUPT
WHOLE_RECORDS = NB.WHOLE_RECORDS


def _tcn_net(split: str):
    image = tcn_model.load_image(split)
    return tcn_model.to_layers(image), tcn_model.input_shape(image)


def _tcn_data(split: str, in_shape: tuple):
    w = tcn_data.load_tcn_windows(channels=in_shape[0])
    if w.x.shape[1:] != tuple(in_shape):
        raise BenchError(f"B=tcn: the windows are {w.x.shape[1:]}, the image wants {tuple(in_shape)}")
    _, test_idx = tcn_data.split_indices(w, split)
    return w.x, w.y, test_idx


TCN = NB.NetSpec(name="tcn", unit="windows", image_path=tcn_model.image_path, load_net=_tcn_net,
                 load_data=_tcn_data, decide=tcn_model.decide, classes=tuple(tcn_data.CLASSES))


def run(a):
    f, arrays = NB.bench_network(a, TCN)
    res = summary(block="tcn", sim=a.sim, beats=f.pop("beats"), mismatches=f.pop("mismatches"),
                  values_compared=f.pop("values_compared"), cycles_per_beat_mean=f.pop("cycles_per_beat_mean"),
                  cycles_per_beat_max=f.pop("cycles_per_beat_max"), beats_per_second=f.pop("beats_per_second"), **f)
    return with_arrays(res, **arrays)
