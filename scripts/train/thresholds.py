"""The threshold rules: chosen on the validation protocol's out-of-fold scores only.

Rule "eer" (PS-B at 128x128 and PatchNet): the equal-error point of the protocol's pooled out-of-fold scores, where every fold's test set
counts the same (each fold's live scores share one weight, its attack scores another), so that NUAA's
3,500 frames do not outvote a replay source's 300: the threshold t that minimises
|APCER_w(t) - BPCER_w(t)| over the observed scores (the higher one on a tie), with
APCER_w(t) = sum of attack weights with score >= t and BPCER_w(t) = sum of live weights with score < t.

Rule "accept95" (PS-B at 80x80): the highest threshold whose weighted out-of-fold bona fide acceptance
1 - BPCER_w(t) is at least 95% (the issue's acceptance target), so that every attack it can still
stop is stopped; the weighted APCER_w it costs is reported with it (summaries: "oof_apcer").
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


def choose(oof, rule="eer"):
    """oof: fold -> (live scores, attack scores). Returns (threshold, rule text)."""
    if rule == "accept95":
        return choose_accept(oof, 0.95)
    if rule != "eer":
        raise ValueError(f"unknown threshold rule {rule!r} (want {sorted(RULES)})")
    cand = np.unique(np.concatenate([np.concatenate([l, s]) for l, s in oof.values()]))
    best, bt = None, 0.5
    for t in cand:
        a, b = weighted_rates(oof, t)
        d = abs(a - b)
        if best is None or d <= best:
            best, bt = d, float(t)
    return bt, RULE


RULE_ACCEPT = ("highest threshold keeping at least {:.0%} weighted bona fide acceptance on the pooled out-of-fold scores of "
               "the validation protocol (leave-one-session-out on NUAA, leave-one-source-out on the replay sources), "
               "every fold's live set weighted equally")
RULES = {"eer": RULE, "accept95": RULE_ACCEPT.format(0.95)}


def choose_accept(oof, target):
    """The highest observed score t with weighted acceptance 1 - BPCER_w(t) >= target."""
    cand = np.unique(np.concatenate([l for l, _ in oof.values()]))
    best = float(cand[0])
    for t in cand:
        if 1 - weighted_rates(oof, t)[1] >= target - 1e-12:
            best = float(t)
        else:
            break
    return best, RULE_ACCEPT.format(target)
