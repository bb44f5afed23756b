//go:build !bonafide_lean

package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gorgonia.org/tensor"

	"github.com/bonafide-pad/bonafide/core/errs"
)

func TestRunMakesNoAllocations(t *testing.T) {
	for _, name := range []string{"mobilenetv2_64", "resnet_64", "pyramid_128"} {
		t.Run(name, func(t *testing.T) {
			m, ins := loadNet(t, name, Options{})
			s := m.NewRunner()
			if _, err := s.RunFloat32(ins...); err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(5, func() { s.RunFloat32(ins...) }); n != 0 {
				t.Errorf("RunFloat32 allocates %v times per run, want 0", n)
			}
			dense := make([]*tensor.Dense, len(ins))
			for i, in := range ins {
				dense[i] = tensor.New(tensor.WithShape(m.Inputs()[i].Shape...), tensor.WithBacking(in))
			}
			if _, err := s.Run(dense...); err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(5, func() { s.Run(dense...) }); n != 0 {
				t.Errorf("Run(*tensor.Dense) allocates %v times per run, want 0", n)
			}
		})
	}
}

// TestConcurrentRun runs one Model from several goroutines and checks every result against a
// sequential run.
func TestConcurrentRun(t *testing.T) {
	m, ins := loadNet(t, "mobilenetv2_64", Options{})
	in := tensor.New(tensor.WithShape(m.Inputs()[0].Shape...), tensor.WithBacking(ins[0]))
	want, err := m.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				got, err := m.Run(in)
				if err != nil {
					errs <- err
					return
				}
				for k := range want {
					a, b := got[k].Float32s(), want[k].Float32s()
					for j := range a {
						if a[j] != b[j] {
							errs <- fmt.Errorf("output %d element %d: %v != %v", k, j, a[j], b[j])
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRunInputErrors(t *testing.T) {
	m, ins := loadNet(t, "mobilenetv2_64", Options{})
	shape := m.Inputs()[0].Shape
	good := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(ins[0]))
	tests := []struct {
		name   string
		inputs []*tensor.Dense
		want   string
	}{
		{"no inputs", nil, "got 0 inputs"},
		{"two inputs", []*tensor.Dense{good, good}, "got 2 inputs"},
		{"nil", []*tensor.Dense{nil}, "is nil"},
		{"wrong shape", []*tensor.Dense{tensor.New(tensor.WithShape(1, 3, 32, 32), tensor.Of(tensor.Float32))}, "has shape (1, 3, 32, 32)"},
		{"wrong dtype", []*tensor.Dense{tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))}, "has type float64"},
	}
	s := m.NewRunner()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Run(tt.inputs...)
			var ie *errs.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an InputError containing %q", err, tt.want)
			}
		})
	}
	if _, err := s.RunFloat32(make([]float32, 7)); err == nil || !strings.Contains(err.Error(), "has 7 elements") {
		t.Fatalf("RunFloat32 with a short buffer: err = %v", err)
	}
	// The runner still works after bad input.
	if _, err := s.Run(good); err != nil {
		t.Fatal(err)
	}
}

func TestMetadataAndCounts(t *testing.T) {
	m, _ := loadNet(t, "pyramid_128", Options{})
	if m.Opset() != 13 {
		t.Errorf("opset = %d, want 13", m.Opset())
	}
	if m.MACs() <= 0 || m.Params() <= 0 {
		t.Errorf("MACs = %d, params = %d; want both positive", m.MACs(), m.Params())
	}
	if m.Ops()["Conv"] == 0 {
		t.Errorf("ops = %v, want Conv counted", m.Ops())
	}
	fused := false
	for _, s := range m.Steps() {
		fused = fused || strings.Contains(s, "+")
	}
	if !fused {
		t.Errorf("steps %v show no fusion", m.Steps())
	}
}

func TestLoadFileErrors(t *testing.T) {
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.onnx"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v", err)
	}
}
