package api

import (
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// maxWindowKeys bounds the keys a windowCounter tracks at once. Keys are
// accounts or client addresses; callers beyond it share one overflow key.
// For the audit throttle this is also the bound on entries per action and
// window that any number of addresses can cause (per-address throttling
// alone would not bound an attacker with a whole IPv6 prefix).
const maxWindowKeys = 1000

// overflowKey is where events of new keys go while the table is full.
const overflowKey = "\x00overflow"

// windowCounter counts events per key in fixed windows that start with a
// key's first event.
type windowCounter struct {
	mu      sync.Mutex
	window  time.Duration
	maxKeys int
	now     func() time.Time
	keys    map[string]*windowCount
}

type windowCount struct {
	start   time.Time
	n       int // events in the window that began at start
	prev    int // events in the key's window before that
	pending int // failureLimiter: attempts in flight, whatever the window
}

func newWindowCounter(window time.Duration, now func() time.Time) *windowCounter {
	return &windowCounter{window: window, maxKeys: maxWindowKeys, now: now, keys: map[string]*windowCount{}}
}

// maxLoginKeys bounds the client addresses the login limiter tracks (about
// 100 bytes each). It is far above maxWindowKeys because addresses beyond
// it share one overflow key: a table small enough to fill would let an
// attacker with many addresses lock out every new one.
const maxLoginKeys = 1 << 16

// current returns key's count, moved on to a new window if its last one
// has ended. Call with mu held.
func (w *windowCounter) current(key string) *windowCount {
	now := w.now()
	wc, ok := w.keys[key]
	if !ok {
		if len(w.keys) >= w.maxKeys {
			w.prune(now)
		}
		if len(w.keys) >= w.maxKeys && key != overflowKey {
			return w.current(overflowKey)
		}
		wc = &windowCount{start: now}
		w.keys[key] = wc
	}
	if !now.Before(wc.start.Add(w.window)) {
		if wc.n > 0 {
			wc.prev = wc.n
		}
		wc.start, wc.n = now, 0
	}
	return wc
}

// prune drops keys whose window has ended. Their count of left-out audit
// entries is lost with them; only a full table (an attack from thousands of
// addresses) prunes.
func (w *windowCounter) prune(now time.Time) {
	for k, wc := range w.keys {
		if !now.Before(wc.start.Add(w.window)) && wc.pending == 0 {
			delete(w.keys, k)
		}
	}
}

// failureLimiter refuses a key after max failures in a window: wrong
// passwords per client address at login, wrong current passwords per
// account. An attempt is reserved before it runs, so concurrent attempts
// cannot overshoot the limit while their checks are in flight, and settled
// when it ends: only a failure stays counted. Attempts refused for any
// other reason (busy, malformed, rate limited) never count, so nobody is
// locked out without a wrong password (Fiber's limiter counted every
// answer of 400 or more: a burst of correct logins locked an office's
// address out for 15 minutes).
type failureLimiter struct {
	w   *windowCounter
	max int
}

// reserve takes an attempt for key, or reports how long until it may try
// again: the rest of the window after max failures, a second while max
// attempts are merely in flight.
func (l *failureLimiter) reserve(key string) (retryAfter time.Duration, ok bool) {
	l.w.mu.Lock()
	defer l.w.mu.Unlock()
	wc := l.w.current(key)
	switch {
	case wc.n >= l.max:
		return wc.start.Add(l.w.window).Sub(l.w.now()), false
	case wc.n+wc.pending >= l.max:
		return time.Second, false
	}
	wc.pending++
	return 0, true
}

// settle ends a reserved attempt; a failure stays counted.
func (l *failureLimiter) settle(key string, failed bool) {
	l.w.mu.Lock()
	defer l.w.mu.Unlock()
	wc := l.w.current(key)
	if wc.pending > 0 {
		wc.pending--
	}
	if failed {
		wc.n++
	}
}

// auditThrottle bounds the audit entries that callers can cause without
// being allowed to do anything (blocked logins and password changes,
// refused requests): one entry per key per window.
type auditThrottle struct{ w *windowCounter }

// allow reports whether an entry for key may be written now and, if so,
// how many entries for key were left out since the last one written.
func (t *auditThrottle) allow(key string) (ok bool, suppressed int) {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	wc := t.w.current(key)
	wc.n++
	if wc.n > 1 {
		return false, 0
	}
	if wc.prev > 0 {
		suppressed, wc.prev = wc.prev-1, 0
	}
	return true, suppressed
}

// auditThrottled records an entry through the throttle under key. The
// request it describes is being refused anyway, so a failure to record is
// logged rather than turned into a 500.
func (s *Server) auditThrottled(c *fiber.Ctx, p *principal, action, key, target string, detail map[string]string) {
	ok, suppressed := s.throttle.allow(action + " " + key)
	if !ok {
		return
	}
	if suppressed > 0 {
		if detail == nil {
			detail = map[string]string{}
		}
		detail["suppressed_before"] = strconv.Itoa(suppressed)
	}
	if err := s.audit.record(c, p, action, target, detail); err != nil {
		s.log.Error("audit entry lost", "action", action, "err", err)
	}
}
