package errs_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
)

func TestKindOf(t *testing.T) {
	limit := &errs.LimitError{Where: "face: frame", What: "width", Got: 20000, Limit: 16384, Detail: "20000×1"}
	tests := []struct {
		name string
		err  error
		kind errs.Kind
		msg  string
	}{
		{"nil", nil, errs.Unknown, ""},
		{"foreign", io.ErrUnexpectedEOF, errs.Unknown, "unexpected EOF"},
		{"limit", limit, errs.Limit, "face: frame: width is 20000, over the limit of 16384 (20000×1)"},
		{"wrapped limit", fmt.Errorf("reading x.png: %w", limit), errs.Limit, "reading x.png: face: frame: width is 20000, over the limit of 16384 (20000×1)"},
		{"input", &errs.InputError{Input: "x", Msg: "has shape [1 3], want [1 4]"}, errs.Input, `model: input "x": has shape [1 3], want [1 4]`},
		{"input count", &errs.InputError{Msg: "got 2 inputs, the model takes 1"}, errs.Input, "model: got 2 inputs, the model takes 1"},
		{"operator", &errs.UnsupportedError{Where: "graph", Op: "Det", Opset: 13, Node: "d"}, errs.Unsupported, `graph: unsupported operator Det (opset 13) in node "d"`},
		{"custom domain", &errs.UnsupportedError{Where: "graph", Op: "Relu", Domain: "com.example", Opset: 13, Node: "n", Reason: "only the default ONNX domain is supported"},
			errs.Unsupported, `graph: unsupported operator com.example.Relu (opset 13) in node "n": only the default ONNX domain is supported`},
		{"no operator", &errs.UnsupportedError{Where: "onnx", Reason: `tensor "s" has type STRING (initializer)`}, errs.Unsupported, `onnx: unsupported: tensor "s" has type STRING (initializer)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k := errs.KindOf(tt.err); k != tt.kind {
				t.Errorf("KindOf = %v, want %v", k, tt.kind)
			}
			if tt.err != nil && tt.err.Error() != tt.msg {
				t.Errorf("message %q, want %q", tt.err, tt.msg)
			}
		})
	}
}

func TestKindNames(t *testing.T) {
	want := []string{"unknown", "model", "input", "frame", "config", "limit", "unsupported"}
	for k, name := range want {
		if got := errs.Kind(k).String(); got != name {
			t.Errorf("Kind(%d) = %q, want %q", k, got, name)
		}
	}
	if got := errs.Kind(200).String(); got != "Kind(200)" {
		t.Errorf("Kind(200) = %q", got)
	}
}

// A caller branches on the kind, whatever package the error came from.
func ExampleKindOf() {
	err := fmt.Errorf("loading the model: %w", &errs.LimitError{Where: "model", What: "model size in bytes", Got: 600 << 20, Limit: 512 << 20})
	switch errs.KindOf(err) {
	case errs.Limit:
		var le *errs.LimitError
		errors.As(err, &le)
		fmt.Println("too big:", le.What)
	case errs.Model, errs.Unsupported:
		fmt.Println("bad model")
	}
	// Output: too big: model size in bytes
}
