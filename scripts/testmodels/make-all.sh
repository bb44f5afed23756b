#!/usr/bin/env bash
# Regenerates every test model and golden in core/model/testdata/{ops,nets}, then checks them.
# Needs Debian's /usr/bin/python3 (python3-onnx, python3-torch, python3-numpy) and `make npm`.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
OPS=core/model/testdata/ops
NETS=core/model/testdata/nets

[ -d node_modules/onnxruntime-node ] || make npm
"$PY" scripts/testmodels/make_ops.py
"$PY" scripts/testmodels/make_nets.py 2> >(grep -v -e 'UserWarning: The shape inference of prim::Constant' -e '_jit_pass_onnx' >&2)
# The outputs come from onnxruntime-node only.
node scripts/testmodels/golden.mjs "$OPS" "$NETS"
# torch's outputs match the goldens (the export kept the meaning) ...
"$PY" scripts/testmodels/make_nets.py --verify
# ... and so do independent spec references for the ops with tricky attributes.
"$PY" scripts/testmodels/crosscheck.py
node scripts/testmodels/index.mjs
echo "make-all.sh: $(ls $OPS/*.golden.json | wc -l) op cases, $(ls $NETS/*.golden.json | wc -l) nets," \
	"$(du -cb $OPS $NETS | tail -1 | cut -f1) bytes"
