package face

import (
	"image"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/sharedtest"
)

// sharedDir is the shared data folder (NUAA frames, face photos); tests that need it skip without it.
func sharedDir(t testing.TB) string { return sharedtest.Dir(t, "data") }

// sharedDirOrEmpty is sharedDir for callers that carry on without the data.
func sharedDirOrEmpty() string {
	d, _ := sharedtest.Find("data")
	return d
}

// globFiles returns the sorted files matching pattern under the shared directory, skipping the
// test when there are none.
func globFiles(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sharedDir(t), pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		sharedtest.Missing(t, "no files match %s in the shared data", pattern)
	}
	sort.Strings(files)
	return files
}

func loadImage(t testing.TB, path string) *image.RGBA {
	t.Helper()
	img, err := decodeFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func decodeFile(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fr, err := Decode(f)
	if err != nil {
		return nil, err
	}
	return fr.RGBA(), nil
}
