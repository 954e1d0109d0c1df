package export

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

func allEras() []string {
	return []string{
		filepath.Join("testdata", "users.json"),
		filepath.Join("testdata", "2024", "conversations.json"),
		filepath.Join("testdata", "2025", "conversations.json"),
		filepath.Join("testdata", "2026", "conversations.json"),
	}
}

func TestReimportChangesNothing(t *testing.T) {
	sink := newMemSink()
	first, _ := runImport(t, sink, Limits{}, allEras()...)
	stored := len(sink.users) + len(sink.convs) + len(sink.msgs)
	second, _ := runImport(t, sink, Limits{}, allEras()...)

	if first.Conversations != second.Conversations || first.Messages != second.Messages || first.Users != second.Users {
		t.Errorf("counts differ: first %+v, second %+v", first, second)
	}
	if got := len(sink.users) + len(sink.convs) + len(sink.msgs); got != stored {
		t.Errorf("stored records %d after re-import, want %d", got, stored)
	}
	if c := second.Changes; c.Users+c.Conversations+c.Messages != 0 || c.Unchanged != stored {
		t.Errorf("re-import changed %+v, want everything (%d) unchanged", c, stored)
	}
	if c := first.Changes; c.Users+c.Conversations+c.Messages != stored {
		t.Errorf("first import changed %+v, want %d", c, stored)
	}
}

// TestUsersAlone checks that a users.json given alone sends only users, so the
// indexer can re-label conversations it already holds.
func TestUsersAlone(t *testing.T) {
	sink := newMemSink()
	rep, _ := runImport(t, sink, Limits{}, filepath.Join("testdata", "users.json"))
	if rep.Users != 3 || rep.Conversations != 0 || len(rep.Errors) != 0 || rep.Outcome() != nil {
		t.Fatalf("report %+v", rep)
	}
	for _, b := range sink.batches {
		if len(b.Conversations)+len(b.Messages) != 0 {
			t.Fatalf("batch with conversations or messages: %+v", b)
		}
	}
	if len(rep.Notes) != 0 {
		t.Errorf("notes %q, want none", rep.Notes)
	}
}

func TestBatchLimits(t *testing.T) {
	tests := []struct {
		name string
		lim  Limits
		max  func(b indexer.Batch) bool // true when the batch is within limits
	}{
		{"two messages", Limits{BatchMessages: 2}, func(b indexer.Batch) bool { return len(b.Messages) <= 2 && len(b.Conversations) <= 2 }},
		{"bytes", Limits{BatchBytes: 600}, func(b indexer.Batch) bool {
			n := 0
			for i := range b.Messages {
				n += messageSize(&b.Messages[i])
			}
			// A batch is cut after the message that crosses the limit.
			return len(b.Messages) <= 1 || n-messageSize(&b.Messages[len(b.Messages)-1]) < 600
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newMemSink()
			rep, _ := runImport(t, sink, tt.lim, allEras()...)
			if len(sink.batches) < 5 {
				t.Errorf("only %d batches", len(sink.batches))
			}
			for i, b := range sink.batches {
				if !tt.max(b) {
					t.Errorf("batch %d over limits: %d conversations %d messages", i, len(b.Conversations), len(b.Messages))
				}
			}
			if len(sink.msgs) != rep.Messages || rep.Messages != 18 || len(sink.convs) != 8 {
				t.Errorf("stored %d messages %d conversations, report %d messages", len(sink.msgs), len(sink.convs), rep.Messages)
			}
		})
	}
}

func TestProgressEvents(t *testing.T) {
	sink := newMemSink()
	rep, ev := runImport(t, sink, Limits{BatchMessages: 3}, allEras()...)
	if len(ev.events) < 3 {
		t.Fatalf("%d events", len(ev.events))
	}
	first, last := ev.events[0], ev.events[len(ev.events)-1]
	if first.State != "running" || first.Kind != "import" || first.Job != "test" || first.Total <= 0 || first.Unit != "bytes" {
		t.Errorf("first event %+v", first)
	}
	if last.State != "done" || last.Done != last.Total || last.Counters["conversations"] != rep.Conversations ||
		last.Counters["messages"] != rep.Messages || last.Counters["users"] != 3 || last.Counters["errors"] != 0 {
		t.Errorf("last event %+v", last)
	}
	var prev int64
	for i, e := range ev.events {
		if e.Done < prev || e.Done > e.Total {
			t.Errorf("event %d: done %d after %d, total %d", i, e.Done, prev, e.Total)
		}
		prev = e.Done
	}
}

func TestSinkFailureStopsImport(t *testing.T) {
	sink := newMemSink()
	sink.failAt = 2
	ev := &eventLog{}
	_, err := Import(context.Background(), allEras(), Options{Sink: sink, Events: ev, Limits: Limits{BatchMessages: 2},
		Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, errSinkFull) {
		t.Fatalf("err = %v, want the sink's error", err)
	}
	if last := ev.events[len(ev.events)-1]; last.State != "failed" {
		t.Errorf("last event %+v, want failed", last)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Import(ctx, allEras(), Options{Sink: newMemSink(), Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestNoInput(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "projects.json", []byte(`[]`))
	rep, err := Import(context.Background(), []string{dir, filepath.Join(dir, "missing.json")},
		Options{Sink: newMemSink(), Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, ErrNoInput) {
		t.Fatalf("err = %v, want ErrNoInput", err)
	}
	if rep.Skipped != 1 || len(rep.Errors) != 1 {
		t.Errorf("report %+v", rep)
	}
}

// TestReportJSON pins the --json output shape of the issue.
func TestReportJSON(t *testing.T) {
	rep := &Report{Conversations: 2, Messages: 5, Users: 1, Skipped: 3, Errors: []RecordError{
		{File: "c.json", Record: 4, UUID: "u", Offset: 1234, Err: `c.json: conversation 4 (uuid "u") at byte 1234: boom`}},
		Notes: []string{"x"}}
	got, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"conversations":2,"messages":5,"users":1,"skipped":3,"errors":[{"record":4,"offset":1234,"error":"c.json: conversation 4 (uuid \"u\") at byte 1234: boom"}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	empty, _ := json.Marshal(&Report{Errors: []RecordError{}})
	if string(empty) != `{"conversations":0,"messages":0,"users":0,"skipped":0,"errors":[]}` {
		t.Errorf("empty report %s", empty)
	}
}

// cancellingSink cancels the import's context on its first batch, the way
// Ctrl-C lands in the middle of a run.
type cancellingSink struct {
	*memSink
	cancel context.CancelFunc
}

func (s cancellingSink) Ingest(ctx context.Context, b indexer.Batch) (indexer.IngestResult, error) {
	s.cancel()
	return s.memSink.Ingest(ctx, b)
}

func TestCancelledMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := cancellingSink{newMemSink(), cancel}
	ev := &eventLog{}
	_, err := Import(ctx, allEras(), Options{Sink: sink, Events: ev, Limits: Limits{BatchMessages: 1},
		Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(sink.msgs) >= 18 {
		t.Errorf("all %d messages stored despite the cancel", len(sink.msgs))
	}
	if last := ev.events[len(ev.events)-1]; last.State != "cancelled" {
		t.Errorf("last event %+v", last)
	}
}
