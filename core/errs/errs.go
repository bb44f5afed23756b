// Package errs is bonafide's error taxonomy. Every error that crosses the public API (core/face,
// core/liveness, core/model, core/metrics) answers Kind() with one of six kinds, so that a caller
// branches on what went wrong (errs.KindOf(err) == errs.Limit) instead of on a package's types or
// on its messages. The wasm module turns each kind into one JS error name this way.
//
// The types shared by several packages live here too, so that there is one of each: LimitError
// (something over a named limit), InputError (tensors that do not fit a model) and
// UnsupportedError (a valid model or request that uses what bonafide does not implement). The
// other error types stay in the package that returns them and carry the context that package
// knows (a node, a field, a reason code).
//
// The package imports nothing of bonafide's, so every package may import it.
package errs

import (
	"errors"
	"fmt"
)

// Kind is the category of an error.
type Kind uint8

const (
	// Unknown is the kind of an error that is not bonafide's (an I/O error, say), and of nil.
	Unknown Kind = iota
	// Model: the model file cannot be decoded, compiled or used (malformed, inconsistent,
	// metadata that does not fit it).
	Model
	// Input: tensors handed to a model's Run that do not fit its inputs.
	Input
	// Frame: an image or frame that cannot be used (undecodable, empty, a pixel buffer that
	// does not match its size, no face where one is needed).
	Frame
	// Config: an option, threshold or profile outside its domain. Constructors return these;
	// nothing later does.
	Config
	// Limit: something over one of the named limits (sizes, element counts, memory). The
	// error is a *LimitError, which names the limit.
	Limit
	// Unsupported: a valid model or request that uses what bonafide does not implement (an
	// operator, a data type, an opset). The error is an *UnsupportedError.
	Unsupported
)

var kindNames = [...]string{"unknown", "model", "input", "frame", "config", "limit", "unsupported"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// kinded is what every bonafide error implements.
type kinded interface {
	error
	Kind() Kind
}

// KindOf returns the kind of the first error in err's tree that has one, or Unknown.
func KindOf(err error) Kind {
	var k kinded
	if errors.As(err, &k) {
		return k.Kind()
	}
	return Unknown
}

// LimitError reports an input over one of bonafide's named limits: a model file, a tensor, a
// model's memory, a frame or a crop. The limits are constants in the package that enforces
// them (model.MaxModelBytes, face.MaxImagePixels, …), and are checked before anything
// proportional to the input is allocated.
type LimitError struct {
	// Where is the message prefix: the package and, where useful, the operation ("model",
	// "face: decode").
	Where string
	// What is the quantity, e.g. "model size in bytes", "width", "elements of initializer \"w\"".
	What  string
	Got   int64
	Limit int64
	// Detail is optional context, e.g. a declared size "100000×3".
	Detail string
}

func (e *LimitError) Error() string {
	msg := fmt.Sprintf("%s: %s is %d, over the limit of %d", e.Where, e.What, e.Got, e.Limit)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Kind is Limit.
func (e *LimitError) Kind() Kind { return Limit }

// InputError reports tensors passed to a model's Run that do not fit the model.
type InputError struct {
	// Input names the input; empty when the error is about the list (a wrong count).
	Input string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Input == "" {
		return "model: " + e.Msg
	}
	return fmt.Sprintf("model: input %q: %s", e.Input, e.Msg)
}

// Kind is Input.
func (e *InputError) Kind() Kind { return Input }

// UnsupportedError reports a valid model, or a request, that uses what bonafide does not
// implement. For an operator, Op, Domain, Opset and Node say which.
type UnsupportedError struct {
	// Where is the message prefix ("graph", "onnx", "liveness").
	Where  string
	Op     string
	Domain string
	Opset  int
	Node   string
	// Reason says what exactly is missing (an attribute value, a data type); it is the whole
	// message when Op is empty.
	Reason string
}

func (e *UnsupportedError) Error() string {
	if e.Op == "" {
		return fmt.Sprintf("%s: unsupported: %s", e.Where, e.Reason)
	}
	op := e.Op
	if e.Domain != "" && e.Domain != "ai.onnx" {
		op = e.Domain + "." + op
	}
	msg := fmt.Sprintf("%s: unsupported operator %s (opset %d)", e.Where, op, e.Opset)
	if e.Node != "" {
		msg += fmt.Sprintf(" in node %q", e.Node)
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Kind is Unsupported.
func (e *UnsupportedError) Kind() Kind { return Unsupported }
