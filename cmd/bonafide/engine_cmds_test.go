package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testNet = "../../core/model/testdata/nets/resnet_64.onnx"

func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestInspect(t *testing.T) {
	out, errOut, code := runCmd(t, "inspect", "-json", testNet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r inspectReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Opset != 13 || r.MACs <= 0 || r.Params <= 0 || len(r.Inputs) != 1 || r.Ops["Conv"] == 0 {
		t.Fatalf("report %+v", r)
	}
	text, _, code := runCmd(t, "inspect", testNet)
	if code != 0 || !strings.Contains(text, "MACs") || !strings.Contains(text, "input ") {
		t.Fatalf("text report (exit %d):\n%s", code, text)
	}
}

func TestInferRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.f32")
	outPath := filepath.Join(dir, "out.f32")
	raw := make([]byte, 4*3*64*64)
	for i := 0; i < len(raw)/4; i++ {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(i%17)/17))
	}
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.f32")
	if err := os.WriteFile(short, raw[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCmd(t, "infer", "-model", testNet, "-input", in, "-shape", "1,3,64,64", "-output", outPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(outPath)
	if err != nil || len(b) == 0 || len(b)%4 != 0 {
		t.Fatalf("output file: %d bytes, %v", len(b), err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"wrong shape", []string{"-model", testNet, "-input", in, "-shape", "1,3,32,32", "-output", outPath}, "does not match"},
		{"short file", []string{"-model", testNet, "-input", short, "-shape", "1,3,64,64", "-output", outPath}, "has 100 bytes"},
		{"bad shape", []string{"-model", testNet, "-input", in, "-shape", "1,x", "-output", outPath}, "bad -shape"},
		{"missing flags", []string{"-model", testNet}, "usage"},
		{"missing model", []string{"-model", filepath.Join(dir, "none.onnx"), "-input", in, "-shape", "1,3,64,64", "-output", outPath}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCmd(t, append([]string{"infer"}, tt.args...)...)
			if code == 0 || !strings.Contains(strings.ToLower(errOut), strings.ToLower(tt.want)) {
				t.Fatalf("exit %d, stderr %q; want failure mentioning %q", code, errOut, tt.want)
			}
		})
	}
}

func TestQuantizeCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "q.onnx")
	stdout, errOut, code := runCmd(t, "quantize", "-in", testNet, "-out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "of the float file") {
		t.Fatalf("stdout %q", stdout)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.Stat(testNet)
	if float64(fi.Size()) > 0.3*float64(orig.Size()) {
		t.Errorf("quantized %d bytes from %d, want ≤ 30%%", fi.Size(), orig.Size())
	}
	_, errOut, code = runCmd(t, "quantize", "-in", out, "-out", out+"2")
	if code == 0 || !strings.Contains(errOut, "already quantized") {
		t.Fatalf("re-quantizing: exit %d, %q", code, errOut)
	}
}
