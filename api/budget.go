package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// budgetedRoutes are the routes whose cost the caller chooses with a query:
// searches, lists, exports and the dashboards built from them.
var budgetedRoutes = map[string]bool{
	"/api/v1/search": true, "/api/v1/conversations": true, "/api/v1/export": true,
	"/api/v1/activities": true, "/api/v1/activities/export": true, "/api/v1/activities/health": true,
	"/api/v1/analytics": true, "/api/v1/stats": true,
}

// queryGuards is what a route runs between authentication and its handler:
// the query budget for the routes above, nothing for the others.
func (s *Server) queryGuards(r route) []fiber.Handler {
	if r.Method == fiber.MethodGet && budgetedRoutes[r.Path] {
		return []fiber.Handler{s.queryBudget}
	}
	return nil
}

// queryBudget runs a search-like request within three bounds: at most
// Config.QueryConcurrency of them at once (beyond that a bounded wait, then
// 503 with Retry-After), at most Config.QueryTimeout of work (then 504),
// and no work for a client that has gone (its context is cancelled when
// the connection closes). The handler sees all three through
// c.UserContext(). An export's later pages, streamed after the handler
// returns, get the same bounds per page (see export).
func (s *Server) queryBudget(c *fiber.Ctx) error {
	ctx, cancel := context.WithCancel(c.UserContext())
	defer cancel()
	// Shutdown ends queries too: the store closes after it.
	defer context.AfterFunc(s.ctx, cancel)()
	var gone atomic.Bool
	stop := watchDisconnect(c.Context().Conn(), func() {
		gone.Store(true)
		cancel()
	})
	defer stop()
	release, err := s.queries.acquire(ctx)
	if err != nil {
		return s.budgetError(c, err, gone.Load())
	}
	defer release()
	ctx, cancelTimeout := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancelTimeout()
	c.SetUserContext(ctx)
	return s.budgetError(c, c.Next(), gone.Load())
}

// budgetError answers a request stopped by its budget: 503 + Retry-After
// when busy (retry later), 504 when over time (retrying the same query will
// not help: narrow it), 499 when the client left, 503 when the server is
// shutting down. Other errors pass through.
func (s *Server) budgetError(c *fiber.Ctx, err error, clientGone bool) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errBusy):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(queryRetryAfter))
		return &apiError{fiber.StatusServiceUnavailable, "unavailable", "too many searches are running; retry in a moment"}
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{fiber.StatusGatewayTimeout, "timeout", fmt.Sprintf(
			"the search took longer than %s and was stopped; narrow it: fewer regular expression, wildcard or fuzzy terms, filters, a shorter date range",
			s.cfg.QueryTimeout)}
	case errors.Is(err, context.Canceled) && clientGone:
		return &apiError{statusClientClosed, "cancelled", "the client closed the connection"}
	case errors.Is(err, context.Canceled):
		return &apiError{fiber.StatusServiceUnavailable, "unavailable", "the server is shutting down; retry shortly"}
	}
	return err
}

const (
	// statusClientClosed is nginx's status for a request whose client left
	// before the answer: nobody reads it, but the log and metrics should
	// not count it as our failure.
	statusClientClosed = 499
	// queryRetryAfter is the Retry-After, in seconds, of a busy answer.
	queryRetryAfter = 1
	// queryQueue is how many queries may wait per running one; more are
	// turned away at once rather than holding a connection each.
	queryQueue = 4
)
