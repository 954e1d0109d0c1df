package syncer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

// withTap puts a tap in front of the env's fake and points the engine at it.
func (e *env) withTap(answer func(*http.Request) *apiAnswer) *tap {
	e.t.Helper()
	tp := &tap{next: e.fake, answer: answer}
	hs := httptest.NewServer(tp)
	e.t.Cleanup(hs.Close)
	e.cfg.BaseURL = hs.URL
	return tp
}

func (e *env) chatState() state {
	e.t.Helper()
	var st state
	if _, err := getJSON(e.ix, keyState, &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

func streamState(s *Summary, name string) stream.State {
	for _, st := range s.Streams {
		if st.Name == name {
			return st
		}
	}
	return stream.State{}
}

// TestUnacceptedKeyStopsBeforeWalk: a key the API does not accept stops the
// run at the one-chat preflight, before any stream starts and before the
// walk sends a single request, with the saved cursor untouched. Since late
// 2026 a missing key or a Claude API key (sk-ant-api03-) answers 404 "Not
// found" (reference §8.2); a recognised but bad key answers 401.
func TestUnacceptedKeyStopsBeforeWalk(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		status    int
	}{
		{"404 Not found for a Claude API key", "sk-ant-api03-not-a-compliance-key-000000", http.StatusNotFound},
		{"401 for a revoked compliance key", "sk-ant-api01-revoked-key-0000000000000000", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fakeapi.GenOptions{Chats: 12}, 31)
			e.cfg.HourlyCap, e.cfg.PageSize = 5, 5
			first := e.run(e.engine()) // a walk in progress, capped mid-backfill
			if first.State != StateCapped {
				t.Fatalf("setup run %+v, want capped mid-walk", first)
			}
			saved := e.chatState()
			// The fake answers as the reference says the API does: 404
			// "Not found" for a key that is not a compliance key, 401 for a
			// compliance key it does not know; the tap only records.
			tp := e.withTap(func(*http.Request) *apiAnswer { return nil })
			side := &pager{name: "side", limit: 5}
			e.cfg.Key, e.cfg.Streams = tc.key, []stream.Stream{side}
			e.clk.Advance(2 * time.Hour)
			s, err := e.engine().RunOnce(context.Background())
			if !errors.Is(err, compliance.ErrKeyNotAccepted) || !strings.HasPrefix(err.Error(), "the key was not accepted") {
				t.Fatalf("err %v, want %q", err, compliance.ErrKeyNotAccepted)
			}
			if s.State != StateFailed || len(s.Errors) != 1 || !strings.Contains(s.Errors[0], "the key was not accepted") {
				t.Errorf("summary %+v", s)
			}
			reqs := tp.requests()
			if len(reqs) != 1 || reqs[0].Path != "/v1/compliance/apps/chats" || reqs[0].Query.Get("limit") != "1" || reqs[0].Status != tc.status {
				t.Errorf("requests %+v, want only the one-chat preflight answered %d", reqs, tc.status)
			}
			if side.runs.Load() != 0 {
				t.Errorf("a stream started after the key was refused")
			}
			for _, st := range s.Streams {
				if st.State != stream.StateFailed || st.LastError == "" {
					t.Errorf("stream %+v, want failed with the reason", st)
				}
			}
			if got := e.chatState(); got.Cursor != saved.Cursor || got.Chats != saved.Chats || got.Phase != saved.Phase {
				t.Errorf("cursor state %+v, want %+v kept", got, saved)
			}
		})
	}
}

// cursorKeptOn400 runs a walk that stops mid-backfill, then a run whose
// requests answer a 400 that is not about the cursor, then a clean run: the
// cursor survives the 400 and the clean run continues from it.
func cursorKeptOn400(t *testing.T, answer *apiAnswer, onlyWithCursor bool) (*Summary, error) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 25, DeletedEvery: -1}, 32)
	e.cfg.HourlyCap, e.cfg.PageSize = 10, 5
	if s := e.run(e.engine()); s.State != StateCapped || s.Chats != 10 {
		t.Fatalf("setup run %+v, want capped after 10 chats", s)
	}
	saved := e.chatState()
	failing := true
	tp := e.withTap(func(r *http.Request) *apiAnswer {
		if failing && (!onlyWithCursor || r.URL.Query().Get("after_id") != "") {
			return answer
		}
		return nil
	})
	e.clk.Advance(61 * time.Minute)
	s, err := e.engine().RunOnce(context.Background())
	if err == nil || s.State != StateFailed {
		t.Fatalf("run answered %d %q: %+v %v, want failed", answer.Status, answer.Message, s, err)
	}
	if got := e.chatState(); got.Cursor != saved.Cursor || got.Chats != saved.Chats || got.Phase != phaseBackfill {
		t.Fatalf("cursor state %+v after a 400 %q, want %+v kept", got, answer.Message, saved)
	}
	sentCursor := false
	for _, r := range tp.requests() {
		sentCursor = sentCursor || r.Query.Get("after_id") == saved.Cursor
	}
	if onlyWithCursor && !sentCursor {
		t.Fatalf("the walk never sent the saved cursor; the test proves nothing")
	}
	failing = false
	e.cfg.HourlyCap = 1000
	resumed := e.run(e.engine())
	if resumed.Chats != 15 {
		t.Errorf("clean run stored %d chats, want the 15 after the saved cursor (25 = walk restarted)", resumed.Chats)
	}
	e.verify(windowStart, nil)
	return s, err
}

// TestNotEnabled400KeepsCursor: "Compliance API is not enabled for this
// organization" (400 on every endpoint, reference §8.2) stops the run
// clearly and keeps every cursor, whether it comes at the preflight or in
// the middle of the walk.
func TestNotEnabled400KeepsCursor(t *testing.T) {
	for _, onlyWithCursor := range []bool{false, true} {
		name := map[bool]string{false: "at preflight", true: "mid-walk"}[onlyWithCursor]
		t.Run(name, func(t *testing.T) {
			s, err := cursorKeptOn400(t, disabledAPI, onlyWithCursor)
			if !errors.Is(err, compliance.ErrNotEnabled) || !strings.Contains(err.Error(), "cursor is kept") {
				t.Errorf("err %v, want a clear not-enabled stop", err)
			}
			if strings.Contains(strings.Join(s.Errors, "\n"), "walk restarted") {
				t.Errorf("errors %q: the walk was restarted", s.Errors)
			}
		})
	}
}

// TestUnknownParam400KeepsCursor: a 400 "Unknown query parameter" is a
// request fault, not a rejected cursor: the cursor stays.
func TestUnknownParam400KeepsCursor(t *testing.T) {
	s, err := cursorKeptOn400(t, unknownArg, true)
	if !errors.Is(err, compliance.ErrBadRequest) || strings.Contains(strings.Join(s.Errors, "\n"), "walk restarted") {
		t.Errorf("err %v, errors %q", err, s.Errors)
	}
}

// TestHardDeletedChatMarkedNotRetried: a stored chat whose messages answer
// 404 once listed (hard-deleted upstream) is marked deleted by upstream
// with its content kept, both when the walk meets it and when a failed
// chat is retried; no failure record is left, so it is never asked again.
func TestHardDeletedChatMarkedNotRetried(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 20, DeletedEvery: -1}, 33)
	eng := e.engine()
	e.run(eng)
	snap := e.fake.Snapshot()
	walked, retried := snap.Chats[3], snap.Chats[8]
	ctx := context.Background()

	// The walk: the chat re-surfaces (new message), then 404s.
	e.clk.Advance(time.Hour)
	if _, err := e.fake.AddMessage(walked.ID, "one more"); err != nil {
		t.Fatal(err)
	}
	e.fake.SetChatFault(walked.ID, fakeapi.FaultNotFound)
	// The retry: the chat fails (500) on this run...
	if _, err := e.fake.AddMessage(retried.ID, "and another"); err != nil {
		t.Fatal(err)
	}
	e.fake.SetChatFault(retried.ID, fakeapi.FaultServerError)
	s := e.run(eng)
	if s.Gone != 1 || s.Skipped != 1 {
		t.Fatalf("run %+v, want 1 gone and 1 skipped", s)
	}
	if f, _ := eng.Failures(); len(f) != 1 || f[0].ChatID != retried.ID || f[0].ConversationID != retried.UUID {
		t.Fatalf("failures %+v, want only %s with its conversation id", f, retried.ID)
	}
	// ...and is hard-deleted before the next.
	for _, c := range []*fakeapi.Chat{walked, retried} {
		e.fake.SetChatFault(c.ID, fakeapi.FaultNone)
		if err := e.fake.HardDeleteChat(c.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Advance(time.Hour)
	before := e.fake.Requests()["messages"]
	s = e.run(eng)
	if s.Gone != 1 || s.Skipped != 0 || e.fake.Requests()["messages"]-before != 1 {
		t.Fatalf("run %+v after %d message reads, want the failed chat read once and found gone", s, e.fake.Requests()["messages"]-before)
	}
	for _, c := range []*fakeapi.Chat{walked, retried} {
		conv, err := e.ix.Conversation(ctx, c.UUID)
		if err != nil || conv.DeletedAt == nil || conv.DeletedBy != model.DeletedByUpstream {
			t.Errorf("chat %s: %+v %v, want deleted by upstream", c.ID, conv, err)
		}
		if msgs, _ := e.ix.Messages(ctx, c.UUID); len(msgs) != len(c.Messages) {
			t.Errorf("chat %s keeps %d of %d messages", c.ID, len(msgs), len(c.Messages))
		}
	}
	if f, _ := eng.Failures(); len(f) != 0 {
		t.Errorf("failures %+v left: a gone chat would be retried forever", f)
	}
	before = e.fake.Requests()["messages"]
	e.clk.Advance(time.Hour)
	if s := e.run(eng); s.Gone != 0 || e.fake.Requests()["messages"] != before {
		t.Errorf("third run %+v asked for messages again", s)
	}
}

// TestUserDeletedChatKeepsContent: a chat its user deleted in claude.ai
// comes back with deleted_at, an empty name and no content (reference
// §4.4): it is marked deleted by the user, its messages are not re-read,
// and the stored title and messages stay.
func TestUserDeletedChatKeepsContent(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 10, DeletedEvery: -1}, 34)
	eng := e.engine()
	e.run(eng)
	c := e.fake.Snapshot().Chats[2]
	ctx := context.Background()
	stored, err := e.ix.Conversation(ctx, c.UUID)
	if err != nil || stored.Title == "" {
		t.Fatalf("stored %+v %v", stored, err)
	}
	e.clk.Advance(time.Hour)
	if err := e.fake.Rename(c.ID, ""); err != nil { // the API empties the name of a deleted chat
		t.Fatal(err)
	}
	if err := e.fake.DeleteChat(c.ID); err != nil {
		t.Fatal(err)
	}
	before := e.fake.Requests()["messages"]
	s := e.run(eng)
	if s.Chats != 1 || e.fake.Requests()["messages"] != before {
		t.Fatalf("run %+v read messages of a deleted chat", s)
	}
	conv, err := e.ix.Conversation(ctx, c.UUID)
	if err != nil || conv.DeletedAt == nil || conv.DeletedBy != model.DeletedByUser || conv.Title != stored.Title {
		t.Fatalf("deleted chat stored as %+v %v, want deleted by user with title %q", conv, err, stored.Title)
	}
	if msgs, _ := e.ix.Messages(ctx, c.UUID); len(msgs) != len(c.Messages) {
		t.Errorf("%d of %d messages kept", len(msgs), len(c.Messages))
	}
}

// TestForbiddenDisablesOneStream: a 403 (missing scope) turns off the
// stream that met it, naming the scope, while the others finish; when every
// stream is refused the run fails.
func TestForbiddenDisablesOneStream(t *testing.T) {
	t.Run("sessions forbidden", func(t *testing.T) {
		e := newEnv(t, fakeapi.GenOptions{Chats: 15}, 35)
		e.withTap(func(r *http.Request) *apiAnswer {
			if strings.HasPrefix(r.URL.Path, "/v1/compliance/apps/sessions/") {
				return noUserScope
			}
			return nil
		})
		sessions := &probe{name: "sessions", path: "/v1/compliance/apps/sessions/local"}
		side := &pager{name: "side", limit: 4}
		e.cfg.Streams = []stream.Stream{sessions, side}
		ch, _, unsub := e.ix.Subscribe()
		defer unsub()
		s := e.run(e.engine())
		if s.State != StateDone || s.Chats != 15 {
			t.Fatalf("run %+v, want done with every chat", s)
		}
		ss := streamState(s, "sessions")
		if ss.State != stream.StateForbidden || !strings.Contains(ss.LastError, "read:compliance_user_data") || ss.Requests != 1 {
			t.Errorf("sessions %+v, want forbidden naming the scope after one request", ss)
		}
		if st := streamState(s, "side"); st.State != stream.StateDone || st.Items != 15 {
			t.Errorf("side stream %+v, want done with 15 items", st)
		}
		if st := streamState(s, chatStream); st.State != stream.StateDone || st.Items != 15 {
			t.Errorf("chats %+v", st)
		}
		if !strings.Contains(strings.Join(s.Errors, "\n"), "sessions disabled") {
			t.Errorf("errors %q do not say sessions were disabled", s.Errors)
		}
		var final map[string]int
		for len(ch) > 0 {
			if ev := <-ch; ev.State == StateDone {
				final = ev.Counters
			}
		}
		if final["side.items"] != 15 || final["sessions.requests"] != 1 || final["chats"] != 15 {
			t.Errorf("final event counters %v, want prefixed stream counters", final)
		}
		st, err := e.engine().Status()
		if err != nil || len(st.Streams) != 3 || st.Streams[1].State != stream.StateForbidden {
			t.Errorf("status streams %+v %v", st.Streams, err)
		}
	})
	t.Run("chats forbidden", func(t *testing.T) {
		e := newEnv(t, fakeapi.GenOptions{Chats: 6}, 36)
		e.withTap(func(r *http.Request) *apiAnswer {
			if r.URL.Path == "/v1/compliance/apps/chats" && r.URL.Query().Get("limit") == "1" {
				return noUserScope // the preflight only: the side stream lists with limit 4
			}
			return nil
		})
		side := &pager{name: "side", limit: 4}
		e.cfg.Streams = []stream.Stream{side}
		s := e.run(e.engine())
		if s.State != StateDone || s.Chats != 0 || streamState(s, chatStream).State != stream.StateForbidden ||
			streamState(s, "side").Items != 6 {
			t.Fatalf("run %+v, want chats forbidden and the side stream done", s)
		}
	})
	t.Run("everything forbidden", func(t *testing.T) {
		e := newEnv(t, fakeapi.GenOptions{Chats: 3}, 37)
		e.withTap(func(*http.Request) *apiAnswer { return noUserScope })
		e.cfg.Streams = []stream.Stream{&probe{name: "sessions", path: "/v1/compliance/apps/sessions/local"}}
		s, err := e.engine().RunOnce(context.Background())
		if !errors.Is(err, compliance.ErrForbidden) || s.State != StateFailed {
			t.Fatalf("run %+v %v, want failed: nothing could be read", s, err)
		}
	})
}

// TestUserlessChatsStoredWithoutOwner: a chat whose creator left an
// organisation the key is restricted to comes with "user": null
// (reference §4.2); it is stored, without an owner, not skipped.
func TestUserlessChatsStoredWithoutOwner(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 8, DeletedEvery: -1, NoUserEvery: 1}, 38)
	snap := e.fake.Snapshot()
	s := e.run(e.engine())
	if s.Chats != 8 || s.Skipped != 0 {
		t.Fatalf("run %+v, want every user-less chat stored", s)
	}
	ctx := context.Background()
	for _, c := range snap.Chats {
		conv, err := e.ix.Conversation(ctx, c.UUID)
		if err != nil || conv.OwnerID != "" {
			t.Errorf("chat %s stored as %+v %v, want no owner", c.ID, conv, err)
		}
	}
	e.verify(windowStart, nil)
}

// TestSaveKeyNotAccepted: saving a key the API answers with the bare 404
// "Not found" (a Claude API key, reference §8.2) fails as "the key was not
// accepted", like a 401, and nothing is saved.
func TestSaveKeyNotAccepted(t *testing.T) {
	// The fake answers a Claude API key with 404 "Not found", an unknown
	// compliance key with 401, as the reference says the API does.
	e := newEnv(t, fakeapi.GenOptions{Chats: 2}, 39)
	keys, err := keystore.Open(keystore.Options{Dir: e.dir, Meta: e.ix})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.Key, e.cfg.Keys = "", keys
	eng := e.engine()
	for _, key := range []string{"sk-ant-api03-claude-api-key-000000000000", "sk-ant-api01-wrong-key-0000000000"} {
		_, err := eng.SaveKey(context.Background(), key)
		if !errors.Is(err, compliance.ErrKeyNotAccepted) || strings.Contains(err.Error(), key) {
			t.Errorf("SaveKey(%s…): %v, want %q without the key", key[:13], err, compliance.ErrKeyNotAccepted)
		}
	}
	if _, err := eng.RunOnce(context.Background()); !errors.Is(err, ErrNoKey) {
		t.Errorf("a refused key was saved: %v", err)
	}
}

// TestVanishedChatMarkedWeekly: a chat hard-deleted upstream is no longer
// listed, so the walk never asks for it again; the weekly comparison of the
// stored chats with the listed ones finds it, asks once, and marks it gone
// with its content kept. Within the week nothing extra is asked.
func TestVanishedChatMarkedWeekly(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 20, DeletedEvery: -1}, 34)
	eng := e.engine()
	e.run(eng)
	gone := e.fake.Snapshot().Chats[5]
	if err := e.fake.HardDeleteChat(gone.ID); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e.clk.Advance(24 * time.Hour)
	before := e.fake.Requests()["messages"]
	if s := e.run(eng); s.Gone != 0 || e.fake.Requests()["messages"] != before {
		t.Fatalf("run within the week %+v asked for %d chats", s, e.fake.Requests()["messages"]-before)
	}
	if conv, _ := e.ix.Conversation(ctx, gone.UUID); conv.DeletedAt != nil {
		t.Fatalf("marked before any 404: %+v", conv)
	}
	e.clk.Advance(7 * 24 * time.Hour)
	before = e.fake.Requests()["messages"]
	s := e.run(eng)
	if s.Gone != 1 || e.fake.Requests()["messages"]-before != 1 {
		t.Fatalf("weekly run %+v after %d message requests, want the vanished chat asked once and found gone", s, e.fake.Requests()["messages"]-before)
	}
	conv, err := e.ix.Conversation(ctx, gone.UUID)
	if err != nil || conv.DeletedAt == nil || conv.DeletedBy != model.DeletedByUpstream {
		t.Fatalf("vanished chat %+v %v, want deleted by upstream", conv, err)
	}
	if msgs, _ := e.ix.Messages(ctx, gone.UUID); len(msgs) != len(gone.Messages) {
		t.Errorf("vanished chat keeps %d of %d messages", len(msgs), len(gone.Messages))
	}
}
