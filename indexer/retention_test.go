package indexer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// retNow is the instant retention tests run at.
var retNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// retentionBatch: conversations of two messages each, created `age` days
// before retNow. email-0 has an email (medium), card-0 a card number (low);
// alias is filed under u1's export uuid.
func retentionBatch() Batch {
	users := []model.User{{ID: "u1", Email: "Ann@Example.com", Aliases: []string{"exp-1"}}, {ID: "u2", Email: "bob@example.com"}}
	type conv struct {
		id, owner string
		age       int
		texts     [2]string
	}
	convs := []conv{
		{"plain", "u2", 400, [2]string{"hello there", "general reply"}},
		{"email", "u2", 400, [2]string{"mail jane.doe@acme.com please", "done"}},
		{"card", "u2", 400, [2]string{"card 4111 1111 1111 1111", "ok"}},
		{"alias", "exp-1", 400, [2]string{"imported chat", "imported answer"}},
		{"ann", "u1", 400, [2]string{"synced chat", "synced answer"}},
		{"mid", "u2", 200, [2]string{"middle chat", "middle answer"}},
		{"new", "u2", 10, [2]string{"recent chat", "recent answer"}},
	}
	var b Batch
	b.Users = users
	for _, c := range convs {
		at := retNow.AddDate(0, 0, -c.age)
		b.Conversations = append(b.Conversations, model.Conversation{ID: c.id, OwnerID: c.owner, Title: c.id, CreatedAt: at})
		for i, text := range c.texts {
			b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("%s-%d", c.id, i), ConversationID: c.id, Seq: i,
				Role: model.RoleHuman, CreatedAt: at.Add(time.Duration(i) * time.Minute),
				Blocks: []model.Block{{Type: model.BlockText, Text: text}}})
		}
	}
	return b
}

// remaining lists the batch's messages still stored.
func remaining(t *testing.T, ix *Indexer, b Batch) []string {
	t.Helper()
	var out []string
	for _, m := range b.Messages {
		_, err := ix.Message(context.Background(), m.ID)
		switch {
		case err == nil:
			out = append(out, m.ID)
		case !errors.Is(err, ErrNotFound):
			t.Fatal(err)
		}
	}
	return out
}

func without(all []model.Message, gone ...string) []string {
	var out []string
	for _, m := range all {
		if !slices.Contains(gone, m.ID) {
			out = append(out, m.ID)
		}
	}
	return out
}

func TestRetentionRules(t *testing.T) {
	old := []string{"plain-0", "plain-1", "email-0", "email-1", "card-0", "card-1", "alias-0", "alias-1", "ann-0", "ann-1"}
	minus := func(s []string, drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(s), func(x string) bool { return slices.Contains(drop, x) })
	}
	users := func(names ...string) model.RetentionPolicy {
		return model.RetentionPolicy{DefaultDays: 365, Rules: []model.RetentionRule{{Name: "legal team", Users: names, Days: 3650}}}
	}
	cases := []struct {
		name   string
		pol    model.RetentionPolicy
		gone   []string
		convs  int
		byRule map[string]int
	}{
		{"default only", model.RetentionPolicy{DefaultDays: 365}, old, 5, map[string]int{"default": 10}},
		{"flagged kept longer", model.RetentionPolicy{DefaultDays: 365,
			Rules: []model.RetentionRule{{Name: "flagged", Flagged: true, Days: 7 * 365}}},
			minus(old, "email-0", "card-0"), 3, map[string]int{"default": 8}},
		{"type and severity", model.RetentionPolicy{DefaultDays: 365,
			Rules: []model.RetentionRule{{Name: "pii", Types: []string{"email", "credit_card"}, MinSeverity: model.Severity("medium"), Days: 3650}}},
			minus(old, "email-0"), 4, map[string]int{"default": 9}},
		{"user group by id covers the alias", users("u1"), minus(old, "alias-0", "alias-1", "ann-0", "ann-1"), 3, map[string]int{"default": 6}},
		{"user group by alias", users("exp-1"), minus(old, "alias-0", "alias-1", "ann-0", "ann-1"), 3, map[string]int{"default": 6}},
		{"user group by email, any case", users("ann@EXAMPLE.com"), minus(old, "alias-0", "alias-1", "ann-0", "ann-1"), 3, map[string]int{"default": 6}},
		{"shorter rule under a forever default", model.RetentionPolicy{
			Rules: []model.RetentionRule{{Name: "flagged short", Flagged: true, Days: 100}}},
			[]string{"email-0", "card-0"}, 0, map[string]int{"flagged short": 2}},
		{"forever rule", model.RetentionPolicy{DefaultDays: 100,
			Rules: []model.RetentionRule{{Name: "flagged forever", Flagged: true}}},
			append(minus(old, "email-0", "card-0"), "mid-0", "mid-1"), 4, map[string]int{"default": 10}},
		{"longest of two matching rules", model.RetentionPolicy{DefaultDays: 30, Rules: []model.RetentionRule{
			{Name: "flagged", Flagged: true, Days: 100}, {Name: "email", Types: []string{"email"}, Days: 500}}},
			append(minus(old, "email-0"), "mid-0", "mid-1"), 5, map[string]int{"default": 10, "flagged": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ix := openTest(t, t.TempDir())
			ctx := context.Background()
			b := retentionBatch()
			if _, err := ix.Ingest(ctx, b); err != nil {
				t.Fatal(err)
			}
			if err := ix.SetRetentionPolicy(ctx, tc.pol); err != nil {
				t.Fatal(err)
			}
			plan, err := ix.PlanRetention(ctx, retNow, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := remaining(t, ix, b); len(got) != len(b.Messages) {
				t.Fatalf("the dry run deleted: %d of %d left", len(got), len(b.Messages))
			}
			run, err := ix.RunRetention(ctx, retNow)
			if err != nil {
				t.Fatal(err)
			}
			want := without(b.Messages, tc.gone...)
			if got := remaining(t, ix, b); !slices.Equal(got, want) {
				t.Fatalf("left %v\nwant %v", got, want)
			}
			if run.Messages != len(tc.gone) || run.Conversations != tc.convs || !maps.Equal(run.ByRule, tc.byRule) {
				t.Errorf("run %d messages, %d conversations, by rule %v; want %d, %d, %v",
					run.Messages, run.Conversations, run.ByRule, len(tc.gone), tc.convs, tc.byRule)
			}
			if !plan.DryRun || run.DryRun || plan.Messages != run.Messages || plan.Conversations != run.Conversations ||
				!maps.Equal(plan.ByRule, run.ByRule) || !reflect.DeepEqual(plan.Months, run.Months) ||
				!slices.Equal(plan.Partitions, run.Partitions) {
				t.Errorf("plan %+v\nrun  %+v", plan, run)
			}
			// A conversation goes with its last message and stays while it
			// keeps one.
			for _, c := range b.Conversations {
				keeps := slices.ContainsFunc(want, func(id string) bool { return strings.HasPrefix(id, c.ID+"-") })
				_, err := ix.Conversation(ctx, c.ID)
				if keeps != (err == nil) || (err != nil && !errors.Is(err, ErrNotFound)) {
					t.Errorf("conversation %s: keeps messages %v, lookup %v", c.ID, keeps, err)
				}
			}
			verifyOK(t, ix)
			// The index has exactly what is left: no document of a deleted
			// message, every kept one.
			all := doSearch(t, ix, SearchRequest{From: MinTime, To: MaxTime, NoFacets: true, Size: 100})
			if int(all.Total) != len(want) {
				t.Errorf("search finds %d messages (%s), want %d", all.Total, ids(all), len(want))
			}
			for _, id := range tc.gone {
				if hit := doSearch(t, ix, SearchRequest{Query: `"` + strings.Fields(textOf(b, id))[0] + `"`, NoFacets: true, Size: 100}); strings.Contains(","+ids(hit)+",", ","+id+",") {
					t.Errorf("deleted %s still found by search", id)
				}
			}
			last, err := ix.LastRetention(ctx)
			if err != nil || last == nil || last.Messages != run.Messages {
				t.Errorf("last run %+v %v", last, err)
			}
		})
	}
}

func textOf(b Batch, id string) string {
	for _, m := range b.Messages {
		if m.ID == id {
			return m.Blocks[0].Text
		}
	}
	return ""
}
