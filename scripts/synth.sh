#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# synth.sh -- out-of-context Yosys synthesis for Xilinx 7-series and a resource summary.
#
#   scripts/synth.sh TOP FILELIST [NAME=VALUE ...]
#
# TOP       top module name
# FILELIST  .f file list (paths relative to the repository root, one per line; "+incdir+DIR",
#           "+define+NAME[=VALUE]", blank lines and "#" / "//" comments are understood)
# NAME=VALUE  optional parameter overrides of the top module
#
# Runs `synth_xilinx -family xc7 -top TOP` (flattened) and prints LUTs (LUT1..LUT6 summed), FFs
# (FDRE/FDSE/FDCE/FDPE), RAMB18/RAMB36, DSP48E1 and CARRY4. The Yosys log, the stat report
# (text and JSON) and the netlist go to build/synth/TOP/. Exits non-zero when Yosys fails.
# Yosys does no timing. For Fmax run Vivado out of context with a clock constraint: constraints/
# holds one, constraints/spike_encoder.xdc (100 MHz on port clk), a template for the other tops.
#
# SYNTH_NOSHARE=1 runs the same script with the coarse-grain `share` pass (merging of arithmetic
# cells never active together) left out: quicker, nothing else changes. On eprop_engine the two
# differ by 35 LUTs, ABC mapping noise (docs/eprop_rtl.md "Resources"); on an earlier version of
# that engine, with variable part-selects, `share` ran for over 20 minutes.
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi

top=$1
filelist=$2
shift 2

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

outdir=build/synth/$top
mkdir -p "$outdir"

incs=()
defs=()
files=()
while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    line=${line%%//*}
    line=$(echo "$line" | xargs)   # trim
    [ -z "$line" ] && continue
    case $line in
        +incdir+*)
            IFS='+' read -ra dirs <<< "${line#+incdir+}"
            for d in "${dirs[@]}"; do [ -n "$d" ] && incs+=("-I$d"); done ;;
        +define+*)
            IFS='+' read -ra ds <<< "${line#+define+}"
            for d in "${ds[@]}"; do [ -n "$d" ] && defs+=("-D$d"); done ;;
        +*|-*)
            echo "synth.sh: ignoring option '$line' in $filelist" >&2 ;;
        *)
            files+=("$line") ;;
    esac
done < "$filelist"

if [ ${#files[@]} -eq 0 ]; then
    echo "synth.sh: no source files in $filelist" >&2
    exit 1
fi

chparams=""
for p in "$@"; do
    chparams="$chparams -chparam ${p%%=*} ${p#*=}"
done

noshare=${SYNTH_NOSHARE:-0}
if [ "$noshare" = 1 ]; then
    synth_cmd="synth_xilinx -family xc7 -top $top -run begin:coarse
techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH=6
alumacc
opt
memory -nomap
opt_clean
synth_xilinx -family xc7 -top $top -run map_memory:"
else
    synth_cmd="synth_xilinx -family xc7 -top $top"
fi

cat > "$outdir/synth.ys" <<EOF
read_verilog -defer -DSYNTHESIS ${defs[*]} ${incs[*]} ${files[*]}
hierarchy -check -top $top$chparams
$synth_cmd
tee -o $outdir/stat.txt stat -top $top
tee -q -o $outdir/stat.json stat -json -top $top
write_verilog -noattr $outdir/${top}_netlist.v
EOF

if ! yosys -q -l "$outdir/yosys.log" -s "$outdir/synth.ys" > /dev/null; then
    echo "synth.sh: yosys failed, see $outdir/yosys.log" >&2
    tail -20 "$outdir/yosys.log" >&2
    exit 1
fi

python3 - "$outdir/stat.json" "$top" "$([ "$noshare" = 1 ] && echo ', share pass skipped')" <<'EOF'
import json, sys
path, top = sys.argv[1], sys.argv[2]
text = open(path).read()
text = text[text.index("{"):]
# Yosys 0.23 writes the text "design hierarchy" listing into `stat -json -top` output when the
# top has sub-sub-modules (e.g. ecg_stage1_top -> wakeup_path -> clock_gate): drop those lines
text = "\n".join(ln for ln in text.splitlines() if not ln.strip() or ln.strip()[0] in '{}[]"')
data = json.loads(text)
if "design" in data:
    cells = data["design"]["num_cells_by_type"]
else:
    cells = {}
    for mod in data["modules"].values():
        for k, v in mod["num_cells_by_type"].items():
            cells[k] = cells.get(k, 0) + v
def total(names):
    return sum(cells.get(n, 0) for n in names)
rows = [
    ("LUT", total(["LUT%d" % i for i in range(1, 7)])),
    ("FF", total(["FDRE", "FDSE", "FDCE", "FDPE"])),
    ("RAMB18", total(["RAMB18E1"])),
    ("RAMB36", total(["RAMB36E1"])),
    ("DSP48E1", total(["DSP48E1"])),
    ("CARRY4", total(["CARRY4"])),
]
other = {k: v for k, v in sorted(cells.items())
         if not (k.startswith("LUT") or k in ("FDRE", "FDSE", "FDCE", "FDPE", "RAMB18E1", "RAMB36E1",
                                               "DSP48E1", "CARRY4", "IBUF", "OBUF", "BUFG"))}
print("resource summary for %s (yosys synth_xilinx -family xc7%s)" % (top, sys.argv[3]))
for name, n in rows:
    print("  %-8s %6d" % (name, n))
print("  LUT by size: " + " ".join("LUT%d=%d" % (i, cells.get("LUT%d" % i, 0)) for i in range(1, 7)))
if other:
    print("  other:       " + " ".join("%s=%d" % kv for kv in other.items()))
print("  io:          IBUF=%d OBUF=%d BUFG=%d" % (cells.get("IBUF", 0), cells.get("OBUF", 0), cells.get("BUFG", 0)))
EOF
echo "  log: $outdir/yosys.log"
