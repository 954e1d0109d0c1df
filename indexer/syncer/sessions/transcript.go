package sessions

import (
	"context"
	"errors"
	"fmt"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/sessions"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

// fetchFn reads one transcript page, converted (Seq unset).
type fetchFn func(ctx context.Context, o sessions.WalkOpts) (msgs []model.Message, next string, err error)

// transcript is one session's sync: what is stored and what the walk learnt.
type transcript struct {
	r      *run
	conv   model.Conversation // fresh metadata from the API
	stored model.Conversation
	found  bool
	users  []model.User
	known  map[string]int // message id -> Seq
	maxSeq int
	dirs   []string // absolute directories the tools touched (workdir)
	title  string
	model  string
	added  int
	// finish runs before the walk's last batch is built (metadata learnt
	// from the pages); checkpoints add to that batch (failure records,
	// change-detection marks), so they commit with the data they cover.
	finish      func()
	checkpoints []func(*indexer.Batch)
}

func (r *run) openTranscript(ctx context.Context, conv model.Conversation, users []model.User) (*transcript, error) {
	t := &transcript{r: r, conv: conv, users: users, known: map[string]int{}, maxSeq: -1}
	stored, err := r.env.Ix.Conversation(ctx, conv.ID)
	switch {
	case errors.Is(err, indexer.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("session %s: read stored: %w", conv.ID, err)
	default:
		t.stored, t.found = stored, true
	}
	seqs, err := r.env.Ix.MessageSeqs(ctx, conv.ID)
	if err != nil {
		return nil, fmt.Errorf("session %s: read stored seqs: %w", conv.ID, err)
	}
	t.known = seqs
	for _, s := range t.known {
		t.maxSeq = max(t.maxSeq, s)
	}
	return t, nil
}

// sync reads what is new: the whole transcript the first time, else newest
// first until a page holds only known turns.
func (t *transcript) sync(ctx context.Context, fetch fetchFn) error {
	if len(t.known) == 0 {
		return t.ascending(ctx, fetch)
	}
	return t.newestFirst(ctx, fetch)
}

const maxWalkRestarts = 3

// ascending walks oldest first, committing page by page: known turns are
// skipped, new ones get the next Seq. An expired or refused token restarts
// the walk (the turns committed so far are known by then).
func (t *transcript) ascending(ctx context.Context, fetch fetchFn) error {
	page, restarts := "", 0
	for pages := 0; ; pages++ {
		if pages >= t.r.opts.MaxPages {
			return fmt.Errorf("session %s: transcript longer than %d pages", t.conv.ID, pages)
		}
		msgs, next, err := fetch(ctx, sessions.WalkOpts{Limit: t.r.opts.MessagePageSize, Page: page})
		if err != nil {
			if page != "" && classify(err) == outCursor && restarts < maxWalkRestarts {
				restarts++
				page = ""
				continue
			}
			return err
		}
		var fresh []model.Message
		for _, m := range msgs {
			if _, ok := t.known[m.ID]; ok {
				continue
			}
			t.maxSeq++
			m.Seq = t.maxSeq
			t.known[m.ID] = m.Seq
			fresh = append(fresh, m)
		}
		if err := t.commit(ctx, fresh, next == ""); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		page = next
	}
}

// newestFirst walks newest first, holding new turns until a page holds
// only known ones, then stores them oldest first after the known ones. If
// the new turns outgrow MaxHeldBytes it reads ascending instead, which
// commits page by page.
func (t *transcript) newestFirst(ctx context.Context, fetch fetchFn) error {
	var held []model.Message
	heldBytes, page, restarts := 0, "", 0
	for pages := 0; ; pages++ {
		if pages >= t.r.opts.MaxPages {
			return fmt.Errorf("session %s: transcript longer than %d pages", t.conv.ID, pages)
		}
		msgs, next, err := fetch(ctx, sessions.WalkOpts{Order: "desc", Limit: t.r.opts.MessagePageSize, Page: page})
		if err != nil {
			if page != "" && classify(err) == outCursor && restarts < maxWalkRestarts {
				restarts++
				page, held, heldBytes = "", nil, 0
				continue
			}
			return err
		}
		onlyKnown := len(msgs) > 0
		for _, m := range msgs {
			if _, ok := t.known[m.ID]; ok {
				continue
			}
			onlyKnown = false
			held = append(held, m)
			heldBytes += contentBytes(&m)
		}
		if heldBytes > t.r.opts.MaxHeldBytes {
			return t.ascending(ctx, fetch)
		}
		if onlyKnown || next == "" {
			break
		}
		page = next
	}
	for i, j := 0, len(held)-1; i < j; i, j = i+1, j-1 {
		held[i], held[j] = held[j], held[i]
	}
	for i := range held {
		if _, dup := t.known[held[i].ID]; dup {
			continue // a turn repeated across pages of a moving transcript
		}
		t.maxSeq++
		held[i].Seq = t.maxSeq
		t.known[held[i].ID] = held[i].Seq
	}
	return t.commit(ctx, dedupe(held), true)
}

func dedupe(ms []model.Message) []model.Message {
	seen := map[string]bool{}
	out := ms[:0]
	for _, m := range ms {
		if !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, m)
		}
	}
	return out
}

func contentBytes(m *model.Message) int {
	n := 256
	for _, b := range m.Blocks {
		n += len(b.Text) + len(b.ToolInput) + len(b.Raw)
	}
	return n
}

// observe learns title, workdir and model from new turns.
func (t *transcript) observe(msgs []model.Message) {
	if t.title == "" {
		t.title = sessions.Title(msgs)
	}
	for i := range msgs {
		if len(t.dirs) < 10000 {
			t.dirs = append(t.dirs, sessions.PathsOf(&msgs[i])...)
		}
		if msgs[i].Model != "" {
			t.model = msgs[i].Model
		}
	}
}

// record is the conversation as stored after this walk. Until the walk is
// complete it keeps the stored updated_at (or created_at): a walk cut short
// by a crash must not look finished to the next run's "unchanged" check.
func (t *transcript) record(final bool) model.Conversation {
	c := t.conv
	if t.title != "" {
		c.Title, c.TitleDerived = t.title, true
	}
	if wd := sessions.Workdir(t.dirs); wd != "" {
		c.Workdir = wd
	}
	if t.model != "" {
		c.Model = t.model
	}
	if t.found {
		s := t.stored
		if s.CreatedAt.Before(c.CreatedAt) && !s.CreatedAt.IsZero() {
			c.CreatedAt = s.CreatedAt // aged-out turns stay archived, and so does the start
		}
		if c.UpdatedAt.Before(s.UpdatedAt) {
			c.UpdatedAt = s.UpdatedAt
		}
		// The first walk saw the session's beginning; later walks see only
		// new turns, whose first text is not the session's title.
		if s.Title != "" {
			c.Title, c.TitleDerived = s.Title, s.TitleDerived
		}
		if s.Workdir != "" {
			c.Workdir = s.Workdir
		}
		if c.StartedBy == "" {
			c.StartedBy = s.StartedBy
		}
		if c.ProjectID == "" {
			c.ProjectID = s.ProjectID
		}
		if c.Surface == "" && s.Surface != "" {
			c.Surface, c.Product = s.Surface, s.Product
		}
		if s.DeletedBy == model.DeletedByUser {
			c.DeletedAt, c.DeletedBy = s.DeletedAt, s.DeletedBy
		}
	}
	if !final {
		switch {
		case t.found:
			c.UpdatedAt = t.stored.UpdatedAt
		default:
			c.UpdatedAt = c.CreatedAt
		}
	}
	return c
}

// commit stores msgs (in chunks bounded by MaxBatchBytes) with the
// conversation record; the final commit of a walk also marks the
// conversation up to date and stores the checkpoints.
func (t *transcript) commit(ctx context.Context, msgs []model.Message, final bool) error {
	t.observe(msgs)
	if final && t.finish != nil {
		t.finish()
	}
	for start := 0; ; {
		end, size := start, 0
		for end < len(msgs) && (end == start || size+contentBytes(&msgs[end]) <= t.r.opts.MaxBatchBytes) {
			size += contentBytes(&msgs[end])
			end++
		}
		last := end >= len(msgs)
		if err := indexer.CheckChatDates(&model.Conversation{ID: t.conv.ID, CreatedAt: t.conv.CreatedAt}, msgs[start:end]); err != nil {
			return fmt.Errorf("session %s: %w", t.conv.ID, err)
		}
		b := indexer.Batch{Users: t.users, Conversations: []model.Conversation{t.record(final && last)}, Messages: msgs[start:end]}
		for i := range b.Messages {
			stream.QueueMessageFiles(&b, &b.Messages[i], false)
		}
		if final && last {
			for _, f := range t.checkpoints {
				f(&b)
			}
		}
		if err := t.r.store(ctx, b, size, final && last && start == 0); err != nil {
			return fmt.Errorf("session %s: ingest: %w", t.conv.ID, err)
		}
		t.added += end - start
		t.r.counted(0, end-start)
		if last {
			return nil
		}
		start = end
	}
}
