//go:build !js

package main

import (
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestBrowserOnlyFiles runs natively (go test ./wasm/): every Go file of this package except this
// one must be built only for js/wasm, and none may import syscall/js directly (all JS calls go
// through safejs, which turns thrown values into errors).
func TestBrowserOnlyFiles(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d Go files; run from the package directory", len(files))
	}
	for _, path := range files {
		if path == "wasm_tags_test.go" {
			continue
		}
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !hasJSWasmConstraint(string(src)) {
				t.Errorf("%s lacks a //go:build js && wasm line before its package clause", path)
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == "syscall/js" {
					t.Errorf("%s imports syscall/js: use github.com/hack-pad/safejs", path)
				}
			}
		})
	}
}

// hasJSWasmConstraint reports whether the file's leading comments hold a build constraint that is
// satisfied only when both js and wasm are set.
func hasJSWasmConstraint(src string) bool {
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "//") {
			return false // the package clause or code: constraints must come before
		}
		expr, err := constraint.Parse(line)
		if err != nil {
			continue
		}
		only := func(js, wasm bool) bool {
			return expr.Eval(func(tag string) bool {
				switch tag {
				case "js":
					return js
				case "wasm":
					return wasm
				}
				return false
			})
		}
		return only(true, true) && !only(false, true) && !only(true, false) && !only(false, false)
	}
	return false
}

func TestHasJSWasmConstraint(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want bool
	}{
		{"js and wasm", "//go:build js && wasm\n\npackage main\n", true},
		{"wasm and js", "// Copyright\n\n//go:build wasm && js\n\npackage main\n", true},
		{"none", "package main\n", false},
		{"js only", "//go:build js\n\npackage main\n", false},
		{"or", "//go:build js || wasm\n\npackage main\n", false},
		{"after package", "package main\n//go:build js && wasm\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasJSWasmConstraint(tt.src); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
