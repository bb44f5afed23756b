#!/usr/bin/python3
"""Makes dev-pyramid-untrained.onnx: core/model/testdata/nets/pyramid_128.onnx (random weights) with
bonafide.* metadata, so that the browser module can be wired and tested before a trained model lands.
Its scores mean nothing. Run with Debian's python3 (python3-onnx): /usr/bin/python3 make-dev-model.py
"""
import os
import onnx

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.join(here, "..", "..", "core", "model", "testdata", "nets", "pyramid_128.onnx")
m = onnx.load(src)
meta = {
    "bonafide.kind": "pyramid-binary",
    "bonafide.crop": "size=128x128 scale=1.5 square=true border=shift order=rgb "
                     "mean=123.675,116.28,103.53 std=58.395,57.12,57.375",
    "bonafide.input": m.graph.input[0].name,
    "bonafide.output.score": "score",
    "bonafide.maps": "8x8:map8,4x4:map4,2x2:map2",
    "bonafide.threshold": "0.5",
    # Major version 0: a file that was never released, which every release loads (models/README.md).
    "bonafide.version": "0.0.0-dev",
    "bonafide.description": "dev-pyramid-untrained (random weights, for wiring only: scores are meaningless)",
}
del m.metadata_props[:]
for k, v in meta.items():
    p = m.metadata_props.add()
    p.key, p.value = k, v
onnx.checker.check_model(m)
onnx.save(m, os.path.join(here, "dev-pyramid-untrained.onnx"))

# unsupported-op.onnx: one Det node (a real ONNX operator that bonafide does not implement), for
# the ModelError tests.
from onnx import helper, TensorProto
g = helper.make_graph([helper.make_node("Det", ["x"], ["y"], name="the_det")], "det",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])
u = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="bonafide make-dev-model.py")
u.ir_version = 7
onnx.checker.check_model(u)
onnx.save(u, os.path.join(here, "unsupported-op.onnx"))

# broadcast-add.onnx: z = x + y with x [1,1,256,1] and y [1,1,1,256]: two inputs of 1 KiB and an
# output of 256 KiB, for the shared-memory channel's tests (a response bigger than its buffer).
g = helper.make_graph([helper.make_node("Add", ["x", "y"], ["z"], name="the_add")], "broadcast_add",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 256, 1]),
                       helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 1, 256])],
                      [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 1, 256, 256])])
b = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="bonafide make-dev-model.py")
b.ir_version = 7
onnx.checker.check_model(b)
onnx.save(b, os.path.join(here, "broadcast-add.onnx"))
