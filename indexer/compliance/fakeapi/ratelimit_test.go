package fakeapi

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestQuotaSharedAcrossKeys: every key of the organisation draws on one
// per-minute quota (reference §7); requests refused before the limiter (no
// key, unknown key, unknown path) spend nothing, and the next minute starts
// afresh.
func TestQuotaSharedAcrossKeys(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 5, 0, time.UTC)
	keys := []string{testKey, "sk-ant-api01-second-key", "sk-ant-admin01-third-key"}
	_, hs := newTestServer(t, smallOrg(), Options{RequestsPerMinute: 4, Now: func() time.Time { return now },
		Keys: []KeySpec{{Secret: keys[1]}, {Secret: keys[2], Kind: KindAdmin, Scopes: []string{ScopeOrgData}}}})
	orgs := "/v1/compliance/organizations"
	for i := 0; i < 4; i++ {
		resp, b := get(t, hs.URL, orgs, nil, keys[i%3])
		if resp.StatusCode != 200 || resp.Header.Get("anthropic-ratelimit-requests-remaining") != strconv.Itoa(3-i) {
			t.Fatalf("request %d with key %d: %d remaining %q %s", i, i%3, resp.StatusCode,
				resp.Header.Get("anthropic-ratelimit-requests-remaining"), b)
		}
		// Refused before the limiter: these must not move the count.
		get(t, hs.URL, orgs, nil, "")
		get(t, hs.URL, orgs, nil, "sk-ant-api01-unknown")
		get(t, hs.URL, "/v1/compliance/nowhere", nil, keys[0])
	}
	for i, k := range keys {
		resp, _ := get(t, hs.URL, orgs, nil, k)
		if resp.StatusCode != 429 || resp.Header.Get("retry-after") != "56" {
			t.Errorf("key %d after the shared quota: %d retry-after %q", i, resp.StatusCode, resp.Header.Get("retry-after"))
		}
	}
	now = now.Add(time.Minute)
	if resp, _ := get(t, hs.URL, orgs, nil, keys[1]); resp.StatusCode != 200 || resp.Header.Get("anthropic-ratelimit-requests-remaining") != "3" {
		t.Errorf("next minute: %d remaining %q", resp.StatusCode, resp.Header.Get("anthropic-ratelimit-requests-remaining"))
	}
}

// TestRemoteBudgetRetryAfterOne: past the remote-session budget the 429 says
// retry-after: 1 while the rate-limit headers still describe the shared
// budget, which has requests left (reference §7).
func TestRemoteBudgetRetryAfterOne(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 5, 0, time.UTC)
	s := New(smallOrg(), Options{Key: testKey, RequestsPerMinute: 10, RemoteRequestsPerMinute: 2, Now: func() time.Time { return now }})
	call := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.spend(w) && s.spendRemote(w) {
			w.WriteHeader(http.StatusOK)
		}
		return w
	}
	for i := 0; i < 2; i++ {
		if w := call(); w.Code != 200 {
			t.Fatalf("remote request %d: %d", i, w.Code)
		}
	}
	for i := 0; i < 3; i++ {
		w := call()
		h := w.Header()
		if w.Code != 429 || h.Get("retry-after") != "1" || h.Get("anthropic-ratelimit-requests-limit") != "10" ||
			h.Get("anthropic-ratelimit-requests-remaining") != strconv.Itoa(7-i) || h.Get("anthropic-ratelimit-requests-reset") != "2026-11-20T10:01:00Z" {
			t.Errorf("remote request %d past the budget: %d %v %s", 3+i, w.Code, h, w.Body)
		}
	}
	now = now.Add(time.Minute)
	if w := call(); w.Code != 200 {
		t.Errorf("next minute: %d", w.Code)
	}
	if d := New(smallOrg(), Options{}); d.opts.RemoteRequestsPerMinute != DefaultRemoteRequestsPerMinute {
		t.Errorf("default remote budget %d", d.opts.RemoteRequestsPerMinute)
	}
}
