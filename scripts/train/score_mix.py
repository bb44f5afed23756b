"""Would psb-80 do better if its score mixed in its own pyramid maps? Measured on the protocol.

psb-80's score is the published MiniFASNetV2 head's live probability (untrained); the pyramid heads
trained by train_psb80.py run in the same pass on the same conv_4 map, and their 1x1 level is a second,
trained opinion that costs nothing more to compute. This scores the mix (1 - w) * published + w * 1x1
level for w = 0.1 ... 1.0, at the x2.7 crop the heads were trained on and at the shipped x2.2 crop
(each fold's own heads, trained without the fold, applied to prep_psb80.py's features of that crop;
the photos through the final heads), every row under the run's threshold rule with its threshold chosen
without the fold. The weight is then chosen fold by fold on the other folds (nested_select.select, the
criterion every choice here uses: fewest attacks let through at the rule's threshold), twice: among the
mixes and the published head at the shipped crop, and among every score that runs in one pass (the crop
scales of the published head and both mix families).

    BONAFIDE_SHARED=... BONAFIDE_TRAIN_WORK=... /usr/bin/python3 scripts/train/score_mix.py [RUN_DIR/protocol.json] [OUT.json] [--rule RULE]

Needs train_psb80.py protocol (fold heads and scores) and prep_psb80.py's features of the shipped crop
(p80s2.2-view0: prep_psb80.py BIN --scale 2.2).
"""

import json
import os
import sys

import numpy as np
import torch

import common
import nested_select
import prep_psb80
import protocol
import train_psb80
import train_pyramid

WEIGHTS = tuple(round(0.1 * i, 1) for i in range(1, 11))


def level1(head_path, feats, idx):
    """The live probability of the pyramid's 1x1 level (head_path's heads) on the items idx of feats."""
    head, _ = train_psb80.load_head(head_path)
    x = torch.from_numpy(np.asarray(feats[idx], np.float32).reshape(len(idx), 128, 8, 8))
    with torch.no_grad():
        logits, _ = head(x, torch.zeros(len(idx), 3))
    return torch.sigmoid(logits[3].flatten()).numpy()


def name(scale, w):
    return f"mix-s{common._g64(scale)}-w{w:g}"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    run, rule, argv = nested_select.run_and_option(argv, "--rule", "threshold_rule")
    torch.set_num_threads(1)
    items, folds, res, cands = nested_select.load(run)
    scale = train_psb80.one_pass_scale(train_psb80.SHIPPED_SCORE)
    d = os.path.join(protocol.work_dir(), prep_psb80.view_dir(scale) + "-view0")
    if not os.path.exists(os.path.join(d, "feats.npy")):
        raise SystemExit(f"{d}: no features of the x{scale:g} crop; run prep_psb80.py BIN --scale {scale:g}")
    feats = np.load(os.path.join(d, "feats.npy"), mmap_mode="r")
    fin = dict(np.load(os.path.join(run, "final", "scores.npz"), allow_pickle=True))
    faces_idx = np.asarray(fin["faces_idx"], int)
    # The photos' scores of the final model, which sets the shipped threshold and would ship.
    final = {"published": fin["faces_published"], "maps": fin["faces_maps"],
             train_psb80.SHIPPED_SCORE: nested_select.final_extra(items, fin, train_psb80.SHIPPED_SCORE),
             "maps-shipped": level1(os.path.join(run, "final", "head.pt"), feats, faces_idx)}
    for f in folds:
        r = res[f]
        for part in ("test", "faces"):
            r[f"{part}_maps-shipped"] = level1(os.path.join(run, f, "head.pt"), feats, np.asarray(r[f"{part}_idx"], int))
    mixes = {prep_psb80.SCALE: ("published", "maps"), scale: (train_psb80.SHIPPED_SCORE, "maps-shipped")}
    rows = {}
    for s, (pub, maps) in mixes.items():
        for w in (0.0,) + WEIGHTS:
            c = pub if w == 0 else name(s, w)
            for r in res.values():
                for part in ("test", "faces"):
                    r[f"{part}_{c}"] = (1 - w) * r[f"{part}_{pub}"] + w * r[f"{part}_{maps}"]
            final[c] = (1 - w) * final[pub] + w * final[maps]
            view = {f: dict(r, test_scores=r[f"test_{c}"], faces_scores=r[f"faces_{c}"]) for f, r in res.items()}
            view["final"] = {"test_idx": np.zeros(0, int), "faces_scores": final[c]}
            sm = train_pyramid.summarize(items, view, {"score": c, "rule": rule}, rule=rule)
            h = sm["headline"]
            src_f = [f for f in folds if f.startswith("src-")]
            h["source_apcer_nested"] = float(np.mean([sm["folds"][f]["nested"]["apcer"] for f in src_f]))
            rows[c] = dict(h, folds=sm["folds"])
            print(f"{c:16s} t {h['threshold']:.4f} session worst ACER {h['loso_worst_acer']:.4f} | sources min AUC "
                  f"{h['lsrco_min_auc']:.4f} held-out live {h['heldout_live_accepted_nested']:.4f} source APCER "
                  f"{h['source_apcer_nested']:.4f} oof APCER {h['oof_apcer']:.4f} | photos {h['faces_accepted_final']:.4f}", flush=True)
    shipped_crop = [train_psb80.SHIPPED_SCORE] + [name(scale, w) for w in WEIGHTS]
    one_pass = [c for c in cands if train_psb80.one_pass_scale(c) is not None] + \
        [name(s, w) for s in mixes for w in WEIGHTS]
    print(f"chosen per fold on the other folds, at the x{scale:g} crop ({rule}):")
    nested_rows, nested = nested_select.select(items, folds, res, shipped_crop, rule)
    print(f"chosen per fold on the other folds, every one-pass score ({rule}):")
    nested_rows1, nested1 = nested_select.select(items, folds, res, one_pass, rule)
    if len(argv) > 1:
        common.write_json(argv[1], {"about": __doc__.split("\n\n")[1].replace("\n", " "), "rule": rule, "scores": rows,
                                    "nested_shipped_crop": {"headline": nested, "folds": nested_rows},
                                    "nested_one_pass": {"headline": nested1, "folds": nested_rows1}})


if __name__ == "__main__":
    sys.exit(main())
