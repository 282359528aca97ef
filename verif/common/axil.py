# SPDX-License-Identifier: Apache-2.0
"""AXI4-Lite agent: a master driver for configuration accesses and a monitor.

Signals follow the ``s_axil_*`` naming of the DUT's slave port (awaddr,
awprot, awvalid, awready, wdata, wstrb, wvalid, wready, bresp, bvalid,
bready, araddr, arprot, arvalid, arready, rdata, rresp, rvalid, rready).
Timing convention as in clocking.py: write after the rising edge, sample at
the falling edge.  Every access is published (with its response) on the
monitor's analysis port, so a scoreboard can compare the response and read
data of every access with a register model.

Cycle stamps (``AxilAccess.cycle``, not compared) count falling edges from the
start of the run phase, like StreamMonitor's: for a write the cycle in which
its address and data handshakes had both happened (when the slave acts on it),
for a read the cycle of its address handshake.  The monitor also publishes
every access on ``req_ap`` in that very cycle (response still unknown), so a
register model can apply it before anything that happens later.

Reset: the driver abandons the access in flight when ``rst`` is seen high (no
response, nothing published) and waits for the end of the reset; the monitor
drops the accesses in flight.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from cocotb.triggers import FallingEdge, RisingEdge
from pyuvm import ConfigDB, uvm_analysis_port, uvm_driver, uvm_monitor, uvm_sequence, uvm_sequence_item

from verif.common.stream import _bit, cfg_get

OKAY, EXOKAY, SLVERR, DECERR = 0, 1, 2, 3
RESP_NAMES = {OKAY: "OKAY", EXOKAY: "EXOKAY", SLVERR: "SLVERR", DECERR: "DECERR"}


class AxilItem(uvm_sequence_item):
    """One access; the driver fills in ``resp`` (and ``rdata`` for reads)."""

    def __init__(self, name="axil", write=True, addr=0, data=0, strb=0xF):
        super().__init__(name)
        self.write, self.addr, self.data, self.strb = write, addr, data, strb
        self.resp = None
        self.rdata = None

    def __str__(self):
        op = "W" if self.write else "R"
        d = f"0x{self.data:08x}" if self.write else (f"0x{self.rdata:08x}" if self.rdata is not None else "?")
        return f"{op} 0x{self.addr:04x} {d} -> {RESP_NAMES.get(self.resp, self.resp)}"


@dataclass(frozen=True)
class AxilAccess:
    """What the monitor publishes: one completed access."""

    write: int
    addr: int
    data: int           # write data, or read data
    strb: int
    resp: int
    cycle: int = 0      # execution cycle (see the module docstring); not compared

    def key(self):
        return (self.write, self.addr, self.data, self.strb, self.resp)


class AxilMasterDriver(uvm_driver):
    """Performs one access at a time (address and data phases issued together)
    and publishes the completed access on ``ap``.

    Config: ``dut``, ``clk``, ``rst``, optional ``prefix`` (default ``s_axil``),
    ``timeout`` cycles per access (default 1000: a hung bus fails loudly),
    ``resp_delay`` N (default 0: ``bready``/``rready`` high from the start of the access): with
    N > 0 the response channel is back-pressured: ``bready``/``rready`` stay low until the
    response has waited 1 + a random 0..N cycles (one access in five 1 + 2N..4N, a long
    stall), drawn from the run's seed (``knobs.rng("axil_resp")``, or seed 1)."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.dut = ConfigDB().get(self, "", "dut")
        self.clk = ConfigDB().get(self, "", "clk")
        self.rst = ConfigDB().get(self, "", "rst")
        p = cfg_get(self, "prefix", "s_axil")
        self.timeout = cfg_get(self, "timeout", 1000)
        self.s = {n: getattr(self.dut, f"{p}_{n}") for n in (
            "awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp", "bvalid",
            "bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid", "rready")}
        self.prot = [getattr(self.dut, f"{p}_{n}") for n in ("awprot", "arprot") if hasattr(self.dut, f"{p}_{n}")]
        self.resp_delay = int(cfg_get(self, "resp_delay", 0))
        if self.resp_delay < 0:
            raise ValueError(f"resp_delay must be >= 0 cycles, got {self.resp_delay}")
        knobs = cfg_get(self, "knobs", None)
        self.delay_rng = knobs.rng("axil_resp") if knobs is not None else random.Random(1)
        self.resp_stall_cycles = 0      # cycles a valid response waited for our ready

    def report_phase(self):
        if self.resp_delay:
            self.logger.info(f"AXI4-Lite response back-pressure: resp_delay {self.resp_delay}, "
                             f"{self.resp_stall_cycles} cycles a valid response waited for ready")

    def _draw_delay(self) -> int:
        n = self.resp_delay
        if n == 0:
            return 0
        if self.delay_rng.random() < 0.2:
            return self.delay_rng.randint(2 * n, 4 * n)
        return self.delay_rng.randint(0, n)

    def start_of_simulation_phase(self):
        for n in ("awvalid", "wvalid", "bready", "arvalid", "rready"):
            self.s[n].value = 0
        for h in self.prot:
            h.value = 0

    async def run_phase(self):
        while True:
            item = await self.seq_item_port.get_next_item()
            await (self._write(item) if item.write else self._read(item))
            if item.resp is not None:       # None: abandoned by a reset
                self.ap.write(AxilAccess(int(item.write), item.addr, item.data if item.write else item.rdata,
                                         item.strb if item.write else 0, item.resp))
            self.seq_item_port.item_done()

    async def _abandon(self):
        """Reset seen: drop the access, release the bus, wait for the end of the reset."""
        for n in ("awvalid", "wvalid", "bready", "arvalid", "rready"):
            self.s[n].value = 0
        while _bit(self.rst):
            await RisingEdge(self.clk)

    async def _write(self, item):
        s = self.s
        s["awaddr"].value, s["wdata"].value, s["wstrb"].value = item.addr, item.data, item.strb
        wait = self._draw_delay()
        ready = 1 if self.resp_delay == 0 else 0
        s["awvalid"].value, s["wvalid"].value, s["bready"].value = 1, 1, ready
        aw_done = w_done = False
        item.resp = None
        for _ in range(self.timeout + 4 * self.resp_delay):
            await FallingEdge(self.clk)
            if _bit(self.rst):
                await RisingEdge(self.clk)
                await self._abandon()
                return
            aw_hs = not aw_done and _bit(s["awready"])
            w_hs = not w_done and _bit(s["wready"])
            b_hs = _bit(s["bvalid"]) and ready
            resp = s["bresp"].value.to_unsigned() if b_hs else None
            if _bit(s["bvalid"]) and not ready:
                self.resp_stall_cycles += 1
                wait -= 1
            await RisingEdge(self.clk)
            if not ready and wait < 0:
                ready = 1
                s["bready"].value = 1
            if aw_hs:
                aw_done = True
                s["awvalid"].value = 0
            if w_hs:
                w_done = True
                s["wvalid"].value = 0
            if b_hs:
                s["bready"].value = 0
                item.resp = resp
                return
        raise AssertionError(f"AXI4-Lite: write to 0x{item.addr:x} got no response within {self.timeout} cycles")

    async def _read(self, item):
        s = self.s
        s["araddr"].value = item.addr
        wait = self._draw_delay()
        ready = 1 if self.resp_delay == 0 else 0
        s["arvalid"].value, s["rready"].value = 1, ready
        ar_done = False
        item.resp = None
        for _ in range(self.timeout + 4 * self.resp_delay):
            await FallingEdge(self.clk)
            if _bit(self.rst):
                await RisingEdge(self.clk)
                await self._abandon()
                return
            ar_hs = not ar_done and _bit(s["arready"])
            r_hs = _bit(s["rvalid"]) and ready
            data = s["rdata"].value.to_unsigned() if r_hs else None
            resp = s["rresp"].value.to_unsigned() if r_hs else None
            if _bit(s["rvalid"]) and not ready:
                self.resp_stall_cycles += 1
                wait -= 1
            await RisingEdge(self.clk)
            if not ready and wait < 0:
                ready = 1
                s["rready"].value = 1
            if ar_hs:
                ar_done = True
                s["arvalid"].value = 0
            if r_hs:
                s["rready"].value = 0
                item.rdata, item.resp = data, resp
                return
        raise AssertionError(f"AXI4-Lite: read of 0x{item.addr:x} got no response within {self.timeout} cycles")


class AxilProtocolError(AssertionError):
    """The slave (or master) broke an AXI4-Lite handshake rule; raised by :class:`AxilMonitor`."""


# channel -> (valid, ready, payload signals)
_CHANNELS = {
    "AW": ("awvalid", "awready", ("awaddr",)),
    "W": ("wvalid", "wready", ("wdata", "wstrb")),
    "AR": ("arvalid", "arready", ("araddr",)),
    "B": ("bvalid", "bready", ("bresp",)),
    "R": ("rvalid", "rready", ("rdata", "rresp")),
}


def axil_signals(dut, prefix: str) -> dict:
    """The AXI4-Lite handles of port ``prefix`` (``s_axil``, ``s2_axil``, ...) by short name."""
    return {n: getattr(dut, f"{prefix}_{n}") for n in (
        "awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp", "bvalid",
        "bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid", "rready")}


def axil_snapshot(s: dict) -> dict:
    """channel -> (valid, ready, payload or None while not valid), sampled now."""
    snap = {}
    for ch, (v, r, pay) in _CHANNELS.items():
        snap[ch] = (_bit(s[v]), _bit(s[r]), tuple(s[n].value.to_unsigned() if _bit(s[v]) else None
                                                  for n in pay))
    return snap


def axil_check(prev: dict, now: dict, cycle: int, writes_waiting: int, reads_waiting: int, port: str = "s_axil"):
    """The protocol rules between two consecutive cycles' snapshots (AxilProtocolError naming the
    rule): a valid that was high without its ready is still high with the same payload; a B (R)
    response only while an accepted write (read) waits for one."""
    for ch, (pv, pr, ppay) in prev.items():
        nv, _, npay = now[ch]
        if pv and not pr:
            if not nv:
                raise AxilProtocolError(f"AXI4-Lite {port} {ch}: {_CHANNELS[ch][0]} fell at cycle {cycle} "
                                        f"without a handshake (payload {ppay})")
            if npay != ppay:
                raise AxilProtocolError(f"AXI4-Lite {port} {ch}: payload changed while stalled at cycle "
                                        f"{cycle}: {ppay} -> {npay}")
    if now["B"][0] and not writes_waiting:
        raise AxilProtocolError(f"AXI4-Lite {port} B: bvalid at cycle {cycle} with no accepted write "
                                f"waiting for a response (resp {now['B'][2]}): a stale or unrequested response")
    if now["R"][0] and not reads_waiting:
        raise AxilProtocolError(f"AXI4-Lite {port} R: rvalid at cycle {cycle} with no accepted read "
                                f"waiting for a response (data/resp {now['R'][2]}): a stale or unrequested response")


class AxilProtocolWatch:
    """The AxilMonitor's protocol checker without pyuvm, for plain cocotb tests: ``await
    watch.run()`` (start it with cocotb.start_soon) samples port ``prefix`` at every falling edge
    of ``clk`` (nothing while ``rst`` is high), raises AxilProtocolError on a broken rule and
    counts the accesses (``writes``, ``reads``) and the cycles a response waited for its ready
    (``resp_stall_cycles``)."""

    def __init__(self, dut, prefix: str, clk, rst):
        self.s, self.port, self.clk, self.rst = axil_signals(dut, prefix), prefix, clk, rst
        self.writes = self.reads = self.resp_stall_cycles = 0
        self.cycle = 0

    async def run(self):
        s = self.s
        aw = w = wr = rd = 0
        prev = None
        while True:
            await FallingEdge(self.clk)
            self.cycle += 1
            if _bit(self.rst):
                aw = w = wr = rd = 0
                prev = None
                continue
            now = axil_snapshot(s)
            if prev is not None:
                axil_check(prev, now, self.cycle, wr, rd, self.port)
            prev = now
            for ch in ("B", "R"):
                if now[ch][0] and not now[ch][1]:
                    self.resp_stall_cycles += 1
            if now["B"][0] and now["B"][1] and wr:
                wr -= 1
                self.writes += 1
            if now["R"][0] and now["R"][1] and rd:
                rd -= 1
                self.reads += 1
            aw += now["AW"][0] and now["AW"][1]
            w += now["W"][0] and now["W"][1]
            while aw and w:
                aw, w, wr = aw - 1, w - 1, wr + 1
            rd += now["AR"][0] and now["AR"][1]


class AxilMonitor(uvm_monitor):
    """Passive AXI4-Lite monitor (any master, AW and W in either order, one
    outstanding access per channel or more: responses are matched in order).

    Publishes on ``ap`` every completed access (:class:`AxilAccess`, with its
    response and, for reads, the read data) and on ``req_ap`` every access in
    the cycle the slave executes it (``resp`` None; for reads ``data`` 0).  Config: ``dut``, ``clk``,
    ``rst``, optional ``prefix`` (default ``s_axil``).

    Protocol checker (raises :class:`AxilProtocolError` naming the rule, channel, cycle and
    values): on every channel a valid that was high without its ready stays high, with the same
    payload, until the handshake; a B (R) response is valid only while an accepted write (read)
    is waiting for it, so there is no response without a request, no second response to one
    access, and the response valid falls after its handshake unless another access was
    accepted.  Nothing is checked while ``rst`` is high."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.req_ap = uvm_analysis_port("req_ap", self)
        self.dut = ConfigDB().get(self, "", "dut")
        self.clk = ConfigDB().get(self, "", "clk")
        self.rst = ConfigDB().get(self, "", "rst")
        p = cfg_get(self, "prefix", "s_axil")
        self.port = p
        self.s = axil_signals(self.dut, p)
        self.accesses = 0
        self.stall_cycles = 0           # cycles with a valid and no ready on AW, W or AR
        self.resp_stall_cycles = 0      # cycles with a response valid and its ready low (B, R)

    def _snapshot(self):
        return axil_snapshot(self.s)

    def _check(self, prev, now, cycle, wr, rd):
        axil_check(prev, now, cycle, len(wr), len(rd), self.port)

    async def run_phase(self):
        s = self.s
        aw, w, wr, rd = [], [], [], []  # pending AW, W, executed writes awaiting B, reads awaiting R
        cycle = 0
        prev = None
        while True:
            await FallingEdge(self.clk)
            cycle += 1
            if _bit(self.rst):
                aw.clear(), w.clear(), wr.clear(), rd.clear()
                prev = None
                continue
            now = self._snapshot()
            if prev is not None:
                self._check(prev, now, cycle, wr, rd)
            prev = now
            for ch in ("B", "R"):
                if now[ch][0] and not now[ch][1]:
                    self.resp_stall_cycles += 1
            # responses first: a response in this cycle belongs to an earlier request
            if _bit(s["bvalid"]) and _bit(s["bready"]) and wr:
                a = wr.pop(0)
                self._publish(AxilAccess(1, a[0], a[1], a[2], s["bresp"].value.to_unsigned(), a[3]))
            if _bit(s["rvalid"]) and _bit(s["rready"]) and rd:
                addr, c = rd.pop(0)
                self._publish(AxilAccess(0, addr, s["rdata"].value.to_unsigned(), 0,
                                         s["rresp"].value.to_unsigned(), c))
            for v, r in (("awvalid", "awready"), ("wvalid", "wready"), ("arvalid", "arready")):
                if _bit(s[v]) and not _bit(s[r]):
                    self.stall_cycles += 1
            if _bit(s["awvalid"]) and _bit(s["awready"]):
                aw.append(s["awaddr"].value.to_unsigned())
            if _bit(s["wvalid"]) and _bit(s["wready"]):
                w.append((s["wdata"].value.to_unsigned(), s["wstrb"].value.to_unsigned()))
            while aw and w:
                addr, (data, strb) = aw.pop(0), w.pop(0)
                wr.append((addr, data, strb, cycle))
                self.req_ap.write(AxilAccess(1, addr, data, strb, None, cycle))
            if _bit(s["arvalid"]) and _bit(s["arready"]):
                addr = s["araddr"].value.to_unsigned()
                rd.append((addr, cycle))
                self.req_ap.write(AxilAccess(0, addr, 0, 0, None, cycle))

    def _publish(self, acc):
        self.accesses += 1
        self.ap.write(acc)


class AxilListSeq(uvm_sequence):
    """Runs the given :class:`AxilItem` list in order; the items carry the
    responses afterwards."""

    def __init__(self, name="axil_seq", items=None):
        super().__init__(name)
        self.items = list(items or [])

    async def body(self):
        for item in self.items:
            await self.start_item(item)
            await self.finish_item(item)
