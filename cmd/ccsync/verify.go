package main

import (
	"context"
	"fmt"

	json "github.com/goccy/go-json"
)

func init() {
	register(command{name: "verify", summary: "check that the search index and counters agree with the store", run: runVerify})
}

func runVerify(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("verify", io)
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	asJSON := fs.Bool("json", false, `print {"messages","conversations","index_docs","outbox_pending","problems"} as JSON`)
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync verify [--data DIR] [--json]\n\n"+
			"Opens the data directory (which replays an index outbox left by a crash), then checks that every\n"+
			"stored message and conversation has exactly one search index document, the index holds nothing\n"+
			"else, and the counters equal a recount. Exit status is 1 when anything disagrees.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	rep, err := ix.Verify(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(io.out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(io.out, "messages:        %d\nconversations:   %d\nindex documents: %d\noutbox pending:  %d\n",
			rep.Messages, rep.Conversations, rep.IndexDocs, rep.OutboxPending)
		if rep.OK() {
			fmt.Fprintln(io.out, "OK: the search index and the counters agree with the store")
		} else {
			fmt.Fprintf(io.out, "%d problem(s):\n", len(rep.Problems))
			for _, p := range rep.Problems {
				fmt.Fprintf(io.out, "  %s\n", p)
			}
		}
	}
	if !rep.OK() {
		return fmt.Errorf("%d problem(s) found", len(rep.Problems))
	}
	return nil
}
