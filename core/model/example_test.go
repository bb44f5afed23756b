//go:build !bonafide_lean

package model_test

import (
	"fmt"
	"os"

	"gorgonia.org/tensor"

	"github.com/bonafide-pad/bonafide/core/model"
)

// A model that computes Relu on a 2×3×4×5 input: load it, run it through a Runner (no allocations per
// run) and read the output tensor.
func Example() {
	data, err := os.ReadFile("testdata/ops/relu14.onnx")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := model.Load(data, model.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Inputs()[0].Name, m.Inputs()[0].Shape)
	n := 1
	for _, d := range m.Inputs()[0].Shape {
		n *= d
	}
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(i) - float32(n)/2
	}
	out, err := m.NewRunner().Run(tensor.New(tensor.WithShape(m.Inputs()[0].Shape...), tensor.WithBacking(in)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out[0].Float32s()[:4], out[0].Float32s()[n-2:])
	// Output:
	// x [2 3 4 5]
	// [0 0 0 0] [58 59]
}
