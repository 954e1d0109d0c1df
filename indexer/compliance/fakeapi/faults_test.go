package fakeapi

import (
	"bytes"
	"testing"
)

// TestFaultHook: a status fault on one record answers for that record only,
// as many times as asked, before the handler; a family fault covers the
// list too; a Kind-only fault is left for the family's handler to read
// through faultFor.
func TestFaultHook(t *testing.T) {
	org := smallOrg()
	s, hs := newTestServer(t, org, Options{})
	a, b := org.Chats[0].ID, org.Chats[1].ID
	msgs := func(id string) string { return "/v1/compliance/apps/chats/" + id + "/messages" }
	s.SetFault(FamilyChats, a, Fault{Status: 503, Message: "Captured content is temporarily unavailable.",
		Header: map[string]string{"x-should-retry": "true"}, Times: 2})
	for i := 0; i < 2; i++ {
		resp, body := get(t, hs.URL, msgs(a), nil, testKey)
		if resp.StatusCode != 503 || resp.Header.Get("x-should-retry") != "true" ||
			!bytes.Contains(body, []byte(`"overloaded_error"`)) || !bytes.Contains(body, []byte("Captured content")) {
			t.Errorf("faulted %d: %d %s", i, resp.StatusCode, body)
		}
	}
	for _, id := range []string{a, b} {
		if resp, body := get(t, hs.URL, msgs(id), nil, testKey); resp.StatusCode != 200 {
			t.Errorf("%s after the fault ran out: %d %s", id, resp.StatusCode, body)
		}
	}
	s.SetFault(FamilyChats, "", Fault{Status: 404, Message: "Not available."})
	for _, p := range []string{"/v1/compliance/apps/chats", msgs(b)} {
		if resp, _ := get(t, hs.URL, p, nil, testKey); resp.StatusCode != 404 {
			t.Errorf("family fault on %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := get(t, hs.URL, "/v1/compliance/organizations", nil, testKey); resp.StatusCode != 200 {
		t.Errorf("family fault leaked into organizations: %d", resp.StatusCode)
	}
	s.ClearFault(FamilyChats, "")
	s.SetFault(FamilyFiles, "claude_file_01x", Fault{Kind: "cut_body", Times: 1})
	s.mu.Lock()
	f, ok := s.faultFor(FamilyFiles, "claude_file_01x")
	_, again := s.faultFor(FamilyFiles, "claude_file_01x")
	_, other := s.faultFor(FamilyFiles, "claude_file_01y")
	s.mu.Unlock()
	if !ok || f.Kind != "cut_body" || again || other {
		t.Errorf("faultFor: %+v %v, again %v, other record %v", f, ok, again, other)
	}
	if resp, _ := get(t, hs.URL, msgs(b), nil, testKey); resp.StatusCode != 200 {
		t.Errorf("after ClearFault: %d", resp.StatusCode)
	}
}
