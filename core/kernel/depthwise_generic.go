//go:build !(goexperiment.simd && wasm)

package kernel

// dw3Interior computes y[t] = b + Σ_kh Σ_kw w[3kh+kw]·r_kh[t·sw+kw] for every t, where every tap is
// in range. Stride 1 slides a 3-wide window along each row so each input is loaded once.
func dw3Interior(y, r0, r1, r2 []float32, w *[9]float32, b float32, sw int) {
	n := len(y)
	if n == 0 {
		return
	}
	need := (n-1)*sw + 3
	r0, r1, r2 = r0[:need], r1[:need], r2[:need]
	w0, w1, w2, w3, w4, w5, w6, w7, w8 := w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]
	if sw == 1 {
		a0, a1 := r0[0], r0[1]
		b0, b1 := r1[0], r1[1]
		c0, c1 := r2[0], r2[1]
		for t := range y {
			a2, b2, c2 := r0[t+2], r1[t+2], r2[t+2]
			y[t] = b + w0*a0 + w1*a1 + w2*a2 + w3*b0 + w4*b1 + w5*b2 + w6*c0 + w7*c1 + w8*c2
			a0, a1, b0, b1, c0, c1 = a1, a2, b1, b2, c1, c2
		}
		return
	}
	for t := range y {
		i := t * sw
		a, bb, c := r0[i:i+3], r1[i:i+3], r2[i:i+3]
		y[t] = b + w0*a[0] + w1*a[1] + w2*a[2] + w3*bb[0] + w4*bb[1] + w5*bb[2] + w6*c[0] + w7*c[1] + w8*c[2]
	}
}

// addRow computes y += r.
func addRow(y, r []float32) {
	r = r[:len(y)]
	for i := range y {
		y[i] += r[i]
	}
}
