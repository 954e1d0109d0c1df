package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/ccsync/ccsync/api"
)

func init() {
	register(command{name: "user", summary: "manage local accounts: user add|passwd|list", run: runUser})
}

func runUser(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		fmt.Fprintln(io.err, "Usage: ccsync user add|passwd|list [flags] [NAME]")
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlags("user "+sub, io)
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	var role *string
	var fromStdin *bool
	switch sub {
	case "add":
		role = fs.String("role", "auditor", "role: admin or auditor")
		fallthrough
	case "passwd":
		fromStdin = fs.Bool("password-stdin", false, "read the password from the first line of stdin instead of generating one")
	case "list":
	default:
		fmt.Fprintf(io.err, "ccsync user: unknown subcommand %q (want add, passwd or list)\n", sub)
		return errUsage
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	wantArgs := 1
	if sub == "list" {
		wantArgs = 0
	}
	if fs.NArg() != wantArgs {
		fs.Usage()
		return errUsage
	}
	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	accounts := api.NewAccounts(ix)

	if sub == "list" {
		all, err := accounts.List()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tPASSWORD CHANGED")
		for _, a := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, a.Role, a.CreatedAt.Format("2006-01-02 15:04"), a.PasswordChangedAt.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	}

	name := fs.Arg(0)
	password, generated, err := newPassword(io, *fromStdin)
	if err != nil {
		return err
	}
	revoked := 0
	if sub == "add" {
		err = accounts.Create(name, api.Role(*role), password)
	} else {
		// Like an admin reset: sessions end and API tokens are revoked.
		revoked, err = accounts.SetPassword(name, password, false)
	}
	if err != nil {
		return fmt.Errorf("%s %q: %w", sub, name, err)
	}
	if revoked > 0 {
		fmt.Fprintf(io.err, "%d API token(s) of %s revoked\n", revoked, name)
	}
	if generated {
		fmt.Fprintf(io.out, "password for %s: %s\n", name, password)
	} else {
		fmt.Fprintf(io.out, "ok: %s\n", name)
	}
	return nil
}

func newPassword(io stdio, fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		p, err := api.GeneratePassword()
		return p, true, err
	}
	line, err := bufio.NewReader(io.in).ReadString('\n')
	if err != nil && line == "" {
		return "", false, fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}
