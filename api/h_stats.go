package api

import (
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
)

func (s *Server) stats(c *fiber.Ctx) error {
	st, err := s.store.Stats(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// analyticsResponse is the dashboard: the counters kept at ingest plus
// views that need the index. Counts in TopUsersByFindings,
// FlaggedByProduct and FindingsOverTime are flagged messages, not
// individual findings (Stats.FindingsPerProduct counts findings, all-time).
type analyticsResponse struct {
	indexer.Stats
	TopUsersByFindings []indexer.FacetCount            `json:"top_users_by_findings"`
	FlaggedByProduct   []indexer.FacetCount            `json:"flagged_by_product"`
	FindingsOverTime   map[string][]indexer.FacetCount `json:"findings_over_time"` // finding type -> date buckets
	Products           []string                        `json:"products,omitempty"` // the ?product= filter applied
}

// maxTrendTypes bounds the per-type searches behind FindingsOverTime.
const maxTrendTypes = 10

// analytics serves GET /api/v1/analytics?from=&to=&product=. The time
// range and the products apply to the index-backed views (top users and
// findings over time; flagged by product takes the range only, so it always
// shows every product); the counters are all-time.
func (s *Server) analytics(c *fiber.Ctx) error {
	from, to, err := queryRange(c)
	if err != nil {
		return err
	}
	products, err := multi(c, "product")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	st, err := s.store.Stats(ctx)
	if err != nil {
		return err
	}
	resp := analyticsResponse{Stats: st, TopUsersByFindings: []indexer.FacetCount{}, FlaggedByProduct: []indexer.FacetCount{},
		FindingsOverTime: map[string][]indexer.FacetCount{}, Products: products}
	flagged, err := s.store.Search(ctx, indexer.SearchRequest{Kind: indexer.KindMessage, FlaggedOnly: true, From: from, To: to, Size: 1,
		Facets: []string{indexer.FacetUser, indexer.FacetProduct}})
	if err != nil {
		return err
	}
	if f := flagged.Facets[indexer.FacetProduct]; f != nil {
		resp.FlaggedByProduct = f
	}
	if len(products) > 0 {
		flagged, err = s.store.Search(ctx, indexer.SearchRequest{Kind: indexer.KindMessage, FlaggedOnly: true, From: from, To: to, Size: 1,
			Products: products, Facets: []string{indexer.FacetUser}})
		if err != nil {
			return err
		}
	}
	if f := flagged.Facets[indexer.FacetUser]; f != nil {
		resp.TopUsersByFindings = f
	}
	types := make([]string, 0, len(st.FindingsPerType))
	for t := range st.FindingsPerType {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if a, b := st.FindingsPerType[types[i]], st.FindingsPerType[types[j]]; a != b {
			return a > b
		}
		return types[i] < types[j]
	})
	for _, t := range types[:min(len(types), maxTrendTypes)] {
		res, err := s.store.Search(ctx, indexer.SearchRequest{Kind: indexer.KindMessage, FindingTypes: []string{t}, From: from, To: to, Size: 1,
			Products: products, Facets: []string{indexer.FacetDate}})
		if err != nil {
			return err
		}
		if buckets := res.Facets[indexer.FacetDate]; buckets != nil {
			resp.FindingsOverTime[t] = buckets
		} else {
			resp.FindingsOverTime[t] = []indexer.FacetCount{}
		}
	}
	return c.JSON(resp)
}
