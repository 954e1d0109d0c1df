package api

import (
	"strings"
	"testing"
)

// The pen-test created the admin "dupb" from
// {"name":"dupa","name":"dupb","role":"auditor","role":"admin"}: the
// decoder kept the last of each name, where a reviewer, a proxy or a log
// may read the first. Such bodies, invalid UTF-8 and anything after the
// value are refused, naming the byte; so are names in another case.
func TestJSONBodiesAreStrict(t *testing.T) {
	e := newTestEnv(t)
	admin := e.admin()
	for _, tc := range []struct{ body, want string }{
		{`{"name":"dupa","name":"dupb","role":"auditor","role":"admin","password":"long-enough-password"}`, "duplicate"},
		{`{"name":"trail","role":"auditor","password":"long-enough-password"} {"name":"x"}`, "after top-level value"},
		// The pen-test's second round: names that differ only in case, or
		// by Unicode folding (ſ is a long s), were the same field to the
		// decoder, the last one winning.
		{`{"name":"casedup","role":"auditor","ROLE":"admin","password":"long-enough-password"}`, "unknown field"},
		{`{"name":"casedup","Role":"admin","password":"long-enough-password"}`, "case-sensitive"},
		{`{"name":"ſinger","role":"auditor","paſſword":"long-enough-password"}`, "unknown field"},
		{``, "empty JSON body"},
		{`{"name":7,"role":"auditor","password":"long-enough-password"}`, "wrong type"},
		{`{"name":"trail","role":"auditor","password":"long-enough-password"}]`, "at byte"},
		{"{\"name\":\"bad\xffutf\",\"role\":\"auditor\",\"password\":\"long-enough-password\"}", "UTF-8"},
	} {
		resp, b := e.do(admin, "POST", "/api/v1/accounts", tc.body)
		if resp.StatusCode != 400 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%.50q: %d %s; want 400 mentioning %q", tc.body, resp.StatusCode, b, tc.want)
		}
	}
	accts, err := e.srv.accounts.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if a.Name != adminName && a.Name != auditorName {
			t.Errorf("account %q created from a refused body", a.Name)
		}
	}
	if resp, b := e.do(admin, "POST", "/api/v1/accounts", `  {"name":"fine","role":"auditor","password":"long-enough-password"}`+"\n"); resp.StatusCode != 201 {
		t.Errorf("a plain body with surrounding white space: %d %s", resp.StatusCode, b)
	}
}
