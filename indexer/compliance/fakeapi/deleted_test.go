package fakeapi

import (
	"net/url"
	"testing"
	"time"

	"github.com/goccy/go-json"
)

type listedChat struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	DeletedAt *string         `json:"deleted_at"`
	User      json.RawMessage `json:"user"`
}

type servedMessages struct {
	listedChat
	Msgs []struct {
		ID             string            `json:"id"`
		Role           string            `json:"role"`
		CreatedAt      string            `json:"created_at"`
		Content        []json.RawMessage `json:"content"`
		Files          json.RawMessage   `json:"files"`
		GeneratedFiles json.RawMessage   `json:"generated_files"`
		Artifacts      json.RawMessage   `json:"artifacts"`
	} `json:"chat_messages"`
}

func listAllChats(t *testing.T, base string) map[string]listedChat {
	t.Helper()
	out := map[string]listedChat{}
	q := url.Values{"limit": {"7"}}
	for range 100 {
		resp, b := get(t, base, "/v1/compliance/apps/chats", q, testKey)
		var env struct {
			Data    []listedChat `json:"data"`
			HasMore bool         `json:"has_more"`
			LastID  string       `json:"last_id"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(b, &env) != nil {
			t.Fatalf("list: %d %s", resp.StatusCode, b)
		}
		for _, c := range env.Data {
			out[c.ID] = c
		}
		if !env.HasMore {
			return out
		}
		q.Set("after_id", env.LastID)
	}
	t.Fatal("listing does not end")
	return nil
}

// chatWithFiles returns a live chat whose messages reference a file,
// generated file or artifact, and those ids.
func chatWithFiles(t *testing.T, org *Org) (*Chat, []string) {
	t.Helper()
	for _, c := range org.Chats {
		var ids []string
		for _, m := range c.Messages {
			for _, f := range m.Files {
				ids = append(ids, f.ID)
			}
			for _, f := range m.GeneratedFiles {
				ids = append(ids, f.ID)
			}
			for _, a := range m.Artifacts {
				ids = append(ids, a.VersionID)
			}
		}
		if c.DeletedAt == nil && len(ids) > 0 {
			return c, ids
		}
	}
	t.Fatal("no live chat with files in the organisation")
	return nil, nil
}

// TestDeletedChatServedEmpty: a chat the user deletes stays listed with
// deleted_at and name "", its messages keep id, role and time but come back
// with content [] and null files/generated_files/artifacts, and its files
// are no longer served (reference §4.2-4.4). HideDeletedMessages gives the
// other reading of §4.4: no messages at all.
func TestDeletedChatServedEmpty(t *testing.T) {
	for _, hide := range []bool{false, true} {
		org := Generate(11, GenOptions{Chats: 40, DeletedEvery: -1})
		c, files := chatWithFiles(t, org)
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		s, hs := newTestServer(t, org, Options{HideDeletedMessages: hide, Now: func() time.Time { return now }})
		s.mu.Lock()
		for _, f := range files {
			if !s.fileServed(f) {
				t.Fatalf("file %s of live chat not served", f)
			}
		}
		s.mu.Unlock()
		if err := s.DeleteChat(c.ID); err != nil {
			t.Fatal(err)
		}
		l, ok := listAllChats(t, hs.URL)[c.ID]
		if !ok || l.Name != "" || l.DeletedAt == nil || *l.DeletedAt != "2026-12-01T09:00:00.000000Z" {
			t.Errorf("listed deleted chat %+v (listed %v)", l, ok)
		}
		resp, b := get(t, hs.URL, "/v1/compliance/apps/chats/"+c.ID+"/messages", nil, testKey)
		var env servedMessages
		if resp.StatusCode != 200 || json.Unmarshal(b, &env) != nil {
			t.Fatalf("messages of deleted chat: %d %s", resp.StatusCode, b)
		}
		if env.Name != "" || env.DeletedAt == nil {
			t.Errorf("messages envelope %+v", env.listedChat)
		}
		wantN := len(c.Messages)
		if hide {
			wantN = 0
		}
		if len(env.Msgs) != wantN {
			t.Fatalf("hide=%v: %d messages, want %d", hide, len(env.Msgs), wantN)
		}
		for i, m := range env.Msgs {
			if m.ID != c.Messages[i].ID || m.Role != c.Messages[i].Role || m.CreatedAt != ts(c.Messages[i].CreatedAt) ||
				m.Content == nil || len(m.Content) != 0 || string(m.Files) != "null" || string(m.GeneratedFiles) != "null" || string(m.Artifacts) != "null" {
				t.Errorf("message %d of deleted chat: %+v", i, m)
			}
		}
		s.mu.Lock()
		for _, f := range files {
			if s.fileServed(f) {
				t.Errorf("file %s of a deleted chat still served", f)
			}
		}
		s.mu.Unlock()
		if snap := s.Snapshot().Chat(c.ID); snap.Name == "" {
			t.Error("DeleteChat erased the stored name; only the wire hides it")
		}
	}
}

// TestHardDeletedChat404: a hard-deleted chat is no longer listed, its
// messages answer 404 "Chat conversation not found: '<id>'" and its files
// are not served.
func TestHardDeletedChat404(t *testing.T) {
	org := Generate(11, GenOptions{Chats: 40, DeletedEvery: -1})
	c, files := chatWithFiles(t, org)
	s, hs := newTestServer(t, org, Options{})
	before := listAllChats(t, hs.URL)
	if err := s.HardDeleteChat(c.ID); err != nil {
		t.Fatal(err)
	}
	after := listAllChats(t, hs.URL)
	if _, ok := after[c.ID]; ok || len(after) != len(before)-1 {
		t.Errorf("listed %d chats after hard delete (was %d), deleted one listed: %v", len(after), len(before), ok)
	}
	resp, b := get(t, hs.URL, "/v1/compliance/apps/chats/"+c.ID+"/messages", nil, testKey)
	var e wireErrorBody
	if resp.StatusCode != 404 || json.Unmarshal(b, &e) != nil || e.Error.Type != "not_found_error" ||
		e.Error.Message != "Chat conversation not found: '"+c.ID+"'" {
		t.Errorf("messages of hard-deleted chat: %d %s", resp.StatusCode, b)
	}
	s.mu.Lock()
	for _, f := range files {
		if s.fileServed(f) {
			t.Errorf("file %s of a hard-deleted chat still served", f)
		}
	}
	s.mu.Unlock()
	if err := s.HardDeleteChat(c.ID); err == nil {
		t.Error("second HardDeleteChat succeeded")
	}
}

// TestNoUserChats: NoUserEvery sends "user": null on every n-th chat and
// leaves every other chat exactly as the seed made it.
func TestNoUserChats(t *testing.T) {
	plain := Generate(5, GenOptions{Chats: 12})
	org := Generate(5, GenOptions{Chats: 12, NoUserEvery: 4})
	_, hs := newTestServer(t, org, Options{})
	listed := listAllChats(t, hs.URL)
	for i, c := range org.Chats {
		p := plain.Chats[i]
		wantNull := (i+1)%4 == 0
		if c.ID != p.ID || c.Name != p.Name || !wantNull && c.OwnerID != p.OwnerID {
			t.Errorf("chat %d changed beyond its user", i)
		}
		if got := string(listed[c.ID].User) == "null"; got != wantNull {
			t.Errorf("chat %d: user %s, want null=%v", i, listed[c.ID].User, wantNull)
		}
	}
}
