package graph

import (
	"math"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

func init() {
	unary := func(op string, kind kernel.Act) {
		register(op, 1, func(c *nodeCtx) error { return buildAct(c, kernel.Activation{Kind: kind}) })
	}
	unary("Relu", kernel.ActRelu)
	unary("Sigmoid", kernel.ActSigmoid)
	unary("Tanh", kernel.ActTanh)
	unary("Exp", kernel.ActExp)
	unary("Sqrt", kernel.ActSqrt)
	unary("Neg", kernel.ActNeg)
	unary("Abs", kernel.ActAbs)
	unary("Reciprocal", kernel.ActReciprocal)
	register("HardSwish", 14, func(c *nodeCtx) error { return buildAct(c, kernel.Activation{Kind: kernel.ActHardSwish}) })
	register("LeakyRelu", 1, func(c *nodeCtx) error {
		alpha, err := c.floatAttr("alpha", 0.01)
		if err != nil {
			return err
		}
		return buildAct(c, kernel.Activation{Kind: kernel.ActLeakyRelu, Alpha: alpha})
	})
	register("HardSigmoid", 1, func(c *nodeCtx) error {
		alpha, err := c.floatAttr("alpha", 0.2)
		if err != nil {
			return err
		}
		beta, err := c.floatAttr("beta", 0.5)
		if err != nil {
			return err
		}
		return buildAct(c, kernel.Activation{Kind: kernel.ActHardSigmoid, Alpha: alpha, Beta: beta})
	})
	register("Clip", 1, buildClip)
	register("PRelu", 1, buildPRelu)
	register("BatchNormalization", 1, buildBatchNorm)
	register("Softmax", 1, buildSoftmax)

	binary := func(op string, bop kernel.BinaryOp) {
		register(op, 1, func(c *nodeCtx) error { return buildBinary(c, bop) })
	}
	binary("Add", kernel.OpAdd)
	binary("Sub", kernel.OpSub)
	binary("Mul", kernel.OpMul)
	binary("Div", kernel.OpDiv)
	binary("Pow", kernel.OpPow)
	register("Max", 1, func(c *nodeCtx) error { return buildVariadic(c, kernel.OpMax) })
	register("Min", 1, func(c *nodeCtx) error { return buildVariadic(c, kernel.OpMin) })
	register("Sum", 1, func(c *nodeCtx) error { return buildVariadic(c, kernel.OpAdd) })
}

// actStep applies an elementwise function; it may run in place.
type actStep struct {
	stepBase
	act             kernel.Activation
	channels, inner int
}

func (s *actStep) run(ss *Runner) {
	s.act.Apply(ss.buf(s.out[0]), ss.buf(s.in[0]), s.channels, s.inner)
}

func buildAct(c *nodeCtx, act kernel.Activation) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	return emitAct(c, x, act)
}

func emitAct(c *nodeCtx, x *Value, act kernel.Activation) error {
	y := c.newOutput(0, x.Shape)
	st := &actStep{stepBase: newBase(c, y, x), act: act, channels: 1, inner: x.Len()}
	if act.Kind == kernel.ActPRelu && len(act.Slope) > 1 {
		st.channels = x.Shape[1]
		st.inner = numElements(x.Shape[2:])
	}
	st.inplace = 0
	st.mac = int64(x.Len())
	return c.finishStep(st)
}

func buildClip(c *nodeCtx) error {
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if c.opset < 11 {
		if lo, err = c.floatAttr("min", lo); err != nil {
			return err
		}
		if hi, err = c.floatAttr("max", hi); err != nil {
			return err
		}
	} else {
		if err := c.needInputs(1, 3); err != nil {
			return err
		}
		for i, p := range []*float32{&lo, &hi} {
			t, err := c.floatConst(i+1, []string{"min", "max"}[i])
			if err != nil {
				return err
			}
			if t != nil {
				if t.Len() != 1 {
					return c.shapeErr("%s must be a scalar, has shape %v", []string{"min", "max"}[i], t.Shape)
				}
				*p = t.Floats()[0]
			}
		}
	}
	act := kernel.Activation{Kind: kernel.ActClip, Alpha: lo, Beta: hi}
	if lo == 0 && math.IsInf(float64(hi), 1) {
		act = kernel.Activation{Kind: kernel.ActRelu}
	}
	return emitAct(c, x, act)
}

func buildPRelu(c *nodeCtx) error {
	if err := c.needInputs(2, 2); err != nil {
		return err
	}
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	slope := c.in[1]
	if slope.DType != Float32 {
		return c.unsupported("slope %q is %s, want float32", slope.Name, notFloat(slope.DType))
	}
	if slope.Const != nil && len(x.Shape) >= 2 && len(slope.Shape) <= len(x.Shape) {
		sl := slope.Const.Floats()
		if len(sl) == 1 {
			return emitAct(c, x, kernel.Activation{Kind: kernel.ActPRelu, Slope: sl})
		}
		// Broadcasting aligns trailing axes: the slope is one value per channel when, padded to
		// x's rank, it is 1 everywhere but axis 1.
		padded := make([]int, len(x.Shape))
		for i := range padded {
			padded[i] = 1
		}
		copy(padded[len(x.Shape)-len(slope.Shape):], slope.Shape)
		perChannel := padded[1] == x.Shape[1]
		for i, d := range padded {
			if i != 1 && d != 1 {
				perChannel = false
			}
		}
		if perChannel {
			return emitAct(c, x, kernel.Activation{Kind: kernel.ActPRelu, Slope: sl})
		}
	}
	return emitBinary(c, kernel.OpPRelu, x, slope)
}

// scaleShiftStep is an unfused BatchNormalization: y = x·scale[c] + shift[c].
type scaleShiftStep struct {
	stepBase
	scale, shift []float32
	n, ch, hw    int
}

func (s *scaleShiftStep) run(ss *Runner) {
	kernel.ScaleShift(ss.buf(s.out[0]), ss.buf(s.in[0]), s.n, s.ch, s.hw, s.scale, s.shift)
}

func buildBatchNorm(c *nodeCtx) error {
	if err := c.needInputs(5, 5); err != nil {
		return err
	}
	if len(c.n.Outputs) > 1 {
		for _, o := range c.n.Outputs[1:] {
			if o != "" {
				return c.unsupported("training-mode outputs (running mean/var) are not supported")
			}
		}
	}
	if tm, err := c.intAttr("training_mode", 0); err != nil || tm != 0 {
		if err != nil {
			return err
		}
		return c.unsupported("training_mode=1 is not supported")
	}
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	eps, err := c.floatAttr("epsilon", 1e-5)
	if err != nil {
		return err
	}
	if len(x.Shape) < 2 {
		return c.shapeErr("input shape %v has no channel axis", x.Shape)
	}
	ch := x.Shape[1]
	params := make([][]float32, 4)
	for i, name := range []string{"scale", "B", "mean", "var"} {
		t, err := c.floatConst(i+1, name)
		if err != nil {
			return err
		}
		if t.Len() != ch {
			return c.shapeErr("%s has %d elements for %d channels", name, t.Len(), ch)
		}
		params[i] = t.Floats()
	}
	scale, shift := make([]float32, ch), make([]float32, ch)
	for i := 0; i < ch; i++ {
		inv := float32(1 / math.Sqrt(float64(params[3][i])+float64(eps)))
		scale[i] = params[0][i] * inv
		shift[i] = params[1][i] - params[2][i]*scale[i]
	}
	y := c.newOutput(0, x.Shape)
	st := &scaleShiftStep{stepBase: newBase(c, y, x), scale: scale, shift: shift,
		n: x.Shape[0], ch: ch, hw: numElements(x.Shape[2:])}
	st.inplace = 0
	return c.finishStep(st)
}

type softmaxStep struct {
	stepBase
	outer, n, inner int
}

func (s *softmaxStep) run(ss *Runner) {
	kernel.Softmax(ss.buf(s.out[0]), ss.buf(s.in[0]), s.outer, s.n, s.inner)
}

func buildSoftmax(c *nodeCtx) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	def := int64(1)
	if c.opset >= 13 {
		def = -1
	}
	a, err := c.intAttr("axis", def)
	if err != nil {
		return err
	}
	axis, err := c.normAxis(int(a), len(x.Shape))
	if err != nil {
		return err
	}
	y := c.newOutput(0, x.Shape)
	st := &softmaxStep{stepBase: newBase(c, y, x), outer: numElements(x.Shape[:axis])}
	if c.opset < 13 {
		// Before opset 13 the input is coerced to 2-D [outer, rest] around the axis.
		st.n, st.inner = numElements(x.Shape[axis:]), 1
	} else {
		st.n, st.inner = x.Shape[axis], numElements(x.Shape[axis+1:])
	}
	st.inplace = 0
	return c.finishStep(st)
}

type binaryStep struct {
	stepBase
	op kernel.BinaryOp
	bc *kernel.Broadcast
}

func (s *binaryStep) run(ss *Runner) {
	s.bc.Run(s.op, ss.buf(s.out[0]), ss.buf(s.in[0]), ss.buf(s.in[1]))
}

func buildBinary(c *nodeCtx, op kernel.BinaryOp) error {
	if err := c.needInputs(2, 2); err != nil {
		return err
	}
	return emitBinary(c, op, c.in[0], c.in[1])
}

func emitBinary(c *nodeCtx, op kernel.BinaryOp, a, b *Value) error {
	if a.Const != nil && b.Const != nil && (a.DType == Int64 || b.DType == Int64) {
		return foldIntBinary(c, op, a.Const, b.Const)
	}
	if a.DType != Float32 || b.DType != Float32 {
		return c.unsupported("run-time %v and %v operands", a.DType, b.DType)
	}
	bc, shape, err := kernel.NewBroadcast(a.Shape, b.Shape)
	if err != nil {
		return c.shapeErr("%v", err)
	}
	y := c.newOutput(0, shape)
	st := &binaryStep{stepBase: newBase(c, y, a, b), op: op, bc: bc}
	switch {
	case a.Len() == y.Len() && a.Const == nil:
		st.inplace = 0
	case b.Len() == y.Len() && b.Const == nil:
		st.inplace = 1
	}
	st.mac = int64(y.Len())
	return c.finishStep(st)
}

// buildVariadic folds Max/Min/Sum over any number of inputs into a chain of binary steps.
func buildVariadic(c *nodeCtx, op kernel.BinaryOp) error {
	if len(c.in) == 0 {
		return c.shapeErr("needs at least one input")
	}
	for i, v := range c.in {
		if v == nil {
			return c.shapeErr("input %d is missing", i)
		}
	}
	if len(c.in) == 1 {
		c.view(0, c.in[0], c.in[0].Shape)
		return nil
	}
	acc := c.in[0]
	for i := 1; i < len(c.in); i++ {
		if err := emitBinary(c, op, acc, c.in[i]); err != nil {
			return err
		}
		acc = c.out[0]
		if i < len(c.in)-1 {
			acc.Name = c.n.Outputs[0] + "/partial"
		}
	}
	return nil
}

func foldIntBinary(c *nodeCtx, op kernel.BinaryOp, a, b *Tensor) error {
	shape, ok := broadcastShape(a.Shape, b.Shape)
	if !ok {
		return c.shapeErr("shapes %v and %v do not broadcast", a.Shape, b.Shape)
	}
	if a.DType != Int64 || b.DType != Int64 {
		// Mixed int/float constants: compute in float64 and keep float32, as ONNX would not
		// mix types; exporters only produce this through Cast, which we fold to the target type.
		return c.unsupported("constant operands of types %v and %v", a.DType, b.DType)
	}
	// Two constants within the limits can broadcast to far more than either ([n,1] with [1,n]).
	if err := checkShape(c.outName(0), shape); err != nil {
		return err
	}
	if err := c.reserveConst(numElements(shape), 8*3); err != nil { // two indices and the values
		return err
	}
	ia, ib := broadcastIndex(a.Shape, shape), broadcastIndex(b.Shape, shape)
	out := make([]int64, len(ia))
	for i := range out {
		x, y := a.I[ia[i]], b.I[ib[i]]
		switch op {
		case kernel.OpAdd:
			out[i] = x + y
		case kernel.OpSub:
			out[i] = x - y
		case kernel.OpMul:
			out[i] = x * y
		case kernel.OpDiv:
			if y == 0 {
				return c.shapeErr("integer division by zero")
			}
			out[i] = x / y // ONNX integer Div truncates, like Go
		case kernel.OpMax:
			out[i] = max(x, y)
		case kernel.OpMin:
			out[i] = min(x, y)
		case kernel.OpPow:
			out[i] = int64(math.Pow(float64(x), float64(y)))
		default:
			return c.unsupported("integer %v", op)
		}
	}
	c.setConst(0, &Tensor{DType: Int64, Shape: shape, I: out})
	return nil
}
