"""The threshold rule: chosen on the validation protocol's out-of-fold scores only.

Rule: the equal-error point of the protocol's pooled out-of-fold scores, where every fold's test set
counts the same (each fold's live scores share one weight, its attack scores another), so that NUAA's
3,500 frames do not outvote a replay source's 300: the threshold t that minimises
|APCER_w(t) - BPCER_w(t)| over the observed scores (the higher one on a tie), with
APCER_w(t) = sum of attack weights with score >= t and BPCER_w(t) = sum of live weights with score < t.
"""

import numpy as np

RULE = ("equal-error point of the pooled out-of-fold scores of the validation protocol (leave-one-session-out "
        "on NUAA, leave-one-source-out on the replay sources), every fold's live and attack sets weighted equally")


def fold_scores(items, res):
    s = np.asarray(res["test_scores"], np.float64)
    lv = np.array([items[i]["live"] for i in res["test_idx"]], bool)
    return s[lv], s[~lv]


def weighted_rates(oof, t):
    a = b = 0.0
    for live, spoof in oof.values():
        a += (spoof >= t).mean() if len(spoof) else 0.0
        b += (live < t).mean() if len(live) else 0.0
    n_a = sum(1 for _, s in oof.values() if len(s))
    n_b = sum(1 for l, _ in oof.values() if len(l))
    return a / max(n_a, 1), b / max(n_b, 1)


def choose(oof):
    """oof: fold -> (live scores, attack scores). Returns (threshold, rule)."""
    cand = np.unique(np.concatenate([np.concatenate([l, s]) for l, s in oof.values()]))
    best, bt = None, 0.5
    for t in cand:
        a, b = weighted_rates(oof, t)
        d = abs(a - b)
        if best is None or d <= best:
            best, bt = d, float(t)
    return bt, RULE
