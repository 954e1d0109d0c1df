package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// activityDay is a day of its own, away from the ranges other tests delete.
var activityDay = time.Date(2026, 7, 15, 9, 0, 0, 0, time.UTC)

// seedActivityDay stores, on activityDay, 4 of ccsync's own calls, 2 calls
// by another key from an unknown address, an admin-key call and a sign-in.
func seedActivityDay(t *testing.T, ix *indexer.Indexer) {
	t.Helper()
	var acts []model.Activity
	add := func(id, keyID, ip string, status int, flags ...string) {
		acts = append(acts, model.Activity{ID: id, CreatedAt: activityDay.Add(time.Duration(len(acts)) * time.Minute), Type: "compliance_api_accessed",
			Actor:  model.Actor{Type: "api_actor", ID: keyID, IP: ip, UserAgent: "agent"},
			Access: &model.APIAccess{APIKeyID: keyID, RequestID: "req_" + id, Method: "GET", Status: status, URL: "https://api.anthropic.com/v1/compliance/apps/chats"},
			Flags:  flags})
	}
	for i := range 4 {
		add(fmt.Sprintf("activity_bt_own%d", i), "apikey_bt_ccsync", "192.0.2.10", 200, model.FlagOwnKey)
	}
	add("activity_bt_other0", "apikey_bt_other", "203.0.113.9", 200, model.FlagOtherKey, model.FlagUnknownIP)
	add("activity_bt_other1", "apikey_bt_other", "203.0.113.9", 200, model.FlagOtherKey, model.FlagUnknownIP)
	add("activity_bt_admin", "apikey_bt_admin", "10.1.0.5", 403, model.FlagAdminKey)
	acts = append(acts, model.Activity{ID: "activity_bt_login", CreatedAt: activityDay.Add(time.Hour), Type: "sso_login_succeeded",
		Actor: model.Actor{Type: "user_actor", ID: "user_ana", Email: "ana@acme.io", IP: "10.20.1.10"}})
	if _, err := ix.IngestActivities(context.Background(), indexer.ActivityBatch{Activities: acts}); err != nil {
		t.Fatal(err)
	}
}

// TestActivityFacetsAndFlaggedRow: the Activity mode lists a day's events,
// its facets filter them (the URL carries the filter, the total becomes the
// facet's count), flagged calls are highlighted and ccsync's own are not,
// and the health panel and export links are there.
func TestActivityFacetsAndFlaggedRow(t *testing.T) {
	tb := newTab(t)
	seedActivityDay(t, tb.srv.ix)
	tb.login()
	tb.open("/activity?from=2026-07-15&to=2026-07-15")
	tb.waitJS("activity results", `document.querySelectorAll('#results .activity-row').length === 8 && +document.getElementById('summary').dataset.total === 8`)
	tb.waitJS("health panel", `!!document.getElementById('own-calls')`)
	tb.screenshot("activity")

	// Flagged rows are highlighted and say why; own calls are not.
	flagged := js[[]string](tb, `[...document.querySelectorAll('#results .activity-row.flagged')].map(r => r.dataset.id).sort()`)
	if strings.Join(flagged, ",") != "activity_bt_admin,activity_bt_other0,activity_bt_other1" {
		t.Errorf("highlighted rows %v", flagged)
	}
	if why := js[string](tb, `document.querySelector('[data-id=activity_bt_other0] .flag-alert').textContent`); why != "Other key" {
		t.Errorf("flagged row says %q", why)
	}
	if n := js[int](tb, `document.querySelectorAll('[data-id=activity_bt_own0] .flag-alert').length`); n != 0 {
		t.Errorf("ccsync's own call is flagged as an alert")
	}

	// The flag facet filters to its count.
	want := js[int](tb, `+document.querySelector('#facets [data-facet=flag] .count[data-term=other_key]').textContent`)
	if want != 2 {
		t.Fatalf("other_key facet count %d, want 2", want)
	}
	tb.do(chromedp.Click(chromedp.CSS(`#facets [data-facet=flag] input[value=other_key]`)))
	tb.waitJS("filtered", `location.search.includes('flag=other_key') && +document.getElementById('summary').dataset.total === 2 && document.querySelectorAll('#results .activity-row').length === 2`)
	// The actor-kind facet combines with it.
	if n := js[int](tb, `+document.querySelector('#facets [data-facet=ip] .count[data-term="203.0.113.9"]').textContent`); n != 2 {
		t.Errorf("ip facet under the flag filter: %d", n)
	}
	href := js[string](tb, `document.getElementById('export-csv').getAttribute('href')`)
	if !strings.HasPrefix(href, "/api/v1/activities/export?") || !strings.Contains(href, "flag=other_key") || !strings.Contains(href, "format=csv") {
		t.Errorf("export link %q does not match the search", href)
	}
	// Flagged only keeps the admin-key call and the other key's, never ours.
	tb.open("/activity?from=2026-07-15&to=2026-07-15&flagged=true")
	tb.waitJS("flagged only", `+document.getElementById('summary').dataset.total === 3 && document.querySelectorAll('#results .activity-row.flagged').length === 3`)
	tb.screenshot("activity-flagged")
}
