package sessions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/sessions"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

// remoteSeen is what a remote session looked like when last read: the list
// has no updated_at filter, so a change is found by comparing.
type remoteSeen struct {
	UpdatedAt time.Time `json:"u"`
	Status    string    `json:"s"`
	CreatedAt time.Time `json:"c"`
}

func remoteKey(id string) string { return "sync/" + Name + "/remote/" + id }

func (r *run) loadRemoteSeen() (map[string]remoteSeen, error) {
	out := map[string]remoteSeen{}
	prefix := "sync/" + Name + "/remote/"
	err := r.env.Ix.ScanMeta(prefix, func(key string, value []byte) error {
		var s remoteSeen
		if err := jsonUnmarshal(value, &s); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		out[strings.TrimPrefix(key, prefix)] = s
		return nil
	})
	return out, err
}

func (r *run) forgetRemote(b *indexer.Batch, id string) {
	if !strings.HasPrefix(id, "cse_") {
		return
	}
	if b.Checkpoints == nil {
		b.Checkpoints = map[string][]byte{}
	}
	b.Checkpoints[remoteKey(id)] = nil
}

// syncRemote re-lists the trailing window (or, every RemoteReconcile,
// everything since SyncFrom), re-reads sessions whose updated_at or status
// changed, skips pending ones (their messages answer 404), and marks
// sessions that vanished from the list deleted once their messages answer
// 404: since late September 2026 users can delete remote sessions.
func (r *run) syncRemote(ctx context.Context) error {
	seen, err := r.loadRemoteSeen()
	if err != nil {
		return fmt.Errorf("remote sessions: %w", err)
	}
	now := r.env.Now()
	from := now.Add(-r.opts.RemoteLookback)
	full := now.Sub(r.st.RemoteFull) >= r.opts.RemoteReconcile
	if full || from.Before(r.env.SyncFrom) {
		from = r.env.SyncFrom
	}
	listed := map[string]bool{}
	page := ""
	for pages := 0; ; pages++ {
		if pages >= r.opts.MaxPages {
			return fmt.Errorf("remote sessions list longer than %d pages", pages)
		}
		p, err := sessions.ListRemote(ctx, r.env.Client, sessions.RemoteListOpts{CreatedGTE: from, Limit: r.opts.ListPageSize, Page: page})
		if err != nil {
			if f := fatal(classify(err), err); f != nil {
				if classify(err) == outUnavailable {
					return nil // the remote endpoints answer a bare 404 where not offered
				}
				return f
			}
			return err
		}
		r.page = &pageBatch{}
		b := &r.page.b
		for _, bad := range p.Bad {
			r.env.Log.Warn("sessions: unreadable remote session in list", "index", bad.Index, "id", bad.ID, "err", bad.Err)
			if bad.ID != "" {
				listed[bad.ID] = true
				r.fails.Record(b, bad.ID, fmt.Errorf("unreadable list item: %w", bad.Err))
				r.skippedOne()
			}
		}
		for i := range p.Sessions {
			rs := &p.Sessions[i]
			listed[rs.ID] = true
			if rs.ID == "" || r.done[rs.ID] {
				continue
			}
			if r.env.Cap.Left(r.env.Now()) <= 0 {
				return errors.Join(errCapped, r.endPage(ctx))
			}
			r.done[rs.ID] = true
			if rs.Status == "pending" {
				continue // not started: no transcript yet (404)
			}
			prev, known := seen[rs.ID]
			if known && prev.UpdatedAt.Equal(rs.UpdatedAt.Time) && prev.Status == rs.Status && !r.hasFailure(rs.ID) {
				continue
			}
			if err := r.settle(ctx, rs.ID, r.readRemote(ctx, rs), b); err != nil {
				return errors.Join(err, r.endPage(ctx))
			}
		}
		if err := r.endPage(ctx); err != nil {
			return fmt.Errorf("remote sessions: checkpoint: %w", err)
		}
		if p.NextPage == "" {
			break
		}
		page = p.NextPage
	}
	// Sessions read before, inside the listed window, and no longer listed:
	// ask once; a 404 means the user deleted them.
	b := indexer.Batch{}
	for id, s := range seen {
		if listed[id] || s.CreatedAt.Before(from) || r.done[id] {
			continue
		}
		r.done[id] = true
		_, err := sessions.RemoteMessagesPage(ctx, r.env.Client, id, sessions.WalkOpts{Limit: 1})
		if err == nil {
			continue // still there (listed late): the next run compares it
		}
		if err := r.settle(ctx, id, err, &b); err != nil {
			return err
		}
	}
	if full {
		r.st.RemoteFull = now
		if b.Checkpoints == nil {
			b.Checkpoints = map[string][]byte{}
		}
		b.Checkpoints[stream.StateKey(Name)] = stream.MustJSON(r.st)
	}
	if len(b.Checkpoints) > 0 {
		if _, err := r.env.Ix.Ingest(ctx, b); err != nil {
			return fmt.Errorf("remote sessions: checkpoint: %w", err)
		}
	}
	return nil
}

// readRemote syncs one listed remote session. The list is the only source
// of emails, started_by_user and the project (the messages envelope sends
// them null).
func (r *run) readRemote(ctx context.Context, rs *sessions.RemoteSession) error {
	t, err := r.openTranscript(ctx, rs.Conversation(), rs.Users())
	if err != nil {
		return err
	}
	fetch := func(ctx context.Context, o sessions.WalkOpts) ([]model.Message, string, error) {
		p, err := sessions.RemoteMessagesPage(ctx, r.env.Client, rs.ID, o)
		if err != nil {
			return nil, "", err
		}
		for _, bad := range p.Bad {
			r.env.Log.Warn("sessions: unreadable message skipped", "session", rs.ID, "index", bad.Index, "id", bad.ID, "err", bad.Err)
		}
		out := make([]model.Message, 0, len(p.Messages))
		for i := range p.Messages {
			out = append(out, p.Messages[i].ModelMessage(rs.ID, -1))
		}
		return out, p.NextPage, nil
	}
	seen := remoteSeen{UpdatedAt: rs.UpdatedAt.Time, Status: rs.Status, CreatedAt: rs.CreatedAt.Time}
	t.checkpoints = append(t.checkpoints, func(b *indexer.Batch) {
		r.fails.Clear(b, rs.ID)
		if b.Checkpoints == nil {
			b.Checkpoints = map[string][]byte{}
		}
		b.Checkpoints[remoteKey(rs.ID)] = stream.MustJSON(seen)
	})
	if err := t.sync(ctx, fetch); err != nil {
		return err
	}
	r.counted(1, 0)
	return nil
}

// retryFailures re-reads sessions recorded as failed that this run has not
// handled yet (e.g. out of the incremental window by now).
func (r *run) retryFailures(ctx context.Context) error {
	b := indexer.Batch{}
	for _, f := range r.fails.List() {
		if r.done[f.ID] {
			continue
		}
		r.done[f.ID] = true
		var err error
		switch {
		case strings.HasPrefix(f.ID, "clls_"):
			var s sessions.LocalSession
			if s, err = sessions.GetLocal(ctx, r.env.Client, f.ID); err == nil {
				err = r.readLocal(ctx, &s, true)
			}
		case strings.HasPrefix(f.ID, "cse_"):
			err = r.retryRemote(ctx, f.ID)
		default:
			continue
		}
		if err := r.settle(ctx, f.ID, err, &b); err != nil {
			return err
		}
	}
	if len(b.Checkpoints) > 0 {
		if _, err := r.env.Ix.Ingest(ctx, b); err != nil {
			return fmt.Errorf("sessions: failure records: %w", err)
		}
	}
	return nil
}

// retryRemote re-reads a remote session outside the listed window, with
// the metadata stored before (the envelope's own is partly null).
func (r *run) retryRemote(ctx context.Context, id string) error {
	p, err := sessions.RemoteMessagesPage(ctx, r.env.Client, id, sessions.WalkOpts{Limit: 1})
	if err != nil {
		return err
	}
	rs := p.Session
	if rs.ID == "" {
		rs.ID = id
	}
	return r.readRemote(ctx, &rs)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
