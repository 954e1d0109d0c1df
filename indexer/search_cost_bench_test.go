package indexer

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkExpensiveTerms measures the term shapes the query cost bound
// (checkQueryCost) is about: regular expressions, wildcards and fuzzy terms
// walk the term dictionary of every partition before a single document is
// scored. The bounds in querycost.go were chosen from these numbers (before
// them, /.{500}/ took 660 ms and /[a-z]{1,50}/ 1.6 s at 20,000 messages);
// worst_accepted is about the most a query may now ask for.
//
//	CCSYNC_BENCH_SEARCH_MESSAGES=20000 go test ./indexer -run '^$' -bench ExpensiveTerms -benchtime 5x
func BenchmarkExpensiveTerms(b *testing.B) {
	ix := searchIndex(b)
	cases := []struct{ name, q string }{
		{"regexp_dot50", "/.{50}/"},
		{"regexp_dot20", "/.{20}/"},
		{"regexp_class_1_20", "/[a-z]{1,20}ion/"},
		{"regexp_dotstar", "/.*ation/"},
		{"wildcard_prefix", "kube*"},
		{"wildcard_leading", "*netes"},
		{"fuzzy2", "kubernetis~2"},
		{"regexp_unicode_class", `/\p{Greek}{3}/`},
		// A pen-test's: a dozen instructions, a DFA of thousands of states.
		{"regexp_dfa_heavy", "/.*a.{8}/"},
		{"regexp_dfa_heavy_x5", "/.*a.{8}/ /.*e.{8}/ /.*i.{8}/ /.*o.{8}/ /.*u.{8}/"},
		{"worst_accepted", strings.Repeat("/.{50}/ ", 3) + "kubernetis~2 *netes"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			req := SearchRequest{Query: tc.q, NoFacets: true}
			for b.Loop() {
				if _, err := ix.Search(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
