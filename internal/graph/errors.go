package graph

import (
	"fmt"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// Errors of compilation are *errs.UnsupportedError (an operator, attribute value or type the engine
// does not implement), *errs.LimitError (a graph over MaxNodes, MaxOutputs, MaxElements or the
// memory budget) and the three types below, which are errs.Model errors: the model is wrong.

// ShapeError reports inputs whose shapes (or constant values) an operator cannot accept.
type ShapeError struct {
	Node string
	Op   string
	Msg  string
}

// Kind is errs.Model.
func (e *ShapeError) Kind() errs.Kind { return errs.Model }

func (e *ShapeError) Error() string {
	return fmt.Sprintf("graph: %s node %q: %s", e.Op, e.Node, e.Msg)
}

// AttrError reports a missing or malformed attribute.
type AttrError struct {
	Node string
	Op   string
	Attr string
	Msg  string
}

// Kind is errs.Model.
func (e *AttrError) Kind() errs.Kind { return errs.Model }

func (e *AttrError) Error() string {
	return fmt.Sprintf("graph: %s node %q: attribute %q: %s", e.Op, e.Node, e.Attr, e.Msg)
}

// GraphError reports a malformed graph: a value used before it is produced, a name produced twice,
// a missing output.
type GraphError struct {
	Msg string
}

func (e *GraphError) Error() string { return "graph: " + e.Msg }

// Kind is errs.Model.
func (e *GraphError) Kind() errs.Kind { return errs.Model }

// BuildPanicError reports a bug: an op's builder panicked on the model instead of rejecting it.
// It carries the stack for the bug report and has no Kind, so callers see errs.Unknown.
type BuildPanicError struct {
	Node  string
	Value any
	Stack string
}

func (e *BuildPanicError) Error() string {
	return fmt.Sprintf("graph: internal error compiling node %s: %v (a bug in bonafide: please report it with the model)", e.Node, e.Value)
}
