package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/bonafide-pad/bonafide"
)

func init() {
	register(command{name: "version", summary: "print bonafide's version (the VERSION file), and the Go toolchain and platform it was built with", run: runVersion})
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr)
	short := fs.Bool("short", false, "print the version alone")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: bonafide version [-short]")
		return errUsage
	}
	if *short {
		fmt.Fprintln(stdout, bonafide.Version())
		return nil
	}
	fmt.Fprintf(stdout, "bonafide %s (%s, %s/%s)\n", bonafide.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
