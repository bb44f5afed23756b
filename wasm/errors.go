//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/internal/graph"
	"github.com/bonafide-pad/bonafide/internal/onnx"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// Error names the JS side sees. web/bonafide.mjs turns each into the class of the same name; the
// standard ones (TypeError, RangeError) stay standard.
const (
	nameModel      = "ModelError"        // the model cannot be decoded, compiled or used for liveness
	nameFrame      = "FrameError"        // a frame that cannot be analysed (size, limits, pixels)
	nameInput      = "InputError"        // low-level run: tensors that do not fit the model
	nameState      = "InvalidStateError" // a closed or unknown handle
	nameInternal   = "InternalError"     // a recovered panic: a bug in bonafide
	nameType       = "TypeError"         // an argument of the wrong JS type
	nameRange      = "RangeError"        // an option outside its range
	nameGenericErr = "Error"
)

// argError reports an argument of the wrong type or shape, before anything is allocated for it.
type argError struct {
	name string // TypeError or RangeError
	msg  string
}

func (e *argError) Error() string { return "bonafide: " + e.msg }

func typeErrorf(format string, args ...any) error {
	return &argError{name: nameType, msg: fmt.Sprintf(format, args...)}
}

func rangeErrorf(format string, args ...any) error {
	return &argError{name: nameRange, msg: fmt.Sprintf(format, args...)}
}

// stateError reports a handle that was closed or never existed.
type stateError struct{ what string }

func (e *stateError) Error() string { return "bonafide: " + e.what }

// panicError is a recovered panic, with the stack so that a bug report can say where.
type panicError struct {
	value any
	stack string
}

func (e *panicError) Error() string {
	return fmt.Sprintf("bonafide: internal error (please report it): %v", e.value)
}

func recovered(v any) error {
	return &panicError{value: v, stack: string(debug.Stack())}
}

// classify maps a Go error to the JS error name and the fields a caller can act on. The message
// stays the core's own ("graph: unsupported operator X (opset N) in node Y").
func classify(err error) (name string, details map[string]any) {
	var (
		ae  *argError
		se  *stateError
		pe  *panicError
		uo  *graph.UnsupportedOpError
		ce  *liveness.ConfigError
		ve  *liveness.VersionError
		oe  *face.OptionError
		ie  *face.ImageError
		le  *face.LimitError
		fe  *liveness.FrameError
		mie *model.InputError
		gie *graph.InputError
	)
	switch {
	case errors.As(err, &ae):
		return ae.name, nil
	case errors.As(err, &se):
		return nameState, nil
	case errors.As(err, &pe):
		return nameInternal, map[string]any{"stack": pe.stack}
	case errors.As(err, &uo):
		return nameModel, map[string]any{"op": uo.Op, "opset": uo.Opset, "node": uo.Node, "domain": uo.Domain}
	case errors.As(err, &ve):
		return nameModel, map[string]any{"field": liveness.KeyVersion, "modelVersion": ve.Model}
	case errors.As(err, &ce):
		if ce.Field == "threshold" || ce.Field == "session" {
			return nameRange, map[string]any{"field": ce.Field}
		}
		return nameModel, map[string]any{"field": ce.Field}
	case errors.As(err, &oe):
		return nameRange, map[string]any{"field": oe.Field}
	case errors.As(err, &ie), errors.As(err, &le), errors.As(err, &fe):
		return nameFrame, nil
	case errors.As(err, &mie), errors.As(err, &gie):
		return nameInput, nil
	case isModelError(err):
		return nameModel, nil
	}
	return nameGenericErr, nil
}

func isModelError(err error) bool {
	var (
		a *onnx.LimitError
		b *onnx.UnsupportedDTypeError
		c *onnx.InvalidModelError
		d *onnx.DecodeError
		e *onnxpb.FormatError
		f *graph.ShapeError
		g *graph.AttrError
		h *graph.GraphError
		i *graph.LimitError
	)
	if errors.As(err, &a) || errors.As(err, &b) || errors.As(err, &c) || errors.As(err, &d) || errors.As(err, &e) ||
		errors.As(err, &f) || errors.As(err, &g) || errors.As(err, &h) || errors.As(err, &i) ||
		errors.Is(err, liveness.ErrNoEmbedding) {
		return true
	}
	// Errors from core that are not (yet) typed still name their package.
	msg := err.Error()
	return strings.HasPrefix(msg, "onnx:") || strings.HasPrefix(msg, "graph:") || strings.HasPrefix(msg, "model:")
}
