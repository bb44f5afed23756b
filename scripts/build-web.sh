#!/usr/bin/env bash
# Assembles the browser module in OUT (default build/web): bonafide.wasm (built by `make wasm`),
# Go's wasm_exec.js, the ES modules, the types, the demo and the default model, plus
# models/default.json (the model's source, size and SHA-256) and sizes.json (download sizes,
# raw and gzip -9, measured here on the files themselves).
#
# Usage: scripts/build-web.sh [OUT]      (run from the repository root; `make web` does)
set -euo pipefail

# The model the demo and Bonafide.create() load by default. Switch it to models/… when the trained
# model lands; a file named dev-* is treated as an untrained development model (the demo says so
# and the end-to-end tests skip the live-vs-spoof direction check).
DEFAULT_MODEL="${DEFAULT_MODEL:-models/psb-80.int8.onnx}"

OUT="${1:-build/web}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

die() { echo "build-web: $*" >&2; exit 1; }
[ -f "$OUT/bonafide.wasm" ] || die "$OUT/bonafide.wasm is missing: run 'make web' (it builds the wasm first)"
[ -f "$DEFAULT_MODEL" ] || die "DEFAULT_MODEL $DEFAULT_MODEL does not exist"

# The release: VERSION is the one place it is written (see version.go).
VERSION="$(cat VERSION)"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]] || die "VERSION holds \"$VERSION\", not a semantic version"

GOROOT_DIR="$(GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" go env GOROOT)"
WASM_EXEC="$GOROOT_DIR/lib/wasm/wasm_exec.js"
[ -f "$WASM_EXEC" ] || WASM_EXEC="$GOROOT_DIR/misc/wasm/wasm_exec.js" # Go < 1.24
[ -f "$WASM_EXEC" ] || die "no wasm_exec.js under $GOROOT_DIR"

rm -rf "$OUT/models" "$OUT/demo"
mkdir -p "$OUT/models" "$OUT/demo"
cp "$WASM_EXEC" "$OUT/wasm_exec.js"
for f in bonafide.mjs bonafide.worker.mjs engine.mjs bonafide-check.mjs bonafide.d.ts bonafide-check.d.ts README.md; do
	cp "web/$f" "$OUT/$f"
done
# bonafide.mjs carries the release as a placeholder that only this build fills in.
stamp="export const version = '0.0.0-unbuilt';"
[ "$(grep -cxF "$stamp" "$OUT/bonafide.mjs")" = 1 ] || die "web/bonafide.mjs must hold the line \"$stamp\" exactly once"
sed -i "s/^export const version = '0.0.0-unbuilt';\$/export const version = '$VERSION';/" "$OUT/bonafide.mjs"
grep -qxF "export const version = '$VERSION';" "$OUT/bonafide.mjs" || die "could not write the version into $OUT/bonafide.mjs"
cp web/demo/index.html web/demo/demo.mjs web/demo/demo.css "$OUT/demo/"

# asset SRC DEST: a file the module loads at run time (a model, the face detector's weights). It is
# copied to OUT/DEST and listed with its source in manifest.json; everything under models/ also gets
# its SHA-256 in manifest.mjs, which Bonafide.create() checks, and must have a NOTICE entry in the
# npm package (scripts/build-package.sh checks).
declare -A SOURCE=()
asset() {
	mkdir -p "$(dirname "$OUT/$2")"
	cp "$1" "$OUT/$2"
	SOURCE[$2]="$1"
}
asset "$DEFAULT_MODEL" models/default.onnx
# The face detector (BlazeFace front 128×128, Apache-2.0; models/blazeface/README.md), fetched beside
# the liveness model and checked the same way.
FACE_MODEL="${FACE_MODEL:-models/blazeface/face_detection_front_128x128_barracuda.onnx}"
[ -f "$FACE_MODEL" ] || die "FACE_MODEL $FACE_MODEL does not exist"
asset "$FACE_MODEL" models/blazeface.onnx
# pico's cascade for options.detector 'pigo' (core/face/FACEFINDER.md): the browser's wasm (tag
# bonafide_lean) does not embed it, so a page that picks pigo fetches it. Not part of first use.
asset core/face/facefinder models/facefinder

# The root redirects to the demo.
cat > "$OUT/index.html" <<'HTML'
<!doctype html>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0; url=demo/">
<title>bonafide</title>
<a href="demo/">bonafide demo</a>
HTML

sha() { sha256sum "$1" | cut -d' ' -f1; }
raw() { wc -c < "$1" | tr -d ' '; }
gz() { gzip -9 -c "$@" | wc -c | tr -d ' '; }

dev=false
case "$(basename "$DEFAULT_MODEL")" in dev-*) dev=true ;; esac
cat > "$OUT/models/default.json" <<JSON
{"source": "$DEFAULT_MODEL", "file": "default.onnx", "bytes": $(raw "$OUT/models/default.onnx"), "sha256": "$(sha "$OUT/models/default.onnx")", "dev": $dev}
JSON

# manifest.mjs (imported by bonafide.mjs: the hashes its integrity defaults use) and manifest.json
# (the same for tools, plus the JS files and each asset's source).
mapfile -t loaded < <(cd "$OUT" && { echo bonafide.wasm; find models -type f ! -name '*.json' | LC_ALL=C sort; })
{
	echo "// Written by scripts/build-web.sh for bonafide $VERSION: the SHA-256 of the files bonafide.mjs loads by"
	echo "// default, which Bonafide.create() checks unless a URL or a hash is given (see web/manifest.mjs)."
	echo "export const release = '$VERSION';"
	echo "export const assets = Object.freeze({"
	for f in "${loaded[@]}"; do
		echo "  '$f': Object.freeze({ bytes: $(raw "$OUT/$f"), sha256: '$(sha "$OUT/$f")' }),"
	done
	echo "});"
} > "$OUT/manifest.mjs"
{
	echo "{"
	echo "  \"name\": \"bonafide-web\", \"version\": \"$VERSION\","
	echo "  \"files\": {"
	sep=""
	for f in bonafide.mjs bonafide.worker.mjs engine.mjs manifest.mjs bonafide-check.mjs bonafide.d.ts bonafide-check.d.ts wasm_exec.js "${loaded[@]}"; do
		src="${SOURCE[$f]:-}"
		printf '%s    "%s": {"bytes": %s, "sha256": "%s"%s}' "$sep" "$f" "$(raw "$OUT/$f")" "$(sha "$OUT/$f")" "${src:+, \"source\": \"$src\"}"
		sep=$',\n'
	done
	echo
	echo "  }"
	echo "}"
} > "$OUT/manifest.json"

js=("$OUT/bonafide.mjs" "$OUT/bonafide.worker.mjs" "$OUT/engine.mjs" "$OUT/manifest.mjs" "$OUT/wasm_exec.js")
jsraw=$(cat "${js[@]}" | wc -c | tr -d ' ')
jsgz=0
for f in "${js[@]}"; do jsgz=$((jsgz + $(gz "$f"))); done
# firstUse: everything a page downloads the first time it runs bonafide with the default options (the
# wasm, the JS, the liveness model and BlazeFace's weights; not pigo's cascade), against issue 12's
# budgets (wasm ≤ 1.6 MB gzip, all of it ≤ 2.5 MB gzip). "assets" lists every file the module may load.
fraw=$(( $(raw "$OUT/bonafide.wasm") + jsraw ))
fgz=$(( $(gz "$OUT/bonafide.wasm") + jsgz ))
assets_json=""
for f in "${loaded[@]}"; do
	[ "$f" = bonafide.wasm ] && continue
	first=false
	case "$f" in models/default.onnx | models/blazeface.onnx) first=true ;; esac
	if $first; then
		fraw=$(( fraw + $(raw "$OUT/$f") ))
		fgz=$(( fgz + $(gz "$OUT/$f") ))
	fi
	assets_json+="${assets_json:+, }{\"file\": \"$f\", \"source\": \"${SOURCE[$f]:-}\", \"raw\": $(raw "$OUT/$f"), \"gzip\": $(gz "$OUT/$f"), \"firstUse\": $first}"
done
cat > "$OUT/sizes.json" <<JSON
{
  "wasm": {"raw": $(raw "$OUT/bonafide.wasm"), "gzip": $(gz "$OUT/bonafide.wasm"), "sha256": "$(sha "$OUT/bonafide.wasm")"},
  "js": {"files": ["bonafide.mjs", "bonafide.worker.mjs", "engine.mjs", "manifest.mjs", "wasm_exec.js"], "raw": $jsraw, "gzip": $jsgz},
  "worker": {"raw": $(( $(raw "$OUT/bonafide.worker.mjs") + $(raw "$OUT/engine.mjs") )), "gzip": $(( $(gz "$OUT/bonafide.worker.mjs") + $(gz "$OUT/engine.mjs") ))},
  "component": {"raw": $(raw "$OUT/bonafide-check.mjs"), "gzip": $(gz "$OUT/bonafide-check.mjs")},
  "model": {"source": "$DEFAULT_MODEL", "raw": $(raw "$OUT/models/default.onnx"), "gzip": $(gz "$OUT/models/default.onnx")},
  "faceModel": {"source": "$FACE_MODEL", "raw": $(raw "$OUT/models/blazeface.onnx"), "gzip": $(gz "$OUT/models/blazeface.onnx")},
  "assets": [$assets_json],
  "firstUse": {"raw": $fraw, "gzip": $fgz},
  "budget": {"wasmGzip": 1600000, "firstUseGzip": 2500000}
}
JSON
echo "build-web: $OUT ready (bonafide $VERSION, model $DEFAULT_MODEL); sizes in $OUT/sizes.json"
