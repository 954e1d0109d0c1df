package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
)

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// command is one subcommand. Each lives in its own file and registers itself
// from init, so adding a subcommand touches one file.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, io stdio) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// errUsage means the arguments were wrong and the usage was already printed.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, io stdio) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(io.err)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(io.err, "ccsync: unknown command %q\n\n", args[0])
		usage(io.err)
		return 2
	}
	if err := c.run(ctx, args[1:], io); err != nil {
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintf(io.err, "ccsync %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: ccsync <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'ccsync <command> --help' for a command's flags.")
}

// parseFlags parses a command's flags, and takes a help flag for help
// wherever it stands: the flag package stops at the first argument that is
// not a flag, so "ccsync keys gen-kek --help" once wrote a key file named
// "--help".
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, a := range fs.Args() {
		switch a {
		case "-h", "-help", "--help":
			fs.Usage()
			return flag.ErrHelp
		}
	}
	return nil
}

// newFlags returns a FlagSet that prints errors and usage to io.err.
func newFlags(name string, io stdio) *flag.FlagSet {
	fs := flag.NewFlagSet("ccsync "+name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	return fs
}
