package indexer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// holdFixture: Ada (user_a, alias acc-a from an export, ada@example.com)
// owns ca1 under her id and ca2 under her alias; Bob owns cb1 and cb2.
// Messages mentioning "merger": ca1/0, cb1/1, cb2/0.
func holdFixture(t *testing.T) *Indexer { t.Helper(); return holdFixtureAt(t, t.TempDir()) }

func holdFixtureAt(t *testing.T, dir string) *Indexer {
	t.Helper()
	ix := openTest(t, dir)
	convs := []model.Conversation{
		{ID: "ca1", OwnerID: "user_a"}, {ID: "ca2", OwnerID: "acc-a"},
		{ID: "cb1", OwnerID: "user_b"}, {ID: "cb2", OwnerID: "user_b"},
	}
	texts := map[string][]string{
		"ca1": {"the merger plan", "lunch"},
		"ca2": {"export chat", "more export", "and more"},
		"cb1": {"hello", "merger terms"},
		"cb2": {"merger again"},
	}
	var b Batch
	b.Users = []model.User{{ID: "user_a", Name: "Ada", Email: "Ada@Example.com", Aliases: []string{"acc-a"}},
		{ID: "user_b", Email: "bob@example.com"}}
	for i, c := range convs {
		c.Source, c.Provider, c.Title = model.SourceComplianceAPI, model.ProviderAnthropic, "chat "+c.ID
		c.CreatedAt = t0.Add(time.Duration(i) * time.Hour)
		b.Conversations = append(b.Conversations, c)
		for j, text := range texts[c.ID] {
			b.Messages = append(b.Messages, holdMsg(c.ID, j, c.CreatedAt.Add(time.Duration(j)*time.Minute), text))
		}
	}
	if _, err := ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return ix
}

func holdMsg(conv string, seq int, at time.Time, text string) model.Message {
	return model.Message{ID: fmt.Sprintf("%s-m%d", conv, seq), ConversationID: conv, Seq: seq, Role: model.RoleHuman,
		CreatedAt: at, Blocks: []model.Block{{Type: model.BlockText, Text: text}}}
}

func addHold(t *testing.T, ix *Indexer, h model.Hold) model.Hold {
	t.Helper()
	if h.Matter == "" {
		h.Matter = "Acme v. Example"
	}
	if h.Reason == "" {
		h.Reason = "litigation"
	}
	if h.CreatedBy == "" {
		h.CreatedBy = "admin@example.com"
	}
	got, err := ix.AddHold(context.Background(), h)
	if err != nil {
		t.Fatalf("add hold %+v: %v", h, err)
	}
	return got
}

// heldMessages is every message id some active hold covers, by ConversationHolds.
func heldMessages(t *testing.T, ix *Indexer, convs ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, c := range convs {
		h, err := ix.ConversationHolds(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		for m, ids := range h {
			out[m] = ids
		}
	}
	return out
}

func heldIDs(t *testing.T, ix *Indexer) string {
	t.Helper()
	h := heldMessages(t, ix, "ca1", "ca2", "cb1", "cb2", "c-new")
	var ids []string
	for m := range h {
		ids = append(ids, m)
	}
	slices.Sort(ids)
	return strings.Join(ids, ",")
}

func TestAddHoldValidation(t *testing.T) {
	ix := holdFixture(t)
	base := model.Hold{Matter: "m", Reason: "r", Conversations: []string{"ca1"}}
	cases := []struct {
		name string
		edit func(h *model.Hold)
		want string
	}{
		{"no matter", func(h *model.Hold) { h.Matter = " " }, "matter: required"},
		{"long matter", func(h *model.Hold) { h.Matter = strings.Repeat("x", 201) }, "matter: 201 bytes"},
		{"no reason", func(h *model.Hold) { h.Reason = "" }, "reason: required"},
		{"names nothing", func(h *model.Hold) { h.Conversations = nil }, "names custodians, conversations or a query"},
		{"blank custodian", func(h *model.Hold) { h.Custodians = []string{"u1", " "} }, "custodians[1]"},
		{"NUL custodian", func(h *model.Hold) { h.Custodians = []string{"u1\x00x"} }, "custodians[0]: contains a NUL byte"},
		{"NUL conversation", func(h *model.Hold) { h.Conversations = []string{"ok", "c\x00"} }, "conversations[1]: contains a NUL byte"},
		{"too many custodians", func(h *model.Hold) { h.Custodians = make([]string, 10001) }, "custodians: 10001"},
		{"query matches all", func(h *model.Hold) { h.Query = &model.HoldQuery{Text: "  "} }, "query: matches every message"},
		{"query user NUL", func(h *model.Hold) { h.Query = &model.HoldQuery{Users: []string{"a\x00"}} }, "query.users[0]"},
		{"query from after to", func(h *model.Hold) { h.Query = &model.HoldQuery{From: t0, To: t0} }, "query: from"},
		{"query too many models", func(h *model.Hold) { h.Query = &model.HoldQuery{Models: make([]string, 1001)} }, "query.models: 1001 values"},
		{"query long finding type", func(h *model.Hold) {
			h.Query = &model.HoldQuery{FindingTypes: []string{strings.Repeat("x", 321)}}
		}, "query.finding_types[0]: 321 bytes"},
		{"query syntax", func(h *model.Hold) { h.Query = &model.HoldQuery{Text: `title:"unterminated`} }, "query:"},
		{"query far future", func(h *model.Hold) { h.Query = &model.HoldQuery{From: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)} }, "query"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := base
			tc.edit(&h)
			_, err := ix.AddHold(context.Background(), h)
			if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("AddHold: %v, want ErrBadRequest naming %q", err, tc.want)
			}
		})
	}
	if hs, err := ix.Holds(context.Background(), true); err != nil || len(hs) != 0 {
		t.Fatalf("rejected holds were stored: %+v, %v", hs, err)
	}
}

func TestHoldCustodianCoversAliasOwnedConversations(t *testing.T) {
	for _, name := range []string{"user_a", "acc-a", "ada@EXAMPLE.com"} {
		t.Run(name, func(t *testing.T) {
			ix := holdFixture(t)
			h := addHold(t, ix, model.Hold{Custodians: []string{name}})
			if got := heldIDs(t, ix); got != "ca1-m0,ca1-m1,ca2-m0,ca2-m1,ca2-m2" {
				t.Fatalf("custodian %q holds %s", name, got)
			}
			if h.Messages != 5 || h.ConversationsCount != 2 || !strings.HasPrefix(h.ID, "hold_") || h.CreatedAt.IsZero() {
				t.Fatalf("hold as returned: %+v", h)
			}
			if !slices.Equal(h.Custodians, []string{name}) {
				t.Fatalf("custodians stored as %q, given %q", h.Custodians, name)
			}
			err := ix.db.View(func(txn *badger.Txn) error {
				v, err := ix.holdView(txn)
				if err != nil {
					return err
				}
				for _, c := range []struct {
					conv, owner string
					want        bool
				}{{"ca1", "user_a", true}, {"ca2", "acc-a", true}, {"cb1", "user_b", false}} {
					if got := v.convHeld(&model.Conversation{ID: c.conv, OwnerID: c.owner}); got != c.want {
						t.Errorf("convHeld(%s) = %v", c.conv, got)
					}
					// heldBy with the owner given and with it read from the record agree.
					for _, owner := range []string{c.owner, ""} {
						got, err := v.heldBy(txn, &model.Message{ID: c.conv + "-m0", ConversationID: c.conv}, owner)
						if err != nil {
							return err
						}
						if (len(got) == 1 && got[0] == h.ID) != c.want || (!c.want && got != nil) {
							t.Errorf("heldBy(%s, owner %q) = %q", c.conv, owner, got)
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestHoldConversationCoversFutureMessages(t *testing.T) {
	ix := holdFixture(t)
	ctx := context.Background()
	// c-new does not exist yet: a later sync brings it, and it is covered.
	h := addHold(t, ix, model.Hold{Conversations: []string{"cb1", "c-new"}})
	if h.Messages != 2 || h.ConversationsCount != 1 {
		t.Fatalf("counts before: %+v", h)
	}
	b := Batch{Conversations: []model.Conversation{{ID: "c-new", OwnerID: "user_b", Source: model.SourceComplianceAPI,
		Provider: model.ProviderAnthropic, CreatedAt: t0.AddDate(0, 0, 1)}},
		Messages: []model.Message{holdMsg("cb1", 2, t0.AddDate(0, 0, 1), "later"), holdMsg("c-new", 0, t0.AddDate(0, 0, 1), "new")}}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := heldIDs(t, ix); got != "c-new-m0,cb1-m0,cb1-m1,cb1-m2" {
		t.Fatalf("held after the sync: %s", got)
	}
	if h, err := ix.Hold(ctx, h.ID); err != nil || h.Messages != 4 || h.ConversationsCount != 2 {
		t.Fatalf("counts after: %+v, %v", h, err)
	}
}

func TestHoldFrozenQueryIgnoresLaterMatches(t *testing.T) {
	ix := holdFixture(t)
	ctx := context.Background()
	before := time.Now()
	h := addHold(t, ix, model.Hold{Query: &model.HoldQuery{Text: "merger"}})
	if h.Query.Matched != 3 || h.Query.FrozenAt.Before(before.Add(-time.Second)) || h.Messages != 3 || h.ConversationsCount != 3 {
		t.Fatalf("frozen query: %+v %+v", h, h.Query)
	}
	if _, err := ix.Ingest(ctx, Batch{Messages: []model.Message{holdMsg("ca1", 2, t0.AddDate(0, 0, 1), "merger news")}}); err != nil {
		t.Fatal(err)
	}
	if got := heldIDs(t, ix); got != "ca1-m0,cb1-m1,cb2-m0" {
		t.Fatalf("held after a later matching message: %s", got)
	}
	// Users by email and alias narrow the frozen query like custodians do.
	h2 := addHold(t, ix, model.Hold{Query: &model.HoldQuery{Text: "merger", Users: []string{"BOB@example.com"}}})
	h3 := addHold(t, ix, model.Hold{Query: &model.HoldQuery{Text: "merger", Users: []string{"acc-a"}}})
	h4 := addHold(t, ix, model.Hold{Query: &model.HoldQuery{Text: "merger", Users: []string{"nobody@example.com"}}})
	if h2.Query.Matched != 2 || h3.Query.Matched != 2 || h4.Query.Matched != 0 {
		t.Fatalf("matched by user: bob %d, ada %d, nobody %d", h2.Query.Matched, h3.Query.Matched, h4.Query.Matched)
	}
}

func TestReleaseHold(t *testing.T) {
	ix := holdFixture(t)
	ctx := context.Background()
	h := addHold(t, ix, model.Hold{Custodians: []string{"user_b"}, Query: &model.HoldQuery{Text: "merger"}})
	if _, err := ix.ReleaseHold(ctx, h.ID, "admin", "  "); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("release without reason: %v", err)
	}
	if _, err := ix.ReleaseHold(ctx, "hold_nope", "admin", "done"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("release unknown: %v", err)
	}
	var before *holdView
	if err := ix.db.View(func(txn *badger.Txn) (err error) { before, err = ix.holdView(txn); return err }); err != nil {
		t.Fatal(err)
	}
	r, err := ix.ReleaseHold(ctx, h.ID, "admin", "case settled")
	if err != nil || r.ReleasedAt == nil || r.ReleasedBy != "admin" || r.ReleaseReason != "case settled" || r.Active() {
		t.Fatalf("release: %+v, %v", r, err)
	}
	if _, err := ix.ReleaseHold(ctx, h.ID, "admin", "again"); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "already released") {
		t.Fatalf("second release: %v", err)
	}
	if got := heldIDs(t, ix); got != "" {
		t.Fatalf("released hold still covers %s", got)
	}
	if err := ix.db.View(before.check); !errors.Is(err, errHoldsChanged) {
		t.Fatalf("a view from before the release checks %v, want errHoldsChanged", err)
	}
	active, _ := ix.Holds(ctx, false)
	all, _ := ix.Holds(ctx, true)
	if len(active) != 0 || len(all) != 1 || all[0].ReleaseReason != "case settled" || all[0].Messages != 0 {
		t.Fatalf("listed: active %+v, all %+v", active, all)
	}
	if n := countPrefix(t, ix, pHoldMsg) + countPrefix(t, ix, pHoldMem) + countPrefix(t, ix, pMeta+mHoldPending); n != 0 {
		t.Fatalf("%d query keys left after the release", n)
	}
}

func countPrefix(t *testing.T, ix *Indexer, prefix string) int {
	t.Helper()
	n := 0
	if err := ix.db.View(func(txn *badger.Txn) error {
		return scanKeys(txn, []byte(prefix), func([]byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A message under several of a hold's criteria counts once; a query match
// whose message is gone counts not at all.
func TestHoldCountsOverlappingCriteria(t *testing.T) {
	ix := holdFixture(t)
	ctx := context.Background()
	// user_b: cb1 (2) + cb2 (1); cb1 again by name; the query adds ca1-m0
	// and re-names cb1-m1 and cb2-m0.
	h := addHold(t, ix, model.Hold{Custodians: []string{"user_b", "bob@example.com"}, Conversations: []string{"cb1", "cb1"},
		Query: &model.HoldQuery{Text: "merger"}})
	if h.Messages != 4 || h.ConversationsCount != 3 {
		t.Fatalf("counts: messages %d conversations %d, want 4 and 3", h.Messages, h.ConversationsCount)
	}
	if got := heldMessages(t, ix, "cb1")["cb1-m1"]; !slices.Equal(got, []string{h.ID}) {
		t.Fatalf("cb1-m1 held by %q", got)
	}
	other := addHold(t, ix, model.Hold{Matter: "Other", Conversations: []string{"cb1"}})
	if got := heldMessages(t, ix, "cb1")["cb1-m1"]; len(got) != 2 || !slices.IsSorted(got) || !slices.Contains(got, other.ID) {
		t.Fatalf("cb1-m1 held by %q, want both holds sorted", got)
	}
	// The query's only match outside the custodian's chats disappears.
	if err := ix.db.Update(func(txn *badger.Txn) error { return txn.Delete(key(pMessage, "ca1-m0")) }); err != nil {
		t.Fatal(err)
	}
	if h, err := ix.Hold(ctx, h.ID); err != nil || h.Messages != 3 || h.ConversationsCount != 2 {
		t.Fatalf("after the match went: %+v, %v", h, err)
	}
	hs, err := ix.Holds(ctx, false)
	if err != nil || len(hs) != 2 || hs[0].ID != other.ID || hs[1].ID != h.ID {
		t.Fatalf("Holds not newest first: %+v, %v", hs, err)
	}
}

func TestHoldViewFastPathAndChangeDetection(t *testing.T) {
	ix := holdFixture(t)
	ctx := context.Background()
	// No hold: empty view, nothing read per message.
	if err := ix.db.View(func(txn *badger.Txn) error {
		v, err := ix.holdView(txn)
		if err != nil {
			return err
		}
		got, err := v.heldBy(txn, &model.Message{ID: "ca1-m0", ConversationID: "ca1"}, "")
		if !v.empty() || got != nil || err != nil || v.convHeld(&model.Conversation{ID: "ca1"}) {
			t.Fatalf("empty view: empty %v heldBy %q %v", v.empty(), got, err)
		}
		return v.check(txn)
	}); err != nil {
		t.Fatal(err)
	}
	// A deletion's transaction loads the view and checks it; a hold
	// committed before the deletion commits makes the commit conflict,
	// and the next transaction's check reports the change.
	txn := ix.db.NewTransaction(true)
	defer txn.Discard()
	v, err := ix.holdView(txn)
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.Delete(key(pMessage, "ca1-m0")); err != nil {
		t.Fatal(err)
	}
	if err := v.check(txn); err != nil {
		t.Fatalf("check before any hold: %v", err)
	}
	addHold(t, ix, model.Hold{Conversations: []string{"ca1"}})
	if err := txn.Commit(); !errors.Is(err, badger.ErrConflict) {
		t.Fatalf("commit after a hold was placed: %v, want badger.ErrConflict", err)
	}
	if err := ix.db.View(func(txn *badger.Txn) error { return v.check(txn) }); !errors.Is(err, errHoldsChanged) {
		t.Fatalf("check in a later transaction: %v, want errHoldsChanged", err)
	}
	if got := heldIDs(t, ix); got != "ca1-m0,ca1-m1" {
		t.Fatalf("held: %s", got)
	}
	_ = ctx
}

func TestHoldQueryOverCapIsRefused(t *testing.T) {
	ix := holdFixture(t)
	old := maxHoldQueryMatches
	maxHoldQueryMatches = 2
	t.Cleanup(func() { maxHoldQueryMatches = old })
	_, err := ix.AddHold(context.Background(), model.Hold{Matter: "m", Reason: "r", Query: &model.HoldQuery{Text: "merger"}})
	if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "matches 3 messages") || !strings.Contains(err.Error(), "narrow the query") {
		t.Fatalf("over the cap: %v", err)
	}
	if n := countPrefix(t, ix, pHoldMsg) + countPrefix(t, ix, pHoldMem) + countPrefix(t, ix, pMeta+mHoldPending) +
		countPrefix(t, ix, pMeta+mHold); n != 0 {
		t.Fatalf("a refused hold left %d keys", n)
	}
}

func TestConcurrentAddHoldsBothLand(t *testing.T) {
	ix := holdFixture(t)
	ctx := context.Background()
	const n = 4
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := ix.AddHold(ctx, model.Hold{Matter: fmt.Sprint("matter ", i), Reason: "r",
				Custodians: []string{"user_b"}, Query: &model.HoldQuery{Text: "merger"}})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	hs, err := ix.Holds(ctx, false)
	if err != nil || len(hs) != n {
		t.Fatalf("holds: %d, %v", len(hs), err)
	}
	var version uint64
	if err := ix.db.View(func(txn *badger.Txn) (err error) { version, err = readHoldVersion(txn); return err }); err != nil || version != n {
		t.Fatalf("holds version %d, %v; want %d", version, err, n)
	}
	if got := heldMessages(t, ix, "ca1")["ca1-m0"]; len(got) != n {
		t.Fatalf("ca1-m0 held by %q, want all %d", got, n)
	}
}

// A crash between writing a hold's query keys and its record leaves keys
// nothing points at; the next AddHold removes them.
func TestAddHoldSweepsKeysACrashLeft(t *testing.T) {
	ix := holdFixture(t)
	if err := ix.db.Update(func(txn *badger.Txn) error { return txn.Set(holdPendingKey("hold_dead"), nil) }); err != nil {
		t.Fatal(err)
	}
	if err := ix.writeQueryKeys("hold_dead", map[string]string{"ca1-m0": "ca1", "cb1-m1": "cb1"}); err != nil {
		t.Fatal(err)
	}
	if got := heldIDs(t, ix); got != "" {
		t.Fatalf("keys of a hold with no record cover %s", got)
	}
	addHold(t, ix, model.Hold{Conversations: []string{"cb2"}})
	if n := countPrefix(t, ix, pHoldMsg) + countPrefix(t, ix, pHoldMem) + countPrefix(t, ix, pMeta+mHoldPending); n != 0 {
		t.Fatalf("%d leftover keys after the next AddHold", n)
	}
}

// Hostile and large input: ten thousand custodians (unknown ids, one real
// alias), ids with '/' and spaces.
func TestHoldManyCustodiansAndOddIDs(t *testing.T) {
	ix := holdFixture(t)
	ctx := context.Background()
	names := make([]string, 10000)
	for i := range names {
		names[i] = fmt.Sprintf("user/%d ../x", i)
	}
	names[9999] = "acc-a"
	start := time.Now()
	h := addHold(t, ix, model.Hold{Custodians: names, Conversations: []string{"a/b", "../../etc"}})
	took := time.Since(start)
	if h.Messages != 5 || h.ConversationsCount != 2 || len(h.Custodians) != 10000 {
		t.Fatalf("counts %d/%d, custodians %d", h.Messages, h.ConversationsCount, len(h.Custodians))
	}
	b := Batch{Conversations: []model.Conversation{{ID: "a/b", OwnerID: "user/5 ../x", Source: model.SourceComplianceAPI,
		Provider: model.ProviderAnthropic, CreatedAt: t0}}, Messages: []model.Message{holdMsg("a/b", 0, t0, "x")}}
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	got := heldMessages(t, ix, "a/b")
	if !slices.Equal(got["a/b-m0"], []string{h.ID}) {
		t.Fatalf("a/b held by %v", got)
	}
	start = time.Now()
	if _, err := ix.Holds(ctx, false); err != nil {
		t.Fatal(err)
	}
	list := time.Since(start)
	start = time.Now()
	if err := ix.db.View(func(txn *badger.Txn) error { _, err := ix.holdView(txn); return err }); err != nil {
		t.Fatal(err)
	}
	t.Logf("10k custodians: AddHold %v, Holds %v, holdView load %v", took, list, time.Since(start))
}

// Hold calls do not take ix.writes, so they meet a closed store on their
// own: an error, not a panic.
func TestHoldCallsAfterClose(t *testing.T) {
	ix, err := Open(context.Background(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ctx := context.Background()
	if _, err := ix.AddHold(ctx, model.Hold{Matter: "m", Reason: "r", Conversations: []string{"c"}}); err == nil {
		t.Error("AddHold after Close succeeded")
	}
	if _, err := ix.AddHold(ctx, model.Hold{Matter: "m", Reason: "r", Query: &model.HoldQuery{Text: "x"}}); err == nil {
		t.Error("AddHold with a query after Close succeeded")
	}
	if _, err := ix.Holds(ctx, true); err == nil {
		t.Error("Holds after Close succeeded")
	}
	if _, err := ix.ReleaseHold(ctx, "hold_x", "a", "r"); err == nil {
		t.Error("ReleaseHold after Close succeeded")
	}
	if _, err := ix.ConversationHolds(ctx, "c"); err == nil {
		t.Error("ConversationHolds after Close succeeded")
	}
}

// heldBy probes each query hold's key up to pointLookups holds and scans the
// message's keys beyond: both give the active holds only, never the keys a
// hold that was not placed left behind.
func TestHeldByQueryHoldsBothPaths(t *testing.T) {
	ix := holdFixture(t)
	if err := ix.writeQueryKeys("hold_dead", map[string]string{"ca1-m0": "ca1"}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range pointLookups + 1 {
		h := addHold(t, ix, model.Hold{Matter: fmt.Sprint("m", i), Query: &model.HoldQuery{Text: "merger"}})
		want = append(want, h.ID)
		slices.Sort(want)
		err := ix.db.View(func(txn *badger.Txn) error {
			v, err := ix.holdView(txn)
			if err != nil {
				return err
			}
			got, err := v.heldBy(txn, &model.Message{ID: "ca1-m0", ConversationID: "ca1"}, "user_a")
			if !slices.Equal(got, want) {
				t.Errorf("%d query holds: heldBy = %q, want %q", len(want), got, want)
			}
			none, err2 := v.heldBy(txn, &model.Message{ID: "ca1-m1", ConversationID: "ca1"}, "user_a")
			if none != nil {
				t.Errorf("%d query holds: unmatched message held by %q", len(want), none)
			}
			return errors.Join(err, err2)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A matched message deleted before the hold took effect leaves keys that
// settling removes; after that, Verify reports any pinned message that
// goes missing (a deletion that ignored the hold).
func TestHoldSettleAndVerify(t *testing.T) {
	ix := holdFixture(t)
	ctx := context.Background()
	h := addHold(t, ix, model.Hold{Query: &model.HoldQuery{Text: "merger"}})
	verifyOK := func(when string) {
		t.Helper()
		rep, err := ix.Verify(ctx)
		if err != nil || !rep.OK() {
			t.Fatalf("verify %s: %+v, %v", when, rep.Problems, err)
		}
	}
	verifyOK("after placing")
	// As a crash after the record but before settling leaves it: a key of
	// a message a deletion took first, and the marker.
	if err := ix.writeQueryKeys(h.ID, map[string]string{"gone": "ca1"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.db.Update(func(txn *badger.Txn) error { return txn.Set(holdPendingKey(h.ID), nil) }); err != nil {
		t.Fatal(err)
	}
	verifyOK("while settling")
	addHold(t, ix, model.Hold{Conversations: []string{"cb2"}}) // settles h
	if n := countPrefix(t, ix, pHoldMem); n != 3 {
		t.Fatalf("%d query keys after settling, want the 3 stored matches", n)
	}
	verifyOK("after settling")
	if err := ix.db.Update(func(txn *badger.Txn) error { return txn.Delete(key(pMessage, "cb1-m1")) }); err != nil {
		t.Fatal(err)
	}
	rep, err := ix.Verify(ctx)
	if err != nil || !slices.ContainsFunc(rep.Problems, func(p string) bool {
		return strings.Contains(p, h.ID) && strings.Contains(p, "1 messages its query pinned")
	}) {
		t.Fatalf("verify after a held message went: %q, %v", rep.Problems, err)
	}
}
