# SPDX-License-Identifier: Apache-2.0
"""pyuvm testbench of the system top (rtl/system/ecg_stage1_top.v, docs/system.md).

Stimulus: real MIT-BIH beats as 250-sample frames on ``s_axis`` (each with a
unique 16-bit tag on ``s_axis_tuser`` with sample 0; every other sample carries
random junk there, so a tag sampled at the wrong moment is caught), malformed
frames, the trained intra banks preloaded through INIT_BANK0..3, screen or
cascade mode written over AXI4-Lite, back-pressure on ``m_dec`` and a stage-2
responder that runs on ``gclk_stage2`` only (verif/common/stage2.py).

Model side: the predictor is fed only by monitors -- the sample-input monitor
(samples, tlast, tag, encoder gaps) and the AXI4-Lite monitor (CTRL).  It runs
golden/encoder.py sample by sample, then golden/snn_if.py (run_beat in screen
mode, cascade() in cascade mode) on every beat the encoder model produces, and
posts the expectations.  The scoreboard compares, exactly and in order,

* ``enc_trc``   every encoder trace record (reference levels after every
                sample, frame counter) and status pulse/flag,
* ``beat``      every beat on the internal encoder -> engine link: the 500
                slots, the spike count and the tag that travels with it,
* ``snn_trc``   every engine trace record (every membrane, count and
                saturation flag of every neuron after every pass, every stage
                result, the beat's saturations, synaptic events and cycle
                count against the formula of docs/snn_if_rtl.md),
* ``dec``       every decision on ``m_dec``: class / severity, vout0/vout1,
                tag, abnormal flag, stages, mode, bank,
* ``delivery``  for every abnormal beat, the slots and tag stage 2 captured on
                its own clock,
* ``window``    the wake-up path's time line cut into windows (wake-up, idle,
                reset) against the cycle-accurate handshake model, plus the
                model-independent window properties (an idle window has no
                gated edge),
* ``service``   the gated edges of every wake-up = the W + 1 the responder
                needed (docs/wakeup.md),
* ``axil``      the response and read data of every AXI4-Lite access,
* ``stats``     the statistics outputs after every run,
* ``latency``   (system_cycles, TRACE_EN=0) the cycle of every link and
                decision handshake against the engine's cycle formula.

Besides, for every *normal* beat the gated-clock edges between its link
handshake and its decision are counted: every one of them must belong to a
wake-up of an earlier abnormal beat still in service (0 otherwise); the run
reports the wake fraction and the gated edges per normal beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from pyuvm import ConfigDB, uvm_component, uvm_env, uvm_factory, uvm_monitor, uvm_sequencer, uvm_test

from golden import data as D
from golden import encoder as E
from golden import formats as F
from golden import rr as RR
from golden import snn_if as G
from verif.common.axil import DECERR, OKAY, SLVERR, AxilAccess, AxilItem, AxilListSeq, AxilMasterDriver, AxilMonitor
from verif.common.beats import BeatItem, BeatSequence, select_beats
from verif.common.clocking import Knobs, reset, start_clock, wait_quiet, wait_until
from verif.common.coverage import CoverageCollector
from verif.common.fwd import Fwd
from verif.common.scoreboard import ExactScoreboard, ScoreboardError
from verif.common.snn import M16, beat_cycles, slots_to_int, trace_records
from verif.common.stage2 import (Delivery, HandshakePredictor, Sample, Stage2Responder, WakeupMonitor,
                                 WindowRecorder, describe_delivery, describe_window, window_errors)
from verif.common.statemon import StateMonitor, StateSample
from verif.common.stream import ReadyDriver, StreamMonitor, StreamSourceDriver, StreamWord, _bit

# AXI4-Lite registers of the engine used here (docs/snn_if_rtl.md "Address map"); the accesses
# of these tests happen while the top is empty, so the model needs no busy timing
REG = dict(ID=0x00, INFO=0x04, CTRL=0x08, STATUS=0x10, BEATS=0x14, MEM_ADDR=0x28,
           WDATA0=0x30, WDATA1=0x34, WDATA2=0x38, WDATA3=0x3C, RDATA0=0x40, RDATA1=0x44, RDATA2=0x48, RDATA3=0x4C)
REG_NAME = {v: k for k, v in REG.items()}
REG_ID, REG_CTRL, REG_BEATS = REG["ID"], REG["CTRL"], REG["BEATS"]
ID_VALUE = 0x49464531
WRITABLE = {"CTRL", "MEM_ADDR", "WDATA0", "WDATA1", "WDATA2", "WDATA3"}     # of the registers above

DEC_EXTRAS = ["m_dec_vout0", "m_dec_vout1", "m_dec_tag", "m_dec_abnormal", "m_dec_stages", "m_dec_mode",
              "m_dec_bank"]
LINK_EXTRAS = ["link_tag", "enc_beat_nspk"]            # internal wires of the top (the beat link)
ENC_PULSES = ["stat_sat", "stat_len_err"]
ENC_LEVELS = ["stat_cfg_err"]
STAT_PORTS = ("stat_beats", "stat_abnormal", "stat_dropped", "stat_wakeups")
MODEL_CHANNELS = ("enc_trc", "beat", "snn_trc", "dec", "delivery")   # dropped by a reset

ICARUS = cocotb.SIM_NAME.lower().startswith("icarus")


# ------------------------------------------------------------------------------------------
# Stimulus
# ------------------------------------------------------------------------------------------
class SampleDriver(StreamSourceDriver):
    """The sample-stream driver: the frame's sideband {rr_first, rr_delta, tag}
    (``item.meta['tag']`` and the RR sideband of :func:`rr_side`) on s_axis_tuser
    with sample 0, random junk with every other sample."""

    def build_phase(self):
        super().build_phase()
        self.tuser = self.dut.s_axis_tuser
        self.user_w = len(self.tuser)
        self.tag_w = self.user_w - 17
        self.prev_record = None

    def rr_side(self, item):
        """The RR sideband a host would send: first = a new record (or, rarely, a
        restart), delta = the beat's true pre-RR interval in the database; beats
        without one (synthetic, a record's first) get a random interval, now and
        then beyond the 11-bit range.  Drawn once per item."""
        m = item.meta
        if "rr" not in m:
            rec = m.get("record", 0)
            first = rec != self.prev_record or self.rng.random() < 0.03
            delta = _pre_rr().get((rec, m.get("sample", -1)))
            if delta is None:
                delta = self.rng.randrange(2048, 1 << 16) if self.rng.random() < 0.1 else self.rng.randrange(100, 900)
            m["rr"] = (int(first), int(delta))
        self.prev_record = m.get("record", 0)
        return m["rr"]

    def word_side(self, item, k):
        if k == 0:
            first, delta = self.rr_side(item)
            self.tuser.value = (first << (self.tag_w + 16)) | (delta << self.tag_w) | item.meta["tag"]
        else:
            self.tuser.value = self.rng.getrandbits(self.user_w)


# RR bits of a record's first beat (the unit ignores rr_delta then): ratio 1, interval 0.8 s
FIRST_BEAT_RR = RR.step(RR.RRState(), True, 0)[1]

_PRE_RR: dict | None = None


def _pre_rr() -> dict:
    """(record, R-peak sample) -> pre-RR interval in samples, for every beat of the
    database that has a predecessor in its record."""
    global _PRE_RR
    if _PRE_RR is None:
        bs = D.load_beats()
        first, delta = RR.host_inputs(bs.record, bs.sample)
        _PRE_RR = {(int(r), int(s_)): int(d) for r, s_, f, d in zip(bs.record, bs.sample, first, delta) if not f}
    return _PRE_RR


# ------------------------------------------------------------------------------------------
# Model side
# ------------------------------------------------------------------------------------------
@dataclass
class BeatRec:
    """One beat as the model predicted it, and when the DUT handled it."""

    no: int                      # beats since reset before it (the engine's trace numbering)
    tag: int
    slots: np.ndarray
    mode: int
    cls: int                     # screen class or cascade severity
    runs: list
    banks: list
    cycles: int                  # engine cycles N (docs/snn_if_rtl.md formula)
    last: int                    # cycle of the handshake of its last sample
    link: int | None = None      # cycle of the encoder -> engine link handshake
    eng_dec: int | None = None   # cycle of the engine's decision handshake
    dec: int | None = None       # cycle of the m_dec handshake
    aborted: bool = False        # lost in a reset

    @property
    def abnormal(self) -> bool:
        return self.cls != 0


class SystemPredictor(uvm_component):
    """Encoder model, tag tracking, CTRL register model and SNN model, fed by the
    input and AXI4-Lite monitors; also records the DUT's handshake cycles of
    every beat (link, engine decision, m_dec) for the latency and gated-edge
    checks."""

    def build_phase(self):
        self.sb = None
        self.cov = None
        self.banks: dict | None = None       # golden SnnParams by bank name (set by the test)
        self.images: list | None = None      # the INIT_BANK0..3 memory images (words), for reads
        self.trace = 1
        self.history: list[BeatRec] = []     # every beat predicted since the start
        self.reset_model()

    def reset_model(self):
        self.enc = E.EncoderState()
        self.rr = RR.RRState()               # the RR unit (restarted by reset)
        self.frame_tag = None
        self.ctrl = (0, 0)                   # (mode, bank): CTRL's reset value
        self.word, self.mbank = 0, 0         # MEM_ADDR
        self.rbuf = [0, 0, 0]                # MEM_RDATA1..3 of the last fetched word
        self.wstage = [0, 0, 0]              # MEM_WDATA0..2 staging
        self.no = 0
        self.n_abnormal = 0
        self.n_dropped = 0
        self.n_eng_dec = 0
        self.open: list[BeatRec] = []        # predicted, some handshake still to come

    def on_reset(self):
        self.sb.flush_channels(MODEL_CHANNELS)
        for r in self.open:
            if r.dec is None or r.eng_dec is None:
                r.aborted = True
        self.reset_model()

    def params(self, b: int) -> G.SnnParams:
        return self.banks[G.BANKS[b]]

    # ------------------------------------------------------------------ samples
    def on_sample(self, w: StreamWord):
        ex = dict(w.extras)
        if self.enc.index == 0 and not self.enc.dropping:
            self.frame_tag = w.user                          # sample 0 of a frame
        cfg = E.EncoderConfig(delta_s=ex["cfg_delta_s"], delta_l=ex["cfg_delta_l"], substitute_zero=True)
        self.enc, o = E.step(self.enc, w.data, bool(w.last), cfg)
        if not o.emitted:
            return
        status = (("stat_sat", int(o.sat)), ("stat_len_err", int(o.len_err)),
                  ("stat_cfg_err", int(self.enc.cfg_err)))
        if self.trace:
            self.sb.expect("enc_trc", StateSample(
                valid=1, kind=F.TRACE_KINDS["TRC_ENC_STATE"], index=o.index, step=o.step,
                value=((o.ref_l & M16) << 16) | (o.ref_s & M16), status=status))
        elif o.sat or o.len_err:
            self.sb.expect("enc_trc", StateSample(valid=0, kind=0, index=0, step=0, value=0, status=status))
        if o.last and o.err:
            self.n_dropped += 1
            if self.cov is not None:
                self.cov.sample("frame", "one_sample" if o.index == 0 else
                                "too_long" if o.index == F.ENC_BEAT_LEN - 1 else "too_short")
        if o.beat is not None:
            self.predict(o.beat, w.cycle)

    def predict(self, beat: E.BeatOut, cycle: int):
        slots = beat.slots.astype(np.int64)
        # the frame's sideband {rr_first, rr_delta, tag}; the RR unit advances once per beat
        tag_w = int(cocotb.top.TAG_W.value)
        user = self.frame_tag
        tag = user & ((1 << tag_w) - 1)
        self.rr, rrb, _ = RR.step(self.rr, (user >> (tag_w + 16)) & 1, (user >> tag_w) & 0xFFFF)
        inp = G.screen_inputs(slots, rrb).astype(np.int64)
        mode, bank = self.ctrl
        if mode == 0:
            runs = [G.run_beat(inp, self.params(bank))]
            banks = [bank]
            cls = runs[0].cls
        else:
            cls, n, _, runs = G.cascade(inp, {G.BANKS[b]: self.params(b) for b in (1, 2, 3)})
            banks = [1, 2, 3][:n]
        rec = BeatRec(no=self.no, tag=tag, slots=slots, mode=mode, cls=cls, runs=runs, banks=banks,
                      cycles=beat_cycles(runs), last=cycle)
        self.no += 1
        self.history.append(rec)
        self.open.append(rec)
        word = slots_to_int(slots)
        self.sb.expect("beat", StreamWord(data=word, extras=(("link_tag", rec.tag), ("enc_beat_nspk", beat.nspk))))
        if self.trace:
            for s in trace_records(rec.no, runs, banks, rec.cycles):
                self.sb.expect("snn_trc", s)
        v3 = runs[-1].v3
        ex = {"m_dec_vout0": int(v3[0]) & M16, "m_dec_vout1": int(v3[1]) & M16, "m_dec_tag": rec.tag,
              "m_dec_abnormal": int(rec.abnormal), "m_dec_stages": len(runs), "m_dec_mode": mode,
              "m_dec_bank": banks[-1]}
        self.sb.expect("dec", StreamWord(data=cls, extras=tuple((n, ex[n]) for n in DEC_EXTRAS)))
        if rec.abnormal:
            self.n_abnormal += 1
            self.sb.expect("delivery", Delivery(tag=rec.tag, data=slots_to_int(np.concatenate([slots, rrb]))))
        if self.cov is not None:
            self.cov.on_prediction(rec)

    # ------------------------------------------------------------------ DUT handshakes
    def _first(self, attr):
        return next((r for r in self.open if getattr(r, attr) is None), None)

    def on_link(self, w: StreamWord):
        r = self._first("link")
        if r is not None:
            r.link = w.cycle

    def on_eng_dec(self, w: StreamWord):
        self.n_eng_dec += 1
        r = self._first("eng_dec")
        if r is not None:
            r.eng_dec = w.cycle

    def on_dec(self, w: StreamWord):
        r = self._first("dec")
        if r is not None:
            r.dec = w.cycle
        self.open = [r for r in self.open if r.dec is None or r.eng_dec is None]

    def outstanding(self) -> bool:
        return any(r.eng_dec is None for r in self.open)

    # ------------------------------------------------------------------ AXI4-Lite
    def on_axil_req(self, a: AxilAccess):
        """Register model of the accesses these tests make (all while the top is
        empty): the response of every access and the data of every read."""
        if self.outstanding():
            self.sb._error(f"test bug: AXI4-Lite access at cycle {a.cycle} while beats are in flight")
        reg = None if a.addr >> 7 else REG_NAME.get(a.addr & 0x7C)
        if a.write:
            if reg is None:
                resp = DECERR
            elif reg not in WRITABLE or a.strb != 0xF or (reg == "MEM_ADDR" and (a.data & 0xFFFF) >= G.IMAGE_WORDS):
                resp = SLVERR
            else:
                resp = OKAY
                if reg == "CTRL":
                    self.ctrl = (a.data & 1, (a.data >> 4) & 3)
                elif reg == "MEM_ADDR":
                    self.word, self.mbank = a.data & 0xFFFF, (a.data >> 16) & 3
                elif reg != "WDATA3":
                    self.wstage[int(reg[-1])] = a.data
                else:                                    # commit the word: the model's bank follows
                    w = self.wstage[0] | self.wstage[1] << 32 | self.wstage[2] << 64 | a.data << 96
                    self.images[self.mbank][self.word] = w
                    self.banks[G.BANKS[self.mbank]] = G.unpack_bank(self.images[self.mbank],
                                                                    name=f"{G.BANKS[self.mbank]}_written", strict=False)
                    self.step_addr()
            self.sb.expect("axil", AxilAccess(1, a.addr, a.data, a.strb, resp))
            if self.cov is not None:
                self.cov.sample("axil", {OKAY: "okay", SLVERR: "slverr", DECERR: "decerr"}[resp] + "_wr")
            return
        resp, data = OKAY, 0
        if reg is None:
            resp = DECERR
        elif reg == "RDATA0":
            w = self.images[self.mbank][self.word]
            self.rbuf = [(w >> (32 * k)) & 0xFFFFFFFF for k in (1, 2, 3)]
            data = w & 0xFFFFFFFF
        elif reg.startswith("RDATA"):
            data = self.rbuf[int(reg[-1]) - 1]
            if reg == "RDATA3":
                self.step_addr()
        elif reg.startswith("WDATA"):
            resp = SLVERR                                # write-only
        else:
            data = {"ID": ID_VALUE, "INFO": self.trace << 28 | G.LANES << 20 | len(G.BANKS) << 16 | G.IMAGE_WORDS,
                    "CTRL": self.ctrl[0] | self.ctrl[1] << 4, "STATUS": 0, "BEATS": self.n_eng_dec,
                    "MEM_ADDR": self.word | self.mbank << 16}[reg]
        self.sb.expect("axil", AxilAccess(0, a.addr, data, 0, resp))
        if self.cov is not None:
            self.cov.sample("axil", {OKAY: "okay", SLVERR: "slverr", DECERR: "decerr"}[resp] + "_rd")

    def step_addr(self):
        """MEM_ADDR auto-increment, bank 3 wrapping to bank 0."""
        self.word += 1
        if self.word == G.IMAGE_WORDS:
            self.word, self.mbank = 0, (self.mbank + 1) % len(G.BANKS)

    def expected_stats(self) -> tuple:
        return (("stat_beats", self.no), ("stat_abnormal", self.n_abnormal), ("stat_dropped", self.n_dropped),
                ("stat_wakeups", self.n_abnormal))


class CorruptedPredictor(SystemPredictor):
    """theta1 of every bank off by one: used only to prove the scoreboard fails."""

    def params(self, b):
        p = super().params(b)
        return G.SnnParams(w1=p.w1, w2=p.w2, w3=p.w3, b1=p.b1, b2=p.b2, b3=p.b3,
                           theta1=p.theta1 + 1, theta2=p.theta2, name=p.name + "_corrupt")


class SystemScoreboard(ExactScoreboard):
    CHANNELS = ("enc_trc", "beat", "snn_trc", "dec", "delivery", "window", "service", "axil", "stats", "latency")
    REQUIRED = ("enc_trc", "beat", "dec", "window")

    def flush_channels(self, channels):
        """A reset: drop the expectations of the model-side channels (the DUT
        drops those beats too); the wake-up windows close by themselves."""
        for ch in channels:
            self.flushed += len(self.expected[ch])
            self.expected[ch].clear()

    def compare(self, channel, actual):
        super().compare(channel, actual)
        if channel == "window":
            for msg in window_errors(actual):
                self._error(f"[window] {msg}")

    def describe(self, channel, item):
        if channel == "window":
            return describe_window(item)
        if channel == "delivery":
            return describe_delivery(item)
        if channel == "beat":
            ex = dict(item.extras)
            ones = [i for i in range(F.ENC_SLOTS) if item.data >> i & 1]
            return f"tag=0x{ex['link_tag']:04x} nspk={ex['enc_beat_nspk']} slots={ones}"
        if channel == "dec":
            ex = dict(item.extras)
            return (f"class={item.data} tag=0x{ex['m_dec_tag']:04x} abnormal={ex['m_dec_abnormal']} "
                    f"v_out=({F.SNN_VMEM.wrap(ex['m_dec_vout0'])}, {F.SNN_VMEM.wrap(ex['m_dec_vout1'])}) "
                    f"stages={ex['m_dec_stages']} mode={ex['m_dec_mode']} bank={ex['m_dec_bank']}")
        return repr(item)


class SystemCoverage(CoverageCollector):
    """Classes offered, decisions, both wake-up outcomes, severities, malformed
    frames, back-pressure along the whole chain, the tag queue, resets."""

    def build_phase(self):
        super().build_phase()
        for name in ("aami_class", "screen_class", "severity", "wakeup", "frame", "event", "tag_queue", "reset",
                     "axil", "input"):
            self.coverpoint(name)
        self.env = None

    def on_item(self, item):
        if len(item.words) == F.ENC_BEAT_LEN and item.meta.get("aami", -1) >= 0:
            self.sample("aami_class", D.AAMI5_CLASSES[item.meta["aami"]])

    def on_prediction(self, rec: BeatRec):
        self.sample("wakeup", "woke_stage2" if rec.abnormal else "stayed_asleep")
        if rec.mode == 0:
            self.sample("screen_class", rec.cls)
        else:
            self.sample("severity", f"sev{rec.cls}_stages{len(rec.runs)}")

    def extract_phase(self):
        e = self.env
        if e is None:
            return
        for name, n in (("input_stalled", e.in_mon.stall_cycles), ("link_wait", e.link_mon.stall_cycles),
                        ("dec_backpressure", e.dec_mon.stall_cycles), ("input_idle", e.driver.idle_cycles),
                        ("dec_wait_stage2", e.chain.wait_stage2), ("chain_stage2_to_input", e.chain.chain)):
            if n:
                self.sample("event", name, n)
        for k, n in e.chain.tag_queue.items():
            if n:
                self.sample("tag_queue", k, n)


class ChainMonitor(uvm_monitor):
    """Per-cycle view of the back-pressure chain (internal signals of the top),
    for coverage: the decision waiting for stage 2 (the wake-up queue full) while the link waits for the
    engine and the sample input is stalled is the whole chain stage 2 ->
    wake-up path -> decision -> engine -> encoder -> input.  Also samples the
    tag queue at every link handshake (0 entries = the bypass: the beat's tag
    comes straight from the frame-tag register; 2 = both encoder buffers full)."""

    def build_phase(self):
        self.dut = ConfigDB().get(self, "", "dut")
        self.wait_stage2 = 0
        self.chain = 0
        self.tag_queue = {"bypass": 0, "1": 0, "2": 0}

    def on_link(self, _w):
        cnt = self.dut.btag_cnt_reg.value.to_unsigned()     # before this handshake's pop
        key = "bypass" if cnt == 0 else str(cnt)
        self.tag_queue[key] = self.tag_queue.get(key, 0) + 1

    async def run_phase(self):
        d = self.dut
        while True:
            await FallingEdge(d.clk)
            # a waking decision that the wake-up side (queue and path) cannot take yet
            if not _bit(d.fork_wake) or _bit(d.fork_take) or _bit(d.rst):
                continue
            self.wait_stage2 += 1
            if _bit(d.link_valid) and not _bit(d.eng_beat_ready) and _bit(d.s_axis_tvalid) \
                    and not _bit(d.s_axis_tready):
                self.chain += 1


class EdgeLog(Fwd):
    """Gated-clock edges per clk cycle (from the wake-up monitor's samples)."""

    def build_phase(self):
        super().build_phase()
        self.edges: dict[int, int] = {}
        self.fn = self._log

    def _log(self, s: Sample):
        if not s.end and s.out.edge:
            self.edges[s.c] = s.out.edge


# ------------------------------------------------------------------------------------------
# Environment
# ------------------------------------------------------------------------------------------
class SystemEnv(uvm_env):
    def build_phase(self):
        cdb = ConfigDB()
        dut = cdb.get(self, "", "dut")
        knobs: Knobs = cdb.get(self, "", "knobs")
        cdb.set(self, "*", "dut", dut)
        cdb.set(self, "*", "clk", dut.clk)
        cdb.set(self, "*", "rst", dut.rst)
        cdb.set(self, "driver", "prefix", "s_axis")
        cdb.set(self, "driver", "idle_pct", knobs.idle_pct)
        cdb.set(self, "driver", "rng", knobs.rng("driver"))
        cdb.set(self, "in_mon", "prefix", "s_axis")
        cdb.set(self, "in_mon", "signed", True)
        cdb.set(self, "in_mon", "extras", ["cfg_delta_s", "cfg_delta_l"])
        cdb.set(self, "link_mon", "prefix", "enc_beat")
        cdb.set(self, "link_mon", "data_name", "enc_beat_slots")
        cdb.set(self, "link_mon", "valid_name", "link_valid")
        cdb.set(self, "link_mon", "ready_name", "eng_beat_ready")
        cdb.set(self, "link_mon", "extras", LINK_EXTRAS)
        cdb.set(self, "eng_mon", "prefix", "eng_dec")
        cdb.set(self, "eng_mon", "data_name", "eng_dec_class")
        cdb.set(self, "eng_mon", "valid_name", "eng_dec_valid")
        cdb.set(self, "eng_mon", "ready_name", "eng_dec_ready")
        cdb.set(self, "dec_ready", "prefix", "m_dec")
        cdb.set(self, "dec_ready", "ready_name", "m_dec_ready")
        cdb.set(self, "dec_ready", "bp_pct", knobs.bp_pct)
        cdb.set(self, "dec_ready", "rng", knobs.rng("dec_ready"))
        cdb.set(self, "dec_mon", "prefix", "m_dec")
        cdb.set(self, "dec_mon", "data_name", "m_dec_class")
        cdb.set(self, "dec_mon", "valid_name", "m_dec_valid")
        cdb.set(self, "dec_mon", "ready_name", "m_dec_ready")
        cdb.set(self, "dec_mon", "extras", DEC_EXTRAS)
        cdb.set(self, "enc_trc_mon", "prefix", "enc_trc")
        cdb.set(self, "enc_trc_mon", "pulses", ENC_PULSES)
        cdb.set(self, "enc_trc_mon", "levels", ENC_LEVELS)
        cdb.set(self, "snn_trc_mon", "prefix", "snn_trc")
        cdb.set(self, "hs_mon", "valid_name", "wake_tvalid")
        cdb.set(self, "hs_mon", "ready_name", "wake_tready")
        cdb.set(self, "responder", "rng", knobs.rng("responder"))

        self.seqr = uvm_sequencer("seqr", self)
        self.axil_seqr = uvm_sequencer("axil_seqr", self)
        self.driver = SampleDriver("driver", self)
        self.in_mon = StreamMonitor("in_mon", self)
        self.link_mon = StreamMonitor("link_mon", self)
        self.eng_mon = StreamMonitor("eng_mon", self)
        self.dec_ready = ReadyDriver("dec_ready", self)
        self.dec_mon = StreamMonitor("dec_mon", self)
        self.enc_trc_mon = StateMonitor("enc_trc_mon", self)
        # the engine's trace port has no status pulses: no monitor on a TRACE_EN=0 build
        self.snn_trc_mon = StateMonitor("snn_trc_mon", self) if int(dut.TRACE_EN.value) else None
        self.axil_drv = AxilMasterDriver("axil_drv", self)
        self.axil_mon = AxilMonitor("axil_mon", self)
        self.hs_mon = WakeupMonitor("hs_mon", self)
        self.responder = Stage2Responder("responder", self)
        self.hs_pred = HandshakePredictor("hs_pred", self)
        self.recorder = WindowRecorder("recorder", self)
        self.edge_log = EdgeLog("edge_log", self)
        self.chain = ChainMonitor("chain", self)
        self.predictor = SystemPredictor.create("predictor", self)
        self.sb = SystemScoreboard("sb", self)
        self.cov = SystemCoverage("cov", self)
        self.fwd = {n: Fwd(f"fwd_{n}", self) for n in ("sample", "link", "eng", "dec", "axil", "item", "svc",
                                                        "tagq")}

    def connect_phase(self):
        p, sb = self.predictor, self.sb
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.axil_drv.seq_item_port.connect(self.axil_seqr.seq_item_export)
        p.sb, p.cov = sb, self.cov
        self.cov.env = self
        self.hs_pred.sb = sb
        for name, fn in (("sample", p.on_sample), ("link", p.on_link), ("eng", p.on_eng_dec), ("dec", p.on_dec),
                         ("axil", p.on_axil_req), ("item", self.cov.on_item),
                         ("svc", lambda n: sb.expect("service", n)), ("tagq", self.chain.on_link)):
            self.fwd[name].fn = fn
        self.in_mon.ap.connect(self.fwd["sample"].analysis_export)
        self.in_mon.reset_listeners.append(p.on_reset)
        self.link_mon.ap.connect(self.fwd["link"].analysis_export)
        self.link_mon.ap.connect(self.fwd["tagq"].analysis_export)
        self.link_mon.ap.connect(sb.export("beat"))
        self.eng_mon.ap.connect(self.fwd["eng"].analysis_export)
        self.dec_mon.ap.connect(self.fwd["dec"].analysis_export)
        self.dec_mon.ap.connect(sb.export("dec"))
        self.enc_trc_mon.ap.connect(sb.export("enc_trc"))
        if self.snn_trc_mon is not None:
            self.snn_trc_mon.ap.connect(sb.export("snn_trc"))
        self.axil_mon.req_ap.connect(self.fwd["axil"].analysis_export)
        self.axil_mon.ap.connect(sb.export("axil"))
        self.driver.ap.connect(self.fwd["item"].analysis_export)
        self.hs_mon.ap.connect(self.hs_pred.analysis_export)       # model first: expect before actual
        self.hs_mon.ap.connect(self.recorder.analysis_export)
        self.hs_mon.ap.connect(self.edge_log.analysis_export)
        self.recorder.ap.connect(sb.export("window"))
        self.recorder.svc_ap.connect(sb.export("service"))
        self.responder.ap.connect(sb.export("delivery"))
        self.responder.svc_ap.connect(self.fwd["svc"].analysis_export)

    # ------------------------------------------------------------------ gated edges per beat
    def extract_phase(self):
        """Edge totals (responder on gclk == monitor), and the gated edges in
        every normal beat's window (link handshake .. decision): each must lie
        in a wake-up (or reset) window of the time line, never in an idle one."""
        m, r, sb = self.hs_mon, self.responder, self.sb
        if r.stray_edges:
            sb._error(f"stage 2 got {r.stray_edges} gated edge(s) with nothing outstanding and no reset")
        if r.edges != m.gclk_total:
            sb._error(f"responder counted {r.edges} gated edges, the monitor {m.gclk_total}")
        busy = []                                    # (first, last) cycle of every non-idle window
        for w in self.recorder.log:
            if w.kind != "idle":
                busy.append((w.start, w.start + w.length - 1))

        def in_busy(c):
            return any(a <= c <= b for a, b in busy)

        done = [b for b in self.predictor.history if b.link is not None and b.eng_dec is not None and not b.aborted]
        normal = [b for b in done if not b.abnormal]
        stray = total = silent = 0
        for b in normal:
            edges = [(c, n) for c, n in self.edge_log.edges.items() if b.link < c <= b.eng_dec]
            total += sum(n for _, n in edges)
            s = sum(n for c, n in edges if not in_busy(c))
            silent += not edges
            if s:
                stray += s
                sb._error(f"normal beat tag=0x{b.tag:04x} (cycles {b.link}..{b.eng_dec}): {s} gated edge(s) "
                          f"outside every wake-up window")
        n_ab = sum(b.abnormal for b in done)
        svc = [w.edges for w in self.recorder.completed]
        self.stats = dict(beats=len(done), abnormal=n_ab, normal=len(normal), stray=stray, total=total,
                          silent=silent)
        if done:
            modes = "; ".join(f"{name} {sum(b.abnormal for b in done if b.mode == m)}/{sum(b.mode == m for b in done)}"
                              for m, name in ((0, "screen"), (1, "cascade")) if any(b.mode == m for b in done))
            self.logger.info(
                f"wake fraction {n_ab}/{len(done)} = {n_ab / len(done):.3f} (abnormal decisions / beats; {modes}); "
                f"gated edges per normal beat: {stray / max(1, len(normal)):.3f} outside wake-ups "
                f"({stray} over {len(normal)} normal beats; {silent} normal-beat windows without any edge, "
                f"{total} edges in the others, all of them serving earlier abnormal beats); "
                f"gated edges per wake-up: {sum(svc)}/{len(svc)} = {sum(svc) / max(1, len(svc)):.2f} "
                f"(each = W + 1 of the responder); {m.gclk_total} gated edges, {r.reset_edges} for resets, "
                f"{m.cycle} clk cycles")


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------
class SystemBaseTest(uvm_test):
    """Common flow: reset, mode over AXI4-Lite, frames, drain, final checks."""

    IDLE_PCT = 10
    BP_PCT = 10
    BEATS_PER_RECORD = 3 if not ICARUS else 1
    WAIT = (0, 12)                # responder's further gated cycles per beat (W)
    P_ZERO_WAIT = 0.2
    REQUIRE: dict = {}
    CHANNELS = ("beat", "dec", "window", "service", "delivery", "axil", "stats")     # + both traces if TRACE_EN

    def build_phase(self):
        self.dut = cocotb.top
        self.knobs = Knobs.from_env(self.IDLE_PCT, self.BP_PCT, self.BEATS_PER_RECORD)
        self.logger.info(f"knobs: {self.knobs}")
        self.banks = G.load_split("intra")            # = the INIT_BANK0..3 images of the build
        self.enc_params = E.load_params()
        self.tag_rng = self.knobs.rng("tags")
        self.tags_used: set[int] = set()
        ConfigDB().set(self, "env", "dut", self.dut)
        ConfigDB().set(self, "env", "knobs", self.knobs)
        ConfigDB().set(self, "env.responder", "wait_fn", self.wait_time)
        self.env = SystemEnv("env", self)

    def end_of_elaboration_phase(self):
        d = self.dut
        self.trace = int(d.TRACE_EN.value)
        self.tag_w = int(d.TAG_W.value)
        p = self.env.predictor
        p.banks, p.trace = self.banks, self.trace
        p.images = [G.read_hex(G.PARAMS_DIR / G.hex_name("intra", name)) for name in G.BANKS]
        self.env.hs_pred.cnt_w = len(d.stat_wakeups)
        self.env.sb.REQUIRED = tuple(self.CHANNELS) + (("enc_trc", "snn_trc") if self.trace else ())
        for name, bins in self.REQUIRE.items():
            self.env.cov.required[name] = set(self.env.cov.required.get(name, set())) | set(bins)
        self.env.cov.enforce = True

    def wait_time(self, rng) -> int:
        wait = getattr(self, "wait_now", None) or self.WAIT
        return 0 if rng.random() < self.P_ZERO_WAIT else rng.randint(*wait)

    # ----------------------------------------------------------------- stimulus helpers
    def new_tag(self) -> int:
        while True:
            t = self.tag_rng.getrandbits(self.tag_w)
            if t not in self.tags_used:
                self.tags_used.add(t)
                return t

    def side(self):
        return {"cfg_delta_s": self.enc_params["delta_s"], "cfg_delta_l": self.enc_params["delta_l"]}

    def items(self, per_record, records=None, classes=None, salt=0):
        bs, labels = select_beats(per_record, self.knobs.seed + salt, records=records, classes=classes)
        out = []
        for i in range(len(bs)):
            it = BeatItem.from_beatset(bs, labels, i, side=self.side())
            it.meta["tag"] = self.new_tag()
            out.append(it)
        return out

    @staticmethod
    def pool_inputs(pool):
        """Engine inputs of candidate beats picked by the model.  Their RR sideband is
        fixed to a record's first beat (rr_first = 1, the true interval as rr_delta, which
        the unit then ignores), so the RR bits do not depend on the order the picks are
        sent in and the model's pick (abnormal / severity path) holds in the run."""
        slots = E.encode_beats(np.array([it.samples for it in pool]), E.default_config()).slots
        for it in pool:
            it.meta["rr"] = (1, _pre_rr().get((it.meta["record"], it.meta["sample"]), RR.RR_INIT))
        return G.screen_inputs(slots, np.tile(FIRST_BEAT_RR, (len(pool), 1)))

    def screen_pick(self, n_abnormal, n_normal, records=None, salt=3):
        """Real beats the screen (binary bank) flags abnormal / normal (the model
        picks the stimulus; the checks are still the scoreboard's)."""
        recs = records or self.knobs.records or D.DS2
        pool = self.items(6, records=recs, classes=["V", "F", "S"], salt=salt) + \
            self.items(1, records=recs, salt=salt + 100)
        cls = G.run_beats(self.pool_inputs(pool), self.banks["binary"]).cls
        ab = [it for it, c in zip(pool, cls) if c == 1][:n_abnormal]
        no = [it for it, c in zip(pool, cls) if c == 0][:n_normal]
        if len(ab) < n_abnormal or len(no) < n_normal:
            raise AssertionError(f"only {len(ab)} abnormal / {len(no)} normal beats in the pool, "
                                 f"{n_abnormal} / {n_normal} wanted")
        return ab, no

    async def send(self, items):
        await BeatSequence("frames", items).start(self.env.seqr)

    async def axil(self, items):
        await AxilListSeq("axil", items).start(self.env.axil_seqr)

    async def set_ctrl(self, mode, bank=0):
        await self.axil([AxilItem("ctrl", write=True, addr=REG_CTRL, data=mode | bank << 4)])

    def busy(self) -> bool:
        d = self.dut
        return bool(_bit(d.s_axis_tvalid) or _bit(d.enc_beat_valid) or not _bit(d.eng_beat_ready)
                    or _bit(d.eng_dec_valid) or _bit(d.stage2_valid) or _bit(d.rst) or _bit(d.stage2_rst))

    async def drain(self, quiet=24, limit=2_000_000):
        """Until the whole top is empty; returns after a rising edge (drivers may go on)."""
        await wait_quiet(self.dut.clk, self.busy, quiet, limit, "the system top")
        await RisingEdge(self.dut.clk)

    async def check_stats(self):
        """Statistics outputs and the engine's BEATS_DONE / CTRL against the model."""
        await self.drain()
        d = self.dut
        await FallingEdge(d.clk)
        got = tuple((n, getattr(d, n).value.to_unsigned()) for n in STAT_PORTS)
        self.env.sb.expect("stats", self.env.predictor.expected_stats())
        self.env.sb.export("stats").write(got)
        await RisingEdge(d.clk)
        await self.axil([AxilItem("id", write=False, addr=REG_ID), AxilItem("beats", write=False, addr=REG_BEATS),
                         AxilItem("ctrl", write=False, addr=REG_CTRL)])

    # ----------------------------------------------------------------- flow
    async def run_phase(self):
        self.raise_objection()
        d = self.dut
        d.rst.value = 1
        for n in ("s_axis_tvalid", "s_axis_tdata", "s_axis_tlast", "s_axis_tuser"):
            getattr(d, n).value = 0
        d.cfg_delta_s.value = self.enc_params["delta_s"]
        d.cfg_delta_l.value = self.enc_params["delta_l"]
        start_clock(d)
        await ClockCycles(d.clk, 6)
        d.rst.value = 0
        await self.body()
        await self.check_stats()
        await ClockCycles(d.clk, 8)
        self.env.hs_mon.finish()
        self.drop_objection()

    async def body(self):
        raise NotImplementedError

    def report_phase(self):
        p = self.env.predictor
        h = [b for b in p.history if not b.aborted]
        if h:
            cyc = np.array([b.cycles for b in h])
            self.logger.info(f"{len(h)} beats decided ({sum(b.abnormal for b in h)} abnormal), "
                             f"{sum(b.aborted for b in p.history)} lost in resets; engine cycles per beat "
                             f"(formula) mean {cyc.mean():.1f}, min {cyc.min()}, max {cyc.max()}")


@pyuvm.test()
class SystemRegressionTest(SystemBaseTest):
    """Real beats from all 48 records (every AAMI class; 3 per record on
    Verilator, 1 from every 6th record on Icarus) in screen mode (binary
    bank), then one beat of every third record in cascade mode, the last few
    back in screen mode (CTRL over AXI4-Lite each time); light idle insertion
    and back-pressure, a fast stage 2 (W 0..12)."""

    BP_PCT = 10 if not ICARUS else 30          # few decisions on Icarus: back-pressure must still occur
    REQUIRE = {"aami_class": D.AAMI5_CLASSES, "wakeup": ("woke_stage2", "stayed_asleep"), "screen_class": (0, 1),
               "event": ("input_stalled", "link_wait", "dec_backpressure", "input_idle"),
               "tag_queue": ("bypass", "1", "2")}

    def end_of_elaboration_phase(self):
        if self.knobs.records or ICARUS:
            self.REQUIRE = {k: v for k, v in self.REQUIRE.items() if k != "aami_class"}
        super().end_of_elaboration_phase()

    async def body(self):
        records = self.knobs.records or (None if not ICARUS else D.MITDB_RECORDS[::6])
        items = self.items(self.knobs.beats_per_record, records=records)
        self.logger.info(f"screen mode: {len(items)} beats")
        await self.send(items)
        await self.drain()
        await self.set_ctrl(1)
        again = self.items(1, records=records or D.MITDB_RECORDS[::3], salt=1)
        k = 4 if not ICARUS else 2                  # the last k in screen mode again
        self.logger.info(f"cascade mode: {len(again) - k} beats, then {k} in screen mode again")
        await self.send(again[k:])
        await self.drain()
        await self.set_ctrl(0)
        await self.send(again[:k])


@pyuvm.test()
class SystemCascadeTest(SystemBaseTest):
    """Cascade mode (banks sev1, sev2, sev3): beats chosen so that every
    severity path occurs (sev0 after 1 stage, sev1 after 2, sev2 and sev3 after
    3); every severity >= 1 wakes stage 2."""

    REQUIRE = {"severity": ("sev0_stages1", "sev1_stages2", "sev2_stages3", "sev3_stages3"),
               "wakeup": ("woke_stage2", "stayed_asleep")}

    def pick(self, per_record, n_each):
        """Up to n_each beats of every severity path from the pool (the model
        chooses the stimulus; the check is still the scoreboard's)."""
        pool = self.items(per_record, records=self.knobs.records, salt=2)
        cr = G.cascade_beats(self.pool_inputs(pool), {k: self.banks[k] for k in ("sev1", "sev2", "sev3")})
        chosen = []
        for sev in range(4):
            idx = np.flatnonzero(cr.severity == sev)[:n_each]
            chosen += [int(i) for i in idx]
        return [pool[i] for i in sorted(chosen)]

    async def body(self):
        items = self.pick(2, 8) if not ICARUS else self.pick(1, 2)
        await self.set_ctrl(1)
        self.logger.info(f"cascade mode: {len(items)} beats")
        await self.send(items)


@pyuvm.test()
class SystemBackpressureTest(SystemBaseTest):
    """A slow stage 2 (1,500-4,000 gated cycles per beat, longer than the engine
    needs for two beats, so that the wake-up queue fills) and decision-side back-pressure (60 % and long pauses of
    m_dec_ready), input idle insertion, beats that are mostly abnormal (runs
    of them back to back): a decision waits for the wake-up path, the engine
    holds, the encoder's double buffer fills and the sample input stalls;
    nothing is lost, every decision and delivery matches."""

    IDLE_PCT = 20
    BP_PCT = 60
    WAIT = (1500, 4000)
    P_ZERO_WAIT = 0.0
    REQUIRE = {"event": ("input_stalled", "link_wait", "dec_backpressure", "dec_wait_stage2",
                         "chain_stage2_to_input", "input_idle"),
               "wakeup": ("woke_stage2", "stayed_asleep"), "tag_queue": ("1", "2")}

    async def body(self):
        ab, no = self.screen_pick(*((24, 12) if not ICARUS else (6, 3)), records=self.knobs.records or D.DS2)
        items, rng = [], self.knobs.rng("order")
        while ab or no:                                   # runs of 1-4 abnormal beats, then a normal one
            for _ in range(rng.randint(1, 4)):
                if ab:
                    items.append(ab.pop())
            if no:
                items.append(no.pop())
        task = cocotb.start_soon(self.send(items))
        rng = self.knobs.rng("pause")
        while not task.done():
            await ClockCycles(self.dut.clk, rng.randrange(300, 1500))
            self.env.dec_ready.paused = True
            await ClockCycles(self.dut.clk, rng.randrange(300, 2000))
            self.env.dec_ready.paused = False
        await task


@pyuvm.test()
class SystemResetTest(SystemBaseTest):
    """Resets (1-3 cycles) aimed at: the middle of a frame, the engine running a
    beat, a decision waiting for a slow stage 2, stage 2 in service, and the
    very cycle of a decision handshake (m_dec_ready rises together with rst:
    the handshake must not happen).  Everything in flight is dropped (the
    model flushes with it), CTRL returns to screen mode, the wake-up path
    follows its reset protocol, and the beats after every reset match."""

    WAIT = (10, 60)
    SLOW = {"wait_stage2": (1500, 3000), "mid_service": (100, 400)}   # stage 2 in these rounds
    P_ZERO_WAIT = 0.0
    IDLE_PCT = 5
    BP_PCT = 20
    MODES = ("mid_frame", "engine_busy", "wait_stage2", "mid_service", "dec_handshake", "idle")
    CASCADE = ("engine_busy", "idle")                # rounds in cascade mode
    REQUIRE = {"reset": MODES}

    async def body(self):
        d = self.dut
        p = self.env.predictor
        rng = self.knobs.rng("resets")
        chunk = 4 if not ICARUS else 3
        ab, no = self.screen_pick(len(self.MODES) * (chunk - 1) + 4, len(self.MODES) + (8 if not ICARUS else 3),
                                  records=self.knobs.records or D.DS1, salt=5)
        for k, mode in enumerate(self.MODES):
            # screen mode but in two rounds; every round starts with abnormal beats, so a decision
            # can wait for the slow stage 2 of the one before
            await self.set_ctrl(int(mode in self.CASCADE))
            self.wait_now = self.SLOW.get(mode)
            part = [ab.pop() for _ in range(chunk - 1)] + [no.pop()]
            task = cocotb.start_soon(self.send(part))
            if await self.aim(mode, rng, p):
                self.env.cov.sample("reset", mode)
                self.logger.info(f"reset ({mode})")
                if mode == "dec_handshake":
                    # m_dec_ready rises in the first rst cycle: the handshake must not happen
                    await RisingEdge(d.clk)
                    bp, self.env.dec_ready.bp_pct = self.env.dec_ready.bp_pct, 0
                    self.env.dec_ready.paused = False
                    d.rst.value = 1
                    d.m_dec_ready.value = 1
                    await ClockCycles(d.clk, rng.randint(1, 3))
                    d.rst.value = 0
                    self.env.dec_ready.bp_pct = bp
                else:
                    await reset(d.clk, d.rst, cycles=rng.randint(1, 3))
            self.env.dec_ready.paused = False
            self.wait_now = None
            await task
            await self.drain()
        await self.set_ctrl(0)
        rest = ab + no
        self.tag_rng.shuffle(rest)
        self.logger.info(f"after the resets: {len(rest)} beats")
        await self.send(rest)

    async def aim(self, mode, rng, p) -> bool:
        d = self.dut
        clk = d.clk
        if mode == "mid_frame":
            return await wait_until(clk, lambda: _bit(d.s_axis_tvalid) and _bit(d.s_axis_tready)
                                    and 60 < p.enc.index < 200, limit=100000)
        if mode == "engine_busy":                            # a link handshake, then 20-300 cycles
            ok = await wait_until(clk, lambda: _bit(d.link_valid) and _bit(d.eng_beat_ready), 100000)
            await ClockCycles(clk, rng.randint(20, 300))
            return ok and not _bit(d.eng_beat_ready) and not _bit(d.eng_dec_valid)
        if mode == "wait_stage2":
            return await wait_until(clk, lambda: _bit(d.wake_tvalid) and not _bit(d.wake_tready), 200000)
        if mode == "mid_service":
            ok = await wait_until(clk, lambda: _bit(d.stage2_valid), 200000)
            await ClockCycles(clk, rng.randint(3, 60))
            return ok and _bit(d.stage2_valid)
        if mode == "dec_handshake":
            self.env.dec_ready.paused = True
            return await wait_until(clk, lambda: _bit(d.m_dec_valid), 200000)
        return await wait_until(clk, lambda: not self.busy() and not _bit(d.s_axis_tvalid), 200000)


@pyuvm.test()
class SystemBadLengthTest(SystemBaseTest):
    """Malformed frames between real beats: tlast early (random index, one
    sample, two samples, index 248), no tlast on index 249 (a tail of 1 to 120
    samples dropped up to the next tlast), two bad frames in a row.  The
    encoder discards them; the top must drop exactly their tags: every good
    beat's decision (and delivery) carries its own tag, stat_dropped counts
    the bad frames."""

    IDLE_PCT = 10
    BP_PCT = 30
    REQUIRE = {"frame": ("too_short", "too_long", "one_sample"), "tag_queue": ("bypass", "1")}

    def bad(self, it: BeatItem, rng, kind):
        words = list(it.words)
        if kind == "short":
            cut = rng.randrange(1, F.ENC_BEAT_LEN - 1)
            words = words[:cut] + [(words[cut][0], 1)]
        elif kind == "one":
            words = [(words[0][0], 1)]
        elif kind == "two":
            words = [(words[0][0], 0), (words[1][0], 1)]
        elif kind == "248":
            words = words[:F.ENC_BEAT_LEN - 2] + [(words[F.ENC_BEAT_LEN - 2][0], 1)]
        else:                                                  # long: tail of n samples
            n = 1 if kind == "long1" else rng.randrange(2, 121)
            words = [(w, 0) for w, _ in words] + [(int(rng.randrange(-900, 900)), 0) for _ in range(n - 1)] + [(0, 1)]
        it.words = words
        it.meta["bad"] = kind
        return it

    async def body(self):
        rng = self.knobs.rng("badlen")
        recs = self.knobs.records or ("100", "119", "208", "233", "105", "203", "210", "215")
        good = self.items(2 if not ICARUS else 1, records=recs, salt=6)
        kinds = ["short", "one", "long", "two", "248", "long1", "short", "long"]
        bad = [self.bad(it, rng, k) for it, k in zip(self.items(1, records=recs, salt=7), kinds)]
        seq = []
        for i, g in enumerate(good):
            seq.append(g)
            if i < len(bad):
                seq.append(bad[i])
                if bad[i].meta["bad"] == "two":                 # two bad frames in a row
                    seq.append(self.bad(self.items(1, records=recs[:1], salt=8)[0], rng, "short"))
        await self.send(seq)


@pyuvm.test()
class SystemCornerTest(SystemBaseTest):
    """The input and configuration corners of the top's own ports, in screen
    mode: synthetic frames (random walks of +-300 steps, a spike at every
    sample) picked by the model among those the screen flags abnormal until
    every one of the 500 slots has been set in a beat that reaches stage 2;
    an empty frame; out-of-range samples (saturated, stat_sat); the gaps 2047
    and 0 (stat_cfg_err, sticky until a reset clears it); and AXI4-Lite
    accesses across the engine's map through the top (CTRL with reserved bits,
    unmapped addresses, read-only registers, a partial strobe, the preloaded
    images read back through the memory window, wrapping bank 3 -> bank 0)."""

    IDLE_PCT = 5
    BP_PCT = 20
    REQUIRE = {"input": ("walk", "flat", "saturated", "gap_max", "gap_zero", "vout_saturated"),
               "axil": ("okay_wr", "slverr_wr", "decerr_wr", "okay_rd", "slverr_rd", "decerr_rd")}

    def frame(self, x, side=None, kind="synthetic"):
        it = BeatItem("synthetic", np.asarray(x, dtype=np.int64), side=side or self.side())
        it.meta.update(tag=self.new_tag(), kind=kind, rr=(1, int(self.tag_rng.getrandbits(16))))
        return it

    def walks(self, max_frames=None):
        """Random walks; keep those the screen flags abnormal that set a slot
        not set yet, until every slot is covered (or max_frames: on Icarus,
        where code coverage is not measured, 4 frames are enough)."""
        rng = np.random.default_rng(self.knobs.seed)
        cfg = E.EncoderConfig(delta_s=self.enc_params["delta_s"], delta_l=self.enc_params["delta_l"])
        cov, out = np.zeros(F.ENC_SLOTS, dtype=bool), []
        for _ in range(40000):
            if cov.all() or len(out) == max_frames:
                return out
            step = int(rng.choice([150, 300, 600]))
            x = np.cumsum(rng.choice([-step, step], F.ENC_BEAT_LEN))
            x = np.clip(x - int(x.mean()), -2000, 2000)
            beat = E.encode_beat(x, cfg)[4]
            inp = G.screen_inputs(beat.slots, FIRST_BEAT_RR)    # frame() sends them as first beats
            if G.run_beat(inp, self.banks["binary"]).cls == 1 and np.any(~cov & (beat.slots > 0)):
                cov |= beat.slots > 0
                out.append(x)
        raise AssertionError(f"no abnormal synthetic frames cover slots {np.flatnonzero(~cov)[:10]}...")

    async def registers(self):
        w, r = (lambda a, d, strb=0xF: AxilItem("w", write=True, addr=a, data=d, strb=strb),
                lambda a: AxilItem("r", write=False, addr=a))
        await self.axil([
            w(REG_CTRL, 0xFFFFFFCE), r(REG_CTRL),                 # reserved bits ignored: screen, bank 0
            w(0xFF, 0xFFFFFFFF), r(0xFF), w(0x7C, 0), r(0x7C),   # unmapped: DECERR
            w(REG_ID, 0x12345678), w(REG["INFO"], 0),            # read-only: SLVERR
            w(REG_CTRL, 1, strb=0x0), r(REG_CTRL | 3),           # partial strobe: SLVERR, no effect
            r(REG_ID), r(REG["INFO"]), r(REG["STATUS"]), r(REG_BEATS),
            w(REG["MEM_ADDR"], 0xFFFF), r(REG["MEM_ADDR"]),     # word > 2917: SLVERR
            w(REG["MEM_ADDR"], 3 << 16 | (G.IMAGE_WORDS - 2)),   # bank 3, the last two words, then
            *[r(REG[f"RDATA{k}"]) for k in range(4)] * 3,        # wrapping to bank 0 word 0
            r(REG["MEM_ADDR"]), w(REG["MEM_ADDR"], 0), w(REG_CTRL, 0)])

    async def saturated_outputs(self, beats):
        """Output membranes are sums of even steps, so bit 0 of vout0/vout1 is set
        only when an output saturates at +32767, which the trained banks never
        reach: the output biases of bank 0 are overwritten over AXI4-Lite with
        +32767 for a few beats (both outputs saturate: a tie, class 0), then
        restored; the model's bank follows the bus writes."""
        w0 = self.env.predictor.images[0][G.ADDR_B3]
        sat = (w0 & ~0xFFFFFFFF) | 0x7FFF7FFF

        def word(v):
            return [AxilItem("a", write=True, addr=REG["MEM_ADDR"], data=G.ADDR_B3)] + \
                [AxilItem("w", write=True, addr=REG[f"WDATA{k}"], data=(v >> (32 * k)) & 0xFFFFFFFF) for k in range(4)]
        await self.axil(word(sat))
        await self.send([self.frame(it.samples, kind="real") for it in beats])
        await self.drain()
        await self.axil(word(w0) + [AxilItem("r", write=False, addr=REG["WDATA0"])])
        self.env.cov.sample("input", "vout_saturated")

    async def body(self):
        d = self.dut
        cov = self.env.cov
        await self.registers()
        walks = self.walks(4 if ICARUS else None)
        self.logger.info(f"{len(walks)} synthetic abnormal frames" + ("" if ICARUS else ": every slot set"))
        items = [self.frame(x, kind="walk") for x in walks] + [self.frame(np.zeros(F.ENC_BEAT_LEN), kind="flat")]
        real = self.items(1, records=("100", "119", "208", "233", "105"), salt=13)
        sat = real[0]
        for k, v in ((95, 32767), (100, -32768), (105, 3000), (110, -2049), (120, 2047)):
            sat.words[k] = (v, sat.words[k][1])
        real[1].side = {"cfg_delta_s": F.ENC_DELTA.max_code, "cfg_delta_l": F.ENC_DELTA.max_code}
        real[2].side = {"cfg_delta_s": 0, "cfg_delta_l": 0}
        for it, kind in ((sat, "saturated"), (real[1], "gap_max"), (real[2], "gap_zero")):
            it.meta["kind"] = kind
        for it in items + real[:3]:
            cov.sample("input", it.meta["kind"])
        await self.send(items + real[:3] + real[3:4])
        await self.drain()
        await self.saturated_outputs(real[3:4])
        assert _bit(d.stat_cfg_err), "stat_cfg_err must stay set until reset"
        await reset(d.clk, d.rst, cycles=2)
        assert not _bit(d.stat_cfg_err), "reset must clear stat_cfg_err"
        await self.send(real[4:])
        await self.drain()
        await self.registers()


@pyuvm.test(expect_error=ScoreboardError)
class SystemCorruptModelTest(SystemBaseTest):
    """Must FAIL with a scoreboard error (expect_error): the SNN model's theta1
    is off by one in every bank.  If this test passes, the scoreboard cannot see
    a wrong model."""

    def build_phase(self):
        uvm_factory().set_type_override_by_type(SystemPredictor, CorruptedPredictor)
        super().build_phase()

    async def body(self):
        await self.send(self.items(1, records=("100", "119", "208"), salt=9))


@pyuvm.test()
class SystemCycleTest(SystemBaseTest):
    """The latency of docs/system.md on the TRACE_EN=0 build (the engine never
    stalls for a trace dump), no idle, no back-pressure, a fast stage 2:
    isolated beats (sent when the top is empty): the engine takes the beat
    1 cycle after the handshake of its last sample, and the decision handshake
    comes N + 1 cycles after that (N = the engine's cycle formula); then beats
    back to back: the engine takes the next beat 1 cycle after each decision
    handshake, one beat per N + 2 cycles.  Every figure is compared exactly
    (channel ``latency``)."""

    IDLE_PCT = 0
    BP_PCT = 0
    WAIT = (0, 3)
    CHANNELS = SystemBaseTest.CHANNELS + ("latency",)

    async def body(self):
        if self.trace:
            raise AssertionError("system_cycles needs the TRACE_EN=0 build (the trace dumps stall the engine)")
        n_iso, n_b2b = (10, 40) if not ICARUS else (4, 8)
        recs = self.knobs.records or D.MITDB_RECORDS
        iso = self.items(1, records=recs[:n_iso], salt=10)
        b2b = self.items(1, records=recs[n_iso:n_iso + n_b2b], salt=11)
        p = self.env.predictor
        for it in iso:
            await self.send([it])
            await self.drain()
        first = len(p.history)
        await self.send(b2b)
        await self.drain()
        sb = self.env.sb
        h = p.history
        spans = []
        for i, b in enumerate(h):
            sb.expect("latency", ("decision - link", b.tag, b.cycles + 1))
            sb.export("latency").write(("decision - link", b.tag, b.eng_dec - b.link))
            if i < first:
                sb.expect("latency", ("link - last sample (engine idle)", b.tag, 1))
                sb.export("latency").write(("link - last sample (engine idle)", b.tag, b.link - b.last))
            elif i > first:
                sb.expect("latency", ("link - previous decision (back to back)", b.tag, 1))
                sb.export("latency").write(("link - previous decision (back to back)", b.tag,
                                            b.link - h[i - 1].eng_dec))
                spans.append(b.eng_dec - h[i - 1].eng_dec)
        n = np.array([b.cycles for b in h[first + 1:]])
        self.logger.info(f"isolated beats: decision handshake = last sample + N + 2; back to back: "
                         f"{len(spans)} beats, mean {np.mean(spans):.1f} cycles per beat = mean N + 2 "
                         f"= {n.mean() + 2:.1f}")


# ------------------------------------------------------------------------------------------
# Release timing under stalls (docs/system.md "Release timing")
# ------------------------------------------------------------------------------------------
# The contract: the engine takes its next beat one cycle after the later of the two decision
# handshakes, m_dec's and the wake-up side's; the wake-up side (queue + wake-up path) takes a
# waking decision in the first cycle from the decision's first valid cycle in which fewer than
# WAKE_CAPACITY of the beats it took are still unacknowledged by stage 2 (one in stage 2, one
# waiting in the queue), counting an acknowledge in the cycle it is seen; the wake-up path hands a
# beat to stage 2 in the first cycle from then on in which stage 2 has acknowledged every beat it
# was handed before.  Nothing here depends on the DUT's parameters: a design that keeps the
# engine until stage 2 has finished fails.
WAKE_CAPACITY = 2


class ReleaseTimingError(AssertionError):
    """The engine, or the wake-up side, took a beat in another cycle than the contract says."""


@dataclass
class ReleaseCycles:
    """Per-cycle samples (falling edges of clk) of the ports the release check reads."""

    dec_ready: bytearray           # m_dec_ready per cycle
    link_valid: bytearray          # a beat waits on the encoder -> engine link
    dec_rise: list                 # (cycle, abnormal) of every decision's first valid cycle
    dec_hs: list                   # cycle of every m_dec handshake
    done: list                     # cycles in which stage2_done toggled
    wake_hs: list                  # cycles in which the wake-up path took a request (hs_req_in toggles)
    link_hs: list                  # cycles of the link handshakes (the engine takes a beat)


class ReleaseMonitor(uvm_monitor):
    """Samples, every cycle, m_dec (valid, ready, abnormal), stage2_done, hs_req_in
    (toggles once per request the wake-up path takes) and the beat link."""

    def build_phase(self):
        self.dut = ConfigDB().get(self, "", "dut")
        self.log = ReleaseCycles(bytearray(), bytearray(), [], [], [], [], [])
        self.armed = False

    async def run_phase(self):
        d, g = self.dut, self.log
        c, prev_valid, prev_done, prev_req = -1, 0, 0, 0
        while True:
            await FallingEdge(d.clk)
            c += 1
            ready, valid = _bit(d.m_dec_ready), _bit(d.m_dec_valid)
            done, req = _bit(d.stage2_done), _bit(d.hs_req_in)
            lv = _bit(d.link_valid)
            if _bit(d.rst):
                if self.armed:
                    raise ReleaseTimingError("release check: a reset during the run (the check assumes none)")
                prev_valid, prev_done, prev_req = 0, 0, 0
                g.dec_ready.append(ready)
                g.link_valid.append(lv)
                continue
            self.armed = True
            g.dec_ready.append(ready)
            g.link_valid.append(lv)
            if valid and not prev_valid:
                g.dec_rise.append((c, _bit(d.m_dec_abnormal)))
            if valid and ready:
                g.dec_hs.append(c)
            if done != prev_done:
                g.done.append(c)
            if req != prev_req:
                g.wake_hs.append(c)
            if lv and _bit(d.eng_beat_ready):
                g.link_hs.append(c)
            prev_valid = valid and not ready
            prev_done, prev_req = done, req


def release_expectations(g: ReleaseCycles, capacity: int = WAKE_CAPACITY):
    """From the observed decisions, m_dec_ready pattern and stage-2 acknowledges: for every
    decision, the expected m_dec handshake, wake-up-side take, wake-up-path hand-over (waking
    decisions) and the cycle the engine takes the next beat.  Returns a list of dicts."""
    from bisect import bisect_left, bisect_right

    def acked(c):                     # acknowledges seen in cycles <= c
        return bisect_right(g.done, c)

    def first(c, cond, what):
        n = len(g.dec_ready)
        while c < n and not cond(c):
            c += 1
        if c >= n:
            raise ReleaseTimingError(f"release check: the run ended before {what}")
        return c

    takes, handed, out = [], [], []
    for k, (v, abn) in enumerate(g.dec_rise):
        e = dict(k=k, valid=v, abnormal=abn)
        e["m_dec"] = first(v, lambda c: g.dec_ready[c], "an m_dec handshake")
        rel = e["m_dec"]
        if abn:
            w = first(v, lambda c: bisect_left(takes, c) - acked(c) < capacity, "the wake-up side took a decision")
            # one hand-over per cycle: after the previous one, once stage 2 acknowledged all before
            h = first(max(w, handed[-1] + 1 if handed else w), lambda c: bisect_left(handed, c) - acked(c) == 0,
                      "the wake-up path took a request")
            takes.append(w)
            handed.append(h)
            e["wake"], e["handed"] = w, h
            e["case"] = "waited_for_slot" if w > v else "direct" if h == w else "queued"
            rel = max(rel, w)
        if k + 1 < len(g.dec_rise) or any(c > rel for c in g.link_hs):
            e["release"] = rel
            e["next_beat"] = first(rel + 1, lambda c: g.link_valid[c], "the next beat reached the engine")
        out.append(e)
    return out


def release_check(g: ReleaseCycles, log=None, capacity: int = WAKE_CAPACITY) -> dict:
    """Compares every observed handshake cycle with :func:`release_expectations`; raises
    ReleaseTimingError listing the first differences.  Returns figures for the report."""
    from bisect import bisect_right
    exp = release_expectations(g, capacity)
    errs = []
    if len(g.dec_hs) != len(exp):
        errs.append(f"{len(exp)} decisions became valid, {len(g.dec_hs)} m_dec handshakes")
    wake = [e for e in exp if e["abnormal"]]
    if len(g.wake_hs) != len(wake):
        errs.append(f"{len(wake)} waking decisions, the wake-up path took {len(g.wake_hs)} requests")
    late = []
    for e in exp:
        k = e["k"]
        if k < len(g.dec_hs) and g.dec_hs[k] != e["m_dec"]:
            errs.append(f"decision {k}: m_dec handshake in cycle {g.dec_hs[k]}, expected {e['m_dec']}")
        if e["abnormal"]:
            i = wake.index(e)
            if i < len(g.wake_hs) and g.wake_hs[i] != e["handed"]:
                errs.append(f"decision {k}: wake-up path took it in cycle {g.wake_hs[i]}, expected {e['handed']}")
        if "next_beat" in e:
            j = bisect_right(g.link_hs, e["valid"])
            got = g.link_hs[j] if j < len(g.link_hs) else None
            e["got"] = got
            if got != e["next_beat"]:
                errs.append(f"decision {k} ({'waking' if e['abnormal'] else 'normal'}, valid in cycle {e['valid']}, "
                            f"m_dec handshake {e['m_dec']}"
                            + (f", wake-up side take expected {e['wake']}" if e["abnormal"] else "")
                            + f"): the engine took the next beat in cycle {got}, expected {e['next_beat']}"
                            + (f" ({got - e['next_beat']} cycles late)" if got is not None else ""))
                if got is not None:
                    late.append(got - e["next_beat"])
    if log is not None:
        for e in exp[:6]:
            log(f"release: {e}")
    if errs:
        more = f" (and {len(errs) - 8} more)" if len(errs) > 8 else ""
        raise ReleaseTimingError(f"release timing: {len(errs)} difference(s){more}; "
                                 + "; ".join(errs[:8])
                                 + (f"; late by {min(late)}..{max(late)} cycles, {sum(late)} in total" if late else ""))
    cases = {}
    for e in wake:
        cases[e["case"]] = cases.get(e["case"], 0) + 1
    checked = [e for e in exp if "next_beat" in e]
    return dict(decisions=len(exp), waking=len(wake), checked=len(checked), cases=cases,
                mdec_later=sum(1 for e in checked if e["abnormal"] and e["m_dec"] > e["wake"]),
                wake_later=sum(1 for e in checked if e["abnormal"] and e["wake"] > e["m_dec"]),
                waited=sum(e["wake"] - e["valid"] for e in wake))


@pyuvm.test()
class SystemReleaseTest(SystemBaseTest):
    """Release timing under stalls (TRACE_EN=0): stage 2 needs 1,500-3,000 gated
    cycles per beat (longer than the engine needs per beat), m_dec is stalled
    for short random stretches (50 %), the samples come without idle cycles so
    the next beat always waits on the link; runs of 1-4 abnormal beats between
    normal ones.  For every decision the cycle in which the engine takes the
    next beat must equal the contract's (one cycle after the later of the m_dec
    and wake-up-side handshakes, the wake-up side holding up to 2 beats not yet
    acknowledged by stage 2), computed from the observed handshakes; so must
    the m_dec handshake and the wake-up path's hand-over of each waking beat.
    Every decision and delivery is compared by the scoreboard as usual."""

    IDLE_PCT = 0
    BP_PCT = 50
    WAIT = (1500, 3000)
    P_ZERO_WAIT = 0.0
    N_BEATS = (14, 6)
    REQUIRE = {"release": ("direct", "queued", "waited_for_slot", "mdec_later", "wake_later")}

    def build_phase(self):
        super().build_phase()
        ConfigDB().set(self, "rel_mon", "dut", self.dut)
        self.rel_mon = ReleaseMonitor("rel_mon", self)

    def end_of_elaboration_phase(self):
        self.env.cov.coverpoint("release")
        super().end_of_elaboration_phase()

    async def body(self):
        if self.trace:
            raise AssertionError("the release test needs the TRACE_EN=0 build (trace dumps stall the engine)")
        ab, no = self.screen_pick(*self.N_BEATS, records=self.knobs.records or D.DS2, salt=21)
        items, rng = [], self.knobs.rng("release_order")
        while ab or no:
            for _ in range(rng.randint(1, 4)):
                if ab:
                    items.append(ab.pop())
            if no:
                items.append(no.pop())
        await self.send(items)

    def extract_phase(self):
        """(extract: before the coverage collector's check_phase enforces the bins)"""
        fig = release_check(self.rel_mon.log, self.logger.info)
        cov = self.env.cov
        for case, n in fig["cases"].items():
            cov.sample("release", case, n)
        for key in ("mdec_later", "wake_later"):
            if fig[key]:
                cov.sample("release", key, fig[key])
        self.logger.info(f"release timing: {fig['checked']} next-beat takes checked exactly over {fig['decisions']} "
                         f"decisions ({fig['waking']} waking: {fig['cases']}; the wake-up side took "
                         f"{fig['mdec_later']} before m_dec and {fig['wake_later']} after it; "
                         f"{fig['waited']} cycles of waking decisions waiting for a free slot in total)")


@pyuvm.test(expect_error=ReleaseTimingError)
class SystemReleaseHoldTest(SystemReleaseTest):
    """Must FAIL with ReleaseTimingError (expect_error): run on the WAKE_QUEUE=0
    build, which has no room for a second beat, so a waking decision that follows
    another one waits for stage 2 to finish it: the engine is held, and the
    release check must name the cycles."""

    N_BEATS = (6, 2)

    def end_of_elaboration_phase(self):
        if int(self.dut.WAKE_QUEUE.value) != 0:
            raise AssertionError("system_release_expect_fail must run on the WAKE_QUEUE=0 build")
        self.REQUIRE = {}
        super().end_of_elaboration_phase()
