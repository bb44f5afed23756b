package kernel

// SE is a squeeze-and-excitation block in one operator: for each image of x [N, C, H·W],
//
//	s = gate(W2·act(W1·mean(x) + b1) + b2),  y[c] = x[c]·s[c] (+ res[c])
//
// with W1 [CR, C] and W2 [C, CR] (the two 1×1 convolutions on the pooled vector), act a fusable
// activation (Relu, PRelu, ...) and gate Sigmoid or HardSigmoid. Run reads x twice (the pool, then
// the scale) and writes y once; run as separate operators the block is five passes and two
// broadcasts, and its two matrix-vector products would each run a whole GEMM tile per output.
type SE struct {
	im           *Impl
	n, c, hw, cr int
	w1, b1       []float32
	w2, b2       []float32
	act, gate    Activation
}

// NewSE prepares an SE block with the Default implementation; b1 and b2 may be nil.
func NewSE(n, c, hw, cr int, w1, b1 []float32, act Activation, w2, b2 []float32, gate Activation) (*SE, error) {
	return Default.NewSE(n, c, hw, cr, w1, b1, act, w2, b2, gate)
}

// NewSE is the package function NewSE on im.
func (im *Impl) NewSE(n, c, hw, cr int, w1, b1 []float32, act Activation, w2, b2 []float32, gate Activation) (*SE, error) {
	switch {
	case n <= 0 || c <= 0 || hw <= 0 || cr <= 0:
		return nil, shapeErrorf("SE", "empty shape n=%d c=%d hw=%d cr=%d", n, c, hw, cr)
	case len(w1) != cr*c || len(w2) != c*cr:
		return nil, shapeErrorf("SE", "weights have %d and %d elements, want %d each", len(w1), len(w2), c*cr)
	case b1 != nil && len(b1) != cr, b2 != nil && len(b2) != c:
		return nil, shapeErrorf("SE", "biases have %d and %d elements, want %d and %d", len(b1), len(b2), cr, c)
	case act.Kind == ActPRelu && len(act.Slope) != 1 && len(act.Slope) != cr:
		return nil, shapeErrorf("SE", "PRelu slope has %d elements, want 1 or %d", len(act.Slope), cr)
	case gate.Kind == ActPRelu && len(gate.Slope) != 1 && len(gate.Slope) != c:
		return nil, shapeErrorf("SE", "PRelu slope has %d elements, want 1 or %d", len(gate.Slope), c)
	}
	p := &SE{im: im, n: n, c: c, hw: hw, cr: cr, w1: w1, w2: w2, act: act, gate: gate}
	p.b1, p.b2 = make([]float32, cr), make([]float32, c)
	copy(p.b1, b1)
	copy(p.b2, b2)
	return p, nil
}

// WorkspaceLen is the scratch Run needs: the pooled vector, the hidden one and the gate.
func (p *SE) WorkspaceLen() int { return 2*p.c + p.cr }

// Run computes y from x [N, C, H·W] and, when non-nil, adds res (y's shape). y may be x or res
// (in place); ws has WorkspaceLen elements.
func (p *SE) Run(y, x, res, ws []float32) {
	n := p.n * p.c * p.hw
	mustLen("SE", "x", x, n)
	mustLen("SE", "y", y, n)
	if res != nil {
		mustLen("SE", "res", res, n)
	}
	mustLen("SE", "workspace", ws, p.WorkspaceLen())
	pooled, hidden, s := ws[:p.c], ws[p.c:p.c+p.cr], ws[p.c+p.cr:2*p.c+p.cr]
	inv := 1 / float32(p.hw)
	for img := 0; img < p.n; img++ {
		xi := x[img*p.c*p.hw : (img+1)*p.c*p.hw]
		yi := y[img*p.c*p.hw : (img+1)*p.c*p.hw]
		for ch := range pooled {
			pooled[ch] = p.im.sum(xi[ch*p.hw:(ch+1)*p.hw]) * inv
		}
		for j := range hidden {
			hidden[j] = p.b1[j] + p.im.dot(p.w1[j*p.c:(j+1)*p.c], pooled)
		}
		p.im.Apply(p.act, hidden, hidden, p.cr, 1)
		for ch := range s {
			s[ch] = p.b2[ch] + p.im.dot(p.w2[ch*p.cr:(ch+1)*p.cr], hidden)
		}
		p.im.Apply(p.gate, s, s, p.c, 1)
		for ch, g := range s {
			yc, xc := yi[ch*p.hw:(ch+1)*p.hw], xi[ch*p.hw:(ch+1)*p.hw]
			if res != nil {
				p.im.scaleAdd(yc, xc, g, res[img*p.c*p.hw+ch*p.hw:img*p.c*p.hw+(ch+1)*p.hw])
			} else {
				p.im.scaleShift(yc, xc, g, 0)
			}
		}
	}
}
