package stream

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

func openIx(t *testing.T) *indexer.Indexer {
	t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// TestCapCountsPerHourAndPersists: a capped stream's count lives in the
// batch of the items it counts, frees up an hour later, and reloads; an
// uncapped one never stops; a missing meta key reads as absent.
func TestCapCountsPerHourAndPersists(t *testing.T) {
	ix := openIx(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 3, 10, 0, 30, 0, time.UTC)
	var v struct{}
	if ok, err := LoadJSON(ix, "sync/none/state", &v); ok || err != nil {
		t.Fatalf("absent key: %v %v", ok, err)
	}
	c, err := LoadCap(ix, "sessions", 10)
	if err != nil || c.Left(t0) != 10 {
		t.Fatalf("fresh cap %+v %v", c, err)
	}
	for i, n := range []int{4, 5} {
		b := indexer.Batch{}
		c.Count(&b, t0.Add(time.Duration(i)*10*time.Minute), n)
		if _, err := ix.Ingest(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(30 * time.Minute)
	reloaded, err := LoadCap(ix, "sessions", 10)
	if err != nil || reloaded.Left(at) != 1 {
		t.Fatalf("reloaded cap leaves %d, want 1 (%v)", reloaded.Left(at), err)
	}
	b := indexer.Batch{}
	reloaded.Count(&b, at, 1)
	if reloaded.Left(at) != 0 || !reloaded.ResumeAt(at).Equal(t0.Truncate(time.Minute).Add(time.Hour)) {
		t.Errorf("full cap: left %d, resume %s", reloaded.Left(at), reloaded.ResumeAt(at))
	}
	if got := reloaded.Left(t0.Add(61 * time.Minute)); got != 4 {
		t.Errorf("an hour on, %d left, want the first minute's 4 back", got)
	}
	open, _ := LoadCap(ix, "files", 0)
	b = indexer.Batch{}
	open.Count(&b, at, 1_000_000)
	if open.Left(at) < 1<<30 || len(b.Checkpoints) != 0 {
		t.Errorf("uncapped stream: left %d, checkpoints %v", open.Left(at), b.Checkpoints)
	}
}
