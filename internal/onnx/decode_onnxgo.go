//go:build !bonafide_lean

package onnx

import (
	"fmt"

	onnxgo "github.com/owulveryck/onnx-go"
	"gorgonia.org/tensor"

	"github.com/bonafide-pad/bonafide/internal/graph"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// decodeGraph decodes through onnx-go with bonafide's backend (the default build).
func decodeGraph(p *prepared) (*graph.Graph, error) {
	if len(p.pb.Graph.Nodes) == 0 {
		// onnx-go refuses an empty graph with an error of its own; graph.Compile says why.
		return p.buildDirect()
	}
	// onnx-go keys values by name, so two nodes that produce one value merge into a record whose
	// edges are wrong; say what graph.Compile says of such a graph instead.
	producer := make(map[string]*onnxpb.Node, len(p.pb.Graph.Nodes))
	for _, n := range p.pb.Graph.Nodes {
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			if _, dup := producer[o]; dup {
				return nil, &graph.GraphError{Msg: fmt.Sprintf("value %q is produced twice (again by node %s %q)", o, n.OpType, n.Name)}
			}
			producer[o] = n
		}
	}
	pg := p.pb.Graph
	b := newBackend(len(pg.Nodes), len(pg.Initializers)+len(pg.Inputs)+len(producer))
	if err := unmarshal(b, p.pb.Marshal()); err != nil {
		return nil, err
	}
	return p.build(b)
}

func unmarshal(b *backend, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &DecodeError{Err: fmt.Errorf("%v", r), Panic: true}
		}
	}()
	if err := onnxgo.NewModel(b).UnmarshalBinary(data); err != nil {
		return &DecodeError{Err: err}
	}
	return nil
}

// build turns the backend's record into the graph IR: the operators in order, their inputs (by
// the position onnx-go gives each edge, empty names of omitted optional inputs included), outputs
// and attributes, and the initializers' data are all onnx-go's. What onnx-go does not hand its
// backend comes from the file: node names and domains, the initializers' declared dims (gorgonia
// keeps [1] and [] alike), the graph's declared inputs and outputs (whose types the pre-pass strips,
// as onnx-go would allocate each), and the fake input onnx-go gives a node without inputs (dropped).
func (p *prepared) build(b *backend) (*graph.Graph, error) {
	pg := p.pb.Graph
	if len(b.ops) != len(pg.Nodes) {
		return nil, &DecodeError{Err: fmt.Errorf("onnx-go reported %d operators, the file has %d", len(b.ops), len(pg.Nodes))}
	}
	g := &graph.Graph{Opset: p.opset, Initializers: map[string]*graph.Tensor{}, Inputs: p.inputs, Outputs: p.outputs}
	shapes := map[string][]int64{}
	for _, t := range pg.Initializers {
		shapes[t.Name] = t.Dims
	}
	for _, vn := range b.nodes {
		dims, isInit := shapes[vn.name]
		if !isInit || vn.t == nil {
			continue
		}
		t, err := fromGorgonia(vn.t, dims)
		if err != nil {
			return nil, fmt.Errorf("onnx: initializer %q: %w", vn.name, err)
		}
		g.Initializers[vn.name] = t
	}
	for name := range shapes {
		if _, ok := g.Initializers[name]; !ok {
			return nil, &DecodeError{Err: fmt.Errorf("onnx-go lost initializer %q", name)}
		}
	}
	for name, t := range p.side {
		g.Initializers[name] = t
	}
	for k, pn := range pg.Nodes {
		call := b.ops[k]
		if call.op != pn.OpType {
			return nil, &DecodeError{Err: fmt.Errorf("operator %d is %s in onnx-go, %s in the file", k, call.op, pn.OpType)}
		}
		n := &graph.Node{Name: pn.Name, Op: pn.OpType, Domain: pn.Domain, Outputs: make([]string, len(call.outputs))}
		if len(pn.Inputs) > 0 {
			n.Inputs = b.inputsOf(call)
		}
		for i, o := range call.outputs {
			n.Outputs[i] = o.name
		}
		if len(call.attrs) > 0 {
			n.Attrs = make(map[string]graph.Attr, len(call.attrs))
		}
		for name, v := range call.attrs {
			a, ok, err := convertAttr(v)
			if err != nil {
				return nil, &graph.AttrError{Node: pn.Name, Op: pn.OpType, Attr: name, Msg: err.Error()}
			}
			if ok {
				n.Attrs[name] = a
			}
		}
		g.Nodes = append(g.Nodes, n)
	}
	return g, nil
}

func convertAttr(v interface{}) (graph.Attr, bool, error) {
	switch x := v.(type) {
	case float32:
		return graph.Attr{Kind: graph.AttrFloat, F: x}, true, nil
	case int64:
		return graph.Attr{Kind: graph.AttrInt, I: x}, true, nil
	case string:
		return graph.Attr{Kind: graph.AttrString, S: x}, true, nil
	case []float32:
		return graph.Attr{Kind: graph.AttrFloats, Floats: x}, true, nil
	case []int64:
		return graph.Attr{Kind: graph.AttrInts, Ints: x}, true, nil
	case []string:
		return graph.Attr{Kind: graph.AttrStrings, Strings: x}, true, nil
	case tensor.Tensor:
		t, err := fromGorgonia(x, nil)
		if err != nil {
			return graph.Attr{}, false, err
		}
		return graph.Attr{Kind: graph.AttrTensor, T: t}, true, nil
	case struct{}:
		return graph.Attr{}, false, nil
	}
	return graph.Attr{}, false, fmt.Errorf("unsupported attribute value of type %T", v)
}

// fromGorgonia converts onnx-go's tensor into a graph constant. dims, when non-nil, is the shape the
// file declares (authoritative: gorgonia represents [1] and [] alike).
func fromGorgonia(t tensor.Tensor, dims []int64) (*graph.Tensor, error) {
	var shape []int
	if dims != nil {
		shape = make([]int, len(dims))
		for i, d := range dims {
			shape[i] = int(d)
		}
	} else {
		shape = append([]int(nil), t.Shape()...)
	}
	want := 1
	for _, d := range shape {
		want *= d
	}
	out := &graph.Tensor{Shape: shape}
	switch d := t.Data().(type) {
	case []float32:
		out.DType, out.F = graph.Float32, d
	case float32:
		out.DType, out.F = graph.Float32, []float32{d}
	case []float64:
		out.DType, out.F = graph.Float32, make([]float32, len(d))
		for i, v := range d {
			out.F[i] = float32(v)
		}
	case []int64:
		out.DType, out.I = graph.Int64, d
	case int64:
		out.DType, out.I = graph.Int64, []int64{d}
	case []int32:
		out.DType, out.I = graph.Int64, make([]int64, len(d))
		for i, v := range d {
			out.I[i] = int64(v)
		}
	case int32:
		out.DType, out.I = graph.Int64, []int64{int64(d)}
	default:
		return nil, fmt.Errorf("unsupported tensor data %T", d)
	}
	if got := len(out.F) + len(out.I); got != want {
		return nil, fmt.Errorf("shape %v needs %d elements, the data has %d", shape, want, got)
	}
	return out, nil
}
