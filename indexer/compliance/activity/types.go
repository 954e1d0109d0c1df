package activity

import (
	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/compliance"
)

// Page is one page of the feed. Items stay raw until Decode, so a malformed
// event is reported on its own.
type Page struct {
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
	FirstID *string           `json:"first_id"`
	LastID  *string           `json:"last_id"`
}

// Event is one feed item as the API sends it, minus the type-specific
// fields, which Convert reads from the raw item.
type Event struct {
	ID               string          `json:"id"`
	CreatedAt        compliance.Time `json:"created_at"`
	OrganizationID   *string         `json:"organization_id"`
	OrganizationUUID *string         `json:"organization_uuid"`
	Type             string          `json:"type"`
	Actor            Actor           `json:"actor"`
	// compliance_api_accessed (§6.4).
	RequestID     *string `json:"request_id"`
	RequestMethod *string `json:"request_method"`
	StatusCode    *int    `json:"status_code"`
	URL           *string `json:"url"`
}

// Actor is the union of the 11 actor variants of reference §6.3, keyed by
// Type. Every field is optional; fields of variants newer than the
// reference are kept in the event's raw text.
type Actor struct {
	Type string `json:"type"`
	// user_actor, anthropic_actor
	UserID       *string `json:"user_id"`
	EmailAddress *string `json:"email_address"`
	// most variants
	IPAddress *string `json:"ip_address"`
	UserAgent *string `json:"user_agent"`
	// api_actor, admin_api_key_actor
	APIKeyID      *string `json:"api_key_id"`
	AdminAPIKeyID *string `json:"admin_api_key_id"`
	// unauthenticated_user_actor
	UnauthenticatedEmail *string `json:"unauthenticated_email_address"`
	// system_actor
	Service *string `json:"service"`
	// service_account_actor
	ServiceAccountID *string `json:"service_account_id"`
	// scim_directory_sync_actor
	DirectoryID       *string `json:"directory_id"`
	WorkosEventID     *string `json:"workos_event_id"`
	IdpConnectionType *string `json:"idp_connection_type"`
	// federated_identity_actor, federated_actor
	Issuer   *string         `json:"issuer"`
	Subject  *string         `json:"subject"`
	Audience json.RawMessage `json:"audience"`
	Provider json.RawMessage `json:"provider"`
	// attested_device_actor
	ExternalClientID *string `json:"external_client_id"`
	KidHash          *string `json:"kid_hash"`
	// Fields of unknown variants that name the actor.
	ID *string `json:"id"`
}

// Actor types of reference §6.3.
const (
	ActorUser            = "user_actor"
	ActorAPI             = "api_actor"
	ActorAdminAPIKey     = "admin_api_key_actor"
	ActorUnauthenticated = "unauthenticated_user_actor"
	ActorAnthropic       = "anthropic_actor"
	ActorSystem          = "system_actor"
	ActorServiceAccount  = "service_account_actor"
	ActorSCIM            = "scim_directory_sync_actor"
	ActorFederatedID     = "federated_identity_actor"
	ActorFederated       = "federated_actor"
	ActorAttestedDevice  = "attested_device_actor"
)

// TypeAPIAccessed is the event every Compliance API call emits;
// TypeComplianceSettings the one that can switch that logging off.
const (
	TypeAPIAccessed        = "compliance_api_accessed"
	TypeComplianceSettings = "org_compliance_api_settings_updated"
)
