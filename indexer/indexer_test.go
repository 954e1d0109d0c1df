package indexer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
)

func openTest(t testing.TB, dir string) *Indexer {
	t.Helper()
	ix, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func sampleBatch() Batch {
	conv := model.Conversation{ID: "c1", ExternalID: "claude_chat_1", Source: model.SourceComplianceAPI,
		Provider: model.ProviderAnthropic, Model: "claude-sonnet-4-5", Title: "Quarterly budget", OwnerID: "user_a",
		CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)}
	conv2 := model.Conversation{ID: "c2", Source: model.SourceExport, Provider: model.ProviderAnthropic,
		Model: "claude-opus-4-1", Title: "Kubernetes migration", OwnerID: "user_b", CreatedAt: t0.AddDate(0, 1, 0)}
	return Batch{
		Users:         []model.User{{ID: "user_a", Name: "Ada Lovelace", Email: "ada@example.com"}, {ID: "user_b", Email: "bob@example.com"}},
		Conversations: []model.Conversation{conv, conv2},
		Messages: []model.Message{
			{ID: "m1", ConversationID: "c1", Seq: 0, Role: model.RoleHuman, CreatedAt: t0,
				Blocks: []model.Block{{Type: model.BlockText, Text: "Please send the budget spreadsheet to jane.doe@acme.com"}}},
			{ID: "m2", ConversationID: "c1", Seq: 1, Role: model.RoleAssistant, CreatedAt: t0.Add(time.Minute),
				Blocks: []model.Block{{Type: model.BlockText, Text: "Sure, here is the **budget** summary."},
					{Type: model.BlockToolUse, ToolName: "web_search", ToolInput: `{"query":"budget template"}`}}},
			{ID: "m3", ConversationID: "c2", Seq: 0, Role: model.RoleHuman, CreatedAt: t0.AddDate(0, 1, 0),
				Blocks: []model.Block{{Type: model.BlockText, Text: "How do I migrate the cluster to <script>alert(1)</script>?"}}},
		},
		Checkpoints: map[string][]byte{"sync/cursor": []byte("abc")},
	}
}

func doSearch(t *testing.T, ix *Indexer, req SearchRequest) *SearchResult {
	t.Helper()
	res, err := ix.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("search %+v: %v", req, err)
	}
	return res
}

func ids(res *SearchResult) string {
	var s []string
	for _, h := range res.Hits {
		s = append(s, h.ID)
	}
	return strings.Join(s, ",")
}

func TestIngestSearchAndFacets(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	res, err := ix.Ingest(ctx, sampleBatch())
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 3 || res.Conversations != 2 || res.Users != 2 || res.Findings != 1 {
		t.Fatalf("ingest result %+v", res)
	}
	if v, err := ix.Meta("sync/cursor"); err != nil || string(v) != "abc" {
		t.Fatalf("checkpoint = %q, %v", v, err)
	}

	tests := []struct {
		name string
		req  SearchRequest
		want string
	}{
		{"full text", SearchRequest{Query: "budget"}, "m2,m1"},
		{"phrase", SearchRequest{Query: `"budget spreadsheet"`}, "m1"},
		{"tool input is searchable", SearchRequest{Query: "template"}, "m2"},
		{"flagged only", SearchRequest{FlaggedOnly: true}, "m1"},
		{"finding type", SearchRequest{FindingTypes: []string{"email"}}, "m1"},
		{"user filter", SearchRequest{Users: []string{"user_b"}}, "m3"},
		{"model filter", SearchRequest{Models: []string{"claude-sonnet-4-5"}, Sort: SortOldest}, "m1,m2"},
		{"role filter", SearchRequest{Roles: []string{"assistant"}}, "m2"},
		{"tool filter", SearchRequest{Tools: []string{"web_search"}}, "m2"},
		{"date range", SearchRequest{From: t0.AddDate(0, 0, 20), To: t0.AddDate(0, 2, 0)}, "m3"},
		{"conversation", SearchRequest{ConversationID: "c1", Sort: SortOldest}, "m1,m2"},
		{"field query", SearchRequest{Query: "model:claude-opus-4-1"}, "m3"},
		{"conversation kind", SearchRequest{Kind: KindConversation, Query: "kubernetes"}, "c2"},
		{"conversation kind flagged", SearchRequest{Kind: KindConversation, FlaggedOnly: true}, "c1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(doSearch(t, ix, tc.req)); got != tc.want {
				t.Errorf("hits = %q, want %q", got, tc.want)
			}
		})
	}

	r := doSearch(t, ix, SearchRequest{Query: "budget spreadsheet"})
	if !strings.Contains(r.Hits[0].Snippet, "<mark>budget</mark>") {
		t.Errorf("snippet %q lacks highlight", r.Hits[0].Snippet)
	}
	if r.Hits[0].UserName != "Ada Lovelace" || r.Hits[0].Model != "claude-sonnet-4-5" || r.Hits[0].Title != "Quarterly budget" {
		t.Errorf("hit labels %+v", r.Hits[0])
	}
	if got := facet(r, FacetFindingType); got != "email=1" {
		t.Errorf("finding facet %q", got)
	}
	all := doSearch(t, ix, SearchRequest{})
	if got := facet(all, FacetUser); got != "user_a(Ada Lovelace)=2,user_b(bob@example.com)=1" {
		t.Errorf("user facet %q", got)
	}
	if got := facet(all, FacetDate); got != "2026-03=2,2026-04=1" {
		t.Errorf("date facet %q", got)
	}
	xss := doSearch(t, ix, SearchRequest{Query: "cluster"})
	if s := xss.Hits[0].Snippet; strings.Contains(s, "<script>") || !strings.Contains(s, "&lt;script&gt;") {
		t.Errorf("snippet not escaped: %q", s)
	}

	conv, err := ix.Conversation(ctx, "c1")
	if err != nil || conv.MessageCount != 2 || conv.FindingCount != 1 {
		t.Fatalf("conversation %+v, %v", conv, err)
	}
	msgs, err := ix.Messages(ctx, "c1")
	if err != nil || len(msgs) != 2 || msgs[0].ID != "m1" || msgs[0].Findings[0].Type != "email" {
		t.Fatalf("messages %+v, %v", msgs, err)
	}
	f := msgs[0].Findings[0]
	if got := msgs[0].FlatText()[f.Start:f.End]; got != "jane.doe@acme.com" {
		t.Errorf("finding span covers %q", got)
	}
	if strings.Contains(f.Preview, "jane.doe") {
		t.Errorf("preview not masked: %q", f.Preview)
	}
}

func facet(r *SearchResult, name string) string {
	var s []string
	for _, f := range r.Facets[name] {
		if f.Label != "" {
			s = append(s, fmt.Sprintf("%s(%s)=%d", f.Term, f.Label, f.Count))
		} else {
			s = append(s, fmt.Sprintf("%s=%d", f.Term, f.Count))
		}
	}
	return strings.Join(s, ",")
}

func TestIngestIsIdempotentAndReplaces(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	b := sampleBatch()
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	before, _ := ix.Stats(ctx)
	res, err := ix.Ingest(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 0 || res.Conversations != 0 || res.Users != 0 || res.Unchanged != 7 {
		t.Fatalf("re-ingest changed things: %+v", res)
	}
	after, _ := ix.Stats(ctx)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("stats moved on re-ingest:\n%v\n%v", before, after)
	}
	if n := doSearch(t, ix, SearchRequest{}).Total; n != 3 {
		t.Fatalf("total after re-ingest = %d", n)
	}

	// A changed message replaces the old one, index entries included.
	b2 := Batch{Messages: []model.Message{b.Messages[0]}}
	b2.Messages[0].Blocks = []model.Block{{Type: model.BlockText, Text: "Nothing sensitive any more"}}
	if _, err := ix.Ingest(ctx, b2); err != nil {
		t.Fatal(err)
	}
	if got := ids(doSearch(t, ix, SearchRequest{Query: "spreadsheet"})); got != "" {
		t.Errorf("stale text still indexed: %q", got)
	}
	if got := ids(doSearch(t, ix, SearchRequest{FlaggedOnly: true})); got != "" {
		t.Errorf("stale finding still indexed: %q", got)
	}
	st, _ := ix.Stats(ctx)
	if st.FlaggedMessages != 0 || st.FindingsPerType["email"] != 0 || st.Messages != 3 {
		t.Errorf("stats after replace %+v", st)
	}
	c, _ := ix.Conversation(ctx, "c1")
	if c.FindingCount != 0 || c.MessageCount != 2 {
		t.Errorf("aggregates after replace %+v", c)
	}

	// A user's name arriving later relabels their stored conversations.
	if _, err := ix.Ingest(ctx, Batch{Users: []model.User{{ID: "user_b", Name: "Bob Builder"}}}); err != nil {
		t.Fatal(err)
	}
	r := doSearch(t, ix, SearchRequest{Users: []string{"user_b"}})
	if r.Hits[0].UserName != "Bob Builder" || r.Hits[0].UserEmail != "bob@example.com" {
		t.Errorf("user not relabelled/merged: %+v", r.Hits[0])
	}
	// Moving a conversation to another owner moves its messages' facets.
	conv := b.Conversations[1]
	conv.OwnerID = "user_a"
	if _, err := ix.Ingest(ctx, Batch{Conversations: []model.Conversation{conv}}); err != nil {
		t.Fatal(err)
	}
	if got := ids(doSearch(t, ix, SearchRequest{Users: []string{"user_b"}})); got != "" {
		t.Errorf("old owner still has hits: %q", got)
	}
}

func TestBadInput(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	_, err := ix.Ingest(ctx, Batch{Messages: []model.Message{{ID: "x"}}})
	if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "message 0") {
		t.Errorf("missing conversation id: %v", err)
	}
	for _, q := range []string{`title:"unterminated`, `+`, `created_at:>nonsense`} {
		if _, err := ix.Search(ctx, SearchRequest{Query: q}); !errors.Is(err, ErrBadQuery) {
			t.Errorf("query %q: err = %v, want ErrBadQuery", q, err)
		}
	}
	for _, c := range []cursor{{Sort: SortRelevance, Offset: -1000}, {Sort: SortRelevance, Offset: 1 << 62},
		{Sort: SortNewest, After: []string{"x"}}} {
		req := SearchRequest{Query: "budget", Sort: c.Sort, After: encodeCursor(c)}
		if _, err := ix.Search(ctx, req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("crafted cursor %+v: %v, want ErrBadRequest", c, err)
		}
	}
	if _, err := ix.Search(ctx, SearchRequest{After: "!!"}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("bad cursor: %v", err)
	}
	if _, err := ix.DeleteRange(ctx, t0, t0, true); !errors.Is(err, ErrBadRequest) {
		t.Errorf("empty range: %v", err)
	}
}

func TestDeepPaginationVisitsEveryHitOnce(t *testing.T) {
	ix := openTest(t, t.TempDir())
	org := synth.Generate(synth.Options{Seed: 7, Users: 5, Conversations: 30, MessagesPer: 7, TextBytes: 120})
	if _, err := ix.Ingest(context.Background(), Batch{Users: org.Users, Conversations: org.Conversations, Messages: org.Messages}); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []Sort{SortNewest, SortOldest, SortRelevance} {
		seen := map[string]bool{}
		req := SearchRequest{Query: "the", Sort: sort, Size: 17, NoFacets: true}
		if sort != SortRelevance {
			req.Query = ""
		}
		var prev time.Time
		for page := 0; ; page++ {
			r := doSearch(t, ix, req)
			for _, h := range r.Hits {
				if seen[h.ID] {
					t.Fatalf("%s: %s seen twice (page %d)", sort, h.ID, page)
				}
				seen[h.ID] = true
				if sort == SortNewest && !prev.IsZero() && h.CreatedAt.After(prev) {
					t.Fatalf("newest order broken at %s", h.ID)
				}
				prev = h.CreatedAt
			}
			if r.Next == "" {
				break
			}
			req.After = r.Next
		}
		if want := doSearch(t, ix, SearchRequest{Query: req.Query, NoFacets: true}).Total; uint64(len(seen)) != want {
			t.Errorf("%s: paged through %d hits, total %d", sort, len(seen), want)
		}
	}
}

func TestDeleteRange(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	ctx := context.Background()
	b := sampleBatch()
	// A conversation straddling the boundary: one message inside, one after.
	b.Conversations = append(b.Conversations, model.Conversation{ID: "c3", OwnerID: "user_a", CreatedAt: t0.AddDate(0, 0, 5)})
	b.Messages = append(b.Messages,
		model.Message{ID: "m4", ConversationID: "c3", Seq: 0, CreatedAt: t0.AddDate(0, 0, 5), Blocks: []model.Block{{Type: model.BlockText, Text: "inside"}}},
		model.Message{ID: "m5", ConversationID: "c3", Seq: 1, CreatedAt: t0.AddDate(0, 3, 0), Blocks: []model.Block{{Type: model.BlockText, Text: "after"}}})
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	from, to := t0.AddDate(0, 0, -1), t0.AddDate(0, 0, 20)
	dry, err := ix.DeleteRange(ctx, from, to, true)
	if err != nil || dry.Messages != 3 || dry.Conversations != 1 || !dry.DryRun {
		t.Fatalf("dry run %+v, %v", dry, err)
	}
	if n := doSearch(t, ix, SearchRequest{}).Total; n != 5 {
		t.Fatalf("dry run deleted something: total %d", n)
	}
	res, err := ix.DeleteRange(ctx, from, to, false)
	if err != nil || res.Messages != 3 || res.Conversations != 1 {
		t.Fatalf("delete %+v, %v", res, err)
	}
	if got := ids(doSearch(t, ix, SearchRequest{Sort: SortOldest})); got != "m3,m5" {
		t.Errorf("after delete hits = %q", got)
	}
	if got := ids(doSearch(t, ix, SearchRequest{Kind: KindConversation, Sort: SortOldest})); got != "c3,c2" {
		t.Errorf("after delete conversations = %q", got)
	}
	if _, err := ix.Conversation(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("c1 still stored: %v", err)
	}
	if _, err := ix.Message(ctx, "m1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("m1 still stored: %v", err)
	}
	c3, _ := ix.Conversation(ctx, "c3")
	if c3.MessageCount != 1 {
		t.Errorf("straddling conversation count %d", c3.MessageCount)
	}
	st, _ := ix.Stats(ctx)
	if st.Messages != 2 || st.Conversations != 2 || st.FlaggedMessages != 0 || len(st.MessagesPerDay) != 2 {
		t.Errorf("stats after delete %+v", st)
	}

	// The sources re-deliver whole chats: a deleted range must stay deleted,
	// also after a restart.
	ix.Close()
	ix = openTest(t, dir)
	res2, err := ix.Ingest(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Purged != 3 || res2.Messages != 0 {
		t.Errorf("re-ingest after delete: %+v, want 3 purged and nothing stored", res2)
	}
	if got := ids(doSearch(t, ix, SearchRequest{Sort: SortOldest})); got != "m3,m5" {
		t.Errorf("deleted messages came back: %q", got)
	}
	if _, err := ix.Conversation(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted conversation came back: %v", err)
	}
}

func TestReindexAndDamagedIndex(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	ix, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Ingest(ctx, sampleBatch()); err != nil {
		t.Fatal(err)
	}
	want := ids(doSearch(t, ix, SearchRequest{Query: "budget OR cluster"}))
	var calls int
	if err := ix.Reindex(ctx, func(done, total int) { calls++ }); err != nil {
		t.Fatal(err)
	}
	if got := ids(doSearch(t, ix, SearchRequest{Query: "budget OR cluster"})); got != want || calls == 0 {
		t.Fatalf("after reindex %q (want %q), %d progress calls", got, want, calls)
	}
	ix.Close()

	// Damage the index: truncate every file in it.
	filepath.Walk(filepath.Join(dir, "index"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			os.WriteFile(p, []byte("garbage"), 0o600)
		}
		return nil
	})
	ix = openTest(t, dir)
	if got := ids(doSearch(t, ix, SearchRequest{Query: "budget OR cluster"})); got != want {
		t.Fatalf("after damaged index %q, want %q", got, want)
	}
	ix.Close()
	os.RemoveAll(filepath.Join(dir, "index"))
	ix = openTest(t, dir)
	if got := ids(doSearch(t, ix, SearchRequest{Query: "budget OR cluster"})); got != want {
		t.Fatalf("after missing index %q, want %q", got, want)
	}
}

func TestOutboxReplayAfterCrashBetweenStores(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	ix, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// Commit to Badger, then "crash" before the Bleve batch.
	w := ix.newWriter()
	m := sampleBatch().Messages[2]
	raw := []byte(`{"id":"m3","conversation_id":"c2","seq":0,"on_current_branch":false,"role":"human","created_at":"2026-04-10T09:00:00Z","blocks":[{"type":"text","text":"orphaned outbox entry"}]}`)
	m.Blocks = []model.Block{{Type: model.BlockText, Text: "orphaned outbox entry"}}
	if err := w.putMessage(encodedMessage{msg: &m, raw: raw}); err != nil {
		t.Fatal(err)
	}
	if err := w.commit(); err != nil {
		t.Fatal(err)
	}
	if n := doSearch(t, ix, SearchRequest{Query: "orphaned"}).Total; n != 0 {
		t.Fatalf("indexed before outbox applied: %d", n)
	}
	ix.Close()
	ix = openTest(t, dir)
	if got := ids(doSearch(t, ix, SearchRequest{Query: "orphaned"})); got != "m3" {
		t.Fatalf("outbox not replayed at open: %q", got)
	}
	if n := ix.countPrefix(pOutbox); n != 0 {
		t.Fatalf("%d outbox entries left", n)
	}
}

func TestSecondProcessIsRefused(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	_, err := Open(context.Background(), Options{Dir: dir})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestLargeBatchSpansTransactions(t *testing.T) {
	ix := openTest(t, t.TempDir())
	// ~6 MB of text: more than one Badger transaction holds with 16 MB memtables.
	org := synth.Generate(synth.Options{Seed: 3, Users: 3, Conversations: 60, MessagesPer: 50, TextBytes: 2000})
	res, err := ix.Ingest(context.Background(), Batch{Users: org.Users, Conversations: org.Conversations,
		Messages: org.Messages, Checkpoints: map[string][]byte{"k": []byte("v")}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 3000 {
		t.Fatalf("stored %d messages", res.Messages)
	}
	if n := doSearch(t, ix, SearchRequest{NoFacets: true}).Total; n != 3000 {
		t.Fatalf("indexed %d", n)
	}
	st, _ := ix.Stats(context.Background())
	if st.Messages != 3000 || st.Conversations != 60 {
		t.Fatalf("stats %+v", st)
	}
	// A rebuild spanning several Bleve batches keeps every document.
	if err := ix.Reindex(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := doSearch(t, ix, SearchRequest{NoFacets: true}).Total; n != 3000 {
		t.Fatalf("after reindex %d messages indexed", n)
	}
	if n := doSearch(t, ix, SearchRequest{Kind: KindConversation, NoFacets: true}).Total; n != 60 {
		t.Fatalf("after reindex %d conversations indexed", n)
	}
}

func TestCheckpointNilDeletes(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	if _, err := ix.Ingest(ctx, Batch{Checkpoints: map[string][]byte{"a": []byte("1"), "b": []byte("2")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Ingest(ctx, Batch{Checkpoints: map[string][]byte{"a": nil}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Meta("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a: %v, want ErrNotFound", err)
	}
	if v, err := ix.Meta("b"); err != nil || string(v) != "2" {
		t.Errorf("b = %q, %v", v, err)
	}
}

// An export re-import of a conversation the Compliance API already delivered
// keeps the API's fields, fills the gaps, and links the export's account uuid
// to the API user so both name one person.
func TestExportAndAPICopiesMerge(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	api := model.Conversation{ID: "9a1f0c2e-0000-4000-8000-000000000001", ExternalID: "claude_chat_01X",
		Source: model.SourceComplianceAPI, Provider: model.ProviderAnthropic, Model: "claude-opus-4-1", OrgID: "org-1",
		Title: "Roadmap", OwnerID: "user_01A", CreatedAt: t0, UpdatedAt: t0}
	if _, err := ix.Ingest(ctx, Batch{Users: []model.User{{ID: "user_01A", Name: "Ada Lovelace", Email: "ada@example.com"}},
		Conversations: []model.Conversation{api},
		Messages: []model.Message{{ID: "claude_chat_msg_1", ConversationID: api.ID, CreatedAt: t0, Role: model.RoleHuman,
			Blocks: []model.Block{{Type: model.BlockText, Text: "from the api"}}}}}); err != nil {
		t.Fatal(err)
	}
	exp := model.Conversation{ID: api.ID, ExternalID: api.ID, Source: model.SourceExport, Provider: model.ProviderAnthropic,
		Title: "Roadmap", ProjectID: "proj-export", Summary: "Planning the roadmap", OwnerID: "acc-uuid-1", CreatedAt: t0, UpdatedAt: t0}
	if _, err := ix.Ingest(ctx, Batch{Users: []model.User{{ID: "acc-uuid-1", Name: "Ada L.", Email: "ada@example.com"}},
		Conversations: []model.Conversation{exp},
		Messages: []model.Message{{ID: "export-msg-uuid", ConversationID: api.ID, Seq: 1, CreatedAt: t0, Role: model.RoleAssistant,
			Blocks: []model.Block{{Type: model.BlockText, Text: "from the export"}}}}}); err != nil {
		t.Fatal(err)
	}
	c, err := ix.Conversation(ctx, api.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Source != model.SourceComplianceAPI || c.Model != "claude-opus-4-1" || c.OrgID != "org-1" ||
		c.Summary != "Planning the roadmap" || c.ProjectID != "proj-export" || c.OwnerID != "user_01A" || c.MessageCount != 2 {
		t.Fatalf("merged conversation %+v", c)
	}
	u, err := ix.User(ctx, "acc-uuid-1")
	if err != nil || u.ID != "user_01A" {
		t.Fatalf("account uuid resolves to %+v, %v", u, err)
	}
	r := doSearch(t, ix, SearchRequest{Users: []string{"user_01A"}, Sort: SortOldest})
	if ids(r) != "claude_chat_msg_1,export-msg-uuid" || r.Hits[1].Model != "claude-opus-4-1" {
		t.Fatalf("hits %q %+v", ids(r), r.Hits)
	}
	// Importing the same export again, or syncing the API copy again (which
	// lacks the summary and here the title too), changes nothing.
	apiAgain := api
	apiAgain.Title = ""
	for _, again := range []model.Conversation{exp, api, apiAgain} {
		res, err := ix.Ingest(ctx, Batch{Conversations: []model.Conversation{again}})
		if err != nil || res.Conversations != 0 {
			t.Fatalf("%s again changed the conversation: %+v, %v", again.Source, res, err)
		}
	}
}

// Work still in flight at shutdown gets an error, not a nil-pointer panic.
func TestUseAfterClose(t *testing.T) {
	ix, err := Open(context.Background(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ctx := context.Background()
	if _, err := ix.Ingest(ctx, sampleBatch()); !errors.Is(err, ErrClosed) {
		t.Errorf("Ingest after Close: %v", err)
	}
	if _, err := ix.DeleteRange(ctx, t0, t0.Add(time.Hour), false); !errors.Is(err, ErrClosed) {
		t.Errorf("DeleteRange after Close: %v", err)
	}
	if err := ix.Reindex(ctx, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Reindex after Close: %v", err)
	}
	if err := ix.PutMeta("k", []byte("v")); err == nil {
		t.Error("PutMeta after Close succeeded")
	}
	if _, err := ix.Message(ctx, "m1"); err == nil {
		t.Error("Message after Close succeeded")
	}
	if _, err := ix.Search(ctx, SearchRequest{Query: "x"}); err == nil {
		t.Error("Search after Close succeeded")
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
