# SPDX-License-Identifier: Apache-2.0
"""The host driver of the CNN multiply-add IP: plain blocking Python over a register bus.

A bus is any object with ``read32(addr) -> int`` and ``write32(addr, data)`` (byte addresses of
the IP's AXI4-Lite slave, 32-bit data); an access the slave answers with SLVERR or DECERR raises
:class:`BusError`.  Back ends: :class:`~driver.cnn_ip.memory_bus.MemoryBus` (a software model of
the IP), :class:`~driver.cnn_ip.backends.CocotbBus` (the simulated RTL),
:class:`~driver.cnn_ip.backends.PynqBus` (a Zynq board).  The same :class:`CnnIp` runs on all
three.

The driver checks what the IP cannot (bias range, requant shift range, shapes), packs weights by
the N_MAC lanes read from CAPS, allocates activation regions for a network, and leaves every
descriptor check to the IP: a refused START raises :class:`CnnIpError` with the IP's code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from driver.cnn_ip import regs as R
from golden import cnn
from golden.checks import int_array, int_scalar


class BusError(RuntimeError):
    """An access answered SLVERR or DECERR."""

    RESP_NAMES = {0: "OKAY", 1: "EXOKAY", 2: "SLVERR", 3: "DECERR"}

    def __init__(self, write: bool, addr: int, resp: int):
        self.write, self.addr, self.resp = bool(write), int(addr), int(resp)
        super().__init__(f"{'write' if write else 'read'} at 0x{addr:05x} answered "
                         f"{self.RESP_NAMES.get(resp, resp)}")


class CnnIpError(RuntimeError):
    """The IP refused a START: ``code`` (STATUS.ERR_CODE) and its ``name`` (BAD_KIND ...)."""

    def __init__(self, code: int, name: str, desc=None):
        self.code, self.name, self.desc = int(code), str(name), desc
        super().__init__(f"the CNN IP refused the layer with {name} ({code})"
                         + (f": {desc}" if desc is not None else ""))


class CnnIpNotFound(RuntimeError):
    """The ID register does not read "CNN1"."""


@dataclass(frozen=True)
class LayerResult:
    """The counters of one layer, read after DONE."""

    cycles: int
    macs: int
    stalls: int
    len_out: int


@dataclass
class Plan:
    """Where a network lives in the IP's memories (from :meth:`CnnIp.load_network`).

    descs      one Descriptor per layer (addresses filled in)
    in_addr    ACT byte address of the network input; in_shape its (C, L)
    shapes     output map shape of every layer
    resident   True: every layer's weights and quant words are loaded once; False: each layer's
               are loaded (at row 0, word 0) just before it runs
    """

    descs: list
    in_addr: int
    in_shape: tuple
    shapes: list
    resident: bool
    net: list


class CnnIp:
    """One CNN IP on a bus.  Reads ID and CAPS at construction (``max_ch``: the MAX_CH
    parameter, not in CAPS; ``poll_limit``: STATUS reads before a layer counts as hung)."""

    def __init__(self, bus, max_ch: int = R.DEF_MAX_CH, poll_limit: int = 1_000_000):
        if not (callable(getattr(bus, "read32", None)) and callable(getattr(bus, "write32", None))):
            raise TypeError(f"bus must have read32(addr) and write32(addr, data), got {type(bus).__name__}")
        self.bus = bus
        self.poll_limit = int_scalar(poll_limit, "poll_limit", 1)
        ident = bus.read32(R.REG_ID)
        if ident != R.ID_VALUE:
            raise CnnIpNotFound(f"ID reads 0x{ident:08x}, not 0x{R.ID_VALUE:08x} (\"CNN1\"): no CNN IP on this bus")
        self.caps = cnn.Caps.from_word(bus.read32(R.REG_CAPS), max_ch)
        self.n_mac = self.caps.n_mac
        self.wpr = (self.n_mac + 3) // 4
        self.irq_en = False

    # ----------------------------------------------------------------- registers
    def read_reg(self, name: str) -> int:
        return self.bus.read32(getattr(R, f"REG_{name}"))

    def write_reg(self, name: str, value: int) -> None:
        self.bus.write32(getattr(R, f"REG_{name}"), int(value) & 0xFFFFFFFF)

    def status(self) -> dict:
        """STATUS decoded: busy, done, err (bools) and err_code."""
        v = self.read_reg("STATUS")
        return {"busy": bool(v & R.STATUS_BUSY), "done": bool(v & R.STATUS_DONE),
                "err": bool(v & R.STATUS_ERR),
                "err_code": (v >> R.STATUS_ERR_CODE_SHIFT) & R.STATUS_ERR_CODE_MASK}

    def set_irq(self, enable: bool) -> None:
        self.irq_en = bool(enable)
        self.write_reg("CTRL", R.CTRL_IRQ_EN if self.irq_en else 0)

    # ----------------------------------------------------------------- memories
    def _check_range(self, what: str, addr: int, n: int, size: int) -> None:
        if addr < 0 or n < 0 or addr + n > size:
            raise ValueError(f"{what} [{addr}, {addr + n}) outside 0..{size}")

    def write_act(self, addr: int, data) -> None:
        """int8 values (any shape, flattened channel-major) at ACT byte address ``addr``.
        Partial words at either end are read, merged and written back."""
        addr = int_scalar(addr, "addr", 0)
        b = int_array(data, "data", -128, 127).reshape(-1).astype(np.int8).view(np.uint8)
        self._check_range("ACT region", addr, b.size, self.caps.act_bytes)
        if b.size == 0:
            return
        first, end = addr & ~3, (addr + b.size + 3) & ~3
        last = end - 4
        buf = bytearray(end - first)
        if addr != first:                                   # partial first word
            buf[0:4] = self.bus.read32(R.WIN_ACT_BASE + first).to_bytes(4, "little")
        if (addr + b.size) & 3 and (last != first or addr == first):   # partial last word
            buf[-4:] = self.bus.read32(R.WIN_ACT_BASE + last).to_bytes(4, "little")
        buf[addr - first:addr - first + b.size] = b.tobytes()
        for off in range(0, len(buf), 4):
            self.bus.write32(R.WIN_ACT_BASE + first + off, int.from_bytes(buf[off:off + 4], "little"))

    def read_act(self, addr: int, n: int) -> np.ndarray:
        """``n`` int8 values from ACT byte address ``addr``."""
        addr, n = int_scalar(addr, "addr", 0), int_scalar(n, "n", 0)
        self._check_range("ACT region", addr, n, self.caps.act_bytes)
        first, end = addr & ~3, (addr + n + 3) & ~3
        raw = b"".join(self.bus.read32(R.WIN_ACT_BASE + a).to_bytes(4, "little") for a in range(first, end, 4))
        return np.frombuffer(raw[addr - first:addr - first + n], dtype=np.int8).copy()

    def pack_weights(self, weight) -> np.ndarray:
        """Weight RAM rows (ceil(COUT/N_MAC)*CIN*K, N_MAC) int8 of a (COUT, CIN, K) weight
        tensor: row (g*CIN + ci)*K + k holds w[g*N_MAC + l][ci][k] in lane l (0 past COUT)."""
        w = int_array(weight, "weight", -128, 127, ndim=3)
        cout, cin, k = w.shape
        groups = -(-cout // self.n_mac)
        padded = np.zeros((groups * self.n_mac, cin, k), dtype=np.int8)
        padded[:cout] = w
        # (g, l, ci, k) -> (g, ci, k, l)
        return padded.reshape(groups, self.n_mac, cin, k).transpose(0, 2, 3, 1).reshape(-1, self.n_mac)

    def load_weights(self, rows, base: int = 0) -> None:
        """Weight rows (R, N_MAC) int8 at weight row ``base``."""
        rows = int_array(rows, "rows", -128, 127, shape=(None, self.n_mac))
        base = int_scalar(base, "base", 0)
        self._check_range("weight rows", base, rows.shape[0], self.caps.w_rows)
        padded = np.zeros((rows.shape[0], 4 * self.wpr), dtype=np.int8)
        padded[:, :self.n_mac] = rows
        words = padded.view(np.uint8).reshape(-1, 4)
        addr = R.WIN_W_BASE + 4 * self.wpr * base
        for i, wb in enumerate(words):
            self.bus.write32(addr + 4 * i, int.from_bytes(bytes(wb), "little"))

    def read_weights(self, base: int, n: int) -> np.ndarray:
        """``n`` weight rows (n, N_MAC) int8 from row ``base``."""
        base, n = int_scalar(base, "base", 0), int_scalar(n, "n", 0)
        self._check_range("weight rows", base, n, self.caps.w_rows)
        addr = R.WIN_W_BASE + 4 * self.wpr * base
        raw = b"".join(self.bus.read32(addr + 4 * i).to_bytes(4, "little") for i in range(n * self.wpr))
        return np.frombuffer(raw, dtype=np.int8).reshape(n, 4 * self.wpr)[:, :self.n_mac].copy()

    def write_quant(self, base: int, words) -> None:
        """32-bit words at quant word ``base``."""
        base = int_scalar(base, "base", 0)
        words = [int_scalar(w, "quant word", 0, 0xFFFFFFFF) for w in words]
        self._check_range("quant words", base, len(words), self.caps.q_words)
        for i, w in enumerate(words):
            self.bus.write32(R.WIN_Q_BASE + 4 * (base + i), w)

    def read_quant(self, base: int, n: int) -> list:
        base, n = int_scalar(base, "base", 0), int_scalar(n, "n", 0)
        self._check_range("quant words", base, n, self.caps.q_words)
        return [self.bus.read32(R.WIN_Q_BASE + 4 * (base + i)) for i in range(n)]

    @staticmethod
    def conv_quant_words(bias, m, s) -> list:
        """Quant words of a CONV1D/DENSE layer: per channel bias (|bias| < 2^30), M | S << 16."""
        lim = R.BIAS_ABS_LIMIT
        bias = int_array(bias, "bias", -(lim - 1), lim - 1, ndim=1)
        m = int_array(m, "m", 0, R.QW_M_MASK, shape=(bias.size,))
        s = int_array(s, "s", 0, R.S_MAX, shape=(bias.size,))
        out = []
        for b, mm, ss in zip(bias.tolist(), m.tolist(), s.tolist()):
            out += [b & 0xFFFFFFFF, (mm << R.QW_M_SHIFT) | (ss << R.QW_S_SHIFT)]
        return out

    @staticmethod
    def add_quant_words(ma: int, mb: int, s: int) -> list:
        """Quant words of an ADD layer: MA | MB << 16 (both signed 16 bit), S."""
        ma = int_scalar(ma, "ma", -(1 << 15), (1 << 15) - 1)
        mb = int_scalar(mb, "mb", -(1 << 15), (1 << 15) - 1)
        s = int_scalar(s, "s", 0, R.ADD_S_MAX)
        return [((ma & 0xFFFF) << R.QA_MA_SHIFT) | ((mb & 0xFFFF) << R.QA_MB_SHIFT), s << R.QA_S_SHIFT]

    def load_operands(self, desc: cnn.Descriptor, ops: cnn.Operands, inputs: bool = True) -> None:
        """Everything a descriptor reads: its input map(s) (``inputs``), weights at W_BASE and
        quant words at Q_BASE, from :class:`golden.cnn.Operands` (the layer-level test's way in)."""
        d = desc.effective()
        if inputs:
            self.write_act(d.src_a, ops.a)
            if d.kind == cnn.ADD and d.src_b != d.src_a:
                self.write_act(d.src_b, ops.b)
        if d.kind in (cnn.CONV1D, cnn.DENSE):
            self.load_weights(self.pack_weights(ops.weight), d.w_base)
            self.write_quant(d.q_base, self.conv_quant_words(ops.bias, ops.m, ops.s))
        elif d.kind == cnn.ADD:
            self.write_quant(d.q_base, self.add_quant_words(ops.ma, ops.mb, ops.shift))

    # ----------------------------------------------------------------- layers
    def write_descriptor(self, desc: cnn.Descriptor) -> None:
        if not isinstance(desc, cnn.Descriptor):
            raise TypeError(f"desc must be a golden.cnn.Descriptor, got {type(desc).__name__}")
        for name, value in desc.registers().items():
            self.write_reg(name, value)

    def run_layer(self, desc: cnn.Descriptor) -> LayerResult:
        """Write the descriptor, START, poll STATUS until DONE or ERR; raise :class:`CnnIpError`
        on ERR (after clearing it); clear DONE and return the counters."""
        self.write_descriptor(desc)
        ctrl = R.CTRL_START | (R.CTRL_IRQ_EN if self.irq_en else 0)
        self.write_reg("CTRL", ctrl)
        for _ in range(self.poll_limit):
            st = self.read_reg("STATUS")
            if st & R.STATUS_ERR:
                code = (st >> R.STATUS_ERR_CODE_SHIFT) & R.STATUS_ERR_CODE_MASK
                self.write_reg("STATUS", R.STATUS_ERR)
                raise CnnIpError(code, R.ERROR_NAMES.get(code, f"UNKNOWN_{code}"), desc)
            if st & R.STATUS_DONE:
                break
        else:
            raise TimeoutError(f"layer {desc} not DONE after {self.poll_limit} STATUS reads "
                               f"(STATUS 0x{st:08x})")
        res = LayerResult(self.read_reg("CYCLES"), self.read_reg("MACS"), self.read_reg("STALLS"),
                          self.read_reg("LEN_OUT"))
        self.write_reg("STATUS", R.STATUS_DONE)
        return res

    # ----------------------------------------------------------------- networks
    def plan_network(self, net: list, in_shape: tuple) -> Plan:
        """Addresses for a network on an input map of ``in_shape`` (C, L): activation regions by
        first fit among the maps still needed; weights and quant words resident when they fit."""
        if not net or not all(isinstance(layer, cnn.Layer) for layer in net):
            raise TypeError("net must be a non-empty list of golden.cnn.Layer")
        in_shape = tuple(int(v) for v in in_shape)
        n = len(net)
        srcs = [cnn.layer_sources(net, i) for i in range(n)]
        shapes, descs0 = [], []
        for i, layer in enumerate(net):
            a, _ = srcs[i]
            d = layer.descriptor(in_shape if a == -1 else shapes[a])
            descs0.append(d)
            shapes.append((d.cout, cnn.len_out(d)))
        last_use = {-1: 0}
        for i, (a, b) in enumerate(srcs):
            for j in (a, b):
                if j is not None:
                    last_use[j] = max(last_use.get(j, 0), i)
        size = {-1: in_shape[0] * in_shape[1]}
        size.update({i: shapes[i][0] * shapes[i][1] for i in range(n)})
        addr = {-1: 0}
        for i in range(n):
            live = sorted((addr[j], addr[j] + size[j]) for j in addr if last_use.get(j, -1) >= i)
            at = 0
            for lo, hi in live:
                if at + size[i] <= lo:
                    break
                at = max(at, hi)
            if at + size[i] > self.caps.act_bytes:
                raise ValueError(f"layer {i} ({net[i].name!r}): output of {size[i]} bytes does not fit "
                                 f"the ACT RAM ({self.caps.act_bytes} bytes) beside the maps still needed")
            addr[i] = at
        rows = [cnn.weight_rows(d, self.n_mac) for d in descs0]
        qws = [cnn.quant_words(d) for d in descs0]
        resident = sum(rows) <= self.caps.w_rows and sum(qws) <= self.caps.q_words
        descs, w_at, q_at = [], 0, 0
        for i, d in enumerate(descs0):
            a, b = srcs[i]
            descs.append(dataclasses.replace(
                d, src_a=addr[a], src_b=addr[b] if b is not None else 0, dst=addr[i],
                w_base=w_at if resident else 0, q_base=q_at if resident else 0))
            if resident:
                w_at += rows[i]
                q_at += qws[i]
        return Plan(descs, 0, in_shape, shapes, resident, net)

    def _load_layer_params(self, layer: cnn.Layer, d: cnn.Descriptor) -> None:
        if layer.kind == cnn.CONV1D:
            self.load_weights(self.pack_weights(layer.weight), d.w_base)
        elif layer.kind == cnn.DENSE:
            self.load_weights(self.pack_weights(layer.weight[:, :, None]), d.w_base)
        if layer.kind in (cnn.CONV1D, cnn.DENSE):
            self.write_quant(d.q_base, self.conv_quant_words(layer.bias, layer.m, layer.s))
        elif layer.kind == cnn.ADD:
            self.write_quant(d.q_base, self.add_quant_words(layer.ma, layer.mb, layer.shift))

    def load_network(self, net: list, in_shape: tuple) -> Plan:
        """Plan a network and, when they fit, load every layer's weights and quant words once."""
        plan = self.plan_network(net, in_shape)
        if plan.resident:
            for layer, d in zip(net, plan.descs):
                self._load_layer_params(layer, d)
        return plan

    def run_network(self, net: list, x, plan: Plan | None = None, with_results: bool = False):
        """Run a network on one input (an (L,) beat or a (C, L) map) layer by layer and return
        every layer's output map, read back from the ACT RAM after the layer (and, with
        ``with_results``, the list of :class:`LayerResult` too).  ``plan`` from
        :meth:`load_network` avoids reloading the weights for every input."""
        x = cnn.network_input(x)
        if plan is None:
            plan = self.load_network(net, x.shape)
        elif plan.net is not net or plan.in_shape != x.shape:
            raise ValueError(f"plan was made for another network or input shape {plan.in_shape}, "
                             f"got {x.shape}")
        self.write_act(plan.in_addr, x)
        outs, results = [], []
        for layer, d, shape in zip(net, plan.descs, plan.shapes):
            if not plan.resident:
                self._load_layer_params(layer, d)
            results.append(self.run_layer(d))
            outs.append(self.read_act(d.dst, shape[0] * shape[1]).reshape(shape))
        return (outs, results) if with_results else outs
