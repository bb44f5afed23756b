"""Average the fine-tuned tops of several train_top80.py runs that differ only in their seed (a
"model soup"), fold by fold and epoch by epoch, and score the averages on the protocol exactly as
train_top80.py scores one run.

Why: the tops' nested figures move by more than the targets' margins from one seed to the next
(models/README.md: sooraj 0.9505 with seed 1, 0.9380 with seed 2). Each top starts from the same
published weights and moves little (low learning rate, L2-SP, frozen BatchNorm), so the runs sit in
one basin and their weights can be averaged: one network, no extra work at run time, and less of the
seed's noise. Averaging predictions instead would cost a pass per seed.

For every fold (and the final model) and every epoch e >= 1 the runs' top-e<e>.pt states are averaged
and put back on the int8 grid (qat.grid, as every checkpoint is), the average scores the fold's held-out
set and the photos, and the epoch is chosen per fold on the other folds (train_top80.summarize: the
nested estimate). Writes OUT/<fold>/{top-e*.pt,scores.npz}, OUT/final/top.pt (the epoch chosen on all
folds) and OUT/protocol.json in train_top80.py's layout, so export_psb80.py --top OUT and
nested_select.py --with OUT read it as they read a run.

    /usr/bin/python3 scripts/train/soup_top80.py OUT RUN_DIR RUN_DIR [...]
"""

import argparse
import json
import os
import shutil
import sys
import time

import numpy as np
import torch

import common
import protocol
import qat
import train_top80


def gridded_keys(top):
    """The state keys whose weights train_top80.py keeps on the int8 grid (qat.quantizable modules)."""
    return {f"{n}.weight" for n, m in top.named_modules() if qat.quantizable(m)}


def average(states, grid_keys):
    """The mean of state dicts with the same keys; the weights QAT keeps on the grid are put back on it."""
    out = {}
    for k in states[0]:
        v = torch.stack([s[k].float() for s in states]).mean(0)
        out[k] = qat.grid(v) if k in grid_keys else v
    return out


def soup_fold(runs, fold, data, out, epochs, top):
    """Scores every epoch's average on the fold; top is the module the averages are loaded into."""
    d = os.path.join(out, fold)
    os.makedirs(d, exist_ok=True)
    first = np.load(os.path.join(runs[0], fold, "scores.npz"), allow_pickle=True)
    res = {k: first[k] for k in ("test_idx", "faces_idx", "test_e0", "faces_e0", "test_published", "faces_published")}
    for r in runs[1:]:
        z = np.load(os.path.join(r, fold, "scores.npz"), allow_pickle=True)
        if not (np.array_equal(z["test_idx"], res["test_idx"]) and np.array_equal(z["faces_idx"], res["faces_idx"])):
            raise SystemExit(f"{r}/{fold}: another test set than {runs[0]}/{fold}")
    hist = []
    for e in range(1, epochs + 1):
        states = [torch.load(os.path.join(r, fold, f"top-e{e}.pt"), map_location="cpu")["state"] for r in runs]
        state = average(states, gridded_keys(top))
        top.load_state_dict(state)
        res[f"test_e{e}"], _ = train_top80.scores(top, data, res["test_idx"])
        res[f"faces_e{e}"], _ = train_top80.scores(top, data, res["faces_idx"])
        torch.save({"state": state, "runs": runs, "fold": fold, "epoch": e}, os.path.join(d, f"top-e{e}.pt"))
        rec = {"epoch": e}
        lv = np.array([data.items[i]["live"] for i in res["test_idx"]], bool)
        if len(res["test_idx"]):
            rec["test_auc"] = common.auc(res[f"test_e{e}"][lv], res[f"test_e{e}"][~lv])
        hist.append(rec)
        print(f"{fold} " + " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()), flush=True)
    res.update(history=hist, seconds=0.0, n_train=int(first["n_train"]))
    np.savez(os.path.join(d, "scores.npz"), **{k: v for k, v in res.items() if isinstance(v, np.ndarray)},
             history=json.dumps(hist), seconds=0.0, n_train=res["n_train"])
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("runs", nargs="+")
    a = p.parse_args(argv)
    if len(a.runs) < 2:
        raise SystemExit("a soup needs two runs or more")
    torch.set_num_threads(1)
    args = [json.load(open(os.path.join(r, "protocol.json")))["args"] for r in a.runs]
    same = {k: v for k, v in args[0].items() if k not in ("seed", "tag")}
    for r, x in zip(a.runs[1:], args[1:]):
        diff = sorted(k for k, v in same.items() if x.get(k) != v)
        if diff:
            raise SystemExit(f"{r} differs from {a.runs[0]} in more than the seed: {diff}")
    t0 = time.time()
    data = train_top80.Data()
    folds = list(protocol.folds()) + ["final"]
    top = train_top80.Top(protocol.trunk_torch()).eval()  # every average is loaded into it in turn (strict)
    results = {f: soup_fold(a.runs, f, data, a.out, same["epochs"], top) for f in folds}
    ta = train_top80.parse(["protocol", "--epochs", str(same["epochs"]), "--threshold-rule", same["threshold_rule"]])
    summary = train_top80.summarize(data.items, results, ta)
    summary["args"] = {"soup_of": [os.path.basename(os.path.normpath(r)) for r in a.runs], "seeds": [x["seed"] for x in args], **same}
    common.write_json(os.path.join(a.out, "protocol.json"), summary)
    print("nested", json.dumps({x: (round(y, 4) if isinstance(y, float) else y) for x, y in summary["nested"]["headline"].items()}))
    c = summary["chosen"]
    if c != "e0":
        shutil.copy(os.path.join(a.out, "final", f"top-{c}.pt"), os.path.join(a.out, "final", "top.pt"))
    print(f"chosen on all folds: {c} ({time.time() - t0:.0f}s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
