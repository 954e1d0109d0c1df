package api

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

const (
	tokenPrefix    = "auth/token/"
	tokenScheme    = "ccs_"
	maxTokenName   = 100
	tokenIDHexSize = 16
)

// apiToken is a per-account bearer token for scripts, as listed. Tokens are
// 256-bit random values, so a plain SHA-256 (not a slow KDF) is enough to
// make the stored copy useless to a thief.
type apiToken struct {
	ID        string    `json:"id"` // public: a prefix of the hash, for listing and revoking
	Account   string    `json:"account"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// tokenRecord is a token as stored: the listed fields plus what binds it
// to one generation of its account's credentials. A password change or
// reset bumps the account's TokenEpoch, which ends every token not
// explicitly carried over; the nonce tells a re-created account of the
// same name from the one the token was issued for.
type tokenRecord struct {
	apiToken
	// Generation is the account's TokenEpoch when the token was issued
	// (or last carried over). nil marks a record written before tokens
	// had generations.
	Generation *int   `json:"generation,omitempty"`
	Nonce      string `json:"nonce,omitempty"`
	key        string // storage key, set by loadTokens
}

// validFor reports whether the token is still a credential of acct.
func (t tokenRecord) validFor(acct Account) bool {
	if t.Account != acct.Name {
		return false
	}
	if t.Generation == nil {
		// Stored by an older version: valid until the first password
		// change or reset, and never for an account created after it.
		return acct.TokenEpoch == 0 && !t.CreatedAt.Before(acct.CreatedAt)
	}
	return *t.Generation == acct.TokenEpoch && subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(acct.Nonce)) == 1
}

func putToken(store MetaStore, key string, t tokenRecord) error {
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode token: %w", err)
	}
	if err := store.PutMeta(key, b); err != nil {
		return fmt.Errorf("store token %s: %w", t.ID, err)
	}
	return nil
}

// loadTokens returns account's token records, valid or not, oldest first.
func loadTokens(store MetaStore, account string) ([]tokenRecord, error) {
	var toks []tokenRecord
	err := store.ScanMeta(tokenPrefix, func(key string, value []byte) error {
		var t tokenRecord
		if err := json.Unmarshal(value, &t); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		if t.Account == account {
			t.key = key
			toks = append(toks, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	sort.SliceStable(toks, func(i, j int) bool { return toks[i].CreatedAt.Before(toks[j].CreatedAt) })
	return toks, nil
}

func (s *Server) createToken(account, name string) (secret string, tok apiToken, err error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > maxTokenName {
		return "", apiToken{}, errBadRequest(fmt.Sprintf("token name must be 1-%d characters", maxTokenName))
	}
	raw, err := randomToken(32)
	if err != nil {
		return "", apiToken{}, err
	}
	secret = tokenScheme + raw
	h := hashSecret(secret)
	tok = apiToken{ID: h[:tokenIDHexSize], Account: account, Name: name, CreatedAt: s.now().UTC()}
	if err := s.accounts.addToken(tokenPrefix+h, tok); err != nil {
		return "", apiToken{}, err
	}
	return secret, tok, nil
}

// tokenPrincipal authenticates the token whose secret hashes to hash. A
// record that is no longer valid is removed: generations only grow and
// nonces are never reused, so it can never become valid again.
func (s *Server) tokenPrincipal(hash string) (*principal, error) {
	key := tokenPrefix + hash
	b, err := s.store.Meta(key)
	if errors.Is(err, indexer.ErrNotFound) {
		return nil, errUnauthenticated()
	}
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	var tok tokenRecord
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, fmt.Errorf("decode token: %w", err)
	}
	acct, err := s.accounts.Get(tok.Account)
	if errors.Is(err, ErrNoAccount) || (err == nil && !tok.validFor(acct)) {
		_ = s.store.PutMeta(key, nil)
		return nil, errUnauthenticated()
	}
	if err != nil {
		return nil, err
	}
	return &principal{Account: acct.Name, Role: acct.Role, TokenID: tok.ID, tokenHash: hash}, nil
}

// listTokens returns account's valid tokens, oldest first.
func (s *Server) listTokens(account string) ([]apiToken, error) {
	acct, err := s.accounts.Get(account)
	if err != nil {
		return nil, err
	}
	recs, err := loadTokens(s.store, account)
	if err != nil {
		return nil, err
	}
	toks := []apiToken{}
	for _, t := range recs {
		if t.validFor(acct) {
			toks = append(toks, t.apiToken)
		}
	}
	return toks, nil
}

// deleteTokens revokes account's tokens whose id is id, or all of them when
// id is "". It returns how many valid tokens were revoked; records that
// were no longer valid are removed too but not counted.
func (s *Server) deleteTokens(account, id string) (int, error) {
	acct, err := s.accounts.Get(account)
	if err != nil {
		return 0, err
	}
	toks, err := loadTokens(s.store, account)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range toks {
		if id != "" && t.ID != id {
			continue
		}
		if err := s.store.PutMeta(t.key, nil); err != nil {
			return n, fmt.Errorf("revoke token %s: %w", t.ID, err)
		}
		if t.validFor(acct) {
			n++
		}
	}
	return n, nil
}

// pruneTokens removes records that can no longer authenticate (a crash
// between a password change and the removal of the tokens it revoked, an
// account deleted half-way); run at start-up, like pruneSessions.
func (s *Server) pruneTokens() error {
	var dead []string
	err := s.store.ScanMeta(tokenPrefix, func(key string, value []byte) error {
		var t tokenRecord
		if json.Unmarshal(value, &t) != nil {
			dead = append(dead, key)
			return nil
		}
		acct, err := s.accounts.Get(t.Account)
		if errors.Is(err, ErrNoAccount) || (err == nil && !t.validFor(acct)) {
			dead = append(dead, key)
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("scan tokens: %w", err)
	}
	for _, k := range dead {
		if err := s.store.PutMeta(k, nil); err != nil {
			return fmt.Errorf("prune token: %w", err)
		}
	}
	return nil
}
