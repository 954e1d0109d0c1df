package model

import "time"

// Activity is one event of the organisation's Activity Feed: sign-ins, key
// creation, exports, and a compliance_api_accessed event for every call to
// the Compliance API (ccsync's own included).
type Activity struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Type      string    `json:"type"` // the API's type, unknown values kept
	OrgID     string    `json:"org_id,omitempty"`
	Actor     Actor     `json:"actor"`
	// Subjects are the event's other ids and names (chat, file, project,
	// target user...) flattened to strings for search.
	Subjects map[string]string `json:"subjects,omitempty"`
	// Access is set on compliance_api_accessed events.
	Access *APIAccess `json:"access,omitempty"`
	// Flags are set by ccsync at ingest (Flag* values).
	Flags []string `json:"flags,omitempty"`
	// Raw is the event as received, so a field ccsync does not model is
	// still shown to an auditor.
	Raw string `json:"raw,omitempty"`
}

// Actor is who did it; Type is the API's actor.type, unknown values kept.
type Actor struct {
	Type      string `json:"type"`
	ID        string `json:"id,omitempty"` // user id, api key id, ...
	Email     string `json:"email,omitempty"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// APIAccess is what a compliance_api_accessed event says about the call.
type APIAccess struct {
	APIKeyID  string `json:"api_key_id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	Method    string `json:"method,omitempty"`
	Status    int    `json:"status,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Flags ccsync sets on Compliance API access events.
const (
	FlagOwnKey    = "own_key"    // made by ccsync's own key
	FlagOtherKey  = "other_key"  // another compliance key read the archive
	FlagAdminKey  = "admin_key"  // an admin key called the Compliance API
	FlagUnknownIP = "unknown_ip" // from an address not in the known ranges
)
