// Package kerneltest is the conformance and benchmark suite every implementation of package kernel
// (kernel.Generic, and the wasm SIMD one in that build; kernel.Impls lists them) must pass, in the
// manner of gonum's blas/testblas: each exported TestXxx/BenchmarkXxx takes the *testing.T or
// *testing.B of a one-line wrapper in package kernel's tests and the implementation to check, and
// TestImplsAgree compares the implementations' outputs with each other.
//
// Every kernel is compared with the naive float64 loops of package kernelref over table-driven shapes
// (odd sizes, 1×1, depthwise, grouped, strided, dilated, asymmetric padding, every fused activation
// and the fused residual, broadcast patterns, ceil-mode pools, every resize mode). Buffers the kernels
// write are pre-filled with NaN, workspaces too, so a kernel that skips an element or trusts a zeroed
// workspace fails.
//
// Benchmarks use shapes from the models bonafide runs (MobileNetV2-0.5 at 128², ResNet18 blocks,
// MiniFASNetV2 at 80²), call b.ReportAllocs and report GFLOP/s (2·MACs per second).
package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// Tol is the agreement required with the reference: |got − want| ≤ Tol, or ≤ Tol·|want|.
const Tol = 1e-4

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// uniform returns n values uniform in [lo, hi).
func uniform(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}

// nans returns n NaNs: output buffers start poisoned so an element a kernel forgets shows up.
func nans(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}

func close(got, want float32) bool {
	if got == want {
		return true
	}
	g, w := float64(got), float64(want)
	if math.IsNaN(w) {
		return math.IsNaN(g)
	}
	d := math.Abs(g - w)
	return d <= Tol || d <= Tol*math.Abs(w)
}

// compare fails t when got and want differ beyond Tol, reporting the worst elements.
func compare(t testing.TB, got, want []float32) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("output has %d elements, want %d", len(got), len(want))
	}
	bad := 0
	for i, w := range want {
		if !close(got[i], w) {
			if bad < 5 {
				t.Errorf("element %d: got %v, want %v (diff %.3g)", i, got[i], w, math.Abs(float64(got[i])-float64(w)))
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("... %d of %d elements differ", bad, len(want))
	}
}

// fusedActs are the activations Conv2D, ConvTranspose2D and MatMul take as an epilogue; PRelu gets
// per-channel slopes for channels and the single-slope form.
func fusedActs(r *rand.Rand, channels int) []kernel.Activation {
	return []kernel.Activation{
		{Kind: kernel.ActNone},
		{Kind: kernel.ActRelu},
		{Kind: kernel.ActClip, Alpha: 0, Beta: 6},
		{Kind: kernel.ActClip, Alpha: -0.25, Beta: 0.5},
		{Kind: kernel.ActLeakyRelu, Alpha: 0.1},
		{Kind: kernel.ActPRelu, Slope: uniform(r, channels, 0, 0.5)},
		{Kind: kernel.ActPRelu, Slope: []float32{0.25}},
		{Kind: kernel.ActSigmoid},
		{Kind: kernel.ActHardSigmoid, Alpha: 0.2, Beta: 0.5},
		{Kind: kernel.ActHardSwish},
		{Kind: kernel.ActTanh},
	}
}

func actName(a kernel.Activation) string {
	if a.Kind == kernel.ActPRelu {
		return fmt.Sprintf("PRelu%d", len(a.Slope))
	}
	if a.Kind == kernel.ActClip {
		return fmt.Sprintf("Clip(%g,%g)", a.Alpha, a.Beta)
	}
	return a.Kind.String()
}

// reportGFLOPs reports 2·macs floating-point operations per b.N iteration as GFLOP/s.
func reportGFLOPs(b *testing.B, macs int64) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(2*float64(macs)*float64(b.N)/s/1e9, "GFLOP/s")
	}
}
