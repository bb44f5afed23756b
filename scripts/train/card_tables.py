"""Print the metric tables of models/README.md from models/eval/*.json (so the card quotes the numbers
the scripts measured, not hand-copied ones).

    /usr/bin/python3 scripts/train/card_tables.py
"""

import json
import os

import common

EVAL = os.path.join(common.REPO, "models", "eval")


def pct(v):
    return f"{100 * v:.2f}%"


def model_table(name):
    r = json.load(open(os.path.join(EVAL, name + ".json")))
    print(f"\n#### {name}: held-out subjects {', '.join(r['val_subjects'])} ({r['n_val']} crops)\n")
    t = r.get('training', {})
    for k in ('val_before_qat', 'val_before_qat_int8_grid', 'val_after_qat'):
        if k in t:
            print(f"- {k}: AUC all {t[k]['auc_all']:.5f}, NUAA print {t[k]['auc_print_nuaa']:.5f}, replay {t[k]['auc_replay_synth']:.5f}")
    print(f"threshold {r['threshold']:.4g} ({r['threshold_rule']})\n")
    sp = [k[6:] for k in r["float_ort"]["at_threshold"] if k.startswith("apcer_") and k != "apcer_max"]
    print("| run | threshold | AUC all | EER all | " + " | ".join(f"AUC {k}" for k in sp) + " | " +
          " | ".join(f"APCER {k}" for k in sp) + " | BPCER | ACER (max APCER) |")
    print("|---|---|---|---|" + "---|" * (2 * len(sp)) + "---|---|")
    for k in ("float_ort", "int8_ort", "float_engine", "int8_engine"):
        for at in ("at_threshold", "at_0.5"):
            m = r[k][at]
            print(f"| {k} | {m['threshold']:.4g} | {m['auc_all']:.5f} | {pct(m['eer_all'])} | " +
                  " | ".join(f"{m['auc_' + s_]:.5f}" for s_ in sp) + " | " +
                  " | ".join(pct(m['apcer_' + s_]) for s_ in sp) + f" | {pct(m['bpcer'])} | {pct(m['acer'])} |")
    # NUAA-only ACER (the target is on held-out NUAA subjects, whose attacks are prints).
    m = r["int8_engine"]["at_threshold"]
    print(f"\nNUAA prints only, int8 in our engine at the default threshold: APCER {pct(m['apcer_print_nuaa'])}, "
          f"BPCER {pct(m['bpcer'])}, ACER {pct((m['apcer_print_nuaa'] + m['bpcer']) / 2)}")
    d = r["int8_vs_float_engine"]
    print(f"int8 vs float (engine): max |Δscore| {d['max_abs_dscore']:.4g}, mean {d['mean_abs_dscore']:.3g}, "
          f"AUC drop {d['auc_drop']:.2g}; ort: max |Δscore| {r['int8_vs_float_ort']['max_abs_dscore']:.4g}")
    print(f"engine vs onnxruntime: float max |Δ| {r['parity_float_engine_vs_ort_max_abs']:.2g}, "
          f"int8 {r['parity_int8_engine_vs_ort_max_abs']:.2g}")
    print(f"MACs {r['macs'] / 1e6:.1f} M, params {r['params'] / 1e6:.3f} M, float {r['bytes_float']} B, "
          f"int8 {r['bytes_int8']} B ({100 * r['bytes_int8'] / r['bytes_float']:.1f}%)")


def main():
    for n in ("psb-128", "patchnet-128"):
        if os.path.exists(os.path.join(EVAL, n + ".json")):
            model_table(n)
    p = os.path.join(EVAL, "minifasnet-v2-nuaa-heldout.json")
    if os.path.exists(p):
        r = json.load(open(p))
        print(f"\n#### Same frames ({r['frames_nuaa']} NUAA, {r.get('frames_frame_synth')} frame-level synthetic) "
              f"of the held-out subjects\n")
        sets = [k for k in next(v for v in r.values() if isinstance(v, dict) and "eer" in v) if k.startswith("auc")]
        print("| model | " + " | ".join(sets) + " | EER (NUAA) | APCER/BPCER/ACER @ 0.5 (NUAA) |")
        print("|---|" + "---|" * (len(sets) + 2))
        for k, v in r.items():
            if isinstance(v, dict) and "eer" in v:
                print(f"| {k} | " + " | ".join(f"{v[s]:.5f}" for s in sets) +
                      f" | {pct(v['eer'])} | {pct(v['apcer@0.5'])} / {pct(v['bpcer@0.5'])} / {pct(v['acer@0.5'])} |")
    p = os.path.join(EVAL, "paper.json")
    if os.path.exists(p):
        r = json.load(open(p))
        print("\n| model | input | MACs | params | float | int8 | engine vs ort (float, int8: max abs over outputs) |")
        print("|---|---|---|---|---|---|---|")
        for k, v in r.items():
            print(f"| {k} | {v['input'][2]}x{v['input'][3]} | {v['macs'] / 1e9:.2f} G | {v['params'] / 1e6:.2f} M | "
                  f"{v['bytes_float'] / 1e6:.1f} MB | {v['bytes_int8'] / 1e6:.1f} MB | "
                  f"{max(v['parity_float'].values()):.1e}, {max(v['parity_int8'].values()):.1e} |")


if __name__ == "__main__":
    main()
