//go:build !js

// Package oracle runs onnxruntime (onnxruntime-node, through scripts/ort/run.mjs) from Go tests and
// tools, so that results bonafide computes at test time — a model the quantizer just wrote, say — can
// be compared with onnxruntime's on the spot. It is for tests and tools only.
package oracle

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
)

// Tensor is a named float32 tensor.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

type jsonTensor struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
	Data  string `json:"data"`
}

type jsonGolden struct {
	Model   string       `json:"model"`
	Inputs  []jsonTensor `json:"inputs"`
	Outputs []jsonTensor `json:"outputs,omitempty"`
}

// ErrUnavailable means node or onnxruntime-node is not installed (run `make npm`).
var ErrUnavailable = errors.New("oracle: node with onnxruntime-node is not available (run `make npm`)")

// RepoRoot finds the module root from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("oracle: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Available reports whether the oracle can run.
func Available() error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("node"); err != nil {
		return ErrUnavailable
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "onnxruntime-node")); err != nil {
		return ErrUnavailable
	}
	return nil
}

// Opt is an onnxruntime graph optimisation level: "disabled", "basic", "extended" or "all".
//
// For QDQ models the level matters: from "extended" up, onnxruntime rewrites DequantizeLinear →
// MatMul/Conv into integer kernels that also quantize the activations, so its outputs move away from
// the graph's float semantics (by about 5e-3 on MiniFASNetV2's logits). "basic" keeps the graph's
// meaning and is what the parity tests compare with.
type Opt string

// Run runs the model file on the inputs in onnxruntime (optimisation level "basic") and returns
// every graph output.
func Run(modelPath string, inputs []Tensor) ([]Tensor, error) {
	return RunOpt(modelPath, inputs, "basic")
}

// RunOpt is Run at a chosen optimisation level.
func RunOpt(modelPath string, inputs []Tensor, opt Opt) ([]Tensor, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	root, _ := RepoRoot()
	dir, err := os.MkdirTemp("", "bonafide-oracle")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	abs, err := filepath.Abs(modelPath)
	if err != nil {
		return nil, err
	}
	g := jsonGolden{Model: filepath.Base(abs)}
	for _, t := range inputs {
		raw := make([]byte, 4*len(t.Data))
		for i, v := range t.Data {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		g.Inputs = append(g.Inputs, jsonTensor{Name: t.Name, Shape: t.Shape, DType: "float32", Data: base64.StdEncoding.EncodeToString(raw)})
	}
	in, out := filepath.Join(dir, "in.json"), filepath.Join(dir, "out.json")
	b, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(in, b, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(root, "scripts", "ort", "run.mjs"), "--opt="+string(opt), abs, in, out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("oracle: onnxruntime failed: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	b, err = os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var res jsonGolden
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, err
	}
	var outs []Tensor
	for _, t := range res.Outputs {
		raw, err := base64.StdEncoding.DecodeString(t.Data)
		if err != nil {
			return nil, err
		}
		o := Tensor{Name: t.Name, Shape: t.Shape}
		switch t.DType {
		case "float32":
			o.Data = make([]float32, len(raw)/4)
			for i := range o.Data {
				o.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		case "int64":
			o.Data = make([]float32, len(raw)/8)
			for i := range o.Data {
				o.Data[i] = float32(int64(binary.LittleEndian.Uint64(raw[8*i:])))
			}
		default:
			return nil, fmt.Errorf("oracle: output %q has dtype %s", t.Name, t.DType)
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// MaxDiff returns the largest |a−b| and whether every element is within abs or rel·|b|.
func MaxDiff(a, b []float32, abs, rel float64) (float64, bool) {
	if len(a) != len(b) {
		return math.Inf(1), false
	}
	worst, ok := 0.0, true
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		worst = math.Max(worst, d)
		if d > abs && d > rel*math.Abs(float64(b[i])) {
			ok = false
		}
	}
	return worst, ok
}
