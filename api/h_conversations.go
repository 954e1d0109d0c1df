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
	// Holds are the active legal holds covering each message (message id
	// → hold ids), HoldMatters their names; null when they could not be
	// read (the conversation is still shown).
	Holds       map[string][]string `json:"holds"`
	HoldMatters map[string]string   `json:"hold_matters"`
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
	s.conversationHolds(c, id, &resp)
	return c.JSON(resp)
}

// conversationHolds fills the held badges. A failure to read them does not
// withhold the conversation from its reader: it is logged and the fields
// stay null, which the UI shows as "hold status unknown".
func (s *Server) conversationHolds(c *fiber.Ctx, id string, resp *conversationResponse) {
	held, err := s.store.ConversationHolds(c.UserContext(), id)
	if err != nil {
		s.log.Error("read the legal holds of a conversation", "conversation", id, "err", err)
		return
	}
	ids := map[string]bool{}
	for _, hs := range held {
		for _, h := range hs {
			ids[h] = true
		}
	}
	matters, err := s.holdMatters(c.UserContext(), sortedKeys(ids))
	if err != nil {
		s.log.Error("read the legal holds of a conversation", "conversation", id, "err", err)
		return
	}
	if held == nil {
		held = map[string][]string{}
	}
	resp.Holds, resp.HoldMatters = held, matters
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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
