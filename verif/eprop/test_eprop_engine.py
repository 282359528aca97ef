# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the e-prop engine (rtl/eprop/eprop_engine.v), TRACE_EN=1 build.

Stimulus: the trained e-prop images (golden/params/eprop/{intra,ds1}.hex) written over
AXI4-Lite into bank 0 of the memory window, real MIT-BIH beats (golden.data + golden.encoder +
golden.rr, rendered as the 511-bit {RR bits, slots} word by verif.common.eprop.beat_word) on
``s_beat`` with their N/S/V/F label and learn flag, back-pressure on ``m_dec``.

Model side: the predictor is fed only by monitors -- the beat input monitor (data, tag, learn,
label), the decision monitor (handshake times: "busy", statistics), the trace monitor (only to
know how far the weight application of a learning beat got when a reset cuts it) and the
AXI4-Lite monitor (every write updates a register model, a mirror of the weight image and a
mirror of the 400 accumulator words; the golden model runs on the params unpacked from the
mirror and on the accumulators rebuilt from it).  For every beat it calls
verif.common.eprop.expect_beat (golden.eprop.run_beat) and posts the expectations; the
scoreboard compares, exactly and in order,

* ``trc``     every trace record (kind, index, step, value): membranes/spikes/pseudo-
  derivatives, output membranes, presynaptic and readout traces of every step, in the
  learning window every error, learning signal and postsynaptic factor, every applied weight
  lane with its delta, the class/spike and cycle records of every beat;
* ``dec``     every decision (class, {y3..y0}, tag, learned flag);
* ``axil_wr`` / ``axil_rd``  the response of every AXI4-Lite access and the data of every read
  (register model, statistics history, STATUS, weight and accumulator mirrors).

A test fails if any comparison mismatches, an output nobody expected appears, an expected
item never appears, or a required channel compared nothing.

Tests: regression (inference, image written and fully read back), learning (CTRL.LEARN,
labelled/unlabelled beats, learn flag ignored with CTRL.LEARN=0, learn_mask 0b100 and 0b011,
accumulator writes, every weight and accumulator word read back), back-pressure, reset in the
middle of beats (step, trace dump, weight application, decision waiting), bad AXI accesses and
an expect_error test with a corrupted model (theta + 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from pyuvm import (ConfigDB, uvm_component, uvm_driver, uvm_env, uvm_factory, uvm_sequence,
                   uvm_sequence_item, uvm_sequencer, uvm_subscriber, uvm_test)

from golden import data as D
from golden import encoder as E
from golden import eprop as P
from golden import rr as RR
from verif.common import eprop as VE
from verif.common.axil import AxilAccess, AxilListSeq, AxilMasterDriver, AxilMonitor
from verif.common.axil_regs import (BANKS, M32, REG, RW_REGS, STAT_REGS, WO_REGS, AxilRegsModel,
                                    describe_access, rd_item, wr_item)
from verif.common.clocking import Knobs, reset, start_clock, wait_quiet
from verif.common.coverage import CoverageCollector, CoverageHoleError
from verif.common.fwd import Fwd
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.snn import int_to_slots
from verif.common.statemon import StateMonitor, StateSample
from verif.common.stream import ReadyDriver, StreamMonitor, StreamWord, _bit, insert_idle, offer

ICARUS = cocotb.SIM_NAME.lower().startswith("icarus")

# ------------------------------------------------------------------------------------------
# Register map: if_axil_regs (verif/common/axil_regs.py) with ID "EPR1", IMAGE_WORDS 403, 4 banks
# ------------------------------------------------------------------------------------------
WORDS = P.IMAGE_WORDS                        # 403
M128 = (1 << 128) - 1
M24 = (1 << 24) - 1
KIND_NAME = {VE.TRC_VMEM: "VMEM", VE.TRC_YMEM: "YMEM", VE.TRC_TRACE: "TRACE", VE.TRC_LSIG: "LSIG",
             VE.TRC_ERR: "ERR", VE.TRC_DW: "DW", VE.TRC_BEAT: "BEAT", VE.TRC_CYC: "CYCLES"}
DEC_EXTRAS = ["m_dec_y", "m_dec_tag", "m_dec_learned", "m_dec_cfg_err"]


def info_value(trace: int) -> int:
    return (trace << 28) | (16 << 20) | (BANKS << 16) | WORDS


def s24(v: int) -> int:
    v &= M24
    return v - (1 << 24) if v >> 23 else v


def acc_from_words(words) -> P.LearnAcc:
    """Inverse of verif.common.eprop.acc_words: 400 words of 16 x 24-bit lanes -> LearnAcc."""
    acc = P.LearnAcc.zeros()
    for a in range(P.ADDR_BOUT):
        w = int(words[a])
        if w == 0:
            continue
        lanes = [s24(w >> (24 * ln)) for ln in range(P.LANES)]
        if a < P.ADDR_WREC:
            i, q = divmod(a - P.ADDR_WIN, P.GROUPS)
            acc.a_in[q * 16:(q + 1) * 16, i] = lanes
        elif a < P.ADDR_WOUT:
            i, q = divmod(a - P.ADDR_WREC, P.GROUPS)
            acc.a_rec[q * 16:(q + 1) * 16, i] = lanes
        else:
            j0 = 4 * (a - P.ADDR_WOUT)
            for ln, v in enumerate(lanes):
                acc.a_out[ln % 4, j0 + ln // 4] = v
    return acc


# ------------------------------------------------------------------------------------------
# Stimulus: beats
# ------------------------------------------------------------------------------------------
class EpropBeatItem(uvm_sequence_item):
    """One beat: 500 slots + 11 RR bits, tag, learn flag and label."""

    def __init__(self, name="beat", slots=None, rr=None, tag=0, learn=0, label=0, meta=None):
        super().__init__(name)
        self.word = VE.beat_word(slots, rr)
        self.tag, self.learn, self.label = int(tag), int(learn), int(label)
        self.meta = dict(meta or {})

    def __str__(self):
        return f"{self.get_name()} tag={self.tag} learn={self.learn} label={self.label} {self.meta}"


class EpropBeatSeq(uvm_sequence):
    def __init__(self, name="beats", items=None):
        super().__init__(name)
        self.items = list(items or [])

    async def body(self):
        for it in self.items:
            await self.start_item(it)
            await self.finish_item(it)


class EpropBeatDriver(uvm_driver):
    """Drives s_beat_* (idle insertion before each beat); abandons the beat on reset."""

    def build_phase(self):
        cdb = ConfigDB()
        self.dut = cdb.get(self, "", "dut")
        self.clk = cdb.get(self, "", "clk")
        self.rst = cdb.get(self, "", "rst")
        self.idle_pct = cdb.get(self, "", "idle_pct")
        self.rng = cdb.get(self, "", "rng")
        self.ap = pyuvm.uvm_analysis_port("ap", self)
        self.sent = self.idle_cycles = self.abandoned = 0

    def start_of_simulation_phase(self):
        self.dut.s_beat_valid.value = 0

    async def run_phase(self):
        while True:
            item = await self.seq_item_port.get_next_item()
            await self._send(item)
            self.ap.write(item)
            self.seq_item_port.item_done()

    async def _send(self, item):
        d = self.dut
        self.idle_cycles += await insert_idle(self.clk, d.s_beat_valid, self.rng, self.idle_pct)
        d.s_beat_data.value = item.word
        d.s_beat_tag.value = item.tag
        d.s_beat_learn.value = item.learn
        d.s_beat_label.value = item.label
        d.s_beat_valid.value = 1
        accepted, _ = await offer(self.clk, self.rst, d.s_beat_valid, d.s_beat_ready)
        if not accepted:
            self.abandoned += 1
            return
        d.s_beat_valid.value = 0
        self.sent += 1


# ------------------------------------------------------------------------------------------
# Model side
# ------------------------------------------------------------------------------------------
@dataclass
class BeatRec:
    h: int                        # cycle of the s_beat handshake
    word: int
    tag: int
    learn: int                    # s_beat_learn
    label: int
    no: int                       # beats accepted since reset before this one
    cfg_mask: int = 0             # configuration errors read at its start (0: legal, run)
    o: int | None = None          # cycle of the m_dec handshake
    stats: tuple = ()             # (cycles, events, saturations)
    learned: bool = False
    n_step_recs: int = 0          # trace records before the DW records
    apply: list = field(default_factory=list)     # weight words the APPLY phase writes, in order
    new_w: list | None = None     # weight image after the beat (learning)
    new_a: list | None = None     # accumulator words after the beat (learning)
    expect: VE.BeatExpect | None = None
    x: np.ndarray | None = None   # network inputs [38, 32] the model ran on
    params: P.EpropParams | None = None   # the params it ran with
    acc_in: P.LearnAcc | None = None      # the accumulators a learning beat started from
    acc_residual: bool = False    # ... and whether they are the previous learning beat's residual


class EpropPredictor(AxilRegsModel, uvm_component):
    """Register model (if_axil_regs: bank 0 the weight image, banks 1..3 the accumulator
    slices) + weight/accumulator mirrors + golden model, fed by the monitors."""

    ID_VALUE = 0x45505231                        # "EPR1"
    IMAGE_WORDS = WORDS

    def build_phase(self):
        self.sb = None
        self.cov = None
        self.trace = 1
        self.mem: list = [None] * WORDS          # weight image; int, None (never written) or list (candidates)
        self.init_regs()
        self._p = None
        self._a = None
        self.cycle = 0
        self.predicted: list[BeatRec] = []
        self.trc_seen = 0
        self.dw_seen = 0
        self.apply_resets = 0
        self.cand_orig: dict = {}
        self.reset_model()

    def reset_model(self):
        self.reset_regs()
        self.ctrl_hist = [(0, 0)]                # (effective cycle, CTRL value)
        self.cfg_hist = [(0, 0)]                 # (effective cycle, STATUS[28:16]: last beat's cfg errors)
        self.amem = [0] * WORDS                  # accumulator words (valid bits cleared by rst)
        self._a = None
        self.acc_residual = False                # amem = the residual of the last learning beat
        self.beats: list[BeatRec] = []
        self.pending: list[BeatRec] = []
        self.beat_no = 0
        self.decv: dict[int, int] = {}           # cycle -> m_dec_valid
        self.trc_seen = 0
        self.dw_seen = 0

    def on_reset(self):
        self.sb.flush()
        inflight = [r for r in self.beats if r.o is None]
        if inflight and self.cov is not None:
            self.cov.sample("event", "reset_mid_beat")
        for r in inflight:
            if r.learned and r.new_w is not None and r.apply and self.trc_seen >= r.n_step_recs:
                # the weight application had possibly started: the words with a DW record are
                # written, the next one may have been written in the reset cycle
                n = min(len(r.apply), -(-self.dw_seen // P.LANES))
                for a in r.apply[:n]:
                    self.mem[a] = r.new_w[a]
                if n < len(r.apply):
                    a = r.apply[n]
                    old = self.mem[a]
                    self.mem[a] = [old, r.new_w[a]] if old != r.new_w[a] else old
                    self.cand_orig[a] = (old, r.new_w[a])
                self._p = None
                self.apply_resets += 1
                self.logger.info(f"reset after {self.trc_seen} trace records of a learning beat: "
                                 f"{n} of {len(r.apply)} weight words applied, word "
                                 f"{r.apply[n] if n < len(r.apply) else None} old or new")
                if self.cov is not None:
                    self.cov.sample("event", "reset_in_apply" if self.dw_seen else "reset_before_apply")
        self.reset_model()

    def ctrl_at(self, c: int) -> int:
        for eff, v in reversed(self.ctrl_hist):
            if eff <= c:
                return v
        return 0

    def busy(self, c: int) -> bool:
        return any(r.h < c and (r.o is None or r.o >= c) for r in self.beats)

    def params(self) -> P.EpropParams:
        if self._p is None:
            bad = [i for i, w in enumerate(self.mem) if not isinstance(w, int)]
            if bad:
                raise AssertionError(f"beat sent while weight words are unknown (never written or not "
                                     f"read back after a reset in the weight application): {bad[:8]}")
            self._p = P.unpack_image(self.mem, name="mirror")
        return self._p

    def cfg_mask(self) -> int:
        """The configuration-error mask the engine computes from the bias and CFG words."""
        ws = self.mem[P.ADDR_BOUT:P.ADDR_CFG1 + 1]
        if not all(isinstance(w, int) for w in ws):
            raise AssertionError("beat sent while the bias / CFG words are unknown")
        return P.cfg_errors(*ws)

    def acc(self) -> P.LearnAcc:
        if self._a is None:
            self._a = acc_from_words(self.amem)
        return self._a

    # ------------------------------------------------------------------ beats
    def on_beat(self, w: StreamWord):
        ex = dict(w.extras)
        rec = BeatRec(h=w.cycle, word=w.data, tag=ex["s_beat_tag"], learn=ex["s_beat_learn"],
                      label=ex["s_beat_label"], no=self.beat_no)
        self.beat_no += 1
        self.beats.append(rec)
        self.pending.append(rec)
        self.trc_seen = self.dw_seen = 0

    def on_trace(self, s: StateSample):
        self.trc_seen += 1
        if s.kind == VE.TRC_DW:
            self.dw_seen += 1

    async def run_phase(self):
        d = cocotb.top
        while True:
            await FallingEdge(d.clk)
            self.cycle += 1
            if not _bit(d.rst):
                self.decv[self.cycle] = _bit(d.m_dec_valid)
                self.decv.pop(self.cycle - 256, None)
            while self.pending and self.pending[0].h < self.cycle:
                self.predict(self.pending.pop(0))

    def model_params(self) -> P.EpropParams:
        """The params the golden model runs with (overridden by the corrupted model)."""
        return self.params()

    def predict(self, rec: BeatRec):
        bits = int_to_slots(rec.word, VE.BEAT_BITS).astype(np.uint8)
        slots, rr = bits[:VE.N_SLOTS], bits[VE.N_SLOTS:]
        x = VE.inputs_from_slots(slots, rr)
        rec.cfg_mask = self.cfg_mask()
        if rec.cfg_mask:                        # refused: class 0, outputs 0, no learning
            learned = False
            e = VE.expect_refused(rec.no, trace=bool(self.trace))
        else:
            learned = bool(rec.learn and self.ctrl_at(rec.h) & 1)
            p = self.model_params()
            rec.x, rec.params = x, p
            if learned:
                rec.acc_in, rec.acc_residual = self.acc(), self.acc_residual
            e = VE.expect_beat(rec.no, x, p, label=rec.label if learned else None,
                               acc=rec.acc_in, trace=bool(self.trace))
        rec.learned, rec.expect = learned, e
        rec.stats = (e.cycles, e.events, e.run.sat)
        if learned:
            rec.apply = VE.apply_words(p.cfg)
            rec.new_w = P.pack_image(e.run.params)
            rec.new_a = VE.acc_words(e.run.acc) + self.amem[P.ADDR_BOUT:]
            if self.trace:
                rec.n_step_recs = int(np.sum(e.records[:, 0] != VE.TRC_DW)) - 2
        if self.trace:
            for k, i, s, v in e.records.tolist():
                self.sb.expect("trc", StateSample(valid=1, kind=k, index=i, step=s, value=v))
        y = sum((int(v) & 0xFFFF) << (16 * k) for k, v in enumerate(e.run.y))
        self.sb.expect("dec", StreamWord(data=e.run.cls, extras=(
            ("m_dec_y", y), ("m_dec_tag", rec.tag), ("m_dec_learned", int(learned)),
            ("m_dec_cfg_err", int(rec.cfg_mask != 0)))))
        self.predicted.append(rec)
        if self.cov is not None:
            self.cov.on_prediction(rec, e)

    def on_dec(self, w: StreamWord):
        rec = next((r for r in self.beats if r.o is None), None)
        if rec is None:
            return                      # unexpected decision: the scoreboard reports it
        rec.o = w.cycle
        self.count_beat(rec.o + 1, *rec.stats)
        self.cfg_hist.append((rec.o + 1, rec.cfg_mask))
        if rec.learned:
            self.mem = list(rec.new_w)
            self.amem = list(rec.new_a)
            self._p = self._a = None
            self.acc_residual = True
        self.beats = [r for r in self.beats if r.o is None or r.o > self.cycle - 16]

    # ------------------------------------------------------------------ if_axil_regs hooks
    def status_hi_at(self, c: int) -> int:
        """STATUS[28:16]: the configuration errors of the last decided beat."""
        for eff, v in reversed(self.cfg_hist):
            if eff <= c:
                return v
        return 0

    def info_value(self) -> int:
        return info_value(self.trace)

    def write_ctrl(self, value: int, c: int) -> None:
        self.ctrl_hist.append((c + 1, value & 0x31))

    def ctrl_value(self, c: int) -> int:
        return self.ctrl_at(c + 1)

    def mem_kind(self, bank: int) -> str:
        return "mem" if bank == 0 else "acc"

    def commit_word(self, bank: int, word: int, data: int) -> None:
        if bank == 0:
            self.mem[word] = data
            self._p = None
        else:                           # accumulator word: 384 bits, one 128-bit slice per bank
            sh = 128 * (bank - 1)
            self.amem[word] = (self.amem[word] & ~(M128 << sh)) | (data << sh)
            self._a = None
            self.acc_residual = False

    def fetch_word(self, bank: int, word: int) -> int | list:
        if bank:
            return (self.amem[word] >> (128 * (bank - 1))) & M128
        w = self.mem[word]
        if w is None:
            raise AssertionError(f"test reads weight word {word} never written")
        return w                        # a list: a reset cut the weight application (on_reset)

    def resolve_word(self, bank: int, word: int, value: int) -> None:
        old, new = self.cand_orig.pop(word, (None, None))
        how = "old (not yet written)" if value == old else "new (written in the reset cycle)" if value == new else "?"
        self.logger.info(f"weight word {word} after the reset: {how} 0x{value:032x}")
        self.mem[word] = value
        self._p = None

    def dec_valid_at(self, c: int, busy: bool, actual: int) -> int:
        dv = self.decv.get(c, 0)
        if dv and self.cov is not None:
            self.cov.sample("axil", "status_dec_valid")
        return dv


class CorruptedPredictor(EpropPredictor):
    """theta + 1 in the model only: used to prove that the scoreboard fails."""

    def model_params(self):
        p = self.params()
        return P.with_cfg(p, theta=p.cfg.theta + 1)


class EpropScoreboard(ExactScoreboard):
    CHANNELS = ("dec", "trc", "axil_wr", "axil_rd")
    REQUIRED = ("dec", "trc", "axil_wr", "axil_rd")

    def build_phase(self):
        super().build_phase()
        self.kinds = {k: 0 for k in KIND_NAME}

    def compare(self, channel, actual):
        if channel == "trc" and isinstance(actual, StateSample):
            self.kinds[actual.kind] = self.kinds.get(actual.kind, 0) + 1
        super().compare(channel, actual)

    def describe(self, channel, item):
        if channel == "trc" and isinstance(item, StateSample):
            st = item.step
            return (f"{KIND_NAME.get(item.kind, item.kind)} index 0x{item.index:04x} beat {st >> 6} "
                    f"step {st & 63} value 0x{item.value:08x}")
        if channel == "dec":
            ex = dict(item.extras)
            y = [((ex["m_dec_y"] >> (16 * k)) & 0xFFFF) for k in range(4)]
            y = [v - 65536 if v >> 15 else v for v in y]
            return (f"class={item.data} y={y} tag={ex['m_dec_tag']} learned={ex['m_dec_learned']} "
                    f"cfg_err={ex['m_dec_cfg_err']}")
        if channel.startswith("axil"):
            return describe_access(item)
        return repr(item)

    def check_phase(self):
        self.logger.info("trace records compared per kind: "
                         + ", ".join(f"{KIND_NAME[k]} {n}" for k, n in self.kinds.items()))
        super().check_phase()


class EpropCoverage(CoverageCollector):
    def build_phase(self):
        super().build_phase()
        for name in ("class", "label", "learn", "event", "axil", "learn_mask", "boundary"):
            self.coverpoint(name)
        self.env = None

    def on_prediction(self, rec: BeatRec, e: VE.BeatExpect):
        if rec.cfg_mask:
            self.sample("event", "cfg_refused")
            for k, f in enumerate(P.CFG_ERR_FIELDS):
                if rec.cfg_mask >> k & 1:
                    self.sample("cfg_error", f)
            return
        self.sample("class", e.run.cls)
        if rec.learned:
            self.sample("label", rec.label)
            self.sample("learn", "learned")
            self.sample("learn_mask", e.run.params.cfg.learn_mask)
            if any(np.any(o.err) for o in e.run.steps):
                self.sample("event", "error_nonzero")
        else:
            self.sample("learn", "flag_ignored" if rec.learn else "inference")
        if e.run.sat:
            self.sample("event", "saturation")
        for b, n in VE.boundary_hits(rec.x, rec.params, e.run, rec.acc_in, rec.acc_residual).items():
            if n:
                self.sample("boundary", b, n)

    def extract_phase(self):
        e = self.env
        if e is None:
            return
        if e.dec_mon.stall_cycles:
            self.sample("event", "dec_backpressure", e.dec_mon.stall_cycles)
        if e.in_mon.stall_cycles:
            self.sample("event", "beat_waiting", e.in_mon.stall_cycles)
        if e.beat_drv.idle_cycles:
            self.sample("event", "input_idle", e.beat_drv.idle_cycles)


class TraceRouter(uvm_subscriber):
    def write(self, s: StateSample):
        self.pred.on_trace(s)
        self.sb.export("trc").write(s)


class AxilRouter(uvm_subscriber):
    def write(self, a: AxilAccess):
        self.sb.export("axil_wr" if a.write else "axil_rd").write(a)


# ------------------------------------------------------------------------------------------
# Environment
# ------------------------------------------------------------------------------------------
class EpropEnv(uvm_env):
    def build_phase(self):
        cdb = ConfigDB()
        dut = cdb.get(self, "", "dut")
        knobs: Knobs = cdb.get(self, "", "knobs")
        cdb.set(self, "*", "dut", dut)
        cdb.set(self, "*", "clk", dut.clk)
        cdb.set(self, "*", "rst", dut.rst)
        cdb.set(self, "beat_drv", "idle_pct", knobs.idle_pct)
        cdb.set(self, "beat_drv", "rng", knobs.rng("beat_drv"))
        cdb.set(self, "in_mon", "prefix", "s_beat")
        cdb.set(self, "in_mon", "data_name", "s_beat_data")
        cdb.set(self, "in_mon", "valid_name", "s_beat_valid")
        cdb.set(self, "in_mon", "ready_name", "s_beat_ready")
        cdb.set(self, "in_mon", "extras", ["s_beat_tag", "s_beat_learn", "s_beat_label"])
        cdb.set(self, "dec_ready", "prefix", "m_dec")
        cdb.set(self, "dec_ready", "ready_name", "m_dec_ready")
        cdb.set(self, "dec_ready", "bp_pct", knobs.bp_pct)
        cdb.set(self, "dec_ready", "rng", knobs.rng("dec_ready"))
        cdb.set(self, "dec_mon", "prefix", "m_dec")
        cdb.set(self, "dec_mon", "data_name", "m_dec_class")
        cdb.set(self, "dec_mon", "valid_name", "m_dec_valid")
        cdb.set(self, "dec_mon", "ready_name", "m_dec_ready")
        cdb.set(self, "dec_mon", "extras", DEC_EXTRAS)

        self.seqr = uvm_sequencer("seqr", self)
        self.axil_seqr = uvm_sequencer("axil_seqr", self)
        self.beat_drv = EpropBeatDriver("beat_drv", self)
        self.in_mon = StreamMonitor("in_mon", self)
        self.dec_ready = ReadyDriver("dec_ready", self)
        self.dec_mon = StreamMonitor("dec_mon", self)
        self.state_mon = StateMonitor("state_mon", self)
        self.axil_drv = AxilMasterDriver("axil_drv", self)
        self.axil_mon = AxilMonitor("axil_mon", self)
        self.predictor = EpropPredictor.create("predictor", self)
        self.sb = EpropScoreboard("sb", self)
        self.cov = EpropCoverage("cov", self)
        self.trace_router = TraceRouter("trace_router", self)
        self.axil_router = AxilRouter("axil_router", self)
        self.fwd = {n: Fwd(f"fwd_{n}", self) for n in ("beat", "dec", "req", "done")}

    def connect_phase(self):
        p = self.predictor
        self.beat_drv.seq_item_port.connect(self.seqr.seq_item_export)
        self.axil_drv.seq_item_port.connect(self.axil_seqr.seq_item_export)
        p.sb, p.cov = self.sb, self.cov
        self.cov.env = self
        self.trace_router.sb, self.trace_router.pred = self.sb, p
        self.axil_router.sb = self.sb
        for name, fn in (("beat", p.on_beat), ("dec", p.on_dec), ("req", p.on_axil_req),
                         ("done", p.on_axil_done)):
            self.fwd[name].fn = fn
        self.in_mon.ap.connect(self.fwd["beat"].analysis_export)
        self.in_mon.reset_listeners.append(p.on_reset)
        self.dec_mon.ap.connect(self.fwd["dec"].analysis_export)
        self.dec_mon.ap.connect(self.sb.export("dec"))
        self.state_mon.ap.connect(self.trace_router.analysis_export)
        self.axil_mon.req_ap.connect(self.fwd["req"].analysis_export)
        self.axil_mon.ap.connect(self.fwd["done"].analysis_export)
        self.axil_mon.ap.connect(self.axil_router.analysis_export)


# ------------------------------------------------------------------------------------------
# Real beats
# ------------------------------------------------------------------------------------------
_DATA: dict = {}


def real_beats(records, per_class, seed, classes=(0, 1, 2, 3)):
    """Real MIT-BIH beats of ``records`` (whole records loaded, so the RR unit's bits are
    exact), ``per_class`` of each N/S/V/F class present, shuffled.  -> (slots [n, 500],
    RR bits [n, 11], N/S/V/F labels [n], metadata)."""
    key = tuple(records)
    if key not in _DATA:
        bs = D.load_beats(records=list(records))
        _DATA[key] = (bs, D.nsvf_labels(bs.symbol), RR.rr_bits(bs.record, bs.sample))
    bs, y, rr = _DATA[key]
    rng = np.random.default_rng(seed)
    idx = []
    for c in classes:
        cand = np.flatnonzero(y == c)
        if len(cand):
            idx += list(rng.choice(cand, min(per_class, len(cand)), replace=False))
    idx = rng.permutation(np.asarray(idx, np.int64))
    slots = E.encode_beats(bs.x[idx], E.default_config()).slots
    meta = [dict(record=int(bs.record[i]), sample=int(bs.sample[i]), nsvf=int(y[i])) for i in idx]
    return slots, rr[idx], y[idx], meta


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------
class EpropBaseTest(uvm_test):
    """Common flow: reset, image over AXI4-Lite, beats, drain, final status."""

    IDLE_PCT = 10
    BP_PCT = 10
    REQUIRE: dict = {}
    AXIL_RESP_DELAY = 0             # bready/rready held low 1 + 0..N cycles (0: off)
    TRACE_BUILD = 1                  # the TRACE_EN value the test needs

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(self.IDLE_PCT, self.BP_PCT, 1)
        self.logger.info(f"knobs: {self.knobs}  simulator: {cocotb.SIM_NAME}")
        self.rng = np.random.default_rng(self.knobs.seed)
        self.prng = self.knobs.rng("test")
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", self.knobs)
        # response back-pressure of the AXI4-Lite master (verif/common/axil.py, resp_delay)
        ConfigDB().set(self, "env.axil_drv", "resp_delay", self.AXIL_RESP_DELAY)
        self.env = EpropEnv("env", self)

    def end_of_elaboration_phase(self):
        d = self.dut
        try:
            self.trace = int(d.TRACE_EN.value)
            self.tag_w = int(d.TAG_W.value)
        except AttributeError:
            self.trace, self.tag_w = 1, 16
        if self.trace != self.TRACE_BUILD:
            raise AssertionError(f"{type(self).__name__} needs the TRACE_EN={self.TRACE_BUILD} build")
        self.env.predictor.trace = self.trace
        if not self.trace:                       # no trace port: decisions, registers, memories
            self.env.sb.REQUIRED = tuple(c for c in self.env.sb.REQUIRED if c != "trc")
        for name, bins in self.REQUIRE.items():
            self.env.cov.required[name] = set(self.env.cov.required.get(name, set())) | set(bins)
        self.env.cov.enforce = True

    # ----------------------------------------------------------------- helpers
    wr = staticmethod(wr_item)
    rd = staticmethod(rd_item)

    async def axil(self, items):
        await AxilListSeq("axil", items).start(self.env.axil_seqr)
        return items

    def word_items(self, bank, start, words):
        items = [self.wr("MEM_ADDR", bank << 16 | start)]
        for w in words:
            items += [self.wr(f"WDATA{k}", (w >> (32 * k)) & M32) for k in range(4)]
        return items

    async def load_image(self, p: P.EpropParams):
        await self.axil(self.word_items(0, 0, P.pack_image(p)))

    async def set_cfg0(self, p: P.EpropParams):
        """Rewrite the CFG0 word (401) only."""
        await self.axil(self.word_items(0, P.ADDR_CFG0, [P.pack_image(p)[P.ADDR_CFG0]]))

    async def readback(self, bank: int, start: int = 0, n: int = WORDS):
        items = [self.wr("MEM_ADDR", bank << 16 | start)]
        for _ in range(n):
            items += [self.rd(f"RDATA{k}") for k in range(4)]
        await self.axil(items)

    async def readback_all(self):
        """The whole weight image and all accumulator words (banks 0..3), auto-increment
        across the banks."""
        items = [self.wr("MEM_ADDR", 0)]
        for _ in range(BANKS * WORDS):
            items += [self.rd(f"RDATA{k}") for k in range(4)]
        await self.axil(items + [self.rd("MEM_ADDR")])

    async def set_ctrl(self, v: int):
        await self.axil([self.wr("CTRL", v), self.rd("CTRL")])

    async def read_status(self):
        await self.axil([self.rd(r) for r in ("STATUS",) + STAT_REGS + ("CTRL", "MEM_ADDR", "ID", "INFO")])

    def beat_items(self, slots, rr, labels, meta, learn=0):
        lf = learn if callable(learn) else (lambda i: learn)
        return [EpropBeatItem(f"beat{i}", s, q, self.prng.randrange(1 << self.tag_w), lf(i),
                              max(int(lab), 0), m)
                for i, (s, q, lab, m) in enumerate(zip(slots, rr, labels, meta))]

    async def send(self, items):
        await EpropBeatSeq("beats", items).start(self.env.seqr)

    async def drain(self, quiet=8, limit=2_000_000):
        d = self.dut
        await wait_quiet(d.clk, lambda: _bit(d.s_beat_valid) or not _bit(d.s_beat_ready) or _bit(d.m_dec_valid),
                         quiet, limit, "the engine", edge=RisingEdge)

    async def send_each(self, items, status=True):
        """One beat at a time, statistics read after each."""
        for it in items:
            await self.send([it])
            await self.drain()
            if status:
                await self.axil([self.rd(r) for r in ("STATUS",) + STAT_REGS])

    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        start_clock(d)
        d.s_beat_valid.value = 0
        d.s_beat_data.value = 0
        d.s_beat_tag.value = 0
        d.s_beat_learn.value = 0
        d.s_beat_label.value = 0
        await reset(d.clk, d.rst)
        await self.body()
        await self.drain()
        await self.read_status()
        await ClockCycles(d.clk, 4)
        self.drop_objection()

    async def body(self):
        raise NotImplementedError


REGRESS_RECORDS = ("100", "119", "208", "232", "201", "209", "213", "233")
LEARN_RECORDS = ("208", "213", "232", "233")


@pyuvm.test()
class EpropRegressionTest(EpropBaseTest):
    """The trained intra image written over AXI4-Lite and read back word by word, ID/INFO/CTRL,
    then real beats of all four N/S/V/F classes (30 on Verilator, 3 on Icarus; the first ones
    one at a time with the statistics read after each, the rest back to back), inference
    only: every trace record, decision and statistics register."""

    REQUIRE = {"learn": ("inference",), "axil": ("ok_wr", "ok_mem_wr", "ok_mem_rd", "ok_rd", "status_idle"),
               **({} if ICARUS else {"class": (0, 1, 2, 3), "event": ("dec_backpressure", "input_idle")})}

    async def body(self):
        n = 3 if ICARUS else 30
        p = P.load_model("intra")
        await self.load_image(p)
        await self.readback(0)
        await self.axil([self.wr("CTRL", 0x30), self.rd("CTRL"), self.wr("CTRL", 0)])
        await self.read_status()
        if ICARUS:
            slots, rr, y, meta = real_beats(("208",), 1, self.knobs.seed, classes=(0, 2))
            s2, r2, y2, m2 = real_beats(("232",), 1, self.knobs.seed, classes=(1,))
            slots, rr, y, meta = (np.concatenate([slots, s2]), np.concatenate([rr, r2]),
                                  np.concatenate([y, y2]), meta + m2)
        else:
            slots, rr, y, meta = real_beats(REGRESS_RECORDS, 8, self.knobs.seed)
        items = self.beat_items(slots[:n], rr[:n], y[:n], meta[:n])
        k = 2 if ICARUS else 10
        await self.send_each(items[:k])
        await self.send(items[k:])


@pyuvm.test()
class EpropLearnTest(EpropBaseTest):
    """On-chip learning from the ds1 image: CTRL.LEARN=1 with labelled beats (learn=0 beats
    mixed in), then CTRL.LEARN=0 with learn=1 beats (must not learn), a few accumulator
    slices written over AXI4-Lite, then learn_mask 0b100 and 0b011 (CFG0 rewritten over AXI);
    every trace record (ERR, LSIG, DW included) and after each phase the whole weight image
    and all accumulator words read back over AXI4-Lite."""

    IDLE_PCT = 5
    BP_PCT = 5
    REQUIRE = {"learn": ("learned", "inference", "flag_ignored"), "learn_mask": (7, 4, 3),
               "event": ("error_nonzero",),
               "axil": ("ok_mem_rd", "ok_acc_rd", "ok_acc_wr", "ok_mem_wr")}

    async def body(self):
        p = P.load_model("ds1")
        await self.load_image(p)
        slots, rr, y, meta = real_beats(LEARN_RECORDS, 5, self.knobs.seed)
        nl = 3 if ICARUS else 6
        # phase 1: CTRL.LEARN = 1, learning beats with inference beats mixed in
        await self.set_ctrl(1)
        learn = [1, 0, 1, 1, 0, 1, 1, 1][:nl + 2]
        items = self.beat_items(slots[:len(learn)], rr[:len(learn)], y[:len(learn)], meta[:len(learn)],
                                learn=lambda i: learn[i])
        await self.send_each(items)
        # phase 2: CTRL.LEARN = 0: labelled beats do not learn
        await self.set_ctrl(0x20)
        o = len(learn)
        items = self.beat_items(slots[o:o + 2], rr[o:o + 2], y[o:o + 2], meta[o:o + 2], learn=1)
        await self.send_each(items)
        await self.readback_all()
        img0, pr = P.pack_image(p), self.env.predictor
        changed = sum(a != b for a, b in zip(img0, pr.mem))
        nz = sum(w != 0 for w in pr.amem)
        self.logger.info(f"after phase 1/2: {changed} weight words changed by learning, {nz} accumulator "
                         f"words non-zero (all read back and compared)")
        if not changed or not nz:
            raise AssertionError("learning changed no weight word / left no accumulator: test is vacuous")
        # accumulator slices written over AXI4-Lite: a word touched by learning (one slice
        # replaced) and words never written (the other two slices become 0)
        wr_rng = self.knobs.rng("acc")
        acc_words = []
        for bank, word in ((1, 385), (2, 3), (3, 150), (2, 400)):
            lanes = [wr_rng.randrange(-(1 << 19), 1 << 19) for _ in range(16)]
            packed = sum((v & M24) << (24 * ln) for ln, v in enumerate(lanes))
            acc_words.append((bank, word, (packed >> (128 * (bank - 1))) & M128))
        for bank, word, w in acc_words:
            await self.axil(self.word_items(bank, word, [w]))
        await self.readback(1, 0, 8)
        await self.readback(2, 380, 23)
        # phase 3 and 4: learn_mask 0b100 and 0b011
        o += 2
        for mask in (0b100, 0b011):
            await self.drain()
            cur = self.env.predictor.params()
            await self.set_cfg0(P.with_cfg(cur, learn_mask=mask))
            await self.set_ctrl(1)
            k = 1 if ICARUS else 2
            items = self.beat_items(slots[o:o + k], rr[o:o + k], y[o:o + k], meta[o:o + k], learn=1)
            o += k
            await self.send_each(items)
            await self.readback_all()


@pyuvm.test()
class EpropBoundaryTest(EpropBaseTest):
    """The arithmetic corners real beats rarely reach, each a required bin of the
    ``boundary`` coverpoint (verif.common.eprop.BOUNDARY_BINS; a bin not hit fails the test
    by name): the weight clip at +127 and at -127 during APPLY in each of W_in, W_rec and
    W_out, a presynaptic trace at 255 that spikes again, and the accumulator residual
    carried into the next learning beat (non-zero, and moving an applied delta).  A
    constrained-random directed stimulus (verif.common.eprop.boundary_stimulus, from the
    seed): the ds1 image with weights preloaded near the clip, large learning rates, a large
    trace increment and output biases giving errors of both signs, written over AXI4-Lite;
    4 dense random beats (3 on Icarus): learning, inference, learning (from the residual,
    which survived the inference beat and an accumulator readback), ...; every trace record (membranes, traces, errors,
    learning signals, every applied weight lane and its delta) compared with the golden
    model, then every weight and accumulator word read back."""

    IDLE_PCT = 5
    BP_PCT = 5
    REQUIRE = {"boundary": tuple(VE.BOUNDARY_BINS), "learn": ("learned", "inference")}

    def stimulus(self):
        """(params, beat items, learn flags)."""
        n = 3 if ICARUS else 4
        q, slots, rr, lab = VE.boundary_stimulus(self.rng, P.load_model("ds1"), n)
        learn = [1, 0] + [1] * (n - 2)
        meta = [dict(kind="boundary", density=round(float(s.mean()), 3)) for s in slots]
        return q, self.beat_items(slots, rr, lab, meta, learn=lambda i: learn[i])

    async def body(self):
        q, items = self.stimulus()
        c = q.cfg
        self.logger.info(f"boundary stimulus: tr_inc {c.tr_inc}, lr_in/rec/out {c.lr_in}/{c.lr_rec}/{c.lr_out}, "
                         f"b_out {q.b_out.tolist()}, slot densities {[it.meta.get('density') for it in items]}")
        await self.load_image(q)
        await self.set_ctrl(1)
        await self.send_each(items[:2])             # learning beat, then an inference beat
        await self.readback(1, 0, 3 * WORDS)        # the residuals over AXI (accumulator banks 1..3)
        await self.send_each(items[2:3])            # learns from the carried residual
        await self.send(items[3:])
        await self.drain()
        await self.readback_all()                   # every weight (clipped ones too) and accumulator


@pyuvm.test(expect_error=CoverageHoleError)
class EpropBoundaryWeakTest(EpropBoundaryTest):
    """Must FAIL with a coverage hole: EpropBoundaryTest's required boundary bins with the
    directed stimulus taken away (the trained ds1 image as it is, two real beats, the first
    learning, no readbacks): no trace saturates (tr_inc 16 needs 52 spikes in a row, a beat
    has 38 steps), no residual is carried (one learning beat), and the check phase must name
    the missing bins.  Every value is still compared; only the coverage may fail."""

    REQUIRE = {"boundary": tuple(VE.BOUNDARY_BINS)}

    async def body(self):
        slots, rr, y, meta = real_beats(("208",), 1, self.knobs.seed, classes=(0, 2))
        await self.load_image(P.load_model("ds1"))
        await self.set_ctrl(1)
        await self.send_each(self.beat_items(slots[:2], rr[:2], y[:2], meta[:2], learn=lambda i: int(i == 0)))


@pyuvm.test()
class EpropBackpressureTest(EpropBaseTest):
    """Heavy idle insertion on s_beat and back-pressure on m_dec, long consumer pauses,
    status/statistics reads while beats (inference and learning) are in flight: nothing lost."""

    IDLE_PCT = 40
    BP_PCT = 70
    REQUIRE = {"event": ("dec_backpressure", "input_idle", "beat_waiting"),
               "axil": ("status_busy", "status_idle", "status_dec_valid"), "learn": ("learned", "inference")}

    async def body(self):
        p = P.load_model("intra")
        await self.load_image(p)
        await self.set_ctrl(1)
        slots, rr, y, meta = real_beats(REGRESS_RECORDS, 3, self.knobs.seed)
        n = 10
        items = self.beat_items(slots[:n], rr[:n], y[:n], meta[:n], learn=lambda i: int(i % 4 == 1))
        task = cocotb.start_soon(self.send(items))
        rng = self.knobs.rng("pause")
        while not task.done():
            await ClockCycles(self.dut.clk, rng.randrange(500, 6000))
            self.env.dec_ready.paused = True
            for _ in range(rng.randrange(1, 4)):
                await self.axil([self.rd(r) for r in ("STATUS", "BEATS", "CYCLES", "EVENTS", "SAT_TOTAL")])
                await ClockCycles(self.dut.clk, rng.randrange(50, 3000))
            await self.axil([self.rd("STATUS")])
            self.env.dec_ready.paused = False
        await task


@pyuvm.test()
class EpropResetTest(EpropBaseTest):
    """Reset at random points inside beats: during a step, during a trace dump, during the
    weight application of a learning beat, with a decision waiting.  After each: CTRL and the
    statistics read 0, the accumulators read 0, the weights survive (after a reset in the
    weight application the image is read back: every word must be the old or the new value,
    the written ones a prefix of the application order consistent with the DW records seen),
    and the next beat runs cleanly with beat number 0."""

    IDLE_PCT = 0
    BP_PCT = 0
    REQUIRE = {"event": ("reset_mid_beat", "reset_in_apply"), "learn": ("learned",)}

    async def wait_trace(self, kinds, limit=200000):
        d = self.dut
        for _ in range(limit):
            await FallingEdge(d.clk)
            if _bit(d.trc_valid) and d.trc_kind.value.to_unsigned() in kinds:
                return
        raise AssertionError(f"no trace record of kinds {kinds} within {limit} cycles")

    async def body(self):
        d = self.dut
        p = P.load_model("intra")
        await self.load_image(p)
        slots, rr, y, meta = real_beats(REGRESS_RECORDS, 5, self.knobs.seed)
        rng = self.knobs.rng("resets")
        its = iter(range(len(slots)))

        def items(n, learn=0):
            idx = [next(its) for _ in range(n)]
            return self.beat_items(slots[idx], rr[idx], y[idx], [meta[i] for i in idx], learn=learn)

        async def after_reset(full_readback=False):
            await self.drain()
            await self.read_status()
            if full_readback:
                await self.readback_all()
            else:
                await self.readback(1, 0, 4)
                await self.readback(3, 396, 7)
            await self.send_each(items(1))          # beat number 0 again

        # 1. during a step (inference)
        await self.send_each(items(1))
        task = cocotb.start_soon(self.send(items(1)))
        await ClockCycles(d.clk, rng.randrange(20, 2000))
        self.logger.info("reset during a step")
        await reset(d.clk, d.rst, cycles=rng.randrange(1, 4))
        await task
        await after_reset()
        # 2. during a trace dump of a learning beat (steps accumulate the accumulators)
        await self.set_ctrl(1)
        task = cocotb.start_soon(self.send(items(1, learn=1)))
        await self.wait_trace((VE.TRC_LSIG,))
        await ClockCycles(d.clk, rng.randrange(0, 60))
        self.logger.info("reset during a trace dump")
        await reset(d.clk, d.rst, cycles=1)
        await task
        await after_reset()
        # 3. during the weight application of learning beats (twice, at random points)
        for _ in range(2):
            await self.set_ctrl(1)
            await self.send_each(items(1, learn=1))
            task = cocotb.start_soon(self.send(items(1, learn=1)))
            await self.wait_trace((VE.TRC_DW,))
            await ClockCycles(d.clk, rng.randrange(0, 6000))
            self.logger.info("reset during the weight application")
            await reset(d.clk, d.rst, cycles=rng.randrange(1, 3))
            await task
            await after_reset(full_readback=True)
        # 4. with a decision waiting
        self.env.dec_ready.paused = True
        task = cocotb.start_soon(self.send(items(1)))
        while not _bit(d.m_dec_valid):
            await RisingEdge(d.clk)
        await ClockCycles(d.clk, rng.randrange(1, 50))
        await self.axil([self.rd("STATUS")])
        self.logger.info("reset with a decision waiting")
        await reset(d.clk, d.rst, cycles=2)
        self.env.dec_ready.paused = False
        await task
        await after_reset()
        self.env.cov.sample("event", "reset_dec_waiting")
        await self.set_ctrl(1)
        await self.send(items(2, learn=1))


@pyuvm.test()
class EpropBadAxiTest(EpropBaseTest):
    """Every defined AXI4-Lite error: unmapped offsets (DECERR), writes to read-only and reads
    of write-only registers, partial strobes, MEM_ADDR word > 402 (every bank), writes and
    memory reads while a beat is processed (SLVERR): no side effects (CTRL, MEM_ADDR, the
    weights and the accumulators read back, later beats still match)."""

    AXIL_RESP_DELAY = 8

    IDLE_PCT = 0
    BP_PCT = 0
    REQUIRE = {"axil": ("decerr_wr", "decerr_rd", "slverr_ro", "slverr_wo", "slverr_busy_wr",
                        "slverr_busy_rd", "slverr_strb", "slverr_word", "ok_clear", "status_busy")}

    async def body(self):
        p = P.load_model("intra")
        await self.load_image(p)
        slots, rr, y, meta = real_beats(("208", "232"), 2, self.knobs.seed)
        rng = self.knobs.rng("bad")
        wr, rd = self.wr, self.rd
        unm = [0x2C, 0x50, 0x7C] + [rng.randrange(0x80, 0x100) for _ in range(6)]
        items = []
        for a in unm:
            items += [wr(a, rng.getrandbits(32)), rd(a)]
        for r in REG:
            if r not in RW_REGS:
                items.append(wr(r, rng.getrandbits(32)))
            if r in WO_REGS:
                items.append(rd(r))
        items += [wr("CTRL", 0x31, strb=0x1), rd("CTRL"), wr("WDATA3", 5, strb=0x7), rd("MEM_ADDR"),
                  wr("MEM_ADDR", WORDS), wr("MEM_ADDR", 0xFFFF | 3 << 16), wr("MEM_ADDR", 1 << 16 | 403),
                  wr("MEM_ADDR", 2 << 16 | 0x8000), rd("MEM_ADDR"),
                  wr("MEM_ADDR", 5 | 0xABC << 18), rd("MEM_ADDR"),
                  rd(REG["ID"] | 2), rd(REG["INFO"] | 1),
                  wr(REG["CTRL"] | 3, 0x20), rd(REG["CTRL"] | 1), wr(REG["CTRL"] | 2, 0), rd("CTRL")]
        await self.axil(items)
        await self.readback(0, 0, 3)
        await self.readback(0, WORDS - 4, 4)
        # a learning beat leaves accumulators to watch
        await self.set_ctrl(1)
        await self.send_each(self.beat_items(slots[:1], rr[:1], y[:1], meta[:1], learn=1))
        await self.set_ctrl(0)
        await self.readback(1, P.ADDR_WOUT, 16)
        # accesses while a beat is in flight
        task = cocotb.start_soon(self.send(self.beat_items(slots[1:2], rr[1:2], y[1:2], meta[1:2])))
        while _bit(self.dut.s_beat_ready):
            await RisingEdge(self.dut.clk)
        await self.axil([wr("CTRL", 1), wr("CMD", 1), wr("MEM_ADDR", 7), wr("WDATA0", 1), wr("WDATA3", 2),
                         wr("MEM_ADDR", 1 << 16 | 390), wr("WDATA3", 3),
                         rd("RDATA0"), rd("RDATA3"), rd("STATUS"), rd("CTRL"), rd("MEM_ADDR")])
        await task
        await self.drain()
        await self.readback(0, 0, 3)
        await self.readback(1, P.ADDR_WOUT, 16)
        await self.readback(2, P.ADDR_WOUT, 16)
        await self.read_status()
        await self.axil([wr("CMD", 1)])
        await self.read_status()
        await self.send(self.beat_items(slots[2:], rr[2:], y[2:], meta[2:]))


@pyuvm.test()
class EpropBadCfgTest(EpropBaseTest):
    """Illegal configurations: each of the 13 checked fields of the bias and CFG words made
    illegal in turn (Icarus: 3 of them and the pair; boundary values: theta 0 and 32768, t_err 39, k_h 0 and 16, lr 21, ...)
    and two fields at once, written over AXI4-Lite, then a labelled beat with CTRL.LEARN = 1:
    the beat must be refused (m_dec_cfg_err, class 0, outputs 0, no learning, 5 cycles, only
    the end-of-beat trace records) and STATUS[28:16] must name exactly the bad fields; the
    good word written back, the next beat runs and learns normally; at the end the whole
    weight image and the accumulators are read back (refused beats changed nothing)."""

    IDLE_PCT = 5
    BP_PCT = 5
    REQUIRE = {"event": ("cfg_refused",), **({} if ICARUS else {"cfg_error": P.CFG_ERR_FIELDS})}

    # (word, 16-bit lane, value): one illegal field each, in CFG_ERR_FIELDS order, then extra
    # boundary values
    CASES = [
        (P.ADDR_BOUT, 4, 1), (P.ADDR_CFG0, 0, 0), (P.ADDR_CFG0, 3, 0x100), (P.ADDR_CFG0, 4, P.T + 1),
        (P.ADDR_CFG0, 5, 8), (P.ADDR_CFG1, 0, 0), (P.ADDR_CFG1, 1, 16), (P.ADDR_CFG1, 2, 16),
        (P.ADDR_CFG1, 3, 0xFFFF), (P.ADDR_CFG1, 4, 16), (P.ADDR_CFG1, 5, P.LR_MAX + 1),
        (P.ADDR_CFG1, 6, 31), (P.ADDR_CFG1, 7, 0x100),
        (P.ADDR_CFG0, 0, 0x8000), (P.ADDR_CFG1, 0, 16), (P.ADDR_BOUT, 7, 0x8000),
    ]

    async def body(self):
        p = P.load_model("ds1")
        good = P.pack_image(p)
        await self.load_image(p)
        await self.set_ctrl(1)
        n = len(self.CASES) + 1
        slots, rr, y, meta = real_beats(("208", "232"), 2, self.knobs.seed)
        items = self.beat_items(np.resize(slots, (2 * n, *slots.shape[1:])), np.resize(rr, (2 * n, rr.shape[1])),
                                np.resize(y, 2 * n), [meta[i % len(meta)] for i in range(2 * n)], learn=1)

        def with_lane(word, lane, value):
            return (word & ~(0xFFFF << (16 * lane))) | (value << (16 * lane))

        cases = [[c] for c in self.CASES] + [[(P.ADDR_CFG0, 0, 0), (P.ADDR_CFG1, 7, P.LR_MAX + 1)]]
        if ICARUS:                                            # smoke: 3 fields and the pair
            cases = [cases[1], cases[3], cases[12], cases[-1]]
        for k, case in enumerate(cases):
            bad = {}
            for a, lane, v in case:
                bad[a] = with_lane(bad.get(a, good[a]), lane, v)
            for a, w in bad.items():
                await self.axil(self.word_items(0, a, [w]))
            await self.send_each([items[2 * k]])              # refused; STATUS and statistics read
            for a in bad:
                await self.axil(self.word_items(0, a, [good[a]]))
            await self.send_each([items[2 * k + 1]])          # runs (and learns) again
        await self.readback_all()
        refused = [r for r in self.env.predictor.predicted if r.cfg_mask]
        if len(refused) != len(cases):
            raise AssertionError(f"{len(refused)} beats refused, {len(cases)} illegal configurations written")
        self.logger.info("refused beats: " + "; ".join(P.describe_cfg_errors(r.cfg_mask) for r in refused))


@pyuvm.test()
class EpropCycleTest(EpropBaseTest):
    """TRACE_EN=0 (the engine at its real speed): with no idle input and no back-pressure,
    every m_dec handshake comes exactly N + 1 cycles after its s_beat handshake and a
    back-to-back beat is accepted N + 2 cycles after the previous one, N from the cycle
    formula of docs/eprop_rtl.md (inference and learning beats, learn_mask 7 and 4); the
    decisions, statistics (CYCLES_LAST = N), weights and accumulators are compared as in the
    other tests."""

    IDLE_PCT = 0
    BP_PCT = 0
    TRACE_BUILD = 0

    async def body(self):
        if self.knobs.idle_pct or self.knobs.bp_pct:
            raise AssertionError(f"the latency check needs IDLE=0 and BP=0, got {self.knobs}")
        p = P.load_model("ds1")
        await self.load_image(p)
        slots, rr, y, meta = real_beats(("208", "232") if ICARUS else LEARN_RECORDS, 1 if ICARUS else 3,
                                        self.knobs.seed)
        items = self.beat_items(slots, rr, y, meta)
        half = len(items) // 2
        await self.send_each(items[:2])                           # single beats, statistics read
        await self.send(items[2:half])                            # back to back, inference
        await self.drain()
        await self.set_ctrl(1)                                    # learning beats (learn_mask 7)
        await self.send(self.beat_items(slots[:half], rr[:half], y[:half], meta[:half], learn=1))
        await self.drain()
        p4 = P.with_cfg(self.env.predictor.params(), learn_mask=0b100)
        await self.set_cfg0(p4)                                   # W_out only
        await self.send(self.beat_items(slots[half:], rr[half:], y[half:], meta[half:], learn=1))
        await self.drain()
        await self.readback_all()
        recs = [r for r in self.env.predictor.predicted if r.o is not None]
        bad = []
        for k, r in enumerate(recs):
            n = r.stats[0]
            if r.o - r.h != n + 1:
                bad.append(f"beat {k} (learned {r.learned}): decision {r.o - r.h} cycles after the beat, "
                           f"formula N + 1 = {n + 1}")
            nxt = recs[k + 1] if k + 1 < len(recs) else None
            if nxt is not None and nxt.h - r.h != n + 2 and nxt.h - r.o == 1:
                bad.append(f"beat {k + 1} accepted {nxt.h - r.h} cycles after beat {k}, formula N + 2 = {n + 2}")
        b2b = sum(1 for a, b in zip(recs, recs[1:]) if b.h - a.o == 1)
        lrn = [r.stats[0] for r in recs if r.learned]
        inf = [r.stats[0] for r in recs if not r.learned]
        self.logger.info(f"latency: {len(recs)} beats ({len(lrn)} learning), {b2b} accepted back to back; "
                         f"N inference mean {np.mean(inf):.0f} max {max(inf)}, learning mean {np.mean(lrn):.0f} "
                         f"max {max(lrn)}")
        if len(recs) != half + len(items) or not lrn or b2b < 2:
            bad.append(f"the run did not exercise the check: {len(recs)} decisions, {len(lrn)} learning, "
                       f"{b2b} back to back")
        if bad:
            raise AssertionError(f"{len(bad)} latency error(s): " + " | ".join(bad[:4]))


@pyuvm.test(expect_error=ScoreboardError)
class EpropCorruptModelTest(EpropBaseTest):
    """Must FAIL with a scoreboard error: the regression flow with the model's theta off by one."""

    def build_phase(self):
        uvm_factory().set_type_override_by_type(EpropPredictor, CorruptedPredictor)
        super().build_phase()

    async def body(self):
        p = P.load_model("intra")
        await self.load_image(p)
        slots, rr, y, meta = real_beats(("208",), 1, self.knobs.seed, classes=(0, 2))
        await self.send(self.beat_items(slots, rr, y, meta))
