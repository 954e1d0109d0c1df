package indexer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/indexer/internal/docmap"
	"github.com/ccsync/ccsync/model"
)

// Activity facet names in ActivityResult.Facets.
const (
	ActivityFacetType      = "type"
	ActivityFacetFamily    = "family"
	ActivityFacetActor     = "actor"
	ActivityFacetActorType = "actor_type"
	ActivityFacetIP        = "ip"
	ActivityFacetOrg       = "org"
	ActivityFacetFlag      = "flag"
	ActivityFacetStatus    = "status"
	ActivityFacetDate      = "date"
)

var activityFacets = map[string]struct {
	field string
	size  int
}{
	ActivityFacetType:      {docmap.AFieldType, 30},
	ActivityFacetFamily:    {docmap.AFieldFamily, 30},
	ActivityFacetActor:     {docmap.AFieldActor, 20},
	ActivityFacetActorType: {docmap.AFieldActorType, 15},
	ActivityFacetIP:        {docmap.AFieldIP, 20},
	ActivityFacetOrg:       {docmap.AFieldOrg, 10},
	ActivityFacetFlag:      {docmap.AFieldFlag, 5},
	ActivityFacetStatus:    {docmap.AFieldStatus, 15},
	ActivityFacetDate:      {docmap.AFieldMonth, 240},
}

// ActivityRequest is a search over the Activity Feed store. Filters are
// ANDed; values within one filter are ORed.
type ActivityRequest struct {
	Query       string    `json:"query,omitempty"`
	Types       []string  `json:"types,omitempty"`
	Families    []string  `json:"families,omitempty"`
	Actors      []string  `json:"actors,omitempty"` // email, or id when there is none
	ActorTypes  []string  `json:"actor_types,omitempty"`
	IPs         []string  `json:"ips,omitempty"`
	Orgs        []string  `json:"orgs,omitempty"`
	Flags       []string  `json:"flags,omitempty"`
	Statuses    []string  `json:"statuses,omitempty"`
	FlaggedOnly bool      `json:"flagged_only,omitempty"` // other key, admin key or unknown IP
	From        time.Time `json:"from,omitzero"`          // inclusive
	To          time.Time `json:"to,omitzero"`            // exclusive
	Sort        Sort      `json:"sort,omitempty"`         // newest (default), oldest or relevance
	Size        int       `json:"size,omitempty"`         // default 20, max 200
	After       string    `json:"after,omitempty"`
	Facets      []string  `json:"facets,omitempty"` // empty means all
	NoFacets    bool      `json:"no_facets,omitempty"`
}

// ActivityResult is one page of events and facet counts over all matches.
type ActivityResult struct {
	Total  uint64                  `json:"total"`
	Hits   []model.Activity        `json:"hits"`
	Facets map[string][]FacetCount `json:"facets,omitempty"`
	Next   string                  `json:"next,omitempty"`
	Took   time.Duration           `json:"took_ns"`
}

// SearchActivities runs a search over the stored Activity Feed events.
func (ix *Indexer) SearchActivities(ctx context.Context, req ActivityRequest) (*ActivityResult, error) {
	start := time.Now()
	for _, b := range []struct {
		name string
		t    time.Time
	}{{"from", req.From}, {"to", req.To}} {
		if !b.t.IsZero() {
			if err := CheckTime(b.name, b.t); err != nil {
				return nil, fmt.Errorf("search activities: %w", err)
			}
		}
	}
	if req.Size <= 0 {
		req.Size = defaultPageSize
	}
	req.Size = min(req.Size, maxPageSize)
	if req.Sort == "" {
		req.Sort = SortNewest
	}
	q, err := activityQuery(req)
	if err != nil {
		return nil, fmt.Errorf("search activities: %w", err)
	}
	sr := bleve.NewSearchRequestOptions(q, req.Size, 0, false)
	switch req.Sort {
	case SortNewest:
		sr.SortBy([]string{"-" + docmap.AFieldCreated, "_id"})
	case SortOldest:
		sr.SortBy([]string{docmap.AFieldCreated, "_id"})
	case SortRelevance:
		sr.SortBy([]string{"-_score", "_id"})
	default:
		return nil, fmt.Errorf("search activities: %w: sort %q (want newest, oldest or relevance)", ErrBadRequest, req.Sort)
	}
	if req.After != "" {
		c, err := decodeCursor(req.After)
		if err != nil {
			return nil, fmt.Errorf("search activities: %w", err)
		}
		switch {
		case c.Sort != req.Sort:
			return nil, fmt.Errorf("search activities: %w: cursor was made for sort %q", ErrBadRequest, c.Sort)
		case req.Sort == SortRelevance:
			if c.Offset < 0 || c.Offset+req.Size > maxRelevanceDepth {
				return nil, fmt.Errorf("search activities: %w: malformed cursor", ErrBadRequest)
			}
			sr.From = c.Offset
		case len(c.After) != 2:
			return nil, fmt.Errorf("search activities: %w: malformed cursor", ErrBadRequest)
		default:
			sr.SearchAfter = c.After
		}
	}
	if !req.NoFacets {
		names := req.Facets
		if len(names) == 0 {
			for n := range activityFacets {
				names = append(names, n)
			}
		}
		for _, n := range names {
			f, ok := activityFacets[n]
			if !ok {
				return nil, fmt.Errorf("search activities: %w: unknown facet %q", ErrBadRequest, n)
			}
			if n == ActivityFacetDate && !req.From.IsZero() && !req.To.IsZero() && req.To.Sub(req.From) <= 92*24*time.Hour {
				f.field, f.size = docmap.AFieldDay, 93
			}
			size := f.size
			if n != ActivityFacetDate {
				size = f.size*3 + 10 // several partitions: see addFacets
			}
			sr.AddFacet(n, bleve.NewFacetRequest(f.field, size))
		}
	}
	// Held while searching, so a rebuild cannot close a partition in use.
	ix.acts.mu.RLock()
	defer ix.acts.mu.RUnlock()
	idxs := ix.acts.between(req.From, req.To)
	out := &ActivityResult{Hits: []model.Activity{}}
	if len(idxs) == 0 {
		if !req.NoFacets {
			out.Facets = map[string][]FacetCount{}
		}
		out.Took = time.Since(start)
		return out, nil
	}
	res, err := searchPartitions(ctx, sr, idxs)
	if err != nil {
		return nil, fmt.Errorf("search activities: %w", tooManyTerms(err))
	}
	out.Total = res.Total
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, strings.TrimPrefix(h.ID, "a/"))
	}
	if err := ix.db.View(func(txn *badger.Txn) error {
		for _, id := range ids {
			a, err := getActivity(txn, id)
			if err != nil {
				return err
			}
			out.Hits = append(out.Hits, *a)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("search activities: %w", err)
	}
	if len(res.Hits) == req.Size && uint64(sr.From+req.Size) < res.Total {
		out.Next = encodeCursor(cursor{Sort: req.Sort, After: res.Hits[len(res.Hits)-1].Sort, Offset: sr.From + req.Size})
	}
	if !req.NoFacets {
		out.Facets = map[string][]FacetCount{}
		for name, f := range res.Facets {
			counts := []FacetCount{}
			if f.Terms != nil {
				for _, t := range f.Terms.Terms() {
					counts = append(counts, FacetCount{Term: t.Term, Count: t.Count})
				}
			}
			if name == ActivityFacetDate {
				sort.Slice(counts, func(i, j int) bool { return counts[i].Term < counts[j].Term })
			} else if n := activityFacets[name].size; len(counts) > n {
				counts = counts[:n]
			}
			out.Facets[name] = counts
		}
	}
	out.Took = time.Since(start)
	return out, nil
}

func activityQuery(req ActivityRequest) (query.Query, error) {
	var must []query.Query
	if qs := strings.TrimSpace(req.Query); qs != "" {
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
		must = append(must, parsed)
	}
	anyOf := func(field string, values []string) {
		if len(values) == 0 {
			return
		}
		qs := make([]query.Query, len(values))
		for i, v := range values {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			qs[i] = t
		}
		must = append(must, bleve.NewDisjunctionQuery(qs...))
	}
	anyOf(docmap.AFieldType, req.Types)
	anyOf(docmap.AFieldFamily, req.Families)
	anyOf(docmap.AFieldActor, req.Actors)
	anyOf(docmap.AFieldActorType, req.ActorTypes)
	anyOf(docmap.AFieldIP, req.IPs)
	anyOf(docmap.AFieldOrg, req.Orgs)
	anyOf(docmap.AFieldFlag, req.Flags)
	anyOf(docmap.AFieldStatus, req.Statuses)
	if req.FlaggedOnly {
		f := bleve.NewBoolFieldQuery(true)
		f.SetField(docmap.AFieldFlagged)
		must = append(must, f)
	}
	if !req.From.IsZero() || !req.To.IsZero() {
		if !req.From.IsZero() && !req.To.IsZero() && !req.From.Before(req.To) {
			return nil, fmt.Errorf("%w: from must be before to", ErrBadRequest)
		}
		incl, excl := true, false
		d := bleve.NewDateRangeInclusiveQuery(req.From, req.To, &incl, &excl)
		d.SetField(docmap.AFieldCreated)
		must = append(must, d)
	}
	switch len(must) {
	case 0:
		return bleve.NewMatchAllQuery(), nil
	case 1:
		return must[0], nil
	}
	return bleve.NewConjunctionQuery(must...), nil
}
