package kernel

// clampGeneric computes y = min(max(x, lo), hi) (Relu is lo = 0, hi = +Inf).
func clampGeneric(y, x []float32, lo, hi float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = clamp32(v, lo, hi)
	}
}

// leakyGeneric computes y = x < 0 ? alpha·x : x (LeakyRelu, and PRelu with one slope).
func leakyGeneric(y, x []float32, alpha float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = leaky32(v, alpha)
	}
}

// hardSigmoidGeneric computes y = max(0, min(1, alpha·x + beta)).
func hardSigmoidGeneric(y, x []float32, alpha, beta float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = clamp32(alpha*v+beta, 0, 1)
	}
}

// hardSwishGeneric computes y = x·max(0, min(1, x/6 + 1/2)).
func hardSwishGeneric(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v * clamp32(v*(1.0/6)+0.5, 0, 1)
	}
}
