package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// seedBulk ingests n messages in one conversation, more than one export
// page, the first of them a spreadsheet formula.
func (e *testEnv) seedBulk(n int) {
	e.t.Helper()
	b := indexer.Batch{Conversations: []model.Conversation{{ID: "bulk", Source: model.SourceExport, Title: "=HYPERLINK(\"http://evil\")", CreatedAt: t0, UpdatedAt: t0}}}
	for i := range n {
		text := fmt.Sprintf("bulk message %d about budgets", i)
		if i == 0 {
			text = "=cmd|' /C calc'!A0"
		}
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("bulk-%04d", i), ConversationID: "bulk", Seq: i,
			OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: t0.Add(time.Duration(i) * time.Second),
			Blocks: []model.Block{{Type: model.BlockText, Text: text}}})
	}
	if _, err := e.ix.Ingest(context.Background(), b); err != nil {
		e.t.Fatal(err)
	}
}

func TestExport(t *testing.T) {
	e := newTestEnv(t)
	const n = 450 // three pages of 200
	e.seedBulk(n)
	c := e.tokenFor(e.auditor())

	resp, b := e.do(c, "GET", "/api/v1/export?format=jsonl&conversation_id=bulk", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("jsonl: %d %v", resp.StatusCode, resp.Header)
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var row exportRow
		mustJSON(t, sc.Bytes(), &row)
		if seen[row.ID] {
			t.Errorf("duplicate row %s", row.ID)
		}
		seen[row.ID] = true
		if row.Snippet != "" {
			t.Errorf("row %s carries an HTML snippet", row.ID)
		}
		if row.ID == "bulk-0001" && row.Text != "bulk message 1 about budgets" {
			t.Errorf("row text %q", row.Text)
		}
	}
	if len(seen) != n {
		t.Errorf("jsonl export has %d rows, want %d", len(seen), n)
	}

	// A relevance query still exports everything (in time order).
	resp, b = e.do(c, "GET", "/api/v1/export?format=csv&q=budgets", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, b)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n { // header + n-1 budget messages
		t.Errorf("csv has %d rows, want %d", len(rows), n)
	}
	if strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Errorf("csv header %v", rows[0])
	}

	// Formula cells are defused.
	_, b = e.do(c, "GET", "/api/v1/export?format=csv&conversation_id=bulk&sort=oldest", nil)
	rows, err = csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || rows[1][1] != "bulk-0000" || rows[1][16] != "'=cmd|' /C calc'!A0" || !strings.HasPrefix(rows[1][11], "'=") {
		t.Errorf("formula not defused: %q", rows[1])
	}

	for _, q := range []string{"format=xml", "from=nope", "q=" + "%22open"} {
		resp, b := e.do(c, "GET", "/api/v1/export?"+q, nil)
		if resp.StatusCode != 400 || errorType(t, b) != "bad_request" {
			t.Errorf("export?%s: %d %s", q, resp.StatusCode, b)
		}
	}
	entries, _, err := e.srv.audit.latest(auditFilter{Action: "export"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].Detail["format"] != "csv" || entries[2].Detail["total"] != fmt.Sprint(n) {
		t.Errorf("export audit: %+v", entries)
	}
}

func TestAuditEndpoint(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	auditor := e.auditor()
	e.do(auditor, "GET", "/api/v1/search?q=rotation&user=user_alice", nil)
	e.do(auditor, "GET", "/api/v1/conversations/conv-1", nil)
	admin := e.admin()

	resp, b := e.do(admin, "GET", "/api/v1/audit?actor="+auditorName, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var out struct {
		Entries []AuditEntry `json:"entries"`
		More    bool         `json:"more"`
	}
	mustJSON(t, b, &out)
	var actions []string
	for _, en := range out.Entries {
		actions = append(actions, en.Action)
		if en.IP == "" || en.Time.IsZero() || en.Via != "session" || en.Role != RoleAuditor {
			t.Errorf("incomplete entry %+v", en)
		}
	}
	if strings.Join(actions, ",") != "conversation.open,search,login" {
		t.Errorf("actions newest first: %v", actions)
	}
	if q := out.Entries[1].Detail; q["q"] != "rotation" || q["user"] != "user_alice" {
		t.Errorf("search detail %v", q)
	}

	resp, b = e.do(admin, "GET", "/api/v1/audit?limit=1", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("limit=1: %d %s", resp.StatusCode, b)
	}
	mustJSON(t, b, &out)
	if len(out.Entries) != 1 || !out.More || out.Entries[0].Action != "audit.view" {
		t.Errorf("limit=1: %s", b)
	}

	resp, b = e.do(admin, "GET", "/api/v1/audit?format=csv&action=search", nil)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || resp.StatusCode != 200 || len(rows) != 2 || rows[1][5] != "search" || !strings.Contains(rows[1][7], `q="rotation"`) {
		t.Errorf("csv: %d %q %v", resp.StatusCode, rows, err)
	}
	resp, b = e.do(admin, "GET", "/api/v1/audit?format=jsonl&from=2000-01-01&to=2000-01-02", nil)
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Errorf("empty range: %d %q", resp.StatusCode, b)
	}
	for _, q := range []string{"limit=0", "limit=x", "format=pdf", "from=bad"} {
		if resp, _ := e.do(admin, "GET", "/api/v1/audit?"+q, nil); resp.StatusCode != 400 {
			t.Errorf("audit?%s: %d", q, resp.StatusCode)
		}
	}
}

func TestStatsAnalyticsMetrics(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	c := e.tokenFor(e.auditor())
	resp, b := e.do(c, "GET", "/api/v1/stats", nil)
	var st indexer.Stats
	mustJSON(t, b, &st)
	if resp.StatusCode != 200 || st.Messages != 3 || st.FlaggedMessages != 1 {
		t.Errorf("stats: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(c, "GET", "/api/v1/analytics", nil)
	var an analyticsResponse
	mustJSON(t, b, &an)
	if resp.StatusCode != 200 || len(an.TopUsersByFindings) != 1 || an.TopUsersByFindings[0].Term != "user_alice" ||
		len(an.FindingsOverTime["email"]) == 0 {
		t.Errorf("analytics: %d %s", resp.StatusCode, b)
	}
	// A range without findings: every trend is an empty list, never null.
	resp, b = e.do(c, "GET", "/api/v1/analytics?from=2030-01-01&to=2030-01-31", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"findings_over_time":{"email":[]}`) {
		t.Errorf("analytics of an empty range: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(c, "GET", "/api/v1/analytics?from=bad", nil); resp.StatusCode != 400 {
		t.Errorf("analytics bad date: %d", resp.StatusCode)
	}
	e.do(c, "GET", "/api/v1/search?q=rotation", nil)
	resp, b = e.do(c, "GET", "/metrics", nil)
	body := string(b)
	for _, want := range []string{"ccsync_messages 3\n", "ccsync_flagged_messages 1\n", `ccsync_findings{type="email"} 1`,
		`ccsync_http_requests_total{code="2xx"}`, "ccsync_search_duration_seconds_count 1\n", `ccsync_search_duration_seconds_bucket{le="+Inf"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("metrics content type %q", resp.Header.Get("Content-Type"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.UI = testUI() })
	for _, path := range []string{"/", "/api/v1/auth/me", "/healthz", "/some/client/route"} {
		resp, b := e.do(nil, "GET", path, nil)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe: %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
		if strings.HasPrefix(path, "/api/") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, h.Get("Cache-Control"))
		}
		if (path == "/" || path == "/some/client/route") && !strings.Contains(string(b), "placeholder-ui") {
			t.Errorf("%s: UI not served: %d %s", path, resp.StatusCode, b)
		}
	}
}

// csvSafe defuses every shape a spreadsheet may take for a formula; the
// pen-test found leading white space and full-width signs passed.
func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		" =1+1": "' =1+1", "\n=1+1": "'\n=1+1", "\u3000=1": "'\u3000=1", "＝1+1": "'＝1+1", "＋1": "'＋1", "－1": "'－1", "＠x": "'＠x",
		"plain": "plain", "a=b": "a=b", "": "", " text": " text", "'=quoted": "'=quoted",
	} {
		if got := csvSafe([]string{in})[0]; got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
