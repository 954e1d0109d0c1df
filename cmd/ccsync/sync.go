package main

import (
	"context"
	"errors"
	"fmt"
	goio "io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/syncer"
	"github.com/ccsync/ccsync/indexer/syncer/activity"
	"github.com/ccsync/ccsync/indexer/syncer/files"
	"github.com/ccsync/ccsync/indexer/syncer/sessions"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
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
	cfg := bindSettings(fs, "data", "api-base", "api-rate", "keyset", "kek-file", "log-level", "log-format")
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
	base, err := syncBase(cfg)
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
	base.Key, base.Keys, base.SyncFrom, base.Logger = os.Getenv(envComplianceKey), keys, syncFrom, log
	eng := syncer.New(ix, base)

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

// syncBase is the engine configuration the settings give: API base URL,
// the shared request rate and the streams synced beside chats.
func syncBase(cfg map[string]*string) (syncer.Config, error) {
	c := syncer.Config{RequestsPerMinute: syncer.DefaultRequestsPerMinute, Streams: syncStreams()}
	if p := cfg["api-base"]; p != nil {
		c.BaseURL = *p
	}
	if p := cfg["api-rate"]; p != nil && strings.TrimSpace(*p) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(*p))
		if err != nil || n < 1 || n > 100000 {
			return c, fmt.Errorf("--api-rate %q: want requests per minute, 1 to 100000 (the documented quota is 600)", *p)
		}
		c.RequestsPerMinute = n
	}
	return c, nil
}

// syncStreams are the sources synced beside the chat walk, each on the
// run's one request budget. Every stream package exports New(Options).
func syncStreams() []stream.Stream {
	return []stream.Stream{
		sessions.New(sessions.Options{}),
		activity.New(activity.Options{}),
		files.New(files.Options{Share: 1}), // runs alone, after the others
	}
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
			fmt.Fprintf(io.err, "sync: %d chats, %d messages, %d skipped%s — %s\n",
				ev.Counters["chats"], ev.Counters["messages"], ev.Counters["skipped"], streamCounters(ev.Counters), ev.Message)
		}
	}
}

// streamCounters renders the prefixed counters of streams other than chats
// ("sessions.items" → "; sessions 12 items"), sorted by stream name.
func streamCounters(c map[string]int) string {
	var names []string
	for k := range c {
		if n, ok := strings.CutSuffix(k, ".items"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "; %s %d items", n, c[n+".items"])
		if m := c[n+".messages"]; m > 0 {
			fmt.Fprintf(&b, " %d messages", m)
		}
	}
	return b.String()
}

func printSummary(io stdio, s *syncer.Summary) {
	fmt.Fprintf(io.out, "sync %s: %d chats, %d messages, %d users, %d skipped, %d recovered, %d rate-limit waits, %d requests in %s\n",
		s.State, s.Chats, s.Messages, s.Users, s.Skipped, s.Recovered, s.RateLimited, s.Requests, s.End.Sub(s.Start).Round(time.Millisecond))
	if s.Lost > 0 {
		fmt.Fprintf(io.out, "%d chat list items had no id: they could not be read or retried\n", s.Lost)
	}
	if s.Gone > 0 {
		fmt.Fprintf(io.out, "%d chats answered 404 after being listed: kept, marked deleted upstream\n", s.Gone)
	}
	for _, st := range s.Streams {
		fmt.Fprintf(io.out, "  %-10s %-11s %d items, %d messages, %d skipped, %d requests, %d rate-limit waits",
			st.Name, st.State, st.Items, st.Messages, st.Skipped, st.Requests, st.RateLimited)
		if st.WaitUntil != nil {
			fmt.Fprintf(io.out, ", waiting until %s", st.WaitUntil.Local().Format(time.RFC3339))
		}
		if st.LastError != "" {
			fmt.Fprintf(io.out, "; %s", st.LastError)
		}
		fmt.Fprintln(io.out)
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
