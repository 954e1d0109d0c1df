package fakeapi

import (
	"unicode/utf8"

	"github.com/goccy/go-json"
)

// Session wire shapes (reference §3.2–3.6). Tool blocks have no
// integration_name / mcp_server_url here, unlike chat blocks.

type wireLocalSession struct {
	Type             string       `json:"type"`
	ID               string       `json:"id"`
	OrganizationUUID string       `json:"organization_uuid"`
	WorkspaceID      *string      `json:"workspace_id"`
	User             wireUserNull `json:"user"`
	ProductSurface   *string      `json:"product_surface"`
	CreatedAt        string       `json:"created_at"`
	UpdatedAt        string       `json:"updated_at"`
	Truncated        *bool        `json:"truncated,omitempty"`
}

// wireUserNull is {id, email_address} with a nullable email.
type wireUserNull struct {
	ID           string  `json:"id"`
	EmailAddress *string `json:"email_address"`
}

type wireLocalMessage struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Role       string            `json:"role"`
	Model      *string           `json:"model"`
	CreatedAt  string            `json:"created_at"`
	Provenance *wireProvenance   `json:"provenance"`
	Content    []json.RawMessage `json:"content"`
}

type wireProvenance struct {
	Type   string `json:"type"`
	Reason string `json:"reason,omitempty"`
}

type wireRemoteSession struct {
	ID               string        `json:"id"`
	OrganizationUUID string        `json:"organization_uuid"`
	User             *wireUserNull `json:"user"`
	AgentID          *string       `json:"agent_id"`
	StartedByUser    *wireUserNull `json:"started_by_user"`
	Status           string        `json:"status"`
	CreatedAt        string        `json:"created_at"`
	UpdatedAt        string        `json:"updated_at"`
	ProductSurface   *string       `json:"product_surface"`
	ClaudeProjectID  *string       `json:"claude_project_id"`
}

type wireRemoteMessage struct {
	ID                 string            `json:"id"`
	Role               string            `json:"role"`
	CreatedAt          string            `json:"created_at"`
	Content            []json.RawMessage `json:"content"`
	SentByUserID       *string           `json:"sent_by_user_id"`
	ContentUnavailable bool              `json:"content_unavailable"`
}

type wireSessionPage struct {
	Data     any     `json:"data"`
	NextPage *string `json:"next_page"`
}

type wireSessionMessages struct {
	Session  any     `json:"session"`
	Data     any     `json:"data"`
	NextPage *string `json:"next_page"`
}

type wireSessText struct {
	Type      string `json:"type"`
	Text      string `json:"text"`
	Truncated bool   `json:"truncated"`
}

type wireSessToolUse struct {
	Type      string  `json:"type"`
	ID        *string `json:"id"`
	Name      string  `json:"name"`
	Input     string  `json:"input"`
	Truncated bool    `json:"truncated"`
}

type wireSessToolResult struct {
	Type      string           `json:"type"`
	ToolUseID *string          `json:"tool_use_id"`
	Name      string           `json:"name"`
	IsError   bool             `json:"is_error"`
	Content   []wireResultItem `json:"content"`
	Truncated bool             `json:"truncated"`
}

// serverMaxBytes is what -1 means for the _max_bytes parameters ("~1 MiB").
const serverMaxBytes = 1 << 20

const (
	inputSuffix  = "…[truncated; pass tool_use_input_max_bytes=-1 for the server max]"
	resultSuffix = "…[truncated; pass tool_result_max_bytes=-1 for the server max]"
)

// byteLimits are the _max_bytes of a session messages request, resolved
// (-1 → the server max, larger values clamped).
type byteLimits struct{ toolInput, toolResult int }

func (s *Server) wireSessBlock(b Block, lim byteLimits, markerTruncated bool) json.RawMessage {
	if b.Raw != "" {
		return json.RawMessage(b.Raw)
	}
	var v any
	switch b.Type {
	case "tool_use":
		in, tr := clipBytes(b.Input, lim.toolInput, inputSuffix)
		v = wireSessToolUse{Type: "tool_use", ID: nullable(b.ToolID), Name: b.Name, Input: in, Truncated: tr}
	case "tool_result":
		w := wireSessToolResult{Type: "tool_result", ToolUseID: nullable(b.ToolID), Name: b.Name, IsError: b.IsError,
			Content: make([]wireResultItem, 0, len(b.ResultText))}
		for _, t := range b.ResultText { // the bound applies per text item
			c, tr := clipBytes(t, lim.toolResult, resultSuffix)
			w.Content = append(w.Content, wireResultItem{Type: "text", Text: c})
			w.Truncated = w.Truncated || tr
		}
		v = w
	default:
		t, tr := clipBytes(b.Text, serverMaxBytes, "…[truncated]")
		v = wireSessText{Type: "text", Text: t, Truncated: tr || markerTruncated}
	}
	out, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings and bools always marshal
	}
	return out
}

// clipBytes cuts s to at most n bytes on a rune boundary and appends the
// in-band suffix, as the API marks truncated strings; a cut tool input is
// therefore no longer valid JSON, as documented.
func clipBytes(s string, n int, suffix string) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + suffix, true
}

func (s *Server) wireLocal(l *LocalSession, inEnvelope bool) wireLocalSession {
	w := wireLocalSession{Type: "compliance_local_session", ID: l.ID, OrganizationUUID: s.org.UUID,
		WorkspaceID: nullable(l.WorkspaceID), ProductSurface: nullable(l.Surface),
		CreatedAt: ts(l.CreatedAt), UpdatedAt: ts(l.UpdatedAt), Truncated: l.Truncated,
		User: wireUserNull{ID: l.OwnerID}}
	if !inEnvelope && !l.EmailGone {
		w.User.EmailAddress = nullable(s.email(l.OwnerID))
	}
	return w
}

func (s *Server) email(userID string) string {
	for _, u := range s.org.Users {
		if u.ID == userID {
			return u.Email
		}
	}
	return ""
}

func (s *Server) wireLocalMsg(m *LocalMessage, lim byteLimits) wireLocalMessage {
	w := wireLocalMessage{Type: "compliance_local_session_message", ID: m.ID, Role: m.Role, Model: nullable(m.Model),
		CreatedAt: ts(m.CreatedAt), Content: make([]json.RawMessage, 0, len(m.Content))}
	if m.Provenance != "" {
		w.Provenance = &wireProvenance{Type: m.Provenance, Reason: m.Reason}
		w.Model = nil // null on any message whose provenance is set
	}
	if m.Provenance != "content_unavailable" {
		for _, b := range m.Content {
			w.Content = append(w.Content, s.wireSessBlock(b, lim, m.MarkerTruncated))
		}
	}
	return w
}

func (s *Server) wireRemote(r *RemoteSession, inEnvelope bool) wireRemoteSession {
	w := wireRemoteSession{ID: r.ID, OrganizationUUID: s.org.UUID, AgentID: nullable(r.AgentID), Status: r.Status,
		CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt), ProductSurface: nullable(r.Surface)}
	ref := func(id string) *wireUserNull {
		if id == "" {
			return nil
		}
		u := &wireUserNull{ID: id}
		if !inEnvelope {
			u.EmailAddress = nullable(s.email(id))
		}
		return u
	}
	w.User = ref(r.OwnerID)
	// The messages envelope always sends started_by_user and the project as
	// null: a client must take them from the list (§3.6).
	if !inEnvelope {
		w.StartedByUser = ref(r.StartedByID)
		w.ClaudeProjectID = nullable(r.ProjectID)
	}
	return w
}

func (s *Server) wireRemoteMsg(m *RemoteMessage, lim byteLimits) wireRemoteMessage {
	w := wireRemoteMessage{ID: m.ID, Role: m.Role, CreatedAt: ts(m.CreatedAt), SentByUserID: nullable(m.SentByUserID),
		ContentUnavailable: m.Unavailable, Content: make([]json.RawMessage, 0, len(m.Content))}
	if !m.Unavailable {
		for _, b := range m.Content {
			w.Content = append(w.Content, s.wireSessBlock(b, lim, false))
		}
	}
	return w
}
