package graph

import (
	"errors"
	"fmt"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// step is one run-time operation of a Program.
type step interface {
	base() *stepBase
	// prepare builds the kernels once shapes are final and fusions are done.
	prepare() error
	// workspace is the scratch length run needs (shared by all steps of a runner).
	workspace() int
	run(s *Runner)
}

// stepBase holds what every step has: its node, inputs and outputs.
type stepBase struct {
	n   *Node
	in  []*Value // inputs read at run time (run-time values and the constants the step reads)
	out []*Value
	// inplace is the index of an input whose storage out[0] may reuse when that input dies here,
	// or -1.
	inplace int
	// mac counts multiply-accumulates (or elements for cheap ops), for Inspect.
	mac int64
	// packs shares packed weights between the steps of one compilation (nil: each packs its own).
	packs *kernel.Packs
	// pos is where the step is in the step list during a fusion pass, from 1 (0: not known).
	pos int
}

func (b *stepBase) base() *stepBase { return b }
func (b *stepBase) prepare() error  { return nil }
func (b *stepBase) workspace() int  { return 0 }

// newBase makes the base of a step that writes out from in. Both lists share one allocation (the
// inputs' capped, so that a fusion that appends an input copies them): compiling allocates per
// node, and a graph of MaxNodes nodes must load within the hostile-model budget in a browser.
func newBase(c *nodeCtx, out *Value, in ...*Value) stepBase {
	io := make([]*Value, len(in)+1)
	copy(io, in)
	io[len(in)] = out
	return stepBase{n: c.n, in: io[:len(in):len(in)], out: io[len(in):], inplace: -1, packs: c.b.packs}
}

// Program is a compiled graph: immutable, shareable between goroutines. Each goroutine runs it
// through its own Runner.
type Program struct {
	inputs   []*Value
	outputs  []*Value
	steps    []step
	values   []*Value // by id
	arenaLen int
	wsLen    int
	offsets  []int // arena offset per value id, -1 when the value is not in the arena
	// inputViews lists values that are views of graph inputs: their buffers are re-sliced each Run.
	inputViews []*Value
	macs       int64
	maxInputs  int
	// weightBytes is what the constants and packed weights take (the budget's other part).
	weightBytes int64
}

// Inputs are the program's inputs in graph order (read them; core/model describes them to users
// as model.TensorInfo, the one type for that).
func (p *Program) Inputs() []*Value { return p.inputs }

// Outputs are the program's outputs in graph order.
func (p *Program) Outputs() []*Value { return p.outputs }

// MACs is the multiply-accumulate count of one run (convolutions and matrix products).
func (p *Program) MACs() int64 { return p.macs }

// ArenaBytes is the memory one Runner holds for intermediate tensors and scratch.
func (p *Program) ArenaBytes() int64 { return 4 * int64(p.arenaLen+p.wsLen) }

// WeightBytes is the memory the program's constants and packed weights take, shared by its
// runners; with ArenaBytes it is what Options.MaxMemory bounds.
func (p *Program) WeightBytes() int64 { return p.weightBytes }

// StepCount is the number of run-time steps after folding and fusion.
func (p *Program) StepCount() int { return len(p.steps) }

// StepOps lists each run-time step's operator (fused steps show as e.g. "Conv+Relu"), for tests
// and diagnostics.
func (p *Program) StepOps() []string {
	out := make([]string, len(p.steps))
	for i, s := range p.steps {
		out[i] = stepName(s)
	}
	return out
}

func stepName(s step) string {
	if f, ok := s.(interface{ fusedName() string }); ok {
		return f.fusedName()
	}
	return s.base().n.Op
}

// finish fuses, prepares kernels and plans buffers.
func (b *builder) finish(inputs, outputs []*Value) (*Program, error) {
	for _, v := range outputs {
		v.output = true
	}
	// A graph output that is (a view of) a graph input, or that appears twice, gets its own copy so
	// outputs never alias the caller's inputs or each other.
	seen := map[*Value]bool{}
	for i, v := range outputs {
		if v.Const == nil && (v.root().input || seen[v]) {
			out := &Value{Name: v.Name, Shape: v.Shape, DType: Float32, id: -1, output: true}
			b.steps = append(b.steps, &copyStep{stepBase{n: &Node{Op: "Identity", Name: v.Name}, in: []*Value{v}, out: []*Value{out}, inplace: -1}})
			outputs[i] = out
		}
		seen[outputs[i]] = true
	}
	if !b.opts.NoFusion {
		b.fuse(outputs)
	}
	p := &Program{inputs: inputs, outputs: outputs, steps: b.steps}
	b.packs.Limit = max(1, b.budget-b.constBytes)
	for _, s := range p.steps {
		if err := s.prepare(); err != nil {
			n := s.base().n
			var be *kernel.BudgetError
			if errors.As(err, &be) {
				return nil, &errs.LimitError{Where: "graph", What: "memory of the model in bytes", Got: b.constBytes + be.Used + be.Need,
					Limit: b.budget, Detail: fmt.Sprintf("packing the weights of %s %q", n.Op, n.Name)}
			}
			return nil, &ShapeError{Node: n.Name, Op: n.Op, Msg: err.Error()}
		}
		p.wsLen = max(p.wsLen, s.workspace())
		p.maxInputs = max(p.maxInputs, len(s.base().in))
		p.macs += s.base().mac
	}
	// The arena may use what the constants and packed weights left of the budget.
	if err := p.plan(b.budget - b.constBytes - b.packs.Bytes - 4*int64(p.wsLen)); err != nil {
		return nil, err
	}
	p.weightBytes = b.constBytes + b.packs.Bytes
	return p, nil
}

// plan assigns ids and arena offsets. Each step's outputs are placed while its inputs are still
// live; a value's storage is released after its last reader. Unary and binary steps may write over
// an input that dies at that step. It takes O(n log n) for n values: storage roots are memoised
// and free space is a search tree of gaps (100,000 values that all live to the end once took
// minutes, in a planner that sorted the live buffers for every allocation).
func (p *Program) plan(arenaBudget int64) error {
	idOf := func(v *Value) {
		if v.id < 0 {
			v.id = len(p.values)
			p.values = append(p.values, v)
		}
	}
	for _, v := range p.inputs {
		idOf(v)
	}
	for _, s := range p.steps {
		for _, v := range s.base().in {
			idOf(v)
			for r := v; r.view != nil; r = r.view {
				idOf(r.view)
			}
		}
		for _, v := range s.base().out {
			idOf(v)
		}
	}
	for _, v := range p.outputs {
		idOf(v)
	}
	end := len(p.steps)
	// Per value id: the step after which its storage is last read (-1: never), and the value
	// that owns its memory (following views and in-place reuse).
	nv := len(p.values)
	lastUse := make([]int, nv)
	for i := range lastUse {
		lastUse[i] = -1
	}
	for i, s := range p.steps {
		for _, v := range s.base().in {
			lastUse[v.root().id] = i
		}
	}
	for _, v := range p.outputs {
		lastUse[v.root().id] = end
	}
	// storage follows views and in-place reuse to the value that owns the memory, compressing
	// the paths it walks so that long chains (a hundred thousand in-place Relus) stay linear.
	owner := make([]*Value, nv)
	var chain []*Value
	storage := func(v *Value) *Value {
		chain = chain[:0]
		for {
			if o := owner[v.id]; o == v {
				break
			} else if o != nil {
				chain = append(chain, v)
				v = o
				continue
			}
			next := v.view
			if next == nil {
				next = v.inPlace
			}
			if next == nil {
				owner[v.id] = v
				break
			}
			chain = append(chain, v)
			v = next
		}
		for _, c := range chain {
			owner[c.id] = v
		}
		return v
	}
	for i, s := range p.steps {
		sb := s.base()
		if sb.inplace < 0 || len(sb.out) != 1 {
			continue
		}
		in, out := sb.in[sb.inplace], sb.out[0]
		r := in.root()
		if r.Const != nil || r.input || lastUse[r.id] != i || out.view != nil || in.Len() != out.Len() {
			continue
		}
		// The input must not be read again through another alias after this step.
		if si := storage(in); si != r && lastUse[si.id] != i {
			continue
		}
		out.inPlace = in
		owner[out.id] = nil // out was its own owner until now
	}
	final := make([]int, nv) // per owner: the last step that reads any value stored there
	for id, u := range lastUse {
		if u < 0 {
			continue
		}
		if s := storage(p.values[id]); u > final[s.id] {
			final[s.id] = u
		}
	}
	p.offsets = make([]int, nv)
	placed := make([]bool, nv) // per owner
	for i := range p.offsets {
		p.offsets[i] = -1
	}
	var free gapTree
	free.init()
	release := make([][]interval, end+1) // by the step after which the storage dies
	alloc := func(v *Value, step int) error {
		s := storage(v)
		if placed[s.id] {
			p.offsets[v.id] = p.offsets[s.id]
			return nil
		}
		size := (v.Len() + 15) &^ 15
		off := free.first(size)
		if 4*(int64(off)+int64(size)) > arenaBudget {
			return &errs.LimitError{Where: "graph", What: "memory of one runner's buffers in bytes", Got: 4 * (int64(off) + int64(size)),
				Limit: max(0, arenaBudget), Detail: "what the model's memory budget leaves after its weights"}
		}
		free.take(off, size)
		if u := max(final[s.id], step); u < end {
			release[u] = append(release[u], interval{off: off, size: size})
		}
		placed[s.id] = true
		p.offsets[s.id] = off
		p.offsets[v.id] = off
		p.arenaLen = max(p.arenaLen, off+size)
		return nil
	}
	for i, s := range p.steps {
		for _, v := range s.base().out {
			if v.view != nil {
				continue
			}
			if err := alloc(v, i); err != nil {
				return err
			}
		}
		// Release storage whose last reader is this step.
		for _, iv := range release[i] {
			free.give(iv.off, iv.size)
		}
		release[i] = nil
	}
	for _, v := range p.values {
		if v.view != nil && v.root().input {
			p.inputViews = append(p.inputViews, v)
		}
	}
	return nil
}

type interval struct{ off, size int }

// Runner runs a Program. It owns the intermediate buffers, so each goroutine needs its own; Run
// makes no heap allocations.
type Runner struct {
	p     *Program
	bufs  [][]float32
	arena []float32
	ws    []float32
	outs  [][]float32
	ptrs  [][]float32 // scratch list of input buffers for multi-input steps
	prof  *StepTimes  // nil unless SetStepTimes was called
}

// NewRunner allocates a runner's buffers.
func (p *Program) NewRunner() *Runner {
	s := &Runner{p: p, bufs: make([][]float32, len(p.values)), arena: make([]float32, p.arenaLen),
		ws: make([]float32, p.wsLen), outs: make([][]float32, len(p.outputs)), ptrs: make([][]float32, p.maxInputs)}
	for id, v := range p.values {
		switch {
		case v.Const != nil:
			if v.DType == Float32 {
				s.bufs[id] = v.Const.F
			} else {
				s.bufs[id] = v.Const.Floats()
			}
		case p.offsets[id] >= 0:
			s.bufs[id] = s.arena[p.offsets[id] : p.offsets[id]+v.Len()]
		}
	}
	for id, v := range p.values {
		if v.view != nil && !v.root().input {
			s.bufs[id] = s.bufs[v.root().id][:v.Len()]
		}
	}
	for i, v := range p.outputs {
		if v.Const != nil {
			// Callers may write into returned outputs; never hand them the program's constants.
			s.bufs[v.id] = append([]float32(nil), s.bufs[v.id]...)
		}
		s.outs[i] = s.bufs[v.id]
	}
	return s
}

// Run computes the outputs from the inputs (in graph order, each with exactly the input's element
// count). The returned slices belong to the runner and are overwritten by the next Run.
func (s *Runner) Run(inputs [][]float32) ([][]float32, error) {
	p := s.p
	if len(inputs) != len(p.inputs) {
		return nil, &errs.InputError{Msg: fmt.Sprintf("got %d inputs, the model takes %d", len(inputs), len(p.inputs))}
	}
	for i, v := range p.inputs {
		if len(inputs[i]) != v.Len() {
			return nil, &errs.InputError{Msg: fmt.Sprintf("input %q has %d elements, want %d for shape %v", v.Name, len(inputs[i]), v.Len(), v.Shape)}
		}
		s.bufs[v.id] = inputs[i]
	}
	for _, v := range p.inputViews {
		s.bufs[v.id] = s.bufs[v.root().id][:v.Len()]
	}
	if s.prof == nil {
		for _, st := range p.steps {
			st.run(s)
		}
	} else {
		s.runProfiled()
	}
	for i, v := range p.outputs {
		if v.Const != nil {
			copy(s.outs[i], v.Const.Floats())
		}
	}
	return s.outs, nil
}

func (s *Runner) buf(v *Value) []float32 { return s.bufs[v.id] }

// copyStep copies its input; it gives graph outputs storage of their own.
type copyStep struct{ stepBase }

func (c *copyStep) run(s *Runner) { copy(s.buf(c.out[0]), s.buf(c.in[0])) }
