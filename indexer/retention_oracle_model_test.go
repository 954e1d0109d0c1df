package indexer_test

// The oracle's own model of retention and legal hold (issue 15), built from
// the issue text and the documented contracts only: it does not call
// model.RetentionPolicy.PeriodFor, Matches, ExpiresAt or Expired, so that a
// mistake shared by the implementation and its helpers still shows up here.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// oScanner replaces the detection engine: a message's findings are exactly
// the [[F:type:severity]] markers its text carries, so the oracle decides
// what is flagged, of which type and how severe.
type oScanner struct{}

const oMarkOpen, oMarkClose = "[[F:", "]]"

func (oScanner) Scan(text string) []model.Finding {
	var out []model.Finding
	for i := 0; ; {
		j := strings.Index(text[i:], oMarkOpen)
		if j < 0 {
			return out
		}
		start := i + j
		k := strings.Index(text[start:], oMarkClose)
		if k < 0 {
			return out
		}
		end := start + k + len(oMarkClose)
		typ, sev, _ := strings.Cut(text[start+len(oMarkOpen):start+k], ":")
		out = append(out, model.Finding{Type: typ, Severity: model.Severity(sev), Rule: "oracle." + typ,
			Start: start, End: end, Preview: "***"})
		i = end
	}
}

func oMark(f model.Finding) string { return oMarkOpen + f.Type + ":" + string(f.Severity) + oMarkClose }

// oRank is the severity order the issue gives: low < medium < high < critical.
func oRank(s model.Severity) int {
	return map[model.Severity]int{"low": 1, "medium": 2, "high": 3, "critical": 4}[s]
}

type oUser struct {
	id, email, alias string // alias: an export account uuid linked to the user ("" when none)
}

type oConv struct {
	id      string
	ownerID string // as filed: the user id or the alias
	user    int    // index into world.users
	created time.Time
}

type oMsg struct {
	id, conv string
	user     int
	seq      int
	created  time.Time
	findings []model.Finding
	keyword  string
}

// oHold is the oracle's view of one placed hold.
type oHold struct {
	id         string
	custodians []string        // resolved on use: a person may be named before their record arrives
	convs      map[string]bool // named conversations
	frozen     map[string]bool // messages the query matched at placement
	active     bool
}

// world is what the store must hold: alive messages and conversations,
// users and holds.
type world struct {
	users    []oUser
	convs    map[string]*oConv
	msgs     map[string]*oMsg // alive
	deleted  map[string]bool  // message ids deleted so far
	gone     map[string]*oMsg // the deleted messages, for re-delivery
	convGone map[string]bool
	holds    []*oHold
}

func newWorld() *world {
	return &world{convs: map[string]*oConv{}, msgs: map[string]*oMsg{}, deleted: map[string]bool{}, gone: map[string]*oMsg{}, convGone: map[string]bool{}}
}

// resolve returns the user a name denotes: a user id, an alias or an email
// (case-insensitive); -1 when none.
func (w *world) resolve(name string) int {
	for i, u := range w.users {
		if name == u.id || (u.alias != "" && name == u.alias) || strings.EqualFold(name, u.email) {
			return i
		}
	}
	return -1
}

func (w *world) resolveAll(names []string) map[int]bool {
	out := map[int]bool{}
	for _, n := range names {
		if i := w.resolve(n); i >= 0 {
			out[i] = true
		}
	}
	return out
}

// oMatches: every criterion a rule sets must hold.
func (w *world) oMatches(r model.RetentionRule, m *oMsg) bool {
	if r.Flagged && len(m.findings) == 0 {
		return false
	}
	if len(r.Types) > 0 {
		if !slices.ContainsFunc(m.findings, func(f model.Finding) bool {
			return slices.Contains(r.Types, f.Type) && (r.MinSeverity == "" || oRank(f.Severity) >= oRank(r.MinSeverity))
		}) {
			return false
		}
	} else if r.MinSeverity != "" {
		if !slices.ContainsFunc(m.findings, func(f model.Finding) bool { return oRank(f.Severity) >= oRank(r.MinSeverity) }) {
			return false
		}
	}
	if len(r.Users) > 0 && !w.resolveAll(r.Users)[m.user] {
		return false
	}
	return true
}

// oLonger: does a keep longer than b (0 is forever)?
func oLonger(a, b int) bool {
	if a == b {
		return false
	}
	if a == 0 {
		return true
	}
	if b == 0 {
		return false
	}
	return a > b
}

// period: a matching rule replaces the default; the longest matching rule wins.
func (w *world) period(p model.RetentionPolicy, m *oMsg) (days int, rule string) {
	matched := false
	for _, r := range p.Rules {
		if !w.oMatches(r, m) {
			continue
		}
		if !matched || oLonger(r.Days, days) {
			days, rule = r.Days, r.Name
		}
		matched = true
	}
	if !matched {
		return p.DefaultDays, "default"
	}
	return days, rule
}

// expired: created_at + days calendar days <= now; never for 0 days.
func (w *world) expired(p model.RetentionPolicy, m *oMsg, now time.Time) (bool, string) {
	days, rule := w.period(p, m)
	if days == 0 {
		return false, rule
	}
	return !m.created.AddDate(0, 0, days).After(now), rule
}

func (w *world) covers(h *oHold, m *oMsg) bool {
	return h.active && (h.convs[m.conv] || h.frozen[m.id] || w.resolveAll(h.custodians)[m.user])
}

// heldBy returns the ids of the active holds covering m.
func (w *world) heldBy(m *oMsg) []string {
	var ids []string
	for _, h := range w.holds {
		if w.covers(h, m) {
			ids = append(ids, h.id)
		}
	}
	return ids
}

func (w *world) hold(id string) *oHold {
	for _, h := range w.holds {
		if h.id == id {
			return h
		}
	}
	return nil
}

// expectation is what one deletion (retention run or range deletion) must do.
type expectation struct {
	deleted      map[string]bool
	convsRemoved map[string]bool
	held         int
	heldBy       map[string]int
	byRule       map[string]int
	months       map[string]indexer.RetentionMonth // Messages and Held only
}

func newExpectation() *expectation {
	return &expectation{deleted: map[string]bool{}, convsRemoved: map[string]bool{}, heldBy: map[string]int{},
		byRule: map[string]int{}, months: map[string]indexer.RetentionMonth{}}
}

func oMonth(t time.Time) string { return t.UTC().Format("2006-01") }

// finish works out which conversations lose their last message.
func (w *world) finish(e *expectation) {
	left := map[string]int{}
	for _, m := range w.msgs {
		if !e.deleted[m.id] {
			left[m.conv]++
		}
	}
	for id := range e.deleted {
		if c := w.msgs[id].conv; left[c] == 0 {
			e.convsRemoved[c] = true
		}
	}
}

// planRetention is what a retention run under p at now must delete.
func (w *world) planRetention(p model.RetentionPolicy, now time.Time) *expectation {
	e := newExpectation()
	for _, m := range w.msgs {
		exp, rule := w.expired(p, m, now)
		if !exp {
			continue
		}
		mo := e.months[oMonth(m.created)]
		mo.Month = oMonth(m.created)
		if hs := w.heldBy(m); len(hs) > 0 {
			e.held++
			mo.Held++
			for _, h := range hs {
				e.heldBy[h]++
			}
		} else {
			e.deleted[m.id] = true
			e.byRule[rule]++
			mo.Messages++
		}
		e.months[mo.Month] = mo
	}
	w.finish(e)
	return e
}

// planRange is what DeleteRange(from, to) must delete: messages created in
// [from, to) that no hold covers, and conversations left with no message.
func (w *world) planRange(from, to time.Time) *expectation {
	e := newExpectation()
	for _, m := range w.msgs {
		if m.created.Before(from) || !m.created.Before(to) {
			continue
		}
		if hs := w.heldBy(m); len(hs) > 0 {
			e.held++
			for _, h := range hs {
				e.heldBy[h]++
			}
			continue
		}
		e.deleted[m.id] = true
	}
	w.finish(e)
	return e
}

func (w *world) apply(e *expectation) {
	for id := range e.deleted {
		w.gone[id] = w.msgs[id]
		delete(w.msgs, id)
		w.deleted[id] = true
	}
	for c := range e.convsRemoved {
		delete(w.convs, c)
		w.convGone[c] = true
	}
}

// covered counts the alive messages a hold covers now.
func (w *world) covered(h *oHold) int {
	n := 0
	for _, m := range w.msgs {
		if w.covers(h, m) {
			n++
		}
	}
	return n
}

// coveredConvs counts the alive conversations holding a message the hold
// covers.
func (w *world) coveredConvs(h *oHold) int {
	convs := map[string]bool{}
	for _, m := range w.msgs {
		if w.covers(h, m) {
			convs[m.conv] = true
		}
	}
	return len(convs)
}

// queryMatch is the oracle's reading of a frozen hold query (text is one
// keyword, or finding types, or flagged only).
func queryMatch(q *model.HoldQuery, m *oMsg) bool {
	if q.Text != "" && m.keyword != q.Text {
		return false
	}
	if len(q.FindingTypes) > 0 && !slices.ContainsFunc(m.findings, func(f model.Finding) bool { return slices.Contains(q.FindingTypes, f.Type) }) {
		return false
	}
	if q.FlaggedOnly && len(m.findings) == 0 {
		return false
	}
	if (!q.From.IsZero() && m.created.Before(q.From)) || (!q.To.IsZero() && !m.created.Before(q.To)) {
		return false
	}
	return true
}

// placeHold records a hold the store accepted, freezing its query over the
// messages alive now.
func (w *world) placeHold(id string, h model.Hold) *oHold {
	oh := &oHold{id: id, custodians: h.Custodians, convs: map[string]bool{}, frozen: map[string]bool{}, active: true}
	for _, c := range h.Conversations {
		oh.convs[c] = true
	}
	if h.Query != nil {
		for _, m := range w.msgs {
			if queryMatch(h.Query, m) {
				oh.frozen[m.id] = true
			}
		}
	}
	w.holds = append(w.holds, oh)
	return oh
}

// Records for Ingest.

func (w *world) userRecords() []model.User {
	out := make([]model.User, len(w.users))
	for i, u := range w.users {
		out[i] = model.User{ID: u.id, Name: "User " + u.id, Email: u.email}
		if u.alias != "" {
			out[i].Aliases = []string{u.alias}
		}
	}
	return out
}

func (c *oConv) record() model.Conversation {
	return model.Conversation{ID: c.id, Source: model.SourceComplianceAPI, Provider: model.ProviderAnthropic,
		Model: "claude-sonnet-4-5", Title: "chat " + c.id, OwnerID: c.ownerID, CreatedAt: c.created, UpdatedAt: c.created}
}

func (m *oMsg) record() model.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "note %s about %s", m.id, m.keyword)
	for _, f := range m.findings {
		b.WriteString(" ")
		b.WriteString(oMark(f))
	}
	role := model.RoleHuman
	if m.seq%2 == 1 {
		role = model.RoleAssistant
	}
	return model.Message{ID: m.id, ConversationID: m.conv, Seq: m.seq, OnCurrentBranch: true, Role: role,
		CreatedAt: m.created, Blocks: []model.Block{{Type: model.BlockText, Text: b.String()}}}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
