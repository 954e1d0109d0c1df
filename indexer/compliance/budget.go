package compliance

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// FamilyRemoteSessions is the endpoint family with a second, unpublished
// budget of its own (reference §7): its 429 says "retry-after: 1" and backs
// off only that family.
const FamilyRemoteSessions = "sessions/remote"

// window is the span the API's quota counts requests over.
const window = time.Minute

// Budget paces requests under the organisation's per-minute quota. The API
// counts one quota for every key and endpoint of the parent organisation, so
// one Budget is shared by every Client of a sync run (Config.Budget).
//
// Two local limits work together: a token bucket spreads requests out (a
// fresh run does not burst and collect 429s), and a log of the last N send
// times makes "never more than N in any 60 s window" exact, which the bucket
// alone is not (it allows N plus its burst). On top, the server's own view
// (anthropic-ratelimit-* headers, 429s) holds every stream when the quota is
// spent, since other tools may share it.
type Budget struct {
	mu        sync.Mutex
	now       func() time.Time
	perMinute int
	lim       *rate.Limiter
	// sent holds the send times of the last 60 s, oldest first (at most
	// perMinute of them), so memory follows the traffic, not the budget.
	sent []time.Time
	// blockedUntil holds every request: the server said the quota is spent.
	blockedUntil time.Time
	blockReason  string
	families     map[string]*familyBackoff
	// parent is set on a share (Share): its requests spend the parent's
	// budget too, after the share's own, smaller pacing.
	parent *Budget
}

type familyBackoff struct {
	until time.Time
	delay time.Duration
}

// NewBudget returns a budget of perMinute requests; now is its clock
// (time.Now when nil).
func NewBudget(perMinute int, now func() time.Time) *Budget {
	if perMinute <= 0 {
		perMinute = 600
	}
	if now == nil {
		now = time.Now
	}
	return &Budget{now: now, perMinute: perMinute,
		lim:      rate.NewLimiter(rate.Limit(float64(perMinute)/60), max(1, perMinute/20)),
		families: map[string]*familyBackoff{}}
}

// PerMinute is the budget's size.
func (b *Budget) PerMinute() int { return b.perMinute }

// Share returns a budget that spends from b but paces itself to fraction of
// b's rate, so a bulk stream (file contents) never starves the others.
func (b *Budget) Share(fraction float64) *Budget {
	n := max(1, int(float64(b.perMinute)*fraction))
	return &Budget{now: b.now, perMinute: n,
		lim:      rate.NewLimiter(rate.Limit(float64(n)/60), 1),
		families: map[string]*familyBackoff{}, parent: b}
}

// Wait is what the Budget waits on: it reports the reason and sleeps d.
type Wait func(ctx context.Context, reason string, d time.Duration) error

// Wait reasons passed to a Wait.
const (
	WaitBudget    = "budget"     // local pacing or the 60 s window
	WaitRateLimit = "rate_limit" // the server said the quota is spent (header or 429)
	WaitFamily    = "family"     // the remote-session family backs off alone
)

// acquire waits until a request of family may be sent and records it as
// sent. Every attempt, retries included, goes through here. waited is the
// end of a wait the caller already made (after a 429): a block ending then
// is not waited for twice, which also keeps a clock that does not move
// during sleeps (tests) from spinning.
func (b *Budget) acquire(ctx context.Context, family string, wait Wait, waited time.Time) error {
	if err := b.pace(ctx, wait); err != nil {
		return err
	}
	if b.parent != nil {
		return b.parent.acquire(ctx, family, wait, waited)
	}
	for {
		b.mu.Lock()
		now := b.now()
		d, reason := b.gate(now, family)
		target := now.Add(d)
		if d <= 0 || !target.After(waited) {
			b.sent = append(b.sent, now)
			b.mu.Unlock()
			return ctx.Err()
		}
		waited = target
		b.mu.Unlock()
		if err := wait(ctx, reason, d); err != nil {
			return err
		}
	}
}

// pace takes a token from the bucket, waiting for it. Reservations are FIFO,
// so no caller is overtaken indefinitely.
func (b *Budget) pace(ctx context.Context, wait Wait) error {
	b.mu.Lock()
	now := b.now()
	d := b.lim.ReserveN(now, 1).DelayFrom(now)
	b.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	return wait(ctx, WaitBudget, d)
}

// gate says how long a send at now must still wait, and why. The log check
// is made at the moment of sending, so it holds for the times requests
// actually leave, not the times they were scheduled for.
func (b *Budget) gate(now time.Time, family string) (time.Duration, string) {
	var d time.Duration
	reason := WaitBudget
	drop := 0
	for drop < len(b.sent) && now.Sub(b.sent[drop]) >= window {
		drop++
	}
	if drop > 0 {
		b.sent = append(b.sent[:0], b.sent[drop:]...)
	}
	// The perMinute-th most recent send must have left the window.
	if n := len(b.sent); n >= b.perMinute {
		d = b.sent[n-b.perMinute].Add(window).Sub(now)
	}
	if w := b.blockedUntil.Sub(now); w > d {
		d, reason = w, b.blockReason
	}
	if f := b.families[family]; f != nil {
		if w := f.until.Sub(now); w > d {
			d, reason = w, WaitFamily
		}
	}
	return d, reason
}

// observe reads the server's remaining quota. When it is spent, every
// request waits for the advertised reset rather than collecting 429s; when
// little is left (other tools share the quota), the rest is spread evenly
// until the reset instead of being spent in a burst.
func (b *Budget) observe(h http.Header) {
	if b.parent != nil {
		b.parent.observe(h)
		return
	}
	rem, err := strconv.Atoi(h.Get("anthropic-ratelimit-requests-remaining"))
	if err != nil || rem < 0 || rem >= b.slack() {
		return
	}
	reset, err := ParseTime(h.Get("anthropic-ratelimit-requests-reset"))
	if err != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if rem == 0 {
		b.blockLocked(reset, WaitBudget)
		return
	}
	if left := reset.Sub(now); left > 0 {
		b.blockLocked(now.Add(left/time.Duration(rem+1)), WaitBudget)
	}
}

// slack is the remaining quota under which requests are spread out.
func (b *Budget) slack() int { return max(1, b.perMinute/20) }

// rateLimited handles a 429 on family. A 429 of the shared quota blocks
// every stream until retry-after (or the backoff the caller computed); the
// remote-session family's own 429 ("retry-after: 1" while the shared quota
// has requests left) backs off that family alone, 1 s doubling to 60 s.
// It returns how long the caller should wait before its retry, and why.
func (b *Budget) rateLimited(family string, h http.Header, fallback time.Duration) (time.Duration, string) {
	if b.parent != nil {
		return b.parent.rateLimited(family, h, fallback)
	}
	d, hasRetryAfter := retryAfter(h)
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if family == FamilyRemoteSessions && !sharedQuotaSpent(h, d, hasRetryAfter) {
		f := b.families[family]
		if f == nil {
			f = &familyBackoff{}
			b.families[family] = f
		}
		f.delay = min(max(2*f.delay, time.Second), window)
		f.until = now.Add(f.delay)
		return f.delay, WaitFamily
	}
	if !hasRetryAfter {
		d = fallback
	}
	b.blockLocked(now.Add(d), WaitRateLimit)
	return d, WaitRateLimit
}

// sharedQuotaSpent tells a remote-session 429 caused by the shared quota
// (remaining 0, or a retry-after longer than the family's fixed 1 s) from
// the family's own.
func sharedQuotaSpent(h http.Header, d time.Duration, hasRetryAfter bool) bool {
	if rem, err := strconv.Atoi(h.Get("anthropic-ratelimit-requests-remaining")); err == nil && rem == 0 {
		return true
	}
	return hasRetryAfter && d > time.Second
}

// succeeded resets family's backoff after a response that was not a 429.
func (b *Budget) succeeded(family string) {
	if b.parent != nil {
		b.parent.succeeded(family)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.families[family]; f != nil {
		f.delay = 0
	}
}

func (b *Budget) blockLocked(until time.Time, reason string) {
	if until.After(b.now()) && until.After(b.blockedUntil) {
		b.blockedUntil, b.blockReason = until, reason
	}
}

// BlockedUntil is when every stream may send again after the server said
// the quota is spent (reason WaitBudget: headers said 0 remain;
// WaitRateLimit: a 429); zero when nothing is blocked. The engine shows it
// as "waiting until T".
func (b *Budget) BlockedUntil() (time.Time, string) {
	if b.parent != nil {
		return b.parent.BlockedUntil()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.blockedUntil.After(b.now()) {
		return time.Time{}, ""
	}
	return b.blockedUntil, b.blockReason
}

// FamilyBlockedUntil is when family may send again after its own 429s, or
// the whole budget's block if later; zero when it may send now.
func (b *Budget) FamilyBlockedUntil(family string) time.Time {
	if b.parent != nil {
		return b.parent.FamilyBlockedUntil(family)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	t := b.blockedUntil
	if f := b.families[family]; f != nil && f.until.After(t) {
		t = f.until
	}
	if !t.After(now) {
		return time.Time{}
	}
	return t
}
