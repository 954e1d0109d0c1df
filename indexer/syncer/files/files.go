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
}

// New returns the files stream.
func New(opts Options) stream.Stream {
	if opts.Share <= 0 || opts.Share > 1 {
		opts.Share = 0.25
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 2
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
}

// Run drains the pending files.
func (s *filesStream) Run(ctx context.Context, env *stream.Env) error {
	failures, err := stream.LoadFailures(env.Ix, Name, env.Now)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	client := env.Client.WithShare(s.opts.Share)
	r := &run{opts: s.opts, env: env, client: client, failures: failures, log: env.Log, stop: make(chan struct{}),
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

// message fetches the files of one message, one at a time.
func (r *run) message(ctx context.Context, group []stream.PendingFile) error {
	for _, p := range group {
		select {
		case <-r.stop:
			return nil
		default:
		}
		if err := r.file(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// file fetches one pending file and stores the outcome. Only a failure to
// store (or ctx ending) is returned: fetch failures are recorded per file.
func (r *run) file(ctx context.Context, p stream.PendingFile) error {
	key := stream.PendingFileKey(p.FileID)
	b := indexer.Batch{Checkpoints: map[string][]byte{key: nil}}
	if p.MessageID == "" {
		return r.ingest(ctx, b) // unreadable record
	}
	m, err := r.env.Ix.Message(ctx, p.MessageID)
	if errors.Is(err, indexer.ErrNotFound) {
		return r.ingest(ctx, b) // the message is gone (deleted range): nothing to attach to
	}
	if err != nil {
		return fmt.Errorf("files: read message %s: %w", p.MessageID, err)
	}
	i := fileIndex(&m, p.FileID)
	if i < 0 || settled(m.Files[i]) {
		// Already fetched (a re-delivered message queues its files again),
		// or no longer referenced.
		r.failures.Clear(&b, p.FileID)
		return r.ingest(ctx, b)
	}
	f := &m.Files[i]
	now := r.env.Now().UTC()
	if p.Deleted {
		// The user deleted the chat: its files answer 404, so none is asked.
		f.Fetch, f.FetchedAt = model.FetchSkipped, now
		b.Messages = []model.Message{m}
		r.failures.Clear(&b, p.FileID)
		return r.ingest(ctx, b)
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
		return ctx.Err()
	case errors.Is(err, cfiles.ErrRunBudget):
		r.budgetSpent.Do(func() { close(r.stop) })
		return nil
	case errors.Is(err, stream.ErrStop) || compliance.IsKeyNotFound(err) ||
		errors.Is(err, compliance.ErrUnauthorized) || errors.Is(err, compliance.ErrForbidden):
		// The key, not the file: no file would fare better.
		return fmt.Errorf("files: %s: %w", f.ID, err)
	case err != nil:
		rec := r.failures.Record(&b, p.FileID, err)
		if rec.Attempts < r.opts.MaxAttempts {
			delete(b.Checkpoints, key) // stays queued for the next run
		}
		f.Fetch, f.FetchedAt = model.FetchError, now
		b.Messages = []model.Message{m}
		r.log.Warn("file content not fetched", "file", f.ID, "message", m.ID, "attempts", rec.Attempts, "err", err)
		r.report(func(st *stream.State) { st.Skipped++ })
		return r.ingest(ctx, b)
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
	b.Messages = []model.Message{m}
	r.failures.Clear(&b, p.FileID)
	if err := r.ingest(ctx, b); err != nil {
		return err
	}
	r.report(func(st *stream.State) {
		st.Items++
		st.Requests, st.RateLimited = r.client.Stats().Requests, r.client.Stats().RateLimited
	})
	return nil
}

func (r *run) ingest(ctx context.Context, b indexer.Batch) error {
	if _, err := r.env.Ix.Ingest(ctx, b); err != nil {
		return fmt.Errorf("files: store: %w", err)
	}
	return nil
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
