package api

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

func (e *testEnv) countAudit(action string) int {
	e.t.Helper()
	n := 0
	if err := e.srv.audit.scan(auditFilter{Action: action}, func(AuditEntry) error { n++; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// page fetches one page and returns the result (or fails the test).
func (e *testEnv) page(c *client, target string) indexer.SearchResult {
	e.t.Helper()
	resp, b := e.do(c, "GET", target, nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s: %d %s", target, resp.StatusCode, b)
	}
	var res indexer.SearchResult
	mustJSON(e.t, b, &res)
	return res
}

// TestCursorIsBoundToSearch: the audit trail records a search's first page
// only, so a cursor must open nothing but the next page of the same search
// by the same account. Before, a hand-made cursor ({"s":"relevance","o":0}
// in base64url) returned an unrecorded first page of any query.
func TestCursorIsBoundToSearch(t *testing.T) {
	clock := &testClock{now: time.Now()}
	e := newTestEnv(t, func(c *Config) { c.Now = clock.Now })
	e.seed()
	auditor := e.tokenFor(e.auditor())
	admin := e.tokenFor(e.admin())

	const base = "/api/v1/search?q=rotation&sort=oldest&size=1&facets=none"
	first := e.page(auditor, base)
	if first.Next == "" || first.Total != 2 {
		t.Fatalf("first page: %+v", first)
	}
	searches := e.countAudit("search")

	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"relevance","o":0}`))
	tampered := []byte(first.Next)
	tampered[len(tampered)/2] ^= 1
	mac := []byte(first.Next)
	mac[4] ^= 1 // inside the MAC
	refused := []struct{ name, target string }{
		{"forged (the issue's)", "/api/v1/search?q=aws&after=" + forged},
		{"forged, same query", "/api/v1/search?q=rotation&after=" + forged},
		{"forged on conversations", "/api/v1/conversations?after=" + forged},
		{"another q", "/api/v1/search?q=plan&sort=oldest&size=1&after=" + url.QueryEscape(first.Next)},
		{"a filter added", base + "&user=user_alice&after=" + url.QueryEscape(first.Next)},
		{"a date added", base + "&from=2026-01-01&after=" + url.QueryEscape(first.Next)},
		{"another sort", "/api/v1/search?q=rotation&sort=newest&size=1&after=" + url.QueryEscape(first.Next)},
		{"another kind", base + "&kind=conversation&after=" + url.QueryEscape(first.Next)},
		{"tampered", base + "&after=" + url.QueryEscape(string(tampered))},
		{"tampered MAC", base + "&after=" + url.QueryEscape(string(mac))},
		{"garbage", base + "&after=%21%21"},
	}
	for _, tc := range refused {
		resp, b := e.do(auditor, "GET", tc.target, nil)
		if resp.StatusCode != 400 || !strings.Contains(string(b), "cursor does not belong to this search") ||
			strings.Contains(string(b), `"hits"`) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
	// Another account's cursor, even for the same search.
	resp, b := e.do(admin, "GET", base+"&after="+url.QueryEscape(first.Next), nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "cursor does not belong") {
		t.Errorf("another account's cursor: %d %s", resp.StatusCode, b)
	}

	// The genuine cursor pages on (size may change: it is not the search),
	// unrecorded: the first page's entry covers it.
	second := e.page(auditor, "/api/v1/search?q=rotation&sort=oldest&size=5&facets=all&after="+url.QueryEscape(first.Next))
	if len(second.Hits) != 1 || second.Hits[0].ID == first.Hits[0].ID || second.Next != "" {
		t.Errorf("second page: %+v", second)
	}
	if n := e.countAudit("search"); n != searches {
		t.Errorf("%d search entries after following the cursor, want %d", n, searches)
	}

	// Cursors survive a restart (the key is stored), and expire after a day.
	srv2, err := New(Config{Store: e.ix, Origin: testOrigin, Logger: e.srv.log, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	req := e.request(auditor, "GET", base+"&after="+url.QueryEscape(first.Next), nil)
	if resp, err := srv2.App().Test(req, -1); err != nil || resp.StatusCode != 200 {
		t.Errorf("cursor after a restart: %v %v", resp.StatusCode, err)
	}
	clock.Advance(cursorMaxAge + time.Minute)
	resp, b = e.do(auditor, "GET", base+"&after="+url.QueryEscape(first.Next), nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "cursor does not belong") {
		t.Errorf("expired cursor: %d %s", resp.StatusCode, b)
	}
}

// TestCursorOnConversations: the conversations list checks its cursors
// the same way; a genuine one pages on.
func TestCursorOnConversations(t *testing.T) {
	e := newTestEnv(t)
	e.seed() // two conversations
	c := e.tokenFor(e.auditor())

	convs := e.page(c, "/api/v1/conversations?size=1")
	if convs.Next == "" {
		t.Fatalf("conversations: no next page: %+v", convs)
	}
	next := e.page(c, "/api/v1/conversations?size=1&after="+url.QueryEscape(convs.Next))
	if len(next.Hits) != 1 || next.Hits[0].ID == convs.Hits[0].ID {
		t.Errorf("conversations page 2: %+v", next)
	}
	if resp, b := e.do(c, "GET", "/api/v1/conversations?q=plan&size=1&after="+url.QueryEscape(convs.Next), nil); resp.StatusCode != 400 {
		t.Errorf("conversations cursor with another q: %d %s", resp.StatusCode, b)
	}
}
