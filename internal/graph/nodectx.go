package graph

import (
	"fmt"
	"math"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// nodeCtx is what an operator's build function sees: its node, its input values and the outputs it
// must set.
type nodeCtx struct {
	b     *builder
	n     *Node
	opset int
	in    []*Value // nil for omitted optional inputs
	out   []*Value
}

func (c *nodeCtx) shapeErr(format string, args ...any) error {
	return &ShapeError{Node: c.n.Name, Op: c.n.Op, Msg: fmt.Sprintf(format, args...)}
}

func (c *nodeCtx) attrErr(attr, format string, args ...any) error {
	return &AttrError{Node: c.n.Name, Op: c.n.Op, Attr: attr, Msg: fmt.Sprintf(format, args...)}
}

func (c *nodeCtx) unsupported(format string, args ...any) error {
	return &errs.UnsupportedError{Where: "graph", Op: c.n.Op, Opset: c.opset, Node: c.n.Name, Reason: fmt.Sprintf(format, args...)}
}

// input returns input i or nil when it is absent.
func (c *nodeCtx) input(i int) *Value {
	if i < len(c.in) {
		return c.in[i]
	}
	return nil
}

// need returns input i, or an error naming it when it is absent.
func (c *nodeCtx) need(i int) (*Value, error) {
	v := c.input(i)
	if v == nil {
		return nil, c.shapeErr("required input %d is missing", i)
	}
	return v, nil
}

// needInputs checks the input count is within [lo, hi] and the first lo are present.
func (c *nodeCtx) needInputs(lo, hi int) error {
	if len(c.in) < lo || len(c.in) > hi {
		if lo == hi {
			return c.shapeErr("has %d inputs, want %d", len(c.in), lo)
		}
		return c.shapeErr("has %d inputs, want %d to %d", len(c.in), lo, hi)
	}
	for i := 0; i < lo; i++ {
		if c.in[i] == nil {
			return c.shapeErr("required input %d is missing", i)
		}
	}
	return nil
}

// constInput returns input i's constant value, or nil (no error) when absent, or an error when it
// is computed at run time.
func (c *nodeCtx) constInput(i int, what string) (*Tensor, error) {
	v := c.input(i)
	if v == nil {
		return nil, nil
	}
	if v.Const == nil {
		return nil, c.unsupported("input %d (%s) must be a constant, but %q is computed at run time", i, what, v.Name)
	}
	return v.Const, nil
}

// floatConst is constInput for parameters the operator computes with (weights, biases, slopes):
// they must be float32, or the integers would silently be used as floats.
func (c *nodeCtx) floatConst(i int, what string) (*Tensor, error) {
	t, err := c.constInput(i, what)
	if err != nil || t == nil {
		return t, err
	}
	if t.DType != Float32 {
		return nil, c.unsupported("input %d (%s, %q) is %s; this operator computes on float32 (a quantized weight needs its DequantizeLinear)",
			i, what, c.in[i].Name, notFloat(t.DType))
	}
	return t, nil
}

// float32Input returns input i, checking it is a float32 value.
func (c *nodeCtx) float32Input(i int) (*Value, error) {
	v, err := c.need(i)
	if err != nil {
		return nil, err
	}
	if v.DType != Float32 {
		return nil, c.unsupported("input %q is %s; this operator computes on float32 (a quantized weight needs its DequantizeLinear)", v.Name, notFloat(v.DType))
	}
	return v, nil
}

func (c *nodeCtx) allConst() bool {
	for _, v := range c.in {
		if v != nil && v.Const == nil {
			return false
		}
	}
	return true
}

// reserveConst charges a constant of n elements of size bytes each, which the node's builder is about
// to allocate itself (ConstantOfShape, Range, Expand, integer folding), against Options.MaxMemory:
// evalNow charges what folding computes, but these builders make their constants without it, and a
// file of a few hundred bytes can ask for a constant of MaxElements, more than once.
func (c *nodeCtx) reserveConst(n int, size int64) error {
	return c.b.reserve(size*int64(n), "the constant made by "+c.n.label())
}

// setConst makes output i a constant.
func (c *nodeCtx) setConst(i int, t *Tensor) {
	c.out[i] = &Value{Shape: t.Shape, DType: t.DType, Const: t, id: -1}
}

// newOutput makes output i a run-time float32 value of the given shape.
func (c *nodeCtx) newOutput(i int, shape []int) *Value {
	v := &Value{Name: c.outName(i), Shape: shape, DType: Float32, id: -1}
	c.out[i] = v
	return v
}

// view makes output i share input v's storage with a new shape.
func (c *nodeCtx) view(i int, v *Value, shape []int) {
	if v.Const != nil {
		t := *v.Const
		t.Shape = shape
		c.setConst(i, &t)
		return
	}
	// A view of a view points at the value that owns the storage: chains of reshapes stay one
	// hop deep, so nothing that follows them costs more than a step (16,000 Flattens in a row
	// once took seconds).
	c.out[i] = &Value{Name: c.outName(i), Shape: shape, DType: Float32, id: -1, view: v.root()}
}

func (c *nodeCtx) outName(i int) string {
	if i < len(c.n.Outputs) {
		return c.n.Outputs[i]
	}
	return ""
}

func (c *nodeCtx) emit(s step) { c.b.steps = append(c.b.steps, s) }

// Attribute accessors. Each checks the attribute's kind when present.

func (c *nodeCtx) attr(name string, kind AttrKind) (Attr, bool, error) {
	a, ok := c.n.Attrs[name]
	if !ok {
		return Attr{}, false, nil
	}
	if a.Kind != kind {
		// Exporters sometimes write a single int where a list is expected and vice versa.
		switch {
		case kind == AttrInts && a.Kind == AttrInt:
			return Attr{Kind: AttrInts, Ints: []int64{a.I}}, true, nil
		case kind == AttrFloats && a.Kind == AttrFloat:
			return Attr{Kind: AttrFloats, Floats: []float32{a.F}}, true, nil
		case kind == AttrFloat && a.Kind == AttrInt:
			return Attr{Kind: AttrFloat, F: float32(a.I)}, true, nil
		}
		return Attr{}, false, c.attrErr(name, "has kind %d, want %d", a.Kind, kind)
	}
	return a, true, nil
}

func (c *nodeCtx) intAttr(name string, def int64) (int64, error) {
	a, ok, err := c.attr(name, AttrInt)
	if err != nil || !ok {
		return def, err
	}
	return a.I, nil
}

func (c *nodeCtx) floatAttr(name string, def float32) (float32, error) {
	a, ok, err := c.attr(name, AttrFloat)
	if err != nil || !ok {
		return def, err
	}
	return a.F, nil
}

func (c *nodeCtx) stringAttr(name, def string) (string, error) {
	a, ok, err := c.attr(name, AttrString)
	if err != nil || !ok {
		return def, err
	}
	return a.S, nil
}

// intsAttr returns the attribute as ints, or nil when absent.
func (c *nodeCtx) intsAttr(name string) ([]int, error) {
	out, _, err := c.appendIntsAttr(nil, name)
	return out, err
}

// appendIntsAttr appends the attribute's values to dst and returns them (nil when it is absent),
// so that a builder reading several lists can keep them in one allocation.
func (c *nodeCtx) appendIntsAttr(dst []int, name string) (vals, grown []int, err error) {
	a, ok, err := c.attr(name, AttrInts)
	if err != nil || !ok {
		return nil, dst, err
	}
	start := len(dst)
	for _, v := range a.Ints {
		if v > math.MaxInt32 || v < math.MinInt32 {
			return nil, dst, c.attrErr(name, "value %d out of range", v)
		}
		dst = append(dst, int(v))
	}
	return dst[start:len(dst):len(dst)], dst, nil
}

func (c *nodeCtx) floatsAttr(name string) ([]float32, error) {
	a, ok, err := c.attr(name, AttrFloats)
	if err != nil || !ok {
		return nil, err
	}
	return a.Floats, nil
}

// intsFromConst reads a constant int64 input as ints (shape, axes, pads inputs).
func (c *nodeCtx) intsFromConst(i int, what string) ([]int, bool, error) {
	t, err := c.constInput(i, what)
	if err != nil || t == nil {
		return nil, false, err
	}
	vals := t.Ints()
	out := make([]int, len(vals))
	for j, v := range vals {
		if v > math.MaxInt32 || v < math.MinInt32 {
			// INT64_MAX / INT64_MIN are common "to the end" markers in Slice; clamp them.
			if v > 0 {
				out[j] = math.MaxInt32
			} else {
				out[j] = math.MinInt32
			}
			continue
		}
		out[j] = int(v)
	}
	return out, true, nil
}

// normAxis maps a possibly negative axis into [0, rank).
func (c *nodeCtx) normAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, c.shapeErr("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}
