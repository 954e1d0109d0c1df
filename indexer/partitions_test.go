package indexer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
)

func verifyOK(t *testing.T, ix *Indexer) VerifyReport {
	t.Helper()
	rep, err := ix.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %v", rep.Problems)
	}
	return rep
}

func partitionDirs(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(dir, "index", msgPartitions))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// yearOrg spreads 600 messages over 2026, about 50 a month.
// ingestYearOrg ingests yearOrg into ix and returns it.
func ingestYearOrg(t testing.TB, ix *Indexer) Batch {
	t.Helper()
	b := yearOrg()
	if _, err := ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return b
}

func yearOrg() Batch {
	org := synth.Generate(synth.Options{Seed: 7, Users: 6, Conversations: 60, MessagesPer: 10, TextBytes: 200,
		SecretEvery: 9, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Days: 360})
	return Batch{Users: org.Users, Conversations: org.Conversations, Messages: org.Messages}
}

func TestMessagesArePartitionedByMonth(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	b := ingestYearOrg(t, ix)
	months := map[string]int{}
	for _, m := range b.Messages {
		months[monthOf(m.CreatedAt)]++
	}
	got := partitionDirs(t, dir)
	if len(got) != len(months) || len(got) < 12 {
		t.Fatalf("partitions %v, want one per month of %v", got, months)
	}
	for m, n := range months {
		dc, err := ix.parts.month(m).DocCount()
		if err != nil || int(dc) != n {
			t.Fatalf("partition %s has %d docs (%v), want %d", m, dc, err, n)
		}
	}
	verifyOK(t, ix)

	// A date filter searches only the months it covers, and the answer is the
	// same as filtering every partition.
	from, to := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	if n := len(ix.parts.messages(from, to)); n != 3 {
		t.Fatalf("March 15 to May 2 searches %d partitions, want 3", n)
	}
	want := 0
	for _, m := range b.Messages {
		if !m.CreatedAt.Before(from) && m.CreatedAt.Before(to) {
			want++
		}
	}
	res := doSearch(t, ix, SearchRequest{From: from, To: to, Size: 1, NoFacets: true, Sort: SortOldest})
	if int(res.Total) != want {
		t.Fatalf("date range total %d, want %d", res.Total, want)
	}

	// Facets merged over partitions equal a count over the messages.
	res = doSearch(t, ix, SearchRequest{Query: "deploy", Facets: []string{FacetUser}})
	perUser := map[string]int{}
	var sum int
	for _, fc := range res.Facets[FacetUser] {
		perUser[fc.Term] = fc.Count
		sum += fc.Count
	}
	if uint64(sum) != res.Total || len(perUser) != 6 {
		t.Fatalf("user facet %v does not add up to total %d", res.Facets[FacetUser], res.Total)
	}
}

func TestMessageMovingMonthLeavesNoCopy(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	b := sampleBatch()
	if _, err := ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	// Twice in one batch, then again: each move must remove the old copy.
	m := b.Messages[0]
	m1, m2 := m, m
	m1.CreatedAt = t0.AddDate(0, 3, 0)
	m2.CreatedAt = t0.AddDate(0, 5, 0)
	if _, err := ix.Ingest(context.Background(), Batch{Messages: []model.Message{m1, m2}}); err != nil {
		t.Fatal(err)
	}
	verifyOK(t, ix)
	res := doSearch(t, ix, SearchRequest{Query: "spreadsheet", NoFacets: true})
	if res.Total != 1 || !res.Hits[0].CreatedAt.Equal(m2.CreatedAt) {
		t.Fatalf("after moving: %d hits %+v", res.Total, res.Hits)
	}
	if slices.Contains(partitionDirs(t, dir), monthOf(m1.CreatedAt)) && ix.parts.month(monthOf(m1.CreatedAt)) != nil {
		if dc, _ := ix.parts.month(monthOf(m1.CreatedAt)).DocCount(); dc != 0 {
			t.Fatalf("intermediate month keeps %d docs", dc)
		}
	}
}

func TestDeleteWholeMonthDropsItsPartition(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	b := ingestYearOrg(t, ix)
	// All of March and April, plus the edges of February and May.
	from, to := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	want := 0
	for _, m := range b.Messages {
		if !m.CreatedAt.Before(from) && m.CreatedAt.Before(to) {
			want++
		}
	}
	dry, err := ix.DeleteRange(context.Background(), from, to, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ix.DeleteRange(context.Background(), from, to, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != want || dry.Messages != want || dry.Conversations != res.Conversations {
		t.Fatalf("deleted %+v (dry run %+v), want %d messages", res, dry, want)
	}
	got := strings.Join(partitionDirs(t, dir), " ")
	if strings.Contains(got, "2026-03") || strings.Contains(got, "2026-04") || !strings.Contains(got, "2026-02") || !strings.Contains(got, "2026-05") {
		t.Fatalf("partitions after delete: %s", got)
	}
	verifyOK(t, ix)
	if n := doSearch(t, ix, SearchRequest{From: from, To: to, NoFacets: true, Sort: SortOldest}).Total; n != 0 {
		t.Fatalf("%d messages left in the deleted range", n)
	}
}

func TestInterruptedDeleteIsFinishedAtOpen(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	b := ingestYearOrg(t, ix)
	// What a crash after the deletion's first transaction leaves: the range
	// recorded as pending, the messages still there.
	from, to := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	w := ix.newWriter()
	if err := w.recordPurge(purgedRange{From: from, To: to, At: time.Now(), Pending: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.commit(); err != nil {
		t.Fatal(err)
	}
	ix.Close()

	ix = openTest(t, dir)
	verifyOK(t, ix)
	if n := doSearch(t, ix, SearchRequest{From: from, To: to, NoFacets: true, Sort: SortOldest}).Total; n != 0 {
		t.Fatalf("%d messages left in the range after the interrupted delete was resumed", n)
	}
	kept := 0
	for _, m := range b.Messages {
		if m.CreatedAt.Before(from) || !m.CreatedAt.Before(to) {
			kept++
		}
	}
	if st, _ := ix.Stats(context.Background()); st.Messages != kept {
		t.Fatalf("%d messages kept, want %d", st.Messages, kept)
	}
	if len(ix.purged) != 1 || ix.purged[0].Pending {
		t.Fatalf("purged ranges after resume: %+v", ix.purged)
	}
}

func TestMissingPartitionIsRebuiltAtOpen(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	if _, err := ix.Ingest(context.Background(), yearOrg()); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if err := os.RemoveAll(filepath.Join(dir, "index", msgPartitions, "2026-08")); err != nil {
		t.Fatal(err)
	}
	ix = openTest(t, dir)
	verifyOK(t, ix)
	if ix.parts.month("2026-08") == nil {
		t.Fatal("removed partition not rebuilt")
	}
}

func TestVerifyFindsDisagreement(t *testing.T) {
	ix := openTest(t, t.TempDir())
	if _, err := ix.Ingest(context.Background(), sampleBatch()); err != nil {
		t.Fatal(err)
	}
	idx := ix.parts.month(monthOf(t0))
	if err := idx.Delete(messageDocID("m1")); err != nil {
		t.Fatal(err)
	}
	rep, err := ix.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "; "), "1 stored records have no index document") {
		t.Fatalf("verify after removing a document: %+v", rep)
	}
}

func TestSimplifyKeepsMeaning(t *testing.T) {
	ix := openTest(t, t.TempDir())
	if _, err := ix.Ingest(context.Background(), yearOrg()); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"deploy", "+deploy", "deploy^3", "text:deploy", "deploy -service", "deploy service", "+deploy +service"} {
		parsed, err := bleve.NewQueryStringQuery(q).Parse()
		if err != nil {
			t.Fatal(err)
		}
		release := ix.parts.acquire()
		idxs := ix.parts.messages(time.Time{}, time.Time{})
		count := func(q query.Query) uint64 {
			res, err := searchPartitions(context.Background(), bleve.NewSearchRequestOptions(q, 0, 0, false), idxs)
			if err != nil {
				t.Fatal(err)
			}
			return res.Total
		}
		a, b := count(parsed), count(simplify(parsed))
		release()
		if a != b || a == 0 {
			t.Errorf("%q: %d hits as parsed, %d simplified", q, a, b)
		}
	}
}

func TestStubCountsLikeTheMessage(t *testing.T) {
	m := &model.Message{ID: "m-1", ConversationID: "c-9", Seq: 4, Role: model.RoleAssistant,
		CreatedAt: time.Date(1965, 2, 3, 4, 5, 6, 7, time.UTC),
		Findings: []model.Finding{{Type: "email", Severity: model.SeverityLow, Start: 3, End: 9},
			{Type: "email", Severity: model.SeverityLow}, {Type: "aws_access_key", Severity: model.SeverityCritical}},
		Blocks: []model.Block{{Type: model.BlockText, Text: "hello"}, {Type: model.BlockToolUse, ToolName: "web_search"},
			{Type: model.BlockToolResult, ToolName: "web_search"}, {Type: model.BlockToolUse, ToolName: "bash"}}}
	v, err := encodeStub(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeStub(timeMsgKey(m.CreatedAt, m.ID), v)
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]*model.Message{{m, got}} {
		a, b := &convAgg{}, &convAgg{}
		a.Add(pair[0], 1)
		b.Add(pair[1], 1)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("aggregates differ: %+v vs %+v", a, b)
		}
	}
	if !got.CreatedAt.Equal(m.CreatedAt) || got.ID != m.ID || got.Seq != 4 || got.Role != m.Role ||
		!slices.Equal(got.ToolNames(), m.ToolNames()) {
		t.Fatalf("stub %+v", got)
	}
}

// Identical messages in different months score the same; relevance pages
// (by offset, merged across partitions) must still show each exactly once.
func TestRelevancePagesWithTiesAcrossPartitions(t *testing.T) {
	ix := openTest(t, t.TempDir())
	b := Batch{Conversations: []model.Conversation{{ID: "c", CreatedAt: t0}}}
	for i := range 96 {
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("m%02d", i), ConversationID: "c", Seq: i,
			Role: model.RoleHuman, CreatedAt: t0.AddDate(0, i%12, 0),
			Blocks: []model.Block{{Type: model.BlockText, Text: "thanks, that works"}}})
	}
	if _, err := ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	req := SearchRequest{Query: "thanks", Size: 7, NoFacets: true}
	for page := 0; ; page++ {
		res := doSearch(t, ix, req)
		for _, h := range res.Hits {
			seen[h.ID]++
		}
		if res.Next == "" {
			break
		}
		req.After = res.Next
	}
	if len(seen) != 96 {
		t.Fatalf("%d distinct hits over all pages, want 96", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s shown %d times", id, n)
		}
	}
}
