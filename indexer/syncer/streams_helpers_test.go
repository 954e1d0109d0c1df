package syncer

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// pager is a test stream standing in for sessions, activities and files
// until they are wired in: it walks the chat list with a cursor of its own
// and commits, per page, the cursor, a running count and one marker per
// item in one batch, the contract every real stream keeps. A page stored
// twice or skipped shows as a count that differs from the chats listed.
type pager struct {
	name  string
	limit int
	runs  atomic.Int64
}

type pagerState struct {
	Cursor string `json:"cursor"`
	Count  int    `json:"count"`
	Done   bool   `json:"done"`
}

func seenKey(name, id string) string { return "sync/" + name + "/seen/" + id }

func (p *pager) Name() string { return p.name }

func (p *pager) Run(ctx context.Context, env *stream.Env) error {
	p.runs.Add(1)
	var st pagerState
	if _, err := stream.LoadJSON(env.Ix, stream.StateKey(p.name), &st); err != nil {
		return err
	}
	for !st.Done {
		page, err := env.Client.ListChats(ctx, compliance.ListChatsParams{Limit: p.limit, AfterID: st.Cursor, Since: env.SyncFrom})
		if err != nil {
			return fmt.Errorf("%s: list chats: %w", p.name, err)
		}
		b := indexer.Batch{Checkpoints: map[string][]byte{}}
		for _, c := range page.Chats {
			b.Checkpoints[seenKey(p.name, c.ID)] = []byte("1")
		}
		st.Count += len(page.Chats)
		if page.LastID != "" {
			st.Cursor = page.LastID
		}
		st.Done = !page.HasMore
		b.Checkpoints[stream.StateKey(p.name)] = stream.MustJSON(st)
		if _, err := env.Ix.Ingest(ctx, b); err != nil {
			return err
		}
		env.Report(func(s *stream.State) { s.Items += len(page.Chats); s.Phase = "walk" })
	}
	return nil
}

// probe is a test stream that reads one endpoint once and returns its error.
type probe struct {
	name, path string
	runs       atomic.Int64
}

func (p *probe) Name() string { return p.name }

func (p *probe) Run(ctx context.Context, env *stream.Env) error {
	p.runs.Add(1)
	var out map[string]any
	err := env.Client.GetJSON(ctx, p.path, url.Values{"limit": {"1"}}, &out, compliance.CallOpts{Family: p.name})
	if err == nil {
		env.Report(func(s *stream.State) { s.Items++ })
	}
	return err
}

// tap sits in front of the fake API: it records every request (time from
// now, which inside a synctest bubble is the bubble's clock) and answers
// those answer picks with a documented error instead of the fake.
type tap struct {
	next   http.Handler
	now    func() time.Time
	answer func(r *http.Request) *apiAnswer

	mu   sync.Mutex
	seen []tapped
}

type tapped struct {
	T      time.Time
	Path   string
	Query  url.Values
	Status int
}

// apiAnswer is an error response in the API's envelope (reference §8).
type apiAnswer struct {
	Status        int
	Type, Message string
}

func (a *apiAnswer) write(w http.ResponseWriter) {
	w.Header().Set("content-type", "application/json")
	w.Header().Set("request-id", "req_tap")
	w.WriteHeader(a.Status)
	fmt.Fprintf(w, `{"type":"error","error":{"type":%q,"message":%q},"request_id":"req_tap"}`, a.Type, a.Message)
}

var (
	disabledAPI = &apiAnswer{http.StatusBadRequest, "invalid_request_error", "Compliance API is not enabled for this organization"}
	unknownArg  = &apiAnswer{http.StatusBadRequest, "invalid_request_error", "Unknown query parameter: 'after_id'. Did you mean 'before_id'?"}
	noUserScope = &apiAnswer{http.StatusForbidden, "permission_error", "Missing required scopes. Got: ['read:compliance_activities'] Needed one of: ['read:compliance_user_data', 'read:org_audit']"}
)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now
	if t.now != nil {
		now = t.now
	}
	at := now()
	sw := &statusWriter{ResponseWriter: w}
	if a := t.pick(r); a != nil {
		a.write(sw)
	} else {
		t.next.ServeHTTP(sw, r)
	}
	t.mu.Lock()
	t.seen = append(t.seen, tapped{T: at, Path: r.URL.Path, Query: r.URL.Query(), Status: sw.status})
	t.mu.Unlock()
}

func (t *tap) pick(r *http.Request) *apiAnswer {
	if t.answer == nil {
		return nil
	}
	return t.answer(r)
}

func (t *tap) requests() []tapped {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]tapped(nil), t.seen...)
}
