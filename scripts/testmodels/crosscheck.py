#!/usr/bin/python3
"""Checks the onnxruntime goldens in core/model/testdata/ops against independent references written
from the ONNX operator spec (numpy, torch.nn.functional, and the reference Resize of onnx's own
backend tests), for the ops whose attribute semantics are easy to get wrong: Conv, ConvTranspose,
MaxPool, AveragePool, Resize, Upsample, Softmax, Pad, Slice, Gather, DequantizeLinear.

It never writes a golden (goldens come only from onnxruntime); it says where onnxruntime and the spec
agree, so that an engine matched to the goldens is matched to the spec. A case whose ops it does not
model is skipped and counted.

    crosscheck.py [CASE...]     (default: every case in the ops folder)
"""

import base64
import json
import math
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

from onnx.backend.test.case.node.resize import interpolate_nd, linear_coeffs, nearest_coeffs

HERE = os.path.dirname(os.path.abspath(__file__))
OPS = os.path.normpath(os.path.join(HERE, "..", "..", "core", "model", "testdata", "ops"))


class Skip(Exception):
    pass


def attrs_of(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def s(v):
    return v.decode() if isinstance(v, bytes) else v


# ------------------------------------------------------------------------------- window geometry

def window_pads(a, spatial, k, st, dil, ceil_mode=0):
    """Returns (begin pads, end pads, output sizes) per the spec, auto_pad included."""
    auto = s(a.get("auto_pad", "NOTSET"))
    n = len(spatial)
    eff = [(k[i] - 1) * dil[i] + 1 for i in range(n)]
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = [math.ceil(spatial[i] / st[i]) for i in range(n)]
        tot = [max((out[i] - 1) * st[i] + eff[i] - spatial[i], 0) for i in range(n)]
        small = [t // 2 for t in tot]
        big = [t - t // 2 for t in tot]
        pb, pe = (small, big) if auto == "SAME_UPPER" else (big, small)
        return pb, pe, out
    if auto == "VALID":
        out = [math.ceil((spatial[i] - eff[i] + 1) / st[i]) for i in range(n)]
        return [0] * n, [0] * n, out
    pads = a.get("pads", [0] * 2 * n)
    pb, pe = list(pads[:n]), list(pads[n:])
    rnd = math.ceil if ceil_mode else math.floor
    out = []
    for i in range(n):
        o = rnd((spatial[i] + pb[i] + pe[i] - eff[i]) / st[i]) + 1
        # With ceil_mode the last window must start inside the input or its begin padding.
        if ceil_mode and (o - 1) * st[i] >= spatial[i] + pb[i]:
            o -= 1
        out.append(o)
    return pb, pe, out


def pool(x, a, op):
    k = list(a["kernel_shape"])
    n = len(k)
    st = list(a.get("strides", [1] * n))
    dil = list(a.get("dilations", [1] * n))
    spatial = list(x.shape[2:])
    pb, pe, out = window_pads(a, spatial, k, st, dil, a.get("ceil_mode", 0))
    include = a.get("count_include_pad", 0)
    y = np.zeros(x.shape[:2] + tuple(out), dtype=np.float64)
    for idx in np.ndindex(*out):
        sl, count_all = [], 1
        for i in range(n):
            start = idx[i] * st[i] - pb[i]
            taps = [start + j * dil[i] for j in range(k[i])]
            inside = [t for t in taps if 0 <= t < spatial[i]]
            # count_include_pad counts the taps inside the padded input, not those past it (ceil_mode).
            count_all *= sum(1 for t in taps if -pb[i] <= t < spatial[i] + pe[i])
            sl.append(inside)
        win = x[(slice(None), slice(None)) + np.ix_(*sl)] if all(sl) else None
        if op == "MaxPool":
            y[(slice(None), slice(None)) + idx] = win.reshape(x.shape[0], x.shape[1], -1).max(axis=2)
        else:
            tot = win.reshape(x.shape[0], x.shape[1], -1).sum(axis=2)
            div = count_all if include else win[0, 0].size
            y[(slice(None), slice(None)) + idx] = tot / div
    return y


# ------------------------------------------------------------------------------------ conv family

def conv(x, w, b, a):
    n = x.ndim - 2
    k = list(a.get("kernel_shape", w.shape[2:]))
    st = list(a.get("strides", [1] * n))
    dil = list(a.get("dilations", [1] * n))
    pb, pe, _ = window_pads(a, list(x.shape[2:]), k, st, dil)
    pad = []
    for i in reversed(range(n)):
        pad += [pb[i], pe[i]]
    xt = F.pad(torch.from_numpy(x).double(), pad)
    fn = F.conv1d if n == 1 else F.conv2d
    y = fn(xt, torch.from_numpy(w).double(), None if b is None else torch.from_numpy(b).double(), stride=st, dilation=dil,
           groups=a.get("group", 1))
    return y.numpy()


def conv_transpose(x, w, b, a):
    n = x.ndim - 2
    k = list(a.get("kernel_shape", w.shape[2:]))
    st = list(a.get("strides", [1] * n))
    dil = list(a.get("dilations", [1] * n))
    op = list(a.get("output_padding", [0] * n))
    fn = F.conv_transpose1d if n == 1 else F.conv_transpose2d
    full = fn(torch.from_numpy(x).double(), torch.from_numpy(w).double(), None, stride=st, dilation=dil,
              groups=a.get("group", 1)).numpy()
    ins = list(x.shape[2:])
    full_len = [st[i] * (ins[i] - 1) + (k[i] - 1) * dil[i] + 1 for i in range(n)]
    if "output_shape" in a:
        outs = list(a["output_shape"])
        tot = [full_len[i] + op[i] - outs[i] for i in range(n)]
        if s(a.get("auto_pad", "NOTSET")) == "SAME_UPPER":
            pb = [t // 2 for t in tot]
        else:
            pb = [t - t // 2 for t in tot]
        pe = [tot[i] - pb[i] for i in range(n)]
    else:
        pads = list(a.get("pads", [0] * 2 * n))
        pb, pe = pads[:n], pads[n:]
    # output_padding adds positions at the end that no input reaches.
    full = np.pad(full, [(0, 0), (0, 0)] + [(0, op[i]) for i in range(n)])
    sl = tuple(slice(pb[i], full.shape[2 + i] - pe[i]) for i in range(n))
    y = full[(slice(None), slice(None)) + sl]
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * n)
    return y


# ----------------------------------------------------------------------------------------- Resize

def resize(x, a, scales, sizes):
    mode = s(a.get("mode", "nearest"))
    ctm = s(a.get("coordinate_transformation_mode", "half_pixel"))
    if mode == "nearest":
        nm = s(a.get("nearest_mode", "round_prefer_floor"))
        coeffs = lambda r: nearest_coeffs(r, mode=nm)  # noqa: E731
    elif mode == "linear":
        coeffs = linear_coeffs
    else:
        raise Skip(f"Resize mode {mode}")
    if sizes is not None and len(sizes):
        return interpolate_nd(x.astype(np.float64), coeffs, output_size=list(sizes), coordinate_transformation_mode=ctm)
    return interpolate_nd(x.astype(np.float64), coeffs, scale_factors=np.array(scales, dtype=np.float64),
                          coordinate_transformation_mode=ctm)


def softmax(x, axis, opset):
    axis = axis % x.ndim
    if opset < 13:
        # Coerced to 2-D: [prod(shape[:axis]), prod(shape[axis:])].
        x2 = x.reshape(int(np.prod(x.shape[:axis])), -1)
        e = np.exp(x2 - x2.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(x.shape)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def pad(x, a, pads, value):
    mode = s(a.get("mode", "constant"))
    n = x.ndim
    pb, pe = pads[:n], pads[n:]
    # Negative pads crop first.
    sl = tuple(slice(max(-pb[i], 0), x.shape[i] - max(-pe[i], 0)) for i in range(n))
    x = x[sl]
    width = [(max(pb[i], 0), max(pe[i], 0)) for i in range(n)]
    if mode == "constant":
        return np.pad(x, width, mode="constant", constant_values=value)
    return np.pad(x, width, mode={"reflect": "reflect", "edge": "edge"}[mode])


def slice_op(x, starts, ends, axes, steps):
    axes = list(range(len(starts))) if axes is None else [ax % x.ndim for ax in axes]
    steps = [1] * len(starts) if steps is None else steps
    sl = [slice(None)] * x.ndim
    for st, en, ax, sp in zip(starts, ends, axes, steps):
        dim = x.shape[ax]
        # Python slicing clamps the same way the spec does, once huge ends are brought into range.
        en = max(min(int(en), dim), -dim - 1)
        st = max(min(int(st), dim), -dim - 1)
        if sp < 0 and en == -dim - 1:
            en = None
        sl[ax] = slice(st, en, int(sp))
    return x[tuple(sl)]


def dequantize(q, scale, zp, axis):
    q = q.astype(np.float64)
    zp = np.zeros_like(scale, dtype=np.float64) if zp is None else zp.astype(np.float64)
    if np.ndim(scale) == 0:
        return (q - zp) * scale
    shape = [1] * q.ndim
    shape[axis] = -1
    return (q - zp.reshape(shape)) * scale.reshape(shape)


# ------------------------------------------------------------------------------------ interpreter

def run(model, feeds):
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    env = {t.name: numpy_helper.to_array(t).copy() for t in model.graph.initializer}
    env.update(feeds)
    for nd in model.graph.node:
        a = attrs_of(nd)
        ins = [env[i] if i else None for i in nd.input] + [None] * 4
        x = ins[0]
        op = nd.op_type
        if op == "Conv":
            y = conv(x, ins[1], ins[2], a)
        elif op == "ConvTranspose":
            y = conv_transpose(x, ins[1], ins[2], a)
        elif op in ("MaxPool", "AveragePool"):
            y = pool(x.astype(np.float64), a, op)
        elif op == "Resize":
            scales = ins[2] if opset >= 11 else None
            y = resize(x, a, scales, ins[3])
        elif op == "Upsample":
            # Upsample-9 is Resize with asymmetric coordinates and floor for nearest.
            y = resize(x, {"mode": a.get("mode", b"nearest"), "coordinate_transformation_mode": "asymmetric",
                           "nearest_mode": "floor"}, ins[1], None)
        elif op == "Softmax":
            y = softmax(x.astype(np.float64), a.get("axis", 1 if opset < 13 else -1), opset)
        elif op == "Pad":
            if opset < 11:
                y = pad(x, a, list(a["pads"]), a.get("value", 0.0))
            else:
                y = pad(x, a, list(ins[1]), 0.0 if ins[2] is None else float(ins[2]))
        elif op == "Slice":
            if opset < 10:
                y = slice_op(x, a["starts"], a["ends"], a.get("axes"), None)
            else:
                y = slice_op(x, ins[1], ins[2], ins[3], ins[4])
        elif op == "Gather":
            y = np.take(x, ins[1], axis=a.get("axis", 0))
        elif op == "DequantizeLinear":
            y = dequantize(x, ins[1], ins[2], a.get("axis", 1))
        elif op == "Relu":
            y = np.maximum(x, 0)
        elif op == "Gemm":
            A = x.T if a.get("transA", 0) else x
            B = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (A.astype(np.float64) @ B) + (0 if ins[2] is None else a.get("beta", 1.0) * ins[2])
        elif op == "Constant" and "value" in a:
            y = numpy_helper.to_array(a["value"])
        elif op == "Cast":
            y = x.astype(np.float32)
        else:
            raise Skip(op)
        env[nd.output[0]] = np.asarray(y)
    return [env[o.name] for o in model.graph.output]


def decode(e):
    dt = {"float32": np.float32, "int64": np.int64}[e["dtype"]]
    return np.frombuffer(base64.b64decode(e["data"]), dtype=dt).reshape(e["shape"]).copy()


def main():
    names = sys.argv[1:] or sorted(f[: -len(".golden.json")] for f in os.listdir(OPS) if f.endswith(".golden.json"))
    ok = bad = skipped = 0
    for name in names:
        g = json.load(open(os.path.join(OPS, name + ".golden.json")))
        model = onnx.load(os.path.join(OPS, g["model"]))
        try:
            got = run(model, {e["name"]: decode(e) for e in g["inputs"]})
        except Skip:
            skipped += 1
            continue
        tol = g["tolerance"]
        for ref, entry in zip(got, g["outputs"]):
            want = decode(entry)
            if ref.shape != want.shape:
                print(f"{name}: {entry['name']}: reference shape {list(ref.shape)}, onnxruntime {list(want.shape)}")
                bad += 1
                break
            err = np.abs(ref - want)
            if not (err <= np.maximum(tol["abs"], tol["rel"] * np.abs(want))).all():
                i = int(np.argmax(err))
                print(f"{name}: {entry['name']}: max |ref-ort| {err.max():.3g} at flat {i} (ref {ref.ravel()[i]:.6g}, "
                      f"ort {want.ravel()[i]:.6g})")
                bad += 1
                break
        else:
            ok += 1
    print(f"crosscheck.py: {ok} agree with the spec reference, {bad} differ, {skipped} not modelled")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
