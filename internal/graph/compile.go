package graph

import (
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"sort"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/limits"
)

// The limits Compile enforces are internal/limits' (MaxNodes, MaxOutputs, MaxElements, MaxRank)
// and Options.MaxMemory.
const (
	// MinOpset and MaxOpset bound the default-domain operator set versions the engine accepts.
	MinOpset = 7
	MaxOpset = 18
)

// Options control compilation.
type Options struct {
	// Batch is the value of a symbolic first dimension of every input (the dynamic batch dimension
	// exporters emit). Zero means 1.
	Batch int
	// Dims sets symbolic dimensions by name; they take precedence over Batch.
	Dims map[string]int
	// NoFusion keeps every operator as its own step (for debugging and for tests of the fusions).
	NoFusion bool
	// MaxMemory bounds, in bytes, what the program holds: its constants (the weights, what folding
	// computes and what nodes such as ConstantOfShape make), the kernels' packed copies of the
	// weights and one runner's buffers.
	// Compile refuses a graph over it with an *errs.LimitError before making the allocation that
	// would cross it. Zero means limits.DefaultMaxMemory.
	MaxMemory int64
}

// Value is a tensor flowing through the graph: a constant known at compile time, or a run-time
// float32 buffer.
type Value struct {
	Name  string
	Shape []int
	DType DType
	// Const is non-nil for values known at compile time.
	Const *Tensor

	id      int    // index into Runner.bufs; -1 until planned
	view    *Value // for zero-copy views (Reshape and friends): the value whose storage this shares
	input   bool   // a graph input, bound to the caller's buffer
	output  bool   // a graph output
	inPlace *Value // storage shared with a dead input, decided by the planner
	mark    int32  // the value's index during a fusion pass, from 1 (0: none); see builder.number
}

// Len is the number of elements.
func (v *Value) Len() int { return numElements(v.Shape) }

func (v *Value) root() *Value {
	for v.view != nil {
		v = v.view
	}
	return v
}

func (v *Value) String() string { return fmt.Sprintf("%q%v", v.Name, v.Shape) }

// builder turns a Graph into a Program.
type builder struct {
	g      *Graph
	opts   Options
	values map[string]*Value
	steps  []step
	// budget is Options.MaxMemory; constBytes what the constants take so far; packs the packed
	// weights, shared between steps.
	budget     int64
	constBytes int64
	packs      *kernel.Packs
	fusing     *fusing // during a fusion pass
	// ctx is the node context, reused from node to node: a graph of MaxNodes nodes otherwise
	// allocates one, with its input and output lists, per node, and the browser's collector pays
	// for each (no step keeps the context or its lists).
	ctx nodeCtx
}

// reserve charges n bytes of constants about to be allocated for what against the budget.
func (b *builder) reserve(n int64, what string) error {
	b.constBytes += n
	if b.constBytes > b.budget {
		return &errs.LimitError{Where: "graph", What: "memory of the model's constants in bytes", Got: b.constBytes, Limit: b.budget,
			Detail: "at " + what}
	}
	return nil
}

// Compile infers every shape, folds what is constant, fuses what can be fused and plans buffers.
func Compile(g *Graph, opts Options) (*Program, error) {
	if len(g.Nodes) > limits.MaxNodes {
		return nil, &errs.LimitError{Where: "graph", What: "node count", Got: int64(len(g.Nodes)), Limit: limits.MaxNodes}
	}
	if len(g.Outputs) > limits.MaxOutputs {
		return nil, &errs.LimitError{Where: "graph", What: "output count", Got: int64(len(g.Outputs)), Limit: limits.MaxOutputs}
	}
	if g.Opset == 0 {
		return nil, &errs.UnsupportedError{Where: "graph", Op: "(model)",
			Reason: "the model imports no operator set for the default ONNX domain"}
	}
	if g.Opset < MinOpset || g.Opset > MaxOpset {
		return nil, &errs.UnsupportedError{Where: "graph", Op: "(model)", Opset: g.Opset, Node: "",
			Reason: fmt.Sprintf("default-domain opset %d is outside the supported %d..%d", g.Opset, MinOpset, MaxOpset)}
	}
	if len(g.Nodes) == 0 {
		return nil, &GraphError{Msg: "graph has no nodes"}
	}
	if len(g.Outputs) == 0 {
		return nil, &GraphError{Msg: "graph has no outputs"}
	}
	b := &builder{g: g, opts: opts, values: make(map[string]*Value, len(g.Initializers)+len(g.Inputs)+len(g.Nodes)),
		budget: opts.MaxMemory, packs: &kernel.Packs{}}
	if b.budget <= 0 {
		b.budget = limits.DefaultMaxMemory
	}
	for name, t := range g.Initializers {
		if err := checkTensor(name, t); err != nil {
			return nil, err
		}
		if err := b.reserve(t.DType.Size()*int64(t.Len()), "initializer "+name); err != nil {
			return nil, err
		}
		b.values[name] = &Value{Name: name, Shape: t.Shape, DType: t.DType, Const: t, id: -1}
	}
	var inputs []*Value
	for _, vi := range g.Inputs {
		if _, isInit := b.values[vi.Name]; isInit {
			continue // an initializer also listed as input: the initializer is its default value
		}
		shape, err := b.resolveShape(vi)
		if err != nil {
			return nil, err
		}
		if vi.DType != Float32 {
			return nil, &errs.UnsupportedError{Where: "graph", Op: "(input)", Opset: g.Opset, Node: vi.Name,
				Reason: fmt.Sprintf("graph input %q has type %v; run-time inputs must be float32", vi.Name, vi.DType)}
		}
		v := &Value{Name: vi.Name, Shape: shape, DType: Float32, id: -1, input: true}
		b.values[vi.Name] = v
		inputs = append(inputs, v)
	}
	for _, n := range g.Nodes {
		if err := b.node(n); err != nil {
			return nil, err
		}
	}
	var outputs []*Value
	for _, vo := range g.Outputs {
		v, ok := b.values[vo.Name]
		if !ok {
			return nil, &GraphError{Msg: fmt.Sprintf("graph output %q is produced by no node", vo.Name)}
		}
		if v.DType != Float32 {
			if v.Const == nil {
				return nil, &errs.UnsupportedError{Where: "graph", Op: "(output)", Opset: g.Opset, Node: vo.Name,
					Reason: fmt.Sprintf("graph output %q has type %v; outputs must be float32", vo.Name, v.DType)}
			}
			// A constant integer output (a Shape, say) is returned as float32, exact below 2^24.
			v = &Value{Name: v.Name, Shape: v.Shape, DType: Float32, id: -1,
				Const: &Tensor{DType: Float32, Shape: v.Shape, F: v.Const.Floats()}}
		}
		if err := checkDeclared(vo, v); err != nil {
			return nil, err
		}
		outputs = append(outputs, v)
	}
	return b.finish(inputs, outputs)
}

// checkDeclared verifies a declared output shape against the inferred one where both are known.
func checkDeclared(vi ValueInfo, v *Value) error {
	if vi.Dims == nil {
		return nil
	}
	if len(vi.Dims) != len(v.Shape) {
		return &GraphError{Msg: fmt.Sprintf("output %q is declared with rank %d but has shape %v", vi.Name, len(vi.Dims), v.Shape)}
	}
	for i, d := range vi.Dims {
		if d.Param == "" && d.Value > 0 && d.Value != v.Shape[i] {
			return &GraphError{Msg: fmt.Sprintf("output %q is declared as %v but has shape %v", vi.Name, vi, v.Shape)}
		}
	}
	return nil
}

func (b *builder) resolveShape(vi ValueInfo) ([]int, error) {
	if vi.Dims == nil {
		return nil, &GraphError{Msg: fmt.Sprintf("graph input %q has no shape; bonafide needs static input ranks", vi.Name)}
	}
	shape := make([]int, len(vi.Dims))
	for i, d := range vi.Dims {
		switch {
		case d.Param == "" && d.Value <= 0:
			// Once read as a dynamic batch: an input declared [-5,3] or [0,3] loaded as [1,3].
			return nil, &GraphError{Msg: fmt.Sprintf("graph input %q: dimension %d is declared as %d", vi.Name, i, d.Value)}
		case d.Param != "":
			if v, ok := b.opts.Dims[d.Param]; ok && d.Param != "" {
				shape[i] = v
			} else if i == 0 {
				shape[i] = max(b.opts.Batch, 1)
			} else {
				return nil, &GraphError{Msg: fmt.Sprintf("graph input %q: dimension %d (%q) is dynamic; set it with Options.Dims", vi.Name, i, d.Param)}
			}
		default:
			shape[i] = d.Value
		}
		if shape[i] <= 0 {
			return nil, &GraphError{Msg: fmt.Sprintf("graph input %q: dimension %d is %d", vi.Name, i, shape[i])}
		}
	}
	if err := checkShape(vi.Name, shape); err != nil {
		return nil, err
	}
	return shape, nil
}

func checkShape(name string, shape []int) error {
	if len(shape) > limits.MaxRank {
		return &errs.LimitError{Where: "graph", What: fmt.Sprintf("rank of %q", name), Got: int64(len(shape)), Limit: limits.MaxRank}
	}
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return &GraphError{Msg: fmt.Sprintf("%q has negative dimension in %v", name, shape)}
		}
		// Compared before multiplying: [2^20, 2^50] must not wrap around to a small product. Once
		// a dimension is 0 the product stays 0 and nothing can overflow (nor may n divide).
		if d != 0 && n != 0 && int64(d) > limits.MaxElements/n {
			return &errs.LimitError{Where: "graph", What: fmt.Sprintf("element count of %q %v", name, shape), Got: math.MaxInt64, Limit: limits.MaxElements,
				Detail: "or more"}
		}
		n *= int64(d)
	}
	return nil
}

func checkTensor(name string, t *Tensor) error {
	if err := checkShape(name, t.Shape); err != nil {
		return err
	}
	n := t.Len()
	if (t.DType == Float32 && len(t.F) != n) || (t.DType == Int64 && len(t.I) != n) {
		return &GraphError{Msg: fmt.Sprintf("constant %q has shape %v but %d elements", name, t.Shape, max(len(t.F), len(t.I)))}
	}
	return nil
}

func (b *builder) node(n *Node) error {
	if len(n.Outputs) == 0 {
		return &GraphError{Msg: fmt.Sprintf("node %s has no outputs", n.label())}
	}
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return &errs.UnsupportedError{Where: "graph", Op: n.Op, Domain: n.Domain, Opset: b.g.Opset, Node: n.Name, Reason: "only the default ONNX domain is supported"}
	}
	def, ok := registry[n.Op]
	if !ok || b.g.Opset < def.since {
		return &errs.UnsupportedError{Where: "graph", Op: n.Op, Opset: b.g.Opset, Node: n.Name}
	}
	c := &b.ctx
	*c = nodeCtx{b: b, n: n, opset: b.g.Opset, in: c.in[:0], out: c.out[:0]}
	for i, name := range n.Inputs {
		if name == "" {
			c.in = append(c.in, nil)
			continue
		}
		v, ok := b.values[name]
		if !ok {
			return &GraphError{Msg: fmt.Sprintf("node %s input %d uses %q, which no earlier node produces (graph not topologically sorted, or a missing initializer)", n.label(), i, name)}
		}
		c.in = append(c.in, v)
	}
	c.out = slices.Grow(c.out, len(n.Outputs))[:len(n.Outputs)]
	clear(c.out)
	if err := buildSafely(def.build, c, n); err != nil {
		return err
	}
	for i, name := range n.Outputs {
		if name == "" {
			continue
		}
		v := c.out[i]
		if v == nil {
			if i == 0 {
				return &GraphError{Msg: fmt.Sprintf("node %s produced no output", n.label())}
			}
			return &errs.UnsupportedError{Where: "graph", Op: n.Op, Opset: b.g.Opset, Node: n.Name, Reason: fmt.Sprintf("output %d (%q) is not supported", i, name)}
		}
		if _, dup := b.values[name]; dup {
			return &GraphError{Msg: fmt.Sprintf("value %q is produced twice (again by node %s)", name, n.label())}
		}
		if err := checkShape(name, v.Shape); err != nil {
			return err
		}
		v.Name = name
		b.values[name] = v
	}
	return nil
}

// opDef is one operator's entry in the registry.
type opDef struct {
	since int // the first opset whose semantics build handles
	build func(c *nodeCtx) error
}

var registry = map[string]opDef{}

func register(op string, since int, build func(c *nodeCtx) error) {
	if _, dup := registry[op]; dup {
		panic("graph: operator registered twice: " + op)
	}
	registry[op] = opDef{since: since, build: build}
}

// Supported lists the operators the engine implements, sorted.
func Supported() []string {
	ops := make([]string, 0, len(registry))
	for op := range registry {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// IsSupported reports whether op (default domain) is implemented at the given opset.
func IsSupported(op string, opset int) bool {
	d, ok := registry[op]
	return ok && opset >= d.since && opset <= MaxOpset
}

// buildSafely runs one op's builder and turns a panic into a *BuildPanicError: a builder that
// misses a check on some malformed model must cost the caller an error, not the process. The error
// has no kind (errs.Unknown), so FuzzLoad, which accepts only model, limit and unsupported errors,
// still reports the missing check.
func buildSafely(build func(*nodeCtx) error, c *nodeCtx, n *Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &BuildPanicError{Node: n.label(), Value: r, Stack: string(debug.Stack())}
		}
	}()
	return build(c)
}
