"""What the product decides, not what one frame scores: session verdicts on the protocol's held-out sets.

A page's `startSession` (and the CLI's and Go's liveness.Session) decides on the median score of the
usable frames (a face scored and the quality gate passed) once MinFrames of them (default 5) were seen,
or says "retake" after MaxFrames frames (default 30) without as many. The protocol's figures are per
frame. This runs a model end to end on every fold's held-out set (`bonafide scan`: detection, quality
gate, crop, model; the face-crop source with -cropped, which has no gate), replays each capture's frames
in file order through the same rule as back-to-back sessions (a last, undecided session is dropped), and
reports per fold the share of decided sessions that end "live", for the live captures and for the
attacks, at the fold's nested threshold (from the protocol run's rows: chosen without the fold) and at
the model's own. A capture is a class folder of a replay source, or one NUAA subject, session and pose
(the file name's fields but the picture number).

Caveat: the stored frames are thinned evenly from the capture bursts, so MinFrames stored frames span
more time, and differ more, than MinFrames frames of a live camera session; the medians here are
therefore a little more independent of each other than a session's would be.

    /usr/bin/python3 scripts/train/session_verdicts.py BONAFIDE_BIN MODEL.onnx PROTOCOL.json OUT.json [--run RUN_DIR] [--min-frames 3,5,10] [--max-frames 30]

PROTOCOL.json: train_psb80.py protocol's (models/eval/protocol-psb-80.json), whose fold rows give the nested
thresholds. A shipped file whose score is partly trained has seen every set, so its own scores are not
held out: with --run (the train_psb80.py protocol run directory) each frame's score is instead the one the
fold model that did not train on it gave (the run's score, from the fold's saved scores of the protocol's
crops), and the scan supplies only what the pipeline decides before the model (a face, the quality gate).
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

import common
import protocol
import protocol_eval


def fold_scores(run):
    """fold -> {data path relative to ../shared/data: score} of run's shipped score, each frame scored by the
    fold model that did not train on it (nested_select.load: the saved fold scores, with the mixes)."""
    import nested_select
    with open(os.path.join(run, "protocol.json")) as fh:
        score = json.load(fh)["args"]["score"]
    items, folds, res, _ = nested_select.load(run)
    return score, {f: {items[i]["rel"]: float(v) for i, v in zip(res[f]["test_idx"], res[f][f"test_{score}"])} for f in folds}


def scan(bonafide, model, folder, cropped):
    """path -> (scored, usable, score) of every image in folder, by `bonafide scan`."""
    cmd = [bonafide, "scan", "-model", model] + (["-cropped"] if cropped else []) + [folder]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{' '.join(cmd)}: {r.stderr.strip()}")
    out = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        scored = d.get("score") is not None
        usable = scored and d.get("quality", {"ok": True})["ok"]
        out[os.path.realpath(d["path"])] = (scored, usable, d["score"] if scored else float("nan"))
    return out


def images_under(folder):
    """Every image below folder (a set's class folder, with or without a subfolder per subject), sorted."""
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs
                  if f.lower().endswith((".jpg", ".jpeg", ".png")))


def test_set(fold):
    """protocol_eval's set a protocol fold tests: fold nuaa-s01 trains on NUAA session 01 and tests session 02."""
    if fold.startswith("nuaa-s"):
        return {"nuaa-s01": "nuaa-s02", "nuaa-s02": "nuaa-s01"}[fold]
    return fold


def capture_key(path):
    """The capture a frame belongs to: its folder, and for NUAA its file name but the picture number."""
    name = os.path.basename(path)
    if name.count("_") == 4:  # NUAA: ID_glasses_position_session_picNo
        return os.path.dirname(path), name.rsplit("_", 1)[0]
    return os.path.dirname(path), ""


def sessions(frames, t, min_frames, max_frames):
    """frames [(usable, score)] in order -> decisions of back-to-back sessions ("live", "spoof", "retake"),
    the rule of core/liveness/session.go: decide on the median of MinFrames usable frames, or retake after
    MaxFrames frames without them."""
    out, usable, seen = [], [], 0
    for ok, s in frames:
        seen += 1
        if ok:
            usable.append(s)
        if len(usable) >= min_frames:
            out.append("live" if np.median(usable) >= t else "spoof")
            usable, seen = [], 0
        elif seen >= max_frames:
            out.append("retake")
            usable, seen = [], 0
    return out


def rates(decisions):
    n = len(decisions)
    decided = [d for d in decisions if d != "retake"]
    return {"sessions": n, "live": decisions.count("live"), "spoof": decisions.count("spoof"),
            "retake": decisions.count("retake"),
            "live_share_of_decided": decisions.count("live") / len(decided) if decided else None}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bonafide")
    p.add_argument("model")
    p.add_argument("protocol_json")
    p.add_argument("out")
    p.add_argument("--min-frames", default="3,5,10")
    p.add_argument("--max-frames", type=int, default=30)
    p.add_argument("--run", default="", help="score each frame with the fold model that did not train on it")
    a = p.parse_args(argv)
    held_out = None
    if a.run:
        score, held_out = fold_scores(a.run)
    ks = [int(k) for k in a.min_frames.split(",")]
    run = json.load(open(a.protocol_json))
    shipped_t = run["headline"]["threshold"]
    res = {"about": __doc__.split("\n\n")[1].replace("\n", " "), "caveat": __doc__.split("\n\n")[2].replace("\n", " "),
           "model": os.path.basename(a.model), "protocol": os.path.basename(a.protocol_json), "max_frames": a.max_frames,
           "scores": (f"the fold models' {score} (protocol run {os.path.basename(os.path.normpath(a.run))})" if a.run
                      else "the model file's own"), "folds": {}}
    for name in run["folds"]:
        tested = test_set(name)
        root = protocol_eval.link_tree(tested, protocol_eval.set_files(tested))
        cropped = name[4:] in protocol.CROPPED_SOURCES
        ts = {"nested": run["folds"][name]["nested"]["threshold"], "shipped": shipped_t}
        row = {"tested_on": tested, "thresholds": ts}
        for cls in ("live", "spoof"):
            folder = os.path.join(root, cls)
            got = scan(a.bonafide, a.model, folder, cropped)
            caps = {}
            for path in images_under(folder):
                real = os.path.realpath(path)
                scored, usable, sc = got[real]
                if held_out is not None:  # the fold model's score of the same frame; none: not scored
                    sc = held_out[name].get(os.path.relpath(real, protocol.DATA))
                    scored, usable, sc = sc is not None and scored, sc is not None and usable, sc if sc is not None else float("nan")
                caps.setdefault(capture_key(real), []).append((scored, usable, sc))
            frames = [f for c in caps.values() for f in c]
            r = {"frames": len(frames), "scored": sum(f[0] for f in frames), "usable": sum(f[1] for f in frames),
                 "captures": len(caps)}
            for tn, t in ts.items():
                r[tn] = {"frames_live": sum(f[0] and f[2] >= t for f in frames) / max(1, sum(f[0] for f in frames))}
                for k in ks:
                    dec = [d for c in caps.values() for d in sessions([(u, s) for _, u, s in c], t, k, a.max_frames)]
                    r[tn][f"min_frames_{k}"] = rates(dec)
            row[cls] = r
        res["folds"][name] = row
        n, s = row["live"]["nested"], row["spoof"]["nested"]
        print(f"{name:34s} t {ts['nested']:.4f} live frames {n['frames_live']:.4f} sessions(5) "
              f"{n['min_frames_5']['live_share_of_decided']:.4f} retake {n['min_frames_5']['retake']} | attack frames "
              f"{s['frames_live']:.4f} sessions(5) {s['min_frames_5']['live_share_of_decided']:.4f}", flush=True)
    src = [f for f in res["folds"] if f.startswith("src-")]
    res["headline"] = {}
    for k in ks:
        key = f"min_frames_{k}"
        live = [res["folds"][f]["live"]["nested"][key]["live_share_of_decided"] for f in src]
        att = [res["folds"][f]["spoof"]["nested"][key]["live_share_of_decided"] for f in src]
        nuaa = {f: res["folds"][f] for f in res["folds"] if f.startswith("nuaa-")}
        res["headline"][key] = {
            "heldout_live_sessions_accepted": float(np.mean(live)),
            "per_source_live_sessions_accepted": dict(zip([f[4:] for f in src], live)),
            "source_attack_sessions_passed": float(np.mean(att)),
            "nuaa_worst_session_acer": max((1 - r["live"]["nested"][key]["live_share_of_decided"] +
                                            r["spoof"]["nested"][key]["live_share_of_decided"]) / 2 for r in nuaa.values()),
            "retakes": sum(res["folds"][f][c]["nested"][key]["retake"] for f in res["folds"] for c in ("live", "spoof")),
        }
        print(f"MinFrames {k}:", json.dumps({x: (round(v, 4) if isinstance(v, float) else v)
                                             for x, v in res["headline"][key].items() if not isinstance(v, dict)}))
    res["headline"]["frames"] = {
        "heldout_live_frames_accepted": float(np.mean([res["folds"][f]["live"]["nested"]["frames_live"] for f in src])),
        "source_attack_frames_passed": float(np.mean([res["folds"][f]["spoof"]["nested"]["frames_live"] for f in src]))}
    print("frames:", json.dumps({k: round(v, 4) for k, v in res["headline"]["frames"].items()}))
    common.write_json(a.out, res)


if __name__ == "__main__":
    sys.exit(main())
