package model

import (
	"path/filepath"
	"sync"
	"testing"
)

func loadNet(t testing.TB, name string, opts Options) (*Model, [][]float32) {
	t.Helper()
	g, data := loadGolden(t, filepath.Join("testdata", "nets", name+".golden.json"))
	if opts.Batch == 0 {
		opts.Batch = g.Inputs[0].Shape[0]
	}
	m, err := Load(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	var ins [][]float32
	for _, gi := range g.Inputs {
		f, err := gi.float32s()
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, f)
	}
	return m, ins
}

func TestRunFloat32MakesNoAllocations(t *testing.T) {
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
		})
	}
}

// TestConcurrentRunFloat32 runs one Model from several goroutines and checks each result against a
// sequential run.
func TestConcurrentRunFloat32(t *testing.T) {
	m, ins := loadNet(t, "mobilenetv2_64", Options{})
	want, err := m.RunFloat32(ins...)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				got, err := m.RunFloat32(ins...)
				if err != nil {
					errs <- err.Error()
					return
				}
				for k := range want {
					for j := range want[k] {
						if got[k][j] != want[k][j] {
							errs <- "results differ between goroutines"
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func BenchmarkNets(b *testing.B) {
	for _, name := range []string{"mobilenetv2_64", "resnet_64", "pyramid_128", "patchnet_64", "cdcn_64"} {
		b.Run(name, func(b *testing.B) {
			m, ins := loadNet(b, name, Options{})
			benchRuns(b, m, m.NewRunner(), ins)
		})
	}
}

// benchRuns times s on ins and reports ms per inference and GFLOP/s (2 flops per MAC).
func benchRuns(b *testing.B, m *Model, s *Runner, ins [][]float32) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.RunFloat32(ins...); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(sec*1e3, "ms/inference")
	b.ReportMetric(2*float64(m.MACs())/sec/1e9, "GFLOP/s")
}

func TestTensorInfoLen(t *testing.T) {
	tests := []struct {
		shape []int
		want  int
	}{
		{[]int{1, 3, 80, 80}, 19200},
		{[]int{16, 128}, 2048},
		{nil, 1}, // a scalar holds one element
		{[]int{0, 3}, 0},
	}
	for _, tt := range tests {
		if got := (TensorInfo{Shape: tt.shape}).Len(); got != tt.want {
			t.Errorf("Len of %v = %d, want %d", tt.shape, got, tt.want)
		}
	}
}
