//go:build !js

package quant

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/internal/oracle"
	"github.com/bonafide-pad/bonafide/internal/sharedtest"
)

// TestOnnxruntimeLoadsQuantized writes quantized models and runs them in onnxruntime-node: the
// engine's outputs on the quantized file must match onnxruntime's on the same file.
func TestOnnxruntimeLoadsQuantized(t *testing.T) {
	if err := oracle.Available(); errors.Is(err, oracle.ErrUnavailable) {
		t.Skip(err)
	}
	// The empty entry is the third-party MiniFASNetV2 from ../shared: its subtest resolves the path
	// itself, so a fresh clone without ../shared skips it (saying why) and CI, which has it, fails
	// if it went missing.
	files := []string{filepath.Join(nets, "resnet_64.onnx"), filepath.Join(nets, "mobilenetv2_64.onnx"),
		filepath.Join(nets, "cdcn_64_opset11_inits_as_inputs.onnx"), ""}
	for _, f := range files {
		name := filepath.Base(f)
		if f == "" {
			name = "minifasnet-v2-80x80.onnx"
		}
		t.Run(name, func(t *testing.T) {
			if f == "" {
				f = sharedtest.File(t, "models", "minifasnet-v2-80x80.onnx")
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			q, _, err := Quantize(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "q.onnx")
			if err := os.WriteFile(path, q, 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(q, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ins := randomInputs(m, 7)
			var feeds []oracle.Tensor
			for i, in := range m.Inputs() {
				feeds = append(feeds, oracle.Tensor{Name: in.Name, Shape: in.Shape, Data: ins[i]})
			}
			want, err := oracle.Run(path, feeds)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.NewRunner().RunFloat32(ins...)
			if err != nil {
				t.Fatal(err)
			}
			for k := range want {
				if worst, ok := oracle.MaxDiff(got[k], want[k].Data, 1e-4, 1e-4); !ok {
					t.Errorf("output %q differs from onnxruntime by up to %.3g", want[k].Name, worst)
				}
			}
			// With every optimisation on, onnxruntime computes QDQ models with integer kernels;
			// it must still load the file and land near the float semantics.
			fast, err := oracle.RunOpt(path, feeds, "all")
			if err != nil {
				t.Fatal(err)
			}
			for k := range fast {
				if worst, ok := oracle.MaxDiff(got[k], fast[k].Data, 0.05, 0.02); !ok {
					t.Errorf("output %q: onnxruntime's optimised integer path differs by up to %.3g", fast[k].Name, worst)
				}
			}
		})
	}
}
