package indexer

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// Conversation returns one conversation by id, with its aggregates.
func (ix *Indexer) Conversation(ctx context.Context, id string) (model.Conversation, error) {
	var c model.Conversation
	err := ix.db.View(func(txn *badger.Txn) error {
		found, _, err := getJSON(txn, key(pConv, id), &c)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("conversation %q: %w", id, ErrNotFound)
		}
		var a convAgg
		if _, _, err := getJSON(txn, key(pConvAgg, id), &a); err != nil {
			return err
		}
		c.MessageCount, c.FindingCount, c.FindingCounts = a.Messages, a.Findings, a.FindingCounts
		return nil
	})
	return c, err
}

// Messages returns a conversation's messages in source order.
func (ix *Indexer) Messages(ctx context.Context, conversationID string) ([]model.Message, error) {
	var out []model.Message
	err := ix.db.View(func(txn *badger.Txn) error {
		p := convMsgPrefix(conversationID)
		return scanKeys(txn, p, func(k []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			id := string(k[len(p)+8:])
			var m model.Message
			found, _, err := getJSON(txn, key(pMessage, id), &m)
			if err != nil {
				return err
			}
			if found {
				out = append(out, m)
			}
			return nil
		})
	})
	return out, err
}

// MessageSeqs returns the Seq of each stored message of a conversation, by
// message id, from the keys alone: a source that appends to a long session
// needs the ids and positions it holds, not 100,000 message bodies.
func (ix *Indexer) MessageSeqs(ctx context.Context, conversationID string) (map[string]int, error) {
	out := map[string]int{}
	err := ix.db.View(func(txn *badger.Txn) error {
		p := convMsgPrefix(conversationID)
		return scanKeys(txn, p, func(k []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			out[string(k[len(p)+8:])] = seqFromKey(k[len(p) : len(p)+8])
			return nil
		})
	})
	return out, err
}

// Message returns one message by id.
func (ix *Indexer) Message(ctx context.Context, id string) (model.Message, error) {
	var m model.Message
	err := ix.db.View(func(txn *badger.Txn) error {
		found, _, err := getJSON(txn, key(pMessage, id), &m)
		if err == nil && !found {
			err = fmt.Errorf("message %q: %w", id, ErrNotFound)
		}
		return err
	})
	return m, err
}

// User returns one user by id or alias.
func (ix *Indexer) User(ctx context.Context, id string) (model.User, error) {
	var u *model.User
	err := ix.db.View(func(txn *badger.Txn) error {
		var err error
		u, err = lookupUser(txn, id)
		if err == nil && u == nil {
			err = fmt.Errorf("user %q: %w", id, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return model.User{}, err
	}
	return *u, nil
}

// Users lists all users, ordered by id.
func (ix *Indexer) Users(ctx context.Context) ([]model.User, error) {
	var out []model.User
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pUser), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var u model.User
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &u) }); err != nil {
				return fmt.Errorf("user %q: %w", it.Item().Key(), err)
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// countPrefix counts keys under a prefix (used for start-up diagnostics).
func (ix *Indexer) countPrefix(prefix string) int {
	n := 0
	_ = ix.db.View(func(txn *badger.Txn) error {
		return scanKeys(txn, []byte(prefix), func([]byte) error { n++; return nil })
	})
	return n
}

// eachMessage decodes every stored message, in key order.
func eachMessage(txn *badger.Txn, fn func(*model.Message) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pMessage), PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var m model.Message
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &m) }); err != nil {
			return fmt.Errorf("message %q: %w", it.Item().Key(), err)
		}
		if err := fn(&m); err != nil {
			return err
		}
	}
	return nil
}

// EachConversation calls fn for every stored conversation (without its
// aggregates), in id order, from one snapshot. fn must not write to the
// indexer: collect what to change and change it afterwards.
func (ix *Indexer) EachConversation(ctx context.Context, fn func(model.Conversation) error) error {
	return ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pConv), PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var c model.Conversation
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &c) }); err != nil {
				return fmt.Errorf("conversation %q: %w", it.Item().Key(), err)
			}
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	})
}
