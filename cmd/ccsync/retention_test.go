package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

func TestParseRule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want model.RetentionRule
		err  string
	}{
		{"name=flagged,days=2555,flagged", model.RetentionRule{Name: "flagged", Days: 2555, Flagged: true}, ""},
		{" name = legal , days=0 , users=u1|ada@example.com ", model.RetentionRule{Name: "legal", Users: []string{"u1", "ada@example.com"}}, ""},
		{"name=keys,days=90,types=api_key|aws_key,min-severity=high",
			model.RetentionRule{Name: "keys", Days: 90, Types: []string{"api_key", "aws_key"}, MinSeverity: "high"}, ""},
		{"name=x,days=5,flagged=true", model.RetentionRule{Name: "x", Days: 5, Flagged: true}, ""},
		{"name=x", model.RetentionRule{}, "days=D is required"},
		{"days=5,flagged", model.RetentionRule{}, "name=NAME is required"},
		{"name=x,days=five,flagged", model.RetentionRule{}, `days="five"`},
		{"name=x,days=5,colour=red", model.RetentionRule{}, `unknown key "colour"`},
		{"name=x,,days=5", model.RetentionRule{}, "empty part"},
		{"name=x,days=5,flagged=no", model.RetentionRule{}, "flagged takes no value"},
	} {
		got, err := parseRule(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseRule(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || api.FormatRule(got) != api.FormatRule(tc.want) {
			t.Errorf("parseRule(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		// FormatRule writes what parseRule reads.
		if back, err := parseRule(api.FormatRule(got)); err != nil || api.FormatRule(back) != api.FormatRule(got) {
			t.Errorf("round trip of %q: %+v, %v", tc.in, back, err)
		}
	}
}

// TestRetentionAndHoldUsageErrors: wrong arguments are refused with a
// message naming the problem, before the data directory is opened (none is
// created).
func TestRetentionAndHoldUsageErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"default_days":30,"keep":"all"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"retention"}, 2, "Usage"},
		{[]string{"retention", "purge"}, 2, `unknown subcommand "purge"`},
		{[]string{"retention", "set"}, 2, "give --file"},
		{[]string{"retention", "show", "extra"}, 2, "Usage"},
		{[]string{"retention", "run"}, 1, "--dry-run"},
		{[]string{"retention", "run", "--dry-run", "--yes"}, 1, "exactly one"},
		{[]string{"retention", "set", "--default-days", "-1"}, 1, "default_days"},
		{[]string{"retention", "set", "--default-days", "99999"}, 1, "default_days"},
		{[]string{"retention", "set", "--rule", "name=x"}, 1, "days=D is required"},
		{[]string{"retention", "set", "--rule", "name=x,days=5"}, 1, "sets no criterion"},
		{[]string{"retention", "set", "--rule", "name=x,days=5,min-severity=dire"}, 1, "min_severity"},
		{[]string{"retention", "set", "--rule", "name=x,days=5,flagged", "--rule", "name=x,days=6,flagged"}, 1, "rules[1].name"},
		{[]string{"retention", "set", "--file", bad}, 1, "keep"},
		{[]string{"retention", "set", "--file", bad, "--default-days", "3"}, 1, "exclude each other"},
		{[]string{"retention", "preview", "--rule", "bogus"}, 1, "--rule 1"},
		{[]string{"hold"}, 2, "Usage"},
		{[]string{"hold", "freeze"}, 2, `unknown subcommand "freeze"`},
		{[]string{"hold", "show"}, 2, "Usage"},
		{[]string{"hold", "show", "h1", "h2"}, 2, "Usage"},
		{[]string{"hold", "add", "--reason", "r", "--custodian", "u1"}, 1, "matter: required"},
		{[]string{"hold", "add", "--matter", "m", "--custodian", "u1"}, 1, "reason: required"},
		{[]string{"hold", "add", "--matter", "m", "--reason", "r"}, 1, "custodians, conversations or a query"},
		{[]string{"hold", "add", "--matter", "m", "--reason", "r", "--query-from", "monday"}, 1, "--query-from"},
		{[]string{"hold", "release", "h1"}, 1, "--reason"},
		{[]string{"hold", "release", "h1", "--reason", "  "}, 1, "--reason"},
	} {
		args := append(tc.args[:1:1], append(tc.args[1:], "--data", dir)...)
		if len(tc.args) == 1 {
			args = tc.args
		}
		code, _, errs := runCLI(t, args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d naming %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused command created the data directory: %v", err)
	}
}

// TestRetentionAtSetting: a bad daily time stops serve at once with the
// value and the expected form; the table lists the setting.
func TestRetentionAtSetting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for _, v := range []string{"25:00", "3pm", "03:00:00"} {
		code, _, errs := runCLI(t, "serve", "--data", dir, "--addr", "127.0.0.1:0", "--retention-at", v)
		if code != 1 || !strings.Contains(errs, "--retention-at") || !strings.Contains(errs, "HH:MM") || !strings.Contains(errs, v) {
			t.Errorf("--retention-at %s: exit %d %q", v, code, errs)
		}
	}
	t.Setenv("CCSYNC_RETENTION_AT", "24:30")
	if code, _, errs := runCLI(t, "serve", "--data", dir, "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(errs, `"24:30"`) {
		t.Errorf("CCSYNC_RETENTION_AT=24:30: exit %d %q", code, errs)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused serve created the data directory: %v", err)
	}
	_, out, _ := runCLI(t, "config")
	if !strings.Contains(out, "--retention-at") || !strings.Contains(out, "CCSYNC_RETENTION_AT") || !strings.Contains(out, "03:00") {
		t.Errorf("config table lacks retention-at:\n%s", out)
	}
}

// auditActions reads the audit trail of a data directory.
func auditActions(t *testing.T, dir string) []api.AuditEntry {
	t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var out []api.AuditEntry
	err = ix.ScanMeta("audit/", func(_ string, v []byte) error {
		var e api.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func cliJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%q: exit %d %s", args, code, errs)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%q: %v\n%s", args, err, out)
	}
}

// TestRetentionAndHoldCLI: hold → policy → preview → run keeps the held →
// release → run deletes them; every step audited as the CLI's.
func TestRetentionAndHoldCLI(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir) // two messages of u1, February and March 2026
	var h model.Hold
	cliJSON(t, &h, "hold", "add", "--data", dir, "--json", "--matter", "Acme", "--reason", "notice", "--custodian", "u1")
	if h.ID == "" || h.Messages != 2 || !strings.HasPrefix(h.CreatedBy, "cli:") {
		t.Fatalf("hold add: %+v", h)
	}
	var list struct {
		Holds []model.Hold `json:"holds"`
	}
	cliJSON(t, &list, "hold", "list", "--data", dir, "--json")
	if len(list.Holds) != 1 || list.Holds[0].ID != h.ID {
		t.Fatalf("hold list: %+v", list)
	}
	if code, out, _ := runCLI(t, "hold", "show", "--data", dir, h.ID); code != 0 || !strings.Contains(out, "Acme") {
		t.Fatalf("hold show: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, "hold", "show", "--data", dir, "nope"); code != 1 || !strings.Contains(errs, `no hold "nope"`) {
		t.Fatalf("hold show unknown: %d %q", code, errs)
	}
	if code, out, errs := runCLI(t, "retention", "set", "--data", dir, "--default-days", "30",
		"--rule", "name=flagged,days=2555,flagged"); code != 0 || !strings.Contains(out, "rule name=flagged,days=2555,flagged") {
		t.Fatalf("retention set: %d %q %q", code, out, errs)
	}
	var rep indexer.RetentionReport
	cliJSON(t, &rep, "retention", "run", "--data", dir, "--dry-run", "--json")
	// m1 is flagged (an e-mail address): seven years. m2 expires but is held.
	if !rep.DryRun || rep.Messages != 0 || rep.Held != 1 {
		t.Fatalf("dry run: %+v", rep)
	}
	cliJSON(t, &rep, "retention", "preview", "--data", dir, "--json", "--default-days", "30")
	if rep.Messages != 0 || rep.Held != 2 {
		t.Fatalf("draft preview: %+v", rep)
	}
	cliJSON(t, &rep, "retention", "run", "--data", dir, "--yes", "--json")
	if rep.DryRun || rep.Messages != 0 || rep.Held != 1 {
		t.Fatalf("run under hold: %+v", rep)
	}
	if code, out, errs := runCLI(t, "hold", "release", "--data", dir, h.ID, "--reason", "settled"); code != 0 || !strings.Contains(out, "released") {
		t.Fatalf("release: %d %q %q", code, out, errs)
	}
	cliJSON(t, &rep, "retention", "run", "--data", dir, "--yes", "--json")
	if rep.Messages != 1 || rep.Held != 0 {
		t.Fatalf("run after release: %+v", rep)
	}
	var show struct {
		Policy  model.RetentionPolicy    `json:"policy"`
		LastRun *indexer.RetentionReport `json:"last_run"`
	}
	cliJSON(t, &show, "retention", "show", "--data", dir, "--json")
	if show.Policy.DefaultDays != 30 || show.LastRun == nil || show.LastRun.Messages != 1 {
		t.Fatalf("show: %+v", show)
	}
	var got []string
	for _, e := range auditActions(t, dir) {
		if e.Via != "cli" || !strings.HasPrefix(e.Actor, "cli:") {
			t.Errorf("entry not marked as the CLI's: %+v", e)
		}
		got = append(got, e.Action)
	}
	want := "hold.add hold.list hold.view retention.set retention.preview retention.preview retention.run hold.release retention.run"
	if strings.Join(got, " ") != want {
		t.Errorf("audit trail\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestPolicyFlags: a policy from a file (the API's shape, server fields
// dropped) and from flags come out the same; no flags is no policy.
func TestPolicyFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(file, []byte(`{"default_days":365,"activity_days":90,
		"rules":[{"name":"flagged","flagged":true,"days":2555},{"name":"legal","users":["u13","a@example.com"],"days":0}],
		"updated_at":"2026-01-01T00:00:00Z","updated_by":"someone"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	want := "365 90 name=flagged,days=2555,flagged; name=legal,days=0,users=u13|a@example.com"
	for _, args := range [][]string{
		{"--file", file},
		{"--default-days", "365", "--activity-days", "90", "--rule", "name=flagged,days=2555,flagged", "--rule", "name=legal,days=0,users=u13|a@example.com"},
	} {
		fs := newFlags("test", stdio{err: &strings.Builder{}})
		pf := bindPolicyFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		p, ok, err := pf.policy(fs)
		if err != nil || !ok {
			t.Fatalf("%q: %v %v", args, ok, err)
		}
		d := api.PolicyDetail(p)
		if got := d["default_days"] + " " + d["activity_days"] + " " + d["rules"]; got != want || !p.UpdatedAt.IsZero() || p.UpdatedBy != "" {
			t.Errorf("%q: %s (updated %v by %q), want %s", args, got, p.UpdatedAt, p.UpdatedBy, want)
		}
	}
	fs := newFlags("test", stdio{err: &strings.Builder{}})
	pf := bindPolicyFlags(fs)
	if _, ok, err := pf.policy(fs); ok || err != nil {
		t.Errorf("no flags: ok=%v err=%v, want no policy", ok, err)
	}
}
