//go:build !js

package models

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/internal/oracle"
	"github.com/bonafide-pad/bonafide/internal/sharedtest"
)

// TestDefaultScoresLive is the default model's golden on a picture it scores live. The committed
// golden input (testdata/input-80.json for psb-80, synthetic) drives every output near 0, where a 1e-4
// tolerance says little, and a photo of a person cannot be committed. So the test takes bona fide
// webcam frames from ../shared (NUAA's live class, then each replay source's), runs the whole
// path (detector, quality gate, crop, model) until one frame is judged live, and compares the
// model's outputs on that crop with onnxruntime's, computed now (internal/oracle). It reads
// DefaultName and the model's own metadata, so it follows the default model when it changes.
func TestDefaultScoresLive(t *testing.T) {
	if err := oracle.Available(); errors.Is(err, oracle.ErrUnavailable) {
		t.Skip(err)
	}
	shared := sharedtest.Dir(t, "data", "nuaa-train", "live")
	c, err := liveness.New(liveness.Config{Model: Default, FaceModel: BlazeFaceFront})
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, pattern := range []string{"data/nuaa-train/live/*", "data/replay/*/live"} {
		d, err := filepath.Glob(filepath.Join(shared, pattern))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d...)
	}
	// Three frames a folder, spread over it: about 40 frames, a few seconds natively.
	const perDir = 3
	var (
		crop  []float32
		r     *liveness.Result
		from  string
		tried []string
	)
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
		if err != nil || len(files) == 0 {
			continue
		}
		slices.Sort(files)
		for k := range perDir {
			f := files[k*len(files)/perDir]
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			frame, err := face.DecodeBytes(data)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			c.ResetTracking()
			res, err := c.Analyze(frame)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			tried = append(tried, fmt.Sprintf("%s %.3f", filepath.Base(f), res.Score))
			if !res.Live {
				continue
			}
			crop = make([]float32, c.Profile().Crop.Len())
			if _, err := face.CropFace(crop, frame, res.Face, c.Profile().Crop); err != nil {
				t.Fatal(err)
			}
			r, from = res, f
			break
		}
		if r != nil {
			break
		}
	}
	if r == nil {
		t.Fatalf("%s scores none of %d bona fide frames live at threshold %.3f: %s", DefaultName, len(tried),
			c.Threshold(), strings.Join(tried, ", "))
	}
	t.Logf("%s: score %.4f ≥ threshold %.4f", from, r.Score, c.Threshold())

	m := c.Model()
	outs, err := m.NewRunner().RunFloat32(crop)
	if err != nil {
		t.Fatal(err)
	}
	in := m.Inputs()[0]
	want, err := oracle.Run(DefaultName, []oracle.Tensor{{Name: in.Name, Shape: in.Shape, Data: crop}})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(outs) {
		t.Fatalf("%d outputs, onnxruntime %d", len(outs), len(want))
	}
	// The tolerance of the synthetic golden (testdata/README.md), on outputs that are not all near 0.
	const tol = 1e-4
	scoreName := c.Profile().Score
	var spread float64
	for i, w := range want {
		info := m.Outputs()[i]
		if info.Name != w.Name || len(outs[i]) != len(w.Data) {
			t.Fatalf("output %d is %s (%d values), onnxruntime's %s (%d)", i, info.Name, len(outs[i]), w.Name, len(w.Data))
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		worst, at := 0.0, 0
		for j := range w.Data {
			lo, hi = math.Min(lo, float64(w.Data[j])), math.Max(hi, float64(w.Data[j]))
			if d := math.Abs(float64(outs[i][j]) - float64(w.Data[j])); d > worst || math.IsNaN(d) {
				worst, at = d, j
			}
		}
		if !(worst <= tol) {
			t.Errorf("output %s: max |engine − onnxruntime| %.3g at %d (got %v, want %v), tolerance %g",
				w.Name, worst, at, outs[i][at], w.Data[at], tol)
		}
		if info.Name != scoreName {
			spread = math.Max(spread, hi-lo)
		}
		t.Logf("output %s: onnxruntime's values span [%.4f, %.4f], max difference %.2g", w.Name, lo, hi, worst)
	}
	// The Checker's score is the model's score output (a probability, or the live class's softmax).
	for i, info := range m.Outputs() {
		if info.Name == scoreName && c.Profile().Kind != liveness.KindSoftmax {
			if got := float64(want[i].Data[0]); math.Abs(got-r.Score) > tol {
				t.Errorf("the Checker scored %.5f, onnxruntime's %s is %.5f", r.Score, scoreName, got)
			}
		}
	}
	if len(m.Outputs()) > 1 && spread < 0.1 {
		t.Errorf("the maps span at most %.3f on a live crop: this golden would judge little", spread)
	}
}
