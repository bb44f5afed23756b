//go:build !(goexperiment.simd && wasm)

package kernel

// clampF32 computes y = min(max(x, lo), hi) (Relu is lo = 0, hi = +Inf).
func clampF32(y, x []float32, lo, hi float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = clamp32(v, lo, hi)
	}
}

// leakyF32 computes y = x < 0 ? alpha·x : x (LeakyRelu, and PRelu with one slope).
func leakyF32(y, x []float32, alpha float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = leaky32(v, alpha)
	}
}

// hardSigmoidF32 computes y = max(0, min(1, alpha·x + beta)).
func hardSigmoidF32(y, x []float32, alpha, beta float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = clamp32(alpha*v+beta, 0, 1)
	}
}

// hardSwishF32 computes y = x·max(0, min(1, x/6 + 1/2)).
func hardSwishF32(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v * clamp32(v*(1.0/6)+0.5, 0, 1)
	}
}
