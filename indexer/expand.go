package indexer

import (
	"context"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Regexp and wildcard terms are expanded here, not by Bleve. Bleve turns a
// pattern into a DFA (vellum) and walks the term dictionary with it, and
// neither the DFA's construction nor the walk looks at the request's
// context: /.*a.{8}/, a dozen instructions, has a DFA of thousands of
// states and took 2.2 s at 20,000 messages, and a deadline could not stop
// it. Here the dictionary of each partition the search will read is walked
// term by term (only the terms with the pattern's literal prefix, when it
// has one), each term is matched by Go's regexp, which runs in time linear
// in the term, and the context is checked as it goes. The same pattern
// costs 85 ms, and every pattern costs at most one pass over the dictionary.
// The pattern is then replaced by the terms it matched, at most
// maxTermExpansion of them.

// checkCtxEvery is how many dictionary terms are read between two looks at
// the context.
const checkCtxEvery = 1024

// expandPatterns replaces every regexp and wildcard term of q by the
// disjunction of the terms it matches in idxs. The query is modified in
// place: it is the request's own, just parsed.
func expandPatterns(ctx context.Context, q query.Query, idxs []bleve.Index) (query.Query, error) {
	switch q := q.(type) {
	case *query.BooleanQuery:
		for _, sub := range []*query.Query{&q.Must, &q.Should, &q.MustNot} {
			if *sub == nil {
				continue
			}
			e, err := expandPatterns(ctx, *sub, idxs)
			if err != nil {
				return nil, err
			}
			*sub = e
		}
	case *query.ConjunctionQuery:
		for i, sub := range q.Conjuncts {
			e, err := expandPatterns(ctx, sub, idxs)
			if err != nil {
				return nil, err
			}
			q.Conjuncts[i] = e
		}
	case *query.DisjunctionQuery:
		for i, sub := range q.Disjuncts {
			e, err := expandPatterns(ctx, sub, idxs)
			if err != nil {
				return nil, err
			}
			q.Disjuncts[i] = e
		}
	case *query.RegexpQuery:
		// Bleve drops a leading ^: terms are matched whole anyway.
		return expandPattern(ctx, "regular expression /"+q.Regexp+"/", strings.TrimPrefix(q.Regexp, "^"), q.FieldVal, q.BoostVal, idxs)
	case *query.WildcardQuery:
		return expandPattern(ctx, "wildcard "+q.Wildcard, wildcardRegexp(q.Wildcard), q.FieldVal, q.BoostVal, idxs)
	}
	return q, nil
}

func expandPattern(ctx context.Context, what, expr, field string, boost *query.Boost, idxs []bleve.Index) (query.Query, error) {
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadQuery, what, err)
	}
	prefix := literalPrefix(expr)
	terms := map[string]bool{}
	for _, idx := range idxs {
		f := field
		if f == "" {
			f = idx.Mapping().DefaultSearchField()
		}
		if err := matchTerms(ctx, idx, f, prefix, re, terms); err != nil {
			return nil, err
		}
		if len(terms) > maxTermExpansion {
			return nil, fmt.Errorf("%w: %s matches more than %d distinct words; make it more specific",
				ErrBadQuery, what, maxTermExpansion)
		}
	}
	if len(terms) == 0 {
		return bleve.NewMatchNoneQuery(), nil
	}
	qs := make([]query.Query, 0, len(terms))
	for t := range terms {
		tq := bleve.NewTermQuery(t)
		tq.SetField(field)
		if boost != nil {
			tq.SetBoost(boost.Value())
		}
		qs = append(qs, tq)
	}
	return bleve.NewDisjunctionQuery(qs...), nil
}

// matchTerms adds to terms the terms of field in idx that re matches,
// reading only those that start with prefix.
func matchTerms(ctx context.Context, idx bleve.Index, field, prefix string, re *regexp.Regexp, terms map[string]bool) error {
	dict, err := idx.FieldDictPrefix(field, []byte(prefix))
	if err != nil {
		return fmt.Errorf("term dictionary of %s in %s: %w", field, idx.Name(), err)
	}
	defer dict.Close()
	for n := 0; ; n++ {
		if n%checkCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e, err := dict.Next()
		if err != nil {
			return fmt.Errorf("term dictionary of %s in %s: %w", field, idx.Name(), err)
		}
		if e == nil {
			return nil
		}
		if re.MatchString(e.Term) {
			terms[e.Term] = true
			if len(terms) > maxTermExpansion {
				return nil // the caller refuses the pattern
			}
		}
	}
}

// literalPrefix is the literal text every match of expr starts with ("" for
// none), so only that part of a dictionary is read: "kube*" reads the terms
// starting with "kube", not every term.
func literalPrefix(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return ""
	}
	prefix, _ := prog.Prefix()
	return prefix
}
