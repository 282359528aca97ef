# SPDX-License-Identifier: Apache-2.0
"""CocotbBus in a real simulator (Icarus, a clock-only top): the blocking CnnIp driver runs in a
cocotb.task.bridge thread and every bus access resumes into the scheduler for clock cycles."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TOP = """`timescale 1ns / 1ps
module cnn_bus_clk(input wire clk);
endmodule
"""


def test_cocotb_bus_bridges_the_blocking_driver(tmp_path):
    from cocotb_tools.runner import get_runner

    src = tmp_path / "cnn_bus_clk.v"
    src.write_text("// SPDX-License-Identifier: Apache-2.0\n" + TOP)
    runner = get_runner("icarus")
    runner.build(sources=[src], hdl_toplevel="cnn_bus_clk", build_dir=tmp_path / "build",
                 timescale=("1ns", "1ps"), log_file=tmp_path / "build.log")
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    results = runner.test(test_module="golden.tests.cocotb_cnn_bus", hdl_toplevel="cnn_bus_clk",
                          build_dir=tmp_path / "build", test_dir=tmp_path, extra_env=env,
                          log_file=tmp_path / "sim.log", timescale=("1ns", "1ps"))
    from cocotb_tools.runner import get_results
    ntests, nfail = get_results(results)
    log = (tmp_path / "sim.log").read_text()
    assert (ntests, nfail) == (1, 0), log[-4000:]
    assert "layers equal" in log
