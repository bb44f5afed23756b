"""Export a trained PS-B or PatchNet checkpoint to ONNX (opset 13), pick its threshold on the held-out
subjects, write the metadata our Go liveness code reads, quantize with `bonafide quantize`, and
evaluate float and int8 files in onnxruntime and in bonafide's engine.

    /usr/bin/python3 scripts/train/export.py psb      CKPT OUT.onnx [--bonafide BIN]
    /usr/bin/python3 scripts/train/export.py patchnet CKPT OUT.onnx [--bonafide BIN]

Writes OUT.onnx (float), OUT.int8.onnx and models/eval/<name>.json (every number the model card
quotes). The threshold rule: the EER operating point of the float model on the held-out subjects
with all attack species pooled (NUAA prints, synthetic replays, synthetic prints); when every live
score is above every attack score, the midpoint of that gap in logit space instead (the most margin
on both sides). It is chosen on the same subjects it is evaluated on, so the report also gives the
rates at 0.5, a threshold fixed before looking.
"""

import argparse
import json
import math
import os
import subprocess
import tempfile

import numpy as np
import onnx
import torch

import common
import data
import nets

OPSET = 13
SUPPORTED = {"Conv", "ConvTranspose", "BatchNormalization", "Relu", "PRelu", "LeakyRelu", "Clip", "Sigmoid",
             "HardSigmoid", "HardSwish", "Tanh", "Softmax", "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min",
             "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Resize", "Upsample", "Pad", "Concat",
             "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Shape", "Gather", "Slice", "Constant",
             "Identity", "Dropout", "Gemm", "MatMul", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "Sqrt",
             "Exp", "Cast", "Range", "ConstantOfShape", "Expand", "QuantizeLinear", "DequantizeLinear"}

LICENSE = ("Weights: the bonafide project's licence (the repository states none yet). They are derived from the "
           "NUAA Photograph Imposter Database, released for academic research use only: clear its terms before "
           "any other use.")


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


def choose_threshold(live, attacks):
    gap = common.separating_midpoint(live, attacks)
    if gap is not None:
        lo, hi = float(np.max(attacks)), float(np.min(live))
        logit = lambda p: math.log(max(p, 1e-7) / max(1 - p, 1e-7))
        mid = (logit(lo) + logit(hi)) / 2
        return 1 / (1 + math.exp(-mid)), "midpoint (logit space) of the gap between the highest attack and the lowest live score"
    _, t = common.eer(live, attacks)
    return t, "EER operating point, all attack species pooled"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["psb", "patchnet"])
    p.add_argument("ckpt")
    p.add_argument("out", type=os.path.abspath)
    p.add_argument("--bonafide", default="")
    # bonafide.version is the release the model is made for (models/README.md, "Versions"): the
    # repository's VERSION file unless said otherwise.
    with open(os.path.join(common.REPO, "VERSION")) as f:
        release = f.read().strip()
    p.add_argument("--version", default=release, help=f"bonafide.version (default: VERSION, {release})")
    p.add_argument("--limit", type=int, default=0, help="evaluate on every k-th validation crop only (smoke)")
    a = p.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(a.ckpt, map_location="cpu")
    args = ck["args"]
    common.set_crop_scale(args.get("crop_scale", 1.5))
    size = common.CROP["size"]
    name = os.path.splitext(os.path.basename(a.out))[0]
    if a.kind == "psb":
        net = nets.PSB(args["width"], args["last"])
        net.load_state_dict(ck["state"])
        module = nets.PyramidExport(net.eval())
        outputs = ["score", "map8", "map4", "map2"]
        kind_meta = {"bonafide.kind": "pyramid-binary", "bonafide.maps": "8x8:map8,4x4:map4,2x2:map2",
                     "bonafide.outputs": ("score [1,1]: live probability (binary head over all pyramid levels); "
                                          "map8 [1,1,8,8], map4 [1,1,4,4], map2 [1,1,2,2]: live probability "
                                          "per cell (trained: 1 on the face box of a live crop, 0 elsewhere and "
                                          "everywhere on attacks)")}
        arch = (f"PS-B: MobileNetV2 width {args['width']}, output stride 16, last 1x1 conv {args['last']}; "
                f"pyramid binary-mask head (Yu et al. 2020) at 8x8/4x4/2x2/1x1 + linear binary head")
    else:
        import train_patchnet
        net, _ = train_patchnet.load(a.ckpt)
        names, live_idx, _ = data.CLASS_SETS[args.get("classes", "fine")]
        module = nets.PatchGrid(net.eval(), size, 4)
        outputs = ["score", "patch_map", "embedding"]
        kind_meta = {"bonafide.kind": "patchnet", "bonafide.maps": "4x4:patch_map",
                     "bonafide.output.embedding": "embedding",
                     "bonafide.patchnet.classes": ",".join(names),
                     "bonafide.patchnet.live_classes": ",".join(names[i] for i in live_idx),
                     "bonafide.patchnet.grid": "4x4 patches of 32x32, row-major (embedding row i = patch row i/4, column i%4)",
                     "bonafide.outputs": ("score [1,1]: mean of the 16 patch live probabilities; patch_map [1,1,4,4]: "
                                          "live probability of each 32x32 patch (softmax over s*cos, summed over live "
                                          f"classes); embedding [16,{args['dim']}]: L2-normalised patch embeddings, row-major "
                                          "patch order, for reference-based (few-shot) checks")}
        arch = (f"PatchNet: ResNet18-style patch encoder (BasicBlock x[2,2,2,2], widths {args['widths']}, stem 3x3/2) "
                f"on a 4x4 grid of 32x32 patches, {args['dim']}-d L2-normalised embedding, cosine classifier over "
                f"{len(names)} patch types ({', '.join(names)}), s={args['scale']}, margins live {args['m_live']} / "
                f"attack {args['m_spoof']}")
    ops = torch_export(module, a.out, size, outputs)

    # Held-out evaluation set (same as training's).
    val = data.Split(common.VAL_SUBJECTS, seed=1000 + args["seed"], variants=1, tag="val")
    imgs, cls = val.eval_set()
    if a.limit:
        imgs, cls = imgs[:: a.limit], cls[:: a.limit]
    x = common.normalize(imgs)
    with torch.no_grad():
        ts = []
        for i in range(0, len(x), 64) if a.kind == "psb" else []:
            ts.append(module(torch.from_numpy(x[i:i + 64]))[0].reshape(-1).numpy())
        torch_scores = np.concatenate(ts) if ts else None

    f_ort = run_batch("ort", a.out, x)
    s_float = f_ort[0].reshape(-1)
    if torch_scores is not None:
        print(f"torch vs onnxruntime float: max |d score| {np.abs(torch_scores - s_float).max():.2e}")
    live = s_float[np.isin(cls, data.LIVE_CLASSES)]
    att = s_float[~np.isin(cls, data.LIVE_CLASSES)]
    t, rule = choose_threshold(live, att)

    bin_ = bonafide_bin(a.bonafide)
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=common.REPO, capture_output=True, text=True).stdout.strip()
    meta = {
        "bonafide.kind": kind_meta.pop("bonafide.kind"),
        "bonafide.crop": common.crop_spec(),
        "bonafide.input": "input",
        "bonafide.output.score": "score",
        **kind_meta,
        "bonafide.threshold": f"{t:.6g}",
        "bonafide.threshold.rule": rule + f"; held-out NUAA subjects {','.join(common.VAL_SUBJECTS)}",
        "bonafide.version": a.version,
        "bonafide.date": common.DATE,
        "bonafide.training_data": (f"NUAA Photograph Imposter Database training split, subjects "
                                   f"{','.join(common.TRAIN_SUBJECTS)} (live webcam frames and real printed-photo "
                                   f"attacks; academic research use only) + synthetic screen-replay and print "
                                   f"attacks made from those live crops (scripts/train/attacks.py); held out: "
                                   f"{','.join(common.VAL_SUBJECTS)}"),
        "bonafide.license": LICENSE,
        "bonafide.description": arch + f"; trained by scripts/train (seed {args['seed']}, {args['epochs']} epochs, commit {git})",
    }
    common.set_metadata(a.out, meta)
    q = a.out[:-5] + ".int8.onnx"
    subprocess.run([bin_, "quantize", "-in", a.out, "-out", q], check=True)

    res = {"model": os.path.basename(a.out), "int8": os.path.basename(q), "ops": ops, "threshold": t,
           "threshold_rule": rule, "val_subjects": list(common.VAL_SUBJECTS),
           "train_subjects": list(common.TRAIN_SUBJECTS), "n_val": int(len(x)),
           "bytes_float": os.path.getsize(a.out), "bytes_int8": os.path.getsize(q),
           "macs": nets.count_macs(module, torch.zeros(1, 3, size, size)), "params": nets.count_params(module)}
    hist = os.path.join(os.path.dirname(os.path.abspath(a.ckpt)), "history.json")
    if os.path.exists(hist):
        h = json.load(open(hist))
        res["training"] = {k: h[k] for k in ("args", "val_before_qat", "val_before_qat_int8_grid", "val_after_qat",
                                             "seconds") if k in h}
    q_ort = run_batch("ort", q, x)
    f_eng = run_batch("engine", a.out, x)
    q_eng = run_batch("engine", q, x)
    runs = {"float_ort": f_ort, "int8_ort": q_ort, "float_engine": f_eng, "int8_engine": q_eng}
    for k, outs in runs.items():
        s = outs[0].reshape(-1)
        res[k] = {"at_threshold": data.species_report(s, cls, t), "at_0.5": data.species_report(s, cls, 0.5)}
    for k in ("float", "int8"):
        e, o = runs[k + "_engine"], runs[k + "_ort"]
        res[f"parity_{k}_engine_vs_ort_max_abs"] = max(float(np.abs(a_ - b_).max()) for a_, b_ in zip(e, o))
    d = np.abs(runs["int8_engine"][0].reshape(-1) - runs["float_engine"][0].reshape(-1))
    res["int8_vs_float_engine"] = {"max_abs_dscore": float(d.max()), "mean_abs_dscore": float(d.mean()),
                                   "auc_drop": res["float_engine"]["at_threshold"]["auc_all"] -
                                   res["int8_engine"]["at_threshold"]["auc_all"]}
    d = np.abs(runs["int8_ort"][0].reshape(-1) - runs["float_ort"][0].reshape(-1))
    res["int8_vs_float_ort"] = {"max_abs_dscore": float(d.max()), "mean_abs_dscore": float(d.mean())}
    ev = os.path.join(common.REPO, "models", "eval", name + ".json")
    if not a.limit:
        common.write_json(ev, res)
    print(json.dumps({k: v for k, v in res.items() if not isinstance(v, dict)}, indent=1))
    for k in runs:
        m = res[k]["at_threshold"]
        print(f"{k:13s} AUC {m['auc_all']:.5f} EER {m['eer_all']:.4f} APCER(max) {m['apcer_max']:.4f} "
              f"BPCER {m['bpcer']:.4f} ACER {m['acer']:.4f} | print AUC {m['auc_print_nuaa']:.5f} "
              f"replay AUC {m['auc_replay_synth']:.5f} synth-print AUC {m['auc_print_synth']:.5f}")
    print("int8 vs float (engine):", res["int8_vs_float_engine"])


if __name__ == "__main__":
    main()
