"""Train PatchNet (Wang et al., CVPR 2022) on the pretrained MiniFASNetV2 trunk, fold by fold on the
validation protocol (protocol.py, crop "patch": the face box at 128x128, a 4x4 grid of 32x32
patches), and the final model on everything.

Every patch goes through the trunk on its own (conv1..conv_45, Silent-Face's weights on the int8 grid,
frozen and cached by `protocol.py prep --crop patch`); the trained encoder is conv_5 and conv_6_sep
(from the published weights), a global average pool, a linear projection to D and an L2 norm; a
cosine classifier recognises the patch type: the capture (each training source's camera is its own
live class) or the attack material (NUAA prints, each source's real replays, synthetic replays,
synthetic prints). The live probability of a patch is the softmax mass of the live classes.

Loss = Asymmetric AM-Softmax over both views (s * cos with the margin m_live on live classes, the
smaller m_spoof on attack classes: live patches form tight clusters, attacks may spread) +
lam * self-supervised similarity, 1 - cos(e1, e2), between two different patches of the same crop
seen in two different camera views (augmentations). Draw weights as train_pyramid.py.

    /usr/bin/python3 scripts/train/train_patchnet.py protocol [--epochs 8 ...]

Writes $WORK/runs/patchnet[-TAG]/<fold>/{head.pt,scores.npz} and protocol.json, as train_pyramid.py.
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
import minifasnet
import nets
import protocol
import qat
import train_pyramid


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["protocol", "fold"])
    p.add_argument("fold", nargs="?", default="")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--epoch-size", type=int, default=2048, help="crops per epoch")
    p.add_argument("--batch", type=int, default=64, help="crops per batch")
    p.add_argument("--pairs", type=int, default=4, help="patch pairs per crop")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--scale", type=float, default=30.0)
    p.add_argument("--m-live", type=float, default=0.4)
    p.add_argument("--m-spoof", type=float, default=0.1)
    p.add_argument("--lam", type=float, default=1.0)
    p.add_argument("--clean", action="store_true", help="train on the clean crops only (no camera views: an ablation)")
    p.add_argument("--views", type=int, default=1, help="camera views per crop made by protocol.py prep")
    p.add_argument("--synth", type=float, default=0.25)
    p.add_argument("--qat-epochs", type=int, default=1)
    p.add_argument("--qat-lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-final", action="store_true", help="protocol folds only (experiments)")
    p.add_argument("--tag", default="")
    return p.parse_args(argv)


class PatchHead(nn.Module):
    """conv_5, conv_6_sep, average pool, projection to dim, L2 norm; cosine classifier over classes."""

    def __init__(self, classes, live_classes, dim=128, scale=30.0):
        super().__init__()
        h5 = minifasnet.HIDDEN["v2"][2]
        self.conv_5 = minifasnet.Stage(128, h5, False)
        self.conv_6_sep = minifasnet.ConvBNAct(128, 512, 1)
        self.proj = nn.Linear(512, dim)
        self.cls = nets.CosineClassifier(dim, len(classes))
        self.classes = list(classes)
        self.live_classes = list(live_classes)
        self.scale = scale

    def load_pretrained(self, state):
        own = {k: v for k, v in state.items() if k.split(".")[0] in ("conv_5", "conv_6_sep")}
        self.load_state_dict(own, strict=False)

    def embed(self, f):
        f = self.conv_6_sep(self.conv_5(f)).mean((2, 3))
        return nets.l2norm(self.proj(f))

    def forward(self, f):
        e = self.embed(f)
        return e, self.cls(e)

    def live_prob(self, cos):
        live = torch.zeros(len(self.classes), device=cos.device)
        live[self.live_classes] = 1
        return torch.softmax(cos * self.scale, 1) @ live


class PatchNetExport(nn.Module):
    """[1,3,128,128] crop -> 4x4 patches (Reshape/Transpose) -> trunk + head per patch -> score [1,1]
    (mean patch live probability), patch_map [1,1,4,4], embedding [16,D] (row-major patches)."""

    def __init__(self, trunk, head, size=128, grid=4):
        super().__init__()
        self.trunk = nn.Sequential(*[getattr(trunk, n) for n in minifasnet.PyramidNet.TRUNK])
        self.head, self.grid, self.p = head, grid, size // grid
        live = torch.zeros(len(head.classes), 1)
        live[head.live_classes] = 1.0
        self.register_buffer("live", live)

    def forward(self, x):
        g, p = self.grid, self.p
        t = x.reshape(3, g, p, g, p).permute(1, 3, 0, 2, 4).reshape(g * g, 3, p, p)
        e, cos = self.head(self.trunk(t))
        prob = torch.softmax(cos * self.head.scale, 1) @ self.live
        return prob.mean(0, keepdim=True), prob.reshape(1, 1, g, g), e


def class_of(it):
    if it["live"]:
        return "live_" + it["source"]
    return it["species"]


def aams(cos, y, live_mask, a, w):
    margin = torch.where(live_mask[y], torch.tensor(a.m_live), torch.tensor(a.m_spoof))
    logits = cos.clone()
    logits[torch.arange(len(y)), y] -= margin
    l = F.cross_entropy(a.scale * logits, y, reduction="none")
    return (l * w).sum() / w.sum()


class Data(train_pyramid.Data):
    def patches(self, item_idx, view_of):
        f, _, _ = self.batch(item_idx, view_of)  # [N,16,128,2,2]
        return f


@torch.no_grad()
def score(head, data, item_idx, batch=128):
    head.eval()
    out, emb = [], []
    for s in range(0, len(item_idx), batch):
        ii = item_idx[s:s + batch]
        f = data.patches(ii, [0] * len(ii))
        n = f.shape[0]
        e, cos = head(f.reshape(n * 16, *f.shape[2:]))
        out.append(head.live_prob(cos).view(n, 16).mean(1))
    return torch.cat(out).numpy() if out else np.zeros(0)


def train_fold(a, data, fold):
    items = data.items
    train_idx, test_idx, faces_idx = protocol.fold_split(items, data.views, fold, a.clean)
    names = sorted({class_of(items[i]) for i in train_idx}, key=lambda c: (not c.startswith("live_"), c))
    cid = {c: k for k, c in enumerate(names)}
    live_classes = [k for k, c in enumerate(names) if c.startswith("live_")]
    live_mask = torch.zeros(len(names), dtype=torch.bool)
    live_mask[live_classes] = True
    ylab = np.array([cid[class_of(items[i])] for i in train_idx])
    torch.manual_seed(a.seed)
    head = PatchHead(names, live_classes, a.dim, a.scale)
    head.load_pretrained(minifasnet.load_state(minifasnet.WEIGHTS["v2"]))
    w = torch.from_numpy(train_pyramid.sample_weights(items, train_idx, a.synth))
    steps = a.epoch_size // a.batch
    gen = torch.Generator().manual_seed(a.seed * 2003 + sum(map(ord, fold)))

    def epoch(opt, sched, freeze_bn=False):
        head.train()
        if freeze_bn:
            qat.freeze_bn(head)
        tot = tsim = 0.0
        for _ in range(steps):
            pick = torch.multinomial(w, a.batch, replacement=True, generator=gen).numpy()
            if a.clean:
                v1 = v2 = torch.zeros(a.batch, dtype=torch.long)
            else:
                # Two different views of the crop (the clean one counts): different augmentations.
                v1 = torch.randint(0, a.views + 1, (a.batch,), generator=gen)
                v2 = (v1 + torch.randint(1, a.views + 1, (a.batch,), generator=gen)) % (a.views + 1)
            f1 = data.patches(train_idx[pick], v1.numpy())
            f2 = data.patches(train_idx[pick], v2.numpy())
            # Two different patches of the same crop, one from each view.
            p1 = torch.stack([torch.randperm(16, generator=gen)[: a.pairs] for _ in range(a.batch)])
            p2 = (p1 + torch.randint(1, 16, p1.shape, generator=gen)) % 16
            ar = torch.arange(a.batch)[:, None]
            x = torch.cat([f1[ar, p1].reshape(-1, *f1.shape[2:]), f2[ar, p2].reshape(-1, *f2.shape[2:])])
            y = torch.from_numpy(ylab[pick]).repeat_interleave(a.pairs)
            e, cos = head(x)
            e1, e2 = e.chunk(2)
            c1, c2 = cos.chunk(2)
            live = live_mask[y].float()
            wt = live * (len(y) / 2 / live.sum().clamp(min=1)) + (1 - live) * (len(y) / 2 / (1 - live).sum().clamp(min=1))
            l_sim = (1 - (e1 * e2).sum(1)).mean()
            loss = aams(c1, y, live_mask, a, wt) + aams(c2, y, live_mask, a, wt) + a.lam * l_sim
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
            tsim += l_sim.item()
        return tot / steps, tsim / steps

    opt = torch.optim.AdamW(head.parameters(), lr=a.lr, weight_decay=a.wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.epochs * steps, pct_start=0.2)
    hist = []
    t0 = time.time()
    for e in range(a.epochs):
        l, sim = epoch(opt, sched)
        rec = {"epoch": e + 1, "loss": l, "sim": sim}
        if len(test_idx) and ((e + 1) % 4 == 0 or e + 1 == a.epochs):
            s = score(head, data, test_idx)
            lv = np.array([items[i]["live"] for i in test_idx])
            rec["test_auc"] = common.auc(s[lv], s[~lv])
        hist.append(rec)
        print(f"{fold} epoch {e + 1} loss {l:.4f} sim {sim:.4f}" + (f" test AUC {rec['test_auc']:.4f}" if "test_auc" in rec else "") +
              f" {time.time() - t0:.0f}s", flush=True)
    if a.qat_epochs:
        qat.enable(head)
        opt = torch.optim.AdamW(head.parameters(), lr=a.qat_lr, weight_decay=a.wd)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.qat_epochs * steps)
        for e in range(a.qat_epochs):
            l, sim = epoch(opt, sched, freeze_bn=True)
            hist.append({"qat_epoch": e + 1, "loss": l, "sim": sim})
        qat.finalize(head)
    res = {"fold": fold, "n_train": int(len(train_idx)), "history": hist, "seconds": time.time() - t0,
           "classes": names, "test_idx": test_idx, "test_scores": score(head, data, test_idx),
           "faces_idx": faces_idx, "faces_scores": score(head, data, faces_idx)}
    return head, res


def load_head(path):
    ck = torch.load(path, map_location="cpu")
    head = PatchHead(ck["classes"], ck["live_classes"], ck["args"]["dim"], ck["args"]["scale"])
    fz = ck["state"].get("cls.frozen")
    if fz is not None and fz.numel():
        head.cls.frozen = torch.zeros_like(fz)
    head.load_state_dict(ck["state"])
    return head.eval(), ck["args"]


def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    protocol.use("patch")
    data = Data(0 if a.clean else a.views)
    out = os.path.join(common.WORK, "runs", "patchnet" + (f"-{a.tag}" if a.tag else ""))

    def save(head, fold, path):
        torch.save({"state": head.state_dict(), "args": vars(a), "fold": fold, "classes": head.classes,
                    "live_classes": head.live_classes}, path)

    results = protocol.run_folds(a, out, lambda fold: train_fold(a, data, fold), "head.pt", save)
    if a.cmd != "protocol":
        return
    summary = train_pyramid.summarize(data.items, results, vars(a))
    common.write_json(os.path.join(out, "protocol.json"), summary)
    print(json.dumps(summary["headline"], indent=1))


if __name__ == "__main__":
    sys.exit(main())
