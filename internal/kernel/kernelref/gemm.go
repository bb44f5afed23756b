package kernelref

import "github.com/bonafide-pad/bonafide/internal/kernel"

// Gemm computes C = A·B, or C += A·B when accumulate, for row-major strided matrices.
func Gemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var acc float64
			if accumulate {
				acc = float64(c[i*ldc+j])
			}
			for p := 0; p < k; p++ {
				acc += float64(a[i*lda+p]) * float64(b[p*ldb+j])
			}
			c[i*ldc+j] = float32(acc)
		}
	}
}

// MatMul computes C[m,n] = act(A[m,k]·B[k,n] + bias) with bias [n] or nil; PRelu slopes, like bias,
// run along n.
func MatMul(c, a, b, bias []float32, m, n, k int, act kernel.Activation) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var acc float64
			for p := 0; p < k; p++ {
				acc += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			if bias != nil {
				acc += float64(bias[j])
			}
			c[i*n+j] = float32(Act(act, acc, j))
		}
	}
}
