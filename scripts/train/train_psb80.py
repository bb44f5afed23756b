"""PS-B on the published MiniFASNetV2 at its own 80x80 input, fold by fold on the validation protocol
(protocol.py), and the final model on everything.

Why this shape: the published MiniFASNetV2, never trained on our data, generalises to new sources
better than any network we fine-tuned (models/README.md: fine-tuning its top at 128x128 and dropping
its head lost what carried over). So the whole published network stays as it is (conv weights on the
int8 grid, frozen) and its own head is the binary path; what we train is the pyramid binary-mask head
(Yu et al. 2020) on its frozen conv_4 map (10x10 at 80x80, AveragePool k3 s1 to the 8x8 level):
a 1x1 conv 128->H + PReLU, then per scale (8x8, 4x4, 2x2, 1x1: average pools of the 8x8 map) a 1x1
conv to one mask logit per cell. Loss: face-weighted BCE per scale (cells outside the face box carry
no loss; train_pyramid.pyramid_loss) and, for the fused score, BCE of a linear head over the 85 mask
logits and the published head's 3 class logits.

Every fold records three scores of its held-out test set, so that the protocol picks the score:
  published   the published head's live probability (softmax class 1): trained on nothing of ours
  fused       the linear head over mask logits + published logits (trained per fold)
  maps        the pyramid's 1x1 level (sigmoid of its mask logit over the whole crop)
and, where prep_psb80.py has run the published networks on other crops of the real items (untrained:
the same in every fold), the EXTRA scores, each a mean of live probabilities:
  v1se              the published MiniFASNetV1SE (Silent-Face's second model) on its own crop, face box x4.0
  ensemble          Silent-Face's own recipe: the mean of V2 (x2.7, "published") and V1SE (x4.0)
  v1se-x2.7         V1SE on V2's x2.7 crop
  ensemble-x2.7     the mean of V2 and V1SE both on the x2.7 crop (one input feeds both networks)
  published-flip    V2 on the x2.7 crop and on its mirror image, averaged
  published-sS      V2 alone on the crop of the face box xS (S = 2.2, 2.3, 2.4, 2.5, 2.6, 3.2): the crop scale
                    as a hyper-parameter of the published network on our protocol (one pass, like "published")
  published+s2.2    the mean of V2 on the x2.7 and on the x2.2 crop
  published-flip+s2.2   the mean of V2 on the x2.7 crop, its mirror image and the x2.2 crop
(the last two were added after the bona fide misses were read: rejected live frames and photos often
score live on the mirror image or the tighter crop, so averaging views should cut per-frame noise.)

and, from the heads saved by each fold (add_mixes), the MIXES: mix-sS-wW = (1 - W) * the published head's
live probability on the face box xS crop + W * the pyramid's 1x1 level on the same crop (S = 2.7, 2.2;
W = 0.1 ... 1.0), one pass of the network each.

Shipped (the defaults): since 2026-12-07 the score mix-s2.2-w0.4 under the threshold rule worst95
(thresholds.py); nested_select.py's choice among the scores that run in one pass, in 7 of 8 folds. From
2026-12-06 the score was published-s2.2 (that choice in 8 of 8 folds before the mixes were candidates),
under heldout95 and then, for a day, worst95.
The heads do not depend on the score or the rule: they train the same whatever ships.

    /usr/bin/python3 scripts/train/train_psb80.py protocol [--score NAME] [--threshold-rule RULE] [--tag T]

Needs prep_psb80.py. Writes $WORK/runs/psb80[-TAG]/<fold>/{head.pt,scores.npz} and protocol.json
(per score: folds at the nested threshold and at the shipped one, the headline figures).
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common
import prep_psb80
import protocol
import qat
import thresholds
import train_pyramid

# score -> (prep_psb80.run_logits output directories, whether V2's x2.7 score joins the mean)
EXTRA = {
    "v1se": (("p80x4-view0",), False),
    "ensemble": (("p80x4-view0",), True),
    "v1se-x2.7": (("p80-v1se-view0",), False),
    "ensemble-x2.7": (("p80-v1se-view0",), True),
    "published-flip": (("p80-v2flip-view0",), True),
    "published-s2.2": (("p80-v2s2.2-view0",), False),
    "published-s2.3": (("p80-v2s2.3-view0",), False),
    "published-s2.4": (("p80-v2s2.4-view0",), False),
    "published-s2.5": (("p80-v2s2.5-view0",), False),
    "published-s2.6": (("p80-v2s2.6-view0",), False),
    "published-s3.2": (("p80-v2s3.2-view0",), False),
    "published+s2.2": (("p80-v2s2.2-view0",), True),
    "published-flip+s2.2": (("p80-v2flip-view0", "p80-v2s2.2-view0"), True),
}
# The published head's live probability mixed with the pyramid's own 1x1 level, both from one pass of the
# network on the crop of the face box xS: (1 - w) * published + w * 1x1 level. The heads train on the x2.7
# crop (the recipe); at x2.2 ... x2.6 each fold's heads are applied to prep_psb80.py's features of that crop,
# as the shipped graph applies them to its crop.
MIX_SCALES = (prep_psb80.SCALE,) + prep_psb80.MIX_SCALES
MIX_WEIGHTS = tuple(round(0.1 * i, 1) for i in range(1, 11))


def mix_name(scale, w):
    return f"mix-s{common._g64(scale)}-w{w:g}"


MIXES = {mix_name(s, w): (s, w) for s in MIX_SCALES for w in MIX_WEIGHTS}
SCORES = ("published", "fused", "maps") + tuple(EXTRA) + tuple(MIXES)
SHIPPED_SCORE, SHIPPED_RULE = "mix-s2.2-w0.4", "worst95"


def one_pass_scale(score, heads_scale=None):
    """The crop scale at which score is the published head's live probability in one pass of the
    network (None for the scores that need more passes or another network, which cannot ship as psb-80);
    "published" is V2 on the crop the heads were trained at (heads_scale, default the psb crop's)."""
    if score == "published":
        return heads_scale or protocol.CFG["scale"]
    if score.startswith("published-s") and score in EXTRA and not EXTRA[score][1]:
        return float(score[len("published-s"):])
    if score in MIXES:
        return MIXES[score][0]
    return None


@torch.no_grad()
def mask_logits(head, feats, idx):
    """The pyramid's mask logits per scale (8x8, 4x4, 2x2, 1x1) of head on the items idx of feats
    [N,128*8*8], prep_psb80.py's cached conv_4 features of one crop."""
    idx = np.asarray(idx, int)
    x = torch.from_numpy(np.asarray(feats[idx], np.float32).reshape(len(idx), 128, 8, 8))
    head.eval()
    logits, _ = head(x, torch.zeros(len(idx), 3))
    return logits


def level1(head, feats, idx):
    """The live probability of the pyramid's 1x1 level (head) on the items idx of feats [N,128*8*8]."""
    return torch.sigmoid(mask_logits(head, feats, idx)[3].flatten()).numpy()


def add_mixes(heads_scale, run, results):
    """Adds the MIXES scores to every fold's (and the final model's) results, from its saved heads: at the
    crop the heads trained on, the published and maps scores; at another crop scale S, the published head
    on the xS crop and the heads on prep_psb80.py's features of it (a scale without them is skipped)."""
    if heads_scale != prep_psb80.SCALE:
        return  # the mixes are defined for the recipe's heads, trained on the x2.7 crop
    feats = {}
    for s in MIX_SCALES:
        p = os.path.join(protocol.work_dir(), prep_psb80.view_dir(s) + "-view0", "feats.npy")
        if s != heads_scale and os.path.exists(p):
            feats[s] = np.load(p, mmap_mode="r")
    for fold, r in results.items():
        head = None
        for s in MIX_SCALES:
            pub = "published" if s == heads_scale else f"published-s{common._g64(s)}"
            for part in ("test", "faces"):
                if f"{part}_{pub}" not in r or (s != heads_scale and s not in feats):
                    continue
                if s == heads_scale:
                    maps = r[f"{part}_maps"]
                else:
                    if head is None:
                        head = load_head(os.path.join(run, fold, "head.pt"))[0]
                    maps = level1(head, feats[s], r[f"{part}_idx"])
                for w in MIX_WEIGHTS:
                    r[f"{part}_{mix_name(s, w)}"] = (1 - w) * np.asarray(r[f"{part}_{pub}"]) + w * maps


def extra_logits(wd, n_real):
    """directory -> [n_real,3] class logits of the real items, for every directory EXTRA names that
    prep_psb80.py has made."""
    z = {}
    for d in sorted({d for dirs, _ in EXTRA.values() for d in dirs}):
        p = os.path.join(wd, d, "logits.npy")
        if os.path.exists(p):
            z[d] = torch.from_numpy(np.load(p))
            assert len(z[d]) == n_real
    return z


class Head(nn.Module):
    """The trained part: pyramid mask heads on the pooled conv_4 map and the fused linear head."""

    SCALES = (8, 4, 2, 1)

    def __init__(self, hidden=64):
        super().__init__()
        self.hidden = nn.Conv2d(128, hidden, 1)
        self.act = nn.PReLU(hidden)
        self.mask = nn.ModuleList([nn.Conv2d(hidden, 1, 1) for _ in self.SCALES])
        self.fused = nn.Linear(sum(s * s for s in self.SCALES) + 3, 1)

    def forward(self, f8, z):
        """f8 [N,128,8,8] pooled conv_4 map, z [N,3] published logits -> (mask logits per scale, fused logit)."""
        h = self.act(self.hidden(f8))
        logits = []
        for conv, s in zip(self.mask, self.SCALES):
            k = 8 // s
            logits.append(conv(h if k == 1 else F.avg_pool2d(h, k)))
        flat = torch.cat([m.flatten(1) for m in logits] + [z], 1)
        return logits, self.fused(flat)


def load_head(path):
    """A trained Head from a train_psb80.py head.pt, and the args of the run that made it."""
    ck = torch.load(path, map_location="cpu")
    head = Head(ck["args"]["hidden"])
    head.load_state_dict(ck["state"])
    return head.eval(), ck["args"]


def published_p(z):
    return torch.softmax(z, 1)[:, 1]


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["protocol", "fold"])
    p.add_argument("fold", nargs="?", default="")
    p.add_argument("--score", choices=SCORES, default=SHIPPED_SCORE, help="the shipped score (the protocol reports all)")
    p.add_argument("--threshold-rule", choices=sorted(thresholds.RULES), default=SHIPPED_RULE)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--epoch-size", type=int, default=4096)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--wd", type=float, default=1e-3)
    p.add_argument("--synth", type=float, default=0.25)
    p.add_argument("--clean", action="store_true", help="clean crops only (no camera views)")
    p.add_argument("--qat-epochs", type=int, default=1)
    p.add_argument("--qat-lr", type=float, default=3e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mixstyle", type=float, default=0.0,
                   help="probability per batch of MixStyle (Zhou et al., ICLR 2021) on the conv_4 map: each draw's "
                        "per-channel mean and std mixed with those of a draw from another source")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-final", action="store_true")
    p.add_argument("--tag", default="")
    p.add_argument("--scale", type=float, default=prep_psb80.SCALE,
                   help="train the heads on the features of the face box x SCALE crops (prep_psb80.py --scale); "
                        "\"published\" is then V2 on that crop")
    return p.parse_args(argv)


def run_dir(a):
    # Another crop scale gets its own directory: run_folds reads back whatever heads a directory holds.
    scale = "" if a.scale == prep_psb80.SCALE else f"-x{a.scale:g}"
    return os.path.join(common.WORK, "runs", "psb80" + scale + (f"-{a.tag}" if a.tag else ""))


class Data:
    """Items and per-view (item indices, feats, cover, logits) from prep_psb80.py: view 0 the clean crop
    (real items: cropped straight at 80x80 as the run-time pipeline does; synthetic attacks: via the
    128x128 crop), view 1 the camera views of every training item, view 2 the real items' clean crop
    via the 128x128 crop (training only: so that resampling blur marks neither class)."""

    def __init__(self, views, scale=prep_psb80.SCALE):
        protocol.use("psb")
        self.scale = scale
        prefix = prep_psb80.view_dir(scale)
        wd = protocol.work_dir()
        items = list(np.load(os.path.join(wd, "real.npz"), allow_pickle=True)["items"])
        n_real = len(items)
        items += list(np.load(os.path.join(wd, "synth.npz"), allow_pickle=True)["items"])
        self.items = items
        self.n_real = n_real
        self.z_extra = extra_logits(wd, n_real)
        def ld(d):
            f, c, z = (np.load(os.path.join(wd, d, k + ".npy")) for k in ("feats", "cover", "logits"))
            return f.reshape(len(f), 128, 8, 8), c, z
        f0, c0, z0 = ld(prefix + "-view0")
        fs, cs, zs = ld(prefix + "-view0-synth")
        self.views = {0: (np.arange(len(items)), np.concatenate([f0, fs]), np.concatenate([c0, cs]), np.concatenate([z0, zs]))}
        assert len(f0) == n_real and len(self.views[0][1]) == len(items)
        for v in range(1, views + 1):
            f, c, z = ld(f"{prefix}-view{v}")
            self.views[v] = (np.array([i for i, it in enumerate(items) if it["source"] != "faces"]), f, c, z)
        if views:
            f, c, z = ld(prefix + "-view0-via128")
            self.views[views + 1] = (np.arange(n_real), f, c, z)
        self.pos = {}
        for v, (idx, *_) in self.views.items():
            p = np.full(len(items), -1)
            p[idx] = np.arange(len(idx))
            self.pos[v] = p

    def batch(self, item_idx, view_of):
        fs, cs, zs = [], [], []
        for i, v in zip(item_idx, view_of):
            _, f, c, z = self.views[v]
            k = self.pos[v][i]
            fs.append(f[k])
            cs.append(c[k])
            zs.append(z[k])
        live = torch.tensor([1.0 if self.items[i]["live"] else 0.0 for i in item_idx])
        t = lambda x: torch.from_numpy(np.stack(x).astype(np.float32))
        return t(fs), t(cs), t(zs), live


@torch.no_grad()
def score_all(head, data, item_idx, batch=1024):
    """{score name: [N]} for the clean view of item_idx."""
    head.eval()
    out = {k: [] for k in ("published", "fused", "maps")}
    for s in range(0, len(item_idx), batch):
        ii = item_idx[s:s + batch]
        f, c, z, _ = data.batch(ii, [0] * len(ii))
        logits, b = head(f, z)
        out["published"].append(published_p(z))
        out["fused"].append(torch.sigmoid(b).squeeze(1))
        out["maps"].append(torch.sigmoid(logits[3].flatten()))
    out = {k: (torch.cat(v).numpy() if v else np.zeros(0)) for k, v in out.items()}
    out.update(extra_scores(data, item_idx, out["published"]))
    return out


def extra_scores(data, item_idx, published):
    """The EXTRA scores of real items item_idx (untrained: the same in every fold), given V2's x2.7
    live probabilities of the same items; a score whose logits prep_psb80.py has not made is left out."""
    out, idx = {}, np.asarray(item_idx, int)
    assert len(idx) == 0 or idx.max() < data.n_real  # test sets and photos are real crops
    for k, (dirs, with_v2) in EXTRA.items():
        if not all(d in data.z_extra for d in dirs):
            continue
        if with_v2 and getattr(data, "scale", prep_psb80.SCALE) != prep_psb80.SCALE:
            continue  # these means are defined with V2 on the x2.7 crop, which "published" then is not
        ps = [published_p(data.z_extra[d][idx]).numpy() if len(idx) else np.zeros(0) for d in dirs]
        if with_v2:
            ps.append(np.asarray(published))
        out[k] = np.mean(ps, 0) if len(idx) else np.zeros(0)
    return out


def mixstyle(f, sources, gen, alpha=0.1, eps=1e-6):
    """MixStyle on f [N,C,H,W]: each draw's channel statistics (mean, std over the cells; the feature
    map's "style": light, colour, sensor) are replaced by a Beta(alpha, alpha) mix of its own and those of
    a partner draw from another capture source where the batch has one, so that the heads cannot key on
    the statistics of a room or webcam. Training only; inference is unchanged."""
    n = len(f)
    src = np.asarray(sources)
    perm = torch.randperm(n, generator=gen).numpy()
    # Prefer a partner from another source: a second shuffle for the draws the first paired within one.
    same = src[perm] == src
    if same.any():
        alt = torch.randperm(n, generator=gen).numpy()
        perm = np.where(same & (src[alt] != src), alt, perm)
    mu = f.mean((2, 3), keepdim=True)
    sig = (f.var((2, 3), keepdim=True) + eps).sqrt()
    norm = (f - mu) / sig
    lam = torch.distributions.Beta(alpha, alpha).sample((n, 1, 1, 1))
    p = torch.from_numpy(perm)
    return norm * (lam * sig + (1 - lam) * sig[p]) + lam * mu + (1 - lam) * mu[p]


def train_fold(a, data, fold):
    items = data.items
    train_idx, test_idx, faces_idx = protocol.fold_split(items, data.views, fold, a.clean)
    torch.manual_seed(a.seed)
    head = Head(a.hidden)
    w = torch.from_numpy(train_pyramid.sample_weights(items, train_idx, a.synth))
    steps = a.epoch_size // a.batch
    gen = torch.Generator().manual_seed(a.seed * 1009 + sum(map(ord, fold)))

    def epoch(opt, sched):
        head.train()
        tot = 0.0
        for _ in range(steps):
            pick = torch.multinomial(w, a.batch, replacement=True, generator=gen).numpy()
            ii = train_idx[pick]
            views = np.zeros(a.batch, int) if a.clean else torch.randint(0, len(data.views), (a.batch,), generator=gen).numpy()
            # A view an item does not have (view 2 of a synthetic attack): its clean crop.
            views = np.where([data.pos[v][i] >= 0 for v, i in zip(views, ii)], views, 0)
            f, c, z, live = data.batch(ii, views)
            if a.mixstyle and torch.rand(1, generator=gen).item() < a.mixstyle:
                f = mixstyle(f, [items[i]["source"] for i in ii], gen)
            logits, b = head(f, z)
            loss = train_pyramid.pyramid_loss(logits, b, c, live)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        return tot / steps

    opt = torch.optim.AdamW(head.parameters(), lr=a.lr, weight_decay=a.wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.epochs * steps, pct_start=0.2)
    hist, t0 = [], time.time()
    lv = np.array([items[i]["live"] for i in test_idx], bool)
    for e in range(a.epochs):
        rec = {"epoch": e + 1, "loss": epoch(opt, sched)}
        if len(test_idx) and ((e + 1) % 4 == 0 or e + 1 == a.epochs):
            s = score_all(head, data, test_idx)
            rec.update({f"test_auc_{k}": common.auc(v[lv], v[~lv]) for k, v in s.items()})
        hist.append(rec)
        print(f"{fold} " + " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()) +
              f" {time.time() - t0:.0f}s", flush=True)
    if a.qat_epochs:
        qat.enable(head)
        opt = torch.optim.AdamW(head.parameters(), lr=a.qat_lr, weight_decay=a.wd)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.qat_epochs * steps)
        for e in range(a.qat_epochs):
            hist.append({"qat_epoch": e + 1, "loss": epoch(opt, sched)})
        qat.finalize(head)
    res = {"fold": fold, "n_train": int(len(train_idx)), "history": hist, "seconds": time.time() - t0,
           "test_idx": test_idx, "faces_idx": faces_idx}
    for k, v in score_all(head, data, test_idx).items():
        res[f"test_{k}"] = v
    for k, v in score_all(head, data, faces_idx).items():
        res[f"faces_{k}"] = v
    return head, res


def summarize(items, results, args, rule):
    """protocol.json: for every score the train_pyramid.summarize figures under the threshold rule."""
    out = {"args": args, "scores": {}}
    for k in [k for k in SCORES if all(f"test_{k}" in r for r in results.values())]:
        view = {f: dict(r, test_scores=r[f"test_{k}"], faces_scores=r[f"faces_{k}"]) for f, r in results.items()}
        out["scores"][k] = train_pyramid.summarize(items, view, args, rule=rule)
        out["scores"][k].pop("args")
    if args["score"] not in out["scores"]:
        raise SystemExit(f"train_psb80: the score {args['score']!r} was not scored in every fold; a mix at a crop "
                         "scale needs prep_psb80.py's features of that crop (run prep_psb80.py)")
    # The shipped score's rows at the top level, in train_pyramid.summarize's layout (card_tables.py).
    out.update(folds=out["scores"][args["score"]]["folds"], headline=out["scores"][args["score"]]["headline"])
    return out


def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    data = Data(0 if a.clean else 1, a.scale)
    out = run_dir(a)

    def save(head, fold, path):
        torch.save({"state": head.state_dict(), "args": vars(a), "fold": fold}, path)

    results = protocol.run_folds(a, out, lambda fold: train_fold(a, data, fold), "head.pt", save)
    if a.cmd != "protocol":
        return
    for r in results.values():  # a fold read back from a run made before prep scored V1SE
        for part in ("test", "faces"):
            r.update({f"{part}_{k}": v for k, v in extra_scores(data, r[f"{part}_idx"], r[f"{part}_published"]).items()})
    add_mixes(data.scale, out, results)
    summary = summarize(data.items, results, vars(a), a.threshold_rule)
    common.write_json(os.path.join(out, "protocol.json"), summary)
    for k, s in summary["scores"].items():
        print(k, json.dumps({x: (round(y, 4) if isinstance(y, float) else y) for x, y in s["headline"].items() if x != "rule"}))


if __name__ == "__main__":
    sys.exit(main())
