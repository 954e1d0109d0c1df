package model

import (
	"strings"
	"testing"
	"time"
)

func TestPeriodFor(t *testing.T) {
	key := Finding{Type: "aws_access_key", Severity: SeverityCritical}
	mail := Finding{Type: "email", Severity: SeverityMedium}
	p := RetentionPolicy{DefaultDays: 365, Rules: []RetentionRule{
		{Name: "flagged", Flagged: true, Days: 2555},
		{Name: "cards", Types: []string{"credit_card"}, Days: 30},
		{Name: "legal", Users: []string{"user_legal", "Counsel@Example.com"}, Days: 0},
		{Name: "severe", MinSeverity: SeverityHigh, Days: 3650},
		{Name: "contractor keys", Users: []string{"user_c"}, Types: []string{"aws_access_key"}, Days: 7},
	}}
	card := Finding{Type: "credit_card", Severity: SeverityCritical}
	for _, tc := range []struct {
		name     string
		f        RetentionFacts
		days     int
		ruleName string
	}{
		{"no rule matches: the default", RetentionFacts{}, 365, ""},
		{"a longer rule beats the default", RetentionFacts{Findings: []Finding{mail}}, 2555, "flagged"},
		{"the longest matching rule wins", RetentionFacts{Findings: []Finding{key}}, 3650, "severe"},
		{"forever beats every period", RetentionFacts{UserID: "user_legal", Findings: []Finding{key}}, 0, "legal"},
		{"users match by email, any case", RetentionFacts{UserID: "u9", UserEmail: "counsel@example.com"}, 0, "legal"},
		{"a card is flagged and critical too: longest wins", RetentionFacts{Findings: []Finding{card}}, 3650, "severe"},
		{"every criterion of a rule must match", RetentionFacts{UserID: "user_c", Findings: []Finding{mail}}, 2555, "flagged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days, rule := p.PeriodFor(tc.f)
			name := ""
			if rule != NoRule {
				name = p.Rules[rule].Name
			}
			if days != tc.days || name != tc.ruleName {
				t.Fatalf("PeriodFor = %d days by %q, want %d by %q", days, name, tc.days, tc.ruleName)
			}
		})
	}
}

// A rule shorter than the default wins over it when it is the only match:
// "delete card numbers after 30 days" must not be overridden by "keep a year".
func TestShorterRuleBeatsDefault(t *testing.T) {
	p := RetentionPolicy{DefaultDays: 365, Rules: []RetentionRule{{Name: "cards", Types: []string{"credit_card"}, Days: 30}}}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := RetentionFacts{CreatedAt: created, Findings: []Finding{{Type: "credit_card", Severity: SeverityCritical}}}
	if days, _ := p.PeriodFor(f); days != 30 {
		t.Fatalf("period %d, want 30", days)
	}
	at := created.AddDate(0, 0, 30)
	if p.Expired(f, at.Add(-time.Nanosecond)) || !p.Expired(f, at) {
		t.Fatalf("a message expires exactly %d days after it was created (%s)", 30, at)
	}
	if (RetentionPolicy{}).Expired(f, created.AddDate(200, 0, 0)) {
		t.Fatal("the zero policy keeps everything forever")
	}
	if !(RetentionPolicy{}).Forever() || p.Forever() {
		t.Fatal("Forever is wrong")
	}
}

func TestRetentionPolicyValidate(t *testing.T) {
	ok := RetentionRule{Name: "r", Flagged: true, Days: 10}
	for _, tc := range []struct {
		p    RetentionPolicy
		want string // "" = valid
	}{
		{RetentionPolicy{}, ""},
		{RetentionPolicy{DefaultDays: 365, Rules: []RetentionRule{ok}}, ""},
		{RetentionPolicy{DefaultDays: -1}, "default_days"},
		{RetentionPolicy{DefaultDays: MaxRetentionDays + 1}, "default_days"},
		{RetentionPolicy{ActivityDays: -5}, "activity_days"},
		{RetentionPolicy{Rules: []RetentionRule{{Name: "", Flagged: true}}}, "rules[0].name"},
		{RetentionPolicy{Rules: []RetentionRule{ok, ok}}, "rules[1].name"},
		{RetentionPolicy{Rules: []RetentionRule{{Name: "x", Days: 3}}}, "sets no criterion"},
		{RetentionPolicy{Rules: []RetentionRule{{Name: "x", MinSeverity: "urgent"}}}, "rules[0].min_severity"},
		{RetentionPolicy{Rules: []RetentionRule{{Name: "x", Types: []string{" "}}}}, "rules[0].types[0]"},
		{RetentionPolicy{Rules: []RetentionRule{{Name: "x", Users: []string{""}}}}, "rules[0].users[0]"},
		{RetentionPolicy{Rules: []RetentionRule{{Name: "x", Flagged: true, Days: -2}}}, "rules[0].days"},
	} {
		err := tc.p.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.p, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want one naming %q", tc.p, err, tc.want)
		}
	}
}

func TestHoldValidate(t *testing.T) {
	base := Hold{Matter: "Doe v. Acme", Reason: "litigation", Custodians: []string{"a@example.com"}}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*Hold)
		want string
	}{
		{func(h *Hold) { h.Matter = " " }, "matter"},
		{func(h *Hold) { h.Reason = "" }, "reason"},
		{func(h *Hold) { h.Custodians = nil }, "names custodians"},
		{func(h *Hold) { h.Custodians = []string{""} }, "custodians[0]"},
		{func(h *Hold) { h.Conversations = []string{strings.Repeat("c", 201)} }, "conversations[0]"},
		{func(h *Hold) { h.Custodians = nil; h.Query = &HoldQuery{} }, "matches every message"},
		{func(h *Hold) { h.Query = &HoldQuery{Text: strings.Repeat("q", 5000)} }, "query.text"},
	} {
		h := base
		tc.edit(&h)
		if err := h.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %q", err, tc.want)
		}
	}
}
