package fakeapi

import (
	"time"
)

// LocalSession is a Claude Code / Cowork / Science / M365 / Chrome session
// captured from the client (GET /v1/compliance/apps/sessions/local,
// reference §3.2–3.4).
type LocalSession struct {
	ID          string // clls_…
	OwnerID     string // user_…; the API always sets user.id
	EmailGone   bool   // email_address null on list/retrieve (user left)
	WorkspaceID string // "" is sent as null
	Surface     string // product_surface; "" is sent as null
	// Truncated is sent only when non-nil: the documented examples omit the
	// field, the schema lists it, and a client must accept both.
	Truncated *bool
	CreatedAt time.Time // earliest retained call: moves forward on AgeOutSession
	UpdatedAt time.Time
	Messages  []LocalMessage
}

// LocalMessage is one turn of a local session transcript.
type LocalMessage struct {
	ID        string // clsm_…
	Ord       int    // position since the session began; page tokens are keyed on it
	Role      string // user | assistant
	Model     string // "" is sent as null
	CreatedAt time.Time
	// Provenance: "" (null), content_unavailable, client_asserted,
	// synthetic_marker; Reason goes with content_unavailable.
	Provenance string
	Reason     string
	Content    []Block
	// MarkerTruncated sends truncated:true on text blocks, as the API marks
	// synthetic markers and replaced content.
	MarkerTruncated bool
}

// RemoteSession is a cloud session (GET /v1/compliance/apps/sessions/remote,
// reference §3.5–3.6).
type RemoteSession struct {
	ID          string // cse_…
	OwnerID     string // "" for agent-owned (user null)
	AgentID     string // cagt_… for agent-owned
	StartedByID string // the human who started an agent-owned run
	Status      string // pending|active|paused|archived|failed|<unknown>
	Surface     string
	ProjectID   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Messages    []RemoteMessage
}

// RemoteMessage is one turn of a remote session.
type RemoteMessage struct {
	ID           string // csev_…
	Ord          int
	Role         string
	CreatedAt    time.Time
	Content      []Block
	SentByUserID string
	Unavailable  bool // content_unavailable: true, content []
}

// LocalSession returns the local session with id, or nil.
func (o *Org) LocalSession(id string) *LocalSession {
	for _, l := range o.Local {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// RemoteSession returns the remote session with id, or nil.
func (o *Org) RemoteSession(id string) *RemoteSession {
	for _, r := range o.Remote {
		if r.ID == id {
			return r
		}
	}
	return nil
}
