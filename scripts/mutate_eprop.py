#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fault injection into the e-prop engine's boundary arithmetic: which tests catch it.

    python scripts/mutate_eprop.py [--mutants a,b] [--tests eprop_learn,eprop_boundary] [--seed 1]

For every mutant, the tracked files of the repository are copied to build/mutants/<mutant>/ with
one edit in rtl/eprop/eprop_engine.v, and each test runs there on Verilator (python -m verif.run).
One line per (mutant, test): CAUGHT (the test failed) or MISSED (it passed), and the first
scoreboard mismatch.  Exit status 0 when every mutant is caught by at least one of the tests.
Mutants (docs/verification.md "Boundary bins of the e-prop engine"):
  clip_neg_128   APPLY writes -128 instead of -127 below the clip
  clip_pos_wrap  APPLY does not clip at +127 (the sum wraps to 8 bits)
  zbar_wrap      the presynaptic trace filter wraps to 8 bits instead of saturating at 255
  residual_lost  APPLY clears the accumulator instead of keeping the residual
About 1 to 3 minutes per (mutant, test) on a loaded 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RTL = "rtl/eprop/eprop_engine.v"
_ZBAR_FN = """// MUTANT: the presynaptic trace filter without its saturation
function [7:0] trace_upw;
    input [7:0] tr;
    input [3:0] k;
    input       s;
    input [7:0] inc;
    reg   [9:0] x;
    begin
        x = {2'b00, tr} - {2'b00, tr >> k} + (s ? {2'b00, inc} : 10'd0);
        trace_upw = x[7:0];
    end
endfunction

// the 32 inputs of a step"""
# name -> list of (text, replacement): each text must occur exactly once
MUTANTS = {
    "clip_neg_128": [("(ap_wn < -25'sd127) ? 8'h81", "(ap_wn < -25'sd127) ? 8'h80")],
    "clip_pos_wrap": [("(ap_wn > 25'sd127) ? 8'd127 :", "(ap_wn > 25'sd1000000) ? 8'd127 :")],
    "zbar_wrap": [("// the 32 inputs of a step", _ZBAR_FN),
                  ("zbar_nx[zi*TR_W +: TR_W] = trace_upd(", "zbar_nx[zi*TR_W +: TR_W] = trace_upw(")],
    "residual_lost": [("ap_acc[pl*A_W +: A_W] = ap_a - (ap_dl <<< ap_lr);", "ap_acc[pl*A_W +: A_W] = {A_W{1'b0}};")],
}


def stage(name: str) -> Path:
    out = ROOT / "build" / "mutants" / name
    if out.exists():
        shutil.rmtree(out)
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        src = ROOT / f
        if src.is_file():
            (out / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out / f)
    (out / ".venv").symlink_to((ROOT / ".venv").resolve())
    rtl = out / RTL
    s = rtl.read_text()
    for old, new in MUTANTS[name]:
        if s.count(old) != 1:
            raise SystemExit(f"mutant {name}: {old!r} occurs {s.count(old)} times in {RTL} (the RTL changed?)")
        s = s.replace(old, new)
    rtl.write_text(s)
    return out


def run(tree: Path, test: str, seed: int) -> tuple[bool, str]:
    r = subprocess.run([str(tree / ".venv" / "bin" / "python"), "-m", "verif.run", "--test", test, "--sim",
                        "verilator", "--seed", str(seed)], cwd=tree, capture_output=True, text=True,
                       env=dict(os.environ))
    log = tree / "build" / "tests" / "verilator" / test / "sim.log"
    first = ""
    if log.exists():
        m = re.search(r"mismatch #1\n\s*(expected .*)\n\s*(actual .*)\n", log.read_text())
        if m:
            first = f"{m.group(1).strip()} / {m.group(2).strip()}"
    return r.returncode != 0, first


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutants", default=",".join(MUTANTS))
    ap.add_argument("--tests", default="eprop_learn,eprop_boundary")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    names = [m for m in a.mutants.split(",") if m]
    bad = [m for m in names if m not in MUTANTS]
    if bad:
        print(f"unknown mutant(s) {', '.join(bad)}; known: {', '.join(MUTANTS)}", file=sys.stderr)
        return 2
    tests = [t for t in a.tests.split(",") if t]
    # the copies live below build/: point them at this checkout's data folder
    sys.path.insert(0, str(ROOT))
    from golden import data as D
    if os.environ.get("DATA_DIR") and not os.environ.get(D.ENV_DATA_DIR):
        os.environ[D.ENV_DATA_DIR] = os.environ["DATA_DIR"]
    try:
        os.environ[D.ENV_DATA_DIR] = str(D.data_root())
    except D.DataError as e:
        print(f"data error: {e}", file=sys.stderr)
        return 2
    missed = []
    for m in names:
        tree = stage(m)
        caught = False
        for t in tests:
            failed, first = run(tree, t, a.seed)
            caught |= failed
            print(f"{m:14s} {t:16s} {'CAUGHT' if failed else 'MISSED'}  {first}", flush=True)
        if not caught:
            missed.append(m)
    if missed:
        print(f"not caught by any test: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
