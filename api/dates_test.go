package api

import (
	"net/url"
	"strings"
	"testing"
)

// TestDatesOutsideWindowAre400: every date the API accepts is bounded to
// the indexer's window (1970-01-01 to 2199-12-31) with a 400 naming the
// parameter and the window. Before, to=2262-04-12 and from=1600-01-01 gave
// 500s on the searches, wrong results on /audit, and a deletion preview
// "from 1000-01-01" was accepted (and the delete then dropped every index
// partition).
func TestDatesOutsideWindowAre400(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.Sync = &fakeSync{} })
	e.seed()
	admin := e.admin()
	const window = "1970-01-01 to 2199-12-31"

	far := []struct{ param, value, want string }{
		{"to", "2262-04-12", window},
		{"from", "1600-01-01", window},
		{"to", "2200-01-01", window}, // a bare end adds a day: 2200-01-02
		{"from", "2200-01-01", window},
		{"from", "0001-01-01", window},
		{"to", "9999-12-31T00:00:00Z", window},
		{"from", "1969-12-31T23:59:59Z", window},
		{"to", "2199-12-31T23:00:00-05:00", window}, // 2200-01-01T04:00Z
		{"from", "2026-13-01", "is not a date"},
		{"to", "yesterday", "is not a date"},
	}
	getters := []string{"/api/v1/search", "/api/v1/conversations", "/api/v1/export", "/api/v1/analytics", "/api/v1/audit"}
	check := func(t *testing.T, what string, status int, b []byte, param, want string) {
		t.Helper()
		msg := string(b)
		if status != 400 || errorType(t, b) != "bad_request" || !strings.Contains(msg, `\"`+param+`\"`) || !strings.Contains(msg, want) {
			t.Errorf("%s: %d %s; want 400 naming %q and %q", what, status, b, param, want)
		}
	}
	for _, path := range getters {
		for _, tc := range far {
			target := path + "?" + tc.param + "=" + url.QueryEscape(tc.value)
			resp, b := e.do(admin, "GET", target, nil)
			check(t, target, resp.StatusCode, b, tc.param, tc.want)
		}
	}
	// JSON bodies: deletions (preview and real) and the sync schedule.
	for _, tc := range far {
		body := map[string]any{"from": "2026-01-01", "to": "2026-02-01", "confirm": true, "confirm_token": "x"}
		body[tc.param] = tc.value
		for _, path := range []string{"/api/v1/deletions/preview", "/api/v1/deletions"} {
			resp, b := e.do(admin, "POST", path, body)
			check(t, path+" "+tc.param+"="+tc.value, resp.StatusCode, b, tc.param, tc.want)
		}
		if tc.param == "from" {
			resp, b := e.do(admin, "PUT", "/api/v1/settings/schedule", map[string]any{"sync_from": tc.value, "hourly": true})
			check(t, "schedule "+tc.value, resp.StatusCode, b, "sync_from", tc.want)
		}
	}

	// A range that ends before it starts is the caller's mistake, said the
	// same way everywhere (the pen-test saw an indexer message from
	// /analytics and an empty 200 from /audit).
	for _, path := range getters {
		resp, b := e.do(admin, "GET", path+"?from=2026-03-01&to=2026-02-01", nil)
		if resp.StatusCode != 400 || !strings.Contains(string(b), `parameter \"from\" must be before \"to\"`) {
			t.Errorf("%s with from after to: %d %s", path, resp.StatusCode, b)
		}
	}

	// The window's own ends are accepted: to=2199-12-31 covers that day.
	for _, q := range []string{"to=2199-12-31", "from=1970-01-01", "from=1970-01-01&to=2199-12-31", "to=2199-12-31T23:59:59Z"} {
		for _, path := range getters {
			if resp, b := e.do(admin, "GET", path+"?"+q, nil); resp.StatusCode != 200 {
				t.Errorf("%s?%s: %d %s", path, q, resp.StatusCode, b)
			}
		}
	}
	resp, b := e.do(admin, "POST", "/api/v1/deletions/preview", map[string]string{"from": "1970-01-01", "to": "2199-12-31"})
	var p deletionPreview
	if mustJSON(t, b, &p); resp.StatusCode != 200 || p.Messages != 3 {
		t.Errorf("preview of the whole window: %d %s", resp.StatusCode, b)
	}
}
