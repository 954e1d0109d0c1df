package indexer

import (
	"context"
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// Ingest scans messages, upserts the batch by id into Badger with an index
// outbox in the same transaction, then applies the outbox to Bleve.
//
// A record identical to the stored one changes nothing; a changed one replaces
// it, moving its secondary keys, counters and index documents with it. The
// batch is validated whole before anything is written.
func (ix *Indexer) Ingest(ctx context.Context, b Batch) (IngestResult, error) {
	if err := validateBatch(b); err != nil {
		return IngestResult{}, err
	}
	// Scanning and encoding happen before taking the write lock: they are the
	// CPU-heavy part that can overlap with another caller's Bleve batch.
	msgs := make([]encodedMessage, len(b.Messages))
	findings := 0
	for i := range b.Messages {
		m := b.Messages[i] // a copy: the caller's batch is not modified
		ix.scanMessage(&m)
		findings += len(m.Findings)
		raw, err := json.Marshal(&m)
		if err != nil {
			return IngestResult{}, fmt.Errorf("ingest: message %d (%s): encode: %w", i, m.ID, err)
		}
		msgs[i] = encodedMessage{msg: &m, raw: raw}
	}

	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ix.checkOpen(); err != nil {
		return IngestResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return IngestResult{}, err
	}
	if err := ix.checkSpace(); err != nil {
		return IngestResult{}, fmt.Errorf("ingest: %w", err)
	}
	w := ix.newWriter()
	w.origin = originOf(ctx, &b)
	// Users first: retention rules and holds that name a person by email
	// or alias must see the record this batch brings, or a user's first
	// sync would drop held history as expired.
	for i := range b.Users {
		if err := w.putUser(b.Users[i]); err != nil {
			w.discard()
			return IngestResult{}, fmt.Errorf("ingest: user %s: %w", b.Users[i].ID, err)
		}
	}
	convs, msgs, purged, err := ix.dropPurged(w, b.Conversations, msgs)
	var expired int
	if err == nil {
		convs, msgs, expired, err = ix.dropExpired(w, convs, msgs)
	}
	if err != nil {
		w.discard()
		return IngestResult{}, fmt.Errorf("ingest: %w", err)
	}
	for i := range convs {
		if err := w.putConversation(convs[i]); err != nil {
			w.discard()
			return IngestResult{}, fmt.Errorf("ingest: conversation %s: %w", convs[i].ID, err)
		}
	}
	for i := range msgs {
		if err := w.putMessage(msgs[i]); err != nil {
			w.discard()
			return IngestResult{}, fmt.Errorf("ingest: message %s: %w", msgs[i].msg.ID, err)
		}
	}
	for k, v := range b.Checkpoints {
		op := w.set
		if v == nil {
			op = func(k, _ []byte) error { return w.del(k) }
		}
		if err := op(key(pMeta, k), v); err != nil {
			w.discard()
			return IngestResult{}, fmt.Errorf("ingest: checkpoint %s: %w", k, err)
		}
	}
	if err := w.commit(); err != nil {
		return IngestResult{}, fmt.Errorf("ingest: %w", err)
	}
	res := w.res
	res.Findings = findings
	res.Purged = purged
	res.Expired = expired
	if err := ix.applyOutbox(ctx, w.cache); err != nil {
		// The data is stored and the outbox still lists what to index: the
		// next ingest, or the next start, finishes the job.
		return res, fmt.Errorf("ingest: stored, but indexing is pending: %w", err)
	}
	return res, nil
}

func validateBatch(b Batch) error {
	for i, u := range b.Users {
		if u.ID == "" {
			return fmt.Errorf("ingest: user %d: %w: empty id", i, ErrBadRequest)
		}
	}
	for i, c := range b.Conversations {
		if c.ID == "" {
			return fmt.Errorf("ingest: conversation %d: %w: empty id", i, ErrBadRequest)
		}
		if err := checkCreated(c.CreatedAt); err != nil {
			return fmt.Errorf("ingest: conversation %d (%s): %w", i, c.ID, err)
		}
	}
	for i, m := range b.Messages {
		if m.ID == "" || m.ConversationID == "" {
			return fmt.Errorf("ingest: message %d (%q): %w: empty id or conversation id", i, m.ID, ErrBadRequest)
		}
		if err := checkCreated(m.CreatedAt); err != nil {
			return fmt.Errorf("ingest: message %d (%s): %w", i, m.ID, err)
		}
	}
	return nil
}

// checkCreated is Ingest's rule for a record's creation time: records are
// keyed, counted and partitioned by it, so it must be set and inside the
// supported window (timewindow.go).
func checkCreated(t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%w: created_at is missing", ErrBadRequest)
	}
	return CheckTime("created_at", t)
}

// CheckChatDates applies Ingest's date rule to one conversation and its
// messages. Ingest refuses a whole batch for one bad record; a source calls
// this per chat to skip and report the chat instead. The error names the
// record and the field.
func CheckChatDates(c *model.Conversation, msgs []model.Message) error {
	if err := checkCreated(c.CreatedAt); err != nil {
		return fmt.Errorf("conversation %s: %w", c.ID, err)
	}
	for i := range msgs {
		if err := checkCreated(msgs[i].CreatedAt); err != nil {
			return fmt.Errorf("message %s: %w", msgs[i].ID, err)
		}
	}
	return nil
}

type encodedMessage struct {
	msg *model.Message
	raw []byte
}
