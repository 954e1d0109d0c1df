package fakeapi

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
)

// Activity is one Activity Feed event other than compliance_api_accessed,
// which the server derives from its own request log (reference §6).
type Activity struct {
	ID        string // activity_…
	CreatedAt time.Time
	Type      string
	// OrgID and OrgUUID are sent as null when empty: sign-ins and Compliance
	// API calls are tied to no organisation.
	OrgID, OrgUUID string
	// Actor is the wire actor object, "type" included, so every variant of
	// the union (and unknown ones) can be served as the API would.
	Actor map[string]any
	// Fields are the type-specific fields; a nil value is sent as null.
	Fields map[string]any
	// Malformed serves the item with wrongly typed fields (fault).
	Malformed bool
}

// activityFaults are the feed's server-wide faults. They live beside the
// Server rather than in it so this file stays the feed's only file.
type activityFaults struct {
	badCursor map[string]bool // after_id/before_id values answered 400
}

var activityFaultsBy sync.Map // *Server → *activityFaults

func (s *Server) activityFaults() *activityFaults {
	v, _ := activityFaultsBy.LoadOrStore(s, &activityFaults{badCursor: map[string]bool{}})
	return v.(*activityFaults)
}

// RejectActivityCursor makes the feed answer 400 "Invalid activity_id
// format" to a request paging from id, as it does to a cursor it no longer
// accepts.
func (s *Server) RejectActivityCursor(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.activityFaults().badCursor[id] = true
}

// AddActivity adds an event to the feed. An event whose CreatedAt is earlier
// than rows already served is a late row: an ascending walk paging with
// after_id never sees it.
func (s *Server) AddActivity(a *Activity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.org.Activities = append(s.org.Activities, a)
}

// LogForTest records a request as if the server had answered it, so the
// feed reports a compliance_api_accessed event for it (tests of the feed's
// key matching need calls from keys and addresses a loopback test cannot
// make).
func (s *Server) LogForTest(l Logged) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logged.add(l)
}

// Agents and networks the generator draws from.
var (
	userAgents = []string{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/128.0 Safari/537.36", "claude-cli/2.1.4 (external, cli)"}
	foreignKeyID = "apikey_01ForeignKey7rQm2ZbXwYdLk9"
	foreignIP    = "203.0.113.77"
)

type activityTemplate struct {
	typ    string
	orgful bool
	make   func(r *rand.Rand, org *Org, u User, ui int) (actor, fields map[string]any)
}

func userActor(u User, ui int, r *rand.Rand) map[string]any {
	return map[string]any{"type": "user_actor", "email_address": u.Email, "user_id": u.ID,
		"ip_address": fmt.Sprintf("10.20.%d.%d", ui%250, 10+ui%200), "user_agent": pick(r, userAgents)}
}

func someChat(r *rand.Rand, org *Org) string {
	if len(org.Chats) == 0 {
		return tagged(r, "claude_chat_")
	}
	return org.Chats[r.IntN(len(org.Chats))].ID
}

// activityTemplates cover sign-ins, key creation, exports, settings changes,
// file and project events whose names are null since 2026-09-24 (§6.5),
// every actor variant of §6.3, an unknown actor and unknown event types.
var activityTemplates = []activityTemplate{
	{"sso_login_succeeded", false, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		return userActor(u, ui, r), map[string]any{"auth_method": "sso", "mfa_method": "not_used"}
	}},
	{"magic_link_login_failed", false, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		return map[string]any{"type": "unauthenticated_user_actor", "ip_address": "198.51.100.23",
			"user_agent": pick(r, userAgents), "unauthenticated_email_address": u.Email}, map[string]any{}
	}},
	{"platform_api_key_created", true, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		return userActor(u, ui, r), map[string]any{"api_key_id": tagged(r, "apikey_")}
	}},
	{"org_data_export_started", true, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		return userActor(u, ui, r), map[string]any{"export_type": "conversations"}
	}},
	{"org_data_export_completed", true, func(r *rand.Rand, _ *Org, _ User, _ int) (map[string]any, map[string]any) {
		return map[string]any{"type": "system_actor", "service": nil}, map[string]any{"export_type": nil}
	}},
	{"claude_file_uploaded", true, func(r *rand.Rand, org *Org, u User, ui int) (map[string]any, map[string]any) {
		return userActor(u, ui, r), map[string]any{"claude_file_id": tagged(r, "claude_file_"), "filename": nil,
			"claude_chat_id": someChat(r, org), "claude_project_id": nil}
	}},
	{"claude_project_document_deleted", true, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		return userActor(u, ui, r), map[string]any{"claude_project_document_id": tagged(r, "claude_proj_doc_"),
			"claude_project_id": tagged(r, "claude_proj_"), "filename": ""}
	}},
	{"claude_file_viewed", true, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		// filename omitted altogether, the third form §6.5 allows.
		return userActor(u, ui, r), map[string]any{"claude_file_id": tagged(r, "claude_file_"),
			"claude_artifact_id": nil, "claude_project_id": nil}
	}},
	{"claude_chat_created", true, func(r *rand.Rand, org *Org, u User, ui int) (map[string]any, map[string]any) {
		return userActor(u, ui, r), map[string]any{"claude_chat_id": someChat(r, org), "claude_project_id": nil}
	}},
	{"org_compliance_api_settings_updated", true, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		return userActor(u, ui, r), map[string]any{"compliance_api_enabled": true, "compliance_api_logging_enabled": false}
	}},
	{"scim_user_created", true, func(r *rand.Rand, _ *Org, u User, _ int) (map[string]any, map[string]any) {
		return map[string]any{"type": "scim_directory_sync_actor", "directory_id": tagged(r, "directory_"),
			"workos_event_id": tagged(r, "event_"), "idp_connection_type": "OktaSCIMV2"}, map[string]any{"user_id": u.ID}
	}},
	{"platform_workspace_member_added", true, func(r *rand.Rand, _ *Org, u User, _ int) (map[string]any, map[string]any) {
		return map[string]any{"type": "service_account_actor", "service_account_id": tagged(r, "svcacct_"),
			"ip_address": "10.9.0.4", "user_agent": "terraform-provider-anthropic/0.4"}, map[string]any{"user_id": u.ID}
	}},
	{"platform_federated_authentication", true, func(r *rand.Rand, _ *Org, _ User, _ int) (map[string]any, map[string]any) {
		return map[string]any{"type": "federated_identity_actor", "issuer": "https://token.actions.githubusercontent.com",
			"subject": "repo:acme/infra:ref:refs/heads/main", "audience": []string{"https://api.anthropic.com"},
			"ip_address": "140.82.112.3", "user_agent": "github-actions"}, map[string]any{}
	}},
	{"platform_app_attest_authentication", true, func(r *rand.Rand, _ *Org, _ User, _ int) (map[string]any, map[string]any) {
		return map[string]any{"type": "attested_device_actor", "external_client_id": "com.acme.fieldapp",
			"kid_hash": hexString(r, 16), "ip_address": "100.64.3.9", "user_agent": "FieldApp/3.2 iOS"}, map[string]any{}
	}},
	{"platform_file_uploaded", true, func(r *rand.Rand, _ *Org, _ User, _ int) (map[string]any, map[string]any) {
		return map[string]any{"type": "federated_actor", "provider": map[string]any{"type": "aws", "account_id": "123456789012",
			"signed_principal": "arn:aws:iam::123456789012:role/ingest"}, "subject": "ingest", "ip_address": "52.94.1.10",
			"user_agent": "aws-sdk-go/1.55"}, map[string]any{"filename": nil}
	}},
	{"anthropic_access", true, func(r *rand.Rand, org *Org, _ User, _ int) (map[string]any, map[string]any) {
		// Access Transparency: written to the feed, absent from the type enum (§6.4).
		return map[string]any{"type": "anthropic_actor", "email_address": nil},
			map[string]any{"reason_code": "customer_support_request", "resource_details": map[string]any{"id": someChat(r, org)}}
	}},
	{"claude_tag_runner_registered", true, func(r *rand.Rand, _ *Org, _ User, _ int) (map[string]any, map[string]any) {
		// A type and an actor newer than the reference: must pass through.
		return map[string]any{"type": "runner_pool_actor", "runner_pool_id": tagged(r, "runpool_"), "ip_address": "10.77.0.2"},
			map[string]any{"runner_id": tagged(r, "runner_")}
	}},
	{"compliance_api_accessed", false, func(r *rand.Rand, _ *Org, _ User, _ int) (map[string]any, map[string]any) {
		// Another key reading the archive from an address nobody knows.
		return map[string]any{"type": "api_actor", "api_key_id": foreignKeyID, "ip_address": foreignIP, "user_agent": "python-requests/2.32"},
			map[string]any{"request_id": "req_" + hexString(r, 24), "request_method": "GET", "status_code": 200,
				"url": "https://api.anthropic.com/v1/compliance/apps/chats?limit=1000", "request_body": nil}
	}},
	{"social_login_succeeded", false, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		return userActor(u, ui, r), map[string]any{"provider": "google", "auth_method": "social", "mfa_method": nil}
	}},
	{"audit_log_export_started", true, func(r *rand.Rand, _ *Org, u User, ui int) (map[string]any, map[string]any) {
		return map[string]any{"type": "admin_api_key_actor", "admin_api_key_id": "apikey_01AdminKeyQ4vJ8sLp2NwXc5",
			"ip_address": "10.1.0.5", "user_agent": "curl/8.5"}, map[string]any{"from_date": "2026-09-01", "to_date": nil}
	}},
}

func genActivities(org *Org, r *rand.Rand, o GenOptions) {
	if o.Activities <= 0 || len(org.Users) == 0 {
		return
	}
	span := o.End.Sub(o.Start)
	for i := 0; i < o.Activities; i++ {
		t := activityTemplates[i%len(activityTemplates)]
		ui := r.IntN(len(org.Users))
		actor, fields := t.make(r, org, org.Users[ui], ui)
		a := &Activity{ID: tagged(r, "activity_"), CreatedAt: micro(o.Start.Add(time.Duration(r.Int64N(int64(span))))),
			Type: t.typ, Actor: actor, Fields: fields}
		if t.orgful {
			a.OrgID, a.OrgUUID = org.ID, org.UUID
		}
		org.Activities = append(org.Activities, a)
	}
}

// loggedActivity is the compliance_api_accessed event of one logged call.
// Its id is derived from the request id, so every listing agrees on it.
func loggedActivity(l Logged) *Activity {
	h := fnv.New64a()
	_, _ = h.Write([]byte(l.RequestID))
	id := "activity_01" + strconv.FormatUint(h.Sum64(), 36)
	u := "https://api.anthropic.com" + l.Path
	if l.Query != "" {
		u += "?" + l.Query
	}
	return &Activity{ID: id, CreatedAt: micro(l.Time), Type: "compliance_api_accessed",
		Actor: map[string]any{"type": "api_actor", "api_key_id": l.KeyID, "ip_address": l.RemoteIP, "user_agent": l.UserAgent},
		Fields: map[string]any{"request_id": l.RequestID, "request_method": l.Method, "status_code": l.Status,
			"url": u, "request_body": nil}}
}

func (a *Activity) wire() json.RawMessage {
	if a.Malformed {
		return json.RawMessage(fmt.Sprintf(`{"id":%q,"created_at":17,"type":["%s"],"actor":"oops"}`, a.ID, a.Type))
	}
	m := make(map[string]any, len(a.Fields)+6)
	for k, v := range a.Fields {
		m[k] = v
	}
	m["id"], m["type"], m["actor"] = a.ID, a.Type, a.Actor
	m["created_at"] = a.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z")
	m["organization_id"], m["organization_uuid"] = nullable(a.OrgID), nullable(a.OrgUUID)
	b, _ := json.Marshal(m)
	return b
}

type wireActivityList struct {
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
	FirstID *string           `json:"first_id"`
	LastID  *string           `json:"last_id"`
}

var (
	activityParams = map[string]bool{"activity_types[]": true, "exclude_activity_types[]": true, "actor_ids[]": true,
		"user_ids[]": true, "organization_ids[]": true, "created_at.gt": true, "created_at.gte": true, "created_at.lt": true,
		"created_at.lte": true, "after_id": true, "before_id": true, "limit": true, "order": true}
	activityIDFormat = regexp.MustCompile(`^activity_[0-9A-Za-z]{1,64}$`)
	activityTypeForm = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)
)

// unknownParam answers the API's 400 for a parameter the endpoint does not
// define, suggesting the dotted or [] form a client most likely meant.
func (s *Server) unknownParam(w http.ResponseWriter, q url.Values, known map[string]bool) bool {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if known[k] {
			continue
		}
		guess := strings.NewReplacer("[", ".", "]", "").Replace(k)
		if !known[guess] {
			guess = k + "[]"
		}
		if known[guess] {
			s.badRequest(w, "Unknown query parameter: '%s'. Did you mean '%s'?", k, guess)
		} else {
			s.badRequest(w, "Unknown query parameter: '%s'.", k)
		}
		return true
	}
	return false
}

func activityTime(v string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	t, err := time.Parse("2006-01-02", v)
	return t, err == nil
}

// listActivities serves GET /v1/compliance/activities (reference §6.2):
// newest first unless order=asc, ties by id, after_id/before_id paging by
// activity id, created_at.* bounds, type/actor/org filters.
func (s *Server) listActivities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if s.unknownParam(w, q, activityParams) {
		return
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			s.badRequest(w, "limit: Input should be a valid integer, unable to parse string as an integer")
			return
		case n < 1:
			s.badRequest(w, "limit: Input should be greater than or equal to 1")
			return
		case n > 5000:
			s.badRequest(w, "limit: Input should be less than or equal to 5000")
			return
		}
		limit = n
	}
	order := q.Get("order")
	if order == "" {
		order = "desc"
	}
	if order != "asc" && order != "desc" {
		s.badRequest(w, "order: Input should be 'asc' or 'desc'")
		return
	}
	var bounds []timeFilter
	for _, op := range []string{"gt", "gte", "lt", "lte"} {
		v := q.Get("created_at." + op)
		if v == "" {
			continue
		}
		t, ok := activityTime(v)
		if !ok {
			s.badRequest(w, "created_at.%s: Input should be a valid datetime or date, invalid character in year", op)
			return
		}
		bounds = append(bounds, timeFilter{op, t})
	}
	types, excluded := q["activity_types[]"], q["exclude_activity_types[]"]
	if len(types) > 0 && len(excluded) > 0 {
		s.badRequest(w, "activity_types[] and exclude_activity_types[] cannot be combined.")
		return
	}
	for name, vs := range map[string][]string{"activity_types[]": types, "exclude_activity_types[]": excluded} {
		for i, v := range vs {
			if !activityTypeForm.MatchString(v) {
				s.badRequest(w, "%s.%d: Input is not one of the permitted values.", name, i)
				return
			}
		}
	}
	after, before := q.Get("after_id"), q.Get("before_id")
	if after != "" && before != "" {
		s.badRequest(w, "Only one of after_id and before_id may be provided.")
		return
	}
	cursor := after + before
	if cursor != "" && (!activityIDFormat.MatchString(cursor) || s.activityFaults().badCursor[cursor]) {
		s.badRequest(w, "Invalid activity_id format: '%s'", cursor)
		return
	}
	sel := s.selectActivities(bounds, set(types), set(excluded), set(append(q["actor_ids[]"], q["user_ids[]"]...)), set(q["organization_ids[]"]))
	desc := order == "desc"
	sort.Slice(sel, func(i, j int) bool {
		a, b := sel[i], sel[j]
		if desc {
			a, b = b, a
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID < b.ID
	})
	start, end := 0, len(sel)
	if cursor != "" {
		at := -1
		for i, a := range sel {
			if a.ID == cursor {
				at = i
				break
			}
		}
		if at < 0 {
			// Not an id of this feed (or filtered out): the API rejects it.
			s.badRequest(w, "Invalid activity_id format: '%s'", cursor)
			return
		}
		if after != "" {
			start = at + 1
		} else {
			end, start = at, max(0, at-limit)
		}
	}
	page := sel[start:min(end, start+limit)]
	resp := wireActivityList{Data: make([]json.RawMessage, 0, len(page)), HasMore: start+len(page) < end || (before != "" && start > 0)}
	for _, a := range page {
		resp.Data = append(resp.Data, a.wire())
	}
	if len(page) > 0 {
		f, l := page[0].ID, page[len(page)-1].ID
		resp.FirstID, resp.LastID = &f, &l
	}
	writeJSON(w, resp)
}

func set(vs []string) map[string]bool {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// selectActivities merges the org's events with one compliance_api_accessed
// event per logged call and applies the filters.
func (s *Server) selectActivities(bounds []timeFilter, types, excluded, actors, orgs map[string]bool) []*Activity {
	calls := s.accessLog(time.Time{}, time.Time{})
	all := make([]*Activity, 0, len(s.org.Activities)+len(calls))
	all = append(all, s.org.Activities...)
	for _, l := range calls {
		all = append(all, loggedActivity(l))
	}
	var sel []*Activity
	for _, a := range all {
		ok := (types == nil || types[a.Type]) && !excluded[a.Type]
		if actors != nil {
			id, _ := a.Actor["user_id"].(string)
			ok = ok && actors[id]
		}
		if orgs != nil {
			ok = ok && (orgs[a.OrgID] || orgs[a.OrgUUID]) && a.OrgID != ""
		}
		for _, b := range bounds {
			ok = ok && b.match(a.CreatedAt)
		}
		if ok {
			sel = append(sel, a)
		}
	}
	return sel
}
