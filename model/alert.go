package model

import "time"

// AlertRule raises an alert when newly ingested findings match its filter.
// Empty filter fields match everything. With Threshold 0 every matching
// message is a candidate; with Threshold N it fires only once more than N
// matching findings of one group fall within WindowMinutes (by message
// creation time). After an alert for a group, further matches of that group
// within QuietMinutes (by ingest time) are folded into it (counted as
// Suppressed on the next alert) instead of paging again, so one bad paste
// is one alert, not forty.
type AlertRule struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`

	FindingTypes []string `json:"finding_types,omitempty"`
	MinSeverity  Severity `json:"min_severity,omitempty"`
	Users        []string `json:"users,omitempty"`    // user ids or emails
	Models       []string `json:"models,omitempty"`   // conversation or message model
	Products     []string `json:"products,omitempty"` // product facet values (claude.ai, claude-code, …)
	Query        string   `json:"query,omitempty"`    // search syntax, as in /search?q=

	Threshold     int `json:"threshold,omitempty"`      // fire when more than this many findings…
	WindowMinutes int `json:"window_minutes,omitempty"` // …fall within this window (needed with Threshold)
	QuietMinutes  int `json:"quiet_minutes,omitempty"`  // group further matches for this long; 0 means 60
	// GroupBy is what one alert is about: AlertGroupUser (default),
	// AlertGroupConversation or AlertGroupMessage.
	GroupBy string `json:"group_by,omitempty"`
	// IncludeBackfill also alerts on imports, re-scans and history a first
	// sync brings in; by default only live sync traffic pages anyone.
	IncludeBackfill bool `json:"include_backfill,omitempty"`
	// Destinations are the alert destinations this rule notifies; empty
	// means every enabled destination whose stream is StreamAlerts.
	Destinations []string `json:"destinations,omitempty"`

	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const (
	AlertGroupUser         = "user"
	AlertGroupConversation = "conversation"
	AlertGroupMessage      = "message"
)

// Alert is one fired alert. Seq orders alerts for the alert stream.
type Alert struct {
	ID        string    `json:"id"` // "a<seq>"
	Seq       uint64    `json:"seq"`
	RuleID    string    `json:"rule_id"`
	RuleName  string    `json:"rule_name"`
	GroupBy   string    `json:"group_by"`
	Group     string    `json:"group"` // the user, conversation or message id
	FiredAt   time.Time `json:"fired_at"`
	FirstSeen time.Time `json:"first_seen"` // earliest message creation time counted
	LastSeen  time.Time `json:"last_seen"`
	Findings  int       `json:"findings"`
	// Suppressed counts matches folded into the previous alert of this
	// group during its quiet period and reported with this one.
	Suppressed  int            `json:"suppressed,omitempty"`
	ByType      map[string]int `json:"by_type"`
	MaxSeverity Severity       `json:"max_severity"`
	User        string         `json:"user,omitempty"` // user id, when one user is concerned
	// Messages are up to 20 of the messages concerned, newest first.
	Messages     []string `json:"messages,omitempty"`
	Destinations []string `json:"destinations,omitempty"` // empty: every alert destination
	Origin       string   `json:"origin,omitempty"`
}

// Streams a destination can receive.
const (
	StreamAlerts   = "alerts"   // fired alerts only
	StreamFindings = "findings" // one event per new finding
	StreamMessages = "messages" // one event per new or changed message, findings inline
)

// Destination kinds.
const (
	DestWebhook = "webhook"
	DestSlack   = "slack"
	DestSyslog  = "syslog"
	DestHEC     = "splunk_hec"
	DestLoki    = "loki"
)

// Destination is where events are forwarded ("log provider"). Secret is
// write-only: it is taken on create or update, encrypted with the keystore
// and never returned; SecretHint shows its last characters. For Slack the
// incoming-webhook URL is itself the credential, so it goes in Secret and
// URL stays empty.
type Destination struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`   // Dest*
	Stream    string `json:"stream"` // Stream*
	Enabled   bool   `json:"enabled"`
	Anonymous bool   `json:"anonymous"` // counts, types, severities and times only

	URL string `json:"url,omitempty"` // webhook, HEC and Loki endpoint; syslog host:port

	// Syslog: Network "tcp" or "tls"; Format "rfc5424" (default) or "cef".
	Network string `json:"network,omitempty"`
	Format  string `json:"format,omitempty"`
	// CACert is a PEM bundle trusted for TLS (syslog, HTTPS) besides the
	// system roots; ServerName overrides the name checked in the server's
	// certificate.
	CACert     string `json:"ca_cert,omitempty"`
	ServerName string `json:"server_name,omitempty"`

	// Splunk HEC.
	Index      string `json:"index,omitempty"`
	Sourcetype string `json:"sourcetype,omitempty"`
	// Loki: static stream labels, tenant (X-Scope-OrgID) and basic-auth
	// user (the password is Secret; with no user, Secret is a bearer token).
	Labels   map[string]string `json:"labels,omitempty"`
	TenantID string            `json:"tenant_id,omitempty"`
	Username string            `json:"username,omitempty"`

	Secret     string `json:"secret,omitempty"` // write-only, see above
	SecretHint string `json:"secret_hint,omitempty"`

	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ForwardEvent is what a destination is sent: one fired alert, one finding
// or one message. ID is stable for the event, so a receiver that sees it
// twice (delivery is at least once) can drop the copy. In anonymous mode
// only ID, Type, Time, IngestedAt, Origin, Counts and, for findings, Type
// and Severity are set.
type ForwardEvent struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"` // "alert", "finding", "message"
	Time       time.Time `json:"time"` // alert fired / message created
	IngestedAt time.Time `json:"ingested_at"`
	Origin     string    `json:"origin,omitempty"` // sync, import, rescan
	Anonymous  bool      `json:"anonymous,omitempty"`

	MessageID      string `json:"message_id,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
	UserID         string `json:"user_id,omitempty"`
	UserEmail      string `json:"user_email,omitempty"`
	UserName       string `json:"user_name,omitempty"`
	Model          string `json:"model,omitempty"`
	Product        string `json:"product,omitempty"`
	Role           string `json:"role,omitempty"`
	Title          string `json:"title,omitempty"`
	// Link opens the message in ccsync's conversation view.
	Link string `json:"link,omitempty"`
	// Text is the message's text with every finding replaced by its masked
	// preview, cut at 16 KiB (messages stream, non-anonymous only).
	Text string `json:"text,omitempty"`

	Findings []ForwardFinding `json:"findings,omitempty"`
	Counts   ForwardCounts    `json:"counts"`
	Alert    *Alert           `json:"alert,omitempty"`
}

// ForwardFinding is a finding as forwarded: Preview is the masked preview,
// never the value; it is empty in anonymous mode.
type ForwardFinding struct {
	Type     string   `json:"type"`
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule,omitempty"`
	Preview  string   `json:"preview,omitempty"`
}

// ForwardCounts summarises the findings an event is about.
type ForwardCounts struct {
	Findings   int            `json:"findings"`
	ByType     map[string]int `json:"by_type,omitempty"`
	BySeverity map[string]int `json:"by_severity,omitempty"`
}

// MaxSeverity is the highest severity the event concerns: its alert's,
// its findings', or its counts' (anonymous events keep only those).
func (e *ForwardEvent) MaxSeverity() Severity {
	var best Severity
	consider := func(s Severity) {
		if s.Rank() > best.Rank() {
			best = s
		}
	}
	if e.Alert != nil {
		consider(e.Alert.MaxSeverity)
	}
	for _, f := range e.Findings {
		consider(f.Severity)
	}
	for s, n := range e.Counts.BySeverity {
		if n > 0 {
			consider(Severity(s))
		}
	}
	return best
}
