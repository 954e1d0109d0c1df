package files

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/model"
)

// TestReferenceChatExamples reads the reference's verbatim chat examples
// (testdata/reference_4_*.json, copied unchanged from §4.2 and §4.3 of the
// 2026 Compliance API reference, written from Anthropic's documentation and
// not by the authors of the client or the fake) through the real client, and
// checks what this issue adds to chats: kind and product, file and artifact
// ids kept, and each reference routed to its content endpoint by prefix.
func TestReferenceChatExamples(t *testing.T) {
	list, err := os.ReadFile("testdata/reference_4_2_chats.json")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := os.ReadFile("testdata/reference_4_3_message.json")
	if err != nil {
		t.Fatal(err)
	}
	// The §4.3 envelope: the chat's fields, the message, and the ending the
	// reference gives for the same example.
	var listed struct{ Data []map[string]json.RawMessage }
	if err := json.Unmarshal(list, &listed); err != nil || len(listed.Data) != 1 {
		t.Fatalf("reference list: %v", err)
	}
	env := listed.Data[0]
	env["chat_messages"] = json.RawMessage("[" + string(msg) + "]")
	env["has_more"] = json.RawMessage("false")
	env["first_id"] = json.RawMessage(`"eyJtc2dfdXVpZCI6ICIwZjcwYjA2Ni0uLi4ifQ=="`)
	env["last_id"] = json.RawMessage(`"eyJtc2dfdXVpZCI6ICJhNGUwYjE3Mi0uLi4ifQ=="`)
	envelope, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		switch {
		case r.URL.Path == "/v1/compliance/apps/chats":
			w.Write(list)
		case strings.HasSuffix(r.URL.Path, "/messages"):
			w.Write(envelope)
		default:
			http.NotFound(w, r)
		}
	}))
	defer hs.Close()
	c, err := compliance.New(compliance.Config{BaseURL: hs.URL, Key: "sk-ant-api01-test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	page, err := c.ListChats(ctx, compliance.ListChatsParams{Limit: 1})
	if err != nil || len(page.Chats) != 1 || len(page.Bad) != 0 || !page.HasMore {
		t.Fatalf("list: %+v %v", page, err)
	}
	conv := page.Chats[0].Conversation()
	if conv.Kind != model.KindChat || conv.Product != model.ProductClaudeAI || conv.Title != "Product Requirements Discussion" {
		t.Errorf("conversation %+v", conv)
	}
	got, err := c.ChatMessages(ctx, page.Chats[0].ID, compliance.MessagesParams{})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("messages: %+v %v", got, err)
	}
	m := got.Messages[0].ModelMessage(conv.ID, 0)
	if len(m.Files) != 2 {
		t.Fatalf("files %+v, want the generated file and the artifact", m.Files)
	}
	gen, art := m.Files[0], m.Files[1]
	if gen.Kind != model.FileGenerated || gen.ID != "claude_gen_file_01TbR8wAcCeFhJkLnPqStUvX" || gen.Size != 2048 ||
		gen.MD5 != "89968669461d95416549937168269d6b" || gen.MimeType != "text/csv" {
		t.Errorf("generated file %+v", gen)
	}
	if art.Kind != model.FileArtifact || art.ArtifactID != "claude_artifact_01HqRsTuVwXyZa2BcDeFgH4J" ||
		art.VersionID != "claude_artifact_version_01KmNpQrSt3UvWxYz5AbCdEfG" || art.Name != "Dashboard Requirements Draft" {
		t.Errorf("artifact %+v", art)
	}
	for _, tc := range []struct{ id, path string }{
		{gen.ID, "/v1/compliance/apps/chats/generated-files/" + gen.ID},
		{art.VersionID, "/v1/compliance/apps/artifacts/" + art.VersionID},
		{"claude_file_01Whatever", "/v1/compliance/apps/chats/files/claude_file_01Whatever"},
	} {
		if p, ok := Route(tc.id); !ok || p != tc.path {
			t.Errorf("Route(%s) = %q %v, want %s", tc.id, p, ok, tc.path)
		}
	}
}
