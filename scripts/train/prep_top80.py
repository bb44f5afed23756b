"""conv_4's raw 10x10 map of the published MiniFASNetV2 for every crop and view prep_psb80.py uses, so
that train_top80.py can fine-tune the network's top (conv_45 ... prob) without running the frozen
bottom again.

prep_psb80.py keeps conv_4's map only after the pyramid's AveragePool k3 s1 (8x8), from which conv_45
(a stride-2 block on the 10x10 map) cannot be recomputed; this pass runs the same frozen bottom
(protocol.trunk_torch: conv weights on the int8 grid) on the same crops and views, in the same order,
and stores

  feats4  [N,128,10,10] float16  conv_4's output (the input of conv_45)
  logits  [N,3] float32          the published head on top of it (a check: it must match prep_psb80's
                                 logits.npy of the same view; the largest difference is printed)

in $WORK/protocol/<psb tag>/p80c4-{view0,view0-synth,view1,view0-via128}/. Resumable: chunks are kept
until a view is complete.

    BONAFIDE_SHARED=... BONAFIDE_TRAIN_WORK=... nice -n 19 /usr/bin/python3 scripts/train/prep_top80.py [BONAFIDE_BIN]

With --v1se (after the pass above; train_top80.py --teacher ensemble-all) it runs the published
MiniFASNetV1SE (int8 grid, prep_psb80.v1se_torch) instead, on the same 80x80 inputs of the augmented
views, and stores its class logits [N,3] in p80-v1se-{view0-via128,view1,view0-synth}/logits.npy (the
clean real crops' p80-v1se-view0 comes from prep_psb80.py): the ensemble teacher on every view.
Resumable the same way (chunks kept until a view is complete).

    ... nice -n 19 /usr/bin/python3 scripts/train/prep_top80.py --v1se

With --v2flip it runs the published V2 itself (int8 grid) on the MIRROR image of the same 80x80 inputs and
stores its logits in p80-v2flip-{view0-via128,view1,view0-synth}/logits.npy (the clean real crops'
p80-v2flip-view0 comes from prep_psb80.py): the test-time-flip teacher on every view (train_top80.py
--teacher flip-all). Resumable the same way.

    ... nice -n 19 /usr/bin/python3 scripts/train/prep_top80.py --v2flip
"""

import os
import sys
import time

import numpy as np
import torch

import common
import prep_psb80
import protocol


class Bottom(torch.nn.Module):
    """conv1 ... conv_4 of the published network, and its published head for the check."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.stop = net.STAGES.index("conv_4") + 1

    def forward(self, x):
        n = self.net
        f4 = n.features(x, 0, self.stop)
        z = n.prob(n.bn(n.linear(n.conv_6_dw(n.features(f4, self.stop)).flatten(1))))
        return f4, z


def run(net, batches, n, out_dir, ref_dir, chunk=256):
    """batches(c0) -> BGR 80x80 tensor of items c0..c0+chunk; writes feats4.npy and logits.npy."""
    if os.path.exists(os.path.join(out_dir, "feats4.npy")):
        return

    def compute(c0):
        with torch.no_grad():
            f4, z = net(batches(c0))
        return dict(feats4=f4.numpy().astype(np.float16), logits=z.numpy().astype(np.float32))

    a = common.chunked(out_dir, n, chunk, compute)
    ref = np.load(os.path.join(ref_dir, "logits.npy"))
    print(f"{os.path.basename(out_dir)}: max |logit - prep_psb80's| {np.abs(a['logits'] - ref).max():.2e}", flush=True)
    common.save_arrays(out_dir, a, ("logits", "feats4"))  # feats4 last: it marks the view done
    common.drop_chunks(out_dir, n, chunk)


def run_logits(net, batches, n, out_dir, chunk=256):
    """batches(c0) -> BGR 80x80 tensor of items c0..c0+chunk; writes net's class logits.npy [n,3]."""
    if os.path.exists(os.path.join(out_dir, "logits.npy")):
        return

    def compute(c0):
        with torch.no_grad():
            return dict(logits=net(batches(c0)).numpy().astype(np.float32))

    a = common.chunked(out_dir, n, chunk, compute)
    assert a["logits"].shape == (n, 3), a["logits"].shape
    common.save_arrays(out_dir, a, ("logits",))
    common.drop_chunks(out_dir, n, chunk)


def main_teacher(kind):
    """A teacher's logits on the augmented views, in prep_psb80.main's items, order and views: V1SE
    (kind "v1se") or V2 on the mirror image (kind "v2flip")."""
    torch.set_num_threads(1)
    protocol.use("psb")
    wd = protocol.work_dir()
    if kind == "v1se":
        net = prep_psb80.v1se_torch()
    else:
        trunk = protocol.trunk_torch()
        net = lambda x: trunk(x.flip(3))
    t0 = time.time()
    z = np.load(os.path.join(wd, "real.npz"), allow_pickle=True)
    s = np.load(os.path.join(wd, "synth.npz"), allow_pickle=True)
    items, sitems = list(z["items"]), list(s["items"])
    img, simg = z["img"], s["img"]
    out = lambda v: os.path.join(wd, f"p80-{kind}-{v}")

    def views(its, im, view):
        return lambda c0: prep_psb80.cut80(*protocol.view_batch(its, im, view, c0, 256))[0]

    run_logits(net, views(items, img, 0), len(items), out("view0-via128"))
    train = [i for i, it in enumerate(items) if it["source"] != "faces"]
    its1 = [items[i] for i in train] + sitems
    run_logits(net, views(its1, np.concatenate([img[train], simg]), 1), len(its1), out("view1"))
    run_logits(net, views(sitems, simg, 0), len(sitems), out("view0-synth"))
    print(f"prep_top80 --{kind} done in {time.time() - t0:.0f}s", flush=True)


def main():
    for kind in ("v1se", "v2flip"):
        if f"--{kind}" in sys.argv[1:]:
            return main_teacher(kind)
    torch.set_num_threads(1)
    protocol.use("psb")
    wd = protocol.work_dir()
    bin_ = sys.argv[1] if len(sys.argv) > 1 else protocol.build_bonafide()
    net = Bottom(protocol.trunk_torch()).eval()
    t0 = time.time()
    z = np.load(os.path.join(wd, "real.npz"), allow_pickle=True)
    items = list(z["items"])
    out = lambda v: os.path.join(wd, f"p80c4-{v}")
    ref = lambda v: os.path.join(wd, f"p80-{v}")
    # view 0: the straight 80x80 crops (prep_psb80.run_direct)
    if not os.path.exists(os.path.join(out("view0"), "feats4.npy")):
        img80, _ = prep_psb80.crops80(items, bin_)
        x = protocol.to_bgr_tensor(img80.astype(np.float32) / 255)
        run(net, lambda c0: x[c0:c0 + 256], len(x), out("view0"), ref("view0"))
    s = np.load(os.path.join(wd, "synth.npz"), allow_pickle=True)
    sitems = list(s["items"])
    img, simg = z["img"], s["img"]

    def views(its, im, view):
        return lambda c0: prep_psb80.cut80(*protocol.view_batch(its, im, view, c0, 256))[0]

    # the same items, order and views as prep_psb80.main
    run(net, views(sitems, simg, 0), len(sitems), out("view0-synth"), ref("view0-synth"))
    train = [i for i, it in enumerate(items) if it["source"] != "faces"]
    its1 = [items[i] for i in train] + sitems
    run(net, views(its1, np.concatenate([img[train], simg]), 1), len(its1), out("view1"), ref("view1"))
    run(net, views(items, img, 0), len(items), out("view0-via128"), ref("view0-via128"))
    print(f"prep_top80 done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
