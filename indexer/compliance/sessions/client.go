package sessions

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/compliance"
)

// Endpoint paths and rate-limit families (the remote endpoints have a
// second budget of their own, §7).
const (
	localPath    = "/v1/compliance/apps/sessions/local"
	remotePath   = "/v1/compliance/apps/sessions/remote"
	FamilyLocal  = "sessions/local"
	FamilyRemote = "sessions/remote"
)

// Page size limits (§3.2, §3.4–3.6).
const (
	MaxListLimit    = 500
	MaxMessageLimit = 1000
)

// LocalListOpts filters the local list. Zero times are not sent.
type LocalListOpts struct {
	CreatedGTE, CreatedLT, UpdatedGTE time.Time
	Limit                             int // 1..500; 0 = the API default
	Page                              string
}

// RemoteListOpts filters the remote list (no updated_at filter exists).
type RemoteListOpts struct {
	CreatedGTE time.Time
	Limit      int
	Page       string
}

// WalkOpts page a transcript. The tool byte bounds are always -1 (the
// server max): a truncated tool input hides exactly what an audit looks for.
type WalkOpts struct {
	Order string // "asc" (default) or "desc"
	Limit int    // 1..1000; 0 = the API default
	Page  string
}

// callOpts are the options of every session call: two quick retries of a
// 5xx, not the client's eight (about three minutes). The session endpoints'
// 503s (index busy, customer key unusable, retention overrides unknown) can
// last, and the stream skips the session and tries it again next run rather
// than holding every other session up.
func callOpts(family string) compliance.CallOpts {
	return compliance.CallOpts{Family: family, ServerRetries: 2}
}

// timeParam formats t with an explicit offset: the session endpoints refuse
// a timestamp without one (400 "Input should have timezone info").
func timeParam(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func setLimit(q url.Values, n, maxN int) {
	if n > 0 {
		q.Set("limit", strconv.Itoa(min(n, maxN)))
	}
}

func walkQuery(o WalkOpts) url.Values {
	q := url.Values{"tool_use_input_max_bytes": {"-1"}, "tool_result_max_bytes": {"-1"}}
	if o.Order == "desc" {
		q.Set("order", "desc")
	}
	setLimit(q, o.Limit, MaxMessageLimit)
	if o.Page != "" {
		q.Set("page", o.Page)
	}
	return q
}

// ListLocal reads one page of local sessions, newest first.
func ListLocal(ctx context.Context, c *compliance.Client, o LocalListOpts) (LocalPage, error) {
	q := url.Values{}
	if !o.CreatedGTE.IsZero() {
		q.Set("created_at.gte", timeParam(o.CreatedGTE))
	}
	if !o.CreatedLT.IsZero() {
		q.Set("created_at.lt", timeParam(o.CreatedLT))
	}
	if !o.UpdatedGTE.IsZero() {
		q.Set("updated_at.gte", timeParam(o.UpdatedGTE))
	}
	setLimit(q, o.Limit, MaxListLimit)
	if o.Page != "" {
		q.Set("page", o.Page)
	}
	var env envelope
	if err := c.GetJSON(ctx, localPath, q, &env, callOpts(FamilyLocal)); err != nil {
		return LocalPage{}, fmt.Errorf("list local sessions: %w", err)
	}
	p := LocalPage{NextPage: deref(env.NextPage)}
	p.Sessions, p.Bad = decodeItems[LocalSession](env.Data)
	return p, nil
}

// GetLocal retrieves one local session; its email and updated_at are exact.
func GetLocal(ctx context.Context, c *compliance.Client, id string) (LocalSession, error) {
	var s LocalSession
	if err := c.GetJSON(ctx, localPath+"/"+url.PathEscape(id), nil, &s, callOpts(FamilyLocal)); err != nil {
		return LocalSession{}, fmt.Errorf("local session %s: %w", id, err)
	}
	return s, nil
}

// LocalMessagesPage reads one page of a local session's transcript.
func LocalMessagesPage(ctx context.Context, c *compliance.Client, id string, o WalkOpts) (LocalMessages, error) {
	var env envelope
	if err := c.GetJSON(ctx, localPath+"/"+url.PathEscape(id)+"/messages", walkQuery(o), &env, callOpts(FamilyLocal)); err != nil {
		return LocalMessages{}, fmt.Errorf("local session %s messages: %w", id, err)
	}
	p := LocalMessages{NextPage: deref(env.NextPage)}
	if len(env.Session) > 0 && string(env.Session) != "null" {
		if err := json.Unmarshal(env.Session, &p.Session); err != nil {
			return LocalMessages{}, fmt.Errorf("local session %s messages: session: %w: %v", id, compliance.ErrDecode, err)
		}
	}
	p.Messages, p.Bad = decodeItems[LocalMessage](env.Data)
	return p, nil
}

// ListRemote reads one page of remote sessions, newest first.
func ListRemote(ctx context.Context, c *compliance.Client, o RemoteListOpts) (RemotePage, error) {
	q := url.Values{}
	if !o.CreatedGTE.IsZero() {
		q.Set("created_at.gte", timeParam(o.CreatedGTE))
	}
	setLimit(q, o.Limit, MaxListLimit)
	if o.Page != "" {
		q.Set("page", o.Page)
	}
	var env envelope
	if err := c.GetJSON(ctx, remotePath, q, &env, callOpts(FamilyRemote)); err != nil {
		return RemotePage{}, fmt.Errorf("list remote sessions: %w", err)
	}
	p := RemotePage{NextPage: deref(env.NextPage)}
	p.Sessions, p.Bad = decodeItems[RemoteSession](env.Data)
	return p, nil
}

// RemoteMessagesPage reads one page of a remote session's transcript.
func RemoteMessagesPage(ctx context.Context, c *compliance.Client, id string, o WalkOpts) (RemoteMessages, error) {
	var env envelope
	if err := c.GetJSON(ctx, remotePath+"/"+url.PathEscape(id)+"/messages", walkQuery(o), &env, callOpts(FamilyRemote)); err != nil {
		return RemoteMessages{}, fmt.Errorf("remote session %s messages: %w", id, err)
	}
	p := RemoteMessages{NextPage: deref(env.NextPage)}
	if len(env.Session) > 0 && string(env.Session) != "null" {
		if err := json.Unmarshal(env.Session, &p.Session); err != nil {
			return RemoteMessages{}, fmt.Errorf("remote session %s messages: session: %w: %v", id, compliance.ErrDecode, err)
		}
	}
	p.Messages, p.Bad = decodeItems[RemoteMessage](env.Data)
	return p, nil
}
