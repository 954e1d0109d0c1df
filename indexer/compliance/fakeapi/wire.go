package fakeapi

import (
	"time"
	"unicode/utf8"

	"github.com/goccy/go-json"
)

// Wire shapes, field for field as the reference documents them. Nullable
// fields are pointers so they are sent as null, as the real API does.

type wireUserRef struct {
	ID           string `json:"id"`
	EmailAddress string `json:"email_address"`
}

type wireChat struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	CreatedAt        string       `json:"created_at"`
	UpdatedAt        string       `json:"updated_at"`
	DeletedAt        *string      `json:"deleted_at"`
	Href             string       `json:"href"`
	Model            *string      `json:"model"`
	OrganizationID   string       `json:"organization_id"`
	OrganizationUUID string       `json:"organization_uuid"`
	ProjectID        *string      `json:"project_id"`
	User             *wireUserRef `json:"user"`
}

type wireChatList struct {
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
	FirstID *string           `json:"first_id"`
	LastID  *string           `json:"last_id"`
}

type wireChatMessages struct {
	wireChat
	ChatMessages []wireMessage `json:"chat_messages"`
	HasMore      bool          `json:"has_more"`
	FirstID      *string       `json:"first_id"`
	LastID       *string       `json:"last_id"`
}

type wireMessage struct {
	ID             string            `json:"id"`
	Role           string            `json:"role"`
	CreatedAt      string            `json:"created_at"`
	Content        []json.RawMessage `json:"content"`
	Files          []wireFile        `json:"files"`
	GeneratedFiles []wireGenFile     `json:"generated_files"`
	Artifacts      []wireArtifact    `json:"artifacts"`
}

type wireText struct {
	Type             string `json:"type"`
	Text             string `json:"text"`
	Truncated        bool   `json:"truncated"`
	ThinkingRedacted bool   `json:"thinking_redacted"`
}

type wireToolUse struct {
	Type            string  `json:"type"`
	ID              *string `json:"id"`
	Name            string  `json:"name"`
	Input           string  `json:"input"`
	IntegrationName *string `json:"integration_name"`
	MCPServerURL    *string `json:"mcp_server_url"`
	Truncated       bool    `json:"truncated"`
}

type wireResultItem struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type wireToolResult struct {
	Type            string           `json:"type"`
	ToolUseID       *string          `json:"tool_use_id"`
	Name            string           `json:"name"`
	Content         []wireResultItem `json:"content"`
	IsError         bool             `json:"is_error"`
	IntegrationName *string          `json:"integration_name"`
	MCPServerURL    *string          `json:"mcp_server_url"`
	Truncated       bool             `json:"truncated"`
}

type wireFile struct {
	ID        string  `json:"id"`
	CreatedAt string  `json:"created_at"`
	Filename  string  `json:"filename"`
	MD5       *string `json:"md5"`
	MimeType  *string `json:"mime_type"`
	SizeBytes *int64  `json:"size_bytes"`
}

type wireGenFile struct {
	ID        string  `json:"id"`
	Filename  string  `json:"filename"`
	MD5       *string `json:"md5"`
	MimeType  *string `json:"mime_type"`
	SizeBytes *int64  `json:"size_bytes"`
}

type wireArtifact struct {
	ID           string  `json:"id"`
	VersionID    string  `json:"version_id"`
	Title        *string `json:"title"`
	ArtifactType *string `json:"artifact_type"`
}

type wirePage struct {
	Data     any     `json:"data"`
	HasMore  bool    `json:"has_more"`
	NextPage *string `json:"next_page"`
}

type wireOrg struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

type wireUser struct {
	ID               string `json:"id"`
	CreatedAt        string `json:"created_at"`
	Email            string `json:"email"`
	FullName         string `json:"full_name"`
	OrganizationRole string `json:"organization_role"`
}

// wireErrorBody is the error envelope; Type and RequestID are left out of
// the bare form (EnvelopeBare).
type wireErrorBody struct {
	Type  string `json:"type,omitempty"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id,omitempty"`
}

const wireTime = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(wireTime) }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) wireChat(c *Chat) wireChat {
	w := wireChat{ID: c.ID, Name: c.Name, CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt),
		Href: "https://claude.ai/chat/" + c.UUID, Model: nullable(c.Model), OrganizationID: s.org.ID,
		OrganizationUUID: s.org.UUID, ProjectID: nullable(c.ProjectID)}
	if c.DeletedAt != nil {
		// A chat the user deleted keeps being listed, nameless (§4.2).
		d := ts(*c.DeletedAt)
		w.DeletedAt, w.Name = &d, ""
	}
	for _, u := range s.org.Users {
		if u.ID == c.OwnerID {
			w.User = &wireUserRef{ID: u.ID, EmailAddress: u.Email}
		}
	}
	return w
}

// limits are the truncation bounds of a messages request; -1 is unbounded.
type limits struct{ toolInput, toolResult int }

// wireMsg renders a message; a deleted chat's messages keep id, role and
// time but lose content, files, generated files and artifacts (§4.3).
func wireMsg(m *Message, lim limits, deleted bool) wireMessage {
	w := wireMessage{ID: m.ID, Role: m.Role, CreatedAt: ts(m.CreatedAt), Content: make([]json.RawMessage, 0, len(m.Content))}
	if deleted {
		return w
	}
	for _, b := range m.Content {
		w.Content = append(w.Content, wireBlock(b, lim))
	}
	for _, f := range m.Files {
		w.Files = append(w.Files, wireFile{ID: f.ID, CreatedAt: ts(f.CreatedAt), Filename: f.Filename,
			MD5: nullable(f.MD5), MimeType: nullable(f.MimeType), SizeBytes: &f.SizeBytes})
	}
	for _, f := range m.GeneratedFiles {
		w.GeneratedFiles = append(w.GeneratedFiles, wireGenFile{ID: f.ID, Filename: f.Filename,
			MD5: nullable(f.MD5), MimeType: nullable(f.MimeType), SizeBytes: &f.SizeBytes})
	}
	for _, a := range m.Artifacts {
		w.Artifacts = append(w.Artifacts, wireArtifact{ID: a.ID, VersionID: a.VersionID, Title: nullable(a.Title), ArtifactType: nullable(a.Type)})
	}
	return w
}

func wireBlock(b Block, lim limits) json.RawMessage {
	if b.Raw != "" {
		return json.RawMessage(b.Raw)
	}
	var v any
	switch b.Type {
	case "tool_use":
		in, tr := clip(b.Input, lim.toolInput)
		v = wireToolUse{Type: "tool_use", ID: nullable(b.ToolID), Name: b.Name, Input: in, Truncated: tr}
	case "tool_result":
		w := wireToolResult{Type: "tool_result", ToolUseID: nullable(b.ToolID), Name: b.Name, IsError: b.IsError,
			Content: make([]wireResultItem, 0, len(b.ResultText))}
		budget := lim.toolResult
		for _, t := range b.ResultText {
			c, tr := clip(t, budget)
			w.Content = append(w.Content, wireResultItem{Type: "text", Text: c})
			w.Truncated = w.Truncated || tr
			if budget >= 0 {
				budget = max(0, budget-utf8.RuneCountInString(c))
			}
		}
		v = w
	default:
		v = wireText{Type: "text", Text: b.Text}
	}
	out, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings and bools always marshal
	}
	return out
}

// clip truncates s to n characters (runes); n < 0 means no bound.
func clip(s string, n int) (string, bool) {
	if n < 0 || utf8.RuneCountInString(s) <= n {
		return s, false
	}
	i, k := 0, 0
	for i < len(s) && k < n {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		k++
	}
	return s[:i], true
}
