# SPDX-License-Identifier: Apache-2.0
"""Monitor for internal state: the uniform trace port plus status signals.

Every block that exposes internal values does it through one trace port
(``trc_valid``, ``trc_kind``, ``trc_index``, ``trc_step``, ``trc_value``;
present when the block's TRACE_EN parameter is 1, tied off in synthesis).
This monitor samples it at each falling edge and publishes a
:class:`StateSample` whenever ``trc_valid`` is high or any of the ``pulses``
(status pulses such as saturation or error flags) is high, so a pulse that has
no matching trace entry is still seen and compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from cocotb.triggers import FallingEdge
from pyuvm import ConfigDB, uvm_analysis_port, uvm_monitor

from verif.common.stream import _bit, cfg_get


@dataclass(frozen=True)
class StateSample:
    valid: int
    kind: int
    index: int
    step: int
    value: int
    status: tuple = ()      # (name, value) of every watched status signal
    cycle: int = 0          # not compared

    def key(self):
        return (self.valid, self.kind, self.index, self.step, self.value, self.status)


class StateMonitor(uvm_monitor):
    """Config: ``dut``, ``clk``, ``rst``, ``prefix`` (default ``trc``),
    ``pulses`` (status signal names that also trigger a sample) and
    ``levels`` (status signal names sampled alongside, e.g. sticky flags)."""

    def build_phase(self):
        cdb = ConfigDB()
        self.ap = uvm_analysis_port("ap", self)
        self.dut = cdb.get(self, "", "dut")
        self.clk = cdb.get(self, "", "clk")
        self.rst = cdb.get(self, "", "rst")

        def opt(key, default):
            return cfg_get(self, key, default)

        p = opt("prefix", "trc")
        d = self.dut
        self.valid = getattr(d, f"{p}_valid")
        self.kind = getattr(d, f"{p}_kind")
        self.index = getattr(d, f"{p}_index")
        self.step = getattr(d, f"{p}_step")
        self.value = getattr(d, f"{p}_value")
        self.pulses = [(n, getattr(d, n)) for n in opt("pulses", [])]
        self.levels = [(n, getattr(d, n)) for n in opt("levels", [])]
        self.samples = 0

    async def run_phase(self):
        cycle = 0
        while True:
            await FallingEdge(self.clk)
            cycle += 1
            if _bit(self.rst):
                continue
            v = _bit(self.valid)
            pulse = any(_bit(h) for _, h in self.pulses)
            if not (v or pulse):
                continue
            status = tuple((n, _bit(h)) for n, h in self.pulses + self.levels)
            self.samples += 1
            self.ap.write(StateSample(
                valid=v,
                kind=self.kind.value.to_unsigned() if v else 0,
                index=self.index.value.to_unsigned() if v else 0,
                step=self.step.value.to_unsigned() if v else 0,
                value=self.value.value.to_unsigned() if v else 0,
                status=status, cycle=cycle))
