"""Shared pieces of the training scripts: paths, the crop spec, the subject split, loading crops,
seeding, ISO/IEC 30107-3 metrics and ONNX metadata.

Crops are made by `bonafide crop` (the project's one crop function, core/face) into
scripts/train/work/crops/<spec-tag>/{live,spoof}/<subject>/<frame>.png; see make-crops.sh. This
module only reads them. Nothing under work/ is committed (NUAA is research-use data).
"""

import glob
import hashlib
import json
import os
import random

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
WORK = os.environ.get("BONAFIDE_TRAIN_WORK", os.path.join(HERE, "work"))
SHARED = os.environ.get("BONAFIDE_SHARED", os.path.abspath(os.path.join(REPO, "..", "shared")))
NUAA = os.path.join(SHARED, "data", "nuaa-train")

# The crop every 128x128 model here is trained on. The geometry part (size, scale, square, border) is
# what `bonafide crop` is called with; mean/std are ImageNet's, in 0..255 pixel units, RGB order.
CROP = dict(size=128, scale=1.5, square=True, border="shift")
MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


def set_crop_scale(scale):
    """Select the crop (by its box scale) a script trains or exports for; CROP is changed in place so
    that every module sees it."""
    CROP["scale"] = float(scale)


def crop_spec(crop=CROP, mean=MEAN, std=STD, order="rgb", fill=(0, 0, 0)):
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


def crop_tag(crop=CROP):
    return f"s{crop['size']}-x{crop['scale']}-{'sq' if crop['square'] else 'nsq'}-{crop['border']}"


def crop_dir(crop=CROP):
    return os.path.join(WORK, "crops", crop_tag(crop))


# Held-out subjects. Chosen before any training, to balance live/spoof counts (564 live and 568 print
# frames) and to mix glasses (0003, 0009 wear none: glasses field 01) with no-glasses-field-00 (0006).
VAL_SUBJECTS = ("0003", "0006", "0009")
ALL_SUBJECTS = tuple(f"{i:04d}" for i in range(1, 10))
TRAIN_SUBJECTS = tuple(s for s in ALL_SUBJECTS if s not in VAL_SUBJECTS)


def seed_everything(seed):
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_name(path):
    """NUAA file name ID_glasses_pos_session_picNo -> dict."""
    b = os.path.splitext(os.path.basename(path))[0].split("_")
    return dict(subject=b[0], glasses=b[1], pos=b[2], session=b[3], pic=b[4])


def load_crops(subjects, crop=CROP, size=None):
    """Loads every crop of the given subjects. Returns dict of arrays: img uint8 [N,H,W,3] RGB,
    live (1/0), subject, session, pos, name. Cached as .npz under work/cache keyed by the file list."""
    from PIL import Image
    root = crop_dir(crop)
    files = []
    for cls in ("live", "spoof"):
        for s in subjects:
            files += sorted(glob.glob(os.path.join(root, cls, s, "*.png")) + glob.glob(os.path.join(root, cls, s, "*.jpg")))
    if not files:
        raise SystemExit(f"no crops under {root}: run scripts/train/make-crops.sh first")
    key = hashlib.sha1("\n".join(os.path.relpath(f, root) for f in files).encode()).hexdigest()[:12]
    cache = os.path.join(WORK, "cache", f"{crop_tag(crop)}-{key}.npz")
    if os.path.exists(cache):
        z = np.load(cache)
        return {k: z[k] for k in z.files}
    boxes = _manifest_boxes(root, crop["size"])
    imgs, live, subj, sess, pos, names, box = [], [], [], [], [], [], []
    for f in files:
        im = Image.open(f).convert("RGB")
        if size and im.size != (size, size):
            raise SystemExit(f"{f}: crop is {im.size}, want {size}x{size}")
        imgs.append(np.asarray(im))
        m = parse_name(f)
        live.append(1 if os.sep + "live" + os.sep in f else 0)
        subj.append(m["subject"])
        sess.append(m["session"])
        pos.append(m["pos"])
        names.append(os.path.relpath(f, root))
        box.append(boxes.get(names[-1], _centred_box(crop)))
    d = dict(img=np.stack(imgs), live=np.array(live, np.int64), subject=np.array(subj), session=np.array(sess),
             pos=np.array(pos), name=np.array(names), box=np.array(box, np.float32))
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    np.savez(cache, **d)
    return d


def _centred_box(crop):
    side = crop["size"] / crop["scale"]
    lo = (crop["size"] - side) / 2
    return (lo, lo, lo + side, lo + side)


def _manifest_boxes(root, size):
    """Face box of every crop in crop pixels (x0, y0, x1, y1), from the manifest `bonafide crop`
    writes (face box and source window in frame pixels)."""
    out = {}
    path = os.path.join(root, "manifest.jsonl")
    if not os.path.exists(path):
        return out
    for line in open(path):
        r = json.loads(line)
        if r.get("status") != "ok":
            continue
        rel = os.path.relpath(r["out"], os.path.dirname(r["out"]).rsplit(os.sep, 2)[0])
        x0, y0, x1, y1 = r["window"]
        sx, sy = size / (x1 - x0), size / (y1 - y0)
        b = r["face"]
        out[rel] = ((b["X"] - x0) * sx, (b["Y"] - y0) * sy, (b["X"] + b["W"] - x0) * sx, (b["Y"] + b["H"] - y0) * sy)
    return out


def normalize(img_u8_nhwc):
    """uint8 NHWC RGB -> float32 NCHW normalised with MEAN/STD (what core/face.Crop produces)."""
    x = img_u8_nhwc.astype(np.float32)
    x = (x - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


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


def separating_midpoint(live, spoof):
    """When every live score is above every spoof score, the midpoint of the gap (the most robust
    zero-error threshold); None otherwise."""
    lo, hi = float(np.max(spoof)), float(np.min(live))
    return (lo + hi) / 2 if hi > lo else None


def report(live, species, t):
    """Metrics for live scores and a dict species -> attack scores at threshold t. APCER is reported
    per species and as the maximum (ISO/IEC 30107-3); ACER = (max APCER + BPCER) / 2."""
    allspoof = np.concatenate(list(species.values()))
    out = {"n_live": int(len(live)), "threshold": t, "auc_all": auc(live, allspoof), "eer_all": eer(live, allspoof)[0]}
    worst = 0.0
    for k, v in species.items():
        if len(v) == 0:
            continue
        a, _ = rates(live, v, t)
        out[f"apcer_{k}"] = a
        out[f"auc_{k}"] = auc(live, v)
        out[f"eer_{k}"] = eer(live, v)[0]
        out[f"n_{k}"] = int(len(v))
        worst = max(worst, a)
    _, b = rates(live, allspoof, t)
    out["bpcer"] = b
    out["apcer_max"] = worst
    out["acer"] = (worst + b) / 2
    return out


# ----------------------------------------------------------------------------------------------- ONNX

DATE = "2026-11-22"


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
