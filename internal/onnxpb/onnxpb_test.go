package onnxpb

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
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
			a, err := init.CheckData(1 << 28)
			if err != nil {
				t.Fatal(err)
			}
			b, err := m2.Graph.Initializers[i].CheckData(1 << 28)
			if err != nil || a != b {
				t.Fatalf("initializer %q changed: %d → %d elements (%v)", init.Name, a, b, err)
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := testModels(t)[0]
	tests := []struct {
		name string
		data []byte
	}{
		{"bad tag", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"truncated length", []byte{0x3a, 0x10, 0x01}}, // field 7 (graph), 16 bytes announced, 1 present
		{"graph with wrong wire type", []byte{0x38, 0x01}},
		{"two graphs", append([]byte{0x3a, 0x00}, 0x3a, 0x00)},
		{"truncated model", good[:len(good)/2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeModel(tt.data)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *FormatError", err, err)
			}
		})
	}
}

func TestTensorData(t *testing.T) {
	tests := []struct {
		name    string
		tensor  *Tensor
		want    []float32
		wantErr bool
	}{
		{"raw float", NewFloatTensor("a", []int64{2}, []float32{1.5, -2}), []float32{1.5, -2}, false},
		{"typed float", &Tensor{Name: "b", Dims: []int64{2}, DataType: Float, FloatData: []float32{3, 4}}, []float32{3, 4}, false},
		{"int8 raw", NewInt8Tensor("c", []int64{3}, []int8{-128, 0, 127}), []float32{-128, 0, 127}, false},
		{"float16 typed", &Tensor{Name: "d", Dims: []int64{3}, DataType: Float16, Int32Data: []int32{0x3c00, 0xc000, 0x0001}}, []float32{1, -2, 5.9604645e-08}, false},
		{"length mismatch", &Tensor{Name: "e", Dims: []int64{3}, DataType: Float, FloatData: []float32{1}}, nil, true},
		{"negative dim", &Tensor{Name: "f", Dims: []int64{-1}, DataType: Float}, nil, true},
		{"overflowing dims", &Tensor{Name: "g", Dims: []int64{1 << 40, 1 << 40}, DataType: Float}, nil, true},
		{"raw not a multiple", &Tensor{Name: "h", Dims: []int64{1}, DataType: Float, RawData: []byte{1, 2, 3}}, nil, true},
		{"external data", &Tensor{Name: "i", Dims: []int64{1}, DataType: Float, External: true}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.tensor.CheckData(1 << 28)
			if tt.wantErr {
				if err == nil {
					t.Fatal("CheckData succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
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
