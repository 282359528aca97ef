# SPDX-License-Identifier: Apache-2.0
"""Clock, reset and run knobs shared by every testbench.

Timing convention of the whole harness (identical on Icarus and Verilator):
drivers write right after a rising edge; monitors sample at the falling edge,
when every signal of the cycle has settled.  A handshake seen at a falling
edge completes at the following rising edge.  (Verilator is cycle based and
shows post-edge values at a RisingEdge trigger, Icarus shows pre-edge values;
sampling at the falling edge makes both agree.)
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

CLK_PERIOD_NS = 10


def _env_int(name: str, default: int) -> int:
    v = os.environ.get(name, "")
    if v == "":
        return default
    try:
        return int(v, 0)
    except ValueError as e:
        raise ValueError(f"environment variable {name}={v!r} is not an integer") from e


@dataclass(frozen=True)
class Knobs:
    """Run knobs, from the environment (the Makefile passes them through).

    SEED               random seed of the run (cocotb's, logged at start)
    IDLE_PCT           % of cycles the source withholds tvalid (idle insertion)
    BP_PCT             % of cycles each sink deasserts tready (back-pressure)
    BEATS_PER_RECORD   beats drawn from each record by the regression sequences
    RECORDS            comma-separated record list (default: all 48)
    """

    seed: int
    idle_pct: int
    bp_pct: int
    beats_per_record: int
    records: tuple[str, ...] | None

    @staticmethod
    def from_env(idle_pct=0, bp_pct=0, beats_per_record=2) -> "Knobs":
        recs = os.environ.get("RECORDS", "").strip()
        for name, v in (("IDLE_PCT", _env_int("IDLE_PCT", idle_pct)), ("BP_PCT", _env_int("BP_PCT", bp_pct))):
            if not 0 <= v <= 95:
                raise ValueError(f"{name}={v} outside 0..95")
        return Knobs(
            # the run's seed as given (cocotb.RANDOM_SEED is re-derived per test)
            seed=_env_int("COCOTB_RANDOM_SEED", int(cocotb.RANDOM_SEED)),
            idle_pct=_env_int("IDLE_PCT", idle_pct),
            bp_pct=_env_int("BP_PCT", bp_pct),
            beats_per_record=_env_int("BEATS_PER_RECORD", beats_per_record),
            records=tuple(r.strip() for r in recs.split(",") if r.strip()) or None,
        )

    def rng(self, salt: str) -> random.Random:
        """An independent, reproducible random stream for one component."""
        return random.Random(f"{self.seed}:{salt}")


def start_clock(dut, name: str = "clk"):
    clk = getattr(dut, name)
    cocotb.start_soon(Clock(clk, CLK_PERIOD_NS, unit="ns").start())
    return clk


async def reset(clk, rst, cycles: int = 4):
    """Synchronous active-high reset for `cycles` rising edges."""
    await RisingEdge(clk)
    rst.value = 1
    for _ in range(cycles):
        await RisingEdge(clk)
    rst.value = 0


async def wait_until(clk, cond, limit: int = 20000, edge=FallingEdge) -> bool:
    """Until ``cond()`` is true at an edge of clk (falling by default: the
    harness's sampling point); False after ``limit`` cycles."""
    for _ in range(limit):
        await edge(clk)
        if cond():
            return True
    return False


async def wait_quiet(clk, busy, quiet: int, limit: int, what: str = "the DUT", edge=FallingEdge):
    """Until ``busy()`` has been false at ``quiet`` consecutive edges of clk
    (a drained pipeline); raises AssertionError after ``limit`` cycles."""
    n = 0
    for _ in range(limit):
        await edge(clk)
        n = 0 if busy() else n + 1
        if n >= quiet:
            return
    raise AssertionError(f"{what} did not drain within {limit} cycles")
