package forward_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/model"
)

const killChildEnv = "CCSYNC_FWDORACLE_KILL_CHILD"

type childDest struct {
	Name, Stream, URL, Secret string
	Anon                      bool
	Refused                   bool // the receiver answers 400: everything is dead-lettered
}

type childConfig struct {
	Dir    string
	Dests  []childDest
	Corpus corpusOpts
	Alerts bool // run the evaluator with the oracle's rule
}

const oracleRuleName = "oracle-aws-by-conversation"

func oracleRule() model.AlertRule {
	return model.AlertRule{Name: oracleRuleName, Enabled: true, FindingTypes: []string{"aws_access_key"},
		GroupBy: model.AlertGroupConversation}
}

// alertsImplemented reports whether package alerts is past its stubs.
func alertsImplemented(ctx context.Context, ix *indexer.Indexer) bool {
	_, err := alerts.New(alerts.Options{Store: ix}).Rules(ctx)
	return err == nil || !strings.Contains(err.Error(), "not implemented")
}

// TestOracleKill9 runs ccsync's forwarding (and the alert evaluator with one
// rule) in a child process that ingests a deterministic corpus, kills it
// with SIGKILL at random points (after a random number of receiver hits or
// a random time), and restarts it until it finishes. The parent's receivers
// must then hold every expected event, in order of first arrival
// (duplicates allowed and counted), and the fired alerts must equal those
// of an uninterrupted run: same ids, groups and counts.
func TestOracleKill9(t *testing.T) {
	if cfg := os.Getenv(killChildEnv); cfg != "" {
		killChild(cfg)
		return
	}
	if testing.Short() {
		t.Skip("child-process kill -9 test")
	}
	base := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	co := corpusOpts{Seed: 909, Batches: 80, PerBatch: 20, Base: base.Add(-4 * time.Hour), EditEvery: 4}
	probe, err := indexer.Open(context.Background(), indexer.Options{Dir: t.TempDir(), MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	withAlerts := alertsImplemented(context.Background(), probe)
	probe.Close()
	if !withAlerts {
		t.Logf("package alerts is still a stub: running without the evaluator and the alert destination")
	}

	ref := runKillScenario(t, "reference", co, withAlerts, nil, false)
	for _, seed := range []uint64{1, 2, 3, 4} {
		r := rand.New(rand.NewPCG(seed, 0xdead))
		// Seeds 3 and 4 also have the receivers answer 500 for random
		// stretches while the child is being killed.
		got := runKillScenario(t, "seed"+strconv.FormatUint(seed, 10), co, withAlerts, r, seed >= 3)
		if withAlerts {
			compareAlerts(t, seed, ref.alerts, got.alerts)
		}
	}
}

type killOutcome struct {
	alerts []model.Alert
}

// runKillScenario runs the child on a fresh directory until it finishes,
// killing it at points r picks (nil: never), then checks the receivers.
func runKillScenario(t *testing.T, name string, co corpusOpts, withAlerts bool, r *rand.Rand, flap bool) killOutcome {
	t.Helper()
	dir := t.TempDir()
	cfg := childConfig{Dir: dir, Corpus: co, Alerts: withAlerts}
	recs := map[string]*receiver{}
	streams := []struct {
		name, stream string
		anon         bool
	}{{"messages", model.StreamMessages, false}, {"findings", model.StreamFindings, false}, {"anon-findings", model.StreamFindings, true}}
	if withAlerts {
		streams = append(streams, struct {
			name, stream string
			anon         bool
		}{"alerts", model.StreamAlerts, false}, struct {
			name, stream string
			anon         bool
		}{"anon-alerts", model.StreamAlerts, true})
	}
	for _, s := range streams {
		rec := newReceiver(t, name+"-"+s.name, "whsec-plant-"+name+"-"+s.name)
		recs[s.name] = rec
		cfg.Dests = append(cfg.Dests, childDest{Name: s.name, Stream: s.stream, URL: rec.URL(), Secret: rec.secret, Anon: s.anon})
	}
	// One more destination whose receiver refuses every request: each of
	// its batches must end up in exactly one dead letter, crash or not.
	refused := newReceiver(t, name+"-refused", "whsec-plant-"+name+"-refused")
	refused.setMode(modeBadRequest)
	cfg.Dests = append(cfg.Dests, childDest{Name: "refused", Stream: model.StreamMessages, URL: refused.URL(), Secret: refused.secret, Refused: true})
	raw, _ := json.Marshal(cfg)
	hits := func() int {
		n := 0
		for _, rec := range recs {
			n += rec.hitCount()
		}
		return n
	}
	if flap {
		stopFlap := make(chan struct{})
		flapped := make(chan struct{})
		fr := rand.New(rand.NewPCG(r.Uint64(), 1))
		go func() {
			defer close(flapped)
			for down := true; ; down = !down {
				for _, rec := range recs {
					if down {
						rec.setMode(modeFail500)
					} else {
						rec.setMode(modeOK)
					}
				}
				select {
				case <-stopFlap:
					for _, rec := range recs {
						rec.setMode(modeOK)
					}
					return
				case <-time.After(time.Duration(20+fr.IntN(200)) * time.Millisecond):
				}
			}
		}()
		defer func() { close(stopFlap); <-flapped }()
	}
	start := time.Now()
	kills, rounds := 0, 0
	var killNotes []string
	for done := false; !done; rounds++ {
		if rounds > 60 {
			t.Fatalf("%s: child did not finish in 60 rounds", name)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestOracleKill9$", "-test.count=1", "-test.v=false")
		cmd.Env = append(os.Environ(), killChildEnv+"="+string(raw))
		logf, err := os.OpenFile(filepath.Join(dir, "child.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = logf
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		finished := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			var last string
			for sc.Scan() {
				last = sc.Text()
				if last == "DONE" {
					break
				}
			}
			io := last
			for sc.Scan() {
			}
			finished <- io
		}()
		// Kill after k more receiver hits or after d, whichever the seed picks.
		var cond func() bool
		note := "none"
		if r != nil && rounds < 25 {
			if r.IntN(2) == 0 {
				k, h0 := 1+r.IntN(30), hits()
				cond = func() bool { return hits() >= h0+k }
				note = fmt.Sprintf("hits+%d", k)
			} else {
				d := time.Duration(20+r.IntN(1500)) * time.Millisecond
				t0 := time.Now()
				cond = func() bool { return time.Since(t0) >= d }
				note = fmt.Sprintf("%v", d)
			}
		}
		var last string
		killed := false
	wait:
		for {
			select {
			case last = <-finished:
				break wait
			case <-time.After(time.Millisecond):
			}
			if cond != nil && cond() {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				killed = true
				last = <-finished
				break wait
			}
			if time.Since(start) > 5*time.Minute {
				_ = cmd.Process.Kill()
				t.Fatalf("%s: child still running after 5 minutes", name)
			}
		}
		err = cmd.Wait()
		logf.Close()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		switch {
		case killed && ws.Signaled():
			kills++
			killNotes = append(killNotes, note)
		case last == "DONE" && err == nil:
			done = true
		default:
			b, _ := os.ReadFile(filepath.Join(dir, "child.log"))
			t.Fatalf("%s round %d: child failed: %v, last line %q\n%s", name, rounds, err, last, tail(string(b), 3000))
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "child.log")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "oracle child:") && r == nil {
				t.Logf("%s: %s", name, l)
			}
		}
	}
	if r != nil && kills < 3 {
		t.Errorf("%s: only %d kills landed before the child finished", name, kills)
	}

	ctx := context.Background()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, MinFreeBytes: -1})
	if err != nil {
		t.Fatalf("%s: reopen: %v", name, err)
	}
	defer ix.Close()
	o := newOracle(0)
	for _, b := range genCorpus(co).Batches {
		o.apply(b)
	}
	if h := ix.JournalHead(); h != o.seq {
		t.Errorf("%s: journal head %d, oracle %d", name, h, o.seq)
	}
	instRaw, err := ix.Meta("fwd/instance")
	if err != nil {
		t.Fatal(err)
	}
	inst := string(instRaw)
	var all []*receiver
	for _, rec := range recs {
		all = append(all, rec)
	}
	fb := fBaseOf(all...)
	var summary []string
	for _, s := range streams {
		if s.stream == model.StreamAlerts {
			continue
		}
		res := checkDest(t, recs[s.name], destCheck{Name: name + "/" + s.name, Stream: s.stream, Anonymous: s.anon,
			Want: o.want(inst, s.stream, fb, o.Entries), Secrets: o.Secrets})
		summary = append(summary, fmt.Sprintf("%s %d events %d dups (p99 %v)", s.name, res.Delivered, res.Duplicates, res.P99.Round(time.Millisecond)))
		if r == nil && res.Duplicates != 0 {
			t.Errorf("%s/%s: %d duplicates without a crash", name, s.name, res.Duplicates)
		}
	}
	keys, err := keystore.Open(keystore.Options{Dir: dir, Meta: ix})
	if err != nil {
		t.Fatal(err)
	}
	eng := forward.New(forward.Options{Store: ix, Secrets: keys})
	list, err := eng.Destinations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		letters, err := eng.DeadLetters(ctx, d.ID, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != "refused" {
			if len(letters) != 0 {
				t.Errorf("%s/%s: %d dead letters", name, d.Name, len(letters))
			}
			continue
		}
		inLetters := map[string]int{}
		for _, l := range letters {
			for _, ev := range l.Events {
				inLetters[ev.ID]++
			}
		}
		dupLetters := 0
		for _, w := range o.want(inst, model.StreamMessages, fb, o.Entries) {
			switch n := inLetters[w.ID]; {
			case n == 0:
				t.Errorf("%s/refused: %s neither delivered nor dead-lettered", name, w.ID)
			case n > 1:
				dupLetters += n - 1
			}
			delete(inLetters, w.ID)
		}
		for id := range inLetters {
			t.Errorf("%s/refused: unexpected event %s in a dead letter", name, id)
		}
		if acc, _, _ := refused.snapshot(); len(acc) != 0 {
			t.Errorf("%s/refused: a refusing receiver accepted %d events", name, len(acc))
		}
		summary = append(summary, fmt.Sprintf("refused: %d dead letters, %d events in more than one", len(letters), dupLetters))
	}
	var out killOutcome
	if withAlerts {
		out.alerts, err = alerts.New(alerts.Options{Store: ix}).Alerts(ctx, 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(out.alerts) // oldest first
		dups := checkAlertDest(t, name+"/alerts", recs["alerts"], inst, out.alerts, false)
		adups := checkAlertDest(t, name+"/anon-alerts", recs["anon-alerts"], inst, out.alerts, true)
		summary = append(summary, fmt.Sprintf("alerts %d fired, %d dups (anonymous %d dups)", len(out.alerts), dups, adups))
	}
	t.Logf("%s: %d kills (%s) in %d rounds, %v; %d journal entries; %s", name, kills, strings.Join(killNotes, " "), rounds,
		time.Since(start).Round(time.Millisecond), o.seq, strings.Join(summary, "; "))
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// checkAlertDest: the alert destination got every fired alert, as an
// event "<instance>-a<seq>", in order of first arrival; returns duplicates.
func checkAlertDest(t *testing.T, name string, rec *receiver, inst string, fired []model.Alert, anon bool) int {
	t.Helper()
	accepted, bodies, violations := rec.snapshot()
	if anon {
		for i, b := range bodies {
			checkBody(t, destCheck{Name: name, Anonymous: true}, i, b)
		}
	}
	for _, v := range violations {
		t.Errorf("%s: wire-format violation: %s", name, v)
	}
	want := map[string]model.Alert{}
	for _, a := range fired {
		want[fmt.Sprintf("%s-a%d", inst, a.Seq)] = a
	}
	seen := map[string]bool{}
	dups := 0
	var last uint64
	for _, a := range accepted {
		id := a.Event.ID
		if seen[id] {
			dups++
			continue
		}
		seen[id] = true
		w, ok := want[id]
		if !ok {
			t.Errorf("%s: unexpected event %s", name, id)
			continue
		}
		if w.Seq <= last {
			t.Errorf("%s: alert %s arrived after alert %d", name, id, last)
		}
		last = w.Seq
		switch ev := a.Event; {
		case ev.Type != "alert":
			t.Errorf("%s: event %s type %q", name, id, ev.Type)
		case anon && (ev.Alert != nil || !ev.Anonymous || ev.UserID != "" || ev.MessageID != "" || ev.ConversationID != ""):
			t.Errorf("%s: anonymous alert event %s carries more than counts: %+v", name, id, ev)
		case !anon && (ev.Alert == nil || ev.Alert.ID != w.ID || ev.Alert.Group != w.Group || ev.Alert.Findings != w.Findings):
			t.Errorf("%s: event %s alert %+v, want alert %s group %s findings %d", name, id, ev.Alert, w.ID, w.Group, w.Findings)
		}
		if ev := a.Event; ev.Counts.Findings != w.Findings && ev.Counts.Findings != w.Findings+w.Suppressed {
			t.Errorf("%s: event %s counts %d findings, the alert %d", name, id, ev.Counts.Findings, w.Findings)
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("%s: fired alert %s never delivered", name, id)
		}
	}
	return dups
}

// compareAlerts: a run killed at random fired the same alerts as the
// uninterrupted one.
func compareAlerts(t *testing.T, seed uint64, ref, got []model.Alert) {
	t.Helper()
	key := func(a model.Alert) string {
		return fmt.Sprintf("%s seq=%d rule=%s by=%s group=%s findings=%d suppressed=%d types=%v max=%s user=%s msgs=%v origin=%s",
			a.ID, a.Seq, a.RuleName, a.GroupBy, a.Group, a.Findings, a.Suppressed, a.ByType, a.MaxSeverity, a.User, a.Messages, a.Origin)
	}
	if len(ref) == 0 {
		t.Errorf("the uninterrupted run fired no alerts: the rule tests nothing")
	}
	n := max(len(ref), len(got))
	bad := 0
	for i := range n {
		var a, b string
		if i < len(ref) {
			a = key(ref[i])
		}
		if i < len(got) {
			b = key(got[i])
		}
		if a != b {
			if bad++; bad <= maxListed {
				t.Errorf("seed %d: alert %d differs from the uninterrupted run:\n got %s\nwant %s", seed, i, b, a)
			}
		}
	}
	if bad == 0 {
		t.Logf("seed %d: %d alerts, identical to the uninterrupted run", seed, len(got))
	}
}

// killChild is the child half: open the data directory, make sure the
// destinations and the rule exist, start the engine and the evaluator,
// ingest the corpus from the last committed batch on, wait until every
// destination has delivered everything, print DONE.
func killChild(raw string) {
	fail := func(format string, args ...any) {
		fmt.Printf("ERR "+format+"\n", args...)
		os.Exit(3)
	}
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fail("config: %v", err)
	}
	ctx := context.Background()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: cfg.Dir, MinFreeBytes: -1})
	if err != nil {
		fail("open: %v", err)
	}
	keys, err := keystore.Open(keystore.Options{Dir: cfg.Dir, Meta: ix})
	if err != nil {
		fail("keystore: %v", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var ev *alerts.Evaluator
	opts := forward.Options{Store: ix, Secrets: keys, Logger: log, Hostname: "oracle-child",
		Poll: 50 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
	if cfg.Alerts {
		ev = alerts.New(alerts.Options{Store: ix, Logger: log, Poll: 50 * time.Millisecond})
		rules, err := ev.Rules(ctx)
		if err != nil {
			fail("rules: %v", err)
		}
		if !slices.ContainsFunc(rules, func(r model.AlertRule) bool { return r.Name == oracleRuleName }) {
			if _, err := ev.PutRule(ctx, oracleRule()); err != nil {
				fail("put rule: %v", err)
			}
		}
		opts.AlertNotify = ev.Notify
		opts.JournalConsumers = func() (uint64, error) { return alerts.Cursor(ix) }
	}
	eng := forward.New(opts)
	have, err := eng.Destinations(ctx)
	if err != nil {
		fail("destinations: %v", err)
	}
	ids := map[string]string{}
	for _, d := range have {
		ids[d.Name] = d.ID
	}
	for _, d := range cfg.Dests {
		if ids[d.Name] != "" {
			continue
		}
		got, err := eng.PutDestination(ctx, model.Destination{Name: d.Name, Kind: model.DestWebhook, Stream: d.Stream,
			Enabled: true, Anonymous: d.Anon, URL: d.URL, Secret: d.Secret})
		if err != nil {
			fail("put destination %s: %v", d.Name, err)
		}
		ids[d.Name] = got.ID
	}
	go func() {
		if err := eng.Run(ctx); err != nil {
			fail("engine: %v", err)
		}
	}()
	if ev != nil {
		go func() {
			if err := ev.Run(ctx); err != nil {
				fail("evaluator: %v", err)
			}
		}()
	}
	from := 0
	if v, err := ix.Meta("oracle/batch"); err == nil {
		n, _ := strconv.Atoi(string(v))
		from = n + 1
	} else if !errors.Is(err, indexer.ErrNotFound) {
		fail("checkpoint: %v", err)
	}
	c := genCorpus(cfg.Corpus)
	t0 := time.Now()
	for b := from; b < len(c.Batches); b++ {
		if _, err := ix.Ingest(ctx, c.Batches[b]); err != nil {
			fail("ingest %d: %v", b, err)
		}
		fmt.Printf("ingested %d\n", b)
		time.Sleep(5 * time.Millisecond) // pace ingest so deliveries interleave with it (load shape, not sync)
	}
	ingested := time.Since(t0)
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			fail("not delivered within 3 minutes")
		}
		head := ix.JournalHead()
		var alertHead uint64
		if ev != nil {
			cur, err := alerts.Cursor(ix)
			if err != nil || cur < head {
				continue
			}
			if alertHead, err = alerts.Head(ix); err != nil {
				fail("alert head: %v", err)
			}
		}
		ok := true
		for _, d := range cfg.Dests {
			st, err := eng.Destination(ctx, ids[d.Name])
			if err != nil {
				fail("status: %v", err)
			}
			target := head
			if d.Stream == model.StreamAlerts {
				target = alertHead
			}
			if st.Status.Cursor < target {
				ok = false
			}
			if st.Status.DeadLetters > 0 && !d.Refused {
				fail("%s: %d dead letters", d.Name, st.Status.DeadLetters)
			}
		}
		if ok {
			break
		}
	}
	fmt.Fprintf(os.Stderr, "oracle child: batches %d.. ingested in %v, delivered %v after start\n", from, ingested, time.Since(t0))
	fmt.Println("DONE")
	os.Exit(0)
}
