package compliance

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/goccy/go-json"
)

// Sort keys for ListChats.
const (
	OrderCreatedAt = "created_at"
	OrderUpdatedAt = "updated_at"
)

// ListChatsParams selects a page of an organisation-wide chat listing.
type ListChatsParams struct {
	OrderBy string // OrderCreatedAt (default) or OrderUpdatedAt
	// Since filters on the sort key with ".gte"; the API rejects a filter on
	// the other key for org-wide listings.
	Since   time.Time
	AfterID string // opaque cursor from a previous page's LastID
	Limit   int    // 1..1000; 0 means the API default (100)
}

// ListChats fetches one page of GET /v1/compliance/apps/chats.
func (c *Client) ListChats(ctx context.Context, p ListChatsParams) (*ChatPage, error) {
	q := url.Values{}
	order := p.OrderBy
	if order == "" {
		order = OrderCreatedAt
	}
	q.Set("order_by", order)
	if !p.Since.IsZero() {
		q.Set(order+".gte", p.Since.UTC().Format(time.RFC3339Nano))
	}
	if p.AfterID != "" {
		q.Set("after_id", p.AfterID)
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	var env struct {
		Data    []json.RawMessage `json:"data"`
		HasMore bool              `json:"has_more"`
		FirstID *string           `json:"first_id"`
		LastID  *string           `json:"last_id"`
	}
	if err := c.get(ctx, "/v1/compliance/apps/chats", q, &env); err != nil {
		return nil, err
	}
	page := &ChatPage{HasMore: env.HasMore, FirstID: deref(env.FirstID), LastID: deref(env.LastID), Chats: make([]Chat, 0, len(env.Data))}
	for i, raw := range env.Data {
		var ch Chat
		err := json.Unmarshal(raw, &ch)
		if err == nil && ch.ID == "" {
			err = fmt.Errorf("missing id")
		}
		if err != nil {
			page.Bad = append(page.Bad, BadItem{Index: i, ID: c.redact(peekID(raw)), Err: c.redactErr(fmt.Errorf("chat list item %d: %w", i, err))})
			continue
		}
		page.Chats = append(page.Chats, ch)
	}
	return page, nil
}

// peekID reads just the "id" of an item that failed to parse as a whole.
func peekID(raw []byte) string {
	var v struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(bytes.TrimSpace(v.ID), &s) != nil {
		return ""
	}
	return s
}

// MessagesParams tunes GET /v1/compliance/apps/chats/{id}/messages.
type MessagesParams struct {
	// PageSize 0 fetches the whole chat in one response (the API returns the
	// full set when limit is omitted); >0 pages through huge chats.
	PageSize int
}

// ChatMessages fetches a chat's metadata and all its messages.
func (c *Client) ChatMessages(ctx context.Context, chatID string, p MessagesParams) (*ChatMessages, error) {
	if chatID == "" {
		return nil, fmt.Errorf("compliance: chat messages: empty chat id")
	}
	path := "/v1/compliance/apps/chats/" + url.PathEscape(chatID) + "/messages"
	q := url.Values{}
	q.Set("tool_use_input_max_chars", strconv.Itoa(c.cfg.ToolUseInputMaxChars))
	q.Set("tool_result_max_chars", strconv.Itoa(c.cfg.ToolResultMaxChars))
	if p.PageSize > 0 {
		q.Set("limit", strconv.Itoa(p.PageSize))
	}
	var all *ChatMessages
	for {
		var page ChatMessages
		if err := c.get(ctx, path, q, &page); err != nil {
			return nil, err
		}
		if all == nil {
			all = &page
		} else {
			all.Messages = append(all.Messages, page.Messages...)
			all.HasMore, all.LastID = page.HasMore, page.LastID
		}
		if p.PageSize <= 0 || !page.HasMore || deref(page.LastID) == "" {
			return all, nil
		}
		q.Set("after_id", deref(page.LastID))
	}
}
