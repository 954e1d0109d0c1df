package sessions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/sessions"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

// syncLocal walks the local list (backfill, then incremental), reading the
// transcript of every listed session that changed, and commits the list
// token after each page's sessions are stored.
func (r *run) syncLocal(ctx context.Context) error {
	now := r.env.Now()
	w := r.st.Local.Walk
	if w != nil && now.Sub(w.Started) > r.opts.ListTokenMaxAge {
		// The API would re-evaluate so old a token against today's
		// retention boundary and could skip sessions: walk again.
		r.env.Log.Info("sessions: local list token too old; restarting the walk", "started", w.Started)
		w.Page, w.Started, w.Pages = "", now, 0
	}
	if w == nil {
		w = r.newWalk(now)
	}
	for {
		if w.Pages >= r.opts.MaxPages {
			return fmt.Errorf("local sessions list longer than %d pages", w.Pages)
		}
		p, err := sessions.ListLocal(ctx, r.env.Client, sessions.LocalListOpts{
			CreatedGTE: w.CreatedGTE, UpdatedGTE: w.UpdatedGTE, Limit: r.opts.ListPageSize, Page: w.Page})
		if err != nil {
			o := classify(err)
			if o == outCursor && w.Page != "" {
				w.Page, w.Started, w.Pages = "", r.env.Now(), 0
				continue
			}
			if f := fatal(o, err); f != nil {
				return f
			}
			return err // the whole list failed: the next run resumes at this token
		}
		r.page = &pageBatch{}
		b := &r.page.b
		for _, bad := range p.Bad {
			r.env.Log.Warn("sessions: unreadable local session in list", "index", bad.Index, "id", bad.ID, "err", bad.Err)
			if bad.ID != "" {
				r.fails.Record(b, bad.ID, fmt.Errorf("unreadable list item: %w", bad.Err))
				r.skippedOne()
			}
		}
		for i := range p.Sessions {
			if err := r.localSession(ctx, &p.Sessions[i], b); err != nil {
				// What the page stored so far is kept; its cursor is not
				// moved, so the next run reads the page again.
				return errors.Join(err, r.endPage(ctx))
			}
		}
		w.Pages++
		w.Page = p.NextPage
		if p.NextPage == "" {
			r.st.Local.Backfilled = true
			r.st.Local.LastWalkStart = w.Started
			r.st.Local.Walk = nil
		} else {
			r.st.Local.Walk = w
		}
		if b.Checkpoints == nil {
			b.Checkpoints = map[string][]byte{}
		}
		b.Checkpoints[stream.StateKey(Name)] = stream.MustJSON(r.st)
		if err := r.endPage(ctx); err != nil {
			return fmt.Errorf("local sessions: checkpoint: %w", err)
		}
		if p.NextPage == "" {
			return nil
		}
	}
}

// newWalk starts a list walk: the backfill from SyncFrom, or sessions
// updated since the previous run began, less the overlap (a call still
// being indexed at that moment would otherwise be lost for good).
func (r *run) newWalk(now time.Time) *listWalk {
	w := &listWalk{Phase: phaseBackfill, CreatedGTE: r.env.SyncFrom, Started: now}
	if !r.st.Local.Backfilled {
		return w
	}
	from := r.env.LastRunStart
	if last := r.st.Local.LastWalkStart; from.IsZero() || !last.IsZero() && last.Before(from) {
		from = last
	}
	if !from.IsZero() {
		w.Phase, w.UpdatedGTE = phaseIncremental, from.Add(-r.opts.Overlap)
	}
	return w
}

// localSession syncs one listed session; failures that concern only it are
// recorded in b (the list page's batch) and the walk goes on.
func (r *run) localSession(ctx context.Context, s *sessions.LocalSession, b *indexer.Batch) error {
	if s.ID == "" || r.done[s.ID] {
		return nil
	}
	if r.env.Cap.Left(r.env.Now()) <= 0 {
		return errCapped // the caller keeps what the page stored
	}
	r.done[s.ID] = true
	err := r.readLocal(ctx, s, false)
	return r.settle(ctx, s.ID, err, b)
}

// settle turns a session's outcome into the run's: a skip is recorded, a
// 404 marks the session gone, whole-stream outcomes stop the part.
func (r *run) settle(ctx context.Context, id string, err error, b *indexer.Batch) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	o := classify(err)
	if f := fatal(o, err); f != nil {
		return f
	}
	if o == outGone {
		if err := r.env.Ix.MarkDeleted(ctx, id, model.DeletedByUpstream, r.env.Now()); err != nil {
			return fmt.Errorf("session %s: mark deleted: %w", id, err)
		}
		r.fails.Clear(b, id)
		r.forgetRemote(b, id)
		return nil
	}
	r.env.Log.Warn("sessions: session skipped; retried next run", "id", id, "err", err)
	r.fails.Record(b, id, err)
	r.skippedOne()
	return nil
}

// readLocal syncs the transcript of s unless it is unchanged since stored.
func (r *run) readLocal(ctx context.Context, s *sessions.LocalSession, retry bool) error {
	conv := s.Conversation()
	var users []model.User
	if u, ok := s.Owner(); ok {
		users = append(users, u)
	}
	t, err := r.openTranscript(ctx, conv, users)
	if err != nil {
		return err
	}
	failed := r.hasFailure(s.ID)
	if !retry && !failed && t.found && len(t.known) > 0 && !t.stored.UpdatedAt.Before(conv.UpdatedAt) {
		return nil // listed updated_at is a lower bound: nothing newer than what is stored
	}
	var envelope *sessions.LocalSession
	fetch := func(ctx context.Context, o sessions.WalkOpts) ([]model.Message, string, error) {
		p, err := sessions.LocalMessagesPage(ctx, r.env.Client, s.ID, o)
		if err != nil {
			return nil, "", err
		}
		if p.Session.ID != "" {
			envelope = &p.Session
		}
		for _, bad := range p.Bad {
			r.env.Log.Warn("sessions: unreadable message skipped", "session", s.ID, "index", bad.Index, "id", bad.ID, "err", bad.Err)
		}
		out := make([]model.Message, 0, len(p.Messages))
		for i := range p.Messages {
			out = append(out, p.Messages[i].ModelMessage(s.ID, -1))
		}
		return out, p.NextPage, nil
	}
	t.finish = func() {
		if envelope == nil {
			return
		}
		// The envelope's updated_at is exact where the list's may lag;
		// its email is always null and is not used.
		if envelope.UpdatedAt.After(t.conv.UpdatedAt) {
			t.conv.UpdatedAt = envelope.UpdatedAt.Time
		}
		t.conv.Truncated = t.conv.Truncated || envelope.Truncated
	}
	t.checkpoints = append(t.checkpoints, func(b *indexer.Batch) { r.fails.Clear(b, s.ID) })
	if err := t.sync(ctx, fetch); err != nil {
		return err
	}
	r.counted(1, 0)
	return nil
}

func (r *run) hasFailure(id string) bool {
	for _, f := range r.fails.List() {
		if f.ID == id {
			return true
		}
	}
	return false
}
