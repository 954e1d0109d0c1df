package api

import (
	"strings"
	"testing"

	"github.com/ccsync/ccsync/model"
)

// TestHoldBadRequests: each malformed hold or release is refused with 400
// naming the field, and nothing is placed or audited.
func TestHoldBadRequests(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	long := strings.Repeat("x", 2001)
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"no matter", "POST", "/api/v1/holds", `{"reason":"r","custodians":["u1"]}`, 400, "matter"},
		{"blank matter", "POST", "/api/v1/holds", `{"matter":"  ","reason":"r","custodians":["u1"]}`, 400, "matter"},
		{"no reason", "POST", "/api/v1/holds", `{"matter":"m","custodians":["u1"]}`, 400, "reason"},
		{"names nothing", "POST", "/api/v1/holds", `{"matter":"m","reason":"r"}`, 400, "custodians, conversations or a query"},
		{"empty custodian", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","custodians":[""]}`, 400, "custodians[0]"},
		{"empty conversation", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","conversations":["c1"," "]}`, 400, "conversations[1]"},
		{"query matching everything", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","query":{}}`, 400, "query"},
		{"query bad date", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","query":{"from":"last week"}}`, 400, `query.from: \"last week\" is not a date`},
		{"query from after to", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","query":{"from":"2026-05-01","to":"2026-04-01"}}`, 400, "query.from: must be before"},
		{"query date out of range", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","query":{"to":"2300-01-01"}}`, 400, "query.to: "},
		{"server fields refused", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","custodians":["u1"],"created_by":"someone"}`, 400, "created_by"},
		{"frozen_at refused", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","query":{"text":"x","frozen_at":"2020-01-01T00:00:00Z"}}`, 400, "frozen_at"},
		{"wrong type", "POST", "/api/v1/holds", `{"matter":"m","reason":"r","custodians":"u1"}`, 400, "custodians"},
		{"matter too long", "POST", "/api/v1/holds", `{"matter":"` + long + `","reason":"r","custodians":["u1"]}`, 400, "matter"},
		{"release without reason", "POST", "/api/v1/holds/h1/release", `{}`, 400, "reason"},
		{"release blank reason", "POST", "/api/v1/holds/h1/release", `{"reason":"   "}`, 400, "reason"},
		{"release reason too long", "POST", "/api/v1/holds/h1/release", `{"reason":"` + long + `"}`, 400, "reason"},
		{"release unknown field", "POST", "/api/v1/holds/h1/release", `{"reason":"r","by":"x"}`, 400, "by"},
		{"release not JSON", "POST", "/api/v1/holds/h1/release", nil, 415, "application/json"},
		{"id too long", "GET", "/api/v1/holds/" + strings.Repeat("h", 201), nil, 404, "hold not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(admin, tc.method, tc.path, tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("got %d %s, want %d naming %q", resp.StatusCode, b, tc.status, tc.want)
			}
		})
	}
	if n := e.countAudit("hold.add") + e.countAudit("hold.release") + e.countAudit("hold.view"); n != 0 {
		t.Errorf("%d audit entries for refused requests", n)
	}
}

// TestHoldLifecycle: place → list → view → badges on the conversation →
// deletion preview keeps the held → release → listed only with all=1; every
// step in the audit trail with who, what and why.
func TestHoldLifecycle(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	admin := e.admin()

	resp, b := e.do(admin, "POST", "/api/v1/holds", `{"matter":"Acme v. Example","reason":"preservation letter 2026-11",
		"custodians":["alice@example.com"]}`)
	var h model.Hold
	mustJSON(t, b, &h)
	if resp.StatusCode != 201 || h.ID == "" || h.CreatedBy != adminName || h.CreatedAt.IsZero() || !h.Active() || h.Messages != 2 {
		t.Fatalf("add: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("hold.add"); a.Target != h.ID || a.Detail["matter"] != "Acme v. Example" || a.Detail["custodians"] != "alice@example.com" {
		t.Fatalf("hold.add audit: %+v", a)
	}

	var list struct {
		Holds []model.Hold `json:"holds"`
	}
	resp, b = e.do(admin, "GET", "/api/v1/holds", nil)
	mustJSON(t, b, &list)
	if resp.StatusCode != 200 || len(list.Holds) != 1 || list.Holds[0].ID != h.ID || list.Holds[0].Messages != 2 ||
		list.Holds[0].ConversationsCount != 1 {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "GET", "/api/v1/holds/"+h.ID, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"Acme v. Example"`) {
		t.Fatalf("view: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("hold.view"); a.Target != h.ID {
		t.Fatalf("hold.view audit: %+v", a)
	}
	if resp, b := e.do(admin, "GET", "/api/v1/holds/no-such-hold", nil); resp.StatusCode != 404 || errorType(t, b) != "not_found" {
		t.Fatalf("unknown hold: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do(admin, "POST", "/api/v1/holds/no-such-hold/release", `{"reason":"x"}`); resp.StatusCode != 404 {
		t.Fatalf("release unknown hold: %d %s", resp.StatusCode, b)
	}

	// The conversation view carries the badges, readable by auditors too.
	var conv conversationResponse
	resp, b = e.do(e.auditor(), "GET", "/api/v1/conversations/conv-1", nil)
	mustJSON(t, b, &conv)
	if resp.StatusCode != 200 || len(conv.Holds["msg-1"]) != 1 || conv.Holds["msg-1"][0] != h.ID ||
		len(conv.Holds["msg-2"]) != 1 || conv.HoldMatters[h.ID] != "Acme v. Example" {
		t.Fatalf("conversation badges: %s", b)
	}

	// A deletion of the range keeps the held messages and says why.
	var prev deletionPreview
	resp, b = e.do(admin, "POST", "/api/v1/deletions/preview", `{"from":"2026-03-01","to":"2026-03-01"}`)
	mustJSON(t, b, &prev)
	if resp.StatusCode != 200 || prev.Messages != 0 || prev.Held != 2 || prev.HeldBy[h.ID] != 2 || prev.HeldMatters[h.ID] != "Acme v. Example" {
		t.Fatalf("deletion preview: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "POST", "/api/v1/deletions", map[string]any{"from": "2026-03-01", "to": "2026-03-01",
		"confirm": true, "confirm_token": prev.ConfirmToken})
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"held":2`) || !strings.Contains(string(b), `"held_matters"`) {
		t.Fatalf("deletion: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(admin, "GET", "/api/v1/conversations/conv-1", nil); resp.StatusCode != 200 {
		t.Fatalf("held conversation gone after a deletion: %d", resp.StatusCode)
	}

	resp, b = e.do(admin, "POST", "/api/v1/holds/"+h.ID+"/release", `{"reason":"case settled"}`)
	var rel model.Hold
	mustJSON(t, b, &rel)
	if resp.StatusCode != 200 || rel.Active() || rel.ReleasedBy != adminName || rel.ReleaseReason != "case settled" {
		t.Fatalf("release: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit("hold.release"); a.Target != h.ID || a.Detail["reason"] != "case settled" || a.Actor != adminName {
		t.Fatalf("hold.release audit: %+v", a)
	}
	if resp, b := e.do(admin, "POST", "/api/v1/holds/"+h.ID+"/release", `{"reason":"again"}`); resp.StatusCode != 400 {
		t.Fatalf("second release: %d %s, want 400", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "GET", "/api/v1/holds", nil)
	mustJSON(t, b, &list)
	if resp.StatusCode != 200 || len(list.Holds) != 0 {
		t.Fatalf("released hold still listed as active: %s", b)
	}
	resp, b = e.do(admin, "GET", "/api/v1/holds?all=1", nil)
	mustJSON(t, b, &list)
	if resp.StatusCode != 200 || len(list.Holds) != 1 || list.Holds[0].ReleasedAt == nil {
		t.Fatalf("all=1: %s", b)
	}
	if n := e.countAudit("hold.list"); n != 3 {
		t.Errorf("%d hold.list entries, want 3", n)
	}
	// Released: no badge any more.
	conv = conversationResponse{}
	_, b = e.do(admin, "GET", "/api/v1/conversations/conv-1", nil)
	mustJSON(t, b, &conv)
	if conv.Holds == nil || len(conv.Holds) != 0 {
		t.Fatalf("badges after release: %s", b)
	}
}
