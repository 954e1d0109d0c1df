package indexer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// The journal is the change feed alerts and log forwarding read: one entry
// per message a write created or changed, keyed by a sequence number and
// written in the same Badger transaction as the message. A consumer keeps
// its own cursor (the last sequence it has finished with) and the journal
// is trimmed behind the slowest one, so a crash anywhere loses no entry and
// a consumer that restarts from its cursor sees each entry again at most.
//
// Writers are serialised by ix.writes and take sequence numbers under it,
// so every snapshot of the journal is a prefix of the sequence: a consumer
// that has read through N will never later find an entry below N appear.
//
//	jr/<seq:8>        a JournalEntry (JSON)
//	meta/journal/base the highest sequence ever trimmed (sequences never reuse it)

const pJournal = "jr/"

const metaJournalBase = "journal/base"

// Origins of a write, for JournalEntry.Origin and Batch.Origin.
const (
	OriginSync   = "sync"
	OriginImport = "import"
	OriginRescan = "rescan"
)

type originKey struct{}

// WithOrigin marks writes made with ctx as coming from origin (Origin*), for
// sources that ingest from many places: a Batch's own Origin wins.
func WithOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

func originOf(ctx context.Context, b *Batch) string {
	if b.Origin != "" {
		return b.Origin
	}
	o, _ := ctx.Value(originKey{}).(string)
	return o
}

// JournalEntry says that a message was created or changed.
type JournalEntry struct {
	Seq       uint64    `json:"-"`
	MessageID string    `json:"m"`
	At        time.Time `json:"t"`           // when the write happened (wall clock)
	Created   time.Time `json:"c"`           // the message's creation time
	Origin    string    `json:"o,omitempty"` // Origin* ("" when the writer did not say)
	New       bool      `json:"n,omitempty"` // no earlier version was stored
	// Fresh are the message's findings that its previous stored version
	// did not have (same type, start and end): all of them for a new
	// message, none for an edit that found nothing new.
	Fresh []model.Finding `json:"f,omitempty"`
}

// journal is the indexer's side of the feed: the next sequence number and
// a signal for consumers waiting on new entries.
type journal struct {
	next atomic.Uint64 // taken with ix.writes held; 0 until loaded

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when entries commit
	indexed uint64        // entries through here are in Bleve too
}

func journalKey(seq uint64) []byte { return key(pJournal, be64(seq)) }

// loadJournal sets the next sequence number from the newest entry or the
// trimmed base. Called at Open before any write.
func (ix *Indexer) loadJournal() error {
	ix.jr.changed = make(chan struct{})
	var last uint64
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pJournal), Reverse: true})
		defer it.Close()
		it.Seek(key(pJournal, "\xff\xff\xff\xff\xff\xff\xff\xff\xff"))
		if it.Valid() {
			last = binary.BigEndian.Uint64(it.Item().Key()[len(pJournal):])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load journal: %w", err)
	}
	base, err := ix.journalBase()
	if err != nil {
		return err
	}
	ix.jr.next.Store(max(last, base) + 1)
	ix.jr.indexed = ix.jr.next.Load() - 1 // Open replays the index outbox before any consumer reads
	return nil
}

func (ix *Indexer) journalBase() (uint64, error) {
	v, err := ix.Meta(metaJournalBase)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("journal base: %w", err)
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("journal base %q: %w", v, err)
	}
	return n, nil
}

// journalMessage records that m was written; old is its previous stored
// version, nil for a new message. Called by putMessage inside the write's
// transaction, with ix.writes held.
func (w *writer) journalMessage(m, old *model.Message) error {
	e := JournalEntry{MessageID: m.ID, At: time.Now().UTC(), Created: m.CreatedAt, Origin: w.origin, New: old == nil}
	seen := map[[3]string]bool{}
	if old != nil {
		for _, f := range old.Findings {
			seen[findingKey(f)] = true
		}
	}
	for _, f := range m.Findings {
		if !seen[findingKey(f)] {
			f.Attrs = nil
			e.Fresh = append(e.Fresh, f)
		}
	}
	raw, err := json.Marshal(&e)
	if err != nil {
		return err
	}
	seq := w.ix.jr.next.Add(1) - 1
	w.journaled = true
	return w.set(journalKey(seq), raw)
}

func findingKey(f model.Finding) [3]string {
	return [3]string{f.Type, strconv.Itoa(f.Start), strconv.Itoa(f.End)}
}

// journalCommitted wakes consumers after a commit that wrote entries.
func (ix *Indexer) journalCommitted() {
	ix.jr.mu.Lock()
	close(ix.jr.changed)
	ix.jr.changed = make(chan struct{})
	ix.jr.mu.Unlock()
}

// journalIndexedThrough records that entries through seq are searchable,
// and wakes consumers again: one matching entries with a search query may
// have been waiting for exactly that.
func (ix *Indexer) journalIndexedThrough(seq uint64) {
	ix.jr.mu.Lock()
	if seq > ix.jr.indexed {
		ix.jr.indexed = seq
		if ix.jr.changed != nil {
			close(ix.jr.changed)
			ix.jr.changed = make(chan struct{})
		}
	}
	ix.jr.mu.Unlock()
}

// JournalNotify returns a channel closed when entries are next committed
// or become searchable.
// Take it before reading, so an entry committed in between is not missed.
func (ix *Indexer) JournalNotify() <-chan struct{} {
	ix.jr.mu.Lock()
	defer ix.jr.mu.Unlock()
	return ix.jr.changed
}

// JournalIndexed is the highest sequence whose message is searchable (its
// index outbox applied). A consumer that matches entries with a search
// query waits until its entries are at or below it.
func (ix *Indexer) JournalIndexed() uint64 {
	ix.jr.mu.Lock()
	defer ix.jr.mu.Unlock()
	return ix.jr.indexed
}

// Journal returns up to limit entries after sequence after, oldest first.
func (ix *Indexer) Journal(ctx context.Context, after uint64, limit int) ([]JournalEntry, error) {
	if limit <= 0 {
		limit = 500
	}
	var out []JournalEntry
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pJournal), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Seek(journalKey(after + 1)); it.Valid() && len(out) < limit; it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e JournalEntry
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &e) }); err != nil {
				return fmt.Errorf("journal entry %x: %w", it.Item().Key(), err)
			}
			e.Seq = binary.BigEndian.Uint64(it.Item().Key()[len(pJournal):])
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	return out, nil
}

// JournalHead is the sequence of the newest entry (0 when none was ever
// written). It does not wait for a running write: an entry of a
// transaction still open may be counted, which only makes a new consumer
// start just after it and a backlog read one too high.
func (ix *Indexer) JournalHead() uint64 { return ix.jr.next.Load() - 1 }

// TrimJournal deletes entries through seq: every consumer has finished
// with them. It runs in bounded transactions and may be interrupted; what
// is left is trimmed next time.
func (ix *Indexer) TrimJournal(ctx context.Context, through uint64) error {
	for {
		var keys [][]byte
		err := ix.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pJournal)})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(keys) < 5000; it.Next() {
				k := it.Item().KeyCopy(nil)
				if binary.BigEndian.Uint64(k[len(pJournal):]) > through {
					break
				}
				keys = append(keys, k)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("trim journal: %w", err)
		}
		if len(keys) == 0 {
			return nil
		}
		err = ix.db.Update(func(txn *badger.Txn) error {
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			last := binary.BigEndian.Uint64(keys[len(keys)-1][len(pJournal):])
			base, err := getUint(txn, key(pMeta, metaJournalBase))
			if err != nil {
				return err
			}
			if last > base {
				return txn.Set(key(pMeta, metaJournalBase), []byte(strconv.FormatUint(last, 10)))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("trim journal: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func getUint(txn *badger.Txn, k []byte) (uint64, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = item.Value(func(v []byte) error {
		n, err = strconv.ParseUint(string(v), 10, 64)
		return err
	})
	return n, err
}
