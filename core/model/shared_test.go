package model

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir locates ../shared (the developers' data beside the checkout): $BONAFIDE_SHARED, or the
// folder next to the repository root. It skips the test when the folder is absent.
func sharedDir(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("BONAFIDE_SHARED"), filepath.Join("..", "..", "..", "shared")}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c
		}
	}
	t.Skip("../shared is absent (set BONAFIDE_SHARED): skipping the test on third-party data")
	return ""
}

// TestMiniFASNetParity runs the real third-party MiniFASNetV2 (Apache-2.0, from ../shared) and
// compares with onnxruntime's outputs for the committed input.
func TestMiniFASNetParity(t *testing.T) {
	path := filepath.Join(sharedDir(t), "models", "minifasnet-v2-80x80.onnx")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("MiniFASNetV2 not in ../shared: %v", err)
	}
	g, _ := loadGoldenFile(t, "testdata/shared/minifasnet-v2-80x80.golden.json")
	for _, fuse := range []bool{true, false} {
		checkGolden(t, g, data, Options{NoFusion: !fuse})
	}
}
