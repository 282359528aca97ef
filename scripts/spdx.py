#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Give every source file of the repository its SPDX licence line, or check that it has one.

    python scripts/spdx.py          add "SPDX-License-Identifier: Apache-2.0" where it is missing
    python scripts/spdx.py --check  list the files without it and exit 1 if there are any

Sources are the git-tracked Verilog (.v .vh .sv .vlt), Python, shell scripts, the Makefile and
.ci/run.  The line goes first, or second after a "#!" line, as a comment in the file's syntax.
Data (MIT-BIH, ECG-ID) are not in the repository and keep their own ODC-By terms; the trained
images (.hex, .json) are covered by LICENSE like the code.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG = "SPDX-License-Identifier: Apache-2.0"
SLASH = (".v", ".vh", ".sv", ".vlt")
HASH = (".py", ".sh")
NAMES = {"Makefile": "#", ".ci/run": "#"}


def comment_of(rel: str) -> str | None:
    if rel in NAMES:
        return NAMES[rel]
    if rel.endswith(SLASH):
        return "//"
    if rel.endswith(HASH):
        return "#"
    return None


def sources() -> list[tuple[Path, str]]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.split()
    found = []
    for rel in out:
        c = comment_of(rel)
        if c is not None and (ROOT / rel).is_file():
            found.append((ROOT / rel, c))
    return found


def has_tag(text: str) -> bool:
    return any(TAG in line for line in text.splitlines()[:3])


def main(argv: list[str]) -> int:
    check = "--check" in argv
    missing = []
    for path, c in sources():
        text = path.read_text()
        if has_tag(text):
            continue
        missing.append(path.relative_to(ROOT))
        if not check:
            lines = text.splitlines(keepends=True)
            at = 1 if lines and lines[0].startswith("#!") else 0
            lines.insert(at, f"{c} {TAG}\n")
            path.write_text("".join(lines))
    if check:
        for m in missing:
            print(f"no SPDX licence line: {m}")
        return 1 if missing else 0
    print(f"added the SPDX line to {len(missing)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
