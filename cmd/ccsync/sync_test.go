package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

const cliTestKey = "sk-ant-api01-CLI-TEST-KEY-abcdefghijklmnopqrstuvwxyz"

func fakeAPI(t *testing.T, chats int) (string, *fakeapi.Org) {
	t.Helper()
	org := fakeapi.Generate(21, fakeapi.GenOptions{Chats: chats, Users: 4})
	hs := httptest.NewServer(fakeapi.New(org, fakeapi.Options{Key: cliTestKey}))
	t.Cleanup(hs.Close)
	return hs.URL, org
}

func TestSyncOnceJSON(t *testing.T) {
	url, org := fakeAPI(t, 12)
	dir := t.TempDir()
	t.Setenv(envComplianceKey, cliTestKey)
	code, out, errs := runCLI(t, "sync", "--once", "--data", dir, "--api-base", url, "--from", "2026-10-01", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Chats       int      `json:"chats"`
		Messages    int      `json:"messages"`
		Skipped     int      `json:"skipped"`
		RateLimited int      `json:"rate_limited"`
		Errors      []string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Chats != 12 || got.Messages != org.MessageCount() || got.Skipped != 0 || got.Errors == nil {
		t.Errorf("summary %+v, want 12 chats and %d messages", got, org.MessageCount())
	}
	if !strings.Contains(errs, "sync: ") {
		t.Errorf("no live progress on stderr: %q", errs)
	}
	if strings.Contains(out+errs, cliTestKey) {
		t.Error("output contains the key")
	}
}

func TestSyncUsageAndNoKey(t *testing.T) {
	url, _ := fakeAPI(t, 1)
	dir := t.TempDir()
	t.Setenv(envComplianceKey, "")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sync", "--data", dir}, 2, "--once"},
		{[]string{"sync", "--once", "--data", dir, "--from", "yesterday"}, 1, "--from"},
		{[]string{"sync", "--once", "--data", dir, "--api-base", url}, 1, envComplianceKey},
	}
	for _, tc := range tests {
		code, _, errs := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d mentioning %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

func TestKeysSetShowRotateThenSync(t *testing.T) {
	url, _ := fakeAPI(t, 3)
	dir := t.TempDir()
	t.Setenv(envComplianceKey, "")
	runWithStdin := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
		return code, out.String(), errb.String()
	}
	if code, _, errs := runWithStdin("sk-ant-api01-wrong-key-000000000\n", "keys", "--data", dir, "--api-base", url, "set"); code != 1 || !strings.Contains(errs, "authentication_error") {
		t.Fatalf("set with a bad key: exit %d %s", code, errs)
	}
	if code, out, errs := runWithStdin(cliTestKey, "keys", "--data", dir, "--api-base", url, "set"); code != 0 || !strings.Contains(out, "sk-ant-a••••") {
		t.Fatalf("set: exit %d %s %s", code, out, errs)
	}
	if code, out, _ := runCLI(t, "keys", "--data", dir, "show"); code != 0 || !strings.HasPrefix(out, "sk-ant-a••••") {
		t.Fatalf("show: %d %q", code, out)
	}
	if code, out, errs := runCLI(t, "keys", "--data", dir, "rotate"); code != 0 || !strings.Contains(out, "2 keys, 1 secrets re-encrypted") {
		t.Fatalf("rotate: %d %q %s", code, out, errs)
	}
	code, out, errs := runCLI(t, "sync", "--once", "--data", dir, "--api-base", url, "--from", "2026-10-01")
	if code != 0 || !strings.Contains(out, "sync done: 3 chats") {
		t.Fatalf("sync with the saved, rotated key: %d %q %s", code, out, errs)
	}
}

func TestSyncControllerDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	dir := t.TempDir()
	empty := ""
	cfg := map[string]*string{"data": &dir, "api-base": &empty, "keyset": &empty, "kek-file": &empty}
	sc, stop, err := startSync(ctx, ix, cfg, "", slog.New(slog.NewTextHandler(io.Discard, nil)), true)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	deadline := time.Now().Add(60 * time.Second)
	var st api.SyncStatus
	for {
		if st, err = sc.Status(ctx); err != nil {
			t.Fatal(err)
		}
		if !st.Running && st.LastRun != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo sync did not finish: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !st.KeySaved || st.KeyHint != "sk-ant-a••••" || !st.Hourly || st.NextRun == nil {
		t.Errorf("status %+v", st)
	}
	stats, _ := ix.Stats(ctx)
	// 120 chats (less the one the API lost after the first sync, which the
	// archive keeps) and the sessions of every product.
	if stats.ConversationsPerKind["chat"] != 120 || stats.ConversationsPerKind["session"] < 40 ||
		stats.ConversationsPerProduct["claude_code"] == 0 || stats.FlaggedMessages == 0 {
		t.Errorf("demo stored %+v", stats)
	}
	if err := sc.Cancel(); !errors.Is(err, api.ErrNotRunning) {
		t.Errorf("Cancel when idle: %v", err)
	}
	if _, err := sc.SaveKey(ctx, "sk-ant-api01-not-the-demo-key-000"); !errors.Is(err, api.ErrInvalidKey) {
		t.Errorf("SaveKey with a bad key: %v", err)
	}
}

// TestSyncAPIRate: --api-rate (CCSYNC_API_RATE) sets the one budget every
// stream shares; nonsense is refused before anything is opened, and the
// summary lists each stream's state.
func TestSyncAPIRate(t *testing.T) {
	url, _ := fakeAPI(t, 3)
	t.Setenv(envComplianceKey, cliTestKey)
	for _, bad := range []string{"0", "-5", "fast", "100001"} {
		code, _, errs := runCLI(t, "sync", "--once", "--data", t.TempDir(), "--api-base", url, "--api-rate", bad)
		if code == 0 || !strings.Contains(errs, "--api-rate") {
			t.Errorf("--api-rate %s: exit %d, %q", bad, code, errs)
		}
	}
	t.Setenv("CCSYNC_API_RATE", "300")
	code, out, errs := runCLI(t, "sync", "--once", "--data", t.TempDir(), "--api-base", url, "--from", "2026-10-01")
	if code != 0 || !strings.Contains(out, "chats      done") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	_, table, _ := runCLI(t, "config")
	if !strings.Contains(table, "--api-rate") || !strings.Contains(table, "CCSYNC_API_RATE") {
		t.Errorf("config table lacks --api-rate:\n%s", table)
	}
}
