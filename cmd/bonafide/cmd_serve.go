package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"
)

func init() {
	register(command{name: "serve", summary: "serve a directory over HTTP for the web demo (wasm/ES-module MIME types, optional COOP/COEP)", run: runServe})
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port; the URL is printed)")
	dir := fs.String("dir", ".", "directory to serve (nothing outside it is reachable, symlinks included)")
	isolated := fs.Bool("isolated", false, "send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, "+
		"making pages cross-origin isolated (needed by performance.measureUserAgentSpecificMemory and SharedArrayBuffer)")
	verbose := fs.Bool("v", false, "log each request to stderr")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: bonafide serve [-addr HOST:PORT] [-dir DIR] [-isolated] [-v]")
		return errUsage
	}
	h, err := newStaticHandler(*dir, staticOptions{Isolated: *isolated})
	if err != nil {
		return err
	}
	defer h.Close()
	var handler http.Handler = h
	if *verbose {
		handler = logRequests(h, stderr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "serving %s on http://%s/\n", *dir, ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			return err
		}
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

type staticOptions struct {
	// Isolated adds COOP/COEP/CORP headers (cross-origin isolation).
	Isolated bool
}

// staticHandler serves files from one directory through an os.Root, so that neither "..", an
// encoded "..", nor a symlink can reach outside it. It serves GET and HEAD only, no directory
// listings and no dot-files, with explicit MIME types: browsers refuse ES modules and
// WebAssembly.compileStreaming without the right ones.
type staticHandler struct {
	root *os.Root
	fsys fs.FS
	opts staticOptions
}

func newStaticHandler(dir string, opts staticOptions) (*staticHandler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return &staticHandler{root: root, fsys: root.FS(), opts: opts}, nil
}

func (h *staticHandler) Close() error { return h.root.Close() }

// mimeTypes are set explicitly rather than from the system's mime.types, which varies by machine.
var mimeTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".wasm": "application/wasm",
	".onnx": "application/octet-stream",
	".ts":   "text/plain; charset=utf-8", // bonafide.d.ts; not video/mp2t
	".md":   "text/markdown; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".ico":  "image/x-icon",
	".y4m":  "application/octet-stream",
}

func (h *staticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-cache")
	if h.opts.Isolated {
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Embedder-Policy", "require-corp")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	clean := path.Clean("/" + r.URL.Path) // r.URL.Path is already percent-decoded
	name := strings.TrimPrefix(clean, "/")
	if name == "" {
		name = "."
	}
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") && seg != "." {
			http.NotFound(w, r)
			return
		}
	}
	fi, err := fs.Stat(h.fsys, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if fi.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, path.Base(clean)+"/", http.StatusMovedPermanently)
			return
		}
		name = path.Join(name, "index.html")
		if fi, err = fs.Stat(h.fsys, name); err != nil || fi.IsDir() {
			http.NotFound(w, r) // no directory listings
			return
		}
	}
	f, err := h.fsys.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.Error(w, "cannot serve this file", http.StatusInternalServerError)
		return
	}
	ct, ok := mimeTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		ct = "application/octet-stream"
	}
	hd.Set("Content-Type", ct)
	http.ServeContent(w, r, name, fi.ModTime(), rs)
}

func logRequests(h http.Handler, w io.Writer) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: rw, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		fmt.Fprintf(w, "%s %s %d\n", r.Method, r.URL.RequestURI(), rec.status)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
