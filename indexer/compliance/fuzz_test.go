package compliance

import (
	"testing"

	"github.com/goccy/go-json"
)

// FuzzChatMessages: hostile or broken bodies must yield an error or a
// mappable value, never a panic.
func FuzzChatMessages(f *testing.F) {
	f.Add([]byte(`{"id":"claude_chat_1","href":"https://claude.ai/chat/53a26065-dc3e-4f8d-99da-5fb6525f14b9","chat_messages":[{"id":"m","role":"user","created_at":"2026-05-07T17:29:59.774439Z","content":[{"type":"text","text":"hey"},{"type":"tool_use","input":"{}"},{"type":"tool_result","content":"x"},{"type":"zzz"}],"files":null}],"deleted_at":null}`))
	f.Add([]byte(`{"chat_messages":[{"content":[{"type":"tool_result","content":[{"type":"text"}]}]}],"deleted_at":"2026-01-01 00:00:00"}`))
	f.Add([]byte(`{"chat_messages":null,"user":null,"model":null}`))
	f.Add([]byte(`{"chat_messages":[{"content":["not a block"]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cm ChatMessages
		if json.Unmarshal(b, &cm) != nil {
			return
		}
		conv := cm.Conversation()
		for i := range cm.Messages {
			_ = cm.Messages[i].ModelMessage(conv.ID, i)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-05-07T17:29:59.354315Z", "2026-04-10T08:09:10Z", "2025-03-12T18:22:41.123456", "2026-04-10T09:10:11+00:00", "2026-01-01 00:00:00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseTime(s)
		if err == nil && v.Location().String() != "UTC" {
			t.Errorf("%q parsed to non-UTC %v", s, v)
		}
	})
}
