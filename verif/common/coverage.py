# SPDX-License-Identifier: Apache-2.0
"""Functional coverage: named coverpoints with required bins.

A block's coverage component samples values into coverpoints; each coverpoint
may declare the bins it requires.  The report phase logs a table; when the
environment variable FCOV_DIR is set the result is also written as JSON
(``<FCOV_DIR>/<run>.<test class>.json``) for ``make cov`` to merge over the regression.
A test can make missing required bins fatal with ``enforce=True``: the check phase then
raises :class:`CoverageHoleError` naming every coverpoint and bin that was not hit.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from pyuvm import uvm_component, uvm_root


class CoverageHoleError(AssertionError):
    """Required bins were not hit (``missing``: coverpoint -> the bins, as strings)."""

    def __init__(self, missing: dict):
        self.missing = dict(missing)
        super().__init__("functional coverage holes (required bins not hit): "
                         + "; ".join(f"{n}: {', '.join(b)}" for n, b in sorted(self.missing.items())))


class CoverageCollector(uvm_component):
    def build_phase(self):
        self.points: dict[str, Counter] = {}
        self.required: dict[str, set] = {}
        self.enforce = False

    def coverpoint(self, name, required=()):
        self.points.setdefault(name, Counter())
        self.required[name] = set(required)

    def sample(self, name, value, n=1):
        self.points.setdefault(name, Counter())[value] += n

    def missing(self) -> dict:
        return {n: sorted(map(str, req - set(self.points.get(n, {}))))
                for n, req in self.required.items() if req - set(self.points.get(n, {}))}

    def summary(self) -> dict:
        return {n: {"hits": {str(k): v for k, v in sorted(c.items(), key=lambda kv: str(kv[0]))},
                    "required": sorted(map(str, self.required.get(n, ()))),
                    "missing": self.missing().get(n, [])}
                for n, c in self.points.items()}

    def report_phase(self):
        for n, s in self.summary().items():
            req = s["required"]
            got = len(req) - len(s["missing"]) if req else len(s["hits"])
            tot = len(req) if req else len(s["hits"])
            hits = ", ".join(f"{b} {s['hits'].get(b, 0)}" for b in req)
            self.logger.info(f"coverage {n}: {got}/{tot} bins"
                             + (f" (hits: {hits})" if req else "")
                             + (f", missing {s['missing']}" if s["missing"] else ""))
        out = os.environ.get("FCOV_DIR")
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            test = type(uvm_root().uvm_test_top).__name__
            name = f"{os.environ.get('FCOV_NAME', 'run')}.{test}"
            (Path(out) / f"{name}.json").write_text(json.dumps(self.summary(), indent=1))

    def check_phase(self):
        if self.enforce and self.missing():
            raise CoverageHoleError(self.missing())
