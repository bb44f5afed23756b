package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestUpToDate fails when the committed kernels differ from what the generator writes: edit
// main.go and run go generate in internal/kernel, never the generated files.
func TestUpToDate(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("source checks run natively: a browser has no file system")
	}
	for _, k := range kernels {
		want, err := k.generate()
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "..", k.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate in internal/kernel", k.file)
		}
	}
	dw, err := generateDepthwise()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join("..", "..", dwFile)); err != nil || !bytes.Equal(got, dw) {
		t.Errorf("%s is stale (%v): run go generate in internal/kernel", dwFile, err)
	}
	var want bytes.Buffer
	writeAsm(&want)
	got, err := os.ReadFile(filepath.Join("..", "..", asmFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("%s is stale: run go generate in internal/kernel", asmFile)
	}
}

// TestDepthwiseVariants checks that the generated file has every variant, each finishing its
// output vectors with its own epilogue and no other's.
func TestDepthwiseVariants(t *testing.T) {
	src, err := generateDepthwise()
	if err != nil {
		t.Fatal(err)
	}
	fns := bytes.Split(src, []byte("\nfunc "))
	for _, v := range variants {
		var body []byte
		for _, f := range fns {
			if bytes.HasPrefix(f, []byte(v.Name+"(")) {
				body = f
			}
		}
		if body == nil {
			t.Errorf("%s missing from the generated source", v.Name)
			continue
		}
		for _, e := range []epilogue{clamp, pRelu} {
			if has := bytes.Contains(body, []byte(e.apply("acc"))); has != (e == v.Ep) {
				t.Errorf("%s: finishes with %q: %v, want %v", v.Name, e.apply("acc"), has, e == v.Ep)
			}
		}
	}
}
