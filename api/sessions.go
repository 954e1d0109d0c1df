package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

const (
	sessionCookie = "ccsync_session"
	sessionPrefix = "auth/session/"
	csrfHeader    = "X-CSRF-Token"
)

var errNoSession = errors.New("no valid session")

// session is a browser login. Only the SHA-256 of its id is stored, so a copy
// of the data directory does not hold usable cookies.
type session struct {
	Account string    `json:"account"`
	Epoch   int       `json:"epoch"`
	Nonce   string    `json:"nonce,omitempty"` // the account's Nonce at login
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// newSession always mints a fresh id: a login never adopts an id the client
// brought along, which is what defeats session fixation.
func (s *Server) newSession(acct Account) (id string, sess session, err error) {
	if id, err = randomToken(32); err != nil {
		return "", session{}, err
	}
	csrf, err := randomToken(32)
	if err != nil {
		return "", session{}, err
	}
	now := s.now().UTC()
	sess = session{Account: acct.Name, Epoch: acct.Epoch, Nonce: acct.Nonce, CSRF: csrf, Created: now, Expires: now.Add(s.cfg.SessionTTL)}
	b, err := json.Marshal(sess)
	if err != nil {
		return "", session{}, fmt.Errorf("encode session: %w", err)
	}
	if err := s.store.PutMeta(sessionPrefix+hashSecret(id), b); err != nil {
		return "", session{}, fmt.Errorf("store session: %w", err)
	}
	return id, sess, nil
}

func (s *Server) loadSession(id string) (session, error) {
	if id == "" || len(id) > 128 {
		return session{}, errNoSession
	}
	key := sessionPrefix + hashSecret(id)
	b, err := s.store.Meta(key)
	if errors.Is(err, indexer.ErrNotFound) {
		return session{}, errNoSession
	}
	if err != nil {
		return session{}, fmt.Errorf("read session: %w", err)
	}
	var sess session
	if err := json.Unmarshal(b, &sess); err != nil {
		return session{}, fmt.Errorf("decode session: %w", err)
	}
	if !s.now().Before(sess.Expires) {
		_ = s.store.PutMeta(key, nil)
		return session{}, errNoSession
	}
	return sess, nil
}

func (s *Server) deleteSession(id string) error {
	if id == "" {
		return nil
	}
	return s.store.PutMeta(sessionPrefix+hashSecret(id), nil)
}

// pruneSessions removes expired sessions; run at start-up so abandoned
// logins do not accumulate forever.
func (s *Server) pruneSessions() error {
	var expired []string
	now := s.now()
	err := s.store.ScanMeta(sessionPrefix, func(key string, value []byte) error {
		var sess session
		if json.Unmarshal(value, &sess) != nil || !now.Before(sess.Expires) {
			expired = append(expired, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan sessions: %w", err)
	}
	for _, k := range expired {
		if err := s.store.PutMeta(k, nil); err != nil {
			return fmt.Errorf("prune session: %w", err)
		}
	}
	return nil
}
