package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/internal/onnx"
)

// input is one image named on the command line or found under a directory named there.
type input struct {
	path string // as given, or joined under the directory given
	rel  string // path relative to the directory given; the base name for a file given
}

// imageExts are the file names the image commands pick up when walking a directory.
var imageExts = []string{".jpg", ".jpeg", ".png"}

// expandInputs turns the arguments into a list of images: files as they are (whatever their
// name), directories walked recursively for imageExts files, in lexical order.
func expandInputs(args []string) ([]input, error) {
	var out []input
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() {
			out = append(out, input{path: a, rel: filepath.Base(a)})
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !slices.Contains(imageExts, strings.ToLower(filepath.Ext(p))) {
				return nil
			}
			rel, err := filepath.Rel(a, p)
			if err != nil {
				return err
			}
			out = append(out, input{path: p, rel: rel})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walking %s: %w", a, err)
		}
	}
	return out, nil
}

// maxJobs bounds -jobs and -workers: each worker holds a detector (and a checker's buffers), and
// 10^11 of them once exhausted memory before the first image.
const maxJobs = 64

// checkJobs refuses a worker count outside [1, maxJobs] as bad usage.
func checkJobs(flagName string, n int) error {
	if n < 1 || n > maxJobs {
		return usagef("-%s %d: want 1 to %d", flagName, n, maxJobs)
	}
	return nil
}

// noInputs is the error for arguments that name no image.
func noInputs(args []string) error {
	return fmt.Errorf("no .jpg, .jpeg or .png images in %s", strings.Join(args, " "))
}

// readModelFile reads a model file within model.MaxModelBytes (see onnx.ReadFile).
func readModelFile(path string) ([]byte, error) { return onnx.ReadFile(path) }

// readFileMax reads a regular file (or a device, through the limit) of at most max bytes.
func readFileMax(path string, max int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if fi.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &errs.LimitError{Where: "bonafide", What: what, Got: max + 1, Limit: max, Detail: path + " (or more)"}
	}
	return data, nil
}

// readImage decodes one image file with the face package's limits.
func readImage(path string) (*face.Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return face.Decode(f)
}

// round keeps JSON output readable: hundredths of a pixel are below anything the detector
// resolves.
func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// inOrder runs work(worker, i) for i in [0, n) on jobs goroutines (worker in [0, jobs) names the
// goroutine, so that each can own a Detector) and calls emit(i, result) from the calling
// goroutine in the order of i, so that output lines follow the input.
func inOrder[R any](n, jobs int, work func(worker, i int) R, emit func(i int, r R)) {
	jobs = max(1, min(jobs, n))
	type done struct {
		i int
		r R
	}
	next := make(chan int)
	results := make(chan done, jobs)
	for w := range jobs {
		go func() {
			for i := range next {
				results <- done{i, work(w, i)}
			}
		}()
	}
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
	}()
	pending := map[int]R{}
	for want := 0; want < n; {
		d := <-results
		pending[d.i] = d.r
		for r, ok := pending[want]; ok; r, ok = pending[want] {
			delete(pending, want)
			emit(want, r)
			want++
		}
	}
}

// parseErr maps a flag-parsing failure, which the flag set has already reported, to the exit
// status main gives usage errors.
func parseErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errUsage
}
