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
// views that need the index. Counts in TopUsersByFindings and
// FindingsOverTime are flagged messages, not individual findings.
type analyticsResponse struct {
	indexer.Stats
	TopUsersByFindings []indexer.FacetCount            `json:"top_users_by_findings"`
	FindingsOverTime   map[string][]indexer.FacetCount `json:"findings_over_time"` // finding type -> date buckets
}

// maxTrendTypes bounds the per-type searches behind FindingsOverTime.
const maxTrendTypes = 10

// analytics serves GET /api/v1/analytics?from=&to=. The time range applies
// to the index-backed views; the counters are all-time.
func (s *Server) analytics(c *fiber.Ctx) error {
	from, to, err := queryRange(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	st, err := s.store.Stats(ctx)
	if err != nil {
		return err
	}
	resp := analyticsResponse{Stats: st, TopUsersByFindings: []indexer.FacetCount{}, FindingsOverTime: map[string][]indexer.FacetCount{}}
	flagged, err := s.store.Search(ctx, indexer.SearchRequest{Kind: indexer.KindMessage, FlaggedOnly: true, From: from, To: to, Size: 1})
	if err != nil {
		return err
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
		res, err := s.store.Search(ctx, indexer.SearchRequest{Kind: indexer.KindMessage, FindingTypes: []string{t}, From: from, To: to, Size: 1})
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
