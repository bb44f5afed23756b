package kernel

import "math"

// ReduceOp names a reduction.
type ReduceOp uint8

const (
	ReduceMean ReduceOp = iota
	ReduceSum
	ReduceMax
	ReduceMin
)

// Reduce folds a set of axes of a tensor; the output keeps those axes with size 1 (callers drop them
// for keepdims=0, which does not change the data).
type Reduce struct {
	op    ReduceOp
	rank  int
	in    [MaxRank]int
	outSt [MaxRank]int // output stride per input axis, 0 for reduced axes
	inN   int
	outN  int
	count int // elements folded into each output
}

// NewReduce prepares a reduction of shape over axes (normalised, distinct) and returns the output
// shape with reduced axes kept as 1.
func NewReduce(shape, axes []int, op ReduceOp) (*Reduce, []int, error) {
	if err := checkRank("Reduce", shape); err != nil {
		return nil, nil, err
	}
	out := append([]int(nil), shape...)
	for _, a := range axes {
		if a < 0 || a >= len(shape) {
			return nil, nil, shapeErrorf("Reduce", "axis %d out of range for rank %d", a, len(shape))
		}
		out[a] = 1
	}
	r := &Reduce{op: op, rank: len(shape), inN: product(shape), outN: product(out)}
	if r.outN > 0 {
		r.count = r.inN / r.outN
	}
	ost := strides(out)
	for i := range shape {
		r.in[i] = shape[i]
		if out[i] != 1 || shape[i] == 1 {
			r.outSt[i] = ost[i]
		}
	}
	if (op == ReduceMax || op == ReduceMin) && r.inN == 0 && r.outN > 0 {
		return nil, nil, shapeErrorf("Reduce", "max/min over an empty axis of %v", shape)
	}
	return r, out, nil
}

// Run reduces x into y.
func (r *Reduce) Run(y, x []float32) {
	mustLen("Reduce", "x", x, r.inN)
	mustLen("Reduce", "y", y, r.outN)
	y = y[:r.outN]
	switch r.op {
	case ReduceMax:
		for i := range y {
			y[i] = float32(math.Inf(-1))
		}
	case ReduceMin:
		for i := range y {
			y[i] = float32(math.Inf(1))
		}
	default:
		clear(y)
	}
	if r.inN == 0 {
		return
	}
	if r.rank == 0 {
		y[0] = x[0]
		return
	}
	var idx [MaxRank]int
	last := r.rank - 1
	inner, is := r.in[last], r.outSt[last]
	off := 0
	for i := 0; i < r.inN; i += inner {
		xs := x[i : i+inner]
		switch {
		case is == 0 && (r.op == ReduceMean || r.op == ReduceSum):
			var s float32
			for _, v := range xs {
				s += v
			}
			y[off] += s
		case r.op == ReduceMax:
			for j, v := range xs {
				if v > y[off+j*is] {
					y[off+j*is] = v
				}
			}
		case r.op == ReduceMin:
			for j, v := range xs {
				if v < y[off+j*is] {
					y[off+j*is] = v
				}
			}
		default:
			for j, v := range xs {
				y[off+j*is] += v
			}
		}
		for k := last - 1; k >= 0; k-- {
			idx[k]++
			off += r.outSt[k]
			if idx[k] < r.in[k] {
				break
			}
			off -= r.outSt[k] * r.in[k]
			idx[k] = 0
		}
	}
	if r.op == ReduceMean && r.count > 0 {
		inv := 1 / float32(r.count)
		for i := range y {
			y[i] *= inv
		}
	}
}

// Softmax normalises x viewed as [outer, n, inner] along the middle axis.
func Softmax(y, x []float32, outer, n, inner int) {
	mustLen("Softmax", "x", x, outer*n*inner)
	mustLen("Softmax", "y", y, outer*n*inner)
	for o := 0; o < outer; o++ {
		base := o * n * inner
		for in := 0; in < inner; in++ {
			m := float32(math.Inf(-1))
			for i := 0; i < n; i++ {
				if v := x[base+i*inner+in]; v > m || v != v {
					m = v
				}
			}
			var sum float64
			for i := 0; i < n; i++ {
				e := math.Exp(float64(x[base+i*inner+in] - m))
				y[base+i*inner+in] = float32(e)
				sum += e
			}
			inv := float32(1 / sum)
			for i := 0; i < n; i++ {
				y[base+i*inner+in] *= inv
			}
		}
	}
}

// ScaleShift computes y = x·scale[c] + shift[c] over [n, c, hw] data (an unfused BatchNorm) with
// the Default implementation.
func ScaleShift(y, x []float32, n, c, hw int, scale, shift []float32) {
	Default.ScaleShift(y, x, n, c, hw, scale, shift)
}

// ScaleShift is the package function ScaleShift on im.
func (im *Impl) ScaleShift(y, x []float32, n, c, hw int, scale, shift []float32) {
	mustLen("ScaleShift", "x", x, n*c*hw)
	mustLen("ScaleShift", "y", y, n*c*hw)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			off := (b*c + ch) * hw
			im.scaleShift(y[off:off+hw], x[off:off+hw], scale[ch], shift[ch])
		}
	}
}
