#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate the CNN IP's register files from golden/cnn_regmap.py.

    gen_cnn_regs.py           write rtl/cnn/cnn_regs.vh, driver/cnn_ip/regs.py and the
                              register table of docs/cnn_rtl.md (between its marker comments)
    gen_cnn_regs.py --check   exit 1 (and show a diff) when any of them is not what it would write
"""
import argparse
import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golden.cnn_regmap import (DOC_BEGIN, DOC_END, render_doc_table,  # noqa: E402
                               render_python_constants, render_verilog_header)

HEADER = ROOT / "rtl" / "cnn" / "cnn_regs.vh"
PYREGS = ROOT / "driver" / "cnn_ip" / "regs.py"
DOC = ROOT / "docs" / "cnn_rtl.md"

DOC_SKELETON = """# CNN multiply-add IP (`cnn_engine`): RTL

The interface is docs/cnn_contract.md; its single definition is golden/cnn_regmap.py.

## Register map

{table}
"""


class GenError(Exception):
    """A generated file cannot be produced (a marker is missing or repeated)."""


def doc_text(old: str | None) -> str:
    """docs/cnn_rtl.md with the table between the markers replaced (a skeleton if absent)."""
    table = render_doc_table()
    if old is None:
        return DOC_SKELETON.format(table=table)
    if old.count(DOC_BEGIN) != 1 or old.count(DOC_END) != 1 or old.index(DOC_BEGIN) > old.index(DOC_END):
        raise GenError(f"{DOC.name} must hold the line {DOC_BEGIN!r} once and, after it, "
                       f"{DOC_END!r} once")
    head, rest = old.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    return head + table + tail


def targets() -> list[tuple[Path, str]]:
    old_doc = DOC.read_text() if DOC.exists() else None
    return [(HEADER, render_verilog_header()), (PYREGS, render_python_constants()),
            (DOC, doc_text(old_doc))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)
    try:
        files = targets()
    except GenError as e:
        print(f"gen_cnn_regs: {e}", file=sys.stderr)
        return 1
    stale = 0
    for path, text in files:
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        old = path.read_text() if path.exists() else ""
        if args.check:
            if old != text:
                sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                           str(rel), "generated"))
                print(f"\n{rel} is not current: run `make cnn-regs` and commit it.")
                stale += 1
            else:
                print(f"{rel} is current")
        elif old != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {rel}")
        else:
            print(f"{rel} unchanged")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
