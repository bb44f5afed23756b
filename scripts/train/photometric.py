"""Does a one-pass photometric correction of the crop help the published MiniFASNetV2 on new people?

The default score (psb-80: the published head on the face box x2.2 crop) loses most of its held-out
acceptance on one source's back-lit faces (eyashita's live frames: 25% rejected). This asks the protocol whether
correcting the 80x80 crop's exposure or colour before the network, which costs nothing at run time,
moves the acceptance of new people without letting more attacks through. Nothing is trained: each
variant is V2 (conv weights on the int8 grid, protocol.trunk_torch) on the corrected x2.2 crops of the
real items, scored by the run's threshold rule fold by fold, and the variant is then chosen per fold on
the other folds only (nested_select.select: the lowest weighted out-of-fold APCER at the rule's
threshold), so the chosen rows are an honest estimate and the per-variant rows are not.

Variants (Y = Rec.601 luma; m = the mean Y over the face box in the crop):
  none        the crop as cut (the shipped score, published-s2.2)
  gain-T      every pixel times T/m, clipped: the face's mean luma brought to T
  lift-T      the same only when m < T (dim faces brightened, the others untouched)
  gamma-T     Y' = 255 (Y/255)^g with g chosen so that m maps to T, colour kept (the RGB triple scaled by Y'/Y)
  liftgamma-T the same only when m < T
  greyworld   each channel scaled so that the crop's channel means are equal (a white-balance guess)
  stretch     luma stretched so that the crop's 1st and 99th percentiles map to 0 and 255, colour kept

    BONAFIDE_SHARED=... BONAFIDE_TRAIN_WORK=... /usr/bin/python3 scripts/train/photometric.py BONAFIDE_BIN [OUT.json] [--rule RULE] [--variants A,B,...]

Needs protocol.py prep --crop psb (real.npz); crops the real items at x2.2 by `bonafide crop` itself
(prep_psb80.crops80, shared with prep_psb80.py's published-s2.2 row) and caches every variant's logits
in $WORK/protocol/<psb tag>/photometric/VARIANT/.
"""

import os
import sys
import time

import numpy as np
import torch

import common
import minifasnet
import nested_select
import prep_psb80
import protocol

SCALE = 2.2  # the shipped crop
VARIANTS = ("none", "gain-70", "gain-85", "gain-100", "gain-115", "gain-130", "lift-85", "lift-100", "lift-115",
            "lift-130", "gamma-85", "gamma-100", "gamma-115", "gamma-130", "liftgamma-85", "liftgamma-100",
            "liftgamma-115", "liftgamma-130", "greyworld", "stretch")


def luma(x):
    return x[..., 0] * 0.299 + x[..., 1] * 0.587 + x[..., 2] * 0.114


def face_mean(y, box):
    """Mean of y [H,W] over the face box (crop pixels), at least one pixel."""
    h, w = y.shape
    x0, y0 = int(np.clip(np.floor(box[0]), 0, w - 1)), int(np.clip(np.floor(box[1]), 0, h - 1))
    x1, y1 = int(np.clip(np.ceil(box[2]), x0 + 1, w)), int(np.clip(np.ceil(box[3]), y0 + 1, h))
    return float(y[y0:y1, x0:x1].mean())


def correct(img, box, variant):
    """One 80x80 RGB uint8 crop under a variant, as float32 [0,255] RGB."""
    x = img.astype(np.float32)
    if variant == "none":
        return x
    y = luma(x)
    m = max(face_mean(y, box), 1.0)
    kind, _, arg = variant.partition("-")
    if kind in ("gain", "lift"):
        t = float(arg)
        k = t / m if (kind == "gain" or m < t) else 1.0
        return np.clip(x * k, 0, 255)
    if kind in ("gamma", "liftgamma"):
        t = float(arg)
        if kind == "liftgamma" and m >= t:
            return x
        g = np.log(t / 255) / np.log(min(m, 254.0) / 255)
        y2 = 255 * (np.maximum(y, 1e-3) / 255) ** g
        return np.clip(x * (y2 / np.maximum(y, 1e-3))[..., None], 0, 255)
    if variant == "greyworld":
        c = x.reshape(-1, 3).mean(0) + 1e-3
        return np.clip(x * (c.mean() / c), 0, 255)
    if variant == "stretch":
        lo, hi = np.percentile(y, (1, 99))
        y2 = np.clip((y - lo) * 255 / max(hi - lo, 1.0), 0, 255)
        return np.clip(x * (y2 / np.maximum(y, 1e-3))[..., None], 0, 255)
    raise ValueError(f"unknown variant {variant!r}")


def logits(items, bin_, variant):
    """V2's class logits [N,3] of the real items' x2.2 crops under variant (cached in photometric/VARIANT/)."""
    return prep_psb80.run_logits(items, bin_, os.path.join(protocol.work_dir(), "photometric", variant), "v2", SCALE,
                                 correct=lambda im, box: correct(im, box, variant))


def main(argv=None):
    argv, opts = nested_select.options(sys.argv[1:] if argv is None else argv,
                                       {"--rule": "heldout95", "--variants": ",".join(VARIANTS)})
    rule, variants = opts["--rule"], opts["--variants"].split(",")
    if not argv:
        raise SystemExit(__doc__)
    torch.set_num_threads(1)
    protocol.use("psb")
    items = list(np.load(os.path.join(protocol.work_dir(), "real.npz"), allow_pickle=True)["items"])

    def probs(v):
        t0 = time.time()
        p = minifasnet.softmax(logits(items, argv[0], v))[:, 1]
        print(f"{v}: logits in {time.time() - t0:.0f}s", flush=True)
        return p

    rows, chosen_rows, chosen = nested_select.variant_study(items, variants, probs, rule)
    if len(argv) > 1:
        common.write_json(argv[1], {"rule": rule, "scale": SCALE, "variants": rows,
                                    "nested": {"headline": chosen, "folds": chosen_rows}})

if __name__ == "__main__":
    sys.exit(main())
