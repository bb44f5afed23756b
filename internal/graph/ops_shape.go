package graph

import (
	"fmt"
	"math"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/limits"
)

func init() {
	register("Reshape", 1, buildReshape)
	register("Flatten", 1, buildFlatten)
	register("Squeeze", 1, buildSqueeze)
	register("Unsqueeze", 1, buildUnsqueeze)
	register("Identity", 1, buildIdentity)
	register("Dropout", 1, buildDropout)
	register("Shape", 1, buildShape)
	register("Size", 1, buildSize)
	register("Gather", 1, buildGather)
	register("Slice", 1, buildSlice)
	register("Concat", 1, buildConcat)
	register("Transpose", 1, buildTranspose)
	register("Pad", 1, buildPad)
	register("Constant", 1, buildConstant)
	register("Cast", 1, buildCast)
	register("ConstantOfShape", 9, buildConstantOfShape)
	register("Range", 11, buildRange)
	register("Expand", 8, buildExpand)
}

// foldMovement computes a data-movement step over constants. Float32 constants run the real
// kernel; int64 constants run it over index tensors and gather the integers.
func (c *nodeCtx) foldMovement(st step) error {
	sb := st.base()
	for _, v := range sb.in {
		if v.Const == nil {
			c.emit(st)
			return nil
		}
	}
	intInputs := false
	for _, v := range sb.in {
		intInputs = intInputs || v.DType == Int64
	}
	if !intInputs {
		return c.evalNow(st)
	}
	orig := make([]*Tensor, len(sb.in))
	base := 0
	var all []int64
	for i, v := range sb.in {
		orig[i] = v.Const
		n := v.Len()
		if base+n > maxIotaElements {
			return c.unsupported("int64 constant too large to fold (%d elements)", base+n)
		}
		sb.in[i] = &Value{Name: v.Name, Shape: v.Shape, DType: Float32, Const: iotaTensor(v.Shape, base), id: -1}
		all = append(all, v.Const.Ints()...)
		base += n
	}
	if err := c.evalNow(st); err != nil {
		return err
	}
	for j, o := range c.out {
		if o == nil || o.Const == nil || o.Const.DType != Float32 {
			continue
		}
		if err := c.reserveConst(len(o.Const.F), 8); err != nil {
			return err
		}
		ints := make([]int64, len(o.Const.F))
		for i, f := range o.Const.F {
			ints[i] = all[int(f)]
		}
		c.setConst(j, &Tensor{DType: Int64, Shape: o.Shape, I: ints})
	}
	return nil
}

func buildReshape(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	var target []int
	if c.opset < 5 {
		if target, err = c.intsAttr("shape"); err != nil {
			return err
		}
	} else {
		if err := c.needInputs(2, 2); err != nil {
			return err
		}
		if target, _, err = c.intsFromConst(1, "shape"); err != nil {
			return err
		}
	}
	allowZero, err := c.intAttr("allowzero", 0)
	if err != nil {
		return err
	}
	shape := make([]int, len(target))
	infer, known := -1, 1
	for i, d := range target {
		switch {
		case d == 0 && allowZero == 0:
			if i >= len(x.Shape) {
				return c.shapeErr("shape %v copies dimension %d of input %v, which does not exist", target, i, x.Shape)
			}
			shape[i] = x.Shape[i]
		case d == -1:
			if infer >= 0 {
				return c.shapeErr("shape %v has more than one -1", target)
			}
			infer = i
			continue
		case d < 0:
			return c.shapeErr("shape %v has negative dimension %d", target, d)
		default:
			shape[i] = d
		}
		known *= shape[i]
	}
	if infer >= 0 {
		if known == 0 || x.Len()%known != 0 {
			return c.shapeErr("cannot reshape %v (%d elements) to %v", x.Shape, x.Len(), target)
		}
		shape[infer] = x.Len() / known
	}
	if numElements(shape) != x.Len() {
		return c.shapeErr("cannot reshape %v (%d elements) to %v", x.Shape, x.Len(), shape)
	}
	c.view(0, x, shape)
	return nil
}

func buildFlatten(c *nodeCtx) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	a, err := c.intAttr("axis", 1)
	if err != nil {
		return err
	}
	axis := int(a)
	if axis < 0 {
		axis += len(x.Shape)
	}
	if axis < 0 || axis > len(x.Shape) {
		return c.shapeErr("axis %d out of range for rank %d", a, len(x.Shape))
	}
	c.view(0, x, []int{numElements(x.Shape[:axis]), numElements(x.Shape[axis:])})
	return nil
}

func (c *nodeCtx) axesArg(attrBefore13 bool) ([]int, bool, error) {
	if attrBefore13 && c.opset < 13 {
		v, err := c.intsAttr("axes")
		return v, v != nil, err
	}
	return c.intsFromConst(1, "axes")
}

func buildSqueeze(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	axes, given, err := c.axesArg(true)
	if err != nil {
		return err
	}
	drop := make([]bool, len(x.Shape))
	if !given {
		for i, d := range x.Shape {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		ax, err := c.normAxis(a, len(x.Shape))
		if err != nil {
			return err
		}
		if x.Shape[ax] != 1 {
			return c.shapeErr("cannot squeeze axis %d of shape %v", a, x.Shape)
		}
		drop[ax] = true
	}
	var shape []int
	for i, d := range x.Shape {
		if !drop[i] {
			shape = append(shape, d)
		}
	}
	c.view(0, x, shape)
	return nil
}

func buildUnsqueeze(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	axes, given, err := c.axesArg(true)
	if err != nil {
		return err
	}
	if !given {
		return c.shapeErr("axes are required")
	}
	rank := len(x.Shape) + len(axes)
	ins := make([]bool, rank)
	for _, a := range axes {
		ax, err := c.normAxis(a, rank)
		if err != nil {
			return err
		}
		if ins[ax] {
			return c.shapeErr("axis %d repeated in %v", a, axes)
		}
		ins[ax] = true
	}
	shape := make([]int, rank)
	j := 0
	for i := range shape {
		if ins[i] {
			shape[i] = 1
		} else {
			shape[i] = x.Shape[j]
			j++
		}
	}
	c.view(0, x, shape)
	return nil
}

func buildIdentity(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	c.view(0, x, x.Shape)
	return nil
}

func buildDropout(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	if t, err := c.constInput(2, "training_mode"); err != nil || (t != nil && t.Len() == 1 && t.Ints()[0] != 0) {
		if err != nil {
			return err
		}
		return c.unsupported("training_mode=true")
	}
	c.view(0, x, x.Shape)
	if len(c.out) > 1 {
		// Inference keeps every element: the mask is all true.
		if err := c.reserveConst(x.Len(), 8); err != nil {
			return err
		}
		ones := make([]int64, x.Len())
		for i := range ones {
			ones[i] = 1
		}
		c.setConst(1, &Tensor{DType: Int64, Shape: x.Shape, I: ones})
	}
	return nil
}

func buildShape(c *nodeCtx) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	rank := len(x.Shape)
	start, err := c.intAttr("start", 0)
	if err != nil {
		return err
	}
	end, err := c.intAttr("end", int64(rank))
	if err != nil {
		return err
	}
	clampAxis := func(a int64) int {
		if a < 0 {
			a += int64(rank)
		}
		return int(min(max(a, 0), int64(rank)))
	}
	s, e := clampAxis(start), clampAxis(end)
	var dims []int64
	for i := s; i < e; i++ {
		dims = append(dims, int64(x.Shape[i]))
	}
	c.setConst(0, &Tensor{DType: Int64, Shape: []int{len(dims)}, I: dims})
	return nil
}

func buildSize(c *nodeCtx) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	c.setConst(0, &Tensor{DType: Int64, Shape: []int{}, I: []int64{int64(c.in[0].Len())}})
	return nil
}

type gatherStep struct {
	stepBase
	outer, axisLen, inner int
	idx                   []int
}

func (s *gatherStep) run(ss *Runner) {
	kernel.Gather(ss.buf(s.out[0]), ss.buf(s.in[0]), s.outer, s.axisLen, s.inner, s.idx)
}

func buildGather(c *nodeCtx) error {
	if err := c.needInputs(2, 2); err != nil {
		return err
	}
	x := c.in[0]
	it, err := c.constInput(1, "indices")
	if err != nil {
		return err
	}
	a, err := c.intAttr("axis", 0)
	if err != nil {
		return err
	}
	axis, err := c.normAxis(int(a), len(x.Shape))
	if err != nil {
		return err
	}
	if len(x.Shape) == 0 {
		return c.shapeErr("cannot gather from a scalar")
	}
	n := x.Shape[axis]
	raw := it.Ints()
	idx := make([]int, len(raw))
	for i, v := range raw {
		if v < -int64(n) || v >= int64(n) {
			return c.shapeErr("index %d out of range for axis of size %d", v, n)
		}
		if v < 0 {
			v += int64(n)
		}
		idx[i] = int(v)
	}
	shape := append(append(append([]int(nil), x.Shape[:axis]...), it.Shape...), x.Shape[axis+1:]...)
	y := c.newOutput(0, shape)
	st := &gatherStep{stepBase: newBase(c, y, x), outer: numElements(x.Shape[:axis]),
		axisLen: n, inner: numElements(x.Shape[axis+1:]), idx: idx}
	return c.foldMovement(st)
}

type sliceStep struct {
	stepBase
	k *kernel.Slice
}

func (s *sliceStep) run(ss *Runner) { s.k.Run(ss.buf(s.out[0]), ss.buf(s.in[0])) }

func buildSlice(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	rank := len(x.Shape)
	var starts, ends, axes, steps []int
	if c.opset < 10 {
		if starts, err = c.intsAttr("starts"); err != nil {
			return err
		}
		if ends, err = c.intsAttr("ends"); err != nil {
			return err
		}
		if axes, err = c.intsAttr("axes"); err != nil {
			return err
		}
	} else {
		if err := c.needInputs(3, 5); err != nil {
			return err
		}
		if starts, _, err = c.intsFromConst(1, "starts"); err != nil {
			return err
		}
		if ends, _, err = c.intsFromConst(2, "ends"); err != nil {
			return err
		}
		if axes, _, err = c.intsFromConst(3, "axes"); err != nil {
			return err
		}
		if steps, _, err = c.intsFromConst(4, "steps"); err != nil {
			return err
		}
	}
	if len(starts) != len(ends) {
		return c.shapeErr("starts %v and ends %v differ in length", starts, ends)
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, i)
		}
	}
	if steps == nil {
		for range starts {
			steps = append(steps, 1)
		}
	}
	if len(axes) != len(starts) || len(steps) != len(starts) {
		return c.shapeErr("starts %v, ends %v, axes %v and steps %v differ in length", starts, ends, axes, steps)
	}
	st := make([]int, rank)
	sp := make([]int, rank)
	out := append([]int(nil), x.Shape...)
	for i := range sp {
		sp[i] = 1
	}
	seen := make([]bool, rank)
	for i, a := range axes {
		ax, err := c.normAxis(a, rank)
		if err != nil {
			return err
		}
		if seen[ax] {
			return c.shapeErr("axis %d repeated", a)
		}
		seen[ax] = true
		d, step := x.Shape[ax], steps[i]
		if step == 0 {
			return c.shapeErr("step 0 on axis %d", a)
		}
		s, e := starts[i], ends[i]
		if s < 0 {
			s += d
		}
		if e < 0 {
			e += d
		}
		var n int
		if step > 0 {
			s = min(max(s, 0), d)
			e = min(max(e, 0), d)
			n = max(0, (e-s+step-1)/step)
		} else {
			s = min(max(s, 0), d-1)
			e = min(max(e, -1), d-1)
			n = max(0, (s-e-step-1)/(-step))
		}
		if n == 0 {
			s = 0
		}
		st[ax], sp[ax], out[ax] = s, step, n
	}
	k, err := kernel.NewSlice(x.Shape, st, sp, out)
	if err != nil {
		return c.shapeErr("%v", err)
	}
	y := c.newOutput(0, out)
	return c.foldMovement(&sliceStep{stepBase: newBase(c, y, x), k: k})
}

type concatStep struct {
	stepBase
	outer  int
	chunks []int
}

func (s *concatStep) run(ss *Runner) {
	// The input list lives in the runner (steps are shared between runners).
	srcs := ss.ptrs[:len(s.in)]
	for i, v := range s.in {
		srcs[i] = ss.buf(v)
	}
	kernel.Concat(ss.buf(s.out[0]), srcs, s.outer, s.chunks)
}

func buildConcat(c *nodeCtx) error {
	if len(c.in) == 0 {
		return c.shapeErr("needs at least one input")
	}
	a, err := c.intAttr("axis", 0)
	if err != nil {
		return err
	}
	var ins []*Value
	for i, v := range c.in {
		if v == nil {
			return c.shapeErr("input %d is missing", i)
		}
		ins = append(ins, v)
	}
	first := ins[0]
	rank := len(first.Shape)
	axis, err := c.normAxis(int(a), rank)
	if err != nil {
		return err
	}
	shape := append([]int(nil), first.Shape...)
	shape[axis] = 0
	chunks := make([]int, len(ins))
	dt := first.DType
	for i, v := range ins {
		if len(v.Shape) != rank {
			return c.shapeErr("input %d has shape %v, input 0 has %v", i, v.Shape, first.Shape)
		}
		if v.DType != dt {
			return c.shapeErr("inputs mix %v and %v", dt, v.DType)
		}
		for k := range v.Shape {
			if k != axis && v.Shape[k] != first.Shape[k] {
				return c.shapeErr("input %d has shape %v, input 0 has %v", i, v.Shape, first.Shape)
			}
		}
		shape[axis] += v.Shape[axis]
		chunks[i] = numElements(v.Shape[axis:])
	}
	y := c.newOutput(0, shape)
	st := &concatStep{stepBase: newBase(c, y, ins...), outer: numElements(first.Shape[:axis]), chunks: chunks}
	return c.foldMovement(st)
}

type transposeStep struct {
	stepBase
	k *kernel.Transpose
}

func (s *transposeStep) run(ss *Runner) { s.k.Run(ss.buf(s.out[0]), ss.buf(s.in[0])) }

func buildTranspose(c *nodeCtx) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	perm, err := c.intsAttr("perm")
	if err != nil {
		return err
	}
	if perm == nil {
		for i := len(x.Shape) - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	k, shape, err := kernel.NewTranspose(x.Shape, perm)
	if err != nil {
		return c.shapeErr("%v", err)
	}
	y := c.newOutput(0, shape)
	return c.foldMovement(&transposeStep{stepBase: newBase(c, y, x), k: k})
}

type padStep struct {
	stepBase
	k *kernel.Pad
}

func (s *padStep) run(ss *Runner) { s.k.Run(ss.buf(s.out[0]), ss.buf(s.in[0])) }

func buildPad(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	modeName, err := c.stringAttr("mode", "constant")
	if err != nil {
		return err
	}
	var mode kernel.PadMode
	switch modeName {
	case "constant":
		mode = kernel.PadConstant
	case "reflect":
		mode = kernel.PadReflect
	case "edge":
		mode = kernel.PadEdge
	default:
		return c.unsupported("mode %q", modeName)
	}
	var pads []int
	var value float32
	if c.opset < 11 {
		if pads, err = c.intsAttr("pads"); err != nil {
			return err
		}
		if value, err = c.floatAttr("value", 0); err != nil {
			return err
		}
	} else {
		if err := c.needInputs(2, 4); err != nil {
			return err
		}
		if pads, _, err = c.intsFromConst(1, "pads"); err != nil {
			return err
		}
		cv, err := c.constInput(2, "constant_value")
		if err != nil {
			return err
		}
		if cv != nil && cv.Len() > 0 {
			value = cv.Floats()[0]
		}
		if axes, given, err := c.intsFromConst(3, "axes"); err != nil {
			return err
		} else if given {
			full := make([]int, 2*len(x.Shape))
			if len(pads) != 2*len(axes) {
				return c.shapeErr("pads %v do not match axes %v", pads, axes)
			}
			for i, a := range axes {
				ax, err := c.normAxis(a, len(x.Shape))
				if err != nil {
					return err
				}
				full[ax], full[ax+len(x.Shape)] = pads[i], pads[i+len(axes)]
			}
			pads = full
		}
	}
	rank := len(x.Shape)
	if len(pads) != 2*rank {
		return c.shapeErr("pads %v do not match rank %d", pads, rank)
	}
	for _, p := range pads {
		if p > limits.MaxElements || p < -limits.MaxElements {
			return c.shapeErr("padding %d out of range", p)
		}
	}
	if allZero(pads) {
		// Nothing to add or cut (exporters emit these, e.g. before PS-B's pyramid pools): the
		// output is the input.
		c.view(0, x, x.Shape)
		return nil
	}
	k, shape, err := kernel.NewPad(x.Shape, pads[:rank], pads[rank:], mode, value)
	if err != nil {
		return c.shapeErr("%v", err)
	}
	if err := checkShape(c.outName(0), shape); err != nil {
		return err
	}
	y := c.newOutput(0, shape)
	return c.foldMovement(&padStep{stepBase: newBase(c, y, x), k: k})
}

func buildConstant(c *nodeCtx) error {
	if len(c.in) != 0 {
		return c.shapeErr("has %d inputs, want 0", len(c.in))
	}
	for name, a := range c.n.Attrs {
		switch name {
		case "value":
			if a.Kind != AttrTensor || a.T == nil {
				return c.attrErr(name, "is not a tensor")
			}
			if err := checkTensor(c.outName(0), a.T); err != nil {
				return err
			}
			c.setConst(0, a.T)
		case "value_float":
			c.setConst(0, &Tensor{DType: Float32, Shape: []int{}, F: []float32{a.F}})
		case "value_floats":
			c.setConst(0, &Tensor{DType: Float32, Shape: []int{len(a.Floats)}, F: a.Floats})
		case "value_int":
			c.setConst(0, &Tensor{DType: Int64, Shape: []int{}, I: []int64{a.I}})
		case "value_ints":
			c.setConst(0, &Tensor{DType: Int64, Shape: []int{len(a.Ints)}, I: a.Ints})
		default:
			return c.unsupported("attribute %q", name)
		}
	}
	if c.out[0] == nil {
		return c.attrErr("value", "is required")
	}
	return nil
}

// ONNX TensorProto data types Cast may target.
const (
	onnxFloat   = 1
	onnxInt32   = 6
	onnxInt64   = 7
	onnxBool    = 9
	onnxDouble  = 11
	onnxFloat16 = 10
)

func buildCast(c *nodeCtx) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	to, err := c.intAttr("to", 0)
	if err != nil {
		return err
	}
	switch to {
	case onnxFloat, onnxDouble, onnxFloat16:
		if x.Const != nil && x.DType == Int64 {
			if err := c.reserveConst(x.Len(), 4); err != nil {
				return err
			}
			c.setConst(0, &Tensor{DType: Float32, Shape: x.Shape, F: x.Const.Floats()})
			return nil
		}
		c.view(0, x, x.Shape)
		return nil
	case onnxInt32, onnxInt64, 2, 3, 4, 5, 12, 13, onnxBool:
		if x.Const == nil {
			return c.unsupported("casting a run-time tensor to an integer type (%d)", to)
		}
		if err := c.reserveConst(x.Len(), 8); err != nil {
			return err
		}
		if to == onnxBool {
			// Read as floats, not through Ints: 0.5 is true, and would truncate to 0.
			b := make([]int64, x.Len())
			for i := range b {
				if x.DType == Int64 && x.Const.I[i] != 0 || x.DType == Float32 && x.Const.F[i] != 0 {
					b[i] = 1
				}
			}
			c.setConst(0, &Tensor{DType: Int64, Shape: x.Shape, I: b})
			return nil
		}
		c.setConst(0, &Tensor{DType: Int64, Shape: x.Shape, I: x.Const.Ints()})
		return nil
	}
	return c.unsupported("cast to type %d", to)
}

func buildConstantOfShape(c *nodeCtx) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	shape, _, err := c.intsFromConst(0, "shape")
	if err != nil {
		return err
	}
	for _, d := range shape {
		if d < 0 {
			return c.shapeErr("negative dimension in %v", shape)
		}
	}
	if err := checkShape(c.outName(0), shape); err != nil {
		return err
	}
	n := numElements(shape)
	value := &Tensor{DType: Float32, F: []float32{0}} // the default: float zeros
	if a, ok := c.n.Attrs["value"]; ok {
		if a.Kind != AttrTensor || a.T == nil || a.T.Len() != 1 {
			return c.attrErr("value", "must be a one-element tensor")
		}
		value = a.T
	}
	if err := c.reserveConst(n, value.DType.Size()); err != nil {
		return err
	}
	t := &Tensor{DType: value.DType, Shape: shape}
	if value.DType == Int64 {
		t.I = make([]int64, n)
		for i := range t.I {
			t.I[i] = value.I[0]
		}
	} else {
		t.F = make([]float32, n)
		for i := range t.F {
			t.F[i] = value.F[0]
		}
	}
	c.setConst(0, t)
	return nil
}

func buildRange(c *nodeCtx) error {
	if err := c.needInputs(3, 3); err != nil {
		return err
	}
	var ts [3]*Tensor
	for i := range ts {
		t, err := c.constInput(i, []string{"start", "limit", "delta"}[i])
		if err != nil {
			return err
		}
		if t.Len() != 1 {
			return c.shapeErr("input %d must be a scalar", i)
		}
		ts[i] = t
	}
	start, limit, delta := float64(ts[0].Floats()[0]), float64(ts[1].Floats()[0]), float64(ts[2].Floats()[0])
	if delta == 0 {
		return c.shapeErr("delta is 0")
	}
	// Checked as a float: converting NaN or a length past int64 to int gives MinInt64 on amd64,
	// which would slip under the limit and reach make.
	length := math.Ceil((limit - start) / delta)
	if math.IsNaN(length) {
		return c.shapeErr("start %v, limit %v and delta %v give no length", start, limit, delta)
	}
	if length > float64(limits.MaxElements) {
		if length < 1e18 {
			return &errs.LimitError{Where: "graph", What: "Range length", Got: int64(length), Limit: limits.MaxElements}
		}
		return &errs.LimitError{Where: "graph", What: "Range length", Got: math.MaxInt64, Limit: limits.MaxElements,
			Detail: fmt.Sprintf("or more: start %v, limit %v, delta %v", start, limit, delta)}
	}
	n := int(max(length, 0))
	if err := c.reserveConst(n, ts[0].DType.Size()); err != nil {
		return err
	}
	if ts[0].DType == Int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = ts[0].I[0] + int64(i)*ts[2].Ints()[0]
		}
		c.setConst(0, &Tensor{DType: Int64, Shape: []int{n}, I: out})
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(start + float64(i)*delta)
	}
	c.setConst(0, &Tensor{DType: Float32, Shape: []int{n}, F: out})
	return nil
}

func buildExpand(c *nodeCtx) error {
	if err := c.needInputs(2, 2); err != nil {
		return err
	}
	x := c.in[0]
	target, _, err := c.intsFromConst(1, "shape")
	if err != nil {
		return err
	}
	shape, ok := broadcastShape(x.Shape, target)
	if !ok {
		return c.shapeErr("cannot expand %v to %v", x.Shape, target)
	}
	if err := checkShape(c.outName(0), shape); err != nil {
		return err
	}
	if x.Const == nil {
		// Broadcasting against a zero of the target shape would need that much memory; a
		// broadcast copy kernel is the way if a model ever needs this.
		return c.unsupported("Expand of a run-time tensor")
	}
	if err := c.reserveConst(numElements(shape), Int64.Size()+x.DType.Size()); err != nil { // the index, then the values
		return err
	}
	idx := broadcastIndex(x.Shape, shape)
	if x.DType == Int64 {
		out := make([]int64, len(idx))
		for i, j := range idx {
			out[i] = x.Const.I[j]
		}
		c.setConst(0, &Tensor{DType: Int64, Shape: shape, I: out})
		return nil
	}
	out := make([]float32, len(idx))
	for i, j := range idx {
		out[i] = x.Const.F[j]
	}
	c.setConst(0, &Tensor{DType: Float32, Shape: shape, F: out})
	return nil
}

func allZero(v []int) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
