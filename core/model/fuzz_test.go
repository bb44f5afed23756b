package model

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// FuzzLoad feeds arbitrary bytes to Load: it must return a model or an error, never panic or hang,
// and a model that loads must run on zero inputs without panicking.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/ops/*.onnx")
	for i, s := range seeds {
		if i%4 != 0 { // every fourth op model keeps the corpus small and varied
			continue
		}
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	// Every quantized case: the pre-pass folds their weights from each storage form.
	qdq, _ := filepath.Glob("testdata/ops/qdq*.onnx")
	for _, s := range append(qdq, "testdata/nets/mobilenetv2_64.onnx") {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(data, Options{})
		if err != nil {
			// Every error crosses the public API with a kind (and no file is an input, frame or
			// config error).
			if k := errs.KindOf(err); k != errs.Model && k != errs.Limit && k != errs.Unsupported {
				t.Fatalf("err = %v (%T) has kind %v", err, err, k)
			}
			return
		}
		// Keep each iteration cheap: skip running models whose buffers are large.
		if m.ArenaBytes() > 16<<20 || m.MACs() > 50_000_000 {
			return
		}
		var ins [][]float32
		for _, in := range m.Inputs() {
			n := 1
			for _, d := range in.Shape {
				n *= d
			}
			if n > 1<<20 {
				return
			}
			ins = append(ins, make([]float32, n))
		}
		if _, err := m.NewRunner().RunFloat32(ins...); err != nil {
			t.Fatalf("a model that loads failed on well-formed inputs: %v", err)
		}
	})
}
