//go:build !bonafide_lean

package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/graph"
	"github.com/bonafide-pad/bonafide/internal/limits"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// TestOnnxGoPanicRecovered hands onnx-go a file the pre-pass would have refused (an initializer
// whose data does not fill its shape) and checks the failure comes back as an error.
func TestOnnxGoPanicRecovered(t *testing.T) {
	bad := &onnxpb.Tensor{Name: "w", Dims: []int64{2, 3}, DataType: onnxpb.Float, RawData: []byte{0, 0, 128, 63}}
	m := tiny(13, "Add", dims(2, 3), []*onnxpb.Tensor{bad})
	err := unmarshal(newBackend(0, 0), m.Marshal())
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *DecodeError", err)
	}
}

// TestDirectMatchesOnnxGo checks that the two decoders, onnx-go (the default build) and the lean
// protobuf decoder (the browser build), fill identical graph IRs for every ONNX file in the
// repository: the operator and network test models, the shipped models and their test nets,
// BlazeFace, and the web tests' model.
func TestDirectMatchesOnnxGo(t *testing.T) {
	var files []string
	for _, pattern := range []string{"core/model/testdata/ops/*.onnx", "core/model/testdata/nets/*.onnx", "models/*.onnx",
		"models/testdata/*.onnx", "models/blazeface/*.onnx", "web/testdata/*.onnx"} {
		f, _ := filepath.Glob(filepath.Join("..", "..", pattern))
		if len(f) == 0 {
			t.Errorf("no ONNX files match %s", pattern)
		}
		files = append(files, f...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		prep := func() *prepared {
			m, err := onnxpb.DecodeModel(data)
			if err != nil {
				t.Fatal(err)
			}
			p, err := prepare(m, limits.DefaultMaxMemory)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			return p
		}
		viaGo, err := decodeGraph(prep())
		if err != nil {
			t.Fatalf("%s: onnx-go path: %v", f, err)
		}
		direct, err := prep().buildDirect()
		if err != nil {
			t.Fatalf("%s: direct path: %v", f, err)
		}
		if a, b := normalizeGraph(viaGo), normalizeGraph(direct); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the two decoders disagree: %s", filepath.Base(f), firstDifference(a, b))
		}
	}
}

// firstDifference says where two graph IRs first differ, onnx-go's first, for the failure message.
func firstDifference(a, b *graph.Graph) string {
	switch {
	case a.Opset != b.Opset:
		return fmt.Sprintf("opset %d, %d", a.Opset, b.Opset)
	case !reflect.DeepEqual(a.Inputs, b.Inputs):
		return fmt.Sprintf("inputs %+v, %+v", a.Inputs, b.Inputs)
	case !reflect.DeepEqual(a.Outputs, b.Outputs):
		return fmt.Sprintf("outputs %+v, %+v", a.Outputs, b.Outputs)
	case len(a.Nodes) != len(b.Nodes):
		return fmt.Sprintf("%d nodes, %d", len(a.Nodes), len(b.Nodes))
	}
	for i := range a.Nodes {
		if !reflect.DeepEqual(a.Nodes[i], b.Nodes[i]) {
			return fmt.Sprintf("node %d: %+v, %+v", i, *a.Nodes[i], *b.Nodes[i])
		}
	}
	for name, t := range a.Initializers {
		u, ok := b.Initializers[name]
		if !ok || !reflect.DeepEqual(t, u) {
			return fmt.Sprintf("initializer %q (in both: %v)", name, ok)
		}
	}
	return fmt.Sprintf("%d initializers, %d", len(a.Initializers), len(b.Initializers))
}
