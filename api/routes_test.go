package api

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/indexer"
)

// concretePath fills route parameters with a placeholder.
func concretePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

// TestEveryRouteRefusesUnauthorisedCallers walks the route table: every
// non-public route must answer 401 to anonymous callers and to bad
// credentials, and every admin route 403 to an auditor, by session and by
// token. A route added to the table is covered automatically.
func TestEveryRouteRefusesUnauthorisedCallers(t *testing.T) {
	e := newTestEnv(t)
	auditorSession := e.auditor()
	auditorToken := e.tokenFor(auditorSession)
	callers := []struct {
		name   string
		c      *client
		status int
		typ    string
		only   access // the routes this caller is checked against
	}{
		{"anonymous", nil, 401, "unauthenticated", anyRole},
		{"forged cookie", &client{cookie: "forged", csrf: "x"}, 401, "unauthenticated", anyRole},
		{"unknown bearer", &client{bearer: "ccs_notarealtoken"}, 401, "unauthenticated", anyRole},
		{"malformed authorization", &client{header: map[string]string{"Authorization": "Basic cm9vdDp4"}}, 401, "unauthenticated", anyRole},
		{"auditor session", auditorSession, 403, "forbidden", adminOnly},
		{"auditor token", auditorToken, 403, "forbidden", adminOnly},
	}
	checked := 0
	for _, r := range e.srv.routes {
		if r.Access == public {
			continue
		}
		for _, cl := range callers {
			if cl.only == adminOnly && r.Access != adminOnly {
				continue
			}
			t.Run(cl.name+" "+r.Method+" "+r.Path, func(t *testing.T) {
				var body any
				if r.Method != "GET" && r.Method != "DELETE" {
					body = "{}"
				}
				resp, b := e.do(cl.c, r.Method, concretePath(r.Path), body)
				if resp.StatusCode != cl.status || errorType(t, b) != cl.typ {
					t.Errorf("got %d %s, want %d %s", resp.StatusCode, b, cl.status, cl.typ)
				}
			})
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("only %d route/caller pairs checked; is the route table empty?", checked)
	}
}

// TestRouteTableIsComplete makes sure nothing is registered on the app
// behind the table's back (which would skip the check above).
func TestRouteTableIsComplete(t *testing.T) {
	e := newTestEnv(t)
	inTable := map[string]bool{}
	for _, r := range e.srv.routes {
		inTable[r.Method+" "+r.Path] = true
	}
	for _, r := range e.srv.App().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" || !strings.HasPrefix(r.Path, "/api/") && r.Path != "/metrics" && r.Path != "/healthz" {
			continue
		}
		if r.Path == "/api" { // the API's catch-all 404
			continue
		}
		if !inTable[r.Method+" "+r.Path] {
			t.Errorf("%s %s is registered but not in the route table", r.Method, r.Path)
		}
	}
}

func TestPublicRoutes(t *testing.T) {
	e := newTestEnv(t)
	resp, b := e.do(nil, "GET", "/healthz", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"ok"`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, b)
	}
	// Unknown API paths are 401 for strangers only if routed; the catch-all
	// answers 404 in the error shape and never serves the UI page.
	resp, b = e.do(nil, "GET", "/api/v1/nope", nil)
	if resp.StatusCode != 404 || errorType(t, b) != "not_found" {
		t.Errorf("unknown API path: %d %s", resp.StatusCode, b)
	}
}

// TestPanicIsContained: a panicking handler answers 500 in the error shape
// without internals, and the server keeps serving.
func TestPanicIsContained(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.Store = panicStore{c.Store} })
	c := e.auditor()
	resp, b := e.do(c, "GET", "/api/v1/stats", nil)
	if resp.StatusCode != 500 || errorType(t, b) != "internal" || strings.Contains(string(b), "boom") {
		t.Errorf("panic: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(c, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 200 {
		t.Errorf("server did not survive the panic: %d", resp.StatusCode)
	}
}

type panicStore struct{ Store }

func (panicStore) Stats(context.Context) (indexer.Stats, error) { panic("boom: internal detail") }

// Item 9 of issue 12: a wrong method on an existing path answered 404, as
// if the endpoint did not exist. Every path of the table answers 405 with
// an Allow header listing exactly its methods; unknown paths stay 404.
func TestWrongMethodIs405(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	methods := map[string][]string{}
	for _, r := range e.srv.routes {
		methods[r.Path] = append(methods[r.Path], r.Method)
	}
	all := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	for path, ms := range methods {
		slices.Sort(ms)
		for _, m := range all {
			if slices.Contains(ms, m) {
				continue
			}
			t.Run(m+" "+path, func(t *testing.T) {
				resp, b := e.do(admin, m, concretePath(path), nil)
				if resp.StatusCode != 405 || errorType(t, b) != "method_not_allowed" {
					t.Fatalf("got %d %s, want 405 method_not_allowed", resp.StatusCode, b)
				}
				if got := resp.Header.Get("Allow"); got != strings.Join(ms, ", ") {
					t.Errorf("Allow %q, want %q", got, strings.Join(ms, ", "))
				}
			})
			break // one wrong method per path is enough to show the answer
		}
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/nope"}, {"POST", "/api/v1/nope"}, {"DELETE", "/api/v1/accounts/x/y/z"}, {"POST", "/nope"},
	} {
		resp, b := e.do(nil, tc.method, tc.path, nil)
		if resp.StatusCode != 404 || errorType(t, b) != "not_found" || resp.Header.Get("Allow") != "" {
			t.Errorf("%s %s: %d %s, want 404", tc.method, tc.path, resp.StatusCode, b)
		}
	}
}
