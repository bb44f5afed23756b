#!/usr/bin/python3
"""Writes the hand-built single-op (and few-op) test graphs into core/model/testdata/ops/.

One case per op and per attribute variant, at the opsets where the op's meaning changes (9..17).
Case names: <op>[<opset>]_<variant>, lower case. Each case is CASE.onnx plus CASE.golden.json with
its inputs; scripts/testmodels/golden.mjs then fills in the outputs from onnxruntime-node.

Run through scripts/testmodels/make-all.sh (it needs Debian's /usr/bin/python3 with python3-onnx).
"""

import os
import sys

import numpy as np
from onnx import helper, numpy_helper, TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Writer, clean_folder, rng_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "core", "model", "testdata", "ops"))

W = None  # the Writer, set in main
F32 = np.float32
I64_MAX = np.iinfo(np.int64).max


def f32(a):
    return np.asarray(a, dtype=np.float32)


def i64(a):
    return np.asarray(a, dtype=np.int64)


def randn(r, *shape, scale=1.0, shift=0.0):
    return np.asarray(r.standard_normal(shape) * scale + shift, dtype=np.float32)


def unif(r, lo, hi, *shape):
    return np.asarray(r.uniform(lo, hi, shape), dtype=np.float32)


def node(op, ins, outs=("y",), **attrs):
    return helper.make_node(op, list(ins), list(outs), **attrs)


def single(name, opset, op, node_in, feeds, inits=(), outs=("y",), desc="", tol=None, in_dims=None, **attrs):
    """A graph with one node. node_in names the node's inputs in order ("" for an omitted optional)."""
    kw = {} if tol is None else {"tol": tol}
    W.graph(name, opset, [node(op, node_in, outs, **attrs)], feeds, list(outs), inits,
            desc or f"{op} opset {opset}", input_dims=in_dims, **kw)


# --------------------------------------------------------------------------------------------- Conv

def conv_case(name, opset, xshape, wshape, bias=True, desc="", op="Conv", **attrs):
    r = rng_for(name)
    x = randn(r, *xshape)
    fan_in = int(np.prod(wshape[1:]))
    w = randn(r, *wshape, scale=1.0 / np.sqrt(fan_in))
    inits = [("W", w)]
    ins = ["x", "W"]
    if bias:
        nb = wshape[0] if op == "Conv" else wshape[1] * attrs.get("group", 1)
        inits.append(("B", randn(r, nb, scale=0.5)))
        ins.append("B")
    single(name, opset, op, ins, [("x", x)], inits, desc=desc, **attrs)


def make_conv():
    c = conv_case
    c("conv9_k1", 9, [1, 4, 6, 6], [8, 4, 1, 1], desc="1x1 conv with bias")
    c("conv11_k3_p1", 11, [1, 3, 8, 8], [4, 3, 3, 3], kernel_shape=[3, 3], pads=[1, 1, 1, 1], desc="3x3, pads 1, bias")
    c("conv13_k3_nobias_nokernelattr", 13, [1, 3, 7, 7], [4, 3, 3, 3], bias=False,
      desc="3x3 without bias and without kernel_shape (taken from W)")
    c("conv13_k5_s2_p2", 13, [1, 3, 9, 9], [4, 3, 5, 5], strides=[2, 2], pads=[2, 2, 2, 2], desc="5x5 stride 2 pads 2")
    c("conv17_k7_s2_p3", 17, [1, 3, 16, 16], [8, 3, 7, 7], strides=[2, 2], pads=[3, 3, 3, 3], desc="7x7 stride 2 pads 3 (ResNet stem)")
    c("conv11_pads_asym", 11, [1, 2, 7, 6], [3, 2, 3, 3], pads=[0, 1, 2, 1], desc="asymmetric pads [top0 left1 bottom2 right1]")
    c("conv11_rect_kernel_strides", 11, [1, 2, 8, 9], [3, 2, 3, 1], strides=[1, 2], pads=[1, 0, 1, 0],
      desc="3x1 kernel, strides [1,2]")
    c("conv11_dilation2", 11, [1, 3, 9, 9], [4, 3, 3, 3], dilations=[2, 2], pads=[2, 2, 2, 2], desc="dilation 2")
    c("conv13_dilation_rect_s2", 13, [1, 2, 11, 12], [3, 2, 3, 3], dilations=[2, 3], strides=[2, 2], pads=[1, 2, 1, 2],
      desc="dilations [2,3] stride 2")
    c("conv11_group2", 11, [1, 4, 6, 6], [6, 2, 3, 3], group=2, pads=[1, 1, 1, 1], desc="group 2")
    c("conv11_depthwise", 11, [1, 6, 7, 7], [6, 1, 3, 3], group=6, pads=[1, 1, 1, 1], desc="depthwise 3x3")
    c("conv13_depthwise_s2_nobias", 13, [1, 8, 8, 8], [8, 1, 3, 3], bias=False, group=8, strides=[2, 2], pads=[1, 1, 1, 1],
      desc="depthwise 3x3 stride 2 without bias (MobileNet)")
    c("conv13_depthwise_mult2", 13, [1, 3, 6, 6], [6, 1, 3, 3], group=3, pads=[1, 1, 1, 1], desc="depthwise, channel multiplier 2")
    c("conv13_depthwise_k5", 13, [1, 4, 9, 9], [4, 1, 5, 5], group=4, pads=[2, 2, 2, 2], desc="depthwise 5x5")
    c("conv11_autopad_same_upper_s2", 11, [1, 2, 8, 8], [3, 2, 3, 3], auto_pad="SAME_UPPER", strides=[2, 2],
      desc="auto_pad SAME_UPPER, stride 2 (odd total pad: extra at the end)")
    c("conv11_autopad_same_lower_s2", 11, [1, 2, 8, 8], [3, 2, 3, 3], auto_pad="SAME_LOWER", strides=[2, 2],
      desc="auto_pad SAME_LOWER, stride 2 (odd total pad: extra at the start)")
    c("conv13_autopad_same_upper_k4", 13, [1, 2, 7, 7], [3, 2, 4, 4], auto_pad="SAME_UPPER",
      desc="auto_pad SAME_UPPER, even kernel 4")
    c("conv13_autopad_same_lower_k4", 13, [1, 2, 7, 7], [3, 2, 4, 4], auto_pad="SAME_LOWER",
      desc="auto_pad SAME_LOWER, even kernel 4")
    c("conv11_autopad_valid_s2", 11, [1, 2, 7, 7], [3, 2, 3, 3], auto_pad="VALID", strides=[2, 2], desc="auto_pad VALID")
    c("conv13_k1_s2", 13, [1, 4, 7, 7], [6, 4, 1, 1], strides=[2, 2], desc="1x1 stride 2 (residual shortcut)")
    c("conv13_batch2", 13, [2, 3, 6, 6], [4, 3, 3, 3], pads=[1, 1, 1, 1], desc="batch 2")
    c("conv13_wide", 13, [1, 16, 6, 6], [24, 16, 3, 3], pads=[1, 1, 1, 1], desc="16 -> 24 channels 3x3")
    c("conv11_1d_k3", 11, [1, 3, 10], [4, 3, 3], pads=[1, 1], desc="1-D, k3, pads 1")
    c("conv13_1d_s2_d2_asym", 13, [1, 2, 12], [3, 2, 3], strides=[2], dilations=[2], pads=[2, 1],
      desc="1-D, stride 2, dilation 2, asymmetric pads")
    c("conv13_1d_depthwise_k5", 13, [1, 4, 9], [4, 1, 5], group=4, pads=[2, 2], desc="1-D depthwise k5")
    c("conv13_1d_autopad_same_upper", 13, [1, 2, 9], [2, 2, 4], auto_pad="SAME_UPPER", strides=[2], desc="1-D SAME_UPPER")


def make_convtranspose():
    c = lambda *a, **k: conv_case(*a, op="ConvTranspose", **k)  # noqa: E731
    # ConvTranspose weights are [Cin, Cout/group, k...].
    c("convtr11_s2_k3_p1_op1", 11, [1, 3, 4, 4], [3, 2, 3, 3], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1],
      desc="stride 2, pads 1, output_padding 1")
    c("convtr13_s2_k4_p1", 13, [1, 4, 5, 5], [4, 3, 4, 4], strides=[2, 2], pads=[1, 1, 1, 1], desc="stride 2, k4, pads 1 (x2 upsampling)")
    c("convtr11_k3_nobias", 11, [1, 2, 5, 5], [2, 3, 3, 3], bias=False, desc="stride 1, no pads, no bias")
    c("convtr13_group2", 13, [1, 4, 3, 3], [4, 3, 3, 3], group=2, strides=[2, 2], desc="group 2")
    c("convtr13_depthwise_s2", 13, [1, 4, 4, 4], [4, 1, 3, 3], group=4, strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1],
      desc="depthwise, stride 2")
    c("convtr13_dilation2", 13, [1, 2, 4, 4], [2, 2, 3, 3], dilations=[2, 2], desc="dilation 2")
    c("convtr13_pads_asym_s2", 13, [1, 2, 4, 5], [2, 3, 3, 3], strides=[2, 2], pads=[0, 1, 1, 0], desc="asymmetric pads, stride 2")
    c("convtr13_rect_strides", 13, [1, 2, 3, 4], [2, 2, 3, 2], strides=[3, 2], output_padding=[1, 0], desc="strides [3,2], output_padding [1,0]")
    c("convtr13_output_shape", 13, [1, 2, 4, 4], [2, 2, 3, 3], strides=[2, 2], output_shape=[9, 8],
      desc="output_shape attribute (pads derived)")
    c("convtr13_1d_s2", 13, [1, 2, 5], [2, 3, 3], strides=[2], pads=[1, 1], output_padding=[1], desc="1-D, stride 2")


# ------------------------------------------------------------------------------------ normalisation

def bn_params(r, c):
    return [("scale", unif(r, 0.5, 1.5, c)), ("bias", randn(r, c, scale=0.5)),
            ("mean", randn(r, c, scale=0.5)), ("var", unif(r, 0.3, 2.0, c))]


def make_bn():
    for name, opset, shape, attrs in [
        ("batchnorm9", 9, [2, 3, 4, 4], {}),
        ("batchnorm14_eps", 14, [1, 4, 5, 5], {"epsilon": 1e-3}),
        ("batchnorm15_2d", 15, [4, 5], {}),
        ("batchnorm13_3d", 13, [2, 3, 7], {"momentum": 0.5}),
    ]:
        r = rng_for(name)
        single(name, opset, "BatchNormalization", ["x", "scale", "bias", "mean", "var"], [("x", randn(r, *shape))],
               bn_params(r, shape[1]), desc=f"BatchNormalization (inference) on {len(shape)}-D input, opset {opset}", **attrs)
    for name, opset, relu in [("conv_bn13", 13, False), ("conv_bn_relu11", 11, True)]:
        r = rng_for(name)
        x = randn(r, 1, 3, 8, 8)
        nodes = [node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]),
                 node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["y" if not relu else "b"])]
        if relu:
            nodes.append(node("Relu", ["b"], ["y"]))
        inits = [("W", randn(r, 4, 3, 3, 3, scale=0.2)), ("B", randn(r, 4, scale=0.3))] + bn_params(r, 4)
        W.graph(name, opset, nodes, [("x", x)], ["y"], inits, "Conv then BatchNormalization" + (" then Relu" if relu else ""))


# ----------------------------------------------------------------------------------- activations

def make_activations():
    def u(name, opset, op, x=None, inits=(), node_in=("x",), **attrs):
        r = rng_for(name)
        if x is None:
            x = randn(r, 2, 3, 4, 5, scale=2.0)
        single(name, opset, op, list(node_in), [("x", x)], list(inits), **attrs)

    u("relu9", 9, "Relu")
    u("relu14", 14, "Relu")
    r = rng_for("prelu")
    u("prelu9_scalar", 9, "PRelu", node_in=("x", "slope"), inits=[("slope", f32([0.25]))], desc="PRelu, slope shape [1]")
    u("prelu13_channel", 13, "PRelu", node_in=("x", "slope"), inits=[("slope", unif(r, 0.05, 0.5, 3, 1, 1))],
      desc="PRelu, per-channel slope [C,1,1]")
    u("prelu16_scalar0d", 16, "PRelu", node_in=("x", "slope"), inits=[("slope", f32(0.1))], desc="PRelu, 0-D slope")
    u("leakyrelu9", 9, "LeakyRelu", desc="LeakyRelu default alpha 0.01")
    u("leakyrelu16_alpha", 16, "LeakyRelu", alpha=0.2, desc="LeakyRelu alpha 0.2")
    # Clip: attributes up to opset 10, optional inputs from 11.
    u("clip9_attrs", 9, "Clip", min=-0.5, max=0.75, desc="Clip-6 attributes min/max")
    u("clip9_attr_min_only", 9, "Clip", min=0.0, desc="Clip-6 with min only (max defaults to +FLT_MAX)")
    u("clip11_inputs", 11, "Clip", node_in=("x", "lo", "hi"), inits=[("lo", f32(-1.0)), ("hi", f32(0.5))], desc="Clip-11 min and max inputs")
    u("clip11_min_only", 11, "Clip", node_in=("x", "lo"), inits=[("lo", f32(-0.25))], desc="Clip-11 min only")
    u("clip13_max_only", 13, "Clip", node_in=("x", "", "hi"), inits=[("hi", f32(0.3))], desc="Clip-13 max only (min omitted as \"\")")
    u("clip13_none", 13, "Clip", desc="Clip-13 with neither min nor max (identity)")
    u("clip13_relu6", 13, "Clip", x=randn(rng_for("clip13_relu6x"), 2, 3, 4, 5, scale=5.0), node_in=("x", "lo", "hi"),
      inits=[("lo", f32(0.0)), ("hi", f32(6.0))], desc="Clip to [0,6] (ReLU6 as torch exports it)")
    u("sigmoid9", 9, "Sigmoid", x=randn(rng_for("sigmoid9x"), 2, 3, 4, 5, scale=6.0))
    u("sigmoid13", 13, "Sigmoid")
    u("hardsigmoid9", 9, "HardSigmoid", desc="HardSigmoid defaults alpha 0.2 beta 0.5")
    u("hardsigmoid13_alpha", 13, "HardSigmoid", alpha=1.0 / 6.0, beta=0.5, desc="HardSigmoid alpha 1/6 (as in HardSwish)")
    u("hardswish14", 14, "HardSwish", x=randn(rng_for("hardswish14x"), 2, 3, 4, 5, scale=4.0))
    u("tanh13", 13, "Tanh")
    u("tanh9", 9, "Tanh")
    u("exp13", 13, "Exp")
    u("sqrt13", 13, "Sqrt", x=unif(rng_for("sqrt13x"), 0.0, 10.0, 2, 3, 4, 5))
    u("sqrt9", 9, "Sqrt", x=unif(rng_for("sqrt9x"), 0.0, 4.0, 3, 7))
    u("identity13", 13, "Identity")
    # Pow: scalar and broadcast exponents.
    u("pow13_square", 13, "Pow", node_in=("x", "e"), inits=[("e", f32(2.0))], desc="Pow x^2 (0-D exponent)")
    u("pow12_sqrt", 12, "Pow", x=unif(rng_for("pow12x"), 0.1, 5.0, 2, 3, 4), node_in=("x", "e"), inits=[("e", f32([0.5]))],
      desc="Pow x^0.5, positive base")
    u("pow15_channel", 15, "Pow", x=unif(rng_for("pow15x"), 0.5, 2.0, 1, 3, 4, 4), node_in=("x", "e"),
      inits=[("e", f32([1.5, -1.0, 3.0]).reshape(3, 1, 1))], desc="Pow with per-channel exponent")
    u("pow9_cube_negative_base", 9, "Pow", node_in=("x", "e"), inits=[("e", f32([3.0]))], desc="Pow x^3 with negative bases")
    # Dropout is the identity at inference.
    u("dropout9_ratio", 9, "Dropout", ratio=0.3, desc="Dropout-7 ratio attribute, inference")
    u("dropout12_ratio_input", 12, "Dropout", node_in=("x", "ratio"), inits=[("ratio", f32(0.4))], desc="Dropout-12 ratio input")
    u("dropout13_training_false", 13, "Dropout", node_in=("x", "ratio", "mode"),
      inits=[("ratio", f32(0.5)), ("mode", np.array(False))], desc="Dropout-13 training_mode false")


def make_softmax():
    for name, opset, shape, axis, scale in [
        ("softmax9_2d", 9, [3, 7], None, 1.0),
        ("softmax11_axis1_4d", 11, [2, 3, 4, 5], 1, 1.0),  # coerced to 2-D: [2, 60]
        ("softmax11_default_3d", 11, [2, 3, 4], None, 1.0),  # default axis 1, coerced: [2, 12]
        ("softmax11_axis2_4d", 11, [2, 3, 4, 5], 2, 1.0),  # coerced: [6, 20]
        ("softmax11_axis_neg1", 11, [2, 3, 4], -1, 1.0),
        ("softmax13_axis1_4d", 13, [2, 3, 4, 5], 1, 1.0),  # per-axis
        ("softmax13_default_4d", 13, [2, 3, 4, 5], None, 1.0),  # default axis -1
        ("softmax13_axis0", 13, [3, 2, 4], 0, 1.0),
        ("softmax13_axis2_4d", 13, [2, 3, 4, 5], 2, 1.0),
        ("softmax13_large", 13, [2, 6], 1, 60.0),  # exp overflows without subtracting the max
    ]:
        r = rng_for(name)
        attrs = {} if axis is None else {"axis": axis}
        desc = f"Softmax opset {opset}, axis {axis if axis is not None else 'default'}, input {shape}" + (
            " (opset < 13: coerced to 2-D at axis)" if opset < 13 else " (per-axis)")
        single(name, opset, "Softmax", ["x"], [("x", randn(r, *shape, scale=scale))], desc=desc, **attrs)


def make_binary():
    def b(name, opset, op, ashape, bshape, b_is_input=True, a_init=False, nonzero_b=False, desc=""):
        r = rng_for(name)
        a = randn(r, *ashape)
        bb = unif(r, 0.5, 2.0, *bshape) * np.where(r.random(bshape) < 0.5, -1, 1).astype(F32) if nonzero_b else randn(r, *bshape)
        bb = np.asarray(bb, dtype=F32).reshape(bshape)
        feeds, inits = [], []
        (inits if a_init else feeds).append(("a", a.reshape(ashape)))
        (feeds if b_is_input else inits).append(("b", bb))
        single(name, opset, op, ["a", "b"], feeds, inits, desc=desc or f"{op} {ashape} with {bshape}")

    b("add13_same", 13, "Add", [2, 3, 4], [2, 3, 4])
    b("add13_scalar0d", 13, "Add", [2, 3, 4, 5], [], b_is_input=False, desc="Add a 0-D initializer")
    b("add9_scalar1", 9, "Add", [2, 3, 4, 5], [1], b_is_input=False, desc="Add a [1] initializer")
    b("add14_channel", 14, "Add", [1, 3, 4, 4], [3, 1, 1], b_is_input=False, desc="per-channel bias [C,1,1]")
    b("add11_bcast_4d", 11, "Add", [2, 3, 4, 5], [2, 1, 1, 5])
    b("sub13_rank_mismatch", 13, "Sub", [2, 3, 4, 5], [5], desc="Sub [2,3,4,5] - [5]")
    b("sub13_scalar_lhs", 13, "Sub", [], [2, 3, 4], a_init=True, desc="Sub 0-D initializer - [2,3,4] (broadcast on the left)")
    b("sub9_bcast", 9, "Sub", [3, 1], [2, 1, 4], desc="Sub, both sides broadcast")
    b("mul13_both_bcast", 13, "Mul", [2, 1, 4], [3, 1], desc="Mul [2,1,4] * [3,1] -> [2,3,4]")
    b("mul9_channel", 9, "Mul", [2, 3, 4, 4], [1, 3, 1, 1], b_is_input=False, desc="per-channel scale [1,C,1,1]")
    b("mul14_same", 14, "Mul", [3, 5], [3, 5])
    b("div14_both_bcast", 14, "Div", [1, 3, 1, 5], [2, 1, 4, 1], nonzero_b=True, desc="Div [1,3,1,5] / [2,1,4,1]")
    b("div13_channel", 13, "Div", [1, 3, 4, 4], [3, 1, 1], b_is_input=False, nonzero_b=True, desc="Div by per-channel [C,1,1]")
    b("div9_scalar_lhs", 9, "Div", [1], [2, 3], a_init=True, nonzero_b=True, desc="Div [1] initializer / [2,3]")


# ----------------------------------------------------------------------------------------- pooling

def make_pool():
    def p(name, opset, op, shape, shift=0.0, **attrs):
        r = rng_for(name)
        x = randn(r, *shape, shift=shift)
        desc = f"{op} opset {opset} " + ", ".join(f"{k}={v}" for k, v in attrs.items())
        single(name, opset, op, ["x"], [("x", x)], desc=desc, **attrs)

    p("maxpool9_k2s2", 9, "MaxPool", [1, 2, 8, 8], kernel_shape=[2, 2], strides=[2, 2])
    # All-negative input: the padding must act as -inf, not 0.
    p("maxpool10_k3s2p1_negative", 10, "MaxPool", [1, 2, 9, 9], shift=-4.0, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    p("maxpool10_ceil", 10, "MaxPool", [1, 1, 7, 7], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)
    p("maxpool11_ceil_pads", 11, "MaxPool", [1, 2, 8, 8], shift=-4.0, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
    p("maxpool11_pads_asym", 11, "MaxPool", [1, 2, 6, 7], shift=-4.0, kernel_shape=[3, 3], pads=[0, 1, 1, 0])
    p("maxpool12_dilation2", 12, "MaxPool", [1, 2, 8, 8], kernel_shape=[2, 2], dilations=[2, 2])
    p("maxpool12_dilation_s2_ceil", 12, "MaxPool", [1, 2, 10, 9], kernel_shape=[3, 3], dilations=[2, 2], strides=[2, 2], ceil_mode=1)
    p("maxpool11_1d", 11, "MaxPool", [1, 3, 10], kernel_shape=[3], strides=[2], pads=[1, 1])
    p("maxpool11_same_upper", 11, "MaxPool", [1, 2, 8, 8], shift=-4.0, kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
    p("maxpool11_same_lower", 11, "MaxPool", [1, 2, 8, 8], shift=-4.0, kernel_shape=[2, 2], strides=[1, 1], auto_pad="SAME_LOWER")
    p("maxpool11_valid", 11, "MaxPool", [1, 2, 7, 7], kernel_shape=[3, 3], strides=[2, 2], auto_pad="VALID")
    p("maxpool13_rect", 13, "MaxPool", [1, 2, 7, 6], kernel_shape=[3, 2], strides=[2, 1])

    p("avgpool9_k2s2", 9, "AveragePool", [1, 2, 8, 8], kernel_shape=[2, 2], strides=[2, 2])
    p("avgpool11_p1_include", 11, "AveragePool", [1, 2, 6, 6], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1)
    p("avgpool11_p1_exclude", 11, "AveragePool", [1, 2, 6, 6], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0)
    p("avgpool10_ceil", 10, "AveragePool", [1, 2, 7, 7], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)
    p("avgpool11_ceil_pads_exclude", 11, "AveragePool", [1, 2, 8, 8], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
    p("avgpool11_pads_asym_include", 11, "AveragePool", [1, 2, 6, 7], kernel_shape=[3, 3], pads=[0, 1, 2, 0], count_include_pad=1)
    p("avgpool11_same_upper", 11, "AveragePool", [1, 2, 8, 8], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
    p("avgpool13_1d", 13, "AveragePool", [1, 3, 10], kernel_shape=[4], strides=[3], pads=[1, 2])
    p("avgpool13_k4s4", 13, "AveragePool", [1, 3, 16, 16], kernel_shape=[4, 4], strides=[4, 4])

    p("globalavgpool9", 9, "GlobalAveragePool", [1, 4, 5, 5])
    p("globalavgpool13_batch2", 13, "GlobalAveragePool", [2, 3, 4, 6])
    p("globalavgpool13_1d", 13, "GlobalAveragePool", [1, 3, 7])
    p("globalmaxpool9", 9, "GlobalMaxPool", [1, 4, 5, 5], shift=-3.0)
    p("globalmaxpool13_batch2", 13, "GlobalMaxPool", [2, 3, 4, 6])
    p("globalmaxpool13_1d", 13, "GlobalMaxPool", [1, 3, 7])


# ---------------------------------------------------------------------------------------- Resize

def make_resize():
    empty = f32([])

    def rz(name, opset, xshape, mode, ctm=None, nearest=None, scales=None, sizes=None):
        r = rng_for(name)
        x = randn(r, *xshape)
        attrs = {"mode": mode}
        if ctm:
            attrs["coordinate_transformation_mode"] = ctm
        if nearest:
            attrs["nearest_mode"] = nearest
        inits = []
        if opset == 11:
            # Resize-11: roi and scales are required inputs, empty when unused.
            ins = ["x", "roi", "scales"]
            inits += [("roi", empty), ("scales", f32(scales) if scales is not None else empty)]
            if sizes is not None:
                ins.append("sizes")
                inits.append(("sizes", i64(sizes)))
        else:
            if sizes is not None:
                ins = ["x", "", "", "sizes"]
                inits.append(("sizes", i64(sizes)))
            else:
                ins = ["x", "", "scales"]
                inits.append(("scales", f32(scales)))
        how = f"scales {scales}" if scales is not None else f"sizes {sizes}"
        desc = f"Resize-{opset} {mode}, {ctm or 'half_pixel (default)'}" + (
            f", nearest_mode {nearest or 'round_prefer_floor (default)'}" if mode == "nearest" else "") + f", {how} from {xshape}"
        single(name, opset, "Resize", ins, [("x", x)], inits, desc=desc, **attrs)

    x4 = [1, 2, 4, 4]
    # Upscaling x2 with asymmetric puts source coordinates on .5 exactly: every nearest_mode differs.
    for nm in ["floor", "round_prefer_floor", "round_prefer_ceil", "ceil"]:
        rz(f"resize11_nearest_asym_{nm}_x2", 11, x4, "nearest", "asymmetric", nm, scales=[1, 1, 2, 2])
    # Halving with half_pixel also lands on .5 (x_src = 2*x_dst + 0.5).
    rz("resize11_nearest_halfpixel_rpf_half", 11, [1, 2, 8, 8], "nearest", "half_pixel", "round_prefer_floor", scales=[1, 1, 0.5, 0.5])
    rz("resize11_nearest_halfpixel_rpc_half", 11, [1, 2, 8, 8], "nearest", "half_pixel", "round_prefer_ceil", scales=[1, 1, 0.5, 0.5])
    rz("resize11_nearest_default_x2", 11, x4, "nearest", scales=[1, 1, 2, 2])
    rz("resize11_nearest_align_corners_sizes", 11, x4, "nearest", "align_corners", "round_prefer_ceil", sizes=[1, 2, 7, 7])
    rz("resize11_nearest_asym_floor_rect", 11, [1, 2, 4, 3], "nearest", "asymmetric", "floor", scales=[1, 1, 1.5, 3])
    rz("resize11_nearest_pytorch_half_pixel_sizes", 11, x4, "nearest", "pytorch_half_pixel", "floor", sizes=[1, 2, 6, 1])
    rz("resize11_linear_halfpixel_x2", 11, x4, "linear", "half_pixel", scales=[1, 1, 2, 2])
    rz("resize11_linear_asym_x2", 11, x4, "linear", "asymmetric", scales=[1, 1, 2, 2])
    rz("resize11_linear_align_corners_sizes", 11, x4, "linear", "align_corners", sizes=[1, 2, 7, 9])
    # pytorch_half_pixel differs from half_pixel only where an output length is 1.
    rz("resize11_linear_pytorch_half_pixel_out1", 11, x4, "linear", "pytorch_half_pixel", sizes=[1, 2, 8, 1])
    rz("resize11_linear_halfpixel_out1", 11, x4, "linear", "half_pixel", sizes=[1, 2, 8, 1])
    rz("resize11_linear_halfpixel_half", 11, [1, 2, 8, 8], "linear", "half_pixel", scales=[1, 1, 0.5, 0.5])
    rz("resize11_linear_halfpixel_s1_5", 11, x4, "linear", "half_pixel", scales=[1, 1, 1.5, 1.5])
    rz("resize11_linear_halfpixel_sizes_nonint", 11, x4, "linear", "half_pixel", sizes=[1, 2, 7, 5])
    rz("resize13_nearest_asym_floor_scales", 13, x4, "nearest", "asymmetric", "floor", scales=[1, 1, 2, 2])
    rz("resize13_nearest_rpc_sizes_batch2", 13, [2, 3, 3, 5], "nearest", "half_pixel", "round_prefer_ceil", sizes=[2, 3, 7, 4])
    rz("resize13_linear_pytorch_half_pixel_scales", 13, x4, "linear", "pytorch_half_pixel", scales=[1, 1, 2, 2])
    rz("resize13_linear_halfpixel_sizes", 13, x4, "linear", "half_pixel", sizes=[1, 2, 6, 10])
    rz("resize13_linear_align_corners_scales", 13, x4, "linear", "align_corners", scales=[1, 1, 2, 2])
    rz("resize13_linear_asym_sizes_down", 13, [1, 2, 9, 9], "linear", "asymmetric", sizes=[1, 2, 4, 5])

    # torch's opset-11 export feeds roi and scales from Constant nodes holding empty tensors (onnx-go
    # v0.5.0 refuses those with "No data found").
    name = "resize11_empty_constant_roi_scales"
    r = rng_for(name)
    nodes = [node("Constant", [], ["roi"], value=numpy_helper.from_array(empty, "roi")),
             node("Constant", [], ["scales"], value=numpy_helper.from_array(empty, "scales")),
             node("Resize", ["x", "roi", "scales", "sizes"], ["y"], mode="linear",
                  coordinate_transformation_mode="pytorch_half_pixel")]
    W.graph(name, 11, nodes, [("x", randn(r, 1, 2, 4, 4))], ["y"], [("sizes", i64([1, 2, 8, 6]))],
            "Resize-11 linear with roi and scales from Constant nodes holding empty tensors, as torch exports it")

    for name, mode, scales in [("upsample9_nearest_x2", "nearest", [1, 1, 2, 2]),
                               ("upsample9_nearest_rect", "nearest", [1, 1, 2, 3]),
                               ("upsample9_linear_x2", "linear", [1, 1, 2, 2]),
                               ("upsample9_linear_s1_5", "linear", [1, 1, 1.5, 2.5])]:
        r = rng_for(name)
        single(name, 9, "Upsample", ["x", "scales"], [("x", randn(r, 1, 2, 4, 4))], [("scales", f32(scales))],
               desc=f"Upsample-9 {mode} scales {scales} (asymmetric coordinates)", mode=mode)


# ------------------------------------------------------------------------------------ shape ops

def make_shape_ops():
    def s(name, opset, op, shape, node_in=("x",), inits=(), outs=("y",), dtype_out=None, out_shape=None, **attrs):
        r = rng_for(name)
        x = randn(r, *shape)
        outs_decl = [(o, dtype_out or np.float32, out_shape) for o in outs]
        desc = attrs.pop("desc", "") or f"{op} opset {opset} on {shape}" + "".join(f", {k}={v}" for k, v in attrs.items())
        W.graph(name, opset, [node(op, node_in, outs, **attrs)], [("x", x)], outs_decl, list(inits), desc)

    # Pad
    x = [1, 2, 4, 4]
    pads = [0, 0, 1, 2, 0, 0, 2, 1]
    s("pad9_constant", 9, "Pad", x, pads=pads, value=0.5)
    s("pad9_default", 9, "Pad", x, pads=pads, desc="Pad-2 attribute pads, default mode constant 0")
    s("pad9_reflect", 9, "Pad", x, pads=pads, mode="reflect")
    s("pad9_edge", 9, "Pad", x, pads=pads, mode="edge")
    s("pad11_constant_value", 11, "Pad", x, ["x", "pads", "cv"], [("pads", i64(pads)), ("cv", f32(-1.5))],
      desc="Pad-11 pads and constant_value inputs")
    s("pad11_constant_no_value", 11, "Pad", x, ["x", "pads"], [("pads", i64(pads))], desc="Pad-11 pads input, constant_value omitted (0)")
    s("pad11_reflect", 11, "Pad", x, ["x", "pads"], [("pads", i64([0, 0, 3, 1, 0, 0, 0, 3]))], mode="reflect")
    s("pad13_edge", 13, "Pad", x, ["x", "pads"], [("pads", i64(pads))], mode="edge")
    s("pad13_negative", 13, "Pad", [1, 2, 5, 6], ["x", "pads"], [("pads", i64([0, 0, -1, 2, 0, 0, 1, -2]))],
      desc="Pad-13 with negative pads (crops)")
    s("pad11_3d_reflect", 11, "Pad", [1, 3, 5], ["x", "pads"], [("pads", i64([0, 0, 2, 0, 0, 1]))], mode="reflect")

    # Concat (three inputs from the same x plus initializers)
    for name, opset, axis, shapes in [("concat9_axis1", 9, 1, [[1, 2, 3, 3], [1, 3, 3, 3]]),
                                      ("concat11_axis_neg1", 11, -1, [[2, 3, 2], [2, 3, 4], [2, 3, 1]]),
                                      ("concat13_axis0", 13, 0, [[2, 5], [1, 5], [3, 5]]),
                                      ("concat13_1d", 13, 0, [[3], [4]])]:
        r = rng_for(name)
        feeds = [("x", randn(r, *shapes[0]))]
        inits = [(f"c{i}", randn(r, *sh)) for i, sh in enumerate(shapes[1:], 1)]
        names = ["x"] + [n for n, _ in inits]
        if name == "concat13_axis0":
            names = ["c1", "x", "c2"]  # the graph input in the middle
        single(name, opset, "Concat", names, feeds, inits, desc=f"Concat axis {axis} of {shapes}", axis=axis)
    r = rng_for("concat13_inputs")
    single("concat13_inputs", 13, "Concat", ["a", "b", "a"], [("a", randn(r, 1, 2, 3)), ("b", randn(r, 1, 4, 3))],
           desc="Concat axis 1 of two graph inputs, one used twice", axis=1)

    # Flatten
    s("flatten9_default", 9, "Flatten", [2, 3, 4])
    s("flatten9_axis0", 9, "Flatten", [2, 3, 4], axis=0)
    s("flatten11_axis2", 11, "Flatten", [2, 3, 4, 5], axis=2)
    s("flatten13_axis_neg1", 13, "Flatten", [2, 3, 4, 5], axis=-1)
    s("flatten13_axis1", 13, "Flatten", [2, 3, 4, 5], axis=1)

    # Reshape
    for name, opset, shape, target in [("reshape13_0_neg1", 13, [2, 3, 4, 5], [0, -1]),
                                       ("reshape13_neg1_first", 13, [2, 3, 4, 5], [-1, 5]),
                                       ("reshape9_0_0_neg1", 9, [2, 3, 4, 5], [0, 0, -1]),
                                       ("reshape14_split", 14, [2, 3, 4, 5], [0, 0, 2, -1, 5]),
                                       ("reshape13_plain", 13, [2, 6], [3, 4])]:
        s(name, opset, "Reshape", shape, ["x", "shape"], [("shape", i64(target))], desc=f"Reshape {shape} to {target}")

    # Transpose
    s("transpose13_nhwc", 13, "Transpose", [1, 2, 3, 4], perm=[0, 2, 3, 1])
    s("transpose13_nchw", 13, "Transpose", [1, 3, 4, 2], perm=[0, 3, 1, 2])
    s("transpose9_default", 9, "Transpose", [2, 3, 4], desc="Transpose without perm (reverses the axes)")
    s("transpose13_2d", 13, "Transpose", [3, 5], perm=[1, 0])

    # Squeeze / Unsqueeze: attribute axes up to opset 12, input from 13.
    s("squeeze9_axes", 9, "Squeeze", [1, 3, 1, 5], axes=[0, 2])
    s("squeeze11_noaxes", 11, "Squeeze", [1, 3, 1, 5], out_shape=[3, 5], desc="Squeeze-11 without axes (drops every 1)")
    s("squeeze11_neg", 11, "Squeeze", [2, 3, 1, 5], axes=[-2])
    s("squeeze13_axes_input", 13, "Squeeze", [1, 3, 1, 5], ["x", "axes"], [("axes", i64([2, 0]))], desc="Squeeze-13 axes input [2,0]")
    s("squeeze13_noaxes", 13, "Squeeze", [1, 3, 1, 1], out_shape=[3], desc="Squeeze-13 without axes")
    s("unsqueeze9_axes", 9, "Unsqueeze", [3, 4], axes=[0])
    s("unsqueeze11_axes", 11, "Unsqueeze", [3, 4], axes=[0, 3])
    s("unsqueeze11_neg", 11, "Unsqueeze", [3, 4], axes=[-1])
    s("unsqueeze13_axes_input", 13, "Unsqueeze", [3, 4], ["x", "axes"], [("axes", i64([1]))], desc="Unsqueeze-13 axes input [1]")
    s("unsqueeze13_multi_neg", 13, "Unsqueeze", [3, 4], ["x", "axes"], [("axes", i64([-1, 0]))], desc="Unsqueeze-13 axes input [-1,0]")

    # Shape
    s("shape13", 13, "Shape", [2, 3, 4, 5], dtype_out=np.int64)
    s("shape15_start_end", 15, "Shape", [2, 3, 4, 5], dtype_out=np.int64, start=1, end=-1)
    s("shape15_start_neg", 15, "Shape", [2, 3, 4, 5], dtype_out=np.int64, start=-2)

    # Gather
    s("gather13_axis0_vector", 13, "Gather", [5, 4], ["x", "idx"], [("idx", i64([0, 3, 3, 1]))], desc="Gather axis 0, indices [0,3,3,1]")
    s("gather13_axis1_scalar", 13, "Gather", [2, 5, 3], ["x", "idx"], [("idx", i64(2))], axis=1,
      desc="Gather axis 1, 0-D index 2 (drops the axis)")
    s("gather11_negative", 11, "Gather", [2, 5, 3], ["x", "idx"], [("idx", i64([-1, 0, -2]))], axis=1, desc="Gather axis 1, negative indices")
    s("gather13_axis_neg1_2d_idx", 13, "Gather", [2, 3, 4], ["x", "idx"], [("idx", i64([[0, 3], [2, -4]]))], axis=-1,
      desc="Gather axis -1 with 2-D indices")
    s("gather9_axis0", 9, "Gather", [4, 3], ["x", "idx"], [("idx", i64([2, 0]))])
    r = rng_for("gather13_indices_input")
    single("gather13_indices_input", 13, "Gather", ["x", "idx"],
           [("x", randn(r, 4, 3, 2)), ("idx", i64([[1, -1], [0, 2]]))], axis=0, desc="Gather axis 0, int64 indices fed as a graph input")

    # Slice: attributes at opset 9, inputs from 10.
    s("slice9_attrs", 9, "Slice", [3, 6, 5], starts=[0, 1], ends=[2, 5], axes=[0, 1])
    s("slice9_noaxes_clamp", 9, "Slice", [3, 6, 5], starts=[1, 0, 2], ends=[3, 4, 100], desc="Slice-1 without axes, end past the dim")
    s("slice9_negative", 9, "Slice", [3, 6, 5], starts=[-2], ends=[1000], axes=[2])
    s("slice10_steps", 10, "Slice", [3, 8, 5], ["x", "st", "en", "ax", "sp"],
      [("st", i64([1])), ("en", i64([8])), ("ax", i64([1])), ("sp", i64([2]))], desc="Slice-10 axis 1 [1:8:2]")
    s("slice10_noaxes", 10, "Slice", [3, 8, 5], ["x", "st", "en"], [("st", i64([0, 2, 1])), ("en", i64([2, 7, 4]))],
      desc="Slice-10 starts/ends only")
    s("slice11_reverse", 11, "Slice", [3, 6], ["x", "st", "en", "ax", "sp"],
      [("st", i64([-1])), ("en", i64([-1000000])), ("ax", i64([1])), ("sp", i64([-1]))], desc="Slice-11 reverses axis 1 (step -1)")
    s("slice13_neg_axes_steps", 13, "Slice", [2, 7, 9], ["x", "st", "en", "ax", "sp"],
      [("st", i64([1, 6])), ("en", i64([8, 0])), ("ax", i64([-1, -2])), ("sp", i64([2, -2]))], desc="Slice-13 negative axes, steps [2,-2]")
    s("slice13_int64_max", 13, "Slice", [2, 7, 9], ["x", "st", "en", "ax"],
      [("st", i64([3])), ("en", i64([I64_MAX])), ("ax", i64([2]))], desc="Slice-13 end INT64_MAX")
    s("slice13_step3", 13, "Slice", [1, 3, 10, 10], ["x", "st", "en", "ax", "sp"],
      [("st", i64([0, 1])), ("en", i64([10, 10])), ("ax", i64([2, 3])), ("sp", i64([3, 3]))], desc="Slice-13 step 3 on H and W")


def make_linear():
    def gemm(name, opset, a_shape, b_shape, c_shape=None, b_input=False, **attrs):
        r = rng_for(name)
        feeds = [("A", randn(r, *a_shape))]
        inits = []
        bval = randn(r, *b_shape, scale=0.5)
        (feeds if b_input else inits).append(("B", bval))
        ins = ["A", "B"]
        if c_shape is not None:
            inits.append(("C", randn(r, *c_shape)))
            ins.append("C")
        desc = f"Gemm-{opset} A{a_shape} B{b_shape}" + (f" C{c_shape}" if c_shape is not None else " no C") + "".join(
            f", {k}={v}" for k, v in attrs.items())
        single(name, opset, "Gemm", ins, feeds, inits, desc=desc, **attrs)

    gemm("gemm9_basic", 9, [3, 4], [4, 5], [5])
    gemm("gemm11_noC", 11, [3, 4], [4, 5])
    gemm("gemm13_transB", 13, [2, 6], [3, 6], [3], transB=1)
    gemm("gemm13_transA_alpha_beta", 13, [4, 3], [4, 5], [3, 5], transA=1, alpha=0.5, beta=2.0)
    gemm("gemm13_transAB_Ccol", 13, [4, 3], [5, 4], [3, 1], transA=1, transB=1)
    gemm("gemm13_C0d", 13, [2, 3], [3, 4], [], beta=0.5)
    gemm("gemm9_C_row", 9, [2, 3], [3, 4], [1, 4])
    gemm("gemm13_B_input", 13, [2, 3], [3, 4], [1], b_input=True)

    def mm(name, opset, a_shape, b_shape, b_input=True):
        r = rng_for(name)
        feeds = [("A", randn(r, *a_shape))]
        inits = []
        (feeds if b_input else inits).append(("B", randn(r, *b_shape)))
        single(name, opset, "MatMul", ["A", "B"], feeds, inits, desc=f"MatMul {a_shape} x {b_shape}")

    mm("matmul13_2d", 13, [3, 4], [4, 5], b_input=False)
    mm("matmul13_batched3d", 13, [2, 3, 4], [2, 4, 5])
    mm("matmul13_bcast", 13, [2, 1, 3, 4], [3, 4, 5])
    mm("matmul9_3d_2d", 9, [2, 3, 4], [4, 5], b_input=False)
    mm("matmul13_1d_2d", 13, [4], [4, 5])
    mm("matmul13_2d_1d", 13, [3, 4], [4])

    for name, opset, shape, attrs in [("reducemean13_hw_keep", 13, [2, 3, 4, 5], {"axes": [2, 3]}),
                                      ("reducemean13_c_nokeep", 13, [2, 3, 4, 5], {"axes": [1], "keepdims": 0}),
                                      ("reducemean11_neg", 11, [2, 3, 4], {"axes": [-1]}),
                                      ("reducemean13_all", 13, [2, 3, 4, 5], {}),
                                      ("reducemean9_all_nokeep", 9, [3, 4], {"keepdims": 0}),
                                      ("reducemean17_axis0", 17, [3, 2, 4], {"axes": [0]})]:
        r = rng_for(name)
        single(name, opset, "ReduceMean", ["x"], [("x", randn(r, *shape))],
               desc=f"ReduceMean-{opset} on {shape} " + ", ".join(f"{k}={v}" for k, v in attrs.items()), **attrs)


def make_constants():
    r = rng_for("constant9_tensor")
    c = randn(r, 1, 3, 1, 1)
    W.graph("constant9_tensor", 9,
            [node("Constant", [], ["c"], value=numpy_helper.from_array(c, "c")), node("Add", ["x", "c"], ["y"])],
            [("x", randn(r, 2, 3, 2, 2))], ["y"], [], "Constant (value tensor) added per channel")
    r = rng_for("constant12_value_float")
    W.graph("constant12_value_float", 12,
            [node("Constant", [], ["c"], value_float=2.5), node("Mul", ["x", "c"], ["y"])],
            [("x", randn(r, 2, 3))], ["y"], [], "Constant value_float (opset 12+) times x")
    r = rng_for("constant13_value_ints")
    W.graph("constant13_value_ints", 13,
            [node("Constant", [], ["s"], value_ints=[0, -1]), node("Reshape", ["x", "s"], ["y"])],
            [("x", randn(r, 2, 3, 4))], [("y", np.float32, [2, 12])], [], "Constant value_ints as a Reshape target")
    r = rng_for("constant13_value_floats")
    W.graph("constant13_value_floats", 13,
            [node("Constant", [], ["c"], value_floats=[1.0, -2.0, 0.5]), node("Add", ["x", "c"], ["y"])],
            [("x", randn(r, 2, 3))], ["y"], [], "Constant value_floats broadcast over the last axis")


def make_variadic_and_generators():
    """Max, Min and Sum over several broadcast inputs, and the ops that make constants at compile time
    (Size, Range, Expand, ConstantOfShape, Cast of a constant to bool), each feeding a run-time op so
    that the case's output depends on its input."""
    def v(name, opset, op, shapes):
        r = rng_for(name)
        feeds = [(f"x{i}", randn(r, *shape)) for i, shape in enumerate(shapes)]
        W.graph(name, opset, [node(op, [n for n, _ in feeds], ["y"])], feeds, ["y"], [],
                f"{op} of {len(shapes)} input{'s' if len(shapes) > 1 else ''} {shapes}")

    v("max13_three_bcast", 13, "Max", [[2, 3, 4], [3, 1], [4]])
    v("max8_one", 8, "Max", [[2, 3]])
    v("min13_two_bcast", 13, "Min", [[2, 1, 4], [3, 1]])
    v("sum13_three_bcast", 13, "Sum", [[1, 3, 4], [2, 1, 4], [1]])
    v("sum8_two", 8, "Sum", [[3, 5], [3, 5]])

    r = rng_for("size13_scales")
    W.graph("size13_scales", 13,
            [node("Size", ["x"], ["n"]), node("Cast", ["n"], ["nf"], to=TensorProto.FLOAT), node("Div", ["x", "nf"], ["y"])],
            [("x", randn(r, 2, 3, 4))], ["y"], [], "x divided by its Size (24), through Cast")
    r = rng_for("range11_float")
    W.graph("range11_float", 11,
            [node("Range", ["start", "limit", "delta"], ["ramp"]), node("Add", ["x", "ramp"], ["y"])],
            [("x", randn(r, 2, 6))], ["y"], [("start", f32(0.5)), ("limit", f32(3.1)), ("delta", f32(0.5))],
            "Range(0.5, 3.1, 0.5): 6 values, the last cell partial, added to x")
    r = rng_for("range11_int64_down")
    W.graph("range11_int64_down", 11,
            [node("Range", ["start", "limit", "delta"], ["ramp"]), node("Cast", ["ramp"], ["rf"], to=TensorProto.FLOAT),
             node("Mul", ["x", "rf"], ["y"])],
            [("x", randn(r, 3, 4))], ["y"], [("start", i64(10)), ("limit", i64(-2)), ("delta", i64(-3))],
            "int64 Range(10, -2, -3) = [10, 7, 4, 1], cast, times x")
    r = rng_for("expand13_constant")
    W.graph("expand13_constant", 13,
            [node("Expand", ["c", "shape"], ["e"]), node("Add", ["x", "e"], ["y"])],
            [("x", randn(r, 2, 3, 4))], ["y"], [("c", randn(r, 3, 1)), ("shape", i64([2, 1, 4]))],
            "Expand a [3,1] constant to [2,3,4] (the shape broadcasts too), added to x")
    r = rng_for("constantofshape9_float")
    W.graph("constantofshape9_float", 9,
            [node("ConstantOfShape", ["shape"], ["c"], value=numpy_helper.from_array(f32([1.5]), "value")), node("Mul", ["x", "c"], ["y"])],
            [("x", randn(r, 2, 3))], ["y"], [("shape", i64([2, 3]))], "ConstantOfShape [2,3] of 1.5, times x")
    r = rng_for("constantofshape9_default")
    W.graph("constantofshape9_default", 9,
            [node("ConstantOfShape", ["shape"], ["c"]), node("Add", ["x", "c"], ["y"])],
            [("x", randn(r, 4, 2))], ["y"], [("shape", i64([2]))], "ConstantOfShape [2] without a value (zeros), added to x")
    r = rng_for("constantofshape9_int64_cast")
    W.graph("constantofshape9_int64_cast", 9,
            [node("ConstantOfShape", ["shape"], ["c"], value=numpy_helper.from_array(i64([3]), "value")),
             node("Cast", ["c"], ["cf"], to=TensorProto.FLOAT), node("Sub", ["x", "cf"], ["y"])],
            [("x", randn(r, 3, 2))], ["y"], [("shape", i64([3, 2]))], "int64 ConstantOfShape of 3, cast, subtracted from x")
    r = rng_for("cast13_constant_to_bool")
    W.graph("cast13_constant_to_bool", 13,
            [node("Cast", ["c"], ["b"], to=TensorProto.BOOL), node("Cast", ["b"], ["bf"], to=TensorProto.FLOAT),
             node("Mul", ["x", "bf"], ["y"])],
            [("x", randn(r, 2, 4))], ["y"], [("c", f32([0.0, 0.5, -2.0, 0.0]))],
            "a float constant cast to bool (0.5 is true) and back, times x")


# ------------------------------------------------------------------------------- model-level cases

def make_graph_cases():
    # x.view(x.size(0), -1) as torch emits it, then a classifier.
    for name, opset, dyn in [("torch_view13", 13, False), ("torch_view11", 11, False), ("torch_view13_dynbatch", 13, True)]:
        r = rng_for(name)
        if opset >= 13:
            unsq = [node("Unsqueeze", ["n", "zero_axes"], ["n1"])]
            inits = [("zero_axes", i64([0]))]
        else:
            unsq = [node("Unsqueeze", ["n"], ["n1"], axes=[0])]
            inits = []
        nodes = [node("Shape", ["x"], ["s"]),
                 node("Constant", [], ["i0"], value=numpy_helper.from_array(i64(0), "i0")),
                 node("Gather", ["s", "i0"], ["n"], axis=0)] + unsq + [
                 node("Constant", [], ["m1"], value=numpy_helper.from_array(i64([-1]), "m1")),
                 node("Concat", ["n1", "m1"], ["shape"], axis=0),
                 node("Reshape", ["x", "shape"], ["flat"]),
                 node("Gemm", ["flat", "fcW", "fcB"], ["y"], transB=1)]
        inits += [("fcW", randn(r, 5, 36, scale=0.2)), ("fcB", randn(r, 5))]
        W.graph(name, opset, nodes, [("x", randn(r, 2, 4, 3, 3))], [("y", np.float32, ["N" if dyn else 2, 5])], inits,
                "Shape->Gather->Unsqueeze->Concat->Reshape (torch's x.view(x.size(0), -1)), then Gemm"
                + (", batch dim declared as N, golden at batch 2" if dyn else ""),
                input_dims={"x": ["N", 4, 3, 3]} if dyn else None)

    # Dynamic batch dim.
    r = rng_for("dynbatch13")
    nodes = [node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]), node("Relu", ["c"], ["r"]),
             node("GlobalAveragePool", ["r"], ["g"]), node("Flatten", ["g"], ["f"]),
             node("Gemm", ["f", "fcW", "fcB"], ["y"], transB=1)]
    W.graph("dynbatch13", 13, nodes, [("x", randn(r, 2, 3, 6, 6))], ["y"],
            [("W", randn(r, 4, 3, 3, 3, scale=0.3)), ("B", randn(r, 4)), ("fcW", randn(r, 2, 4)), ("fcB", randn(r, 2))],
            "Conv-Relu-GAP-Flatten-Gemm with input dims [N,3,6,6], golden at batch 2", input_dims={"x": ["N", 3, 6, 6]})

    # Initializers listed among the graph inputs.
    for name, opset, ir in [("ir3_inits_as_inputs9", 9, 3), ("ir4_inits_as_inputs11", 11, 4)]:
        r = rng_for(name)
        nodes = [node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]), node("Relu", ["c"], ["y"])]
        W.graph(name, opset, nodes, [("x", randn(r, 1, 2, 5, 5))], ["y"],
                [("W", randn(r, 3, 2, 3, 3, scale=0.3)), ("B", randn(r, 3))],
                f"IR version {ir}: the initializers W and B are also graph inputs", ir_version=ir, inits_as_inputs=True,
                check=ir >= 4)

    # Initializers in typed fields (float_data / int64_data) instead of raw_data.
    r = rng_for("typed_fields13")
    w = randn(r, 3, 2, 3, 3, scale=0.3)
    b = randn(r, 3)
    inits = [helper.make_tensor("W", TensorProto.FLOAT, w.shape, w.ravel().tolist(), raw=False),
             helper.make_tensor("B", TensorProto.FLOAT, b.shape, b.tolist(), raw=False),
             helper.make_tensor("shape", TensorProto.INT64, [2], [0, -1], raw=False)]
    nodes = [node("Conv", ["x", "W", "B"], ["c"]), node("Reshape", ["c", "shape"], ["y"])]
    W.graph("typed_fields13", 13, nodes, [("x", randn(r, 1, 2, 5, 5))], ["y"], inits,
            "initializers in float_data and int64_data (no raw_data)")

    # The same tensor used twice by one node, and an output that is also consumed inside the graph.
    r = rng_for("same_tensor_twice13")
    nodes = [node("Add", ["x", "x"], ["a"]), node("Mul", ["x", "x"], ["m"]), node("Mul", ["a", "a"], ["aa"]),
             node("Sub", ["aa", "m"], ["y"])]
    W.graph("same_tensor_twice13", 13, nodes, [("x", randn(r, 2, 3, 4))], ["y", "a"], [],
            "Add(x,x), Mul(x,x), Mul(a,a); outputs y and the intermediate a")

    # Two graph inputs, two outputs, a residual join.
    r = rng_for("residual_two_inputs13")
    nodes = [node("Conv", ["x", "W"], ["c"], pads=[1, 1, 1, 1]), node("Add", ["c", "skip"], ["s"]),
             node("Relu", ["s"], ["y"]), node("MaxPool", ["y"], ["p"], kernel_shape=[2, 2], strides=[2, 2])]
    W.graph("residual_two_inputs13", 13, nodes, [("x", randn(r, 1, 3, 6, 6)), ("skip", randn(r, 1, 3, 6, 6))], ["y", "p"],
            [("W", randn(r, 3, 3, 3, 3, scale=0.3))], "Conv + second input, Relu, MaxPool; two inputs, two outputs")


# ------------------------------------------------------------------------------- quantized weights

def quantize_int8_per_channel(r, w, zp_range=3):
    """Per-output-channel int8 with non-zero zero points, so that a folding pass that forgets them fails."""
    c = w.shape[0]
    flat = w.reshape(c, -1)
    zp = r.integers(-zp_range, zp_range + 1, c).astype(np.int8)
    amax = np.abs(flat).max(axis=1)
    scale = (amax / (127.0 - zp_range)).astype(np.float32)
    q = np.clip(np.round(flat / scale[:, None]) + zp[:, None], -128, 127).astype(np.int8)
    return q.reshape(w.shape), scale, zp


def make_qdq():
    # Two int8 convs with per-output-channel scales and zero points, DequantizeLinear axis 0.
    name = "qdq13_conv_int8_per_channel"
    r = rng_for(name)
    w1 = randn(r, 8, 3, 3, 3, scale=0.3)
    w2 = randn(r, 4, 8, 1, 1, scale=0.3)
    q1, s1, z1 = quantize_int8_per_channel(r, w1)
    q2, s2, z2 = quantize_int8_per_channel(r, w2)
    nodes = [node("DequantizeLinear", ["W1_q", "W1_s", "W1_z"], ["W1"], axis=0),
             node("Conv", ["x", "W1", "B1"], ["c1"], pads=[1, 1, 1, 1]), node("Relu", ["c1"], ["r1"]),
             node("DequantizeLinear", ["W2_q", "W2_s", "W2_z"], ["W2"], axis=0),
             node("Conv", ["r1", "W2", "B2"], ["y"])]
    inits = [("W1_q", q1), ("W1_s", s1), ("W1_z", z1), ("B1", randn(r, 8, scale=0.2)),
             ("W2_q", q2), ("W2_s", s2), ("W2_z", z2), ("B2", randn(r, 4, scale=0.2))]
    W.graph(name, 13, nodes, [("x", randn(r, 1, 3, 8, 8))], ["y"], inits,
            "INT8 weights, per-output-channel float scales and non-zero int8 zero points, DequantizeLinear(axis=0) -> Conv; float biases")

    name = "qdq13_depthwise_int8_per_channel"
    r = rng_for(name)
    w = randn(r, 6, 1, 3, 3, scale=0.5)
    q, s, z = quantize_int8_per_channel(r, w)
    nodes = [node("DequantizeLinear", ["W_q", "W_s", "W_z"], ["W"], axis=0),
             node("Conv", ["x", "W", "B"], ["y"], group=6, pads=[1, 1, 1, 1], strides=[2, 2])]
    W.graph(name, 13, nodes, [("x", randn(r, 1, 6, 8, 8))], ["y"],
            [("W_q", q), ("W_s", s), ("W_z", z), ("B", randn(r, 6, scale=0.2))],
            "depthwise Conv with INT8 per-channel weights (DequantizeLinear axis 0)")

    name = "qdq13_conv_int8_no_zero_point"
    r = rng_for(name)
    w = randn(r, 4, 2, 3, 3, scale=0.4)
    q, s, _ = quantize_int8_per_channel(r, w, zp_range=0)
    nodes = [node("DequantizeLinear", ["W_q", "W_s"], ["W"], axis=0), node("Conv", ["x", "W", "B"], ["y"])]
    W.graph(name, 13, nodes, [("x", randn(r, 1, 2, 6, 6))], ["y"], [("W_q", q), ("W_s", s), ("B", randn(r, 4, scale=0.2))],
            "INT8 per-channel weights, DequantizeLinear without zero point (0)")

    for name, opset in [("qdq13_conv_uint8_per_tensor", 13), ("qdq10_conv_uint8_per_tensor", 10)]:
        r = rng_for(name)
        w = randn(r, 5, 3, 3, 3, scale=0.3)
        zp = np.uint8(131)
        scale = np.float32(np.abs(w).max() / 120.0)
        q = np.clip(np.round(w / scale) + int(zp), 0, 255).astype(np.uint8)
        nodes = [node("DequantizeLinear", ["W_q", "W_s", "W_z"], ["W"]), node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1])]
        W.graph(name, opset, nodes, [("x", randn(r, 1, 3, 6, 6))], ["y"],
                [("W_q", q), ("W_s", f32(scale)), ("W_z", np.array(zp, dtype=np.uint8)), ("B", randn(r, 5, scale=0.2))],
                f"UINT8 weights, per-tensor scale and zero point 131, DequantizeLinear-{opset} -> Conv")

    name = "qdq13_gemm_int8_per_tensor"
    r = rng_for(name)
    w = randn(r, 5, 16, scale=0.3)
    scale = np.float32(np.abs(w).max() / 127.0)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    nodes = [node("DequantizeLinear", ["W_q", "W_s", "W_z"], ["W"]), node("Gemm", ["x", "W", "B"], ["y"], transB=1)]
    W.graph(name, 13, nodes, [("x", randn(r, 2, 16))], ["y"],
            [("W_q", q), ("W_s", f32(scale)), ("W_z", np.array(0, dtype=np.int8)), ("B", randn(r, 5, scale=0.2))],
            "INT8 per-tensor weights, DequantizeLinear -> Gemm transB")

    name = "fp16_cast13_conv"
    r = rng_for(name)
    w = randn(r, 4, 3, 3, 3, scale=0.3).astype(np.float16)
    b = randn(r, 4, scale=0.2).astype(np.float16)
    nodes = [node("Cast", ["W16"], ["W"], to=TensorProto.FLOAT), node("Cast", ["B16"], ["B"], to=TensorProto.FLOAT),
             node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1])]
    W.graph(name, 13, nodes, [("x", randn(r, 1, 3, 6, 6))], ["y"],
            [numpy_helper.from_array(w, "W16"), numpy_helper.from_array(b, "B16")],
            "FLOAT16 weight and bias initializers, Cast to FLOAT, Conv")


def main():
    global W
    clean_folder(OUT)
    W = Writer(OUT)
    make_conv()
    make_convtranspose()
    make_bn()
    make_activations()
    make_softmax()
    make_binary()
    make_pool()
    make_resize()
    make_shape_ops()
    make_linear()
    make_constants()
    make_variadic_and_generators()
    make_graph_cases()
    make_qdq()
    print(f"make_ops.py: {len(W.names)} cases in {OUT}")


if __name__ == "__main__":
    main()
