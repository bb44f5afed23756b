package kernelref

import (
	"math"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// Binary computes one element of an elementwise binary op in float64.
func Binary(op kernel.BinaryOp, a, b float64) float64 {
	switch op {
	case kernel.OpAdd:
		return a + b
	case kernel.OpSub:
		return a - b
	case kernel.OpMul:
		return a * b
	case kernel.OpDiv:
		return a / b
	case kernel.OpPow:
		return math.Pow(a, b)
	case kernel.OpMax:
		return math.Max(a, b)
	case kernel.OpMin:
		return math.Min(a, b)
	case kernel.OpPRelu:
		if a < 0 {
			return a * b
		}
		return a
	}
	panic("kernelref: unknown binary op " + op.String())
}

// BroadcastShape returns the numpy broadcast of two shapes, or false when they do not broadcast.
func BroadcastShape(as, bs []int) ([]int, bool) {
	rank := max(len(as), len(bs))
	out := make([]int, rank)
	for i := range out {
		da, db := 1, 1
		if j := i - (rank - len(as)); j >= 0 {
			da = as[j]
		}
		if j := i - (rank - len(bs)); j >= 0 {
			db = bs[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// Broadcast computes y = op(a, b) with numpy broadcasting: every output element finds its inputs from
// its own multi-index.
func Broadcast(op kernel.BinaryOp, y, a, b []float32, as, bs []int) {
	out, ok := BroadcastShape(as, bs)
	if !ok {
		panic("kernelref: shapes do not broadcast")
	}
	idx := make([]int, len(out))
	for o := 0; o < product(out); o++ {
		unravel(out, o, idx)
		y[o] = float32(Binary(op, float64(a[bindex(as, out, idx)]), float64(b[bindex(bs, out, idx)])))
	}
}

// bindex is the offset in an input of shape s (right-aligned to out) of output index idx.
func bindex(s, out, idx []int) int {
	off := 0
	shift := len(out) - len(s)
	for i, d := range s {
		j := idx[i+shift]
		if d == 1 {
			j = 0
		}
		off = off*d + j
	}
	return off
}
