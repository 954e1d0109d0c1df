package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/indexer"
)

// TestKEKFromTheCommandLine walks the key-at-rest options as an operator
// would: make a KEK outside the data directory, save the Compliance key in
// clear, then configure the KEK (the keyset is re-written encrypted), and
// find that the data directory alone no longer opens the key.
func TestKEKFromTheCommandLine(t *testing.T) {
	url, _ := fakeAPI(t, 3)
	dir := t.TempDir()
	t.Setenv(envComplianceKey, "")
	t.Setenv("CCSYNC_KEK_FILE", "")
	t.Setenv("CCSYNC_KEK_PASSPHRASE", "")
	t.Setenv("CREDENTIALS_DIRECTORY", "")
	kek := filepath.Join(t.TempDir(), "kek")

	code, out, errs := runCLI(t, "keys", "--data", dir, "gen-kek", kek)
	if code != 0 || !strings.Contains(out, "--kek-file "+kek) {
		t.Fatalf("gen-kek: %d %q %s", code, out, errs)
	}
	st, err := os.Stat(kek)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("KEK file: %v %v", st, err)
	}
	b, _ := os.ReadFile(kek)
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b))); err != nil || len(k) != 32 {
		t.Fatalf("KEK file holds %q: %v", b, err)
	}
	if code, _, errs := runCLI(t, "keys", "--data", dir, "gen-kek", kek); code == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("gen-kek over an existing KEK: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "keys", "--data", dir, "gen-kek", filepath.Join(dir, "kek")); code == 0 || !strings.Contains(errs, "inside the data directory") {
		t.Errorf("gen-kek into the data directory: %d %s", code, errs)
	}
	if code, out, _ := runCLI(t, "keys", "gen-kek", "-"); code != 0 || len(strings.TrimSpace(out)) != 44 {
		t.Errorf("gen-kek to stdout: %d %q", code, out)
	}

	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"keys", "--data", dir, "--api-base", url, "set"},
		stdio{in: strings.NewReader(cliTestKey), out: &o, err: &e}); code != 0 {
		t.Fatalf("keys set: %s", e.String())
	}
	if keyset, _ := os.ReadFile(filepath.Join(dir, "keyset.json")); bytes.Contains(keyset, []byte("encryptedKeyset")) {
		t.Fatal("keyset encrypted before any KEK was configured")
	}
	code, out, errs = runCLI(t, "sync", "--once", "--data", dir, "--api-base", url, "--kek-file", kek, "--from", "2026-10-01")
	if code != 0 || !strings.Contains(out, "sync done: 3 chats") || !strings.Contains(errs, "re-written encrypted") {
		t.Fatalf("sync with a KEK newly configured: %d %q %s", code, out, errs)
	}
	if keyset, _ := os.ReadFile(filepath.Join(dir, "keyset.json")); !bytes.Contains(keyset, []byte("encryptedKeyset")) {
		t.Fatal("keyset not re-written encrypted")
	}
	if code, _, errs := runCLI(t, "keys", "--data", dir, "show"); code == 0 || !strings.Contains(errs, "--kek-file") {
		t.Errorf("show without the KEK: %d %s; want a refusal naming --kek-file", code, errs)
	}
	t.Run("env", func(t *testing.T) {
		t.Setenv("CCSYNC_KEK_FILE", kek)
		if code, out, errs := runCLI(t, "keys", "--data", dir, "show"); code != 0 || !strings.HasPrefix(out, "sk-ant-a••••") {
			t.Errorf("show with CCSYNC_KEK_FILE: %d %q %s", code, out, errs)
		}
	})
	t.Run("systemd credential", func(t *testing.T) {
		creds := t.TempDir()
		os.WriteFile(filepath.Join(creds, "ccsync-kek"), b, 0o400)
		t.Setenv("CREDENTIALS_DIRECTORY", creds)
		if code, out, errs := runCLI(t, "keys", "--data", dir, "show"); code != 0 || !strings.HasPrefix(out, "sk-ant-a••••") {
			t.Errorf("show with $CREDENTIALS_DIRECTORY/ccsync-kek: %d %q %s", code, out, errs)
		}
	})
	t.Run("KMS URI refused", func(t *testing.T) {
		t.Setenv("CCSYNC_KEK_URI", "aws-kms://arn:aws:kms:eu-west-1:111122223333:key/x")
		if code, _, errs := runCLI(t, "keys", "--data", dir, "--kek-file", kek, "show"); code == 0 || !strings.Contains(errs, "no KMS client") {
			t.Errorf("CCSYNC_KEK_URI set: %d %s", code, errs)
		}
	})
	if code, out, _ := runCLI(t, "config"); code != 0 || !strings.Contains(out, "--kek-file") || strings.Contains(out, "kek-uri") {
		t.Errorf("config table: %q", out)
	}
}

// TestServeWarnsOfCleartextKeyset: without a KEK, serve says once, at
// start, that a copy of the data directory is a copy of the key.
func TestServeWarnsOfCleartextKeyset(t *testing.T) {
	t.Setenv("CCSYNC_KEK_PASSPHRASE", "")
	t.Setenv("CREDENTIALS_DIRECTORY", "")
	kek := filepath.Join(t.TempDir(), "kek")
	if code, _, errs := runCLI(t, "keys", "gen-kek", kek); code != 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct {
		name, kekFile string
		warnings      int
	}{
		{"no KEK", "", 1},
		{"KEK file", kek, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			cfg := testSettings(dir)
			cfg["kek-file"] = &tc.kekFile
			var logs bytes.Buffer
			_, stop, err := startSync(ctx, ix, cfg, "", slog.New(slog.NewTextHandler(&logs, nil)), false)
			if err != nil {
				t.Fatal(err)
			}
			stop()
			if n := strings.Count(logs.String(), "a copy of the data directory is a copy of the Compliance key"); n != tc.warnings {
				t.Errorf("%d warnings about the cleartext keyset, want %d:\n%s", n, tc.warnings, logs.String())
			}
		})
	}
}

// A serve refused for its key-encryption key creates no account: the
// pen-test found the first admin created, and its generated password
// printed, in a new data directory the start then refused.
func TestServeRefusedForItsKEKCreatesNoAccount(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CCSYNC_KEK_FILE", "")
	t.Setenv("CCSYNC_KEK_PASSPHRASE", "")
	t.Setenv("CREDENTIALS_DIRECTORY", "")
	t.Setenv("CCSYNC_ADMIN_PASSWORD", "")
	inside := filepath.Join(dir, "kek")
	if err := os.WriteFile(inside, bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "serve", "--data", dir, "--addr", "127.0.0.1:0", "--kek-file", inside)
	if code == 0 || !strings.Contains(errs, "inside the data directory") || strings.Contains(out, "password") {
		t.Fatalf("serve with a KEK inside the data directory: exit %d, stdout %q, stderr %s", code, out, errs)
	}
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n := 0
	if err := ix.ScanMeta("auth/user/", func(string, []byte) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("%d accounts after a refused start (%v), want none", n, err)
	}
}
