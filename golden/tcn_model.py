# SPDX-License-Identifier: Apache-2.0
"""The int8 CNN+TCN images (``golden/params/tcn/<split>.json``): load, check, save, classify.

An image is one JSON object written by ``scripts/train_tcn.py`` (docs/tcn.md):

* ``layers``: the network in execution order, each a layer the CNN IP executes
  (docs/cnn_contract.md).  Every layer has ``kind`` (``conv1d``, ``dense``, ``maxpool``,
  ``add``), ``relu`` and ``name``; ``src`` (index of the layer whose output is its input a;
  ``null``: the previous layer, ``-1``: the network input); ``add`` also ``src_b`` (its second
  input), ``ma``, ``mb`` (int16) and ``shift`` (0..31): ``y = clamp(round_shift(a*ma + b*mb,
  shift))``, both branches brought to the output's scale.  ``conv1d`` has ``w`` (int8
  ``[cout][cin][kernel]``), ``bias`` (int32, ``|bias| < 2^30``), ``M`` (0..65535), ``S``
  (0..47) per output channel, ``stride``, ``dilation`` and ``pad`` (``valid``, ``same``,
  ``causal``); ``dense`` has ``w`` ``[cout][cin]`` (the channel-major flatten of its input map),
  ``bias``, ``M``, ``S``; ``maxpool`` has ``kernel`` and ``stride``.
* ``input``: the window format (golden/tcn_data.py: ``channels`` x 500 int8 samples at 125 Hz,
  the R peak at 375, 5 ADC units per step; channel 1, when there are two, the R-peak marks).
* ``classes``, ``split``, ``seed``, ``command``, ``arch`` (the widths), ``training``.

The integer arithmetic is golden/cnn.py's (:func:`to_layers` gives its ``Layer`` objects for
``golden.cnn.run_network`` and the driver's ``CnnIp.run_network``); :func:`decide` is the
argmax of the int8 logits, ties to the lowest class index.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from golden import cnn as G
from golden import tcn_data as T

PARAMS_DIR = Path(__file__).resolve().parent / "params" / "tcn"
KINDS = {"conv1d": G.CONV1D, "dense": G.DENSE, "maxpool": G.MAXPOOL, "add": G.ADD}
PADS = {"valid": G.VALID, "same": G.SAME, "causal": G.CAUSAL}


class TcnImageError(ValueError):
    """A TCN image that does not describe a runnable int8 network on the CNN IP."""


def image_path(split: str, params_dir=None) -> Path:
    if split not in T.SPLITS:
        raise TcnImageError(f"split must be one of {T.SPLITS}, got {split!r}")
    return Path(params_dir or PARAMS_DIR) / f"{split}.json"


def _layer(i: int, d: dict) -> G.Layer:
    where = f"layer {i} ({d.get('name', '?')!r}, kind {d.get('kind')!r})"
    if not isinstance(d, dict) or d.get("kind") not in KINDS:
        raise TcnImageError(f"{where}: kind must be one of {sorted(KINDS)}")
    kind = d["kind"]
    need = {"conv1d": ("w", "bias", "M", "S", "stride", "dilation", "pad"),
            "dense": ("w", "bias", "M", "S"), "maxpool": ("kernel", "stride"),
            "add": ("src_b", "ma", "mb", "shift")}[kind] + ("relu",)
    for f in need:
        if f not in d:
            raise TcnImageError(f"{where}: field {f!r} missing")
    kw = dict(kind=KINDS[kind], relu=bool(d["relu"]), name=str(d.get("name", f"L{i}")),
              src=d.get("src"))
    try:
        if kind in ("conv1d", "dense"):
            w = np.asarray(d["w"], dtype=np.int64)
            kw.update(weight=w, bias=np.asarray(d["bias"], dtype=np.int64),
                      m=np.asarray(d["M"], dtype=np.int64), s=np.asarray(d["S"], dtype=np.int64))
            if kind == "conv1d":
                if d["pad"] not in PADS:
                    raise TcnImageError(f"{where}: pad must be one of {sorted(PADS)}, got {d['pad']!r}")
                kw.update(stride=d["stride"], dilation=d["dilation"], pad=PADS[d["pad"]])
        elif kind == "maxpool":
            kw.update(kernel=d["kernel"], stride=d["stride"])
        else:
            kw.update(src_b=d["src_b"], ma=d["ma"], mb=d["mb"], shift=d["shift"])
        return G.Layer(**kw)
    except TcnImageError:
        raise
    except (ValueError, TypeError) as exc:
        raise TcnImageError(f"{where}: {exc}") from exc


def to_layers(image: dict) -> list:
    """The image's layers as golden/cnn.py :class:`golden.cnn.Layer` objects (checked)."""
    if not isinstance(image, dict) or not isinstance(image.get("layers"), list) or not image["layers"]:
        raise TcnImageError("image must be a JSON object with a non-empty 'layers' list")
    net = [_layer(i, d) for i, d in enumerate(image["layers"])]
    shapes = []
    in_shape = input_shape(image)
    for i, layer in enumerate(net):
        try:
            a, b = G.layer_sources(net, i)
            sa = in_shape if a == -1 else shapes[a]
            if b is not None:
                sb = in_shape if b == -1 else shapes[b]
                if sb != sa:
                    raise TcnImageError(f"layer {i} ({layer.name!r}): add inputs {sa} and {sb} differ")
            d = layer.descriptor(sa)
        except TcnImageError:
            raise
        except ValueError as exc:
            raise TcnImageError(f"layer {i} ({layer.name!r}): {exc}") from exc
        lo = G.len_out(d)
        if lo < 1:
            raise TcnImageError(f"layer {i} ({layer.name!r}): LEN_OUT {lo} < 1")
        code = G.check_descriptor(d)          # addresses are the driver's: codes 1..6 only
        if 1 <= code <= G.ERR["RECEPTIVE"]:
            raise TcnImageError(f"layer {i} ({layer.name!r}): the IP refuses {d} with "
                                f"{G.error_name(code)}")
        shapes.append((d.cout, lo))
    classes = image.get("classes", list(T.CLASSES))
    if shapes[-1] != (len(classes), 1):
        raise TcnImageError(f"the last layer gives {shapes[-1]} outputs, want ({len(classes)}, 1)")
    return net


def input_shape(image: dict) -> tuple:
    """(channels, length) of the image's input map."""
    inp = image.get("input", {}) if isinstance(image, dict) else {}
    c, n = inp.get("channels", 1), inp.get("len", T.WIN_LEN)
    if c not in T.CHANNELS or not isinstance(n, int) or n < 1:
        raise TcnImageError(f"input must be {T.CHANNELS} channels of a positive length, got {c} x {n}")
    return (int(c), int(n))


def check_image(image: dict) -> dict:
    """Raise :class:`TcnImageError` naming the first problem; return the image."""
    to_layers(image)
    return image


def load_image(path_or_split, params_dir=None) -> dict:
    """Image from a path or a split name (``intra``/``inter``), checked."""
    p = Path(path_or_split)
    if str(path_or_split) in T.SPLITS:
        p = image_path(str(path_or_split), params_dir)
    if not p.is_file():
        raise TcnImageError(f"TCN image {p} does not exist (train it: python scripts/train_tcn.py "
                            f"--split {p.stem})")
    try:
        image = json.loads(p.read_text())
    except json.JSONDecodeError as exc:
        raise TcnImageError(f"TCN image {p}: not JSON ({exc})") from exc
    return check_image(image)


def save_image(image: dict, path) -> Path:
    check_image(image)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(image, separators=(",", ":")) + "\n")
    return path


def _windows(x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[:, None, :]
    if x.ndim != 3 or x.dtype != np.int8:
        raise TcnImageError(f"windows must be int8 [N, C, L] (or [N, L]), got {x.dtype} {x.shape}")
    return x


def run_layers(image_or_net, x) -> list:
    """Every layer's int8 output for int8 windows ``x`` [N, C, L]: a list over layers of arrays
    [N, C, L'] (golden/cnn.py ``run_network`` window by window)."""
    net = to_layers(image_or_net) if isinstance(image_or_net, dict) else image_or_net
    x = _windows(x)
    per = [G.run_network(net, xb) for xb in x]
    return [np.stack([o[i] for o in per]) for i in range(len(net))]


def logits(image_or_net, x) -> np.ndarray:
    """The int8 logits [N, classes] of int8 windows ``x`` [N, C, L] (golden/cnn.py)."""
    net = to_layers(image_or_net) if isinstance(image_or_net, dict) else image_or_net
    x = _windows(x)
    out = np.zeros((len(x), net[-1].weight.shape[0]), dtype=np.int8)
    for b, xb in enumerate(x):
        out[b] = G.run_network(net, xb)[-1][:, 0]
    return out


def decide(lg) -> np.ndarray:
    """Class per window from int8 logits [N, classes]: argmax, lowest index on ties."""
    return np.asarray(lg).argmax(axis=1).astype(np.int64)


def predict(image_or_net, x) -> np.ndarray:
    return decide(logits(image_or_net, x))


def totals(image_or_net, in_shape: tuple = (2, T.WIN_LEN), n_mac: int = G.Caps().n_mac) -> dict:
    """Parameters, weight bytes, MACs per window, weight rows, quant words and the largest
    activation footprint (bytes live at once under the driver's first-fit plan) of a network."""
    if isinstance(image_or_net, dict):
        in_shape = input_shape(image_or_net)
    net = to_layers(image_or_net) if isinstance(image_or_net, dict) else image_or_net
    shapes, descs = [], []
    for i, layer in enumerate(net):
        a, _ = G.layer_sources(net, i)
        d = layer.descriptor(tuple(in_shape) if a == -1 else shapes[a])
        descs.append(d)
        shapes.append((d.cout, G.len_out(d)))
    params = sum(int(l.weight.size) + int(l.bias.size) for l in net if l.weight is not None)
    wbytes = sum(int(l.weight.size) for l in net if l.weight is not None)
    qwords = sum(G.quant_words(d) for d in descs)
    return dict(params=params, weight_bytes=wbytes, bias_bytes=4 * sum(int(l.bias.size) for l in net
                                                                      if l.bias is not None),
                macs=sum(G.macs(d) for d in descs), w_rows=sum(G.weight_rows(d, n_mac) for d in descs),
                q_words=qwords, shapes=shapes, descs=descs)
