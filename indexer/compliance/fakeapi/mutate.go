package fakeapi

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Mutations model what users do in claude.ai between syncs. Each bumps the
// chat's updated_at, which is what makes it re-appear in an updated_at walk.

func (s *Server) bump(c *Chat) time.Time {
	t := micro(s.opts.Now())
	if !t.After(c.UpdatedAt) {
		t = c.UpdatedAt.Add(time.Microsecond)
	}
	c.UpdatedAt = t
	return t
}

// AddMessage appends a user message with text to a chat and returns its id.
func (s *Server) AddMessage(chatID, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.org.Chat(chatID)
	if c == nil {
		return "", fmt.Errorf("fakeapi: no chat %s", chatID)
	}
	r := rand.New(rand.NewPCG(uint64(len(c.Messages)), uint64(len(chatID))))
	t := s.bump(c)
	m := Message{ID: tagged(r, "claude_chat_msg_"), UUID: uuid(r), Role: "user", CreatedAt: t,
		Content: []Block{{Type: "text", Text: text}}}
	c.Messages = append(c.Messages, m)
	s.org.fileChat = nil
	return m.ID, nil
}

// DeleteChat soft-deletes a chat as a user does in claude.ai: it stays
// listed with deleted_at set and name "", its messages come back with empty
// content and null files/generated_files/artifacts, and its files'
// endpoints answer 404 (reference §4.4).
func (s *Server) DeleteChat(chatID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.org.Chat(chatID)
	if c == nil {
		return fmt.Errorf("fakeapi: no chat %s", chatID)
	}
	t := s.bump(c)
	c.DeletedAt = &t
	return nil
}

// Rename changes a chat's name. Like the real API (which documents that a
// rename does not necessarily re-surface a chat), it does not bump updated_at.
func (s *Server) Rename(chatID, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.org.Chat(chatID)
	if c == nil {
		return fmt.Errorf("fakeapi: no chat %s", chatID)
	}
	c.Name = name
	return nil
}

// Snapshot returns a deep copy of the organisation as currently served.
func (s *Server) Snapshot() *Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := *s.org
	o.fileChat = nil
	o.Users = append([]User(nil), s.org.Users...)
	o.Planted = append([]Plant(nil), s.org.Planted...)
	o.Chats = make([]*Chat, len(s.org.Chats))
	for i, c := range s.org.Chats {
		cc := *c
		cc.Messages = append([]Message(nil), c.Messages...)
		o.Chats[i] = &cc
	}
	return &o
}

// HardDeleteChat removes a chat entirely: it is no longer listed, its
// messages endpoint answers 404 "Chat conversation not found: '<id>'" and
// its files' endpoints 404, as for a chat deleted through the API or purged
// by retention.
func (s *Server) HardDeleteChat(chatID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.org.Chats {
		if c.ID == chatID {
			s.org.Chats = append(s.org.Chats[:i], s.org.Chats[i+1:]...)
			s.org.fileChat = nil
			return nil
		}
	}
	return fmt.Errorf("fakeapi: no chat %s", chatID)
}
