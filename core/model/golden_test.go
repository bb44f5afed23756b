package model

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// golden is one case of testdata/{ops,nets}: a model and onnxruntime's outputs for given inputs.
type golden struct {
	Model       string
	Opset       int
	Description string
	Tolerance   struct{ Abs, Rel float64 }
	Inputs      []goldenTensor
	Outputs     []goldenTensor
}

type goldenTensor struct {
	Name  string
	Shape []int
	DType string
	Data  string
}

func (t goldenTensor) float32s() ([]float32, error) {
	raw, err := base64.StdEncoding.DecodeString(t.Data)
	if err != nil {
		return nil, err
	}
	switch t.DType {
	case "float32":
		out := make([]float32, len(raw)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return out, nil
	case "int64":
		out := make([]float32, len(raw)/8)
		for i := range out {
			out[i] = float32(int64(binary.LittleEndian.Uint64(raw[8*i:])))
		}
		return out, nil
	}
	return nil, fmt.Errorf("dtype %s", t.DType)
}

func loadGoldenFile(t testing.TB, path string) (*golden, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &g, filepath.Join(filepath.Dir(path), g.Model)
}

func loadGolden(t testing.TB, path string) (*golden, []byte) {
	t.Helper()
	g, modelPath := loadGoldenFile(t, path)
	data, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	return g, data
}

// checkGolden loads the case's model with the golden's batch size, runs it and compares every
// output element with onnxruntime's.
func checkGolden(t *testing.T, g *golden, data []byte, opts Options) {
	t.Helper()
	if len(g.Inputs) > 0 && len(g.Inputs[0].Shape) > 0 && opts.Batch == 0 {
		opts.Batch = g.Inputs[0].Shape[0]
	}
	m, err := Load(data, opts)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(m.Inputs()) != len(g.Inputs) {
		t.Fatalf("model has %d inputs, golden %d", len(m.Inputs()), len(g.Inputs))
	}
	ins := make([][]float32, len(g.Inputs))
	for i, gi := range g.Inputs {
		if want := m.Inputs()[i]; want.Name != gi.Name || !slices.Equal(want.Shape, gi.Shape) {
			t.Fatalf("input %d is %s%v, golden has %s%v", i, want.Name, want.Shape, gi.Name, gi.Shape)
		}
		if ins[i], err = gi.float32s(); err != nil {
			t.Fatal(err)
		}
	}
	outs, err := m.NewRunner().RunFloat32(ins...)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(outs) != len(g.Outputs) {
		t.Fatalf("%d outputs, golden has %d", len(outs), len(g.Outputs))
	}
	for i, gout := range g.Outputs {
		info := m.Outputs()[i]
		if info.Name != gout.Name || !slices.Equal(info.Shape, gout.Shape) {
			t.Errorf("output %d is %s%v, golden has %s%v", i, info.Name, info.Shape, gout.Name, gout.Shape)
			continue
		}
		want, err := gout.float32s()
		if err != nil {
			t.Fatal(err)
		}
		bad, worst := 0, 0.0
		first := -1
		for j, w := range want {
			d := math.Abs(float64(outs[i][j]) - float64(w))
			if d <= g.Tolerance.Abs || d <= g.Tolerance.Rel*math.Abs(float64(w)) || (math.IsNaN(float64(w)) && math.IsNaN(float64(outs[i][j]))) {
				continue
			}
			if first < 0 {
				first = j
			}
			bad++
			worst = math.Max(worst, d)
		}
		if bad > 0 {
			t.Errorf("output %q: %d of %d elements off (worst |Δ| %.3g); first at %d: got %v want %v",
				gout.Name, bad, len(want), worst, first, outs[i][first], want[first])
		}
	}
}

func goldenFiles(t *testing.T, dir string) []string {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden files in testdata/%s", dir)
	}
	sort.Strings(files)
	return files
}

// unsupportedCases are golden cases the engine refuses on purpose; the test checks that it does so
// with a typed error that says why.
var unsupportedCases = map[string]string{
	// Run-time tensors are float32; integer indices must be constants (as every CNN export has them).
	"gather13_indices_input": `graph input "idx" has type int64`,
}

// TestOpParity runs every hand-built operator graph and compares with onnxruntime.
func TestOpParity(t *testing.T) {
	for _, f := range goldenFiles(t, "ops") {
		name := strings.TrimSuffix(filepath.Base(f), ".golden.json")
		t.Run(name, func(t *testing.T) {
			g, data := loadGolden(t, f)
			if want, ok := unsupportedCases[name]; ok {
				_, err := Load(data, Options{})
				var uerr *errs.UnsupportedError
				if !errors.As(err, &uerr) || !strings.Contains(err.Error(), want) {
					t.Fatalf("Load error = %v, want an UnsupportedError mentioning %q", err, want)
				}
				return
			}
			checkGolden(t, g, data, Options{})
		})
	}
}

// TestNetParity runs the small exported CNNs (MobileNetV2, ResNet, Pyramid Supervision, PatchNet,
// CDCN) with and without fusion.
func TestNetParity(t *testing.T) {
	for _, f := range goldenFiles(t, "nets") {
		name := strings.TrimSuffix(filepath.Base(f), ".golden.json")
		for _, fuse := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/fusion=%v", name, fuse), func(t *testing.T) {
				g, data := loadGolden(t, f)
				checkGolden(t, g, data, Options{noFusion: !fuse})
			})
		}
	}
}
