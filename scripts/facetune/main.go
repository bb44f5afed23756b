// Command facetune measures the face front end (core/face) on the developers' data in ../shared:
// the figures behind the detector's box calibration, the quality gate's limits and the README's
// detection table. These are tuning runs, not tests: they read thousands of frames and print
// tables; `make test` does not run them.
//
//	go run ./scripts/facetune calibrate [-every N]   BlazeFace's box against pico's, on NUAA frames
//	go run ./scripts/facetune count [-back]          faces found per source, BlazeFace and pigo
//	go run ./scripts/facetune quality                the measures behind the quality limits
//	go run ./scripts/facetune roll                   roll from the eye line on turned frames; tracker jitter
//
// The shared folder is $BONAFIDE_SHARED, else ../shared beside the repository.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/internal/sharedtest"
	"github.com/bonafide-pad/bonafide/models"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmds := map[string]func([]string) error{
		"calibrate": calibrate,
		"count":     count,
		"quality":   quality,
		"roll":      roll,
		"goldens":   goldens,
	}
	run, ok := cmds[os.Args[1]]
	if !ok {
		usage()
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "facetune:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./scripts/facetune calibrate|count|quality|roll [flags]")
	os.Exit(2)
}

func sharedDir() string {
	d, why := sharedtest.Find("data")
	if d == "" {
		fmt.Fprintln(os.Stderr, "facetune:", why)
		os.Exit(1)
	}
	return d
}

// files returns the sorted files matching pattern under the shared folder.
func files(pattern string) []string {
	fs, err := filepath.Glob(filepath.Join(sharedDir(), "data", pattern))
	if err != nil {
		panic(err)
	}
	sort.Strings(fs)
	return fs
}

func decodeFile(path string) (*face.Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return face.Decode(f)
}

// detectors builds one BlazeFace (front or back model) and one Pigo.
type detectors struct {
	bf   *face.BlazeFace
	pigo *face.Pigo
}

func newDetectors(back bool) detectors {
	m := models.BlazeFaceFront
	if back {
		m = models.BlazeFaceBack
	}
	bf, err := face.NewBlazeFace(m, face.BlazeFaceOptions{})
	if err != nil {
		panic(err)
	}
	p, err := face.NewPigo(face.PigoOptions{})
	if err != nil {
		panic(err)
	}
	return detectors{bf, p}
}

// parallel runs fn over paths on GOMAXPROCS workers, each with its own detectors, and returns the
// results in the order of paths.
func parallel[R any](paths []string, back bool, fn func(d detectors, path string) R) []R {
	out := make([]R, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newDetectors(back)
			for i := range next {
				out[i] = fn(d, paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// percentile returns the p-th percentile (0..100) of v by nearest rank; v is sorted in place.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	i := int(float64(len(v))*p/100+0.999999) - 1
	return v[min(max(i, 0), len(v)-1)]
}

func pcts(v []float64) string {
	return fmt.Sprintf("p1 %7.3f  p5 %7.3f  p25 %7.3f  p50 %7.3f  p75 %7.3f  p95 %7.3f  p99 %7.3f  (n %d)",
		percentile(v, 1), percentile(v, 5), percentile(v, 25), percentile(v, 50), percentile(v, 75),
		percentile(v, 95), percentile(v, 99), len(v))
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("facetune "+name, flag.ExitOnError)
	return fs
}

func short(path string) string {
	return strings.TrimPrefix(path, sharedDir()+string(filepath.Separator))
}
