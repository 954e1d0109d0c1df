package activity

import (
	"net/netip"
	"slices"

	feed "github.com/ccsync/ccsync/indexer/compliance/activity"
	"github.com/ccsync/ccsync/model"
)

// classifier flags Compliance API calls at ingest. It learns ccsync's own
// key only from events whose request id is one ccsync received itself, so
// a thief using a stolen key from elsewhere teaches it nothing: the thief's
// address is never learned and its calls stay flagged unknown_ip.
type classifier struct {
	settings Settings
	nets     []netip.Prefix
	roles    map[string]string
	learned  Learned
	changed  bool // learned something to save
}

func newClassifier(s Settings, l Learned) *classifier {
	c := &classifier{settings: s, learned: l, roles: map[string]string{}}
	for _, k := range s.Keys {
		c.roles[k.ID] = k.Role
	}
	for _, cidr := range s.CIDRs {
		if p, err := netip.ParsePrefix(cidr); err == nil {
			c.nets = append(c.nets, p)
		}
	}
	return c
}

// learn records the key and address of every event answering one of
// ccsync's own requests.
func (c *classifier) learn(acts []model.Activity, own map[string]bool) {
	for i := range acts {
		a := &acts[i]
		if a.Access == nil || a.Access.APIKeyID == "" || a.Access.RequestID == "" || !own[a.Access.RequestID] {
			continue
		}
		k := c.learned.Keys[a.Access.APIKeyID]
		if k == nil {
			k = &LearnedKey{ID: a.Access.APIKeyID, FirstSeen: a.CreatedAt}
			c.learned.Keys[k.ID] = k
			c.changed = true
		}
		if a.CreatedAt.After(k.LastSeen) {
			k.LastSeen, c.changed = a.CreatedAt, true
		}
		if ip := a.Actor.IP; ip != "" && !slices.Contains(k.IPs, ip) {
			k.IPs = append(k.IPs, ip)
			if len(k.IPs) > maxLearnedIPs {
				k.IPs = k.IPs[len(k.IPs)-maxLearnedIPs:]
			}
			c.changed = true
		}
	}
}

func (c *classifier) role(a *model.Activity) string {
	if r, ok := c.roles[a.Access.APIKeyID]; ok {
		return r
	}
	if a.Actor.Type == feed.ActorAdminAPIKey {
		return RoleAdmin
	}
	if c.learned.Keys[a.Access.APIKeyID] != nil {
		return RoleOwn
	}
	return ""
}

func (c *classifier) inRanges(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range c.nets {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// flag sets a's flags from what is known now; flags are recomputed on every
// delivery, so an event re-polled after a key was learned is corrected.
func (c *classifier) flag(a *model.Activity) {
	a.Flags = nil
	if a.Access == nil {
		return
	}
	role := c.role(a)
	switch role {
	case RoleOwn:
		a.Flags = append(a.Flags, model.FlagOwnKey)
	case RoleAdmin:
		a.Flags = append(a.Flags, model.FlagAdminKey)
	case RoleTrusted:
	default:
		a.Flags = append(a.Flags, model.FlagOtherKey)
	}
	ip := a.Actor.IP
	if ip == "" {
		return
	}
	known := c.inRanges(ip)
	if role == RoleOwn {
		if k := c.learned.Keys[a.Access.APIKeyID]; k != nil && slices.Contains(k.IPs, ip) {
			known = true
		}
		// Ours without ranges or a learned address: a key ccsync was told
		// about but never saw answer it (the admin's "own" entry).
		if !known && len(c.nets) == 0 && c.learned.Keys[a.Access.APIKeyID] == nil {
			known = true
		}
	} else if len(c.nets) == 0 {
		known = true // no ranges given: only our own key's addresses are checked
	}
	if !known {
		a.Flags = append(a.Flags, model.FlagUnknownIP)
	}
}
