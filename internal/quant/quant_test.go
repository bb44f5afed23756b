package quant

import (
	"errors"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

const nets = "../../core/model/testdata/nets"

func randomInputs(m *model.Model, seed int64) [][]float32 {
	r := rand.New(rand.NewSource(seed))
	var ins [][]float32
	for _, in := range m.Inputs() {
		n := 1
		for _, d := range in.Shape {
			n *= d
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		ins = append(ins, x)
	}
	return ins
}

// TestQuantizedMatchesFloat quantizes real exported nets and checks that (1) the file shrinks to at
// most 30% for nets whose weights dominate the file, (2) our engine loads it, and (3) its outputs stay
// close to the float model's.
func TestQuantizedMatchesFloat(t *testing.T) {
	tests := []struct {
		file     string
		maxRatio float64 // file size after / before
		maxRel   float64 // largest output error relative to the output's range (random weights)
	}{
		{"resnet_64.onnx", 0.30, 0.05},
		{"patchnet_64.onnx", 0.30, 0.05},
		{"resnet_64_opset17.onnx", 0.30, 0.05},
		// Tiny nets: per-channel scales and float biases are a large share of so few weights.
		{"mobilenetv2_64.onnx", 0.55, 0.05},
		{"pyramid_128.onnx", 0.55, 0.08},
		{"cdcn_64.onnx", 0.35, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(nets, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			q, rep, err := Quantize(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ratio := float64(len(q)) / float64(len(data))
			if ratio > tt.maxRatio {
				t.Errorf("quantized file is %.1f%% of the float file, want ≤ %.0f%%", 100*ratio, 100*tt.maxRatio)
			}
			if len(rep.Quantized) == 0 || rep.OutputBytes != len(q) {
				t.Errorf("report %+v", rep)
			}
			fm, err := model.Load(data, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			qm, err := model.Load(q, model.Options{})
			if err != nil {
				t.Fatalf("quantized model does not load: %v", err)
			}
			if qm.Metadata()[MetadataKey] == "" {
				t.Error("no quantization metadata")
			}
			ins := randomInputs(fm, 1)
			want, err := fm.NewRunner().RunFloat32(ins...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := qm.NewRunner().RunFloat32(ins...)
			if err != nil {
				t.Fatal(err)
			}
			for k := range want {
				lo, hi, worst := math.Inf(1), math.Inf(-1), 0.0
				for i, w := range want[k] {
					lo, hi = math.Min(lo, float64(w)), math.Max(hi, float64(w))
					worst = math.Max(worst, math.Abs(float64(got[k][i]-w)))
				}
				// The error is judged against the output's range; a single value (a score) has
				// none, and is judged against its magnitude, at least 1 (scores are in [0,1]).
				scale := hi - lo
				if scale == 0 {
					scale = math.Max(1, math.Abs(lo))
				}
				if worst/scale > tt.maxRel {
					t.Errorf("output %d (%d values): worst |Δ| %.4g is %.2f%% of %.4g", k, len(want[k]), worst, 100*worst/scale, scale)
				}
			}
		})
	}
}

func TestQuantizeErrors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(nets, "resnet_64.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := Quantize(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	relu, err := os.ReadFile("../../core/model/testdata/ops/relu14.onnx")
	if err != nil {
		t.Fatal(err)
	}
	old := &onnxpb.Model{IRVersion: 4, Opsets: []onnxpb.OperatorSet{{Version: 9}}, Graph: &onnxpb.Graph{}}
	tests := []struct {
		name string
		data []byte
		opts Options
		kind errs.Kind
		want string
	}{
		{"already quantized", q, Options{}, errs.Model, "already quantized"},
		{"no weights", relu, Options{}, errs.Model, "no weight tensor"},
		{"opset 9", old.Marshal(), Options{}, errs.Model, "opset ≥ 10"},
		{"garbage", []byte("not a model"), Options{}, errs.Model, "malformed"},
		{"negative MinElements", data, Options{MinElements: -1}, errs.Model, "MinElements -1 is negative"},
		// A non-finite weight once became a finite int8 value: the file answered 0 where the float
		// model answers NaN, and −254 where it answers −Inf.
		{"NaN weight", withWeight(t, data, float32(math.NaN())), Options{}, errs.Model, "NaN at element"},
		{"Inf weight", withWeight(t, data, float32(math.Inf(-1))), Options{}, errs.Model, "-Inf at element"},
		{"initializer over MaxElements", hugeDims(t, data), Options{}, errs.Limit, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Quantize(tt.data, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if k := errs.KindOf(err); k != tt.kind {
				t.Errorf("err %T has kind %v, want %v", err, k, tt.kind)
			}
			var qe *Error
			if tt.kind == errs.Model && !errors.As(err, &qe) && !strings.Contains(err.Error(), "malformed") {
				t.Errorf("err %T, want *quant.Error", err)
			}
		})
	}
}

// withWeight returns the model with the first element of its largest weight set to v.
func withWeight(t *testing.T, data []byte, v float32) []byte {
	t.Helper()
	m, err := onnxpb.DecodeModel(data)
	if err != nil {
		t.Fatal(err)
	}
	var big *onnxpb.Tensor
	for _, w := range m.Graph.Initializers {
		if big == nil || len(w.RawData)+4*len(w.FloatData) > len(big.RawData)+4*len(big.FloatData) {
			big = w
		}
	}
	f, err := big.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	f[0] = v
	*big = *onnxpb.NewFloatTensor(big.Name, big.Dims, f)
	return m.Marshal()
}

// hugeDims returns the model with its largest weight declaring 2^31 elements (its data unchanged).
func hugeDims(t *testing.T, data []byte) []byte {
	t.Helper()
	m, err := onnxpb.DecodeModel(data)
	if err != nil {
		t.Fatal(err)
	}
	var big *onnxpb.Tensor
	for _, w := range m.Graph.Initializers {
		if big == nil || len(w.RawData) > len(big.RawData) {
			big = w
		}
	}
	big.Dims = []int64{1 << 31, 1, 1, 1}
	return m.Marshal()
}

// FuzzQuantize quantizes arbitrary bytes: never a panic; every error has a kind; and a model that
// loads before quantization loads after it.
func FuzzQuantize(f *testing.F) {
	// The operator test models that carry weights: small, so that each run is cheap.
	for _, pat := range []string{"conv*.onnx", "gemm*.onnx", "matmul*.onnx"} {
		ops, _ := filepath.Glob(filepath.Join("../../core/model/testdata/ops", pat))
		for i, name := range ops {
			if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
				f.Add(b, uint16(1+i%3), i%2 == 0)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, minElems uint16, perTensor bool) {
		q, _, err := Quantize(data, Options{MinElements: int(minElems), PerTensor: perTensor})
		if err != nil {
			if k := errs.KindOf(err); k == errs.Unknown {
				t.Fatalf("err = %v (%T) has no kind", err, err)
			}
			return
		}
		if _, err := model.Load(data, model.Options{}); err != nil {
			return // the quantizer rewrites weights; it does not vouch for the rest of the graph
		}
		if _, err := model.Load(q, model.Options{}); err != nil {
			t.Fatalf("the float model loads, the quantized one does not: %v", err)
		}
	})
}

// TestPerTensorOldOpset quantizes an opset-11 model (per-axis DequantizeLinear needs opset 13)
// whose initializers are also listed as graph inputs.
func TestPerTensorOldOpset(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(nets, "cdcn_64_opset11_inits_as_inputs.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := Quantize(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(q, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Metadata()[MetadataKey], "per-tensor") {
		t.Errorf("metadata %q, want per-tensor", m.Metadata()[MetadataKey])
	}
	if len(m.Inputs()) != 1 {
		t.Errorf("inputs %v, want only the image", m.Inputs())
	}
}

func TestQuantizeValues(t *testing.T) {
	w := []float32{1, -0.5, 0.25, 0, 2, -4}
	q, s := quantize(w, []int64{2, 3}, 0, false)
	if s[0] != float32(1.0/127) || s[1] != float32(4.0/127) {
		t.Fatalf("scales %v", s)
	}
	want := []int8{127, -64, 32, 0, 64, -127}
	for i := range want {
		if q[i] != want[i] {
			t.Fatalf("q = %v, want %v", q, want)
		}
	}
	if _, s0 := quantize([]float32{0, 0}, []int64{2}, 0, true); s0[0] != 1 {
		t.Errorf("all-zero tensor scale = %v, want 1", s0[0])
	}
}
