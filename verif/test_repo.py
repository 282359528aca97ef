# SPDX-License-Identifier: Apache-2.0
"""Repository hygiene checks run by `make test`: licence lines on every source file."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_has_spdx_line():
    r = subprocess.run([sys.executable, "scripts/spdx.py", "--check"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_spdx_check_fails_on_a_file_without_it(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import spdx
    assert not spdx.has_tag("`resetall\n`timescale 1ns / 1ps\n")
    assert spdx.has_tag("#!/bin/sh\n# SPDX-License-Identifier: Apache-2.0\n")
    assert spdx.comment_of("rtl/x/y.v") == "//" and spdx.comment_of("a/b.py") == "#"
    assert spdx.comment_of("golden/params/x.hex") is None


def test_generated_cnn_register_files_are_current():
    r = subprocess.run([sys.executable, "scripts/gen_cnn_regs.py", "--check"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_cnn_register_check_fails_on_a_stale_file(tmp_path, monkeypatch, capsys):
    sys.path.insert(0, str(ROOT / "scripts"))
    import gen_cnn_regs
    stale = tmp_path / "cnn_regs.vh"
    stale.write_text(gen_cnn_regs.render_verilog_header().replace("8'd10", "8'd11"))
    monkeypatch.setattr(gen_cnn_regs, "HEADER", stale)
    assert gen_cnn_regs.main(["--check"]) == 1
    assert "is not current" in capsys.readouterr().out
    bad_doc = tmp_path / "cnn_rtl.md"
    bad_doc.write_text("# no markers\n")
    monkeypatch.setattr(gen_cnn_regs, "DOC", bad_doc)
    assert gen_cnn_regs.main(["--check"]) == 1
