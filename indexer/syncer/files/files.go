// Package files is the sync stream that fetches file, generated-file and
// artifact contents. Chat and session streams queue a PendingFile meta key
// in the batch of each message that references a file; this stream drains
// them: it fetches the content (indexer/compliance/files) and re-ingests the
// owning message with the file's text, deleting the pending key in the same
// batch. A crash in between re-fetches one file at worst.
package files

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	cfiles "github.com/ccsync/ccsync/indexer/compliance/files"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

// Name is the stream's name, its meta prefix and its counters' prefix.
const Name = "files"

// Options tune the stream; the zero value is valid.
type Options struct {
	// MaxFileBytes is the text kept per file (default 1 MiB, --file-text-max);
	// MaxRunBytes the bytes downloaded per run (default 256 MiB).
	MaxFileBytes int64
	MaxRunBytes  int64
	// Share is the fraction of the organisation's request budget the stream
	// may use (default 0.25), so file downloads never starve chats and
	// sessions running beside them. The engine runs files after the other
	// streams and passes 1: alone, a quarter would only make a first sync
	// four times slower.
	Share float64
	// Concurrency is how many messages' files are fetched at once (default 2).
	Concurrency int
	// MaxAttempts is how many runs a failing file is tried in before it is
	// left as FetchError for good (default 5).
	MaxAttempts int
	// BatchMessages is how many messages' updates share one ingest
	// (default 64).
	BatchMessages int
}

// New returns the files stream.
func New(opts Options) stream.Stream {
	if opts.Share <= 0 || opts.Share > 1 {
		opts.Share = 0.25
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 2
	}
	if opts.BatchMessages <= 0 {
		opts.BatchMessages = 64
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	return &filesStream{opts: opts}
}

type filesStream struct{ opts Options }

func (s *filesStream) Name() string { return Name }

// run is one Run's state.
type run struct {
	opts     Options
	env      *stream.Env
	client   *compliance.Client
	fetcher  *cfiles.Fetcher
	failures *stream.Failures
	log      *slog.Logger
	// budgetSpent is set once the run's byte budget is spent: the rest stays
	// queued for the next run.
	budgetSpent sync.Once
	stop        chan struct{}
	acc         accumulator
}

// Run drains the pending files.
func (s *filesStream) Run(ctx context.Context, env *stream.Env) error {
	failures, err := stream.LoadFailures(env.Ix, Name, env.Now)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	client := env.Client.WithShare(s.opts.Share)
	r := &run{opts: s.opts, env: env, client: client, failures: failures, log: env.Log, stop: make(chan struct{}),
		acc:     accumulator{maxMessages: s.opts.BatchMessages},
		fetcher: cfiles.New(client, cfiles.Options{MaxFileBytes: s.opts.MaxFileBytes, MaxRunBytes: s.opts.MaxRunBytes})}
	if r.log == nil {
		r.log = slog.Default()
	}
	groups, total, err := pendingByMessage(env.Ix)
	if err != nil {
		return err
	}
	r.report(func(st *stream.State) {
		st.State, st.Phase = stream.StateRunning, fmt.Sprintf("%d files queued", total)
	})
	work := make(chan []stream.PendingFile)
	errs := make(chan error, s.opts.Concurrency)
	var wg sync.WaitGroup
	for i := 0; i < s.opts.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range work {
				if err := r.message(ctx, g); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var runErr error
feed:
	for _, g := range groups {
		select {
		case work <- g:
		case runErr = <-errs:
			break feed
		case <-r.stop:
			break feed
		case <-ctx.Done():
			runErr = ctx.Err()
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if runErr == nil {
		runErr = <-errs
	}
	// What was fetched is stored even when the run was cancelled: the
	// fetches are paid for, and the flush is one bounded ingest.
	if err := r.acc.flush(context.WithoutCancel(ctx), env.Ix); err != nil && runErr == nil {
		runErr = err
	}
	r.report(func(st *stream.State) {
		st.Requests, st.RateLimited = r.client.Stats().Requests, r.client.Stats().RateLimited
		switch {
		case runErr != nil:
			st.State, st.LastError = stream.StateFailed, runErr.Error()
		default:
			st.State = stream.StateDone
			select {
			case <-r.stop:
				st.Phase = "run download budget spent; the rest next run"
			default:
				st.Phase = ""
			}
		}
	})
	return runErr
}

func (r *run) report(update func(*stream.State)) {
	if r.env.Report != nil {
		r.env.Report(update)
	}
}

// pendingByMessage reads the queue grouped by owning message, so one
// message's files are applied one after another and never overwrite each
// other's update. Groups are ordered by message id for a stable order.
func pendingByMessage(ix *indexer.Indexer) ([][]stream.PendingFile, int, error) {
	by := map[string][]stream.PendingFile{}
	total := 0
	err := ix.ScanMeta(stream.PendingFilePrefix(), func(key string, value []byte) error {
		var p stream.PendingFile
		if err := json.Unmarshal(value, &p); err != nil || p.FileID == "" {
			// A record this version cannot read is dropped with a log line
			// rather than blocking the queue: the file is queued again when
			// its message is re-delivered.
			p = stream.PendingFile{FileID: key[len(stream.PendingFilePrefix()):]}
		}
		by[p.MessageID] = append(by[p.MessageID], p)
		total++
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("files: read queue: %w", err)
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([][]stream.PendingFile, 0, len(ids))
	for _, id := range ids {
		out = append(out, by[id])
	}
	return out, total, nil
}

// message fetches the files of one message, one at a time, into one update
// of the message: each file's outcome and the removal of its queue entry
// travel in the batch that stores the message.
func (r *run) message(ctx context.Context, group []stream.PendingFile) error {
	b := indexer.Batch{Checkpoints: map[string][]byte{}}
	var m *model.Message
	if id := group[0].MessageID; id != "" {
		stored, err := r.env.Ix.Message(ctx, id)
		switch {
		case errors.Is(err, indexer.ErrNotFound):
			// The message is gone (deleted range): nothing to attach to.
		case err != nil:
			return fmt.Errorf("files: read message %s: %w", id, err)
		default:
			m = &stored
		}
	}
	changed := false
	var err error
	for _, p := range group {
		select {
		case <-r.stop:
		default:
			var c bool
			c, err = r.file(ctx, p, m, &b)
			changed = changed || c
			if err == nil {
				continue
			}
		}
		break
	}
	if changed {
		b.Messages = []model.Message{*m}
	}
	if aerr := r.acc.add(ctx, r.env.Ix, b); aerr != nil && err == nil {
		err = aerr
	}
	return err
}

// file fetches one pending file of message m (nil when it is gone) and puts
// the outcome in m and b; it reports whether m changed. Only a fault of the
// key or of storing (or ctx ending) is returned: fetch failures are
// recorded per file.
func (r *run) file(ctx context.Context, p stream.PendingFile, m *model.Message, b *indexer.Batch) (bool, error) {
	key := stream.PendingFileKey(p.FileID)
	b.Checkpoints[key] = nil
	if m == nil || p.MessageID != m.ID {
		return false, nil // unreadable record, or the message is gone
	}
	i := fileIndex(m, p.FileID)
	if i < 0 || settled(m.Files[i]) {
		// Already fetched (a re-delivered message queues its files again),
		// or no longer referenced.
		r.failures.Clear(b, p.FileID)
		return false, nil
	}
	f := &m.Files[i]
	now := r.env.Now().UTC()
	if p.Deleted {
		// The user deleted the chat: its files answer 404, so none is asked.
		f.Fetch, f.FetchedAt = model.FetchSkipped, now
		r.failures.Clear(b, p.FileID)
		return true, nil
	}
	mime := f.MimeType
	if mime == "" {
		mime = p.MimeType
	}
	size := f.Size
	if size == 0 {
		size = p.Size
	}
	res, err := r.fetcher.Fetch(ctx, cfiles.Ref{ID: f.ID, MimeType: mime, Size: size, MD5: f.MD5})
	switch {
	case ctx.Err() != nil:
		delete(b.Checkpoints, key)
		return false, ctx.Err()
	case errors.Is(err, cfiles.ErrRunBudget):
		delete(b.Checkpoints, key) // stays queued for the next run
		r.budgetSpent.Do(func() { close(r.stop) })
		return false, nil
	case errors.Is(err, stream.ErrStop) || compliance.IsKeyNotFound(err) ||
		errors.Is(err, compliance.ErrUnauthorized) || errors.Is(err, compliance.ErrForbidden):
		// The key, not the file: no file would fare better.
		delete(b.Checkpoints, key)
		return false, fmt.Errorf("files: %s: %w", f.ID, err)
	case err != nil:
		rec := r.failures.Record(b, p.FileID, err)
		if rec.Attempts < r.opts.MaxAttempts {
			delete(b.Checkpoints, key) // stays queued for the next run
		}
		f.Fetch, f.FetchedAt = model.FetchError, now
		r.log.Warn("file content not fetched", "file", f.ID, "message", m.ID, "attempts", rec.Attempts, "err", err)
		r.report(func(st *stream.State) { st.Skipped++ })
		return true, nil
	}
	f.Fetch, f.FetchedAt = res.State, now
	if res.State == model.FetchText {
		f.ExtractedText = res.Text
	}
	if f.Name == "" {
		f.Name = res.Filename
	}
	if f.MimeType == "" {
		f.MimeType = res.MimeType
	}
	if f.Size == 0 {
		f.Size = res.Size
	}
	if f.MD5 == "" {
		f.MD5 = res.MD5
	}
	r.failures.Clear(b, p.FileID)
	r.report(func(st *stream.State) {
		st.Items++
		st.Requests, st.RateLimited = r.client.Stats().Requests, r.client.Stats().RateLimited
	})
	return true, nil
}

func fileIndex(m *model.Message, id string) int {
	for i := range m.Files {
		if m.Files[i].ID == id {
			return i
		}
	}
	return -1
}

// settled reports a file whose fetch has a final outcome: asking again
// would spend budget for the same answer.
func settled(f model.File) bool {
	if f.ExtractedText != "" {
		return true
	}
	switch f.Fetch {
	case model.FetchText, model.FetchBinary, model.FetchTooLarge, model.FetchGone, model.FetchSkipped:
		return true
	}
	return false
}
