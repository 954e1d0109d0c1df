package api

import (
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got (indented JSON) with testdata/name, or rewrites it
// with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var v any
	mustJSON(t, got, &v)
	pretty, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	pretty = append(pretty, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != string(pretty) {
		t.Errorf("%s differs from golden file (run with -update after checking):\n%s", name, pretty)
	}
}

func TestSearch(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	c := e.tokenFor(e.auditor())
	for _, tc := range []struct {
		name    string
		query   string
		status  int
		wantIDs []string // in order
		facets  []string
	}{
		{"term", "q=rotation", 200, nil, nil},
		{"flagged only", "flagged=true", 200, []string{"msg-1"}, nil},
		{"finding type", "finding_type=email", 200, []string{"msg-1"}, nil},
		{"role filter", "role=assistant", 200, []string{"msg-2"}, nil},
		{"user filter", "user=user_mallory", 200, []string{"msg-xss"}, nil},
		{"date range", "from=2026-04-01&to=2026-04-30", 200, []string{"msg-xss"}, nil},
		{"oldest first", "sort=oldest", 200, []string{"msg-1", "msg-2", "msg-xss"}, nil},
		{"newest first", "sort=newest", 200, []string{"msg-xss", "msg-2", "msg-1"}, nil},
		{"three facets", "facets=user,model,finding_type", 200, nil, []string{"user", "model", "finding_type"}},
		{"no facets", "facets=none", 200, nil, []string{}},
		{"tool filter", "tool=web_search", 200, []string{"msg-2"}, nil},
		{"conversations", "kind=conversation&sort=oldest", 200, []string{"conv-1", "conv-xss"}, nil},
		{"bad date", "from=yesterday", 400, nil, nil},
		{"bad range", "from=2026-05-01&to=2026-04-01", 400, nil, nil},
		{"bad kind", "kind=file", 400, nil, nil},
		{"bad sort", "sort=random", 400, nil, nil},
		{"bad size", "size=1000", 400, nil, nil},
		{"bad role", "role=moderator", 400, nil, nil},
		{"bad facet", "facets=secret", 400, nil, nil},
		{"bad query syntax", "q=" + url.QueryEscape(`"unterminated`), 400, nil, nil},
		{"bad cursor", "after=garbage", 400, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(c, "GET", "/api/v1/search?"+tc.query, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status != 200 {
				if errorType(t, b) != "bad_request" {
					t.Errorf("error shape: %s", b)
				}
				return
			}
			var res indexer.SearchResult
			mustJSON(t, b, &res)
			if tc.wantIDs != nil {
				var got []string
				for _, h := range res.Hits {
					got = append(got, h.ID)
				}
				if strings.Join(got, ",") != strings.Join(tc.wantIDs, ",") {
					t.Errorf("hits %v, want %v", got, tc.wantIDs)
				}
			}
			if tc.facets != nil {
				if len(res.Facets) != len(tc.facets) {
					t.Errorf("facets %v, want %v", keys(res.Facets), tc.facets)
				}
				for _, f := range tc.facets {
					if _, ok := res.Facets[f]; !ok {
						t.Errorf("facet %s missing: %v", f, keys(res.Facets))
					}
				}
			}
		})
	}
	// A term query highlights; the snippet is escaped HTML with <mark>.
	_, b := e.do(c, "GET", "/api/v1/search?q=rotation&facets=none", nil)
	if !strings.Contains(string(b), `\u003cmark\u003e`) {
		t.Errorf("no highlighted snippet: %s", b)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSearchPagination(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	c := e.tokenFor(e.auditor())
	var seen []string
	after := ""
	for page := 0; page < 5; page++ {
		q := "/api/v1/search?sort=oldest&size=1&facets=none"
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		resp, b := e.do(c, "GET", q, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("page %d: %d %s", page, resp.StatusCode, b)
		}
		var res indexer.SearchResult
		mustJSON(t, b, &res)
		for _, h := range res.Hits {
			seen = append(seen, h.ID)
		}
		if after = res.Next; after == "" {
			break
		}
	}
	if strings.Join(seen, ",") != "msg-1,msg-2,msg-xss" {
		t.Errorf("pages gave %v", seen)
	}
}

func TestConversationView(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	c := e.auditor()
	resp, b := e.do(c, "GET", "/api/v1/conversations/conv-1", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	golden(t, "conversation.golden.json", b)

	var cv conversationResponse
	mustJSON(t, b, &cv)
	if len(cv.Messages) != 2 || cv.Messages[0].ID != "msg-1" || cv.Messages[1].ID != "msg-2" {
		t.Fatalf("messages out of order: %+v", cv.Messages)
	}
	// Finding spans map back onto the block text.
	f := cv.Messages[0].Findings
	if len(f) != 1 || f[0].Block != 0 || cv.Messages[0].Blocks[0].Text[f[0].PartStart:f[0].PartEnd] != "bob@example.com" {
		t.Errorf("finding span: %+v", f)
	}
	if cv.User == nil || cv.User.DisplayName != "Alice Example" {
		t.Errorf("user: %+v", cv.User)
	}
	if !strings.Contains(cv.Messages[1].Blocks[0].HTML, `<code class="language-go">`) {
		t.Errorf("code block lost: %s", cv.Messages[1].Blocks[0].HTML)
	}

	resp, b = e.do(c, "GET", "/api/v1/conversations/nope", nil)
	if resp.StatusCode != 404 || errorType(t, b) != "not_found" {
		t.Errorf("missing conversation: %d %s", resp.StatusCode, b)
	}

	resp, b = e.do(c, "GET", "/api/v1/messages/msg-2", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("message: %d %s", resp.StatusCode, b)
	}
	var mv messageResponse
	mustJSON(t, b, &mv)
	if mv.ThreadURL != "/api/v1/conversations/conv-1#msg-2" || mv.Conversation == nil || mv.Conversation.ID != "conv-1" {
		t.Errorf("message response: %s", b)
	}
	if resp, _ := e.do(c, "GET", "/api/v1/messages/nope", nil); resp.StatusCode != 404 {
		t.Errorf("missing message: %d", resp.StatusCode)
	}

	// Opening is audited.
	entries, _, err := e.srv.audit.latest(auditFilter{Actor: auditorName}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var opened []string
	for _, en := range entries {
		if en.Action == "conversation.open" || en.Action == "message.open" {
			opened = append(opened, en.Action+":"+en.Target)
		}
	}
	if strings.Join(opened, ",") != "message.open:msg-2,conversation.open:conv-1" {
		t.Errorf("audit of opens: %v", opened)
	}
}

// TestHostileConversation: a conversation whose title, user name and content
// are XSS payloads comes back JSON-escaped and with sanitized HTML only.
func TestHostileConversation(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	c := e.auditor()
	for _, path := range []string{"/api/v1/conversations/conv-xss", "/api/v1/messages/msg-xss",
		"/api/v1/search?q=alert", "/api/v1/conversations", "/api/v1/users"} {
		resp, b := e.do(c, "GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: content type %q", path, ct)
		}
		// The encoder escapes < > & so no raw markup reaches the wire
		// even if a client mishandles the JSON.
		for _, raw := range []string{"<script", "<img", "<svg", "<mark"} {
			if strings.Contains(string(b), raw) {
				t.Errorf("%s: raw %q in JSON body", path, raw)
			}
		}
	}
	_, b := e.do(c, "GET", "/api/v1/conversations/conv-xss", nil)
	var cv conversationResponse
	mustJSON(t, b, &cv)
	html := cv.Messages[0].Blocks[0].HTML
	checkSafe(t, html)
	if !strings.Contains(html, `href="https://example.com/ok"`) {
		t.Errorf("the safe link was lost: %s", html)
	}
	// The raw text is still there for the auditor, as text.
	if cv.Messages[0].Blocks[0].Text != hostileMarkdown {
		t.Error("raw text altered")
	}
}

func TestUsers(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	c := e.auditor()
	resp, b := e.do(c, "GET", "/api/v1/users/user_alice", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"display_name":"Alice Example"`) {
		t.Errorf("user: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(c, "GET", "/api/v1/users/ghost", nil); resp.StatusCode != 404 {
		t.Errorf("missing user: %d", resp.StatusCode)
	}
}
