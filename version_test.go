package bonafide

import (
	"os"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, c := range []struct {
		in                  string
		major, minor, patch int
		ok                  bool
	}{
		{"1.0.0", 1, 0, 0, true},
		{"12.3.45", 12, 3, 45, true},
		{"0.0.0-test", 0, 0, 0, true},
		{"2.1.0-rc.1+build.7", 2, 1, 0, true},
		{"1.0", 0, 0, 0, false},
		{"v1.0.0", 0, 0, 0, false},
		{"1.0.0 ", 0, 0, 0, false},
		{"", 0, 0, 0, false},
		{"dev-pyramid-untrained (random weights)", 0, 0, 0, false},
		{"99999999999999999999.0.0", 0, 0, 0, false},
		{"1.0.0-a-b.7", 1, 0, 0, true},
		{"1.0.0+b-c", 1, 0, 0, true},
		{"3.2.1-rc.1+exp.sha.5114f85", 3, 2, 1, true},
		{"1.0.0-", 0, 0, 0, false},
		{"1.0.0+", 0, 0, 0, false},
		{"1.0.0-a+b+c", 0, 0, 0, false},
		{"1.0.0-a_b", 0, 0, 0, false},
		{"1..0", 0, 0, 0, false},
		{"1.0.0.0", 0, 0, 0, false},
		{"1.-1.0", 0, 0, 0, false},
		{"1.+1.0", 0, 0, 0, false},
		{"1.0.x", 0, 0, 0, false},
	} {
		major, minor, patch, err := ParseVersion(c.in)
		if (err == nil) != c.ok || major != c.major || minor != c.minor || patch != c.patch {
			t.Errorf("ParseVersion(%q) = %d, %d, %d, %v; want %d, %d, %d, ok %v", c.in, major, minor, patch, err, c.major, c.minor, c.patch, c.ok)
		}
	}
}

// TestVersionFile: VERSION holds one semantic version and nothing else, and CHANGELOG.md has a
// section for it, so that a release cannot go out without its notes.
func TestVersionFile(t *testing.T) {
	raw, err := os.ReadFile("VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != Version()+"\n" {
		t.Errorf("VERSION is %q: want one line, the version and a newline", raw)
	}
	if _, _, _, err := ParseVersion(Version()); err != nil {
		t.Fatalf("VERSION: %v", err)
	}
	log, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "\n## "+Version()+" ") {
		t.Errorf("CHANGELOG.md has no section \"## %s (date)\" for the version in VERSION", Version())
	}
}
