package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
)

// search answers GET /api/v1/search: messages (default) or conversations
// matching a query and filters, with facets, highlighted snippets and a
// cursor to the next page. Hits' snippets are HTML built by the indexer
// (escaped text plus <mark>).
func (s *Server) search(c *fiber.Ctx) error {
	req, err := searchRequest(c, "")
	if err != nil {
		return err
	}
	return s.runSearch(c, req)
}

// listConversations is the conversations list: the same search with
// kind=conversation, newest first unless a query ranks by relevance.
func (s *Server) listConversations(c *fiber.Ctx) error {
	req, err := searchRequest(c, indexer.KindConversation)
	if err != nil {
		return err
	}
	if req.Sort == "" && req.Query == "" {
		req.Sort = indexer.SortNewest
	}
	return s.runSearch(c, req)
}

func (s *Server) runSearch(c *fiber.Ctx, req indexer.SearchRequest) error {
	p := principalOf(c)
	if req.After != "" {
		// A verified cursor continues a search whose first page was
		// audited, by the same account: its pages are not recorded again.
		inner, err := s.cursors.open(p.Account, req, req.After)
		if err != nil {
			return err
		}
		req.After = inner
	} else if err := s.audit.record(c, p, "search", "", auditDetail(req)); err != nil {
		return err
	}
	start := time.Now()
	res, err := s.store.Search(c.UserContext(), req)
	s.metrics.observeSearch(time.Since(start))
	if err != nil {
		return err
	}
	if res.Hits == nil {
		res.Hits = []indexer.Hit{}
	}
	res.Next = s.cursors.seal(p.Account, req, res.Next)
	return c.JSON(res)
}
