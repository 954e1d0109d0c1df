package export

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// rootParent is the parent_message_uuid of a conversation's first message.
const rootParent = "00000000-0000-4000-8000-000000000000"

// chatURL is where claude.ai shows a conversation; the export uuid is the id
// in that URL, which is also how the Compliance API names the chat (href).
const chatURL = "https://claude.ai/chat/"

// mapConversation turns one decoded conversation into domain records. data is
// the conversation's JSON, re-read only when an unmodelled block type must be
// kept verbatim.
func mapConversation(rc *rawConversation, data []byte) (model.Conversation, []model.Message, error) {
	if rc.UUID == "" {
		return model.Conversation{}, nil, fmt.Errorf("conversation has no uuid")
	}
	c := model.Conversation{
		ID:         conversationID(rc.UUID),
		ExternalID: rc.UUID,
		Source:     model.SourceExport,
		Provider:   model.ProviderAnthropic,
		Title:      rc.Name,
		Summary:    rc.Summary,
		ProjectID:  rc.ProjectUUID,
		OwnerID:    rc.Account.UUID,
		URL:        chatURL + url.PathEscape(rc.UUID),
		CreatedAt:  parseTime(rc.CreatedAt),
		UpdatedAt:  parseTime(rc.UpdatedAt),
	}

	var raws *rawBlocks // decoded on first unmodelled block
	msgs := make([]model.Message, len(rc.ChatMessages))
	hasTree := false
	var first, last time.Time
	for i := range rc.ChatMessages {
		rm := &rc.ChatMessages[i]
		m := &msgs[i]
		m.ID = rm.UUID
		if m.ID == "" {
			// Stable across re-imports as long as the export keeps its order,
			// which is all an id-less message offers.
			m.ID = rc.UUID + ":" + strconv.Itoa(i)
		}
		m.ConversationID = c.ID
		m.Seq = i
		m.Role = mapRole(rm.Sender)
		m.CreatedAt = parseTime(rm.CreatedAt)
		if rm.Parent != nil && *rm.Parent != "" {
			hasTree = true
			if *rm.Parent != rootParent {
				m.ParentID = *rm.Parent
			}
		}
		blocks, err := mapBlocks(rm, func(j int) ([]byte, error) {
			if raws == nil {
				raws = new(rawBlocks)
				if err := json.Unmarshal(data, raws); err != nil {
					return nil, err
				}
			}
			if i >= len(raws.ChatMessages) || j >= len(raws.ChatMessages[i].Content) {
				return nil, fmt.Errorf("content block not found on second read")
			}
			return raws.ChatMessages[i].Content[j], nil
		})
		if err != nil {
			return model.Conversation{}, nil, fmt.Errorf("message %d (uuid %q): %w", i, rm.UUID, err)
		}
		m.Blocks = blocks
		m.Files = mapFiles(rm)
		if !m.CreatedAt.IsZero() {
			if first.IsZero() || m.CreatedAt.Before(first) {
				first = m.CreatedAt
			}
			if m.CreatedAt.After(last) {
				last = m.CreatedAt
			}
		}
	}
	// Timestamps are needed for date facets and retention; fall back from
	// conversation to messages and back rather than leave the zero time.
	if c.CreatedAt.IsZero() {
		c.CreatedAt = first
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = last
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = c.CreatedAt
		}
	}
	for i := range msgs {
		if msgs[i].CreatedAt.IsZero() {
			msgs[i].CreatedAt = c.CreatedAt
		}
	}
	// The indexer keys and partitions records by creation time and refuses
	// a batch holding one it cannot store; checking here skips and reports
	// this chat alone instead.
	if c.CreatedAt.IsZero() {
		return model.Conversation{}, nil, fmt.Errorf("no usable date: created_at %q, and no message has one",
			clip(rc.CreatedAt, 64))
	}
	if err := indexer.CheckChatDates(&c, msgs); err != nil {
		return model.Conversation{}, nil, err
	}
	markCurrentBranch(msgs, hasTree)
	return c, msgs, nil
}

// conversationID is the key the Compliance API sync also derives from a
// chat's href (lower-case UUID), so both copies of a chat are one record.
// Anything that is not a UUID is kept as it is.
func conversationID(uuid string) string {
	if len(uuid) != 36 {
		return uuid
	}
	for i := 0; i < len(uuid); i++ {
		c := uuid[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return uuid
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return uuid
		}
	}
	return strings.ToLower(uuid)
}

func mapRole(sender string) model.Role {
	switch strings.ToLower(sender) {
	case "human", "user":
		return model.RoleHuman
	case "assistant":
		return model.RoleAssistant
	}
	return model.Role(sender)
}

// mapBlocks maps content[] (2025+) or, when there is none, the flat text
// (2024). raw returns block j's JSON for blocks kept verbatim.
func mapBlocks(rm *rawMessage, raw func(j int) ([]byte, error)) ([]model.Block, error) {
	if len(rm.Content) == 0 {
		if rm.Text == "" {
			return nil, nil
		}
		return []model.Block{{Type: model.BlockText, Text: rm.Text}}, nil
	}
	blocks := make([]model.Block, 0, len(rm.Content))
	for j := range rm.Content {
		rb := &rm.Content[j]
		var b model.Block
		switch rb.Type {
		case "text":
			b = model.Block{Type: model.BlockText, Text: rb.Text}
		case "thinking":
			b = model.Block{Type: model.BlockThinking, Text: rb.Thinking,
				Hidden: rb.Hidden || rb.ThinkingHidden, Truncated: rb.Truncated || rb.CutOff}
		case "redacted_thinking":
			b = model.Block{Type: model.BlockThinking, Hidden: true}
		case "tool_use":
			in, err := toolInput(rb.Input)
			if err != nil {
				return nil, fmt.Errorf("block %d (tool_use): input: %w", j, err)
			}
			b = model.Block{Type: model.BlockToolUse, ToolName: rb.Name, ToolUseID: rb.ID, ToolInput: in}
		case "tool_result":
			text, err := resultText(rb.Content)
			if err != nil {
				return nil, fmt.Errorf("block %d (tool_result): content: %w", j, err)
			}
			b = model.Block{Type: model.BlockToolResult, ToolName: rb.Name, ToolUseID: rb.ToolUseID,
				Text: text, IsError: rb.IsError}
		default:
			data, err := raw(j)
			if err != nil {
				return nil, fmt.Errorf("block %d (%q): %w", j, rb.Type, err)
			}
			b = model.Block{Type: model.BlockOther, RawType: rb.Type, Raw: compactJSON(data)}
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

// toolInput returns a tool call's input as JSON text. Exports carry an object;
// the Compliance API carries a JSON-encoded string, accepted here too so both
// sources store the same thing.
func toolInput(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	return compactJSON(raw), nil
}

// resultText joins the text items of a tool result. Other items (web pages
// fetched, images, files) are what the tool returned, not text a person wrote
// or read in the chat, so they are not made searchable.
func resultText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var items []rawResultItem
	if err := json.Unmarshal(raw, &items); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, it := range items {
		if it.Type != "text" || it.Text == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(it.Text)
	}
	return b.String(), nil
}

func compactJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}

func mapFiles(rm *rawMessage) []model.File {
	if len(rm.Attachments)+len(rm.Files) == 0 {
		return nil
	}
	files := make([]model.File, 0, len(rm.Attachments)+len(rm.Files))
	for _, a := range rm.Attachments {
		files = append(files, model.File{Kind: model.FileAttachment, Name: a.FileName, MimeType: a.FileType,
			Size: int64(a.FileSize), ExtractedText: a.ExtractedContent})
	}
	for _, f := range rm.Files {
		files = append(files, model.File{Kind: model.FileUpload, ID: f.FileUUID, Name: f.FileName})
	}
	return files
}

// markCurrentBranch sets OnCurrentBranch on the path from the root to the last
// array element, which is the leaf claude.ai shows. Without a tree (exports
// before 2026) the conversation is linear and every message is on it.
func markCurrentBranch(msgs []model.Message, hasTree bool) {
	if !hasTree {
		for i := range msgs {
			msgs[i].OnCurrentBranch = true
		}
		return
	}
	if len(msgs) == 0 {
		return
	}
	byID := make(map[string]int, len(msgs))
	for i, m := range msgs {
		byID[m.ID] = i
	}
	// The visited check stops at a cycle, which only damaged data has.
	for i, ok := len(msgs)-1, true; ok && !msgs[i].OnCurrentBranch; {
		msgs[i].OnCurrentBranch = true
		if msgs[i].ParentID == "" {
			break
		}
		i, ok = byID[msgs[i].ParentID]
	}
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// parseTime reads the timestamp forms seen in exports (…Z, …+00:00, naive);
// anything else is treated as missing rather than failing the conversation.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// clip shortens s from the file to at most n bytes for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// messageSize approximates the bytes a message adds to a batch, to keep
// batches well under Badger's transaction limit.
func messageSize(m *model.Message) int {
	n := 256
	for _, b := range m.Blocks {
		n += len(b.Text) + len(b.ToolInput) + len(b.Raw) + 64
	}
	for _, f := range m.Files {
		n += len(f.ExtractedText) + len(f.Name) + 64
	}
	return n
}
