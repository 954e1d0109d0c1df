// Package sessions is the sync stream of agent sessions: local sessions
// (Claude Code, Cowork, Claude Science, Microsoft 365, Chrome) and remote
// (cloud) sessions, read through indexer/compliance/sessions and ingested
// as conversations of kind session.
//
// Local: a backfill walk of the list from SyncFrom, its page token
// checkpointed with each committed page, then incremental walks of sessions
// updated since the previous run (with overlap). Remote: the list has no
// updated_at filter, so a trailing window is re-listed every run and a
// session is re-read when its updated_at or status changed. Transcripts are
// read in full (ascending) the first time, then newest first until a page
// holds only known turns. Known turns keep their Seq; new ones follow the
// highest; turns that age out upstream stay archived.
package sessions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// Name is the stream's name, prefix of its meta keys and counters.
const Name = "sessions"

// Options tune the stream; the zero value is the documented behaviour.
type Options struct {
	ListPageSize    int           // default 500, the API max
	MessagePageSize int           // default 200 (≤1000); pages of -1-bounded tool blocks can be large
	Overlap         time.Duration // incremental poll starts this long before the last run; default 15 min
	RemoteLookback  time.Duration // remote sessions re-listed every run; default 30 days
	// RemoteReconcile re-lists every remote session since SyncFrom this
	// often, to catch changes to sessions older than the lookback; default
	// 7 days.
	RemoteReconcile time.Duration
	// ListTokenMaxAge: a saved list token older than this is dropped and
	// the walk restarted (the API re-evaluates list tokens after 24 h and
	// can then skip sessions); default 23 h.
	ListTokenMaxAge time.Duration
	// MaxBatchBytes bounds the content bytes of one ingest batch, and
	// MaxHeldBytes what a newest-first walk may hold before it falls back
	// to an ascending walk committed page by page; defaults 16 MiB, 32 MiB.
	MaxBatchBytes int
	MaxHeldBytes  int
	// MaxPages bounds one list or transcript walk (a server that never
	// ends one); default 1,000,000.
	MaxPages int
}

func (o *Options) defaults() {
	if o.ListPageSize <= 0 || o.ListPageSize > 500 {
		o.ListPageSize = 500
	}
	if o.MessagePageSize <= 0 || o.MessagePageSize > 1000 {
		o.MessagePageSize = 200
	}
	if o.Overlap <= 0 {
		o.Overlap = 15 * time.Minute
	}
	if o.RemoteLookback <= 0 {
		o.RemoteLookback = 30 * 24 * time.Hour
	}
	if o.RemoteReconcile <= 0 {
		o.RemoteReconcile = 7 * 24 * time.Hour
	}
	if o.ListTokenMaxAge <= 0 {
		o.ListTokenMaxAge = 23 * time.Hour
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = 16 << 20
	}
	if o.MaxHeldBytes <= 0 {
		o.MaxHeldBytes = 32 << 20
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 1_000_000
	}
}

// New returns the sessions stream.
func New(o Options) stream.Stream {
	o.defaults()
	return &sessionStream{opts: o}
}

type sessionStream struct{ opts Options }

func (s *sessionStream) Name() string { return Name }

// state is the stream's checkpoint under stream.StateKey(Name).
type state struct {
	Local localState `json:"local"`
	// RemoteFull is when the remote list was last walked from SyncFrom.
	RemoteFull time.Time `json:"remote_full,omitzero"`
}

type localState struct {
	Backfilled bool `json:"backfilled"`
	// LastWalkEnd is when the last complete list walk began; with the
	// engine's LastRunStart it bounds the next incremental poll.
	LastWalkStart time.Time `json:"last_walk_start,omitzero"`
	Walk          *listWalk `json:"walk,omitempty"`
}

// listWalk is a local list walk in progress: its filter, so a resumed walk
// asks the same question, and the token of its next page.
type listWalk struct {
	Phase      string    `json:"phase"` // backfill | incremental
	CreatedGTE time.Time `json:"created_gte"`
	UpdatedGTE time.Time `json:"updated_gte,omitzero"`
	Page       string    `json:"page,omitempty"`
	Started    time.Time `json:"started"` // first page: a token older than ListTokenMaxAge is not reused
	Pages      int       `json:"pages"`
}

const (
	phaseBackfill    = "backfill"
	phaseIncremental = "incremental"
)

// run is one Run's working set.
type run struct {
	*sessionStream
	env   *stream.Env
	st    state
	fails *stream.Failures
	done  map[string]bool // sessions handled this run (failure retries skip them)
	stats runStats
	page  *pageBatch // the list page being read, nil outside a page
}

type runStats struct {
	sessions, messages, skipped int
}

// Run syncs local then remote sessions, then retries earlier failures.
func (s *sessionStream) Run(ctx context.Context, env *stream.Env) error {
	r := &run{sessionStream: s, env: env, done: map[string]bool{}}
	if err := loadState(env.Ix, &r.st); err != nil {
		return err
	}
	fails, err := stream.LoadFailures(env.Ix, Name, env.Now)
	if err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	r.fails = fails
	r.report(func(st *stream.State) { st.State, st.Phase, st.LastError = stream.StateRunning, "local", "" })

	final := stream.StateDone
	var lastErr string
	note := func(state string, err error) {
		// The worst outcome wins: forbidden/unavailable over failed over done.
		rank := map[string]int{stream.StateDone: 0, stream.StateFailed: 1, stream.StateUnavailable: 2, stream.StateForbidden: 3}
		if rank[state] >= rank[final] {
			final = state
			if err != nil {
				lastErr = err.Error()
			}
		}
	}
	for _, part := range []struct {
		phase string
		fn    func(context.Context) error
	}{{"local", r.syncLocal}, {"remote", r.syncRemote}, {"retry", r.retryFailures}} {
		r.report(func(st *stream.State) { st.Phase = part.phase })
		err := part.fn(ctx)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, stream.ErrStop):
			r.finish(stream.StateFailed, err.Error())
			return err
		case errors.Is(err, errCapped):
			at := r.env.Cap.ResumeAt(r.env.Now())
			r.report(func(st *stream.State) {
				st.State, st.WaitUntil, st.Phase = stream.StateWaiting, &at, ""
				st.LastError = fmt.Sprintf("hourly cap of %d sessions reached; resumes at %s", r.env.Cap.Limit, at.Format(time.RFC3339))
			})
			return nil
		case errors.Is(err, errForbidden):
			// The same scope covers both families: nothing more to try.
			r.finish(stream.StateForbidden, err.Error())
			return nil
		case errors.Is(err, errUnavailable):
			note(stream.StateUnavailable, err)
		default:
			note(stream.StateFailed, err)
			env.Log.Warn("sessions: part failed; the next run retries", "part", part.phase, "err", err)
		}
	}
	r.finish(final, lastErr)
	return nil
}

// loadState reads the checkpoint; absent is a first run. (stream.LoadJSON
// on main reports an absent key as an error: indexer.Meta answers
// ErrNotFound.)
func loadState(ix *indexer.Indexer, st *state) error {
	_, err := stream.LoadJSON(ix, stream.StateKey(Name), st)
	if errors.Is(err, indexer.ErrNotFound) {
		*st = state{}
		return nil
	}
	return err
}

func (r *run) report(f func(*stream.State)) {
	if r.env.Report != nil {
		r.env.Report(f)
	}
}

func (r *run) finish(state, lastErr string) {
	r.report(func(st *stream.State) {
		st.State, st.LastError, st.Phase = state, lastErr, ""
		if lastErr == "" && state == stream.StateDone && r.stats.skipped > 0 {
			st.LastError = fmt.Sprintf("%d session(s) skipped; retried next run", r.stats.skipped)
		}
	})
}

func (r *run) counted(sessions, messages int) {
	if sessions > 0 && r.env.Cap != nil {
		// The window is saved on its own: a session already stored counts
		// even if the page that listed it is read again after a crash.
		var b indexer.Batch
		r.env.Cap.Count(&b, r.env.Now(), sessions)
		for k, v := range b.Checkpoints {
			if err := r.env.Ix.PutMeta(k, v); err != nil {
				r.env.Log.Warn("sessions: hourly cap window not saved", "err", err)
			}
		}
	}
	r.stats.sessions += sessions
	r.stats.messages += messages
	r.report(func(st *stream.State) { st.Items += sessions; st.Messages += messages })
}

func (r *run) skippedOne() {
	r.stats.skipped++
	r.report(func(st *stream.State) { st.Skipped++ })
}
