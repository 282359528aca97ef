# SPDX-License-Identifier: Apache-2.0
"""RR unit golden model (golden/rr.py, docs/rr.md): hand-computed cases."""

import numpy as np
import pytest

from golden import formats as F
from golden import rr as RR


def bits_of(st, first, delta):
    st, b, rr = RR.step(st, first, delta)
    return st, [int(v) for v in b], rr


def test_first_and_second_beat_have_ratio_one():
    # first beat: rr = 288, A = 288*16 -> ratio 1: K <= 16 set, K >= 17 clear; 288 >= 180, 252
    st, b, rr = bits_of(RR.RRState(), True, 12345)
    assert rr == 288 and st == RR.RRState(n=1, avg=288 * 16)
    assert b == [1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0]
    # second beat seeds the average with its own interval: ratio 1 again, absolute bits of 400
    st, b, rr = bits_of(st, False, 400)
    assert rr == 400 and st == RR.RRState(n=2, avg=400 * 16)
    assert b == [1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1]


def test_premature_beat_and_average_update():
    st = RR.RRState(n=2, avg=300 * 16)
    # rr = 200: ratio 0.667 = 10.67/16 -> no ratio bit (smallest K is 11); 200 >= 180 only
    st2, b, _ = bits_of(st, False, 200)
    assert b == [0] * 8 + [1, 0, 0]
    # A <- A + ((3200 - 4800) >> 3) = 4800 - 200 = 4600
    assert st2.avg == 4600
    # rr = 330 against A = 4800 (avg 300): 330/300 = 17.6/16 -> K up to 17 set
    _, b, _ = bits_of(st, False, 330)
    assert b[:8] == [1, 1, 1, 1, 1, 1, 0, 0]
    # exactly on a boundary: rr/avg = 19/16 with avg 304, rr 361: (361<<8) >= 19*4864 -> 92416 >= 92416
    _, b, _ = bits_of(RR.RRState(n=2, avg=304 * 16), False, 361)
    assert b[6] == 1 and b[7] == 0 and b[10] == 1


def test_floor_shift_of_negative_step():
    # ((rr<<4) - A) >> 3 floors: (3200 - 3201) >> 3 = -1
    st, _, _ = RR.step(RR.RRState(n=2, avg=3201), False, 200)
    assert st.avg == 3200


def test_saturation_and_bad_interval():
    st, b, rr = bits_of(RR.RRState(n=2, avg=500 * 16), False, 0xFFFF)
    assert rr == F.RR_INTERVAL.max_code == 2047
    assert b == [1] * 11
    assert st.avg == 500 * 16 + ((2047 * 16 - 500 * 16) >> 3)
    with pytest.raises(ValueError, match="RR interval"):
        RR.step(st, False, -1)


def test_restart_on_first_flag_and_new_record():
    first, delta = RR.host_inputs([100, 100, 100, 101, 101], [10, 300, 610, 5, 405])
    assert first.tolist() == [True, False, False, True, False]
    assert delta.tolist() == [0, 290, 310, 0, 400]
    bits = RR.rr_bits([100, 100, 100, 101, 101], [10, 300, 610, 5, 405])
    st = RR.RRState()
    for n, (f, d) in enumerate(zip(first, delta)):
        st, b, _ = RR.step(st, f, int(d))
        assert bits[n].tolist() == b.tolist()
    # beat 3 restarts: same bits as a record's first beat
    assert bits[3].tolist() == bits[0].tolist()


def test_average_stays_in_range():
    rng = np.random.default_rng(3)
    st = RR.RRState()
    for d in rng.integers(0, 1 << 16, 2000):
        st, _, _ = RR.step(st, False, int(d))
        assert 0 <= st.avg <= F.RR_INTERVAL.max_code << 4
