"""Features for PS-B on the published MiniFASNetV2 at its own 80x80 input (train_psb80.py).

Every real image is cropped by `bonafide crop` at the shipped crop (80x80, x2.7, shift) straight from
its frame, as the run-time pipeline does: the clean view of every real crop (the protocol's test sets
and bona fide photos, and a training view) comes from these. Measured: going through the protocol's
128x128 crop and resizing that to 80x80 blurs what the published network reads (NUAA session 01,
subject 0001's 125 live frames: mean live probability 0.60 and 76% accepted at 0.5 via the 128 crop,
0.89 and 98.4% cropped straight at 80x80). The training-only views, which exist at 128x128 only
(protocol.py prep: synthetic attacks, camera views), and a second clean view of every real crop made the
same way (so that resampling blur is no cue for the class), are cut to the published model's own window, the face box x2.7 about its centre NOT
squared (Silent-Face's crop, core/face.MiniFASNetV2Spec; a band of the square crop, kept inside it as
the shift rule keeps it inside the frame), area-resized to 80x80, MiniFASNetV2's input, and run once
through the published network with its conv weights on the int8 grid (protocol.trunk_torch). Measured
before this: the square window costs the published head acceptance (NUAA session 01's live frames
accepted at 0.5: 80% square, 99.8% through `bonafide eval -profile minifasnet-v2`). Per crop and view
we keep

  feats   [N,128,8,8] float16   conv_4's 10x10 map after AveragePool k3 s1 (the pyramid's 8x8 level)
  logits  [N,3] float32         the published head's class logits (class 1 = live)
  cover   [N,8,8] float16       fraction of each of those 8x8 cells (a 3x3 window of the 10x10 grid)
                                that the detector's face box covers

The network is frozen: nothing here is trained, so the features are computed once.

    BONAFIDE_SHARED=... BONAFIDE_TRAIN_WORK=... nice -n 19 /usr/bin/python3 scripts/train/prep_psb80.py [BONAFIDE_BIN] [--scale S]

--scale S (default 2.7) makes the same features from the face box x S (the straight crops by `bonafide
crop`, the views cut at that window from the 128x128 crops) into p80sS-*/, for heads trained at the
crop a model ships with (train_psb80.py --scale S); the untrained rows below are made at 2.7 only.

Needs protocol.py prep --crop psb (--crops-only is enough) first. Writes $WORK/protocol/<psb tag>/crops80/ (the
80x80 crops) and p80-{view0,view0-synth,view1,view0-via128}/: view0 the straight 80x80 crops of the
real items, view0-synth the synthetic attacks, view1 the camera views of every training item,
view0-via128 the real items through the 128 crop. Then, for the protocol's Silent-Face ensemble rows
(train_psb80.py: v1se, ensemble, v1se-x2.7, ensemble-x2.7), the published MiniFASNetV1SE's class logits
[N,3] of the real items (untrained: nothing of ours), on its own crop (face box x4.0, cut straight at 80x80
by `bonafide crop` into crops80x4/) in p80x4-view0/logits.npy and on V2's x2.7 crop in
p80-v1se-view0/logits.npy; and V2's own logits on the mirrored x2.7 crop (p80-v2flip-view0) and on the
x2.2 to x2.6 and x3.2 crops (p80-v2s2.2-view0 and the like; crops80x2.2/ and the like). Last, the features
of the straight crops at every MIX_SCALES scale (p80s2.2-view0 and the like, about 40 s each), on which
train_psb80.py applies each fold's heads to score the mixes at that crop (the shipped score among them).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common
import export
import protocol

SIZE = 80


class Taps(nn.Module):
    """The published MiniFASNetV2: (pooled conv_4 map, class logits) for an 80x80 BGR crop."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        n = self.net
        f4 = n.features(x, 0, n.STAGES.index("conv_4") + 1)
        f = n.conv_6_sep(n.conv_5(n.conv_45(f4)))
        logits = n.prob(n.bn(n.linear(n.conv_6_dw(f).flatten(1))))
        return F.avg_pool2d(f4, 3, 1), logits


SCALE = 2.7  # protocol.py's psb crop: face box x2.7


def to80(x):
    """Plain area resize to 80x80 (parity checks: any input in the model's domain will do)."""
    return F.interpolate(x, size=(SIZE, SIZE), mode="area")


def window(cov, scale=SCALE):
    """(x0, y0, x1, y1) in crop pixels: the face box (the extent of cov > 0.5, which follows the view's
    geometry) x scale about its centre, not squared, shifted to lie inside the crop and cut to it."""
    n = cov.shape[-1]
    ys, xs = np.nonzero(cov > 0.5)
    if len(xs) == 0:
        return 0, 0, n, n
    out = []
    for lo, hi in ((xs.min(), xs.max() + 1), (ys.min(), ys.max() + 1)):
        c, half = (lo + hi) / 2, min(n, (hi - lo) * scale) / 2
        a = min(max(c - half, 0), n - 2 * half)
        out.append((int(round(a)), int(round(a + 2 * half))))
    (x0, x1), (y0, y1) = out
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def cut80(x, cov, scale=SCALE):
    """x [N,3,S,S] crops, cov [N,1,S,S] face masks -> the window (face box x scale) of each at 80x80 and
    its face cover on the 8x8 cells (3x3 windows of the 10x10 conv_4 grid), [N,8,8]."""
    xs, cs = [], []
    for i in range(len(x)):
        x0, y0, x1, y1 = window(cov[i, 0].numpy(), scale)
        xs.append(F.interpolate(x[i:i + 1, :, y0:y1, x0:x1], size=(SIZE, SIZE), mode="area"))
        cs.append(F.interpolate(cov[i:i + 1, :, y0:y1, x0:x1], size=(SIZE, SIZE), mode="area"))
    c = torch.cat(cs)
    return torch.cat(xs), F.avg_pool2d(F.adaptive_avg_pool2d(c, 10), 3, 1)[:, 0]


def model_path():
    p = os.path.join(protocol.work_dir(), "taps-80.onnx")
    if not os.path.exists(p):
        torch.onnx.export(Taps(protocol.trunk_torch()).eval(), torch.zeros(1, 3, SIZE, SIZE), p + ".tmp",
                          opset_version=13, input_names=["input"], output_names=["feats", "logits"])
        os.replace(p + ".tmp", p)
    return p


def crops80(items, bin_, scale=SCALE, name="crops80"):
    """The real items cropped straight to 80x80 at box x scale by `bonafide crop` (float [0,1] RGB NHWC
    in items' order) and each face box in 80x80 crop pixels; face-crop sources are taken whole (area
    resize)."""
    from PIL import Image
    wd = protocol.work_dir()
    d, man = os.path.join(wd, name), os.path.join(wd, name + ".manifest.jsonl")
    if not os.path.exists(man):
        os.makedirs(d, exist_ok=True)
        r = subprocess.run([bin_, "crop", "-spec", f"size={SIZE}x{SIZE} scale={scale:g} square=true border=shift fill=0,0,0",
                            "-out", d, "-manifest", man + ".tmp", "-jobs", "2", protocol.DATA], stderr=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            raise SystemExit(f"bonafide crop failed: {r.stderr[-2000:]}")
        os.replace(man + ".tmp", man)
    rows = crop_rows(man)
    out, boxes = [], []
    for it in items:
        if it["source"] in protocol.CROPPED_SOURCES:
            im = Image.open(os.path.join(protocol.DATA, it["rel"])).convert("RGB")
            out.append(np.asarray(im.resize((SIZE, SIZE), Image.BOX if im.width >= SIZE else Image.BILINEAR)))
            boxes.append((0.0, 0.0, float(SIZE), float(SIZE)))
            continue
        r = rows.get(it["rel"])
        if r is None:
            raise SystemExit(f"{it['rel']}: cropped at 128 but not at {SIZE} (detector changed? remove {man})")
        x0, y0, x1, y1 = r["window"]
        sx, sy = SIZE / (x1 - x0), SIZE / (y1 - y0)
        b = r["face"]
        boxes.append(((b["X"] - x0) * sx, (b["Y"] - y0) * sy, (b["X"] + b["W"] - x0) * sx, (b["Y"] + b["H"] - y0) * sy))
        out.append(np.asarray(Image.open(r["out"]).convert("RGB")))
    return np.stack(out), boxes


def crop_rows(manifest):
    """`bonafide crop`'s manifest: the rows of the faces it cut, by path relative to protocol.DATA."""
    rows = {}
    for line in open(manifest):
        r = json.loads(line)
        if r["status"] == "ok":
            rows[os.path.relpath(r["path"], protocol.DATA)] = r
    return rows


def crops_name(scale):
    return "crops80" if scale == SCALE else "crops80x4" if scale == V1SE_SCALE else f"crops80x{scale:g}"


def run_direct(items, bin_, out_dir, scale=SCALE, chunk=256):
    """Features of the straight 80x80 crops of the real items (no view, no resampling of ours)."""
    if os.path.exists(os.path.join(out_dir, "feats.npy")):
        return
    os.makedirs(out_dir, exist_ok=True)
    img, boxes = crops80(items, bin_, scale, crops_name(scale))
    x = protocol.to_bgr_tensor(img.astype(np.float32) / 255)
    cov = torch.from_numpy(np.stack([protocol.box_cover(b, SIZE, SIZE) for b in boxes]))[:, None]
    c8 = F.avg_pool2d(F.adaptive_avg_pool2d(cov, 10), 3, 1)[:, 0]
    fs, zs = [], []
    for c0 in range(0, len(x), chunk):
        f, z = export.run_batch("ort", model_path(), x[c0:c0 + chunk].numpy())
        fs.append(f.astype(np.float16))
        zs.append(z.reshape(len(z), -1).astype(np.float32))
        print(f"{os.path.basename(out_dir)}: {min(len(x), c0 + chunk)}/{len(x)} crops", flush=True)
    np.save(os.path.join(out_dir, "logits.npy"), np.concatenate(zs))
    np.save(os.path.join(out_dir, "cover.npy"), c8.numpy().astype(np.float16))
    np.save(os.path.join(out_dir, "feats.tmp.npy"), np.concatenate(fs))
    os.replace(os.path.join(out_dir, "feats.tmp.npy"), os.path.join(out_dir, "feats.npy"))


# The crop scales besides x2.7 at which train_psb80.py scores the mixes of the published head with the
# heads' 1x1 level: the heads (trained at x2.7) on the straight crops' features at that scale, as a graph
# shipped with that crop applies them. Only the clean view is needed, so these cost a pass each.
MIX_SCALES = (2.2, 2.3, 2.4, 2.5, 2.6)

V1SE_SCALE = 4.0  # Silent-Face's second model: MiniFASNetV1SE on the face box x4.0 (its weight file's name)


def v1se_torch():
    """The published MiniFASNetV1SE with every quantizable weight on the int8 grid, as protocol.trunk_torch
    does for V2 (what `bonafide quantize` will make of it)."""
    import minifasnet
    import qat
    net = minifasnet.pretrained("v1se", SIZE)
    with torch.no_grad():
        for m in net.modules():
            if qat.quantizable(m):
                m.weight.copy_(qat.grid(m.weight))
    return net.eval()


def run_logits(items, bin_, out_dir, variant="v1se", scale=V1SE_SCALE, flip=False, correct=None, chunk=256):
    """A published network's class logits [N,3] (untrained: nothing of ours) on the real items cropped
    straight at 80x80, face box x scale (shift), by `bonafide crop`, as the run-time pipeline would crop
    them: Silent-Face's ensemble partner MiniFASNetV1SE on its own x4.0 crop or on V2's x2.7 one, and V2
    itself at other scales or mirrored (the protocol's untrained rows, train_psb80.EXTRA), or on crops
    corrected by correct(crop uint8 HxWx3, face box in crop pixels) -> float32 RGB 0..255
    (photometric.py). Returns the logits (saved as out_dir/logits.npy, read back when there)."""
    path = os.path.join(out_dir, "logits.npy")
    if os.path.exists(path):
        return np.load(path)
    img, boxes = crops80(items, bin_, scale, crops_name(scale))
    x = np.stack([correct(im, b) for im, b in zip(img, boxes)]) if correct else img.astype(np.float32)
    return forward_logits(x, out_dir, variant, flip, chunk)


def forward_logits(x, out_dir, variant="v2", flip=False, chunk=256):
    """A published network's class logits [N,3] on x (float32 RGB NHWC 80x80 crops, 0..255), mirrored
    when flip, saved as out_dir/logits.npy (written whole or not at all)."""
    os.makedirs(out_dir, exist_ok=True)
    x = protocol.to_bgr_tensor(x / 255)
    if flip:
        x = x.flip(3)
    net, zs = (v1se_torch() if variant == "v1se" else protocol.trunk_torch()), []
    with torch.no_grad():
        for c0 in range(0, len(x), chunk):
            zs.append(net(x[c0:c0 + chunk]).numpy().astype(np.float32))
            print(f"{os.path.basename(out_dir)}: {min(len(x), c0 + chunk)}/{len(x)} crops", flush=True)
    z = np.concatenate(zs)
    np.save(os.path.join(out_dir, "logits.tmp.npy"), z)
    os.replace(os.path.join(out_dir, "logits.tmp.npy"), os.path.join(out_dir, "logits.npy"))
    return z


def run_view(items, img, view, out_dir, scale=SCALE, chunk=256):
    if os.path.exists(os.path.join(out_dir, "feats.npy")):
        return
    path = model_path()

    def compute(c0):
        x, cov = protocol.view_batch(items, img, view, c0, chunk)
        x80, c8 = cut80(x, cov, scale)
        f, z = export.run_batch("ort", path, x80.numpy())
        return dict(feats=f.astype(np.float16), logits=z.reshape(len(z), -1).astype(np.float32),
                    cover=c8.numpy().astype(np.float16))

    a = common.chunked(out_dir, len(items), chunk, compute)
    common.save_arrays(out_dir, a, ("logits", "cover", "feats"))  # feats last: it marks the view done
    common.drop_chunks(out_dir, len(items), chunk)


def view_dir(scale):
    """The prefix of the feature directories for heads trained at face box x scale: p80 at the published
    x2.7 (the committed recipe), p80s2.2 and the like for another (train_psb80.py --scale)."""
    return "p80" if scale == SCALE else f"p80s{scale:g}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bonafide", nargs="?", default="", help="a bonafide CLI (default: built into $WORK/bin)")
    p.add_argument("--scale", type=float, default=SCALE,
                   help="face box scale of the crops the heads' features come from (the untrained rows only at x2.7)")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    protocol.use("psb")
    wd = protocol.work_dir()
    z = np.load(os.path.join(wd, "real.npz"), allow_pickle=True)
    s = np.load(os.path.join(wd, "synth.npz"), allow_pickle=True)
    items, sitems = list(z["items"]), list(s["items"])
    pre = view_dir(a.scale)
    done = lambda d: os.path.exists(os.path.join(wd, d, "feats.npy"))
    # The crop images are loaded only for a view still to be made (they take minutes to read).
    img = z["img"] if not all(map(done, (pre + "-view1", pre + "-view0-via128"))) else None
    simg = s["img"] if not all(map(done, (pre + "-view0-synth", pre + "-view1"))) else None
    t0 = time.time()
    bin_ = a.bonafide or protocol.build_bonafide()
    run_direct(items, bin_, os.path.join(wd, pre + "-view0"), a.scale)
    # Same items, order and views as protocol.prep (view_batch is seeded by view and index).
    run_view(sitems, simg, 0, os.path.join(wd, pre + "-view0-synth"), a.scale)
    train = [i for i, it in enumerate(items) if it["source"] != "faces"]
    if not done(pre + "-view1"):
        run_view([items[i] for i in train] + sitems, np.concatenate([img[train], simg]), 1, os.path.join(wd, pre + "-view1"), a.scale)
    run_view(items, img, 0, os.path.join(wd, pre + "-view0-via128"), a.scale)
    if a.scale == SCALE:
        # The untrained rows of the protocol (train_psb80.EXTRA).
        run_logits(items, bin_, os.path.join(wd, "p80x4-view0"))
        run_logits(items, bin_, os.path.join(wd, "p80-v1se-view0"), scale=SCALE)
        run_logits(items, bin_, os.path.join(wd, "p80-v2flip-view0"), "v2", SCALE, flip=True)
        for sc in MIX_SCALES + (3.2,):
            run_logits(items, bin_, os.path.join(wd, f"p80-v2s{sc:g}-view0"), "v2", sc)
        # The mixes' features: run_direct's logits equal the run_logits ones above within 2e-5 (onnxruntime
        # against torch); the untrained rows keep reading the latter, as they did before these existed.
        for sc in MIX_SCALES:
            run_direct(items, bin_, os.path.join(wd, view_dir(sc) + "-view0"), sc)
    print(f"prep_psb80 done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
