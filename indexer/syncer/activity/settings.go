package activity

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// Meta keys of the activity stream besides its state.
const (
	// KeySettings holds what an admin says about keys and networks.
	KeySettings = "settings/activity"
	// KeyLearned holds the keys (and their addresses) ccsync learned are its
	// own, from feed events whose request id is one of its own responses.
	KeyLearned = "sync/activities/own_keys"
)

// Roles an admin can give a key.
const (
	RoleOwn     = "own"     // ccsync's own key (besides the learned ones)
	RoleTrusted = "trusted" // another approved reader (a SIEM connector...): not flagged
	RoleAdmin   = "admin"   // an Admin API key: its Compliance calls are flagged admin_key
)

// KnownKey labels a Compliance or Admin API key by its api_key_id.
type KnownKey struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Role  string `json:"role"`
}

// Settings are the admin's known keys and the address ranges calls are
// expected from. With no ranges, only ccsync's own key is checked, against
// the addresses it was seen calling from.
type Settings struct {
	Keys  []KnownKey `json:"keys"`
	CIDRs []string   `json:"cidrs"`
}

// Bounds keep the setting small: it is read on every sync.
const (
	maxKnownKeys = 200
	maxCIDRs     = 200
	maxLabel     = 120
)

// Validate checks and normalises s.
func (s *Settings) Validate() error {
	if len(s.Keys) > maxKnownKeys || len(s.CIDRs) > maxCIDRs {
		return fmt.Errorf("at most %d keys and %d address ranges", maxKnownKeys, maxCIDRs)
	}
	seen := map[string]bool{}
	for i := range s.Keys {
		k := &s.Keys[i]
		k.ID, k.Label, k.Role = strings.TrimSpace(k.ID), strings.TrimSpace(k.Label), strings.TrimSpace(k.Role)
		if k.ID == "" || len(k.ID) > 128 || strings.ContainsAny(k.ID, " \t\r\n\x00") {
			return fmt.Errorf("key %d: id must be an api_key_id (apikey_…)", i+1)
		}
		if seen[k.ID] {
			return fmt.Errorf("key %s listed twice", k.ID)
		}
		seen[k.ID] = true
		if len([]rune(k.Label)) > maxLabel {
			return fmt.Errorf("key %s: label longer than %d characters", k.ID, maxLabel)
		}
		if !slices.Contains([]string{RoleOwn, RoleTrusted, RoleAdmin}, k.Role) {
			return fmt.Errorf("key %s: role must be own, trusted or admin", k.ID)
		}
	}
	for i, c := range s.CIDRs {
		c = strings.TrimSpace(c)
		p, err := netip.ParsePrefix(c)
		if err != nil {
			a, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return fmt.Errorf("address range %q: want CIDR notation (10.0.0.0/8) or one address", c)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		s.CIDRs[i] = p.Masked().String()
	}
	if s.Keys == nil {
		s.Keys = []KnownKey{}
	}
	if s.CIDRs == nil {
		s.CIDRs = []string{}
	}
	return nil
}

// Meta is the keyed storage the settings live in (*indexer.Indexer, or the
// API's store).
type Meta interface {
	Meta(key string) ([]byte, error)
	PutMeta(key string, value []byte) error
}

// loadJSON reads key into v; absent leaves v as it is.
func loadJSON(m Meta, key string, v any) error {
	b, err := m.Meta(key)
	if errors.Is(err, indexer.ErrNotFound) || (err == nil && len(b) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// LoadSettings reads the setting; absent means empty.
func LoadSettings(m Meta) (Settings, error) {
	var s Settings
	if err := loadJSON(m, KeySettings, &s); err != nil {
		return s, err
	}
	if err := s.Validate(); err != nil {
		return Settings{Keys: []KnownKey{}, CIDRs: []string{}}, fmt.Errorf("stored activity settings: %w", err)
	}
	return s, nil
}

// SaveSettings validates and stores s.
func SaveSettings(m Meta, s Settings) (Settings, error) {
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("%w: %v", indexer.ErrBadRequest, err)
	}
	return s, m.PutMeta(KeySettings, stream.MustJSON(s))
}

// LearnedKey is a key ccsync saw answer its own requests.
type LearnedKey struct {
	ID        string    `json:"id"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	IPs       []string  `json:"ips"` // addresses of matched calls, newest last
}

// maxLearnedIPs bounds the addresses kept per key (a host moving between
// NAT gateways); the oldest go first.
const maxLearnedIPs = 32

// Learned are ccsync's own keys, by id.
type Learned struct {
	Keys map[string]*LearnedKey `json:"keys"`
}

// LoadLearned reads what earlier runs learned.
func LoadLearned(m Meta) (Learned, error) {
	l := Learned{Keys: map[string]*LearnedKey{}}
	if err := loadJSON(m, KeyLearned, &l); err != nil {
		return l, err
	}
	if l.Keys == nil {
		l.Keys = map[string]*LearnedKey{}
	}
	return l, nil
}
