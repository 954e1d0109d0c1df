package indexer

import (
	"context"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// bleveBatchSize is the documents per Bleve batch: 1000 was the measured sweet
// spot (go-stack-notes §4); smaller batches make more segments to merge.
const bleveBatchSize = 1000

// applyOutbox brings Bleve in line with Badger for every outbox entry, then
// clears the entries. It runs after each write and at start-up, so a crash
// between the Badger commit and the Bleve batch is repaired on restart.
// cache holds messages just written, saving a read per document.
func (ix *Indexer) applyOutbox(ctx context.Context, cache map[string]*model.Message) error {
	var entries [][]byte
	msgIDs := map[string]bool{}
	convIDs := map[string]bool{}
	err := ix.db.View(func(txn *badger.Txn) error {
		return scanKeys(txn, []byte(pOutbox), func(k []byte) error {
			entries = append(entries, append([]byte(nil), k...))
			rest := string(k[len(pOutbox):])
			switch {
			case strings.HasPrefix(rest, obConvDeep):
				conv := rest[len(obConvDeep):]
				convIDs[conv] = true
				return conversationMessageIDs(txn, conv, msgIDs)
			case strings.HasPrefix(rest, obMessage):
				msgIDs[rest[len(obMessage):]] = true
			case strings.HasPrefix(rest, obConv):
				convIDs[rest[len(obConv):]] = true
			case strings.HasPrefix(rest, obUser):
				return scanKeys(txn, userConvPrefix(rest[len(obUser):]), func(k []byte) error {
					conv := string(k[len(userConvPrefix(rest[len(obUser):]))+8:])
					convIDs[conv] = true
					return conversationMessageIDs(txn, conv, msgIDs)
				})
			}
			return nil
		})
	})
	if err != nil || len(entries) == 0 {
		return err
	}
	idx := ix.index()
	if err := ix.indexDocs(ctx, idx, msgIDs, convIDs, cache); err != nil {
		return err
	}
	wb := ix.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range entries {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}

func conversationMessageIDs(txn *badger.Txn, conv string, into map[string]bool) error {
	p := convMsgPrefix(conv)
	return scanKeys(txn, p, func(k []byte) error {
		into[string(k[len(p)+8:])] = true
		return nil
	})
}

// indexDocs (re)indexes the given messages and conversations into idx from
// Badger, deleting the documents of records that no longer exist.
func (ix *Indexer) indexDocs(ctx context.Context, idx bleve.Index, msgIDs, convIDs map[string]bool, cache map[string]*model.Message) error {
	l := newDocLoader(ix)
	defer l.close()
	batch := idx.NewBatch()
	flush := func(force bool) error {
		if batch.Size() == 0 || (!force && batch.Size() < bleveBatchSize) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := idx.Batch(batch); err != nil {
			return fmt.Errorf("index batch: %w", err)
		}
		// A new batch, not Reset: Bleve's analysis goroutine may still be
		// ranging over the old one's map after Batch returns (a data race).
		batch = idx.NewBatch()
		return nil
	}
	for id := range msgIDs {
		m := cache[id]
		if m == nil {
			var err error
			if m, err = l.message(id); err != nil {
				return err
			}
		}
		if m == nil {
			batch.Delete(messageDocID(id))
		} else {
			c, u, err := l.owner(m.ConversationID)
			if err != nil {
				return err
			}
			if err := batch.Index(messageDocID(id), messageDoc(m, c, u)); err != nil {
				return err
			}
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	for id := range convIDs {
		c, u, err := l.owner(id)
		if err != nil {
			return err
		}
		if c == nil {
			batch.Delete(convDocID(id))
		} else {
			a, err := l.agg(id)
			if err != nil {
				return err
			}
			if err := batch.Index(convDocID(id), conversationDoc(c, a, u)); err != nil {
				return err
			}
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}
