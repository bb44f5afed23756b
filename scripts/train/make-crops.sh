#!/usr/bin/env bash
# Crop the NUAA training split with `bonafide crop` (core/face: pigo detection + the one crop function
# the browser runs), so training and run time share one geometry.
#
#   scripts/train/make-crops.sh [BONAFIDE_BIN]
#
# Writes ${BONAFIDE_TRAIN_WORK:-scripts/train/work}/crops/<tag>/{live,spoof}/<subject>/<frame>.png and manifest.jsonl (face
# box and crop window of every frame; frames without a face are listed there as no_face and skipped
# by training). Also the MiniFASNetV2 crops (80x80, x2.7, BGR raw) of the held-out subjects, for the
# comparison in models/README.md. Idempotent: an existing crop folder is kept (delete it to redo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="${BONAFIDE_SHARED:-$repo/../shared}"
nuaa="$shared/data/nuaa-train"
[ -d "$nuaa" ] || { echo "make-crops: $nuaa not found (set BONAFIDE_SHARED)" >&2; exit 1; }
bin="${1:-}"
if [ -z "$bin" ]; then
  bin="$(mktemp -d)/bonafide"
  (cd "$repo" && GOTOOLCHAIN=auto go build -o "$bin" ./cmd/bonafide)
fi
help="$("$bin" crop -h 2>&1 || true)"
grep -q -- '-manifest' <<<"$help" || { echo "make-crops: $bin has no 'crop -manifest' command" >&2; exit 1; }

crop() { # tag, flags...
  local tag=$1; shift
  local dir="${BONAFIDE_TRAIN_WORK:-$here/work}/crops/$tag"
  if [ -f "$dir/manifest.jsonl" ]; then echo "make-crops: $dir exists"; return; fi
  mkdir -p "$dir.tmp"
  "$bin" crop -out "$dir.tmp" -manifest "$dir.tmp/manifest.jsonl" "$@" "$nuaa" 2> "$dir.tmp/stderr.txt" || {
    cat "$dir.tmp/stderr.txt" >&2; exit 1; }
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  echo "make-crops: $dir: $(grep -c '"ok"' "$dir/manifest.jsonl") crops, $(grep -c '"no_face"' "$dir/manifest.jsonl") frames without a face"
}
# The models' crop (common.CROP): size 128, box x1.5, square, shift at the border.
crop s128-x1.5-sq-shift -size 128 -scale 1.5 -square -border shift
# PatchNet's crop: the face box itself (x1.0), so that every patch lies on the face (or the medium
# showing it) and keeps more texture detail than the x1.5 crop.
crop s128-x1.0-sq-shift -size 128 -scale 1.0 -square -border shift
# MiniFASNetV2's crop (Silent-Face-Anti-Spoofing: 80x80, x2.7, shift; BGR is applied at load time).
crop s80-x2.7-nsq-shift -size 80 -scale 2.7 -square=false -border shift
