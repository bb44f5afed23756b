#!/usr/bin/env bash
# Makes the BlazeFace parity goldens: the inputs (synthetic frames, scripts/facetune goldens) and
# onnxruntime-node 1.30.0's outputs for them (scripts/ort/run.mjs). Go never writes the outputs.
#
#   core/face/testdata/blazeface/make.sh      (from the repository root, after `make npm`)
set -euo pipefail
cd "$(dirname "$0")/../../../.."
dir=core/face/testdata/blazeface
GOTOOLCHAIN=auto go run ./scripts/facetune goldens -out "$dir"
for m in front128:face_detection_front_128x128_barracuda back256:face_detection_back_256x256_barracuda; do
	name=${m%%:*}
	file=${m#*:}
	node scripts/ort/run.mjs --opt=disabled "models/blazeface/$file.onnx" "$dir/$name.input.json" "$dir/$name.golden.json"
	rm "$dir/$name.input.json"
done
ls -la "$dir"
