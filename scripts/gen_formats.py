#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate rtl/common/ecg_formats.vh from golden/formats.py.

    gen_formats.py           write the header
    gen_formats.py --check   exit 1 (and show a diff) when the committed header differs
"""
import argparse
import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from golden.formats import render_verilog_header  # noqa: E402

HEADER = ROOT / "rtl" / "common" / "ecg_formats.vh"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args()
    text = render_verilog_header()
    if args.check:
        old = HEADER.read_text() if HEADER.exists() else ""
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                       str(HEADER), "generated"))
            print(f"\n{HEADER.relative_to(ROOT)} is not current: run `make formats` and commit it.")
            return 1
        print(f"{HEADER.relative_to(ROOT)} is current")
        return 0
    HEADER.parent.mkdir(parents=True, exist_ok=True)
    HEADER.write_text(text)
    print(f"wrote {HEADER.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
