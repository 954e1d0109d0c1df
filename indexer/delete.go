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
// March, and every conversation that had nothing after it. The range is
// remembered: later syncs and imports drop messages created in it (see
// purged.go). dryRun only counts.
func (ix *Indexer) DeleteRange(ctx context.Context, from, to time.Time, dryRun bool) (DeleteResult, error) {
	if !from.Before(to) {
		return DeleteResult{}, fmt.Errorf("delete: %w: from (%s) must be before to (%s)", ErrBadRequest,
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ix.checkOpen(); err != nil {
		return DeleteResult{}, err
	}
	plan, err := ix.planDelete(ctx, from, to)
	if err != nil {
		return DeleteResult{}, fmt.Errorf("delete: %w", err)
	}
	res := DeleteResult{Messages: len(plan.messages), Conversations: len(plan.conversations), DryRun: dryRun}
	if dryRun {
		return res, nil
	}
	ix.Publish(Event{Job: "delete", Kind: "delete", State: "running", Total: int64(res.Messages), Unit: "messages"})
	w := ix.newWriter()
	purge := purgedRange{From: from, To: to, At: time.Now().UTC()}
	if err := w.recordPurge(purge); err != nil {
		w.discard()
		return DeleteResult{}, fmt.Errorf("delete: %w", err)
	}
	for i, m := range plan.messages {
		if err := w.room(512); err != nil {
			w.discard()
			return DeleteResult{}, fmt.Errorf("delete: %w", err)
		}
		if err := w.unlinkMessage(m); err != nil {
			w.discard()
			return DeleteResult{}, fmt.Errorf("delete: message %s: %w", m.ID, err)
		}
		if err := w.del(key(pMessage, m.ID)); err != nil {
			w.discard()
			return DeleteResult{}, err
		}
		if err := w.outbox(obMessage, m.ID); err != nil {
			w.discard()
			return DeleteResult{}, err
		}
		if i%5000 == 4999 {
			ix.Publish(Event{Job: "delete", Kind: "delete", State: "running", Done: int64(i + 1), Total: int64(res.Messages), Unit: "messages"})
		}
	}
	for _, c := range plan.conversations {
		if err := w.room(512); err != nil {
			w.discard()
			return DeleteResult{}, fmt.Errorf("delete: %w", err)
		}
		if err := w.deleteConversation(c); err != nil {
			w.discard()
			return DeleteResult{}, fmt.Errorf("delete: conversation %s: %w", c.ID, err)
		}
	}
	if err := w.commit(); err != nil {
		return DeleteResult{}, fmt.Errorf("delete: %w", err)
	}
	ix.purged = append(ix.purged, purge)
	if err := ix.applyOutbox(ctx, nil); err != nil {
		return res, fmt.Errorf("delete: stored, but the index update is pending: %w", err)
	}
	ix.gcValueLog(ctx)
	ix.Publish(Event{Job: "delete", Kind: "delete", State: "done", Done: int64(res.Messages), Total: int64(res.Messages), Unit: "messages"})
	return res, nil
}

type deletePlan struct {
	messages      []*model.Message
	conversations []*model.Conversation
}

func (ix *Indexer) planDelete(ctx context.Context, from, to time.Time) (*deletePlan, error) {
	plan := &deletePlan{}
	lost := map[string]int{} // conversation → messages removed
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeMsg)})
		defer it.Close()
		end := timeMsgKey(to, "")
		for it.Seek(timeMsgKey(from, "")); it.Valid(); it.Next() {
			k := it.Item().Key()
			if string(k) >= string(end) {
				break
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			var m model.Message
			id := string(k[len(pTimeMsg)+8:])
			if found, _, err := getJSON(txn, key(pMessage, id), &m); err != nil || !found {
				return err
			}
			plan.messages = append(plan.messages, &m)
			lost[m.ConversationID]++
		}
		candidates := map[string]bool{}
		for c := range lost {
			candidates[c] = true
		}
		ct := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeConv)})
		defer ct.Close()
		cend := timeConvKey(to, "")
		for ct.Seek(timeConvKey(from, "")); ct.Valid(); ct.Next() {
			k := ct.Item().Key()
			if string(k) >= string(cend) {
				break
			}
			candidates[string(k[len(pTimeConv)+8:])] = true
		}
		for id := range candidates {
			var a convAgg
			if _, _, err := getJSON(txn, key(pConvAgg, id), &a); err != nil {
				return err
			}
			if a.Messages-lost[id] > 0 {
				continue
			}
			var c model.Conversation
			found, _, err := getJSON(txn, key(pConv, id), &c)
			if err != nil {
				return err
			}
			if found {
				plan.conversations = append(plan.conversations, &c)
			}
		}
		return nil
	})
	return plan, err
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
	return w.outbox(obConv, c.ID)
}
