package forward_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// Receiver modes: how the oracle's webhook receiver answers.
const (
	modeOK         = "ok"          // verify, record, 204
	modeFail500    = "500"         // 500 without recording
	modeBadRequest = "400"         // 400: the receiver refuses the request (permanent)
	modeRateLimit  = "429"         // 429 with Retry-After
	modeClose      = "close"       // close the connection mid-request, no answer
	modeHang       = "hang"        // never answer until the mode changes (then 503)
	modeAcceptDrop = "accept-drop" // record the events, then close without answering
	modeRefuse     = "refuse"      // no listener: connection refused
)

// recvEvent is one event of a request the receiver accepted.
type recvEvent struct {
	Event   model.ForwardEvent
	Request int // index of the accepted request it came in
}

// receiver is the oracle's webhook receiver, written from the wire format
// in the brief only: it verifies X-Ccsync-Signature with its own
// HMAC-SHA256 over "<timestamp>.<body>", rejects timestamps more than five
// minutes from its clock, and records every accepted event in order of
// arrival. Requests that break the format are recorded as violations,
// which the tests fail on.
type receiver struct {
	t      testing.TB
	name   string
	secret string
	// clocks the timestamp may be within five minutes of (normally the
	// wall clock; a test on a fake clock adds that one).
	clocks []func() time.Time

	mu         sync.Mutex
	mode       string
	retryAfter string
	release    chan struct{} // closed when the hang mode ends
	addr       string
	srv        *http.Server
	ln         net.Listener

	hits       int                  // every request that reached the handler
	byMode     map[string]int       // requests answered per mode
	accepted   []recvEvent          // events of accepted requests, in arrival order
	bodies     [][]byte             // every body received, whatever the answer
	violations []string             // format violations
	stale      int                  // requests refused for their timestamp
	batchSizes []int                // events per accepted request
	firstSeen  map[string]time.Time // event id → first accepted arrival (wall)
}

func newReceiver(t testing.TB, name, secret string) *receiver {
	t.Helper()
	r := &receiver{t: t, name: name, secret: secret, mode: modeOK, release: make(chan struct{}),
		clocks: []func() time.Time{time.Now}, byMode: map[string]int{}, firstSeen: map[string]time.Time{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.serve(ln)
	t.Cleanup(r.stop)
	return r
}

func (r *receiver) URL() string { return "http://" + r.addr + "/hook/" + r.name }

func (r *receiver) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(r.handle), ReadHeaderTimeout: 10 * time.Second}
	r.ln, r.srv = ln, srv
	go srv.Serve(ln)
}

func (r *receiver) stop() {
	r.mu.Lock()
	srv := r.srv
	r.srv, r.ln = nil, nil
	if r.mode == modeHang {
		close(r.release)
		r.release = make(chan struct{})
	}
	r.mode = modeOK
	r.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// setMode switches how the receiver answers from now on. Going to
// modeRefuse closes the listener and every connection; leaving it listens
// again on the same address.
func (r *receiver) setMode(mode string) {
	r.mu.Lock()
	old := r.mode
	r.mode = mode
	if old == modeHang && mode != modeHang {
		close(r.release)
		r.release = make(chan struct{})
	}
	var closing *http.Server
	if mode == modeRefuse && r.srv != nil {
		closing = r.srv
		r.srv, r.ln = nil, nil
	}
	relisten := old == modeRefuse && mode != modeRefuse
	r.mu.Unlock()
	if closing != nil {
		closing.Close()
	}
	if relisten {
		var ln net.Listener
		var err error
		for i := 0; i < 200; i++ { // the port was ours a moment ago
			if ln, err = net.Listen("tcp", r.addr); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			r.t.Errorf("receiver %s: listen again on %s: %v", r.name, r.addr, err)
			return
		}
		r.mu.Lock()
		r.serve(ln)
		r.mu.Unlock()
	}
}

func (r *receiver) setRetryAfter(s string) {
	r.mu.Lock()
	r.retryAfter = s
	r.mu.Unlock()
}

func (r *receiver) violate(format string, args ...any) {
	r.violations = append(r.violations, fmt.Sprintf(format, args...))
}

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<20))
	r.mu.Lock()
	r.hits++
	mode, release, retryAfter := r.mode, r.release, r.retryAfter
	r.bodies = append(r.bodies, body)
	r.byMode[mode]++
	r.mu.Unlock()
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	switch mode {
	case modeFail500:
		http.Error(w, "oracle receiver is failing", http.StatusInternalServerError)
		return
	case modeBadRequest:
		http.Error(w, "oracle receiver refuses this", http.StatusBadRequest)
		return
	case modeRateLimit:
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case modeClose:
		hijackClose(w)
		return
	case modeHang:
		select {
		case <-release:
		case <-req.Context().Done():
		}
		http.Error(w, "was hanging", http.StatusServiceUnavailable)
		return
	}
	events, status, why := r.verify(req, body)
	if status != 0 {
		http.Error(w, why, status)
		return
	}
	r.mu.Lock()
	n := len(r.batchSizes)
	r.batchSizes = append(r.batchSizes, len(events))
	now := time.Now()
	for _, e := range events {
		r.accepted = append(r.accepted, recvEvent{Event: e, Request: n})
		if _, ok := r.firstSeen[e.ID]; !ok {
			r.firstSeen[e.ID] = now
		}
	}
	r.mu.Unlock()
	if mode == modeAcceptDrop {
		hijackClose(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	c, _, err := hj.Hijack()
	if err == nil {
		c.Close()
	}
}

// verify checks a request against the webhook wire format; a non-zero
// status is the refusal to answer with.
func (r *receiver) verify(req *http.Request, body []byte) ([]model.ForwardEvent, int, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method != http.MethodPost {
		r.violate("method %s", req.Method)
		return nil, http.StatusMethodNotAllowed, "method"
	}
	if ct := req.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		r.violate("content-type %q", ct)
		return nil, http.StatusUnsupportedMediaType, "content type"
	}
	ts := req.Header.Get("X-Ccsync-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		r.violate("timestamp %q", ts)
		return nil, http.StatusUnauthorized, "timestamp"
	}
	fresh := false
	for _, now := range r.clocks {
		if d := now().Sub(time.Unix(sec, 0)); d <= 5*time.Minute && d >= -5*time.Minute {
			fresh = true
		}
	}
	if !fresh {
		r.stale++
		return nil, http.StatusUnauthorized, "stale timestamp"
	}
	mac := hmac.New(sha256.New, []byte(r.secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	if got := req.Header.Get("X-Ccsync-Signature"); !hmac.Equal([]byte(got), []byte(want)) {
		r.violate("bad signature %q", got)
		return nil, http.StatusUnauthorized, "signature"
	}
	var env struct {
		Events []model.ForwardEvent `json:"events"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		r.violate("body does not decode: %v", err)
		return nil, http.StatusBadRequest, "body"
	}
	if len(env.Events) < 1 || len(env.Events) > 100 {
		r.violate("%d events in one request (want 1..100)", len(env.Events))
		return nil, http.StatusBadRequest, "count"
	}
	if d := req.Header.Get("X-Ccsync-Delivery"); d != env.Events[0].ID {
		r.violate("X-Ccsync-Delivery %q, first event %q", d, env.Events[0].ID)
	}
	return env.Events, 0, ""
}

// snapshot copies what the receiver holds.
func (r *receiver) snapshot() (accepted []recvEvent, bodies [][]byte, violations []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recvEvent(nil), r.accepted...), append([][]byte(nil), r.bodies...), append([]string(nil), r.violations...)
}

func (r *receiver) hitCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits
}

// distinct is the number of distinct event ids accepted.
func (r *receiver) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.firstSeen)
}

func (r *receiver) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.firstSeen[id]
	return ok
}

func (r *receiver) staleCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stale
}

func (r *receiver) modeCount(mode string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byMode[mode]
}

func (r *receiver) firstArrival(id string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.firstSeen[id]
	return at, ok
}
