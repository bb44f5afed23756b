#!/usr/bin/python3
"""Writes small ONNX models exercising the operator semantics kernelref must match, plus their
inputs and the kernel-level parameters, to cases/ (one model per case) and cases.json. run_ort.mjs
then runs each model with onnxruntime-node and writes ../ort_goldens.json. See README.md."""
import json, os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

rng = np.random.default_rng(20240607)
os.makedirs("cases", exist_ok=True)
cases = []

def arr(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)

def save(name, node, inputs, inits, out_rank, opset, params):
    """inputs: list of (name, ndarray) fed at run time; inits: list of (name, ndarray) initializers."""
    g = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(a.shape)) for n, a in inputs],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None] * out_rank)],
        [numpy_helper.from_array(a, n) for n, a in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    if opset <= 17:  # Debian's onnx 1.12 does not know opset 19 (AveragePool dilations)
        onnx.checker.check_model(m)
    onnx.save(m, f"cases/{name}.onnx")
    c = {"name": name, "op": node.op_type, "params": params,
         "inputs": {n: {"shape": list(a.shape), "data": a.ravel().tolist()} for n, a in inputs}}
    for n, a in inits:
        c["inputs"][n] = {"shape": list(a.shape), "data": a.ravel().tolist()}
    cases.append(c)

# Conv: pads are [top, left, bottom, right].
def conv(name, n, c, h, w, m, k, s, d, pads, g, bias=True):
    kh, kw = k
    x = arr((n, c, h, w))
    wt = arr((m, c // g, kh, kw), -0.5, 0.5)
    ins = [("x", x)]
    inits = [("w", wt)]
    names = ["x", "w"]
    if bias:
        inits.append(("b", arr((m,), -0.5, 0.5)))
        names.append("b")
    node = helper.make_node("Conv", names, ["y"], kernel_shape=[kh, kw], strides=list(s), dilations=list(d), pads=list(pads), group=g)
    save(name, node, ins, inits, 4, 17, {"N": n, "C": c, "H": h, "W": w, "M": m, "KH": kh, "KW": kw, "SH": s[0], "SW": s[1], "DH": d[0], "DW": d[1], "PT": pads[0], "PL": pads[1], "PB": pads[2], "PR": pads[3], "Groups": g})

conv("conv_3x3_s2_asym", 1, 3, 7, 8, 4, (3, 3), (2, 2), (1, 1), (0, 0, 1, 1), 1)
conv("conv_3x3_dil2_g2", 1, 4, 9, 9, 6, (3, 3), (1, 1), (2, 2), (2, 2, 2, 2), 2)
conv("conv_dw_3x3_s2", 1, 5, 9, 10, 5, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), 5)
conv("conv_dw_3x3_s1", 2, 3, 6, 7, 3, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 3)
conv("conv_1x1", 1, 6, 5, 4, 7, (1, 1), (1, 1), (1, 1), (0, 0, 0, 0), 1)
conv("conv_5x3_s1x2_nobias", 1, 2, 8, 9, 3, (5, 3), (1, 2), (1, 1), (2, 1, 1, 0), 1, bias=False)

# ConvTranspose: weights [C, M/G, KH, KW]; output_padding and pads decide the output size.
def convt(name, c, h, w, m, k, s, d, pads, outpad, g):
    kh, kw = k
    x = arr((1, c, h, w))
    wt = arr((c, m // g, kh, kw), -0.5, 0.5)
    b = arr((m,), -0.5, 0.5)
    node = helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], kernel_shape=[kh, kw], strides=list(s), dilations=list(d), pads=list(pads), output_padding=list(outpad), group=g)
    save(name, node, [("x", x)], [("w", wt), ("b", b)], 4, 17, {"N": 1, "C": c, "H": h, "W": w, "M": m, "KH": kh, "KW": kw, "SH": s[0], "SW": s[1], "DH": d[0], "DW": d[1], "PT": pads[0], "PL": pads[1], "PB": pads[2], "PR": pads[3], "OutPadH": outpad[0], "OutPadW": outpad[1], "Groups": g})

convt("convt_3x3_s2_p1_op1", 3, 4, 5, 2, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), (1, 1), 1)
convt("convt_4x4_s2_p1_g2", 4, 3, 3, 4, (4, 4), (2, 2), (1, 1), (1, 1, 1, 1), (0, 0), 2)
convt("convt_3x3_dil2_asym", 2, 4, 3, 3, (3, 3), (1, 2), (2, 2), (0, 2, 1, 0), (0, 1), 1)

# Pools.
def pool(name, op, c, h, w, k, s, d, pads, ceil, cip=None):
    opset = 19 if (op == "AveragePool" and d != (1, 1)) else 12
    x = arr((1, c, h, w), -2, 1)
    attrs = dict(kernel_shape=list(k), strides=list(s), pads=list(pads), ceil_mode=int(ceil))
    if d != (1, 1):
        attrs["dilations"] = list(d)
    if cip is not None:
        attrs["count_include_pad"] = int(cip)
    node = helper.make_node(op, ["x"], ["y"], **attrs)
    save(name, node, [("x", x)], [], 4, opset, {"N": 1, "C": c, "H": h, "W": w, "KH": k[0], "KW": k[1], "SH": s[0], "SW": s[1], "DH": d[0], "DW": d[1], "PT": pads[0], "PL": pads[1], "PB": pads[2], "PR": pads[3], "CountIncludePad": bool(cip)})

pool("maxpool_3x3_s2_p1_ceil", "MaxPool", 2, 8, 8, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), True)
pool("maxpool_2x2_dil2_ceil", "MaxPool", 2, 8, 9, (2, 2), (2, 2), (2, 2), (0, 0, 0, 0), True)
pool("maxpool_2x3_asym", "MaxPool", 1, 7, 9, (2, 3), (1, 2), (1, 1), (1, 0, 0, 2), False)
pool("avgpool_3x3_s2_p1_ceil_excl", "AveragePool", 2, 7, 7, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), True, cip=False)
pool("avgpool_3x3_s2_p1_ceil_incl", "AveragePool", 2, 7, 7, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), True, cip=True)
pool("avgpool_2x2_s2_ceil_incl", "AveragePool", 2, 9, 7, (2, 2), (2, 2), (1, 1), (0, 0, 0, 0), True, cip=True)
pool("avgpool_3x3_dil2_p2_incl", "AveragePool", 1, 9, 9, (3, 3), (1, 1), (2, 2), (2, 2, 2, 2), False, cip=True)
pool("avgpool_3x3_dil2_p2_excl", "AveragePool", 1, 9, 9, (3, 3), (1, 1), (2, 2), (2, 2, 2, 2), False, cip=False)

# Resize over [1, planes, ih, iw] with scales or sizes.
def resize(name, planes, ih, iw, mode, coord, nearest=None, scales=None, sizes=None):
    x = arr((1, planes, ih, iw))
    attrs = dict(mode=mode, coordinate_transformation_mode=coord)
    if nearest:
        attrs["nearest_mode"] = nearest
    inits = [("roi", np.zeros((0,), np.float32))]
    names = ["x", "roi"]
    if scales is not None:
        inits.append(("scales", np.array([1, 1, scales[0], scales[1]], np.float32)))
        names.append("scales")
        oh, ow = int(np.floor(ih * scales[0])), int(np.floor(iw * scales[1]))
        sh, sw = scales
    else:
        names += ["", "sizes"]
        oh, ow = sizes
        sh, sw = oh / ih, ow / iw
    node = helper.make_node("Resize", names, ["y"], **attrs)
    save_resize(name, node, x, inits, sizes, planes, oh, ow, {"Planes": planes, "IH": ih, "IW": iw, "OH": oh, "OW": ow, "ScaleH": float(np.float32(sh)), "ScaleW": float(np.float32(sw)), "Mode": mode, "Coord": coord, "Nearest": nearest or "round_prefer_floor"})

def save_resize(name, node, x, inits, sizes, planes, oh, ow, params):
    tensors = [numpy_helper.from_array(a, n) for n, a in inits]
    if sizes is not None:
        tensors.append(numpy_helper.from_array(np.array([1, planes, oh, ow], np.int64), "sizes"))
    g = helper.make_graph([node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None] * 4)], tensors)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, f"cases/{name}.onnx")
    cases.append({"name": name, "op": "Resize", "params": params, "inputs": {"x": {"shape": list(x.shape), "data": x.ravel().tolist()}}})

resize("resize_nearest_half_pixel_floor_x2", 2, 4, 5, "nearest", "half_pixel", "round_prefer_floor", scales=(2.0, 2.0))
resize("resize_nearest_asymmetric_floor_x2", 2, 4, 5, "nearest", "asymmetric", "floor", scales=(2.0, 2.0))
resize("resize_nearest_align_corners_ceil_sizes", 2, 5, 7, "nearest", "align_corners", "round_prefer_ceil", sizes=(9, 12))
resize("resize_nearest_tf_half_pixel_ceil", 1, 6, 6, "nearest", "tf_half_pixel_for_nn", "ceil", scales=(1.5, 0.5))
resize("resize_nearest_pytorch_half_pixel_down", 2, 8, 8, "nearest", "pytorch_half_pixel", "round_prefer_floor", scales=(0.5, 0.5))
resize("resize_linear_half_pixel_x2", 2, 4, 5, "linear", "half_pixel", scales=(2.0, 2.0))
resize("resize_linear_align_corners_sizes", 2, 5, 7, "linear", "align_corners", sizes=(9, 12))
resize("resize_linear_asymmetric_frac", 1, 6, 10, "linear", "asymmetric", scales=(1.7, 0.6))
resize("resize_linear_pytorch_half_pixel_to1", 1, 6, 6, "linear", "pytorch_half_pixel", sizes=(1, 3))
resize("resize_linear_half_pixel_down", 2, 8, 8, "linear", "half_pixel", scales=(0.5, 0.5))

# Pad (opset 18: pads as an input, [begins..., ends...]).
def pad(name, shape, pads, mode, value=0.0):
    x = arr(shape)
    node = helper.make_node("Pad", ["x", "pads", "value"], ["y"], mode=mode)
    g = helper.make_graph([node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None] * len(shape))],
                          [numpy_helper.from_array(np.array(pads, np.int64), "pads"), numpy_helper.from_array(np.array(value, np.float32), "value")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, f"cases/{name}.onnx")
    r = len(shape)
    cases.append({"name": name, "op": "Pad", "params": {"Shape": list(shape), "Begin": pads[:r], "End": pads[r:], "Mode": mode, "Value": value},
                  "inputs": {"x": {"shape": list(shape), "data": x.ravel().tolist()}}})

pad("pad_reflect", [1, 2, 4, 5], [0, 0, 2, 1, 0, 0, 1, 3], "reflect")
pad("pad_edge", [1, 2, 4, 5], [0, 0, 3, 1, 0, 0, 1, 2], "edge")
pad("pad_constant_negative", [2, 3, 4], [1, -1, 2, 0, 2, -1], "constant", 0.5)

# Softmax (opset 13, one axis) and ReduceMean/ReduceMax/ReduceSum (opset 13, axes attribute).
x = arr((2, 5, 3), -3, 3)
save("softmax_axis1", helper.make_node("Softmax", ["x"], ["y"], axis=1), [("x", x)], [], 3, 13, {"Outer": 2, "N": 5, "Inner": 3})
for op in ["ReduceMean", "ReduceMax", "ReduceSum"]:
    x = arr((2, 3, 4, 5))
    if op == "ReduceSum":  # ReduceSum takes axes as an input from opset 13
        node = helper.make_node(op, ["x", "axes"], ["y"], keepdims=1)
        inits = [numpy_helper.from_array(np.array([1, 3], np.int64), "axes")]
    else:
        node = helper.make_node(op, ["x"], ["y"], keepdims=1, axes=[1, 3])
        inits = []
    g = helper.make_graph([node], op, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None] * 4)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    name = op.lower() + "_axes13"
    onnx.save(m, f"cases/{name}.onnx")
    cases.append({"name": name, "op": op, "params": {"Shape": [2, 3, 4, 5], "Axes": [1, 3]}, "inputs": {"x": {"shape": [2, 3, 4, 5], "data": x.ravel().tolist()}}})

# Activations with parameters whose defaults are easy to get wrong.
x = arr((1, 3, 4, 5), -5, 5)
save("hardswish", helper.make_node("HardSwish", ["x"], ["y"]), [("x", x)], [], 4, 14, {"Kind": "HardSwish"})
save("hardsigmoid_default", helper.make_node("HardSigmoid", ["x"], ["y"]), [("x", x)], [], 4, 13, {"Kind": "HardSigmoid", "Alpha": 0.2, "Beta": 0.5})
save("leakyrelu_default", helper.make_node("LeakyRelu", ["x"], ["y"]), [("x", x)], [], 4, 13, {"Kind": "LeakyRelu", "Alpha": 0.01})
save("prelu_channel", helper.make_node("PRelu", ["x", "slope"], ["y"]), [("x", x)], [("slope", arr((3, 1, 1), 0, 0.5))], 4, 16, {"Kind": "PRelu"})

json.dump(cases, open("cases.json", "w"))
print(len(cases), "cases")
