// Package benchmark measures the indexer end to end on a synthetic
// organisation of a chosen size: ingest rate as the index grows, search
// latency for the query shapes the UI sends, deleting a month, reindexing,
// disk and memory, and raw Bleve on the same documents as the ceiling.
// `ccsync bench` is its command line.
package benchmark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// Config sizes a run. The zero value of every field but Messages is usable.
type Config struct {
	Messages int    // messages to generate and ingest (rounded up to whole conversations)
	Seed     uint64 // the organisation is a function of Messages, Seed and TextBytes
	// TextBytes is the approximate size of a message; 0 means the
	// generator's 1,100, close to real chats. Tests shrink it to stay fast
	// under the race detector.
	TextBytes int
	// Dir holds the data; "" means a temporary directory, removed afterwards.
	// A given Dir is kept and must be empty or not exist.
	Dir     string
	Queries int // timed runs of each query (default 50)
	// Baseline is how many messages raw Bleve indexes: 0 means
	// min(Messages, 200,000), negative skips the baseline.
	Baseline    int
	SkipDelete  bool
	SkipReindex bool
	// SkipRetention skips the retention runs (they also need the delete).
	SkipRetention bool
	// Order is how conversations arrive: "api" (default), oldest first as
	// the Compliance API lists them, or "export", at random in time as an
	// export's conversations.json holds them (each batch then touches every
	// month's index partition).
	Order string
	// ReindexMonth rebuilds one month's partition instead of the whole
	// index, for runs too large to rebuild whole in reasonable time.
	ReindexMonth bool
	Logger       *slog.Logger // the indexer's; nil means slog.Default()
}

const (
	defaultQueries  = 50
	defaultBaseline = 200_000
	warmups         = 3
)

// deleteMonth is the month DeleteRange removes: inside the span, away from
// its ends, so it holds a full month of data.
var deleteMonth = spanStart.AddDate(0, 2, 0)

// reindexMonth is the month --reindex-month rebuilds: a full one, not the
// deleted one.
var reindexMonth = spanStart.AddDate(0, 5, 0)

// Run generates, ingests and measures, printing progress lines to progress.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	if cfg.Messages <= 0 {
		return nil, fmt.Errorf("bench: messages must be positive, got %d", cfg.Messages)
	}
	if cfg.Queries <= 0 {
		cfg.Queries = defaultQueries
	}
	if cfg.Baseline == 0 {
		cfg.Baseline = min(cfg.Messages, defaultBaseline)
	}
	cfg.Baseline = min(cfg.Baseline, cfg.Messages)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if progress == nil {
		progress = io.Discard
	}
	dir, cleanup, err := prepareDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	oo := orgOptions(cfg)
	r := &Report{
		Env: Env{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(),
			GOMAXPROCS: runtime.GOMAXPROCS(0), Started: time.Now().UTC().Format(time.RFC3339), Dir: dir, DirKept: cfg.Dir != ""},
		Org: Org{Seed: cfg.Seed, Messages: oo.Conversations * oo.MessagesPer, Conversations: oo.Conversations,
			Users: oo.Users, SpanDays: oo.Days, TextBytes: oo.TextBytes, BatchMessages: batchSize(cfg.Messages),
			Order: orderName(cfg)},
	}
	resetPeakRSS()
	b := &bench{cfg: cfg, dir: filepath.Join(dir, "ccsync"), report: r, progress: progress}
	if err := b.pipeline(ctx); err != nil {
		return nil, err
	}
	r.Memory.PeakRSS = peakRSS()
	if cfg.Baseline > 0 {
		fmt.Fprintf(progress, "raw Bleve baseline over the first %d messages…\n", cfg.Baseline)
		if err := b.baseline(ctx, filepath.Join(dir, "raw-bleve")); err != nil {
			return nil, err
		}
	}
	r.Memory.PeakRSSTotal = peakRSS()
	return r, nil
}

// prepareDir returns the directory to work in and what removes it.
func prepareDir(dir string) (string, func(), error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ccsync-bench-")
		if err != nil {
			return "", nil, fmt.Errorf("bench: temp dir: %w", err)
		}
		return tmp, func() { _ = os.RemoveAll(tmp) }, nil
	}
	// A leftover store would turn the ingest into a run of unchanged upserts.
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", nil, fmt.Errorf("bench: %w", err)
		}
	case err != nil:
		return "", nil, fmt.Errorf("bench: %w", err)
	case len(entries) > 0:
		return "", nil, fmt.Errorf("bench: --dir %s is not empty", dir)
	}
	return dir, func() {}, nil
}

// bench carries one run's state between its phases.
type bench struct {
	cfg      Config
	dir      string
	report   *Report
	progress io.Writer
	phrase   string
	firstK   time.Duration // time in Ingest for the first cfg.Baseline messages
}

// pipeline runs the phases on the indexer: ingest, reopen, search, delete,
// reindex.
func (b *bench) pipeline(ctx context.Context) error {
	opts := indexer.Options{Dir: b.dir, Logger: b.cfg.Logger}
	ix, err := indexer.Open(ctx, opts)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer func() {
		if ix != nil { // nil when the reopen failed
			_ = ix.Close()
		}
	}()
	if err := b.ingest(ctx, ix); err != nil {
		return err
	}
	b.report.Memory.RSSAfterIngest, b.report.Memory.PeakRSSIngest = rss(), peakRSS()

	// Close flushes Badger's memtables and lets Bleve persist every segment,
	// so the size on disk is the data's and not a snapshot mid-flush.
	start := time.Now()
	if err := ix.Close(); err != nil {
		return fmt.Errorf("bench: close after ingest: %w", err)
	}
	b.report.Ingest.Reopen.CloseSeconds = time.Since(start).Seconds()
	d := &b.report.Disk
	if d.AfterIngest, d.AfterIngestApparent, err = diskUsage(b.dir); err != nil {
		return fmt.Errorf("bench: disk usage: %w", err)
	}
	d.BytesPerMessage = float64(d.AfterIngest) / float64(b.report.Ingest.Messages)
	start = time.Now()
	if ix, err = indexer.Open(ctx, opts); err != nil {
		return fmt.Errorf("bench: reopen: %w", err)
	}
	b.report.Ingest.Reopen.OpenSeconds = time.Since(start).Seconds()

	fmt.Fprintf(b.progress, "searching: %d queries × %d runs…\n", len(queryMix(b.phrase)), b.cfg.Queries)
	if err := b.search(ctx, ix); err != nil {
		return err
	}
	if !b.cfg.SkipDelete {
		fmt.Fprintf(b.progress, "deleting %s…\n", deleteMonth.Format("2006-01"))
		if err := b.delete(ctx, ix); err != nil {
			return err
		}
		if d.AfterDelete, _, err = diskUsage(b.dir); err != nil {
			return fmt.Errorf("bench: disk usage: %w", err)
		}
	}
	if !b.cfg.SkipReindex {
		fmt.Fprintln(b.progress, "reindexing…")
		if err := b.reindex(ctx, ix); err != nil {
			return err
		}
		if d.AfterReindex, _, err = diskUsage(b.dir); err != nil {
			return fmt.Errorf("bench: disk usage: %w", err)
		}
	}
	if !b.cfg.SkipRetention && !b.cfg.SkipDelete {
		fmt.Fprintln(b.progress, "retention runs…")
		if err := b.retention(ctx, ix); err != nil {
			return err
		}
	}
	return nil
}
