"""The threshold rules: chosen on the validation protocol's out-of-fold scores only.

Rule "eer" (PS-B at 128x128 and PatchNet): the equal-error point of the protocol's pooled out-of-fold scores, where every fold's test set
counts the same (each fold's live scores share one weight, its attack scores another), so that NUAA's
3,500 frames do not outvote a replay source's 300: the threshold t that minimises
|APCER_w(t) - BPCER_w(t)| over the observed scores (the higher one on a tie), with
APCER_w(t) = sum of attack weights with score >= t and BPCER_w(t) = sum of live weights with score < t.

Rule "accept95" (PS-B at 80x80): the highest threshold whose weighted out-of-fold bona fide acceptance
1 - BPCER_w(t) is at least 95% (the issue's acceptance target), so that every attack it can still
stop is stopped; the weighted APCER_w it costs is reported with it (summaries: "oof_apcer").

Rule "heldout95" (PS-B at 80x80 since 2026-12-06): the same, at the lowest level L (95% to 99% in steps
of 0.25%) at which the replay-source folds' live frames, each fold scored at the accept-L threshold
chosen WITHOUT it, are accepted at 95% or more on average; the threshold is the accept-L threshold of
all folds. Why: "accept95" keeps 95% of the pooled out-of-fold frames, but NUAA's sessions accept nearly
all their live frames, so the replay sources, each scored at a threshold chosen on the others, keep less
(92.67% for the published head): the issue's target is acceptance of new sources' people, and this rule
aims at that figure. Applied to a fold's training side (the nested rows), it finds L on the other folds
alone, so the rows stay nested.

Rule "heldoutall95" (an experiment, 2026-12-07; no model uses it): heldout95 with NUAA's session folds
counted among the held-out folds whose live frames must be kept.

Rule "worst95" (PS-B at 80x80 since 2026-12-07): the highest threshold at which EVERY fold keeps at least
95% of its out-of-fold live frames (the least, over the folds, of each fold's own such threshold). Why:
heldout95 aims at the replay sources' mean, so the hardest source (a back-lit room) pulls the level up
only while it is among the folds; left out, the other folds settle for less and it keeps 75%, and the
doubly nested mean was 94.15%. The issue's target is read here per population of new people (each
session and source), not on average; the rule has no level to tune, so its nested rows are its
estimate. It was written after heldout95's shortfall had been seen (models/README.md says so), and it
costs attacks: the threshold is set by the lowest-scoring population's live frames.
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
    if rule == "heldout95":
        return choose_heldout(oof, 0.95)
    if rule == "heldoutall95":
        return choose_heldout(oof, 0.95, every_fold=True)
    if rule == "worst95":
        return choose_worst(oof, 0.95)
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
RULE_HELDOUT = ("the threshold keeping at least L weighted bona fide acceptance on the pooled out-of-fold scores of the "
                "validation protocol (leave-one-session-out on NUAA, leave-one-source-out on the replay sources; every "
                "fold's live set weighted equally), at the lowest L from 95% to 99% in steps of 0.25% at which the "
                "replay-source folds' live frames, each fold scored at the threshold chosen the same way without it, are "
                "accepted at {:.0%} or more on average (here L = {:.2%})")
LEVELS = tuple(round(0.95 + 0.0025 * i, 4) for i in range(17))  # 95% .. 99%
RULE_HELDOUT_ALL = RULE_HELDOUT.replace("the replay-source folds' live frames", "every fold's live frames (NUAA's sessions too)")
RULE_WORST = ("the highest threshold at which every fold of the validation protocol (leave-one-session-out on NUAA, "
              "leave-one-source-out on the replay sources) keeps at least {:.0%} of its out-of-fold live frames: the "
              "target held by each session and source, not on average")
RULES = {"eer": RULE, "worst95": RULE_WORST.format(0.95), "accept95": RULE_ACCEPT.format(0.95), "heldout95": RULE_HELDOUT.format(0.95, 0.95),
         "heldoutall95": RULE_HELDOUT_ALL.format(0.95, 0.95)}


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


def choose_worst(oof, target):
    """The highest threshold t with (live >= t).mean() >= target in every fold of oof: the least, over the
    folds, of each fold's own highest such observed score."""
    ts = []
    for live, _ in oof.values():
        if len(live):
            s = np.sort(live)
            k = int(np.floor(len(s) * (1 - target) + 1e-9))  # at most k of n below t
            ts.append(float(s[k]))
    if not ts:
        raise ValueError("rule worst95 needs live frames in some fold")
    return min(ts), RULE_WORST.format(target)


def choose_heldout(oof, target, every_fold=False):
    """The accept-L threshold at the lowest L in LEVELS whose nested held-out live acceptance over the
    replay-source folds ("src-*") of oof, or over every fold, reaches target (the highest level when
    none does)."""
    src = list(oof) if every_fold else [f for f in oof if f.startswith("src-")]
    if len(src) < 2:
        raise ValueError(f"rule heldout95 needs two held-out folds or more, got {sorted(oof)}")
    for level in LEVELS:
        acc = []
        for f in src:
            t, _ = choose_accept({k: v for k, v in oof.items() if k != f}, level)
            acc.append((oof[f][0] >= t).mean())
        if np.mean(acc) >= target - 1e-12:
            break
    t, _ = choose_accept(oof, level)
    return t, (RULE_HELDOUT_ALL if every_fold else RULE_HELDOUT).format(target, level)
