package indexer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/docmap"
	"github.com/ccsync/ccsync/model"
)

// productBatch: one claude.ai chat stored before sessions existed (no kind,
// no product), a Claude Code session whose tool output holds a secret, and a
// Cowork session.
func productBatch() Batch {
	return Batch{
		Users: []model.User{{ID: "user_a"}},
		Conversations: []model.Conversation{
			{ID: "chat", Source: model.SourceComplianceAPI, OwnerID: "user_a", Title: "Old chat", CreatedAt: t0},
			{ID: "code", Source: model.SourceComplianceAPI, OwnerID: "user_a", CreatedAt: t0, Kind: model.KindSession,
				Product: model.ProductClaudeCode, Surface: "claude_code"},
			{ID: "cowork", Source: model.SourceComplianceAPI, OwnerID: "user_a", CreatedAt: t0.AddDate(0, 1, 0),
				Kind: model.KindSession, Product: model.ProductCowork, Surface: "cowork_remote"},
		},
		Messages: []model.Message{
			{ID: "m1", ConversationID: "chat", Role: model.RoleHuman, CreatedAt: t0,
				Blocks: []model.Block{{Type: model.BlockText, Text: "plain question"}}},
			{ID: "m2", ConversationID: "code", Role: model.RoleHuman, CreatedAt: t0,
				Blocks: []model.Block{{Type: model.BlockText, Text: "read the env file"}}},
			{ID: "m3", ConversationID: "code", Role: model.RoleTool, CreatedAt: t0.Add(time.Minute),
				Blocks: []model.Block{{Type: model.BlockToolResult, ToolName: "Read", Text: "AWS_KEY=" + awsKey}}},
			{ID: "m4", ConversationID: "cowork", Role: model.RoleAssistant, CreatedAt: t0.AddDate(0, 1, 0),
				Blocks: []model.Block{{Type: model.BlockText, Text: "done"}}},
		},
	}
}

func TestProductAndKindFacets(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	b := productBatch()
	// Messages before their conversation count as claude.ai chats until it
	// arrives and moves them.
	if _, err := ix.Ingest(ctx, Batch{Messages: b.Messages}); err != nil {
		t.Fatal(err)
	}
	verifyOK(t, ix)
	if _, err := ix.Ingest(ctx, Batch{Users: b.Users, Conversations: b.Conversations}); err != nil {
		t.Fatal(err)
	}
	verifyOK(t, ix)
	for _, tc := range []struct {
		req  SearchRequest
		want string
	}{
		{SearchRequest{Products: []string{model.ProductClaudeCode}, Sort: SortOldest}, "m2,m3"},
		{SearchRequest{Products: []string{model.ProductClaudeAI}}, "m1"},
		{SearchRequest{ConversationKinds: []string{string(model.KindSession)}, Sort: SortOldest}, "m2,m3,m4"},
		{SearchRequest{Roles: []string{string(model.RoleTool)}}, "m3"},
		{SearchRequest{Kind: KindConversation, Products: []string{model.ProductCowork}}, "cowork"},
		{SearchRequest{Kind: KindConversation, ConversationKinds: []string{string(model.KindChat)}}, "chat"},
	} {
		if got := ids(doSearch(t, ix, tc.req)); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.req, got, tc.want)
		}
	}
	// The dashboard (counters) and a filtered search (Bleve) agree.
	all := doSearch(t, ix, SearchRequest{Size: 1})
	viaIndex := doSearch(t, ix, SearchRequest{Size: 1, Query: "*"})
	for _, f := range []string{FacetProduct, FacetConversationKind, FacetRole} {
		if facet(all, f) != facet(viaIndex, f) {
			t.Errorf("facet %s: counters %s, index %s", f, facet(all, f), facet(viaIndex, f))
		}
	}
	if got := facet(all, FacetProduct); got != "claude_code=2,claude_ai=1,cowork=1" {
		t.Errorf("product facet %s", got)
	}
	hit := doSearch(t, ix, SearchRequest{Roles: []string{"tool"}}).Hits[0]
	if hit.Product != model.ProductClaudeCode || hit.ConversationKind != "session" {
		t.Errorf("hit product %q kind %q", hit.Product, hit.ConversationKind)
	}
	st, err := ix.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "conv map[claude_ai:1 claude_code:1 cowork:1] map[chat:1 session:2] msg map[claude_ai:1 claude_code:2 cowork:1] " +
		"map[chat:1 session:3] findings map[claude_code:1] map[session:1]"
	if got := fmt.Sprint("conv ", st.ConversationsPerProduct, " ", st.ConversationsPerKind, " msg ", st.MessagesPerProduct, " ",
		st.MessagesPerKind, " findings ", st.FindingsPerProduct, " ", st.FindingsPerKind); got != want {
		t.Errorf("stats\n got  %s\n want %s", got, want)
	}
	// A conversation whose product changes moves its counts.
	c := b.Conversations[2]
	c.Product = model.ProductClaudeCode
	if _, err := ix.Ingest(ctx, Batch{Conversations: []model.Conversation{c}}); err != nil {
		t.Fatal(err)
	}
	if got := ids(doSearch(t, ix, SearchRequest{Products: []string{model.ProductClaudeCode}, Sort: SortOldest})); got != "m2,m3,m4" {
		t.Errorf("after the move: %q", got)
	}
	verifyOK(t, ix)
	// Deleting a month takes its conversations out of the counters.
	if _, err := ix.DeleteRange(ctx, t0.AddDate(0, 1, 0), t0.AddDate(0, 2, 0), false); err != nil {
		t.Fatal(err)
	}
	verifyOK(t, ix)
	if st, _ := ix.Stats(ctx); st.ConversationsPerProduct[model.ProductClaudeCode] != 1 || st.MessagesPerKind["session"] != 2 {
		t.Errorf("after delete: %v %v", st.ConversationsPerProduct, st.MessagesPerKind)
	}
}

// TestVerifyFindsProductDisagreement: a counter that is off is reported.
func TestVerifyFindsProductDisagreement(t *testing.T) {
	ix := openTest(t, t.TempDir())
	if _, err := ix.Ingest(context.Background(), productBatch()); err != nil {
		t.Fatal(err)
	}
	w := ix.newWriter()
	w.count(facetCounter(FacetProduct, model.ProductCowork), 3)
	if err := w.commit(); err != nil {
		t.Fatal(err)
	}
	rep, err := ix.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatal("verify missed a product counter off by 3")
	}
}

// TestMappingUpgradeRebuildsProducts: an index built before mapping 3 has
// no product terms; opening it with this version rebuilds it from Badger,
// after which the product filter finds the sessions.
func TestMappingUpgradeRebuildsProducts(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Ingest(context.Background(), productBatch()); err != nil {
		t.Fatal(err)
	}
	// Re-index every message document the way version 2 built it.
	msgs, _ := ix.Messages(context.Background(), "code")
	for _, m := range msgs {
		d := docmap.Message(&m, nil, nil)
		d.Product, d.ConvKind = "", ""
		if err := ix.parts.month(monthOf(m.CreatedAt)).Index(messageDocID(m.ID), d); err != nil {
			t.Fatal(err)
		}
	}
	code := SearchRequest{Products: []string{model.ProductClaudeCode}}
	if n := doSearch(t, ix, code).Total; n != 0 {
		t.Fatalf("old-style documents still match the product filter (%d): the test would prove nothing", n)
	}
	if err := ix.PutMeta("index/mapping_version", []byte("2")); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix = openTest(t, dir)
	if got := ids(doSearch(t, ix, SearchRequest{Products: code.Products, Sort: SortOldest})); got != "m2,m3" {
		t.Errorf("after the upgrade: %q", got)
	}
	if v, _ := ix.Meta("index/mapping_version"); string(v) != mappingVersion {
		t.Errorf("mapping version %q", v)
	}
	verifyOK(t, ix)
}
