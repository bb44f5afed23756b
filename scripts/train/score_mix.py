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

import os
import sys

import numpy as np
import torch

import common
import nested_select
import prep_psb80
import train_psb80

def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    run, rule, argv = nested_select.run_and_option(argv, "--rule", "threshold_rule")
    torch.set_num_threads(1)
    items, folds, res, cands = nested_select.load(run)  # the folds' mixes: train_psb80.add_mixes
    scale = train_psb80.one_pass_scale("published-s2.2")
    if not all(f"test_{train_psb80.mix_name(scale, 1)}" in r for r in res.values()):
        raise SystemExit(f"no features of the x{scale:g} crop; run prep_psb80.py BIN --scale {scale:g}")
    # The photos' scores of the final model, which sets the shipped threshold and would ship.
    fin = np.load(os.path.join(run, "final", "scores.npz"), allow_pickle=True)
    final = {c: nested_select.final_extra(items, fin, c, run)
             for c in ["published-s2.2"] + [c for c in train_psb80.MIXES if train_psb80.MIXES[c][0] in (prep_psb80.SCALE, scale)]}
    final["published"] = fin["faces_published"]
    mixes = {prep_psb80.SCALE: "published", scale: "published-s2.2"}
    rows = {}
    for s, pub in mixes.items():
        for w in (0.0,) + train_psb80.MIX_WEIGHTS:
            c = pub if w == 0 else train_psb80.mix_name(s, w)
            rows[c] = h = nested_select.score_row(items, folds, res, c, final[c], rule)
            print(f"{c:16s} t {h['threshold']:.4f} session worst ACER {h['loso_worst_acer']:.4f} | sources min AUC "
                  f"{h['lsrco_min_auc']:.4f} held-out live {h['heldout_live_accepted_nested']:.4f} source APCER "
                  f"{h['source_apcer_nested']:.4f} oof APCER {h['oof_apcer']:.4f} | photos {h['faces_accepted_final']:.4f}", flush=True)
    shipped_crop = ["published-s2.2"] + [train_psb80.mix_name(scale, w) for w in train_psb80.MIX_WEIGHTS]
    one_pass = [c for c in cands if train_psb80.one_pass_scale(c) is not None]
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
