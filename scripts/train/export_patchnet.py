"""Export the final PatchNet (train_patchnet.py) to ONNX with the metadata the Go liveness code reads
(patch map, embeddings for the reference-based mode), quantize it and check its parity, as
export_pyramid.py does for PS-B.

    /usr/bin/python3 scripts/train/export_patchnet.py RUN_DIR OUT.onnx [--bonafide BIN] [--limit K]
"""

import json
import os
import sys

import torch

import common
import export
import export_pyramid
import protocol
import train_patchnet


def main(argv=None):
    a = export_pyramid.arg_parser(__doc__).parse_args(argv)
    torch.set_num_threads(1)
    protocol.use("patch")
    head, args = train_patchnet.load_head(os.path.join(a.run, "final", "head.pt"))
    net = train_patchnet.PatchNetExport(protocol.trunk_torch(), head).eval()
    summary = json.load(open(os.path.join(a.run, "protocol.json")))
    h = summary["headline"]
    ops = export.torch_export(net, a.out, protocol.SIZE, ["score", "patch_map", "embedding"])
    live = [head.classes[i] for i in head.live_classes]
    meta = {
        "bonafide.kind": "patchnet",
        "bonafide.crop": protocol.crop_spec(),
        "bonafide.input": "input",
        "bonafide.output.score": "score",
        "bonafide.maps": "4x4:patch_map",
        "bonafide.maps.region": "crop",
        "bonafide.output.embedding": "embedding",
        "bonafide.patchnet.classes": ",".join(head.classes),
        "bonafide.patchnet.live_classes": ",".join(live),
        "bonafide.patchnet.grid": "4x4 patches of 32x32, row-major (embedding row i = patch row i/4, column i%4)",
        "bonafide.threshold": f"{h['threshold']:.6g}",
        "bonafide.threshold.rule": h["rule"],
        "bonafide.version": a.version,
        "bonafide.date": common.DATE,
        "bonafide.training_data": export_pyramid.training_data(),
        "bonafide.license": export_pyramid.LICENSE,
        "bonafide.description": (
            "PatchNet (Wang et al., CVPR 2022) on MiniFASNetV2 (Silent-Face-Anti-Spoofing): each 32x32 patch of the face "
            "crop goes through the published trunk conv1..conv_45 (frozen, int8 grid), conv_5 and conv_6_sep (fine-tuned), "
            f"an average pool and a projection to {args['dim']}-d unit embeddings; a cosine classifier over {len(head.classes)} "
            f"patch types ({', '.join(head.classes)}), Asymmetric AM-Softmax (s={args['scale']}, margins live "
            f"{args['m_live']} / attack {args['m_spoof']}) and a self-supervised similarity loss (weight {args['lam']}); "
            f"trained by scripts/train/train_patchnet.py ({args['epochs']} epochs + {args['qat_epochs']} QAT, seed "
            f"{args['seed']}, commit {export_pyramid.git_commit()})"),
        "bonafide.outputs": (
            "score [1,1]: mean of the 16 patch live probabilities; patch_map [1,1,4,4]: live probability of each 32x32 "
            "patch (softmax over s*cos, summed over the live classes); embedding [16,"
            f"{args['dim']}]: L2-normalised patch embeddings, row-major patch order, for reference-based checks"),
    }
    export_pyramid.finish(net, a, meta, ops, h)


if __name__ == "__main__":
    sys.exit(main())
