package indexer

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A subscriber that does not read while a job publishes many events still
// receives the job's final event, and a late subscriber gets the latest
// state of every job.
func TestSlowSubscriberGetsFinalEvent(t *testing.T) {
	h := newHub()
	ch, _, cancel := h.subscribe()
	defer cancel()
	for i := range 500 {
		h.publish(Event{Job: "import-1", State: "running", Done: int64(i)})
	}
	h.publish(Event{Job: "import-1", State: "done", Done: 500})
	var last Event
	for n := len(ch); n > 0; n-- {
		last = <-ch
	}
	if last.State != "done" || last.Done != 500 {
		t.Fatalf("last event %+v, want the final done", last)
	}
	_, snap, cancel2 := h.subscribe()
	defer cancel2()
	if len(snap) != 1 || snap[0].State != "done" {
		t.Fatalf("snapshot %s", fmt.Sprint(snap))
	}
}

// Issue 12, item 10d: the hub kept every job's last event forever and sent
// them all to each new socket. It keeps the active jobs and the most
// recently finished ones.
func TestHubKeepsActiveAndRecentFinishedJobs(t *testing.T) {
	h := newHub()
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time { at = at.Add(time.Second); return at }
	h.publish(Event{Job: "sync-long", State: "running", Time: tick()})
	h.publish(Event{Job: "import-waiting", State: "waiting", Time: tick()})
	for i := range 1000 {
		job := fmt.Sprintf("import-%04d", i)
		h.publish(Event{Job: job, State: "running", Time: tick()})
		h.publish(Event{Job: job, State: []string{"done", "failed", "cancelled"}[i%3], Time: tick()})
	}
	// A finished job that runs again is active, and listed once.
	h.publish(Event{Job: "import-0990", State: "running", Time: tick()})
	_, snap, cancel := h.subscribe()
	defer cancel()
	var jobs []string
	for _, e := range snap {
		jobs = append(jobs, e.Job+"="+e.State)
	}
	want := []string{"sync-long=running", "import-waiting=waiting"}
	for i := 980; i < 1000; i++ {
		if i != 990 {
			want = append(want, fmt.Sprintf("import-%04d=%s", i, []string{"done", "failed", "cancelled"}[i%3]))
		}
	}
	want = append(want, "import-0990=running")
	if !slices.Equal(jobs, want) {
		t.Fatalf("snapshot\n%v\nwant\n%v", jobs, want)
	}
	if len(h.last) != len(want) || len(h.finished) != keepFinished-1 {
		t.Fatalf("hub holds %d events, %d finished", len(h.last), len(h.finished))
	}

	// Active jobs are bounded too: the one not heard from for longest goes.
	for i := range 2 * keepActive {
		h.publish(Event{Job: fmt.Sprintf("stuck-%03d", i), State: "running", Time: tick()})
	}
	_, snap, cancel2 := h.subscribe()
	defer cancel2()
	act := 0
	for _, e := range snap {
		if active(e.State) {
			act++
			if e.Job == "sync-long" || e.Job == "stuck-000" {
				t.Errorf("stale active job %s kept over newer ones", e.Job)
			}
		}
	}
	if act != keepActive || len(snap) != keepActive+keepFinished-1 {
		t.Fatalf("%d active of %d events, want %d active", act, len(snap), keepActive)
	}
}
