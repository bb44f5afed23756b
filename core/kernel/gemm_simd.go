//go:build goexperiment.simd && wasm

package kernel

// The wasm SIMD micro-kernels replace this in a later change; until then the SIMD build computes with
// the generic loops so both builds pass the same suite.
func gemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	gemmRef(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}
