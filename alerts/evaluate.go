package alerts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Bounds of one batch: the journal entries read, and the keys and bytes
// its UpdateMeta writes (a batch ends early when many groups change).
// Variables so that tests can make batches small.
var (
	batchSize = 500
	maxWrites = 1000
	maxBytes  = 1 << 20
)

const alertSize = 1024 // estimated encoded size of one alert

// rule is an enabled rule prepared for matching.
type rule struct {
	model.AlertRule
	types, users, models, products map[string]bool
	minRank                        int
	quiet, window                  int64 // ns
	groupBy                        string
	hits                           map[string]bool // query rules: the batch's matching message ids
}

func set(vals []string, norm func(string) string) map[string]bool {
	if len(vals) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[norm(v)] = true
	}
	return m
}

func same(s string) string { return s }

// personName lower-cases emails; ids are compared exactly.
func personName(s string) string {
	if strings.Contains(s, "@") {
		return strings.ToLower(s)
	}
	return s
}

// productName makes "claude.ai", "Claude-Code" and the facet values
// claude_ai, claude_code the same.
func productName(s string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToLower(s))
}

func compile(r model.AlertRule) *rule {
	c := &rule{AlertRule: r, types: set(r.FindingTypes, same), users: set(r.Users, personName),
		models: set(r.Models, same), products: set(r.Products, productName),
		minRank: r.MinSeverity.Rank(), groupBy: groupOf(r)}
	quiet := r.QuietMinutes
	if quiet == 0 {
		quiet = 60
	}
	c.quiet = int64(time.Duration(quiet) * time.Minute)
	c.window = int64(time.Duration(r.WindowMinutes) * time.Minute)
	return c
}

// item is a journal entry with what rules look at.
type item struct {
	e    indexer.JournalEntry
	m    *model.Message // nil: no fresh findings, or the message is gone
	conv model.Conversation
	user *model.User // the conversation owner's record, nil when none
	live bool
}

// owner is the conversation owner's user id ("" when unknown).
func (it *item) owner() string {
	if it.user != nil {
		return it.user.ID
	}
	return it.conv.OwnerID
}

func (it *item) ownedBy(users map[string]bool) bool {
	if it.conv.OwnerID != "" && users[it.conv.OwnerID] {
		return true
	}
	u := it.user
	if u == nil {
		return false
	}
	if users[u.ID] || (u.Email != "" && users[strings.ToLower(u.Email)]) {
		return true
	}
	for _, a := range u.Aliases {
		if users[a] {
			return true
		}
	}
	return false
}

// findings returns the entry's fresh findings r counts, nil when r does
// not match the entry (the query aside).
func (r *rule) findings(it *item) []model.Finding {
	if it.m == nil || (!it.live && !r.IncludeBackfill) {
		return nil
	}
	var fs []model.Finding
	for _, f := range it.e.Fresh {
		if (r.types == nil || r.types[f.Type]) && f.Severity.Rank() >= r.minRank {
			fs = append(fs, f)
		}
	}
	switch {
	case len(fs) == 0:
		return nil
	case r.users != nil && !it.ownedBy(r.users):
		return nil
	case r.models != nil && !r.models[it.m.Model] && !r.models[it.conv.Model]:
		return nil
	case r.products != nil && !r.products[productName(it.conv.ProductOrClaudeAI())]:
		return nil
	}
	return fs
}

func (r *rule) group(it *item) string {
	switch r.groupBy {
	case model.AlertGroupConversation:
		return it.m.ConversationID
	case model.AlertGroupMessage:
		return it.m.ID
	}
	return cmp.Or(it.owner(), it.m.ConversationID)
}

// pending is an alert fired in the batch being evaluated.
type pending struct {
	a   model.Alert
	sum summary
}

// batch is the evaluation of one batch of journal entries: caches, the
// group states it read and changed, and the alerts it fired.
type batch struct {
	ctx         context.Context
	s           Store
	log         *slog.Logger
	backfillAge time.Duration
	now         time.Time
	next        uint64

	convs  map[string]model.Conversation
	users  map[string]*model.User
	states map[string]*groupState
	sizes  map[string]int
	dirty  map[string]bool
	bytes  int
	open   map[string]*pending // by state key
	alerts []*pending
}

// load reads what the rules look at for entries with fresh findings.
func (b *batch) load(entries []indexer.JournalEntry) ([]item, error) {
	items := make([]item, len(entries))
	for i, e := range entries {
		it := &items[i]
		it.e = e
		if len(e.Fresh) == 0 {
			continue
		}
		m, err := b.s.Message(b.ctx, e.MessageID)
		if errors.Is(err, indexer.ErrNotFound) {
			continue // deleted since: nothing to alert about
		}
		if err != nil {
			return nil, fmt.Errorf("alerts: journal entry %d: %w", e.Seq, err)
		}
		it.m = &m
		it.live = e.Origin == indexer.OriginSync && e.New && e.At.Sub(e.Created) <= b.backfillAge
		c, ok := b.convs[m.ConversationID]
		if !ok {
			c, err = b.s.Conversation(b.ctx, m.ConversationID)
			if errors.Is(err, indexer.ErrNotFound) {
				c, err = model.Conversation{ID: m.ConversationID}, nil
			}
			if err != nil {
				return nil, fmt.Errorf("alerts: journal entry %d: %w", e.Seq, err)
			}
			b.convs[m.ConversationID] = c
		}
		it.conv = c
		if c.OwnerID == "" {
			continue
		}
		u, ok := b.users[c.OwnerID]
		if !ok {
			ur, err := b.s.User(b.ctx, c.OwnerID)
			switch {
			case errors.Is(err, indexer.ErrNotFound):
			case err != nil:
				return nil, fmt.Errorf("alerts: journal entry %d: %w", e.Seq, err)
			default:
				u = &ur
			}
			b.users[c.OwnerID] = u
		}
		it.user = u
	}
	return items, nil
}

// matchQueries runs one search per query rule over the batch's messages
// that the rule's other filters let through.
func (b *batch) matchQueries(rules []*rule, items []item) error {
	for _, r := range rules {
		if r.Query == "" {
			continue
		}
		r.hits = map[string]bool{}
		var ids []string
		seen := map[string]bool{}
		for i := range items {
			if it := &items[i]; r.findings(it) != nil && !seen[it.m.ID] {
				seen[it.m.ID] = true
				ids = append(ids, it.m.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		hits, err := b.s.MatchingMessages(b.ctx, indexer.SearchRequest{Query: r.Query}, ids)
		if errors.Is(err, indexer.ErrBadQuery) {
			// Validated when saved; if the index now refuses it (a pattern
			// grew past the expansion limit), the rule matches nothing
			// rather than stopping every other rule.
			b.log.Warn("alert rule query refused", "rule", r.ID, "err", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("alerts: rule %s query: %w", r.ID, err)
		}
		for _, id := range hits {
			r.hits[id] = true
		}
	}
	return nil
}

func (b *batch) state(key string) (*groupState, error) {
	if st, ok := b.states[key]; ok {
		return st, nil
	}
	st := &groupState{}
	v, err := b.s.Meta(key)
	switch {
	case errors.Is(err, indexer.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("alerts: read state: %w", err)
	default:
		if err := json.Unmarshal(v, st); err != nil {
			return nil, fmt.Errorf("alerts: state %q: %w", key, err)
		}
	}
	b.states[key] = st
	b.sizes[key] = st.size()
	return st, nil
}

func (b *batch) touched(key string, st *groupState) {
	b.dirty[key] = true
	n := st.size()
	b.bytes += n - b.sizes[key]
	b.sizes[key] = n
}

func (b *batch) full() bool {
	return len(b.dirty)+len(b.alerts) >= maxWrites || b.bytes+alertSize*len(b.alerts) >= maxBytes
}

// evaluate applies rule r to entry it.
func (b *batch) evaluate(r *rule, it *item) error {
	fs := r.findings(it)
	if fs == nil || (r.hits != nil && !r.hits[it.m.ID]) {
		return nil
	}
	group := r.group(it)
	key := stateKey(r.ID, group)
	st, err := b.state(key)
	if err != nil {
		return err
	}
	defer b.touched(key, st)
	at, created := it.e.At.UnixNano(), it.e.Created.UnixNano()
	if st.QuietFrom != 0 {
		if at < st.QuietFrom+r.quiet {
			if p := b.open[key]; p != nil {
				p.sum.add(it.m.ID, created, fs) // the same burst as the alert
				return nil
			}
			st.Suppressed++
			st.Folded.add(it.m.ID, created, fs)
			return nil
		}
		st.QuietFrom = 0
		delete(b.open, key)
	}
	var own summary
	if r.Threshold == 0 {
		own.add(it.m.ID, created, fs)
	} else {
		st.addWindow(it.m.ID, created, fs)
		var crossed bool
		if own, crossed = st.cross(r.Threshold, r.window); !crossed {
			return nil
		}
	}
	b.fire(r, it, group, key, st, own)
	return nil
}

// fire records an alert for r and group, taking in what the group's
// quiet period suppressed, and starts a new quiet period.
func (b *batch) fire(r *rule, it *item, group, key string, st *groupState, own summary) {
	seq := b.next
	b.next++
	own.merge(st.Folded)
	p := &pending{sum: own, a: model.Alert{ID: fmt.Sprintf("a%d", seq), Seq: seq, RuleID: r.ID, RuleName: r.Name,
		GroupBy: r.groupBy, Group: group, FiredAt: b.now, Suppressed: st.Suppressed, User: it.owner(),
		Destinations: r.Destinations, Origin: it.e.Origin}}
	st.Folded, st.Suppressed = summary{}, 0
	st.QuietFrom = it.e.At.UnixNano()
	b.open[key] = p
	b.alerts = append(b.alerts, p)
}

// writes is the batch's UpdateMeta: alerts, changed states, the next
// alert sequence and the cursor.
func (b *batch) writes(cursor uint64) (map[string][]byte, error) {
	sets := make(map[string][]byte, len(b.alerts)+len(b.dirty)+2)
	for _, p := range b.alerts {
		p.sum.fill(&p.a)
		raw, err := json.Marshal(p.a)
		if err != nil {
			return nil, fmt.Errorf("alerts: encode alert %d: %w", p.a.Seq, err)
		}
		sets[firedKey(p.a.Seq)] = raw
	}
	for key := range b.dirty {
		st := b.states[key]
		if st.empty() {
			sets[key] = nil
			continue
		}
		raw, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("alerts: encode state: %w", err)
		}
		sets[key] = raw
	}
	sets[keyNext] = formatUint(b.next)
	sets[keyCursor] = formatUint(cursor)
	return sets, nil
}

// step evaluates the next batch of journal entries and persists the
// result in one UpdateMeta. It returns how many entries it finished and
// whether it is waiting for the search index to catch up.
func (ev *Evaluator) step(ctx context.Context) (n, fired int, waiting bool, err error) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	s := ev.opts.Store
	cursor, err := Cursor(s)
	if err != nil {
		return 0, 0, false, err
	}
	next, err := readUint(s, keyNext)
	if err != nil {
		return 0, 0, false, err
	}
	entries, err := s.Journal(ctx, cursor, batchSize)
	if err != nil || len(entries) == 0 {
		return 0, 0, false, err
	}
	all, err := loadRules(ctx, s)
	if err != nil {
		return 0, 0, false, err
	}
	var rules []*rule
	query := false
	for _, r := range all {
		if r.Enabled {
			rules = append(rules, compile(r))
			query = query || r.Query != ""
		}
	}
	if query {
		// Query rules see a message once it is searchable.
		indexed := s.JournalIndexed()
		k := 0
		for k < len(entries) && entries[k].Seq <= indexed {
			k++
		}
		if k == 0 {
			return 0, 0, true, nil
		}
		entries = entries[:k]
	}
	b := &batch{ctx: ctx, s: s, log: ev.log, backfillAge: ev.opts.BackfillAge, now: ev.opts.Now().UTC(),
		next: max(next, 1), convs: map[string]model.Conversation{}, users: map[string]*model.User{},
		states: map[string]*groupState{}, sizes: map[string]int{}, dirty: map[string]bool{}, open: map[string]*pending{}}
	var items []item
	if len(rules) > 0 {
		if items, err = b.load(entries); err != nil {
			return 0, 0, false, err
		}
		if err := b.matchQueries(rules, items); err != nil {
			return 0, 0, false, err
		}
	}
	last := entries[len(entries)-1].Seq
	for i := range items {
		it := &items[i]
		for _, r := range rules {
			if err := b.evaluate(r, it); err != nil {
				return 0, 0, false, err
			}
		}
		if b.full() {
			last = it.e.Seq
			break
		}
	}
	sets, err := b.writes(last)
	if err != nil {
		return 0, 0, false, err
	}
	if err := s.UpdateMeta(sets); err != nil {
		return 0, 0, false, fmt.Errorf("alerts: persist batch through %d: %w", last, err)
	}
	for _, e := range entries {
		if e.Seq <= last {
			n++
		}
	}
	if len(b.alerts) > 0 {
		ev.fired()
	}
	return n, len(b.alerts), false, nil
}
