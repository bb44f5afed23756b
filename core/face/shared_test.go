package face

import (
	"image"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
)

// sharedDir locates ../shared (NUAA frames, face photos): $BONAFIDE_SHARED, else the shared
// folder beside the repository. Tests that need it skip, saying why, without it.
func sharedDir(t testing.TB) string {
	t.Helper()
	d, why := findShared()
	if d == "" {
		t.Skip(why)
	}
	return d
}

// sharedDirOrEmpty is sharedDir for callers that carry on without the data.
func sharedDirOrEmpty() string {
	d, _ := findShared()
	return d
}

func findShared() (dir, why string) {
	if d := os.Getenv("BONAFIDE_SHARED"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "data")); err == nil {
			return d, ""
		}
		return "", "BONAFIDE_SHARED=" + d + " has no data/ folder: shared test data absent"
	}
	// core/face → repository root → its parent. The source path is known natively; in the
	// browser only the working directory is, which go test sets to this package.
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", "..", "..", "shared"))
	}
	candidates = append(candidates, filepath.Join("..", "..", "..", "shared"))
	for _, d := range candidates {
		if _, err := os.Stat(filepath.Join(d, "data")); err == nil {
			return d, ""
		}
	}
	return "", "shared test data not found: set BONAFIDE_SHARED or put ../shared beside the repository"
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
