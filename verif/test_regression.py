# SPDX-License-Identifier: Apache-2.0
"""The simulation regression as pytest cases (run in parallel with pytest-xdist).

One case per (test, simulator): every test of verif/run.py's REGRESSION list on
the simulators named by the SIMS environment variable (default: verilator),
plus, with SMOKE_ICARUS=1, the Icarus smoke subset.  COV=1 builds with
Verilator coverage.  The seed comes from SEED (default 1) and is printed with
the command that reproduces a failure.
"""

import os

import pytest

from verif.run import REGRESSION, TESTS, run

SEED = int(os.environ.get("SEED") or 1)
COV = os.environ.get("COV", "0") == "1"
SIMS = [s for s in os.environ.get("SIMS", "verilator").split(",") if s]
_BAD_SIMS = [s for s in SIMS if s not in ("icarus", "verilator")]
if _BAD_SIMS:
    raise pytest.UsageError(f"SIMS: unknown simulator(s) {', '.join(_BAD_SIMS)}; use icarus and/or verilator")

CASES = [(t, s) for s in SIMS for t in REGRESSION]
if os.environ.get("SMOKE_ICARUS", "0") == "1" and "icarus" not in SIMS:
    CASES += [(t, "icarus") for t in REGRESSION if TESTS[t].smoke]


@pytest.mark.parametrize("name,sim", CASES, ids=[f"{t}-{s}" for t, s in CASES])
def test_sim(name, sim):
    ntests, nfail, test_dir = run(name, sim, seed=SEED, cov=COV and sim == "verilator")
    repro = f"make sim TEST={name} SIM={sim} SEED={SEED}" + (" COV=1" if COV else "")
    assert ntests > 0, f"{name} on {sim} ran no cocotb test ({test_dir}/sim.log); reproduce: {repro}"
    assert nfail == 0, f"{name} on {sim}: {nfail} of {ntests} failed ({test_dir}/sim.log); reproduce: {repro}"
