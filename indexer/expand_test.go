package indexer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/ccsync/ccsync/model"
)

// The pen-test's second round: /.*a.{8}/ passed the pattern bounds (a
// dozen instructions) yet Bleve's DFA for it has thousands of states; five
// of them took 9 s and went on past the deadline and the client's leaving.
// Patterns are now expanded over the dictionary by this package, which
// stops when the context ends, and they match what Bleve matched.
func TestPatternExpansion(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	b := Batch{Conversations: []model.Conversation{{ID: "c", CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}}
	// Enough distinct words that a walk of the dictionary checks the
	// context more than once.
	for i := range 3 * checkCtxEvery {
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("m%05d", i), ConversationID: "c", Seq: i,
			Role: model.RoleHuman, CreatedAt: time.Date(2026, 3, 1, 0, 0, i, 0, time.UTC),
			Blocks: []model.Block{{Type: model.BlockText, Text: fmt.Sprintf("word%05dx alpha%d", i, i%7)}}})
	}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		hits uint64
	}{
		{"/.*a.{8}/", 0},       // the DFA-heavy shape: no 9-letter tail after an a
		{"/alpha[0-2]/", 1317}, // 3072 messages, i%7 in 0..2
		{"alpha?", 3072},
		{"word0000*", 10},
		{"*0001x", 1},
		{"/word(0000[0-4])x/", 5},
		{"+alpha3 +word0*3x", 44},
		{"alpha3^5 /nomatch.*/", 439},
	} {
		res, err := ix.Search(ctx, SearchRequest{Query: tc.q, NoFacets: true})
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		if res.Total != tc.hits {
			t.Errorf("%s: %d hits, want %d", tc.q, res.Total, tc.hits)
		}
		// Bleve's own expansion of the same query is the oracle.
		q, err := bleve.NewQueryStringQuery(tc.q).Parse()
		if err != nil {
			t.Fatal(err)
		}
		native, err := searchPartitions(ctx, bleve.NewSearchRequestOptions(q, 0, 0, false), ix.parts.messages(time.Time{}, time.Time{}))
		if err != nil || native.Total != res.Total {
			t.Errorf("%s: %d hits, Bleve's own expansion %v (%v)", tc.q, res.Total, native.Total, err)
		}
	}
	// A pattern matching more distinct words than the bound is refused.
	if _, err := ix.Search(ctx, SearchRequest{Query: "word*"}); !errors.Is(err, ErrBadQuery) ||
		!strings.Contains(err.Error(), "more than 1024") {
		t.Errorf("word*: %v, want the expansion bound", err)
	}
	// The walk looks at the context: a search whose context has ended
	// stops in the dictionary instead of walking it to the end.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ix.Search(cancelled, SearchRequest{Query: "/.*a.{8}/", NoFacets: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled pattern search: %v, want context.Canceled", err)
	}
}
