package model

import (
	"os"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/sharedtest"
)

// TestMiniFASNetParity runs the real third-party MiniFASNetV2 (Apache-2.0, from ../shared) and
// compares with onnxruntime's outputs for the committed input.
func TestMiniFASNetParity(t *testing.T) {
	data, err := os.ReadFile(sharedtest.File(t, "models", "minifasnet-v2-80x80.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := loadGoldenFile(t, "testdata/shared/minifasnet-v2-80x80.golden.json")
	for _, fuse := range []bool{true, false} {
		checkGolden(t, g, data, Options{noFusion: !fuse})
	}
}
