package indexer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ccsync/ccsync/model"
)

// MarkDeleted records that conversation id was deleted upstream (by its user,
// or gone with a 404) at the given time, keeping everything archived. A
// conversation already marked keeps its first mark; an unknown id is not an
// error (nothing was archived to mark).
func (ix *Indexer) MarkDeleted(ctx context.Context, id, by string, at time.Time) error {
	c, err := ix.Conversation(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mark deleted %s: %w", id, err)
	}
	if c.DeletedAt != nil && c.DeletedBy != "" {
		return nil
	}
	if c.DeletedAt == nil {
		t := at.UTC()
		c.DeletedAt = &t
	}
	c.DeletedBy = by
	if _, err := ix.Ingest(ctx, Batch{Conversations: []model.Conversation{c}}); err != nil {
		return fmt.Errorf("mark deleted %s: %w", id, err)
	}
	return nil
}
