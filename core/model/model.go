// Package model is bonafide's engine API: load an ONNX model (float32, or int8 weight-quantized with
// QDQ) and run it with the same results as onnxruntime, natively or in the browser.
//
// Load decodes the file (internal/onnx: the protobuf is read by internal/onnxpb and pre-passed, then
// the graph is built through onnx-go in the default build, or straight from the protobuf in the
// browser build, tag bonafide_lean) and compiles it (internal/graph): shapes are inferred and
// checked once, constant subgraphs folded, Conv fused with BatchNormalization, activations and
// residual Adds, and buffers planned. A Model is immutable and safe for concurrent
// use. Each goroutine that runs it either calls Model.Run, which borrows a pooled Runner and
// returns fresh tensors, or keeps its own Runner, whose Run makes no heap allocations and returns
// tensors that the next Run overwrites.
package model

import (
	"fmt"
	"slices"
	"sync"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/graph"
	"github.com/bonafide-pad/bonafide/internal/limits"
	"github.com/bonafide-pad/bonafide/internal/onnx"
)

// Limits on what a model file may describe. Load refuses a file over one of them with an
// *errs.LimitError before allocating anything in proportion to it (the README's reliability
// section lists the hostile files they were tried on).
const (
	// MaxModelBytes bounds a model file's size.
	MaxModelBytes = limits.MaxModelBytes
	// MaxElements bounds the elements of any one tensor: a weight, a declared input or output, a
	// constant computed at load or a value computed at run time (64 Mi float32, 256 MiB).
	MaxElements = limits.MaxElements
	// MaxNodes bounds a graph's nodes.
	MaxNodes = limits.MaxNodes
	// MaxOutputs bounds a graph's outputs.
	MaxOutputs = limits.MaxOutputs
	// DefaultMaxMemory is Options.MaxMemory's default: 1 GiB natively, 512 MiB in the browser
	// (GOOS=js).
	DefaultMaxMemory = limits.DefaultMaxMemory
)

// Options control loading.
type Options struct {
	// Batch sets a dynamic batch dimension (a symbolic first axis); 0 means 1.
	Batch int
	// Dims sets other symbolic dimensions by name.
	Dims map[string]int
	// MaxMemory is the model's memory budget in bytes: its weights (decoded, folded and packed for
	// the kernels) plus one runner's buffers (ArenaBytes). A model over it is refused with an
	// *errs.LimitError before the allocation that would cross it. 0 means DefaultMaxMemory.
	MaxMemory int64
	// noFusion keeps every operator a step of its own, for the tests that compare fused and
	// unfused plans.
	noFusion bool
}

// TensorInfo describes an input or output.
type TensorInfo struct {
	Name  string
	Shape []int
}

// Len is the number of elements of the tensor: the length of its []float32 in RunFloat32.
func (t TensorInfo) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// OptionError reports an Options field outside its domain.
type OptionError struct {
	Field string
	Msg   string
}

func (e *OptionError) Error() string { return "model: Options." + e.Field + ": " + e.Msg }

// Kind is errs.Config.
func (e *OptionError) Kind() errs.Kind { return errs.Config }

// Model is a loaded, compiled model.
type Model struct {
	prog     *graph.Program
	inputs   []TensorInfo
	outputs  []TensorInfo
	metadata map[string]string
	opset    int
	params   int64
	ops      map[string]int
	producer string
	folded   int
	pool     sync.Pool // of *Runner, for Run
}

// Load decodes and compiles an ONNX model.
func Load(data []byte, opts Options) (*Model, error) {
	if opts.MaxMemory < 0 {
		return nil, &OptionError{Field: "MaxMemory", Msg: fmt.Sprintf("%d is negative (0 means DefaultMaxMemory)", opts.MaxMemory)}
	}
	d, err := onnx.Decode(data, opts.MaxMemory)
	if err != nil {
		return nil, err
	}
	prog, err := graph.Compile(d.Graph, graph.Options{Batch: opts.Batch, Dims: opts.Dims, NoFusion: opts.noFusion, MaxMemory: opts.MaxMemory})
	if err != nil {
		return nil, err
	}
	m := &Model{prog: prog, metadata: map[string]string{}, opset: d.Graph.Opset, ops: map[string]int{},
		producer: d.ProducerName, folded: d.FoldedDequantize}
	for _, v := range prog.Inputs() {
		m.inputs = append(m.inputs, TensorInfo{Name: v.Name, Shape: slices.Clone(v.Shape)})
	}
	for _, v := range prog.Outputs() {
		m.outputs = append(m.outputs, TensorInfo{Name: v.Name, Shape: slices.Clone(v.Shape)})
	}
	for _, kv := range d.Metadata {
		m.metadata[kv.Key] = kv.Value
	}
	for _, t := range d.Graph.Initializers {
		m.params += int64(t.Len())
	}
	for _, n := range d.Graph.Nodes {
		m.ops[n.Op]++
	}
	if d.FoldedDequantize > 0 {
		m.ops["DequantizeLinear"] += d.FoldedDequantize
	}
	return m, nil
}

// LoadFile reads and loads a model file.
func LoadFile(path string, opts Options) (*Model, error) {
	data, err := onnx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(data, opts)
}

// Inputs describes the model's inputs (shapes with dynamic dimensions resolved).
func (m *Model) Inputs() []TensorInfo { return cloneInfos(m.inputs) }

// Outputs describes the model's outputs.
func (m *Model) Outputs() []TensorInfo { return cloneInfos(m.outputs) }

func cloneInfos(ts []TensorInfo) []TensorInfo {
	out := make([]TensorInfo, len(ts))
	for i, t := range ts {
		out[i] = TensorInfo{Name: t.Name, Shape: append([]int(nil), t.Shape...)}
	}
	return out
}

// Metadata returns the model's metadata_props (a copy).
func (m *Model) Metadata() map[string]string {
	out := make(map[string]string, len(m.metadata))
	for k, v := range m.metadata {
		out[k] = v
	}
	return out
}

// Opset is the model's default-domain operator set version.
func (m *Model) Opset() int { return m.opset }

// MACs is the multiply-accumulate count of one inference (convolutions and matrix products).
func (m *Model) MACs() int64 { return m.prog.MACs() }

// Params is the number of weight elements.
func (m *Model) Params() int64 { return m.params }

// Ops counts the model's operators by type, as in the file (before folding and fusion).
func (m *Model) Ops() map[string]int {
	out := make(map[string]int, len(m.ops))
	for k, v := range m.ops {
		out[k] = v
	}
	return out
}

// Steps lists the run-time steps after folding and fusion (e.g. "Conv+Relu").
func (m *Model) Steps() []string { return m.prog.StepOps() }

// ArenaBytes is the memory one runner holds for intermediate tensors.
func (m *Model) ArenaBytes() int64 { return m.prog.ArenaBytes() }

// WeightBytes is the memory the model's weights take, packed copies included (shared by every
// runner); WeightBytes + ArenaBytes is what Options.MaxMemory bounds.
func (m *Model) WeightBytes() int64 { return m.prog.WeightBytes() }

// Producer is the producer_name the exporter wrote.
func (m *Model) Producer() string { return m.producer }

// Runner runs the model from one goroutine at a time. Run makes no heap allocations after the
// runner is created.
type Runner struct {
	m *Model
	s *graph.Runner
	denseState
}

// NewRunner allocates a runner's buffers (see ArenaBytes).
func (m *Model) NewRunner() *Runner {
	s := &Runner{m: m, s: m.prog.NewRunner()}
	s.initDense()
	return s
}

// RunFloat32 is Run on raw row-major float32 buffers. The returned slices belong to the runner.
func (s *Runner) RunFloat32(inputs ...[]float32) ([][]float32, error) {
	out, err := s.s.Run(inputs)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RunFloat32 borrows a pooled runner and returns copies of the outputs; it is safe for concurrent
// use.
func (m *Model) RunFloat32(inputs ...[]float32) ([][]float32, error) {
	s, _ := m.pool.Get().(*Runner)
	if s == nil {
		s = m.NewRunner()
	}
	defer m.pool.Put(s)
	outs, err := s.RunFloat32(inputs...)
	if err != nil {
		return nil, err
	}
	res := make([][]float32, len(outs))
	for i, o := range outs {
		res[i] = append([]float32(nil), o...)
	}
	return res, nil
}
