package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// TestGemm checks Gemm on strided matrices, with and without accumulation.
func TestGemm(t *testing.T, im *kernel.Impl) {
	sizes := [][3]int{{1, 1, 1}, {3, 4, 0}, {1, 7, 5}, {3, 1, 4}, {4, 8, 16}, {5, 9, 3}, {6, 12, 17}, {7, 13, 1},
		{13, 31, 29}, {17, 64, 100}, {33, 70, 65}, {64, 64, 64}, {2, 300, 11}}
	for i, sz := range sizes {
		m, n, k := sz[0], sz[1], sz[2]
		for _, pad := range []int{0, 3} {
			for _, acc := range []bool{false, true} {
				t.Run(fmt.Sprintf("m%d_n%d_k%d/pad%d/acc=%v", m, n, k, pad, acc), func(t *testing.T) {
					r := newRand(uint64(i)*7 + uint64(pad))
					lda, ldb, ldc := k+pad, n+pad, n+2*pad
					a := uniform(r, m*lda, -1, 1)
					b := uniform(r, k*ldb, -1, 1)
					c0 := uniform(r, m*ldc, -1, 1)
					want := append([]float32(nil), c0...)
					kernelref.Gemm(m, n, k, a, lda, b, ldb, want, ldc, acc)
					got := append([]float32(nil), c0...)
					if !acc {
						// Poison the written region: without accumulation C's old values must not leak.
						for r := 0; r < m; r++ {
							copy(got[r*ldc:r*ldc+n], nans(n))
						}
					}
					im.Gemm(m, n, k, a, lda, b, ldb, got, ldc, acc)
					compare(t, got, want) // the padding columns of C must be untouched too
				})
			}
		}
	}
}

// TestMatMul checks MatMul with constant and per-Run B, bias and every fused activation.
func TestMatMul(t *testing.T, im *kernel.Impl) {
	sizes := [][3]int{{1, 1, 1}, {2, 3, 0}, {1, 128, 512}, {1, 3, 128}, {2, 5, 7}, {3, 8, 64}, {4, 13, 257},
		{7, 100, 3}, {17, 33, 65}, {64, 48, 96}}
	for i, sz := range sizes {
		m, n, k := sz[0], sz[1], sz[2]
		t.Run(fmt.Sprintf("m%d_n%d_k%d", m, n, k), func(t *testing.T) {
			r := newRand(uint64(i) + 300)
			a := uniform(r, m*k, -1, 1)
			b := uniform(r, k*n, -1, 1)
			scaleWeights(b, k)
			bias := uniform(r, n, -0.5, 0.5)
			for j, act := range fusedActs(r, n) {
				for _, constB := range []bool{true, false} {
					bi := bias
					if j%2 == 1 {
						bi = nil
					}
					t.Run(fmt.Sprintf("%s/constB=%v/bias=%v", actName(act), constB, bi != nil), func(t *testing.T) {
						var cb []float32
						if constB {
							cb = b
						}
						p, err := im.NewMatMul(m, n, k, cb, bi, act)
						if err != nil {
							t.Fatal(err)
						}
						want := make([]float32, m*n)
						kernelref.MatMul(want, a, b, bi, m, n, k, act)
						c, ws := nans(m*n), nans(p.WorkspaceLen())
						var rb []float32
						if !constB {
							rb = b
						}
						p.Run(c, a, rb, ws)
						compare(t, c, want)
						p.Run(c, a, rb, ws)
						compare(t, c, want)
					})
				}
			}
		})
	}
}
