package syncer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

// Issue 12, item 1: the indexer refuses a batch holding a record dated
// outside its window, so a chat with such a date must be skipped and
// reported (and retried later) on its own instead of failing its page.
func TestChatsWithDatesOutsideWindowAreSkipped(t *testing.T) {
	org := fakeapi.Generate(11, fakeapi.GenOptions{Chats: 20, DeletedEvery: -1, Start: windowStart})
	bad := map[string]string{ // chat id → the date its error must name
		org.Chats[3].ID: "1000-01-01T00:00:00Z",
		org.Chats[8].ID: "2262-04-12T00:00:00Z",
	}
	org.Chats[3].Messages[1].CreatedAt = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	org.Chats[8].Messages[0].CreatedAt = time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC)
	e := newEnvOrg(t, org)
	eng := e.engine()
	s := e.run(eng)
	if s.State != StateDone || s.Skipped != len(bad) || s.Chats != 20-len(bad) || len(s.Errors) != len(bad) {
		t.Fatalf("summary %+v, want %d skipped and the rest stored", s, len(bad))
	}
	for _, msg := range s.Errors {
		found := false
		for id, date := range bad {
			found = found || (strings.Contains(msg, "chat "+id) && strings.Contains(msg, date) &&
				strings.Contains(msg, "outside the supported dates"))
		}
		if !found {
			t.Errorf("error %q names no bad chat with its date", msg)
		}
	}
	fails, err := eng.Failures()
	if err != nil || len(fails) != len(bad) {
		t.Fatalf("failures %+v, %v", fails, err)
	}
	ctx := context.Background()
	for _, c := range org.Chats {
		_, err := e.ix.Conversation(ctx, c.UUID)
		if _, isBad := bad[c.ID]; isBad == (err == nil) {
			t.Errorf("chat %s: stored = %v, want %v", c.ID, err == nil, !isBad)
		}
	}
	if rep, err := e.ix.Verify(ctx); err != nil || !rep.OK() {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}
