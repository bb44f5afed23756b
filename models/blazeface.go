package models

import _ "embed"

// BlazeFace's ONNX files (MediaPipe's face detector, Apache-2.0; see blazeface/README.md). The CLI
// embeds them; the browser build copies the front model next to the liveness model instead
// (scripts/build-web.sh), so that the wasm binary carries neither.
var (
	// BlazeFaceFront is face_detection_front_128x128: faces at selfie distance, the default.
	//
	//go:embed blazeface/face_detection_front_128x128_barracuda.onnx
	BlazeFaceFront []byte
	// BlazeFaceBack is face_detection_back_256x256: faces down to about half the size, at about six
	// times the work.
	//
	//go:embed blazeface/face_detection_back_256x256_barracuda.onnx
	BlazeFaceBack []byte
)
