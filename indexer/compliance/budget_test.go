package compliance

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

// vclock is a virtual clock: a sleeper blocks until the clock reaches its
// deadline, and the clock jumps to the earliest deadline once every
// participant is asleep, so minutes of waiting cost nothing and the order of
// wake-ups is the real one.
type vclock struct {
	mu       sync.Mutex
	now      time.Time
	active   int // participants not asleep
	sleepers []*sleeper
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

func newVClock(start time.Time, participants int) *vclock {
	return &vclock{now: start, active: participants}
}

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *vclock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.active--
	c.advanceLocked()
	c.mu.Unlock()
	<-s.wake
	return ctx.Err()
}

// Done removes a participant that finished.
func (c *vclock) Done() {
	c.mu.Lock()
	c.active--
	c.advanceLocked()
	c.mu.Unlock()
}

func (c *vclock) advanceLocked() {
	if c.active > 0 || len(c.sleepers) == 0 {
		return
	}
	sort.Slice(c.sleepers, func(i, j int) bool { return c.sleepers[i].until.Before(c.sleepers[j].until) })
	next := c.sleepers[0].until
	if next.After(c.now) {
		c.now = next
	}
	for len(c.sleepers) > 0 && !c.sleepers[0].until.After(c.now) {
		close(c.sleepers[0].wake)
		c.sleepers = c.sleepers[1:]
		c.active++
	}
}

// TestBudgetNeverExceedsPerMinute: many goroutines sharing one Budget never
// send more than N requests in any 60 s window, even though the token
// bucket alone would allow N plus its burst.
func TestBudgetNeverExceedsPerMinute(t *testing.T) {
	for _, n := range []int{20, 120, 600} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			const workers, each = 16, 100
			clk := newVClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), workers)
			b := NewBudget(n, clk.Now)
			wait := func(ctx context.Context, _ string, d time.Duration) error { return clk.Sleep(ctx, d) }
			var mu sync.Mutex
			var sends []time.Time
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer clk.Done()
					for i := 0; i < each; i++ {
						if err := b.acquire(context.Background(), FamilyChats, wait, time.Time{}); err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						sends = append(sends, clk.Now())
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(sends) != workers*each {
				t.Fatalf("%d sends, want %d", len(sends), workers*each)
			}
			if got, _ := fakeapi.MaxInWindow(sends, time.Minute); got > n {
				t.Errorf("%d requests in one 60 s window, budget %d", got, n)
			}
			// Not starved either: the whole run takes about as long as the
			// budget allows.
			span := sends[len(sends)-1].Sub(sends[0])
			if want := time.Duration(float64(len(sends)) / float64(n) * float64(time.Minute)); span > want+time.Minute {
				t.Errorf("%d sends took %v at %d/min, want about %v", len(sends), span, n, want)
			}
		})
	}
}

// TestBudgetWindowBeatsBucketBurst pins why the log exists: after a quiet
// spell the bucket is full, and without the log the N-th and the burst
// would both fit in one minute.
func TestBudgetWindowBeatsBucketBurst(t *testing.T) {
	clk := newVClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), 1)
	b := NewBudget(60, clk.Now) // 1/s, burst 3
	wait := func(ctx context.Context, _ string, d time.Duration) error { return clk.Sleep(ctx, d) }
	var sends []time.Time
	for i := 0; i < 200; i++ {
		if i == 100 {
			_ = clk.Sleep(context.Background(), 10*time.Second) // refill the bucket
		}
		if err := b.acquire(context.Background(), FamilyChats, wait, time.Time{}); err != nil {
			t.Fatal(err)
		}
		sends = append(sends, clk.Now())
	}
	if got, _ := fakeapi.MaxInWindow(sends, time.Minute); got > 60 {
		t.Errorf("%d requests in one 60 s window, budget 60", got)
	}
}

// rlServer answers 429 on chosen paths a given number of times.
type rlServer struct {
	mu       sync.Mutex
	failures map[string]int
	headers  map[string]http.Header
}

func (s *rlServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := s.failures[r.URL.Path]
	if n > 0 {
		s.failures[r.URL.Path] = n - 1
	}
	s.mu.Unlock()
	w.Header().Set("request-id", "req_"+r.URL.Path)
	if n > 0 {
		for k, v := range s.headers[r.URL.Path] {
			w.Header()[k] = v
		}
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited."}}`))
		return
	}
	_, _ = w.Write([]byte(`{"ok":true}`))
}

// twoStreams runs a "blocked" call and, once its 429 has been answered, an
// "other" call on another family; it returns when each other call was sent.
func twoStreams(t *testing.T, srv *rlServer, blockedPath, blockedFamily string) (clk *vclock, otherAt, blockedAt time.Time) {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	clk = newVClock(start, 2)
	budget := NewBudget(600, clk.Now)
	first429 := make(chan struct{})
	var once sync.Once
	mk := func() *Client {
		c, err := New(Config{BaseURL: hs.URL, Key: testKey, Budget: budget, Now: clk.Now, Sleep: clk.Sleep,
			Logger: slog.New(slog.DiscardHandler),
			// Called once the 429 has been booked in the budget.
			OnWait: func(reason string, _ time.Duration) {
				if reason == WaitRateLimit || reason == WaitFamily {
					once.Do(func() { close(first429) })
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	blocked, other := mk(), mk()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer clk.Done()
		var out map[string]any
		if err := blocked.GetJSON(context.Background(), blockedPath, nil, &out, CallOpts{Family: blockedFamily}); err != nil {
			t.Error(err)
		}
		blockedAt = clk.Now()
	}()
	go func() {
		defer wg.Done()
		defer clk.Done()
		// The other stream starts only after the 429; it is "awake" the whole
		// time, so the clock cannot move past its send.
		<-first429
		var out map[string]any
		if err := other.GetJSON(context.Background(), "/v1/compliance/apps/chats", nil, &out, CallOpts{Family: FamilyChats}); err != nil {
			t.Error(err)
		}
		otherAt = clk.Now()
	}()
	wg.Wait()
	return clk, otherAt, blockedAt
}

// TestRetryAfterBlocksAllStreams: a 429 with retry-after on a shared
// endpoint holds every stream of the Budget, not just the one that got it.
func TestRetryAfterBlocksAllStreams(t *testing.T) {
	path := "/v1/compliance/apps/sessions/local"
	srv := &rlServer{failures: map[string]int{path: 1}, headers: map[string]http.Header{path: {"Retry-After": {"25"}}}}
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	_, otherAt, blockedAt := twoStreams(t, srv, path, "sessions/local")
	if got := otherAt.Sub(start); got < 25*time.Second {
		t.Errorf("other stream sent %v after the 429's retry-after 25s began; want it held too", got)
	}
	if got := blockedAt.Sub(start); got < 25*time.Second || got > 27*time.Second {
		t.Errorf("rate-limited stream retried after %v, want 25s", got)
	}
}

// TestRemote429BacksOffFamilyOnly: the remote-session family's own 429
// ("retry-after: 1", shared quota left) backs off that family, 1 s doubling,
// while other streams go on at once.
func TestRemote429BacksOffFamilyOnly(t *testing.T) {
	path := "/v1/compliance/apps/sessions/remote"
	srv := &rlServer{failures: map[string]int{path: 4}, headers: map[string]http.Header{path: {
		"Retry-After": {"1"}, "Anthropic-Ratelimit-Requests-Remaining": {"512"}}}}
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	_, otherAt, blockedAt := twoStreams(t, srv, path, FamilyRemoteSessions)
	if got := otherAt.Sub(start); got > time.Second {
		t.Errorf("chats waited %v behind the remote family's 429", got)
	}
	// 1 + 2 + 4 + 8 s of family backoff before the fifth attempt succeeds.
	if got := blockedAt.Sub(start); got < 15*time.Second || got > 17*time.Second {
		t.Errorf("remote family retried after %v, want 15s (1s doubling)", got)
	}
}

// TestRemote429OfSharedQuotaBlocksAll: a remote-session 429 that says the
// shared quota is spent (remaining 0) is the shared kind.
func TestRemote429OfSharedQuotaBlocksAll(t *testing.T) {
	path := "/v1/compliance/apps/sessions/remote"
	srv := &rlServer{failures: map[string]int{path: 1}, headers: map[string]http.Header{path: {
		"Retry-After": {"20"}, "Anthropic-Ratelimit-Requests-Remaining": {"0"}}}}
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	_, otherAt, _ := twoStreams(t, srv, path, FamilyRemoteSessions)
	if got := otherAt.Sub(start); got < 20*time.Second {
		t.Errorf("chats went on after %v while the shared quota was spent", got)
	}
}

// TestBudgetShareCapsRate: a share paces itself to its fraction while still
// spending from the parent.
func TestBudgetShareCapsRate(t *testing.T) {
	clk := newVClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), 1)
	parent := NewBudget(600, clk.Now)
	share := parent.Share(0.25)
	wait := func(ctx context.Context, _ string, d time.Duration) error { return clk.Sleep(ctx, d) }
	var sends []time.Time
	for i := 0; i < 450; i++ {
		if err := share.acquire(context.Background(), "files", wait, time.Time{}); err != nil {
			t.Fatal(err)
		}
		sends = append(sends, clk.Now())
	}
	if got, _ := fakeapi.MaxInWindow(sends, time.Minute); got > 151 {
		t.Errorf("share sent %d in a minute, want ≤ 150 (25%% of 600) + 1", got)
	}
	parent.mu.Lock()
	inWindow := len(parent.sent)
	parent.mu.Unlock()
	if inWindow == 0 {
		t.Error("share did not spend from its parent")
	}
}

// TestBudgetSpreadsLowRemaining: with little of the shared quota left
// (another tool is using it), requests are spread until the reset rather
// than spent at once and answered with 429s.
func TestBudgetSpreadsLowRemaining(t *testing.T) {
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	clk := newVClock(start, 1)
	b := NewBudget(600, clk.Now) // slack 30
	wait := func(ctx context.Context, _ string, d time.Duration) error { return clk.Sleep(ctx, d) }
	reset := start.Add(40 * time.Second)
	var sends []time.Time
	for rem := 4; rem >= 0; rem-- {
		if err := b.acquire(context.Background(), FamilyChats, wait, time.Time{}); err != nil {
			t.Fatal(err)
		}
		sends = append(sends, clk.Now())
		b.observe(http.Header{"Anthropic-Ratelimit-Requests-Remaining": {strconv.Itoa(rem)},
			"Anthropic-Ratelimit-Requests-Reset": {reset.Format(time.RFC3339)}})
	}
	if err := b.acquire(context.Background(), FamilyChats, wait, time.Time{}); err != nil {
		t.Fatal(err)
	}
	sends = append(sends, clk.Now())
	if sends[4].Sub(start) < 20*time.Second {
		t.Errorf("last 4 requests of the quota spent within %v of 40 s", sends[4].Sub(start))
	}
	if got := sends[5]; got.Before(reset) {
		t.Errorf("request after the quota was spent sent at %v, before the reset %v", got.Sub(start), reset.Sub(start))
	}
	// Plenty left: no spreading.
	b2 := NewBudget(600, clk.Now)
	b2.observe(http.Header{"Anthropic-Ratelimit-Requests-Remaining": {"500"}, "Anthropic-Ratelimit-Requests-Reset": {reset.Format(time.RFC3339)}})
	if until, _ := b2.BlockedUntil(); !until.IsZero() {
		t.Errorf("blocked until %v with 500 left", until)
	}
}
