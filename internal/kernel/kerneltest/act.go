package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// TestActivation checks Activation.Apply for every kind, in place and out of place, over lengths
// around the SIMD widths and inputs that saturate sigmoid, tanh and exp.
func TestActivation(t *testing.T, im *kernel.Impl) {
	r := newRand(7)
	acts := append(fusedActs(r, 5),
		kernel.Activation{Kind: kernel.ActExp},
		kernel.Activation{Kind: kernel.ActSqrt},
		kernel.Activation{Kind: kernel.ActNeg},
		kernel.Activation{Kind: kernel.ActAbs},
		kernel.Activation{Kind: kernel.ActReciprocal},
	)
	for _, a := range acts {
		for _, sz := range [][3]int{{1, 1, 1}, {1, 1, 7}, {2, 5, 3}, {1, 5, 16}, {3, 5, 37}} {
			outer, channels, inner := sz[0], sz[1], sz[2]
			if a.Kind == kernel.ActPRelu && len(a.Slope) > 1 && channels != len(a.Slope) {
				continue
			}
			n := outer * channels * inner
			t.Run(fmt.Sprintf("%s/%dx%dx%d", actName(a), outer, channels, inner), func(t *testing.T) {
				x := uniform(r, n, -4, 4)
				if n > 4 {
					x[0], x[1], x[2], x[3] = 30, -30, 100, -100
				}
				if a.Kind == kernel.ActSqrt {
					for i := range x {
						x[i] = max(x[i], -x[i])
					}
				}
				want := make([]float32, n)
				kernelref.Activation(want, x, a, channels, inner)
				y := nans(n)
				im.Apply(a, y, x, channels, inner)
				compare(t, y, want)
				in := append([]float32(nil), x...)
				im.Apply(a, in, in, channels, inner)
				compare(t, in, want)
			})
		}
	}
}
