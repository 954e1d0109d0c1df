package fakeapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// DefaultRemoteRequestsPerMinute sizes the remote-session endpoints' second
// budget. The reference (§7) says it exists but not how big it is; half the
// shared default is a guess that a careful client stays under anyway.
const DefaultRemoteRequestsPerMinute = 300

// budget is a fixed-minute request counter, the simplest reading of "N
// requests per minute" that still produces reset times on minute borders.
type budget struct {
	window time.Time
	used   int
}

// take counts one request at now and reports whether it fits in limit, with
// the end of the current minute.
func (b *budget) take(now time.Time, limit int) (ok bool, reset time.Time) {
	if now.Sub(b.window) >= time.Minute || now.Before(b.window) {
		b.window, b.used = now.Truncate(time.Minute), 0
	}
	b.used++
	return b.used <= limit, b.window.Add(time.Minute)
}

// spend takes one request from the organisation's per-minute quota, which
// every key shares, sets the rate-limit headers, and answers 429 when the
// quota is spent.
func (s *Server) spend(w http.ResponseWriter) bool {
	now := s.opts.Now()
	ok, reset := s.shared.take(now, s.opts.RequestsPerMinute)
	h := w.Header()
	h.Set("anthropic-ratelimit-requests-limit", strconv.Itoa(s.opts.RequestsPerMinute))
	h.Set("anthropic-ratelimit-requests-remaining", strconv.Itoa(max(0, s.opts.RequestsPerMinute-s.shared.used)))
	h.Set("anthropic-ratelimit-requests-reset", reset.UTC().Format(time.RFC3339))
	if ok {
		return true
	}
	h.Set("retry-after", strconv.Itoa(int(math.Ceil(reset.Sub(now).Seconds()))+1))
	s.fail(w, http.StatusTooManyRequests, "rate_limit_error", fmt.Sprintf(msgRateLimit, s.opts.RequestsPerMinute))
	return false
}

// spendRemote takes one request from the remote-session endpoints' second
// budget (reference §7), after the shared one; false when it answered 429.
// That 429 always says retry-after: 1 (a minimum wait, not the reset), and
// the rate-limit headers already set by spend keep describing the shared
// budget, which may well have requests left. Remote-session handlers call it
// before any other work.
func (s *Server) spendRemote(w http.ResponseWriter) bool {
	if ok, _ := s.remote.take(s.opts.Now(), s.opts.RemoteRequestsPerMinute); ok {
		return true
	}
	w.Header().Set("retry-after", "1")
	s.fail(w, http.StatusTooManyRequests, "rate_limit_error", msgRemoteRateLimit)
	return false
}
