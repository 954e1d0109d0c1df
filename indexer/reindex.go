package indexer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// Reindex rebuilds the Bleve index from Badger into a new directory while
// searches keep using the old index, then swaps the two. Writes wait until
// the swap so nothing stored during the rebuild is missed.
func (ix *Indexer) Reindex(ctx context.Context, progress Progress) error {
	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ix.checkOpen(); err != nil {
		return err
	}
	dir := filepath.Join(ix.opts.Dir, "index")
	next := dir + ".rebuild"
	if err := os.RemoveAll(next); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	idx, err := newIndex(next)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	if err := ix.reindexInto(ctx, idx, progress); err != nil {
		idx.Close()
		os.RemoveAll(next)
		return fmt.Errorf("reindex: %w", err)
	}
	if err := idx.Close(); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	ix.idxMu.Lock()
	defer ix.idxMu.Unlock()
	if err := ix.idx.Close(); err != nil {
		ix.log.Warn("reindex: closing old index", "error", err)
	}
	old := dir + ".old"
	_ = os.RemoveAll(old)
	// Renames are atomic: a crash here leaves either the old or the new index
	// at dir (or none, which the next Open rebuilds).
	if err := os.Rename(dir, old); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("reindex: %w", err)
	}
	if err := os.Rename(next, dir); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	_ = os.RemoveAll(old)
	if ix.idx, err = bleve.Open(dir); err != nil {
		return fmt.Errorf("reindex: reopen: %w", err)
	}
	return nil
}

// reindexInto indexes every stored message and conversation into idx.
func (ix *Indexer) reindexInto(ctx context.Context, idx bleve.Index, progress Progress) error {
	total := ix.countPrefix(pMessage) + ix.countPrefix(pConv)
	done := 0
	report := func() {
		if progress != nil {
			progress(done, total)
		}
		ix.Publish(Event{Job: "reindex", Kind: "reindex", State: "running", Done: int64(done), Total: int64(total), Unit: "documents"})
	}
	report()
	start := time.Now()
	l := newDocLoader(ix)
	defer l.close()
	batch := idx.NewBatch()
	flush := func() error {
		if batch.Size() == 0 {
			return nil
		}
		if err := idx.Batch(batch); err != nil {
			return err
		}
		done += batch.Size()
		// A new batch, not Reset: Bleve's analysis goroutine may still be
		// ranging over the old one's map after Batch returns (a data race).
		batch = idx.NewBatch()
		report()
		return ctx.Err()
	}
	add := func(id string, d *doc) error {
		if err := batch.Index(id, d); err != nil {
			return err
		}
		if batch.Size() >= bleveBatchSize {
			return flush()
		}
		return nil
	}
	err := ix.db.View(func(txn *badger.Txn) error {
		if err := ix.reindexMessages(txn, l, add); err != nil {
			return err
		}
		return scanKeys(txn, []byte(pConv), func(k []byte) error {
			id := string(k[len(pConv):])
			c, u, err := l.owner(id)
			if err != nil || c == nil {
				return err
			}
			a, err := l.agg(id)
			if err != nil {
				return err
			}
			return add(convDocID(id), conversationDoc(c, a, u))
		})
	})
	if err == nil {
		err = flush()
	}
	state := "done"
	if err != nil {
		state = "failed"
	}
	ix.Publish(Event{Job: "reindex", Kind: "reindex", State: state, Done: int64(done), Total: int64(total), Unit: "documents"})
	if err == nil {
		ix.log.Info("index rebuilt", "documents", done, "took", time.Since(start).Round(time.Millisecond))
	}
	return err
}

func (ix *Indexer) reindexMessages(txn *badger.Txn, l *docLoader, add func(string, *doc) error) error {
	return eachMessage(txn, func(m *model.Message) error {
		c, u, err := l.owner(m.ConversationID)
		if err != nil {
			return err
		}
		return add(messageDocID(m.ID), messageDoc(m, c, u))
	})
}
