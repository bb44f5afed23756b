package main

import (
	"fmt"
	"io"
	"os"

	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/internal/quant"
)

func init() {
	register(command{name: "quantize", summary: "write an INT8 weight-quantized (QDQ) copy of a float ONNX model", run: runQuantize})
}

func runQuantize(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("quantize", stderr)
	in := fs.String("in", "", "float ONNX model")
	out := fs.String("out", "", "where to write the quantized model")
	minElems := fs.Int("min-elements", quant.DefaultMinElements, "weight tensors smaller than this stay float32")
	perTensor := fs.Bool("per-tensor", false, "one scale per tensor instead of per output channel")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *in == "" || *out == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: bonafide quantize -in M.onnx -out Q.onnx [-min-elements N] [-per-tensor]")
		return errUsage
	}
	if *minElems < 1 {
		// It once fell back to the default silently.
		return usagef("-min-elements %d: want at least 1", *minElems)
	}
	data, err := readModelFile(*in)
	if err != nil {
		return err
	}
	q, rep, err := quant.Quantize(data, quant.Options{MinElements: *minElems, PerTensor: *perTensor})
	if err != nil {
		return err
	}
	// Refuse to write a file our own engine cannot load.
	if _, err := model.Load(q, model.Options{}); err != nil {
		return fmt.Errorf("the quantized model does not load: %w", err)
	}
	if err := os.WriteFile(*out, q, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "quantized %d weight tensors (%d kept float32): %d → %d bytes (%.1f%% of the float file)\n",
		len(rep.Quantized), rep.KeptFloat, len(data), len(q), 100*float64(len(q))/float64(len(data)))
	return nil
}
