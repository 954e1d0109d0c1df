package compliance

import (
	"testing"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// TestChatConversationKindAndProduct: every chat is a claude.ai chat, so
// the product facet and kind filter see it without a default.
func TestChatConversationKindAndProduct(t *testing.T) {
	var c Chat
	if err := json.Unmarshal([]byte(`{"id":"claude_chat_1","name":"n","created_at":"2026-04-10T08:09:10Z","updated_at":"2026-04-10T08:09:10Z","deleted_at":null,"href":"","model":null,"organization_uuid":"o","project_id":null,"user":{"id":"user_1","email_address":"a@b.c"}}`), &c); err != nil {
		t.Fatal(err)
	}
	conv := c.Conversation()
	if conv.Kind != model.KindChat || conv.Product != model.ProductClaudeAI || conv.OwnerID != "user_1" {
		t.Errorf("conversation %+v", conv)
	}
}

// TestUserlessChatConverts: "user": null (a key restricted to one
// organisation whose creator left it, reference §4.2) gives a conversation
// without an owner, not an error, and no owner record.
func TestUserlessChatConverts(t *testing.T) {
	var cm ChatMessages
	raw := `{"id":"claude_chat_2","name":"orphan","created_at":"2026-04-10T08:09:10Z","updated_at":"2026-04-10T08:09:10Z","deleted_at":null,"href":"https://claude.ai/chat/53a26065-dc3e-4f8d-99da-5fb6525f14b9","model":"claude-opus-5-5","organization_uuid":"o","project_id":null,"user":null,
		"chat_messages":[{"id":"claude_chat_msg_1","role":"user","created_at":"2026-04-10T08:09:10Z","content":[{"type":"text","text":"hi"}]}],"has_more":false,"first_id":null,"last_id":null}`
	if err := json.Unmarshal([]byte(raw), &cm); err != nil {
		t.Fatal(err)
	}
	conv := cm.Conversation()
	if conv.OwnerID != "" || conv.ID != "53a26065-dc3e-4f8d-99da-5fb6525f14b9" || conv.Title != "orphan" {
		t.Errorf("conversation %+v", conv)
	}
	if u, ok := cm.Owner(); ok {
		t.Errorf("owner %+v from a null user", u)
	}
	if m := cm.Messages[0].ModelMessage(conv.ID, 0); m.ConversationID != conv.ID || m.Blocks[0].Text != "hi" {
		t.Errorf("message %+v", m)
	}
}
