package keystore

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-json"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Sentinel errors.
var (
	ErrNoSecret = errors.New("no secret saved")
	// ErrDecrypt means a stored ciphertext did not decrypt: the keyset was
	// replaced or the record was tampered with or moved between purposes.
	ErrDecrypt = errors.New("stored secret does not decrypt with this keyset")
)

// MetaStore is where ciphertexts are kept; *indexer.Indexer implements it.
// Meta's error for a missing key matches fs.ErrNotExist (indexer.ErrNotFound
// does), so this package needs nothing from the indexer.
type MetaStore interface {
	Meta(key string) ([]byte, error)
	PutMeta(key string, value []byte) error
	ScanMeta(prefix string, fn func(key string, value []byte) error) error
}

// Options configure a Store.
type Options struct {
	// Dir is the data directory; the keyset is Dir/keyset.json unless
	// KeysetPath is set.
	Dir        string
	KeysetPath string
	// KEK encrypts the keyset file. When nil it comes from KEKFrom; with
	// neither, the keyset file is cleartext JSON protected only by its 0600
	// mode, and a copy of the data directory is a copy of the key.
	KEK tink.AEAD
	// KEKName says where KEK came from, for messages; optional.
	KEKName string
	KEKFrom KEKSources
	Meta    MetaStore
	Logger  *slog.Logger // nil: slog.Default()
}

// Store encrypts and decrypts named secrets. Safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	path    string
	kek     tink.AEAD
	kekName string
	meta    MetaStore
	h       *keyset.Handle
	a       tink.AEAD
}

// metaPrefix namespaces the records in the meta store.
const metaPrefix = "keystore/"

// keysetAD binds an encrypted keyset file to this use.
var keysetAD = []byte("ccsync/keystore/keyset/v1")

func secretAD(purpose string) []byte { return []byte("ccsync/keystore/secret/v1|" + purpose) }

type record struct {
	Ciphertext []byte    `json:"ciphertext"`
	Hint       string    `json:"hint"`
	SavedAt    time.Time `json:"saved_at"`
}

// Open loads the keyset, creating it (mode 0600) when the file does not
// exist. A cleartext keyset met with a KEK configured is re-written
// encrypted under it (atomically), so configuring a KEK is all a migration
// takes.
func Open(opts Options) (*Store, error) {
	if opts.Meta == nil {
		return nil, errors.New("keystore: no meta store")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	path := opts.KeysetPath
	if path == "" {
		if opts.Dir == "" {
			return nil, errors.New("keystore: neither data dir nor keyset path given")
		}
		path = filepath.Join(opts.Dir, "keyset.json")
	}
	b, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keystore: read keyset: %w", err)
	}
	encrypted := exists && isEncryptedKeyset(b)
	s := &Store{path: path, kek: opts.KEK, kekName: opts.KEKName, meta: opts.Meta}
	if s.kek == nil {
		if s.kek, s.kekName, err = resolveKEK(opts.KEKFrom, opts.Dir, path, encrypted); err != nil {
			return nil, err
		}
	}
	if s.kekName == "" && s.kek != nil {
		s.kekName = "the configured key-encryption key"
	}
	var h *keyset.Handle
	switch {
	case !exists:
		if h, err = keyset.NewHandle(aead.AES256GCMKeyTemplate()); err != nil {
			return nil, fmt.Errorf("keystore: new keyset: %w", err)
		}
		if err = s.writeKeyset(h); err != nil {
			return nil, err
		}
	case encrypted && s.kek == nil:
		return nil, fmt.Errorf("keystore: keyset %s: %w: set %s to the key it was encrypted with", path, ErrKEKRequired, settingHelp)
	case encrypted:
		if h, err = keyset.ReadWithAssociatedData(keyset.NewJSONReader(bytes.NewReader(b)), s.kek, keysetAD); err != nil {
			return nil, fmt.Errorf("keystore: keyset %s: %w from %s: is it the key the keyset was encrypted with?", path, ErrWrongKEK, s.kekName)
		}
	default:
		if h, err = insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(b))); err != nil {
			return nil, fmt.Errorf("keystore: keyset %s: %w", path, err)
		}
		if s.kek != nil {
			if err := s.writeKeyset(h); err != nil {
				return nil, fmt.Errorf("keystore: encrypt the cleartext keyset under %s: %w", s.kekName, err)
			}
			log.Warn("keystore: the cleartext keyset was re-written encrypted under the key-encryption key; "+
				"from now on it opens only with that key, so keep it (and a backup) outside the data directory",
				"keyset", path, "kek", s.kekName)
		}
	}
	if err := s.use(h); err != nil {
		return nil, err
	}
	return s, nil
}

// isEncryptedKeyset tells Tink's JSON forms apart: an EncryptedKeyset has
// an "encryptedKeyset" field, a cleartext Keyset has "key".
func isEncryptedKeyset(b []byte) bool {
	var probe struct {
		Encrypted json.RawMessage `json:"encryptedKeyset"`
	}
	return json.Unmarshal(b, &probe) == nil && len(probe.Encrypted) > 0
}

// Encrypted reports whether the keyset file is encrypted under a KEK.
func (s *Store) Encrypted() bool { return s.kek != nil }

// KeysetPath is the keyset file's path.
func (s *Store) KeysetPath() string { return s.path }

func (s *Store) use(h *keyset.Handle) error {
	a, err := aead.New(h)
	if err != nil {
		return fmt.Errorf("keystore: keyset %s: %w", s.path, err)
	}
	s.h, s.a = h, a
	return nil
}

// writeKeyset replaces the keyset file atomically, so a crash leaves either
// the old or the new keyset, never a torn one.
func (s *Store) writeKeyset(h *keyset.Handle) error {
	var buf bytes.Buffer
	w := keyset.NewJSONWriter(&buf)
	var err error
	if s.kek != nil {
		err = h.WriteWithAssociatedData(w, s.kek, keysetAD)
	} else {
		err = insecurecleartextkeyset.Write(h, w)
	}
	if err != nil {
		return fmt.Errorf("keystore: encode keyset: %w", err)
	}
	if err := writeFileAtomic(s.path, buf.Bytes()); err != nil {
		return fmt.Errorf("keystore: write keyset: %w", err)
	}
	return nil
}

// writeFileAtomic writes b to path with mode 0600 through a synced
// temporary file and a rename, then syncs the directory, so after a crash
// the path holds either its old content or b.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".keyset-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Hint is what may be shown of a secret: its first eight characters
// ("sk-ant-a") and a mask. Short secrets show nothing.
func Hint(secret string) string {
	if utf8.RuneCountInString(secret) < 20 {
		return "••••"
	}
	n, i := 0, 0
	for i < len(secret) && n < 8 {
		_, w := utf8.DecodeRuneInString(secret[i:])
		i += w
		n++
	}
	return secret[:i] + "••••"
}

// Put encrypts secret for purpose, replacing any saved one, and returns its hint.
func (s *Store) Put(purpose, secret string) (string, error) {
	if secret == "" {
		return "", errors.New("keystore: empty secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(purpose, secret, time.Now().UTC())
}

func (s *Store) put(purpose, secret string, savedAt time.Time) (string, error) {
	ct, err := s.a.Encrypt([]byte(secret), secretAD(purpose))
	if err != nil {
		return "", fmt.Errorf("keystore: encrypt %s: %w", purpose, err)
	}
	rec := record{Ciphertext: ct, Hint: Hint(secret), SavedAt: savedAt}
	b, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	if err := s.meta.PutMeta(metaPrefix+purpose, b); err != nil {
		return "", fmt.Errorf("keystore: save %s: %w", purpose, err)
	}
	return rec.Hint, nil
}

func (s *Store) load(purpose string) (record, error) {
	b, err := s.meta.Meta(metaPrefix + purpose)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(b) == 0 {
		return record{}, fmt.Errorf("keystore: %s: %w", purpose, ErrNoSecret)
	}
	if err != nil {
		return record{}, fmt.Errorf("keystore: load %s: %w", purpose, err)
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return record{}, fmt.Errorf("keystore: record %s: %w", purpose, err)
	}
	return rec, nil
}

// Get decrypts the secret saved for purpose; ErrNoSecret if none.
func (s *Store) Get(purpose string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.load(purpose)
	if err != nil {
		return "", err
	}
	pt, err := s.a.Decrypt(rec.Ciphertext, secretAD(purpose))
	if err != nil {
		// Tink's error says nothing secret, but ours is the useful one.
		return "", fmt.Errorf("keystore: %s: %w", purpose, ErrDecrypt)
	}
	return string(pt), nil
}

// Info is what may be shown about a saved secret.
type Info struct {
	Hint    string    `json:"hint"`
	SavedAt time.Time `json:"saved_at"`
}

// Info returns the hint and save time of purpose's secret; ErrNoSecret if none.
func (s *Store) Info(purpose string) (Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.load(purpose)
	if err != nil {
		return Info{}, err
	}
	return Info{Hint: rec.Hint, SavedAt: rec.SavedAt}, nil
}

// Delete removes purpose's secret.
func (s *Store) Delete(purpose string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meta.PutMeta(metaPrefix+purpose, nil)
}

// Rotate adds a fresh AES-256-GCM key as the keyset's primary, saves the
// keyset, then re-encrypts every stored secret under the new key. Old keys
// stay in the keyset, so a crash midway leaves every secret decryptable; it
// returns how many secrets were re-encrypted.
func (s *Store) Rotate() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := keyset.NewManagerFromHandle(s.h)
	id, err := m.Add(aead.AES256GCMKeyTemplate())
	if err != nil {
		return 0, fmt.Errorf("keystore: rotate: %w", err)
	}
	if err := m.SetPrimary(id); err != nil {
		return 0, fmt.Errorf("keystore: rotate: %w", err)
	}
	h, err := m.Handle()
	if err != nil {
		return 0, fmt.Errorf("keystore: rotate: %w", err)
	}
	old := s.a
	if err := s.writeKeyset(h); err != nil {
		return 0, err
	}
	if err := s.use(h); err != nil {
		return 0, err
	}
	type item struct {
		purpose string
		rec     record
	}
	var items []item
	err = s.meta.ScanMeta(metaPrefix, func(key string, value []byte) error {
		var rec record
		if err := json.Unmarshal(value, &rec); err != nil {
			return fmt.Errorf("keystore: record %s: %w", key, err)
		}
		items = append(items, item{strings.TrimPrefix(key, metaPrefix), rec})
		return nil
	})
	if err != nil {
		return 0, err
	}
	for i, it := range items {
		pt, err := old.Decrypt(it.rec.Ciphertext, secretAD(it.purpose))
		if err != nil {
			return i, fmt.Errorf("keystore: rotate %s: %w", it.purpose, ErrDecrypt)
		}
		if _, err := s.put(it.purpose, string(pt), it.rec.SavedAt); err != nil {
			return i, err
		}
	}
	return len(items), nil
}

// KeyCount is the number of keys in the keyset (1 + rotations).
func (s *Store) KeyCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.h.KeysetInfo().GetKeyInfo())
}
