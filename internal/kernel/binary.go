package kernel

import "math"

// BinaryOp names an elementwise function of two tensors.
type BinaryOp uint8

const (
	OpAdd   BinaryOp = iota
	OpSub            // a - b
	OpMul            //
	OpDiv            // a / b
	OpPow            // a^b
	OpMax            //
	OpMin            //
	OpPRelu          // a < 0 ? a*b : a
)

var binaryNames = [...]string{"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu"}

func (op BinaryOp) String() string {
	if int(op) < len(binaryNames) {
		return binaryNames[op]
	}
	return "BinaryOp(?)"
}

// Broadcast is a prepared numpy-style broadcast of two shapes. Adjacent axes that broadcast the same
// way are merged, so the common cases (same shape, scalar, per-channel) run as one or two flat loops.
type Broadcast struct {
	im     *Impl
	rank   int
	dims   [MaxRank]int
	sa, sb [MaxRank]int // element strides of a and b per merged output axis (0 where broadcast)
	n      int          // output elements
	na, nb int          // input elements
}

// NewBroadcast prepares y = f(a, b) for a of shape as and b of shape bs with the Default
// implementation, returning the output shape.
func NewBroadcast(as, bs []int) (*Broadcast, []int, error) { return Default.NewBroadcast(as, bs) }

// NewBroadcast is the package function NewBroadcast on im.
func (im *Impl) NewBroadcast(as, bs []int) (*Broadcast, []int, error) {
	rank := max(len(as), len(bs))
	if rank > MaxRank {
		return nil, nil, shapeErrorf("Broadcast", "rank %d exceeds %d", rank, MaxRank)
	}
	pa, pb := padShape(as, rank), padShape(bs, rank)
	out := make([]int, rank)
	for i := 0; i < rank; i++ {
		switch {
		case pa[i] == pb[i], pb[i] == 1:
			out[i] = pa[i]
		case pa[i] == 1:
			out[i] = pb[i]
		default:
			return nil, nil, shapeErrorf("Broadcast", "shapes %v and %v do not broadcast (axis %d: %d vs %d)", as, bs, i, pa[i], pb[i])
		}
		if out[i] < 0 {
			return nil, nil, shapeErrorf("Broadcast", "negative dimension in %v, %v", as, bs)
		}
	}
	p := &Broadcast{im: im, n: product(out), na: product(as), nb: product(bs)}
	// Merge axes: walk from the innermost outwards, joining an axis to the previous merged one when
	// both inputs either vary or stay fixed along both.
	var dims, ka, kb [MaxRank]int // ka/kb: 1 if the input varies along the axis
	r := 0
	for i := rank - 1; i >= 0; i-- {
		if out[i] == 1 {
			continue
		}
		va, vb := b2i(pa[i] != 1), b2i(pb[i] != 1)
		if r > 0 && ka[r-1] == va && kb[r-1] == vb {
			dims[r-1] *= out[i]
			continue
		}
		dims[r], ka[r], kb[r] = out[i], va, vb
		r++
	}
	// Reverse to outermost-first and compute strides.
	p.rank = r
	strideA, strideB := 1, 1
	for j := 0; j < r; j++ { // j indexes merged axes innermost first
		k := r - 1 - j
		p.dims[k] = dims[j]
		if ka[j] == 1 {
			p.sa[k] = strideA
			strideA *= dims[j]
		}
		if kb[j] == 1 {
			p.sb[k] = strideB
			strideB *= dims[j]
		}
	}
	return p, out, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func padShape(s []int, rank int) []int {
	p := make([]int, rank)
	for i := range p {
		p[i] = 1
	}
	copy(p[rank-len(s):], s)
	return p
}

// Len is the number of output elements.
func (p *Broadcast) Len() int { return p.n }

// Run computes y = op(a, b) with broadcasting. y may alias a or b when that input has the output's
// shape.
func (p *Broadcast) Run(op BinaryOp, y, a, b []float32) {
	mustLen("Broadcast", "a", a, p.na)
	mustLen("Broadcast", "b", b, p.nb)
	mustLen("Broadcast", "y", y, p.n)
	if p.n == 0 {
		return
	}
	if p.rank == 0 { // every axis is 1
		y[0] = binary1(op, a[0], b[0])
		return
	}
	inner := p.dims[p.rank-1]
	ia, ib := p.sa[p.rank-1], p.sb[p.rank-1]
	var idx [MaxRank]int
	offA, offB := 0, 0
	for o := 0; o < p.n; o += inner {
		p.binaryRow(op, y[o:o+inner], a[offA:], b[offB:], ia, ib)
		// Advance the outer counters like an odometer.
		for k := p.rank - 2; k >= 0; k-- {
			idx[k]++
			offA += p.sa[k]
			offB += p.sb[k]
			if idx[k] < p.dims[k] {
				break
			}
			offA -= p.sa[k] * p.dims[k]
			offB -= p.sb[k] * p.dims[k]
			idx[k] = 0
		}
	}
}

// binaryRow computes one innermost run; ia and ib are 0 (broadcast) or 1.
func (p *Broadcast) binaryRow(op BinaryOp, y, a, b []float32, ia, ib int) {
	n := len(y)
	switch {
	case ia == 1 && ib == 1:
		p.im.binVV(op, y, a[:n], b[:n])
	case ia == 1:
		p.im.binVS(op, y, a[:n], b[0])
	case ib == 1:
		p.im.binSV(op, y, a[0], b[:n])
	default:
		v := binary1(op, a[0], b[0])
		for i := range y {
			y[i] = v
		}
	}
}

func binary1(op BinaryOp, a, b float32) float32 {
	switch op {
	case OpAdd:
		return a + b
	case OpSub:
		return a - b
	case OpMul:
		return a * b
	case OpDiv:
		return a / b
	case OpPow:
		return float32(math.Pow(float64(a), float64(b)))
	case OpMax:
		return max(a, b)
	case OpMin:
		return min(a, b)
	case OpPRelu:
		if a < 0 {
			return a * b
		}
		return a
	}
	panic("kernel: unknown binary op " + op.String())
}
