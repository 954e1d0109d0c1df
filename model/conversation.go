package model

import (
	"strings"
	"time"
)

// Source says where a record came from.
type Source string

const (
	SourceComplianceAPI Source = "compliance_api"
	SourceExport        Source = "export"
)

// ProviderAnthropic is the only provider Claude conversations have today; the
// field exists because the UI shows provider logos and other sources may follow.
const ProviderAnthropic = "anthropic"

// Kind separates claude.ai chats from agent sessions (Claude Code, Cowork,
// ...), which the Compliance API lists on endpoints of their own.
type Kind string

const (
	KindChat    Kind = "chat"
	KindSession Kind = "session"
)

// Products, the facet that says which Claude product a conversation came
// from. Surfaces the API adds later pass through as their own product
// (ProductOf), so nothing is hidden behind "other".
const (
	ProductClaudeAI     = "claude_ai"
	ProductClaudeCode   = "claude_code"
	ProductCowork       = "cowork"
	ProductScience      = "claude_science"
	ProductOffice       = "office_agents"
	ProductChrome       = "claude_in_chrome"
	ProductUnknownAgent = "unknown_surface" // a session whose product_surface is null
)

// ProductOf maps the API's product_surface ("office_agents/excel",
// "cowork_remote", ...) to the product facet value.
func ProductOf(surface string) string {
	if surface == "" {
		return ProductUnknownAgent
	}
	if i := strings.IndexByte(surface, '/'); i > 0 {
		surface = surface[:i]
	}
	switch surface {
	case "cowork", "cowork_remote":
		return ProductCowork
	}
	return surface
}

// Who deleted a conversation that ccsync keeps.
const (
	DeletedByUser     = "user"     // the API lists it with deleted_at
	DeletedByUpstream = "upstream" // the API answered 404 for it after listing it
)

// Conversation is one chat. ID is the upsert key: sources must derive it so the
// same chat always maps to the same ID (the claude.ai chat UUID where known, so
// an exported conversation and its Compliance API copy are one record).
type Conversation struct {
	ID         string    `json:"id"`
	ExternalID string    `json:"external_id,omitempty"` // the source's own id, e.g. claude_chat_…
	Source     Source    `json:"source"`
	OrgID      string    `json:"org_id,omitempty"`
	Provider   string    `json:"provider,omitempty"`
	Model      string    `json:"model,omitempty"`
	Title      string    `json:"title,omitempty"`
	Summary    string    `json:"summary,omitempty"`
	ProjectID  string    `json:"project_id,omitempty"`
	OwnerID    string    `json:"owner_id,omitempty"` // User.ID
	URL        string    `json:"url,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// DeletedAt is when the chat was deleted in claude.ai; ccsync keeps the
	// record because the audit trail must outlive the user's deletion.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
	// DeletedBy is DeletedByUser or DeletedByUpstream when DeletedAt is set.
	DeletedBy string `json:"deleted_by,omitempty"`

	// Kind is KindChat when empty (records stored before sessions existed).
	Kind Kind `json:"kind,omitempty"`
	// Product is the facet value (ProductClaudeAI for chats); Surface is the
	// API's raw product_surface of a session.
	Product string `json:"product,omitempty"`
	Surface string `json:"surface,omitempty"`
	// Session fields; the API gives sessions no title or working directory,
	// so Title and Workdir of a session are inferred from its transcript and
	// TitleDerived says so: the UI must not present them as API data.
	Status       string `json:"status,omitempty"` // remote sessions: pending|active|paused|archived|failed|...
	AgentID      string `json:"agent_id,omitempty"`
	StartedBy    string `json:"started_by,omitempty"` // user id that started a remote session
	WorkspaceID  string `json:"workspace_id,omitempty"`
	Workdir      string `json:"workdir,omitempty"`
	TitleDerived bool   `json:"title_derived,omitempty"`
	// Truncated: the API kept only part of the session (over 100k calls).
	Truncated bool `json:"truncated,omitempty"`

	// Aggregates maintained by the indexer from the stored messages; values a
	// source puts here are overwritten.
	MessageCount  int            `json:"message_count"`
	FindingCount  int            `json:"finding_count"`
	FindingCounts map[string]int `json:"finding_counts,omitempty"` // by finding type
}

// KindOrChat is Kind with the default for records stored before sessions.
func (c *Conversation) KindOrChat() Kind {
	if c.Kind == "" {
		return KindChat
	}
	return c.Kind
}

// ProductOrClaudeAI is Product with the default for records stored before
// sessions: every one of them was a claude.ai chat or export.
func (c *Conversation) ProductOrClaudeAI() string {
	if c.Product == "" {
		return ProductClaudeAI
	}
	return c.Product
}
