// Package activity is the sync stream of the Activity Feed: it walks the
// feed oldest first, re-polls an overlap window for rows that land behind
// the cursor, learns which key is ccsync's own from its own request ids,
// and flags other keys, admin keys and unknown addresses at ingest.
package activity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	feed "github.com/ccsync/ccsync/indexer/compliance/activity"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// Name is the stream's name, prefix of its meta keys and counters.
const Name = "activities"

// Options tune the stream; the zero value is the documented behaviour.
type Options struct {
	// PageSize is the events per request; default and maximum 5,000.
	PageSize int
	// Overlap is how far before the last run's start each run re-reads,
	// for rows the feed records late (default 10 minutes).
	Overlap time.Duration
	// MaxPages bounds the requests of one run (default 2,000: ten million
	// events); the next run goes on from the cursor.
	MaxPages int
}

// State is the stream's checkpoint, committed with the events it covers.
type State struct {
	// AfterID is the last event of the ascending walk ("" before the first
	// page, and after the feed rejected it).
	AfterID string `json:"after_id,omitempty"`
	// Newest is the latest created_at stored: where a walk restarts (minus
	// the overlap) when the feed rejects the cursor.
	Newest time.Time `json:"newest,omitzero"`
}

type activityStream struct{ opts Options }

// New returns the Activity Feed stream.
func New(o Options) stream.Stream {
	if o.PageSize <= 0 || o.PageSize > feed.MaxLimit {
		o.PageSize = feed.MaxLimit
	}
	if o.Overlap <= 0 {
		o.Overlap = 10 * time.Minute
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 2000
	}
	return &activityStream{opts: o}
}

func (s *activityStream) Name() string { return Name }

// run is one Run's working set.
type run struct {
	opts     Options
	env      *stream.Env
	state    State
	class    *classifier
	failures *stream.Failures
	pages    int
	log      *slog.Logger
}

func (s *activityStream) Run(ctx context.Context, env *stream.Env) error {
	r := &run{opts: s.opts, env: env, log: env.Log}
	if r.log == nil {
		r.log = slog.Default()
	}
	if err := r.load(); err != nil {
		return r.fail(err)
	}
	r.report(func(st *stream.State) { st.State, st.Phase = stream.StateRunning, "walk" })
	if err := r.walk(ctx); err != nil {
		return r.fail(err)
	}
	if !env.LastRunStart.IsZero() {
		r.report(func(st *stream.State) { st.Phase = "overlap" })
		if err := r.overlap(ctx); err != nil {
			return r.fail(err)
		}
	}
	r.report(func(st *stream.State) { st.State, st.Phase = stream.StateDone, "" })
	return nil
}

func (r *run) report(f func(*stream.State)) {
	if r.env.Report != nil {
		r.env.Report(f)
	}
}

func (r *run) fail(err error) error {
	state := stream.StateFailed
	var api *compliance.APIError
	switch {
	case errors.As(err, &api) && api.Status == 403:
		state = stream.StateForbidden
	case compliance.IsKeyNotFound(err), compliance.IsNotEnabled(err):
		// A bare 404 also answers paths a tenant is not offered (plan risk
		// 6): the chats preflight decides whether the key is refused.
		state = stream.StateUnavailable
	}
	r.report(func(st *stream.State) { st.State, st.LastError = state, err.Error() })
	return fmt.Errorf("activities: %w", err)
}

func (r *run) load() error {
	ix := r.env.Ix
	if _, err := stream.LoadJSON(ix, stream.StateKey(Name), &r.state); err != nil && !errors.Is(err, indexer.ErrNotFound) {
		return err
	}
	settings, err := LoadSettings(ix)
	if err != nil {
		return err
	}
	learned, err := LoadLearned(ix)
	if err != nil {
		return err
	}
	r.class = newClassifier(settings, learned)
	r.failures, err = stream.LoadFailures(ix, Name, r.now)
	return err
}

func (r *run) now() time.Time {
	if r.env.Now != nil {
		return r.env.Now()
	}
	return time.Now()
}

// walk pages through the feed oldest first from the cursor (or SyncFrom),
// committing the cursor with each page. A rejected cursor restarts once
// from the newest stored time minus the overlap: the upsert makes the
// re-read rows free of duplicates.
func (r *run) walk(ctx context.Context) error {
	p := feed.Params{Ascending: true, Limit: r.opts.PageSize, AfterID: r.state.AfterID}
	if p.AfterID == "" {
		p.CreatedGTE = r.restartFrom()
	}
	restarted := false
	for {
		page, err := r.list(ctx, p)
		if err != nil && p.AfterID != "" && compliance.IsCursorError(err) && !restarted {
			restarted = true
			r.log.Warn("activity feed rejected the saved cursor; re-reading from the newest stored time", "error", err)
			r.state.AfterID = ""
			p = feed.Params{Ascending: true, Limit: r.opts.PageSize, CreatedGTE: r.restartFrom()}
			continue
		}
		if err != nil {
			return err
		}
		if err := r.store(ctx, page, true); err != nil {
			return err
		}
		if !page.HasMore || page.LastID == nil || len(page.Data) == 0 {
			return nil
		}
		p = feed.Params{Ascending: true, Limit: r.opts.PageSize, AfterID: *page.LastID}
	}
}

func (r *run) restartFrom() time.Time {
	if r.state.Newest.IsZero() {
		return r.env.SyncFrom
	}
	t := r.state.Newest.Add(-r.opts.Overlap)
	if t.Before(r.env.SyncFrom) {
		return r.env.SyncFrom
	}
	return t
}

// overlap re-reads [last run start − overlap, this run's start): the feed
// may record a call a minute late, behind a cursor that already passed it.
// It leaves the cursor where the walk put it.
func (r *run) overlap(ctx context.Context) error {
	from := r.env.LastRunStart.Add(-r.opts.Overlap)
	if from.Before(r.env.SyncFrom) {
		from = r.env.SyncFrom
	}
	p := feed.Params{Ascending: true, Limit: r.opts.PageSize, CreatedGTE: from, CreatedLT: r.env.RunStart}
	for {
		page, err := r.list(ctx, p)
		if err != nil {
			return err
		}
		if err := r.store(ctx, page, false); err != nil {
			return err
		}
		if !page.HasMore || page.LastID == nil || len(page.Data) == 0 {
			return nil
		}
		p.AfterID, p.CreatedGTE = *page.LastID, time.Time{}
	}
}

func (r *run) list(ctx context.Context, p feed.Params) (*feed.Page, error) {
	if r.pages >= r.opts.MaxPages {
		return nil, fmt.Errorf("stopped after %d pages this run; the next run goes on", r.pages)
	}
	r.pages++
	r.report(func(st *stream.State) { st.Requests++ })
	return feed.List(ctx, r.env.Client, p)
}

// store converts, classifies and ingests one page; with cursor, the page's
// last id is committed in the same batch.
func (r *run) store(ctx context.Context, page *feed.Page, cursor bool) error {
	b := indexer.ActivityBatch{Checkpoints: map[string][]byte{}}
	fb := &indexer.Batch{Checkpoints: b.Checkpoints}
	skipped := 0
	for i, raw := range page.Data {
		a, err := feed.Convert(raw)
		if err != nil {
			id := feed.ItemID(raw)
			if id == "" {
				id = fmt.Sprintf("unnamed-%s-%d", r.now().UTC().Format("20060102T150405"), i)
			}
			r.failures.Record(fb, id, err)
			r.log.Warn("activity feed item skipped", "id", id, "error", err)
			skipped++
			continue
		}
		if indexer.CheckTime("created_at", a.CreatedAt) != nil {
			r.failures.Record(fb, a.ID, fmt.Errorf("created_at %s out of range", a.CreatedAt.Format(time.RFC3339)))
			skipped++
			continue
		}
		b.Activities = append(b.Activities, a)
	}
	// Learn from the whole page first, so a key learned from its last event
	// flags the earlier ones of the page too.
	r.class.learn(b.Activities, r.ownRequests())
	for i := range b.Activities {
		r.class.flag(&b.Activities[i])
		if t := b.Activities[i].CreatedAt; t.After(r.state.Newest) {
			r.state.Newest = t
		}
	}
	if cursor && page.LastID != nil {
		r.state.AfterID = *page.LastID
	}
	b.Checkpoints[stream.StateKey(Name)] = stream.MustJSON(r.state)
	if r.class.changed {
		b.Checkpoints[KeyLearned] = stream.MustJSON(r.class.learned)
		r.class.changed = false
	}
	res, err := r.env.Ix.IngestActivities(ctx, b)
	if err != nil {
		return fmt.Errorf("store page: %w", err)
	}
	r.report(func(st *stream.State) { st.Items += res.New + res.Changed; st.Skipped += skipped })
	return nil
}

func (r *run) ownRequests() map[string]bool {
	if r.env.OwnRequests == nil {
		return nil
	}
	ids := r.env.OwnRequests.Snapshot()
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
