package indexer

import (
	"context"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
)

// demoStore holds a demo-sized organisation (8 users, 400 chats, 2,800
// messages over a year).
func demoStore(t testing.TB) (*Indexer, synth.Org) {
	ix := openTest(t, t.TempDir())
	org := synth.Generate(synth.Options{Seed: 3, Users: 8, Conversations: 400, MessagesPer: 7, TextBytes: 400, SecretEvery: 5})
	if _, err := ix.Ingest(context.Background(), Batch{Users: org.Users, Conversations: org.Conversations, Messages: org.Messages}); err != nil {
		t.Fatal(err)
	}
	return ix, org
}

// onlyInMessages picks a word of the vocabulary that some messages hold and
// no title does, like the demo's "vendor".
func onlyInMessages(t *testing.T, org synth.Org) string {
	titles := map[string]bool{}
	for _, c := range org.Conversations {
		for _, w := range strings.Fields(strings.ToLower(c.Title)) {
			titles[strings.Trim(w, ".,")] = true
		}
	}
	for rank := 200; rank < 2000; rank++ {
		if w := synth.Word(rank); !titles[w] {
			return w
		}
	}
	t.Fatal("every word is in a title")
	return ""
}

func TestConversationModeMatchesMessages(t *testing.T) {
	ix, org := demoStore(t)
	word := onlyInMessages(t, org)
	msgs := doSearch(t, ix, SearchRequest{Query: word, NoFacets: true})
	if msgs.Total < 5 {
		t.Fatalf("%q is in %d messages; pick a more common word", word, msgs.Total)
	}
	for _, sort := range []Sort{SortRelevance, SortNewest, SortOldest} {
		t.Run(string(sort), func(t *testing.T) {
			sum, seen, pages := 0, map[string]bool{}, 0
			req := SearchRequest{Kind: KindConversation, Query: word, Sort: sort, Size: 7}
			var first *SearchResult
			for {
				r := doSearch(t, ix, req)
				if first == nil {
					first = r
				}
				for _, h := range r.Hits {
					if seen[h.ID] {
						t.Fatalf("page %d repeats %s", pages, h.ID)
					}
					seen[h.ID] = true
					sum += h.MatchCount
					if h.MatchCount == 0 || !strings.Contains(strings.ToLower(h.Snippet), "<mark>"+word) {
						t.Errorf("%s: %d matches, snippet %q", h.ID, h.MatchCount, h.Snippet)
					}
					if h.Product != model.ProductClaudeAI || h.ConversationKind != string(model.KindChat) {
						t.Errorf("%s: product %q kind %q", h.ID, h.Product, h.ConversationKind)
					}
				}
				pages++
				if r.Next == "" {
					break
				}
				req.After = r.Next
			}
			if len(seen) == 0 || uint64(len(seen)) != first.Total {
				t.Errorf("%d conversations over %d pages, total %d", len(seen), pages, first.Total)
			}
			if uint64(sum) != msgs.Total {
				t.Errorf("Σ match counts = %d, message mode finds %d", sum, msgs.Total)
			}
			if n := facetTotal(first, FacetUser); n != len(seen) {
				t.Errorf("user facet counts %d conversations, want %d", n, len(seen))
			}
		})
	}
	// Relevance: the best conversation first, and counts break score ties.
	r := doSearch(t, ix, SearchRequest{Kind: KindConversation, Query: word, Size: 200})
	for i := 1; i < len(r.Hits); i++ {
		a, b := r.Hits[i-1], r.Hits[i]
		if a.Score < b.Score || (a.Score == b.Score && a.MatchCount < b.MatchCount) {
			t.Fatalf("hit %d (%v, %d) before (%v, %d)", i, a.Score, a.MatchCount, b.Score, b.MatchCount)
		}
	}
	// Title-only matches still count, with no message matches.
	title := strings.Fields(org.Conversations[0].Title)[0]
	tr := doSearch(t, ix, SearchRequest{Kind: KindConversation, Query: "title:" + strings.ToLower(strings.Trim(title, ".,")), Size: 200})
	found := false
	for _, h := range tr.Hits {
		found = found || h.ID == org.Conversations[0].ID
	}
	if !found {
		t.Errorf("title word %q does not find its conversation", title)
	}
}

func facetTotal(r *SearchResult, name string) int {
	n := 0
	for _, f := range r.Facets[name] {
		n += f.Count
	}
	return n
}

// BenchmarkConversationModeSearch compares a broad conversation-mode query
// (words anywhere, grouped) with the same query in message mode, in the
// same run and on the same store (CCSYNC_BENCH_SEARCH_MESSAGES, default
// 100,000).
//
//	go test ./indexer -run '^$' -bench ConversationModeSearch -benchtime 50x
func BenchmarkConversationModeSearch(b *testing.B) {
	ix := searchIndex(b)
	for _, term := range []struct{ name, q string }{
		{"commonterm", "kubernetes"}, {"midterm", synth.Word(300)}, {"rareterm", synth.Word(5000)},
	} {
		for _, mode := range []Kind{KindMessage, KindConversation} {
			b.Run(term.name+"/"+string(mode), func(b *testing.B) {
				req := SearchRequest{Kind: mode, Query: term.q, Facets: []string{FacetUser, FacetProduct}}
				benchSearch(b, ix, req)
			})
		}
	}
}

// BenchmarkMappingUpgradeRebuild measures what a mapping-version change
// costs at the first start after an upgrade: the whole index rebuilt from
// Badger (rebuildAll, which Reindex runs too), on the same store as the
// search benchmarks.
//
//	go test ./indexer -run '^$' -bench MappingUpgradeRebuild -benchtime 1x
func BenchmarkMappingUpgradeRebuild(b *testing.B) {
	ix := searchIndex(b)
	n := ix.counter("messages")
	for b.Loop() {
		if err := ix.Reindex(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "messages")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
