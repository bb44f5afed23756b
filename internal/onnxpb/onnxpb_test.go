package onnxpb

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/limits"
)

func testModels(t testing.TB) [][]byte {
	files, _ := filepath.Glob("../../core/model/testdata/ops/*.onnx")
	nets, _ := filepath.Glob("../../core/model/testdata/nets/*.onnx")
	var out [][]byte
	for _, f := range append(files, nets...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		t.Fatal("no test models found")
	}
	return out
}

// TestRoundTrip decodes every test model, writes it back and decodes again: the second encoding must
// equal the first (the codec is stable) and keep every node, initializer and attribute.
func TestRoundTrip(t *testing.T) {
	for _, b := range testModels(t) {
		m, err := DecodeModel(b)
		if err != nil {
			t.Fatal(err)
		}
		enc := m.Marshal()
		m2, err := DecodeModel(enc)
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !bytes.Equal(enc, m2.Marshal()) {
			t.Fatal("encoding is not stable")
		}
		if len(m2.Graph.Nodes) != len(m.Graph.Nodes) || len(m2.Graph.Initializers) != len(m.Graph.Initializers) {
			t.Fatalf("round trip changed the graph: %d/%d nodes, %d/%d initializers",
				len(m2.Graph.Nodes), len(m.Graph.Nodes), len(m2.Graph.Initializers), len(m.Graph.Initializers))
		}
		for i, n := range m.Graph.Nodes {
			if n.OpType != m2.Graph.Nodes[i].OpType || len(n.Attributes) != len(m2.Graph.Nodes[i].Attributes) {
				t.Fatalf("node %d changed: %s → %s", i, n.OpType, m2.Graph.Nodes[i].OpType)
			}
		}
		for i, init := range m.Graph.Initializers {
			a, err := init.CheckData(limits.MaxElements)
			if err != nil {
				t.Fatal(err)
			}
			b, err := m2.Graph.Initializers[i].CheckData(limits.MaxElements)
			if err != nil || a != b {
				t.Fatalf("initializer %q changed: %d → %d elements (%v)", init.Name, a, b, err)
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := testModels(t)[0]
	// A graph with one initializer whose int32_data holds n packed varints.
	packed := func(n int) []byte {
		var t []byte
		t = protowire.AppendTag(t, 5, protowire.BytesType)
		t = protowire.AppendBytes(t, make([]byte, n))
		var g []byte
		g = protowire.AppendTag(g, 5, protowire.BytesType)
		g = protowire.AppendBytes(g, t)
		return protowire.AppendBytes(protowire.AppendTag(nil, 7, protowire.BytesType), g)
	}
	nodes := func(n int) []byte {
		var g []byte
		for range n {
			g = protowire.AppendTag(g, 1, protowire.BytesType)
			g = protowire.AppendBytes(g, nil)
		}
		return protowire.AppendBytes(protowire.AppendTag(nil, 7, protowire.BytesType), g)
	}
	tests := []struct {
		name   string
		data   []byte
		budget int64
		kind   errs.Kind
		text   string
	}{
		{"bad tag", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 0, errs.Model, "bad tag"},
		{"truncated length", []byte{0x3a, 0x10, 0x01}, 0, errs.Model, "field 7"}, // graph: 16 bytes announced, 1 present
		{"graph with wrong wire type", []byte{0x38, 0x01}, 0, errs.Model, "wire type"},
		{"two graphs", append([]byte{0x3a, 0x00}, 0x3a, 0x00), 0, errs.Model, "more than one graph"},
		{"truncated model", good[:len(good)/2], 0, errs.Model, "malformed"},
		{"packed varints ending mid-varint", func() []byte {
			b := packed(3)
			b[len(b)-1] = 0x80
			return b
		}(), 0, errs.Model, "ends inside a varint"},
		{"more varints than MaxElements", packed(limits.MaxElements + 1), 0, errs.Limit, "element count of field 5"},
		{"more nodes than MaxNodes", nodes(limits.MaxNodes + 1), 0, errs.Limit, "node count"},
		{"varints over the memory budget", packed(1 << 20), 1 << 20, errs.Limit, "memory of the decoded model"},
		{"nodes over the memory budget", nodes(1000), 64 << 10, errs.Limit, "memory of the decoded model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			budget := tt.budget
			if budget == 0 {
				budget = limits.DefaultMaxMemory
			}
			_, err := DecodeModelWithin(tt.data, budget)
			if k := errs.KindOf(err); k != tt.kind || !strings.Contains(fmt.Sprint(err), tt.text) {
				t.Fatalf("err = %v (%T, kind %v), want kind %v containing %q", err, err, k, tt.kind, tt.text)
			}
			var fe *FormatError
			var le *errs.LimitError
			if tt.kind == errs.Model && !errors.As(err, &fe) || tt.kind == errs.Limit && !errors.As(err, &le) {
				t.Fatalf("err %T, want *FormatError for kind model and *errs.LimitError for kind limit", err)
			}
		})
	}
}

func TestTensorData(t *testing.T) {
	tests := []struct {
		name   string
		tensor *Tensor
		want   []float32
		kind   errs.Kind // of CheckData's error; errs.Unknown: no error
	}{
		{"raw float", NewFloatTensor("a", []int64{2}, []float32{1.5, -2}), []float32{1.5, -2}, errs.Unknown},
		{"typed float", &Tensor{Name: "b", Dims: []int64{2}, DataType: Float, FloatData: []float32{3, 4}}, []float32{3, 4}, errs.Unknown},
		{"int8 raw", NewInt8Tensor("c", []int64{3}, []int8{-128, 0, 127}), []float32{-128, 0, 127}, errs.Unknown},
		{"float16 typed", &Tensor{Name: "d", Dims: []int64{3}, DataType: Float16, Int32Data: []int32{0x3c00, 0xc000, 0x0001}}, []float32{1, -2, 5.9604645e-08}, errs.Unknown},
		{"length mismatch", &Tensor{Name: "e", Dims: []int64{3}, DataType: Float, FloatData: []float32{1}}, nil, errs.Model},
		{"negative dim", &Tensor{Name: "f", Dims: []int64{-1}, DataType: Float}, nil, errs.Model},
		{"overflowing dims", &Tensor{Name: "g", Dims: []int64{1 << 40, 1 << 40}, DataType: Float}, nil, errs.Limit},
		{"2^31 elements", &Tensor{Name: "g2", Dims: []int64{1 << 31}, DataType: Float}, nil, errs.Limit},
		{"raw not a multiple", &Tensor{Name: "h", Dims: []int64{1}, DataType: Float, RawData: []byte{1, 2, 3}}, nil, errs.Model},
		{"external data", &Tensor{Name: "i", Dims: []int64{1}, DataType: Float, External: true}, nil, errs.Unsupported},
		{"segmented", &Tensor{Name: "j", Dims: []int64{1}, DataType: Float, HasSegment: true}, nil, errs.Unsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.tensor.CheckData(limits.MaxElements)
			if k := errs.KindOf(err); k != tt.kind {
				t.Fatalf("CheckData: err = %v (%T), kind %v, want %v", err, err, k, tt.kind)
			}
			if tt.kind != errs.Unknown {
				if !strings.HasPrefix(err.Error(), "onnx: ") {
					t.Errorf("%q does not start with the package name", err)
				}
				return
			}
			got, err := tt.tensor.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// FuzzDecodeModel checks that decoding never panics and that whatever decodes re-encodes stably.
func FuzzDecodeModel(f *testing.F) {
	for i, b := range testModels(f) {
		if i%8 == 0 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeModel(data)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Model && k != errs.Limit {
				t.Fatalf("err = %v (%T) has kind %v, want model or limit", err, err, k)
			}
			return
		}
		enc := m.Marshal()
		m2, err := DecodeModel(enc)
		if err != nil {
			t.Fatalf("re-decoding our own encoding failed: %v", err)
		}
		if !bytes.Equal(enc, m2.Marshal()) {
			t.Fatal("encoding is not stable")
		}
	})
}

// TestCheckPrefix: what a reader may refuse after a file's first bytes, and what it must let through
// (every prefix of a real model, whatever its length).
func TestCheckPrefix(t *testing.T) {
	model := testModels(t)[0]
	tests := []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"empty", nil, true},
		{"a model", model, true},
		{"its first byte", model[:1], true},
		{"its first half", model[:len(model)/2], true},
		{"tag 0 (/dev/zero)", make([]byte, 64), false},
		{"a known field as a group", protowire.AppendTag(nil, 3, protowire.StartGroupType), false},
		// DecodeModel skips an unknown group, so a prefix check must let it through (the fuzzer's find).
		{"an unknown field as a group", protowire.AppendTag(protowire.AppendTag(nil, 12, protowire.StartGroupType), 12, protowire.EndGroupType), true},
		{"ir_version as bytes", protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{1}), false},
		{"graph as a varint", protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.VarintType), 1), false},
		{"a field longer than the limit", protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.BytesType), limits.MaxModelBytes+1), false},
		{"a field that runs past the prefix", protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.BytesType), 1000), true},
		{"an unknown field", protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPrefix(tt.b, limits.MaxModelBytes)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckPrefix = %v, want ok %v", err, tt.ok)
			}
			if err != nil && errs.KindOf(err) != errs.Model {
				t.Errorf("err %v (%T) has kind %v, want model", err, err, errs.KindOf(err))
			}
		})
	}
}

// FuzzCheckPrefix checks that CheckPrefix never panics, that what it refuses is a malformed model,
// and that it never refuses the beginning of a file that decodes.
func FuzzCheckPrefix(f *testing.F) {
	for i, b := range testModels(f) {
		if i%8 == 0 {
			f.Add(b, uint16(len(b)/3))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		err := CheckPrefix(data, limits.MaxModelBytes)
		if err != nil && errs.KindOf(err) != errs.Model {
			t.Fatalf("err = %v (%T) has kind %v, want model", err, err, errs.KindOf(err))
		}
		if _, derr := DecodeModel(data); derr != nil {
			return
		}
		if err != nil {
			t.Fatalf("a file that decodes is refused: %v", err)
		}
		if err := CheckPrefix(data[:min(int(cut), len(data))], limits.MaxModelBytes); err != nil {
			t.Fatalf("the first %d bytes of a file that decodes are refused: %v", min(int(cut), len(data)), err)
		}
	})
}
