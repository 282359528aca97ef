# SPDX-License-Identifier: Apache-2.0
"""`make bench B=cnn`: held-out beats through the CNN IP's RTL, driven by the host driver,
every layer's output map compared with the golden model.

    make bench B=cnn SPLIT=intra|inter [BEATS=N|all] [SIM=verilator|icarus] [SEED=n]
    CNN_N_MAC=8 make bench B=cnn ...        # the IP built with another N_MAC (default 3)

The trained image of the split (golden/params/cnn/<split>.json: intra trained on the
intra-patient training beats, inter on DS1) runs on the beats of its test split (the intra
test split or DS2, golden/cnn_data.py split_indices, the set scripts/eval_cnn.py evaluates);
BEATS=N takes a seeded random choice of N of them, BEATS=all every one.

How the driver a board uses drives a plain-Verilog bench (docs/cnn_rtl.md, "The bench"):

1. **Record.**  ``driver.cnn_ip.CnnIp`` -- the driver, unchanged -- runs over
   :class:`RecordingBus`, a bus back end that answers from ``MemoryBus`` (the driver's software
   model of the IP, busy for no access) and writes every access as one line of a transaction
   script: the network loaded once (``load_network``), then per beat ``run_network(...,
   with_results=True)``: the input written, per layer the descriptor, START, the DONE wait,
   the four counters, DONE cleared and the whole output map read back.  A STATUS read is the
   driver's DONE poll: the bench repeats it until BUSY reads 0 (the driver's loop, collapsed).
2. **Play.**  verif/cnn/tb_cnn_engine_bench.v issues the script's accesses in order through its
   AXI4-Lite master and writes every read's response and data.
3. **Replay and compare.**  The same driver calls run again over :class:`ReplayBus`, which
   checks that every access the driver makes is the script's next one (address, and data of
   a write) and answers reads with the RTL's values: ``run_network`` then returns exactly what
   a board would have read (every layer's output map and counters, from the RTL), compared
   exactly with golden/cnn.py ``run_network`` (every byte of every layer), verif/cnn/cycles.py
   (CYCLES, STALLS), golden ``macs`` / ``len_out`` and the argmax decision.  A divergence (a
   write whose data depends on a read the RTL answered differently, an access refused) marks
   the beat bad.

The accuracy figures (accuracy, per-class sensitivity / PPV, macro-F1, confusion) are computed
from the RTL's decisions.  Cycles per beat: the RTL's CYCLES summed over the layers (compute)
and the bench's cycles between two beat marks (compute plus the driver's bus traffic at
+axil_resp_delay=0: the host overhead), beside the MAC bound (MACs / N_MAC) and the per-layer
MAC bound (ceil(COUT / N_MAC) weight rows x LEN_OUT of every CONV1D / DENSE layer).  A block
module of scripts/bench.py.

The machinery is the same for any network the IP runs: :func:`bench_network` takes a
:class:`NetSpec` (the image of the split, its input shape, the inputs and held-out indices, the
decision); this module's network is :data:`CNN`, scripts/bench_tcn.py's the CNN+TCN (B=tcn).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import bench_core as C
from bench_core import BUILD, build, log, run_jobs, run_sim, summary, with_arrays
from driver.cnn_ip import BusError, CnnIp, MemoryBus
from driver.cnn_ip import regs as R
from golden import cnn, cnn_data, cnn_model
from golden.metrics import class_metrics, confusion
from verif.cnn import cycles as CY

ROOT = C.ROOT
BLOCK = "cnn"
MODES = (None,)
USES = ("split",)
CORRUPT = "requant shift S - 1 of output channel 0 of the first convolution"

CNN_TB = "verif/cnn/tb_cnn_engine_bench.v"
CNN_TOP = "tb_cnn_engine_bench"
N_MAC_LEGAL = tuple(n for n in range(1, 17) if not ((n + 3) // 4) & ((n + 3) // 4 - 1))
CHUNK = 200                  # beats per simulation (the network is loaded once per simulation)
PAPER_MS = (1.8, 2.2)        # Fradi et al.: ms per beat at 100 MHz, IP and ARM together
OP_WRITE, OP_READ, OP_WAIT, OP_MARK = 0, 1, 2, 3


def WHOLE_RECORDS(a):
    return False


class ReplayError(RuntimeError):
    """The driver's access differs from the script's (the RTL answered a read differently)."""


class RecordingBus:
    """A bus back end that writes the transaction script of the driver's calls.  Reads are
    answered by ``inner`` (MemoryBus, busy for no access, so the driver polls STATUS once per
    layer); a STATUS read is recorded as the DONE wait."""

    def __init__(self, inner):
        self.inner = inner
        self.lines: list[str] = []

    def read32(self, addr: int) -> int:
        op = OP_WAIT if int(addr) == R.REG_STATUS else OP_READ
        self.lines.append(f"{op:x} {int(addr):05x} 00000000\n")
        return self.inner.read32(addr)

    def write32(self, addr: int, data: int) -> None:
        self.lines.append(f"{OP_WRITE:x} {int(addr):05x} {int(data) & 0xFFFFFFFF:08x}\n")
        self.inner.write32(addr, data)

    def mark(self, n: int) -> None:
        self.lines.append(f"{OP_MARK:x} 00000 {int(n) & 0xFFFFFFFF:08x}\n")


class ReplayBus:
    """A bus back end that checks the driver's accesses against the script and answers reads
    with the RTL's (resp, data) in script order; raises BusError for a non-OKAY read, as every
    back end does."""

    def __init__(self, script: list[tuple[int, int, int]], reads: list[tuple[int, int]]):
        self.script, self.reads = script, reads
        self.pos = self.rpos = 0

    def _next(self, op: int, addr: int, data: int = 0):
        if self.pos >= len(self.script):
            raise ReplayError(f"access {self.pos} ({op}, 0x{addr:05x}) past the end of the script")
        s = self.script[self.pos]
        self.pos += 1
        if s[0] != op or s[1] != addr or (op == OP_WRITE and s[2] != data):
            raise ReplayError(f"access {self.pos - 1}: the driver made ({op}, 0x{addr:05x}, 0x{data:08x}), "
                              f"the script has ({s[0]}, 0x{s[1]:05x}, 0x{s[2]:08x})")

    def read32(self, addr: int) -> int:
        addr = int(addr)
        self._next(OP_WAIT if addr == R.REG_STATUS else OP_READ, addr)
        if self.rpos >= len(self.reads):
            raise ReplayError(f"read at 0x{addr:05x}: the RTL's output has only {len(self.reads)} reads")
        resp, data = self.reads[self.rpos]
        self.rpos += 1
        if resp != 0:
            raise BusError(False, addr, resp)
        return data

    def write32(self, addr: int, data: int) -> None:
        self._next(OP_WRITE, int(addr), int(data) & 0xFFFFFFFF)

    def mark(self, n: int) -> None:
        self._next(OP_MARK, 0, 0)
        if self.script[self.pos - 1][2] != n & 0xFFFFFFFF:
            raise ReplayError(f"mark {n}: the script has mark {self.script[self.pos - 1][2]}")


def drive(bus, net: list, inputs: np.ndarray, in_shape: tuple):
    """The driver's calls of one simulation: the network loaded once, then each input (a beat,
    a window) run and every layer read back.  Yields (input number, layer maps, LayerResults)."""
    ip = CnnIp(bus)
    plan = ip.load_network(net, in_shape)
    for i, x in enumerate(inputs):
        bus.mark(i)
        outs, results = ip.run_network(net, x, plan, with_results=True)
        yield i, outs, results
    bus.mark(len(inputs))


def parse_out(path: Path):
    """The bench's output: reads [(resp, data)], marks [cycle], errors [line], final (cycle, lines)."""
    reads, marks, errors, fin = [], [], [], None
    for line in path.read_text().splitlines():
        k, f = line[:1], line[2:].split()
        if k in "RP":
            reads.append((int(f[0], 16), int(f[1], 16)))
        elif k == "M":
            marks.append(int(f[1]))
        elif k in "EX":
            errors.append(line)
        elif k == "F":
            fin = (int(f[0]), int(f[1]))
    return reads, marks, errors, fin


def corrupt(net: list) -> list:
    """The deliberately wrong model of --corrupt-model: S - 1 for output channel 0 of the first
    convolution (its outputs doubled before saturation)."""
    bad = copy.deepcopy(net)
    first = next(layer for layer in bad if layer.kind == cnn.CONV1D)
    s = np.array(first.s, copy=True)
    s[0] -= 1
    object.__setattr__(first, "s", s)
    return bad


def n_mac_knob() -> int:
    """CNN_N_MAC (environment, as the cocotb tests' CNN_* knobs): the IP's N_MAC, default 3."""
    v = os.environ.get("CNN_N_MAC", "").strip()
    if not v:
        return R.DEF_N_MAC
    if not v.isdigit() or int(v) not in N_MAC_LEGAL:
        raise C.BenchError(f"CNN_N_MAC must be one of {', '.join(map(str, N_MAC_LEGAL))} "
                           f"(1..16 with ceil(N_MAC/4) a power of 2), got {v!r}")
    return int(v)


@dataclass(frozen=True)
class NetSpec:
    """One network on the CNN IP, as the bench needs it (B=cnn below, B=tcn in
    scripts/bench_tcn.py): everything else -- record, play, replay, compare, the figures --
    is :func:`bench_network`'s, the same for every network."""

    name: str                       # the block name (log lines, the simulation directory)
    unit: str                       # what one input is, plural ("beats", "windows"), for log lines
    image_path: Callable            # split -> Path of the image the RTL runs
    load_net: Callable              # split -> (net: list of golden.cnn.Layer, input shape (C, L))
    load_data: Callable             # (split, input shape) -> (x [N, ...] int8, label [N], test indices)
    decide: Callable                # int8 logits [n, classes] -> class per row (argmax, lowest on ties)
    classes: tuple                  # the class names, in label order
    paper_ms: tuple | None = None   # a published ms per input at 100 MHz to print beside ours


def _cnn_net(split: str):
    return cnn_model.to_layers(cnn_model.load_image(split)), (1, cnn_data.BEAT_LEN)


def _cnn_data(split: str, in_shape: tuple):
    bt = cnn_data.load_cnn_beats()
    _, test_idx = cnn_data.split_indices(bt, split)
    return bt.x, bt.y, test_idx


CNN = NetSpec(name="cnn", unit="beats", image_path=cnn_model.image_path, load_net=_cnn_net,
              load_data=_cnn_data, decide=cnn_model.decide, classes=tuple(cnn_data.CLASSES),
              paper_ms=PAPER_MS)


def bench_network(a, spec: NetSpec):
    """The bench of network ``spec`` with the checked arguments ``a``: returns (fields,
    arrays): the summary's fields in their order (the caller's run() passes them to
    bench_core.summary with its block name) and the per-input arrays of RUN.npz."""
    N_MAC = n_mac_knob()
    caps = cnn.Caps(n_mac=N_MAC)
    net, in_shape = spec.load_net(a.split)
    model_net = corrupt(net) if a.corrupt_model else net
    xs, labels, test_idx = spec.load_data(a.split, in_shape)
    if a.beats == "all":
        sel = test_idx
    else:
        rng = np.random.default_rng(a.seed)
        sel = np.sort(rng.choice(test_idx, size=min(int(a.beats), len(test_idx)), replace=False))
    n = len(sel)
    # expected counters of every layer (the same for every input): verif/cnn/cycles.py, golden
    plan0 = CnnIp(MemoryBus(caps)).plan_network(net, in_shape)
    exp_counters = [(CY.cycles(d, N_MAC, caps), cnn.macs(d), CY.stalls(d, N_MAC, caps), cnn.len_out(d))
                    for d in plan0.descs]
    exp_compute = sum(c[0] for c in exp_counters)
    macs = sum(c[1] for c in exp_counters)
    mac_layer = np.array([d.kind in (cnn.CONV1D, cnn.DENSE) for d in plan0.descs])
    layer_bound = sum(cnn.mac_bound_cycles(d, N_MAC) for d, m in zip(plan0.descs, mac_layer) if m)
    map_bytes = sum(int(np.prod(s)) for s in plan0.shapes)
    chunks = [sel[i:i + CHUNK] for i in range(0, n, CHUNK)]
    image = spec.image_path(a.split).resolve().relative_to(ROOT).as_posix()
    log(f"{spec.name}: {n} {spec.unit} of the {a.split} test split ({len(test_idx)}), image {image} "
        f"({len(net)} layers, input {in_shape[0]} x {in_shape[1]}, {macs} MACs each), sim {a.sim}, "
        f"N_MAC {N_MAC}, {len(chunks)} simulations of <= {CHUNK} {spec.unit}, weights resident {plan0.resident}")
    t_build = time.time()
    exe = build(a.sim, CNN_TOP, "rtl/cnn/cnn_engine.f", CNN_TB, params={"N_MAC": N_MAC},
                tag=f"{CNN_TOP}_n{N_MAC}")
    log(f"built in {time.time() - t_build:.0f} s")
    (BUILD / a.sim).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{spec.name}_{a.split}_", dir=BUILD / a.sim))

    def one(job):
        j, idx = job
        x = xs[idx]
        rec = RecordingBus(MemoryBus(caps, busy_accesses=0))
        for _ in drive(rec, net, x, in_shape):
            pass
        inp, out = work / f"{j}.in", work / f"{j}.out"
        inp.write_text("".join(rec.lines))
        t0 = time.time()
        run_sim(exe + [f"+in={inp}", f"+out={out}", f"+seed={a.seed}", "+axil_resp_delay=0"], work, f"chunk {j}")
        dt = time.time() - t0
        reads, marks, errors, fin = parse_out(out)
        m = len(idx)
        bad = np.zeros(m, dtype=bool)
        pred = np.full(m, -1, dtype=np.int64)
        compute = np.full(m, -1, dtype=np.int64)
        compute_mac = np.full(m, -1, dtype=np.int64)
        total = np.full(m, -1, dtype=np.int64)
        compared, first = 0, None
        if errors or fin is None or fin[1] != len(rec.lines) or len(marks) != m + 1:
            first = f"bench errors {errors[:3]}, end {fin}, {len(marks)} marks for {m} {spec.unit}"
            bad[:] = True
        else:
            total[:] = np.diff(np.asarray(marks, dtype=np.int64))
        script = []
        for line in rec.lines:
            op, ad, da = line.split()
            script.append((int(op, 16), int(ad, 16), int(da, 16)))
        rb = ReplayBus(script, reads)
        it = drive(rb, net, x, in_shape)
        done = 0
        try:
            for i, outs, results in it:
                done = i + 1
                exp = cnn.run_network(model_net, x[i])
                ok = len(outs) == len(exp)
                for y, got, res, ec in zip(exp, outs, results, exp_counters):
                    ok &= bool(np.array_equal(np.asarray(y, np.int64), np.asarray(got, np.int64)))
                    ok &= (res.cycles, res.macs, res.stalls, res.len_out) == ec
                    compared += int(np.asarray(y).size) + 4
                p_exp = int(spec.decide(np.asarray(exp[-1])[:, 0][None, :])[0])
                pred[i] = int(spec.decide(np.asarray(outs[-1])[:, 0][None, :])[0])
                ok &= pred[i] == p_exp
                compared += 1
                compute[i] = sum(r.cycles for r in results)
                compute_mac[i] = sum(r.cycles for r, k in zip(results, mac_layer) if k)
                if not ok:
                    bad[i] = True
                    if first is None:
                        first = f"{spec.unit[:-1]} {int(idx[i])} differs from the golden model"
            if rb.pos != len(script) or rb.rpos != len(reads):
                bad[-1] = True
                first = first or (f"replay used {rb.pos} of {len(script)} accesses and {rb.rpos} of "
                                  f"{len(reads)} reads")
        except (ReplayError, BusError, RuntimeError, TimeoutError) as e:
            bad[done:] = True
            first = first or f"{spec.unit[:-1]} {int(idx[min(done, m - 1)])}: {type(e).__name__}: {e}"
        if not a.keep:
            inp.unlink(missing_ok=True)
            out.unlink(missing_ok=True)
        per_input = len(rec.lines) - rec.lines.index(f"{OP_MARK:x} 00000 00000000\n") - (m + 1)
        return j, bad, pred, compute, total, compared, first, dt, per_input, compute_mac

    t0 = time.time()
    results = []
    done_n = 0
    for res in run_jobs(one, list(enumerate(chunks)), a.jobs):
        results.append(res)
        done_n += len(res[1])
        mism = sum(int(r[1].sum()) for r in results)
        log(f"{len(results)}/{len(chunks)} simulations, {done_n}/{n} {spec.unit}, {mism} mismatching "
            f"{spec.unit}, {time.time() - t0:.0f} s" + (f"  ({res[6]})" if res[6] else ""))
    wall = time.time() - t0
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)

    def cat(k):
        return np.concatenate([r[k] for r in results]) if results else np.zeros(0, np.int64)
    bad, pred, compute, total, compute_mac = cat(1), cat(2), cat(3), cat(4), cat(9)
    sim_time = sum(r[7] for r in results)
    y = labels[sel].astype(np.int64)
    ok_t = total >= 0
    ok_c = n > 0 and bool((compute >= 0).all())

    def rnd(v, k=2):
        return None if v is None or not np.isfinite(v) else round(float(v), k)
    fields = dict(
        split=a.split, image=image,
        beats=int(n), test_split_beats=int(len(test_idx)), n_mac=N_MAC, weights_resident=plan0.resident,
        mismatches=int(bad.sum()), values_compared=int(sum(r[5] for r in results)),
        layer_maps_compared=int(n * len(net)), values_per_beat=int(map_bytes + 4 * len(net) + 1),
        cycles_per_beat_mean=rnd(compute.mean()) if ok_c else None,
        cycles_per_beat_max=int(compute.max()) if ok_c else None,
        cycles_per_beat_conv_dense_mean=rnd(compute_mac.mean()) if ok_c else None,
        cycles_per_beat_pool_add_mean=rnd((compute - compute_mac).mean()) if ok_c else None,
        cycles_per_beat_model=int(exp_compute),
        cycles_per_beat_lower_bound=rnd(macs / N_MAC),
        cycles_per_beat_layer_mac_bound=int(layer_bound),
        conv_dense_over_layer_mac_bound=rnd(compute_mac.mean() / layer_bound, 4) if ok_c else None,
        compute_over_mac_bound=rnd(exp_compute / (macs / N_MAC), 4),
        cycles_per_beat_with_host_mean=rnd(total[ok_t].mean()) if ok_t.any() else None,
        cycles_per_beat_with_host_max=int(total[ok_t].max()) if ok_t.any() else None,
        host_overhead_cycles_per_beat_mean=rnd((total[ok_t] - compute[ok_t]).mean()) if ok_t.any() else None,
        bus_accesses_per_beat=rnd(sum(r[8] for r in results) / n, 1) if n else None,   # network load excluded
        ms_per_beat_100mhz_compute=rnd(exp_compute / 1e5, 3),
        ms_per_beat_100mhz_with_host=rnd(total[ok_t].mean() / 1e5, 3) if ok_t.any() else None,
        **({"paper_ms_per_beat_100mhz": list(spec.paper_ms)} if spec.paper_ms else {}),
        beats_per_second=round(n / sim_time * a.jobs, 2) if sim_time else None,
        beats_per_second_end_to_end=round(n / wall, 2) if wall else None,
        wall_seconds=round(wall, 1), seed=a.seed, jobs=a.jobs,
        rtl_accuracy=None,
    )
    if n and (pred >= 0).all():
        c = class_metrics(confusion(y, pred, len(spec.classes)))
        fields["rtl_accuracy"] = {
            "acc": rnd(c["acc"], 6), "macro_f1": rnd(c["macro_f1"], 6),
            "sens": [rnd(v, 6) for v in c["sens"]], "ppv": [rnd(v, 6) for v in c["ppv"]],
            "confusion": c["confusion"].tolist(), "classes": list(spec.classes), "beats_scored": int(n)}
    arrays = {"index": np.asarray(sel, np.int64), "label": y, "pred": pred, "cycles": compute,
              "lower_bound": np.full(n, macs / N_MAC), "cycles_with_host": total}
    return fields, arrays


def run(a):
    f, arrays = bench_network(a, CNN)
    res = summary(block="cnn", sim=a.sim, beats=f.pop("beats"), mismatches=f.pop("mismatches"),
                  values_compared=f.pop("values_compared"), cycles_per_beat_mean=f.pop("cycles_per_beat_mean"),
                  cycles_per_beat_max=f.pop("cycles_per_beat_max"), beats_per_second=f.pop("beats_per_second"), **f)
    return with_arrays(res, **arrays)
