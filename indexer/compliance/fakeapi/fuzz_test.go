package fakeapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/goccy/go-json"
)

// checkAnswer fails unless the fake answered 200 or a 4xx with the
// documented error envelope: never a 5xx, never a bare body.
func checkEnveloped(t *testing.T, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("%s: %d %s", what, w.Code, w.Body)
	}
	if w.Code != 200 {
		var e wireErrorBody
		if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Type == "" || e.Error.Message == "" {
			t.Fatalf("%s: %d with body %s", what, w.Code, w.Body)
		}
	}
}

// FuzzQueryParams: whatever values a client sends in the documented
// parameters, the fake answers 200 or a 4xx with the documented error
// envelope, never a 5xx or a panic.
func FuzzQueryParams(f *testing.F) {
	s := New(Generate(1, GenOptions{Chats: 8, Users: 3}), Options{Key: "k", RequestsPerMinute: 1 << 30})
	f.Add("", "", "", "")
	f.Add("eyJrIjoiY3JlYXRlZF9hdCIsInQiOiIyMDI2LTEwLTAxVDAwOjAwOjAwLjAwMDAwMCswMDowMCIsImlkIjoieCJ9", "10", "created_at", "2026-01-01T00:00:00Z")
	f.Add("eyJtc2dfdXVpZCI6IngifQ==", "-1", "updated_at", "2026-01-01")
	f.Add("eyJvIjo5OTk5OTk5OTk5OTk5fQ==", "1", "updated_at", "0001-01-01T00:00:00+23:59")
	f.Add("", "99999999999999999999", "created_at", "2026-02-30T24:61:61.1234567890Z")
	f.Fuzz(func(t *testing.T, after, limit, order, since string) {
		for _, c := range []struct {
			path string
			q    url.Values
		}{
			{"/v1/compliance/apps/chats", url.Values{"after_id": {after}, "limit": {limit}, "order_by": {order}, order + ".gte": {since}}},
			{"/v1/compliance/apps/chats/" + s.org.Chats[0].ID + "/messages", url.Values{"after_id": {after}, "limit": {limit},
				"order": {order}, "created_at.lt": {since}, "tool_use_input_max_chars": {limit}}},
			{"/v1/compliance/apps/chats/" + s.org.Chats[1].ID + "/messages", url.Values{"before_id": {after}, "limit": {limit}, "tool_result_max_chars": {order}}},
			{"/v1/compliance/organizations/" + s.org.UUID + "/users", url.Values{"page": {after}, "limit": {limit}}},
			{"/v1/compliance/organizations", url.Values{"page": {after}, "limit": {limit}}},
		} {
			req := httptest.NewRequest(http.MethodGet, c.path+"?"+c.q.Encode(), nil)
			req.Header.Set("x-api-key", "k")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			checkEnveloped(t, w, c.path+"?"+c.q.Encode())
		}
	})
}

// FuzzHandlers sends raw query strings, path tails and keys to every route:
// unknown names, repeated and bracketed parameters, broken escapes and
// forged ids all end in 200 or an enveloped 4xx, and the request is logged.
func FuzzHandlers(f *testing.F) {
	org := Generate(2, GenOptions{Chats: 6, Users: 2})
	s := New(org, Options{Key: "k", RequestsPerMinute: 1 << 30, LogCapacity: 16,
		Keys: []KeySpec{{Secret: "sk-ant-admin01-a", Kind: KindAdmin}}})
	paths := []string{"/v1/compliance/apps/chats", "/v1/compliance/apps/chats/" + org.Chats[0].ID + "/messages",
		"/v1/compliance/apps/chats/", "/v1/compliance/organizations", "/v1/compliance/organizations/" + org.UUID + "/users",
		"/v1/compliance/organizations/", "/v1/compliance/"}
	keys := []string{"k", "", "sk-ant-api03-x", "sk-ant-api01-x", "sk-ant-admin01-a"}
	f.Add(uint8(0), "", "limit=5&after_id=x", uint8(0))
	f.Add(uint8(0), "", "created_at[gte]=2026-01-01&user_ids=a&user_ids[]=b", uint8(0))
	f.Add(uint8(1), "", "limit=0&limit=2000&order=sideways&before_id=%zz", uint8(0))
	f.Add(uint8(2), "claude_chat_01/messages/../x", "", uint8(3))
	f.Add(uint8(4), "", "page=eyJvIjotMX0=", uint8(4))
	f.Add(uint8(5), "x/users", "page=&limit=", uint8(1))
	f.Add(uint8(6), "apps/sessions/local/clls_01/messages", "tool_use_input_max_bytes=0", uint8(2))
	f.Fuzz(func(t *testing.T, pi uint8, tail, rawQuery string, ki uint8) {
		u := paths[int(pi)%len(paths)] + tail
		req, err := http.NewRequest(http.MethodGet, "http://fake"+u+"?"+rawQuery, nil)
		if err != nil {
			return // not a URL a client could send
		}
		if k := keys[int(ki)%len(keys)]; k != "" {
			req.Header.Set("x-api-key", k)
		}
		before := len(s.Log())
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		checkEnveloped(t, w, u+"?"+rawQuery)
		if log := s.Log(); len(log) != min(before+1, 16) || log[len(log)-1].Status != w.Code {
			t.Fatalf("request not logged as answered: %d entries (was %d), status %d", len(log), before, w.Code)
		}
	})
}
