package main

import (
	"context"
	"fmt"
	"time"
)

func init() {
	register(command{name: "reindex", summary: "rebuild the search index from the store", run: runReindex})
}

func runReindex(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("reindex", io)
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	month := fs.String("month", "", `rebuild only this month's partition (YYYY-MM, or "conversations")`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	start := time.Now()
	if *month != "" {
		if err := ix.ReindexMonth(ctx, *month); err != nil {
			return err
		}
		fmt.Fprintf(io.out, "partition %s rebuilt in %s\n", *month, time.Since(start).Round(time.Millisecond))
		return nil
	}
	last := time.Time{}
	err = ix.Reindex(ctx, func(done, total int) {
		if time.Since(last) > 500*time.Millisecond || done == total {
			last = time.Now()
			fmt.Fprintf(io.err, "\rreindexed %d/%d documents", done, total)
		}
	})
	fmt.Fprintln(io.err)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "index rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
