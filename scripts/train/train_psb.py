"""Train PS-B: Pyramid Supervision with binary-mask labels (Yu et al. 2020) on a MobileNetV2-style
backbone at 128x128 (nets.PSB), on the NUAA training subjects plus synthetic attacks.

Loss = sum over scales (8x8, 4x4, 2x2, 1x1) of the mean BCE between the mask logits and the mask
label pooled to that scale (live: 1 on the face box, 0 elsewhere; attacks: 0 everywhere) + BCE of
the binary head. Live and attack samples are weighted so that each class carries half the loss.

    /usr/bin/python3 scripts/train/train_psb.py [--epochs 24] [--fast] [--out DIR]

Then --qat-epochs of weight-quantization-aware fine-tuning (qat.py) so that the int8 file equals the
float one. Writes DIR/psb-float.pt (before QAT), DIR/psb.pt (the shipped weights) and
DIR/history.json (per-epoch loss, held-out metrics before/after QAT).
"""

import argparse
import json
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
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--width", type=float, default=0.5)
    p.add_argument("--last", type=int, default=384)
    p.add_argument("--synth-frac", type=float, default=0.5)
    p.add_argument("--variants", type=int, default=2, help="synthetic variants per live training crop")
    p.add_argument("--crop-scale", type=float, default=1.5, help="box scale of the crop (make-crops.sh)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epoch-size", type=int, default=1536,
                   help="samples drawn (without replacement) from the epoch's pool of real + synthetic crops")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads; 1 is fastest on a shared 2-core machine (OpenMP spin-waits thrash)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--eval-every", type=int, default=4)
    p.add_argument("--qat-epochs", type=int, default=4, help="weight-quantization-aware epochs after training (qat.py)")
    p.add_argument("--qat-lr", type=float, default=3e-4)
    p.add_argument("--init", default="", help="start the QAT phase from this psb-float.pt (skips the main phase)")
    p.add_argument("--fast", action="store_true", help="smoke test: 2 epochs on 1/8 of an epoch")
    p.add_argument("--out", default=os.path.join(common.WORK, "runs", "psb"))
    return p.parse_args(argv)


def pyramid_loss(logits, binary, mask, live, w):
    total = 0.0
    for m in logits:
        y = F.adaptive_avg_pool2d(mask, m.shape[-2:])
        l = F.binary_cross_entropy_with_logits(m, y, reduction="none").mean((1, 2, 3))
        total = total + (l * w).sum() / w.sum()
    lb = F.binary_cross_entropy_with_logits(binary.squeeze(1), live, reduction="none")
    return total + (lb * w).sum() / w.sum()


@torch.no_grad()
def predict(model, imgs, device, batch=256):
    """Binary live probability for uint8 NHWC crops (no augmentation)."""
    model.eval()
    out = []
    for i in range(0, len(imgs), batch):
        x = torch.from_numpy(imgs[i:i + batch]).permute(0, 3, 1, 2).float().div(255).to(device)
        _, b = model(data.to_input(x))
        out.append(torch.sigmoid(b).squeeze(1).cpu())
    return torch.cat(out).numpy()


def run_epoch(model, ds, opt, sched, gen, epoch, steps, a, freeze_bn=False):
    model.train()
    if freeze_bn:
        qat.freeze_bn(model)
    ds.set_epoch(epoch)
    order = torch.randperm(len(ds), generator=gen)[: steps * a.batch]
    loader = torch.utils.data.DataLoader(torch.utils.data.Subset(ds, order.tolist()), batch_size=a.batch,
                                         num_workers=a.workers, drop_last=True)
    tot, n = 0.0, 0
    for x, cls, mask in loader:
        x, mask = attacks.geometry(x.to(a.device), mask.to(a.device), gen)
        live = torch.isin(cls, torch.tensor(data.LIVE_CLASSES)).float().to(a.device)
        n_live = live.sum().clamp(min=1)
        n_spoof = (1 - live).sum().clamp(min=1)
        w = live * (len(live) / 2 / n_live) + (1 - live) * (len(live) / 2 / n_spoof)
        logits, b = model(data.to_input(x))
        loss = pyramid_loss(logits, b, mask, live, w)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        tot += loss.item()
        n += 1
    return tot / max(n, 1)


def log_epoch(tag, rec, v=None):
    line = f"{tag} {rec['epoch']} loss {rec['loss']:.4f} {rec['seconds']:.0f}s"
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
    print(f"data ready in {time.time() - t0:.0f}s: train {train.counts()} val {val.counts()}", flush=True)

    model = nets.PSB(a.width, a.last).to(a.device)
    ds = data.TrainSet(train, a.seed, a.synth_frac)
    steps = min(len(ds), a.epoch_size) // a.batch
    if a.fast:
        steps, a.epochs, a.qat_epochs = max(2, steps // 8), 2, min(a.qat_epochs, 1)
    history = []
    if a.init:
        # Resume after the main phase (same weights as a full run's psb-float.pt).
        model.load_state_dict(torch.load(a.init, map_location="cpu")["state"])
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.wd)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.epochs * steps, pct_start=0.15)
        gen = torch.Generator().manual_seed(a.seed)
        for epoch in range(a.epochs):
            te = time.time()
            rec = {"epoch": epoch + 1, "loss": run_epoch(model, ds, opt, sched, gen, epoch, steps, a)}
            rec["seconds"] = time.time() - te
            if (epoch + 1) % a.eval_every == 0 or epoch + 1 == a.epochs:
                rec["val"] = data.species_report(predict(model, vimgs, a.device), vcls)
            log_epoch("epoch", rec, rec.get("val"))
            history.append(rec)
        torch.save({"state": model.state_dict(), "args": vars(a)}, os.path.join(a.out, "psb-float.pt"))
    result = {"args": vars(a), "history": history}
    if a.qat_epochs:
        # Weight-quantization-aware phase (qat.py): its own generator and epoch numbers, so that a
        # resumed run (--init) repeats a full run exactly.
        result["val_before_qat"] = data.species_report(predict(model, vimgs, a.device), vcls)
        qat.enable(model)
        result["val_before_qat_int8_grid"] = data.species_report(predict(model, vimgs, a.device), vcls)
        opt = torch.optim.AdamW(model.parameters(), lr=a.qat_lr, weight_decay=a.wd)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.qat_epochs * steps)
        gen = torch.Generator().manual_seed(a.seed * 7919 + 1)
        for e in range(a.qat_epochs):
            te = time.time()
            rec = {"epoch": e + 1, "loss": run_epoch(model, ds, opt, sched, gen, 1000 + e, steps, a, freeze_bn=True)}
            rec["seconds"] = time.time() - te
            log_epoch("qat epoch", rec)
            result.setdefault("qat_history", []).append(rec)
        qat.finalize(model)
        result["val_after_qat"] = data.species_report(predict(model, vimgs, a.device), vcls)
        for k in ("val_before_qat", "val_before_qat_int8_grid", "val_after_qat"):
            log_epoch(k, {"epoch": "", "loss": 0, "seconds": 0}, result[k])
    torch.save({"state": model.state_dict(), "args": vars(a)}, os.path.join(a.out, "psb.pt"))
    result["seconds"] = time.time() - t0
    common.write_json(os.path.join(a.out, "history.json"), result)
    print(f"done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
