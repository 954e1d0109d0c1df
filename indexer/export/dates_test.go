package export

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// datedConv is a one-message conversation with the given created_at values
// ("" leaves the field out).
func datedConv(uuid, convCreated, msgCreated string) string {
	field := func(v string) string {
		if v == "" {
			return ""
		}
		return fmt.Sprintf(`"created_at":%q,`, v)
	}
	return fmt.Sprintf(`{"uuid":%q,"name":"t",%s"account":{"uuid":"acct-1"},"chat_messages":[{"uuid":%q,"text":"hello",`+
		`"sender":"human",%s"parent_message_uuid":"00000000-0000-4000-8000-000000000000"}]}`,
		uuid, field(convCreated), uuid+"-m0", field(msgCreated))
}

// Issue 12, item 1: the indexer refuses a batch holding a record dated
// outside its window, so one such chat must be skipped and reported on its
// own instead of costing every chat in its batch.
func TestChatsWithUnusableDatesAreSkippedAlone(t *testing.T) {
	const ok = "2026-01-02T03:04:05Z"
	bad := []struct{ uuid, conv, msg, want string }{
		{"conv-year-1000", "1000-01-01T00:00:00Z", ok, "1000-01-01T00:00:00Z is outside the supported dates"},
		{"conv-msg-2262", ok, "2262-04-12T00:00:00Z", `message conv-msg-2262-m0: invalid request: created_at 2262-04-12T00:00:00Z is outside`},
		{"conv-undated", "", "", `no usable date: created_at ""`},
		{"conv-garbled", "yesterday", "", `no usable date: created_at "yesterday"`},
	}
	recs := []string{datedConv("conv-a", ok, ok)}
	for _, b := range bad {
		recs = append(recs, datedConv(b.uuid, b.conv, b.msg))
	}
	recs = append(recs, datedConv("conv-z", "", ok)) // the message's date stands in
	p := writeFile(t, t.TempDir(), "conversations.json", []byte("["+strings.Join(recs, ",")+"]"))

	ix := openIndexer(t, t.TempDir())
	rep, err := Import(context.Background(), []string{p}, Options{Sink: ix, Events: ix, Job: "dates",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rep.Outcome(), ErrIncomplete) || rep.Conversations != 2 {
		t.Fatalf("outcome %v, %d conversations imported; want 2 and ErrIncomplete", rep.Outcome(), rep.Conversations)
	}
	if len(rep.Errors) != len(bad) {
		t.Fatalf("errors %+v, want one per bad chat", rep.Errors)
	}
	for i, b := range bad {
		if e := rep.Errors[i].Err; !strings.Contains(e, fmt.Sprintf("(uuid %q)", b.uuid)) || !strings.Contains(e, b.want) {
			t.Errorf("error %q does not name chat %s and %q", e, b.uuid, b.want)
		}
	}
	for _, id := range []string{"conv-a", "conv-z"} {
		if _, err := ix.Conversation(context.Background(), id); err != nil {
			t.Errorf("good chat %s not imported: %v", id, err)
		}
	}
	if rv, err := ix.Verify(context.Background()); err != nil || !rv.OK() {
		t.Fatalf("verify: %+v, %v", rv, err)
	}
}
