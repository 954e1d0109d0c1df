package fakeapi

import (
	"bytes"
	"encoding/base64"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testKey = "sk-ant-api01-test-key"

func newTestServer(t *testing.T, org *Org, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Key == "" {
		opts.Key = testKey
	}
	s := New(org, opts)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

func get(t *testing.T, base, path string, q url.Values, key string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path+"?"+q.Encode(), nil)
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("%s: response is not JSON: %v\n%s", name, err, got)
	}
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(buf.Bytes())) {
		t.Errorf("%s differs from golden file %s:\n%s", name, path, buf.String())
	}
}

func smallOrg() *Org {
	return Generate(1, GenOptions{Users: 3, Chats: 6, MaxMessages: 4, DeletedEvery: 5, PlantEvery: 2})
}

// TestWireGolden pins the fake's wire format; the golden files were checked
// field by field against the documented examples (reference section A and
// compliance-api-2026.md §4): chats_all holds a user-deleted chat (name "")
// and one with "user": null, messages_deleted a deleted chat's messages
// (ids kept, content [], files/generated_files/artifacts null).
func TestWireGolden(t *testing.T) {
	org := smallOrg()
	// A tool call and an unknown block type in one known chat, so the golden
	// files cover every block shape.
	c := org.Chats[0]
	c.Messages[1].Content = append(c.Messages[1].Content,
		Block{Type: "tool_use", ToolID: "toolu_01AbC", Name: "web_search", Input: `{"query": "q3 results"}`},
		Block{Type: "tool_result", ToolID: "toolu_01AbC", Name: "web_search", ResultText: []string{"result one", "result two"}},
		Block{Raw: `{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}`})
	org.Chats[2].OwnerID = "" // "user": null (§4.2)
	_, hs := newTestServer(t, org, Options{})
	tests := []struct {
		name, path string
		q          url.Values
		status     int
	}{
		{"chats_page1", "/v1/compliance/apps/chats", url.Values{"limit": {"2"}}, 200},
		{"chats_all", "/v1/compliance/apps/chats", nil, 200},
		{"chats_updated", "/v1/compliance/apps/chats", url.Values{"limit": {"2"}, "order_by": {"updated_at"}, "updated_at.gte": {"2026-10-10T00:00:00Z"}}, 200},
		{"messages", "/v1/compliance/apps/chats/" + c.ID + "/messages", url.Values{"tool_use_input_max_chars": {"10"}}, 200},
		{"messages_deleted", "/v1/compliance/apps/chats/" + org.Chats[4].ID + "/messages", nil, 200},
		{"users", "/v1/compliance/organizations/" + org.UUID + "/users", url.Values{"limit": {"2"}}, 200},
		{"organizations", "/v1/compliance/organizations", nil, 200},
		{"error_limit", "/v1/compliance/apps/chats", url.Values{"limit": {"1500"}}, 400},
		{"error_not_found", "/v1/compliance/apps/chats/claude_chat_01nope/messages", nil, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, hs.URL, tc.path, tc.q, testKey)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			// request ids differ between runs of the table; blank them.
			body = bytes.ReplaceAll(body, []byte(resp.Header.Get("request-id")), []byte("req_X"))
			golden(t, tc.name, body)
		})
	}
}

func TestValidation(t *testing.T) {
	org := smallOrg()
	_, hs := newTestServer(t, org, Options{})
	createdCursor := func() string {
		_, b := get(t, hs.URL, "/v1/compliance/apps/chats", url.Values{"limit": {"1"}}, testKey)
		var env struct {
			LastID string `json:"last_id"`
		}
		if err := json.Unmarshal(b, &env); err != nil || env.LastID == "" {
			t.Fatalf("no cursor: %v %s", err, b)
		}
		return env.LastID
	}()
	tests := []struct {
		name    string
		q       url.Values
		status  int
		errType string
		msgPart string
	}{
		{"limit zero", url.Values{"limit": {"0"}}, 400, "invalid_request_error", "limit: Input should be greater than or equal to 1"},
		{"limit over", url.Values{"limit": {"1001"}}, 400, "invalid_request_error", "limit: Input should be less than or equal to 1000"},
		{"limit not a number", url.Values{"limit": {"ten"}}, 400, "invalid_request_error", "limit: Input should be a valid integer"},
		{"limit max ok", url.Values{"limit": {"1000"}}, 200, "", ""},
		{"bad order_by", url.Values{"order_by": {"name"}}, 400, "invalid_request_error", "order_by: Input should be 'created_at' or 'updated_at'"},
		{"bad timestamp", url.Values{"created_at.gte": {"last tuesday"}}, 400, "invalid_request_error", "created_at.gte: Input should be a valid datetime or date, invalid character in year"},
		{"bad month", url.Values{"created_at.gte": {"2026-13-01T00:00:00Z"}}, 400, "invalid_request_error", "created_at.gte: Input should be a valid datetime or date, month value is outside expected range of 1-12"},
		{"bad hour", url.Values{"created_at.gte": {"2026-01-01T25:00:00Z"}}, 400, "invalid_request_error", "created_at.gte: Input should be a valid datetime or date, hour value is outside expected range of 0-23"},
		{"date only is a date", url.Values{"created_at.gte": {"2026-01-01"}}, 200, "", ""},
		{"far future", url.Values{"created_at.gte": {"9999-12-31T23:59:59Z"}}, 200, "", ""},
		{"filter on other key", url.Values{"order_by": {"created_at"}, "updated_at.gte": {"2026-01-01T00:00:00Z"}}, 400, "invalid_request_error", "order_by=updated_at"},
		{"cursor from other order", url.Values{"order_by": {"updated_at"}, "after_id": {createdCursor}}, 400, "invalid_request_error", "Invalid pagination cursor for 'after_id'"},
		{"garbage cursor", url.Values{"after_id": {"not-base64!"}}, 400, "invalid_request_error", "Invalid pagination cursor for 'after_id'"},
		{"user_ids with an updated_at filter", url.Values{"user_ids[]": {org.Users[0].ID}, "updated_at.gte": {"2026-01-01T00:00:00Z"}}, 400, "invalid_request_error", "user_ids[]"},
		{"other organization", url.Values{"organization_ids[]": {"org_01other"}}, 200, "", ""},
		{"before_id org-wide", url.Values{"before_id": {createdCursor}}, 400, "invalid_request_error", "user_ids"},
		{"user_ids with updated_at", url.Values{"user_ids[]": {org.Users[0].ID}, "order_by": {"updated_at"}}, 400, "invalid_request_error", "organization-wide"},
		{"projects without users", url.Values{"project_ids[]": {"claude_proj_01x"}}, 400, "invalid_request_error", "user_ids"},
		{"user filter ok", url.Values{"user_ids[]": {org.Users[0].ID}}, 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, hs.URL, "/v1/compliance/apps/chats", tc.q, testKey)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status == 200 {
				return
			}
			var e wireErrorBody
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if e.Type != "error" || e.Error.Type != tc.errType || !strings.Contains(e.Error.Message, tc.msgPart) || e.RequestID == "" {
				t.Errorf("error body %s, want type %s containing %q", body, tc.errType, tc.msgPart)
			}
		})
	}
}

// TestPagingWalksEverything walks both orders with small pages and checks
// each chat appears exactly once, ascending by the sort key, and that the
// cursors are opaque base64.
func TestPagingWalksEverything(t *testing.T) {
	org := Generate(7, GenOptions{Chats: 57})
	_, hs := newTestServer(t, org, Options{})
	for _, order := range []string{"created_at", "updated_at"} {
		t.Run(order, func(t *testing.T) {
			seen := map[string]bool{}
			var last time.Time
			q := url.Values{"order_by": {order}, "limit": {"10"}}
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("paging does not terminate")
				}
				resp, b := get(t, hs.URL, "/v1/compliance/apps/chats", q, testKey)
				if resp.StatusCode != 200 {
					t.Fatalf("%d %s", resp.StatusCode, b)
				}
				var env struct {
					Data []struct {
						ID        string `json:"id"`
						CreatedAt string `json:"created_at"`
						UpdatedAt string `json:"updated_at"`
					} `json:"data"`
					HasMore bool    `json:"has_more"`
					LastID  *string `json:"last_id"`
				}
				if err := json.Unmarshal(b, &env); err != nil {
					t.Fatal(err)
				}
				for _, d := range env.Data {
					if seen[d.ID] {
						t.Fatalf("chat %s listed twice", d.ID)
					}
					seen[d.ID] = true
					v := d.CreatedAt
					if order == "updated_at" {
						v = d.UpdatedAt
					}
					ts, _ := time.Parse(time.RFC3339Nano, v)
					if ts.Before(last) {
						t.Fatalf("not ascending: %s after %s", ts, last)
					}
					last = ts
				}
				if !env.HasMore {
					break
				}
				if _, err := base64.StdEncoding.DecodeString(*env.LastID); err != nil {
					t.Fatalf("cursor %q is not base64: %v", *env.LastID, err)
				}
				q.Set("after_id", *env.LastID)
			}
			if len(seen) != len(org.Chats) {
				t.Errorf("walked %d chats, org has %d", len(seen), len(org.Chats))
			}
		})
	}
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	now := time.Date(2026, 4, 21, 14, 37, 35, 0, time.UTC)
	_, hs := newTestServer(t, smallOrg(), Options{RequestsPerMinute: 3, Now: func() time.Time { return now }})
	for i := 1; i <= 4; i++ {
		resp, body := get(t, hs.URL, "/v1/compliance/organizations", nil, testKey)
		h := resp.Header
		if h.Get("anthropic-ratelimit-requests-limit") != "3" || h.Get("anthropic-ratelimit-requests-reset") != "2026-04-21T14:38:00Z" {
			t.Errorf("request %d: headers %v", i, h)
		}
		if i <= 3 {
			if resp.StatusCode != 200 || h.Get("anthropic-ratelimit-requests-remaining") != string(rune('0'+3-i)) {
				t.Errorf("request %d: %d remaining %q", i, resp.StatusCode, h.Get("anthropic-ratelimit-requests-remaining"))
			}
			continue
		}
		if resp.StatusCode != 429 || h.Get("retry-after") != "26" || !bytes.Contains(body, []byte("rate_limit_error")) {
			t.Errorf("request 4: %d retry-after %q %s", resp.StatusCode, h.Get("retry-after"), body)
		}
	}
}

func TestChatFaults(t *testing.T) {
	org := smallOrg()
	s, hs := newTestServer(t, org, Options{})
	id := org.Chats[1].ID
	path := "/v1/compliance/apps/chats/" + id + "/messages"
	tests := []struct {
		fault  ChatFault
		status int
		check  func([]byte, http.Header) bool
	}{
		{FaultNotFound, 404, func(b []byte, _ http.Header) bool {
			return bytes.Contains(b, []byte("Chat conversation not found: '"+id+"'"))
		}},
		{FaultServerError, 500, func(_ []byte, h http.Header) bool { return h.Get("x-should-retry") == "false" }},
		{FaultMalformed, 200, func(b []byte, _ http.Header) bool { return bytes.Contains(b, []byte(`"not a block"`)) }},
		{FaultNone, 200, func(b []byte, _ http.Header) bool { return !bytes.Contains(b, []byte(`"not a block"`)) }},
	}
	for _, tc := range tests {
		s.SetChatFault(id, tc.fault)
		resp, b := get(t, hs.URL, path, nil, testKey)
		if resp.StatusCode != tc.status || !tc.check(b, resp.Header) {
			t.Errorf("fault %d: %d %s", tc.fault, resp.StatusCode, b)
		}
	}
	s.RateLimitNext(1, 7)
	if resp, _ := get(t, hs.URL, path, nil, testKey); resp.StatusCode != 429 || resp.Header.Get("retry-after") != "7" {
		t.Errorf("RateLimitNext: %d %q", resp.StatusCode, resp.Header.Get("retry-after"))
	}
	s.FailNext(2, 503)
	for i := 0; i < 2; i++ {
		if resp, _ := get(t, hs.URL, path, nil, testKey); resp.StatusCode != 503 {
			t.Errorf("FailNext %d: %d", i, resp.StatusCode)
		}
	}
	if resp, _ := get(t, hs.URL, path, nil, testKey); resp.StatusCode != 200 {
		t.Errorf("after faults: %d", resp.StatusCode)
	}
}

func TestMessagesPagingAndTruncation(t *testing.T) {
	org := Generate(3, GenOptions{Chats: 5, MaxMessages: 12, DeletedEvery: -1})
	c := org.Chats[0]
	for _, ch := range org.Chats {
		if len(ch.Messages) > len(c.Messages) {
			c = ch
		}
	}
	c.Messages[0].Content = append(c.Messages[0].Content, Block{Type: "tool_use", ToolID: "toolu_1", Name: "x", Input: `{"q":"héllo wörld"}`})
	_, hs := newTestServer(t, org, Options{})
	path := "/v1/compliance/apps/chats/" + c.ID + "/messages"
	var ids []string
	q := url.Values{"limit": {"2"}, "tool_use_input_max_chars": {"8"}}
	for {
		resp, b := get(t, hs.URL, path, q, testKey)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		var env struct {
			Msgs []struct {
				ID      string            `json:"id"`
				Content []json.RawMessage `json:"content"`
			} `json:"chat_messages"`
			HasMore bool   `json:"has_more"`
			LastID  string `json:"last_id"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		for _, m := range env.Msgs {
			ids = append(ids, m.ID)
			for _, raw := range m.Content {
				if bytes.Contains(raw, []byte(`"id":"toolu_1"`)) && !bytes.Contains(raw, []byte(`"input":"{\"q\":\"hé","integration_name":null,"mcp_server_url":null,"truncated":true`)) {
					t.Errorf("tool input not truncated to 8 chars: %s", raw)
				}
			}
		}
		if !env.HasMore {
			break
		}
		q.Set("after_id", env.LastID)
	}
	if len(ids) != len(c.Messages) {
		t.Errorf("paged %d messages, chat has %d", len(ids), len(c.Messages))
	}
	for i, id := range ids {
		if id != c.Messages[i].ID {
			t.Fatalf("message %d is %s, want %s", i, id, c.Messages[i].ID)
		}
	}
}

func TestGenerateDeterministicAndPlanted(t *testing.T) {
	a, b := Generate(42, GenOptions{}), Generate(42, GenOptions{})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("same seed gave different organisations")
	}
	if c := Generate(43, GenOptions{}); c.Chats[0].ID == a.Chats[0].ID {
		t.Error("different seeds gave the same ids")
	}
	kinds := map[string]bool{}
	for _, p := range a.Planted {
		kinds[p.Type] = true
		m := findMsg(a.Chat(p.ChatID), p.MessageID)
		if m == nil {
			t.Fatalf("plant %+v: no such message", p)
		}
		text := m.Content[p.Block].Text
		if p.Offset+len(p.Value) > len(text) || text[p.Offset:p.Offset+len(p.Value)] != p.Value {
			t.Errorf("plant %s not at offset %d of %q", p.Type, p.Offset, text)
		}
		if p.Type == "credit_card" && !luhnValid(p.Value) {
			t.Errorf("card %s fails Luhn", p.Value)
		}
	}
	if len(kinds) < 5 {
		t.Errorf("only %d kinds planted: %v", len(kinds), kinds)
	}
	deleted := 0
	for _, c := range a.Chats {
		if c.DeletedAt != nil {
			deleted++
		}
	}
	if deleted == 0 {
		t.Error("no deleted chats generated")
	}
}

func findMsg(c *Chat, id string) *Message {
	for i := range c.Messages {
		if c.Messages[i].ID == id {
			return &c.Messages[i]
		}
	}
	return nil
}

func luhnValid(s string) bool {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		v := int(s[i] - '0')
		if (len(s)-1-i)%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

func TestMutations(t *testing.T) {
	org := smallOrg()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s, _ := newTestServer(t, org, Options{Now: func() time.Time { return now }})
	id := org.Chats[0].ID
	if _, err := s.AddMessage(id, "new text"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteChat(org.Chats[1].ID); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if c := snap.Chat(id); !c.UpdatedAt.Equal(now) || c.Messages[len(c.Messages)-1].Content[0].Text != "new text" {
		t.Errorf("AddMessage: updated_at %s", c.UpdatedAt)
	}
	if c := snap.Chat(org.Chats[1].ID); c.DeletedAt == nil || !c.UpdatedAt.Equal(now) || !c.DeletedAt.Equal(now) {
		t.Errorf("DeleteChat: %+v", c.DeletedAt)
	}
	if _, err := s.AddMessage("claude_chat_01none", "x"); err == nil {
		t.Error("AddMessage on a missing chat succeeded")
	}
}

func getWithKey(t *testing.T, u, key string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("x-api-key", key)
	resp, b := send(t, req)
	return resp.StatusCode, b
}
