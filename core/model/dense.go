//go:build !bonafide_lean

package model

import (
	"fmt"
	"slices"

	"gorgonia.org/tensor"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// The gorgonia tensor API. The lean browser build (tag bonafide_lean) leaves it out, with onnx-go:
// the wasm module exchanges Float32Arrays with JavaScript and has no use for it, and together they
// quintuple the download (see internal/onnx).

type denseState struct {
	in   [][]float32
	outs []*tensor.Dense
}

func (s *Runner) initDense() {
	s.in = make([][]float32, len(s.m.inputs))
	s.outs = make([]*tensor.Dense, len(s.m.outputs))
}

// Run computes the outputs for float32 inputs given in the model's input order, each with exactly
// the input's shape. The returned tensors belong to the runner: the next Run overwrites them.
func (s *Runner) Run(inputs ...*tensor.Dense) ([]*tensor.Dense, error) {
	if len(inputs) != len(s.m.inputs) {
		return nil, &errs.InputError{Msg: fmt.Sprintf("got %d inputs, the model takes %d", len(inputs), len(s.m.inputs))}
	}
	for i, t := range inputs {
		info := s.m.inputs[i]
		if t == nil {
			return nil, &errs.InputError{Input: info.Name, Msg: "is nil"}
		}
		if t.Dtype() != tensor.Float32 {
			return nil, &errs.InputError{Input: info.Name, Msg: fmt.Sprintf("has type %v, want float32", t.Dtype())}
		}
		if !slices.Equal([]int(t.Shape()), info.Shape) {
			return nil, &errs.InputError{Input: info.Name, Msg: fmt.Sprintf("has shape %v, want %v", t.Shape(), info.Shape)}
		}
		if t.IsView() {
			return nil, &errs.InputError{Input: info.Name, Msg: "is a view; materialize it first"}
		}
		s.in[i] = t.Float32s()
	}
	raw, err := s.RunFloat32(s.in...)
	if err != nil {
		return nil, err
	}
	for i, r := range raw {
		if s.outs[i] == nil || !sameBacking(s.outs[i].Float32s(), r) {
			s.outs[i] = tensor.New(tensor.WithShape(s.m.outputs[i].Shape...), tensor.WithBacking(r))
		}
	}
	return s.outs, nil
}

func sameBacking(a, b []float32) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// Run is safe for concurrent use: it borrows a pooled runner and returns tensors the caller owns.
func (m *Model) Run(inputs ...*tensor.Dense) ([]*tensor.Dense, error) {
	s, _ := m.pool.Get().(*Runner)
	if s == nil {
		s = m.NewRunner()
	}
	defer m.pool.Put(s)
	outs, err := s.Run(inputs...)
	if err != nil {
		return nil, err
	}
	res := make([]*tensor.Dense, len(outs))
	for i, o := range outs {
		res[i] = tensor.New(tensor.WithShape(m.outputs[i].Shape...), tensor.WithBacking(append([]float32(nil), o.Float32s()...)))
	}
	return res, nil
}
