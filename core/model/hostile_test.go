package model

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/hostile"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// TestHostileModels loads the files an attacker or a careless exporter might hand the engine, each
// made here (several are hundreds of megabytes): every one ends in a typed error of the expected
// kind, or loads as documented, within hostile.MaxSeconds and hostile.MaxBytes. The README's
// reliability section lists the same cases.
func TestHostileModels(t *testing.T) {
	type result struct {
		kind errs.Kind // errs.Unknown: the model loads
		text string    // in the error's message
		// check inspects a model that loads.
		check func(t *testing.T, m *Model)
	}
	refused := func(kind errs.Kind, text string) result { return result{kind: kind, text: text} }
	loads := func(check func(t *testing.T, m *Model)) result { return result{check: check} }
	tests := []struct {
		name string
		file func() []byte
		opts Options
		want result
	}{
		{"INT8 initializer of 2^28 int32_data varints (268 MB)", func() []byte { return hostile.VarintInitializer(onnxpb.Int8, 1<<28) },
			Options{}, refused(errs.Limit, "element count of field 5")},
		{"INT64 initializer of 2^28 varints (268 MB)", func() []byte { return hostile.VarintInitializer(onnxpb.Int64, 1<<28) },
			Options{}, refused(errs.Limit, "element count of field 7")},
		{"INT8 initializer of 2^26+1 varints, one over the limit", func() []byte { return hostile.VarintInitializer(onnxpb.Int8, MaxElements+1) },
			Options{}, refused(errs.Limit, "over the limit of 67108864")},
		{"100,000 1x1 Convs sharing one 64x64 weight", func() []byte { return hostile.SharedWeightConvs(100_000) },
			Options{}, refused(errs.Limit, "node count")},
		{"Convs sharing one weight, as many as MaxNodes", func() []byte { return hostile.SharedWeightConvs(MaxNodes) },
			Options{}, loads(func(t *testing.T, m *Model) {
				// One packed copy of the 64×64 weight (with the weight itself), not one per node.
				if w := m.WeightBytes(); w > 4*(64*64)*3 {
					t.Errorf("WeightBytes %d: the shared weight is packed more than once", w)
				}
				out, err := m.RunFloat32(make([]float32, 64))
				if err != nil || len(out[0]) != 64 {
					t.Fatalf("run: %v", err)
				}
			})},
		{"100,000 Relus, each a graph output", func() []byte { return hostile.ReluOutputs(100_000) },
			Options{}, refused(errs.Limit, "node count")},
		{"2,000 Relus, each a graph output", func() []byte { return hostile.ReluOutputs(2000) },
			Options{}, refused(errs.Limit, "output count")},
		{"every value live to the end, as many as MaxNodes", func() []byte { return hostile.LiveToTheEnd(MaxNodes - 1) },
			Options{}, loads(func(t *testing.T, m *Model) {
				// All MaxNodes−1 Relu buffers (4 floats, padded to 16) live at once.
				if a := m.ArenaBytes(); a < 4*16*int64(MaxNodes-1) {
					t.Errorf("ArenaBytes %d is less than the live buffers need", a)
				}
			})},
		{"Conv+Relu pairs, as many as MaxNodes", func() []byte { return hostile.ConvReluChain(MaxNodes / 2) },
			Options{}, loads(func(t *testing.T, m *Model) {
				if s := m.Steps(); len(s) != MaxNodes/2 || s[0] != "Conv+Relu" {
					t.Errorf("%d steps, first %q: every pair should fuse", len(s), s[0])
				}
			})},
		{"Flattens in a row, as many as MaxNodes", func() []byte { return hostile.FlattenChain(MaxNodes - 2) },
			Options{}, loads(func(t *testing.T, m *Model) {
				if s := m.Steps(); len(s) != 2 {
					t.Errorf("steps %v: the Flattens are views", s)
				}
			})},
		{"initializer declaring 2^31 elements", func() []byte {
			return tinyModel([]int64{1 << 31}, &onnxpb.Tensor{Name: "w", Dims: []int64{1 << 31}, DataType: onnxpb.Float})
		}, Options{}, refused(errs.Limit, "element count of tensor \"w\"")},
		{"initializer with fewer elements than it declares", func() []byte {
			return tinyModel([]int64{4}, &onnxpb.Tensor{Name: "w", Dims: []int64{4}, DataType: onnxpb.Float, FloatData: []float32{1, 2}})
		}, Options{}, refused(errs.Model, "need 4 elements, the data holds 2")},
		{"input declared [-5,3]", func() []byte { return tinyModel([]int64{-5, 3}, nil) }, Options{}, refused(errs.Model, "dimension 0 is declared as -1")},
		{"input declared [0,3]", func() []byte { return tinyModel([]int64{0, 3}, nil) }, Options{}, refused(errs.Model, "dimension 0 is declared as 0")},
		{"INT8 Conv weight without DequantizeLinear", int8ConvWithoutDQ, Options{}, refused(errs.Unsupported, "is an integer tensor (int8 to int64, or bool); this operator computes on float32 (a quantized weight needs its DequantizeLinear)")},
		{"two nodes produce one value", twoProducers, Options{}, refused(errs.Model, `value "y" is produced twice`)},
		{"weights over the memory budget", func() []byte { return hostile.SharedWeightConvs(4) },
			Options{MaxMemory: 8 << 10}, refused(errs.Limit, "memory of the weights")},
		{"packed weights over the memory budget", func() []byte { return hostile.SharedWeightConvs(4) },
			Options{MaxMemory: 24 << 10}, refused(errs.Limit, "packing the weights")},
		{"buffers over the memory budget", func() []byte { return tinyModel([]int64{1, 1 << 20}, nil) },
			Options{MaxMemory: 1 << 20}, refused(errs.Limit, "runner's buffers")},
		{"a negative memory budget", func() []byte { return tinyModel([]int64{1, 4}, nil) },
			Options{MaxMemory: -1}, refused(errs.Config, "MaxMemory")},
		// Constants that nodes make at compile time count against the budget as initializers do: a
		// file of a few hundred bytes once asked for 768 MB per ConstantOfShape, uncounted.
		{"ConstantOfShape of 64 MiB, four times, budget 200 MiB", func() []byte {
			shape := onnxpb.NewInt64Tensor("shape", []int64{2}, []int64{4096, 4096})
			var nodes []*onnxpb.Node
			for i := range 4 {
				nodes = append(nodes, &onnxpb.Node{Name: fmt.Sprint("cos", i), OpType: "ConstantOfShape", Inputs: []string{"shape"}, Outputs: []string{fmt.Sprint("c", i)}})
			}
			return withConstNodes(nodes, shape)
		}, Options{MaxMemory: 200 << 20}, refused(errs.Limit, "the constant made by")},
		{"int64 ConstantOfShape of 2^25 elements (256 MiB), twice, budget 400 MiB", func() []byte {
			value := &onnxpb.Attribute{Name: "value", Type: onnxpb.AttrTensor, T: onnxpb.NewInt64Tensor("v", []int64{1}, []int64{7})}
			return withConstNodes([]*onnxpb.Node{
				{Name: "a", OpType: "ConstantOfShape", Inputs: []string{"shape"}, Outputs: []string{"a"}, Attributes: []*onnxpb.Attribute{value}},
				{Name: "b", OpType: "ConstantOfShape", Inputs: []string{"shape"}, Outputs: []string{"b"}, Attributes: []*onnxpb.Attribute{value}},
			}, onnxpb.NewInt64Tensor("shape", []int64{2}, []int64{4096, 8192}))
		}, Options{MaxMemory: 400 << 20}, refused(errs.Limit, "the constant made by")},
		{"int64 Add of [8192,1] and [1,8192] constants", func() []byte {
			col, row := make([]int64, 8192), make([]int64, 8192)
			return withConstNodes([]*onnxpb.Node{{Name: "add", OpType: "Add", Inputs: []string{"col", "row"}, Outputs: []string{"grid"}}},
				onnxpb.NewInt64Tensor("col", []int64{8192, 1}, col), onnxpb.NewInt64Tensor("row", []int64{1, 8192}, row))
		}, Options{}, refused(errs.Limit, "the constant made by")},
		{"Range of NaN length", func() []byte { return rangeModel(0, float32(math.NaN()), 1) }, Options{}, refused(errs.Model, "give no length")},
		{"Range of 1e30 elements", func() []byte { return rangeModel(0, 1e30, 1) }, Options{}, refused(errs.Limit, "Range length")},
		{"Range of an infinite length", func() []byte { return rangeModel(0, float32(math.Inf(1)), 1) }, Options{}, refused(errs.Limit, "Range length")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.file()
			var m *Model
			var err error
			u, ok := hostile.Within(func() { m, err = Load(data, tt.opts) }, len(data))
			t.Logf("%d-byte file: %v; %d MB allocated, %v (%s)", len(data), err, u.Allocated>>20, u.Time, timeKind(u))
			if !ok {
				t.Errorf("took %v and %d MB with a %d MB file, over %d s and %d MB", u.Time, u.Allocated>>20, len(data)>>20,
					hostile.MaxSeconds, hostile.MaxBytes>>20)
			}
			if tt.want.kind == errs.Unknown {
				if err != nil {
					t.Fatalf("want a model, got %v", err)
				}
				tt.want.check(t, m)
				return
			}
			if err == nil {
				t.Fatal("loaded, want an error")
			}
			if k := errs.KindOf(err); k != tt.want.kind || !strings.Contains(err.Error(), tt.want.text) {
				t.Fatalf("err = %v (%T, kind %v), want kind %v containing %q", err, err, k, tt.want.kind, tt.want.text)
			}
			if tt.want.kind == errs.Limit {
				var le *errs.LimitError
				if !errors.As(err, &le) || le.Got <= le.Limit {
					t.Errorf("err %T %+v is not a LimitError over its limit", err, le)
				}
			}
		})
	}
}

func timeKind(u hostile.Usage) string {
	if u.CPU {
		return "CPU"
	}
	return fmt.Sprintf("wall; %v elapsed", u.Elapsed)
}

// tinyModel is y = Relu(x) with x declared with the given dims, and one extra initializer (nil for
// none) read by a second node, so that it is not dropped as unused.
func tinyModel(xDims []int64, init *onnxpb.Tensor) []byte {
	x := &onnxpb.ValueInfo{Name: "x"}
	d := make([]onnxpb.Dim, len(xDims))
	for i, v := range xDims {
		d[i] = onnxpb.Dim{Value: v, HasValue: true}
	}
	x.SetTensorType(onnxpb.Float, d)
	g := &onnxpb.Graph{Name: "g", Inputs: []*onnxpb.ValueInfo{x}, Outputs: []*onnxpb.ValueInfo{{Name: "y"}},
		Nodes: []*onnxpb.Node{{Name: "relu", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}}}
	if init != nil {
		g.Initializers = []*onnxpb.Tensor{init}
		g.Nodes[0].Inputs, g.Nodes[0].OpType = []string{"x", init.Name}, "Add"
	}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}

// withConstNodes is tinyModel's y = Relu(x) with nodes beside it that make constants from inits; every
// node is compiled, used or not.
func withConstNodes(nodes []*onnxpb.Node, inits ...*onnxpb.Tensor) []byte {
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, []onnxpb.Dim{{Value: 1, HasValue: true}, {Value: 4, HasValue: true}})
	g := &onnxpb.Graph{Name: "g", Inputs: []*onnxpb.ValueInfo{x}, Outputs: []*onnxpb.ValueInfo{{Name: "y"}}, Initializers: inits,
		Nodes: append(nodes, &onnxpb.Node{Name: "relu", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}})}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}

// rangeModel has a float Range(start, limit, delta) beside y = Relu(x).
func rangeModel(start, limit, delta float32) []byte {
	return withConstNodes([]*onnxpb.Node{{Name: "range", OpType: "Range", Inputs: []string{"start", "limit", "delta"}, Outputs: []string{"r"}}},
		onnxpb.NewFloatTensor("start", nil, []float32{start}), onnxpb.NewFloatTensor("limit", nil, []float32{limit}),
		onnxpb.NewFloatTensor("delta", nil, []float32{delta}))
}

func int8ConvWithoutDQ() []byte {
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, []onnxpb.Dim{{Value: 1, HasValue: true}, {Value: 2, HasValue: true}, {Value: 3, HasValue: true}, {Value: 3, HasValue: true}})
	g := &onnxpb.Graph{Name: "g", Inputs: []*onnxpb.ValueInfo{x}, Outputs: []*onnxpb.ValueInfo{{Name: "y"}},
		Initializers: []*onnxpb.Tensor{onnxpb.NewInt8Tensor("w", []int64{2, 2, 1, 1}, []int8{1, -2, 3, -4})},
		Nodes:        []*onnxpb.Node{{Name: "conv", OpType: "Conv", Inputs: []string{"x", "w"}, Outputs: []string{"y"}}}}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}

func twoProducers() []byte {
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, []onnxpb.Dim{{Value: 1, HasValue: true}, {Value: 4, HasValue: true}})
	g := &onnxpb.Graph{Name: "g", Inputs: []*onnxpb.ValueInfo{x}, Outputs: []*onnxpb.ValueInfo{{Name: "y"}},
		Nodes: []*onnxpb.Node{{Name: "a", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}},
			{Name: "b", OpType: "Sigmoid", Inputs: []string{"x"}, Outputs: []string{"y"}}}}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}

// BenchmarkLoadLargeGraphs loads the largest graphs TestHostileModels accepts: their cost per node
// is what decides whether a browser's one thread stays within hostile.MaxSeconds on a busy machine.
func BenchmarkLoadLargeGraphs(b *testing.B) {
	for _, bb := range []struct {
		name string
		file []byte
	}{
		{"ConvRelu", hostile.ConvReluChain(MaxNodes / 2)},
		{"LiveToTheEnd", hostile.LiveToTheEnd(MaxNodes - 1)},
		{"SharedWeightConvs", hostile.SharedWeightConvs(MaxNodes)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(bb.file, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(MaxNodes), "ns/node")
		})
	}
}
