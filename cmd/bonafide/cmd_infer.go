package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/bonafide-pad/bonafide/core/model"
)

func init() {
	register(command{name: "infer", summary: "run a model on raw float32 input (little-endian) and write the first output", run: runInfer})
}

func runInfer(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("infer", stderr)
	modelPath := fs.String("model", "", "ONNX model file")
	inPath := fs.String("input", "", "raw little-endian float32 data for the first input")
	shapeArg := fs.String("shape", "", "shape of the input, e.g. 1,3,80,80 (its first axis sets a dynamic batch)")
	outPath := fs.String("output", "", "where to write the first output as raw little-endian float32")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *modelPath == "" || *inPath == "" || *shapeArg == "" || *outPath == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: bonafide infer -model M.onnx -input IN.f32 -shape 1,3,80,80 -output OUT.f32")
		return errUsage
	}
	shape, err := parseShape(*shapeArg)
	if err != nil {
		return err
	}
	m, err := model.LoadFile(*modelPath, model.Options{Batch: shape[0]})
	if err != nil {
		return err
	}
	ins := m.Inputs()
	if len(ins) != 1 {
		return fmt.Errorf("the model takes %d inputs; infer feeds exactly one", len(ins))
	}
	if !slices.Equal(ins[0].Shape, shape) {
		return fmt.Errorf("-shape %v does not match the model's input %q %v", shape, ins[0].Name, ins[0].Shape)
	}
	data, err := readF32(*inPath, ins[0].Len())
	if err != nil {
		return err
	}
	outs, err := m.NewRunner().RunFloat32(data)
	if err != nil {
		return err
	}
	if err := writeF32(*outPath, outs[0]); err != nil {
		return err
	}
	o := m.Outputs()[0]
	fmt.Fprintf(stdout, "wrote output %q %v (%d float32) to %s\n", o.Name, o.Shape, len(outs[0]), *outPath)
	return nil
}

func parseShape(s string) ([]int, error) {
	var shape []int
	for _, p := range strings.Split(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || d <= 0 || d > 1<<24 {
			return nil, fmt.Errorf("bad -shape %q: dimensions must be positive integers", s)
		}
		shape = append(shape, d)
	}
	return shape, nil
}

func readF32(path string, n int) ([]float32, error) {
	// Read through a limit one past the size the shape needs: a folder or a device cannot pass
	// for a file of the right size (a folder once read as "has 4096 bytes").
	raw, err := readFileMax(path, int64(4*n), "input size in bytes")
	if err != nil {
		return nil, err
	}
	if len(raw) != 4*n {
		return nil, fmt.Errorf("%s has %d bytes; the shape needs %d float32 = %d bytes", path, len(raw), n, 4*n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

func writeF32(path string, data []float32) error {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return os.WriteFile(path, raw, 0o644)
}

var _ = flag.ErrHelp
