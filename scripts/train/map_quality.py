"""How readable psb-80's spoof maps are on sessions and sources the heads never saw, in numbers.

For every fold of a train_psb80.py protocol run, its fold heads score the fold's held-out real crops
from prep_psb80.py's features at a given crop scale (which need not be the scale the heads were trained
at: the shipped file applies its heads to whatever crop its metadata names). Per fold it reports the
face-box spoofness of the 8x8 map (1 - the cell's live probability, averaged over the cells the face box
covers, weighted by cover: what the demo paints over the face) for live and for attack frames, and the
AUC of that spoofness (attacks above live). A readable map is low on live faces and high on attacks.

    BONAFIDE_SHARED=... BONAFIDE_TRAIN_WORK=... /usr/bin/python3 scripts/train/map_quality.py RUN_DIR[:S] ... [--out OUT.json]

RUN_DIR holds FOLD/head.pt (train_psb80.py protocol); S picks the features (default 2.7: p80-view0;
otherwise p80sS-view0 from prep_psb80.py --scale S). Several RUN_DIR[:S] are compared side by side.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

import common
import prep_psb80
import protocol
import train_psb80


def face_spoofness(head, f, c):
    """f [N,128,8,8] features, c [N,8,8] face cover -> [N] cover-weighted mean spoofness of the 8x8 map."""
    with torch.no_grad():
        logits, _ = head(f, torch.zeros(len(f), 3))
    s = 1 - torch.sigmoid(logits[0][:, 0])
    w = (c > 0.5).float() * c
    return ((s * w).sum((1, 2)) / w.sum((1, 2)).clamp(min=1e-6)).numpy()


def evaluate(items, run, scale):
    """fold -> map figures of run's fold heads on the features of the face box x scale crops."""
    d = os.path.join(protocol.work_dir(), prep_psb80.view_dir(scale) + "-view0")
    feats = np.load(os.path.join(d, "feats.npy"), mmap_mode="r")
    cover = np.load(os.path.join(d, "cover.npy"))
    rows = {}
    for fold in protocol.folds():
        head, _ = train_psb80.load_head(os.path.join(run, fold, "head.pt"))
        idx = np.asarray(np.load(os.path.join(run, fold, "scores.npz"), allow_pickle=True)["test_idx"], int)
        f = torch.from_numpy(np.asarray(feats[idx], np.float32).reshape(len(idx), 128, 8, 8))
        s = face_spoofness(head, f, torch.from_numpy(cover[idx].astype(np.float32)))
        lv = np.array([items[i]["live"] for i in idx], bool)
        rows[fold] = {"live_face_spoofness": float(s[lv].mean()), "attack_face_spoofness": float(s[~lv].mean()),
                      "auc": common.auc(-s[lv], -s[~lv]), "live": int(lv.sum()), "attack": int((~lv).sum())}
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="RUN_DIR[:SCALE]")
    p.add_argument("--out", default="")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    protocol.use("psb")
    items = list(np.load(os.path.join(protocol.work_dir(), "real.npz"), allow_pickle=True)["items"])
    out = {"metric": __doc__.split("\n\n")[1].replace("\n", " "), "runs": []}
    for spec in a.runs:
        run, _, sc = spec.partition(":")
        scale = float(sc) if sc else prep_psb80.SCALE
        rows = evaluate(items, run, scale)
        src = [f for f in rows if f.startswith("src-")]
        mean = {k: float(np.mean([rows[f][k] for f in src])) for k in ("live_face_spoofness", "attack_face_spoofness", "auc")}
        mean["min_auc"] = min(rows[f]["auc"] for f in src)
        name = os.path.basename(os.path.normpath(run))
        print(f"{name} on the x{scale:g} crop")
        for f, r in rows.items():
            print(f"  {f:34s} live {r['live_face_spoofness']:.3f} attack {r['attack_face_spoofness']:.3f} AUC {r['auc']:.4f}")
        print("  replay sources, mean:", json.dumps({k: round(v, 4) for k, v in mean.items()}))
        out["runs"].append({"run": name, "scale": scale, "sources_mean": mean, "folds": rows})
    if a.out:
        common.write_json(a.out, out)

if __name__ == "__main__":
    sys.exit(main())
