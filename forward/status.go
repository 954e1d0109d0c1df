package forward

import (
	"context"
	"time"

	"github.com/ccsync/ccsync/model"
)

// status is a destination's stored status with what only the running
// worker knows (whether it is retrying, and when next).
func (e *Engine) status(ctx context.Context, d *model.Destination) (Status, error) {
	var st Status
	cur, err := e.loadCursor(d.ID)
	if err != nil {
		return st, err
	}
	stored, err := e.loadStatus(d.ID)
	if err != nil {
		return st, err
	}
	st.Cursor, st.Delivered, st.LastEvents, st.LastError = cur, stored.Delivered, stored.LastEvents, stored.LastError
	st.LastDelivery, st.LastErrorAt = unixTime(stored.LastDelivery), unixTime(stored.LastErrorAt)
	if head, err := e.head(d); err == nil && head > cur {
		st.Backlog = head - cur
	}
	n := 0
	if err := e.opts.Store.ScanMeta(deadPrefix(d.ID), func(string, []byte) error { n++; return nil }); err != nil {
		return st, err
	}
	st.DeadLetters = n
	e.mu.Lock()
	w := e.workers[d.ID]
	e.mu.Unlock()
	if w != nil {
		w.mu.Lock()
		st.Failing = w.failing
		if w.failing {
			t := w.nextAttempt.UTC()
			st.NextAttempt = &t
		}
		w.mu.Unlock()
	}
	return st, nil
}

func unixTime(ns *int64) *time.Time {
	if ns == nil {
		return nil
	}
	t := time.Unix(0, *ns).UTC()
	return &t
}
