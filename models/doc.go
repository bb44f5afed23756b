// Package models holds bonafide's trained ONNX models and their cards (README.md), and embeds what
// the CLI needs without a -model flag: the default liveness model (Default) and BlazeFace's
// face-detector weights (blazeface.go). The wasm binary embeds none of them: the browser fetches
// its models from beside the module (scripts/build-web.sh puts them there).
package models
