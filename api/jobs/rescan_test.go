package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
	"github.com/ccsync/ccsync/scanners"
)

// rescanServer is a real server on loopback over a store ingested with the
// email detector off, re-opened with the default detectors: every message
// is stale and a re-scan finds the emails.
type rescanServer struct {
	t      *testing.T
	ix     *indexer.Indexer
	rs     *Rescan
	base   string
	emails int
}

func newRescanServer(t *testing.T, rs *Rescan) *rescanServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, ScanConfig: &scanners.Config{Disable: []string{"email"}}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	b := indexer.Batch{Conversations: []model.Conversation{{ID: "c1", OwnerID: "u1", Title: "t", CreatedAt: at}}}
	emails := 0
	for i := range 60 {
		text := fmt.Sprintf("note %d about the rollout", i)
		if i%3 == 0 {
			text += fmt.Sprintf(", ask ops%d@acme-corp.io", i)
			emails++
		}
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("m%02d", i), ConversationID: "c1", Seq: i, Role: model.RoleHuman,
			CreatedAt: at.Add(time.Duration(i) * time.Minute), Blocks: []model.Block{{Type: model.BlockText, Text: text}}})
	}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if ix, err = indexer.Open(ctx, indexer.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rs.Indexer, rs.Logger = ix, log
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := api.New(api.Config{Store: ix, Logger: log, Origin: base, Rescan: rs})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		name string
		role api.Role
	}{{"root", api.RoleAdmin}, {"alice", api.RoleAuditor}} {
		if err := srv.Accounts().Create(a.name, a.role, a.name+"-password-123"); err != nil {
			t.Fatal(err)
		}
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		rs.Wait()
		ix.Close()
	})
	return &rescanServer{t: t, ix: ix, rs: rs, base: base, emails: emails}
}

type session struct{ cookie, csrf string }

func (s *rescanServer) login(name string) session {
	s.t.Helper()
	resp, body := s.do(session{}, "POST", "/api/v1/auth/login", fmt.Sprintf(`{"name":%q,"password":%q}`, name, name+"-password-123"))
	if resp.StatusCode != 200 {
		s.t.Fatalf("login %s: %d %s", name, resp.StatusCode, body)
	}
	var info struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal(body, &info)
	for _, c := range resp.Cookies() {
		if c.Name == "ccsync_session" {
			return session{cookie: c.Value, csrf: info.CSRF}
		}
	}
	s.t.Fatal("no session cookie")
	return session{}
}

func (s *rescanServer) do(se session, method, path, body string) (*http.Response, []byte) {
	s.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if se.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "ccsync_session", Value: se.cookie})
	}
	if se.csrf != "" {
		req.Header.Set("X-CSRF-Token", se.csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (s *rescanServer) status(se session) api.RescanStatus {
	s.t.Helper()
	resp, body := s.do(se, "GET", "/api/v1/rescan", "")
	if resp.StatusCode != 200 {
		s.t.Fatalf("status: %d %s", resp.StatusCode, body)
	}
	var st api.RescanStatus
	if err := json.Unmarshal(body, &st); err != nil {
		s.t.Fatal(err)
	}
	return st
}

func (s *rescanServer) emailFacet(se session) int {
	s.t.Helper()
	resp, body := s.do(se, "GET", "/api/v1/search?facets=finding_type&size=1", "")
	if resp.StatusCode != 200 {
		s.t.Fatalf("search: %d %s", resp.StatusCode, body)
	}
	var res indexer.SearchResult
	json.Unmarshal(body, &res)
	for _, f := range res.Facets["finding_type"] {
		if f.Term == "email" {
			return f.Count
		}
	}
	return 0
}

// waitEvent waits for the job's event in one of the given states.
func waitEvent(t *testing.T, events <-chan indexer.Event, job string, states ...string) indexer.Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Kind == "rescan" && e.Job == job {
				for _, s := range states {
					if e.State == s {
						return e
					}
				}
			}
		case <-timeout:
			t.Fatalf("no %v event for %s", states, job)
		}
	}
}

// TestRescanOverHTTP: an admin sees the stale count, starts a re-scan held
// after its first batch, and of concurrent second starts every one is
// refused with 409; the run is cancelled, resumed by the next start under
// the same job id, and ends with nothing stale and the facets counting the
// emails the old configuration missed. Every start and cancel is audited;
// auditors and requests without the CSRF token are refused.
func TestRescanOverHTTP(t *testing.T) {
	held, release := make(chan indexer.RescanProgress), make(chan struct{})
	var once sync.Once
	rs := &Rescan{BatchSize: 10, Progress: func(p indexer.RescanProgress) {
		once.Do(func() { held <- p; <-release })
	}}
	s := newRescanServer(t, rs)
	admin, auditor := s.login("root"), s.login("alice")

	st := s.status(admin)
	if st.Stale != 60 || st.Messages != 60 || st.Engine != scanners.Version || st.Running {
		t.Fatalf("status before: %+v", st)
	}
	if n := s.emailFacet(auditor); n != 0 {
		t.Fatalf("email facet before the re-scan: %d", n)
	}
	for _, c := range []struct {
		name   string
		se     session
		method string
		path   string
		want   int
	}{
		{"auditor status", auditor, "GET", "/api/v1/rescan", 403},
		{"auditor start", auditor, "POST", "/api/v1/rescan", 403},
		{"no csrf", session{cookie: admin.cookie}, "POST", "/api/v1/rescan", 403},
		{"cancel idle", admin, "POST", "/api/v1/rescan/cancel", 409},
		{"unknown field", admin, "POST", "/api/v1/rescan", 400},
	} {
		body := ""
		if c.method == "POST" {
			body = "{}"
		}
		if c.name == "unknown field" {
			body = `{"everything":true}`
		}
		if resp, b := s.do(c.se, c.method, c.path, body); resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, b, c.want)
		}
	}

	events, _, stop := s.ix.Subscribe()
	defer stop()
	resp, body := s.do(admin, "POST", "/api/v1/rescan", "")
	if resp.StatusCode != 202 {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	var started struct {
		JobID string `json:"job_id"`
	}
	json.Unmarshal(body, &started)
	first := <-held // the job is mid-run, after its first batch
	if first.Done != 10 || first.Job != started.JobID {
		t.Fatalf("held at %+v, job %s", first, started.JobID)
	}
	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := s.do(admin, "POST", "/api/v1/rescan", `{"all":true}`)
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 409 {
			t.Fatalf("a second start during a run answered %d, want 409", c)
		}
	}
	if st := s.status(admin); !st.Running || st.JobID != started.JobID {
		t.Fatalf("status mid-run: %+v", st)
	}
	if resp, b := s.do(admin, "POST", "/api/v1/rescan/cancel", "{}"); resp.StatusCode != 204 {
		t.Fatalf("cancel: %d %s", resp.StatusCode, b)
	}
	close(release)
	waitEvent(t, events, started.JobID, "cancelled")
	rs.Wait()
	st = s.status(admin)
	if st.Running || st.Interrupted == nil || st.Interrupted.Done != 10 || st.Stale != 50 {
		t.Fatalf("status after cancel: %+v", st)
	}

	resp, body = s.do(admin, "POST", "/api/v1/rescan", "")
	var resumed struct {
		JobID string `json:"job_id"`
	}
	json.Unmarshal(body, &resumed)
	if resp.StatusCode != 202 || resumed.JobID != started.JobID {
		t.Fatalf("resume: %d %s; want the interrupted job %s", resp.StatusCode, body, started.JobID)
	}
	done := waitEvent(t, events, started.JobID, "done", "failed")
	if done.State != "done" || done.Done != 60 || done.Total != 60 || done.Counters["scanned"] != 60 {
		t.Fatalf("final event %+v", done)
	}
	rs.Wait()
	if st := s.status(admin); st.Stale != 0 || st.Interrupted != nil || st.LastRun == nil || st.Running {
		t.Fatalf("status after: %+v", st)
	}
	if n := s.emailFacet(auditor); n != s.emails {
		t.Fatalf("email facet after the re-scan: %d, want %d", n, s.emails)
	}
	resp, body = s.do(auditor, "GET", "/api/v1/analytics", "")
	var an struct {
		FindingsPerType  map[string]int              `json:"findings_per_type"`
		FlaggedMessages  int                         `json:"flagged_messages"`
		FindingsOverTime map[string][]map[string]any `json:"findings_over_time"`
	}
	json.Unmarshal(body, &an)
	if resp.StatusCode != 200 || an.FindingsPerType["email"] != s.emails || an.FlaggedMessages != s.emails || len(an.FindingsOverTime["email"]) == 0 {
		t.Fatalf("analytics after the re-scan: %d %s", resp.StatusCode, body)
	}
	resp, body = s.do(admin, "GET", "/api/v1/audit?action=rescan.", "")
	var audit struct {
		Entries []struct {
			Action, Actor, Target string
			Detail                map[string]string
		} `json:"entries"`
	}
	json.Unmarshal(body, &audit)
	var actions []string
	for _, e := range audit.Entries {
		actions = append(actions, e.Action+":"+e.Actor)
	}
	if got := strings.Join(actions, ","); got != "rescan.start:root,rescan.cancel:root,rescan.start:root" {
		t.Fatalf("audit trail (newest first): %s (%d %s)", got, resp.StatusCode, body)
	}
}
