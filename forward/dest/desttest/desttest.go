// Package desttest holds what the tests of the HTTP destination kinds
// share: fixed events carrying hostile, planted content, and the checks
// every kind must pass against a real loopback receiver (status
// handling, hung receivers, huge answers, secrets kept out of errors,
// anonymous mode leaking nothing).
package desttest

import (
	"compress/gzip"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// Planted values appear in Events and must never reach an anonymous
// destination: identities, content, previews, titles, links, rule names.
var Planted = []string{
	"alice.planted@example.com", "Alice Planted", "u-planted-1",
	"msg-planted-1", "conv-planted-1", "Planted title", "planted text body",
	"AKIA****PLNT", "sk-****PLNT", "ccsync.example.com", "claude-planted-model",
	"planted-product", "Planted rule",
}

// Hostile strings sit in content fields: a Slack mention, a disguised
// link, HTML, JSON breakers and control characters.
const (
	HostileMention = "<!channel>"
	HostileLink    = "<https://evil.example/x|click here>"
)

// T0 is the fixed time of Events.
var T0 = time.Date(2026, 12, 3, 7, 0, 0, 123456789, time.UTC)

// Events returns three events, one of each type, oldest first, with the
// same IngestedAt for the first two (Loki must still make timestamps
// strictly increasing).
func Events() []model.ForwardEvent {
	findings := []model.ForwardFinding{
		{Type: "aws_access_key", Severity: model.SeverityCritical, Rule: "aws", Preview: "AKIA****PLNT " + HostileMention},
		{Type: "openai_key", Severity: model.SeverityHigh, Rule: "openai", Preview: "sk-****PLNT " + HostileLink},
		{Type: "email", Severity: model.SeverityMedium, Preview: "a***@x & <b>y</b>"},
	}
	counts := model.ForwardCounts{
		Findings:   3,
		ByType:     map[string]int{"aws_access_key": 1, "openai_key": 1, "email": 1},
		BySeverity: map[string]int{"critical": 1, "high": 1, "medium": 1},
	}
	user := func(e *model.ForwardEvent) {
		e.MessageID, e.ConversationID = "msg-planted-1", "conv-planted-1"
		e.UserID, e.UserEmail, e.UserName = "u-planted-1", "alice.planted@example.com", "Alice Planted "+HostileMention
		e.Model, e.Product, e.Role = "claude-planted-model", "planted-product", "user"
		e.Title = "Planted title " + HostileLink + " \"quoted\"\n\x00ctl"
		e.Link = "https://ccsync.example.com/c/conv-planted-1?m=msg-planted-1&x=1|evil>"
	}
	msg := model.ForwardEvent{
		ID: "inst1-m41", Type: "message", Time: T0.Add(-time.Hour), IngestedAt: T0, Origin: "sync",
		Text:     "planted text body " + HostileMention + " " + HostileLink,
		Findings: findings, Counts: counts,
	}
	user(&msg)
	fnd := model.ForwardEvent{
		ID: "inst1-m41-f0", Type: "finding", Time: T0.Add(-time.Hour), IngestedAt: T0, Origin: "sync",
		Findings: findings[:1],
		Counts: model.ForwardCounts{Findings: 1, ByType: map[string]int{"aws_access_key": 1},
			BySeverity: map[string]int{"critical": 1}},
	}
	user(&fnd)
	alert := model.ForwardEvent{
		ID: "inst1-a7", Type: "alert", Time: T0.Add(time.Second), IngestedAt: T0.Add(time.Second),
		Findings: findings, Counts: counts,
		Alert: &model.Alert{
			ID: "a7", Seq: 7, RuleID: "r1", RuleName: "Planted rule " + HostileMention, GroupBy: model.AlertGroupUser,
			Group: "u-planted-1", FiredAt: T0.Add(time.Second), FirstSeen: T0.Add(-time.Hour), LastSeen: T0,
			Findings: 3, Suppressed: 2, ByType: counts.ByType, MaxSeverity: model.SeverityCritical,
			User: "u-planted-1", Messages: []string{"msg-planted-1"},
		},
	}
	user(&alert)
	return []model.ForwardEvent{msg, fnd, alert}
}

// Case configures the shared checks for one kind.
type Case struct {
	Kind dest.Kind
	// Dest returns a valid destination whose endpoint is the receiver at
	// base (an httptest server URL).
	Dest func(base string) model.Destination
	// Secrets must never appear in an error (the Secret, a secret URL).
	Secrets []string
	// OK answers a well-formed request with success.
	OK func(w http.ResponseWriter)
}

// Receiver is a loopback HTTP server recording raw request bodies
// (decompressed when gzip) and answering with a settable handler.
type Receiver struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	answer  http.HandlerFunc
}

// NewReceiver starts a receiver answering with answer.
func NewReceiver(t testing.TB, answer http.HandlerFunc) *Receiver {
	return newReceiver(t, answer, false)
}

// NewTLSReceiver starts an HTTPS receiver; its certificate (for
// example.com and 127.0.0.1) is in CertPEM.
func NewTLSReceiver(t testing.TB, answer http.HandlerFunc) *Receiver {
	return newReceiver(t, answer, true)
}

// CertPEM is the PEM of a TLS receiver's certificate.
func (r *Receiver) CertPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate().Raw}))
}

func newReceiver(t testing.TB, answer http.HandlerFunc, useTLS bool) *Receiver {
	r := &Receiver{answer: answer}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := ReadBody(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.headers = append(r.headers, req.Header.Clone())
		h := r.answer
		r.mu.Unlock()
		h(w, req.WithContext(context.WithValue(req.Context(), bodyKey{}, body)))
	}))
	if useTLS {
		r.StartTLS()
	} else {
		r.Start()
	}
	t.Cleanup(r.Close)
	return r
}

// SetAnswer changes how the receiver answers.
func (r *Receiver) SetAnswer(h http.HandlerFunc) {
	r.mu.Lock()
	r.answer = h
	r.mu.Unlock()
}

// Bodies returns the request bodies received so far.
func (r *Receiver) Bodies() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

// Headers returns the request headers received so far.
func (r *Receiver) Headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.headers...)
}

type bodyKey struct{}

// Body is the (decompressed) body of a request a Receiver got; answer
// handlers use it instead of reading req.Body, which is consumed.
func Body(req *http.Request) []byte {
	b, _ := req.Context().Value(bodyKey{}).([]byte)
	return b
}

// ReadBody reads a request body of at most 16 MiB, gunzipping it when
// Content-Encoding says gzip.
func ReadBody(req *http.Request) ([]byte, error) {
	var rd io.Reader = io.LimitReader(req.Body, 16<<20)
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, err
		}
		rd = io.LimitReader(zr, 64<<20)
	}
	return io.ReadAll(rd)
}

// NewSender builds a sender for c against base, failing the test on error.
func NewSender(t testing.TB, c Case, base string) dest.Sender {
	t.Helper()
	d := c.Dest(base)
	if err := c.Kind.Validate(&d); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	s, err := c.Kind.New(dest.Config{Destination: d, Hostname: "ccsync-test"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// RunCommon runs the checks every HTTP kind must pass.
func RunCommon(t *testing.T, c Case) {
	t.Run("Status", func(t *testing.T) { testStatus(t, c) })
	t.Run("HungReceiver", func(t *testing.T) { testHung(t, c) })
	t.Run("Anonymous", func(t *testing.T) { testAnonymous(t, c) })
	t.Run("Redirect", func(t *testing.T) { testRedirect(t, c) })
	t.Run("Unreachable", func(t *testing.T) { testUnreachable(t, c) })
	t.Run("TLS", func(t *testing.T) { testTLS(t, c) })
	t.Run("GivenClient", func(t *testing.T) { testGivenClient(t, c) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, c) })
}

// testTLS: an HTTPS receiver with a private CA is trusted only through
// ca_cert, and server_name is what the certificate is checked against.
func testTLS(t *testing.T, c Case) {
	r := NewTLSReceiver(t, func(w http.ResponseWriter, _ *http.Request) { c.OK(w) })
	send := func(caCert, serverName string) error {
		d := c.Dest(r.URL)
		d.CACert, d.ServerName = caCert, serverName
		if err := c.Kind.Validate(&d); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		s, err := c.Kind.New(dest.Config{Destination: d})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		defer s.Close()
		err = s.Send(context.Background(), Events()[:1])
		NoSecret(t, c, err)
		return err
	}
	if err := send("", ""); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an unknown CA was trusted: %v", err)
	}
	if err := send(r.CertPEM(), ""); err != nil {
		t.Fatalf("with ca_cert: %v", err)
	}
	if err := send(r.CertPEM(), "example.com"); err != nil {
		t.Fatalf("with server_name example.com: %v", err)
	}
	if err := send(r.CertPEM(), "wrong.example"); err == nil {
		t.Fatal("server_name wrong.example was accepted")
	}
}

// testGivenClient: Config.HTTPClient, when set, carries the requests.
func testGivenClient(t *testing.T, c Case) {
	r := NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) { c.OK(w) })
	var mu sync.Mutex
	used := 0
	client := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		used++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(req)
	})}
	d := c.Dest(r.URL)
	s, err := c.Kind.New(dest.Config{Destination: d, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), Events()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if used != 1 {
		t.Fatalf("the given client carried %d requests, want 1", used)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// testConcurrent: one sender used from several goroutines (a test-send
// beside the queue) delivers every batch; run with -race.
func testConcurrent(t *testing.T, c Case) {
	r := NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) { c.OK(w) })
	s := NewSender(t, c, r.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- s.Send(context.Background(), Events()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.Bodies()); n != 8 {
		t.Fatalf("receiver got %d requests, want 8", n)
	}
}

// NoSecret fails the test when err's message holds one of the secrets.
func NoSecret(t testing.TB, c Case, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range c.Secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains the secret %q", err, s)
		}
	}
}

func testStatus(t *testing.T, c Case) {
	echo := strings.Join(c.Secrets, " ") // a receiver that echoes what it got
	huge := strings.Repeat("x", 8<<20)
	cases := []struct {
		name   string
		answer http.HandlerFunc
		check  func(error) string
	}{
		{"2xx", func(w http.ResponseWriter, _ *http.Request) { c.OK(w) }, func(err error) string {
			if err != nil {
				return "want nil, got " + err.Error()
			}
			return ""
		}},
		{"500", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "boom "+echo, http.StatusInternalServerError)
		}, retryable},
		{"503", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "busy", http.StatusServiceUnavailable) }, retryable},
		{"429RetryAfter", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "7")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}, func(err error) string {
			var ra *dest.RetryAfterError
			if !errors.As(err, &ra) || ra.After != 7*time.Second {
				return "want RetryAfterError 7s"
			}
			if dest.IsPermanent(err) {
				return "429 must not be permanent"
			}
			return ""
		}},
		{"400", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "bad "+echo, http.StatusBadRequest) }, permanent},
		{"401", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "who "+echo, http.StatusUnauthorized) }, permanent},
		{"403", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusForbidden) }, permanent},
		{"HugeBody500", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, huge)
		}, func(err error) string {
			if s := retryable(err); s != "" {
				return s
			}
			if len(err.Error()) > 2048 {
				return "error message not bounded"
			}
			return ""
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReceiver(t, tc.answer)
			s := NewSender(t, c, r.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := s.Send(ctx, Events())
			if msg := tc.check(err); msg != "" {
				t.Fatalf("%s: %v", msg, err)
			}
			NoSecret(t, c, err)
			if len(r.Bodies()) != 1 {
				t.Fatalf("receiver saw %d requests, want 1", len(r.Bodies()))
			}
		})
	}
}

func retryable(err error) string {
	if err == nil {
		return "want an error"
	}
	if dest.IsPermanent(err) {
		return "want retryable, got permanent"
	}
	return ""
}

func permanent(err error) string {
	if err == nil || !dest.IsPermanent(err) {
		return "want a permanent error"
	}
	return ""
}

func testHung(t *testing.T, c Case) {
	release := make(chan struct{})
	r := NewReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	})
	defer close(release)
	s := NewSender(t, c, r.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, Events())
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("Send took %v after its context ended", el)
	}
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if dest.IsPermanent(err) {
		t.Fatalf("a timeout must be retryable: %v", err)
	}
	NoSecret(t, c, err)
}

func testAnonymous(t *testing.T, c Case) {
	r := NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) { c.OK(w) })
	d := c.Dest(r.URL)
	d.Anonymous = true
	if err := c.Kind.Validate(&d); err != nil {
		t.Fatal(err)
	}
	s, err := c.Kind.New(dest.Config{Destination: d, Hostname: "ccsync-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), Events()); err != nil {
		t.Fatal(err)
	}
	bodies := r.Bodies()
	if len(bodies) == 0 {
		t.Fatal("nothing received")
	}
	for _, b := range bodies {
		low := strings.ToLower(string(b))
		for _, p := range Planted {
			if strings.Contains(low, strings.ToLower(p)) {
				t.Errorf("anonymous body leaks %q:\n%s", p, b)
			}
		}
		for _, p := range []string{"evil.example", "channel", "preview", "user"} {
			if strings.Contains(low, p) {
				t.Errorf("anonymous body holds %q:\n%s", p, b)
			}
		}
	}
	// Counts and types still arrive.
	all := strings.ToLower(string(bodies[0]))
	for _, want := range []string{"aws_access_key", "critical", "inst1-m41"} {
		if !strings.Contains(all, want) {
			t.Errorf("anonymous body lacks %q:\n%s", want, all)
		}
	}
}

func testRedirect(t *testing.T, c Case) {
	var hits int
	var mu sync.Mutex
	other := NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		c.OK(w)
	})
	r := NewReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
	})
	s := NewSender(t, c, r.URL)
	err := s.Send(context.Background(), Events())
	if err == nil || !dest.IsPermanent(err) {
		t.Fatalf("a redirect must be a permanent error, got %v", err)
	}
	NoSecret(t, c, err)
	mu.Lock()
	defer mu.Unlock()
	if hits != 0 {
		t.Fatal("the redirect was followed")
	}
}

func testUnreachable(t *testing.T, c Case) {
	r := NewReceiver(t, func(w http.ResponseWriter, _ *http.Request) { c.OK(w) })
	base := r.URL
	r.Close()
	s := NewSender(t, c, base)
	err := s.Send(context.Background(), Events())
	if msg := retryable(err); msg != "" {
		t.Fatalf("%s: %v", msg, err)
	}
	NoSecret(t, c, err)
}
