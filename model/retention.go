package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxRetentionDays bounds a retention period (100 years), so that every
// cutoff a policy produces stays inside the store's supported time window.
const MaxRetentionDays = 36500

// RetentionPolicy says how long messages are kept. DefaultDays applies to a
// message no rule matches; a rule that matches replaces it, longer or
// shorter ("keep flagged messages 7 years, the rest 1 year"). When several
// rules match one message the longest period wins, so no rule ever has a
// message deleted earlier than another rule asks to keep it (the principle
// Microsoft Purview applies: retention wins over deletion). 0 days means
// forever. Legal holds (Hold) beat every period.
type RetentionPolicy struct {
	DefaultDays int             `json:"default_days"`
	Rules       []RetentionRule `json:"rules,omitempty"`
	// ActivityDays is how long Activity Feed events are kept; 0 is forever.
	ActivityDays int       `json:"activity_days"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
	UpdatedBy    string    `json:"updated_by,omitempty"`
}

// RetentionRule matches a message when every criterion it sets matches:
//   - Flagged: the message has at least one finding;
//   - Types: it has a finding of one of these types (with MinSeverity, one
//     of these types at that severity or above);
//   - MinSeverity alone: it has a finding at that severity or above;
//   - Users (a user group): its conversation's owner is one of these users,
//     named by id or email.
//
// A rule must set at least one criterion: one that sets none is the default.
type RetentionRule struct {
	Name        string   `json:"name"`
	Flagged     bool     `json:"flagged,omitempty"`
	Types       []string `json:"types,omitempty"`
	MinSeverity Severity `json:"min_severity,omitempty"`
	Users       []string `json:"users,omitempty"`
	Days        int      `json:"days"`
}

// RetentionFacts is what a policy needs to know about a message.
type RetentionFacts struct {
	CreatedAt time.Time
	Findings  []Finding
	// The conversation owner's id and email, when rules name users.
	UserID    string
	UserEmail string
}

// NoRule is the rule index PeriodFor returns when the default applies.
const NoRule = -1

// Forever reports whether the policy never deletes anything.
func (p RetentionPolicy) Forever() bool {
	if p.DefaultDays != 0 {
		return false
	}
	for _, r := range p.Rules {
		if r.Days != 0 {
			return false
		}
	}
	return true
}

// NeedsUsers reports whether any rule matches on the conversation owner.
func (p RetentionPolicy) NeedsUsers() bool {
	return slices.ContainsFunc(p.Rules, func(r RetentionRule) bool { return len(r.Users) > 0 })
}

// PeriodFor returns the retention period of a message in days (0: forever)
// and the index of the rule that set it (NoRule for the default).
func (p RetentionPolicy) PeriodFor(f RetentionFacts) (days, rule int) {
	days, rule = p.DefaultDays, NoRule
	for i, r := range p.Rules {
		if !r.Matches(f) {
			continue
		}
		if rule == NoRule || longer(r.Days, days) {
			days, rule = r.Days, i
		}
	}
	return days, rule
}

// longer reports whether period a keeps longer than b (0 is forever).
func longer(a, b int) bool {
	switch {
	case a == b:
		return false
	case a == 0:
		return true
	case b == 0:
		return false
	}
	return a > b
}

// ExpiresAt is when a message with these facts expires; zero when never.
func (p RetentionPolicy) ExpiresAt(f RetentionFacts) time.Time {
	days, _ := p.PeriodFor(f)
	if days == 0 {
		return time.Time{}
	}
	return f.CreatedAt.AddDate(0, 0, days)
}

// Expired reports whether a message with these facts is past its period at now.
func (p RetentionPolicy) Expired(f RetentionFacts, now time.Time) bool {
	at := p.ExpiresAt(f)
	return !at.IsZero() && !at.After(now)
}

// Matches reports whether the rule applies to a message.
func (r RetentionRule) Matches(f RetentionFacts) bool {
	if len(r.Users) > 0 && !slices.ContainsFunc(r.Users, func(u string) bool {
		return u == f.UserID || (f.UserEmail != "" && strings.EqualFold(u, f.UserEmail))
	}) {
		return false
	}
	if r.Flagged && len(f.Findings) == 0 {
		return false
	}
	if len(r.Types) > 0 || r.MinSeverity != "" {
		if !slices.ContainsFunc(f.Findings, func(x Finding) bool {
			return (len(r.Types) == 0 || slices.Contains(r.Types, x.Type)) &&
				x.Severity.Rank() >= r.MinSeverity.Rank()
		}) {
			return false
		}
	}
	return true
}

// Validate names the first thing wrong with the policy.
func (p RetentionPolicy) Validate() error {
	if err := validDays("default_days", p.DefaultDays); err != nil {
		return err
	}
	if err := validDays("activity_days", p.ActivityDays); err != nil {
		return err
	}
	if len(p.Rules) > 100 {
		return fmt.Errorf("rules: %d rules, at most 100", len(p.Rules))
	}
	names := map[string]bool{}
	for i, r := range p.Rules {
		where := fmt.Sprintf("rules[%d]", i)
		if strings.TrimSpace(r.Name) == "" {
			return fmt.Errorf("%s.name: required", where)
		}
		if len(r.Name) > 200 {
			return fmt.Errorf("%s.name: %d bytes, at most 200", where, len(r.Name))
		}
		if names[r.Name] {
			return fmt.Errorf("%s.name: %q is used by another rule", where, r.Name)
		}
		names[r.Name] = true
		if err := validDays(where+".days", r.Days); err != nil {
			return err
		}
		if !r.Flagged && len(r.Types) == 0 && r.MinSeverity == "" && len(r.Users) == 0 {
			return fmt.Errorf("%s: sets no criterion (flagged, types, min_severity or users); that is the default", where)
		}
		if r.MinSeverity != "" && r.MinSeverity.Rank() == 0 {
			return fmt.Errorf("%s.min_severity: %q is not one of low, medium, high, critical", where, r.MinSeverity)
		}
		if len(r.Types) > 200 || len(r.Users) > 10000 {
			return fmt.Errorf("%s: at most 200 types and 10,000 users", where)
		}
		for j, t := range r.Types {
			if strings.TrimSpace(t) == "" || len(t) > 100 {
				return fmt.Errorf("%s.types[%d]: %q is not a finding type", where, j, t)
			}
		}
		for j, u := range r.Users {
			if strings.TrimSpace(u) == "" || len(u) > 320 {
				return fmt.Errorf("%s.users[%d]: %q is not a user id or email", where, j, u)
			}
		}
	}
	return nil
}

func validDays(field string, d int) error {
	if d < 0 || d > MaxRetentionDays {
		return fmt.Errorf("%s: %d days; give 0 (forever) or 1 to %d", field, d, MaxRetentionDays)
	}
	return nil
}
