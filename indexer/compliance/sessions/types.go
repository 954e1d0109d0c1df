// Package sessions reads agent sessions from the Compliance API: local
// sessions (Claude Code, Cowork, Claude Science, Claude for Microsoft 365,
// Claude in Chrome, captured from the client's API calls) and remote
// (cloud) sessions, and maps them onto the model. Reference §3.
//
// Decoding is lenient the way the chat client's is: unknown fields are
// ignored, unknown enum values (surfaces, statuses, provenance reasons) pass
// through, nulls are accepted wherever the reference allows them, and a
// list item that does not parse is reported, not fatal.
package sessions

import (
	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/compliance"
)

// UserRef is {id, email_address}; the email is null for users who left and
// always null inside a messages envelope.
type UserRef struct {
	ID           string  `json:"id"`
	EmailAddress *string `json:"email_address"`
}

// Email is the address or "".
func (u *UserRef) Email() string {
	if u == nil || u.EmailAddress == nil {
		return ""
	}
	return *u.EmailAddress
}

// LocalSession is a compliance_local_session (§3.2). It has no status and
// no deleted_at; created_at moves forward as old calls age out.
type LocalSession struct {
	Type             string          `json:"type"`
	ID               string          `json:"id"`
	CreatedAt        compliance.Time `json:"created_at"`
	UpdatedAt        compliance.Time `json:"updated_at"`
	OrganizationUUID string          `json:"organization_uuid"`
	ProductSurface   *string         `json:"product_surface"`
	// Truncated is absent in the documented examples: absent means false.
	Truncated   bool     `json:"truncated"`
	User        *UserRef `json:"user"`
	WorkspaceID *string  `json:"workspace_id"`
}

// Provenance says where a local message's content came from; nil is
// verified content.
type Provenance struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// LocalMessage is a compliance_local_session_message (§3.4).
type LocalMessage struct {
	Type       string             `json:"type"`
	ID         string             `json:"id"`
	Role       string             `json:"role"`
	Model      *string            `json:"model"`
	CreatedAt  compliance.Time    `json:"created_at"`
	Provenance *Provenance        `json:"provenance"`
	Content    []compliance.Block `json:"content"`
}

// RemoteSession is a cloud session (§3.5). At most one of User and AgentID
// is set; StartedByUser is the human behind an agent-owned run.
type RemoteSession struct {
	ID               string          `json:"id"`
	OrganizationUUID string          `json:"organization_uuid"`
	User             *UserRef        `json:"user"`
	AgentID          *string         `json:"agent_id"`
	StartedByUser    *UserRef        `json:"started_by_user"`
	Status           string          `json:"status"`
	CreatedAt        compliance.Time `json:"created_at"`
	UpdatedAt        compliance.Time `json:"updated_at"`
	ProductSurface   *string         `json:"product_surface"`
	ClaudeProjectID  *string         `json:"claude_project_id"`
}

// RemoteMessage is one turn of a remote session (§3.6): no type, model or
// provenance; created_at can tie or invert (keep returned order).
type RemoteMessage struct {
	ID                 string             `json:"id"`
	Role               string             `json:"role"`
	CreatedAt          compliance.Time    `json:"created_at"`
	Content            []compliance.Block `json:"content"`
	SentByUserID       *string            `json:"sent_by_user_id"`
	ContentUnavailable bool               `json:"content_unavailable"`
}

// LocalPage is one page of the local sessions list. NextPage "" means the
// API sent null: the walk is over. Short and empty pages are not the end.
type LocalPage struct {
	Sessions []LocalSession
	Bad      []compliance.BadItem
	NextPage string
}

// RemotePage is one page of the remote sessions list.
type RemotePage struct {
	Sessions []RemoteSession
	Bad      []compliance.BadItem
	NextPage string
}

// LocalMessages is one page of a local transcript with its session (whose
// email is always null here).
type LocalMessages struct {
	Session  LocalSession
	Messages []LocalMessage
	Bad      []compliance.BadItem
	NextPage string
}

// RemoteMessages is one page of a remote transcript. In Session the email,
// started_by_user and claude_project_id are always null: take them from
// the list.
type RemoteMessages struct {
	Session  RemoteSession
	Messages []RemoteMessage
	Bad      []compliance.BadItem
	NextPage string
}

// envelope is {data, next_page} and, for transcripts, session.
type envelope struct {
	Session  json.RawMessage   `json:"session"`
	Data     []json.RawMessage `json:"data"`
	NextPage *string           `json:"next_page"`
}

// decodeItems decodes each raw item into T, collecting the ones that fail.
func decodeItems[T any](raw []json.RawMessage) ([]T, []compliance.BadItem) {
	out := make([]T, 0, len(raw))
	var bad []compliance.BadItem
	for i, r := range raw {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			var id struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(r, &id)
			bad = append(bad, compliance.BadItem{Index: i, ID: id.ID, Err: err})
			continue
		}
		out = append(out, v)
	}
	return out, bad
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
