// Package hostile makes the hostile and broken inputs the resource tests feed bonafide, and
// measures what handling one costs. The files are built in the test that uses them, never
// committed: several are hundreds of megabytes of one-byte varints.
package hostile

import (
	"runtime"
	"runtime/metrics"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// Budget is what handling one hostile input may cost: the issue that asked for these tests set
// 2 s and 512 MB, natively and in Chromium.
const (
	MaxSeconds = 2
	MaxBytes   = 512 << 20
)

// Usage is what a call cost.
type Usage struct {
	// Allocated is the bytes the Go heap allocated during the call (runtime/metrics
	// /gc/heap/allocs:bytes): an upper bound on how far the call raised the peak heap.
	Allocated uint64
	Elapsed   time.Duration
	// Time is what the call cost: the process's CPU time where the platform reports it (Unix),
	// which stays what the call takes on an idle machine when the machine is shared; else (the
	// browser, which runs Go on one thread) the wall-clock time.
	Time time.Duration
	// CPU says which of the two Time is.
	CPU bool
}

// Measure runs f and reports what it allocated and how long it took.
func Measure(f func()) Usage {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	c0, _ := cpuTime()
	t0 := time.Now()
	f()
	el := time.Since(t0)
	c1, ok := cpuTime()
	metrics.Read(s)
	u := Usage{Allocated: s[0].Value.Uint64() - before, Elapsed: el, Time: el, CPU: ok}
	if ok {
		u.Time = c1 - c0
	}
	return u
}

// Within runs f (up to three times when it takes too long, keeping the cheapest run: a shared
// machine preempts a browser's one thread for seconds) and reports whether it stayed within
// MaxSeconds and MaxBytes beyond the extra bytes the caller already holds (the hostile file).
func Within(f func(), extra int) (Usage, bool) {
	var best Usage
	for try := range 3 {
		u := Measure(f)
		if try == 0 || u.Time < best.Time {
			best = u
		}
		if best.Time <= MaxSeconds*time.Second {
			break
		}
	}
	return best, best.Time <= MaxSeconds*time.Second && best.Allocated+uint64(extra) <= MaxBytes
}

// model writes a ModelProto (IR 8, default opset 13) around a graph body given as its encoded
// fields, with room for tail bytes of graph body that the caller appends afterwards (a huge tensor's
// data, written once instead of copied through each enclosing message).
func model(opset int64, graphHead []byte, tailLen int) []byte {
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, 8)
	var os []byte
	os = protowire.AppendTag(os, 2, protowire.VarintType)
	os = protowire.AppendVarint(os, uint64(opset))
	m = protowire.AppendTag(m, 8, protowire.BytesType)
	m = protowire.AppendBytes(m, os)
	m = protowire.AppendTag(m, 7, protowire.BytesType)
	m = protowire.AppendVarint(m, uint64(len(graphHead)+tailLen))
	out := make([]byte, 0, len(m)+len(graphHead)+tailLen)
	return append(append(out, m...), graphHead...)
}

// VarintInitializer is a model whose one initializer "w" declares n elements of type dt (INT8 or
// INT64) and carries them as n one-byte varints (zeros) in int32_data or int64_data: an n-byte
// file that a decoder which decodes before counting turns into 8n bytes or more. The graph is
// y = Add(x, w) with x of shape [n].
func VarintInitializer(dt onnxpb.DataType, n int) []byte {
	field := protowire.Number(5) // int32_data
	if dt == onnxpb.Int64 {
		field = 7
	}
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, []onnxpb.Dim{{Value: int64(n), HasValue: true}})
	y := &onnxpb.ValueInfo{Name: "y"}
	g := &onnxpb.Graph{Name: "bomb", Inputs: []*onnxpb.ValueInfo{x}, Outputs: []*onnxpb.ValueInfo{y},
		Nodes: []*onnxpb.Node{{Name: "add", OpType: "Add", Inputs: []string{"x", "w"}, Outputs: []string{"y"}}}}
	enc := (&onnxpb.Model{Graph: g}).Marshal() // field 7 alone: the graph
	_, _, n1 := protowire.ConsumeTag(enc)
	head, _ := protowire.ConsumeBytes(enc[n1:])
	// The initializer: name, dims, data type, then the packed field whose bytes come last.
	var t []byte
	t = protowire.AppendTag(t, 8, protowire.BytesType)
	t = protowire.AppendString(t, "w")
	t = protowire.AppendTag(t, 1, protowire.VarintType)
	t = protowire.AppendVarint(t, uint64(n))
	t = protowire.AppendTag(t, 2, protowire.VarintType)
	t = protowire.AppendVarint(t, uint64(dt))
	t = protowire.AppendTag(t, field, protowire.BytesType)
	t = protowire.AppendVarint(t, uint64(n))
	var init []byte
	init = protowire.AppendTag(init, 5, protowire.BytesType)
	init = protowire.AppendVarint(init, uint64(len(t)+n))
	init = append(init, t...)
	body := append(append([]byte(nil), head...), init...)
	out := model(13, body, n)
	return append(out, make([]byte, n)...)
}

// SharedWeightConvs is a chain of n 1×1 convolutions, 64 channels in and out on a 1×1 input, all
// reading one 64×64 weight: a 4 MB file whose weight, packed per node, once took 2 GB.
func SharedWeightConvs(n int) []byte {
	const c = 64
	w := make([]float32, c*c)
	for i := range w {
		w[i] = float32(i%7-3) / 64
	}
	g := &onnxpb.Graph{Name: "convs", Initializers: []*onnxpb.Tensor{onnxpb.NewFloatTensor("w", []int64{c, c, 1, 1}, w)}}
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, dims(1, c, 1, 1))
	g.Inputs = []*onnxpb.ValueInfo{x}
	prev := "x"
	for i := range n {
		out := "c" + itoa(i)
		g.Nodes = append(g.Nodes, &onnxpb.Node{Name: out, OpType: "Conv", Inputs: []string{prev, "w"}, Outputs: []string{out}})
		prev = out
	}
	g.Outputs = []*onnxpb.ValueInfo{{Name: prev}}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}

// ReluOutputs is a chain of n Relus, every one of them a graph output: 4 MB that once kept a
// quadratic buffer planner busy for minutes.
func ReluOutputs(n int) []byte {
	g := &onnxpb.Graph{Name: "relus"}
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, dims(1, 4))
	g.Inputs = []*onnxpb.ValueInfo{x}
	prev := "x"
	for i := range n {
		out := "r" + itoa(i)
		g.Nodes = append(g.Nodes, &onnxpb.Node{Name: out, OpType: "Relu", Inputs: []string{prev}, Outputs: []string{out}})
		g.Outputs = append(g.Outputs, &onnxpb.ValueInfo{Name: out})
		prev = out
	}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}

// LiveToTheEnd is a chain of n Relus whose every value a final Concat reads, so that all n
// buffers are live at once: the planner's worst case, with one output.
func LiveToTheEnd(n int) []byte {
	g := &onnxpb.Graph{Name: "live"}
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, dims(1, 4))
	g.Inputs = []*onnxpb.ValueInfo{x}
	prev := "x"
	all := make([]string, 0, n)
	for i := range n {
		out := "r" + itoa(i)
		g.Nodes = append(g.Nodes, &onnxpb.Node{Name: out, OpType: "Relu", Inputs: []string{prev}, Outputs: []string{out}})
		all = append(all, out)
		prev = out
	}
	g.Nodes = append(g.Nodes, &onnxpb.Node{Name: "cat", OpType: "Concat", Inputs: all, Outputs: []string{"y"},
		Attributes: []*onnxpb.Attribute{{Name: "axis", Type: onnxpb.AttrInt, I: 1}}})
	g.Outputs = []*onnxpb.ValueInfo{{Name: "y"}}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}

func dims(ds ...int64) []onnxpb.Dim {
	out := make([]onnxpb.Dim, len(ds))
	for i, d := range ds {
		out[i] = onnxpb.Dim{Value: d, HasValue: true}
	}
	return out
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		if i /= 10; i == 0 {
			return string(b[n:])
		}
	}
}

// ConvReluChain is n Conv+Relu pairs on one shared 8×8 weight: every pair fuses.
func ConvReluChain(n int) []byte {
	const c = 8
	w := make([]float32, c*c)
	for i := range w {
		w[i] = float32(i%5-2) / 8
	}
	g := &onnxpb.Graph{Name: "convrelu", Initializers: []*onnxpb.Tensor{onnxpb.NewFloatTensor("w", []int64{c, c, 1, 1}, w)}}
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, dims(1, c, 2, 2))
	g.Inputs = []*onnxpb.ValueInfo{x}
	prev := "x"
	for i := range n {
		cv, r := "c"+itoa(i), "r"+itoa(i)
		g.Nodes = append(g.Nodes, &onnxpb.Node{Name: cv, OpType: "Conv", Inputs: []string{prev, "w"}, Outputs: []string{cv}},
			&onnxpb.Node{Name: r, OpType: "Relu", Inputs: []string{cv}, Outputs: []string{r}})
		prev = r
	}
	g.Outputs = []*onnxpb.ValueInfo{{Name: prev}}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}

// FlattenChain is n Flatten nodes in a row: each output is a view of its input, so a compiler
// that follows view chains from every value does n² work.
func FlattenChain(n int) []byte {
	g := &onnxpb.Graph{Name: "views"}
	x := &onnxpb.ValueInfo{Name: "x"}
	x.SetTensorType(onnxpb.Float, dims(1, 4))
	g.Inputs = []*onnxpb.ValueInfo{x}
	// A Relu first, so that the chain is of a computed value, not of the input.
	g.Nodes = append(g.Nodes, &onnxpb.Node{Name: "relu", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"v"}})
	prev := "v"
	for i := range n {
		out := "f" + itoa(i)
		g.Nodes = append(g.Nodes, &onnxpb.Node{Name: out, OpType: "Flatten", Inputs: []string{prev}, Outputs: []string{out}})
		prev = out
	}
	g.Nodes = append(g.Nodes, &onnxpb.Node{Name: "sig", OpType: "Sigmoid", Inputs: []string{prev}, Outputs: []string{"y"}})
	g.Outputs = []*onnxpb.ValueInfo{{Name: "y"}}
	return (&onnxpb.Model{IRVersion: 8, Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}).Marshal()
}
