package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"

	"github.com/bonafide-pad/bonafide/core/model"
)

func init() {
	register(command{name: "inspect", summary: "print a model's inputs, outputs, ops, opset, metadata, parameters and MACs", run: runInspect})
}

type inspectReport struct {
	Path       string             `json:"path"`
	Bytes      int64              `json:"bytes"`
	Opset      int                `json:"opset"`
	Producer   string             `json:"producer,omitempty"`
	Inputs     []model.TensorInfo `json:"inputs"`
	Outputs    []model.TensorInfo `json:"outputs"`
	Ops        map[string]int     `json:"ops"`
	Params     int64              `json:"params"`
	MACs       int64              `json:"macs"`
	Steps      int                `json:"steps"`
	ArenaBytes int64              `json:"arena_bytes"`
	Metadata   map[string]string  `json:"metadata"`
}

func runInspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: bonafide inspect [-json] MODEL.onnx")
		return errUsage
	}
	path := fs.Arg(0)
	data, err := readModelFile(path)
	if err != nil {
		return err
	}
	m, err := model.Load(data, model.Options{})
	if err != nil {
		return err
	}
	r := inspectReport{Path: path, Bytes: int64(len(data)), Opset: m.Opset(), Producer: m.Producer(), Inputs: m.Inputs(),
		Outputs: m.Outputs(), Ops: m.Ops(), Params: m.Params(), MACs: m.MACs(), Steps: len(m.Steps()),
		ArenaBytes: m.ArenaBytes(), Metadata: m.Metadata()}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(stdout, "model     %s (%d bytes)\n", path, r.Bytes)
	fmt.Fprintf(stdout, "opset     %d", r.Opset)
	if r.Producer != "" {
		fmt.Fprintf(stdout, " (producer %s)", r.Producer)
	}
	fmt.Fprintln(stdout)
	for _, in := range r.Inputs {
		fmt.Fprintf(stdout, "input     %s %v\n", in.Name, in.Shape)
	}
	for _, out := range r.Outputs {
		fmt.Fprintf(stdout, "output    %s %v\n", out.Name, out.Shape)
	}
	fmt.Fprintf(stdout, "params    %d\n", r.Params)
	fmt.Fprintf(stdout, "MACs      %d (%.1f M)\n", r.MACs, float64(r.MACs)/1e6)
	fmt.Fprintf(stdout, "steps     %d after folding and fusion; %d bytes of buffers per session\n", r.Steps, r.ArenaBytes)
	fmt.Fprint(stdout, "ops      ")
	for _, op := range slices.Sorted(maps.Keys(r.Ops)) {
		fmt.Fprintf(stdout, " %s×%d", op, r.Ops[op])
	}
	fmt.Fprintln(stdout)
	keys := slices.Collect(maps.Keys(r.Metadata))
	if len(keys) == 0 {
		fmt.Fprintln(stdout, "metadata  (none)")
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "metadata  %s = %s\n", k, r.Metadata[k])
	}
	return nil
}
