// Package bonafide holds what belongs to the whole project rather than to one of its packages: the
// release version. The libraries are under core/ (face, liveness, model, metrics).
package bonafide

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The VERSION file is the one place where the release version is written. The CLI (`bonafide
// version`), the wasm module's version(), the model-version check in core/liveness and, through
// scripts/build-web.sh, the JS module and the npm package all take it from there.
//
//go:embed VERSION
var versionFile string

// Version returns this release's semantic version, e.g. "1.0.0".
func Version() string { return strings.TrimSpace(versionFile) }

// semver is MAJOR.MINOR.PATCH with an optional -PRERELEASE and +BUILD (semver.org 2.0.0, without
// its rule against leading zeros, which says nothing about compatibility).
var semver = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$`)

// ParseVersion returns the numbers of a semantic version "MAJOR.MINOR.PATCH[-PRE][+BUILD]".
func ParseVersion(v string) (major, minor, patch int, err error) {
	m := semver.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("%q is not a semantic version (MAJOR.MINOR.PATCH)", v)
	}
	n := [3]int{}
	for i := range n {
		if n[i], err = strconv.Atoi(m[i+1]); err != nil {
			return 0, 0, 0, fmt.Errorf("%q: %w", v, err) // only on overflow: \d+ matched
		}
	}
	return n[0], n[1], n[2], nil
}
