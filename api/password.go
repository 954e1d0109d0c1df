package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// argonParams are argon2id's cost settings. They are stored with every hash
// (PHC string format) so they can be raised later without invalidating old
// passwords.
type argonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// defaultArgon follows OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane):
// about 30-60 ms on this machine class, which bounds an online guesser far
// below the login rate limit and an offline one to a few dozen guesses/s/core.
var defaultArgon = argonParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// ErrBusy means too many password hashes are being computed right now;
// the request was not tried and can be retried in a moment.
var ErrBusy = errors.New("too many password checks in progress; retry in a moment")

// The argon2 gate (see gate): two at a time is about 38 MiB with the
// default 19 MiB cost; a few more wait briefly; the rest are refused.
const (
	kdfConcurrency = 2
	kdfQueue       = 16
	kdfMaxWait     = 3 * time.Second
)

const (
	saltLen = 16
	keyLen  = 32
)

// maxArgonMemory bounds what a stored hash may ask for (64 MiB), so a
// corrupted account record cannot make a login allocate gigabytes.
const maxArgonMemory = 64 * 1024

var errBadHash = errors.New("malformed password hash")

// MinPasswordLen is the shortest password accepted for an account.
const MinPasswordLen = 12

func hashPassword(p argonParams, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether password matches the PHC-encoded hash, in
// time independent of where the two differ.
func verifyPassword(encoded, password string) (bool, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(f[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p argonParams
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Memory > maxArgonMemory || p.Time == 0 || p.Time > 10 || p.Threads == 0 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(f[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return false, errBadHash
	}
	want, err := b64.DecodeString(f[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// GeneratePassword returns a random password for a new account (24
// characters, about 143 bits).
func GeneratePassword() (string, error) { return randomToken(18) }

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
