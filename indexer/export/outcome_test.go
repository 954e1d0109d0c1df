package export

import (
	"strings"
	"testing"
)

// TestFailedImportSaysWhy: an import that gets nothing in used to end with
// state "done" and "nothing was imported: 1 error(s)", the reason only in
// the server log. Its last event must be "failed", naming the file, the
// byte offset and the reason; a partial import stays "done" but its message
// names the first problem too.
func TestFailedImportSaysWhy(t *testing.T) {
	good := conv("conv-a", "fine")
	for _, tc := range []struct {
		name  string
		data  string
		state string
		want  []string // in the last event's message
	}{
		{"empty file", "", "failed", []string{"conversations.json", "byte 0", "empty file"}},
		{"not JSON", "hello", "failed", []string{"conversations.json", "byte 0", `'h'`}},
		{"absurdly deep", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), "failed",
			[]string{"conversations.json", "at byte 1", "nesting deeper than 256 levels at byte 257"}},
		{"deep and never closed", strings.Repeat(`[{"a":`, 50000), "failed", []string{"conversations.json", "nesting deeper than 256 levels", "truncated"}},
		{"malformed JSON in the only record", `[{"uuid":"x" "name":"y"}]`, "failed", []string{"conversations.json", "invalid JSON at byte"}},
		{"top level object", `{"conversations":[]}`, "failed", []string{"conversations.json", "top level is an object at byte 0, want an array"}},
		{"one bad record of two", "[" + good + `,{"uuid":"conv-b","chat_messages":"oops"}]`, "done",
			[]string{"not everything was imported", "conversations.json", `"conv-b"`, "field chat_messages"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "conversations.json", []byte(tc.data))
			_, ev := runImport(t, newMemSink(), Limits{}, p)
			last := ev.events[len(ev.events)-1]
			if last.State != tc.state {
				t.Errorf("last event %s, want %s: %q", last.State, tc.state, last.Message)
			}
			for _, w := range tc.want {
				if !strings.Contains(last.Message, w) {
					t.Errorf("last message %q lacks %q", last.Message, w)
				}
			}
		})
	}
}
