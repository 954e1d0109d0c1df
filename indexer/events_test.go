package indexer

import (
	"fmt"
	"testing"
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
