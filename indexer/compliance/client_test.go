package compliance

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/model"
	"github.com/goccy/go-json"
)

const testKey = "sk-ant-api01-client-test-key-SECRET"

type wait struct {
	reason string
	d      time.Duration
}

// recorder replaces the client's sleep: waits are recorded, not slept, so
// backoff tests run in milliseconds and can assert the exact schedule.
type recorder struct {
	mu    sync.Mutex
	waits []wait
}

func (r *recorder) onWait(reason string, d time.Duration) {
	r.mu.Lock()
	r.waits = append(r.waits, wait{reason, d})
	r.mu.Unlock()
}

func (r *recorder) of(reason string) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Duration
	for _, w := range r.waits {
		if w.reason == reason {
			out = append(out, w.d)
		}
	}
	return out
}

func newClient(t *testing.T, base string, cfg Config) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg.BaseURL = base
	if cfg.Key == "" {
		cfg.Key = testKey
	}
	if cfg.RequestsPerMinute == 0 {
		cfg.RequestsPerMinute = 1 << 20 // budget tested separately
	}
	cfg.OnWait = rec.onWait
	if cfg.Sleep == nil {
		cfg.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

func fake(t *testing.T, org *fakeapi.Org, opts fakeapi.Options) (*fakeapi.Server, string) {
	t.Helper()
	opts.Key = testKey
	s := fakeapi.New(org, opts)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs.URL
}

// TestSyncAgainstFake walks the whole fake organisation and checks the mapped
// records against what the fake generated.
func TestSyncAgainstFake(t *testing.T) {
	org := fakeapi.Generate(11, fakeapi.GenOptions{Chats: 40})
	_, base := fake(t, org, fakeapi.Options{})
	c, _ := newClient(t, base, Config{})
	ctx := context.Background()
	var chats []Chat
	after := ""
	for {
		p, err := c.ListChats(ctx, ListChatsParams{AfterID: after, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Bad) > 0 {
			t.Fatalf("bad items: %+v", p.Bad)
		}
		chats = append(chats, p.Chats...)
		if !p.HasMore {
			break
		}
		after = p.LastID
	}
	if len(chats) != len(org.Chats) {
		t.Fatalf("listed %d chats, want %d", len(chats), len(org.Chats))
	}
	tools := 0
	for _, ch := range chats {
		want := org.Chat(ch.ID)
		conv := ch.Conversation()
		if conv.ID != want.UUID || conv.ExternalID != want.ID || conv.Source != model.SourceComplianceAPI ||
			conv.OwnerID != want.OwnerID || conv.Model != want.Model || !conv.CreatedAt.Equal(want.CreatedAt) ||
			(conv.DeletedAt != nil) != (want.DeletedAt != nil) || conv.OrgID != org.UUID {
			t.Errorf("conversation %+v does not match %+v", conv, want)
		}
		cm, err := c.ChatMessages(ctx, ch.ID, MessagesParams{PageSize: 3})
		if err != nil {
			t.Fatal(err)
		}
		if want.DeletedAt != nil {
			// A user-deleted chat's messages come back without content
			// (reference compliance-api-2026.md §4.3-4.4).
			for _, m := range cm.Messages {
				if len(m.Content) != 0 || m.Files != nil || m.GeneratedFiles != nil || m.Artifacts != nil {
					t.Errorf("deleted chat %s served content in message %s", ch.ID, m.ID)
				}
			}
			continue
		}
		if len(cm.Messages) != len(want.Messages) {
			t.Fatalf("chat %s: %d messages, want %d", ch.ID, len(cm.Messages), len(want.Messages))
		}
		for i, m := range cm.Messages {
			mm := m.ModelMessage(conv.ID, i)
			w := want.Messages[i]
			if mm.ID != w.ID || mm.Seq != i || !mm.OnCurrentBranch || !mm.CreatedAt.Equal(w.CreatedAt) || len(mm.Blocks) != len(w.Content) {
				t.Fatalf("message %d: %+v vs %+v", i, mm, w)
			}
			if (w.Role == "user") != (mm.Role == model.RoleHuman) {
				t.Errorf("role %s mapped to %s", w.Role, mm.Role)
			}
			for j, b := range mm.Blocks {
				wb := w.Content[j]
				switch wb.Type {
				case "tool_use":
					tools++
					if b.Type != model.BlockToolUse || b.ToolInput != wb.Input || b.ToolName != wb.Name || b.Truncated {
						t.Errorf("tool_use %+v from %+v", b, wb)
					}
				case "tool_result":
					if b.Type != model.BlockToolResult || b.Text != strings.Join(wb.ResultText, "\n") || b.IsError != wb.IsError {
						t.Errorf("tool_result %+v from %+v", b, wb)
					}
				default:
					if b.Type != model.BlockText || b.Text != wb.Text {
						t.Errorf("text %+v from %+v", b, wb)
					}
				}
			}
			if len(mm.Files) != len(w.Files)+len(w.GeneratedFiles)+len(w.Artifacts) {
				t.Errorf("files %+v", mm.Files)
			}
		}
	}
	if tools == 0 {
		t.Error("the generated organisation had no tool calls to check")
	}
	users, err := c.ListUsers(ctx, org.UUID, "", 5)
	if err != nil || len(users.Users) != 5 || !users.HasMore || users.NextPage == "" {
		t.Fatalf("users page: %+v %v", users, err)
	}
	rest, err := c.ListUsers(ctx, org.UUID, users.NextPage, 5)
	if err != nil || len(rest.Users) != len(org.Users)-5 || rest.HasMore {
		t.Fatalf("users page 2: %+v %v", rest, err)
	}
	if u := users.Users[0].ModelUser(); u.ID != org.Users[0].ID || u.Name != org.Users[0].FullName || u.Email != org.Users[0].Email || u.AvatarSeed != u.ID {
		t.Errorf("user %+v from %+v", u, org.Users[0])
	}
}

func TestRetries(t *testing.T) {
	org := fakeapi.Generate(2, fakeapi.GenOptions{Chats: 3})
	chat := org.Chats[0].ID
	tests := []struct {
		name       string
		setup      func(s *fakeapi.Server)
		cfg        Config
		wantErr    error
		wantType   string
		rateWaits  []time.Duration
		backoffs   []time.Duration
		wantLimits int64
	}{
		{name: "429 honours retry-after", setup: func(s *fakeapi.Server) { s.RateLimitNext(2, 25) },
			rateWaits: []time.Duration{25 * time.Second, 25 * time.Second}, wantLimits: 2},
		{name: "429 without retry-after backs off", setup: func(s *fakeapi.Server) { s.RateLimitNext(3, -1) },
			rateWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, wantLimits: 3},
		{name: "503 recovers", setup: func(s *fakeapi.Server) { s.FailNext(3, 503) },
			backoffs: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "500 exhausts retries", setup: func(s *fakeapi.Server) { s.FailNext(10, 500) }, cfg: Config{MaxRetries: 3},
			wantErr: ErrServer, wantType: "api_error", backoffs: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "backoff caps at 60s", setup: func(s *fakeapi.Server) { s.FailNext(8, 529) },
			backoffs: []time.Duration{1, 2, 4, 8, 16, 32, 60, 60}},
		{name: "x-should-retry false", setup: func(s *fakeapi.Server) { s.SetChatFault(chat, fakeapi.FaultServerError) },
			wantErr: ErrServer, wantType: "api_error"},
		{name: "404 not retried", setup: func(s *fakeapi.Server) { s.SetChatFault(chat, fakeapi.FaultNotFound) },
			wantErr: ErrNotFound, wantType: "not_found_error"},
		{name: "401 not retried", cfg: Config{Key: "sk-ant-api01-wrong"}, wantErr: ErrUnauthorized, wantType: "authentication_error"},
		{name: "malformed body", setup: func(s *fakeapi.Server) { s.SetChatFault(chat, fakeapi.FaultMalformed) }, wantErr: ErrDecode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, base := fake(t, org, fakeapi.Options{})
			if tc.setup != nil {
				tc.setup(s)
			}
			c, rec := newClient(t, base, tc.cfg)
			_, err := c.ChatMessages(context.Background(), chat, MessagesParams{})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var ae *APIError
			if tc.wantType != "" && (!errors.As(err, &ae) || ae.Type != tc.wantType || ae.Message == "" || ae.RequestID == "") {
				t.Errorf("err %#v, want API error type %s with message and request id", err, tc.wantType)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("error leaks the key: %v", err)
			}
			for i, d := range tc.backoffs {
				if d < time.Second {
					tc.backoffs[i] = d * time.Second
				}
			}
			if got := rec.of("backoff"); !equalDurations(got, tc.backoffs) {
				t.Errorf("backoffs %v, want %v", got, tc.backoffs)
			}
			if got := rec.of("rate_limit"); !equalDurations(got, tc.rateWaits) {
				t.Errorf("rate-limit waits %v, want %v", got, tc.rateWaits)
			}
			if got := c.Stats().RateLimited; got != tc.wantLimits {
				t.Errorf("RateLimited = %d, want %d", got, tc.wantLimits)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBadRequestReported(t *testing.T) {
	_, base := fake(t, fakeapi.Generate(2, fakeapi.GenOptions{Chats: 3}), fakeapi.Options{})
	c, _ := newClient(t, base, Config{})
	_, err := c.ListChats(context.Background(), ListChatsParams{Limit: 1500})
	var ae *APIError
	if !errors.Is(err, ErrBadRequest) || !errors.As(err, &ae) || ae.Type != "invalid_request_error" ||
		!strings.Contains(ae.Message, "limit: Input should be less than or equal to 1000") || c.Stats().Requests != 1 {
		t.Fatalf("err %v (requests %d)", err, c.Stats().Requests)
	}
}

func TestForbiddenNotRetried(t *testing.T) {
	n := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.WriteHeader(403)
		w.Write([]byte(`{"error":{"type":"permission_error","message":"Missing required scopes. Got: ['read:compliance_activities'] Needed: ['read:compliance_org_data']"}}`))
	}))
	defer hs.Close()
	c, _ := newClient(t, hs.URL, Config{})
	_, err := c.ListOrganizations(context.Background())
	var ae *APIError
	if !errors.Is(err, ErrForbidden) || !errors.As(err, &ae) || ae.Type != "permission_error" || n != 1 {
		t.Fatalf("err %v after %d requests", err, n)
	}
}

// TestBudgetFollowsServerHeaders: as the server's count runs out, the
// client spreads what is left and then waits for the reset instead of
// collecting a 429.
func TestBudgetFollowsServerHeaders(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 4, 21, 14, 37, 35, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sleep := func(ctx context.Context, d time.Duration) error { mu.Lock(); now = now.Add(d); mu.Unlock(); return nil }
	_, base := fake(t, fakeapi.Generate(2, fakeapi.GenOptions{Chats: 3}), fakeapi.Options{RequestsPerMinute: 2, Now: clock})
	c, rec := newClient(t, base, Config{Now: clock, Sleep: sleep})
	for i := 0; i < 3; i++ {
		if _, err := c.ListChats(context.Background(), ListChatsParams{Limit: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var total time.Duration
	for _, d := range rec.of("budget") {
		total += d
	}
	if total != 25*time.Second {
		t.Errorf("budget waits %v, want 25s in all (until the advertised reset)", rec.of("budget"))
	}
	if c.Stats().RateLimited != 0 {
		t.Errorf("client hit %d 429s", c.Stats().RateLimited)
	}
}

func TestLocalBudgetPaces(t *testing.T) {
	now := time.Date(2026, 4, 21, 14, 0, 0, 0, time.UTC)
	b := NewBudget(60, func() time.Time { return now }) // 1/s, burst 3
	var waits []time.Duration
	for i := 0; i < 5; i++ {
		var d time.Duration
		err := b.acquire(context.Background(), FamilyChats, func(_ context.Context, _ string, w time.Duration) error { d += w; return nil }, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, d)
	}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second}
	if !equalDurations(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
}

func TestAttemptTimeoutRetried(t *testing.T) {
	s, base := fake(t, fakeapi.Generate(2, fakeapi.GenOptions{Chats: 3}), fakeapi.Options{})
	s.SetLatency(300 * time.Millisecond)
	c, rec := newClient(t, base, Config{Timeout: 20 * time.Millisecond, MaxRetries: 2})
	_, err := c.ListChats(context.Background(), ListChatsParams{})
	if !errors.Is(err, errAttemptTimeout) {
		t.Fatalf("err %v, want attempt timeout", err)
	}
	if got := rec.of("backoff"); len(got) != 2 {
		t.Errorf("backoffs %v, want 2", got)
	}
}

func TestCancelStopsWaiting(t *testing.T) {
	s, base := fake(t, fakeapi.Generate(2, fakeapi.GenOptions{Chats: 3}), fakeapi.Options{})
	s.RateLimitNext(5, 30)
	ctx, cancel := context.WithCancel(context.Background())
	c, err := New(Config{BaseURL: base, Key: testKey, OnWait: func(string, time.Duration) { cancel() }})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.ListChats(ctx, ListChatsParams{})
	if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}

func TestMalformedListItemIsolated(t *testing.T) {
	org := fakeapi.Generate(5, fakeapi.GenOptions{Chats: 6})
	s, base := fake(t, org, fakeapi.Options{})
	bad := org.Chats[2].ID
	s.SetChatFault(bad, fakeapi.FaultMalformedListing)
	c, _ := newClient(t, base, Config{})
	p, err := c.ListChats(context.Background(), ListChatsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Chats) != 5 || len(p.Bad) != 1 || p.Bad[0].ID != bad || !strings.Contains(p.Bad[0].Err.Error(), "chat list item") {
		t.Fatalf("chats %d bad %+v", len(p.Chats), p.Bad)
	}
}

func TestLenientParsing(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		check func(t *testing.T, m *Message, mm model.Message)
	}{
		{"microseconds and null arrays", `{"id":"m1","role":"user","created_at":"2026-05-07T17:29:59.774439Z","content":[{"type":"text","text":"hey"}],"files":null,"generated_files":null,"artifacts":null}`,
			func(t *testing.T, m *Message, mm model.Message) {
				if m.CreatedAt.Nanosecond() != 774439000 || mm.Role != model.RoleHuman || mm.Blocks[0].Text != "hey" || mm.Files != nil {
					t.Errorf("%+v", mm)
				}
			}},
		{"plain time, missing arrays, unknown fields", `{"id":"m2","role":"assistant","created_at":"2026-04-10T08:09:10Z","content":[{"type":"text","text":"x","citations":[1]}],"future_field":{"a":1}}`,
			func(t *testing.T, m *Message, mm model.Message) {
				if !m.CreatedAt.Equal(time.Date(2026, 4, 10, 8, 9, 10, 0, time.UTC)) || mm.Role != model.RoleAssistant {
					t.Errorf("%+v", mm)
				}
			}},
		{"naive and offset times", `{"id":"m3","role":"user","created_at":"2025-03-12T18:22:41.123456","content":[]}`,
			func(t *testing.T, m *Message, mm model.Message) {
				if !m.CreatedAt.Equal(time.Date(2025, 3, 12, 18, 22, 41, 123456000, time.UTC)) {
					t.Errorf("%v", m.CreatedAt)
				}
			}},
		{"unknown block kept raw", `{"id":"m4","role":"assistant","created_at":"2026-01-01T00:00:00+00:00","content":[{"type":"image","source":{"url":"u"}}]}`,
			func(t *testing.T, m *Message, mm model.Message) {
				b := mm.Blocks[0]
				if b.Type != model.BlockOther || b.RawType != "image" || b.Raw != `{"type":"image","source":{"url":"u"}}` {
					t.Errorf("%+v", b)
				}
			}},
		{"tool input as string and as object", `{"id":"m5","role":"assistant","created_at":"2026-01-01T00:00:00Z","content":[{"type":"tool_use","id":"toolu_1","name":"s","input":"{\"q\": 1}"},{"type":"tool_use","id":null,"name":"s","input":{"q":2}},{"type":"tool_result","tool_use_id":"toolu_1","name":"s","content":[{"type":"text","text":"a"},{"type":"image"},{"type":"text","text":"b"}],"is_error":true}]}`,
			func(t *testing.T, m *Message, mm model.Message) {
				if mm.Blocks[0].ToolInput != `{"q": 1}` || mm.Blocks[1].ToolInput != `{"q":2}` || mm.Blocks[1].ToolUseID != "" {
					t.Errorf("inputs %q %q", mm.Blocks[0].ToolInput, mm.Blocks[1].ToolInput)
				}
				if r := mm.Blocks[2]; r.Text != "a\nb" || !r.IsError || r.ToolUseID != "toolu_1" {
					t.Errorf("result %+v", r)
				}
			}},
		{"files, generated files and artifacts", `{"id":"m6","role":"user","created_at":"2026-01-01T00:00:00Z","content":[],"files":[{"id":"claude_file_1","created_at":"2026-01-01T00:00:00Z","filename":"a.pdf","md5":"89968669461d95416549937168269d6b","mime_type":"application/pdf","size_bytes":12}],"generated_files":[{"id":"claude_gen_file_1","filename":"c.png","md5":null,"mime_type":null,"size_bytes":null},{"id":"claude_file_2","filename":"d.csv","md5":null,"mime_type":"text/csv","size_bytes":3}],"artifacts":[{"id":"claude_artifact_1","version_id":"claude_artifact_version_1","title":null,"artifact_type":"code"}]}`,
			func(t *testing.T, m *Message, mm model.Message) {
				want := []model.File{{Kind: model.FileUpload, ID: "claude_file_1", Name: "a.pdf", MimeType: "application/pdf", Size: 12, MD5: "89968669461d95416549937168269d6b"},
					{Kind: model.FileGenerated, ID: "claude_gen_file_1", Name: "c.png"},
					{Kind: model.FileGenerated, ID: "claude_file_2", Name: "d.csv", MimeType: "text/csv", Size: 3},
					{Kind: model.FileArtifact, ID: "claude_artifact_version_1", MimeType: "code", ArtifactID: "claude_artifact_1", VersionID: "claude_artifact_version_1"}}
				got, _ := json.Marshal(mm.Files)
				exp, _ := json.Marshal(want)
				if !bytes.Equal(got, exp) {
					t.Errorf("files %s, want %s", got, exp)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			if err := json.Unmarshal([]byte(tc.json), &m); err != nil {
				t.Fatal(err)
			}
			tc.check(t, &m, m.ModelMessage("conv", 0))
		})
	}
}

func TestConversationID(t *testing.T) {
	tests := []struct{ href, id, want string }{
		{"https://claude.ai/chat/53a26065-dc3e-4f8d-99da-5fb6525f14b9", "claude_chat_1", "53a26065-dc3e-4f8d-99da-5fb6525f14b9"},
		{"https://claude.ai/chat/53A26065-DC3E-4F8D-99DA-5FB6525F14B9/", "claude_chat_1", "53a26065-dc3e-4f8d-99da-5fb6525f14b9"},
		{"", "claude_chat_2", "claude_chat_2"},
		{"https://claude.ai/chat/not-a-uuid", "claude_chat_3", "claude_chat_3"},
	}
	for _, tc := range tests {
		c := Chat{ID: tc.id, Href: tc.href}
		if got := c.ConversationID(); got != tc.want {
			t.Errorf("href %q: %q, want %q", tc.href, got, tc.want)
		}
	}
}
