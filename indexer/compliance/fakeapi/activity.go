package fakeapi

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// Activity is one Activity Feed event other than compliance_api_accessed,
// which the server derives from its own request log.
type Activity struct {
	ID        string // activity_…
	CreatedAt time.Time
	Type      string
}

func genActivities(org *Org, r *rand.Rand, o GenOptions) {}

// listActivities serves GET /v1/compliance/activities.
func (s *Server) listActivities(w http.ResponseWriter, r *http.Request) {
	s.fail(w, http.StatusNotFound, "not_found_error", "Not found.")
}
