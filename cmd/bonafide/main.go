// Command bonafide is the native CLI: offline, private liveness checks and the tools that build and
// inspect bonafide's models. Each subcommand lives in its own file and registers itself in init, so
// that one file owns one command.
//
// Every command exits with one of three statuses (the usage text and the README say the same):
//
//	0  everything asked for was done; a spoof verdict, a frame without a face or a failed quality
//	   gate is a result, not a failure
//	1  the command ran, but something it was asked for failed: an image or model that cannot be
//	   read or used (commands that print a JSON line per image print one with "error" for it and go
//	   on with the others), or nothing to work on (a folder without images)
//	2  bad usage: an unknown command, a bad flag or argument, a flag value outside its range;
//	   nothing was done
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. run gets the arguments after the subcommand's name and writes its
// normal output to stdout; it returns an error for the exit status.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("bonafide: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// errUsage reports bad flags or arguments; the command has already printed what is wrong.
var errUsage = errors.New("usage")

// usageError is a bad flag value: main prints it and exits 2, as for errUsage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "bonafide: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := c.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "bonafide %s: %v\n", c.name, err)
			return 2
		}
		fmt.Fprintf(stderr, "bonafide %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: bonafide <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'bonafide <command> -h' for a command's flags.")
	fmt.Fprintln(w, "\nExit status: 0 when everything asked for was done (a spoof or no-face verdict included), 1 when")
	fmt.Fprintln(w, "something failed (an unreadable image or model; nothing to work on), 2 for bad usage.")
}

// newFlagSet returns a flag set that reports errors to stderr and never exits the process.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bonafide "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
