package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// serveTree lays out a site with a symlink that points outside it. linked is
// false where the platform cannot make symlinks (GOOS=js), and the cases that
// need the link are skipped there.
func serveTree(t *testing.T) (dir, outside string, linked bool) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "site")
	outside = filepath.Join(base, "secret.txt")
	files := map[string]string{
		"index.html":          "<!doctype html>home",
		"bonafide.wasm":       "\x00asm",
		"bonafide.mjs":        "export {}",
		"wasm_exec.js":        "'use strict'",
		"bonafide.d.ts":       "export {}",
		"models/default.onnx": "onnx",
		"demo/index.html":     "demo",
		"empty/keep.bin":      "x",
		".git/config":         "secret",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(outside, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.txt")); err != nil {
		if runtime.GOOS != "js" {
			t.Fatal(err)
		}
		t.Logf("no symlink case: %v", err)
		return dir, outside, false
	}
	return dir, outside, true
}

func TestServeStatic(t *testing.T) {
	dir, _, linked := serveTree(t)
	h, err := newStaticHandler(dir, staticOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	tests := []struct {
		name, method, path string
		status             int
		ctype, body        string
	}{
		{"root index", "GET", "/", 200, "text/html; charset=utf-8", "<!doctype html>home"},
		{"wasm", "GET", "/bonafide.wasm", 200, "application/wasm", "\x00asm"},
		{"module", "GET", "/bonafide.mjs", 200, "text/javascript; charset=utf-8", "export {}"},
		{"classic script", "GET", "/wasm_exec.js", 200, "text/javascript; charset=utf-8", ""},
		{"d.ts is text", "GET", "/bonafide.d.ts", 200, "text/plain; charset=utf-8", ""},
		{"model", "GET", "/models/default.onnx", 200, "application/octet-stream", "onnx"},
		{"head", "HEAD", "/bonafide.wasm", 200, "application/wasm", ""},
		{"directory index", "GET", "/demo/", 200, "text/html; charset=utf-8", "demo"},
		{"directory redirect", "GET", "/demo", 301, "", ""},
		{"no listing", "GET", "/empty/", 404, "", ""},
		{"missing", "GET", "/nope.js", 404, "", ""},
		{"dot-dot", "GET", "/../secret.txt", 404, "", ""},
		{"encoded dot-dot", "GET", "/%2e%2e/secret.txt", 404, "", ""},
		{"dot-dot inside", "GET", "/demo/../../secret.txt", 404, "", ""},
		{"symlink out of the root", "GET", "/link.txt", 404, "", ""},
		{"dot-file", "GET", "/.git/config", 404, "", ""},
		{"post", "POST", "/index.html", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.name, "symlink") && !linked {
				t.Skip("this platform cannot make symlinks")
			}
			req := httptest.NewRequest(tt.method, "http://x"+tt.path, nil)
			if strings.Contains(tt.path, "%2e") {
				req.URL.Path = "/../secret.txt" // what the server sees after decoding
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.status, rec.Body.String())
			}
			if tt.ctype != "" && rec.Header().Get("Content-Type") != tt.ctype {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tt.ctype)
			}
			if tt.body != "" && rec.Body.String() != tt.body {
				t.Errorf("body %q, want %q", rec.Body.String(), tt.body)
			}
			if strings.Contains(rec.Body.String(), "outside") || strings.Contains(rec.Body.String(), "secret") {
				t.Errorf("served a file from outside the root: %q", rec.Body.String())
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff header")
			}
			if rec.Header().Get("Cross-Origin-Opener-Policy") != "" {
				t.Error("COOP sent without -isolated")
			}
		})
	}
}

func TestServeIsolated(t *testing.T) {
	dir, _, _ := serveTree(t)
	h, err := newStaticHandler(dir, staticOptions{Isolated: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://x/", nil))
	for k, v := range map[string]string{"Cross-Origin-Opener-Policy": "same-origin",
		"Cross-Origin-Embedder-Policy": "require-corp", "Cross-Origin-Resource-Policy": "same-origin"} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

// TestServeCommand runs the command itself on a free port and fetches a file through it.
func TestServeCommand(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("a browser page cannot listen on a TCP port")
	}
	dir, _, _ := serveTree(t)
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errOut bytes.Buffer
	go func() {
		done <- run([]string{"serve", "-addr", "127.0.0.1:0", "-dir", dir}, pw, &errOut)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("no URL in %q", line)
	}
	url := strings.TrimSpace(line[i:])
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url + "bonafide.wasm")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/wasm" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The server stops on SIGINT; here the test process just leaves it running until exit.
	select {
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, errOut.String())
	default:
	}
}

func TestServeBadDir(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"serve", "-dir", filepath.Join(t.TempDir(), "missing")}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, errOut.String())
	}
}
