package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

func init() {
	register(command{name: "hold", summary: "legal holds: hold list|show|add|release", run: runHold})
}

const holdUsage = `Usage:
  ccsync hold list    [--all] [--json]
  ccsync hold show    ID [--json]
  ccsync hold add     --matter M --reason R [--custodian USER]... [--conversation ID]...
                      [--query-text T] [--query-type TYPE]... [--query-flagged] [--query-user USER]...
                      [--query-model M]... [--query-product P]... [--query-from DATE] [--query-to DATE] [--json]
  ccsync hold release ID --reason R [--json]

A hold keeps every message of its custodians and conversations (past and future) and the messages its
query matches now, through retention, range deletion and upstream deletion, until it is released.
`

func runHold(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(io.err, holdUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlags("hold "+sub, io)
	fs.Usage = func() {
		fmt.Fprint(io.err, holdUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	asJSON := fs.Bool("json", false, "print JSON")
	var all, qFlagged *bool
	var matter, reason, qText, qFrom, qTo *string
	var custodians, convs, qTypes, qUsers, qModels, qProducts listFlag
	wantArgs := 0
	switch sub {
	case "list":
		all = fs.Bool("all", false, "list released holds too")
	case "show":
		wantArgs = 1
	case "add":
		matter = fs.String("matter", "", "matter (case) name, required")
		reason = fs.String("reason", "", "why the records must be kept, required")
		fs.Var(&custodians, "custodian", "user id or email whose chats are held (repeatable, comma-separated)")
		fs.Var(&convs, "conversation", "conversation id to hold (repeatable, comma-separated)")
		qText = fs.String("query-text", "", "hold the messages this search matches now (frozen)")
		fs.Var(&qTypes, "query-type", "query: finding type (repeatable)")
		qFlagged = fs.Bool("query-flagged", false, "query: flagged messages only")
		fs.Var(&qUsers, "query-user", "query: user id or email (repeatable)")
		fs.Var(&qModels, "query-model", "query: model (repeatable)")
		fs.Var(&qProducts, "query-product", "query: product, e.g. claude_ai (repeatable)")
		qFrom = fs.String("query-from", "", "query: first day (YYYY-MM-DD, inclusive) or RFC 3339")
		qTo = fs.String("query-to", "", "query: last day (YYYY-MM-DD, inclusive) or RFC 3339 (exclusive)")
	case "release":
		wantArgs = 1
		reason = fs.String("reason", "", "why the hold ends, required")
	default:
		fmt.Fprintf(io.err, "ccsync hold: unknown subcommand %q (want list, show, add or release)\n", sub)
		return errUsage
	}
	// The id may stand before, between or after the flags ("hold release
	// ID --reason R"): the flag package alone stops at it.
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != wantArgs {
		fs.Usage()
		return errUsage
	}
	var id string
	if wantArgs == 1 {
		id = pos[0]
	}
	var h model.Hold
	if sub == "add" {
		h = model.Hold{Matter: strings.TrimSpace(*matter), Reason: strings.TrimSpace(*reason), CreatedBy: api.LocalActor(),
			Custodians: custodians, Conversations: convs}
		if *qText != "" || len(qTypes)+len(qUsers)+len(qModels)+len(qProducts) > 0 || *qFlagged || *qFrom != "" || *qTo != "" {
			from, err := parseDate("query-from", *qFrom, false)
			if err != nil {
				return err
			}
			to, err := parseDate("query-to", *qTo, true)
			if err != nil {
				return err
			}
			h.Query = &model.HoldQuery{Text: *qText, FindingTypes: qTypes, FlaggedOnly: *qFlagged, Users: qUsers,
				Models: qModels, Products: qProducts, From: from, To: to}
		}
		if err := h.Validate(); err != nil {
			return fmt.Errorf("hold: %w", err)
		}
	}
	if sub == "release" && strings.TrimSpace(*reason) == "" {
		return errors.New("release needs --reason (why the hold ends; it goes in the audit trail)")
	}
	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	switch sub {
	case "list":
		hs, err := ix.Holds(ctx, *all)
		if err != nil {
			return fmt.Errorf("list holds: %w", err)
		}
		if err := api.RecordLocal(ix, "cli", "", "hold.list", "", map[string]string{"all": strconv.FormatBool(*all),
			"holds": strconv.Itoa(len(hs))}); err != nil {
			return err
		}
		if *asJSON {
			if hs == nil {
				hs = []model.Hold{}
			}
			return json.NewEncoder(io.out).Encode(map[string]any{"holds": hs})
		}
		printHolds(io, hs)
		return nil
	case "show":
		h, err = ix.Hold(ctx, id)
		if err != nil {
			return holdErr(id, err)
		}
		if err := api.RecordLocal(ix, "cli", "", "hold.view", h.ID, map[string]string{"matter": h.Matter}); err != nil {
			return err
		}
	case "add":
		if h, err = ix.AddHold(ctx, h); err != nil {
			return fmt.Errorf("add hold: %w", err)
		}
		if err := api.RecordLocal(ix, "cli", "", "hold.add", h.ID, api.HoldDetail(h)); err != nil {
			return err
		}
	case "release":
		r := strings.TrimSpace(*reason)
		if h, err = ix.ReleaseHold(ctx, id, api.LocalActor(), r); err != nil {
			return holdErr(id, err)
		}
		if err := api.RecordLocal(ix, "cli", "", "hold.release", h.ID, map[string]string{"matter": h.Matter, "reason": r}); err != nil {
			return err
		}
	}
	if *asJSON {
		return json.NewEncoder(io.out).Encode(h)
	}
	printHold(io, h)
	return nil
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments, and returns the positional ones ("--" ends the flags).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func holdErr(id string, err error) error {
	if errors.Is(err, indexer.ErrNotFound) {
		return fmt.Errorf("no hold %q (ccsync hold list --all shows them)", id)
	}
	return fmt.Errorf("hold %s: %w", id, err)
}

func printHolds(io stdio, hs []model.Hold) {
	if len(hs) == 0 {
		fmt.Fprintln(io.out, "no holds")
		return
	}
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMATTER\tCREATED\tBY\tMESSAGES\tCONVERSATIONS\tSTATE")
	for _, h := range hs {
		state := "active"
		if !h.Active() {
			state = "released " + h.ReleasedAt.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", h.ID, oneLine(h.Matter), h.CreatedAt.Format("2006-01-02"),
			oneLine(h.CreatedBy), h.Messages, h.ConversationsCount, state)
	}
	tw.Flush()
}

func printHold(io stdio, h model.Hold) {
	fmt.Fprintf(io.out, "hold %s: %s\nreason: %s\ncreated %s by %s\ncovers %d messages in %d conversations\n",
		h.ID, oneLine(h.Matter), oneLine(h.Reason), h.CreatedAt.Format(time.RFC3339), h.CreatedBy, h.Messages, h.ConversationsCount)
	if len(h.Custodians) > 0 {
		fmt.Fprintf(io.out, "custodians: %s\n", oneLine(strings.Join(h.Custodians, ", ")))
	}
	if len(h.Conversations) > 0 {
		fmt.Fprintf(io.out, "conversations: %s\n", oneLine(strings.Join(h.Conversations, ", ")))
	}
	if q := h.Query; q != nil {
		fmt.Fprintf(io.out, "query %q frozen %s: %d messages\n", oneLine(q.Text), q.FrozenAt.Format(time.RFC3339), q.Matched)
	}
	if !h.Active() {
		fmt.Fprintf(io.out, "released %s by %s: %s\n", h.ReleasedAt.Format(time.RFC3339), h.ReleasedBy, oneLine(h.ReleaseReason))
	}
}

// oneLine keeps a stored name from breaking the table or the terminal:
// control characters (escape sequences included) become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
