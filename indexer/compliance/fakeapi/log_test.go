package fakeapi

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestLogCountsEveryRequest: every answered request is logged once with the
// clock's time, its key, status, request id (the header the client saw),
// address and user agent, whatever the outcome; and the per-window count a
// budget test relies on matches a count by hand.
func TestLogCountsEveryRequest(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	second := KeySpec{Secret: "sk-ant-api01-second", ID: "apikey_01second", IP: "203.0.113.9"}
	s, hs := newTestServer(t, smallOrg(), Options{RequestsPerMinute: 5, Now: clock, Keys: []KeySpec{second}})
	chats := "/v1/compliance/apps/chats"
	type sent struct {
		path, key string
		q         url.Values
	}
	reqs := []sent{
		{chats, testKey, nil},
		{chats, "", nil},                               // 404 no key
		{chats, "sk-ant-api01-nope", nil},              // 401
		{"/v1/compliance/elsewhere", testKey, nil},     // 404 unknown path
		{chats, second.Secret, url.Values{"x": {"1"}}}, // 400 unknown param
		{chats, testKey, url.Values{"limit": {"1"}}},   // 200
		{chats, second.Secret, nil},                    // 200
		{chats, testKey, nil},                          // 200 (5th in this minute)
		{chats, testKey, nil},                          // 429
		{"/v1/compliance/organizations", testKey, nil}, // 429
	}
	var ids []string
	var statuses []int
	for i, r := range reqs {
		now = now.Add(5 * time.Second)
		req, _ := http.NewRequest(http.MethodGet, hs.URL+r.path+"?"+r.q.Encode(), nil)
		req.Header.Set("User-Agent", fmt.Sprintf("ccsync-test/%d", i))
		if r.key != "" {
			req.Header.Set("x-api-key", r.key)
		}
		resp, _ := send(t, req)
		ids = append(ids, resp.Header.Get("request-id"))
		statuses = append(statuses, resp.StatusCode)
	}
	log := s.Log()
	if len(log) != len(reqs) {
		t.Fatalf("logged %d requests, sent %d", len(log), len(reqs))
	}
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	wantKey := map[string]string{testKey: derivedKeyID(testKey), second.Secret: second.ID}
	for i, e := range log {
		r := reqs[i]
		ip := "127.0.0.1"
		if r.key == second.Secret {
			ip = second.IP
		}
		key := wantKey[r.key]
		if statuses[i] == 401 || statuses[i] == 404 {
			key = "" // refused before a key was accepted
		}
		if !e.Time.Equal(start.Add(time.Duration(i+1)*5*time.Second)) || e.Method != "GET" || e.Path != r.path ||
			e.Query != r.q.Encode() || e.Status != statuses[i] || e.RequestID != ids[i] || e.KeyID != key ||
			e.RemoteIP != ip || e.UserAgent != fmt.Sprintf("ccsync-test/%d", i) {
			t.Errorf("entry %d: %+v, want status %d request %s key %q ip %s", i, e, statuses[i], ids[i], key, ip)
		}
	}
	want := []int{200, 404, 401, 404, 400, 200, 200, 200, 429, 429}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
	}
	// Five seconds apart, all within 10:00: the fixed-minute quota refused
	// the 6th and 7th that spent it; any 20 s window holds four.
	if got := MaxPerWindow(log, time.Minute); got != 10 {
		t.Errorf("MaxPerWindow(1m) = %d, want 10", got)
	}
	if got := MaxPerWindow(log, 20*time.Second); got != 4 {
		t.Errorf("MaxPerWindow(20s) = %d, want 4", got)
	}
	if got := MaxPerWindow(log, 20*time.Second+1); got != 5 {
		t.Errorf("MaxPerWindow(20s+1ns) = %d, want 5", got)
	}
	s.mu.Lock()
	acc := s.accessLog(start.Add(20*time.Second), start.Add(40*time.Second))
	s.mu.Unlock()
	// 10:00:20 had no key (unknown path); 10:00:25 (400), :30 and :35 did.
	if len(acc) != 3 || acc[0].Status != 400 || acc[0].KeyID != second.ID || acc[2].RequestID != ids[6] {
		t.Errorf("accessLog(20s, 40s) = %+v", acc)
	}
}

// TestLogIsBounded: the log keeps the newest LogCapacity entries, oldest
// first.
func TestLogIsBounded(t *testing.T) {
	s, hs := newTestServer(t, smallOrg(), Options{LogCapacity: 3, RequestsPerMinute: 1 << 20})
	var ids []string
	for i := 0; i < 8; i++ {
		resp, _ := get(t, hs.URL, "/v1/compliance/organizations", nil, testKey)
		ids = append(ids, resp.Header.Get("request-id"))
	}
	log := s.Log()
	if len(log) != 3 {
		t.Fatalf("kept %d entries, capacity 3", len(log))
	}
	for i, e := range log {
		if e.RequestID != ids[5+i] {
			t.Errorf("entry %d is %s, want %s", i, e.RequestID, ids[5+i])
		}
	}
}
