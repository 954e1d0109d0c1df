package indexer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/indexer/internal/docmap"
	"github.com/ccsync/ccsync/model"
)

// bleveBatchSize is the documents per Bleve batch (see docmap.BatchSize).
const bleveBatchSize = docmap.BatchSize

// applyOutbox brings Bleve in line with Badger for every outbox entry, then
// clears the entries. It runs after each write and at start-up, so a crash
// between the Badger commit and the Bleve batch is repaired on restart.
// cache holds messages just written, saving a read per document.
//
// A message entry's value lists the months whose partitions may hold an
// older copy of its document (its creation time changed, or it was
// deleted), so the copy can be removed without asking every partition.
func (ix *Indexer) applyOutbox(ctx context.Context, cache map[string]*model.Message) error {
	// Journal entries committed before the outbox is read below have their
	// documents in it: once it is applied they are searchable.
	through := ix.jr.next.Load()
	if err := ix.applyOutboxEntries(ctx, cache); err != nil {
		return err
	}
	if through > 0 {
		ix.journalIndexedThrough(through - 1)
	}
	return nil
}

func (ix *Indexer) applyOutboxEntries(ctx context.Context, cache map[string]*model.Message) error {
	var entries [][]byte
	var drops []string
	msgIDs := map[string][]string{} // id → months that may hold an old copy
	convIDs := map[string]bool{}
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pOutbox)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			entries = append(entries, k)
			rest := string(k[len(pOutbox):])
			var err error
			switch {
			case strings.HasPrefix(rest, obDrop):
				drops = append(drops, rest[len(obDrop):])
			case strings.HasPrefix(rest, obConvDeep):
				conv := rest[len(obConvDeep):]
				convIDs[conv] = true
				err = conversationMessageIDs(txn, conv, msgIDs)
			case strings.HasPrefix(rest, obMessage):
				id := rest[len(obMessage):]
				var v []byte
				if v, err = it.Item().ValueCopy(nil); err == nil {
					msgIDs[id] = appendMonths(msgIDs[id], string(v))
				}
			case strings.HasPrefix(rest, obConv):
				convIDs[rest[len(obConv):]] = true
			case strings.HasPrefix(rest, obUser):
				user := rest[len(obUser):]
				err = scanKeys(txn, userConvPrefix(user), func(k []byte) error {
					conv := string(k[len(userConvPrefix(user))+8:])
					convIDs[conv] = true
					return conversationMessageIDs(txn, conv, msgIDs)
				})
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(entries) == 0 {
		return err
	}
	// Drops first: a dropped month's messages are gone from Badger too.
	for _, m := range drops {
		if err := ix.dropMonth(ctx, m); err != nil {
			return err
		}
	}
	if err := ix.indexDocs(ctx, msgIDs, convIDs, cache); err != nil {
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

// dropMonth removes a month's partition that a deletion emptied. A deletion
// records the drop in its first transaction; when it fails part-way, the
// month still has messages, and dropping the partition would hide them from
// search until the deletion is finished: the partition is then rebuilt from
// the store instead, so the index holds exactly what the store holds.
func (ix *Indexer) dropMonth(ctx context.Context, month string) error {
	from, to, err := monthBounds(month)
	if err != nil {
		return ix.parts.drop(month)
	}
	left := false
	err = ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeMsg)})
		defer it.Close()
		it.Seek(timeMsgKey(from, ""))
		left = it.Valid() && string(it.Item().Key()) < string(timeMsgKey(to, ""))
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop index partition %s: %w", month, err)
	}
	if !left {
		return ix.parts.drop(month)
	}
	ix.log.Warn("a month whose deletion did not finish keeps messages; rebuilding its index partition", "month", month)
	return ix.rebuildPartitionLocked(ctx, month, nil)
}

// appendMonths adds the comma-separated months in v to ms.
func appendMonths(ms []string, v string) []string {
	for m := range strings.SplitSeq(v, ",") {
		if m != "" && !slices.Contains(ms, m) {
			ms = append(ms, m)
		}
	}
	return ms
}

func conversationMessageIDs(txn *badger.Txn, conv string, into map[string][]string) error {
	p := convMsgPrefix(conv)
	return scanKeys(txn, p, func(k []byte) error {
		id := string(k[len(p)+8:])
		if _, ok := into[id]; !ok {
			into[id] = nil
		}
		return nil
	})
}

// indexDocs (re)indexes the given messages and conversations from Badger,
// each message into its month's partition, deleting the documents of
// records that no longer exist and copies left in other months.
func (ix *Indexer) indexDocs(ctx context.Context, msgIDs map[string][]string, convIDs map[string]bool, cache map[string]*model.Message) error {
	l := newDocLoader(ix)
	defer l.close()
	batches := map[string]*batcher{}
	batch := func(month string, create bool) (*batcher, error) {
		if b := batches[month]; b != nil {
			return b, nil
		}
		idx := ix.parts.month(month)
		if idx == nil && create {
			var err error
			if idx, err = ix.parts.monthOrCreate(month); err != nil {
				return nil, err
			}
		}
		if idx == nil {
			return nil, nil
		}
		if err := writable(idx); err != nil {
			return nil, err
		}
		b := newBatcher(ctx, idx)
		batches[month] = b
		return b, nil
	}
	for id, old := range msgIDs {
		m := cache[id]
		if m == nil {
			var err error
			if m, err = l.message(id); err != nil {
				return err
			}
		}
		target := ""
		if m != nil {
			target = monthOf(m.CreatedAt)
			b, err := batch(target, true)
			if err != nil {
				return err
			}
			c, u, err := l.owner(m.ConversationID)
			if err != nil {
				return err
			}
			if err := b.index(messageDocID(id), messageDoc(m, c, u)); err != nil {
				return err
			}
		} else if len(old) == 0 {
			// Gone, and nothing says where it was: ask every partition.
			old = ix.parts.months()
		}
		for _, month := range old {
			if month == target {
				continue
			}
			b, err := batch(month, false)
			if err != nil {
				return err
			}
			if b != nil {
				if err := b.delete(messageDocID(id)); err != nil {
					return err
				}
			}
		}
	}
	conv := ix.parts.conversations()
	if err := writable(conv); err != nil {
		return err
	}
	cb := newBatcher(ctx, conv)
	for id := range convIDs {
		c, u, err := l.owner(id)
		if err != nil {
			return err
		}
		if c == nil {
			err = cb.delete(convDocID(id))
		} else {
			a, aerr := l.agg(id)
			if aerr != nil {
				return aerr
			}
			err = cb.index(convDocID(id), conversationDoc(c, a, u))
		}
		if err != nil {
			return err
		}
	}
	for _, b := range batches {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return cb.flush()
}

// batcher sends documents to one index in batches of bleveBatchSize.
type batcher struct {
	ctx     context.Context
	idx     bleve.Index
	b       *bleve.Batch
	total   int       // documents indexed or deleted so far
	flushed func(int) // optional: called with each flushed batch's size
}

func newBatcher(ctx context.Context, idx bleve.Index) *batcher {
	return &batcher{ctx: ctx, idx: idx, b: idx.NewBatch()}
}

func (b *batcher) index(id string, d *doc) error {
	if err := b.b.Index(id, d); err != nil {
		return err
	}
	return b.maybeFlush()
}

func (b *batcher) delete(id string) error {
	b.b.Delete(id)
	return b.maybeFlush()
}

func (b *batcher) maybeFlush() error {
	if b.b.Size() < bleveBatchSize {
		return nil
	}
	return b.flush()
}

func (b *batcher) flush() error {
	n := b.b.Size()
	if n == 0 {
		return nil
	}
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if err := b.idx.Batch(b.b); err != nil {
		return fmt.Errorf("index batch (%s): %w", b.idx.Name(), err)
	}
	// A new batch, not Reset: Bleve's analysis goroutine may still be
	// ranging over the old one's map after Batch returns (a data race).
	b.b = b.idx.NewBatch()
	b.total += n
	if b.flushed != nil {
		b.flushed(n)
	}
	return nil
}
