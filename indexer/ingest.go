package indexer

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// Ingest scans messages, upserts the batch by id into Badger with an index
// outbox in the same transaction, then applies the outbox to Bleve.
//
// A record identical to the stored one changes nothing; a changed one replaces
// it, moving its secondary keys, counters and index documents with it. The
// batch is validated whole before anything is written.
func (ix *Indexer) Ingest(ctx context.Context, b Batch) (IngestResult, error) {
	if err := validateBatch(b); err != nil {
		return IngestResult{}, err
	}
	// Scanning and encoding happen before taking the write lock: they are the
	// CPU-heavy part that can overlap with another caller's Bleve batch.
	msgs := make([]encodedMessage, len(b.Messages))
	findings := 0
	for i := range b.Messages {
		m := b.Messages[i] // a copy: the caller's batch is not modified
		m.Findings = ix.scan.Scan(m.FlatText())
		findings += len(m.Findings)
		raw, err := json.Marshal(&m)
		if err != nil {
			return IngestResult{}, fmt.Errorf("ingest: message %d (%s): encode: %w", i, m.ID, err)
		}
		msgs[i] = encodedMessage{msg: &m, raw: raw}
	}

	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ctx.Err(); err != nil {
		return IngestResult{}, err
	}
	w := ix.newWriter()
	for i := range b.Users {
		if err := w.putUser(b.Users[i]); err != nil {
			w.discard()
			return IngestResult{}, fmt.Errorf("ingest: user %s: %w", b.Users[i].ID, err)
		}
	}
	for i := range b.Conversations {
		if err := w.putConversation(b.Conversations[i]); err != nil {
			w.discard()
			return IngestResult{}, fmt.Errorf("ingest: conversation %s: %w", b.Conversations[i].ID, err)
		}
	}
	for i := range msgs {
		if err := w.putMessage(msgs[i]); err != nil {
			w.discard()
			return IngestResult{}, fmt.Errorf("ingest: message %s: %w", msgs[i].msg.ID, err)
		}
	}
	for k, v := range b.Checkpoints {
		op := w.set
		if v == nil {
			op = func(k, _ []byte) error { return w.del(k) }
		}
		if err := op(key(pMeta, k), v); err != nil {
			w.discard()
			return IngestResult{}, fmt.Errorf("ingest: checkpoint %s: %w", k, err)
		}
	}
	if err := w.commit(); err != nil {
		return IngestResult{}, fmt.Errorf("ingest: %w", err)
	}
	res := w.res
	res.Findings = findings
	if err := ix.applyOutbox(ctx, w.cache); err != nil {
		// The data is stored and the outbox still lists what to index: the
		// next ingest, or the next start, finishes the job.
		return res, fmt.Errorf("ingest: stored, but indexing is pending: %w", err)
	}
	return res, nil
}

func validateBatch(b Batch) error {
	for i, u := range b.Users {
		if u.ID == "" {
			return fmt.Errorf("ingest: user %d: %w: empty id", i, ErrBadRequest)
		}
	}
	for i, c := range b.Conversations {
		if c.ID == "" {
			return fmt.Errorf("ingest: conversation %d: %w: empty id", i, ErrBadRequest)
		}
	}
	for i, m := range b.Messages {
		if m.ID == "" || m.ConversationID == "" {
			return fmt.Errorf("ingest: message %d (%q): %w: empty id or conversation id", i, m.ID, ErrBadRequest)
		}
	}
	return nil
}

type encodedMessage struct {
	msg *model.Message
	raw []byte
}

// convAgg are a conversation's counts, kept in their own key so that a source
// re-sending the conversation record never clobbers them.
type convAgg struct {
	Messages      int            `json:"messages"`
	Flagged       int            `json:"flagged"`
	Findings      int            `json:"findings"`
	FindingCounts map[string]int `json:"finding_counts,omitempty"`
	Severities    map[string]int `json:"severities,omitempty"`
	Tools         map[string]int `json:"tools,omitempty"`
}

func (a *convAgg) add(m *model.Message, sign int) {
	a.Messages += sign
	if len(m.Findings) > 0 {
		a.Flagged += sign
	}
	a.Findings += sign * len(m.Findings)
	for _, f := range m.Findings {
		a.FindingCounts = addCount(a.FindingCounts, f.Type, sign)
		a.Severities = addCount(a.Severities, string(f.Severity), sign)
	}
	for _, t := range m.ToolNames() {
		a.Tools = addCount(a.Tools, t, sign)
	}
}

func addCount(m map[string]int, k string, d int) map[string]int {
	if m == nil {
		m = map[string]int{}
	}
	m[k] += d
	if m[k] <= 0 {
		delete(m, k)
	}
	return m
}

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
}

func (ix *Indexer) newWriter() *writer {
	return &writer{ix: ix, txn: ix.db.NewTransaction(true), counters: map[string]int64{},
		aggs: map[string]*convAgg{}, cache: map[string]*model.Message{}}
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
	err := w.txn.Commit()
	w.counters, w.aggs = map[string]int64{}, map[string]*convAgg{}
	w.entries, w.bytes = 0, 0
	return err
}

func (w *writer) commit() error { return w.commitTxn() }

func (w *writer) putUser(u model.User) error {
	if err := w.room(1024); err != nil {
		return err
	}
	var old model.User
	found, _, err := getJSON(w.txn, key(pUser, u.ID), &old)
	if err != nil {
		return err
	}
	merged := u
	if found {
		// A source that knows only part of a person (a chat's user has an email
		// but no name) must not erase what another source told us.
		if merged.Name == "" {
			merged.Name = old.Name
		}
		if merged.Email == "" {
			merged.Email = old.Email
		}
		if merged.AvatarSeed == "" {
			merged.AvatarSeed = old.AvatarSeed
		}
		for _, a := range old.Aliases {
			if !slices.Contains(merged.Aliases, a) {
				merged.Aliases = append(merged.Aliases, a)
			}
		}
	}
	if merged.AvatarSeed == "" {
		merged.AvatarSeed = merged.ID
	}
	slices.Sort(merged.Aliases)
	if found && old.Name == merged.Name && old.Email == merged.Email && old.AvatarSeed == merged.AvatarSeed &&
		slices.Equal(old.Aliases, merged.Aliases) {
		w.res.Unchanged++
		return nil
	}
	raw, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	if err := w.set(key(pUser, u.ID), raw); err != nil {
		return err
	}
	for _, a := range merged.Aliases {
		if err := w.set(key(pAlias, a), []byte(u.ID)); err != nil {
			return err
		}
	}
	if !found {
		w.count("users", 1)
	}
	w.res.Users++
	// Relabel the user's conversations (and those filed under an alias).
	for _, id := range append([]string{u.ID}, merged.Aliases...) {
		if err := w.outbox(obUser, id); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) putConversation(c model.Conversation) error {
	// Aggregates belong to the indexer, not to the source.
	c.MessageCount, c.FindingCount, c.FindingCounts = 0, 0, nil
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := w.room(int64(len(raw)) + 512); err != nil {
		return err
	}
	var old model.Conversation
	found, oldRaw, err := getJSON(w.txn, key(pConv, c.ID), &old)
	if err != nil {
		return err
	}
	if found && bytes.Equal(oldRaw, raw) {
		w.res.Unchanged++
		return nil
	}
	if found {
		if err := w.del(timeConvKey(old.CreatedAt, old.ID)); err != nil {
			return err
		}
		if err := w.del(userConvKey(old.OwnerID, old.CreatedAt, old.ID)); err != nil {
			return err
		}
	} else {
		w.count("conversations", 1)
	}
	if err := w.set(key(pConv, c.ID), raw); err != nil {
		return err
	}
	if err := w.set(timeConvKey(c.CreatedAt, c.ID), nil); err != nil {
		return err
	}
	if err := w.set(userConvKey(c.OwnerID, c.CreatedAt, c.ID), nil); err != nil {
		return err
	}
	w.res.Conversations++
	// Message documents carry the owner, model, source and title: when those
	// change, every message of the conversation is reindexed.
	if !found || old.OwnerID != c.OwnerID || old.Model != c.Model || old.Source != c.Source ||
		old.Provider != c.Provider || old.Title != c.Title {
		return w.outbox(obConvDeep, c.ID)
	}
	return w.outbox(obConv, c.ID)
}

func (w *writer) putMessage(e encodedMessage) error {
	m := e.msg
	if err := w.room(int64(len(e.raw)) + 512); err != nil {
		return err
	}
	var old model.Message
	found, oldRaw, err := getJSON(w.txn, key(pMessage, m.ID), &old)
	if err != nil {
		return err
	}
	if found && bytes.Equal(oldRaw, e.raw) {
		w.res.Unchanged++
		return nil
	}
	if found {
		if err := w.unlinkMessage(&old); err != nil {
			return err
		}
	}
	if err := w.set(key(pMessage, m.ID), e.raw); err != nil {
		return err
	}
	if err := w.linkMessage(m); err != nil {
		return err
	}
	w.cache[m.ID] = m
	w.res.Messages++
	return w.outbox(obMessage, m.ID)
}

// linkMessage adds a stored message's secondary keys and counts.
func (w *writer) linkMessage(m *model.Message) error {
	if err := w.set(convMsgKey(m.ConversationID, m.Seq, m.ID), nil); err != nil {
		return err
	}
	if err := w.set(timeMsgKey(m.CreatedAt, m.ID), nil); err != nil {
		return err
	}
	return w.countMessage(m, 1)
}

// unlinkMessage removes what linkMessage added (the record itself is the
// caller's business).
func (w *writer) unlinkMessage(m *model.Message) error {
	if err := w.del(convMsgKey(m.ConversationID, m.Seq, m.ID)); err != nil {
		return err
	}
	if err := w.del(timeMsgKey(m.CreatedAt, m.ID)); err != nil {
		return err
	}
	return w.countMessage(m, -1)
}

func (w *writer) countMessage(m *model.Message, sign int) error {
	w.count("messages", int64(sign))
	if len(m.Findings) > 0 {
		w.count("flagged", int64(sign))
	}
	w.count("day/"+m.CreatedAt.UTC().Format("2006-01-02"), int64(sign))
	for _, f := range m.Findings {
		w.count("ftype/"+f.Type, int64(sign))
	}
	a, err := w.agg(m.ConversationID)
	if err != nil {
		return err
	}
	a.add(m, sign)
	return nil
}
