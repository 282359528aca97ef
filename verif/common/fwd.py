# SPDX-License-Identifier: Apache-2.0
"""A subscriber that forwards every item to a plain function.

Testbenches connect a monitor's analysis port to a method of a predictor or a
coverage collector (``fwd.fn = predictor.on_beat``) without writing one
subscriber class per method.
"""

from __future__ import annotations

from pyuvm import uvm_subscriber


class Fwd(uvm_subscriber):
    """``write(item)`` calls ``self.fn(item)``; set ``fn`` in connect_phase."""

    fn = None

    def write(self, item):
        self.fn(item)
