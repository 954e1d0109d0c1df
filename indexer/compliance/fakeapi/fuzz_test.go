package fakeapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/goccy/go-json"
)

// FuzzQueryParams: whatever a client sends, the fake answers 200 or a 4xx
// with the documented error envelope, never a 5xx or a panic.
func FuzzQueryParams(f *testing.F) {
	s := New(Generate(1, GenOptions{Chats: 8, Users: 3}), Options{Key: "k", RequestsPerMinute: 1 << 30})
	f.Add("", "", "", "")
	f.Add("eyJrIjoiY3JlYXRlZF9hdCIsInQiOiIyMDI2LTEwLTAxVDAwOjAwOjAwLjAwMDAwMCswMDowMCIsImlkIjoieCJ9", "10", "created_at", "2026-01-01T00:00:00Z")
	f.Add("eyJtc2dfdXVpZCI6IngifQ==", "-1", "updated_at", "2026-01-01")
	f.Fuzz(func(t *testing.T, after, limit, order, since string) {
		for _, path := range []string{"/v1/compliance/apps/chats", "/v1/compliance/apps/chats/" + s.org.Chats[0].ID + "/messages",
			"/v1/compliance/organizations/" + s.org.UUID + "/users"} {
			q := url.Values{"after_id": {after}, "limit": {limit}, "order_by": {order}, order + ".gte": {since}, "page": {after},
				"tool_use_input_max_chars": {limit}}
			req := httptest.NewRequest(http.MethodGet, path+"?"+q.Encode(), nil)
			req.Header.Set("x-api-key", "k")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("%s %v: %d %s", path, q, w.Code, w.Body)
			}
			if w.Code != 200 {
				var e wireErrorBody
				if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Type == "" || e.Error.Message == "" {
					t.Fatalf("%s: %d with body %s", path, w.Code, w.Body)
				}
			}
		}
	})
}
