package compliance

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Budget paces requests under the organisation's per-minute quota. It combines
// a local token bucket (so a fresh client does not burst 600 requests and hit
// 429s) with the server's own view from the anthropic-ratelimit-* headers,
// which also counts other tools using the same organisation.
type Budget struct {
	mu           sync.Mutex
	lim          *rate.Limiter
	now          func() time.Time
	blockedUntil time.Time
}

// NewBudget returns a budget of perMinute requests. One Budget is shared by
// every Client of an organisation (Config.Budget): the API counts one quota
// for all keys and endpoints of the parent organisation.
func NewBudget(perMinute int, now func() time.Time) *Budget {
	return &Budget{lim: rate.NewLimiter(rate.Limit(float64(perMinute)/60), max(1, perMinute/20)), now: now}
}

// reserve takes one request from the budget and returns how long to wait
// before sending it.
func (b *Budget) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	d := b.lim.ReserveN(now, 1).DelayFrom(now)
	if w := b.blockedUntil.Sub(now); w > d {
		d = w
	}
	return d
}

// observe reads the server's remaining quota: when it is spent, hold every
// request until the advertised reset rather than collecting 429s.
func (b *Budget) observe(h http.Header) {
	rem, err := strconv.Atoi(h.Get("anthropic-ratelimit-requests-remaining"))
	if err != nil || rem > 0 {
		return
	}
	reset, err := ParseTime(h.Get("anthropic-ratelimit-requests-reset"))
	if err != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if reset.After(b.now()) && reset.After(b.blockedUntil) {
		b.blockedUntil = reset
	}
}
