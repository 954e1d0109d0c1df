package fakeapi

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// LocalSession is a Claude Code / Cowork / ... session captured from the
// client (GET /v1/compliance/apps/sessions/local).
type LocalSession struct {
	ID        string // clls_…
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RemoteSession is a cloud session (GET /v1/compliance/apps/sessions/remote).
type RemoteSession struct {
	ID        string // cse_…
	CreatedAt time.Time
	UpdatedAt time.Time
}

func genSessions(org *Org, r *rand.Rand, o GenOptions) {}

// routeSessions serves everything under /v1/compliance/apps/sessions/; rest
// is the path after that prefix ("local", "local/{id}/messages", ...).
func (s *Server) routeSessions(w http.ResponseWriter, r *http.Request, rest string) {
	s.fail(w, http.StatusNotFound, "not_found_error", "Not found.")
}
