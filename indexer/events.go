package indexer

import (
	"slices"
	"sync"
	"time"
)

// Event is a progress report from a long-running job (sync, import, reindex,
// delete). Sources publish them on the indexer's stream; the API relays them
// to browsers over WebSockets.
type Event struct {
	Job      string         `json:"job"`   // job id, stable for the job's life
	Kind     string         `json:"kind"`  // "sync", "import", "reindex", "delete"
	State    string         `json:"state"` // "running", "done", "failed", "cancelled", "waiting"
	Done     int64          `json:"done"`  // units done (conversations, bytes, …)
	Total    int64          `json:"total"` // 0 when unknown
	Unit     string         `json:"unit,omitempty"`
	Counters map[string]int `json:"counters,omitempty"` // chats, messages, skipped, …
	Message  string         `json:"message,omitempty"`
	Time     time.Time      `json:"time"`
}

// hub fans events out to subscribers. A slow subscriber misses older events
// rather than blocking ingest: when its buffer is full the oldest queued event
// makes room, so the newest — a job's final "done" or "failed" above all —
// always gets through.
//
// For late subscribers it keeps the latest event of every active (running
// or waiting) job and of the keepFinished most recently finished ones,
// evicting the oldest finished first. A count rather than an age: it bounds
// memory and what each new socket is sent however many jobs finish in a
// burst (a script importing in a loop), where "the last 24 hours" would
// not; 20 is about a day of hourly syncs, more than the progress panel
// shows. Active jobs are bounded too (keepActive), in case one ends without
// a final event: the one not heard from for longest goes first.
type hub struct {
	mu       sync.Mutex
	subs     map[chan Event]struct{}
	last     map[string]Event // latest event per job, for late subscribers
	finished []string         // jobs in last whose latest event is final, oldest first
}

const (
	keepFinished = 20
	keepActive   = 64
)

func newHub() *hub { return &hub{subs: map[chan Event]struct{}{}, last: map[string]Event{}} }

// active reports whether a job in state may publish again.
func active(state string) bool { return state == "running" || state == "waiting" }

func (h *hub) publish(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.remember(e)
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- e:
			default:
			}
		}
	}
}

// remember keeps e as its job's latest event within the bounds; h.mu held.
func (h *hub) remember(e Event) {
	h.last[e.Job] = e
	h.finished = slices.DeleteFunc(h.finished, func(j string) bool { return j == e.Job })
	if !active(e.State) {
		h.finished = append(h.finished, e.Job)
		if len(h.finished) > keepFinished {
			delete(h.last, h.finished[0])
			h.finished = slices.Delete(h.finished, 0, 1)
		}
		return
	}
	if len(h.last)-len(h.finished) <= keepActive {
		return
	}
	stale := ""
	for job, ev := range h.last {
		if active(ev.State) && job != e.Job && (stale == "" || ev.Time.Before(h.last[stale].Time)) {
			stale = job
		}
	}
	delete(h.last, stale)
}

func (h *hub) subscribe() (<-chan Event, []Event, func()) {
	ch := make(chan Event, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	snapshot := make([]Event, 0, len(h.last))
	for _, e := range h.last {
		snapshot = append(snapshot, e)
	}
	h.mu.Unlock()
	slices.SortFunc(snapshot, func(a, b Event) int { return a.Time.Compare(b.Time) })
	var once sync.Once
	return ch, snapshot, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
		})
	}
}

// Publish sends a progress event to every subscriber.
func (ix *Indexer) Publish(e Event) { ix.events.publish(e) }

// Subscribe returns a channel of events, the latest event of every active job
// and of the most recently finished ones, oldest first (so a page opened
// mid-run shows where each job is), and a cancel func.
func (ix *Indexer) Subscribe() (<-chan Event, []Event, func()) { return ix.events.subscribe() }
