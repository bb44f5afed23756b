package kernelref

import "github.com/bonafide-pad/bonafide/internal/kernel"

// Transpose is ONNX Transpose: output axis i is input axis perm[i].
func Transpose(y, x []float32, shape, perm []int) {
	out := make([]int, len(shape))
	for i, p := range perm {
		out[i] = shape[p]
	}
	oi, ii := make([]int, len(shape)), make([]int, len(shape))
	for o := 0; o < product(out); o++ {
		unravel(out, o, oi)
		for i, p := range perm {
			ii[p] = oi[i]
		}
		y[o] = x[index(shape, ii)]
	}
}

// Slice copies y[i...] = x[start + i·step ...] for an output of shape out.
func Slice(y, x []float32, shape, start, step, out []int) {
	oi, ii := make([]int, len(shape)), make([]int, len(shape))
	for o := 0; o < product(out); o++ {
		unravel(out, o, oi)
		for i := range shape {
			ii[i] = start[i] + oi[i]*step[i]
		}
		y[o] = x[index(shape, ii)]
	}
}

// PadShape returns the output shape of a pad.
func PadShape(shape, begin, end []int) []int {
	out := make([]int, len(shape))
	for i, d := range shape {
		out[i] = d + begin[i] + end[i]
	}
	return out
}

// Pad is ONNX Pad (constant, reflect, edge); negative amounts crop.
func Pad(y, x []float32, shape, begin, end []int, mode kernel.PadMode, value float32) {
	out := PadShape(shape, begin, end)
	oi, ii := make([]int, len(shape)), make([]int, len(shape))
	for o := 0; o < product(out); o++ {
		unravel(out, o, oi)
		inside := true
		for i, d := range shape {
			s := oi[i] - begin[i]
			if s < 0 || s >= d {
				switch mode {
				case kernel.PadConstant:
					inside = false
				case kernel.PadEdge:
					s = min(max(s, 0), d-1)
				case kernel.PadReflect:
					// Mirror about the first and last element (the edge is not repeated), period 2(d−1).
					if d == 1 {
						s = 0
					} else {
						period := 2 * (d - 1)
						s = ((s % period) + period) % period
						if s >= d {
							s = period - s
						}
					}
				}
			}
			ii[i] = s
		}
		if inside {
			y[o] = x[index(shape, ii)]
		} else {
			y[o] = value
		}
	}
}

// Gather is ONNX Gather on a tensor viewed as [outer, axisLen, inner].
func Gather(y, x []float32, outer, axisLen, inner int, idx []int) {
	for o := 0; o < outer; o++ {
		for i, j := range idx {
			for r := 0; r < inner; r++ {
				y[(o*len(idx)+i)*inner+r] = x[(o*axisLen+j)*inner+r]
			}
		}
	}
}

// Concat joins inputs viewed as [outer, chunks[i]] along the second axis.
func Concat(y []float32, xs [][]float32, outer int, chunks []int) {
	total := 0
	for _, c := range chunks {
		total += c
	}
	for o := 0; o < outer; o++ {
		col := 0
		for i, c := range chunks {
			for r := 0; r < c; r++ {
				y[o*total+col+r] = xs[i][o*c+r]
			}
			col += c
		}
	}
}
