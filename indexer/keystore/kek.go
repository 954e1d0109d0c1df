package keystore

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/goccy/go-json"
	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/tink"
	"golang.org/x/crypto/argon2"
)

// A key-encryption key (KEK) encrypts the keyset file, so that the data
// directory alone no longer holds what decrypts the Compliance key. It must
// therefore live elsewhere: a file outside the data directory, a systemd
// credential, or a passphrase in the environment. No KMS client is compiled
// in, so KMS key URIs are not accepted.

// Sentinel errors about the KEK; match with errors.Is.
var (
	// ErrKEKRequired: the keyset file is encrypted and no KEK is configured.
	ErrKEKRequired = errors.New("the keyset is encrypted and no key-encryption key is configured")
	// ErrWrongKEK: the configured KEK does not decrypt the keyset file.
	ErrWrongKEK = errors.New("the keyset does not decrypt with the configured key-encryption key")
	// ErrKEKInDataDir: the KEK file sits inside the data directory, where a
	// copy of the directory would carry it.
	ErrKEKInDataDir = errors.New("the key-encryption key file is inside the data directory")
	// ErrBadKEKFile: the KEK file does not hold a 32-byte key.
	ErrBadKEKFile = errors.New("not a 32-byte key, raw or base64")
	// ErrKEKSources: more than one KEK source is configured.
	ErrKEKSources = errors.New("more than one key-encryption key is configured")
)

// KEKSize is the size of a KEK file's key.
const KEKSize = 32

// CredentialName is the systemd credential (LoadCredential=,
// LoadCredentialEncrypted=) read from $CREDENTIALS_DIRECTORY.
const CredentialName = "ccsync-kek"

// kekFileInfo is the HKDF context a KEK file's key is expanded with, so the
// same 32 bytes used for something else never yield the same AES key.
const kekFileInfo = "ccsync/keystore/kek-file/v1"

// settingHelp names the ways to configure a KEK, for error messages.
const settingHelp = "--kek-file (CCSYNC_KEK_FILE), the systemd credential " + CredentialName + ", or CCSYNC_KEK_PASSPHRASE"

// KEKSources are where a KEK may come from; at most one may be in use.
type KEKSources struct {
	File           string // --kek-file: 32 bytes, raw or base64
	CredentialsDir string // $CREDENTIALS_DIRECTORY; used when it holds CredentialName
	Passphrase     string // CCSYNC_KEK_PASSPHRASE, stretched with argon2id
}

// resolveKEK returns the KEK the sources name and a description of where it
// came from ("" and nil when none is configured). encrypted says the keyset
// file is already encrypted: a passphrase's parameters must then exist, as
// fresh ones could never decrypt it.
func resolveKEK(src KEKSources, dataDir, keysetPath string, encrypted bool) (tink.AEAD, string, error) {
	var files []string
	if src.File != "" {
		files = append(files, src.File)
	}
	if src.CredentialsDir != "" {
		cred := filepath.Join(src.CredentialsDir, CredentialName)
		if _, err := os.Stat(cred); err == nil {
			files = append(files, cred)
		}
	}
	n := len(files)
	if src.Passphrase != "" {
		n++
	}
	switch {
	case n == 0:
		return nil, "", nil
	case n > 1:
		return nil, "", fmt.Errorf("keystore: %w (%s): use one", ErrKEKSources, strings.Join(append(files, "CCSYNC_KEK_PASSPHRASE")[:n], ", "))
	case src.Passphrase != "":
		a, err := kekFromPassphrase(src.Passphrase, keysetPath+kdfSuffix, !encrypted)
		return a, "CCSYNC_KEK_PASSPHRASE", err
	}
	a, err := kekFromFile(files[0], dataDir)
	return a, files[0], err
}

// kekFromFile reads a 32-byte key, raw or base64, and derives the KEK from
// it. A file inside dataDir is refused: it would travel with the data.
func kekFromFile(path, dataDir string) (tink.AEAD, error) {
	if dataDir != "" {
		inside, err := within(path, dataDir)
		if err != nil {
			return nil, fmt.Errorf("keystore: KEK file: %w", err)
		}
		if inside {
			return nil, fmt.Errorf("keystore: %s: %w %s: a copy of the directory would carry the key that protects it; keep it elsewhere (e.g. /etc/ccsync/kek) or use a systemd credential",
				path, ErrKEKInDataDir, dataDir)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keystore: KEK file: %w", err)
	}
	defer f.Close()
	if dataDir != "" {
		if link, err := hardLinkIn(f, dataDir); err != nil {
			return nil, fmt.Errorf("keystore: KEK file %s: %w", path, err)
		} else if link != "" {
			return nil, fmt.Errorf("keystore: %s: %w %s (a hard link to it: %s); keep it elsewhere (e.g. /etc/ccsync/kek) or use a systemd credential",
				path, ErrKEKInDataDir, dataDir, link)
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("keystore: KEK file %s: %w", path, err)
	}
	key, err := parseKEK(b)
	if err != nil {
		return nil, fmt.Errorf("keystore: KEK file %s: %w (make one with 'ccsync keys gen-kek PATH')", path, err)
	}
	derived, err := hkdf.Key(sha256.New, key, nil, kekFileInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("keystore: KEK file %s: %w", path, err)
	}
	return subtle.NewAESGCM(derived)
}

// parseKEK accepts exactly KEKSize raw bytes or their base64 (standard or
// URL alphabet, padded or not, surrounding whitespace ignored).
func parseKEK(b []byte) ([]byte, error) {
	if len(b) == KEKSize {
		return b, nil
	}
	s := string(bytes.TrimSpace(b))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KEKSize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w (%d bytes)", ErrBadKEKFile, len(b))
}

// NewKEKFile writes a fresh random KEK, base64, to w.
func NewKEKFile(w io.Writer) error {
	k := make([]byte, KEKSize)
	if _, err := rand.Read(k); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, base64.StdEncoding.EncodeToString(k))
	return err
}

// WriteKEKFile creates path (mode 0600, never overwriting: a replaced KEK
// locks the keyset it encrypted away) holding a fresh KEK. A path inside
// dataDir is refused, as Open would refuse it.
func WriteKEKFile(path, dataDir string) error {
	if dataDir != "" {
		inside, err := within(path, dataDir)
		if err != nil {
			return fmt.Errorf("keystore: KEK file: %w", err)
		}
		if inside {
			return fmt.Errorf("keystore: %s: %w %s; write it elsewhere (e.g. /etc/ccsync/kek)", path, ErrKEKInDataDir, dataDir)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keystore: KEK file: %w", err)
	}
	err = NewKEKFile(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("keystore: KEK file %s: %w", path, err)
	}
	return nil
}

// hardLinkIn returns a name of f's file inside dir when the file has more
// than one link: a hard link, unlike a symlink, does not say where it
// points, so the data directory is searched for the same inode.
func hardLinkIn(f *os.File, dir string) (string, error) {
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink < 2 {
		return "", nil
	}
	var found string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil // unreadable corners cannot be checked; the rest still are
		}
		if other, err := d.Info(); err == nil && os.SameFile(fi, other) {
			found = p
			return filepath.SkipAll
		}
		return nil
	})
	return found, err
}

// within reports whether path is dir or lies under it, symlinks resolved.
// A path that does not exist yet is judged by its nearest existing parent.
func within(path, dir string) (bool, error) {
	rp, err := realPath(path)
	if err != nil {
		return false, err
	}
	rd, err := realPath(dir)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(rd, rp)
	if err != nil {
		return false, nil
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))), nil
}

func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return filepath.Join(abs, rest), nil
		}
		rest = filepath.Join(filepath.Base(abs), rest)
		abs = parent
	}
}

// kdfSuffix names the file beside the keyset that holds the passphrase's
// salt and argon2id parameters; neither is secret.
const kdfSuffix = ".kdf.json"

type kdfParams struct {
	KDF       string `json:"kdf"`
	Salt      []byte `json:"salt"`
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
}

// defaultKDF costs about 64 MiB and a fraction of a second once per start;
// the parameters are stored, so they can be raised later.
var defaultKDF = kdfParams{KDF: "argon2id", Time: 3, MemoryKiB: 64 << 10, Threads: 2}

// kekFromPassphrase stretches the passphrase with argon2id. The salt and
// parameters are read from path, or created there when create is set.
func kekFromPassphrase(pass, path string, create bool) (tink.AEAD, error) {
	var p kdfParams
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && !create:
		return nil, fmt.Errorf("keystore: passphrase parameters %s are missing: the keyset was not encrypted with a passphrase, or that file was lost", path)
	case errors.Is(err, os.ErrNotExist):
		p = defaultKDF
		p.Salt = make([]byte, 16)
		if _, err := rand.Read(p.Salt); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(p)
		if err := writeFileAtomic(path, b); err != nil {
			return nil, fmt.Errorf("keystore: passphrase parameters: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("keystore: passphrase parameters: %w", err)
	default:
		if err := json.Unmarshal(b, &p); err != nil || p.KDF != "argon2id" || len(p.Salt) < 16 || p.Time == 0 || p.MemoryKiB == 0 || p.Threads == 0 {
			return nil, fmt.Errorf("keystore: passphrase parameters %s are damaged", path)
		}
	}
	return subtle.NewAESGCM(argon2.IDKey([]byte(pass), p.Salt, p.Time, p.MemoryKiB, p.Threads, 32))
}
