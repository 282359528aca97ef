# SPDX-License-Identifier: Apache-2.0
# ECG classification hardware: simulation, regression, lint, coverage, benchmarks.
# `make help` lists the targets.  Every target first runs scripts/bootstrap.sh
# (system packages when root/sudo, the .venv with pinned requirements) once.

SHELL      := bash
PY         := .venv/bin/python
STAMP      := .venv/.requirements.sha
TEST       ?= encoder
SIM        ?= verilator
SEED       ?=
TOP        ?=
DEVICE     ?= 85k
WAVES      ?= 0
COV        ?= 0
JOBS       ?= 2
B          ?= encoder
BEATS      ?=
SPLIT      ?=
MODE       ?=
RECORDS    ?=
TRACE      ?=
DATA_DIR   ?=
PARAMS     ?=

ifneq ($(strip $(DATA_DIR)),)
export ECG_DATA_DIR := $(abspath $(DATA_DIR))
endif

.PHONY: help setup sim regress lint cov bench synth pnr formal formats formats-check cnn-regs unit test spikes quality classify raw report clean

help:
	@echo "make setup                      install system packages (root/sudo) and the .venv"
	@echo "make sim TEST=<name> [SIM=icarus|verilator] [SEED=n] [WAVES=1] [COV=1]"
	@echo "                                run one cocotb/pyuvm test (python -m verif.run --list)"
	@echo "make regress [SIM=..] [JOBS=2] [COV=1]  every regression test, in parallel"
	@echo "make lint                       verilator --lint-only -Wall and iverilog -Wall on every RTL top"
	@echo "make cov                        regression with Verilator coverage + HTML report + minima"
	@echo "make bench B=<block> [BEATS=N|all] [SIM=..]  stream real beats through the RTL, print JSON"
	@echo "                                B=encoder | B=snn_if [SPLIT=intra|inter] [MODE=screen|cascade] [TRACE=1|0]"
	@echo "                                B=snn_eprop [SPLIT=intra|inter] [MODE=infer|learn] [RECORDS=232,213] [TRACE=1|0]"
	@echo "                                B=pipeline [SPLIT=intra|inter] [MODE=infer|learn] [RECORDS=208,232] [TRACE=1|0]"
	@echo "                                B=cnn [SPLIT=intra|inter]  (the CNN IP driven by driver/cnn_ip, every layer)"
	@echo "                                B=tcn [SPLIT=intra|inter]  (the CNN+TCN network on the same IP and driver, every layer)"
	@echo "                                (snn_if: intra test split / DS2 through the IF engine, accuracy from RTL)"
	@echo "                                [IDLE_PCT=0..99] [BP_PCT=0..99] [JOBS=n simulations at once, default one per core]"
	@echo "                                [SCHEDULER=tcp://host:port: simulations on Dask]"
	@echo "make synth                      Yosys synth_xilinx (xc7) of every RTL top, resource table"
	@echo "make pnr [TOP=..] [DEVICE=85k] [SEED=1] [PARAMS=\"N_MAC=8 ..\"]  ECP5 synthesis + nextpnr of every top (PARAMS: one TOP's parameters), Fmax table"
	@echo "make formal                     SymbiYosys: AXI4-Lite properties of if_axil_regs (both configurations)"
	@echo "make spikes                     spikes per beat per class vs a one-gap level-crossing encoder"
	@echo "make quality [SPLITS=intra,inter] [KINDS=ma,pl,em,bw,all] [SNRS=24,18,12,6,0] [RECORDS=..] [CALIBRATE=1]"
	@echo "                                signal-quality gate and IF screen under seeded noise (docs/quality.md)"
	@echo "make classify REC=<rec.hea|rec|file.csv> [FS=Hz] [CHANNEL=..] [UNITS=mV|uV|V|adc] [MAINS=60|50]"
	@echo "                                [MODEL=inter|intra] [OUT=beats.csv|.json] [RTL=1 [SIM=..]]  your own recording,"
	@echo "                                per-beat time, quality, stage-1/stage-2 decisions (docs/recording.md)"
	@echo "make raw [SPLITS=intra,inter] [RECORDS=..] [RTL=1 SIM=..]"
	@echo "                                two-stage pipeline from the raw stream, no annotation: missed/extra beats scored (docs/recording.md)"
	@echo "make report                     figures and an HTML page from the benches' own output (build/report/)"
	@echo "make formats / formats-check    regenerate / check rtl/common/ecg_formats.vh"
	@echo "make cnn-regs                   regenerate the CNN IP's register files from golden/cnn_regmap.py"
	@echo "make unit                       golden-model and data unit tests (pytest)"
	@echo "make test                       unit tests, formats check, lint, Verilator regression, Icarus smoke"
	@echo "variables: DATA_DIR=<dir holding mitdb/> (default ../shared/data), SEED, JOBS"

$(STAMP): requirements.txt scripts/bootstrap.sh
	@bash scripts/bootstrap.sh

setup: $(STAMP)

sim: $(STAMP)
	@$(PY) -m verif.run --test $(TEST) --sim $(SIM) $(if $(SEED),--seed $(SEED)) \
	  $(if $(filter 1,$(WAVES)),--waves) $(if $(filter 1,$(COV)),--cov)

regress: $(STAMP)
	@case "$(SIM)" in icarus|verilator) ;; *) echo "make regress: SIM must be icarus or verilator, got '$(SIM)'" >&2; exit 2;; esac
	SIMS=$(SIM) COV=$(COV) SEED=$(SEED) $(PY) -m pytest -q -n $(JOBS) verif/test_regression.py

lint: $(STAMP)
	@bash scripts/lint.sh

cov: $(STAMP)
	rm -rf build/fcov/verilator build/tests/verilator/*-cov
	SIMS=verilator COV=1 SEED=$(SEED) $(PY) -m pytest -q -n $(JOBS) verif/test_regression.py
	$(PY) scripts/coverage_report.py

bench: $(STAMP)
	@$(PY) scripts/bench.py --block $(B) $(if $(BEATS),--beats $(BEATS)) --sim $(SIM) $(if $(SEED),--seed $(SEED)) \
	  $(if $(SPLIT),--split $(SPLIT)) $(if $(TRACE),--trace $(TRACE)) $(if $(MODE),--mode $(MODE)) \
	  $(if $(RECORDS),--records $(RECORDS)) $(if $(DATASET),--dataset $(DATASET)) $(if $(PROTOCOL),--protocol $(PROTOCOL)) \
	  $(if $(filter command line environment,$(origin JOBS)),--jobs $(JOBS))

synth: $(STAMP)
	@for f in $$(find rtl -name '*.f' | sort); do bash scripts/synth.sh $$(basename $$f .f) $$f || exit 1; done

pnr: $(STAMP)
	@$(PY) scripts/pnr.py $(if $(TOP),--top $(TOP)) --device $(DEVICE) --seed $(or $(SEED),1) \
	  $(foreach p,$(PARAMS),--param $(p))

formal: $(STAMP)
	@$(PY) scripts/formal.py

spikes: $(STAMP)
	@$(PY) scripts/spike_stats.py

formats: $(STAMP)
	$(PY) scripts/gen_formats.py

formats-check: $(STAMP)
	$(PY) scripts/gen_formats.py --check

cnn-regs: $(STAMP)
	$(PY) scripts/gen_cnn_regs.py

unit: $(STAMP)
	$(PY) -m pytest -q -n $(JOBS) golden/tests

# The README's test command.  One pytest session runs the unit tests, the
# generated-file and lint checks and the simulation regression (Verilator,
# plus the Icarus smoke subset), so it ends with one "N passed" line.
test: $(STAMP)
	SIMS=verilator SMOKE_ICARUS=1 SEED=$(or $(SEED),1) $(PY) -m pytest -q -n $(JOBS) \
	  golden/tests verif/test_repo.py verif/test_checks.py verif/test_cli.py verif/test_classify.py verif/test_coverage_bins.py \
	  verif/test_regression.py

quality: $(STAMP)
	@$(PY) scripts/quality_gate.py $(if $(filter 1,$(CALIBRATE)),--calibrate --out build/quality/calibration.json,--out build/quality/quality.json) \
	  $(if $(SPLITS),--splits $(SPLITS)) $(if $(KINDS),--kinds $(KINDS)) $(if $(SNRS),--snrs $(SNRS)) \
	  $(if $(RECORDS),--records $(RECORDS)) $(if $(SEED),--seed $(SEED))

classify: $(STAMP)
	@test -n "$(REC)" || { echo "make classify: REC=<WFDB record or CSV file> is required" >&2; exit 2; }
	@$(PY) scripts/classify_recording.py "$(REC)" $(if $(FS),--fs $(FS)) $(if $(CHANNEL),--channel $(CHANNEL)) \
	  $(if $(UNITS),--units $(UNITS)) $(if $(MAINS),--mains $(MAINS)) $(if $(MODEL),--model $(MODEL)) \
	  $(if $(OUT),--out $(OUT)) $(if $(filter 1,$(RTL)),--rtl --sim $(SIM))

raw: $(STAMP)
	@$(PY) scripts/eval_raw.py --json build/raw/eval_raw.json $(if $(SPLITS),--splits $(SPLITS)) \
	  $(if $(RECORDS),--records $(RECORDS)) $(if $(filter 1,$(RTL)),--rtl --sim $(SIM))

report: $(STAMP)
	@$(PY) scripts/report.py

clean:
	rm -rf build sim_build results.xml .pytest_cache
