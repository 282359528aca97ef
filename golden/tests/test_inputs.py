# SPDX-License-Identifier: Apache-2.0
"""Every public golden-model entry point refuses what it cannot represent and
names the argument (issue 10, item 4): no float is truncated, no NaN becomes 0,
no out-of-range word wraps, no short hex word shifts lanes, no missing JSON
entry is a bare KeyError, and no corrupted record is served from the beat cache."""

import json
import os
import shutil

import numpy as np
import pytest

from golden import checks as C
from golden import data as D
from golden import encoder as E
from golden import eprop as P
from golden import memimage as M
from golden import rr as RR
from golden import snn_if as S


@pytest.fixture(scope="module")
def cfg():
    return E.default_config()


def _beats(n=2, v=0):
    return np.full((n, E.F.ENC_BEAT_LEN), v, dtype=np.int64)


# ------------------------------------------------------------------ encoder
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_encode_beats_refuses_nan_inf(cfg, bad):
    x = _beats().astype(np.float64)
    x[1, 120] = bad
    with pytest.raises(TypeError, match=r"x \(beats of stream words\) must be an integer array.*NaN/inf"):
        E.encode_beats(x, cfg)


def test_encode_beats_refuses_millivolts(cfg):
    # a real beat in mV (about +-1.5) used to truncate to 0 and encode to no spike at all
    mv = np.sin(np.linspace(0, 6, E.F.ENC_BEAT_LEN))[None, :] * 1.5
    with pytest.raises(TypeError, match="must be an integer array, got dtype float64"):
        E.encode_beats(mv, cfg)
    with pytest.raises(TypeError, match="samples must be an integer array"):
        E.encode_beat(mv[0], cfg)


def test_encode_beats_refuses_words_outside_the_stream_format(cfg):
    x = _beats()
    x[0, 150] = 65546                      # used to wrap to 10
    with pytest.raises(ValueError, match="value 65546 outside -32768..32767"):
        E.encode_beats(x, cfg)
    x[0, 150] = -32769
    with pytest.raises(ValueError, match="value -32769 outside -32768..32767"):
        E.encode_beats(x, cfg)
    with pytest.raises(ValueError, match="word=65546 outside"):
        E.step(E.EncoderState(), 65546, False, cfg)
    with pytest.raises(TypeError, match="word must be an integer, got float"):
        E.step(E.EncoderState(), 12.7, False, cfg)


def test_encode_beats_saturates_in_format_words_like_step(cfg):
    # the documented outcome inside the stream format: saturate to 12 bits, flag sat
    x = _beats(1)
    x[0, 130] = 32767
    r = E.encode_beats(x, cfg)
    st, per = E.EncoderState(), []
    for i, w in enumerate(x[0]):
        st, o = E.step(st, int(w), i == E.F.ENC_BEAT_LEN - 1, cfg)
        per.append(o)
    assert r.sat[0, 130] and per[130].sat
    assert [o.spk for o in per] == r.spk[0].tolist()
    assert [o.ref_s for o in per] == r.ref_s[0].tolist()


def test_encode_beats_shape(cfg):
    with pytest.raises(ValueError, match=r"must have shape \[N, 250\], got \(2, 249\)"):
        E.encode_beats(np.zeros((2, 249), np.int16), cfg)


@pytest.mark.parametrize("kw,err,msg", [
    ({"delta_s": 2.5}, TypeError, "encoder delta_s must be an integer, got float"),
    ({"delta_l": 101.0}, TypeError, "encoder delta_l must be an integer, got float"),
    ({"delta_s": True}, TypeError, "encoder delta_s must be an integer, got bool"),
    ({"s_len": 60.5}, TypeError, "encoder s_len must be an integer"),
])
def test_encoder_config_refuses_non_integers(kw, err, msg):
    args = {"delta_s": 26, "delta_l": 101, **kw}
    with pytest.raises(err, match=msg):
        E.EncoderConfig(**args)


def test_encoder_params_missing_entry(tmp_path):
    f = tmp_path / "encoder.json"
    f.write_text(json.dumps({"delta_s": 26}))
    with pytest.raises(C.ParamsError, match=r"encoder.json: missing entry \['delta_l'\]"):
        E.load_params(f)


# ------------------------------------------------------------------- e-prop
@pytest.fixture(scope="module")
def eprop_model():
    return P.load_model("intra")


def _eprop_x(n=2):
    return np.zeros((n, P.T, P.N_IN), dtype=np.uint8)


def test_eprop_classify_refuses_non_bits(eprop_model):
    x = _eprop_x()
    x[1, 3, 4] = 2
    with pytest.raises(ValueError, match=r"x \(input bits of the beats\): value 2 outside 0..1"):
        P.classify(x, eprop_model)
    xf = _eprop_x().astype(np.float64)
    xf[0, 0, 0] = np.nan
    with pytest.raises(TypeError, match="must be an integer array, got dtype float64 .NaN/inf present."):
        P.classify(xf, eprop_model)
    with pytest.raises(ValueError, match=r"must have shape \[N, %d, 32\]" % P.T):
        P.classify(np.zeros((2, P.T, 31), np.uint8), eprop_model)
    with pytest.raises(ValueError, match="value 2 outside 0..1"):
        P.run_beat(x[1], eprop_model)


def test_eprop_learn_refuses_bad_labels(eprop_model):
    with pytest.raises(ValueError, match="labels: value 4 outside 0..3"):
        P.learn_beats(_eprop_x(), [0, 4], eprop_model)
    with pytest.raises(ValueError, match=r"labels must have shape \[2\]"):
        P.learn_beats(_eprop_x(), [0], eprop_model)
    with pytest.raises(TypeError, match="label must be an integer"):
        P.step(P.init_state(), np.zeros(P.N_IN, np.uint8), eprop_model, label=1.5)


def test_eprop_cfg_refuses_fractional_fields():
    with pytest.raises(TypeError, match="e-prop configuration theta must be an integer, got float"):
        P.EpropCfg(theta=256.5).check()
    with pytest.raises(TypeError, match=r"e-prop configuration lut\[2\] must be an integer"):
        P.EpropCfg(lut=(15, 13, 11.0, 9, 7, 5, 3, 1)).check()


def test_eprop_beat_inputs_checks():
    with pytest.raises(ValueError, match=r"spk \(encoder nibbles\): value 16 outside 0..15"):
        P.beat_inputs(np.full((1, 250), 16, np.uint8))
    with pytest.raises(ValueError, match="sideband: value 3 outside 0..1"):
        P.beat_inputs(np.zeros((1, 250), np.uint8), np.full((1, P.N_SB), 3, np.uint8))


def test_eprop_json_missing_entry(tmp_path):
    for f in ("intra.hex", "eprop.json"):
        shutil.copy(P.PARAMS_DIR / f, tmp_path / f)
    js = json.loads((tmp_path / "eprop.json").read_text())
    del js["models"]["intra"]["cfg"]["t_err"]
    (tmp_path / "eprop.json").write_text(json.dumps(js))
    with pytest.raises(C.ParamsError, match=r"eprop.json: models\['intra'\]\['cfg'\] lacks \['t_err'\]"):
        P.load_model("intra", tmp_path)
    with pytest.raises(C.ParamsError, match=r"missing entry \['models'\]\['nosuch'\]"):
        shutil.copy(tmp_path / "intra.hex", tmp_path / "nosuch.hex")
        P.load_model("nosuch", tmp_path)


# ------------------------------------------------------------------- IF-SNN
@pytest.fixture(scope="module")
def bank():
    return S.load_bank("intra", "binary")


def test_snn_if_refuses_non_bits_and_floats(bank):
    with pytest.raises(ValueError, match=r"slots \(beats\): value 2 outside 0..1"):
        S.classify(np.full((1, 2 * S.N_IN), 2, np.uint8), bank)
    with pytest.raises(TypeError, match="slots .beats. must be an integer array, got dtype float64"):
        S.classify(np.zeros((1, 2 * S.N_IN)), bank)
    with pytest.raises(TypeError, match="one beat register. must be an integer array"):
        S.run_beat(np.full(2 * S.N_IN, 0.5), bank)
    with pytest.raises(ValueError, match="rr: value 2 outside 0..1"):
        S.screen_inputs(np.zeros((1, 500), np.uint8), np.full((1, S.F.SNN_N_RR), 2, np.uint8))


def test_snn_if_refuses_fractional_threshold(bank):
    with pytest.raises(TypeError, match="theta1 must be an integer, got float"):
        S.SnnParams(w1=bank.w1, w2=bank.w2, w3=bank.w3, b1=bank.b1, b2=bank.b2, b3=bank.b3,
                    theta1=bank.theta1 + 0.5, theta2=bank.theta2)


def test_snn_if_json_missing_entry(tmp_path):
    shutil.copy(S.PARAMS_DIR / S.hex_name("intra", "binary"), tmp_path)
    js = json.loads(S.PARAMS_JSON.read_text())
    del js["models"]["intra"]["binary"]["theta2"]
    (tmp_path / "snn_if.json").write_text(json.dumps(js))
    with pytest.raises(C.ParamsError, match=r"snn_if.json: missing entry \['theta2'\]"):
        S.load_bank("intra", "binary", tmp_path)
    del js["models"]["intra"]
    (tmp_path / "snn_if.json").write_text(json.dumps(js))
    with pytest.raises(C.ParamsError, match=r"missing entry \['models'\]\['intra'\]"):
        S.load_bank("intra", "binary", tmp_path)


# ------------------------------------------------------------------ RR unit
def test_rr_refuses_fractional_interval():
    with pytest.raises(TypeError, match=r"delta \(RR interval in samples\) must be an integer"):
        RR.step(RR.RRState(), False, 300.5)
    with pytest.raises(ValueError, match="outside 0..None"):
        RR.step(RR.RRState(), False, -1)
    with pytest.raises(TypeError, match="sample must be an integer array"):
        RR.rr_bits(np.array([100, 100]), np.array([10.0, 300.0]))


# ----------------------------------------------------------- memory images
def test_read_hex_refuses_short_and_long_words(tmp_path):
    f = tmp_path / "m.hex"
    M.write_hex(f, [1, (1 << 128) - 1])
    assert M.read_hex(f) == [1, (1 << 128) - 1]
    lines = f.read_text().splitlines()
    f.write_text(lines[0][1:] + "\n" + lines[1] + "\n")       # one digit short
    with pytest.raises(ValueError, match=r"m.hex:1: .* is not a 128-bit hex word \(exactly 32 hex digits, got 31"):
        M.read_hex(f)
    f.write_text(lines[0] + "\n0" + lines[1] + "\n")          # one digit long
    with pytest.raises(ValueError, match="m.hex:2: .*got 33 characters"):
        M.read_hex(f)
    f.write_text("0x" + lines[0][2:] + "\n")
    with pytest.raises(ValueError, match="m.hex:1: '0x"):
        M.read_hex(f)


# -------------------------------------------------------------- beat cache
def test_beat_cache_keyed_on_content(tmp_path):
    """A .dat corrupted in place with its old time stamp restored must not be
    served from the cache: the load meets read_record's checksum error."""
    src = D.mitdb_dir()
    db = tmp_path / "mitdb"
    db.mkdir()
    for ext in (".hea", ".dat", ".atr"):
        shutil.copy2(src / ("100" + ext), db / ("100" + ext))
    cache = tmp_path / "cache"
    good = D.load_beats(["100"], db_dir=db, cache_dir=cache)
    assert len(list(cache.glob("beats_*.npz"))) == 1
    dat = db / "100.dat"
    st = dat.stat()
    data = bytearray(dat.read_bytes())
    data[999] ^= 0x01                            # same size
    dat.write_bytes(bytes(data))
    os.utime(dat, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert dat.stat().st_mtime_ns == st.st_mtime_ns and dat.stat().st_size == st.st_size
    with pytest.raises(D.ChecksumMismatch, match="signal 0"):
        D.load_beats(["100"], db_dir=db, cache_dir=cache)
    # restored bytes: the original cache entry is a hit again and identical
    data[999] ^= 0x01
    dat.write_bytes(bytes(data))
    again = D.load_beats(["100"], db_dir=db, cache_dir=cache)
    np.testing.assert_array_equal(good.x, again.x)
    assert len(list(cache.glob("beats_*.npz"))) == 1
