package api

import (
	"strings"
	"testing"

	"github.com/ccsync/ccsync/indexer"
)

func TestDeletionConfirmFlow(t *testing.T) {
	e := newTestEnv(t)
	e.seed()
	admin := e.admin()
	march := `"from":"2026-03-01","to":"2026-03-31"`

	// Bad requests first: nothing is deleted by any of them.
	for _, tc := range []struct {
		name, path, body string
		status           int
	}{
		{"preview without dates", "/api/v1/deletions/preview", `{}`, 400},
		{"preview bad date", "/api/v1/deletions/preview", `{"from":"March","to":"2026-03-31"}`, 400},
		{"preview reversed", "/api/v1/deletions/preview", `{"from":"2026-04-01","to":"2026-03-01"}`, 400},
		{"delete without confirmation", "/api/v1/deletions", `{` + march + `}`, 400},
		{"delete confirm without token", "/api/v1/deletions", `{` + march + `,"confirm":true}`, 400},
		{"delete with made-up token", "/api/v1/deletions", `{` + march + `,"confirm":true,"confirm_token":"made-up"}`, 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(admin, "POST", tc.path, tc.body)
			if resp.StatusCode != tc.status || errorType(t, b) == "" {
				t.Errorf("got %d %s, want %d", resp.StatusCode, b, tc.status)
			}
		})
	}
	st, err := e.ix.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Messages != 3 {
		t.Fatalf("messages after refused deletes: %d, want 3", st.Messages)
	}

	// Dry run: counts, and a token for exactly this range.
	resp, b := e.do(admin, "POST", "/api/v1/deletions/preview", `{`+march+`}`)
	if resp.StatusCode != 200 {
		t.Fatalf("preview: %d %s", resp.StatusCode, b)
	}
	var p deletionPreview
	mustJSON(t, b, &p)
	if p.Messages != 2 || p.Conversations != 1 || !p.DryRun || p.ConfirmToken == "" {
		t.Fatalf("preview: %s", b)
	}
	// The token is bound to the range and to the admin who previewed it.
	resp, b = e.do(admin, "POST", "/api/v1/deletions", `{"from":"2026-03-01","to":"2026-04-30","confirm":true,"confirm_token":"`+p.ConfirmToken+`"}`)
	if resp.StatusCode != 409 {
		t.Errorf("token for another range: %d %s", resp.StatusCode, b)
	}
	if err := e.srv.accounts.Create("root2", RoleAdmin, adminPW); err != nil {
		t.Fatal(err)
	}
	other := e.login("root2", adminPW)
	resp, b = e.do(other, "POST", "/api/v1/deletions/preview", `{`+march+`}`)
	if resp.StatusCode != 200 {
		t.Fatalf("another admin's dry run: %d %s", resp.StatusCode, b)
	}
	var p2 deletionPreview
	mustJSON(t, b, &p2)
	if resp, b := e.do(admin, "POST", "/api/v1/deletions", `{`+march+`,"confirm":true,"confirm_token":"`+p2.ConfirmToken+`"}`); resp.StatusCode != 409 {
		t.Errorf("another admin's token: %d %s", resp.StatusCode, b)
	}

	resp, b = e.do(admin, "POST", "/api/v1/deletions", `{`+march+`,"confirm":true,"confirm_token":"`+p.ConfirmToken+`"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	var res indexer.DeleteResult
	mustJSON(t, b, &res)
	if res.Messages != 2 || res.Conversations != 1 || res.DryRun {
		t.Errorf("delete result: %s", b)
	}
	// Single use.
	if resp, _ := e.do(admin, "POST", "/api/v1/deletions", `{`+march+`,"confirm":true,"confirm_token":"`+p.ConfirmToken+`"}`); resp.StatusCode != 409 {
		t.Errorf("token reused: %d", resp.StatusCode)
	}
	if resp, _ := e.do(admin, "GET", "/api/v1/conversations/conv-1", nil); resp.StatusCode != 404 {
		t.Errorf("deleted conversation still served: %d", resp.StatusCode)
	}
	if resp, _ := e.do(admin, "GET", "/api/v1/conversations/conv-xss", nil); resp.StatusCode != 200 {
		t.Errorf("conversation outside the range gone: %d", resp.StatusCode)
	}
	// Both steps are in the audit trail with the counts.
	entries, _, err := e.srv.audit.latest(auditFilter{Action: "deletion"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != adminName || entries[0].Detail["messages"] != "2" ||
		!strings.HasPrefix(entries[0].Detail["from"], "2026-03-01") {
		t.Errorf("deletion audit: %+v", entries)
	}
}
