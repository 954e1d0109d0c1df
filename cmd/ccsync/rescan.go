package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

func init() {
	register(command{name: "rescan", summary: "re-run the detectors over stored messages (after an upgrade or a detector config change)", run: runRescan})
}

func runRescan(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("rescan", io)
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	all := fs.Bool("all", false, "re-scan every message, not only those scanned by another engine version or detector configuration")
	status := fs.Bool("status", false, "print the engine version and how many messages are stale, and change nothing")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync rescan [--data DIR] [--scan-config FILE] [--all | --status]\n\n"+
			"Re-runs the current detectors (this binary's engine with --scan-config) over the stored messages that\n"+
			"an older engine or another detector configuration scanned, and updates their findings, the counters and\n"+
			"the search index as an ingest would. An interrupted run (killed, cancelled) resumes where it stopped.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || (*all && *status) {
		fs.Usage()
		return errUsage
	}
	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	st, err := ix.RescanStatus()
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "engine %s (%s): %d of %d messages scanned by another engine or configuration\n",
		st.Engine, st.Stamp, st.Stale, st.Messages)
	if *status {
		if cp := st.Interrupted; cp != nil {
			fmt.Fprintf(io.out, "an interrupted re-scan (%s, all=%v) stopped at %d of %d\n", cp.Stamp, cp.All, cp.Done, cp.Total)
		}
		return nil
	}
	if cp := st.Interrupted; cp != nil && cp.Stamp == st.Stamp && cp.All == *all {
		fmt.Fprintf(io.out, "resuming the interrupted re-scan %s at %d of %d\n", cp.Job, cp.Done, cp.Total)
	}
	// The crash tests wait for this line before they aim a kill.
	fmt.Fprintln(io.err, "rescan: starting")
	start, last := time.Now(), time.Time{}
	p, err := ix.Rescan(ctx, indexer.RescanOptions{All: *all, Progress: func(p indexer.RescanProgress) {
		if time.Since(last) > 500*time.Millisecond || p.Done == p.Total {
			last = time.Now()
			fmt.Fprintf(io.err, "\rre-scanned %d/%d messages", p.Done, p.Total)
		}
	}})
	fmt.Fprintln(io.err)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("%w (run it again to resume)", err)
		}
		return err
	}
	fmt.Fprintf(io.out, "rescan done: %d messages re-scanned, %d updated, %d skipped (changed meanwhile), %d findings, in %s\n",
		p.Scanned, p.Updated, p.Skipped, p.Findings, time.Since(start).Round(time.Millisecond))
	return nil
}
