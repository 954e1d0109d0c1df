package export

import (
	"bytes"
	stdjson "encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

func splitSeeds(f *testing.F) {
	for _, p := range []string{"2024/conversations.json", "2025/conversations.json", "2026/conversations.json", "users.json"} {
		f.Add(readTestdata(f, p))
	}
	for _, s := range []string{`[]`, `[{}]`, `[1,"a",null,[{}]]`, `[{"uuid":"a\"\\"}]`, `{"a":1}`, `[{"a":[}]},{}]`,
		`[{"uuid":"x"`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		"\xEF\xBB\xBF[{}]", "[\"\xff\"]", `[{},]`, `[{} {}]`, "[ 1 , 2 ] x"} {
		f.Add([]byte(s))
	}
}

// FuzzSplitter checks the record splitter against encoding/json: on a valid
// array it must yield exactly the array's elements, never panic or loop on
// anything, and keep offsets inside the input.
func FuzzSplitter(f *testing.F) {
	splitSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		const maxDepth = 32
		res := splitAll(t, bytes.NewReader(in), 1<<20, maxDepth)
		var prevEnd int64
		for i, e := range res.elems {
			if e.Index != i || e.Offset < prevEnd || e.End <= e.Offset || e.End > int64(len(in)) {
				t.Fatalf("element %d: index %d span [%d,%d) after %d, input %d bytes", i, e.Index, e.Offset, e.End, prevEnd, len(in))
			}
			if e.Err == nil && !bytes.Equal(e.Data, in[e.Offset:e.End]) {
				t.Fatalf("element %d data %q is not input[%d:%d]", i, e.Data, e.Offset, e.End)
			}
			prevEnd = e.End
		}
		if se := res.streamEr; se != nil && (se.Offset < 0 || se.Offset > int64(len(in))) {
			t.Fatalf("stream error offset %d outside input of %d bytes", se.Offset, len(in))
		}

		trimmed := bytes.TrimLeft(in, " \t\r\n")
		if !stdjson.Valid(in) || len(trimmed) == 0 || trimmed[0] != '[' {
			return
		}
		var want []stdjson.RawMessage
		if err := stdjson.Unmarshal(in, &want); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if res.streamEr != nil {
			t.Fatalf("valid array: stream error %v", res.streamEr)
		}
		if len(res.elems) != len(want) {
			t.Fatalf("valid array: %d elements, encoding/json has %d", len(res.elems), len(want))
		}
		for i, e := range res.elems {
			raw := in[e.Offset:e.End]
			if !bytes.Equal(raw, want[i]) {
				t.Fatalf("element %d: %q, encoding/json has %q", i, raw, want[i])
			}
			if e.Err != nil && utf8.Valid(raw) && depthOf(raw) <= maxDepth {
				t.Fatalf("element %d %q: unexpected error %v", i, raw, e.Err)
			}
		}
	})
}

// depthOf is the bracket depth of valid JSON.
func depthOf(b []byte) int {
	d, max := 0, 0
	dec := stdjson.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return max
		}
		switch tok {
		case stdjson.Delim('{'), stdjson.Delim('['):
			d++
			max = maxInt(max, d)
		case stdjson.Delim('}'), stdjson.Delim(']'):
			d--
		}
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// FuzzConversation feeds arbitrary records through the decoder and the
// mapping: hostile content must give an error or well-formed records, never a
// panic.
func FuzzConversation(f *testing.F) {
	for _, p := range []string{"2024/conversations.json", "2025/conversations.json", "2026/conversations.json"} {
		res := splitAll(f, bytes.NewReader(readTestdata(f, p)), 1<<20, 256)
		for _, e := range res.elems {
			f.Add(e.Data)
		}
	}
	f.Add([]byte(`{"uuid":"a","chat_messages":[{"uuid":"m1","parent_message_uuid":"m2"},{"uuid":"m2","parent_message_uuid":"m1"}]}`))
	f.Add([]byte(`{"uuid":"a","chat_messages":[{"content":[{"type":"tool_use","input":"{\"a\":1}"},{"type":"x"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rc rawConversation
		if err := json.Unmarshal(data, &rc); err != nil {
			if err := decodeError(err, 0); err == nil || err.Error() == "" {
				t.Fatal("empty decode error")
			}
			return
		}
		c, msgs, err := mapConversation(&rc, data)
		if err != nil {
			return
		}
		if c.ID == "" || c.ID != conversationID(rc.UUID) || !strings.HasPrefix(c.URL, chatURL) || len(msgs) != len(rc.ChatMessages) {
			t.Fatalf("conversation %+v with %d messages from %d", c, len(msgs), len(rc.ChatMessages))
		}
		if len(msgs) > 0 && !msgs[len(msgs)-1].OnCurrentBranch {
			t.Fatal("last message is not on the current branch")
		}
		for i, m := range msgs {
			if m.ID == "" || m.Seq != i || m.ConversationID != c.ID {
				t.Fatalf("message %d: %+v", i, m)
			}
			for _, b := range m.Blocks {
				if b.Type == "other" && b.Raw == "" {
					t.Fatalf("message %d: unmodelled block without raw JSON", i)
				}
			}
		}
	})
}
