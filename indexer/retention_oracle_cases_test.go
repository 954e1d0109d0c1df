package indexer_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Focused cases of the oracle: each small enough to read the expectation
// off the page, and each still checked message by message by the model.

var caseBase = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// smallWorld: u0 (alias A0, email Ada@Example.com) files chats under both
// ids; u1 (bob@example.com) has one chat. Every message is 400 days old
// unless a case adds others.
func smallWorld() *world {
	w := newWorld()
	w.users = []oUser{
		{id: "u0", email: "Ada@Example.com", alias: "5e1f0c2a-aaaa-4bbb-8ccc-000000000000"},
		{id: "u1", email: "bob@example.com"},
	}
	old := caseBase.AddDate(0, 0, -400)
	addConv(w, "cp", "u0", 0, old)
	addConv(w, "ca", w.users[0].alias, 0, old)
	addConv(w, "cb", "u1", 1, old)
	for i, c := range []string{"cp", "ca", "cb"} {
		addMsg(w, fmt.Sprintf("%s-1", c), c, old, "quokka")
		addMsg(w, fmt.Sprintf("%s-2", c), c, old.Add(time.Hour), []string{"narwhal", "okapi", "tapir"}[i],
			model.Finding{Type: "ssn", Severity: model.SeverityCritical})
	}
	return w
}

func addConv(w *world, id, owner string, user int, created time.Time) *oConv {
	c := &oConv{id: id, ownerID: owner, user: user, created: created}
	w.convs[id] = c
	return c
}

func addMsg(w *world, id, conv string, created time.Time, keyword string, fs ...model.Finding) *oMsg {
	m := &oMsg{id: id, conv: conv, user: w.convs[conv].user, seq: len(w.msgs), created: created, keyword: keyword, findings: fs}
	w.msgs[id] = m
	return m
}

func setPolicy(t *testing.T, ix *indexer.Indexer, p model.RetentionPolicy) {
	t.Helper()
	if err := ix.SetRetentionPolicy(context.Background(), p); err != nil {
		t.Fatalf("SetRetentionPolicy(%+v): %v", p, err)
	}
}

func mustStored(t *testing.T, ix *indexer.Indexer, want bool, ids ...string) {
	t.Helper()
	for _, id := range ids {
		_, err := ix.Message(context.Background(), id)
		if got := err == nil; got != want {
			t.Errorf("message %s stored=%v, want %v (err %v)", id, got, want, err)
		}
	}
}

// TestOracle_RuleNamesPersonAnyWay: a rule naming a user by id, by alias
// or by email in another case covers the chats filed under the primary id
// and under the alias alike, and nobody else's.
func TestOracle_RuleNamesPersonAnyWay(t *testing.T) {
	w0 := smallWorld()
	for _, name := range []string{"u0", w0.users[0].alias, "ada@example.com", "ADA@EXAMPLE.COM"} {
		t.Run(name, func(t *testing.T) {
			w := smallWorld()
			ix := openOracle(t)
			ingestWorld(t, ix, w)
			p := model.RetentionPolicy{DefaultDays: 30, Rules: []model.RetentionRule{{Name: "ada", Users: []string{name}, Days: 0}}}
			setPolicy(t, ix, p)
			retentionStep(t, ix, w, p, caseBase, "run")
			mustStored(t, ix, true, "cp-1", "cp-2", "ca-1", "ca-2")
			mustStored(t, ix, false, "cb-1", "cb-2")
		})
	}
}

// TestOracle_EmailStoredInAnotherCase: the user record's email is mixed
// case, the rule's lower case.
func TestOracle_EmailStoredInAnotherCase(t *testing.T) {
	w := smallWorld()
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	p := model.RetentionPolicy{DefaultDays: 0, Rules: []model.RetentionRule{{Name: "short", Users: []string{"ada@example.com"}, Days: 100}}}
	setPolicy(t, ix, p)
	e := retentionStep(t, ix, w, p, caseBase, "run")
	if len(e.deleted) != 4 {
		t.Fatalf("oracle: %d deleted, want 4 (Ada's)", len(e.deleted))
	}
	mustStored(t, ix, false, "cp-1", "cp-2", "ca-1", "ca-2")
	mustStored(t, ix, true, "cb-1", "cb-2")
}

// TestOracle_CustodianNamedAnyWay: a custodian named by id, alias or email
// holds every chat of the person, past and future: a message arriving
// after the hold, already expired, is kept at ingest and by the run.
func TestOracle_CustodianNamedAnyWay(t *testing.T) {
	w0 := smallWorld()
	for _, name := range []string{"u0", w0.users[0].alias, "aDa@example.COM"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := smallWorld()
			ix := openOracle(t)
			ingestWorld(t, ix, w)
			p := model.RetentionPolicy{DefaultDays: 30}
			setPolicy(t, ix, p)
			h := addHold(t, ix, w, model.Hold{Matter: "Ada v. Co", Reason: "suit", CreatedBy: "admin", Custodians: []string{name}}, "hold")
			checkHolds(t, ix, w, "placed")

			// Later messages: an expired one in each of Ada's chats, and
			// one in Bob's, which ingest drops.
			old := time.Now().UTC().AddDate(-2, 0, 0)
			late := []*oMsg{addMsg(w, "cp-late", "cp", old, "wombat"), addMsg(w, "ca-late", "ca", old, "wombat")}
			bob := &oMsg{id: "cb-late", conv: "cb", user: 1, seq: 99, created: old, keyword: "wombat"}
			res, err := ix.Ingest(ctx, indexer.Batch{Messages: []model.Message{late[0].record(), late[1].record(), bob.record()}})
			if err != nil {
				t.Fatalf("ingest late messages: %v", err)
			}
			if res.Expired != 1 {
				t.Errorf("ingest of 2 held and 1 unheld expired messages: expired %d, want 1", res.Expired)
			}
			w.deleted[bob.id] = true
			checkStore(t, ix, w, "after late ingest")

			e := retentionStep(t, ix, w, p, caseBase, "run")
			if e.held != 6 || e.heldBy[h.id] != 6 {
				t.Fatalf("oracle: held %d, want 6", e.held)
			}
			mustStored(t, ix, true, "cp-1", "cp-2", "ca-1", "ca-2", "cp-late", "ca-late")
			mustStored(t, ix, false, "cb-1", "cb-2", "cb-late")
		})
	}
}

// TestOracle_ReleasedHoldNoLongerProtects: the release deletes nothing by
// itself; the next run deletes what the hold kept.
func TestOracle_ReleasedHoldNoLongerProtects(t *testing.T) {
	ctx := context.Background()
	w := smallWorld()
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	p := model.RetentionPolicy{DefaultDays: 30}
	setPolicy(t, ix, p)
	h := addHold(t, ix, w, model.Hold{Matter: "M", Reason: "r", CreatedBy: "admin", Conversations: []string{"cb"}}, "hold")
	retentionStep(t, ix, w, p, caseBase, "run while held")
	mustStored(t, ix, true, "cb-1", "cb-2")

	releaseHold(t, ix, w, h.id, "release")
	checkStore(t, ix, w, "after release")
	mustStored(t, ix, true, "cb-1", "cb-2")
	checkHolds(t, ix, w, "after release")
	if got, err := ix.Hold(ctx, h.id); err != nil || got.Active() || got.ReleasedAt == nil {
		t.Errorf("Hold(%s) after release: %+v, %v; want released", h.id, got, err)
	}

	e := retentionStep(t, ix, w, p, caseBase, "run after release")
	if e.held != 0 || !e.deleted["cb-1"] {
		t.Fatalf("oracle: held %d after release", e.held)
	}
	mustStored(t, ix, false, "cb-1", "cb-2")

	if _, err := ix.ReleaseHold(ctx, h.id, "admin", "again"); !errors.Is(err, indexer.ErrBadRequest) {
		t.Errorf("releasing a released hold: %v, want ErrBadRequest", err)
	}
}

// TestOracle_FrozenQueryExcludesLaterMessages: a query hold covers what
// matched when it was placed; a later message matching the same query is
// not held, neither at ingest nor by a run.
func TestOracle_FrozenQueryExcludesLaterMessages(t *testing.T) {
	for _, q := range []model.HoldQuery{{Text: "narwhal"}, {FindingTypes: []string{"ssn"}}} {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			ctx := context.Background()
			w := smallWorld()
			ix := openOracle(t)
			ingestWorld(t, ix, w)
			p := model.RetentionPolicy{DefaultDays: 30}
			setPolicy(t, ix, p)
			h := addHold(t, ix, w, model.Hold{Matter: "Q", Reason: "r", CreatedBy: "admin", Query: &q}, "hold")

			ssn := model.Finding{Type: "ssn", Severity: model.SeverityCritical}
			// Recent at ingest (kept then), expired by the run, which is
			// a year after caseBase.
			recent := addMsg(w, "cp-recent", "cp", time.Now().UTC().AddDate(0, 0, -5), "narwhal", ssn)
			old := &oMsg{id: "cp-old", conv: "cp", user: 0, seq: 98, created: time.Now().UTC().AddDate(-2, 0, 0), keyword: "narwhal", findings: []model.Finding{ssn}}
			res, err := ix.Ingest(ctx, indexer.Batch{Messages: []model.Message{recent.record(), old.record()}})
			if err != nil {
				t.Fatalf("ingest: %v", err)
			}
			if res.Expired != 1 {
				t.Errorf("ingest of an expired message matching the frozen query: expired %d, want 1", res.Expired)
			}
			w.deleted[old.id] = true
			checkStore(t, ix, w, "after ingest")
			checkHolds(t, ix, w, "after ingest")

			holds, err := ix.ConversationHolds(ctx, "cp")
			if err != nil {
				t.Fatalf("ConversationHolds: %v", err)
			}
			if !slices.Equal(holds["cp-2"], []string{h.id}) || len(holds["cp-recent"]) != 0 || len(holds["cp-1"]) != 0 {
				t.Errorf("ConversationHolds(cp) = %v; want only cp-2 held by %s", holds, h.id)
			}

			now := time.Now().UTC().AddDate(1, 0, 0)
			retentionStep(t, ix, w, p, now, "run")
			mustStored(t, ix, false, "cp-recent", "cp-1")
			mustStored(t, ix, true, "cp-2")
		})
	}
}

// TestOracle_PlanEqualsRun: a dry run deletes nothing, previewing an
// unsaved policy leaves the stored one alone, and the run then does what
// the plan said.
func TestOracle_PlanEqualsRun(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(99, 0x15))
	w := genWorld(r, genSpec{users: 10, convs: 60, msgs: 600, start: caseBase.AddDate(-3, 0, 0), end: caseBase})
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	addHold(t, ix, w, model.Hold{Matter: "A", Reason: "r", CreatedBy: "admin", Custodians: []string{"u03"}}, "hold")
	addHold(t, ix, w, model.Hold{Matter: "B", Reason: "r", CreatedBy: "admin", Conversations: []string{"c001", "c002"}, Custodians: []string{"person03@example.org"}}, "hold")
	stored := model.RetentionPolicy{DefaultDays: 700, Rules: []model.RetentionRule{{Name: "flagged", Flagged: true, Days: 1000}}}
	setPolicy(t, ix, stored)

	other := model.RetentionPolicy{DefaultDays: 200, Rules: []model.RetentionRule{{Name: "keys", Types: []string{"api_key", "aws_access_key"}, MinSeverity: "high", Days: 0}}}
	preview, err := ix.PlanRetention(ctx, caseBase, &other)
	if err != nil {
		t.Fatalf("PlanRetention(unsaved): %v", err)
	}
	checkRetentionReport(t, w, other, caseBase, w.planRetention(other, caseBase), preview, true, "preview")
	if got, err := ix.RetentionPolicy(ctx); err != nil || got.DefaultDays != 700 || len(got.Rules) != 1 {
		t.Errorf("stored policy after a preview: %+v, %v; want the stored one", got, err)
	}
	checkStore(t, ix, w, "after previews")
	for range 2 { // planning twice changes nothing
		if _, err := ix.PlanRetention(ctx, caseBase, nil); err != nil {
			t.Fatal(err)
		}
	}
	checkStore(t, ix, w, "after plans")
	e := retentionStep(t, ix, w, stored, caseBase, "run")
	if len(e.deleted) == 0 || e.held == 0 {
		t.Fatalf("oracle: case too weak: %d deleted, %d held", len(e.deleted), e.held)
	}
}

// TestOracle_ExpiryBoundary: expiry is created_at plus calendar days
// (AddDate), and a message is expired when its expiry is at or before now.
func TestOracle_ExpiryBoundary(t *testing.T) {
	cases := []struct {
		created time.Time
		days    int
		expiry  time.Time
	}{
		{time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), 365, time.Date(2025, 2, 28, 12, 0, 0, 0, time.UTC)},
		{time.Date(2024, 1, 31, 8, 30, 0, 0, time.UTC), 30, time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC)},
		{time.Date(2023, 12, 31, 23, 59, 59, 999_000_000, time.UTC), 1, time.Date(2024, 1, 1, 23, 59, 59, 999_000_000, time.UTC)},
		{time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), 366, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s+%dd", c.created.Format(time.RFC3339), c.days), func(t *testing.T) {
			w := newWorld()
			w.users = []oUser{{id: "u0", email: "a@example.com"}}
			addConv(w, "c", "u0", 0, c.created)
			addMsg(w, "m", "c", c.created, "okapi")
			addMsg(w, "keep", "c", c.expiry, "okapi") // keeps the conversation
			ix := openOracle(t)
			ingestWorld(t, ix, w)
			p := model.RetentionPolicy{DefaultDays: c.days}
			setPolicy(t, ix, p)
			if e := w.planRetention(p, c.expiry.Add(-time.Nanosecond)); len(e.deleted) != 0 {
				t.Fatalf("oracle expires %v before the expiry", e.deleted)
			}
			retentionStep(t, ix, w, p, c.expiry.Add(-time.Nanosecond), "just before expiry")
			mustStored(t, ix, true, "m")
			retentionStep(t, ix, w, p, c.expiry, "at expiry")
			mustStored(t, ix, false, "m")
			mustStored(t, ix, true, "keep")
		})
	}
}

// TestOracle_RuleCriteria: which rule sets a message's period.
func TestOracle_RuleCriteria(t *testing.T) {
	apiLow := model.Finding{Type: "api_key", Severity: model.SeverityLow}
	ssnCrit := model.Finding{Type: "ssn", Severity: model.SeverityCritical}
	emailMed := model.Finding{Type: "email", Severity: model.SeverityMedium}
	cases := []struct {
		name     string
		findings []model.Finding
		rules    []model.RetentionRule
		deleted  bool
		rule     string
	}{
		{"types and severity on the same finding", []model.Finding{apiLow, ssnCrit},
			[]model.RetentionRule{{Name: "keys", Types: []string{"api_key"}, MinSeverity: "high", Days: 0}}, true, "default"},
		{"min severity alone, any finding", []model.Finding{apiLow, ssnCrit},
			[]model.RetentionRule{{Name: "high", MinSeverity: "high", Days: 0}}, false, ""},
		{"severity below", []model.Finding{emailMed}, []model.RetentionRule{{Name: "high", MinSeverity: "high", Days: 0}}, true, "default"},
		{"severity equal counts", []model.Finding{emailMed}, []model.RetentionRule{{Name: "med", MinSeverity: "medium", Days: 0}}, false, ""},
		{"shorter rule replaces the default", []model.Finding{emailMed},
			[]model.RetentionRule{{Name: "flagged", Flagged: true, Days: 10}}, true, "flagged"},
		{"longest of matching rules", []model.Finding{emailMed},
			[]model.RetentionRule{{Name: "short", Flagged: true, Days: 10}, {Name: "long", Types: []string{"email"}, Days: 300}}, false, ""},
		{"longest of matching rules, expired", []model.Finding{emailMed},
			[]model.RetentionRule{{Name: "short", Flagged: true, Days: 10}, {Name: "long", Types: []string{"email"}, Days: 60}}, true, "long"},
		{"forever beats any period", []model.Finding{emailMed},
			[]model.RetentionRule{{Name: "short", Flagged: true, Days: 10}, {Name: "ever", Types: []string{"email"}, Days: 0}}, false, ""},
		{"every criterion must hold", []model.Finding{emailMed},
			[]model.RetentionRule{{Name: "bobflag", Flagged: true, Users: []string{"u1"}, Days: 0}}, true, "default"},
		{"unflagged message, flagged rule", nil, []model.RetentionRule{{Name: "flagged", Flagged: true, Days: 0}}, true, "default"},
		{"users rule, owner under alias", nil,
			[]model.RetentionRule{{Name: "ada", Users: []string{"ada@example.com"}, Days: 20}}, true, "ada"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			w.users = []oUser{{id: "u0", email: "ada@example.com", alias: "0a1b2c3d-1111-4000-8000-000000000001"}, {id: "u1", email: "bob@example.com"}}
			created := caseBase.AddDate(0, 0, -100) // the default, 50 days, expires it
			addConv(w, "c", w.users[0].alias, 0, created)
			addMsg(w, "m", "c", created, "tapir", c.findings...)
			addMsg(w, "keep", "c", caseBase, "tapir")
			ix := openOracle(t)
			ingestWorld(t, ix, w)
			p := model.RetentionPolicy{DefaultDays: 50, Rules: c.rules}
			setPolicy(t, ix, p)
			e := w.planRetention(p, caseBase)
			if e.deleted["m"] != c.deleted || (c.deleted && e.byRule[c.rule] != 1) {
				t.Fatalf("oracle disagrees with the case: deleted %v by %v", e.deleted, e.byRule)
			}
			retentionStep(t, ix, w, p, caseBase, "run")
			mustStored(t, ix, !c.deleted, "m")
		})
	}
}

// TestOracle_DeleteRangeHeldBy: a range deletion keeps held messages and
// says why: a message under two holds counts for both.
func TestOracle_DeleteRangeHeldBy(t *testing.T) {
	ctx := context.Background()
	w := smallWorld()
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	a := addHold(t, ix, w, model.Hold{Matter: "A", Reason: "r", CreatedBy: "admin", Conversations: []string{"cb"}}, "hold A")
	b := addHold(t, ix, w, model.Hold{Matter: "B", Reason: "r", CreatedBy: "admin", Query: &model.HoldQuery{FindingTypes: []string{"ssn"}}}, "hold B")
	from, to := caseBase.AddDate(-5, 0, 0), caseBase
	e := w.planRange(from, to)
	if e.held != 4 || e.heldBy[a.id] != 2 || e.heldBy[b.id] != 3 {
		t.Fatalf("oracle: held %d by %v", e.held, e.heldBy)
	}
	dry, err := ix.DeleteRange(ctx, from, to, true)
	if err != nil {
		t.Fatal(err)
	}
	checkDelete(t, e, dry, true, "dry run")
	checkStore(t, ix, w, "after dry run")
	got, err := ix.DeleteRange(ctx, from, to, false)
	if err != nil {
		t.Fatal(err)
	}
	checkDelete(t, e, got, false, "delete")
	w.apply(e)
	checkStore(t, ix, w, "after delete")
	mustStored(t, ix, true, "cb-1", "cb-2", "cp-2", "ca-2")
	mustStored(t, ix, false, "cp-1", "ca-1")
	checkHolds(t, ix, w, "after delete")

	holds, err := ix.ConversationHolds(ctx, "cb")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"cb-1": {a.id}, "cb-2": slices.Sorted(slices.Values([]string{a.id, b.id}))}
	for id, hs := range holds {
		slices.Sort(hs)
		if !slices.Equal(hs, want[id]) {
			t.Errorf("ConversationHolds(cb)[%s] = %v, want %v", id, hs, want[id])
		}
	}
	if len(holds) != len(want) {
		t.Errorf("ConversationHolds(cb) = %v, want %v", holds, want)
	}
}

// TestOracle_BadRequests: what the contracts refuse.
func TestOracle_BadRequests(t *testing.T) {
	ctx := context.Background()
	w := smallWorld()
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	for _, p := range []model.RetentionPolicy{
		{DefaultDays: -1},
		{DefaultDays: model.MaxRetentionDays + 1},
		{DefaultDays: 30, Rules: []model.RetentionRule{{Name: "none", Days: 10}}},
		{DefaultDays: 30, Rules: []model.RetentionRule{{Name: "sev", MinSeverity: "severe", Days: 10}}},
	} {
		if err := ix.SetRetentionPolicy(ctx, p); !errors.Is(err, indexer.ErrBadRequest) {
			t.Errorf("SetRetentionPolicy(%+v): %v, want ErrBadRequest", p, err)
		}
	}
	if p, err := ix.RetentionPolicy(ctx); err != nil || !p.Forever() {
		t.Errorf("after refused policies the stored one is %+v, %v; want forever", p, err)
	}
	if _, err := ix.AddHold(ctx, model.Hold{Matter: "M", Reason: "r", CreatedBy: "a"}); !errors.Is(err, indexer.ErrBadRequest) {
		t.Errorf("AddHold naming nothing: %v, want ErrBadRequest", err)
	}
	if _, err := ix.ReleaseHold(ctx, "no-such-hold", "a", "r"); !errors.Is(err, indexer.ErrNotFound) {
		t.Errorf("ReleaseHold(unknown): %v, want ErrNotFound", err)
	}
	if _, err := ix.Hold(ctx, "no-such-hold"); !errors.Is(err, indexer.ErrNotFound) {
		t.Errorf("Hold(unknown): %v, want ErrNotFound", err)
	}
	h := addHold(t, ix, w, model.Hold{Matter: "M", Reason: "r", CreatedBy: "a", Custodians: []string{"u1"}}, "hold")
	if _, err := ix.ReleaseHold(ctx, h.id, "a", "  "); !errors.Is(err, indexer.ErrBadRequest) {
		t.Errorf("ReleaseHold without a reason: %v, want ErrBadRequest", err)
	}
	checkHolds(t, ix, w, "after refused release")
}

// TestOracle_ModelAgreesWithPeriodFor cross-checks the oracle's rule
// semantics with model.RetentionPolicy.PeriodFor over random messages and
// policies (users given to PeriodFor already resolved, as people.go does).
func TestOracle_ModelAgreesWithPeriodFor(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 0x15))
	w := genWorld(r, genSpec{users: 30, convs: 50, msgs: 500, start: caseBase.AddDate(-3, 0, 0), end: caseBase})
	ids := sortedKeys(w.msgs)
	for i := range 300 {
		p := randPolicy(r, w)
		canon := p
		canon.Rules = slices.Clone(p.Rules)
		for j, rule := range canon.Rules {
			var users []string
			for _, n := range rule.Users {
				if u := w.resolve(n); u >= 0 && !strings.Contains(n, "@") {
					n = w.users[u].id
				} else {
					n = strings.ToLower(n)
				}
				users = append(users, n)
			}
			canon.Rules[j].Users = users
		}
		for range 20 {
			m := w.msgs[ids[r.IntN(len(ids))]]
			u := w.users[m.user]
			days, ri := canon.PeriodFor(model.RetentionFacts{CreatedAt: m.created, Findings: m.findings, UserID: u.id, UserEmail: strings.ToLower(u.email)})
			wantDays, wantRule := w.period(p, m)
			gotRule := "default"
			if ri != model.NoRule {
				gotRule = canon.Rules[ri].Name
			}
			if days != wantDays || (days != 0 && gotRule != wantRule) {
				t.Fatalf("policy %d %+v, message %s: PeriodFor = %d days by %s, oracle %d by %s", i, p, w.describe(p, m.id, caseBase), days, gotRule, wantDays, wantRule)
			}
		}
	}
}

// TestOracle_NamedBeforeTheRecord: a hold and a rule may name a person
// before the first sync brings their record; once it arrives they cover
// the person's chats, including those filed under the alias.
func TestOracle_NamedBeforeTheRecord(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sameBatch bool
	}{
		{"u9", false}, {"Nine@Example.com", false}, {"0a1b2c3d-9999-4000-8000-000000000009", false},
		{"u9", true}, {"Nine@Example.com", true}, {"0a1b2c3d-9999-4000-8000-000000000009", true},
	} {
		name := tc.name
		t.Run(fmt.Sprintf("%s/same-batch=%v", name, tc.sameBatch), func(t *testing.T) {
			ctx := context.Background()
			w := smallWorld()
			ix := openOracle(t)
			ingestWorld(t, ix, w)
			p := model.RetentionPolicy{DefaultDays: 30, Rules: []model.RetentionRule{{Name: "nine", Users: []string{name}, Flagged: true, Days: 0}}}
			setPolicy(t, ix, p)
			addHold(t, ix, w, model.Hold{Matter: "Nine", Reason: "r", CreatedBy: "admin", Custodians: []string{name}}, "hold")

			// u9 arrives with an alias; one chat under each id, all of it
			// long expired under the default.
			w.users = append(w.users, oUser{id: "u9", email: "nine@example.com", alias: "0a1b2c3d-9999-4000-8000-000000000009"})
			old := time.Now().UTC().AddDate(-2, 0, 0)
			c1 := addConv(w, "c9", "u9", 2, old)
			c2 := addConv(w, "c9a", w.users[2].alias, 2, old)
			m1 := addMsg(w, "c9-1", "c9", old, "caracal")
			m2 := addMsg(w, "c9a-1", "c9a", old, "caracal", model.Finding{Type: "jwt", Severity: model.SeverityHigh})
			// The user record comes with the chats (a first sync), or
			// before them.
			b := indexer.Batch{Users: w.userRecords()[2:], Conversations: []model.Conversation{c1.record(), c2.record()},
				Messages: []model.Message{m1.record(), m2.record()}}
			if !tc.sameBatch {
				if _, err := ix.Ingest(ctx, indexer.Batch{Users: b.Users}); err != nil {
					t.Fatalf("ingest u9's record: %v", err)
				}
				b.Users = nil
			}
			res, err := ix.Ingest(ctx, b)
			if err != nil {
				t.Fatalf("ingest u9: %v", err)
			}
			if res.Expired != 0 {
				t.Errorf("ingest of a named custodian's expired messages: expired %d, want 0 (held)", res.Expired)
			}
			checkStore(t, ix, w, "after ingest")
			checkHolds(t, ix, w, "after ingest")
			e := retentionStep(t, ix, w, p, caseBase, "run")
			// c9-1 is expired and held; c9a-1 is kept by the rule, so not
			// counted as held.
			if e.held != 1 || e.deleted["c9-1"] || e.deleted["c9a-1"] {
				t.Fatalf("oracle: held %d, deleted %v; want 1 held, none of u9's deleted", e.held, e.deleted)
			}
			mustStored(t, ix, true, "c9-1", "c9a-1")
			// Released, the rule still keeps the flagged one forever.
			releaseHold(t, ix, w, w.holds[0].id, "release")
			retentionStep(t, ix, w, p, caseBase, "run after release")
			mustStored(t, ix, false, "c9-1")
			mustStored(t, ix, true, "c9a-1")
		})
	}
}

// TestOracle_HoldDuringRun places a custodian hold while a retention run
// or a range deletion removes everything: whatever of the custodian's was
// still stored when AddHold returned survives, and the result accounts for
// every message as either deleted or held.
func TestOracle_HoldDuringRun(t *testing.T) {
	type outcome struct {
		messages, held int
		heldBy         map[string]int
		err            error
	}
	for _, mode := range []string{"retention", "range"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			r := rand.New(rand.NewPCG(5, 0x15))
			w := genWorld(r, genSpec{users: 6, convs: 100, msgs: 2000, start: caseBase.AddDate(-3, 0, 0), end: caseBase.AddDate(0, -1, 0)})
			ix := openOracle(t)
			ingestWorld(t, ix, w)
			setPolicy(t, ix, model.RetentionPolicy{DefaultDays: 1})
			total := len(w.msgs)

			events, _, unsubscribe := ix.Subscribe()
			defer unsubscribe()
			done := make(chan outcome, 1)
			go func() {
				if mode == "retention" {
					rep, err := ix.RunRetention(ctx, caseBase)
					done <- outcome{rep.Messages, rep.Held, rep.HeldBy, err}
					return
				}
				res, err := ix.DeleteRange(ctx, caseBase.AddDate(-4, 0, 0), caseBase, false)
				done <- outcome{res.Messages, res.Held, res.HeldBy, err}
			}()
			// The hold goes in at the deletion's first progress event:
			// after it loaded the holds, usually before its first commit,
			// which must then see the hold (this exercises the reload; a
			// hold landing between two commits needs a slower store).
			var res *outcome
		wait:
			for {
				select {
				case e := <-events:
					if e.State == "running" && (e.Job == "retention" || e.Kind == "retention" || (mode == "range" && e.Kind == "delete")) {
						break wait
					}
				case got := <-done:
					res = &got
					break wait
				}
			}
			if res != nil {
				t.Logf("the deletion finished before a progress event: the hold goes in after it")
			}
			custodian := w.users[0].id
			h, err := ix.AddHold(ctx, model.Hold{Matter: "Mid-run", Reason: "r", CreatedBy: "admin", Custodians: []string{custodian}})
			if err != nil {
				t.Fatalf("AddHold during a deletion: %v", err)
			}
			// What of the custodian's is stored now must survive.
			var mustSurvive []string
			for _, c := range sortedKeys(w.convs) {
				if w.convs[c].user != 0 {
					continue
				}
				ms, err := ix.Messages(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range ms {
					mustSurvive = append(mustSurvive, m.ID)
				}
			}
			if res == nil {
				got := <-done
				res = &got
			}
			if res.err != nil {
				t.Fatalf("%s: %v", mode, res.err)
			}
			t.Logf("%s: %d deleted, %d held; %d of the custodian's stored when the hold returned", mode, res.messages, res.held, len(mustSurvive))
			mustStored(t, ix, true, mustSurvive...)
			var left []string
			for _, id := range sortedKeys(w.msgs) {
				if _, err := ix.Message(ctx, id); err == nil {
					left = append(left, id)
					if w.msgs[id].user != 0 {
						t.Errorf("message %s of user %s survived; only custodian %s's may", id, w.users[w.msgs[id].user].id, custodian)
					}
				}
			}
			if res.messages+res.held != total || len(left) != res.held || res.heldBy[h.ID] != res.held {
				t.Errorf("%s: %d deleted + %d held (held_by %v), %d messages left, of %d all in scope", mode, res.messages, res.held, res.heldBy, len(left), total)
			}
			verifyClean(t, ix, "after the deletion")
			if searched := searchAll(t, ix, "after the deletion"); len(searched) != len(left) {
				t.Errorf("search finds %d messages, Badger holds %d", len(searched), len(left))
			}
		})
	}
}

// TestOracle_NamesWithoutRecords: a conversation may be filed under an
// owner id no user record describes, and a hold may name a conversation
// before it is first synced; both are still covered by what names them.
func TestOracle_NamesWithoutRecords(t *testing.T) {
	ctx := context.Background()
	w := smallWorld()
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	p := model.RetentionPolicy{DefaultDays: 30, Rules: []model.RetentionRule{{Name: "ghost", Users: []string{"ghost"}, Days: 0}}}
	setPolicy(t, ix, p)
	h := addHold(t, ix, w, model.Hold{Matter: "Future", Reason: "r", CreatedBy: "admin", Conversations: []string{"cfuture"}}, "hold")

	// "ghost" has no user record (the oracle knows the id, the store does not).
	w.users = append(w.users, oUser{id: "ghost"})
	old := time.Now().UTC().AddDate(-2, 0, 0)
	cg := addConv(w, "cghost", "ghost", 2, old)
	cf := addConv(w, "cfuture", "u1", 1, old)
	mg := addMsg(w, "cghost-1", "cghost", old, "okapi")
	mf := addMsg(w, "cfuture-1", "cfuture", old, "okapi")
	res, err := ix.Ingest(ctx, indexer.Batch{Conversations: []model.Conversation{cg.record(), cf.record()},
		Messages: []model.Message{mg.record(), mf.record()}})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if res.Expired != 0 {
		t.Errorf("ingest: expired %d, want 0 (one kept by the rule on its bare owner id, one held)", res.Expired)
	}
	checkStore(t, ix, w, "after ingest")
	checkHolds(t, ix, w, "after ingest")
	e := retentionStep(t, ix, w, p, caseBase, "run")
	if e.held != 1 || e.heldBy[h.id] != 1 {
		t.Fatalf("oracle: held %d by %v", e.held, e.heldBy)
	}
	mustStored(t, ix, true, "cghost-1", "cfuture-1")
}

// TestOracle_DeletedUpstream: a chat its user deleted upstream stays
// archived; a hold keeps it past retention, and without one retention
// treats it like any other.
func TestOracle_DeletedUpstream(t *testing.T) {
	ctx := context.Background()
	w := smallWorld()
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	addHold(t, ix, w, model.Hold{Matter: "Upstream", Reason: "r", CreatedBy: "admin", Conversations: []string{"cb"}}, "hold")
	for _, c := range []string{"cb", "cp"} {
		if err := ix.MarkDeleted(ctx, c, model.DeletedByUser, caseBase.AddDate(0, 0, -10)); err != nil {
			t.Fatalf("MarkDeleted(%s): %v", c, err)
		}
	}
	p := model.RetentionPolicy{DefaultDays: 30}
	setPolicy(t, ix, p)
	retentionStep(t, ix, w, p, caseBase, "run")
	mustStored(t, ix, true, "cb-1", "cb-2")
	mustStored(t, ix, false, "cp-1", "cp-2")
	// The chat re-synced after the upstream deletion (its record again,
	// with deleted_at) does not lose the held messages.
	c := w.convs["cb"].record()
	at := caseBase.AddDate(0, 0, -10)
	c.DeletedAt, c.DeletedBy = &at, model.DeletedByUser
	if _, err := ix.Ingest(ctx, indexer.Batch{Conversations: []model.Conversation{c}}); err != nil {
		t.Fatalf("re-sync cb: %v", err)
	}
	checkStore(t, ix, w, "after re-sync")
	retentionStep(t, ix, w, p, caseBase.AddDate(1, 0, 0), "run a year later")
	mustStored(t, ix, true, "cb-1", "cb-2")
}

// TestOracle_ActivityRetention: Activity Feed events are kept
// ActivityDays (created_at + days <= now expires them), apart from the
// message policy, and a dry run counts what the run deletes.
func TestOracle_ActivityRetention(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(11, 0x15))
	w := smallWorld()
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	var acts []model.Activity
	for i := range 60 {
		acts = append(acts, model.Activity{ID: fmt.Sprintf("act%03d", i), Type: "user_signed_in",
			CreatedAt: randTime(r, caseBase.AddDate(-2, 0, 0), caseBase), Actor: model.Actor{Type: "user", ID: "u0"}})
	}
	acts[0].CreatedAt = caseBase.AddDate(0, 0, -90) // exactly at the boundary: expired
	acts[1].CreatedAt = caseBase.AddDate(0, 0, -90).Add(time.Second)
	if _, err := ix.IngestActivities(ctx, indexer.ActivityBatch{Activities: acts}); err != nil {
		t.Fatalf("IngestActivities: %v", err)
	}
	p := model.RetentionPolicy{DefaultDays: 0, ActivityDays: 90}
	setPolicy(t, ix, p)
	want := 0
	for _, a := range acts {
		if !a.CreatedAt.AddDate(0, 0, 90).After(caseBase) {
			want++
		}
	}
	plan, err := ix.PlanRetention(ctx, caseBase, nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := ix.RunRetention(ctx, caseBase)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Activities != want || run.Activities != want || run.Messages != 0 {
		t.Errorf("activities: plan %d, run %d, oracle %d (run messages %d, want 0)", plan.Activities, run.Activities, want, run.Messages)
	}
	for _, a := range acts {
		_, err := ix.Activity(ctx, a.ID)
		expired := !a.CreatedAt.AddDate(0, 0, 90).After(caseBase)
		if expired != errors.Is(err, indexer.ErrNotFound) {
			t.Errorf("activity %s created %s: expired %v, Activity returned err %v", a.ID, a.CreatedAt.Format(time.RFC3339), expired, err)
		}
	}
	checkStore(t, ix, w, "after the run")
}

// TestOracle_ConcurrentRuns: two runs started together either share the
// work or one is refused as already running; between them they delete
// exactly what the oracle expects, once.
func TestOracle_ConcurrentRuns(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(17, 0x15))
	w := genWorld(r, genSpec{users: 8, convs: 80, msgs: 1200, start: caseBase.AddDate(-3, 0, 0), end: caseBase})
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	addHold(t, ix, w, model.Hold{Matter: "C", Reason: "r", CreatedBy: "admin", Custodians: []string{"u02"}}, "hold")
	p := model.RetentionPolicy{DefaultDays: 365, Rules: []model.RetentionRule{{Name: "crit", MinSeverity: "critical", Days: 900}}}
	setPolicy(t, ix, p)
	e := w.planRetention(p, caseBase)

	type result struct {
		rep indexer.RetentionReport
		err error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			rep, err := ix.RunRetention(ctx, caseBase)
			results <- result{rep, err}
		}()
	}
	deleted, ok := 0, 0
	for range 2 {
		res := <-results
		switch {
		case res.err == nil:
			ok++
			deleted += res.rep.Messages
		case strings.Contains(res.err.Error(), "already running"):
		default:
			t.Errorf("concurrent RunRetention: %v", res.err)
		}
	}
	if ok == 0 || deleted != len(e.deleted) {
		t.Errorf("concurrent runs: %d succeeded, deleting %d between them; oracle %d", ok, deleted, len(e.deleted))
	}
	w.apply(e)
	checkStore(t, ix, w, "after concurrent runs")
	checkHolds(t, ix, w, "after concurrent runs")
}
