package alerts

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Bounds on a rule, so that a rule cannot make evaluation expensive or
// its state large.
const (
	maxName      = 200
	maxList      = 1000 // entries of each filter list
	maxItem      = 320  // characters of one list entry (an email is at most 254)
	maxQuery     = 1000
	maxThreshold = 100000
	maxMinutes   = 7 * 24 * 60
	maxRules     = 1000
	idLen        = 16
)

func ruleKey(id string) string { return keyRule + id }

// validID reports whether id can be a rule id (16 lower-case hex digits):
// anything else is not looked up, so forged ids cannot reach other keys.
func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func newID() string {
	var b [idLen / 2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return hex.EncodeToString(b[:])
}

// Rules lists the rules, by name.
func (ev *Evaluator) Rules(ctx context.Context) ([]model.AlertRule, error) {
	rules, err := loadRules(ctx, ev.opts.Store)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rules, func(a, b model.AlertRule) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return rules, nil
}

// loadRules reads every rule, in id order.
func loadRules(ctx context.Context, s Store) ([]model.AlertRule, error) {
	var out []model.AlertRule
	err := s.ScanMetaFrom(keyRule, "", false, func(key string, v []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var r model.AlertRule
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("rule %s: %w", key, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("alerts: load rules: %w", err)
	}
	return out, nil
}

// Rule returns one rule or ErrNotFound.
func (ev *Evaluator) Rule(ctx context.Context, id string) (model.AlertRule, error) {
	return getRule(ev.opts.Store, id)
}

func getRule(s Store, id string) (model.AlertRule, error) {
	var r model.AlertRule
	if !validID(id) {
		return r, fmt.Errorf("alert rule %q: %w", id, ErrNotFound)
	}
	v, err := s.Meta(ruleKey(id))
	if errors.Is(err, indexer.ErrNotFound) {
		return r, fmt.Errorf("alert rule %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("alert rule %q: %w", id, err)
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("alert rule %q: %w", id, err)
	}
	return r, nil
}

// PutRule validates and stores a rule: a new one when r.ID is empty
// (an id is assigned, CreatedAt set), otherwise a replacement of an
// existing one (ErrNotFound if there is none). The change applies from
// the evaluator's next batch; a replacement keeps the rule's window and
// quiet-period state unless its GroupBy changed.
func (ev *Evaluator) PutRule(ctx context.Context, r model.AlertRule) (model.AlertRule, error) {
	if r.ID != "" && !validID(r.ID) {
		return r, fmt.Errorf("alert rule %q: %w", r.ID, ErrNotFound)
	}
	normalize(&r)
	if err := validate(r); err != nil {
		return r, err
	}
	if err := ev.checkQuery(ctx, r.Query); err != nil {
		return r, err
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	s := ev.opts.Store
	now := ev.opts.Now().UTC()
	sets := map[string][]byte{}
	if r.ID == "" {
		n := 0
		if err := s.ScanMetaFrom(keyRule, "", false, func(string, []byte) error { n++; return nil }); err != nil {
			return r, fmt.Errorf("alerts: count rules: %w", err)
		}
		if n >= maxRules {
			return r, fmt.Errorf("%w: at most %d rules", ErrInvalid, maxRules)
		}
		r.ID, r.CreatedAt = newID(), now
	} else {
		old, err := getRule(s, r.ID)
		if err != nil {
			return r, err
		}
		r.CreatedAt, r.CreatedBy = old.CreatedAt, cmp.Or(old.CreatedBy, r.CreatedBy)
		if groupOf(old) != groupOf(r) {
			// The groups are different things now: their windows and quiet
			// periods mean nothing for the new grouping.
			if err := ev.dropState(r.ID, sets); err != nil {
				return r, err
			}
		}
	}
	r.UpdatedAt = now
	raw, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("alert rule %q: %w", r.ID, err)
	}
	sets[ruleKey(r.ID)] = raw
	if err := s.UpdateMeta(sets); err != nil {
		return r, fmt.Errorf("alerts: store rule %q: %w", r.ID, err)
	}
	return r, nil
}

// DeleteRule removes a rule and its state; alerts it fired stay.
func (ev *Evaluator) DeleteRule(ctx context.Context, id string) error {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	s := ev.opts.Store
	if _, err := getRule(s, id); err != nil {
		return err
	}
	sets := map[string][]byte{ruleKey(id): nil}
	if err := ev.dropState(id, sets); err != nil {
		return err
	}
	if err := s.UpdateMeta(sets); err != nil {
		return fmt.Errorf("alerts: delete rule %q: %w", id, err)
	}
	return nil
}

// maxStateDrop bounds the state keys deleted in one UpdateMeta.
const maxStateDrop = 2000

// dropState adds deletions of rule id's state keys to sets. Past
// maxStateDrop keys it deletes them in transactions of their own first:
// what a crash leaves is removed by sweepState.
func (ev *Evaluator) dropState(id string, sets map[string][]byte) error {
	s := ev.opts.Store
	var keys []string
	err := s.ScanMetaFrom(keyState+id+"\x00", "", false, func(key string, _ []byte) error {
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("alerts: rule %q state: %w", id, err)
	}
	for len(keys) > maxStateDrop {
		chunk := map[string][]byte{}
		for _, k := range keys[:maxStateDrop] {
			chunk[k] = nil
		}
		if err := s.UpdateMeta(chunk); err != nil {
			return fmt.Errorf("alerts: drop rule %q state: %w", id, err)
		}
		keys = keys[maxStateDrop:]
	}
	for _, k := range keys {
		sets[k] = nil
	}
	return nil
}

// sweepState deletes state left by rules that no longer exist.
func (ev *Evaluator) sweepState(ctx context.Context) error {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	s := ev.opts.Store
	rules, err := loadRules(ctx, s)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, r := range rules {
		known[r.ID] = true
	}
	sets := map[string][]byte{}
	err = s.ScanMetaFrom(keyState, "", false, func(key string, _ []byte) error {
		id, _, _ := strings.Cut(strings.TrimPrefix(key, keyState), "\x00")
		if !known[id] {
			sets[key] = nil
		}
		if len(sets) >= maxStateDrop {
			return indexer.ErrStopScan
		}
		return nil
	})
	if err == nil && len(sets) > 0 {
		err = s.UpdateMeta(sets)
	}
	if err != nil {
		return fmt.Errorf("alerts: sweep state: %w", err)
	}
	return nil
}

func groupOf(r model.AlertRule) string { return cmp.Or(r.GroupBy, model.AlertGroupUser) }

// normalize trims names and list entries and drops empty and repeated ones.
func normalize(r *model.AlertRule) {
	r.Name = strings.TrimSpace(r.Name)
	r.Query = strings.TrimSpace(r.Query)
	r.GroupBy = strings.TrimSpace(r.GroupBy)
	r.MinSeverity = model.Severity(strings.ToLower(strings.TrimSpace(string(r.MinSeverity))))
	for _, l := range []*[]string{&r.FindingTypes, &r.Users, &r.Models, &r.Products, &r.Destinations} {
		if len(*l) > maxList {
			continue // validate names the field
		}
		var out []string
		seen := map[string]bool{}
		for _, v := range *l {
			v = strings.TrimSpace(v)
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		*l = out
	}
}

// validate names the first field of r that is wrong.
func validate(r model.AlertRule) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
	}
	switch {
	case r.Name == "":
		return bad("name", "required")
	case utf8.RuneCountInString(r.Name) > maxName:
		return bad("name", "longer than %d characters", maxName)
	case r.MinSeverity != "" && r.MinSeverity.Rank() == 0:
		return bad("min_severity", "unknown severity %q (want low, medium, high or critical)", trunc(string(r.MinSeverity)))
	case r.Threshold < 0 || r.Threshold > maxThreshold:
		return bad("threshold", "must be 0 to %d", maxThreshold)
	case r.WindowMinutes < 0 || r.WindowMinutes > maxMinutes:
		return bad("window_minutes", "must be 0 to %d", maxMinutes)
	case r.Threshold > 0 && r.WindowMinutes == 0:
		return bad("window_minutes", "required with a threshold")
	case r.QuietMinutes < 0 || r.QuietMinutes > maxMinutes:
		return bad("quiet_minutes", "must be 0 to %d", maxMinutes)
	case r.GroupBy != "" && r.GroupBy != model.AlertGroupUser && r.GroupBy != model.AlertGroupConversation && r.GroupBy != model.AlertGroupMessage:
		return bad("group_by", "unknown %q (want user, conversation or message)", trunc(r.GroupBy))
	case len(r.Query) > maxQuery:
		return bad("query", "longer than %d characters", maxQuery)
	case utf8.RuneCountInString(r.CreatedBy) > maxName:
		return bad("created_by", "longer than %d characters", maxName)
	}
	for _, l := range []struct {
		field string
		list  []string
	}{{"finding_types", r.FindingTypes}, {"users", r.Users}, {"models", r.Models}, {"products", r.Products}, {"destinations", r.Destinations}} {
		if len(l.list) > maxList {
			return bad(l.field, "more than %d entries", maxList)
		}
		for _, v := range l.list {
			if len(v) > maxItem {
				return bad(l.field, "entry longer than %d characters", maxItem)
			}
		}
	}
	return nil
}

// checkQuery runs the query once, for one hit, so that a rule with a query
// the search cannot parse (or that expands to too many terms) is refused
// when it is saved rather than failing every batch.
func (ev *Evaluator) checkQuery(ctx context.Context, q string) error {
	if q == "" {
		return nil
	}
	_, err := ev.opts.Store.Search(ctx, indexer.SearchRequest{Query: q, Size: 1, NoFacets: true, Sort: indexer.SortNewest})
	if errors.Is(err, indexer.ErrBadQuery) || errors.Is(err, indexer.ErrBadRequest) {
		return fmt.Errorf("%w: query: %v", ErrInvalid, err)
	}
	if err != nil {
		return fmt.Errorf("alerts: check query: %w", err)
	}
	return nil
}

// trunc shortens a rejected value quoted in an error.
func trunc(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
