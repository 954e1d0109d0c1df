package keystore

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newKEKFile writes a fresh KEK (base64, as `ccsync keys gen-kek` does)
// in a directory of its own, outside any data directory.
func newKEKFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kek")
	var b bytes.Buffer
	if err := NewKEKFile(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func keysetEncrypted(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "keyset.json"))
	if err != nil {
		t.Fatal(err)
	}
	enc := isEncryptedKeyset(b)
	if enc && bytes.Contains(b, []byte(`"value"`)) {
		t.Fatalf("encrypted keyset file also holds key material in clear: %s", b)
	}
	return enc
}

// TestKEKSources: each way of supplying a KEK encrypts the keyset file, so
// the data directory alone (a copy, a backup) no longer opens the key, and
// the same KEK opens it again.
func TestKEKSources(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  func(t *testing.T) KEKSources
	}{
		{"key file, base64", func(t *testing.T) KEKSources { return KEKSources{File: newKEKFile(t)} }},
		{"key file, 32 raw bytes", func(t *testing.T) KEKSources {
			p := filepath.Join(t.TempDir(), "kek.bin")
			k := make([]byte, KEKSize)
			rand.Read(k)
			os.WriteFile(p, k, 0o600)
			return KEKSources{File: p}
		}},
		{"key file, unpadded base64url", func(t *testing.T) KEKSources {
			p := filepath.Join(t.TempDir(), "kek")
			k := make([]byte, KEKSize)
			rand.Read(k)
			os.WriteFile(p, []byte("  "+base64.RawURLEncoding.EncodeToString(k)+"\n"), 0o600)
			return KEKSources{File: p}
		}},
		{"systemd credential", func(t *testing.T) KEKSources {
			creds := filepath.Dir(newKEKFile(t))
			os.Rename(filepath.Join(creds, "kek"), filepath.Join(creds, CredentialName))
			return KEKSources{CredentialsDir: creds}
		}},
		{"passphrase", func(t *testing.T) KEKSources { return KEKSources{Passphrase: "correct horse battery staple"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, meta := t.TempDir(), newMem()
			src := tc.src(t)
			s, err := Open(Options{Dir: dir, KEKFrom: src, Meta: meta})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Put("compliance", secret); err != nil {
				t.Fatal(err)
			}
			if !s.Encrypted() || !keysetEncrypted(t, dir) {
				t.Fatal("keyset file not encrypted under the KEK")
			}
			assertNotInDir(t, dir, secret)
			// The data directory alone does not open the key.
			_, err = Open(Options{Dir: dir, Meta: meta})
			if !errors.Is(err, ErrKEKRequired) || !strings.Contains(err.Error(), "--kek-file") {
				t.Fatalf("opened without the KEK: %v, want ErrKEKRequired naming the option to set", err)
			}
			s2, err := Open(Options{Dir: dir, KEKFrom: src, Meta: meta})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s2.Get("compliance"); err != nil || got != secret {
				t.Fatalf("after reopening with the KEK: %q %v", got, err)
			}
			if n, err := s2.Rotate(); err != nil || n != 1 || !keysetEncrypted(t, dir) {
				t.Fatalf("rotate under the KEK: %d %v", n, err)
			}
		})
	}
}

func TestWrongKEK(t *testing.T) {
	for _, tc := range []struct {
		name       string
		good, bad  KEKSources
		wantSubstr string
	}{
		{"another key file", KEKSources{File: newKEKFile(t)}, KEKSources{File: newKEKFile(t)}, "kek"},
		{"another passphrase", KEKSources{Passphrase: "the right one"}, KEKSources{Passphrase: "the wrong one"}, "CCSYNC_KEK_PASSPHRASE"},
		{"key file for a passphrase keyset", KEKSources{Passphrase: "the right one"}, KEKSources{File: newKEKFile(t)}, "kek"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, meta := t.TempDir(), newMem()
			s, err := Open(Options{Dir: dir, KEKFrom: tc.good, Meta: meta})
			if err != nil {
				t.Fatal(err)
			}
			s.Put("compliance", secret)
			_, err = Open(Options{Dir: dir, KEKFrom: tc.bad, Meta: meta})
			if !errors.Is(err, ErrWrongKEK) || !strings.Contains(err.Error(), tc.wantSubstr) {
				t.Fatalf("err %v, want ErrWrongKEK naming where the key came from", err)
			}
		})
	}
}

// A passphrase keyset whose parameters file was lost must say so, not
// quietly make new parameters that can never decrypt it.
func TestPassphraseParametersLost(t *testing.T) {
	dir, meta := t.TempDir(), newMem()
	src := KEKSources{Passphrase: "a passphrase"}
	if _, err := Open(Options{Dir: dir, KEKFrom: src, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	kdf := filepath.Join(dir, "keyset.json"+kdfSuffix)
	st, err := os.Stat(kdf)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("passphrase parameters beside the keyset: %v %v", st, err)
	}
	os.Remove(kdf)
	_, err = Open(Options{Dir: dir, KEKFrom: src, Meta: meta})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("err %v, want the missing parameters named", err)
	}
	if _, err := os.Stat(kdf); err == nil {
		t.Error("new passphrase parameters were written for an encrypted keyset")
	}
}

// TestKEKFileInsideDataDirRefused: a KEK kept next to what it protects
// protects nothing; the path is judged after resolving symlinks.
func TestKEKFileInsideDataDirRefused(t *testing.T) {
	dir := t.TempDir()
	inside := filepath.Join(dir, "secrets", "kek")
	os.MkdirAll(filepath.Dir(inside), 0o700)
	outside := newKEKFile(t)
	b, _ := os.ReadFile(outside)
	os.WriteFile(inside, b, 0o600)
	link := filepath.Join(t.TempDir(), "kek-link")
	if err := os.Symlink(inside, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(t.TempDir(), "kek-hardlink")
	if err := os.Link(inside, hard); err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(dir, "creds")
	os.MkdirAll(creds, 0o700)
	os.WriteFile(filepath.Join(creds, CredentialName), b, 0o600)
	for name, src := range map[string]KEKSources{
		"file in the data directory":        {File: inside},
		"relative path":                     {File: filepath.Join(dir, "secrets", "..", "secrets", "kek")},
		"symlink into the data directory":   {File: link},
		"hard link into the data directory": {File: hard},
		"credentials dir inside it":         {CredentialsDir: creds},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Open(Options{Dir: dir, KEKFrom: src, Meta: newMem()})
			if !errors.Is(err, ErrKEKInDataDir) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("err %v, want ErrKEKInDataDir naming the data directory", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "keyset.json")); err == nil {
				t.Error("a keyset was written although the KEK was refused")
			}
		})
	}
	if _, err := Open(Options{Dir: dir, KEKFrom: KEKSources{File: outside}, Meta: newMem()}); err != nil {
		t.Errorf("the same key outside the data directory: %v", err)
	}
}

func TestBadKEKFile(t *testing.T) {
	for name, content := range map[string][]byte{
		"empty":        {},
		"31 bytes":     bytes.Repeat([]byte{7}, 31),
		"33 bytes":     bytes.Repeat([]byte{7}, 33),
		"base64 of 16": []byte(base64.StdEncoding.EncodeToString(make([]byte, 16))),
		"a passphrase": []byte("hunter2 is my password\n"),
		"a KMS URI":    []byte("aws-kms://arn:aws:kms:eu-west-1:1:key/x"),
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "kek")
			os.WriteFile(p, content, 0o600)
			_, err := Open(Options{Dir: t.TempDir(), KEKFrom: KEKSources{File: p}, Meta: newMem()})
			if !errors.Is(err, ErrBadKEKFile) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "gen-kek") {
				t.Fatalf("err %v, want ErrBadKEKFile naming the file and how to make one", err)
			}
		})
	}
	_, err := Open(Options{Dir: t.TempDir(), KEKFrom: KEKSources{File: filepath.Join(t.TempDir(), "missing")}, Meta: newMem()})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing KEK file: %v", err)
	}
}

func TestOneKEKSource(t *testing.T) {
	creds := filepath.Dir(newKEKFile(t))
	os.Rename(filepath.Join(creds, "kek"), filepath.Join(creds, CredentialName))
	for name, src := range map[string]KEKSources{
		"file and passphrase":       {File: newKEKFile(t), Passphrase: "x"},
		"file and credential":       {File: newKEKFile(t), CredentialsDir: creds},
		"credential and passphrase": {CredentialsDir: creds, Passphrase: "x"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Open(Options{Dir: t.TempDir(), KEKFrom: src, Meta: newMem()}); !errors.Is(err, ErrKEKSources) {
				t.Fatalf("err %v, want ErrKEKSources", err)
			}
		})
	}
	// A credentials directory without ccsync-kek (other credentials) is no
	// KEK at all.
	s, err := Open(Options{Dir: t.TempDir(), KEKFrom: KEKSources{CredentialsDir: t.TempDir()}, Meta: newMem()})
	if err != nil || s.Encrypted() {
		t.Fatalf("credentials dir without %s: encrypted %v, %v", CredentialName, s != nil && s.Encrypted(), err)
	}
}

// TestMigrateCleartextKeyset: an existing cleartext keyset, once a KEK is
// configured, is re-written encrypted at open, atomically and logged, and
// the saved secret still decrypts.
func TestMigrateCleartextKeyset(t *testing.T) {
	dir, meta := t.TempDir(), newMem()
	s, err := Open(Options{Dir: dir, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	s.Put("compliance", secret)
	if s.Encrypted() || keysetEncrypted(t, dir) {
		t.Fatal("keyset encrypted without a KEK")
	}
	var logs bytes.Buffer
	src := KEKSources{File: newKEKFile(t)}
	s2, err := Open(Options{Dir: dir, KEKFrom: src, Meta: meta, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !keysetEncrypted(t, dir) {
		t.Fatal("cleartext keyset not re-written under the KEK")
	}
	if !strings.Contains(logs.String(), "re-written encrypted") || !strings.Contains(logs.String(), src.File) {
		t.Errorf("migration not logged: %q", logs.String())
	}
	if got, err := s2.Get("compliance"); err != nil || got != secret {
		t.Fatalf("after migration: %q %v", got, err)
	}
	st, _ := os.Stat(filepath.Join(dir, "keyset.json"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("keyset mode %v", st.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".keyset-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	logs.Reset()
	if _, err := Open(Options{Dir: dir, KEKFrom: src, Meta: meta, Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil || logs.Len() > 0 {
		t.Errorf("second open with the KEK: %v, logs %q (the migration runs once)", err, logs.String())
	}
	if _, err := Open(Options{Dir: dir, Meta: meta}); !errors.Is(err, ErrKEKRequired) {
		t.Errorf("after migration, opened without the KEK: %v", err)
	}
}
