package kernelref

import (
	"math"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// Reduce is ONNX ReduceMean/Sum/Max/Min over axes with keepdims=1.
func Reduce(y, x []float32, shape, axes []int, op kernel.ReduceOp) {
	out := append([]int(nil), shape...)
	for _, a := range axes {
		out[a] = 1
	}
	n := product(out)
	acc := make([]float64, n)
	cnt := make([]int, n)
	for i := range acc {
		switch op {
		case kernel.ReduceMax:
			acc[i] = math.Inf(-1)
		case kernel.ReduceMin:
			acc[i] = math.Inf(1)
		}
	}
	ii := make([]int, len(shape))
	for i := 0; i < product(shape); i++ {
		unravel(shape, i, ii)
		for _, a := range axes {
			ii[a] = 0
		}
		o := index(out, ii)
		v := float64(x[i])
		switch op {
		case kernel.ReduceMax:
			acc[o] = math.Max(acc[o], v)
		case kernel.ReduceMin:
			acc[o] = math.Min(acc[o], v)
		default:
			acc[o] += v
		}
		cnt[o]++
	}
	for o := range acc {
		if op == kernel.ReduceMean && cnt[o] > 0 {
			acc[o] /= float64(cnt[o])
		}
		y[o] = float32(acc[o])
	}
}

// Softmax is ONNX Softmax (opset 13) along the middle axis of [outer, n, inner].
func Softmax(y, x []float32, outer, n, inner int) {
	for o := 0; o < outer; o++ {
		for r := 0; r < inner; r++ {
			m := math.Inf(-1)
			for i := 0; i < n; i++ {
				m = math.Max(m, float64(x[(o*n+i)*inner+r]))
			}
			var sum float64
			for i := 0; i < n; i++ {
				sum += math.Exp(float64(x[(o*n+i)*inner+r]) - m)
			}
			for i := 0; i < n; i++ {
				y[(o*n+i)*inner+r] = float32(math.Exp(float64(x[(o*n+i)*inner+r])-m) / sum)
			}
		}
	}
}

// ScaleShift computes y = x·scale[c] + shift[c] over [n, c, hw] data.
func ScaleShift(y, x []float32, n, c, hw int, scale, shift []float32) {
	for i := range x[:n*c*hw] {
		ch := (i / hw) % c
		y[i] = float32(float64(x[i])*float64(scale[ch]) + float64(shift[ch]))
	}
}
