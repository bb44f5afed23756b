"""What choosing the score by the protocol would give, measured without tuning on the test fold.

For every fold F of train_psb80.py's protocol run, the candidate scores (the untrained rows: published,
its mirror and crop-scale variants, V1SE and the ensembles; and the mixes of the published head with the
pyramid's 1x1 level, train_psb80.MIXES) are compared on the OTHER folds only: each
candidate's threshold by the run's threshold rule (its protocol.json args; worst95 since 2026-12-07,
heldout95 from 2026-12-06, accept95 before) on the other folds' out-of-fold scores, and the candidate with the lowest weighted
out-of-fold APCER there wins (a tie goes to the earlier one in CANDIDATES, published first). Fold F is
then scored with the winner at that threshold. The rows are what a selection made on the protocol can be
expected to give on a session or source it never saw; the per-fold choice shows whether the selection
is stable. The selection runs twice: over every candidate, and over the ones that run in one pass of
the published network (train_psb80.one_pass_scale: the crop scales and the mixes), which are the ones the default
model can ship at its speed; the second chose the shipped score.

    /usr/bin/python3 scripts/train/nested_select.py [RUN_DIR/protocol.json] [OUT.json] [--rule RULE] [--with TOP_RUN_DIR ...]

Needs train_psb80.py protocol (its fold scores.npz files beside protocol.json). --with adds the epochs of a
train_top80.py protocol run (fine-tuned tops, "NAME:eK"; e0 is the published head again, left out) as
candidates.
"""

import json
import os
import sys

import numpy as np

import common
import prep_psb80
import protocol
import thresholds
import train_psb80
import train_pyramid

CANDIDATES = ("published", "published-flip", "published-s2.2", "published-s3.2", "ensemble", "ensemble-x2.7",
              "v1se", "v1se-x2.7", "published+s2.2", "published-flip+s2.2", "published-s2.3", "published-s2.4",
              "published-s2.5", "published-s2.6") + tuple(train_psb80.MIXES)


def extra_logits(wd, n_real):
    """What train_psb80.extra_scores reads of its data: prep_psb80.py's logits of the n_real real items."""
    class Logits:
        pass
    Logits.n_real = n_real
    Logits.z_extra = train_psb80.extra_logits(wd, n_real)
    return Logits


def final_extra(items, fin, score, run=None):
    """The photos' scores under an untrained row, or a mix of run's final heads (train_psb80.MIXES), for a
    final model whose scores.npz predates it."""
    protocol.use("psb")
    out = train_psb80.extra_scores(extra_logits(protocol.work_dir(), len(items)), fin["faces_idx"], fin["faces_published"])
    if score in train_psb80.MIXES and run:
        r = {"faces_idx": fin["faces_idx"], "faces_published": fin["faces_published"], "faces_maps": fin["faces_maps"],
             **{f"faces_{k}": v for k, v in out.items()}}
        train_psb80.add_mixes(heads_scale(run), run, {"final": r})
        out.update({k[len("faces_"):]: v for k, v in r.items() if k.startswith("faces_mix-")})
    if score not in out:
        raise SystemExit(f"no logits for {score!r}: run prep_psb80.py")
    return out[score]


def heads_scale(run):
    """The crop scale run's heads trained at (train_psb80.py --scale)."""
    with open(os.path.join(run, "protocol.json")) as fh:
        return json.load(fh)["args"].get("scale", prep_psb80.SCALE)


def load(run, tops=()):
    """The fold scores of a train_psb80.py protocol run (RUN/FOLD/scores.npz), with the untrained
    score variants filled in from prep_psb80.py's logits and the epochs of train_top80.py runs
    (tops) added: (items, folds, fold -> {test_/faces_ + candidate: scores, ...}, candidates)."""
    protocol.use("psb")
    wd = protocol.work_dir()
    items = list(np.load(os.path.join(wd, "real.npz"), allow_pickle=True)["items"])
    folds = list(protocol.folds())
    res = {}
    for f in folds:
        z = np.load(os.path.join(run, f, "scores.npz"), allow_pickle=True)
        res[f] = {k: z[k] for k in z.files}
    # A fold read back from a run made before the untrained rows existed lacks them: score them from
    # prep_psb80.py's logits, as train_psb80.py protocol does.
    Logits = extra_logits(wd, len(items))
    for r in res.values():
        for part in ("test", "faces"):
            r.update({f"{part}_{k}": v for k, v in
                      train_psb80.extra_scores(Logits, r[f"{part}_idx"], r[f"{part}_published"]).items()})
    train_psb80.add_mixes(heads_scale(run), run, res)
    extra = []
    for d in tops:
        name = os.path.basename(os.path.normpath(d))
        for f in folds:
            z = np.load(os.path.join(d, f, "scores.npz"), allow_pickle=True)
            if not np.array_equal(z["test_idx"], res[f]["test_idx"]) or not np.array_equal(z["faces_idx"], res[f]["faces_idx"]):
                raise SystemExit(f"{d}/{f}: another test set than {run}/{f}")
            for k in z.files:
                if k.startswith(("test_e", "faces_e")) and k[k.index("_e") + 2:] != "0":
                    part, e = k.split("_", 1)
                    res[f][f"{part}_{name}:{e}"] = z[k]
                    if part == "test" and f"{name}:{e}" not in extra:
                        extra.append(f"{name}:{e}")
    cands = [c for c in list(CANDIDATES) + extra if all(f"test_{c}" in r for r in res.values())]
    if "published" not in cands:
        raise SystemExit(f"{run}: no fold scores with the candidates; rerun train_psb80.py protocol")
    return items, folds, res, cands


def select(items, folds, res, cands, rule):
    """The nested choice among cands: (fold -> metrics with the chosen candidate, headline)."""
    oof = {c: {f: thresholds.fold_scores(items, dict(r, test_scores=r[f"test_{c}"])) for f, r in res.items()} for c in cands}
    rows = {}
    for f in folds:
        best = None
        for c in cands:
            other = {k: v for k, v in oof[c].items() if k != f}
            t, _ = thresholds.choose(other, rule)
            apcer = thresholds.weighted_rates(other, t)[0]
            if best is None or apcer < best[1] - 1e-12:
                best = (c, apcer, t)
        c, apcer, t = best
        m = train_pyramid.fold_metrics(items, dict(res[f], test_scores=res[f][f"test_{c}"], faces_scores=res[f][f"faces_{c}"]), t)
        rows[f] = dict(m, chosen=c, chosen_other_folds_apcer=apcer)
        print(f"{f:34s} chose {c:16s} (other folds' APCER {apcer:.4f}) auc {m['auc']:.4f} t {t:.4f} "
              f"apcer {m['apcer']:.4f} bpcer {m['bpcer']:.4f} acer {m['acer']:.4f}")
    src = [f for f in folds if f.startswith("src-")]
    nuaa = [f for f in folds if f.startswith("nuaa-")]
    head = {"candidates": cands, "threshold_rule": rule, "loso_worst_auc": min(rows[f]["auc"] for f in nuaa),
            "loso_worst_acer": max(rows[f]["acer"] for f in nuaa),
            "source_auc": {f[4:]: rows[f]["auc"] for f in src}, "lsrco_min_auc": min(rows[f]["auc"] for f in src),
            "heldout_live_accepted_nested": float(np.mean([1 - rows[f]["bpcer"] for f in src])),
            "source_apcer_nested": float(np.mean([rows[f]["apcer"] for f in src])),
            "chosen": {f: rows[f]["chosen"] for f in folds}}
    print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in head.items()}))
    return rows, head


def score_row(items, folds, res, score, final_faces, rule):
    """The protocol's row for one score: train_pyramid.summarize of the folds' test_/faces_ + score
    under rule (each fold's threshold chosen without it), the photos scored by final_faces (the final
    model's), plus the replay-source folds' mean APCER at their nested thresholds, and the folds."""
    view = {f: dict(r, test_scores=r[f"test_{score}"], faces_scores=r[f"faces_{score}"]) for f, r in res.items()}
    view["final"] = {"test_idx": np.zeros(0, int), "faces_scores": final_faces}
    sm = train_pyramid.summarize(items, view, {"score": score, "rule": rule}, rule=rule)
    h = sm["headline"]
    h["source_apcer_nested"] = float(np.mean([sm["folds"][f]["nested"]["apcer"] for f in folds if f.startswith("src-")]))
    return dict(h, folds=sm["folds"])


def variant_study(items, variants, probs, rule):
    """The protocol's rows for untrained variants of one score (photometric.py, crop_match.py): probs(v)
    gives variant v's live probability on every item; each variant is scored by train_pyramid.summarize
    under rule (its threshold chosen without each fold), then chosen fold by fold on the other folds
    (select). Returns ({variant: headline with its folds}, nested rows, nested headline)."""
    views = {0: (np.arange(len(items)),)}
    folds = list(protocol.folds())
    res = {}
    for f in folds:
        _, test_idx, faces_idx = protocol.fold_split(items, views, f, clean=True)
        res[f] = {"test_idx": test_idx, "faces_idx": faces_idx}
    rows = {}
    for v in variants:
        p = probs(v)
        for r in res.values():
            r[f"test_{v}"], r[f"faces_{v}"] = p[r["test_idx"]], p[r["faces_idx"]]
        view = {f: dict(r, test_scores=r[f"test_{v}"], faces_scores=r[f"faces_{v}"]) for f, r in res.items()}
        view["final"] = {"test_idx": np.zeros(0, int), "faces_scores": p[res[folds[0]]["faces_idx"]]}
        s = train_pyramid.summarize(items, view, {"variant": v, "rule": rule}, rule=rule)
        h = s["headline"]
        src_apcer = float(np.mean([s["folds"][f]["nested"]["apcer"] for f in folds if f.startswith("src-")]))
        rows[v] = dict(h, source_apcer_nested=src_apcer, folds=s["folds"])
        print(f"{v:18s} t {h['threshold']:.4f} session worst AUC {h['loso_worst_auc']:.4f} ACER {h['loso_worst_acer']:.4f} | "
              f"sources min AUC {h['lsrco_min_auc']:.4f} ({min(h['source_auc'], key=h['source_auc'].get)}) held-out live "
              f"{h['heldout_live_accepted_nested']:.4f} APCER {src_apcer:.4f} oof APCER {h['oof_apcer']:.4f} | "
              f"photos {h['faces_accepted_final']:.4f}", flush=True)
    print(f"chosen per fold on the other folds ({rule}):")
    nested_rows, nested = select(items, folds, res, list(variants), rule)
    return rows, nested_rows, nested


def options(argv, defaults):
    """argv without the --flag VALUE pairs named in defaults, and {flag: value or its default}."""
    opts = dict(defaults)
    for k in defaults:
        if k in argv:
            i = argv.index(k)
            opts[k], argv = argv[i + 1], argv[:i] + argv[i + 2:]
    return argv, opts


def run_and_option(argv, flag, key):
    """Arguments [RUN_DIR/protocol.json] [OUT.json] with an optional FLAG VALUE among them: (the run
    directory, VALUE or else the run's own protocol.json args[key], the arguments without the flag)."""
    value = None
    if flag in argv:
        i = argv.index(flag)
        value = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    run = os.path.dirname(os.path.abspath(argv[0])) if argv else os.path.join(common.WORK, "runs", "psb80")
    if value is None:
        with open(os.path.join(run, "protocol.json")) as fh:
            value = json.load(fh)["args"][key]
    return run, value, argv


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    tops = [argv[i + 1] for i, x in enumerate(argv) if x == "--with"]
    argv = [x for i, x in enumerate(argv) if x != "--with" and (i == 0 or argv[i - 1] != "--with")]
    run, rule, argv = run_and_option(argv, "--rule", "threshold_rule")
    items, folds, res, cands = load(run, tops)
    print(f"every candidate ({rule}):")
    rows, head = select(items, folds, res, cands, rule)
    one = [c for c in cands if train_psb80.one_pass_scale(c) is not None]
    print(f"one pass of the published network ({rule}):")
    rows1, head1 = select(items, folds, res, one, rule)
    if len(argv) > 1:
        common.write_json(argv[1], {"rule": __doc__.split("\n\n")[1].replace("\n", " "), "headline": head, "folds": rows,
                                    "one_pass": {"headline": head1, "folds": rows1}})


if __name__ == "__main__":
    sys.exit(main())
