package onnx

import "fmt"

// Limits refuse hostile files before anything proportional to what they describe is allocated.
const (
	// MaxModelBytes bounds the size of a model file.
	MaxModelBytes = 512 << 20
	// MaxTensorElements bounds the elements of one initializer or declared value.
	MaxTensorElements = 1 << 28
	// MaxTotalElements bounds the elements of all initializers together.
	MaxTotalElements = 1 << 29
)

// LimitError reports a model that exceeds a limit.
type LimitError struct {
	What  string
	Got   int64
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("onnx: %s is %d, over the limit of %d", e.What, e.Got, e.Limit)
}

// UnsupportedDTypeError reports a tensor whose element type bonafide cannot use where it appears.
type UnsupportedDTypeError struct {
	Tensor string
	DType  string
	Where  string
}

func (e *UnsupportedDTypeError) Error() string {
	return fmt.Sprintf("onnx: tensor %q has unsupported type %s (%s)", e.Tensor, e.DType, e.Where)
}

// InvalidModelError reports a model that decodes as protobuf but breaks ONNX's rules.
type InvalidModelError struct {
	Msg string
}

func (e *InvalidModelError) Error() string { return "onnx: invalid model: " + e.Msg }

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
