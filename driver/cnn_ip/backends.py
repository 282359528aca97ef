# SPDX-License-Identifier: Apache-2.0
"""Bus back ends of the CNN IP driver: the simulated RTL (cocotb) and a Zynq board (pynq).

Both are thin adapters to ``read32(addr)`` / ``write32(addr, data)``; neither imports its
framework before it is constructed, so the driver imports anywhere.

CocotbBus
    The driver is blocking code; a cocotb test runs it in a thread with
    ``cocotb.task.bridge`` and the bus methods come back into the simulator with
    ``cocotb.task.resume`` (cocotb 2.1's public names; cocotb/_bridge.py)::

        from cocotb.task import bridge
        bus = CocotbBus.from_sequencer(env.axil_seqr)      # the repository's AXI4-Lite agent
        ip = await bridge(CnnIp)(bus)
        outs = await bridge(ip.run_network)(net, beat)

    ``CocotbBus(access)`` takes any coroutine function ``access(write, addr, data) -> (resp,
    rdata)``; ``from_sequencer`` builds one that runs an ``AxilListSeq`` of one ``AxilItem``
    (verif/common/axil.py) on the given sequencer, so every access is seen by the agent's
    monitor and scoreboard.

PynqBus
    ``pynq.MMIO`` over the IP's address range (1 MiB: 20 address bits).  A SLVERR or DECERR on a
    Zynq's general-purpose port is a bus fault of the CPU, not a return value, so PynqBus cannot
    raise BusError; the driver never issues an access the IP refuses except START (which is
    reported in STATUS, not on the bus).
"""

from __future__ import annotations

from driver.cnn_ip.driver import BusError

IP_SPAN = 1 << 20      # bytes of the IP's address space


class CocotbBus:
    """read32/write32 from a blocking thread started with ``cocotb.task.bridge``."""

    def __init__(self, access):
        try:
            from cocotb.task import resume
        except ImportError as e:                       # pragma: no cover - cocotb is pinned
            raise ImportError("CocotbBus needs cocotb >= 2.0 (cocotb.task.resume)") from e
        if not callable(access):
            raise TypeError(f"access must be a coroutine function (write, addr, data) -> (resp, rdata), "
                            f"got {type(access).__name__}")
        self._access = access
        self._blocking = resume(self._call)
        self.accesses = 0

    async def _call(self, write: bool, addr: int, data: int):
        return await self._access(write, addr, data)

    def _do(self, write: bool, addr: int, data: int) -> int:
        self.accesses += 1
        resp, rdata = self._blocking(write, int(addr), int(data))
        if resp != 0:
            raise BusError(write, addr, resp)
        return 0 if write else int(rdata)

    def read32(self, addr: int) -> int:
        return self._do(False, addr, 0)

    def write32(self, addr: int, data: int) -> None:
        self._do(True, addr, data)

    @classmethod
    def from_sequencer(cls, seqr) -> "CocotbBus":
        """A CocotbBus whose accesses are AxilItems run on the pyuvm sequencer ``seqr`` of the
        repository's AXI4-Lite master agent (verif/common/axil.py)."""
        from verif.common.axil import AxilItem, AxilListSeq

        async def access(write, addr, data):
            item = AxilItem("cnn_ip", write=write, addr=addr, data=data)
            await AxilListSeq("cnn_ip_seq", [item]).start(seqr)
            if item.resp is None:
                raise RuntimeError(f"AXI4-Lite access at 0x{addr:05x} abandoned by a reset")
            return item.resp, (0 if write else item.rdata)

        return cls(access)


class PynqBus:
    """read32/write32 through ``pynq.MMIO(base_addr, span)`` (or a given MMIO-like object
    with ``read(offset)`` and ``write(offset, value)``)."""

    def __init__(self, base_addr: int, span: int = IP_SPAN, mmio=None):
        if mmio is None:
            try:
                from pynq import MMIO
            except ImportError as e:
                raise ImportError("PynqBus needs the pynq package, present on a PYNQ board image "
                                  "(pip install pynq there); in simulation use CocotbBus, on a PC "
                                  "MemoryBus") from e
            mmio = MMIO(int(base_addr), int(span))
        self.mmio = mmio
        self.span = int(span)

    def _check(self, addr: int) -> int:
        addr = int(addr)
        if not 0 <= addr < self.span or addr & 3:
            raise ValueError(f"address 0x{addr:x} is not a word offset inside the IP's 0x{self.span:x} bytes")
        return addr

    def read32(self, addr: int) -> int:
        return int(self.mmio.read(self._check(addr))) & 0xFFFFFFFF

    def write32(self, addr: int, data: int) -> None:
        self.mmio.write(self._check(addr), int(data) & 0xFFFFFFFF)
