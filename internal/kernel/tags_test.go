package kernel_test

import (
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBuildTags checks the file naming contract that keeps the two builds apart: files importing
// simd/archsimd are named *_wasmsimd.go and built only with GOEXPERIMENT=simd on wasm; *_generic.go
// files hold the generic implementation, which every build has (so that kerneltest can compare it
// with the SIMD one), and carry no tag, except the one that picks the default (impl_default_generic.go)
// which carries exactly the negation. A file missing its tag would break one build or silently swap
// kernels in the other.
func TestBuildTags(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("source checks run natively: a browser has no file system")
	}
	const simdTag = "goexperiment.simd && wasm"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		var tag string
		for _, line := range strings.Split(string(src), "\n") {
			if constraint.IsGoBuild(line) {
				expr, err := constraint.Parse(line)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				tag = expr.String()
			}
			if strings.HasPrefix(line, "package ") {
				break
			}
		}
		usesSIMD := false
		for _, imp := range f.Imports {
			if imp.Path.Value == `"simd/archsimd"` {
				usesSIMD = true
			}
		}
		switch {
		case strings.HasSuffix(name, "_wasmsimd.go"):
			if tag != simdTag {
				t.Errorf("%s: build tag %q, want %q", name, tag, simdTag)
			}
		case name == "impl_default_generic.go":
			if tag != "!("+simdTag+")" {
				t.Errorf("%s: build tag %q, want %q", name, tag, "!("+simdTag+")")
			}
		case strings.HasSuffix(name, "_generic.go") && tag != "":
			t.Errorf("%s: build tag %q: the generic implementation is in every build", name, tag)
		case usesSIMD:
			t.Errorf("%s imports simd/archsimd but is not a *_wasmsimd.go file", name)
		case tag != "":
			t.Errorf("%s: unexpected build tag %q in a file shared by both builds", name, tag)
		}
	}
}
