"""Print the tables of models/README.md from models/eval/*.json, so that the cards quote what the scripts
measured and not hand-copied numbers.

    /usr/bin/python3 scripts/train/card_tables.py
"""

import json
import os

import common

EVAL = os.path.join(common.REPO, "models", "eval")
TARGETS = {"loso_auc": 0.99, "loso_acer": 0.03, "lsrco_auc": 0.95, "acceptance": 0.95}


def pct(v):
    return "–" if v is None else f"{100 * v:.2f}%"


def load(name):
    p = os.path.join(EVAL, name)
    return json.load(open(p)) if os.path.exists(p) else None


def protocol_table(name):
    r = load(f"protocol-{name}.json")
    if r is None:
        return
    h = r["headline"]
    print(f"\n#### {name}: validation protocol (fold models; threshold of each row chosen without its fold)\n")
    print("| fold | tested on | live / attacks | AUC | EER | threshold | APCER | BPCER | ACER | faces accepted |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for f, row in r["folds"].items():
        m = row["nested"]
        test = {"nuaa-s01": "NUAA session 02", "nuaa-s02": "NUAA session 01"}.get(f, f[4:] if f.startswith("src-") else f)
        train = "trained on NUAA session " + f[-2:] if f.startswith("nuaa-") else "trained without it"
        print(f"| {f} | {test} ({train}) | {m['live']} / {m['spoof']} | {m['auc']:.4f} | {pct(m['eer'])} | {m['threshold']:.4g} | "
              f"{pct(m['apcer'])} | {pct(m['bpcer'])} | {pct(m['acer'])} | {pct(m['faces_accepted'])} of {m['faces']} |")
    ok = lambda good: "met" if good else "**missed**"
    print(f"\nThreshold shipped: {h['threshold']:.4g} ({h['rule']})." + (
        f" On the pooled out-of-fold scores it keeps {pct(h['oof_acceptance'])} of bona fide frames and lets "
        f"{pct(h['oof_apcer'])} of attacks through (every fold weighted equally)." if "oof_apcer" in h else "") + "\n")
    if "scores" in r:
        print("| score (every fold trained and tested the same way) | LOSO worst AUC | LOSO worst ACER | " +
              " | ".join(f"{f[4:]} AUC" for f in r["folds"] if f.startswith("src-")) +
              " | held-out live accepted | photos accepted | threshold | out-of-fold APCER |")
        print("|---" * (8 + sum(f.startswith("src-") for f in r["folds"])) + "|")
        for k, v in r["scores"].items():
            hh = v["headline"]
            print(f"| {k}{' **(shipped)**' if k == r['args']['score'] else ''} | {hh['loso_worst_auc']:.4f} | {pct(hh['loso_worst_acer'])} | " +
                  " | ".join(f"{x:.4f}" for x in hh["source_auc"].values()) +
                  f" | {pct(hh['heldout_live_accepted_nested'])} | {pct(hh['faces_accepted_final'])} | {hh['threshold']:.4g} | {pct(hh['oof_apcer'])} |")
        print()
    print("| target | figure | |")
    print("|---|---|---|")
    print(f"| leave-one-session-out AUC ≥ 0.99 (worse direction) | {h['loso_worst_auc']:.4f} | {ok(h['loso_worst_auc'] >= TARGETS['loso_auc'])} |")
    print(f"| leave-one-session-out ACER ≤ 3% (worse direction, threshold chosen without the fold) | {pct(h['loso_worst_acer'])} | "
          f"{ok(h['loso_worst_acer'] <= TARGETS['loso_acer'])} |")
    print(f"| leave-one-source-out AUC ≥ 0.95 (every replay source) | min {h['lsrco_min_auc']:.4f}, mean {h['lsrco_mean_auc']:.4f} | "
          f"{ok(h['lsrco_min_auc'] >= TARGETS['lsrco_auc'])} |")
    acc = [h["heldout_live_accepted_nested"]] + ([h["faces_accepted_final"]] if h.get("faces_accepted_final") is not None else [])
    print(f"| bona fide acceptance ≥ 95%: live frames of held-out sources (mean over folds) | {pct(h['heldout_live_accepted_nested'])} | "
          f"{ok(h['heldout_live_accepted_nested'] >= TARGETS['acceptance'])} |")
    if h.get("faces_accepted_final") is not None:
        print(f"| bona fide acceptance ≥ 95%: photos of people in no training set (final model, shipped threshold) | "
              f"{pct(h['faces_accepted_final'])} | {ok(h['faces_accepted_final'] >= TARGETS['acceptance'])} |")


def e2e_table():
    rows = []
    for f in sorted(os.listdir(EVAL)):
        if f.startswith(("e2e-", "baseline-")) and f.endswith(".json"):
            rows.append((f, load(f)))
    if not rows:
        return
    print("\n| run | model | set | live / attacks scored | no face | AUC | EER | threshold | APCER | BPCER | ACER | BPCER @ APCER ≤ 1% |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for f, r in rows:
        for s, m in r["sets"].items():
            print(f"| {f[:-5]} | {r['model']} | {s} | {m['live']} / {m['spoof']} | {m['no_face']} | {m['auc']:.4f} | {pct(m['eer'])} | "
                  f"{m['threshold']:.4g} | {pct(m['apcer'])} | {pct(m['bpcer'])} | {pct(m['acer'])} | {pct(m['bpcer_at_apcer_1'])} |")
        if "faces" in r:
            a = r["faces"]
            print(f"| {f[:-5]} | {r['model']} | faces (acceptance) | {a['scored']} / – | {a['no_face']} | – | – | {a['threshold']:.4g} | – | "
                  f"{pct(1 - a['acceptance'])} | – | – |")


def experiments_table():
    r = load("experiments.json")
    if r is None:
        return
    print("\n| model | experiment | LOSO worst AUC | LOSO worst ACER | LSrcO min AUC | LSrcO mean AUC | held-out live accepted | note |")
    print("|---|---|---|---|---|---|---|---|")
    for e in r:
        h = e["headline"]
        print(f"| {e['model']} | {e['name']} | {h['loso_worst_auc']:.4f} | {pct(h['loso_worst_acer'])} | {h['lsrco_min_auc']:.4f} | "
              f"{h['lsrco_mean_auc']:.4f} | {pct(h['heldout_live_accepted_nested'])} | {e.get('note', '')} |")


def parity(name):
    r = load(f"{name}.json")
    if r is None or "n_parity" not in r:  # files of the earlier recipe have another layout
        return
    print(f"\n{name}: {r['macs'] / 1e6:.1f} M MACs, {r['params'] / 1e6:.3f} M parameters, float {r['bytes_float']:,} B, "
          f"int8 {r['bytes_int8']:,} B ({100 * r['bytes_int8'] / r['bytes_float']:.1f}%); on {r['n_parity']} real crops: "
          f"int8 vs float max |Δscore| {r['int8_vs_float_engine_max_abs']:.2g} (engine), {r['int8_vs_float_ort_max_abs']:.2g} "
          f"(onnxruntime), {r['decisions_flipped_int8_vs_float']} decisions flipped at the threshold; engine vs onnxruntime "
          f"max |Δ| over all outputs {r['parity_float_engine_vs_ort_max_abs']:.2g} (float), {r['parity_int8_engine_vs_ort_max_abs']:.2g} "
          f"(int8); torch vs onnxruntime {r['torch_vs_float_ort_max_abs']:.2g}. Ops: {', '.join(r['ops'])}.")


def paper_table():
    r = load("paper.json")
    if r is None:
        return
    print("\n| model | input | MACs | params | float | int8 | engine vs ort (float, int8: max abs over outputs) |")
    print("|---|---|---|---|---|---|---|")
    for k, v in r.items():
        print(f"| {k} | {v['input'][2]}x{v['input'][3]} | {v['macs'] / 1e9:.2f} G | {v['params'] / 1e6:.2f} M | "
              f"{v['bytes_float'] / 1e6:.1f} MB | {v['bytes_int8'] / 1e6:.1f} MB | "
              f"{max(v['parity_float'].values()):.1e}, {max(v['parity_int8'].values()):.1e} |")


def top_table():
    """psb-80 fold by fold against the fine-tuned tops of train_top80.py (nested: epoch and threshold chosen
    without the fold)."""
    base = load("protocol-psb-80.json")
    runs = [(f[9:-5], load(f)) for f in sorted(os.listdir(EVAL), key=len) if f.startswith("protocol-top80")]
    if base is None or not runs:
        return
    # The tops fine-tune the x2.7 network: compare them with its published head (the "published" row),
    # under the psb-80 run's rule; each top run states its own rule.
    rule = base["args"].get("threshold_rule", "accept95")
    base = dict(base["scores"]["published"], args=base["args"])
    print(f"\nTop runs' rules: " + ", ".join(f"{n} {r['args'].get('threshold_rule', 'accept95')}" for n, r in runs) +
          f"; published (x2.7) under {rule}.")
    print("\n| fold | published x2.7: AUC / ACER / BPCER / photos | " +
          " | ".join(f"{n}: epoch, AUC / ACER / BPCER / photos" for n, _ in runs) + " |")
    print("|---" * (2 + len(runs)) + "|")
    cell = lambda m: f"{m['auc']:.4f} / {pct(m['acer'])} / {pct(m['bpcer'])} / {pct(m['faces_accepted'])}"
    for f, row in base["folds"].items():
        print(f"| {f} | {cell(row['nested'])} | " + " | ".join(f"{r['nested']['folds'][f]['chosen']}, {cell(r['nested']['folds'][f])}"
                                                           for _, r in runs) + " |")
    hb = base["headline"]
    print(f"| **LOSO worst ACER; min source AUC; held-out live accepted** | {pct(hb['loso_worst_acer'])}; {hb['lsrco_min_auc']:.4f}; "
          f"{pct(hb['heldout_live_accepted_nested'])} | " + " | ".join(
              f"{pct(r['nested']['headline']['loso_worst_acer'])}; {r['nested']['headline']['lsrco_min_auc']:.4f}; "
              f"{pct(r['nested']['headline']['heldout_live_accepted_nested'])}" for _, r in runs) + " |")
    print(f"| **final: epoch, threshold, out-of-fold APCER, photos accepted** | published, {hb['threshold']:.4g}, {pct(hb['oof_apcer'])}, "
          f"{pct(hb['faces_accepted_final'])} | " + " | ".join(
              f"{r['chosen']}, {r['headline']['threshold']:.4g}, {pct(r['headline']['oof_apcer'])}, {pct(r['headline']['faces_accepted_final'])}"
              for _, r in runs) + " |")


def operating_points_table():
    """psb-80's threshold at other acceptance levels (operating_points.py): what the nested held-out
    acceptance costs in attacks let through."""
    op = load("operating-points-psb-80.json")
    if op is None:
        return
    print("\n| acceptance level of the rule | threshold | out-of-fold acceptance / APCER | nested: held-out live accepted "
          "| nested: replay-source APCER (mean) | nested: worst session ACER | photos accepted (final) |")
    print("|---" * 7 + "|")
    for r in op["levels"]:
        if round(r["level"] * 1000) % 5 and r["level"] != 0.9725:
            continue  # every half percent, and the level the doubly nested rule settles on
        print(f"| {pct(r['level'])} | {r['threshold']:.4f} | {pct(r['oof_acceptance'])} / {pct(r['oof_apcer'])} | "
              f"{pct(r['heldout_live_accepted_nested'])} | {pct(r['source_apcer_nested'])} | {pct(r['loso_worst_acer'])} | "
              f"{r['faces_accepted_final']}/{r['faces']} |")
    dn = op["doubly_nested"]
    print(f"\nDoubly nested (the lowest level whose nested held-out acceptance reaches {pct(dn['target'])}, found "
          f"without the scored fold): held-out live accepted {pct(dn['headline']['heldout_live_accepted'])}, "
          f"replay-source APCER {pct(dn['headline']['source_apcer'])}; per source: " +
          ", ".join(f"{k} {pct(v['live_accepted'])} / {pct(v['apcer'])}" for k, v in dn["folds"].items()) + ".")


def main():
    for n in ("psb-80", "psb-128", "patchnet-128"):
        protocol_table(n)
        parity(n)
    operating_points_table()
    top_table()
    experiments_table()
    e2e_table()
    paper_table()


if __name__ == "__main__":
    main()
