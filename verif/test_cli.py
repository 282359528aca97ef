# SPDX-License-Identifier: Apache-2.0
"""The make/bench/verif.run interface refuses what it cannot honour, before any simulation.

Every case here fails before a build starts (seconds each): bad knobs, variables a block
would ignore, unknown simulators and tests, missing data; a testbench error is reported as
such (never as RTL mismatches); every bench's JSON comes from the one summary builder.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_core as C  # noqa: E402
from verif import run as R  # noqa: E402


def _bench(*args, env=None):
    e = dict(os.environ, **(env or {}))
    for k in ("IDLE_PCT", "BP_PCT"):
        if env is None or k not in env:
            e.pop(k, None)
    return subprocess.run([sys.executable, "scripts/bench.py", *args], cwd=ROOT, capture_output=True,
                          text=True, env=e, timeout=120)


@pytest.mark.parametrize("args,env,words", [
    (["--block", "encoder"], {"IDLE_PCT": "150"}, ["IDLE_PCT", "0..99", "150"]),
    (["--block", "encoder"], {"BP_PCT": "100"}, ["BP_PCT", "0..99", "100"]),
    (["--block", "encoder"], {"IDLE_PCT": "abc"}, ["IDLE_PCT", "'abc'"]),
    (["--block", "encoder", "--bp-pct", "-1"], None, ["BP_PCT", "-1"]),
    (["--block", "encoder", "--beats", "0"], None, ["BEATS", "'0'"]),
    (["--block", "encoder", "--beats", "ten"], None, ["BEATS", "'ten'"]),
    (["--block", "pipeline", "--records", "999"], None, ["RECORDS", "999", "not an MIT-BIH"]),
    (["--block", "pipeline", "--records", "abc"], None, ["RECORDS", "'abc'"]),
    (["--block", "pipeline", "--beats", "10"], None, ["B=pipeline", "BEATS is not used"]),
    (["--block", "pipeline"], {"IDLE_PCT": "10"}, ["B=pipeline", "IDLE_PCT is not used"]),
    (["--block", "snn_eprop", "--mode", "learn", "--split", "inter", "--beats", "5"], None,
     ["B=snn_eprop MODE=learn", "BEATS is not used"]),
    (["--block", "encoder", "--records", "100"], None, ["B=encoder", "RECORDS is not used"]),
    (["--block", "snn_eprop", "--records", "100"], None, ["B=snn_eprop MODE=infer", "RECORDS is not used"]),
    (["--block", "snn_if", "--mode", "learn"], None, ["snn_if", "MODE", "screen or cascade"]),
    (["--block", "encoder", "--mode", "infer"], None, ["encoder", "MODE is not used"]),
    (["--block", "encoder", "--split", "inter"], None, ["B=encoder", "SPLIT is not used"]),
    (["--block", "encoder", "--trace", "0"], None, ["B=encoder", "TRACE is not used"]),
    (["--block", "tcn", "--jobs", "0"], None, ["JOBS", "positive", "0"]),
    (["--block", "tcn", "--mode", "infer"], None, ["tcn", "MODE is not used"]),
    (["--block", "tcn", "--records", "100"], None, ["B=tcn", "RECORDS is not used"]),
    (["--block", "tcn", "--trace", "0"], None, ["B=tcn", "TRACE is not used"]),
    (["--block", "tcn", "--beats", "2"], {"CNN_N_MAC": "9"}, ["CNN_N_MAC", "'9'"]),
])
def test_bench_refuses_bad_arguments(args, env, words):
    r = _bench(*args, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    assert "[bench]" not in r.stderr          # refused before loading beats or building


def test_bench_data_error_is_short_and_names_data_dir():
    r = _bench("--block", "encoder", "--beats", "5", env={"ECG_DATA_DIR": "/nonexistent/ecg"})
    assert r.returncode == 1 and r.stdout == ""
    assert "Traceback" not in r.stderr and r.stderr.startswith("data error:"), r.stderr
    assert "DATA_DIR" in r.stderr and "ECG_DATA_DIR" in r.stderr and "/nonexistent/ecg" in r.stderr


def test_testbench_error_is_not_a_mismatch(tmp_path):
    """A bench testbench refusing its plusargs prints ERROR and exits 0: reported as a
    testbench error (exit 1), never parsed as RTL output."""
    cmd = ["sh", "-c", "echo 'ERROR: +idle_pct and +bp_pct must be 0..99'; exit 0"]
    with pytest.raises(C.BenchError) as ei:
        C.run_sim(cmd, tmp_path, 100)
    assert str(ei.value.code).startswith("testbench error (record 100): ERROR: +idle_pct and +bp_pct")
    # the stall watchdog is the RTL's failure: left to the comparison (the X line in the output file)
    C.run_sim(["sh", "-c", "echo 'ERROR: no handshake for 100 cycles at cycle 5'"], tmp_path, 100)
    C.run_sim(["sh", "-c", "echo fine"], tmp_path, 100)
    with pytest.raises(C.BenchError, match="simulation failed for record 7"):
        C.run_sim(["sh", "-c", "exit 3"], tmp_path, 7)
    assert C.testbench_errors("x\nFATAL: bad\n") == ["FATAL: bad"]


def test_summary_refuses_missing_keys():
    full = {k: 0 for k in C.SUMMARY_KEYS}
    assert list(C.summary(**full, extra=1)) == [*C.SUMMARY_KEYS, "extra"]
    for k in C.SUMMARY_KEYS:
        part = {x: v for x, v in full.items() if x != k}
        with pytest.raises(TypeError, match=k):
            C.summary(**part)


def test_with_arrays_refuses_unequal_beats_and_unknown_files():
    res = C.with_arrays({}, cycles=[1, 2], pred=[0, 1])
    assert list(res[C.ARRAYS_KEY]) == [""] and res[C.ARRAYS_KEY][""]["cycles"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="unequal length"):
        C.with_arrays({}, cycles=[1, 2], pred=[0])
    with pytest.raises(ValueError, match="suffix '_x'"):
        C.with_arrays({}, "_x", u=[1])


def test_every_bench_summary_uses_the_builder_with_every_key():
    """Every registered block module's run() returns a summary(...) call naming every key of
    SUMMARY_KEYS, and builds no summary as a dict literal (static: a block that forgets a key
    fails here, without a simulation)."""
    blocks = C.blocks()
    assert set(blocks) >= {"encoder", "snn_if", "snn_eprop", "pipeline"}, blocks
    for name, mod in blocks.items():
        path = Path(mod.__file__)
        tree = ast.parse(path.read_text())
        fn = next(f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == "run")
        calls = [c for c in ast.walk(fn) if isinstance(c, ast.Call) and getattr(c.func, "id", None) == "summary"]
        dicts = [d for d in ast.walk(fn) if isinstance(d, ast.Dict)
                 and any(isinstance(k, ast.Constant) and k.value == "block" for k in d.keys)]
        assert calls and not dicts, f"{path.name}: run() must return summary(...)"
        for c in calls:
            kws = {k.arg for k in c.keywords}
            assert set(C.SUMMARY_KEYS) <= kws, f"{path.name}: summary lacks {set(C.SUMMARY_KEYS) - kws}"
            assert next(k.value.value for k in c.keywords if k.arg == "block") == name


def test_block_modules_have_one_shape():
    for name, mod in C.blocks().items():
        assert mod.BLOCK == name and callable(mod.run) and callable(mod.WHOLE_RECORDS)
        assert isinstance(mod.MODES, tuple) and mod.MODES and set(mod.USES) <= {"split", "trace", "idle_pct", "dataset", "protocol"}
        assert isinstance(mod.CORRUPT, str) and mod.CORRUPT


def test_verif_run_unknown_test_errors_first(capsys):
    assert R.main(["--test", "nosuchtest"]) == 2
    out = capsys.readouterr()
    assert "unknown test 'nosuchtest'" in out.err and "reproduce" not in out.out + out.err


def test_verif_run_reproduce_line_names_the_knobs():
    env = {"DATA_DIR": "/d/x", "RECORDS": "100,101", "IDLE_PCT": "10", "BP_PCT": "20", "BEATS_PER_RECORD": "3"}
    line = R.reproduce_line("encoder", "icarus", 7, waves=True, env=env)
    assert line == ("make sim TEST=encoder SIM=icarus SEED=7 DATA_DIR=/d/x RECORDS=100,101 IDLE_PCT=10 "
                    "BP_PCT=20 BEATS_PER_RECORD=3 WAVES=1")
    assert R.reproduce_line("encoder", "verilator", 1, env={}) == "make sim TEST=encoder SIM=verilator SEED=1"
    assert "DATA_DIR=/e" in R.reproduce_line("rr", "verilator", 1, env={"ECG_DATA_DIR": "/e"})


def test_verif_run_data_error_before_simulation(monkeypatch, capsys):
    monkeypatch.setenv("ECG_DATA_DIR", "/nonexistent/ecg")
    assert R.main(["--test", "encoder_regress"]) == 2
    out = capsys.readouterr()
    assert "data error" in out.err and "DATA_DIR" in out.err and "ECG_DATA_DIR" in out.err
    assert "reproduce" not in out.out     # nothing was built or run


def test_regress_refuses_unknown_simulator():
    env = dict(os.environ, SIMS="questa")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider",
                        "verif/test_regression.py"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "questa" in r.stdout + r.stderr and "icarus" in r.stdout + r.stderr
    r = subprocess.run(["make", "-s", "regress", "SIM=questa"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0 and "SIM must be icarus or verilator, got 'questa'" in r.stderr, r.stderr
