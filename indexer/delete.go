package indexer

import (
	"context"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// DeleteRange permanently removes what falls in [from, to):
//
//   - a message falls in the range when its created_at does;
//   - a conversation is removed when no message of it is left afterwards and
//     either its own created_at is in the range or it lost messages to this
//     deletion. A conversation that straddles a boundary keeps its messages
//     outside the range, and its record, with the counts updated.
//
// So deleting "everything before March" removes every message sent before
// March, and every conversation that had nothing after it. Messages a legal
// hold covers are kept, with their conversations; the result counts them
// (Held, HeldBy) and their months delete document by document. The range is
// remembered: later syncs and imports drop messages created in it (see
// purged.go). dryRun only counts. Both bounds must lie in the supported
// window (timewindow.go), or the call fails with ErrBadRequest.
//
// The deletion streams through the range (memory does not grow with it) in
// as many Badger transactions as it needs. Its range is recorded as pending
// in the first and done in the last, so a crash in between is finished by
// the next Open. Months wholly inside the range lose their index partition
// in one step; only the months at the edges, or keeping held messages,
// delete documents one by one. The engine is shared with retention (sweep.go).
func (ix *Indexer) DeleteRange(ctx context.Context, from, to time.Time, dryRun bool) (DeleteResult, error) {
	// Outside the window a bound's key wraps around: the scan would miss
	// what it should delete while the month arithmetic dropped partitions.
	if err := CheckTime("from", from); err != nil {
		return DeleteResult{}, fmt.Errorf("delete: %w", err)
	}
	if err := CheckTime("to", to); err != nil {
		return DeleteResult{}, fmt.Errorf("delete: %w", err)
	}
	if !from.Before(to) {
		return DeleteResult{}, fmt.Errorf("delete: %w: from (%s) must be before to (%s)", ErrBadRequest,
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ix.checkOpen(); err != nil {
		return DeleteResult{}, err
	}
	if dryRun {
		res, err := ix.countDelete(ctx, from, to)
		if err == nil {
			res.Activities, err = ix.deleteActivities(ctx, from, to, true)
		}
		if err != nil {
			return DeleteResult{}, fmt.Errorf("delete: %w", err)
		}
		return res, nil
	}
	// A deletion writes before it frees (tombstones, the index update).
	if err := ix.checkSpace(); err != nil {
		return DeleteResult{}, fmt.Errorf("delete: %w", err)
	}
	r := purgedRange{From: from, To: to, At: time.Now().UTC(), Pending: true}
	res, err := ix.purge(ctx, r)
	if err == nil {
		res.Activities, err = ix.deleteActivities(ctx, from, to, false)
	}
	// The ranges that drop ingest must be the ones on disk, whatever
	// happened: a deletion that failed after its first transaction is
	// recorded as pending, and until it is finished (by a retry or the next
	// Open) the hourly sync must not bring back what it already deleted.
	if lerr := ix.loadPurged(); lerr != nil {
		// What was recorded is unknown: err on the side of the deletion.
		ix.purged = append(ix.purged, r)
		ix.log.Warn("reload deleted ranges after a deletion", "error", lerr)
	}
	if err != nil {
		return res, fmt.Errorf("delete: %w", err)
	}
	return res, nil
}

// resumeDeletes finishes deletions a crash interrupted, range deletions
// and retention runs; it runs at Open. It loads the retention policy first:
// Ingest needs it as soon as Open returns.
func (ix *Indexer) resumeDeletes(ctx context.Context) error {
	if err := ix.loadRetention(); err != nil {
		return err
	}
	if err := ix.resumeRetention(ctx); err != nil {
		return err
	}
	for _, r := range ix.purged {
		if !r.Pending {
			continue
		}
		ix.log.Warn("finishing an interrupted deletion", "from", r.From, "to", r.To)
		ix.writes.Lock()
		res, err := ix.purge(ctx, r)
		ix.writes.Unlock()
		if err != nil {
			return fmt.Errorf("finish deletion of %s to %s: %w", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), err)
		}
		ix.log.Info("interrupted deletion finished", "messages", res.Messages, "conversations", res.Conversations)
	}
	for i := range ix.purged {
		ix.purged[i].Pending = false
	}
	return nil
}

// purge deletes r's contents, keeping what legal holds cover; ix.writes
// must be held. It is idempotent, which is what lets resumeDeletes run it
// again after a crash.
func (ix *Indexer) purge(ctx context.Context, r purgedRange) (res DeleteResult, err error) {
	defer func() {
		if err != nil { // the job must not look as if still running
			ix.Publish(Event{Job: "delete", Kind: "delete", State: "failed", Done: int64(res.Messages), Unit: "messages",
				Message: err.Error()})
		}
	}()
	st, err := ix.runSweep(ctx, &sweep{job: "delete", from: r.From, to: r.To, createdConvs: true,
		record: func(w *writer, done bool) error {
			r.Pending = !done
			return w.recordPurge(r)
		}})
	res = deleteResult(st, false)
	if err != nil {
		return res, err
	}
	if err := ix.applyOutbox(ctx, nil); err != nil {
		return res, fmt.Errorf("stored, but the index update is pending: %w", err)
	}
	ix.requestGC()
	ix.Publish(Event{Job: "delete", Kind: "delete", State: "done", Done: int64(res.Messages), Total: int64(res.Messages + res.Held), Unit: "messages"})
	return res, nil
}

func deleteResult(st sweepStats, dry bool) DeleteResult {
	res := DeleteResult{DryRun: dry, Messages: st.Messages, Conversations: st.Conversations, Held: st.Held}
	if len(st.HeldBy) > 0 {
		res.HeldBy = st.HeldBy
	}
	return res
}

// dropIfEmpty deletes conversation id if it has no message left and no
// legal hold keeps its record (view may be nil: no holds).
func (ix *Indexer) dropIfEmpty(w *writer, id string, view *holdView) (bool, error) {
	a, err := w.agg(id)
	if err != nil || a.Messages > 0 {
		return false, err
	}
	c, err := w.conversation(id)
	if err != nil || c == nil {
		return false, err
	}
	if view != nil && view.convHeld(c) {
		return false, nil
	}
	if err := w.deleteConversation(c); err != nil {
		return false, fmt.Errorf("conversation %s: %w", id, err)
	}
	return true, nil
}

// countDelete is the dry run: what purge would remove, by the same rules.
func (ix *Indexer) countDelete(ctx context.Context, from, to time.Time) (DeleteResult, error) {
	st, err := ix.runSweep(ctx, &sweep{job: "delete", from: from, to: to, createdConvs: true, dry: true})
	return deleteResult(st, true), err
}

// countRange counts the messages created in [from, to) from the time index
// alone, for progress totals.
func (ix *Indexer) countRange(ctx context.Context, from, to time.Time) (int, error) {
	n := 0
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeMsg)})
		defer it.Close()
		end := string(timeMsgKey(to, ""))
		for it.Seek(timeMsgKey(from, "")); it.Valid() && string(it.Item().Key()) < end; it.Next() {
			n++
		}
		return ctx.Err()
	})
	return n, err
}

func (ix *Indexer) scanConvsCreated(from, to time.Time, fn func(id string)) error {
	return ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeConv)})
		defer it.Close()
		end := string(timeConvKey(to, ""))
		for it.Seek(timeConvKey(from, "")); it.Valid(); it.Next() {
			k := it.Item().Key()
			if string(k) >= end {
				break
			}
			fn(string(k[len(pTimeConv)+8:]))
		}
		return nil
	})
}

// wholeMonths returns the months that lie entirely inside [from, to).
func wholeMonths(from, to time.Time) map[string]bool {
	out := map[string]bool{}
	start := time.Date(from.UTC().Year(), from.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	if start.Before(from) {
		start = start.AddDate(0, 1, 0)
	}
	for m := start; !m.AddDate(0, 1, 0).After(to); m = m.AddDate(0, 1, 0) {
		out[monthOf(m)] = true
	}
	return out
}

func (w *writer) deleteConversation(c *model.Conversation) error {
	for _, k := range [][]byte{key(pConv, c.ID), key(pConvAgg, c.ID), timeConvKey(c.CreatedAt, c.ID),
		userConvKey(c.OwnerID, c.CreatedAt, c.ID)} {
		if err := w.del(k); err != nil {
			return err
		}
	}
	// The aggregate was just deleted; do not let commit write it back.
	delete(w.aggs, c.ID)
	w.convs[c.ID] = nil
	w.count("conversations", -1)
	w.countConversation(c, -1)
	return w.outbox(obConv, c.ID)
}
