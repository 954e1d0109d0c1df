package api

import (
	"io"
	"runtime"
	"sync"
	"testing"
	"time"
)

// testClock is a Config.Now that tests move.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type result struct {
	status     int
	retryAfter string
	typ        string
	err        error
}

// goDo sends a request from another goroutine (e.do may not: it calls
// t.Fatal) and delivers the outcome on the returned channel.
func (e *testEnv) goDo(c *client, method, target string, body any) <-chan result {
	req := e.request(c, method, target, body)
	ch := make(chan result, 1)
	go func() {
		resp, err := e.srv.App().Test(req, -1)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- result{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), typ: errorType(e.t, b)}
	}()
	return ch
}

func (e *testEnv) audited(action string) []AuditEntry {
	e.t.Helper()
	entries, _, err := e.srv.audit.latest(auditFilter{Action: action}, maxAuditLimit)
	if err != nil {
		e.t.Fatal(err)
	}
	return entries
}

// Item 5 of issue 12: 100 parallel wrong password changes took the server
// from 108 MiB to 1.4 GiB, each one an argon2 hash of 19 MiB, unaudited.
// Now at most the gate's capacity hash at once, a bounded queue waits, and
// the rest are refused at once with 503 and Retry-After.
func TestArgon2ConcurrencyIsCapped(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.LoginAttempts = 1000 })
	auditor := e.auditor()
	const capacity, queue, attackers = 2, 3, 12
	gate := newGate(capacity, queue, time.Hour)
	holding := make(chan struct{}, attackers)
	release := make(chan struct{})
	gate.entered = func() { holding <- struct{}{}; <-release }
	e.srv.accounts.kdf = gate

	results := make(chan result, attackers)
	for range attackers {
		ch := e.goDo(auditor, "PUT", "/api/v1/auth/password", passwordChange{Current: "wrong-password-000", New: "new-password-12345"})
		go func() { results <- <-ch }()
	}
	for range capacity {
		wait(t, holding, "the gate to fill")
	}
	// Until the holders are released, nobody holding a slot or waiting
	// in the queue can answer: whatever answers now was refused at once.
	for range attackers - capacity - queue {
		if r := wait(t, results, "a refusal"); r.status != 503 || r.typ != "busy" || r.retryAfter == "" {
			t.Errorf("refusal: %+v, want 503 busy with Retry-After", r)
		}
	}
	// Logins go through the same gate.
	login := wait(t, e.goDo(nil, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: adminPW}), "login")
	if login.status != 503 || login.retryAfter == "" {
		t.Errorf("login while the gate is full: %+v, want 503 with Retry-After", login)
	}
	close(release)
	for range capacity + queue {
		if r := wait(t, results, "a queued attempt"); r.status != 403 {
			t.Errorf("queued attempt: %+v, want 403 wrong password", r)
		}
	}
	if peak := gate.maxRunning(); peak > capacity {
		t.Errorf("%d argon2 hashes ran at once, cap %d", peak, capacity)
	}
	// Only attempts that were really checked are audited.
	if n := len(e.audited("account.password.failed")); n != capacity+queue {
		t.Errorf("%d failed password changes audited, want %d", n, capacity+queue)
	}
	// The gate frees up: the login that was refused works now.
	e.admin()
}

// Wrong current passwords are limited per account, even when sent all at
// once, and the blocked ones cost one audit entry per window.
func TestPasswordChangeFailureLimit(t *testing.T) {
	clock := newTestClock()
	e := newTestEnv(t, func(c *Config) { c.LoginAttempts = 3; c.LoginWindow = time.Minute; c.Now = clock.Now })
	auditor := e.auditor()
	wrong := passwordChange{Current: "wrong-password-000", New: "new-password-12345"}
	var results []<-chan result
	for range 12 {
		results = append(results, e.goDo(auditor, "PUT", "/api/v1/auth/password", wrong))
	}
	got := map[int]int{}
	for _, ch := range results {
		r := wait(t, ch, "an attempt")
		got[r.status]++
		if r.status == 429 && (r.typ != "rate_limited" || r.retryAfter == "") {
			t.Errorf("429 %+v, want rate_limited with Retry-After", r)
		}
	}
	if got[403] != 3 || got[429] != 9 {
		t.Errorf("statuses %v, want 3×403 and 9×429", got)
	}
	// Blocked even with the right password, until the window ends.
	right := passwordChange{Current: auditorPW, New: "new-password-12345"}
	if s := e.status(auditor, "PUT", "/api/v1/auth/password", right); s != 429 {
		t.Errorf("right password while blocked: %d, want 429", s)
	}
	// Per account: the admin is not affected.
	if s := e.status(e.admin(), "PUT", "/api/v1/auth/password", wrong); s != 403 {
		t.Errorf("another account: %d, want 403", s)
	}
	failed := 0
	for _, en := range e.audited("account.password.failed") {
		if en.Actor == auditorName {
			failed++
		}
	}
	if limited := e.audited("account.password.rate_limited"); failed != 3 || len(limited) != 1 {
		t.Errorf("audited %d failures and %d blocked entries, want 3 and 1", failed, len(limited))
	}

	clock.Advance(time.Minute)
	for range 3 {
		e.do(auditor, "PUT", "/api/v1/auth/password", wrong)
	}
	e.do(auditor, "PUT", "/api/v1/auth/password", right)
	limited := e.audited("account.password.rate_limited")
	if len(limited) != 2 || limited[0].Detail["suppressed_before"] != "9" {
		t.Errorf("next window's blocked entry: %+v, want one more with suppressed_before=9", limited)
	}
	clock.Advance(time.Minute)
	resp, b := e.do(auditor, "PUT", "/api/v1/auth/password", right)
	if resp.StatusCode != 200 {
		t.Errorf("right password after the window: %d %s", resp.StatusCode, b)
	}
}

// Item 6 of issue 12: every blocked login wrote an audit entry, so anyone
// could grow the trail without limit.
func TestBlockedLoginsAuditedOncePerWindow(t *testing.T) {
	clock := newTestClock()
	e := newTestEnv(t, func(c *Config) { c.LoginAttempts = 2; c.LoginWindow = time.Hour; c.Now = clock.Now })
	wrong := loginRequest{Name: adminName, Password: "wrong-password-000"}
	for range 2 {
		e.do(nil, "POST", "/api/v1/auth/login", wrong)
	}
	for range 30 {
		if s := e.status(nil, "POST", "/api/v1/auth/login", wrong); s != 429 {
			t.Fatalf("blocked login: %d", s)
		}
	}
	if n := len(e.audited("login.rate_limited")); n != 1 {
		t.Fatalf("%d login.rate_limited entries for 30 blocked logins, want 1", n)
	}
	// Both windows have ended: two more wrong passwords, and the next
	// blocked login is recorded with the count left out before it.
	clock.Advance(time.Hour)
	for range 2 {
		if s := e.status(nil, "POST", "/api/v1/auth/login", wrong); s != 401 {
			t.Fatalf("wrong password in a new window: %d", s)
		}
	}
	e.do(nil, "POST", "/api/v1/auth/login", wrong)
	limited := e.audited("login.rate_limited")
	if len(limited) != 2 || limited[0].Detail["suppressed_before"] != "29" {
		t.Errorf("entries %+v, want a second one with suppressed_before=29", limited)
	}
}

// Item 6 of issue 12: refused requests (role too low, CSRF, foreign
// Origin) were not audited. They are now, throttled per caller and reason.
func TestDeniedRequestsAudited(t *testing.T) {
	e := newTestEnv(t)
	auditor := e.auditor()
	admin := e.admin()
	for range 20 {
		e.do(auditor, "GET", "/api/v1/audit", nil)
	}
	e.do(e.tokenFor(auditor), "DELETE", "/api/v1/accounts/"+adminName, nil)
	for range 5 {
		e.do(&client{cookie: admin.cookie}, "POST", "/api/v1/tokens", tokenRequest{Name: "x"})
		e.do(&client{cookie: admin.cookie, csrf: admin.csrf, origin: "https://evil.example"}, "POST", "/api/v1/tokens", tokenRequest{Name: "x"})
		e.do(&client{origin: "https://evil.example"}, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: adminPW})
	}
	type key struct{ actor, reason, method, path string }
	got := map[key]int{}
	for _, en := range e.audited("access.denied") {
		got[key{en.Actor, en.Detail["reason"], en.Detail["method"], en.Detail["path"]}]++
		if en.Actor == "" && en.IP == "" {
			t.Errorf("anonymous denial without an address: %+v", en)
		}
	}
	want := map[key]int{
		{auditorName, "role", "GET", "/api/v1/audit"}:                    1,
		{auditorName, "role", "DELETE", "/api/v1/accounts/" + adminName}: 1, // another route: its own entry
		{adminName, "csrf_token", "POST", "/api/v1/tokens"}:              1,
		{adminName, "origin", "POST", "/api/v1/tokens"}:                  1,
		{"", "origin", "POST", "/api/v1/auth/login"}:                     1,
	}
	if len(got) != len(want) {
		t.Errorf("access.denied entries %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%+v: %d entries, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

func TestWindowCounterBoundsKeys(t *testing.T) {
	clock := newTestClock()
	th := &auditThrottle{w: newWindowCounter(time.Minute, clock.Now)}
	th.w.maxKeys = 3
	allowed := 0
	for i := range 100 {
		if ok, _ := th.allow(string(rune('a' + i%26))); ok {
			allowed++
		}
	}
	// Three keys of their own, then everyone shares the overflow key.
	if allowed != 4 || len(th.w.keys) != 4 {
		t.Errorf("%d entries allowed with %d keys tracked, want 4 and 4", allowed, len(th.w.keys))
	}
	clock.Advance(time.Minute)
	if ok, _ := th.allow("new"); !ok || len(th.w.keys) != 1 {
		t.Errorf("after the window: allowed=%v with %d keys, want a pruned table", ok, len(th.w.keys))
	}
}

// The pen-test's N1: the login limiter counted every answer of 400 or more
// (Fiber's limiter), so a burst of correct logins from one address, or
// logins refused as busy, locked the address out for the whole window
// without a single wrong password. Only wrong passwords count now; attempts
// merely in flight beyond the limit wait a second.
func TestCorrectLoginsNeverLockOut(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.LoginAttempts = 3 })
	right := loginRequest{Name: adminName, Password: adminPW}

	// Busy: nothing tried, nothing counted.
	e.srv.accounts.kdf = newGate(0, 0, time.Hour)
	for range 5 {
		if r := wait(t, e.goDo(nil, "POST", "/api/v1/auth/login", right), "busy login"); r.status != 503 {
			t.Fatalf("login with the gate shut: %+v, want 503", r)
		}
	}
	// A burst of correct logins: beyond the limit in flight, 429 with a
	// Retry-After of a second, and nothing stays counted.
	g := newGate(1, 10, time.Hour)
	holding, release := make(chan struct{}, 10), make(chan struct{})
	g.entered = func() { holding <- struct{}{}; <-release }
	e.srv.accounts.kdf = g
	var burst []<-chan result
	for range 3 {
		burst = append(burst, e.goDo(nil, "POST", "/api/v1/auth/login", right))
	}
	wait(t, holding, "the first login to hold the gate")
	for len(g.queue) < 2 { // the other two wait for the gate, reserved
		runtime.Gosched()
	}
	for range 2 {
		if r := wait(t, e.goDo(nil, "POST", "/api/v1/auth/login", right), "a login beyond the limit"); r.status != 429 || r.retryAfter != "1" {
			t.Errorf("login beyond the limit in flight: %+v, want 429 with Retry-After 1", r)
		}
	}
	close(release)
	for _, ch := range burst {
		if r := wait(t, ch, "a burst login"); r.status != 200 {
			t.Errorf("burst login: %+v, want 200", r)
		}
	}
	e.srv.accounts.kdf = newGate(kdfConcurrency, kdfQueue, kdfMaxWait)
	for range 5 {
		if s := e.status(nil, "POST", "/api/v1/auth/login", right); s != 200 {
			t.Fatalf("correct login after the burst: %d, want 200", s)
		}
	}
	if n := len(e.audited("login.rate_limited")); n != 1 {
		t.Errorf("%d login.rate_limited entries, want 1 (throttled)", n)
	}
}

func TestLimiterKeyGroupsIPv6Slash64(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.7":                "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:0:1": "2001:db8:1:2::/64",
		"::ffff:203.0.113.7":         "::ffff:203.0.113.7",
		"not an address":             "not an address",
	} {
		if got := limiterKey(ip); got != want {
			t.Errorf("limiterKey(%q) = %q, want %q", ip, got, want)
		}
	}
}
