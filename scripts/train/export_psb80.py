"""Export the final PS-B at 80x80 (train_psb80.py) to ONNX with the metadata the Go liveness code reads,
quantize it with `bonafide quantize`, and check float vs int8 and our engine vs onnxruntime on the
protocol's real crops (export_pyramid.finish).

    /usr/bin/python3 scripts/train/export_psb80.py RUN_DIR OUT.onnx [--bonafide BIN] [--limit K] [--retarget]

RUN_DIR is a train_psb80.py protocol run: final/head.pt holds the shipped head, protocol.json the score
and the threshold chosen on the folds. A score "published-sS" (the published head on the crop of the face
box xS) exports the same network as "published" with the crop scale S in bonafide.crop; a score "mix-sS-wW"
(train_psb80.MIXES) exports the score (1 - W) * published + W * the pyramid's 1x1 level, at crop scale S. With --top TOP_DIR (a train_top80.py protocol run) the published
network's top (conv_45 ... prob) is replaced by TOP_DIR/final/top.pt, the fine-tuned top its protocol
chose, and the threshold is TOP_DIR/protocol.json's (the score is then that top's live probability). Writes OUT.onnx, OUT.int8.onnx and models/eval/<name>.json.
With --retarget the committed OUT.onnx and its int8 file keep their weights and only take RUN_DIR's
threshold and rule (a new rule on the same scores needs no new weights; trained parts retrained on
another CPU differ by float rounding).
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
import train_top80

LICENSE = ("Weights: Silent-Face-Anti-Spoofing's MiniFASNetV2 (Minivision, Apache-2.0; see models/NOTICE), unchanged "
           "but for rounding to the int8 grid, with pyramid map heads trained on the NUAA Photograph Imposter Database "
           "(academic research use only) and on webcam replay captures released without a licence (internal research "
           "and evaluation only; two sources are MIT and Apache-2.0): clear those terms before any other use.")


class Net(nn.Module):
    """Published MiniFASNetV2 (80x80 BGR raw) + the trained pyramid heads on its pooled conv_4 map.
    Outputs score [1,1] (live probability: the chosen score) and map8, map4, map2 (live probability
    per cell)."""

    def __init__(self, head, score, top=None):
        super().__init__()
        trunk = protocol.trunk_torch()
        if top is not None:  # train_top80.Top's state: the same module names as the published network's
            missing, unexpected = trunk.load_state_dict(top, strict=False)
            if unexpected or any(k.split(".")[0] in train_top80.TOP for k in missing):
                raise ValueError(f"top state does not fit: missing {missing}, unexpected {unexpected}")
        self.taps = prep_psb80.Taps(trunk)
        self.head = head
        if score not in train_psb80.SCORES:
            raise ValueError(f"unknown score {score!r}")
        self.score = score

    def forward(self, x):
        f8, z = self.taps(x)
        logits, b = self.head(f8, z)
        if self.score == "published":
            s = torch.softmax(z, 1)[:, 1:2]
        elif self.score in train_psb80.MIXES:
            w = train_psb80.MIXES[self.score][1]
            s = (1 - w) * torch.softmax(z, 1)[:, 1:2] + w * torch.sigmoid(logits[3].flatten(1))
        elif self.score == "fused":
            s = torch.sigmoid(b)
        else:
            s = torch.sigmoid(logits[3].flatten(1))
        return (s, *[torch.sigmoid(m) for m in logits[:3]])


def main(argv=None):
    p = export_pyramid.arg_parser(__doc__)
    p.add_argument("--top", default="", help="a train_top80.py protocol run: its final/top.pt replaces the published top")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    protocol.use("psb")
    head, args = train_psb80.load_head(os.path.join(a.run, "final", "head.pt"))
    top = None
    if a.top:
        top = torch.load(os.path.join(a.top, "final", "top.pt"), map_location="cpu")
        targs = top["args"]
        top = top["state"]
        if args["score"] != "published":
            raise SystemExit(f"--top replaces the published head, but {a.run}'s score is {args['score']}")
    summary = json.load(open(os.path.join(a.top or a.run, "protocol.json")))
    h = summary["headline"]
    if a.retarget:
        return export_pyramid.retarget(a, h, resize=prep_psb80.to80)
    shipped = args["score"] if a.top else summary["args"]["score"]
    heads_scale = args.get("scale", prep_psb80.SCALE)  # the crop the heads were trained at (train_psb80.py --scale)
    scale = train_psb80.one_pass_scale(shipped, heads_scale) if shipped not in ("fused", "maps") else heads_scale
    if scale is None:
        raise SystemExit(f"score {shipped!r} needs more than one pass of a network: it cannot ship as one graph")
    net = Net(head, "published" if shipped.startswith("published") else shipped, top).eval()
    size = prep_psb80.SIZE
    ops = export.torch_export(net, a.out, size, ["score", "map8", "map4", "map2"])
    published_text = "the published MiniFASNetV2 head's live probability (softmax class 1; not trained on our data)"
    score_text = {
        "published": published_text,
        "fused": "a linear head over the 85 mask logits and the published head's 3 class logits",
        "maps": "the pyramid's 1x1 level",
    }.get(net.score)
    if net.score in train_psb80.MIXES:
        w = train_psb80.MIXES[net.score][1]
        score_text = (f"{1 - w:g} x {published_text} + {w:g} x the live probability of the pyramid's 1x1 level (the trained "
                      "mask head over the whole crop), from the same pass (the weight chosen on the validation protocol)")
    if scale != protocol.CFG["scale"]:
        score_text += (f", on the crop of the face box x{common._g64(scale)} (the published network's own is x2.7; the "
                       "scale was chosen on the validation protocol)")
    license_ = LICENSE
    if a.top:
        score_text = ("the live probability (softmax class 1) of the published MiniFASNetV2 head with its top (conv_45 ... "
                      "prob) fine-tuned by scripts/train/train_top80.py: distillation to the "
                      f"{'published head' if targs.get('teacher', 'published') == 'published' else targs['teacher'] + ' ensemble'}, L2-SP toward "
                      f"its weights, {targs['epochs']} epochs at most, lr {targs['lr']:g}, int8-grid QAT throughout, the epoch "
                      "chosen on the protocol folds")
        license_ = LICENSE.replace("unchanged but for rounding to the int8 grid", "up to conv_4 unchanged but for rounding "
                                   "to the int8 grid, its top fine-tuned on the data below")
    meta = {
        "bonafide.kind": "pyramid-binary",
        "bonafide.crop": (f"size={size}x{size} scale={common._g64(scale)} square=true border=shift "
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
        "bonafide.license": license_,
        "bonafide.description": (
            "PS-B: Pyramid Supervision with binary masks (Yu et al. 2020) on the published MiniFASNetV2 "
            "(Silent-Face-Anti-Spoofing) at its own 80x80 input: the whole published network frozen (conv weights on the "
            "int8 grid) with its own head as the binary path; on its conv_4 map (10x10, AveragePool k3 s1 to 8x8) a 1x1 "
            f"conv 128->{args['hidden']} + PReLU and 1x1 mask convs at 8x8/4x4/2x2/1x1, trained by "
            f"scripts/train/train_psb80.py ({args['epochs']} epochs + {args['qat_epochs']} QAT, seed {args['seed']}, "
            f"commit {export_pyramid.git_commit()}); score: {score_text}" +
            (" (so the network is frozen only up to conv_4)" if a.top else "")),
        "bonafide.outputs": (
            "score [1,1]: live probability (" + score_text + "); map8 [1,1,8,8], map4 [1,1,4,4], map2 [1,1,2,2]: live "
            "probability per cell (map8's cells are 3x3 windows of the 10x10 conv_4 grid, a little inside the 8x8 grid "
            "they are drawn on), trained on the cells the face box covers only (bonafide.maps.region=face: mask the "
            "others when showing them)"),
    }
    export_pyramid.finish(net, a, meta, ops, h, size=size, resize=prep_psb80.to80)


if __name__ == "__main__":
    sys.exit(main())
