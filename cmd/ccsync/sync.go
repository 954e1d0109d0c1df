package main

import (
	"context"
	"errors"
	"fmt"
	goio "io"
	"os"
	"sync"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/syncer"
)

func init() {
	register(command{name: "sync", summary: "sync chats from the Compliance API (--once)", run: runSync})
}

// envComplianceKey names the variable holding the key for unattended runs;
// it is read here once and never logged.
const envComplianceKey = "CCSYNC_COMPLIANCE_KEY"

func runSync(ctx context.Context, args []string, io stdio) error {
	// Live progress and log lines share stderr from different goroutines.
	io.err = &lockedWriter{w: io.err}
	fs := newFlags("sync", io)
	cfg := bindSettings(fs, "data", "api-base", "keyset", "kek-file", "log-level", "log-format")
	once := fs.Bool("once", false, "run one sync and exit (required: the hourly schedule runs under 'ccsync serve')")
	from := fs.String("from", "", "Sync from date (YYYY-MM-DD or RFC 3339); saved for later runs")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !*once || fs.NArg() > 0 {
		fmt.Fprintln(io.err, "ccsync sync: pass --once (automatic hourly sync runs under 'ccsync serve')")
		fs.Usage()
		return errUsage
	}
	syncFrom, err := parseDate("from", *from, false)
	if err != nil {
		return err
	}
	ix, log, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	keys, err := openKeystore(cfg, ix, log)
	if err != nil {
		return err
	}
	eng := syncer.New(ix, syncer.Config{BaseURL: *cfg["api-base"], Key: os.Getenv(envComplianceKey), Keys: keys,
		SyncFrom: syncFrom, Logger: log})

	events, _, unsub := ix.Subscribe()
	defer unsub()
	done := make(chan struct{})
	go printProgress(io, events, done)
	sum, err := eng.RunOnce(ctx)
	close(done)
	if errors.Is(err, syncer.ErrNoKey) {
		return fmt.Errorf("%w: set %s or save one with 'ccsync keys set'", err, envComplianceKey)
	}
	if sum == nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(io.out)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(sum); jerr != nil {
			return jerr
		}
	} else {
		printSummary(io, sum)
	}
	return err
}

// printProgress shows the run's live progress on stderr, one line per event.
func printProgress(io stdio, events <-chan indexer.Event, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case ev := <-events:
			if ev.Kind != "sync" || ev.State != "running" && ev.State != "waiting" {
				continue
			}
			fmt.Fprintf(io.err, "sync: %d chats, %d messages, %d skipped — %s\n",
				ev.Counters["chats"], ev.Counters["messages"], ev.Counters["skipped"], ev.Message)
		}
	}
}

func printSummary(io stdio, s *syncer.Summary) {
	fmt.Fprintf(io.out, "sync %s: %d chats, %d messages, %d users, %d skipped, %d recovered, %d rate-limit waits, %d requests in %s\n",
		s.State, s.Chats, s.Messages, s.Users, s.Skipped, s.Recovered, s.RateLimited, s.Requests, s.End.Sub(s.Start).Round(time.Millisecond))
	if s.Lost > 0 {
		fmt.Fprintf(io.out, "%d chat list items had no id: they could not be read or retried\n", s.Lost)
	}
	if s.ResumeAt != nil {
		fmt.Fprintf(io.out, "hourly cap reached; the cursor is saved and the sync resumes at %s\n", s.ResumeAt.Local().Format(time.RFC3339))
	}
	for _, e := range s.Errors {
		fmt.Fprintf(io.out, "  error: %s\n", e)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  goio.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
