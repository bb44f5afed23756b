package graph

// evalNow runs a step whose inputs are all constants at compile time and makes its outputs
// constants. Float32 steps run their real kernels, so folded and run-time results agree exactly.
func (c *nodeCtx) evalNow(st step) error {
	sb := st.base()
	sb.packs = nil // a folded step's kernel lives only until it has run
	if err := st.prepare(); err != nil {
		return c.shapeErr("%v", err)
	}
	for _, v := range sb.out {
		if err := c.b.reserve(4*int64(v.Len()), "the folded value of "+c.n.label()); err != nil {
			return err
		}
	}
	vals := append(append([]*Value(nil), sb.in...), sb.out...)
	s := &Runner{bufs: make([][]float32, len(vals)), ws: make([]float32, st.workspace()), ptrs: make([][]float32, len(sb.in))}
	for i, v := range vals {
		v.id = i
		if v.Const != nil {
			s.bufs[i] = v.Const.Floats()
		} else {
			s.bufs[i] = make([]float32, v.Len())
		}
	}
	st.run(s)
	for _, v := range vals {
		v.id = -1
	}
	for i, v := range sb.out {
		for j, o := range c.out {
			if o == v {
				c.setConst(j, &Tensor{DType: Float32, Shape: v.Shape, F: s.bufs[len(sb.in)+i]})
			}
		}
	}
	return nil
}

// finishStep either folds the step (all inputs constant) or schedules it. A float32 step never
// reads an integer constant: that is a model whose types do not match (an INT8 weight without its
// DequantizeLinear, an int64 operand of a float Add), which would otherwise compute silently on
// the integers as floats.
func (c *nodeCtx) finishStep(st step) error {
	folds := true
	for _, v := range st.base().in {
		if v.DType != Float32 {
			return c.unsupported("input %q is %s; this operator computes on float32 (a quantized weight needs its DequantizeLinear)", v.Name, notFloat(v.DType))
		}
		folds = folds && v.Const != nil
	}
	if !folds {
		c.emit(st)
		return nil
	}
	return c.evalNow(st)
}

// iotaTensor returns a float32 tensor 0, 1, ... of the given shape: running a data-movement kernel over
// it yields, per output element, the index of the input element it came from. That lets int64
// constants go through the float32 movement kernels exactly (indices stay below 2^24).
func iotaTensor(shape []int, base int) *Tensor {
	n := numElements(shape)
	f := make([]float32, n)
	for i := range f {
		f[i] = float32(base + i)
	}
	return &Tensor{DType: Float32, Shape: shape, F: f}
}

// maxIotaElements bounds int64 constants folded through float32 index tensors.
const maxIotaElements = 1 << 24

// broadcastIndex returns, for each element of out, the index of the element of in (numpy-broadcast
// to out) it reads.
func broadcastIndex(in, out []int) []int {
	n := numElements(out)
	idx := make([]int, n)
	rank := len(out)
	pad := make([]int, rank)
	for i := range pad {
		pad[i] = 1
	}
	copy(pad[rank-len(in):], in)
	st := make([]int, rank)
	acc := 1
	for i := rank - 1; i >= 0; i-- {
		if pad[i] != 1 {
			st[i] = acc
		}
		acc *= pad[i]
	}
	coord := make([]int, rank)
	for o := 0; o < n; o++ {
		off := 0
		for k := 0; k < rank; k++ {
			off += coord[k] * st[k]
		}
		idx[o] = off
		for k := rank - 1; k >= 0; k-- {
			coord[k]++
			if coord[k] < out[k] {
				break
			}
			coord[k] = 0
		}
	}
	return idx
}

// broadcastShape is numpy's rule for two shapes.
func broadcastShape(a, b []int) ([]int, bool) {
	rank := max(len(a), len(b))
	out := make([]int, rank)
	for i := 0; i < rank; i++ {
		da, db := 1, 1
		if j := i - (rank - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (rank - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}
