package fakeapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/goccy/go-json"
)

func activityOrg() *Org {
	return Generate(3, GenOptions{Users: 3, Chats: 4, MaxMessages: 2, Activities: len(activityTemplates) + 2})
}

type activityPage struct {
	Data []struct {
		ID        string         `json:"id"`
		CreatedAt string         `json:"created_at"`
		Type      string         `json:"type"`
		Actor     map[string]any `json:"actor"`
	} `json:"data"`
	HasMore bool    `json:"has_more"`
	FirstID *string `json:"first_id"`
	LastID  *string `json:"last_id"`
}

// TestActivityGolden pins the feed's wire format: every actor variant of
// reference §6.3 and an unknown one, the §6.5 null names, the envelope.
func TestActivityGolden(t *testing.T) {
	// The golden requests are logged too (every call is a feed event), so
	// the clock is fixed for their times to be.
	at := time.Date(2026, 10, 21, 12, 0, 0, 0, time.UTC)
	s, hs := newTestServer(t, activityOrg(), Options{Now: func() time.Time { return at }})
	s.LogForTest(Logged{Time: time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC), KeyID: "apikey_01OwnKey", Method: "GET",
		Path: "/v1/compliance/apps/chats", Query: "limit=1000", Status: 200, RequestID: "req_test000001",
		RemoteIP: "127.0.0.1", UserAgent: "ccsync/test"})
	for _, tc := range []struct {
		name string
		q    url.Values
	}{
		{"activity_page_asc", url.Values{"order": {"asc"}, "limit": {"30"}}},
		{"activity_page_desc_filtered", url.Values{"limit": {"2"}, "activity_types[]": {"compliance_api_accessed"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, hs.URL, "/v1/compliance/activities", tc.q, testKey)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			golden(t, tc.name, body)
		})
	}
}

func TestActivityErrors(t *testing.T) {
	s, hs := newTestServer(t, activityOrg(), Options{})
	var p activityPage
	_, body := get(t, hs.URL, "/v1/compliance/activities", url.Values{"limit": {"1"}}, testKey)
	if err := json.Unmarshal(body, &p); err != nil || p.LastID == nil {
		t.Fatalf("first page: %v %s", err, body)
	}
	s.RejectActivityCursor(*p.LastID)
	for _, tc := range []struct {
		name string
		q    url.Values
		msg  string
	}{
		{"forged cursor", url.Values{"after_id": {"activity_invalid!23"}}, "Invalid activity_id format: 'activity_invalid!23'"},
		{"unknown cursor", url.Values{"after_id": {"activity_01nope"}}, "Invalid activity_id format: 'activity_01nope'"},
		{"rejected cursor", url.Values{"after_id": {*p.LastID}}, "Invalid activity_id format: '" + *p.LastID + "'"},
		{"limit", url.Values{"limit": {"5001"}}, "limit: Input should be less than or equal to 5000"},
		{"limit zero", url.Values{"limit": {"0"}}, "limit: Input should be greater than or equal to 1"},
		{"bracket range", url.Values{"created_at[gte]": {"2026-01-01T00:00:00Z"}}, "Unknown query parameter: 'created_at[gte]'. Did you mean 'created_at.gte'?"},
		{"missing brackets", url.Values{"activity_types": {"sso_login_succeeded"}}, "Unknown query parameter: 'activity_types'. Did you mean 'activity_types[]'?"},
		{"bad time", url.Values{"created_at.gte": {"yesterday"}}, "created_at.gte: Input should be a valid datetime or date, invalid character in year"},
		{"bad enum", url.Values{"activity_types[]": {"Not A Type"}}, "activity_types[].0: Input is not one of the permitted values."},
		{"bad order", url.Values{"order": {"up"}}, "order: Input should be 'asc' or 'desc'"},
		{"both cursors", url.Values{"after_id": {*p.LastID}, "before_id": {*p.LastID}}, "Only one of after_id and before_id may be provided."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, hs.URL, "/v1/compliance/activities", tc.q, testKey)
			var e wireErrorBody
			_ = json.Unmarshal(body, &e)
			if resp.StatusCode != 400 || e.Error.Type != "invalid_request_error" || e.Error.Message != tc.msg {
				t.Errorf("got %d %s, want 400 %q", resp.StatusCode, body, tc.msg)
			}
		})
	}
}

// walk pages through the feed with after_id and returns the ids in order.
func walkActivities(t *testing.T, base string, q url.Values) []string {
	t.Helper()
	var ids []string
	for range 100 {
		var p activityPage
		_, body := get(t, base, "/v1/compliance/activities", q, testKey)
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		for _, d := range p.Data {
			ids = append(ids, d.ID)
		}
		if !p.HasMore {
			return ids
		}
		q.Set("after_id", *p.LastID)
	}
	t.Fatal("feed never ended")
	return nil
}

// TestActivityPaging: asc and desc walks see every row once, in opposite
// orders; a row added behind an ascending cursor is skipped by after_id
// but found by re-polling its created_at window.
func TestActivityPaging(t *testing.T) {
	org := activityOrg()
	s, hs := newTestServer(t, org, Options{})
	// The walks' own calls are feed events too, as in the real feed; the
	// org's generated events are what this test follows.
	generated := map[string]bool{}
	for _, a := range org.Activities {
		generated[a.ID] = true
	}
	only := func(ids []string) []string {
		return slices.DeleteFunc(ids, func(id string) bool { return !generated[id] })
	}
	asc := only(walkActivities(t, hs.URL, url.Values{"order": {"asc"}, "limit": {"5"}}))
	desc := only(walkActivities(t, hs.URL, url.Values{"limit": {"7"}}))
	if len(asc) != len(org.Activities) || len(desc) != len(asc) {
		t.Fatalf("asc %d, desc %d, want %d", len(asc), len(desc), len(org.Activities))
	}
	for i := range asc {
		if asc[i] != desc[len(desc)-1-i] {
			t.Fatalf("row %d: asc %s, desc %s", i, asc[i], desc[len(desc)-1-i])
		}
	}
	last := org.Activities[0]
	for _, a := range org.Activities {
		if a.CreatedAt.After(last.CreatedAt) {
			last = a
		}
	}
	late := &Activity{ID: "activity_01LateRow", CreatedAt: last.CreatedAt.Add(-time.Minute), Type: "claude_chat_deleted",
		Actor: map[string]any{"type": "user_actor", "user_id": org.Users[0].ID}, Fields: map[string]any{"claude_chat_id": "claude_chat_01x"}}
	s.AddActivity(late)
	generated[late.ID] = true
	after := only(walkActivities(t, hs.URL, url.Values{"order": {"asc"}, "after_id": {last.ID}}))
	if len(after) != 0 {
		t.Errorf("after the newest row the walk found %v; the late row must be behind the cursor", after)
	}
	window := walkActivities(t, hs.URL, url.Values{"order": {"asc"}, "created_at.gte": {last.CreatedAt.Add(-10 * time.Minute).Format(time.RFC3339Nano)}})
	found := false
	for _, id := range window {
		found = found || id == late.ID
	}
	if !found {
		t.Errorf("the overlap window %v misses the late row", window)
	}
}

func TestActivityMalformedItem(t *testing.T) {
	org := activityOrg()
	org.Activities[0].Malformed = true
	_, hs := newTestServer(t, org, Options{})
	var p struct{ Data []json.RawMessage }
	_, body := get(t, hs.URL, "/v1/compliance/activities", url.Values{"limit": {"5000"}}, testKey)
	if err := json.Unmarshal(body, &p); err != nil || len(p.Data) != len(org.Activities) {
		t.Fatalf("%v, %d items", err, len(p.Data))
	}
	bad := 0
	for _, d := range p.Data {
		var v struct {
			CreatedAt string `json:"created_at"`
		}
		if json.Unmarshal(d, &v) != nil {
			bad++
		}
	}
	if bad != 1 {
		t.Errorf("%d malformed items, want 1", bad)
	}
}

// FuzzListActivities: whatever the query, the feed answers 200 or a 400 in
// the API's envelope, never a panic or a 5xx.
func FuzzListActivities(f *testing.F) {
	f.Add("after_id=activity_01x&limit=5000&order=asc")
	f.Add("created_at.gte=2026-10-01&created_at[lt]=x&activity_types[]=Bad")
	f.Add("before_id=activity_%00&exclude_activity_types[]=sso_login_succeeded&activity_types[]=a")
	f.Add("limit=-1&order=sideways&organization_ids[]=")
	s := New(activityOrg(), Options{Key: testKey})
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest(http.MethodGet, "/v1/compliance/activities", nil)
		r.URL.RawQuery = query
		r.Header.Set("x-api-key", testKey)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != 200 && w.Code != 400 && w.Code != 429 {
			t.Fatalf("%q: status %d %s", query, w.Code, w.Body)
		}
		var e wireErrorBody
		if w.Code == 400 && (json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Message == "") {
			t.Fatalf("%q: 400 without the error envelope: %s", query, w.Body)
		}
	})
}
