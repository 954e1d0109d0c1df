package compliance

import (
	"bytes"
	"fmt"

	"github.com/goccy/go-json"
)

// ChatUser is the owner of a chat as the chats endpoints report it.
type ChatUser struct {
	ID           string `json:"id"`
	EmailAddress string `json:"email_address"`
}

// Chat is a chat's metadata, as listed and as returned with its messages.
// Nullable fields are pointers so a null stays distinguishable from "".
type Chat struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	CreatedAt        Time      `json:"created_at"`
	UpdatedAt        Time      `json:"updated_at"`
	DeletedAt        *Time     `json:"deleted_at"`
	Href             string    `json:"href"`
	Model            *string   `json:"model"`
	OrganizationUUID string    `json:"organization_uuid"`
	OrganizationID   string    `json:"organization_id"`
	ProjectID        *string   `json:"project_id"`
	User             *ChatUser `json:"user"`
}

// Deleted reports whether the chat was deleted in claude.ai.
func (c *Chat) Deleted() bool { return c.DeletedAt != nil && !c.DeletedAt.IsZero() }

// ChatPage is one page of GET /v1/compliance/apps/chats. Items that could not
// be parsed are listed in Bad instead of failing the whole page, so one
// malformed chat cannot block the rest of the organisation.
type ChatPage struct {
	Chats   []Chat
	Bad     []BadItem
	HasMore bool
	FirstID string // opaque cursor; "" when the API sent null
	LastID  string
}

// BadItem is a list item that did not parse.
type BadItem struct {
	Index int    // position in the page's data array
	ID    string // the item's id when it could still be read
	Err   error
}

// ChatMessages is GET /v1/compliance/apps/chats/{id}/messages: the chat's
// metadata plus its messages in created_at order.
type ChatMessages struct {
	Chat
	Messages []Message `json:"chat_messages"`
	HasMore  bool      `json:"has_more"`
	FirstID  *string   `json:"first_id"`
	LastID   *string   `json:"last_id"`
}

// Message is one chat message.
type Message struct {
	ID             string          `json:"id"`
	Role           string          `json:"role"`
	CreatedAt      Time            `json:"created_at"`
	Content        []Block         `json:"content"`
	Files          []FileRef       `json:"files"`
	GeneratedFiles []GeneratedFile `json:"generated_files"`
	Artifacts      []Artifact      `json:"artifacts"`
}

// FileRef is an uploaded file attached to a message.
type FileRef struct {
	ID        string  `json:"id"`
	CreatedAt Time    `json:"created_at"`
	Filename  string  `json:"filename"`
	MD5       *string `json:"md5"`
	MimeType  *string `json:"mime_type"`
	SizeBytes *int64  `json:"size_bytes"`
}

// GeneratedFile is a file Claude produced in the chat.
type GeneratedFile struct {
	ID        string  `json:"id"`
	Filename  string  `json:"filename"`
	MD5       *string `json:"md5"`
	MimeType  *string `json:"mime_type"`
	SizeBytes *int64  `json:"size_bytes"`
}

// Artifact is an artifact version produced in the chat.
type Artifact struct {
	ID           string  `json:"id"`
	VersionID    string  `json:"version_id"`
	Title        *string `json:"title"`
	ArtifactType *string `json:"artifact_type"`
}

// Block is one content block: text, tool_use, tool_result, or a type this
// client does not know, kept in Raw.
type Block struct {
	Type             string
	Text             string
	Truncated        bool
	ThinkingRedacted bool
	// Tool use.
	ToolUseID string // tool_use: id; tool_result: tool_use_id
	Name      string
	// Input is the tool input as JSON text. The API sends it as a
	// JSON-encoded string; if a future version sends an object, its JSON is
	// kept as is.
	Input           string
	IntegrationName string
	MCPServerURL    string
	// Tool result.
	ResultText []string
	IsError    bool
	// Raw is the block exactly as received.
	Raw json.RawMessage
}

type wireBlock struct {
	Type             string          `json:"type"`
	Text             string          `json:"text"`
	Truncated        bool            `json:"truncated"`
	ThinkingRedacted bool            `json:"thinking_redacted"`
	ID               *string         `json:"id"`
	ToolUseID        *string         `json:"tool_use_id"`
	Name             string          `json:"name"`
	Input            json.RawMessage `json:"input"`
	Content          json.RawMessage `json:"content"`
	IsError          bool            `json:"is_error"`
	IntegrationName  *string         `json:"integration_name"`
	MCPServerURL     *string         `json:"mcp_server_url"`
}

// UnmarshalJSON decodes known fields leniently and keeps the raw block.
func (b *Block) UnmarshalJSON(data []byte) error {
	var w wireBlock
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("content block: %w", err)
	}
	*b = Block{Type: w.Type, Text: w.Text, Truncated: w.Truncated, ThinkingRedacted: w.ThinkingRedacted,
		Name: w.Name, IsError: w.IsError, IntegrationName: deref(w.IntegrationName), MCPServerURL: deref(w.MCPServerURL),
		Raw: append(json.RawMessage(nil), data...)}
	switch w.Type {
	case "tool_use":
		b.ToolUseID = deref(w.ID)
		in, err := jsonStringOrRaw(w.Input)
		if err != nil {
			return fmt.Errorf("tool_use %s: input: %w", b.ToolUseID, err)
		}
		b.Input = in
	case "tool_result":
		b.ToolUseID = deref(w.ToolUseID)
		items, err := resultItems(w.Content)
		if err != nil {
			return fmt.Errorf("tool_result %s: content: %w", b.ToolUseID, err)
		}
		b.ResultText = items
	}
	return nil
}

// MarshalJSON writes the block back as it was received.
func (b Block) MarshalJSON() ([]byte, error) {
	if len(b.Raw) > 0 {
		return b.Raw, nil
	}
	return json.Marshal(map[string]any{"type": b.Type, "text": b.Text})
}

// jsonStringOrRaw unquotes a JSON string; anything else (an object, from a
// hypothetical newer API) is returned as its JSON text.
func jsonStringOrRaw(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] != '"' {
		return string(raw), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}

// resultItems reads a tool result's content: an array of {type, text} items
// (only text items are kept, as the API documents) or, leniently, a string.
func resultItems(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var items []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if it.Type == "text" || it.Type == "" {
			out = append(out, it.Text)
		}
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Organization is one item of GET /v1/compliance/organizations.
type Organization struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	CreatedAt Time   `json:"created_at"`
}

// User is one item of GET /v1/compliance/organizations/{uuid}/users. Note the
// field is "email" here but "email_address" on chats.
type User struct {
	ID               string `json:"id"`
	CreatedAt        Time   `json:"created_at"`
	Email            string `json:"email"`
	FullName         string `json:"full_name"`
	OrganizationRole string `json:"organization_role"`
}

// UserPage is one page of an organisation's users.
type UserPage struct {
	Users    []User
	HasMore  bool
	NextPage string
}
