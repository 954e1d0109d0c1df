package fakeapi

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// KeySpec is one key the fake organisation accepts. Every key of the
// organisation spends the same per-minute quota, as the real API counts it
// per parent organisation.
type KeySpec struct {
	Secret string   // the x-api-key value
	ID     string   // apikey_… as the Activity Feed names it; default derived from Secret
	Kind   string   // "compliance" (default) or "admin"
	Scopes []string // default: every read scope of its kind (admin: activities only)
	IP     string   // the address the feed reports for this key's calls; default the request's
	// State deactivated or expired answers 401 with that message; so does
	// an ExpiresAt not after the server's clock (Admin keys can expire).
	State     KeyState
	ExpiresAt time.Time
}

// KeyState is why a recognised key no longer authenticates.
type KeyState string

const (
	KeyActive      KeyState = ""
	KeyDeactivated KeyState = "deactivated"
	KeyExpired     KeyState = "expired"
)

const (
	KindCompliance = "compliance"
	KindAdmin      = "admin"
)

// Key prefixes the API recognises (reference §2.2). Any other key, a Claude
// API key (sk-ant-api03-) included, is "not authenticated": 404 Not found.
const (
	prefixCompliance = "sk-ant-api01-"
	prefixAdmin      = "sk-ant-admin01-"
)

// keyTable builds the accepted keys from Options: Key as a compliance key
// with every read scope, then Keys.
func keyTable(o Options) []KeySpec {
	var ks []KeySpec
	if o.Key != "" {
		ks = append(ks, KeySpec{Secret: o.Key})
	}
	ks = append(ks, o.Keys...)
	for i := range ks {
		k := &ks[i]
		if k.Kind == "" {
			k.Kind = KindCompliance
		}
		if k.ID == "" {
			k.ID = derivedKeyID(k.Secret)
		}
		if k.Scopes == nil {
			if k.Kind == KindAdmin {
				k.Scopes = []string{ScopeActivities}
			} else {
				k.Scopes = []string{ScopeActivities, ScopeUserData, ScopeOrgData}
			}
		}
		k.Scopes = append([]string(nil), k.Scopes...)
	}
	return ks
}

// keyID derives a stable apikey_… id from a secret, so the feed names a key
// the same way in every run without revealing it.
func derivedKeyID(secret string) string {
	h := sha256.Sum256([]byte("fakeapi key id\x00" + secret))
	b := make([]byte, 22)
	for i := range b {
		b[i] = base58[int(h[i])%len(base58)]
	}
	return "apikey_01" + string(b)
}

func sentKey(r *http.Request) string {
	if k := r.Header.Get("x-api-key"); k != "" {
		return k
	}
	// Accepting Bearer is a guess: only generated curl examples use it.
	return strings.TrimPrefix(r.Header.Get("authorization"), "Bearer ")
}

// authenticate finds the key a request carries. It answers 404 Not found
// for no key or a key of no recognised kind, and 401 for a recognised key
// that is unknown, deactivated or expired; either way no quota is spent.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*KeySpec, bool) {
	sent := sentKey(r)
	foreign := !strings.HasPrefix(sent, prefixCompliance) && !strings.HasPrefix(sent, prefixAdmin)
	if sent == "" || foreign && strings.HasPrefix(sent, "sk-ant-") {
		s.notFound(w)
		return nil, false
	}
	for i := range s.keys {
		k := &s.keys[i]
		if k.Secret != sent {
			continue
		}
		switch {
		case k.State == KeyDeactivated:
			s.fail(w, http.StatusUnauthorized, "authentication_error", msgKeyDeactivated)
			return nil, false
		case k.State == KeyExpired || !k.ExpiresAt.IsZero() && !s.opts.Now().Before(k.ExpiresAt):
			s.fail(w, http.StatusUnauthorized, "authentication_error", msgKeyExpired)
			return nil, false
		}
		return k, true
	}
	if foreign {
		// A configured key of any shape is accepted above (tests use short
		// ones); an unconfigured one of no recognised kind is not a key.
		s.notFound(w)
		return nil, false
	}
	s.fail(w, http.StatusUnauthorized, "authentication_error", msgKeyInvalid)
	return nil, false
}

// RevokeKey marks the key with id (or, for the single Options.Key, its
// derived id) deactivated or expired; KeyActive restores it.
func (s *Server) RevokeKey(id string, how KeyState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].ID == id {
			s.keys[i].State = how
			return nil
		}
	}
	return fmt.Errorf("fakeapi: no key %s", id)
}

// Keys returns the accepted keys with defaults filled in (ids, kinds,
// scopes), so tests can name a key by the id the feed will report.
func (s *Server) Keys() []KeySpec {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]KeySpec, len(s.keys))
	for i, k := range s.keys {
		k.Scopes = append([]string(nil), k.Scopes...)
		out[i] = k
	}
	return out
}

// authorise checks the key's scopes against the endpoint family's
// needed-one-of list and answers 403 when none is held. The quota is
// already spent: the reference says a scope failure costs one unit.
func (s *Server) authorise(w http.ResponseWriter, k *KeySpec, needed []string) bool {
	for _, n := range needed {
		if slices.Contains(k.Scopes, n) {
			return true
		}
	}
	s.fail(w, http.StatusForbidden, "permission_error", scopesMessage(k.Scopes, needed))
	return false
}
