package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestUpToDate fails when the committed kernels differ from what the generator writes: edit
// main.go and run go generate in internal/kernel, never the generated file.
func TestUpToDate(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("source checks run natively: a browser has no file system")
	}
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", outFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate in internal/kernel", outFile)
	}
}

// TestVariants checks that each epilogue finishes every output vector of its stride's template
// and that the generated source names every variant.
func TestVariants(t *testing.T) {
	src, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		if !bytes.Contains(src, []byte("func "+v.Name+"(")) {
			t.Errorf("%s missing from the generated source", v.Name)
		}
	}
	for _, s := range []int{1, 2} {
		if !bytes.Contains([]byte(bodies[s]), []byte(`{{ep "acc"}}`)) {
			t.Errorf("stride %d template finishes no vector through ep", s)
		}
	}
}
