package syncer

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// parallelClock is a virtual clock for goroutines that sleep at the same
// time: a sleep moves the clock to the sleeper's wake-up time if that is
// later, instead of adding its length as clock does. Added up, two streams
// sleeping half a second each would take a second, and separate budgets per
// stream would look like one shared budget; here they overlap as they do on
// a real clock.
//
// It also remembers, per goroutine, the last time it told it (Now, or the
// end of its sleep): that is when the budget let that goroutine's request
// go. Read at the request's start (RoundTrip), it is the send time on the
// budget's own clock, and the request carries it to the server (serve),
// where the fake counts its quota at that time. Read at the server instead,
// the clock may already have been moved on by another goroutine's sleep,
// which would shift requests later and crowd a window the budget kept.
type parallelClock struct {
	mu     sync.Mutex
	now    time.Time
	told   map[int64]time.Time
	served map[int64]time.Time // the send time of the request a server goroutine is answering

	sendMu sync.Mutex
	sends  []time.Time
}

func (c *parallelClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.told[goid()] = c.now
	return c.now
}

func (c *parallelClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	t := c.now.Add(d)
	if t.After(c.now) {
		c.now = t
	}
	c.told[goid()] = t
	c.mu.Unlock()
	return ctx.Err()
}

// RoundTrip records the send time of a request; http.Client calls it on
// the goroutine that asked the budget.
func (c *parallelClock) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	t := c.told[goid()]
	c.mu.Unlock()
	c.sendMu.Lock()
	c.sends = append(c.sends, t)
	c.sendMu.Unlock()
	r = r.Clone(r.Context())
	r.Header.Set(sentAtHeader, t.Format(time.RFC3339Nano))
	return http.DefaultTransport.RoundTrip(r)
}

const sentAtHeader = "x-test-sent-at"

// serve answers r with next, telling the server side (serverNow) the time
// the request was sent.
func (c *parallelClock) serve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := time.Parse(time.RFC3339Nano, r.Header.Get(sentAtHeader))
		if err != nil {
			http.Error(w, "request without its send time", http.StatusInternalServerError)
			return
		}
		id := goid()
		c.mu.Lock()
		c.served[id] = t
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			delete(c.served, id)
			c.mu.Unlock()
		}()
		next.ServeHTTP(w, r)
	})
}

// serverNow is the fake's clock: the send time of the request being
// answered on this goroutine.
func (c *parallelClock) serverNow() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.served[goid()]; ok {
		return t
	}
	return c.now
}

// goid is the calling goroutine's id, from its stack header
// ("goroutine 123 [running]:"): a test-only way to key per-goroutine state.
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	n, _ := strconv.ParseInt(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return n
}

// TestSharedBudgetNeverExceeded: the chat walk and two streams that ask as
// fast as they can share one org-wide budget of 120 requests a minute. In
// every 60-second window the API sees at most 120 requests (counted in front
// of the fake, and in the fake's own log where it keeps one) and it never
// answers 429; the run takes at least as long as the budget allows for its
// requests. Separate budgets per stream would send about three times that.
func TestSharedBudgetNeverExceeded(t *testing.T) {
	const rate = 120
	clk := &parallelClock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), told: map[int64]time.Time{}, served: map[int64]time.Time{}}
	start := clk.Now()
	org := fakeapi.Generate(41, fakeapi.GenOptions{Chats: 100, DeletedEvery: -1, Start: start.AddDate(0, 0, -20), End: start.Add(-time.Hour),
		Sessions: 30, RemoteSessions: 10, Activities: 200, FileContent: true})
	fake := fakeapi.New(org, fakeapi.Options{Key: testKey, RequestsPerMinute: rate, Now: clk.serverNow})
	tp := &tap{next: fake, now: clk.serverNow}
	hs := httptest.NewServer(clk.serve(tp))
	defer hs.Close()
	e := &env{t: t, dir: t.TempDir()}
	e.open()
	eng := New(e.ix, Config{BaseURL: hs.URL, Key: testKey, SyncFrom: start.AddDate(0, 0, -30), PageSize: 10,
		RequestsPerMinute: rate, Logger: discardLogger(), Now: clk.Now,
		// Every real stream, and one more hammering the chat list.
		Streams: append(benchStreams(), &pager{name: "load-a", limit: 1}),
		Client:  compliance.Config{Sleep: clk.Sleep, HTTPClient: &http.Client{Transport: clk}}})
	s, err := eng.RunOnce(context.Background())
	if err != nil || s.State != StateDone {
		t.Fatalf("run %+v %v", s, err)
	}
	reqs := tp.requests()
	for _, r := range reqs {
		if r.Status == http.StatusTooManyRequests {
			t.Errorf("429 at %s on %s", r.T.Sub(start), r.Path)
		}
	}
	times := clk.sends
	if len(times) != len(reqs) {
		t.Fatalf("%d requests sent, %d reached the server", len(times), len(reqs))
	}
	span := times[len(times)-1].Sub(times[0])
	if len(reqs) < 5*rate/2 {
		t.Fatalf("%d requests: too few to test a per-minute budget", len(reqs))
	}
	// One budget: its burst, then rate per minute, for all of them.
	if least := time.Duration(len(reqs)-rate/20) * time.Minute / rate; span < least {
		t.Errorf("%d requests took %s; one budget of %d/min needs at least %s", len(reqs), span, rate, least)
	}
	if n, at := fakeapi.MaxInWindow(times, time.Minute); n > rate {
		t.Errorf("%d requests sent in the 60 s from %s (of %d over %s), budget %d", n, at.Sub(start), len(reqs), span, rate)
	}
	// The issue's own check: the fake API's request log, counted per 60 s.
	logged := fake.Log()
	if len(logged) != len(reqs) {
		t.Fatalf("the fake logged %d requests, %d reached it", len(logged), len(reqs))
	}
	var lt []time.Time
	for _, l := range logged {
		lt = append(lt, l.Time)
	}
	if n, at := fakeapi.MaxInWindow(lt, time.Minute); n > rate {
		t.Errorf("the fake logged %d requests in the 60 s from %s", n, at.Sub(start))
	}
	for _, name := range []string{chatStream, "sessions", "activities", "files", "load-a"} {
		if st := streamState(s, name); st.State != stream.StateDone || st.Requests == 0 {
			t.Errorf("stream %+v: every stream should have sent requests and finished", st)
		}
	}
	if s.RateLimited != 0 {
		t.Errorf("%d rate-limit waits", s.RateLimited)
	}
}
