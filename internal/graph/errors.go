package graph

import "fmt"

// UnsupportedOpError reports an operator (or an operator version) the engine does not implement.
type UnsupportedOpError struct {
	Op     string
	Domain string
	Opset  int
	Node   string
	Reason string // optional detail, e.g. an unsupported attribute value
}

func (e *UnsupportedOpError) Error() string {
	op := e.Op
	if e.Domain != "" && e.Domain != "ai.onnx" {
		op = e.Domain + "." + op
	}
	msg := fmt.Sprintf("graph: unsupported operator %s (opset %d) in node %q", op, e.Opset, e.Node)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// ShapeError reports inputs whose shapes (or constant values) an operator cannot accept.
type ShapeError struct {
	Node string
	Op   string
	Msg  string
}

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

func (e *AttrError) Error() string {
	return fmt.Sprintf("graph: %s node %q: attribute %q: %s", e.Op, e.Node, e.Attr, e.Msg)
}

// GraphError reports a malformed graph: a value used before it is produced, a name produced twice,
// a missing output.
type GraphError struct {
	Msg string
}

func (e *GraphError) Error() string { return "graph: " + e.Msg }

// LimitError reports a model that exceeds one of the engine's limits.
type LimitError struct {
	What  string
	Got   int64
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("graph: %s is %d, over the limit of %d", e.What, e.Got, e.Limit)
}

// InputError reports run-time inputs that do not match the compiled program.
type InputError struct {
	Msg string
}

func (e *InputError) Error() string { return "graph: " + e.Msg }
