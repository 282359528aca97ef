#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Stream real MIT-BIH beats through a block's RTL and check every value.

    make bench B=encoder [BEATS=N|all] [SIM=verilator|icarus] [SEED=n]
    make bench B=snn_if SPLIT=intra|inter MODE=screen|cascade [BEATS=N|all] [SIM=..] [TRACE=0|1]
    make bench B=snn_eprop SPLIT=intra|inter MODE=infer|learn [BEATS=N|all] [RECORDS=..] [TRACE=0|1]
    make bench B=pipeline SPLIT=intra|inter MODE=infer|learn RECORDS=.. [TRACE=0|1]
    make bench B=cnn SPLIT=intra|inter [BEATS=N|all] [SIM=..]
    make bench B=tcn SPLIT=intra|inter [BEATS=N|all] [SIM=..]      (CNN+TCN on the CNN IP)
    make bench B=bcnn DATASET=ecgid|mitdb PROTOCOL=record|session [BEATS=N|all] [TRACE=0|1]
    make bench B=quality [BEATS=N|all] [SIM=..]   (QUALITY_NOISE=ma:12,pl:6 for noisy windows)

The bulk path does not go through cocotb (whose per-cycle Python would make a
whole-database run take hours): a plain-Verilog bench testbench
(verif/<block>/tb_*_bench.v, identical on both simulators) reads the beats
from a file and writes every observable event (trace entries, stream
elements, beat registers, status pulses) to a file; this script then compares
all of it with the vectorised golden model.  Records are simulated as
separate runs (reset at the start of each), in parallel on the machine's cores, or on a
Dask distributed scheduler with --scheduler tcp://host:port (SCHEDULER=).

This file is the command line only: the shared part is scripts/bench_core.py, and every
block is one module scripts/bench_<name>.py found by bench_core.blocks()
(docs/adding-a-block.md).  Every knob is checked before anything is built; a knob the
block does not use is refused by name.

Prints progress on stderr and ends with one JSON line on stdout: block, sim,
beats, mismatches, values_compared, cycles_per_beat_mean/max, the lower bound,
beats_per_second (simulated beats per second of simulator wall time, all
cores), beats_per_second_end_to_end (including writing, parsing and
comparing), and the block's own figures (snn_if: the accuracy computed from
the RTL's decisions).  Beside the summary (build/bench/results/RUN.json) it writes
the run's per-beat arrays to RUN.npz (``cycles``, ``lower_bound``, ``label``, ``pred``, those
the block knows; B=cnn and B=tcn also ``cycles_with_host`` and ``index``) and, for B=snn_eprop MODE=infer TRACE=1, the membranes of one beat from the
RTL's trace to RUN_trace.npz (scripts/report.py draws both).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402

import bench_core as C  # noqa: E402
from bench_core import BenchError  # noqa: E402
from golden import data as D  # noqa: E402

BLOCKS = C.blocks()


def check_args(a):
    """Every knob checked, and every knob the block would ignore refused by name, before
    anything is built or simulated."""
    m = BLOCKS[a.block]
    a.idle_pct = C.pct("IDLE_PCT", a.idle_pct)
    a.bp_pct = C.pct("BP_PCT", a.bp_pct)
    a.beats = C.beats_arg(a.beats)
    if a.jobs < 1:
        raise BenchError(f"JOBS must be a positive number of simulations at once, got {a.jobs}")
    a.records = C.records_arg(a.records)
    if a.mode is None:
        a.mode = m.MODES[0]
    elif a.mode not in m.MODES:
        raise BenchError(f"{a.block}: MODE must be {' or '.join(str(x) for x in m.MODES)}, got {a.mode!r}"
                         if m.MODES != (None,) else f"{a.block}: MODE is not used; leave it unset")
    name = a.block + (f" MODE={a.mode}" if len(m.MODES) > 1 else "")
    if m.WHOLE_RECORDS(a):
        if a.beats is not None:
            C.refuse(name, "BEATS", "it streams whole records; choose them with RECORDS=")
    else:
        if a.records is not None:
            C.refuse(name, "RECORDS", "it draws BEATS seeded random beats from the split; RECORDS is for "
                     "the whole-record benches (B=snn_eprop MODE=learn, B=pipeline)")
        if a.beats is None:
            a.beats = "2000"
    if a.idle_pct and "idle_pct" not in m.USES:
        C.refuse(a.block, "IDLE_PCT", f"the {a.block} bench has back-pressure (BP_PCT) only")
    for knob, var in (("dataset", "DATASET"), ("protocol", "PROTOCOL")):
        if getattr(a, knob) is not None and knob not in m.USES:
            C.refuse(a.block, var, f"the {a.block} bench has no {var}")
    for knob, var, default in (("split", "SPLIT", "intra"), ("trace", "TRACE", 1)):
        if getattr(a, knob) is not None and knob not in m.USES:
            C.refuse(a.block, var, f"the {a.block} bench has no {var}")
        if getattr(a, knob) is None:
            setattr(a, knob, default)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--block", "-b", default="encoder", choices=sorted(BLOCKS))
    ap.add_argument("--beats", default=None,
                    help="number of beats (seeded random choice) or 'all' (default 2000; not for whole-record benches)")
    ap.add_argument("--sim", default="verilator", choices=("verilator", "icarus"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--idle-pct", default=os.environ.get("IDLE_PCT") or "0",
                    help="percent of cycles the source withholds data, 0..99 (default $IDLE_PCT or 0)")
    ap.add_argument("--bp-pct", default=os.environ.get("BP_PCT") or "0",
                    help="percent of cycles the sink back-pressures, 0..99 (default $BP_PCT or 0)")
    ap.add_argument("--split", default=None, choices=("intra", "inter"),
                    help="snn_if, cnn, tcn: intra = intra-patient test split, inter = de Chazal DS2 (and that split's "
                         "banks / image)")
    ap.add_argument("--mode", default=None, choices=("screen", "cascade", "infer", "learn"),
                    help="snn_if: binary screen (bank 0, default) or severity cascade (banks 1..3); "
                         "snn_eprop: infer (default) or learn (patient adaptation, SPLIT=inter)")
    ap.add_argument("--dataset", default=None, choices=("ecgid", "mitdb"),
                    help="bcnn: the database (default ecgid)")
    ap.add_argument("--protocol", default=None, choices=("record", "session"),
                    help="bcnn: within-record (default) or cross-record/session split (ECG-ID)")
    ap.add_argument("--records", default=None,
                    help="snn_eprop MODE=learn, pipeline: comma-separated records, or all (default set)")
    ap.add_argument("--trace", type=int, default=None, choices=(0, 1),
                    help="snn_if: build with TRACE_EN=1 and compare every trace entry (default), or 0")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--scheduler", default=os.environ.get("SCHEDULER") or None,
                    help="run the simulations on the Dask distributed scheduler at this address "
                         "(tcp://host:port; default $SCHEDULER, else locally)")
    ap.add_argument("--keep", action="store_true", help="keep the per-record input/output files")
    ap.add_argument("--corrupt-model", action="store_true",
                    help="compare with a deliberately wrong golden model (encoder: Delta_S + 1; snn_if: "
                         "theta1 + 1 in every bank; snn_eprop: theta + 1; cnn, tcn: S - 1 in one channel of "
                         "the first convolution): must report mismatches")
    a = ap.parse_args(argv)
    try:
        check_args(a)
        C.use_scheduler(a.scheduler)
        res = BLOCKS[a.block].run(a)
    except D.DataError as e:
        raise BenchError(C.data_error_message(e)) from None
    finally:
        C.use_scheduler(None)
    arrays = res.pop(C.ARRAYS_KEY, {})      # per-beat arrays: the .npz files, not the JSON line
    print(json.dumps(res))
    if not a.corrupt_model:         # the summary and arrays, for `make report` (scripts/report.py)
        run = a.block if a.block == "encoder" else "_".join(
            str(x) for x in (a.block, res.get("split", a.split), res.get("mode", a.mode)) if x)
        out = ROOT / "build" / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{run}.json").write_text(json.dumps(res) + "\n")
        for suffix in C.ARRAY_SUFFIXES:         # never leave an earlier run's arrays beside this run
            f = out / f"{run}{suffix}.npz"
            f.unlink(missing_ok=True)
            if suffix in arrays:
                np.savez(f, **arrays[suffix])
    return 0 if res["mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
