"""Shared helpers for make_ops.py and make_nets.py: write one test case as CASE.onnx plus a
CASE.golden.json that holds the inputs only. golden.mjs fills in the outputs from onnxruntime-node.

Every case draws its random numbers from a generator seeded by the CRC-32 of its name, so adding or
removing a case never changes the data of another.
"""

import base64
import json
import os
import zlib

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference, TensorProto

DTYPE_NAMES = {
    np.dtype(np.float32): "float32",
    np.dtype(np.float64): "float64",
    np.dtype(np.int64): "int64",
    np.dtype(np.int32): "int32",
    np.dtype(np.int8): "int8",
    np.dtype(np.uint8): "uint8",
}

ONNX_TYPES = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float64): TensorProto.DOUBLE,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.float16): TensorProto.FLOAT16,
}

DEFAULT_TOL = (1e-4, 1e-4)


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def tensor_entry(name, arr):
    arr = np.ascontiguousarray(arr)
    dt = DTYPE_NAMES.get(arr.dtype)
    if dt is None:
        raise ValueError(f"{name}: dtype {arr.dtype} has no golden encoding")
    data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
    return {"name": name, "shape": list(arr.shape), "dtype": dt, "data": base64.b64encode(data).decode()}


def write_golden_inputs(path, model_file, opset, description, tol, feeds):
    g = {
        "model": model_file,
        "opset": opset,
        "description": description,
        "tolerance": {"abs": tol[0], "rel": tol[1]},
        "inputs": [tensor_entry(n, a) for n, a in feeds],
        "outputs": [],
    }
    with open(path, "w") as f:
        json.dump(g, f, indent=1)
        f.write("\n")


class Writer:
    """Collects cases into one folder and refuses duplicate names."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.names = set()
        os.makedirs(outdir, exist_ok=True)

    def _claim(self, name):
        if name in self.names:
            raise ValueError(f"duplicate case {name}")
        self.names.add(name)

    def graph(self, name, opset, nodes, inputs, outputs, inits=(), description="", tol=DEFAULT_TOL,
              ir_version=None, input_dims=None, inits_as_inputs=False, check=True):
        """Builds and writes a hand-made graph.

        inputs: [(name, ndarray)] graph inputs fed by the golden; input_dims may override a declared
          shape (e.g. {"x": ["N", 3, 8, 8]} for a dynamic batch).
        outputs: [name] (float32) or [(name, numpy dtype[, shape])]; the shape is needed only where
          the ONNX shape inference finds none.
        inits: [(name, ndarray)] stored as raw_data, or ready TensorProtos.
        """
        self._claim(name)
        input_dims = input_dims or {}
        g_inputs = [
            helper.make_tensor_value_info(n, ONNX_TYPES[a.dtype], input_dims.get(n, list(a.shape)))
            for n, a in inputs
        ]
        g_outputs = []
        for o in outputs:
            on, odt = (o, np.float32) if isinstance(o, str) else tuple(o)[:2]
            g_outputs.append(helper.make_tensor_value_info(on, ONNX_TYPES[np.dtype(odt)], None))
        protos = [t if isinstance(t, onnx.TensorProto) else numpy_helper.from_array(t[1], t[0]) for t in inits]
        if inits_as_inputs:
            g_inputs += [
                helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in protos
            ]
        graph = helper.make_graph(nodes, name, g_inputs, g_outputs, initializer=protos)
        opsets = [helper.make_opsetid("", opset)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="bonafide make_ops.py")
        model.ir_version = ir_version or helper.find_min_ir_version_for(opsets)
        # Declare the output shapes that the ONNX shape inference finds, then drop the intermediate
        # value_info it adds: the engine under test must infer those itself.
        inferred = shape_inference.infer_shapes(model, strict_mode=check)
        model.graph.ClearField("output")
        for o in outputs:
            on, odt, oshape = (o, np.float32, None) if isinstance(o, str) else (tuple(o) + (None,))[:3]
            got = next(v for v in inferred.graph.output if v.name == on)
            if oshape is not None:
                got = helper.make_tensor_value_info(on, ONNX_TYPES[np.dtype(odt)], oshape)
            elif not got.type.tensor_type.HasField("shape"):
                raise ValueError(f"{name}: shape inference gives no shape for output {on}; declare it")
            model.graph.output.append(got)
        if check:
            onnx.checker.check_model(model, full_check=True)
        self._save(name, model, opset, description, tol, inputs)

    def model(self, name, model, feeds, description="", tol=DEFAULT_TOL):
        """Writes a ready ModelProto (an exported torch net) and its inputs."""
        self._claim(name)
        opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        self._save(name, model, opset, description, tol, feeds)

    def _save(self, name, model, opset, description, tol, feeds):
        path = os.path.join(self.outdir, name + ".onnx")
        onnx.save(model, path)
        write_golden_inputs(os.path.join(self.outdir, name + ".golden.json"), name + ".onnx", opset,
                            description, tol, feeds)


def clean_folder(outdir):
    """Removes the cases a previous run wrote, so that renamed cases leave nothing behind."""
    if not os.path.isdir(outdir):
        return
    for f in os.listdir(outdir):
        if f.endswith(".onnx") or f.endswith(".golden.json"):
            os.remove(os.path.join(outdir, f))
