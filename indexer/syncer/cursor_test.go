package syncer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

// TestRateLimitNeverAdvancesCursor: when 429s outlast the retry budget in
// the middle of a page, the run fails without storing that page or moving
// the cursor past it; the next run picks up exactly there.
func TestRateLimitNeverAdvancesCursor(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 30, DeletedEvery: -1}, 13)
	var msgReqs atomic.Int64
	limited := atomic.Bool{}
	limited.Store(true)
	// After 15 message reads (mid second page), every request is a 429.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/messages") && msgReqs.Add(1) > 15 && limited.Load() {
			w.Header().Set("retry-after", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"type":"error","error":{"type":"rate_limit_error","message":"Compliance API rate limit of 600 requests per minute per parent organization has been exceeded."}}`))
			return
		}
		e.fake.ServeHTTP(w, r)
	}))
	defer hs.Close()
	e.cfg.BaseURL = hs.URL
	e.cfg.Concurrency = 1
	e.cfg.Client.MaxRateLimitRetries = 3
	eng := e.engine()
	s, err := eng.RunOnce(context.Background())
	if !errors.Is(err, compliance.ErrRateLimited) || s.State != StateFailed {
		t.Fatalf("run %+v err %v, want failed on rate limit", s, err)
	}
	var st state
	if _, err := getJSON(e.ix, keyState, &st); err != nil {
		t.Fatal(err)
	}
	if st.Chats != 10 || s.Chats != 10 {
		t.Fatalf("checkpoint covers %d chats (run stored %d), want exactly the first page of 10", st.Chats, s.Chats)
	}
	stats, _ := e.ix.Stats(context.Background())
	if stats.Conversations != 10 {
		t.Fatalf("%d conversations stored, want 10: a page was stored without its cursor", stats.Conversations)
	}
	limited.Store(false)
	if s := e.run(eng); s.Chats != 20 {
		t.Errorf("resumed run stored %d chats, want the remaining 20", s.Chats)
	}
	e.verify(windowStart, nil)
}

// TestRejectedCursorRestartsWalk: a saved cursor the API no longer accepts
// (400) restarts the walk from the window start instead of failing forever.
func TestRejectedCursorRestartsWalk(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 15}, 14)
	eng := e.engine()
	e.run(eng)
	var st state
	if _, err := getJSON(e.ix, keyState, &st); err != nil {
		t.Fatal(err)
	}
	st.Cursor = "bm90IGEgY3Vyc29y" // base64, but not a cursor the fake issued
	if err := putJSON(e.ix, keyState, st); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour)
	if _, err := e.fake.AddMessage(e.org.Chats[0].ID, "after the cursor broke"); err != nil {
		t.Fatal(err)
	}
	s := e.run(eng)
	if s.State != StateDone || s.Chats != 1 || len(s.Errors) != 1 || !strings.Contains(s.Errors[0], "cursor rejected") {
		t.Fatalf("run %+v", s)
	}
	e.verify(windowStart, nil)
}
