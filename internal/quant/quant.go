// Package quant writes weight-quantized ONNX models: the float32 weights of Conv, ConvTranspose,
// Gemm and MatMul become INT8 initializers with one float scale per output channel (symmetric, zero
// point 0), each followed by a DequantizeLinear node that restores the original tensor name. This is
// standard ONNX QDQ weight quantization, so onnxruntime loads the result as it is, and bonafide's
// engine folds the DequantizeLinear nodes back into float32 weights at load (internal/onnx).
//
// Activations stay float32: the point is a file about a quarter of the size for the browser to
// download, not integer arithmetic. Biases and small tensors stay float32 because they are a
// negligible share of the bytes and quantizing them costs accuracy.
package quant

import (
	"fmt"
	"math"
	"sort"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/limits"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// Options control quantization.
type Options struct {
	// MinElements is the smallest weight tensor that is quantized; smaller ones stay float32.
	// Zero means DefaultMinElements.
	MinElements int
	// PerTensor uses one scale per tensor instead of one per output channel.
	PerTensor bool
}

// DefaultMinElements keeps tiny weight tensors (a 1×1 conv over a few channels, say) in float32:
// they cost little and, with one scale per channel, quantizing them saves almost nothing.
const DefaultMinElements = 64

// MetadataKey is the metadata_props entry the quantizer adds to describe what it did.
const MetadataKey = "bonafide.quantization"

// Report says what Quantize did.
type Report struct {
	Quantized   []string // initializer names now stored as INT8
	KeptFloat   int      // weight tensors left in float32 (too small, or shared with non-weight uses)
	FloatBytes  int      // bytes of the quantized tensors before
	Int8Bytes   int      // bytes of their INT8 data plus scales after
	OutputBytes int
}

// Error reports a model the quantizer cannot process.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return "quant: " + e.Msg }

// Kind is errs.Model: the model cannot be quantized as it is.
func (e *Error) Kind() errs.Kind { return errs.Model }

// weightUse is one (node, input) that reads an initializer as a weight, with the axis of its
// output channels.
type weightUse struct {
	node *onnxpb.Node
	axis int
}

// Quantize rewrites a float ONNX model with INT8 weights.
func Quantize(data []byte, opts Options) ([]byte, *Report, error) {
	m, err := onnxpb.DecodeModel(data)
	if err != nil {
		return nil, nil, err
	}
	if m.Graph == nil {
		return nil, nil, &Error{Msg: "model has no graph"}
	}
	opset := -1
	for _, os := range m.Opsets {
		if os.Domain == "" || os.Domain == "ai.onnx" {
			opset = int(os.Version)
		}
	}
	if opset < 10 {
		return nil, nil, &Error{Msg: fmt.Sprintf("DequantizeLinear needs opset ≥ 10, the model has %d", opset)}
	}
	perTensor := opts.PerTensor || opset < 13 // per-axis DequantizeLinear arrived in opset 13
	minElems := opts.MinElements
	switch {
	case minElems < 0:
		return nil, nil, &Error{Msg: fmt.Sprintf("MinElements %d is negative", minElems)}
	case minElems == 0:
		minElems = DefaultMinElements
	}
	for _, kv := range m.Metadata {
		if kv.Key == MetadataKey {
			return nil, nil, &Error{Msg: "model is already quantized (" + kv.Value + ")"}
		}
	}
	g := m.Graph
	inits := map[string]*onnxpb.Tensor{}
	for _, t := range g.Initializers {
		inits[t.Name] = t
	}
	uses := map[string][]weightUse{}
	other := map[string]bool{} // read somewhere other than a weight input
	for _, n := range g.Nodes {
		for i, in := range n.Inputs {
			t, ok := inits[in]
			if !ok {
				continue
			}
			axis, isWeight := weightAxis(n, i, len(t.Dims))
			if isWeight {
				uses[in] = append(uses[in], weightUse{node: n, axis: axis})
			} else {
				other[in] = true
			}
		}
	}
	for _, o := range g.Outputs {
		other[o.Name] = true
	}
	rep := &Report{}
	names := make([]string, 0, len(uses))
	for name := range uses {
		names = append(names, name)
	}
	sort.Strings(names)
	var dq []*onnxpb.Node
	replaced := map[string]bool{}
	var newInits []*onnxpb.Tensor
	for _, name := range names {
		t := inits[name]
		us := uses[name]
		axis := us[0].axis
		consistent := true
		for _, u := range us[1:] {
			consistent = consistent && u.axis == axis
		}
		n, err := t.CheckData(limits.MaxElements)
		if err != nil {
			return nil, nil, err
		}
		if other[name] || !consistent || t.DataType != onnxpb.Float || int(n) < minElems || len(t.Dims) == 0 {
			rep.KeptFloat++
			continue
		}
		w, err := t.Float32s()
		if err != nil {
			return nil, nil, err
		}
		// A NaN or infinite weight has no int8 value: it once became a scale of 1 and a 0 (NaN) or
		// ±127 (±Inf), and the file computed a finite answer where the float model gives NaN.
		for i, v := range w {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, nil, &Error{Msg: fmt.Sprintf("weight %q has %v at element %d: a non-finite weight cannot be quantized", name, v, i)}
			}
		}
		q, scales := quantize(w, t.Dims, axis, perTensor)
		qName, sName := name+"_quantized", name+"_scale"
		scaleDims := []int64{int64(len(scales))}
		if perTensor {
			scaleDims = nil
		}
		// Symmetric quantization has zero points of 0, which is DequantizeLinear's default when the
		// input is omitted: leaving it out saves a byte per channel.
		newInits = append(newInits,
			onnxpb.NewInt8Tensor(qName, t.Dims, q),
			onnxpb.NewFloatTensor(sName, scaleDims, scales))
		node := &onnxpb.Node{OpType: "DequantizeLinear", Name: name + "_DequantizeLinear",
			Inputs: []string{qName, sName}, Outputs: []string{name}}
		if !perTensor {
			node.Attributes = []*onnxpb.Attribute{{Name: "axis", Type: onnxpb.AttrInt, I: int64(axis)}}
		}
		dq = append(dq, node)
		replaced[name] = true
		rep.Quantized = append(rep.Quantized, name)
		rep.FloatBytes += 4 * len(w)
		rep.Int8Bytes += len(q) + 4*len(scales)
	}
	if len(dq) == 0 {
		return nil, nil, &Error{Msg: "no weight tensor to quantize (no Conv, ConvTranspose, Gemm or MatMul with a float initializer of at least " + fmt.Sprint(minElems) + " elements)"}
	}
	kept := g.Initializers[:0]
	for _, t := range g.Initializers {
		if !replaced[t.Name] {
			kept = append(kept, t)
		}
	}
	g.Initializers = append(kept, newInits...)
	// IR v3 files may list initializers as graph inputs; a quantized weight is no longer one.
	ins := g.Inputs[:0]
	for _, v := range g.Inputs {
		if !replaced[v.Name] {
			ins = append(ins, v)
		}
	}
	g.Inputs = ins
	g.Nodes = append(dq, g.Nodes...)
	if m.IRVersion < 7 && !perTensor {
		m.IRVersion = 7 // opset 13 needs IR version 7
	}
	mode := "per-channel"
	if perTensor {
		mode = "per-tensor"
	}
	m.Metadata = append(m.Metadata, onnxpb.StringPair{Key: MetadataKey,
		Value: fmt.Sprintf("int8 weights, %s symmetric, QDQ (DequantizeLinear); %d tensors; activations float32", mode, len(dq))})
	out := m.Marshal()
	rep.OutputBytes = len(out)
	return out, rep, nil
}

// weightAxis reports whether input i of node n is a weight the quantizer handles, and the axis of
// its output channels.
func weightAxis(n *onnxpb.Node, i, rank int) (int, bool) {
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return 0, false
	}
	switch n.OpType {
	case "Conv":
		return 0, i == 1
	case "ConvTranspose":
		return 1, i == 1 && rank >= 2
	case "Gemm":
		if i != 1 || rank != 2 {
			return 0, false
		}
		if a := n.Attr("transB"); a != nil && a.I != 0 {
			return 0, true
		}
		return 1, true
	case "MatMul":
		return rank - 1, i == 1 && rank >= 2
	}
	return 0, false
}

// quantize returns symmetric INT8 values and one scale per slice along axis (or one in all).
func quantize(w []float32, dims []int64, axis int, perTensor bool) ([]int8, []float32) {
	channels, inner := 1, 1
	if !perTensor {
		channels = int(dims[axis])
		for _, d := range dims[axis+1:] {
			inner *= int(d)
		}
	}
	maxAbs := make([]float64, channels)
	for i, v := range w {
		c := 0
		if !perTensor {
			c = (i / inner) % channels
		}
		maxAbs[c] = math.Max(maxAbs[c], math.Abs(float64(v)))
	}
	scales := make([]float32, channels)
	for c, m := range maxAbs {
		s := float32(m / 127)
		if s == 0 || math.IsInf(float64(s), 0) || math.IsNaN(float64(s)) {
			s = 1
		}
		scales[c] = s
	}
	q := make([]int8, len(w))
	for i, v := range w {
		c := 0
		if !perTensor {
			c = (i / inner) % channels
		}
		r := math.RoundToEven(float64(v) / float64(scales[c]))
		q[i] = int8(max(-127, min(127, r)))
	}
	return q, scales
}
