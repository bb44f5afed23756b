"""ONNX helpers shared by the export scripts: export a PyTorch module at opset 13 with only the ops our
engine supports, and run a batch through onnxruntime-node or bonafide's engine.
"""

import json
import os
import subprocess
import tempfile

import numpy as np
import onnx
import torch

import common

OPSET = 13
SUPPORTED = {"Conv", "ConvTranspose", "BatchNormalization", "Relu", "PRelu", "LeakyRelu", "Clip", "Sigmoid",
             "HardSigmoid", "HardSwish", "Tanh", "Softmax", "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min",
             "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Resize", "Upsample", "Pad", "Concat",
             "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Shape", "Gather", "Slice", "Constant",
             "Identity", "Dropout", "Gemm", "MatMul", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "Sqrt",
             "Exp", "Cast", "Range", "ConstantOfShape", "Expand", "QuantizeLinear", "DequantizeLinear"}


def torch_export(module, path, size, outputs, dynamic=False):
    module.eval()
    x = torch.zeros(1, 3, size, size)
    torch.onnx.export(module, x, path, opset_version=OPSET, input_names=["input"], output_names=outputs,
                      do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    ops = sorted({n.op_type for n in m.graph.node})
    bad = [o for o in ops if o not in SUPPORTED]
    if bad:
        raise SystemExit(f"{path}: ops the engine does not support: {bad}")
    m.producer_name = "bonafide scripts/train (pytorch " + torch.__version__ + ")"
    onnx.save(m, path)
    return ops


def bonafide_bin(arg):
    if arg:
        return arg
    out = os.path.join(tempfile.gettempdir(), f"bonafide-train-bin-{os.getpid()}")
    subprocess.run(["go", "build", "-o", out, "./cmd/bonafide"], cwd=common.REPO, check=True,
                   env=dict(os.environ, GOTOOLCHAIN="auto"))
    return out


_ENGINE = []


def engine_bin():
    """The enginerun tool: $BONAFIDE_ENGINERUN, or built once per process into a private file."""
    if os.environ.get("BONAFIDE_ENGINERUN"):
        return os.environ["BONAFIDE_ENGINERUN"]
    if not _ENGINE:
        out = os.path.join(tempfile.gettempdir(), f"bonafide-enginerun-{os.getpid()}")
        subprocess.run(["go", "build", "-o", out, "./scripts/train/enginerun"], cwd=common.REPO, check=True,
                       env=dict(os.environ, GOTOOLCHAIN="auto"))
        _ENGINE.append(out)
    return _ENGINE[0]


def run_batch(kind, model, x):
    """Every output of model for each sample of x [N,3,H,W] float32, in onnxruntime ('ort') or the
    Go engine ('engine'). Returns a list of arrays [N, *shape] in graph output order."""
    model = os.path.abspath(model)
    with tempfile.TemporaryDirectory() as d:
        xi, yo = os.path.join(d, "x.f32"), os.path.join(d, "y.f32")
        np.ascontiguousarray(x, "<f4").tofile(xi)
        if kind == "ort":
            cmd = ["node", os.path.join(common.HERE, "ort_batch.mjs"), model, xi, str(len(x)), yo]
        else:
            cmd = [engine_bin(), "-model", model, "-in", xi, "-n", str(len(x)), "-out", yo]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=common.REPO)
        if res.returncode:
            raise SystemExit(f"{kind} run of {model} failed: {res.stderr.strip()}")
        info = json.loads(res.stdout.strip().splitlines()[-1])
        y = np.fromfile(yo, "<f4")
    key = "shape" if "shape" in info[0] else "Shape"
    sizes = [int(np.prod(o[key])) for o in info]
    y = y.reshape(len(x), sum(sizes))
    outs, o = [], 0
    for s, i in zip(sizes, info):
        outs.append(y[:, o:o + s].reshape(len(x), *i[key]))
        o += s
    return outs
