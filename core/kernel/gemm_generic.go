//go:build !(goexperiment.simd && wasm)

package kernel

func gemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	gemmRef(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}
