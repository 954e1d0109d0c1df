package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/model"
)

// awsKey is detected by the default scanner as a critical aws_access_key.
const awsKey = "AKIAUHJ4AOXKNP3M4L5V"

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// recorder is a receiver behind the "capture" test kind: it keeps what it
// is sent and fails as told.
type recorder struct {
	mu     sync.Mutex
	events []model.ForwardEvent
	calls  int
	fail   func(call int, events []model.ForwardEvent) error
	block  chan struct{} // when set, Send waits on it (or ctx)
	signal chan struct{}
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 1)} }

func (r *recorder) Send(ctx context.Context, evs []model.ForwardEvent) error {
	r.mu.Lock()
	r.calls++
	call, fail, block := r.calls, r.fail, r.block
	r.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		if err := fail(call, evs); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.events = append(r.events, evs...)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
	return nil
}

func (r *recorder) Close() error { return nil }

func (r *recorder) got() []model.ForwardEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.ForwardEvent(nil), r.events...)
}

// receivers maps a capture destination's URL to its recorder.
var receivers sync.Map

func init() {
	kinds["capture"] = dest.Kind{
		Validate: func(d *model.Destination) error {
			if d.URL == "" {
				return fmt.Errorf("%w: url: required", dest.ErrInvalid)
			}
			return nil
		},
		New: func(cfg dest.Config) (dest.Sender, error) {
			r, ok := receivers.Load(cfg.Destination.URL)
			if !ok {
				return nil, fmt.Errorf("no receiver %s", cfg.Destination.URL)
			}
			return r.(*recorder), nil
		},
		MaxBatch: 7,
	}
}

func receiver(t *testing.T) (string, *recorder) {
	r := newRecorder()
	url := "capture://" + t.Name() + "/" + newID()
	receivers.Store(url, r)
	t.Cleanup(func() { receivers.Delete(url) })
	return url, r
}

// fakeClock is virtual time. In auto mode every wait moves it and fires at
// once, so a day of retries takes no real time; in manual mode waits fire
// only when the test calls Advance. Waits of an hour or more (idle
// polling) never fire: the worker is woken by the journal instead.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	manual bool
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	if d >= time.Hour {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if c.manual {
		c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
		return ch
	}
	c.now = c.now.Add(d)
	ch <- c.now
	return ch
}

// Advance moves manual time and fires the waits that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.ch <- c.now
	}
	c.timers = kept
}

func (c *fakeClock) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers) > 0
}

type env struct {
	ix  *indexer.Indexer
	e   *Engine
	ks  *keystore.Store
	clk *fakeClock
	n   int
}

func newEnv(t *testing.T, tweak func(*Options)) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	ks, err := keystore.Open(keystore.Options{Dir: dir, Meta: ix, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{now: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)}
	opts := Options{Store: ix, Secrets: ks, Logger: quiet(), Clock: clk, BaseURL: "https://ccsync.example", Poll: 2 * time.Hour}
	if tweak != nil {
		tweak(&opts)
	}
	return &env{ix: ix, e: New(opts), ks: ks, clk: clk}
}

func (v *env) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	// Run starts its workers before it waits; a destination put after
	// this point is started by PutDestination itself.
	deadline := time.Now().Add(10 * time.Second)
	for {
		v.e.mu.Lock()
		r := v.e.running
		v.e.mu.Unlock()
		if r {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("engine did not start")
		}
		time.Sleep(time.Millisecond)
	}
}

// ingest writes n messages; every third carries an AWS key and an email.
func (v *env) ingest(t *testing.T, n int, origin string) []model.Message {
	t.Helper()
	conv := model.Conversation{ID: fmt.Sprintf("conv-x%d", v.n), OwnerID: "u1", Title: "secret stuff", Model: "claude-opus",
		CreatedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	var msgs []model.Message
	for i := 0; i < n; i++ {
		v.n++
		text := fmt.Sprintf("message %d about nothing much", v.n)
		if v.n%3 == 0 {
			text = fmt.Sprintf("message %d: my key is %s and mail bob%d@corp.example", v.n, awsKey, v.n)
		}
		msgs = append(msgs, model.Message{ID: fmt.Sprintf("msg-x%06d", v.n), ConversationID: conv.ID, Seq: i, OnCurrentBranch: true,
			Role: model.RoleHuman, CreatedAt: conv.CreatedAt.Add(time.Duration(v.n) * time.Second),
			Blocks: []model.Block{{Type: model.BlockText, Text: text}}})
	}
	b := indexer.Batch{Users: []model.User{{ID: "u1", Email: "alice@corp.example", Name: "Alice"}},
		Conversations: []model.Conversation{conv}, Messages: msgs, Origin: origin}
	if _, err := v.ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return msgs
}

func (v *env) put(t *testing.T, d model.Destination) model.Destination {
	t.Helper()
	d.Enabled = true
	out, err := v.e.PutDestination(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func seqOf(t *testing.T, id string) int {
	t.Helper()
	i := strings.Index(id, "-m")
	if i < 0 {
		t.Fatalf("event id %q has no -m<seq>", id)
	}
	rest := id[i+2:]
	if j := strings.IndexByte(rest, '-'); j >= 0 {
		rest = rest[:j]
	}
	var n int
	if _, err := fmt.Sscanf(rest, "%d", &n); err != nil {
		t.Fatalf("event id %q: %v", id, err)
	}
	return n
}

func TestFeedsDeliverEveryEventInOrder(t *testing.T) {
	v := newEnv(t, nil)
	v.run(t)
	urlM, recM := receiver(t)
	urlF, recF := receiver(t)
	urlA, recA := receiver(t)
	v.put(t, model.Destination{Name: "messages", Kind: "capture", Stream: model.StreamMessages, URL: urlM})
	v.put(t, model.Destination{Name: "findings", Kind: "capture", Stream: model.StreamFindings, URL: urlF})
	v.put(t, model.Destination{Name: "anon", Kind: "capture", Stream: model.StreamFindings, URL: urlA, Anonymous: true})
	var all []model.Message
	for range 5 {
		all = append(all, v.ingest(t, 30, indexer.OriginSync)...)
	}
	findings, flagged := 0, 0
	for _, m := range all {
		stored, err := v.ix.Message(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		findings += len(stored.Findings)
		if strings.Contains(m.Blocks[0].Text, awsKey) {
			flagged++
			if len(stored.Findings) == 0 {
				t.Fatalf("message %s: the key was not detected", m.ID)
			}
		}
	}
	waitFor(t, "all events", func() bool {
		return len(recM.got()) == len(all) && len(recF.got()) == findings && len(recA.got()) == findings
	})
	for name, rec := range map[string]*recorder{"messages": recM, "findings": recF, "anon": recA} {
		last := 0
		seen := map[string]bool{}
		for _, ev := range rec.got() {
			if seen[ev.ID] {
				t.Errorf("%s: event %s delivered twice in a healthy run", name, ev.ID)
			}
			seen[ev.ID] = true
			s := seqOf(t, ev.ID)
			if s < last {
				t.Errorf("%s: event %s (seq %d) after seq %d", name, ev.ID, s, last)
			}
			last = s
			raw, _ := json.Marshal(ev)
			if strings.Contains(string(raw), awsKey) {
				t.Errorf("%s: event %s carries the raw key: %s", name, ev.ID, raw)
			}
			if name == "anon" {
				for _, planted := range []string{"alice", "Alice", "bob", "msg-x", "conv-x", "u1", "secret stuff", "claude-opus", "message "} {
					if strings.Contains(string(raw), planted) {
						t.Errorf("anonymous event %s carries %q: %s", ev.ID, planted, raw)
					}
				}
			}
		}
	}
	m := recM.got()[2] // the third message is flagged
	if m.UserEmail != "alice@corp.example" || m.Link != "https://ccsync.example/messages/msg-x000003" || m.Counts.Findings == 0 ||
		!strings.Contains(m.Text, "my key is ") || m.Model != "claude-opus" || m.Origin != indexer.OriginSync {
		t.Errorf("message event = %+v", m)
	}
	f := recF.got()[0]
	if f.Type != "finding" || len(f.Findings) != 1 || f.Findings[0].Preview == "" || f.MessageID != "msg-x000003" {
		t.Errorf("finding event = %+v", f)
	}
	// Re-ingesting the same records changes nothing and sends nothing.
	v.n = 0
	for range 5 {
		v.ingest(t, 30, indexer.OriginSync)
	}
	ds, err := v.e.Destinations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status.Backlog != 0 {
			t.Errorf("%s: backlog %d after an unchanged re-ingest", d.Name, d.Status.Backlog)
		}
	}
	if len(recM.got()) != len(all) {
		t.Errorf("messages: %d events after an unchanged re-ingest, want %d", len(recM.got()), len(all))
	}
}

func TestOutageRetriesInOrderWithoutLoss(t *testing.T) {
	v := newEnv(t, nil)
	v.clk.manual = true
	v.run(t)
	url, rec := receiver(t)
	var down sync.Mutex
	outage := true
	rec.fail = func(call int, _ []model.ForwardEvent) error {
		down.Lock()
		defer down.Unlock()
		if outage {
			return errors.New("connection refused")
		}
		return nil
	}
	d := v.put(t, model.Destination{Name: "siem", Kind: "capture", Stream: model.StreamMessages, URL: url})
	start := v.clk.Now()
	msgs := v.ingest(t, 40, indexer.OriginImport)
	// An hour of virtual outage: the worker keeps retrying the head batch.
	for v.clk.Now().Sub(start) < time.Hour {
		waitFor(t, "a retry to wait", v.clk.pending)
		v.clk.Advance(30 * time.Second)
	}
	st, err := v.e.Destination(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	calls := rec.calls
	rec.mu.Unlock()
	if !st.Status.Failing || st.Status.LastError == "" || st.Status.DeadLetters != 0 || calls < 40 || calls > 120 {
		t.Errorf("after an hour of outage: %d attempts, status %+v", calls, st.Status)
	}
	msgs = append(msgs, v.ingest(t, 10, indexer.OriginImport)...)
	down.Lock()
	outage = false
	down.Unlock()
	waitFor(t, "delivery after the outage", func() bool {
		if v.clk.pending() {
			v.clk.Advance(30 * time.Second)
		}
		return len(rec.got()) == len(msgs)
	})
	for i, ev := range rec.got() {
		if ev.MessageID != msgs[i].ID {
			t.Fatalf("event %d is message %s, want %s (order lost)", i, ev.MessageID, msgs[i].ID)
		}
	}
	dls, err := v.e.DeadLetters(context.Background(), d.ID, 0)
	if err != nil || len(dls) != 0 {
		t.Errorf("dead letters after a 1h outage = %v, %v; want none (RetryFor is 24h)", dls, err)
	}
}

func TestPermanentFailureIsDeadLetteredAndRetried(t *testing.T) {
	v := newEnv(t, nil)
	v.run(t)
	url, rec := receiver(t)
	var mu sync.Mutex
	refuse := map[string]bool{"msg-x000003": true}
	rec.fail = func(_ int, evs []model.ForwardEvent) error {
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range evs {
			if refuse[ev.MessageID] {
				return dest.Permanent(errors.New("receiver answered 400 Bad Request"))
			}
		}
		return nil
	}
	d := v.put(t, model.Destination{Name: "hook", Kind: "capture", Stream: model.StreamMessages, URL: url})
	msgs := v.ingest(t, 20, indexer.OriginSync) // chunks of 7: m1–m7 hold the refused m3
	waitFor(t, "the rest delivered", func() bool { return len(rec.got()) == 13 })
	dls, err := v.e.DeadLetters(context.Background(), d.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || len(dls[0].Events) != 7 || dls[0].Attempts != 3 || !strings.Contains(dls[0].Error, "400") {
		t.Fatalf("dead letters = %+v", dls)
	}
	if err := v.e.RetryDeadLetter(context.Background(), d.ID, dls[0].ID); err == nil {
		t.Fatal("retry while the receiver still refuses succeeded")
	}
	// A letter keeps nothing of a message deleted since, at rest either.
	if _, err := v.ix.DeleteRange(context.Background(), msgs[0].CreatedAt, msgs[1].CreatedAt.Add(time.Nanosecond), false); err != nil {
		t.Fatal(err)
	}
	if err := v.e.purgeDeadLetters(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, err := v.ix.Meta(deadPrefix(d.ID) + dls[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), msgs[0].ID) || strings.Contains(string(raw), msgs[1].ID) || !strings.Contains(string(raw), msgs[2].ID) {
		t.Errorf("dead letter after deleting m1 and m2: %s", raw)
	}
	msgs = msgs[2:]
	mu.Lock()
	refuse = nil
	mu.Unlock()
	if err := v.e.RetryDeadLetter(context.Background(), d.ID, dls[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := len(rec.got()); got != len(msgs) {
		t.Errorf("after retry %d events, want %d", got, len(msgs))
	}
	if dls, _ := v.e.DeadLetters(context.Background(), d.ID, 0); len(dls) != 0 {
		t.Errorf("dead letter kept after a successful retry: %+v", dls)
	}
	if st, err := v.e.Destination(context.Background(), d.ID); err != nil || st.Status.Delivered != int64(len(msgs)) {
		t.Errorf("delivered count after the retry = %+v, %v; want %d", st.Status, err, len(msgs))
	}
	for _, bad := range []string{"../x", "0000000000000001-0000\x00", strings.Repeat("f", 16) + "-0000"} {
		if err := v.e.RetryDeadLetter(context.Background(), d.ID, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("retry of forged letter %q: %v, want ErrNotFound", bad, err)
		}
	}
}

func TestTransientFailureDeadLettersAfterRetryFor(t *testing.T) {
	v := newEnv(t, func(o *Options) { o.RetryFor = 2 * time.Hour })
	v.run(t)
	url, rec := receiver(t)
	rec.fail = func(int, []model.ForwardEvent) error {
		return &dest.RetryAfterError{After: 10 * time.Minute, Err: errors.New("429 slow down")}
	}
	d := v.put(t, model.Destination{Name: "hook", Kind: "capture", Stream: model.StreamMessages, URL: url})
	v.ingest(t, 3, indexer.OriginSync)
	waitFor(t, "dead letter", func() bool {
		dls, _ := v.e.DeadLetters(context.Background(), d.ID, 0)
		return len(dls) == 1
	})
	rec.mu.Lock()
	calls := rec.calls
	rec.mu.Unlock()
	// Retry-After (10 min) stretches the backoff: about 2h/10min tries.
	if calls < 10 || calls > 14 {
		t.Errorf("%d attempts in 2h with Retry-After 10m, want about 12", calls)
	}
}

func TestSlowReceiverDoesNotHoldUpIngest(t *testing.T) {
	v := newEnv(t, nil)
	v.run(t)
	url, rec := receiver(t)
	rec.block = make(chan struct{})
	v.put(t, model.Destination{Name: "stuck", Kind: "capture", Stream: model.StreamMessages, URL: url})
	for range 20 {
		v.ingest(t, 50, indexer.OriginSync) // returns while the receiver hangs
	}
	if head := v.ix.JournalHead(); head != 1000 {
		t.Errorf("journal head %d, want 1000", head)
	}
	close(rec.block)
	waitFor(t, "1000 events", func() bool { return len(rec.got()) == 1000 })
}

func TestSecretsAreWriteOnly(t *testing.T) {
	v := newEnv(t, nil)
	url, _ := receiver(t)
	const secret = "s3cr3t-hmac-key-0123456789"
	d, err := v.e.PutDestination(context.Background(), model.Destination{Name: "hook", Kind: "capture", Stream: model.StreamFindings,
		URL: url, Secret: secret, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Secret != "" || d.SecretHint == "" || strings.Contains(d.SecretHint, "0123456") {
		t.Errorf("returned destination: secret %q hint %q", d.Secret, d.SecretHint)
	}
	err = v.ix.ScanMeta("", func(k string, val []byte) error {
		if strings.Contains(string(val), secret) {
			t.Errorf("meta %q holds the secret in clear", k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.ks.Get(secretPurpose(d.ID))
	if err != nil || got != secret {
		t.Errorf("keystore has %q, %v", got, err)
	}
	// An update without a secret keeps it; the hint stays.
	d.Name = "renamed"
	d2, err := v.e.PutDestination(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if d2.SecretHint != d.SecretHint {
		t.Errorf("hint changed on an update without a secret: %q → %q", d.SecretHint, d2.SecretHint)
	}
	if err := v.e.DeleteDestination(context.Background(), d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ks.Get(secretPurpose(d.ID)); !errors.Is(err, keystore.ErrNoSecret) {
		t.Errorf("secret after delete: %v", err)
	}
}

func TestDestinationValidation(t *testing.T) {
	v := newEnv(t, nil)
	cases := []struct {
		name  string
		d     model.Destination
		field string
	}{
		{"no name", model.Destination{Kind: "capture", URL: "x"}, "name"},
		{"long name", model.Destination{Name: strings.Repeat("n", 201), Kind: "capture", URL: "x"}, "name"},
		{"unknown kind", model.Destination{Name: "a", Kind: "carrier-pigeon"}, "kind"},
		{"bad stream", model.Destination{Name: "a", Kind: "capture", URL: "x", Stream: "everything"}, "stream"},
		{"kind's own check", model.Destination{Name: "a", Kind: "capture"}, "url"},
		{"newline in field", model.Destination{Name: "a", Kind: "capture", URL: "x", Index: "a\nb"}, "index"},
		{"huge secret", model.Destination{Name: "a", Kind: "capture", URL: "x", Secret: strings.Repeat("s", 5000)}, "secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.e.PutDestination(context.Background(), c.d)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.field) {
				t.Errorf("err = %v, want ErrInvalid naming %s", err, c.field)
			}
		})
	}
	for _, id := range []string{"", "../../meta", "0123456789abcdef", "zz"} {
		if _, err := v.e.Destination(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Destination(%q) = %v, want ErrNotFound", id, err)
		}
	}
	if _, err := v.e.PutDestination(context.Background(), model.Destination{ID: "0123456789abcdef", Name: "a", Kind: "capture", URL: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a forged id: %v", err)
	}
}

func TestJournalTrimmedBehindConsumers(t *testing.T) {
	v := newEnv(t, nil)
	v.run(t)
	url, rec := receiver(t)
	d := v.put(t, model.Destination{Name: "feed", Kind: "capture", Stream: model.StreamMessages, URL: url})
	off := v.put(t, model.Destination{Name: "off", Kind: "capture", Stream: model.StreamMessages, URL: url})
	off.Enabled = false
	if _, err := v.e.PutDestination(context.Background(), off); err != nil {
		t.Fatal(err)
	}
	v.ingest(t, 30, indexer.OriginSync)
	waitFor(t, "delivery", func() bool { return len(rec.got()) == 30 })
	if err := v.e.trim(context.Background()); err != nil {
		t.Fatal(err)
	}
	left, err := v.ix.Journal(context.Background(), 0, 100)
	if err != nil || len(left) != 0 {
		t.Errorf("journal after trim: %d entries, %v (a disabled destination must not hold it back)", len(left), err)
	}
	// Sequences continue past the trimmed ones, across a restart too.
	if err := v.e.DeleteDestination(context.Background(), d.ID); err != nil {
		t.Fatal(err)
	}
	v.ingest(t, 1, indexer.OriginSync)
	if h := v.ix.JournalHead(); h != 31 {
		t.Errorf("journal head %d after trimming 30 and writing 1, want 31", h)
	}
}

// TestBigEntryRetriedMidway: one message with more findings than a request
// holds is sent in several requests; a failure in the middle resumes at
// the failed request, losing and repeating nothing.
func TestBigEntryRetriedMidway(t *testing.T) {
	v := newEnv(t, nil)
	v.run(t)
	url, rec := receiver(t)
	rec.fail = func(call int, _ []model.ForwardEvent) error {
		if call == 3 || call == 5 {
			return errors.New("connection reset")
		}
		return nil
	}
	v.put(t, model.Destination{Name: "findings", Kind: "capture", Stream: model.StreamFindings, URL: url})
	var keys []string
	for i := range 20 {
		keys = append(keys, "AKIAUHJ4AOXKNP3M4L"+string(rune('A'+i))+"V")
	}
	conv := model.Conversation{ID: "conv-big", OwnerID: "u1", CreatedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	m := model.Message{ID: "msg-big", ConversationID: conv.ID, Role: model.RoleHuman, CreatedAt: conv.CreatedAt, OnCurrentBranch: true,
		Blocks: []model.Block{{Type: model.BlockText, Text: "keys: " + strings.Join(keys, " , ")}}}
	if _, err := v.ix.Ingest(context.Background(), indexer.Batch{Conversations: []model.Conversation{conv}, Messages: []model.Message{m}}); err != nil {
		t.Fatal(err)
	}
	stored, err := v.ix.Message(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := len(stored.Findings)
	if n <= 2*kinds["capture"].MaxBatch {
		t.Fatalf("%d findings: need more than two requests' worth", n)
	}
	waitFor(t, "every finding", func() bool { return len(rec.got()) >= n })
	got := rec.got()
	if len(got) != n {
		t.Fatalf("%d events for %d findings", len(got), n)
	}
	for i, ev := range got {
		if want := fmt.Sprintf("-m1-f%d", i); !strings.HasSuffix(ev.ID, want) {
			t.Fatalf("event %d is %s, want …%s", i, ev.ID, want)
		}
	}
}
