package indexer

import (
	"context"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// recordOldPurge leaves what a version without the window check left after
// DeleteRange(from, to): the range recorded as done, and no partition for
// any month its month arithmetic found inside the range. Its key scan ran
// between wrapped keys, so nothing else changed.
func recordOldPurge(t *testing.T, ix *Indexer, from, to time.Time) {
	t.Helper()
	w := ix.newWriter()
	defer w.discard()
	if err := w.recordPurge(purgedRange{From: from, To: to, At: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if err := w.commit(); err != nil {
		t.Fatal(err)
	}
	for _, m := range ix.parts.months() {
		if mf, mt, _ := monthBounds(m); !mf.Before(from) && !mt.After(to) {
			if err := ix.parts.drop(m); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Issue 12, item 1: a store already hit by the out-of-window deletion has
// lost its partitions and keeps a purged range that drops every later
// import. Open removes the range, rebuilds the partitions, and imports
// into the range work again.
func TestOpenRepairsPurgedRangeOutsideWindow(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	ctx := context.Background()
	b := ingestYearOrg(t, ix)
	recordOldPurge(t, ix, time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
	if n := len(partitionDirs(t, dir)); n > 1 {
		t.Fatalf("the simulated old deletion left %d partitions", n)
	}
	ix.Close()

	ix = openTest(t, dir)
	if len(ix.purged) != 0 {
		t.Fatalf("purged ranges after Open: %+v", ix.purged)
	}
	if n := doSearch(t, ix, SearchRequest{NoFacets: true, Size: 1}).Total; int(n) != len(b.Messages) {
		t.Fatalf("search finds %d messages after Open, want %d", n, len(b.Messages))
	}
	verifyOK(t, ix)
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	late := Batch{
		Conversations: []model.Conversation{{ID: "late", OwnerID: b.Users[0].ID, CreatedAt: at}},
		Messages: []model.Message{{ID: "late-1", ConversationID: "late", CreatedAt: at, Role: model.RoleHuman,
			Blocks: []model.Block{{Type: model.BlockText, Text: "imported after the repair"}}}},
	}
	res, err := ix.Ingest(ctx, late)
	if err != nil || res.Purged != 0 || res.Messages != 1 {
		t.Fatalf("ingest into the range after the repair: %+v, %v", res, err)
	}
	if got := ids(doSearch(t, ix, SearchRequest{Query: "repair"})); got != "late-1" {
		t.Fatalf("search after the repair: %q", got)
	}
	verifyOK(t, ix)
	ix.Close()
	ix = openTest(t, dir) // the repair is stored, not redone at every start
	if len(ix.purged) != 0 {
		t.Fatalf("purged ranges after a second Open: %+v", ix.purged)
	}
}

// A bound that wrapped into the window made the old scan delete a real span
// (to 2612-01-01 wraps to 2027-06-12): that span stays deleted, the rest of
// the named range is open to imports again.
func TestOpenNarrowsPurgedRangeToWhatItDeleted(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2612, 1, 1, 0, 0, 0, 0, time.UTC)
	recordOldPurge(t, ix, from, to)
	ix.Close()

	for range 2 { // rewritten on disk: the second Open finds the narrowed range
		ix = openTest(t, dir)
		wantTo := time.Date(2027, 6, 12, 0, 25, 26, 290448384, time.UTC)
		if len(ix.purged) != 1 || !ix.purged[0].From.Equal(from) || !ix.purged[0].To.Equal(wantTo) {
			t.Fatalf("purged ranges after Open: %+v, want %s to %s", ix.purged, from, wantTo)
		}
		ix.Close()
	}
	ix = openTest(t, dir)
	msg := func(id string, at time.Time) model.Message {
		return model.Message{ID: id, ConversationID: "c-" + id, CreatedAt: at, Role: model.RoleHuman,
			Blocks: []model.Block{{Type: model.BlockText, Text: id}}}
	}
	res, err := ix.Ingest(context.Background(), Batch{Messages: []model.Message{
		msg("inside", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)),
		msg("after", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)),
	}})
	if err != nil || res.Purged != 1 || res.Messages != 1 {
		t.Fatalf("ingest: %+v, %v; want the 2027 message dropped and the 2030 one kept", res, err)
	}
	verifyOK(t, ix)
}
