package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// blockingStore is the real store whose Search, when armed, waits until
// its context ends or it is released, and reports how it ended. It stands
// in for an expensive query without depending on how fast the machine is.
type blockingStore struct {
	Store
	mu      sync.Mutex
	armed   bool
	entered chan struct{} // a blocked Search has started
	release chan struct{} // closed: blocked Searches return normally
	ended   chan error    // how each blocked Search ended: ctx.Err() or nil
}

func newBlockingStore(s Store) *blockingStore {
	return &blockingStore{Store: s, entered: make(chan struct{}, 16), release: make(chan struct{}), ended: make(chan error, 16)}
}

func (b *blockingStore) arm(on bool) {
	b.mu.Lock()
	b.armed = on
	b.mu.Unlock()
}

func (b *blockingStore) Search(ctx context.Context, req indexer.SearchRequest) (*indexer.SearchResult, error) {
	b.mu.Lock()
	armed := b.armed
	b.mu.Unlock()
	if !armed {
		return b.Store.Search(ctx, req)
	}
	b.entered <- struct{}{}
	select {
	case <-ctx.Done():
		b.ended <- ctx.Err()
		return nil, fmt.Errorf("search: %w", ctx.Err())
	case <-b.release:
		b.ended <- nil
		return b.Store.Search(ctx, req)
	}
}

// wait receives from ch or fails the test after a generous deadline (it
// guards against a hang; the tests do not depend on timing).
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// live sends a request to the server on a real loopback listener.
func (e *testEnv) live(addr string, c *client, method, target string, body any) *http.Response {
	e.t.Helper()
	req := e.request(c, method, target, body)
	req.RequestURI = ""
	req.URL = &url.URL{Scheme: "http", Host: addr, Path: req.URL.Path, RawQuery: req.URL.RawQuery}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, target, err)
	}
	return resp
}

// TestSearchStopsWhenClientLeaves: a search's context is cancelled when
// its client closes the connection (fasthttp has no CloseNotify; the
// server probes the socket). Before, the search ran on after the client
// had gone.
func TestSearchStopsWhenClientLeaves(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the disconnect probe (disconnect_linux.go) is Linux-only")
	}
	var bs *blockingStore
	e := newTestEnv(t, func(c *Config) {
		bs = newBlockingStore(c.Store)
		c.Store = bs
		c.QueryTimeout = time.Hour // only the disconnect may end it
	})
	e.seed()
	addr := serveLoopback(t, e)
	tok := e.tokenFor(e.auditor())
	bs.arm(true)
	for _, path := range []string{"/api/v1/search?q=rotation", "/api/v1/analytics", "/api/v1/export?q=rotation"} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", path, tok.bearer)
		wait(t, bs.entered, path+": search to start")
		conn.Close()
		if err := wait(t, bs.ended, path+": search to end"); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: search ended with %v, want context.Canceled", path, err)
		}
	}
}

// TestLongQueryOutlivesReadTimeout: a search (or an export) running past
// the connection's read deadline is not taken for a gone client. The
// pen-test saw every export longer than 30 s cut and blamed on the client:
// the disconnect probe read through the deadline-bound path.
func TestLongQueryOutlivesReadTimeout(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the disconnect probe (disconnect_linux.go) is Linux-only")
	}
	var bs *blockingStore
	const readTimeout = 100 * time.Millisecond
	e := newTestEnv(t, func(c *Config) {
		bs = newBlockingStore(c.Store)
		c.Store = bs
		c.ReadTimeout = readTimeout
		c.QueryTimeout = time.Hour
	})
	probed := make(chan struct{}, 64)
	afterProbe = func() {
		select {
		case probed <- struct{}{}:
		default:
		}
	}
	t.Cleanup(func() { afterProbe = nil })
	e.seed()
	addr := serveLoopback(t, e)
	tok := e.tokenFor(e.auditor())
	bs.arm(true)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/v1/search?q=rotation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", tok.bearer)
	wait(t, bs.entered, "the search to start")
	// Past the read deadline, the probe must still see a live client.
	deadline := time.Now().Add(readTimeout)
	for n := 0; n < 2; {
		wait(t, probed, "a probe")
		if time.Now().After(deadline) {
			n++
		}
	}
	close(bs.release)
	if err := wait(t, bs.ended, "the search to end"); err != nil {
		t.Fatalf("search ended with %v; the client is still connected", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("answer: %v %v", resp, err)
	}
}

// TestQueryTimeBudget: a search that outlives Config.QueryTimeout is
// stopped and answered 504 with a message saying what to do.
func TestQueryTimeBudget(t *testing.T) {
	var bs *blockingStore
	e := newTestEnv(t, func(c *Config) {
		bs = newBlockingStore(c.Store)
		c.Store = bs
		c.QueryTimeout = 50 * time.Millisecond
	})
	c := e.tokenFor(e.auditor())
	bs.arm(true)
	for _, path := range []string{"/api/v1/search?q=x", "/api/v1/conversations", "/api/v1/analytics", "/api/v1/export"} {
		resp, b := e.do(c, "GET", path, nil)
		if resp.StatusCode != 504 || errorType(t, b) != "timeout" || !strings.Contains(string(b), "narrow it") {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
		if err := wait(t, bs.ended, "search to end"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: search ended with %v", path, err)
		}
	}
}

// TestQueryConcurrencyLimit: beyond Config.QueryConcurrency running
// search-like requests, the next waits QueryWait and is then turned away
// with 503 and Retry-After; other routes are not limited.
func TestQueryConcurrencyLimit(t *testing.T) {
	var bs *blockingStore
	e := newTestEnv(t, func(c *Config) {
		bs = newBlockingStore(c.Store)
		c.Store = bs
		c.QueryConcurrency = 1
		c.QueryWait = 20 * time.Millisecond
	})
	e.seed()
	c := e.tokenFor(e.auditor())
	bs.arm(true)
	first := make(chan int, 1)
	go func() {
		resp, err := e.srv.App().Test(e.request(c, "GET", "/api/v1/search?q=rotation", nil), -1)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	wait(t, bs.entered, "the first search to start")
	bs.arm(false)
	for _, path := range []string{"/api/v1/search?q=plan", "/api/v1/conversations", "/api/v1/export", "/api/v1/stats", "/api/v1/analytics"} {
		resp, b := e.do(c, "GET", path, nil)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(b), "too many searches") {
			t.Errorf("%s while the slot is taken: %d %v %s", path, resp.StatusCode, resp.Header, b)
		}
	}
	if resp, b := e.do(c, "GET", "/api/v1/conversations/conv-1", nil); resp.StatusCode != 200 {
		t.Errorf("a conversation read is not a search: %d %s", resp.StatusCode, b)
	}
	close(bs.release)
	if st := wait(t, first, "the first search to finish"); st != 200 {
		t.Errorf("first search: %d", st)
	}
	if resp, b := e.do(c, "GET", "/api/v1/search?q=plan", nil); resp.StatusCode != 200 {
		t.Errorf("after the slot is free: %d %s", resp.StatusCode, b)
	}
	if n := e.srv.queries.inUse(); n != 0 {
		t.Errorf("%d slots still taken", n)
	}
}

// TestExpensiveQueriesRefused: the query cost bounds reach the HTTP caller
// as a 400 naming the term. One /.{500}/ used to cost most of a second of
// CPU, and twenty in one query 18 s.
func TestExpensiveQueriesRefused(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	c := e.tokenFor(e.auditor())
	manyUsers := strings.TrimSuffix(strings.Repeat("u,", maxFilterValues+1), ",")
	for _, tc := range []struct{ query, want string }{
		{"q=" + url.QueryEscape("/.{500}/"), "/.{500}/"},
		{"q=" + url.QueryEscape(strings.Repeat("/.{20}/ ", 20)), "at most 5"},
		{"q=" + url.QueryEscape("rotation~4"), "fuzziness"},
		{"user=" + manyUsers, `parameter \"user\": more than 100 values`},
	} {
		for _, path := range []string{"/api/v1/search", "/api/v1/conversations", "/api/v1/export"} {
			resp, b := e.do(c, "GET", path+"?"+tc.query, nil)
			if resp.StatusCode != 400 || !strings.Contains(string(b), tc.want) {
				t.Errorf("%s?%.40s: %d %s", path, tc.query, resp.StatusCode, b)
			}
		}
	}
}

func TestGate(t *testing.T) {
	l := newGate(2, 1, time.Millisecond)
	ctx := context.Background()
	r1, err := l.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := l.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.acquire(ctx); !errors.Is(err, errBusy) {
		t.Errorf("third acquire: %v, want errBusy", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.acquireCtx(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("acquireCtx on a cancelled context: %v", err)
	}
	r1()
	r1() // a second release must not free another caller's slot
	if l.inUse() != 1 {
		t.Errorf("in use after release: %d, want 1", l.inUse())
	}
	r3, err := l.acquire(ctx)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	r2()
	r3()
	if l.inUse() != 0 {
		t.Errorf("in use at the end: %d", l.inUse())
	}

	// A full queue turns callers away at once, however long they could wait.
	g := newGate(1, 1, time.Hour)
	held, err := g.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiter := make(chan error, 1)
	go func() {
		release, err := g.acquire(ctx)
		if err == nil {
			release()
		}
		waiter <- err
	}()
	for len(g.queue) == 0 { // the waiter has taken the one place
		runtime.Gosched()
	}
	if _, err := g.acquire(ctx); !errors.Is(err, errBusy) {
		t.Errorf("acquire with the queue full: %v, want errBusy", err)
	}
	held()
	if err := <-waiter; err != nil {
		t.Errorf("the queued caller: %v, want a slot once it freed", err)
	}
}

// TestShutdownCancelsRunningSearch: a search running at shutdown is
// cancelled and answered, so the shutdown does not wait out its budget (the
// pen-test's SIGTERM waited 11 to 40 s and exited 1 with searches running).
func TestShutdownCancelsRunningSearch(t *testing.T) {
	var bs *blockingStore
	e := newTestEnv(t, func(c *Config) {
		bs = newBlockingStore(c.Store)
		c.Store = bs
		c.QueryTimeout = time.Hour // only the shutdown may end it
	})
	addr := serveLoopback(t, e)
	c := e.tokenFor(e.auditor())
	bs.arm(true)
	answered := make(chan int, 1)
	go func() {
		req := e.request(c, "GET", "/api/v1/search?q=x", nil)
		req.RequestURI = ""
		req.URL = &url.URL{Scheme: "http", Host: addr, Path: req.URL.Path, RawQuery: req.URL.RawQuery}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	wait(t, bs.entered, "the search to start")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a search running: %v", err)
	}
	if err := wait(t, bs.ended, "the search to end"); !errors.Is(err, context.Canceled) {
		t.Errorf("search ended with %v, want context.Canceled", err)
	}
	if status := wait(t, answered, "the answer"); status != 503 {
		t.Errorf("the search was answered %d, want 503 (shutting down)", status)
	}
}
