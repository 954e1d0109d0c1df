package api

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/api/retention"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// TestRetentionBadRequests: every malformed policy is refused with 400 (or
// the body's own status) naming what is wrong, before anything is stored.
func TestRetentionBadRequests(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"negative default", "PUT", "/api/v1/retention", `{"default_days":-1}`, 400, "default_days"},
		{"too long default", "PUT", "/api/v1/retention", `{"default_days":36501}`, 400, "default_days"},
		{"negative activity", "PUT", "/api/v1/retention", `{"activity_days":-5}`, 400, "activity_days"},
		{"rule without name", "PUT", "/api/v1/retention", `{"rules":[{"flagged":true,"days":10}]}`, 400, "rules[0].name"},
		{"rule without criterion", "PUT", "/api/v1/retention", `{"rules":[{"name":"x","days":10}]}`, 400, "rules[0]"},
		{"bad severity", "PUT", "/api/v1/retention", `{"rules":[{"name":"x","min_severity":"dire","days":10}]}`, 400, "rules[0].min_severity"},
		{"duplicate rule names", "PUT", "/api/v1/retention",
			`{"rules":[{"name":"x","flagged":true,"days":1},{"name":"x","flagged":true,"days":2}]}`, 400, "rules[1].name"},
		{"rule days out of range", "PUT", "/api/v1/retention", `{"rules":[{"name":"x","flagged":true,"days":99999}]}`, 400, "rules[0].days"},
		{"unknown field", "PUT", "/api/v1/retention", `{"default_dayz":3}`, 400, "default_dayz"},
		{"wrong type", "PUT", "/api/v1/retention", `{"default_days":"3"}`, 400, "default_days"},
		{"empty body", "PUT", "/api/v1/retention", ``, 400, "empty JSON body"},
		{"name too long", "PUT", "/api/v1/retention", `{"rules":[{"name":"` + strings.Repeat("x", 201) + `","flagged":true}]}`, 400, "at most 200"},
		{"bad draft", "POST", "/api/v1/retention/preview", `{"policy":{"default_days":-1}}`, 400, "policy: default_days"},
		{"unknown preview field", "POST", "/api/v1/retention/preview", `{"polcy":{}}`, 400, "polcy"},
		{"run with a body", "POST", "/api/v1/retention/run", `{"now":"2030-01-01"}`, 400, "now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(admin, tc.method, tc.path, tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("got %d %s, want %d naming %q", resp.StatusCode, b, tc.status, tc.want)
			}
		})
	}
	if n := e.countAudit("retention.set") + e.countAudit("retention.preview") + e.countAudit("retention.run"); n != 0 {
		t.Errorf("%d audit entries for refused requests; nothing was done", n)
	}
}

// TestRetentionWritesNeedCSRF: a browser session without the CSRF header
// cannot change the policy, preview, run or touch holds; a bearer token
// (never sent by a browser on its own) needs none.
func TestRetentionWritesNeedCSRF(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	noCSRF := &client{cookie: admin.cookie}
	for _, r := range []struct{ method, path string }{
		{"PUT", "/api/v1/retention"}, {"POST", "/api/v1/retention/preview"}, {"POST", "/api/v1/retention/run"},
		{"POST", "/api/v1/holds"}, {"POST", "/api/v1/holds/x/release"},
	} {
		resp, b := e.do(noCSRF, r.method, r.path, `{}`)
		if resp.StatusCode != 403 || errorType(t, b) != "csrf" {
			t.Errorf("%s %s without CSRF: %d %s, want 403 csrf", r.method, r.path, resp.StatusCode, b)
		}
	}
	// Past the CSRF check a token reaches validation.
	tok := e.tokenFor(admin)
	if resp, b := e.do(tok, "PUT", "/api/v1/retention", `{"default_days":-1}`); resp.StatusCode != 400 {
		t.Errorf("bearer PUT: %d %s, want 400 from validation", resp.StatusCode, b)
	}
}

// blockingRunner holds every run until released, so a test can ask for a
// second while the first runs.
type blockingRunner struct {
	started chan struct{}
	release chan struct{}
	mu      sync.Mutex
	runs    int
}

func (r *blockingRunner) RunRetention(ctx context.Context, now time.Time) (indexer.RetentionReport, error) {
	r.mu.Lock()
	r.runs++
	r.mu.Unlock()
	r.started <- struct{}{}
	select {
	case <-r.release:
	case <-ctx.Done():
	}
	return indexer.RetentionReport{Now: now}, nil
}

// TestRetentionRunConflict: a run asked for while one runs is 409, and
// both requests are in the audit trail.
func TestRetentionRunConflict(t *testing.T) {
	r := &blockingRunner{started: make(chan struct{}, 4), release: make(chan struct{})}
	sched, err := retention.New(retention.Config{Runner: r, At: retention.At{Off: true}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, func(c *Config) { c.Retention = sched })
	admin := e.admin()
	resp, b := e.do(admin, "POST", "/api/v1/retention/run", nil)
	if resp.StatusCode != 202 || !strings.Contains(string(b), `"started":true`) {
		t.Fatalf("run: %d %s", resp.StatusCode, b)
	}
	<-r.started
	resp, b = e.do(admin, "POST", "/api/v1/retention/run", `{}`)
	if resp.StatusCode != 409 || errorType(t, b) != "conflict" || !strings.Contains(string(b), "already running") {
		t.Fatalf("second run: %d %s, want 409", resp.StatusCode, b)
	}
	r.release <- struct{}{}
	sched.Wait()
	entries := e.audited("retention.run")
	if len(entries) != 2 || entries[0].Detail["result"] == "started" || entries[1].Detail["result"] != "started" ||
		entries[0].Actor != adminName {
		t.Fatalf("audit: %+v", entries)
	}
	resp, b = e.do(admin, "POST", "/api/v1/retention/run", nil)
	if resp.StatusCode != 202 {
		t.Fatalf("run after the first ended: %d %s", resp.StatusCode, b)
	}
	<-r.started
	r.release <- struct{}{}
	sched.Wait()
	if r.runs != 2 {
		t.Errorf("%d runs, want 2", r.runs)
	}
}

// TestRetentionLifecycle: get the default, set a policy, preview it and a
// draft, place a hold, run, and read the report — against the real
// indexer, with the server's clock a year after the seeded chats.
func TestRetentionLifecycle(t *testing.T) {
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	var sched *retention.Scheduler
	e := newTestEnv(t, func(c *Config) {
		c.Now = func() time.Time { return now }
		var err error
		sched, err = retention.New(retention.Config{Runner: c.Store, At: retention.At{Hour: 3},
			Clock: nowClock(c.Now), Logger: c.Logger})
		if err != nil {
			t.Fatal(err)
		}
		c.Retention = sched
	})
	e.seed()
	admin := e.admin()

	var view retentionView
	resp, b := e.do(admin, "GET", "/api/v1/retention", nil)
	mustJSON(t, b, &view)
	if resp.StatusCode != 200 || !view.Policy.Forever() || view.Schedule != "03:00" || view.Running || view.LastRun != nil ||
		view.NextRun == nil || !view.NextRun.Equal(time.Date(2027, 6, 2, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("default: %d %s", resp.StatusCode, b)
	}

	pol := model.RetentionPolicy{DefaultDays: 30, ActivityDays: 90,
		Rules:     []model.RetentionRule{{Name: "alice", Users: []string{"alice@example.com"}, Days: 3650}},
		UpdatedBy: "forged"}
	resp, b = e.do(admin, "PUT", "/api/v1/retention", pol)
	var set struct {
		Policy model.RetentionPolicy `json:"policy"`
	}
	mustJSON(t, b, &set)
	if resp.StatusCode != 200 || set.Policy.UpdatedBy != adminName || !set.Policy.UpdatedAt.Equal(now) || set.Policy.DefaultDays != 30 {
		t.Fatalf("put: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("retention.set"); a.Detail["default_days"] != "30" || !strings.Contains(a.Detail["rules"], "name=alice,days=3650") {
		t.Fatalf("retention.set audit: %+v", a)
	}

	// Stored policy: alice's chats are kept ten years, mallory's expire.
	var rep indexer.RetentionReport
	resp, b = e.do(admin, "POST", "/api/v1/retention/preview", nil)
	mustJSON(t, b, &rep)
	if resp.StatusCode != 200 || !rep.DryRun || rep.Messages != 1 || !rep.Now.Equal(now) {
		t.Fatalf("preview: %d %s", resp.StatusCode, b)
	}
	// A draft without the rule would delete all three, and is not saved.
	resp, b = e.do(admin, "POST", "/api/v1/retention/preview", `{"policy":{"default_days":30}}`)
	mustJSON(t, b, &rep)
	if resp.StatusCode != 200 || rep.Messages != 3 {
		t.Fatalf("draft preview: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("retention.preview"); a.Detail["policy"] != "draft" || a.Detail["messages"] != "3" {
		t.Fatalf("retention.preview audit: %+v", a)
	}

	// A hold on mallory keeps her message from the run.
	resp, b = e.do(admin, "POST", "/api/v1/holds", holdRequest{Matter: "M-1", Reason: "litigation", Custodians: []string{"user_mallory"}})
	var h model.Hold
	mustJSON(t, b, &h)
	if resp.StatusCode != 201 {
		t.Fatalf("hold: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "POST", "/api/v1/retention/preview", nil)
	mustJSON(t, b, &rep)
	if resp.StatusCode != 200 || rep.Messages != 0 || rep.Held != 1 || rep.HeldBy[h.ID] != 1 {
		t.Fatalf("preview under hold: %s", b)
	}
	resp, b = e.do(admin, "PUT", "/api/v1/retention", `{"default_days":30}`)
	if resp.StatusCode != 200 {
		t.Fatalf("put: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "POST", "/api/v1/retention/run", nil)
	if resp.StatusCode != 202 {
		t.Fatalf("run: %d %s", resp.StatusCode, b)
	}
	sched.Wait()
	resp, b = e.do(admin, "GET", "/api/v1/retention", nil)
	view = retentionView{}
	mustJSON(t, b, &view)
	if resp.StatusCode != 200 || view.Running || view.LastRun == nil || view.LastRun.DryRun || view.LastRun.Messages != 2 || view.LastRun.Held != 1 || view.LastError != "" {
		t.Fatalf("after the run: %s", b)
	}
	if resp, _ := e.do(admin, "GET", "/api/v1/conversations/conv-1", nil); resp.StatusCode != 404 {
		t.Errorf("alice's expired chat: %d, want 404", resp.StatusCode)
	}
	if resp, _ := e.do(admin, "GET", "/api/v1/conversations/conv-xss", nil); resp.StatusCode != 200 {
		t.Errorf("mallory's held chat: %d, want 200", resp.StatusCode)
	}
	if n := e.countAudit("retention.run"); n != 1 {
		t.Errorf("%d retention.run entries, want 1", n)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
