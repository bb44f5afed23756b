#!/usr/bin/env bash
# Re-make every committed model from ../shared on the CPU with fixed seeds, choosing everything on the
# validation protocol (scripts/train/protocol.py): crops by `bonafide crop` (the run-time detector),
# synthetic attacks from every bona fide crop, camera/light views, features of the frozen pretrained
# MiniFASNetV2 (PS-B: the whole published network at 80x80, prep_psb80.py); PS-B and PatchNet trained fold by fold (leave-one-session-out on NUAA,
# leave-one-source-out on the replay sources) and on everything; export, int8 quantization, parity;
# end-to-end scoring through `bonafide eval`; goldens; the model card's tables. `make models` runs this.
#
#   scripts/train/make-models.sh           full run; writes models/ (its measured time: models/README.md)
#   scripts/train/make-models.sh --fast    smoke test: after the same data preparation (the long part),
#                                          PS-B and PatchNet on every fold and the final model for 2 short
#                                          epochs, exported into $WORK/smoke/; models/ untouched
#
# Needs Debian's /usr/bin/python3 (torch, onnx, numpy, PIL: `make models` installs them), Go, node with
# onnxruntime-node (make npm) and ../shared (or BONAFIDE_SHARED). Intermediate files go to
# $BONAFIDE_TRAIN_WORK (default scripts/train/work, git-ignored: data derived from ../shared must never be
# committed). Every step resumes where an interrupted run stopped (its outputs are kept in $WORK).
# BONAFIDE_BIN may name a prebuilt bonafide CLI (it needs crop, eval, scan and quantize).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PY="nice -n 19 /usr/bin/python3"
fast=0
case "${1:-}" in
--fast) fast=1 ;;
"") ;;
*) echo "make-models: unknown option $1 (want --fast)" >&2; exit 2 ;;
esac
cd "$repo"
export BONAFIDE_SHARED="${BONAFIDE_SHARED:-$repo/../shared}"
export BONAFIDE_TRAIN_WORK="${BONAFIDE_TRAIN_WORK:-$here/work}"
work="$BONAFIDE_TRAIN_WORK"
[ -d "$BONAFIDE_SHARED/data/nuaa-train" ] || { echo "make-models: no NUAA data under $BONAFIDE_SHARED" >&2; exit 1; }
/usr/bin/python3 -c 'import torch, onnx, numpy, PIL' || {
  echo "make-models: /usr/bin/python3 lacks torch/onnx/numpy/PIL (make models installs python3-torch python3-onnx python3-numpy python3-pil)" >&2; exit 1; }
[ -d node_modules/onnxruntime-node ] || make npm
bin="${BONAFIDE_BIN:-}"
if [ -z "$bin" ]; then
  bin="$work/bin/bonafide"
  mkdir -p "$(dirname "$bin")"
  GOTOOLCHAIN=auto go build -o "$bin" ./cmd/bonafide
fi
export BONAFIDE_ENGINERUN="$work/bin/enginerun"
mkdir -p "$work/bin" "$work/logs"
GOTOOLCHAIN=auto go build -o "$BONAFIDE_ENGINERUN" ./scripts/train/enginerun
start=$(date +%s)
stamp() { echo "make-models: $1 at +$(( $(date +%s) - start ))s"; }

# The published weights load exactly and match their ONNX file (and our engine).
$PY "$here/minifasnet.py" check
# Crops and synthetic attacks (both crops), the PatchNet trunk's patch features and PS-B's 80x80
# features of the published network (the longest step; resumable). PS-B needs no 128x128 trunk features
# (those feed train_pyramid.py alone), hence --crops-only.
$PY "$here/protocol.py" prep --crop psb --crops-only --bonafide "$bin"
$PY "$here/prep_psb80.py" "$bin"
stamp "PS-B data (x2.7 crops; published MiniFASNetV2 features at 80x80)"
$PY "$here/protocol.py" prep --crop patch --views 1 --bonafide "$bin"
stamp "PatchNet data (x1.0 crops)"

if [ $fast = 1 ]; then
  out="$work/smoke"
  mkdir -p "$out"
  $PY "$here/train_psb80.py" fold nuaa-s01 --epochs 2 --epoch-size 512 --qat-epochs 1 --tag smoke
  $PY "$here/train_psb80.py" protocol --epochs 2 --epoch-size 512 --qat-epochs 1 --tag smoke
  $PY "$here/export_psb80.py" "$work/runs/psb80-smoke" "$out/psb-80.onnx" --bonafide "$bin" --limit 40 --eval-json "$out/psb-80.json"
  $PY "$here/train_patchnet.py" protocol --epochs 2 --epoch-size 512 --qat-epochs 1 --tag smoke
  $PY "$here/export_patchnet.py" "$work/runs/patchnet-smoke" "$out/patchnet-128.onnx" --bonafide "$bin" --limit 40 --eval-json "$out/patchnet-128.json"
  stamp "smoke test done (models/ untouched)"
  exit 0
fi

# The committed recipe: every fold, then the final model on everything (train_*.py defaults, seed 1).
$PY "$here/train_psb80.py" protocol > "$work/logs/train-psb80.log" 2>&1 || { tail -20 "$work/logs/train-psb80.log"; exit 1; }
stamp "PS-B: 8 folds + final"
$PY "$here/train_patchnet.py" protocol > "$work/logs/train-patchnet.log" 2>&1 || { tail -20 "$work/logs/train-patchnet.log"; exit 1; }
stamp "PatchNet: 8 folds + final"
cp "$work/runs/psb80/protocol.json" models/eval/protocol-psb-80.json
$PY "$here/nested_select.py" "$work/runs/psb80/protocol.json" models/eval/nested-select-psb-80.json  # the candidate scores (crop scales, mixes), chosen fold by fold
$PY "$here/operating_points.py" "$work/runs/psb80/protocol.json" models/eval/operating-points-psb-80.json  # the threshold rule at higher acceptance levels, nested
cp "$work/runs/patchnet/protocol.json" models/eval/protocol-patchnet-128.json
$PY "$here/export_psb80.py" "$work/runs/psb80" models/psb-80.onnx --bonafide "$bin"
$PY "$here/export_patchnet.py" "$work/runs/patchnet" models/patchnet-128.onnx --bonafide "$bin"
stamp "exported, quantized, parity checked"
# End to end through the Go pipeline on every protocol set (the shipped files were trained on all of
# them: these rows check the pipeline and the threshold, the protocol's fold rows are the figures).
for m in psb-80.int8 patchnet-128.int8; do
  $PY "$here/protocol_eval.py" "$bin" "models/$m.onnx" "models/eval/e2e-$m.json"
done
$PY "$here/protocol_eval.py" "$bin" "$BONAFIDE_SHARED/models/minifasnet-v2-80x80.onnx" models/eval/baseline-minifasnet-v2.json --profile minifasnet
# The default's session verdicts (median of 5 usable frames, as startSession decides) at each fold's nested threshold,
# each frame scored by the fold model that did not train on it.
$PY "$here/session_verdicts.py" "$bin" models/psb-80.int8.onnx models/eval/protocol-psb-80.json models/eval/session-verdicts-psb-80.json --run "$work/runs/psb80"
stamp "end-to-end runs"
$PY "$here/export_paper.py" "$work/paper" --bonafide "$bin"
# Only the paper-scale models that fit the repository budget (~25 MB for float + int8) are committed.
cp "$work/paper/cdcn-ps-256.onnx" "$work/paper/cdcn-ps-256.int8.onnx" models/
cp "$work/paper/paper.json" models/eval/paper.json
$PY "$here/goldens.py"
$PY "$here/card_tables.py" > "$work/card-tables.md"
stamp "paper-scale exports, goldens and $work/card-tables.md; all done"
