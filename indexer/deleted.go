package indexer

import (
	"context"
	"fmt"
	"time"
)

// MarkDeleted records that conversation id was deleted upstream (by its user,
// or gone with a 404) at the given time, keeping everything archived. A
// conversation already marked keeps its first mark; an unknown id is not an
// error (nothing was archived to mark). A zero time means "now": a source
// that only learns of the deletion (a 404) knows no better time.
//
// The read and the write happen in one transaction under the write lock, so
// an Ingest of the same conversation running at the same time cannot slip
// between them and have its changes overwritten by a stale copy (or the
// mark lost).
func (ix *Indexer) MarkDeleted(ctx context.Context, id, by string, at time.Time) error {
	if id == "" {
		return fmt.Errorf("mark deleted: %w: empty conversation id", ErrBadRequest)
	}
	if at.IsZero() {
		at = time.Now()
	}
	if err := CheckTime("deleted_at", at); err != nil {
		return fmt.Errorf("mark deleted %s: %w", id, err)
	}
	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ix.checkOpen(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ix.checkSpace(); err != nil {
		return fmt.Errorf("mark deleted %s: %w", id, err)
	}
	w := ix.newWriter()
	c, err := w.conversation(id)
	if err != nil || c == nil || (c.DeletedAt != nil && c.DeletedBy != "") {
		w.discard()
		if err != nil {
			return fmt.Errorf("mark deleted %s: %w", id, err)
		}
		return nil
	}
	marked := *c
	if marked.DeletedAt == nil {
		t := at.UTC()
		marked.DeletedAt = &t
	}
	marked.DeletedBy = by
	delete(w.convs, id) // putConversation must compare with the stored copy
	if err := w.putConversation(marked); err != nil {
		w.discard()
		return fmt.Errorf("mark deleted %s: %w", id, err)
	}
	if err := w.commit(); err != nil {
		return fmt.Errorf("mark deleted %s: %w", id, err)
	}
	if err := ix.applyOutbox(ctx, w.cache); err != nil {
		return fmt.Errorf("mark deleted %s: stored, but indexing is pending: %w", id, err)
	}
	return nil
}
