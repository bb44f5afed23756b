package model

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/graph"
)

var (
	benchModels  = flag.String("bench.models", "", "comma-separated ONNX files for BenchmarkModelFiles (batch 1, deterministic input)")
	benchProfile = flag.Bool("bench.profile", false, "BenchmarkModelFiles logs a per-step profile of each model")
)

// BenchmarkModelFiles runs models given by -bench.models (scripts/bench uses it for per-step
// profiles in the browser: go test -run '^$' -bench ModelFiles -args -bench.models=a.onnx
// -bench.profile). Without the flag it runs the testdata PS-style net so it always measures something.
func BenchmarkModelFiles(b *testing.B) {
	files := strings.Split(*benchModels, ",")
	if *benchModels == "" {
		files = []string{filepath.Join("testdata", "nets", "pyramid_128.onnx")}
	}
	for _, f := range files {
		b.Run(strings.TrimSuffix(filepath.Base(f), ".onnx"), func(b *testing.B) {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			m, err := Load(data, Options{Batch: 1})
			if err != nil {
				b.Fatal(err)
			}
			ins := make([][]float32, len(m.Inputs()))
			for i, in := range m.Inputs() {
				ins[i] = make([]float32, in.Len())
				x := uint32(12345 + i)
				for j := range ins[i] {
					x = x*1664525 + 1013904223
					ins[i][j] = float32(x>>8)/float32(1<<24)*4 - 2
				}
			}
			s := m.NewRunner()
			var p graph.StepTimes
			if *benchProfile {
				s.s.SetStepTimes(&p)
			}
			benchRuns(b, m, s, ins)
			if *benchProfile {
				// Printed, not logged: b.Log truncates long output.
				fmt.Printf("profile of %s (%d MACs, %d runs):\n", f, m.MACs(), p.Runs)
				p.WriteTable(os.Stdout)
			}
		})
	}
}
