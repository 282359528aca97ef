# SPDX-License-Identifier: Apache-2.0
"""The CNN IP driver (driver/cnn_ip/) on the register model MemoryBus: random networks and
random layers compared with golden/cnn.py at every layer, every error code surfaced as
CnnIpError, the slave's responses, the back-end adapters."""

import random
import sys

import numpy as np
import pytest

from driver.cnn_ip import BusError, CnnIp, CnnIpError, CnnIpNotFound, MemoryBus, PynqBus
from driver.cnn_ip import regs as R
from golden import cnn

OKAY, SLVERR, DECERR = 0, 2, 3
N_MACS = [1, 3, 4, 5, 8]


def _caps(n_mac, **kw):
    return cnn.Caps(n_mac=n_mac, **kw)


def random_network(rng: np.random.Generator, length: int):
    """A random small network: conv layers (all paddings, strides, dilations), a residual ADD,
    max pooling and two dense layers; requant scaled so that some outputs saturate."""
    net, shape = [], (1, length)
    c = 1

    def q(cout, fan):
        return dict(bias=rng.integers(-3000, 3000, size=cout), m=rng.integers(1, 1 << 15, size=cout),
                    s=rng.integers(12, 19, size=cout) + int(np.log2(max(fan, 1))) // 2)

    for i in range(int(rng.integers(2, 4))):
        cout, k = int(rng.integers(2, 7)), int(rng.integers(1, 6))
        pad, dil = int(rng.integers(0, 3)), int(rng.integers(1, 4))
        stride = 1 if pad != cnn.VALID else int(rng.integers(1, 3))
        layer = cnn.Layer(cnn.CONV1D, rng.integers(-128, 128, size=(cout, c, k)), pad=pad, dilation=dil,
                          stride=stride, relu=bool(rng.integers(0, 2)), name=f"conv{i}", **q(cout, c * k))
        if cnn.len_out(layer.descriptor(shape)) < 1:
            continue
        net.append(layer)
        shape, c = layer.out_shape(shape), cout
    # a same-padded conv and a residual add around it
    net.append(cnn.Layer(cnn.CONV1D, rng.integers(-128, 128, size=(c, c, 3)), pad=cnn.SAME, **q(c, 3 * c)))
    net.append(cnn.Layer(cnn.ADD, ma=int(rng.integers(-400, 400)), mb=int(rng.integers(-400, 400)),
                         shift=int(rng.integers(6, 10)), src=len(net) - 2, src_b=len(net) - 1, relu=True))
    if shape[1] >= 2:
        net.append(cnn.Layer(cnn.MAXPOOL, kernel=2, stride=2))
        shape = net[-1].out_shape(shape)
    feat = shape[0] * shape[1]
    net.append(cnn.Layer(cnn.DENSE, rng.integers(-128, 128, size=(9, feat)), relu=True, **q(9, feat)))
    net.append(cnn.Layer(cnn.DENSE, rng.integers(-128, 128, size=(5, 9)), **q(5, 9)))
    return net


# ------------------------------------------------------------------------------ networks
@pytest.mark.parametrize("n_mac", N_MACS)
def test_random_network_equals_golden_at_every_layer(n_mac):
    rng = np.random.default_rng(40 + n_mac)
    ip = CnnIp(MemoryBus(_caps(n_mac)))
    sat = [0, 0]
    for _ in range(3):
        x = rng.integers(-128, 128, size=int(rng.integers(20, 60))).astype(np.int8)
        net = random_network(rng, x.size)
        plan = ip.load_network(net, (1, x.size))
        assert plan.resident
        for _ in range(2):
            outs, results = ip.run_network(net, x, plan=plan, with_results=True)
            want = cnn.run_network(net, x)
            assert len(outs) == len(want) == len(net)
            for i, (o, w) in enumerate(zip(outs, want)):
                np.testing.assert_array_equal(o, w, err_msg=f"layer {i} {plan.descs[i]}")
            for d, r in zip(plan.descs, results):
                assert r.macs == cnn.macs(d) and r.len_out == cnn.len_out(d)
                assert r.cycles == cnn.mac_bound_cycles(d, n_mac) and r.stalls == 0
            sat[0] += sum(int((o == -128).sum()) for o in outs)
            sat[1] += sum(int((o == 127).sum()) for o in outs)
            x = rng.integers(-128, 128, size=x.size).astype(np.int8)
    assert sat[0] > 0 and sat[1] > 0


def test_network_with_weights_reloaded_per_layer():
    """A weight RAM too small for the whole network: each layer's weights are loaded before it."""
    rng = np.random.default_rng(50)
    x = rng.integers(-128, 128, size=48).astype(np.int8)
    net = random_network(rng, x.size)
    per_layer = [cnn.weight_rows(d, 3) for d in CnnIp(MemoryBus()).plan_network(net, (1, 48)).descs]
    need, rows = sum(per_layer), max(per_layer)
    w_rows = 1 << (rows - 1).bit_length()
    assert w_rows < need
    ip = CnnIp(MemoryBus(cnn.Caps(w_rows=w_rows)))
    plan = ip.load_network(net, (1, 48))
    assert not plan.resident
    for o, w in zip(ip.run_network(net, x, plan=plan), cnn.run_network(net, x)):
        np.testing.assert_array_equal(o, w)


def test_activation_regions_never_overlap_a_live_map():
    rng = np.random.default_rng(51)
    net = random_network(rng, 50)
    plan = CnnIp(MemoryBus()).plan_network(net, (1, 50))
    for d in plan.descs:
        assert cnn.check_descriptor(d, cnn.Caps()) == 0, str(d)


def test_corrupted_model_is_caught():
    """expect-fail: a register model that maps weight lanes wrongly must mismatch golden."""

    class LaneSwapBus(MemoryBus):
        def gather_operands(self, desc):
            ops = super().gather_operands(desc)
            if ops.weight is not None and ops.weight.shape[0] > 1:
                ops.weight = ops.weight[::-1].copy()
            return ops

    rng = np.random.default_rng(52)
    x = rng.integers(-128, 128, size=40).astype(np.int8)
    net = random_network(rng, x.size)
    outs = CnnIp(LaneSwapBus()).run_network(net, x)
    want = cnn.run_network(net, x)
    assert any(not np.array_equal(o, w) for o, w in zip(outs, want))


# ------------------------------------------------------------------------------ layers
@pytest.mark.parametrize("n_mac", N_MACS)
def test_random_layers_equal_golden(n_mac):
    rng = random.Random(60 + n_mac)
    caps = _caps(n_mac)
    ip = CnnIp(MemoryBus(caps))
    kinds = set()
    for _ in range(60):
        d = cnn.random_descriptor(rng, caps)
        ops = cnn.random_operands(rng, d, caps)
        ip.load_operands(d, ops)
        res = ip.run_layer(d)
        e = d.effective()
        y = ip.read_act(e.dst, e.cout * cnn.len_out(e)).reshape(e.cout, -1)
        np.testing.assert_array_equal(y, cnn.run_descriptor(d, ops, caps), err_msg=str(d))
        assert res.macs == cnn.macs(d) and res.len_out == cnn.len_out(d)
        kinds.add(d.kind)
    assert kinds == {0, 1, 2, 3}


@pytest.mark.parametrize("n_mac", N_MACS)
def test_weight_packing_follows_the_contract_row_layout(n_mac):
    rng = np.random.default_rng(70 + n_mac)
    ip = CnnIp(MemoryBus(_caps(n_mac)))
    cout, cin, k = 2 * n_mac + 1, 3, 4
    w = rng.integers(-128, 128, size=(cout, cin, k)).astype(np.int8)
    rows = ip.pack_weights(w)
    groups = -(-cout // n_mac)
    assert rows.shape == (groups * cin * k, n_mac)
    for g in range(groups):
        for ci in range(cin):
            for kk in range(k):
                for lane in range(n_mac):
                    co = g * n_mac + lane
                    assert rows[(g * cin + ci) * k + kk, lane] == (w[co, ci, kk] if co < cout else 0)
    ip.load_weights(rows, base=17)
    np.testing.assert_array_equal(ip.read_weights(17, rows.shape[0]), rows)
    np.testing.assert_array_equal(ip.bus.w[17:17 + rows.shape[0]], rows)


def test_act_window_unaligned_writes_keep_the_neighbours():
    ip = CnnIp(MemoryBus())
    ip.write_act(0, np.arange(-8, 8, dtype=np.int8))
    for addr, n in ((1, 2), (3, 1), (5, 6), (2, 9), (4, 4), (7, 1)):
        before = ip.read_act(0, 24)
        new = (np.arange(n) * 11 - 60).astype(np.int8)
        ip.write_act(addr, new)
        after = ip.read_act(0, 24)
        want = before.copy()
        want[addr:addr + n] = new
        np.testing.assert_array_equal(after, want)


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("code", range(1, 11))
def test_every_error_code_is_raised_as_cnn_ip_error(code):
    rng = random.Random(80 + code)
    ip = CnnIp(MemoryBus())
    for _ in range(5):
        d = cnn.random_illegal_descriptor(rng, ip.caps, code)
        before = bytes(ip.bus.act)
        with pytest.raises(CnnIpError) as ei:
            ip.run_layer(d)
        assert (ei.value.code, ei.value.name) == (code, R.ERROR_NAMES[code]) == (code, cnn.error_name(code))
        assert bytes(ip.bus.act) == before                       # nothing executed
        st = ip.status()
        assert not st["err"] and not st["done"] and not st["busy"] and st["err_code"] == code
    # the IP accepts the next legal layer
    d = cnn.random_descriptor(rng, ip.caps, kind=cnn.MAXPOOL)
    ops = cnn.random_operands(rng, d, ip.caps)
    ip.load_operands(d, ops)
    ip.run_layer(d)
    assert ip.status()["err_code"] == 0


def test_driver_refuses_what_the_ip_cannot_check():
    ip = CnnIp(MemoryBus())
    with pytest.raises(ValueError, match="bias"):
        ip.conv_quant_words([1 << 30], [1], [0])
    with pytest.raises(ValueError, match="s: value 48"):
        ip.conv_quant_words([0], [1], [48])
    with pytest.raises(ValueError, match="mb="):
        ip.add_quant_words(1, 1 << 15, 0)
    with pytest.raises(ValueError, match="ACT region"):
        ip.write_act(8190, np.zeros(3, np.int8))
    with pytest.raises(ValueError, match="weight rows"):
        ip.load_weights(np.zeros((2, 3), np.int8), base=4095)
    with pytest.raises(ValueError, match="rows must have shape"):
        ip.load_weights(np.zeros((2, 4), np.int8))
    with pytest.raises(TypeError, match="read32"):
        CnnIp(object())


def test_wrong_id_is_not_a_cnn_ip():
    class OtherBus(MemoryBus):
        def read32(self, addr):
            return 0x49464531 if addr == R.REG_ID else super().read32(addr)

    with pytest.raises(CnnIpNotFound, match="0x49464531"):
        CnnIp(OtherBus())


def test_a_hung_layer_times_out():
    ip = CnnIp(MemoryBus(busy_accesses=50), poll_limit=10)
    d = cnn.random_descriptor(random.Random(1), ip.caps, kind=cnn.MAXPOOL)
    with pytest.raises(TimeoutError, match="not DONE after 10"):
        ip.run_layer(d)


# ------------------------------------------------------------------------------ the slave's responses
def _legal_maxpool():
    return cnn.Descriptor(cnn.MAXPOOL, 2, 2, 8, 2, 2, src_a=0, dst=64)


def test_responses_of_the_register_model():
    bus = MemoryBus(busy_accesses=3)
    acc = bus.access
    assert acc(False, R.REG_ID) == (OKAY, R.ID_VALUE)
    assert acc(False, R.REG_CAPS) == (OKAY, cnn.Caps().word)
    for off in (0x058, 0x0FFC, 0x50000, 0xFFFFC, R.WIN_ACT_BASE + 8192, R.WIN_Q_BASE + 4 * 512,
                R.WIN_W_BASE + 4 * 4096):
        assert acc(False, off) == (DECERR, 0) and acc(True, off, 1)[0] == DECERR, hex(off)
    for reg in ("ID", "CAPS", "CYCLES", "MACS", "STALLS", "LEN_OUT"):
        assert acc(True, getattr(R, f"REG_{reg}"), 5)[0] == SLVERR
    assert acc(True, R.REG_KIND, 1, strb=0x1)[0] == SLVERR and acc(False, R.REG_KIND)[1] == 0
    # descriptor registers keep their width
    for name in R.DESC_REGS:
        assert acc(True, getattr(R, f"REG_{name}"), 0xFFFFFFFF) == (OKAY, 0)
        assert acc(False, getattr(R, f"REG_{name}"))[1] == (1 << getattr(R, f"REG_{name}_W")) - 1
    # address bits [1:0] are ignored
    assert acc(False, R.REG_ID + 3) == (OKAY, R.ID_VALUE)
    # ACT window honours WSTRB
    acc(True, R.WIN_ACT_BASE + 8, 0x11223344)
    acc(True, R.WIN_ACT_BASE + 8, 0xAABBCCDD, strb=0b0101)
    assert acc(False, R.WIN_ACT_BASE + 8) == (OKAY, 0x11BB33DD)
    # W window: bytes past lane N_MAC-1 read 0
    acc(True, R.WIN_W_BASE + 4, 0xFFFFFFFF)
    assert acc(False, R.WIN_W_BASE + 4) == (OKAY, 0x00FFFFFF)


def test_busy_rules_and_status():
    bus = MemoryBus(busy_accesses=4)
    ip = CnnIp(bus)
    ip.write_descriptor(_legal_maxpool())
    ip.set_irq(True)
    assert bus.access(True, R.REG_STATUS, R.STATUS_DONE)[0] == OKAY
    assert bus.access(True, R.REG_CTRL, R.CTRL_START | R.CTRL_IRQ_EN) == (OKAY, 0)
    st = bus.access(False, R.REG_STATUS)[1]
    assert st & R.STATUS_BUSY and not st & R.STATUS_DONE
    assert bus.access(True, R.REG_CIN, 3)[0] == SLVERR                  # descriptor while BUSY
    assert bus.access(False, R.WIN_ACT_BASE)[0] == SLVERR               # window read while BUSY
    assert bus.access(True, R.REG_CTRL, R.CTRL_START)[0] == SLVERR      # START while BUSY
    assert bus.access(False, R.REG_CIN) == (OKAY, 2)
    st = bus.access(False, R.REG_STATUS)[1]
    assert st & R.STATUS_DONE and not st & R.STATUS_BUSY and bus.irq
    assert bus.access(False, R.REG_CTRL) == (OKAY, R.CTRL_IRQ_EN)       # START reads as 0
    assert bus.access(False, R.REG_LEN_OUT) == (OKAY, 4)
    assert bus.access(True, R.REG_STATUS, R.STATUS_DONE)[0] == OKAY
    assert not bus.irq and bus.access(False, R.REG_STATUS)[1] == 0
    # a refused START: ERR with its code, DONE 0; the next START clears ERR
    bus.access(True, R.REG_KERNEL, 9)
    bus.access(True, R.REG_CTRL, R.CTRL_START)
    st = bus.access(False, R.REG_STATUS)[1]
    assert st == R.STATUS_ERR | (R.ERR_RECEPTIVE << R.STATUS_ERR_CODE_SHIFT)
    assert bus.access(False, R.REG_LEN_OUT) == (OKAY, 0)
    bus.access(True, R.REG_KERNEL, 2)
    bus.access(True, R.REG_CTRL, R.CTRL_START)
    assert bus.access(False, R.REG_STATUS)[1] == R.STATUS_BUSY


def test_bus_errors_raise_bus_error():
    bus = MemoryBus()
    with pytest.raises(BusError, match="DECERR"):
        bus.read32(0x60000)
    with pytest.raises(BusError, match="SLVERR"):
        bus.write32(R.REG_ID, 0)


# ------------------------------------------------------------------------------ back ends
def test_pynq_bus_without_pynq_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynq", None)
    with pytest.raises(ImportError, match="PynqBus needs the pynq package"):
        PynqBus(0x43C00000)


def test_pynq_bus_adapter_runs_the_driver():
    class FakeMMIO:                                    # pynq.MMIO's read(offset)/write(offset, value)
        def __init__(self, bus):
            self.bus = bus

        def read(self, offset, length=4):
            return self.bus.read32(offset)

        def write(self, offset, value):
            self.bus.write32(offset, value)

    rng = random.Random(90)
    model = MemoryBus()
    ip = CnnIp(PynqBus(0x43C00000, mmio=FakeMMIO(model)))
    d = cnn.random_descriptor(rng, ip.caps, kind=cnn.CONV1D)
    ops = cnn.random_operands(rng, d, ip.caps)
    ip.load_operands(d, ops)
    ip.run_layer(d)
    e = d.effective()
    np.testing.assert_array_equal(ip.read_act(e.dst, e.cout * cnn.len_out(e)).reshape(e.cout, -1),
                                  cnn.run_descriptor(d, ops))
    with pytest.raises(ValueError, match="word offset"):
        ip.bus.read32(2)


def test_the_example_of_docs_cnn_md_runs(capsys):
    """The first Python block of docs/cnn.md, as a user would paste it."""
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "cnn.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "docs/cnn.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"{R.ERR_RECEPTIVE} RECEPTIVE"
