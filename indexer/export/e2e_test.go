package export

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/ccsync/ccsync/indexer"
)

func openIndexer(t testing.TB, dir string) *indexer.Indexer {
	t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// TestEndToEnd imports every era into a real indexer (Badger + Bleve in a
// temp dir) and checks what a reviewer would then see: records, branches,
// findings from attachment text, user names, search, and that a re-import
// changes nothing.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	ix := openIndexer(t, t.TempDir())
	events, _, stop := ix.Subscribe()
	defer stop()

	opts := Options{Sink: ix, Events: ix, Job: "e2e", Logger: slog.New(slog.DiscardHandler)}
	rep, err := Import(ctx, allEras(), opts)
	if err != nil || rep.Outcome() != nil {
		t.Fatalf("import: %v / %v", err, rep.Outcome())
	}
	if rep.Conversations != 8 || rep.Messages != 18 || rep.Users != 3 {
		t.Fatalf("report %+v", rep)
	}
	st, err := ix.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Conversations != 8 || st.Messages != 18 || st.Users != 3 {
		t.Errorf("stats %d conversations %d messages %d users", st.Conversations, st.Messages, st.Users)
	}

	msgs, err := ix.Messages(ctx, "019d1a2b-3c4d-7e5f-8a6b-7c8d9e0f1a2b")
	if err != nil || len(msgs) != 7 {
		t.Fatalf("messages: %d, %v", len(msgs), err)
	}
	if msgs[1].OnCurrentBranch || !msgs[6].OnCurrentBranch || msgs[6].ParentID != msgs[5].ID {
		t.Errorf("branches not kept: %+v", msgs)
	}
	c, err := ix.Conversation(ctx, "0b3e1f44-8c2d-4d91-a7b5-5e9f6a0c1d22")
	if err != nil || c.MessageCount != 2 || c.FindingCount == 0 {
		t.Errorf("conversation with a secret in an attachment: %+v, %v", c, err)
	}

	// The AWS key is only in an attachment's extracted text: it must be
	// searchable and its message flagged.
	res, err := ix.Search(ctx, indexer.SearchRequest{Query: "AKIAIOSFODNN7EXAMPLE", NoFacets: true})
	if err != nil || res.Total != 1 || res.Hits[0].ID != "1a2b3c4d-0000-4000-8000-000000000001" {
		t.Fatalf("search attachment text: %+v, %v", res, err)
	}
	if h := res.Hits[0]; h.UserEmail != "grace.hopper@example.com" || h.FindingCount == 0 {
		t.Errorf("hit not resolved to its owner or not flagged: %+v", h)
	}

	again, err := Import(ctx, allEras(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if ch := again.Changes; ch.Conversations+ch.Messages+ch.Users != 0 || again.Conversations != rep.Conversations {
		t.Errorf("re-import changed %+v", ch)
	}
	st2, _ := ix.Stats(ctx)
	if st2.Messages != st.Messages || st2.Conversations != st.Conversations || st2.Users != st.Users {
		t.Errorf("stats after re-import %+v, before %+v", st2, st)
	}

	var sawRunning, sawDone bool
	for len(events) > 0 {
		e := <-events
		if e.Job == "e2e" && e.Kind == "import" {
			sawRunning = sawRunning || e.State == "running"
			sawDone = sawDone || e.State == "done"
		}
	}
	if !sawRunning || !sawDone {
		t.Errorf("import events on the indexer stream: running %v done %v", sawRunning, sawDone)
	}
}

// TestUsersLater imports conversations first and users.json afterwards, the
// way an owner might: the names must then show on the stored conversations.
func TestUsersLater(t *testing.T) {
	ctx := context.Background()
	ix := openIndexer(t, t.TempDir())
	opts := Options{Sink: ix, Logger: slog.New(slog.DiscardHandler)}
	if _, err := Import(ctx, []string{filepath.Join("testdata", "2024", "conversations.json")}, opts); err != nil {
		t.Fatal(err)
	}
	search := func() indexer.Hit {
		res, err := ix.Search(ctx, indexer.SearchRequest{Query: "bash", NoFacets: true})
		if err != nil || len(res.Hits) == 0 {
			t.Fatalf("search: %+v %v", res, err)
		}
		return res.Hits[0]
	}
	if h := search(); h.UserName != "" && h.UserName != h.UserID {
		t.Fatalf("name before users.json: %+v", h)
	}
	rep, err := Import(ctx, []string{filepath.Join("testdata", "users.json")}, opts)
	if err != nil || rep.Users != 3 {
		t.Fatal(rep, err)
	}
	if h := search(); h.UserName != "Ada Lovelace" || h.UserEmail != "ada@example.com" {
		t.Errorf("after users.json: %+v", h)
	}
}
