# SPDX-License-Identifier: Apache-2.0
"""The trained CNN images (``golden/params/cnn/<split>.json``): load, check, save, classify.

An image is one JSON object (written by ``scripts/train_cnn.py``):

* ``layers``: the network in the descriptor terms of docs/cnn_contract.md, in execution order.
  Every layer has ``kind`` (``conv1d``, ``dense``, ``maxpool``), ``cin``, ``cout``, ``len_in``,
  ``kernel``, ``stride``, ``dilation``, ``pad`` (``valid``, ``same``, ``causal``) and ``relu``;
  conv1d and dense layers also ``w`` (int8, ``[cout][cin][kernel]``; dense ``kernel`` 1),
  ``bias`` (int32, ``|bias| < 2^30``), ``M`` (0..65535) and ``S`` (0..47) per output channel.
  A dense layer's input is the channel-major flatten of the previous map.
* ``input``: the beat format (187 int8 samples at 125 Hz, R peak at 62, 5 ADC units per step:
  golden/cnn_data.py); ``input_scale`` the real value of one input step in the float model.
* ``classes``, ``split``, ``seed``, ``command``, ``training`` (provenance and validation figures).

The integer arithmetic is golden/cnn.py's (``run_network``); :func:`predict` is the argmax of
its last layer's int8 outputs, ties to the lowest class index (``np.argmax``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from golden import cnn_data as C

PARAMS_DIR = Path(__file__).resolve().parent / "params" / "cnn"
KINDS = ("conv1d", "dense", "maxpool")
PADS = ("valid", "same", "causal")
_DESC = ("kind", "cin", "cout", "len_in", "kernel", "stride", "dilation", "pad", "relu")


class CnnImageError(ValueError):
    """A CNN image that does not describe a runnable int8 network."""


def image_path(split: str, params_dir=None) -> Path:
    if split not in C.SPLITS:
        raise CnnImageError(f"split must be one of {C.SPLITS}, got {split!r}")
    return Path(params_dir or PARAMS_DIR) / f"{split}.json"


def len_out(d: dict) -> int:
    """LEN_OUT of a descriptor (docs/cnn_contract.md)."""
    if d["kind"] == "dense":
        return 1
    k, s, dil, L = d["kernel"], d["stride"], d["dilation"], d["len_in"]
    pad_total = 0 if d["pad"] == "valid" else (k - 1) * dil
    return (L + pad_total - dil * (k - 1) - 1) // s + 1


def check_image(image: dict) -> dict:
    """Raise :class:`CnnImageError` naming the first problem; return the image."""
    if not isinstance(image, dict) or "layers" not in image:
        raise CnnImageError("image must be a JSON object with a 'layers' list")
    layers = image["layers"]
    if not layers:
        raise CnnImageError("image has no layers")
    c, L = 1, C.BEAT_LEN
    for i, d in enumerate(layers):
        where = f"layer {i} ({d.get('kind')!r})"
        for f in _DESC:
            if f not in d:
                raise CnnImageError(f"{where}: descriptor field {f!r} missing")
        if d["kind"] not in KINDS:
            raise CnnImageError(f"{where}: kind must be one of {KINDS}")
        if d["pad"] not in PADS:
            raise CnnImageError(f"{where}: pad must be one of {PADS}, got {d['pad']!r}")
        want_in = c * L if d["kind"] == "dense" else c
        if d["cin"] != want_in or (d["kind"] != "dense" and d["len_in"] != L):
            raise CnnImageError(f"{where}: input {d['cin']} x {d['len_in']} does not follow the "
                                f"previous layer's output {c} x {L}")
        if d["kind"] == "maxpool":
            if d["cout"] != d["cin"] or d["pad"] != "valid" or d["dilation"] != 1:
                raise CnnImageError(f"{where}: maxpool needs cout == cin, pad valid, dilation 1")
        else:
            k = 1 if d["kind"] == "dense" else d["kernel"]
            try:
                w = np.asarray(d["w"], dtype=np.int64)
                b = np.asarray(d["bias"], dtype=np.int64)
                m = np.asarray(d["M"], dtype=np.int64)
                s = np.asarray(d["S"], dtype=np.int64)
            except (KeyError, ValueError, TypeError) as exc:
                raise CnnImageError(f"{where}: w, bias, M, S must be integer arrays ({exc})") from exc
            if w.shape != (d["cout"], d["cin"], k):
                raise CnnImageError(f"{where}: w has shape {w.shape}, want {(d['cout'], d['cin'], k)}")
            for name, a in (("bias", b), ("M", m), ("S", s)):
                if a.shape != (d["cout"],):
                    raise CnnImageError(f"{where}: {name} has shape {a.shape}, want ({d['cout']},)")
            if w.min() < -128 or w.max() > 127:
                raise CnnImageError(f"{where}: weights outside int8")
            if np.abs(b).max() >= 2 ** 30:
                raise CnnImageError(f"{where}: |bias| must be < 2^30")
            if m.min() < 0 or m.max() > 65535:
                raise CnnImageError(f"{where}: M outside 0..65535")
            if s.min() < 0 or s.max() > 47:
                raise CnnImageError(f"{where}: S outside 0..47")
        lo = len_out(d)
        if lo < 1:
            raise CnnImageError(f"{where}: LEN_OUT {lo} < 1")
        c, L = d["cout"], lo
    if (c, L) != (len(image.get("classes", C.CLASSES)), 1):
        raise CnnImageError(f"the last layer gives {c} x {L} outputs, want one per class")
    return image


def load_image(path_or_split, params_dir=None) -> dict:
    """Image from a path or a split name (``intra``/``inter``), checked."""
    p = Path(path_or_split)
    if str(path_or_split) in C.SPLITS:
        p = image_path(str(path_or_split), params_dir)
    if not p.is_file():
        raise CnnImageError(f"CNN image {p} does not exist (train it: python scripts/train_cnn.py "
                            f"--split {p.stem})")
    try:
        image = json.loads(p.read_text())
    except json.JSONDecodeError as exc:
        raise CnnImageError(f"CNN image {p}: not JSON ({exc})") from exc
    return check_image(image)


def save_image(image: dict, path) -> Path:
    check_image(image)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(image, separators=(",", ":")) + "\n")
    return path


def to_layers(image: dict) -> list:
    """The image's layers as golden/cnn.py :class:`golden.cnn.Layer` objects (dense weights
    ``[cout][cin][1]`` become ``(cout, cin)``)."""
    from golden import cnn as G
    check_image(image)
    kinds = {"conv1d": G.CONV1D, "dense": G.DENSE, "maxpool": G.MAXPOOL}
    pads = {"valid": G.VALID, "same": G.SAME, "causal": G.CAUSAL}
    out = []
    for i, d in enumerate(image["layers"]):
        kw = dict(kind=kinds[d["kind"]], relu=bool(d["relu"]), name=d.get("name", f"L{i}"))
        if d["kind"] == "maxpool":
            kw.update(kernel=d["kernel"], stride=d["stride"])
        else:
            w = np.asarray(d["w"], dtype=np.int64)
            kw.update(weight=w[:, :, 0] if d["kind"] == "dense" else w, bias=d["bias"],
                      m=d["M"], s=d["S"])
            if d["kind"] == "conv1d":
                kw.update(stride=d["stride"], dilation=d["dilation"], pad=pads[d["pad"]])
        out.append(G.Layer(**kw))
    return out


def run_layers(image: dict, x) -> list:
    """Every layer's int8 output for int8 beats ``x`` [N, 187]: a list over layers of arrays
    [N, C, L], from golden/cnn.py's ``run_network`` beat by beat."""
    from golden import cnn as G
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != C.BEAT_LEN or x.dtype != np.int8:
        raise CnnImageError(f"beats must be int8 [N, {C.BEAT_LEN}], got {x.dtype} {x.shape}")
    net = to_layers(image)
    per_beat = [G.run_network(net, xb) for xb in x]
    return [np.stack([o[i] for o in per_beat]) if per_beat else np.zeros((0,), np.int8)
            for i in range(len(net))]


def logits(image: dict, x) -> np.ndarray:
    """The int8 logits [N, classes] (the last layer's outputs) of int8 beats ``x``."""
    from golden import cnn as G
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != C.BEAT_LEN or x.dtype != np.int8:
        raise CnnImageError(f"beats must be int8 [N, {C.BEAT_LEN}], got {x.dtype} {x.shape}")
    net = to_layers(image)
    out = np.zeros((len(x), net[-1].weight.shape[0]), dtype=np.int8)
    for b, xb in enumerate(x):
        out[b] = G.run_network(net, xb)[-1][:, 0]
    return out


def decide(lg) -> np.ndarray:
    """Class per beat from int8 logits [N, classes]: argmax, lowest index on ties."""
    return np.asarray(lg).argmax(axis=1).astype(np.int64)


def predict(image: dict, x) -> np.ndarray:
    """Class per beat of int8 beats ``x`` by the integer model (golden/cnn.py)."""
    return decide(logits(image, x))
