package graph

import (
	"strings"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// seStep is a squeeze-and-excitation block fused from its ONNX spelling (see fuseSE): x·gate(...)
// over [N, C, H, W], plus a fused residual Add when in[1] exists.
type seStep struct {
	stepBase
	batch, c, hw, cr int
	w1, b1           []float32
	w2, b2           []float32
	act, gate        kernel.Activation
	residual         bool
	fused            []string
	k                *kernel.SE
}

func (s *seStep) prepare() error {
	var err error
	s.k, err = kernel.NewSE(s.batch, s.c, s.hw, s.cr, s.w1, s.b1, s.act, s.w2, s.b2, s.gate)
	return err
}

func (s *seStep) workspace() int { return s.k.WorkspaceLen() }

func (s *seStep) run(ss *Runner) {
	var r []float32
	if s.residual {
		r = ss.buf(s.in[1])
	}
	s.k.Run(ss.buf(s.out[0]), ss.buf(s.in[0]), r, ss.ws)
}

func (s *seStep) fusedName() string { return strings.Join(append([]string{"SE"}, s.fused...), "+") }

// fcConv reports whether st is a 1×1 convolution over a [N, C, 1, 1] tensor with no residual: a
// fully connected layer on a pooled vector.
func fcConv(st *convStep) bool {
	sh := st.shape
	return sh.H == 1 && sh.W == 1 && sh.KH == 1 && sh.KW == 1 && sh.OH == 1 && sh.OW == 1 && sh.Groups == 1 &&
		sh.PT == 0 && sh.PL == 0 && !st.residual
}

// fuseSE replaces a squeeze-and-excitation block ending at mul, as PyTorch exports it,
//
//	p = GlobalAveragePool(x) or ReduceMean(x, axes=[2, 3], keepdims=1)
//	h = act(Conv1×1(p))            (BatchNorm and the activation already fused into the Conv)
//	g = gate(Conv1×1(h))           (gate Sigmoid or HardSigmoid)
//	y = Mul(x, g)
//
// with one seStep, when each intermediate value has no other reader.
func (b *builder) fuseSE(mul *binaryStep, users readers) bool {
	producer := b.producerOf
	for xi := 0; xi < 2; xi++ {
		x, g := mul.in[xi], mul.in[1-xi]
		if len(x.Shape) != 4 || mul.out[0].Len() != x.Len() {
			continue
		}
		n, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
		c2, ok := producer(g).(*convStep)
		if !ok || !fcConv(c2) || soleReader(users, g) != step(mul) || c2.shape.M != c || c2.shape.N != n {
			continue
		}
		switch c2.act.Kind {
		case kernel.ActSigmoid, kernel.ActHardSigmoid:
		default:
			continue
		}
		h := c2.in[0]
		c1, ok := producer(h).(*convStep)
		if !ok || !fcConv(c1) || soleReader(users, h) != step(c2) || c1.shape.C != c || c1.shape.M != c2.shape.C {
			continue
		}
		p := c1.in[0]
		if soleReader(users, p) != step(c1) {
			continue
		}
		switch ps := producer(p).(type) {
		case *globalPoolStep:
			if ps.maxPool || ps.in[0] != x {
				continue
			}
		case *reduceStep:
			if !ps.planeMean || ps.in[0] != x {
				continue
			}
		default:
			continue
		}
		pool := producer(p)
		se := &seStep{stepBase: stepBase{n: mul.n, in: []*Value{x}, out: mul.out, inplace: 0},
			batch: n, c: c, hw: hw, cr: c1.shape.M, w1: c1.w, b1: c1.bias, act: c1.act, w2: c2.w, b2: c2.bias, gate: c2.act}
		se.mac = 2*int64(n)*int64(c)*int64(c1.shape.M) + int64(mul.out[0].Len())
		b.replace(mul, se)
		b.remove(pool)
		b.remove(c1)
		b.remove(c2)
		return true
	}
	return false
}
