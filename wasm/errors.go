//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
)

// Error names the JS side sees. web/bonafide.mjs turns each into the class of the same name; the
// standard ones (TypeError, RangeError) stay standard.
const (
	nameModel      = "ModelError"        // the model cannot be decoded, compiled or used for liveness
	nameFrame      = "FrameError"        // a frame that cannot be analysed (empty, pixels, no face)
	nameInput      = "InputError"        // low-level run: tensors that do not fit the model
	nameLimit      = "LimitError"        // a frame, model or tensor over one of the named limits
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
// stays the core's own ("graph: unsupported operator X (opset N) in node Y"). The wasm module's own
// errors come first; every other error is named by its kind (core/errs).
func classify(err error) (name string, details map[string]any) {
	var (
		ae *argError
		se *stateError
		pe *panicError
	)
	switch {
	case errors.As(err, &ae):
		return ae.name, nil
	case errors.As(err, &se):
		return nameState, nil
	case errors.As(err, &pe):
		return nameInternal, map[string]any{"stack": pe.stack}
	}
	switch errs.KindOf(err) {
	case errs.Model, errs.Unsupported:
		return nameModel, modelDetails(err)
	case errs.Frame:
		return nameFrame, nil
	case errs.Input:
		return nameInput, nil
	case errs.Limit:
		var le *errs.LimitError
		errors.As(err, &le)
		return nameLimit, map[string]any{"what": le.What, "got": float64(le.Got), "limit": float64(le.Limit)}
	case errs.Config:
		return nameRange, configDetails(err)
	}
	return nameGenericErr, nil
}

// modelDetails names the operator of an unsupported one, or the profile field at fault.
func modelDetails(err error) map[string]any {
	var (
		ue *errs.UnsupportedError
		ve *liveness.VersionError
		pe *liveness.ProfileError
	)
	switch {
	case errors.As(err, &ue) && ue.Op != "":
		return map[string]any{"op": ue.Op, "opset": ue.Opset, "node": ue.Node, "domain": ue.Domain}
	case errors.As(err, &ve):
		return map[string]any{"field": liveness.KeyVersion, "modelVersion": ve.Model}
	case errors.As(err, &pe):
		return map[string]any{"field": pe.Field}
	}
	return nil
}

// configDetails names the option at fault.
func configDetails(err error) map[string]any {
	var (
		ce *liveness.ConfigError
		oe *face.OptionError
	)
	switch {
	case errors.As(err, &ce):
		return map[string]any{"field": ce.Field}
	case errors.As(err, &oe):
		return map[string]any{"field": oe.Field}
	}
	return nil
}
