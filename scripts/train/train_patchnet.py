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

    /usr/bin/python3 scripts/train/train_patchnet.py [--epochs 24] [--fast] [--out DIR]
"""

import argparse
import os
import time

import torch
import torch.nn.functional as F

import attacks
import common
import data
import nets
import qat


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=24)
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
    p.add_argument("--crop-scale", type=float, default=1.0, help="box scale of the crop (make-crops.sh)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epoch-size", type=int, default=1536,
                   help="samples drawn (without replacement) from the epoch's pool of real + synthetic crops")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads; 1 is fastest on a shared 2-core machine (OpenMP spin-waits thrash)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--eval-every", type=int, default=4)
    p.add_argument("--classes", choices=sorted(data.CLASS_SETS), default="coarse",
                   help="patch-type classes: coarse (4: live, NUAA print, synthetic replay, synthetic print) or fine (6: live by session, NUAA print still/moved, synthetic replay, synthetic print)")
    p.add_argument("--qat-epochs", type=int, default=4, help="weight-quantization-aware epochs after training (qat.py)")
    p.add_argument("--qat-lr", type=float, default=3e-4)
    p.add_argument("--init", default="", help="start the QAT phase from this patchnet-float.pt (skips the main phase)")
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
def predict_batched(net, imgs, device, grid=4, batch=64):
    """Aggregate live score of uint8 NHWC crops: the export graph's math (nets.PatchGrid), many crops
    at a time."""
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


def build(args):
    """The PatchNet of a run's arguments (a dict or argparse namespace)."""
    g = args if isinstance(args, dict) else vars(args)
    names, live, _ = data.CLASS_SETS[g.get("classes", "fine")]
    widths = tuple(int(v) for v in g["widths"].split(","))
    return nets.PatchNet(len(names), live, widths, g["dim"], g["scale"])


def load(path):
    ck = torch.load(path, map_location="cpu")
    net = build(ck["args"])
    fz = ck["state"].get("cls.frozen")
    if fz is not None and fz.numel():
        net.cls.frozen = torch.zeros_like(fz)
    net.load_state_dict(ck["state"])
    return net, ck["args"]


def run_epoch(net, ds, opt, sched, gen, epoch, steps, a, cmap, live_mask, freeze_bn=False):
    net.train()
    if freeze_bn:
        qat.freeze_bn(net)
    ds.set_epoch(epoch)
    order = torch.randperm(len(ds), generator=gen)[: steps * a.batch]
    loader = torch.utils.data.DataLoader(torch.utils.data.Subset(ds, order.tolist()), batch_size=a.batch,
                                         num_workers=a.workers, drop_last=True)
    tot, tsim, n = 0.0, 0.0, 0
    for x, cls, _ in loader:
        x, _ = attacks.geometry(x.to(a.device), None, gen)
        v1, v2 = cut_pairs(x, a.pairs, gen)
        y = cmap[cls].repeat_interleave(a.pairs).to(a.device)
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
    return tot / max(n, 1), tsim / max(n, 1)


def log_epoch(tag, rec, v=None):
    line = f"{tag} {rec['epoch']} loss {rec['loss']:.4f} sim {rec['sim']:.4f} {rec['seconds']:.0f}s"
    if v:
        line += " | " + data.val_summary(v)
    print(line, flush=True)


def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    common.set_crop_scale(a.crop_scale)
    common.seed_everything(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    train = data.Split(common.TRAIN_SUBJECTS, seed=a.seed, variants=a.variants, tag="train")
    val = data.Split(common.VAL_SUBJECTS, seed=1000 + a.seed, variants=1, tag="val")
    vimgs, vcls = val.eval_set()
    print(f"data ready in {time.time() - t0:.0f}s", flush=True)
    net = build(a).to(a.device)
    names, live_classes, cmap = data.CLASS_SETS[a.classes]
    cmap = torch.tensor(cmap)
    live_mask = torch.zeros(len(names), dtype=torch.bool)
    live_mask[live_classes] = True
    live_mask = live_mask.to(a.device)
    ds = data.TrainSet(train, a.seed, a.synth_frac)
    steps = min(len(ds), a.epoch_size) // a.batch
    if a.fast:
        steps, a.epochs, a.qat_epochs = max(2, steps // 8), 2, min(a.qat_epochs, 1)
    history = []
    if a.init:
        net, _ = load(a.init)
    else:
        opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=a.wd)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.epochs * steps, pct_start=0.15)
        gen = torch.Generator().manual_seed(a.seed)
        for epoch in range(a.epochs):
            te = time.time()
            l, sim = run_epoch(net, ds, opt, sched, gen, epoch, steps, a, cmap, live_mask)
            rec = {"epoch": epoch + 1, "loss": l, "sim": sim, "seconds": time.time() - te}
            if (epoch + 1) % a.eval_every == 0 or epoch + 1 == a.epochs:
                rec["val"] = data.species_report(predict_batched(net, vimgs, a.device), vcls)
            log_epoch("epoch", rec, rec.get("val"))
            history.append(rec)
        torch.save({"state": net.state_dict(), "args": vars(a)}, os.path.join(a.out, "patchnet-float.pt"))
    result = {"args": vars(a), "history": history}
    if a.qat_epochs:
        result["val_before_qat"] = data.species_report(predict_batched(net, vimgs, a.device), vcls)
        qat.enable(net)
        result["val_before_qat_int8_grid"] = data.species_report(predict_batched(net, vimgs, a.device), vcls)
        opt = torch.optim.AdamW(net.parameters(), lr=a.qat_lr, weight_decay=a.wd)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.qat_epochs * steps)
        gen = torch.Generator().manual_seed(a.seed * 7919 + 1)
        for e in range(a.qat_epochs):
            te = time.time()
            l, sim = run_epoch(net, ds, opt, sched, gen, 1000 + e, steps, a, cmap, live_mask, freeze_bn=True)
            rec = {"epoch": e + 1, "loss": l, "sim": sim, "seconds": time.time() - te}
            log_epoch("qat epoch", rec)
            result.setdefault("qat_history", []).append(rec)
        qat.finalize(net)
        result["val_after_qat"] = data.species_report(predict_batched(net, vimgs, a.device), vcls)
        for k in ("val_before_qat", "val_before_qat_int8_grid", "val_after_qat"):
            log_epoch(k, {"epoch": "", "loss": 0, "sim": 0, "seconds": 0}, result[k])
    torch.save({"state": net.state_dict(), "args": vars(a)}, os.path.join(a.out, "patchnet.pt"))
    result["seconds"] = time.time() - t0
    common.write_json(os.path.join(a.out, "history.json"), result)
    print(f"done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
