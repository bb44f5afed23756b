"""Collect the protocol summaries of experiment runs (train_pyramid.py protocol --tag NAME ...) into
models/eval/experiments.json, the card's "what was tried" table: each run's headline figures and the
arguments it changed from the defaults.

    /usr/bin/python3 scripts/train/experiments.py RUN_DIR[=NOTE]...

RUN_DIR is $BONAFIDE_TRAIN_WORK/runs/pyramid-TAG (its protocol.json); NOTE says what the row shows.
"""

import json
import os
import sys

import common
import train_pyramid


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    defaults = vars(train_pyramid.parse(["protocol"]))
    out = []
    for arg in argv:
        d, _, note = arg.partition("=")
        r = json.load(open(os.path.join(d, "protocol.json")))
        changed = {k: v for k, v in r["args"].items() if k not in ("cmd", "fold", "tag", "no_final", "threads") and defaults.get(k) != v}
        name = os.path.basename(os.path.normpath(d))
        out.append({"model": "psb-128", "name": name, "changed": changed, "headline": r["headline"],
                    "folds": {f: row["nested"]["auc"] for f, row in r["folds"].items()},
                    "command": "train_pyramid.py protocol " + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in changed.items()),
                    "note": note})
    common.write_json(os.path.join(common.REPO, "models", "eval", "experiments.json"), out)
    for e in out:
        h = e["headline"]
        print(f"{e['name']}: {e['changed']} LOSO {h['loso_worst_auc']:.4f} ACER {h['loso_worst_acer']:.4f} "
              f"LSrcO min {h['lsrco_min_auc']:.4f} mean {h['lsrco_mean_auc']:.4f} live acc {h['heldout_live_accepted_nested']:.3f} "
              f"faces {h['faces_accepted_final']}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
