"""Would psb-80 do better if its maps' opinion came from the face's cells instead of the 1x1 level?

The shipped score mixes the published head with the pyramid's 1x1 level, the mask logit of the whole
8x8 map pooled: it sees the room around the face as much as the face. The maps are trained with cells
outside the face box carrying no loss, so outside the face they say nothing learned, yet the 1x1 level
averages them in. The face-cell score reads the 8x8 level where the loss taught it: the mean of its
mask logits weighted by a FIXED face cover (the mean face cover of that crop scale over the sources'
crops; geometry from the detector, no labels), then a sigmoid. A fixed weight is one constant 8x8
reduction in the graph, so the score would ship in one pass like the mixes. The family scored here:

  fcell-sS-wW   (1 - W) * the published head on the face box xS crop + W * the face-cell score on it

for S in SCALES and W = 0.1 ... 1.0, each fold's own heads (trained without the fold) on prep_psb80.py's
features of that crop, the photos through the final heads, every row under the run's threshold rule with
its threshold chosen without the fold. Then the choice the shipped score came from (nested_select.select:
fold by fold, on the other folds, fewest attacks through at the rule's threshold) is made again among
every one-pass score with this family added, and the chosen scores' rows are the honest estimate.

    BONAFIDE_SHARED=... BONAFIDE_TRAIN_WORK=... /usr/bin/python3 scripts/train/score_facecell.py [RUN_DIR/protocol.json] [OUT.json] [--rule RULE]

Needs train_psb80.py protocol (fold heads and scores) and prep_psb80.py's features of each scale.
"""

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

SCALES = (2.7, 2.2, 2.5)


def name(scale, w):
    return f"fcell-s{common._g64(scale)}-w{w:g}"


def fixed_cover(items, cover):
    """The mean 8x8 face cover of the sources' crops (photos left out: they are a test set)."""
    idx = [i for i, it in enumerate(items) if it["source"] != "faces"]
    return np.asarray(cover[idx], np.float64).mean(0)


def face_cell(head, feats, idx, cover):
    """sigmoid of the cover-weighted mean of the 8x8 level's mask logits of items idx."""
    l8 = train_psb80.mask_logits(head, feats, idx)[0][:, 0].double().numpy()
    return 1 / (1 + np.exp(-(l8 * cover).sum((1, 2)) / cover.sum()))


def add_facecell(run, items, res):
    """Adds the fcell family to every fold's (and the final model's) results; returns its names."""
    wd = protocol.work_dir()
    names = []
    heads = {f: train_psb80.load_head(os.path.join(run, f, "head.pt"))[0] for f in res}
    for s in SCALES:
        d = os.path.join(wd, prep_psb80.view_dir(s) + "-view0")
        if not os.path.exists(os.path.join(d, "feats.npy")):
            print(f"score_facecell: no features of the x{s:g} crop (prep_psb80.py BIN --scale {s:g}); skipped", flush=True)
            continue
        feats = np.load(os.path.join(d, "feats.npy"), mmap_mode="r")
        cover = fixed_cover(items, np.load(os.path.join(d, "cover.npy"), mmap_mode="r"))
        pub = "published" if s == prep_psb80.SCALE else f"published-s{common._g64(s)}"
        for f, r in res.items():
            for part in ("test", "faces"):
                fc = face_cell(heads[f], feats, r[f"{part}_idx"], cover)
                for w in train_psb80.MIX_WEIGHTS:
                    r[f"{part}_{name(s, w)}"] = (1 - w) * np.asarray(r[f"{part}_{pub}"]) + w * fc
        names += [name(s, w) for w in train_psb80.MIX_WEIGHTS]
    return names


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    run, rule, argv = nested_select.run_and_option(argv, "--rule", "threshold_rule")
    torch.set_num_threads(1)
    items, folds, res, cands = nested_select.load(run)
    fin = dict(np.load(os.path.join(run, "final", "scores.npz"), allow_pickle=True))
    for c in [c for c in cands if c != "published"]:
        fin[f"faces_{c}"] = nested_select.final_extra(items, fin, c, run)
    fin["test_idx"] = np.zeros(0, int)
    res_all = dict(res, final=fin)
    # The final heads' photo scores need "faces_published-sS" of the final model, filled in just above.
    fam = add_facecell(run, items, res_all)
    for f in folds:
        res[f] = res_all[f]
    rows = {}
    for c in fam + [train_psb80.SHIPPED_SCORE]:
        rows[c] = h = nested_select.score_row(items, folds, res, c, res_all["final"][f"faces_{c}"], rule)
        sa = h["source_auc"]
        print(f"{c:16s} t {h['threshold']:.4f} session worst ACER {h['loso_worst_acer']:.4f} | sources min AUC "
              f"{h['lsrco_min_auc']:.4f} (eyashita {sa['eyashita-tv-replay']:.4f}, sooraj {sa['sooraj-tv-replay']:.4f}) "
              f"held-out live {h['heldout_live_accepted_nested']:.4f} source APCER {h['source_apcer_nested']:.4f} "
              f"oof APCER {h['oof_apcer']:.4f} | photos {h['faces_accepted_final']:.4f}", flush=True)
    one = [c for c in cands if train_psb80.one_pass_scale(c) is not None]
    print(f"one pass, the shipped score's candidates ({rule}):")
    rows0, head0 = nested_select.select(items, folds, res, one, rule)
    print(f"one pass, with the face-cell family ({rule}):")
    rows1, head1 = nested_select.select(items, folds, res, one + fam, rule)
    if len(argv) > 1:
        common.write_json(argv[1], {"doc": __doc__.split("\n\n")[1].replace("\n", " "), "rule": rule, "run": os.path.basename(run),
                                    "rows": rows, "nested_one_pass": {"headline": head0, "folds": rows0},
                                    "nested_with_facecell": {"headline": head1, "folds": rows1}})


if __name__ == "__main__":
    sys.exit(main())
