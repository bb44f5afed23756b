"""Frame-level synthetic attacks: the replay/print simulations of attacks.py applied to whole 640x480
webcam frames, with lengths scaled by px = 2.6 (frame pixels per pixel of the x1.5, 128 px crop) and
the screen moire formed at frame resolution (as on a real sensor), saved as JPEG (quality 90, as a
webcam stream would) and then detected and cropped by `bonafide crop` like any frame at run time.

Two sets, never mixed:
- val: every second live frame of the HELD-OUT subjects, replays and prints (seeds 7000,...). Used to
  evaluate, and for the comparison with MiniFASNetV2 through its own crop.
- train: every live frame of the TRAINING subjects, replays only (seeds 8000,...), the room beside
  the screen taken from other training frames. Training adds these to the crop-level attacks.

    /usr/bin/python3 scripts/train/frame_attacks.py BONAFIDE_BIN [val|train ...]

Writes scripts/train/work/frames[-train]/<kind>/<subject>/*.jpg and their crops under
scripts/train/work/crops-frames[-train]/<crop tag>/<kind>/<subject>/*.png (+ manifest.jsonl).
BONAFIDE_PROCS processes generate frames in parallel; each frame's randomness comes from its own
seed, so the result does not depend on that number.
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
CROP_FLAGS = {"s128-x1.5-sq-shift": ["-size", "128", "-scale", "1.5", "-square", "-border", "shift"],
              "s128-x1.0-sq-shift": ["-size", "128", "-scale", "1.0", "-square", "-border", "shift"],
              "s80-x2.7-nsq-shift": ["-size", "80", "-scale", "2.7", "-square=false", "-border", "shift"]}
SETS = {
    # name: (subjects, frame step, kinds with their seed index, seed base, crop tags)
    "val": (common.VAL_SUBJECTS, 2, (("replay", 1), ("print", 2)), 7000, list(CROP_FLAGS)),
    "train": (common.TRAIN_SUBJECTS, 1, (("replay", 1),), 8000, ["s128-x1.5-sq-shift", "s128-x1.0-sq-shift"]),
}


def frames_dir(name):
    return os.path.join(common.WORK, "frames" if name == "val" else "frames-" + name)


def crops_dir(name, tag):
    return os.path.join(common.WORK, "crops-frames" if name == "val" else "crops-frames-" + name, tag)


_POOL = None


def _one(job):
    i, f, out, kinds, base = job
    s = os.path.basename(os.path.dirname(f))
    x = None
    for kind, k in kinds:
        dst = os.path.join(out, kind, s, os.path.basename(f))
        if os.path.exists(dst):
            continue
        if x is None:
            x = np.asarray(Image.open(f).convert("RGB")).astype(np.float32) / 255
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        fn = attacks.replay if kind == "replay" else attacks.print_attack
        y = fn(x, np.random.default_rng([base, i, k]), _POOL, px=PX)
        Image.fromarray(np.round(y * 255).astype(np.uint8)).save(dst + ".tmp.jpg", quality=90)
        os.replace(dst + ".tmp.jpg", dst)


def make_frames(name):
    global _POOL
    subjects, step, kinds, base, _ = SETS[name]
    files = []
    for s in subjects:
        files += sorted(glob.glob(os.path.join(common.NUAA, "live", s, "*.jpg")))[::step]
    # The "room" seen beside screens and sheets: other frames of the same set, blurred.
    _POOL = np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files[::40]])
    jobs = [(i, f, frames_dir(name), kinds, base) for i, f in enumerate(files)]
    procs = int(os.environ.get("BONAFIDE_PROCS", "1"))
    if procs > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(procs) as p:
            for n, _ in enumerate(p.imap_unordered(_one, jobs, chunksize=4)):
                if n % 100 == 0:
                    print(f"{name} frame {n}/{len(jobs)}", flush=True)
    else:
        for n, j in enumerate(jobs):
            _one(j)
            if n % 100 == 0:
                print(f"{name} frame {n}/{len(jobs)}", flush=True)


def crop(name, bin_):
    for tag in SETS[name][4]:
        d = crops_dir(name, tag)
        if os.path.exists(os.path.join(d, "manifest.jsonl")):
            continue
        os.makedirs(d + ".tmp", exist_ok=True)
        subprocess.run([bin_, "crop", "-out", d + ".tmp", "-manifest", os.path.join(d + ".tmp", "manifest.jsonl"),
                        *CROP_FLAGS[tag], frames_dir(name)], check=True, stderr=subprocess.DEVNULL)
        os.replace(d + ".tmp", d)


def load(tag, size, name="val", kinds=("replay", "print")):
    """kind -> (uint8 NHWC crops, names subject/frame.png) of a frame set; empty when not made."""
    out = {}
    for kind in kinds:
        root = os.path.join(crops_dir(name, tag), kind)
        fs = sorted(glob.glob(os.path.join(root, "*", "*.png")))
        imgs = np.stack([np.asarray(Image.open(f).convert("RGB")) for f in fs]) if fs else \
            np.zeros((0, size, size, 3), np.uint8)
        out[kind] = (imgs, [os.path.relpath(f, root) for f in fs])
    return out


if __name__ == "__main__":
    bin_ = sys.argv[1]
    for name in sys.argv[2:] or ["val"]:
        make_frames(name)
        crop(name, bin_)
