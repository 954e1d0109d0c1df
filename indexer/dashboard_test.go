package indexer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
)

// The ingest-time facet counts must give exactly what Bleve's facets give
// over all messages, through every kind of change: messages before their
// conversation, re-ingest, edits that add and remove findings, an owner and
// model change, an export copy merged with its API copy (owner alias), and a
// deleted range.
func TestDashboardFacetsMatchBleve(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	org := synth.Generate(synth.Options{Seed: 11, Users: 6, Conversations: 40, MessagesPer: 9, TextBytes: 200, SecretEvery: 4})
	compare := func(step string) {
		t.Helper()
		got := doSearch(t, ix, SearchRequest{Size: 1})
		ix.facetsFromIndex = true
		want := doSearch(t, ix, SearchRequest{Size: 1})
		ix.facetsFromIndex = false
		if got.Total != want.Total {
			t.Fatalf("%s: total %d, index says %d", step, got.Total, want.Total)
		}
		for name := range facetFields {
			if g, w := fmt.Sprint(got.Facets[name]), fmt.Sprint(want.Facets[name]); g != w {
				t.Errorf("%s: facet %s\n counters %s\n index    %s", step, name, g, w)
			}
		}
		// Analytics per user and model agree with the index too.
		st, err := ix.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range want.Facets[FacetUser] {
			if st.MessagesPerUser[f.Term] != f.Count {
				t.Errorf("%s: stats give user %q %d messages, index %d", step, f.Term, st.MessagesPerUser[f.Term], f.Count)
			}
		}
		for _, f := range want.Facets[FacetModel] {
			term := f.Term
			if term == "" {
				term = "unknown"
			}
			if st.MessagesPerModel[term] != f.Count {
				t.Errorf("%s: stats give model %q %d messages, index %d", step, term, st.MessagesPerModel[term], f.Count)
			}
		}
	}
	// Messages first, their conversations and users later.
	if _, err := ix.Ingest(ctx, Batch{Messages: org.Messages}); err != nil {
		t.Fatal(err)
	}
	compare("messages without conversations")
	if _, err := ix.Ingest(ctx, Batch{Users: org.Users, Conversations: org.Conversations}); err != nil {
		t.Fatal(err)
	}
	compare("conversations arrived")
	if _, err := ix.Ingest(ctx, Batch{Users: org.Users, Conversations: org.Conversations, Messages: org.Messages}); err != nil {
		t.Fatal(err)
	}
	compare("re-ingest")

	// Edit messages: remove findings from some, add to others, add a tool.
	var edits []model.Message
	for i, m := range org.Messages[:60] {
		m.Blocks = []model.Block{{Type: model.BlockText, Text: fmt.Sprintf("edited %d", i)}}
		if i%3 == 0 {
			m.Blocks = append(m.Blocks, model.Block{Type: model.BlockToolUse, ToolName: "bash",
				ToolInput: fmt.Sprintf(`{"cmd":"curl -u ops%d@corp.example.org"}`, i)})
		}
		edits = append(edits, m)
	}
	if _, err := ix.Ingest(ctx, Batch{Messages: edits}); err != nil {
		t.Fatal(err)
	}
	compare("edited messages")

	// Owner and model change; a conversation merged with an export copy.
	moved := org.Conversations[3]
	moved.OwnerID, moved.Model = org.Users[0].ID, "claude-new-model"
	exp := org.Conversations[5]
	exp.Source, exp.OwnerID, exp.Model = model.SourceExport, "export-account-uuid", ""
	if _, err := ix.Ingest(ctx, Batch{Users: []model.User{{ID: "export-account-uuid", Name: "Exported"}},
		Conversations: []model.Conversation{moved, exp}}); err != nil {
		t.Fatal(err)
	}
	compare("owner change and merge")

	// A deleted range.
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := ix.DeleteRange(ctx, from, from.AddDate(0, 2, 0), false); err != nil {
		t.Fatal(err)
	}
	compare("after delete")
}

// A store written before the facet counters existed gets them at Open.
func TestFacetCountsComputedForOlderStore(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Ingest(context.Background(), sampleBatch()); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(doSearch(t, ix, SearchRequest{Size: 1}).Facets)
	// Make it look like an older store: no counters, no version mark.
	if err := ix.db.DropPrefix([]byte(pStat + pFacet)); err != nil {
		t.Fatal(err)
	}
	if err := ix.PutMeta(facetCountsVersion, nil); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(doSearch(t, ix, SearchRequest{Size: 1}).Facets); got == want {
		t.Fatal("dropping the counters changed nothing; the test would prove nothing")
	}
	ix.Close()
	ix = openTest(t, dir)
	if got := fmt.Sprint(doSearch(t, ix, SearchRequest{Size: 1}).Facets); got != want {
		t.Fatalf("after reopen\n got  %s\n want %s", got, want)
	}
}
