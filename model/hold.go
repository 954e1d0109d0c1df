package model

import (
	"fmt"
	"strings"
	"time"
)

// Hold is a legal hold: while it is active, the records it covers survive
// retention, range deletion and anything a source re-delivers. It covers
// every message of its custodians (past and future), every message of its
// conversations, and the messages its query matched when the hold was
// placed (frozen: later messages matching the query are not covered).
type Hold struct {
	ID        string    `json:"id"`
	Matter    string    `json:"matter"`
	Reason    string    `json:"reason"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Custodians are users, named by id or email as the creator gave them.
	Custodians    []string   `json:"custodians,omitempty"`
	Conversations []string   `json:"conversations,omitempty"`
	Query         *HoldQuery `json:"query,omitempty"`

	ReleasedAt    *time.Time `json:"released_at,omitempty"`
	ReleasedBy    string     `json:"released_by,omitempty"`
	ReleaseReason string     `json:"release_reason,omitempty"`

	// Counts of what the hold covers now (filled when listed).
	Messages           int `json:"messages"`
	ConversationsCount int `json:"conversation_count"`
}

// HoldQuery is a search frozen at FrozenAt: the hold covers the messages
// it matched then, and Matched counts them.
type HoldQuery struct {
	Text         string    `json:"text,omitempty"`
	FindingTypes []string  `json:"finding_types,omitempty"`
	FlaggedOnly  bool      `json:"flagged_only,omitempty"`
	Users        []string  `json:"users,omitempty"`
	Models       []string  `json:"models,omitempty"`
	Products     []string  `json:"products,omitempty"`
	From         time.Time `json:"from,omitzero"`
	To           time.Time `json:"to,omitzero"`
	FrozenAt     time.Time `json:"frozen_at,omitzero"`
	Matched      int       `json:"matched"`
}

// Active reports whether the hold has not been released.
func (h Hold) Active() bool { return h.ReleasedAt == nil }

// Validate names the first thing wrong with a hold being placed.
func (h Hold) Validate() error {
	switch {
	case strings.TrimSpace(h.Matter) == "":
		return fmt.Errorf("matter: required")
	case len(h.Matter) > 200:
		return fmt.Errorf("matter: %d bytes, at most 200", len(h.Matter))
	case strings.TrimSpace(h.Reason) == "":
		return fmt.Errorf("reason: required")
	case len(h.Reason) > 2000:
		return fmt.Errorf("reason: %d bytes, at most 2,000", len(h.Reason))
	case len(h.Custodians) == 0 && len(h.Conversations) == 0 && h.Query == nil:
		return fmt.Errorf("a hold names custodians, conversations or a query")
	case len(h.Custodians) > 10000:
		return fmt.Errorf("custodians: %d, at most 10,000", len(h.Custodians))
	case len(h.Conversations) > 100000:
		return fmt.Errorf("conversations: %d, at most 100,000", len(h.Conversations))
	}
	for i, c := range h.Custodians {
		if strings.TrimSpace(c) == "" || len(c) > 320 {
			return fmt.Errorf("custodians[%d]: %q is not a user id or email", i, c)
		}
	}
	for i, c := range h.Conversations {
		if strings.TrimSpace(c) == "" || len(c) > 200 {
			return fmt.Errorf("conversations[%d]: %q is not a conversation id", i, c)
		}
	}
	if q := h.Query; q != nil {
		if len(q.Text) > 4096 {
			return fmt.Errorf("query.text: %d bytes, at most 4,096", len(q.Text))
		}
		if strings.TrimSpace(q.Text) == "" && len(q.FindingTypes) == 0 && !q.FlaggedOnly && len(q.Users) == 0 &&
			len(q.Models) == 0 && len(q.Products) == 0 && q.From.IsZero() && q.To.IsZero() {
			return fmt.Errorf("query: matches every message; name custodians or narrow the query")
		}
	}
	return nil
}
