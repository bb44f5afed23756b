"""Shared pieces of the training scripts: paths, crop spec strings, NUAA file names, seeding,
ISO/IEC 30107-3 metrics and ONNX metadata. Nothing under $BONAFIDE_TRAIN_WORK is committed (it is
derived from ../shared's research-use data).
"""

import glob
import hashlib
import json
import os
import random
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
WORK = os.environ.get("BONAFIDE_TRAIN_WORK", os.path.join(HERE, "work"))
SHARED = os.environ.get("BONAFIDE_SHARED", os.path.abspath(os.path.join(REPO, "..", "shared")))
NUAA = os.path.join(SHARED, "data", "nuaa-train")

# ImageNet's mean and std in 0..255 pixel units, RGB order: the normalisation of the tiny test nets
# and the paper-scale definitions (the trained models take raw BGR pixels, as MiniFASNet does).
MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


def crop_spec(crop, mean=MEAN, std=STD, order="rgb", fill=(0, 0, 0)):
    """The face.CropSpec.String() form of a crop: what bonafide.crop metadata carries."""
    f = lambda v: ",".join(_g32(x) for x in v)
    return (f"size={crop['size']}x{crop['size']} scale={_g64(crop['scale'])} square={str(crop['square']).lower()} "
            f"border={crop['border']} fill={fill[0]},{fill[1]},{fill[2]} order={order} mean={f(mean)} std={f(std)}")


def _g32(x):
    # Go's strconv.FormatFloat(float64(float32(x)), 'g', -1, 32) for moderate values: the shortest
    # decimal that round-trips as float32, without a trailing ".0".
    s = str(np.float32(x))
    return s[:-2] if s.endswith(".0") else s


def _g64(x):
    s = repr(float(x))
    return s[:-2] if s.endswith(".0") else s


def seed_everything(seed):
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_name(path):
    """NUAA file name ID_glasses_pos_session_picNo -> dict."""
    b = os.path.splitext(os.path.basename(path))[0].split("_")
    return dict(subject=b[0], glasses=b[1], pos=b[2], session=b[3], pic=b[4])


# -------------------------------------------------------------------------------------------- metrics
# Conventions of core/metrics: higher score = more likely bona fide; at threshold t a presentation is
# accepted as bona fide when score >= t.

def rates(live, spoof, t):
    live, spoof = np.asarray(live, np.float64), np.asarray(spoof, np.float64)
    apcer = float((spoof >= t).mean()) if len(spoof) else float("nan")
    bpcer = float((live < t).mean()) if len(live) else float("nan")
    return apcer, bpcer


def auc(live, spoof):
    """P(live score > spoof score) + 0.5 P(tie): the Mann-Whitney AUC."""
    live, spoof = np.asarray(live, np.float64), np.asarray(spoof, np.float64)
    allv = np.concatenate([live, spoof])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(len(allv))
    sv = allv[order]
    i = 0
    while i < len(sv):
        j = i
        while j + 1 < len(sv) and sv[j + 1] == sv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    rl = ranks[:len(live)].sum()
    return float((rl - len(live) * (len(live) + 1) / 2) / (len(live) * len(spoof)))


def eer(live, spoof):
    """EER by linear interpolation along the operating points t = each distinct score (core/metrics'
    definition), and the threshold of the first operating point with APCER <= BPCER."""
    live, spoof = np.asarray(live, np.float64), np.asarray(spoof, np.float64)
    ts = np.unique(np.concatenate([live, spoof]))
    ts = np.append(ts, np.nextafter(ts[-1], np.inf))
    prev = None
    for t in ts:
        a, b = rates(live, spoof, t)
        if a <= b:
            if a == b or prev is None:
                return a, float(t)
            pa, pb = prev
            # Where the segment (pa,pb)-(a,b) crosses a = b.
            s = (pa - pb) / ((pa - pb) - (a - b))
            return float(pa + s * (a - pa)), float(t)
        prev = (a, b)
    return float("nan"), float("nan")


# ----------------------------------------------------------------------------------------------- ONNX

DATE = "2026-12-06"


def set_metadata(path, props):
    import onnx
    m = onnx.load(path)
    del m.metadata_props[:]
    for k, v in props.items():
        e = m.metadata_props.add()
        e.key, e.value = k, str(v)
    onnx.save(m, path)


def copy_metadata(src, dst):
    import onnx
    s = onnx.load(src)
    set_metadata(dst, {p.key: p.value for p in s.metadata_props})


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def chunked(out_dir, n, chunk, compute):
    """Runs compute(c0) -> {name: array} over items c0..c0+chunk of n and returns each name's arrays
    joined. Each chunk is saved as it is made and an interrupted run resumes at the first missing
    one: these passes over every crop take up to an hour on the 2-core machine. The caller saves
    its results (save_arrays), then drop_chunks removes the chunks."""
    os.makedirs(out_dir, exist_ok=True)
    path = lambda c0: os.path.join(out_dir, f"chunk{c0 // chunk:05d}.npz")
    t0 = time.time()
    for c0 in range(0, n, chunk):
        if os.path.exists(path(c0)):
            continue
        arrays = compute(c0)
        np.savez(path(c0) + ".tmp.npz", **arrays)
        os.replace(path(c0) + ".tmp.npz", path(c0))
        print(f"{os.path.basename(out_dir)}: {min(n, c0 + chunk)}/{n} crops, {time.time() - t0:.0f}s", flush=True)
    parts = [np.load(path(c0)) for c0 in range(0, n, chunk)]
    return {k: np.concatenate([p[k] for p in parts]) for k in (parts[0].files if parts else ())}


def save_arrays(out_dir, arrays, names):
    """Saves arrays[name] as out_dir/name.npy in the order given, each by an atomic rename, so the
    last name's file marks the whole set done."""
    for k in names:
        np.save(os.path.join(out_dir, k + ".tmp.npy"), arrays[k])
        os.replace(os.path.join(out_dir, k + ".tmp.npy"), os.path.join(out_dir, k + ".npy"))


def drop_chunks(out_dir, n, chunk):
    for c0 in range(0, n, chunk):
        os.remove(os.path.join(out_dir, f"chunk{c0 // chunk:05d}.npz"))
