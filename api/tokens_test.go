package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
)

// tokenRecords returns the stored token records of account, by id.
func (e *testEnv) tokenRecords(account string) map[string]tokenRecord {
	e.t.Helper()
	out := map[string]tokenRecord{}
	err := e.ix.ScanMeta(tokenPrefix, func(key string, value []byte) error {
		var rec tokenRecord
		mustJSON(e.t, value, &rec)
		if rec.Account == account {
			out[rec.ID] = rec
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *testEnv) newToken(c *client, name string) (*client, apiToken) {
	e.t.Helper()
	resp, body := e.do(c, "POST", "/api/v1/tokens", tokenRequest{Name: name})
	if resp.StatusCode != 201 {
		e.t.Fatalf("create token: %d %s", resp.StatusCode, body)
	}
	var tc tokenCreated
	mustJSON(e.t, body, &tc)
	return &client{bearer: tc.Secret}, tc.Token
}

func (e *testEnv) status(c *client, method, path string, body any) int {
	e.t.Helper()
	resp, _ := e.do(c, method, path, body)
	return resp.StatusCode
}

// Item 3 of issue 12: a stolen session could mint a token that outlived
// the password change meant to lock the thief out.
func TestTokensDieWithPasswordChange(t *testing.T) {
	e := newTestEnv(t)
	auditor := e.auditor()
	stolen, stolenInfo := e.newToken(auditor, "minted by a thief")
	if got := e.status(stolen, "GET", "/api/v1/auth/me", nil); got != 200 {
		t.Fatalf("fresh token: %d", got)
	}

	// The owner changes their password: the token dies and its record goes.
	resp, b := e.do(auditor, "PUT", "/api/v1/auth/password", passwordChange{Current: auditorPW, New: "second-password-456"})
	if resp.StatusCode != 200 {
		t.Fatalf("password change: %d %s", resp.StatusCode, b)
	}
	var info sessionInfo
	mustJSON(t, b, &info)
	auditor = &client{cookie: sessionCookieOf(resp), csrf: info.CSRFToken}
	if got := e.status(stolen, "GET", "/api/v1/auth/me", nil); got != 401 {
		t.Errorf("token survived its owner's password change: %d", got)
	}
	if _, ok := e.tokenRecords(auditorName)[stolenInfo.ID]; ok {
		t.Error("revoked token record left in storage")
	}

	// keep_tokens keeps them, explicitly.
	kept, keptInfo := e.newToken(auditor, "nightly export")
	resp, b = e.do(auditor, "PUT", "/api/v1/auth/password",
		`{"current":"second-password-456","new":"third-password-789","keep_tokens":true}`)
	if resp.StatusCode != 200 {
		t.Fatalf("password change keeping tokens: %d %s", resp.StatusCode, b)
	}
	if got := e.status(kept, "GET", "/api/v1/auth/me", nil); got != 200 {
		t.Errorf("token kept on request was revoked: %d", got)
	}
	// A token caller changing the password keeps no other credential
	// alive by accident: without keep_tokens its own token dies too.
	resp, b = e.do(kept, "PUT", "/api/v1/auth/password", passwordChange{Current: "third-password-789", New: "fourth-password-012"})
	if resp.StatusCode != 204 {
		t.Fatalf("password change by token: %d %s", resp.StatusCode, b)
	}
	if got := e.status(kept, "GET", "/api/v1/auth/me", nil); got != 401 {
		t.Errorf("token survived a password change it made: %d", got)
	}
	if len(e.tokenRecords(auditorName)) != 0 {
		t.Errorf("records left: %v", keptInfo)
	}
}

func TestTokensDieWithAdminReset(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	tok, _ := e.newToken(e.auditor(), "script")
	// A role change is not a credential change: the token follows the role.
	if got := e.status(admin, "PATCH", "/api/v1/accounts/"+auditorName, `{"role":"admin"}`); got != 200 {
		t.Fatalf("promote: %d", got)
	}
	if got := e.status(tok, "GET", "/api/v1/accounts", nil); got != 200 {
		t.Errorf("token lost on a role change: %d", got)
	}
	resp, b := e.do(admin, "PATCH", "/api/v1/accounts/"+auditorName, `{"password":"reset-by-admin-123"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("reset: %d %s", resp.StatusCode, b)
	}
	if got := e.status(tok, "GET", "/api/v1/auth/me", nil); got != 401 {
		t.Errorf("token survived an admin password reset: %d", got)
	}
	if n := len(e.tokenRecords(auditorName)); n != 0 {
		t.Errorf("%d token records left after the reset", n)
	}
	entries, _, err := e.srv.audit.latest(auditFilter{Action: "account.update"}, 1)
	if err != nil || len(entries) != 1 || entries[0].Detail["tokens_revoked"] != "1" {
		t.Errorf("reset audit entry: %+v %v", entries, err)
	}
}

// Tokens stored by versions before token generations have neither a
// generation nor the account's nonce: they stay valid until the first
// password change or reset, and not after.
func TestLegacyTokens(t *testing.T) {
	e := newTestEnv(t)
	legacy := func(secret string) {
		t.Helper()
		rec := map[string]any{"id": hashSecret(secret)[:tokenIDHexSize], "account": auditorName, "name": "old",
			"created_at": time.Now().UTC()}
		b, _ := json.Marshal(rec)
		if err := e.ix.PutMeta(tokenPrefix+hashSecret(secret), b); err != nil {
			t.Fatal(err)
		}
	}
	secret := tokenScheme + strings.Repeat("a", 43)
	legacy(secret)
	old := &client{bearer: secret}
	if got := e.status(old, "GET", "/api/v1/auth/me", nil); got != 200 {
		t.Fatalf("legacy token refused before any password change: %d", got)
	}
	if got := e.status(e.admin(), "PATCH", "/api/v1/accounts/"+auditorName, `{"password":"reset-by-admin-123"}`); got != 200 {
		t.Fatalf("reset: %d", got)
	}
	// Even if its record survived (restored from a backup), it is dead.
	legacy(secret)
	if got := e.status(old, "GET", "/api/v1/auth/me", nil); got != 401 {
		t.Errorf("legacy token accepted after a reset: %d", got)
	}
	if _, err := e.ix.Meta(tokenPrefix + hashSecret(secret)); err == nil {
		t.Error("dead legacy token record not removed when presented")
	}
}

func TestAdminManagesAccountTokens(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	auditor := e.auditor()
	t1, info1 := e.newToken(auditor, "one")
	t2, info2 := e.newToken(auditor, "two")
	adminTok, _ := e.newToken(admin, "admin's own")

	resp, b := e.do(admin, "GET", "/api/v1/accounts/"+auditorName+"/tokens", nil)
	var list struct {
		Tokens []map[string]any `json:"tokens"`
	}
	mustJSON(t, b, &list)
	if resp.StatusCode != 200 || len(list.Tokens) != 2 || list.Tokens[0]["id"] != info1.ID || list.Tokens[1]["id"] != info2.ID {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	for _, internal := range []string{"nonce", "generation", "secret"} {
		if _, ok := list.Tokens[0][internal]; ok {
			t.Errorf("listing shows %q: %s", internal, b)
		}
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"list missing account", "GET", "/api/v1/accounts/ghost/tokens", 404},
		{"revoke unknown id", "DELETE", "/api/v1/accounts/" + auditorName + "/tokens/0000000000000000", 404},
		{"revoke another account's token by id", "DELETE", "/api/v1/accounts/" + adminName + "/tokens/" + info1.ID, 404},
		{"revoke one", "DELETE", "/api/v1/accounts/" + auditorName + "/tokens/" + info1.ID, 204},
		{"revoke it again", "DELETE", "/api/v1/accounts/" + auditorName + "/tokens/" + info1.ID, 404},
		{"revoke all of missing account", "DELETE", "/api/v1/accounts/ghost/tokens", 404},
	} {
		if got := e.status(admin, tc.method, tc.path, nil); got != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.status)
		}
	}
	if e.status(t1, "GET", "/api/v1/auth/me", nil) != 401 || e.status(t2, "GET", "/api/v1/auth/me", nil) != 200 {
		t.Error("revoking one token did not revoke exactly that one")
	}
	resp, b = e.do(admin, "DELETE", "/api/v1/accounts/"+auditorName+"/tokens", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"revoked":1`) {
		t.Errorf("revoke all: %d %s", resp.StatusCode, b)
	}
	if e.status(t2, "GET", "/api/v1/auth/me", nil) != 401 || e.status(adminTok, "GET", "/api/v1/auth/me", nil) != 200 {
		t.Error("revoke all hit the wrong tokens")
	}
	if n := len(e.tokenRecords(auditorName)); n != 0 {
		t.Errorf("%d records left", n)
	}
	want := map[string]int{"account.tokens.view": 1, "account.token.delete": 1, "account.tokens.delete": 1}
	entries, _, err := e.srv.audit.latest(auditFilter{Action: "account."}, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, en := range entries {
		if en.Actor == adminName && en.Target == auditorName {
			got[en.Action]++
		}
	}
	for a, n := range want {
		if got[a] != n {
			t.Errorf("audit %s: %d entries, want %d (all: %v)", a, got[a], n, got)
		}
	}
}

func sessionCookieOf(resp *http.Response) string {
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}

// A crash between a password change and the removal of the tokens it
// revoked leaves records that can never authenticate; start-up removes
// them, and keeps the valid ones.
func TestDeadTokenRecordsPrunedAtStart(t *testing.T) {
	var cfg Config
	e := newTestEnv(t, func(c *Config) { cfg = *c })
	auditor := e.auditor()
	_, dead := e.newToken(auditor, "revoked")
	deadKey := ""
	var deadRecord []byte
	err := e.ix.ScanMeta(tokenPrefix, func(key string, value []byte) error {
		deadKey, deadRecord = key, value
		return nil
	})
	if err != nil || deadKey == "" {
		t.Fatal(err)
	}
	if got := e.status(e.admin(), "PATCH", "/api/v1/accounts/"+auditorName, `{"password":"reset-by-admin-123"}`); got != 200 {
		t.Fatalf("reset: %d", got)
	}
	if err := e.ix.PutMeta(deadKey, deadRecord); err != nil { // as if the removal never ran
		t.Fatal(err)
	}
	auditor = e.login(auditorName, "reset-by-admin-123")
	live, liveInfo := e.newToken(auditor, "live")

	restarted, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	restarted.cancel()
	recs := e.tokenRecords(auditorName)
	if _, ok := recs[dead.ID]; ok || len(recs) != 1 {
		t.Errorf("records after start-up: %v, want only %s", recs, liveInfo.ID)
	}
	if got := e.status(live, "GET", "/api/v1/auth/me", nil); got != 200 {
		t.Errorf("valid token after start-up: %d", got)
	}
}

// An update is never half applied for a reason known in advance, and what
// was applied is audited even when a later part fails.
func TestAccountUpdateAppliesAllOrAudits(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	role := func() Role {
		acct, err := e.srv.accounts.Get(auditorName)
		if err != nil {
			t.Fatal(err)
		}
		return acct.Role
	}
	if got := e.status(admin, "PATCH", "/api/v1/accounts/"+auditorName, `{"role":"admin","password":"short"}`); got != 400 || role() != RoleAuditor {
		t.Errorf("weak password with a promotion: %d, role %s; want 400 and no change", got, role())
	}
	// Busy hashing: nothing changed, retry later.
	e.srv.accounts.kdf = newGate(0, 0, time.Hour)
	resp, b := e.do(admin, "PATCH", "/api/v1/accounts/"+auditorName, `{"role":"admin","password":"long-enough-password"}`)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || role() != RoleAuditor {
		t.Errorf("busy: %d %s, role %s; want 503 with Retry-After and no change", resp.StatusCode, b, role())
	}
	e.srv.accounts.kdf = newGate(kdfConcurrency, kdfQueue, kdfMaxWait)
	// The password is reset, then demoting the last admin fails: the
	// reset still happened and is in the audit trail.
	resp, b = e.do(admin, "PATCH", "/api/v1/accounts/"+adminName, `{"role":"auditor","password":"another-admin-password"}`)
	if resp.StatusCode != 409 {
		t.Fatalf("demote last admin: %d %s", resp.StatusCode, b)
	}
	updates := e.audited("account.update")
	if len(updates) != 1 || updates[0].Detail["password"] != "changed" || updates[0].Detail["role"] != "" {
		t.Errorf("audit %+v, want the password reset alone", updates)
	}
}
