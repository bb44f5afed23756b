"""Export the final PS-B (train_pyramid.py) to ONNX with the metadata the Go liveness code reads,
quantize it with `bonafide quantize`, and check float vs int8 and our engine vs onnxruntime on the
protocol's real crops.

    /usr/bin/python3 scripts/train/export_pyramid.py RUN_DIR OUT.onnx [--bonafide BIN] [--limit K]

RUN_DIR is a train_pyramid.py protocol run: final/top.pt holds the shipped top, protocol.json the
threshold chosen on the folds. Writes OUT.onnx, OUT.int8.onnx and models/eval/<name>.json.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

import common
import export
import minifasnet
import protocol

LICENSE = ("Weights: derived from Silent-Face-Anti-Spoofing's MiniFASNetV2 (Minivision, Apache-2.0; see models/NOTICE) "
           "and fine-tuned on the NUAA Photograph Imposter Database (academic research use only) and on webcam "
           "replay captures released without a licence (internal research and evaluation only; two sources are "
           "MIT and Apache-2.0): clear those terms before any other use.")


def build(top_path):
    ck = torch.load(top_path, map_location="cpu")
    top = minifasnet.PyramidTop("v2")
    top.load_state_dict(ck["state"])
    return minifasnet.PyramidNet(protocol.trunk_torch(), top).eval(), ck["args"]


def arg_parser(doc):
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", help="a train_*.py protocol run directory")
    p.add_argument("out", type=os.path.abspath)
    p.add_argument("--bonafide", default="")
    p.add_argument("--version", default=open(os.path.join(common.REPO, "VERSION")).read().strip(),
                   help="bonafide.version: the release the model is made for (default: the repository's VERSION)")
    p.add_argument("--limit", type=int, default=4, help="check parity on every k-th real crop")
    p.add_argument("--eval-json", default="", help="where the parity report goes (default models/eval/<name>.json)")
    p.add_argument("--retarget", action="store_true",
                   help="keep OUT.onnx and its int8 file as they are (weights, graph, other metadata) and set only "
                        "the threshold and its rule from RUN_DIR/protocol.json; the parity report's threshold figures "
                        "are recomputed")
    return p


def parity_inputs(a, resize=None):
    """The model inputs the parity checks run on: every a.limit-th real crop of the protocol (clean view),
    resized by resize (a tensor function) where the model's input is not the protocol's crop size."""
    items, img = protocol.load_items(export.bonafide_bin(a.bonafide))
    x = protocol.to_bgr_tensor(img[np.arange(0, len(items), a.limit)].astype(np.float32) / 255)
    return (resize(x) if resize else x).numpy()


def retarget(a, head, resize=None):
    """A new threshold rule needs no new weights: sets bonafide.threshold and bonafide.threshold.rule of
    a.out and its int8 file from head (a protocol.json headline), and recounts the parity report's
    int8-vs-float decision flips at the new threshold with our engine on the same crops as finish."""
    q = a.out[:-5] + ".int8.onnx"
    import onnx
    for path in (a.out, q):
        md = {p_.key: p_.value for p_ in onnx.load(path).metadata_props}
        new = dict(md, **{"bonafide.threshold": f"{head['threshold']:.6g}", "bonafide.threshold.rule": head["rule"]})
        if new != md:  # onnx.save re-encodes the whole file: leave an unchanged one byte for byte
            common.set_metadata(path, new)
    x = parity_inputs(a, resize)
    s = {k: export.run_batch("engine", path, x)[0].reshape(-1) for k, path in (("float", a.out), ("int8", q))}
    name = os.path.splitext(os.path.basename(a.out))[0]
    out = a.eval_json or os.path.join(common.REPO, "models", "eval", name + ".json")
    res = json.load(open(out))
    if res["n_parity"] != len(x):
        raise SystemExit(f"{out}: its parity ran on {res['n_parity']} crops, these are {len(x)}: use its --limit")
    t = head["threshold"]
    res.update({"threshold": t, "threshold_rule": head["rule"], "bytes_float": os.path.getsize(a.out),
                "bytes_int8": os.path.getsize(q),
                "decisions_flipped_int8_vs_float": int(((s["int8"] >= t) != (s["float"] >= t)).sum()),
                "int8_vs_float_engine_max_abs": float(np.abs(s["int8"] - s["float"]).max())})
    common.write_json(out, res)
    print(json.dumps(res, indent=1))


def main(argv=None):
    a = arg_parser(__doc__).parse_args(argv)
    torch.set_num_threads(1)
    net, args = build(os.path.join(a.run, "final", "top.pt"))
    summary = json.load(open(os.path.join(a.run, "protocol.json")))
    head = summary["headline"]
    ops = export.torch_export(net, a.out, protocol.SIZE, ["score", "map8", "map4", "map2"])
    git = git_commit()
    meta = {
        "bonafide.kind": "pyramid-binary",
        "bonafide.crop": protocol.crop_spec(),
        "bonafide.input": "input",
        "bonafide.output.score": "score",
        "bonafide.maps": "8x8:map8,4x4:map4,2x2:map2",
        "bonafide.maps.region": "face",
        "bonafide.threshold": f"{head['threshold']:.6g}",
        "bonafide.threshold.rule": head["rule"],
        "bonafide.version": a.version,
        "bonafide.date": common.DATE,
        "bonafide.training_data": training_data(),
        "bonafide.license": LICENSE,
        "bonafide.description": (
            "PS-B: Pyramid Supervision with binary masks (Yu et al. 2020) on MiniFASNetV2 (Silent-Face-Anti-Spoofing) at "
            "128x128: the published trunk conv1..conv_45 frozen (int8 grid), conv_5 and conv_6_sep fine-tuned, 1x1 mask "
            "convs at 8x8/4x4/2x2/1x1 and a linear binary head over the 85 mask logits; trained by "
            f"scripts/train/train_pyramid.py ({args['epochs']} epochs + {args['qat_epochs']} QAT, seed {args['seed']}, commit {git})"),
        "bonafide.outputs": (
            "score [1,1]: live probability (binary head over all pyramid levels); map8 [1,1,8,8], map4 [1,1,4,4], "
            "map2 [1,1,2,2]: live probability per cell, trained on the cells the face box covers only "
            "(bonafide.maps.region=face: mask the others when showing them)"),
    }
    finish(net, a, meta, ops, head)


def training_data():
    sources = ", ".join(protocol.replay_sources())
    return ("NUAA Photograph Imposter Database training split (live webcam frames and printed-photo attacks, 9 subjects, "
            f"sessions 01 and 02; academic research use only); six webcam replay capture sources ({sources}: live "
            "frames and real phone, tablet, monitor and TV replays; see ../shared/data/README.md for their terms); "
            "synthetic screen replays and prints made from every bona fide crop (scripts/train/attacks.py); camera and "
            "light domain-shift views (attacks.camera_shift). Crops by bonafide crop (the run-time detector).")


def git_commit():
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=common.REPO, capture_output=True, text=True).stdout.strip()


def finish(net, a, meta, ops, head, size=None, resize=None):
    """Writes the metadata, quantizes with `bonafide quantize`, and compares torch, onnxruntime and our
    engine, float and int8, on every a.limit-th real crop of the protocol (clean view); the report
    goes to a.eval_json or models/eval/<name>.json."""
    common.set_metadata(a.out, meta)
    bin_ = export.bonafide_bin(a.bonafide)
    q = a.out[:-5] + ".int8.onnx"
    subprocess.run([bin_, "quantize", "-in", a.out, "-out", q], check=True)
    x = parity_inputs(a, resize)
    with torch.no_grad():
        ref = np.concatenate([net(torch.from_numpy(x[i:i + 1]))[0].numpy().reshape(-1) for i in range(len(x))])
    runs = {k: export.run_batch(kind, path, x) for k, kind, path in
            (("float_ort", "ort", a.out), ("int8_ort", "ort", q), ("float_engine", "engine", a.out), ("int8_engine", "engine", q))}
    s = {k: v[0].reshape(-1) for k, v in runs.items()}
    t = head["threshold"]
    res = {
        "model": os.path.basename(a.out), "int8": os.path.basename(q), "ops": ops, "n_parity": int(len(x)),
        "bytes_float": os.path.getsize(a.out), "bytes_int8": os.path.getsize(q),
        "macs": minifasnet.count_macs(net, size or protocol.SIZE),
        "params": int(sum(p_.numel() for p_ in net.parameters())),
        "threshold": t, "threshold_rule": head["rule"],
        "torch_vs_float_ort_max_abs": float(np.abs(ref - s["float_ort"]).max()),
        "int8_vs_float_ort_max_abs": float(np.abs(s["int8_ort"] - s["float_ort"]).max()),
        "int8_vs_float_engine_max_abs": float(np.abs(s["int8_engine"] - s["float_engine"]).max()),
        "parity_float_engine_vs_ort_max_abs": max(float(np.abs(e - o).max()) for e, o in zip(runs["float_engine"], runs["float_ort"])),
        "parity_int8_engine_vs_ort_max_abs": max(float(np.abs(e - o).max()) for e, o in zip(runs["int8_engine"], runs["int8_ort"])),
        "decisions_flipped_int8_vs_float": int(((s["int8_engine"] >= t) != (s["float_engine"] >= t)).sum()),
    }
    name = os.path.splitext(os.path.basename(a.out))[0]
    common.write_json(a.eval_json or os.path.join(common.REPO, "models", "eval", name + ".json"), res)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    sys.exit(main())
