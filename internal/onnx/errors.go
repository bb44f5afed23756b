package onnx

import (
	"fmt"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// Errors of decoding are *onnxpb.FormatError (bytes that are not ONNX protobuf),
// *errs.LimitError, *errs.UnsupportedError (an operator, domain, data type or opset bonafide does
// not implement), and the two types below, which are errs.Model errors.

// InvalidModelError reports a model that decodes as protobuf but breaks ONNX's rules.
type InvalidModelError struct {
	Msg string
}

func (e *InvalidModelError) Error() string { return "onnx: invalid model: " + e.Msg }

// Kind is errs.Model.
func (e *InvalidModelError) Kind() errs.Kind { return errs.Model }

// DecodeError wraps a failure inside onnx-go, including a recovered panic.
type DecodeError struct {
	Err   error
	Panic bool
}

func (e *DecodeError) Error() string {
	if e.Panic {
		return "onnx: onnx-go panicked while decoding: " + e.Err.Error()
	}
	return "onnx: onnx-go could not decode the model: " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Kind is errs.Model.
func (e *DecodeError) Kind() errs.Kind { return errs.Model }

// limitErr reports a quantity of the model over one of the limits.
func limitErr(what string, got, limit int64) error {
	return &errs.LimitError{Where: "onnx", What: what, Got: got, Limit: limit}
}

// unsupportedType reports a tensor whose element type bonafide cannot use where it appears.
func unsupportedType(tensor, dtype, where string) error {
	return &errs.UnsupportedError{Where: "onnx", Reason: fmt.Sprintf("tensor %q has type %s (%s)", tensor, dtype, where)}
}
