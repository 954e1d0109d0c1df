package main

import (
	"context"
	"fmt"

	json "github.com/goccy/go-json"
)

func init() {
	register(command{name: "delete", summary: "permanently delete messages and conversations in a date range", run: runDelete})
}

func runDelete(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("delete", io)
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	from := fs.String("from", "", "first day to delete (YYYY-MM-DD, inclusive) or RFC 3339 instant")
	to := fs.String("to", "", "last day to delete (YYYY-MM-DD, inclusive) or RFC 3339 instant (exclusive)")
	dry := fs.Bool("dry-run", false, "only count what would be deleted")
	yes := fs.Bool("yes", false, "confirm the permanent deletion")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		fmt.Fprintln(io.err, "ccsync delete: --from and --to are required")
		fs.Usage()
		return errUsage
	}
	f, err := parseDate("from", *from, false)
	if err != nil {
		return err
	}
	t, err := parseDate("to", *to, true)
	if err != nil {
		return err
	}
	if !*dry && !*yes {
		return fmt.Errorf("refusing to delete without --yes (run with --dry-run first to see the counts)")
	}
	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	res, err := ix.DeleteRange(ctx, f, t, *dry)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(io.out).Encode(res)
	}
	verb := "deleted"
	if *dry {
		verb = "would delete"
	}
	fmt.Fprintf(io.out, "%s %d messages and %d conversations created from %s to %s\n", verb, res.Messages,
		res.Conversations, f.Format("2006-01-02 15:04:05Z07:00"), t.Format("2006-01-02 15:04:05Z07:00"))
	return nil
}
