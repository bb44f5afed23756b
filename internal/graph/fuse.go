package graph

import (
	"slices"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// fuse rewrites the step list: dead steps go, BatchNorm folds into the Conv before it, a residual
// Add folds into the Conv that feeds it, and activations fold into the Conv, ConvTranspose or
// MatMul before them. Each fusion applies only when the intermediate value has no other reader and
// is not a graph output.
//
// Each pass scans the steps once and fuses wherever it can, removing steps by leaving holes, so a
// pass is linear; passes repeat until one changes nothing (a step fuses at most a few times, so
// there are a few). A first version rescanned from the start after every fusion, and 4,000
// Conv+Relu pairs took 21 s to compile.
func (b *builder) fuse(outputs []*Value) {
	for changed := true; changed; {
		changed = false
		vals := b.number(outputs)
		b.deadCode(outputs, len(vals))
		f := &fusing{users: b.users(outputs, len(vals)), prod: make([]step, len(vals))}
		for i, s := range b.steps {
			s.base().pos = i + 1
			for _, o := range s.base().out {
				f.prod[o.mark-1] = s
			}
		}
		b.fusing = f
		for i := 0; i < len(b.steps); i++ {
			for b.steps[i] != nil && b.fuseAt(i, f.users) {
				changed = true
			}
		}
		b.fusing = nil
		b.steps = slices.DeleteFunc(b.steps, func(s step) bool { return s == nil })
		for _, s := range b.steps {
			s.base().pos = 0
		}
		for _, v := range vals {
			v.mark = 0
		}
	}
}

// number gives every value the steps read or write, the outputs and the values they are views of
// a pass-local index (Value.mark, from 1), and returns them in that order. A pass's bookkeeping is
// then slices indexed by it instead of maps keyed by pointers: a graph of MaxNodes nodes spent
// most of its compile time in map operations, several times as slow in the browser.
func (b *builder) number(outputs []*Value) []*Value {
	var vals []*Value
	mark := func(v *Value) {
		for ; v != nil && v.mark == 0; v = v.view {
			vals = append(vals, v)
			v.mark = int32(len(vals))
		}
	}
	for _, s := range b.steps {
		for _, v := range s.base().in {
			mark(v)
		}
		for _, v := range s.base().out {
			mark(v)
		}
	}
	for _, v := range outputs {
		mark(v)
	}
	return vals
}

// fusing is the state of one fusion pass: who reads what and who produced what when the pass
// began (by Value.mark; where each step is, is stepBase.pos).
type fusing struct {
	users readers
	prod  []step
}

// readers lists, by Value.mark, the steps that read each value's storage in one pass; a nil entry
// stands for the graph's outputs. A value numbered after the pass began (mark 0) has none listed.
type readers [][]step

func (r readers) of(v *Value) []step {
	if v == nil || v.mark <= 0 || int(v.mark) > len(r) {
		return nil
	}
	return r[v.mark-1]
}

// goneStep stands, in a pass's reader lists, for a step that the pass fused away: the value it
// read may now be read by the step it fused into, so no fusion relies on that list until the next
// pass recounts the readers.
type goneStep struct{ stepBase }

func (*goneStep) run(*Runner) {}

var gone step = &goneStep{}

func (f *fusing) forget(s step) {
	for _, v := range s.base().in {
		rs := f.users.of(v)
		for j, r := range rs {
			if r == s {
				rs[j] = gone
			}
		}
	}
	s.base().pos = 0
}

// users counts readers of each storage root; graph outputs count as a reader. n is the number of
// values number gave marks.
func (b *builder) users(outputs []*Value, n int) readers {
	// A value read through a view is read by the view's readers. Counted first, so that every
	// list is a window of one array.
	count := make([]int, n)
	read := func(v *Value) {
		for r := v; r != nil; r = r.view {
			count[r.mark-1]++
		}
	}
	for _, s := range b.steps {
		for _, v := range s.base().in {
			read(v)
		}
	}
	for _, v := range outputs {
		read(v)
	}
	total := 0
	for _, c := range count {
		total += c
	}
	all := make([]step, 0, total)
	u := make(readers, n)
	for i, c := range count {
		u[i] = all[len(all) : len(all) : len(all)+c]
		all = all[:len(all)+c]
	}
	add := func(v *Value, s step) {
		for r := v; r != nil; r = r.view {
			u[r.mark-1] = append(u[r.mark-1], s)
		}
	}
	for _, s := range b.steps {
		for _, v := range s.base().in {
			add(v, s)
		}
	}
	for _, v := range outputs {
		add(v, nil)
	}
	return u
}

// deadCode drops the steps no output depends on; n is the number of values number gave marks.
func (b *builder) deadCode(outputs []*Value, n int) {
	live := make([]bool, n)
	for _, v := range outputs {
		for r := v; r != nil; r = r.view {
			live[r.mark-1] = true
		}
	}
	kept := make([]step, 0, len(b.steps))
	for i := len(b.steps) - 1; i >= 0; i-- {
		s := b.steps[i]
		used := false
		for _, o := range s.base().out {
			used = used || live[o.mark-1]
		}
		if !used {
			continue
		}
		kept = append(kept, s)
		for _, v := range s.base().in {
			for r := v; r != nil; r = r.view {
				live[r.mark-1] = true
			}
		}
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	b.steps = kept
}

// soleReader returns the only step reading v, or nil when v has other readers or is an output.
func soleReader(users readers, v *Value) step {
	rs := users.of(v)
	if len(rs) != 1 || rs[0] == nil {
		return nil
	}
	return rs[0]
}

// producerOf returns the step that writes v, or nil.
func (b *builder) producerOf(v *Value) step {
	if f := b.fusing; f != nil {
		// The pass's index, while it is still true (fusions move outputs between steps).
		if v.mark > 0 && int(v.mark) <= len(f.prod) {
			if s := f.prod[v.mark-1]; s != nil && s.base().pos > 0 && slices.Contains(s.base().out, v) {
				return s
			}
		}
	}
	for _, s := range b.steps {
		if s != nil && slices.Contains(s.base().out, v) {
			return s
		}
	}
	return nil
}

// indexOf returns where step s is, or -1.
func (b *builder) indexOf(s step) int {
	if f := b.fusing; f != nil {
		if i := s.base().pos - 1; i >= 0 && i < len(b.steps) && b.steps[i] == s {
			return i
		}
	}
	for i, t := range b.steps {
		if t == s {
			return i
		}
	}
	return -1
}

// replace puts step s where step old is.
func (b *builder) replace(old, s step) {
	i := b.indexOf(old)
	if i < 0 {
		return
	}
	b.steps[i] = s
	if f := b.fusing; f != nil {
		f.forget(old)
		s.base().pos = i + 1
	}
}

// remove takes step s out; during a pass it leaves a hole, so that positions stay valid.
func (b *builder) remove(s step) {
	i := b.indexOf(s)
	if i < 0 {
		return
	}
	if f := b.fusing; f != nil {
		b.steps[i] = nil
		f.forget(s)
		return
	}
	b.steps = append(b.steps[:i], b.steps[i+1:]...)
}

// moveTo moves step s to where step at currently is (s must come earlier), removing at and keeping
// the order otherwise.
func (b *builder) moveTo(s, at step) {
	i, j := b.indexOf(s), b.indexOf(at)
	if i < 0 || j < 0 {
		return
	}
	b.steps[i], b.steps[j] = nil, s
	if f := b.fusing; f != nil {
		f.forget(at)
		s.base().pos = j + 1
		return
	}
	b.steps = slices.DeleteFunc(b.steps, func(t step) bool { return t == nil })
}

func fusableAct(a *actStep) bool {
	switch a.act.Kind {
	case kernel.ActRelu, kernel.ActClip, kernel.ActLeakyRelu, kernel.ActPRelu, kernel.ActSigmoid,
		kernel.ActHardSigmoid, kernel.ActHardSwish, kernel.ActTanh:
		return true
	}
	return false
}

func (b *builder) fuseAt(i int, users readers) bool {
	switch s := b.steps[i].(type) {
	case *binaryStep:
		return s.op == kernel.OpMul && b.fuseSE(s, users)
	case *seStep:
		// A residual Add after the block.
		n, ok := soleReader(users, s.out[0]).(*binaryStep)
		if !ok || n.op != kernel.OpAdd || s.residual {
			return false
		}
		other := n.in[0]
		if other == s.out[0] {
			other = n.in[1]
		}
		if other == s.out[0] || other.Len() != s.out[0].Len() || n.out[0].Len() != other.Len() || other.Const != nil {
			return false
		}
		s.residual = true
		s.in = append(s.in, other)
		s.out[0] = n.out[0]
		s.fused = append(s.fused, "Add")
		b.moveTo(s, n)
		return true
	case *convStep:
		next := soleReader(users, s.out[0])
		switch n := next.(type) {
		case *scaleShiftStep:
			if s.act.IsNone() && !s.residual && n.ch == s.shape.M {
				foldScaleShift(s, n)
				s.out[0] = n.out[0]
				s.fused = append(s.fused, "BatchNormalization")
				b.remove(n)
				return true
			}
		case *binaryStep:
			if n.op != kernel.OpAdd || !s.act.IsNone() || s.residual {
				return false
			}
			other := n.in[0]
			if other == s.out[0] {
				other = n.in[1]
			}
			if other == s.out[0] || other.Len() != s.out[0].Len() || n.out[0].Len() != other.Len() || other.Const != nil {
				return false
			}
			s.residual = true
			s.in = append(s.in, other)
			s.out[0] = n.out[0]
			s.fused = append(s.fused, "Add")
			b.moveTo(s, n)
			return true
		case *actStep:
			if s.act.IsNone() && fusableAct(n) && (n.act.Kind != kernel.ActPRelu || len(n.act.Slope) == 1 || len(n.act.Slope) == s.shape.M) {
				s.act = n.act
				s.out[0] = n.out[0]
				s.fused = append(s.fused, n.n.Op)
				b.remove(n)
				return true
			}
		}
	case *convTransposeStep:
		if n, ok := soleReader(users, s.out[0]).(*actStep); ok && s.act.IsNone() && fusableAct(n) &&
			(n.act.Kind != kernel.ActPRelu || len(n.act.Slope) == 1 || len(n.act.Slope) == s.shape.M) {
			s.act = n.act
			s.out[0] = n.out[0]
			s.fused = append(s.fused, n.n.Op)
			b.remove(n)
			return true
		}
	case *matmulStep:
		switch n := soleReader(users, s.out[0]).(type) {
		case *binaryStep:
			// MatMul + Add(bias): torch exports Linear on 3-D inputs this way.
			if n.op != kernel.OpAdd || s.bias != nil || !s.act.IsNone() {
				return false
			}
			other := n.in[0]
			if other == s.out[0] {
				other = n.in[1]
			}
			if other.Const == nil || other.Len() != s.n || other.Shape[len(other.Shape)-1] != s.n || n.out[0].Len() != s.out[0].Len() {
				return false
			}
			s.bias = other.Const.Floats()
			s.out[0] = n.out[0]
			s.fused = append(s.fused, "Add")
			b.remove(n)
			return true
		case *actStep:
			if s.act.IsNone() && fusableAct(n) && (n.act.Kind != kernel.ActPRelu || len(n.act.Slope) == 1) {
				s.act = n.act
				s.out[0] = n.out[0]
				s.fused = append(s.fused, n.n.Op)
				b.remove(n)
				return true
			}
		}
	}
	return false
}

// foldScaleShift folds y = x·scale[c] + shift[c] into the convolution's weights and bias.
func foldScaleShift(s *convStep, n *scaleShiftStep) {
	per := len(s.w) / s.shape.M
	w := make([]float32, len(s.w))
	bias := make([]float32, s.shape.M)
	for m := 0; m < s.shape.M; m++ {
		sc := n.scale[m]
		for i := 0; i < per; i++ {
			w[m*per+i] = s.w[m*per+i] * sc
		}
		var b0 float32
		if s.bias != nil {
			b0 = s.bias[m]
		}
		bias[m] = b0*sc + n.shift[m]
	}
	s.w, s.bias = w, bias
}
