"""Paper-scale model definitions, exported with random weights (BatchNorm statistics calibrated on
noise so that activations stay in range) to check that bonafide's engine runs them with the same
numbers as onnxruntime, and to measure MACs, parameters and file sizes for the model cards.

    /usr/bin/python3 scripts/train/export_paper.py OUTDIR [--only NAME] [--bonafide BIN]

- resnet50-ps-256: ResNet50-PS (Yu et al. 2020): 256x256, pyramid binary head at 8/4/2/1.
- cdcn-ps-256: CDCN-PS (depth variant): CDC (theta 0.7) folded into plain Convs at export; outputs
  the mean depth as score plus depth maps at 32, 16, 8, 4, 2.
- resnet18-patchnet-224: full-width ResNet18 PatchNet encoder (ImageNet stem) on a 2x2 grid of
  112x112 patches of a 224x224 crop, 512-d embeddings.

They are NOT trained: their scores mean nothing. Writes OUTDIR/NAME.onnx, NAME.int8.onnx and
OUTDIR/paper.json (MACs, params, sizes, op list, engine-vs-onnxruntime max |difference| per output).
"""

import argparse
import json
import os
import subprocess

import numpy as np
import torch

import common
import export
import nets


@torch.no_grad()
def calibrate_bn(model, size, gen, batches=3):
    model.train()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average
    for _ in range(batches):
        model(torch.rand(2, 3, size, size, generator=gen) * 4 - 2)
    model.eval()


def crop_meta(size):
    return common.crop_spec(dict(size=size, scale=1.5, square=True, border="shift"))


def build(name):
    if name == "resnet50-ps-256":
        net = nets.ResNet50PS()
        return net, nets.PyramidExport(net), 256, ["score", "map8", "map4", "map2"], {
            "bonafide.kind": "pyramid-binary", "bonafide.maps": "8x8:map8,4x4:map4,2x2:map2"}
    if name == "cdcn-ps-256":
        net = nets.CDCNPS()
        return net, nets.CDCNPSExport(net), 256, ["score", "depth32", "depth16", "depth8", "depth4", "depth2"], {
            "bonafide.kind": "pyramid-depth",
            "bonafide.maps": "32x32:depth32,16x16:depth16,8x8:depth8,4x4:depth4,2x2:depth2"}
    if name == "resnet18-patchnet-224":
        net = nets.PatchNet(6, [0, 1], (64, 128, 256, 512), 512, 30.0, stem="imagenet")
        return net, nets.PatchGrid(net, 224, 2), 224, ["score", "patch_map", "embedding"], {
            "bonafide.kind": "patchnet", "bonafide.maps": "2x2:patch_map", "bonafide.output.embedding": "embedding"}
    raise SystemExit(f"unknown model {name}")


NAMES = ["resnet50-ps-256", "cdcn-ps-256", "resnet18-patchnet-224"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir", type=os.path.abspath)
    p.add_argument("--only", default="")
    p.add_argument("--bonafide", default="")
    a = p.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.outdir, exist_ok=True)
    bin_ = export.bonafide_bin(a.bonafide)
    report_path = os.path.join(a.outdir, "paper.json")
    report = json.load(open(report_path)) if os.path.exists(report_path) else {}
    for name in NAMES:
        if a.only and name != a.only:
            continue
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(0)
        net, module, size, outputs, meta = build(name)
        calibrate_bn(net, size, gen)
        if name.startswith("cdcn"):
            x = torch.rand(1, 3, size, size, generator=gen) * 4 - 2
            with torch.no_grad():
                before = module(x)
                nets.fold_cdc(net)
                after = module(x)
            fold_err = max(float((b - c).abs().max()) for b, c in zip(before, after))
            print(f"{name}: CDC fold max |difference| {fold_err:.2e}")
        path = os.path.join(a.outdir, name + ".onnx")
        ops = export.torch_export(module, path, size, outputs)
        common.set_metadata(path, {
            "bonafide.kind": meta.pop("bonafide.kind"), "bonafide.crop": crop_meta(size), "bonafide.input": "input",
            "bonafide.output.score": "score", **meta, "bonafide.threshold": "0.5", "bonafide.version": "0.0.0-untrained",
            "bonafide.date": common.DATE, "bonafide.training_data": "none: random weights (architecture check only)",
            "bonafide.license": "the bonafide project's licence (random weights, no training data)",
            "bonafide.description": f"{name}: paper-scale definition with RANDOM weights, for engine checks only; "
                                    f"its scores mean nothing",
            "bonafide.outputs": ", ".join(outputs)})
        q = os.path.join(a.outdir, name + ".int8.onnx")
        subprocess.run([bin_, "quantize", "-in", path, "-out", q], check=True)
        x = (torch.rand(1, 3, size, size, generator=gen) * 4 - 2).numpy()
        rec = {"macs": nets.count_macs(module, torch.from_numpy(x)), "params": nets.count_params(module),
               "bytes_float": os.path.getsize(path), "bytes_int8": os.path.getsize(q), "ops": ops, "input": [1, 3, size, size]}
        if name.startswith("cdcn"):
            rec["cdc_fold_max_abs"] = fold_err
        for f, tag in ((path, "float"), (q, "int8")):
            o = export.run_batch("ort", f, x)
            e = export.run_batch("engine", f, x)
            rec[f"parity_{tag}"] = {n: float(np.abs(a_ - b_).max()) for n, a_, b_ in zip(outputs, e, o)}
            rec[f"parity_{tag}_rel"] = {n: float(np.abs(a_ - b_).max() / max(np.abs(b_).max(), 1e-12))
                                        for n, a_, b_ in zip(outputs, e, o)}
        print(name, json.dumps(rec), flush=True)
        report[name] = rec
        common.write_json(report_path, report)


if __name__ == "__main__":
    main()
