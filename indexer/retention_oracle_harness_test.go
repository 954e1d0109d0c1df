package indexer_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

var (
	oTypes    = []string{"email", "credit_card", "ssn", "aws_access_key", "api_key", "private_key", "jwt", "ip_address"}
	oSevs     = []model.Severity{model.SeverityLow, model.SeverityMedium, model.SeverityHigh, model.SeverityCritical}
	oKeywords = []string{"quokka", "narwhal", "axolotl", "pangolin", "okapi", "tapir", "wombat", "caracal"}
)

func openOracle(t testing.TB) *indexer.Indexer {
	t.Helper()
	return reopenOracle(t, t.TempDir())
}

func reopenOracle(t testing.TB, dir string) *indexer.Indexer {
	t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir, Scanner: oScanner{}, ScanConfigID: "oracle", MinFreeBytes: -1})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// genSpec sizes a generated corpus.
type genSpec struct {
	users, convs, msgs int
	start, end         time.Time // messages are created in [start, end)
}

func randTime(r *rand.Rand, from, to time.Time) time.Time {
	span := to.Sub(from)
	if span < 2*time.Second {
		return from.UTC()
	}
	return from.Add(time.Duration(r.Int64N(int64(span/time.Second))) * time.Second).UTC()
}

func randFindings(r *rand.Rand) []model.Finding {
	var fs []model.Finding
	if r.IntN(100) < 40 { // 40% flagged
		for range 1 + r.IntN(3) {
			fs = append(fs, model.Finding{Type: oTypes[r.IntN(len(oTypes))], Severity: oSevs[r.IntN(len(oSevs))]})
		}
	}
	return fs
}

// genWorld builds users (about a third with an alias), conversations (half
// of an aliased user's filed under the alias) and messages.
func genWorld(r *rand.Rand, s genSpec) *world {
	w := newWorld()
	for i := range s.users {
		u := oUser{id: fmt.Sprintf("u%02d", i), email: fmt.Sprintf("Person%02d@Example.org", i)}
		if i%3 == 0 {
			u.alias = fmt.Sprintf("0a1b2c3d-0000-4000-8000-%012d", i)
		}
		w.users = append(w.users, u)
	}
	convIDs := make([]string, s.convs)
	for i := range s.convs {
		ui := r.IntN(s.users)
		c := &oConv{id: fmt.Sprintf("c%03d", i), user: ui, ownerID: w.users[ui].id, created: randTime(r, s.start, s.end)}
		if w.users[ui].alias != "" && r.IntN(2) == 0 {
			c.ownerID = w.users[ui].alias
		}
		w.convs[c.id] = c
		convIDs[i] = c.id
	}
	// Every conversation gets one message at its creation, the rest spread
	// over the period (some before the conversation's own created_at, as
	// imports of edited chats do).
	for i := range s.msgs {
		var c *oConv
		if i < s.convs {
			c = w.convs[convIDs[i]]
		} else {
			c = w.convs[convIDs[r.IntN(s.convs)]]
		}
		m := &oMsg{id: fmt.Sprintf("m%05d", i), conv: c.id, user: c.user, seq: i, findings: randFindings(r),
			keyword: oKeywords[r.IntN(len(oKeywords))]}
		if i < s.convs {
			m.created = c.created
		} else {
			m.created = randTime(r, s.start, s.end)
		}
		w.msgs[m.id] = m
	}
	return w
}

// ingestWorld writes every user, conversation and alive message.
func ingestWorld(t testing.TB, ix *indexer.Indexer, w *world) {
	t.Helper()
	ctx := context.Background()
	b := indexer.Batch{Users: w.userRecords()}
	for _, id := range sortedKeys(w.convs) {
		b.Conversations = append(b.Conversations, w.convs[id].record())
	}
	ids := sortedKeys(w.msgs)
	for len(ids) > 0 || b.Users != nil {
		n := min(len(ids), 1000)
		for _, id := range ids[:n] {
			b.Messages = append(b.Messages, w.msgs[id].record())
		}
		ids = ids[n:]
		if _, err := ix.Ingest(ctx, b); err != nil {
			t.Fatalf("ingest corpus: %v", err)
		}
		b = indexer.Batch{}
	}
}

// randPolicy draws a default and 0-4 rules whose non-zero periods differ,
// so that the rule credited with a deletion is never a tie.
func randPolicy(r *rand.Rand, w *world) model.RetentionPolicy {
	defaults := []int{0, 90, 180, 365, 540, 730, 1000}
	p := model.RetentionPolicy{DefaultDays: defaults[r.IntN(len(defaults))]}
	periods := []int{30, 60, 120, 250, 400, 800, 1500, 2555}
	r.Shuffle(len(periods), func(i, j int) { periods[i], periods[j] = periods[j], periods[i] })
	for i := range r.IntN(5) {
		rule := model.RetentionRule{Name: fmt.Sprintf("rule-%d", i), Days: periods[i]}
		if r.IntN(5) == 0 {
			rule.Days = 0
		}
		switch r.IntN(6) {
		case 0:
			rule.Flagged = true
		case 1:
			rule.Types = []string{oTypes[r.IntN(len(oTypes))]}
			if r.IntN(2) == 0 {
				rule.Types = append(rule.Types, oTypes[r.IntN(len(oTypes))])
			}
		case 2:
			rule.Types = []string{oTypes[r.IntN(len(oTypes))]}
			rule.MinSeverity = oSevs[1+r.IntN(3)]
		case 3:
			rule.MinSeverity = oSevs[1+r.IntN(3)]
		case 4:
			rule.Users = randNames(r, w, 1+r.IntN(4))
		case 5:
			rule.Users = randNames(r, w, 1+r.IntN(3))
			rule.Flagged = true
		}
		p.Rules = append(p.Rules, rule)
	}
	return p
}

// randNames names users the ways an admin does: by id, by alias, or by
// email in any case.
func randNames(r *rand.Rand, w *world, n int) []string {
	var out []string
	for range n {
		u := w.users[r.IntN(len(w.users))]
		switch {
		case u.alias != "" && r.IntN(2) == 0:
			out = append(out, u.alias)
		case r.IntN(2) == 0:
			e := u.email
			if r.IntN(2) == 0 {
				e = strings.ToUpper(e)
			} else {
				e = strings.ToLower(e)
			}
			out = append(out, e)
		default:
			out = append(out, u.id)
		}
	}
	return out
}

func randHold(r *rand.Rand, w *world, i int) model.Hold {
	h := model.Hold{Matter: fmt.Sprintf("Matter %d", i), Reason: "litigation", CreatedBy: "oracle-admin"}
	kind := r.IntN(3)
	if len(w.msgs) == 0 { // everything deleted: name people
		kind = 0
	}
	switch kind {
	case 0:
		h.Custodians = randNames(r, w, 1+r.IntN(2))
	case 1:
		ids := sortedKeys(w.convs)
		for range 1 + r.IntN(5) {
			h.Conversations = append(h.Conversations, ids[r.IntN(len(ids))])
		}
	case 2:
		if r.IntN(2) == 0 {
			h.Query = &model.HoldQuery{Text: oKeywords[r.IntN(len(oKeywords))]}
		} else {
			h.Query = &model.HoldQuery{FindingTypes: []string{oTypes[r.IntN(len(oTypes))]}}
		}
		if r.IntN(3) == 0 { // a date window, [from, to) like search
			var lo, hi time.Time
			for _, m := range w.msgs {
				if lo.IsZero() || m.created.Before(lo) {
					lo = m.created
				}
				if m.created.After(hi) {
					hi = m.created
				}
			}
			h.Query.From = randTime(r, lo, hi).Truncate(24 * time.Hour)
			h.Query.To = h.Query.From.AddDate(0, 1+r.IntN(12), 0)
		}
	}
	return h
}

// addHold places h and records it in the world, checking what AddHold returns.
func addHold(t testing.TB, ix *indexer.Indexer, w *world, h model.Hold, label string) *oHold {
	t.Helper()
	got, err := ix.AddHold(context.Background(), h)
	if err != nil {
		t.Fatalf("%s: AddHold %+v: %v", label, h, err)
	}
	if got.ID == "" || got.CreatedAt.IsZero() || !got.Active() {
		t.Errorf("%s: AddHold returned id %q created %v active %v; want an id, a creation time, active", label, got.ID, got.CreatedAt, got.Active())
	}
	oh := w.placeHold(got.ID, h)
	if h.Query != nil {
		if got.Query == nil {
			t.Errorf("%s: hold %s: query missing from the stored hold", label, got.ID)
		} else {
			if got.Query.FrozenAt.IsZero() {
				t.Errorf("%s: hold %s: query.frozen_at not set", label, got.ID)
			}
			if got.Query.Matched != len(oh.frozen) {
				t.Errorf("%s: hold %s (query %+v): matched %d, oracle %d", label, got.ID, *h.Query, got.Query.Matched, len(oh.frozen))
			}
		}
	}
	return oh
}

func releaseHold(t testing.TB, ix *indexer.Indexer, w *world, id, label string) {
	t.Helper()
	got, err := ix.ReleaseHold(context.Background(), id, "oracle-admin", "matter closed")
	if err != nil {
		t.Fatalf("%s: ReleaseHold %s: %v", label, id, err)
	}
	if got.Active() || got.ReleasedBy != "oracle-admin" || got.ReleaseReason != "matter closed" {
		t.Errorf("%s: ReleaseHold %s returned released_at %v by %q reason %q", label, id, got.ReleasedAt, got.ReleasedBy, got.ReleaseReason)
	}
	w.hold(id).active = false
}

// checkHolds compares the listed holds and the counts they cover.
func checkHolds(t testing.TB, ix *indexer.Indexer, w *world, label string) {
	t.Helper()
	ctx := context.Background()
	active, err := ix.Holds(ctx, false)
	if err != nil {
		t.Fatalf("%s: Holds(false): %v", label, err)
	}
	all, err := ix.Holds(ctx, true)
	if err != nil {
		t.Fatalf("%s: Holds(true): %v", label, err)
	}
	if len(all) != len(w.holds) {
		t.Errorf("%s: Holds(all) lists %d holds, oracle placed %d", label, len(all), len(w.holds))
	}
	var wantActive []string
	for _, h := range w.holds {
		if h.active {
			wantActive = append(wantActive, h.id)
		}
	}
	var gotActive []string
	for _, h := range active {
		gotActive = append(gotActive, h.ID)
		oh := w.hold(h.ID)
		if oh == nil {
			t.Errorf("%s: Holds lists unknown hold %s", label, h.ID)
			continue
		}
		if want := w.covered(oh); h.Messages != want {
			t.Errorf("%s: hold %s (%s) covers %d messages, oracle %d", label, h.ID, h.Matter, h.Messages, want)
		}
		if want := w.coveredConvs(oh); h.ConversationsCount != want {
			t.Errorf("%s: hold %s (%s) covers %d conversations, oracle %d (custodians %v conversations %v query %v)",
				label, h.ID, h.Matter, h.ConversationsCount, want, h.Custodians, h.Conversations, h.Query != nil)
		}
	}
	slices.Sort(wantActive)
	slices.Sort(gotActive)
	if !slices.Equal(gotActive, wantActive) {
		t.Errorf("%s: active holds %v, oracle %v", label, gotActive, wantActive)
	}

	// The conversation view's badges, for every 7th conversation.
	want := map[string]map[string][]string{}
	for _, m := range w.msgs {
		if hs := w.heldBy(m); len(hs) > 0 {
			if want[m.conv] == nil {
				want[m.conv] = map[string][]string{}
			}
			slices.Sort(hs)
			want[m.conv][m.id] = hs
		}
	}
	for i, c := range sortedKeys(w.convs) {
		if i%7 != 0 {
			continue
		}
		got, err := ix.ConversationHolds(ctx, c)
		if err != nil {
			t.Fatalf("%s: ConversationHolds(%s): %v", label, c, err)
		}
		gotN := map[string][]string{}
		for id, hs := range got {
			if len(hs) > 0 {
				hs = slices.Clone(hs)
				slices.Sort(hs)
				gotN[id] = hs
			}
		}
		if !maps.EqualFunc(gotN, want[c], slices.Equal) {
			t.Errorf("%s: ConversationHolds(%s) = %v, oracle %v", label, c, gotN, want[c])
		}
	}
}

// checkStore compares the store with the world: Badger (conversations,
// messages by conversation and by id, aggregates), the search index, and
// Verify.
func checkStore(t testing.TB, ix *indexer.Indexer, w *world, label string) {
	t.Helper()
	ctx := context.Background()
	gotConvs := map[string]bool{}
	if err := ix.EachConversation(ctx, func(c model.Conversation) error { gotConvs[c.ID] = true; return nil }); err != nil {
		t.Fatalf("%s: EachConversation: %v", label, err)
	}
	diffSets(t, label+": conversations in Badger", gotConvs, w.convs)

	perConv := map[string]int{}
	for _, m := range w.msgs {
		perConv[m.conv]++
	}
	gotMsgs := map[string]bool{}
	for id := range gotConvs {
		ms, err := ix.Messages(ctx, id)
		if err != nil {
			t.Fatalf("%s: Messages(%s): %v", label, id, err)
		}
		for _, m := range ms {
			gotMsgs[m.ID] = true
		}
		if c, err := ix.Conversation(ctx, id); err != nil {
			t.Errorf("%s: Conversation(%s): %v", label, id, err)
		} else if _, known := w.convs[id]; known && c.MessageCount != perConv[id] {
			t.Errorf("%s: conversation %s message_count %d, oracle %d", label, id, c.MessageCount, perConv[id])
		}
	}
	diffSets(t, label+": messages in Badger", gotMsgs, w.msgs)
	for _, id := range sortedKeys(w.deleted) {
		if _, err := ix.Message(ctx, id); !errors.Is(err, indexer.ErrNotFound) {
			t.Errorf("%s: deleted message %s: Message returned err %v, want ErrNotFound", label, id, err)
			break
		}
	}
	for id := range w.convGone {
		if _, err := ix.Conversation(ctx, id); !errors.Is(err, indexer.ErrNotFound) {
			t.Errorf("%s: removed conversation %s: Conversation returned err %v, want ErrNotFound", label, id, err)
		}
	}

	searched := searchAll(t, ix, label)
	diffSets(t, label+": messages in the search index", searched, w.msgs)

	st, err := ix.Stats(ctx)
	if err != nil {
		t.Fatalf("%s: Stats: %v", label, err)
	}
	if st.Messages != len(w.msgs) || st.Conversations != len(w.convs) {
		t.Errorf("%s: Stats counts %d messages %d conversations, oracle %d and %d", label, st.Messages, st.Conversations, len(w.msgs), len(w.convs))
	}
	verifyClean(t, ix, label)
}

func verifyClean(t testing.TB, ix *indexer.Indexer, label string) {
	t.Helper()
	rep, err := ix.Verify(context.Background())
	if err != nil {
		t.Fatalf("%s: Verify: %v", label, err)
	}
	if !rep.OK() {
		t.Errorf("%s: Verify found problems: %v", label, rep.Problems)
	}
}

func searchAll(t testing.TB, ix *indexer.Indexer, label string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	req := indexer.SearchRequest{Kind: indexer.KindMessage, Sort: indexer.SortNewest, Size: 200, NoFacets: true}
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatalf("%s: search pagination does not end", label)
		}
		res, err := ix.Search(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: search page %d: %v", label, page, err)
		}
		for _, h := range res.Hits {
			out[h.ID] = true
		}
		if res.Next == "" || len(res.Hits) == 0 {
			return out
		}
		req.After = res.Next
	}
}

// diffSets reports ids the store has that the oracle does not, and the
// reverse, naming a few of each.
func diffSets[V any](t testing.TB, what string, got map[string]bool, want map[string]V) {
	t.Helper()
	var extra, missing []string
	for id := range got {
		if _, ok := want[id]; !ok {
			extra = append(extra, id)
		}
	}
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	if len(extra)+len(missing) == 0 {
		return
	}
	slices.Sort(extra)
	slices.Sort(missing)
	t.Errorf("%s: store has %d, oracle %d; %d the oracle does not have (first %v), %d missing (first %v)",
		what, len(got), len(want), len(extra), first(extra, 8), len(missing), first(missing, 8))
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// describe explains why the oracle expects what it does of one message.
func (w *world) describe(p model.RetentionPolicy, id string, now time.Time) string {
	m := w.msgs[id]
	if m == nil {
		return id + " (not alive in the oracle)"
	}
	days, rule := w.period(p, m)
	c := w.convs[m.conv]
	owner := ""
	if c != nil {
		owner = c.ownerID
	}
	return fmt.Sprintf("%s{conv %s owner %s (user %s) created %s findings %v keyword %s period %d by %s expired %v held by %v}",
		id, m.conv, owner, w.users[m.user].id, m.created.Format(time.RFC3339), m.findings, m.keyword, days, rule,
		days != 0 && !m.created.AddDate(0, 0, days).After(now), w.heldBy(m))
}

// checkRetentionReport compares a report with the oracle's expectation.
func checkRetentionReport(t testing.TB, w *world, p model.RetentionPolicy, now time.Time, e *expectation, got indexer.RetentionReport, dry bool, label string) {
	t.Helper()
	if got.DryRun != dry {
		t.Errorf("%s: report dry_run %v, want %v", label, got.DryRun, dry)
	}
	if !got.Now.Equal(now) {
		t.Errorf("%s: report now %v, want %v", label, got.Now, now)
	}
	if got.Messages != len(e.deleted) {
		t.Errorf("%s: report messages %d, oracle %d", label, got.Messages, len(e.deleted))
	}
	if got.Conversations != len(e.convsRemoved) {
		t.Errorf("%s: report conversations %d, oracle %d (%v)", label, got.Conversations, len(e.convsRemoved), first(sortedKeys(e.convsRemoved), 8))
	}
	if got.Held != e.held {
		t.Errorf("%s: report held %d, oracle %d", label, got.Held, e.held)
	}
	if !maps.Equal(nonZero(got.HeldBy), nonZero(e.heldBy)) {
		t.Errorf("%s: report held_by %v, oracle %v", label, got.HeldBy, e.heldBy)
	}
	if !maps.Equal(nonZero(got.ByRule), nonZero(e.byRule)) {
		t.Errorf("%s: report by_rule %v, oracle %v", label, got.ByRule, e.byRule)
	}
	gotMonths := map[string][2]int{}
	for _, m := range got.Months {
		if _, dup := gotMonths[m.Month]; dup {
			t.Errorf("%s: month %s listed twice", label, m.Month)
		}
		if m.Messages != 0 || m.Held != 0 {
			gotMonths[m.Month] = [2]int{m.Messages, m.Held}
		}
	}
	wantMonths := map[string][2]int{}
	for k, m := range e.months {
		if m.Messages != 0 || m.Held != 0 {
			wantMonths[k] = [2]int{m.Messages, m.Held}
		}
	}
	if !maps.Equal(gotMonths, wantMonths) {
		for _, k := range slices.Sorted(maps.Keys(mergeKeys(gotMonths, wantMonths))) {
			if gotMonths[k] != wantMonths[k] {
				t.Errorf("%s: month %s {messages, held} = %v, oracle %v", label, k, gotMonths[k], wantMonths[k])
			}
		}
	}
	// A month whose partition was dropped whole keeps no message.
	alive := map[string]bool{}
	for _, m := range w.msgs {
		if !e.deleted[m.id] {
			alive[oMonth(m.created)] = true
		}
	}
	for _, p := range got.Partitions {
		if alive[p] {
			t.Errorf("%s: partition %s reported dropped whole, but the oracle keeps messages created in it", label, p)
		}
	}
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func mergeKeys(a, b map[string][2]int) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// sameReport: a dry run and the run after it agree on every count.
func sameReport(t testing.TB, plan, run indexer.RetentionReport, label string) {
	t.Helper()
	if plan.Messages != run.Messages || plan.Conversations != run.Conversations || plan.Held != run.Held ||
		!maps.Equal(nonZero(plan.HeldBy), nonZero(run.HeldBy)) || !maps.Equal(nonZero(plan.ByRule), nonZero(run.ByRule)) ||
		!slices.Equal(nonEmptyMonths(plan.Months), nonEmptyMonths(run.Months)) {
		t.Errorf("%s: plan and run differ:\nplan messages %d conversations %d held %d held_by %v by_rule %v months %v\nrun  messages %d conversations %d held %d held_by %v by_rule %v months %v",
			label, plan.Messages, plan.Conversations, plan.Held, plan.HeldBy, plan.ByRule, nonEmptyMonths(plan.Months),
			run.Messages, run.Conversations, run.Held, run.HeldBy, run.ByRule, nonEmptyMonths(run.Months))
	}
}

func nonEmptyMonths(ms []indexer.RetentionMonth) []indexer.RetentionMonth {
	var out []indexer.RetentionMonth
	for _, m := range ms {
		if m.Messages != 0 || m.Held != 0 {
			m.Conversations = 0 // attribution of a conversation to a month is not specified
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b indexer.RetentionMonth) int { return strings.Compare(a.Month, b.Month) })
	return out
}

// checkDelete compares a DeleteResult with the oracle's expectation.
func checkDelete(t testing.TB, e *expectation, got indexer.DeleteResult, dry bool, label string) {
	t.Helper()
	if got.DryRun != dry {
		t.Errorf("%s: dry_run %v, want %v", label, got.DryRun, dry)
	}
	if got.Messages != len(e.deleted) || got.Conversations != len(e.convsRemoved) || got.Held != e.held {
		t.Errorf("%s: deleted messages %d conversations %d held %d; oracle %d, %d, %d", label,
			got.Messages, got.Conversations, got.Held, len(e.deleted), len(e.convsRemoved), e.held)
	}
	if !maps.Equal(nonZero(got.HeldBy), nonZero(e.heldBy)) {
		t.Errorf("%s: held_by %v, oracle %v", label, got.HeldBy, e.heldBy)
	}
}

// retentionStep plans, runs and checks one retention run at now under the
// stored policy p, then moves the world on.
func retentionStep(t testing.TB, ix *indexer.Indexer, w *world, p model.RetentionPolicy, now time.Time, label string) *expectation {
	t.Helper()
	ctx := context.Background()
	e := w.planRetention(p, now)
	plan, err := ix.PlanRetention(ctx, now, nil)
	if err != nil {
		t.Fatalf("%s: PlanRetention: %v", label, err)
	}
	checkRetentionReport(t, w, p, now, e, plan, true, label+" plan")
	run, err := ix.RunRetention(ctx, now)
	if err != nil {
		t.Fatalf("%s: RunRetention: %v", label, err)
	}
	checkRetentionReport(t, w, p, now, e, run, false, label+" run")
	sameReport(t, plan, run, label)
	t.Logf("%s: now %s: %d deleted, %d conversations, %d held %v, by rule %v", label, now.Format(time.RFC3339),
		len(e.deleted), len(e.convsRemoved), e.held, e.heldBy, e.byRule)
	before := maps.Clone(w.msgs)
	w.apply(e)
	if t.Failed() {
		explainStore(t, ix, w, before, p, now, label)
	}
	checkStore(t, ix, w, label)
	checkHolds(t, ix, w, label)
	return e
}

// explainStore names a few messages whose fate differs from the oracle's,
// with the facts the oracle decided on.
func explainStore(t testing.TB, ix *indexer.Indexer, w *world, before map[string]*oMsg, p model.RetentionPolicy, now time.Time, label string) {
	t.Helper()
	ctx := context.Background()
	shown := 0
	for _, id := range sortedKeys(before) {
		if shown >= 10 {
			return
		}
		_, err := ix.Message(ctx, id)
		stored := err == nil
		_, alive := w.msgs[id]
		if stored == alive {
			continue
		}
		shown++
		m := before[id]
		w.msgs[id] = m // describe reads alive messages
		desc := w.describe(p, id, now)
		if !alive {
			delete(w.msgs, id)
		}
		t.Errorf("%s: message %s stored=%v, oracle alive=%v: %s", label, id, stored, alive, desc)
	}
}
