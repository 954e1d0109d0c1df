package api

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	actsync "github.com/ccsync/ccsync/indexer/syncer/activity"
	"github.com/ccsync/ccsync/model"
)

var actT0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// seedActivities stores a small feed: ccsync's own calls (one 429), another
// key from an unknown address (with a formula-looking user agent, for the
// CSV), an admin key, sign-ins and a settings change that turned API
// logging off.
func (e *testEnv) seedActivities() []model.Activity {
	e.t.Helper()
	var acts []model.Activity
	for i := range 6 {
		status := 200
		if i == 5 {
			status = 429
		}
		acts = append(acts, model.Activity{ID: fmt.Sprintf("activity_own%02d", i), CreatedAt: actT0.Add(time.Duration(i) * time.Minute),
			Type: "compliance_api_accessed", Actor: model.Actor{Type: "api_actor", ID: "apikey_ccsync", IP: "192.0.2.10", UserAgent: "ccsync/1"},
			Access: &model.APIAccess{APIKeyID: "apikey_ccsync", RequestID: fmt.Sprintf("req_own%02d", i), Method: "GET", Status: status,
				URL: "https://api.anthropic.com/v1/compliance/apps/chats"}, Flags: []string{model.FlagOwnKey}})
	}
	acts = append(acts,
		model.Activity{ID: "activity_thief", CreatedAt: actT0.Add(10 * time.Minute), Type: "compliance_api_accessed",
			Actor:  model.Actor{Type: "api_actor", ID: "apikey_other", IP: "203.0.113.9", UserAgent: "=HYPERLINK(\"http://x\")"},
			Access: &model.APIAccess{APIKeyID: "apikey_other", RequestID: "req_thief", Method: "GET", Status: 200, URL: "https://api.anthropic.com/v1/compliance/apps/chats?limit=1000"},
			Flags:  []string{model.FlagOtherKey, model.FlagUnknownIP}},
		model.Activity{ID: "activity_admin", CreatedAt: actT0.Add(11 * time.Minute), Type: "compliance_api_accessed",
			Actor:  model.Actor{Type: "admin_api_key_actor", ID: "apikey_admin", IP: "10.1.0.5"},
			Access: &model.APIAccess{APIKeyID: "apikey_admin", RequestID: "req_admin", Method: "GET", Status: 403},
			Flags:  []string{model.FlagAdminKey}},
		model.Activity{ID: "activity_login", CreatedAt: actT0.Add(12 * time.Minute), Type: "sso_login_succeeded", OrgID: "org-uuid",
			Actor: model.Actor{Type: "user_actor", ID: "user_ana", Email: "ana@acme.io", IP: "10.20.1.10"}, Subjects: map[string]string{"auth_method": "sso"}},
		model.Activity{ID: "activity_logoff", CreatedAt: actT0.Add(13 * time.Minute), Type: "org_compliance_api_settings_updated", OrgID: "org-uuid",
			Actor:    model.Actor{Type: "user_actor", ID: "user_bo", Email: "bo@acme.io", IP: "10.20.1.11"},
			Subjects: map[string]string{"compliance_api_enabled": "true", "compliance_api_logging_enabled": "false"}},
	)
	if _, err := e.ix.IngestActivities(context.Background(), indexer.ActivityBatch{Activities: acts}); err != nil {
		e.t.Fatal(err)
	}
	return acts
}

func TestActivitySearchFacetsAndCursor(t *testing.T) {
	e := newTestEnv(t)
	e.seedActivities()
	auditor := e.auditor()
	var res indexer.ActivityResult
	resp, b := e.do(auditor, "GET", "/api/v1/activities?flagged=true", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	mustJSON(t, b, &res)
	if res.Total != 2 || res.Hits[0].ID != "activity_admin" || res.Hits[1].ID != "activity_thief" {
		t.Fatalf("flagged: %s", b)
	}
	flags := map[string]int{}
	for _, f := range res.Facets[indexer.ActivityFacetFlag] {
		flags[f.Term] = f.Count
	}
	if flags[model.FlagOtherKey] != 1 || flags[model.FlagAdminKey] != 1 || flags[model.FlagUnknownIP] != 1 {
		t.Errorf("flag facet %v", flags)
	}
	// Paging by sealed cursor: every event once; the cursor is bound to
	// the search and the account.
	seen := map[string]bool{}
	target := "/api/v1/activities?size=3&facets=none"
	var next string
	for page := 0; ; page++ {
		u := target
		if next != "" {
			u += "&after=" + url.QueryEscape(next)
		}
		var r indexer.ActivityResult
		resp, b := e.do(auditor, "GET", u, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("page %d: %d %s", page, resp.StatusCode, b)
		}
		mustJSON(t, b, &r)
		for _, h := range r.Hits {
			if seen[h.ID] {
				t.Fatalf("%s twice", h.ID)
			}
			seen[h.ID] = true
		}
		if r.Next == "" {
			break
		}
		if page == 0 {
			for _, other := range []string{"/api/v1/activities?size=3&facets=none&flag=own_key", "/api/v1/search?size=3"} {
				if resp, _ := e.do(auditor, "GET", other+"&after="+url.QueryEscape(r.Next), nil); resp.StatusCode != 400 {
					t.Errorf("cursor opened %s: %d", other, resp.StatusCode)
				}
			}
			if resp, _ := e.do(e.admin(), "GET", u+"&after="+url.QueryEscape(r.Next), nil); resp.StatusCode != 400 {
				t.Errorf("another account's cursor accepted: %d", resp.StatusCode)
			}
		}
		next = r.Next
	}
	if len(seen) != 10 {
		t.Errorf("paged %d of 10", len(seen))
	}
	if n := len(e.audited("activity.search")); n != 2 {
		t.Errorf("%d activity.search entries; want one per first page (flagged, paged)", n)
	}
	for _, bad := range []string{"?flag=root", "?size=0", "?size=999", "?facets=password", "?sort=random", "?from=1000-01-01",
		"?q=" + url.QueryEscape(`type:"open`), "?after=forged"} {
		if resp, b := e.do(auditor, "GET", "/api/v1/activities"+bad, nil); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, b)
		}
	}
}

func TestActivityHealthPanel(t *testing.T) {
	now := actT0.Add(2 * time.Hour)
	e := newTestEnv(t, func(c *Config) { c.Now = func() time.Time { return now } })
	e.seedActivities()
	var h ActivityHealth
	resp, b := e.do(e.auditor(), "GET", "/api/v1/activities/health?hours=24", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	mustJSON(t, b, &h)
	if h.OwnTotal != 6 || h.OwnErrors != 1 || h.RateLimited != 1 || len(h.OwnCalls) != 1 {
		t.Errorf("own calls: total %d errors %d 429s %d hours %v", h.OwnTotal, h.OwnErrors, h.RateLimited, h.OwnCalls)
	}
	if h.LagSeconds == nil || *h.LagSeconds != int64(now.Sub(actT0.Add(13*time.Minute)).Seconds()) {
		t.Errorf("lag %v", h.LagSeconds)
	}
	if !strings.Contains(h.LoggingAlert, "logging was switched off") {
		t.Errorf("no logging alert: %q", h.LoggingAlert)
	}
	if h.FlaggedTotal != 2 || h.Flagged[model.FlagOtherKey] != 1 || h.Flagged[model.FlagAdminKey] != 1 || len(h.Recent) != 2 {
		t.Errorf("flagged %d %v %d", h.FlaggedTotal, h.Flagged, len(h.Recent))
	}
	if resp, _ := e.do(e.auditor(), "GET", "/api/v1/activities/health?hours=100000", nil); resp.StatusCode != 400 {
		t.Errorf("unbounded window accepted: %d", resp.StatusCode)
	}
}

func TestActivitySettingsAudited(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	body := actsync.Settings{Keys: []actsync.KnownKey{{ID: "apikey_siem", Label: "SIEM", Role: actsync.RoleTrusted}},
		CIDRs: []string{"192.0.2.0/24", "2001:db8::1"}}
	resp, b := e.do(admin, "PUT", "/api/v1/activities/settings", body)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	got, err := actsync.LoadSettings(e.ix)
	if err != nil || len(got.Keys) != 1 || got.CIDRs[1] != "2001:db8::1/128" {
		t.Fatalf("stored %+v %v", got, err)
	}
	if a := e.audited("settings.activity"); len(a) != 1 || a[0].Detail["keys"] != "apikey_siem=trusted" {
		t.Errorf("audit %+v", a)
	}
	for _, bad := range []string{`{"cidrs":["10.0.0.0/33"]}`, `{"keys":[{"id":"apikey_x","role":"root"}]}`,
		`{"keys":[{"id":"","role":"own"}]}`, `{"keys":[{"id":"a","role":"own"},{"id":"a","role":"own"}]}`} {
		if resp, b := e.do(admin, "PUT", "/api/v1/activities/settings", bad); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, b)
		}
	}
	if n := len(e.audited("settings.activity")); n != 1 {
		t.Errorf("%d audit entries; refused changes must not be recorded as made", n)
	}
}

func rawGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

// TestActivityExportGolden pins both export formats; the CSV defuses the
// formula a hostile user agent carries.
func TestActivityExportGolden(t *testing.T) {
	e := newTestEnv(t)
	e.seedActivities()
	for _, format := range []string{"csv", "jsonl"} {
		resp, b := e.do(e.auditor(), "GET", "/api/v1/activities/export?format="+format+"&type=compliance_api_accessed&sort=oldest", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", format, resp.StatusCode, b)
		}
		rawGolden(t, "activity_export."+format, b)
	}
	if !strings.Contains(string(mustRead(t, "testdata/activity_export.csv")), `'=HYPERLINK`) {
		t.Error("formula not defused")
	}
	ends := e.audited("activity.export.end")
	if len(e.audited("activity.export")) != 2 || len(ends) != 2 || ends[0].Detail["rows"] != "8" || ends[0].Detail["complete"] != "true" {
		t.Errorf("export audit %+v", ends)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
