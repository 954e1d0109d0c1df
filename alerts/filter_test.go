package alerts

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

func TestFilters(t *testing.T) {
	aws := "key [[aws_access_key:critical]] here"
	mail := "write to [[email:medium]] please"
	tests := []struct {
		name      string
		rule      model.AlertRule
		conv      string
		text      string
		msgModel  string
		want      int
		wantGroup string
		wantUser  string
	}{
		{"empty filter matches any finding", model.AlertRule{}, "c1", mail, "", 1, "u1", "u1"},
		{"no findings, no alert", model.AlertRule{}, "c1", "nothing here", "", 0, "", ""},
		{"type matches", model.AlertRule{FindingTypes: []string{"aws_access_key"}}, "c1", aws, "", 1, "u1", "u1"},
		{"type does not match", model.AlertRule{FindingTypes: []string{"aws_access_key"}}, "c1", mail, "", 0, "", ""},
		{"severity at minimum", model.AlertRule{MinSeverity: model.SeverityMedium}, "c1", mail, "", 1, "u1", "u1"},
		{"severity below minimum", model.AlertRule{MinSeverity: model.SeverityHigh}, "c1", mail, "", 0, "", ""},
		{"user by id", model.AlertRule{Users: []string{"u1"}}, "c1", mail, "", 1, "u1", "u1"},
		{"other user", model.AlertRule{Users: []string{"u2"}}, "c1", mail, "", 0, "", ""},
		{"user by email, any case", model.AlertRule{Users: []string{"ada@EXAMPLE.com"}}, "c1", mail, "", 1, "u1", "u1"},
		{"user by alias", model.AlertRule{Users: []string{"acct-1"}}, "c1", mail, "", 1, "u1", "u1"},
		{"conversation filed under alias, rule names id", model.AlertRule{Users: []string{"u1"}}, "c3", mail, "", 1, "u1", "u1"},
		{"owner without record, by bare id", model.AlertRule{Users: []string{"ghost"}}, "c5", mail, "", 1, "ghost", "ghost"},
		{"no owner never matches a user filter", model.AlertRule{Users: []string{"u1"}}, "c4", mail, "", 0, "", ""},
		{"no owner groups by conversation", model.AlertRule{}, "c4", mail, "", 1, "c4", ""},
		{"conversation model", model.AlertRule{Models: []string{"claude-sonnet"}}, "c1", mail, "", 1, "u1", "u1"},
		{"message model", model.AlertRule{Models: []string{"claude-haiku"}}, "c2", mail, "claude-haiku", 1, "u2", "u2"},
		{"model does not match", model.AlertRule{Models: []string{"claude-opus"}}, "c1", mail, "", 0, "", ""},
		{"chat without product is claude.ai", model.AlertRule{Products: []string{"claude.ai"}}, "c1", mail, "", 1, "u1", "u1"},
		{"facet value", model.AlertRule{Products: []string{model.ProductClaudeCode}}, "c2", mail, "", 1, "u2", "u2"},
		{"product does not match", model.AlertRule{Products: []string{"claude-code"}}, "c1", mail, "", 0, "", ""},
		{"query matches", model.AlertRule{Query: "budget"}, "c1", "the budget " + aws, "", 1, "u1", "u1"},
		{"query does not match", model.AlertRule{Query: "budget"}, "c1", "the plan " + aws, "", 0, "", ""},
		{"query field syntax", model.AlertRule{Query: "+plan -budget"}, "c1", "the plan " + aws, "", 1, "u1", "u1"},
		{"group by conversation", model.AlertRule{GroupBy: model.AlertGroupConversation}, "c3", mail, "", 1, "c3", "u1"},
		{"group by message", model.AlertRule{GroupBy: model.AlertGroupMessage}, "c1", mail, "", 1, "c1-m1", "u1"},
		{"one of 1000 users", model.AlertRule{Users: append(thousand()[:999], "bob@example.com")}, "c2", mail, "", 1, "u2", "u2"},
		{"none of 1000 users", model.AlertRule{Users: thousand()}, "c2", mail, "", 0, "", ""},
		{"all filters", model.AlertRule{FindingTypes: []string{"aws_access_key"}, MinSeverity: model.SeverityCritical,
			Users: []string{"bob@example.com"}, Models: []string{"claude-haiku"}, Products: []string{"claude_code"}, Query: "deploy"},
			"c2", "deploy with " + aws, "claude-haiku", 1, "u2", "u2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			r := e.rule(tc.rule)
			m := e.msg(tc.conv, t0.Add(time.Minute), tc.text)
			m.Model = tc.msgModel
			e.live(t0.Add(2*time.Minute), m)
			got := e.fired()
			if len(got) != tc.want {
				t.Fatalf("%d alerts %+v, want %d", len(got), got, tc.want)
			}
			if tc.want == 0 {
				return
			}
			a := got[0]
			if a.RuleID != r.ID || a.RuleName != r.Name || a.Group != tc.wantGroup || a.User != tc.wantUser ||
				a.Findings != 1 || len(a.Messages) != 1 || a.Messages[0] != m.ID || a.Origin != indexer.OriginSync ||
				a.ID != "a1" || a.Seq != 1 || !a.FiredAt.Equal(e.now) || !a.FirstSeen.Equal(m.CreatedAt) || !a.LastSeen.Equal(m.CreatedAt) {
				t.Errorf("alert %+v", a)
			}
		})
	}
}

func TestDisabledRuleIsSkipped(t *testing.T) {
	e := newEnv(t)
	r := e.rule(model.AlertRule{})
	r.Enabled = false
	if _, err := e.ev.PutRule(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	e.live(t0.Add(time.Minute), e.msg("c1", t0, "[[email:medium]]"))
	if got := e.fired(); len(got) != 0 {
		t.Fatalf("disabled rule fired %+v", got)
	}
	r.Enabled = true
	if _, err := e.ev.PutRule(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	e.live(t0.Add(2*time.Minute), e.msg("c1", t0.Add(time.Minute), "[[email:medium]]"))
	if got := e.fired(); len(got) != 1 {
		t.Fatalf("re-enabled rule: %d alerts, want 1 (for the new entry only)", len(got))
	}
}

func TestDestinationsAndFields(t *testing.T) {
	e := newEnv(t)
	r := e.rule(model.AlertRule{Name: "keys", Destinations: []string{"d1", "d2"}})
	m := e.msg("c1", t0, "[[aws_access_key:critical]] [[email:medium]] [[email:medium]]")
	e.live(t0.Add(time.Minute), m)
	got := e.fired()
	if len(got) != 1 {
		t.Fatalf("%d alerts", len(got))
	}
	a := got[0]
	if strings.Join(a.Destinations, ",") != "d1,d2" || a.MaxSeverity != model.SeverityCritical ||
		a.ByType["email"] != 2 || a.ByType["aws_access_key"] != 1 || a.Findings != 3 || a.GroupBy != model.AlertGroupUser || a.RuleID != r.ID {
		t.Errorf("alert %+v", a)
	}
}

func thousand() []string {
	out := make([]string, 1000)
	for i := range out {
		out[i] = "user" + itoa(i) + "@example.com"
	}
	return out
}
