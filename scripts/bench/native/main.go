// Command native times bonafide's engine natively (the same core/model code the browser runs, built
// for the host) on ONNX files, for the "native Go" column of `make bench` (scripts/bench/run.mjs).
// It also draws the synthetic 640×480 face frame the end-to-end benchmark uses when ../shared has
// no face photos.
//
//	go run -tags bonafide_lean ./scripts/bench/native -runs 60 -budget 20s a.onnx b.onnx   # JSON on stdout
//	go run ./scripts/bench/native -face-png frame.png
//	go run ./scripts/bench/native -gemm-onnx gemm.onnx     # the packed-GEMM ceiling model
//
// Runs are interleaved (one run of each model per round) so that load from other processes falls on
// every model alike; each model runs on its own Runner, one goroutine, like the browser's single
// thread.
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"math"
	"os"
	"sort"
	"time"

	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/internal/facetest"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

type result struct {
	File     string  `json:"file"`
	MACs     int64   `json:"macs"`
	Runs     int     `json:"runs"`
	MedianMs float64 `json:"median_ms"`
	P95Ms    float64 `json:"p95_ms"`
	Error    string  `json:"error,omitempty"`
}

type bench struct {
	res  *result
	sess *model.Runner
	ins  [][]float32
	ms   []float64
	want int // timed runs
}

func main() {
	runs := flag.Int("runs", 60, "timed runs per model (at most)")
	budget := flag.Duration("budget", 0, "if set, a model whose warm-up run takes longer than budget/runs gets fewer runs (at least -min-runs) so it takes about this long")
	minRuns := flag.Int("min-runs", 3, "fewest timed runs under -budget")
	warmup := flag.Int("warmup", 5, "untimed runs per model first")
	facePNG := flag.String("face-png", "", "write the synthetic 640×480 face frame to this PNG and exit")
	gemmONNX := flag.String("gemm-onnx", "", "write the packed-GEMM ceiling model (8 chained 1×1 Convs) to this ONNX file and exit")
	flag.Parse()
	if *facePNG != "" || *gemmONNX != "" {
		var err error
		if *facePNG != "" {
			err = writeFace(*facePNG)
		} else {
			err = os.WriteFile(*gemmONNX, gemmModel(), 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "native:", err)
			os.Exit(1)
		}
		return
	}
	if *runs < 1 || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: native [-runs N] [-warmup N] model.onnx... | native -face-png out.png")
		os.Exit(2)
	}
	var bs []*bench
	var out []*result
	for _, f := range flag.Args() {
		r := &result{File: f}
		out = append(out, r)
		b, err := load(f, r)
		if err != nil {
			r.Error = err.Error()
			continue
		}
		bs = append(bs, b)
	}
	for i := 0; i < max(*warmup, 1); i++ {
		for _, b := range bs {
			if i > 0 && b.want < *runs {
				continue // a model on a budget warms up once
			}
			t0 := time.Now()
			if _, err := b.sess.RunFloat32(b.ins...); err != nil {
				b.res.Error = err.Error()
			}
			b.want = *runs
			if t := time.Since(t0); *budget > 0 && t > 0 {
				b.want = min(*runs, max(*minRuns, int(*budget/t)))
			}
		}
	}
	for i := 0; i < *runs; i++ {
		for _, b := range bs {
			if i >= b.want {
				continue
			}
			t0 := time.Now()
			_, err := b.sess.RunFloat32(b.ins...)
			b.ms = append(b.ms, float64(time.Since(t0).Nanoseconds())/1e6)
			if err != nil {
				b.res.Error = err.Error()
			}
		}
	}
	for _, b := range bs {
		sort.Float64s(b.ms)
		b.res.Runs = len(b.ms)
		b.res.MedianMs = quantile(b.ms, 0.5)
		b.res.P95Ms = quantile(b.ms, 0.95)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "native:", err)
		os.Exit(1)
	}
}

func load(file string, r *result) (*bench, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m, err := model.Load(data, model.Options{Batch: 1})
	if err != nil {
		return nil, err
	}
	r.MACs = m.MACs()
	b := &bench{res: r, sess: m.NewRunner()}
	for i, in := range m.Inputs() {
		n := 1
		for _, d := range in.Shape {
			n *= d
		}
		if n <= 0 {
			return nil, errors.New("native: input " + in.Name + " has an empty shape")
		}
		x := make([]float32, n)
		s := uint32(2463534242 + i)
		for j := range x {
			s ^= s << 13
			s ^= s >> 17
			s ^= s << 5
			x[j] = float32(s>>8)/float32(1<<24)*2 - 1
		}
		b.ins = append(b.ins, x)
	}
	return b, nil
}

// quantile of sorted xs by the nearest-rank method, as scripts/bench/run.mjs computes it.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(q*float64(len(xs))+0.999999) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}

func writeFace(path string) error {
	img := facetest.Face(640, 480, 320, 230, 200, 0)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// The ceiling model: gemmLayers 1×1 convolutions of gemmC channels to gemmC (with Relu) over a
// gemmHW² plane, 134 M MACs, which bonafide runs as its packed GEMM (weights packed once, the input
// packed a chunk of columns at a time) with K, M and N large enough that tile edges and epilogues
// cost little: the GFLOP/s of the best kernel on this machine, measured in the same page as the
// models, for both engines. A chain keeps the input and output small (256 KB each), so the copies in
// and out of the engines weigh little against the arithmetic.
const (
	gemmC      = 256
	gemmHW     = 16
	gemmLayers = 8
)

// gemmModel returns the ceiling model's ONNX bytes (opset 13; deterministic weights).
func gemmModel() []byte {
	s := uint32(12345)
	weights := func() []byte {
		w := make([]byte, 4*gemmC*gemmC)
		for i := 0; i < gemmC*gemmC; i++ {
			s ^= s << 13
			s ^= s >> 17
			s ^= s << 5
			binary.LittleEndian.PutUint32(w[4*i:], math.Float32bits((float32(s>>8)/float32(1<<24)*2-1)/16))
		}
		return w
	}
	dims := func(ds ...int64) []onnxpb.Dim {
		out := make([]onnxpb.Dim, len(ds))
		for i, d := range ds {
			out[i] = onnxpb.Dim{Value: d, HasValue: true}
		}
		return out
	}
	in := &onnxpb.ValueInfo{Name: "x"}
	in.SetTensorType(onnxpb.Float, dims(1, gemmC, gemmHW, gemmHW))
	out := &onnxpb.ValueInfo{Name: "y"}
	out.SetTensorType(onnxpb.Float, dims(1, gemmC, gemmHW, gemmHW))
	g := &onnxpb.Graph{Name: "gemm-ceiling", Inputs: []*onnxpb.ValueInfo{in}, Outputs: []*onnxpb.ValueInfo{out}}
	prev := "x"
	for i := 0; i < gemmLayers; i++ {
		w, c, r := fmt.Sprintf("w%d", i), fmt.Sprintf("c%d", i), fmt.Sprintf("r%d", i)
		if i == gemmLayers-1 {
			r = "y"
		}
		g.Initializers = append(g.Initializers, &onnxpb.Tensor{Name: w, Dims: []int64{gemmC, gemmC, 1, 1}, DataType: onnxpb.Float, RawData: weights()})
		g.Nodes = append(g.Nodes,
			&onnxpb.Node{Inputs: []string{prev, w}, Outputs: []string{c}, Name: c, OpType: "Conv",
				Attributes: []*onnxpb.Attribute{{Name: "kernel_shape", Type: onnxpb.AttrInts, Ints: []int64{1, 1}}}},
			&onnxpb.Node{Inputs: []string{c}, Outputs: []string{r}, Name: r, OpType: "Relu"})
		prev = r
	}
	m := &onnxpb.Model{IRVersion: 7, ProducerName: "bonafide scripts/bench/native -gemm-onnx", Opsets: []onnxpb.OperatorSet{{Version: 13}}, Graph: g}
	return m.Marshal()
}
