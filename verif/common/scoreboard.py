# SPDX-License-Identifier: Apache-2.0
"""Exact-comparison scoreboard base.

A block's scoreboard declares its channels (one per observed output: the spike
stream, the trace port, the beat register, ...).  The block's predictor (fed by
the *input* monitor, never by the driver) calls :meth:`expect` with the golden
model's values; the output monitors write what the DUT produced into one
analysis FIFO per channel.  Each actual item is compared, in order, with the
oldest expected item of its channel the moment it arrives - exactly, with
``==`` on the items' ``key()`` (no tolerance: the golden model is bit-exact).

The check phase fails the test when

* any comparison mismatched,
* the DUT produced an item nobody expected (extra output),
* an expected item never came (lost output), or
* a channel listed in ``REQUIRED`` compared nothing at all (a scoreboard that
  compares nothing must not pass).

``flush()`` drops the expectations of everything in flight (used on reset:
the DUT discards it too).
"""

from __future__ import annotations

from collections import deque

import cocotb
from pyuvm import uvm_component, uvm_tlm_analysis_fifo

MAX_REPORTED = 10


def _key(item):
    return item.key() if hasattr(item, "key") else item


class ScoreboardError(AssertionError):
    pass


class ExactScoreboard(uvm_component):
    CHANNELS: tuple[str, ...] = ()
    REQUIRED: tuple[str, ...] = ()

    def build_phase(self):
        self.fifos = {ch: uvm_tlm_analysis_fifo(f"{ch}_fifo", self) for ch in self.CHANNELS}
        self.expected = {ch: deque() for ch in self.CHANNELS}
        self.compared = {ch: 0 for ch in self.CHANNELS}
        self.mismatches = {ch: 0 for ch in self.CHANNELS}
        self.errors: list[str] = []
        self.flushed = 0

    def export(self, channel):
        return self.fifos[channel].analysis_export

    # --------------------------------------------------------------- predictor
    def expect(self, channel, item):
        self.expected[channel].append(item)

    def flush(self):
        for q in self.expected.values():
            self.flushed += len(q)
            q.clear()

    # -------------------------------------------------------------- comparing
    def _error(self, msg):
        self.errors.append(msg)
        if len(self.errors) <= MAX_REPORTED:
            self.logger.error(msg)

    def describe(self, channel, item) -> str:
        """Human-readable item (blocks override for richer context)."""
        return repr(item)

    def compare(self, channel, actual):
        q = self.expected[channel]
        if not q:
            self._error(f"[{channel}] unexpected output from the DUT: {self.describe(channel, actual)}")
            self.mismatches[channel] += 1
            return
        exp = q.popleft()
        self.compared[channel] += 1
        if _key(exp) != _key(actual):
            self.mismatches[channel] += 1
            self._error(f"[{channel}] mismatch #{self.mismatches[channel]}\n"
                        f"  expected {self.describe(channel, exp)}\n"
                        f"  actual   {self.describe(channel, actual)}")

    async def _consume(self, channel):
        fifo = self.fifos[channel]
        while True:
            item = await fifo.get()
            self.compare(channel, item)

    async def run_phase(self):
        for ch in self.CHANNELS:
            cocotb.start_soon(self._consume(ch))

    # ---------------------------------------------------------------- verdict
    def check_phase(self):
        for ch in self.CHANNELS:
            while True:
                ok, item = self.fifos[ch].try_get()
                if not ok:
                    break
                self.compare(ch, item)
            if self.expected[ch]:
                self._error(f"[{ch}] {len(self.expected[ch])} expected item(s) never produced "
                            f"(lost); first: {self.describe(ch, self.expected[ch][0])}")
        for ch in self.REQUIRED:
            if self.compared[ch] == 0:
                self._error(f"[{ch}] nothing was compared on a required channel")
        summary = ", ".join(f"{ch}: {self.compared[ch]} compared / {self.mismatches[ch]} bad"
                            for ch in self.CHANNELS)
        self.logger.info(f"scoreboard: {summary}; {self.flushed} expectation(s) flushed by reset")
        if self.errors:
            raise ScoreboardError(f"{len(self.errors)} scoreboard error(s); first: {self.errors[0]}")

    def total_mismatches(self) -> int:
        return sum(self.mismatches.values())
