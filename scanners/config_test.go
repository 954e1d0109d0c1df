package scanners

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scan.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigEffects(t *testing.T) {
	const text = "EMP-004211 mailed ana@acme-corp.com from 10.24.3.17 with key AKIAUHJ4AOXKNP3M4L5V, see john@example.com"
	for _, tc := range []struct {
		name   string
		config string
		want   []string // type:value
	}{
		{"defaults", `{}`, []string{"email:ana@acme-corp.com", "ip_address:10.24.3.17", "aws_access_key:AKIAUHJ4AOXKNP3M4L5V", "email:john@example.com"}},
		{"disable by type and rule", `{"disable": ["ip_address", "aws-access-key-id"]}`, []string{"email:ana@acme-corp.com", "email:john@example.com"}},
		{"custom rule", `{"rules": [{"name": "acme-employee-id", "type": "employee_id", "severity": "medium", "regex": "\\bEMP-[0-9]{6}\\b", "keywords": ["emp-"]}], "disable": ["email", "ip_address"]}`,
			[]string{"employee_id:EMP-004211", "aws_access_key:AKIAUHJ4AOXKNP3M4L5V"}},
		{"custom rule gated by absent keyword", `{"rules": [{"name": "r", "type": "t", "severity": "low", "regex": "EMP-[0-9]+", "keywords": ["badge"]}], "disable": ["email", "ip_address", "aws_access_key"]}`, nil},
		{"custom rule capture group", `{"rules": [{"name": "r", "type": "employee_id", "severity": "low", "regex": "EMP-([0-9]+)", "group": 1}], "disable": ["email", "ip_address", "aws_access_key"]}`,
			[]string{"employee_id:004211"}},
		{"allowlist value and pattern", `{"allowlist": {"values": ["AKIAUHJ4AOXKNP3M4L5V"], "patterns": ["@acme-corp\\.com$"]}, "disable": ["ip_address"]}`,
			[]string{"email:john@example.com"}},
		{"documentation emails", `{"suppress_documentation_emails": true, "disable": ["ip_address", "aws_access_key"]}`, []string{"email:ana@acme-corp.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, tc.config))
			if err != nil {
				t.Fatal(err)
			}
			eng, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range eng.Scan(text) {
				got = append(got, f.Type+":"+text[f.Start:f.End])
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestConfigAllowlistIsRecorded(t *testing.T) {
	eng, err := New(Config{Allowlist: Allowlist{Values: []string{"AKIAUHJ4AOXKNP3M4L5V"}}})
	if err != nil {
		t.Fatal(err)
	}
	fs, sup := eng.ScanVerbose("key AKIAUHJ4AOXKNP3M4L5V")
	if len(fs) != 0 || len(sup) != 1 || sup[0].By != "allowlist:value" {
		t.Errorf("findings %+v suppressed %+v", fs, sup)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, config, want string }{
		{"unknown field", `{"allowlists": {}}`, "allowlists"},
		{"not json", `disable: [phone]`, "scan.json"},
		{"bad regex", `{"rules": [{"name": "r", "type": "t", "severity": "low", "regex": "("}]}`, `rules[0] "r": regex`},
		{"bad severity", `{"rules": [{"name": "r", "type": "t", "severity": "urgent", "regex": "x"}]}`, `severity "urgent"`},
		{"missing name", `{"rules": [{"type": "t", "severity": "low", "regex": "x"}]}`, "name is required"},
		{"empty match", `{"rules": [{"name": "r", "type": "t", "severity": "low", "regex": "x*"}]}`, "empty string"},
		{"bad group", `{"rules": [{"name": "r", "type": "t", "severity": "low", "regex": "x", "group": 2}]}`, "group 2"},
		{"bad allow pattern", `{"allowlist": {"patterns": ["["]}}`, "allowlist.patterns[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tc.config))
			if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrConfig mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestExampleConfig keeps the documented example configuration loadable and
// doing what its comments say.
func TestExampleConfig(t *testing.T) {
	cfg, err := LoadConfig("testdata/example_config.json")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := "EMP-004211 acme_tok_" + strings.Repeat("a1B2", 8) + " bob@acme-corp.com ann@example.com call 415-867-5309 10.1.2.3"
	var got []string
	for _, f := range eng.Scan(text) {
		got = append(got, f.Rule+":"+text[f.Start:f.End])
	}
	want := []string{"acme-employee-id:EMP-004211", "acme-internal-token:" + strings.Repeat("a1B2", 8)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestOverlapPicksSpecific(t *testing.T) {
	c := collector{e: defaultEngine, text: strings.Repeat("x", 100)}
	c.add("api_key", "high", "generic-secret", 10, 50, prioGeneric, preview{}, "")
	c.add("jwt", "high", "jwt", 12, 40, prioSpecific, preview{}, "")
	c.add("email", "medium", "email", 45, 60, prioSpecific, preview{}, "")
	c.add("ip_address", "low", "ipv4", 70, 80, prioSpecific, preview{}, "")
	var got []string
	for _, f := range c.result() {
		got = append(got, f.Rule)
	}
	if strings.Join(got, ",") != "jwt,email,ipv4" {
		t.Errorf("got %v", got)
	}
}

// TestRenamedRulesStillDisable: a config written before the rules took
// gitleaks' names keeps disabling what it named.
func TestRenamedRulesStillDisable(t *testing.T) {
	known := map[string]bool{}
	for _, r := range VendorRules() {
		known[r] = true
	}
	for old, now := range renamedRules {
		if !known[now] {
			t.Errorf("renamedRules[%q] = %q, which is not a vendor rule", old, now)
		}
		if known[old] {
			t.Errorf("%q is both a current rule and a renamed one", old)
		}
	}
	key := "AIzaSyD4lq9X0c7Vb2mR8tNw1pKs6HjZ3fYuE5o"
	text := "maps key " + key + " in the config"
	if fs := Default().Scan(text); len(fs) != 1 || fs[0].Rule != "gcp-api-key" {
		t.Fatalf("default engine: %+v, want one gcp-api-key finding", fs)
	}
	e, err := New(Config{Disable: []string{"google-api-key"}})
	if err != nil {
		t.Fatal(err)
	}
	if fs := e.Scan(text); len(fs) != 0 {
		t.Fatalf("disabling the old name google-api-key left %+v", fs)
	}
}
