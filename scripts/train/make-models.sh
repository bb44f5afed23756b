#!/usr/bin/env bash
# Re-make every committed model from ../shared on the CPU with fixed seeds: crops (bonafide crop),
# PS-B and PatchNet training, ONNX export + metadata + int8 quantization + held-out evaluation, the
# paper-scale exports, the MiniFASNetV2 comparison and the Go test goldens. `make models` runs this.
#
#   scripts/train/make-models.sh           full run; writes models/ (see models/README.md for its time)
#   scripts/train/make-models.sh --fast    smoke test: 2 short epochs each, exports into
#                                          scripts/train/work/smoke/, leaves models/ alone
#
# Needs Debian's /usr/bin/python3 (torch 1.13, onnx 1.12, numpy, PIL), Go, node with onnxruntime-node
# (make npm) and ../shared (or BONAFIDE_SHARED). BONAFIDE_BIN may name a prebuilt bonafide CLI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PY=/usr/bin/python3
fast=0
[ "${1:-}" = "--fast" ] && fast=1
cd "$repo"
export BONAFIDE_SHARED="${BONAFIDE_SHARED:-$repo/../shared}"
[ -d "$BONAFIDE_SHARED/data/nuaa-train" ] || { echo "make-models: no NUAA data under $BONAFIDE_SHARED" >&2; exit 1; }
$PY -c 'import torch, onnx, numpy, PIL' || { echo "make-models: $PY lacks torch/onnx/numpy/PIL (apt-get install python3-torch python3-onnx python3-numpy python3-pil)" >&2; exit 1; }
[ -d node_modules/onnxruntime-node ] || make npm
bin="${BONAFIDE_BIN:-}"
if [ -z "$bin" ]; then
  bin="$here/work/bin/bonafide"
  mkdir -p "$(dirname "$bin")"
  GOTOOLCHAIN=auto go build -o "$bin" ./cmd/bonafide
fi
start=$(date +%s)
stamp() { echo "make-models: $1 at +$(( $(date +%s) - start ))s"; }

"$here/make-crops.sh" "$bin"
stamp "crops"
if [ $fast = 1 ]; then
  out="$here/work/smoke"
  mkdir -p "$out"
  $PY "$here/train_psb.py" --fast --out "$out/psb"
  $PY "$here/train_patchnet.py" --fast --out "$out/patchnet"
  $PY "$here/export.py" psb "$out/psb/psb.pt" "$out/psb-128.onnx" --bonafide "$bin" --limit 20
  $PY "$here/export.py" patchnet "$out/patchnet/patchnet.pt" "$out/patchnet-128.onnx" --bonafide "$bin" --limit 20
  stamp "smoke test done (models/ untouched)"
  exit 0
fi

# The committed recipe: seed 1, the scripts' defaults (24 epochs of 1536 crops each).
runs="$here/work/runs"
$PY "$here/train_psb.py" --epochs 24 --eval-every 4 --seed 1 --out "$runs/psb"
stamp "PS-B trained"
$PY "$here/train_patchnet.py" --epochs 24 --eval-every 4 --seed 1 --out "$runs/patchnet"
stamp "PatchNet trained"
$PY "$here/export.py" psb "$runs/psb/psb.pt" models/psb-128.onnx --bonafide "$bin"
$PY "$here/export.py" patchnet "$runs/patchnet/patchnet.pt" models/patchnet-128.onnx --bonafide "$bin"
stamp "exported and evaluated"
$PY "$here/export_paper.py" "$here/work/paper" --bonafide "$bin"
# Only the paper-scale models that fit the repository budget (~25 MB for float + int8) are committed.
cp "$here/work/paper/cdcn-ps-256.onnx" "$here/work/paper/cdcn-ps-256.int8.onnx" models/
cp "$here/work/paper/paper.json" models/eval/paper.json
stamp "paper-scale exports"
$PY "$here/compare_minifas.py" models/psb-128.onnx models/patchnet-128.onnx
$PY "$here/goldens.py"
stamp "MiniFASNetV2 comparison and goldens; all done"
