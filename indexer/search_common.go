package indexer

import (
	"fmt"
	"sort"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The message search and the Activity Feed search differ in their fields
// and stores only; the pieces below are what they have in common.

// checkBounds rejects from and to outside the window: they reach
// partitions and Bleve's date ranges as int64 nanoseconds, and outside the
// window they wrap (see MinTime).
func checkBounds(from, to time.Time) error {
	for _, b := range []struct {
		name string
		t    time.Time
	}{{"from", from}, {"to", to}} {
		if !b.t.IsZero() {
			if err := CheckTime(b.name, b.t); err != nil {
				return err
			}
		}
	}
	return nil
}

func pageSize(n int) int {
	if n <= 0 {
		return defaultPageSize
	}
	return min(n, maxPageSize)
}

// sortFields is the Bleve sort for s, nil for an unknown one. The _id
// tie-break gives a total order, which paging needs: bleve.MultiSearch
// merges partitions with an unstable sort, and equal keys could otherwise
// swap between pages and show one hit twice.
func sortFields(s Sort, created string) []string {
	switch s {
	case SortRelevance:
		return []string{"-_score", "_id"}
	case SortNewest:
		return []string{"-" + created, "_id"}
	case SortOldest:
		return []string{created, "_id"}
	}
	return nil
}

// openCursor decodes a cursor and checks it was made for the same order.
func openCursor(after string, s Sort) (cursor, error) {
	c, err := decodeCursor(after)
	if err != nil {
		return c, err
	}
	if c.Sort != s {
		return c, fmt.Errorf("%w: cursor was made for sort %q", ErrBadRequest, c.Sort)
	}
	return c, nil
}

// resume starts sr where c left off: an offset in relevance order, else
// the last hit's sort values.
func (c cursor) resume(sr *bleve.SearchRequest) error {
	if c.Sort == SortRelevance {
		if c.Offset < 0 || c.Offset > maxRelevanceDepth {
			return fmt.Errorf("%w: malformed cursor", ErrBadRequest)
		}
		sr.From = c.Offset
		return nil
	}
	// The cursor carries one value per sort field (time, _id).
	if len(c.After) != 2 {
		return fmt.Errorf("%w: malformed cursor", ErrBadRequest)
	}
	sr.SearchAfter = c.After
	return nil
}

// nextCursor is the cursor of the page after res, "" on the last page.
func nextCursor(sr *bleve.SearchRequest, res *bleve.SearchResult, s Sort, size int) string {
	if len(res.Hits) == size && uint64(sr.From+size) < res.Total {
		return encodeCursor(cursor{Sort: s, After: res.Hits[len(res.Hits)-1].Sort, Offset: sr.From + size})
	}
	return ""
}

// parseUserQuery parses a query string as typed, refusing what is invalid
// or too costly to run.
func parseUserQuery(qs string) (query.Query, error) {
	parsed, err := bleve.NewQueryStringQuery(qs).Parse()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	if v, ok := parsed.(query.ValidatableQuery); ok {
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
	}
	if err := checkQueryCost(parsed); err != nil {
		return nil, err
	}
	return parsed, nil
}

// clauses are the ANDed parts of a query.
type clauses []query.Query

// anyOf requires one of values in field; no values, no clause.
func (m *clauses) anyOf(field string, values []string) {
	if len(values) == 0 {
		return
	}
	qs := make([]query.Query, len(values))
	for i, v := range values {
		t := bleve.NewTermQuery(v)
		t.SetField(field)
		qs[i] = t
	}
	*m = append(*m, bleve.NewDisjunctionQuery(qs...))
}

func (m *clauses) isTrue(field string) {
	f := bleve.NewBoolFieldQuery(true)
	f.SetField(field)
	*m = append(*m, f)
}

// between bounds field to [from, to); a zero bound is open.
func (m *clauses) between(field string, from, to time.Time) error {
	if from.IsZero() && to.IsZero() {
		return nil
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return fmt.Errorf("%w: from must be before to", ErrBadRequest)
	}
	incl, excl := true, false
	d := bleve.NewDateRangeInclusiveQuery(from, to, &incl, &excl)
	d.SetField(field)
	*m = append(*m, d)
	return nil
}

func (m clauses) query() query.Query {
	switch len(m) {
	case 0:
		return bleve.NewMatchAllQuery()
	case 1:
		return m[0]
	}
	return bleve.NewConjunctionQuery(m...)
}

// facetField is a facet's index field and how many terms it shows.
type facetField struct {
	field string
	size  int
}

// facetDate is the date facet's name in both modes: by month, or by day
// when the range is short enough to show every day.
const facetDate = "date"

// addTermFacets asks sr for the named facets of fields, all of them when
// names is empty, skipping skip. widen asks for more terms than shown, for
// a search over several partitions: a term just outside one partition's
// top list would be undercounted in the merge. A day or month is in one
// partition only, so the date facet is never widened.
func addTermFacets(sr *bleve.SearchRequest, names []string, fields map[string]facetField, dayField string,
	from, to time.Time, widen bool, skip string) error {
	if len(names) == 0 {
		for n := range fields {
			names = append(names, n)
		}
	}
	for _, n := range names {
		f, ok := fields[n]
		if !ok {
			return fmt.Errorf("%w: unknown facet %q", ErrBadRequest, n)
		}
		if n == skip {
			continue
		}
		// A terms facet on a day/month keyword costs a third of a date-range
		// facet, which walks every prefix-coded term of the datetime field.
		if n == facetDate && !from.IsZero() && !to.IsZero() && to.Sub(from) <= 92*24*time.Hour {
			f.field, f.size = dayField, 93
		}
		size := f.size
		if widen && n != facetDate {
			size = f.size*3 + 10
		}
		sr.AddFacet(n, bleve.NewFacetRequest(f.field, size))
	}
	return nil
}

// termCounts converts Bleve's facets, dates in date order, the others cut
// back to what addTermFacets widened them from.
func termCounts(fr search.FacetResults, fields map[string]facetField) map[string][]FacetCount {
	out := make(map[string][]FacetCount, len(fr))
	for name, f := range fr {
		counts := []FacetCount{}
		if f.Terms != nil {
			for _, t := range f.Terms.Terms() {
				counts = append(counts, FacetCount{Term: t.Term, Count: t.Count})
			}
		}
		if name == facetDate {
			sort.Slice(counts, func(i, j int) bool { return counts[i].Term < counts[j].Term })
		} else if n := fields[name].size; len(counts) > n {
			counts = counts[:n]
		}
		out[name] = counts
	}
	return out
}
