package indexer

import (
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
type hub struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
	last map[string]Event // latest event per job, for late subscribers
}

func newHub() *hub { return &hub{subs: map[chan Event]struct{}{}, last: map[string]Event{}} }

func (h *hub) publish(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last[e.Job] = e
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

func (h *hub) subscribe() (<-chan Event, []Event, func()) {
	ch := make(chan Event, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	snapshot := make([]Event, 0, len(h.last))
	for _, e := range h.last {
		snapshot = append(snapshot, e)
	}
	h.mu.Unlock()
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

// Subscribe returns a channel of events, the latest event of every job seen so
// far (so a page opened mid-run shows where the job is), and a cancel func.
func (ix *Indexer) Subscribe() (<-chan Event, []Event, func()) { return ix.events.subscribe() }
