"""Operating points of the shipped score (the run's, or --score): what each bona fide acceptance level of the threshold rule
costs in attacks let through, measured on the protocol without tuning on the fold that is scored.

The shipped rule (thresholds.py, "accept95") takes the highest threshold that keeps 95% weighted
bona fide acceptance on the pooled out-of-fold scores. That pooled figure is not what a new source
sees: each source's live faces score differently, and with every fold's threshold chosen on the
other folds the held-out sources' live acceptance averages less than 95%. For a range of levels L
this prints, and writes as JSON, the threshold on all folds, the pooled out-of-fold acceptance and
APCER, and the nested figures (each fold's threshold by the rule at L on the other folds): held-out
live acceptance and APCER averaged over the replay sources, the worst NUAA session ACER, and the
final model's acceptance of the 69 photos. Last, a doubly nested estimate of the rule "the lowest L
whose nested held-out live acceptance reaches 95%": for each source fold that L is found on the
other folds alone, then used there. An operator who needs the acceptance can set the threshold from
these rows (web: `threshold`, CLI: -threshold) and knows what it costs.

    /usr/bin/python3 scripts/train/operating_points.py [RUN_DIR/protocol.json] [OUT.json] [--score NAME]

Needs train_psb80.py protocol (fold and final scores.npz beside protocol.json).
"""

import json
import os
import sys

import numpy as np

import common
import nested_select
import thresholds
import train_pyramid

LEVELS = [round(0.95 + 0.0025 * i, 4) for i in range(17)]  # 95% .. 99%
TARGET = 0.95


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    run, score, argv = nested_select.run_and_option(argv, "--score", "score")  # default: the run's shipped score
    items, folds, res, cands = nested_select.load(run)
    if score not in cands:
        raise SystemExit(f"no fold scores for {score!r}; have {cands}")
    fin = np.load(os.path.join(run, "final", "scores.npz"), allow_pickle=True)
    if f"faces_{score}" in fin.files:
        faces = fin[f"faces_{score}"]
    else:  # an untrained row added after the run: score the photos from prep_psb80.py's logits
        faces = nested_select.final_extra(items, fin, score, run)
    view = {f: dict(r, test_scores=r[f"test_{score}"], faces_scores=r[f"faces_{score}"]) for f, r in res.items()}
    oof = {f: thresholds.fold_scores(items, view[f]) for f in folds}
    src = [f for f in folds if f.startswith("src-")]
    nuaa = [f for f in folds if f.startswith("nuaa-")]

    def nested(sub, level):
        """fold -> metrics at the threshold chosen by the rule at level on the folds of sub except it."""
        return {f: train_pyramid.fold_metrics(
            items, view[f], thresholds.choose_accept({k: v for k, v in sub.items() if k != f}, level)[0]) for f in sub}

    rows = []
    for level in LEVELS:
        t = thresholds.choose_accept(oof, level)[0]
        apcer, bpcer = thresholds.weighted_rates(oof, t)
        m = nested(oof, level)
        rows.append({
            "level": level, "threshold": t, "oof_acceptance": 1 - bpcer, "oof_apcer": apcer,
            "heldout_live_accepted_nested": float(np.mean([1 - m[f]["bpcer"] for f in src])),
            "source_apcer_nested": float(np.mean([m[f]["apcer"] for f in src])),
            "source_live_accepted_nested": {f[4:]: 1 - m[f]["bpcer"] for f in src},
            "source_apcer_nested_per_source": {f[4:]: m[f]["apcer"] for f in src},
            "loso_worst_acer": max(m[f]["acer"] for f in nuaa),
            "faces_accepted_final": int((faces >= t).sum()), "faces": int(len(faces)),
        })
        r = rows[-1]
        print(f"L {level:.4f}  t {t:.4f}  oof acc {r['oof_acceptance']:.4f} apcer {apcer:.4f}  nested: held-out live "
              f"{r['heldout_live_accepted_nested']:.4f} source APCER {r['source_apcer_nested']:.4f} session ACER "
              f"{r['loso_worst_acer']:.4f}  photos {r['faces_accepted_final']}/{r['faces']}")
    # Doubly nested: the level itself chosen without the scored fold.
    dn = {}
    for f in src:
        other = {k: v for k, v in oof.items() if k != f}
        other_src = [g for g in other if g.startswith("src-")]
        level = next((lv for lv in LEVELS
                      if np.mean([1 - nested(other, lv)[g]["bpcer"] for g in other_src]) >= TARGET), LEVELS[-1])
        t = thresholds.choose_accept(other, level)[0]
        m = train_pyramid.fold_metrics(items, view[f], t)
        dn[f[4:]] = {"level": level, "threshold": t, "live_accepted": 1 - m["bpcer"], "apcer": m["apcer"]}
        print(f"{f:34s} level {level:.4f} t {t:.4f} live {1 - m['bpcer']:.4f} apcer {m['apcer']:.4f}")
    head = {"heldout_live_accepted": float(np.mean([v["live_accepted"] for v in dn.values()])),
            "source_apcer": float(np.mean([v["apcer"] for v in dn.values()]))}
    print("doubly nested:", json.dumps({k: round(v, 4) for k, v in head.items()}))
    if len(argv) > 1:
        common.write_json(argv[1], {"about": __doc__.split("\n\n")[0].replace("\n", " "), "score": score,
                                    "run": os.path.relpath(run, common.WORK) if run.startswith(common.WORK) else run,
                                    "levels": rows, "doubly_nested": {"target": TARGET, "folds": dn, "headline": head}})


if __name__ == "__main__":
    sys.exit(main())
