package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/model"
)

// TestAlertsUsageErrors: wrong arguments are refused with a message naming
// the problem before the data directory is opened (none is created).
func TestAlertsUsageErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, 70<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CCSYNC_TEST_EMPTY_SECRET", "")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"alerts"}, 2, "Usage"},
		{[]string{"alerts", "page"}, 2, `unknown subcommand "page"`},
		{[]string{"alerts", "rules"}, 2, "Usage"},
		{[]string{"alerts", "rules", "drop"}, 2, `unknown subcommand "drop"`},
		{[]string{"alerts", "rules", "show"}, 2, "Usage"},
		{[]string{"alerts", "rules", "add"}, 1, "--name"},
		{[]string{"alerts", "dest", "add", "--name", "x", "--kind", "webhook"}, 1, "--stream"},
		{[]string{"alerts", "dest", "add", "--secret", "plain"}, 1, "use --secret-file PATH or --secret-env VAR"},
		{[]string{"alerts", "dest", "add", "--secret-file", "/nonexistent/secret"}, 1, "--secret-file"},
		{[]string{"alerts", "dest", "add", "--secret-file", big}, 1, "at most"},
		{[]string{"alerts", "dest", "add", "--secret-file", empty}, 1, "is empty"},
		{[]string{"alerts", "dest", "add", "--secret-env", "CCSYNC_TEST_EMPTY_SECRET"}, 1, "$CCSYNC_TEST_EMPTY_SECRET is empty"},
		{[]string{"alerts", "dest", "add", "--secret-file", empty, "--secret-env", "X"}, 1, "exclude each other"},
		{[]string{"alerts", "dest", "test"}, 2, "Usage"},
		{[]string{"alerts", "dead", "retry", "d1"}, 2, "Usage"},
		{[]string{"alerts", "list", "--limit", "0"}, 1, "--limit"},
		{[]string{"alerts", "dead", "list", "d1", "--limit", "501"}, 1, "--limit"},
	} {
		args := append(tc.args[:len(tc.args):len(tc.args)], "--data", dir)
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

// TestAlertsCLI: a webhook destination with a secret from a file, a rule
// naming it (an unknown or findings destination refused), a test send
// the receiver verifies with the secret, update keeping the secret,
// removal; the secret in no output and no audit entry, every step in the
// audit trail as the CLI's.
func TestAlertsCLI(t *testing.T) {
	dir := t.TempDir()
	const secret = "cli-PLANTED-secret-9d2e4f6a8b"
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get("X-Ccsync-Timestamp")
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "." + string(body)))
		sec, _ := strconv.ParseInt(ts, 10, 64)
		if r.Header.Get("X-Ccsync-Signature") != "v1="+hex.EncodeToString(mac.Sum(nil)) || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, r.Header.Get("X-Ccsync-Delivery"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	var outputs strings.Builder
	cli := func(v any, args ...string) {
		t.Helper()
		args = append(args, "--data", dir)
		if v != nil {
			args = append(args, "--json")
		}
		code, out, errs := runCLI(t, args...)
		outputs.WriteString(out + errs)
		if code != 0 {
			t.Fatalf("%q: exit %d %s", args, code, errs)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(out), v); err != nil {
				t.Fatalf("%q: %v\n%s", args, err, out)
			}
		}
	}
	var d model.Destination
	cli(&d, "alerts", "dest", "add", "--name", "SOC", "--kind", "webhook", "--stream", "alerts", "--url", recv.URL+"/hook",
		"--secret-file", secretFile)
	if d.ID == "" || d.SecretHint == "" || d.Secret != "" || !d.Enabled || !strings.HasPrefix(d.CreatedBy, "cli:") {
		t.Fatalf("dest add: %+v", d)
	}
	var feed model.Destination
	t.Setenv("CCSYNC_TEST_FEED_SECRET", "feed-secret-0123456789abcdef")
	cli(&feed, "alerts", "dest", "add", "--name", "Feed", "--kind", "webhook", "--stream", "findings", "--anonymous",
		"--url", recv.URL+"/feed", "--secret-env", "CCSYNC_TEST_FEED_SECRET")
	if !feed.Anonymous || feed.Stream != "findings" {
		t.Fatalf("feed: %+v", feed)
	}
	var list struct {
		Destinations []forward.DestinationStatus `json:"destinations"`
	}
	cli(&list, "alerts", "dest", "list")
	if len(list.Destinations) != 2 {
		t.Fatalf("dest list: %+v", list)
	}
	if code, out, _ := runCLI(t, "alerts", "dest", "list", "--data", dir); code != 0 || !strings.Contains(out, "Feed (anonymous)") {
		t.Fatalf("dest list table: %d %q", code, out)
	}
	var res forward.TestResult
	cli(&res, "alerts", "dest", "test", d.ID)
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if !res.OK || n != 1 || got[0] != res.EventID {
		t.Fatalf("test send: %+v; receiver got %q", res, got)
	}
	// Update without a secret flag keeps the secret: the test still verifies.
	cli(&d, "alerts", "dest", "update", d.ID, "--name", "SOC pager")
	if d.Name != "SOC pager" || d.URL != recv.URL+"/hook" || d.SecretHint == "" {
		t.Fatalf("dest update: %+v", d)
	}
	cli(&res, "alerts", "dest", "test", d.ID)
	if !res.OK {
		t.Fatalf("test after update: %+v", res)
	}

	for _, bad := range [][]string{
		{"alerts", "rules", "add", "--name", "r", "--destination", "nope"},
		{"alerts", "rules", "add", "--name", "r", "--destination", feed.ID},
		{"alerts", "rules", "add", "--name", "r", "--min-severity", "dire"},
	} {
		if code, _, errs := runCLI(t, append(bad, "--data", dir)...); code != 1 || !strings.Contains(errs, map[bool]string{true: "min_severity", false: "destinations[0]"}[bad[5] == "--min-severity"]) {
			t.Errorf("%q: exit %d %q", bad, code, errs)
		}
	}
	var r model.AlertRule
	cli(&r, "alerts", "rules", "add", "--name", "Keys", "--min-severity", "high", "--type", "api_key,private_key", "--destination", d.ID)
	if r.ID == "" || !r.Enabled || r.MinSeverity != "high" || len(r.FindingTypes) != 2 || len(r.Destinations) != 1 {
		t.Fatalf("rules add: %+v", r)
	}
	cli(&r, "alerts", "rules", "update", r.ID, "--disabled", "--quiet", "15")
	if r.Enabled || r.QuietMinutes != 15 || r.MinSeverity != "high" {
		t.Fatalf("rules update: %+v", r)
	}
	if code, out, _ := runCLI(t, "alerts", "rules", "list", "--data", dir); code != 0 || !strings.Contains(out, "Keys") || !strings.Contains(out, "severity ≥ high") {
		t.Fatalf("rules list: %d %q", code, out)
	}
	var fired struct {
		Alerts []model.Alert `json:"alerts"`
	}
	cli(&fired, "alerts", "list")
	if fired.Alerts == nil {
		t.Fatal("alerts list --json: no alerts array")
	}
	var dead struct {
		DeadLetters []forward.DeadLetter `json:"dead_letters"`
	}
	cli(&dead, "alerts", "dead", "list", d.ID)
	if code, _, errs := runCLI(t, "alerts", "dead", "retry", d.ID, "0000000000000001", "--data", dir); code != 1 || !strings.Contains(errs, "no dead letter") {
		t.Errorf("retry unknown letter: %d %q", code, errs)
	}
	cli(nil, "alerts", "rules", "rm", r.ID)
	cli(nil, "alerts", "dest", "rm", feed.ID)
	if code, _, errs := runCLI(t, "alerts", "dest", "show", feed.ID, "--data", dir); code != 1 || !strings.Contains(errs, "no destination") {
		t.Errorf("show removed: %d %q", code, errs)
	}

	var actions []string
	for _, e := range auditActions(t, dir) {
		if e.Via != "cli" || !strings.HasPrefix(e.Actor, "cli:") {
			t.Errorf("entry not marked as the CLI's: %+v", e)
		}
		for _, v := range e.Detail {
			if strings.Contains(v, secret) {
				t.Errorf("the secret is in the audit trail: %+v", e)
			}
		}
		actions = append(actions, e.Action)
	}
	want := "destination.add destination.add destination.list destination.list destination.test destination.update destination.test " +
		"alert.rule.add alert.rule.update alert.rule.list alert.list destination.dead_letter.list alert.rule.delete destination.delete"
	if strings.Join(actions, " ") != want {
		t.Errorf("audit trail\n got %s\nwant %s", strings.Join(actions, " "), want)
	}
	if strings.Contains(outputs.String(), secret) {
		t.Error("the secret is in the CLI's output")
	}
}
