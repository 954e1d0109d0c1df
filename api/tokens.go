package api

import (
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

var errNoToken = errors.New("no such API token")

// apiToken is a per-account bearer token for scripts. Tokens are 256-bit
// random values, so a plain SHA-256 (not a slow KDF) is enough to make the
// stored copy useless to a thief.
type apiToken struct {
	ID        string    `json:"id"` // public: a prefix of the hash, for listing and revoking
	Account   string    `json:"account"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	key       string    // storage key, set by listTokens
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
	b, err := json.Marshal(tok)
	if err != nil {
		return "", apiToken{}, fmt.Errorf("encode token: %w", err)
	}
	if err := s.store.PutMeta(tokenPrefix+h, b); err != nil {
		return "", apiToken{}, fmt.Errorf("store token: %w", err)
	}
	return secret, tok, nil
}

func (s *Server) lookupToken(secret string) (apiToken, error) {
	if !strings.HasPrefix(secret, tokenScheme) || len(secret) > 128 {
		return apiToken{}, errNoToken
	}
	b, err := s.store.Meta(tokenPrefix + hashSecret(secret))
	if errors.Is(err, indexer.ErrNotFound) {
		return apiToken{}, errNoToken
	}
	if err != nil {
		return apiToken{}, fmt.Errorf("read token: %w", err)
	}
	var tok apiToken
	if err := json.Unmarshal(b, &tok); err != nil {
		return apiToken{}, fmt.Errorf("decode token: %w", err)
	}
	return tok, nil
}

// listTokens returns account's tokens ("" lists every account's), oldest
// first.
func (s *Server) listTokens(account string) ([]apiToken, error) {
	var toks []apiToken
	err := s.store.ScanMeta(tokenPrefix, func(key string, value []byte) error {
		var tok apiToken
		if err := json.Unmarshal(value, &tok); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		if account == "" || tok.Account == account {
			tok.key = key
			toks = append(toks, tok)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	sort.SliceStable(toks, func(i, j int) bool { return toks[i].CreatedAt.Before(toks[j].CreatedAt) })
	return toks, nil
}

// deleteTokens revokes account's tokens whose id is id, or all of them when
// id is "". It returns how many were revoked.
func (s *Server) deleteTokens(account, id string) (int, error) {
	toks, err := s.listTokens(account)
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
		n++
	}
	return n, nil
}
