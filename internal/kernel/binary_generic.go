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

// scaleShiftRowGeneric computes y = x·s + t.
func scaleShiftRowGeneric(y, x []float32, s, t float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v*s + t
	}
}
