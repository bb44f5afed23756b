//go:build !js

package models

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/internal/sharedtest"
)

// TestPatchNetReference runs the reference-based mode on the committed PatchNet file through the
// public API: a live NUAA frame is enrolled, the same frame then matches its own patches (reference
// score 1 up to rounding), and a frame of another subject matches them less. This checks that the
// file's embedding output is wired as the metadata says (16 unit rows, one per patch), which the
// goldens alone (a synthetic input) do not show on a face.
func TestPatchNetReference(t *testing.T) {
	shared := sharedtest.Dir(t, "data", "nuaa-train", "live")
	data, err := os.ReadFile("patchnet-128.int8.onnx")
	if err != nil {
		t.Fatal(err)
	}
	c, err := liveness.New(liveness.Config{Model: data, FaceModel: BlazeFaceFront})
	if err != nil {
		t.Fatal(err)
	}
	frame := func(rel string) *face.Frame {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(shared, "data", "nuaa-train", rel))
		if err != nil {
			t.Fatal(err)
		}
		f, err := face.DecodeBytes(b)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		return f
	}
	enrolled := frame("live/0001/0001_00_00_01_0.jpg")
	n, err := c.Enroll(enrolled)
	if err != nil {
		t.Fatal(err)
	}
	if n != 16 {
		t.Fatalf("enrolled %d patches, want 16 (a 4x4 grid)", n)
	}
	score := func(f *face.Frame) float64 {
		t.Helper()
		c.ResetTracking()
		r, err := c.Analyze(f)
		if err != nil {
			t.Fatal(err)
		}
		if r.Face == nil || math.IsNaN(r.ReferenceScore) || r.ReferenceScore < 0 || r.ReferenceScore > 1 {
			t.Fatalf("face %v, reference score %v: want a face and a score in [0,1]", r.Face, r.ReferenceScore)
		}
		return r.ReferenceScore
	}
	same := score(enrolled)
	if same < 0.999 {
		t.Errorf("the enrolled frame scores %.6f against itself, want 1", same)
	}
	other := score(frame("live/0002/0002_01_00_01_100.jpg"))
	if other >= same {
		t.Errorf("another subject's frame scores %.6f, not below the enrolled frame's %.6f", other, same)
	}
	t.Logf("reference score: enrolled frame %.4f, another subject %.4f", same, other)
}
