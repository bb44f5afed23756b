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
