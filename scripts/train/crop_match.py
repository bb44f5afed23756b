"""Does cutting the crop the way Silent-Face trained MiniFASNetV2 help it on new people and sources?

The default score (psb-80: the published MiniFASNetV2, untrained, on BlazeFace's box x2.2) feeds the
network crops that differ from its training crops in two ways nobody here had measured:

- **Resampling.** Silent-Face cuts its window and shrinks it to 80x80 with OpenCV's default
  `cv2.resize` (INTER_LINEAR: each output pixel interpolates the 2x2 source pixels nearest its centre,
  with no prefilter, so a 400-pixel window keeps the fine texture of the frame, aliased). bonafide's
  crop averages the whole area each output pixel covers (a low-pass filter): smoother crops, with the
  moire and print texture a liveness network looks for averaged away.
- **Box shape.** Silent-Face's detector (a RetinaFace trained on WIDER FACE) gives boxes taller than
  wide, and its crop keeps the box's aspect and squeezes the window to 80x80; BlazeFace's box is square.

Each variant here cuts the real items' windows from the frames in Python (the shift rule of
core/face/crop.go, ported; `bonafide crop`'s manifest gives the face boxes) and resamples them with a
separable matrix per axis: `area` (bonafide's rule: the covered fraction of every source pixel) or
`linear` (OpenCV's INTER_LINEAR: half-pixel centres, the two nearest pixels, clamped). `area-s2.2` is the
control, the shipped crop: on the frames its live probability is the shipped row's (published-s2.2)
within the 8-bit rounding of `bonafide crop`'s PNGs (median |dp| 1e-5 to 2e-3 by source, 99th
percentile 0.03-0.04); ydf1014's whole face crops differ more (median 0.011), since the shipped row
shrinks them with PIL's box filter and this one with bonafide's area rule. Variants are scored like photometric.py's:
one row each under the threshold rule, then chosen fold by fold on the other folds only
(nested_select.select), which is the honest estimate.

Variant names: RESAMPLER-sSCALE[-tASPECT[c]]: the square box made ASPECT times as tall (the extra above
the box, brows to hairline, as a WIDER box reaches; `c` adds it half above and half below), x SCALE
about the new centre.

    BONAFIDE_SHARED=... BONAFIDE_TRAIN_WORK=... /usr/bin/python3 scripts/train/crop_match.py BONAFIDE_BIN [OUT.json] [--rule RULE] [--variants A,B,...]

Needs protocol.py prep --crop psb (real.npz) and prep_psb80.py's x2.2 crops (their manifest gives the
boxes); caches each variant's logits in $WORK/protocol/<psb tag>/crop-match/VARIANT/.
"""

import os
import re
import sys
import time

import numpy as np
import torch

import common
import minifasnet
import nested_select
import prep_psb80
import protocol

SIZE = 80
VARIANTS = ("area-s2.2", "linear-s2.2", "linear-s2.7", "linear-s2.2-t1.2", "linear-s2.2-t1.2c", "area-s2.2-t1.2",
            "linear-s2.7-t1.2", "linear-s2.2-t1.3", "area-s2.2-t1.1", "area-s2.2-t1.1c", "area-s2.2-t1.2c")


def parse(variant):
    m = re.fullmatch(r"(area|linear)-s([0-9.]+)(?:-t([0-9.]+)(c?))?", variant)
    if not m:
        raise ValueError(f"bad variant {variant!r}")
    return m.group(1), float(m.group(2)), float(m.group(3) or 1), m.group(4) == "c"


def window(img_w, img_h, box, scale, tall=1.0, centred=False):
    """core/face/crop.go's window with border=shift and square=true, for a box made `tall` times as
    tall as wide: (x0, y0, x1, y1), right and bottom exclusive."""
    x, y, w, h = box
    side = max(w, h)
    cx, cy = x + w / 2, y + h / 2
    bw, bh = side, side * tall
    if not centred:
        cy -= (bh - side) / 2  # the extra height above the box: the chin stays where it is
    W, H = float(img_w), float(img_h)
    scale = min((H - 1) / bh, (W - 1) / bw, scale)
    nw, nh = bw * scale, bh * scale
    x0, y0, x1, y1 = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if x0 < 0:
        x1, x0 = x1 - x0, 0.0
    if y0 < 0:
        y1, y0 = y1 - y0, 0.0
    if x1 > W - 1:
        x0, x1 = x0 - (x1 - W + 1), W - 1
    if y1 > H - 1:
        y0, y1 = y0 - (y1 - H + 1), H - 1
    return int(x0), int(y0), int(x1) + 1, int(y1) + 1


def weights(n, m, kind):
    """[m, n] matrix taking n source pixels to m outputs along one axis (core/face/resample.go's taps
    for `area`; OpenCV INTER_LINEAR for `linear`, which is also resample.go's rule when enlarging)."""
    a = np.zeros((m, n), np.float64)
    s = n / m
    for o in range(m):
        if kind == "area" and s > 1:
            lo, hi = o * s, (o + 1) * s
            for i in range(int(lo), min(n, int(np.ceil(hi)))):
                a[o, i] = (min(hi, i + 1) - max(lo, i)) / s
        else:
            u = min(max((o + 0.5) * s - 0.5, 0.0), n - 1.0)
            i = int(u)
            f = u - i
            a[o, i] += 1 - f
            if f > 0 and i + 1 < n:
                a[o, i + 1] += f
    return a


def resize(img, kind):
    """uint8 HxWx3 -> float32 80x80x3 in 0..255: the two axis matrices applied to the source rows and
    columns they touch (a linear shrink reads two of every k)."""
    h, w = img.shape[:2]
    ay, ax = weights(h, SIZE, kind), weights(w, SIZE, kind)
    ys, xs = np.nonzero(ay.any(0))[0], np.nonzero(ax.any(0))[0]
    x = torch.from_numpy(np.ascontiguousarray(img[ys][:, xs].transpose(2, 0, 1), dtype=np.float32))
    ay, ax = torch.from_numpy(ay[:, ys].astype(np.float32)), torch.from_numpy(ax[:, xs].astype(np.float32))
    return (ay @ x @ ax.T).permute(1, 2, 0).numpy()


def crops(items, variants):
    """{variant: float32 [N,80,80,3] RGB 0..255}, every frame decoded once."""
    from PIL import Image
    man = os.path.join(protocol.work_dir(), prep_psb80.crops_name(2.2) + ".manifest.jsonl")
    if not os.path.exists(man):
        raise SystemExit(f"{man} missing: run prep_psb80.py first (its x2.2 crops give the face boxes)")
    rows = prep_psb80.crop_rows(man)
    out = {v: np.zeros((len(items), SIZE, SIZE, 3), np.float32) for v in variants}
    moved = 0
    for n, it in enumerate(items):
        im = np.asarray(Image.open(os.path.join(protocol.DATA, it["rel"])).convert("RGB"))
        if it["source"] in protocol.CROPPED_SOURCES:
            for v in variants:
                out[v][n] = resize(im, parse(v)[0])
            continue
        r = rows[it["rel"]]
        b = r["face"]
        box = (b["X"], b["Y"], b["W"], b["H"])
        for v in variants:
            kind, scale, tall, centred = parse(v)
            x0, y0, x1, y1 = window(im.shape[1], im.shape[0], box, scale, tall, centred)
            if (scale, tall) == (2.2, 1.0) and [x0, y0, x1, y1] != r["window"]:
                # The manifest rounds the box to 0.01 px, which can move a window cut to the frame by
                # one pixel: take bonafide crop's own, so that the control is the shipped crop.
                moved += 1
                x0, y0, x1, y1 = r["window"]
            out[v][n] = resize(im[y0:y1, x0:x1], kind)
        if n % 500 == 0:
            print(f"crops: {n}/{len(items)}", flush=True)
    if any(parse(v)[1:3] == (2.2, 1.0) for v in variants):
        print(f"crops: x2.2 windows one pixel off bonafide crop's (its own taken): {moved}", flush=True)
    return out


def main(argv=None):
    argv, opts = nested_select.options(sys.argv[1:] if argv is None else argv,
                                       {"--rule": "heldout95", "--variants": ",".join(VARIANTS)})
    rule, variants = opts["--rule"], opts["--variants"].split(",")
    for v in variants:
        parse(v)
    if not argv:
        raise SystemExit(__doc__)
    torch.set_num_threads(1)
    protocol.use("psb")
    items = list(np.load(os.path.join(protocol.work_dir(), "real.npz"), allow_pickle=True)["items"])
    cache = os.path.join(protocol.work_dir(), "crop-match")
    todo = [v for v in variants if not os.path.exists(os.path.join(cache, v, "logits.npy"))]
    if todo:
        t0 = time.time()
        xs = crops(items, todo)
        print(f"crops of {len(todo)} variants: {time.time() - t0:.0f}s", flush=True)
        for v in todo:
            prep_psb80.forward_logits(xs.pop(v), os.path.join(cache, v))
    shipped = minifasnet.softmax(
        prep_psb80.run_logits(items, argv[0], os.path.join(protocol.work_dir(), "p80-v2s2.2-view0"), "v2", 2.2))[:, 1]
    moved = {}

    def probs(v):
        p = minifasnet.softmax(np.load(os.path.join(cache, v, "logits.npy")))[:, 1]
        d = np.abs(p - shipped)
        moved[v] = {"median_abs": float(np.median(d)), "max_abs": float(d.max())}
        print(f"{v}: |dp| against the shipped crop: median {np.median(d):.4f}, max {d.max():.3f}", flush=True)
        return p

    rows, chosen_rows, chosen = nested_select.variant_study(items, variants, probs, rule)
    for v, r in rows.items():
        r["vs_shipped"] = moved[v]
    if len(argv) > 1:
        common.write_json(argv[1], {"rule": rule, "variants": rows, "nested": {"headline": chosen, "folds": chosen_rows}})

if __name__ == "__main__":
    sys.exit(main())
