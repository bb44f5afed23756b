package kerneltest

import (
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// TestImplsAgree runs the convolution, GEMM, pooling and activation cases on every implementation
// in impls (kernel.Impls: the generic loops, and the SIMD ones in the SIMD build) and compares the
// outputs of each with the first's, element by element within Tol. The suite's other tests compare
// each implementation with kernelref; this one says directly that they compute the same thing.
func TestImplsAgree(t *testing.T, impls []*kernel.Impl) {
	if len(impls) < 2 {
		t.Skipf("this build has one implementation (%v): nothing to compare", impls)
	}
	base, others := impls[0], impls[1:]
	// each runs f on every implementation and compares the outputs with the first's.
	each := func(t *testing.T, n int, f func(im *kernel.Impl, y []float32)) {
		t.Helper()
		want := nans(n)
		f(base, want)
		for _, im := range others {
			got := nans(n)
			f(im, got)
			t.Run(base.String()+"-vs-"+im.String(), func(t *testing.T) { compare(t, got, want) })
		}
	}
	t.Run("Conv2D", func(t *testing.T) {
		for i, cc := range convCases {
			t.Run(cc.name, func(t *testing.T) {
				s := cc.shape()
				r := newRand(uint64(i) + 1000)
				k := s.C / s.Groups * s.KH * s.KW
				x, w := uniform(r, s.N*s.C*s.H*s.W, -1, 1), uniform(r, s.M*k, -1, 1)
				scaleWeights(w, k)
				bias, res := uniform(r, s.M, -0.5, 0.5), uniform(r, s.N*s.M*s.OH*s.OW, -1, 1)
				acts := fusedActs(r, s.M)
				for j, a := range []kernel.Activation{acts[0], acts[1+i%(len(acts)-1)]} {
					rs := res
					if j == 0 {
						rs = nil
					}
					each(t, s.N*s.M*s.OH*s.OW, func(im *kernel.Impl, y []float32) {
						c, err := im.NewConv2D(s, w, bias, a)
						if err != nil {
							t.Fatal(err)
						}
						c.Run(y, x, rs, nans(c.WorkspaceLen()))
					})
				}
			})
		}
	})
	t.Run("Gemm", func(t *testing.T) {
		r := newRand(1100)
		m, n, k := 13, 37, 70
		a, b := uniform(r, m*k, -1, 1), uniform(r, k*n, -1, 1)
		each(t, m*n, func(im *kernel.Impl, y []float32) { im.Gemm(m, n, k, a, k, b, n, y, n, false) })
	})
	t.Run("Pool", func(t *testing.T) {
		for i, pc := range poolCases {
			s := pc.shape()
			x := uniform(newRand(uint64(i)+1200), s.N*s.C*s.H*s.W, -1, 1)
			n := s.N * s.C * s.OH * s.OW
			t.Run("max/"+pc.name, func(t *testing.T) { each(t, n, func(im *kernel.Impl, y []float32) { im.MaxPool2D(y, x, s) }) })
			t.Run("avg/"+pc.name, func(t *testing.T) { each(t, n, func(im *kernel.Impl, y []float32) { im.AvgPool2D(y, x, s, false) }) })
		}
	})
	t.Run("Activation", func(t *testing.T) {
		r := newRand(1300)
		x := uniform(r, 5*37, -4, 4)
		for _, a := range fusedActs(r, 5) {
			t.Run(actName(a), func(t *testing.T) {
				each(t, len(x), func(im *kernel.Impl, y []float32) { im.Apply(a, y, x, 5, 37) })
			})
		}
	})
}
