package kernel

func binaryVVGeneric(op BinaryOp, y, a, b []float32) {
	switch op {
	case OpAdd:
		for i := range y {
			y[i] = a[i] + b[i]
		}
	case OpSub:
		for i := range y {
			y[i] = a[i] - b[i]
		}
	case OpMul:
		for i := range y {
			y[i] = a[i] * b[i]
		}
	case OpDiv:
		for i := range y {
			y[i] = a[i] / b[i]
		}
	default:
		for i := range y {
			y[i] = binary1(op, a[i], b[i])
		}
	}
}

func binaryVSGeneric(op BinaryOp, y, a []float32, b float32) {
	switch op {
	case OpAdd:
		for i := range y {
			y[i] = a[i] + b
		}
	case OpSub:
		for i := range y {
			y[i] = a[i] - b
		}
	case OpMul:
		for i := range y {
			y[i] = a[i] * b
		}
	case OpDiv:
		for i := range y {
			y[i] = a[i] / b
		}
	default:
		for i := range y {
			y[i] = binary1(op, a[i], b)
		}
	}
}

func binarySVGeneric(op BinaryOp, y []float32, a float32, b []float32) {
	for i := range y {
		y[i] = binary1(op, a, b[i])
	}
}

// scaleAddGeneric computes y = x·s + r.
func scaleAddGeneric(y, x []float32, s float32, r []float32) {
	y, r = y[:len(x)], r[:len(x)]
	for i, v := range x {
		y[i] = v*s + r[i]
	}
}

// sumGeneric is Σ a[i], in four interleaved partial sums like the SIMD loop.
func sumGeneric(a []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i]
		s1 += a[i+1]
		s2 += a[i+2]
		s3 += a[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// scaleShiftRowGeneric computes y = x·s + t.
func scaleShiftRowGeneric(y, x []float32, s, t float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v*s + t
	}
}
