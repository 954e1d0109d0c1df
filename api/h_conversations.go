package api

import (
	"errors"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

type conversationResponse struct {
	Conversation model.Conversation `json:"conversation"`
	User         *userView          `json:"user,omitempty"`
	// StartedBy is the person who started an agent-owned session.
	StartedBy *userView     `json:"started_by,omitempty"`
	Messages  []messageView `json:"messages"`
}

func (s *Server) getConversation(c *fiber.Ctx) error {
	id := c.Params("id")
	conv, err := s.store.Conversation(c.UserContext(), id)
	if errors.Is(err, indexer.ErrNotFound) {
		return errNotFound("conversation")
	}
	if err != nil {
		return err
	}
	msgs, err := s.store.Messages(c.UserContext(), id)
	if err != nil {
		return err
	}
	if err := s.audit.record(c, principalOf(c), "conversation.open", id, nil); err != nil {
		return err
	}
	resp := conversationResponse{Conversation: conv, Messages: make([]messageView, 0, len(msgs))}
	for _, who := range []struct {
		id  string
		dst **userView
	}{{conv.OwnerID, &resp.User}, {conv.StartedBy, &resp.StartedBy}} {
		if who.id == "" {
			continue
		}
		if u, err := s.store.User(c.UserContext(), who.id); err == nil {
			*who.dst = newUserView(u)
		} else if !errors.Is(err, indexer.ErrNotFound) {
			return err
		}
	}
	for _, m := range msgs {
		resp.Messages = append(resp.Messages, s.messageView(m))
	}
	return c.JSON(resp)
}

type messageResponse struct {
	Message      messageView         `json:"message"`
	Conversation *model.Conversation `json:"conversation,omitempty"`
	User         *userView           `json:"user,omitempty"`
	// ThreadURL is the API path of the whole conversation, anchored at
	// this message.
	ThreadURL string `json:"thread_url"`
}

func (s *Server) getMessage(c *fiber.Ctx) error {
	id := c.Params("id")
	m, err := s.store.Message(c.UserContext(), id)
	if errors.Is(err, indexer.ErrNotFound) {
		return errNotFound("message")
	}
	if err != nil {
		return err
	}
	if err := s.audit.record(c, principalOf(c), "message.open", id, map[string]string{"conversation_id": m.ConversationID}); err != nil {
		return err
	}
	resp := messageResponse{Message: s.messageView(m), ThreadURL: "/api/v1/conversations/" + m.ConversationID + "#" + m.ID}
	if conv, err := s.store.Conversation(c.UserContext(), m.ConversationID); err == nil {
		resp.Conversation = &conv
		if conv.OwnerID != "" {
			if u, err := s.store.User(c.UserContext(), conv.OwnerID); err == nil {
				resp.User = newUserView(u)
			}
		}
	} else if !errors.Is(err, indexer.ErrNotFound) {
		return err
	}
	return c.JSON(resp)
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	users, err := s.store.Users(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]*userView, 0, len(users))
	for _, u := range users {
		out = append(out, newUserView(u))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DisplayName < out[j].DisplayName })
	return c.JSON(fiber.Map{"users": out})
}

func (s *Server) getUser(c *fiber.Ctx) error {
	u, err := s.store.User(c.UserContext(), c.Params("id"))
	if errors.Is(err, indexer.ErrNotFound) {
		return errNotFound("user")
	}
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": newUserView(u)})
}
