package indexer

import (
	"errors"
	"strings"

	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// writer splits one logical write into Badger transactions that fit Badger's
// size limit. Each transaction carries its records, their secondary keys,
// counters, aggregates and outbox entries, so every commit is self-consistent.
type writer struct {
	ix       *Indexer
	txn      *badger.Txn
	entries  int64
	bytes    int64
	counters map[string]int64
	aggs     map[string]*convAgg
	res      IngestResult
	cache    map[string]*model.Message // messages written, for the outbox
	convs    map[string]*model.Conversation
	// beforeCommit, when set, runs in every transaction right before it
	// commits; an error discards the transaction. Deletions check the legal
	// holds there (holdView.check).
	beforeCommit func(*badger.Txn) error
	// afterCommit, when set, runs after every successful commit: deletions
	// advance their resume position there.
	afterCommit func()
	// origin is the journal's Origin for messages this write puts; journaled
	// is set once the open transaction holds a journal entry.
	origin    string
	journaled bool
}

// conversation returns the stored (or just written) conversation, nil when
// there is none yet; messages may arrive before their conversation.
func (w *writer) conversation(id string) (*model.Conversation, error) {
	if c, ok := w.convs[id]; ok {
		return c, nil
	}
	var c model.Conversation
	found, _, err := getJSON(w.txn, key(pConv, id), &c)
	if err != nil {
		return nil, err
	}
	var out *model.Conversation
	if found {
		out = &c
	}
	w.convs[id] = out
	return out, nil
}

func (ix *Indexer) newWriter() *writer {
	return &writer{ix: ix, txn: ix.db.NewTransaction(true), counters: map[string]int64{},
		aggs: map[string]*convAgg{}, cache: map[string]*model.Message{}, convs: map[string]*model.Conversation{}}
}

func (w *writer) discard() { w.txn.Discard() }

// room makes sure the open transaction can take about n more bytes, committing
// and starting a new one if not. Half of Badger's limits leaves headroom for
// the counters and aggregates flushed at commit.
func (w *writer) room(n int64) error {
	if w.bytes+n < w.ix.db.MaxBatchSize()/2 && w.entries+8 < w.ix.db.MaxBatchCount()/2 {
		return nil
	}
	if err := w.commitTxn(); err != nil {
		return err
	}
	w.txn = w.ix.db.NewTransaction(true)
	return nil
}

func (w *writer) set(k, v []byte) error {
	w.entries++
	w.bytes += int64(len(k)+len(v)) + 32
	return w.txn.Set(k, v)
}

func (w *writer) del(k []byte) error {
	w.entries++
	w.bytes += int64(len(k)) + 32
	return w.txn.Delete(k)
}

func (w *writer) outbox(kind, id string) error { return w.set(key(pOutbox, kind, id), nil) }

// outboxMessage queues a message document. oldMonth, when set, names a
// partition that may hold an older copy to delete; months already queued
// for the same message (an earlier write not yet applied) are kept.
func (w *writer) outboxMessage(id, oldMonth string) error {
	k := key(pOutbox, obMessage, id)
	var months []string
	item, err := w.txn.Get(k)
	switch {
	case err == nil:
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		months = appendMonths(nil, string(v))
	case !errors.Is(err, badger.ErrKeyNotFound):
		return err
	}
	months = appendMonths(months, oldMonth)
	return w.set(k, []byte(strings.Join(months, ",")))
}

func (w *writer) count(name string, d int64) { w.counters[name] += d }

func (w *writer) agg(conv string) (*convAgg, error) {
	if a, ok := w.aggs[conv]; ok {
		return a, nil
	}
	a := &convAgg{}
	if _, _, err := getJSON(w.txn, key(pConvAgg, conv), a); err != nil {
		return nil, err
	}
	w.aggs[conv] = a
	return a, nil
}

func (w *writer) commitTxn() error {
	for name, d := range w.counters {
		if d == 0 {
			continue
		}
		if err := addCounter(w.txn, name, d); err != nil {
			return err
		}
	}
	for conv, a := range w.aggs {
		raw, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if err := w.txn.Set(key(pConvAgg, conv), raw); err != nil {
			return err
		}
		if err := w.txn.Set(key(pOutbox, obConv, conv), nil); err != nil {
			return err
		}
	}
	if w.beforeCommit != nil {
		if err := w.beforeCommit(w.txn); err != nil {
			w.txn.Discard()
			return err
		}
	}
	err := w.txn.Commit()
	w.counters, w.aggs = map[string]int64{}, map[string]*convAgg{}
	w.entries, w.bytes = 0, 0
	if err == nil && w.journaled {
		w.ix.journalCommitted()
	}
	w.journaled = false
	if err == nil && w.afterCommit != nil {
		w.afterCommit()
	}
	return err
}

func (w *writer) commit() error { return w.commitTxn() }
