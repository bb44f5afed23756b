"""Train PatchNet (Wang et al., CVPR 2022) on 32x32 patches of the 128x128 crops: patch-type
recognition over data.CLASSES with an Asymmetric AM-Softmax loss and a self-supervised similarity
loss between two views.

For every training crop (augmented as in train_psb.py, then the batch's random shift/scale/rotation),
`pairs` pairs of patches are cut at random positions; the two patches of a pair come from different
places of the same crop and get different flips/90-degree rotations and a small brightness change,
so they share only what the whole capture shares: camera, medium, material.

Loss = AAMS(view 1) + AAMS(view 2) + lam * mean(1 - cos(e1, e2)), where
AAMS = cross-entropy over s * cos(theta_j), with cos(theta_y) - m_y for the true class and
m_y = m_live for live classes, m_spoof for attack classes (m_live > m_spoof: live patches are pulled
into a tighter cluster, attacks are left spread out, which is what helps with unseen attacks).
Live and attack patches are weighted to carry half the loss each.

    /usr/bin/python3 scripts/train/train_patchnet.py [--epochs 30] [--fast] [--out DIR]
"""

import argparse
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import attacks
import common
import data
import nets


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=64, help="crops per batch (x 2 x pairs patches)")
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--widths", default="16,32,64,128")
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--scale", type=float, default=30.0, help="AM-Softmax scale s")
    p.add_argument("--m-live", type=float, default=0.4)
    p.add_argument("--m-spoof", type=float, default=0.1)
    p.add_argument("--lam", type=float, default=1.0, help="weight of the similarity loss")
    p.add_argument("--synth-frac", type=float, default=0.5)
    p.add_argument("--variants", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epoch-size", type=int, default=1536,
                   help="samples drawn (without replacement) from the epoch's pool of real + synthetic crops")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads; 1 is fastest on a shared 2-core machine (OpenMP spin-waits thrash)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--fast", action="store_true")
    p.add_argument("--out", default=os.path.join(common.WORK, "runs", "patchnet"))
    return p.parse_args(argv)


P = 32  # patch side


def cut_pairs(x, pairs, gen):
    """x [B,3,128,128] -> two views [B*pairs,3,P,P] from independent random positions, each with a
    random flip, 90-degree rotation and brightness x[0.9, 1.1]."""
    b, _, h, w = x.shape
    views = []
    for _ in range(2):
        ys = torch.randint(0, h - P + 1, (b, pairs), generator=gen)
        xs = torch.randint(0, w - P + 1, (b, pairs), generator=gen)
        ar = torch.arange(P)
        ys, xs, ar = ys.to(x.device), xs.to(x.device), ar.to(x.device)
        rows = (ys[..., None] + ar).view(b, pairs, P, 1).expand(b, pairs, P, P)
        cols = (xs[..., None] + ar).view(b, pairs, 1, P).expand(b, pairs, P, P)
        idx = (rows * w + cols).view(b, 1, pairs * P * P).expand(b, 3, pairs * P * P)
        pt = torch.gather(x.reshape(b, 3, h * w), 2, idx).view(b, 3, pairs, P, P).permute(0, 2, 1, 3, 4)
        pt = pt.reshape(b * pairs, 3, P, P)
        k = torch.randint(0, 4, (len(pt),), generator=gen).to(x.device)
        flip = (torch.rand(len(pt), generator=gen) < 0.5).to(x.device)
        out = torch.empty_like(pt)
        for r in range(4):
            for f in (False, True):
                sel = (k == r) & (flip == f)
                if sel.any():
                    t = torch.rot90(pt[sel], r, (2, 3))
                    out[sel] = t.flip(3) if f else t
        out = out * (0.9 + 0.2 * torch.rand(len(pt), 1, 1, 1, generator=gen)).to(x.device)
        views.append(out.clamp(0, 1))
    return views


def aams_loss(cos, y, live_mask, s, m_live, m_spoof, w):
    margin = torch.where(live_mask[y], torch.tensor(m_live), torch.tensor(m_spoof)).to(cos.device)
    logits = cos.clone()
    logits[torch.arange(len(y)), y] -= margin
    l = F.cross_entropy(s * logits, y, reduction="none")
    return (l * w).sum() / w.sum()


@torch.no_grad()
def predict(grid_model, imgs, device, batch=64):
    """Aggregate live score and the 4x4 maps for uint8 NHWC crops through the export graph's math
    (PatchGrid on each image)."""
    grid_model.eval()
    scores = []
    for i in range(len(imgs)):
        x = torch.from_numpy(imgs[i:i + 1]).permute(0, 3, 1, 2).float().div(255).to(device)
        s, _, _ = grid_model(data.to_input(x))
        scores.append(s.item())
    return np.array(scores)


@torch.no_grad()
def predict_batched(net, imgs, device, grid=4, batch=64):
    """Same numbers as predict(), many crops at a time."""
    net.eval()
    live = torch.zeros(net.classes, device=device)
    live[net.live_classes] = 1
    out = []
    for i in range(0, len(imgs), batch):
        x = torch.from_numpy(imgs[i:i + batch]).permute(0, 3, 1, 2).float().div(255).to(device)
        x = data.to_input(x)
        n = x.shape[0]
        p = x.shape[-1] // grid
        t = x.reshape(n, 3, grid, p, grid, p).permute(0, 2, 4, 1, 3, 5).reshape(n * grid * grid, 3, p, p)
        _, cos = net(t)
        prob = (torch.softmax(cos * net.scale, 1) @ live).view(n, grid * grid)
        out.append(prob.mean(1).cpu())
    return torch.cat(out).numpy()


def evaluate(scores, cls):
    live = scores[np.isin(cls, data.LIVE_CLASSES)]
    species = {k: scores[np.isin(cls, v)] for k, v in data.SPECIES.items()}
    return common.report(live, species, 0.5)


def build(a):
    widths = tuple(int(v) for v in a.widths.split(","))
    return nets.PatchNet(len(data.CLASSES), data.LIVE_CLASSES, widths, a.dim, a.scale)


def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    common.seed_everything(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    train = data.Split(common.TRAIN_SUBJECTS, seed=a.seed, variants=a.variants, tag="train")
    val = data.Split(common.VAL_SUBJECTS, seed=1000 + a.seed, variants=1, tag="val")
    vimgs, vcls = val.eval_set()
    print(f"data ready in {time.time() - t0:.0f}s", flush=True)
    net = build(a).to(a.device)
    live_mask = torch.zeros(len(data.CLASSES), dtype=torch.bool)
    live_mask[data.LIVE_CLASSES] = True
    live_mask = live_mask.to(a.device)
    ds = data.TrainSet(train, a.seed, a.synth_frac)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=a.wd)
    steps = min(len(ds), a.epoch_size) // a.batch
    if a.fast:
        steps, a.epochs = max(2, steps // 8), 2
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.epochs * steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(a.seed)
    history = []
    for epoch in range(a.epochs):
        net.train()
        ds.set_epoch(epoch)
        order = torch.randperm(len(ds), generator=gen)[: steps * a.batch]
        loader = torch.utils.data.DataLoader(torch.utils.data.Subset(ds, order.tolist()), batch_size=a.batch,
                                             num_workers=a.workers, drop_last=True)
        te, tot, tsim, n = time.time(), 0.0, 0.0, 0
        for x, cls, _ in loader:
            x, _ = attacks.geometry(x.to(a.device), None, gen)
            v1, v2 = cut_pairs(x, a.pairs, gen)
            y = cls.repeat_interleave(a.pairs).to(a.device)
            live = live_mask[y].float()
            w = live * (len(y) / 2 / live.sum().clamp(min=1)) + (1 - live) * (len(y) / 2 / (1 - live).sum().clamp(min=1))
            e, cos = net(data.to_input(torch.cat([v1, v2])))
            e1, e2 = e.chunk(2)
            c1, c2 = cos.chunk(2)
            l_cls = aams_loss(c1, y, live_mask, a.scale, a.m_live, a.m_spoof, w) + \
                aams_loss(c2, y, live_mask, a.scale, a.m_live, a.m_spoof, w)
            l_sim = (1 - (e1 * e2).sum(1)).mean()
            loss = l_cls + a.lam * l_sim
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
            tsim += l_sim.item()
            n += 1
        rec = {"epoch": epoch + 1, "loss": tot / max(n, 1), "sim": tsim / max(n, 1), "seconds": time.time() - te}
        if (epoch + 1) % a.eval_every == 0 or epoch + 1 == a.epochs:
            rec["val"] = v = evaluate(predict_batched(net, vimgs, a.device), vcls)
            print(f"epoch {epoch + 1} loss {rec['loss']:.4f} sim {rec['sim']:.4f} {rec['seconds']:.0f}s | val AUC all "
                  f"{v['auc_all']:.4f} print {v['auc_print_nuaa']:.4f} replay {v['auc_replay_synth']:.4f} synthprint "
                  f"{v['auc_print_synth']:.4f} ACER@0.5 {v['acer']:.4f}", flush=True)
        else:
            print(f"epoch {epoch + 1} loss {rec['loss']:.4f} sim {rec['sim']:.4f} {rec['seconds']:.0f}s", flush=True)
        history.append(rec)
    torch.save({"state": net.state_dict(), "args": vars(a)}, os.path.join(a.out, "patchnet.pt"))
    common.write_json(os.path.join(a.out, "history.json"), {"args": vars(a), "history": history,
                                                             "seconds": time.time() - t0})
    print(f"done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
