package indexer

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// Issue 12, item 10c: a time-index entry written before stubs (an empty
// value) whose record is missing ended a deletion's scan early without an
// error; the range was recorded done while everything after the entry
// stayed stored.
func TestDeleteRangeGoesPastOrphanedLegacyKeys(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	b := ingestYearOrg(t, ix)
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	mid := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	want := 0
	var after []model.Message // in the range, after the orphan
	for _, m := range b.Messages {
		if !m.CreatedAt.Before(from) && m.CreatedAt.Before(to) {
			want++
			if !m.CreatedAt.Before(mid) {
				after = append(after, m)
			}
		}
	}
	if len(after) == 0 || len(after) == want {
		t.Fatalf("the orphan must sit inside the range's messages (%d of %d after it)", len(after), want)
	}
	// What an older version left: every entry without a stub, one whose
	// message record is gone, and a stale one naming a message that is
	// stored under another time, outside the range.
	i := slices.IndexFunc(b.Messages, func(m model.Message) bool { return m.CreatedAt.Before(from) })
	if i < 0 {
		t.Fatal("no message before the range")
	}
	outside := b.Messages[i]
	orphan, stale := timeMsgKey(mid, "gone-message"), timeMsgKey(mid.Add(time.Hour), outside.ID)
	err := ix.db.Update(func(txn *badger.Txn) error {
		for _, m := range b.Messages {
			if err := txn.Set(timeMsgKey(m.CreatedAt, m.ID), nil); err != nil {
				return err
			}
		}
		if err := txn.Set(stale, nil); err != nil {
			return err
		}
		return txn.Set(orphan, nil)
	})
	if err != nil {
		t.Fatal(err)
	}

	dry, err := ix.DeleteRange(ctx, from, to, true)
	if err != nil || dry.Messages != want {
		t.Fatalf("dry run %+v, %v; want %d messages", dry, err, want)
	}
	res, err := ix.DeleteRange(ctx, from, to, false)
	if err != nil || res.Messages != want || res.Conversations != dry.Conversations {
		t.Fatalf("delete %+v, %v; want %d messages and the dry run's %d conversations", res, err, want, dry.Conversations)
	}
	for _, m := range after {
		if _, err := ix.Message(ctx, m.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("message %s, after the orphaned entry, is still stored: %v", m.ID, err)
		}
	}
	if _, err := ix.Message(ctx, outside.ID); err != nil {
		t.Fatalf("message %s, created before the range, was deleted through a stale entry: %v", outside.ID, err)
	}
	for _, k := range [][]byte{orphan, stale} {
		err = ix.db.View(func(txn *badger.Txn) error {
			_, err := txn.Get(k)
			return err
		})
		if !errors.Is(err, badger.ErrKeyNotFound) {
			t.Fatalf("orphaned time-index entry %q: %v, want it deleted with its range", k, err)
		}
	}
	verifyOK(t, ix)
	if n := doSearch(t, ix, SearchRequest{From: from, To: to, NoFacets: true}).Total; n != 0 {
		t.Fatalf("%d messages left in the range", n)
	}
}
