package indexer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// TestSearchRefusesDatesOutsideWindow: Search itself refuses bounds that
// would wrap around as int64 nanoseconds (the CLI calls it directly,
// without the API's checks). Before, to=2262-04-12 failed deep in Bleve
// and from=1600-01-01 silently searched the wrong range.
func TestSearchRefusesDatesOutsideWindow(t *testing.T) {
	ix := openTest(t, t.TempDir())
	if _, err := ix.Ingest(context.Background(), sampleBatch()); err != nil {
		t.Fatal(err)
	}
	far := []struct {
		name string
		req  SearchRequest
	}{
		{"from", SearchRequest{From: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"to", SearchRequest{To: time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC)}},
		{"to", SearchRequest{Kind: KindConversation, To: MaxTime.Add(time.Second)}},
		{"from", SearchRequest{Query: "budget", From: MinTime.Add(-time.Second), To: t0}},
	}
	for _, tc := range far {
		_, err := ix.Search(context.Background(), tc.req)
		if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tc.name) ||
			!strings.Contains(err.Error(), "1970-01-01 to 2199-12-31") {
			t.Errorf("%+v: err = %v, want ErrBadRequest naming %s and the window", tc.req, err, tc.name)
		}
	}
	// The whole window is a valid range, and its date range stays under
	// the term expansion bound.
	res := doSearch(t, ix, SearchRequest{Query: "budget", From: MinTime, To: MaxTime})
	if res.Total != 2 {
		t.Errorf("whole window: %d hits, want 2", res.Total)
	}
	// Dates inside the query string are bounded too (Bleve itself refuses
	// only what int64 nanoseconds cannot hold).
	for _, q := range []string{`created:>"1900-01-01"`, `created:<"2250-01-01"`} {
		if _, err := ix.Search(context.Background(), SearchRequest{Query: q}); !errors.Is(err, ErrBadRequest) ||
			!strings.Contains(err.Error(), "date in the query") {
			t.Errorf("%s: err = %v, want a refusal naming the date", q, err)
		}
	}
}

// TestQueryCostBounds: regexp, wildcard and fuzzy terms whose cost the
// caller could make arbitrarily large are refused before the search, with
// a message naming the term. /.{500}/ once cost 0.6-0.9 s, twenty of them
// 18 s.
func TestQueryCostBounds(t *testing.T) {
	ix := openTest(t, t.TempDir())
	if _, err := ix.Ingest(context.Background(), sampleBatch()); err != nil {
		t.Fatal(err)
	}
	refused := []struct{ q, names string }{
		{"/.{500}/", "/.{500}/"},
		{"/(ab){51}/", "repeats 51 times"},
		{"/a{60,}/", "repeats 60 times"},
		{strings.Repeat("/.{20}/ ", 20), "at most 5"},
		{"budg* /bud.*/ b?dget k* c* d*", "at most 5"},
		{"budget~3", "fuzziness must be 0 to 2"},
		{"rotation-plan-budget-a-b-c~1", "at most 5"},
		{strings.Repeat("x", 70) + "~1", "longer than 64"},
		{"/" + strings.Repeat("a", 130) + "/", "longer than 128"},
		{strings.Repeat("a", 130) + "*", "longer than 128"},
		{"/.{50}/ /.{50}/ /.{50}/ /.{50}/", "too complex"},
		{"/[a/", "regular expression /[a/"},
		// A pen-test's bypass: one instruction each, hundreds of ranges.
		{`/\p{L}{20}/`, "too complex"},
		{`/\p{L}/`, "too complex"},
		{`/\PL{3}/`, "too complex"},
		{`/(\pL|\pN){2}/`, "too complex"},
	}
	for _, tc := range refused {
		_, err := ix.Search(context.Background(), SearchRequest{Query: tc.q})
		if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), tc.names) {
			t.Errorf("%.60s: err = %v, want ErrBadQuery mentioning %q", tc.q, err, tc.names)
		}
	}
	accepted := []struct {
		q    string
		hits uint64
	}{
		{"budg*", 2},
		{"/budg.t/", 2},
		{"budgit~1", 2},
		{"/.{50}/", 0},
		{"b?dget /spread.*/ clust* migrat* summ*", 3},
		{"+budget -/spread.*/", 1},
		{`/\p{Greek}{3}/`, 0},
		{"/(?i)BUDG[a-z]t/", 2},
	}
	for _, tc := range accepted {
		res, err := ix.Search(context.Background(), SearchRequest{Query: tc.q})
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		if res.Total != tc.hits {
			t.Errorf("%s: %d hits, want %d", tc.q, res.Total, tc.hits)
		}
	}
}

// TestTermExpansionBound: a pattern matching more distinct words than
// maxTermExpansion is a 400-class error, not an internal one (Bleve's error
// is a plain string), and a narrower one still works.
func TestTermExpansionBound(t *testing.T) {
	ix := openTest(t, t.TempDir())
	b := Batch{Conversations: []model.Conversation{{ID: "c", Source: model.SourceExport, CreatedAt: t0}}}
	var text strings.Builder
	for i := range maxTermExpansion + 100 {
		fmt.Fprintf(&text, "w%05d ", i)
	}
	b.Messages = []model.Message{{ID: "m", ConversationID: "c", Role: model.RoleHuman, CreatedAt: t0,
		Blocks: []model.Block{{Type: model.BlockText, Text: text.String()}}}}
	if _, err := ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"w*", "/w[0-9]+/", "w0*"} {
		_, err := ix.Search(context.Background(), SearchRequest{Query: q})
		if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), fmt.Sprintf("more than %d", maxTermExpansion)) {
			t.Errorf("%s: err = %v, want ErrBadQuery about the expansion bound", q, err)
		}
	}
	if res := doSearch(t, ix, SearchRequest{Query: "w001*"}); res.Total != 1 {
		t.Errorf("w001*: %d hits, want 1", res.Total)
	}
}
