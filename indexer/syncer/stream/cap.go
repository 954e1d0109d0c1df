package stream

import (
	"math"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// WindowKey is where a stream's hourly cap window is kept.
func WindowKey(name string) string { return "sync/" + name + "/window" }

// Window counts items per minute over the last hour. The chat walk keeps its
// own under "sync/window"; a capped stream keeps one under WindowKey.
type Window struct {
	Slots []WindowSlot `json:"slots"`
}

// WindowSlot is one minute's count.
type WindowSlot struct {
	T time.Time `json:"t"` // minute
	N int       `json:"n"`
}

func (w *Window) prune(now time.Time) {
	cut := now.Add(-time.Hour)
	i := 0
	for i < len(w.Slots) && !w.Slots[i].T.After(cut) {
		i++
	}
	w.Slots = w.Slots[i:]
}

// Used is how many items the last hour counted.
func (w *Window) Used(now time.Time) int {
	w.prune(now)
	n := 0
	for _, s := range w.Slots {
		n += s.N
	}
	return n
}

// Add counts n items at now.
func (w *Window) Add(now time.Time, n int) {
	if n == 0 {
		return
	}
	m := now.UTC().Truncate(time.Minute)
	if k := len(w.Slots); k > 0 && w.Slots[k-1].T.Equal(m) {
		w.Slots[k-1].N += n
		return
	}
	w.Slots = append(w.Slots, WindowSlot{m, n})
}

// ResumeAt is when at least one item of capacity frees up again.
func (w *Window) ResumeAt(now time.Time, limit int) time.Time {
	used := w.Used(now)
	for _, s := range w.Slots {
		if used < limit {
			break
		}
		used -= s.N
		if used < limit {
			return s.T.Add(time.Hour)
		}
	}
	return now
}

// Cap is a stream's hourly item cap (the product's "10,000 per hour" rule).
// A zero Limit means uncapped. The count is saved in the batch of the items
// it counts (Count), so a crash neither forgets nor double-counts them.
type Cap struct {
	Name  string
	Limit int
	W     Window
}

// LoadCap reads the stream's saved window.
func LoadCap(ix *indexer.Indexer, name string, limit int) (*Cap, error) {
	c := &Cap{Name: name, Limit: limit}
	if limit <= 0 {
		return c, nil
	}
	_, err := LoadJSON(ix, WindowKey(name), &c.W)
	return c, err
}

// Left is how many items the cap still allows now.
func (c *Cap) Left(now time.Time) int {
	if c == nil || c.Limit <= 0 {
		return math.MaxInt
	}
	return max(0, c.Limit-c.W.Used(now))
}

// Count adds n items at now and puts the window in b's checkpoints.
func (c *Cap) Count(b *indexer.Batch, now time.Time, n int) {
	if c == nil || c.Limit <= 0 {
		return
	}
	c.W.Add(now, n)
	if b.Checkpoints == nil {
		b.Checkpoints = map[string][]byte{}
	}
	b.Checkpoints[WindowKey(c.Name)] = MustJSON(c.W)
}

// ResumeAt is when the capped stream can go on.
func (c *Cap) ResumeAt(now time.Time) time.Time {
	if c == nil || c.Limit <= 0 {
		return now
	}
	return c.W.ResumeAt(now, c.Limit)
}
