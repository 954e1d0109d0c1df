package model

import "time"

// Source says where a record came from.
type Source string

const (
	SourceComplianceAPI Source = "compliance_api"
	SourceExport        Source = "export"
)

// ProviderAnthropic is the only provider Claude conversations have today; the
// field exists because the UI shows provider logos and other sources may follow.
const ProviderAnthropic = "anthropic"

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

	// Aggregates maintained by the indexer from the stored messages; values a
	// source puts here are overwritten.
	MessageCount  int            `json:"message_count"`
	FindingCount  int            `json:"finding_count"`
	FindingCounts map[string]int `json:"finding_counts,omitempty"` // by finding type
}
