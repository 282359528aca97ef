# SPDX-License-Identifier: Apache-2.0
"""One definition, no collisions: every trace kind and every generated constant name is unique."""

from collections import Counter

import pytest

from golden import formats


def test_trace_kinds_are_unique():
    clash = {v: sorted(k for k, w in formats.TRACE_KINDS.items() if w == v)
             for v, c in Counter(formats.TRACE_KINDS.values()).items() if c > 1}
    assert not clash, f"trace kinds share a code: {clash}"


def test_trace_kinds_fit_the_kind_field():
    bad = {k: v for k, v in formats.TRACE_KINDS.items() if not 0 <= v <= 255}
    assert not bad, f"trace kinds outside the 8-bit kind field: {bad}"


def test_header_refuses_a_macro_defined_twice(monkeypatch):
    # A constant named like a format's generated macro (QUAL_AMP_MIN beside format QUAL_AMP's
    # _MIN) once broke every lint run; the generator must name the clash instead.
    from golden import formats as F
    monkeypatch.setitem(F.QUAL_CONSTANTS, "QUAL_AMP_MIN", 20)
    with pytest.raises(ValueError, match="ECG_QUAL_AMP_MIN defined twice"):
        F.render_verilog_header()
