"""Frame-level synthetic attacks for a fair comparison with MiniFASNetV2 (and a check on attacks made
differently from the training ones): the same replay/print simulations as attacks.py, but applied to
whole 640x480 webcam frames of the HELD-OUT subjects (every second live frame), with lengths scaled
by px = 2.6 (frame pixels per pixel of the x1.5, 128 px crop) and the screen moire formed at frame
resolution, then saved as JPEG (quality 90, as a webcam stream would) and cropped by `bonafide crop`
for each model's geometry. Training never sees these frames or these subjects.

    /usr/bin/python3 scripts/train/frame_attacks.py BONAFIDE_BIN

Writes scripts/train/work/frames/{replay,print}/<subject>/*.jpg and the crops under
scripts/train/work/crops-frames/<crop tag>/{replay,print}/<subject>/*.png.
"""

import glob
import os
import subprocess
import sys

import numpy as np
from PIL import Image

import attacks
import common

PX = 2.6
OUT = os.path.join(common.WORK, "frames")
CROPS = {"s128-x1.5-sq-shift": ["-size", "128", "-scale", "1.5", "-square", "-border", "shift"],
         "s128-x1.0-sq-shift": ["-size", "128", "-scale", "1.0", "-square", "-border", "shift"],
         "s80-x2.7-nsq-shift": ["-size", "80", "-scale", "2.7", "-square=false", "-border", "shift"]}


def make_frames():
    files = []
    for s in common.VAL_SUBJECTS:
        files += sorted(glob.glob(os.path.join(common.NUAA, "live", s, "*.jpg")))[::2]
    # The "room" seen beside screens and sheets: other held-out frames, blurred.
    pool = np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files[::40]])
    for i, f in enumerate(files):
        s = os.path.basename(os.path.dirname(f))
        x = np.asarray(Image.open(f).convert("RGB")).astype(np.float32) / 255
        for kind, fn, k in (("replay", attacks.replay, 1), ("print", attacks.print_attack, 2)):
            dst = os.path.join(OUT, kind, s, os.path.basename(f))
            if os.path.exists(dst):
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            y = fn(x, np.random.default_rng([7000, i, k]), pool, px=PX)
            Image.fromarray(np.round(y * 255).astype(np.uint8)).save(dst + ".tmp.jpg", quality=90)
            os.replace(dst + ".tmp.jpg", dst)
        if i % 50 == 0:
            print(f"frame {i}/{len(files)}", flush=True)


def crop(bin_):
    for tag, flags in CROPS.items():
        d = os.path.join(common.WORK, "crops-frames", tag)
        if os.path.exists(os.path.join(d, "manifest.jsonl")):
            continue
        os.makedirs(d, exist_ok=True)
        subprocess.run([bin_, "crop", "-out", d, "-manifest", os.path.join(d, "manifest.jsonl"), *flags, OUT],
                       check=True, stderr=subprocess.DEVNULL)


def load(tag, size):
    """kind -> uint8 NHWC crops and names (subject/frame)."""
    out = {}
    for kind in ("replay", "print"):
        fs = sorted(glob.glob(os.path.join(common.WORK, "crops-frames", tag, kind, "*", "*.png")))
        out[kind] = (np.stack([np.asarray(Image.open(f).convert("RGB")) for f in fs]),
                     [os.path.relpath(f, os.path.join(common.WORK, "crops-frames", tag, kind)) for f in fs])
    return out


if __name__ == "__main__":
    make_frames()
    crop(sys.argv[1])
