# SPDX-License-Identifier: Apache-2.0
"""Valid/ready stream agent: source driver, ready (back-pressure) driver, monitor.

Signals are found by prefix (``s_axis`` -> ``s_axis_tdata``, ``_tvalid``,
``_tready``, ``_tlast``, ``_tuser``); optional ones may be absent.  See
clocking.py for the timing convention (write after the rising edge, sample at
the falling edge).
"""

from __future__ import annotations

from dataclasses import dataclass

from cocotb.triggers import FallingEdge, RisingEdge
from pyuvm import ConfigDB, uvm_analysis_port, uvm_component, uvm_driver, uvm_monitor, uvm_sequence_item


def _sig(dut, prefix, name, required=True):
    full = f"{prefix}_{name}"
    if hasattr(dut, full):
        return getattr(dut, full)
    if required:
        raise AttributeError(f"DUT has no signal {full}")
    return None


_REQUIRED = object()


def cfg_get(comp, key, default=_REQUIRED):
    """ConfigDB look-up for a component, with an optional default."""
    try:
        return ConfigDB().get(comp, "", key)
    except Exception:  # noqa: BLE001 - pyuvm raises its own not-found error
        if default is _REQUIRED:
            raise
        return default


def _uint(handle) -> int:
    """Unsigned value of a 1-bit (``Logic``, which has no ``to_unsigned`` in
    cocotb 2) or wider (``LogicArray``) signal."""
    v = handle.value
    return v.to_unsigned() if hasattr(v, "to_unsigned") else int(v)


def _bit(handle) -> int:
    """1-bit value as int; X/Z count as 0 (only ever read outside reset)."""
    v = handle.value
    try:
        return int(v)
    except ValueError:
        return 0


async def insert_idle(clk, valid, rng, idle_pct: int) -> int:
    """Before a transfer: valid low for a random number of cycles (each with probability
    idle_pct %); returns the cycles inserted."""
    n = 0
    while idle_pct and rng.randrange(100) < idle_pct:
        valid.value = 0
        n += 1
        await RisingEdge(clk)
    return n


async def offer(clk, rst, valid, ready) -> tuple[bool, int]:
    """Hold a transfer (data and valid already driven) until the handshake or a reset.
    Samples at the falling edge, returns just after the rising edge that completes it.
    Returns (accepted, cycles waited); on a reset valid is dropped and the call returns
    (False, ..) once the reset is released."""
    waits = 0
    while True:
        await FallingEdge(clk)
        in_reset = _bit(rst)
        accepted = _bit(ready) and not in_reset
        await RisingEdge(clk)
        if in_reset:
            valid.value = 0
            while _bit(rst):
                await RisingEdge(clk)
            return False, waits
        if accepted:
            return True, waits
        waits += 1


class StreamProtocolError(AssertionError):
    """A valid/ready stream broke the handshake rules (raised by :class:`StreamMonitor` and
    :class:`StreamRuleWatch`): tvalid fell before its tready, or the payload changed while
    stalled."""


def _raw(handle):
    """A signal's value for comparison (an int, or its string when it holds X/Z)."""
    v = handle.value
    try:
        return v.to_unsigned() if hasattr(v, "to_unsigned") else int(v)
    except ValueError:
        return str(v)


class StreamRules:
    """The stream handshake rules, one cycle at a time: once valid is high without ready, the
    next cycle must still have valid high and the same payload (data, last, user); nothing is
    checked across a reset.  ``step(valid, ready, payload, cycle)`` raises StreamProtocolError."""

    def __init__(self, name: str):
        self.name = name
        self.prev = None                # (payload) of a stalled cycle, else None
        self.stalls_checked = 0

    def reset(self):
        self.prev = None

    def step(self, valid: int, ready: int, payload, cycle: int):
        if self.prev is not None:
            if not valid:
                raise StreamProtocolError(f"stream {self.name}: valid fell at cycle {cycle} without a handshake "
                                          f"(payload {self._short(self.prev)})")
            if payload() != self.prev:
                raise StreamProtocolError(f"stream {self.name}: payload changed while stalled at cycle {cycle}: "
                                          f"{self._short(self.prev)} -> {self._short(payload())}")
            self.stalls_checked += 1
        self.prev = payload() if (valid and not ready) else None

    @staticmethod
    def _short(p):
        t = tuple(f"0x{x:x}" if isinstance(x, int) else x for x in p)
        return tuple(x if len(x) <= 24 else x[:10] + "..." + x[-8:] for x in t)


class StreamRuleWatch:
    """The rules of :class:`StreamRules` on one stream, without pyuvm (plain cocotb tests):
    ``cocotb.start_soon(StreamRuleWatch(dut, "m_dec", dut.clk, dut.rst).run())`` samples at every
    falling edge of clk; ``data`` names the payload signals (default the stream's tdata, tlast and
    tuser that exist; for non-AXI names give them, and ``valid``/``ready``)."""

    def __init__(self, dut, prefix, clk, rst, valid=None, ready=None, data=None):
        self.clk, self.rst = clk, rst
        self.valid = getattr(dut, valid or f"{prefix}_tvalid")
        self.ready = getattr(dut, ready or f"{prefix}_tready")
        names = data if data is not None else [n for n in (f"{prefix}_tdata", f"{prefix}_tlast", f"{prefix}_tuser")
                                               if hasattr(dut, n)]
        self.payload = [getattr(dut, n) for n in names]
        self.rules = StreamRules(prefix)
        self.transfers = 0

    async def run(self):
        cycle = 0
        while True:
            await FallingEdge(self.clk)
            cycle += 1
            if _bit(self.rst):
                self.rules.reset()
                continue
            v, r = _bit(self.valid), _bit(self.ready)
            self.rules.step(v, r, lambda: tuple(_raw(h) for h in self.payload), cycle)
            self.transfers += v and r


@dataclass(frozen=True)
class StreamWord:
    """One transfer seen on a stream (what monitors publish)."""

    data: int
    last: int = 0
    user: int = 0
    extras: tuple = ()      # (name, value) pairs of side signals sampled with it
    cycle: int = 0          # falling-edge count when seen (not compared)

    def key(self):
        return (self.data, self.last, self.user, self.extras)


class StreamItem(uvm_sequence_item):
    """A frame to send: a list of (data, last) words, side-band values the
    driver writes before the first word (``side``: signal name -> value, e.g.
    configuration ports that the DUT samples with the frame) and free-form
    metadata for coverage and messages."""

    def __init__(self, name="stream_item", words=None, meta=None, side=None):
        super().__init__(name)
        self.words: list[tuple[int, int]] = list(words or [])
        self.meta: dict = dict(meta or {})
        self.side: dict = dict(side or {})

    def __str__(self):
        return f"{self.get_name()} {len(self.words)} words {self.meta}"


class StreamSourceDriver(uvm_driver):
    """Drives frames from the sequencer onto a sink interface of the DUT.

    Config (ConfigDB, key under this component): ``dut``, ``prefix``, ``clk``,
    ``rst``, ``idle_pct`` and ``rng`` (random.Random).  Idle insertion: before
    each word, with probability idle_pct %, tvalid stays low for a cycle.  If
    reset is asserted, the rest of the current frame is abandoned.  Every item
    is published on ``ap`` once it has been sent (for coverage of what was
    offered; the golden model is fed by the monitor, not from here).
    """

    def build_phase(self):
        cdb = ConfigDB()
        self.dut = cdb.get(self, "", "dut")
        self.prefix = cdb.get(self, "", "prefix")
        self.clk = cdb.get(self, "", "clk")
        self.rst = cdb.get(self, "", "rst")
        self.idle_pct = cdb.get(self, "", "idle_pct")
        self.rng = cdb.get(self, "", "rng")
        self.ap = uvm_analysis_port("ap", self)
        self.tdata = _sig(self.dut, self.prefix, "tdata")
        self.tvalid = _sig(self.dut, self.prefix, "tvalid")
        self.tready = _sig(self.dut, self.prefix, "tready")
        self.tlast = _sig(self.dut, self.prefix, "tlast", required=False)
        self.width = len(self.tdata)
        self.words_sent = 0
        self.idle_cycles = 0
        self.frames_abandoned = 0

    def start_of_simulation_phase(self):
        self.tvalid.value = 0

    async def run_phase(self):
        while True:
            item = await self.seq_item_port.get_next_item()
            await self._send(item)
            self.ap.write(item)
            self.seq_item_port.item_done()

    def word_side(self, item: StreamItem, k: int):
        """Hook: drive per-word side-band signals for word ``k`` of ``item``
        (called right before the word is presented; nothing by default)."""

    async def _send(self, item: StreamItem):
        mask = (1 << self.width) - 1
        for name, value in item.side.items():
            getattr(self.dut, name).value = value
        for k, (data, last) in enumerate(item.words):
            self.idle_cycles += await insert_idle(self.clk, self.tvalid, self.rng, self.idle_pct)
            self.tdata.value = int(data) & mask
            if self.tlast is not None:
                self.tlast.value = int(last)
            self.word_side(item, k)
            self.tvalid.value = 1
            accepted, _ = await offer(self.clk, self.rst, self.tvalid, self.tready)
            if not accepted:
                self.frames_abandoned += 1
                return
            self.words_sent += 1
        self.tvalid.value = 0


class ReadyDriver(uvm_component):
    """Drives a source interface's tready: low with probability bp_pct % per cycle.

    Config: ``dut``, ``prefix``, ``clk``, ``bp_pct``, ``rng``; the signal name
    may be overridden with ``ready_name`` (e.g. ``m_beat_ready``).
    """

    def build_phase(self):
        cdb = ConfigDB()
        self.dut = cdb.get(self, "", "dut")
        self.clk = cdb.get(self, "", "clk")
        self.bp_pct = cdb.get(self, "", "bp_pct")
        self.rng = cdb.get(self, "", "rng")
        name = cfg_get(self, "ready_name", None) or cfg_get(self, "prefix") + "_tready"
        self.tready = getattr(self.dut, name)
        self.low_cycles = 0
        self.paused = False

    def start_of_simulation_phase(self):
        self.tready.value = 1 if self.bp_pct == 0 else 0

    async def run_phase(self):
        while True:
            low = self.paused or (self.bp_pct and self.rng.randrange(100) < self.bp_pct)
            self.tready.value = 0 if low else 1
            self.low_cycles += bool(low)
            await RisingEdge(self.clk)


class StreamMonitor(uvm_monitor):
    """Publishes every transfer (tvalid && tready, outside reset) as a StreamWord.

    Config: ``dut``, ``prefix``, ``clk``, ``rst``, optional ``valid_name`` /
    ``ready_name`` / ``data_name`` overrides (for non-AXI names such as the
    encoder's beat register), optional ``extras`` (list of signal names sampled
    with each transfer), ``signed`` (interpret data as two's complement).
    Also counts stall cycles (valid && !ready) for coverage, and calls
    ``reset_listeners`` once per reset assertion.

    Handshake checker (on unless ``check_protocol`` is False): once tvalid is high without
    tready, it stays high with the same tdata / tlast / tuser (and, for an output stream, prefix
    ``m_*``, or with ``payload_extras`` True, the extras) until the handshake; a violation raises
    :class:`StreamProtocolError` naming the stream and the cycle (nothing across a reset).
    """

    def build_phase(self):
        cdb = ConfigDB()
        self.ap = uvm_analysis_port("ap", self)
        self.dut = cdb.get(self, "", "dut")
        self.clk = cdb.get(self, "", "clk")
        self.rst = cdb.get(self, "", "rst")
        prefix = cdb.get(self, "", "prefix")

        def opt(key, default):
            return cfg_get(self, key, default)

        d = self.dut
        self.tdata = getattr(d, opt("data_name", f"{prefix}_tdata"))
        self.tvalid = getattr(d, opt("valid_name", f"{prefix}_tvalid"))
        self.tready = getattr(d, opt("ready_name", f"{prefix}_tready"))
        self.tlast = _sig(d, prefix, "tlast", required=False)
        self.tuser = _sig(d, prefix, "tuser", required=False)
        self.extras = [(n, getattr(d, n)) for n in opt("extras", [])]
        self.signed = opt("signed", False)
        self.rules = StreamRules(prefix) if opt("check_protocol", True) else None
        # the payload held while stalled: data, last, user, and the extras of an output stream
        # (prefix m_*: e.g. m_dec's tag and membranes); an input's extras are configuration
        # ports that the tests may change at any time
        stable_extras = opt("payload_extras", prefix.startswith("m_"))
        self._pay = [h for h in (self.tdata, self.tlast, self.tuser) if h is not None] + \
            ([h for _, h in self.extras] if stable_extras else [])
        self.reset_listeners: list = []
        self.transfers = 0
        self.stall_cycles = 0
        self.resets_seen = 0

    async def run_phase(self):
        cycle = 0
        was_reset = False
        while True:
            await FallingEdge(self.clk)
            cycle += 1
            if _bit(self.rst):
                if not was_reset:
                    self.resets_seen += 1
                    for fn in self.reset_listeners:
                        fn()
                was_reset = True
                if self.rules is not None:
                    self.rules.reset()
                continue
            was_reset = False
            if self.rules is not None:
                self.rules.step(_bit(self.tvalid), _bit(self.tready),
                                lambda: tuple(_raw(h) for h in self._pay), cycle)
            if not _bit(self.tvalid):
                continue
            if not _bit(self.tready):
                self.stall_cycles += 1
                continue
            data = self.tdata.value.to_signed() if self.signed else _uint(self.tdata)
            self.transfers += 1
            self.ap.write(StreamWord(
                data=data,
                last=_bit(self.tlast) if self.tlast is not None else 0,
                user=_uint(self.tuser) if self.tuser is not None else 0,
                extras=tuple((n, _uint(h)) for n, h in self.extras),
                cycle=cycle))
