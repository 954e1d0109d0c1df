package export

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// Sink stores batches; *indexer.Indexer satisfies it. Ingest must be an
// idempotent upsert by id, which is what makes re-imports harmless.
type Sink interface {
	Ingest(ctx context.Context, b indexer.Batch) (indexer.IngestResult, error)
}

// Publisher receives progress events; *indexer.Indexer satisfies it.
type Publisher interface {
	Publish(indexer.Event)
}

// Limits bound what one import may hold in memory and what it accepts.
// Zero fields take the defaults.
type Limits struct {
	// MaxRecordBytes is the largest conversation accepted, in JSON bytes. A
	// record is decoded whole, so this bounds memory (about 3x it at peak).
	MaxRecordBytes int
	// MaxDepth is the deepest JSON nesting accepted in a record.
	MaxDepth int
	// BatchMessages and BatchBytes flush a batch to the sink; together they
	// keep one Badger transaction well under its ~2 MB limit.
	BatchMessages int
	BatchBytes    int
	// MaxZipRatio and MaxEntryBytes refuse zip entries that inflate beyond
	// any real export (decompression bombs).
	MaxZipRatio   int
	MaxEntryBytes int64
}

// DefaultLimits are the limits used for zero fields.
var DefaultLimits = Limits{
	MaxRecordBytes: 128 << 20,
	MaxDepth:       256,
	BatchMessages:  500,
	BatchBytes:     1536 << 10,
	MaxZipRatio:    200,
	MaxEntryBytes:  64 << 30,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxRecordBytes > 0 {
		d.MaxRecordBytes = l.MaxRecordBytes
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.BatchMessages > 0 {
		d.BatchMessages = l.BatchMessages
	}
	if l.BatchBytes > 0 {
		d.BatchBytes = l.BatchBytes
	}
	if l.MaxZipRatio > 0 {
		d.MaxZipRatio = l.MaxZipRatio
	}
	if l.MaxEntryBytes > 0 {
		d.MaxEntryBytes = l.MaxEntryBytes
	}
	return d
}

// Options configure Import.
type Options struct {
	Sink   Sink      // required
	Events Publisher // optional progress stream
	Job    string    // job id in events; a time-based one when empty
	Limits Limits
	Logger *slog.Logger // nil means slog.Default()
	// ProgressEvery is the least time between two running events; default 250ms.
	ProgressEvery time.Duration
}

// Import reads the exports at paths (files, folders, zips), users first, and
// ingests them in batches. Record-level problems are collected in the report
// and do not stop the import; the returned error is for what does (a failing
// sink, cancellation, or no input at all). Check Report.Outcome for whether
// everything got through.
func Import(ctx context.Context, paths []string, opts Options) (*Report, error) {
	ctx = indexer.WithOrigin(ctx, indexer.OriginImport)
	lim := opts.Limits.withDefaults()
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.Job == "" {
		opts.Job = "import-" + time.Now().UTC().Format("20060102T150405.000")
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 250 * time.Millisecond
	}
	rep := &Report{Errors: []RecordError{}}

	set := collectInputs(paths, lim)
	defer set.Close()
	rep.addErrors(set.errs)
	rep.Skipped = len(set.skipped) + set.skippedExtra
	rep.Notes = append(rep.Notes, set.skipped...)
	pr := progress{opts: opts, total: set.total(), rep: rep, every: opts.ProgressEvery}
	if len(set.users)+len(set.conversations) == 0 {
		err := fmt.Errorf("%w in %s", ErrNoInput, strings.Join(paths, ", "))
		if len(rep.Errors) > 0 {
			err = fmt.Errorf("%w (%s)", err, rep.Errors[0].Err)
		}
		pr.publish("failed", err.Error(), true)
		return rep, err
	}

	pr.publish("running", "", true)
	log.Info("import started", "job", opts.Job, "users_files", len(set.users),
		"conversation_files", len(set.conversations), "bytes", pr.total)

	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan *chunk, 2) // decoding overlaps ingest by up to two batches
	p := &producer{ctx: pctx, lim: lim, out: chunks, cur: &chunk{}}
	go p.run(set)

	var fatal error
	g := &monthGrouper{sink: opts.Sink, window: lim.BatchMessages * groupWindowBatches, batch: lim.BatchMessages, bytes: lim.BatchBytes}
	lastFile := ""
	for c := range chunks {
		if fatal != nil {
			continue // drain so the producer can exit
		}
		lastFile = c.file
		if c.batch.Users != nil || c.batch.Conversations != nil || c.batch.Messages != nil {
			res, err := g.add(ctx, c.batch)
			addResult(&rep.Changes, res)
			if err != nil {
				fatal = fmt.Errorf("import: ingest while reading %s: %w", c.file, err)
				cancel()
				continue
			}
		}
		rep.Conversations += c.convs
		rep.Messages += c.msgs
		rep.Users += c.users
		rep.addErrors(c.errs)
		rep.Notes = append(rep.Notes, c.notes...)
		rep.Bytes = c.bytes
		pr.publish("running", c.file, false)
	}
	if fatal == nil && p.err != nil {
		fatal = fmt.Errorf("import: %w", p.err)
	}
	if fatal == nil {
		res, err := g.flush(ctx)
		addResult(&rep.Changes, res)
		if err != nil {
			fatal = fmt.Errorf("import: ingest while reading %s: %w", lastFile, err)
		}
	}
	for _, e := range rep.Errors {
		log.Warn("import: record not imported", "job", opts.Job, "error", e.Err)
	}
	switch {
	case fatal != nil && ctx.Err() != nil:
		pr.publish("cancelled", fatal.Error(), true)
		return rep, fatal
	case fatal != nil:
		pr.publish("failed", fatal.Error(), true)
		return rep, fatal
	}
	msg := fmt.Sprintf("%d conversations, %d messages, %d users imported", rep.Conversations, rep.Messages, rep.Users)
	state := "done"
	if err := rep.Outcome(); err != nil {
		// The event is all a browser sees of the import: it must say what
		// went wrong and where, not just how often.
		msg = err.Error()
		if len(rep.Errors) > 0 {
			msg += "; first: " + rep.Errors[0].Err
		}
		if errors.Is(err, ErrNothingImported) {
			state = "failed"
		}
	}
	pr.publish(state, msg, true)
	log.Info("import finished", "job", opts.Job, "conversations", rep.Conversations, "messages", rep.Messages,
		"users", rep.Users, "errors", len(rep.Errors), "changed_messages", rep.Changes.Messages)
	return rep, nil
}

func addResult(dst *indexer.IngestResult, r indexer.IngestResult) {
	dst.Users += r.Users
	dst.Conversations += r.Conversations
	dst.Messages += r.Messages
	dst.Unchanged += r.Unchanged
	dst.Findings += r.Findings
}

// progress publishes import events, at most one running event per interval.
type progress struct {
	opts  Options
	total int64
	rep   *Report
	every time.Duration
	last  time.Time
}

func (p *progress) publish(state, msg string, force bool) {
	if p.opts.Events == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	p.opts.Events.Publish(indexer.Event{
		Job: p.opts.Job, Kind: "import", State: state, Done: p.rep.Bytes, Total: p.total, Unit: "bytes",
		Counters: map[string]int{
			"conversations": p.rep.Conversations, "messages": p.rep.Messages, "users": p.rep.Users,
			"skipped": p.rep.Skipped, "errors": p.rep.ErrorCount,
		},
		Message: msg, Time: now.UTC(),
	})
}
