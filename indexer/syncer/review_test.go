package syncer

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

// Without a saved Sync from, the default (the first of the month of the
// first run) is saved, so the first run of a new month does not move the
// window forward and ignore later messages in older chats.
func TestDefaultSyncFromStaysPutAcrossMonths(t *testing.T) {
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, fakeapi.GenOptions{Chats: 20, DeletedEvery: -1, Start: march, End: march.AddDate(0, 0, 29)}, 11)
	e.cfg.SyncFrom = time.Time{} // sync --once without --from
	e.clk.now = time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	eng := e.engine()
	if st, err := eng.Status(); err != nil || !st.SyncFrom.Equal(march) {
		t.Fatalf("status before the first run: %v %v", st.SyncFrom, err)
	}
	if s := e.run(eng); s.State != StateDone {
		t.Fatalf("first run %+v", s)
	}
	e.verify(march, nil)
	set, err := eng.Settings()
	if err != nil || !set.SyncFrom.Equal(march) {
		t.Errorf("saved settings after the first run %+v %v, want Sync from %s fixed", set, err, march)
	}
	var chat string
	for _, c := range e.fake.Snapshot().Chats {
		if c.CreatedAt.After(march.AddDate(0, 0, 10)) {
			chat = c.ID
			break
		}
	}
	if chat == "" {
		t.Fatal("no chat created after March 11")
	}

	e.clk.now = time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	newID, err := e.fake.AddMessage(chat, "a reply in April")
	if err != nil {
		t.Fatal(err)
	}
	s := e.run(e.engine()) // a new process, as for a cron job
	if s.State != StateDone || s.Ignored != 0 || s.Chats != 1 {
		t.Errorf("April run %+v, want the March chat re-read", s)
	}
	if _, err := e.ix.Message(context.Background(), newID); err != nil {
		t.Fatalf("April message in a March chat not stored: %v", err)
	}
	e.verify(march, nil)

	// An explicit change still moves the window.
	april := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if err := eng.SetSyncFrom(april); err != nil {
		t.Fatal(err)
	}
	if st, err := eng.Status(); err != nil || !st.SyncFrom.Equal(april) {
		t.Errorf("status after SetSyncFrom: %v %v", st.SyncFrom, err)
	}
}

// An install whose walk began before the default was saved keeps the window
// its walk started with.
func TestDefaultSyncFromAdoptsWalkInProgress(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 5}, 12)
	e.cfg.SyncFrom = time.Time{}
	e.clk.now = time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	if err := putJSON(e.ix, keyState, state{SyncFrom: windowStart, Phase: phaseIncremental, BackfillStarted: windowStart}); err != nil {
		t.Fatal(err)
	}
	eng := e.engine()
	if s := e.run(eng); s.State != StateDone {
		t.Fatalf("run %+v", s)
	}
	if set, err := eng.Settings(); err != nil || !set.SyncFrom.Equal(windowStart) {
		t.Errorf("saved settings %+v %v, want the walk's %s", set, err, windowStart)
	}
}

// A chat list item that has no id can be neither stored nor retried: it is
// counted as lost, apart from the skipped chats, and said so.
func TestListItemWithoutIDCountedLost(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 12, DeletedEvery: -1}, 13)
	snap := e.fake.Snapshot()
	e.fake.SetChatFault(snap.Chats[4].ID, fakeapi.FaultMalformedListing)
	e.fake.SetChatFault(snap.Chats[9].ID, fakeapi.FaultServerError)
	// Strip the id from the malformed list item on the way out.
	noID := regexp.MustCompile(`"id":\s*"[^"]*",\s*("name":\s*\{"oops":true\})`)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		e.fake.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.HasSuffix(r.URL.Path, "/chats") {
			body = noID.ReplaceAll(body, []byte("$1"))
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(hs.Close)
	e.cfg.BaseURL = hs.URL
	ch, _, unsub := e.ix.Subscribe()
	defer unsub()
	s := e.run(e.engine())
	if s.State != StateDone || s.Lost != 1 || s.Skipped != 1 || s.Chats != 10 {
		t.Fatalf("summary %+v, want 10 stored, 1 skipped, 1 lost", s)
	}
	if len(s.Errors) != 2 || !strings.Contains(strings.Join(s.Errors, "\n"), "cannot be retried") {
		t.Errorf("errors %q", s.Errors)
	}
	var final string
	for len(ch) > 0 {
		if ev := <-ch; ev.State == StateDone {
			final = ev.Message
			if ev.Counters["lost"] != 1 {
				t.Errorf("final event counters %v", ev.Counters)
			}
		}
	}
	if !strings.Contains(final, "1 chat list items without an id") {
		t.Errorf("final message %q does not mention the lost item", final)
	}
	if !bytes.Contains(mustJSON(s), []byte(`"lost":1`)) {
		t.Errorf("summary JSON lacks lost: %s", mustJSON(s))
	}
	if fails, _ := e.engine().Failures(); len(fails) != 1 {
		t.Errorf("failures %+v, want only the chat that answered 500", fails)
	}
}

// Cancel returns only after the run has saved its last-run summary, so the
// indexer can be closed right after it.
func TestCancelWaitsForLastRunSaved(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 30}, 14)
	e.fake.SetLatency(20 * time.Millisecond)
	eng := e.engine()
	id, err := eng.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	if !eng.Cancel() {
		t.Fatal("Cancel found no run")
	}
	var last Summary
	if ok, err := getJSON(e.ix, keyLastRun, &last); !ok || err != nil || last.ID != id || last.State != StateCancelled {
		t.Fatalf("last run right after Cancel: %v %v %+v", ok, err, last)
	}
	if eng.Cancel() {
		t.Error("second Cancel found a run")
	}
	// A run cannot begin on a context that has already ended (shutdown):
	// it would outlive the indexer.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := eng.RunOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunOnce on an ended context: %v", err)
	}
	if _, err := eng.Start(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start on an ended context: %v", err)
	}
	if _, err := getJSON(e.ix, keyLastRun, &last); err != nil || last.ID != id {
		t.Errorf("last run overwritten by a run on an ended context: %+v %v", last, err)
	}
}
