package kernel

// strides returns row-major element strides of a shape.
func strides(shape []int) [MaxRank]int {
	var s [MaxRank]int
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

func checkRank(op string, shape []int) error {
	if len(shape) > MaxRank {
		return shapeErrorf(op, "rank %d exceeds %d", len(shape), MaxRank)
	}
	for _, d := range shape {
		if d < 0 {
			return shapeErrorf(op, "negative dimension in %v", shape)
		}
	}
	return nil
}

// gatherWalk is an odometer over an output of rank dims whose elements come from the input at
// base + Σ idx[k]·step[k]; it is shared by Transpose and Slice.
type gatherWalk struct {
	rank int
	dims [MaxRank]int
	step [MaxRank]int
	base int
	n    int
}

func (g *gatherWalk) run(y, x []float32) {
	if g.n == 0 {
		return
	}
	if g.rank == 0 {
		y[0] = x[g.base]
		return
	}
	inner, is := g.dims[g.rank-1], g.step[g.rank-1]
	var idx [MaxRank]int
	off := g.base
	for o := 0; o < g.n; o += inner {
		dst := y[o : o+inner]
		if is == 1 {
			copy(dst, x[off:off+inner])
		} else {
			p := off
			for i := range dst {
				dst[i] = x[p]
				p += is
			}
		}
		for k := g.rank - 2; k >= 0; k-- {
			idx[k]++
			off += g.step[k]
			if idx[k] < g.dims[k] {
				break
			}
			off -= g.step[k] * g.dims[k]
			idx[k] = 0
		}
	}
}

// Transpose permutes axes: output axis i is input axis perm[i].
//
// A permutation that, once axes of size 1 are dropped and axes that stay neighbours are merged,
// swaps the last two of at most three axes (NHWC ↔ NCHW: a batch of [H·W, C] ↔ [C, H·W] matrices)
// runs as blocked 2D transposes (t2d): the general odometer moves one float per loop iteration
// with a stride in the inner loop, which cost BlazeFace's NHWC input (C = 3) about 10 ns a float in
// Chromium; the blocked loop moves four rows' floats per iteration into four consecutive outputs.
type Transpose struct {
	im   *Impl
	walk gatherWalk
	inN  int
	// t2d: batch × [rows, cols] → batch × [cols, rows], when the permutation reduces to it.
	t2d               bool
	batch, rows, cols int
}

// NewTranspose prepares a transpose of shape by perm and returns the output shape, with the
// Default implementation.
func NewTranspose(shape, perm []int) (*Transpose, []int, error) {
	return Default.NewTranspose(shape, perm)
}

// NewTranspose is the package function NewTranspose on im.
func (im *Impl) NewTranspose(shape, perm []int) (*Transpose, []int, error) {
	if err := checkRank("Transpose", shape); err != nil {
		return nil, nil, err
	}
	if len(perm) != len(shape) {
		return nil, nil, shapeErrorf("Transpose", "perm %v does not match rank %d", perm, len(shape))
	}
	seen := make([]bool, len(shape))
	for _, p := range perm {
		if p < 0 || p >= len(shape) || seen[p] {
			return nil, nil, shapeErrorf("Transpose", "perm %v is not a permutation", perm)
		}
		seen[p] = true
	}
	st := strides(shape)
	out := make([]int, len(shape))
	t := &Transpose{im: im, inN: product(shape)}
	for i, p := range perm {
		out[i] = shape[p]
		t.walk.dims[i] = shape[p]
		t.walk.step[i] = st[p]
	}
	t.walk.rank = len(shape)
	t.walk.n = product(out)
	t.batch, t.rows, t.cols, t.t2d = batched2D(shape, perm)
	return t, out, nil
}

// batched2D reports whether transposing shape by perm is batch independent transposes of
// rows×cols matrices, and gives their sizes: axes of size 1 are dropped, runs of axes that are
// consecutive in both the input and the output are merged, and what is left must be [rows, cols]
// by perm (1, 0) or [batch, rows, cols] by (0, 2, 1).
func batched2D(shape, perm []int) (batch, rows, cols int, ok bool) {
	var dims [MaxRank]int // merged input axes' sizes, in output order
	var src [MaxRank]int  // merged input axes' positions, in output order
	n := 0
	for _, p := range perm {
		if shape[p] == 1 {
			continue
		}
		if n > 0 && src[n-1] == p-1-ones(shape, src[n-1]+1, p) {
			// p follows the previous kept input axis, with only size-1 axes between them.
			dims[n-1] *= shape[p]
			src[n-1] = p
			continue
		}
		dims[n], src[n] = shape[p], p
		n++
	}
	// In output order the merged axes now read input axes at increasing or permuted positions.
	switch {
	case n == 2 && src[0] > src[1]:
		return 1, dims[1], dims[0], true
	case n == 3 && src[0] < src[1] && src[0] < src[2] && src[1] > src[2]:
		return dims[0], dims[2], dims[1], true
	}
	return 0, 0, 0, false
}

// ones counts the axes of size 1 in shape[from:to].
func ones(shape []int, from, to int) int {
	k := 0
	for i := from; i < to; i++ {
		if shape[i] == 1 {
			k++
		}
	}
	return k
}

// Run writes the transposed x into y.
func (t *Transpose) Run(y, x []float32) {
	mustLen("Transpose", "x", x, t.inN)
	mustLen("Transpose", "y", y, t.walk.n)
	if t.t2d {
		m := t.rows * t.cols
		for b := 0; b < t.batch; b++ {
			t.im.transpose2D(y[b*m:(b+1)*m], x[b*m:(b+1)*m], t.rows, t.cols)
		}
		return
	}
	t.walk.run(y, x)
}

// transpose2D writes y (cols×rows) = xᵀ (x is rows×cols). Four input rows at a time: each step reads
// one column of the four rows and writes four consecutive floats of y; blocks of 64 columns keep
// the four rows' reads and the 64 output rows' writes in cache.
func transpose2D(y, x []float32, rows, cols int) {
	_ = y[:rows*cols]
	_ = x[:rows*cols]
	r := 0
	for ; r+4 <= rows; r += 4 {
		x0, x1 := x[r*cols:(r+1)*cols], x[(r+1)*cols:(r+2)*cols]
		x2, x3 := x[(r+2)*cols:(r+3)*cols], x[(r+3)*cols:(r+4)*cols]
		for c, v := range x0 {
			o := y[c*rows+r : c*rows+r+4]
			o[0], o[1], o[2], o[3] = v, x1[c], x2[c], x3[c]
		}
	}
	for ; r < rows; r++ {
		for c, v := range x[r*cols : (r+1)*cols] {
			y[c*rows+r] = v
		}
	}
}

// Slice copies a strided box out of a tensor.
type Slice struct {
	walk gatherWalk
	inN  int
}

// NewSlice prepares y[i...] = x[start + i·step ...] for an output of shape out. Starts must be
// normalised (in range) and steps non-zero; the caller computes out from ONNX's rules.
func NewSlice(shape, start, step, out []int) (*Slice, error) {
	if err := checkRank("Slice", shape); err != nil {
		return nil, err
	}
	if len(start) != len(shape) || len(step) != len(shape) || len(out) != len(shape) {
		return nil, shapeErrorf("Slice", "rank mismatch: shape %v start %v step %v out %v", shape, start, step, out)
	}
	st := strides(shape)
	s := &Slice{inN: product(shape)}
	s.walk.rank = len(shape)
	for i := range shape {
		if out[i] < 0 || step[i] == 0 {
			return nil, shapeErrorf("Slice", "bad step or size on axis %d", i)
		}
		if out[i] > 0 {
			last := start[i] + (out[i]-1)*step[i]
			if start[i] < 0 || start[i] >= shape[i] || last < 0 || last >= shape[i] {
				return nil, shapeErrorf("Slice", "axis %d: range [%d by %d ×%d] outside %d", i, start[i], step[i], out[i], shape[i])
			}
		}
		s.walk.dims[i] = out[i]
		s.walk.step[i] = step[i] * st[i]
		s.walk.base += start[i] * st[i]
	}
	s.walk.n = product(out)
	return s, nil
}

// Run copies the slice of x into y.
func (s *Slice) Run(y, x []float32) {
	mustLen("Slice", "x", x, s.inN)
	mustLen("Slice", "y", y, s.walk.n)
	s.walk.run(y, x)
}

// PadMode is ONNX Pad's mode.
type PadMode uint8

const (
	PadConstant PadMode = iota
	PadReflect
	PadEdge
)

// Pad adds (or, for negative amounts, removes) borders around a tensor.
type Pad struct {
	rank  int
	out   [MaxRank]int
	src   [MaxRank][]int32 // per axis: source index per output index, −1 for the constant fill
	inSt  [MaxRank]int
	value float32
	inN   int
	n     int
}

// NewPad prepares a pad of shape by begin/end amounts per axis and returns the output shape.
func NewPad(shape, begin, end []int, mode PadMode, value float32) (*Pad, []int, error) {
	if err := checkRank("Pad", shape); err != nil {
		return nil, nil, err
	}
	if len(begin) != len(shape) || len(end) != len(shape) {
		return nil, nil, shapeErrorf("Pad", "pads %v/%v do not match rank %d", begin, end, len(shape))
	}
	p := &Pad{rank: len(shape), value: value, inN: product(shape), inSt: strides(shape)}
	out := make([]int, len(shape))
	for i, d := range shape {
		o := d + begin[i] + end[i]
		if o < 0 {
			return nil, nil, shapeErrorf("Pad", "axis %d: pads %d,%d leave a negative size from %d", i, begin[i], end[i], d)
		}
		if mode != PadConstant && (begin[i] > 0 || end[i] > 0) && d == 0 {
			return nil, nil, shapeErrorf("Pad", "axis %d: cannot %s-pad an empty axis", i, [...]string{"constant", "reflect", "edge"}[mode])
		}
		if mode == PadReflect && (begin[i] >= d || end[i] >= d) && (begin[i] > 0 || end[i] > 0) {
			return nil, nil, shapeErrorf("Pad", "axis %d: reflect pad %d,%d needs more than %d elements", i, begin[i], end[i], d)
		}
		out[i] = o
		p.out[i] = o
		tab := make([]int32, o)
		for j := range tab {
			s := j - begin[i]
			switch {
			case s >= 0 && s < d:
			case mode == PadConstant:
				s = -1
			case mode == PadEdge:
				s = min(max(s, 0), d-1)
			default: // reflect, without repeating the edge
				for s < 0 || s >= d {
					if s < 0 {
						s = -s
					}
					if s >= d {
						s = 2*(d-1) - s
					}
				}
			}
			tab[j] = int32(s)
		}
		p.src[i] = tab
	}
	p.n = product(out)
	return p, out, nil
}

// Run writes the padded x into y.
func (p *Pad) Run(y, x []float32) {
	mustLen("Pad", "x", x, p.inN)
	mustLen("Pad", "y", y, p.n)
	if p.n == 0 {
		return
	}
	if p.rank == 0 {
		y[0] = x[0]
		return
	}
	var idx [MaxRank]int
	last := p.rank - 1
	inner := p.out[last]
	tab := p.src[last]
	for o := 0; o < p.n; o += inner {
		off, fill := 0, false
		for k := 0; k < last; k++ {
			s := p.src[k][idx[k]]
			if s < 0 {
				fill = true
				break
			}
			off += int(s) * p.inSt[k]
		}
		dst := y[o : o+inner]
		if fill {
			for i := range dst {
				dst[i] = p.value
			}
		} else {
			for i, s := range tab {
				if s < 0 {
					dst[i] = p.value
				} else {
					dst[i] = x[off+int(s)]
				}
			}
		}
		for k := last - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < p.out[k] {
				break
			}
			idx[k] = 0
		}
	}
}

// Gather takes slices along an axis: y[o, i, r] = x[o, idx[i], r] for a tensor viewed as
// [outer, axisLen, inner]. Indices must be in [0, axisLen).
func Gather(y, x []float32, outer, axisLen, inner int, idx []int) {
	mustLen("Gather", "x", x, outer*axisLen*inner)
	mustLen("Gather", "y", y, outer*len(idx)*inner)
	o := 0
	for i := 0; i < outer; i++ {
		for _, j := range idx {
			copy(y[o:o+inner], x[(i*axisLen+j)*inner:(i*axisLen+j+1)*inner])
			o += inner
		}
	}
}

// Concat joins tensors along an axis: each input i is viewed as [outer, chunks[i]] and the output as
// [outer, Σ chunks].
func Concat(y []float32, xs [][]float32, outer int, chunks []int) {
	total := 0
	for i, c := range chunks {
		mustLen("Concat", "input", xs[i], outer*c)
		total += c
	}
	mustLen("Concat", "y", y, outer*total)
	o := 0
	for r := 0; r < outer; r++ {
		for i, c := range chunks {
			copy(y[o:o+c], xs[i][r*c:(r+1)*c])
			o += c
		}
	}
}
