package face

import (
	"image"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
)

// sharedDir locates ../shared (NUAA frames, face photos): $BONAFIDE_SHARED, else ../../shared
// from this package (the repository's sibling). Tests that need it skip, saying why, without it.
func sharedDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("BONAFIDE_SHARED"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "data")); err == nil {
			return d
		}
		t.Skipf("BONAFIDE_SHARED=%s has no data/ folder: shared test data absent", d)
	}
	_, file, _, ok := runtime.Caller(0)
	if ok {
		// core/face → repo root → its parent.
		d := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
		if _, err := os.Stat(filepath.Join(d, "data")); err == nil {
			return d
		}
	}
	if _, err := os.Stat("../../../shared/data"); err == nil {
		return "../../../shared"
	}
	t.Skip("shared test data not found: set BONAFIDE_SHARED or check out ../shared next to the repository")
	return ""
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
		t.Skipf("no files match %s in the shared data", pattern)
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
	return Decode(f)
}
