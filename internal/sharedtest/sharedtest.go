// Package sharedtest finds the developers' data folder (../shared: NUAA frames, face photos,
// third-party models) for the tests that use it. It is not in the repository, so a test that needs
// it skips, saying why, where it is absent: `make test` passes on a fresh clone either way.
//
// CI has ../shared and sets BONAFIDE_REQUIRE_SHARED=1: there a missing folder or file fails the
// test instead, so data that went missing cannot turn tests into silent skips.
package sharedtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// RequireEnv names the environment variable that turns skips for missing shared data into failures.
const RequireEnv = "BONAFIDE_REQUIRE_SHARED"

// Required reports whether missing shared data must fail tests ($BONAFIDE_REQUIRE_SHARED=1).
func Required() bool { return os.Getenv(RequireEnv) == "1" }

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

// Missing ends t because shared data it needs is absent: a skip saying why, or a failure under
// BONAFIDE_REQUIRE_SHARED=1.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("%s=1 and "+format, append([]any{RequireEnv}, args...)...)
	}
	t.Skipf(format, args...)
}

// Dir is Find for a test: it ends t with Missing when the folder is absent.
func Dir(t testing.TB, sub ...string) string {
	t.Helper()
	d, why := Find(sub...)
	if d == "" {
		Missing(t, "%s", why)
	}
	return d
}

// File returns the path of a file or folder inside the shared folder, ending t with Missing when
// either is absent.
func File(t testing.TB, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Dir(t)}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "shared test file absent: %v", err)
	}
	return p
}
