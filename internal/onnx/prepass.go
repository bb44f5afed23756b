package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/graph"
	"github.com/bonafide-pad/bonafide/internal/limits"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// prepared is a model after the pre-pass: a protobuf onnx-go can decode, plus what bonafide reads
// from the protobuf itself.
type prepared struct {
	pb       *onnxpb.Model
	opset    int
	inputs   []graph.ValueInfo
	outputs  []graph.ValueInfo
	side     map[string]*graph.Tensor // initializers onnx-go cannot represent (empty tensors)
	metadata []onnxpb.StringPair
	folded   int // DequantizeLinear nodes folded into float initializers
}

// defaultOpset is the version of the default-domain operator set the model imports: 0 when it
// imports none, −1 when the version is not an int32 (graph.Compile refuses both).
func defaultOpset(m *onnxpb.Model) int {
	for _, os := range m.Opsets {
		if os.Domain == "" || os.Domain == "ai.onnx" {
			if os.Version > math.MaxInt32 || os.Version < 0 {
				return -1
			}
			return int(os.Version)
		}
	}
	if len(m.Opsets) == 0 && m.IRVersion < 3 {
		return 1 // IR v1/v2 models predate opset_import and mean opset 1
	}
	return 0
}

func prepare(m *onnxpb.Model, maxMemory int64) (*prepared, error) {
	g := m.Graph
	if g == nil {
		return nil, &InvalidModelError{Msg: "model has no graph"}
	}
	// Whether the opset, the domains, the operators and the graph's size are supported is
	// graph.Compile's to judge; the pre-pass only rewrites what onnx-go cannot read.
	opset := defaultOpset(m)
	if g.SparseInitializers > 0 {
		return nil, unsupportedType("(sparse_initializer)", "SPARSE", "sparse initializers are not supported")
	}
	p := &prepared{pb: m, opset: opset, side: map[string]*graph.Tensor{}, metadata: m.Metadata}

	inits := map[string]*onnxpb.Tensor{}
	var weightBytes int64 // the weights as float32, which folding and conversion make them
	for i, t := range g.Initializers {
		if t.Name == "" {
			return nil, &InvalidModelError{Msg: fmt.Sprintf("initializer %d has no name", i)}
		}
		if _, dup := inits[t.Name]; dup {
			return nil, &InvalidModelError{Msg: fmt.Sprintf("initializer %q appears twice", t.Name)}
		}
		inits[t.Name] = t
		n, err := t.NumElements(limits.MaxElements)
		if err != nil {
			return nil, err
		}
		if weightBytes += 4 * n; weightBytes > maxMemory {
			return nil, limitErr("memory of the weights as float32 in bytes", weightBytes, maxMemory)
		}
	}

	// Constant nodes become initializers, so DequantizeLinear inputs given as Constants fold too
	// and onnx-go never decodes constant tensors of types it lacks.
	var nodes []*onnxpb.Node
	for _, n := range g.Nodes {
		if err := representable(n, opset); err != nil {
			return nil, err
		}
		if n.OpType == "Constant" && (n.Domain == "" || n.Domain == "ai.onnx") && len(n.Outputs) == 1 {
			t, err := constantTensor(n, opset)
			if err != nil {
				return nil, err
			}
			ne, err := t.NumElements(limits.MaxElements)
			if err != nil {
				return nil, err
			}
			if weightBytes += 4 * ne; weightBytes > maxMemory {
				return nil, limitErr("memory of the weights as float32 in bytes", weightBytes, maxMemory)
			}
			if _, dup := inits[t.Name]; dup {
				return nil, &InvalidModelError{Msg: fmt.Sprintf("value %q is produced twice", t.Name)}
			}
			inits[t.Name] = t
			g.Initializers = append(g.Initializers, t)
			continue
		}
		nodes = append(nodes, n)
	}

	// Fold DequantizeLinear of constant weights.
	kept := nodes[:0]
	for _, n := range nodes {
		if n.OpType == "DequantizeLinear" && (n.Domain == "" || n.Domain == "ai.onnx") {
			t, ok, err := foldDequantize(n, inits, opset)
			if err != nil {
				return nil, err
			}
			if ok {
				inits[t.Name] = t
				g.Initializers = append(g.Initializers, t)
				p.folded++
				continue
			}
		}
		kept = append(kept, n)
	}
	nodes = kept
	g.Nodes = nodes

	// Drop initializers no node reads (the folded INT8 weights), then normalise the rest.
	// Only initializers enter the set: a graph of MaxNodes nodes would otherwise insert every
	// value's name.
	used := make(map[string]bool, len(inits))
	for _, n := range nodes {
		for _, in := range n.Inputs {
			if _, ok := inits[in]; ok {
				used[in] = true
			}
		}
	}
	for _, o := range g.Outputs {
		if _, ok := inits[o.Name]; ok {
			used[o.Name] = true
		}
	}
	keptInits := g.Initializers[:0]
	for _, t := range g.Initializers {
		if !used[t.Name] {
			delete(inits, t.Name)
			continue
		}
		nt, empty, err := normalize(t, "initializer")
		if err != nil {
			return nil, err
		}
		if empty != nil {
			p.side[t.Name] = empty
			delete(inits, t.Name)
			continue
		}
		inits[t.Name] = nt
		keptInits = append(keptInits, nt)
	}
	g.Initializers = keptInits
	for _, n := range nodes {
		for _, a := range n.Attributes {
			if a.T != nil {
				nt, empty, err := normalize(a.T, fmt.Sprintf("attribute %q of node %q", a.Name, n.Name))
				if err != nil {
					return nil, err
				}
				if empty != nil {
					// An empty tensor attribute (ConstantOfShape's value never is): give onnx-go a
					// one-element placeholder would change meaning, so refuse.
					return nil, unsupportedType(a.Name, "empty", "empty tensor attribute of node "+n.Name)
				}
				a.T = nt
			}
		}
	}

	for _, vi := range g.Inputs {
		if _, isInit := inits[vi.Name]; isInit {
			continue
		}
		if _, isSide := p.side[vi.Name]; isSide {
			continue
		}
		v, err := valueInfo(vi, "input")
		if err != nil {
			return nil, err
		}
		p.inputs = append(p.inputs, v)
	}
	for _, vo := range g.Outputs {
		v, err := valueInfo(vo, "output")
		if err != nil {
			return nil, err
		}
		p.outputs = append(p.outputs, v)
	}
	// onnx-go allocates a tensor per typed input, output and value_info; bonafide infers shapes
	// itself, so hand onnx-go names only.
	for _, v := range g.Inputs {
		v.StripType()
	}
	for _, v := range g.Outputs {
		v.StripType()
	}
	g.ValueInfo = nil
	return p, nil
}

// representable refuses the attributes neither decoder can put into the graph IR (subgraphs, lists
// of tensors, sparse tensors, type protos): not a judgement of the model, what the decoders can read.
func representable(n *onnxpb.Node, opset int) error {
	for _, a := range n.Attributes {
		if a.HasGraph || a.Type == onnxpb.AttrGraph || a.Type == onnxpb.AttrGraphs {
			return &errs.UnsupportedError{Where: "onnx", Op: n.OpType, Opset: opset, Node: n.Name, Reason: "operators with subgraphs are not supported"}
		}
		switch a.Type {
		case onnxpb.AttrTensors, onnxpb.AttrSparse, onnxpb.AttrSparses, onnxpb.AttrTypeProto, onnxpb.AttrTypes:
			return &errs.UnsupportedError{Where: "onnx", Op: n.OpType, Opset: opset, Node: n.Name, Reason: fmt.Sprintf("attribute %q of type %d", a.Name, a.Type)}
		}
	}
	return nil
}

func constantTensor(n *onnxpb.Node, opset int) (*onnxpb.Tensor, error) {
	name := n.Outputs[0]
	if len(n.Attributes) != 1 {
		return nil, &InvalidModelError{Msg: fmt.Sprintf("Constant node %q has %d attributes, want 1", n.Name, len(n.Attributes))}
	}
	a := n.Attributes[0]
	var t *onnxpb.Tensor
	switch a.Name {
	case "value":
		if a.T == nil {
			return nil, &InvalidModelError{Msg: fmt.Sprintf("Constant node %q has no tensor", n.Name)}
		}
		cp := *a.T
		t = &cp
	case "value_float":
		t = onnxpb.NewFloatTensor(name, nil, []float32{a.F})
	case "value_floats":
		t = onnxpb.NewFloatTensor(name, []int64{int64(len(a.Floats))}, a.Floats)
	case "value_int":
		t = onnxpb.NewInt64Tensor(name, nil, []int64{a.I})
	case "value_ints":
		t = onnxpb.NewInt64Tensor(name, []int64{int64(len(a.Ints))}, a.Ints)
	default:
		return nil, &errs.UnsupportedError{Where: "onnx", Op: "Constant", Opset: opset, Node: n.Name, Reason: fmt.Sprintf("attribute %q", a.Name)}
	}
	t.Name = name
	return t, nil
}

// foldDequantize computes y = (x − zero_point) · scale for a DequantizeLinear whose inputs are all
// initializers. ok is false when an input is computed at run time.
func foldDequantize(n *onnxpb.Node, inits map[string]*onnxpb.Tensor, opset int) (*onnxpb.Tensor, bool, error) {
	if len(n.Inputs) < 2 || len(n.Inputs) > 3 || len(n.Outputs) != 1 {
		return nil, false, &InvalidModelError{Msg: fmt.Sprintf("DequantizeLinear node %q has %d inputs and %d outputs", n.Name, len(n.Inputs), len(n.Outputs))}
	}
	var ts [3]*onnxpb.Tensor
	for i, name := range n.Inputs {
		if name == "" {
			continue
		}
		t, ok := inits[name]
		if !ok {
			return nil, false, nil
		}
		ts[i] = t
	}
	x, scale, zp := ts[0], ts[1], ts[2]
	where := fmt.Sprintf("DequantizeLinear node %q", n.Name)
	// The zero point is optional and may be named ""; the data and the scale are not.
	if x == nil || scale == nil {
		return nil, false, &InvalidModelError{Msg: where + ": its data or scale input is unnamed"}
	}
	nx, err := x.CheckData(limits.MaxElements)
	if err != nil {
		return nil, false, err
	}
	ns, err := scale.CheckData(limits.MaxElements)
	if err != nil {
		return nil, false, err
	}
	switch x.DataType {
	case onnxpb.Int8, onnxpb.Uint8, onnxpb.Int32:
	default:
		return nil, false, unsupportedType(x.Name, x.DataType.String(), where)
	}
	switch scale.DataType {
	case onnxpb.Float, onnxpb.Float16:
	default:
		return nil, false, unsupportedType(scale.Name, scale.DataType.String(), where)
	}
	ss, err := scale.Float32s()
	if err != nil {
		return nil, false, err
	}
	zs := make([]int64, ns)
	if zp != nil {
		if zp.DataType != x.DataType {
			return nil, false, unsupportedType(zp.Name, zp.DataType.String(), where+": zero point type differs from the data's")
		}
		nz, err := zp.CheckData(limits.MaxElements)
		if err != nil {
			return nil, false, err
		}
		if nz != ns {
			return nil, false, &InvalidModelError{Msg: fmt.Sprintf("%s: zero point has %d elements, scale %d", where, nz, ns)}
		}
		if zs, err = zp.Int64s(); err != nil {
			return nil, false, err
		}
	}
	inner := nx // one scale: the whole tensor is one channel
	if !(ns == 1 && len(scale.Dims) <= 1) {
		if opset < 13 {
			return nil, false, &InvalidModelError{Msg: where + ": per-axis scales need opset 13"}
		}
		axis := int64(1)
		if a := n.Attr("axis"); a != nil {
			axis = a.I
		}
		rank := int64(len(x.Dims))
		if axis < 0 {
			axis += rank
		}
		if axis < 0 || axis >= rank || x.Dims[axis] != ns || len(scale.Dims) != 1 {
			return nil, false, &InvalidModelError{Msg: fmt.Sprintf("%s: %d scales do not match axis %d of %v", where, ns, axis, x.Dims)}
		}
		inner = 1
		for _, d := range x.Dims[axis+1:] {
			inner *= d
		}
	}
	// The weights of an int8 model go straight from their bytes to the folded initializer's floats,
	// which the graph then takes as they are (tensorFromPB): through Int64s, a []float32, raw bytes
	// and a copy of those as floats they took four times the memory, and most of the time
	// Bonafide.create() spent loading the model (BenchmarkNewChecker).
	out := make([]float32, nx)
	switch {
	case x.RawData == nil:
		dequantize(out, x.Int32Data, x.DataType, zs, ss, int(inner))
	case x.DataType == onnxpb.Int32:
		v := make([]int32, nx)
		for i := range v {
			v[i] = int32(binary.LittleEndian.Uint32(x.RawData[4*i:]))
		}
		dequantize(out, v, x.DataType, zs, ss, int(inner))
	default: // one byte an element
		dequantize(out, x.RawData, x.DataType, zs, ss, int(inner))
	}
	return &onnxpb.Tensor{Name: n.Outputs[0], Dims: append([]int64(nil), x.Dims...), DataType: onnxpb.Float, FloatData: out}, true, nil
}

// dequantize writes (x − zero) · scale into out, element by element, with
// the zero and scale of each element's channel: channels of inner elements, len(ss) of them in
// turn. xs holds INT8, UINT8 or INT32 values (typ), as bytes or as int32_data, which keeps them
// sign- or zero-extended into int32 words whose higher bits this truncates.
func dequantize[T byte | int32](out []float32, xs []T, typ onnxpb.DataType, zs []int64, ss []float32, inner int) {
	value := func(v T) int64 {
		switch typ {
		case onnxpb.Int8:
			return int64(int8(v))
		case onnxpb.Uint8:
			return int64(uint8(v))
		}
		return int64(int32(v))
	}
	if len(ss) == 0 || inner <= 0 {
		return // no elements (a zero dimension): the checks above allow nothing else
	}
	for i := 0; i < len(xs); {
		for c := range ss {
			z, s := zs[c], ss[c]
			for _, v := range xs[i : i+inner] {
				out[i] = float32(value(v)-z) * s
				i++
			}
		}
	}
}

// normalize returns a tensor onnx-go can decode into what the graph needs: FLOAT or INT64 (INT32
// and float32 data pass through as they are). An empty tensor comes back as a graph constant
// instead, since onnx-go fails on tensors without data.
func normalize(t *onnxpb.Tensor, where string) (*onnxpb.Tensor, *graph.Tensor, error) {
	n, err := t.CheckData(limits.MaxElements)
	if err != nil {
		return nil, nil, err
	}
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		shape[i] = int(d)
	}
	switch t.DataType {
	case onnxpb.Float, onnxpb.Float16, onnxpb.BFloat16, onnxpb.Double:
		if n == 0 {
			return nil, &graph.Tensor{DType: graph.Float32, Shape: shape, F: []float32{}}, nil
		}
		if t.DataType == onnxpb.Float {
			return t, nil, nil
		}
		f, err := t.Float32s()
		if err != nil {
			return nil, nil, err
		}
		return onnxpb.NewFloatTensor(t.Name, t.Dims, f), nil, nil
	case onnxpb.Int64, onnxpb.Int32, onnxpb.Int16, onnxpb.Int8, onnxpb.Uint8, onnxpb.Uint16, onnxpb.Uint32, onnxpb.Uint64, onnxpb.Bool:
		if n == 0 {
			return nil, &graph.Tensor{DType: graph.Int64, Shape: shape, I: []int64{}}, nil
		}
		if t.DataType == onnxpb.Int64 {
			return t, nil, nil
		}
		v, err := t.Int64s()
		if err != nil {
			return nil, nil, err
		}
		return onnxpb.NewInt64Tensor(t.Name, t.Dims, v), nil, nil
	}
	return nil, nil, unsupportedType(t.Name, t.DataType.String(), where)
}

func valueInfo(v *onnxpb.ValueInfo, what string) (graph.ValueInfo, error) {
	out := graph.ValueInfo{Name: v.Name, DType: graph.Float32}
	if v.Name == "" {
		return out, &InvalidModelError{Msg: "a graph " + what + " has no name"}
	}
	if !v.HasType {
		return out, nil
	}
	if v.NonTensor {
		return out, unsupportedType(v.Name, "non-tensor", "graph "+what)
	}
	switch v.ElemType {
	case onnxpb.Float, onnxpb.Undefined:
	case onnxpb.Int64, onnxpb.Int32:
		out.DType = graph.Int64
	default:
		return out, unsupportedType(v.Name, v.ElemType.String(), "graph "+what)
	}
	if !v.HasShape {
		return out, nil
	}
	out.Dims = []graph.Dim{}
	for _, d := range v.Dims {
		switch {
		case d.HasValue && d.Value <= 0:
			// Zero or negative: not a size bonafide can run (it was once read as a dynamic batch).
			out.Dims = append(out.Dims, graph.Dim{Value: int(max(d.Value, -1))})
		case d.HasValue:
			// Too large is graph.Compile's to say; only keep the value within an int.
			out.Dims = append(out.Dims, graph.Dim{Value: int(min(d.Value, math.MaxInt32))})
		case d.Param != "":
			out.Dims = append(out.Dims, graph.Dim{Param: d.Param})
		default:
			out.Dims = append(out.Dims, graph.Dim{Param: "?"})
		}
	}
	return out, nil
}
