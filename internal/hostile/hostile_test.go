package hostile

import (
	"testing"

	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// TestFilesDecode checks that the generators write well-formed protobuf of the promised size.
func TestFilesDecode(t *testing.T) {
	b := VarintInitializer(onnxpb.Int8, 1000)
	m, err := onnxpb.DecodeModel(b)
	if err != nil {
		t.Fatal(err)
	}
	w := m.Graph.Initializers[0]
	if w.Name != "w" || len(w.Int32Data) != 1000 || w.DataType != onnxpb.Int8 || len(w.Dims) != 1 || w.Dims[0] != 1000 {
		t.Fatalf("initializer %q %v %v with %d values", w.Name, w.DataType, w.Dims, len(w.Int32Data))
	}
	for name, data := range map[string][]byte{"convs": SharedWeightConvs(10), "relus": ReluOutputs(10), "live": LiveToTheEnd(10),
		"convrelu": ConvReluChain(10), "flatten": FlattenChain(10)} {
		if m, err := onnxpb.DecodeModel(data); err != nil || len(m.Graph.Nodes) < 10 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
