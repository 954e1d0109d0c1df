package indexer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// cancelOnceRecorded reports itself cancelled as soon as the deletion's range
// is on disk, that is right after the deletion's first transaction commits;
// the purge's scan checks the context at every key, so it fails there, part
// of the way through.
type cancelOnceRecorded struct {
	context.Context
	ix  *Indexer
	key string // meta key of the range
}

func (c cancelOnceRecorded) Err() error {
	if _, err := c.ix.Meta(c.key); err == nil {
		return context.Canceled
	}
	return nil
}

// Issue 12, item 10b: a deletion that failed part-way was not added to the
// in-memory deleted ranges, so the next sync brought back what it had
// already deleted, until a restart.
func TestFailedDeleteKeepsDroppingIngest(t *testing.T) {
	dir := t.TempDir()
	// Small memtables make Badger's transactions small, so the deletion
	// spans several of them.
	ix, err := Open(context.Background(), Options{Dir: dir, BadgerMemTableMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	b := ingestYearOrg(t, ix)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	inRange := func(m model.Message) bool { return !m.CreatedAt.Before(from) && m.CreatedAt.Before(to) }
	want := 0
	for _, m := range b.Messages {
		if inRange(m) {
			want++
		}
	}
	events, _, stop := ix.Subscribe()
	defer stop()
	ctx := cancelOnceRecorded{Context: context.Background(), ix: ix,
		key: string(purgedKey(purgedRange{From: from, To: to}))[len(pMeta):]}
	if _, err := ix.DeleteRange(ctx, from, to, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("delete: %v, want it cancelled part-way", err)
	}
	var last Event
	for n := len(events); n > 0; n-- {
		last = <-events
	}
	if last.Job != "delete" || last.State != "failed" {
		t.Errorf("last event %+v, want the deletion failed", last)
	}
	var gone []model.Message
	for _, m := range b.Messages {
		if _, err := ix.Message(context.Background(), m.ID); errors.Is(err, ErrNotFound) {
			gone = append(gone, m)
		}
	}
	if len(gone) == 0 || len(gone) >= want {
		t.Fatalf("%d of %d messages deleted: the deletion did not fail part-way", len(gone), want)
	}

	// The sync re-delivers every chat: what was deleted stays deleted.
	res, err := ix.Ingest(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Purged != want {
		t.Errorf("re-ingest dropped %d messages, want the %d in the deleted range", res.Purged, want)
	}
	for _, m := range gone {
		if _, err := ix.Message(context.Background(), m.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted message %s came back: %v", m.ID, err)
		}
	}
	verifyOK(t, ix)

	// The next start finishes the deletion.
	ix.Close()
	ix = openTest(t, dir)
	st, err := ix.Stats(context.Background())
	if err != nil || st.Messages != len(b.Messages)-want {
		t.Fatalf("after the resumed deletion %d messages (%v), want %d", st.Messages, err, len(b.Messages)-want)
	}
	verifyOK(t, ix)
	if n := doSearch(t, ix, SearchRequest{From: from, To: to, NoFacets: true}).Total; n != 0 {
		t.Fatalf("%d messages left in the range", n)
	}
}
