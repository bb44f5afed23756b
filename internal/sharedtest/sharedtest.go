// Package sharedtest finds the developers' data folder (../shared: NUAA frames, face photos,
// third-party models) for the tests that use it. It is not in the repository, so a test that needs
// it skips, saying why, where it is absent: `make test` passes on a fresh clone either way.
package sharedtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Find returns the shared folder: $BONAFIDE_SHARED, else the folder named shared beside the
// repository. sub names what the caller needs inside it (e.g. "data"); the folder counts only if
// that exists. Without one, dir is empty and why says what is missing.
func Find(sub ...string) (dir, why string) {
	need := filepath.Join(sub...)
	has := func(d string) bool {
		_, err := os.Stat(filepath.Join(d, need))
		return err == nil
	}
	if d := os.Getenv("BONAFIDE_SHARED"); d != "" {
		if has(d) {
			return d, ""
		}
		return "", "shared test data absent: BONAFIDE_SHARED is set but " + filepath.Join(d, need) + " does not exist"
	}
	// The source path is known natively; in the browser (wasmbrowsertest) only the working
	// directory is, which go test sets to the package under test, two levels below the root.
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", "..", "..", "shared"))
	}
	candidates = append(candidates, filepath.Join("..", "..", "..", "shared"))
	for _, d := range candidates {
		if has(d) {
			return d, ""
		}
	}
	return "", "shared test data not found (" + filepath.Join("shared", need) + "): set BONAFIDE_SHARED or put shared/ beside the repository"
}

// Dir is Find for a test: it skips t, saying why, when the folder is absent.
func Dir(t testing.TB, sub ...string) string {
	t.Helper()
	d, why := Find(sub...)
	if d == "" {
		t.Skip(why)
	}
	return d
}
