// Package bonafide holds what belongs to the whole project rather than to one of its packages: the
// release version. The libraries are under core/ (face, liveness, model, metrics).
package bonafide

import (
	_ "embed"
	"fmt"
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

// ParseVersion returns the numbers of a semantic version "MAJOR.MINOR.PATCH[-PRE][+BUILD]"
// (semver.org 2.0.0, without its rule against leading zeros, which says nothing about
// compatibility): three runs of digits, then optionally "-" and "+" each followed by one or more of
// [0-9A-Za-z.-]. It is parsed by hand rather than with regexp, which would add about 260 KB to the
// wasm binary.
func ParseVersion(v string) (major, minor, patch int, err error) {
	bad := fmt.Errorf("%q is not a semantic version (MAJOR.MINOR.PATCH)", v)
	core, pre, build := v, "", ""
	if i := strings.IndexByte(core, '+'); i >= 0 {
		core, build = core[:i], core[i+1:]
		if !semverIdent(build) {
			return 0, 0, 0, bad
		}
	}
	if i := strings.IndexByte(core, '-'); i >= 0 {
		core, pre = core[:i], core[i+1:]
		if !semverIdent(pre) {
			return 0, 0, 0, bad
		}
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return 0, 0, 0, bad
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return 0, 0, 0, bad
		}
		if n[i], err = strconv.Atoi(p); err != nil {
			return 0, 0, 0, fmt.Errorf("%q: %w", v, err) // only on overflow: digits only
		}
	}
	return n[0], n[1], n[2], nil
}

// semverIdent reports whether s is one or more of [0-9A-Za-z.-] (pre-release and build parts).
func semverIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
