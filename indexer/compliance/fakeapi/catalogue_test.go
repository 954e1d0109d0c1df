package fakeapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
)

// Keys of the catalogue tests, one per way a key can fail.
const (
	keyActivitiesOnly = "sk-ant-api01-activities-only"
	keyUserDataOnly   = "sk-ant-api01-user-data-only"
	keyAdmin          = "sk-ant-admin01-console-key"
	keyAdminAudit     = "sk-ant-admin01-org-audit-key"
	keyDeactivated    = "sk-ant-api01-deactivated"
	keyAdminExpired   = "sk-ant-admin01-expired"
)

func catalogueServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	now := time.Date(2026, 11, 20, 10, 0, 30, 0, time.UTC)
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	opts.Keys = append(opts.Keys,
		KeySpec{Secret: keyActivitiesOnly, ID: "apikey_01activities", Scopes: []string{ScopeActivities}},
		KeySpec{Secret: keyUserDataOnly, ID: "apikey_01userdata", Scopes: []string{ScopeUserData}},
		KeySpec{Secret: keyAdmin, ID: "apikey_01admin", Kind: KindAdmin},
		KeySpec{Secret: keyAdminAudit, ID: "apikey_01audit", Kind: KindAdmin, Scopes: []string{ScopeActivities, ScopeOrgAudit}},
		KeySpec{Secret: keyDeactivated, ID: "apikey_01deactivated", State: KeyDeactivated},
		KeySpec{Secret: keyAdminExpired, ID: "apikey_01expired", Kind: KindAdmin, ExpiresAt: now.Add(-time.Hour)},
	)
	return newTestServer(t, smallOrg(), opts)
}

// TestErrorCatalogueGolden pins every error of the late-2026 catalogue
// (reference compliance-api-2026.md §7, §8.2) byte for byte, and whether it
// spent quota: auth failures, unknown paths and the not-enabled 400 do not
// (no rate-limit headers); a scope failure does.
func TestErrorCatalogueGolden(t *testing.T) {
	chats := "/v1/compliance/apps/chats"
	tests := []struct {
		name   string
		setup  func(*Server)
		method string
		path   string
		q      url.Values
		key    string
		status int
		spends bool
	}{
		{name: "error_no_key", path: chats, status: 404},
		{name: "error_api03_key", path: chats, key: "sk-ant-api03-" + strings.Repeat("x", 40), status: 404},
		{name: "error_not_a_key", path: chats, key: "hunter2", status: 404},
		{name: "error_unknown_path", path: "/v1/compliance/apps/chat", key: testKey, status: 404},
		{name: "error_unknown_path", path: "/v1/compliance/apps/sessions/cloud", key: testKey, status: 404},
		{name: "error_unknown_path", path: "/v1/compliance/apps/chats/claude_chat_01x/messages/extra", key: testKey, status: 404},
		{name: "error_unknown_path", path: "/v2/compliance/apps/chats", key: testKey, status: 404},
		{name: "error_key_invalid", path: chats, key: "sk-ant-api01-not-a-key-of-this-org", status: 401},
		{name: "error_key_invalid", path: chats, key: "sk-ant-admin01-not-a-key-of-this-org", status: 401},
		{name: "error_key_deactivated", path: chats, key: keyDeactivated, status: 401},
		{name: "error_key_expired", path: "/v1/compliance/activities", key: keyAdminExpired, status: 401},
		{name: "error_key_expired", path: chats, key: testKey, status: 401,
			setup: func(s *Server) { mustRevoke(t, s, derivedKeyID(testKey), KeyExpired) }},
		{name: "error_scope_user_data", path: chats, key: keyActivitiesOnly, status: 403, spends: true},
		{name: "error_scope_org_data", path: "/v1/compliance/organizations", key: keyUserDataOnly, status: 403, spends: true},
		{name: "error_scope_activities", path: "/v1/compliance/activities", key: keyUserDataOnly, status: 403, spends: true},
		{name: "error_admin_key", path: chats, key: keyAdmin, status: 403, spends: true},
		{name: "error_admin_key", path: "/v1/compliance/apps/sessions/local", key: keyAdmin, status: 403, spends: true},
		{name: "error_not_enabled", path: chats, key: testKey, status: 400, setup: func(s *Server) { s.SetEnabled(false) }},
		{name: "error_unknown_param", path: chats, q: url.Values{"created_at[gte]": {"2026-01-01T00:00:00Z"}}, key: testKey, status: 400, spends: true},
		{name: "error_unknown_param_plain", path: chats, q: url.Values{"q": {"x"}}, key: testKey, status: 400, spends: true},
		{name: "error_bad_date", path: chats, q: url.Values{"created_at.gte": {"Z026-01-01T00:00:00Z"}}, key: testKey, status: 400, spends: true},
		{name: "error_limit", path: chats, q: url.Values{"limit": {"1500"}}, key: testKey, status: 400, spends: true},
		{name: "error_cursor", path: chats, q: url.Values{"after_id": {"forged"}}, key: testKey, status: 400, spends: true},
		{name: "error_not_found", path: "/v1/compliance/apps/chats/claude_chat_01nope/messages", key: testKey, status: 404, spends: true},
		{name: "error_org_not_found", path: "/v1/compliance/organizations/00000000-0000-4000-8000-000000000000/users", key: testKey, status: 404, spends: true},
		{name: "error_rate_limit", path: chats, key: testKey, status: 429, spends: true,
			setup: func(s *Server) { s.opts.RequestsPerMinute = 1; s.shared.take(s.opts.Now(), 1) }},
		{name: "error_bare_envelope", path: chats, status: 404, setup: func(s *Server) { s.SetErrorEnvelope(EnvelopeBare) }},
		{name: "error_method", method: http.MethodPost, path: chats, key: testKey, status: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, hs := catalogueServer(t, Options{})
			if tc.setup != nil {
				tc.setup(s)
			}
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req, _ := http.NewRequest(method, hs.URL+tc.path+"?"+tc.q.Encode(), nil)
			if tc.key != "" {
				req.Header.Set("x-api-key", tc.key)
			}
			resp, body := send(t, req)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("anthropic-ratelimit-requests-remaining") != ""; got != tc.spends {
				t.Errorf("rate-limit headers present = %v, want %v (quota spent)", got, tc.spends)
			}
			if resp.Header.Get("request-id") == "" {
				t.Error("no request-id header")
			}
			body = bytes.ReplaceAll(body, []byte(resp.Header.Get("request-id")), []byte("req_X"))
			golden(t, tc.name, body)
		})
	}
}

func mustRevoke(t *testing.T, s *Server, id string, how KeyState) {
	t.Helper()
	if err := s.RevokeKey(id, how); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, buf.Bytes()
}

// TestScopesGrantTheirFamilies: each read scope opens its own family and
// read:org_audit opens every one (the [ADMIN-KEYS] reading for admin keys);
// a revoked key is refused and restored.
func TestScopesGrantTheirFamilies(t *testing.T) {
	s, hs := catalogueServer(t, Options{})
	org := s.Snapshot()
	paths := map[string]string{
		"chats":         "/v1/compliance/apps/chats",
		"messages":      "/v1/compliance/apps/chats/" + org.Chats[0].ID + "/messages",
		"users":         "/v1/compliance/organizations/" + org.UUID + "/users",
		"organizations": "/v1/compliance/organizations",
	}
	tests := []struct {
		key  string
		want map[string]int
	}{
		{testKey, map[string]int{"chats": 200, "messages": 200, "users": 200, "organizations": 200}},
		{keyUserDataOnly, map[string]int{"chats": 200, "messages": 200, "users": 200, "organizations": 403}},
		{keyActivitiesOnly, map[string]int{"chats": 403, "messages": 403, "users": 403, "organizations": 403}},
		{keyAdmin, map[string]int{"chats": 403, "messages": 403, "users": 403, "organizations": 403}},
		{keyAdminAudit, map[string]int{"chats": 200, "messages": 200, "users": 200, "organizations": 200}},
	}
	for _, tc := range tests {
		for fam, path := range paths {
			if resp, b := get(t, hs.URL, path, nil, tc.key); resp.StatusCode != tc.want[fam] {
				t.Errorf("key %s on %s: %d, want %d: %s", tc.key, fam, resp.StatusCode, tc.want[fam], b)
			}
		}
	}
	for _, k := range []string{testKey, keyActivitiesOnly, keyAdmin, keyAdminAudit} {
		// The feed's handler is another file's; only the gate is checked.
		if resp, b := get(t, hs.URL, "/v1/compliance/activities", nil, k); resp.StatusCode == 401 || resp.StatusCode == 403 {
			t.Errorf("key %s refused the Activity Feed: %d %s", k, resp.StatusCode, b)
		}
	}
	mustRevoke(t, s, "apikey_01userdata", KeyDeactivated)
	if resp, b := get(t, hs.URL, paths["chats"], nil, keyUserDataOnly); resp.StatusCode != 401 || !bytes.Contains(b, []byte(msgKeyDeactivated)) {
		t.Errorf("deactivated key: %d %s", resp.StatusCode, b)
	}
	mustRevoke(t, s, "apikey_01userdata", KeyActive)
	if resp, _ := get(t, hs.URL, paths["chats"], nil, keyUserDataOnly); resp.StatusCode != 200 {
		t.Errorf("restored key: %d", resp.StatusCode)
	}
	if err := s.RevokeKey("apikey_01nobody", KeyExpired); err == nil {
		t.Error("RevokeKey of an unknown id succeeded")
	}
	s.SetEnabled(false)
	if resp, b := get(t, hs.URL, paths["users"], nil, testKey); resp.StatusCode != 400 || !bytes.Contains(b, []byte(msgNotEnabled)) {
		t.Errorf("disabled: %d %s", resp.StatusCode, b)
	}
	s.SetEnabled(true)
	if resp, _ := get(t, hs.URL, paths["users"], nil, testKey); resp.StatusCode != 200 {
		t.Errorf("re-enabled: %d", resp.StatusCode)
	}
}

// TestUnknownParamsRejected is the strictness table: every endpoint refuses
// a parameter it does not document, naming it and the near name a client
// probably meant (reference §2.1, §8.2), and accepts each it documents.
func TestUnknownParamsRejected(t *testing.T) {
	s, hs := newTestServer(t, smallOrg(), Options{RequestsPerMinute: 1 << 20})
	org := s.Snapshot()
	endpoints := map[string]string{
		"chats":         "/v1/compliance/apps/chats",
		"messages":      "/v1/compliance/apps/chats/" + org.Chats[0].ID + "/messages",
		"organizations": "/v1/compliance/organizations",
		"users":         "/v1/compliance/organizations/" + org.UUID + "/users",
	}
	tests := []struct {
		endpoint, param, want string
	}{
		{"chats", "created_at[gte]", "Unknown query parameter: 'created_at[gte]'. Did you mean 'created_at.gte'?"},
		{"chats", "user_ids", "Unknown query parameter: 'user_ids'. Did you mean 'user_ids[]'?"},
		{"chats", "organization_ids", "Unknown query parameter: 'organization_ids'. Did you mean 'organization_ids[]'?"},
		{"chats", "limits", "Unknown query parameter: 'limits'. Did you mean 'limit'?"},
		{"chats", "order", "Unknown query parameter: 'order'. Did you mean 'order_by'?"},
		{"chats", "page", "Unknown query parameter: 'page'."},
		{"chats", "updated_since", "Unknown query parameter: 'updated_since'."},
		{"messages", "updated_at[lt]", "Unknown query parameter: 'updated_at[lt]'. Did you mean 'updated_at.lt'?"},
		{"messages", "tool_use_input_max_bytes", "Unknown query parameter: 'tool_use_input_max_bytes'. Did you mean 'tool_use_input_max_chars'?"},
		{"messages", "order_by", "Unknown query parameter: 'order_by'."},
		{"messages", "page", "Unknown query parameter: 'page'."},
		{"organizations", "after_id", "Unknown query parameter: 'after_id'."},
		{"organizations", "pages", "Unknown query parameter: 'pages'. Did you mean 'page'?"},
		{"users", "user_ids[]", "Unknown query parameter: 'user_ids[]'."},
		{"users", "limit[]", "Unknown query parameter: 'limit[]'. Did you mean 'limit'?"},
		{"users", strings.Repeat("x", 300), "Unknown query parameter: '" + strings.Repeat("x", 300) + "'."},
	}
	for _, tc := range tests {
		t.Run(tc.endpoint+"/"+tc.param[:min(len(tc.param), 30)], func(t *testing.T) {
			resp, b := get(t, hs.URL, endpoints[tc.endpoint], url.Values{tc.param: {"1"}}, testKey)
			var e wireErrorBody
			if resp.StatusCode != 400 || json.Unmarshal(b, &e) != nil || e.Error.Message != tc.want || e.Error.Type != "invalid_request_error" {
				t.Errorf("%d %s, want 400 %q", resp.StatusCode, b, tc.want)
			}
		})
	}
	documented := map[string][]string{"chats": chatsParams, "messages": messagesParams, "organizations": pageParams, "users": pageParams}
	for ep, params := range documented {
		for _, p := range params {
			_, b := get(t, hs.URL, endpoints[ep], url.Values{p: {"1"}}, testKey)
			if bytes.Contains(b, []byte("Unknown query parameter")) {
				t.Errorf("%s refused its documented parameter %s: %s", ep, p, b)
			}
		}
	}
}

func TestDidYouMeanBounded(t *testing.T) {
	long := strings.Repeat("a", 1<<16)
	if got := didYouMean(long, chatsParams); got != "" {
		t.Errorf("suggested %q for a 64 KiB name", got)
	}
	if got := didYouMean("zzzz", chatsParams); got != "" {
		t.Errorf("suggested %q for zzzz", got)
	}
}
