package indexer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// failRenames makes renameDir fail for sources that fail says, until the
// test ends.
func failRenames(t *testing.T, fail func(src string) bool) {
	t.Helper()
	renameDir = func(src, dst string) error {
		if fail(src) {
			return &os.LinkError{Op: "rename", Old: src, New: dst, Err: errors.New("injected failure")}
		}
		return os.Rename(src, dst)
	}
	t.Cleanup(func() { renameDir = os.Rename })
}

// searchState is what the searches a test repeats answer.
func searchState(t *testing.T, ix *Indexer, month time.Time) (all, inMonth, convs uint64) {
	t.Helper()
	all = doSearch(t, ix, SearchRequest{NoFacets: true, Size: 1}).Total
	inMonth = doSearch(t, ix, SearchRequest{From: month, To: month.AddDate(0, 1, 0), NoFacets: true, Size: 1}).Total
	convs = doSearch(t, ix, SearchRequest{Kind: KindConversation, NoFacets: true, Size: 1}).Total
	return
}

func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(dir, "index"), func(p string, d os.DirEntry, err error) error {
		if strings.HasSuffix(p, ".old") || strings.HasSuffix(p, ".rebuild") {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Issue 12, item 10f: a rebuild closed the live partition before the swap,
// and a failed swap left the closed index in use. A failed swap must put
// the old partition back, searchable.
func TestFailedSwapKeepsTheOldPartition(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	ctx := context.Background()
	if _, err := ix.Ingest(ctx, yearOrg()); err != nil {
		t.Fatal(err)
	}
	month := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	a, m, c := searchState(t, ix, month)
	failRenames(t, func(src string) bool { return strings.HasSuffix(src, ".rebuild") })
	for _, name := range []string{monthOf(month), convPartition} {
		if err := ix.ReindexMonth(ctx, name); err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Fatalf("reindex %s with a failing swap: %v", name, err)
		}
		if a2, m2, c2 := searchState(t, ix, month); a2 != a || m2 != m || c2 != c {
			t.Fatalf("after the failed swap of %s searches find %d/%d/%d, before %d/%d/%d", name, a2, m2, c2, a, m, c)
		}
		verifyOK(t, ix)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Fatalf("a failed swap left %v", l)
	}
}

// When the old partition cannot be put back either, searches that need it
// fail with a clear error instead of using a closed index, the others
// still answer, and the next start rebuilds it.
func TestSwapThatCannotBeUndoneTakesPartitionOutOfService(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	ctx := context.Background()
	b := ingestYearOrg(t, ix)
	month := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	a, m, c := searchState(t, ix, month)
	// Moving the old directory aside works; moving anything in does not.
	failRenames(t, func(src string) bool { return strings.HasSuffix(src, ".rebuild") || strings.HasSuffix(src, ".old") })
	for _, name := range []string{monthOf(month), convPartition} {
		if err := ix.ReindexMonth(ctx, name); err == nil {
			t.Fatalf("reindex %s succeeded", name)
		}
	}
	// (An unfiltered search is answered from the store: it needs no partition.)
	for _, req := range []SearchRequest{{Query: "deploy"}, {From: month, To: month.AddDate(0, 1, 0)}, {Kind: KindConversation}} {
		if _, err := ix.Search(ctx, req); err == nil || !strings.Contains(err.Error(), "out of service") {
			t.Errorf("search %+v: %v, want the partition out of service", req, err)
		}
	}
	// Another month still answers, from its own partition.
	other := month.AddDate(0, 3, 0)
	if n := doSearch(t, ix, SearchRequest{From: other, To: other.AddDate(0, 1, 0), NoFacets: true}).Total; n == 0 {
		t.Fatal("a month in service found nothing")
	}
	// Ingest stores, and says the index update is pending.
	at := month.AddDate(0, 0, 3)
	_, err := ix.Ingest(ctx, Batch{Messages: []model.Message{{ID: "late", ConversationID: b.Conversations[0].ID, CreatedAt: at,
		Blocks: []model.Block{{Type: model.BlockText, Text: "stored while out of service"}}}}})
	if err == nil || !strings.Contains(err.Error(), "out of service") {
		t.Fatalf("ingest into the month out of service: %v", err)
	}
	if _, err := ix.Message(ctx, "late"); err != nil {
		t.Fatalf("the message was not stored: %v", err)
	}
	if err := ix.Close(); err != nil {
		t.Fatalf("close with a partition out of service: %v", err)
	}

	renameDir = os.Rename
	ix = openTest(t, dir)
	verifyOK(t, ix)
	if a2, m2, c2 := searchState(t, ix, month); a2 != a+1 || m2 != m+1 || c2 != c {
		t.Fatalf("after the restart searches find %d/%d/%d, want %d/%d/%d", a2, m2, c2, a+1, m+1, c)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Fatalf("leftovers after the restart: %v", l)
	}
}
