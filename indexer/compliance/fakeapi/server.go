package fakeapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
)

// Options configure a Server.
type Options struct {
	Key string // the only accepted x-api-key (or Keys)
	// Keys are further keys of the organisation sharing one quota.
	Keys []KeySpec
	// RequestsPerMinute is the organisation's quota; default 600, as documented.
	RequestsPerMinute int
	Now               func() time.Time // default time.Now
}

// Server serves an Org over the Compliance API's wire format. It is an
// http.Handler; mount it on httptest.NewServer or a loopback listener.
type Server struct {
	opts Options

	mu       sync.Mutex
	org      *Org
	window   time.Time // start of the current rate-limit minute
	used     int
	reqID    int
	faults   faults
	requests map[string]int // by endpoint: "chats", "messages", "users", "organizations"
	latency  time.Duration
	logged   []Logged
	sess     sessionState // session faults and switches (sessions_mutate.go)
}

// New returns a server for org. The server owns org from now on: change it
// only through the server's methods.
func New(org *Org, opts Options) *Server {
	if opts.RequestsPerMinute <= 0 {
		opts.RequestsPerMinute = 600
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, org: org, requests: map[string]int{},
		faults: faults{chat: map[string]ChatFault{}}}
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	lat := s.latency
	s.mu.Unlock()
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqID++
	w.Header().Set("request-id", fmt.Sprintf("req_fake%06d", s.reqID))
	w.Header().Set("content-type", "application/json")
	if r.Method != http.MethodGet {
		s.fail(w, http.StatusMethodNotAllowed, "invalid_request_error", "Method not allowed.")
		return
	}
	if s.echoedKey(w, r) {
		return
	}
	if !s.authorised(r) {
		// Auth failures do not consume quota.
		s.fail(w, http.StatusUnauthorized, "authentication_error", "The API key provided is invalid or has been revoked.")
		return
	}
	if !s.spend(w) {
		return
	}
	if s.injected(w) {
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/v1/compliance/apps/chats":
		s.requests["chats"]++
		s.listChats(w, r)
	case strings.HasPrefix(path, "/v1/compliance/apps/chats/") && strings.HasSuffix(path, "/messages"):
		s.requests["messages"]++
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/compliance/apps/chats/"), "/messages")
		s.chatMessages(w, r, id)
	case path == "/v1/compliance/organizations":
		s.requests["organizations"]++
		s.listOrgs(w, r)
	case strings.HasPrefix(path, "/v1/compliance/organizations/") && strings.HasSuffix(path, "/users"):
		s.requests["users"]++
		org := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/compliance/organizations/"), "/users")
		s.listUsers(w, r, org)
	case strings.HasPrefix(path, "/v1/compliance/apps/sessions/"):
		s.routeSessions(w, r, strings.TrimPrefix(path, "/v1/compliance/apps/sessions/"))
	case path == "/v1/compliance/activities":
		s.requests["activities"]++
		s.listActivities(w, r)
	case strings.HasPrefix(path, "/v1/compliance/apps/chats/files/"),
		strings.HasPrefix(path, "/v1/compliance/apps/chats/generated-files/"),
		strings.HasPrefix(path, "/v1/compliance/apps/artifacts/"):
		s.routeFiles(w, r, strings.TrimPrefix(path, "/v1/compliance/apps/"))
	default:
		s.fail(w, http.StatusNotFound, "not_found_error", "Not found.")
	}
}

func (s *Server) authorised(r *http.Request) bool {
	k := r.Header.Get("x-api-key")
	if k == "" {
		// Accepting Bearer is a guess: only generated curl examples use it.
		k = strings.TrimPrefix(r.Header.Get("authorization"), "Bearer ")
	}
	return k != "" && k == s.opts.Key
}

// spend takes one request from the organisation's per-minute quota, sets the
// rate-limit headers, and answers 429 when the quota is spent.
func (s *Server) spend(w http.ResponseWriter) bool {
	now := s.opts.Now()
	if now.Sub(s.window) >= time.Minute || now.Before(s.window) {
		s.window, s.used = now.Truncate(time.Minute), 0
	}
	reset := s.window.Add(time.Minute)
	s.used++
	h := w.Header()
	h.Set("anthropic-ratelimit-requests-limit", strconv.Itoa(s.opts.RequestsPerMinute))
	h.Set("anthropic-ratelimit-requests-remaining", strconv.Itoa(max(0, s.opts.RequestsPerMinute-s.used)))
	h.Set("anthropic-ratelimit-requests-reset", reset.UTC().Format(time.RFC3339))
	if s.used <= s.opts.RequestsPerMinute {
		return true
	}
	h.Set("retry-after", strconv.Itoa(int(math.Ceil(reset.Sub(now).Seconds()))+1))
	s.fail(w, http.StatusTooManyRequests, "rate_limit_error", fmt.Sprintf(
		"Compliance API rate limit of %d requests per minute per parent organization has been exceeded. Please wait before retrying.", s.opts.RequestsPerMinute))
	return false
}

func (s *Server) fail(w http.ResponseWriter, status int, typ, msg string) {
	var b wireErrorBody
	b.Type = "error"
	b.Error.Type, b.Error.Message = typ, msg
	b.RequestID = w.Header().Get("request-id")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(b)
}

func (s *Server) badRequest(w http.ResponseWriter, format string, args ...any) {
	s.fail(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf(format, args...))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

// Requests returns how many requests each endpoint answered past auth and
// quota: "chats", "messages", "users", "organizations".
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

// SetLatency delays every response by d (slow-network fault).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}
