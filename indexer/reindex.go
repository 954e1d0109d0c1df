package indexer

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/dgraph-io/badger/v4"
)

// Reindex rebuilds the index from Badger one partition at a time, each into a
// new directory swapped in when complete. Searches keep using the old
// partition meanwhile; writes wait only while the partition being rebuilt
// is built, not for the whole rebuild.
func (ix *Indexer) Reindex(ctx context.Context, progress Progress) error {
	ix.writes.Lock()
	err := ix.checkOpen()
	ix.writes.Unlock()
	if err != nil {
		return err
	}
	if err := ix.rebuildAll(ctx, progress); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	return nil
}

// ReindexMonth rebuilds one month's partition ("2006-01"), or the
// conversations partition when month is "conversations".
func (ix *Indexer) ReindexMonth(ctx context.Context, month string) error {
	if month != convPartition {
		from, to, err := monthBounds(month)
		if err != nil {
			return fmt.Errorf("reindex: %w: month %q (want YYYY-MM)", ErrBadRequest, month)
		}
		// A month outside the window has wrapped keys: its scan would
		// index other months' messages into it.
		for _, t := range []time.Time{from, to} {
			if err := CheckTime("month "+month, t); err != nil {
				return fmt.Errorf("reindex: %w", err)
			}
		}
	}
	if err := ix.rebuildPartition(ctx, month, nil); err != nil {
		return fmt.Errorf("reindex %s: %w", month, err)
	}
	return nil
}

// rebuildAll rebuilds every month that has messages, drops partitions of
// months that have none, and rebuilds the conversations partition.
func (ix *Indexer) rebuildAll(ctx context.Context, progress Progress) error {
	start := time.Now()
	months, err := ix.storedMonths()
	if err != nil {
		return err
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for m := range months {
			if !yield(m) {
				return
			}
		}
	})
	names = append(names, convPartition)
	for _, m := range ix.parts.months() {
		if _, ok := months[m]; !ok {
			names = append(names, m) // stale: rebuilding it from nothing drops it
		}
	}
	t := &rebuildProgress{ix: ix, fn: progress, total: int(ix.counter("messages") + ix.counter("conversations"))}
	t.report("running")
	for _, name := range names {
		if err := ix.rebuildPartition(ctx, name, t); err != nil {
			t.report("failed")
			return err
		}
	}
	t.report("done")
	if t.total == 0 {
		return nil // a new data directory: nothing worth a log line
	}
	ix.log.Info("index rebuilt", "documents", t.done, "partitions", len(names), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// rebuildPartition rebuilds one month (or the conversations partition)
// with writes held off, so nothing stored meanwhile is missed.
func (ix *Indexer) rebuildPartition(ctx context.Context, name string, t *rebuildProgress) error {
	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ix.checkOpen(); err != nil {
		return err
	}
	return ix.rebuildPartitionLocked(ctx, name, t)
}

// rebuildPartitionLocked is rebuildPartition for a caller holding ix.writes.
func (ix *Indexer) rebuildPartitionLocked(ctx context.Context, name string, t *rebuildProgress) error {
	return ix.parts.rebuild(ctx, name, func(idx bleve.Index) (int, error) {
		b := newBatcher(ctx, idx)
		if t != nil {
			b.flushed = t.add
		}
		var err error
		if name == convPartition {
			err = ix.fillConversations(b)
		} else {
			err = ix.fillMonth(name, b)
		}
		if err == nil {
			err = b.flush()
		}
		return b.total, err
	})
}

// fillMonth indexes the messages created in one month, from the time index.
func (ix *Indexer) fillMonth(month string, b *batcher) error {
	from, to, err := monthBounds(month)
	if err != nil {
		return err
	}
	l := newDocLoader(ix)
	defer l.close()
	it := l.txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeMsg)})
	defer it.Close()
	end := timeMsgKey(to, "")
	for it.Seek(timeMsgKey(from, "")); it.Valid(); it.Next() {
		k := it.Item().Key()
		if string(k) >= string(end) {
			break
		}
		m, err := l.message(string(k[len(pTimeMsg)+8:]))
		if err != nil {
			return err
		}
		if m == nil || !bytes.Equal(timeMsgKey(m.CreatedAt, m.ID), k) {
			continue // an orphaned entry (see scanStubs): its message is not in this month
		}
		c, u, err := l.owner(m.ConversationID)
		if err != nil {
			return err
		}
		if err := b.index(messageDocID(m.ID), messageDoc(m, c, u)); err != nil {
			return err
		}
	}
	return nil
}

func (ix *Indexer) fillConversations(b *batcher) error {
	l := newDocLoader(ix)
	defer l.close()
	return scanKeys(l.txn, []byte(pConv), func(k []byte) error {
		id := string(k[len(pConv):])
		c, u, err := l.owner(id)
		if err != nil || c == nil {
			return err
		}
		a, err := l.agg(id)
		if err != nil {
			return err
		}
		return b.index(convDocID(id), conversationDoc(c, a, u))
	})
}

// storedMonths returns the months that have messages, with their counts,
// from the per-month counters kept at ingest.
func (ix *Indexer) storedMonths() (map[string]int64, error) {
	out := map[string]int64{}
	prefix := key(pStat, facetCounter(FacetDate, ""))
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n, err := counterValue(it.Item())
			if err != nil {
				return err
			}
			if m := strings.TrimPrefix(string(it.Item().Key()), string(prefix)); n > 0 && m != "" {
				out[m] = n
			}
		}
		return nil
	})
	return out, err
}

// checkPartitions compares each partition's document count with the store's
// and rebuilds any that disagree: a crash can leave a partition created but
// not filled, or a drop half done. It runs at Open, after the outbox replay.
func (ix *Indexer) checkPartitions(ctx context.Context) error {
	months, err := ix.storedMonths()
	if err != nil {
		return err
	}
	var bad []string
	for m, want := range months {
		var got uint64
		if idx := ix.parts.month(m); idx != nil {
			if got, err = idx.DocCount(); err != nil {
				return err
			}
		}
		if got != uint64(want) {
			ix.log.Warn("search index partition disagrees with the store; rebuilding", "month", m, "indexed", got, "stored", want)
			bad = append(bad, m)
		}
	}
	for _, m := range ix.parts.months() {
		if _, ok := months[m]; !ok {
			bad = append(bad, m)
		}
	}
	if got, err := ix.parts.conversations().DocCount(); err != nil {
		return err
	} else if want := ix.counter("conversations"); got != uint64(want) {
		ix.log.Warn("conversation index disagrees with the store; rebuilding", "indexed", got, "stored", want)
		bad = append(bad, convPartition)
	}
	for _, m := range bad {
		if err := ix.rebuildPartition(ctx, m, nil); err != nil {
			return fmt.Errorf("rebuild index partition %s: %w", m, err)
		}
	}
	return nil
}

// rebuildProgress reports a rebuild's documents done as events.
type rebuildProgress struct {
	ix    *Indexer
	fn    Progress
	done  int
	total int
}

func (t *rebuildProgress) add(n int) {
	t.done += n
	t.report("running")
}

func (t *rebuildProgress) report(state string) {
	if t.fn != nil {
		t.fn(t.done, t.total)
	}
	t.ix.Publish(Event{Job: "reindex", Kind: "reindex", State: state, Done: int64(t.done), Total: int64(t.total), Unit: "documents"})
}
