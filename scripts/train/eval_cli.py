"""End-to-end evaluation through the Go side: `bonafide eval` (pigo detection, quality gate, crop,
model, core/metrics) on the held-out subjects' original frames, for each committed trained model (float
and int8) and each attack set: NUAA prints, frame-level synthetic replays and prints (frame_attacks.py).

    /usr/bin/python3 scripts/train/eval_cli.py BONAFIDE_BIN

Copies the held-out frames to $WORK/heldout/{live,spoof} (bonafide eval takes one folder per class) and
writes models/eval/bonafide-eval.json.
"""

import json
import os
import shutil
import subprocess
import sys

import common
import frame_attacks


def main():
    bin_ = sys.argv[1]
    held = os.path.join(common.WORK, "heldout")
    for cls in ("live", "spoof"):
        for s in common.VAL_SUBJECTS:
            dst = os.path.join(held, cls, s)
            if not os.path.isdir(dst):
                shutil.copytree(os.path.join(common.NUAA, cls, s), dst)
    sets = {"print_nuaa": os.path.join(held, "spoof")}
    fr = frame_attacks.frames_dir("val")
    for k in ("replay", "print"):
        if os.path.isdir(os.path.join(fr, k)):
            sets[f"{k}_frame_synth"] = os.path.join(fr, k)
    res = {"live": os.path.relpath(os.path.join(held, "live"), common.WORK), "sets": {}, "runs": {}}
    for name in ("psb-128.int8", "psb-128", "patchnet-128.int8", "patchnet-128"):
        model = os.path.join(common.REPO, "models", name + ".onnx")
        for k, d in sets.items():
            cmd = [bin_, "eval", "-json", "-model", model, "-live", os.path.join(held, "live"), "-spoof", d]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            r.pop("seconds", None)
            res["runs"][f"{name} vs {k}"] = {key: v for key, v in r.items() if not isinstance(v, (list, dict))}
            res["sets"][k] = os.path.relpath(d, common.WORK)
            m = res["runs"][f"{name} vs {k}"]
            print(f"{name:18s} {k:18s} AUC {m['auc']:.5f} EER {100 * m['eer']:.2f}% | thr {m['threshold']:.4g}: "
                  f"APCER {100 * m['apcer']:.2f}% BPCER {100 * m['bpcer']:.2f}% ACER {100 * m['acer']:.2f}% "
                  f"(live {m['live']}, attacks {m['spoof']}, no face {m['no_face']})", flush=True)
    res["command"] = "bonafide eval -json -model models/NAME.onnx -live WORK/heldout/live -spoof SET"
    common.write_json(os.path.join(common.REPO, "models", "eval", "bonafide-eval.json"), res)


if __name__ == "__main__":
    main()
