"""Training and validation sets: NUAA crops of the chosen subjects plus synthetic attacks made from
their live crops (attacks.py), with patch-type classes for PatchNet.

Classes (PatchNet's fine-grained patch types: capture condition x presentation material, as far as
the data tells them):
  0 live, session 01          1 live, session 02        (NUAA sessions: different place/lighting)
  2 print (NUAA), held still  (file-name position field 00)
  3 print (NUAA), moved: rotated or twisted paper (positions 01-04)
  4 screen replay (synthetic)  5 print (synthetic: halftone, gamut, paper edges...)
PS-B only uses live (0, 1) vs attack (2-5).

Everything random is drawn from generators seeded by (seed, epoch, index): results do not depend on
the number of DataLoader workers or on the order samples are drawn in.
"""

import os

import numpy as np
import torch

import attacks
import common

CLASSES = ["live_s01", "live_s02", "print_still", "print_moved", "replay_synth", "print_synth"]
LIVE_CLASSES = [0, 1]
# Evaluation-only classes: frame-level synthetic attacks of the held-out subjects (frame_attacks.py).
EVAL_CLASSES = {6: "replay_frame_synth", 7: "print_frame_synth"}
SPECIES = {"print_nuaa": (2, 3), "replay_synth": (4,), "print_synth": (5,), "replay_frame_synth": (6,),
           "print_frame_synth": (7,)}


# Class sets PatchNet can train on: names, live class indices, and the map from CLASSES indices.
CLASS_SETS = {
    "fine": (CLASSES, LIVE_CLASSES, [0, 1, 2, 3, 4, 5]),
    "coarse": (["live", "print_nuaa", "replay_synth", "print_synth"], [0], [0, 0, 1, 1, 2, 3]),
}


def class_of(live, session, pos):
    if live:
        return 0 if session == "01" else 1
    return 2 if pos == "00" else 3


def synth_bank(imgs, seed, variants, pool, tag):
    """For each live crop, `variants` replays and `variants` synthetic prints (uint8), cached under a
    key that covers the crops, the pool and the attack code."""
    import hashlib
    h = hashlib.sha1(imgs.tobytes())
    h.update(pool.tobytes())
    h.update(open(attacks.__file__, "rb").read())
    path = os.path.join(common.WORK, "cache", f"bank-{common.crop_tag()}-{tag}-seed{seed}-v{variants}-{h.hexdigest()[:12]}.npz")
    if os.path.exists(path):
        z = np.load(path)
        return z["replay"], z["print"]
    procs = int(os.environ.get("BONAFIDE_PROCS", "1"))
    jobs = [(im, i, seed, variants, pool) for i, im in enumerate(imgs)]
    if procs > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(procs) as p:
            res = p.map(_bank_one, jobs, chunksize=16)
    else:
        res = [_bank_one(j) for j in jobs]
    rep = np.stack([r[0] for r in res], 1)
    prt = np.stack([r[1] for r in res], 1)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez(path, replay=rep, print=prt)
    return rep, prt


def _bank_one(job):
    im, i, seed, variants, pool = job
    x = im.astype(np.float32) / 255
    rep, prt = [], []
    for v in range(variants):
        rng = np.random.default_rng([seed, i, v, 1])
        rep.append(np.round(attacks.replay(x, rng, pool) * 255).astype(np.uint8))
        rng = np.random.default_rng([seed, i, v, 2])
        prt.append(np.round(attacks.print_attack(x, rng, pool) * 255).astype(np.uint8))
    return np.stack(rep), np.stack(prt)


class Split:
    """Images (uint8 NHWC) and classes of one subject set, real and synthetic."""

    def __init__(self, subjects, seed, variants, tag):
        d = common.load_crops(subjects, size=common.CROP["size"])
        self.subjects = subjects
        cls = np.array([class_of(l, s, p) for l, s, p in zip(d["live"], d["session"], d["pos"])], np.int64)
        self.crop = dict(common.CROP)
        live = d["img"][d["live"] == 1]
        live_cls = cls[d["live"] == 1]
        # The "room" behind synthetic screens and sheets comes from the same subjects' live crops, so
        # validation attacks never show training subjects.
        pool = live[:: max(1, len(live) // 64)]
        rep, prt = synth_bank(live, seed, variants, pool, tag)
        self.real = d["img"]
        self.real_cls = cls
        self.names = d["name"]
        self.live_idx = np.flatnonzero(d["live"] == 1)
        self.replay = rep
        self.print = prt
        self.live_cls = live_cls
        self.box = d["box"]
        # Frame-level synthetic attacks (frame_attacks.py), cropped by `bonafide crop`: training
        # replays for the training split, replays and prints for evaluation on the held-out one.
        import frame_attacks
        name = "val" if tuple(subjects) == tuple(common.VAL_SUBJECTS) else "train"
        fr = frame_attacks.load(common.crop_tag(), common.CROP["size"], name)
        self.frame_replay = fr["replay"][0]
        self.frame_print = fr["print"][0]

    def counts(self):
        return {c: int((self.real_cls == i).sum()) for i, c in enumerate(CLASSES[:4])} | {
            "replay_synth": int(self.replay.shape[0] * self.replay.shape[1]),
            "print_synth": int(self.print.shape[0] * self.print.shape[1]),
            "replay_frame_synth": len(self.frame_replay), "print_frame_synth": len(self.frame_print)}

    def eval_set(self):
        """Clean evaluation set: every real crop, the first crop-level synthetic variant of each live
        crop, and the frame-level synthetic attacks when they have been made."""
        imgs = np.concatenate([self.real, self.replay[0], self.print[0], self.frame_replay, self.frame_print])
        cls = np.concatenate([self.real_cls, np.full(len(self.replay[0]), 4), np.full(len(self.print[0]), 5),
                              np.full(len(self.frame_replay), 6), np.full(len(self.frame_print), 7)])
        return imgs, cls


class TrainSet(torch.utils.data.Dataset):
    """One epoch's pool: every real crop, plus synth_frac x (number of live crops) crop-level replays,
    as many crop-level synthetic prints and as many frame-level replays (when frame_attacks.py made
    them), drawn anew each epoch; training draws epoch_size items from it. Items are augmented
    (attacks.augment) float32 CHW in [0,1], with class and a 128x128 face mask (live: 1 on the
    detector's face box as the crop manifest gives it, area-weighted at the box's fractional edges;
    attacks: 0)."""

    def __init__(self, split, seed, synth_frac=0.5, augment=True):
        self.s, self.seed, self.synth_frac, self.aug = split, seed, synth_frac, augment
        self.set_epoch(0)
        self.n = common.CROP["size"]

    def face_mask(self, j):
        x0, y0, x1, y1 = self.s.box[j]
        c = np.arange(self.n, dtype=np.float32)
        cover = lambda a, b: np.clip(np.minimum(c + 1, b) - np.maximum(c, a), 0, 1)
        return np.outer(cover(y0, y1), cover(x0, x1))[None].astype(np.float32)

    def set_epoch(self, epoch):
        self.epoch = epoch
        rng = np.random.default_rng([self.seed, epoch, 0])
        n_live = len(self.s.live_idx)
        k = int(round(self.synth_frac * n_live))
        items = [(0, i) for i in range(len(self.s.real))]
        v = self.s.replay.shape[0]
        items += [(1, int(j)) for j in rng.choice(n_live * v, k, replace=False)]
        items += [(2, int(j)) for j in rng.choice(n_live * v, k, replace=False)]
        nf = len(self.s.frame_replay)
        if nf:
            items += [(3, int(j)) for j in rng.choice(nf, min(k, nf), replace=False)]
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        kind, j = self.items[i]
        n_live = len(self.s.live_idx)
        if kind == 0:
            img, cls = self.s.real[j], int(self.s.real_cls[j])
        elif kind == 1:
            img, cls = self.s.replay[j // n_live, j % n_live], 4
        elif kind == 2:
            img, cls = self.s.print[j // n_live, j % n_live], 5
        else:
            img, cls = self.s.frame_replay[j], 4
        x = img.astype(np.float32) / 255
        flipped = False
        if self.aug:
            x, flipped = attacks.augment(x, np.random.default_rng([self.seed, self.epoch, i, 7]))
        if cls in LIVE_CLASSES:
            mask = self.face_mask(j)
            if self.aug and flipped:
                mask = mask[:, :, ::-1]
        else:
            mask = np.zeros((1, self.n, self.n), np.float32)
        return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))), cls, torch.from_numpy(mask.copy())


MEAN_T = torch.tensor(common.MEAN).view(1, 3, 1, 1) / 255
STD_T = torch.tensor(common.STD).view(1, 3, 1, 1) / 255


def to_input(x01):
    """[0,1] RGB batch -> the normalised tensor core/face.Crop produces for the model's crop spec."""
    return (x01 - MEAN_T.to(x01.device)) / STD_T.to(x01.device)


def species_of(cls):
    for k, v in SPECIES.items():
        if cls in v:
            return k
    return None


def species_report(scores, cls, t=0.5):
    """Metrics of scores at threshold t, per attack species (common.report); cls are CLASSES indices
    (the fine classes of an evaluation set, whatever the net predicts)."""
    live = scores[np.isin(cls, LIVE_CLASSES)]
    species = {k: scores[np.isin(cls, v)] for k, v in SPECIES.items()}
    return common.report(live, species, t)


def val_summary(v):
    """The validation part of a training log line."""
    return (f"val AUC all {v['auc_all']:.4f} print {v['auc_print_nuaa']:.4f} replay {v['auc_replay_synth']:.4f} "
            f"synthprint {v['auc_print_synth']:.4f} ACER@0.5 {v['acer']:.4f}")
