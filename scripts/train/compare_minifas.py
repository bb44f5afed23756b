"""MiniFASNetV2 (../shared/models, Apache-2.0) against our models on the same frames of the held-out
NUAA subjects, each through its own crop made by `bonafide crop` (MiniFASNetV2: 80x80, box x2.7,
shift, BGR raw 0..255; ours: what their bonafide.crop metadata says), scored in onnxruntime. MiniFASNetV2's
live probability is softmax(logits)[1].

Attack sets: the real NUAA prints, and, when frame_attacks.py has been run, the frame-level synthetic
replays and prints of the held-out live frames (made on whole frames, then cropped: a different
pipeline from the crop-level attacks used in training).

    /usr/bin/python3 scripts/train/compare_minifas.py [OUR_MODEL.onnx ...]

Writes models/eval/minifasnet-v2-nuaa-heldout.json.
"""

import os
import sys

import numpy as np
import onnx

import common
import export
import frame_attacks

MINIFAS_CROP = dict(size=80, scale=2.7, square=False, border="shift")
MINIFAS = os.path.join(common.SHARED, "models", "minifasnet-v2-80x80.onnx")


def crop_of(model):
    meta = {p.key: p.value for p in onnx.load(model).metadata_props}
    spec = dict(kv.split("=", 1) for kv in meta["bonafide.crop"].split())
    return dict(size=int(spec["size"].split("x")[0]), scale=float(spec["scale"]), square=spec["square"] == "true",
                border=spec["border"])


def score(model, imgs):
    if model == MINIFAS:
        x = imgs[..., ::-1].astype(np.float32).transpose(0, 3, 1, 2).copy()  # BGR, raw 0..255
        lg = export.run_batch("ort", model, x)[0].reshape(len(x), -1)
        e = np.exp(lg - lg.max(1, keepdims=True))
        return (e / e.sum(1, keepdims=True))[:, 1]
    return export.run_batch("ort", model, common.normalize(imgs))[0].reshape(-1)


def main():
    models = [MINIFAS] + sys.argv[1:]
    crops = {MINIFAS: MINIFAS_CROP} | {m: crop_of(m) for m in sys.argv[1:]}
    nuaa = {m: common.load_crops(common.VAL_SUBJECTS, crop=c, size=c["size"]) for m, c in crops.items()}
    names = set.intersection(*(set(d["name"]) for d in nuaa.values()))
    names = sorted(names)
    have_frames = os.path.exists(os.path.join(common.WORK, "crops-frames", common.crop_tag(MINIFAS_CROP), "manifest.jsonl"))
    frames = {}
    if have_frames:
        for m, c in crops.items():
            frames[m] = frame_attacks.load(common.crop_tag(c), c["size"])
        fnames = {k: sorted(set.intersection(*(set(frames[m][k][1]) for m in models))) for k in ("replay", "print")}
    res = {"frames_nuaa": len(names), "val_subjects": list(common.VAL_SUBJECTS)}
    for m in models:
        d = nuaa[m]
        idx = {n: i for i, n in enumerate(d["name"])}
        sel = np.array([idx[n] for n in names])
        s = score(m, d["img"][sel])
        live = d["live"][sel]
        sets = {"print_nuaa": s[live == 0]}
        if have_frames:
            for k in ("replay", "print"):
                imgs, fn = frames[m][k]
                fi = {n: i for i, n in enumerate(fn)}
                sets[f"{k}_frame_synth"] = score(m, imgs[np.array([fi[n] for n in fnames[k]])])
        res[os.path.basename(m)] = _report(s[live == 1], sets)
    if have_frames:
        res["frames_frame_synth"] = {k: len(v) for k, v in fnames.items()}
    common.write_json(os.path.join(common.REPO, "models", "eval", "minifasnet-v2-nuaa-heldout.json"), res)
    for k, v in res.items():
        if isinstance(v, dict) and "eer" in v:
            aucs = " ".join(f"{a[4:]} {v[a]:.5f}" for a in v if a.startswith("auc_"))
            print(f"{k:28s} AUC {aucs} | NUAA EER {v['eer']:.4f}, @0.5 APCER {v['apcer@0.5']:.4f} "
                  f"BPCER {v['bpcer@0.5']:.4f} ACER {v['acer@0.5']:.4f}")


def _report(live, sets):
    out = {"n_live": int(len(live))}
    for k, a in sets.items():
        out[f"auc_{k}"] = common.auc(live, a)
        out[f"n_{k}"] = int(len(a))
    a = sets["print_nuaa"]
    ap, bp = common.rates(live, a, 0.5)
    out.update({"eer": common.eer(live, a)[0], "apcer@0.5": ap, "bpcer@0.5": bp, "acer@0.5": (ap + bp) / 2})
    return out


if __name__ == "__main__":
    main()
