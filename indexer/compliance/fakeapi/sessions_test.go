package fakeapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
)

func sessionOrg() *Org {
	return Generate(3, GenOptions{Users: 3, Chats: 1, Sessions: 12, RemoteSessions: 7})
}

const localPath = "/v1/compliance/apps/sessions/local"
const remotePath = "/v1/compliance/apps/sessions/remote"

type sessEnvelope struct {
	Session  json.RawMessage   `json:"session"`
	Data     []json.RawMessage `json:"data"`
	NextPage *string           `json:"next_page"`
}

func decodeEnv(t *testing.T, b []byte) sessEnvelope {
	t.Helper()
	var e sessEnvelope
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if strings.Contains(string(b), `"has_more"`) {
		t.Errorf("session responses carry no has_more: %s", b[:min(len(b), 200)])
	}
	return e
}

func TestSessionGoldens(t *testing.T) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	org := sessionOrg()
	_, hs := newTestServer(t, org, Options{Now: func() time.Time { return now }})
	code := org.Local[0] // claude_code
	var remote *RemoteSession
	for _, r := range org.Remote {
		if r.AgentID != "" && r.Status != "pending" {
			remote = r
			break
		}
	}
	cases := []struct {
		name, path string
		q          url.Values
		status     int
	}{
		{"sessions_local_page1", localPath, url.Values{"limit": {"3"}, "created_at.gte": {"2026-10-01T00:00:00Z"}}, 200},
		{"sessions_local_get", localPath + "/" + code.ID, nil, 200},
		{"sessions_local_messages", localPath + "/" + code.ID + "/messages", url.Values{"limit": {"8"}, "tool_result_max_bytes": {"60"}}, 200},
		{"sessions_remote_page1", remotePath, url.Values{"limit": {"3"}}, 200},
		{"sessions_remote_messages", remotePath + "/" + remote.ID + "/messages", url.Values{"tool_use_input_max_bytes": {"-1"}}, 200},
		{"sessions_error_no_timezone", localPath, url.Values{"created_at.gte": {"2026-10-01T00:00:00"}}, 400},
		{"sessions_error_unknown_param", localPath, url.Values{"created_at[gte]": {"2026-10-01T00:00:00Z"}}, 400},
		{"sessions_error_limit", localPath + "/" + code.ID + "/messages", url.Values{"limit": {"1001"}}, 400},
		{"sessions_error_zero_bytes", localPath + "/" + code.ID + "/messages", url.Values{"tool_result_max_bytes": {"0"}}, 400},
		{"sessions_error_not_found", localPath + "/clls_01NoSuchSessionAtAllxxxx", nil, 404},
		{"sessions_error_remote_not_found", remotePath + "/cse_01NoSuchSessionAtAllxxxxx/messages", nil, 404},
		{"sessions_error_bad_page", localPath + "/" + code.ID + "/messages", url.Values{"page": {"page_forged"}}, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := get(t, hs.URL, c.path, c.q, testKey)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			golden(t, c.name, b)
		})
	}
}

func TestSessionStrictParams(t *testing.T) {
	org := sessionOrg()
	_, hs := newTestServer(t, org, Options{})
	id := org.Local[0].ID
	msgs := localPath + "/" + id + "/messages"
	cases := []struct {
		path string
		q    url.Values
		want string
	}{
		{localPath, url.Values{"user_ids[]": {"user_x"}}, "Unknown query parameter: 'user_ids[]'."},
		{localPath, url.Values{"order": {"asc"}}, "Unknown query parameter: 'order'."},
		{localPath, url.Values{"updated_at.gt": {"2026-10-01T00:00:00Z"}}, "Unknown query parameter: 'updated_at.gt'."},
		{localPath, url.Values{"limit": {"501"}}, "limit: Input should be less than or equal to 500"},
		{localPath, url.Values{"limit": {"0"}}, "limit: Input should be greater than or equal to 1"},
		{localPath, url.Values{"created_at.gte": {"2026-10-01"}}, "created_at.gte: Input should have timezone info"},
		{localPath, url.Values{"created_at.gte": {"99999-10-01T00:00:00Z"}}, "created_at.gte: Input should be a valid datetime"},
		{localPath, url.Values{"created_at.gte": {"2026-10-02T00:00:00Z"}, "created_at.lt": {"2026-10-01T00:00:00Z"}}, "created_at.lt must be strictly after created_at.gte."},
		{localPath + "/" + id, url.Values{"limit": {"1"}}, "Unknown query parameter: 'limit'."},
		{localPath + "/not-an-id", nil, "valid local session id"},
		{msgs, url.Values{"tool_use_input_max_chars": {"-1"}}, "Unknown query parameter: 'tool_use_input_max_chars'."},
		{msgs, url.Values{"tool_use_input_max_bytes": {"0"}}, "tool_use_input_max_bytes: Input should be -1"},
		{msgs, url.Values{"order": {"newest"}}, "order: Input should be 'asc' or 'desc'"},
		{remotePath, url.Values{"updated_at.gte": {"2026-10-01T00:00:00Z"}}, "Unknown query parameter: 'updated_at.gte'."},
		{remotePath, url.Values{"user_ids": {"u"}}, "Did you mean 'user_ids[]'?"},
		{remotePath, url.Values{"limit": {"501"}}, "limit: Input should be less than or equal to 500"},
		{remotePath + "/nope/messages", nil, "valid remote session id"},
	}
	for _, c := range cases {
		resp, b := get(t, hs.URL, c.path, c.q, testKey)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), c.want) {
			t.Errorf("%s?%s: %d %s, want 400 %q", c.path, c.q.Encode(), resp.StatusCode, b, c.want)
		}
	}
}

// TestSessionWalks pages every list and transcript with tiny pages, in both
// orders, and checks each item comes exactly once and tokens are bound to
// their walk and expire after 24 h.
func TestSessionWalks(t *testing.T) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	clock := now
	org := sessionOrg()
	srv, hs := newTestServer(t, org, Options{Now: func() time.Time { return clock }})
	walk := func(path string, q url.Values) (ids []string, pages int) {
		for {
			resp, b := get(t, hs.URL, path, q, testKey)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
			}
			e := decodeEnv(t, b)
			for _, d := range e.Data {
				var x struct{ ID string }
				_ = json.Unmarshal(d, &x)
				ids = append(ids, x.ID)
			}
			pages++
			if e.NextPage == nil {
				return ids, pages
			}
			q.Set("page", *e.NextPage)
		}
	}
	ids, _ := walk(localPath, url.Values{"limit": {"5"}})
	if len(ids) != len(org.Local) || dup(ids) {
		t.Errorf("local list walk gave %d ids (dups %v), want %d", len(ids), dup(ids), len(org.Local))
	}
	ids, _ = walk(remotePath, url.Values{"limit": {"2"}})
	if len(ids) != len(org.Remote) || dup(ids) {
		t.Errorf("remote list walk gave %d ids, want %d", len(ids), len(org.Remote))
	}
	l := org.Local[0]
	asc, _ := walk(localPath+"/"+l.ID+"/messages", url.Values{"limit": {"3"}})
	desc, _ := walk(localPath+"/"+l.ID+"/messages", url.Values{"limit": {"4"}, "order": {"desc"}})
	if len(asc) != len(l.Messages) || len(desc) != len(asc) || asc[0] != desc[len(desc)-1] || dup(asc) {
		t.Errorf("asc %d / desc %d messages, want %d", len(asc), len(desc), len(l.Messages))
	}
	srv.SetSessionFault(l.ID, SessFaultEmptyFirstPage)
	resp, b := get(t, hs.URL, localPath+"/"+l.ID+"/messages", nil, testKey)
	if e := decodeEnv(t, b); resp.StatusCode != 200 || len(e.Data) != 0 || e.NextPage == nil {
		t.Errorf("empty first page fault: %s", b)
	}
	empty, _ := walk(localPath+"/"+l.ID+"/messages", url.Values{"limit": {"50"}})
	if len(empty) != len(l.Messages) {
		t.Errorf("walk over an empty first page gave %d messages, want %d", len(empty), len(l.Messages))
	}
	srv.SetSessionFault(l.ID, SessFaultNone)

	// A token is bound to its session and order, and expires after 24 h.
	_, b = get(t, hs.URL, localPath+"/"+l.ID+"/messages", url.Values{"limit": {"2"}}, testKey)
	tok := *decodeEnv(t, b).NextPage
	for _, c := range []struct {
		path string
		q    url.Values
	}{
		{localPath + "/" + org.Local[1].ID + "/messages", url.Values{"page": {tok}}},
		{localPath + "/" + l.ID + "/messages", url.Values{"page": {tok}, "order": {"desc"}}},
		{localPath, url.Values{"page": {tok}}},
		{localPath + "/" + l.ID + "/messages", url.Values{"page": {tok[:len(tok)-2] + "AA"}}},
	} {
		if resp, b := get(t, hs.URL, c.path, c.q, testKey); resp.StatusCode != 400 || !strings.Contains(string(b), msgBadPage) {
			t.Errorf("foreign token on %s?%v: %d %s", c.path, c.q, resp.StatusCode, b)
		}
	}
	clock = now.Add(25 * time.Hour)
	if resp, b := get(t, hs.URL, localPath+"/"+l.ID+"/messages", url.Values{"page": {tok}, "limit": {"2"}}, testKey); resp.StatusCode != 400 || !strings.Contains(string(b), "The page cursor has expired. Restart the walk") {
		t.Errorf("expired token: %d %s", resp.StatusCode, b)
	}
}

func dup(ids []string) bool {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}

func TestSessionFaultsAndMutations(t *testing.T) {
	org := sessionOrg()
	srv, hs := newTestServer(t, org, Options{})
	l := org.Local[0]
	msgs := localPath + "/" + l.ID + "/messages"
	for _, c := range []struct {
		f    SessionFault
		path string
		code int
		want string
	}{
		{SessFaultCMEK503, msgs, 503, msgCMEK503},
		{SessFaultIndex503, msgs, 503, msgIndex503},
		{SessFaultRetention503, localPath + "/" + l.ID, 503, "cannot currently evaluate retention overrides"},
		{SessFaultNotFound, msgs, 404, msgLocalNotFound},
	} {
		srv.SetSessionFault(l.ID, c.f)
		if resp, b := get(t, hs.URL, c.path, nil, testKey); resp.StatusCode != c.code || !strings.Contains(string(b), c.want) {
			t.Errorf("fault %d: %d %s", c.f, resp.StatusCode, b)
		}
	}
	srv.SetSessionFault(l.ID, SessFaultNone)
	srv.SetLocalSessionsUnavailable(true)
	if resp, b := get(t, hs.URL, localPath, nil, testKey); resp.StatusCode != 404 || !strings.Contains(string(b), msgLocalOff) {
		t.Errorf("unavailable switch: %d %s", resp.StatusCode, b)
	}
	srv.SetLocalSessionsUnavailable(false)

	// The server owns org: remember what it held before mutating.
	before, firstAt, third := l.UpdatedAt, l.Messages[0].CreatedAt, l.Messages[2].ID
	ids, err := srv.AppendSessionTurns(l.ID, 3)
	if err != nil || len(ids) != 3 {
		t.Fatal(ids, err)
	}
	if err := srv.AgeOutSession(l.ID, 2); err != nil {
		t.Fatal(err)
	}
	local, _ := srv.Sessions()
	got := local[0]
	if !got.UpdatedAt.After(before) || !got.CreatedAt.After(firstAt) {
		t.Errorf("mutations: created %s updated %s (was %s)", got.CreatedAt, got.UpdatedAt, before)
	}
	if got.Messages[0].ID != third || got.Messages[len(got.Messages)-1].ID != ids[2] {
		t.Errorf("age-out/append order wrong")
	}
	var rs *RemoteSession
	for _, r := range org.Remote {
		if r.Status != "pending" {
			rs = r
			break
		}
	}
	if err := srv.DeleteRemoteSession(rs.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, hs.URL, remotePath+"/"+rs.ID+"/messages", nil, testKey); resp.StatusCode != 404 {
		t.Errorf("deleted remote session answered %d", resp.StatusCode)
	}
	if n := srv.Requests()["sessions_remote_messages"]; n != 1 {
		t.Errorf("sessions_remote_messages counted %d", n)
	}
}

func TestSessionGenerator(t *testing.T) {
	org := sessionOrg()
	if len(org.Local) != 12 || len(org.Remote) != 7 {
		t.Fatalf("%d local, %d remote", len(org.Local), len(org.Remote))
	}
	surfaces, kinds := map[string]bool{}, map[string]bool{}
	for _, l := range org.Local {
		surfaces[l.Surface] = true
	}
	for _, want := range []string{"claude_code", "cowork", "office_agents/excel", "claude_science", "claude_in_chrome", "google_docs_addin", ""} {
		if !surfaces[want] {
			t.Errorf("no %q session", want)
		}
	}
	for _, p := range org.SessionPlants() {
		kinds[p.Type] = true
		l := org.LocalSession(p.ChatID)
		found := false
		for _, m := range l.Messages {
			if m.ID == p.MessageID {
				txt := m.Content[p.Block].ResultText[0]
				found = txt[p.Offset:p.Offset+len(p.Value)] == p.Value
			}
		}
		if !found {
			t.Errorf("plant %+v not where recorded", p)
		}
	}
	for _, k := range []string{"anthropic_api_key", "aws_access_key", "jwt"} {
		if !kinds[k] {
			t.Errorf("no %s planted in sessions", k)
		}
	}
	again := sessionOrg()
	if again.Local[3].Messages[4].ID != org.Local[3].Messages[4].ID {
		t.Error("generator is not deterministic")
	}
}

// FuzzSessionPageToken: a token from anywhere never panics the server's
// decoder, and one it accepts carries a valid signature of its fields.
func FuzzSessionPageToken(f *testing.F) {
	f.Add(encodeSessPage(sessPage{Kind: "lm", Session: "clls_01x", Order: "asc", Ord: 3, Walk: 1700000000}))
	f.Add("page_")
	f.Add("page_eyJrIjoibG0ifQ")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := decodeSessPage(s)
		if ok && p.Sig != p.sign() {
			t.Fatalf("accepted a token with a bad signature: %q", s)
		}
	})
}
