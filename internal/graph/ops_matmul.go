package graph

import (
	"strings"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

func init() {
	register("Gemm", 1, buildGemm)
	register("MatMul", 1, buildMatMul)
	reduce := func(op string, r kernel.ReduceOp) {
		register(op, 1, func(c *nodeCtx) error { return buildReduce(c, r) })
	}
	reduce("ReduceMean", kernel.ReduceMean)
	reduce("ReduceSum", kernel.ReduceSum)
	reduce("ReduceMax", kernel.ReduceMax)
	reduce("ReduceMin", kernel.ReduceMin)
}

// matmulStep computes batch products out[b] = act(a[b]·B[b] + bias). With a constant B the batch
// is folded into M (one product); otherwise offsets list each batch's operands.
type matmulStep struct {
	stepBase
	m, n, k    int
	constB     []float32 // [k, n], or nil when B is in[1]
	bias       []float32
	act        kernel.Activation
	offA, offB []int // per batch element offsets (runtime B only)
	fused      []string
	kern       *kernel.MatMul
}

func (s *matmulStep) prepare() error {
	var err error
	s.kern, err = s.packs.MatMul(s.m, s.n, s.k, s.constB, s.bias, s.act)
	return err
}

func (s *matmulStep) workspace() int { return s.kern.WorkspaceLen() }

func (s *matmulStep) run(ss *Runner) {
	a, y := ss.buf(s.in[0]), ss.buf(s.out[0])
	if s.constB != nil {
		s.kern.Run(y, a, nil, ss.ws)
		return
	}
	b := ss.buf(s.in[1])
	mk, kn, mn := s.m*s.k, s.k*s.n, s.m*s.n
	for i := range s.offA {
		s.kern.Run(y[i*mn:(i+1)*mn], a[s.offA[i]:s.offA[i]+mk], b[s.offB[i]:s.offB[i]+kn], ss.ws)
	}
}

func (s *matmulStep) fusedName() string {
	return strings.Join(append([]string{s.n0()}, s.fused...), "+")
}

func (s *matmulStep) n0() string { return s.base().n.Op }

// transposed emits a run-time 2-D transpose of v and returns the new value.
func (c *nodeCtx) transposed(v *Value) (*Value, error) {
	k, shape, err := kernel.NewTranspose(v.Shape, []int{1, 0})
	if err != nil {
		return nil, c.shapeErr("%v", err)
	}
	y := &Value{Name: c.outName(0) + "/transpose", Shape: shape, DType: Float32, id: -1}
	st := &transposeStep{stepBase: stepBase{n: c.n, in: []*Value{v}, out: []*Value{y}, inplace: -1}, k: k}
	if v.Const != nil {
		tmp := &nodeCtx{b: c.b, n: c.n, opset: c.opset, in: []*Value{v}, out: []*Value{y}}
		if err := tmp.evalNow(st); err != nil {
			return nil, err
		}
		return tmp.out[0], nil
	}
	c.emit(st)
	return y, nil
}

func transpose2D(src []float32, rows, cols int) []float32 {
	dst := make([]float32, len(src))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			dst[c*rows+r] = src[r*cols+c]
		}
	}
	return dst
}

func buildGemm(c *nodeCtx) error {
	if err := c.needInputs(2, 3); err != nil {
		return err
	}
	a, err := c.float32Input(0)
	if err != nil {
		return err
	}
	b, err := c.float32Input(1)
	if err != nil {
		return err
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return c.shapeErr("inputs must be 2-D, have %v and %v", a.Shape, b.Shape)
	}
	alpha, err := c.floatAttr("alpha", 1)
	if err != nil {
		return err
	}
	beta, err := c.floatAttr("beta", 1)
	if err != nil {
		return err
	}
	ta, err := c.intAttr("transA", 0)
	if err != nil {
		return err
	}
	tb, err := c.intAttr("transB", 0)
	if err != nil {
		return err
	}
	if ta != 0 {
		if a, err = c.transposed(a); err != nil {
			return err
		}
	}
	m, k := a.Shape[0], a.Shape[1]
	kb, n := b.Shape[0], b.Shape[1]
	if tb != 0 {
		kb, n = n, kb
	}
	if kb != k {
		return c.shapeErr("inner dimensions differ: A is %v, B is %v (transA=%d transB=%d)", a.Shape, b.Shape, ta, tb)
	}
	var constB []float32
	if b.Const != nil {
		constB = b.Const.Floats()
		if tb != 0 {
			constB = transpose2D(constB, n, k)
		}
		if alpha != 1 {
			scaled := make([]float32, len(constB))
			for i, v := range constB {
				scaled[i] = v * alpha
			}
			constB = scaled
		}
	} else {
		if tb != 0 {
			if b, err = c.transposed(b); err != nil {
				return err
			}
		}
		if alpha != 1 {
			return c.unsupported("alpha=%v with a run-time B", alpha)
		}
	}
	var bias []float32
	var addC *Value
	if cv := c.input(2); cv != nil && beta != 0 {
		if cv.Const != nil && cv.Len() == n && (len(cv.Shape) == 1 || (len(cv.Shape) == 2 && cv.Shape[0] == 1)) {
			bias = make([]float32, n)
			for i, v := range cv.Const.Floats() {
				bias[i] = beta * v
			}
		} else {
			addC = cv
			if beta != 1 {
				if cv.Const == nil {
					return c.unsupported("beta=%v with a run-time C", beta)
				}
				scaled := make([]float32, cv.Len())
				for i, v := range cv.Const.Floats() {
					scaled[i] = beta * v
				}
				addC = &Value{Name: cv.Name + "/beta", Shape: cv.Shape, DType: Float32, id: -1,
					Const: &Tensor{DType: Float32, Shape: cv.Shape, F: scaled}}
			}
		}
	}
	out := c.newOutput(0, []int{m, n})
	st := &matmulStep{stepBase: newBase(c, out, a), m: m, n: n, k: k, constB: constB, bias: bias}
	if constB == nil {
		st.in = append(st.in, b)
		st.offA, st.offB = []int{0}, []int{0}
	}
	st.mac = int64(m) * int64(n) * int64(k)
	if addC == nil {
		return c.finishStep(st)
	}
	out.Name += "/matmul"
	if err := c.finishStep(st); err != nil {
		return err
	}
	return emitBinary(c, kernel.OpAdd, c.out[0], addC)
}

func buildMatMul(c *nodeCtx) error {
	if err := c.needInputs(2, 2); err != nil {
		return err
	}
	a, err := c.float32Input(0)
	if err != nil {
		return err
	}
	b, err := c.float32Input(1)
	if err != nil {
		return err
	}
	as, bs := a.Shape, b.Shape
	if len(as) == 0 || len(bs) == 0 {
		return c.shapeErr("MatMul of a scalar (%v, %v)", as, bs)
	}
	dropM, dropN := len(as) == 1, len(bs) == 1
	if dropM {
		as = []int{1, as[0]}
	}
	if dropN {
		bs = []int{bs[0], 1}
	}
	m, k := as[len(as)-2], as[len(as)-1]
	kb, n := bs[len(bs)-2], bs[len(bs)-1]
	if k != kb {
		return c.shapeErr("inner dimensions differ: %v · %v", a.Shape, b.Shape)
	}
	batchA, batchB := as[:len(as)-2], bs[:len(bs)-2]
	batch, ok := broadcastShape(batchA, batchB)
	if !ok {
		return c.shapeErr("batch dimensions of %v and %v do not broadcast", a.Shape, b.Shape)
	}
	outShape := append(append([]int(nil), batch...), m, n)
	final := append([]int(nil), batch...)
	if !dropM {
		final = append(final, m)
	}
	if !dropN {
		final = append(final, n)
	}
	nb := numElements(batch)
	y := c.newOutput(0, final)
	_ = outShape
	st := &matmulStep{stepBase: newBase(c, y, a), m: m, n: n, k: k}
	st.mac = int64(nb) * int64(m) * int64(n) * int64(k)
	if b.Const != nil && numElements(batchB) == 1 {
		// One weight matrix for every batch element: fold the batch into M.
		st.constB = b.Const.Floats()
		st.m = nb * m
		if numElements(batchA) != nb {
			return c.unsupported("broadcasting A's batch %v against constant B", batchA)
		}
		return c.finishStep(st)
	}
	st.in = append(st.in, b)
	ia, ib := broadcastIndex(batchA, batch), broadcastIndex(batchB, batch)
	for i := 0; i < nb; i++ {
		st.offA = append(st.offA, ia[i]*m*k)
		st.offB = append(st.offB, ib[i]*k*n)
	}
	return c.finishStep(st)
}

type reduceStep struct {
	stepBase
	k *kernel.Reduce
	// planeMean: a ReduceMean over exactly the two spatial axes of an NCHW tensor, keeping them (a
	// global average pool, as PyTorch exports SE blocks' pooling).
	planeMean bool
}

func (s *reduceStep) run(ss *Runner) { s.k.Run(ss.buf(s.out[0]), ss.buf(s.in[0])) }

func buildReduce(c *nodeCtx, op kernel.ReduceOp) error {
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	keep, err := c.intAttr("keepdims", 1)
	if err != nil {
		return err
	}
	noop, err := c.intAttr("noop_with_empty_axes", 0)
	if err != nil {
		return err
	}
	var axes []int
	axesAsInput := c.opset >= 18 || (c.n.Op == "ReduceSum" && c.opset >= 13)
	if axesAsInput {
		if axes, _, err = c.intsFromConst(1, "axes"); err != nil {
			return err
		}
	} else if axes, err = c.intsAttr("axes"); err != nil {
		return err
	}
	rank := len(x.Shape)
	if len(axes) == 0 {
		if noop != 0 {
			c.view(0, x, x.Shape)
			return nil
		}
		for i := 0; i < rank; i++ {
			axes = append(axes, i)
		}
	}
	seen := make([]bool, rank)
	norm := make([]int, 0, len(axes))
	for _, a := range axes {
		ax, err := c.normAxis(a, rank)
		if err != nil {
			return err
		}
		if !seen[ax] {
			seen[ax] = true
			norm = append(norm, ax)
		}
	}
	k, kept, err := kernel.NewReduce(x.Shape, norm, op)
	if err != nil {
		return c.shapeErr("%v", err)
	}
	shape := kept
	if keep == 0 {
		shape = nil
		for i, d := range x.Shape {
			if !seen[i] {
				shape = append(shape, d)
			}
		}
	}
	y := c.newOutput(0, shape)
	st := &reduceStep{stepBase: newBase(c, y, x), k: k}
	st.planeMean = op == kernel.ReduceMean && keep != 0 && rank == 4 && len(norm) == 2 && seen[2] && seen[3]
	return c.finishStep(st)
}
