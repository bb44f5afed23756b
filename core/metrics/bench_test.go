package metrics

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Sizes: a NUAA-sized test split (about 9k), a large benchmark run, and a per-session handful.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{100, 9000, 100000} {
		live, spoof := benchScores(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Evaluate(live, spoof, 0.5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScores measures the metrics once the scores are sorted (NewScores reused).
func BenchmarkScores(b *testing.B) {
	live, spoof := benchScores(9000)
	s, err := NewScores(live, spoof)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("AUC", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.AUC()
		}
	})
	b.Run("EER", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.EER()
		}
	})
	b.Run("Rates", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.Rates(0.5)
		}
	})
}

// benchScores draws overlapping live and spoof score distributions, quantised to 1/1000 so that ties
// occur as they do with real model outputs.
func benchScores(n int) (live, spoof []float64) {
	r := rand.New(rand.NewPCG(1, 2))
	q := func(x float64) float64 { return float64(int(min(max(x, 0), 1)*1000)) / 1000 }
	live, spoof = make([]float64, n/2), make([]float64, n-n/2)
	for i := range live {
		live[i] = q(0.7 + 0.15*r.NormFloat64())
	}
	for i := range spoof {
		spoof[i] = q(0.3 + 0.15*r.NormFloat64())
	}
	return live, spoof
}
