"""Which bona fide frames and photos psb-80 rejects, and what they have in common (models/README.md,
"Bona fide misses"): the photos below the shipped threshold and the held-out live frames below each
fold's nested threshold, with the published MiniFASNetV2's live probability on the x2.7 crop, its mirror
image and the x2.2 crop, the detector's box and window (`bonafide crop`'s manifest), brightness, and
how often mirroring alone changes a decision. That part was written for the x2.7 published head, the
default of 2026-12-06: it reads the x2.7 probabilities against RUN_DIR/protocol.json's thresholds, so it
gives the card's figures only with that day's protocol.json (score published, threshold 0.5752); with
today's it compares them with the mix's thresholds. Then the shipped score's photo misses (mix_misses):
each rejected photo's two parts, and for every mix weight at the shipped crop how many photos its final
threshold accepts, and how many it would accept if either part said "live" (1.0) on every photo: the
most that improving that part alone could give the photos.

    /usr/bin/python3 scripts/train/misses.py [RUN_DIR]     # default $BONAFIDE_TRAIN_WORK/runs/psb80

Needs prep_psb80.py (its p80-view0, p80-v2flip-view0 and p80-v2s2.2-view0 logits, crops80.manifest.jsonl)
and train_psb80.py protocol (RUN_DIR/protocol.json for the thresholds). Prints file names and figures
only: nothing derived from ../shared leaves the work directory.
"""

import json
import os
import sys

import numpy as np

import common
import minifasnet
import nested_select
import protocol
import train_psb80


def live_prob(wd, d):
    return minifasnet.softmax(np.load(os.path.join(wd, d, "logits.npy")).astype(np.float64))[:, 1]


def main(argv=None):
    from PIL import Image
    argv = sys.argv[1:] if argv is None else argv
    run = argv[0] if argv else os.path.join(common.WORK, "runs", "psb80")
    protocol.use("psb")
    wd = protocol.work_dir()
    items = list(np.load(os.path.join(wd, "real.npz"), allow_pickle=True)["items"])
    x27, mir, x22 = (live_prob(wd, d) for d in ("p80-view0", "p80-v2flip-view0", "p80-v2s2.2-view0"))
    man = {}
    for line in open(os.path.join(wd, "crops80.manifest.jsonl")):
        m = json.loads(line)
        man[os.path.relpath(m["path"], protocol.DATA)] = m
    summary = json.load(open(os.path.join(run, "protocol.json")))
    t_ship = summary["headline"]["threshold"]

    def name(i):
        return os.path.basename(items[i]["rel"])

    faces = [i for i, it in enumerate(items) if it["source"] == "faces"]
    print(f"photos whose published x2.7 score is below the run's threshold {t_ship:.4f} (x2.7 / mirror / x2.2; image size; face box / short side; scale used):")
    for i in sorted((i for i in faces if x27[i] < t_ship), key=lambda i: x27[i]):
        m = man[items[i]["rel"]]
        w, h = Image.open(m["path"]).size
        print(f"  {name(i):14s} {x27[i]:.3f} / {mir[i]:.3f} / {x22[i]:.3f}  {w}x{h}  {m['face']['W'] / min(w, h):.2f}  {m['scale']}")
    live = np.array([i for i, it in enumerate(items) if it["live"] and it["source"] != "faces"])
    spoof = np.array([i for i, it in enumerate(items) if not it["live"]])
    for label, sel in (("live frames", live), ("attack frames", spoof), ("photos", np.array(faces))):
        d = np.abs(x27[sel] - mir[sel])
        flips = (x27[sel] >= t_ship) != (mir[sel] >= t_ship)
        print(f"mirroring, {label} (n={len(sel)}): median |dp| {np.median(d):.3f}, 90th percentile {np.percentile(d, 90):.3f}, "
              f"decisions changed at {t_ship:.4f}: {flips.sum()} ({100 * flips.mean():.1f}%)")
    avg = (x27 + mir + x22) / 3
    t_avg = summary["scores"].get("published-flip+s2.2", {}).get("headline", {}).get("threshold")
    if t_avg is not None:
        print(f"published-flip+s2.2 at its threshold {t_avg:.4f}: photos rejected " +
              " ".join(f"{name(i)} ({avg[i]:.3f})" for i in sorted(faces, key=name) if avg[i] < t_avg))
    print("held-out live frames below each fold's nested threshold:")
    for f, row in summary["folds"].items():
        if not f.startswith("src-"):
            continue
        src, t = f[4:], row["nested"]["threshold"]
        rows = []
        for i in (i for i in live if items[i]["source"] == src):
            m = man.get(items[i]["rel"])
            if m is None or m["status"] != "ok" or src in protocol.CROPPED_SOURCES:  # taken whole: no box
                rows.append((x27[i] < t, np.nan, np.nan, np.nan, np.nan, int(name(i)[:4]), mir[i] >= t, x22[i] >= t))
                continue
            im = np.asarray(Image.open(m["path"]).convert("L"), np.float32)
            b = m["face"]
            face = im[int(max(0, b["Y"])):int(b["Y"] + b["H"]), int(max(0, b["X"])):int(b["X"] + b["W"])]
            x0, y0, x1, y1 = m["window"]
            rows.append((x27[i] < t, b["W"], m["scale"], face.mean(), im[y0:y1, x0:x1].mean(), int(name(i)[:4]),
                         mir[i] >= t, x22[i] >= t))
        r = np.array(rows, float)
        rej, acc = r[r[:, 0] == 1], r[r[:, 0] == 0]
        print(f"  {src}: threshold {t:.4f}, rejected {len(rej)} of {len(r)}")
        if not len(rej):
            continue
        for lab, q in (("rejected", rej), ("accepted", acc)):
            if np.isnan(q[:, 1]).all():  # a face-crop source: no box, only the frame numbers
                print(f"    {lab}: frames {int(q[:, 5].min())}-{int(q[:, 5].max())}")
                continue
            print(f"    {lab}: box {np.nanmedian(q[:, 1]):.0f} px, scale used {np.nanmedian(q[:, 2]):.2f}, face L {np.nanmedian(q[:, 3]):.0f}, "
                  f"window L {np.nanmedian(q[:, 4]):.0f}, frames {int(q[:, 5].min())}-{int(q[:, 5].max())}")
        if not np.isnan(r[:, 1]).any():
            print(f"    AUC rejected-vs-accepted: smaller box {common.auc(-rej[:, 1], -acc[:, 1]):.3f}, "
                  f"brighter window {common.auc(rej[:, 4], acc[:, 4]):.3f}")
        print(f"    rejected frames live on the mirror image: {int(rej[:, 6].sum())}, on the x2.2 crop: {int(rej[:, 7].sum())}")
    mix_misses(run, summary, items)


def mix_misses(run, summary, items):
    """The photos under a mix score (1 - w) * published + w * 1x1 level (train_psb80.MIXES) of the final
    model: the rejected photos of the shipped mix with both parts, and per weight at the shipped crop scale
    the photos accepted at that score's final threshold, as scored and with either part set to 1."""
    score = summary["args"]["score"]
    if score not in train_psb80.MIXES:
        print(f"shipped score {score} is not a mix: no mix analysis")
        return
    scale, w0 = train_psb80.MIXES[score]
    r = {"final": {k: v for k, v in np.load(os.path.join(run, "final", "scores.npz"), allow_pickle=True).items()}}
    train_psb80.add_mixes(nested_select.heads_scale(run), run, r)
    r = r["final"]
    pub = np.asarray(r[f"faces_published-s{common._g64(scale)}"], np.float64)
    lvl = np.asarray(r[f"faces_{train_psb80.mix_name(scale, 1.0)}"], np.float64)  # W 1: the 1x1 level alone
    t = summary["headline"]["threshold"]
    names = [os.path.basename(items[i]["rel"]) for i in r["faces_idx"]]
    print(f"photos below the shipped score {score} at {t:.4f} (score = {1 - w0:g} * published + {w0:g} * 1x1 level; "
          f"the 1x1 level it would need):")
    mix = np.asarray(r[f"faces_{score}"], np.float64)
    for j in np.argsort(mix):
        if mix[j] >= t:
            break
        need = (t - (1 - w0) * pub[j]) / w0
        print(f"  {names[j]:14s} {mix[j]:.3f}: published {pub[j]:.3f}, 1x1 level {lvl[j]:.3f}, needs {need:.3f}"
              + (" (out of reach)" if need > 1 else ""))
    n = len(pub)
    print(f"photos accepted by each mix at its final threshold (of {n}): as scored / 1x1 level 1 everywhere / published 1 everywhere")
    for w in train_psb80.MIX_WEIGHTS:
        name = train_psb80.mix_name(scale, w)
        tw = summary["scores"][name]["headline"]["threshold"]
        print(f"  w {w:.1f}: threshold {tw:.4f}  {int(((1 - w) * pub + w * lvl >= tw).sum())} / "
              f"{int(((1 - w) * pub + w >= tw).sum())} / {int(((1 - w) + w * lvl >= tw).sum())}")


if __name__ == "__main__":
    sys.exit(main())
