package indexer

import (
	"context"
	"fmt"
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

var activityFacets = map[string]facetField{
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
	if err := checkBounds(req.From, req.To); err != nil {
		return nil, fmt.Errorf("search activities: %w", err)
	}
	req.Size = pageSize(req.Size)
	if req.Sort == "" {
		req.Sort = SortNewest
	}
	q, err := activityQuery(req)
	if err != nil {
		return nil, fmt.Errorf("search activities: %w", err)
	}
	sr := bleve.NewSearchRequestOptions(q, req.Size, 0, false)
	by := sortFields(req.Sort, docmap.AFieldCreated)
	if by == nil {
		return nil, fmt.Errorf("search activities: %w: sort %q (want newest, oldest or relevance)", ErrBadRequest, req.Sort)
	}
	sr.SortBy(by)
	if req.After != "" {
		c, err := openCursor(req.After, req.Sort)
		if err == nil {
			err = c.resume(sr)
		}
		if err == nil && req.Sort == SortRelevance && sr.From+req.Size > maxRelevanceDepth {
			err = fmt.Errorf("%w: malformed cursor", ErrBadRequest)
		}
		if err != nil {
			return nil, fmt.Errorf("search activities: %w", err)
		}
	}
	if !req.NoFacets {
		// Widened even when one partition answers, as it always was.
		if err := addTermFacets(sr, req.Facets, activityFacets, docmap.AFieldDay, req.From, req.To, true, ""); err != nil {
			return nil, fmt.Errorf("search activities: %w", err)
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
	out.Next = nextCursor(sr, res, req.Sort, req.Size)
	if !req.NoFacets {
		out.Facets = termCounts(res.Facets, activityFacets)
	}
	out.Took = time.Since(start)
	return out, nil
}

func activityQuery(req ActivityRequest) (query.Query, error) {
	var must clauses
	if qs := strings.TrimSpace(req.Query); qs != "" {
		parsed, err := parseUserQuery(qs)
		if err != nil {
			return nil, err
		}
		must = append(must, parsed)
	}
	must.anyOf(docmap.AFieldType, req.Types)
	must.anyOf(docmap.AFieldFamily, req.Families)
	must.anyOf(docmap.AFieldActor, req.Actors)
	must.anyOf(docmap.AFieldActorType, req.ActorTypes)
	must.anyOf(docmap.AFieldIP, req.IPs)
	must.anyOf(docmap.AFieldOrg, req.Orgs)
	must.anyOf(docmap.AFieldFlag, req.Flags)
	must.anyOf(docmap.AFieldStatus, req.Statuses)
	if req.FlaggedOnly {
		must.isTrue(docmap.AFieldFlagged)
	}
	if err := must.between(docmap.AFieldCreated, req.From, req.To); err != nil {
		return nil, err
	}
	return must.query(), nil
}
