"""Export the final PS-B at 80x80 (train_psb80.py) to ONNX with the metadata the Go liveness code reads,
quantize it with `bonafide quantize`, and check float vs int8 and our engine vs onnxruntime on the
protocol's real crops (export_pyramid.finish).

    /usr/bin/python3 scripts/train/export_psb80.py RUN_DIR OUT.onnx [--bonafide BIN] [--limit K]

RUN_DIR is a train_psb80.py protocol run: final/head.pt holds the shipped head, protocol.json the score
and the threshold chosen on the folds. Writes OUT.onnx, OUT.int8.onnx and models/eval/<name>.json.
"""

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import common
import export
import export_pyramid
import prep_psb80
import protocol
import train_psb80

LICENSE = ("Weights: Silent-Face-Anti-Spoofing's MiniFASNetV2 (Minivision, Apache-2.0; see models/NOTICE), unchanged "
           "but for rounding to the int8 grid, with pyramid map heads trained on the NUAA Photograph Imposter Database "
           "(academic research use only) and on webcam replay captures released without a licence (internal research "
           "and evaluation only; two sources are MIT and Apache-2.0): clear those terms before any other use.")


class Net(nn.Module):
    """Published MiniFASNetV2 (80x80 BGR raw) + the trained pyramid heads on its pooled conv_4 map.
    Outputs score [1,1] (live probability: the chosen score) and map8, map4, map2 (live probability
    per cell)."""

    def __init__(self, head, score):
        super().__init__()
        self.taps = prep_psb80.Taps(protocol.trunk_torch())
        self.head = head
        if score not in train_psb80.SCORES:
            raise ValueError(f"unknown score {score!r}")
        self.score = score

    def forward(self, x):
        f8, z = self.taps(x)
        logits, b = self.head(f8, z)
        if self.score == "published":
            s = torch.softmax(z, 1)[:, 1:2]
        elif self.score == "fused":
            s = torch.sigmoid(b)
        else:
            s = torch.sigmoid(logits[3].flatten(1))
        return (s, *[torch.sigmoid(m) for m in logits[:3]])


def main(argv=None):
    a = export_pyramid.arg_parser(__doc__).parse_args(argv)
    torch.set_num_threads(1)
    protocol.use("psb")
    ck = torch.load(os.path.join(a.run, "final", "head.pt"), map_location="cpu")
    args = ck["args"]
    head = train_psb80.Head(args["hidden"])
    head.load_state_dict(ck["state"])
    net = Net(head, args["score"]).eval()
    summary = json.load(open(os.path.join(a.run, "protocol.json")))
    h = summary["headline"]
    size = prep_psb80.SIZE
    ops = export.torch_export(net, a.out, size, ["score", "map8", "map4", "map2"])
    score_text = {
        "published": "the published MiniFASNetV2 head's live probability (softmax class 1; not trained on our data)",
        "fused": "a linear head over the 85 mask logits and the published head's 3 class logits",
        "maps": "the pyramid's 1x1 level",
    }[args["score"]]
    meta = {
        "bonafide.kind": "pyramid-binary",
        "bonafide.crop": (f"size={size}x{size} scale={common._g64(protocol.CFG['scale'])} square=true border=shift "
                          "fill=0,0,0 order=bgr mean=0,0,0 std=1,1,1"),
        "bonafide.input": "input",
        "bonafide.output.score": "score",
        "bonafide.maps": "8x8:map8,4x4:map4,2x2:map2",
        "bonafide.maps.region": "face",
        "bonafide.threshold": f"{h['threshold']:.6g}",
        "bonafide.threshold.rule": h["rule"],
        "bonafide.version": a.version,
        "bonafide.date": common.DATE,
        "bonafide.training_data": export_pyramid.training_data(),
        "bonafide.license": LICENSE,
        "bonafide.description": (
            "PS-B: Pyramid Supervision with binary masks (Yu et al. 2020) on the published MiniFASNetV2 "
            "(Silent-Face-Anti-Spoofing) at its own 80x80 input: the whole published network frozen (conv weights on the "
            "int8 grid) with its own head as the binary path; on its conv_4 map (10x10, AveragePool k3 s1 to 8x8) a 1x1 "
            f"conv 128->{args['hidden']} + PReLU and 1x1 mask convs at 8x8/4x4/2x2/1x1, trained by "
            f"scripts/train/train_psb80.py ({args['epochs']} epochs + {args['qat_epochs']} QAT, seed {args['seed']}, "
            f"commit {export_pyramid.git_commit()}); score: {score_text}"),
        "bonafide.outputs": (
            "score [1,1]: live probability (" + score_text + "); map8 [1,1,8,8], map4 [1,1,4,4], map2 [1,1,2,2]: live "
            "probability per cell (map8's cells are 3x3 windows of the 10x10 conv_4 grid, a little inside the 8x8 grid "
            "they are drawn on), trained on the cells the face box covers only (bonafide.maps.region=face: mask the "
            "others when showing them)"),
    }
    export_pyramid.finish(net, a, meta, ops, h, size=size, resize=prep_psb80.to80)


if __name__ == "__main__":
    sys.exit(main())
