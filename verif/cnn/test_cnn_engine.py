# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the CNN multiply-add IP's layer engine (rtl/cnn/cnn_engine.v).

The layers run through the very driver a board would use: ``driver.cnn_ip.CnnIp`` over its
``CocotbBus``, whose accesses are AxilItems on the repository's AXI4-Lite master agent
(verif/common/axil.py: AxilMasterDriver with response back-pressure ``resp_delay``, AxilMonitor
with its protocol checker).  The blocking driver runs in a thread started with
``cocotb.task.bridge``.

Model side: golden/cnn.py (``run_descriptor``, ``check_descriptor``, ``len_out``, ``macs``) and
verif/cnn/cycles.py (CYCLES and STALLS from the pipeline).  The scoreboard compares, exactly,

* ``out``       every output byte of every layer, read back from the ACT RAM,
* ``guard``     the bytes around the destination (nothing written outside it),
* ``counters``  CYCLES, MACS, STALLS and LEN_OUT of every layer,
* ``refused``   the error code of every illegal descriptor, with DONE = 0, the counters of the
                layer before unchanged and the destination region unchanged,
* ``axi``       the response and read data of every hand-made access (bad addresses, RO
                registers, strobes, accesses while BUSY, register read-back),
* ``irq``       the irq level against DONE & IRQ_EN at chosen points.

* ``decision`` the network test's argmax class per beat (the RTL's logits against golden's).

Tests: constrained-random layers (every kind, padding, stride and dilation > 1, saturation at
both ends), illegal descriptors (every error code), bad AXI accesses and irq, reset in the
middle of a layer, the trained intra network (golden/params/cnn/intra.json) on real held-out
beats, and expect-fail tests with a corrupted model (truncating requantization instead of
rounding) on random layers and on the network.  Functional coverage fails a test when one of
its bins is missed.

Knobs: CNN_LAYERS (random layers of the layer test, default 40), CNN_ILLEGAL (illegal
descriptors per error code, default 3), CNN_RESP_DELAY (the master's resp_delay, default 3),
CNN_REGFUZZ (descriptors of the register test, default 60), CNN_BEATS (held-out intra beats of
the network test, default 3).
"""

from __future__ import annotations

import dataclasses
import os

import cocotb
import numpy as np
import pyuvm
from cocotb.task import bridge
from cocotb.triggers import ClockCycles, FallingEdge
from pyuvm import ConfigDB, uvm_env, uvm_sequencer, uvm_test

from driver.cnn_ip import BusError, CnnIp, CnnIpError, CocotbBus
from driver.cnn_ip import regs as R
from golden import cnn, cnn_data, cnn_model
from verif.cnn import cycles as CY
from verif.common.axil import (DECERR, OKAY, SLVERR, AxilItem, AxilListSeq, AxilMasterDriver,
                               AxilMonitor)
from verif.common.clocking import Knobs, reset, start_clock
from verif.common.coverage import CoverageCollector
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.stream import _bit

KINDS = ("CONV1D", "DENSE", "MAXPOOL", "ADD")
GUARD = 8                                    # bytes checked on each side of a destination


def _env_int(name: str, default: int) -> int:
    v = os.environ.get(name, "")
    try:
        return int(v, 0) if v else default
    except ValueError as e:
        raise ValueError(f"environment variable {name}={v!r} is not an integer") from e


# ------------------------------------------------------------------------------------------
# Scoreboard, coverage, environment
# ------------------------------------------------------------------------------------------
class CnnScoreboard(ExactScoreboard):
    CHANNELS = ("out", "guard", "counters", "refused", "axi", "irq", "decision")

    def check(self, channel: str, expected, actual):
        """One comparison, posted by the test thread (expected first, then the DUT's value)."""
        self.expect(channel, expected)
        self.compare(channel, actual)


class CnnCoverage(CoverageCollector):
    def build_phase(self):
        super().build_phase()
        self.coverpoint("kind")
        self.coverpoint("conv_pad")
        self.coverpoint("conv_dilation")
        self.coverpoint("stride")
        self.coverpoint("saturation")
        self.coverpoint("relu")
        self.coverpoint("lanes")
        self.coverpoint("error")
        self.coverpoint("axi")

    def on_layer(self, desc: cnn.Descriptor, r, caps: cnn.Caps):
        d = desc.effective()
        self.sample("kind", cnn.KIND_NAMES[d.kind])
        self.sample("relu", bool(d.relu))
        if d.kind == cnn.CONV1D:
            self.sample("conv_pad", cnn.PAD_NAMES[d.pad])
            self.sample("conv_dilation", "1" if d.dilation == 1 else ">1")
        if d.kind in (cnn.CONV1D, cnn.MAXPOOL):
            self.sample("stride", "1" if d.stride == 1 else ">1")
        if d.kind in (cnn.CONV1D, cnn.DENSE):
            rem = d.cout % caps.n_mac
            self.sample("lanes", "all lanes" if rem == 0 else "idle lanes")
            if d.cin * d.kernel < caps.n_mac:
                self.sample("lanes", "CIN*K < N_MAC")
        if r is not None:
            r = np.asarray(r)
            if (r > 127).any():
                self.sample("saturation", "high")
            if (r < -128).any():
                self.sample("saturation", "low")


class CnnEnv(uvm_env):
    def build_phase(self):
        cdb = ConfigDB()
        dut = cdb.get(self, "", "dut")
        cdb.set(self, "*", "dut", dut)
        cdb.set(self, "*", "clk", dut.clk)
        cdb.set(self, "*", "rst", dut.rst)
        self.axil_seqr = uvm_sequencer("axil_seqr", self)
        self.axil_drv = AxilMasterDriver("axil_drv", self)
        self.axil_mon = AxilMonitor("axil_mon", self)
        self.sb = CnnScoreboard("sb", self)
        self.cov = CnnCoverage("cov", self)

    def connect_phase(self):
        self.axil_drv.seq_item_port.connect(self.axil_seqr.seq_item_export)


# ------------------------------------------------------------------------------------------
# Model (the corrupted one truncates instead of rounding)
# ------------------------------------------------------------------------------------------
class Model:
    name = "golden"

    def layer(self, desc, ops, caps):
        """(output map, unclamped r or None) of a legal descriptor."""
        return cnn.run_descriptor(desc, ops, caps, detail=True)

    def network(self, net: list, x, descs: list, caps) -> list:
        """Every layer's output map of ``net`` on input ``x``: golden/cnn.py's run_network
        (``descs``, the driver's plan, serve the corrupted model)."""
        return cnn.run_network(net, x)


class TruncatingModel(Model):
    name = "truncating requant (corrupted)"

    def layer(self, desc, ops, caps):
        y, r = cnn.run_descriptor(desc, ops, caps, detail=True)
        d = desc.effective()
        if d.kind in (cnn.CONV1D, cnn.DENSE):
            acc = cnn.conv1d_acc(ops.a, ops.weight, ops.bias, d.stride, d.dilation, d.pad)
            p = acc.astype(np.int64) * np.asarray(ops.m, dtype=np.int64)[:, None]
            r = np.right_shift(p, np.asarray(ops.s, dtype=np.int64)[:, None])
            y = np.clip(r, -128, 127)
            if d.relu:
                y = np.maximum(y, 0)
            y = y.astype(np.int8)
        return y, r

    def network(self, net, x, descs, caps):
        """The network layer by layer through :meth:`layer` on the plan's descriptors."""
        x = cnn.network_input(x)
        outs = []
        for i, (layer, d) in enumerate(zip(net, descs)):
            a, b = cnn.layer_sources(net, i)
            va = x if a == -1 else outs[a]
            vb = None if b is None else (x if b == -1 else outs[b])
            y, _ = self.layer(d, layer.operands(va, vb), caps)
            outs.append(np.asarray(y, dtype=np.int8).reshape(d.cout, cnn.len_out(d)))
        return outs


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------
def wr(addr, data, strb=0xF):
    return AxilItem("wr", write=True, addr=addr, data=data & 0xFFFFFFFF, strb=strb)


def rd(addr):
    return AxilItem("rd", write=False, addr=addr)


class CnnBaseTest(uvm_test):
    """Clock, reset, the driver over CocotbBus; subclasses write ``work(ip)`` (blocking, in the
    driver's thread) and/or ``body()`` (async)."""

    MODEL = Model
    REQUIRE: dict = {}
    REQUIRED_CHANNELS: tuple = ()

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(0, 0, 1)
        self.logger.info(f"knobs: {self.knobs}")
        self.rng = self.knobs.rng("cnn_layers")
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", self.knobs)
        ConfigDB().set(self, "env.axil_drv", "resp_delay", _env_int("CNN_RESP_DELAY", 3))
        ConfigDB().set(self, "env.axil_drv", "timeout", 4000)
        self.env = CnnEnv("env", self)
        self.model = self.MODEL()

    def end_of_elaboration_phase(self):
        d = self.dut
        self.caps = cnn.Caps(int(d.N_MAC.value), int(d.ACT_BYTES.value), int(d.W_ROWS.value),
                             int(d.Q_WORDS.value), int(d.MAX_CH.value))
        self.n_mac = self.caps.n_mac
        self.wpr = (self.n_mac + 3) // 4
        self.sb = self.env.sb
        self.cov = self.env.cov
        self.sb.REQUIRED = tuple(self.REQUIRED_CHANNELS)
        for name, bins in self.REQUIRE.items():
            self.cov.required[name] = set(bins)
        self.cov.enforce = True

    # ----------------------------------------------------------------- helpers
    async def axil(self, items):
        await AxilListSeq("axil", items).start(self.env.axil_seqr)
        return items

    async def new_ip(self) -> CnnIp:
        bus = CocotbBus.from_sequencer(self.env.axil_seqr)
        ip = await bridge(CnnIp)(bus, self.caps.max_ch)
        if ip.caps != self.caps:
            raise AssertionError(f"CAPS reads {ip.caps}, the DUT's parameters are {self.caps}")
        return ip

    def irq(self) -> int:
        return int(_bit(self.dut.irq))

    def run_checked(self, ip: CnnIp, desc: cnn.Descriptor, ops: cnn.Operands, raw_shift: bool = False) -> None:
        """Blocking: load a legal layer, run it through the driver, compare everything.
        ``raw_shift``: the quant words are written as they are (shifts 48..63, which the driver
        refuses, give 0)."""
        d = desc.effective()
        lo = cnn.len_out(d)
        n_out = d.cout * lo
        if raw_shift:
            ip.load_operands(desc, dataclasses.replace(ops, s=np.minimum(ops.s, cnn.S_MAX)))
            words = []
            for b, m, sh in zip(ops.bias.tolist(), ops.m.tolist(), ops.s.tolist()):
                words += [b & 0xFFFFFFFF, (m << R.QW_M_SHIFT) | (sh << R.QW_S_SHIFT)]
            ip.write_quant(desc.q_base, words)
        else:
            ip.load_operands(desc, ops)
        g0, g1 = max(0, d.dst - GUARD), min(self.caps.act_bytes, d.dst + n_out + GUARD)
        before = ip.read_act(g0, g1 - g0)
        res = ip.run_layer(desc)
        y, r = self.model.layer(desc, ops, self.caps)
        got = ip.read_act(d.dst, n_out)
        self.sb.check("out", (str(desc), tuple(np.asarray(y, dtype=np.int64).reshape(-1).tolist())),
                      (str(desc), tuple(got.astype(np.int64).tolist())))
        after = ip.read_act(g0, g1 - g0)
        keep = [i for i in range(g1 - g0) if not d.dst <= g0 + i < d.dst + n_out]
        self.sb.check("guard", (str(desc), tuple(int(before[i]) for i in keep)),
                      (str(desc), tuple(int(after[i]) for i in keep)))
        exp = (CY.cycles(desc, self.n_mac, self.caps), cnn.macs(desc), CY.stalls(desc, self.n_mac, self.caps), lo)
        self.sb.check("counters", (str(desc), exp), (str(desc), (res.cycles, res.macs, res.stalls, res.len_out)))
        self.cov.on_layer(desc, r, self.caps)

    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        start_clock(d)
        d.rst.value = 0
        await reset(d.clk, d.rst)
        await ClockCycles(d.clk, 2)
        await self.body()
        await ClockCycles(d.clk, 4)
        self.drop_objection()

    async def body(self):
        ip = await self.new_ip()
        await bridge(self.work)(ip)

    def work(self, ip: CnnIp):
        raise NotImplementedError


# the legal layers of one run: every kind in turn, then the corners the coverage asks for
def layer_plan(rng, caps: cnn.Caps, n: int):
    out = []
    for i in range(n):
        kind = i % 4
        desc = cnn.random_descriptor(rng, caps, kind=kind)
        if kind == cnn.CONV1D and i // 4 < 3:               # each padding once, dilation and stride > 1
            pad = (i // 4) % 3
            for _ in range(200):
                desc = cnn.random_descriptor(rng, caps, kind=kind)
                if desc.pad == pad and desc.dilation > 1 and desc.stride > 1:
                    break
        out.append(desc)
    return out


@pyuvm.test()
class CnnLayerTest(CnnBaseTest):
    """Constrained-random legal layers from golden.cnn.random_descriptor / random_operands, run
    by CnnIp.run_layer over CocotbBus: every output byte, the guard bytes around the
    destination and the four counters compared exactly."""

    REQUIRE = {"kind": set(KINDS), "conv_pad": {"VALID", "SAME", "CAUSAL"}, "conv_dilation": {">1"},
               "stride": {">1"}, "saturation": {"high", "low"}, "relu": {True, False},
               "lanes": {"all lanes", "idle lanes", "CIN*K < N_MAC"}}
    REQUIRED_CHANNELS = ("out", "guard", "counters")

    def end_of_elaboration_phase(self):
        super().end_of_elaboration_phase()
        if self.n_mac == 1 and "lanes" in self.cov.required:     # one lane: never idle, CK >= 1
            self.cov.required["lanes"] = {"all lanes"}

    def work(self, ip: CnnIp):
        n = _env_int("CNN_LAYERS", 40)
        for desc in layer_plan(self.rng, self.caps, n):
            ops = cnn.random_operands(self.rng, desc, self.caps)
            self.run_checked(ip, desc, ops)
        self.logger.info(f"{n} random layers through CnnIp/CocotbBus")


@pyuvm.test(expect_error=ScoreboardError)
class CnnCorruptModelTest(CnnLayerTest):
    """The layer test against a corrupted model (requantization truncating instead of rounding
    half up): must fail (expect_error)."""

    MODEL = TruncatingModel
    REQUIRE: dict = {}


@pyuvm.test()
class CnnIllegalTest(CnnBaseTest):
    """Every error code, CNN_ILLEGAL descriptors each (random_illegal_descriptor, kinds that can
    produce it): START refused with the code (CnnIpError from the driver), STATUS.DONE = 0,
    nothing executed (the destination region and the counters of the layer before unchanged),
    LEN_OUT reads golden len_out; a legal layer between the codes still runs exactly."""

    REQUIRE = {"error": set(range(1, 11))}
    REQUIRED_CHANNELS = ("refused", "out", "counters")

    def work(self, ip: CnnIp):
        per = _env_int("CNN_ILLEGAL", 3)
        for code in range(1, 11):
            desc = cnn.random_descriptor(self.rng, self.caps, kind=code % 4)
            self.run_checked(ip, desc, cnn.random_operands(self.rng, desc, self.caps))
            last = (ip.read_reg("CYCLES"), ip.read_reg("MACS"), ip.read_reg("STALLS"))
            for _ in range(per):
                bad = cnn.random_illegal_descriptor(self.rng, self.caps, code)
                e = bad.effective()
                lo = cnn.len_out(bad)
                n_out = max(1, e.cout * max(lo, 1))
                d0 = min(e.dst, self.caps.act_bytes)
                d1 = min(e.dst + n_out, self.caps.act_bytes)
                fill = np.array([self.rng.randint(-128, 127) for _ in range(d1 - d0)], dtype=np.int8)
                if d1 > d0:
                    ip.write_act(d0, fill)
                try:
                    ip.run_layer(bad)
                    got = 0
                except CnnIpError as err:
                    got = err.code
                st = ip.status()
                after = ip.read_act(d0, d1 - d0) if d1 > d0 else np.zeros(0, dtype=np.int8)
                regs = (ip.read_reg("CYCLES"), ip.read_reg("MACS"), ip.read_reg("STALLS"), ip.read_reg("LEN_OUT"))
                exp = (code, False, False, tuple(fill.tolist()), last + (lo,))
                act = (got, st["done"], st["busy"], tuple(after.tolist()), regs)
                self.sb.check("refused", (str(bad), exp), (str(bad), act))
                self.cov.sample("error", got)
        self.logger.info(f"{per} illegal descriptors per error code refused")


@pyuvm.test()
class CnnBadAxiTest(CnnBaseTest):
    """AXI4-Lite responses (docs/cnn_rtl.md access rules): unmapped offsets and window offsets
    past each RAM -> DECERR (read data 0); writes to RO registers and register writes with
    WSTRB != 0xF -> SLVERR, nothing changed; byte strobes honoured on the windows; while BUSY:
    descriptor writes, window reads and writes, START -> SLVERR (the layer's result and the
    memories unchanged), CTRL.IRQ_EN and STATUS accepted; irq = DONE & IRQ_EN."""

    REQUIRE = {"axi": {"DECERR", "SLVERR_RO", "SLVERR_STRB", "SLVERR_BUSY", "OKAY_BUSY", "STRB_WINDOW"}}
    REQUIRED_CHANNELS = ("axi", "irq", "out")

    def _expect(self, items, exp):
        for it, (resp, data) in zip(items, exp):
            self.sb.check("axi", (str(it.write), hex(it.addr), resp, data),
                          (str(it.write), hex(it.addr), it.resp, it.rdata if not it.write else None))

    async def body(self):
        caps, wpr = self.caps, self.wpr
        ip = await self.new_ip()
        # unmapped: past the register block, past each RAM, outside the windows
        bad = [0x058, 0x05C, 0x0FC, 0xFFFC, 0x10000 + caps.act_bytes, 0x1FFFC,
               0x20000 + 4 * wpr * caps.w_rows, 0x3FFFC, 0x40000 + 4 * caps.q_words, 0x4FFFC,
               0x50000, 0x80000, 0xFFFFC]
        items = []
        for a in bad:
            items += [rd(a), wr(a, 0x12345678)]
        await self.axil(items)
        self._expect(items, [(DECERR, 0 if not it.write else None) for it in items])
        self.cov.sample("axi", "DECERR")
        # RO registers and register strobes
        ro = [R.REG_ID, R.REG_CAPS, R.REG_CYCLES, R.REG_MACS, R.REG_STALLS, R.REG_LEN_OUT]
        items = [rd(a) for a in ro]
        await self.axil(items)
        vals = [it.rdata for it in items]
        items = []
        for a in ro:
            items += [wr(a, 0xFFFFFFFF), rd(a)]
        items += [wr(R.REG_CIN, 5), wr(R.REG_CIN, 0x77, strb=0x1), wr(R.REG_KERNEL, 9, strb=0x3),
                  rd(R.REG_CIN), rd(R.REG_KERNEL)]
        await self.axil(items)
        exp = []
        for v in vals:
            exp += [(SLVERR, None), (OKAY, v)]
        exp += [(OKAY, None), (SLVERR, None), (SLVERR, None), (OKAY, 5), (OKAY, 0)]
        self._expect(items, exp)
        self.cov.sample("axi", "SLVERR_RO")
        self.cov.sample("axi", "SLVERR_STRB")
        # byte strobes on the windows
        items = [wr(0x10000 + 8, 0x11223344), wr(0x10000 + 8, 0xAABBCCDD, strb=0x5), rd(0x10000 + 8),
                 wr(0x40000 + 12, 0x01020304), wr(0x40000 + 12, 0xF0F0F0F0, strb=0x8), rd(0x40000 + 12),
                 wr(0x20000 + 4 * wpr * 7, 0x05060708), wr(0x20000 + 4 * wpr * 7, 0x90A0B0C0, strb=0x2),
                 rd(0x20000 + 4 * wpr * 7)]
        await self.axil(items)
        lane_mask = 0xFFFFFFFF if self.n_mac >= 4 else (1 << (8 * self.n_mac)) - 1
        exp = [(OKAY, None), (OKAY, None), (OKAY, 0x11BB33DD), (OKAY, None), (OKAY, None),
               (OKAY, 0xF0020304), (OKAY, None), (OKAY, None), (OKAY, 0x0506B008 & lane_mask)]
        self._expect(items, exp)
        self.cov.sample("axi", "STRB_WINDOW")

        # a long layer; accesses while it runs
        desc = cnn.Descriptor(cnn.CONV1D, 8, 8, 48, 5, 1, 1, cnn.SAME, True, src_a=0, dst=1024,
                              w_base=0, q_base=0)
        ops = cnn.random_operands(self.rng, desc, caps)
        await bridge(ip.load_operands)(desc, ops)
        await bridge(ip.write_descriptor)(desc)
        before_w = [rd(0x20000), rd(0x10000), rd(0x40000)]
        await self.axil(before_w)
        await self.axil([wr(R.REG_CTRL, R.CTRL_IRQ_EN | R.CTRL_START)])
        busy_items = [rd(R.REG_STATUS), wr(R.REG_KIND, 2), wr(R.REG_DST, 0), wr(0x10000, 0x7F7F7F7F),
                      wr(0x20000, 0), wr(0x40000, 0), rd(0x10000), rd(0x20000), rd(0x40000),
                      wr(R.REG_CTRL, R.CTRL_START | R.CTRL_IRQ_EN), wr(R.REG_CTRL, R.CTRL_IRQ_EN),
                      wr(R.REG_STATUS, R.STATUS_DONE | R.STATUS_ERR), rd(R.REG_KIND), rd(R.REG_DST),
                      rd(R.REG_CTRL), rd(R.REG_STATUS)]
        await self.axil(busy_items)
        exp = [(OKAY, R.STATUS_BUSY), (SLVERR, None), (SLVERR, None), (SLVERR, None), (SLVERR, None),
               (SLVERR, None), (SLVERR, 0), (SLVERR, 0), (SLVERR, 0), (SLVERR, None), (OKAY, None),
               (OKAY, None), (OKAY, desc.kind), (OKAY, desc.dst), (OKAY, R.CTRL_IRQ_EN),
               (OKAY, R.STATUS_BUSY)]
        self._expect(busy_items, exp)
        self.cov.sample("axi", "SLVERR_BUSY")
        self.cov.sample("axi", "OKAY_BUSY")
        self.sb.check("irq", ("busy", 0), ("busy", self.irq()))
        for _ in range(100000):
            st = [rd(R.REG_STATUS)]
            await self.axil(st)
            if st[0].rdata & R.STATUS_DONE:
                break
        self.sb.check("irq", ("done, IRQ_EN", 1), ("done, IRQ_EN", self.irq()))
        y, _ = self.model.layer(desc, ops, caps)
        got = await bridge(ip.read_act)(desc.dst, desc.cout * cnn.len_out(desc))
        self.sb.check("out", tuple(np.asarray(y).reshape(-1).tolist()), tuple(got.tolist()))
        after_w = [rd(0x20000), rd(0x10000), rd(0x40000)]
        await self.axil(after_w)
        self.sb.check("axi", tuple(i.rdata for i in before_w), tuple(i.rdata for i in after_w))
        await self.axil([wr(R.REG_CTRL, 0)])
        self.sb.check("irq", ("done, IRQ_EN=0", 0), ("done, IRQ_EN=0", self.irq()))
        await self.axil([wr(R.REG_CTRL, R.CTRL_IRQ_EN)])
        self.sb.check("irq", ("done, IRQ_EN=1 again", 1), ("done, IRQ_EN=1 again", self.irq()))
        await self.axil([wr(R.REG_STATUS, R.STATUS_DONE)])
        self.sb.check("irq", ("DONE cleared", 0), ("DONE cleared", self.irq()))
        # a refused START leaves DONE = 0 and irq low
        await self.axil([wr(R.REG_KERNEL, 0), wr(R.REG_CTRL, R.CTRL_START | R.CTRL_IRQ_EN)])
        st = [rd(R.REG_STATUS)]
        await self.axil(st)
        self.sb.check("axi", ("refused", R.STATUS_ERR | (R.ERR_ZERO_PARAM << R.STATUS_ERR_CODE_SHIFT)),
                      ("refused", st[0].rdata))
        self.sb.check("irq", ("refused", 0), ("refused", self.irq()))


@pyuvm.test()
class CnnResetTest(CnnBaseTest):
    """Reset in the middle of a layer (at several points), then: every register back to its
    reset value, and a clean layer through a fresh driver compared exactly."""

    REQUIRED_CHANNELS = ("axi", "out", "counters")

    async def body(self):
        caps = self.caps
        for cut in (3, 40, 700):
            ip = await self.new_ip()
            desc = cnn.Descriptor(cnn.CONV1D, 4, 5, 40, 3, 1, 2, cnn.CAUSAL, False, src_a=100, dst=2000,
                                  w_base=10, q_base=6)
            await bridge(ip.load_operands)(desc, cnn.random_operands(self.rng, desc, caps))
            await bridge(ip.write_descriptor)(desc)
            st = [wr(R.REG_CTRL, R.CTRL_START | R.CTRL_IRQ_EN), rd(R.REG_STATUS)]
            await self.axil(st)
            busy = st[1].rdata & R.STATUS_BUSY             # the layer runs (it lasts ~1000 cycles)
            await ClockCycles(self.dut.clk, cut)
            await reset(self.dut.clk, self.dut.rst)
            await FallingEdge(self.dut.clk)
            regs = [R.REG_ID, R.REG_STATUS, R.REG_CTRL, R.REG_CYCLES, R.REG_MACS, R.REG_STALLS,
                    R.REG_LEN_OUT] + [getattr(R, f"REG_{n}") for n in R.DESC_REGS]
            items = [rd(a) for a in regs]
            await self.axil(items)
            exp = (R.ID_VALUE,) + (0,) * (len(regs) - 1)
            self.sb.check("axi", (cut, R.STATUS_BUSY, exp, 0), (cut, busy, tuple(i.rdata for i in items), self.irq()))
            ip = await self.new_ip()
            desc2 = cnn.random_descriptor(self.rng, caps, kind=cnn.CONV1D)
            await bridge(self.run_checked)(ip, desc2, cnn.random_operands(self.rng, desc2, caps))


def corner_layers(caps: cnn.Caps) -> list:
    """Legal layers at the edges of the descriptor fields: dilation 65535 with same and causal
    padding (one tap in range), stride 65535 (LEN_OUT 1), K = 1000, 256 input or output
    channels, regions, weight rows and quant words ending at the last byte/row/word."""
    n, act = caps.n_mac, caps.act_bytes
    g = lambda cout: -(-cout // n)                                  # noqa: E731
    D = cnn.Descriptor
    return [
        D(cnn.CONV1D, 2, 4, 20, 3, 1, 65535, cnn.SAME, False, src_a=0, dst=act - 80, w_base=0, q_base=0),
        D(cnn.CONV1D, 1, n, 10, 2, 1, 40000, cnn.CAUSAL, True, src_a=act - 10, dst=0),
        D(cnn.CONV1D, 3, 5, 50, 3, 65535, 1, cnn.VALID, False, src_a=100, dst=10,
          w_base=caps.w_rows - g(5) * 9, q_base=caps.q_words - 10),
        D(cnn.CONV1D, 1, n, 30, 1000, 1, 1, cnn.SAME, False, src_a=0, dst=64, w_base=5, q_base=1),
        D(cnn.CONV1D, 1, caps.max_ch, 8, 1, 1, 1, cnn.VALID, True, src_a=act - 8, dst=0,
          w_base=caps.w_rows - g(caps.max_ch), q_base=caps.q_words - 2 * caps.max_ch),
        D(cnn.DENSE, caps.max_ch, 7, 61, 9, 0, 4, 3, False, src_a=act - caps.max_ch, dst=3,
          w_base=caps.w_rows - g(7) * caps.max_ch, q_base=caps.q_words - 14),
        D(cnn.MAXPOOL, caps.max_ch, caps.max_ch, 3, 3, 65535, 1, cnn.VALID, True, src_a=0,
          dst=act - caps.max_ch),
        D(cnn.MAXPOOL, 3, 3, 17, 1, 1, 1, cnn.VALID, False, src_a=7, dst=1000),
        D(cnn.ADD, 200, 200, 10, 4, 4, 4, cnn.CAUSAL, False, src_a=0, src_b=2000, dst=act - 2000,
          q_base=caps.q_words - 2),
        D(cnn.ADD, 5, 5, 9, 1, 1, 1, cnn.VALID, True, src_a=300, src_b=300, dst=400, q_base=3),
    ]


@pyuvm.test()
class CnnCornerTest(CnnBaseTest):
    """The corner layers (corner_layers) through CnnIp, compared like the layer test, and a
    layer whose quant words carry shifts 48..63 (written raw: r = 0)."""

    REQUIRED_CHANNELS = ("out", "guard", "counters")

    def work(self, ip: CnnIp):
        for desc in corner_layers(self.caps):
            if cnn.check_descriptor(desc, self.caps):
                raise AssertionError(f"corner layer {desc} is not legal for {self.caps}")
            self.run_checked(ip, desc, cnn.random_operands(self.rng, desc, self.caps))
        # quant words with S = 48..63 (outside the driver's range): r = 0
        desc = cnn.Descriptor(cnn.CONV1D, 3, 2 * self.n_mac + 1, 12, 3, 1, 1, cnn.SAME, False,
                              src_a=0, dst=200, w_base=3, q_base=4)
        ops = cnn.random_operands(self.rng, desc, self.caps)
        ops.m = np.full(desc.cout, 65535, dtype=np.int64)
        ops.s = np.array([self.rng.randint(48, 63) if c % 2 == 0 else self.rng.randint(0, 47)
                          for c in range(desc.cout)], dtype=np.int64)
        self.run_checked(ip, desc, ops, raw_shift=True)


def random_field(rng, width: int) -> int:
    """A register value of ``width`` bits: 0, 1, 2, 3, all ones, all ones - 1, a power of two,
    small, or any."""
    top = (1 << width) - 1
    return rng.choice([0, 1, 2, 3, top, top - 1, rng.randint(0, top), rng.randint(0, min(top, 300)),
                       1 << rng.randrange(width)]) & top


@pyuvm.test()
class CnnRegisterTest(CnnBaseTest):
    """CNN_REGFUZZ descriptors of random full-range register values (0, 1, all ones, powers of
    two, small, any; every kind including 4..7): each register reads back its kept bits,
    LEN_OUT reads golden len_out of the registers (recomputed by the checker after each write)
    and START answers golden check_descriptor's code (illegal ones are refused with it; a legal
    one runs on fresh random operands and is compared like the layer test)."""

    REQUIRED_CHANNELS = ("axi", "refused")

    def work(self, ip: CnnIp):
        n = _env_int("CNN_REGFUZZ", 60)
        names = list(R.DESC_REGS)
        for i in range(n):
            widths = {nm: getattr(R, f"REG_{nm}_W") for nm in names}
            vals = {nm: random_field(self.rng, w) & ((1 << w) - 1) for nm, w in widths.items()}
            if i % 3 == 0:                                    # near-legal: small sizes, addresses
                vals.update(KIND=self.rng.randrange(4), PAD=self.rng.randrange(3),
                            CIN=self.rng.randint(1, 9), COUT=self.rng.randint(1, 9),
                            LEN_IN=self.rng.randint(1, 30), KERNEL=self.rng.randint(1, 6),
                            STRIDE=self.rng.randint(1, 3), DILATION=self.rng.randint(1, 3))
            desc = cnn.Descriptor.from_registers(vals)
            for nm, v in vals.items():                       # bits above the kept ones ignored
                junk = self.rng.randrange(1 << (32 - widths[nm])) if self.rng.random() < 0.5 else 0
                ip.write_reg(nm, v | (junk << widths[nm]))
            back = {nm: ip.read_reg(nm) for nm in names}
            lo = ip.read_reg("LEN_OUT")
            self.sb.check("axi", (str(desc), vals, cnn.len_out(desc)), (str(desc), back, lo))
            code = cnn.check_descriptor(desc, self.caps)
            if code == 0:
                self.run_checked(ip, desc, cnn.random_operands(self.rng, desc, self.caps))
                self.sb.check("refused", (str(desc), 0), (str(desc), 0))
                continue
            try:
                ip.write_reg("CTRL", R.CTRL_START)
                st = ip.status()
                got = st["err_code"] if st["err"] else 0
                if st["err"]:
                    ip.write_reg("STATUS", R.STATUS_ERR)
            except BusError as e:
                got = f"bus error {e}"
            self.sb.check("refused", (str(desc), code), (str(desc), got))
            self.cov.sample("error", got)



def pick_beats(rng, labels, test_idx, n: int) -> list:
    """``n`` distinct held-out beat indices by a seeded choice, the classes taken in turn (in a
    seeded order; the classes present in the test set), so n >= 2 covers more than one class."""
    if n < 1:
        raise ValueError(f"CNN_BEATS must be >= 1, got {n}")
    test_idx = np.asarray(test_idx)
    pools = {c: sorted(int(i) for i in test_idx[labels[test_idx] == c])
             for c in sorted(set(int(v) for v in labels[test_idx]))}
    order = list(pools)
    rng.shuffle(order)
    picked: list = []
    while len(picked) < n:
        live = [c for c in order if pools[c]]
        if not live:
            raise ValueError(f"CNN_BEATS={n} is more than the {len(test_idx)} held-out beats")
        for c in live:
            if len(picked) == n:
                break
            i = rng.choice(pools[c])
            pools[c].remove(i)
            picked.append(i)
    return picked


@pyuvm.test()
class CnnNetworkTest(CnnBaseTest):
    """The trained intra image (golden/params/cnn/intra.json, golden/cnn_model.to_layers) on
    CNN_BEATS real held-out beats of the intra-patient test split (golden/cnn_data
    split_indices, the set scripts/eval_cnn.py held_out evaluates; seeded choice, the classes
    in turn): weights and quant words loaded once by CnnIp.load_network, each beat run layer by
    layer by CnnIp.run_network over CocotbBus; every layer's whole output map read back and
    compared exactly with golden/cnn.py run_network, CYCLES/MACS/STALLS/LEN_OUT of every layer
    with verif/cnn/cycles.py and golden macs / len_out, and the argmax decision with golden's."""

    REQUIRED_CHANNELS = ("out", "counters", "decision")
    SPLIT = "intra"
    DEFAULT_BEATS = 3

    def work(self, ip: CnnIp):
        n = _env_int("CNN_BEATS", self.DEFAULT_BEATS)
        net = cnn_model.to_layers(cnn_model.load_image(self.SPLIT))
        beats = cnn_data.load_cnn_beats()
        _, test_idx = cnn_data.split_indices(beats, self.SPLIT)
        picked = pick_beats(self.knobs.rng("cnn_network"), beats.y, test_idx, n)
        plan = ip.load_network(net, (1, cnn_data.BEAT_LEN))
        exp_counters = [(CY.cycles(d, self.n_mac, self.caps), cnn.macs(d), CY.stalls(d, self.n_mac, self.caps),
                         cnn.len_out(d)) for d in plan.descs]
        exp_total = sum(c[0] for c in exp_counters)
        self.logger.info(f"{self.SPLIT} image: {len(net)} layers, weights resident {plan.resident}, "
                         f"{sum(c[1] for c in exp_counters)} MACs and {exp_total} cycles per beat "
                         f"(verif/cnn/cycles.py); {n} held-out beats of {len(test_idx)}: {picked}")
        classes = cnn_data.CLASSES
        n_layers = 0
        for b in picked:
            x = beats.x[b]
            outs, results = ip.run_network(net, x, plan, with_results=True)
            exp = self.model.network(net, x, plan.descs, self.caps)
            if len(outs) != len(exp):
                raise AssertionError(f"beat {b}: the driver returned {len(outs)} layer maps, "
                                     f"the model {len(exp)}")
            for i, (d, y, got, res, ec) in enumerate(zip(plan.descs, exp, outs, results, exp_counters)):
                tag = (int(b), i, str(d))
                self.sb.check("out", (tag, tuple(np.asarray(y, dtype=np.int64).reshape(-1).tolist())),
                              (tag, tuple(np.asarray(got, dtype=np.int64).reshape(-1).tolist())))
                self.sb.check("counters", (tag, ec), (tag, (res.cycles, res.macs, res.stalls, res.len_out)))
                n_layers += 1
            p_exp = int(cnn_model.decide(np.asarray(exp[-1])[:, 0][None, :])[0])
            p_got = int(cnn_model.decide(np.asarray(outs[-1])[:, 0][None, :])[0])
            self.sb.check("decision", (int(b), p_exp), (int(b), p_got))
            total = sum(r.cycles for r in results)
            self.logger.info(f"beat {b} (record {int(beats.record[b])}): label {classes[int(beats.y[b])]}, "
                             f"RTL decision {classes[p_got]} (golden {classes[p_exp]}), "
                             f"{total} cycles (cycles.py {exp_total})")
        self.logger.info(f"{n} beats x {len(net)} layers = {n_layers} layer maps through CnnIp/CocotbBus")


@pyuvm.test(expect_error=ScoreboardError)
class CnnNetworkCorruptModelTest(CnnNetworkTest):
    """The network test on one beat against the truncating requant model: must fail
    (expect_error)."""

    MODEL = TruncatingModel
    DEFAULT_BEATS = 1
