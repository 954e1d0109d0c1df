package fakeapi

import (
	"net"
	"net/http"
	"slices"
	"time"
)

// Logged is one request the server answered, for the Activity Feed's
// compliance_api_accessed events and for tests that count requests per
// minute.
type Logged struct {
	Time      time.Time // Options.Now when the answer was written
	KeyID     string    // "" when no accepted key was sent (404 Not found, 401)
	Method    string
	Path      string
	Query     string // raw, as sent
	Status    int
	RequestID string // the request-id response header
	RemoteIP  string // the key's KeySpec.IP if set, else the peer's address
	UserAgent string
}

// DefaultLogCapacity bounds the request log: at about 350 bytes an entry it
// holds ~70 MB at most, five and a half hours at the documented 600/min.
// Older entries are dropped first (and vanish from the fake's feed, which
// the real one keeps for six years).
const DefaultLogCapacity = 200_000

// requestLog is a ring of the last cap entries.
type requestLog struct {
	buf   []Logged
	start int // index of the oldest entry once the ring is full
	cap   int
}

func (l *requestLog) add(e Logged) {
	if len(l.buf) < l.cap {
		l.buf = append(l.buf, e)
		return
	}
	l.buf[l.start] = e
	l.start = (l.start + 1) % l.cap
}

// each calls f on every entry, oldest first, until f returns false.
func (l *requestLog) each(f func(*Logged) bool) {
	for i := range l.buf {
		if !f(&l.buf[(l.start+i)%len(l.buf)]) {
			return
		}
	}
}

// Log returns every request logged so far (at most Options.LogCapacity, the
// newest), oldest first.
func (s *Server) Log() []Logged {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Logged, 0, len(s.logged.buf))
	s.logged.each(func(e *Logged) bool { out = append(out, *e); return true })
	return out
}

// accessLog returns the logged requests answered in [from, to) with an
// accepted key, oldest first: the Activity Feed's compliance_api_accessed
// rows (a request without an organisation's key is in no organisation's
// feed). A zero to means no upper bound. The caller holds s.mu, as every
// handler does.
func (s *Server) accessLog(from, to time.Time) []Logged {
	var out []Logged
	s.logged.each(func(e *Logged) bool {
		if e.KeyID != "" && !e.Time.Before(from) && (to.IsZero() || e.Time.Before(to)) {
			out = append(out, *e)
		}
		return true
	})
	return out
}

// MaxPerWindow is the largest number of entries whose times fall within any
// window of length d (half-open: [t, t+d)); entries must be oldest first.
// Tests use it to prove a client never exceeded a per-minute budget.
func MaxPerWindow(entries []Logged, d time.Duration) int {
	times := make([]time.Time, len(entries))
	for i, e := range entries {
		times[i] = e.Time
	}
	n, _ := MaxInWindow(times, d)
	return n
}

// MaxInWindow is the largest number of times within any window of length d
// (half-open: [t, t+d)) and where that window starts; times need not be
// sorted. Tests of clients count their own send times with it.
func MaxInWindow(times []time.Time, d time.Duration) (int, time.Time) {
	if d <= 0 {
		return 0, time.Time{}
	}
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	best, at, lo := 0, time.Time{}, 0
	for hi := range ts {
		for !ts[hi].Before(ts[lo].Add(d)) {
			lo++
		}
		if hi-lo+1 > best {
			best, at = hi-lo+1, ts[lo]
		}
	}
	return best, at
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (file content) flush through the wrapper.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// record logs one answered request; the caller holds s.mu.
func (s *Server) record(rec *statusRecorder, r *http.Request, key *KeySpec) {
	e := Logged{Time: s.opts.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Status: rec.status, RequestID: rec.Header().Get("request-id"), UserAgent: r.UserAgent()}
	if e.Status == 0 {
		e.Status = http.StatusOK
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		e.RemoteIP = host
	} else {
		e.RemoteIP = r.RemoteAddr
	}
	if key != nil {
		e.KeyID = key.ID
		if key.IP != "" {
			e.RemoteIP = key.IP
		}
	}
	s.logged.add(e)
}
