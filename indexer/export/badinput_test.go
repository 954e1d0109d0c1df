package export

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// conv builds a small valid 2026-style conversation.
func conv(uuid, text string) string {
	return fmt.Sprintf(`{"uuid":%q,"name":"t","created_at":"2026-01-02T03:04:05.000000Z","updated_at":"2026-01-02T03:04:05.000000Z",`+
		`"account":{"uuid":"acct-1"},"chat_messages":[{"uuid":%q,"text":%q,"sender":"human",`+
		`"created_at":"2026-01-02T03:04:05.000000Z","parent_message_uuid":"00000000-0000-4000-8000-000000000000"}]}`,
		uuid, uuid+"-m0", text)
}

func TestBadInput(t *testing.T) {
	a, c := conv("conv-a", "first"), conv("conv-c", "last")
	tests := []struct {
		name      string
		data      string
		lim       Limits
		imported  []string // conversation ids, sorted
		record    int
		uuid      string // in the error message
		offsetOf  string // the error offset is where this substring starts in data ("" = offset 0)
		errSubstr string
	}{
		{name: "truncated file", data: "[" + a + "," + conv("conv-b", "cut")[:60],
			imported: []string{"conv-a"}, record: 1, uuid: "conv-b", offsetOf: `{"uuid":"conv-b"`, errSubstr: "file is truncated"},
		{name: "wrong top-level type", data: `{"conversations":[` + a + `]}`,
			record: -1, errSubstr: "top level is an object at byte 0, want an array"},
		{name: "invalid UTF-8", data: "[" + a + "," + strings.Replace(conv("conv-b", "bad XX byte"), "XX", "\xff\xfe", 1) + "," + c + "]",
			imported: []string{"conv-a", "conv-c"}, record: 1, uuid: "conv-b", offsetOf: `{"uuid":"conv-b"`, errSubstr: "invalid UTF-8 at byte"},
		{name: "wrong field type", data: "[" + a + `,{"uuid":"conv-b","chat_messages":"oops"},` + c + "]",
			imported: []string{"conv-a", "conv-c"}, record: 1, uuid: "conv-b", offsetOf: `{"uuid":"conv-b"`,
			errSubstr: "field chat_messages: got string, want array"},
		{name: "wrong nested field type", data: "[" + a + `,{"uuid":"conv-b","chat_messages":[{"uuid":"m","content":[{"type":"text","text":{"x":1}}]}]},` + c + "]",
			imported: []string{"conv-a", "conv-c"}, record: 1, uuid: "conv-b", offsetOf: `{"uuid":"conv-b"`,
			errSubstr: "field chat_messages.0.content.0.text: got object, want string"},
		{name: "tool result content of wrong type", data: "[" + a + `,{"uuid":"conv-b","chat_messages":[{"uuid":"m","content":[{"type":"tool_result","content":5}]}]},` + c + "]",
			imported: []string{"conv-a", "conv-c"}, record: 1, uuid: "conv-b", offsetOf: `{"uuid":"conv-b"`,
			errSubstr: `message 0 (uuid "m"): block 0 (tool_result): content:`},
		{name: "huge string", data: "[" + a + "," + conv("conv-b", strings.Repeat("A", 3<<20)) + "," + c + "]",
			lim:      Limits{MaxRecordBytes: 1 << 20},
			imported: []string{"conv-a", "conv-c"}, record: 1, uuid: "conv-b", offsetOf: `{"uuid":"conv-b"`,
			errSubstr: "larger than the 1 MiB limit"},
		{name: "deeply nested junk", data: "[" + a + `,{"uuid":"conv-b","chat_messages":[{"content":[{"type":"tool_use","input":` +
			strings.Repeat(`{"a":[`, 5000) + strings.Repeat(`]}`, 5000) + `}]}]},` + c + "]",
			imported: []string{"conv-a", "conv-c"}, record: 1, uuid: "conv-b", offsetOf: `{"uuid":"conv-b"`,
			errSubstr: "nesting deeper than 256 levels"},
		{name: "element is not an object", data: "[" + a + `,42,` + c + "]",
			imported: []string{"conv-a", "conv-c"}, record: 1, offsetOf: `42`, errSubstr: "is a number, want an object"},
		{name: "conversation without uuid", data: "[" + a + `,{"name":"no id","chat_messages":[]},` + c + "]",
			imported: []string{"conv-a", "conv-c"}, record: 1, offsetOf: `{"name":"no id"`, errSubstr: "conversation has no uuid"},
		{name: "invalid JSON inside a record", data: "[" + a + `,{"uuid":"conv-b" "name":"x"},` + c + "]",
			imported: []string{"conv-a", "conv-c"}, record: 1, uuid: "conv-b", offsetOf: `{"uuid":"conv-b"`, errSubstr: "invalid JSON at byte"},
		{name: "junk between records stops the file", data: "[" + a + ` ??? ` + c + "]",
			imported: []string{"conv-a"}, record: -1, offsetOf: `???`, errSubstr: "'?' at byte"},
		{name: "terminal escapes in uuid are quoted", data: "[" + a + `,{"uuid":"\u001b[31mred","chat_messages":"x"}]`,
			imported: []string{"conv-a"}, record: 1, uuid: `\x1b[31mred`, offsetOf: `{"uuid":"\u001b`, errSubstr: "want array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeFile(t, dir, "conversations.json", []byte(tt.data))
			sink := newMemSink()
			rep, _ := runImport(t, sink, tt.lim, p)

			var got []string
			for id := range sink.convs {
				got = append(got, id)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.imported, ",") || rep.Conversations != len(tt.imported) {
				t.Errorf("imported %v (report %d), want %v", got, rep.Conversations, tt.imported)
			}
			if len(rep.Errors) != 1 {
				t.Fatalf("errors = %+v, want one", rep.Errors)
			}
			e := rep.Errors[0]
			var wantOff int64
			if tt.offsetOf != "" {
				wantOff = int64(strings.Index(tt.data, tt.offsetOf))
			}
			if e.Record != tt.record || e.Offset != wantOff || e.File != p {
				t.Errorf("error at record %d offset %d file %s, want %d %d %s", e.Record, e.Offset, e.File, tt.record, wantOff, p)
			}
			for _, want := range []string{p + ": ", tt.errSubstr, fmt.Sprintf("byte %d", wantOff)} {
				if !strings.Contains(e.Err, want) {
					t.Errorf("error %q does not contain %q", e.Err, want)
				}
			}
			if tt.record >= 0 && !strings.Contains(e.Err, fmt.Sprintf("conversation %d", tt.record)) {
				t.Errorf("error %q does not name conversation %d", e.Err, tt.record)
			}
			if tt.uuid != "" && !strings.Contains(e.Err, fmt.Sprintf("(uuid %q)", tt.uuid)) && !strings.Contains(e.Err, `"`+tt.uuid+`"`) {
				t.Errorf("error %q does not name uuid %q", e.Err, tt.uuid)
			}
			if strings.ContainsRune(e.Err, 0x1b) {
				t.Errorf("error %q carries a raw terminal escape", e.Err)
			}
			out := rep.Outcome()
			if len(tt.imported) == 0 && !isErr(out, ErrNothingImported) || len(tt.imported) > 0 && !isErr(out, ErrIncomplete) {
				t.Errorf("Outcome() = %v", out)
			}
		})
	}
}

func isErr(err, target error) bool {
	return errors.Is(err, target)
}

// TestBadUsersFile checks that a users.json that does not match is reported
// and the conversations are still imported.
func TestBadUsersFile(t *testing.T) {
	tests := []struct {
		name, users, errSubstr string
		users0                 int
	}{
		{"object instead of array", `{"uuid":"u"}`, "top level is an object", 0},
		{"conversations file named users.json", "[" + conv("conv-x", "hi") + "]", "not a users.json record", 0},
		{"one record without uuid", `[{"full_name":"No Id","email_address":"x@example.com"},{"uuid":"u2","full_name":"B","email_address":"b@example.com"}]`,
			"user 0 at byte 1: user has no uuid", 1},
		{"wrong field type", `[{"uuid":"u1","full_name":["A"],"email_address":"a@example.com"}]`, "field full_name: got array, want string", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			u := writeFile(t, dir, "users.json", []byte(tt.users))
			c := writeFile(t, dir, "conversations.json", readTestdata(t, "2024/conversations.json"))
			sink := newMemSink()
			rep, _ := runImport(t, sink, Limits{}, u, c)
			if rep.Conversations != 3 || len(sink.convs) != 3 {
				t.Errorf("conversations = %d, want 3", rep.Conversations)
			}
			if rep.Users != tt.users0 {
				t.Errorf("users = %d, want %d", rep.Users, tt.users0)
			}
			if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Err, tt.errSubstr) || !strings.Contains(rep.Errors[0].Err, u) {
				t.Fatalf("errors = %+v, want one containing %q", rep.Errors, tt.errSubstr)
			}
			if !isErr(rep.Outcome(), ErrIncomplete) {
				t.Errorf("Outcome() = %v, want ErrIncomplete", rep.Outcome())
			}
		})
	}
}

// TestZipRefusals covers zip-slip names and decompression bombs: refused and
// reported, the rest of the archive still imported.
func TestZipRefusals(t *testing.T) {
	dir := t.TempDir()
	bomb := append(append([]byte("["), bytes.Repeat([]byte(" "), 4<<20)...), ']')
	z := writeZip(t, dir, "conversations-000.zip",
		zipEntry{Name: "../../etc/conversations.json", Data: []byte("[" + conv("evil-1", "x") + "]")},
		zipEntry{Name: "/abs/users.json", Data: []byte(`[]`)},
		zipEntry{Name: `..\win\conversations.json`, Data: []byte(`[]`)},
		zipEntry{Name: "bomb/conversations-0001.json", Data: bomb},
		zipEntry{Name: "conversations.json", Data: readTestdata(t, "2025/conversations.json")},
	)
	sink := newMemSink()
	rep, _ := runImport(t, sink, Limits{}, z)
	if rep.Conversations != 2 || len(sink.convs) != 2 {
		t.Errorf("conversations = %d, want the 2 of the safe entry", rep.Conversations)
	}
	want := []string{"../../etc/conversations.json", "/abs/users.json", `..\\win\\conversations.json`, "decompression bomb"}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors = %+v, want %d", rep.Errors, len(want))
	}
	for i, w := range want {
		if !strings.Contains(rep.Errors[i].Err, w) || rep.Errors[i].Record != -1 {
			t.Errorf("error %d = %q, want it to mention %q", i, rep.Errors[i].Err, w)
		}
	}
	if _, ok := sink.convs["evil-1"]; ok {
		t.Error("entry with .. in its name was imported")
	}
}

// TestErrorListIsBounded: a file of thousands of broken records lists the
// first MaxListedErrors and counts the rest, and still imports the good one.
func TestErrorListIsBounded(t *testing.T) {
	const bad = 2500
	data := "[" + strings.Repeat("7,", bad) + conv("conv-ok", "fine") + "]"
	p := writeFile(t, t.TempDir(), "conversations.json", []byte(data))
	rep, ev := runImport(t, newMemSink(), Limits{}, p)
	if rep.Conversations != 1 || rep.ErrorCount != bad || len(rep.Errors) != MaxListedErrors+1 {
		t.Fatalf("conversations %d, error count %d, listed %d", rep.Conversations, rep.ErrorCount, len(rep.Errors))
	}
	if last := rep.Errors[MaxListedErrors].Err; !strings.Contains(last, "1500 more records") {
		t.Errorf("last entry %q", last)
	}
	if !strings.Contains(rep.Outcome().Error(), "2500 record(s)") {
		t.Errorf("Outcome() = %v", rep.Outcome())
	}
	if got := ev.events[len(ev.events)-1].Counters["errors"]; got != bad {
		t.Errorf("errors counter %d", got)
	}
}
