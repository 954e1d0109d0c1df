package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// String reads what was written, under the writer's lock.
func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.(*bytes.Buffer).String()
}

// `serve --demo` stopped (SIGTERM) while its first sync is running shuts
// down cleanly: the run ends and saves its summary before the store closes.
func TestServeDemoStopsCleanlyMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo organisation")
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &lockedWriter{w: &bytes.Buffer{}}, &lockedWriter{w: &bytes.Buffer{}}
	done := make(chan int, 1)
	t.Setenv("CCSYNC_ADMIN_PASSWORD", "a-long-test-password-1")
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--data", t.TempDir(), "--addr", "127.0.0.1:0"},
			stdio{in: strings.NewReader(""), out: out, err: errb})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(errb.String(), "serving") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitSyncRunning(t, errb)
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d:\n%s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop:\n%s", errb.String())
	}
	if logs := errb.String(); strings.Contains(logs, "panic") || strings.Contains(logs, "closed") {
		t.Fatalf("unclean shutdown:\n%s", logs)
	}
}

// waitSyncRunning logs in to the server whose "serving" line is in logs and
// polls GET /api/v1/sync until the demo sync reports progress while running,
// so the shutdown that follows interrupts a run for certain.
func waitSyncRunning(t *testing.T, logs *lockedWriter) {
	t.Helper()
	m := regexp.MustCompile(`serving addr=(\S+) origin=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no address in the logs:\n%s", logs.String())
	}
	base, origin := "http://"+m[1], m[2]
	body := strings.NewReader(`{"name":"admin","password":"a-long-test-password-1"}`)
	req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, resp)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	for deadline := time.Now().Add(20 * time.Second); ; {
		req, _ := http.NewRequest("GET", base+"/api/v1/sync", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Running bool `json:"running"`
			LastRun *struct {
				State string `json:"state"`
			} `json:"last_run"`
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.Running && st.LastRun == nil {
			return
		}
		if st.LastRun != nil {
			t.Fatalf("the demo sync ended (%s) before it could be interrupted", st.LastRun.State)
		}
		if time.Now().After(deadline) {
			t.Fatal("the demo sync did not start")
		}
	}
}
