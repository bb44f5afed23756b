//go:build !(goexperiment.simd && wasm)

package kernel

// packPanel copies one full gemmNR-column panel: k rows of src, ld apart, to dst.
func packPanel(dst, src []float32, k, ld int) {
	_ = dst[:k*gemmNR]
	if k > 0 {
		_ = src[:(k-1)*ld+gemmNR]
	}
	for p := 0; p < k; p++ {
		d, s := dst[p*gemmNR:p*gemmNR+2], src[p*ld:p*ld+2]
		d[0], d[1] = s[0], s[1]
	}
}
