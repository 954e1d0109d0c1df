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

// `serve --demo` gives the retention and hold screens something to show:
// once the demo data is in, a policy that deletes none of it and one hold
// "Demo matter" on a demo person.
func TestServeDemoSetsRetentionAndHold(t *testing.T) {
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
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, errb.String())
		}
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(errb.String(), "demo: retention policy set and a legal hold placed") {
		if time.Now().After(deadline) || strings.Contains(errb.String(), "demo: retention and legal hold setup") {
			t.Fatalf("the demo did not set retention up:\n%s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := regexp.MustCompile(`serving addr=(\S+) origin=(\S+)`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("no address in the logs:\n%s", errb.String())
	}
	base, origin := "http://"+m[1], m[2]
	req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", strings.NewReader(`{"name":"admin","password":"a-long-test-password-1"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, resp)
	}
	var session struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	call := func(method, path string, v any) {
		t.Helper()
		var body *strings.Reader
		if method == "POST" {
			body = strings.NewReader("{}")
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, base+path, body)
		for _, c := range resp.Cookies() {
			req.AddCookie(c)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("X-CSRF-Token", session.CSRF)
		if method == "POST" {
			req.Header.Set("Content-Type", "application/json")
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("%s %s: %v %v", method, path, err, r)
		}
		defer r.Body.Close()
		if err := json.NewDecoder(r.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var holds struct {
		Holds []struct {
			Matter     string   `json:"matter"`
			Custodians []string `json:"custodians"`
			Messages   int      `json:"messages"`
		} `json:"holds"`
	}
	call("GET", "/api/v1/holds", &holds)
	if len(holds.Holds) != 1 || holds.Holds[0].Matter != "Demo matter" || len(holds.Holds[0].Custodians) != 1 || holds.Holds[0].Messages == 0 {
		t.Fatalf("demo holds: %+v", holds)
	}
	var ret struct {
		Policy struct {
			DefaultDays int `json:"default_days"`
			Rules       []struct {
				Days int `json:"days"`
			} `json:"rules"`
		} `json:"policy"`
		Schedule string `json:"schedule"`
	}
	call("GET", "/api/v1/retention", &ret)
	if ret.Policy.DefaultDays != 3*365 || len(ret.Policy.Rules) != 1 || ret.Policy.Rules[0].Days != 7*365 || ret.Schedule != "03:00" {
		t.Fatalf("demo retention: %+v", ret)
	}
	var prev struct {
		Messages int `json:"messages"`
	}
	call("POST", "/api/v1/retention/preview", &prev)
	if prev.Messages != 0 {
		t.Fatalf("the demo policy would delete %d demo messages", prev.Messages)
	}
}
