package api

import (
	"strings"
	"testing"
	"time"
)

func TestLoginCookieAttributes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		secureCfg  bool
		wantSecure bool
	}{
		{"plain http", false, false},
		{"behind TLS proxy", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, func(c *Config) { c.SecureCookies = tc.secureCfg })
			resp, _ := e.do(nil, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: adminPW})
			var raw string
			for _, h := range resp.Header.Values("Set-Cookie") {
				if strings.HasPrefix(h, sessionCookie+"=") {
					raw = strings.ToLower(h)
				}
			}
			if raw == "" {
				t.Fatal("no session cookie")
			}
			for _, want := range []string{"httponly", "samesite=strict", "path=/"} {
				if !strings.Contains(raw, want) {
					t.Errorf("cookie %q lacks %s", raw, want)
				}
			}
			if got := strings.Contains(raw, "secure"); got != tc.wantSecure {
				t.Errorf("cookie %q: secure=%v, want %v", raw, got, tc.wantSecure)
			}
		})
	}
}

func TestLoginFailures(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct {
		name   string
		body   any
		ct     string
		status int
		typ    string
	}{
		{"wrong password", loginRequest{Name: adminName, Password: "nope-nope-nope"}, "", 401, "unauthenticated"},
		{"unknown account", loginRequest{Name: "ghost", Password: adminPW}, "", 401, "unauthenticated"},
		{"bad account name", loginRequest{Name: "../../etc", Password: adminPW}, "", 401, "unauthenticated"},
		{"malformed JSON", `{"name":`, "", 400, "bad_request"},
		{"unknown field", `{"name":"root","password":"x","admin":true}`, "", 400, "bad_request"},
		{"form post (cross-site form)", "name=root&password=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := e.request(nil, "POST", "/api/v1/auth/login", tc.body)
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			resp, b := e.send(req)
			if resp.StatusCode != tc.status || errorType(t, b) != tc.typ {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, b, tc.status, tc.typ)
			}
			if len(resp.Header.Values("Set-Cookie")) > 0 {
				t.Errorf("failed login set a cookie: %v", resp.Header.Values("Set-Cookie"))
			}
		})
	}
	// Unknown and wrong-password logins must not be told apart.
	_, b1 := e.do(nil, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: "nope-nope-nope"})
	_, b2 := e.do(nil, "POST", "/api/v1/auth/login", loginRequest{Name: "ghost", Password: "nope-nope-nope"})
	if string(b1) != string(b2) {
		t.Errorf("login errors differ: %s vs %s", b1, b2)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.LoginAttempts = 3; c.LoginWindow = time.Minute })
	// A success is not counted against the limit.
	e.admin()
	for i := range 3 {
		resp, b := e.do(nil, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: "wrong-password-" + string(rune('a'+i))})
		if resp.StatusCode != 401 {
			t.Fatalf("attempt %d: %d %s", i, resp.StatusCode, b)
		}
	}
	// The fourth attempt is refused even with the right password.
	resp, b := e.do(nil, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: adminPW})
	if resp.StatusCode != 429 || errorType(t, b) != "rate_limited" {
		t.Fatalf("after 3 failures: %d %s, want 429", resp.StatusCode, b)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	entries, _, err := e.srv.audit.latest(auditFilter{Action: "login."}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var failed, limited int
	for _, en := range entries {
		switch en.Action {
		case "login.failed":
			failed++
		case "login.rate_limited":
			limited++
		}
	}
	if failed != 3 || limited != 1 {
		t.Errorf("audit: %d failed, %d rate limited; want 3 and 1", failed, limited)
	}
}

func TestCSRF(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	body := tokenRequest{Name: "t"}
	for _, tc := range []struct {
		name   string
		c      *client
		status int
		typ    string
	}{
		{"session without token", &client{cookie: admin.cookie}, 403, "csrf"},
		{"session with wrong token", &client{cookie: admin.cookie, csrf: "guess"}, 403, "csrf"},
		{"session with another session's token", &client{cookie: admin.cookie, csrf: e.auditor().csrf}, 403, "csrf"},
		{"right token, foreign origin", &client{cookie: admin.cookie, csrf: admin.csrf, origin: "https://evil.example"}, 403, "csrf"},
		{"right token, own origin", &client{cookie: admin.cookie, csrf: admin.csrf, origin: testOrigin}, 201, ""},
		{"right token, no origin", admin, 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(tc.c, "POST", "/api/v1/tokens", body)
			if resp.StatusCode != tc.status || (tc.typ != "" && errorType(t, b) != tc.typ) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, b, tc.status, tc.typ)
			}
		})
	}
	// Reads need no CSRF token; bearer writes need none either.
	if resp, b := e.do(&client{cookie: admin.cookie}, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 200 {
		t.Errorf("GET with cookie only: %d %s", resp.StatusCode, b)
	}
	tok := e.tokenFor(admin)
	if resp, b := e.do(tok, "POST", "/api/v1/tokens", body); resp.StatusCode != 201 {
		t.Errorf("bearer POST: %d %s", resp.StatusCode, b)
	}
	// Cross-origin login (login CSRF) is refused too.
	resp, b := e.do(&client{origin: "https://evil.example"}, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: adminPW})
	if resp.StatusCode != 403 {
		t.Errorf("cross-origin login: %d %s", resp.StatusCode, b)
	}
}

func TestSessionFixation(t *testing.T) {
	e := newTestEnv(t)
	// An attacker plants a session id of their own (here: a real session
	// of the auditor) in the victim's browser before the victim logs in.
	planted := e.auditor()
	resp, b := e.do(&client{cookie: planted.cookie}, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: adminPW})
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	var fresh string
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			fresh = ck.Value
		}
	}
	if fresh == "" || fresh == planted.cookie {
		t.Fatalf("login kept the planted session id")
	}
	// The planted id is dead and never became admin.
	if resp, _ := e.do(&client{cookie: planted.cookie}, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 401 {
		t.Errorf("planted session still valid: %d", resp.StatusCode)
	}
	resp, b = e.do(&client{cookie: fresh}, "GET", "/api/v1/auth/me", nil)
	var me sessionInfo
	mustJSON(t, b, &me)
	if resp.StatusCode != 200 || me.Account != adminName || me.Role != RoleAdmin {
		t.Errorf("fresh session: %d %s", resp.StatusCode, b)
	}
}

func TestTokens(t *testing.T) {
	e := newTestEnv(t)
	auditor := e.auditor()
	resp, b := e.do(auditor, "POST", "/api/v1/tokens", tokenRequest{Name: "nightly export"})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	var tc tokenCreated
	mustJSON(t, b, &tc)
	bearer := &client{bearer: tc.Secret}

	resp, b = e.do(bearer, "GET", "/api/v1/auth/me", nil)
	var me sessionInfo
	mustJSON(t, b, &me)
	if resp.StatusCode != 200 || me.Account != auditorName || me.Role != RoleAuditor || me.CSRFToken != "" {
		t.Fatalf("me with token: %d %s", resp.StatusCode, b)
	}
	// Stored hashed: neither keys nor values hold the secret.
	err := e.ix.ScanMeta("auth/", func(key string, value []byte) error {
		if strings.Contains(key, tc.Secret) || strings.Contains(string(value), tc.Secret) ||
			strings.Contains(key, tc.Secret[len(tokenScheme):]) || strings.Contains(string(value), tc.Secret[len(tokenScheme):]) {
			t.Errorf("token secret stored in clear under %s", key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Listing shows the token without its secret.
	_, b = e.do(bearer, "GET", "/api/v1/tokens", nil)
	if !strings.Contains(string(b), tc.Token.ID) || strings.Contains(string(b), tc.Secret) {
		t.Errorf("token list: %s", b)
	}
	// Another account cannot revoke it.
	if resp, _ := e.do(e.admin(), "DELETE", "/api/v1/tokens/"+tc.Token.ID, nil); resp.StatusCode != 404 {
		t.Errorf("admin revoked auditor's token via own tokens endpoint: %d", resp.StatusCode)
	}
	// The owner revokes it; it stops working at once.
	if resp, b := e.do(auditor, "DELETE", "/api/v1/tokens/"+tc.Token.ID, nil); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(bearer, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 401 {
		t.Errorf("revoked token still works: %d", resp.StatusCode)
	}
	// Secrets never reach the log: not the token, the session id, the
	// CSRF token or a password.
	logs := e.logs.String()
	for name, secret := range map[string]string{"token": tc.Secret, "session": auditor.cookie, "csrf": auditor.csrf, "password": auditorPW} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains the %s", name)
		}
	}
}

func TestAccountChangesEndSessions(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	auditor := e.auditor()
	auditorTok := e.tokenFor(auditor)

	// Promoting the auditor ends their session (role changes re-login).
	resp, b := e.do(admin, "PATCH", "/api/v1/accounts/"+auditorName, `{"role":"admin"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("promote: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(auditor, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 401 {
		t.Errorf("session survived a role change: %d", resp.StatusCode)
	}
	// Tokens follow the account's current role.
	if resp, _ := e.do(auditorTok, "GET", "/api/v1/accounts", nil); resp.StatusCode != 200 {
		t.Errorf("token of promoted account refused on admin route: %d", resp.StatusCode)
	}

	// Changing one's own password needs the current one, keeps this
	// browser logged in and ends the others.
	other := e.admin()
	resp, b = e.do(admin, "PUT", "/api/v1/auth/password", passwordChange{Current: "wrong-wrong-wrong", New: "a-new-password-456"})
	if resp.StatusCode != 403 {
		t.Errorf("password change with wrong current: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "PUT", "/api/v1/auth/password", passwordChange{Current: adminPW, New: "short"})
	if resp.StatusCode != 400 {
		t.Errorf("weak password: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(admin, "PUT", "/api/v1/auth/password", passwordChange{Current: adminPW, New: "a-new-password-456"})
	if resp.StatusCode != 200 {
		t.Fatalf("password change: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(other, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 401 {
		t.Errorf("other session survived a password change: %d", resp.StatusCode)
	}
	e.login(adminName, "a-new-password-456")

	// Deleting an account kills its token.
	admin = e.login(adminName, "a-new-password-456")
	if resp, b := e.do(admin, "DELETE", "/api/v1/accounts/"+auditorName, nil); resp.StatusCode != 204 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(auditorTok, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 401 {
		t.Errorf("token of deleted account works: %d", resp.StatusCode)
	}
}

func TestAccountAdmin(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   string
		status int
	}{
		{"create auditor", "POST", "/api/v1/accounts", `{"name":"bob","role":"auditor","password":"bob-password-123"}`, 201},
		{"create generated", "POST", "/api/v1/accounts", `{"name":"carol","role":"auditor"}`, 201},
		{"duplicate", "POST", "/api/v1/accounts", `{"name":"bob","role":"auditor","password":"bob-password-123"}`, 409},
		{"bad name", "POST", "/api/v1/accounts", `{"name":"Bob Smith","role":"auditor","password":"bob-password-123"}`, 400},
		{"bad role", "POST", "/api/v1/accounts", `{"name":"dave","role":"root","password":"bob-password-123"}`, 400},
		{"weak password", "POST", "/api/v1/accounts", `{"name":"dave","role":"auditor","password":"123"}`, 400},
		{"update nothing", "PATCH", "/api/v1/accounts/bob", `{}`, 400},
		{"update missing", "PATCH", "/api/v1/accounts/ghost", `{"role":"admin"}`, 404},
		{"demote last admin", "PATCH", "/api/v1/accounts/root", `{"role":"auditor"}`, 409},
		{"delete last admin", "DELETE", "/api/v1/accounts/root", "", 409},
		{"delete bob", "DELETE", "/api/v1/accounts/bob", "", 204},
		{"delete missing", "DELETE", "/api/v1/accounts/bob", "", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			resp, b := e.do(admin, tc.method, tc.path, body)
			if resp.StatusCode != tc.status {
				t.Errorf("got %d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status >= 400 && errorType(t, b) == "" {
				t.Errorf("error not in the API's shape: %s", b)
			}
		})
	}
	_, b := e.do(admin, "GET", "/api/v1/accounts", nil)
	if strings.Contains(string(b), "argon2") || strings.Contains(string(b), "password_hash") {
		t.Errorf("account list leaks hashes: %s", b)
	}
}

func TestLogout(t *testing.T) {
	e := newTestEnv(t)
	c := e.auditor()
	if resp, b := e.do(c, "POST", "/api/v1/auth/logout", nil); resp.StatusCode != 204 {
		t.Fatalf("logout: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(c, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 401 {
		t.Errorf("session valid after logout: %d", resp.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := newTestEnv(t, func(c *Config) { c.Now = clock; c.SessionTTL = time.Hour })
	c := e.auditor()
	if resp, _ := e.do(c, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 200 {
		t.Fatalf("fresh session refused: %d", resp.StatusCode)
	}
	now = now.Add(time.Hour)
	if resp, _ := e.do(c, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 401 {
		t.Errorf("expired session accepted: %d", resp.StatusCode)
	}
}

// Deleting an account removes its sessions and tokens, and re-creating the
// same name (Epoch back at 0) must not revive an old cookie, even one whose
// record survived in storage.
func TestDeleteRecreateDoesNotReviveSession(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	auditor := e.auditor()
	auditorTok := e.tokenFor(auditor)
	if resp, _ := e.do(auditor, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 200 {
		t.Fatalf("auditor session: %d", resp.StatusCode)
	}
	sessionKey := sessionPrefix + hashSecret(auditor.cookie)
	oldRecord, err := e.ix.Meta(sessionKey)
	if err != nil {
		t.Fatal(err)
	}

	if resp, b := e.do(admin, "DELETE", "/api/v1/accounts/"+auditorName, nil); resp.StatusCode != 204 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	for _, prefix := range []string{sessionPrefix, tokenPrefix} {
		err := e.ix.ScanMeta(prefix, func(key string, value []byte) error {
			if strings.Contains(string(value), `"account":"`+auditorName+`"`) {
				t.Errorf("%s of the deleted account left in storage: %s", prefix, key)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	resp, b := e.do(admin, "POST", "/api/v1/accounts", `{"name":"`+auditorName+`","role":"admin","password":"`+auditorPW+`"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("re-create: %d %s", resp.StatusCode, b)
	}
	for _, c := range []*client{auditor, auditorTok} {
		if resp, b := e.do(c, "GET", "/api/v1/accounts", nil); resp.StatusCode != 401 {
			t.Errorf("old credential of the deleted account works for the new one: %d %s", resp.StatusCode, b)
		}
	}

	// Even if the old session record had survived (a crash between the
	// deletion steps, an old backup), the new account's nonce refuses it.
	if err := e.ix.PutMeta(sessionKey, oldRecord); err != nil {
		t.Fatal(err)
	}
	if resp, b := e.do(auditor, "GET", "/api/v1/auth/me", nil); resp.StatusCode != 401 {
		t.Errorf("surviving session record revived by re-creation: %d %s", resp.StatusCode, b)
	}
	// The re-created account itself can log in.
	e.login(auditorName, auditorPW)
}

// With ProxyHeader, only the right-most value (appended by the trusted
// proxy) counts: a client varying the left part cannot dodge the login
// limiter or forge its audited address.
func TestProxyHeaderRightmost(t *testing.T) {
	e := newTestEnv(t, func(c *Config) {
		c.ProxyHeader = "X-Forwarded-For"
		c.LoginAttempts = 3
		c.LoginWindow = time.Minute
	})
	spoof := func(i int) *client {
		return &client{header: map[string]string{"X-Forwarded-For": "10.0.0." + string(rune('1'+i)) + ", 198.51.100." + string(rune('1'+i)) + " , 203.0.113.7"}}
	}
	for i := range 3 {
		resp, b := e.do(spoof(i), "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: "wrong-password-" + string(rune('a'+i))})
		if resp.StatusCode != 401 {
			t.Fatalf("attempt %d: %d %s", i, resp.StatusCode, b)
		}
	}
	resp, b := e.do(spoof(5), "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: adminPW})
	if resp.StatusCode != 429 {
		t.Fatalf("spoofed left parts escaped the limiter: %d %s, want 429", resp.StatusCode, b)
	}
	entries, _, err := e.srv.audit.latest(auditFilter{Action: "login."}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("%d login entries audited, want 4", len(entries))
	}
	for _, en := range entries {
		if en.IP != "203.0.113.7" {
			t.Errorf("audited IP %q, want the proxy-appended 203.0.113.7", en.IP)
		}
	}

	for h, want := range map[string]string{
		"203.0.113.7":               "203.0.113.7",
		"1.2.3.4,203.0.113.7":       "203.0.113.7",
		" 2001:db8::1 ":             "2001:db8::1",
		"203.0.113.7, not-an-ip":    "",
		"":                          "",
		"203.0.113.7, 1.2.3.4:8080": "",
	} {
		if got := forwardedIP(h); got != want {
			t.Errorf("forwardedIP(%q) = %q, want %q", h, got, want)
		}
	}
	// An invalid right-most value falls back to the connection's address.
	e2 := newTestEnv(t, func(c *Config) { c.ProxyHeader = "X-Forwarded-For" })
	e2.do(&client{header: map[string]string{"X-Forwarded-For": "203.0.113.7, forged"}}, "POST", "/api/v1/auth/login",
		loginRequest{Name: adminName, Password: "wrong-password-x"})
	entries, _, err = e2.srv.audit.latest(auditFilter{Action: "login."}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].IP == "forged" || entries[0].IP == "203.0.113.7" || entries[0].IP == "" {
		t.Errorf("invalid header: audited %+v, want the connection's address", entries)
	}
}
