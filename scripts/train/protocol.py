"""The validation protocol and its data: every source in ../shared/data cropped by `bonafide crop` (the
run-time detector and crop), synthetic attacks made from every bona fide crop, camera/light
domain-shift views, and the cached features of the frozen pretrained trunk they all go through.

Sources (../shared/data, see its README):
  nuaa        NUAA training split: live and printed-photo frames of subjects 0001-0009, sessions 01
              and 02 (the 4th field of the file name)
  <replay>    six capture sources under data/replay: webcam frames (five) or face crops
              (ydf1014-screen-crops), live and real screen-replay attacks, other people and rooms
  faces       ordinary photos of people in no training set: bona fide acceptance only

Folds (every choice is made on them; nothing is ever validated on a session or source it trained on):
  nuaa-s01 / nuaa-s02   train on one NUAA session (+ every replay source), test on the other NUAA
                        session: leave-one-session-out, both ways, the worse is reported
  src-<name>            train without that replay source (NUAA's two sessions + the five others),
                        test on it: leave-one-source-out
  final                 everything (the shipped model); its threshold comes from the folds
Synthetic attacks inherit their parent's source and session, and their "room" comes from the same
source and session, so no fold trains on anything derived from its test set.

    /usr/bin/python3 scripts/train/protocol.py prep [--crop psb|patch] [--views 2]   # crops, synthetic attacks, features
    /usr/bin/python3 scripts/train/protocol.py prep --crop psb --crops-only          # what prep_psb80.py needs

Crops of face-crop datasets (ydf1014-screen-crops, where the detector finds few faces because the
face fills the image) are taken whole, as `bonafide eval -cropped` scores them.
Everything goes to $BONAFIDE_TRAIN_WORK/protocol/<crop tag>/ (never committed: derived from ../shared).
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np

import attacks
import common

DATA = os.path.join(common.SHARED, "data")
# The crops the models are trained on (CFG is the one in use; use() switches):
#   psb    MiniFASNet's context (face box x2.7, shifted inside the frame) at 128x128, so that the
#          stride-16 trunk ends in the 8x8 map of the pyramid
#   patch  the face box itself (x1.0) at 128x128, cut into a 4x4 grid of 32x32 patches (PatchNet:
#          every patch lies on the face or on the medium showing it)
# Both in BGR raw pixels, as the pretrained trunk was trained on.
CONFIGS = {
    "psb": dict(tag="s128-x2.7-sq-bgr", scale=2.7, grid=1),
    "patch": dict(tag="s128-x1.0-sq-bgr", scale=1.0, grid=4),
}
SIZE = 128
CFG = dict(CONFIGS["psb"], name="psb")
CROPPED_SOURCES = ("ydf1014-screen-crops",)  # face crops: taken whole (eval -cropped)
SYNTH_SEED = 20261205


def use(name):
    CFG.clear()
    CFG.update(CONFIGS[name], name=name)


def crop_spec():
    return (f"size={SIZE}x{SIZE} scale={common._g64(CFG['scale'])} square=true border=shift fill=0,0,0 order=bgr "
            "mean=0,0,0 std=1,1,1")


def attack_px():
    """attacks.py gives its lengths for the 85 px face box of the 128 px x1.5 crop."""
    return 1.5 / CFG["scale"]


def tag():
    return CFG["tag"]


def work_dir():
    return os.path.join(common.WORK, "protocol", tag())


def replay_sources():
    return sorted(d for d in os.listdir(os.path.join(DATA, "replay")) if os.path.isdir(os.path.join(DATA, "replay", d)))


def folds():
    """name -> (train predicate, test predicate) over item dicts."""
    out = {}
    for s, o in (("01", "02"), ("02", "01")):
        out[f"nuaa-s{s}"] = (lambda it, s=s: it["source"] != "nuaa" or it["session"] == s,
                             lambda it, o=o: it["source"] == "nuaa" and it["session"] == o and not it["synth"])
    for src in replay_sources():
        out[f"src-{src}"] = (lambda it, src=src: it["source"] != src,
                             lambda it, src=src: it["source"] == src and not it["synth"])
    return out


# --------------------------------------------------------------------------------------------- crops

def fold_split(items, views, fold, clean=False):
    """A fold's item indices: training (every item of the fold's training side, with its camera
    views unless clean), test (the held-out side, clean crops only) and the face photos, which no
    fold trains on and every fold scores for bona fide acceptance. "final" trains on everything."""
    if fold == "final":
        train_ok, test_ok = (lambda it: True), (lambda it: False)
    else:
        train_ok, test_ok = folds()[fold]
    pool = views[0][0] if clean else views[1][0]
    train_idx = np.array([i for i in pool if train_ok(items[i]) and items[i]["source"] != "faces"])
    test_idx = np.array([i for i in views[0][0] if test_ok(items[i]) and items[i]["source"] != "faces"], int)
    faces_idx = np.array([i for i in views[0][0] if items[i]["source"] == "faces"], int)
    return train_idx, test_idx, faces_idx


def run_folds(a, out, train_fold, weights, save):
    """Trains every fold of the protocol (a.cmd == "protocol", then the final model on everything
    unless a.no_final) or the one fold a.fold, and returns each fold's results. A fold whose
    scores.npz and weights file are already in out/FOLD is read back instead of trained: on this
    machine a run takes hours, so a stopped run resumes where it was. train_fold(fold) returns
    (model, results); save(model, fold, path) writes the weights file."""
    todo = list(folds()) if a.cmd == "protocol" else [a.fold]
    if a.cmd == "protocol" and not a.no_final:
        todo.append("final")
    results = {}
    for fold in todo:
        d = os.path.join(out, fold)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "scores.npz")
        if os.path.exists(path) and os.path.exists(os.path.join(d, weights)):
            z = np.load(path, allow_pickle=True)
            results[fold] = {k: z[k] for k in z.files}
            print(f"{fold}: reusing {path}", flush=True)
            continue
        model, res = train_fold(fold)
        save(model, fold, os.path.join(d, weights))
        np.savez(path, **{k: v for k, v in res.items() if isinstance(v, np.ndarray)},
                 history=json.dumps(res["history"]), seconds=res["seconds"], n_train=res["n_train"])
        results[fold] = res
    return results


def crop_all(bin_):
    """`bonafide crop` over ../shared/data at the crop's geometry (idempotent). Returns the crop dir and
    the manifest path."""
    d = os.path.join(work_dir(), "crops")
    man = d + ".manifest.jsonl"
    if not os.path.exists(man):
        os.makedirs(d, exist_ok=True)
        geo = " ".join(kv for kv in crop_spec().split() if kv.split("=")[0] in ("size", "scale", "square", "border", "fill"))
        # Exit status 1 means some files could not be read (the manifest lists them as errors).
        r = subprocess.run([bin_, "crop", "-spec", geo, "-out", d, "-manifest", man + ".tmp", "-jobs", "2", DATA],
                           stderr=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            raise SystemExit(f"bonafide crop failed: {r.stderr[-2000:]}")
        os.replace(man + ".tmp", man)
    return d, man


def describe(rel):
    """Item fields of a data path (relative to ../shared/data)."""
    p = rel.split("/")
    it = dict(rel=rel, synth=False, species="", session="-", subject="-", parent=-1)
    if p[0] == "nuaa-train":
        m = common.parse_name(p[-1])
        it.update(source="nuaa", live=p[1] == "live", species="" if p[1] == "live" else "print_nuaa",
                  session=m["session"], subject=m["subject"])
    elif p[0] == "replay":
        it.update(source=p[1], live=p[2] == "live", species="" if p[2] == "live" else "replay_" + p[1])
    elif p[0] == "faces":
        it.update(source="faces", live=True, subject=p[1])
    else:
        return None
    return it


def load_items(bin_):
    """Every usable image: its crop (uint8 RGB HxWx3) and fields. Face-crop sources are resampled
    whole (the window of eval -cropped); the others come from `bonafide crop`, whose manifest gives
    the face box in the crop."""
    from PIL import Image
    cache = os.path.join(work_dir(), "real.npz")
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        return list(z["items"]), z["img"]
    d, man = crop_all(bin_)
    items, imgs = [], []
    for line in open(man):
        r = json.loads(line)
        rel = os.path.relpath(r["path"], DATA)
        it = describe(rel)
        if it is None or it["source"] in CROPPED_SOURCES:
            continue
        it["status"] = r["status"]
        if r["status"] != "ok":
            continue
        x0, y0, x1, y1 = r["window"]
        sx, sy = SIZE / (x1 - x0), SIZE / (y1 - y0)
        b = r["face"]
        it["box"] = ((b["X"] - x0) * sx, (b["Y"] - y0) * sy, (b["X"] + b["W"] - x0) * sx, (b["Y"] + b["H"] - y0) * sy)
        imgs.append(np.asarray(Image.open(r["out"]).convert("RGB")))
        items.append(it)
    for src in CROPPED_SOURCES:
        for cls in ("live", "spoof"):
            root = os.path.join(DATA, "replay", src, cls)
            for f in sorted(os.listdir(root)):
                if not f.lower().endswith((".jpg", ".jpeg", ".png")):
                    continue
                it = describe(os.path.relpath(os.path.join(root, f), DATA))
                im = Image.open(os.path.join(root, f)).convert("RGB")
                # Area-average down (bonafide's resampler shrinks by area too).
                imgs.append(np.asarray(im.resize((SIZE, SIZE), Image.BOX if im.width >= SIZE else Image.BILINEAR)))
                it.update(status="cropped", box=(0.0, 0.0, float(SIZE), float(SIZE)))
                items.append(it)
    img = np.stack(imgs)
    np.savez(cache, items=np.array(items, dtype=object), img=img)
    return items, img


def make_synth(items, img):
    """One synthetic screen replay and one synthetic print per bona fide crop of every training source
    (attacks.py at this crop's scale), the room beside the medium drawn from other live crops of the
    same source and session."""
    cache = os.path.join(work_dir(), "synth.npz")
    # The key covers the attack code (not the module's docstring) and what it is applied to.
    code = open(attacks.__file__).read()
    h = hashlib.sha1(code[code.index('"""', 3) + 3:].encode())
    h.update(str((len(items), SYNTH_SEED, round(attack_px(), 6))).encode())
    key = h.hexdigest()[:12]
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        if str(z["key"]) == key:
            return list(z["items"]), z["img"]
    live = [i for i, it in enumerate(items) if it["live"] and it["source"] != "faces"]
    groups = {}
    for i in live:
        groups.setdefault((items[i]["source"], items[i]["session"]), []).append(i)
    pools = {k: img[v[:: max(1, len(v) // 48)]] for k, v in groups.items()}
    out_items, out = [], []
    t0 = time.time()
    for n, i in enumerate(live):
        it = items[i]
        x = img[i].astype(np.float32) / 255
        pool = pools[(it["source"], it["session"])]
        for k, (kind, fn) in enumerate((("replay_synth", attacks.replay), ("print_synth", attacks.print_attack))):
            y = fn(x, np.random.default_rng([SYNTH_SEED, i, k]), pool, px=attack_px())
            out.append(np.round(y * 255).astype(np.uint8))
            s = dict(it, synth=True, live=False, species=kind, parent=i, status="synth")
            out_items.append(s)
        if n % 500 == 0:
            print(f"synthetic attacks: {n}/{len(live)} live crops, {time.time() - t0:.0f}s", flush=True)
    arr = np.stack(out)
    np.savez(cache, items=np.array(out_items, dtype=object), img=arr, key=key)
    return out_items, arr


# --------------------------------------------------------------------------------------------- views

def camera_view(x, rng):
    """A camera and light the training data never had (attacks.camera_shift + flip); float32 HxWx3."""
    flipped = rng.random() < 0.5
    if flipped:
        x = x[:, ::-1]
    return attacks.camera_shift(x, rng), flipped


def box_cover(box, n=8, size=SIZE):
    """Fraction of each cell of an n x n grid over the crop that the face box covers."""
    x0, y0, x1, y1 = box
    e = np.arange(n + 1) * size / n
    cx = np.clip(np.minimum(e[1:], x1) - np.maximum(e[:-1], x0), 0, None) / (size / n)
    cy = np.clip(np.minimum(e[1:], y1) - np.maximum(e[:-1], y0), 0, None) / (size / n)
    return np.outer(cy, cx).astype(np.float32)


class Trunk:
    """The frozen part of the network: pretrained MiniFASNetV2 from conv1 to conv_45 (a 128-channel
    8x8 map for a 128x128 crop), its conv weights on the int8 grid of `bonafide quantize` (qat.grid),
    so that the shipped int8 file runs exactly the trunk the heads were trained on. Features are
    computed in onnxruntime-node (about 4x faster than PyTorch's CPU depthwise convolutions here) on
    an ONNX export of this trunk; trunk_torch() is the same network in PyTorch."""

    STOP = "conv_45"

    def __init__(self, size):
        import torch
        import minifasnet
        self.size = size
        self.path = os.path.join(work_dir(), f"trunk-{size}.onnx")
        net = trunk_torch()

        class Prefix(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.net = net

            def forward(self, x):
                return self.net.features(x, 0, minifasnet.MiniFASNet.STAGES.index(Trunk.STOP) + 1)

        self.torch = Prefix().eval()
        if not os.path.exists(self.path):
            torch.onnx.export(self.torch, torch.zeros(1, 3, size, size), self.path + ".tmp", opset_version=13,
                              input_names=["input"], output_names=["features"])
            os.replace(self.path + ".tmp", self.path)

    def __call__(self, bgr_nchw, grid=1):
        """[N,128,H/16,W/16] for the crop, or with grid > 1 [N,grid*grid,128,h,w] for each patch of a
        grid x grid split (row-major), every patch through the trunk on its own."""
        import torch
        import export
        x = bgr_nchw.numpy() if hasattr(bgr_nchw, "numpy") else bgr_nchw
        n, c, h, w = x.shape
        if grid > 1:
            p = h // grid
            x = x.reshape(n, c, grid, p, grid, p).transpose(0, 2, 4, 1, 3, 5).reshape(n * grid * grid, c, p, p)
        f = export.run_batch("ort", self.path, np.ascontiguousarray(x, np.float32))[0]
        f = f.reshape(len(x), *f.shape[2:])
        if grid > 1:
            f = f.reshape(n, grid * grid, *f.shape[1:])
        return torch.from_numpy(f)


def trunk_torch():
    """Published MiniFASNetV2 with every quantizable conv weight on the int8 grid (qat.grid)."""
    import torch
    import minifasnet
    import qat
    net = minifasnet.pretrained("v2", 80)
    with torch.no_grad():
        for m in net.modules():
            if qat.quantizable(m):
                m.weight.copy_(qat.grid(m.weight))
    return net.eval()


def to_bgr_tensor(x01_nhwc):
    """float [0,1] RGB NHWC numpy -> BGR raw 0..255 NCHW torch (the crop spec's input)."""
    import torch
    t = torch.from_numpy(np.ascontiguousarray(x01_nhwc[..., ::-1].transpose(0, 3, 1, 2))).float() * 255
    return t


def view_batch(items, img, view, c0, chunk):
    """Items c0..c0+chunk of one view: BGR raw NCHW crops and their face-box cover masks [N,1,H,W].
    Deterministic: every draw is seeded by the view and the item's (or the chunk's) index."""
    import torch
    xs, covs = [], []
    for i in range(c0, min(len(items), c0 + chunk)):
        x = img[i].astype(np.float32) / 255
        box = items[i]["box"]
        if view:
            rng = np.random.default_rng([SYNTH_SEED, view, i])
            x, flipped = camera_view(x, rng)
            if flipped:
                box = (SIZE - box[2], box[1], SIZE - box[0], box[3])
        xs.append(x)
        covs.append(box_cover(box, SIZE, SIZE))
    x = to_bgr_tensor(np.stack(xs))
    cov = torch.from_numpy(np.stack(covs))[:, None]
    if view:
        g = torch.Generator().manual_seed(SYNTH_SEED * 31 + view * 1000003 + c0)
        x, cov = attacks.geometry(x, cov, g)
    return x, cov


def teacher(items, img, view, out_dir, chunk=256):
    """The published MiniFASNetV2's live probability (its own 80x80 input: the view resized, the same
    x2.7 geometry) for every item of a view, float32 [N], saved as teacher.npy beside the features:
    the distillation target of train_pyramid.py --distill."""
    import torch
    import export
    path = os.path.join(out_dir, "teacher.npy")
    if os.path.exists(path):
        return np.load(path)
    model = os.path.join(common.SHARED, "models", "minifasnet-v2-80x80.onnx")
    out = []
    t0 = time.time()
    for c0 in range(0, len(items), chunk):
        x, _ = view_batch(items, img, view, c0, chunk)
        x80 = torch.nn.functional.interpolate(x, size=(80, 80), mode="area")
        z = export.run_batch("ort", model, x80.numpy())[0].reshape(len(x80), -1)
        e = np.exp(z - z.max(1, keepdims=True))
        out.append((e[:, 1] / e.sum(1)).astype(np.float32))
        print(f"teacher view {view}: {min(len(items), c0 + chunk)}/{len(items)} crops, {time.time() - t0:.0f}s", flush=True)
    t = np.concatenate(out)
    np.save(path, t)
    return t


def features(trunk, items, img, view, out_dir, chunk=256):
    """Trunk features (float16 [N,128,8,8]) and face-box cover (float16 [N,8,8]) of every item in
    one view: view 0 is the clean crop, views >= 1 a camera_view with random geometry. Chunks are
    saved as they finish, so an interrupted run resumes."""
    import torch
    os.makedirs(out_dir, exist_ok=True)
    n = len(items)
    done = os.path.join(out_dir, "feats.npy")
    if os.path.exists(done):
        return np.load(done, mmap_mode="r"), np.load(os.path.join(out_dir, "cover.npy"))
    t0 = time.time()
    for c0 in range(0, n, chunk):
        path = os.path.join(out_dir, f"chunk{c0 // chunk:05d}.npz")
        if os.path.exists(path):
            continue
        x, cov = view_batch(items, img, view, c0, chunk)
        f = trunk(x, CFG["grid"])
        cov8 = torch.nn.functional.adaptive_avg_pool2d(cov, 8)[:, 0]
        np.savez(path + ".tmp.npz", feats=f.numpy().astype(np.float16), cover=cov8.numpy().astype(np.float16))
        os.replace(path + ".tmp.npz", path)
        print(f"view {view}: {min(n, c0 + chunk)}/{n} crops, {time.time() - t0:.0f}s", flush=True)
    fs, cs = [], []
    for c0 in range(0, n, chunk):
        z = np.load(os.path.join(out_dir, f"chunk{c0 // chunk:05d}.npz"))
        fs.append(z["feats"])
        cs.append(z["cover"])
    np.save(done + ".tmp.npy", np.concatenate(fs))
    np.save(os.path.join(out_dir, "cover.npy"), np.concatenate(cs))
    os.replace(done + ".tmp.npy", done)
    for c0 in range(0, n, chunk):
        os.remove(os.path.join(out_dir, f"chunk{c0 // chunk:05d}.npz"))
    return np.load(done, mmap_mode="r"), np.load(os.path.join(out_dir, "cover.npy"))


def load(views):
    """The protocol's data after prep: items (real then synthetic), and per view (item indices,
    features, cover): view 0 is the clean crop of every item (real, then synthetic when its clean
    view was made), views >= 1 the camera views of every training item."""
    z = np.load(os.path.join(work_dir(), "real.npz"), allow_pickle=True)
    items = list(z["items"])
    s = np.load(os.path.join(work_dir(), "synth.npz"), allow_pickle=True)
    items += list(s["items"])
    out = {}
    n_real = len(z["items"])
    for v in range(views + 1):
        d = os.path.join(work_dir(), f"view{v}")
        f = np.load(os.path.join(d, "feats.npy"), mmap_mode="r")
        c = np.load(os.path.join(d, "cover.npy"))
        tp = os.path.join(d, "teacher.npy")
        t = np.load(tp) if os.path.exists(tp) else None
        if v == 0:
            idx = np.arange(n_real)
            ds = os.path.join(work_dir(), "view0-synth")
            if os.path.exists(os.path.join(ds, "feats.npy")):
                f = np.concatenate([f, np.load(os.path.join(ds, "feats.npy"))])
                c = np.concatenate([c, np.load(os.path.join(ds, "cover.npy"))])
                ts = os.path.join(ds, "teacher.npy")
                t = np.concatenate([t, np.load(ts)]) if t is not None and os.path.exists(ts) else None
                idx = np.arange(len(items))
        else:
            idx = np.array([i for i, it in enumerate(items) if it["source"] != "faces"])
        out[v] = (idx, f, c, t)
    return items, out


def prep(a):
    import torch
    torch.set_num_threads(a.threads)
    os.makedirs(work_dir(), exist_ok=True)
    bin_ = a.bonafide or build_bonafide()
    t0 = time.time()
    items, img = load_items(bin_)
    print(f"real crops: {len(items)} in {time.time() - t0:.0f}s", flush=True)
    sitems, simg = make_synth(items, img)
    print(f"synthetic attacks: {len(sitems)} at {time.time() - t0:.0f}s", flush=True)
    if a.crops_only:
        # prep_psb80.py cuts its own 80x80 inputs from these crops and runs the published network on
        # them: the 128x128 trunk features below feed train_pyramid.py alone (over an hour on 2 cores).
        print(f"prep (crops and synthetic attacks only) done in {time.time() - t0:.0f}s", flush=True)
        return
    trunk = Trunk(SIZE // CFG["grid"])
    features(trunk, items, img, 0, os.path.join(work_dir(), "view0"))
    train = [i for i, it in enumerate(items) if it["source"] != "faces"]
    all_items = [items[i] for i in train] + sitems
    all_img = np.concatenate([img[train], simg])
    for v in range(1, a.views + 1):
        features(trunk, all_items, all_img, v, os.path.join(work_dir(), f"view{v}"))
    # The clean view of the synthetic attacks (for training without camera views, an ablation).
    features(trunk, sitems, simg, 0, os.path.join(work_dir(), "view0-synth"))
    if a.teacher and CFG["name"] == "psb":
        # The published classifier's opinion of every view (distillation targets, same x2.7 geometry).
        teacher(items, img, 0, os.path.join(work_dir(), "view0"))
        teacher(sitems, simg, 0, os.path.join(work_dir(), "view0-synth"))
        for v in range(1, a.views + 1):
            teacher(all_items, all_img, v, os.path.join(work_dir(), f"view{v}"))
    print(f"prep done in {time.time() - t0:.0f}s", flush=True)


def build_bonafide():
    out = os.path.join(common.WORK, "bin", "bonafide")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run(["go", "build", "-o", out, "./cmd/bonafide"], cwd=common.REPO, check=True,
                   env=dict(os.environ, GOTOOLCHAIN="auto"))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("prep")
    q.add_argument("--views", type=int, default=1, help="camera views per training crop (besides the clean one)")
    q.add_argument("--crop", choices=sorted(CONFIGS), default="psb")
    q.add_argument("--teacher", action="store_true", help="also the published MiniFASNetV2's live probability of every view (psb crop)")
    q.add_argument("--threads", type=int, default=1)
    q.add_argument("--bonafide", default="")
    q.add_argument("--crops-only", action="store_true",
                   help="stop after the crops and synthetic attacks (all that prep_psb80.py needs); no trunk features")
    a = p.parse_args(argv)
    if a.cmd == "prep":
        use(a.crop)
        prep(a)


if __name__ == "__main__":
    sys.exit(main())
