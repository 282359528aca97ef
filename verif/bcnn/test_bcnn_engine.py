# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the binary-CNN engine (rtl/bcnn/bcnn_engine.v, docs/bcnn_rtl.md).

Stimulus: real held-out beats of ECG-ID and MIT-BIH (golden.ecgid, the protocols of
scripts/eval_bcnn.py) and random int8 beats on ``s_axis`` (idle insertion), back-pressure on
``m_res``, AXI4-Lite accesses (the master's response-delay knob on), parameter images written
through the AXI4-Lite window: the committed MIT-BIH image after the preloaded ECG-ID one, and
synthetic images with negative gammas (flip bits), non-zero FC biases and two identical
classes (an argmax tie).

Model side, fed only by monitors: the ``s_axis`` monitor assembles beats (a malformed one is
dropped, as the RTL must); the AXI4-Lite monitor keeps a mirror of the parameter memory (every
OKAY window write) and, on every OKAY CTRL.CHECK, validates the mirror with
golden.bcnn.unpack_image (its error code is what STATUS must show; a good image becomes the
model's parameters); each beat then runs through golden.bcnn.run and its expectations are
posted on the scoreboard, in the RTL's emission order (verif/bcnn/model.py ``emission``):

* ``conv1`` .. ``conv4``  every pre-threshold sum and output bit of every filter and position,
* ``pool``   every pooled word (two halves), ``score`` every FC score,
* ``beat``   the result record of the trace (class, tag) and ``res`` the result stream (class,
  best and runner-up score, tag), ``cycles`` the trace's cycles against the stream's,
* ``axil``   register reads (ID, CAPS, STATUS after a check, statistics) and window read-back.

Tests: regress (ECG-ID beats, then the MIT-BIH image written over AXI4-Lite and MIT-BIH beats;
back-pressure and idle), synthetic (flip bits, biases, a tie; random beats), reset in the middle
of an inference, bad AXI accesses and every image error code by name (delayed responses), bad
beats, and an expect_error test with a corrupted model.  Functional coverage: every unit's
records, both weight-buffer halves of every unit's sessions, tie / no-tie decisions, error codes.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge
from pyuvm import ConfigDB, uvm_env, uvm_sequencer, uvm_test

from golden import bcnn as G
from golden import ecgid as E
from golden import formats as F
from verif.bcnn import model as M
from verif.common.axil import DECERR, OKAY, SLVERR, AxilItem, AxilListSeq, AxilMasterDriver, AxilMonitor
from verif.common.clocking import Knobs, reset, start_clock, wait_until
from verif.common.coverage import CoverageCollector
from verif.common.fwd import Fwd
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.stream import ReadyDriver, StreamItem, StreamMonitor, StreamSourceDriver

REG = {"ID": 0x00, "CAPS": 0x04, "CTRL": 0x08, "STATUS": 0x0C, "BEATS": 0x10, "CYC_LAST": 0x14,
       "CYC_MAX": 0x18, "CYC_SUM": 0x1C, "BAD_BEATS": 0x20, "BEATS_IN": 0x24}
WIN = 0x20000
CTRL_CHECK, CTRL_CLR = 1, 2
UNITS = ("conv1", "conv2", "conv3", "conv4")
CHANNELS = (*UNITS, "pool", "score", "beat", "res", "cycles", "axil")
KIND_CH = {M.KIND["CONV1"]: "conv1", M.KIND["CONV2"]: "conv2", M.KIND["CONV3"]: "conv3",
           M.KIND["CONV4"]: "conv4", M.KIND["POOL"]: "pool", M.KIND["SCORE"]: "score",
           M.KIND["BEAT"]: "beat"}


def _env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v else default


class BcnnScoreboard(ExactScoreboard):
    CHANNELS = CHANNELS
    REQUIRED = ("conv1", "conv2", "conv3", "conv4", "pool", "score", "beat", "res", "cycles")


def random_params(rng: np.random.Generator, n_classes: int, tie: bool) -> G.BcnnParams:
    """Synthetic parameters: random +-1 weights, thresholds across the sum range (a third of
    the filters flipped, i.e. a negative gamma), FC biases in -300..300; with ``tie`` classes 1
    and 3 identical with the largest bias, so they tie above every other class on most beats."""
    w, t, fl = [], [], []
    for i in range(4):
        w.append(rng.choice(np.array([-1, 1], np.int8), size=(G.CONV_COUT[i], G.CONV_CIN[i], G.K)))
        r = G.sum_range(i)
        t.append(rng.integers(-r // 8, r // 8 + 1, G.CONV_COUT[i]).astype(np.int64))
        fl.append((rng.random(G.CONV_COUT[i]) < 0.33).astype(np.uint8))
    wfc = rng.choice(np.array([-1, 1], np.int8), size=(n_classes, G.N_FC_IN))
    bfc = rng.integers(-300, 301, n_classes).astype(np.int64)
    if tie:
        wfc[3] = wfc[1]
        bfc[1] = bfc[3] = 5000
    return G.BcnnParams(tuple(w), tuple(t), tuple(fl), wfc, bfc)


class Model:
    """golden.bcnn as the scoreboard's reference (the corrupt-model test overrides run)."""

    def run(self, x, p):
        return G.run(x, p)


class CorruptModel(Model):
    """conv3 filter 0's threshold + 1: must be caught."""

    def run(self, x, p):
        t = [a.copy() for a in p.t]
        t[2][0] += 1
        return G.run(x, G.BcnnParams(p.w, tuple(t), p.flip, p.wfc, p.bfc))


class TraceMonitor(pyuvm.uvm_monitor):
    """Every trace-port record (trc_valid at a falling edge) as (kind, index, step, value)."""

    def build_phase(self):
        self.ap = pyuvm.uvm_analysis_port("ap", self)
        self.dut = ConfigDB().get(self, "", "dut")
        self.clk = ConfigDB().get(self, "", "clk")
        self.records = 0

    async def run_phase(self):
        d = self.dut
        while True:
            await FallingEdge(self.clk)
            if d.trc_valid.value == 1 and d.rst.value == 0:
                self.records += 1
                self.ap.write((int(d.trc_kind.value), int(d.trc_index.value), int(d.trc_step.value),
                               int(d.trc_value.value)))


class BcnnEnv(uvm_env):
    def build_phase(self):
        self.axi_seqr = uvm_sequencer("axi_seqr", self)
        self.axi_drv = AxilMasterDriver("axi_drv", self)
        self.axi_mon = AxilMonitor("axi_mon", self)
        self.src_seqr = uvm_sequencer("src_seqr", self)
        self.src_drv = StreamSourceDriver("src_drv", self)
        self.src_mon = StreamMonitor("src_mon", self)
        self.res_rdy = ReadyDriver("res_rdy", self)
        self.res_mon = StreamMonitor("res_mon", self)
        self.trc_mon = TraceMonitor("trc_mon", self)
        self.sb = BcnnScoreboard("sb", self)
        self.cov = CoverageCollector("cov", self)
        self.f_src = Fwd("f_src", self)
        self.f_axi = Fwd("f_axi", self)
        self.f_trc = Fwd("f_trc", self)
        self.f_res = Fwd("f_res", self)

    def connect_phase(self):
        self.axi_drv.seq_item_port.connect(self.axi_seqr.seq_item_export)
        self.src_drv.seq_item_port.connect(self.src_seqr.seq_item_export)
        self.src_mon.ap.connect(self.f_src.analysis_export)
        self.axi_mon.ap.connect(self.f_axi.analysis_export)
        self.trc_mon.ap.connect(self.f_trc.analysis_export)
        self.res_mon.ap.connect(self.f_res.analysis_export)


class BcnnBaseTest(uvm_test):
    MODEL = Model
    IDLE_PCT = 20
    BP_PCT = 30
    RESP_DELAY = 3
    INIT = "ecgid_within"

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(idle_pct=self.IDLE_PCT, bp_pct=self.BP_PCT)
        cdb = ConfigDB()
        d = self.dut
        cdb.set(None, "*", "dut", d)
        cdb.set(None, "*", "clk", d.clk)
        cdb.set(None, "*", "rst", d.rst)
        cdb.set(None, "*", "knobs", self.knobs)
        cdb.set(None, "*axi*", "resp_delay", _env_int("AXIL_RESP_DELAY", self.RESP_DELAY))
        cdb.set(None, "*axi*", "timeout", 20000)
        cdb.set(None, "*src*", "prefix", "s_axis")
        cdb.set(None, "*src*", "idle_pct", self.knobs.idle_pct)
        cdb.set(None, "*src*", "rng", self.knobs.rng("src"))
        cdb.set(None, "*res*", "prefix", "m_res")
        cdb.set(None, "*res_rdy*", "bp_pct", self.knobs.bp_pct)
        cdb.set(None, "*res_rdy*", "rng", self.knobs.rng("res"))
        cdb.set(None, "*res_rdy*", "ready_name", "m_res_ready")
        cdb.set(None, "*res_mon*", "valid_name", "m_res_valid")
        cdb.set(None, "*res_mon*", "ready_name", "m_res_ready")
        cdb.set(None, "*res_mon*", "data_name", "m_res_class")
        cdb.set(None, "*res_mon*", "extras", ["m_res_best", "m_res_second", "m_res_tag", "m_res_cycles"])
        self.env = BcnnEnv("env", self)
        self.model = self.MODEL()
        self.n_pes = int(d.N_PES.value)
        self.ncm = int(d.N_CLASSES_MAX.value)
        self.rng = np.random.default_rng(self.knobs.seed)
        # the model of the DUT's memory and image
        self.mirror = G.read_hex(G.PARAMS_DIR / f"{self.INIT}.hex") if self.INIT else []
        self.mirror += [0] * (F.BCNN_FIXED_WORDS + F.BCNN_FC_WORDS * self.ncm - len(self.mirror))
        self.params = None
        self.code = None
        self.pending = []           # complete beats waiting for a good image
        self.words = []             # the beat being received
        self.bad_beats = 0
        self.results = []
        self.cyc_trc = []
        self.cyc_res = []

    def connect_phase(self):
        e = self.env
        self.sb = e.sb
        self.cov = e.cov
        e.f_src.fn = self.on_sample
        e.f_axi.fn = self.on_axi
        e.f_trc.fn = self.on_trace
        e.f_res.fn = self.on_result
        e.src_mon.reset_listeners.append(self.on_reset)
        self.sb.REQUIRED = self.REQUIRED_CHANNELS
        for ch in UNITS + ("pool", "score", "beat"):
            self.cov.coverpoint(f"trace_{ch}", required=("seen",) if self.TRACE_SEEN else ())
        self.cov.coverpoint("half", required=[f"{u}/{h}" for u in UNITS for h in (0, 1)]
                            if self.HALVES else ())
        self.cov.coverpoint("decision", required=self.REQUIRED_DECISIONS)
        self.cov.coverpoint("image_code")
        self.cov.enforce = True
        self.check_image()

    REQUIRED_DECISIONS = ("unique",)
    REQUIRED_CHANNELS = BcnnScoreboard.REQUIRED
    TRACE_SEEN = True
    HALVES = False                  # every unit in both weight-buffer halves required

    # ------------------------------------------------------------------ the model side
    def check_image(self):
        """golden's verdict on the mirror (what the engine's check must conclude)."""
        words = list(self.mirror)
        n = words[0] & 0xFFFF
        if words[0] >> 32 == F.BCNN_MAGIC and 1 <= n <= self.ncm:
            words = words[:G.image_words(n)]
        try:
            self.params = G.unpack_image(words, "mirror")
            self.code = 0
        except G.ImageError as e:
            self.params, self.code = None, e.code
        self.cov.sample("image_code", self.code)
        if self.params is not None:
            for b in self.pending:
                self.expect_beat(*b)
            self.pending.clear()

    def on_reset(self):
        self.sb.flush()
        self.cyc_trc.clear()
        self.cyc_res.clear()
        self.pending.clear()
        self.words.clear()
        self.check_image()          # the engine re-checks its (kept) memory after reset

    def on_sample(self, w):
        self.words.append(w)
        if not w.last:
            return
        words, self.words = self.words, []
        x = np.array([v.data for v in words], np.int64)
        x = np.where(x >= 128, x - 256, x)
        if len(words) != G.L_IN or np.any(x == -128):
            self.bad_beats += 1
            return
        tag = words[-1].user
        if self.params is None:
            self.pending.append((x, tag))
        else:
            self.expect_beat(x, tag)

    def expect_beat(self, x, tag):
        p = self.params
        r = self.model.run(x[None], p)
        exp = M.expected(r)
        for k, ch in KIND_CH.items():
            if ch == "beat":
                continue
            idx, step = M.emission(k, self.n_pes, p.n_classes)
            vals = exp[k][0][idx, step]
            for i, s, v in zip(idx, step, vals):
                self.sb.expect(ch, (k, int(i), int(s), int(v)))
        cls, best, sec = (int(a[0]) for a in G.best_two(r.scores))
        self.sb.expect("beat", (cls, tag & 0xFFFF))
        self.sb.expect("res", (cls, best, sec, tag))
        self.sb.expect("cycles", "trace cycles == stream cycles")
        top = np.sort(r.scores[0])[::-1]
        self.cov.sample("decision", "tie" if p.n_classes > 1 and top[0] == top[1] else "unique")

    def on_trace(self, rec):
        k, i, s, v = rec
        ch = KIND_CH.get(k)
        if ch is None:
            self.sb.compare("axil", ("trace kind", k))
            return
        self.cov.sample(f"trace_{ch}", "seen")
        if ch in UNITS and s == 0 and i % self.n_pes == 0:
            # a session's first output: the half the execution controller reads (the DUT's own)
            self.cov.sample("half", f"{ch}/{int(self.dut.u_core.e_half_reg.value)}")
        if ch == "beat":
            self.cyc_trc.append(v)
            self.sb.compare("beat", (i, s))
            self.pair_cycles()
            return
        self.sb.compare(ch, rec)

    def on_result(self, w):
        ex = dict(w.extras)
        sw = F.BCNN_SCORE.width

        def sx(v):
            return v - (1 << sw) if v >> (sw - 1) else v
        self.results.append(ex["m_res_cycles"])
        self.sb.compare("res", (w.data, sx(ex["m_res_best"]), sx(ex["m_res_second"]), ex["m_res_tag"]))
        self.cyc_res.append(ex["m_res_cycles"])
        self.pair_cycles()

    def pair_cycles(self):
        """The trace's cycles of a beat against the stream's (either may come first)."""
        while self.cyc_trc and self.cyc_res:
            t, r = self.cyc_trc.pop(0), self.cyc_res.pop(0)
            self.sb.compare("cycles", "trace cycles == stream cycles" if t == r
                            else f"trace cycles {t}, stream cycles {r}")

    def on_axi(self, acc):
        if not acc.write or acc.resp != OKAY:
            return
        if acc.addr >= WIN:
            a, hi = (acc.addr - WIN) >> 3, (acc.addr >> 2) & 1
            w = self.mirror[a]
            for b in range(4):
                if acc.strb >> b & 1:
                    sh = 32 * hi + 8 * b
                    w = (w & ~(0xFF << sh)) | (((acc.data >> (8 * b)) & 0xFF) << sh)
            self.mirror[a] = w
            self.params = None           # the engine refuses to run until the next check
        elif acc.addr == REG["CTRL"] and acc.data & CTRL_CHECK:
            self.check_image()

    # ------------------------------------------------------------------ the bus and streams
    async def axi(self, write, addr, data=0, strb=0xF):
        it = AxilItem("a", write=write, addr=addr, data=data, strb=strb)
        await AxilListSeq("s", [it]).start(self.env.axi_seqr)
        return it.resp, it.rdata

    async def rd(self, name):
        resp, v = await self.axi(False, REG[name])
        assert resp == OKAY, f"read {name}: response {resp}"
        return v

    async def check_reg(self, name, expected):
        v = await self.rd(name)
        self.sb.expect("axil", (name, expected))
        self.sb.compare("axil", (name, v))

    async def wait_idle(self, limit=400000):
        d = self.dut
        for _ in range(limit // 64):
            st = await self.rd("STATUS")
            if not st & 0x6:
                return st
            await ClockCycles(d.clk, 64)
        raise AssertionError("the engine did not become idle")

    async def write_image(self, words):
        await self.wait_idle()          # the load-ahead of the next beat's weights may still run
        for a, w in enumerate(words):
            for hi in (0, 1):
                resp, _ = await self.axi(True, WIN + 8 * a + 4 * hi, (w >> (32 * hi)) & 0xFFFFFFFF)
                assert resp == OKAY, f"window write word {a}: response {resp}"
            self.mirror[a] = w

    async def check(self, code):
        await self.wait_idle()
        resp, _ = await self.axi(True, REG["CTRL"], CTRL_CHECK)
        assert resp == OKAY
        st = await self.wait_idle()
        n = self.params.n_classes if self.params is not None else 0
        self.sb.expect("axil", ("STATUS after check", code, int(code == 0), n))
        self.sb.compare("axil", ("STATUS after check", (st >> 8) & 0xFF, st & 1, (st >> 16) & 0xFF))

    async def send(self, x, tag, words=None):
        ws = words if words is not None else [(int(v) & 0xFF, int(k == len(x) - 1)) for k, v in enumerate(x)]
        item = StreamItem("beat", words=ws, side={"s_axis_tuser": tag})
        await self.src_seq_start(item)

    async def src_seq_start(self, item):
        class One(pyuvm.uvm_sequence):
            async def body(s):
                await s.start_item(item)
                await s.finish_item(item)
        await One("one").start(self.env.src_seqr)

    async def drain(self, n_results, limit=3000000):
        d = self.dut
        ok = await wait_until(d.clk, lambda: len(self.results) >= n_results, limit)
        assert ok, f"{n_results} results expected, {len(self.results)} seen"
        await ClockCycles(d.clk, 200)

    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        d.rst.value = 1
        d.s_axis_tuser.value = 0
        d.s_axis_tlast.value = 0
        start_clock(d)
        await reset(d.clk, d.rst)
        await self.wait_idle()
        await self.work()
        self.drop_objection()

    async def work(self):
        raise NotImplementedError


def test_beats(db, protocol, n, rng):
    beats = E.load(db)
    _, test, _ = E.split(beats, protocol)
    pick = np.sort(rng.choice(test.size, n, replace=False))
    return beats.x[test[pick]].astype(np.int64), test[pick]


@pyuvm.test()
class BcnnRegressTest(BcnnBaseTest):
    """Two ECG-ID beats on the preloaded image, then a parameter reload between beats: a
    synthetic 7-class image (flip bits, non-zero FC biases, classes 1 and 3 identical) written
    through the window and checked, and a random beat on it (an argmax tie: the lower class);
    20 % idle input, 30 % result back-pressure; every unit's sessions in both weight-buffer
    halves, a tie and a unique decision."""

    HALVES = True
    REQUIRED_DECISIONS = ("unique", "tie")

    async def work(self):
        n = _env_int("BCNN_BEATS", 2)
        await self.check_reg("ID", F.BCNN_MAGIC)
        await self.check_reg("CAPS", (self.ncm << 16) | (64 << 8) | self.n_pes | (1 << 24))
        x, idx = test_beats("ecgid", "within", n, self.rng)
        for k in range(n):
            await self.send(x[k], int(idx[k]) & 0xFFFF)
        await self.drain(n)
        await self.check_reg("BEATS", n)
        await self.check_reg("CYC_LAST", self.results[-1])
        await self.check_reg("CYC_MAX", max(self.results))
        await self.check_reg("CYC_SUM", sum(self.results) & 0xFFFFFFFF)
        p = random_params(self.rng, 7, tie=True)
        await self.write_image(G.pack_image(p))
        await self.check(0)
        await self.send(self.rng.integers(-127, 128, G.L_IN), 0x100)
        await self.drain(n + 1)


@pyuvm.test()
class BcnnMitdbTest(BcnnBaseTest):
    """The committed MIT-BIH image written through the window over the preloaded ECG-ID one,
    checked, and a real MIT-BIH beat."""

    async def work(self):
        await self.write_image(G.read_hex(G.PARAMS_DIR / "mitdb_within.hex"))
        await self.check(0)
        x, idx = test_beats("mitdb", "within", _env_int("BCNN_BEATS", 1), self.rng)
        for k in range(len(x)):
            await self.send(x[k], int(idx[k]) & 0xFFFF)
        await self.drain(len(x))


@pyuvm.test()
class BcnnResetTest(BcnnBaseTest):
    """Reset in the middle of an inference (and of a second beat's samples): nothing of them
    comes out; the engine re-checks its image and the next beat is compared."""

    async def work(self):
        d = self.dut
        x, idx = test_beats("ecgid", "within", 2, self.rng)
        await self.send(x[0], 1)
        await ClockCycles(d.clk, 6000 + int(self.rng.integers(0, 3000)))
        cocotb.start_soon(self.send(x[1], 2))
        await ClockCycles(d.clk, 50)
        await reset(d.clk, d.rst)
        self.results.clear()
        await self.wait_idle()
        await self.check_reg("BEATS", 0)
        await self.send(x[1], 3)
        await self.drain(1)


@pyuvm.test()
class BcnnBadAxiTest(BcnnBaseTest):
    """Unmapped offsets (DECERR), RO registers, partial WSTRB, CHECK and window accesses while
    busy (SLVERR), window read-back, every image error code by name (one word of the image
    changed, CHECK, STATUS.CODE from golden's unpack_image; nothing runs), malformed beats
    (dropped and counted); then the restored image runs a beat."""

    IDLE_PCT = 0
    BP_PCT = 0
    RESP_DELAY = 5
    REQUIRED_DECISIONS = ()
    REQUIRED_CHANNELS = ("axil",)
    TRACE_SEEN = False

    async def expect_resp(self, what, got, want):
        self.sb.expect("axil", (what, want))
        self.sb.compare("axil", (what, got))

    async def work(self):
        d = self.dut
        nw = F.BCNN_FIXED_WORDS + F.BCNN_FC_WORDS * self.ncm
        for addr in (0x28, 0x100, 0x1FFFC, WIN + 8 * nw, WIN + 8 * nw + 4, 0x3FFFC):
            r, v = await self.axi(False, addr)
            await self.expect_resp(f"read {addr:#x}", (r, v), (DECERR, 0))
            r, _ = await self.axi(True, addr, 0x1234)
            await self.expect_resp(f"write {addr:#x}", r, DECERR)
        for name in ("ID", "CAPS", "STATUS", "BEATS", "CYC_SUM", "BAD_BEATS"):
            r, _ = await self.axi(True, REG[name], 0)
            await self.expect_resp(f"write RO {name}", r, SLVERR)
        r, _ = await self.axi(True, REG["CTRL"], CTRL_CHECK, strb=0x3)
        await self.expect_resp("CTRL partial wstrb", r, SLVERR)
        for a in (0, 1, 3201, 3202, G.image_words(self.params.n_classes) - 1):
            for hi in (0, 1):
                r, v = await self.axi(False, WIN + 8 * a + 4 * hi)
                await self.expect_resp(f"window read {a}.{hi}", (r, v),
                                       (OKAY, (self.mirror[a] >> (32 * hi)) & 0xFFFFFFFF))
        # busy: the image check running (3,205 + 79 N cycles)
        r, _ = await self.axi(True, REG["CTRL"], CTRL_CHECK)
        await self.expect_resp("CHECK", r, OKAY)
        r, _ = await self.axi(True, REG["CTRL"], CTRL_CHECK)
        await self.expect_resp("CHECK while busy", r, SLVERR)
        r, _ = await self.axi(True, WIN + 16, 0)
        await self.expect_resp("window write while busy", r, SLVERR)
        r, v = await self.axi(False, WIN + 16)
        await self.expect_resp("window read while busy", (r, v), (SLVERR, 0))
        await self.wait_idle()
        # every image error by name: change one word (low half), check, restore
        n = self.params.n_classes
        off = G.section_offsets(n)
        good = list(self.mirror[:G.image_words(n)])
        cases = [
            (0, good[0] ^ (1 << 40)),                                     # magic
            (0, good[0] ^ (1 << 24)),                                     # version
            (0, good[0] ^ (1 << 16)),                                     # reserved header byte
            (0, (good[0] & ~0xFFFF) | (self.ncm + 1)),                    # N_CLASSES
            (0, good[0] & ~0xFFFF),                                       # N_CLASSES 0
            (1, good[1] + 1),                                             # word count
            (5, good[5] ^ 1),                                             # checksum
        ]
        chk = good[-1]

        def fix(a, w):              # keep the checksum right for a field error
            return [(a, w), (len(good) - 1, chk ^ good[a] ^ w)]
        field = [
            fix(off["conv1"], good[off["conv1"]] | (1 << 9)),                 # conv1 tap bit 9
            fix(off["conv2"] + 14, good[off["conv2"] + 14] | (1 << 40)),      # threshold reserved
            fix(off["conv3"] + 7, (good[off["conv3"] + 7] & ~0xFFFFFFFF) | 450),   # threshold > R + 1
            fix(off["conv4"] + 14, (good[off["conv4"] + 14] & ~0xFFFFFFFF) | ((-897) & 0xFFFFFFFF)),
            fix(off["fc"] + 78, (1 << 23)),                                   # bias outside BCNN_BIAS
            fix(off["fc"] + 78, (1 << 33)),                                   # bias word reserved
        ]
        for change in [[c] for c in cases] + field:
            for a, w in change:
                await self.write_words(a, w)
            await self.check(self.code_of_mirror())
            for a, _ in change:
                await self.write_words(a, good[a])
        await self.check(0)
        # malformed beats: short, long, a -128 sample; none runs, each counted
        await self.send(None, 1, words=[(3, 0)] * 100 + [(3, 1)])
        await self.send(None, 2, words=[(3, 0)] * 200 + [(3, 1)])
        await self.send(None, 3, words=[(5, 0)] * 90 + [(0x80, 0)] + [(5, 0)] * 88 + [(5, 1)])
        await ClockCycles(d.clk, 50)
        await self.check_reg("BAD_BEATS", 3)
        await self.check_reg("BEATS_IN", 0)
        st = await self.rd("STATUS")
        await self.expect_resp("STATUS.BEAT_ERR", (st >> 4) & 1, 1)
        r, _ = await self.axi(True, REG["CTRL"], CTRL_CLR)
        await self.check_reg("BAD_BEATS", 0)

    def code_of_mirror(self):
        words = list(self.mirror)
        n = words[0] & 0xFFFF
        if words[0] >> 32 == F.BCNN_MAGIC and 1 <= n <= self.ncm:
            words = words[:G.image_words(n)]
        try:
            G.unpack_image(words)
            return 0
        except G.ImageError as e:
            return e.code

    async def write_words(self, a, w):
        for hi in (0, 1):
            r, _ = await self.axi(True, WIN + 8 * a + 4 * hi, (w >> (32 * hi)) & 0xFFFFFFFF)
            assert r == OKAY


@pyuvm.test(expect_error=ScoreboardError)
class BcnnCorruptModelTest(BcnnBaseTest):
    """One ECG-ID beat against a model with conv3 filter 0's threshold + 1: must fail."""

    MODEL = CorruptModel
    REQUIRED_DECISIONS = ()

    async def work(self):
        x, idx = test_beats("ecgid", "within", 1, self.rng)
        await self.send(x[0], 5)
        await self.drain(1)
