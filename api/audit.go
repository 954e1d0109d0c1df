package api

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"
)

const auditPrefix = "audit/"

// AuditEntry is one recorded action of an account: the audit trail of the
// auditors. It never holds secrets: not passwords, tokens or the key.
type AuditEntry struct {
	Time   time.Time         `json:"time"`
	Actor  string            `json:"actor,omitempty"` // account; empty for failed logins
	Role   Role              `json:"role,omitempty"`
	Via    string            `json:"via,omitempty"` // "session" or "token:<id>"
	IP     string            `json:"ip"`
	Action string            `json:"action"`           // search, conversation.open, export, deletion, settings.key, …
	Target string            `json:"target,omitempty"` // conversation id, account name, …
	Detail map[string]string `json:"detail,omitempty"` // query and filters, counts, …
}

// auditLog appends entries under audit/<unix-nanos>-<seq>, so key order is
// time order and a range is a key range.
type auditLog struct {
	store MetaStore
	// put writes an entry: store.PutMetaDurable, because an entry lost to
	// a power cut is an action nobody can account for.
	put  func(key string, value []byte) error
	now  func() time.Time
	ip   func(*fiber.Ctx) string // client address; nil uses c.IP()
	mu   sync.Mutex
	last int64
}

func newAuditLog(store MetaStore, now func() time.Time) *auditLog {
	return &auditLog{store: store, put: store.PutMetaDurable, now: now}
}

func auditKey(nanos int64) string { return fmt.Sprintf("%s%020d", auditPrefix, nanos) }

// record appends an entry. Callers fail the request when it fails: an
// action that cannot be audited is not performed (or, for reads, not
// answered).
func (a *auditLog) record(c *fiber.Ctx, p *principal, action, target string, detail map[string]string) error {
	e := a.caller(c, p)
	e.Action, e.Target, e.Detail = action, target, detail
	return a.append(e)
}

// caller is an entry with who is calling filled in: the account, how it
// authenticated and the client's address.
func (a *auditLog) caller(c *fiber.Ctx, p *principal) AuditEntry {
	e := AuditEntry{IP: c.IP()}
	if a.ip != nil {
		e.IP = a.ip(c)
	}
	if p != nil {
		e.Actor, e.Role, e.Via = p.Account, p.Role, "session"
		if p.TokenID != "" {
			e.Via = "token:" + p.TokenID
		}
	}
	return e
}

func (a *auditLog) append(e AuditEntry) error {
	e.Time = time.Unix(0, a.next()).UTC()
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	// Outside the lock: the sync is most of the cost, and concurrent
	// writers' syncs then overlap instead of queueing one behind another.
	if err := a.put(auditKey(e.Time.UnixNano()), b); err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// next returns a unique key time, ordered within one clock tick.
func (a *auditLog) next() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.now().UTC().UnixNano()
	if n <= a.last {
		n = a.last + 1
	}
	a.last = n
	return n
}

var errStopScan = errors.New("stop scan")

// auditFilter selects entries; zero fields match everything.
type auditFilter struct {
	From, To time.Time // [From, To)
	Actor    string
	Action   string // exact, or a prefix ending in "." (e.g. "account.")
}

func (f auditFilter) match(e AuditEntry) bool {
	if f.Actor != "" && e.Actor != f.Actor {
		return false
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			if !strings.HasPrefix(e.Action, f.Action) {
				return false
			}
		} else if e.Action != f.Action {
			return false
		}
	}
	return true
}

// scan calls fn for matching entries in time order.
func (a *auditLog) scan(f auditFilter, fn func(AuditEntry) error) error {
	var start, end string
	if !f.From.IsZero() {
		start = auditKey(f.From.UnixNano())
	}
	if !f.To.IsZero() {
		end = auditKey(f.To.UnixNano())
	}
	// ScanMeta has no seek, so narrow the prefix to what start and end
	// share: a day's range then walks about a day of entries, not all.
	prefix := auditPrefix
	if start != "" {
		stop := end
		if stop == "" {
			stop = auditKey(a.now().Add(time.Hour).UnixNano())
		}
		prefix = commonPrefix(start, stop)
	}
	err := a.store.ScanMeta(prefix, func(key string, value []byte) error {
		if start != "" && key < start {
			return nil
		}
		if end != "" && key >= end {
			return errStopScan
		}
		var e AuditEntry
		if err := json.Unmarshal(value, &e); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		if !f.match(e) {
			return nil
		}
		return fn(e)
	})
	if errors.Is(err, errStopScan) {
		return nil
	}
	return err
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

// latestWindows are the look-back windows latest tries when no From is
// given, so the usual "what happened recently" view reads recent keys only.
var latestWindows = []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 31 * 24 * time.Hour, 366 * 24 * time.Hour}

// latest returns the newest limit matching entries, newest first.
func (a *auditLog) latest(f auditFilter, limit int) ([]AuditEntry, bool, error) {
	if f.From.IsZero() {
		end := f.To
		if end.IsZero() {
			end = a.now()
		}
		for _, w := range latestWindows {
			g := f
			g.From = end.Add(-w)
			out, more, err := a.latestIn(g, limit)
			if err != nil || len(out) == limit {
				// A full page inside the window: older entries may
				// exist, so "more" is a hint, not a promise.
				return out, more || len(out) == limit, err
			}
		}
	}
	return a.latestIn(f, limit)
}

func (a *auditLog) latestIn(f auditFilter, limit int) ([]AuditEntry, bool, error) {
	ring := make([]AuditEntry, 0, limit)
	next, total := 0, 0
	err := a.scan(f, func(e AuditEntry) error {
		total++
		if len(ring) < limit {
			ring = append(ring, e)
			return nil
		}
		ring[next] = e
		next = (next + 1) % limit
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read audit trail: %w", err)
	}
	out := make([]AuditEntry, 0, len(ring))
	for i := len(ring) - 1; i >= 0; i-- {
		out = append(out, ring[(next+i)%len(ring)])
	}
	return out, total > limit, nil
}
