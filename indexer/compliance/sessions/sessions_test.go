package sessions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/internal/golden"
	"github.com/ccsync/ccsync/model"
)

// serveFile answers every request with a fixture and records the queries.
func serveFile(t *testing.T, name string) (*compliance.Client, *[]string) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("content-type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(hs.Close)
	c, err := compliance.New(compliance.Config{BaseURL: hs.URL, Key: "sk-ant-api01-test", RequestsPerMinute: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return c, &seen
}

type converted struct {
	Conversation model.Conversation `json:"conversation"`
	Users        []model.User       `json:"users,omitempty"`
	Messages     []model.Message    `json:"messages"`
	NextPage     string             `json:"next_page"`
	Bad          []string           `json:"bad,omitempty"`
}

func badIDs(b []compliance.BadItem) []string {
	var out []string
	for _, x := range b {
		out = append(out, x.ID)
	}
	return out
}

// TestConvertReferenceExamples decodes the reference's §3.2–3.6 example
// payloads through the real client and compares the model records.
func TestConvertReferenceExamples(t *testing.T) {
	ctx := context.Background()
	t.Run("local_list", func(t *testing.T) {
		c, seen := serveFile(t, "ref_local_list.json")
		p, err := ListLocal(ctx, c, LocalListOpts{Limit: 900})
		if err != nil {
			t.Fatal(err)
		}
		var out []converted
		for _, s := range p.Sessions {
			u, _ := s.Owner()
			out = append(out, converted{Conversation: s.Conversation(), Users: []model.User{u}, NextPage: p.NextPage})
		}
		golden.JSON(t, "local_list", out)
		if !strings.Contains((*seen)[0], "limit=500") {
			t.Errorf("limit not clamped to 500: %s", (*seen)[0])
		}
	})
	t.Run("local_messages", func(t *testing.T) {
		c, seen := serveFile(t, "ref_local_messages.json")
		p, err := LocalMessagesPage(ctx, c, "clls_01HxKpLmNoPqRsTuVwXyZaBc", WalkOpts{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		golden.JSON(t, "local_messages", localConverted(p))
		q := (*seen)[0]
		for _, want := range []string{"tool_use_input_max_bytes=-1", "tool_result_max_bytes=-1", "limit=1000"} {
			if !strings.Contains(q, want) {
				t.Errorf("query %s lacks %s", q, want)
			}
		}
		if strings.Contains(q, "_max_chars") {
			t.Errorf("sessions take _max_bytes, not _max_chars: %s", q)
		}
	})
	t.Run("remote_list", func(t *testing.T) {
		c, _ := serveFile(t, "ref_remote_list.json")
		p, err := ListRemote(ctx, c, RemoteListOpts{})
		if err != nil {
			t.Fatal(err)
		}
		var out []converted
		for _, s := range p.Sessions {
			out = append(out, converted{Conversation: s.Conversation(), Users: s.Users(), NextPage: p.NextPage})
		}
		golden.JSON(t, "remote_list", out)
	})
	t.Run("remote_messages", func(t *testing.T) {
		c, _ := serveFile(t, "ref_remote_messages.json")
		p, err := RemoteMessagesPage(ctx, c, "cse_01WpQrStUvXyZaBcDeFgHjK6", WalkOpts{Order: "desc"})
		if err != nil {
			t.Fatal(err)
		}
		out := converted{Conversation: p.Session.Conversation(), NextPage: p.NextPage}
		for i := range p.Messages {
			out.Messages = append(out.Messages, p.Messages[i].ModelMessage(p.Session.ID, i))
		}
		golden.JSON(t, "remote_messages", out)
	})
	t.Run("lenient", func(t *testing.T) {
		c, _ := serveFile(t, "lenient_local_messages.json")
		p, err := LocalMessagesPage(ctx, c, "clls_01Lenient", WalkOpts{})
		if err != nil {
			t.Fatal(err)
		}
		golden.JSON(t, "lenient_local_messages", localConverted(p))
	})
}

func localConverted(p LocalMessages) converted {
	conv := p.Session.Conversation()
	out := converted{NextPage: p.NextPage, Bad: badIDs(p.Bad)}
	var dirs []string
	for i := range p.Messages {
		m := p.Messages[i].ModelMessage(conv.ID, i)
		dirs = append(dirs, PathsOf(&m)...)
		out.Messages = append(out.Messages, m)
	}
	conv.Title, conv.Workdir, conv.TitleDerived = Title(out.Messages), Workdir(dirs), true
	out.Conversation = conv
	return out
}

func TestRolesAndProvenance(t *testing.T) {
	toolOnly := []compliance.Block{{Type: "tool_result", ToolUseID: "toolu_1", ResultText: []string{"ok"}}}
	mixed := append([]compliance.Block{{Type: "text", Text: "and also"}}, toolOnly...)
	cases := []struct {
		name     string
		m        LocalMessage
		role     model.Role
		prov     string
		hasModel bool
	}{
		{"verified user", LocalMessage{Role: "user", Content: []compliance.Block{{Type: "text", Text: "hi"}}}, model.RoleHuman, "", false},
		{"tool results only", LocalMessage{Role: "user", Content: toolOnly}, model.RoleTool, "", false},
		{"text and tool result", LocalMessage{Role: "user", Content: mixed}, model.RoleHuman, "", false},
		{"marker", LocalMessage{Role: "user", Provenance: &Provenance{Type: "synthetic_marker"}, Content: []compliance.Block{{Type: "text", Text: "[system prompt content not shown]", Truncated: true}}}, RoleMarker, "synthetic_marker", false},
		{"not captured", LocalMessage{Role: "user", Provenance: &Provenance{Type: "content_unavailable", Reason: "not_captured"}}, model.RoleHuman, "content_unavailable:not_captured", false},
		{"aborted", LocalMessage{Role: "assistant", Provenance: &Provenance{Type: "content_unavailable", Reason: "client_aborted"}}, model.RoleAssistant, "content_unavailable:client_aborted", false},
		{"unknown reason", LocalMessage{Role: "assistant", Provenance: &Provenance{Type: "content_unavailable"}}, model.RoleAssistant, "content_unavailable:unknown", false},
		{"asserted", LocalMessage{Role: "assistant", Provenance: &Provenance{Type: "client_asserted"}}, model.RoleAssistant, "client_asserted", false},
		{"unknown role", LocalMessage{Role: "narrator"}, model.Role("narrator"), "", false},
		{"assistant model", LocalMessage{Role: "assistant", Model: ptr("claude-opus-5-5")}, model.RoleAssistant, "", true},
	}
	for _, c := range cases {
		m := c.m.ModelMessage("clls_x", 0)
		if m.Role != c.role || m.Provenance != c.prov || (m.Model != "") != c.hasModel {
			t.Errorf("%s: role %q provenance %q model %q", c.name, m.Role, m.Provenance, m.Model)
		}
	}
}

func ptr(s string) *string { return &s }

// TestProvenanceMarkersNotHumanText: a marker or a replaced block is never
// taken for what a person typed, neither as the role nor as the title.
func TestProvenanceMarkersNotHumanText(t *testing.T) {
	msgs := []LocalMessage{
		{ID: "1", Role: "user", Provenance: &Provenance{Type: "synthetic_marker"}, Content: []compliance.Block{{Type: "text", Text: "[system prompt content not shown]", Truncated: true}}},
		{ID: "2", Role: "user", Content: []compliance.Block{{Type: "text", Text: "[image content not shown]", Truncated: true}}},
		{ID: "3", Role: "assistant", Provenance: &Provenance{Type: "client_asserted"}, Content: []compliance.Block{{Type: "text", Text: "I asserted this"}}},
		{ID: "4", Role: "user", Content: []compliance.Block{{Type: "text", Text: "  Fix   the\nfailing test  "}}},
	}
	var out []model.Message
	for i := range msgs {
		out = append(out, msgs[i].ModelMessage("c", i))
	}
	if out[0].Role == model.RoleHuman {
		t.Error("a synthetic marker is stored as human text")
	}
	if got := Title(out); got != "Fix the failing test" {
		t.Errorf("title %q", got)
	}
	if got := Title(out[:3]); got != "" {
		t.Errorf("title from markers only: %q", got)
	}
	long := LocalMessage{Role: "user", Content: []compliance.Block{{Type: "text", Text: strings.Repeat("é", 300)}}}
	if got := Title([]model.Message{long.ModelMessage("c", 0)}); len([]rune(got)) != MaxTitleRunes {
		t.Errorf("title of %d runes", len([]rune(got)))
	}
}

func TestWorkdir(t *testing.T) {
	cases := []struct {
		dirs []string
		want string
	}{
		{nil, ""},
		{[]string{"/home/a/src/repo", "/home/a/src/repo/tests", "/home/a/src/repo", "/home/a/.aws"}, "/home/a/src/repo"},
		{[]string{"/a/x", "/b/y"}, ""},
		{[]string{"/srv/app"}, "/srv/app"},
	}
	for _, c := range cases {
		if got := Workdir(c.dirs); got != c.want {
			t.Errorf("Workdir(%v) = %q, want %q", c.dirs, got, c.want)
		}
	}
	m := model.Message{Blocks: []model.Block{
		{Type: model.BlockToolUse, ToolName: "Read", ToolInput: `{"file_path":"/home/a/src/repo/.env"}`},
		{Type: model.BlockToolUse, ToolName: "Bash", ToolInput: `{"command":"cd /home/a/src/repo && ls"}`},
		{Type: model.BlockToolUse, ToolName: "Grep", ToolInput: `{"pattern":"x","path":"relative/dir"}`},
		{Type: model.BlockToolUse, ToolName: "Write", ToolInput: `{"file_path":"/home/a/src/repo/cut…[truncated`},
	}}
	if got := PathsOf(&m); len(got) != 2 || got[0] != "/home/a/src/repo" || got[1] != "/home/a/src/repo" {
		t.Errorf("PathsOf = %v", got)
	}
}

func FuzzDecodeLocalMessages(f *testing.F) {
	for _, name := range []string{"ref_local_messages.json", "lenient_local_messages.json", "ref_remote_messages.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var env envelope
		if json.Unmarshal(b, &env) != nil {
			return
		}
		msgs, _ := decodeItems[LocalMessage](env.Data)
		var out []model.Message
		for i := range msgs {
			m := msgs[i].ModelMessage("c", i)
			_ = PathsOf(&m)
			out = append(out, m)
		}
		if tl := Title(out); len([]rune(tl)) > MaxTitleRunes {
			t.Fatalf("title of %d runes", len([]rune(tl)))
		}
		rs, _ := decodeItems[RemoteMessage](env.Data)
		for i := range rs {
			_ = rs[i].ModelMessage("c", i)
		}
	})
}
