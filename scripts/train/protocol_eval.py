"""Score a model end to end through bonafide's Go pipeline (`bonafide eval`: detection, crop, model,
core/metrics) on the protocol's test sets, and its bona fide acceptance on photos of people in no
training set (`bonafide scan`).

    /usr/bin/python3 scripts/train/protocol_eval.py BONAFIDE_BIN MODEL.onnx OUT.json [--profile minifasnet]
                     [--sets nuaa-s01,nuaa-s02,src-...] [--threshold T]

Sets (protocol.py): nuaa-s01 and nuaa-s02 (every NUAA frame of that session, live vs printed photo),
src-<name> (one replay source, live vs real replay; the face-crop source with -cropped), faces
(../shared/data/faces: acceptance only). Folders of symbolic links under
$BONAFIDE_TRAIN_WORK/protocol/sets/ feed `bonafide eval`, one per set.
"""

import argparse
import json
import os
import subprocess
import sys

import common
import protocol

SETS_DIR = os.path.join(common.WORK, "protocol", "sets")


def link_tree(name, files):
    """files: list of (class, subfolder or '', data path). Builds SETS_DIR/name/<class>/... once."""
    root = os.path.join(SETS_DIR, name)
    if os.path.isdir(root):
        return root
    tmp = root + ".tmp"
    for cls, sub, path in files:
        d = os.path.join(tmp, cls, sub)
        os.makedirs(d, exist_ok=True)
        os.symlink(path, os.path.join(d, os.path.basename(path)))
    os.replace(tmp, root)
    return root


def images(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.lower().endswith((".jpg", ".jpeg", ".png")))


def set_files(name):
    nuaa = os.path.join(protocol.DATA, "nuaa-train")
    if name.startswith("nuaa-s"):
        sess = name[-2:]
        out = []
        for cls in ("live", "spoof"):
            for subj in sorted(os.listdir(os.path.join(nuaa, cls))):
                for f in images(os.path.join(nuaa, cls, subj)):
                    if common.parse_name(f)["session"] == sess:
                        out.append((cls, subj, f))
        return out
    if name.startswith("src-"):
        src = os.path.join(protocol.DATA, "replay", name[4:])
        return [(cls, "", f) for cls in ("live", "spoof") for f in images(os.path.join(src, cls))]
    if name == "faces":
        root = os.path.join(protocol.DATA, "faces")
        return [("live", sub, f) for sub in sorted(os.listdir(root)) for f in images(os.path.join(root, sub))]
    raise SystemExit(f"unknown set {name}")


def all_sets():
    return ["nuaa-s01", "nuaa-s02"] + [f"src-{s}" for s in protocol.replay_sources()]


def model_flags(a):
    f = ["-model", a.model]
    if a.profile:
        f += ["-profile", a.profile]
    if a.threshold:
        f += ["-threshold", str(a.threshold)]
    return f


def eval_set(a, name):
    root = link_tree(name, set_files(name))
    cmd = [a.bonafide, "eval", "-json", "-workers", "2", *model_flags(a), "-live", os.path.join(root, "live"),
           "-spoof", os.path.join(root, "spoof")]
    if name[4:] in protocol.CROPPED_SOURCES:
        cmd.append("-cropped")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{' '.join(cmd)}: {r.stderr.strip()}")
    rep = json.loads(r.stdout)
    rep.pop("seconds", None)
    rep["command"] = " ".join(["bonafide"] + cmd[1:]).replace(common.WORK, "$WORK")
    return rep


def acceptance(a):
    """Fraction of the faces set scored live (score >= threshold; quality gate not required), over
    the photos where a face was found."""
    root = link_tree("faces", set_files("faces"))
    cmd = [a.bonafide, "scan", *model_flags(a), os.path.join(root, "live")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    scores, t, noface = [], None, 0
    for line in r.stdout.splitlines():
        d = json.loads(line)
        if d.get("score") is None:
            noface += 1
            continue
        scores.append(d["score"])
        t = d["threshold"]
    acc = sum(s >= t for s in scores) / len(scores)
    return {"photos": len(scores) + noface, "scored": len(scores), "no_face": noface, "threshold": t,
            "accepted": sum(s >= t for s in scores), "acceptance": acc,
            "command": " ".join(["bonafide"] + cmd[1:]).replace(common.WORK, "$WORK")}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bonafide")
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--profile", default="")
    p.add_argument("--threshold", type=float, default=0)
    p.add_argument("--sets", default="", help="comma-separated sets (default: every set and faces)")
    a = p.parse_args(argv)
    sets = a.sets.split(",") if a.sets else all_sets() + ["faces"]
    res = {"model": os.path.basename(a.model), "profile": a.profile, "sets": {}}
    for name in sets:
        if name == "faces":
            res["faces"] = acceptance(a)
            f = res["faces"]
            print(f"{res['model']:28s} faces      accepted {f['accepted']}/{f['scored']} ({100 * f['acceptance']:.1f}%) "
                  f"at {f['threshold']:.4g}, no face {f['no_face']}", flush=True)
            continue
        r = eval_set(a, name)
        res["sets"][name] = r
        print(f"{res['model']:28s} {name:34s} AUC {r['auc']:.4f} EER {100 * r['eer']:5.2f}% | at {r['threshold']:.4g}: "
              f"APCER {100 * r['apcer']:5.2f}% BPCER {100 * r['bpcer']:5.2f}% ACER {100 * r['acer']:5.2f}% "
              f"(live {r['live']}, attacks {r['spoof']}, no face {r['no_face']})", flush=True)
    common.write_json(a.out, res)


if __name__ == "__main__":
    sys.exit(main())
