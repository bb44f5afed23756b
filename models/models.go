package models

import _ "embed"

// DefaultName is the file of the default model: PS-B (Pyramid Supervision, binary masks), INT8
// weights. See README.md for its card.
const DefaultName = "psb-80.int8.onnx"

// Default is the default model's ONNX bytes, built into the CLI so that `bonafide scan` and
// `bonafide eval` work without -model. The browser build fetches its copy instead
// (scripts/build-web.sh).
//
//go:embed psb-80.int8.onnx
var Default []byte
