package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/model"
)

// fwdEnv is a test server with the real forwarding engine and alert
// evaluator over its indexer, both running, and a webhook receiver on
// loopback.
type fwdEnv struct {
	*testEnv
	fw   *forward.Engine
	ev   *alerts.Evaluator
	recv *receiver
}

func newFwdEnv(t *testing.T) *fwdEnv {
	t.Helper()
	fe := &fwdEnv{recv: newReceiver(t)}
	var ix *indexer.Indexer
	fe.testEnv = newTestEnv(t, func(cfg *Config) {
		ix = cfg.Store.(*indexer.Indexer)
		keys, err := keystore.Open(keystore.Options{Dir: t.TempDir(), Meta: ix})
		if err != nil {
			t.Fatal(err)
		}
		fe.ev = alerts.New(alerts.Options{Store: ix, Logger: cfg.Logger, Poll: 50 * time.Millisecond})
		fe.fw = forward.New(forward.Options{Store: ix, Secrets: keys, Logger: cfg.Logger, BaseURL: testOrigin,
			Hostname: "ccsync-test", AlertNotify: fe.ev.Notify, Poll: 50 * time.Millisecond,
			MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, PermanentAttempts: 1, RetryFor: time.Second,
			JournalConsumers: func() (uint64, error) { return alerts.Cursor(ix) }})
		cfg.Forward, cfg.Alerts = fe.fw, fe.ev
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = fe.ev.Run(ctx) }()
	go func() { defer wg.Done(); _ = fe.fw.Run(ctx) }()
	// Registered after newTestEnv's cleanup, so it runs first: the loops
	// stop before the indexer closes.
	t.Cleanup(func() { cancel(); wg.Wait() })
	return fe
}

// receiver is a webhook receiver that checks the documented signature
// and records the events it accepted; fail makes it answer 400.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	fail   bool
	events []model.ForwardEvent
	bad    []string // requests whose signature or shape was wrong
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 8<<20))
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := req.Header.Get("X-Ccsync-Timestamp")
	mac := hmac.New(sha256.New, []byte(r.secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute || !hmac.Equal([]byte(req.Header.Get("X-Ccsync-Signature")), []byte(want)) {
		r.bad = append(r.bad, "signature")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var b struct {
		Events []model.ForwardEvent `json:"events"`
	}
	if err := json.Unmarshal(body, &b); err != nil || len(b.Events) == 0 {
		r.bad = append(r.bad, "body")
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if r.fail {
		http.Error(w, "receiver says no <b>", http.StatusBadRequest)
		return
	}
	r.events = append(r.events, b.Events...)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) set(secret string, fail bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret, r.fail = secret, fail
}

func (r *receiver) got() ([]model.ForwardEvent, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.ForwardEvent(nil), r.events...), append([]string(nil), r.bad...)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const plantedSecret = "whsec-PLANTED-3f9a1c7e5b2d"

// TestForwardingUnconfigured: without an engine or an evaluator their
// endpoints answer 503, not 500 or 404.
func TestForwardingUnconfigured(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/destinations"}, {"POST", "/api/v1/destinations"}, {"GET", "/api/v1/destinations/d1"},
		{"POST", "/api/v1/destinations/d1/test"}, {"GET", "/api/v1/destinations/d1/dead-letters"},
		{"GET", "/api/v1/alert-rules"}, {"POST", "/api/v1/alert-rules"}, {"GET", "/api/v1/alerts"},
	} {
		var body any
		if tc.method == "POST" {
			body = `{}`
		}
		if resp, b := e.do(admin, tc.method, tc.path, body); resp.StatusCode != 503 || errorType(t, b) != "unavailable" {
			t.Errorf("%s %s: %d %s, want 503", tc.method, tc.path, resp.StatusCode, b)
		}
	}
}

// TestDestinationLifecycle: create a webhook destination with a planted
// secret → list, view, update (secret kept), test send verified by the
// receiver with the secret → delete; the secret is in no response, audit
// entry or log line, only its hint.
func TestDestinationLifecycle(t *testing.T) {
	e := newFwdEnv(t)
	admin := e.admin()
	e.recv.set(plantedSecret, false)
	// A session's write without its CSRF token, or from another origin, is
	// refused before anything is stored.
	for _, c := range []*client{{cookie: admin.cookie}, {cookie: admin.cookie, csrf: admin.csrf, origin: "https://evil.example"}} {
		for _, path := range []string{"/api/v1/destinations", "/api/v1/alert-rules"} {
			if resp, b := e.do(c, "POST", path, `{"name":"x"}`); resp.StatusCode != 403 || errorType(t, b) != "csrf" {
				t.Errorf("POST %s without CSRF protection: %d %s", path, resp.StatusCode, b)
			}
		}
	}
	resp, b := e.do(admin, "POST", "/api/v1/destinations", map[string]any{"name": "SOC webhook", "kind": "webhook",
		"stream": "alerts", "url": e.recv.srv.URL + "/hook?token=querytoken", "secret": plantedSecret})
	var d model.Destination
	mustJSON(t, b, &d)
	if resp.StatusCode != 201 || d.ID == "" || d.Secret != "" || d.SecretHint == "" || !d.Enabled || d.CreatedBy != adminName {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	hint := d.SecretHint
	if a := e.lastAudit("destination.add"); a.Target != d.ID || a.Detail["name"] != "SOC webhook" || a.Detail["secret"] != "set" ||
		a.Detail["url"] != e.recv.srv.URL+"/hook" {
		t.Fatalf("destination.add audit: %+v", a)
	}
	var list struct {
		Destinations []forward.DestinationStatus `json:"destinations"`
	}
	resp, b = e.do(admin, "GET", "/api/v1/destinations", nil)
	mustJSON(t, b, &list)
	if resp.StatusCode != 200 || len(list.Destinations) != 1 || list.Destinations[0].ID != d.ID || list.Destinations[0].SecretHint != hint {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	all := string(b)
	resp, b = e.do(admin, "GET", "/api/v1/destinations/"+d.ID, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"SOC webhook"`) {
		t.Fatalf("view: %d %s", resp.StatusCode, b)
	}
	all += string(b)

	// Update without a secret keeps it: the test send still verifies.
	resp, b = e.do(admin, "PUT", "/api/v1/destinations/"+d.ID, map[string]any{"name": "SOC webhook (renamed)", "kind": "webhook",
		"stream": "alerts", "url": e.recv.srv.URL + "/hook"})
	var up model.Destination
	mustJSON(t, b, &up)
	if resp.StatusCode != 200 || up.Name != "SOC webhook (renamed)" || up.SecretHint != hint || up.CreatedBy != adminName || !up.CreatedAt.Equal(d.CreatedAt) {
		t.Fatalf("update: %d %s", resp.StatusCode, b)
	}
	all += string(b)
	if a := e.lastAudit("destination.update"); a.Target != d.ID || a.Detail["secret"] != "unchanged" {
		t.Fatalf("destination.update audit: %+v", a)
	}
	resp, b = e.do(admin, "POST", "/api/v1/destinations/"+d.ID+"/test", nil)
	var tr forward.TestResult
	mustJSON(t, b, &tr)
	if resp.StatusCode != 200 || !tr.OK || tr.EventID == "" {
		t.Fatalf("test send: %d %s", resp.StatusCode, b)
	}
	evs, bad := e.recv.got()
	if len(bad) > 0 || len(evs) != 1 || evs[0].ID != tr.EventID {
		t.Fatalf("receiver got %d events %+v, refused %q; want the test event %s", len(evs), evs, bad, tr.EventID)
	}
	if a := e.lastAudit("destination.test"); a.Target != d.ID || a.Detail["ok"] != "true" {
		t.Fatalf("destination.test audit: %+v", a)
	}

	// A receiver that refuses: the result says so, as a 200.
	e.recv.set(plantedSecret, true)
	resp, b = e.do(admin, "POST", "/api/v1/destinations/"+d.ID+"/test", `{}`)
	mustJSON(t, b, &tr)
	if resp.StatusCode != 200 || tr.OK || tr.Error == "" {
		t.Fatalf("failing test send: %d %s", resp.StatusCode, b)
	}
	all += string(b)

	resp, b = e.do(admin, "GET", "/api/v1/audit?limit=500", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("audit: %d %s", resp.StatusCode, b)
	}
	// The URL is configuration the admin reads back (a token in its query
	// is theirs to see), but the audit trail and the logs keep neither it
	// nor the secret.
	for _, c := range []struct {
		where, text string
		leaks       []string
	}{
		{"responses", all, []string{plantedSecret}},
		{"audit trail", string(b), []string{plantedSecret, "querytoken"}},
		{"logs", e.logs.String(), []string{plantedSecret, "querytoken"}},
	} {
		for _, leak := range c.leaks {
			if i := strings.Index(c.text, leak); i >= 0 {
				t.Errorf("%q is in the %s: …%s…", leak, c.where, c.text[max(0, i-300):min(len(c.text), i+100)])
			}
		}
	}
	if n := e.countAudit("destination.list") + e.countAudit("destination.view"); n != 2 {
		t.Errorf("%d list/view audit entries, want 2", n)
	}

	resp, b = e.do(admin, "DELETE", "/api/v1/destinations/"+d.ID, nil)
	if resp.StatusCode != 204 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("destination.delete"); a.Target != d.ID || a.Detail["name"] != "SOC webhook (renamed)" {
		t.Fatalf("destination.delete audit: %+v", a)
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/destinations/" + d.ID}, {"DELETE", "/api/v1/destinations/" + d.ID},
		{"POST", "/api/v1/destinations/" + d.ID + "/test"}, {"GET", "/api/v1/destinations/" + d.ID + "/dead-letters"},
	} {
		if resp, b := e.do(admin, tc.method, tc.path, nil); resp.StatusCode != 404 || errorType(t, b) != "not_found" {
			t.Errorf("%s %s after delete: %d %s", tc.method, tc.path, resp.StatusCode, b)
		}
	}
}

// TestForwardingBadRequests: malformed destinations, rules and list
// parameters are refused with 400 naming the field (or 404 for ids that
// cannot be ours), and nothing is stored or audited as done.
func TestForwardingBadRequests(t *testing.T) {
	e := newFwdEnv(t)
	admin := e.admin()
	// A findings feed: a rule may not name it.
	resp, b := e.do(admin, "POST", "/api/v1/destinations", map[string]any{"name": "SIEM", "kind": "webhook",
		"stream": "findings", "url": e.recv.srv.URL, "secret": "s3cret-value-1234"})
	var feed model.Destination
	mustJSON(t, b, &feed)
	if resp.StatusCode != 201 {
		t.Fatalf("create feed: %d %s", resp.StatusCode, b)
	}
	long := strings.Repeat("d", 201)
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"destination unknown field", "POST", "/api/v1/destinations", `{"name":"x","kind":"webhook","stream":"alerts","colour":"red"}`, 400, "colour"},
		{"destination id in body", "POST", "/api/v1/destinations", `{"id":"mine","name":"x","kind":"webhook","stream":"alerts"}`, 400, "/id"},
		{"destination hint in body", "POST", "/api/v1/destinations", `{"name":"x","kind":"webhook","stream":"alerts","secret_hint":"…"}`, 400, "secret_hint"},
		{"destination wrong type", "POST", "/api/v1/destinations", `{"name":"x","kind":"webhook","stream":"alerts","anonymous":"yes"}`, 400, "anonymous"},
		{"destination no name", "POST", "/api/v1/destinations", `{"kind":"webhook","stream":"alerts","url":"http://127.0.0.1:9/","secret":"abcdefgh12345"}`, 400, "name"},
		{"destination bad kind", "POST", "/api/v1/destinations", `{"name":"x","kind":"carrier-pigeon","stream":"alerts"}`, 400, "kind"},
		{"destination bad stream", "POST", "/api/v1/destinations", `{"name":"x","kind":"webhook","stream":"everything","url":"http://127.0.0.1:9/","secret":"abcdefgh12345"}`, 400, "stream"},
		{"destination not JSON", "POST", "/api/v1/destinations", nil, 415, "application/json"},
		{"destination id too long", "GET", "/api/v1/destinations/" + long, nil, 404, "destination not found"},
		{"update unknown", "PUT", "/api/v1/destinations/nope", `{"name":"x","kind":"webhook","stream":"alerts"}`, 404, "destination not found"},
		{"dead letters bad limit", "GET", "/api/v1/destinations/" + feed.ID + "/dead-letters?limit=0", nil, 400, `parameter \"limit\"`},
		{"dead letters huge limit", "GET", "/api/v1/destinations/" + feed.ID + "/dead-letters?limit=100000", nil, 400, `parameter \"limit\"`},
		{"retry unknown letter", "POST", "/api/v1/destinations/" + feed.ID + "/dead-letters/0000000000000001/retry", nil, 404, "not found"},
		{"discard unknown letter", "DELETE", "/api/v1/destinations/" + feed.ID + "/dead-letters/0000000000000001", nil, 404, "not found"},
		{"test with a body", "POST", "/api/v1/destinations/" + feed.ID + "/test", `{"event":"x"}`, 400, "event"},
		{"rule unknown field", "POST", "/api/v1/alert-rules", `{"name":"r","severity":"high"}`, 400, "severity"},
		{"rule server field", "POST", "/api/v1/alert-rules", `{"name":"r","created_by":"x"}`, 400, "created_by"},
		{"rule no name", "POST", "/api/v1/alert-rules", `{"min_severity":"high"}`, 400, "name"},
		{"rule bad severity", "POST", "/api/v1/alert-rules", `{"name":"r","min_severity":"dire"}`, 400, "min_severity"},
		{"rule unknown destination", "POST", "/api/v1/alert-rules", `{"name":"r","destinations":["nope"]}`, 400, `destinations[0]: no destination \"nope\"`},
		{"rule feed destination", "POST", "/api/v1/alert-rules", `{"name":"r","destinations":["` + feed.ID + `"]}`, 400, "destinations[0]: \\\"SIEM\\\" receives the findings stream"},
		{"rule id too long", "GET", "/api/v1/alert-rules/" + long, nil, 404, "alert rule not found"},
		{"rule update unknown", "PUT", "/api/v1/alert-rules/nope", `{"name":"r"}`, 404, "alert rule not found"},
		{"rule delete unknown", "DELETE", "/api/v1/alert-rules/nope", nil, 404, "alert rule not found"},
		{"alerts bad before", "GET", "/api/v1/alerts?before=yesterday", nil, 400, `parameter \"before\"`},
		{"alerts zero before", "GET", "/api/v1/alerts?before=0", nil, 400, `parameter \"before\"`},
		{"alerts negative limit", "GET", "/api/v1/alerts?limit=-1", nil, 400, `parameter \"limit\"`},
		{"alerts huge limit", "GET", "/api/v1/alerts?limit=501", nil, 400, `parameter \"limit\"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(admin, tc.method, tc.path, tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("got %d %s, want %d naming %q", resp.StatusCode, b, tc.status, tc.want)
			}
		})
	}
	// Oversized bodies, over a real connection (the in-process test client
	// cannot send them): refused whole, before decoding.
	addr := serveLoopback(t, e.testEnv)
	for path, body := range map[string]string{
		"/api/v1/destinations": `{"name":"x","kind":"webhook","stream":"alerts","ca_cert":"` + strings.Repeat("A", 2<<20) + `"}`,
		"/api/v1/alert-rules":  `{"name":"x","query":"` + strings.Repeat("q", 2<<20) + `"}`,
	} {
		resp := e.live(addr, admin, "POST", path, body)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// 413 from the handler's bounded read, or 431 when fasthttp's own
		// limit trips first while it buffers the start of the body.
		if resp.StatusCode != 413 && resp.StatusCode != 431 {
			t.Errorf("POST %s with 2 MiB: %d %.200s, want 413", path, resp.StatusCode, b)
		}
	}
	for _, a := range []string{"destination.update", "destination.dead_letter.retry", "destination.dead_letter.discard",
		"destination.test", "alert.rule.add", "alert.rule.update", "alert.rule.delete", "alert.list"} {
		if n := e.countAudit(a); n != 0 {
			t.Errorf("%d %s entries for refused requests", n, a)
		}
	}
	if n := e.countAudit("destination.add"); n != 1 {
		t.Errorf("%d destination.add entries, want 1 (the feed)", n)
	}
	var list struct {
		Destinations []forward.DestinationStatus `json:"destinations"`
	}
	_, b = e.do(admin, "GET", "/api/v1/destinations", nil)
	mustJSON(t, b, &list)
	if len(list.Destinations) != 1 {
		t.Errorf("refused creates stored destinations: %s", b)
	}
}

// TestAlertRulesAndFiredAlerts: a rule naming an alert destination is
// created, listed, viewed and updated; ingested findings fire it; the
// fired alert is listed to admins and auditors, reaches the destination,
// and paging by before works; deleting the rule keeps its alerts.
func TestAlertRulesAndFiredAlerts(t *testing.T) {
	e := newFwdEnv(t)
	admin := e.admin()
	e.recv.set(plantedSecret, false)
	resp, b := e.do(admin, "POST", "/api/v1/destinations", map[string]any{"name": "Pager", "kind": "webhook",
		"stream": "alerts", "url": e.recv.srv.URL, "secret": plantedSecret})
	var d model.Destination
	mustJSON(t, b, &d)
	if resp.StatusCode != 201 {
		t.Fatalf("create destination: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "POST", "/api/v1/alert-rules", map[string]any{"name": "<b>Emails</b>", "finding_types": []string{"email"},
		"include_backfill": true, "group_by": "message", "destinations": []string{d.ID}})
	var r model.AlertRule
	mustJSON(t, b, &r)
	if resp.StatusCode != 201 || r.ID == "" || !r.Enabled || r.CreatedBy != adminName || len(r.Destinations) != 1 {
		t.Fatalf("create rule: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("alert.rule.add"); a.Target != r.ID || a.Detail["name"] != "<b>Emails</b>" || a.Detail["destinations"] != d.ID {
		t.Fatalf("alert.rule.add audit: %+v", a)
	}
	var rules struct {
		Rules []model.AlertRule `json:"rules"`
	}
	resp, b = e.do(admin, "GET", "/api/v1/alert-rules", nil)
	mustJSON(t, b, &rules)
	if resp.StatusCode != 200 || len(rules.Rules) != 1 || rules.Rules[0].ID != r.ID {
		t.Fatalf("list rules: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do(admin, "GET", "/api/v1/alert-rules/"+r.ID, nil); resp.StatusCode != 200 || !strings.Contains(string(b), r.ID) {
		t.Fatalf("view rule: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "PUT", "/api/v1/alert-rules/"+r.ID, map[string]any{"name": "Emails", "finding_types": []string{"email"},
		"include_backfill": true, "group_by": "message", "destinations": []string{d.ID}, "quiet_minutes": 5})
	var up model.AlertRule
	mustJSON(t, b, &up)
	if resp.StatusCode != 200 || up.Name != "Emails" || up.QuietMinutes != 5 || up.CreatedBy != adminName || !up.CreatedAt.Equal(r.CreatedAt) {
		t.Fatalf("update rule: %d %s", resp.StatusCode, b)
	}
	// Auditors see fired alerts, not rules.
	auditor := e.auditor()
	if resp, _ := e.do(auditor, "GET", "/api/v1/alert-rules", nil); resp.StatusCode != 403 {
		t.Fatalf("auditor lists rules: %d", resp.StatusCode)
	}

	e.seed() // msg-1 carries an e-mail address (the test scanner's finding)
	var fired struct {
		Alerts     []model.Alert `json:"alerts"`
		NextBefore uint64        `json:"next_before"`
	}
	waitFor(t, "a fired alert", func() bool {
		_, b := e.do(auditor, "GET", "/api/v1/alerts", nil)
		mustJSON(t, b, &fired)
		return len(fired.Alerts) > 0
	})
	a := fired.Alerts[0]
	if a.RuleID != r.ID || a.RuleName != "Emails" || a.ByType["email"] == 0 || len(a.Messages) == 0 {
		t.Fatalf("fired alert %+v", a)
	}
	waitFor(t, "the alert at the receiver", func() bool {
		evs, _ := e.recv.got()
		for _, ev := range evs {
			if ev.Type == "alert" && ev.Alert != nil && ev.Alert.Seq == a.Seq {
				return true
			}
		}
		return false
	})
	// A second alert (another message), then paging: one per page, the
	// newest first with a cursor, then the rest below it.
	if _, err := e.ix.Ingest(context.Background(), indexer.Batch{Messages: []model.Message{{ID: "msg-3", ConversationID: "conv-1",
		Seq: 2, OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: t0.Add(2 * time.Minute),
		Blocks: []model.Block{{Type: model.BlockText, Text: "and copy carol@example.com"}}}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a second alert", func() bool {
		_, b := e.do(auditor, "GET", "/api/v1/alerts", nil)
		mustJSON(t, b, &fired)
		return len(fired.Alerts) >= 2
	})
	all := fired.Alerts
	if all[0].Seq <= all[1].Seq || all[0].Messages[0] != "msg-3" || fired.NextBefore != 0 {
		t.Fatalf("alerts not newest first, or a cursor on the last page: %+v", fired)
	}
	resp, b = e.do(auditor, "GET", "/api/v1/alerts?limit=1", nil)
	fired.NextBefore = 0
	mustJSON(t, b, &fired)
	if resp.StatusCode != 200 || len(fired.Alerts) != 1 || fired.Alerts[0].Seq != all[0].Seq || fired.NextBefore != all[0].Seq {
		t.Fatalf("limit=1: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(auditor, "GET", "/api/v1/alerts?before="+strconv.FormatUint(fired.NextBefore, 10), nil)
	mustJSON(t, b, &fired)
	if resp.StatusCode != 200 || len(fired.Alerts) != len(all)-1 || fired.Alerts[0].Seq != all[1].Seq {
		t.Fatalf("before=%d: %d %s", all[0].Seq, resp.StatusCode, b)
	}
	if e.countAudit("alert.list") < 3 {
		t.Errorf("alert.list not audited")
	}

	resp, b = e.do(admin, "DELETE", "/api/v1/alert-rules/"+r.ID, nil)
	if resp.StatusCode != 204 {
		t.Fatalf("delete rule: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("alert.rule.delete"); a.Target != r.ID || a.Detail["name"] != "Emails" {
		t.Fatalf("alert.rule.delete audit: %+v", a)
	}
	_, b = e.do(admin, "GET", "/api/v1/alerts", nil)
	mustJSON(t, b, &fired)
	if len(fired.Alerts) == 0 {
		t.Fatal("deleting the rule removed its alerts")
	}
}

// TestDeadLetterRetryAndDiscard: a receiver that refuses a feed's batches
// fills the dead-letter list; retry while it still refuses keeps the
// letter and says why, retry after it recovers delivers and removes it;
// discard removes another. Every step audited.
func TestDeadLetterRetryAndDiscard(t *testing.T) {
	e := newFwdEnv(t)
	admin := e.admin()
	e.recv.set(plantedSecret, true)
	resp, b := e.do(admin, "POST", "/api/v1/destinations", map[string]any{"name": "Feed", "kind": "webhook",
		"stream": "messages", "url": e.recv.srv.URL, "secret": plantedSecret})
	var d model.Destination
	mustJSON(t, b, &d)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	e.seed()
	var dl struct {
		DeadLetters []forward.DeadLetter `json:"dead_letters"`
	}
	path := "/api/v1/destinations/" + d.ID + "/dead-letters"
	waitFor(t, "a dead letter", func() bool {
		_, b := e.do(admin, "GET", path, nil)
		mustJSON(t, b, &dl)
		return len(dl.DeadLetters) > 0
	})
	first := dl.DeadLetters[0]
	if first.Error == "" || len(first.Events) == 0 || strings.Contains(first.Error, plantedSecret) {
		t.Fatalf("dead letter %+v", first)
	}
	var res struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	resp, b = e.do(admin, "POST", path+"/"+first.ID+"/retry", nil)
	mustJSON(t, b, &res)
	if resp.StatusCode != 200 || res.OK || res.Error == "" {
		t.Fatalf("retry while refusing: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("destination.dead_letter.retry"); a.Target != d.ID || a.Detail["letter"] != first.ID || a.Detail["ok"] != "false" {
		t.Fatalf("retry audit: %+v", a)
	}
	e.recv.set(plantedSecret, false)
	resp, b = e.do(admin, "POST", path+"/"+first.ID+"/retry", nil)
	mustJSON(t, b, &res)
	if resp.StatusCode != 200 || !res.OK {
		t.Fatalf("retry after recovery: %d %s", resp.StatusCode, b)
	}
	evs, _ := e.recv.got()
	if len(evs) < len(first.Events) || evs[0].ID != first.Events[0].ID {
		t.Fatalf("receiver got %d events after the retry; the letter had %d starting %s", len(evs), len(first.Events), first.Events[0].ID)
	}
	_, b = e.do(admin, "GET", path, nil)
	mustJSON(t, b, &dl)
	for _, x := range dl.DeadLetters {
		if x.ID == first.ID {
			t.Fatalf("retried letter still listed: %s", b)
		}
	}
	// Another refused batch, discarded.
	e.recv.set(plantedSecret, true)
	if _, err := e.ix.Ingest(context.Background(), indexer.Batch{Messages: []model.Message{{ID: "msg-late", ConversationID: "conv-1",
		Seq: 2, OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: t0.Add(time.Hour),
		Blocks: []model.Block{{Type: model.BlockText, Text: "one more"}}}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a second dead letter", func() bool {
		_, b := e.do(admin, "GET", path, nil)
		mustJSON(t, b, &dl)
		return len(dl.DeadLetters) > 0
	})
	other := dl.DeadLetters[0].ID
	if resp, b := e.do(admin, "DELETE", path+"/"+other, nil); resp.StatusCode != 204 {
		t.Fatalf("discard: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("destination.dead_letter.discard"); a.Target != d.ID || a.Detail["letter"] != other {
		t.Fatalf("discard audit: %+v", a)
	}
	_, b = e.do(admin, "GET", path, nil)
	mustJSON(t, b, &dl)
	if len(dl.DeadLetters) != 0 {
		t.Fatalf("discarded letter still listed: %s", b)
	}
	if e.countAudit("destination.dead_letter.list") < 2 {
		t.Error("dead letter lists not audited")
	}
}
