// Command enginerun runs an ONNX model in bonafide's engine (core/model) on a batch of inputs, one
// sample at a time, and writes every output of every sample. The training scripts use it to score
// validation crops with the same engine the browser runs (float and int8 files), next to
// onnxruntime's numbers from ort_batch.mjs.
//
//	go run ./scripts/train/enginerun -model M.onnx -in X.f32 -n N -out Y.f32
//
// X.f32 holds N samples of the model's (single) input, raw little-endian float32, back to back. Y.f32
// gets, for each sample, every output in graph order, flattened and concatenated; the output names
// and shapes go to stdout as JSON.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/bonafide-pad/bonafide/core/model"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "enginerun:", err)
		os.Exit(1)
	}
}

func run() error {
	path := flag.String("model", "", "ONNX model")
	in := flag.String("in", "", "raw float32 inputs, N samples back to back")
	n := flag.Int("n", 1, "number of samples")
	out := flag.String("out", "", "raw float32 outputs")
	flag.Parse()
	m, err := model.LoadFile(*path, model.Options{})
	if err != nil {
		return err
	}
	if len(m.Inputs()) != 1 {
		return fmt.Errorf("model has %d inputs, want 1", len(m.Inputs()))
	}
	per := 1
	for _, d := range m.Inputs()[0].Shape {
		per *= d
	}
	raw, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	if *n < 1 || len(raw) != 4*per**n {
		return fmt.Errorf("%s holds %d bytes, want %d samples x %d float32", *in, len(raw), *n, per)
	}
	s := m.NewRunner()
	x := make([]float32, per)
	var res []byte
	for i := range *n {
		for j := range x {
			x[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(i*per+j):]))
		}
		outs, err := s.RunFloat32(x)
		if err != nil {
			return fmt.Errorf("sample %d: %w", i, err)
		}
		for _, o := range outs {
			for _, v := range o {
				res = binary.LittleEndian.AppendUint32(res, math.Float32bits(v))
			}
		}
	}
	if err := os.WriteFile(*out, res, 0o644); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(m.Outputs())
}
