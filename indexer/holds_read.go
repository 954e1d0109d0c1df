package indexer

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// Holds lists holds (released ones too when all is set), newest first,
// with the counts each covers now.
func (ix *Indexer) Holds(ctx context.Context, all bool) ([]model.Hold, error) {
	out := []model.Hold{}
	err := ix.db.View(func(txn *badger.Txn) error {
		r := newCustodians(txn)
		return eachHold(txn, func(h *model.Hold) error {
			if !all && !h.Active() {
				return nil
			}
			if err := holdCounts(ctx, txn, r, h); err != nil {
				return err
			}
			out = append(out, *h)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list holds: %w", err)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// Hold returns one hold with its counts; ErrNotFound when there is none.
func (ix *Indexer) Hold(ctx context.Context, id string) (model.Hold, error) {
	var out model.Hold
	err := ix.db.View(func(txn *badger.Txn) error {
		h, err := getHold(txn, id)
		if err != nil {
			return err
		}
		if h == nil {
			return fmt.Errorf("hold %q: %w", id, ErrNotFound)
		}
		if err := holdCounts(ctx, txn, newCustodians(txn), h); err != nil {
			return err
		}
		out = *h
		return nil
	})
	if err != nil {
		return model.Hold{}, fmt.Errorf("get hold: %w", err)
	}
	return out, nil
}

// holdCounts fills h's counts with what it covers now: the messages of its
// conversations and custodians' conversations (from the conversation
// aggregates), plus the frozen-query matches still stored outside those
// conversations, each message once. A released hold covers nothing.
func holdCounts(ctx context.Context, txn *badger.Txn, r *custodians, h *model.Hold) error {
	h.Messages, h.ConversationsCount = 0, 0
	if !h.Active() {
		return nil
	}
	convs := map[string]bool{}
	for _, c := range h.Conversations {
		convs[c] = true
	}
	if len(h.Custodians) > 0 {
		owners, err := r.owners(h.Custodians)
		if err != nil {
			return fmt.Errorf("hold %s: custodians: %w", h.ID, err)
		}
		for o := range owners {
			prefix := userConvPrefix(o)
			if err := scanKeys(txn, prefix, func(k []byte) error {
				convs[string(k[len(prefix)+8:])] = true
				return nil
			}); err != nil {
				return fmt.Errorf("hold %s: conversations of %q: %w", h.ID, o, err)
			}
		}
	}
	for c := range convs {
		if err := ctx.Err(); err != nil {
			return err
		}
		var a convAgg
		foundAgg, _, err := getJSON(txn, key(pConvAgg, c), &a)
		if err != nil {
			return fmt.Errorf("hold %s: %w", h.ID, err)
		}
		exists := foundAgg && a.Messages > 0
		if !exists {
			if exists, err = hasKey(txn, key(pConv, c)); err != nil {
				return fmt.Errorf("hold %s: %w", h.ID, err)
			}
		}
		if exists {
			h.ConversationsCount++
			h.Messages += a.Messages
		}
	}
	if h.Query == nil {
		return nil
	}
	extra := map[string]bool{} // conversations only the query reaches
	prefix := holdMemPrefix(h.ID)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		msg := string(it.Item().Key()[len(prefix):])
		conv, err := it.Item().ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("hold %s: query match %q: %w", h.ID, msg, err)
		}
		if convs[string(conv)] {
			continue // counted with its conversation
		}
		ok, err := hasKey(txn, key(pMessage, msg))
		if err != nil {
			return fmt.Errorf("hold %s: query match %q: %w", h.ID, msg, err)
		}
		if ok {
			h.Messages++
			extra[string(conv)] = true
		}
	}
	h.ConversationsCount += len(extra)
	return nil
}

func hasKey(txn *badger.Txn, k []byte) (bool, error) {
	_, err := txn.Get(k)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, badger.ErrKeyNotFound):
		return false, nil
	}
	return false, fmt.Errorf("read %q: %w", k, err)
}

// ConversationHolds returns, for a conversation, the ids of the active
// holds covering each of its messages (message id → hold ids), for the
// "held" badges of the conversation view.
func (ix *Indexer) ConversationHolds(ctx context.Context, conversationID string) (map[string][]string, error) {
	out := map[string][]string{}
	err := ix.db.View(func(txn *badger.Txn) error {
		v, err := ix.holdView(txn)
		if err != nil || v.empty() {
			return err
		}
		owner, err := v.ownerOf(txn, conversationID)
		if err != nil {
			return err
		}
		p := convMsgPrefix(conversationID)
		return scanKeys(txn, p, func(k []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			m := model.Message{ID: string(k[len(p)+8:]), ConversationID: conversationID}
			held, err := v.heldBy(txn, &m, owner)
			if len(held) > 0 {
				out[m.ID] = held
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("holds of conversation %q: %w", conversationID, err)
	}
	return out, nil
}
