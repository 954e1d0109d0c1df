package indexer

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// Hold records live in meta/ next to the other admin-made settings. The
// version key is bumped in the transaction of every add or release, so a
// deletion that read it (holdView.check) fails to commit when a hold changed
// under it. A pending marker names a hold whose frozen-query keys are not
// settled yet (holds_settle.go).
const (
	mHold        = "hold/"
	mHoldVersion = "holds_version"
	mHoldPending = "hold_pending/"

	// defaultMaxHoldQueryMatches bounds what a frozen query may pin: each match is
	// two keys and a lookup in every deletion. Over it, the admin narrows
	// the query rather than getting a hold that silently misses messages.
	defaultMaxHoldQueryMatches = 100_000
	// holdKeysPerTxn sizes the batches frozen-query keys are written and
	// removed in (well inside Badger's transaction limits).
	holdKeysPerTxn  = 5_000
	holdCommitTries = 5
)

// maxHoldQueryMatches is a variable so tests can reach it without
// ingesting a hundred thousand messages.
var maxHoldQueryMatches = defaultMaxHoldQueryMatches

func holdKey(id string) []byte        { return key(pMeta, mHold, id) }
func holdPendingKey(id string) []byte { return key(pMeta, mHoldPending, id) }
func holdVersionKey() []byte          { return key(pMeta, mHoldVersion) }
func holdMsgPrefix(msg string) []byte { return key(pHoldMsg, msg, "\x00") }
func holdMsgKey(msg, hold string) []byte {
	return key(pHoldMsg, msg, "\x00", hold)
}
func holdMemPrefix(hold string) []byte { return key(pHoldMem, hold, "\x00") }
func holdMemKey(hold, msg string) []byte {
	return key(pHoldMem, hold, "\x00", msg)
}

// holdsBusy are the holds whose query keys this process is writing or
// removing right now; the sweep of pending markers leaves them alone. The
// data directory is locked to one process, so in-process state suffices,
// and hold ids are random, so one set serves every open Indexer.
var holdsBusy = struct {
	sync.Mutex
	ids map[string]bool
}{ids: map[string]bool{}}

func markHoldBusy(id string) func() {
	holdsBusy.Lock()
	holdsBusy.ids[id] = true
	holdsBusy.Unlock()
	return func() {
		holdsBusy.Lock()
		delete(holdsBusy.ids, id)
		holdsBusy.Unlock()
	}
}

func holdIsBusy(id string) bool {
	holdsBusy.Lock()
	defer holdsBusy.Unlock()
	return holdsBusy.ids[id]
}

func newHoldID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("hold id: %w", err)
	}
	return "hold_" + hex.EncodeToString(b[:]), nil
}

// readHoldVersion returns the holds version visible to txn (0 before the
// first hold). The read is what makes an update txn conflict with a later
// hold change.
func readHoldVersion(txn *badger.Txn) (uint64, error) {
	item, err := txn.Get(holdVersionKey())
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read holds version: %w", err)
	}
	var v uint64
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("holds version: %d bytes, want 8", len(b))
		}
		v = binary.BigEndian.Uint64(b)
		return nil
	})
	return v, err
}

func bumpHoldVersion(txn *badger.Txn) error {
	v, err := readHoldVersion(txn)
	if err != nil {
		return err
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v+1)
	return txn.Set(holdVersionKey(), b[:])
}

func getHold(txn *badger.Txn, id string) (*model.Hold, error) {
	var h model.Hold
	found, _, err := getJSON(txn, holdKey(id), &h)
	if err != nil {
		return nil, fmt.Errorf("hold %q: %w", id, err)
	}
	if !found {
		return nil, nil
	}
	return &h, nil
}

// eachHold calls fn with every stored hold record, released ones too.
func eachHold(txn *badger.Txn, fn func(h *model.Hold) error) error {
	prefix := key(pMeta, mHold)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 64})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var h model.Hold
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &h) }); err != nil {
			return fmt.Errorf("decode %q: %w", it.Item().Key(), err)
		}
		if err := fn(&h); err != nil {
			return err
		}
	}
	return nil
}

func putHold(txn *badger.Txn, h *model.Hold) error {
	stored := *h
	stored.Messages, stored.ConversationsCount = 0, 0 // counts are computed when listed
	raw, err := json.Marshal(stored)
	if err != nil {
		return fmt.Errorf("encode hold %q: %w", h.ID, err)
	}
	return txn.Set(holdKey(h.ID), raw)
}

// updateHolds runs fn in an update transaction, again when a concurrent hold
// change made the commit conflict (fn must be safe to re-run).
func (ix *Indexer) updateHolds(what string, fn func(txn *badger.Txn) error) error {
	var err error
	for try := 0; try < holdCommitTries; try++ {
		if err = ix.db.Update(fn); !errors.Is(err, badger.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("%s: holds kept changing during %d attempts: %w", what, holdCommitTries, err)
}

// freezeQuery runs the hold's query over the message index and returns
// every match (message id → conversation id). It fails rather than truncate
// when the query matches more than maxHoldQueryMatches. It asks Bleve for
// ids alone, in one request: paging through Search would re-run the query
// per page (quadratic in the matches) and build snippets nobody reads.
func (ix *Indexer) freezeQuery(ctx context.Context, q *model.HoldQuery) (map[string]string, error) {
	users := q.Users
	if len(users) > 0 {
		if err := ix.db.View(func(txn *badger.Txn) error {
			var err error
			users, err = searchUserIDs(txn, users)
			return err
		}); err != nil {
			return nil, fmt.Errorf("query: users: %w", err)
		}
	}
	// The same filters Search applies to a message search.
	req := SearchRequest{Kind: KindMessage, Query: q.Text, FindingTypes: q.FindingTypes, FlaggedOnly: q.FlaggedOnly,
		Users: users, Models: q.Models, Products: q.Products, From: q.From, To: q.To}
	bq, err := buildQuery(req)
	if err != nil {
		// ErrBadQuery too: a text the query syntax rejects is the caller's.
		return nil, fmt.Errorf("%w: query: %w", ErrBadRequest, err)
	}
	release := ix.parts.acquire()
	defer release()
	idxs := ix.parts.messages(req.From, req.To)
	if bq, err = expandPatterns(ctx, bq, idxs); err != nil {
		return nil, queryErr(err)
	}
	tooMany := func(n uint64) error {
		return fmt.Errorf("%w: query: matches %d messages, a hold's query may pin at most %d; narrow the query "+
			"(dates, users, finding types) or name custodians or conversations instead", ErrBadRequest, n, maxHoldQueryMatches)
	}
	// Count first, so an over-broad query is refused before anything is
	// collected.
	counted, err := searchPartitions(ctx, bleve.NewSearchRequestOptions(bq, 0, 0, false), idxs)
	if err != nil {
		return nil, queryErr(tooManyTerms(err))
	}
	if counted.Total > uint64(maxHoldQueryMatches) {
		return nil, tooMany(counted.Total)
	}
	// Ingest may add matches between the two requests: one more than the
	// cap tells that it went over.
	sr := bleve.NewSearchRequestOptions(bq, maxHoldQueryMatches+1, 0, false)
	// Sorting by the conversation id hands it back with each hit (nothing
	// is stored in the index); as a string, so no id reads as a number.
	sr.SortByCustom(search.SortOrder{&search.SortField{Field: fConv, Type: search.SortFieldAsString}, &search.SortDocID{}})
	res, err := searchPartitions(ctx, sr, idxs)
	if err != nil {
		return nil, queryErr(tooManyTerms(err))
	}
	if res.Total > uint64(maxHoldQueryMatches) {
		return nil, tooMany(res.Total)
	}
	out := make(map[string]string, len(res.Hits))
	for _, h := range res.Hits {
		id, ok := strings.CutPrefix(h.ID, messageDocID(""))
		if !ok {
			continue
		}
		conv := ""
		if len(h.Sort) > 0 {
			conv = h.Sort[0]
		}
		out[id] = conv
	}
	return out, nil
}

// queryErr marks a query the index refuses (too many pattern expansions or
// terms) as the caller's to fix.
func queryErr(err error) error {
	if errors.Is(err, ErrBadQuery) {
		return fmt.Errorf("%w: query: %w", ErrBadRequest, err)
	}
	return fmt.Errorf("query: %w", err)
}

// searchUserIDs turns the users a query names (ids, aliases, emails) into
// the user ids the search index files messages under. A name that resolves
// to nobody stays as given, so it matches nothing rather than dropping the
// filter and matching everyone.
func searchUserIDs(txn *badger.Txn, names []string) ([]string, error) {
	p := newPeople(txn)
	canon, err := p.canonical(names)
	if err != nil {
		return nil, err
	}
	var byEmail map[string][]*model.User
	var out []string
	for _, n := range canon {
		if !strings.Contains(n, "@") {
			out = append(out, n)
			continue
		}
		if byEmail == nil {
			if byEmail, err = usersByEmail(txn); err != nil {
				return nil, err
			}
		}
		if len(byEmail[n]) == 0 {
			out = append(out, n)
		}
		for _, u := range byEmail[n] {
			id, _, err := p.facts(u.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, id)
		}
	}
	return out, nil
}

// usersByEmail indexes every user record by lower-cased email. There is no
// email index in the store; users are few next to messages, and this runs
// once per hold view or listing, only when a hold names someone by email.
func usersByEmail(txn *badger.Txn) (map[string][]*model.User, error) {
	out := map[string][]*model.User{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pUser), PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var u model.User
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &u) }); err != nil {
			return nil, fmt.Errorf("decode %q: %w", it.Item().Key(), err)
		}
		if e := strings.ToLower(strings.TrimSpace(u.Email)); e != "" {
			out[e] = append(out[e], &u)
		}
	}
	return out, nil
}

// writeQueryKeys stores a frozen query's matches for hold id, in batches.
// The hold is not active yet, so these keys change nothing until its record
// is written.
func (ix *Indexer) writeQueryKeys(id string, matches map[string]string) error {
	wb := ix.db.NewWriteBatch()
	defer wb.Cancel()
	for msg, conv := range matches {
		if err := wb.Set(holdMsgKey(msg, id), nil); err != nil {
			return fmt.Errorf("hold %s: write query match %q: %w", id, msg, err)
		}
		if err := wb.Set(holdMemKey(id, msg), []byte(conv)); err != nil {
			return fmt.Errorf("hold %s: write query match %q: %w", id, msg, err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("hold %s: write query matches: %w", id, err)
	}
	return nil
}

// holdNow keeps nanoseconds: holds are listed newest first, and two placed
// within a millisecond still list in the order they were placed.
func holdNow() time.Time { return time.Now().UTC() }
