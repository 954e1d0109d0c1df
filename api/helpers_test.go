package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

const (
	testOrigin  = "http://ccsync.test"
	adminPW     = "admin-password-123"
	auditorPW   = "auditor-password-123"
	adminName   = "root"
	auditorName = "alice"
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testEnv struct {
	t    *testing.T
	ix   *indexer.Indexer
	srv  *Server
	logs *syncBuffer
}

// newTestEnv opens a real indexer in a temp dir and builds a server with an
// admin and an auditor account. Password hashing is made cheap: the tests
// are about the HTTP layer, and password_test covers the real parameters.
func newTestEnv(t *testing.T, mod ...func(*Config)) *testEnv {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: t.TempDir(), Logger: log, Scanner: testScanner{}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: ix, Logger: log, Origin: testOrigin, UploadDir: t.TempDir()}
	for _, m := range mod {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := ix.Close(); err != nil {
			t.Error(err)
		}
	})
	srv.accounts.argon = argonParams{Memory: 64, Time: 1, Threads: 1}
	if err := srv.accounts.Create(adminName, RoleAdmin, adminPW); err != nil {
		t.Fatal(err)
	}
	if err := srv.accounts.Create(auditorName, RoleAuditor, auditorPW); err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, ix: ix, srv: srv, logs: logs}
}

// client is a caller: a browser session (cookie + CSRF token) or a script
// (bearer token). The zero client is anonymous.
type client struct {
	cookie string
	csrf   string
	bearer string
	origin string
	header map[string]string
}

func (e *testEnv) login(name, password string) *client {
	e.t.Helper()
	resp, body := e.do(nil, "POST", "/api/v1/auth/login", loginRequest{Name: name, Password: password})
	if resp.StatusCode != 200 {
		e.t.Fatalf("login %s: %d %s", name, resp.StatusCode, body)
	}
	var info sessionInfo
	mustJSON(e.t, body, &info)
	c := &client{csrf: info.CSRFToken}
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			c.cookie = ck.Value
		}
	}
	if c.cookie == "" || c.csrf == "" {
		e.t.Fatalf("login %s: no session cookie or CSRF token", name)
	}
	return c
}

func (e *testEnv) admin() *client   { return e.login(adminName, adminPW) }
func (e *testEnv) auditor() *client { return e.login(auditorName, auditorPW) }

// tokenFor creates an API token for the session's account.
func (e *testEnv) tokenFor(c *client) *client {
	e.t.Helper()
	resp, body := e.do(c, "POST", "/api/v1/tokens", tokenRequest{Name: "script"})
	if resp.StatusCode != 201 {
		e.t.Fatalf("create token: %d %s", resp.StatusCode, body)
	}
	var tc tokenCreated
	mustJSON(e.t, body, &tc)
	return &client{bearer: tc.Secret}
}

func (e *testEnv) request(c *client, method, target string, body any) *http.Request {
	var r io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		r, ct = strings.NewReader(b), "application/json"
	case []byte:
		r, ct = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r, ct = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(method, target, r)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c != nil {
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.cookie})
		}
		if c.csrf != "" {
			req.Header.Set(csrfHeader, c.csrf)
		}
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
	}
	return req
}

func (e *testEnv) do(c *client, method, target string, body any) (*http.Response, []byte) {
	e.t.Helper()
	return e.send(e.request(c, method, target, body))
}

func (e *testEnv) send(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// errorType returns the "type" of an error response, or "" if the body is
// not in the API's error shape.
func errorType(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Message == "" {
		return ""
	}
	return e.Error.Type
}

// testScanner finds e-mail addresses only. The API relays findings; it
// does not detect them, so its tests (and golden files) must not change
// whenever the real scanners learn a new rule.
type testScanner struct{}

var emailRE = regexp.MustCompile(`[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]{2,}`)

func (testScanner) Scan(text string) []model.Finding {
	var out []model.Finding
	for _, m := range emailRE.FindAllStringIndex(text, -1) {
		out = append(out, model.Finding{Type: "email", Severity: model.SeverityMedium, Rule: "test-email",
			Start: m[0], End: m[1], Preview: text[m[0]:m[0]+1] + "•••",
			Engine: "test-engine"}) // its own version: golden files stay put when scanners.Version moves
	}
	return out
}

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// hostileMarkdown is chat content written by an attacker who hopes the
// auditor's browser will run it.
const hostileMarkdown = "<script>alert(1)</script>\n\n" +
	"[click](javascript:alert(2))\n\n" +
	"<img src=x onerror=alert(3)>\n\n" +
	"![pixel](http://evil.example/p.png)\n\n" +
	"<a href=\"javascript:alert(4)\">raw link</a>\n\n" +
	"[tab trick](jav&#x09;ascript:alert(5))\n\n" +
	"[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==)\n\n" +
	"<svg onload=alert(7)></svg>\n\n" +
	"[safe](https://example.com/ok)"

// seed ingests two conversations: an ordinary one with sensitive data and
// one whose title and content are XSS payloads.
func (e *testEnv) seed() {
	e.t.Helper()
	b := indexer.Batch{
		Users: []model.User{
			{ID: "user_alice", Name: "Alice Example", Email: "alice@example.com", AvatarSeed: "a1"},
			{ID: "user_mallory", Name: "<img src=x onerror=alert(9)>", Email: "mallory@example.com"},
		},
		Conversations: []model.Conversation{
			{ID: "conv-1", Source: model.SourceComplianceAPI, Provider: model.ProviderAnthropic, Model: "claude-opus-4",
				Title: "Q3 plan", OwnerID: "user_alice", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)},
			{ID: "conv-xss", Source: model.SourceExport, Provider: model.ProviderAnthropic, Model: "claude-sonnet-4",
				Title: "<script>alert('title')</script>", OwnerID: "user_mallory", CreatedAt: t0.AddDate(0, 1, 0), UpdatedAt: t0.AddDate(0, 1, 0)},
		},
		Messages: []model.Message{
			{ID: "msg-1", ConversationID: "conv-1", Seq: 0, OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: t0,
				Blocks: []model.Block{{Type: model.BlockText, Text: "Please mail the rotation plan to bob@example.com today"}}},
			{ID: "msg-2", ConversationID: "conv-1", Seq: 1, OnCurrentBranch: true, Role: model.RoleAssistant, CreatedAt: t0.Add(time.Minute),
				Blocks: []model.Block{
					{Type: model.BlockText, Text: "Here is the **rotation** plan:\n\n```go\nfmt.Println(\"rotate\")\n```"},
					{Type: model.BlockToolUse, ToolName: "web_search", ToolUseID: "tu1", ToolInput: `{"q":"rotation"}`},
				}},
			{ID: "msg-xss", ConversationID: "conv-xss", Seq: 0, OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: t0.AddDate(0, 1, 0),
				Blocks: []model.Block{{Type: model.BlockText, Text: hostileMarkdown}}},
		},
	}
	if _, err := e.ix.Ingest(context.Background(), b); err != nil {
		e.t.Fatal(err)
	}
}
