"""Draw a model's spoof maps over frames of every replay source, as the demo does (red where the model
sees an attack; with bonafide.maps.region=face only over the face box), to check by eye that the
medium lights up and a live person does not. The picture is for looking at, never for committing
(it shows ../shared's images).

    /usr/bin/python3 scripts/train/show_maps.py BONAFIDE_BIN MODEL.onnx OUT.png [--per 3]

Rows: one per source and class (live, spoof); columns: evenly spaced frames. Each tile shows the
score and, in the corner, the mean spoofness inside and outside the face box.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw

import protocol


def tile(path, rec, region, size=256):
    im = Image.open(path).convert("RGB")
    if not rec.get("maps") or rec.get("face") is None:
        t = im.resize((size, size * im.height // im.width))
        ImageDraw.Draw(t).text((4, 4), "no face", fill=(255, 255, 0))
        return t, None
    W, H = im.size
    m = np.array(rec["maps"]["8x8"], np.float32)
    c = rec["crop"]
    win = (c["x"], c["y"], c["x"] + c["w"], c["y"] + c["h"])
    spoof = Image.fromarray(np.uint8(255 * (1 - m))).resize((win[2] - win[0], win[3] - win[1]), Image.BILINEAR)
    layer = Image.new("L", (W, H), 0)
    layer.paste(spoof, (win[0], win[1]))
    a = np.asarray(layer, np.float32) / 255
    f = rec["face"]
    mask = np.zeros((H, W), np.float32)
    x0, y0, x1, y1 = int(f["x"]), int(f["y"]), int(f["x"] + f["w"]), int(f["y"] + f["h"])
    mask[max(0, y0):y1, max(0, x0):x1] = 1
    shown = a * mask if region == "face" else a * (layer.getbbox() is not None)
    arr = np.asarray(im, np.float32)
    red = np.array([255, 0, 0], np.float32)
    out = arr * (1 - 0.75 * shown[..., None]) + red * 0.75 * shown[..., None]
    t = Image.fromarray(np.uint8(np.clip(out, 0, 255)))
    d = ImageDraw.Draw(t)
    d.rectangle([x0, y0, x1, y1], outline=(47, 129, 247), width=2)
    d.rectangle([win[0], win[1], win[2], win[3]], outline=(200, 200, 200), width=1)
    t = t.resize((size, size * H // W))
    inside = float(a[mask > 0].mean()) if mask.any() else float("nan")
    d = ImageDraw.Draw(t)
    d.text((4, 4), f"score {rec['score']:.3f}  spoofness face {inside:.2f}", fill=(255, 255, 0))
    return t, inside


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bonafide")
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--per", type=int, default=3)
    a = p.parse_args(argv)
    meta = subprocess.run([a.bonafide, "inspect", "-json", a.model], capture_output=True, text=True, check=True)
    region = json.loads(meta.stdout).get("metadata", {}).get("bonafide.maps.region", "crop")
    rows = []
    for src in protocol.replay_sources():
        if src in protocol.CROPPED_SOURCES:
            continue
        for cls in ("live", "spoof"):
            d = os.path.join(protocol.DATA, "replay", src, cls)
            files = sorted(os.listdir(d))
            files = [os.path.join(d, files[int(i)]) for i in np.linspace(0, len(files) - 1, a.per)]
            r = subprocess.run([a.bonafide, "scan", "-model", a.model, *files], capture_output=True, text=True)
            recs = [json.loads(l) for l in r.stdout.splitlines()]
            tiles, ins = [], []
            for f, rec in zip(files, recs):
                t, inside = tile(f, rec, region)
                tiles.append(t)
                if inside is not None:
                    ins.append(inside)
            rows.append((f"{src}/{cls}", tiles))
            # What the eye checks, as a number: mean spoofness (1 - live probability of the 8x8 map)
            # over the face box, per row.
            scores = " ".join(f"{r.get('score') or 0:.2f}" for r in recs)
            print(f"{src:34s} {cls:5s} mean face-box spoofness {np.mean(ins) if ins else float('nan'):.2f} "
                  f"over {len(ins)} frames; scores {scores}", flush=True)
    w = 256 * a.per
    h = sum(max(t.height for t in ts) + 16 for _, ts in rows)
    sheet = Image.new("RGB", (w, h), (30, 30, 30))
    y = 0
    d = ImageDraw.Draw(sheet)
    for name, ts in rows:
        d.text((4, y + 2), name, fill=(255, 255, 255))
        y += 16
        for i, t in enumerate(ts):
            sheet.paste(t, (256 * i, y))
        y += max(t.height for t in ts)
    sheet.save(a.out)
    print(a.out)


if __name__ == "__main__":
    sys.exit(main())
