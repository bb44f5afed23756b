"""Fine-tune the TOP of the published MiniFASNetV2 (conv_45, conv_5, conv_6_sep, conv_6_dw, linear, bn,
prob: everything above conv_4) on our data, anchored so that it cannot forget what carries over, fold
by fold on the validation protocol (protocol.py), and the final model on everything.

Why: psb-80's score is the published head, untrained on our data; it meets the session target but
misses the TV-replay source (sooraj) and the 95% acceptance targets. Earlier fine-tunes at 128x128
that dropped the published head lost generalisation. Here the published network stays exactly as it
is up to conv_4 (frozen, conv weights on the int8 grid: prep_top80.py caches its 10x10 conv_4 maps),
and the top starts from the published weights with three anchors:

  learning without forgetting  KL(published head's softmax || ours), temperature T, on every draw
                               (the teacher's logits are cached per crop and view: it is the same
                               network before fine-tuning, on the same input)
  L2-SP                        alpha * sum ||w - w_published||^2 over the top's weights
  few steps, low learning rate AdamW lr, no weight decay toward 0 (L2-SP replaces it); BatchNorm
                               statistics frozen (the top runs in eval mode)

plus the task loss: BCE of the live probability (softmax class 1; attacks are classes 0 and 2). The
int8-grid QAT is on from the first step (qat.enable: the weights start on the grid and every forward
uses their grid version), so the checkpoint after each epoch is the int8 model that would ship.

Early stopping on the protocol only: every fold records its held-out scores after each epoch (and the
published head's, "epoch 0"). The candidates e0 (published) ... eE are compared as nested_select.py
compares scores: for each fold the epoch with the lowest weighted out-of-fold APCER at the accept95
threshold on the OTHER folds is chosen and the fold is scored with it (the honest estimate, "nested");
the final model's epoch is the one that wins on all folds (its threshold by the same rule).

    /usr/bin/python3 scripts/train/train_top80.py protocol [--tag T] [--epochs E] [--lr LR] ...

Teachers: published (V2's own head), ensemble-x2.7 (V2+V1SE mean on the real items' clean crops only),
ensemble-all (that mean on every view: needs prep_top80.py --v1se). --live-tail W adds W x the mean
live NLL of the worst --tail-frac of each batch's bona fide draws. The runs of 2026-12-06 (models/README.md):

    train_top80.py protocol                                                  # top80
    train_top80.py protocol --teacher ensemble-x2.7 --tag ens                # top80-ens
    train_top80.py protocol --teacher ensemble-all --live-tail 1 --tag ensall-tail
    train_top80.py protocol --teacher ensemble-all --tag ensall
    train_top80.py protocol --teacher ensemble-all --kd 3 --tag ensall-kd3
    train_top80.py protocol --teacher ensemble-all --kd 3 --seed 2 --tag ensall-kd3-s2   # the same, another seed

Each is one resumable command (a fold whose scores.npz and top-last.pt exist is read back).

Needs prep_psb80.py and prep_top80.py. Writes $WORK/runs/top80[-TAG]/<fold>/{top-e*.pt,scores.npz},
final/top.pt (the chosen epoch's top) and protocol.json (every candidate's summary, the nested choice
and the headline of the chosen candidate, in train_pyramid.summarize's layout).
"""

import argparse
import copy
import json
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common
import protocol
import qat
import thresholds
import train_pyramid

TOP = ("conv_45", "conv_5", "conv_6_sep", "conv_6_dw", "linear", "bn", "prob")


# teacher -> the cached logits whose softmax joins V2's own in the distillation target (the mean over the
# teachers that cover each draw): "K" covers every view (prep_top80.py --K); "K@clean" only the real items'
# clean crops (prep_psb80.py's p80-K-view0), and is left out of the mean elsewhere.
TEACHERS = {"published": (), "ensemble-x2.7": ("v1se@clean",), "ensemble-all": ("v1se",), "flip-all": ("v2flip",),
            "flip-ensemble-all": ("v2flip", "v1se"), "flip-s2.2": ("v2flip", "v2s2.2@clean")}
CLEAN = "@clean"


class Top(nn.Module):
    """conv_4's map [N,128,10,10] -> the class logits [N,3], the published modules' own layers."""

    def __init__(self, net):
        super().__init__()
        for name in TOP:
            setattr(self, name, copy.deepcopy(getattr(net, name)))

    def forward(self, f4):
        f = self.conv_6_sep(self.conv_5(self.conv_45(f4)))
        return self.prob(self.bn(self.linear(self.conv_6_dw(f).flatten(1))))


def live_p(z):
    return torch.softmax(z, 1)[:, 1]


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["protocol", "fold"])
    p.add_argument("fold", nargs="?", default="")
    p.add_argument("--threshold-rule", choices=sorted(thresholds.RULES), default="accept95")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--epoch-size", type=int, default=4096)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--kd", type=float, default=1.0, help="weight of the distillation to the published head")
    p.add_argument("--temp", type=float, default=2.0)
    p.add_argument("--teacher", choices=list(TEACHERS), default="published",
                   help="ensemble-x2.7: on the real items' clean crops the distillation target is the mean of the published "
                        "V2's and V1SE's softmax on the same x2.7 crop (Silent-Face's two networks; prep_psb80.py's "
                        "p80-v1se-view0), elsewhere V2's own; ensemble-all: that mean on every view (camera/light views, "
                        "the via-128 crops and the synthetic attacks too: prep_top80.py --v1se); flip-all: the mean of V2's "
                        "softmax on the crop and on its mirror image, on every view (V2 with test-time flip, in one pass: "
                        "prep_top80.py --v2flip); flip-ensemble-all: the mean of V2, V2 mirrored and V1SE on every view; "
                        "flip-s2.2: flip-all, and on the real items' clean crops V2 on the x2.2 crop too (prep_psb80.py)")
    p.add_argument("--live-tail", type=float, default=0.0,
                   help="weight of a term on the live frames the top rejects most: the mean live-class NLL of the worst "
                        "--tail-frac of the batch's bona fide draws (a CVaR of the live loss; sources draw equal live mass)")
    p.add_argument("--tail-frac", type=float, default=0.2)
    p.add_argument("--l2sp", type=float, default=0.1, help="alpha of L2-SP toward the published weights")
    p.add_argument("--synth", type=float, default=0.25)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-final", action="store_true")
    p.add_argument("--tag", default="")
    return p.parse_args(argv)


def run_dir(a):
    return os.path.join(common.WORK, "runs", "top80" + (f"-{a.tag}" if a.tag else ""))


class Data:
    """Items and per view (item indices, conv_4 maps, published logits), views as train_psb80.Data:
    0 the clean crop (real: straight 80x80; synthetic: via 128), 1 the camera views of every training
    item, 2 the real items via the 128x128 crop (training only)."""

    def __init__(self):
        protocol.use("psb")
        wd = protocol.work_dir()
        items = list(np.load(os.path.join(wd, "real.npz"), allow_pickle=True)["items"])
        self.n_real = len(items)
        items += list(np.load(os.path.join(wd, "synth.npz"), allow_pickle=True)["items"])
        self.items = items
        ld = lambda d: (np.load(os.path.join(wd, d, "feats4.npy")), np.load(os.path.join(wd, d, "logits.npy")))
        f0, z0 = ld("p80c4-view0")
        fs, zs = ld("p80c4-view0-synth")
        self.views = {0: (np.arange(len(items)), np.concatenate([f0, fs]), np.concatenate([z0, zs]))}
        f1, z1 = ld("p80c4-view1")
        self.views[1] = (np.array([i for i, it in enumerate(items) if it["source"] != "faces"]), f1, z1)
        f2, z2 = ld("p80c4-view0-via128")
        self.views[2] = (np.arange(self.n_real), f2, z2)
        for v, (idx, f, z) in self.views.items():
            assert len(idx) == len(f) == len(z), v
        self.pos = {}
        for v, (idx, *_) in self.views.items():
            p = np.full(len(items), -1)
            p[idx] = np.arange(len(idx))
            self.pos[v] = p
        self.live = np.array([1.0 if it["live"] else 0.0 for it in items], np.float32)
        # kind -> the real items' clean-crop logits (prep_psb80.py), for the "K@clean" teachers
        self.clean = {}
        for kind in ("v1se", "v2s2.2"):
            p = os.path.join(wd, f"p80-{kind}-view0", "logits.npy")
            if os.path.exists(p):
                self.clean[kind] = np.load(p).astype(np.float32)
        # kind -> view -> a teacher's logits aligned with that view's rows (prep_top80.py --v1se, --v2flip)
        self.teacher_all = {}
        names = {0: ("view0", "view0-synth"), 1: ("view1",), 2: ("view0-via128",)}
        for kind in ("v1se", "v2flip"):
            paths = {v: [os.path.join(wd, f"p80-{kind}-{n}", "logits.npy") for n in ns] for v, ns in names.items()}
            if all(os.path.exists(q) for ps in paths.values() for q in ps):
                self.teacher_all[kind] = {v: np.concatenate([np.load(q) for q in ps]).astype(np.float32) for v, ps in paths.items()}
                for v, z in self.teacher_all[kind].items():
                    assert len(z) == len(self.views[v][0]), (kind, v)

    def batch(self, item_idx, view_of):
        fs, zs = [], []
        for i, v in zip(item_idx, view_of):
            _, f, z = self.views[v]
            k = self.pos[v][i]
            fs.append(f[k])
            zs.append(z[k])
        t = lambda x: torch.from_numpy(np.stack(x).astype(np.float32))
        return t(fs), t(zs), torch.from_numpy(self.live[np.asarray(item_idx)])

    def missing(self, kind):
        """Why a TEACHERS kind cannot be used ("" when it can)."""
        if kind.endswith(CLEAN):
            base = kind[:-len(CLEAN)]
            return "" if base in self.clean else f"prep_psb80.py's p80-{base}-view0"
        return "" if kind in self.teacher_all else f"prep_top80.py --{kind} (p80-{kind}-{{view0-via128,view1,view0-synth}})"

    def teacher_logits(self, kind, item_idx, view_of):
        """(logits [B,3], has [B]): a cached teacher's logits of the draws, and which draws it covers."""
        if kind.endswith(CLEAN):
            z = self.clean[kind[:-len(CLEAN)]]
            has = np.array([v == 0 and i < self.n_real for i, v in zip(item_idx, view_of)])
            logits = np.stack([z[i] if h else np.zeros(3, np.float32) for i, h in zip(item_idx, has)])
            return torch.from_numpy(logits), torch.from_numpy(has)
        z = self.teacher_all[kind]
        logits = np.stack([z[v][self.pos[v][i]] for i, v in zip(item_idx, view_of)])
        return torch.from_numpy(logits), torch.ones(len(item_idx), dtype=torch.bool)


@torch.no_grad()
def scores(top, data, item_idx, batch=512):
    """(fine-tuned live probability, published live probability) of the clean view of item_idx."""
    out, pub = [], []
    for s in range(0, len(item_idx), batch):
        ii = item_idx[s:s + batch]
        f, z, _ = data.batch(ii, [0] * len(ii))
        out.append(live_p(top(f)))
        pub.append(live_p(z))
    cat = lambda x: torch.cat(x).numpy() if x else np.zeros(0, np.float32)
    return cat(out), cat(pub)


def loss_fn(z, zt, live, a, extra=()):
    """BCE of the live probability + LwF distillation to the published head's softmax at temperature T
    (with extra teachers' (logits, has): the mean of its softmax and theirs where they cover the draw)."""
    lse = torch.logsumexp(z, 1)
    log_live = z[:, 1] - lse
    log_attack = torch.logsumexp(z[:, [0, 2]], 1) - lse
    task = -(live * log_live + (1 - live) * log_attack).mean()
    if a.live_tail > 0 and bool((live > 0.5).any()):
        nll = -log_live[live > 0.5]
        k = max(1, int(np.ceil(a.tail_frac * len(nll))))
        task = task + a.live_tail * torch.topk(nll, k).values.mean()
    T = a.temp
    pt = F.softmax(zt / T, 1)
    if extra:  # (logits, has): the mean over the teachers that cover each draw
        num, den = pt.clone(), torch.ones(len(pt), 1)
        for x, has in extra:
            h = has[:, None].float()
            num, den = num + h * F.softmax(x / T, 1), den + h
        pt = num / den
    kd = F.kl_div(F.log_softmax(z / T, 1), pt, reduction="batchmean") * T * T
    return task + a.kd * kd, task.item(), kd.item()


def train_fold(a, data, fold, out):
    items = data.items
    train_idx, test_idx, faces_idx = protocol.fold_split(items, data.views, fold)
    torch.manual_seed(a.seed)
    top = Top(protocol.trunk_torch())
    qat.enable(top)  # the published weights are on the grid already; every step keeps the shipped form
    top.eval()  # BatchNorm statistics stay the published ones
    params = [p for p in top.parameters() if p.requires_grad]
    anchor = [p.detach().clone() for p in params]
    w = torch.from_numpy(train_pyramid.sample_weights(items, train_idx, a.synth))
    steps = a.epoch_size // a.batch
    gen = torch.Generator().manual_seed(a.seed * 1009 + sum(map(ord, fold)))
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)
    lv = np.array([items[i]["live"] for i in test_idx], bool)
    res = {"fold": fold, "n_train": int(len(train_idx)), "test_idx": test_idx, "faces_idx": faces_idx}
    res["test_e0"], _ = scores(top, data, test_idx)  # the grid-rounded published top: checks the cache
    res["faces_e0"], _ = scores(top, data, faces_idx)
    _, res["test_published"] = scores(top, data, test_idx)
    _, res["faces_published"] = scores(top, data, faces_idx)
    hist, t0 = [], time.time()
    for e in range(1, a.epochs + 1):
        tot = np.zeros(3)
        for _ in range(steps):
            pick = torch.multinomial(w, a.batch, replacement=True, generator=gen).numpy()
            ii = train_idx[pick]
            views = torch.randint(0, len(data.views), (a.batch,), generator=gen).numpy()
            views = np.where([data.pos[v][i] >= 0 for v, i in zip(views, ii)], views, 0)
            f, zt, live = data.batch(ii, views)
            extra = [data.teacher_logits(k, ii, views) for k in TEACHERS[a.teacher]]
            loss, task, kd = loss_fn(top(f), zt, live, a, extra=extra)
            sp = sum(((p - p0) ** 2).sum() for p, p0 in zip(params, anchor))
            loss = loss + a.l2sp * sp
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += (loss.item(), task, kd)
        tot /= steps
        res[f"test_e{e}"], _ = scores(top, data, test_idx)
        res[f"faces_e{e}"], _ = scores(top, data, faces_idx)
        rec = {"epoch": e, "loss": tot[0], "task": tot[1], "kd": tot[2], "l2sp": float(sp)}
        if len(test_idx):
            rec["test_auc"] = common.auc(res[f"test_e{e}"][lv], res[f"test_e{e}"][~lv])
        hist.append(rec)
        print(f"{fold} " + " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()) +
              f" {time.time() - t0:.0f}s", flush=True)
        torch.save({"state": grid_state(top), "args": vars(a),
                    "fold": fold, "epoch": e}, os.path.join(out, fold, f"top-e{e}.pt"))
    res["history"] = hist
    res["seconds"] = time.time() - t0
    if len(test_idx):
        print(f"{fold} published auc {common.auc(res['test_published'][lv], res['test_published'][~lv]):.4f} "
              f"e0 auc {common.auc(res['test_e0'][lv], res['test_e0'][~lv]):.4f}", flush=True)
    return top, res


def grid_state(top):
    """The state qat.finalize would leave (every parametrized weight on the int8 grid), without touching
    top (torch 1.13 cannot deepcopy a parametrized module)."""
    out = {}
    for k, v in top.state_dict().items():
        if k.endswith("parametrizations.weight.original"):
            out[k.replace("parametrizations.weight.original", "weight")] = qat.grid(v)
        else:
            out[k] = v.clone()
    return out


def candidates(a):
    return [f"e{e}" for e in range(0, a.epochs + 1)]


def summarize(items, results, a):
    """Every candidate's train_pyramid.summarize, the nested choice of the epoch, and the chosen one."""
    folds = [f for f in results if f != "final"]
    rule = a.threshold_rule
    view = lambda c: {f: dict(r, test_scores=r[f"test_{c}"], faces_scores=r[f"faces_{c}"]) for f, r in results.items()}
    out = {"args": vars(a), "scores": {}}
    for c in candidates(a) + ["published"]:
        out["scores"][c] = train_pyramid.summarize(items, view(c), vars(a), rule=rule)
        out["scores"][c].pop("args")
    oof = {c: {f: thresholds.fold_scores(items, v) for f, v in view(c).items() if f != "final"} for c in candidates(a)}

    def pick(exclude):
        best = None
        for c in candidates(a):
            other = {k: v for k, v in oof[c].items() if k != exclude}
            t, _ = thresholds.choose(other, rule)
            ap = thresholds.weighted_rates(other, t)[0]
            if best is None or ap < best[1] - 1e-12:
                best = (c, ap, t)
        return best

    rows = {}
    for f in folds:
        c, ap, t = pick(f)
        m = train_pyramid.fold_metrics(items, view(c)[f], t)
        rows[f] = dict(m, chosen=c, chosen_other_folds_apcer=ap)
        print(f"{f:34s} chose {c:4s} (other folds' APCER {ap:.4f}) auc {m['auc']:.4f} t {t:.4f} apcer {m['apcer']:.4f} "
              f"bpcer {m['bpcer']:.4f} acer {m['acer']:.4f} faces {m['faces_accepted']:.4f}", flush=True)
    src = [f for f in folds if f.startswith("src-")]
    nuaa = [f for f in folds if f.startswith("nuaa-")]
    chosen, ap, t = pick(None)
    out["nested"] = {"rule": "per fold, the epoch (e0 = the published head) with the lowest weighted out-of-fold APCER at "
                             f"the {rule} threshold on the other folds; the fold scored with it at that threshold",
                     "headline": {"loso_worst_auc": min(rows[f]["auc"] for f in nuaa),
                                  "loso_worst_acer": max(rows[f]["acer"] for f in nuaa),
                                  "source_auc": {f[4:]: rows[f]["auc"] for f in src},
                                  "lsrco_min_auc": min(rows[f]["auc"] for f in src),
                                  "heldout_live_accepted_nested": float(np.mean([1 - rows[f]["bpcer"] for f in src])),
                                  "faces_accepted_nested_mean": float(np.mean([rows[f]["faces_accepted"] for f in folds]))},
                     "folds": rows, "chosen_on_all_folds": chosen, "chosen_all_folds_apcer": ap}
    out["chosen"] = chosen
    out["seconds"] = {f: float(r["seconds"]) for f, r in results.items()}
    out["history"] = {f: (json.loads(str(r["history"])) if not isinstance(r["history"], list) else r["history"]) for f, r in results.items()}
    out.update(folds=out["scores"][chosen]["folds"], headline=out["scores"][chosen]["headline"])
    return out


def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    data = Data()
    for kind in TEACHERS[a.teacher]:
        if data.missing(kind):
            sys.exit(f"--teacher {a.teacher} needs {data.missing(kind)}")
    out = run_dir(a)

    def save(top, fold, path):
        torch.save({"state": grid_state(top), "args": vars(a), "fold": fold}, path)

    results = protocol.run_folds(a, out, lambda fold: train_fold(a, data, fold, out), "top-last.pt", save)
    if a.cmd != "protocol":
        return
    summary = summarize(data.items, results, a)
    common.write_json(os.path.join(out, "protocol.json"), summary)
    for k, s in summary["scores"].items():
        print(k, json.dumps({x: (round(y, 4) if isinstance(y, float) else y) for x, y in s["headline"].items() if x != "rule"}))
    print("nested", json.dumps({x: (round(y, 4) if isinstance(y, float) else y) for x, y in summary["nested"]["headline"].items()}))
    c = summary["chosen"]
    if not a.no_final and c != "e0":
        shutil.copy(os.path.join(out, "final", f"top-{c}.pt"), os.path.join(out, "final", "top.pt"))
    print(f"chosen on all folds: {c}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
