package fakeapi

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
)

// Options configure a Server.
type Options struct {
	Key string // an accepted x-api-key: a compliance key with every read scope
	// Keys are further keys of the organisation sharing one quota.
	Keys []KeySpec
	// RequestsPerMinute is the organisation's quota, shared by every key and
	// endpoint; default 600, as documented.
	RequestsPerMinute int
	// RemoteRequestsPerMinute is the remote-session endpoints' second
	// budget; default DefaultRemoteRequestsPerMinute.
	RemoteRequestsPerMinute int
	// LogCapacity bounds Log(); default DefaultLogCapacity.
	LogCapacity int
	// HideDeletedMessages serves a user-deleted chat's messages endpoint
	// with no messages at all, the other reading of reference §4.4 (by
	// default its messages come back with empty content).
	HideDeletedMessages bool
	Now                 func() time.Time // default time.Now
}

// Server serves an Org over the Compliance API's wire format. It is an
// http.Handler; mount it on httptest.NewServer or a loopback listener.
type Server struct {
	opts Options

	mu       sync.Mutex
	org      *Org
	keys     []KeySpec
	shared   budget // the organisation's quota
	remote   budget // the remote-session endpoints' second budget
	reqID    int
	faults   faults
	envelope ErrorEnvelope
	requests map[string]int // by route, see Requests
	latency  time.Duration
	logged   requestLog
	sess     sessionState // session faults and switches (sessions_mutate.go)
}

// New returns a server for org. The server owns org from now on: change it
// only through the server's methods.
func New(org *Org, opts Options) *Server {
	if opts.RequestsPerMinute <= 0 {
		opts.RequestsPerMinute = 600
	}
	if opts.RemoteRequestsPerMinute <= 0 {
		opts.RemoteRequestsPerMinute = DefaultRemoteRequestsPerMinute
	}
	if opts.LogCapacity <= 0 {
		opts.LogCapacity = DefaultLogCapacity
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, org: org, keys: keyTable(opts), requests: map[string]int{},
		faults: faults{chat: map[string]ChatFault{}}, logged: requestLog{cap: opts.LogCapacity}}
}

// ServeHTTP answers a request in the order the reference implies: unknown
// paths and keys the API does not recognise get 404 Not found, bad
// recognised keys 401 (neither spends quota); a switched-off organisation
// 400; then one unit of quota is spent (429 past it) before the scope check
// (403) and the endpoint's own validation and answer. Every answered request
// is logged.
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
	rec := &statusRecorder{ResponseWriter: w}
	var key *KeySpec
	defer func() { s.record(rec, r, key) }()
	s.reqID++
	rec.Header().Set("request-id", fmt.Sprintf("req_fake%06d", s.reqID))
	rec.Header().Set("content-type", "application/json")
	s.serve(rec, r, &key)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, keyOut **KeySpec) {
	rt, ok := resolve(r.URL.Path)
	if !ok {
		s.notFound(w)
		return
	}
	if r.Method != http.MethodGet {
		s.fail(w, http.StatusMethodNotAllowed, "invalid_request_error", "Method not allowed.")
		return
	}
	if s.echoedKey(w, r) {
		return
	}
	key, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	*keyOut = key
	if s.faults.disabled {
		s.badRequest(w, msgNotEnabled)
		return
	}
	if !s.spend(w) || !s.authorise(w, key, rt.need) || s.injected(w) || s.statusFault(w, rt.family, rt.id) {
		return
	}
	s.requests[rt.count]++
	rt.serve(s, w, r)
}

// route is one documented endpoint a path resolved to.
type route struct {
	count  string   // key in Requests
	family string   // fault family (Family*)
	id     string   // the record id in the path, "" for lists
	need   []string // scopes, any one of which grants it
	serve  func(s *Server, w http.ResponseWriter, r *http.Request)
}

// Fault families, for SetFault. A record fault applies to every endpoint of
// the record (a session's retrieve and messages), a family fault ("" id) to
// the family's list too.
const (
	FamilyChats          = "chats" // list; id = chat id for its messages
	FamilyOrganizations  = "organizations"
	FamilyUsers          = "users"
	FamilyActivities     = "activities"
	FamilyLocalSessions  = "local_sessions"
	FamilyRemoteSessions = "remote_sessions"
	FamilyFiles          = "files"
	FamilyGeneratedFiles = "generated_files"
	FamilyArtifacts      = "artifacts"
)

// resolve maps a path to its endpoint. Only documented paths resolve, so an
// unknown one is refused before the key is even looked at (no quota spent),
// and the sub-routers of sessions and files only ever see their own shapes.
func resolve(path string) (route, bool) {
	p, ok := strings.CutPrefix(strings.TrimSuffix(path, "/"), "/v1/compliance/")
	if !ok {
		return route{}, false
	}
	seg := strings.Split(p, "/")
	for _, s := range seg {
		if s == "" {
			return route{}, false
		}
	}
	n := len(seg)
	switch {
	case n == 1 && seg[0] == "activities":
		return route{count: "activities", family: FamilyActivities, need: needActivities,
			serve: func(s *Server, w http.ResponseWriter, r *http.Request) { s.listActivities(w, r) }}, true
	case n == 1 && seg[0] == "organizations":
		return route{count: "organizations", family: FamilyOrganizations, need: needOrgData,
			serve: (*Server).listOrgs}, true
	case n == 3 && seg[0] == "organizations" && seg[2] == "users":
		org := seg[1]
		return route{count: "users", family: FamilyUsers, id: org, need: needUserData,
			serve: func(s *Server, w http.ResponseWriter, r *http.Request) { s.listUsers(w, r, org) }}, true
	case n < 2 || seg[0] != "apps":
		return route{}, false
	}
	app, rest := seg[1], seg[2:]
	switch {
	case app == "chats" && len(rest) == 0:
		return route{count: "chats", family: FamilyChats, need: needUserData, serve: (*Server).listChats}, true
	case app == "chats" && len(rest) == 2 && rest[1] == "messages" && rest[0] != "files" && rest[0] != "generated-files":
		id := rest[0]
		return route{count: "messages", family: FamilyChats, id: id, need: needUserData,
			serve: func(s *Server, w http.ResponseWriter, r *http.Request) { s.chatMessages(w, r, id) }}, true
	case app == "chats" && len(rest) >= 2 && len(rest) <= 3 && (rest[0] == "files" || rest[0] == "generated-files"),
		app == "artifacts" && len(rest) >= 1 && len(rest) <= 2:
		fam, id, tail := FamilyArtifacts, rest[0], rest[1:]
		if app == "chats" {
			fam, id, tail = FamilyFiles, rest[1], rest[2:]
			if rest[0] == "generated-files" {
				fam = FamilyGeneratedFiles
			}
		}
		if len(tail) == 1 && tail[0] != "content" {
			return route{}, false
		}
		sub := strings.Join(seg[1:], "/")
		return route{count: fam, family: fam, id: id, need: needUserData,
			serve: func(s *Server, w http.ResponseWriter, r *http.Request) { s.routeFiles(w, r, sub) }}, true
	case app == "sessions" && len(rest) >= 1:
		kind := rest[0]
		fam := map[string]string{"local": FamilyLocalSessions, "remote": FamilyRemoteSessions}[kind]
		ok := fam != "" && (len(rest) == 1 ||
			len(rest) == 2 && kind == "local" ||
			len(rest) == 3 && rest[2] == "messages")
		if !ok {
			return route{}, false
		}
		id := ""
		if len(rest) > 1 {
			id = rest[1]
		}
		sub := strings.Join(rest, "/")
		return route{count: fam, family: fam, id: id, need: needUserData,
			serve: func(s *Server, w http.ResponseWriter, r *http.Request) { s.routeSessions(w, r, sub) }}, true
	}
	return route{}, false
}

func writeJSON(w http.ResponseWriter, v any) {
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

// Requests returns how many requests each endpoint was handed past auth,
// quota, scope and injected faults: "chats", "messages", "users",
// "organizations", "activities", and the Family* names of sessions and files.
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
