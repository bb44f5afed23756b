package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"no-such-command"}, &out, &errOut); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), `unknown command "no-such-command"`) {
		t.Fatalf("stderr = %q, want it to name the unknown command", errOut.String())
	}
}

func TestNoArgsPrintsUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "usage: bonafide") {
		t.Fatalf("stderr = %q, want usage", errOut.String())
	}
}

func TestVersion(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(raw))
	for _, c := range []struct {
		args []string
		out  string
		code int
	}{
		{[]string{"version", "-short"}, want + "\n", 0},
		{[]string{"version"}, fmt.Sprintf("bonafide %s (%s, %s/%s)\n", want, runtime.Version(), runtime.GOOS, runtime.GOARCH), 0},
		{[]string{"version", "extra"}, "", 2},
	} {
		var out, errOut bytes.Buffer
		if code := run(c.args, &out, &errOut); code != c.code || out.String() != c.out {
			t.Errorf("bonafide %v: exit %d, stdout %q; want %d, %q (stderr %q)", c.args, code, out.String(), c.code, c.out, errOut.String())
		}
	}
}
