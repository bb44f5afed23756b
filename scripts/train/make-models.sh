#!/usr/bin/env bash
# Re-make every committed model from ../shared on the CPU with fixed seeds: crops (`bonafide crop`),
# frame-level synthetic attacks, PS-B and PatchNet training (+ weight-QAT), ONNX export + metadata +
# int8 quantization + held-out evaluation in onnxruntime and in our engine, the paper-scale exports,
# the MiniFASNetV2 comparison and the Go test goldens. `make models` runs this.
#
#   scripts/train/make-models.sh           full run; writes models/ (its measured time: models/README.md)
#   scripts/train/make-models.sh --fast    smoke test: crops, then 2 short epochs per model exported
#                                          into $WORK/smoke/ on 1/20 of the held-out crops; models/ untouched
#
# Needs Debian's /usr/bin/python3 (torch 1.13, onnx 1.12, numpy, PIL), Go, node with onnxruntime-node
# (make npm) and ../shared (or BONAFIDE_SHARED). Intermediate files go to $BONAFIDE_TRAIN_WORK
# (default scripts/train/work, git-ignored: NUAA-derived data must never be committed).
# BONAFIDE_BIN may name a prebuilt bonafide CLI (it needs crop and quantize).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PY=/usr/bin/python3
fast=0
[ "${1:-}" = "--fast" ] && fast=1
cd "$repo"
export BONAFIDE_SHARED="${BONAFIDE_SHARED:-$repo/../shared}"
export BONAFIDE_TRAIN_WORK="${BONAFIDE_TRAIN_WORK:-$here/work}"
work="$BONAFIDE_TRAIN_WORK"
[ -d "$BONAFIDE_SHARED/data/nuaa-train" ] || { echo "make-models: no NUAA data under $BONAFIDE_SHARED" >&2; exit 1; }
$PY -c 'import torch, onnx, numpy, PIL' || {
  echo "make-models: $PY lacks torch/onnx/numpy/PIL (apt-get install python3-torch python3-onnx python3-numpy python3-pil)" >&2; exit 1; }
[ -d node_modules/onnxruntime-node ] || make npm
bin="${BONAFIDE_BIN:-}"
if [ -z "$bin" ]; then
  bin="$work/bin/bonafide"
  mkdir -p "$(dirname "$bin")"
  GOTOOLCHAIN=auto go build -o "$bin" ./cmd/bonafide
fi
export BONAFIDE_ENGINERUN="$work/bin/enginerun"
mkdir -p "$work/bin"
GOTOOLCHAIN=auto go build -o "$BONAFIDE_ENGINERUN" ./scripts/train/enginerun
start=$(date +%s)
stamp() { echo "make-models: $1 at +$(( $(date +%s) - start ))s"; }

"$here/make-crops.sh" "$bin"
stamp "crops"
if [ $fast = 1 ]; then
  out="$work/smoke"
  mkdir -p "$out"
  $PY "$here/train_psb.py" --fast --out "$out/psb"
  $PY "$here/train_patchnet.py" --fast --out "$out/patchnet"
  $PY "$here/export.py" psb "$out/psb/psb.pt" "$out/psb-128.onnx" --bonafide "$bin" --limit 20
  $PY "$here/export.py" patchnet "$out/patchnet/patchnet.pt" "$out/patchnet-128.onnx" --bonafide "$bin" --limit 20
  stamp "smoke test done (models/ untouched)"
  exit 0
fi

# Frame-level synthetic attacks: replays of the training subjects (training data) and replays +
# prints of the held-out subjects (evaluation only).
BONAFIDE_PROCS=2 $PY "$here/frame_attacks.py" "$bin" train val
stamp "frame-level attacks"

# The committed recipe: seed 1 and the scripts' defaults (24 epochs of 1536 crops, then 4 QAT
# epochs). The two trainings use one thread each and run side by side on the 2-core machine.
runs="$work/runs"
mkdir -p "$runs"
$PY "$here/train_psb.py" --seed 1 --out "$runs/psb" > "$runs/psb.log" 2>&1 &
p1=$!
$PY "$here/train_patchnet.py" --seed 1 --out "$runs/patchnet" > "$runs/patchnet.log" 2>&1 &
p2=$!
wait $p1 || { tail -20 "$runs/psb.log"; exit 1; }
wait $p2 || { tail -20 "$runs/patchnet.log"; exit 1; }
grep -h "val_\|done" "$runs/psb.log" "$runs/patchnet.log"
stamp "PS-B and PatchNet trained"
$PY "$here/export.py" psb "$runs/psb/psb.pt" models/psb-128.onnx --bonafide "$bin" > "$runs/export-psb.log" 2>&1 &
p1=$!
$PY "$here/export.py" patchnet "$runs/patchnet/patchnet.pt" models/patchnet-128.onnx --bonafide "$bin" > "$runs/export-patchnet.log" 2>&1 &
p2=$!
wait $p1 || { tail -20 "$runs/export-psb.log"; exit 1; }
wait $p2 || { tail -20 "$runs/export-patchnet.log"; exit 1; }
grep -h "_ort \|_engine \|int8 vs" "$runs/export-psb.log" "$runs/export-patchnet.log"
stamp "exported, quantized and evaluated"
$PY "$here/export_paper.py" "$work/paper" --bonafide "$bin"
# Only the paper-scale models that fit the repository budget (~25 MB for float + int8) are committed.
cp "$work/paper/cdcn-ps-256.onnx" "$work/paper/cdcn-ps-256.int8.onnx" models/
cp "$work/paper/paper.json" models/eval/paper.json
stamp "paper-scale exports"
$PY "$here/compare_minifas.py" models/psb-128.onnx models/patchnet-128.onnx
$PY "$here/goldens.py"
$PY "$here/card_tables.py" > "$work/card-tables.md"
stamp "MiniFASNetV2 comparison, goldens and $work/card-tables.md; all done"
