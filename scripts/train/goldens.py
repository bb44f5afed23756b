"""Goldens for models/models_test.go: a synthetic input per input size, and onnxruntime's outputs
(scripts/ort/run.mjs, optimisation level "basic", which keeps a QDQ graph's float meaning) for every
committed model, float and int8. Also writes the two tiny export-parity models.

    /usr/bin/python3 scripts/train/goldens.py            # after the models are in models/

Files (models/testdata/):
  input-<S>.json        golden-format inputs only: the synthetic crop for S x S models
  <model>.golden.json   golden-format outputs only (inputs: see "input" field)
  tiny-pyramid.onnx, tiny-patchgrid.onnx, tiny-cdcn.onnx   tiny nets exported by the same code as the real ones

    /usr/bin/python3 scripts/train/goldens.py --tiny     # only the tiny nets and their goldens
The synthetic crop is not a face photo: smooth gradients, a skin-toned ellipse, stripes and a checker
patch, as uint8 RGB normalised with the model's crop mean/std, so every layer sees varied values.
"""

import base64
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

import common
import export
import nets

MODELS = os.path.join(common.REPO, "models")
TESTDATA = os.path.join(MODELS, "testdata")


def synthetic_crop(size):
    v, u = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.zeros((size, size, 3), np.float32)
    img[..., 0] = 60 + 120 * u
    img[..., 1] = 80 + 100 * v
    img[..., 2] = 150 - 90 * u * v
    face = ((u - 0.5) / 0.3) ** 2 + ((v - 0.5) / 0.38) ** 2 < 1
    img[face] = [205, 150, 125]
    img[..., 1] += 25 * np.sin(2 * np.pi * u * size / 5.3)
    chk = ((u > 0.6) & (u < 0.8) & (v > 0.15) & (v < 0.35))
    img[chk] = np.where(((np.floor(u * size / 2) + np.floor(v * size / 2)) % 2)[chk, None] > 0, 240, 20)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def tensor_entry(name, arr):
    arr = np.ascontiguousarray(arr, "<f4")
    return {"name": name, "shape": list(arr.shape), "dtype": "float32", "data": base64.b64encode(arr.tobytes()).decode()}


def input_for(model_path):
    m = onnx.load(model_path)
    meta = {p.key: p.value for p in m.metadata_props}
    dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    size = dims[-1]
    spec = dict(kv.split("=", 1) for kv in meta.get("bonafide.crop", "").split())
    mean = [float(x) for x in spec.get("mean", "0,0,0").split(",")]
    std = [float(x) for x in spec.get("std", "1,1,1").split(",")]
    x = (synthetic_crop(size).astype(np.float32) - np.array(mean, np.float32)) / np.array(std, np.float32)
    return m.graph.input[0].name, x.transpose(2, 0, 1)[None].copy(), size, spec


def run_ort(model_path, in_json):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.json")
        subprocess.run(["node", os.path.join(common.REPO, "scripts", "ort", "run.mjs"), "--opt=basic", model_path,
                        in_json, out], check=True, cwd=common.REPO)
        return json.load(open(out))["outputs"]


def tiny_models():
    """Two tiny nets through the same export code as the shipped ones: the Go test checks the engine
    against onnxruntime on them (export parity)."""
    torch.manual_seed(7)
    gen = torch.Generator().manual_seed(7)

    class TinyBackbone(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.f = torch.nn.Sequential(nets.conv_bn(3, 8, 3, 2), nets.InvertedResidual(8, 8, 1, 2),
                                         nets.InvertedResidual(8, 12, 2, 2), nets.conv_bn(12, 16, 1))
            self.out_channels = 16

        def forward(self, x):
            return self.f(x)

    class TinyPyramid(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = TinyBackbone()
            self.head = nets.PyramidHead(16)

        def forward(self, x):
            return self.head(self.backbone(x))

    class TinyCDCNPS(nets.CDCNPS):
        """CDCN-PS with an eighth of the channels: the same blocks, CDC folding, pools, bilinear resizes
        and pyramid outputs as the committed cdcn-ps-256, at 128x128 and about 1/250 of its MACs, so
        that its golden runs in every `make test` (the paper-scale one's needs BONAFIDE_SLOW_TESTS)."""

        def __init__(self, theta=0.7):
            torch.nn.Module.__init__(self)
            c = nets.cdc_bn_relu
            self.stem = c(3, 8, theta)
            self.low = torch.nn.Sequential(c(8, 16, theta), c(16, 24, theta), c(24, 16, theta), torch.nn.MaxPool2d(3, 2, 1))
            self.mid = torch.nn.Sequential(c(16, 16, theta), c(16, 24, theta), c(24, 16, theta), torch.nn.MaxPool2d(3, 2, 1))
            self.high = torch.nn.Sequential(c(16, 16, theta), c(16, 24, theta), c(24, 16, theta), torch.nn.MaxPool2d(3, 2, 1))
            self.head = torch.nn.Sequential(c(16 * 3, 16, theta), c(16, 8, theta), nets.CDC(8, 1, theta), torch.nn.ReLU(inplace=True))

    made = []
    pyr = TinyPyramid()
    pn = nets.PatchNet(3, [0], (4, 4, 8, 8), 8, 30.0)
    for name, net, module, size, outs, kind in [
        ("tiny-pyramid", pyr, nets.PyramidExport(pyr), 32, ["score", "map8", "map4", "map2"], "pyramid-binary"),
        ("tiny-patchgrid", pn, nets.PatchGrid(pn, 32, 2), 32, ["score", "patch_map", "embedding"], "patchnet"),
    ]:
        net.train()
        with torch.no_grad():
            for _ in range(3):
                if name == "tiny-pyramid":
                    net(torch.rand(4, 3, size, size, generator=gen) * 4 - 2)
                else:
                    net(torch.rand(8, 3, 16, 16, generator=gen) * 4 - 2)
        net.eval()
        path = os.path.join(TESTDATA, name + ".onnx")
        export.torch_export(module, path, size, outs)
        maps = "8x8:map8,4x4:map4,2x2:map2" if kind == "pyramid-binary" else "2x2:patch_map"
        meta = {"bonafide.kind": kind, "bonafide.crop": common.crop_spec(dict(size=size, scale=1.5, square=True,
                                                                                border="shift")),
                "bonafide.input": "input", "bonafide.output.score": "score", "bonafide.maps": maps,
                "bonafide.threshold": "0.5", "bonafide.version": "0.0.0-test", "bonafide.date": common.DATE,
                "bonafide.training_data": "none: random weights", "bonafide.license": "the bonafide project's licence (random weights, no training data)",
                "bonafide.description": f"{name}: a tiny random net exported by scripts/train/export.py's code, "
                                        f"for the export-parity test", "bonafide.outputs": ", ".join(outs)}
        if kind == "patchnet":
            meta["bonafide.output.embedding"] = "embedding"
        common.set_metadata(path, meta)
        made.append(path)
    # Its own seeds, after the other two nets: adding it changed none of their weights.
    torch.manual_seed(11)
    gen = torch.Generator().manual_seed(11)
    cdcn = TinyCDCNPS()
    cdcn.train()
    with torch.no_grad():
        for _ in range(3):
            cdcn(torch.rand(2, 3, 256, 256, generator=gen) * 4 - 2)
    cdcn.eval()
    nets.fold_cdc(cdcn)
    # Random weights leave the depth map near 0 (mean about 4e-4), which a 1e-4 tolerance cannot
    # judge: scale the last convolution (ReLU is positively homogeneous) so that on the golden's
    # synthetic input the depth map spans 0 to 0.9, inside the [0, 1] a depth map keeps to.
    x = (synthetic_crop(256).astype(np.float32) - np.array(common.MEAN, np.float32)) / np.array(common.STD, np.float32)
    with torch.no_grad():
        d = cdcn(torch.from_numpy(x.transpose(2, 0, 1)[None].copy()))
        cdcn.head[2].weight.mul_(0.9 / float(d.max()))
    path = os.path.join(TESTDATA, "tiny-cdcn.onnx")
    outs = ["score", "depth32", "depth16", "depth8", "depth4", "depth2"]
    export.torch_export(nets.CDCNPSExport(cdcn), path, 256, outs)
    common.set_metadata(path, {
        "bonafide.kind": "pyramid-depth", "bonafide.crop": common.crop_spec(dict(size=256, scale=1.5, square=True, border="shift")),
        "bonafide.input": "input", "bonafide.output.score": "score",
        "bonafide.maps": "32x32:depth32,16x16:depth16,8x8:depth8,4x4:depth4,2x2:depth2",
        "bonafide.threshold": "0.5", "bonafide.version": "0.0.0-test", "bonafide.date": common.DATE,
        "bonafide.training_data": "none: random weights",
        "bonafide.license": "the bonafide project's licence (random weights, no training data)",
        "bonafide.description": "tiny-cdcn: CDCN-PS at an eighth of the width, random weights, exported by the code that "
                                "exports cdcn-ps-256, for a golden that runs in every make test",
        "bonafide.outputs": ", ".join(outs)})
    made.append(path)
    return made


def main():
    # --tiny: remake only the tiny test nets and their goldens, leaving the shipped models' goldens as
    # they are (the inputs are deterministic, so an input file they share is rewritten identically).
    only_tiny = "--tiny" in sys.argv[1:]
    os.makedirs(TESTDATA, exist_ok=True)
    if not only_tiny:
        for f in glob.glob(os.path.join(TESTDATA, "*.golden.json")) + glob.glob(os.path.join(TESTDATA, "input-*.json")):
            os.remove(f)
    tiny = tiny_models()
    paths = sorted(glob.glob(os.path.join(MODELS, "*.onnx")) + glob.glob(os.path.join(TESTDATA, "*.onnx")))
    inputs = {}
    for p in paths:
        name, x, size, spec = input_for(p)
        key = f"input-{size}-{spec.get('mean', '0,0,0')}-{spec.get('std', '1,1,1')}"
        if key not in inputs:
            fn = f"input-{size}.json" if f"input-{size}.json" not in inputs.values() else f"input-{size}-{len(inputs)}.json"
            g = {"model": "", "opset": 13, "description": (
                f"synthetic {size}x{size} crop (scripts/train/goldens.py synthetic_crop), normalised with mean "
                f"{spec.get('mean')} std {spec.get('std')}"), "tolerance": {"abs": 1e-4, "rel": 1e-4},
                "inputs": [tensor_entry(name, x)], "outputs": []}
            with open(os.path.join(TESTDATA, fn), "w") as f:
                json.dump(g, f, indent=1)
                f.write("\n")
            inputs[key] = fn
        fn = inputs[key]
        if only_tiny and p not in tiny:
            continue
        outs = run_ort(p, os.path.join(TESTDATA, fn))
        rel = os.path.relpath(p, MODELS)
        g = {"model": rel, "input": fn, "description": f"onnxruntime-node 1.30.0 (opt basic) outputs of {rel} on {fn}",
             "tolerance": {"abs": 1e-4, "rel": 0}, "outputs": outs}
        base = os.path.basename(p)[: -len(".onnx")]
        with open(os.path.join(TESTDATA, base + ".golden.json"), "w") as f:
            json.dump(g, f, indent=1)
            f.write("\n")
        print(rel, fn, [(o["name"], o["shape"]) for o in outs])


if __name__ == "__main__":
    main()
