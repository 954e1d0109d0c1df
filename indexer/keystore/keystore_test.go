package keystore

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tink-crypto/tink-go/v2/testing/fakekms"
)

// memMeta stands in for the indexer's meta store (the syncer tests use the
// real one); it keeps copies so a caller cannot alias stored bytes.
type memMeta struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMem() *memMeta { return &memMeta{m: map[string][]byte{}} }

func (m *memMeta) Meta(k string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[k]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return append([]byte(nil), v...), nil
}

func (m *memMeta) PutMeta(k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v == nil {
		delete(m.m, k)
		return nil
	}
	m.m[k] = append([]byte(nil), v...)
	return nil
}

func (m *memMeta) ScanMeta(prefix string, fn func(string, []byte) error) error {
	m.mu.Lock()
	keys := make([]string, 0, len(m.m))
	for k := range m.m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	m.mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := m.Meta(k)
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (m *memMeta) contains(b []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.m {
		if bytes.Contains(v, b) || strings.Contains(k, string(b)) {
			return true
		}
	}
	return false
}

const secret = "sk-ant-api01-Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS10ZXN0LWtleQ-AAAA"

func TestPutGetAndFiles(t *testing.T) {
	dir := t.TempDir()
	meta := newMem()
	s, err := Open(Options{Dir: dir, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	hint, err := s.Put("compliance", secret)
	if err != nil || hint != "sk-ant-a••••" {
		t.Fatalf("hint %q err %v", hint, err)
	}
	got, err := s.Get("compliance")
	if err != nil || got != secret {
		t.Fatalf("Get = %q, %v", got, err)
	}
	st, err := os.Stat(filepath.Join(dir, "keyset.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("keyset file: %v mode %v", err, st.Mode())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".keyset-*")); len(leftovers) > 0 {
		t.Errorf("temporary keyset files left behind: %v", leftovers)
	}
	if meta.contains([]byte(secret)) || meta.contains([]byte(secret[13:])) {
		t.Error("meta store holds the plaintext")
	}
	assertNotInDir(t, dir, secret)
	// Reopen: same keyset, same secret.
	s2, err := Open(Options{Dir: dir, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Get("compliance"); err != nil || got != secret {
		t.Fatalf("after reopen: %q %v", got, err)
	}
	if info, err := s2.Info("compliance"); err != nil || info.Hint != hint || info.SavedAt.IsZero() {
		t.Errorf("Info %+v %v", info, err)
	}
}

func assertNotInDir(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the plaintext secret", p)
		}
		return nil
	})
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *Store, meta *memMeta, dir string) error
		want error
	}{
		{"nothing saved", func(t *testing.T, s *Store, _ *memMeta, _ string) error {
			_, err := s.Get("compliance")
			return err
		}, ErrNoSecret},
		{"deleted", func(t *testing.T, s *Store, _ *memMeta, _ string) error {
			s.Put("compliance", secret)
			s.Delete("compliance")
			_, err := s.Get("compliance")
			return err
		}, ErrNoSecret},
		{"ciphertext moved to another purpose", func(t *testing.T, s *Store, meta *memMeta, _ string) error {
			s.Put("compliance", secret)
			v, _ := meta.Meta(metaPrefix + "compliance")
			meta.PutMeta(metaPrefix+"other", v)
			_, err := s.Get("other")
			return err
		}, ErrDecrypt},
		{"keyset replaced", func(t *testing.T, s *Store, meta *memMeta, dir string) error {
			s.Put("compliance", secret)
			os.Remove(filepath.Join(dir, "keyset.json"))
			s2, err := Open(Options{Dir: dir, Meta: meta})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s2.Get("compliance")
			return err
		}, ErrDecrypt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, meta := t.TempDir(), newMem()
			s, err := Open(Options{Dir: dir, Meta: meta})
			if err != nil {
				t.Fatal(err)
			}
			err = tc.run(t, s, meta, dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestRotate(t *testing.T) {
	dir, meta := t.TempDir(), newMem()
	s, err := Open(Options{Dir: dir, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	s.Put("compliance", secret)
	s.Put("other", "sk-ant-api01-second-secret-value-xxxxxxxx")
	before, _ := meta.Meta(metaPrefix + "compliance")
	n, err := s.Rotate()
	if err != nil || n != 2 || s.KeyCount() != 2 {
		t.Fatalf("Rotate = %d, %v; keys %d", n, err, s.KeyCount())
	}
	after, _ := meta.Meta(metaPrefix + "compliance")
	if bytes.Equal(before, after) {
		t.Error("ciphertext not re-encrypted")
	}
	s2, err := Open(Options{Dir: dir, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Get("compliance"); err != nil || got != secret {
		t.Fatalf("after rotate and reopen: %q %v", got, err)
	}
	if s2.KeyCount() != 2 {
		t.Errorf("reopened keyset has %d keys", s2.KeyCount())
	}
}

func TestExternalKeysetAndKEK(t *testing.T) {
	uri, err := fakekms.NewKeyURI()
	if err != nil {
		t.Fatal(err)
	}
	kek, err := fakekms.NewAEAD(uri)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secrets", "ccsync-keyset.json")
	meta := newMem()
	s, err := Open(Options{KeysetPath: outside, KEK: kek, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	s.Put("compliance", secret)
	b, err := os.ReadFile(outside)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("encryptedKeyset")) || bytes.Contains(b, []byte(`"value"`)) {
		t.Errorf("keyset file is not encrypted under the KEK: %s", b)
	}
	if _, err := Open(Options{KeysetPath: outside, Meta: meta}); err == nil {
		t.Error("encrypted keyset opened without its KEK")
	}
	other, _ := fakekms.NewKeyURI()
	otherKEK, _ := fakekms.NewAEAD(other)
	if _, err := Open(Options{KeysetPath: outside, KEK: otherKEK, Meta: meta}); err == nil {
		t.Error("encrypted keyset opened with the wrong KEK")
	}
	s2, err := Open(Options{KeysetPath: outside, KEK: kek, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Get("compliance"); err != nil || got != secret {
		t.Fatalf("%q %v", got, err)
	}
}

func TestHint(t *testing.T) {
	for in, want := range map[string]string{
		secret:                     "sk-ant-a••••",
		"short":                    "••••",
		"sk-ant-admin01-abcdefghi": "sk-ant-a••••",
	} {
		if got := Hint(in); got != want {
			t.Errorf("Hint(%q) = %q, want %q", in, got, want)
		}
	}
}
