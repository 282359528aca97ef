# SPDX-License-Identifier: Apache-2.0
"""MemoryBus: a pure-Python model of the CNN IP's AXI4-Lite slave, for running the driver
without a simulator (the IOb-SoC habit: emulate the peripheral's registers on the PC).

It implements the register map and access rules of golden/cnn_regmap.py (responses OKAY,
SLVERR, DECERR as the contract says), the descriptor checks of golden/cnn.py, and executes an
accepted layer with the golden layer functions on operands it gathers from its own memories by
the contract's layouts (weight rows, quant words), independently of the driver's packing.

Timing is a model, not the RTL's: after an accepted START the next ``busy_accesses`` accesses
see BUSY (so the driver's polling and the BUSY refusals are exercised), then the layer is
complete; CYCLES reads the MAC bound (golden.cnn.mac_bound_cycles), MACS golden.cnn.macs,
STALLS 0.
"""

from __future__ import annotations

import numpy as np

from driver.cnn_ip.driver import BusError
from golden import cnn
from golden import cnn_regmap as rm

OKAY, SLVERR, DECERR = 0, 2, 3
_BY_OFFSET = {r.offset: r for r in rm.REGS}
_ST = {f.name: f for f in rm.REG["STATUS"].fields}
_CT = {f.name: f for f in rm.REG["CTRL"].fields}


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


class MemoryBus:
    """The register model.  ``read32``/``write32`` raise :class:`BusError` on SLVERR/DECERR;
    :meth:`access` returns ``(resp, rdata)`` for tests of the responses themselves."""

    def __init__(self, caps: cnn.Caps = cnn.Caps(), busy_accesses: int = 2):
        if not isinstance(caps, cnn.Caps):
            raise TypeError(f"caps must be a golden.cnn.Caps, got {type(caps).__name__}")
        if caps.act_bytes < 4:
            raise ValueError(f"act_bytes={caps.act_bytes}: the ACT window needs at least one word")
        if busy_accesses < 0:
            raise ValueError(f"busy_accesses must be >= 0, got {busy_accesses}")
        self.caps = caps
        self.wpr = rm.words_per_row(caps.n_mac)
        self.busy_accesses = int(busy_accesses)
        self.act = bytearray(caps.act_bytes)
        self.w = np.zeros((caps.w_rows, caps.n_mac), dtype=np.int8)
        self.q = [0] * caps.q_words
        self.desc_regs = {r.name: 0 for r in rm.DESC_REGS}
        self.irq_en = self.busy = self.done = self.err = False
        self.err_code = 0
        self.counters = {"CYCLES": 0, "MACS": 0, "STALLS": 0}
        self._left = 0
        self._result = None
        self.accesses = 0

    # ------------------------------------------------------------------ bus interface
    def read32(self, addr: int) -> int:
        resp, data = self.access(False, addr)
        if resp != OKAY:
            raise BusError(False, addr, resp)
        return data

    def write32(self, addr: int, data: int, strb: int = 0xF) -> None:
        resp, _ = self.access(True, addr, data, strb)
        if resp != OKAY:
            raise BusError(True, addr, resp)

    @property
    def irq(self) -> bool:
        return self.done and self.irq_en

    def access(self, write: bool, addr: int, data: int = 0, strb: int = 0xF) -> tuple[int, int]:
        """One AXI4-Lite access: (resp, rdata); rdata 0 for writes and errors."""
        if not 0 <= int(addr) < (1 << rm.ADDR_W):
            raise ValueError(f"address 0x{int(addr):x} outside the {rm.ADDR_W}-bit space")
        if write and not 0 <= int(data) <= 0xFFFFFFFF:
            raise ValueError(f"write data 0x{int(data):x} is not a 32-bit word")
        if not 0 <= int(strb) <= 0xF:
            raise ValueError(f"strb 0x{int(strb):x} is not 4 bits")
        self.accesses += 1
        if self.busy and self._left == 0:
            self._complete()
        was_busy = self.busy
        addr = int(addr) & ~3
        resp, rdata = self._handle(bool(write), addr, int(data), int(strb))
        if was_busy and self.busy:
            self._left -= 1
        return resp, (rdata if resp == OKAY and not write else 0)

    # ------------------------------------------------------------------ decode
    def _window(self, addr: int):
        """(window name, word index) or None."""
        for w in rm.WINDOWS:
            if w.base <= addr < w.base + w.span:
                return w.name, (addr - w.base) >> 2
        return None

    def _handle(self, write, addr, data, strb):
        win = self._window(addr)
        if win is not None:
            return self._window_access(win, write, data, strb)
        reg = _BY_OFFSET.get(addr)
        if reg is None:
            return DECERR, 0
        if not write:
            return OKAY, self._read_reg(reg)
        if reg.access == "RO" or strb != 0xF:
            return SLVERR, 0
        return self._write_reg(reg, data), 0

    def _read_reg(self, reg) -> int:
        n = reg.name
        if n == "ID":
            return rm.ID_VALUE
        if n == "CAPS":
            return self.caps.word
        if n == "CTRL":
            return _CT["IRQ_EN"].put(int(self.irq_en))
        if n == "STATUS":
            return (_ST["BUSY"].put(int(self.busy)) | _ST["DONE"].put(int(self.done))
                    | _ST["ERR"].put(int(self.err)) | _ST["ERR_CODE"].put(self.err_code))
        if n in self.counters:
            return self.counters[n]
        if n == "LEN_OUT":
            return cnn.len_out(self._descriptor())
        return self.desc_regs[n]

    def _write_reg(self, reg, data) -> int:
        n = reg.name
        if n == "CTRL":
            start = _CT["START"].get(data)
            if start and self.busy:
                return SLVERR
            self.irq_en = bool(_CT["IRQ_EN"].get(data))
            if start:
                self._start()
            return OKAY
        if n == "STATUS":
            if _ST["DONE"].get(data):
                self.done = False
            if _ST["ERR"].get(data):
                self.err = False
            return OKAY
        if self.busy:
            return SLVERR
        self.desc_regs[n] = data & ((1 << reg.width) - 1)
        return OKAY

    def _window_access(self, win, write, data, strb):
        name, wi = win
        if name == "ACT":
            ok = 4 * wi + 4 <= self.caps.act_bytes
        elif name == "W":
            ok = wi // self.wpr < self.caps.w_rows
        else:
            ok = wi < self.caps.q_words
        if not ok:
            return DECERR, 0
        if self.busy:
            return SLVERR, 0
        if name == "ACT":
            if not write:
                return OKAY, int.from_bytes(self.act[4 * wi:4 * wi + 4], "little")
            for b in range(4):
                if strb >> b & 1:
                    self.act[4 * wi + b] = (data >> 8 * b) & 0xFF
            return OKAY, 0
        if name == "W":
            row, j = divmod(wi, self.wpr)
            lanes = [(4 * j + b, b) for b in range(4) if 4 * j + b < self.caps.n_mac]
            if not write:
                word = 0
                for lane, b in lanes:
                    word |= (int(self.w[row, lane]) & 0xFF) << 8 * b
                return OKAY, word
            for lane, b in lanes:
                if strb >> b & 1:
                    v = (data >> 8 * b) & 0xFF
                    self.w[row, lane] = v - 256 if v & 0x80 else v
            return OKAY, 0
        if not write:
            return OKAY, self.q[wi]
        mask = sum(0xFF << 8 * b for b in range(4) if strb >> b & 1)
        self.q[wi] = (self.q[wi] & ~mask) | (data & mask)
        return OKAY, 0

    # ------------------------------------------------------------------ execution
    def _descriptor(self) -> cnn.Descriptor:
        return cnn.Descriptor.from_registers(self.desc_regs)

    def _start(self) -> None:
        self.done = self.err = False
        d = self._descriptor()
        code = cnn.check_descriptor(d, self.caps)
        self.err_code = code
        if code:
            self.err = True
            return
        self.counters = {"CYCLES": 0, "MACS": 0, "STALLS": 0}
        self._result = (d, cnn.run_descriptor(d, self.gather_operands(d), self.caps))
        self.busy = True
        self._left = self.busy_accesses

    def _complete(self) -> None:
        d, y = self._result
        e = d.effective()
        self.act[e.dst:e.dst + y.size] = y.astype(np.int8).tobytes()
        self.counters = {"CYCLES": cnn.mac_bound_cycles(d, self.caps.n_mac), "MACS": cnn.macs(d),
                         "STALLS": 0}
        self.busy, self.done, self._result = False, True, None

    def gather_operands(self, desc: cnn.Descriptor) -> cnn.Operands:
        """The operands a legal descriptor reads from the model's memories (contract layouts)."""
        d = desc.effective()
        n_in = d.cin * d.len_in

        def act_map(base):
            return np.frombuffer(bytes(self.act[base:base + n_in]), dtype=np.int8).reshape(d.cin, d.len_in)

        a = act_map(d.src_a)
        if d.kind == cnn.MAXPOOL:
            return cnn.Operands(a)
        if d.kind == cnn.ADD:
            w0, w1 = self.q[d.q_base], self.q[d.q_base + 1]
            return cnn.Operands(a, act_map(d.src_b), ma=rm.QUANT["QA_MA"].get(w0),
                                mb=rm.QUANT["QA_MB"].get(w0), shift=rm.QUANT["QA_S"].get(w1))
        n = self.caps.n_mac
        co = np.arange(d.cout)[:, None, None]
        ci = np.arange(d.cin)[None, :, None]
        k = np.arange(d.kernel)[None, None, :]
        rows = d.w_base + ((co // n) * d.cin + ci) * d.kernel + k
        weight = self.w[rows, np.broadcast_to(co % n, rows.shape)]
        qw = self.q[d.q_base:d.q_base + 2 * d.cout]
        bias = np.array([_s32(v) for v in qw[0::2]], dtype=np.int64)
        m = np.array([rm.QUANT["QW_M"].get(v) for v in qw[1::2]], dtype=np.int64)
        s = np.array([rm.QUANT["QW_S"].get(v) for v in qw[1::2]], dtype=np.int64)
        return cnn.Operands(a, None, weight, bias, m, s)
