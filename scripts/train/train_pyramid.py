"""Train PS-B on the pretrained MiniFASNetV2 trunk, fold by fold on the validation protocol
(protocol.py), and the final model on everything.

The trunk (conv1..conv_45, Silent-Face's published weights on the int8 grid) is frozen: its features
are computed once per crop and view by `protocol.py prep`, and only the top is trained: conv_5 and
conv_6_sep (started from the published weights) and the pyramid binary-mask head (Yu et al. 2020).

Loss = sum over scales (8x8, 4x4, 2x2, 1x1) of the face-weighted BCE of the mask logits + BCE of the
binary head. Every cell's label is the crop's class (live 1, attack 0) and its weight the fraction of
the cell the detector's face box covers: cells outside the face carry no loss (the maps say nothing
there, and the overlay masks them; see bonafide.maps.region), so a live user's background is never
taught to be "spoof". Training draws crops with replacement so that every source carries the same
weight, and within a source bona fide crops half, real attacks a quarter and synthetic attacks a
quarter; each draw takes the clean crop or one of its camera views (camera and light shift,
geometry, flip), at random.

    /usr/bin/python3 scripts/train/train_pyramid.py protocol [--epochs 8 ...]   # every fold + final
    /usr/bin/python3 scripts/train/train_pyramid.py fold nuaa-s01 [...]

Writes $WORK/runs/pyramid[-TAG]/<fold>/{top.pt,scores.npz} and the protocol summary
protocol.json there (per fold AUC, EER, APCER, BPCER, ACER; bona fide acceptance; the threshold).
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import common
import minifasnet
import protocol
import qat
import thresholds


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["protocol", "fold"])
    p.add_argument("fold", nargs="?", default="")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--epoch-size", type=int, default=2048)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--clean", action="store_true", help="train on the clean crops only (no camera views: an ablation)")
    p.add_argument("--views", type=int, default=1, help="camera views per crop made by protocol.py prep")
    p.add_argument("--synth", type=float, default=0.25, help="share of synthetic attacks within a source")
    p.add_argument("--freeze-conv5", action="store_true", help="train only conv_6_sep and the heads")
    p.add_argument("--feat-drop", type=float, default=0.0, help="channel dropout on the trunk features")
    p.add_argument("--distill", type=float, default=0.0,
                   help="weight of the distillation loss towards the published MiniFASNetV2's live probability (protocol.py prep --teacher)")
    p.add_argument("--qat-epochs", type=int, default=1)
    p.add_argument("--qat-lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-final", action="store_true", help="protocol folds only (experiments)")
    p.add_argument("--tag", default="", help="run name suffix (experiments)")
    return p.parse_args(argv)


def run_dir(a):
    return os.path.join(common.WORK, "runs", "pyramid" + (f"-{a.tag}" if a.tag else ""))


def sample_weights(items, idx, synth_share):
    """Draw weights: every source the same mass; within it bona fide 1/2, real attacks and synthetic
    attacks share the other half (synth_share of the total for synthetic; all of it when a source
    has no real attacks)."""
    w = np.zeros(len(idx))
    groups = {}
    for j, i in enumerate(idx):
        it = items[i]
        kind = "live" if it["live"] else ("synth" if it["synth"] else "real")
        groups.setdefault((it["source"], kind), []).append(j)
    sources = {s for s, _ in groups}
    for s in sources:
        has_real = (s, "real") in groups
        share = {"live": 0.5, "real": 0.5 - synth_share if has_real else 0.0,
                 "synth": synth_share if has_real else 0.5}
        for kind, js in ((k, v) for (src, k), v in groups.items() if src == s):
            w[js] = share[kind] / len(js) / len(sources)
    return w / w.sum()


def pyramid_loss(logits, b, cover8, live):
    """Face-weighted BCE per scale (cover8 [N,8,8] pooled to each scale is the cell weight) + BCE of
    the binary head, averaged over the batch."""
    total = 0.0
    c = cover8[:, None]
    for m in logits:
        w = F.adaptive_avg_pool2d(c, m.shape[-2:])
        y = live.view(-1, 1, 1, 1).expand_as(m)
        l = F.binary_cross_entropy_with_logits(m, y, reduction="none")
        total = total + ((l * w).sum((1, 2, 3)) / w.sum((1, 2, 3)).clamp(min=1e-6)).mean()
    return total + F.binary_cross_entropy_with_logits(b.squeeze(1), live)


class Data:
    def __init__(self, views):
        self.items, self.views = protocol.load(views)
        # position of each item in each view's arrays
        self.pos = {}
        for v, (idx, _, _, _) in self.views.items():
            p = np.full(len(self.items), -1)
            p[idx] = np.arange(len(idx))
            self.pos[v] = p

    def batch(self, item_idx, view_of, teacher=False):
        """Features [N,128,8,8] float32, cover [N,8,8], live [N] for items and per-item views (and the
        teacher's live probability [N] with teacher=True)."""
        fs, cs, ts = [], [], []
        for i, v in zip(item_idx, view_of):
            _, f, c, t = self.views[v]
            k = self.pos[v][i]
            fs.append(f[k])
            cs.append(c[k])
            if teacher:
                # NaN where this view has no teacher output (prep --teacher not run for it): no target.
                ts.append(t[k] if t is not None else np.nan)
        live = torch.tensor([1.0 if self.items[i]["live"] else 0.0 for i in item_idx])
        out = (torch.from_numpy(np.stack(fs).astype(np.float32)), torch.from_numpy(np.stack(cs).astype(np.float32)), live)
        return out + (torch.tensor(np.array(ts, np.float32)),) if teacher else out


@torch.no_grad()
def score(top, data, item_idx, batch=512):
    top.eval()
    out = []
    for s in range(0, len(item_idx), batch):
        ii = item_idx[s:s + batch]
        f, _, _ = data.batch(ii, [0] * len(ii))
        _, b = top(f)
        out.append(torch.sigmoid(b).squeeze(1))
    return torch.cat(out).numpy() if out else np.zeros(0)


def train_fold(a, data, fold):
    """Trains one fold's top; returns it and the test/faces scores."""
    items = data.items
    train_idx, test_idx, faces_idx = protocol.fold_split(items, data.views, fold, a.clean)
    torch.manual_seed(a.seed)
    top = minifasnet.PyramidTop("v2")
    top.load_pretrained(minifasnet.load_state(minifasnet.WEIGHTS["v2"]))
    if a.freeze_conv5:
        for p_ in top.conv_5.parameters():
            p_.requires_grad_(False)
    w = torch.from_numpy(sample_weights(items, train_idx, a.synth))
    steps = a.epoch_size // a.batch
    gen = torch.Generator().manual_seed(a.seed * 1009 + sum(map(ord, fold)))
    drop = torch.nn.Dropout2d(a.feat_drop) if a.feat_drop else None

    def epoch(opt, sched, freeze_bn=False):
        top.train()
        if a.freeze_conv5:
            top.conv_5.eval()
        if freeze_bn:
            qat.freeze_bn(top)
        tot = 0.0
        for _ in range(steps):
            pick = torch.multinomial(w, a.batch, replacement=True, generator=gen).numpy()
            # The clean crop or one of its camera views, at random.
            views = np.zeros(a.batch, int) if a.clean else torch.randint(0, a.views + 1, (a.batch,), generator=gen).numpy()
            if a.distill:
                f, c, live, tp = data.batch(train_idx[pick], views, teacher=True)
            else:
                f, c, live = data.batch(train_idx[pick], views)
            if drop is not None:
                f = drop(f)
            logits, b = top(f)
            loss = pyramid_loss(logits, b, c, live)
            if a.distill:
                # The published classifier as a teacher: its live probability of the same view as a
                # soft target for the binary head.
                has = ~torch.isnan(tp)
                if has.any():
                    loss = loss + a.distill * F.binary_cross_entropy_with_logits(b.squeeze(1)[has], tp[has])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        return tot / steps

    params = [p_ for p_ in top.parameters() if p_.requires_grad]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=a.wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.epochs * steps, pct_start=0.2)
    hist = []
    t0 = time.time()
    for e in range(a.epochs):
        l = epoch(opt, sched)
        rec = {"epoch": e + 1, "loss": l}
        if len(test_idx) and ((e + 1) % 4 == 0 or e + 1 == a.epochs):
            s = score(top, data, test_idx)
            lv = np.array([items[i]["live"] for i in test_idx])
            rec["test_auc"] = common.auc(s[lv], s[~lv])
        hist.append(rec)
        print(f"{fold} epoch {e + 1} loss {l:.4f}" + (f" test AUC {rec['test_auc']:.4f}" if "test_auc" in rec else "") +
              f" {time.time() - t0:.0f}s", flush=True)
    if a.qat_epochs:
        qat.enable(top)
        params = [p_ for p_ in top.parameters() if p_.requires_grad]
        opt = torch.optim.AdamW(params, lr=a.qat_lr, weight_decay=a.wd)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.qat_epochs * steps)
        for e in range(a.qat_epochs):
            l = epoch(opt, sched, freeze_bn=True)
            hist.append({"qat_epoch": e + 1, "loss": l})
        qat.finalize(top)
    res = {"fold": fold, "n_train": int(len(train_idx)), "history": hist, "seconds": time.time() - t0,
           "test_idx": test_idx, "test_scores": score(top, data, test_idx),
           "faces_idx": faces_idx, "faces_scores": score(top, data, faces_idx)}
    return top, res


def fold_metrics(items, res, t):
    """Live vs attack metrics of one fold's test set at threshold t."""
    s = res["test_scores"]
    lv = np.array([items[i]["live"] for i in res["test_idx"]], bool)
    live, spoof = s[lv], s[~lv]
    apcer, bpcer = common.rates(live, spoof, t)
    eer, _ = common.eer(live, spoof)
    fa = res["faces_scores"]
    return {"auc": common.auc(live, spoof), "eer": eer, "threshold": t, "apcer": apcer, "bpcer": bpcer,
            "acer": (apcer + bpcer) / 2, "live": int(lv.sum()), "spoof": int((~lv).sum()),
            "faces_accepted": float((fa >= t).mean()), "faces": int(len(fa))}


def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    data = Data(0 if a.clean else a.views)
    out = run_dir(a)

    def save(top, fold, path):
        torch.save({"state": top.state_dict(), "args": vars(a), "fold": fold}, path)

    results = protocol.run_folds(a, out, lambda fold: train_fold(a, data, fold), "top.pt", save)
    if a.cmd != "protocol":
        return
    summary = summarize(data.items, results, vars(a))
    common.write_json(os.path.join(out, "protocol.json"), summary)
    print(json.dumps(summary["headline"], indent=1))


def summarize(items, results, args, rule="eer"):
    """Per-fold metrics at a threshold chosen without that fold (thresholds.py's rule on the other
    folds' out-of-fold scores), the shipped threshold (the rule on every fold), and the headline
    figures the issue's targets are stated in."""
    folds = [f for f in results if f != "final"]
    oof = {f: thresholds.fold_scores(items, results[f]) for f in folds}
    t_all, rule_text = thresholds.choose(oof, rule)
    rows = {}
    for f in folds:
        t_f, _ = thresholds.choose({k: v for k, v in oof.items() if k != f}, rule)
        rows[f] = {"nested": fold_metrics(items, results[f], t_f), "at_shipped": fold_metrics(items, results[f], t_all)}
    nuaa = [f for f in folds if f.startswith("nuaa-")]
    src = [f for f in folds if f.startswith("src-")]
    fin = results.get("final")
    head = {
        "threshold": t_all, "rule": rule_text,
        "oof_apcer": thresholds.weighted_rates(oof, t_all)[0], "oof_acceptance": 1 - thresholds.weighted_rates(oof, t_all)[1],
        "source_auc": {f[4:]: rows[f]["nested"]["auc"] for f in src},
        "loso_worst_auc": min(rows[f]["nested"]["auc"] for f in nuaa),
        "loso_worst_acer": max(rows[f]["nested"]["acer"] for f in nuaa),
        "loso_worst_acer_at_shipped": max(rows[f]["at_shipped"]["acer"] for f in nuaa),
        "lsrco_min_auc": min(rows[f]["nested"]["auc"] for f in src),
        "lsrco_mean_auc": float(np.mean([rows[f]["nested"]["auc"] for f in src])),
        "heldout_live_accepted_nested": float(np.mean([1 - rows[f]["nested"]["bpcer"] for f in src])),
        "faces_accepted_final": float((np.asarray(fin["faces_scores"]) >= t_all).mean()) if fin is not None else None,
    }
    return {"args": args, "headline": head, "folds": rows}


if __name__ == "__main__":
    sys.exit(main())
