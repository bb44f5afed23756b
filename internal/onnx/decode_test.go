package onnx

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/graph"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// tiny builds a one-node model y = op(x, inits...) with x of the given shape.
func tiny(opset int64, op string, xDims []onnxpb.Dim, inits []*onnxpb.Tensor, attrs ...*onnxpb.Attribute) *onnxpb.Model {
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, xDims)
	y := &onnxpb.ValueInfo{Name: "y"}
	inputs := []string{"x"}
	for _, t := range inits {
		inputs = append(inputs, t.Name)
	}
	return &onnxpb.Model{
		IRVersion: 8,
		Opsets:    []onnxpb.OperatorSet{{Version: opset}},
		Graph: &onnxpb.Graph{
			Name:         "g",
			Nodes:        []*onnxpb.Node{{Name: "n0", OpType: op, Inputs: inputs, Outputs: []string{"y"}, Attributes: attrs}},
			Initializers: inits,
			Inputs:       []*onnxpb.ValueInfo{x},
			Outputs:      []*onnxpb.ValueInfo{y},
		},
	}
}

func dims(ds ...int64) []onnxpb.Dim {
	out := make([]onnxpb.Dim, len(ds))
	for i, d := range ds {
		out[i] = onnxpb.Dim{Value: d, HasValue: true}
	}
	return out
}

func TestDecodeErrors(t *testing.T) {
	strTensor := &onnxpb.Tensor{Name: "s", Dims: []int64{1}, DataType: onnxpb.String, StringData: [][]byte{[]byte("a")}}
	short := &onnxpb.Tensor{Name: "w", Dims: []int64{4}, DataType: onnxpb.Float, FloatData: []float32{1, 2}}
	custom := tiny(13, "Relu", dims(1, 4), nil)
	custom.Graph.Nodes[0].Domain = "com.example"
	noGraph := tiny(13, "Relu", dims(1, 4), nil)
	noGraph.Graph = nil
	noOpset := tiny(13, "Relu", dims(1, 4), nil)
	noOpset.Opsets = []onnxpb.OperatorSet{{Domain: "com.example", Version: 1}}
	noNodes := tiny(13, "Relu", dims(1, 4), nil)
	noNodes.Graph.Nodes = nil
	// compile: Decode rewrites and succeeds, and graph.Compile, the one judge of opsets, domains,
	// operators and limits, refuses.
	tests := []struct {
		name    string
		data    []byte
		compile bool
		check   func(error) bool
		kind    errs.Kind
		text    string
	}{
		{"empty file", nil, false, is[*onnxpb.FormatError], errs.Model, "empty file"},
		{"garbage", []byte("this is not an onnx model at all"), false, is[*onnxpb.FormatError], errs.Model, "malformed"},
		{"unknown op", tiny(13, "FancyOp", dims(1, 4), nil).Marshal(), true, isUnsupported("FancyOp", "n0", 13), errs.Unsupported, `FancyOp (opset 13) in node "n0"`},
		{"custom domain", custom.Marshal(), true, isUnsupported("Relu", "n0", 13), errs.Unsupported, "com.example.Relu"},
		{"opset too old", tiny(5, "Relu", dims(1, 4), nil).Marshal(), true, is[*errs.UnsupportedError], errs.Unsupported, "opset 5"},
		{"no default opset", noOpset.Marshal(), true, is[*errs.UnsupportedError], errs.Unsupported, "imports no operator set"},
		{"no nodes", noNodes.Marshal(), true, is[*graph.GraphError], errs.Model, "no nodes"},
		{"huge declared input", tiny(13, "Relu", dims(1<<20, 1<<20), nil).Marshal(), true, is[*errs.LimitError], errs.Limit, "element count"},
		{"overflowing declared input", tiny(13, "Relu", dims(1<<20, 1<<50), nil).Marshal(), true, is[*errs.LimitError], errs.Limit, "element count"},
		{"string initializer", tiny(13, "Add", dims(1), []*onnxpb.Tensor{strTensor}).Marshal(), false, is[*errs.UnsupportedError], errs.Unsupported, "STRING"},
		{"short initializer", tiny(13, "Add", dims(4), []*onnxpb.Tensor{short}).Marshal(), false, is[*onnxpb.FormatError], errs.Model, "need 4 elements, the data holds 2"},
		{"no graph", noGraph.Marshal(), false, is[*InvalidModelError], errs.Model, "no graph"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(tt.data, 0)
			if tt.compile {
				if err != nil {
					t.Fatalf("Decode: %v; the pre-pass should only rewrite, and Compile judge", err)
				}
				_, err = graph.Compile(d.Graph, graph.Options{})
			}
			if err == nil {
				t.Fatal("succeeded, want an error")
			}
			if !tt.check(err) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v (%T), want one containing %q", err, err, tt.text)
			}
			if k := errs.KindOf(err); k != tt.kind {
				t.Errorf("err %T has kind %v, want %v", err, k, tt.kind)
			}
			if !strings.HasPrefix(err.Error(), "onnx: ") && !strings.HasPrefix(err.Error(), "graph: ") {
				t.Errorf("error %q does not start with its package name", err)
			}
		})
	}
}

func is[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func isUnsupported(op, node string, opset int) func(error) bool {
	return func(err error) bool {
		var u *errs.UnsupportedError
		return errors.As(err, &u) && u.Op == op && u.Node == node && u.Opset == opset
	}
}

// TestFoldDequantize checks the INT8 pre-pass: per-channel weights with zero points become the float
// weights (q − zp)·scale, and the model compiles without a DequantizeLinear step.
func TestFoldDequantize(t *testing.T) {
	q := onnxpb.NewInt8Tensor("w_q", []int64{2, 1, 1, 1}, []int8{10, -4})
	scale := onnxpb.NewFloatTensor("w_s", []int64{2}, []float32{0.5, 0.25})
	zp := onnxpb.NewInt8Tensor("w_z", []int64{2}, []int8{2, 0})
	m := tiny(13, "Conv", dims(1, 1, 2, 2), nil)
	m.Graph.Nodes[0].Inputs = []string{"x", "w"}
	m.Graph.Initializers = []*onnxpb.Tensor{q, scale, zp}
	m.Graph.Nodes = append([]*onnxpb.Node{{Name: "dq", OpType: "DequantizeLinear", Inputs: []string{"w_q", "w_s", "w_z"},
		Outputs: []string{"w"}, Attributes: []*onnxpb.Attribute{{Name: "axis", Type: onnxpb.AttrInt, I: 0}}}}, m.Graph.Nodes...)
	d, err := Decode(m.Marshal(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.FoldedDequantize != 1 {
		t.Errorf("folded %d DequantizeLinear nodes, want 1", d.FoldedDequantize)
	}
	w := d.Graph.Initializers["w"]
	if w == nil || len(w.F) != 2 || w.F[0] != 4 || w.F[1] != -1 {
		t.Fatalf("folded weights = %+v, want [4 -1] ((10−2)·0.5, (−4−0)·0.25)", w)
	}
	if _, ok := d.Graph.Initializers["w_q"]; ok {
		t.Error("the INT8 initializer survived folding")
	}
	if len(d.Graph.Nodes) != 1 || d.Graph.Nodes[0].Op != "Conv" {
		t.Errorf("nodes after folding: %+v", d.Graph.Nodes)
	}
}

// TestFoldDequantizeUnnamedInput: only the zero point may be left out by an empty name; an empty data
// or scale name is a malformed file, reported as such (it once reached a nil tensor and panicked).
func TestFoldDequantizeUnnamedInput(t *testing.T) {
	for _, inputs := range [][]string{{"", "w_s"}, {"w_q", ""}, {"", "", "w_z"}} {
		t.Run(strings.Join(inputs, ","), func(t *testing.T) {
			m := tiny(13, "Conv", dims(1, 1, 2, 2), nil)
			m.Graph.Nodes[0].Inputs = []string{"x", "w"}
			m.Graph.Initializers = []*onnxpb.Tensor{onnxpb.NewInt8Tensor("w_q", []int64{2, 1, 1, 1}, []int8{10, -4}),
				onnxpb.NewFloatTensor("w_s", []int64{2}, []float32{0.5, 0.25}), onnxpb.NewInt8Tensor("w_z", []int64{2}, []int8{2, 0})}
			m.Graph.Nodes = append([]*onnxpb.Node{{Name: "dq", OpType: "DequantizeLinear", Inputs: inputs, Outputs: []string{"w"}}}, m.Graph.Nodes...)
			_, err := Decode(m.Marshal(), 0)
			if !is[*InvalidModelError](err) || !strings.Contains(err.Error(), "unnamed") {
				t.Fatalf("err = %v, want an *InvalidModelError naming the unnamed input", err)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	m := tiny(13, "Relu", dims(1, 4), nil)
	m.Metadata = []onnxpb.StringPair{{Key: "bonafide.kind", Value: "ps-binary"}, {Key: "b", Value: "2"}}
	d, err := Decode(m.Marshal(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Metadata) != 2 || d.Metadata[0].Key != "bonafide.kind" || d.Metadata[0].Value != "ps-binary" {
		t.Fatalf("metadata = %+v", d.Metadata)
	}
}

// normalizeGraph makes graphs comparable: empty and nil slices compare equal.
func normalizeGraph(g *graph.Graph) *graph.Graph {
	for _, t := range g.Initializers {
		if len(t.Shape) == 0 {
			t.Shape = nil
		}
		if len(t.F) == 0 {
			t.F = nil
		}
		if len(t.I) == 0 {
			t.I = nil
		}
	}
	for _, n := range g.Nodes {
		if len(n.Attrs) == 0 {
			n.Attrs = nil
		}
		for k, a := range n.Attrs {
			if len(a.Floats) == 0 {
				a.Floats = nil
			}
			if len(a.Ints) == 0 {
				a.Ints = nil
			}
			if len(a.Strings) == 0 {
				a.Strings = nil
			}
			if a.T != nil {
				if len(a.T.Shape) == 0 {
					a.T.Shape = nil
				}
				if len(a.T.F) == 0 {
					a.T.F = nil
				}
				if len(a.T.I) == 0 {
					a.T.I = nil
				}
			}
			n.Attrs[k] = a
		}
	}
	return g
}

// TestFoldDequantizeStorage checks (q − zp)·scale for each way a file may store the quantized
// values (raw bytes of INT8, UINT8 and INT32, or int32_data) and each way of grouping the scales
// (one for the tensor; one per channel of axis 0 or 1, with several elements each).
func TestFoldDequantizeStorage(t *testing.T) {
	raw32 := func(v ...int32) []byte {
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
		}
		return b
	}
	i8 := func(v ...int8) []byte {
		b := make([]byte, len(v))
		for i, x := range v {
			b[i] = byte(x)
		}
		return b
	}
	dims := []int64{2, 2, 1, 2} // 8 elements: channels of 4 along axis 0, of 2 along axis 1
	cases := []struct {
		name  string
		x, zp *onnxpb.Tensor
		scale []float32
		axis  int64
		want  []float32
	}{
		{"INT8 raw, per tensor", &onnxpb.Tensor{DataType: onnxpb.Int8, RawData: i8(-128, -1, 0, 1, 2, 3, 64, 127)},
			&onnxpb.Tensor{DataType: onnxpb.Int8, RawData: i8(1)}, []float32{0.5}, 1,
			[]float32{-64.5, -1, -0.5, 0, 0.5, 1, 31.5, 63}},
		{"UINT8 raw, per channel of axis 0", &onnxpb.Tensor{DataType: onnxpb.Uint8, RawData: []byte{0, 128, 255, 130, 0, 128, 255, 130}},
			&onnxpb.Tensor{DataType: onnxpb.Uint8, RawData: []byte{128, 0}}, []float32{1, 0.25}, 0,
			[]float32{-128, 0, 127, 2, 0, 32, 63.75, 32.5}},
		{"INT32 raw, per channel of axis 1", &onnxpb.Tensor{DataType: onnxpb.Int32, RawData: raw32(-70000, 3, 10, -10, 1<<20, 0, 5, 6)},
			nil, []float32{0.5, 2}, 1,
			[]float32{-35000, 1.5, 20, -20, 524288, 0, 10, 12}},
		{"INT8 in int32_data, per channel of axis 1", &onnxpb.Tensor{DataType: onnxpb.Int8, Int32Data: []int32{-5, 5, 7, -7, 127, -128, 0, 1}},
			&onnxpb.Tensor{DataType: onnxpb.Int8, Int32Data: []int32{-1, 2}}, []float32{1, 0.5}, 1,
			[]float32{-4, 6, 2.5, -4.5, 128, -127, -1, -0.5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.x.Name, c.x.Dims = "q", dims
			inits := map[string]*onnxpb.Tensor{"q": c.x, "s": onnxpb.NewFloatTensor("s", []int64{int64(len(c.scale))}, c.scale)}
			if len(c.scale) == 1 {
				inits["s"].Dims = nil // a scalar: one scale for the whole tensor
			}
			inputs := []string{"q", "s"}
			if c.zp != nil {
				c.zp.Name, c.zp.Dims = "z", inits["s"].Dims
				inits["z"] = c.zp
				inputs = append(inputs, "z")
			}
			n := &onnxpb.Node{Name: "dq", OpType: "DequantizeLinear", Inputs: inputs, Outputs: []string{"w"},
				Attributes: []*onnxpb.Attribute{{Name: "axis", Type: onnxpb.AttrInt, I: c.axis}}}
			got, ok, err := foldDequantize(n, inits, 13)
			if err != nil || !ok {
				t.Fatalf("fold: ok %v, err %v", ok, err)
			}
			f, err := got.Float32s()
			if err != nil || !slices.Equal(f, c.want) || !slices.Equal(got.Dims, dims) || got.Name != "w" {
				t.Fatalf("folded %q %v = %v (err %v), want %v", got.Name, got.Dims, f, err, c.want)
			}
		})
	}
}
