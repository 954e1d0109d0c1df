package indexer_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// oracleSeeds: ORACLE_SEEDS="1,2,3" overrides; -short runs the first two.
var defaultOracleSeeds = []uint64{1, 2, 3, 5, 8, 13, 21, 34}

func oracleSeeds(t *testing.T) []uint64 {
	if env := strings.TrimSpace(os.Getenv("ORACLE_SEEDS")); env != "" {
		var out []uint64
		for _, f := range strings.Split(env, ",") {
			s, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("ORACLE_SEEDS: %q is not a seed: %v", f, err)
			}
			out = append(out, s)
		}
		return out
	}
	if testing.Short() {
		return defaultOracleSeeds[:2]
	}
	return defaultOracleSeeds
}

// TestOracle_Random checks retention runs, ingest-time expiry and range
// deletion under random policies and holds against the oracle's model,
// message by message.
func TestOracle_Random(t *testing.T) {
	for _, seed := range oracleSeeds(t) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { oracleRandom(t, seed) })
	}
}

func oracleRandom(t *testing.T, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 0x15))
	base := time.Now().UTC().Truncate(time.Second)
	spec := genSpec{users: 30, convs: 300, msgs: 3000, start: base.AddDate(-3, 0, 0), end: base.AddDate(0, 0, -2)}
	if testing.Short() { // half the corpus: -short stays within its time budget
		spec.convs, spec.msgs = 150, 1500
	}
	w := genWorld(r, spec)
	dir := t.TempDir()
	ix := reopenOracle(t, dir)
	ingestWorld(t, ix, w)
	checkStore(t, ix, w, "after ingest")

	// No policy stored: keep everything forever.
	if p, err := ix.RetentionPolicy(ctx); err != nil || !p.Forever() {
		t.Fatalf("RetentionPolicy before any was set: %+v, %v; want the zero (forever) policy", p, err)
	}
	if rep, err := ix.PlanRetention(ctx, base.AddDate(5, 0, 0), nil); err != nil || rep.Messages != 0 {
		t.Fatalf("PlanRetention with no policy: %d messages, %v; want 0", rep.Messages, err)
	}

	for i := range r.IntN(5) {
		addHold(t, ix, w, randHold(r, w, i), "place hold")
	}
	if len(w.holds) > 0 && r.IntN(2) == 0 {
		releaseHold(t, ix, w, w.holds[r.IntN(len(w.holds))].id, "release")
	}
	checkHolds(t, ix, w, "holds placed")

	p := randPolicy(r, w)
	now1 := pickNow(r, w, p, base)
	t.Logf("seed %d: policy %+v; holds %d; now1 %s", seed, p, len(w.holds), now1.Format(time.RFC3339))

	// The preview of an unsaved policy, then the saved one.
	preview, err := ix.PlanRetention(ctx, now1, &p)
	if err != nil {
		t.Fatalf("PlanRetention(unsaved): %v", err)
	}
	checkRetentionReport(t, w, p, now1, w.planRetention(p, now1), preview, true, "preview unsaved policy")
	if err := ix.SetRetentionPolicy(ctx, p); err != nil {
		t.Fatalf("SetRetentionPolicy(%+v): %v", p, err)
	}
	stored, err := ix.RetentionPolicy(ctx)
	if err != nil {
		t.Fatalf("RetentionPolicy: %v", err)
	}
	if stored.DefaultDays != p.DefaultDays || len(stored.Rules) != len(p.Rules) {
		t.Errorf("stored policy default %d with %d rules, set %d with %d", stored.DefaultDays, len(stored.Rules), p.DefaultDays, len(p.Rules))
	}
	retentionStep(t, ix, w, p, now1, "run 1")

	// Fresh data, some of it already expired: Ingest drops what the policy
	// expires now and no hold covers. A new hold on a custodian first, so
	// that some expired fresh messages are kept by it.
	// Holds change between runs too: a query placed now freezes what run 1
	// left; a release makes what it kept subject to run 2.
	if r.IntN(2) == 0 {
		addHold(t, ix, w, randHold(r, w, 10), "place hold after run 1")
	}
	if r.IntN(3) == 0 {
		var active []string
		for _, h := range w.holds {
			if h.active {
				active = append(active, h.id)
			}
		}
		if len(active) > 0 {
			releaseHold(t, ix, w, active[r.IntN(len(active))], "release after run 1")
		}
	}
	if r.IntN(2) == 0 {
		addHold(t, ix, w, model.Hold{Matter: "Fresh matter", Reason: "new claim", CreatedBy: "oracle-admin",
			Custodians: randNames(r, w, 1)}, "place hold before fresh batch")
	}
	freshBatch(t, ix, w, r, p, base, seed)
	checkStore(t, ix, w, "after fresh ingest")
	checkHolds(t, ix, w, "after fresh ingest")

	now2 := now1.AddDate(0, 0, r.IntN(500))
	retentionStep(t, ix, w, p, now2, "run 2")
	// A second run at the same instant has nothing left to delete.
	e := w.planRetention(p, now2)
	if len(e.deleted) != 0 {
		t.Fatalf("oracle: %d messages expired after a run at the same now", len(e.deleted))
	}
	retentionStep(t, ix, w, p, now2, "run 2 again")

	// A range deletion with holds in place.
	from, to := pickRange(r, base)
	e = w.planRange(from, to)
	dry, err := ix.DeleteRange(ctx, from, to, true)
	if err != nil {
		t.Fatalf("DeleteRange dry [%s, %s): %v", from, to, err)
	}
	checkDelete(t, e, dry, true, fmt.Sprintf("delete [%s, %s) dry run", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	got, err := ix.DeleteRange(ctx, from, to, false)
	if err != nil {
		t.Fatalf("DeleteRange [%s, %s): %v", from, to, err)
	}
	checkDelete(t, e, got, false, fmt.Sprintf("delete [%s, %s)", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	w.apply(e)
	checkStore(t, ix, w, "after range deletion")
	checkHolds(t, ix, w, "after range deletion")

	// Everything is durable: reopened, the store, the holds and the policy
	// are as they were, and a run at now2 finds nothing more to delete.
	if err := ix.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	ix = reopenOracle(t, dir)
	checkStore(t, ix, w, "reopened")
	checkHolds(t, ix, w, "reopened")
	if got, err := ix.RetentionPolicy(ctx); err != nil || got.DefaultDays != p.DefaultDays || len(got.Rules) != len(p.Rules) {
		t.Errorf("reopened: policy %+v, %v; want %+v", got, err, p)
	}
	retentionStep(t, ix, w, p, now2, "reopened run")
}

// pickNow returns a run instant: often exactly some message's expiry (the
// boundary, which must delete it), otherwise any time from a year before
// base to a year after.
func pickNow(r *rand.Rand, w *world, p model.RetentionPolicy, base time.Time) time.Time {
	if r.IntN(3) == 0 {
		ids := sortedKeys(w.msgs)
		for range 50 {
			m := w.msgs[ids[r.IntN(len(ids))]]
			if days, _ := w.period(p, m); days != 0 {
				return m.created.AddDate(0, 0, days)
			}
		}
	}
	return randTime(r, base.AddDate(-1, 0, 0), base.AddDate(1, 0, 0))
}

func pickRange(r *rand.Rand, base time.Time) (from, to time.Time) {
	if r.IntN(2) == 0 { // whole months: the partition path
		f := base.AddDate(0, -1-r.IntN(34), 0)
		from = time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC)
		return from, from.AddDate(0, 1+r.IntN(6), 0)
	}
	from = randTime(r, base.AddDate(-3, 0, 0), base.AddDate(0, 0, -30))
	return from, from.Add(time.Duration(1+r.IntN(200*24)) * time.Hour)
}

// freshBatch ingests new messages into surviving conversations and into
// new ones, a share of them already expired under p. No message's expiry
// lies within a day of base, so the ingest's own clock cannot tip one.
func freshBatch(t *testing.T, ix *indexer.Indexer, w *world, r *rand.Rand, p model.RetentionPolicy, base time.Time, seed uint64) {
	t.Helper()
	alive := sortedKeys(w.convs)
	var newConvs []*oConv
	var msgs []*oMsg
	for i := range 30 {
		ui := r.IntN(len(w.users))
		c := &oConv{id: fmt.Sprintf("fc%03d", i), user: ui, ownerID: w.users[ui].id, created: base.Add(-24 * time.Hour)}
		if w.users[ui].alias != "" && r.IntN(2) == 0 {
			c.ownerID = w.users[ui].alias
		}
		newConvs = append(newConvs, c)
		// Recent, unflagged: never expired at base (every period is ≥ 30 days).
		msgs = append(msgs, &oMsg{id: fmt.Sprintf("f%05d", len(msgs)), conv: c.id, user: ui, seq: 100000,
			created: c.created, keyword: oKeywords[r.IntN(len(oKeywords))]})
	}
	for range 300 {
		var c *oConv
		if r.IntN(4) == 0 || len(alive) == 0 {
			c = newConvs[r.IntN(len(newConvs))]
		} else {
			c = w.convs[alive[r.IntN(len(alive))]]
		}
		m := &oMsg{id: fmt.Sprintf("f%05d", len(msgs)), conv: c.id, user: c.user, seq: 100000 + len(msgs),
			findings: randFindings(r), keyword: oKeywords[r.IntN(len(oKeywords))]}
		m.created = randTime(r, base.AddDate(-3, 0, 0), base.AddDate(0, 0, -2))
		for {
			days, _ := w.period(p, m)
			if days == 0 {
				break
			}
			exp := m.created.AddDate(0, 0, days)
			if d := exp.Sub(base); d > 24*time.Hour || d < -24*time.Hour {
				break
			}
			m.created = m.created.AddDate(0, 0, -3)
		}
		msgs = append(msgs, m)
	}
	// A re-sync re-delivers messages run 1 deleted: those the policy had
	// expired by base (with the margin) and no hold covers are dropped again.
	redelivered := 0
	for _, id := range sortedKeys(w.gone) {
		m := w.gone[id]
		days, _ := w.period(p, m)
		if _, alive := w.convs[m.conv]; !alive || days == 0 || len(w.heldBy(m)) > 0 ||
			!m.created.AddDate(0, 0, days).Before(base.Add(-24*time.Hour)) || r.IntN(4) != 0 {
			continue
		}
		msgs = append(msgs, m)
		redelivered++
	}
	b := indexer.Batch{}
	for _, c := range newConvs {
		b.Conversations = append(b.Conversations, c.record())
		w.convs[c.id] = c
	}
	// The oracle decides at base; the margin above makes the ingest's clock
	// (later by the test's runtime) decide the same.
	wantExpired := 0
	for _, m := range msgs {
		b.Messages = append(b.Messages, m.record())
		if exp, _ := w.expired(p, m, base); exp && len(w.heldBy(m)) == 0 {
			wantExpired++
			w.deleted[m.id] = true
			continue
		}
		w.msgs[m.id] = m
	}
	res, err := ix.Ingest(context.Background(), b)
	if err != nil {
		t.Fatalf("fresh ingest: %v", err)
	}
	t.Logf("fresh batch: %d messages (%d re-delivered), %d expired by the oracle", len(msgs), redelivered, wantExpired)
	if res.Expired != wantExpired {
		t.Errorf("seed %d: fresh ingest expired %d messages, oracle %d (of %d, %d of them re-delivered)", seed, res.Expired, wantExpired, len(msgs), redelivered)
	}
	if res.Purged != 0 {
		t.Errorf("seed %d: fresh ingest purged %d, want 0 (no range was deleted yet)", seed, res.Purged)
	}
}

// TestOracle_PolicySequence applies shortening, then lengthening policies
// at moving instants (one going back in time): deletion is monotonic —
// nothing deleted comes back — and nothing a hold covers goes.
func TestOracle_PolicySequence(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 0x15))
	base := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	w := genWorld(r, genSpec{users: 12, convs: 80, msgs: 800, start: base.AddDate(-3, 0, 0), end: base})
	ix := openOracle(t)
	ingestWorld(t, ix, w)
	addHold(t, ix, w, model.Hold{Matter: "Custodian", Reason: "r", CreatedBy: "a", Custodians: []string{w.users[0].alias}}, "hold")
	addHold(t, ix, w, model.Hold{Matter: "Chats", Reason: "r", CreatedBy: "a", Conversations: []string{"c005", "c017"}}, "hold")
	addHold(t, ix, w, model.Hold{Matter: "Query", Reason: "r", CreatedBy: "a", Query: &model.HoldQuery{FindingTypes: []string{"ssn"}}}, "hold")
	held := map[string]bool{}
	for id, m := range w.msgs {
		if len(w.heldBy(m)) > 0 {
			held[id] = true
		}
	}
	steps := []struct {
		p   model.RetentionPolicy
		now time.Time
	}{
		{model.RetentionPolicy{DefaultDays: 1000}, base},
		{model.RetentionPolicy{DefaultDays: 730, Rules: []model.RetentionRule{{Name: "flagged", Flagged: true, Days: 0}}}, base},
		{model.RetentionPolicy{DefaultDays: 365, Rules: []model.RetentionRule{{Name: "flagged", Flagged: true, Days: 900}}}, base.AddDate(0, 1, 0)},
		{model.RetentionPolicy{DefaultDays: 180, Rules: []model.RetentionRule{{Name: "crit", MinSeverity: "critical", Days: 400}}}, base.AddDate(0, 2, 0)},
		// Lengthening, and an earlier instant: nothing comes back.
		{model.RetentionPolicy{DefaultDays: 2000}, base.AddDate(0, -6, 0)},
		{model.RetentionPolicy{DefaultDays: 0}, base.AddDate(1, 0, 0)},
		{model.RetentionPolicy{DefaultDays: 90, Rules: []model.RetentionRule{{Name: "u1", Users: []string{w.users[1].email}, Days: 3000}}}, base.AddDate(0, 3, 0)},
	}
	for i, s := range steps {
		label := fmt.Sprintf("step %d (default %d, now %s)", i, s.p.DefaultDays, s.now.Format(time.DateOnly))
		if err := ix.SetRetentionPolicy(ctx, s.p); err != nil {
			t.Fatalf("%s: SetRetentionPolicy: %v", label, err)
		}
		before := maps.Clone(w.msgs)
		retentionStep(t, ix, w, s.p, s.now, label)
		for id := range held {
			if _, err := ix.Message(ctx, id); err != nil {
				t.Errorf("%s: held message %s: %v", label, id, err)
			}
		}
		stored := searchAll(t, ix, label)
		for id := range stored {
			if _, was := before[id]; !was {
				t.Errorf("%s: message %s came back", label, id)
			}
		}
	}
}

// TestOracle_RangeDeletion checks range deletions without holds against
// the oracle (the harness's own baseline: it runs on the deletion path
// that predates issue 15), at month-aligned and arbitrary bounds.
func TestOracle_RangeDeletion(t *testing.T) {
	ctx := context.Background()
	for _, seed := range oracleSeeds(t)[:2] {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 0x16))
			w := genWorld(r, genSpec{users: 10, convs: 100, msgs: 1000, start: caseBase.AddDate(-3, 0, 0), end: caseBase})
			ix := openOracle(t)
			ingestWorld(t, ix, w)
			for i := range 3 {
				from, to := pickRange(r, caseBase)
				label := fmt.Sprintf("delete %d [%s, %s)", i, from.Format(time.RFC3339), to.Format(time.RFC3339))
				e := w.planRange(from, to)
				got, err := ix.DeleteRange(ctx, from, to, false)
				if err != nil {
					t.Fatalf("%s: %v", label, err)
				}
				checkDelete(t, e, got, false, label)
				w.apply(e)
				checkStore(t, ix, w, label)
			}
		})
	}
}
