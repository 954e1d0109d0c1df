package benchmark

import (
	"context"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/internal/docmap"
	"github.com/ccsync/ccsync/model"
)

// indexRawBleve indexes the batches next returns into a new, plain Bleve
// index at dir, with the indexer's mapping and the documents Ingest would
// build (one per message, one per conversation), in batches of
// docmap.BatchSize. It is the ceiling the ingest pipeline is measured
// against: no scanning, no Badger, no outbox. Only document mapping and
// Bleve's batch calls are timed, so the cost of producing the batches is
// not charged to Bleve. Messages are indexed as given (their Findings are not
// filled in by a scan); a conversation's document counts the messages of it
// that arrive in the same batch.
func indexRawBleve(ctx context.Context, dir string, next func() (indexer.Batch, bool)) (docs int, took time.Duration, err error) {
	idx, err := bleve.New(dir, docmap.NewMapping())
	if err != nil {
		return 0, 0, fmt.Errorf("raw bleve: %w", err)
	}
	defer func() {
		if cerr := idx.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("raw bleve: close: %w", cerr)
		}
	}()
	users := map[string]*model.User{}
	batch := idx.NewBatch()
	add := func(id string, d *docmap.Doc) error {
		start := time.Now()
		defer func() { took += time.Since(start) }()
		if err := batch.Index(id, d); err != nil {
			return fmt.Errorf("raw bleve: map %s: %w", id, err)
		}
		docs++
		if batch.Size() < docmap.BatchSize {
			return nil
		}
		if err := idx.Batch(batch); err != nil {
			return fmt.Errorf("raw bleve: batch: %w", err)
		}
		batch = idx.NewBatch()
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return docs, took, err
		}
		b, ok := next()
		if !ok {
			break
		}
		for i := range b.Users {
			users[b.Users[i].ID] = &b.Users[i]
		}
		convs := make(map[string]*model.Conversation, len(b.Conversations))
		aggs := make(map[string]*docmap.Aggregates, len(b.Conversations))
		for i := range b.Conversations {
			convs[b.Conversations[i].ID], aggs[b.Conversations[i].ID] = &b.Conversations[i], &docmap.Aggregates{}
		}
		for i := range b.Messages {
			m := &b.Messages[i]
			c := convs[m.ConversationID]
			var u *model.User
			if c != nil {
				u = users[c.OwnerID]
				aggs[c.ID].Add(m, 1)
			}
			if err := add(docmap.MessageID(m.ID), docmap.Message(m, c, u)); err != nil {
				return docs, took, err
			}
		}
		for i := range b.Conversations {
			c := &b.Conversations[i]
			if err := add(docmap.ConversationID(c.ID), docmap.Conversation(c, aggs[c.ID], users[c.OwnerID])); err != nil {
				return docs, took, err
			}
		}
	}
	if batch.Size() > 0 {
		start := time.Now()
		if err := idx.Batch(batch); err != nil {
			return docs, took, fmt.Errorf("raw bleve: batch: %w", err)
		}
		took += time.Since(start)
	}
	return docs, took, nil
}
