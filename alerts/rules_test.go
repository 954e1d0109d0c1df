package alerts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

func TestValidation(t *testing.T) {
	e := newEnv(t)
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("user%d@example.com", i)
		}
		return out
	}
	tests := []struct {
		name  string
		r     model.AlertRule
		field string // "" means valid
	}{
		{"minimal", model.AlertRule{Name: "x"}, ""},
		{"name required", model.AlertRule{Name: "  "}, "name"},
		{"name too long", model.AlertRule{Name: strings.Repeat("n", 201)}, "name"},
		{"name of 200 runes", model.AlertRule{Name: strings.Repeat("é", 200)}, ""},
		{"known severity", model.AlertRule{Name: "x", MinSeverity: "High"}, ""},
		{"unknown severity", model.AlertRule{Name: "x", MinSeverity: "urgent"}, "min_severity"},
		{"negative threshold", model.AlertRule{Name: "x", Threshold: -1}, "threshold"},
		{"huge threshold", model.AlertRule{Name: "x", Threshold: 100001, WindowMinutes: 5}, "threshold"},
		{"threshold needs a window", model.AlertRule{Name: "x", Threshold: 3}, "window_minutes"},
		{"window too long", model.AlertRule{Name: "x", Threshold: 3, WindowMinutes: 10081}, "window_minutes"},
		{"week-long window", model.AlertRule{Name: "x", Threshold: 100000, WindowMinutes: 10080}, ""},
		{"negative quiet", model.AlertRule{Name: "x", QuietMinutes: -1}, "quiet_minutes"},
		{"quiet too long", model.AlertRule{Name: "x", QuietMinutes: 10081}, "quiet_minutes"},
		{"group by", model.AlertRule{Name: "x", GroupBy: model.AlertGroupMessage}, ""},
		{"unknown group by", model.AlertRule{Name: "x", GroupBy: "team"}, "group_by"},
		{"1000 users", model.AlertRule{Name: "x", Users: many(1000)}, ""},
		{"1001 users", model.AlertRule{Name: "x", Users: many(1001)}, "users"},
		{"1001 types", model.AlertRule{Name: "x", FindingTypes: many(1001)}, "finding_types"},
		{"1001 models", model.AlertRule{Name: "x", Models: many(1001)}, "models"},
		{"1001 products", model.AlertRule{Name: "x", Products: many(1001)}, "products"},
		{"1001 destinations", model.AlertRule{Name: "x", Destinations: many(1001)}, "destinations"},
		{"huge list entry", model.AlertRule{Name: "x", Users: []string{strings.Repeat("u", 5000)}}, "users"},
		{"query", model.AlertRule{Name: "x", Query: `budget AND "quarterly plan"`}, ""},
		{"huge query", model.AlertRule{Name: "x", Query: strings.Repeat("budget ", 200)}, "query"},
		{"query that does not parse", model.AlertRule{Name: "x", Query: `"unclosed`}, "query"},
		{"query with a bad regexp", model.AlertRule{Name: "x", Query: `/[a-/`}, "query"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := e.ev.PutRule(context.Background(), tc.r)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !validID(r.ID) || r.CreatedAt.IsZero() {
					t.Errorf("stored rule %+v", r)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v, want ErrInvalid naming %s", err, tc.field)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error echoes the input: %d bytes", len(err.Error()))
			}
		})
	}
}

func TestRuleCRUD(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.rule(model.AlertRule{Name: "beta", CreatedBy: "admin", Users: []string{" u1 ", "u1", ""}})
	a := e.rule(model.AlertRule{Name: "Alpha"})
	if strings.Join(b.Users, ",") != "u1" {
		t.Errorf("users not normalised: %q", b.Users)
	}
	rules, err := e.ev.Rules(ctx)
	if err != nil || len(rules) != 2 || rules[0].ID != a.ID || rules[1].ID != b.ID {
		t.Fatalf("rules by name: %+v, %v", rules, err)
	}
	e.now = e.now.Add(time.Hour)
	b.Name, b.CreatedBy, b.CreatedAt = "gamma", "mallory", time.Time{}
	got, err := e.ev.PutRule(ctx, b)
	if err != nil || got.CreatedBy != "admin" || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(e.now.UTC()) {
		t.Fatalf("replace: %+v, %v", got, err)
	}
	if r, err := e.ev.Rule(ctx, b.ID); err != nil || r.Name != "gamma" {
		t.Fatalf("get: %+v, %v", r, err)
	}
	if err := e.ev.DeleteRule(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ev.Rule(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted rule: %v", err)
	}
}

func TestForgedIDs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	real := e.rule(model.AlertRule{Name: "x"})
	for _, id := range []string{"0123456789abcdef", "../rule/" + real.ID, real.ID + "\x00x", strings.ToUpper(real.ID),
		real.ID[:15], real.ID + "0", strings.Repeat("a", 10000), "alerts/cursor", "\x00"} {
		if _, err := e.ev.Rule(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Rule(%.20q) = %v", id, err)
		}
		if _, err := e.ev.PutRule(ctx, model.AlertRule{ID: id, Name: "y"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("PutRule(%.20q) = %v", id, err)
		}
		if err := e.ev.DeleteRule(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteRule(%.20q) = %v", id, err)
		}
	}
	if rules, _ := e.ev.Rules(ctx); len(rules) != 1 {
		t.Errorf("forged ids created rules: %+v", rules)
	}
}

func TestConcurrentPutRule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	shared := e.rule(model.AlertRule{Name: "shared"})
	var wg sync.WaitGroup
	ids := make([]string, 40)
	for i := range 40 {
		wg.Go(func() {
			r, err := e.ev.PutRule(ctx, model.AlertRule{Name: fmt.Sprintf("r%02d", i), Enabled: true})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = r.ID
			s := shared
			s.Name = fmt.Sprintf("shared %d", i)
			if _, err := e.ev.PutRule(ctx, s); err != nil {
				t.Error(err)
			}
		})
	}
	// The evaluator runs meanwhile.
	e.live(t0.Add(time.Minute), e.msg("c1", t0, "[[email:medium]]"))
	wg.Go(func() {
		for {
			n, _, _, err := e.ev.step(ctx)
			if err != nil {
				t.Error(err)
			}
			if n == 0 || err != nil {
				return
			}
		}
	})
	wg.Wait()
	rules, err := e.ev.Rules(ctx)
	if err != nil || len(rules) != 41 {
		t.Fatalf("%d rules, %v", len(rules), err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] || !validID(id) {
			t.Fatalf("id %q repeated or malformed", id)
		}
		seen[id] = true
	}
}

func TestDeleteRuleRemovesState(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.rule(model.AlertRule{})
	other := e.rule(model.AlertRule{Name: "other"})
	e.live(t0.Add(time.Minute), e.msg("c1", t0, "[[email:medium]]"), e.msg("c2", t0, "[[email:medium]]"))
	if got := e.fired(); len(got) != 4 {
		t.Fatalf("%d alerts", len(got))
	}
	if n := len(allMeta(t, e.st, keyState+r.ID+"\x00")); n != 2 {
		t.Fatalf("%d state keys before delete", n)
	}
	if err := e.ev.DeleteRule(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if st := allMeta(t, e.st, keyState+r.ID+"\x00"); len(st) != 0 {
		t.Fatalf("state left: %v", st)
	}
	if n := len(allMeta(t, e.st, keyState+other.ID+"\x00")); n != 2 {
		t.Errorf("other rule's state: %d keys", n)
	}
	if as, _ := e.ev.Alerts(ctx, 0, 0); len(as) != 4 {
		t.Errorf("fired alerts must stay: %d", len(as))
	}
	// Orphaned state (a crash between deleting a rule and its state) is
	// swept when Run starts.
	if err := e.st.UpdateMeta(map[string][]byte{stateKey("0123456789abcdef", "u1"): []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := e.ev.sweepState(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(allMeta(t, e.st, keyState)); n != 2 {
		t.Errorf("%d state keys after the sweep, want other's 2", n)
	}
}

func TestRuleChangeTakesEffectNextBatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.rule(model.AlertRule{FindingTypes: []string{"ssn"}})
	e.live(t0.Add(time.Minute), e.msg("c1", t0, "[[email:medium]]"))
	if got := e.fired(); len(got) != 0 {
		t.Fatal("email matched an ssn rule")
	}
	r.FindingTypes = []string{"email"}
	r.GroupBy = model.AlertGroupConversation
	if _, err := e.ev.PutRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	e.live(t0.Add(2*time.Minute), e.msg("c1", t0, "[[email:medium]]"))
	got := e.fired()
	if len(got) != 1 || got[0].Group != "c1" || got[0].GroupBy != model.AlertGroupConversation {
		t.Fatalf("%+v", got)
	}
}
