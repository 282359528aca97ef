# SPDX-License-Identifier: Apache-2.0
"""The int8 CNN+TCN (golden/params/tcn/<split>.json, docs/tcn.md) through cnn_engine by the
host driver, every layer compared with golden/cnn.py.

The environment, scoreboard and coverage are verif/cnn/test_cnn_engine.py's (imported as a
module, so its own tests are not collected here): ``driver.cnn_ip.CnnIp`` over ``CocotbBus`` on
the repository's AXI4-Lite master agent, the blocking driver in a ``cocotb.task.bridge`` thread.

* ``TcnNetworkTest``: TCN_BEATS (default 3) real held-out windows of TCN_SPLIT (default intra;
  the test set scripts/eval_tcn.py evaluates, a seeded choice with the classes in turn).  The
  image's weights and quant words are loaded once (``CnnIp.load_network``: activation regions by
  first fit among the maps still needed, so each residual ADD reads its block input from where
  the block left it); each window runs layer by layer (``CnnIp.run_network``) and every layer's
  whole output map (causal dilated convolutions, the strided one, max pooling, the residual
  ADDs, the dense logits) is read back and compared exactly with golden/cnn.py ``run_network``,
  CYCLES / MACS / STALLS / LEN_OUT of every layer with verif/cnn/cycles.py and golden ``macs`` /
  ``len_out``, and the argmax decision with golden's.  Functional coverage requires every layer
  kind, causal padding, dilation 1 and > 1 and a stride > 1.  TCN_PARAMS_DIR: another image
  folder (default golden/params/tcn).
* ``TcnNetworkDilationCorruptTest`` (expect_error): the same on one window against a model that
  ignores dilation (every conv run with DILATION 1, the fault hls4ml issue 1508 reports): must
  fail.
* ``TcnNetworkCorruptModelTest`` (expect_error): against test_cnn_engine's truncating requant
  model: must fail.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pyuvm

from golden import cnn, tcn_data, tcn_model
from verif.cnn import cycles as CY
from verif.cnn import test_cnn_engine as E
from verif.common.scoreboard import ScoreboardError


class DilationIgnoredModel(E.Model):
    """Corrupted: every CONV1D computed with dilation 1 (and its padding recomputed for it)."""

    name = "dilation ignored (corrupted)"

    def network(self, net, x, descs, caps):
        return cnn.run_network([dataclasses.replace(layer, dilation=1) if layer.kind == cnn.CONV1D
                                else layer for layer in net], x)


@pyuvm.test()
class TcnNetworkTest(E.CnnBaseTest):
    """TCN_BEATS held-out windows of TCN_SPLIT through CnnIp over CocotbBus, every layer exact."""

    REQUIRED_CHANNELS = ("out", "counters", "decision")
    REQUIRE = {"kind": ("CONV1D", "DENSE", "MAXPOOL", "ADD"), "conv_pad": ("CAUSAL",),
               "conv_dilation": ("1", ">1"), "stride": (">1",)}
    DEFAULT_BEATS = 3

    def work(self, ip):
        n = E._env_int("TCN_BEATS", self.DEFAULT_BEATS)
        split = os.environ.get("TCN_SPLIT", "intra") or "intra"
        if split not in tcn_data.SPLITS:
            raise ValueError(f"TCN_SPLIT must be one of {tcn_data.SPLITS}, got {split!r}")
        image = tcn_model.load_image(split, os.environ.get("TCN_PARAMS_DIR") or None)
        net = tcn_model.to_layers(image)
        in_shape = tcn_model.input_shape(image)
        wins = tcn_data.load_tcn_windows(channels=in_shape[0])
        _, test_idx = tcn_data.split_indices(wins, split)
        picked = E.pick_beats(self.knobs.rng("tcn_network"), wins.y, test_idx, n)
        plan = ip.load_network(net, in_shape)
        exp_counters = [(CY.cycles(d, self.n_mac, self.caps), cnn.macs(d),
                         CY.stalls(d, self.n_mac, self.caps), cnn.len_out(d)) for d in plan.descs]
        exp_total = sum(c[0] for c in exp_counters)
        self.logger.info(f"{split} TCN image: {len(net)} layers "
                         f"({sum(l.kind == cnn.ADD for l in net)} residual ADDs), weights resident "
                         f"{plan.resident}, {sum(c[1] for c in exp_counters)} MACs and {exp_total} cycles "
                         f"per window; {n} held-out windows of {len(test_idx)}: {picked}")
        classes = tcn_data.CLASSES
        maps = 0
        for b in picked:
            x = wins.x[b]
            outs, results = ip.run_network(net, x, plan, with_results=True)
            exp = self.model.network(net, x, plan.descs, self.caps)
            if len(outs) != len(exp):
                raise AssertionError(f"window {b}: the driver returned {len(outs)} maps, the model {len(exp)}")
            for i, (d, y, got, res, ec) in enumerate(zip(plan.descs, exp, outs, results, exp_counters)):
                tag = (int(b), i, net[i].name, str(d))
                self.sb.check("out", (tag, tuple(np.asarray(y, dtype=np.int64).reshape(-1).tolist())),
                              (tag, tuple(np.asarray(got, dtype=np.int64).reshape(-1).tolist())))
                self.sb.check("counters", (tag, ec), (tag, (res.cycles, res.macs, res.stalls, res.len_out)))
                self.cov.on_layer(d, None, self.caps)
                maps += 1
            p_exp = int(tcn_model.decide(np.asarray(exp[-1])[:, 0][None, :])[0])
            p_got = int(tcn_model.decide(np.asarray(outs[-1])[:, 0][None, :])[0])
            self.sb.check("decision", (int(b), p_exp), (int(b), p_got))
            self.logger.info(f"window {b} (record {int(wins.record[b])}): label {classes[int(wins.y[b])]}, "
                             f"RTL decision {classes[p_got]} (golden {classes[p_exp]}), "
                             f"{sum(r.cycles for r in results)} cycles (cycles.py {exp_total})")
        self.logger.info(f"{n} windows x {len(net)} layers = {maps} layer maps through CnnIp/CocotbBus")


@pyuvm.test(expect_error=ScoreboardError)
class TcnNetworkDilationCorruptTest(TcnNetworkTest):
    """One window against a model that ignores dilation: must fail (expect_error)."""

    MODEL = DilationIgnoredModel
    DEFAULT_BEATS = 1


@pyuvm.test(expect_error=ScoreboardError)
class TcnNetworkCorruptModelTest(TcnNetworkTest):
    """One window against the truncating requant model: must fail (expect_error)."""

    MODEL = E.TruncatingModel
    DEFAULT_BEATS = 1
