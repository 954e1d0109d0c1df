package alerts

import (
	"context"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

func TestBackfillAndLive(t *testing.T) {
	tests := []struct {
		name     string
		origin   string
		created  time.Duration // before ingest
		backfill bool          // rule's IncludeBackfill
		want     int
	}{
		{"live sync", indexer.OriginSync, time.Minute, false, 1},
		{"sync of a day-old message is still live", indexer.OriginSync, 24 * time.Hour, false, 1},
		{"sync of older history is backfill", indexer.OriginSync, 24*time.Hour + time.Second, false, 0},
		{"history with IncludeBackfill", indexer.OriginSync, 30 * 24 * time.Hour, true, 1},
		{"import is backfill", indexer.OriginImport, time.Minute, false, 0},
		{"import with IncludeBackfill", indexer.OriginImport, time.Minute, true, 1},
		{"unknown origin is backfill", "", time.Minute, false, 0},
		{"unknown origin with IncludeBackfill", "", time.Minute, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.rule(model.AlertRule{IncludeBackfill: tc.backfill})
			at := t0.Add(40 * 24 * time.Hour)
			e.ingest(tc.origin, at, indexer.Batch{Messages: []model.Message{e.msg("c1", at.Add(-tc.created), "[[email:medium]]")}})
			got := e.fired()
			if len(got) != tc.want {
				t.Fatalf("%d alerts, want %d", len(got), tc.want)
			}
			if tc.want > 0 && got[0].Origin != tc.origin {
				t.Errorf("origin %q, want %q", got[0].Origin, tc.origin)
			}
		})
	}
}

func TestEditedMessageDoesNotRealert(t *testing.T) {
	e := newEnv(t)
	e.rule(model.AlertRule{QuietMinutes: 1})
	m := e.msg("c1", t0, "key [[aws_access_key:critical]]")
	e.live(t0.Add(time.Minute), m)
	if got := e.fired(); len(got) != 1 {
		t.Fatalf("first sync: %d alerts", len(got))
	}
	// Hours later, far past the quiet period: the same message re-synced
	// unchanged, then edited with its finding where it was.
	e.live(t0.Add(3*time.Hour), m)
	m.Blocks[0].Text += " and some more words"
	e.live(t0.Add(4*time.Hour), m)
	if got := e.fired(); len(got) != 0 {
		t.Fatalf("re-sync and edit alerted: %+v", got)
	}
	// An edit that adds a finding is not live traffic (not New): backfill.
	m.Blocks[0].Text += " [[email:medium]]"
	e.live(t0.Add(5*time.Hour), m)
	if got := e.fired(); len(got) != 0 {
		t.Fatalf("edit alerted without IncludeBackfill: %+v", got)
	}
}

func TestRescanDoesNotPage(t *testing.T) {
	e := newEnv(t)
	quiet := e.rule(model.AlertRule{Name: "live only"})
	loud := e.rule(model.AlertRule{Name: "with backfill", IncludeBackfill: true})
	e.live(t0.Add(time.Minute), e.msg("c1", t0, "a new detector finds {{jwt:high}}"))
	if got := e.fired(); len(got) != 0 {
		t.Fatalf("before the new detector: %+v", got)
	}
	e.loud.Store(true)
	if _, err := e.ix.Rescan(context.Background(), indexer.RescanOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	got := e.fired()
	if len(got) != 1 || got[0].RuleID != loud.ID || got[0].Origin != indexer.OriginRescan || got[0].ByType["jwt"] != 1 {
		t.Fatalf("after re-scan: %+v (want one alert of %s, none of %s)", got, loud.ID, quiet.ID)
	}
}

func TestThresholdWindow(t *testing.T) {
	at := t0.Add(time.Hour)
	type msg struct {
		created time.Duration // after t0
		n       int           // findings
	}
	tests := []struct {
		name      string
		threshold int
		window    int
		msgs      []msg
		want      int // findings of the one alert, 0: no alert
	}{
		{"exactly N is no alert", 3, 10, []msg{{0, 1}, {time.Minute, 1}, {2 * time.Minute, 1}}, 0},
		{"N+1 fires", 3, 10, []msg{{0, 1}, {time.Minute, 1}, {2 * time.Minute, 1}, {3 * time.Minute, 1}}, 4},
		{"N+1 in one message", 3, 10, []msg{{0, 4}}, 4},
		{"window boundary is inclusive", 1, 10, []msg{{0, 1}, {10 * time.Minute, 1}}, 2},
		{"just outside the window", 1, 10, []msg{{0, 1}, {10*time.Minute + time.Millisecond, 1}}, 0},
		{"spread over hours", 2, 10, []msg{{0, 1}, {time.Hour, 1}, {2 * time.Hour, 1}, {3 * time.Hour, 1}}, 0},
		{"old ones slide out", 2, 10, []msg{{0, 2}, {20 * time.Minute, 1}, {25 * time.Minute, 1}, {29 * time.Minute, 1}}, 3},
		{"out of order creation", 2, 10, []msg{{30 * time.Minute, 1}, {0, 1}, {25 * time.Minute, 1}, {22 * time.Minute, 1}}, 3},
	}
	for _, tc := range tests {
		for _, oneBatch := range []bool{false, true} {
			name := tc.name + "/separate batches"
			if oneBatch {
				name = tc.name + "/one batch"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				e.rule(model.AlertRule{Threshold: tc.threshold, WindowMinutes: tc.window})
				var all []model.Message
				var got []model.Alert
				for _, m := range tc.msgs {
					text := ""
					for range m.n {
						text += "[[email:medium]] "
					}
					msg := e.msg("c1", t0.Add(m.created), text)
					if oneBatch {
						all = append(all, msg)
						continue
					}
					e.live(at, msg)
					got = append(got, e.fired()...)
				}
				if oneBatch {
					e.live(at, all...)
					got = e.fired()
				}
				if tc.want == 0 {
					if len(got) != 0 {
						t.Fatalf("alerts %+v, want none", got)
					}
					return
				}
				if len(got) != 1 || got[0].Findings != tc.want {
					t.Fatalf("alerts %+v, want one of %d findings", got, tc.want)
				}
				if d := got[0].LastSeen.Sub(got[0].FirstSeen); d > time.Duration(tc.window)*time.Minute {
					t.Errorf("alert spans %v, more than the window", d)
				}
			})
		}
	}
}

func TestThresholdStateIsBounded(t *testing.T) {
	e := newEnv(t)
	r := e.rule(model.AlertRule{Threshold: 5, WindowMinutes: 1})
	for i := range 30 {
		// One finding an hour: never more than one in a window.
		e.live(t0.Add(time.Duration(i+1)*time.Hour), e.msg("c1", t0.Add(time.Duration(i)*time.Hour), "[[email:medium]] [[ssn:critical]]"))
	}
	if got := e.fired(); len(got) != 0 {
		t.Fatalf("alerts %+v", got)
	}
	st := allMeta(t, e.st, keyState+r.ID)
	if len(st) != 1 {
		t.Fatalf("state keys %v", st)
	}
	for _, v := range st {
		var gs groupState
		if err := jsonUnmarshal(v, &gs); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, w := range gs.Window {
			n += w.N
		}
		if n > 5 || len(gs.WinMsgs) > 5 {
			t.Errorf("state keeps %d findings and %d messages, want at most 5: %s", n, len(gs.WinMsgs), v)
		}
	}
}

func TestQuietPeriodAndSuppressed(t *testing.T) {
	e := newEnv(t)
	e.rule(model.AlertRule{QuietMinutes: 60})
	first := e.msg("c1", t0, "[[aws_access_key:critical]]")
	e.live(t0.Add(time.Minute), first)
	got := e.fired()
	if len(got) != 1 || got[0].Suppressed != 0 {
		t.Fatalf("first alert %+v", got)
	}
	// Two more within the hour, each in a batch of its own: folded, not paged.
	s1, s2 := e.msg("c1", t0.Add(10*time.Minute), "[[email:medium]]"), e.msg("c3", t0.Add(20*time.Minute), "[[email:medium]] [[email:medium]]")
	e.live(t0.Add(11*time.Minute), s1)
	e.live(t0.Add(21*time.Minute), s2)
	// Another user is a group of its own.
	e.live(t0.Add(22*time.Minute), e.msg("c2", t0.Add(21*time.Minute), "[[email:medium]]"))
	got = e.fired()
	if len(got) != 1 || got[0].Group != "u2" {
		t.Fatalf("within the quiet period: %+v, want only u2's alert", got)
	}
	// The evaluator's clock does not matter, ingest time does.
	e.now = e.now.Add(48 * time.Hour)
	e.live(t0.Add(60*time.Minute), e.msg("c1", t0.Add(59*time.Minute), "[[ssn:critical]]"))
	if got := e.fired(); len(got) != 0 {
		t.Fatalf("at the end of the quiet period: %+v", got)
	}
	last := e.msg("c1", t0.Add(70*time.Minute), "[[jwt:high]]")
	e.live(t0.Add(61*time.Minute), last) // exactly when the quiet period ends
	got = e.fired()
	if len(got) != 1 {
		t.Fatalf("after the quiet period: %+v", got)
	}
	a := got[0]
	// Suppressed: s1, s2 and the ssn message; their findings come along.
	if a.Group != "u1" || a.Suppressed != 3 || a.Findings != 5 || a.ByType["email"] != 3 || a.ByType["ssn"] != 1 ||
		a.ByType["jwt"] != 1 || a.MaxSeverity != model.SeverityCritical || len(a.Messages) != 4 || a.Messages[0] != last.ID ||
		!a.FirstSeen.Equal(s1.CreatedAt) || !a.LastSeen.Equal(last.CreatedAt) {
		t.Errorf("alert after quiet period %+v", a)
	}
	// Its own quiet period started.
	e.live(t0.Add(62*time.Minute), e.msg("c1", t0.Add(71*time.Minute), "[[jwt:high]]"))
	if got := e.fired(); len(got) != 0 {
		t.Fatalf("new quiet period: %+v", got)
	}
}

func TestGrouping(t *testing.T) {
	forty := ""
	for range 40 {
		forty += "[[aws_access_key:critical]] "
	}
	four := "[[email:medium]] [[email:medium]] [[email:medium]] [[email:medium]]"
	t.Run("one paste of 40 findings is one alert", func(t *testing.T) {
		e := newEnv(t)
		e.rule(model.AlertRule{})
		e.live(t0.Add(time.Minute), e.msg("c1", t0, forty))
		got := e.fired()
		if len(got) != 1 || got[0].Findings != 40 || len(got[0].Messages) != 1 {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("40 findings over 10 messages of one user in one batch", func(t *testing.T) {
		e := newEnv(t)
		e.rule(model.AlertRule{})
		var msgs []model.Message
		for i := range 10 {
			conv := "c1"
			if i%2 == 1 {
				conv = "c3" // same user, under an alias
			}
			msgs = append(msgs, e.msg(conv, t0.Add(time.Duration(i)*time.Second), four))
		}
		e.live(t0.Add(time.Minute), msgs...)
		got := e.fired()
		if len(got) != 1 || got[0].Findings != 40 || len(got[0].Messages) != 10 || got[0].Suppressed != 0 || got[0].Messages[0] != msgs[9].ID {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("group by conversation and message", func(t *testing.T) {
		e := newEnv(t)
		byConv := e.rule(model.AlertRule{GroupBy: model.AlertGroupConversation})
		byMsg := e.rule(model.AlertRule{GroupBy: model.AlertGroupMessage})
		var msgs []model.Message
		for i := range 4 {
			conv := "c1"
			if i >= 2 {
				conv = "c3"
			}
			msgs = append(msgs, e.msg(conv, t0.Add(time.Duration(i)*time.Second), four))
		}
		e.live(t0.Add(time.Minute), msgs...)
		n := map[string]int{}
		for _, a := range e.fired() {
			n[a.RuleID]++
			if a.User != "u1" {
				t.Errorf("alert user %q", a.User)
			}
		}
		if n[byConv.ID] != 2 || n[byMsg.ID] != 4 {
			t.Fatalf("alerts per rule %v, want 2 by conversation and 4 by message", n)
		}
	})
	t.Run("more than 20 messages", func(t *testing.T) {
		e := newEnv(t)
		e.rule(model.AlertRule{})
		var msgs []model.Message
		for i := range 30 {
			msgs = append(msgs, e.msg("c1", t0.Add(time.Duration(i)*time.Second), "[[email:medium]]"))
		}
		e.live(t0.Add(time.Minute), msgs...)
		got := e.fired()
		if len(got) != 1 || got[0].Findings != 30 || len(got[0].Messages) != 20 || got[0].Messages[0] != msgs[29].ID || got[0].Messages[19] != msgs[10].ID {
			t.Fatalf("%+v", got)
		}
	})
}

func TestDeletedMessageIsSkipped(t *testing.T) {
	e := newEnv(t)
	e.rule(model.AlertRule{})
	gone := t0.AddDate(0, 0, -3)
	e.live(gone.Add(time.Minute), e.msg("c1", gone, "[[email:medium]]"))
	e.live(t0, e.msg("c1", t0, "[[ssn:critical]]"))
	if _, err := e.ix.DeleteRange(context.Background(), gone, gone.Add(time.Hour), false); err != nil {
		t.Fatal(err)
	}
	got := e.fired()
	// The deleted message's entry is skipped; (its deletion has no entry).
	if len(got) != 1 || got[0].Findings != 1 || got[0].ByType["ssn"] != 1 {
		t.Fatalf("%+v", got)
	}
}
