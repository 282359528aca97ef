# SPDX-License-Identifier: Apache-2.0
"""Register model of rtl/snn_if/if_axil_regs.v, the AXI4-Lite slave shared by the engines.

``if_axil_regs`` is instantiated by the IF engine (ID "IFE1", 4 banks of weight memory) and
by the e-prop engine (ID "EPR1", bank 0 the weight image, banks 1..3 the accumulator slices).
Its address map, error responses, memory window (MEM_ADDR, MEM_WDATA0..3, MEM_RDATA0..3, the
auto-increment and the bank wrap) and statistics registers are the same in both, so the
predictors of both testbenches take them from :class:`AxilRegsModel`; an engine keeps only
what the module gets from it or drives into it, as hook methods:

=================  ==========================================================================
``busy``           the ``busy`` input in a cycle (a beat in flight)
``info_value``     the ``info`` input (INFO register)
``write_ctrl``     what a CTRL write does (the ``ctrl_mode`` / ``ctrl_bank`` outputs)
``ctrl_value``     CTRL as read back
``commit_word``    what a committed word (MEM_WDATA3) does in the engine's memories
``fetch_word``     the word MEM_RDATA0 fetches (``mem_rdata``), or a list of candidates
``resolve_word``   a candidate word whose value the read data has told
``mem_kind``       the name of a bank in the coverage bins (default "mem")
``dec_valid_at``   the ``dec_valid`` input (STATUS.DEC_VALID)
``status_hi_at``   the ``status_hi`` input (STATUS[31:16]; default 0, the IF engine's)
=================  ==========================================================================

The statistics registers (BEATS_DONE, CYCLES_LAST, EVENTS_LAST, SAT_LAST, SAT_TOTAL) read the
engine's counters, which both engines update the same way when a decision is taken (the
``m_dec`` handshake), visible from the next cycle; the model keeps their history
(:meth:`count_beat`, :meth:`clear_stats` for CMD.CLR_STATS, :meth:`stats_at`).

The predictor forwards the AXI4-Lite monitor's ``req_ap`` to :meth:`on_axil_req` (the access
is applied in its execution cycle, before anything later) and its ``ap`` to
:meth:`on_axil_done`; every write response is expected at the request, every read at its
completion (STATUS and statistics are sampled in the cycle after the AR handshake).  Each
access samples one bin of the coverpoint ``axil``: "decerr_wr", "slverr_ro",
"slverr_busy_wr", "slverr_strb", "slverr_word", "ok_wr", "ok_clear", "ok_<kind>_wr",
"decerr_rd", "slverr_wo", "slverr_busy_rd", "ok_rd", "ok_<kind>_rd", "ok_<kind>_rd_cand"
(kind from ``mem_kind``: "ok_mem_wr", "ok_acc_rd", ...), and STATUS reads "status_busy" or
"status_idle".

Pure Python (no cocotb): a mixin for the predictor, a ``uvm_component`` that provides ``sb``
(an ExactScoreboard with the channels ``axil_wr`` and ``axil_rd``) and ``cov``.
"""

from __future__ import annotations

from dataclasses import dataclass

from verif.common.axil import DECERR, OKAY, SLVERR, AxilAccess, AxilItem

# ------------------------------------------------------------------------------------------
# The register map (docs/snn_if_rtl.md "Address map"; the R_* offsets of if_axil_regs.v)
# ------------------------------------------------------------------------------------------
REG = dict(ID=0x00, INFO=0x04, CTRL=0x08, CMD=0x0C, STATUS=0x10, BEATS=0x14, CYCLES=0x18,
           EVENTS=0x1C, SAT_LAST=0x20, SAT_TOTAL=0x24, MEM_ADDR=0x28,
           WDATA0=0x30, WDATA1=0x34, WDATA2=0x38, WDATA3=0x3C,
           RDATA0=0x40, RDATA1=0x44, RDATA2=0x48, RDATA3=0x4C)
REG_NAME = {v: k for k, v in REG.items()}
RW_REGS = {"CTRL", "CMD", "MEM_ADDR", "WDATA0", "WDATA1", "WDATA2", "WDATA3"}    # writable
WO_REGS = {"CMD", "WDATA0", "WDATA1", "WDATA2", "WDATA3"}                         # write-only
STAT_REGS = ("BEATS", "CYCLES", "EVENTS", "SAT_LAST", "SAT_TOTAL")
MEM_REGS = {"RDATA0", "RDATA1", "RDATA2", "RDATA3"}
BANKS = 4                          # MEM_ADDR.BANK is 2 bits; the module requires BANKS = 4
M32 = 0xFFFFFFFF


def reg_name(addr: int) -> str | None:
    """The register at byte address ``addr``; None when unmapped (DECERR).  Address bits
    [1:0] select bytes and are ignored; any bit from 7 up is outside the map."""
    if addr >> 7:
        return None
    return REG_NAME.get(addr & 0x7C)


def reg_addr(reg: str | int) -> int:
    """Byte address of a register name; a number is taken as the address itself."""
    return REG[reg] if isinstance(reg, str) else reg


def wr_item(reg: str | int, data: int, strb: int = 0xF) -> AxilItem:
    """A write of ``data`` to a register (name or raw byte address)."""
    return AxilItem("w", write=True, addr=reg_addr(reg), data=data, strb=strb)


def rd_item(reg: str | int) -> AxilItem:
    """A read of a register (name or raw byte address)."""
    return AxilItem("r", write=False, addr=reg_addr(reg))


def describe_access(item: AxilAccess) -> str:
    """One line for a scoreboard report: operation, address, register, data, response."""
    reg = REG_NAME.get(item.addr & 0x7C, "?") if not item.addr >> 7 else "unmapped"
    return (f"{'W' if item.write else 'R'} 0x{item.addr:02x} ({reg}) data=0x{item.data:08x} "
            f"strb={item.strb:x} resp={item.resp}")


@dataclass
class PendingRead:
    """A read accepted by the slave, waiting for its completion."""

    addr: int
    cycle: int                     # cycle of the AR handshake
    resp: int
    data: int | None               # None: known at completion (STATUS, statistics, candidates)
    reg: str = ""
    reason: str = ""               # the coverage bin
    cands: list | None = None      # candidate words: the read data tells which one the memory holds
    lane: int = 0                  # 32-bit lane of the word (MEM_RDATA0..3)
    bank: int = 0                  # MEM_ADDR of the fetch (MEM_RDATA0)
    word: int = 0


class AxilRegsModel:
    """Mixin of an engine's predictor: the registers of if_axil_regs.v, fed by the AXI4-Lite
    monitor.  The class attributes and hook methods are the engine's (see the module
    docstring); call :meth:`init_regs` once in build_phase and :meth:`reset_regs` on every
    reset."""

    ID_VALUE: int = 0              # parameter ID: the read-only ID register
    IMAGE_WORDS: int = 0           # parameter IMAGE_WORDS: words per bank (MEM_ADDR.WORD limit)

    sb = None                      # set by the environment
    cov = None

    # ------------------------------------------------------------------ state
    def init_regs(self) -> None:
        """The registers without a reset in the RTL (MEM_WDATA0..2, the fetched word)."""
        self.wstage = [0, 0, 0]
        self.rbuf: int | list = 0               # the word MEM_RDATA0 fetched (or its candidates)
        self.rbuf_at = (0, 0)                   # its (bank, word)

    def reset_regs(self) -> None:
        """What ``rst`` clears: MEM_ADDR, the reads in flight (the monitor drops them) and the
        engine's statistics counters."""
        self.word, self.mbank = 0, 0
        self.reads: list[PendingRead] = []
        self.stats_hist = [(0, (0, 0, 0, 0, 0))]  # (effective cycle, (beats, cycles, events, sat, sat total))

    # ------------------------------------------------------------------ engine hooks
    def busy(self, c: int) -> bool:
        """The ``busy`` input in cycle c."""
        raise NotImplementedError

    def info_value(self) -> int:
        """The ``info`` input: the INFO register."""
        raise NotImplementedError

    def write_ctrl(self, value: int, c: int) -> None:
        """A CTRL write executed in cycle c (effective from c + 1)."""
        raise NotImplementedError

    def ctrl_value(self, c: int) -> int:
        """CTRL as read by a read accepted in cycle c (sampled in c + 1)."""
        raise NotImplementedError

    def commit_word(self, bank: int, word: int, data: int) -> None:
        """The 128-bit word committed by MEM_WDATA3 at (bank, word) of the window."""
        raise NotImplementedError

    def fetch_word(self, bank: int, word: int) -> int | list:
        """The 128-bit word MEM_RDATA0 fetches at (bank, word), or a list of the words it may
        be (the read data decides, then :meth:`resolve_word`)."""
        raise NotImplementedError

    def resolve_word(self, bank: int, word: int, value: int) -> None:
        """All four lanes of a candidate word were read: ``value`` is what the memory holds."""
        raise NotImplementedError(f"word {bank}:{word} fetched as candidates, but the model cannot resolve them")

    def mem_kind(self, bank: int) -> str:
        """What the bank holds, for the coverage bins ``ok_<kind>_wr`` / ``ok_<kind>_rd``."""
        return "mem"

    def dec_valid_at(self, c: int, busy: bool, actual: int) -> int:
        """The ``dec_valid`` input in cycle c (``actual``: the STATUS value read)."""
        raise NotImplementedError

    def status_hi_at(self, c: int) -> int:
        """The ``status_hi`` input in cycle c (STATUS[31:16])."""
        return 0

    # ------------------------------------------------------------------ statistics
    def count_beat(self, c: int, cycles: int, events: int, sat: int) -> None:
        """A decision taken: the counters of that beat, visible from cycle c."""
        b, _, _, _, tot = self.stats_hist[-1][1]
        self.stats_hist.append((c, (b + 1, cycles, events, sat, tot + sat)))

    def clear_stats(self, c: int) -> None:
        """CMD.CLR_STATS: every counter 0 from cycle c."""
        self.stats_hist.append((c, (0, 0, 0, 0, 0)))

    def stats_at(self, c: int) -> tuple:
        for eff, st in reversed(self.stats_hist):
            if eff <= c:
                return st
        return self.stats_hist[0][1]

    # ------------------------------------------------------------------ accesses
    decode = staticmethod(reg_name)

    def _step_addr(self) -> None:
        """MEM_ADDR auto-increment: from the last word of a bank to word 0 of the next."""
        if self.word == self.IMAGE_WORDS - 1:
            self.word, self.mbank = 0, (self.mbank + 1) % BANKS
        else:
            self.word += 1

    def on_axil_req(self, a: AxilAccess) -> None:
        if a.write:
            resp, reason = self.predict_write(a)
            self.sb.expect("axil_wr", AxilAccess(1, a.addr, a.data, a.strb, resp))
        else:
            pr = self.predict_read_req(a)
            reason = pr.reason
            self.reads.append(pr)
        if self.cov is not None:
            self.cov.sample("axil", reason)

    def predict_write(self, a: AxilAccess) -> tuple[int, str]:
        """Response and coverage bin of a write; applies its effect (an erroneous write has none)."""
        reg = self.decode(a.addr)
        if reg is None:
            return DECERR, "decerr_wr"
        if reg not in RW_REGS:
            return SLVERR, "slverr_ro"
        if self.busy(a.cycle):
            return SLVERR, "slverr_busy_wr"
        if a.strb != 0xF:
            return SLVERR, "slverr_strb"
        d = a.data
        if reg == "CTRL":
            self.write_ctrl(d, a.cycle)
        elif reg == "CMD":
            if d & 1:
                self.clear_stats(a.cycle + 1)
                return OKAY, "ok_clear"
        elif reg == "MEM_ADDR":
            if (d & 0xFFFF) >= self.IMAGE_WORDS:
                return SLVERR, "slverr_word"
            self.word, self.mbank = d & 0xFFFF, (d >> 16) & 3
        elif reg == "WDATA3":
            reason = f"ok_{self.mem_kind(self.mbank)}_wr"
            self.commit_word(self.mbank, self.word,
                             self.wstage[0] | self.wstage[1] << 32 | self.wstage[2] << 64 | d << 96)
            self._step_addr()
            return OKAY, reason
        else:
            self.wstage[int(reg[-1])] = d
        return OKAY, "ok_wr"

    def predict_read_req(self, a: AxilAccess) -> PendingRead:
        """Response of a read; its data unless only known at completion."""
        reg = self.decode(a.addr)
        c = a.cycle
        if reg is None:
            return PendingRead(a.addr, c, DECERR, 0, "", "decerr_rd")
        if reg in WO_REGS:
            return PendingRead(a.addr, c, SLVERR, 0, reg, "slverr_wo")
        if reg in MEM_REGS:
            if self.busy(c):
                return PendingRead(a.addr, c, SLVERR, 0, reg, "slverr_busy_rd")
            return self._predict_mem_read(a.addr, c, reg)
        fixed = {"ID": self.ID_VALUE, "INFO": self.info_value(), "CTRL": self.ctrl_value(c),
                 "MEM_ADDR": self.word | self.mbank << 16}
        return PendingRead(a.addr, c, OKAY, fixed.get(reg), reg, "ok_rd")

    def _predict_mem_read(self, addr: int, c: int, reg: str) -> PendingRead:
        lane = int(reg[-1])
        reason = f"ok_{self.mem_kind(self.mbank)}_rd"
        if lane == 0:                           # MEM_RDATA0 fetches the word, keeps lanes 1..3
            self.rbuf, self.rbuf_at = self.fetch_word(self.mbank, self.word), (self.mbank, self.word)
        if lane == 3:
            self._step_addr()
        w = self.rbuf
        if isinstance(w, list):
            bank, word = self.rbuf_at
            return PendingRead(addr, c, OKAY, None, reg, reason + "_cand", cands=w, lane=lane, bank=bank,
                               word=word)
        return PendingRead(addr, c, OKAY, (w >> (32 * lane)) & M32, reg, reason)

    def on_axil_done(self, a: AxilAccess) -> None:
        if a.write or not self.reads:
            return                      # writes: expected at the request; unexpected reads: the scoreboard
        pr = self.reads.pop(0)
        if pr.cands is not None:
            data = self._candidate_lane(pr, a.data)
        elif pr.data is None:           # engine inputs, sampled in the cycle after the AR handshake
            data = self.sampled_value(pr.reg, pr.cycle + 1, a.data)
        else:
            data = pr.data
        self.sb.expect("axil_rd", AxilAccess(0, pr.addr, data, 0, pr.resp))

    def sampled_value(self, reg: str, c: int, actual: int) -> int:
        """STATUS or a statistics register in cycle c."""
        if reg == "STATUS":
            busy = self.busy(c)
            if self.cov is not None:
                self.cov.sample("axil", "status_busy" if busy else "status_idle")
            return int(busy) | self.dec_valid_at(c, busy, actual) << 1 | self.status_hi_at(c) << 16
        return self.stats_at(c)[STAT_REGS.index(reg)] & M32

    def _candidate_lane(self, pr: PendingRead, actual: int) -> int:
        """Expected data of a lane of a candidate word: the read data if a candidate has it
        (the others are dropped), else the first candidate's (a mismatch)."""
        vals = [(w >> (32 * pr.lane)) & M32 for w in pr.cands]
        if actual in vals:
            # in place: the list is the fetched word's (and the engine's mirror entry)
            pr.cands[:] = [w for w, v in zip(pr.cands, vals) if v == actual]
            data = actual
        else:
            data = vals[0]
        if pr.lane == 3:                # the whole word seen: resolved
            value = pr.cands[0]
            self.resolve_word(pr.bank, pr.word, value)
            if self.rbuf is pr.cands:
                self.rbuf = value
        return data
